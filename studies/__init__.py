"""studies package: reproducible experiment scripts (``python -m studies.<name>``).

Every study writes run directories and small artifacts under ``runs/`` (git-ignored) by default;
committing a result under ``studies/results/`` is a deliberate ``--results``/``--out`` choice.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Sequence


def cli_entry(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run a study's ``main`` and turn an :class:`eqtools.errors.EqtoolsError` into a one-line
    ``error:`` message and exit status 2 (as the ``eqtools`` CLI does), not a traceback."""
    from eqtools.errors import EqtoolsError

    try:
        return main(argv)
    except EqtoolsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def study_dirs(conditions: Sequence[str], known: Sequence[str], runs_dir: str | Path,
               results_dir: str | Path | None) -> tuple[Path, Path]:
    """Check a study's ``conditions`` against the ``known`` ones (:class:`ParameterError` naming the
    unknown) and return ``(runs_dir, results_dir)``, the results folder (default
    ``runs_dir/results``) created."""
    from eqtools.errors import ParameterError

    bad = [c for c in conditions if c not in known]
    if bad:
        raise ParameterError(f"unknown condition(s) {bad}; choose from {known}")
    runs_dir = Path(runs_dir)
    results_dir = Path(results_dir) if results_dir is not None else runs_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    return runs_dir, results_dir


def save_figure(fig: Any, path: str | Path, title: str = "", **suptitle: Any) -> None:
    """Finish a study figure: the title (if any), tight layout, ``path`` at 110 dpi, figure closed."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title, **suptitle)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
