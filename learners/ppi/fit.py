"""Fitting the PPI sequence model: the optimiser (gradient clipping + AdamW), the jitted
initialisation and step (cached per model and optimiser settings), one epoch over an
:class:`~learners.ppi.data.EpisodeStore`, :func:`fit_model`, and the non-finite stop.

Moved out of :mod:`learners.ppi.train` (issue 23); that module re-exports every name here.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..env import payoff_table
from .config import PPIConfig
from .data import EpisodeStore
from .model import SequenceModel, init_model, sequence_loss

__all__ = ["make_optimizer", "fit_model"]


def make_optimizer(cfg: PPIConfig) -> optax.GradientTransformation:
    """Gradient-norm clipping then AdamW (paper: lr 1e-4, wd 1e-2, betas (0.9, 0.98), clip 1)."""
    from eqtools.validation import instance_of

    instance_of("cfg", cfg, PPIConfig)
    return optax.chain(optax.clip_by_global_norm(cfg.max_grad_norm),
                       optax.adamw(cfg.lr, b1=cfg.b1, b2=cfg.b2, weight_decay=cfg.weight_decay))


@functools.lru_cache(maxsize=16)
def _fit_fns(module: SequenceModel, game: str, lr: float, wd: float, b1: float, b2: float, clip: float):
    opt = optax.chain(optax.clip_by_global_norm(clip), optax.adamw(lr, b1=b1, b2=b2, weight_decay=wd))
    table = payoff_table(game)

    @jax.jit
    def init(key):
        params = init_model(module, key)
        return params, opt.init(params)

    @jax.jit
    def step(params, opt_state, batch, z=None):
        (loss, parts), grads = jax.value_and_grad(lambda p: sequence_loss(module, p, batch, table, z), has_aux=True)(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, opt_state, jnp.stack([loss, parts["loss_action"], parts["loss_observation"], parts["loss_reward"]])

    return init, step


def _fit_key(cfg: PPIConfig):
    return (cfg.module(), cfg.game, float(cfg.lr), float(cfg.weight_decay), float(cfg.b1), float(cfg.b2), float(cfg.max_grad_norm))


def fit_model(cfg: PPIConfig, data: EpisodeStore, key: jax.Array, rng_seed: Sequence[int], progress: bool = False) -> tuple[Any, np.ndarray]:
    """Fit a freshly initialised model on ``data`` for ``cfg.epochs`` epochs (no checkpoints).

    Returns the parameters and the mean losses of the last epoch (total, action, obs, reward).
    """
    init, step = _fit_fns(*_fit_key(cfg))
    params, opt_state = init(key)
    last = np.zeros(4)
    for e in range(cfg.epochs):
        params, opt_state, last = _epoch(step, params, opt_state, data, cfg.batch_size, list(rng_seed) + [e])
    return params, last


def _epoch(step, params, opt_state, data: EpisodeStore, batch_size: int, rng_seed: list[int]):
    rng = np.random.default_rng(rng_seed)
    losses = []
    for batch in data.batches(batch_size, rng):
        if isinstance(batch, tuple):  # (states, z): a store with opponent-ID vectors
            params, opt_state, l = step(params, opt_state, jnp.asarray(batch[0]), jnp.asarray(batch[1]))
        else:
            params, opt_state, l = step(params, opt_state, jnp.asarray(batch))
        losses.append(l)
    return params, opt_state, np.asarray(jnp.stack(losses).mean(axis=0))


def _require_finite(losses: Any, params: Any, where: str, checkpoint: Path | None) -> None:
    """Stop a run whose loss or parameters went non-finite (:func:`learners.checkpoint.require_finite`)."""
    from ..checkpoint import require_finite

    names = ("loss", "loss_action", "loss_observation", "loss_reward")
    require_finite(dict(zip(names, np.asarray(losses))), params, where=where, checkpoint=checkpoint)
