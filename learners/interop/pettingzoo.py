"""The iterated 2x2 game as a PettingZoo ``ParallelEnv`` (optional extra ``eqtools[pettingzoo]``).

PettingZoo ships no iterated matrix game; this adapter lets users of other MARL libraries train
on the same game, payoffs and observation conventions as eqtools' own JAX environment:

* agents ``player_0`` (the focal player X) and ``player_1``;
* actions ``Discrete(2)``: 0 = cooperate, 1 = defect (:mod:`eqtools.conventions`);
* observations: one-hot float32 vectors of length 5 over the tokens
  (start, CC, CD, DC, DD) — the previous round's joint action from the observer's own view;
* rewards: the stage-game payoffs of the round (``(R, S, T, P)`` for X in X's state order);
* ``horizon`` rounds, then every agent is truncated; ``noise`` flips each intended action with
  that probability (trembling hand), drawn from the environment's seeded generator.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from eqtools.conventions import NUM_TOKENS, START_TOKEN, TOKEN_NAMES
from eqtools.errors import ParameterError
from eqtools.games import Game, preset

__all__ = ["IteratedGameParallelEnv", "parallel_env"]


class IteratedGameParallelEnv(ParallelEnv):
    """Iterated symmetric 2x2 game for two agents (see module docstring)."""

    metadata = {"name": "eqtools_iterated_game_v0", "render_modes": ["ansi"], "is_parallelizable": True}

    def __init__(self, game: Game | str = "paper", horizon: int = 100, noise: float = 0.0,
                 render_mode: str | None = None) -> None:
        self.game = preset(game)
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ParameterError(f"horizon must be a positive integer, got {horizon!r}")
        if not (isinstance(noise, (int, float)) and 0.0 <= float(noise) <= 1.0):
            raise ParameterError(f"noise must be a probability in [0, 1], got {noise!r}")
        if render_mode not in (None, "ansi"):
            raise ParameterError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.horizon = int(horizon)
        self.noise = float(noise)
        self.render_mode = render_mode
        self.possible_agents = ["player_0", "player_1"]
        self.agents: list[str] = []
        self._rng = np.random.default_rng()
        self._t = 0
        self._last: tuple[int, int] | None = None
        self._rx = self.game.payoffs
        self._ry = self.game.payoffs_coplayer

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Space:
        return spaces.Box(low=0.0, high=1.0, shape=(NUM_TOKENS,), dtype=np.float32)

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Space:
        return spaces.Discrete(2)

    def _obs(self, token: int) -> np.ndarray:
        o = np.zeros(NUM_TOKENS, dtype=np.float32)
        o[token] = 1.0
        return o

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self._t = 0
        self._last = None
        obs = {a: self._obs(START_TOKEN) for a in self.agents}
        return obs, {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.agents:
            raise ParameterError("step() called on a finished episode; call reset() first")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ParameterError(f"actions missing for {missing}")
        acts = []
        for a in self.possible_agents:
            v = int(actions[a])
            if v not in (0, 1):
                raise ParameterError(f"action of {a} must be 0 (C) or 1 (D), got {actions[a]!r}")
            acts.append(v)
        if self.noise > 0:
            flips = self._rng.random(2) < self.noise
            acts = [a ^ int(f) for a, f in zip(acts, flips)]
        ax, ay = acts
        sx, sy = 2 * ax + ay, 2 * ay + ax
        self._t += 1
        self._last = (ax, ay)
        rewards = {"player_0": float(self._rx[sx]), "player_1": float(self._ry[sx])}
        obs = {"player_0": self._obs(1 + sx), "player_1": self._obs(1 + sy)}
        done = self._t >= self.horizon
        terminations = {a: False for a in self.agents}
        truncations = {a: done for a in self.agents}
        infos = {a: {"round": self._t, "actions": (ax, ay) if a == "player_0" else (ay, ax)} for a in self.agents}
        if done:
            self.agents = []
        if self.render_mode == "ansi":
            print(self.render())
        return obs, rewards, terminations, truncations, infos

    def render(self) -> str | None:
        if self.render_mode is None:
            return None
        if self._last is None:
            return f"round 0/{self.horizon}: start"
        return f"round {self._t}/{self.horizon}: {TOKEN_NAMES[1 + 2 * self._last[0] + self._last[1]]}"

    def close(self) -> None:
        pass


def parallel_env(**kwargs: Any) -> IteratedGameParallelEnv:
    """PettingZoo-style constructor."""
    return IteratedGameParallelEnv(**kwargs)
