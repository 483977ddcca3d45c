"""Opponent-shaping baselines: exact-gradient naive learners and LOLA, sample-based
policy-gradient learners and Advantage Alignment, on memory-one policies.

The names below are loaded lazily (on first use), so importing this package -- which
``eqtools --help`` does through :mod:`eqtools.cli.shaping` -- does not import JAX.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "SampleConfig": "sample", "SampleResult": "sample", "effective_advantage": "sample", "train_sample": "sample",
    "GRUShapingConfig": "gru", "GRUShapingResult": "gru", "train_gru": "gru",
    "RULES": "exact", "ExactConfig": "exact", "ExactResult": "exact", "gradient_terms": "exact",
    "memory_one_values": "exact", "stage_values": "exact", "train_exact": "exact", "update_direction": "exact",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))

__all__ = [
    "GRUShapingConfig",
    "GRUShapingResult",
    "train_gru",
    "RULES",
    "ExactConfig",
    "ExactResult",
    "gradient_terms",
    "memory_one_values",
    "stage_values",
    "train_exact",
    "update_direction",
    "SampleConfig",
    "SampleResult",
    "train_sample",
    "effective_advantage",
]
