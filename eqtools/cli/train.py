"""``eqtools train``: ``a2c`` (two GRU A2C learners in the mixed pool, or an ablation; this
module) and ``ppi`` (:mod:`eqtools.cli.train_ppi`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._args import add_game_arg, add_noise_arg, add_output_args
from .train_ppi import add_ppi_parser


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train JAX learners", description="Train JAX sequence-model learners.")
    tsub = t.add_subparsers(dest="learner", metavar="LEARNER")
    add_ppi_parser(tsub)
    add_a2c_parser(tsub)
    t.set_defaults(func=lambda args: (t.print_help(), 2)[1])


def add_a2c_parser(tsub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``a2c`` sub-command to the sub-parsers of ``eqtools train``; returns its parser."""
    a = tsub.add_parser(
        "a2c",
        help="two decentralised GRU A2C learners in the mixed co-player pool",
        description=(
            "Train two GRU A2C learners (own parameters and optimiser each) in the mixed pool of "
            "learning and U(0,1)^5 tabular co-players, or an ablation. Several seeds run in one "
            "process (vmap; sharded over JAX devices when there are several). Re-running with the "
            "same --out resumes from the checkpoint."
        ),
    )
    a.add_argument("--preset", default="smoke", choices=("smoke", "cpu", "paper"), help="scale preset (default smoke)")
    a.add_argument("--ablation", default="none", choices=("none", "opponent-id", "no-tabular"))
    a.add_argument("--seeds", type=int, default=None, help="number of seeds trained together")
    a.add_argument("--seed", type=int, default=None, help="first seed (default 0)")
    a.add_argument("--iterations", type=int, default=None)
    a.add_argument("--batch", type=int, default=None, help="episodes per learner per iteration")
    a.add_argument("--hidden", type=int, default=None, help="GRU hidden units")
    a.add_argument("--horizon", type=int, default=None, help="rounds per episode (default 100)")
    a.add_argument("--tabular-share", type=float, default=None, help="share of episodes vs tabular agents (default 0.5)")
    a.add_argument("--tabular", default=None,
                   help="tabular co-players: 'uniform' (U(0,1)^5 per episode) or comma-separated names drawn with "
                        "equal weight, e.g. ALLD or TFT; 'uniform' may be one of them (uniform,uniform,uniform,TFT: "
                        "TFT in a quarter of the tabular episodes); or 'prior:SPEC', fresh draws from a training prior: "
                        "prior:recip-W (U(0,1)^5 mixed with reciprocators, weight W), prior:partial-W, prior:tilt-K, "
                        "prior:extort-W (learners.coplayers.prior_from_spec)")
    a.add_argument("--sampler", default=None, choices=("uniform", "regret"),
                   help="tabular co-players: 'uniform' = fresh U(0,1)^5 draws (default, the paper's); 'regret' = "
                        "regret-prioritised draws from a refreshed buffer of U(0,1)^5 candidates (learners.prioritised; "
                        "in mode mechanism: step 1), importance-weighted unless --no-importance-weights")
    for name, typ, help_ in (("buffer", int, "candidates per learner (default 4096)"),
                             ("refresh", int, "candidates replaced by fresh draws per iteration (default 64)"),
                             ("alpha", float, "priority exponent (default 1)"),
                             ("floor", float, "added to the regret estimate (default 0.02)"),
                             ("mix", float, "share of uniform draws from the buffer (default 0.2; weights <= 1/mix)"),
                             ("ema", float, "weight of a new batch in a candidate's regret estimate (default 0.5)"),
                             ("init", float, "initial regret estimate of every candidate (default 1)")):
        a.add_argument(f"--sampler-{name}", type=typ, default=None, help=f"--sampler regret: {help_}")
    a.add_argument("--no-importance-weights", action="store_true",
                   help="--sampler regret: train on the prioritised distribution itself (no importance weights)")
    add_game_arg(a, None, help="game preset (default paper)")
    a.add_argument("--table2-step", type=int, default=None, choices=(1, 2, 3, 4),
                   help="use the paper's Table 2 A2C settings of this step (batch included)")
    a.add_argument("--lr", type=float, default=None)
    add_noise_arg(a, help="execution errors: every intended action, of the learners and of their co-players, flips C<->D "
                          "with this probability, in [0, 0.5] (default 0: none)")
    a.add_argument("--entropy", type=float, default=None, help="entropy coefficient")
    a.add_argument("--reward-scale", type=float, default=None)
    a.add_argument("--gae-lambda", type=float, default=None)
    a.add_argument("--eval-every", type=int, default=None)
    a.add_argument("--eval-episodes", type=int, default=None, help="episodes per co-player in evaluation")
    a.add_argument("--embed", type=int, default=None, help="per-modality embedding size")
    add_output_args(a, out_help="output directory (default runs/a2c_<preset>_<ablation>)",
                    json_help="print the final summary as JSON instead of a table")
    a.add_argument("--no-progress", action="store_true")
    a.add_argument("--no-plots", action="store_true")
    a.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in --out")
    a.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock budget (per step in mechanism mode): stop early, evaluate and write results (resumable)")
    a.add_argument("--init-from", default=None,
                   help="start from the parameters of another run's checkpoint (same sizes and seeds; fresh Adam)")
    a.add_argument("--mode", default="pool", choices=("pool", "mechanism"),
                   help="pool: the mixed pool / ablation; mechanism: the paper's Figure-4 chain (step 1 tabular only -> "
                        "Fixed-ICL, step 2 fresh learners vs the Fixed-ICL, step 3 the two step-2 learners vs each other; "
                        "Table 2 settings per step)")
    a.add_argument("--mechanism-iterations", default=None,
                   help="iterations of steps 1,2,3 (mode mechanism), e.g. 1500,1500,1500; 0 skips a step "
                        "(2500,0,0 = step 1 alone; 0,1500,1500 = steps 2-3 on the step 1 already in --out)")
    a.add_argument("--fixed-icl", default=None, metavar="SPEC",
                   help="mode mechanism: the Fixed-ICL of step 2 instead of step 1's learner 1: 'bayes' (the Bayesian "
                        "in-context learner under the U(0,1)^5 prior), 'bayes:RULE' or 'bayes:RULE:DEPTH', or "
                        "'memory-one:NAME' / 'memory-one:P0,PCC,PCD,PDC,PDD'; step 1 is not run, so "
                        "--mechanism-iterations must start with 0 (e.g. 0,1500,1500)")
    a.add_argument("--hyper", default=None,
                   help="mode mechanism: per-step A2C settings on top of Table 2, e.g. "
                        "'1:entropy_coef=0.01,reward_scale=0.02;3:lr=0.003' (--lr/--entropy/--reward-scale/--gae-lambda "
                        "apply to every step)")
    a.set_defaults(func=_run_a2c)
    return a


