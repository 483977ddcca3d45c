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


def test_limit_agrees_with_fractions_on_tiny_chains():
    rng = np.random.default_rng(7)
    X, Y = _tiny_strategies(rng, 60), _tiny_strategies(rng, 60)
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
    X, Y = np.vstack([_tiny_strategies(rng, 8), lib]), np.vstack([_tiny_strategies(rng, 8), lib[::-1]])
    res = P.limit_of_means(X, Y, GAME, noise=eps)
    for i, (x, y) in enumerate(zip(X, Y)):
        ref = np.array([float(v) for v in frac_limit(x, y, eps)[0]])
        np.testing.assert_allclose(res.visits[i], ref, rtol=1e-11, atol=1e-250)


@pytest.mark.parametrize("gamma", [0.9, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12, 1 - 2**-50])
def test_discounted_accurate_as_gamma_to_one(gamma):
    rng = np.random.default_rng(3)
    X = np.vstack([rng.uniform(size=(4, 5)), _tiny_strategies(rng, 6), issue_pair(1e-12)[0]])
    Y = np.vstack([rng.uniform(size=(4, 5)), _tiny_strategies(rng, 6), issue_pair(1e-12)[1]])
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


def test_underflowing_products_are_served():
    # A transition probability 1e-200 * 1e-200 underflows to 0; the chain's structure is read off
    # the factors, and the answer still agrees with exact rationals (to 1e-300 absolute).
    x = np.array([0.5, 1e-200, 0.5, 0.5, 0.5])
    y = np.array([0.5, 1e-200, 0.5, 0.5, 1e-200])
    ref = np.array([float(v) for v in frac_limit(x, y)[0]])
    np.testing.assert_allclose(P.limit_of_means(x, y, GAME).visits, ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(P.discounted(x, y, GAME, 1 - 1e-9).visits, mp_discounted(x, y, 1 - 1e-9),
                               rtol=1e-10, atol=1e-300)


def test_limit_beyond_float_range_is_a_named_error():
    # "Repeat your last move" against itself: all four states absorbing; noise 5e-324 (the smallest
    # subnormal) makes the chain irreducible with uniform limit, but every GTH pivot is subnormal.
    rep = np.array([1.0, 1.0, 1.0, 0.0, 0.0])
    assert frac_limit(rep, rep, 5e-324)[0] == [0.25] * 4  # the exact answer exists ...
    with pytest.raises(PrecisionError, match="float64"):  # ... but not in float64
        P.limit_of_means(rep, rep, GAME, noise=5e-324)
    d = P.discounted(rep, rep, GAME, 0.9, noise=5e-324)  # the discounted value is served
    np.testing.assert_allclose(d.visits, [1, 0, 0, 0], atol=1e-300)
    # noise 1e-150 is fine: uniform
    np.testing.assert_allclose(P.limit_of_means(rep, rep, GAME, noise=1e-150).visits, 0.25, rtol=1e-12)


def test_limit_with_1e300_exits_to_a_single_class_is_exact_issue22():
    """Both open D; after DD each cooperates with probability 1e-300, so DD leaks (through CD/DC and,
    with probability 1e-600, straight to CC) into the only closed class, CC.  The exact limit is
    all CC (payoff R); it raised PrecisionError because the transient exits were summed in float64
    although the opening reaches a single closed class."""
    x = np.array([0.0, 1.0, 0.0, 0.0, 1e-300])
    ref, closed = frac_limit(x, x)
    assert closed == [[0]]
    res = P.limit_of_means(x, x, GAME)
    np.testing.assert_allclose(res.visits, [float(v) for v in ref], atol=1e-300)
    assert float(res.payoff_x) == GAME.R


def test_limit_never_refuses_tiny_grids():
    """Every pair over a grid of exact, 1e-300 and near-1 entries: the exact answer (rational
    reference), never a PrecisionError."""
    vals = (0.0, 1e-300, 1.0, 1 - 1e-16)
    rng = np.random.default_rng(22)
    X = np.array(vals)[rng.integers(0, 4, size=(150, 5))]
    Y = np.vstack([X[75:], X[:75]])
    res = P.limit_of_means(X, Y, GAME)
    for i, (x, y) in enumerate(zip(X, Y)):
        ref = np.array([float(v) for v in frac_limit(x, y)[0]])
        np.testing.assert_allclose(res.visits[i], ref, rtol=1e-12, atol=1e-300)
