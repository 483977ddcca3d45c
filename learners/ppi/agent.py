"""A frozen PPI agent (:class:`PPIAgent`): model parameters and the improvement it acts with;
saved and loaded as a pickled dict.

Moved out of :mod:`learners.ppi.train` (issue 23); that module re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from ..checkpoint import write_run_file
from ..env import DEFAULT_HORIZON
from .config import PPIConfig
from .model import SequenceModel, init_model
from .play import ImprovementSpec

__all__ = ["PPIAgent"]

#: Fields every saved agent holds (``name`` and ``use_opponent_id`` are optional: old files lack them).
AGENT_KEYS: tuple[str, ...] = ("hidden", "embed", "reward_input_scale", "params", "spec", "game", "horizon")


@dataclass
class PPIAgent:
    """A frozen PPI agent: model parameters + the improvement it acts with.

    ``use_opponent_id``: the model was trained with the opponent-ID ablation and reads the
    co-player's vector ``z`` at every step (saved and loaded with the agent; files written
    before the flag existed load as ``False``)."""

    hidden: int
    embed: int
    reward_input_scale: float
    params: Any
    spec: ImprovementSpec
    game: str = "paper"
    horizon: int = DEFAULT_HORIZON
    name: str = "PPI"
    use_opponent_id: bool = False

    @property
    def module(self) -> SequenceModel:
        return SequenceModel(hidden=self.hidden, embed=self.embed, reward_input_scale=self.reward_input_scale,
                             use_opponent_id=bool(self.use_opponent_id))

    def save(self, path: str | Path) -> None:
        d = {"hidden": self.hidden, "embed": self.embed, "reward_input_scale": self.reward_input_scale,
             "params": jax.device_get(self.params), "spec": tuple(self.spec), "game": self.game,
             "horizon": self.horizon, "name": self.name, "use_opponent_id": bool(self.use_opponent_id)}
        write_run_file(path, d)

    @classmethod
    def load(cls, path: str | Path) -> "PPIAgent":
        """Read a saved agent, checked against its schema (:mod:`learners.checkpoint`): the fields
        :meth:`save` writes, integer sizes, and a present, non-empty, finite parameter tree with the
        shapes of the saved model.  :class:`~eqtools.errors.FileFormatError` names file and field."""
        from eqtools.errors import FileFormatError

        from ..checkpoint import Schema, check_params, read_run_file

        what = "PPI agent file"
        d = read_run_file(path, Schema(what, AGENT_KEYS, counters=("hidden", "embed", "horizon"),
                                       params=("params",)))
        unknown = sorted(set(d) - set(AGENT_KEYS) - {"name", "use_opponent_id"})
        if unknown:
            raise FileFormatError(f"{what} {str(path)!r} has unknown field(s) {unknown}")
        try:
            d["spec"] = ImprovementSpec(*d["spec"])
            agent = cls(**d)
            template = jax.eval_shape(lambda: init_model(agent.module, jax.random.PRNGKey(0)))
        except FileFormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged field of any kind
            raise FileFormatError(f"{what} {str(path)!r} does not hold a saved PPI agent: {type(exc).__name__}: {exc}") from None
        check_params(path, d["params"], what=what, template=template)
        return cls(**{**d, "params": jax.tree_util.tree_map(jnp.asarray, d["params"])})

    def policy(self, seed: int = 0, name: str | None = None, z: Any = None, temperature: float = 1.0):
        """This agent as a :class:`solvers.simulate.Policy` (see :mod:`learners.ppi.policy`).

        ``z`` (10,): the co-player's opponent-ID vector — required for an opponent-ID agent
        (zeros for a learning co-player, :func:`learners.pool.opponent_id_vector` of a tabular
        one's parameters), refused otherwise (:class:`ParameterError`)."""
        from .policy import PPIPolicy

        return PPIPolicy(self, seed=seed, name=name or self.name, z=z, temperature=temperature)



def _agent_from(cfg: PPIConfig, params: Any, name: str) -> PPIAgent:
    m = cfg.module()
    return PPIAgent(m.hidden, m.embed, m.reward_input_scale, params, cfg.spec, cfg.game, cfg.horizon, name,
                    m.use_opponent_id)
