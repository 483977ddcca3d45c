"""Provenance: which machine a result was measured on.

:func:`machine` is the one description recorded with every benchmark figure and study summary
(``benchmarks/``, ``studies/``): CPU model, cores (all and visible to this process), Python and
JAX versions, JAX devices and the load average at the time of measurement (other processes on a
small shared machine skew timings, so the load is part of the record).
"""

from __future__ import annotations

import os
import platform
from typing import Any

__all__ = ["machine"]


def _cpu_model() -> str:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def machine() -> dict[str, Any]:
    """The machine this process runs on, as JSON-able values.

    Keys: ``cpu`` (model name), ``arch``, ``host``, ``cores`` (``os.cpu_count()``),
    ``cores_visible`` (the CPU affinity of this process, e.g. 1 under ``taskset -c 1``),
    ``python``, ``jax`` (version), ``jax_backend``, ``devices`` and ``loadavg_1_5_15min``.
    Fields that cannot be read are reported as ``"n/a"`` or empty, never raised.
    """
    try:
        import jax

        devs = [str(d) for d in jax.devices()]
        jv, backend = jax.__version__, jax.default_backend()
    except Exception:  # pragma: no cover - reporting only
        devs, jv, backend = [], "n/a", "n/a"
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = []
    try:
        visible: int | None = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        visible = os.cpu_count()
    return {"cpu": _cpu_model(), "arch": platform.machine(), "host": platform.node(), "cores": os.cpu_count(),
            "cores_visible": visible, "python": platform.python_version(), "jax": jv, "jax_backend": backend,
            "devices": devs, "loadavg_1_5_15min": load}
