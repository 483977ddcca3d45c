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
  :func:`payoff_matrix`, ...) validate inputs, compute in float64 and return numpy arrays.  They
  take ``noise`` (execution errors: each intended action flips with that probability) and use
  subtraction-free methods — GTH elimination, a restart chain for the discounted criterion,
  state elimination for absorption probabilities, repeated squaring (O(log n)) for the finite
  horizon — so they stay accurate on nearly absorbing chains, as ``gamma -> 1`` and for any
  ``n``.  Sizes that cannot be served raise :class:`~eqtools.errors.SizeLimitError` up front;
  where float64 cannot deliver, :class:`~eqtools.errors.PrecisionError`.  See
  ``docs/exact_core.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ChainError, ParameterError, PrecisionError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, apply_noise, validate_noise, validate_probabilities

from ._kernel import finite_visits_indexed, horizon_bits
# The chain mathematics lives in solvers.markov and the batched pair core in solvers._pair_chain
# (issue 23); the names stay importable from here.
from ._pair_chain import (  # noqa: F401
    BLOCK_PAIRS, CHUNK_PAIRS, _cd, _discounted_fn, _discounted_soa, _mapped, _matmul_soa, _rownorm,
    _run_batched, _soa_chain, _stationary_fn, _stationary_soa, _structure, _vecmat_soa,
)
from .markov import (  # noqa: F401
    ITERATE_ROUNDS, _TINY, LimitDecomposition, _absorption_weights, _check_chain, _gth_np, _gth_soa,
    _gth_stationary, _stationary_of_class, chain_discounted, chain_finite, chain_limit, check_gamma,
    check_horizon,
)

