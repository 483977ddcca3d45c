"""``eqtools solve``: exact solvers from the command line.

Subcommands: ``best-response``, ``nash``, ``zd``, ``alpharank``, ``predictive``.
Strategies are given by name (``TFT``, ``Extort-2``, ...; see ``eqtools.strategies.named``) or as
a vector ``p0,pCC,pCD,pDC,pDD``.  Results are printed as readable tables (``--json``: as JSON),
and with ``--out`` also written to a ``.json`` file or a ``.nc`` (NetCDF) file (arrays as
variables, the full JSON in the ``result_json`` attribute).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from ..errors import OutputPathError, ParameterError
from ..games import preset
from ..io import check_output_path, to_jsonable
from . import _format as F
from ._args import add_criterion_args, add_game_arg, add_noise_arg, add_output_args, criterion_from_args
from ..strategies import MemoryOne


def parse_strategy(text: str, game: Any) -> MemoryOne:
    """A strategy from a name or a 5-vector ``p0,pCC,pCD,pDC,pDD``, optionally labelled ``mine=...``:
    the same syntax as ``eqtools payoff`` and ``eqtools tournament`` (:func:`eqtools.io.parse_strategy`).
    An unlabelled vector is named by its text."""
    from ..io import parse_strategy as _parse

    s = _parse(text, game)
    unlabelled_vector = "=" not in text and len(text.replace(",", " ").split()) == 5
    return s.with_name(text.strip()) if unlabelled_vector else s


def _game(args: argparse.Namespace) -> Any:
    """``--game`` preset, or ``--payoffs R,S,T,P`` when given."""
    from ._tournament_input import game_from_args

    return game_from_args(args)


def _emit(result: dict[str, Any], args: argparse.Namespace, arrays: dict[str, Any] | None = None,
          text: Any = None) -> int:
    """Print ``result`` as a readable table (``text(result)``; a generic listing when None) or, with
    ``--json``, as JSON; with ``--out`` also write it to a ``.json`` or ``.nc`` file."""
    result = to_jsonable(result)
    js = json.dumps(result, indent=2)
    out = getattr(args, "out", None)
    if out is not None:
        path = check_output_path(out, "--out")
        try:
            if out.endswith(".json"):
                with open(path, "w") as fh:
                    fh.write(js + "\n")
            else:
                import xarray as xr

                ds = xr.Dataset()
                for name, (dims, values, coords) in (arrays or {}).items():
                    ds[name] = xr.DataArray(np.asarray(values, dtype=float), dims=dims, coords=coords)
                ds.attrs["result_json"] = js
                ds.attrs["command"] = " ".join(sys.argv)
                try:  # netCDF4 through h5netcdf when h5py is present, else classic netCDF3 through scipy
                    import h5py  # noqa: F401

                    ds.to_netcdf(path, engine="h5netcdf")
                except ImportError:
                    ds.to_netcdf(path, engine="scipy")
        except OSError as exc:
            raise OutputPathError(f"--out {out!r} cannot be written ({exc.strerror or exc})") from None
        print(f"wrote {out}", file=sys.stderr)
    if getattr(args, "json", False):
        print(js)
    else:
        print((text or _generic_text)(result))
    return 0


def _generic_text(result: dict[str, Any]) -> str:
    """Fallback readable listing: game and criterion first, then scalars and short lists."""
    lines = []
    if "game" in result:
        lines.append(F.game_line(result["game"]))
    for k, v in result.items():
        if k == "game":
            continue
        if isinstance(v, dict) and {"p0", "p"} <= set(v):
            lines.append(f"{k}: {v.get('name', '')} {F.strategy(v)}")
        elif isinstance(v, (str, int, float, bool)) or v is None:
            lines.append(f"{k}: {F.num(v) if not isinstance(v, str) else v}")
        elif isinstance(v, list) and len(v) <= 12 and all(not isinstance(x, (list, dict)) for x in v):
            lines.append(f"{k}: {', '.join(F.num(x) if not isinstance(x, str) else x for x in v)}")
        elif isinstance(v, list):
            lines.append(f"{k}: [{len(v)} entries; see --json]")
        elif isinstance(v, dict):
            lines.append(f"{k}: {{{len(v)} fields; see --json}}")
    return "\n".join(lines)


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse unwritable ``--out`` / ``--plot`` paths before any computation."""
    out = getattr(args, "out", None)
    if out is not None:
        if not (out.endswith(".json") or out.endswith(".nc")):
            raise ParameterError(f"--out must end in .json or .nc, got {out!r}")
        check_output_path(out, "--out")
    plot = getattr(args, "plot", None)
    if plot is not None:
        from matplotlib.backend_bases import FigureCanvasBase

        kinds = FigureCanvasBase.get_supported_filetypes()
        ext = plot.rsplit(".", 1)[-1].lower() if "." in plot else ""
        if ext not in kinds:
            raise ParameterError(f"--plot {plot!r}: the file name must end in one of {sorted('.' + k for k in kinds)}")
        check_output_path(plot, "--plot")


