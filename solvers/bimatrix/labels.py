"""Labels of best-response-polytope points and completely labelled pairs.

A point of ``P = {x >= 0 : B'^T x <= 1}`` or ``Q = {y >= 0 : A' y <= 1}`` carries the labels of
its tight constraints; masks are kept in each polytope's own constraint order
(``[z = 0 | payoff rows]``) and mapped to the game's labels (rows ``0..m-1``, then columns) by
:func:`_label_order`.  :func:`_keys` makes masks hashable and sortable (vertex identity in the
searches), :func:`_match` pairs completely labelled vertices, and :func:`_complement` is the
lrsnash step: the other player's complementary point of each vertex by one linear solve.
"""

from __future__ import annotations

import numpy as np


def _keys(mask: np.ndarray) -> np.ndarray:
    """Hashable, sortable keys for rows of a boolean label mask (uint64 up to 64 labels, else bytes)."""
    packed = np.packbits(mask, axis=1, bitorder="little")
    nb = packed.shape[1]
    if nb <= 8:
        out = np.zeros((len(mask), 8), np.uint8)
        out[:, :nb] = packed
        return out.view("<u8")[:, 0]
    return np.ascontiguousarray(packed).view(np.dtype((np.void, nb))).ravel()


def _label_order(mask: np.ndarray, d: int, player: int) -> np.ndarray:
    """Polytope constraint order -> game labels (rows 0..m-1, then columns m..m+n-1)."""
    if player == 0:  # P: [x_i = 0 (rows) | column j best reply]
        return mask
    return np.hstack([mask[:, d:], mask[:, :d]])  # Q: [y_j = 0 | row i best reply] -> [rows | cols]


def _match(LP: np.ndarray, LQ: np.ndarray, m: int, n: int) -> np.ndarray:
    """All pairs ``(i, j)`` with ``LP[i] | LQ[j]`` = every label (completely labelled pairs).

    Nondegenerate pairs (``m`` and ``n`` labels) by exact key lookup of the complement; pairs
    with a degenerate (over-labelled) vertex by a vectorised superset test.
    """
    popP, popQ = LP.sum(axis=1), LQ.sum(axis=1)
    pairs: list[np.ndarray] = []
    ndP, ndQ = np.flatnonzero(popP == m), np.flatnonzero(popQ == n)
    if len(ndP) and len(ndQ):
        kq = _keys(LQ[ndQ])
        order = np.argsort(kq)
        kq_sorted = kq[order]
        kp = _keys(~LP[ndP])
        pos = np.searchsorted(kq_sorted, kp)
        pos = np.minimum(pos, len(kq_sorted) - 1)
        hit = kq_sorted[pos] == kp
        pairs.append(np.stack([ndP[hit], ndQ[order[pos[hit]]]], axis=1))
    for i in np.flatnonzero(popP > m):
        need = ~LP[i]
        js = np.flatnonzero(LQ[:, need].all(axis=1))
        pairs.append(np.stack([np.full(len(js), i), js], axis=1))
    for j in np.flatnonzero(popQ > n):
        need = ~LQ[j]
        is_ = ndP[LP[ndP][:, need].all(axis=1)]
        pairs.append(np.stack([is_, np.full(len(is_), j)], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.intp)
    return np.concatenate(pairs).astype(np.intp)


def _complement(MF: np.ndarray, dF: int, C_other: np.ndarray, tol: float):
    """lrsnash step: the complementary point of each nondegenerate vertex of one polytope.

    ``MF``: tight masks, in the finished polytope's own order ``[z = 0 (dF) | payoff rows (d_o)]``,
    of all its vertices; ``C_other`` (``d_o x dF``): the other polytope's matrix.  A vertex with
    support ``S`` and tight payoff rows ``J`` (``|J| = |S|`` when nondegenerate) needs the other
    player's point ``w`` with ``w = 0`` off ``J`` and ``C_other[J, S]^T w_J = 1``: one small
    system per vertex, batched by support size.  Returns ``(idx, points, masks)`` (masks in the
    other polytope's own order) of the feasible solutions, or None if some vertex is degenerate
    or some system singular / ill-conditioned (the caller then enumerates the other polytope).
    """
    if np.any(MF.sum(axis=1) != dF):
        return None
    d_o = C_other.shape[0]
    supp = ~MF[:, :dF]
    Jm = MF[:, dF:]
    size = supp.sum(axis=1)
    rows = np.flatnonzero(size > 0)  # the origin's complement is the other origin, not an equilibrium
    if not len(rows):
        return np.zeros(0, np.intp), np.zeros((0, d_o)), np.zeros((0, d_o + dF), bool)
    # all supports in one batch: each system C[J, S]^T padded to D x D with the identity
    D = int(size[rows].max())
    size = size[rows]
    S = np.argsort(~supp[rows], axis=1, kind="stable")[:, :D]
    J = np.argsort(~Jm[rows], axis=1, kind="stable")[:, :D]
    valid = np.arange(D)[None, :] < size[:, None]
    both = valid[:, :, None] & valid[:, None, :]
    M = np.where(both, C_other[J[:, None, :], S[:, :, None]], np.eye(D)[None, :, :])  # M[n, a, b] = C[J_b, S_a]
    try:
        Minv = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return None
    cond = np.abs(M).sum(axis=1).max(axis=1) * np.abs(Minv).sum(axis=1).max(axis=1)  # 1-norm condition
    if not np.all(np.isfinite(cond)) or np.any(cond > 1e10):
        return None
    wJ = np.einsum("nab,nb->na", Minv, valid.astype(float))  # zero on the padding
    w = np.zeros((len(rows), d_o))
    r_i, c_i = np.nonzero(valid)
    w[r_i, J[r_i, c_i]] = wJ[r_i, c_i]
    feas = np.all(wJ >= -10 * tol, axis=1) & np.all(w @ C_other <= 1.0 + 10 * tol, axis=1)
    idx = rows[feas]
    W = np.clip(w[feas], 0.0, None)
    masks = np.hstack([W <= tol, np.abs(1.0 - W @ C_other) <= tol])
    return idx, W, masks
