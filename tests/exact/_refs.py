"""Independent high-precision references for the exact core (test helpers, not the library).

* :func:`frac_chain` / :func:`frac_limit` — the Cesàro limit in exact rational arithmetic
  (``fractions.Fraction``): closed classes from the graph, each class's stationary distribution
  and the absorption probabilities by plain Gaussian elimination over the rationals.
* :func:`mp_discounted` — ``(1 - gamma) v0 (I - gamma M)^{-1}`` solved with mpmath at 60 digits.
* :func:`mp_finite` — ``(1/n) sum_{t<n} v0 M^t`` from the eigen-decomposition of M in mpmath
  (geometric sums ``(1 - lambda^n) / (1 - lambda)``): a closed form, no repeated squaring.

All take the float64 strategy vectors *as exact numbers* (every float is a rational) and apply
the execution-error map ``p -> eps + (1 - 2 eps) p`` exactly.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

SWAP = (0, 2, 1, 3)


def _chain(p, q, eps, conv, one):
    e = conv(eps)
    pc = [e + (one - 2 * e) * conv(v) for v in p]
    pd = [e + (one - 2 * e) * (one - conv(v)) for v in p]
    qc = [e + (one - 2 * e) * conv(v) for v in q]
    qd = [e + (one - 2 * e) * (one - conv(v)) for v in q]
    M = []
    for s in range(4):
        a, ab = pc[1 + s], pd[1 + s]
        b, bb = qc[1 + SWAP[s]], qd[1 + SWAP[s]]
        M.append([a * b, a * bb, ab * b, ab * bb])
    v0 = [pc[0] * qc[0], pc[0] * qd[0], pd[0] * qc[0], pd[0] * qd[0]]
    return M, v0


def frac_chain(p, q, eps=0.0):
    return _chain(p, q, eps, lambda v: Fraction(float(v)), Fraction(1))


def _solve_frac(A, b):
    """Solve A x = b exactly (Gaussian elimination with exact pivots)."""
    n = len(A)
    M = [list(A[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        piv = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[piv] = M[piv], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


def _sccs(adj):
    n = len(adj)
    reach = [[i == j or adj[i][j] for j in range(n)] for i in range(n)]
    for k in range(n):
        for i in range(n):
            for j in range(n):
                reach[i][j] = reach[i][j] or (reach[i][k] and reach[k][j])
    comps, seen = [], set()
    for i in range(n):
        if i in seen:
            continue
        c = [j for j in range(n) if reach[i][j] and reach[j][i]]
        seen.update(c)
        comps.append(c)
    return comps, reach


def frac_limit(p, q, eps=0.0):
    """Exact Cesàro limit (list of 4 Fractions) and the list of closed classes."""
    M, v0 = frac_chain(p, q, eps)
    adj = [[M[i][j] > 0 for j in range(4)] for i in range(4)]
    comps, reach = _sccs(adj)
    closed = [c for c in comps if not any(adj[i][j] for i in c for j in range(4) if j not in c)]
    trans = [i for i in range(4) if not any(i in c for c in closed)]
    visits = [Fraction(0)] * 4
    # absorption probabilities h_c(i) for transient i: (I - Q) h = R_c
    for c in closed:
        if trans:
            A = [[(1 if i == j else 0) - M[i][j] for j in trans] for i in trans]
            b = [sum(M[i][j] for j in c) for i in trans]
            h = _solve_frac(A, b)
        else:
            h = []
        w = sum(v0[j] for j in c) + sum(v0[i] * hi for i, hi in zip(trans, h))
        # stationary distribution of the class: pi (M_c - I) = 0, sum pi = 1
        k = len(c)
        A = [[M[c[j]][c[i]] - (1 if i == j else 0) for j in range(k)] for i in range(k)]
        A[-1] = [Fraction(1)] * k
        b = [Fraction(0)] * (k - 1) + [Fraction(1)]
        pi = _solve_frac(A, b)
        for idx, s in enumerate(c):
            visits[s] += w * pi[idx]
    return visits, closed


def mp_chain(p, q, eps=0.0):
    return _chain(p, q, eps, lambda v: mpmath.mpf(float(v)), mpmath.mpf(1))


def mp_discounted(p, q, gamma, eps=0.0, dps=60):
    with mpmath.workdps(dps):
        M, v0 = mp_chain(p, q, eps)
        g = mpmath.mpf(float(gamma))
        A = mpmath.matrix(4, 4)
        for i in range(4):
            for j in range(4):
                A[j, i] = (1 if i == j else 0) - g * M[i][j]  # transpose: solve A^T x = v0
        x = mpmath.lu_solve(A, mpmath.matrix(v0))
        return np.array([float((1 - g) * x[i]) for i in range(4)])


def mp_finite(p, q, n, eps=0.0, dps=60):
    """Mean visits over n rounds from the eigen-decomposition (needs distinct eigenvalues)."""
    with mpmath.workdps(dps):
        M, v0 = mp_chain(p, q, eps)
        A = mpmath.matrix(M)
        E, ER = mpmath.eig(A)
        EL = mpmath.inverse(ER)
        N = mpmath.mpf(n)
        geo = []
        for lam in E:
            if abs(lam - 1) < mpmath.mpf(10) ** (-dps // 2):
                geo.append(N)
            else:
                geo.append((1 - lam ** n) / (1 - lam))
        D = mpmath.diag(geo)
        S = ER * D * EL
        v = mpmath.matrix([v0]) * S
        return np.array([float(mpmath.re(v[0, j]) / N) for j in range(4)])
