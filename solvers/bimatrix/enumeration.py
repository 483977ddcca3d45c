"""All extreme Nash equilibria of a bimatrix game: the cost estimate and the entry point
:func:`extreme_equilibria` (one concept: complete enumeration and its route choice).

Main route: **all extreme equilibria** as the completely labelled vertex pairs of the two
best-response polytopes (von Stengel 2002; Avis, Rosenberg, Savani & von Stengel 2010)

    P = {x >= 0 : B'^T x <= 1},   Q = {y >= 0 : A' y <= 1},

with ``A', B'`` positive affine rescalings of the payoffs (equilibria are invariant under them).
A point carries the labels of its tight inequalities (row ``i`` unplayed / column ``j`` a best
response in ``P``; row ``i`` a best response / column ``j`` unplayed in ``Q``).  The extreme
equilibria are exactly the completely labelled vertex pairs other than ``(0, 0)``; this holds
for degenerate games too, provided labels are read from *all* tight constraints (done here).

Routes, tried in turn (``info["route"]`` says which ran; docs/nash_enumeration.md):

* generic games: the smaller polytope from qhull, certified complete (:mod:`.qhull`), and the
  other player's complementary points solved (:func:`~solvers.bimatrix.labels._complement`);
* tiny games: every label system in one batch (:mod:`.tiny_games`);
* otherwise the vertex-graph search of both polytopes in turn (:mod:`.vertex_search`); when one
  is exhausted with no degenerate vertex, each of its vertices fixes the other player's point
  by one linear solve (the lrsnash idea), else both are exhausted and completely labelled pairs
  are matched by label bitmasks (:mod:`.labels`).

Cost: proportional to the number of vertices visited (times ``d^2 (m + n)``), never
``C(m + n, m)``.  Budgets (``max_vertices``, ``time_limit``) raise
:class:`~eqtools.errors.EnumerationTooLarge`, up front when :func:`estimate_enumeration_cost`
already shows the budget is hopeless.  Components and maximal Nash subsets: :mod:`.subsets`.
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

import numpy as np

from eqtools.errors import EnumerationTooLarge, GameError, ParameterError
from eqtools.validation import Positive, validated
from eqtools.games import BimatrixGame

from .coerce import _rescale, as_bimatrix
from .labels import _complement, _keys, _label_order, _match
from .qhull import _HULL_MAX_DIM, _hull_vertices, _no_ties
from .results import METHOD, Equilibrium, NashResult
from .subsets import _finish
from .tiny_games import _SMALL_GAME_SYSTEMS, _polytope_vertices_small
from .vertex_search import _Budget, _BudgetState, _VertexSearch

__all__ = ["extreme_equilibria", "estimate_enumeration_cost", "METHOD"]


def _ubt(d: int, f: int) -> int:
    """McMullen's upper bound: the most vertices a ``d``-polytope with ``f`` facets can have."""
    if f <= d:
        return 1
    return math.comb(f - (d + 1) // 2, f - d) + math.comb(f - (d + 2) // 2, f - d)


# ln(vertices) of the best-response polytopes of square games with i.i.d. normal payoffs,
# fitted to measured counts (docs/nash_enumeration.md): about 0.375 (m + n) - 1.
_GENERIC_LOG_SLOPE = 0.375
_GENERIC_LOG_OFFSET = -1.0


@validated
def estimate_enumeration_cost(game: Any, *, max_vertices: Annotated[int, Positive] | None = 200_000) -> dict[str, Any]:
    """Cheap a-priori cost estimate of :func:`extreme_equilibria` (no enumeration; microseconds).

    Keys: ``feasible`` (False only when the enumeration is hopeless within ``max_vertices``),
    ``reason``, ``shape``, ``upper_bound_vertices`` (McMullen's bound for the row and column
    best-response polytopes: a guarantee), ``log10_upper_bound``, ``typical_generic_vertices``
    (both polytopes together for a game with i.i.d. random payoffs of this shape; degenerate
    games such as tournaments usually have far fewer, games with dominated strategies fewer
    still), ``log10_typical_generic``, ``max_vertices``.

    Rule: feasible if the guaranteed bound fits the budget; infeasible if even a game 1000
    times smaller than a typical random one would exceed it; otherwise feasible with the
    warning that the search may stop with :class:`EnumerationTooLarge` (with a partial result).
    """
    g = as_bimatrix(game)
    m, n = g.shape
    ub = (_ubt(m, m + n), _ubt(n, m + n))
    ub_total = ub[0] + ub[1]
    log_typ = _GENERIC_LOG_SLOPE * (m + n) + _GENERIC_LOG_OFFSET + math.log(2.0)
    log_ub = math.log(ub_total)
    log_typ = min(log_typ, log_ub)
    typ = math.exp(log_typ) if log_typ < 700 else math.inf
    out: dict[str, Any] = {
        "shape": [m, n],
        "upper_bound_vertices": [ub[0], ub[1]],
        "log10_upper_bound": log_ub / math.log(10),
        "typical_generic_vertices": typ,
        "log10_typical_generic": log_typ / math.log(10),
        "max_vertices": max_vertices,
    }
    if max_vertices is None:
        out.update(feasible=True, reason="no vertex budget (max_vertices=None): runs until done or time_limit")
    elif ub_total <= max_vertices:
        out.update(feasible=True, reason=f"guaranteed: at most {ub_total} vertices (upper bound theorem) <= max_vertices={max_vertices}")
    elif log_typ - math.log(1000.0) > math.log(max_vertices):
        out.update(
            feasible=False,
            reason=(
                f"a {m}x{n} game with random payoffs has about 10^{log_typ / math.log(10):.1f} best-response-polytope vertices; "
                f"even 1000 times fewer would exceed max_vertices={max_vertices} (pass max_vertices=None to try anyway)"
            ),
        )
    else:
        out.update(
            feasible=True,
            reason=(
                f"may exceed max_vertices={max_vertices} (random {m}x{n} games have about 10^{log_typ / math.log(10):.1f} vertices; "
                "degenerate games usually far fewer): the search stops with EnumerationTooLarge and a partial result if it does"
            ),
        )
    return out


def _check_options(tol: float, max_vertices: int | None, time_limit: float | None) -> None:
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and 0 < tol < 1e-3):
        raise ParameterError(f"tol must be a finite number in (0, 1e-3), got {tol!r}")
    if max_vertices is not None and (isinstance(max_vertices, bool) or not isinstance(max_vertices, (int, np.integer)) or max_vertices < 1):
        raise ParameterError(f"max_vertices must be a positive integer or None, got {max_vertices!r}")
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise ParameterError(f"time_limit must be a positive number of seconds or None, got {time_limit!r}")


