"""Decentralised A2C training of two GRU learners in the mixed co-player pool.

One code path for every scale (presets ``smoke``, ``cpu``, ``paper``):

* two learners, each with its own parameters and Adam state (stacked on a leading axis of
  size 2 and updated with a ``vmap``-ed optimiser so clipping is per learner);
* the pool (:mod:`learners.pool`): mixed (default 50/50), or the ablations ``opponent-id``
  (conditioning vector z) and ``no-tabular`` (learners only meet each other);
* several seeds in one process: the whole iteration (rollout + BPTT loss + both updates) is
  one jitted, seed-``vmap``-ed function; with several JAX devices the seed axis is sharded
  across them (``jax.sharding``, ``NamedSharding(mesh, P("seed"))``);
* the key of iteration ``i`` is ``fold_in(seed_key, i)``, so a run killed and resumed from a
  checkpoint reproduces the uninterrupted run exactly;
* metrics every iteration from the training batch, evaluation every ``eval_every``
  iterations against the co-learner, ALLC, ALLD, TFT and fresh random tabular agents,
  written as xarray/netCDF.
"""

from __future__ import annotations

import functools
import json
import math
import os
import pickle
import time
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Annotated, Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError
from eqtools.io import write_netcdf
from eqtools.validation import MaxSize, Seed, check_fields, dir_path, instance_of, path_like, positive_int, validate_fields, validated
from eqtools.validation import seed as check_seed
from eqtools.games import preset

from .a2c import A2CHyper, a2c_loss, make_optimizer, table2
from .env import DEFAULT_HORIZON, payoff_table
from .networks import GRUAgent, init_agent_params_np
from .pool import EVAL_OPPONENTS, PoolSpec, fill_uniform, is_prior, named_params, play_pool, sample_tabular
from .prioritised import RegretSampler, sampler_draw, sampler_init, sampler_update
from .regret import br_values_jnp

__all__ = [
    "ABLATIONS",
    "TrainConfig",
    "agent_module",
    "PRESETS",
    "preset_config",
    "TRAIN_METRICS",
    "EVAL_OPPONENT_NAMES",
    "Trainer",
    "train",
    "extract_seeds",
    "checkpoint_params",
    "load_checkpoint_state",
]

#: ``lax.scan`` unroll factor of the rollout (fewer loop iterations; a pure speed knob).
UNROLL: int = int(os.environ.get("EQTOOLS_SCAN_UNROLL", "1"))

#: Ablation switches.
ABLATIONS: tuple[str, ...] = ("none", "opponent-id", "no-tabular")

#: Per-iteration metrics (per seed and learner) from the training batch.
TRAIN_METRICS: tuple[str, ...] = (
    "coop_ll",  # cooperation rate of the learner against the other learner
    "reward_ll",  # its mean reward per round there
    "coop_tab",  # against tabular agents of the pool
    "reward_tab",
    "entropy",
    "value_loss",
    "policy_loss",
    "grad_norm",
    "regret_tab",  # exact n-round best-response value of each tabular co-player minus the learner's reward (paired)
)

#: Co-players in evaluation, in order.
EVAL_OPPONENT_NAMES: tuple[str, ...] = ("learner",) + EVAL_OPPONENTS + ("random",)


