"""Regret-prioritised sampling of the U(0,1)^5 tabular co-players (issue 19, item 4).

Every tabular co-player ``q`` of step 1 has a known exact best-response value ``V*(q)``
(:func:`learners.regret.br_values_jnp`), so a training episode against it measures the learner's
regret on it: ``V*(q) − mean reward``.  Most U(0,1)^5 draws are easy (defect), and the gradient that
teaches the rare reciprocators is small.  This sampler spends episodes where the regret is, without
changing the co-players themselves:

* Each learner keeps a **buffer** of ``K`` candidate draws from U(0,1)^5 with their exact ``V*`` and
  a running regret estimate (exponential moving average of the training episodes played against
  each).  Every iteration ``refresh`` slots, in round-robin order (independent of their values),
  are replaced by fresh draws, so the buffer always holds ``K`` i.i.d. U(0,1)^5 draws and turns over
  every ``K / refresh`` iterations.  A fresh candidate starts at the buffer's mean estimate.
* Episodes draw candidate ``k`` with probability
  ``p_k = (1 − mix) s_k / Σ s + mix / K``, ``s_k = (max(est_k, 0) + floor) ** alpha``
  (``mix > 0``: every candidate keeps a share, so the weights below stay bounded by ``1 / mix``).
* **Importance weights** ``w_k = 1 / (K p_k)`` (``weights=True``) multiply each episode's loss
  terms.  Since ``E_k~p[w_k f(q_k)] = (1/K) Σ_k f(q_k)`` and the buffer's contents are i.i.d.
  U(0,1)^5 whatever the estimates are, the weighted objective is an unbiased estimate of the
  U(0,1)^5 objective (up to the reuse of each draw for at most ``K / refresh`` iterations, as with
  any replay buffer).  Without weights the objective is the prioritised mixture itself.

The training logs' ``reward_tab``, ``coop_tab`` and ``regret_tab`` are then importance-weighted
means (``mean(w x)``), i.e. estimates for U(0,1)^5, with or without weights in the loss.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError

from solvers.backward_induction import br_values_jnp

__all__ = ["SAMPLERS", "RegretSampler", "SamplerState", "sampler_init", "sampler_probs", "sampler_draw",
           "sampler_update"]

#: Tabular samplers of step 1: ``uniform`` (fresh U(0,1)^5 draws, the paper's) or ``regret`` (this module).
SAMPLERS: tuple[str, ...] = ("uniform", "regret")


@dataclass(frozen=True)
class RegretSampler:
    """Settings of the regret-prioritised sampler (see the module docstring).

    Attributes
    ----------
    buffer:
        Candidate U(0,1)^5 draws per learner (``K``).
    refresh:
        Candidates replaced by fresh draws per iteration (round robin), ``1 <= refresh <= buffer``.
    alpha:
        Priority exponent (0 = uniform over the buffer).
    floor:
        Added to the (clipped at 0) regret estimate before the exponent; > 0.
    mix:
        Share of episodes drawn uniformly from the buffer, in (0, 1]; bounds the weights by 1 / mix.
    ema:
        Weight of a batch's mean regret on a candidate in its running estimate, in (0, 1].
    weights:
        Importance weights in the loss (unbiased for U(0,1)^5) or not (the prioritised objective).
    init_regret:
        The estimate every candidate starts with at iteration 0 (high: visit everything early).
    """

    buffer: int = 4096
    refresh: int = 64
    alpha: float = 1.0
    floor: float = 0.02
    mix: float = 0.2
    ema: float = 0.5
    weights: bool = True
    init_regret: float = 1.0

    def __post_init__(self) -> None:
        from eqtools.validation import real

        for name in ("buffer", "refresh"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ParameterError(f"sampler {name} must be a positive integer, got {v!r}")
        if self.refresh > self.buffer:
            raise ParameterError(f"sampler refresh ({self.refresh}) cannot exceed the buffer ({self.buffer})")
        if self.buffer > 1_000_000:
            from eqtools.errors import SizeLimitError

            raise SizeLimitError(f"sampler buffer {self.buffer} is above 1e6 candidates per learner; use fewer")
        for name, lo, lo_open, hi in (("alpha", 0.0, False, 8.0), ("floor", 0.0, True, np.inf), ("mix", 0.0, True, 1.0),
                                      ("ema", 0.0, True, 1.0), ("init_regret", 0.0, False, 10.0)):
            v = real(f"sampler {name}", getattr(self, name))
            if not np.isfinite(v) or v < lo or (lo_open and v == lo) or v > hi:
                raise ParameterError(f"sampler {name} = {v!r} is out of range ({'(' if lo_open else '['}{lo:g}, {hi:g}])")
        if not isinstance(self.weights, (bool, np.bool_)):
            raise ParameterError(f"sampler weights must be True or False, got {self.weights!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RegretSampler":
        if not isinstance(d, dict):
            raise ParameterError(f"sampler must be a dict of RegretSampler fields, got {d!r}")
        known = set(cls.__dataclass_fields__)
        bad = set(d) - known
        if bad:
            raise ParameterError(f"unknown sampler field(s) {sorted(bad)}")
        return cls(**d)


class SamplerState(NamedTuple):
    """One learner's buffer (leading axes: any batch, e.g. (seeds, 2)); arrays only, so it can be vmapped."""

    cand: jax.Array  #: (K, 5) candidate co-players
    br: jax.Array  #: (K,) their exact n-round best-response values
    est: jax.Array  #: (K,) running regret estimates
    visits: jax.Array  #: (K,) episodes played against each since it entered the buffer
    ptr: jax.Array  #: () next slot to refresh


