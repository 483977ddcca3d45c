"""Best responses and Nash checks as gamma -> 1, against an mpmath reference (issue 22).

The reference enumerates the 32 pure memory-one strategies and evaluates each pair's exactly
stochastic chain (``tests/exact/_refs.mp_chain``: the float inputs taken as exact numbers, noise
applied exactly) by a 60-digit solve of the *visit* equations ``x (I - gamma M) = v0``.  The
library instead runs policy iteration on the *value* equations in rational arithmetic, so the two
share no formula.  Before the fix the tie tolerance was not scaled by ``1 - gamma``: at
``gamma = 1 - 1e-9`` the best response to ALLD was ALLC and (ALLC, ALLD) was reported as Nash.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest

from _refs import mp_chain
from eqtools import named, preset
from solvers.best_response import best_response
from solvers.equilibria import nash_check, pure_equilibria

GAMMAS = [1 - 1e-6, 1 - 1e-9, 1 - 1e-12]
PURE = [np.array(b, dtype=float) for b in itertools.product((1.0, 0.0), repeat=5)]


def mp_value(p, q, game, gamma, eps=0.0):
    """Normalised discounted payoff of X (p) against Y (q), 60 digits, as an mpf."""
    r = preset(game).payoffs
    with mpmath.workdps(60):
        M, v0 = mp_chain(p, q, eps)
        g = mpmath.mpf(float(gamma))
        A = mpmath.matrix(4, 4)
        for i in range(4):
            for j in range(4):
                A[j, i] = (1 if i == j else 0) - g * M[i][j]
        x = mpmath.lu_solve(A, mpmath.matrix(v0))
        return (1 - g) * sum(x[i] * mpmath.mpf(float(r[i])) for i in range(4))


def mp_best(q, game, gamma, eps=0.0):
    vals = [mp_value(p, q, game, gamma, eps) for p in PURE]
    return max(vals), vals


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("eps", [0.0, 0.01])
def test_best_response_value_and_optimal_set_match_mpmath(gamma, eps):
    rng = np.random.default_rng(22)
    Q = rng.uniform(0, 1, size=(4, 5))
    Q[0] = [0.4, 0.7, 0.2, 0.9, 0.35]  # the issue's example
    for q in Q:
        br = best_response(q, "paper", gamma=gamma, noise=eps)
        best, vals = mp_best(q, "paper", gamma, eps)
        assert br.value == pytest.approx(float(best), rel=1e-13, abs=1e-13)
        # optimal set: strategies within one round's 1e-9 of the best, i.e. 1e-9 * (1 - gamma)
        with mpmath.workdps(60):
            thr = best - mpmath.mpf(br.info["tie_tol"]) * (1 - mpmath.mpf(gamma))
            ref = {"".join("C" if v else "D" for v in p) for p, v in zip(PURE, vals) if v >= thr}
        assert {s.name for s in br.optimal_pure} == ref


def test_issue_example_best_response_is_alld_value():
    q = [0.4, 0.7, 0.2, 0.9, 0.35]
    gamma = 1 - 1e-9
    br = best_response(q, "paper", gamma=gamma)
    alld = mp_value(np.zeros(5), q, "paper", gamma)
    assert br.value == pytest.approx(float(alld), rel=1e-13)
    assert br.value > 0.6  # ALLD earns ~0.6087; the old answer was ALLC's 0.49999


@pytest.mark.parametrize("gamma", GAMMAS)
def test_best_response_to_alld_defects(gamma):
    br = best_response(named("ALLD"), "paper", gamma=gamma)
    # defects on the path of play (opening and after DD); other reactions are free
    assert br.strategy.name[0] == "D" and br.strategy.name[-1] == "D"
    assert "DDDDD" in {s.name for s in br.optimal_pure}
    assert br.value == pytest.approx(float(preset("paper").P), abs=1e-15)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_nash_check_against_mpmath(gamma):
    g = "paper"
    tol = 1e-9 * max(1.0, float(np.max(np.abs(preset(g).payoffs))))
    late_c = np.array([1.0, 0.0, 0.0, 0.0, 0.0])  # opens C, then defects forever
    cases = [
        (named("ALLC").vector, named("ALLD").vector),
        (named("ALLD").vector, named("ALLD").vector),
        (late_c, named("ALLD").vector),  # gain only in the first round: (1 - gamma) (P - S)
        (named("TFT").vector, named("TFT").vector),
        (named("GRIM").vector, named("GRIM").vector),
        (named("WSLS").vector, named("WSLS").vector),
        (np.array([0.9, 0.8, 0.3, 0.6, 0.1]), named("TFT").vector),
    ]
    for x, y in cases:
        res = nash_check(x, y, g, gamma=gamma)
        bx, _ = mp_best(y, g, gamma)
        by, _ = mp_best(x, g, gamma)
        with mpmath.workdps(60):
            gx = bx - mp_value(x, y, g, gamma)
            gy = by - mp_value(y, x, g, gamma)
            thr = mpmath.mpf(tol) * (1 - mpmath.mpf(gamma))
        assert res.is_nash == bool(gx <= thr and gy <= thr), (x, y)
        assert res.gain_x == pytest.approx(float(max(gx, 0)), rel=1e-9, abs=1e-300)
        assert res.gain_y == pytest.approx(float(max(gy, 0)), rel=1e-9, abs=1e-300)


def test_issue_example_allc_alld_not_nash():
    res = nash_check(named("ALLC"), named("ALLD"), "paper", gamma=1 - 1e-9)
    g = preset("paper")
    assert not res.is_nash
    assert res.gain_x == pytest.approx(g.P - g.S, rel=1e-12)  # ALLD earns P instead of S, every round


def test_pure_equilibria_near_one_matches_nash_check():
    gamma = 1 - 1e-12
    pe = pure_equilibria("paper", gamma=gamma)
    pool = pe.pool
    rng = np.random.default_rng(5)
    pairs = set(pe.pairs)
    for i, j in [tuple(rng.integers(0, 32, 2)) for _ in range(12)] + list(pe.pairs)[:6]:
        assert ((int(i), int(j)) in pairs) == nash_check(pool.params[i], pool.params[j], "paper", gamma=gamma).is_nash


def test_cli_nash_near_one_is_not_nash(capsys):
    import json

    from eqtools.cli import main

    assert main(["solve", "nash", "--pair", "ALLC", "ALLD", "--gamma", "0.999999999", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["is_nash"] is False


@pytest.mark.parametrize("atol", ["x", float("nan"), -1.0, [1e-9]])
def test_best_response_bad_atol_is_named(atol):
    from eqtools.errors import ParameterError

    with pytest.raises(ParameterError, match="atol"):
        best_response(named("TFT"), "paper", gamma=0.9, atol=atol)
