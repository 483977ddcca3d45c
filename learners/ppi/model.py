"""The PPI sequence model p_phi over the joint stream (observation, own action, reward).

Conventions are those of :mod:`eqtools.conventions` and :mod:`learners.env`: actions
``C = 0, D = 1``; a round's state from the agent's own view is ``s = 2 * own + other``;
observation tokens are ``START = 0`` and ``1 + s`` for the previous round.

One GRU step per round.  Its input at round ``t`` is the joint stream up to the start of
round ``t``: the observation token ``o_t``, the agent's previous action ``a_{t-1}`` (none at
``t = 0``) and its previous reward ``r_{t-1}`` (0 at ``t = 0``), each embedded by its own
linear layer (one-hot for the discrete tokens) into ``embed`` dimensions and concatenated
(the paper leaves sum-vs-concatenation open; :class:`learners.networks.GRUAgent` also
concatenates).  A GRU with ``hidden`` units and Swish on its output give the features ``y_t``,
read by three separate linear heads:

* **action** ``p_phi(a_t | x_<=t)``: logits over (C, D) — the policy prior;
* **observation** ``p_phi(o_{t+1} | x_<=t, a_t)``: for each own action ``a`` the logits of the
  two next-observation tokens consistent with it (``1 + 2a + c`` for the co-player's action
  ``c``); the own half of the next token is the action just taken, so only the co-player's half
  is uncertain and the head never puts mass on inconsistent tokens (a documented choice);
* **reward** ``r_phi(x_<=t, s_t)``: the predicted reward for each of the four possible states
  of round ``t`` (squared-error loss on the realised one).

Losses (per round, averaged over rounds and episodes): cross-entropy of the action, cross-
entropy of the next observation given the action taken, squared error of the reward.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from eqtools.conventions import NUM_TOKENS, START_TOKEN
from eqtools.validation import positive_int

__all__ = ["SequenceModel", "Heads", "init_model", "stream_inputs", "sequence_loss", "model_logits_over_episode"]


class Heads(NamedTuple):
    """Outputs of one model step; leading axes = batch."""

    action_logits: jax.Array  #: (..., 2) logits of the own action (C, D)
    co_logits: jax.Array  #: (..., 2, 2) for own action a: logits of the co-player's action (C, D)
    reward: jax.Array  #: (..., 4) predicted reward for each state CC, CD, DC, DD of this round


class SequenceModel(nn.Module):
    """One step of the world model / policy prior.

    ``__call__(h, obs, prev_action, prev_reward) -> (h_new, Heads)`` with ``h (..., hidden)``,
    integer ``obs`` tokens, ``prev_action`` in ``{-1, 0, 1}`` (``-1``: none) and float rewards.
    """

    hidden: int = 128
    embed: int = 32
    reward_input_scale: float = 1.0

    @nn.compact
    def __call__(self, h, obs, prev_action, prev_reward):
        f32 = jnp.float32  # stay in float32 also when the caller enabled x64 (e.g. solvers.simulate)
        e_obs = nn.Dense(self.embed, name="embed_obs")(jax.nn.one_hot(obs, NUM_TOKENS, dtype=f32))
        e_act = nn.Dense(self.embed, name="embed_action")(jax.nn.one_hot(prev_action, 2, dtype=f32))
        e_rew = nn.Dense(self.embed, name="embed_reward")((prev_reward.astype(f32) / self.reward_input_scale)[..., None])
        x = jnp.concatenate([e_obs, e_act, e_rew], axis=-1)
        h, y = nn.GRUCell(self.hidden, name="gru")(h.astype(f32), x)
        y = nn.swish(y)
        act = nn.Dense(2, name="head_action")(y)
        co = nn.Dense(4, name="head_observation")(y).reshape(y.shape[:-1] + (2, 2))
        rew = nn.Dense(4, name="head_reward")(y) * self.reward_input_scale
        return h, Heads(act, co, rew)


def init_model(module: SequenceModel, key: jax.Array) -> Any:
    """Initialise the parameters of ``module`` (independent of the batch size)."""
    h = jnp.zeros((1, module.hidden))
    return module.init(key, h, jnp.zeros((1,), jnp.int32), jnp.full((1,), -1, jnp.int32), jnp.zeros((1,)))


def stream_inputs(states: jax.Array, table: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Model inputs ``(obs, prev_action, prev_reward)``, each ``(N, T)``, from states ``(N, T)``.

    ``states[:, t]`` is round ``t``'s joint outcome from the agent's view (0..3).
    """
    s = states.astype(jnp.int32)
    n = s.shape[0]
    prev = s[:, :-1]
    obs = jnp.concatenate([jnp.full((n, 1), START_TOKEN, jnp.int32), 1 + prev], axis=1)
    pa = jnp.concatenate([jnp.full((n, 1), -1, jnp.int32), prev // 2], axis=1)
    pr = jnp.concatenate([jnp.zeros((n, 1), jnp.float32), table[prev]], axis=1)
    return obs, pa, pr


def _run_model(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array) -> Heads:
    obs, pa, pr = stream_inputs(states, table)
    n = states.shape[0]

    def body(h, inp):
        o, a, r = inp
        h, heads = module.apply(params, h, o, a, r)
        return h, heads

    h0 = jnp.zeros((n, module.hidden))
    _, heads = jax.lax.scan(body, h0, (obs.T, pa.T, pr.T))
    return jax.tree_util.tree_map(lambda x: jnp.moveaxis(x, 0, 1), heads)  # (N, T, ...)


def model_logits_over_episode(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array) -> Heads:
    """Teacher-forced heads for every round of every episode, ``(N, T, ...)``."""
    return _run_model(module, params, states, table)


def sequence_loss(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Mean per-round loss on a batch of episodes ``states (N, T)`` and its three parts.

    ``loss = CE(action) + CE(next observation | action) + (r_hat - r)^2``.
    """
    heads = _run_model(module, params, states, table)
    s = states.astype(jnp.int32)
    a = s // 2
    c = s % 2
    lp_a = jax.nn.log_softmax(heads.action_logits)
    ce_a = -jnp.take_along_axis(lp_a, a[..., None], axis=-1)[..., 0]
    co_given_a = jnp.take_along_axis(heads.co_logits, a[..., None, None], axis=-2)[..., 0, :]
    lp_c = jax.nn.log_softmax(co_given_a)
    ce_o = -jnp.take_along_axis(lp_c, c[..., None], axis=-1)[..., 0]
    r_hat = jnp.take_along_axis(heads.reward, s[..., None], axis=-1)[..., 0]
    se_r = (r_hat - table[s]) ** 2
    parts = {"loss_action": ce_a.mean(), "loss_observation": ce_o.mean(), "loss_reward": se_r.mean()}
    return parts["loss_action"] + parts["loss_observation"] + parts["loss_reward"], parts


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as int or raise :class:`ParameterError` naming ``name``."""
    return positive_int(name, value)
