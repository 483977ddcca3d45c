"""``eqtools shaping run``: train one opponent-shaping pairing and print its summary.

Not wired into :mod:`eqtools.cli` by this package; the CLI owner adds ``"shaping"`` with::

    from learners.shaping.cli import register
    register(subparsers)

Example::

    eqtools shaping run --preset cpu --learners lola,naive --game lola --gamma 0.96 --seed 0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

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
    r.add_argument("--game", default="lola", help="game preset name (default lola = LOLA's IPD payoffs)")
    r.add_argument("--gamma", type=float, default=0.96, help="discount factor (default 0.96)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--runs", type=int, default=None, help="override the number of independent runs (GRU: seeds)")
    r.add_argument("--steps", type=int, default=None, help="override training steps (exact) / iterations (sample)")
    r.add_argument("--lr", type=float, default=None, help="override the learning rate")
    r.add_argument("--eta", type=float, default=None, help="override LOLA's correction rate (exact learners)")
    r.add_argument("--beta", type=float, default=None, help="override Advantage Alignment's beta (aa)")
    r.add_argument("--noise", type=float, default=None,
                   help="execution errors: each intended action of either player flips C<->D with this probability, "
                        "in [0, 0.5] (default 0: none; exact learners: the exact noisy values)")
    r.add_argument("--out", type=Path, default=None, help="also write the summary JSON here")
    r.set_defaults(func=cmd_run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_run(args: argparse.Namespace) -> int:
    """Run the ``shaping run`` command."""
    from eqtools.errors import ParameterError

    from .exact import RULES
    from .runner import GRU_LEARNERS, make_config, parse_learners, run_pair, summarise

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
    if args.noise is not None:
        over["noise"] = args.noise
    cfg = make_config(pair, preset_name=args.preset, game=args.game, gamma=args.gamma, seed=args.seed, **over)
    summary = summarise(run_pair(cfg))
    text = json.dumps(summary, indent=2, default=float)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0
