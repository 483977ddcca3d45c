"""Benchmark helpers: the machine a benchmark ran on (recorded with every figure) and timing.

``machine`` lives in the library (:func:`eqtools.provenance.machine`, shared with the studies);
it is re-exported here for the benchmark scripts.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from eqtools.provenance import machine

__all__ = ["machine", "timed"]


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[Any, float, float]:
    """``(result, first-call seconds, median of ``repeats`` further calls)``; the first call
    includes compilation, the median is the steady state (the first call's time if repeats = 0)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, first, statistics.median(times) if times else first
