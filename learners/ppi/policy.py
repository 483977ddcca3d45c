"""A trained PPI agent as a :class:`solvers.simulate.Policy` for the toolkit's simulator.

The simulator hands a player only its observation token; for the PPI model that is enough,
because the previous own action and reward follow from the token (``1 + 2 * own + other``).
The carry holds the GRU state and a PRNG key for the Monte Carlo rollouts, so simulated
matches are reproducible from ``seed``.

An agent trained with the opponent-ID ablation (``agent.use_opponent_id``) needs its
conditioning vector: pass it explicitly as ``z`` (``agent.policy(seed, z=...)``): zeros(10) for a
learning co-player, :func:`learners.pool.opponent_id_vector` ``(params)`` for a tabular one.  The
simulator does not tell a policy who its co-player is, so there is no default: without ``z``
the policy is refused with a :class:`ParameterError`.  ``z`` is refused for a plain agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import START_TOKEN
from eqtools.errors import ParameterError
from eqtools.games import preset

from ..networks import OPPONENT_ID_DIM

from .play import act

__all__ = ["PPIPolicy"]


@dataclass(frozen=True, eq=False)
class PPIPolicy:
    """Adapter: ``init(batch_shape)`` / ``coop_prob(carry, obs, t)`` of a :class:`PPIAgent`.

    ``coop_prob`` returns the improved policy's probability of cooperating (with the agent's
    own ``beta``, rollout count and horizon; the episode length is ``agent.horizon``).
    ``z``: the opponent-ID vector ``(10,)`` of the co-player (required iff the agent was trained
    with the opponent-ID ablation), the same for every match.
    """

    agent: Any
    seed: int = 0
    name: str = "PPI"
    z: Any = None
    temperature: float = 1.0  #: divides the improved policy's logits (1 = as trained, < 1 sharper)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise ParameterError(f"temperature must be a positive number, got {self.temperature!r}")
        needs = bool(getattr(self.agent, "use_opponent_id", False))
        if needs and self.z is None:
            raise ParameterError(
                f"PPI agent {self.agent.name!r} was trained with the opponent-ID ablation: give its co-player's "
                f"opponent-ID vector, agent.policy(seed, z=...) (zeros({OPPONENT_ID_DIM}) for a learning co-player, "
                "learners.pool.opponent_id_vector(params) for a tabular one)")
        if not needs and self.z is not None:
            raise ParameterError(f"PPI agent {self.agent.name!r} has no opponent-ID input; do not pass z")
        if self.z is not None:
            z = np.asarray(self.z, np.float32)
            if z.shape != (OPPONENT_ID_DIM,) or not np.all(np.isfinite(z)):
                raise ParameterError(f"z must be a finite vector of shape ({OPPONENT_ID_DIM},), got shape {z.shape}")
            object.__setattr__(self, "z", z)

    def init(self, batch_shape: tuple[int, ...]) -> Any:
        h = jnp.zeros(tuple(batch_shape) + (self.agent.hidden,))
        return h, jax.random.PRNGKey(int(self.seed))

    def coop_prob(self, carry: Any, obs: jax.Array, t: jax.Array) -> tuple[jax.Array, Any]:
        h, key = carry
        shape = obs.shape
        table = jnp.asarray(preset(self.agent.game).payoffs, jnp.float32)
        o = obs.reshape(-1).astype(jnp.int32)
        hf = h.reshape((-1, h.shape[-1])).astype(jnp.float32)
        pa = jnp.where(o == START_TOKEN, -1, (o - 1) // 2)
        pr = jnp.where(o == START_TOKEN, 0.0, table[jnp.maximum(o - 1, 0)])
        key, k = jax.random.split(key)
        z = None if self.z is None else jnp.broadcast_to(jnp.asarray(self.z), (o.shape[0], OPPONENT_ID_DIM))
        hf, logits, _ = act(self.agent.module, self.agent.params, hf, o, pa, pr, jnp.asarray(t, jnp.int32), k,
                            self.agent.spec, int(self.agent.horizon), z)
        p = jax.nn.softmax(logits / self.temperature)[:, 0].reshape(shape)
        return p.astype(h.dtype), (hf.reshape(h.shape).astype(h.dtype), key)
