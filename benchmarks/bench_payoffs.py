"""Benchmark: all-pairs exact finite-horizon payoffs, four routes side by side in one run.

    python benchmarks/bench_payoffs.py                         # N = 100, 1000, 3000; n = 10, 100, 1000, 10^9
    python benchmarks/bench_payoffs.py --sizes 300 --horizons 100 --repeats 1     # quick look

Routes, each on the same ``StrategyPool.uniform(N, seed=0)`` in the game "paper":

* **kernel** — ``payoff_matrix(pool, pool, n=n)`` today: the compiled, lane-vectorised repeated
  squaring of ``solvers/_kernel.py``; always the whole ``N x N`` table.
* **old scan** — the per-step scan of commit 3beb597 (``benchmarks/_payoff_routes.py``).
* **log-n JAX** — the O(log n) JAX route of issue 12 that the kernel replaced (same file).
* **Axelrod** — ``axelrod.Match`` of the same strategies (one sampled match per pair, so it
  is not even the exact answer), timed on ``--axelrod-pairs`` pairs and extrapolated.

The reference routes are timed on at most ``--max-ref-pairs`` pairs (whole rows of the pool) and
extrapolated linearly in the number of pairs; the old scan at ``n = 10^9`` (10^9 steps) from its
``n = 1000`` time, linearly in ``n``; Axelrod at ``n = 10^9`` from its per-turn time at
``n = 1000``.  Every extrapolated cell says so in the JSON (``"extrapolated": true``) and in the
table (``~``).  Times are the median of ``--repeats`` runs after a first (compiling) call;
``cpu_s`` is this process's CPU time (what one core did), ``wall_s`` the elapsed time.  The
load average before and after is recorded: other jobs share the machine.

Writes JSON to ``benchmarks/results/payoffs.json``.  Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import eqtools as eq  # noqa: E402
from solvers import payoffs as P  # noqa: E402

from _machine import machine  # noqa: E402
from _payoff_routes import logn_jax, old_scan  # noqa: E402


def _time(fn, repeats: int) -> tuple[object, dict]:
    """First call (compile) separately, then the median wall and CPU time of ``repeats`` calls."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(max(1, repeats)):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return out, {"first_call_s": first, "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}


