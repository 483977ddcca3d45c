"""The layering rule of docs/solvers.md as a test: imports flow one way,
``eqtools`` <- ``solvers`` <- ``learners`` <- {``studies``, the CLI ``eqtools/cli``}; nothing imports
``studies`` (except studies) or ``benchmarks`` (except benchmarks); no module-level import circle."""

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
#: Which layers each layer may import (its own included).
ALLOWED = {"core": {"core"}, "solvers": {"core", "solvers"}, "learners": {"core", "solvers", "learners"},
           "cli": {"core", "solvers", "learners", "cli"}, "studies": {"core", "solvers", "learners", "studies"},
           "benchmarks": {"core", "solvers", "learners", "cli", "benchmarks"}}

#: Re-export shims of code moved up into the CLI (issue 23: every parser under ``eqtools/cli/``),
#: kept for one release.  The only modules that may import upwards, and only from their new home;
#: they hold nothing but imports (test_shims_only_reexport).  Remove an entry with its shim.
SHIMS = {"learners.ppi.cli": "eqtools.cli.train_ppi", "learners.shaping.cli": "eqtools.cli.shaping"}


def layer(mod: str) -> str | None:
    top = mod.split(".")[0]
    if mod.startswith(("eqtools.cli", "eqtools.__main__")):
        return "cli"
    return {"eqtools": "core", "_machine": "benchmarks"}.get(top, top if top in ALLOWED else None)


def imports(root: Path):
    """``(module, imported module, line)`` for every import in the five top-level folders."""
    for f in sorted(root.glob("*/**/*.py")):
        parts = list(f.relative_to(root).with_suffix("").parts)
        if layer(parts[0]) is None:
            continue
        pkg = parts[:-1]  # the package that relative imports start from (the same for an __init__)
        mod = ".".join(pkg if parts[-1] == "__init__" else parts)
        for n in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(n, ast.Import):
                yield from ((mod, a.name, n.lineno) for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = ".".join(pkg[: len(pkg) - n.level + 1] + [n.module or ""]).strip(".") if n.level else n.module
                yield from ((mod, f"{base}.{a.name}", n.lineno) for a in n.names)  # a module or a name in one


def violations(root: Path) -> list[str]:
    out = []
    for mod, target, line in imports(root):
        src, dst = layer(mod), layer(target)
        if mod in SHIMS and target.startswith(SHIMS[mod] + "."):
            continue
        if dst is not None and dst not in ALLOWED[src]:
            out.append(f"{mod}:{line} ({src}) imports {target} ({dst})")
    return out


def circles(root: Path) -> list[list[str]]:
    """Module-level import circles (imports inside functions included; package ``__init__`` re-exports
    of a package's own submodules are not circles)."""
    names = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__") for p in root.glob("*/**/*.py")}
    g = nx.DiGraph()
    for mod, target, _ in imports(root):
        while target and target not in names:
            target = target.rpartition(".")[0]
        if target and target != mod and not mod.startswith(target + "."):
            g.add_edge(mod, target)
    return [c for c in nx.simple_cycles(g) if len(c) > 1]


def test_tree_keeps_the_layering():
    assert violations(ROOT) == []


def test_no_import_circles():
    assert circles(ROOT) == []


def test_shims_only_reexport():
    for mod in SHIMS:
        tree = ast.parse((ROOT / (mod.replace(".", "/") + ".py")).read_text())
        for n in tree.body:
            doc = isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
            names = isinstance(n, ast.Assign) and [getattr(t, "id", None) for t in n.targets] == ["__all__"]
            assert isinstance(n, (ast.Import, ast.ImportFrom)) or doc or names, f"{mod}:{n.lineno} is not a re-export"


def test_checker_catches_planted_violations(tmp_path):
    plant = {"eqtools/x.py": "from solvers import y\n", "solvers/y.py": "import learners.z\n",
             "learners/z.py": "from studies.s import f\n", "eqtools/cli/c.py": "from studies import s\n",
             "studies/s.py": "from benchmarks._machine import machine\n", "learners/ok.py": "from solvers.y import g\n",
             "solvers/w/__init__.py": "from ...learners import z\n", "studies/t.py": "import studies.u\n",
             "studies/u.py": "from . import t\n"}
    for path, text in plant.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    found = violations(tmp_path)
    assert [v.split(":")[0] for v in found] == ["eqtools.cli.c", "eqtools.x", "learners.z", "solvers.w", "solvers.y",
                                                "studies.s"], found
    assert sorted(map(sorted, circles(tmp_path))) == [["studies.t", "studies.u"]]
