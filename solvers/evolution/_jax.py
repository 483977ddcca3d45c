"""JAX kernels shared by the continuous mutation–selection process and adaptive dynamics.

Pure ``jax.numpy``: the exact state-visit distributions of :mod:`solvers.payoffs`
(``jnp_visits_*``), execution noise as the exact change ``p -> eps + (1 - 2 eps) p``, and the
fixation probability in log space.  Everything is differentiable and ``vmap``-able.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from solvers.markov import _fixation_payoffs, _log_ratio, _log_rho
from solvers.payoffs import jnp_visits_discounted, jnp_visits_finite, jnp_visits_stationary


def noisy(p: jax.Array, eps: float) -> jax.Array:
    """Execution errors on a memory-one strategy (same map as :func:`eqtools.strategies.apply_noise`)."""
    return eps + (1.0 - 2.0 * eps) * p


def visits(p: jax.Array, q: jax.Array, criterion: str, n: int | None, gamma: float | None) -> jax.Array:
    """State-visit distribution of X=p against Y=q (batched over leading axes)."""
    if criterion == "finite":
        return jnp_visits_finite(p, q, int(n))
    if criterion == "discounted":
        return jnp_visits_discounted(p, q, gamma)
    return jnp_visits_stationary(p, q)


def payoff(p: jax.Array, q: jax.Array, payoffs: jax.Array, criterion: str, n: int | None,
           gamma: float | None) -> jax.Array:
    """Payoff of p against q (``payoffs`` = (R, S, T, P) of the focal player)."""
    return visits(p, q, criterion, n, gamma) @ payoffs


def log_fixation(a_rr: jax.Array, a_rm: jax.Array, a_mr: jax.Array, a_mm: jax.Array, N: int, process: str,
                 selection: float) -> jax.Array:
    """``log rho`` of one mutant among ``N - 1`` residents (see :mod:`solvers.evolution.finite`)."""
    k = jnp.arange(1, N, dtype=a_rr.dtype)
    pi_m, pi_r = _fixation_payoffs(a_rr[..., None], a_rm[..., None], a_mr[..., None], a_mm[..., None], N, k)
    terms = _log_ratio(pi_m, pi_r, process, selection, jnp.log)
    return _log_rho(terms, jnp, partial(jax.nn.logsumexp, axis=-1))


def pair_payoffs(res: jax.Array, mut: jax.Array, eps: float, payoffs: jax.Array, criterion: str,
                 n: int | None, gamma: float | None) -> tuple[Any, ...]:
    """``(a_rr, a_rm, a_mr, a_mm)`` for intended strategies ``res`` and ``mut`` under noise ``eps``."""
    r, m = noisy(res, eps), noisy(mut, eps)
    P = jnp.stack([r, r, m, m], axis=-2)
    Q = jnp.stack([r, m, r, m], axis=-2)
    v = visits(P, Q, criterion, n, gamma)
    a = v @ payoffs
    return a[..., 0], a[..., 1], a[..., 2], a[..., 3]
