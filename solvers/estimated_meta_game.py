"""Equilibria of a partly simulated (estimated) meta-game, and which of them survive its uncertainty.

When some cells of a tournament are simulated, the meta-game's matrix is an estimate: each
simulated cell carries a standard error.  An equilibrium of the estimated matrix may be an
artefact of the Monte Carlo error.  :func:`robustness` draws ``draws`` perturbed matrices
``M + se * Z`` (independent standard normal ``Z`` per cell, a parametric bootstrap of the
estimator; exact cells are not perturbed) and, for every equilibrium of the estimated matrix,
checks in each draw whether the perturbed game still has an equilibrium *with the same
supports*: one supported within the original supports in which every strategy of those supports
is still a best response (the equilibrium's support structure persists; for a nondegenerate
equilibrium, the perturbed equilibrium near it).  That check is exact and cheap: two
feasibility linear programs (the row player's and the column player's equilibrium conditions
restricted to the supports), so it scales to meta-games of hundreds of entrants.  An equilibrium *survives* when the check holds in
at least ``level`` (default 95%) of the draws.  For small games (at most ``resolve_up_to``
entrants) every perturbed matrix is also re-solved completely, to report equilibria that appear
under perturbation but are not in the estimate.

Limitation (stated in the result): the two cells of an unordered pair come from the same
matches and are correlated; the dataset stores no covariances, so cells are perturbed
independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.validation import IsSequence, MaxSize, NonNegative, Positive, Probability, Seed, validated

__all__ = ["Robustness", "robustness", "support_equilibrium_exists"]


def _lp_side(M: np.ndarray, rows: np.ndarray, cols: np.ndarray, tol: float) -> bool:
    """Is there ``y`` on ``cols`` (a distribution) making every row in ``rows`` a best response to
    ``y`` in ``M`` (``(M y)_i = v`` on ``rows``, ``<= v`` elsewhere)?  Feasibility LP."""
    from scipy.optimize import linprog

    m, n = M.shape
    k = len(cols)
    # variables: y_cols (k), v (free)
    c = np.zeros(k + 1)
    A_eq = [np.r_[M[i, cols], -1.0] for i in rows] + [np.r_[np.ones(k), 0.0]]
    b_eq = [0.0] * len(rows) + [1.0]
    others = np.setdiff1d(np.arange(m), rows)
    A_ub = [np.r_[M[i, cols], -1.0] for i in others]
    b_ub = [tol] * len(others)
    bounds = [(0, None)] * k + [(None, None)]
    res = linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=np.array(b_ub) if b_ub else None,
                  A_eq=np.array(A_eq), b_eq=np.array(b_eq), bounds=bounds, method="highs")
    return bool(res.status == 0)


@validated
def support_equilibrium_exists(A: Any, B: Any, row_support: Annotated[Sequence[int], IsSequence],
                               col_support: Annotated[Sequence[int], IsSequence], *,
                               tol: Annotated[float, NonNegative] = 1e-12) -> bool:
    """Does the bimatrix game ``(A, B)`` have a Nash equilibrium ``(x, y)`` with ``supp(x)`` within
    ``row_support`` and ``supp(y)`` within ``col_support`` in which every strategy of
    ``row_support`` is a best response to ``y`` and every strategy of ``col_support`` one to
    ``x``?  (In a nondegenerate game: an equilibrium with exactly these supports.)  Exact up to
    the LP tolerance ``tol`` (in payoff units)."""
    try:
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("A and B must be matrices of numbers") from None
    if A.ndim != 2 or A.shape != B.shape:
        raise ParameterError(f"A and B must be matrices of the same shape, got {A.shape} and {B.shape}")
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))
               for i in (*row_support, *col_support)):
        raise ParameterError(f"supports must be lists of integer strategy indices, got {row_support!r} and {col_support!r}"[:300])
    rs = np.asarray(sorted(set(int(i) for i in row_support)))
    cs = np.asarray(sorted(set(int(j) for j in col_support)))
    if rs.size == 0 or cs.size == 0 or rs.min() < 0 or cs.min() < 0 or rs.max() >= A.shape[0] or cs.max() >= A.shape[1]:
        raise ParameterError("supports must be non-empty lists of valid strategy indices")
    # Row player: rows in rs are best responses to y on cs.  Column player: columns in cs are
    # best responses to x on rs (the same problem for B transposed).
    return _lp_side(A, rs, cs, tol) and _lp_side(B.T, cs, rs, tol)


@dataclass(frozen=True)
class Robustness:
    """Which equilibria of an estimated meta-game survive perturbation within the standard errors.

    ``survival[k]``: fraction of the ``draws`` perturbed matrices with an equilibrium of the same
    supports as equilibrium ``k`` (:func:`support_equilibrium_exists`); ``survives[k]``: ``survival[k] >= level``.
    ``appearing``: for small games, equilibrium supports found in perturbed matrices but not in
    the estimate, with their frequencies (``None`` when the game was too large to re-solve).
    """

    draws: int
    seed: int
    level: float
    survival: tuple[float, ...]
    survives: tuple[bool, ...]
    supports: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]
    appearing: tuple[dict[str, Any], ...] | None
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_surviving(self) -> int:
        return int(sum(self.survives))

    def to_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "seed": self.seed, "level": self.level, "method": self.method,
                "survival": list(self.survival), "survives": list(self.survives), "n_surviving": self.n_surviving,
                "supports": [[list(r), list(c)] for r, c in self.supports],
                "appearing": None if self.appearing is None else list(self.appearing), "notes": list(self.notes)}


@validated
def robustness(nash: Any, M: Any, M_se: Any, *, draws: Annotated[int, Positive, MaxSize(10**6, "use fewer draws")] = 200,
               seed: Annotated[int, Seed] = 0, level: Annotated[float, Probability] = 0.95, B: Any = None, B_se: Any = None,
               resolve_up_to: Annotated[int, NonNegative] = 8,
               support_tol: Annotated[float, NonNegative] = 1e-9) -> Robustness:
    """Survival of each equilibrium in ``nash`` (a result with ``equilibria`` holding ``x``, ``y``)
    under perturbation of the estimated matrix ``M`` (row payoffs) within its standard errors
    ``M_se``.  ``B``/``B_se``: column payoffs and errors (default: the symmetric game ``M^T``,
    perturbed with the same draw).  See the module docstring.
    """
    from eqtools.validation import positive_int, seed as check_seed, unit_interval

    draws = positive_int("draws", draws)
    seed = check_seed("seed", seed)
    level = unit_interval("level", level)
    try:
        M = np.asarray(M, dtype=float)
        se = np.asarray(M_se, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("M and M_se must be matrices of numbers") from None
    if M.ndim != 2 or se.shape != M.shape or not np.all(np.isfinite(M)) or not np.all(np.isfinite(se)) or np.any(se < 0):
        raise ParameterError(f"M and M_se must be finite matrices of the same shape (se >= 0), got {M.shape} and {se.shape}")
    symmetric = B is None
    if not symmetric:
        try:
            B = np.asarray(B, dtype=float)
            bse = np.zeros_like(B) if B_se is None else np.asarray(B_se, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError("B and B_se must be matrices of numbers") from None
        if B.shape != M.shape or bse.shape != M.shape:
            raise ParameterError("B and B_se must have the shape of M")
    try:
        eqs = list(getattr(nash, "equilibria", nash))
        for e in eqs:
            e.x, e.y  # noqa: B018 - the attributes every equilibrium has
    except (TypeError, AttributeError):
        raise ParameterError("nash must be a Nash result (with .equilibria) or a list of equilibria with x and y") from None
    supports = []
    for e in eqs:
        x, y = np.asarray(e.x, dtype=float), np.asarray(e.y, dtype=float)
        supports.append((tuple(int(i) for i in np.flatnonzero(x > support_tol)),
                         tuple(int(j) for j in np.flatnonzero(y > support_tol))))
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(eqs), dtype=int)
    small = M.shape[0] <= resolve_up_to and M.shape[1] <= resolve_up_to
    appear: dict[tuple, int] = {}
    known = set(supports)
    scale = max(1.0, float(np.max(np.abs(M))))
    for _ in range(draws):
        Mp = M + se * rng.standard_normal(M.shape)
        Bp = Mp.T if symmetric else B + bse * rng.standard_normal(M.shape)
        for k, (rs, cs) in enumerate(supports):
            if support_equilibrium_exists(Mp, Bp, rs, cs, tol=1e-12 * scale):
                hits[k] += 1
        if small:
            from eqtools.games import BimatrixGame

            from .bimatrix.enumeration import extreme_equilibria

            for e in extreme_equilibria(BimatrixGame(Mp, Bp)).equilibria:
                sup = (tuple(int(i) for i in np.flatnonzero(np.asarray(e.x) > support_tol)),
                       tuple(int(j) for j in np.flatnonzero(np.asarray(e.y) > support_tol)))
                if sup not in known:
                    appear[sup] = appear.get(sup, 0) + 1
    survival = tuple(float(h) / draws for h in hits)
    appearing = None
    if small:
        appearing = tuple({"row_support": list(r), "col_support": list(c), "frequency": n / draws}
                          for (r, c), n in sorted(appear.items(), key=lambda kv: -kv[1]))
    notes = ("cells perturbed independently (the two cells of a simulated pair share matches; "
             "their covariance is not stored)",)
    method = (f"{draws} perturbed matrices M + se * N(0, 1) (seed {seed}); per equilibrium, feasibility LPs for an "
              "equilibrium within its supports" + ("; every perturbed matrix also solved completely" if small else ""))
    return Robustness(draws, seed, level, survival, tuple(s >= level for s in survival), tuple(supports), appearing,
                      method, notes)