def build_config(args: argparse.Namespace) -> Any:
    """The :class:`learners.a2c.config.TrainConfig` described by parsed CLI arguments."""
    from dataclasses import replace

    from learners.a2c import TABLE2_STEPS, table2
    from learners.a2c.config import preset_config

    over: dict[str, Any] = {"ablation": args.ablation}
    for name in ("seeds", "seed", "iterations", "batch", "hidden", "embed", "horizon", "game", "eval_every", "eval_episodes",
                 "noise"):
        v = getattr(args, name)
        if v is not None:
            over[name] = v
    if args.init_from is not None:
        over["init_from"] = str(args.init_from)
    if args.tabular_share is not None:
        over["tabular_share"] = args.tabular_share
    if args.tabular is not None:
        over["tabular"] = (args.tabular.strip() if args.tabular.strip() == "uniform" or args.tabular.strip().startswith("prior:")
                           else tuple(s.strip() for s in args.tabular.split(",") if s.strip()))
    sampler = _sampler(args)
    if sampler is not None:
        over["sampler"] = sampler
    hyper: dict[str, Any] = {}
    for name, field in (("lr", "lr"), ("entropy", "entropy_coef"), ("reward_scale", "reward_scale"), ("gae_lambda", "gae_lambda")):
        v = getattr(args, name)
        if v is not None:
            hyper[field] = v
    if args.table2_step is not None:
        base = table2(args.table2_step)
        over["hyper"] = replace(base, **hyper)
        over.setdefault("batch", TABLE2_STEPS[args.table2_step]["batch"])
    elif hyper:
        over["hyper"] = hyper
    return preset_config(args.preset, **over)


