"""Learned agents as ``axelrod.Player``s (optional extra ``eqtools[axelrod]``).

Axelrod asks for one move per turn, so the recurrent step runs in numpy
(:class:`learners.policies.NumpyGRU`): no JAX arrays live on the player instance (they would
break cloning/pickling and a jitted call per turn is ~10x slower).  Every checkpoint gets a
unique ``name`` (Axelrod caches results by name): the given label plus a hash of the weights.
Stochastic moves are drawn with the player's own generator (``self._random``), so Axelrod's
seeding makes matches reproducible.
"""

from __future__ import annotations

import hashlib
import sys

import jax
import numpy as np

from eqtools.interop.axelrod import _axl, _move, _player_class, axelrod_game

from ..policies import GRUPolicy, NumpyGRU

__all__ = ["axelrod_agent_class", "axelrod_game"]


def _weights_digest(policy: GRUPolicy) -> str:
    h = hashlib.sha1()
    for leaf in jax.tree_util.tree_leaves(policy.params):
        h.update(np.asarray(leaf, dtype=np.float64).tobytes())
    h.update(repr((policy.module, policy.greedy, policy.game.to_dict())).encode())
    return h.hexdigest()[:10]


def axelrod_agent_class(policy: GRUPolicy, name: str | None = None) -> type:
    """An ``axelrod.Player`` subclass (no constructor arguments) playing the trained agent."""
    from eqtools.validation import instance_of

    instance_of("policy", policy, GRUPolicy, "trained GRU policy (learners.policies.GRUPolicy)")
    axl = _axl()
    net = NumpyGRU.from_policy(policy)
    digest = _weights_digest(policy)
    label = f"{name or policy.name}:{digest}"
    C, D = axl.Action.C, axl.Action.D

    def __init__(self):
        axl.Player.__init__(self)
        self._h = net.initial_state()

    def strategy(self, opponent):
        if not self.history:
            self._h = net.initial_state()
            obs = 0
        else:
            own = 0 if self.history[-1] == C else 1
            other = 0 if opponent.history[-1] == C else 1
            obs = 1 + 2 * own + other
        self._h, p = net.step(self._h, obs)
        return _move(self, p, C, D)

    return _player_class("EqtoolsAgent_" + digest, label, memory_depth=float("inf"), stochastic=not policy.greedy,
                         attrs={"__init__": __init__, "strategy": strategy, "__doc__": f"eqtools learned agent {label}"},
                         module=sys.modules[__name__])
