"""Exact expected payoffs of memory-one strategy pairs.

Three criteria, for any symmetric 2x2 :class:`~eqtools.games.Game`:

* **finite horizon** ``n``: ``(1/n) sum_{t<n} v0 M^t`` (the opening round included),
* **discounted** ``gamma``: ``(1 - gamma) v0 (I - gamma M)^{-1}``,
* **limit of means**: the Cesàro limit of ``v0 M^t`` — exact also for reducible and periodic
  chains (several closed classes, the opening moves deciding which one is entered).

Each criterion gives a *state-visit distribution* ``d`` over (CC, CD, DC, DD) in X's view;
everything else follows from it: ``payoff_x = d . (R, S, T, P)``,
``payoff_y = d . (R, T, S, P)``, ``coop_x = d_CC + d_CD``, ``coop_y = d_CC + d_DC``.

Two layers:

* ``jnp_*`` functions are pure ``jax.numpy``, batched by broadcasting over leading axes,
  dtype-polymorphic and differentiable with respect to the strategy parameters (learners take
  gradients through them; they run in whatever precision their inputs have).
* The numpy-facing functions (:func:`finite_horizon`, :func:`discounted`, :func:`limit_of_means`,
  :func:`payoff_matrix`, ...) validate inputs, compute in float64 and return numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
from scipy.sparse.csgraph import connected_components

from eqtools.conventions import SWAP
from eqtools.errors import ChainError, ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, validate_probabilities

__all__ = [
    "PairResult",
    "jnp_transition_matrix",
    "jnp_opening",
    "jnp_visits_finite",
    "jnp_visits_discounted",
    "jnp_visits_stationary",
    "jnp_round_profile",
    "transition_matrix",
    "finite_horizon",
    "discounted",
    "limit_of_means",
    "limit_state_distribution",
    "round_profile",
    "payoff_matrix",
    "as_params",
    "check_horizon",
    "check_gamma",
]

_SWAP = jnp.asarray(SWAP)


# ------------------------------------------------------------------ helpers

def as_params(x: Any, what: str = "strategy") -> np.ndarray:
    """Coerce a :class:`MemoryOne`, :class:`StrategyPool` or array to validated ``(..., 5)`` float64."""
    if isinstance(x, MemoryOne):
        return x.vector
    if isinstance(x, StrategyPool):
        return np.asarray(x.params)
    return validate_probabilities(x, what=what)


def as_pair(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`as_params` of both players, refusing batch shapes that do not broadcast."""
    p, q = as_params(x, "strategy x"), as_params(y, "strategy y")
    try:
        np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    except ValueError:
        raise ParameterError(f"batch shapes of strategy x {p.shape[:-1]} and strategy y {q.shape[:-1]} "
                             "do not broadcast against each other") from None
    return p, q


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
    try:
        g = float(gamma)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"discount gamma must be a number in (0, 1), got {gamma!r}") from exc
    if not (math.isfinite(g) and 0.0 < g < 1.0):
        raise ParameterError(f"discount gamma must lie in the open interval (0, 1), got {gamma!r}")
    return g


# ---------------------------------------------------------- jnp primitives

def jnp_transition_matrix(p: jax.Array, q: jax.Array) -> jax.Array:
    """Transition matrix ``M[..., s, s']`` of the joint chain in X's view.

    ``p`` and ``q`` are ``(..., 5)`` strategy vectors of X and Y (each in its own view).
    """
    px = p[..., 1:]
    qy = q[..., 1:][..., _SWAP]  # Y's reaction to X's state s
    cols = [px * qy, px * (1 - qy), (1 - px) * qy, (1 - px) * (1 - qy)]
    return jnp.stack(cols, axis=-1)


def jnp_opening(p: jax.Array, q: jax.Array) -> jax.Array:
    """Distribution of the first round's joint action, ``(..., 4)``."""
    a, b = p[..., 0], q[..., 0]
    return jnp.stack([a * b, a * (1 - b), (1 - a) * b, (1 - a) * (1 - b)], axis=-1)


