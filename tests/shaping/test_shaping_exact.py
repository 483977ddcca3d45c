"""Exact-gradient learners: gradients vs finite differences, conventions, determinism, behaviour."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.games import preset
from learners.shaping.exact import ExactConfig, memory_one_values, train_exact, update_direction
from learners.shaping.exact import gradient_terms as _gradient_terms

# jit with the value function and the player static (compiles once per value function).
gradient_terms = jax.jit(_gradient_terms, static_argnums=(0, 3))
from learners.shaping.runner import classify, summarise, tft_like
from solvers.payoffs import discounted


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _rand_thetas(seed: int):
    rng = np.random.default_rng(seed)
    return jnp.asarray(rng.normal(0, 1.2, 5)), jnp.asarray(rng.normal(0, 1.2, 5))


def _fd_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_values_match_the_numpy_solver_and_scale():
    t1, t2 = _rand_thetas(0)
    p, q = 1 / (1 + np.exp(-np.asarray(t1))), 1 / (1 + np.exp(-np.asarray(t2)))
    ref = discounted(p, q, "lola", 0.96)
    v1, v2 = memory_one_values("lola", 0.96)(t1, t2)
    assert float(v1) == pytest.approx(float(ref.payoff_x), abs=1e-12)
    assert float(v2) == pytest.approx(float(ref.payoff_y), abs=1e-12)
    u1, _ = memory_one_values("lola", 0.96, normalise=False)(t1, t2)
    assert float(u1) == pytest.approx(float(v1) / 0.04, rel=1e-12)


@pytest.mark.parametrize("game,gamma,seed", [("lola", 0.96, 1), ("axelrod", 0.9, 2), ("chicken", 0.8, 3)])
def test_naive_gradients_match_finite_differences(game, gamma, seed):
    vf = jax.jit(memory_one_values(game, gamma))
    t1, t2 = _rand_thetas(seed)
    for player in (1, 2):
        terms = gradient_terms(vf, t1, t2, player)
        if player == 1:
            fd = _fd_grad(lambda a: float(vf(jnp.asarray(a), t2)[0]), t1)
        else:
            fd = _fd_grad(lambda b: float(vf(t1, jnp.asarray(b))[1]), t2)
        np.testing.assert_allclose(np.asarray(terms["naive"]), fd, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("seed", [4, 5])
def test_shaping_and_lookahead_terms_match_nested_finite_differences(seed):
    """Second-order terms from finite differences only (no autodiff anywhere on this side)."""
    vf = jax.jit(memory_one_values("lola", 0.96, normalise=False))
    t1, t2 = _rand_thetas(seed)
    V1 = lambda a, b: float(vf(jnp.asarray(a), jnp.asarray(b))[0])
    V2 = lambda a, b: float(vf(jnp.asarray(a), jnp.asarray(b))[1])
    h = 1e-4
    g21 = _fd_grad(lambda b: V1(t1, b), t2, h)  # dV1/dtheta2 at the point
    g22 = _fd_grad(lambda b: V2(t1, b), t2, h)  # dV2/dtheta2 at the point
    shaping_fd = _fd_grad(lambda a: float(g21 @ _fd_grad(lambda b: V2(a, b), t2, h)), t1, h)
    lookahead_fd = _fd_grad(lambda a: float(_fd_grad(lambda b: V1(a, b), t2, h) @ g22), t1, h)
    terms = gradient_terms(vf, t1, t2, 1)
    scale = np.max(np.abs(shaping_fd)) + np.max(np.abs(lookahead_fd))
    np.testing.assert_allclose(np.asarray(terms["shaping"]), shaping_fd, atol=1e-4 * scale)
    np.testing.assert_allclose(np.asarray(terms["lookahead"]), lookahead_fd, atol=1e-4 * scale)


def test_player_two_terms_are_player_one_terms_with_roles_swapped():
    # In a symmetric game V2(t1, t2) = V1(t2, t1): player 2's terms at (t1, t2) must equal
    # player 1's at (t2, t1).  Fails if the CD/DC swap or the role swap is wrong.
    vf = memory_one_values("axelrod", 0.9)
    t1, t2 = _rand_thetas(6)
    a = gradient_terms(vf, t1, t2, 2)
    b = gradient_terms(vf, t2, t1, 1)
    for k in ("naive", "shaping", "lookahead"):
        np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[k]), atol=1e-12)
    with pytest.raises(ParameterError, match="player"):
        _gradient_terms(vf, t1, t2, 3)


def test_one_training_step_is_theta_plus_lr_times_the_direction():
    cfg = ExactConfig(rules=("lola", "naive"), runs=3, steps=1, lr=0.7, eta=0.3, seed=11)
    theta0 = np.random.default_rng(0).normal(size=(3, 2, 5))
    res = train_exact(cfg, theta0=theta0)
    vf = memory_one_values("lola", 0.96, normalise=False)
    for r in range(3):
        t1, t2 = jnp.asarray(theta0[r, 0]), jnp.asarray(theta0[r, 1])
        d1 = update_direction("lola", gradient_terms(vf, t1, t2, 1), 0.3)
        d2 = update_direction("naive", gradient_terms(vf, t1, t2, 2), 0.3)
        np.testing.assert_allclose(res.theta[r, 0], theta0[r, 0] + 0.7 * np.asarray(d1), atol=1e-12)
        np.testing.assert_allclose(res.theta[r, 1], theta0[r, 1] + 0.7 * np.asarray(d2), atol=1e-12)
    # Histories: before the step and after it, consistent with the exact solver.
    ref = discounted(res.policies[:, 0], res.policies[:, 1], "lola", 0.96)
    np.testing.assert_allclose(res.reward[-1, :, 0], ref.payoff_x, atol=1e-12)
    np.testing.assert_allclose(res.coop[-1, :, 1], ref.coop_y, atol=1e-12)


def test_determinism_and_seed_dependence():
    cfg = ExactConfig(rules=("lola", "naive"), runs=4, steps=30, seed=3)
    a, b = train_exact(cfg), train_exact(cfg)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.reward, b.reward)
    c = train_exact(ExactConfig(rules=("lola", "naive"), runs=4, steps=30, seed=4))
    assert not np.allclose(a.theta, c.theta)


def test_constant_payoff_shift_leaves_exact_dynamics_unchanged():
    # 'lola' = 'paper' - 2: visits sum to 1, so every gradient (hence every trajectory) agrees.
    assert np.allclose(preset("lola").payoffs, preset("paper").payoffs - 2.0)
    a = train_exact(ExactConfig(game="lola", rules=("lola", "naive"), runs=4, steps=30, seed=5))
    b = train_exact(ExactConfig(game="paper", rules=("lola", "naive"), runs=4, steps=30, seed=5))
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-9)
    np.testing.assert_allclose(a.reward, b.reward - 2.0, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"rules": ("lola", "bogus")}, "rules\\[1\\]"),
        ({"rules": ("lola",)}, "rules"),
        ({"gamma": 1.0}, "gamma"),
        ({"runs": 0}, "runs"),
        ({"steps": 2.5}, "steps"),
        ({"lr": float("nan")}, "lr"),
        ({"game": "nope"}, "preset"),
    ],
)
def test_bad_config_names_the_field(kwargs, field):
    with pytest.raises(Exception, match=field):
        train_exact(ExactConfig(**kwargs))


def test_bad_theta0_shape_is_rejected():
    with pytest.raises(ParameterError, match="theta0"):
        train_exact(ExactConfig(runs=2, steps=1), theta0=np.zeros((3, 2, 5)))


def test_classic_settings_naive_defects_and_lola_reciprocates():
    """Smoke-scale behaviour under LOLA's classic settings (32 runs, 200 steps, seed 0)."""
    naive = summarise(train_exact(ExactConfig(rules=("naive", "naive"), runs=32, steps=200, seed=0)))
    lola = summarise(train_exact(ExactConfig(rules=("lola", "lola"), runs=32, steps=200, seed=0)))
    assert naive["share"]["defection"] >= 0.8
    assert lola["share"]["cooperation"] >= 0.7
    # The typical LOLA policy reciprocates like TFT (about half the individual policies are
    # TFT-like by the 0.8/0.2 thresholds; the rest forgive after CD or DD more often).
    assert tft_like(np.asarray(lola["median_policy"])).all()
    assert not tft_like(np.asarray(naive["median_policy"])).any()
    assert lola["final_reward_mean"][0] > naive["final_reward_mean"][0] + 0.5


def test_classify_and_tft_like():
    coop = np.array([[0.9, 0.85], [0.1, 0.05], [0.9, 0.1]])
    assert classify(coop).tolist() == ["cooperation", "defection", "mixed"]
    pol = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1], [0, 0.9, 0.1, 0.9, 0.1]], dtype=float)
    assert tft_like(pol).tolist() == [True, False, True]
