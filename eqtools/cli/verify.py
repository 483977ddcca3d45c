"""``eqtools verify RUN_DIR``: project trained agents into memory-one space and hold them
against the exact theory (ZD fit, best responses, Nash check); writes NetCDF + Markdown + PNG."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("verify", help="verify what trained agents learned (projection vs exact theory)",
                       description=__doc__)
    v.add_argument("run_dir", nargs="?", default=None,
                   help="output directory of 'eqtools train a2c' (holds checkpoint.pkl)")
    v.add_argument("--ppi", nargs="+", default=None, metavar="AGENT.pkl",
                   help="instead of RUN_DIR: one or two saved PPI agents (e.g. step2/agent_0.pkl fixed_icl.pkl)")
    v.add_argument("--seed-index", type=int, default=0, help="which seed of a multi-seed run (default 0)")
    v.add_argument("--matches", type=int, default=200, help="matches per probe (half fit, half held out)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--zd-tol", type=float, default=0.02, help="largest ZD-fit residual still called ZD")
    v.add_argument("--out", default=None, help="report directory (default RUN_DIR/verify)")
    v.add_argument("--regret-draws", type=int, default=200,
                   help="in-context regret: fresh U(0,1)^5 co-players (plus the named library and --heldout); 0 skips it")
    v.add_argument("--regret-matches", type=int, default=32, help="matches per regret co-player (default 32)")
    v.add_argument("--heldout", nargs="*", default=None, metavar="PLAYER",
                   help="held-out regret co-players: Axelrod memory-one class names or 'p0,pCC,pCD,pDC,pDD' "
                        "(default: FirmButFair ZDGTFT2 SoftJoss StochasticWSLS)")
    v.add_argument("--temperatures", default="1,0",
                   help="policy temperatures for the regret section (1 = as trained, 0 = greedy; default 1,0)")
    v.set_defaults(func=_run)


def _run(args) -> int:
    from eqtools.errors import ParameterError
    from studies.verify import load_a2c_pair, load_ppi_agents, verify_agents, write_report

    if (args.run_dir is None) == (args.ppi is None):
        raise ParameterError("give either RUN_DIR (an A2C run) or --ppi AGENT.pkl [AGENT.pkl]")
    if args.ppi:
        agents, meta = load_ppi_agents(args.ppi, seed=args.seed)
        default_out = Path(args.ppi[0]).parent / "verify"
    else:
        agents, meta = load_a2c_pair(args.run_dir, args.seed_index)
        default_out = Path(args.run_dir) / "verify"
    v = verify_agents(agents, meta["game"], n=meta["horizon"], matches=args.matches, seed=args.seed,
                      zd_tol=args.zd_tol, config=meta)
    out = Path(args.out) if args.out else default_out
    files = write_report(v, out, title=f"Verification of {meta['learner']} learners, seed {meta['seed']} "
                                       f"(ablation {meta['ablation']}, iteration {meta['iteration']})")
    for a in v.agents:
        print(f"{a.name}: projection {tuple(round(float(x), 3) for x in a.projection.strategy.vector)}, "
              f"KL gap {a.projection.kl_gap:.4f}, {a.zd['description']}")
        if a.predictive_gap is not None:
            pg = a.predictive_gap
            print(f"  predictive-equilibrium gap vs {pg['coplayer']}: own {pg['kl_own']:.4f}, "
                  f"co-player {pg['kl_coplayer']:.4f} nats/decision")
    if v.pair is not None:
        p = v.pair
        print(f"pair: measured {p.measured_x:.3f}/{p.measured_y:.3f}, projections {p.analytic_x:.3f}/{p.analytic_y:.3f}, "
              f"projected pair Nash: {p.nash['is_nash']} (gains {p.nash['gain_x']:.3f}/{p.nash['gain_y']:.3f})")
    if args.regret_draws:
        _regret(args, agents, meta, out)
    print("report: " + ", ".join(str(f) for f in files.values()))
    return 0


def _regret(args, agents, meta, out: Path) -> None:
    """The in-context regret section: per agent and temperature, mean regret per co-player group."""
    from eqtools.errors import ParameterError
    from studies.verify import regret_section

    try:
        temps = [float(t) for t in str(args.temperatures).split(",") if t.strip()]
    except ValueError:
        raise ParameterError(f"--temperatures must be numbers like 1,0, got {args.temperatures!r}") from None
    if args.regret_draws < 2 or args.regret_matches < 2:
        raise ParameterError("--regret-draws and --regret-matches must be at least 2 (or --regret-draws 0 to skip)")
    held = None
    if args.heldout is not None:
        try:
            held = [[float(x) for x in h.split(",")] if "," in h else h for h in args.heldout]
        except ValueError:
            raise ParameterError(f"--heldout vectors must be five numbers like 1,1,0,1,0.5, got {args.heldout!r}") from None
    res = regret_section(agents, out, meta["game"], n=meta["horizon"], draws=args.regret_draws, matches=args.regret_matches,
                         seed=args.seed, heldout=held, temperatures=temps)
    print("in-context regret (exact best response minus the agent's reward per round; mean over co-players):")
    for name, r in res.items():
        cells = ", ".join(f"{g} {d['regret']:.3f} ± {d['regret_se']:.3f} (ALLD {d['alld_regret']:.3f})" for g, d in r["groups"].items())
        print(f"  {name}: {cells}")
    print(f"  table: {out / 'regret.md'}")