def _components(p: jax.Array, q: jax.Array):
    """Split broadcast strategy pairs into per-state reaction arrays (structure of arrays).

    Working on four separate arrays (one per state) instead of a trailing axis of size 4 lets
    XLA vectorise across pairs; this is several times faster for large batches.
    """
    px = [p[..., 1 + s] for s in range(4)]
    qy = [q[..., 1 + int(SWAP[s])] for s in range(4)]
    a, b = p[..., 0], q[..., 0]
    v0 = (a * b, a * (1 - b), (1 - a) * b, (1 - a) * (1 - b))
    shape = jnp.broadcast_shapes(*(x.shape for x in px + qy))
    v0 = tuple(jnp.broadcast_to(v, shape) for v in v0)
    return px, qy, v0


def _step(v, px, qy):
    # One step v -> v M using the product structure of M's rows.
    vp = [v[s] * px[s] for s in range(4)]
    vn = [v[s] - vp[s] for s in range(4)]
    cc = vp[0] * qy[0] + vp[1] * qy[1] + vp[2] * qy[2] + vp[3] * qy[3]
    cd = vp[0] + vp[1] + vp[2] + vp[3] - cc
    dc = vn[0] * qy[0] + vn[1] * qy[1] + vn[2] * qy[2] + vn[3] * qy[3]
    dd = vn[0] + vn[1] + vn[2] + vn[3] - dc
    return (cc, cd, dc, dd)


def jnp_visits_finite(p: jax.Array, q: jax.Array, n: int) -> jax.Array:
    """Mean state-visit distribution over rounds ``0..n-1`` (``n`` static), shape ``(..., 4)``."""
    px, qy, v0 = _components(p, q)

    def body(carry, _):
        v, acc = carry
        v = _step(v, px, qy)
        acc = tuple(a + b for a, b in zip(acc, v))
        return (v, acc), None

    (_, acc), _ = jax.lax.scan(body, (v0, v0), None, length=n - 1)
    return jnp.stack(acc, axis=-1) / n


def jnp_round_profile(p: jax.Array, q: jax.Array, n: int) -> jax.Array:
    """State distribution of each round, shape ``(..., n, 4)``."""
    px, qy, v0 = _components(p, q)

    def body(v, _):
        return _step(v, px, qy), jnp.stack(v, axis=-1)

    _, vs = jax.lax.scan(body, v0, None, length=n)
    return jnp.moveaxis(vs, 0, -2)


def jnp_visits_discounted(p: jax.Array, q: jax.Array, gamma: float | jax.Array) -> jax.Array:
    """Normalised discounted visits ``(1 - gamma) v0 (I - gamma M)^{-1}`` (closed form)."""
    M = jnp_transition_matrix(p, q)
    v0 = jnp_opening(p, q)
    eye = jnp.eye(4, dtype=M.dtype)
    A = eye - gamma * M
    # Solve x A = v0  <=>  A^T x^T = v0^T.
    x = jnp.linalg.solve(jnp.swapaxes(A, -1, -2), v0[..., None])[..., 0]
    return (1 - gamma) * x


def _gth_stationary(M: jax.Array) -> jax.Array:
    """Stationary distribution of irreducible 4-state chains by Grassmann–Taksar–Heyman.

    GTH uses no subtractions and is accurate even when transition probabilities are tiny;
    for a reducible chain it produces NaN/inf (callers route those elsewhere).
    """
    P = [[M[..., i, j] for j in range(4)] for i in range(4)]
    for k in range(3, 0, -1):
        s = sum(P[k][j] for j in range(k))
        for i in range(k):
            P[i][k] = P[i][k] / s
        for i in range(k):
            for j in range(k):
                P[i][j] = P[i][j] + P[i][k] * P[k][j]
    pi = [jnp.ones_like(M[..., 0, 0])]
    for k in range(1, 4):
        pi.append(sum(pi[i] * P[i][k] for i in range(k)))
    out = jnp.stack(pi, axis=-1)
    return out / jnp.sum(out, axis=-1, keepdims=True)


