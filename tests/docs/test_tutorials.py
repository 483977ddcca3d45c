"""Execute every code block of the tutorials under ``docs/tutorials/``, so the docs cannot drift.

A tutorial's fenced blocks run top to bottom in one namespace, in a fresh temporary working
directory:

* ``python`` blocks are executed as they stand (their ``assert`` lines are the checks);
* ``bash`` blocks hold ``eqtools ...`` command lines (``\\`` continuations allowed, ``#``
  comments skipped); each runs in-process through :func:`eqtools.cli.main` and must exit 0;
* ``text`` blocks are shown output and are not executed;
* a block titled ``requires MODULE`` (```` ```python title="requires torch" ````, which the site
  shows as the block's title) needs an optional extra: when ``MODULE`` cannot be imported the
  block is not run, every other block still is, and the test then reports itself *skipped* with
  that reason (never passed).

Any other fence language fails the test, so no code block can slip past unexecuted.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
REQUIRES = re.compile(r'title="requires ([A-Za-z0-9_.]+)"')
EXECUTED = {"python", "bash"}
SHOWN = {"text"}


def blocks(path: Path) -> list[tuple[str, str, int]]:
    """``(language, source, line)`` of each fenced block in a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return [(m.group(1), m.group(3), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def requirements(path: Path) -> list[str | None]:
    """Per fenced block (same order as :func:`blocks`), the module it requires, or ``None``."""
    text = path.read_text(encoding="utf-8")
    return [(REQUIRES.search(m.group(2)) or [None, None])[1] for m in FENCE.finditer(text)]


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def test_optional_blocks_are_marked():
    """The torch block of the verify-your-own-agent tutorial is the one marked as needing torch."""
    path = ROOT / "docs" / "tutorials" / "verify-your-own-agent.md"
    marked = [(src, need) for (_, src, _), need in zip(blocks(path), requirements(path)) if need]
    assert [need for _, need in marked] == ["torch"] and "import torch" in marked[0][0]
    assert not _available("no_such_module_for_eqtools_tests")


def commands(src: str) -> list[str]:
    """The command lines of a bash block, continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", src)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_tutorials_exist_and_are_in_the_nav():
    assert len(TUTORIALS) >= 6
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for t in TUTORIALS:
        assert f"tutorials/{t.name}" in nav, f"{t.name} is not in mkdocs.yml's nav"


def test_block_parser_sees_every_fence():
    # The parser must not skip blocks: count raw fences independently.
    for t in TUTORIALS:
        fences = [ln for ln in t.read_text(encoding="utf-8").splitlines() if ln.startswith("```")]
        assert len(fences) == 2 * len(blocks(t)), t.name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    cmd = 'python -m pip install -e ".[test,axelrod,pettingzoo,dask]" && python -m pytest -q'
    assert cmd in readme and cmd in ci.splitlines()


@pytest.mark.parametrize("path", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_tutorial_runs(path: Path, tmp_path, monkeypatch, capsys):
    from eqtools.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    found = blocks(path)
    langs = {lang for lang, _, _ in found}
    assert langs <= EXECUTED | SHOWN, f"{path.name}: fence language(s) {sorted(langs - EXECUTED - SHOWN)} are not executed"
    assert any(lang == "python" for lang in langs), f"{path.name} has no python block"
    # A real module, so that classes defined in a tutorial (dataclasses) can find their module.
    module = types.ModuleType(f"tutorial_{path.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    ns = module.__dict__
    skipped = []
    for (lang, src, line), need in zip(found, requirements(path)):
        where = f"{path.relative_to(ROOT)}:{line}"
        if need is not None and not _available(need):
            skipped.append(f"{where} needs {need}, which is not installed")
            continue
        if lang == "python":
            exec(compile(src, where, "exec"), ns)  # noqa: S102 - executing our own docs is the point
        elif lang == "bash":
            cmds = commands(src)
            assert cmds, f"{where}: empty bash block"
            for cmd in cmds:
                argv = shlex.split(cmd)
                assert argv[0] == "eqtools", f"{where}: only eqtools commands run here, got {cmd!r}"
                rc = main(argv[1:])
                assert rc == 0, f"{where}: {cmd!r} exited {rc}\n{capsys.readouterr().err}"
    if skipped:  # every other block ran and passed; say which did not run, and why
        pytest.skip("; ".join(skipped))


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_front_page_examples_run(page, tmp_path, monkeypatch, capsys):
    """The README's five-line example and the home page's example run and print what they say."""
    monkeypatch.chdir(tmp_path)
    py = [src for lang, src, _ in blocks(ROOT / page) if lang == "python"]
    assert py, f"{page} has no python example"
    for src in py:
        exec(compile(src, page, "exec"), {"__name__": "front_page"})  # noqa: S102
    if page == "README.md":
        out = capsys.readouterr().out.strip().splitlines()[-1]
        x, y = (float(v) for v in out.strip("()").split(","))
        assert abs(x - 3.5) < 1e-12 and abs(y - 2.25) < 1e-12, out
