"""Benchmark: meta-game analysis (solvers.bimatrix.meta_game.analyse_tournament) at the three size targets.

Targets (issue 11, on the project's 2-core machine):

* ``main``  — the README main command's tournament (``eqtools tournament all --random 20
  --seed 0``: the named library + 20 random strategies, 31 x 31, paper IPD, T = 100): analysis
  under 10 s;
* ``200``   — a 200 x 200 random tournament (library + 189 random strategies): under 60 s;
* ``1000``  — a 1000 x 1000 tournament (library + 989 random strategies; α-Rank plus sampled
  equilibria): under 5 minutes.

Each tournament is computed with eqtools' exact tournament code (``solvers.tournament.tournament``
on ``StrategyPool.uniform(k, seed=0)`` + the named library, exactly as the CLI builds it); the
timing covers :func:`analyse_tournament` only (Nash: complete or sampled, ESS, replicator, α-Rank
finite and α → ∞).  Reported per case: wall and CPU seconds (the box is shared, so wall time
depends on the load, recorded as well), whether the result is complete, the method, the number
of equilibria, the largest verified deviation gain, and the per-part timings.

    taskset -c 0 python benchmarks/bench_meta_game.py                      # all three cases
    taskset -c 0 python benchmarks/bench_meta_game.py --cases main 200 --json runs/bench_meta.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TARGETS = {"main": 10.0, "200": 60.0, "1000": 300.0}


def build(case: str, seed: int):
    from eqtools.io import parse_strategies
    from eqtools.strategies import StrategyPool
    from solvers.tournament import tournament

    players = parse_strategies(["all"], "paper")
    total = {"main": 31, "200": 200, "1000": 1000}[case]
    players.extend(StrategyPool.uniform(total - len(players), seed=seed))
    return tournament(players, game="paper", n=100)


def run_case(case: str, seed: int, time_limit: float | None) -> dict:
    from solvers.bimatrix.meta_game import analyse_tournament

    t0 = time.perf_counter()
    ds = build(case, seed)
    t_tour = time.perf_counter() - t0
    w0, c0 = time.perf_counter(), time.process_time()
    an = analyse_tournament(ds, seed=seed, time_limit=time_limit)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    nash = an.nash
    gains = [max(e.gain_row, e.gain_col) for e in nash.equilibria]
    lh = nash.runs.get("lemke_howson", {})
    return {
        "case": case,
        "shape": list(nash.game.shape),
        "tournament_seconds": round(t_tour, 2),
        "analysis_wall_seconds": round(wall, 2),
        "analysis_cpu_seconds": round(cpu, 2),
        "target_seconds": TARGETS[case],
        "within_target_wall": wall < TARGETS[case],
        "complete": nash.complete,
        "method": nash.method,
        "reason": nash.reason,
        "n_equilibria": len(nash.equilibria),
        "n_symmetric": len(nash.symmetric()),
        "n_ess": sum(1 for e in nash.equilibria if e.ess),
        "max_verified_gain": max(gains) if gains else None,
        "tol_abs": nash.tol_abs,
        "lh_labels": lh.get("labels"),
        "lh_paths_finished": lh.get("paths_finished"),
        "stopped_by_time_limit": any(v.get("stopped_by_time_limit") for v in nash.runs.values()),
        "alpharank_finite": an.alpharank is not None,
        "alpharank_limit_sinks": len(an.alpharank_limit.sinks),
        "timings": an.timings,
        "notes": list(an.notes),
    }


def main() -> None:
    from _machine import machine  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=["main", "200", "1000"], choices=list(TARGETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=None, help="time_limit for the sampled methods")
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    import numpy as np

    from solvers.bimatrix.meta_game import analyse_matrix

    analyse_matrix(np.eye(3), replicator=False)  # warm-up: imports
    out = {"machine": machine(), "command": " ".join(["python", *sys.argv]), "affinity": sorted(os.sched_getaffinity(0)), "results": []}
    for case in args.cases:
        r = run_case(case, args.seed, args.time_limit)
        r["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
        out["results"].append(r)
        print(json.dumps(r), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
