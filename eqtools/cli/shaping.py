"""``eqtools shaping``: opponent-shaping baselines (naive, LOLA, Advantage Alignment)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    from learners.shaping.cli import register as _register

    _register(sub)
    # Refuse an unusable --out before training (the summary is written only at the end).
    shaping = sub.choices["shaping"]
    for action in shaping._actions:
        if isinstance(action, argparse._SubParsersAction) and "run" in action.choices:
            run = action.choices["run"]
            run.set_defaults(func=_checked_out(run.get_default("func")))


def _checked_out(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        if getattr(args, "out", None) is not None:
            from eqtools.io import check_output_path

            check_output_path(args.out, "--out")
        return func(args)

    run.__name__ = getattr(func, "__name__", "run")
    return run
