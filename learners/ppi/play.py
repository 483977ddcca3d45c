"""Playing PPI agents: a pair of agents, each also against its own tabular co-players.

:func:`play_pair` is the gathering (and evaluation) rollout of the PPI learner.  Agent X and
agent Y (two PPI agents, each its own model parameters) play ``n_pair`` shared episodes
against each other; X additionally plays ``tab_x.shape[0]`` episodes against tabular
memory-one agents ``tab_x`` and Y ``tab_y.shape[0]`` against ``tab_y``.  Episodes are ordered
pair first, then tabular (the layout of :func:`learners.pool.play_pool`).  Each agent acts with
its improved policy (:mod:`learners.ppi.improve`), computed for every episode of the batch in
one rollout call per round; the whole game is one ``lax.scan`` over the rounds.

:func:`play_vs_policy` is the same rollout with any jittable :class:`~solvers.simulate.Policy`
(a memory-one strategy, the Bayesian learner, ...) in Y's place: the co-player of the mechanism's
step 2 when the Fixed-ICL is not a PPI agent.

Outputs are per round and time-major; states are from each agent's own view
(``2 * own + other``), so a trajectory is stored as the int8 state sequence alone (observation,
action and reward of every round follow from it).

Opponent-ID ablation (``module.use_opponent_id``): every episode gets its conditioning vector
``z``, fixed for the whole episode and inside every rollout: ``z = 0`` in the shared pair
episodes (the co-player is a learning agent) and ``z = opponent_id_vector(tab)`` in the tabular
ones (:func:`learners.pool.opponent_id_vector`).  Both agents use the same ``module``, so either
both get ``z`` or neither does.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from eqtools.conventions import START_TOKEN

from ..networks import OPPONENT_ID_DIM
from ..pool import opponent_id_vector
from ..round import draw, execute, noise_keys, noisy, outcome, previous_inputs, tabular_step
from .improve import improved_logits, rollout_q, sequence_model_step
from .model import SequenceModel, check_z

__all__ = ["ImprovementSpec", "PairRollout", "play_pair", "play_vs_policy", "act", "episode_z"]


class ImprovementSpec(NamedTuple):
    """How an agent improves on its prior: inverse temperature, rollouts per action, horizon."""

    beta: float
    n_rollouts: int
    rollout_horizon: int


class PairRollout(NamedTuple):
    """Time-major outputs ``(T, B_x)`` / ``(T, B_y)``."""

    states_x: jax.Array  #: X's state each round (own view, 0..3)
    states_y: jax.Array
    pcoop_x: jax.Array  #: X's improved-policy probability of cooperating
    pcoop_y: jax.Array
    prior_x: jax.Array  #: X's prior (model) probability of cooperating
    prior_y: jax.Array


def act(module: SequenceModel, params: Any, h: jax.Array, obs: jax.Array, pa: jax.Array, pr: jax.Array,
        t: jax.Array, key: jax.Array, spec: ImprovementSpec, episode_len: int, z: jax.Array | None = None):
    """One decision of a PPI agent for a batch: returns ``(h_new, improved_logits, prior_logits)``.

    ``z (B, OPPONENT_ID_DIM)``: the episodes' opponent-ID vectors (required iff
    ``module.use_opponent_id``); the model reads it this step and every rollout step."""
    step = sequence_model_step(module, params)
    z = check_z(module, z, h.shape[0])
    carry = h if z is None else (h, z)
    carry, heads = step(carry, obs, pa, pr)
    h = carry if z is None else carry[0]
    prior = heads.action_logits
    if spec.beta == 0.0 or spec.n_rollouts == 0 or spec.rollout_horizon == 0 or h.shape[0] == 0:
        return h, jax.nn.log_softmax(prior), prior
    q = rollout_q(step, carry, heads, t, key, horizon=spec.rollout_horizon, n_rollouts=spec.n_rollouts,
                  episode_len=episode_len)
    return h, improved_logits(prior, q, spec.beta), prior


def episode_z(n_pair: int, tab: jax.Array) -> jax.Array:
    """Opponent-ID vectors of a batch laid out as in :func:`play_pair`: ``n_pair`` zeros (a
    learning co-player) then ``opponent_id_vector(tab)``; shape ``(n_pair + len(tab), 10)``."""
    tab = jnp.asarray(tab, jnp.float32)
    return jnp.concatenate([jnp.zeros((n_pair, OPPONENT_ID_DIM), jnp.float32), opponent_id_vector(tab)], axis=0)


@partial(jax.jit, static_argnames=("module", "n_pair", "horizon", "spec_x", "spec_y", "noise"))
def play_pair(
    module: SequenceModel,
    params_x: Any,
    params_y: Any,
    key: jax.Array,
    tab_x: jax.Array,
    tab_y: jax.Array,
    table: jax.Array,
    *,
    n_pair: int,
    horizon: int,
    spec_x: ImprovementSpec,
    spec_y: ImprovementSpec,
    noise: float = 0.0,
) -> PairRollout:
    """Play one batch (see the module docstring).  ``tab_x (n_tx, 5)``, ``tab_y (n_ty, 5)``.

    ``noise`` (static): execution errors of all players, each intended action flipping with that
    probability from the keys :func:`learners.round.noise_keys`; ``0`` draws nothing extra.  States
    are those of the actions as played; ``pcoop_*`` are the agents' intended-action probabilities."""
    n_tx, n_ty = tab_x.shape[0], tab_y.shape[0]
    bx, by = n_pair + n_tx, n_pair + n_ty
    H = module.hidden
    zx = episode_z(n_pair, tab_x) if module.use_opponent_id else None
    zy = episode_z(n_pair, tab_y) if module.use_opponent_id else None

    def body(carry, inp):
        hx, hy, ox, oy, tx, ty = carry
        t, k = inp
        kx, ky, kax, kay, ktx, kty = jax.random.split(k, 6)
        hx, lx, px = act(module, params_x, hx, ox, *previous_inputs(ox, table), t, kx, spec_x, horizon, zx)
        hy, ly, py = act(module, params_y, hy, oy, *previous_inputs(oy, table), t, ky, spec_y, horizon, zy)
        ax = jax.random.categorical(kax, lx).astype(jnp.int32)
        ay = jax.random.categorical(kay, ly).astype(jnp.int32)
        # tabular co-players act on their own previous token
        atx = tabular_step(tab_x, tx, jax.random.uniform(ktx, (n_tx,)))
        aty = tabular_step(tab_y, ty, jax.random.uniform(kty, (n_ty,)))
        if noisy(noise):
            fx, fy, ftx, fty = noise_keys(k, 4)
            ax, ay, atx, aty = (execute(f, a, noise) for f, a in ((fx, ax), (fy, ay), (ftx, atx), (fty, aty)))
        rx = outcome(ax, jnp.concatenate([ay[:n_pair], atx]), table)
        ry = outcome(ay, jnp.concatenate([ax[:n_pair], aty]), table)
        out = PairRollout((rx.token_x - 1).astype(jnp.int8), (ry.token_x - 1).astype(jnp.int8),
                          jnp.exp(jax.nn.log_softmax(lx)[:, 0]), jnp.exp(jax.nn.log_softmax(ly)[:, 0]),
                          jax.nn.softmax(px)[:, 0], jax.nn.softmax(py)[:, 0])
        # the tabular co-players' own views: 1 + 2 * a_tab + a_agent
        return (hx, hy, rx.token_x, ry.token_x, rx.token_y[n_pair:], ry.token_y[n_pair:]), out

    carry0 = (
        jnp.zeros((bx, H)), jnp.zeros((by, H)),
        jnp.full((bx,), START_TOKEN, jnp.int32), jnp.full((by,), START_TOKEN, jnp.int32),
        jnp.full((n_tx,), START_TOKEN, jnp.int32), jnp.full((n_ty,), START_TOKEN, jnp.int32),
    )
    _, out = jax.lax.scan(body, carry0, (jnp.arange(horizon, dtype=jnp.int32), jax.random.split(key, horizon)))
    return out