_SAMPLER_FLAGS = {"buffer": "buffer", "refresh": "refresh", "alpha": "alpha", "floor": "floor", "mix": "mix", "ema": "ema",
                  "init": "init_regret"}


def _sampler(args: argparse.Namespace) -> Any:
    """The :class:`learners.prioritised.RegretSampler` of the ``--sampler*`` flags (None: uniform)."""
    from eqtools.errors import ParameterError

    given = {f: getattr(args, f"sampler_{n}") for n, f in _SAMPLER_FLAGS.items() if getattr(args, f"sampler_{n}") is not None}
    if getattr(args, "sampler", None) != "regret":
        extra = [f"--sampler-{n}" for n, f in _SAMPLER_FLAGS.items() if f in given]
        extra += ["--no-importance-weights"] if getattr(args, "no_importance_weights", False) else []
        if extra:
            raise ParameterError(f"{', '.join(extra)} only apply to --sampler regret")
        return None
    from learners.prioritised import RegretSampler

    return RegretSampler(**given, weights=not args.no_importance_weights)


def _run_a2c(args: argparse.Namespace) -> int:
    from pathlib import Path

    from learners.a2c.trainer import Trainer

    if args.max_minutes is not None and not args.max_minutes > 0:
        from eqtools.errors import ParameterError

        raise ParameterError(f"--max-minutes must be positive, got {args.max_minutes}")
    from eqtools.io import check_output_dir

    cfg = build_config(args)
    if args.mode == "mechanism":
        return _run_mechanism(args, cfg)
    if args.fixed_icl is not None:
        from eqtools.errors import ParameterError

        raise ParameterError("--fixed-icl is for --mode mechanism only (it replaces step 1's Fixed-ICL in step 2)")
    out = check_output_dir(Path(args.out or f"runs/a2c_{args.preset}_{args.ablation}"), "--out")
    tr = Trainer(cfg, out)
    print(f"eqtools train a2c: preset {args.preset}, ablation {cfg.ablation}, {cfg.seeds} seed(s) on "
          f"{tr.n_devices} device(s), batch {cfg.batch}, hidden {cfg.hidden}, {cfg.iterations} iterations -> {out}")
    tr.run(progress=not args.no_progress, resume=not args.fresh,
           max_seconds=None if args.max_minutes is None else 60.0 * args.max_minutes)
    s = tr.summary()
    if not args.no_plots:
        from learners.a2c.plots import plot_eval, plot_rounds, plot_training

        runs = {cfg.ablation: tr.metrics_dataset()}
        plot_training(runs, out / "training.png", window=max(1, min(100, tr.iteration // 20)))
        plot_rounds({cfg.ablation: tr.rounds_dataset()}, out / "rounds.png")
        plot_eval({cfg.ablation: tr.eval_dataset()}, out / "eval.png")
    short = {"coop_ll": s["train"]["coop_ll"], "reward_tab": s["train"]["reward_tab"],
             "eval_reward": {o: v["reward"] for o, v in s["eval"].items()}, "wall_s": s["wall_s"]}
    print(json.dumps(short) if args.json else _a2c_table(s))
    return 0


def _a2c_table(s: dict[str, Any]) -> str:
    """Readable end-of-run summary: one row per seed and learner."""
    from . import _format as F

    opps = list(s["eval"])
    rows = []
    for i, seed in enumerate(s["seeds"]):
        for j in range(2):
            rows.append([str(seed), str(j + 1), F.num(s["train"]["coop_ll"][i][j], 3), F.num(s["train"]["reward_tab"][i][j], 3)]
                        + [F.num(s["eval"][o]["reward"][i][j], 3) for o in opps])
    head = (f"{s['iterations']} of {s['iterations_planned']} iterations, {s['wall_s']} s"
            + (" (stopped by the time budget)" if s.get("stopped_by_time_budget") else "")
            + f"; training columns: mean of the last {s['train_tail_iterations']} iterations")
    return head + "\n" + F.table(["seed", "learner", "coop vs learner", "reward vs tabular"]
                                  + [f"eval reward vs {o}" for o in opps], rows)


def _run_mechanism(args: argparse.Namespace, cfg: Any) -> int:
    from pathlib import Path

    from eqtools.errors import ParameterError
    from learners.a2c.mechanism import mechanism_summary, parse_hyper, run_mechanism

    if args.table2_step is not None:
        raise ParameterError("--table2-step does not apply to --mode mechanism (each step uses its own Table 2 settings)")
    # --lr/--entropy/--reward-scale/--gae-lambda apply to every step (on top of its Table 2 settings); --hyper per step
    common = {f: getattr(args, a) for a, f in (("lr", "lr"), ("entropy", "entropy_coef"), ("reward_scale", "reward_scale"),
                                              ("gae_lambda", "gae_lambda")) if getattr(args, a) is not None}
    per_step = parse_hyper(args.hyper)
    hyper = {k: {**common, **per_step.get(k, {})} for k in (1, 2, 3) if common or k in per_step}
    its = (cfg.iterations,) * 3
    if args.mechanism_iterations:
        try:
            its = tuple(int(x) for x in args.mechanism_iterations.split(","))
        except ValueError:
            raise ParameterError(f"--mechanism-iterations must be three integers like 1500,1500,1500, "
                                 f"got {args.mechanism_iterations!r}") from None
    from eqtools.io import check_output_dir

    if len(its) != 3 or any(i < 0 for i in its) or not any(its):
        raise ParameterError(f"--mechanism-iterations must be three non-negative integers like 1500,1500,1500 "
                             f"(0 skips a step whose output is already in --out), got {args.mechanism_iterations!r}")
    if args.fixed_icl is not None:
        from learners.coplayers import normalise_fixed_icl

        spec = normalise_fixed_icl(args.fixed_icl, cfg.game)  # a bad spec fails before any training
        if not args.mechanism_iterations:
            its = (0, cfg.iterations, cfg.iterations)
        elif its[0] != 0:
            raise ParameterError(f"--fixed-icl {args.fixed_icl} replaces step 1, so --mechanism-iterations must start with 0 "
                                 f"(e.g. 0,1500,1500), got {args.mechanism_iterations}")
        if not its[1] and not its[2]:
            raise ParameterError("--fixed-icl needs step 2 (or step 3) iterations")
    out = check_output_dir(Path(args.out or f"runs/a2c_{args.preset}_mechanism"), "--out")
    budget = None if args.max_minutes is None else [60.0 * args.max_minutes] * 3
    print(f"eqtools train a2c --mode mechanism: preset {args.preset}, {cfg.seeds} seed(s), batch {cfg.batch}, "
          f"hidden {cfg.hidden}, iterations {its} -> {out}")
    for k, h in hyper.items():
        print(f"  step {k}: Table 2 step {k} with " + ", ".join(f"{n}={v:g}" for n, v in h.items()))
    if args.fixed_icl is not None:
        print(f"  Fixed-ICL of step 2: {spec}")
    trainers = run_mechanism(cfg, out, its, hyper_overrides=hyper, progress=not args.no_progress, resume=not args.fresh,
                             max_seconds=budget, fixed_icl=None if args.fixed_icl is None else spec)
    summary = mechanism_summary(trainers)
    if not args.no_plots:
        from learners.a2c.plots import plot_mechanism

        plot_mechanism(trainers, out / "mechanism.png")
    print(json.dumps(summary))
    return 0
