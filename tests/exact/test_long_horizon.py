"""Very long finite horizons: exact in O(log n) (no hang), checked against closed forms and the scan."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import StrategyPool, named
from solvers import payoffs as P


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 999])
def test_doubling_matches_the_round_by_round_scan(n):
    pool = StrategyPool.uniform(6, seed=4).params
    fast = P._visits_finite_doubling(pool[:, None], pool[None], n)
    slow = P.finite_horizon(pool[:, None], pool[None], "paper", n).visits  # n <= 999 uses the scan
    assert np.allclose(fast, slow, rtol=0, atol=1e-13)


def test_huge_horizon_closed_forms():
    # TFT vs ALLD: CD once, then DD for ever -> visits (0, 1/n, 0, 1 - 1/n), exactly.
    n = 10**12
    r = P.finite_horizon(named("TFT"), named("ALLD"), "axelrod", n)
    assert r.visits == pytest.approx([0.0, 1 / n, 0.0, 1 - 1 / n], rel=1e-9, abs=1e-18)
    assert r.payoff_x == pytest.approx((0 + (n - 1) * 1) / n, rel=1e-12)
    # Alternator vs ALLC alternates CC, DC: odd n gives one extra CC round.
    n = 10**9 + 1
    r = P.finite_horizon(named("Alternator"), named("ALLC"), "axelrod", n)
    assert r.visits[0] == pytest.approx((n + 1) / 2 / n, rel=1e-12)
    # The all-pairs matrix takes the same route.
    m = P.payoff_matrix(np.array([named("TFT").vector]), np.array([named("ALLD").vector]), "axelrod", n=10**12)
    assert m.visits[0, 0, 1] == pytest.approx(1e-12, rel=1e-9)


def test_refusals_instead_of_memory_errors():
    from solvers.best_response import MAX_FINITE_BR_ROUNDS, best_response_finite

    with pytest.raises(ParameterError, match="horizon n"):
        best_response_finite(named("TFT"), "paper", MAX_FINITE_BR_ROUNDS + 1)
    with pytest.raises(ParameterError, match="round_profile"):
        P.round_profile(named("TFT"), named("ALLD"), 10**9)
