"""The JAX IPD environment: conventions, and Monte Carlo agreement with the exact solvers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.conventions import CC, CD, DC, DD, START_TOKEN
from eqtools.errors import ParameterError
from eqtools.games import preset
from eqtools.strategies import StrategyPool, named
from learners.env import joint_outcome, memory_one_actions, payoff_table, rollout_memory_one
from solvers.payoffs import finite_horizon, round_profile


@pytest.mark.parametrize("game", ["paper", "axelrod", "chicken"])
def test_joint_outcome_conventions(game):
    g = preset(game)
    table = payoff_table(g)
    a_own = jnp.array([0, 0, 1, 1])
    a_other = jnp.array([0, 1, 0, 1])
    obs_own, obs_other, r_own, r_other = joint_outcome(a_own, a_other, table)
    # own action first: CC, CD, DC, DD -> tokens 1..4
    assert obs_own.tolist() == [1 + CC, 1 + CD, 1 + DC, 1 + DD]
    # the co-player sees the same round with CD and DC swapped
    assert obs_other.tolist() == [1 + CC, 1 + DC, 1 + CD, 1 + DD]
    np.testing.assert_allclose(r_own, g.payoffs)  # (R, S, T, P)
    np.testing.assert_allclose(r_other, g.payoffs_coplayer)  # (R, T, S, P)


def test_memory_one_actions_follow_tokens():
    key = jax.random.PRNGKey(0)
    tokens = jnp.arange(5).repeat(200)
    allc = jnp.broadcast_to(jnp.asarray(named("ALLC").vector, jnp.float32), (1000, 5))
    alld = jnp.broadcast_to(jnp.asarray(named("ALLD").vector, jnp.float32), (1000, 5))
    tft = jnp.broadcast_to(jnp.asarray(named("TFT").vector, jnp.float32), (1000, 5))
    assert int(memory_one_actions(key, allc, tokens).sum()) == 0
    assert int(memory_one_actions(key, alld, tokens).sum()) == 1000
    a = memory_one_actions(key, tft, tokens)
    # TFT cooperates at START and after CC, DC (co-player cooperated), defects after CD, DD
    expected = jnp.array([0, 0, 1, 0, 1]).repeat(200)
    assert bool(jnp.all(a == expected))
    assert START_TOKEN == 0


def test_tft_vs_alld_trajectory_is_exact():
    traj = rollout_memory_one(jax.random.PRNGKey(1), named("TFT").vector, named("ALLD").vector, "paper", horizon=5, batch=3)
    assert traj.actions_x[:, 0].tolist() == [0, 1, 1, 1, 1]
    assert traj.actions_y[:, 0].tolist() == [1, 1, 1, 1, 1]
    assert traj.rewards_x[:, 0].tolist() == [-1, 0, 0, 0, 0]
    assert traj.rewards_y[:, 0].tolist() == [2, 0, 0, 0, 0]


PAIRS = [
    ("TFT", "Random"),
    ("WSLS", "Extort-2"),
    ("GTFT", "ALLD"),
    ("rand0", "rand1"),
    ("rand2", "rand3"),
]


@pytest.mark.parametrize("game", ["paper", "axelrod"])
@pytest.mark.parametrize("px,qy", PAIRS)
def test_env_reproduces_exact_memory_one_payoffs(game, px, qy):
    """Mean payoffs and cooperation of 20 000 simulated episodes agree with the exact
    finite-horizon values within 4.5 Monte Carlo standard errors (of per-episode means)."""
    rnd = StrategyPool.uniform(4, seed=7, prefix="rand")
    lookup = lambda n: rnd[n].vector if n.startswith("rand") else named(n, game).vector  # noqa: E731
    p, q = lookup(px), lookup(qy)
    n, batch = 100, 20_000
    traj = rollout_memory_one(jax.random.PRNGKey(hash((game, px, qy)) % 2**31), p, q, game, horizon=n, batch=batch)
    exact = finite_horizon(p, q, game, n)
    for sim, ref in (
        (np.asarray(traj.rewards_x).mean(0), exact.payoff_x),
        (np.asarray(traj.rewards_y).mean(0), exact.payoff_y),
        ((np.asarray(traj.actions_x) == 0).mean(0), exact.coop_x),
        ((np.asarray(traj.actions_y) == 0).mean(0), exact.coop_y),
    ):
        se = sim.std(ddof=1) / np.sqrt(batch)
        tol = 4.5 * se + 1e-6  # deterministic pairs have se = 0
        assert abs(sim.mean() - float(ref)) <= tol, (sim.mean(), float(ref), tol)


def test_env_round_profile_matches_exact():
    """Per-round state distribution (own view) vs the exact round profile, 40 000 episodes."""
    p = np.array([0.9, 0.8, 0.1, 0.7, 0.3])
    q = named("TFT").vector
    n, batch = 30, 40_000
    traj = rollout_memory_one(jax.random.PRNGKey(3), p, q, "paper", horizon=n, batch=batch)
    states = np.asarray(traj.states_x)
    sim = np.stack([(states == s).mean(1) for s in range(4)], axis=-1)  # (n, 4)
    exact = round_profile(p, q, n)
    se = np.sqrt(np.clip(exact * (1 - exact), 1e-12, None) / batch)
    assert np.all(np.abs(sim - exact) <= 5 * se + 1e-6)
    # the first round is the opening distribution
    np.testing.assert_allclose(exact[0], [0.9, 0, 0.1, 0], atol=1e-12)


def test_rollout_rejects_bad_sizes():
    with pytest.raises(ParameterError, match="horizon"):
        rollout_memory_one(jax.random.PRNGKey(0), named("TFT").vector, named("TFT").vector, horizon=0)
    with pytest.raises(ParameterError, match="batch"):
        rollout_memory_one(jax.random.PRNGKey(0), named("TFT").vector, named("TFT").vector, batch=0)
