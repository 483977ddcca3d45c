"""Projection of policies into memory-one space, validated on agents whose answer is known."""

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import ParameterError
from learners.projection import default_probes, kl_bernoulli, project
from solvers.simulate import MemoryOnePolicy


@dataclass(frozen=True)
class DelayedTFT:
    """Memory-two: cooperate iff the co-player cooperated two rounds ago (C in rounds 0 and 1)."""

    name: str = "delayed-TFT"

    def init(self, batch_shape):
        return jnp.zeros(batch_shape, dtype=jnp.int32)  # previous observation token

    def coop_prob(self, carry, obs, t):
        prev = carry  # token seen one step earlier = outcome two rounds ago
        other_defected = (prev >= 1) & ((prev - 1) % 2 == 1)
        p = jnp.where(other_defected, 0.0, 1.0)
        return p, obs


@dataclass(frozen=True)
class TF2T:
    """Memory-two: defect only if the co-player defected in both of the last two rounds."""

    name: str = "TF2T"

    def init(self, batch_shape):
        return jnp.zeros(batch_shape, dtype=jnp.int32)

    def coop_prob(self, carry, obs, t):
        d_now = (obs >= 1) & ((obs - 1) % 2 == 1)
        d_prev = (carry >= 1) & ((carry - 1) % 2 == 1)
        return jnp.where(d_now & d_prev, 0.0, 1.0), obs


def test_kl_bernoulli_reference_values():
    assert kl_bernoulli(np.array(0.5), np.array(0.5)) == pytest.approx(0.0)
    # Hand-computed: 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5).
    assert kl_bernoulli(np.array(0.9), np.array(0.5)) == pytest.approx(0.9 * np.log(1.8) + 0.1 * np.log(0.2))
    assert kl_bernoulli(np.array(1.0), np.array(0.25)) == pytest.approx(np.log(4))


def test_memory_one_agent_is_recovered():
    truth = eq.MemoryOne(0.8, (0.9, 0.15, 0.7, 0.35), name="truth")
    agent = MemoryOnePolicy(truth.vector, "agent")
    pr = project(agent, "paper", matches=200, n=60, seed=1)
    # The query estimate of a memory-one agent is exact wherever a context was visited.
    assert np.allclose(pr.query, truth.vector, atol=1e-12)
    # The counting estimate agrees within sampling error.
    z = (pr.counting - truth.vector) / pr.counting_se
    assert np.all(np.abs(z) < 5), z
    assert pr.kl_gap < 1e-10
    # Per-probe payoffs of the agent agree with the exact payoffs of its projection.
    for p in pr.probes:
        assert abs(p.payoff_gap) < 5 * p.agent_payoff_se + 1e-9, p


def test_memory_two_agents_show_large_projection_error():
    for agent in (DelayedTFT(), TF2T()):
        pr = project(agent, "paper", matches=200, n=60, seed=2)
        assert pr.kl_gap > 0.05, (agent.name, pr.kl_gap)
        # and the projection's payoffs fail to match the agent's against some probe
        worst = max(pr.probes, key=lambda p: abs(p.payoff_gap))
        assert abs(worst.payoff_gap) > 10 * max(worst.agent_payoff_se, 1e-3), (agent.name, worst)


def test_per_probe_and_block_profiles_and_errors():
    agent = MemoryOnePolicy(eq.named("WSLS").vector, "wsls")
    pr = project(agent, "paper", probes=default_probes("paper", n_random=2), matches=8, n=30, blocks=(0, 5, 20))
    assert pr.by_block.shape == (3, 5)
    assert pr.strategy.vector.tolist() == [1, 1, 0, 0, 1]
    assert {p.name for p in pr.probes} >= {"ALLC", "ALLD", "TFT"}
    with pytest.raises(ParameterError, match="blocks"):
        project(agent, "paper", matches=8, n=30, blocks=(5, 10))
    with pytest.raises(ParameterError, match="matches"):
        project(agent, "paper", matches=2)
