"""Policy improvement by Monte Carlo rollouts inside a world model.

The improved policy of Predictive Policy Improvement is

    pi(a | x_<=t)  ∝  p_phi(a | x_<=t) * exp(beta * Q_hat(x_<=t, a)),

where ``Q_hat(x_<=t, a)`` is the mean, over ``n_rollouts`` samples, of the **sum of the
rewards of rounds t, t+1, ..., t+horizon-1** (raw payoffs of the game, e.g. (R, S, T, P) =
(1, -1, 2, 0) for the paper's game; no discount, no averaging; rounds past the end of the
episode contribute 0) when round ``t`` plays ``a`` and every later round is sampled from the
model itself: own actions from the action head (the prior, not the improved policy), the
co-player's actions from the observation head, rewards from the reward head.  ``beta``
therefore multiplies *summed raw payoffs over the horizon*: with horizon 15, ``beta = 1``
turns a one-round temptation gain (T - R = 1) into a factor ``e`` on the odds.

Everything is batched: episodes x 2 root actions x ``n_rollouts`` samples advance together
through one ``lax.scan`` over the horizon, inside whatever jitted function calls
:func:`rollout_q`.

The world model is any step function ``step(carry, obs, prev_action, prev_reward) ->
(carry, Heads)`` (see :class:`learners.ppi.model.Heads`).  :func:`sequence_model_step` wraps
the learned model (for an opponent-ID model its carry is ``(h, z)``, so each episode's ``z`` stays
fixed through the rollouts); :class:`TrueDynamics` is the exact environment for a memory-one agent and
a memory-one co-player (used by the tests to compare ``Q_hat`` with
:func:`solvers.payoffs.finite_horizon`).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from eqtools.conventions import SWAP

from .model import Heads, SequenceModel

__all__ = ["StepFn", "sequence_model_step", "TrueDynamics", "rollout_q", "improved_logits"]

#: ``step(carry, obs, prev_action, prev_reward) -> (carry, Heads)``.
StepFn = Callable[[Any, jax.Array, jax.Array, jax.Array], tuple[Any, Heads]]


def sequence_model_step(module: SequenceModel, params: Any) -> StepFn:
    """The learned model as a step function.

    Carry: the GRU hidden state ``h``; for an opponent-ID model (``module.use_opponent_id``) the
    pair ``(h, z)`` — ``z`` rides along unchanged, so :func:`rollout_q` (which broadcasts every
    carry leaf over root actions and rollouts) holds each episode's ``z`` fixed in its rollouts.
    """
    if module.use_opponent_id:
        def step_z(carry, obs, pa, pr):
            h, z = carry
            h, heads = module.apply(params, h, obs, pa, pr, z)
            return (h, z), heads

        return step_z

    def step(h, obs, pa, pr):
        return module.apply(params, h, obs, pa, pr)

    return step


class TrueDynamics:
    """The true dynamics of a memory-one agent ``p`` against a memory-one co-player ``q``.

    Carry: ``(obs_token, p, q)`` with ``p, q`` of shape ``batch + (5,)``.  Heads: the agent's
    own action logits from ``p``, the co-player's action from ``q`` (reacting to the previous
    state seen from its side: ``q0`` at the start, ``q[1 + SWAP[s]]`` after state ``s``), the
    rewards ``table`` for the four states.
    """

    def __init__(self, table: jax.Array) -> None:
        self.table = jnp.asarray(table, jnp.float32)

    def init(self, p: jax.Array, q: jax.Array) -> Any:
        p = jnp.asarray(p, jnp.float32)
        q = jnp.asarray(q, jnp.float32)
        return (jnp.zeros(p.shape[:-1], jnp.int32), p, q)

    def heads(self, carry: Any) -> Heads:
        tok, p, q = carry
        swap = jnp.concatenate([jnp.zeros(1, jnp.int32), 1 + jnp.asarray(SWAP, jnp.int32)])
        pc = jnp.clip(jnp.take_along_axis(p, tok[..., None], axis=-1)[..., 0], 1e-12, 1 - 1e-12)
        qc = jnp.clip(jnp.take_along_axis(q, swap[tok][..., None], axis=-1)[..., 0], 1e-12, 1 - 1e-12)
        act = jnp.stack([jnp.log(pc), jnp.log1p(-pc)], axis=-1)
        co1 = jnp.stack([jnp.log(qc), jnp.log1p(-qc)], axis=-1)
        co = jnp.stack([co1, co1], axis=-2)
        rew = jnp.broadcast_to(self.table, tok.shape + (4,))
        return Heads(act, co, rew)

    def step(self, carry: Any, obs: jax.Array, pa: jax.Array, pr: jax.Array) -> tuple[Any, Heads]:
        _, p, q = carry
        new = (obs.astype(jnp.int32), p, q)
        return new, self.heads(new)


def _expand(x: jax.Array, b: int, k: int) -> jax.Array:
    return jnp.broadcast_to(x[:, None, None], (x.shape[0], b, k) + x.shape[1:])


def rollout_q(
    step: StepFn,
    carry: Any,
    heads: Heads,
    t: jax.Array | int,
    key: jax.Array,
    *,
    horizon: int,
    n_rollouts: int,
    episode_len: int,
) -> jax.Array:
    """``Q_hat(x_<=t, a)`` for both actions, shape ``(B, 2)``.

    ``carry`` (leaves with leading batch axis ``B``) and ``heads`` are the model state after it
    has read round ``t``'s inputs (the state the agent decides in).  Rounds ``t + j`` with
    ``t + j >= episode_len`` are not counted (nor played).  One loop over at most ``horizon`` rounds, batched
    over ``B x 2 x n_rollouts``; sample ``k`` of both root actions uses the same random
    numbers (common random numbers).
    """
    B = heads.action_logits.shape[0]
    K = int(n_rollouts)
    c = jax.tree_util.tree_map(lambda x: _expand(x, 2, K), carry)
    hd = jax.tree_util.tree_map(lambda x: _expand(x, 2, K), heads)
    root = jnp.broadcast_to(jnp.arange(2, dtype=jnp.int32)[None, :, None], (B, 2, K))
    t = jnp.asarray(t, jnp.int32)

    H = int(horizon)
    total = jnp.zeros((B, 2, K), jnp.float32)
    if H == 0:
        return total.mean(axis=-1)
    keys = jax.random.split(key, H)

    def sample(hd, total, j):
        """Round ``t + j`` of every rollout: the actions, the state, the reward (counted before the end)."""
        ka, kc = jax.random.split(keys[j])
        # common random numbers: both root actions share the Gumbel noise of sample k, so
        # Q_hat(C) - Q_hat(D) has a much smaller variance than with independent rollouts
        ga = jax.random.gumbel(ka, (B, 1, K, 2))
        gc = jax.random.gumbel(kc, (B, 1, K, 2))
        sampled = jnp.argmax(hd.action_logits + ga, axis=-1).astype(jnp.int32)
        a = jnp.where(j == 0, root, sampled)
        co_logits = jnp.take_along_axis(hd.co_logits, a[..., None, None], axis=-2)[..., 0, :]
        co = jnp.argmax(co_logits + gc, axis=-1).astype(jnp.int32)
        s = 2 * a + co
        r = jnp.take_along_axis(hd.reward, s[..., None], axis=-1)[..., 0]
        total = total + jnp.where(t + j < episode_len, r, 0.0).astype(total.dtype)
        return a, s, r, total

    def body(j, state):
        c, hd, total = state
        a, s, r, total = sample(hd, total, j)
        c, hd = step(c, 1 + s, a, r)
        return c, hd, total

    # A model step only feeds the heads of the next round, so it is needed for rounds j + 1 <= H - 1
    # that are still inside the episode (t + j + 1 < episode_len): n = min(H - 1, episode_len - 1 - t)
    # steps, then the last counted round without a step.  Rounds past the episode's end add 0 and
    # are not played at all (the numbers are those of playing all H rounds and masking).  n is one
    # scalar for the batch (every episode is at round t), so the loop really runs n times.
    n = jnp.clip(jnp.minimum(H - 1, episode_len - 1 - t), 0, H - 1)
    c, hd, total = jax.lax.fori_loop(0, n, body, (c, hd, total))
    _, _, _, total = sample(hd, total, n)
    return total.mean(axis=-1)


def improved_logits(prior_logits: jax.Array, q: jax.Array, beta: float) -> jax.Array:
    """Logits of ``pi ∝ p * exp(beta * Q)``: ``log_softmax(prior) + beta * Q``."""
    return jax.nn.log_softmax(prior_logits) + beta * q
