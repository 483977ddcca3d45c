"""``eqtools shaping``: opponent-shaping baselines (naive, LOLA, Advantage Alignment).

``eqtools shaping run`` trains one pairing and prints its summary (moved here from
``learners/shaping/cli.py``, which re-exports :func:`register` and :func:`cmd_run` for one
release).  Example::

    eqtools shaping run --preset cpu --learners lola,naive --game lola --gamma 0.96 --seed 0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._args import add_game_arg, add_noise_arg, add_output_args

__all__ = ["register", "cmd_run"]


def register(subparsers: Any) -> None:
    """Add the ``shaping`` command group (with ``run``) to an argparse subparsers object."""
    p = subparsers.add_parser("shaping", help="opponent-shaping baselines (naive, LOLA, Advantage Alignment)")
    sub = p.add_subparsers(dest="shaping_command", metavar="SUBCOMMAND")
    r = sub.add_parser(
        "run",
        help="train one pairing of learners and print the outcome summary as JSON",
        description="Exact-gradient rules: naive, lola, la, lola_full. Sample-based memory-one: pg, ac, aa. "
        "GRU agent: gru_ac, gru_aa. Both learners must come from the same family.",
    )
    r.add_argument("--preset", default="smoke", help="scale preset: smoke, cpu or paper (default smoke)")
    r.add_argument("--learners", default="lola,lola", help="two learners, player 1 first, e.g. lola,naive")
    add_game_arg(r, "lola")
    r.add_argument("--gamma", type=float, default=0.96, help="discount factor (default 0.96)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--runs", type=int, default=None, help="override the number of independent runs (GRU: seeds)")
    r.add_argument("--steps", type=int, default=None, help="override training steps (exact) / iterations (sample)")
    r.add_argument("--lr", type=float, default=None, help="override the learning rate")
    r.add_argument("--eta", type=float, default=None, help="override LOLA's correction rate (exact learners)")
    r.add_argument("--beta", type=float, default=None, help="override Advantage Alignment's beta (aa)")
    add_noise_arg(r, help="execution errors: each intended action of either player flips C<->D with this probability, "
                          "in [0, 0.5] (default 0: none; exact learners: the exact noisy values)")
    add_output_args(r, out_type=Path, out_help="also write the summary JSON here", json_help=None)
    r.set_defaults(func=cmd_run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_run(args: argparse.Namespace) -> int:
    """Run the ``shaping run`` command."""
    from eqtools.errors import ParameterError
    from eqtools.io import check_output_path, json_text
    from learners.shaping.exact import RULES
    from learners.shaping.runner import GRU_LEARNERS, make_config, parse_learners, run_pair, summarise

    if args.out is not None:  # refuse an unusable --out before training (the summary is written at the end)
        check_output_path(args.out, "--out")
    pair = parse_learners(args.learners)
    over: dict[str, Any] = {}
    if args.runs is not None:
        over["seeds" if pair[0] in GRU_LEARNERS else "runs"] = args.runs
    if args.steps is not None:
        over["steps" if pair[0] in RULES else "iterations"] = args.steps
    if args.lr is not None:
        over["lr"] = args.lr
    if args.eta is not None:
        if pair[0] not in RULES:
            raise ParameterError("--eta applies to exact-gradient learners only")
        over["eta"] = args.eta
    if args.beta is not None:
        if pair[0] in RULES:
            raise ParameterError("--beta applies to sample-based learners (aa, gru_aa) only")
        over["aa_beta"] = args.beta
    if args.noise:
        over["noise"] = args.noise
    cfg = make_config(pair, preset_name=args.preset, game=args.game, gamma=args.gamma, seed=args.seed, **over)
    summary = summarise(run_pair(cfg))
    text = json_text(summary, indent=2, default=float)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0
