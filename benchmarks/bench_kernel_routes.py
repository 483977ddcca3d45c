"""Benchmark: the compiled kernel's two finite-horizon routes (forward scan, repeated squaring)
against each other at short horizons, to place ``solvers._kernel.SCAN_MAX_N``.

    python benchmarks/bench_kernel_routes.py

10^6 pairs (``StrategyPool.uniform(1000, seed=0)`` against itself), the kernel called directly
with each route forced; the minimum CPU time of ``--repeats`` interleaved runs (the minimum is
the least disturbed by other jobs on a shared machine).  Writes
``benchmarks/results/kernel_routes.json``.  Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import eqtools as eq  # noqa: E402
from solvers import _kernel as K  # noqa: E402
from solvers import payoffs as P  # noqa: E402

from _machine import machine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--horizons", type=int, nargs="+", default=[4, 8, 16, 24, 32, 48, 64])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "kernel_routes.json"))
    args = ap.parse_args()
    before = machine()
    p = np.asarray(eq.StrategyPool.uniform(1000, seed=0).params)
    xc, xd = (np.ascontiguousarray(a) for a in P._cd(p, 0.0))
    ri, ci = np.repeat(np.arange(1000), 1000), np.tile(np.arange(1000), 1000)
    out = np.empty((10**6, 4))
    times: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for n in args.horizons:
            for r in ("scan", "doubling"):
                c = time.process_time()
                K._finite_kernel(xc, xd, ri, xc, xd, ci, K.horizon_bits(n), n - 1 if r == "scan" else -1, out)
                times.setdefault(f"{n}/{r}", []).append(time.process_time() - c)
    rows = [{"n": n, "scan_cpu_s": min(times[f"{n}/scan"]), "doubling_cpu_s": min(times[f"{n}/doubling"]),
             "route_chosen": K.route(n)} for n in args.horizons]
    after = machine()
    res = {"benchmark": "kernel routes at short horizons (10^6 pairs)",
           "command": "python benchmarks/bench_kernel_routes.py " + " ".join(sys.argv[1:]),
           "SCAN_MAX_N": K.SCAN_MAX_N, "rows": rows, "machine": after,
           "loadavg_before": before["loadavg_1_5_15min"], "loadavg_after": after["loadavg_1_5_15min"],
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"load before {before['loadavg_1_5_15min']}, after {after['loadavg_1_5_15min']}")
    print("| n | scan (CPU s) | doubling (CPU s) | chosen |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['scan_cpu_s']:.4f} | {r['doubling_cpu_s']:.4f} | {r['route_chosen']} |")


if __name__ == "__main__":
    main()
