"""The ``eqtools`` command line.

Each command group lives in its own module of this package and exposes
``register(subparsers)`` which adds its sub-parser(s) and sets ``func`` on them.
The CLI sits on top of every package and may import any of them (lazily, so
``eqtools --help`` stays fast).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..errors import EqtoolsError

#: Modules of this package that register command groups, in help order.
COMMAND_MODULES: tuple[str, ...] = ("tournament", "solve", "train", "shaping", "verify", "evolve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eqtools",
        description="Exact solvers and JAX learners for iterated games.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod_name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{mod_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{mod_name}":
                continue  # command group not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc = args.func(args)
    except EqtoolsError as exc:
        print(f"eqtools: error: {exc}", file=sys.stderr)
        return 2
    return int(rc or 0)
