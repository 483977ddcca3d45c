"""Describe the machine a benchmark ran on (recorded with every figure)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Any, Callable


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import jax

        devs = [str(d) for d in jax.devices()]
        jv = jax.__version__
    except Exception:  # pragma: no cover - reporting only
        devs, jv = [], "n/a"
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = []
    # Load average at the time of measurement: other processes on a 2-core box skew timings.
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "jax": jv,
            "devices": devs, "loadavg_1_5_15min": load}


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
