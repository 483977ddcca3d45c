"""``eqtools tournament`` and ``eqtools payoff``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ._args import add_criterion_args, add_game_arg, add_noise_arg, add_output_args, criterion_from_args


#: The criterion of ``tournament`` and ``payoff`` when none is given: a 100-round match (kept from
#: before the shared argument module).
MATCH_CRITERION = {"n": 100}


def _add_criterion(p: argparse.ArgumentParser) -> None:
    add_criterion_args(p, MATCH_CRITERION)
    add_noise_arg(p)


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "tournament",
        help="all-pairs tournament matrix (exact for memory-one strategies)",
        description="Compute an all-pairs tournament matrix and write NetCDF + heatmap PNG.",
    )
    t.add_argument("strategies", nargs="*", default=[],
                   help="eqtools names (TFT, WSLS, Extort-2, ... or 'all'), vectors p0,pCC,pCD,pDC,pDD (optionally "
                        "label=...), or Axelrod's strategies by name ('Tit For 2 Tats', Grudger, ...; axelrod:NAME "
                        "for Axelrod's where both have the name; axelrod:all for all of Axelrod's short-running ones). "
                        "Finite-state strategies are exact; the others are simulated in Axelrod's Match")
    t.add_argument("--random", type=int, default=0, metavar="N", help="add N random U(0,1)^5 strategies")
    t.add_argument("--seed", type=int, default=0, help="seed for --random and for the simulated cells")
    t.add_argument("--matches", type=int, default=100, metavar="M",
                   help="seeded matches per simulated pair (default 100; exact cells need none)")
    t.add_argument("--csv", default=None, metavar="PATH",
                   help="also write the ranking (score, wins, cooperation) to PATH and every cell to PATH's .cells.csv")
    add_game_arg(t, "paper", payoffs=True)
    _add_criterion(t)
    add_output_args(t, out_default="out/tournament.nc", json_help=None,
                    out_help="output path: NetCDF (.nc), or a Zarr store (.zarr, with --chunk); PNG written beside it")
    t.add_argument("--chunk", type=int, default=None, metavar="N",
                   help="compute the matrix in N x N blocks with dask and write it block by block (Zarr or NetCDF), "
                        "never holding it in memory; for pools beyond memory (needs: pip install 'eqtools[dask]')")
    t.add_argument("--analyse-top", type=int, default=None, metavar="K",
                   help="with --analyse: analyse the meta-game of the top K entrants by mean payoff against the "
                        "population (a sub-pool) instead of the whole matrix")
    t.add_argument("--plot-var", default="payoff_row", help="variable to plot (payoff_row, coop_row, ...)")
    t.add_argument("--no-plot", action="store_true")
    t.add_argument("--analyse", "--analyze", action="store_true",
                   help="also analyse the meta-game: Nash equilibria (complete or verified sample, said which), "
                        "ESS, α-Rank, replicator; summary printed, full JSON written beside the NetCDF")
    t.add_argument("--json", action="store_true", help="with --analyse: print the analysis as JSON instead of the summary")
    t.add_argument("--analyse-time-limit", type=float, default=None, metavar="S",
                   help="with --analyse: seconds for the sampled Nash methods (default: no limit; deterministic)")
    t.set_defaults(func=_run_tournament)

    p = sub.add_parser("payoff", help="exact payoffs of one strategy pair",
                       description="Exact expected per-round payoffs and cooperation for one pair "
                                   "(a readable table; --json for JSON).")
    p.add_argument("x", help="row strategy (name or p0,pCC,pCD,pDC,pDD)")
    p.add_argument("y", help="column strategy")
    add_game_arg(p, "paper", payoffs=True)
    _add_criterion(p)
    p.add_argument("--simulate", type=int, default=0, metavar="MATCHES",
                   help="also simulate this many seeded matches as a cross-check")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON instead of the readable table")
    p.set_defaults(func=_run_payoff)


def _game(args):
    from ._tournament_input import game_from_args

    return game_from_args(args)


def _physical_memory() -> int:
    """Bytes of physical memory (0 if unknown)."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


