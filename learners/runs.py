"""Trained agents as policies: load them from run directories and agent files, and play them at
another temperature.

* :func:`load_a2c_pair` / :func:`load_a2c_agent`: the GRU A2C learners of one seed of an
  ``eqtools train a2c`` run directory (or a mechanism step);
* :func:`load_ppi_agents` / :func:`load_ppi_agent`: saved PPI agents (``PPIAgent.save``
  pickles), refused by name when the file is damaged or not a PPI agent;
* :func:`sharpened`: a GRU or PPI policy at another temperature (0 = greedy).

Used by ``eqtools verify`` (:mod:`learners.verification`) and the regret study.  (Moved here
from ``studies/verify.py`` and ``studies/regret.py``, which re-export these names for one
release.)
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.errors import FileFormatError, ParameterError
from eqtools.games import preset
from eqtools.validation import IsSequence, NonNegative, PathLike, Seed, finite, validated
from solvers.simulate import Policy

__all__ = ["load_a2c_pair", "load_ppi_agents", "load_a2c_agent", "load_ppi_agent", "sharpened"]


@validated
def load_a2c_pair(run_dir: Annotated[str | Path, PathLike], seed_index: Annotated[int, NonNegative] = 0) -> tuple[list[Policy], dict[str, Any]]:
    """The two trained GRU A2C learners of one seed of a ``eqtools train a2c`` run directory.

    Agents trained with the opponent-ID ablation are given ``z = 0`` (the paper's conditioning
    for a learning co-player) when they are projected.
    """
    import jax

    from learners.policies import GRUPolicy
    from learners.a2c.checkpoint import load_checkpoint_state
    from learners.a2c.core import agent_module

    run = Path(run_dir)
    cfg, state = load_checkpoint_state(run)
    if not 0 <= seed_index < cfg.seeds:
        raise ParameterError(f"seed_index must lie in [0, {cfg.seeds}), got {seed_index}")
    module = agent_module(cfg)
    z = np.zeros(2 * 5, dtype=np.float32) if module.use_opponent_id else None
    agents: list[Policy] = []
    for i in range(2):
        p = jax.tree_util.tree_map(lambda a: np.asarray(a)[seed_index, i], state["params"])
        agents.append(GRUPolicy(module, p, preset(cfg.game), name=f"a2c{i + 1}-seed{cfg.seed + seed_index}", z=z))
    meta = {"run_dir": str(run), "learner": "a2c", "iteration": int(state["iteration"]), "seed": cfg.seed + seed_index,
            "ablation": cfg.ablation, "game": cfg.game, "horizon": cfg.horizon}
    return agents, meta


def __getattr__(name: str) -> Any:
    if name == "_PPI_AGENT_KEYS":  # the keys of a saved PPI agent; one home: learners.ppi.agent.AGENT_KEYS
        from learners.ppi.agent import AGENT_KEYS

        return AGENT_KEYS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@validated
def load_ppi_agents(paths: Annotated[Sequence[str | Path], IsSequence], seed: Annotated[int, Seed] = 0) -> tuple[list[Policy], dict[str, Any]]:
    """One or two saved PPI agents (``PPIAgent.save`` pickles, e.g. a mechanism step's
    ``agent_0.pkl`` and the ``fixed_icl.pkl``) as policies."""
    from learners.ppi.train import PPIAgent

    from eqtools.validation import path_like

    paths = [path_like(f"paths[{i}]", p) for i, p in enumerate(paths)]
    if not 1 <= len(paths) <= 2:
        raise ParameterError(f"give one or two PPI agent files, got {len(paths)}")
    agents: list[Policy] = []
    games = set()
    horizons = set()
    for i, p in enumerate(paths):
        try:
            a = PPIAgent.load(p)  # validated (learners.checkpoint): damaged files are refused by name
        except (TypeError, KeyError, ValueError) as exc:
            raise FileFormatError(f"PPI agent file {str(p)!r} does not hold a saved PPI agent: {exc}") from None
        games.add(a.game)
        horizons.add(int(a.horizon))
        label = f"{p.parent.name}/{p.stem}" if p.parent.name else p.stem
        agents.append(a.policy(seed=seed + i, name=label))
    if len(games) != 1 or len(horizons) != 1:
        raise ParameterError(f"the agents were trained on different games/horizons: {games}, {horizons}")
    meta = {"learner": "ppi", "agents": [str(p) for p in paths], "game": games.pop(), "horizon": horizons.pop(),
            "seed": seed, "ablation": "n/a", "iteration": "n/a"}
    return agents, meta


def sharpened(policy: Any, temperature: float) -> Any:
    """``policy`` at another temperature (0 = greedy); GRU (A2C) and PPI policies."""
    if not hasattr(policy, "name"):
        raise ParameterError(f"cannot change the temperature of {type(policy).__name__}: give a GRU or PPI policy")
    t = finite("temperature", temperature)
    if t < 0:
        raise ParameterError(f"temperature must be >= 0, got {temperature!r}")
    if t == 1.0:
        return policy
    suffix = "greedy" if t == 0 else f"T={t:g}"
    name = f"{policy.name} {suffix}"
    if hasattr(policy, "greedy"):  # GRUPolicy
        return replace(policy, greedy=True, name=name) if t == 0 else replace(policy, temperature=t, name=name)
    if hasattr(policy, "temperature"):  # PPIPolicy: a very low temperature stands for greedy
        return replace(policy, temperature=max(t, 1e-4), name=name)
    raise ParameterError(f"cannot change the temperature of {type(policy).__name__}")


@validated
def load_a2c_agent(run_dir: Annotated[str | Path, PathLike], seed_index: Annotated[int, NonNegative] = 0, learner: int = 0) -> tuple[Any, dict[str, Any]]:
    """One learner of an A2C run directory (``eqtools train a2c`` or a mechanism step) as a policy."""
    agents, meta = load_a2c_pair(run_dir, seed_index)
    if learner not in (0, 1):
        raise ParameterError(f"learner must be 0 or 1, got {learner}")
    return agents[learner], meta


@validated
def load_ppi_agent(path: Annotated[str | Path, PathLike], seed: Annotated[int, Seed] = 0) -> tuple[Any, dict[str, Any]]:
    """One saved PPI agent (a ``PPIAgent.save`` pickle) as a policy, with its metadata."""
    agents, meta = load_ppi_agents([path], seed=seed)
    return agents[0], meta