#: Size limits of a training config (refused up front with SizeLimitError, before any array is built):
#: rounds per episode, GRU / embedding width, episodes per batch or evaluation, seeds in one process.
MAX_HORIZON: int = 100_000
MAX_WIDTH: int = 4096
MAX_EPISODES: int = 10**6
MAX_SEEDS: int = 1024


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (and hence its results).

    ``batch`` is episodes per learner per iteration.  ``seeds`` independent runs with seeds
    ``seed, seed + 1, ...`` are trained together.  ``ablation`` is one of :data:`ABLATIONS`;
    ``no-tabular`` forces ``tabular_share = 0``.  ``fixed_opponent = True`` replaces the
    co-learner by a frozen agent (given to :class:`Trainer` as ``fixed_params``) in every
    non-tabular episode — the paper's mechanism step 2 (:mod:`learners.a2c_mechanism`).
    ``init_from`` starts the learners from another run's checkpoint (same sizes and number of
    seeds; a fresh Adam state), e.g. to continue a plateaued run with other settings.
    ``fixed_icl`` (with ``fixed_opponent``) names a fixed co-player that is not a step-1 GRU: a spec of
    :mod:`learners.coplayers` (``bayes:...``, ``memory-one:...``), which the :class:`Trainer` builds,
    or, for a policy object given to the Trainer as ``fixed_policy``, ``"policy:<label>"``.  ``""``
    (default): the frozen GRU passed as ``fixed_params``.  Being part of the config, it is checked on
    resume and written into ``config.json`` and the summary.
    ``sampler`` (a :class:`~learners.prioritised.RegretSampler`; ``None`` = fresh U(0,1)^5 draws,
    the paper's) draws the tabular co-players from a regret-prioritised buffer of U(0,1)^5 draws,
    with or without importance weights (needs ``tabular = "uniform"`` and tabular episodes).
    """

    game: str = "paper"
    horizon: Annotated[int, MaxSize(MAX_HORIZON, "episodes are unrolled in full (BPTT); use fewer rounds")] = DEFAULT_HORIZON
    hidden: Annotated[int, MaxSize(MAX_WIDTH, "the paper's GRU has 128 units")] = 128
    embed: Annotated[int, MaxSize(MAX_WIDTH, "the paper uses 32")] = 32
    batch: Annotated[int, MaxSize(MAX_EPISODES, "episodes per learner per iteration")] = 4096
    tabular_share: float | None = None  #: None: 0.5, or 0 for the no-tabular ablation
    tabular: str | tuple[str, ...] = "uniform"
    ablation: str = "none"
    iterations: Annotated[int, MaxSize(10**9)] = 200_000
    seeds: Annotated[int, MaxSize(MAX_SEEDS, "run more seeds in separate processes")] = 1
    seed: Annotated[int, Seed] = 0
    hyper: A2CHyper = field(default_factory=lambda: table2(4))
    eval_every: int = 500
    eval_episodes: Annotated[int, MaxSize(MAX_EPISODES, "evaluate on fewer episodes")] = 256
    checkpoint_every: int = 1000
    log_every: int = 10
    fixed_opponent: bool = False
    init_from: str = ""  #: a run directory whose checkpoint's parameters start this run (fine-tuning); "" = fresh
    fixed_icl: str = ""  #: the fixed co-player when it is not a step-1 GRU (a learners.coplayers spec); "" = GRU
    sampler: RegretSampler | None = None  #: None: fresh U(0,1)^5 tabular draws; else regret-prioritised (learners.prioritised)

    def __post_init__(self) -> None:
        validate_fields(self)  # types, and sizes refused up front (SizeLimitError) before anything is built
        if self.ablation not in ABLATIONS:
            raise ParameterError(f"ablation must be one of {ABLATIONS}, got {self.ablation!r}")
        check_fields(self, positive_ints=("horizon", "hidden", "embed", "batch", "iterations", "seeds", "eval_every",
                                          "eval_episodes", "checkpoint_every", "log_every"))
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {self.seed!r}")
        preset(self.game)  # raises GameError naming the preset
        if self.ablation == "no-tabular" and self.tabular_share not in (None, 0, 0.0):
            raise ParameterError(
                f"tabular_share = {self.tabular_share} contradicts ablation 'no-tabular' (which plays no tabular agents)"
            )
        if self.tabular_share is not None and not (0.0 <= float(self.tabular_share) <= 1.0):
            raise ParameterError(f"tabular_share must lie in [0, 1], got {self.tabular_share}")
        if isinstance(self.tabular, list):
            object.__setattr__(self, "tabular", tuple(self.tabular))
        if self.fixed_opponent and self.ablation != "none":
            raise ParameterError(f"fixed_opponent runs without ablation, got ablation {self.ablation!r}")
        if not isinstance(self.fixed_icl, str):
            raise ParameterError(f"fixed_icl must be a spec string ('' = the frozen GRU), got {self.fixed_icl!r}")
        if self.fixed_icl and not self.fixed_opponent:
            raise ParameterError(f"fixed_icl {self.fixed_icl!r} names a fixed co-player, but fixed_opponent is False")
        if self.fixed_icl and not self.fixed_icl.startswith("policy:"):
            from .coplayers import normalise_fixed_icl

            object.__setattr__(self, "fixed_icl", normalise_fixed_icl(self.fixed_icl, self.game))
        if isinstance(self.sampler, dict):
            object.__setattr__(self, "sampler", RegretSampler.from_dict(self.sampler))
        if self.sampler is not None and not isinstance(self.sampler, RegretSampler):
            raise ParameterError(f"sampler must be a RegretSampler or None, got {self.sampler!r}")
        pool = self.pool  # validates share, opponent-id consistency
        if self.sampler is not None and (pool.tabular != "uniform" or pool.n_tabular == 0):
            raise ParameterError("sampler 'regret' prioritises U(0,1)^5 tabular co-players: it needs tabular = 'uniform' "
                                 f"and tabular episodes (got tabular {pool.tabular!r}, {pool.n_tabular} tabular episodes)")
        if self.fixed_opponent and pool.n_learner < 1:
            raise ParameterError("fixed_opponent needs episodes against it (tabular_share < 1)")
        if pool.n_learner == 0 and pool.n_tabular == 0:
            raise ParameterError("batch leaves no episodes")
        if float(pool.tabular_share) < 1.0 and pool.n_learner < 1:
            raise ParameterError(f"batch {self.batch} with tabular_share {pool.tabular_share} leaves no learner-vs-learner episodes")

    @property
    def pool(self) -> PoolSpec:
        """The co-player pool of this run."""
        if self.ablation == "no-tabular":
            share = 0.0
        else:
            share = 0.5 if self.tabular_share is None else float(self.tabular_share)
        if self.ablation == "opponent-id" and share == 0.0:
            raise ParameterError("ablation 'opponent-id' needs tabular_share > 0")
        if 0.0 < share and int(round(self.batch * share)) == 0:
            raise ParameterError(f"batch {self.batch} x tabular_share {share} rounds to zero tabular episodes")
        return PoolSpec(int(self.batch), share, self.tabular, self.ablation == "opponent-id")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hyper"] = self.hyper.to_dict()
        d["tabular"] = self.tabular if isinstance(self.tabular, str) else list(self.tabular)
        d["sampler"] = None if self.sampler is None else self.sampler.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        d = dict(d)
        d["hyper"] = A2CHyper(**d["hyper"])
        if not isinstance(d.get("tabular", "uniform"), str):
            d["tabular"] = tuple(d["tabular"])
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ParameterError(f"unknown config field(s) {sorted(unknown)}")
        return cls(**d)

    def result_key(self) -> dict[str, Any]:
        """The fields that determine the numbers (not bookkeeping like logging/iterations)."""
        d = self.to_dict()
        for k in ("iterations", "checkpoint_every", "log_every"):
            d.pop(k)
        return d


def _cpu_hyper() -> A2CHyper:
    # Table 2 step 4 with the changes found at CPU scale (see docs/learners_a2c.md).
    return table2(4, lr=3e-3)


#: Study presets: one code path, three scales.
PRESETS: dict[str, TrainConfig] = {
    "smoke": TrainConfig(hidden=16, embed=16, batch=64, iterations=60, seeds=2, horizon=DEFAULT_HORIZON,
                         hyper=table2(4, lr=3e-3), eval_every=20, eval_episodes=64, checkpoint_every=20,
                         log_every=5),
    "cpu": TrainConfig(hidden=32, embed=32, batch=256, iterations=3000, seeds=3, hyper=_cpu_hyper(),
                       eval_every=100, eval_episodes=128, checkpoint_every=250, log_every=10),
    "paper": TrainConfig(hidden=128, embed=32, batch=4096, iterations=200_000, seeds=10, hyper=table2(4),
                         eval_every=1000, eval_episodes=512, checkpoint_every=2000, log_every=50),
}


def preset_config(name: str, **overrides: Any) -> TrainConfig:
    """A preset :class:`TrainConfig` with overrides (``hyper`` overrides go in ``hyper=dict(...)``)."""
    if name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    cfg = PRESETS[name]
    hyper_over = overrides.pop("hyper", None)
    known = {f.name for f in fields(TrainConfig)}
    bad = set(overrides) - known
    if bad:
        raise ParameterError(f"unknown config field(s) {sorted(bad)}")
    if hyper_over:
        if isinstance(hyper_over, A2CHyper):
            overrides["hyper"] = hyper_over
        else:
            hk = {f.name for f in fields(A2CHyper)}
            badh = set(hyper_over) - hk
            if badh:
                raise ParameterError(f"unknown A2C hyper-parameter(s) {sorted(badh)}")
            overrides["hyper"] = replace(cfg.hyper, **hyper_over)
    return replace(cfg, **overrides)


# --------------------------------------------------------------------------- core

def _segment_mean(x: jnp.ndarray, lo: int, hi: int) -> jnp.ndarray:
    """Mean over rounds and episodes ``[lo, hi)`` of ``(T, 2, B)`` -> ``(2,)`` (NaN if empty)."""
    if hi <= lo:
        return jnp.full((x.shape[1],), jnp.nan)
    return jnp.mean(x[:, :, lo:hi], axis=(0, 2))


def _build_functions(cfg: TrainConfig, fixed_policy: Any = None):
    if fixed_policy is None and cfg.fixed_icl:
        from .coplayers import fixed_icl_policy

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
                         fixed_params=fixed, fixed_policy=fixed_policy)
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
                         fixed_params=fixed, fixed_policy=fixed_policy)
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


class Trainer:
    """Runs (and resumes) a training run; results go to ``out_dir``.

    Files in ``out_dir``: ``config.json``, ``checkpoint.pkl`` (resumable state),
    ``metrics.nc`` (seed x learner x iteration per training metric), ``eval.nc``
    (seed x learner x iteration x opponent, coop and reward), ``rounds.nc`` (final
    evaluation: seed x learner x opponent x round), ``summary.json``.

    ``init_params`` (optional, leading axes ``(seeds, 2)``) replaces the fresh initial
    parameters of a run that starts without a checkpoint (Adam starts from zeros);
    ``fixed_params`` (leading axis ``seeds``; required iff ``cfg.fixed_opponent`` and no
    ``cfg.fixed_icl``) is the frozen GRU co-player of each seed.  With ``cfg.fixed_icl`` the
    co-player is built from that spec, the same for every seed; ``fixed_policy`` (a jittable
    :class:`~solvers.simulate.Policy`, with ``cfg.fixed_icl = "policy:<label>"``) gives any other one.
    They must be passed again on resume (they are inputs, like the config; the mechanism chain
    reloads them from the earlier steps' checkpoints).
    """

    def __init__(self, cfg: TrainConfig, out_dir: str | Path | None = None, devices: list[Any] | None = None, *,
                 init_params: Any = None, fixed_params: Any = None, fixed_policy: Any = None) -> None:
        self.cfg = instance_of("cfg", cfg, TrainConfig)
        self.out_dir = dir_path("out_dir", out_dir) if out_dir is not None else None
        if fixed_policy is not None:
            from .coplayers import check_coplayer

            check_coplayer(fixed_policy, "fixed_policy")
            if not cfg.fixed_icl.startswith("policy:"):
                raise ParameterError("fixed_policy needs cfg.fixed_icl = 'policy:<label>' naming it (a spec string such as "
                                     "'bayes' or 'memory-one:TFT' is built by the Trainer itself)")
            if fixed_params is not None:
                raise ParameterError("give the fixed co-player either as fixed_params or as fixed_policy, not both")
            self.agent, (self._init, self._init_sampler), self._step, self._eval = _jit_functions(_cache_key(cfg), fixed_policy)
        elif cfg.fixed_icl.startswith("policy:"):
            raise ParameterError(f"cfg.fixed_icl {cfg.fixed_icl!r} names a policy object: pass it as fixed_policy")
        else:
            self.agent, (self._init, self._init_sampler), self._step, self._eval = _jitted(_cache_key(cfg))
        devices = list(devices if devices is not None else jax.devices())
        n_dev = _largest_divisor_at_most(cfg.seeds, len(devices))
        self.n_devices = n_dev
        if n_dev > 1:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            mesh = Mesh(np.array(devices[:n_dev]), ("seed",))
            self.sharding = NamedSharding(mesh, PartitionSpec("seed"))
        else:
            self.sharding = None
        self.seed_keys = self._put(_seed_keys(cfg))
        self.tab_table = jnp.asarray(named_params(cfg.tabular, cfg.game) if cfg.tabular != "uniform" and not is_prior(cfg.tabular)
                                     else np.zeros((1, 5), np.float32))
        self.params, self.opt_state = self._put(self._init(range(cfg.seed, cfg.seed + cfg.seeds)))
        if init_params is None and cfg.init_from:
            init_params = checkpoint_params(cfg.init_from)[1]
        if init_params is not None:
            _check_tree_like(init_params, self.params, "init_params")
            self.params = self._put(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), init_params))
        if cfg.fixed_icl and fixed_params is not None:
            raise ParameterError(f"cfg.fixed_icl {cfg.fixed_icl!r} is the fixed co-player: do not also pass fixed_params")
        if not cfg.fixed_icl and cfg.fixed_opponent != (fixed_params is not None):
            raise ParameterError("fixed_params must be given exactly when cfg.fixed_opponent is True (and no fixed_icl)")
        if fixed_params is not None:
            one = jax.tree_util.tree_map(lambda x: x[:, 0], self.params)  # (S, ...) one agent per seed
            _check_tree_like(fixed_params, one, "fixed_params")
            fixed_params = self._put(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), fixed_params))
        self.fixed_params = fixed_params
        #: the regret-prioritised sampler's buffers, leading axes (seeds, 2); () without it
        self.sampler_state: Any = self._put(self._init_sampler(self.seed_keys)) if cfg.sampler is not None else ()
        self.iteration = 0
        self.history: list[np.ndarray] = []  # each (S, 2, M)
        self.eval_iters: list[int] = []
        self.eval_history: list[tuple[np.ndarray, ...]] = []
        self.wall_s = 0.0

    # ------------------------------------------------------------ helpers
    def _put(self, tree: Any) -> Any:
        if self.sharding is None:
            return tree
        return jax.device_put(tree, self.sharding)

    def evaluate(self) -> tuple[np.ndarray, ...]:
        """Evaluate now: coop, reward, co-player coop and co-player reward, each ``(S, 2, O, T)``."""
        out = self._eval(self.params, self.seed_keys, jnp.int32(self.iteration), self.fixed_params)
        return tuple(np.asarray(x) for x in _fetch(out))  # type: ignore[return-value]

    def step(self) -> jnp.ndarray:
        """One training iteration for all seeds; returns device metrics ``(S, 2, M)``."""
        if self.cfg.sampler is not None:
            self.params, self.opt_state, m, self.sampler_state = self._step(
                self.params, self.opt_state, self.seed_keys, jnp.int32(self.iteration), self.tab_table, self.fixed_params,
                self.sampler_state)
        else:
            self.params, self.opt_state, m = self._step(self.params, self.opt_state, self.seed_keys, jnp.int32(self.iteration),
                                                        self.tab_table, self.fixed_params)
        self.iteration += 1
        return m

    # ---------------------------------------------------------- checkpoints
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / "checkpoint.pkl" if self.out_dir is not None else None

    def save_checkpoint(self) -> None:
        """Write the full state (atomically) to ``out_dir/checkpoint.pkl``."""
        if self.checkpoint_path is None:
            return
        state = {
            "config": self.cfg.to_dict(),
            "iteration": self.iteration,
            "params": _fetch(self.params),
            "opt_state": _fetch(self.opt_state),
            "history": self.history,
            "eval_iters": self.eval_iters,
            "eval_history": self.eval_history,
            "wall_s": self.wall_s,
        }
        if self.cfg.sampler is not None:
            state["sampler_state"] = tuple(_fetch(self.sampler_state))
        if jax.process_index() != 0:  # multi-host: every process gathers, process 0 writes
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh)
        os.replace(tmp, self.checkpoint_path)

    def load_checkpoint(self, path: str | Path | None = None) -> bool:
        """Restore from a checkpoint; returns False if there is none.  The config must match."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None or not path.exists():
            return False
        saved, state = _read_checkpoint(path)
        if saved.result_key() != self.cfg.result_key():
            diff = sorted(k for k in self.cfg.result_key() if saved.result_key().get(k) != self.cfg.result_key()[k])
            raise ParameterError(f"checkpoint {path} was written with a different config (fields {diff}); use another --out")
        self.iteration = int(state["iteration"])
        self.params = self._put(jax.tree_util.tree_map(jnp.asarray, state["params"]))
        self.opt_state = self._put(jax.tree_util.tree_map(jnp.asarray, state["opt_state"]))
        self.history = [_pad_metrics(h) for h in state["history"]]
        self.eval_iters = list(state["eval_iters"])
        self.eval_history = list(state["eval_history"])
        self.wall_s = float(state.get("wall_s", 0.0))
        if self.cfg.sampler is not None:
            if "sampler_state" not in state:
                raise ParameterError(f"checkpoint {path} has no sampler state although its config uses the regret sampler")
            from .prioritised import SamplerState

            self.sampler_state = self._put(SamplerState(*(jnp.asarray(x) for x in state["sampler_state"])))
        return True

    # ------------------------------------------------------------------ run
    def run(self, progress: bool = True, stop_at: int | None = None, resume: bool = True, evaluate: bool = True,
            max_seconds: float | None = None) -> "Trainer":
        """Train until ``cfg.iterations`` (or ``stop_at``), checkpointing and evaluating on the way.

        ``evaluate=False`` skips the evaluations (and the result files that need them).
        ``max_seconds``: a wall-clock budget for this call; when it runs out the run ends early
        *as if* it had reached its last iteration (final evaluation, result files; the summary
        records the iterations reached), and it can still be resumed and extended later."""
        cfg = self.cfg
        if resume:
            self.load_checkpoint()
        end = cfg.iterations if stop_at is None else min(stop_at, cfg.iterations)
        deadline = None if max_seconds is None else time.perf_counter() + float(max_seconds)
        timed_out = False
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "config.json").write_text(json.dumps(self.cfg.to_dict(), indent=1))
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=cfg.iterations, initial=self.iteration, desc=f"a2c[{cfg.ablation}]", unit="it", mininterval=1.0)
        pending: list[jnp.ndarray] = []
        t0 = time.perf_counter()
        while self.iteration < end:
            if deadline is not None and time.perf_counter() > deadline:
                timed_out = True
                break
            if evaluate and self.iteration % cfg.eval_every == 0 and self.iteration not in self.eval_iters:
                self._record_eval()
            pending.append(self.step())
            if self.iteration % cfg.log_every == 0 or self.iteration == end:
                self.history.extend(self._checked(pending))
                pending = []
                if bar is not None:
                    bar.update(self.iteration - bar.n)
                    bar.set_postfix(self.live_metrics(), refresh=False)
            if self.iteration % cfg.checkpoint_every == 0:
                self.history.extend(self._checked(pending))
                pending = []
                self.wall_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                self.save_checkpoint()
        self.history.extend(self._checked(pending))
        finished = self.iteration == cfg.iterations or timed_out
        self.timed_out = timed_out
        if evaluate and finished and self.iteration not in self.eval_iters:
            self._record_eval()
        self.wall_s += time.perf_counter() - t0
        if bar is not None:
            bar.close()
        if self.out_dir is not None:
            self.save_checkpoint()
            if finished and self.eval_history:
                self.write_results()
        return self

    def _checked(self, pending: list[jnp.ndarray]) -> list[np.ndarray]:
        """Fetch pending metrics; stop the run (:class:`NonFiniteError`) if a loss, the gradient norm
        or a parameter is non-finite.  Raised before anything is saved, so the last good
        checkpoint stays on disk and no summary is written."""
        from eqtools.errors import NonFiniteError

        new = [np.asarray(x) for x in _fetch(pending)]
        watched = [TRAIN_METRICS.index(m) for m in ("value_loss", "policy_loss", "entropy", "grad_norm")]
        where = None
        for k, m in enumerate(new):
            bad = ~np.isfinite(m[..., watched])
            if bad.any():
                s, l, j = (int(v) for v in np.argwhere(bad)[0])
                where = (f"non-finite {TRAIN_METRICS[watched[j]]} at iteration {self.iteration - len(new) + k + 1} "
                         f"(seed {self.cfg.seed + s}, learner {l + 1})")
                break
        if where is None and not all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree_util.tree_leaves(self.params)):
            where = f"non-finite parameters after iteration {self.iteration}"
        if where is not None:
            ck = self.checkpoint_path
            kept = f"; the last good checkpoint {ck} is kept" if ck is not None and ck.exists() else ""
            raise NonFiniteError(f"A2C training diverged: {where} (lower --lr or --reward-scale?){kept}; "
                                 "no summary was written")
        return new

    def _record_eval(self) -> None:
        self.eval_iters.append(self.iteration)
        self.eval_history.append(self.evaluate())

    def live_metrics(self, window: int = 20) -> dict[str, str]:
        """Mean over seeds, learners and the last ``window`` iterations (for the progress bar)."""
        if not self.history:
            return {}
        h = np.stack(self.history[-window:])  # (w, S, 2, M)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmean(h, axis=(0, 1, 2))
        d = dict(zip(TRAIN_METRICS, m))
        return {k: f"{d[k]:.3f}" for k in ("coop_ll", "reward_tab", "regret_tab", "entropy") if np.isfinite(d[k])}

    # -------------------------------------------------------------- results
    def metrics_dataset(self):
        """Training metrics as an ``xarray.Dataset`` with dims (seed, learner, iteration)."""
        import xarray as xr

        h = np.stack(self.history) if self.history else np.zeros((0, self.cfg.seeds, 2, len(TRAIN_METRICS)))
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "iteration": np.arange(1, h.shape[0] + 1)}
        data = {m: (("seed", "learner", "iteration"), np.moveaxis(h[..., i], 0, -1)) for i, m in enumerate(TRAIN_METRICS)}
        return xr.Dataset(data, coords=coords, attrs={"config": json.dumps(self.cfg.to_dict())})

    def eval_dataset(self):
        """Evaluation means over rounds, dims (seed, learner, iteration, opponent)."""
        import xarray as xr

        c = np.stack([e[0] for e in self.eval_history]).mean(-1)  # (I, S, 2, O)
        r = np.stack([e[1] for e in self.eval_history]).mean(-1)
        oc = np.stack([e[2] for e in self.eval_history]).mean(-1)
        orw = np.stack([_co_reward(e) for e in self.eval_history]).mean(-1)
        br = np.stack([_br_value(e) for e in self.eval_history])  # (I, S, 2, O)
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "iteration": np.asarray(self.eval_iters), "opponent": list(EVAL_OPPONENT_NAMES)}
        dims = ("seed", "learner", "iteration", "opponent")
        return xr.Dataset({"coop": (dims, np.moveaxis(c, 0, 2)), "reward": (dims, np.moveaxis(r, 0, 2)),
                           "coplayer_coop": (dims, np.moveaxis(oc, 0, 2)),
                           "coplayer_reward": (dims, np.moveaxis(orw, 0, 2)),
                           "br_value": (dims, np.moveaxis(br, 0, 2)),
                           "regret": (dims, np.moveaxis(br - r, 0, 2))}, coords=coords,
                          attrs={"regret": "exact n-round best-response value of the co-player minus the learner's mean "
                                           "reward per round (paired per episode; NaN against learners)"})

    def rounds_dataset(self, index: int = -1):
        """Per-round curves of one evaluation (default: the last), dims (seed, learner, opponent, round)."""
        import xarray as xr

        c, r, oc = self.eval_history[index][:3]
        orw = _co_reward(self.eval_history[index])
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "opponent": list(EVAL_OPPONENT_NAMES), "round": np.arange(1, self.cfg.horizon + 1)}
        dims = ("seed", "learner", "opponent", "round")
        return xr.Dataset({"coop": (dims, c), "reward": (dims, r), "coplayer_coop": (dims, oc),
                           "coplayer_reward": (dims, orw)}, coords=coords,
                          attrs={"iteration": int(self.eval_iters[index])})

    def summary(self, last: int | None = None) -> dict[str, Any]:
        """Final numbers: training metrics averaged over the last 10% of iterations and the
        final evaluation (means over rounds), per seed and learner."""
        h = np.stack(self.history) if self.history else np.full((1, self.cfg.seeds, 2, len(TRAIN_METRICS)), np.nan)
        last = last or max(1, len(self.history) // 10)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            tail = np.nanmean(h[-last:], axis=0)  # (S, 2, M)
        c, r = self.eval_history[-1][:2]
        orw = _co_reward(self.eval_history[-1])
        brv = _br_value(self.eval_history[-1])
        out: dict[str, Any] = {"iterations": self.iteration, "iterations_planned": self.cfg.iterations,
                               "stopped_by_time_budget": bool(getattr(self, "timed_out", False)),
                               "wall_s": round(self.wall_s, 1),
                               "ablation": self.cfg.ablation, "seeds": list(range(self.cfg.seed, self.cfg.seed + self.cfg.seeds)),
                               "fixed_icl": (self.cfg.fixed_icl or "frozen GRU (fixed_params)") if self.cfg.fixed_opponent else None,
                               "sampler": None if self.cfg.sampler is None else self.sampler_summary(),
                               "train_tail_iterations": last, "train": {}, "eval": {}}
        for i, m in enumerate(TRAIN_METRICS):
            out["train"][m] = np.round(tail[..., i], 4).tolist()
        for j, o in enumerate(EVAL_OPPONENT_NAMES):
            out["eval"][o] = {"coop": np.round(c[:, :, j].mean(-1), 4).tolist(), "reward": np.round(r[:, :, j].mean(-1), 4).tolist(),
                              "coplayer_reward": np.round(orw[:, :, j].mean(-1), 4).tolist(),
                              "regret": np.round(brv[:, :, j] - r[:, :, j].mean(-1), 4).tolist()}
        return out

    def sampler_summary(self) -> dict[str, Any]:
        """The regret sampler's settings and its buffers now, per seed and learner: the mean regret
        estimate (an estimate of the U(0,1)^5 regret, lagging), the share of candidates visited since
        they entered, and the effective sample size of the draw probabilities as a share of the buffer."""
        from .prioritised import sampler_probs

        st = _fetch(self.sampler_state)
        p = np.asarray(sampler_probs(self.cfg.sampler, jnp.asarray(st.est)))
        w = 1.0 / (p.shape[-1] * p)
        ess = (p * w).sum(-1) ** 2 / (p * w * w).sum(-1)  # (E_p w)^2 / E_p w^2
        return {"settings": self.cfg.sampler.to_dict(),
                "mean_estimate": np.round(np.asarray(st.est).mean(-1), 4).tolist(),
                "visited_share": np.round((np.asarray(st.visits) > 0).mean(-1), 4).tolist(),
                "ess_share": np.round(ess, 4).tolist(),
                "max_weight": np.round(w.max(-1), 3).tolist()}

    def write_results(self) -> None:
        """Write the netCDF files and ``summary.json`` into ``out_dir``."""
        if self.out_dir is None or jax.process_index() != 0:
            return
        write_netcdf(self.metrics_dataset(), self.out_dir / "metrics.nc")
        write_netcdf(self.eval_dataset(), self.out_dir / "eval.nc")
        write_netcdf(self.rounds_dataset(), self.out_dir / "rounds.nc")
        (self.out_dir / "summary.json").write_text(json.dumps(_json_clean(self.summary()), indent=1))


def _br_value(e: tuple[np.ndarray, ...]) -> np.ndarray:
    """Mean exact best-response value per co-player of an evaluation, ``(S, 2, O)`` (NaN for
    checkpoints written before it was recorded)."""
    return np.asarray(e[4]) if len(e) > 4 else np.full(np.asarray(e[0]).shape[:-1], np.nan)


def _pad_metrics(h: np.ndarray) -> np.ndarray:
    """Pad a per-iteration metrics row written before newer metrics existed with NaN."""
    h = np.asarray(h)
    if h.shape[-1] >= len(TRAIN_METRICS):
        return h
    pad = np.full(h.shape[:-1] + (len(TRAIN_METRICS) - h.shape[-1],), np.nan, dtype=h.dtype)
    return np.concatenate([h, pad], axis=-1)


def _co_reward(e: tuple[np.ndarray, ...]) -> np.ndarray:
    """The co-player-reward curves of an evaluation (NaN for checkpoints written before they were recorded)."""
    return np.asarray(e[3]) if len(e) > 3 else np.full_like(np.asarray(e[0]), np.nan)


def _check_tree_like(tree: Any, like: Any, name: str) -> None:
    """Raise ParameterError unless ``tree`` has the structure and leaf shapes of ``like``."""
    s1, s2 = jax.tree_util.tree_structure(tree), jax.tree_util.tree_structure(like)
    if s1 != s2:
        raise ParameterError(f"{name} does not have the parameter structure of this config's agent")
    for a, b in zip(jax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(like)):
        if tuple(np.shape(a)) != tuple(np.shape(b)):
            raise ParameterError(f"{name}: leaf shape {tuple(np.shape(a))} != expected {tuple(np.shape(b))} "
                                 "(seeds, hidden and embed sizes must match)")
        if not np.all(np.isfinite(np.asarray(a))):
            raise ParameterError(f"{name} holds non-finite values")


def load_checkpoint_state(run_dir: str | Path) -> tuple[TrainConfig, dict[str, Any]]:
    """``(config, state)`` of ``run_dir/checkpoint.pkl`` (the dict :meth:`Trainer.save_checkpoint` writes)."""
    path = path_like("run_dir", run_dir) / "checkpoint.pkl"
    if not path.exists():
        raise ParameterError(f"no checkpoint.pkl in {run_dir} (is it an 'eqtools train a2c' output directory?)")
    return _read_checkpoint(path)


#: Keys every A2C checkpoint holds (the ones a reader of the parameters needs).
_CHECKPOINT_KEYS: tuple[str, ...] = ("config", "iteration", "params")


def _read_checkpoint(path: Path) -> tuple[TrainConfig, dict[str, Any]]:
    """Unpickle and check a checkpoint against its schema (:mod:`learners.checkpoint`): required
    keys, an integer iteration >= 0, a valid config, and parameters with exactly the shapes of the
    config's GRU (leading axes ``(seeds, 2)``).  :class:`FileFormatError` names the file and field."""
    from eqtools.errors import EqtoolsError, FileFormatError

    from .checkpoint import Schema, check_params, read_run_file

    state = read_run_file(path, Schema("A2C checkpoint", _CHECKPOINT_KEYS, counters=("iteration",)))
    try:
        cfg = TrainConfig.from_dict(state["config"])
    except (EqtoolsError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise FileFormatError(f"A2C checkpoint {str(path)!r} holds an invalid config: {exc}") from None
    agent = GRUAgent(hidden=cfg.hidden, embed=cfg.embed, use_opponent_id=cfg.ablation == "opponent-id",
                     reward_input_scale=float(max(np.abs(preset(cfg.game).payoffs).max(), 1e-9)))
    template = init_agent_params_np(agent, 0)
    check_params(path, state["params"], what="A2C checkpoint", template=template, leading=(cfg.seeds, 2))
    return cfg, state


def checkpoint_params(run_dir: str | Path) -> tuple[TrainConfig, Any, int]:
    """``(config, params, iteration)`` of the checkpoint in ``run_dir``; params have leading axes (seeds, 2)."""
    cfg, state = load_checkpoint_state(run_dir)
    return cfg, state["params"], int(state["iteration"])


def _json_clean(x: Any) -> Any:
    """Replace NaN/inf by None (standard JSON)."""
    if isinstance(x, dict):
        return {k: _json_clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def extract_seeds(src_dir: str | Path, dst_dir: str | Path, seeds: Sequence[int], iterations: int | None = None) -> TrainConfig:
    """Write a checkpoint holding only ``seeds`` of the run in ``src_dir`` into ``dst_dir``.

    Seeds are independent (seed ``s`` uses ``PRNGKey(s)`` whatever the other seeds are), so
    resuming ``dst_dir`` continues exactly those seeds' runs, e.g. to extend one seed far
    beyond the others at a third of the cost.  ``seeds`` must be consecutive (a config holds
    ``seed`` and a count).  ``iterations`` (default: the source's) sets the new planned length.
    Returns the new config (also written as ``dst_dir/config.json``).
    """
    dst = dir_path("dst_dir", dst_dir)
    cfg, state = load_checkpoint_state(src_dir)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ParameterError(f"seeds must be a list of seeds, got {seeds!r}")
    seeds = [check_seed("seeds", s) for s in seeds]
    iterations = None if iterations is None else positive_int("iterations", iterations)
    have = list(range(cfg.seed, cfg.seed + cfg.seeds))
    if not seeds or any(s not in have for s in seeds):
        raise ParameterError(f"seeds {seeds} are not all in the run's seeds {have}")
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ParameterError(f"seeds must be consecutive, got {seeds}")
    lo = seeds[0] - cfg.seed
    sl = slice(lo, lo + len(seeds))
    new = replace(cfg, seed=seeds[0], seeds=len(seeds), iterations=int(iterations or cfg.iterations))
    if new.iterations < int(state["iteration"]):
        raise ParameterError(f"iterations {new.iterations} is below the {state['iteration']} already trained")
    take = lambda tree: jax.tree_util.tree_map(lambda x: np.asarray(x)[sl], tree)  # noqa: E731
    out = dict(state)
    out["config"] = new.to_dict()
    out["params"], out["opt_state"] = take(state["params"]), take(state["opt_state"])
    out["history"] = [np.asarray(h)[sl] for h in state["history"]]
    out["eval_history"] = [tuple(np.asarray(x)[sl] for x in e) for e in state["eval_history"]]
    if "sampler_state" in state:  # the regret sampler's buffers, leading axes (seeds, 2)
        out["sampler_state"] = tuple(np.asarray(x)[sl] for x in state["sampler_state"])
    dst.mkdir(parents=True, exist_ok=True)
    if (dst / "checkpoint.pkl").exists():
        raise ParameterError(f"{dst} already holds a checkpoint; choose another directory")
    with open(dst / "checkpoint.pkl", "wb") as fh:
        pickle.dump(out, fh)
    (dst / "config.json").write_text(json.dumps(new.to_dict(), indent=1))
    return new


@validated
def train(cfg: TrainConfig, out_dir: str | Path | None = None, progress: bool = True, resume: bool = True) -> Trainer:
    """Build a :class:`Trainer` for ``cfg`` and run it to completion."""
    return Trainer(cfg, out_dir).run(progress=progress, resume=resume)
