"""Any horizon: the finite-horizon route is O(log n) (repeated squaring) and exact, and sizes
that cannot be served are refused up front with a named error.  Issue 12, item 3."""

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import SizeLimitError
from solvers import payoffs as P
from solvers.best_response import best_response_finite
from solvers.response_graph import alpharank, fixation_log_probabilities
from solvers.simulate import play, simulate_memory_one

from _refs import frac_chain, mp_finite

GAME = eq.preset("paper")


def _frac_finite(x, y, n, eps=0.0):
    """(1/n) sum_{t<n} v0 M^t by exact rational forward iteration (small n)."""
    M, v = frac_chain(x, y, eps)
    acc = list(v)
    for _ in range(n - 1):
        v = [sum(v[i] * M[i][j] for i in range(4)) for j in range(4)]
        acc = [a + b for a, b in zip(acc, v)]
    return np.array([float(a / n) for a in acc])


def _pairs(rng, k):
    lib = np.array([s.vector for s in eq.library(GAME).values()])
    X = np.vstack([rng.uniform(size=(k, 5)), lib, [[0.5, 0, 1, 0, 1e-12]]])
    Y = np.vstack([rng.uniform(size=(k, 5)), lib[::-1], [[0.5, 1 - 1e-12, 0.5, 0, 0.5]]])
    return X, Y


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 37])
def test_finite_matches_exact_rational_sum(n):
    rng = np.random.default_rng(n)
    X, Y = _pairs(rng, 4)
    for eps in (0.0, 0.05):
        res = P.finite_horizon(X, Y, GAME, n, noise=eps)
        for i, (x, y) in enumerate(zip(X, Y)):
            np.testing.assert_allclose(res.visits[i], _frac_finite(x, y, n, eps), rtol=1e-13, atol=1e-15)


def test_finite_matches_direct_scan_primitive():
    # The jnp forward scan (the differentiable primitive the learners use) agrees with the doubling route.
    import jax

    rng = np.random.default_rng(5)
    X, Y = rng.uniform(size=(20, 5)), rng.uniform(size=(20, 5))
    with jax.enable_x64(True):
        ref = np.asarray(P.jnp_visits_finite(X, Y, 250))
    np.testing.assert_allclose(P.finite_horizon(X, Y, GAME, 250).visits, ref, atol=1e-13)


@pytest.mark.parametrize("n", [10**6, 10**9, 2**62 + 12345])
def test_huge_horizon_matches_mpmath_closed_form(n):
    rng = np.random.default_rng(1)
    X, Y = rng.uniform(size=(3, 5)), rng.uniform(size=(3, 5))
    X[0, 1:] = [0.999, 0.001, 0.999, 0.001]  # slowly mixing
    for eps in (0.0, 0.01):
        res = P.finite_horizon(X, Y, GAME, n, noise=eps)
        for i, (x, y) in enumerate(zip(X, Y)):
            ref = mp_finite(x, y, n, eps)
            np.testing.assert_allclose(res.visits[i], ref, rtol=1e-12, atol=1e-15)


def test_huge_horizon_approaches_limit_for_ergodic_chains():
    # |f_n - L|_1 <= 2 / (n (1 - tau)) with tau the Dobrushin coefficient: a rigorous bound.
    rng = np.random.default_rng(2)
    X, Y = rng.uniform(size=(16, 5)), rng.uniform(size=(16, 5))
    n = 10**9
    f = P.finite_horizon(X, Y, GAME, n).visits
    L = P.limit_of_means(X, Y, GAME).visits
    for i in range(len(X)):
        M = P.transition_matrix(X[i], Y[i])
        tau = 1 - min(np.minimum(M[a], M[b]).sum() for a in range(4) for b in range(4))
        assert np.abs(f[i] - L[i]).sum() <= 2 / (n * (1 - tau)) + 1e-13


def test_payoff_matrix_any_horizon():
    pool = eq.StrategyPool.uniform(12, seed=4)
    big = P.payoff_matrix(pool, pool, GAME, n=10**9, noise=0.01)
    lim = P.payoff_matrix(pool, pool, GAME, limit=True, noise=0.01)
    assert big.info["noise"] == 0.01 and big.visits.shape == (12, 12, 4)
    np.testing.assert_allclose(big.payoff_x, lim.payoff_x, atol=1e-6)


# ------------------------------------------------------------------ refusals