#: Variables of a tournament dataset that --plot-var may name.
_PLOT_VARS: tuple[str, ...] = ("payoff_row", "payoff_col", "coop_row", "coop_col", "payoff_row_se", "payoff_col_se",
                               "coop_row_se", "coop_col_se")


def _run_tournament(args) -> int:
    from eqtools.errors import ParameterError
    from eqtools.io import parse_players
    from eqtools.strategies import StrategyPool
    from eqtools.tournament import plot_tournament, save_tournament
    from solvers.tournament import tournament

    from eqtools.io import check_output_path

    if not args.analyse:
        given = [f for f, on in (("--json", args.json), ("--analyse-time-limit", args.analyse_time_limit is not None),
                                 ("--analyse-top", args.analyse_top is not None)) if on]
        if given:
            raise ParameterError(f"{' and '.join(given)} {'applies' if len(given) == 1 else 'apply'} only with --analyse")
    elif args.analyse_time_limit is not None and not args.analyse_time_limit > 0:
        raise ParameterError(f"--analyse-time-limit must be a positive number of seconds, got {args.analyse_time_limit}")
    if args.analyse_top is not None and args.analyse_top < 1:
        raise ParameterError(f"--analyse-top must be a positive number of entrants, got {args.analyse_top}")
    if args.chunk is not None and args.chunk < 1:
        raise ParameterError(f"--chunk must be a positive number of strategies per block, got {args.chunk}")
    zarr = str(args.out).endswith(".zarr")
    if zarr and args.chunk is None:
        raise ParameterError("--out: a Zarr store (.zarr) is written with --chunk (a chunked tournament); "
                             "give --chunk N or a .nc path")
    game = _game(args)
    if zarr:
        from eqtools.tournament import _check_zarr_path

        out = _check_zarr_path(args.out)
    else:
        out = check_output_path(args.out, "--out")
    if not args.no_plot:
        check_output_path(out.with_suffix(".png"), "plot path")
    if args.csv is not None:
        check_output_path(args.csv, "--csv")
    if args.matches < 2:
        raise ParameterError(f"--matches must be at least 2 (standard errors need two), got {args.matches}")
    players = parse_players(args.strategies, game)
    if args.random < 0:
        raise ParameterError(f"--random must be a non-negative number of strategies, got {args.random}")
    n_total = len(players) + args.random
    have = _physical_memory()
    if args.chunk is None:
        need = 16 * 8 * n_total**2  # ~16 float64 arrays of N x N (results, standard errors, temporaries)
        if have and need > have // 2:
            raise ParameterError(f"a {n_total} x {n_total} tournament needs about {need / 2**30:.1f} GiB, more than half "
                                 f"of this machine's {have / 2**30:.1f} GiB; use fewer strategies, or --chunk N "
                                 "to compute and write it block by block")
    else:
        from solvers.chunked import require_dask

        require_dask("--chunk")
        c = min(args.chunk, max(1, n_total))
        need = 40 * 8 * c * c * (os.cpu_count() or 1)  # ~40 float64 block arrays per worker thread
        if have and need > have // 2:
            raise ParameterError(f"--chunk {args.chunk}: blocks of {c} x {c} need about {need / 2**30:.1f} GiB with "
                                 f"{os.cpu_count()} threads, more than half of this machine's {have / 2**30:.1f} GiB; "
                                 "use a smaller --chunk")
    if args.analyse and args.analyse_top is None:
        from types import SimpleNamespace

        from solvers.chunked import require_whole_matrix

        require_whole_matrix(SimpleNamespace(sizes={"row": n_total, "col": n_total}),
                             "--analyse (Nash, α-Rank, replicator)")
    if args.random:
        players.extend(StrategyPool.uniform(args.random, seed=args.seed))
    if not players:
        raise ParameterError("no strategies given: name some (e.g. TFT ALLD WSLS, or 'all') or use --random N")
    names = [p.name for p in players]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ParameterError(f"strategy names must be unique; duplicated: {dup[:5]} (label copies: mine=TFT)")
    if not args.no_plot and args.plot_var not in _PLOT_VARS:
        raise ParameterError(f"--plot-var must be one of {list(_PLOT_VARS)}, got {args.plot_var!r}")
    t0 = time.perf_counter()
    ds = tournament(players, game=game, config={"command": "eqtools tournament", "random": args.random,
                                                "random_seed": args.seed}, noise=args.noise, matches=args.matches,
                    seed=args.seed, chunk=args.chunk, **criterion_from_args(args))
    save_tournament(ds, out, show_progress=True)
    dt = time.perf_counter() - t0
    if args.chunk is not None:  # analyse what was written, streaming from disk (never recompute the blocks)
        from eqtools.tournament import open_tournament

        ds = open_tournament(out)
    msg = f"{len(players)}x{len(players)} tournament, game {game.name}, {ds.attrs['criterion']}: {dt:.2f} s -> {out}"
    if args.chunk is not None:
        msg += f" ({args.chunk} x {args.chunk} blocks)"
    if not args.no_plot:
        png = out.with_suffix(".png")
        if args.chunk is not None and len(players) > _PLOT_MAX:
            msg += f"; heatmap skipped ({len(players)} entrants > {_PLOT_MAX}; plot a sub-pool)"
        else:
            plot_tournament(ds, args.plot_var, png)
            msg += f", {png}"
    if args.csv is not None:
        from eqtools.tournament_report import write_csv

        msg += ", " + ", ".join(str(p) for p in write_csv(ds, args.csv))
    stream = sys.stderr if args.analyse and args.json else sys.stdout  # --json: stdout is pure JSON
    print(msg, file=stream)
    if args.chunk is None:  # a chunked (large) tournament is summarised by --analyse, streaming
        print(_report(ds), file=stream)
    if args.analyse:
        return _analyse(ds, out, args)
    return 0


