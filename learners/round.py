"""The one round kernel: a round of the 2-player stage game, as every training loop plays it.

Conventions (identical to :mod:`eqtools.conventions`): actions ``C = 0``, ``D = 1``; a round's
joint outcome from a player's own view is ``state = 2 * own + other``; observation tokens are
``START = 0`` before the first round and ``1 + state`` afterwards (each player sees the round
from its own side); the focal player's payoff is ``table[state]`` with ``table = (R, S, T, P)``.

Pieces, all pure JAX on arrays of any (equal) batch shape:

* :func:`draw` — intended actions from cooperation probabilities and uniforms (``u >= P(C)`` is
  ``D``: sampling a two-action categorical by comparing one uniform with ``P(C)``);
* :func:`tabular_coop` / :func:`tabular_step` — a tabular memory-one co-player: ``P(C)`` is its
  parameter vector ``(p0, p_CC, p_CD, p_DC, p_DD)`` indexed by its own-view token;
* :func:`execute` — execution noise: each intended action flips ``C <-> D`` independently with
  probability ``noise``, the convention of the exact core (:func:`eqtools.strategies.apply_noise`,
  :func:`solvers.simulate.simulate`); :func:`noise_keys` gives the flips their own key stream,
  ``fold_in(key, 1)``, so the action draws are those of the noise-free game;
* :func:`outcome` — joint outcome of the actions *as played*: both own-view tokens and rewards;
* :func:`previous_inputs` — a sequence model's previous own action and reward from its token;
* :func:`play_round` — all of it for two players given ``P(C)`` and a key (the memory-one rollout).

Execution noise is configured by a static Python float: ``noise = 0`` (or ``None``) draws no
random numbers at all, so noise-free runs consume their keys exactly as before the noise existed
and stay bit-identical.  A learner's log-probability is that of its *intended* action; what it
observes next (token, previous action, reward) follows from the actions as played.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import START_TOKEN
from eqtools.strategies import validate_noise

__all__ = [
    "Round",
    "noisy",
    "draw",
    "tabular_coop",
    "tabular_step",
    "execute",
    "outcome",
    "previous_inputs",
    "play_round",
]


class Round(NamedTuple):
    """One round from both sides: actions as played, next own-view tokens, rewards."""

    action_x: jax.Array
    action_y: jax.Array
    token_x: jax.Array  #: ``1 + 2 * a_x + a_y``: X's next observation
    token_y: jax.Array  #: ``1 + 2 * a_y + a_x``
    reward_x: jax.Array
    reward_y: jax.Array


def noisy(noise: Any) -> bool:
    """Does ``noise`` ask for execution errors?  ``None`` and zero do not (no random draws); a positive
    rate does, and so does a traced value (the caller chose to draw).  A concrete rate is checked by
    :func:`eqtools.strategies.validate_noise` (``ParameterError`` naming ``noise`` outside [0, 0.5])."""
    if noise is None:
        return False
    if isinstance(noise, jax.core.Tracer):
        return True
    if isinstance(noise, (jax.Array, np.ndarray)) and noise.ndim == 0:
        noise = float(noise)
    return validate_noise(noise) != 0.0


def draw(u: jax.Array, p_coop: jax.Array) -> jax.Array:
    """Intended actions ``C = 0`` / ``D = 1`` from uniforms ``u`` and cooperation probabilities."""
    return (u >= p_coop).astype(jnp.int32)


def tabular_coop(params: jax.Array, token: jax.Array) -> jax.Array:
    """``P(C)`` of memory-one agents ``params[..., 5]`` before a round with own-view ``token``."""
    return jnp.take_along_axis(params, token[..., None], axis=-1)[..., 0]


def tabular_step(params: jax.Array, token: jax.Array, u: jax.Array) -> jax.Array:
    """Intended actions of tabular memory-one co-players (``params[..., 5]``) on their own tokens."""
    return draw(u, tabular_coop(params, token))


def execute(key_or_u: jax.Array, actions: jax.Array, noise: Any) -> jax.Array:
    """Actions as played: each intended action flips with probability ``noise``.

    ``key_or_u`` is a PRNG key (one uniform per action is drawn) or those uniforms, already drawn.
    Without noise (:func:`noisy` false) the actions come back unchanged and nothing is drawn."""
    if not noisy(noise):
        return actions
    u = key_or_u
    if not jnp.issubdtype(getattr(key_or_u, "dtype", jnp.uint32), jnp.floating):  # a key (raw uint32 or typed)
        u = jax.random.uniform(key_or_u, actions.shape)
    return jnp.where(u < noise, 1 - actions, actions)


def noise_keys(key: jax.Array, n: int) -> jax.Array:
    """``n`` keys for the noise flips of a round whose action draws use ``key``: the stream
    ``fold_in(key, 1)``, separate from (and not changing) the action draws.  (An internal helper of
    the loops, called on traced keys inside ``jit``; not in ``__all__``.)"""
    return jax.random.split(jax.random.fold_in(key, 1), n)


def outcome(a_x: jax.Array, a_y: jax.Array, table: jax.Array) -> Round:
    """Joint outcome of actions as played: own-view tokens and both players' payoffs."""
    s_x = 2 * a_x + a_y
    s_y = 2 * a_y + a_x
    return Round(a_x, a_y, 1 + s_x, 1 + s_y, table[s_x], table[s_y])


def previous_inputs(token: jax.Array, table: jax.Array) -> tuple[jax.Array, jax.Array]:
    """A sequence model's previous own action (``-1`` at the start) and reward (``0`` at the start)
    from its own-view observation token."""
    prev_a = jnp.where(token == START_TOKEN, -1, (token - 1) // 2)
    prev_r = jnp.where(token == START_TOKEN, 0.0, table[jnp.maximum(token - 1, 0)])
    return prev_a, prev_r


def play_round(key: jax.Array, p_x: jax.Array, p_y: jax.Array, table: jax.Array, noise: Any = None) -> Round:
    """One round of two players who cooperate with probabilities ``p_x``, ``p_y`` (same shape).

    Key use: ``split(key)`` draws X's and Y's intended actions; with noise the flips come from
    :func:`noise_keys` — the rollout of :func:`learners.env.rollout_memory_one` and of
    :func:`solvers.simulate.simulate`."""
    kx, ky = jax.random.split(key)
    ax = draw(jax.random.uniform(kx, jnp.shape(p_x)), p_x)
    ay = draw(jax.random.uniform(ky, jnp.shape(p_y)), p_y)
    if noisy(noise):
        fx, fy = noise_keys(key, 2)
        ax, ay = execute(fx, ax, noise), execute(fy, ay, noise)
    return outcome(ax, ay, table)
