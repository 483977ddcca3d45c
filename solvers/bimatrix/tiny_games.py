"""Tiny games: every vertex of a best-response polytope by solving every square label system in
one batch (cheaper than the vertex search's per-level overhead when ``C(m + n, m)`` is small).
"""

from __future__ import annotations

import itertools

import numpy as np

# Games with at most this many label subsets per polytope (C(m + n, m)) are solved in one batch.
_SMALL_GAME_SYSTEMS = 1000


def _polytope_vertices_small(C: np.ndarray, tol: float, chunk: int = 200_000) -> np.ndarray:
    """Vertices (other than 0) of ``{z in R^d : z >= 0, C^T z <= 1}`` by solving every square system.

    Only for tiny games (``C(d + e, d)`` at most ``_SMALL_GAME_SYSTEMS``), where one batch of all
    label subsets is cheaper than the search's per-level overhead.  Returns ``(V, d)``, duplicates merged.
    """
    d, e = C.shape
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
