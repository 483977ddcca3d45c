"""Help texts: plain text (no reStructuredText markup), and building the parser imports no JAX."""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from eqtools.cli import build_parser, plain_text


def _parsers(parser, path):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, path + [name])


def test_no_rst_markup_in_any_help():
    seen = 0
    for path, parser in _parsers(build_parser(), ["eqtools"]):
        text = parser.format_help()
        bad = re.findall(r"``|:(?:func|class|mod|meth|data|attr|ref):`|\w::\s", text)
        assert not bad, (" ".join(path), bad)
        seen += 1
    assert seen >= 15


def test_plain_text():
    assert plain_text("see :func:`solvers.x` and ``eqtools run``; Example::\n  x") == "see solvers.x and eqtools run; Example:\n  x"


def test_help_does_not_import_jax():
    code = "import sys; from eqtools.cli import build_parser; build_parser(); print('jax' in sys.modules)"
    root = str(Path(__file__).resolve().parents[2])  # this checkout, not an installed copy
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=root)
    assert out.stdout.strip() == "False"
