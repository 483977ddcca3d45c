"""A functional, vectorised JAX environment for iterated symmetric 2x2 games.

Conventions (identical to :mod:`eqtools.conventions`):

* actions ``C = 0``, ``D = 1``;
* a round's joint outcome from a player's own view is ``state = 2 * own + other``
  (``CC = 0, CD = 1, DC = 2, DD = 3``);
* observation tokens: ``START = 0`` before the first round, ``1 + state`` afterwards;
  each player sees the previous round from its own side (own action first);
* rewards: the focal player receives ``game.payoffs[state]`` = ``(R, S, T, P)[state]``.

The environment is a set of pure functions on arrays with any batch shape, so it can be
``vmap``-ed, ``jit``-ed and driven by :func:`jax.lax.scan` (no Python loop per step).
:func:`rollout_memory_one` plays two memory-one strategies against each other and is
the reference used in the tests against the exact solvers.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import NUM_TOKENS, START_TOKEN
from eqtools.errors import ParameterError
from eqtools.games import Game, preset

from .round import outcome, play_round, tabular_coop, tabular_step

__all__ = [
    "DEFAULT_HORIZON",
    "payoff_table",
    "joint_outcome",
    "memory_one_actions",
    "noisy_actions",
    "Trajectory",
    "rollout_memory_one",
    "NUM_TOKENS",
    "START_TOKEN",
]

#: The paper's horizon: 100 rounds per episode.
DEFAULT_HORIZON: int = 100


def payoff_table(game: Game | str) -> jnp.ndarray:
    """Focal player's payoffs indexed by the state from its own view: ``(R, S, T, P)`` (float32)."""
    return jnp.asarray(preset(game).payoffs, dtype=jnp.float32)


def joint_outcome(
    a_own: jnp.ndarray, a_other: jnp.ndarray, table: jnp.ndarray
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """One round of the stage game for arrays of actions of any (equal) shape.

    Returns ``(obs_own, obs_other, reward_own, reward_other)``: the next observation tokens
    ``1 + state`` from each player's own view, and both players' payoffs
    (:func:`learners.round.outcome` without the actions).
    """
    return outcome(a_own, a_other, table)[2:]


def memory_one_actions(key: jax.Array, params: jnp.ndarray, token: jnp.ndarray) -> jnp.ndarray:
    """Sample actions of memory-one agents.

    ``params[..., 5]`` holds ``(p0, p_CC, p_CD, p_DC, p_DD)`` = P(cooperate); since the
    observation token is ``0`` at the start and ``1 + state`` afterwards, P(C) is simply
    ``params[..., token]``.  Returns ``C = 0`` / ``D = 1`` with the shape of ``token``.
    """
    return tabular_step(params, token, jax.random.uniform(key, token.shape))


def noisy_actions(key: jax.Array, actions: jnp.ndarray, noise: float | jnp.ndarray) -> jnp.ndarray:
    """Execution errors: each (intended) action flips C <-> D independently with probability ``noise``.

    Apply it to *sampled* actions before :func:`joint_outcome`, so any agent — memory-one or a
    learned sequence model — meets the same noise; keep the intended action for the agent's own
    log-probability.  Unlike :func:`learners.round.execute` it always draws (``noise = 0`` returns
    ``actions`` unchanged but still consumes ``key``).
    """
    flip = jax.random.uniform(key, actions.shape) < noise
    return jnp.where(flip, 1 - actions, actions)


class Trajectory(NamedTuple):
    """Time-major arrays of shape ``(horizon, batch)`` from a rollout."""

    actions_x: jnp.ndarray
    actions_y: jnp.ndarray
    rewards_x: jnp.ndarray
    rewards_y: jnp.ndarray
    states_x: jnp.ndarray  #: state index 0..3 of each round from X's view


def rollout_memory_one(
    key: jax.Array,
    p: np.ndarray | jnp.ndarray,
    q: np.ndarray | jnp.ndarray,
    game: Game | str = "paper",
    horizon: int = DEFAULT_HORIZON,
    batch: int = 4096,
    noise: float = 0.0,
) -> Trajectory:
    """Play ``batch`` episodes of memory-one ``p`` (player X) against ``q`` (player Y).

    ``p`` and ``q`` are 5-vectors, or ``(batch, 5)`` arrays (one strategy per episode).
    Uses :func:`jax.lax.scan` over the ``horizon`` rounds.  ``noise``: execution-error rate;
    each sampled action flips with that probability (:func:`noisy_actions`) and the trajectory
    records the actions as played.  ``noise = 0`` (default) is bit-identical to the noise-free
    rollout (no extra random draws).
    """
    from eqtools.strategies import validate_noise, validate_probabilities
    from eqtools.validation import positive_int, prng_key
    from solvers.payoffs import check_size

    prng_key("key", key)
    horizon, batch = positive_int("horizon", horizon), positive_int("batch", batch)
    check_size("batch x horizon", 16.0 * batch * horizon, f"{batch} episodes of {horizon} rounds", "use fewer episodes")
    p, q = (x if isinstance(x, jax.core.Tracer) else validate_probabilities(x, what=w) for x, w in ((p, "p"), (q, "q")))
    eps = validate_noise(noise)
    pa = jnp.broadcast_to(jnp.asarray(p, jnp.float32), (int(batch), 5))
    qa = jnp.broadcast_to(jnp.asarray(q, jnp.float32), (int(batch), 5))
    if eps:
        return _rollout_m1(key, pa, qa, payoff_table(game), jnp.float32(eps), int(horizon), True)
    return _rollout_m1(key, pa, qa, payoff_table(game), jnp.float32(0.0), int(horizon), False)


def _rollout_m1_impl(key, pa, qa, table, noise, horizon, noisy):
    """``noisy`` (static) adds the execution-error flips; without it no extra random numbers are
    drawn, so noiseless rollouts stay bit-identical to earlier versions."""
    batch = pa.shape[0]

    def body(carry, k):
        tok_x, tok_y = carry
        rd = play_round(k, tabular_coop(pa, tok_x), tabular_coop(qa, tok_y), table, noise if noisy else None)
        return (rd.token_x, rd.token_y), Trajectory(rd.action_x, rd.action_y, rd.reward_x, rd.reward_y, rd.token_x - 1)

    start = jnp.full((batch,), START_TOKEN, jnp.int32)
    _, traj = jax.lax.scan(body, (start, start), jax.random.split(key, horizon))
    return traj


_rollout_m1 = jax.jit(_rollout_m1_impl, static_argnums=(5, 6))