_POLICY_JIT: dict[int, tuple[Any, Any]] = {}


def play_vs_policy(
    module: SequenceModel,
    params_x: Any,
    policy: Any,
    key: jax.Array,
    tab_x: jax.Array,
    table: jax.Array,
    *,
    n_pair: int,
    horizon: int,
    spec_x: ImprovementSpec,
    noise: float = 0.0,
) -> PairRollout:
    """Agent X (a PPI model) against the fixed co-player ``policy`` in ``n_pair`` episodes, and against
    tabular agents ``tab_x (n_tx, 5)`` in the rest (layout and key use of :func:`play_pair`, Y's model
    step replaced by ``policy.coop_prob`` on Y's own-view token).

    ``states_y`` are the co-player's own-view states; ``pcoop_y`` and ``prior_y`` both hold its
    probability of cooperating.  A policy with ``init_with_key`` gets a key folded from ``key``
    (:func:`learners.coplayers.init_coplayer`).  The jitted program is cached per policy object.
    ``noise``: execution errors as in :func:`play_pair`."""
    from ..coplayers import check_coplayer

    check_coplayer(policy, "the fixed co-player")
    hit = _POLICY_JIT.get(id(policy))
    if hit is None or hit[0] is not policy:
        fn = jax.jit(partial(_play_vs_policy, policy=policy),
                     static_argnames=("module", "n_pair", "horizon", "spec_x", "noise"))
        _POLICY_JIT[id(policy)] = hit = (policy, fn)
    return hit[1](module, params_x, key, tab_x, table, n_pair=n_pair, horizon=horizon, spec_x=spec_x, noise=noise)


