"""Plots of evolutionary runs (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.io import check_plot_path
from eqtools.validation import Interval, IsMapping, float_array, validated

__all__ = ["plot_evolution", "plot_stationary"]

_STATE_LABELS = ("p_CC", "p_CD", "p_DC", "p_DD")


@validated
def plot_evolution(ds: Any, path: str | Path, *, title: str | None = None,
                   burn_in: Annotated[float, Interval(0.0, 1.0, hi_open=True)] = 0.2) -> Path:
    """Three panels from :func:`solvers.evolution.evolve` output: cooperation over time (mean and
    10–90 % band over runs), the resident's p_CC..p_DD over time (mean over runs), and the density
    of residents' p_CC..p_DD over all runs after the first ``burn_in`` fraction of time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not all(hasattr(ds, "__contains__") and v in ds for v in ("time", "cooperation", "resident")):
        raise ParameterError("ds must be a Dataset from solvers.evolution.evolve (variables time, cooperation, "
                             f"resident), got {type(ds).__name__}")
    path = check_plot_path(path)
    t = ds["time"].values
    coop = ds["cooperation"].values
    res = ds["resident"].values
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0))
    ax = axes[0]
    ax.plot(t, coop.mean(0), color="k", label="mean over runs")
    ax.fill_between(t, np.quantile(coop, 0.1, axis=0), np.quantile(coop, 0.9, axis=0), color="0.8", label="10-90 %")
    ax.set_ylim(0, 1)
    ax.set_xlabel("mutant invasions attempted")
    ax.set_ylabel("cooperation (resident self-play)")
    ax.legend(loc="lower right", fontsize=8)
    ax = axes[1]
    for i, lab in enumerate(_STATE_LABELS):
        ax.plot(t, res[:, :, i + 1].mean(0), label=lab)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mutant invasions attempted")
    ax.set_ylabel("resident strategy (mean over runs)")
    ax.legend(fontsize=8)
    ax = axes[2]
    start = int(burn_in * len(t))
    bins = np.linspace(0, 1, 41)
    for i, lab in enumerate(_STATE_LABELS):
        ax.hist(res[:, start:, i + 1].ravel(), bins=bins, density=True, histtype="step", label=lab)
    ax.set_xlabel("probability of cooperating")
    ax.set_ylabel(f"density of residents (after {burn_in:.0%} of time)")
    ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


@validated
def plot_stationary(xs: Any, table: Annotated[dict[str, Any], IsMapping], path: str | Path, *, xlabel: str,
                    title: str | None = None, logx: bool = False) -> Path:
    """Line plot of stationary shares (one line per strategy) against a swept parameter."""
    xs = float_array("xs", xs, min_ndim=1)
    table = {str(k): float_array(f"table[{k!r}]", v, min_ndim=1) for k, v in table.items()}
    if any(v.shape != xs.shape for v in table.values()):
        raise ParameterError(f"table must map names to sequences shaped like xs {xs.shape}")
    path = check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, ys in table.items():
        ax.plot(xs, ys, marker="o", ms=3, label=name)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("stationary share (rare mutations)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def _save(fig: Any, path: str | Path) -> Path:
    """Lay out, write (creating the folder) and close ``fig``; returns the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
