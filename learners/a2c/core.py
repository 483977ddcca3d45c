"""The jitted A2C core: one training iteration (rollout in the pool, BPTT loss, both learners'
updates) and one evaluation, seed-``vmap``-ed and compiled once per config shape.

The key of iteration ``i`` is ``fold_in(seed_key, i)``, so a run killed and resumed from a
checkpoint reproduces the uninterrupted run exactly.  Moved out of ``learners/train_a2c.py`` by
issue 23 (that module re-exports every name); the rollout itself is :func:`learners.pool.play_pool`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.games import preset
from eqtools.validation import instance_of

from ..env import payoff_table
from ..networks import GRUAgent, init_agent_params_np
from ..pool import EVAL_OPPONENTS, fill_uniform, is_prior, named_params, play_pool, sample_tabular
from ..prioritised import sampler_draw, sampler_init, sampler_update
from solvers.backward_induction import br_values_jnp
from .config import EVAL_OPPONENT_NAMES, TRAIN_METRICS, TrainConfig
from .loss import a2c_loss, make_optimizer

__all__ = ["agent_module"]

#: ``lax.scan`` unroll factor of the rollout (fewer loop iterations; a pure speed knob).
UNROLL: int = int(os.environ.get("EQTOOLS_SCAN_UNROLL", "1"))

def _segment_mean(x: jnp.ndarray, lo: int, hi: int) -> jnp.ndarray:
    """Mean over rounds and episodes ``[lo, hi)`` of ``(T, 2, B)`` -> ``(2,)`` (NaN if empty)."""
    if hi <= lo:
        return jnp.full((x.shape[1],), jnp.nan)
    return jnp.mean(x[:, :, lo:hi], axis=(0, 2))


def _build_functions(cfg: TrainConfig, fixed_policy: Any = None):
    if fixed_policy is None and cfg.fixed_icl:
        from ..coplayers import fixed_icl_policy

        fixed_policy = fixed_icl_policy(cfg.fixed_icl, cfg.game, cfg.horizon)
    agent = GRUAgent(hidden=cfg.hidden, embed=cfg.embed, use_opponent_id=cfg.ablation == "opponent-id",
                     reward_input_scale=float(max(np.abs(preset(cfg.game).payoffs).max(), 1e-9)))
    pool = cfg.pool
    opt = make_optimizer(cfg.hyper)
    table = payoff_table(cfg.game)
    n_ll, n_t = pool.n_learner, pool.n_tabular
    hp = cfg.hyper

    def apply_fn(p, h, obs, pa, pr, z):
        return agent.apply(p, h, obs, pa, pr, z)

    def init_all(seeds):
        # numpy initialisation (no XLA compile): learner i of seed s uses Generator(seed s, i)
        trees = [[init_agent_params_np(agent, np.random.default_rng([int(s), i])) for i in range(2)] for s in seeds]
        params = jax.tree_util.tree_map(lambda *xs: jnp.asarray(np.stack(xs).reshape((len(seeds), 2) + xs[0].shape)),
                                        *[t for pair in trees for t in pair])
        # Adam (and clipping) start from zeros: build the state from its abstract shapes.
        shapes = jax.eval_shape(jax.vmap(jax.vmap(opt.init)), params)
        return params, jax.tree_util.tree_map(lambda sd: jnp.asarray(np.zeros(sd.shape, sd.dtype)), shapes)

    samp = cfg.sampler

    def init_sampler(seed_key):
        # one buffer per learner; () without the prioritised sampler
        if samp is None:
            return ()
        keys = jax.random.split(jax.random.fold_in(seed_key, 0xB0F), 2)
        return jax.vmap(lambda k: sampler_init(samp, k, table, cfg.horizon))(keys)

    def loss_fn(params, key, tab_table, fixed, iteration, sstate=()):
        k_tab, k_play = jax.random.split(key)
        w_tab = None
        if samp is not None:  # regret-prioritised U(0,1)^5 draws from each learner's buffer
            idx, tab, w_tab = jax.vmap(lambda st, k: sampler_draw(samp, st, k, n_t))(sstate, jax.random.split(k_tab, 2))
        elif pool.tabular == "uniform" or is_prior(pool.tabular):
            tab = sample_tabular(k_tab, pool, (2, n_t))
        else:  # fixed strategies, passed in as an array so runs against different ones share a compile
            if "uniform" in pool.tabular:  # a mixture: placeholder rows become fresh U(0,1)^5 draws
                k_idx, k_u = jax.random.split(k_tab)
                tab = fill_uniform(k_u, tab_table[jax.random.randint(k_idx, (2, n_t), 0, tab_table.shape[0])])
            else:
                tab = tab_table[jax.random.randint(k_tab, (2, n_t), 0, tab_table.shape[0])]
        traj = play_pool(apply_fn, params, k_play, tab, n_ll, cfg.horizon, table, cfg.hidden, pool.opponent_id, UNROLL,
                         fixed_params=fixed, fixed_policy=fixed_policy, noise=cfg.noise)
        ew = None
        if samp is not None and samp.weights:
            ew = jnp.concatenate([jnp.ones((2, n_ll)), w_tab], axis=1)
        loss, aux = a2c_loss(traj.logp, traj.entropy, traj.value, traj.reward, n_ll, hp, hp.entropy_at(iteration),
                             episode_weights=ew)
        coop = (traj.action == 0).astype(jnp.float32)
        aux = dict(aux)
        aux["coop_ll"] = _segment_mean(coop, 0, n_ll)
        aux["reward_ll"] = _segment_mean(traj.reward, 0, n_ll)
        aux["coop_tab"] = _segment_mean(coop, n_ll, n_ll + n_t)
        aux["reward_tab"] = _segment_mean(traj.reward, n_ll, n_ll + n_t)
        if samp is not None:
            # per-episode regret feeds the buffer; the logged tabular metrics are importance-weighted (U(0,1)^5)
            ep_reward = jnp.mean(traj.reward[:, :, n_ll:], axis=0)  # (2, n_t)
            ep_regret = br_values_jnp(tab, table, cfg.horizon) - ep_reward
            aux["coop_tab"] = jnp.mean(w_tab * jnp.mean(coop[:, :, n_ll:], axis=0), axis=1)
            aux["reward_tab"] = jnp.mean(w_tab * ep_reward, axis=1)
            aux["regret_tab"] = jnp.mean(w_tab * ep_regret, axis=1)
            aux["_sampler"] = (idx, ep_regret)
        elif n_t > 0:
            aux["regret_tab"] = jnp.mean(br_values_jnp(tab, table, cfg.horizon), axis=1) - aux["reward_tab"]
        else:
            aux["regret_tab"] = jnp.full((2,), jnp.nan)
        return loss, aux

    def step_one(params, opt_state, seed_key, iteration, tab_table, fixed, sstate=()):
        key = jax.random.fold_in(seed_key, iteration)
        grads, aux = jax.grad(loss_fn, has_aux=True)(params, key, tab_table, fixed, iteration, sstate)
        if samp is not None:
            idx, ep_regret = aux.pop("_sampler")
            k_ref = jax.random.split(jax.random.fold_in(key, 0x5A3), 2)
            sstate = jax.vmap(lambda st, i, r, k: sampler_update(samp, st, i, r, k, table, cfg.horizon))(
                sstate, idx, jax.lax.stop_gradient(ep_regret), k_ref)
        gnorm = jax.vmap(lambda g: jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(g))))(grads)
        updates, opt_state = jax.vmap(opt.update)(grads, opt_state, params)
        params = jax.tree_util.tree_map(lambda p, u: p + u, params, updates)
        aux["grad_norm"] = gnorm
        metrics = jnp.stack([aux[m] for m in TRAIN_METRICS], axis=-1)  # (2, M)
        if samp is not None:
            return params, opt_state, metrics, sstate
        return params, opt_state, metrics

    E = cfg.eval_episodes
    named_eval = jnp.asarray(named_params(EVAL_OPPONENTS, cfg.game))  # (3, 5)

    def eval_one(params, seed_key, iteration, fixed):
        key = jax.random.fold_in(jax.random.fold_in(seed_key, 0x5EED), iteration)
        k_tab, k_play = jax.random.split(key)
        fixed_block = jnp.repeat(named_eval, E, axis=0)  # (3E, 5)
        rand = jax.random.uniform(k_tab, (2, E, 5))
        tab = jnp.concatenate([jnp.broadcast_to(fixed_block, (2,) + fixed_block.shape), rand], axis=1)
        traj = play_pool(apply_fn, params, k_play, tab, E, cfg.horizon, table, cfg.hidden, cfg.ablation == "opponent-id", UNROLL,
                         fixed_params=fixed, fixed_policy=fixed_policy, noise=cfg.noise)
        coop = (traj.action == 0).astype(jnp.float32)
        co_reward = table[2 * traj.co_action + traj.action]
        # per-round curves (2, O, T) for O = learner (or the fixed co-player), ALLC, ALLD, TFT, random
        segs = [(i * E, (i + 1) * E) for i in range(len(EVAL_OPPONENT_NAMES))]
        c = jnp.stack([jnp.mean(coop[:, :, a:b], axis=2).T for a, b in segs], axis=1)
        r = jnp.stack([jnp.mean(traj.reward[:, :, a:b], axis=2).T for a, b in segs], axis=1)
        oc = jnp.stack([jnp.mean((traj.co_action == 0)[:, :, a:b].astype(jnp.float32), axis=2).T for a, b in segs], axis=1)
        orw = jnp.stack([jnp.mean(co_reward[:, :, a:b], axis=2).T for a, b in segs], axis=1)
        # exact best-response value per episode (NaN against the learner): regret = br - mean reward
        br_ep = br_values_jnp(tab, table, cfg.horizon)  # (2, O_tab * E)
        br = jnp.concatenate([jnp.full((2, 1), jnp.nan), br_ep.reshape(2, len(EVAL_OPPONENT_NAMES) - 1, E).mean(-1)], axis=1)
        return c, r, oc, orw, br

    return agent, (init_all, init_sampler), step_one, eval_one


def agent_module(cfg: TrainConfig) -> GRUAgent:
    """The :class:`GRUAgent` module a run with config ``cfg`` trains (to rebuild agents from a checkpoint)."""
    instance_of("cfg", cfg, TrainConfig)
    return _build_functions(replace(cfg, fixed_icl="") if cfg.fixed_icl else cfg)[0]


@functools.lru_cache(maxsize=16)
def _jitted(cfg_key: TrainConfig):
    """Jitted, seed-vmapped (init, step, eval) for a config; cached so that runs with the same
    shapes and hyper-parameters (e.g. a resumed run) reuse the compiled programs."""
    return _jit_functions(cfg_key)


def _jit_functions(cfg_key: TrainConfig, fixed_policy: Any = None):
    agent, (init_all, init_sampler), step_one, eval_one = _build_functions(cfg_key, fixed_policy)
    if cfg_key.sampler is None:  # the original program (no sampler state)
        step = jax.jit(jax.vmap(step_one, in_axes=(0, 0, 0, None, None, 0)), donate_argnums=(0, 1))
    else:
        step = jax.jit(jax.vmap(step_one, in_axes=(0, 0, 0, None, None, 0, 0)), donate_argnums=(0, 1, 6))
    return (
        agent,
        (init_all, jax.jit(jax.vmap(init_sampler))),
        step,
        jax.jit(jax.vmap(eval_one, in_axes=(0, 0, None, 0))),
    )


def _cache_key(cfg: TrainConfig) -> TrainConfig:
    # Fixed tabular strategies enter the step as an array: only their number shapes the program.
    tab = cfg.tabular if cfg.tabular == "uniform" or is_prior(cfg.tabular) else tuple(["ALLC"] * len(cfg.tabular))
    return replace(cfg, iterations=1, checkpoint_every=1, log_every=1, seeds=1, seed=0, eval_every=1, tabular=tab)


def _fetch(tree: Any) -> Any:
    """Device arrays -> numpy; with several JAX processes (``jax.distributed``) the seed-sharded
    arrays are all-gathered so every process holds the full result."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return multihost_utils.process_allgather(tree, tiled=True)
    return jax.device_get(tree)


def _seed_keys(cfg: TrainConfig) -> jnp.ndarray:
    return jax.vmap(jax.random.PRNGKey)(jnp.arange(cfg.seed, cfg.seed + cfg.seeds))


def _largest_divisor_at_most(n: int, m: int) -> int:
    return max(d for d in range(1, min(n, m) + 1) if n % d == 0)
