"""Tabular PPI operator: Q-values against Monte Carlo rollouts of the model, the reference data
against direct simulation of random tabular games, fixed points against the exact Nash check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eqtools import ConvergenceError, ParameterError, preset
from solvers.predictive import PPIOperator, reference_data, solve_fixed_points
from solvers_sim import simulate


def _mc_q(p, m, game, gamma, obs, action, rounds, episodes, seed):
    """Monte Carlo value of taking `action` at observation `obs` then following p vs model m.

    The model's co-player acts with P(C | my observation) = m; simulate with an equivalent
    memory-one co-player vector in its own view (swap CD/DC)."""
    g = preset(game)
    q = np.concatenate([[m[0]], np.asarray(m[1:])[[0, 2, 1, 3]]])
    rng = np.random.default_rng(seed)
    w = gamma ** np.arange(rounds)
    # first round: the forced action at `obs`; co-player draws from m[obs]
    cy = rng.random(episodes) < m[obs]
    ax = np.full(episodes, action)
    sx = 2 * ax + (~cy).astype(int)
    first = g.payoffs[sx]
    # remaining rounds: start from state sx; reuse `simulate` by conditioning on the start state
    total = np.zeros(episodes)
    for s in range(4):
        idx = np.flatnonzero(sx == s)
        if idx.size == 0:
            continue
        # a policy whose opening move is p[1 + s] and whose co-player opens with q after state s
        pol = np.concatenate([[p[1 + s]], p[1:]])
        qq = np.concatenate([[m[1 + s]], q[1:]])
        total[idx] = simulate(pol, qq, g.payoffs, rounds - 1, idx.size, rng, weights=w[1:])
    x = first + total
    return x.mean(), x.std(ddof=1) / math.sqrt(episodes)


def test_q_values_against_model_rollouts():
    op = PPIOperator("paper", beta=1.0, gamma=0.8)
    rng = np.random.default_rng(0)
    p, m = rng.uniform(0.1, 0.9, 5), rng.uniform(0.1, 0.9, 5)
    Q = op.q_values(p, m)
    rounds = int(math.ceil(math.log(1e-6) / math.log(0.8)))
    for obs in (0, 2, 3):
        for a in (0, 1):
            mean, se = _mc_q(p, m, "paper", 0.8, obs, a, rounds, 20_000, seed=obs * 2 + a)
            assert abs(mean - Q[obs, a]) < 4 * se + 1e-3


def test_finite_lookahead_q_against_rollouts():
    op = PPIOperator("axelrod", beta=0.5, gamma=1.0, horizon=15)
    p = np.array([0.5, 0.9, 0.2, 0.7, 0.4])
    m = np.array([0.6, 0.8, 0.3, 0.5, 0.2])
    Q = op.q_values(p, m)
    mean, se = _mc_q(p, m, "axelrod", 1.0, 1, 1, 15, 20_000, seed=9)
    assert abs(mean - Q[1, 1]) < 4 * se + 1e-3


def test_reference_statistics_against_direct_simulation():
    """Own C-frequency per observation in games of two random U(0,1) tabular agents."""
    ref = reference_data("tabular", episode_length=30, n_pairs=4096)
    rng = np.random.default_rng(123)
    n_pairs, L = 3000, 30
    P, Q = rng.uniform(size=(n_pairs, 5)), rng.uniform(size=(n_pairs, 5))
    counts = np.zeros(5)
    coops = np.zeros(5)
    prev = None
    for t in range(L):
        obs = np.zeros(n_pairs, dtype=int) if t == 0 else 1 + prev
        obs_y = np.zeros(n_pairs, dtype=int) if t == 0 else 1 + (2 * (prev % 2) + prev // 2)
        cx = rng.random(n_pairs) < P[np.arange(n_pairs), obs]
        cy = rng.random(n_pairs) < Q[np.arange(n_pairs), obs_y]
        np.add.at(counts, obs, 1)
        np.add.at(coops, obs, cx)
        prev = 2 * (~cx).astype(int) + (~cy).astype(int)
    freq = coops / counts
    np.testing.assert_allclose(freq, ref.own, atol=0.03)
    assert ref.own[1] > 0.5 > ref.own[4]  # selection: cooperators reach CC more often


def test_beta_zero_fixed_point_is_the_reference_policy():
    ref = reference_data()
    r = solve_fixed_points("paper", 0.0, 0.9, prior_weight=0.25, starts=[np.full(5, 0.5), np.full(5, 0.9)])
    assert len(r.fixed_points) == 1 and r.n_failed == 0
    np.testing.assert_allclose(r.fixed_points[0].pi[0], ref.own, atol=1e-8)


def test_fixed_points_approach_nash_as_beta_grows():
    """NashConv (exact best responses, an independent solver) of the PPI fixed point falls as
    beta grows; at beta = 100 the fixed point is mutual defection, a Nash equilibrium."""
    ncs = []
    for beta in (0.1, 1.0, 10.0, 100.0):
        r = solve_fixed_points("paper", beta, 0.9, prior_weight=0.25, starts=[np.full(5, 0.5)])
        assert r.n_failed == 0
        fp = r.fixed_points[0]
        assert fp.residual < 1e-9
        ncs.append(fp.nash_conv)
    assert all(a > b for a, b in zip(ncs, ncs[1:]))
    assert ncs[-1] < 1e-3


def test_perfect_predictive_equilibria_stable_ones_are_nash():
    """lambda = 0: the model is right on path; a *stable* fixed point must be a Nash equilibrium
    (an unexploited improvement would grow under the multiplicative update)."""
    r = solve_fixed_points("paper", 1.0, 0.9, prior_weight=0.0)
    assert r.fixed_points
    for fp in r.fixed_points:
        assert fp.model_error < 1e-9
        if fp.spectral_radius < 0.99:
            assert fp.nash_conv < 1e-6


def test_nonconvergence_is_flagged_and_raised():
    r = solve_fixed_points("paper", 1.0, 0.9, starts=[np.full(5, 0.5)], max_iter=1, tol=0.0)
    assert r.n_failed == 1 and not r.fixed_points
    with pytest.raises(ConvergenceError, match="failed to converge"):
        solve_fixed_points("paper", 1.0, 0.9, starts=[np.full(5, 0.5)], max_iter=1, tol=0.0, raise_on_failure=True)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="beta"):
        PPIOperator("paper", beta=-1)
    with pytest.raises(ParameterError, match="gamma"):
        PPIOperator("paper", beta=1, gamma=1.0)
    with pytest.raises(ParameterError, match="prior_weight"):
        PPIOperator("paper", beta=1, prior_weight=1.0)
    with pytest.raises(ParameterError, match="horizon"):
        PPIOperator("paper", beta=1, horizon=0)


def test_long_lookahead_is_served_and_tends_to_the_discounted_solve():
    """H-round lookahead is one matrix power (O(log H)); as H grows with gamma < 1 it must approach
    the infinite-horizon Q, which is computed by a different route (a 4x4 linear solve)."""
    p = np.array([0.5, 0.9, 0.2, 0.7, 0.4])
    m = np.array([0.6, 0.8, 0.3, 0.5, 0.2])
    q_inf = PPIOperator("paper", beta=1.0, gamma=0.9).q_values(p, m)
    q_long = PPIOperator("paper", beta=1.0, gamma=0.9, horizon=10**9).q_values(p, m)
    np.testing.assert_allclose(q_long, q_inf, rtol=1e-10, atol=1e-12)
    q_short = PPIOperator("paper", beta=1.0, gamma=0.9, horizon=5).q_values(p, m)
    assert np.max(np.abs(q_short - q_inf)) > 1e-3  # five rounds are visibly not the infinite sum
