"""critical_gamma's closed forms, held against the literature's formulas and the exact MDP Nash check.

The formulas (prisoner's dilemmas, no noise): TFT ``max((T-R)/(R-S), (T-R)/(T-P))`` (Axelrod
1984), GRIM ``(T-R)/(T-P)`` (Friedman 1971), WSLS ``(T-R)/(R-P)`` (``c/(b-c)`` in the donation
game, Imhof, Fudenberg & Nowak 2007).  The independent check is the exact best-response MDP
(``nash_check``): Nash just above the threshold, not Nash just below it.
"""

from fractions import Fraction

import pytest

from eqtools import Game, named, preset
from solvers.equilibria import closed_form_threshold, critical_gamma, nash_check

PDS = [preset("axelrod"), preset("paper"), Game(3, 0, 4, 1), Game(2, -1, 3, 0, name="donation b=3 c=1"),
       Game(5, 0, 7, 2), Game(4, 1, 5, 2)]


def _formula(name: str, g: Game) -> Fraction:
    T, R, P, S = (Fraction(v).limit_denominator(1000) for v in (g.T, g.R, g.P, g.S))
    return {"TFT": max((T - R) / (R - S), (T - R) / (T - P)), "GRIM": (T - R) / (T - P), "WSLS": (T - R) / (R - P)}[name]


@pytest.mark.parametrize("g", PDS, ids=lambda g: g.name + str((g.R, g.S, g.T, g.P)))
@pytest.mark.parametrize("name", ["TFT", "GRIM", "WSLS"])
def test_closed_forms_equal_the_literature_and_the_mdp(name, g):
    s = named(name)
    want = _formula(name, g)
    got = critical_gamma(s, g)
    if want > 1:
        assert got is None
        assert not nash_check(s, s, g, gamma=0.9999, tol=0.0).is_nash
        return
    assert got == float(want)  # the formula itself, not a bisection estimate
    if want < 1:
        up = min(float(want) + 1e-6, 1 - 1e-9)
        assert nash_check(s, s, g, gamma=up).is_nash
    if want > 0:  # just below: a strictly positive gain (tol 0; near gamma = 1 gains shrink like 1 - gamma)
        below = nash_check(s, s, g, gamma=float(want) * (1 - 1e-4), tol=0.0)
        assert not below.is_nash and below.gain_x > 0


def test_the_reported_cases():
    ax = preset("axelrod")
    assert critical_gamma(named("WSLS"), ax) == 1.0  # was 0.99995 by bisection
    assert critical_gamma(named("TFT"), ax) == 2 / 3  # was 0.6666666617
    assert critical_gamma(named("ALLD"), ax) == 1e-6  # Nash from the lower end of the search
    donation = Game(2, -1, 3, 0)
    assert critical_gamma(named("WSLS"), donation) == 1 / 2  # c / (b - c) with b = 3, c = 1


def test_no_closed_form_falls_back_to_bisection():
    ax = preset("axelrod")
    assert closed_form_threshold(named("TFT"), ax, noise=0.01) is None
    assert closed_form_threshold(named("TFT"), preset("stag_hunt")) is None  # not a PD
    g = critical_gamma(named("TFT"), ax, noise=0.001)
    assert g is None or 0 < g < 1
