"""The dense simplex tableau of the pivoting methods (Lemke–Howson, its symmetric version), with
lexicographic ratio test, in-place rank-one pivots and periodic refactoring.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import dger as _dger

from eqtools.errors import GameError


class _Tableau:
    """Dense simplex tableau ``[T | rhs]`` of ``{z >= 0 : C z + slack = 1}`` with basis bookkeeping.

    Columns ``0..d-1`` are the structural variables, ``d..d+r-1`` the slacks; the slack columns
    of the current tableau are the basis inverse, used for the lexicographic ratio test.
    """

    __slots__ = ("C", "T", "basis", "d", "r", "pivots_since_refactor")

    def __init__(self, C: np.ndarray) -> None:
        r, d = C.shape
        self.C = C
        self.d, self.r = d, r
        self.T = np.asfortranarray(np.hstack([C, np.eye(r), np.ones((r, 1))]))
        self.basis = np.arange(d, d + r)
        self.pivots_since_refactor = 0

    def copy(self) -> "_Tableau":
        new = object.__new__(_Tableau)
        new.C, new.d, new.r = self.C, self.d, self.r
        new.T = self.T.copy()
        new.basis = self.basis.copy()
        new.pivots_since_refactor = self.pivots_since_refactor
        return new

    def is_basic(self, var: int) -> bool:
        return bool(np.any(self.basis == var))

    def _ratio_row(self, e: int) -> int:
        T = self.T
        col = T[:, e]
        cand = np.flatnonzero(col > 1e-12)
        if cand.size == 0:
            raise GameError("Lemke–Howson: unbounded ray (the payoff rescaling should prevent this)")
        if cand.size == 1:
            return int(cand[0])
        c = col[cand]
        ratios = T[cand, -1] / c
        mn = ratios.min()
        keep = ratios <= mn + 1e-11 * (1.0 + abs(mn))
        cand, c = cand[keep], c[keep]
        k = 0
        d, r = self.d, self.r
        while cand.size > 1 and k < r:
            vals = T[cand, d + k] / c
            mn = vals.min()
            keep = vals <= mn + 1e-11 * (1.0 + abs(mn))
            cand, c = cand[keep], c[keep]
            k += 1
        return int(cand[0])

    def pivot(self, e: int, refactor_every: int) -> int:
        """Bring variable ``e`` into the basis; returns the variable that left."""
        i = self._ratio_row(e)
        T = self.T
        leaving = int(self.basis[i])
        prow = T[i] / T[i, e]
        col = T[:, e].copy()
        self.T = T = _dger(-1.0, col, prow, a=T, overwrite_a=1)  # in-place rank-1 update (Fortran order)
        T[i] = prow
        self.basis[i] = e
        self.pivots_since_refactor += 1
        if self.pivots_since_refactor >= refactor_every:
            self.refactor()
        return leaving

    def refactor(self) -> None:
        """Recompute the tableau from the original data and the basis (controls rounding drift)."""
        full = np.hstack([self.C, np.eye(self.r)])
        Bm = full[:, self.basis]
        try:
            inv = np.linalg.inv(Bm)
        except np.linalg.LinAlgError:
            return
        self.T = np.asfortranarray(np.hstack([inv @ full, inv @ np.ones((self.r, 1))]))
        self.pivots_since_refactor = 0

    def values(self, fresh: bool = False) -> np.ndarray:
        """Structural variable values: from the tableau, or (``fresh``) recomputed from the basis
        by a new solve of the original system."""
        z = self.T[:, -1].copy()
        if fresh:
            Bm = np.zeros((self.r, self.r))
            structural = self.basis < self.d
            Bm[:, structural] = self.C[:, self.basis[structural]]
            sl = np.flatnonzero(~structural)
            Bm[self.basis[sl] - self.d, sl] = 1.0
            try:
                z = np.linalg.solve(Bm, np.ones(self.r))
            except np.linalg.LinAlgError:
                pass
        out = np.zeros(self.d + self.r)
        out[self.basis] = z
        return np.clip(out[: self.d], 0.0, None)
