"""Benchmark: exact fixation probabilities and rare-mutation stationary distributions
(solvers.evolution) side by side with EGTtools, and the throughput of the vmapped
mutation-selection process in memory-one space.

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_evolution.py   # K = 5, 20, 50 strategies, N = 100
    python benchmarks/bench_evolution.py --quick

Writes ``benchmarks/results/evolution.json`` with the machine.  Run on demand; never part of the
tests.  EGTtools timings: ``PairwiseComparison.calculate_transition_and_fixation_matrix_sml``
(C++) and ``StochDynamics.transition_and_fixation_matrix`` (Python); both start from a given
payoff matrix, so the exact meta-game (our ``meta_game``) is timed separately.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eqtools.io import write_json  # noqa: E402
from eqtools.strategies import StrategyPool  # noqa: E402
from solvers.evolution import EvolutionConfig, evolve, fixation_matrix, meta_game, stationary_distribution  # noqa: E402

from _machine import machine  # noqa: E402
from _machine import timed as _timed  # noqa: E402


def timed(fn, repeats):
    out, first, steady = _timed(fn, repeats)
    return out, {"first_call_s": first, "steady_s": steady}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--N", type=int, default=100)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results/evolution.json")
    args = ap.parse_args(argv)
    Ks = (5, 20) if args.quick else (5, 20, 50)
    rows = []
    for K in Ks:
        pool = StrategyPool.uniform(K, seed=K)
        mg, t_meta = timed(lambda: meta_game(pool, "axelrod", limit=True, noise=0.01), args.repeats)
        M = mg.payoff
        row = {"K": K, "N": args.N, "beta": args.beta, "meta_game_limit_noise": t_meta}
        ours, row["ours_fixation_and_stationary"] = timed(
            lambda: stationary_distribution(M, args.N, "fermi", args.beta), args.repeats)
        try:
            import egttools
            from egttools.analytical import PairwiseComparison, StochDynamics
            from egttools.games import Matrix2PlayerGameHolder

            game = Matrix2PlayerGameHolder(K, M)  # keep alive: EGTtools holds no reference
            pc = PairwiseComparison(args.N, game)

            def egt_cpp():
                T, F = pc.calculate_transition_and_fixation_matrix_sml(args.beta)
                return egttools.utils.calculate_stationary_distribution(T.T), F

            (pi_c, F_c), row["egttools_cpp_PairwiseComparison"] = timed(egt_cpp, args.repeats)
            sd = StochDynamics(K, M, args.N)

            def egt_py():
                T, F = sd.transition_and_fixation_matrix(args.beta)
                return egttools.utils.calculate_stationary_distribution(T.T), F

            (pi_p, F_p), row["egttools_python_StochDynamics"] = timed(egt_py, max(1, args.repeats // 3))
            rho = fixation_matrix(M, args.N, "fermi", args.beta)
            mask = F_c > 0
            row["max_rel_diff_fixation_vs_egttools_cpp"] = float(np.max(np.abs(rho[mask] - F_c[mask]) / F_c[mask]))
            row["egttools_entries_truncated_to_0"] = int((~mask).sum() - K)
            row["max_abs_diff_stationary_vs_egttools_cpp"] = float(np.max(np.abs(ours.pi - pi_c)))
            row["egttools_version"] = egttools.__version__
        except ImportError as exc:  # pragma: no cover - reporting only
            row["egttools"] = f"not available: {exc}"
        rows.append(row)
        print({k: (v if not isinstance(v, dict) else round(v["steady_s"], 5)) for k, v in row.items()})
    # vmapped mutation-selection throughput
    runs, steps = (64, 1000) if args.quick else (256, 4000)
    cfg = EvolutionConfig(game="axelrod", N=args.N, selection=args.beta, noise=0.01, runs=runs, steps=steps,
                          record_every=100)
    _, t_evo = timed(lambda: evolve(cfg), 1)
    evo = {"runs": runs, "steps": steps, "N": args.N, "timing": t_evo,
           "run_steps_per_s_steady": runs * steps / t_evo["steady_s"]}
    print(evo)
    out = {"benchmark": "evolution: fixation + stationary distribution vs EGTtools; mutation-selection throughput",
           "command": "python benchmarks/bench_evolution.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "rows": rows, "evolve": evo, "machine": machine(),
           "env": {k: __import__("os").environ.get(k) for k in ("OMP_NUM_THREADS", "XLA_FLAGS")},
           "note": "EGTtools bundles OpenMP (libgomp); under taskset -c 0 set OMP_NUM_THREADS=1, else its "
                   "threads contend for the one core"}
    write_json(out, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
