"""Nash equilibria of bimatrix games (stage games, meta-games from tournament matrices).

Main route: **all extreme equilibria by vertex enumeration** of the two best-response polytopes
(the method behind ``lrsnash``; Avis, Rosenberg, Savani & von Stengel 2010):

    P = {x >= 0 : B'^T x <= 1},   Q = {y >= 0 : A' y <= 1},

with ``A', B'`` positive affine rescalings of the payoffs (equilibria are invariant under them).
A point carries the labels of its tight inequalities (row ``i`` unplayed / column ``j`` a best
response in ``P``; row ``i`` a best response / column ``j`` unplayed in ``Q``).  The extreme
equilibria are exactly the completely labelled vertex pairs other than ``(0, 0)``; this holds
for degenerate games too, provided labels are read from *all* tight constraints (done here).

Vertices are enumerated exhaustively and vectorised: every vertex of ``P`` other than 0 solves
``B'[S, J]^T x_S = 1`` for some row set ``S`` and column set ``J`` of equal size with a
non-singular sub-matrix, so all ``C(m + n, m)`` such systems are solved in numpy batches and
filtered for feasibility.  No pivoting rule, no lexicographic perturbation: degenerate vertices
are simply found several times and merged.  Cost grows like ``C(m + n, m)`` (184 756 systems per
polytope at 10x10; a ``ParameterError`` is raised above ``max_systems``).

Degeneracy (some mixed strategy with more pure best responses than its support size) is
detected exactly as "a vertex with more labels than the dimension" and reported with the
offending vertices; connected components of the equilibrium set are reported as the connected
components of the bipartite graph of extreme-equilibrium pairs (two extreme equilibria sharing
a vertex are joined by a segment of equilibria).

Cross-checks (:func:`cross_check`): nashpy's Lemke–Howson from every initial label, support
enumeration and vertex enumeration, each result verified by the best-response conditions and
matched against the list; anything found elsewhere but not here is reported as a miss.

Also: :func:`replicator_dynamics` on a symmetric (tournament) matrix.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import networkx as nx
import numpy as np

from eqtools.errors import ConvergenceError, GameError, ParameterError
from eqtools.games import BimatrixGame, Game

__all__ = [
    "Equilibrium",
    "NashResult",
    "CrossCheck",
    "ReplicatorResult",
    "as_bimatrix",
    "extreme_equilibria",
    "is_equilibrium",
    "cross_check",
    "replicator_dynamics",
]


# ------------------------------------------------------------------ input


def as_bimatrix(game: Any) -> BimatrixGame:
    """Coerce to :class:`BimatrixGame`.

    Accepts a :class:`BimatrixGame`, a :class:`Game` (its stage game), a pair ``(A, B)``, or a
    single square matrix ``M`` read as a *symmetric* meta-game (row payoff ``M``, column payoff
    ``M.T``, e.g. a tournament matrix of row-strategy payoffs).
    """
    if isinstance(game, BimatrixGame):
        return game
    if isinstance(game, Game):
        return game.bimatrix()
    if isinstance(game, tuple) and len(game) == 2:
        return BimatrixGame(game[0], game[1])  # the constructor names ragged / non-numeric matrices
    try:
        arr = np.asarray(game, dtype=float)
    except (TypeError, ValueError):
        raise GameError(f"cannot read a bimatrix game from {type(game).__name__}: not a numeric matrix") from None
    if arr.ndim == 2:
        return BimatrixGame.symmetric(arr)
    raise GameError(f"cannot read a bimatrix game from an object of type {type(game).__name__} / shape {arr.shape}")


def _rescale(M: np.ndarray) -> np.ndarray:
    lo, hi = float(M.min()), float(M.max())
    span = hi - lo if hi > lo else 1.0
    return (M - lo) / span + 1.0


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Equilibrium:
    """One extreme Nash equilibrium ``(x, y)`` with payoffs and supports."""

    x: np.ndarray
    y: np.ndarray
    payoff_row: float
    payoff_col: float
    row_vertex: int
    col_vertex: int

    @property
    def support_row(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.x > 0))

    @property
    def support_col(self) -> tuple[int, ...]:
        return tuple(int(j) for j in np.flatnonzero(self.y > 0))

    @property
    def is_pure(self) -> bool:
        return len(self.support_row) == 1 and len(self.support_col) == 1

    def to_dict(self, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "payoff_row": self.payoff_row,
            "payoff_col": self.payoff_col,
            "support_row": list(self.support_row),
            "support_col": list(self.support_col),
        }
        if row_labels is not None:
            d["support_row_labels"] = [row_labels[i] for i in self.support_row]
        if col_labels is not None:
            d["support_col_labels"] = [col_labels[j] for j in self.support_col]
        return d


@dataclass(frozen=True)
class NashResult:
    """All extreme equilibria of a bimatrix game with degeneracy diagnostics.

    Attributes
    ----------
    equilibria:
        Every extreme equilibrium (completely labelled vertex pair), sorted.
    degenerate:
        True when some vertex of a best-response polytope has more labels than its dimension.
    degenerate_vertices:
        ``(player, mixed strategy, labels)`` for each over-labelled vertex (``player`` 0 = row).
    components:
        Connected components of the equilibrium set, as lists of indices into ``equilibria``;
        a component with one element is an isolated equilibrium.
    n_vertices:
        Number of vertices of ``P`` and ``Q`` (origin included).
    """

    game: BimatrixGame
    equilibria: tuple[Equilibrium, ...]
    degenerate: bool
    degenerate_vertices: tuple[tuple[int, np.ndarray, tuple[int, ...]], ...]
    components: tuple[tuple[int, ...], ...]
    n_vertices: tuple[int, int]
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.equilibria)

    @property
    def isolated(self) -> tuple[bool, ...]:
        iso = [False] * len(self.equilibria)
        for comp in self.components:
            if len(comp) == 1:
                iso[comp[0]] = True
        return tuple(iso)

    def symmetric(self, atol: float = 1e-9) -> tuple[Equilibrium, ...]:
        """Equilibria with ``x == y`` (meaningful for symmetric games)."""
        if self.game.shape[0] != self.game.shape[1]:
            return ()
        return tuple(e for e in self.equilibria if np.allclose(e.x, e.y, atol=atol, rtol=0))

    def contains(self, x: Any, y: Any, atol: float = 1e-6) -> bool:
        """Whether ``(x, y)`` is (numerically) one of the extreme equilibria."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        return any(np.allclose(e.x, x, atol=atol, rtol=0) and np.allclose(e.y, y, atol=atol, rtol=0) for e in self.equilibria)

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        return {
            "game": g.name,
            "shape": list(g.shape),
            "n_equilibria": len(self.equilibria),
            "degenerate": self.degenerate,
            "degenerate_vertices": [
                {"player": "row" if p == 0 else "col", "strategy": v.tolist(), "labels": list(l)}
                for p, v, l in self.degenerate_vertices
            ],
            "components": [list(c) for c in self.components],
            "equilibria": [e.to_dict(g.row_labels, g.col_labels) for e in self.equilibria],
            "n_vertices": list(self.n_vertices),
        }


