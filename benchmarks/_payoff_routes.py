"""The finite-horizon routes the compiled kernel replaced, kept here as benchmark references only.

* :func:`old_scan` — the per-step forward scan of commit 3beb597 (``_all_pairs_finite``: rows in
  chunks under ``lax.map``, columns vectorised, ``n - 1`` steps of ``jnp_visits_finite``'s scan).
* :func:`logn_jax` — the O(log n) JAX route of issue 12 (LSB-first repeated squaring of the
  matrix and its block mean, every row renormalised, ``lax.scan`` over the padded bits of ``n``,
  pairs in blocks of ``BLOCK_PAIRS`` mapped in ``CHUNK_PAIRS`` chunks), copied from
  ``solvers/payoffs.py`` as it was before the kernel (git: the parent of the kernel commit).

Never imported by library code.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from solvers import payoffs as P


@partial(jax.jit, static_argnames=("n", "chunk"))
def _all_pairs_finite(Pm, Q, n, chunk):
    nrow = Pm.shape[0]
    pad = (-nrow) % chunk
    Pp = jnp.concatenate([Pm, jnp.broadcast_to(Pm[:1], (pad, 5))], axis=0) if pad else Pm
    blocks = Pp.reshape(-1, chunk, 5)

    def one(block):
        px, qy, v0 = P._components(block[:, None, :], Q[None, :, :])

        def body(carry, _):
            v, acc = carry
            v = P._step(v, px, qy)
            return (v, tuple(a + b for a, b in zip(acc, v))), None

        (_, acc), _ = jax.lax.scan(body, (v0, v0), None, length=n - 1)
        return jnp.stack(acc, axis=-1) / n

    out = jax.lax.map(one, blocks)
    return out.reshape(-1, Q.shape[0], 4)[:nrow]


def old_scan(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """Visits ``(N, M, 4)`` by the 3beb597 per-step scan (no noise; the chunk rule of that commit)."""
    chunk = max(1, min(rows.shape[0], 8192 // max(1, cols.shape[0]) or 1))
    with jax.enable_x64(True):
        return np.asarray(_all_pairs_finite(jnp.asarray(rows), jnp.asarray(cols), int(n), int(chunk)))


def _bits(n: int) -> np.ndarray:
    length = 8 * max(1, -(-n.bit_length() // 8))
    return np.array([(n >> k) & 1 for k in range(length)], dtype=bool)


def _finite_soa_jnp(xc, xd, yc, yd, bits):
    M, v0 = P._soa_chain(xc, xd, yc, yd)
    M = P._rownorm(M)
    zero = jnp.zeros_like(M[0][0])

    def vecnorm(v):
        t = v[0] + v[1] + v[2] + v[3]
        return [x / t for x in v]

    def body(carry, inp):
        Pb, Ab, av, amean, m = carry
        bit, blk = inp
        add = P._vecmat_soa(av, Ab)
        tot = m + blk
        nmean = vecnorm([(m / tot) * a + (blk / tot) * b for a, b in zip(amean, add)])
        nav = vecnorm(P._vecmat_soa(av, Pb))
        amean = [jnp.where(bit, a, b) for a, b in zip(nmean, amean)]
        av = [jnp.where(bit, a, b) for a, b in zip(nav, av)]
        m = jnp.where(bit, tot, m)
        PA = P._matmul_soa(Pb, Ab)
        Ab = P._rownorm([[0.5 * (Ab[i][j] + PA[i][j]) for j in range(4)] for i in range(4)])
        Pb = P._rownorm(P._matmul_soa(Pb, Pb))
        return (Pb, Ab, av, amean, m), None

    eye = [[jnp.ones_like(zero) if i == j else zero for j in range(4)] for i in range(4)]
    blocks = 2.0 ** jnp.arange(bits.shape[0], dtype=zero.dtype)
    (_, _, _, amean, _), _ = jax.lax.scan(body, (M, eye, vecnorm(list(v0)), [zero] * 4, zero), (bits, blocks))
    return jnp.stack(amean, axis=-1)


def _finite_fn(xc, xd, yc, yd, bits):
    return _finite_soa_jnp(xc, xd, yc, yd, bits)


def logn_jax(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """Visits ``(N, M, 4)`` by the issue-12 O(log n) JAX route (no noise)."""
    d, shape = P._run_batched(_finite_fn, rows[:, None, :], cols[None, :, :], 0.0, _bits(int(n)))
    return (d / d.sum(axis=-1, keepdims=True)).reshape(*shape, 4)
