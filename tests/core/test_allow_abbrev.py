"""Abbreviated long options are refused everywhere (issue 21, item 4).

With argparse's default ``allow_abbrev=True``, ``eqtools solve nash --n 100`` was silently read
as ``--noise 100``.  Every parser of the CLI (walked from ``build_parser``) must refuse
abbreviations, and every ``argparse.ArgumentParser(...)`` in the studies and benchmarks must
pass ``allow_abbrev=False``.
"""

from __future__ import annotations

import argparse
import ast
import pathlib

import pytest

from eqtools.cli import EXIT_USAGE, build_parser, main

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _walk(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _walk(child)


def test_every_cli_parser_refuses_abbreviations():
    parsers = list(_walk(build_parser()))
    assert len(parsers) >= 15  # the walk reached the sub-commands
    lax = [p.prog for p in parsers if p.allow_abbrev]
    assert lax == []


@pytest.mark.parametrize("argv", [
    ["solve", "nash", "--pair", "TFT", "TFT", "--n", "100"],     # was --noise 100
    ["solve", "nash", "--pair", "TFT", "TFT", "--hor", "100"],   # prefix of --horizon
    ["payoff", "TFT", "TFT", "--nois", "0.1"],
])
def test_abbreviated_options_are_refused(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code
    assert rc == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and argv[-2] in err


def test_full_option_names_still_work(capsys):
    assert main(["payoff", "TFT", "TFT", "--noise", "0.1", "-n", "10", "--json"]) in (0, None)


def _argument_parser_calls(path: pathlib.Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "ArgumentParser":
                yield node


def test_study_and_benchmark_parsers_pass_allow_abbrev_false():
    files = sorted((ROOT / "studies").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    seen, lax = 0, []
    for f in files:
        for call in _argument_parser_calls(f):
            seen += 1
            kw = {k.arg: k.value for k in call.keywords}
            if not (isinstance(kw.get("allow_abbrev"), ast.Constant) and kw["allow_abbrev"].value is False):
                lax.append(f"{f.relative_to(ROOT)}:{call.lineno}")
    assert seen >= 10
    assert lax == []