__all__ = [
    "PairResult",
    "jnp_transition_matrix",
    "jnp_opening",
    "jnp_visits_finite",
    "JNP_SCAN_MAX_N",
    "jnp_visits_discounted",
    "jnp_visits_stationary",
    "jnp_round_profile",
    "transition_matrix",
    "visit_quantities",
    "finite_horizon",
    "discounted",
    "limit_of_means",
    "limit_state_distribution",
    "round_profile",
    "payoff_matrix",
    "as_params",
    "check_horizon",
    "check_gamma",
    "check_size",
    "LimitDecomposition",
    "MAX_BYTES",
    "chain_limit",
    "chain_discounted",
    "chain_finite",
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


#: Horizons up to this go through the per-step scan in :func:`jnp_visits_finite` (the same numbers,
#: bit for bit, as before the O(log n) route existed); longer ones through repeated squaring.
JNP_SCAN_MAX_N: int = 256


def jnp_visits_finite(p: jax.Array, q: jax.Array, n: int) -> jax.Array:
    """Mean state-visit distribution over rounds ``0..n-1`` (``n`` static), shape ``(..., 4)``.

    Differentiable.  Up to :data:`JNP_SCAN_MAX_N` rounds a per-step scan; beyond it repeated
    squaring over the bits of ``n`` (``~log2 n`` steps, so ``n = 10**9`` is as cheap as
    ``n = 1000``), the route of the compiled kernel in :mod:`solvers._kernel`.
    """
    n = int(n)
    if n > JNP_SCAN_MAX_N:
        return _jnp_visits_doubling(p, q, n)
    px, qy, v0 = _components(p, q)

    def body(carry, _):
        v, acc = carry
        v = _step(v, px, qy)
        acc = tuple(a + b for a, b in zip(acc, v))
        return (v, acc), None

    (_, acc), _ = jax.lax.scan(body, (v0, v0), None, length=n - 1)
    return jnp.stack(acc, axis=-1) / n


def _jnp_visits_doubling(p: jax.Array, q: jax.Array, n: int) -> jax.Array:
    """``jnp_visits_finite`` by MSB-first repeated squaring (see :mod:`solvers._kernel`).

    ``S_2m = S_m + S_m M^m`` and ``S_m+1 = v0 + S_m M`` on the running sum ``S_m``, with
    ``M^m`` squared (rows renormalised) alongside; a ``lax.scan`` over the bits of ``n`` after
    the leading one, the increment selected by ``jnp.where`` (differentiable).
    """
    px, qy, v0 = _components(p, q)
    M = [[jnp.broadcast_to(e, v0[0].shape) for e in (a * b, a * (1 - b), (1 - a) * b, (1 - a) * (1 - b))]
         for a, b in zip(px, qy)]

    def body(carry, bit):
        S, Pm = carry
        S = [s + t for s, t in zip(S, _vecmat_soa(S, Pm))]
        Pm = _rownorm(_matmul_soa(Pm, Pm))
        S_inc = [a + b for a, b in zip(v0, _vecmat_soa(S, M))]
        P_inc = _matmul_soa(Pm, M)
        S = [jnp.where(bit, a, b) for a, b in zip(S_inc, S)]
        Pm = [[jnp.where(bit, a, b) for a, b in zip(ra, rb)] for ra, rb in zip(P_inc, Pm)]
        return (S, Pm), None

    (S, _), _ = jax.lax.scan(body, (list(v0), M), jnp.asarray(horizon_bits(n)))
    tot = S[0] + S[1] + S[2] + S[3]
    return jnp.stack([s / tot for s in S], axis=-1)


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



def jnp_visits_stationary(p: jax.Array, q: jax.Array) -> jax.Array:
    """Stationary distribution for pairs whose chain is irreducible (e.g. all parameters in (0, 1)).

    Differentiable.  For reducible chains use :func:`limit_state_distribution` (numpy, exact).
    """
    return _gth_stationary(jnp_transition_matrix(p, q), jnp)


# ------------------------------------------------ accurate float64 core (numpy layer)
#
# The numpy-facing functions below never form ``1 - p`` for a noisy probability nor ``1 - M_ii``
# nor ``I - gamma M``: every chain is built from (cooperate, defect) probability *pairs* that
# both carry full relative accuracy, and every solve is subtraction-free (GTH-type elimination,
# repeated squaring of non-negative matrices).  Results therefore keep componentwise relative
# accuracy however close the chain is to being reducible (entries down to ~1e-300) and however
# close gamma is to 1.  See docs/exact_core.md.

#: Largest array (bytes) a single request may allocate before it is refused with
#: :class:`~eqtools.errors.SizeLimitError` (per-round profiles, simulations, tables).
MAX_BYTES: int = 2 * 2**30


def check_size(field_name: str, nbytes: float, what: str, hint: str = "") -> None:
    """Refuse up front (``SizeLimitError``) a request whose output/working set exceeds :data:`MAX_BYTES`."""
    from eqtools.validation import real

    nbytes = real("nbytes", nbytes)
    if nbytes > MAX_BYTES:
        raise SizeLimitError(
            f"{field_name}: {what} needs about {nbytes / 2**30:.3g} GiB, above the {MAX_BYTES / 2**30:g} GiB "
            f"limit (eqtools.solvers.payoffs.MAX_BYTES){'; ' + hint if hint else ''}"
        )


def _noisy_inputs(x: Any, y: Any, noise: Any) -> tuple[np.ndarray, np.ndarray, float]:
    p, q = as_pair(x, y)
    return p, q, validate_noise(noise)


# ----------------------------------------------------------- numpy layer

@dataclass(frozen=True)
class PairResult:
    """Expected per-round quantities for one pair or a batch of pairs (arrays broadcast).

    ``visits`` is the state-visit distribution over (CC, CD, DC, DD) in X's view (last axis).
    ``info["noise"]`` is the execution-error rate the result was computed under.
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
        q = visit_quantities(d, game)
        return cls(visits=d, payoff_x=q[0], payoff_y=q[1], coop_x=q[2], coop_y=q[3], criterion=criterion,
                   info=dict(info or {}))

    def as_tuple(self) -> tuple[float, float]:
        """``(payoff_x, payoff_y)`` as floats (single pair)."""
        return float(self.payoff_x), float(self.payoff_y)


def visit_quantities(d: np.ndarray, game: Game) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(payoff_x, payoff_y, coop_x, coop_y)`` of visit distributions ``d (..., 4)``.

    Elementwise sums in a fixed order, not ``d @ payoffs``: a BLAS product's rounding depends on
    the array's shape and the BLAS thread count, so the same pair could differ in the last ulp
    between an in-memory table and a dask block.  Payoffs are convex combinations of the game's
    entries, so the last-ulp round-off is clipped to its ``[min, max]``.
    """
    from eqtools.validation import float_array

    d, game = float_array("d", d, last=4), preset(game)
    lo, hi = float(np.min(game.payoffs)), float(np.max(game.payoffs))

    def dot(v: np.ndarray) -> np.ndarray:
        return np.clip(((d[..., 0] * v[0] + d[..., 1] * v[1]) + d[..., 2] * v[2]) + d[..., 3] * v[3], lo, hi)

    return (dot(np.asarray(game.payoffs, dtype=np.float64)), dot(np.asarray(game.payoffs_coplayer, dtype=np.float64)),
            np.clip(d[..., 0] + d[..., 1], 0.0, 1.0), np.clip(d[..., 0] + d[..., 2], 0.0, 1.0))


def transition_matrix(x: Any, y: Any, *, noise: float = 0.0) -> np.ndarray:
    """Transition matrix of the pair ``(x, y)`` in X's view (numpy float64), under execution errors ``noise``."""
    p, q, eps = _noisy_inputs(x, y, noise)
    xc, xd = _cd(p, eps)
    yc, yd = _cd(q, eps)
    M, _ = _soa_chain(xc, xd, yc, yd)
    return np.stack([np.stack(row, axis=-1) for row in M], axis=-2)


@partial(jax.jit, static_argnums=2)
def _round_profile_jit(p, q, n):
    return jnp_round_profile(p, q, n)


def _normalise(d: np.ndarray) -> np.ndarray:
    return d / d.sum(axis=-1, keepdims=True)


def _crit_info(info: dict[str, Any], eps: float) -> dict[str, Any]:
    return {**info, "noise": eps}


def _suffix(eps: float) -> str:
    return f", noise={eps:g}" if eps else ""


def finite_horizon(x: Any, y: Any, game: Game | str, n: int, *, noise: float = 0.0) -> PairResult:
    """Exact mean per-round quantities over ``n`` rounds, opening round included.

    ``x`` and ``y`` may be :class:`MemoryOne`, :class:`StrategyPool` or ``(..., 5)`` arrays
    (broadcast against each other).  ``noise`` is the execution-error rate: each intended
    action, the opening included, flips with that probability.  Cost O(log n) per pair
    (repeated squaring), so ``n = 10**9`` is as fast as ``n = 100``.
    """
    g = preset(game)
    n = check_horizon(n)
    p, q, eps = _noisy_inputs(x, y, noise)
    d, shape = _finite_indexed(p, q, eps, n)
    d = d.reshape(*shape, 4)
    return PairResult.from_visits(d, g, f"finite(n={n}{_suffix(eps)})", _crit_info({"n": n, "method": "repeated squaring"}, eps))


def _finite_indexed(p: np.ndarray, q: np.ndarray, eps: float, n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Visits of the broadcast pairs of ``p (..., 5)`` and ``q (..., 5)`` by the compiled kernel.

    Each side's distinct strategies are kept once; the pairs are index arrays into them, so a
    ``(N, 1, 5)`` against ``(1, M, 5)`` table costs 16 bytes of indices per pair, not copies.
    """
    shape = np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    pf, qf = p.reshape(-1, 5), q.reshape(-1, 5)
    ri = np.broadcast_to(np.arange(pf.shape[0]).reshape(p.shape[:-1]), shape).ravel()
    ci = np.broadcast_to(np.arange(qf.shape[0]).reshape(q.shape[:-1]), shape).ravel()
    xc, xd = _cd(pf, eps)
    yc, yd = _cd(qf, eps)
    return finite_visits_indexed(xc, xd, ri, yc, yd, ci, n), shape


def round_profile(x: Any, y: Any, n: int, *, noise: float = 0.0) -> np.ndarray:
    """Per-round state distribution, shape ``(..., n, 4)``: ``[t, s]`` = P(round t ends in state s).

    The whole profile is returned, so its size is refused up front (``SizeLimitError``) when it
    would exceed :data:`MAX_BYTES`; for long horizons use :func:`finite_horizon` (means).
    """
    n = check_horizon(n)
    p, q, eps = _noisy_inputs(x, y, noise)
    shape = np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    check_size("n", 8.0 * 4 * n * math.prod(shape), f"a per-round profile of {n} rounds for {math.prod(shape)} pair(s)",
               "use finite_horizon for the mean over the rounds")
    if eps:
        p, q = apply_noise(p, eps), apply_noise(q, eps)
    with jax.enable_x64(True):
        return np.asarray(_round_profile_jit(jnp.asarray(p), jnp.asarray(q), n))


def discounted(x: Any, y: Any, game: Game | str, gamma: float, *, noise: float = 0.0) -> PairResult:
    """Exact normalised discounted quantities ``(1 - gamma) sum_t gamma^t E[r_t]``.

    Computed as the stationary distribution of a restart chain by a subtraction-free GTH
    elimination, so the visits keep componentwise relative accuracy ~1e-15 even as
    ``gamma -> 1`` (no ``I - gamma M`` solve).  ``noise``: execution-error rate.
    """
    g = preset(game)
    gamma = check_gamma(gamma)
    p, q, eps = _noisy_inputs(x, y, noise)
    delta = 1.0 - gamma  # exact for gamma >= 1/2 (Sterbenz), relatively accurate below
    (d, ok), shape = _run_batched(_discounted_fn, p, q, eps, np.float64(gamma), np.float64(delta))
    _check_ok(ok, d, "discounted visits")
    d = _normalise(d).reshape(*shape, 4)
    return PairResult.from_visits(d, g, f"discounted(gamma={gamma:g}{_suffix(eps)})",
                                  _crit_info({"gamma": gamma, "method": "GTH on the restart chain"}, eps))


def _check_ok(ok: np.ndarray, d: np.ndarray, what: str) -> None:
    # Not expected for the restart chain (every pivot is >= 1 - gamma); a guard, not a route.
    bad = ~np.asarray(ok, dtype=bool) | ~np.all(np.isfinite(d), axis=-1)
    if np.any(bad):
        i = int(np.flatnonzero(bad.ravel())[0])
        raise PrecisionError(f"pair {i}: {what} cannot be computed in float64 (a pivot left the float range)")



def _decompose(p: np.ndarray, q: np.ndarray, eps: float) -> LimitDecomposition:
    xc, xd = _cd(p, eps)
    yc, yd = _cd(q, eps)
    Ml, v0l = _soa_chain(xc, xd, yc, yd)
    M = np.array([[float(v) for v in row] for row in Ml])
    v0 = np.array([float(v) for v in v0l])
    return chain_limit(M, v0, _structure(xc, xd, yc, yd))


def limit_state_distribution(x: Any, y: Any, *, noise: float = 0.0) -> LimitDecomposition:
    """Exact limit-of-means state distribution of one pair, reducible chains included.

    Closed communicating classes are found from the exact zero pattern of the transition
    matrix (read off the strategy factors, so no underflow can hide an edge); each closed class
    gets its unique stationary distribution by GTH (periodic classes included: the Cesàro limit
    is that distribution), weighted by the probability that play from the opening is absorbed
    into it, computed by subtraction-free elimination of the transient states.  The class
    weights and the visits sum to 1 by construction.
    """
    p, q, eps = _noisy_inputs(x, y, noise)
    if p.shape != (5,) or q.shape != (5,):
        raise ParameterError("limit_state_distribution takes a single pair; use limit_of_means for batches")
    return _decompose(p, q, eps)


def _irreducible_mask(pos: np.ndarray) -> np.ndarray:
    """Batched test on structural patterns: is each 4-state chain irreducible?"""
    out = pos.all(axis=(-2, -1))  # strictly positive chains (the generic case) are irreducible
    rest = np.flatnonzero(~out)
    if rest.size:
        A = pos[rest] | np.eye(4, dtype=bool)
        R = A.astype(np.int8)
        for _ in range(2):  # reachability by repeated squaring: paths up to length 4
            R = (np.einsum("...ij,...jk->...ik", R, R) > 0).astype(np.int8)
        out[rest] = R.all(axis=(-2, -1))
    return out


def limit_of_means(x: Any, y: Any, game: Game | str, *, require_ergodic: bool = False, noise: float = 0.0) -> PairResult:
    """Exact limit-of-means quantities for one pair or a batch (broadcast).

    Irreducible chains (the generic case, and every chain when ``noise > 0``) are solved in one
    batched subtraction-free GTH call; the rest — chains with transient states, several closed
    classes, absorbing states — go through the exact decomposition of
    :func:`limit_state_distribution`, so the opening moves decide the answer where they should.
    ``info["ergodic"]`` flags, per pair, whether the limit is independent of the opening; with
    ``require_ergodic=True`` a pair with several closed classes raises :class:`ChainError`.
    """
    g = preset(game)
    p, q, eps = _noisy_inputs(x, y, noise)
    p, q = np.broadcast_arrays(p, q)
    shape = p.shape[:-1]
    pf, qf = p.reshape(-1, 5), q.reshape(-1, 5)
    xc, xd = _cd(pf, eps)
    yc, yd = _cd(qf, eps)
    interior = np.all((xc[:, 1:] > 0) & (xd[:, 1:] > 0) & (yc[:, 1:] > 0) & (yd[:, 1:] > 0), axis=1)
    irred = interior.copy()
    edge = np.flatnonzero(~interior)
    if edge.size:
        irred[edge] = _irreducible_mask(_structure(xc[edge], xd[edge], yc[edge], yd[edge]))
    visits = np.empty((pf.shape[0], 4))
    ergodic = np.ones(pf.shape[0], dtype=bool)
    slow = ~irred
    if irred.any():
        (d, ok), _ = _run_batched(_stationary_fn, pf[irred], qf[irred], eps)
        good = np.asarray(ok, dtype=bool) & np.all(np.isfinite(d), axis=-1)
        idx = np.flatnonzero(irred)
        visits[idx[good]] = _normalise(d[good])
        # GTH with state CC kept last underflowed (masses spanning beyond the float range):
        # these go through the per-pair route, which tries every elimination order.
        slow[idx[~good]] = True
    for i in np.flatnonzero(slow):
        dec = _decompose(pf[i], qf[i], eps)
        visits[i] = dec.visits
        ergodic[i] = dec.ergodic
        if require_ergodic and not dec.ergodic:
            raise ChainError(
                f"pair {i}: the chain has {len(dec.closed_classes)} closed classes "
                f"{dec.closed_classes}; the limit of means depends on the opening moves"
            )
    visits = visits.reshape(*shape, 4)
    return PairResult.from_visits(visits, g, "limit" + (f"(noise={eps:g})" if eps else ""),
                                  {"ergodic": ergodic.reshape(shape), "noise": eps})


def _pair(x: Any, y: Any, g: Game, crit: dict[str, Any], noise: float = 0.0) -> PairResult:
    """The exact result of the pair ``(x, y)`` under one criterion given as
    :func:`solvers.best_response.criterion_kwargs` returns it (``gamma``, ``n`` or ``limit``)."""
    p, q = as_params(x, "strategy x"), as_params(y, "strategy y")
    if "gamma" in crit:
        return discounted(p, q, g, crit["gamma"], noise=noise)
    if "n" in crit:
        return finite_horizon(p, q, g, crit["n"], noise=noise)
    return limit_of_means(p, q, g, noise=noise)


# ------------------------------------------------------------ all pairs

Criterion = Literal["finite", "discounted", "limit"]


def payoff_matrix(
    rows: Any,
    cols: Any,
    game: Game | str,
    *,
    n: int | None = None,
    gamma: float | None = None,
    limit: bool = False,
    chunk: int | None = None,
    noise: float = 0.0,
) -> PairResult:
    """Exact quantities for every (row, column) pair: arrays of shape ``(N, M)``.

    Exactly one criterion: ``n`` (finite horizon), ``gamma`` (discounted) or ``limit=True``.
    ``rows`` and ``cols`` are :class:`StrategyPool` objects or ``(N, 5)`` / ``(M, 5)`` arrays.
    ``noise`` is the execution-error rate (recorded in ``info["noise"]``).

    ``chunk=c`` (a positive integer) returns a *lazy* result instead: every array is a dask
    array of ``c x c`` blocks (``visits`` ``(N, M, 4)``), each block computed on demand by the
    in-memory route below (bit for bit the same numbers), so tables larger than memory can be
    written block by block or reduced (see :mod:`solvers.chunked`; needs the ``dask`` extra).
    Without ``chunk`` a table whose results would exceed :data:`MAX_BYTES` is refused up front
    (:class:`~eqtools.errors.SizeLimitError`, hint: pass ``chunk``).
    """
    g = preset(game)
    if chunk is not None:
        from eqtools.validation import positive_int

        chunk = positive_int("chunk", chunk)
    chosen = [n is not None, gamma is not None, bool(limit)]
    if sum(chosen) != 1:
        raise ParameterError("choose exactly one criterion: n (finite horizon), gamma (discounted) or limit=True")
    P = np.atleast_2d(as_params(rows, "row strategies"))
    Q = np.atleast_2d(as_params(cols, "column strategies"))
    if P.ndim != 2 or Q.ndim != 2:
        raise ParameterError("row and column strategies must be (N, 5) and (M, 5)")
    if P.shape[0] == 0 or Q.shape[0] == 0:
        raise ParameterError(f"payoff_matrix needs at least one row and one column strategy, got {P.shape[0]} x {Q.shape[0]}")
    crit = {"limit": True} if limit else {"n": n} if n is not None else {"gamma": gamma}
    if chunk is not None:
        from ._dask_blocks import build_chunked

        return build_chunked(P, Q, g, crit, validate_noise(noise), chunk, block=payoff_matrix,
                             quantities=visit_quantities, result=PairResult)
    # visits (4) + payoffs and cooperation (4) float64 per pair, plus the kernel's 2 int64 indices
    check_size("rows x cols", 80.0 * P.shape[0] * Q.shape[0], f"an in-memory {P.shape[0]} x {Q.shape[0]} payoff table",
               "pass chunk= (e.g. chunk=1000) for a dask-backed table computed block by block "
               "(pip install 'eqtools[dask]')")
    if limit:
        return limit_of_means(P[:, None, :], Q[None, :, :], g, noise=noise)
    if n is not None:
        return finite_horizon(P[:, None, :], Q[None, :, :], g, n, noise=noise)
    return discounted(P[:, None, :], Q[None, :, :], g, gamma, noise=noise)
