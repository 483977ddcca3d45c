"""``eqtools verify``: project agents into memory-one space and hold them against the exact theory
(ZD fit, best responses, Nash check; writes NetCDF + Markdown + PNG), or estimate the strategy
behind a log of recorded play.

Exactly one source of agents: RUN_DIR (an ``eqtools train a2c`` run), ``--ppi`` (saved PPI
agents), ``--agent module:object`` / ``--agent file.py:object`` (anything
``learners.agents.as_policy`` accepts: a Python function of the history, a torch or flax module,
a policy), ``--axelrod NAME`` (any Axelrod strategy; ``--agent`` and ``--axelrod`` may be
combined into a pair), or ``--log plays.csv`` (recorded play, CSV or Parquet)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ._args import add_game_arg, add_output_args


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("verify", help="verify agents (projection vs exact theory) or a log of recorded play",
                       description=__doc__, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("run_dir", nargs="?", default=None,
                   help="output directory of 'eqtools train a2c' (holds checkpoint.pkl)")
    v.add_argument("--ppi", nargs="+", default=None, metavar="AGENT.pkl",
                   help="instead of RUN_DIR: one or two saved PPI agents (e.g. step2/agent_0.pkl fixed_icl.pkl)")
    v.add_argument("--agent", nargs="+", default=None, metavar="MODULE:OBJECT",
                   help="instead of RUN_DIR: one or two agents as module:object or path/to/file.py:object "
                        "(a Python function f(own, other) -> P(C), a torch/flax module, a policy)")
    v.add_argument("--axelrod", nargs="+", default=None, metavar="NAME",
                   help="instead of RUN_DIR: one or two Axelrod strategies by name, e.g. \"Tit For 2 Tats\" or TitFor2Tats")
    v.add_argument("--log", default=None, metavar="PLAYS.csv",
                   help="instead of agents: a log of recorded play (CSV or Parquet; columns match, round, own, other "
                        "[, coplayer, subject])")
    add_game_arg(v, None, help="game for --agent/--axelrod/--log (default paper; RUN_DIR and --ppi use the game they "
                               "were trained on)")
    v.add_argument("--horizon", type=int, default=None, help="rounds per match for --agent/--axelrod (default 100)")
    v.add_argument("--noise", type=float, default=0.0,
                   help="execution errors: every action flips with this probability, in play and in the exact solvers")
    v.add_argument("--seed-index", type=int, default=0, help="which seed of a multi-seed run (default 0)")
    v.add_argument("--matches", type=int, default=200, help="matches per probe (half fit, half held out)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--zd-tol", type=float, default=0.02, help="largest ZD-fit residual still called ZD")
    add_output_args(v, out_help="report directory (default RUN_DIR/verify, runs/verify-NAME for --agent/--axelrod; "
                                "--log writes files only with --out)",
                    json_help="print a JSON summary instead of the readable table")
    v.add_argument("--regret-draws", type=int, default=200,
                   help="in-context regret: fresh U(0,1)^5 co-players (plus the named library and --heldout); 0 skips it")
    v.add_argument("--regret-matches", type=int, default=32, help="matches per regret co-player (default 32)")
    v.add_argument("--regret-gamma", type=float, default=None,
                   help="regret under the discounted criterion with this gamma (default: the finite-horizon mean)")
    v.add_argument("--heldout", nargs="*", default=None, metavar="PLAYER",
                   help="held-out regret co-players: Axelrod memory-one class names or 'p0,pCC,pCD,pDC,pDD' "
                        "(default: FirmButFair ZDGTFT2 SoftJoss StochasticWSLS)")
    v.add_argument("--temperatures", default=None,
                   help="policy temperatures for the regret section (1 = as trained, 0 = greedy; default 1,0 for "
                        "trained GRU/PPI agents, 1 otherwise)")
    v.add_argument("--cooperate", type=int, choices=(0, 1), default=None,
                   help="--log with numeric actions: the number that means cooperate (1 in most experimental data)")
    v.add_argument("--bootstrap", type=int, default=200,
                   help="--log: bootstrap resamples for the strategy-mixture standard errors (0 skips them)")
    v.set_defaults(func=_run)


def _run(args) -> int:
    import json

    from eqtools.errors import ParameterError
    from eqtools.io import check_output_dir, to_jsonable
    from eqtools.strategies import validate_noise
    from eqtools.validation import nonneg_finite, positive_int

    sources = [n for n, val in (("RUN_DIR", args.run_dir), ("--ppi", args.ppi), ("--agent", args.agent),
                                ("--axelrod", args.axelrod), ("--log", args.log)) if val is not None]
    if not sources or (len(sources) > 1 and set(sources) != {"--agent", "--axelrod"}):
        raise ParameterError("give either RUN_DIR (an A2C run), --ppi AGENT.pkl, --agent MODULE:OBJECT, --axelrod NAME "
                             "or --log PLAYS.csv: exactly one (--agent and --axelrod may be combined); "
                             f"got {', '.join(sources) if sources else 'none'}")
    if args.seed_index != 0 and args.run_dir is None:
        raise ParameterError("--seed-index applies to an A2C RUN_DIR only")
    if args.seed_index < 0:
        raise ParameterError(f"--seed-index must be a non-negative integer, got {args.seed_index}")
    if (args.run_dir is not None or args.ppi is not None) and (args.game is not None or args.horizon is not None):
        raise ParameterError("--game and --horizon apply to --agent/--axelrod/--log; RUN_DIR and --ppi use the game "
                             "and horizon the agents were trained on")
    if args.log is None and (args.cooperate is not None or args.bootstrap != 200):
        raise ParameterError("--cooperate and --bootstrap apply to --log only")
    if positive_int("--matches", args.matches) < 2:
        raise ParameterError(f"--matches must be at least 2 (half fit, half held out), got {args.matches}")
    nonneg_finite("--zd-tol", args.zd_tol)
    noise = validate_noise(args.noise, what="--noise")
    if args.log is not None:
        return _run_log(args)
    from learners.verification import summary_dict, verify_agents, write_report

    if args.ppi or args.run_dir is not None:
        from learners.runs import load_a2c_pair, load_ppi_agents

        if args.ppi:
            agents, meta = load_ppi_agents(args.ppi, seed=args.seed)
            default_out = Path(args.ppi[0]).parent / "verify"
        else:
            agents, meta = load_a2c_pair(args.run_dir, args.seed_index)
            default_out = Path(args.run_dir) / "verify"
        temps = args.temperatures or "1,0"
        title = (f"Verification of {meta['learner']} learners, seed {meta['seed']} "
                 f"(ablation {meta['ablation']}, iteration {meta['iteration']})")
    else:
        agents, meta = _user_agents(args)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(a.name for a in agents)).strip("-") or "agent"
        default_out = Path("runs") / f"verify-{slug}"
        temps = args.temperatures or "1"
        if args.regret_draws and set(t.strip() for t in temps.split(",") if t.strip()) - {"1", "1.0"}:
            raise ParameterError(f"--temperatures {temps}: temperatures other than 1 apply to trained GRU and PPI agents only")
        title = "Verification of " + " and ".join(a.name for a in agents)
    meta["noise"] = noise
    out = check_output_dir(Path(args.out) if args.out else default_out, "--out")
    v = verify_agents(agents, meta["game"], n=meta["horizon"], matches=args.matches, seed=args.seed,
                      zd_tol=args.zd_tol, config=meta, noise=noise)
    files = write_report(v, out, title=title)
    summary = summary_dict(v)
    if args.regret_draws:
        summary["regret"] = _regret(args, agents, meta, out, temps, noise)
    summary["report"] = {k: str(f) for k, f in files.items()}
    if args.json:
        print(json.dumps(to_jsonable(summary), indent=2))
    else:
        print(_text(summary))
    return 0


def _user_agents(args) -> tuple[list, dict]:
    """Agents from --agent and --axelrod, and the metadata the report needs."""
    from eqtools.errors import ParameterError
    from eqtools.games import preset
    from eqtools.validation import positive_int
    from learners.agents import as_policy, axelrod_by_name, load_agent

    g = preset(args.game or "paper")
    n = positive_int("--horizon", args.horizon if args.horizon is not None else 100)
    agents = [load_agent(spec, game=g) for spec in (args.agent or [])]
    agents += [as_policy(axelrod_by_name(name)) for name in (args.axelrod or [])]
    if not 1 <= len(agents) <= 2:
        raise ParameterError(f"verify takes one agent or a pair, got {len(agents)} from --agent/--axelrod")
    meta = {"learner": "user", "agents": list(args.agent or []) + list(args.axelrod or []), "game": g, "horizon": n,
            "seed": args.seed, "ablation": "n/a", "iteration": "n/a"}
    return agents, meta


def _run_log(args) -> int:
    """``--log``: the strategy behind recorded play (learners.inference.verify_log)."""
    import json

    from eqtools.errors import ParameterError
    from eqtools.io import check_output_dir, to_jsonable
    from learners.inference import verify_log
    from learners.recorded import read_log

    if args.agent or args.axelrod or args.run_dir or args.ppi:  # pragma: no cover - refused above
        raise ParameterError("--log takes no agents")
    if isinstance(args.bootstrap, bool) or args.bootstrap < 0 or args.bootstrap == 1:
        raise ParameterError(f"--bootstrap must be 0 or at least 2, got {args.bootstrap}")
    out = check_output_dir(Path(args.out), "--out") if args.out else None
    log = read_log(args.log, cooperate=args.cooperate)
    res = verify_log(log, args.game or "paper", bootstrap=args.bootstrap, seed=args.seed, zd_tol=args.zd_tol)
    d = res.to_dict()
    text = _log_text(d)
    if out is not None:
        (out / "verify_log.json").write_text(json.dumps(to_jsonable(d), indent=1))
        (out / "verify_log.md").write_text("# Verification of recorded play\n\n```text\n" + text + "\n```\n")
        d["report"] = {"json": str(out / "verify_log.json"), "markdown": str(out / "verify_log.md")}
        text += "\nreport: " + ", ".join(d["report"].values())
    print(json.dumps(to_jsonable(d), indent=2) if args.json else text)
    return 0


def _log_text(d: dict) -> str:
    """The readable output of ``eqtools verify --log``."""
    from . import _format as F

    m = d["memory_one"]
    lines = [f"log {d['source']}: {d['matches']} matches, {d['decisions']} decisions; game {d['game']}",
             f"memory-one estimate (posterior mean, {100 * m['level']:g}% credible interval, decisions):"]
    rows = [[name, F.num(mu, 3), f"[{F.num(lo, 3)}, {F.num(hi, 3)}]", F.num(c + k)]
            for name, mu, lo, hi, c, k in zip(("p0", "p_CC", "p_CD", "p_DC", "p_DD"), m["mean"], m["lower"], m["upper"],
                                              m["cooperations"], m["defections"])]
    lines.append(F.table(["context", "P(C)", "interval", "decisions"], rows, indent="  "))
    lines.append("memory order: " + d["selection"]["description"])
    z = d["zd"]
    chi = z["chi"]
    chi_text = (f"chi [{F.num(chi[0], 3)}, {F.num(chi[2], 3)}] (median {F.num(chi[1], 3)})" if z["p_zd"] >= 0.05
                else "no chi: fewer than 5% of the posterior draws are ZD")
    lines.append(f"ZD fit of the posterior mean: {z['point']['description']}; P(residual <= {F.num(z['tol'])}) = "
                 f"{F.num(z['p_zd'], 3)}; {chi_text}")
    if d["history_blind"]:
        lines.append(d["history_blind"])
    mix = d["mixture"]
    if mix is not None:
        rows = [[n, f"{v['share']:.3f}", f"{v['se']:.3f}"] for n, v in mix["strategies"].items()]
        lines.append(f"strategy mixture (Dal Bo-Frechette; unit {mix['unit']}, {mix['units']} units, "
                     f"{mix['bootstrap']} bootstrap resamples); tremble {F.num(mix['epsilon'], 3)} ± {F.num(mix['epsilon_se'], 3)}:")
        lines.append(F.table(["strategy", "share", "s.e."], rows, indent="  "))
        for grp in mix["indistinguishable"]:
            lines.append("  indistinguishable on these data: " + " = ".join(grp))
    if d["by_coplayer"]:
        lines.append("per co-player:")
        rows = [[k, F.num(v["matches"]), F.vec(v["memory_one"]["mean"], 2), v["selection"]["description"]]
                for k, v in d["by_coplayer"].items()]
        lines.append(F.table(["co-player", "matches", "memory-one estimate", "memory order"], rows, indent="  "))
    return "\n".join(lines)


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
        if a.get("history_blind"):
            lines.append(f"{a['name']}: {a['history_blind']}")
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


def _regret(args, agents, meta, out: Path, temperatures: str, noise: float) -> dict:
    """The in-context regret section: per agent and temperature, mean regret per co-player group."""
    from eqtools.errors import ParameterError
    from learners.verification import regret_section

    try:
        temps = [float(t) for t in str(temperatures).split(",") if t.strip()]
    except ValueError:
        raise ParameterError(f"--temperatures must be numbers like 1,0, got {temperatures!r}") from None
    if args.regret_draws < 2 or args.regret_matches < 2:
        raise ParameterError("--regret-draws and --regret-matches must be at least 2 (or --regret-draws 0 to skip)")
    held = None
    if args.heldout is not None:
        try:
            held = [[float(x) for x in h.split(",")] if "," in h else h for h in args.heldout]
        except ValueError:
            raise ParameterError(f"--heldout vectors must be five numbers like 1,1,0,1,0.5, got {args.heldout!r}") from None
    gamma = None
    if args.regret_gamma is not None:
        from solvers.payoffs import check_gamma

        gamma = check_gamma(args.regret_gamma)
    return regret_section(agents, out, meta["game"], n=meta["horizon"], draws=args.regret_draws, matches=args.regret_matches,
                          seed=args.seed, heldout=held, temperatures=temps, noise=noise, gamma=gamma)