def _guarded(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        _check_outputs(args)
        return fn(args)

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def _header(res: dict[str, Any]) -> list[str]:
    lines = [F.game_line(res["game"])]
    if "criterion" in res:
        lines.append(f"criterion: {F.criterion_text(res['criterion'])}")
    return lines


def _text_best_response(res: dict[str, Any]) -> str:
    lines = _header(res)
    lines.append(f"co-player: {res['coplayer']['name']} {F.strategy(res['coplayer'])}")
    if "policy" in res:  # finite horizon: a round-dependent policy
        pol = res["policy"]
        lines.append(f"best response: round-dependent, value {F.num(res['value'])} per round")
        rows = [[str(t + 1)] + [F.num(x, 3) for x in r] for t, r in enumerate(pol)]
        if len(rows) > 12:
            rows = rows[:5] + [["..."] + [""] * 5] + rows[-5:]
        lines.append(F.table(["round", "P(C) start", "after CC", "after CD", "after DC", "after DD"], rows))
        best = res.get("best_stationary") or []
        lines.append(f"best stationary (memory-one) value {F.num(res.get('best_stationary_value'))}: "
                     f"{', '.join(best[:8])}{' ...' if len(best) > 8 else ''}; "
                     f"stationary is optimal: {F.num(bool(res.get('stationary_is_optimal')))}")
        if res.get("tie_rounds"):
            lines.append(f"rounds with ties: {', '.join(str(t) for t in res['tie_rounds'][:20])}")
        return "\n".join(lines)
    st = res["strategy"]
    lines.append(f"best response: {st['name']} {F.strategy(st)}, value {F.num(res['value'])} per round")
    q = res.get("q_values")
    acts = res.get("action_sets", {})
    obs = ["start", "CC", "CD", "DC", "DD"]
    rows = []
    for i, o in enumerate(obs):
        qc, qd = (q[i] if q is not None else (None, None))
        rows.append([o, F.num(qc), F.num(qd), "/".join(acts.get(o, []))])
    lines.append(F.table(["observation", "Q(C)", "Q(D)", "optimal actions"], rows))
    opt = res.get("optimal_pure") or []
    lines.append(f"optimal pure strategies ({len(opt)}): {', '.join(opt[:8])}{' ...' if len(opt) > 8 else ''}")
    return "\n".join(lines)


def _text_zd(res: dict[str, Any]) -> str:
    lines = [F.game_line(res["game"]), f"strategy: {res['strategy']['name']} {F.strategy(res['strategy'])}",
             f"verdict: {res.get('description', '')}"]
    rows = [[k, F.num(res.get(k), 6)] for k in ("chi", "phi", "kappa", "alpha", "beta", "gamma", "residual",
                                                  "relative_residual", "tol") if k in res]
    lines.append(F.table(["field", "value"], rows))
    return "\n".join(lines)


def _text_alpharank(res: dict[str, Any]) -> str:
    lines = _header(res)
    if "matrix_note" in res:
        lines.append(res["matrix_note"])
    labels = res["labels"]
    M = res["matrix"]
    if len(labels) <= 12:
        lines.append("meta-game (row player's payoff):")
        lines.append(F.table(["row \\ col"] + labels, [[labels[i]] + [F.num(x) for x in M[i]] for i in range(len(labels))]))
    lim = res["limit"]
    pi_lim = lim.get("pi") or {}
    fin = {}
    if "finite" in res:
        fin = {r["strategy"]: r["mass"] for r in res["finite"]["ranking"]}
    headers = ["strategy", "mass (alpha -> inf)"] + ([f"mass (alpha = {F.num(res['finite']['alpha'])})"] if fin else [])
    order = sorted(labels, key=lambda l: (-(fin.get(l, 0.0) or 0.0), -(pi_lim.get(l, 0.0) or 0.0)))
    rows = [[l, F.num(pi_lim.get(l)) if pi_lim else "unresolved"] + ([F.num(fin.get(l), 6)] if fin else []) for l in order]
    lines.append(F.table(headers, rows))
    lines.append("alpha -> inf sinks: " + "; ".join("{" + ", ".join(c) + "}" for c in lim.get("sinks", [])))
    lines.append("better-response sinks: " + "; ".join("{" + ", ".join(c) + "}" for c in res.get("better_response_sinks", [])))
    if "plot" in res:
        lines.append(f"plot: {res['plot']}")
    return "\n".join(lines)


def _text_predictive(res: dict[str, Any]) -> str:
    lines = [F.game_line(res["game"])]
    for r in res["results"]:
        op = r["operator"]
        lines.append(f"beta = {F.num(op['beta'])}, gamma_q = {F.num(op['gamma'])}, lookahead {op['horizon'] or 'infinite'}, "
                     f"prior weight {F.num(op['prior_weight'])}: {len(r['fixed_points'])} fixed point(s) "
                     f"from {r['n_starts']} starts ({r['n_failed']} failed)")
        rows = []
        for k, fp in enumerate(r["fixed_points"]):
            for a, (agent, pi) in enumerate(fp["pi"].items()):
                rows.append([str(k) if a == 0 else "", agent, F.vec([pi[o] for o in ("start", "CC", "CD", "DC", "DD")]),
                             F.num(fp["payoffs"][a]), F.num(fp["cooperation"][a]),
                             F.num(fp["stable"]) if a == 0 else "", F.num(fp["nash_conv"]) if a == 0 else ""])
        if rows:
            lines.append(F.table(["#", "agent", "P(C) (start; CC, CD, DC, DD)", "payoff", "cooperation", "stable", "NashConv"], rows))
    return "\n".join(lines)


# ------------------------------------------------------------ commands


def _cmd_best_response(args: argparse.Namespace) -> int:
    from solvers.best_response import best_response

    g = _game(args)
    q = parse_strategy(args.coplayer, g)
    crit = criterion_from_args(args)
    br = best_response(q, g, noise=args.noise, **crit)
    res = {"game": g.to_dict(), "coplayer": q.to_dict(), **br.to_dict()}
    arrays = {}
    if "n" in crit:
        arrays["policy"] = (("round", "param"), br.policy, {"param": ["p0", "p_CC", "p_CD", "p_DC", "p_DD"]})
    else:
        arrays["q_values"] = (("observation", "action"), br.q_values, {"observation": ["start", "CC", "CD", "DC", "DD"], "action": ["C", "D"]})
    return _emit(res, args, arrays, _text_best_response)


def _cmd_nash(args: argparse.Namespace) -> int:
    from solvers.equilibria import nash_check, pure_equilibria

    if sum(bool(v) for v in (args.pair, args.strategies, args.tournament)) > 1:
        raise ParameterError("give one of --pair X Y (check one pair), --strategies ... or --tournament FILE (meta-game)")
    g = _game(args)
    crit = criterion_from_args(args)
    if args.pair:
        x, y = (parse_strategy(s, g) for s in args.pair)
        chk = nash_check(x, y, g, noise=args.noise, **crit)
        return _emit({"game": g.to_dict(), "x": x.to_dict(), "y": y.to_dict(), **chk.to_dict()}, args)
    if args.strategies or args.tournament:
        return _meta_game_nash(args, g, crit)
    pe = pure_equilibria(g, noise=args.noise, **crit)
    return _emit({"game": g.to_dict(), **pe.to_dict()}, args)


def _meta_game_nash(args: argparse.Namespace, g: Any, crit: dict[str, Any]) -> int:
    """Meta-game equilibria at any size: complete when feasible, else a verified sample (said which)."""
    from solvers.bimatrix.meta_game import meta_game_equilibria

    from ..games import BimatrixGame
    from ._meta_report import format_nash

    estimated = None
    if args.tournament:
        from ._tournament_input import load

        if args.noise:
            raise ParameterError("--noise applies to --strategies; a --tournament file already fixes its payoffs")
        tin = load(args.tournament)
        labels, M, crit_out, gname = tin.labels, tin.matrix, tin.criterion, tin.game_name
        estimated = tin if tin.estimated else None
    else:
        from solvers.bimatrix.response_graph import tournament_matrix

        strats = [parse_strategy(s, g) for s in args.strategies]
        M, labels = tournament_matrix(strats, g, noise=args.noise, **crit)
        crit_out, gname = crit, g.name
    opts: dict[str, Any] = {"tol": args.tol, "seed": args.seed, "time_limit": args.time_limit}
    if args.sample:
        opts["enumerate"] = False
    if args.max_labels is not None:
        opts["max_labels"] = args.max_labels
    res = meta_game_equilibria(BimatrixGame.symmetric(M, labels, name=f"meta-game({gname})"), **opts)
    out = {"game": gname, "criterion": crit_out, "matrix": M, "labels": list(labels), **res.to_dict()}
    arrays = {"matrix": (("row", "col"), M, {"row": list(labels), "col": list(labels)})}
    if len(res):
        arrays["x"] = (("equilibrium", "row"), np.array([e.x for e in res.equilibria]), {"row": list(labels)})
        arrays["y"] = (("equilibrium", "col"), np.array([e.y for e in res.equilibria]), {"col": list(labels)})
    if estimated is None:
        return _emit(out, args, arrays, text=lambda _r: format_nash(res, max_rows=args.max_rows))
    from solvers.estimated_meta_game import robustness

    rob = robustness(res, estimated.matrix, estimated.matrix_se, draws=args.perturbations, seed=args.seed)
    out["estimated_matrix"] = {"simulated_cells": estimated.simulated, "cells": estimated.cells,
                               "matrix_se": estimated.matrix_se, **rob.to_dict()}
    arrays["matrix_se"] = (("row", "col"), estimated.matrix_se, {"row": list(labels), "col": list(labels)})
    return _emit(out, args, arrays,
                 text=lambda _r: format_nash(res, max_rows=args.max_rows, estimated=(estimated, rob)))


def _cmd_zd(args: argparse.Namespace) -> int:
    from solvers.zd import fit_zd

    g = _game(args)
    s = parse_strategy(args.strategy, g)
    fit = fit_zd(s, g, tol=args.tol, noise=args.noise)
    return _emit({"game": g.to_dict(), "strategy": s.to_dict(), **fit.to_dict()}, args, text=_text_zd)


def _cmd_alpharank(args: argparse.Namespace) -> int:
    from solvers.bimatrix.response_graph import alpharank, alpharank_limit, plot_response_graph, response_graph, sink_components, tournament_matrix

    if bool(args.strategies) == bool(args.tournament):
        raise ParameterError("give either --strategies ... or --tournament FILE.nc (one of them)")
    if args.tournament:
        from ._tournament_input import load

        if args.noise:
            raise ParameterError("--noise applies to --strategies; a --tournament file already fixes its payoffs")
        tin = load(args.tournament)
        M, labels = tin.matrix, tin.labels
        game_out: Any = tin.game_name
        crit: Any = tin.criterion
    else:
        g = _game(args)
        crit = criterion_from_args(args)
        strats = [parse_strategy(s, g) for s in args.strategies]
        M, labels = tournament_matrix(strats, g, noise=args.noise, **crit)
        game_out = g.to_dict()
    lim = alpharank_limit(M, m=args.m, selection=args.selection, labels=labels)
    out: dict[str, Any] = {"game": game_out, "criterion": crit, "labels": list(labels), "matrix": M, "limit": lim.to_dict()}
    if args.tournament:
        out["matrix_note"] = tin.note()
    arrays: dict[str, Any] = {"matrix": (("row", "col"), M, {"row": list(labels), "col": list(labels)})}
    if args.alpha is not None:
        ar = alpharank(M, args.alpha, m=args.m, selection=args.selection, labels=labels)
        out["finite"] = ar.to_dict()
        arrays["pi"] = (("strategy",), ar.pi, {"strategy": list(labels)})
    G = response_graph(M, labels=labels, kind="better")
    out["better_response_sinks"] = [sorted(c) for c in sink_components(G)]
    if args.plot:
        mass = dict(zip(labels, lim.pi.tolist())) if lim.pi is not None else None
        plot_response_graph(lim.graph, mass=mass, path=args.plot,
                            title=f"α-Rank response graph ({game_out['name'] if isinstance(game_out, dict) else game_out})")
        out["plot"] = args.plot
    return _emit(out, args, arrays, _text_alpharank)


def _cmd_predictive(args: argparse.Namespace) -> int:
    from solvers.predictive import solve_fixed_points

    g = _game(args)
    results = []
    for beta in args.beta:
        r = solve_fixed_points(
            g,
            beta,
            args.gamma_q,
            horizon=args.lookahead,
            prior_weight=args.prior_weight,
            episode_length=args.episode_length,
            reference=args.reference,
        )
        results.append(r.to_dict())
    return _emit({"game": g.to_dict(), "results": results}, args, text=_text_predictive)


# ------------------------------------------------------------ parser


#: The criterion of ``solve`` when none is given (kept from before the shared argument module).
SOLVE_CRITERION = {"gamma": 0.9}


def _add_common(p: argparse.ArgumentParser, criterion: bool = True) -> None:
    add_game_arg(p, "paper", payoffs=True)
    if criterion:
        add_criterion_args(p, SOLVE_CRITERION)
    add_output_args(p, out_help="also write the result to a .json or .nc file")


def register(subparsers: Any) -> None:
    """Add ``solve`` and its subcommands to the ``eqtools`` parser."""
    solve = subparsers.add_parser("solve", help="exact solvers: best responses, Nash, ZD, α-Rank, predictive equilibria")
    sub = solve.add_subparsers(dest="solve_command", metavar="SUBCOMMAND")
    solve.set_defaults(func=lambda a: (solve.print_help(), 2)[1])

    p = sub.add_parser("best-response", help="exact best response to a memory-one co-player")
    p.add_argument("--coplayer", required=True, help="co-player: name or p0,pCC,pCD,pDC,pDD")
    _add_common(p)
    add_noise_arg(p)
    p.set_defaults(func=_guarded(_cmd_best_response))

    p = sub.add_parser(
        "nash",
        help="Nash check of a pair, pure memory-one equilibria, or meta-game equilibria (any size)",
        description="Meta-game equilibria (--strategies or --tournament): complete enumeration when feasible, "
        "else a verified sample (Lemke–Howson from every label, symmetric equilibria with ESS check, replicator); "
        "the output says which. Readable table by default, JSON with --json.",
    )
    p.add_argument("--pair", nargs=2, metavar=("X", "Y"), help="check whether (X, Y) is a Nash equilibrium")
    p.add_argument("--strategies", nargs="+", help="meta-game over these strategies")
    p.add_argument("--tournament", default=None, metavar="FILE.nc",
                   help="meta-game of a tournament file written by 'eqtools tournament' (e.g. out/tournament.nc)")
    p.add_argument("--tol", type=float, default=1e-9, help="verification tolerance relative to the payoff range (meta-games)")
    p.add_argument("--seed", type=int, default=0, help="seed for the sampled methods (meta-games)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for the sampled methods (meta-games)")
    p.add_argument("--sample", action="store_true", help="skip complete enumeration, sample only (meta-games)")
    p.add_argument("--max-labels", type=int, default=None, help="Lemke–Howson start labels (default: all up to 600)")
    p.add_argument("--max-rows", type=int, default=40, help="equilibria shown in the table")
    p.add_argument("--perturbations", type=int, default=200, metavar="K",
                   help="with a partly simulated --tournament: perturbed matrices (within the standard errors) "
                        "re-solved to see which equilibria survive (default 200)")
    _add_common(p)
    add_noise_arg(p)
    p.set_defaults(func=_guarded(_cmd_nash))

    p = sub.add_parser("zd", help="is a strategy zero-determinant? fit (chi, phi, kappa)")
    p.add_argument("--strategy", required=True, help="name or p0,pCC,pCD,pDC,pDD")
    p.add_argument("--tol", type=float, default=1e-8, help="largest residual still called ZD")
    _add_common(p, criterion=False)
    add_noise_arg(p)
    p.set_defaults(func=_guarded(_cmd_zd))

    p = sub.add_parser("alpharank", help="α-Rank (finite α and α → ∞) over a meta-game of strategies")
    p.add_argument("--strategies", nargs="+", default=None, help="names or vectors")
    p.add_argument("--tournament", default=None, metavar="FILE.nc",
                   help="instead of --strategies: the meta-game of a tournament file written by 'eqtools tournament'")
    p.add_argument("--alpha", type=float, default=None, help="finite alpha (the α → ∞ limit is always reported)")
    p.add_argument("--m", type=int, default=50, help="population size")
    p.add_argument("--selection", choices=("local", "moran"), default="local")
    p.add_argument("--plot", default=None, help="write a plot of the response graph (png/pdf)")
    _add_common(p)
    add_noise_arg(p)
    p.set_defaults(func=_guarded(_cmd_alpharank))

    p = sub.add_parser("predictive", help="fixed points of the tabular PPI operator (predictive equilibria)")
    p.add_argument("--beta", type=float, nargs="+", required=True, help="inverse temperature(s)")
    p.add_argument("--gamma-q", type=float, default=0.9, help="discount inside Q (<= 1 with --lookahead)")
    p.add_argument("--lookahead", type=int, default=None, help="Q lookahead in rounds (default: infinite discounted)")
    p.add_argument("--prior-weight", type=float, default=0.25, help="weight lambda of reference data in the refit")
    p.add_argument("--episode-length", type=int, default=100)
    p.add_argument("--reference", choices=("tabular", "uniform"), default="tabular")
    _add_common(p, criterion=False)
    p.set_defaults(func=_guarded(_cmd_predictive))
