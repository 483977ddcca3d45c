"""Agents of every kind through ``as_policy`` and the host loop, checked against independent
references: the exact solvers (payoffs of memory-one play, with noise), Axelrod's own ``Match``
engine, and a second implementation of the same rule that must agree draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import EqtoolsError, InvalidProbabilityError, ParameterError
from eqtools.strategies import MemoryOne, named
from learners.agents import ACCEPTED, AxelrodAgent, CallableAgent, FlaxPolicy, as_policy, axelrod_by_name
from learners.host import HostAgent, host_play, play_any, simulate_any
from learners.projection import project
from learners.regret import default_panel, evaluate_regret
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy

Q = np.array([0.8, 0.9, 0.2, 0.7, 0.3])  # a stochastic memory-one co-player


def tft(own, other):
    return 1.0 if len(other) == 0 or other[-1] == 0 else 0.0


def tf2t(own, other):
    return 0.0 if len(other) >= 2 and other[-1] == 1 and other[-2] == 1 else 1.0


def tf2t_batched(own, other):
    if own.shape[1] < 2:
        return np.ones(own.shape[0])
    return np.where((other[:, -1] == 1) & (other[:, -2] == 1), 0.0, 1.0)


def within(sim, se, exact, k=4.0):
    return abs(float(sim) - float(exact)) <= k * float(se) + 1e-12


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_python_function_matches_the_exact_payoffs(noise):
    s = simulate_any(as_policy(tft), MemoryOnePolicy(Q), "paper", n=40, matches=3000, seed=3, noise=noise)
    ex = finite_horizon(named("TFT").vector, Q, "paper", 40, noise=noise)
    assert within(s.payoff_x, s.payoff_x_se, ex.payoff_x) and within(s.payoff_y, s.payoff_y_se, ex.payoff_y)
    assert within(s.coop_x, s.coop_x_se, ex.coop_x)
    assert "host loop" in s.criterion and s.noise == noise


def test_host_and_jax_loops_agree_in_distribution_for_a_memory_one_agent():
    """The same memory-one strategy played as a Python function (host) and as a JAX policy."""
    p = np.array([0.6, 0.7, 0.1, 0.5, 0.4])

    def m1(own, other):
        return p[0] if len(own) == 0 else p[1 + 2 * own[-1] + other[-1]]

    h = simulate_any(as_policy(m1), MemoryOnePolicy(Q), "paper", n=30, matches=4000, seed=1, noise=0.05)
    j = simulate_any(MemoryOnePolicy(p), MemoryOnePolicy(Q), "paper", n=30, matches=4000, seed=1, noise=0.05)
    ex = finite_horizon(p, Q, "paper", 30, noise=0.05)
    assert within(h.payoff_x, h.payoff_x_se, ex.payoff_x) and within(j.payoff_x, j.payoff_x_se, ex.payoff_x)
    assert "host loop" in h.criterion and "host loop" not in j.criterion


def test_batched_and_per_match_callables_play_identical_matches():
    a = host_play(as_policy(tf2t), MemoryOnePolicy(Q), "paper", n=25, matches=50, seed=9, noise=0.05)
    b = host_play(as_policy(tf2t_batched, batched=True), MemoryOnePolicy(Q), "paper", n=25, matches=50, seed=9, noise=0.05)
    for f in ("a_x", "a_y", "p_x", "tokens_x", "intended_x"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    # same seed, same numbers; another seed, other numbers
    c = host_play(as_policy(tf2t), MemoryOnePolicy(Q), "paper", n=25, matches=50, seed=9, noise=0.05)
    d = host_play(as_policy(tf2t), MemoryOnePolicy(Q), "paper", n=25, matches=50, seed=10, noise=0.05)
    np.testing.assert_array_equal(a.a_y, c.a_y)
    assert not np.array_equal(a.a_y, d.a_y)


def test_callable_sees_read_only_history_of_its_own_match():
    seen = []

    def spy(own, other):
        seen.append((own.copy(), other.copy()))
        with pytest.raises(ValueError):
            own[...] = 0  # read-only view
        return 1.0

    tr = host_play(as_policy(spy), MemoryOnePolicy(named("ALLD").vector), "paper", n=3, matches=2, seed=0)
    # the last call of round 2 is match 1: it saw its own two rounds (C, C) against (D, D)
    own, other = seen[-1]
    np.testing.assert_array_equal(own, tr.a_x[1, :2])
    np.testing.assert_array_equal(other, [1, 1])


# ----------------------------------------------------------------------------- Axelrod

def _axelrod_match_mean(player_cls, coplayer_cls, n, reps, noise, game):
    """Axelrod's own engine: mean payoff per round of player over ``reps`` seeded matches."""
    import axelrod as axl

    from eqtools.interop.axelrod import axelrod_game

    vals = []
    for r in range(reps):
        m = axl.Match((player_cls(), coplayer_cls()), turns=n, noise=noise, game=axelrod_game(game), seed=1000 + r)
        m.play()
        vals.append(np.mean([s[0] for s in m.scores()]))
    vals = np.asarray(vals)
    return vals.mean(), vals.std(ddof=1) / np.sqrt(reps)