def test_round_profile_refuses_huge_horizon():
    with pytest.raises(SizeLimitError, match="n"):
        P.round_profile(eq.named("TFT"), eq.named("WSLS"), 10**9)


def test_simulation_refuses_huge_match_counts():
    with pytest.raises(SizeLimitError, match="matches"):
        simulate_memory_one(eq.named("TFT"), eq.named("WSLS"), GAME, n=100, matches=10**12)
    with pytest.raises(SizeLimitError, match="matches"):
        simulate_memory_one(eq.named("TFT"), eq.named("WSLS"), GAME, n=10**6, matches=10**6, record_rounds=False)
    from solvers.simulate import MemoryOnePolicy

    with pytest.raises(SizeLimitError, match="matches"):
        play(MemoryOnePolicy(eq.named("TFT").vector), MemoryOnePolicy(eq.named("TFT").vector), GAME,
             n=10**6, matches=10**4)


def test_best_response_table_refuses_huge_horizon():
    with pytest.raises(SizeLimitError, match="n = 1000000000"):
        best_response_finite(eq.named("TFT"), GAME, 10**9)


def test_alpharank_refuses_huge_population():
    M = np.array([[1.0, 0.0], [2.0, 0.5]])
    # Moran selection needs the (N, N, m - 1) partial-sum table: refused up front
    with pytest.raises(SizeLimitError, match="m = 1000000000"):
        alpharank(M, 1.0, m=10**9, selection="moran")
    with pytest.raises(SizeLimitError, match="m = 1000000000"):
        fixation_log_probabilities(M, 1.0, m=10**9, selection="moran")
    # local selection has a closed form (no table): served, and equal to the m -> infinity
    # asymptotics rho = 1 - e^{-a D} (D > 0), e^{-(m-1) a |D|} (1 - e^{-a |D|}) (D < 0)
    lr = fixation_log_probabilities(M, 1.0, m=10**9)
    assert lr[0, 1] == pytest.approx(np.log1p(-np.exp(-2.0)), rel=1e-12)
    assert lr[1, 0] == pytest.approx(-(10**9 - 1) * 2.0 + np.log1p(-np.exp(-2.0)), rel=1e-12)


def test_best_response_finite_long_horizon_served():
    # 10^5 rounds: the table is built (plain-float backward induction) and the value agrees with
    # the best stationary value up to the end-game effect (bounded by max payoff gap * rounds / n).
    br = best_response_finite(eq.named("WSLS"), GAME, 10**5, noise=0.01)
    assert br.policy.shape == (10**5, 5)
    assert 0 <= br.value - br.best_stationary_value <= (GAME.payoffs.max() - GAME.payoffs.min()) * 50 / 10**5


def test_reducible_chains_at_astronomical_horizons_match_the_limit():
    # Several closed classes weighted by the opening: the Cesaro mean at n = 2^62 equals the
    # exact limit to O(1/n).  (Row-sum round-off doubling with every squaring would distort
    # the class weights by exp(n * 1e-16) here; rows are renormalised at each step.)
    lib = np.array([eq.named(k).vector for k in ("ALLC", "ALLD", "TFT", "WSLS", "GRIM", "Alternator")])
    X = np.repeat(lib, len(lib), axis=0)
    Y = np.tile(lib, (len(lib), 1))
    X = np.vstack([X, [[0.3, 1, 0.2, 0, 0.7], [0.5, 0, 1, 0, 1e-12]]])
    Y = np.vstack([Y, [[0.6, 1, 0, 0.4, 0], [0.5, 1 - 1e-12, 0.5, 0, 0.5]]])
    L = P.limit_of_means(X, Y, GAME).visits
    f = P.finite_horizon(X, Y, GAME, 2**62 + 1).visits
    np.testing.assert_allclose(f[:-1], L[:-1], atol=1e-13)
    f9 = P.finite_horizon(X, Y, GAME, 10**9).visits
    np.testing.assert_allclose(f9[:-1], L[:-1], atol=1e-7)
    # The last pair leaves its transient states at rate 1e-12 per round: at n = 10^9 it has not
    # yet (far from the limit), at 2^62 it is O(1e12 / n) away — both as the mpmath closed form says.
    for n, got in ((10**9, f9[-1]), (2**62 + 1, f[-1])):
        np.testing.assert_allclose(got, mp_finite(X[-1], Y[-1], n), rtol=1e-10, atol=1e-25)
    assert abs(f9[-1] - L[-1]).max() > 0.5
