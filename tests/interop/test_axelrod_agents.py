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
from solvers.simulate import MemoryOnePolicy, play, simulate  # noqa: E402


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


def test_seeded_serial_axelrod_tournament_with_a_learned_agent():
    learned = axelrod_agent_class(_random_agent(5), name="learned")
    players = [learned(), _m1(eq.named("TFT")), axl.Defector(), axl.Random(), _m1(eq.named("WSLS"))]

    def run():
        t = axl.Tournament([p.clone() for p in players], turns=20, repetitions=2, seed=11, game=axelrod_game("paper"))
        return t.play(processes=1, progress_bar=False)

    r1, r2 = run(), run()
    assert r1.scores == r2.scores  # seeded: the learned (stochastic) agent draws from its own generator
    assert any(name.startswith("learned:") for name in r1.ranked_names)
    # Its average score per turn against Defector in Axelrod equals ours in simulation within error.
    pol = _random_agent(5)
    sim = simulate(pol, MemoryOnePolicy(eq.named("ALLD").vector, "alld"), "paper", n=20, matches=2000, seed=0)
    ax = []
    for r in range(200):
        m = axl.Match((learned(), axl.Defector()), turns=20, game=axelrod_game("paper"), seed=100 + r)
        m.play()
        ax.append(np.mean([s for s, _ in m.scores()]))
    ax = np.array(ax)
    se = np.hypot(ax.std(ddof=1) / np.sqrt(ax.size), float(sim.payoff_x_se))
    assert abs(ax.mean() - float(sim.payoff_x)) < 5 * se + 1e-9
