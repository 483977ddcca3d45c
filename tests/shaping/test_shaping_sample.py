"""Sample-based learners: expected gradients vs exact ones, AA algebra, determinism, behaviour.

Monte Carlo tolerance: each coordinate of the batch-mean gradient must lie within
``Z = 4.5`` standard errors (estimated from the per-episode gradients) plus a small absolute
slack for the truncation tail, of the exact gradient.  Ten coordinates per check; with the
fixed seeds used here the test is deterministic, and a wrong estimator (e.g. a missing
``gamma^t`` weight, a swapped token, a biased baseline) misses by tens of standard errors.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.shaping.exact import memory_one_values
from learners.shaping.sample import (
    SampleConfig,
    collect,
    discounted_cumsum_past,
    effective_advantage,
    exact_critics,
    tokens_from_states,
    train_sample,
    truncated_values,
)
from solvers.payoffs import discounted

from learners.shaping.sample import episode_gradients as _episode_gradients

Z = 4.5
episode_gradients = jax.jit(_episode_gradients, static_argnames=("gamma", "lam", "kinds", "bootstrap"))
TH1 = np.array([0.3, -0.5, 1.0, 0.2, -1.0])
TH2 = np.array([-0.2, 0.7, -0.3, 0.5, 0.1])


def _check(est: np.ndarray, se: np.ndarray, exact: np.ndarray, slack: float = 0.0) -> None:
    err = np.abs(est - exact)
    assert np.all(err <= Z * se + slack), f"estimate {est} vs exact {exact}: |z| = {err / se}"


def _exact_truncated_grads(game: str, gamma: float, T: int):
    with jax.enable_x64(True):
        a, b = jnp.asarray(TH1), jnp.asarray(TH2)
        g1 = jax.grad(lambda x: truncated_values(x, b, game, gamma, T)[0])(a)
        g2 = jax.grad(lambda y: truncated_values(a, y, game, gamma, T)[1])(b)
    return np.stack([np.asarray(g1), np.asarray(g2)])


def test_tokens_follow_the_own_view_convention():
    states_x = jnp.asarray([[0], [1], [2], [3]])  # CC, CD, DC, DD in X's view
    tx, ty = tokens_from_states(states_x)
    assert tx[:, 0].tolist() == [0, 1, 2, 3]
    assert ty[:, 0].tolist() == [0, 1, 3, 2]  # Y sees X's CD as its DC


@pytest.mark.parametrize("game", ["lola", "paper"])
def test_reinforce_expected_gradient_equals_exact_truncated_gradient(game):
    gamma, T, B = 0.96, 40, 8000
    batch = collect(jax.random.PRNGKey(7), jnp.asarray(TH1, jnp.float32), jnp.asarray(TH2, jnp.float32), game, T, B)
    # An arbitrary (wrong) critic: with lambda = 1 it is only a baseline, so no bias.
    critics = jnp.asarray([[0.3, -1.2, -0.4, 0.1, 0.2], [0.0, 0.5, -1.0, 0.3, -0.7]], jnp.float32)
    g, _, _ = episode_gradients(
        jnp.asarray(TH1, jnp.float32), jnp.asarray(TH2, jnp.float32), critics, batch,
        gamma=gamma, lam=(1.0, 1.0), kinds=("pg", "pg"), beta=0.0, bootstrap=False,
    )
    g = np.asarray(g, dtype=np.float64)
    _check(g.mean(0), g.std(0) / np.sqrt(B), _exact_truncated_grads(game, gamma, T))


def test_actor_critic_with_exact_critics_is_unbiased_for_the_infinite_horizon_gradient():
    gamma, T, B, lam = 0.96, 150, 6000, 0.9
    t1, t2 = jnp.asarray(TH1, jnp.float32), jnp.asarray(TH2, jnp.float32)
    with jax.enable_x64(True):
        crit = np.asarray(exact_critics(jnp.asarray(TH1), jnp.asarray(TH2), "lola", gamma))
        vf = memory_one_values("lola", gamma)
        e1 = jax.grad(lambda a: vf(a, jnp.asarray(TH2))[0])(jnp.asarray(TH1))
        e2 = jax.grad(lambda b: vf(jnp.asarray(TH1), b)[1])(jnp.asarray(TH2))
        exact = np.stack([np.asarray(e1), np.asarray(e2)])
    # The critics are right: the start token's value is the exact discounted payoff.
    ref = discounted(1 / (1 + np.exp(-TH1)), 1 / (1 + np.exp(-TH2)), "lola", gamma)
    assert crit[0, 0] == pytest.approx(float(ref.payoff_x), abs=1e-12)
    assert crit[1, 0] == pytest.approx(float(ref.payoff_y), abs=1e-12)
    batch = collect(jax.random.PRNGKey(3), t1, t2, "lola", T, B)
    g, _, _ = episode_gradients(
        t1, t2, jnp.asarray(crit, jnp.float32), batch,
        gamma=gamma, lam=(lam, lam), kinds=("ac", "ac"), beta=0.0, bootstrap=True,
    )
    g = np.asarray(g, dtype=np.float64)
    # slack: the gamma^T tail of the sum over rounds (0.96^150 ~ 2e-3 of a gradient ~ 0.05).
    _check(g.mean(0), g.std(0) / np.sqrt(B), exact, slack=2e-4)
    # A wrong critic with lambda < 1 is biased: the check must be able to fail.
    wrong = crit + np.array([0.0, 0.5, -0.5, 0.5, -0.5])
    g_bad, _, _ = episode_gradients(
        t1, t2, jnp.asarray(wrong, jnp.float32), batch,
        gamma=gamma, lam=(lam, lam), kinds=("ac", "ac"), beta=0.0, bootstrap=True,
    )
    g_bad = np.asarray(g_bad, dtype=np.float64)
    assert np.any(np.abs(g_bad.mean(0) - exact) > Z * g_bad.std(0) / np.sqrt(B) + 2e-4)


def test_aa_with_beta_zero_is_the_actor_critic_and_beta_shapes_towards_reciprocity():
    gamma, T, B = 0.96, 100, 3000
    t = jnp.zeros(5, jnp.float32)
    with jax.enable_x64(True):
        crit = jnp.asarray(exact_critics(jnp.zeros(5), jnp.zeros(5), "lola", gamma), jnp.float32)
    batch = collect(jax.random.PRNGKey(5), t, t, "lola", T, B)
    kw = dict(gamma=gamma, lam=(0.95, 0.95), beta=0.0, bootstrap=True)
    g_ac, _, _ = episode_gradients(t, t, crit, batch, kinds=("ac", "ac"), **kw)
    g_aa0, _, _ = episode_gradients(t, t, crit, batch, kinds=("aa", "aa"), **kw)
    np.testing.assert_allclose(np.asarray(g_aa0), np.asarray(g_ac), rtol=1e-5, atol=1e-7)  # float32 rescaling
    kw["beta"] = 1.0
    g_aa, _, _ = episode_gradients(t, t, crit, batch, kinds=("aa", "aa"), **kw)
    d = np.asarray(g_aa - g_ac, dtype=np.float64)[:, 0]  # player 1's alignment term per episode
    m, se = d.mean(0), d.std(0) / np.sqrt(B)
    assert abs(m[0]) < 1e-8  # no past before the first move: only float32 rounding
    # After the co-player cooperated (own DC) cooperate more; after it defected (own CD) less.
    assert m[3] > Z * se[3] and m[2] < -Z * se[2]


def test_effective_advantage_matches_its_definition_elementwise():
    rng = np.random.default_rng(0)
    a1, a2 = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    g, beta = 0.9, 0.7
    got = np.asarray(effective_advantage(jnp.asarray(a1), jnp.asarray(a2), g, beta))
    want = a1.copy()
    for t in range(7):
        past = sum(g ** (t - 1 - k) * a1[k] for k in range(t))
        want[t] = a1[t] + beta * g * past * a2[t]
    np.testing.assert_allclose(got, want, atol=1e-6)
    np.testing.assert_allclose(np.asarray(discounted_cumsum_past(jnp.asarray(a1), g))[0], 0.0)
    with pytest.raises(ParameterError, match="a1 and a2"):
        effective_advantage(jnp.zeros(3), jnp.zeros(4), g, beta)


def test_sample_training_is_deterministic_and_seeded():
    cfg = SampleConfig(learners=("aa", "ac"), runs=2, iterations=5, batch=16, horizon=20, seed=1)
    a, b = train_sample(cfg), train_sample(cfg)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.coop, b.coop)
    c = train_sample(SampleConfig(learners=("aa", "ac"), runs=2, iterations=5, batch=16, horizon=20, seed=2))
    assert not np.array_equal(a.theta, c.theta)
    assert a.policy_history.shape == (6, 2, 2, 5) and a.coop.shape == (5, 2, 2)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"learners": ("aa", "nope")}, "learners\\[1\\]"),
        ({"gae_lambda": 1.5}, "gae_lambda"),
        ({"batch": 0}, "batch"),
        ({"aa_beta": -1.0}, "aa_beta"),
        ({"gamma": 0.0}, "gamma"),
    ],
)
def test_bad_sample_config_names_the_field(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        train_sample(SampleConfig(**kwargs))


def test_smoke_naive_actor_critic_drifts_to_defection():
    cfg = SampleConfig(learners=("ac", "ac"), runs=4, iterations=150, batch=64, horizon=50, seed=0)
    res = train_sample(cfg)
    start, end = res.coop[:10].mean(), res.coop[-10:].mean()
    assert end < 0.15 < start
