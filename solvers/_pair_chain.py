"""The batched float64 core of :mod:`solvers.payoffs`: every memory-one pair's 4-state chain
built from accurate (cooperate, defect) probability pairs, in structure-of-arrays form, solved by
subtraction-free GTH (:mod:`solvers.markov`) in compiled, cache-sized batches.

Moved out of :mod:`solvers.payoffs` (issue 23, file size); the names are re-exported there.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import SWAP

from .markov import _gth_soa



def _cd(params: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(cooperate), P(defect)) of every parameter after execution errors, both accurate.

    ``c = eps + (1 - 2 eps) p`` and ``d = eps + (1 - 2 eps) (1 - p)``; the complement of ``p``
    is formed once from the *input* (exact for p >= 1/2), never from the noisy value.
    """
    p = np.asarray(params, dtype=np.float64)
    if eps == 0.0:
        return p, 1.0 - p
    k = 1.0 - 2.0 * eps
    return eps + k * p, eps + k * (1.0 - p)


def _soa_chain(xc, xd, yc, yd):
    """Transition entries ``M[s][s']`` and opening ``v0[s]`` as lists of arrays (structure of arrays).

    Works for numpy and jax arrays alike; ``x*``/``y*`` are ``(..., 5)`` (cooperate, defect) pairs.
    """
    M = []
    for s in range(4):
        a, ab = xc[..., 1 + s], xd[..., 1 + s]
        sw = int(SWAP[s])
        b, bb = yc[..., 1 + sw], yd[..., 1 + sw]
        M.append([a * b, a * bb, ab * b, ab * bb])
    a, ab, b, bb = xc[..., 0], xd[..., 0], yc[..., 0], yd[..., 0]
    v0 = [a * b, a * bb, ab * b, ab * bb]
    return M, v0


def _stationary_soa(xc, xd, yc, yd, xp):
    M, _ = _soa_chain(xc, xd, yc, yd)
    pi, ok = _gth_soa(M, xp)
    return xp.stack(pi, axis=-1), ok


def _discounted_soa(xc, xd, yc, yd, gamma, delta, xp):
    """Normalised discounted visits ``(1-gamma) v0 (I - gamma M)^{-1}`` without forming ``I - gamma M``.

    They are the stationary distribution (restricted to the four states) of the chain with an
    extra *restart* state R: from any state go on with ``gamma M`` or jump to R with ``delta =
    1 - gamma``; from R draw the opening ``v0``.  R is reachable from everywhere, so GTH (R first)
    is well posed and subtraction-free; ``delta`` is passed exactly, never formed as ``1 - gamma``
    downstream.
    """
    M, v0 = _soa_chain(xc, xd, yc, yd)
    zero = xp.zeros_like(M[0][0])
    P = [[zero] + [v0[j] + zero for j in range(4)]]
    for s in range(4):
        P.append([delta + zero] + [gamma * M[s][j] for j in range(4)])
    pi, ok = _gth_soa(P, xp)
    d = pi[1:]
    tot = d[0] + d[1] + d[2] + d[3]
    return xp.stack([v / tot for v in d], axis=-1), ok


def _matmul_soa(A, B):
    return [[A[i][0] * B[0][j] + A[i][1] * B[1][j] + A[i][2] * B[2][j] + A[i][3] * B[3][j] for j in range(4)]
            for i in range(4)]


def _vecmat_soa(v, B):
    return [v[0] * B[0][j] + v[1] * B[1][j] + v[2] * B[2][j] + v[3] * B[3][j] for j in range(4)]


def _rownorm(A):
    out = []
    for row in A:
        t = row[0] + row[1] + row[2] + row[3]
        out.append([v / t for v in row])
    return out


def _discounted_fn(xc, xd, yc, yd, gamma, delta):
    return _discounted_soa(xc, xd, yc, yd, gamma, delta, jnp)


def _stationary_fn(xc, xd, yc, yd):
    return _stationary_soa(xc, xd, yc, yd, jnp)


#: Pairs per inner (cache-sized) chunk and per outer (memory-bounding) block in the batched routes.
CHUNK_PAIRS: int = 2048
BLOCK_PAIRS: int = 1 << 18


@partial(jax.jit, static_argnums=(0, 1))
def _mapped(fn, inner, xc, xd, yc, yd, *args):
    blocks = [a.reshape(-1, inner, 5) for a in (xc, xd, yc, yd)]
    out = jax.lax.map(lambda b: fn(*b, *args), tuple(blocks))
    return jax.tree_util.tree_map(lambda o: o.reshape((-1,) + o.shape[2:]), out)


def _run_batched(fn, p, q, eps, *args):
    """Apply ``fn(xc, xd, yc, yd, *args)`` (pure jnp) to broadcast pairs; returns ``(out, shape)``.

    ``out`` has the flat pair axis first.  Pairs go in blocks of at most :data:`BLOCK_PAIRS`
    (built lazily from the broadcast views, so no full ``(N, M, 5)`` copy), each padded to a
    power of two and mapped in cache-sized chunks inside one compiled program.
    """
    shape = np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    pb = np.broadcast_to(p, shape + (5,)).reshape(-1, 5) if shape else p[None]
    qb = np.broadcast_to(q, shape + (5,)).reshape(-1, 5) if shape else q[None]
    B = pb.shape[0]
    size = min(BLOCK_PAIRS, 1 << max(0, (B - 1).bit_length()))
    inner = min(CHUNK_PAIRS, size)
    outs = []
    with jax.enable_x64(True):
        for lo in range(0, B, size):
            hi = min(B, lo + size)
            xc, xd = _cd(pb[lo:hi], eps)
            yc, yd = _cd(qb[lo:hi], eps)
            sl = [xc, xd, yc, yd]
            if hi - lo < size:  # pad the last block: one compiled shape
                sl = [np.concatenate([a, np.broadcast_to(a[:1], (size - (hi - lo), 5))]) for a in sl]
            out = _mapped(fn, inner, *(jnp.asarray(a) for a in sl), *args)
            outs.append(jax.tree_util.tree_map(lambda o, m=hi - lo: np.asarray(o)[:m], out))
    res = jax.tree_util.tree_map(lambda *o: np.concatenate(o, axis=0), *outs)
    return res, shape

def _structure(xc, xd, yc, yd) -> np.ndarray:
    """Exact zero pattern of the transition matrix from the *factors* (no underflow can hide an edge)."""
    pos = np.zeros(xc.shape[:-1] + (4, 4), dtype=bool)
    for s in range(4):
        sw = int(SWAP[s])
        for ia, a in enumerate((xc[..., 1 + s], xd[..., 1 + s])):
            for ib, b in enumerate((yc[..., 1 + sw], yd[..., 1 + sw])):
                pos[..., s, 2 * ia + ib] = (a > 0) & (b > 0)
    return pos