def _equilibria_from_pairs(
    g: BimatrixGame, X: np.ndarray, Y: np.ndarray, xid: np.ndarray, yid: np.ndarray, tol: float
) -> tuple[list[Equilibrium], float]:
    A, B = g.A, g.B
    eqs: list[Equilibrium] = []
    worst = 0.0
    if len(X) == 0:
        return eqs, worst
    x = X / X.sum(axis=1, keepdims=True)
    y = Y / Y.sum(axis=1, keepdims=True)
    x = np.where(x <= tol, 0.0, x)
    y = np.where(y <= tol, 0.0, y)
    x /= x.sum(axis=1, keepdims=True)
    y /= y.sum(axis=1, keepdims=True)
    Ay = y @ A.T  # (N, m)
    xB = x @ B  # (N, n)
    pr = np.einsum("ni,ni->n", x, Ay)
    pc = np.einsum("nj,nj->n", xB, y)
    sa, sb = max(float(np.ptp(A)), 1e-300), max(float(np.ptp(B)), 1e-300)
    regret = np.maximum((Ay.max(axis=1) - pr) / sa, (xB.max(axis=1) - pc) / sb)
    worst = float(regret.max())
    for k in range(len(x)):
        eqs.append(Equilibrium(x[k], y[k], float(pr[k]), float(pc[k]), int(xid[k]), int(yid[k])))
    return eqs, worst


def _unique_ids(masks: np.ndarray) -> np.ndarray:
    _, inv = np.unique(_keys(masks), return_inverse=True)
    return inv.ravel()


