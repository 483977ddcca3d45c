"""A verified *sample* of Nash equilibria for games too large for complete enumeration.

Complete enumeration (:func:`solvers.normal_form.extreme_equilibria`) grows exponentially with
the game.  Above its reach this module returns a sample instead, made of

* **Lemke–Howson** (von Stengel 2002, §3) from the artificial equilibrium with each of the
  ``m + n`` labels dropped, on the best-response polytopes ``P = {x >= 0 : B'^T x <= 1}`` and
  ``Q = {y >= 0 : A' y <= 1}`` (``A', B'`` positive affine rescalings of the payoffs), with
  **lexicographic degeneracy resolution**: the minimum-ratio test breaks ties by the rows of
  the current basis inverse, so every pivot is well defined and paths terminate on degenerate
  games too (tournament meta-games have many exact ties).  Optionally the paths are continued
  from the equilibria found (``explore``, breadth first, up to ``max_explore`` of them), which
  walks the Lemke–Howson graph and can reach equilibria the artificial start cannot.
* for **symmetric** games, the symmetric version of Lemke's method on the single polytope
  ``{x >= 0 : M' x <= 1}`` from each label, giving symmetric equilibria ``(x, x)``, each with an
  **ESS check** (:func:`ess_check`);
* **replicator dynamics** (symmetric games) from many seeded Dirichlet starts, integrated in
  log-coordinates by exponential Euler; each end point's support is re-solved exactly and the
  result kept only if it verifies;
* every candidate is **polished** (its values recomputed from the final basis, or from its
  support's indifference equations) and **verified**: no pure deviation gains more than
  ``tol`` times the payoff range (gains in float64 plus a rigorous bound on their rounding
  error, reported per equilibrium).  Duplicates are merged and each equilibrium lists every
  method that found it.

A sample is never claimed complete: :attr:`NashSample.complete` is always False; the caller
(:func:`solvers.meta_game.analyse_tournament`) says complete only when enumeration ran.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.linalg.blas import dger as _dger

from eqtools.errors import GameError, ParameterError
from eqtools.games import BimatrixGame

from .normal_form import EquilibriumList, MixedProfile

__all__ = [
    "SampledEquilibrium",
    "NashSample",
    "ESSResult",
    "lemke_howson",
    "symmetric_lemke_howson",
    "verify_equilibrium",
    "ess_check",
    "replicator_candidates",
    "sample_equilibria",
    "group_components",
]

_U = np.finfo(float).eps / 2  # unit roundoff


# ------------------------------------------------------------------ input


def _as_game(game: Any) -> BimatrixGame:
    from .normal_form import as_bimatrix

    try:
        g = as_bimatrix(game)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, GameError):
            raise
        raise GameError(f"cannot read a game from {type(game).__name__}: {exc}") from None
    return g


def _rescale(M: np.ndarray) -> np.ndarray:
    """Positive affine rescaling to entries in [1, 2] (equilibria are invariant)."""
    lo, hi = float(M.min()), float(M.max())
    span = hi - lo if hi > lo else 1.0
    return (M - lo) / span + 1.0


# ------------------------------------------------------------------ tableau


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


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class SampledEquilibrium(MixedProfile):
    """One verified equilibrium ``(x, y)``.

    ``methods``: every method that found it.  ``gain_row`` / ``gain_col``: the largest gain of a
    pure deviation (payoff units, float64), ``gain_bound``: a rigorous bound on the rounding error
    of those gains; verified means ``max(gain) + gain_bound <= tol_abs``.  ``ess``: for symmetric
    equilibria of symmetric games, the verdict of :func:`ess_check` (None when not applicable).
    """

    x: np.ndarray
    y: np.ndarray
    payoff_row: float
    payoff_col: float
    methods: tuple[str, ...]
    gain_row: float
    gain_col: float
    gain_bound: float
    symmetric: bool = False
    ess: bool | None = None
    ess_reason: str = ""

    def to_dict(self, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            **self._profile_dict(),
            "methods": list(self.methods),
            "max_deviation_gain": max(self.gain_row, self.gain_col),
            "gain_rounding_bound": self.gain_bound,
            "symmetric": self.symmetric,
            "ess": self.ess,
        }
        if self.ess_reason:
            d["ess_reason"] = self.ess_reason
        d.update(self._label_dict(row_labels, col_labels))
        if row_labels is not None:
            d["x_by_label"] = {row_labels[i]: float(self.x[i]) for i in self.support_row}
        if col_labels is not None:
            d["y_by_label"] = {col_labels[j]: float(self.y[j]) for j in self.support_col}
        return d


@dataclass(frozen=True)
class NashSample(EquilibriumList):
    """A verified, de-duplicated sample of Nash equilibria (never claimed complete).

    ``runs``: per method, what was attempted and what came of it (labels tried, paths that
    finished, candidates rejected by verification, time).  ``tol_abs``: the verification
    tolerance in payoff units (``tol`` times the payoff range, at least ``tol``).
    ``components``: groups of sampled equilibria joined by shared strategies (two equilibria
    sharing ``x`` or ``y`` are joined by a segment of equilibria); each group lies inside one
    connected component of the equilibrium set, but components may be larger than shown.
    """

    game: BimatrixGame
    equilibria: tuple[SampledEquilibrium, ...]
    runs: dict[str, dict[str, Any]]
    tol: float
    tol_abs: float
    components: tuple[tuple[int, ...], ...]
    complete: bool = False
    reason: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.equilibria)

    @property
    def method(self) -> str:
        return "sample: " + ", ".join(k for k, v in self.runs.items() if v.get("ran", True))

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        return {
            "game": g.name,
            "shape": list(g.shape),
            "complete": self.complete,
            "method": self.method,
            "reason": self.reason,
            "n_equilibria": len(self.equilibria),
            "tol": self.tol,
            "tol_abs": self.tol_abs,
            "runs": self.runs,
            "components": [list(c) for c in self.components],
            "equilibria": [e.to_dict(g.row_labels, g.col_labels) for e in self.equilibria],
        }


# ------------------------------------------------------------ verification


def _payoff_scale(g: BimatrixGame) -> tuple[float, float]:
    return max(1.0, float(np.ptp(g.A))), max(1.0, float(np.ptp(g.B)))


def verify_equilibrium(game: Any, x: Any, y: Any, *, tol: float = 1e-9) -> tuple[bool, float, float, float]:
    """Pure-deviation check of ``(x, y)``: returns ``(ok, gain_row, gain_col, bound)``.

    ``gain_row = max_i (A y)_i - x A y`` and ``gain_col = max_j (x B)_j - x B y`` in float64;
    ``bound`` is a rigorous bound on their rounding error (``gamma_{k}`` times the largest
    payoff magnitude, ``k`` the longest dot product, Higham 2002 §3.1).  ``ok`` requires valid
    probability vectors and ``max(gain) + bound <= tol * range`` for each player (range = payoff
    range, at least 1).
    """
    g = _as_game(game)
    return _verify(g, np.asarray(x, float), np.asarray(y, float), tol, _constants(g))


def _constants(g: BimatrixGame) -> tuple[float, float, float]:
    """(row payoff range, column payoff range, largest |payoff|), ranges at least 1."""
    sa, sb = _payoff_scale(g)
    return sa, sb, max(float(np.abs(g.A).max()), float(np.abs(g.B).max()))


def _verify(g: BimatrixGame, x: np.ndarray, y: np.ndarray, tol: float, consts: tuple[float, float, float]) -> tuple[bool, float, float, float]:
    m, n = g.shape
    if x.shape != (m,) or y.shape != (n,) or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False, math.inf, math.inf, 0.0
    if x.min() < 0 or y.min() < 0 or abs(x.sum() - 1) > 1e-12 or abs(y.sum() - 1) > 1e-12:
        return False, math.inf, math.inf, 0.0
    Ay = g.A @ y
    xB = x @ g.B
    gr = float(Ay.max() - x @ Ay)
    gc = float(xB.max() - xB @ y)
    k = m + n + 2
    gk = k * _U / (1 - k * _U)
    sa, sb, amax = consts
    bound = 4.0 * gk * amax
    ok = gr + bound <= tol * sa and gc + bound <= tol * sb
    return bool(ok), max(gr, 0.0), max(gc, 0.0), bound


# ------------------------------------------------------------ Lemke–Howson


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


def lemke_howson(
    game: Any,
    label: int,
    *,
    max_pivots: int | None = None,
    refactor_every: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lemke–Howson from the artificial equilibrium dropping ``label`` (lexicographic pivoting).

    Labels ``0..m-1`` are the row player's strategies, ``m..m+n-1`` the column player's.
    Returns ``(x, y, pivots)``, the end point with values recomputed from its basis (not yet
    verified: see :func:`verify_equilibrium`).  Raises :class:`ParameterError` for a bad label,
    :class:`ConvergenceError` if the path exceeds ``max_pivots``.
    """
    from eqtools.errors import ConvergenceError

    g = _as_game(game)
    m, n = g.shape
    if isinstance(label, bool) or int(label) != label or not 0 <= label < m + n:
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


