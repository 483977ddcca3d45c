"""Count-state enumeration shared by the exact DP (:mod:`learners.bayes.dp`) and the count-state
lookahead of :mod:`learners.bayes.policy`: every 8-vector of context counts with a given sum,
and an integer code per vector for sorted lookups."""

from __future__ import annotations

import itertools

import numpy as np

__all__: list[str] = []


def _compositions(m: int) -> np.ndarray:
    """All (N, 8) int16 non-negative vectors summing to ``m`` (stars and bars), lexicographic."""
    bars = np.asarray(list(itertools.combinations(range(m + 7), 7)), dtype=np.int64).reshape(-1, 7)
    edges = np.concatenate([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), m + 7)], axis=1)
    return (np.diff(edges, axis=1) - 1).astype(np.int16)


def _codes(c: np.ndarray, base: int) -> np.ndarray:
    return (c.astype(np.int64) * (base ** np.arange(8, dtype=np.int64))).sum(-1)