def extreme_equilibria(
    game: Any,
    *,
    tol: float = 1e-9,
    max_vertices: int | None = 200_000,
    time_limit: float | None = None,
) -> NashResult:
    """All extreme Nash equilibria of a bimatrix game, with their maximal Nash subsets.

    ``game``: anything :func:`as_bimatrix` accepts (bad input raises :class:`GameError`).
    ``tol``: tolerance for a tight constraint on the payoffs rescaled to [1, 2].
    ``max_vertices``: budget on the polytope vertices visited (both polytopes together);
    ``time_limit``: seconds (it bounds the vertex search; the qhull route for games with
    untied payoffs is one call, taken only where a random game of the shape has fewer than
    ``max_vertices`` vertices).  If :func:`estimate_enumeration_cost` already shows the budget is
    hopeless, :class:`EnumerationTooLarge` is raised at once (``partial=None``); if the budget
    runs out during the search it is raised with ``partial`` = the equilibria found so far
    (a :class:`NashResult` with ``complete=False``).  Never returns an incomplete result.

    Algorithm (docs/nash_enumeration.md): breadth-first search over the vertex graphs of both
    best-response polytopes, one BFS level of each in turn; when one polytope is exhausted and
    all its vertices are nondegenerate, each of its vertices determines the other player's
    unique complementary point by one linear solve (the lrsnash idea of Avis et al. 2010);
    otherwise both polytopes are enumerated and completely labelled pairs are matched by
    label bitmasks.  Degenerate vertices are handled exactly: edges from them are the extreme
    rays of the tangent cone, and labels are read from all tight constraints.

    First, for games without tied payoffs (generic games), the smaller polytope's vertices are
    taken from qhull on its polar (the idea of quantecon's ``vertex_enumeration``), but only
    with an exact certificate of completeness: every vertex simple, and every edge with both
    endpoints listed (:func:`_hull_vertices`).  Any failure falls through to the search, so
    degenerate games never depend on qhull.  ``info["route"]`` says which route ran.
    """
    t0 = time.perf_counter()
    g = as_bimatrix(game)
    _check_options(tol, max_vertices, time_limit)
    est = estimate_enumeration_cost(g, max_vertices=max_vertices)
    if not est["feasible"]:
        raise EnumerationTooLarge(
            f"complete Nash enumeration of game {g.name!r} refused up front: {est['reason']}", estimate=est, partial=None
        )
    m, n = g.shape
    A1, B1 = _rescale(g.A), _rescale(g.B)
    info: dict[str, Any] = {"tol": tol, "method": METHOD, "estimate": est}
    # generic payoffs: one polytope's vertices from qhull, certified complete (or None -> search)
    # (one uninterruptible qhull call, so only where a random game of this shape is well inside
    # the vertex budget; time_limit bounds the search below)
    player = 0 if m <= n else 1
    small = max_vertices is None or est["typical_generic_vertices"] <= max_vertices
    if small and min(m, n) <= _HULL_MAX_DIM and (_no_ties(g.B, 1) if player == 0 else _no_ties(g.A, 0)):
        C, Cother = (B1, A1.T) if player == 0 else (A1.T, B1)
        hv = _hull_vertices(C, tol, max_vertices)
        comp = _complement(hv[1], C.shape[0], Cother, tol) if hv is not None else None
        if hv is not None and comp is not None:
            eqs, worst, degen, n_vertices = _complement_route(g, player, hv[0], hv[1], comp, info)
            info["route"] = (f"{'row' if player == 0 else 'column'} polytope from qhull (simple; completeness "
                             "certified by its edges), complementary points solved")
            visited = [len(hv[0]), 1] if player == 0 else [1, len(hv[0])]
            return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, visited, [0, 0])
    SP = _VertexSearch(B1, tol)  # x in R^m: labels [x_i = 0 | column j best reply]
    SQ = _VertexSearch(A1.T, tol)  # y in R^n: [y_j = 0 | row i best reply]
    budget = _BudgetState(max_vertices, None if time_limit is None else t0 + float(time_limit), [SP, SQ])
    if math.comb(m + n, m) <= _SMALL_GAME_SYSTEMS:
        eqs, worst, degen, n_vertices = _small_game(g, A1, B1, tol)
        info.update(route="tiny game: every label subset solved in one batch", degeneracy_checked="both polytopes")
        return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, [SP.n_found, SQ.n_found], [0, 0])
    try:
        while not (SP.done or SQ.done):  # advance the search that has seen fewer vertices
            (SP if SP.n_found <= SQ.n_found else SQ).step(budget)
        route = None
        for player, S, Cother in ((0, SP, A1.T), (1, SQ, B1)):
            if not S.done:
                continue
            V, M = S.result()
            comp = _complement(M, S.d, Cother, tol)
            if comp is not None:
                route = (player, V, M, comp)
                break
        if route is not None:
            player, V, M, comp = route
            eqs, worst, degen, n_vertices = _complement_route(g, player, V, M, comp, info)
            info["route"] = f"{'row' if player == 0 else 'column'} polytope enumerated, complementary points solved"
        else:
            while not SP.done:
                SP.step(budget)
            while not SQ.done:
                SQ.step(budget)
            eqs, worst, degen, n_vertices = _from_both(g, SP, SQ, tol)
            info.update(route="both polytopes enumerated, labels matched", degeneracy_checked="both polytopes")
    except _Budget as exc:
        partial = None
        try:
            peqs, _, pdeg, _ = _from_both(g, SP, SQ, tol)
            pinfo = dict(info, route="interrupted: pairs among the vertices visited so far", stopped=str(exc))
            partial = _finish(g, peqs, pdeg, (None, None), pinfo, complete=False)
        except Exception:  # pragma: no cover - partial results are best effort
            partial = None
        est = dict(est, vertices_visited=[SP.n_found, SQ.n_found], seconds=time.perf_counter() - t0)
        raise EnumerationTooLarge(
            f"complete Nash enumeration of game {g.name!r} ({m}x{n}) stopped: {exc} "
            f"(visited {SP.n_found} + {SQ.n_found} vertices in {time.perf_counter() - t0:.1f} s); "
            "raise max_vertices / time_limit, or use a sampling method",
            estimate=est,
            partial=partial,
        ) from None
    return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, [SP.n_found, SQ.n_found],
                           [SP.n_degenerate, SQ.n_degenerate])