@pytest.mark.parametrize("name", ["Tit For 2 Tats", "Grudger", "Forgiving Tit For Tat"])
def test_axelrod_player_matches_axelrods_own_engine_with_noise(name):
    import axelrod as axl

    from eqtools.interop.axelrod import from_axelrod

    cls = axelrod_by_name(name)
    co = from_axelrod(axl.GTFT, "paper")  # a stochastic memory-one co-player, exact vector for this game
    s = simulate_any(as_policy(cls), MemoryOnePolicy(co.vector), "paper", n=30, matches=800, seed=2, noise=0.05)
    m, se = _axelrod_match_mean(cls, axl.GTFT, 30, 300, 0.05, "paper")
    assert abs(s.payoff_x - m) <= 4 * np.hypot(s.payoff_x_se, se), (s.payoff_x, m)


def test_stochastic_axelrod_player_seeded_and_action_only():
    import axelrod as axl

    from eqtools.interop.axelrod import from_axelrod

    agent = as_policy(axl.GTFT)  # stochastic: draws with its own seeded generator
    assert isinstance(agent, AxelrodAgent) and agent.stochastic and not agent.exposes_probabilities
    vec = from_axelrod(axl.GTFT, "paper").vector
    s = simulate_any(agent, MemoryOnePolicy(Q), "paper", n=30, matches=2000, seed=4)
    ex = finite_horizon(vec, Q, "paper", 30)
    assert within(s.payoff_x, s.payoff_x_se, ex.payoff_x)
    a = host_play(agent, MemoryOnePolicy(Q), "paper", n=10, matches=20, seed=5)
    b = host_play(agent, MemoryOnePolicy(Q), "paper", n=10, matches=20, seed=5)
    np.testing.assert_array_equal(a.a_x, b.a_x)
    pr = project(agent, "paper", n=20, matches=40, seed=0)
    assert np.isnan(pr.kl_gap) and not pr.probabilities_exposed
    np.testing.assert_allclose(pr.query, pr.counting, equal_nan=True)


def test_axelrod_names_and_refusals():
    import axelrod as axl

    assert axelrod_by_name("tit for 2 tats") is axl.TitFor2Tats and axelrod_by_name("TitFor2Tats") is axl.TitFor2Tats
    with pytest.raises(ParameterError, match="did you mean 'Tit For 2 Tats'"):
        axelrod_by_name("Tit For 2 Tat")
    with pytest.raises(ParameterError, match="Darwin.*classified"):
        as_policy(axl.Darwin)


def test_grudger_and_grim_told_apart_only_with_noise():
    """Memory-one GRIM defects after its own accidental defection; Axelrod's Grudger remembers
    only the co-player's defections.  Without noise their projections coincide; with noise
    Grudger keeps defecting in CC after a past defection of the co-player (p_CC < 1)."""
    kw = dict(n=30, matches=64, seed=0)
    grudger0 = project(axelrod_by_name("Grudger"), "paper", **kw)
    grim0 = project(named("GRIM"), "paper", **kw)
    np.testing.assert_array_equal(grudger0.strategy.vector, grim0.strategy.vector)
    grudger = project(axelrod_by_name("Grudger"), "paper", noise=0.05, **kw)
    grim = project(named("GRIM"), "paper", noise=0.05, **kw)
    assert grim.strategy.vector[1] == 1.0 and grudger.strategy.vector[1] < 0.9
    assert grudger.kl_gap > 0.05 and grim.kl_gap < 1e-9


# ----------------------------------------------------------------------------- modules

def test_flax_feedforward_module_recovers_its_memory_one_vector():
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    vec = np.array([0.9, 0.8, 0.1, 0.6, 0.3])

    class Table(nn.Module):
        @nn.compact
        def __call__(self, obs):
            logit = self.param("logit", lambda k: jnp.log(vec / (1 - vec)))
            return logit[obs]

    mod = Table()
    params = mod.init(jax.random.PRNGKey(0), jnp.zeros(3, jnp.int32))
    pol = as_policy(mod, params=params, output="logit", name="table")
    assert isinstance(pol, FlaxPolicy)
    pr = project(pol, "paper", n=20, matches=16, seed=0)
    np.testing.assert_allclose(pr.query, vec, atol=1e-6)
    with pytest.raises(ParameterError, match="params"):
        as_policy(mod)


