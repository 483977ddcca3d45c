"""The one round kernel (:mod:`learners.round`) and execution noise in the training loops (issue 23).

* Without noise every loop that now plays its rounds through the kernel gives the numbers of the
  code before it **bit for bit**: ``data/kernel_reference.npz`` was written by
  ``make_kernel_reference.py`` on main at a793e7d, before the kernel existed (the existing
  ``fixed_coplayer_reference.npz`` and ``tests/ppi/data/eval_reference.npz`` cover the fixed
  co-players, A2C training and PPI gathering/evaluation).
* With noise the kernel's play of two memory-one agents meets the exact noisy payoffs of
  :func:`solvers.payoffs.finite_horizon` within a stated Monte Carlo tolerance, and each training
  loop's rollout really plays noisy actions.

Monte Carlo tolerance: ``TOL_SE = 4.5`` standard errors, with fixed seeds.  Where episodes are
independent, the standard error is the sample one over episodes.  Where a check pools rounds of
one episode (a learner's played action against its own ``P(C)``), the deviations
``1{C} - (noise + (1 - 2 noise) P(C))`` are martingale differences given the past, each with
variance <= 1/4, so ``0.5 / sqrt(N)`` bounds the standard error of their mean.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import named
from learners.env import payoff_table, rollout_memory_one
from learners.round import draw, execute, noisy, outcome, play_round, previous_inputs, tabular_step
from solvers.payoffs import discounted, finite_horizon

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import make_kernel_reference as ref_maker  # noqa: E402

REF = np.load(HERE / "data" / "kernel_reference.npz")
TOL_SE = 4.5
EPS = 0.1
P = np.array([0.9, 0.8, 0.1, 0.7, 0.2])
Q = np.array([0.5, 0.6, 0.3, 0.9, 0.4])


def _played_coop_gap(coop: np.ndarray, p_coop: np.ndarray, noise: float) -> tuple[float, float]:
    """Mean of ``1{C} - (noise + (1 - 2 noise) P(C))`` and its bound on the standard error."""
    dev = coop.astype(np.float64) - (noise + (1.0 - 2.0 * noise) * p_coop.astype(np.float64))
    return float(dev.mean()), 0.5 / math.sqrt(dev.size)


# ------------------------------------------------------------------ noise = 0: bit for bit

def test_noise_free_loops_are_bit_identical_to_a793e7d():
    out = ref_maker.references()
    assert sorted(out) == sorted(REF.files)
    for k in REF.files:
        assert out[k].dtype == REF[k].dtype and out[k].shape == REF[k].shape, k
        np.testing.assert_array_equal(out[k], REF[k], err_msg=k)


def test_zero_noise_draws_nothing():
    a = jnp.array([0, 1, 1, 0])
    assert not noisy(0.0) and not noisy(None) and not noisy(0) and noisy(0.1)
    assert execute(jax.random.PRNGKey(0), a, 0.0) is a  # untouched, no key used
    k = jax.random.PRNGKey(4)
    p, q = jnp.array([0.3, 0.6, 0.9]), jnp.array([0.5, 0.1, 0.8])
    kx, ky = jax.random.split(k)  # the key use of the noise-free rollouts before the kernel
    ax = (jax.random.uniform(kx, (3,)) >= p).astype(jnp.int32)
    ay = (jax.random.uniform(ky, (3,)) >= q).astype(jnp.int32)
    for rd in (play_round(k, p, q, payoff_table("paper")), play_round(k, p, q, payoff_table("paper"), 0.0)):
        np.testing.assert_array_equal(rd.action_x, ax)
        np.testing.assert_array_equal(rd.action_y, ay)


# ------------------------------------------------------------------ the kernel's pieces

def test_outcome_tokens_rewards_and_previous_inputs():
    table = payoff_table("paper")  # (R, S, T, P) = (1, -1, 2, 0)
    ax, ay = jnp.array([0, 0, 1, 1]), jnp.array([0, 1, 0, 1])
    rd = outcome(ax, ay, table)
    np.testing.assert_array_equal(rd.token_x, [1, 2, 3, 4])  # CC, CD, DC, DD from X's view
    np.testing.assert_array_equal(rd.token_y, [1, 3, 2, 4])  # the same rounds from Y's view
    np.testing.assert_array_equal(rd.reward_x, [1, -1, 2, 0])
    np.testing.assert_array_equal(rd.reward_y, [1, 2, -1, 0])
    pa, pr = previous_inputs(jnp.array([0, 1, 2, 3, 4]), table)
    np.testing.assert_array_equal(pa, [-1, 0, 0, 1, 1])
    np.testing.assert_array_equal(pr, [0, 1, -1, 2, 0])
    # a tabular co-player reads its own-view token: TFT after the other's C cooperates
    tft = jnp.broadcast_to(jnp.asarray(named("TFT", "paper").vector, jnp.float32), (5, 5))
    np.testing.assert_array_equal(tabular_step(tft, jnp.arange(5), jnp.full((5,), 0.5)), [0, 0, 1, 0, 1])
    np.testing.assert_array_equal(draw(jnp.array([0.2, 0.7]), jnp.array([0.5, 0.5])), [0, 1])


def test_execute_flips_at_the_noise_rate():
    n = 200_000
    a = jnp.zeros((n,), jnp.int32)
    flipped = float(jnp.mean(execute(jax.random.PRNGKey(1), a, EPS)))
    se = math.sqrt(EPS * (1 - EPS) / n)
    assert abs(flipped - EPS) < TOL_SE * se
    u = jnp.array([0.05, 0.5])  # given uniforms: flip where u < noise
    np.testing.assert_array_equal(execute(u, jnp.array([0, 1]), EPS), [1, 1])


@pytest.mark.parametrize("noise", [0.05, 0.2])
def test_noisy_memory_one_play_meets_the_exact_noisy_payoffs(noise):
    """The kernel's play (through :func:`rollout_memory_one`) against ``finite_horizon(noise=...)``."""
    T, B = 20, 20_000
    tr = rollout_memory_one(jax.random.PRNGKey(2026), P, Q, "paper", horizon=T, batch=B, noise=noise)
    ex = finite_horizon(P, Q, "paper", T, noise=noise)
    per_ep = {
        "payoff_x": np.asarray(tr.rewards_x, np.float64).mean(axis=0),
        "payoff_y": np.asarray(tr.rewards_y, np.float64).mean(axis=0),
        "coop_x": (np.asarray(tr.actions_x) == 0).mean(axis=0),
        "coop_y": (np.asarray(tr.actions_y) == 0).mean(axis=0),
    }
    for name, x in per_ep.items():
        se = x.std(ddof=1) / math.sqrt(B)
        assert abs(x.mean() - float(getattr(ex, name))) < TOL_SE * se, (name, x.mean(), float(getattr(ex, name)), se)
    visits = np.stack([(np.asarray(tr.states_x) == s).mean(axis=0) for s in range(4)], axis=-1)
    for s in range(4):
        se = visits[:, s].std(ddof=1) / math.sqrt(B)
        assert abs(visits[:, s].mean() - ex.visits[s]) < TOL_SE * se
    # and noise matters here: the noise-free exact payoff is far outside the tolerance
    clean = finite_horizon(P, Q, "paper", T)
    assert abs(per_ep["payoff_x"].mean() - float(clean.payoff_x)) > 10 * per_ep["payoff_x"].std() / math.sqrt(B)


def test_rollout_refuses_bad_noise():
    for bad in (1.5, float("nan"), -0.1, "x"):
        with pytest.raises(ParameterError, match="noise"):
            rollout_memory_one(jax.random.PRNGKey(0), P, Q, horizon=3, batch=2, noise=bad)
