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
    v.add_argument("--json", action="store_true", help="print a JSON summary instead of the readable table")
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
    import json

    from eqtools.errors import ParameterError
    from eqtools.io import check_output_dir, to_jsonable
    from eqtools.validation import nonneg_finite, positive_int
    from learners.runs import load_a2c_pair, load_ppi_agents
    from learners.verification import summary_dict, verify_agents, write_report

    if (args.run_dir is None) == (args.ppi is None):
        raise ParameterError("give either RUN_DIR (an A2C run) or --ppi AGENT.pkl [AGENT.pkl], not both")
    if args.ppi is not None and args.seed_index != 0:
        raise ParameterError("--seed-index applies to an A2C RUN_DIR, not to --ppi agents")
    if args.seed_index < 0:
        raise ParameterError(f"--seed-index must be a non-negative integer, got {args.seed_index}")
    if positive_int("--matches", args.matches) < 2:
        raise ParameterError(f"--matches must be at least 2 (half fit, half held out), got {args.matches}")
    nonneg_finite("--zd-tol", args.zd_tol)
    if args.ppi:
        agents, meta = load_ppi_agents(args.ppi, seed=args.seed)
        default_out = Path(args.ppi[0]).parent / "verify"
    else:
        agents, meta = load_a2c_pair(args.run_dir, args.seed_index)
        default_out = Path(args.run_dir) / "verify"
    out = check_output_dir(Path(args.out) if args.out else default_out, "--out")
    v = verify_agents(agents, meta["game"], n=meta["horizon"], matches=args.matches, seed=args.seed,
                      zd_tol=args.zd_tol, config=meta)
    files = write_report(v, out, title=f"Verification of {meta['learner']} learners, seed {meta['seed']} "
                                       f"(ablation {meta['ablation']}, iteration {meta['iteration']})")
    summary = summary_dict(v)
    if args.regret_draws:
        summary["regret"] = _regret(args, agents, meta, out)
    summary["report"] = {k: str(f) for k, f in files.items()}
    if args.json:
        print(json.dumps(to_jsonable(summary), indent=2))
    else:
        print(_text(summary))
    return 0


def _text(s: dict) -> str:
    """The readable default output of ``eqtools verify``."""
    from . import _format as F

    lines = [F.game_line(s["game"]) + f"; horizon {s['horizon']} rounds"]
    rows = []
    for a in s["agents"]:
        rows.append([a["name"], F.vec(a["projection"], 2), f"{F.num(a['kl_gap'])} ± {F.num(a['kl_gap_se'])}",
                     a["zd"], F.num(a["br_value"]), f"{F.num(a['stationary_br_vs_agent'])} ± {F.num(a['stationary_br_vs_agent_se'])}"])
    lines.append(F.table(["agent", "projection (p0; CC, CD, DC, DD)", "KL gap (nats)", "ZD fit",
                          "best-response value", "stationary BR vs agent"], rows))
    for a in s["agents"]:
        pg = a.get("predictive_gap")
        if pg:
            lines.append(f"{a['name']}: predictive-equilibrium gap vs {pg['coplayer']}: own {F.num(pg['kl_own'])}, "
                         f"co-player {F.num(pg['kl_coplayer'])} nats/decision")
    p = s.get("pair")
    if p:
        lines.append(f"pair: measured payoffs {F.num(p['measured_x'])} / {F.num(p['measured_y'])} "
                     f"(cooperation {F.num(p['measured_coop_x'])} / {F.num(p['measured_coop_y'])}); "
                     f"projections {F.num(p['analytic_x'])} / {F.num(p['analytic_y'])}; "
                     f"projected pair is {'a' if p['is_nash'] else 'not a'} memory-one Nash equilibrium "
                     f"(gains {F.num(p['gain_x'])} / {F.num(p['gain_y'])})")
    reg = s.get("regret")
    if reg:
        lines.append("in-context regret (exact best response minus the agent's reward per round; mean over co-players):")
        rows = []
        for name, r in reg.items():
            for g, d in r["groups"].items():
                rows.append([name, g, f"{F.num(d['regret'])} ± {F.num(d['regret_se'])}", F.num(d["alld_regret"])])
        lines.append(F.table(["agent (temperature)", "co-player group", "regret", "ALLD's regret"], rows))
    lines.append("report: " + ", ".join(s["report"].values()))
    return "\n".join(lines)


def _regret(args, agents, meta, out: Path) -> dict:
    """The in-context regret section: per agent and temperature, mean regret per co-player group."""
    from eqtools.errors import ParameterError
    from learners.verification import regret_section

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
    return regret_section(agents, out, meta["game"], n=meta["horizon"], draws=args.regret_draws, matches=args.regret_matches,
                          seed=args.seed, heldout=held, temperatures=temps)