def sampler_init(spec: RegretSampler, key: jax.Array, table: jax.Array, horizon: int) -> SamplerState:
    """A fresh buffer for one learner."""
    cand = jax.random.uniform(key, (spec.buffer, 5))
    return SamplerState(cand, br_values_jnp(cand, table, horizon), jnp.full((spec.buffer,), spec.init_regret, jnp.float32),
                        jnp.zeros((spec.buffer,), jnp.int32), jnp.int32(0))


def sampler_probs(spec: RegretSampler, est: jax.Array) -> jax.Array:
    """Draw probabilities ``(..., K)`` from the regret estimates."""
    s = (jnp.maximum(est, 0.0) + spec.floor) ** spec.alpha
    return (1.0 - spec.mix) * s / jnp.sum(s, axis=-1, keepdims=True) + spec.mix / est.shape[-1]


def sampler_draw(spec: RegretSampler, state: SamplerState, key: jax.Array, n: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``n`` episodes' candidates for one learner: ``(idx (n,), co-players (n, 5), weights (n,))``,
    with ``weights = 1 / (K p_idx)``."""
    p = sampler_probs(spec, state.est)
    idx = jax.random.categorical(key, jnp.log(p), shape=(n,))
    return idx, state.cand[idx], 1.0 / (spec.buffer * p[idx])


def sampler_update(spec: RegretSampler, state: SamplerState, idx: jax.Array, regret: jax.Array, key: jax.Array,
                   table: jax.Array, horizon: int) -> SamplerState:
    """Fold one batch's per-episode regrets into the estimates, then refresh ``spec.refresh`` slots."""
    K = spec.buffer
    tot = jnp.zeros((K,), jnp.float32).at[idx].add(regret.astype(jnp.float32))
    cnt = jnp.zeros((K,), jnp.int32).at[idx].add(1)
    mean = tot / jnp.maximum(cnt, 1)
    est = jnp.where(cnt > 0, state.est + spec.ema * (mean - state.est), state.est)
    visits = state.visits + cnt
    slots = (state.ptr + jnp.arange(spec.refresh)) % K
    fresh = jax.random.uniform(key, (spec.refresh, 5))
    cand = state.cand.at[slots].set(fresh)
    br = state.br.at[slots].set(br_values_jnp(fresh, table, horizon))
    est = est.at[slots].set(jnp.mean(est))
    visits = visits.at[slots].set(0)
    return SamplerState(cand, br, est, visits, (state.ptr + spec.refresh) % K)
