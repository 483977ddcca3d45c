"""studies package: reproducible experiment scripts (``python -m studies.<name>``).

Every study writes run directories and small artifacts under ``runs/`` (git-ignored) by default;
committing a result under ``studies/results/`` is a deliberate ``--results``/``--out`` choice.
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence


def cli_entry(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run a study's ``main`` and turn an :class:`eqtools.errors.EqtoolsError` into a one-line
    ``error:`` message and exit status 2 (as the ``eqtools`` CLI does), not a traceback."""
    from eqtools.errors import EqtoolsError

    try:
        return main(argv)
    except EqtoolsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