def _play_vs_policy(module, params_x, key, tab_x, table, *, n_pair, horizon, spec_x, policy, noise=0.0) -> PairRollout:
    from ..coplayers import init_coplayer

    if module.use_opponent_id:
        raise ValueError("an opponent-ID model cannot play a fixed co-player")  # refused earlier by PPIRunner
    n_tx = tab_x.shape[0]
    bx = n_pair + n_tx
    H = module.hidden

    def body(carry, inp):
        hx, pc, ox, oy, tx = carry
        t, k = inp
        kx, ky, kax, kay, ktx, kty = jax.random.split(k, 6)
        hx, lx, px = act(module, params_x, hx, ox, *previous_inputs(ox, table), t, kx, spec_x, horizon, None)
        py, pc = policy.coop_prob(pc, oy, t)
        py = jnp.asarray(py, jnp.float32)
        ax = jax.random.categorical(kax, lx).astype(jnp.int32)
        ay = draw(jax.random.uniform(kay, (n_pair,)), py)
        atx = tabular_step(tab_x, tx, jax.random.uniform(ktx, (n_tx,)))
        if noisy(noise):
            fx, fy, ftx, _ = noise_keys(k, 4)
            ax, ay, atx = (execute(f, a, noise) for f, a in ((fx, ax), (fy, ay), (ftx, atx)))
        rx = outcome(ax, jnp.concatenate([ay, atx]), table)
        oy = outcome(ay, ax[:n_pair], table).token_x
        out = PairRollout((rx.token_x - 1).astype(jnp.int8), (oy - 1).astype(jnp.int8),
                          jnp.exp(jax.nn.log_softmax(lx)[:, 0]), py, jax.nn.softmax(px)[:, 0], py)
        return (hx, pc, rx.token_x, oy, rx.token_y[n_pair:]), out

    carry0 = (
        jnp.zeros((bx, H)), init_coplayer(policy, (n_pair,), jax.random.fold_in(key, 0xF1C)),
        jnp.full((bx,), START_TOKEN, jnp.int32), jnp.full((n_pair,), START_TOKEN, jnp.int32),
        jnp.full((n_tx,), START_TOKEN, jnp.int32),
    )
    _, out = jax.lax.scan(body, carry0, (jnp.arange(horizon, dtype=jnp.int32), jax.random.split(key, horizon)))
    return out
