"""Actor-critic and Advantage Alignment on the GRU agent of :mod:`learners.networks`.

Two GRU learners play each other in the iterated game (``horizon`` rounds, ``batch`` episodes
per update, both decentralised with their own parameters).  Per learner:

* advantages: GAE(``gae_lambda``) from its own value head on the normalised scale
  ``(1 - gamma) r_t`` (zero value after the last round);
* ``ac``: policy loss ``-mean_t,b gamma^t logp_t A_t``;
* ``aa``: the same with Advantage Alignment's effective advantage
  (:func:`learners.shaping.sample.effective_advantage`, beta on the unnormalised scale), the
  co-player's advantages computed from the *co-player's* value head;
* value loss ``0.5 * value_coef * mean (V - target)^2``, Adam after global-norm clipping.

The final policies are *projected* onto memory-one vectors: the mean probability of
cooperating in fresh self-play episodes of the final policies, per observation token
(start, CC, CD, DC, DD from the learner's own view; NaN where a token was never seen).
Rollouts use :func:`learners.env.joint_outcome` and :func:`learners.env.payoff_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from eqtools.games import preset
from learners.env import payoff_table
from learners.networks import GRUAgent, init_agent_params
from learners.round import execute, noise_keys, noisy, outcome

from .config import ShapingConfig
from .sample import effective_advantage, gae

__all__ = ["GRUShapingConfig", "GRUShapingResult", "train_gru"]


@dataclass(frozen=True)
class GRUShapingConfig(ShapingConfig):
    """Settings of a GRU actor-critic / Advantage Alignment run (two learners)."""

    learners: tuple[str, str] = ("aa", "aa")
    hidden: int = 32
    embed: int = 16
    horizon: int = 50
    batch: int = 128
    iterations: int = 300
    seeds: int = 4
    lr: float = 3e-3
    gae_lambda: float = 0.95
    aa_beta: float = 1.0
    value_coef: float = 0.5
    max_grad_norm: float = 1.0

    PAIR = ("learners", ("ac", "aa"), "GRU learner kinds")
    CHECKS = {"positive_ints": ("hidden", "embed", "horizon", "batch", "iterations", "seeds"),
              "nonneg": ("lr", "aa_beta", "value_coef", "max_grad_norm"), "unit": ("gae_lambda",)}


@dataclass(frozen=True)
class GRUShapingResult:
    """``reward`` / ``coop``: sampled per-round means ``(iterations, seeds, 2)``;
    ``policies``: memory-one projections of the final policies ``(seeds, 2, 5)``."""

    config: GRUShapingConfig
    reward: np.ndarray
    coop: np.ndarray
    policies: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def _rollout(module, params1, params2, key, table, horizon, batch, noise=0.0):
    """Both learners play ``batch`` episodes; differentiable in the parameters (BPTT).

    ``noise`` (static): execution errors (:mod:`learners.round`); log-probabilities are those of the
    intended actions, everything observed (tokens, previous action and reward) and the returned
    actions and rewards follow the actions as played.  ``0`` draws nothing extra."""

    def step(carry, k):
        h1, h2, obs1, obs2, a1p, a2p, r1p, r2p = carry
        h1, lg1, v1 = module.apply(params1, h1, obs1, a1p, r1p)
        h2, lg2, v2 = module.apply(params2, h2, obs2, a2p, r2p)
        k1, k2 = jax.random.split(k)
        a1 = jax.random.categorical(k1, jax.lax.stop_gradient(lg1))
        a2 = jax.random.categorical(k2, jax.lax.stop_gradient(lg2))
        lp1 = jnp.take_along_axis(jax.nn.log_softmax(lg1), a1[:, None], axis=-1)[:, 0]
        lp2 = jnp.take_along_axis(jax.nn.log_softmax(lg2), a2[:, None], axis=-1)[:, 0]
        pc1 = jax.nn.softmax(lg1)[:, 0]
        pc2 = jax.nn.softmax(lg2)[:, 0]
        if noisy(noise):
            f1, f2 = noise_keys(k, 2)
            a1, a2 = execute(f1, a1, noise), execute(f2, a2, noise)
        rd = outcome(a1, a2, table)
        out = (jnp.stack([lp1, lp2]), jnp.stack([v1, v2]), jnp.stack([rd.reward_x, rd.reward_y]), jnp.stack([a1, a2]),
               jnp.stack([obs1, obs2]), jax.lax.stop_gradient(jnp.stack([pc1, pc2])))
        return (h1, h2, rd.token_x, rd.token_y, a1, a2, rd.reward_x, rd.reward_y), out

    h0 = jnp.zeros((batch, module.hidden))
    start = jnp.zeros((batch,), jnp.int32)
    none = jnp.full((batch,), -1, jnp.int32)
    zero = jnp.zeros((batch,))
    _, out = jax.lax.scan(step, (h0, h0, start, start, none, none, zero, zero), jax.random.split(key, horizon))
    return out  # each (T, 2, B)


@partial(jax.jit, static_argnames=("module", "kinds", "gamma", "lam", "horizon", "batch", "iterations", "value_coef", "clip",
                                   "noise"))
def _train(keys, table, lr, beta, *, module, kinds, gamma, lam, horizon, batch, iterations, value_coef, clip, noise=0.0):
    opt = optax.chain(optax.clip_by_global_norm(clip), optax.adam(lr))
    disc = gamma ** jnp.arange(horizon, dtype=jnp.float32)[:, None]
    u = 1.0 - gamma

    def loss_fn(params, key):
        lp, v, r, a, obs, pc = _rollout(module, params[0], params[1], key, table, horizon, batch, noise)
        vs = jax.lax.stop_gradient(v)
        adv, tgt = [], []
        for i in range(2):
            next_v = jnp.concatenate([vs[1:, i], jnp.zeros_like(vs[:1, i])], axis=0)
            d = u * r[:, i] + gamma * next_v - vs[:, i]
            A = gae(d, gamma, lam)
            adv.append(A)
            tgt.append(A + vs[:, i])
        total = 0.0
        for i in range(2):
            A = adv[i]
            if kinds[i] == "aa":
                A = effective_advantage(adv[i] / u, adv[1 - i] / u, gamma, beta) * u
            A = jax.lax.stop_gradient(A)
            pg = -jnp.mean(disc * lp[:, i] * A) / u  # / u: O(1) policy-gradient scale
            vl = 0.5 * jnp.mean((v[:, i] - tgt[i]) ** 2) / u**2
            total = total + pg + value_coef * vl
        metrics = (r.mean(axis=(0, 2)), (a == 0).mean(axis=(0, 2)).astype(jnp.float32))
        return total, (metrics, obs, pc)

    def run(key):
        k_init1, k_init2, k_train = jax.random.split(key, 3)
        params = (init_agent_params(module, k_init1), init_agent_params(module, k_init2))
        state = opt.init(params)

        def body(carry, k):
            params, state = carry
            (_, (metrics, _, _)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, k)
            updates, state = opt.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), metrics

        ks = jax.random.split(k_train, iterations + 1)
        (params, _), (rew, coop) = jax.lax.scan(body, (params, state), ks[:-1])
        _, (_, obs, pc) = loss_fn(params, ks[-1])  # fresh episodes with the final policies
        # Memory-one projection: mean P(C) per observation token, (2, 5).
        oh = jax.nn.one_hot(obs, 5)  # (T, 2, B, 5)
        num = jnp.sum(oh * pc[..., None], axis=(0, 2))
        den = jnp.sum(oh, axis=(0, 2))
        proj = jnp.where(den > 0, num / jnp.maximum(den, 1), jnp.nan)
        return rew, coop, proj

    return jax.vmap(run)(keys)


def train_gru(config: GRUShapingConfig) -> GRUShapingResult:
    """Train ``config.seeds`` independent GRU pairs (vmapped over seeds, float32, deterministic)."""
    from eqtools.validation import instance_of

    instance_of("config", config, GRUShapingConfig)
    config.validate()
    g = preset(config.game)
    module = GRUAgent(hidden=int(config.hidden), embed=int(config.embed))
    keys = jax.random.split(jax.random.PRNGKey(int(config.seed)), int(config.seeds))
    rew, coop, proj = _train(
        keys,
        payoff_table(g),
        jnp.float32(config.lr),
        jnp.float32(config.aa_beta),
        module=module,
        kinds=tuple(config.learners),
        gamma=float(config.gamma),
        lam=float(config.gae_lambda),
        horizon=int(config.horizon),
        batch=int(config.batch),
        iterations=int(config.iterations),
        value_coef=float(config.value_coef),
        clip=float(config.max_grad_norm),
        noise=float(config.noise),
    )
    return GRUShapingResult(
        config=config,
        reward=np.moveaxis(np.asarray(rew, np.float64), 1, 0),
        coop=np.moveaxis(np.asarray(coop, np.float64), 1, 0),
        policies=np.asarray(proj, np.float64),
    )