def _axelrod_per_pair(params: np.ndarray, n: int, pairs: int, seed: int = 0) -> float:
    """Seconds per ``axelrod.Match`` of ``n`` turns (one sample), over ``pairs`` random pairs."""
    import axelrod as axl

    from eqtools.interop.axelrod import axelrod_game, axelrod_player

    rng = np.random.default_rng(seed)
    game = axelrod_game("paper")
    idx = rng.integers(0, len(params), size=(pairs, 2))
    players = [(axelrod_player(eq.MemoryOne.from_vector(params[i], name=f"r{i}")),
                axelrod_player(eq.MemoryOne.from_vector(params[j], name=f"c{j}"))) for i, j in idx]
    t0 = time.perf_counter()
    for k, (a, b) in enumerate(players):
        axl.Match((a, b), turns=n, game=game, seed=seed + k).play()
    return (time.perf_counter() - t0) / pairs


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000], help="pool sizes N")
    ap.add_argument("--horizons", type=int, nargs="+", default=[10, 100, 1000, 10**9], help="horizons n")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-ref-pairs", type=int, default=10**6, help="pairs timed for the reference routes")
    ap.add_argument("--axelrod-pairs", type=int, default=100, help="pairs timed for Axelrod (per n <= 1000)")
    ap.add_argument("--no-axelrod", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "payoffs.json"))
    args = ap.parse_args()

    before = machine()
    rows: list[dict] = []
    agree: list[dict] = []
    axl_turn: dict[int, float] = {}
    if not args.no_axelrod:
        for n in sorted({min(n, 1000) for n in args.horizons}):
            axl_turn[n] = _axelrod_per_pair(eq.StrategyPool.uniform(1000, seed=0).params, n, args.axelrod_pairs)
            print(f"axelrod: n={n}: {axl_turn[n] * 1e3:.2f} ms per match", flush=True)

    for N in args.sizes:
        pool = eq.StrategyPool.uniform(N, seed=0)
        params = np.asarray(pool.params)
        nrow = max(1, min(N, args.max_ref_pairs // N))  # rows timed for the reference routes
        sub = params[:nrow]
        scale = N / nrow
        for n in args.horizons:
            res, t = _time(lambda: P.payoff_matrix(pool, pool, "paper", n=n), args.repeats)
            rows.append({"N": N, "n": n, "route": "kernel", "pairs_timed": N * N, "extrapolated": False, **t,
                         "per_pair_us": 1e6 * t["cpu_s"] / (N * N)})
            # log-n JAX route (replaced)
            ref, t = _time(lambda: logn_jax(sub, params, n), args.repeats)
            rows.append({"N": N, "n": n, "route": "log-n JAX (issue 12)", "pairs_timed": nrow * N,
                         "extrapolated": scale > 1, "wall_s": t["wall_s"] * scale, "cpu_s": t["cpu_s"] * scale,
                         "first_call_s": t["first_call_s"]})
            agree.append({"N": N, "n": n, "vs": "log-n JAX", "max_abs_diff_visits": float(np.max(np.abs(ref - res.visits[:nrow])))})
            # old scan (3beb597): O(n) steps
            n_meas = min(n, 1000)
            ref, t = _time(lambda: old_scan(sub, params, n_meas), args.repeats)
            f = scale * n / n_meas
            rows.append({"N": N, "n": n, "route": "old scan (3beb597)", "pairs_timed": nrow * N, "n_timed": n_meas,
                         "extrapolated": f > 1, "wall_s": t["wall_s"] * f, "cpu_s": t["cpu_s"] * f,
                         "first_call_s": t["first_call_s"]})
            if n_meas == n:
                agree.append({"N": N, "n": n, "vs": "old scan", "max_abs_diff_visits": float(np.max(np.abs(ref - res.visits[:nrow])))})
            if axl_turn:
                per = axl_turn[min(n, 1000)] * n / min(n, 1000)
                rows.append({"N": N, "n": n, "route": "Axelrod Match (1 sample/pair)", "pairs_timed": args.axelrod_pairs,
                             "n_timed": min(n, 1000), "extrapolated": True, "wall_s": per * N * N, "cpu_s": None})
            print(f"N={N} n={n}: " + ", ".join(f"{r['route']} {r['wall_s']:.3g} s" for r in rows[-4:]), flush=True)

    # one pair at n = 10^9 (milliseconds per pair, call overhead included), and context rows
    x, y = eq.named("TFT").vector, eq.StrategyPool.uniform(2, seed=1).params[0]
    _, one = _time(lambda: P.finite_horizon(x, y, "paper", 10**9), 200)
    pool = eq.StrategyPool.uniform(1000, seed=0)
    _, disc = _time(lambda: P.payoff_matrix(pool, pool, "paper", gamma=0.99), args.repeats)
    _, lim = _time(lambda: P.payoff_matrix(pool, pool, "paper", limit=True), args.repeats)
    after = machine()
    result = {
        "benchmark": "all-pairs exact finite horizon: kernel vs the routes it replaced vs Axelrod",
        "command": "python benchmarks/bench_payoffs.py " + " ".join(sys.argv[1:]),
        "game": "paper", "pool": "StrategyPool.uniform(N, seed=0)",
        "rows": rows, "agreement": agree,
        "one_pair_n_1e9_ms": 1e3 * one["wall_s"], "one_pair_n_1e9_cpu_ms": 1e3 * one["cpu_s"],
        "context_N1000": {"discounted gamma=0.99": disc, "limit of means": lim},
        "machine": after, "loadavg_before": before["loadavg_1_5_15min"], "loadavg_after": after["loadavg_1_5_15min"],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")

    routes = ["kernel", "log-n JAX (issue 12)", "old scan (3beb597)", "Axelrod Match (1 sample/pair)"]
    print(f"\nmachine: {after['cpu']} x{after['cores']}; load before {before['loadavg_1_5_15min']}, "
          f"after {after['loadavg_1_5_15min']}; '~' = extrapolated")
    print("| N | n | " + " | ".join(routes) + " |\n|---|---|" + "---|" * len(routes))
    for N in args.sizes:
        for n in args.horizons:
            cells = []
            for r in routes:
                m = [x for x in rows if x["N"] == N and x["n"] == n and x["route"] == r]
                if not m:
                    cells.append("-")
                    continue
                v = m[0]["cpu_s"] if m[0]["cpu_s"] is not None else m[0]["wall_s"]
                cells.append(("~" if m[0]["extrapolated"] else "") + (f"{v:.3g} s" if v < 1e5 else f"{v / 86400:.3g} days"))
            print(f"| {N} | {n:g} | " + " | ".join(cells) + " |")
    print(f"one pair at n = 1e9: {1e3 * one['wall_s']:.3f} ms; 1000^2 gamma=0.99 {disc['cpu_s']:.3f} s, limit {lim['cpu_s']:.3f} s (CPU)")
    print("max |visits difference| vs the kernel: " + ", ".join(f"{a['vs']} N={a['N']} n={a['n']:g}: {a['max_abs_diff_visits']:.1e}" for a in agree))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
