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

**Opponent-ID ablation** (``use_opponent_id=True``): the step also takes the conditioning
vector ``z`` (``OPPONENT_ID_DIM = 10``: the co-player's log-probabilities of (C, D) under each of
its 5 observations, :func:`learners.pool.opponent_id_vector`; ``z = 0`` for a learning
co-player).  Same design as :class:`learners.networks.GRUAgent`: ``z`` is embedded by its own
linear layer (``embed_opponent_id``, ``embed`` dimensions) and concatenated to the other
embeddings at **every** step — equivalent in information to prepending it to the history, and
it costs no extra sequence step.  ``z`` is constant within an episode.  Without the flag the
module, its parameter tree and its numbers are exactly those of the plain model.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from eqtools.conventions import NUM_TOKENS, START_TOKEN
from eqtools.errors import ParameterError
from eqtools.validation import positive_int

from ..networks import OPPONENT_ID_DIM, init_recurrent

__all__ = ["SequenceModel", "Heads", "OPPONENT_ID_DIM", "init_model", "check_z", "stream_inputs", "sequence_loss",
           "model_logits_over_episode"]


class Heads(NamedTuple):
    """Outputs of one model step; leading axes = batch."""

    action_logits: jax.Array  #: (..., 2) logits of the own action (C, D)
    co_logits: jax.Array  #: (..., 2, 2) for own action a: logits of the co-player's action (C, D)
    reward: jax.Array  #: (..., 4) predicted reward for each state CC, CD, DC, DD of this round


class SequenceModel(nn.Module):
    """One step of the world model / policy prior.

    ``__call__(h, obs, prev_action, prev_reward, z=None) -> (h_new, Heads)`` with ``h (..., hidden)``,
    integer ``obs`` tokens, ``prev_action`` in ``{-1, 0, 1}`` (``-1``: none) and float rewards.
    ``z (..., OPPONENT_ID_DIM)`` is required when ``use_opponent_id`` and refused otherwise.
    """

    hidden: int = 128
    embed: int = 32
    reward_input_scale: float = 1.0
    use_opponent_id: bool = False

    @nn.compact
    def __call__(self, h, obs, prev_action, prev_reward, z=None):
        f32 = jnp.float32  # stay in float32 also when the caller enabled x64 (e.g. solvers.simulate)
        e_obs = nn.Dense(self.embed, name="embed_obs")(jax.nn.one_hot(obs, NUM_TOKENS, dtype=f32))
        e_act = nn.Dense(self.embed, name="embed_action")(jax.nn.one_hot(prev_action, 2, dtype=f32))
        e_rew = nn.Dense(self.embed, name="embed_reward")((prev_reward.astype(f32) / self.reward_input_scale)[..., None])
        parts = [e_obs, e_act, e_rew]
        if self.use_opponent_id:
            if z is None:
                raise ParameterError("SequenceModel(use_opponent_id=True) needs the opponent-ID vector z "
                                     "(zeros for a learning co-player)")
            parts.append(nn.Dense(self.embed, name="embed_opponent_id")(z.astype(f32)))
        elif z is not None:
            raise ParameterError("an opponent-ID vector z was given to a SequenceModel without use_opponent_id")
        x = jnp.concatenate(parts, axis=-1)
        h, y = nn.GRUCell(self.hidden, name="gru")(h.astype(f32), x)
        y = nn.swish(y)
        act = nn.Dense(2, name="head_action")(y)
        co = nn.Dense(4, name="head_observation")(y).reshape(y.shape[:-1] + (2, 2))
        rew = nn.Dense(4, name="head_reward")(y) * self.reward_input_scale
        return h, Heads(act, co, rew)


def init_model(module: SequenceModel, key: jax.Array) -> Any:
    """Initialise the parameters of ``module`` (independent of the batch size)."""
    from eqtools.validation import instance_of

    instance_of("module", module, SequenceModel)
    return init_recurrent(module, key)


def check_z(module: SequenceModel, z: Any, n: int) -> Any:
    """``z`` as a float32 ``(n, OPPONENT_ID_DIM)`` array for an opponent-ID module (``None`` otherwise).

    Raises :class:`ParameterError` when ``z`` is missing for an opponent-ID module, given to a
    plain one, or has the wrong shape (one vector per episode).
    """
    from eqtools.validation import instance_of

    instance_of("module", module, SequenceModel)
    if not module.use_opponent_id:
        if z is not None:
            raise ParameterError("an opponent-ID vector z was given to a model without the opponent-ID input")
        return None
    if z is None:
        raise ParameterError("this model was trained with the opponent-ID ablation and needs z "
                             "(one OPPONENT_ID_DIM vector per episode; zeros for a learning co-player)")
    z = jnp.asarray(z, jnp.float32)
    if z.shape != (n, OPPONENT_ID_DIM):
        raise ParameterError(f"z must have shape ({n}, {OPPONENT_ID_DIM}), got {tuple(z.shape)}")
    return z


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


def _run_model(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array, z: Any = None) -> Heads:
    obs, pa, pr = stream_inputs(states, table)
    n = states.shape[0]
    z = check_z(module, z, n)

    def body(h, inp):
        o, a, r = inp
        h, heads = module.apply(params, h, o, a, r, z)  # z (if any) is the same at every step
        return h, heads

    h0 = jnp.zeros((n, module.hidden))
    _, heads = jax.lax.scan(body, h0, (obs.T, pa.T, pr.T))
    return jax.tree_util.tree_map(lambda x: jnp.moveaxis(x, 0, 1), heads)  # (N, T, ...)


def model_logits_over_episode(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array,
                              z: Any = None) -> Heads:
    """Teacher-forced heads for every round of every episode, ``(N, T, ...)``.

    ``z (N, OPPONENT_ID_DIM)``: the episodes' opponent-ID vectors (opponent-ID models only)."""
    return _run_model(module, params, states, table, z)


def sequence_loss(module: SequenceModel, params: Any, states: jax.Array, table: jax.Array,
                  z: Any = None) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Mean per-round loss on a batch of episodes ``states (N, T)`` and its three parts.

    ``loss = CE(action) + CE(next observation | action) + (r_hat - r)^2``.  ``z (N, 10)``: the
    episodes' opponent-ID vectors (required by, and only accepted by, opponent-ID models).
    """
    heads = _run_model(module, params, states, table, z)
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
