"""Trained GRU agents as players: the JAX :class:`~solvers.simulate.Policy` adapter and a numpy step.

A :class:`~learners.networks.GRUAgent` consumes, each round, the observation token, its own
previous action and its previous (raw) reward.  Both of the latter follow from the token and
the game (token ``1 + 2*own + other``; reward = the focal payoff of that state), so a trained
agent is fully described by ``(module, params, game)`` and can be simulated, entered in
tournaments, projected into memory-one space (:mod:`learners.projection`) or wrapped for Axelrod.

:class:`NumpyGRU` runs the same recurrent step in numpy: Axelrod asks for one move at a time,
and a jitted JAX call per turn is about ten times slower than a small numpy step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset

from .networks import GRUAgent

__all__ = ["GRUPolicy", "NumpyGRU", "token_inputs"]


def token_inputs(obs: Any, payoffs: Any, xp: Any = jnp) -> tuple[Any, Any]:
    """Previous own action (-1 at the start) and previous raw reward (0 at the start) from tokens."""
    obs = xp.asarray(obs)
    state = xp.clip(obs - 1, 0, 3)
    prev_action = xp.where(obs > 0, state // 2, -1)
    prev_reward = xp.where(obs > 0, xp.asarray(payoffs)[state], 0.0)
    return prev_action, prev_reward


@dataclass(frozen=True)
class GRUPolicy:
    """A trained :class:`GRUAgent` as a :class:`solvers.simulate.Policy`.

    ``params`` are the flax parameters of one agent; ``z`` the opponent-ID vector when the
    agent was trained with that ablation (a zeros vector stands for "a learning co-player").
    ``greedy=True`` plays the most likely action deterministically (useful for trajectory checks);
    ``temperature`` divides the logits (1 = the policy as trained, < 1 sharper, -> 0 greedy).
    """

    module: GRUAgent
    params: Any
    game: Game
    name: str = "gru"
    z: Any = None
    greedy: bool = False
    temperature: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "game", preset(self.game))
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise ParameterError(f"temperature must be a positive number, got {self.temperature!r}")
        if self.module.use_opponent_id and self.z is None:
            raise ParameterError(f"agent {self.name!r} was trained with opponent IDs: pass z")

    def init(self, batch_shape: tuple[int, ...]) -> Any:
        return jnp.zeros(tuple(batch_shape) + (self.module.hidden,))

    def coop_prob(self, carry: Any, obs: jax.Array, t: jax.Array) -> tuple[jax.Array, Any]:
        prev_a, prev_r = token_inputs(obs, self.game.payoffs)
        z = None
        if self.module.use_opponent_id:
            z = jnp.broadcast_to(jnp.asarray(self.z), obs.shape + (jnp.asarray(self.z).shape[-1],))
        h, logits, _ = self.module.apply(self.params, carry, obs, prev_a.astype(jnp.int32), prev_r.astype(carry.dtype), z)
        p = jax.nn.softmax(logits / self.temperature, axis=-1)[..., 0]
        if self.greedy:
            p = (p >= 0.5).astype(p.dtype)
        return p.astype(carry.dtype), h


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class NumpyGRU:
    """The :class:`GRUAgent` step in numpy (float64), for per-turn play outside JAX.

    Reproduces ``flax.linen.GRUCell``:
    ``r = σ(W_ir x + b_ir + W_hr h)``, ``z = σ(W_iz x + b_iz + W_hz h)``,
    ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``, ``h' = (1 - z) ⊙ n + z ⊙ h``.
    """

    weights: dict[str, Any]
    hidden: int
    payoffs: np.ndarray
    use_opponent_id: bool = False
    z: np.ndarray | None = None
    reward_input_scale: float = 1.0
    greedy: bool = False
    temperature: float = 1.0
    _zemb: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_policy(cls, policy: GRUPolicy) -> "NumpyGRU":
        w = jax.tree_util.tree_map(lambda a: np.asarray(a, dtype=np.float64), policy.params)["params"]
        z = None if policy.z is None else np.asarray(policy.z, dtype=np.float64)
        return cls(w, policy.module.hidden, np.asarray(policy.game.payoffs), policy.module.use_opponent_id, z,
                   float(policy.module.reward_input_scale), policy.greedy, float(policy.temperature))

    def initial_state(self) -> np.ndarray:
        return np.zeros(self.hidden)

    def step(self, h: np.ndarray, obs: int) -> tuple[np.ndarray, float]:
        """One round: new hidden state and the probability of cooperating."""
        w = self.weights
        if obs > 0:
            s = obs - 1
            prev_a, prev_r = s // 2, float(self.payoffs[s])
        else:
            prev_a, prev_r = -1, 0.0
        e_obs = w["embed_obs"]["kernel"][obs] + w["embed_obs"]["bias"]
        e_act = (w["embed_action"]["kernel"][prev_a] if prev_a >= 0 else 0.0) + w["embed_action"]["bias"]
        e_rew = w["embed_reward"]["kernel"][0] * (prev_r / self.reward_input_scale) + w["embed_reward"]["bias"]
        parts = [e_obs, e_act, e_rew]
        if self.use_opponent_id:
            parts.append(self.z @ w["embed_opponent_id"]["kernel"] + w["embed_opponent_id"]["bias"])
        x = np.concatenate(parts)
        g = w["gru"]
        r = _sigmoid(x @ g["ir"]["kernel"] + g["ir"]["bias"] + h @ g["hr"]["kernel"])
        zt = _sigmoid(x @ g["iz"]["kernel"] + g["iz"]["bias"] + h @ g["hz"]["kernel"])
        n = np.tanh(x @ g["in"]["kernel"] + g["in"]["bias"] + r * (h @ g["hn"]["kernel"] + g["hn"]["bias"]))
        h_new = (1.0 - zt) * n + zt * h
        y = h_new * _sigmoid(h_new)  # swish
        logits = (y @ w["policy"]["kernel"] + w["policy"]["bias"]) / self.temperature
        m = logits.max()
        e = np.exp(logits - m)
        p = float(e[0] / e.sum())
        if self.greedy:
            p = 1.0 if p >= 0.5 else 0.0
        return h_new, p


