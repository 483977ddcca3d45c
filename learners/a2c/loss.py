"""Advantage actor-critic (A2C) pieces: hyper-parameters, GAE/TD(lambda), the loss.

* Rewards are multiplied by ``reward_scale`` for the losses only (metrics stay in the
  original scale); the value head predicts scaled returns.
* Advantages: GAE(gamma, lambda); value targets: TD(lambda) returns ``A + V``.  The episode
  ends after the fixed horizon (terminal value 0).
* "Advantage normalisation" (Table 2) is centring: the batch mean (over episodes and rounds)
  is subtracted separately for episodes against tabular and against learning co-players.
* Loss per learner: ``-mean(logp * A) + value_coef * 0.5 * mean((V - target)^2)
  - entropy_coef * mean(entropy)``; Adam (eps 1e-5) after global-norm clipping.

:data:`TABLE2_STEPS` holds the paper's Table 2 settings for experiment steps 1–4.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from eqtools.errors import ParameterError

__all__ = ["A2CHyper", "TABLE2_STEPS", "table2", "gae", "a2c_loss", "make_optimizer"]


@dataclass(frozen=True)
class A2CHyper:
    """A2C hyper-parameters (defaults: Table 2, step 4 — the mixed pool)."""

    advantage_centering: bool = True
    reward_scale: float = 0.02
    gamma: float = 0.99
    gae_lambda: float = 1.0
    value_coef: float = 0.5
    entropy_coef: float = 0.01
    lr: float = 1e-3
    adam_eps: float = 1e-5
    max_grad_norm: float = 1.0
    #: optional annealing: the entropy coefficient and lr move linearly from ``entropy_coef`` /
    #: ``lr`` to ``entropy_final`` / ``lr_final`` over iterations
    #: ``[anneal_start, anneal_start + anneal_iters)`` of the run (None: constant).
    entropy_final: float | None = None
    lr_final: float | None = None
    anneal_start: int = 0
    anneal_iters: int = 0

    def __post_init__(self) -> None:
        for name in ("reward_scale", "gamma", "gae_lambda", "value_coef", "entropy_coef", "lr", "adam_eps", "max_grad_norm"):
            v = getattr(self, name)
            if isinstance(v, (bool, str, bytes)) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
                raise ParameterError(f"A2C hyper-parameter {name} must be a finite number, got {v!r}")
        checks = {
            "reward_scale": self.reward_scale > 0,
            "gamma": 0.0 <= self.gamma <= 1.0,
            "gae_lambda": 0.0 <= self.gae_lambda <= 1.0,
            "value_coef": self.value_coef >= 0,
            "entropy_coef": self.entropy_coef >= 0,
            "lr": self.lr > 0,
            "adam_eps": self.adam_eps > 0,
            "max_grad_norm": self.max_grad_norm > 0,
            "entropy_final": self.entropy_final is None or self.entropy_final >= 0,
            "lr_final": self.lr_final is None or self.lr_final > 0,
            "anneal_start": isinstance(self.anneal_start, int) and self.anneal_start >= 0,
            "anneal_iters": isinstance(self.anneal_iters, int) and self.anneal_iters >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ParameterError(f"A2C hyper-parameter {name} = {getattr(self, name)!r} is out of range")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _frac(self, iteration: Any) -> Any:
        if self.anneal_iters <= 0:
            return jnp.where(jnp.asarray(iteration) >= self.anneal_start, 1.0, 0.0)
        return jnp.clip((jnp.asarray(iteration, jnp.float32) - self.anneal_start) / self.anneal_iters, 0.0, 1.0)

    def entropy_at(self, iteration: Any) -> Any:
        """The entropy coefficient at ``iteration`` (traceable)."""
        if self.entropy_final is None:
            return jnp.float32(self.entropy_coef)
        return self.entropy_coef + self._frac(iteration) * (self.entropy_final - self.entropy_coef)

    def lr_at(self, count: Any) -> Any:
        """The learning rate after ``count`` optimiser steps (traceable; optax schedule)."""
        if self.lr_final is None:
            return jnp.float32(self.lr)
        return self.lr + self._frac(count) * (self.lr_final - self.lr)


#: Paper Table 2 (batch sizes are episodes per learner per iteration).
TABLE2_STEPS: dict[int, dict[str, Any]] = {
    1: dict(hyper=A2CHyper(True, 0.2, 0.99, 0.99, 0.5, 0.001, 5e-3), batch=2048),
    2: dict(hyper=A2CHyper(False, 0.05, 0.99, 1.0, 0.5, 0.001, 5e-3), batch=2048),
    3: dict(hyper=A2CHyper(True, 0.02, 0.99, 0.95, 0.5, 0.001, 5e-4), batch=4096),
    4: dict(hyper=A2CHyper(True, 0.02, 0.99, 1.0, 0.5, 0.01, 1e-3), batch=4096),
}


def table2(step: int, **overrides: Any) -> A2CHyper:
    """The :class:`A2CHyper` of Table 2 step ``step`` (1–4), with optional overrides."""
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step not in TABLE2_STEPS:
        raise ParameterError(f"Table 2 step must be one of {sorted(TABLE2_STEPS)}, got {step!r}")
    return replace(TABLE2_STEPS[step]["hyper"], **overrides)


def gae(rewards: jnp.ndarray, values: jnp.ndarray, gamma: float, lam: float) -> tuple[jnp.ndarray, jnp.ndarray]:
    """GAE advantages and TD(lambda) targets for time-major ``(T, ...)`` arrays.

    The episode terminates after the last step (bootstrap value 0).
    Returns ``(advantages, targets)`` with ``targets = advantages + values``.
    """
    next_values = jnp.concatenate([values[1:], jnp.zeros_like(values[:1])], axis=0)
    deltas = rewards + gamma * next_values - values

    def body(acc, d):
        acc = d + gamma * lam * acc
        return acc, acc

    _, adv = jax.lax.scan(body, jnp.zeros_like(values[0]), deltas, reverse=True)
    return adv, adv + values


def a2c_loss(
    logp: jnp.ndarray,
    entropy: jnp.ndarray,
    value: jnp.ndarray,
    reward: jnp.ndarray,
    n_learner: int,
    hp: A2CHyper,
    entropy_coef: Any = None,
    episode_weights: Any = None,
) -> tuple[jnp.ndarray, dict[str, jnp.ndarray]]:
    """A2C loss of the two learners for rollout arrays of shape ``(T, 2, batch)``.

    Episodes ``[0, n_learner)`` are against the other learner, the rest against tabular
    agents (centring is done per type).  ``entropy_coef`` (optional, e.g. a scheduled value
    from :meth:`A2CHyper.entropy_at`) overrides ``hp.entropy_coef``.  Returns the summed loss of both learners (their
    parameters are disjoint, so its gradient is each learner's own gradient) and per-learner
    diagnostics of shape ``(2,)``.

    ``episode_weights`` (optional, ``(2, batch)``): per-episode importance weights multiplying the
    policy, value and entropy terms (e.g. :mod:`learners.prioritised`); centring stays unweighted.
    """
    v = jax.lax.stop_gradient(value)
    adv, target = gae(reward * hp.reward_scale, v, hp.gamma, hp.gae_lambda)
    batch = reward.shape[-1]
    if hp.advantage_centering:
        is_ll = (jnp.arange(batch) < n_learner)[None, None, :]
        parts = []
        for mask in (is_ll, ~is_ll):
            cnt = jnp.maximum(jnp.sum(mask) * reward.shape[0], 1)
            mean = jnp.sum(jnp.where(mask, adv, 0.0), axis=(0, 2), keepdims=True) / cnt
            parts.append(jnp.where(mask, mean, 0.0))
        adv = adv - parts[0] - parts[1]
    adv = jax.lax.stop_gradient(adv)
    target = jax.lax.stop_gradient(target)
    if episode_weights is None:
        pg = -jnp.mean(logp * adv, axis=(0, 2))
        vl = 0.5 * jnp.mean((value - target) ** 2, axis=(0, 2))
        ent = jnp.mean(entropy, axis=(0, 2))
    else:
        w = jax.lax.stop_gradient(jnp.asarray(episode_weights))[None]
        pg = -jnp.mean(w * logp * adv, axis=(0, 2))
        vl = 0.5 * jnp.mean(w * (value - target) ** 2, axis=(0, 2))
        ent = jnp.mean(w * entropy, axis=(0, 2))
    ec = hp.entropy_coef if entropy_coef is None else entropy_coef
    per_learner = pg + hp.value_coef * vl - ec * ent
    return jnp.sum(per_learner), {"policy_loss": pg, "value_loss": vl, "entropy": ent}


def make_optimizer(hp: A2CHyper) -> optax.GradientTransformation:
    """Global-norm clipping followed by Adam with the paper's eps."""
    from eqtools.validation import instance_of

    instance_of("hp", hp, A2CHyper)
    lr = hp.lr if hp.lr_final is None else hp.lr_at
    return optax.chain(optax.clip_by_global_norm(hp.max_grad_norm), optax.adam(lr, eps=hp.adam_eps))
