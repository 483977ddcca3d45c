"""Command line for PPI: ``eqtools train ppi ...``.

:mod:`eqtools.cli.train` hooks it under the ``train`` sub-command with :func:`add_ppi_parser`
(moved here from ``learners/ppi/cli.py``, which re-exports it for one release).

``--mode pool`` trains two PPI learners in the mixed pool (or an ablation: ``--ablation
no-tabular`` or ``--ablation opponent-id``);
``--mode mechanism`` runs the paper's Figure-2 chain (step 1 tabular-only -> Fixed-ICL, step 2
fresh learners vs the Fixed-ICL, step 3 the two extortioners vs each other), saving each stage's
agents and curves.  Re-running with the same ``--out`` resumes from the checkpoints.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._args import add_game_arg, add_output_args

__all__ = ["add_ppi_parser", "register", "build_config", "run_ppi"]

_OVERRIDES: tuple[tuple[str, type, str], ...] = (
    ("seed", int, "random seed (default 0)"),
    ("seeds", int, "independent seeds seed, seed+1, ... run together in one process, vmapped (default 1); "
                   "each gives the numbers of its one-seed run"),
    ("phases", int, "number of phases"),
    ("episodes", int, "new trajectories per learner per phase"),
    ("pretrain_games", int, "pretraining episodes per learner"),
    ("hidden", int, "GRU hidden units"),
    ("embed", int, "embedding size per modality"),
    ("horizon", int, "rounds per episode (default 100)"),
    ("epochs", int, "training epochs per phase (first phase when --no-reinit)"),
    ("batch_size", int, "training batch size (episodes)"),
    ("lr", float, "AdamW learning rate"),
    ("weight_decay", float, "AdamW weight decay"),
    ("beta", float, "inverse temperature on Q_hat (sum of raw payoffs over the rollout horizon)"),
    ("n_rollouts", int, "Monte Carlo rollouts per action"),
    ("rollout_horizon", int, "rounds simulated ahead in the model"),
    ("tabular_share", float, "share of episodes against tabular agents (default 0.5)"),
    ("eval_episodes", int, "episodes per evaluation co-player"),
    ("noise", float, "execution errors: every intended action, of the learners and of their co-players, flips C<->D "
                     "with this probability, in [0, 0.5] (default 0: none)"),
)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="smoke", choices=("smoke", "cpu", "paper"), help="scale preset (default smoke)")
    p.add_argument("--mode", default="pool", choices=("pool", "mechanism"))
    p.add_argument("--ablation", default="none", choices=("none", "no-tabular", "opponent-id"),
                   help="no-tabular: learners only meet each other; opponent-id: the model also reads the "
                        "co-player's opponent-ID vector z (mode pool only)")
    p.add_argument("--mechanism-phases", default=None, help="phases of steps 1,2,3 (mode mechanism), e.g. 6,6,4")
    p.add_argument("--fixed-icl", default=None, metavar="PATH|SPEC",
                   help="mode mechanism: skip step 1 and use this Fixed-ICL: a saved PPI agent (e.g. an earlier run's "
                        "fixed_icl.pkl), 'bayes' / 'bayes:RULE[:DEPTH]' (the Bayesian in-context learner under the "
                        "U(0,1)^5 prior) or 'memory-one:NAME|P0,PCC,PCD,PDC,PDD'; --mechanism-phases must then "
                        "start with 0. Recorded in --out/fixed_icl.json; resuming with another one is refused")
    for name, typ, help_ in _OVERRIDES:
        p.add_argument("--" + name.replace("_", "-"), type=typ, default=None, help=help_)
    add_game_arg(p, None, help="game preset (default paper)")
    p.add_argument("--tabular", default=None, help="'uniform' or comma-separated strategy names (e.g. ALLC,TFT)")
    p.add_argument("--reinit", dest="reinit", action="store_true", default=None, help="re-initialise the model every phase (paper)")
    p.add_argument("--no-reinit", dest="reinit", action="store_false", help="continue the model between phases")
    add_output_args(p, out_help="output directory (default runs/ppi_<preset>_<mode>)", json_help=None)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--fresh", action="store_true", help="ignore existing checkpoints in --out")
    p.set_defaults(func=run_ppi)


def add_ppi_parser(train_subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``ppi`` sub-command to the sub-parsers of ``eqtools train``; returns its parser."""
    p = train_subparsers.add_parser(
        "ppi",
        help="Predictive Policy Improvement: sequence model as world model and policy prior",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(p)
    return p


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Stand-alone alternative: add ``train-ppi`` (same arguments) to a top-level sub-parser set."""
    p = subparsers.add_parser("train-ppi", help="train PPI learners (same as 'train ppi')", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return p


def build_config(args: argparse.Namespace) -> Any:
    """The :class:`learners.ppi.config.PPIConfig` described by parsed arguments."""
    from learners.ppi.config import preset_config

    over: dict[str, Any] = {"ablation": args.ablation}
    for name, _, _ in _OVERRIDES:
        v = getattr(args, name)
        if v is not None:
            over[name] = v
    if args.game is not None:
        over["game"] = args.game
    if args.tabular is not None:
        over["tabular"] = "uniform" if args.tabular == "uniform" else tuple(s.strip() for s in args.tabular.split(",") if s.strip())
    if args.reinit is not None:
        over["reinit"] = bool(args.reinit)
    return preset_config(args.preset, **over)


def run_ppi(args: argparse.Namespace) -> int:
    """Entry point of ``eqtools train ppi``."""
    from pathlib import Path

    from eqtools.errors import ParameterError
    from eqtools.io import check_output_dir, json_text
    from learners.ppi.mechanism import mechanism_summary, run_mechanism
    from learners.ppi.runner import PPIRunner

    if args.out is not None:  # refuse an unusable --out before any training
        check_output_dir(args.out, "--out")
    cfg = build_config(args)
    if args.fixed_icl is not None and args.mode != "mechanism":
        raise ParameterError("--fixed-icl is for --mode mechanism only")
    out = Path(args.out or f"runs/ppi_{args.preset}_{args.mode}" + ("" if cfg.ablation == "none" else f"_{cfg.ablation}"))
    phases = None
    if args.mode == "mechanism" and args.mechanism_phases:
        try:
            phases = tuple(int(x) for x in args.mechanism_phases.split(","))
        except ValueError as exc:
            raise ParameterError(f"--mechanism-phases must be three integers like 6,6,4, got {args.mechanism_phases!r}") from exc
    # the phases that will actually run (per step in mechanism mode), not the preset's count
    if args.mode == "mechanism" and phases is None and args.fixed_icl is not None:
        phases = (0, cfg.phases, cfg.phases)
    shown = (f"phases {','.join(str(p) for p in (phases or (cfg.phases,) * 3))} (steps 1,2,3)" if args.mode == "mechanism"
             else f"{cfg.phases} phases")
    seeds = f", seeds {cfg.seed}..{cfg.seed + cfg.seeds - 1} in one process" if cfg.seeds > 1 else ""
    print(f"eqtools train ppi: preset {args.preset}, mode {args.mode}, ablation {cfg.ablation}, hidden {cfg.hidden}, "
          f"{shown} x {cfg.episodes} episodes, beta {cfg.beta}, {cfg.n_rollouts} rollouts x "
          f"{cfg.rollout_horizon} rounds{seeds} -> {out}")
    if args.mode == "mechanism":
        runners = run_mechanism(cfg, out, phases=phases, progress=not args.no_progress, resume=not args.fresh,
                                fixed_icl=args.fixed_icl)
        summ = mechanism_summary(runners)
        (out / "mechanism_summary.json").write_text(json_text(summ, indent=1))
        if not args.no_plots:
            _mechanism_plots(runners, summ, out)
        print(json.dumps(summ))
        return 0
    r = PPIRunner(cfg, out, label=cfg.ablation).run(progress=not args.no_progress, resume=not args.fresh)
    if not args.no_plots:
        from learners.ppi.plots import plot_phases, plot_rounds

        views = {cfg.ablation: r} if cfg.seeds == 1 else {f"{cfg.ablation} seed {v.cfg.seed}": v for v in r.per_seed}
        plot_phases({k: v.phases_dataset() for k, v in views.items()}, out / "phases.png")
        plot_rounds({k: v.rounds_dataset() for k, v in views.items()}, out / "rounds.png")
    s = r.summary()
    short = {"last_phase": {k: s["last_phase"][k] for k in ("coop_pair", "reward_pair", "coop_tab", "reward_tab")},
             "eval_reward": {o: v["reward"] for o, v in s["eval"].items()}, "wall_s": s["wall_s"]}
    if cfg.seeds > 1:  # means over seeds above; each seed's numbers in out/seed<seed>/summary.json
        short = {"seeds": s["seeds"], "mean_over_seeds": short,
                 "eval_reward_per_seed": [{o: v["reward"] for o, v in x["eval"].items()} for x in s["per_seed"]]}
    print(json.dumps(short))
    return 0


def _mechanism_plots(runners: dict[str, Any], summ: dict[str, Any], out: Any) -> None:
    """mechanism.png, phases.png and rounds.png of a chain; with several seeds one mechanism plot
    per seed (mechanism_seed<seed>.png) and every seed's curves in phases.png / rounds.png."""
    from learners.ppi.plots import plot_mechanism, plot_phases, plot_rounds

    n = runners["step2"].n_seeds
    seeds = summ.get("seeds", [None])
    for s in range(n):
        v = {k: r.per_seed[s] for k, r in runners.items()}
        name = "mechanism.png" if n == 1 else f"mechanism_seed{seeds[s]}.png"
        plot_mechanism(v["step1"].rounds_dataset() if "step1" in v else None, v["step2"].phases_dataset(),
                       v["step3"].phases_dataset(), summ if n == 1 else summ["per_seed"][s], out / name)
    tag = (lambda s: "") if n == 1 else (lambda s: f" seed {seeds[s]}")
    plot_phases({k + tag(s): r.per_seed[s].phases_dataset() for k, r in runners.items() for s in range(n)}, out / "phases.png")
    plot_rounds({k + tag(s): r.per_seed[s].rounds_dataset() for k, r in runners.items() for s in range(n)}, out / "rounds.png")