def _report(ds) -> str:
    """The readable summary printed after a tournament: entrants, matrix (small pools), ranking."""
    from eqtools.tournament_report import format_entrants, format_matrix, format_summary

    parts = []
    ent = format_entrants(ds)
    if ent:
        parts.append(ent)
    mat = format_matrix(ds)
    if mat:
        parts.append(mat)
    parts.append(format_summary(ds, top=None if ds.sizes["row"] <= 40 else 40))
    return "\n\n".join(parts)


#: Largest chunked tournament drawn as a heatmap (a bigger one is skipped, and the message says so).
_PLOT_MAX: int = 2000


def _analyse(ds, out: Path, args) -> int:
    """``--analyse``: meta-game analysis of the tournament just computed."""
    from eqtools.io import to_jsonable
    from solvers.bimatrix.meta_game import analyse_tournament

    from ._meta_report import format_analysis

    from solvers.chunked import pool_best_response, ranking, sub_pool

    population = None
    if args.chunk is not None or args.analyse_top is not None:
        rank = ranking(ds, show_progress=True)  # streaming: one pass over the blocks
        br = pool_best_response(ds)
        population = {"ranking_top10": rank[:10], "pool_best_response": br, "entrants": len(rank)}
    if args.analyse_top is not None:
        ds = sub_pool(ds, args.analyse_top)
    elif args.chunk is not None:
        ds = ds.load()  # small enough: checked up front
    an = analyse_tournament(ds, time_limit=args.analyse_time_limit, seed=args.seed)
    d = to_jsonable(an.to_dict())
    estimated = None
    if int(ds.attrs.get("simulated_cells", 0)):
        from solvers.estimated_meta_game import robustness

        from ._tournament_input import from_dataset

        tin = from_dataset(ds, str(out))
        rob = robustness(an.nash, tin.matrix, tin.matrix_se, seed=args.seed)
        d["estimated_matrix"] = to_jsonable({"simulated_cells": tin.simulated, "cells": tin.cells, **rob.to_dict()})
        estimated = (tin, rob)
    if population is not None:
        d["population"] = to_jsonable(population)
        if args.analyse_top is not None:
            d["sub_pool"] = ds.attrs.get("sub_pool")
    path = out.with_suffix(".meta.json")
    path.write_text(json.dumps(d, indent=2) + "\n")
    if args.json:
        print(json.dumps(d, indent=2))
    else:
        if population is not None:
            br = population["pool_best_response"]
            print(f"population ({population['entrants']} entrants, streaming): best response within the pool "
                  f"{br['name']} (mean payoff {br['payoff']:.4f}, runner-up {br['runner_up']} by {br['gap']:.2g})")
            print("top by mean payoff against the population: "
                  + ", ".join(f"{n} {v:.4f}" for n, v in population["ranking_top10"]))
            if args.analyse_top is not None:
                print(f"meta-game below: {d['sub_pool']}")
        print(format_analysis(an, estimated=estimated))
        print(f"full analysis (JSON): {path}")
    return 0


