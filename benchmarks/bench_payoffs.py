"""Benchmark: all-pairs exact payoffs for N random memory-one strategies vs simulating the
same matches.

    python benchmarks/bench_payoffs.py            # N = 1000, n = 100, gamma = 0.99
    python benchmarks/bench_payoffs.py --n-strategies 300 --repeats 2

Reports compile time separately from the steady-state time (median of ``--repeats`` runs) and
writes JSON to ``benchmarks/results/payoffs.json``.  Run on demand; never part of the tests.
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
from solvers import payoffs as P  # noqa: E402
from solvers.simulate import simulate_memory_one  # noqa: E402

from _machine import machine, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-strategies", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=100)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sim-matches", type=int, default=2, help="simulated matches per pair")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "payoffs.json"))
    args = ap.parse_args()

    N, n = args.n_strategies, args.horizon
    pool = eq.StrategyPool.uniform(N, seed=0)
    rows = {}

    fin, c, t = timed(lambda: P.payoff_matrix(pool, pool, "paper", n=n), args.repeats)
    rows["exact finite horizon"] = {"first_call_s": c, "steady_s": t}
    disc, c, t = timed(lambda: P.payoff_matrix(pool, pool, "paper", gamma=args.gamma), args.repeats)
    rows["exact discounted"] = {"first_call_s": c, "steady_s": t}
    lim, c, t = timed(lambda: P.payoff_matrix(pool, pool, "paper", limit=True), max(1, args.repeats - 2))
    rows["exact limit of means"] = {"first_call_s": c, "steady_s": t}

    x = np.repeat(pool.params, N, axis=0).reshape(N, N, 5)
    y = np.broadcast_to(pool.params[None, :, :], (N, N, 5))
    sim, c, t = timed(
        lambda: simulate_memory_one(x, y, "paper", n=n, matches=args.sim_matches, seed=0, record_rounds=False),
        max(1, args.repeats - 2),
    )
    rows[f"simulated finite horizon ({args.sim_matches} matches/pair)"] = {"first_call_s": c, "steady_s": t}
    err = np.abs(sim.payoff_x - fin.payoff_x)
    se = float(np.mean(sim.payoff_x_se))
    # Matches per pair for the simulation's standard error to reach 1e-3 (exact is ~1e-15).
    per_match_sd = se * np.sqrt(args.sim_matches)
    needed = float((per_match_sd / 1e-3) ** 2)

    result = {
        "benchmark": "all-pairs payoffs",
        "command": "python benchmarks/bench_payoffs.py " + " ".join(sys.argv[1:]),
        "N": N, "horizon": n, "gamma": args.gamma, "pairs": N * N,
        "timings": rows,
        "simulation_mean_abs_error_vs_exact": float(err.mean()),
        "simulation_mean_standard_error": se,
        "matches_per_pair_for_se_1e-3": needed,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{N} x {N} pairs, horizon {n}, gamma {args.gamma}, machine: {result['machine']['cpu']} x{result['machine']['cores']}")
    print("| method | first call (s) | steady (s) |\n|---|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v['first_call_s']:.2f} | {v['steady_s']:.2f} |")
    print(f"simulation: mean |error| vs exact {err.mean():.3g}, mean s.e. {se:.3g}; "
          f"~{needed:,.0f} matches per pair would be needed for s.e. 1e-3")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