def test_flax_recurrent_cell_plays_tf2t_like_the_python_function():
    import flax.linen as nn
    import jax.numpy as jnp

    class TF2TCell(nn.Module):
        """carry: the previous token; defect when the co-player defected in both of the last two rounds."""

        @nn.compact
        def __call__(self, carry, obs):
            d_now = (obs >= 1) & ((obs - 1) % 2 == 1)
            d_before = (carry >= 1) & ((carry - 1) % 2 == 1)
            return obs, jnp.where(d_now & d_before, 0.0, 1.0)

    pol = as_policy(TF2TCell(), params={}, init_carry=lambda shape: jnp.zeros(shape, jnp.int32), output="prob")
    a = project(pol, "paper", n=20, matches=32, seed=1)
    b = project(tf2t, "paper", n=20, matches=32, seed=1)
    # a JAX policy and a host function are simulated with different random streams: compare in distribution
    assert a.kl_gap > 0.05 and b.kl_gap > 0.05
    assert np.max(np.abs(a.query - b.query)) < 0.15


def test_torch_modules_feedforward_and_recurrent():
    torch = pytest.importorskip("torch", reason="torch is not installed (optional extra: pip install 'eqtools[torch]')")
    from learners.agents import TorchAgent

    class TFTNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.logits = torch.nn.Embedding(5, 2)  # per token: logits over (C, D)
            with torch.no_grad():
                self.logits.weight.copy_(torch.tensor([[9.0, -9], [9, -9], [-9, 9], [9, -9], [-9, 9]]) * 10)

        def forward(self, obs):
            return self.logits(obs)

    class TF2TNet(torch.nn.Module):
        def forward(self, obs, h):
            prev = torch.zeros_like(obs) if h is None else h
            d_now = (obs >= 1) & ((obs - 1) % 2 == 1)
            d_before = (prev >= 1) & ((prev - 1) % 2 == 1)
            return torch.where(d_now & d_before, 0.0, 1.0).double(), obs

    ff = as_policy(TFTNet())
    assert isinstance(ff, TorchAgent) and not ff.recurrent
    a = host_play(ff, MemoryOnePolicy(Q), "paper", n=20, matches=30, seed=2)
    b = host_play(as_policy(tft), MemoryOnePolicy(Q), "paper", n=20, matches=30, seed=2)
    np.testing.assert_array_equal(a.a_x, b.a_x)
    rec = as_policy(TF2TNet(), output="prob")
    assert rec.recurrent
    c = host_play(rec, MemoryOnePolicy(Q), "paper", n=20, matches=30, seed=3, noise=0.1)
    d = host_play(as_policy(tf2t), MemoryOnePolicy(Q), "paper", n=20, matches=30, seed=3, noise=0.1)
    np.testing.assert_array_equal(c.a_x, d.a_x)
    np.testing.assert_array_equal(c.p_x, d.p_x)


# ----------------------------------------------------------------------------- one call each

def test_verification_functions_take_every_kind_directly():
    import axelrod as axl

    panel = default_panel("paper", random=3, library_names=("TFT", "ALLD"), heldout=())
    for agent in (tft, axl.TitFor2Tats, axl.TitFor2Tats(), named("WSLS"), MemoryOnePolicy(named("TFT").vector, "tft-jax")):
        pr = project(agent, "paper", n=12, matches=8, seed=0)
        assert pr.strategy.vector.shape == (5,)
        rep = evaluate_regret(agent, panel, "paper", n=12, matches=4, seed=0)
        assert np.all(np.isfinite(rep.regret))


def test_verify_agents_in_one_call_for_each_kind():
    """verify_agents takes each kind as it is: a Python function, an Axelrod player (stochastic
    too), a flax module's policy, a torch module (when installed) and a MemoryOne."""
    import axelrod as axl
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    from learners.projection import default_probes
    from learners.verification import verify_agents

    class Table(nn.Module):
        @nn.compact
        def __call__(self, obs):
            return self.param("logit", lambda k: jnp.array([3.0, 3.0, -3.0, 3.0, -3.0]))[obs]

    kinds = {"tft": tft, "Tit For 2 Tats": axl.TitFor2Tats(), "GTFT": axl.GTFT,
             "flax": as_policy(Table(), params=Table().init(jax.random.PRNGKey(0), jnp.zeros(2, jnp.int32)),
                               output="logit", name="flax"),
             "WSLS": named("WSLS")}
    try:
        import torch

        torch.manual_seed(0)
        kinds["Sequential"] = torch.nn.Sequential(torch.nn.Embedding(5, 2))  # two logits per token
    except ImportError:
        pass
    probes = default_probes("paper", n_random=1, seed=0)
    for label, agent in kinds.items():
        v = verify_agents([agent], "paper", n=10, matches=4, seed=0, probes=probes)
        a = v.agents[0]
        assert label in a.name, (label, a.name)
        assert np.all((a.projection.strategy.vector >= 0) & (a.projection.strategy.vector <= 1))
        assert np.isfinite(a.br_value) and np.isfinite(a.stationary_br_vs_agent)


