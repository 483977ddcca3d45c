"""Memory-one equilibria: brute force over pure deviations, published thresholds, Press–Dyson facts."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools import Game, generous, named, preset
from solvers.best_response import pure_strategies
from solvers.equilibria import (
    cooperative_nash,
    critical_gamma,
    known_facts,
    nash_check,
    pure_equilibria,
    search_equilibria,
)
from solvers.payoffs import payoff_matrix

PD_GAMES = ["paper", "axelrod", "lola"]


@pytest.mark.parametrize("game,crit", [("paper", {"gamma": 0.9}), ("axelrod", {"gamma": 0.6}), ("stag_hunt", {"gamma": 0.8})])
def test_pure_equilibria_against_brute_force(game, crit):
    """Discounted: the best deviation is a pure memory-one strategy, so the 32x32 payoff
    table alone (an independent route: no MDP) decides which pairs are Nash."""
    pool = pure_strategies()
    res = payoff_matrix(pool, pool, game, **crit)
    A, B = np.asarray(res.payoff_x), np.asarray(res.payoff_y)
    brute = {
        (i, j)
        for i in range(32)
        for j in range(32)
        if A[i, j] >= A[:, j].max() - 1e-9 and B[i, j] >= B[i, :].max() - 1e-9
    }
    assert set(pure_equilibria(game, **crit).pairs) == brute


def test_finite_horizon_equilibria_are_a_subset_of_pure_brute_force():
    # With a finite horizon deviations may be time dependent: stricter than pure stationary ones.
    pool = pure_strategies()
    res = payoff_matrix(pool, pool, "paper", n=10)
    A, B = np.asarray(res.payoff_x), np.asarray(res.payoff_y)
    brute = {(i, j) for i in range(32) for j in range(32) if A[i, j] >= A[:, j].max() - 1e-9 and B[i, j] >= B[i, :].max() - 1e-9}
    ours = set(pure_equilibria("paper", n=10).pairs)
    assert ours <= brute
    # TFT-TFT is "Nash among stationary strategies" but not in the finite game (last-round defection)
    tft = pool.names.index("CCDCD")
    assert (tft, tft) in brute and (tft, tft) not in ours


@pytest.mark.parametrize("game", ["paper", "axelrod", "lola", "stag_hunt", "chicken"])
@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.95])
def test_mutual_alld_is_nash_iff_p_ge_s(game, gamma):
    g = preset(game)
    chk = nash_check(named("ALLD"), named("ALLD"), g, gamma=gamma)
    assert chk.is_nash == (g.P >= g.S)
    if not chk.is_nash:  # chicken: cooperating against ALLD earns S > P each round
        assert chk.gain_x == pytest.approx(g.S - g.P)


@pytest.mark.parametrize("game", PD_GAMES)
def test_published_discount_thresholds(game):
    """Axelrod (1984): TFT is Nash against itself iff gamma >= max((T-R)/(R-S), (T-R)/(T-P));
    GRIM iff gamma >= (T-R)/(T-P).  Found here by bisection on the exact MDP check."""
    g = preset(game)
    T, R, P, S = g.T, g.R, g.P, g.S
    assert critical_gamma(named("TFT"), g) == pytest.approx(max((T - R) / (R - S), (T - R) / (T - P)), abs=1e-7)
    assert critical_gamma(named("GRIM"), g) == pytest.approx((T - R) / (T - P), abs=1e-7)


def test_wsls_threshold():
    """WSLS vs WSLS is Nash iff gamma >= (T-R)/(R-P) (the ALLD deviation earns T, P, T, P, ...)."""
    g = Game(3, 0, 4, 1)
    assert critical_gamma(named("WSLS"), g) == pytest.approx((g.T - g.R) / (g.R - g.P), abs=1e-7)
    # in the axelrod game (T - R)/(R - P) = 1: never Nash for gamma < 1
    assert not nash_check(named("WSLS"), named("WSLS"), "axelrod", gamma=0.99).is_nash


def test_nash_gap_values():
    g = preset("axelrod")
    chk = nash_check(named("ALLC"), named("ALLC"), g, gamma=0.9)
    assert not chk.is_nash and chk.gap == pytest.approx(g.T - g.R)
    assert chk.deviation_x.name == "DDDDD" or chk.deviation_x.vector[1] == 0.0
    # below the TFT threshold (2/3 in the axelrod game) the gain is positive, above it zero
    assert nash_check(named("TFT"), named("TFT"), g, gamma=0.6).gain_x > 0
    assert nash_check(named("TFT"), named("TFT"), g, gamma=0.7).gain_x == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("game", PD_GAMES)
def test_generous_zd_partners_are_nash_in_the_limit(game):
    """Generous ZD enforces s_X - R = chi (s_Y - R); a co-player with s_Y > R would force
    s_X > R too, impossible in a PD (s_X + s_Y <= 2R).  So (GZD, GZD) with payoff R is Nash."""
    g = preset(game)
    for chi in (1.5, 2.0, 4.0):
        s = generous(g, chi)
        chk = nash_check(s, s, g, limit=True, tol=1e-9)
        assert chk.is_nash, (chi, chk)
        assert chk.payoff_x == pytest.approx(g.R)


def test_search_and_cooperative_nash():
    rows = cooperative_nash("axelrod", gamma=0.9)
    names = {r.strategy.name: r.is_nash for r in rows}
    assert names["TFT"] and names["GRIM"] and not names["ALLC"] and not names["WSLS"]
    assert all(r.cooperation >= 1 - 1e-9 for r in rows)
    # full search: ALLD symmetric equilibrium present, ALLC absent
    rows = search_equilibria("axelrod", gamma=0.9, include_zd=False)
    nash = {r.strategy.name for r in rows if r.is_nash}
    assert "ALLD" in nash and "ALLC" not in nash


def test_known_facts_report():
    f = known_facts("paper", 0.9)
    assert f["ALLD_vs_ALLD"]["is_nash"] and f["ALLD_vs_ALLD"]["expected"]
    assert f["TFT_vs_TFT"]["critical_gamma"] == pytest.approx(0.5, abs=1e-6)
