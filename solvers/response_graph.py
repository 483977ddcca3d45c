"""Deprecated path: moved to :mod:`solvers.bimatrix.response_graph` (issue 23); this re-export goes
after one release.  Import from :mod:`solvers.bimatrix.response_graph` (or :mod:`solvers.bimatrix`)
instead.
"""

from __future__ import annotations

import sys

from .bimatrix.response_graph import *  # noqa: F401,F403
from .bimatrix.response_graph import __all__  # noqa: F401


def __getattr__(name: str):
    """The old module's private names (``_gth``, ``_square``, ...) as the very objects of the new one."""
    return getattr(sys.modules["solvers.bimatrix.response_graph"], name)
