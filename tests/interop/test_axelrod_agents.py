"""A GRU agent as a Policy, as a numpy step, and as an axelrod.Player — all three agree."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

axl = pytest.importorskip("axelrod", reason="the axelrod extra is not installed (pip install -e '.[axelrod]')")
from axelrod.tests.strategies.test_player import TestPlayer as _AxelrodTestPlayer  # noqa: E402

import eqtools as eq  # noqa: E402
from learners.interop.axelrod_agents import axelrod_agent_class, axelrod_game  # noqa: E402
from learners.networks import GRUAgent, init_agent_params  # noqa: E402
from learners.policies import GRUPolicy, NumpyGRU  # noqa: E402
from solvers.simulate import MemoryOnePolicy, play  # noqa: E402


def _random_agent(seed, greedy=False, hidden=16):
    module = GRUAgent(hidden=hidden, embed=8, reward_input_scale=2.0)
    params = init_agent_params(module, jax.random.PRNGKey(seed))
    # Scale the policy head up so decisions are not all ~0.5 (init uses a tiny orthogonal scale).
    params = jax.tree_util.tree_map(lambda a: a, params)
    params["params"]["policy"]["kernel"] = params["params"]["policy"]["kernel"] * 300.0
    return GRUPolicy(module, params, eq.preset("paper"), name=f"gru{seed}", greedy=greedy)


def test_numpy_step_matches_flax():
    pol = _random_agent(0)
    net = NumpyGRU.from_policy(pol)
    rng = np.random.default_rng(0)
    tokens = np.concatenate([[0], rng.integers(1, 5, size=30)])
    h_np = net.initial_state()
    with jax.enable_x64(False):
        h = pol.init(())
        for t, tok in enumerate(tokens):
            p, h = pol.coop_prob(h, jnp.asarray(tok), jnp.asarray(t))
            h_np, p_np = net.step(h_np, int(tok))
            assert abs(float(p) - p_np) < 1e-5
            assert np.allclose(np.asarray(h), h_np, atol=1e-5)
    ps = [net.step(net.initial_state(), k)[1] for k in range(5)]
    assert max(ps) - min(ps) > 0.05  # the check above is not vacuous: decisions depend on inputs


class TestGRUAgentPlayer(_AxelrodTestPlayer):
    player = axelrod_agent_class(_random_agent(1), name="test-gru")
    name = player.name
    expected_classifier = {
        "memory_depth": float("inf"), "stochastic": True, "makes_use_of": set(), "long_run_time": False,
        "inspects_source": False, "manipulates_source": False, "manipulates_state": False,
    }


def test_unique_names_per_checkpoint():
    a = axelrod_agent_class(_random_agent(2), name="agent")
    b = axelrod_agent_class(_random_agent(3), name="agent")
    assert a.name != b.name and a.name.startswith("agent:")


def test_greedy_agent_same_trajectory_in_axelrod_and_ours():
    pol = _random_agent(4, greedy=True)
    cls = axelrod_agent_class(pol, name="greedy")
    lib = eq.library("paper")
    for opp in ("TFT", "Alternator", "WSLS", "ALLD"):
        m = axl.Match((cls(), _m1(lib[opp])), turns=40, game=axelrod_game("paper"), seed=3)
        m.play()
        ours = play(pol, MemoryOnePolicy(lib[opp].vector, opp), "paper", n=40, matches=1, seed=0)
        ax_actions = np.array([0 if a == axl.Action.C else 1 for a, _ in m.result])
        assert np.array_equal(ours.a_x[0], ax_actions), opp


def _m1(strategy):
    from eqtools.interop.axelrod import axelrod_player

    return axelrod_player(strategy)
