"""Deprecated path: moved to :mod:`solvers.bimatrix.meta_game` (issue 23); this re-export goes after
one release.  Import from :mod:`solvers.bimatrix.meta_game` (or :mod:`solvers.bimatrix`) instead.
"""

from __future__ import annotations

from .bimatrix.meta_game import (  # noqa: F401
    COMPLETE_METHOD,
    MetaGameAnalysis,
    MetaGameNash,
    _analyse,
    _enumerate,
    _estimate,
    _from_complete,
    analyse_matrix,
    analyse_tournament,
    meta_game_equilibria,
)

__all__ = ["MetaGameNash", "MetaGameAnalysis", "meta_game_equilibria", "analyse_tournament", "analyse_matrix"]
