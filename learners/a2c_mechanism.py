"""Old home of the A2C mechanism chain (issue 23 moved it to :mod:`learners.a2c.mechanism`): a
re-export shim, kept for one release; every name is the very object at its new home."""

from __future__ import annotations

from .a2c.mechanism import (  # noqa: F401
    SEED_OFFSETS, STEPS, _learner1, mechanism_summary, parse_hyper, run_mechanism, step_configs,
)

__all__ = ["STEPS", "SEED_OFFSETS", "step_configs", "run_mechanism", "mechanism_summary", "parse_hyper"]
