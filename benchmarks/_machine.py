"""Describe the machine a benchmark ran on (recorded with every figure)."""

from __future__ import annotations

import os
import platform


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