def symmetric_lemke_howson(
    matrix: Any, label: int, *, max_pivots: int | None = None, refactor_every: int | None = None
) -> tuple[np.ndarray, int]:
    """A symmetric equilibrium ``(x, x)`` of the symmetric game with row payoffs ``matrix`` by
    complementary pivoting from ``0`` dropping ``label`` (lexicographic).  Returns ``(x, pivots)``."""
    from eqtools.errors import ConvergenceError

    M = _square(matrix)
    n = M.shape[0]
    if isinstance(label, bool) or int(label) != label or not 0 <= label < n:
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


def _square(matrix: Any) -> np.ndarray:
    if isinstance(matrix, BimatrixGame):
        if not matrix.is_symmetric():
            raise GameError("this method needs a symmetric game: B must equal A transposed")
        return np.asarray(matrix.A)
    M = np.asarray(matrix, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise GameError(f"payoff matrix must be square and non-empty, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        bad = np.argwhere(~np.isfinite(M))[0]
        raise GameError(f"payoff matrix has a non-finite entry at {tuple(int(i) for i in bad)}")
    return M


# ------------------------------------------------------------------ ESS


@dataclass(frozen=True)
class ESSResult:
    """ESS verdict for a symmetric equilibrium ``x`` of the symmetric game ``M``.

    ``is_ess``: True / False, or None when undetermined (``reason`` says why).  ``witness``: when
    False, a mutant ``y != x`` that invades (``y M x >= x M x`` and, on a tie there,
    ``y M y >= x M y``), checkable by plain arithmetic.
    """

    is_ess: bool | None
    reason: str
    witness: np.ndarray | None = None


def _step_into_simplex(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``x + t z`` with the largest ``t <= 1`` (halved) that keeps it a distribution (``sum z = 0``)."""
    neg = z < -1e-15
    t = 1.0 if not neg.any() else min(1.0, float(np.min(x[neg] / -z[neg])))
    y = np.clip(x + 0.5 * t * z, 0.0, None)
    return y / y.sum()


def _subspace_basis(idx: Sequence[int], n: int) -> np.ndarray:
    """Orthonormal basis (n x (k-1)) of ``{z : sum z = 0, supp z within idx}``."""
    k = len(idx)
    if k <= 1:
        return np.zeros((n, 0))
    E = np.zeros((n, k - 1))
    for a in range(k - 1):
        E[idx[a], a] = 1.0
        E[idx[-1], a] = -1.0
    q, _ = np.linalg.qr(E)
    return q


def ess_check(matrix: Any, x: Any, *, tol: float = 1e-9, max_extra: int = 12) -> ESSResult:
    """Is the symmetric Nash equilibrium ``x`` an evolutionarily stable strategy of ``M``?

    With ``S`` the support of ``x`` and ``B`` its pure best responses, ``x`` is an ESS iff
    ``z^T M z < 0`` for every non-zero ``z`` with ``sum z = 0``, ``z_i = 0`` outside ``B`` and
    ``z_i >= 0`` on ``B \\ S`` (Haigh 1975; Bomze & Pötscher 1989).  Decided by: negative
    definiteness on the ``S``-subspace (else not ESS); then, minimising over the ``S``
    coordinates, strict copositivity of the Schur complement ``C`` on the ``B \\ S`` orthant,
    tested by Kaplan's (2000) criterion (no principal submatrix has a positive eigenvector
    with a non-positive eigenvalue).  ``tol`` is relative to the payoff range.  ``B \\ S``
    larger than ``max_extra`` is left undetermined.
    """
    M = _square(matrix)
    n = M.shape[0]
    x = np.asarray(x, float)
    scale = max(1.0, float(np.ptp(M)))
    fit = M @ x
    v = float(x @ fit)
    if fit.max() - v > tol * scale * 10:
        w = np.zeros(n)
        w[int(np.argmax(fit))] = 1.0
        return ESSResult(False, "not a symmetric Nash equilibrium", w)
    S = [int(i) for i in np.flatnonzero(x > 0)]
    Bset = [int(i) for i in np.flatnonzero(fit >= v - tol * scale)]
    extra = [i for i in Bset if i not in S]
    Hs = -(M + M.T) / 2  # want z^T Hs z > 0
    ES = _subspace_basis(S, n)
    if ES.shape[1]:
        ev, EV = np.linalg.eigh(ES.T @ Hs @ ES)
        if ev.min() <= tol * scale:
            y = _step_into_simplex(x, ES @ EV[:, 0])
            return ESSResult(False, f"a mutant inside the support ties or wins (eigenvalue {-ev.min():.3g} >= 0 on the support subspace)", y)
    if not extra:
        return ESSResult(True, "strict on the support subspace; no alternative best replies")
    if len(extra) > max_extra:
        return ESSResult(None, f"{len(extra)} alternative best replies outside the support (> max_extra={max_extra})")
    # z = ES a + W w with W the columns e_j - xbar_S-direction for j in extra: z_j = w_j >= 0,
    # and mass -sum(w) put on the support via one fixed support vector.
    k = len(extra)
    W = np.zeros((n, k))
    s0 = S[0]
    for c, j in enumerate(extra):
        W[j, c] = 1.0
        W[s0, c] = -1.0
    # q(a, w) = [a; w]^T H [a; w]; minimise over a (PD block Haa) -> Schur complement in w
    Haa = ES.T @ Hs @ ES
    Haw = ES.T @ Hs @ W
    Hww = W.T @ Hs @ W
    C = Hww - Haw.T @ np.linalg.solve(Haa, Haw) if ES.shape[1] else Hww
    C = (C + C.T) / 2
    for mask in range(1, 1 << k):
        J = [c for c in range(k) if (mask >> c) & 1]
        sub = C[np.ix_(J, J)]
        w, V = np.linalg.eigh(sub)
        for a in range(len(J)):
            if w[a] <= tol * scale:
                vec = V[:, a]
                if np.all(vec > 1e-12) or np.all(vec < -1e-12):
                    names = [extra[J[c]] for c in range(len(J))]
                    ww = np.zeros(k)
                    ww[J] = np.abs(vec)
                    aa = -np.linalg.solve(Haa, Haw @ ww) if ES.shape[1] else np.zeros(0)
                    y = _step_into_simplex(x, (ES @ aa if ES.shape[1] else 0.0) + W @ ww)
                    return ESSResult(False, f"mutants among alternative best replies {names} tie or win", y)
    return ESSResult(True, "strict against every mutant among the best replies (copositivity)")


# ------------------------------------------------------------ replicator


def replicator_candidates(
    matrix: Any,
    *,
    starts: int = 64,
    seed: int = 0,
    steps: int = 3000,
    step: float | None = None,
    support_threshold: float = 1e-4,
    tol: float = 1e-9,
    deadline: float = math.inf,
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """End points of the replicator dynamics from ``starts`` seeded starts, mapped to equilibria.

    Starts: the barycentre plus ``starts - 1`` Dirichlet(1) draws (``numpy.random.default_rng(seed)``).
    Integration: exponential Euler in log-coordinates, ``x <- x * exp(h (Mx - x.Mx))`` normalised,
    ``h = step`` (default ``0.5 / payoff range``), at most ``steps`` steps, all starts batched; a
    start stops once its speed ``max |x_i ((Mx)_i - x.Mx)|`` is below ``1e-13`` times the range.
    Each end point ``x`` (support ``S`` = entries above ``support_threshold``, best replies ``B``)
    is mapped to a vertex of the face ``{z >= 0, M'z <= 1, z = 0 off S, (M'z)_B = 1}`` of the
    best-response polytope by a simplex LP: a completely labelled vertex, i.e. an *extreme*
    symmetric equilibrium in the same face as the end point (so in the same component).  If the
    LP fails, the support re-solve of ``x``, else ``x`` itself.  Verification is the caller's.
    Returns (candidates, run info).
    """
    M = _square(matrix)
    n = M.shape[0]
    if starts < 1 or steps < 1:
        raise ParameterError(f"starts and steps must be positive, got {starts}, {steps}")
    rng = np.random.default_rng(seed)
    X = np.empty((starts, n))
    X[0] = 1.0 / n
    if starts > 1:
        X[1:] = rng.dirichlet(np.ones(n), size=starts - 1)
    scale = max(1.0, float(np.ptp(M)))
    h = step if step is not None else 0.5 / scale
    L = np.log(np.maximum(X, 1e-300))
    active = np.arange(starts)
    MT = np.ascontiguousarray(M.T)
    used = 0
    stopped = False
    for it in range(steps):
        Xa = X[active]
        F = Xa @ MT
        if it % 25 == 0:
            if time.perf_counter() > deadline:
                stopped = True
                break
            speed = np.abs(Xa * (F - np.einsum("ki,ki->k", Xa, F)[:, None])).max(axis=1)
            keep = speed > 1e-13 * scale
            active, F, Xa = active[keep], F[keep], Xa[keep]
            if active.size == 0:
                break
        La = L[active] + h * F
        La -= La.max(axis=1, keepdims=True)
        L[active] = La
        E = np.exp(La)
        X[active] = E / E.sum(axis=1, keepdims=True)
        used = it + 1
    F = X @ MT
    speed = np.abs(X * (F - np.einsum("ki,ki->k", X, F)[:, None])).max(axis=1)
    ends: dict[tuple[int, ...], np.ndarray] = {}
    for k in range(starts):
        S = tuple(int(i) for i in np.flatnonzero(X[k] > support_threshold))
        ends.setdefault(S, X[k])
    out: list[np.ndarray] = []
    Mp = _rescale(M)
    for S, xk in ends.items():
        v = _face_vertex(Mp, xk, S, tol)
        if v is None:
            v = _solve_support_sym(M, S)
        out.append(xk if v is None else v)
    info = {"starts": starts, "seed": seed, "max_steps": steps, "steps_used": used, "step": h,
            "distinct_end_supports": len(ends), "max_final_speed": float(speed.max()), "stopped_by_time_limit": stopped,
            "end_point_to_vertex": "simplex LP on the end point's face (HiGHS dual simplex)"}
    return out, info


def _face_vertex(Mp: np.ndarray, x: np.ndarray, S: Sequence[int], tol: float) -> np.ndarray | None:
    """A vertex of ``{z >= 0 : Mp z <= 1}`` with ``z = 0`` off ``S`` and ``(Mp z)_B = 1``, ``B`` the
    best replies to ``x`` (tolerance ``tol``); None if that face is empty (``x`` not an equilibrium)."""
    from scipy.optimize import linprog

    n = Mp.shape[0]
    S = list(S)
    fit = Mp @ x
    B = np.flatnonzero(fit >= fit.max() - tol * 10)
    if not set(S) <= set(B.tolist()):
        return None
    other = np.setdiff1d(np.arange(n), B)
    sub = Mp[:, S]  # variables off S are fixed at 0: drop them
    res = linprog(
        -np.ones(len(S)), A_ub=sub[other] if other.size else None, b_ub=np.ones(other.size) if other.size else None,
        A_eq=sub[B], b_eq=np.ones(B.size), bounds=[(0.0, None)] * len(S), method="highs-ds",
    )
    if res.status != 0 or res.x is None or res.x.sum() <= 0:
        return None
    z = np.zeros(n)
    z[S] = np.clip(res.x, 0.0, None)
    return z / z.sum()


def _solve_support_sym(M: np.ndarray, S: Sequence[int]) -> np.ndarray | None:
    n = M.shape[0]
    k = len(S)
    if k == 0:
        return None
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = M[np.ix_(S, S)]
    A[:k, k] = -1.0
    A[k, :k] = 1.0
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    try:
        sol = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        return None
    xs = sol[:k]
    if not np.all(np.isfinite(xs)) or xs.min() < -1e-12:
        return None
    x = np.zeros(n)
    x[list(S)] = np.clip(xs, 0.0, None)
    return x / x.sum()


def _solve_support_bimatrix(g: BimatrixGame, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Re-solve the indifference equations on the supports of (x, y) when they form a square system."""
    Sx = np.flatnonzero(x > 1e-12)
    Sy = np.flatnonzero(y > 1e-12)
    if len(Sx) != len(Sy):
        return None
    k = len(Sx)

    def solve(Mt: np.ndarray) -> np.ndarray | None:
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

    ys = solve(g.A[np.ix_(Sx, Sy)])
    xs = solve(g.B[np.ix_(Sx, Sy)].T)
    if ys is None or xs is None:
        return None
    X = np.zeros(g.shape[0])
    Y = np.zeros(g.shape[1])
    X[Sx], Y[Sy] = xs / xs.sum(), ys / ys.sum()
    return X, Y


# ------------------------------------------------------------ the sampler


class _Pool:
    """De-duplicating store of verified equilibria with the methods that found each."""

    def __init__(self, g: BimatrixGame, tol: float) -> None:
        self.g = g
        self.tol = tol
        self.consts = _constants(g)
        self.items: list[dict[str, Any]] = []
        self.keys: dict[bytes, int] = {}

    @staticmethod
    def _key(x: np.ndarray, y: np.ndarray) -> bytes:
        return np.concatenate([np.round(x, 7), np.round(y, 7)]).tobytes()

    def offer(self, x: np.ndarray, y: np.ndarray, method: str) -> bool:
        """Polish, verify and store; returns whether (x, y) is a verified equilibrium."""
        g = self.g
        best = None
        for cand in (_solve_support_bimatrix(g, x, y), (x, y)):
            if cand is None:
                continue
            cx = np.where(cand[0] < 1e-15, 0.0, cand[0])
            cy = np.where(cand[1] < 1e-15, 0.0, cand[1])
            cx, cy = cx / cx.sum(), cy / cy.sum()
            ok, gr, gc, bd = _verify(g, cx, cy, self.tol, self.consts)
            if ok and (best is None or max(gr, gc) < max(best[2], best[3])):
                best = (cx, cy, gr, gc, bd)
        if best is None:
            return False
        cx, cy, gr, gc, bd = best
        key = self._key(cx, cy)
        if key in self.keys:
            it = self.items[self.keys[key]]
            if method not in it["methods"]:
                it["methods"].append(method)
            return True
        for k, it in enumerate(self.items):  # near-duplicates across a rounding boundary
            if np.allclose(it["x"], cx, atol=1e-7, rtol=0) and np.allclose(it["y"], cy, atol=1e-7, rtol=0):
                if method not in it["methods"]:
                    it["methods"].append(method)
                self.keys[key] = k
                return True
        self.keys[key] = len(self.items)
        self.items.append({"x": cx, "y": cy, "gr": gr, "gc": gc, "bd": bd, "methods": [method]})
        return True


def group_components(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], atol: float = 1e-7) -> tuple[tuple[int, ...], ...]:
    """Groups of equilibria joined through a shared ``x`` or ``y`` (bipartite connectivity)."""
    import networkx as nx

    G = nx.Graph()

    def vid(side: str, v: np.ndarray, store: list[np.ndarray]) -> tuple[str, int]:
        for k, w in enumerate(store):
            if np.allclose(v, w, atol=atol, rtol=0):
                return (side, k)
        store.append(v)
        return (side, len(store) - 1)

    sx: list[np.ndarray] = []
    sy: list[np.ndarray] = []
    for k, (x, y) in enumerate(zip(xs, ys)):
        G.add_edge(vid("x", x, sx), vid("y", y, sy), idx=k)
    comps = []
    for cc in nx.connected_components(G):
        comps.append(tuple(sorted(G.edges[u, v]["idx"] for u, v in G.subgraph(cc).edges)))
    return tuple(sorted(comps))


