"""Batched backward induction against memory-one co-players: exact ``n``-round best-response
values for many co-players at once (numpy, float64) and the same in JAX for jitted code.

Against a fixed memory-one co-player the pair (round, previous state) is a sufficient statistic,
so the optimal value over *all* strategies of the focal player is a backward induction over
the four states.  One backup (:func:`_backup`) is the whole formula: the single-co-player solver
:func:`solvers.best_response.best_response_finite` (with its per-round policy table) and the
batched :func:`br_values` both call it, so they are one computation (the same operations in the
same order: equal bit for bit on the same inputs, which the tests check).  The JAX
:func:`br_values_jnp` / :func:`br_continuation_jnp` write the backup out in the order the
trained runs were traced in (XLA's rounding follows it; tested against
:func:`~solvers.best_response.best_response_finite` to 1e-12).

Moved here from :mod:`learners.regret` (issue 23); the names stay importable from there.
"""

from __future__ import annotations

from typing import Annotated, Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise
from eqtools.validation import MaxSize, Positive, validated

__all__ = [
    "MAX_BR_ROUNDS",
    "br_values",
    "round_weights",
    "br_continuation_jnp",
    "br_values_jnp",
]


def _coplayer_probs(q: np.ndarray) -> np.ndarray:
    """``(..., 5)``: the co-player's P(C) in the focal player's observations (start, CC, CD, DC, DD)."""
    q = np.asarray(q, dtype=np.float64)
    return np.concatenate([q[..., :1], q[..., 1:][..., np.asarray(SWAP)]], axis=-1)


def _backup(qc: Any, qd: Any, w: Any, eps: float = 0.0) -> tuple[Any, Any]:
    """One backward-induction step: the values of the *intended* own actions (C, D).

    The co-player cooperates with probability ``qc`` and defects with ``qd``; ``w[k]`` is the
    reward plus value-to-go after outcome ``k`` (CC, CD, DC, DD).  With execution errors ``eps``
    an intended C is played as C with probability ``1 - eps`` (and D as D).  Python floats,
    numpy or JAX arrays alike (broadcast)."""
    c = qc * w[0] + qd * w[1]  # own action C
    d = qc * w[2] + qd * w[3]  # own action D
    if eps:
        c, d = (1 - eps) * c + eps * d, eps * c + (1 - eps) * d
    return c, d


#: Most rounds of an exact finite-horizon best-response value (one backward-induction step per round;
#: the same bound as :data:`solvers.best_response.MAX_TABLE_ROUNDS`).
MAX_BR_ROUNDS = 10**6
_Rounds = Annotated[int, Positive, MaxSize(MAX_BR_ROUNDS, "use gamma for longer games")]


def _coplayer_array(q: Any) -> np.ndarray:
    """``q`` as a float array of co-player vectors, or a named :class:`ParameterError`."""
    try:
        return np.asarray(q, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"co-players q must be (..., 5) probabilities, got {q!r}"[:300]) from None


@validated
def br_values(q: Any, game: Game | str = "paper", n: _Rounds = 100, *, gamma: float | None = None,
              noise: float = 0.0) -> np.ndarray:
    """Exact ``n``-round best-response values (mean per round) against memory-one co-players ``q (..., 5)``.

    The same backward induction as :func:`solvers.best_response.best_response_finite`, over a
    batch (float64).  ``gamma``: the discounted criterion over the ``n`` rounds instead, rewards
    weighted ``(1 - gamma) gamma^t / (1 - gamma^n)`` (normalised, so it tends to the
    infinite-horizon value of :func:`solvers.best_response.best_response_discounted` as
    ``gamma^n -> 0``).  ``noise``: execution errors of both players (each intended action flips
    with that probability, the best responder's own included)."""
    g = preset(game)
    q = _coplayer_array(q)
    if q.shape[-1:] != (5,) or not np.all((q >= 0) & (q <= 1)):
        raise ParameterError(f"co-players must be (..., 5) probabilities, got shape {q.shape}")
    if int(n) < 1:
        raise ParameterError(f"n must be a positive integer, got {n}")
    if gamma is not None or noise:
        return _br_values_weighted(q, g, round_weights(int(n), gamma), validate_noise(noise))
    r = np.asarray(g.payoffs, dtype=np.float64)
    qo = _coplayer_probs(q)
    qy = qo[..., 1:]
    V = np.zeros(q.shape[:-1] + (4,))
    for _ in range(int(n) - 1):
        V = np.maximum(*_backup(qy, 1 - qy, [r[k] + V[..., k:k + 1] for k in range(4)]))
    q0 = qo[..., 0]
    return np.maximum(*_backup(q0, 1 - q0, [r[k] + V[..., k] for k in range(4)])) / int(n)