def jnp_visits_stationary(p: jax.Array, q: jax.Array) -> jax.Array:
    """Stationary distribution for pairs whose chain is irreducible (e.g. all parameters in (0, 1)).

    Differentiable.  For reducible chains use :func:`limit_state_distribution` (numpy, exact).
    """
    return _gth_stationary(jnp_transition_matrix(p, q))


# ----------------------------------------------------------- numpy layer

@dataclass(frozen=True)
class PairResult:
    """Expected per-round quantities for one pair or a batch of pairs (arrays broadcast).

    ``visits`` is the state-visit distribution over (CC, CD, DC, DD) in X's view (last axis).
    """

    visits: np.ndarray
    payoff_x: np.ndarray
    payoff_y: np.ndarray
    coop_x: np.ndarray
    coop_y: np.ndarray
    criterion: str
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_visits(cls, visits: Any, game: Game, criterion: str, info: dict[str, Any] | None = None) -> "PairResult":
        d = np.asarray(visits, dtype=np.float64)
        return cls(
            visits=d,
            payoff_x=d @ game.payoffs,
            payoff_y=d @ game.payoffs_coplayer,
            coop_x=d[..., 0] + d[..., 1],
            coop_y=d[..., 0] + d[..., 2],
            criterion=criterion,
            info=dict(info or {}),
        )

    def as_tuple(self) -> tuple[float, float]:
        """``(payoff_x, payoff_y)`` as floats (single pair)."""
        return float(self.payoff_x), float(self.payoff_y)


def transition_matrix(x: Any, y: Any) -> np.ndarray:
    """Transition matrix of the pair ``(x, y)`` in X's view (numpy float64)."""
    p, q = as_pair(x, y)
    with jax.enable_x64(True):
        return np.asarray(jnp_transition_matrix(jnp.asarray(p), jnp.asarray(q)))


@partial(jax.jit, static_argnums=2)
def _visits_finite_jit(p, q, n):
    return jnp_visits_finite(p, q, n)


@partial(jax.jit, static_argnums=2)
def _round_profile_jit(p, q, n):
    return jnp_round_profile(p, q, n)


@jax.jit
def _visits_discounted_jit(p, q, gamma):
    return jnp_visits_discounted(p, q, gamma)


#: Horizons above this use :func:`_visits_finite_doubling` (O(log n) exact products) instead of a
#: length-``n`` scan, so ``n = 10**12`` takes milliseconds rather than hours.
DOUBLING_MIN_N: int = 1 << 16

#: Largest ``batch x n`` that :func:`round_profile` (one row per round) will allocate.
MAX_ROUND_PROFILE_CELLS: int = 50_000_000


def _visits_finite_doubling(p: np.ndarray, q: np.ndarray, n: int) -> np.ndarray:
    """Mean state visits over rounds ``0..n-1`` by binary powering (float64, exact up to round-off).

    With ``S_k = sum_{t<k} M^t`` and ``P_k = M^k``: ``S_2k = S_k + P_k S_k``, ``P_2k = P_k^2`` and
    ``S_{k+1} = S_k + P_k``, ``P_{k+1} = P_k M``; the bits of ``n`` give ``S_n`` in ``2 log2(n)``
    batched 4x4 products.  Visits are ``v0 S_n / n`` with ``v0`` the opening-round distribution.
    """
    p, q = np.broadcast_arrays(np.asarray(p, np.float64), np.asarray(q, np.float64))
    px, qy = p[..., 1:], q[..., 1:][..., SWAP]
    M = np.stack([px * qy, px * (1 - qy), (1 - px) * qy, (1 - px) * (1 - qy)], axis=-1)
    a, b = p[..., 0], q[..., 0]
    v0 = np.stack([a * b, a * (1 - b), (1 - a) * b, (1 - a) * (1 - b)], axis=-1)
    S = np.zeros_like(M)
    P = np.broadcast_to(np.eye(4), M.shape).copy()
    for bit in bin(int(n))[2:]:
        S = S + P @ S
        P = P @ P
        if bit == "1":
            S = S + P
            P = P @ M
    return np.einsum("...s,...st->...t", v0, S) / n


