"""Evolutionary stability of a symmetric equilibrium (Haigh 1975; Bomze & Pötscher 1989; the
copositivity test of Kaplan 2000), with an invading mutant as witness when it is not an ESS.
"""

from __future__ import annotations

from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.validation import NonNegative, float_array, validated

from .coerce import _symmetric_matrix
from .results import ESSResult

__all__ = ["ess_check"]


def _step_into_simplex(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``x + t z`` with the largest ``t <= 1`` (halved) that keeps it a distribution (``sum z = 0``)."""
    neg = z < -1e-15
    t = 1.0 if not neg.any() else min(1.0, float(np.min(x[neg] / -z[neg])))
    y = np.clip(x + 0.5 * t * z, 0.0, None)
    return y / y.sum()


def _subspace_basis(idx: Sequence[int], n: int) -> np.ndarray:
    """Orthonormal basis (n x (k-1)) of ``{z : sum z = 0, supp z within idx}``."""
    k = len(idx)
    if k <= 1:
        return np.zeros((n, 0))
    E = np.zeros((n, k - 1))
    for a in range(k - 1):
        E[idx[a], a] = 1.0
        E[idx[-1], a] = -1.0
    q, _ = np.linalg.qr(E)
    return q


@validated
def ess_check(matrix: Any, x: Any, *, tol: Annotated[float, NonNegative] = 1e-9, max_extra: Annotated[int, NonNegative] = 12) -> ESSResult:
    """Is the symmetric Nash equilibrium ``x`` an evolutionarily stable strategy of ``M``?

    With ``S`` the support of ``x`` and ``B`` its pure best responses, ``x`` is an ESS iff
    ``z^T M z < 0`` for every non-zero ``z`` with ``sum z = 0``, ``z_i = 0`` outside ``B`` and
    ``z_i >= 0`` on ``B \\ S`` (Haigh 1975; Bomze & Pötscher 1989).  Decided by: negative
    definiteness on the ``S``-subspace (else not ESS); then, minimising over the ``S``
    coordinates, strict copositivity of the Schur complement ``C`` on the ``B \\ S`` orthant,
    tested by Kaplan's (2000) criterion (no principal submatrix has a positive eigenvector
    with a non-positive eigenvalue).  ``tol`` is relative to the payoff range.  ``B \\ S``
    larger than ``max_extra`` is left undetermined.
    """
    M = _symmetric_matrix(matrix)
    n = M.shape[0]
    x = float_array("x", x, min_ndim=1)
    if x.shape != (n,):
        from eqtools.errors import ParameterError

        raise ParameterError(f"x must be a mixed strategy of length {n} (the matrix size), got shape {x.shape}")
    scale = max(1.0, float(np.ptp(M)))
    fit = M @ x
    v = float(x @ fit)
    if fit.max() - v > tol * scale * 10:
        w = np.zeros(n)
        w[int(np.argmax(fit))] = 1.0
        return ESSResult(False, "not a symmetric Nash equilibrium", w)
    S = [int(i) for i in np.flatnonzero(x > 0)]
    Bset = [int(i) for i in np.flatnonzero(fit >= v - tol * scale)]
    extra = [i for i in Bset if i not in S]
    Hs = -(M + M.T) / 2  # want z^T Hs z > 0
    ES = _subspace_basis(S, n)
    if ES.shape[1]:
        ev, EV = np.linalg.eigh(ES.T @ Hs @ ES)
        if ev.min() <= tol * scale:
            y = _step_into_simplex(x, ES @ EV[:, 0])
            return ESSResult(False, f"a mutant inside the support ties or wins (eigenvalue {-ev.min():.3g} >= 0 on the support subspace)", y)
    if not extra:
        return ESSResult(True, "strict on the support subspace; no alternative best replies")
    if len(extra) > max_extra:
        return ESSResult(None, f"{len(extra)} alternative best replies outside the support (> max_extra={max_extra})")
    # z = ES a + W w with W the columns e_j - xbar_S-direction for j in extra: z_j = w_j >= 0,
    # and mass -sum(w) put on the support via one fixed support vector.
    k = len(extra)
    W = np.zeros((n, k))
    s0 = S[0]
    for c, j in enumerate(extra):
        W[j, c] = 1.0
        W[s0, c] = -1.0
    # q(a, w) = [a; w]^T H [a; w]; minimise over a (PD block Haa) -> Schur complement in w
    Haa = ES.T @ Hs @ ES
    Haw = ES.T @ Hs @ W
    Hww = W.T @ Hs @ W
    C = Hww - Haw.T @ np.linalg.solve(Haa, Haw) if ES.shape[1] else Hww
    C = (C + C.T) / 2
    for mask in range(1, 1 << k):
        J = [c for c in range(k) if (mask >> c) & 1]
        sub = C[np.ix_(J, J)]
        w, V = np.linalg.eigh(sub)
        for a in range(len(J)):
            if w[a] <= tol * scale:
                vec = V[:, a]
                if np.all(vec > 1e-12) or np.all(vec < -1e-12):
                    names = [extra[J[c]] for c in range(len(J))]
                    ww = np.zeros(k)
                    ww[J] = np.abs(vec)
                    aa = -np.linalg.solve(Haa, Haw @ ww) if ES.shape[1] else np.zeros(0)
                    y = _step_into_simplex(x, (ES @ aa if ES.shape[1] else 0.0) + W @ ww)
                    return ESSResult(False, f"mutants among alternative best replies {names} tie or win", y)
    return ESSResult(True, "strict against every mutant among the best replies (copositivity)")
