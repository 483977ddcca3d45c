"""A trained PPI agent as a :class:`solvers.simulate.Policy` for the toolkit's simulator.

The simulator hands a player only its observation token; for the PPI model that is enough,
because the previous own action and reward follow from the token (``1 + 2 * own + other``).
The carry holds the GRU state and a PRNG key for the Monte Carlo rollouts, so simulated
matches are reproducible from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from eqtools.conventions import START_TOKEN
from eqtools.games import preset

from .play import act

__all__ = ["PPIPolicy"]


@dataclass(frozen=True, eq=False)
class PPIPolicy:
    """Adapter: ``init(batch_shape)`` / ``coop_prob(carry, obs, t)`` of a :class:`PPIAgent`.

    ``coop_prob`` returns the improved policy's probability of cooperating (with the agent's
    own ``beta``, rollout count and horizon; the episode length is ``agent.horizon``).
    """

    agent: Any
    seed: int = 0
    name: str = "PPI"

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
        hf, logits, _ = act(self.agent.module, self.agent.params, hf, o, pa, pr, jnp.asarray(t, jnp.int32), k,
                            self.agent.spec, int(self.agent.horizon))
        p = jax.nn.softmax(logits)[:, 0].reshape(shape)
        return p.astype(h.dtype), (hf.reshape(h.shape).astype(h.dtype), key)