def finite_horizon(x: Any, y: Any, game: Game | str, n: int) -> PairResult:
    """Exact mean per-round quantities over ``n`` rounds, opening round included.

    ``x`` and ``y`` may be :class:`MemoryOne`, :class:`StrategyPool` or ``(..., 5)`` arrays
    (broadcast against each other).
    """
    g = preset(game)
    n = check_horizon(n)
    p, q = as_pair(x, y)
    if n > DOUBLING_MIN_N:
        return PairResult.from_visits(_visits_finite_doubling(p, q, n), g, f"finite(n={n})", {"n": n})
    with jax.enable_x64(True):
        d = _visits_finite_jit(jnp.asarray(p), jnp.asarray(q), n)
        d = np.asarray(d)
    return PairResult.from_visits(d, g, f"finite(n={n})", {"n": n})


def round_profile(x: Any, y: Any, n: int) -> np.ndarray:
    """Per-round state distribution, shape ``(..., n, 4)``: ``[t, s]`` = P(round t ends in state s)."""
    n = check_horizon(n)
    p, q = as_pair(x, y)
    cells = n * int(np.prod(np.broadcast_shapes(p.shape[:-1], q.shape[:-1]), dtype=np.int64))
    if cells > MAX_ROUND_PROFILE_CELLS:
        raise ParameterError(f"round_profile would hold {cells:.3g} rows (pairs x n = {n} rounds), more than "
                             f"{MAX_ROUND_PROFILE_CELLS:.0e}; use finite_horizon for the averages")
    with jax.enable_x64(True):
        return np.asarray(_round_profile_jit(jnp.asarray(p), jnp.asarray(q), n))


def discounted(x: Any, y: Any, game: Game | str, gamma: float) -> PairResult:
    """Exact normalised discounted quantities ``(1 - gamma) sum_t gamma^t E[r_t]``."""
    g = preset(game)
    gamma = check_gamma(gamma)
    p, q = as_pair(x, y)
    with jax.enable_x64(True):
        d = np.asarray(_visits_discounted_jit(jnp.asarray(p), jnp.asarray(q), gamma))
    return PairResult.from_visits(d, g, f"discounted(gamma={gamma:g})", {"gamma": gamma})


