"""Plots of A2C runs from their xarray results (``metrics.nc``, ``eval.nc``, ``rounds.nc``), and
of the three-step mechanism chain (:func:`plot_mechanism`, :mod:`learners.a2c.mechanism`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from eqtools.validation import float_array, positive_int

__all__ = ["smooth", "plot_training", "plot_rounds", "plot_eval", "plot_mechanism"]


def _check(name: str, runs: Any, path: Any) -> Path:
    """Named errors for a plot's inputs: ``runs`` a non-empty mapping of label -> Dataset (or Trainer),
    ``path`` a plot path matplotlib can write."""
    from eqtools.errors import ParameterError
    from eqtools.io import check_plot_path

    if not isinstance(runs, Mapping) or not runs:
        raise ParameterError(f"{name} must be a non-empty mapping of label -> result, got {runs!r}"[:300])
    return check_plot_path(path)


def _finish(fig: Any, path: Path, title: str, fontsize: float | None = 10) -> Any:
    """The common end of every plot here: the optional title, a tight layout, saved at 110 dpi."""
    if title:
        fig.suptitle(title, fontsize=fontsize)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig


_COLORS = {"none": "C0", "opponent-id": "C3", "no-tabular": "C2"}
_LABELS = {"none": "mixed pool", "opponent-id": "ablation: opponent ID", "no-tabular": "ablation: no tabular"}


def smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average along the last axis (NaN-aware, same length)."""
    x = float_array("x", x)
    window = positive_int("window", window)
    if window <= 1:
        return x
    v = np.where(np.isfinite(x), x, 0.0)
    n = np.isfinite(x).astype(np.float64)
    cv = np.cumsum(v, axis=-1)
    cn = np.cumsum(n, axis=-1)
    cv[..., window:] = cv[..., window:] - cv[..., :-window]
    cn[..., window:] = cn[..., window:] - cn[..., :-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        return cv / cn


def plot_training(runs: Mapping[str, "object"], path: str | Path, title: str = "", window: int = 50):
    """Learner-vs-learner cooperation and rewards over iterations (paper Figure 1B view).

    ``runs`` maps an ablation name to its metrics Dataset (dims seed, learner, iteration).
    Lines: mean over seeds and both learners; bands: std over seeds.
    """
    path = _check("runs", runs, path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    panels = [("coop_ll", "cooperation rate, learner vs learner"), ("reward_ll", "reward per round, learner vs learner"),
              ("reward_tab", "reward per round vs tabular (pool)")]
    for ax, (var, lab) in zip(axes, panels):
        for name, ds in runs.items():
            if var not in ds or not np.isfinite(ds[var].values).any():
                continue
            y = smooth(ds[var].mean("learner").values, window)  # (seed, iteration)
            it = ds["iteration"].values
            m, s = np.nanmean(y, 0), np.nanstd(y, 0)
            c = _COLORS.get(name, None)
            ax.plot(it, m, color=c, label=f"{_LABELS.get(name, name)} (n={y.shape[0]})")
            ax.fill_between(it, m - s, m + s, color=c, alpha=0.2)
            for row in y:
                ax.plot(it, row, color=c, lw=0.5, alpha=0.5)
        ax.set_xlabel("training iteration")
        ax.set_title(lab, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1)
    axes[0].axhline(0.8, color="k", ls=":", lw=0.8)
    axes[0].axhline(0.2, color="k", ls=":", lw=0.8)
    axes[0].legend(fontsize=8)
    return _finish(fig, path, title)


def plot_rounds(runs: Mapping[str, "object"], path: str | Path, title: str = ""):
    """Within-episode curves of the final evaluation (paper Figures 2B/4B view).

    ``runs`` maps an ablation name to its rounds Dataset (dims seed, learner, opponent, round).
    Top row: the learner's cooperation probability per round against each co-player; bottom:
    its reward per round.  Mean over seeds and learners.
    """
    path = _check("runs", runs, path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    opps = ["learner", "ALLC", "ALLD", "TFT", "random"]
    fig, axes = plt.subplots(2, len(opps), figsize=(3.2 * len(opps), 5.5), sharex=True)
    for j, o in enumerate(opps):
        for name, ds in runs.items():
            if o not in ds["opponent"].values:
                continue
            sel = ds.sel(opponent=o)
            r = ds["round"].values
            c = _COLORS.get(name, None)
            axes[0, j].plot(r, sel["coop"].mean(("seed", "learner")), color=c, label=_LABELS.get(name, name))
            axes[1, j].plot(r, sel["reward"].mean(("seed", "learner")), color=c)
        axes[0, j].set_title(f"vs {o}", fontsize=10)
        axes[0, j].set_ylim(-0.02, 1.02)
        axes[1, j].set_xlabel("round")
        for a in axes[:, j]:
            a.grid(alpha=0.3)
    axes[0, 0].set_ylabel("P(cooperate) (sampled)")
    axes[1, 0].set_ylabel("reward per round")
    axes[0, 0].legend(fontsize=7)
    return _finish(fig, path, title)


def plot_eval(runs: Mapping[str, "object"], path: str | Path, title: str = ""):
    """Evaluation over training: the learner's mean reward against each fixed co-player.

    In-context best-response references (paper game): vs ALLC 2, vs ALLD 0, vs TFT ~1.
    """
    path = _check("runs", runs, path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    opps = ["learner", "ALLC", "ALLD", "TFT", "random"]
    fig, axes = plt.subplots(1, len(opps), figsize=(3.2 * len(opps), 3.4))
    for j, o in enumerate(opps):
        for name, ds in runs.items():
            sel = ds.sel(opponent=o)["reward"].mean("learner")
            m, s = sel.mean("seed"), sel.std("seed")
            it = ds["iteration"].values
            c = _COLORS.get(name, None)
            axes[j].plot(it, m, color=c, marker=".", label=_LABELS.get(name, name))
            axes[j].fill_between(it, m - s, m + s, color=c, alpha=0.2)
        axes[j].set_title(f"reward vs {o}", fontsize=10)
        axes[j].set_xlabel("iteration")
        axes[j].grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return _finish(fig, path, title)


def plot_mechanism(trainers: Mapping[str, Any], path: str | Path, title: str = "") -> None:
    """Three panels: step 1 per-round reward vs ALLC/ALLD/TFT/random (Fixed-ICL, final policy);
    step 2 exploiter and Fixed-ICL reward over training; step 3 cooperation over training."""
    path = _check("trainers", trainers, path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for k, st in enumerate(("step1", "step2", "step3")):
        if st not in trainers:
            axes[k].text(0.5, 0.5, f"{st} not run in this call", ha="center", va="center", transform=axes[k].transAxes)
    _plot_steps(trainers, axes)
    for a in axes:
        a.grid(alpha=0.3)
    plt.close(_finish(fig, path, title, fontsize=None))


def _plot_steps(trainers: Mapping[str, Any], axes: Any) -> None:
    if "step1" in trainers:
        _plot_step1(trainers, axes)
    if "step2" in trainers:
        _plot_step2(trainers, axes)
    if "step3" in trainers:
        _plot_step3(trainers, axes)


def _plot_step1(trainers: Mapping[str, Any], axes: Any) -> None:
    r1 = trainers["step1"].rounds_dataset()
    ax = axes[0]
    for k, opp in enumerate(("ALLC", "ALLD", "TFT", "random")):
        y = r1["reward"].sel(opponent=opp, learner=1).values  # (seed, round)
        ax.plot(r1["round"].values, y.mean(0), color=f"C{k}", label=f"vs {opp} (mean {y.mean():.2f})")
        for row in y:
            ax.plot(r1["round"].values, row, color=f"C{k}", lw=0.4, alpha=0.4)
    ax.set_title(f"step 1: Fixed-ICL reward per round (it {trainers['step1'].iteration})", fontsize=10)
    ax.set_xlabel("round")
    ax.set_ylim(-1.05, 2.05)
    ax.legend(fontsize=8)


def _plot_step2(trainers: Mapping[str, Any], axes: Any) -> None:
    e2 = trainers["step2"].eval_dataset().sel(opponent="learner")
    ax = axes[1]
    it = e2["iteration"].values
    for var, lab, c in (("reward", "exploiter (learning)", "C0"), ("coplayer_reward", "Fixed-ICL", "C3")):
        y = e2[var].values.reshape(-1, len(it))  # (seed*learner, iteration)
        ax.plot(it, np.nanmean(y, 0), color=c, label=lab)
        for row in y:
            ax.plot(it, row, color=c, lw=0.4, alpha=0.4)
    ax.axhline(1.25, color="C0", ls=":", lw=1, label="paper: extortioner ≈ 1.25")
    ax.set_title("step 2: reward per round, exploiter vs Fixed-ICL", fontsize=10)
    ax.set_xlabel("training iteration")
    ax.legend(fontsize=8)


def _plot_step3(trainers: Mapping[str, Any], axes: Any) -> None:
    e3 = trainers["step3"].eval_dataset().sel(opponent="learner")
    ax = axes[2]
    it = e3["iteration"].values
    y = e3["coop"].values.reshape(-1, len(it))
    ax.plot(it, np.nanmean(y, 0), color="C2", label="cooperation (learners)")
    for row in y:
        ax.plot(it, row, color="C2", lw=0.4, alpha=0.4)
    y = e3["reward"].values.reshape(-1, len(it))
    ax.plot(it, np.nanmean(y, 0), color="C1", label="reward per round")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("step 3: two extortioners against each other", fontsize=10)
    ax.set_xlabel("training iteration")
    ax.legend(fontsize=8)
