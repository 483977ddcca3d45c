"""``eqtools solve``: exact solvers from the command line.

Subcommands: ``best-response``, ``nash``, ``zd``, ``alpharank``, ``predictive``.
Strategies are given by name (``TFT``, ``Extort-2``, ...; see ``eqtools.strategies.named``) or as
a vector ``p0,pCC,pCD,pDC,pDD``.  Results are printed as JSON, or written with ``--out`` to a
``.json`` file or a ``.nc`` (NetCDF) file (arrays as variables, the full JSON in the
``result_json`` attribute).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..games import preset
from ..strategies import MemoryOne, named


def parse_strategy(text: str, game: Any) -> MemoryOne:
    """A strategy from a name or a comma-separated 5-vector ``p0,pCC,pCD,pDC,pDD``."""
    if "," in text:
        parts = text.split(",")
        if len(parts) != 5:
            raise ParameterError(f"strategy vector {text!r} must have 5 comma-separated numbers p0,pCC,pCD,pDC,pDD")
        try:
            vals = [float(x) for x in parts]
        except ValueError:
            raise ParameterError(f"strategy vector {text!r} contains a non-number") from None
        return MemoryOne.from_vector(vals, name=text)
    return named(text, game)


def _criterion(args: argparse.Namespace) -> dict[str, Any]:
    chosen = [args.gamma is not None, args.horizon is not None, bool(args.limit)]
    if sum(chosen) > 1:
        raise ParameterError("choose at most one of --gamma, --horizon, --limit")
    if args.horizon is not None:
        return {"n": args.horizon}
    if args.limit:
        return {"limit": True}
    return {"gamma": 0.9 if args.gamma is None else args.gamma}


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _emit(result: dict[str, Any], args: argparse.Namespace, arrays: dict[str, Any] | None = None) -> int:
    result = _jsonable(result)
    text = json.dumps(result, indent=2)
    out = getattr(args, "out", None)
    if out is None:
        print(text)
        return 0
    if out.endswith(".json"):
        with open(out, "w") as fh:
            fh.write(text + "\n")
    elif out.endswith(".nc"):
        import xarray as xr

        ds = xr.Dataset()
        for name, (dims, values, coords) in (arrays or {}).items():
            ds[name] = xr.DataArray(np.asarray(values, dtype=float), dims=dims, coords=coords)
        ds.attrs["result_json"] = text
        ds.attrs["command"] = " ".join(sys.argv)
        try:  # netCDF4 through h5netcdf when h5py is present, else classic netCDF3 through scipy
            import h5py  # noqa: F401

            ds.to_netcdf(out, engine="h5netcdf")
        except ImportError:
            ds.to_netcdf(out, engine="scipy")
    else:
        raise ParameterError(f"--out must end in .json or .nc, got {out!r}")
    print(f"wrote {out}", file=sys.stderr)
    return 0


# ------------------------------------------------------------ commands


def _cmd_best_response(args: argparse.Namespace) -> int:
    from solvers.best_response import best_response

    g = preset(args.game)
    q = parse_strategy(args.coplayer, g)
    crit = _criterion(args)
    br = best_response(q, g, **crit)
    res = {"game": g.to_dict(), "coplayer": q.to_dict(), **br.to_dict()}
    arrays = {}
    if "n" in crit:
        arrays["policy"] = (("round", "param"), br.policy, {"param": ["p0", "p_CC", "p_CD", "p_DC", "p_DD"]})
    else:
        arrays["q_values"] = (("observation", "action"), br.q_values, {"observation": ["start", "CC", "CD", "DC", "DD"], "action": ["C", "D"]})
    return _emit(res, args, arrays)


def _kv_lines(d: dict[str, Any], indent: str = "") -> list[str]:
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"{indent}{k}:")
            lines += _kv_lines(v, indent + "  ")
        elif isinstance(v, float):
            lines.append(f"{indent}{k}: {v:.6g}")
        else:
            lines.append(f"{indent}{k}: {v}")
    return lines


def _cmd_nash(args: argparse.Namespace) -> int:
    from solvers.equilibria import nash_check, pure_equilibria

    from ._meta_report import format_nash

    g = preset(args.game)
    crit = _criterion(args)
    if sum(bool(v) for v in (args.pair, args.strategies, args.tournament)) > 1:
        raise ParameterError("choose one of --pair, --strategies, --tournament")
    if args.pair:
        x, y = (parse_strategy(s, g) for s in args.pair)
        chk = nash_check(x, y, g, **crit)
        out = {"game": g.to_dict(), "x": x.to_dict(), "y": y.to_dict(), **chk.to_dict()}
        if args.json or args.out:
            return _emit(out, args)
        d = chk.to_dict()
        print(f"({x.name}, {y.name}) in game {g.name}, {d['criterion']}: {'a Nash equilibrium' if d['is_nash'] else 'NOT a Nash equilibrium'}")
        print("\n".join("  " + line for line in _kv_lines({k: v for k, v in d.items() if k not in ("is_nash",)})))
        return 0
    if args.strategies or args.tournament:
        from solvers.meta_game import meta_game_equilibria

        from ..games import BimatrixGame

        if args.tournament:
            from ..tournament import load_tournament, tournament_game

            ds = load_tournament(args.tournament)
            labels = tuple(str(v) for v in ds["row"].values)
            if labels != tuple(str(v) for v in ds["col"].values):
                raise ParameterError(f"--tournament {args.tournament}: rows and columns differ; the meta-game needs a symmetric tournament")
            M = (np.asarray(ds["payoff_row"].values) + np.asarray(ds["payoff_col"].values).T) / 2.0
            crit_out: Any = ds.attrs.get("criterion", "")
            gname = tournament_game(ds).name
        else:
            from solvers.response_graph import tournament_matrix

            strats = [parse_strategy(s, g) for s in args.strategies]
            M, labels = tournament_matrix(strats, g, **crit)
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
        if args.json or args.out:
            rc = _emit(out, args, arrays)
            if args.json or not args.out:
                return rc
        print(format_nash(res, max_rows=args.max_rows))
        return 0
    pe = pure_equilibria(g, **crit)
    out = {"game": g.to_dict(), **pe.to_dict()}
    if args.json or args.out:
        return _emit(out, args)
    d = pe.to_dict()
    print(f"pure memory-one Nash equilibria of the iterated {g.name} game, {d['criterion']}: {d['n_pairs']} pair(s)")
    for p in d["pairs"]:
        print(f"  ({p['x']}, {p['y']}): payoffs {p['payoff_x']:.4f}, {p['payoff_y']:.4f}")
    return 0


def _cmd_zd(args: argparse.Namespace) -> int:
    from solvers.zd import fit_zd

    g = preset(args.game)
    s = parse_strategy(args.strategy, g)
    fit = fit_zd(s, g, tol=args.tol)
    return _emit({"game": g.to_dict(), "strategy": s.to_dict(), **fit.to_dict()}, args)


def _cmd_alpharank(args: argparse.Namespace) -> int:
    from solvers.response_graph import alpharank, alpharank_limit, plot_response_graph, response_graph, sink_components, tournament_matrix

    g = preset(args.game)
    crit = _criterion(args)
    strats = [parse_strategy(s, g) for s in args.strategies]
    M, labels = tournament_matrix(strats, g, **crit)
    lim = alpharank_limit(M, m=args.m, selection=args.selection, labels=labels)
    out: dict[str, Any] = {"game": g.to_dict(), "criterion": crit, "labels": list(labels), "matrix": M, "limit": lim.to_dict()}
    arrays: dict[str, Any] = {"matrix": (("row", "col"), M, {"row": list(labels), "col": list(labels)})}
    if args.alpha is not None:
        ar = alpharank(M, args.alpha, m=args.m, selection=args.selection, labels=labels)
        out["finite"] = ar.to_dict()
        arrays["pi"] = (("strategy",), ar.pi, {"strategy": list(labels)})
    G = response_graph(M, labels=labels, kind="better")
    out["better_response_sinks"] = [sorted(c) for c in sink_components(G)]
    if args.plot:
        mass = dict(zip(labels, lim.pi.tolist())) if lim.pi is not None else None
        plot_response_graph(lim.graph, mass=mass, path=args.plot, title=f"α-Rank response graph ({g.name})")
        out["plot"] = args.plot
    return _emit(out, args, arrays)


def _cmd_predictive(args: argparse.Namespace) -> int:
    from solvers.predictive import solve_fixed_points

    g = preset(args.game)
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
    return _emit({"game": g.to_dict(), "results": results}, args)


# ------------------------------------------------------------ parser


def _add_common(p: argparse.ArgumentParser, criterion: bool = True) -> None:
    p.add_argument("--game", default="paper", help="game preset (paper, axelrod, lola, stag_hunt, chicken)")
    if criterion:
        p.add_argument("--gamma", type=float, default=None, help="discount factor (default 0.9 if no criterion given)")
        p.add_argument("--horizon", type=int, default=None, help="finite horizon n (rounds)")
        p.add_argument("--limit", action="store_true", help="limit of means")
    p.add_argument("--out", default=None, help="write the result to a .json or .nc file instead of stdout")


def register(subparsers: Any) -> None:
    """Add ``solve`` and its subcommands to the ``eqtools`` parser."""
    solve = subparsers.add_parser("solve", help="exact solvers: best responses, Nash, ZD, α-Rank, predictive equilibria")
    sub = solve.add_subparsers(dest="solve_command", metavar="SUBCOMMAND")
    solve.set_defaults(func=lambda a: (solve.print_help(), 2)[1])

    p = sub.add_parser("best-response", help="exact best response to a memory-one co-player")
    p.add_argument("--coplayer", required=True, help="co-player: name or p0,pCC,pCD,pDC,pDD")
    _add_common(p)
    p.set_defaults(func=_cmd_best_response)

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
    p.add_argument("--json", action="store_true", help="print JSON instead of the readable summary")
    p.add_argument("--tol", type=float, default=1e-9, help="verification tolerance relative to the payoff range (meta-games)")
    p.add_argument("--seed", type=int, default=0, help="seed for the sampled methods (meta-games)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for the sampled methods (meta-games)")
    p.add_argument("--sample", action="store_true", help="skip complete enumeration, sample only (meta-games)")
    p.add_argument("--max-labels", type=int, default=None, help="Lemke–Howson start labels (default: all up to 600)")
    p.add_argument("--max-rows", type=int, default=40, help="equilibria shown in the table")
    _add_common(p)
    p.set_defaults(func=_cmd_nash)

    p = sub.add_parser("zd", help="is a strategy zero-determinant? fit (chi, phi, kappa)")
    p.add_argument("--strategy", required=True, help="name or p0,pCC,pCD,pDC,pDD")
    p.add_argument("--tol", type=float, default=1e-8, help="largest residual still called ZD")
    _add_common(p, criterion=False)
    p.set_defaults(func=_cmd_zd)

    p = sub.add_parser("alpharank", help="α-Rank (finite α and α → ∞) over a meta-game of strategies")
    p.add_argument("--strategies", nargs="+", required=True, help="names or vectors")
    p.add_argument("--alpha", type=float, default=None, help="finite alpha (the α → ∞ limit is always reported)")
    p.add_argument("--m", type=int, default=50, help="population size")
    p.add_argument("--selection", choices=("local", "moran"), default="local")
    p.add_argument("--plot", default=None, help="write a plot of the response graph (png/pdf)")
    _add_common(p)
    p.set_defaults(func=_cmd_alpharank)

    p = sub.add_parser("predictive", help="fixed points of the tabular PPI operator (predictive equilibria)")
    p.add_argument("--beta", type=float, nargs="+", required=True, help="inverse temperature(s)")
    p.add_argument("--gamma-q", type=float, default=0.9, help="discount inside Q (<= 1 with --lookahead)")
    p.add_argument("--lookahead", type=int, default=None, help="Q lookahead in rounds (default: infinite discounted)")
    p.add_argument("--prior-weight", type=float, default=0.25, help="weight lambda of reference data in the refit")
    p.add_argument("--episode-length", type=int, default=100)
    p.add_argument("--reference", choices=("tabular", "uniform"), default="tabular")
    _add_common(p, criterion=False)
    p.set_defaults(func=_cmd_predictive)
