"""Lemke–Howson (von Stengel 2002, §3) on the best-response polytopes, and its symmetric version
(Lemke's complementary pivoting on ``{x >= 0 : M' x <= 1}``), both with lexicographic
degeneracy resolution, so every pivot is well defined and paths terminate on degenerate games
too (tournament meta-games have many exact ties).

The path followers (:func:`_lh_path`, :func:`_sym_path`) work in place on
:class:`~solvers.bimatrix.tableau._Tableau` states, so the sampler can continue paths from the
equilibria it found.
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

import numpy as np

from eqtools.errors import GameError, ParameterError
from eqtools.validation import Positive, validated

from .coerce import _rescale, _symmetric_matrix, as_bimatrix
from .tableau import _Tableau

__all__ = ["lemke_howson", "symmetric_lemke_howson"]


def _lh_path(
    P: _Tableau, Q: _Tableau, m: int, n: int, k: int, max_pivots: int, refactor_every: int, deadline: float = math.inf
) -> tuple[bool, int]:
    """Follow the Lemke–Howson path dropping label ``k`` from the current (P, Q) state (in place).

    Labels: ``0..m-1`` rows, ``m..m+n-1`` columns.  In ``P`` variable index == label (x_i then
    s_j); in ``Q`` variables are y_j (label m+j, index j) then r_i (label i, index n+i).
    Returns ``(finished, pivots)``.
    """

    def q_var(label: int) -> int:
        return n + label if label < m else label - m

    def q_label(var: int) -> int:
        return var - n if var >= n else m + var

    # the variable with label k that is nonbasic enters
    if not P.is_basic(k):
        tab, e = "P", k
    else:
        tab, e = "Q", q_var(k)
    pivots = 0
    while pivots < max_pivots:
        if pivots % 16 == 15 and time.perf_counter() > deadline:
            break
        if tab == "P":
            left = P.pivot(e, refactor_every)
            lab = left
            pivots += 1
            if lab == k:
                return True, pivots
            tab, e = "Q", q_var(lab)
        else:
            left = Q.pivot(e, refactor_every)
            lab = q_label(left)
            pivots += 1
            if lab == k:
                return True, pivots
            tab, e = "P", lab
    return False, pivots


def _lh_profile(P: _Tableau, Q: _Tableau, fresh: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    x, y = P.values(fresh), Q.values(fresh)
    if x.sum() <= 0 or y.sum() <= 0:
        return None
    return x / x.sum(), y / y.sum()


def _default_refactor(size: int) -> int:
    return 50 if size <= 200 else 100


def _is_label(label: Any, k: int) -> bool:
    """``label`` is a whole number in ``[0, k)`` (an int, or a float with an integer value)."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, float, np.integer, np.floating)):
        return False
    return math.isfinite(label) and float(label).is_integer() and 0 <= label < k


@validated
def lemke_howson(
    game: Any,
    label: int | float,
    *,
    max_pivots: Annotated[int, Positive] | None = None,
    refactor_every: Annotated[int, Positive] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lemke–Howson from the artificial equilibrium dropping ``label`` (lexicographic pivoting).

    Labels ``0..m-1`` are the row player's strategies, ``m..m+n-1`` the column player's.
    Returns ``(x, y, pivots)``, the end point with values recomputed from its basis (not yet
    verified: see :func:`verify_equilibrium`).  Raises :class:`ParameterError` for a bad label,
    :class:`ConvergenceError` if the path exceeds ``max_pivots``.
    """
    from eqtools.errors import ConvergenceError

    g = as_bimatrix(game)
    m, n = g.shape
    if not _is_label(label, m + n):
        raise ParameterError(f"label must be an integer in [0, {m + n}), got {label!r}")
    P = _Tableau(_rescale(g.B).T)
    Q = _Tableau(_rescale(g.A))
    mp = max_pivots if max_pivots is not None else 50 * (m + n) + 1000
    ok, piv = _lh_path(P, Q, m, n, int(label), mp, refactor_every or _default_refactor(m + n))
    if not ok:
        raise ConvergenceError(f"Lemke–Howson from label {label} did not finish within max_pivots={mp}")
    prof = _lh_profile(P, Q, fresh=True)
    if prof is None:
        raise GameError("Lemke–Howson ended at the artificial equilibrium (numerical trouble)")
    return prof[0], prof[1], piv


def _sym_path(T: _Tableau, n: int, k: int, max_pivots: int, refactor_every: int, deadline: float = math.inf) -> tuple[bool, int]:
    """Lemke's complementary pivoting on ``{x >= 0 : M' x <= 1}``: variables x_i (index i) and r_i
    (index n+i) both carry label i."""
    e = k if not T.is_basic(k) else n + k
    pivots = 0
    while pivots < max_pivots:
        if pivots % 16 == 15 and time.perf_counter() > deadline:
            break
        left = T.pivot(e, refactor_every)
        pivots += 1
        lab = left if left < n else left - n
        if lab == k:
            return True, pivots
        e = left + n if left < n else left - n
    return False, pivots


@validated
def symmetric_lemke_howson(
    matrix: Any, label: int | float, *, max_pivots: Annotated[int, Positive] | None = None,
    refactor_every: Annotated[int, Positive] | None = None
) -> tuple[np.ndarray, int]:
    """A symmetric equilibrium ``(x, x)`` of the symmetric game with row payoffs ``matrix`` by
    complementary pivoting from ``0`` dropping ``label`` (lexicographic).  Returns ``(x, pivots)``."""
    from eqtools.errors import ConvergenceError

    M = _symmetric_matrix(matrix)
    n = M.shape[0]
    if not _is_label(label, n):
        raise ParameterError(f"label must be an integer in [0, {n}), got {label!r}")
    T = _Tableau(_rescale(M))
    mp = max_pivots if max_pivots is not None else 50 * n + 1000
    ok, piv = _sym_path(T, n, int(label), mp, refactor_every or _default_refactor(2 * n))
    if not ok:
        raise ConvergenceError(f"symmetric Lemke–Howson from label {label} did not finish within max_pivots={mp}")
    x = T.values(fresh=True)
    if x.sum() <= 0:
        raise GameError("symmetric Lemke–Howson ended at 0 (numerical trouble)")
    return x / x.sum(), piv
