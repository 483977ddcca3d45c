"""``eqtools evolve``: evolutionary dynamics in memory-one space with exact payoffs.

* ``eqtools evolve stationary STRAT...`` — exact fixation probabilities and the rare-mutation
  stationary distribution over a set of strategies (Moran or pairwise comparison).
* ``eqtools evolve run`` — mutation–selection in the continuous memory-one space (many seeded
  runs, vmapped in JAX); writes NetCDF + PNG.
* ``eqtools evolve adaptive STRAT...`` — adaptive dynamics along the exact selection gradient.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ._args import add_criterion_args, add_game_arg, add_noise_arg, add_output_args, criterion_from_args


#: The criterion of ``evolve`` when none is given (kept from before the shared argument module).
EVOLVE_CRITERION = {"limit": True}


def _common(p: argparse.ArgumentParser, *, population: bool = True) -> None:
    add_game_arg(p, "axelrod", payoffs=True)
    add_criterion_args(p, EVOLVE_CRITERION)
    add_noise_arg(p, "execution error rate eps in [0, 0.5] (p -> eps + (1-2 eps) p; default 0)")
    if population:
        p.add_argument("-N", "--population", type=int, default=100, help="population size N (default 100)")
        p.add_argument("--process", default="fermi", choices=("fermi", "moran", "moran-exp"),
                       help="fermi (pairwise comparison), moran (linear fitness 1-w+w*payoff), moran-exp")
        p.add_argument("--beta", type=float, default=1.0, help="selection strength beta (or w for --process moran)")
    p.add_argument("--json", action="store_true", help="JSON to stdout instead of a table")  # -o/--out: per mode


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("evolve", help="evolutionary dynamics in memory-one space (exact payoffs)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    es = e.add_subparsers(dest="evolve_command", metavar="MODE")

    s = es.add_parser("stationary", help="fixation probabilities + rare-mutation stationary distribution")
    s.add_argument("strategies", nargs="*", default=[],
                   help="library names (ALLC ALLD TFT WSLS GTFT Extort-2 ...) or p0,pCC,pCD,pDC,pDD")
    s.add_argument("--tournament", default=None, metavar="FILE.nc",
                   help="instead of strategies: the payoff matrix of a tournament file written by 'eqtools tournament' "
                        "(any entrants, Axelrod's included; a partly simulated matrix is said to be estimated)")
    _common(s)
    s.set_defaults(func=_run_stationary)

    r = es.add_parser("run", help="mutation-selection in the continuous memory-one space")
    _common(r)
    r.add_argument("--runs", type=int, default=100, help="independent runs (vmapped)")
    r.add_argument("--steps", type=int, default=10_000, help="mutants per run")
    r.add_argument("--record-every", type=int, default=100)
    r.add_argument("--mutation", default="uniform", choices=("uniform", "local"))
    r.add_argument("--sigma", type=float, default=0.05, help="scale of local mutations")
    r.add_argument("--initial", default="random", help="'random' or a strategy (name or 5 numbers)")
    r.add_argument("--pool", nargs="*", default=[], help="strategies mutants may also be drawn from (e.g. projections)")
    r.add_argument("--pool-prob", type=float, default=0.0, help="probability a mutant comes from --pool")
    r.add_argument("--seed", type=int, default=0)
    add_output_args(r, out_default="runs/evolve/run.nc", out_help="NetCDF output (PNG beside it)", json_help=None)
    r.add_argument("--no-plot", action="store_true")
    r.add_argument("--no-progress", action="store_true")
    r.set_defaults(func=_run_run)

    a = es.add_parser("adaptive", help="adaptive dynamics along the exact selection gradient")
    a.add_argument("strategies", nargs="+", help="initial residents (names or 5 numbers)")
    _common(a, population=False)
    a.add_argument("--t-max", type=float, default=100.0)
    a.add_argument("--dt", type=float, default=0.05)
    add_output_args(a, out_default="runs/evolve/adaptive.nc", out_help="NetCDF output", json_help=None)
    a.set_defaults(func=_run_adaptive)
    e.set_defaults(func=lambda args: (e.print_help(), 2)[1])


def _game(args):
    from .tournament import _game as game_from_args

    return game_from_args(args)


def _run_stationary(args) -> int:
    from eqtools.io import parse_strategies, to_jsonable
    from solvers.evolution import meta_game, stationary_distribution

    from eqtools.errors import ParameterError

    if bool(args.strategies) == bool(args.tournament):
        raise ParameterError("give either strategies or --tournament FILE.nc (one of them)")
    if args.tournament:
        from ._tournament_input import load

        given = [f for f, on in (("--noise", args.noise), ("--payoffs", args.payoffs is not None),
                                 ("-n/--gamma/--limit", args.horizon is not None or args.gamma is not None or args.limit))
                 if on]
        if given:
            raise ParameterError(f"{', '.join(given)}: a --tournament file already fixes its payoffs")
        tin = load(args.tournament)
        payoff, coop_diag, labels = tin.matrix, tin.coop.diagonal(), tin.labels
        crit_text, noise, game_text, game_out = tin.criterion, tin.noise, f"game {tin.game_name}", tin.game_name
        note = tin.note()
    else:
        game = _game(args)
        players = parse_strategies(args.strategies, game)
        mg = meta_game(players, game, noise=args.noise, **criterion_from_args(args))
        payoff, coop_diag, labels = mg.payoff, mg.coop.diagonal(), mg.labels
        crit_text, noise, game_out = mg.criterion, mg.noise, game.to_dict()
        game_text = f"game {game.name} (R,S,T,P = {game.R:g},{game.S:g},{game.T:g},{game.P:g})"
        note = None
    res = stationary_distribution(payoff, args.population, args.process, args.beta, labels=labels)
    coop = float(res.pi @ coop_diag)
    if args.json:
        out = {"game": game_out, "criterion": crit_text, "noise": noise, **res.to_dict(),
               "cooperation": coop, "payoff_matrix": payoff}
        if note:
            out["matrix_note"] = note
        print(json.dumps(to_jsonable(out), indent=2))
        return 0
    print(f"{game_text}, {crit_text}, noise {noise:g}, "
          f"N = {res.N}, {res.process} selection {res.selection:g}; neutral rho = 1/N = {1 / res.N:.4g}")
    if note:
        print(note)
    w = max(8, max(len(x) for x in res.labels))
    print(f"{'strategy':<{w}}  {'share':>8}  {'self-coop':>9}  " + "  ".join(f"{'rho->' + x:>{max(9, len(x) + 5)}}" for x in res.labels))
    for i, lab in enumerate(res.labels):
        cells = "  ".join(f"{res.rho[i, j]:>{max(9, len(x) + 5)}.4g}" if i != j else f"{'-':>{max(9, len(x) + 5)}}"
                          for j, x in enumerate(res.labels))
        print(f"{lab:<{w}}  {res.pi[i]:>8.4f}  {coop_diag[i]:>9.3f}  {cells}")
    print(f"average cooperation in the stationary state: {coop:.4f}")
    return 0


def _run_run(args) -> int:
    from eqtools.io import check_output_path, parse_strategy, write_netcdf
    from solvers.evolution import EvolutionConfig, evolve
    from solvers.evolution.plots import plot_evolution

    out = check_output_path(args.out, "-o/--out")  # before the computation, not after it
    if not args.no_plot:
        check_output_path(Path(args.out).with_suffix(".png"), "-o/--out (its plot)")
    game = _game(args)
    crit = criterion_from_args(args)
    initial = "random" if args.initial == "random" else tuple(parse_strategy(args.initial, game).vector.tolist())
    pool = [parse_strategy(x, game) for x in args.pool]
    cfg = EvolutionConfig(
        game=(game.R, game.S, game.T, game.P), N=args.population, process=args.process, selection=args.beta,
        criterion="finite" if "n" in crit else "discounted" if "gamma" in crit else "limit",
        n=crit.get("n"), gamma=crit.get("gamma"), noise=args.noise, mutation=args.mutation, sigma=args.sigma,
        steps=args.steps, runs=args.runs, record_every=args.record_every, seed=args.seed, initial=initial,
        pool=tuple(tuple(p.vector.tolist()) for p in pool), pool_names=tuple(p.name for p in pool),
        pool_prob=args.pool_prob,
    )
    t0 = time.perf_counter()
    ds = evolve(cfg, progress=not args.no_progress and not args.json)
    wall = time.perf_counter() - t0
    write_netcdf(ds, out)
    files = [str(out)]
    if not args.no_plot:
        files.append(str(plot_evolution(ds, out.with_suffix(".png"),
                                        title=f"N={cfg.N}, {cfg.process} {cfg.selection:g}, noise {cfg.noise:g}")))
    last = ds.isel(time=-1)
    summary = {
        "runs": cfg.runs, "steps": cfg.steps, "wall_s": wall,
        "final_cooperation_mean": float(last.cooperation.mean()), "final_payoff_mean": float(last.payoff.mean()),
        "final_resident_mean": dict(zip(ds.param.values.tolist(), last.resident.mean("run").values.tolist())),
        "fixations_per_run": float(ds.fixations.mean()), "invalid_fixations": ds.attrs["invalid_fixations"],
        "files": files,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{cfg.runs} runs x {cfg.steps} mutants, N={cfg.N}, {cfg.process} {cfg.selection:g}, {cfg.criterion}, "
          f"noise {cfg.noise:g}: {wall:.1f} s")
    print(f"final cooperation {summary['final_cooperation_mean']:.3f}, payoff {summary['final_payoff_mean']:.3f}, "
          f"fixations/run {summary['fixations_per_run']:.1f}, invalid {summary['invalid_fixations']}")
    print("final resident (mean over runs): " + ", ".join(f"{k} {v:.3f}" for k, v in summary["final_resident_mean"].items()))
    print("wrote " + ", ".join(files))
    return 0


def _run_adaptive(args) -> int:
    import numpy as np

    from eqtools.io import check_output_path, parse_strategies, write_netcdf
    from solvers.evolution import adaptive_dynamics

    out = check_output_path(args.out, "-o/--out")  # before the computation, not after it
    game = _game(args)
    players = parse_strategies(args.strategies, game)
    ds = adaptive_dynamics(np.stack([p.vector for p in players]), game, noise=args.noise, t_max=args.t_max,
                           dt=args.dt, **criterion_from_args(args))
    write_netcdf(ds, out)
    rows = []
    for i, p in enumerate(players):
        end = ds.resident.values[i, -1]
        rows.append({"start": p.name, "end": end.tolist(), "payoff_start": float(ds.payoff.values[i, 0]),
                     "payoff_end": float(ds.payoff.values[i, -1]), "gradient_norm_end": float(ds.gradient_norm.values[i, -1])})
    if args.json:
        print(json.dumps({"trajectories": rows, "file": str(out)}, indent=2))
        return 0
    print(f"adaptive dynamics, game {game.name}, {ds.attrs['criterion']}, noise {args.noise:g}, t = 0..{args.t_max:g}")
    for r in rows:
        print(f"{r['start']:>12}: payoff {r['payoff_start']:.3f} -> {r['payoff_end']:.3f}, end "
              + "(" + ", ".join(f"{x:.3f}" for x in r["end"]) + f"), |grad| {r['gradient_norm_end']:.2e}")
    print(f"wrote {out}")
    return 0
