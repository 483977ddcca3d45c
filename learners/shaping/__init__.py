"""Opponent-shaping baselines: exact-gradient naive learners and LOLA, sample-based
policy-gradient learners and Advantage Alignment, on memory-one policies."""

from .sample import SampleConfig, SampleResult, effective_advantage, train_sample
from .gru import GRUShapingConfig, GRUShapingResult, train_gru
from .exact import (
    RULES,
    ExactConfig,
    ExactResult,
    gradient_terms,
    memory_one_values,
    stage_values,
    train_exact,
    update_direction,
)

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
