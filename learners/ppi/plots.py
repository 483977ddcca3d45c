"""Plots of PPI runs (matplotlib, Agg): curves by phase, per-round evaluation, Figure-2 view."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["plot_phases", "plot_rounds", "plot_mechanism"]

_PAPER_STEP1 = {"ALLC": 2.0, "ALLD": 0.0, "TFT": 1.0}


def _dataset(name: str, ds: Any, variables: tuple[str, ...]) -> None:
    """A named error unless ``ds`` is a Dataset holding ``variables`` (a run's phases or rounds view)."""
    from eqtools.errors import ParameterError

    if not all(hasattr(ds, "__contains__") and hasattr(ds, "data_vars") and (v in ds) for v in variables):
        raise ParameterError(f"{name} must be a Dataset with {list(variables)} (a PPI run's phases_dataset() or "
                             f"rounds_dataset()), got {type(ds).__name__}")


def _runs(runs: Any, path: Any, variables: tuple[str, ...]) -> Path:
    from eqtools.errors import ParameterError
    from eqtools.io import check_plot_path

    if not isinstance(runs, Mapping) or not runs:
        raise ParameterError(f"runs must be a non-empty mapping of label -> Dataset, got {runs!r}"[:300])
    for k, ds in runs.items():
        _dataset(f"runs[{k!r}]", ds, variables)
    return check_plot_path(path)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_phases(runs: Mapping[str, Any], path: str | Path, title: str = "PPI") -> None:
    """Cooperation and reward per phase (learner mean; pair episodes and tabular episodes)."""
    path = _runs(runs, path, ("phase", "coop_pair", "reward_pair", "coop_tab", "reward_tab"))
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for label, ds in runs.items():
        ph = ds["phase"].values
        for key, ls in (("pair", "-"), ("tab", "--")):
            c = ds[f"coop_{key}"].mean("learner").values
            r = ds[f"reward_{key}"].mean("learner").values
            if np.isfinite(c).any():
                axes[0].plot(ph, c, ls, marker="o", ms=3, label=f"{label} vs {'co-player' if key == 'pair' else 'tabular'}")
                axes[1].plot(ph, r, ls, marker="o", ms=3, label=f"{label} vs {'co-player' if key == 'pair' else 'tabular'}")
    axes[0].set(xlabel="phase", ylabel="cooperation rate", ylim=(-0.02, 1.02), title="cooperation (gathered data)")
    axes[1].set(xlabel="phase", ylabel="reward per round", title="reward (gathered data)")
    axes[1].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_rounds(runs: Mapping[str, Any], path: str | Path, title: str = "PPI: final evaluation per round") -> None:
    """Per-round cooperation and reward against each evaluation co-player (learner mean)."""
    path = _runs(runs, path, ("opponent", "round", "coop", "reward"))
    plt = _plt()
    labels = list(runs)
    fig, axes = plt.subplots(2, len(labels), figsize=(4.2 * len(labels), 6), squeeze=False)
    for j, label in enumerate(labels):
        ds = runs[label]
        for k, opp in enumerate(ds["opponent"].values):  # fixed colour per co-player across panels
            c = ds["coop"].sel(opponent=opp).mean("learner").values
            r = ds["reward"].sel(opponent=opp).mean("learner").values
            if np.isfinite(c).any():
                axes[0, j].plot(ds["round"].values, c, label=str(opp), lw=1, color=f"C{k}")
                axes[1, j].plot(ds["round"].values, r, label=str(opp), lw=1, color=f"C{k}")
        axes[0, j].legend(fontsize=7)
        axes[0, j].set(title=f"{label} (phase {ds.attrs.get('phase', '?')})", ylabel="cooperation", ylim=(-0.02, 1.02))
        axes[1, j].set(xlabel="round", ylabel="reward")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_mechanism(step1_rounds: Any, step2_phases: Any, step3_phases: Any, summary: Mapping[str, Any],
                   path: str | Path, title: str = "PPI mechanism (paper Figure 2)") -> None:
    """Step 1 per-round reward vs ALLC/ALLD/TFT (dotted: the paper's asymptotes), step 2
    learner vs Fixed-ICL reward by phase, step 3 cooperation between the extortioners.

    ``step1_rounds=None`` (a chain run against a saved Fixed-ICL) leaves the first panel empty."""
    from eqtools.errors import ParameterError
    from eqtools.io import check_plot_path

    if step1_rounds is not None:
        _dataset("step1_rounds", step1_rounds, ("round", "reward"))
    _dataset("step2_phases", step2_phases, ("phase", "reward_pair"))
    _dataset("step3_phases", step3_phases, ("phase", "coop_pair", "reward_pair"))
    if not isinstance(summary, Mapping):
        raise ParameterError(f"summary must be a mapping (learners.ppi.mechanism.mechanism_summary), got {summary!r}"[:300])
    if not isinstance(title, str):
        raise ParameterError(f"title must be a string, got {title!r}")
    path = check_plot_path(path)
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    if step1_rounds is None:
        ax.text(0.5, 0.5, "step 1 not run here:\na saved Fixed-ICL was used", ha="center", va="center",
                transform=ax.transAxes)
    for opp, ref in (_PAPER_STEP1.items() if step1_rounds is not None else ()):
        r = step1_rounds["reward"].sel(opponent=opp).mean("learner").values
        line, = ax.plot(step1_rounds["round"].values, r, lw=1, label=opp)
        ax.axhline(ref, ls=":", color=line.get_color(), lw=1)
    ax.set(xlabel="round", ylabel="reward", title="step 1: in-context best response")
    if step1_rounds is not None:
        ax.legend(fontsize=7)
    ax = axes[1]
    ph = step2_phases["phase"].values
    ax.plot(ph, step2_phases["reward_pair"].mean("learner").values, marker="o", label="learner (extortioner)")
    ax.plot(ph, summary.get("step2_icl_reward_by_phase", [np.nan] * len(ph)), marker="s", label="Fixed-ICL")
    ax.axhline(0.9, ls=":", color="C0", lw=1)
    ax.axhline(0.2, ls=":", color="C1", lw=1)
    ax.set(xlabel="phase", ylabel="reward per round", title="step 2: learner vs Fixed-ICL")
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(step3_phases["phase"].values, step3_phases["coop_pair"].mean("learner").values, marker="o", label="cooperation")
    ax.plot(step3_phases["phase"].values, step3_phases["reward_pair"].mean("learner").values, marker="s", label="reward")
    ax.axhline(0.95, ls=":", color="C0", lw=1)
    ax.set(xlabel="phase (continuing from step 2)", ylim=(-1.05, 2.05), title="step 3: extortioner vs extortioner")
    ax.legend(fontsize=7)
    fig.suptitle(title + " — dotted lines: the paper's values")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