# ------------------------------------------------------------ vertex enum


def _polytope_vertices(C: np.ndarray, tol: float, max_systems: int, chunk: int = 200_000) -> np.ndarray:
    """Vertices (other than 0) of ``{z in R^d : z >= 0, C^T z <= 1}`` for positive ``C`` (d x e).

    Returns an array ``(V, d)`` (duplicates merged).
    """
    d, e = C.shape
    total = math.comb(d + e, d) - 1
    if total > max_systems:
        raise ParameterError(
            f"game of shape {(d, e)} needs {total} linear systems per polytope, above max_systems={max_systems}; "
            "raise max_systems or use a pivoting method (e.g. nashpy lemke_howson) for a sample of equilibria"
        )
    found: list[np.ndarray] = []
    for k in range(1, min(d, e) + 1):
        S_all = np.array(list(itertools.combinations(range(d), k)), dtype=np.intp)
        J_all = np.array(list(itertools.combinations(range(e), k)), dtype=np.intp)
        per = max(1, chunk // len(J_all))
        for s0 in range(0, len(S_all), per):
            S = S_all[s0 : s0 + per]
            # M[a, b] = C[S_a, J_b]^T : shape (nS, nJ, k, k)
            sub = C[S[:, None, :, None], J_all[None, :, None, :]]  # (nS, nJ, k(rows), k(cols))
            Mt = np.swapaxes(sub, -1, -2).reshape(-1, k, k)
            Sidx = np.repeat(S, len(J_all), axis=0)
            z = _batched_solve(Mt)
            good = np.all(np.isfinite(z), axis=1)
            z, Sidx = z[good], Sidx[good]
            feas = np.all(z >= -tol, axis=1)
            if not feas.any():
                continue
            z, Sidx = z[feas], Sidx[feas]
            full = np.zeros((z.shape[0], d))
            np.put_along_axis(full, Sidx, z, axis=1)
            full[full < 0] = 0.0
            slack = full @ C  # (N, e)
            feas = np.all(slack <= 1.0 + tol, axis=1)
            if feas.any():
                found.append(full[feas])
    if not found:
        return np.zeros((0, d))
    V = np.concatenate(found)
    return _merge_close(V, tol)


def _batched_solve(Mt: np.ndarray) -> np.ndarray:
    """Solve ``Mt[i] z_i = 1`` for a batch; singular or ill-conditioned systems give NaN rows.

    One LAPACK call when no matrix is exactly singular (the generic case); otherwise the
    singular ones are filtered by their determinant first.  Solutions are accepted only when
    the residual is small (near-singular systems with a wild solution are dropped: the vertex
    they would describe is found through a well-conditioned basis).
    """
    k = Mt.shape[-1]
    rhs = np.ones((Mt.shape[0], k, 1))
    try:
        z = np.linalg.solve(Mt, rhs)[..., 0]
    except np.linalg.LinAlgError:
        z = np.full((Mt.shape[0], k), np.nan)
        det = Mt[:, 0, 0] if k == 1 else np.linalg.det(Mt)
        ok = np.abs(det) > 1e-12
        if ok.any():
            z[ok] = np.linalg.solve(Mt[ok], rhs[ok])[..., 0]
    bad = ~np.all(np.isfinite(z), axis=1)
    z[bad] = np.nan
    res = np.abs(np.einsum("nij,nj->ni", Mt, np.nan_to_num(z)) - 1.0).max(axis=1)
    z[res > 1e-8] = np.nan
    return z


def _merge_close(V: np.ndarray, tol: float) -> np.ndarray:
    if len(V) == 0:
        return V
    scale = 1e-7
    key = np.round(V / scale).astype(np.int64)
    _, idx = np.unique(key, axis=0, return_index=True)
    U = V[np.sort(idx)]
    # Merge near-duplicates that straddled a rounding boundary.
    from scipy.spatial import cKDTree

    pairs = cKDTree(U).query_pairs(r=10 * scale, p=np.inf, output_type="ndarray")
    if len(pairs):
        keep = np.ones(len(U), dtype=bool)
        for i, j in sorted(map(tuple, pairs)):
            if keep[i]:
                keep[j] = False
        U = U[keep]
    return U


def _labels(V: np.ndarray, C: np.ndarray, tol: float, zero_first: bool) -> np.ndarray:
    """Bitmask of labels for vertices ``V`` of ``{z >= 0, C^T z <= 1}``.

    ``zero_first``: the zero-coordinate labels come first (polytope P: labels 0..m-1 are rows);
    otherwise the tight-inequality labels come first (polytope Q: labels 0..m-1 are rows).
    """
    d, e = C.shape
    zero = V <= tol
    tight = np.abs(V @ C - 1.0) <= tol
    bits = np.concatenate([zero, tight], axis=1) if zero_first else np.concatenate([tight, zero], axis=1)
    weights = (np.uint64(1) << np.arange(d + e, dtype=np.uint64))
    return (bits.astype(np.uint64) * weights).sum(axis=1).astype(np.uint64)


def _bits(mask: int, width: int) -> tuple[int, ...]:
    return tuple(i for i in range(width) if (int(mask) >> i) & 1)


def extreme_equilibria(game: Any, *, tol: float = 1e-9, max_systems: int = 5_000_000) -> NashResult:
    """All extreme Nash equilibria of a bimatrix game by exhaustive vertex enumeration.

    ``game``: anything :func:`as_bimatrix` accepts.  ``tol`` is the tolerance on the rescaled
    payoffs (entries in [1, 2]) for tight constraints.  Raises :class:`GameError` if no
    equilibrium is found (impossible in exact arithmetic: a sign of numerical trouble).
    """
    g = as_bimatrix(game)
    A, B = g.A, g.B
    m, n = A.shape
    if m + n > 62:
        raise ParameterError(f"game of shape {(m, n)} too large for exhaustive vertex enumeration (m + n <= 62)")
    A1, B1 = _rescale(A), _rescale(B)
    # P: x in R^m, constraints x >= 0 (labels 0..m-1), B1^T x <= 1 (labels m..m+n-1)
    VP = _polytope_vertices(B1, tol, max_systems)
    # Q: y in R^n, constraints A1 y <= 1 (labels 0..m-1), y >= 0 (labels m..m+n-1)
    VQ = _polytope_vertices(A1.T, tol, max_systems)
    LP = _labels(VP, B1, tol, zero_first=True)
    LQ = _labels(VQ, A1.T, tol, zero_first=False)
    full = np.uint64((1 << (m + n)) - 1)
    # degeneracy: a vertex with more labels than the dimension
    popP = np.array([bin(int(v)).count("1") for v in LP], dtype=int)
    popQ = np.array([bin(int(v)).count("1") for v in LQ], dtype=int)
    degen: list[tuple[int, np.ndarray, tuple[int, ...]]] = []
    for i in np.flatnonzero(popP > m):
        degen.append((0, VP[i] / VP[i].sum(), _bits(LP[i], m + n)))
    for j in np.flatnonzero(popQ > n):
        degen.append((1, VQ[j] / VQ[j].sum(), _bits(LQ[j], m + n)))
    pairs = np.argwhere((LP[:, None] | LQ[None, :]) == full)
    eqs: list[Equilibrium] = []
    for i, j in pairs:
        x = VP[i] / VP[i].sum()
        y = VQ[j] / VQ[j].sum()
        x = np.where(x <= tol, 0.0, x)
        y = np.where(y <= tol, 0.0, y)
        x, y = x / x.sum(), y / y.sum()
        eqs.append(Equilibrium(x, y, float(x @ A @ y), float(x @ B @ y), int(i), int(j)))
    if not eqs:
        raise GameError(
            f"no equilibrium found for game {g.name!r} of shape {(m, n)}: numerical trouble (tol={tol}); "
            "try a larger tol or rescale the payoffs"
        )
    order = sorted(range(len(eqs)), key=lambda k: (tuple(-eqs[k].x), tuple(-eqs[k].y)))
    eqs = [eqs[k] for k in order]
    G = nx.Graph()
    for k, e in enumerate(eqs):
        G.add_edge(("x", e.row_vertex), ("y", e.col_vertex), idx=k)
    comps = []
    for cc in nx.connected_components(G):
        idx = sorted(G.edges[u, v]["idx"] for u, v in G.subgraph(cc).edges)
        comps.append(tuple(idx))
    comps.sort()
    return NashResult(
        game=g,
        equilibria=tuple(eqs),
        degenerate=bool(degen),
        degenerate_vertices=tuple(degen),
        components=tuple(comps),
        n_vertices=(len(VP) + 1, len(VQ) + 1),
        info={"tol": tol, "method": "exhaustive vertex enumeration"},
    )


def is_equilibrium(game: Any, x: Any, y: Any, *, tol: float = 1e-7) -> bool:
    """Best-response check of a mixed profile: no pure deviation gains more than ``tol``.

    ``tol`` is relative to the payoff range of each player.  Returns False for invalid
    (non-finite, negative, not summing to 1) strategies.
    """
    g = as_bimatrix(game)
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != (g.shape[0],) or y.shape != (g.shape[1],):
        return False
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return False
    if x.min() < -1e-9 or y.min() < -1e-9 or abs(x.sum() - 1) > 1e-6 or abs(y.sum() - 1) > 1e-6:
        return False
    sa = max(1.0, float(np.ptp(g.A)))
    sb = max(1.0, float(np.ptp(g.B)))
    Ay = g.A @ y
    xB = x @ g.B
    return bool(Ay.max() - x @ Ay <= tol * sa and xB.max() - xB @ y <= tol * sb)


# ------------------------------------------------------------ cross check


@dataclass(frozen=True)
class CrossCheck:
    """Comparison of :func:`extreme_equilibria` with nashpy's algorithms.

    For each method: how many profiles it returned, how many are valid equilibria, how many
    of those are among our extreme equilibria, and the valid ones we do *not* have
    (``missed_by_us``: would signal a bug here; for degenerate games a method may return
    non-extreme equilibria, which are checked to lie in the convex hull of a component).
    ``missed_by_support_enumeration``: our extreme equilibria that support enumeration did
    not return (its known silent failure mode).
    """

    result: NashResult
    methods: dict[str, dict[str, Any]]
    missed_by_support_enumeration: tuple[int, ...] | None

    @property
    def consistent(self) -> bool:
        return all(not m["missed_by_us"] for m in self.methods.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_equilibria": len(self.result),
            "degenerate": self.result.degenerate,
            "consistent": self.consistent,
            "methods": {
                k: {kk: (vv if not isinstance(vv, np.ndarray) else vv.tolist()) for kk, vv in v.items() if kk != "missed_profiles"}
                for k, v in self.methods.items()
            },
            "missed_by_support_enumeration": None
            if self.missed_by_support_enumeration is None
            else list(self.missed_by_support_enumeration),
        }


def _in_component_hull(res: NashResult, x: np.ndarray, y: np.ndarray, atol: float = 1e-6) -> bool:
    """Is (x, y) in the convex hull of some maximal product set of a component? (LP feasibility).

    Checked as: x in conv(row vertices of a component) and y in conv(its col vertices) —
    sufficient for degenerate games where every pair in a component is an equilibrium;
    as a test it errs on the side of reporting a miss.
    """
    from scipy.optimize import linprog

    for comp in res.components:
        xs = np.unique(np.array([res.equilibria[k].x for k in comp]), axis=0)
        ys = np.unique(np.array([res.equilibria[k].y for k in comp]), axis=0)
        ok = True
        for pts, target in ((xs, x), (ys, y)):
            k = len(pts)
            A_eq = np.vstack([pts.T, np.ones((1, k))])
            b_eq = np.concatenate([target, [1.0]])
            lp = linprog(np.zeros(k), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
            if lp.status != 0:
                ok = False
                break
        if ok:
            return True
    return False


def cross_check(
    game: Any,
    *,
    methods: Sequence[str] = ("lemke_howson", "vertex_enumeration", "support_enumeration"),
    tol: float = 1e-9,
    atol: float = 1e-6,
) -> CrossCheck:
    """Run nashpy's algorithms beside :func:`extreme_equilibria` and compare.

    Methods: ``lemke_howson`` (from every one of the ``m + n`` initial labels),
    ``vertex_enumeration``, ``support_enumeration`` (exponential: skip it for large games).
    nashpy's warnings (degeneracy, invalid LH output) are captured and reported.
    """
    import nashpy

    res = extreme_equilibria(game, tol=tol)
    g = res.game
    ng = nashpy.Game(g.A, g.B)
    m, n = g.shape
    report: dict[str, dict[str, Any]] = {}
    missed_se: tuple[int, ...] | None = None
    for meth in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if meth == "lemke_howson":
                out = []
                for lab in range(m + n):
                    try:
                        out.append(tuple(np.asarray(a, float) for a in ng.lemke_howson(initial_dropped_label=lab)))
                    except Exception as exc:  # nashpy raises on some degenerate pivots
                        out.append((np.full(m, np.nan), np.full(n, np.nan)))
                        caught.append(warnings.WarningMessage(str(exc), RuntimeWarning, "", 0))
            elif meth == "vertex_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.vertex_enumeration()]
            elif meth == "support_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.support_enumeration()]
            else:
                raise ParameterError(f"unknown cross-check method {meth!r}")
        valid, ours, missed = 0, 0, []
        found_idx: set[int] = set()
        for x, y in out:
            if not is_equilibrium(g, x, y):
                continue
            valid += 1
            hit = [k for k, e in enumerate(res.equilibria) if np.allclose(e.x, x, atol=atol) and np.allclose(e.y, y, atol=atol)]
            if hit:
                ours += 1
                found_idx.update(hit)
            elif not (res.degenerate and _in_component_hull(res, x, y, atol)):
                missed.append((x, y))
        report[meth] = {
            "returned": len(out),
            "valid": valid,
            "extreme_matched": ours,
            "distinct_found": len(found_idx),
            "missed_by_us": len(missed),
            "missed_profiles": missed,
            "warnings": sorted({str(w.message)[:120] for w in caught}),
        }
        if meth == "support_enumeration":
            missed_se = tuple(k for k in range(len(res.equilibria)) if k not in found_idx)
    return CrossCheck(result=res, methods=report, missed_by_support_enumeration=missed_se)


# ------------------------------------------------------------ replicator


@dataclass(frozen=True)
class ReplicatorResult:
    """Trajectory of the replicator dynamics ``dx_i/dt = x_i ((M x)_i - x.M x)``.

    ``converged``: the speed ``max_i |dx_i/dt|`` at the end is below ``tol``; ``final`` is then
    (numerically) a rest point.  ``rest_point_is_nash`` says whether it is also a symmetric Nash
    equilibrium of the symmetric game (no strategy outside the support earns more).
    """

    times: np.ndarray
    trajectory: np.ndarray
    final: np.ndarray
    speed: float
    converged: bool
    rest_point_is_nash: bool
    labels: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "final": dict(zip(self.labels, self.final.tolist())),
            "speed": self.speed,
            "converged": self.converged,
            "rest_point_is_nash": self.rest_point_is_nash,
        }


def replicator_dynamics(
    matrix: Any,
    x0: Any | None = None,
    *,
    t_max: float = 200.0,
    n_points: int = 401,
    tol: float = 1e-6,
    labels: Sequence[str] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    raise_on_nonconvergence: bool = False,
) -> ReplicatorResult:
    """Integrate the replicator dynamics of the symmetric game with payoff matrix ``matrix``.

    ``matrix[i, j]`` is the payoff of strategy ``i`` against ``j`` (a tournament matrix).
    ``x0`` defaults to the barycentre.  Integration: scipy ``solve_ivp`` (DOP853) on the
    simplex, renormalised at the output points.  Non-convergence (cycles, e.g. rock-paper-
    scissors) is flagged (``converged=False``) or raised with ``raise_on_nonconvergence``.
    """
    from scipy.integrate import solve_ivp

    M = np.asarray(matrix, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise GameError(f"replicator dynamics needs a square payoff matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise GameError("payoff matrix has non-finite entries")
    k = M.shape[0]
    if x0 is None:
        x0 = np.full(k, 1.0 / k)
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (k,) or np.any(x0 < 0) or not np.isfinite(x0).all() or abs(x0.sum() - 1) > 1e-9:
        raise ParameterError(f"x0 must be a probability vector of length {k}")
    if not (t_max > 0):
        raise ParameterError(f"t_max must be positive, got {t_max}")

    def f(_t: float, x: np.ndarray) -> np.ndarray:
        fit = M @ x
        return x * (fit - x @ fit)

    ts = np.linspace(0.0, t_max, n_points)
    sol = solve_ivp(f, (0.0, t_max), x0, t_eval=ts, method="DOP853", rtol=rtol, atol=atol)
    if not sol.success:
        raise ConvergenceError(f"replicator integration failed: {sol.message}")
    traj = np.clip(sol.y.T, 0.0, None)
    traj = traj / traj.sum(axis=1, keepdims=True)
    final = traj[-1]
    speed = float(np.max(np.abs(f(0.0, final))))
    converged = speed < tol
    fit = M @ final
    avg = final @ fit
    scale = max(1.0, float(np.ptp(M)))
    is_nash = bool(converged and fit.max() - avg <= 1e-4 * scale)
    if raise_on_nonconvergence and not converged:
        raise ConvergenceError(f"replicator dynamics not at rest at t = {t_max}: speed {speed:.3g} >= tol {tol}")
    labs = tuple(labels) if labels is not None else tuple(f"s{i}" for i in range(k))
    return ReplicatorResult(ts, traj, final, speed, converged, is_nash, labs)
