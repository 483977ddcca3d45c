"""The ``eqtools`` command line.

Each command group lives in its own module of this package and exposes
``register(subparsers)`` which adds its sub-parser(s) and sets ``func`` on them.
The CLI sits on top of every package and may import any of them (lazily, so
``eqtools --help`` stays fast).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from typing import Any, Sequence

from ..errors import EqtoolsError

#: Modules of this package that register command groups, in help order.
COMMAND_MODULES: tuple[str, ...] = ("tournament", "solve", "train", "shaping", "verify", "evolve")

#: Exit codes: 0 success, 2 bad input (usage errors and every EqtoolsError), 1 an unexpected
#: internal error (a bug: rerun with --debug or EQTOOLS_DEBUG=1 for the traceback), 130 Ctrl-C.
EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``eqtools solve zd: error: <message> (see 'eqtools solve zd --help')``.

    Sub-parsers inherit the class, so every command group reports usage errors the same way.
    Abbreviated long options are refused (``allow_abbrev=False`` unless a caller says otherwise):
    with abbreviations, ``solve nash --n 100`` was silently read as ``--noise 100``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="eqtools",
        description="Exact solvers and JAX learners for iterated games.",
        epilog="Exit codes: 0 success; 2 bad input (one-line 'eqtools: error: ...' on stderr); "
               "1 internal error (add --debug or set EQTOOLS_DEBUG=1 for the traceback).",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of internal errors")
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


def _missing_subcommand(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, list[str]] | None:
    """``(prog, choices)`` of the first command group that was given no sub-command, else None."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None) if action.dest != argparse.SUPPRESS else None
            if chosen is None:
                return parser.prog, sorted(action.choices)
            return _missing_subcommand(action.choices[chosen], args)
    return None


def _option_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _check_common(args: argparse.Namespace) -> str | None:
    """Checks that hold for every command: finite numbers and non-negative seeds.

    argparse's ``type=float`` accepts ``nan`` and ``inf``; no eqtools option means either, so
    they are refused here, once, for all commands.  Seeds follow one rule everywhere: integers
    >= 0 (``--seed -1`` is an error in every subcommand).
    """
    for dest, value in vars(args).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                return f"argument {_option_name(dest)}: must be a finite number, got {v}"
        if (dest == "seed" or dest.endswith("_seed")) and isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return f"argument {_option_name(dest)}: seeds must be non-negative integers, got {value}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see :data:`EXIT_USAGE` and friends) instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (code 2) and --help (code 0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    debug = bool(getattr(args, "debug", False)) or os.environ.get("EQTOOLS_DEBUG", "") not in ("", "0")
    missing = _missing_subcommand(parser, args)
    if missing is not None:
        prog, choices = missing
        print(f"{prog}: error: choose a subcommand: {', '.join(choices)} (see '{prog} --help')", file=sys.stderr)
        return EXIT_USAGE
    problem = _check_common(args)
    if problem is not None:
        print(f"eqtools: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        rc = args.func(args)
    except EqtoolsError as exc:
        if debug:
            raise
        print(f"eqtools: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("eqtools: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug: one line by default, the traceback with --debug
        if debug:
            raise
        print(f"eqtools: internal error: {type(exc).__name__}: {_one_line(exc)[:500]} "
              "(rerun with --debug or EQTOOLS_DEBUG=1 for the traceback; please report it)", file=sys.stderr)
        return EXIT_INTERNAL
    return int(rc or 0)
