"""The exact Bayes DP over count states against a brute-force history tree, the exact best
response, and seeded simulation; forward-propagated values against simulation."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import ParameterError, SizeLimitError
from eqtools.strategies import named
from learners.bayes import BayesPolicy, BetaPrior, MixturePrior, PointPrior
from learners.bayes.dp import count_space, estimate_bytes, evaluate, policy_tables, solve
from learners.regret import br_values
from solvers.best_response import best_response_finite
from solvers.simulate import MemoryOnePolicy, simulate
from tests.bayes.bayes_reference import brute_predictive, expectimax_value

BETA = BetaPrior((2.0, 1.5, 3.0, 1.0, 1.5), (1.0, 2.0, 1.2, 1.0, 4.0))
MIX = MixturePrior([BetaPrior.uniform(), PointPrior("TFT", tremble=0.1), PointPrior("Extort-3")], [0.5, 0.3, 0.2])


def _comps(prior):
    mix = prior if isinstance(prior, MixturePrior) else MixturePrior([prior], [1.0])
    out = [("point", c.effective) if isinstance(c, PointPrior) else ("beta", np.asarray(c.a), np.asarray(c.b))
           for c in mix.components]
    return out, mix.weights


@pytest.mark.parametrize("prior", [BetaPrior.uniform(), BETA, MIX], ids=["uniform", "beta", "mixture"])
def test_dp_equals_expectimax_over_histories(prior):
    """Bayes-optimal value by DP over count states = a full expectimax tree over histories whose
    predictive comes from quadrature of the history likelihood (n = 1..4, tolerance 1e-9)."""
    comps, w = _comps(prior)
    for n in range(1, 5):
        dp = solve(count_space(prior, n))
        ref = expectimax_value(lambda own, oth: brute_predictive(comps, w, list(own), list(oth))[0][
            0 if not own else 1 + 2 * oth[-1] + own[-1]], n)
        assert dp.value * n == pytest.approx(ref, abs=1e-9), n


@pytest.mark.parametrize("name", ["TFT", "GRIM", "WSLS", "Extort-3", "Generous-2", "Random"])
def test_known_coplayer_dp_equals_best_response(name):
    """With a point-mass prior the Bayes-optimal value is the exact best-response value, and
    forward propagation of its decisions against that co-player reproduces it."""
    q = named(name, "paper").vector
    for n in (1, 6, 11):
        dp = solve(count_space(PointPrior(q), n))
        br = best_response_finite(q, "paper", n).value
        assert dp.value == pytest.approx(br, abs=1e-12)
        assert evaluate(dp, q=q)[0] == pytest.approx(br, abs=1e-12)


def test_concentrated_beta_prior_approaches_best_response():
    """A Beta prior with huge a + b around q: the Bayes value tends to the best-response value."""
    q = np.array([0.7, 0.9, 0.2, 0.6, 0.1])
    n = 8
    br = best_response_finite(q, "paper", n).value
    gaps = [abs(solve(count_space(BetaPrior.from_mean(q, c), n)).value - br) for c in (1e2, 1e4, 1e6)]
    assert gaps[2] < 1e-5 and gaps[2] < gaps[1] < gaps[0]


def test_prior_average_and_per_coplayer_values():
    """evaluate(q=None) equals the DP value; the mean of exact per-co-player values over prior draws
    equals it within 4 s.e. (Monte Carlo over 4000 draws); Bayes-optimal <= perfect information."""
    n = 7
    dp = solve(count_space(BetaPrior.uniform(), n))
    assert evaluate(dp) == pytest.approx(dp.value, abs=1e-12)
    q = BetaPrior.uniform().sample(4000, seed=11)
    v = evaluate(dp, q=q, chunk=500)
    assert abs(v.mean() - dp.value) < 4 * v.std(ddof=1) / np.sqrt(len(v))
    assert dp.value <= br_values(q, "paper", n).mean() + 4 * br_values(q, "paper", n).std() / np.sqrt(len(q))


@pytest.mark.parametrize("rule", ["ce", "lookahead"])
def test_tabulated_policy_value_matches_simulation(rule):
    """Exact forward-propagated value of the tabulated BayesPolicy = its simulated payoff (seeded,
    2000 matches, within 4 s.e.; deterministic co-players: exactly)."""
    n = 9
    space = count_space(BetaPrior.uniform(), n)
    pol = BayesPolicy(horizon=n, rule=rule, depth=2)
    tab = policy_tables(space, pol)
    for nm in ("TFT", "Alternator", "Extort-2"):
        q = named(nm, "paper").vector
        exact = evaluate(tab, q=q)[0]
        sim = simulate(pol, MemoryOnePolicy(q), "paper", n=n, matches=2000, seed=4, record_rounds=False)
        if nm in ("TFT", "Alternator"):
            assert float(sim.payoff_x) == pytest.approx(exact, abs=1e-12)
        else:
            assert abs(float(sim.payoff_x) - exact) < 4 * float(sim.payoff_x_se)
    dp = solve(space)
    assert evaluate(tab) <= dp.value + 1e-12


def test_size_limit_and_errors():
    assert estimate_bytes(40, False) > 2 * 1024**3
    with pytest.raises(SizeLimitError, match="n <= "):
        count_space(BetaPrior.uniform(), 40)
    with pytest.raises(ParameterError, match="n"):
        count_space(BetaPrior.uniform(), 0)
    with pytest.raises(ParameterError, match="prior"):
        count_space("uniform", 5)
    space = count_space(BetaPrior.uniform(), 5)
    with pytest.raises(ParameterError, match="horizon"):
        policy_tables(space, BayesPolicy(horizon=6))
    with pytest.raises(ParameterError, match="rule"):
        policy_tables(space, BayesPolicy(horizon=5, rule="thompson"))
    with pytest.raises(ParameterError, match="q"):
        evaluate(solve(space), q=[[2.0] * 5])
