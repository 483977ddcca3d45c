"""The compiled finite-horizon kernel: mean state visits over ``n`` rounds for many pairs.

One concept: ``(1/n) sum_{t<n} v0 M^t`` for a batch of memory-one pairs, by repeated squaring
over the binary digits of ``n`` taken from the most significant end, compiled with numba and
vectorised across pairs.

Route.  With ``S_m = sum_{t<m} v0 M^t`` (a 4-vector) and ``P_m = M^m``:

* doubling  ``S_2m = S_m + S_m P_m``,   ``P_2m = P_m P_m``,
* increment ``S_m+1 = v0 + S_m M``,     ``P_m+1 = P_m M``,

starting from ``S_1 = v0``, ``P_1 = M`` and reading the bits of ``n`` after the leading one.
Only sums and products of non-negative numbers (no cancellation, componentwise relative error
of a few ulps per level, ~log2(n) levels).  Every row of ``P`` is renormalised to sum 1 after
each squaring: otherwise the row-sum error doubles with each squaring and distorts reducible
chains at huge ``n`` (the increment only adds an ulp).  The mean is ``S_n / sum(S_n)``.  Cost
per pair: about 100 multiply-adds per bit of ``n``, a quarter of the old per-step scan's work
at ``n = 100``, and ``n = 10**9`` costs 30 levels instead of 10^9 steps.

Speed.  Pairs are processed in lanes of :data:`LANES`; each lane's state (``M``, ``v0``,
``S``, ``P``: 40 numbers) lives in one small buffer that stays in L1, and every update is a
straight-line loop over the lanes that LLVM vectorises (AVX2/AVX-512 where the CPU has them).
``error_model="numpy"`` keeps numba's division-by-zero checks out of that loop (no row sum can
be zero: ``P`` is stochastic and ``S >= v0``); ``fastmath={"contract"}`` only lets mul+add become
fused multiply-adds (one rounding instead of two; no reassociation, no flush-to-zero).  The
kernel releases the GIL, so threads (e.g. dask's) run blocks in parallel.

The kernel takes the (cooperate, defect) factor arrays built by ``solvers.payoffs._cd`` (noise
already applied exactly there) and index arrays naming the row and column of each pair, so a
full ``N x M`` table never materialises ``(N, M, 5)`` copies of the strategies.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["LANES", "SCAN_MAX_N", "horizon_bits", "route", "finite_visits_indexed"]

#: Pairs processed together (one SIMD-friendly block; its 40-number state per pair stays in L1).
LANES: int = 16

#: Horizons up to this take the forward scan (20 multiply-adds a step against ~100 a bit of
#: ``n`` for doubling; measured crossover in docs/exact_core.md); longer ones repeated squaring.
SCAN_MAX_N: int = 32

_FM = {"contract"}  # fused multiply-add only; no reassociation


def horizon_bits(n: int) -> np.ndarray:
    """Binary digits of ``n`` after its leading one, most significant first (``n >= 1``)."""
    return np.array([c == "1" for c in bin(int(n))[3:]], dtype=np.bool_)


# Buffer rows of one block: M 0..15 (row-major), v0 16..19, S 20..23, P 24..39.

@njit(inline="always", cache=True)
def _row4(B, r, lane):
    # four consecutive buffer rows of one lane (a row of M or P, S or v0)
    return B[r, lane], B[r + 1, lane], B[r + 2, lane], B[r + 3, lane]


@njit(inline="always", fastmath=_FM, error_model="numpy", cache=True)
def _double(B, lane):
    # S += S P ; P = rownorm(P P)
    s0, s1, s2, s3 = _row4(B, 20, lane)
    p00, p01, p02, p03 = _row4(B, 24, lane)
    p10, p11, p12, p13 = _row4(B, 28, lane)
    p20, p21, p22, p23 = _row4(B, 32, lane)
    p30, p31, p32, p33 = _row4(B, 36, lane)
    B[20, lane] = s0 + (s0 * p00 + s1 * p10 + s2 * p20 + s3 * p30)
    B[21, lane] = s1 + (s0 * p01 + s1 * p11 + s2 * p21 + s3 * p31)
    B[22, lane] = s2 + (s0 * p02 + s1 * p12 + s2 * p22 + s3 * p32)
    B[23, lane] = s3 + (s0 * p03 + s1 * p13 + s2 * p23 + s3 * p33)
    for r in range(4):
        a0, a1, a2, a3 = _row4(B, 24 + 4 * r, lane)
        q0 = a0 * p00 + a1 * p10 + a2 * p20 + a3 * p30
        q1 = a0 * p01 + a1 * p11 + a2 * p21 + a3 * p31
        q2 = a0 * p02 + a1 * p12 + a2 * p22 + a3 * p32
        q3 = a0 * p03 + a1 * p13 + a2 * p23 + a3 * p33
        inv = 1.0 / (q0 + q1 + q2 + q3)
        B[24 + 4 * r, lane] = q0 * inv
        B[25 + 4 * r, lane] = q1 * inv
        B[26 + 4 * r, lane] = q2 * inv
        B[27 + 4 * r, lane] = q3 * inv


@njit(inline="always", fastmath=_FM, error_model="numpy", cache=True)
def _increment(B, lane, last):
    # S = v0 + S M ; P = P M (skipped after the last bit: P is no longer needed)
    m00, m01, m02, m03 = _row4(B, 0, lane)
    m10, m11, m12, m13 = _row4(B, 4, lane)
    m20, m21, m22, m23 = _row4(B, 8, lane)
    m30, m31, m32, m33 = _row4(B, 12, lane)
    s0, s1, s2, s3 = _row4(B, 20, lane)
    B[20, lane] = B[16, lane] + (s0 * m00 + s1 * m10 + s2 * m20 + s3 * m30)
    B[21, lane] = B[17, lane] + (s0 * m01 + s1 * m11 + s2 * m21 + s3 * m31)
    B[22, lane] = B[18, lane] + (s0 * m02 + s1 * m12 + s2 * m22 + s3 * m32)
    B[23, lane] = B[19, lane] + (s0 * m03 + s1 * m13 + s2 * m23 + s3 * m33)
    if not last:
        for r in range(4):
            a0, a1, a2, a3 = _row4(B, 24 + 4 * r, lane)
            B[24 + 4 * r, lane] = a0 * m00 + a1 * m10 + a2 * m20 + a3 * m30
            B[25 + 4 * r, lane] = a0 * m01 + a1 * m11 + a2 * m21 + a3 * m31
            B[26 + 4 * r, lane] = a0 * m02 + a1 * m12 + a2 * m22 + a3 * m32
            B[27 + 4 * r, lane] = a0 * m03 + a1 * m13 + a2 * m23 + a3 * m33


@njit(inline="always", fastmath=_FM, error_model="numpy", cache=True)
def _step(B, lane):
    # Short horizons: v = v M (kept in the P rows 24..27), S += v
    v0, v1, v2, v3 = _row4(B, 24, lane)
    w0 = v0 * B[0, lane] + v1 * B[4, lane] + v2 * B[8, lane] + v3 * B[12, lane]
    w1 = v0 * B[1, lane] + v1 * B[5, lane] + v2 * B[9, lane] + v3 * B[13, lane]
    w2 = v0 * B[2, lane] + v1 * B[6, lane] + v2 * B[10, lane] + v3 * B[14, lane]
    w3 = v0 * B[3, lane] + v1 * B[7, lane] + v2 * B[11, lane] + v3 * B[15, lane]
    B[24, lane] = w0
    B[25, lane] = w1
    B[26, lane] = w2
    B[27, lane] = w3
    B[20, lane] += w0
    B[21, lane] += w1
    B[22, lane] += w2
    B[23, lane] += w3


@njit(fastmath=_FM, error_model="numpy", nogil=True, cache=True)
def _finite_kernel(xc, xd, ri, yc, yd, ci, bits, steps, out):
    npairs = ri.shape[0]
    nbits = bits.shape[0]
    B = np.empty((40, LANES))
    for lo in range(0, npairs, LANES):
        width = min(LANES, npairs - lo)
        for lane in range(LANES):
            k = lo + lane if lane < width else lo  # pad the last block with its first pair
            i = ri[k]
            j = ci[k]
            for s in range(4):
                sw = s if s == 0 or s == 3 else 3 - s  # Y's view of X's state (CD <-> DC)
                a = xc[i, 1 + s]
                ab = xd[i, 1 + s]
                b = yc[j, 1 + sw]
                bb = yd[j, 1 + sw]
                B[4 * s, lane] = a * b
                B[4 * s + 1, lane] = a * bb
                B[4 * s + 2, lane] = ab * b
                B[4 * s + 3, lane] = ab * bb
            B[16, lane] = xc[i, 0] * yc[j, 0]
            B[17, lane] = xc[i, 0] * yd[j, 0]
            B[18, lane] = xd[i, 0] * yc[j, 0]
            B[19, lane] = xd[i, 0] * yd[j, 0]
            for r in range(4):
                B[20 + r, lane] = B[16 + r, lane]
            if steps >= 0:  # scan: the running state vector starts at v0
                for r in range(4):
                    B[24 + r, lane] = B[16 + r, lane]
            else:
                for r in range(16):
                    B[24 + r, lane] = B[r, lane]
        if steps >= 0:
            for t in range(steps):
                for lane in range(LANES):
                    _step(B, lane)
        else:
            for b in range(nbits):
                for lane in range(LANES):
                    _double(B, lane)
                if bits[b]:
                    last = b + 1 == nbits
                    for lane in range(LANES):
                        _increment(B, lane, last)
        for lane in range(width):
            tot = B[20, lane] + B[21, lane] + B[22, lane] + B[23, lane]
            for r in range(4):
                out[lo + lane, r] = B[20 + r, lane] / tot


def finite_visits_indexed(xc: np.ndarray, xd: np.ndarray, ri: np.ndarray, yc: np.ndarray, yd: np.ndarray,
                          ci: np.ndarray, n: int) -> np.ndarray:
    """Mean visits over ``n`` rounds of the pairs ``(row ri[k], column ci[k])``, shape ``(len(ri), 4)``.

    ``xc, xd`` (``(N, 5)``) and ``yc, yd`` (``(M, 5)``) are the players' (cooperate, defect)
    probabilities after noise; callers validate everything (this is the inner loop).
    """
    f = [np.ascontiguousarray(a, dtype=np.float64) for a in (xc, xd, yc, yd)]
    ri = np.ascontiguousarray(ri, dtype=np.int64)
    ci = np.ascontiguousarray(ci, dtype=np.int64)
    out = np.empty((ri.shape[0], 4))
    if ri.shape[0]:
        steps = int(n) - 1 if route(n) == "scan" else -1
        _finite_kernel(f[0], f[1], ri, f[2], f[3], ci, horizon_bits(n), steps, out)
    return out


def route(n: int) -> str:
    """``"scan"`` (``n - 1`` forward steps) up to :data:`SCAN_MAX_N` rounds, else ``"doubling"``."""
    return "scan" if int(n) <= SCAN_MAX_N else "doubling"
