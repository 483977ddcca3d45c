"""Near-absorbing chains: no probability leaks, and float64 results agree with exact rational
arithmetic (fractions.Fraction) and with mpmath at 60 digits.  Issue 12, item 2."""

import json

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import PrecisionError
from solvers import payoffs as P
from solvers.equilibria import nash_check

from _refs import frac_limit, mp_discounted

GAME = eq.preset("paper")
LO, HI = float(GAME.payoffs.min()), float(GAME.payoffs.max())


def issue_pair(e):
    # The issue's example: the only closed class is CD, so payoff_x must be S.
    return np.array([0.5, 0, 1, 0, e]), np.array([0.5, 1 - e, 0.5, 0, 0.5])


@pytest.mark.parametrize("e", [1e-15, 1e-12, 1e-300])
def test_issue_example_no_leak(e):
    x, y = issue_pair(e)
    dec = P.limit_state_distribution(x, y)
    assert dec.closed_classes == [[1]]
    assert dec.class_weights.tolist() == [1.0]
    res = P.limit_of_means(x, y, GAME)
    assert res.visits.sum() == pytest.approx(1.0, abs=1e-15)
    assert float(res.payoff_x) == pytest.approx(GAME.S, abs=1e-14)
    # the same through the all-pairs route and the Nash check
    pm = P.payoff_matrix(x[None], y[None], GAME, limit=True)
    assert float(pm.payoff_x[0, 0]) == pytest.approx(GAME.S, abs=1e-14)
    chk = nash_check(x, y, GAME, limit=True)
    assert chk.payoff_x == pytest.approx(GAME.S, abs=1e-14)
    # exact rational reference
    ref, closed = frac_limit(x, y)
    assert closed == [[1]] and [float(v) for v in ref] == [0.0, 1.0, 0.0, 0.0]


def test_issue_example_cli(capsys):
    from eqtools.cli import main

    x, y = issue_pair(1e-15)
    fmt = lambda v: ",".join(repr(float(t)) for t in v)  # noqa: E731
    assert main(["payoff", fmt(x), fmt(y), "--limit", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["payoff_x"] == pytest.approx(GAME.S, abs=1e-14)
    assert sum(d["visits"].values()) == pytest.approx(1.0, abs=1e-15)


def _tiny_strategies(rng, k):
    """Strategies mixing exact 0/1, tiny (down to 1e-300) and near-1 entries."""
    vals = np.array([0.0, 1.0, 1e-300, 1e-200, 1e-100, 1e-30, 1e-15, 1 - 1e-15, 1 - 2**-52, 0.5, 0.3, 0.9])
    return vals[rng.integers(0, len(vals), size=(k, 5))]


def _in_range(X, Y):
    """Drop pairs with a transition probability below 1e-308 (a PrecisionError, tested below)."""
    ok = []
    for x, y in zip(X, Y):
        try:
            P.limit_state_distribution(x, y)
            ok.append(True)
        except PrecisionError:
            ok.append(False)
    return X[ok], Y[ok]


def test_limit_agrees_with_fractions_on_tiny_chains():
    rng = np.random.default_rng(7)
    X, Y = _in_range(_tiny_strategies(rng, 60), _tiny_strategies(rng, 60))
    assert len(X) >= 20
    res = P.limit_of_means(X, Y, GAME)
    for i, (x, y) in enumerate(zip(X, Y)):
        ref = np.array([float(v) for v in frac_limit(x, y)[0]])
        got = res.visits[i]
        assert got.sum() == pytest.approx(1.0, abs=4e-16)
        big = ref > 1e-250
        np.testing.assert_allclose(got[big], ref[big], rtol=1e-12)
        np.testing.assert_allclose(got[~big], ref[~big], atol=1e-250)
        assert LO <= float(res.payoff_x[i]) <= HI


@pytest.mark.parametrize("eps", [0.0, 1e-12, 1e-6])
def test_noisy_limit_agrees_with_fractions(eps):
    rng = np.random.default_rng(11)
    lib = np.array([s.vector for s in eq.library(GAME).values()])
    X, Y = _in_range(np.vstack([_tiny_strategies(rng, 8), lib]), np.vstack([_tiny_strategies(rng, 8), lib[::-1]]))
    res = P.limit_of_means(X, Y, GAME, noise=eps)
    for i, (x, y) in enumerate(zip(X, Y)):
        ref = np.array([float(v) for v in frac_limit(x, y, eps)[0]])
        np.testing.assert_allclose(res.visits[i], ref, rtol=1e-11, atol=1e-250)


@pytest.mark.parametrize("gamma", [0.9, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12, 1 - 2**-50])
def test_discounted_accurate_as_gamma_to_one(gamma):
    rng = np.random.default_rng(3)
    X, Y = _in_range(np.vstack([rng.uniform(size=(4, 5)), _tiny_strategies(rng, 6), issue_pair(1e-12)[0]]),
                     np.vstack([rng.uniform(size=(4, 5)), _tiny_strategies(rng, 6), issue_pair(1e-12)[1]]))
    for eps in (0.0, 1e-3):
        res = P.discounted(X, Y, GAME, gamma, noise=eps)
        for i, (x, y) in enumerate(zip(X, Y)):
            ref = mp_discounted(x, y, gamma, eps)
            assert abs(float(res.payoff_x[i]) - float(ref @ GAME.payoffs)) <= 1e-9
            np.testing.assert_allclose(res.visits[i], ref, rtol=1e-10, atol=1e-300)


def test_discounted_old_route_was_inaccurate():
    # Guards the reference itself: the textbook solve (I - gamma M) misses by far more than 1e-9 here,
    # so the test above could fail.
    gamma = 1 - 1e-12
    x, y = issue_pair(1e-12)
    M = P.transition_matrix(x, y)
    v0 = np.array([0.25, 0.25, 0.25, 0.25])
    naive = (1 - gamma) * np.linalg.solve((np.eye(4) - gamma * M).T, v0)
    x2, y2 = x.copy(), y.copy()
    ref = mp_discounted(x2, y2, gamma)
    assert np.max(np.abs(naive - ref)) > 1e-9


def test_underflowing_transition_is_a_named_error():
    x = np.array([0.5, 1e-200, 0.5, 0.5, 0.5])
    y = np.array([0.5, 1e-200, 0.5, 0.5, 0.5])  # X's CC-reaction * Y's CC-reaction = 1e-400
    for fn in (lambda: P.limit_of_means(x, y, GAME), lambda: P.discounted(x, y, GAME, 0.9),
               lambda: P.finite_horizon(x, y, GAME, 10), lambda: P.limit_state_distribution(x, y)):
        with pytest.raises(PrecisionError, match="float64"):
            fn()
