"""Best responses: checked against brute force over pure memory-one strategies (payoffs module),
against brute force over time-dependent policies, and against Monte Carlo simulation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from eqtools import InvalidProbabilityError, ParameterError, equalizer, named, preset
from solvers.best_response import (
    best_response,
    best_response_discounted,
    best_response_finite,
    best_response_limit,
    exploitability,
    pure_strategies,
)
from solvers.payoffs import discounted, finite_horizon, limit_of_means, payoff_matrix
from solvers_sim import simulate

GAMES = ["paper", "axelrod", "lola", "stag_hunt", "chicken"]


def _random_coplayers(k, seed):
    rng = np.random.default_rng(seed)
    Q = rng.uniform(0, 1, size=(k, 5))
    # include some deterministic / boundary co-players
    Q[: k // 4] = np.round(Q[: k // 4])
    return Q


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("gamma", [0.3, 0.9, 0.99])
def test_discounted_value_equals_brute_force_over_pure(game, gamma):
    pool = pure_strategies()
    Q = _random_coplayers(12, seed=hash((game, gamma)) % 2**32)
    vals = np.asarray(payoff_matrix(pool, Q, game, gamma=gamma).payoff_x)  # (32, k)
    for j, q in enumerate(Q):
        br = best_response_discounted(q, game, gamma)
        assert br.value == pytest.approx(vals[:, j].max(), abs=1e-10)
        # the reported optimal set is exactly the brute-force argmax set
        brute = {pool.names[i] for i in np.flatnonzero(vals[:, j] >= vals[:, j].max() - 1e-9)}
        assert {s.name for s in br.optimal_pure} == brute
        # Bellman-optimal strategies are a subset, and the canonical one is among them
        assert {s.name for s in br.bellman_optimal} <= brute
        assert br.strategy.name in {s.name for s in br.bellman_optimal}


def test_mixed_strategies_never_beat_the_best_response():
    rng = np.random.default_rng(3)
    for game in GAMES:
        q = rng.uniform(0, 1, 5)
        br = best_response(q, game, gamma=0.8)
        mixed = rng.uniform(0, 1, size=(500, 5))
        v = np.asarray(discounted(mixed, q[None, :], game, 0.8).payoff_x)
        assert v.max() <= br.value + 1e-12


def test_ties_are_reported():
    # Against ALLD the actions at CC and DC are never reached after a D opening: many ties.
    br = best_response(named("ALLD"), "paper", gamma=0.9)
    assert br.ties and len(br.optimal_pure) > 1
    assert br.action_sets[0] == ("D",)
    # Against TFT at gamma = 0.5 in the paper game (the critical discount), C and D tie at CC.
    br = best_response(named("TFT"), "paper", gamma=0.5)
    assert br.action_sets[1] == ("C", "D")
    # Against an equalizer every strategy earns the same long-run payoff (Press–Dyson):
    # all 32 pure strategies tie under the limit-of-means criterion.
    eq = equalizer("axelrod", 2.0)
    lim = best_response_limit(eq, "axelrod")
    assert len(lim.optimal_pure) == 32
    assert lim.value == pytest.approx(2.0, abs=1e-9)


def _mc_discounted(policy, q, game, gamma, episodes, seed):
    rounds = int(math.ceil(math.log(1e-7) / math.log(gamma)))
    w = (1 - gamma) * gamma ** np.arange(rounds)
    x = simulate(policy, q, preset(game).payoffs, rounds, episodes, np.random.default_rng(seed), weights=w)
    return x.mean(), x.std(ddof=1) / math.sqrt(episodes)


@pytest.mark.parametrize("game,gamma", [("paper", 0.9), ("axelrod", 0.7), ("chicken", 0.8)])
def test_discounted_best_response_against_simulation(game, gamma):
    q = np.array([0.7, 0.9, 0.2, 0.6, 0.3])
    br = best_response(q, game, gamma=gamma)
    mean, se = _mc_discounted(br.strategy.vector, q, game, gamma, 40_000, seed=1)
    assert abs(mean - br.value) < 4 * se + 1e-6


def _brute_time_dependent(q, game, n):
    """Max over all deterministic policies that depend on (round, previous state): forward evaluation."""
    g = preset(game)
    r = g.payoffs
    qs = np.concatenate([[q[0]], np.asarray(q[1:])[[0, 2, 1, 3]]])
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=1 + 4 * (n - 1)):
        a0 = bits[0]
        d = np.zeros(4)
        d[2 * a0], d[2 * a0 + 1] = qs[0], 1 - qs[0]
        total = d @ r
        for t in range(1, n):
            acts = bits[1 + 4 * (t - 1) : 1 + 4 * t]
            nd = np.zeros(4)
            for s in range(4):
                nd[2 * acts[s]] += d[s] * qs[1 + s]
                nd[2 * acts[s] + 1] += d[s] * (1 - qs[1 + s])
            d = nd
            total += d @ r
        best = max(best, total / n)
    return best


@pytest.mark.parametrize("game", ["paper", "axelrod", "stag_hunt"])
def test_finite_horizon_against_brute_force_over_time_dependent_policies(game):
    rng = np.random.default_rng(5)
    for _ in range(3):
        q = rng.uniform(0, 1, 5)
        for n in (1, 2, 3):
            br = best_response_finite(q, game, n)
            assert br.value == pytest.approx(_brute_time_dependent(q, game, n), abs=1e-12)


def test_finite_horizon_against_pure_stationary_and_simulation():
    q = named("TFT").vector
    n = 20
    br = best_response(q, "paper", n=n)
    pool = pure_strategies()
    stat = np.asarray(finite_horizon(pool, q[None, :], "paper", n).payoff_x)
    assert br.best_stationary_value == pytest.approx(stat.max(), abs=1e-12)
    assert {s.name for s in br.best_stationary} == {pool.names[i] for i in np.flatnonzero(stat >= stat.max() - 1e-9)}
    # Against TFT the optimal finite-horizon policy cooperates and defects in the last round:
    # value = ((n - 1) R + T) / n > R, so no stationary strategy is optimal.
    g = preset("paper")
    assert br.value == pytest.approx(((n - 1) * g.R + g.T) / n, abs=1e-12)
    assert not br.stationary_is_optimal
    assert br.policy[-1, 1] == 0.0 and br.policy[1, 1] == 1.0
    # simulation of the time-dependent policy
    qr = np.array([0.8, 0.9, 0.3, 0.7, 0.2])
    br = best_response(qr, "axelrod", n=n)
    x = simulate(None, qr, preset("axelrod").payoffs, n, 40_000, np.random.default_rng(2), time_policy=br.policy)
    x = x / n
    assert abs(x.mean() - br.value) < 4 * x.std(ddof=1) / math.sqrt(len(x))


def test_limit_best_response_matches_discounted_as_gamma_to_one():
    rng = np.random.default_rng(11)
    for game in ("paper", "axelrod"):
        q = rng.uniform(0.05, 0.95, 5)
        lim = best_response(q, game, limit=True)
        disc = best_response(q, game, gamma=0.99999)
        assert lim.value == pytest.approx(disc.value, abs=1e-3)
        # enumeration check with the exact limit payoffs
        pool = pure_strategies()
        v = np.asarray(limit_of_means(pool.params, q[None, :], game).payoff_x)
        assert lim.value == pytest.approx(v.max(), abs=1e-12)


def test_exploitability_hand_values():
    g = preset("paper")
    # ALLC vs ALLC: each side gains T - R by defecting forever.
    ex = exploitability(named("ALLC"), named("ALLC"), g, gamma=0.9)
    assert ex.gain_x == pytest.approx(g.T - g.R) and ex.nash_conv == pytest.approx(2 * (g.T - g.R))
    assert ex.exploitability == pytest.approx(g.T - g.R)
    # TFT vs TFT above the critical discount: no gain
    assert exploitability(named("TFT"), named("TFT"), g, gamma=0.9).nash_conv == pytest.approx(0, abs=1e-12)
    # finite horizon: defect in the last round against TFT gains (T - R) / n
    ex = exploitability(named("TFT"), named("TFT"), g, n=10)
    assert ex.gain_x == pytest.approx((g.T - g.R) / 10)


def test_bad_inputs_name_the_field():
    with pytest.raises(InvalidProbabilityError, match="p_CD"):
        best_response([1, 1, 1.5, 0, 0], "paper", gamma=0.9)
    with pytest.raises(ParameterError, match="gamma"):
        best_response(named("TFT"), "paper", gamma=1.0)
    with pytest.raises(ParameterError, match="exactly one criterion"):
        best_response(named("TFT"), "paper", gamma=0.9, n=10)
    with pytest.raises(ParameterError, match="horizon"):
        best_response(named("TFT"), "paper", n=0)