def _transition_np(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    px = p[..., 1:]
    qy = q[..., 1:][..., SWAP]
    return np.stack([px * qy, px * (1 - qy), (1 - px) * qy, (1 - px) * (1 - qy)], axis=-1)


def _opening_np(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    a, b = p[..., 0], q[..., 0]
    return np.stack([a * b, a * (1 - b), (1 - a) * b, (1 - a) * (1 - b)], axis=-1)


def _stationary_of_class(M: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """Stationary distribution of the closed irreducible class ``cls`` (GTH in numpy)."""
    sub = M[np.ix_(cls, cls)].astype(np.float64).copy()
    k = len(cls)
    if k == 1:
        return np.ones(1)
    P = sub
    for m in range(k - 1, 0, -1):
        s = P[m, :m].sum()
        if s <= 0:
            raise ChainError("internal: class is not irreducible")
        P[:m, m] /= s
        P[:m, :m] += np.outer(P[:m, m], P[m, :m])
    pi = np.zeros(k)
    pi[0] = 1.0
    for m in range(1, k):
        pi[m] = pi[:m] @ P[:m, m]
    return pi / pi.sum()


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


def limit_state_distribution(x: Any, y: Any) -> LimitDecomposition:
    """Exact limit-of-means state distribution of one pair, reducible chains included.

    Closed communicating classes are found from the exact zero pattern of the transition
    matrix; each closed class gets its unique stationary distribution (periodic classes
    included: the Cesàro limit is that distribution), weighted by the probability that play
    starting from the opening distribution is absorbed into it.
    """
    p, q = as_pair(x, y)
    if p.shape != (5,) or q.shape != (5,):
        raise ParameterError("limit_state_distribution takes a single pair; use limit_of_means for batches")
    M = _transition_np(p, q)
    v0 = _opening_np(p, q)
    ncomp, labels = connected_components(M > 0.0, directed=True, connection="strong")
    closed, transient = [], []
    for c in range(ncomp):
        members = np.flatnonzero(labels == c)
        outside = np.setdiff1d(np.arange(4), members)
        if outside.size == 0 or not np.any(M[np.ix_(members, outside)] > 0):
            closed.append(members)
        else:
            transient.extend(members.tolist())
    transient_arr = np.array(sorted(transient), dtype=int)
    weights = np.zeros(len(closed))
    if transient_arr.size:
        Q = M[np.ix_(transient_arr, transient_arr)]
        IminusQ = np.eye(transient_arr.size) - Q
        # Absorption probabilities from each transient state into each closed class.
        Rm = np.stack([M[np.ix_(transient_arr, c)].sum(axis=1) for c in closed], axis=1)
        B = np.linalg.solve(IminusQ, Rm)
        weights += v0[transient_arr] @ B
    for i, c in enumerate(closed):
        weights[i] += v0[c].sum()
    visits = np.zeros(4)
    for w, c in zip(weights, closed):
        visits[c] += w * _stationary_of_class(M, c)
    return LimitDecomposition(
        visits=visits,
        closed_classes=[c.tolist() for c in closed],
        class_weights=weights,
        transient=transient_arr.tolist(),
    )


def _irreducible_mask(M: np.ndarray) -> np.ndarray:
    """Batched test: is each 4-state chain irreducible (all states communicate)?"""
    pos = M > 0.0
    out = pos.all(axis=(-2, -1))  # strictly positive chains (the generic case) are irreducible
    rest = np.flatnonzero(~out)
    if rest.size:
        A = pos[rest] | np.eye(4, dtype=bool)
        R = A.astype(np.int8)
        for _ in range(2):  # reachability by repeated squaring: paths up to length 4
            R = (np.einsum("...ij,...jk->...ik", R, R) > 0).astype(np.int8)
        out[rest] = R.all(axis=(-2, -1))
    return out


@jax.jit
def _stationary_jit(p, q):
    return jnp_visits_stationary(p, q)


def limit_of_means(x: Any, y: Any, game: Game | str, *, require_ergodic: bool = False) -> PairResult:
    """Exact limit-of-means quantities for one pair or a batch (broadcast).

    Irreducible chains (the generic case) are solved in one batched call; the rest — chains
    with transient states, several closed classes, absorbing states — go through the exact
    decomposition of :func:`limit_state_distribution`, so the opening moves decide the answer
    where they should.  ``info["ergodic"]`` flags, per pair, whether the limit is independent of
    the opening; with ``require_ergodic=True`` a pair with several closed classes raises
    :class:`ChainError` instead.
    """
    g = preset(game)
    p, q = as_pair(x, y)
    p, q = np.broadcast_arrays(p, q)
    shape = p.shape[:-1]
    pf, qf = p.reshape(-1, 5), q.reshape(-1, 5)
    # Interior pairs (all reaction probabilities in (0, 1)) have strictly positive, hence
    # irreducible, chains; only the others need the structural test.
    interior = np.all((pf[:, 1:] > 0) & (pf[:, 1:] < 1) & (qf[:, 1:] > 0) & (qf[:, 1:] < 1), axis=1)
    irred = interior.copy()
    edge = np.flatnonzero(~interior)
    if edge.size:
        irred[edge] = _irreducible_mask(_transition_np(pf[edge], qf[edge]))
    visits = np.empty((pf.shape[0], 4))
    ergodic = np.ones(pf.shape[0], dtype=bool)
    if irred.any():
        with jax.enable_x64(True):
            visits[irred] = np.asarray(_stationary_jit(jnp.asarray(pf[irred]), jnp.asarray(qf[irred])))
    for i in np.flatnonzero(~irred):
        dec = limit_state_distribution(pf[i], qf[i])
        visits[i] = dec.visits
        ergodic[i] = dec.ergodic
        if require_ergodic and not dec.ergodic:
            raise ChainError(
                f"pair {i}: the chain has {len(dec.closed_classes)} closed classes "
                f"{dec.closed_classes}; the limit of means depends on the opening moves"
            )
    visits = visits.reshape(*shape, 4)
    return PairResult.from_visits(visits, g, "limit", {"ergodic": ergodic.reshape(shape)})


# ------------------------------------------------------------ all pairs

Criterion = Literal["finite", "discounted", "limit"]


@partial(jax.jit, static_argnames=("n", "chunk"))
def _all_pairs_finite(P, Q, n, chunk):
    # Rows of P in chunks (lax.map) so the working set stays in cache; columns vectorised.
    nrow = P.shape[0]
    pad = (-nrow) % chunk
    Pp = jnp.concatenate([P, jnp.broadcast_to(P[:1], (pad, 5))], axis=0) if pad else P
    blocks = Pp.reshape(-1, chunk, 5)

    def one(block):
        return jnp_visits_finite(block[:, None, :], Q[None, :, :], n)

    out = jax.lax.map(one, blocks)
    return out.reshape(-1, Q.shape[0], 4)[:nrow]


@partial(jax.jit, static_argnames=("chunk",))
def _all_pairs_discounted(P, Q, gamma, chunk):
    nrow = P.shape[0]
    pad = (-nrow) % chunk
    Pp = jnp.concatenate([P, jnp.broadcast_to(P[:1], (pad, 5))], axis=0) if pad else P
    blocks = Pp.reshape(-1, chunk, 5)

    def one(block):
        return jnp_visits_discounted(block[:, None, :], Q[None, :, :], gamma)

    out = jax.lax.map(one, blocks)
    return out.reshape(-1, Q.shape[0], 4)[:nrow]


def payoff_matrix(
    rows: Any,
    cols: Any,
    game: Game | str,
    *,
    n: int | None = None,
    gamma: float | None = None,
    limit: bool = False,
    chunk: int | None = None,
) -> PairResult:
    """Exact quantities for every (row, column) pair: arrays of shape ``(N, M)``.

    Exactly one criterion: ``n`` (finite horizon), ``gamma`` (discounted) or ``limit=True``.
    ``rows`` and ``cols`` are :class:`StrategyPool` objects or ``(N, 5)`` / ``(M, 5)`` arrays.
    """
    g = preset(game)
    chosen = [n is not None, gamma is not None, bool(limit)]
    if sum(chosen) != 1:
        raise ParameterError("choose exactly one criterion: n (finite horizon), gamma (discounted) or limit=True")
    P = np.atleast_2d(as_params(rows, "row strategies"))
    Q = np.atleast_2d(as_params(cols, "column strategies"))
    if P.ndim != 2 or Q.ndim != 2:
        raise ParameterError("row and column strategies must be (N, 5) and (M, 5)")
    if chunk is None:
        chunk = max(1, min(P.shape[0], 8192 // max(1, Q.shape[0]) or 1))
    else:
        from eqtools.validation import positive_int

        chunk = positive_int("chunk", chunk)
    if limit:
        return limit_of_means(P[:, None, :], Q[None, :, :], g)
    with jax.enable_x64(True):
        if n is not None:
            n = check_horizon(n)
            if n > DOUBLING_MIN_N:
                d = _visits_finite_doubling(P[:, None, :], Q[None, :, :], n)
            else:
                d = _all_pairs_finite(jnp.asarray(P), jnp.asarray(Q), n, int(chunk))
            crit, info = f"finite(n={n})", {"n": n}
        else:
            gm = check_gamma(gamma)
            d = _all_pairs_discounted(jnp.asarray(P), jnp.asarray(Q), gm, int(chunk))
            crit, info = f"discounted(gamma={gm:g})", {"gamma": gm}
        d = np.asarray(d)
    return PairResult.from_visits(d, g, crit, info)
