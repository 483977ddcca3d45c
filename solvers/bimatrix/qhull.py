"""The certified qhull route: the vertices of a *simple* best-response polytope from qhull on its
polar, accepted only with a combinatorial certificate that the list is complete (every vertex
simple, every edge with both endpoints listed).  Used for generic games (no tied payoffs);
any failure falls back to the exact vertex search (:mod:`solvers.bimatrix.vertex_search`).
"""

from __future__ import annotations

import numpy as np

from .labels import _keys

# The polar-hull route is tried for polytopes of dimension at most this (qhull's output, the
# vertex count, grows fast with the dimension; beyond it the search runs directly).
_HULL_MAX_DIM = 16


def _hull_vertices(C: np.ndarray, tol: float, max_vertices: int | None) -> tuple[np.ndarray, np.ndarray] | None:
    """All vertices of a *simple* polytope ``{z >= 0, C^T z <= 1}`` from qhull, with a certificate.

    The polytope is shifted so that an interior point ``c`` sits at the origin; its facets
    ``g_k (z - c) <= s_k`` become the points ``g_k / s_k`` of the polar, whose hull facets
    (``scipy.spatial.ConvexHull``, triangulated) are the polytope's vertices.  Labels are then
    re-read from *all* constraints at each vertex, and the list is accepted only with an exact
    combinatorial certificate of completeness:

    * every vertex is feasible and has exactly ``d`` tight constraints (the polytope is simple
      there), the same ``d`` that span its qhull facet;
    * every ``(d - 1)``-subset of a vertex's tight set, i.e. every edge leaving it, is shared
      by exactly two listed vertices: its two endpoints.

    Then the list is closed under adjacency in the vertex graph, which is connected, so it is
    every vertex.  Returns ``(V, masks)`` in the search's constraint order (``V`` for the payoffs
    rescaled to [0.1, 1.1]: the same vertices after normalisation to mixed strategies), or None (degenerate
    or tied payoffs, a qhull failure, too many vertices, a failed certificate): the caller then
    runs the vertex-graph search, which is exact on degenerate polytopes.
    """
    from scipy.spatial import ConvexHull, QhullError

    d, e = C.shape
    # A positive affine rescaling to [0.1, 1.1] (same labels, same normalised vertices): it spreads
    # the polar points more than [1, 2] does, which halves qhull's time at 16 strategies.
    span = float(np.ptp(C))
    C = (C - float(C.min())) / (span if span > 0 else 1.0) + 0.1
    G = np.vstack([-np.eye(d), C.T])
    h = np.concatenate([np.zeros(d), np.ones(e)])
    c = np.full(d, 0.5 / float(C.sum(axis=0).max()))  # C > 0: then C^T c <= 1/2 and c > 0
    s = h - G @ c
    try:
        hull = ConvexHull(G / s[:, None])
    except (QhullError, ValueError):
        return None
    eq = hull.equations
    if not np.all(eq[:, -1] < 0):  # the origin (the interior point) must be strictly inside
        return None
    Z = c - eq[:, :-1] / eq[:, -1:]
    slack = h[None, :] - Z @ G.T
    if slack.min() < -tol:
        return None
    M = np.abs(slack) <= tol
    if np.any(M.sum(axis=1) != d):
        return None  # a degenerate vertex (or a near-tie): leave it to the exact search
    simp = np.zeros_like(M)
    np.put_along_axis(simp, hull.simplices, True, axis=1)
    if not np.array_equal(simp, M):
        return None
    keys = _keys(M)
    keys, first = np.unique(keys, return_index=True)
    Z, M = Z[first], M[first]
    if max_vertices is not None and len(Z) > max_vertices:
        return None
    if not _edges_closed(M):
        return None
    return np.clip(Z, 0.0, None), M


def _edges_closed(M: np.ndarray) -> bool:
    """Completeness certificate for the vertices of a simple polytope, from their tight sets.

    ``M`` (N, k): tight-constraint masks of distinct vertices, each with exactly ``d`` tight
    constraints.  At a simple vertex every ``(d - 1)``-subset of its tight set spans an edge,
    and the vertices carrying that subset are exactly the edge's two endpoints.  If every such
    subset occurs exactly twice, every neighbour of every listed vertex is listed; the vertex
    graph of a polytope is connected, so the list is complete.
    """
    N, k = M.shape
    d = int(M[0].sum()) if N else 0
    if N < 2 or np.any(M.sum(axis=1) != d):
        return False
    T = np.nonzero(M)[1].reshape(N, d)
    E = np.repeat(M[:, None, :], d, axis=1)
    E[np.arange(N)[:, None], np.arange(d)[None, :], T] = False
    _, counts = np.unique(_keys(E.reshape(-1, k)), return_counts=True)
    return bool(np.all(counts == 2))


def _no_ties(M: np.ndarray, axis: int) -> bool:
    """No two equal payoffs along ``axis`` (ties make best-response polytopes degenerate)."""
    srt = np.sort(M, axis=axis)
    return not np.any(np.diff(srt, axis=axis) == 0)
