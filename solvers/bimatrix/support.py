"""Support solves: the equilibrium with given supports from the indifference equations
(each player's payoffs equal on the co-player's support, probabilities summing to 1).

Used to polish candidates of the sampler (:mod:`solvers.bimatrix.sampler`) and the end points
of the replicator dynamics (:mod:`solvers.bimatrix.replicator`) to full precision.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from eqtools.games import BimatrixGame


def _indifference(Mt: np.ndarray) -> np.ndarray | None:
    """The ``s >= 0`` (``sum s = 1``) that makes ``Mt s`` constant (``Mt`` square, ``k x k``), or None
    when the system is singular or the solution has a negative entry."""
    k = Mt.shape[0]
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = Mt
    A[:k, k] = -1.0
    A[k, :k] = 1.0
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    try:
        s = np.linalg.solve(A, rhs)[:k]
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(s)) or s.min() < -1e-12:
        return None
    return np.clip(s, 0.0, None)


def _solve_support_sym(M: np.ndarray, S: Sequence[int]) -> np.ndarray | None:
    """The symmetric equilibrium ``x`` of ``M`` with support ``S`` (normalised), or None."""
    n = M.shape[0]
    if len(S) == 0:
        return None
    xs = _indifference(M[np.ix_(S, S)])
    if xs is None:
        return None
    x = np.zeros(n)
    x[list(S)] = xs
    return x / x.sum()


def _solve_support_bimatrix(g: BimatrixGame, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Re-solve the indifference equations on the supports of (x, y) when they form a square system."""
    Sx = np.flatnonzero(x > 1e-12)
    Sy = np.flatnonzero(y > 1e-12)
    if len(Sx) != len(Sy):
        return None
    ys = _indifference(g.A[np.ix_(Sx, Sy)])
    xs = _indifference(g.B[np.ix_(Sx, Sy)].T)
    if ys is None or xs is None:
        return None
    X = np.zeros(g.shape[0])
    Y = np.zeros(g.shape[1])
    X[Sx], Y[Sy] = xs / xs.sum(), ys / ys.sum()
    return X, Y
