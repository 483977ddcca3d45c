"""Markov chains, exactly: the one home of the Grassmann–Taksar–Heyman (GTH) stationary
distribution and the chain helpers built on it, and of the fixation probabilities and the
rare-mutation chain of evolutionary dynamics.

* **GTH** (no subtractions, componentwise relative accuracy however close a chain is to being
  reducible) in two layouts, one elimination each:

  - :func:`_gth_elim` on a chain given as a list of lists of arrays (*structure of arrays*;
    numpy or ``jax.numpy`` through ``xp``), batched over leading axes: the 4-state chains of
    memory-one pairs (:mod:`solvers.payoffs`), differentiable when unguarded;
  - :func:`_gth_dense` on one dense ``(K, K)`` numpy chain: closed classes of reducible chains,
    the restart chain of :func:`chain_discounted`, α-Rank and the rare-mutation chain.

* **Chains of any size**: :func:`chain_limit` (Cesàro limit by exact decomposition into closed
  classes and absorption weights), :func:`chain_discounted` (GTH on the restart chain),
  :func:`chain_finite` (vector iteration or repeated squaring).
* **Fixation** of one mutant among ``N - 1`` residents, ``log rho = -logsumexp(0, S_1, ..., S_{N-1})``
  with ``S_l`` the partial sums of ``log T-(k)/T+(k)`` (:func:`_log_rho`; numpy and JAX share
  it), and the **rare-mutation chain** over monomorphic states (:func:`_rare_mutation_chain`),
  on which both :func:`solvers.evolution.stationary_distribution` and
  :func:`solvers.bimatrix.alpharank` are built.

Moved here from :mod:`solvers.payoffs`, :mod:`solvers.bimatrix.response_graph` and
:mod:`solvers.evolution.finite` (issue 23); the old names are re-exported there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.sparse.csgraph import connected_components

from eqtools.errors import ChainError, ParameterError, PrecisionError
from eqtools.validation import real

__all__ = [
    "check_horizon",
    "check_gamma",
    "LimitDecomposition",
    "chain_limit",
    "chain_discounted",
    "chain_finite",
    "ITERATE_ROUNDS",
]

_TINY = np.finfo(np.float64).tiny  # smallest normal float64 (2.2e-308)
#: The smallest positive float64: ``s >= _POSITIVE`` is ``s > 0``.
_POSITIVE = float(np.nextafter(0.0, 1.0))


# ------------------------------------------------------------------ criteria

def check_horizon(n: Any) -> int:
    """Validate a finite horizon (positive integer number of rounds)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        else:
            raise ParameterError(f"horizon n must be a positive integer, got {n!r}")
    if int(n) < 1:
        raise ParameterError(f"horizon n must be a positive integer, got {n}")
    return int(n)


def check_gamma(gamma: Any) -> float:
    """Validate a discount factor in the open interval (0, 1)."""
    g = real("discount gamma", gamma)
    if not (math.isfinite(g) and 0.0 < g < 1.0):
        raise ParameterError(f"discount gamma must lie in the open interval (0, 1), got {gamma!r}")
    return g

# ------------------------------------------------------------------ GTH


def _gth_elim(P, xp, *, guard: bool = True, rescale: bool = True):
    """GTH elimination on a chain given as a list of lists of arrays (any size ``k``, batched).

    Subtraction-free: componentwise relative accuracy independent of conditioning.  The chain
    must have a single closed class containing state 0 reachable from every state (callers
    guarantee it structurally).  Returns the *unnormalised* ``(pi list, ok)``:

    * ``guard``: pivots below the normal float range (``< _TINY``) are flagged in ``ok`` (and
      replaced by 1 so that nothing overflows); without it ``ok`` is None (differentiable use);
    * ``rescale``: ``pi`` is rescaled to ``max = 1`` after each state, so that skewed
      distributions (ratios beyond the float range) underflow in their negligible components
      instead of overflowing.

    The diagonal is never read (a self-loop only delays leaving), so it is not updated.
    """
    k = len(P)
    P = [list(row) for row in P]
    ok = None
    for m in range(k - 1, 0, -1):
        s = P[m][0]
        for j in range(1, m):
            s = s + P[m][j]
        if guard:
            good = s >= _TINY
            ok = good if ok is None else ok & good
            s = xp.where(good, s, 1.0)
        for i in range(m):
            P[i][m] = P[i][m] / s
        for i in range(m):
            for j in range(m):
                if i != j:
                    P[i][j] = P[i][j] + P[i][m] * P[m][j]
    pi = [xp.ones_like(P[0][1])]
    for m in range(1, k):
        acc = pi[0] * P[0][m]
        for i in range(1, m):
            acc = acc + pi[i] * P[i][m]
        pi.append(acc)
        if rescale:
            mx = pi[0]
            for v in pi[1:]:
                mx = xp.maximum(mx, v)
            pi = [v / mx for v in pi]
    return pi, ok