def _run_payoff(args) -> int:
    from eqtools.io import parse_strategy, to_jsonable
    from solvers import payoffs as P

    game = _game(args)
    x, y = parse_strategy(args.x, game), parse_strategy(args.y, game)
    crit = criterion_from_args(args)
    if "limit" in crit:
        res = P.limit_of_means(x, y, game, noise=args.noise)
        dec = P.limit_state_distribution(x, y, noise=args.noise)
        extra = {"closed_classes": dec.closed_classes, "class_weights": dec.class_weights, "ergodic": dec.ergodic}
    elif "gamma" in crit:
        res = P.discounted(x, y, game, crit["gamma"], noise=args.noise)
        extra = {}
    else:
        res = P.finite_horizon(x, y, game, crit["n"], noise=args.noise)
        extra = {}
    out = {
        "game": game.to_dict(), "x": x.to_dict(), "y": y.to_dict(), "criterion": res.criterion, "noise": args.noise,
        "payoff_x": res.payoff_x, "payoff_y": res.payoff_y, "coop_x": res.coop_x, "coop_y": res.coop_y,
        "visits": dict(zip(("CC", "CD", "DC", "DD"), res.visits)), **extra,
    }
    if args.simulate:
        from eqtools.errors import ParameterError
        from solvers.simulate import simulate_memory_one

        if "limit" in crit:
            raise ParameterError("--simulate needs a finite horizon or a discount, not --limit")
        import math

        if args.simulate < 0:
            raise ParameterError(f"--simulate must be a non-negative number of matches, got {args.simulate}")
        n = crit.get("n") or int(math.ceil(math.log(1e-6) / math.log(crit["gamma"])))
        if n * args.simulate > 50_000_000:
            raise ParameterError(f"--simulate {args.simulate} matches x {n} rounds is too many to simulate "
                                 f"(limit 5e7 rounds; use fewer matches or a smaller --gamma/--horizon)")
        s = simulate_memory_one(x, y, game, n=n, gamma=crit.get("gamma"), matches=args.simulate, seed=args.seed,
                                noise=args.noise)
        out["simulated"] = {"matches": s.matches, "payoff_x": s.payoff_x, "payoff_x_se": s.payoff_x_se,
                            "payoff_y": s.payoff_y, "payoff_y_se": s.payoff_y_se}
    if args.json:
        print(json.dumps(to_jsonable(out), indent=2))
    else:
        print(_payoff_text(to_jsonable(out)))
    return 0


def _payoff_text(res: dict) -> str:
    """The readable default output of ``eqtools payoff``."""
    from . import _format as F

    lines = [F.game_line(res["game"]), f"criterion: {res['criterion']}"]
    rows = [["x (row)", res["x"]["name"], F.strategy(res["x"]), F.num(res["payoff_x"]), F.num(res["coop_x"])],
            ["y (column)", res["y"]["name"], F.strategy(res["y"]), F.num(res["payoff_y"]), F.num(res["coop_y"])]]
    lines.append(F.table(["player", "strategy", "(p0; CC, CD, DC, DD)", "payoff/round", "cooperation"], rows))
    lines.append("state visits (x's view): " + ", ".join(f"{k} {F.num(v)}" for k, v in res["visits"].items()))
    if "ergodic" in res:
        lines.append(f"ergodic: {F.num(bool(res['ergodic']))}; closed classes {res['closed_classes']} "
                     f"with weights {[F.num(w) for w in res['class_weights']]}")
    if "simulated" in res:
        s = res["simulated"]
        lines.append(f"simulated ({s['matches']} seeded matches): x {F.num(s['payoff_x'])} ± {F.num(s['payoff_x_se'])}, "
                     f"y {F.num(s['payoff_y'])} ± {F.num(s['payoff_y_se'])}")
    return "\n".join(lines)
