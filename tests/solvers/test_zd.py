"""ZD detection and fit: checked against the exact Press–Dyson relation through the Markov chain."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools import Game, GameError, equalizer, extortionate, generous, named, preset
from solvers.payoffs import limit_of_means
from solvers.zd import enforced_relation_error, fit_zd

GAMES = ["paper", "axelrod", "lola"]


def _coplayers(k=40, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=(k, 5))


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("chi", [1.5, 2.0, 3.7])
def test_extortionate_fit_and_press_dyson(game, chi):
    g = preset(game)
    s = extortionate(g, chi)
    fit = fit_zd(s, g)
    assert fit.kind == "extortionate" and fit.is_zd
    assert fit.chi == pytest.approx(chi, rel=1e-9) and fit.kappa == pytest.approx(g.P, abs=1e-9)
    # Press–Dyson through the chain: s_X - P = chi (s_Y - P) against random co-players
    res = limit_of_means(s.vector[None, :], _coplayers(), g)
    sx, sy = np.asarray(res.payoff_x), np.asarray(res.payoff_y)
    np.testing.assert_allclose(sx - g.P, chi * (sy - g.P), atol=1e-9)
    assert enforced_relation_error(s, g, _coplayers(seed=1)).max() < 1e-9


@pytest.mark.parametrize("game", GAMES)
def test_generous_and_equalizer(game):
    g = preset(game)
    s = generous(g, 2.5)
    fit = fit_zd(s, g)
    assert fit.kind == "generous" and fit.chi == pytest.approx(2.5) and fit.kappa == pytest.approx(g.R)
    res = limit_of_means(s.vector[None, :], _coplayers(), g)
    np.testing.assert_allclose(np.asarray(res.payoff_x) - g.R, 2.5 * (np.asarray(res.payoff_y) - g.R), atol=1e-9)
    v = 0.5 * (g.P + g.R)
    e = equalizer(g, v)
    fe = fit_zd(e, g)
    assert fe.kind == "equalizer"
    # the co-player's payoff is pinned at v whatever it does
    res = limit_of_means(e.vector[None, :], _coplayers(seed=2), g)
    np.testing.assert_allclose(np.asarray(res.payoff_y), v, atol=1e-9)
    assert -fe.gamma / fe.beta == pytest.approx(v)


def test_random_zd_coefficients_are_recovered():
    rng = np.random.default_rng(4)
    g = preset("axelrod")
    for _ in range(20):
        chi = rng.uniform(1.05, 5)
        kind = rng.choice(["ext", "gen"])
        fn = extortionate if kind == "ext" else generous
        phi_frac = rng.uniform(0.1, 1.0)
        ref = fn(g, chi)
        s = fn(g, chi, phi=2 * phi_frac * fit_zd(ref, g).phi)
        f = fit_zd(s, g)
        assert f.is_zd and f.chi == pytest.approx(chi, rel=1e-8)
        assert f.phi == pytest.approx(2 * phi_frac * fit_zd(ref, g).phi, rel=1e-8)


def test_non_zd_strategies_are_rejected_with_evidence():
    g = preset("axelrod")
    for name in ("WSLS", "ALLD", "GTFT"):
        f = fit_zd(named(name, g), g)
        assert not f.is_zd and f.kind == "not ZD" and "not ZD" in f.describe()
        # the relation of the least-squares fit fails for some co-player (independent check)
        assert enforced_relation_error(named(name, g), g, _coplayers(), fit=f).max() > 1e-3
    rng = np.random.default_rng(0)
    for _ in range(10):
        s = rng.uniform(0, 1, 5)
        assert not fit_zd(s, g).is_zd


def test_noisy_extortioner_with_tolerance():
    g = preset("axelrod")
    s = extortionate(g, 2.0).vector
    noisy = np.clip(s + np.random.default_rng(1).normal(0, 2e-3, 5), 0, 1)
    strict = fit_zd(noisy, g)
    assert not strict.is_zd
    loose = fit_zd(noisy, g, tol=0.02, kappa_tol=0.05)
    assert loose.is_zd and loose.kind == "extortionate" and loose.chi == pytest.approx(2.0, abs=0.2)
    assert "extortionate with chi" in loose.describe()


def test_donation_game_reactive_strategies_are_zd():
    """In the paper's (donation) game ALLD enforces s_X = -2 s_Y: check through the chain."""
    g = preset("paper")
    f = fit_zd(named("ALLD"), g)
    assert f.is_zd and f.chi == pytest.approx(-2.0)
    res = limit_of_means(named("ALLD").vector[None, :], _coplayers(), g)
    np.testing.assert_allclose(np.asarray(res.payoff_x), -2 * np.asarray(res.payoff_y), atol=1e-9)


def test_tft_is_fair_and_degenerate_game_raises():
    f = fit_zd(named("TFT"), "axelrod")
    assert f.kind == "fair"
    with pytest.raises(GameError, match="degenerate"):
        fit_zd(named("TFT"), Game(1, 1, 1, 1))