def _gth_soa(P, xp):
    """Guarded, rescaled GTH (:func:`_gth_elim`) normalised to sum 1: ``(pi list, ok)``."""
    pi, ok = _gth_elim(P, xp)
    tot = pi[0]
    for v in pi[1:]:
        tot = tot + v
    return [v / tot for v in pi], ok


def _gth_stationary(M, xp):
    """Stationary distribution of irreducible chains ``M (..., k, k)`` by unguarded GTH.

    Differentiable (no guard, no rescaling); for a reducible chain it produces NaN/inf (callers
    route those elsewhere)."""
    k = M.shape[-1]
    pi, _ = _gth_elim([[M[..., i, j] for j in range(k)] for i in range(k)], xp, guard=False, rescale=False)
    out = xp.stack(pi, axis=-1)
    return out / xp.sum(out, axis=-1, keepdims=True)


def _gth_dense(C: np.ndarray, *, min_pivot: float = _TINY, rescale: bool = True,
               check_finite: bool = False) -> tuple[np.ndarray, str]:
    """GTH on one dense chain ``C (K, K)`` (numpy); returns ``(pi, status)``.

    ``status``: ``"ok"``; ``"pivot"`` when an exit sum falls below ``min_pivot`` (``_TINY``:
    subnormal exits carry too few digits; ``_POSITIVE``: only a zero exit, a reducible chain);
    ``"nonfinite"`` (only with ``check_finite``) when an eliminated entry leaves the float range;
    ``"overflow"`` when ``pi`` is not finite.  ``rescale`` as in :func:`_gth_elim`.  ``pi`` is
    NaN unless the status is ``"ok"`` or ``"overflow"``.  The diagonal is never read.
    """
    P = np.array(C, dtype=np.float64)
    k = P.shape[0]
    np.fill_diagonal(P, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for m in range(k - 1, 0, -1):
            s = P[m, :m].sum()
            if not s >= min_pivot:
                return np.full(k, np.nan), "pivot"
            P[:m, m] /= s
            P[:m, :m] += np.outer(P[:m, m], P[m, :m])
            if check_finite and not np.all(np.isfinite(P[:m, : m + 1])):
                return np.full(k, np.nan), "nonfinite"
        pi = np.zeros(k)
        pi[0] = 1.0
        for m in range(1, k):
            pi[m] = pi[:m] @ P[:m, m]
            if rescale:
                pi[: m + 1] /= pi[: m + 1].max()
        pi = pi / pi.sum()
    return pi, "ok" if np.all(np.isfinite(pi)) else "overflow"


def _gth_np(sub: np.ndarray) -> tuple[np.ndarray, bool]:
    """GTH on one irreducible chain (numpy); ``ok`` is False when a pivot leaves the normal range."""
    pi, status = _gth_dense(sub)
    return pi, status == "ok"


_ALPHARANK_REDUCIBLE = ("the α-Rank chain is reducible at this alpha (fixation probabilities underflow to 0); "
                        "lower alpha or use alpharank_limit for the alpha -> infinity limit")


def _gth(C: np.ndarray, reducible: str = _ALPHARANK_REDUCIBLE) -> np.ndarray:
    """Stationary distribution by Grassmann–Taksar–Heyman (no subtractions).

    Raises :class:`ChainError` with the message ``reducible`` when the chain is reducible
    (or numerically so: rates below the float range)."""
    pi, status = _gth_dense(C, min_pivot=_POSITIVE, rescale=False, check_finite=True)
    if status == "pivot":
        raise ChainError(reducible)
    if status == "nonfinite":
        raise ChainError(reducible.replace("is reducible", "is numerically reducible", 1))
    if status == "overflow":
        raise ChainError("the α-Rank stationary distribution overflowed; lower alpha or use alpharank_limit")
    return pi


# ------------------------------------------------- fixation and rare mutations


def _fixation_payoffs(a_rr, a_rm, a_mr, a_mm, N: int, k):
    """Average payoffs ``(pi_m(k), pi_r(k))`` of mutants and residents with ``k`` mutants among
    ``N`` (no self-interaction); ``a_xy`` broadcast against ``k`` (numpy or JAX)."""
    pi_m = ((k - 1) * a_mm + (N - k) * a_mr) / (N - 1)
    pi_r = (k * a_rm + (N - k - 1) * a_rr) / (N - 1)
    return pi_m, pi_r


def _log_ratio(pi_m, pi_r, process: str, s: float, log: Callable, check: Callable | None = None):
    """``log g(k) = log T-(k)/T+(k)``: ``log f_r - log f_m`` with linear fitness ``1 - s + s pi``
    for ``"moran"`` (``check(f_m, f_r)`` first, if given), ``-s (pi_m - pi_r)`` otherwise."""
    if process == "moran":
        f_m, f_r = 1.0 - s + s * pi_m, 1.0 - s + s * pi_r
        if check is not None:
            check(f_m, f_r)
        return log(f_r) - log(f_m)
    return -s * (pi_m - pi_r)


def _logsumexp_np(z: np.ndarray) -> np.ndarray:
    mx = z.max(axis=-1, keepdims=True)
    return mx[..., 0] + np.log(np.exp(z - mx).sum(axis=-1))


def _log_rho_partial(S, xp=np, logsumexp: Callable = _logsumexp_np):
    """``log rho = -log(1 + sum_l exp(S_l))`` from the partial sums ``S (..., N - 1)`` of the
    log ratios: a log-sum-exp over ``(0, S_1, ..., S_{N-1})``, so it neither overflows nor
    underflows.  ``xp``/``logsumexp``: numpy (default) or ``jax.numpy`` with ``jax.nn.logsumexp``."""
    z = xp.concatenate([xp.zeros(S.shape[:-1] + (1,), S.dtype), S], axis=-1)
    return -logsumexp(z)


def _log_rho(terms, xp=np, logsumexp: Callable = _logsumexp_np):
    """``log rho`` from the log ratios ``terms = log g(k)``, ``k = 1..N-1`` (last axis)."""
    return _log_rho_partial(xp.cumsum(terms, axis=-1), xp, logsumexp)


def _rare_mutation_chain(rho: np.ndarray, mutants: int | None = None) -> np.ndarray:
    """Embedded chain over monomorphic states in the limit of rare mutations.

    ``T[r, m] = rho[r, m] / mutants`` (a mutant of each of the ``mutants`` other strategies
    arises equally often; ``K - 1`` by default), the diagonal completing each row to 1."""
    T = rho / (rho.shape[0] - 1 if mutants is None else mutants)
    np.fill_diagonal(T, 0.0)
    np.fill_diagonal(T, 1.0 - T.sum(axis=1))
    return T


class _Ranked:
    """``ranking()`` for the stationary-distribution results (:class:`solvers.bimatrix.AlphaRank`,
    :class:`solvers.evolution.SmallMutationResult`), which carry ``labels`` and ``pi``."""

    labels: tuple[str, ...]
    pi: np.ndarray

    def ranking(self) -> list[tuple[str, float]]:
        """``(label, mass)`` by stationary mass, largest first (ties in label order)."""
        order = np.argsort(-self.pi, kind="stable")
        return [(self.labels[i], float(self.pi[i])) for i in order]


# ------------------------------------------------ closed classes and chains of any size


def _stationary_of_class(M: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """Stationary distribution of the closed irreducible class ``cls`` (GTH in numpy).

    GTH's pivots are exit probabilities of censored chains; when the stationary masses span
    more than the float range a pivot can underflow for one elimination order but not another,
    so each state is tried as the one kept last.  Only if every order fails is the chain
    refused (:class:`PrecisionError`).
    """
    cls = np.asarray(cls)
    k = len(cls)
    if k == 1:
        return np.ones(1)
    sub = M[np.ix_(cls, cls)]
    for first in range(k):
        order = np.r_[first, np.delete(np.arange(k), first)]
        pi, ok = _gth_np(sub[np.ix_(order, order)])
        if ok:
            out = np.empty(k)
            out[order] = pi
            return out
    raise PrecisionError(
        f"states {cls.tolist()}: the stationary probabilities of this closed class are set by transition "
        "probabilities below the float64 normal range (~2.2e-308; e.g. noise or strategy entries that small), "
        "for every elimination order, so float64 cannot deliver them; use entries or noise >= 1e-150, or the "
        "discounted criterion"
    )


def _absorption_weights(M: np.ndarray, v0: np.ndarray, closed: list[np.ndarray], transient: np.ndarray) -> np.ndarray:
    """Probability of ending in each closed class from the opening distribution ``v0``.

    State elimination (stochastic complementation) of the transient states one at a time, with
    each state's leaving probability taken as the *sum* of its exits (never ``1 - self-loop``):
    subtraction-free, so exact up to a few ulps even when the chain is nearly absorbing.
    """
    k, m = len(transient), len(closed)
    W = np.zeros((1 + k, k + m))  # rows: opening, transient states; cols: transient, classes
    W[0, :k] = v0[transient]
    for c, cl in enumerate(closed):
        W[0, k + c] = v0[cl].sum()
        W[1:, k + c] = M[np.ix_(transient, cl)].sum(axis=1)
    W[1:, :k] = M[np.ix_(transient, transient)]
    for e in range(k):
        row = W[1 + e].copy()
        row[e] = 0.0  # a self-loop only delays leaving
        s = row.sum()
        if not s >= _TINY:  # subnormal exits carry too few digits to split the mass reliably
            raise PrecisionError(
                f"transient state {transient[e]}: its exit probabilities are below the float64 normal range "
                "(~2.2e-308), so the absorption probabilities cannot be delivered in float64"
            )
        row /= s
        w = W[:, e].copy()
        w[1 + e] = 0.0
        rows = np.flatnonzero(w)
        if rows.size:  # every row that can enter state e now enters its exits instead
            W[rows, e] = 0.0
            W[rows] += w[rows, None] * row
            W[rows, e] = 0.0
    w = W[0, k:]
    return w / w.sum()


@dataclass(frozen=True)
class LimitDecomposition:
    """Exact Cesàro limit of one pair's chain with its structure."""

    visits: np.ndarray
    closed_classes: list[list[int]]
    class_weights: np.ndarray  # probability of ending in each closed class from the opening
    transient: list[int]

    @property
    def ergodic(self) -> bool:
        """True when the chain has a single closed class (the limit does not depend on the opening)."""
        return len(self.closed_classes) == 1



# ------------------------------------------- general chains (any number of states, numpy)
#
# The same subtraction-free routines for a dense chain of any size ``K`` (used by
# :mod:`solvers.finite_state` for product chains of finite-state machines): the Cesàro limit by
# exact decomposition, discounted visits by GTH on the restart chain, finite-horizon means by
# vector iteration or repeated squaring.


def _check_chain(M: Any, v0: Any) -> tuple[np.ndarray, np.ndarray]:
    from eqtools.validation import float_array

    M, v0 = float_array("M", M), float_array("v0", v0)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or v0.shape != (M.shape[0],) or M.shape[0] == 0:
        raise ParameterError(f"a chain needs a square matrix M (K, K) and a start distribution v0 (K,); got {M.shape} and {v0.shape}")
    if not (np.all(np.isfinite(M)) and np.all(M >= 0) and np.all(np.isfinite(v0)) and np.all(v0 >= 0)):
        raise ParameterError("chain entries must be finite and non-negative")
    return M, v0


def chain_limit(M: Any, v0: Any, pos: Any = None) -> LimitDecomposition:
    """Exact Cesàro limit of ``v0 M^t`` for a chain of any size (reducible and periodic chains included).

    ``pos``: the structural zero pattern (``M > 0`` if omitted; pass it from the factors of the
    transition probabilities when products may underflow).  Closed classes from the strongly
    connected components of ``pos``, each weighted by its absorption probability (subtraction-free
    elimination of the transient states) and solved by GTH, as in :func:`limit_state_distribution`.
    """
    M, v0 = _check_chain(M, v0)
    K = M.shape[0]
    try:
        pos = (M > 0) if pos is None else np.asarray(pos, dtype=bool)
    except (TypeError, ValueError):
        raise ParameterError(f"pos must be a boolean zero pattern of M's shape {M.shape}, got {pos!r}"[:300]) from None
    if pos.shape != M.shape:
        raise ParameterError(f"pos must be a zero pattern of M's shape {M.shape}, got shape {pos.shape}")
    ncomp, labels = connected_components(pos, directed=True, connection="strong")
    # A component is closed when no edge leaves it.
    leaves = np.zeros(ncomp, dtype=bool)
    src, dst = np.nonzero(pos)
    cross = labels[src] != labels[dst]
    leaves[labels[src[cross]]] = True
    closed = [np.flatnonzero(labels == c) for c in range(ncomp) if not leaves[c]]
    transient_arr = np.flatnonzero(leaves[labels])
    # Only what the opening can reach matters: when it reaches a single closed class that class
    # gets all the mass, exactly, however small the exits on the way (e.g. entries of 1e-300,
    # whose products underflow); only transient states it reaches are eliminated.
    reach = v0 > 0
    frontier = reach.copy()
    while frontier.any():
        nxt = pos[frontier].any(axis=0) & ~reach
        reach |= nxt
        frontier = nxt
    hit = [i for i, c in enumerate(closed) if reach[c].any()]
    if len(hit) == 1:
        weights = np.zeros(len(closed))
        weights[hit[0]] = 1.0
    else:
        weights = _absorption_weights(M, v0, closed, transient_arr[reach[transient_arr]])
    visits = np.zeros(K)
    for w, c in zip(weights, closed):
        if w > 0:
            visits[c] += w * _stationary_of_class(M, c)
    visits = visits / visits.sum()
    return LimitDecomposition(
        visits=visits,
        closed_classes=[c.tolist() for c in closed],
        class_weights=weights,
        transient=transient_arr.tolist(),
    )


def chain_discounted(M: Any, v0: Any, gamma: float, delta: float | None = None) -> np.ndarray:
    """Normalised discounted visits ``(1 - gamma) v0 (I - gamma M)^{-1}`` of a chain of any size.

    The stationary distribution of the restart chain (as :func:`discounted`), by GTH: no
    ``I - gamma M`` is formed.  ``delta`` = ``1 - gamma`` if omitted.
    """
    M, v0 = _check_chain(M, v0)
    gamma = check_gamma(gamma)
    if delta is not None:
        from eqtools.validation import positive_finite

        delta = positive_finite("delta", delta)
    delta = 1.0 - gamma if delta is None else delta
    K = M.shape[0]
    P = np.zeros((K + 1, K + 1))
    P[0, 1:] = v0
    P[1:, 0] = delta
    P[1:, 1:] = gamma * M
    pi, ok = _gth_np(P)
    if not ok:
        raise PrecisionError("discounted visits: a GTH pivot left the float64 range")
    d = pi[1:]
    return d / d.sum()


#: Horizons up to this many rounds are summed round by round in :func:`chain_finite`; longer
#: ones use repeated squaring (O(K^3 log n)).
ITERATE_ROUNDS: int = 4096


def chain_finite(M: Any, v0: Any, n: int) -> np.ndarray:
    """Mean of ``v0 M^t`` over rounds ``t = 0..n-1`` for a chain of any size.

    Round by round for ``n <=`` :data:`ITERATE_ROUNDS`, else by repeated squaring with block
    means (the dense form of the memory-one route: ``A_{k+1} = (A_k + P_k A_k) / 2`` with
    ``P_k = M^(2^k)``, rows renormalised after each step).  Only products and sums of
    non-negative numbers.
    """
    M, v0 = _check_chain(M, v0)
    n = check_horizon(n)
    M = M / M.sum(axis=1, keepdims=True)
    if n <= ITERATE_ROUNDS:
        v = v0 / v0.sum()
        acc = v.copy()
        for _ in range(n - 1):
            v = v @ M
            v = v / v.sum()
            acc += v
        return acc / acc.sum()
    K = M.shape[0]
    Pb, Ab = M, np.eye(K)
    av, amean, m = v0 / v0.sum(), np.zeros(K), 0.0
    for k in range(n.bit_length()):
        blk = float(2**k)
        if (n >> k) & 1:
            add = av @ Ab
            tot = m + blk
            amean = (m / tot) * amean + (blk / tot) * add
            amean = amean / amean.sum()
            av = av @ Pb
            av = av / av.sum()
            m = tot
        if k + 1 < n.bit_length():
            Ab = 0.5 * (Ab + Pb @ Ab)
            Ab = Ab / Ab.sum(axis=1, keepdims=True)
            Pb = Pb @ Pb
            Pb = Pb / Pb.sum(axis=1, keepdims=True)
    return amean