def _label_order(total: int, max_labels: int | None, seed: int) -> tuple[list[int], str]:
    if max_labels is None or max_labels >= total:
        return list(range(total)), "all"
    rng = np.random.default_rng(seed)
    return sorted(int(v) for v in rng.choice(total, size=max_labels, replace=False)), f"{max_labels} of {total} (seeded)"


def sample_equilibria(
    game: Any,
    *,
    tol: float = 1e-9,
    seed: int = 0,
    max_labels: int | None = None,
    max_pivots: int | None = None,
    explore: bool | None = None,
    max_explore: int = 20,
    symmetric: bool | None = None,
    replicator_starts: int | None = None,
    replicator_steps: int = 3000,
    time_limit: float | None = None,
    reason: str = "",
) -> NashSample:
    """A verified sample of Nash equilibria (see the module docstring).

    ``max_labels``: Lemke–Howson labels to start from (default: all ``m + n`` up to 600 labels,
    else a seeded subset of 120; the result states which).  ``explore``: continue paths from the
    equilibria found, breadth first, from at most ``max_explore`` of them (default on up to
    100 x 100).  ``symmetric``: run the symmetric methods
    (default: when the game is symmetric).  ``time_limit`` (seconds): no new path or method starts
    after it; what was skipped is stated in ``runs``.  ``tol``: verification tolerance relative to
    the payoff range.  Deterministic for a given seed unless the time limit cuts a run short
    (then ``runs[...]["stopped_by_time_limit"]`` is True).
    """
    g = _as_game(game)
    m, n = g.shape
    if not (tol > 0 and math.isfinite(tol)):
        raise ParameterError(f"tol must be a positive finite number, got {tol}")
    t_start = time.perf_counter()
    deadline = math.inf if time_limit is None else t_start + float(time_limit)
    pool = _Pool(g, tol)
    runs: dict[str, dict[str, Any]] = {}
    size = m + n
    mp = max_pivots if max_pivots is not None else 50 * size + 1000
    rf = _default_refactor(size)
    if max_labels is None and size > 600:
        max_labels = 120
    if explore is None:
        explore = max(m, n) <= 100
    is_sym = g.is_symmetric()
    if symmetric is None:
        symmetric = is_sym
    if symmetric and not is_sym:
        raise GameError("symmetric=True needs a symmetric game (B equal to A transposed)")

    # --- Lemke–Howson from the artificial equilibrium
    labels, which = _label_order(size, max_labels, seed)
    P0 = _Tableau(_rescale(g.B).T)
    Q0 = _Tableau(_rescale(g.A))
    t0 = time.perf_counter()
    done = unfinished = rejected = total_piv = 0
    ends: list[tuple[_Tableau, _Tableau]] = []
    end_keys: set[bytes] = set()
    stopped = False
    for lab in labels:
        if time.perf_counter() > deadline:
            stopped = True
            break
        P, Q = P0.copy(), Q0.copy()
        ok, piv = _lh_path(P, Q, m, n, lab, mp, rf, deadline)
        total_piv += piv
        if not ok:
            if time.perf_counter() > deadline:
                stopped = True
                break
            unfinished += 1
            continue
        done += 1
        prof = _lh_profile(P, Q)
        good = prof is not None and pool.offer(prof[0], prof[1], "lemke_howson")
        if not good:
            prof = _lh_profile(P, Q, fresh=True)
            good = prof is not None and pool.offer(prof[0], prof[1], "lemke_howson")
        if not good:
            rejected += 1
        elif _Pool._key(*prof) not in end_keys:  # type: ignore[misc]
            end_keys.add(_Pool._key(*prof))  # type: ignore[misc]
            ends.append((P, Q))
    runs["lemke_howson"] = {
        "labels": which, "labels_tried": done + unfinished, "paths_finished": done,
        "paths_over_max_pivots": unfinished, "max_pivots": mp, "rejected_by_verification": rejected,
        "pivots": total_piv, "stopped_by_time_limit": stopped, "seconds": round(time.perf_counter() - t0, 3),
        "degeneracy_resolution": "lexicographic",
    }

    # --- continue from every equilibrium reached (the Lemke–Howson graph)
    if explore:
        t0 = time.perf_counter()
        seen = set(end_keys)
        queue = list(ends)
        paths = new = 0
        stopped = False
        expanded = 0
        while queue and not stopped and expanded < max_explore:
            P1, Q1 = queue.pop(0)
            expanded += 1
            for lab in range(size):
                if time.perf_counter() > deadline:
                    stopped = True
                    break
                P, Q = P1.copy(), Q1.copy()
                ok, _ = _lh_path(P, Q, m, n, lab, mp, rf, deadline)
                paths += 1
                if not ok:
                    if time.perf_counter() > deadline:
                        stopped = True
                        break
                    continue
                prof = _lh_profile(P, Q)
                if prof is None:
                    continue  # back at the artificial equilibrium
                key = _Pool._key(*prof)
                if key in seen:
                    continue
                seen.add(key)
                if pool.offer(prof[0], prof[1], "lemke_howson_graph") or (
                    (fp := _lh_profile(P, Q, fresh=True)) is not None and pool.offer(fp[0], fp[1], "lemke_howson_graph")
                ):
                    new += 1
                    queue.append((P, Q))
        runs["lemke_howson_graph"] = {"equilibria_expanded": expanded, "max_explore": max_explore,
                                      "not_expanded": len(queue), "paths": paths, "new_equilibria": new,
                                      "stopped_by_time_limit": stopped,
                                      "seconds": round(time.perf_counter() - t0, 3)}

    # --- symmetric methods
    if symmetric:
        M = g.A
        t0 = time.perf_counter()
        T0 = _Tableau(_rescale(M))
        done = unfinished = rejected = 0
        stopped = False
        sym_labels, sym_which = _label_order(n, None if max_labels is None else max(1, max_labels // 2), seed + 1)
        for lab in sym_labels:
            if time.perf_counter() > deadline:
                stopped = True
                break
            T = T0.copy()
            ok, _ = _sym_path(T, n, lab, mp, rf, deadline)
            if not ok:
                if time.perf_counter() > deadline:
                    stopped = True
                    break
                unfinished += 1
                continue
            done += 1
            good = False
            for fresh in (False, True):
                x = T.values(fresh)
                if x.sum() > 0 and pool.offer(x / x.sum(), x / x.sum(), "symmetric_lemke_howson"):
                    good = True
                    break
            if not good:
                rejected += 1
        runs["symmetric_lemke_howson"] = {
            "labels": sym_which, "paths_finished": done, "paths_over_max_pivots": unfinished,
            "rejected_by_verification": rejected, "stopped_by_time_limit": stopped,
            "seconds": round(time.perf_counter() - t0, 3), "degeneracy_resolution": "lexicographic",
        }
        starts = replicator_starts if replicator_starts is not None else (64 if n <= 300 else 16)
        if time.perf_counter() <= deadline and starts > 0:
            t0 = time.perf_counter()
            cands, info = replicator_candidates(M, starts=starts, seed=seed, steps=replicator_steps, tol=tol, deadline=deadline)
            acc = sum(pool.offer(c, c, "replicator") for c in cands)
            info.update({"candidates": len(cands), "verified": int(acc), "seconds": round(time.perf_counter() - t0, 3)})
            runs["replicator"] = info
        else:
            runs["replicator"] = {"ran": False, "stopped_by_time_limit": True}

    # --- assemble, ESS on symmetric equilibria
    items = sorted(pool.items, key=lambda it: (-(it["x"] @ g.A @ it["y"]), tuple(-it["x"]), tuple(-it["y"])))
    eqs = []
    for it in items:
        x, y = it["x"], it["y"]
        sym = is_sym and bool(np.allclose(x, y, atol=1e-9, rtol=0))
        ess = ESSResult(None, "")
        if sym:
            ess = ess_check(g.A, x, tol=1e-9)
        eqs.append(SampledEquilibrium(
            x, y, float(x @ g.A @ y), float(x @ g.B @ y), tuple(it["methods"]), it["gr"], it["gc"], it["bd"],
            sym, ess.is_ess if sym else None, ess.reason if sym else "",
        ))
    comps = group_components([e.x for e in eqs], [e.y for e in eqs]) if eqs else ()
    sa, sb = _payoff_scale(g)
    return NashSample(
        game=g, equilibria=tuple(eqs), runs=runs, tol=tol, tol_abs=tol * max(sa, sb), components=comps,
        complete=False, reason=reason, info={"seconds": round(time.perf_counter() - t_start, 3)},
    )
