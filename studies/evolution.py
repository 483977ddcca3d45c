"""Reproductions of three classic results on the evolution of memory-one strategies, with exact
payoffs (:mod:`solvers.evolution`).  One code path, three presets (``smoke`` seconds, ``cpu``
minutes on one core, ``paper`` many more runs for a GPU)::

    taskset -c 0 python -m studies.evolution --preset cpu                 # -> runs/evolution/cpu/
    taskset -c 0 python -m studies.evolution --preset cpu --commit        # also copy small results to
                                                                          #    studies/results/evolution/cpu/
    python -m studies.evolution --preset smoke --only wsls

Studies (``--only``):

* ``wsls`` — win-stay lose-shift under execution errors (Nowak & Sigmund 1993; the threshold
  analysis of Imhof, Fudenberg & Nowak 2007): rare-mutation stationary distribution over
  ALLC, ALLD, TFT, GTFT, WSLS against the benefit-to-cost ratio of the donation game, and
  mutation–selection in the full memory-one space.
* ``generosity`` — Stewart & Plotkin (2013): mutation–selection in memory-one space for
  growing population sizes; cooperation and the ZD character (chi, kappa) of the residents.
* ``extortion`` — Hilbe, Nowak & Sigmund (2013): stationary abundance of an extortioner among
  ALLC, ALLD (and TFT, WSLS) against the population size N.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from eqtools.games import Game
from eqtools.io import write_json, write_netcdf
from eqtools.provenance import machine
from eqtools.strategies import MemoryOne, extortionate, gtft, named
from solvers.evolution import EvolutionConfig, evolve, meta_game, stationary_distribution
from solvers.evolution.plots import plot_evolution, plot_stationary

__all__ = ["PRESETS", "study_wsls", "study_generosity", "study_extortion", "main"]

PRESETS: dict[str, dict[str, Any]] = {
    "smoke": dict(runs=8, steps=400, record_every=50, ns_gen=(10, 100), ns_ext=(2, 4, 10, 30),
                  bc=(1.5, 2.5, 4.0)),
    "cpu": dict(runs=200, steps=20_000, record_every=200, ns_gen=(2, 5, 10, 30, 100),
                ns_ext=(2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200),
                bc=(1.2, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 5.0)),
    "paper": dict(runs=2000, steps=100_000, record_every=500, ns_gen=(4, 10, 30, 100, 300, 1000),
                  ns_ext=tuple(range(2, 11)) + (15, 20, 30, 50, 100, 200, 500, 1000),
                  bc=tuple(np.round(np.linspace(1.1, 5.0, 40), 3))),
}

NS93 = Game(3.0, 0.0, 5.0, 1.0, name="axelrod")  # R, S, T, P of Nowak & Sigmund (1993)


def donation(b: float, c: float = 1.0) -> Game:
    """Donation game: R, S, T, P = b - c, -c, b, 0."""
    return Game(b - c, -c, b, 0.0, name=f"donation(b={b:g},c={c:g})")


def _neighbourhoods(res: np.ndarray, radius: float = 0.3) -> dict[str, float]:
    """Share of residents within ``radius`` (max norm on p_CC..p_DD) of the named corners."""
    corners = {"WSLS": (1, 0, 0, 1), "TFT": (1, 0, 1, 0), "ALLD": (0, 0, 0, 0), "ALLC": (1, 1, 1, 1),
               "GRIM": (1, 0, 0, 0)}
    r = res[..., 1:]
    return {k: float((np.abs(r - np.asarray(v, float)).max(-1) < radius).mean()) for k, v in corners.items()}


def _evolve_summary(ds: Any, game: Game, burn_in: float = 0.2) -> dict[str, Any]:
    start = int(burn_in * ds.sizes["time"])
    sl = ds.isel(time=slice(start, None))
    res = sl.resident.values
    chi, kappa, resid = sl.chi.values, sl.kappa.values, sl.zd_residual.values
    zd_like = (resid < 0.2) & (chi > 1)
    mid = 0.5 * (game.R + game.P)
    return {
        "cooperation": float(sl.cooperation.mean()),
        "payoff": float(sl.payoff.mean()),
        "resident_mean": dict(zip(ds.param.values.tolist(), res.reshape(-1, 5).mean(0).round(4).tolist())),
        "near_named": _neighbourhoods(res),
        "zd_like_share": float(zd_like.mean()),
        "generous_like_share": float((zd_like & (kappa > mid)).mean()),
        "extortion_like_share": float((zd_like & (kappa <= mid)).mean()),
        "kappa_median_zd_like": float(np.median(kappa[zd_like])) if zd_like.any() else None,
        "fixations_per_run": float(ds.fixations.mean()),
        "invalid_fixations": int(ds.attrs["invalid_fixations"]),
        "wall_s": float(ds.attrs["wall_s"]),
        "burn_in": burn_in,
    }


def _evolve(out: Path, name: str, cfg: EvolutionConfig, game: Game, title: str, progress: bool) -> dict[str, Any]:
    ds = evolve(cfg, progress=progress)
    write_netcdf(ds, out / f"{name}.nc")
    plot_evolution(ds, out / f"{name}.png", title=title)
    s = _evolve_summary(ds, game)
    s["config"] = json.loads(cfg.to_json())
    return s


# ------------------------------------------------------------------ studies

def study_wsls(p: dict[str, Any], out: Path, progress: bool = False) -> dict[str, Any]:
    """WSLS under execution errors: stationary shares against b/c, and memory-one evolution."""
    out.mkdir(parents=True, exist_ok=True)
    N, beta, eps = 100, 1.0, 0.01
    names = ["ALLC", "ALLD", "TFT", "GTFT", "WSLS"]
    shares: dict[str, list[float]] = {n: [] for n in names}
    for bc in p["bc"]:
        g = donation(bc)
        strategies = [named(n, g) if n != "GTFT" else gtft(g) for n in names]
        mg = meta_game(strategies, g, limit=True, noise=eps)
        r = stationary_distribution(mg.payoff, N, "fermi", beta, labels=names)
        for i, n in enumerate(names):
            shares[n].append(float(r.pi[i]))
    plot_stationary(list(p["bc"]), shares, out / "wsls_stationary_bc.png", xlabel="benefit-to-cost ratio b/c",
                    title=f"donation game, N={N}, Fermi beta={beta}, errors {eps}, limit of means")
    ns = [named(n, NS93) if n != "GTFT" else gtft(NS93) for n in names]
    mg = meta_game(ns, NS93, limit=True, noise=eps)
    r93 = stationary_distribution(mg.payoff, N, "fermi", beta, labels=names)
    summary: dict[str, Any] = {
        "setup": {"N": N, "process": "fermi", "beta": beta, "noise": eps, "criterion": "limit"},
        "stationary_vs_bc": {"bc": list(p["bc"]), **shares},
        "stationary_ns93_payoffs": dict(zip(names, r93.pi.tolist())),
    }
    evo = {}
    for tag, g in (("donation_bc3", donation(3.0)), ("ns93_payoffs", NS93)):
        cfg = EvolutionConfig(game=(g.R, g.S, g.T, g.P), N=N, selection=beta, noise=eps, runs=p["runs"],
                              steps=p["steps"], record_every=p["record_every"], seed=1)
        evo[tag] = _evolve(out, f"wsls_evolve_{tag}", cfg, g, f"{g.name}: N={N}, beta={beta}, errors {eps}", progress)
    summary["evolution"] = evo
    return summary


def study_generosity(p: dict[str, Any], out: Path, progress: bool = False) -> dict[str, Any]:
    """Stewart & Plotkin (2013): evolution in memory-one space for growing N."""
    out.mkdir(parents=True, exist_ok=True)
    g, beta = NS93, 1.0
    res = {}
    for N in p["ns_gen"]:
        cfg = EvolutionConfig(game=(g.R, g.S, g.T, g.P), N=int(N), selection=beta, noise=0.0, runs=p["runs"],
                              steps=p["steps"], record_every=p["record_every"], seed=2)
        res[str(N)] = _evolve(out, f"generosity_N{N}", cfg, g, f"R,S,T,P=3,0,5,1: N={N}, beta={beta}", progress)
    keys = ("cooperation", "generous_like_share", "extortion_like_share")
    plot_stationary([int(n) for n in p["ns_gen"]], {k: [res[str(n)][k] for n in p["ns_gen"]] for k in keys},
                    out / "generosity_vs_N.png", xlabel="population size N", logx=True,
                    title="memory-one evolution, R,S,T,P = 3,0,5,1, Fermi beta = 1")
    return {"setup": {"game": [g.R, g.S, g.T, g.P], "process": "fermi", "beta": beta, "noise": 0.0,
                      "criterion": "limit", "mutation": "uniform"}, "by_N": res}


def study_extortion(p: dict[str, Any], out: Path, progress: bool = False) -> dict[str, Any]:
    """Hilbe, Nowak & Sigmund (2013): abundance of extortioners against N."""
    out.mkdir(parents=True, exist_ok=True)
    g, beta, chi = donation(3.0), 1.0, 3.0
    ext = extortionate(g, chi, name=f"Extort-{chi:g}")
    sets = {
        "ALLC_ALLD_E": [named("ALLC"), named("ALLD"), ext],
        "ALLC_ALLD_TFT_WSLS_E": [named("ALLC"), named("ALLD"), named("TFT"), named("WSLS"), ext],
    }
    summary: dict[str, Any] = {"setup": {"game": [g.R, g.S, g.T, g.P], "b": 3.0, "c": 1.0, "process": "fermi",
                                         "beta": beta, "noise": 0.0, "criterion": "limit",
                                         "extortioner": ext.vector.tolist(), "chi": chi}}
    for tag, strategies in sets.items():
        mg = meta_game(strategies, g, limit=True)
        table: dict[str, list[float]] = {s.name: [] for s in strategies}
        coop = []
        for N in p["ns_ext"]:
            r = stationary_distribution(mg.payoff, int(N), "fermi", beta, labels=mg.labels)
            for i, s in enumerate(strategies):
                table[s.name].append(float(r.pi[i]))
            coop.append(float(r.pi @ mg.coop.diagonal()))
        plot_stationary([int(n) for n in p["ns_ext"]], table, out / f"extortion_{tag}.png",
                        xlabel="population size N", logx=True,
                        title=f"donation b=3, c=1; Fermi beta={beta}; extortioner chi={chi:g}")
        summary[tag] = {"N": [int(n) for n in p["ns_ext"]], **table, "cooperation": coop}
    return summary


STUDIES = {"wsls": study_wsls, "generosity": study_generosity, "extortion": study_extortion}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="smoke", choices=sorted(PRESETS))
    ap.add_argument("--only", nargs="*", default=list(STUDIES), choices=list(STUDIES))
    ap.add_argument("--out", default=None, help="output directory (default runs/evolution/<preset>)")
    ap.add_argument("--commit", action="store_true",
                    help="also copy the small results (PNG, summary JSON) to studies/results/evolution/<preset>/")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args(argv)
    p = PRESETS[args.preset]
    out = Path(args.out or f"runs/evolution/{args.preset}")
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"preset": args.preset, "preset_settings": p, "machine": machine(),
                               "command": "python -m studies.evolution " + " ".join(argv if argv is not None else __import__("sys").argv[1:])}
    for name in args.only:
        t0 = time.perf_counter()
        summary[name] = STUDIES[name](p, out, progress=args.progress)
        summary[name]["wall_s"] = time.perf_counter() - t0
        print(f"{name}: {summary[name]['wall_s']:.1f} s")
        write_json(summary, out / "summary.json")
    if args.commit:
        dest = Path("studies/results/evolution") / args.preset
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted(out.glob("*.png")):
            shutil.copy(f, dest / f.name)
        old = dest / "summary.json"
        merged = json.loads(old.read_text()) if old.exists() else {}
        merged.update(summary)
        write_json(merged, old)
        print(f"copied results to {dest}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
