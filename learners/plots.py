"""Old home of the A2C plots (issue 23 moved them to :mod:`learners.a2c.plots`): a re-export shim,
kept for one release; every name is the very object at its new home."""

from __future__ import annotations

from .a2c.plots import (  # noqa: F401
    _COLORS, _LABELS, _plot_step1, _plot_step2, _plot_step3, _plot_steps, plot_eval, plot_mechanism, plot_rounds,
    plot_training, smooth,
)

__all__ = ["smooth", "plot_training", "plot_rounds", "plot_eval", "plot_mechanism"]
