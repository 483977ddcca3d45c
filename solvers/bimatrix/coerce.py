"""Reading games: the one coercion to :class:`~eqtools.games.BimatrixGame`, the symmetric-matrix
check, and the positive affine rescaling of payoffs that the polytope methods work on.

Every algorithm in :mod:`solvers.bimatrix` reads its ``game`` argument through
:func:`as_bimatrix` (or :func:`_symmetric_matrix` for single-population methods), so bad input
raises the same :class:`~eqtools.errors.GameError` everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eqtools.errors import GameError
from eqtools.games import BimatrixGame, Game

__all__ = ["as_bimatrix"]


def as_bimatrix(game: Any) -> BimatrixGame:
    """Coerce to :class:`BimatrixGame`.

    Accepts a :class:`BimatrixGame`, a :class:`Game` (its stage game), a pair ``(A, B)``, or a
    single square matrix ``M`` read as a *symmetric* meta-game (row payoff ``M``, column payoff
    ``M.T``, e.g. a tournament matrix of row-strategy payoffs).  Non-numeric, non-finite, empty
    or mismatched payoffs raise :class:`GameError` naming the matrix.
    """
    if isinstance(game, BimatrixGame):
        return game
    if isinstance(game, Game):
        return game.bimatrix()
    if isinstance(game, tuple) and len(game) == 2:
        mats = []
        for name, M in zip(("A", "B"), game):
            try:
                mats.append(np.asarray(M, dtype=float))
            except (TypeError, ValueError) as exc:
                raise GameError(f"payoff matrix {name} is not a numeric array: {exc}") from None
        try:
            return BimatrixGame(mats[0], mats[1])
        except GameError:
            raise
        except (TypeError, ValueError) as exc:  # anything the game's own checks did not name
            raise GameError(f"cannot read a game from {type(game).__name__}: {exc}") from None
    try:
        arr = np.asarray(game, dtype=float)
    except (TypeError, ValueError) as exc:
        raise GameError(f"cannot read a bimatrix game from an object of type {type(game).__name__}: {exc}") from None
    if arr.ndim == 2:
        return BimatrixGame.symmetric(arr)
    raise GameError(f"cannot read a bimatrix game from an object of type {type(game).__name__} / shape {arr.shape}")


def _symmetric_matrix(matrix: Any, what: str = "payoff matrix", needs: str = "this method", min_size: int = 1) -> np.ndarray:
    """The row payoff matrix of a symmetric game: a :class:`BimatrixGame` with ``B = A^T`` or a
    square, finite array with at least ``min_size`` strategies (:class:`GameError` naming ``what``
    otherwise; ``needs`` names the method that needs the symmetry)."""
    if isinstance(matrix, BimatrixGame):
        if not matrix.is_symmetric():
            raise GameError(f"{needs} needs a symmetric game: B must equal A transposed")
        M = np.asarray(matrix.A)
    elif isinstance(matrix, (str, bytes)):
        raise GameError(f"{what} must be a square array of numbers, got {matrix!r}")
    else:
        try:
            M = np.asarray(matrix, dtype=float)
        except (TypeError, ValueError):
            raise GameError(f"{what} must be a square array of numbers (not ragged, no strings)") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < min_size:
        size = "non-empty" if min_size <= 1 else f"with at least {min_size} strategies"
        raise GameError(f"{what} must be square and {size}, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        bad = np.argwhere(~np.isfinite(M))[0]
        raise GameError(f"{what} has a non-finite entry at {tuple(int(i) for i in bad)}")
    return M


def _rescale(M: np.ndarray) -> np.ndarray:
    """Positive affine rescaling to entries in [1, 2] (equilibria are invariant)."""
    lo, hi = float(M.min()), float(M.max())
    span = hi - lo if hi > lo else 1.0
    return (M - lo) / span + 1.0