def _complement_route(g: BimatrixGame, player: int, V: np.ndarray, M: np.ndarray, comp, info: dict[str, Any]):
    """Equilibria from every vertex of one (nondegenerate) polytope and its solved complements."""
    m, n = g.shape
    tol = info["tol"]
    idx, W, Wmask = comp
    other_ids = _unique_ids(Wmask) if len(Wmask) else np.zeros(0, np.intp)
    d_o = n if player == 0 else m
    if player == 0:
        eqs, worst = _equilibria_from_pairs(g, V[idx], W, idx, other_ids, tol)
    else:
        eqs, worst = _equilibria_from_pairs(g, W, V[idx], other_ids, idx, tol)
    degen = []
    seen: set[int] = set()
    for w, wm, oid in zip(W, Wmask, other_ids):
        if wm.sum() > d_o and int(oid) not in seen:
            seen.add(int(oid))
            lab = _label_order(wm[None, :], d_o, 1 - player)[0]
            degen.append((1 - player, w / w.sum(), tuple(int(i) for i in np.flatnonzero(lab))))
    n_vertices: tuple[int | None, int | None] = (len(V), None) if player == 0 else (None, len(V))
    info["degeneracy_checked"] = (
        f"{'row' if player == 0 else 'column'} polytope (no degenerate vertex) and every equilibrium vertex; "
        "the other polytope was not enumerated"
    )
    return eqs, worst, degen, n_vertices


def _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, visited, degenerate_in_search) -> NashResult:
    m, n = g.shape
    if not eqs:
        raise GameError(
            f"no equilibrium found for game {g.name!r} of shape {(m, n)}: numerical trouble (tol={tol}); "
            "try a larger tol or rescale the payoffs"
        )
    if worst > 1e-6:
        raise GameError(
            f"numerical trouble in game {g.name!r}: an enumerated profile has regret {worst:.3g} (relative to the payoff range); "
            f"try a larger tol (now {tol})"
        )
    info.update(
        vertices_visited=list(visited),
        degenerate_vertices_in_search=list(degenerate_in_search),
        max_regret=worst,
        seconds=time.perf_counter() - t0,
    )
    return _finish(g, eqs, degen, n_vertices, info, complete=True)


def _from_both(g: BimatrixGame, SP: _VertexSearch, SQ: _VertexSearch, tol: float):
    """Match completely labelled pairs among the vertices the two searches have processed."""
    VP, MP = SP.result()
    VQ, MQ = SQ.result()
    return _from_vertices(g, VP, MP, VQ, MQ, tol, (len(VP) if SP.done else None, len(VQ) if SQ.done else None))


def _from_vertices(g: BimatrixGame, VP, MP, VQ, MQ, tol: float, nv):
    m, n = g.shape
    LP = _label_order(MP, m, 0)
    LQ = _label_order(MQ, n, 1)
    pairs = _match(LP, LQ, m, n)
    keep = (VP[pairs[:, 0]].sum(axis=1) > tol) & (VQ[pairs[:, 1]].sum(axis=1) > tol) if len(pairs) else np.zeros(0, bool)
    pairs = pairs[keep]
    eqs, worst = _equilibria_from_pairs(g, VP[pairs[:, 0]], VQ[pairs[:, 1]], pairs[:, 0], pairs[:, 1], tol)
    degen: list[tuple[int, np.ndarray, tuple[int, ...]]] = []
    for player, V, L, dim in ((0, VP, LP, m), (1, VQ, LQ, n)):
        for i in np.flatnonzero(L.sum(axis=1) > dim):
            degen.append((player, V[i] / V[i].sum(), tuple(int(b) for b in np.flatnonzero(L[i]))))
    return eqs, worst, degen, nv


def _small_game(g: BimatrixGame, A1: np.ndarray, B1: np.ndarray, tol: float):
    out = []
    for C in (B1, A1.T):
        V = _polytope_vertices_small(C, tol)
        V = np.vstack([np.zeros((1, C.shape[0])), V])
        M = np.hstack([V <= tol, np.abs(V @ C - 1.0) <= tol])
        out += [V, M]
    return _from_vertices(g, out[0], out[1], out[2], out[3], tol, (len(out[0]), len(out[2])))