def test_regret_of_tft_under_noise_and_discounting_matches_the_exact_value():
    """A TFT agent (a Python function) must earn TFT's exact value, here under the discounted
    criterion with noise: the simulated reward vs the exact 'tft' column, per co-player."""
    panel = default_panel("paper", random=4, seed=5, library_names=("WSLS", "GRIM", "Extort-2"), heldout=())
    rep = evaluate_regret(tft, panel, "paper", n=60, matches=400, seed=1, gamma=0.95, noise=0.05)
    assert rep.criterion.startswith("discounted(gamma=0.95") and rep.noise == 0.05
    z = (rep.agent_reward - rep.tft) / rep.agent_reward_se
    assert np.all(np.abs(z) < 4.5), z
    assert np.all(rep.br_value >= rep.tft - 1e-12) and np.all(rep.br_value >= rep.alld - 1e-12)


def test_br_values_with_noise_and_discount_against_the_solvers():
    from learners.regret import br_values
    from solvers.best_response import best_response_discounted, best_response_finite

    q = np.random.default_rng(0).random((5, 5))
    for eps in (0.0, 0.07):
        np.testing.assert_allclose(br_values(q, "paper", 25, noise=eps),
                                   [best_response_finite(x, "paper", 25, noise=eps).value for x in q], atol=1e-12)
        # the normalised truncated discount tends to the infinite-horizon value (tail 0.9^400 ~ 5e-19)
        np.testing.assert_allclose(br_values(q, "paper", 400, gamma=0.9, noise=eps),
                                   [best_response_discounted(x, "paper", 0.9, noise=eps).value for x in q], atol=1e-12)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("bad, match", [(42, "Accepted"), ("TFT", "named"), (None, "Accepted"), (object, "Accepted"),
                                        ([1, 2], "Accepted")])
def test_as_policy_refuses_with_what_is_accepted(bad, match):
    with pytest.raises(ParameterError, match=match):
        as_policy(bad)
    assert "axelrod.Player" in ACCEPTED and "torch.nn.Module" in ACCEPTED


@pytest.mark.parametrize("ret, err", [(1.5, "in \\[0, 1\\]"), ("x", "must return"), (None, "must return"),
                                      (float("nan"), "in \\[0, 1\\]")])
def test_bad_returns_are_named(ret, err):
    with pytest.raises(InvalidProbabilityError, match=err) as ei:
        host_play(as_policy(lambda own, other: ret, name="bad"), MemoryOnePolicy(Q), "paper", n=3, matches=2)
    assert "'bad'" in str(ei.value) and "round 0" in str(ei.value)


def test_option_errors_are_named():
    with pytest.raises(ParameterError, match="output"):
        as_policy(tft, output="probs")
    with pytest.raises(ParameterError, match="batched"):
        CallableAgent(tft, batched="yes")
    with pytest.raises(ParameterError, match="name"):
        as_policy(tft, name=3)
    with pytest.raises(ParameterError, match="matches"):
        host_play(as_policy(tft), MemoryOnePolicy(Q), "paper", n=3, matches=0)
    with pytest.raises(ParameterError, match="matches"):
        simulate_any(as_policy(tft), MemoryOnePolicy(Q), "paper", n=3, matches=1)
    with pytest.raises(EqtoolsError, match="noise"):
        project(tft, "paper", n=5, matches=4, noise=0.7)
    with pytest.raises(EqtoolsError, match="noise"):
        evaluate_regret(tft, default_panel("paper", random=2, heldout=()), n=5, matches=2, noise=-0.1)


def test_host_agent_base_and_dispatch():
    class Half(HostAgent):
        name = "half"

        def step(self, state, own, other, t):
            return np.full(own.shape[0], 0.5), None, state

    s = simulate_any(Half(), MemoryOnePolicy(Q), "paper", n=10, matches=2000, seed=0)
    assert within(s.coop_x, s.coop_x_se, 0.5)
    assert as_policy(Half()).name == "half"
    tr = play_any(MemoryOnePolicy(Q), MemoryOnePolicy(Q), "paper", n=5, matches=3, seed=0)  # JAX path unchanged
    assert tr.a_x.shape == (3, 5)
    assert isinstance(as_policy(MemoryOne(1, (1, 0, 1, 0), name="tft")), MemoryOnePolicy)