def round_weights(n: int, gamma: float | None = None) -> np.ndarray:
    """Per-round weights of the criterion: ``1/n`` (finite horizon) or ``(1 - gamma) gamma^t / (1 - gamma^n)``."""
    from eqtools.validation import positive_int

    from .markov import check_gamma

    n = positive_int("n", n)
    if gamma is None:
        return np.full(n, 1.0 / n)

    gm = check_gamma(gamma)
    w = gm ** np.arange(int(n))
    return w / w.sum()


def _br_values_weighted(q: np.ndarray, g: Game, w: np.ndarray, eps: float) -> np.ndarray:
    """Backward induction with per-round weights ``w`` and execution errors ``eps`` (both players)."""
    r = np.asarray(g.payoffs, dtype=np.float64)
    qo = _coplayer_probs(eps + (1 - 2 * eps) * q)  # the co-player's actual P(C) per focal observation

    def best(qc: np.ndarray, cont: list[np.ndarray], wt: float) -> np.ndarray:
        # cont[k]: value-to-go after outcome k (CC, CD, DC, DD), broadcast against qc
        return np.maximum(*_backup(qc, 1 - qc, [wt * r[k] + cont[k] for k in range(4)], eps))

    V = np.zeros(q.shape[:-1] + (4,))
    for t in range(len(w) - 1, 0, -1):
        V = best(qo[..., 1:], [V[..., k:k + 1] for k in range(4)], w[t])
    return best(qo[..., 0], [V[..., k] for k in range(4)], w[0])


def br_continuation_jnp(q: jax.Array, payoffs: jax.Array, steps: Any) -> jax.Array:
    """Optimal total payoff-to-go ``(..., 4)`` after each state (X's view) with ``steps`` rounds
    left against memory-one ``q (..., 5)``: ``steps`` backups of the backward induction of
    :func:`br_values`.  ``steps`` may be a Python int (a ``scan``) or a traced integer (a
    ``while`` loop; not reverse-differentiable), e.g. the rounds left inside a jitted rollout
    (:class:`learners.bayes.BayesPolicy` re-plans with it every round)."""
    r = jnp.asarray(payoffs)
    qy = q[..., 1:][..., jnp.asarray(SWAP)]

    def backup(V):
        # _backup written out: XLA's rounding follows the order the operations are traced in, and
        # this order is the one the trained runs used (bit for bit); tests check it against
        # best_response_finite to 1e-12.
        qc = qy * (r[0] + V[..., :1]) + (1 - qy) * (r[1] + V[..., 1:2])
        qd = qy * (r[2] + V[..., 2:3]) + (1 - qy) * (r[3] + V[..., 3:4])
        return jnp.maximum(qc, qd)

    V0 = jnp.zeros(q.shape[:-1] + (4,), q.dtype)
    if isinstance(steps, (int, np.integer)):
        V, _ = jax.lax.scan(lambda V, _: (backup(V), None), V0, None, length=max(int(steps), 0))
        return V
    return jax.lax.fori_loop(0, steps, lambda _, V: backup(V), V0)


def br_values_jnp(q: jax.Array, payoffs: jax.Array, n: int) -> jax.Array:
    """:func:`br_values` in JAX (traceable; ``n`` static), for evaluations inside jitted code."""
    r = jnp.asarray(payoffs)
    q0 = q[..., 0]
    V = br_continuation_jnp(q, r, int(n) - 1)
    oc = q0 * (r[0] + V[..., 0]) + (1 - q0) * (r[1] + V[..., 1])
    od = q0 * (r[2] + V[..., 2]) + (1 - q0) * (r[3] + V[..., 3])
    return jnp.maximum(oc, od) / n
