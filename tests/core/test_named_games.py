"""Game-dependent named strategies: the game is explicit, and GTFT never silently becomes TFT."""

import pytest

import eqtools as eq
from eqtools.errors import GameError, ParameterError

SNOWDRIFT = eq.Game(3, 2, 4, 0, name="snowdrift b=4 c=2")  # R = b - c/2, S = b - c, T = b, P = 0


def test_game_dependent_names_need_the_game():
    with pytest.raises(ParameterError, match="depends on the game"):
        eq.named("Extort-2")
    paper, ax = eq.named("Extort-2", "paper"), eq.named("Extort-2", "axelrod")
    assert paper.p != ax.p  # the same name is a different vector in another game
    assert ax.p == pytest.approx((8 / 9, 1 / 2, 1 / 3, 0.0))  # Press & Dyson: (8/9, 1/2, 1/3, 0)
    assert eq.named("TFT") == eq.named("TFT", "axelrod")  # game-independent names need no game
    with pytest.raises(ParameterError, match="game is required"):
        eq.library()


def test_gtft_in_snowdrift_raises_instead_of_becoming_tft():
    with pytest.raises(GameError, match="pass q explicitly"):
        eq.named("GTFT", SNOWDRIFT)
    assert "GTFT" not in eq.library(SNOWDRIFT)  # left out of the library, named() says why
    s = eq.gtft(SNOWDRIFT, q=0.3)
    assert s.p == (1.0, 0.3, 1.0, 0.3)
    with pytest.raises(ParameterError):
        eq.gtft(SNOWDRIFT, q=1.5)
    # In a prisoner's dilemma the Nowak-Sigmund generosity is unchanged: 1/3 in the axelrod game.
    assert eq.named("GTFT", "axelrod").p[1] == pytest.approx(1 / 3)
