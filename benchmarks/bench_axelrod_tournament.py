"""Benchmark: a tournament of all of Axelrod's strategies with noise, eqtools beside ``axelrod.Tournament``.

The players are every strategy Axelrod 4.13.1 ships in ``axelrod.strategies`` except the ones
Axelrod itself classifies as ``long_run_time`` (the meta strategies, which run dozens of other
strategies every turn, and DBS, which searches a tree of continuations every turn; listed in the
results as excluded, with that reason).  One run plays them

* in eqtools (``solvers.tournament.tournament``): each strategy classified (memory-one /
  finite-state: exact cells through the product chain; otherwise simulated in Axelrod's Match,
  ``--matches`` seeded matches per unordered pair), and
* in ``axelrod.Tournament`` (``--repetitions`` repetitions, played serially in this process:
  ``play(processes=None)``; Axelrod turns ``processes=1`` into ``cpu_count()`` workers),

on the same players, game (Axelrod's R, S, T, P = 3, 0, 5, 1), match length ``--turns`` and
noise ``--noise``, and reports the time of each (wall and CPU seconds of this one process: the
machine is shared, so CPU time is the fairer comparison) and their agreement: for cells eqtools computes
exactly, ``z = (Axelrod's mean - exact) / Axelrod's standard error`` (standard deviation over its
repetitions / sqrt(repetitions)); for simulated cells the difference over the combined standard
error.  With few repetitions the standard errors are themselves estimates, so ``|z|`` is
compared with Student's t (``repetitions - 1`` degrees of freedom for exact cells, Welch's for
simulated ones): the expected fractions within 2 and 3 are reported beside the observed ones.
Per player, the score (mean per-round payoff against the others) is compared the same way, with
standard errors that combine all of a player's cells (reliable even with few repetitions), and
the rankings by Spearman's correlation.

    XLA_FLAGS=... taskset -c 1 python benchmarks/bench_axelrod_tournament.py \\
        --json benchmarks/results/axelrod_tournament.json        # all strategies (about an hour)
    python benchmarks/bench_axelrod_tournament.py --players 24 --json runs/axl_small.json   # a quick subset
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np


def _players(limit: int | None):
    import axelrod as axl

    keep, excluded = [], []
    for cls in axl.strategies:
        if cls.classifier.get("long_run_time"):
            excluded.append({"name": cls.name, "reason": "Axelrod classifies it long_run_time (a meta strategy "
                             "that runs many strategies every turn, or DBS's tree search): too slow to play "
                             "all pairs on this machine"})
        else:
            keep.append(cls)
    if limit is not None and limit < len(keep):
        idx = np.linspace(0, len(keep) - 1, limit).round().astype(int)
        dropped = [keep[i].name for i in range(len(keep)) if i not in set(idx.tolist())]
        keep = [keep[i] for i in idx]
        excluded.append({"name": f"{len(dropped)} others", "reason": f"--players {limit} (an evenly spaced subset)"})
    return keep, excluded


def _z_summary(z: np.ndarray, dof: np.ndarray) -> dict:
    """Observed fractions of |z| within 2 and 3, and the fractions expected if every z followed
    Student's t with its cell's degrees of freedom (standard errors estimated from few samples)."""
    from scipy import stats

    ok = np.isfinite(z)
    z, dof = np.abs(z[ok]), np.broadcast_to(dof, ok.shape)[ok]
    if not z.size:
        return {"cells": 0}
    return {"cells": int(z.size), "within_2": float(np.mean(z <= 2)), "within_3": float(np.mean(z <= 3)),
            "max_abs_z": float(z.max()), "median_abs_z": float(np.median(z)),
            "expected_within_2": float(np.mean(1 - 2 * stats.t.sf(2, dof))),
            "expected_within_3": float(np.mean(1 - 2 * stats.t.sf(3, dof)))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--repetitions", type=int, default=5, help="axelrod.Tournament repetitions")
    ap.add_argument("--matches", type=int, default=5, help="eqtools matches per simulated unordered pair")
    ap.add_argument("--players", type=int, default=None, help="an evenly spaced subset of this many players")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args(argv)

    import axelrod as axl

    from benchmarks._machine import machine
    from eqtools.games import preset
    from solvers.mixed_tournament import entrants
    from solvers.tournament import tournament

    game = preset("axelrod")
    classes, excluded = _players(args.players)
    names = [c.name for c in classes]
    print(f"{len(classes)} players ({len(excluded)} exclusion entries), {args.turns} turns, noise {args.noise}", flush=True)

    # ---------------------------------------------------------------- eqtools
    t0, c0 = time.perf_counter(), time.process_time()
    ents = entrants(classes, game, length=float(args.turns), noise=args.noise)
    t_classify, c_classify = time.perf_counter() - t0, time.process_time() - c0
    kinds = {k: sum(e.kind == k for e in ents) for k in ("memory-one", "finite-state", "simulated")}
    print(f"eqtools classification: {t_classify:.1f} s, {kinds}", flush=True)
    t1, c1 = time.perf_counter(), time.process_time()
    ds = tournament(ents, game=game, n=args.turns, noise=args.noise, matches=args.matches, seed=args.seed)
    t_eq, c_eq = time.perf_counter() - t1, time.process_time() - c1
    exact = ds["exact"].values
    print(f"eqtools tournament: {t_eq:.1f} s ({int(exact.sum())} exact cells, {int((~exact).sum())} simulated)", flush=True)

    # ---------------------------------------------------------------- axelrod
    t2, c2 = time.perf_counter(), time.process_time()
    tour = axl.Tournament([c() for c in classes], game=axl.Game(r=3, s=0, t=5, p=1), turns=args.turns,
                          repetitions=args.repetitions, noise=args.noise, seed=args.seed)
    res = tour.play(processes=None, progress_bar=False)
    t_axl, c_axl = time.perf_counter() - t2, time.process_time() - c2
    print(f"axelrod.Tournament: {t_axl:.1f} s", flush=True)
    assert [str(p) for p in res.players] == [str(c()) for c in classes]

    # ---------------------------------------------------------------- agreement
    A = ds["payoff_row"].values
    Ase = ds["payoff_row_se"].values
    X = np.asarray(res.payoff_matrix, dtype=float)
    Xsd = np.asarray(res.payoff_stddevs, dtype=float)
    Xse = Xsd / np.sqrt(args.repetitions)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_exact = np.where(exact, (X - A) / Xse, np.nan)
        z_sim = np.where(~exact, (X - A) / np.sqrt(Xse**2 + Ase**2), np.nan)
    # Welch-Satterthwaite degrees of freedom of the combined standard error of simulated cells.
    a, b = Xse**2, Ase**2
    with np.errstate(divide="ignore", invalid="ignore"):
        welch = (a + b) ** 2 / (a**2 / (args.repetitions - 1) + b**2 / (args.matches - 1))
    zero_se_exact = exact & (Xse == 0)
    agree_zero = bool(np.all(np.abs(X - A)[zero_se_exact] < 1e-9)) if zero_se_exact.any() else None
    worst = []
    for zz, kind in ((z_exact, "exact"), (z_sim, "simulated")):
        flat = np.argsort(-np.nan_to_num(np.abs(zz), nan=-1).ravel())[:5]
        for f in flat:
            i, j = divmod(int(f), A.shape[1])
            if np.isfinite(zz[i, j]):
                worst.append({"kind": kind, "row": names[i], "col": names[j], "eqtools": float(A[i, j]),
                              "eqtools_se": float(Ase[i, j]), "axelrod": float(X[i, j]), "axelrod_se": float(Xse[i, j]),
                              "z": float(zz[i, j])})
    # rankings: eqtools mean over opponents (self excluded) vs Axelrod's median normalised score
    N = len(names)
    off = ~np.eye(N, dtype=bool)
    ours = np.array([A[i, off[i]].mean() for i in range(N)])
    theirs = np.array([np.nanmedian(s) for s in res.normalised_scores])
    from scipy.stats import spearmanr

    rho = float(spearmanr(ours, theirs).statistic)
    # Per-player scores (mean over the other players): both standard errors combine hundreds of
    # cells, so they are reliable where a single cell's (from a few samples) is not.
    x_score = np.array([X[i, off[i]].mean() for i in range(N)])
    se_ours = np.array([np.sqrt((Ase[i, off[i]] ** 2).sum()) / off[i].sum() for i in range(N)])
    se_axl = np.array([np.sqrt((Xse[i, off[i]] ** 2).sum()) / off[i].sum() for i in range(N)])
    with np.errstate(divide="ignore", invalid="ignore"):
        z_score = (x_score - ours) / np.sqrt(se_ours**2 + se_axl**2)
    score_summary = _z_summary(z_score, np.full(N, np.inf))
    score_summary["max_abs_difference"] = float(np.max(np.abs(x_score - ours)))
    out = {
        "benchmark": "bench_axelrod_tournament",
        "command": "python benchmarks/bench_axelrod_tournament.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "axelrod_version": axl.__version__,
        "settings": {"turns": args.turns, "noise": args.noise, "repetitions": args.repetitions, "matches": args.matches,
                     "seed": args.seed, "game": game.to_dict()},
        "players": len(names),
        "excluded": excluded,
        "kinds": kinds,
        "cells": {"total": int(exact.size), "exact": int(exact.sum()), "simulated": int((~exact).sum())},
        "seconds": {"eqtools_classification": t_classify, "eqtools_tournament": t_eq, "eqtools_total": t_classify + t_eq,
                    "axelrod_tournament": t_axl},
        "cpu_seconds": {"eqtools_classification": c_classify, "eqtools_tournament": c_eq,
                        "eqtools_total": c_classify + c_eq, "axelrod_tournament": c_axl},
        "agreement": {"exact_cells_vs_axelrod": _z_summary(z_exact, np.full(A.shape, args.repetitions - 1.0)),
                      "exact_cells_with_zero_axelrod_spread_identical": agree_zero,
                      "simulated_cells_vs_axelrod": _z_summary(z_sim, welch), "worst": worst,
                      "player_scores_vs_axelrod": score_summary,
                      "ranking_spearman": rho,
                      "top10_eqtools": [names[i] for i in np.argsort(-ours, kind="stable")[:10]],
                      "top10_axelrod": [names[i] for i in res.ranking[:10]]},
        "classification": [e.to_dict() for e in ents],
    }
    text = json.dumps(out, indent=2)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            fh.write(text + "\n")
    print(json.dumps({k: out[k] for k in ("players", "kinds", "cells", "seconds", "cpu_seconds")}, indent=2))
    print(json.dumps({k: v for k, v in out["agreement"].items() if k != "worst"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
