"""Benchmark: meta-game Nash solver (solvers.normal_form.extreme_equilibria) vs nashpy.

For random m x m games (i.i.d. standard normal payoffs, numpy seed per game) it records, per
game: the number of extreme equilibria found by our exhaustive vertex enumeration, by nashpy's
support enumeration and by nashpy's vertex enumeration; the wall time of each; and the misses:
equilibria (verified by the best-response conditions) found by one method but not another.

    python benchmarks/bench_nash.py                     # sizes 6..10, 3 games each
    python benchmarks/bench_nash.py --sizes 6 8 10 --games 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _key(x, y, nd=6):
    return (tuple(np.round(np.asarray(x, float), nd)), tuple(np.round(np.asarray(y, float), nd)))


def run(sizes, games, seed, support_max, repeats):
    import nashpy

    from solvers.normal_form import extreme_equilibria, is_equilibrium

    rows = []
    extreme_equilibria(np.eye(3))  # warm-up (imports)
    for m in sizes:
        for k in range(games):
            rng = np.random.default_rng([seed, m, k])
            A, B = rng.standard_normal((m, m)), rng.standard_normal((m, m))
            t_ours = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                res = extreme_equilibria((A, B))
                t_ours.append(time.perf_counter() - t0)
            ours = {_key(e.x, e.y) for e in res.equilibria}
            ng = nashpy.Game(A, B)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                ve = list(ng.vertex_enumeration())
                t_ve = time.perf_counter() - t0
                se, t_se = None, None
                if m <= support_max:
                    t0 = time.perf_counter()
                    se = list(ng.support_enumeration())
                    t_se = time.perf_counter() - t0
            ve_set = {_key(x, y) for x, y in ve if is_equilibrium((A, B), x, y)}
            se_set = None if se is None else {_key(x, y) for x, y in se if is_equilibrium((A, B), x, y)}
            union = ours | ve_set | (se_set or set())
            row = {
                "size": m,
                "game": k,
                "degenerate": res.degenerate,
                "ours": len(ours),
                "ours_time_s": min(t_ours),
                "vertex_enum": len(ve_set),
                "vertex_enum_time_s": t_ve,
                "support_enum": None if se_set is None else len(se_set),
                "support_enum_time_s": t_se,
                "ours_missed": len(union - ours),
                "support_enum_missed": None if se_set is None else len(union - se_set),
                "vertex_enum_missed": len(union - ve_set),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def summarise(rows):
    out = []
    for m in sorted({r["size"] for r in rows}):
        rs = [r for r in rows if r["size"] == m]
        t_ours = np.median([r["ours_time_s"] for r in rs])
        t_ve = np.median([r["vertex_enum_time_s"] for r in rs])
        se_times = [r["support_enum_time_s"] for r in rs if r["support_enum_time_s"] is not None]
        t_se = np.median(se_times) if se_times else float("nan")
        out.append({
            "size": m,
            "games": len(rs),
            "equilibria_ours": sum(r["ours"] for r in rs),
            "equilibria_support_enum": sum(r["support_enum"] or 0 for r in rs) if se_times else None,
            "equilibria_vertex_enum": sum(r["vertex_enum"] for r in rs),
            "missed_ours": sum(r["ours_missed"] for r in rs),
            "missed_support_enum": sum(r["support_enum_missed"] or 0 for r in rs) if se_times else None,
            "missed_vertex_enum": sum(r["vertex_enum_missed"] for r in rs),
            "median_time_ours_s": t_ours,
            "median_time_support_enum_s": t_se,
            "median_time_vertex_enum_s": t_ve,
            "speedup_vs_support_enum": t_se / t_ours if se_times else None,
            "speedup_vs_vertex_enum": t_ve / t_ours,
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[6, 7, 8, 9, 10])
    ap.add_argument("--games", type=int, default=3, help="random games per size")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--support-max", type=int, default=10, help="skip nashpy support enumeration above this size")
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats for our solver (min is reported)")
    ap.add_argument("--json", default=None, help="write rows and summary to this file")
    a = ap.parse_args()
    rows = run(a.sizes, a.games, a.seed, a.support_max, a.repeats)
    summ = summarise(rows)
    print("\nsize games | equilibria ours/SE/VE | missed ours/SE/VE | median time ours / SE / VE (s) | speedup vs SE, VE")
    for s in summ:
        print(
            f"{s['size']:>4} {s['games']:>5} | {s['equilibria_ours']}/{s['equilibria_support_enum']}/{s['equilibria_vertex_enum']}"
            f" | {s['missed_ours']}/{s['missed_support_enum']}/{s['missed_vertex_enum']}"
            f" | {s['median_time_ours_s']:.3f} / {s['median_time_support_enum_s']:.2f} / {s['median_time_vertex_enum_s']:.2f}"
            f" | {s['speedup_vs_support_enum'] or float('nan'):.0f}x, {s['speedup_vs_vertex_enum']:.1f}x"
        )
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"machine": platform.platform(), "python": platform.python_version(), "rows": rows, "summary": summ}, fh, indent=2)


if __name__ == "__main__":
    main()
