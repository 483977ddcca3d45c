"""Games, memory-one strategies, the named library and input validation."""

import math

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import GameError, InvalidProbabilityError, ParameterError


def test_preset_kinds():
    assert eq.preset("paper").kind() == "prisoners_dilemma"
    assert eq.preset("axelrod").kind() == "prisoners_dilemma"
    assert eq.preset("lola").kind() == "prisoners_dilemma"
    assert eq.preset("stag_hunt").kind() == "stag_hunt"
    assert eq.preset("chicken").kind() == "chicken"
    assert eq.Game(1, 1, 1, 1).kind() == "degenerate"


def test_claimed_kind_names_failing_condition():
    # T + S = 2R fails the iterated-PD condition 2R > T + S.
    with pytest.raises(GameError, match=r"2R > T \+ S"):
        eq.Game(2, -1, 5, 0, kind_claimed="prisoners_dilemma")
    with pytest.raises(GameError, match="T > R"):
        eq.preset("stag_hunt").require("prisoners_dilemma")
    assert eq.preset("paper").require("prisoners_dilemma") is eq.preset("paper")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x", None])
def test_game_rejects_non_numbers(bad):
    with pytest.raises(GameError, match="payoff T"):
        eq.Game(1, 0, bad, 0)


def test_unknown_preset():
    with pytest.raises(GameError, match="unknown game preset"):
        eq.preset("nope")


def test_bimatrix_validation():
    with pytest.raises(GameError, match="differ in shape"):
        eq.BimatrixGame(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(GameError, match=r"non-finite entry at \(1, 0\)"):
        eq.BimatrixGame([[0, 1], [np.nan, 0]], np.zeros((2, 2)))
    bm = eq.preset("axelrod").bimatrix()
    assert bm.A[1, 0] == 5 and bm.B[0, 1] == 5 and bm.is_symmetric()


@pytest.mark.parametrize(
    "vec, field",
    [([1, 1, 1.2, 0, 0], "p_CD"), ([-0.1, 1, 1, 0, 0], "p0"), ([1, 1, 1, 0, float("nan")], "p_DD")],
)
def test_strategy_validation_names_field(vec, field):
    with pytest.raises(InvalidProbabilityError, match=field):
        eq.MemoryOne.from_vector(vec)


def test_pool_validation_names_row_and_field():
    params = np.full((4, 5), 0.5)
    params[2, 3] = 2.0
    with pytest.raises(InvalidProbabilityError, match=r"p_DC \(row 2\)"):
        eq.StrategyPool(params)
    with pytest.raises(ParameterError, match="unique"):
        eq.StrategyPool(np.full((2, 5), 0.5), ["a", "a"])


def test_strategy_is_immutable_and_pool_read_only():
    s = eq.named("TFT")
    with pytest.raises(AttributeError):
        s.p0 = 0.0  # type: ignore[misc]
    pool = eq.StrategyPool.uniform(3, seed=0)
    with pytest.raises(ValueError):
        pool.params[0, 0] = 0.3


def test_uniform_pool_seeded():
    a = eq.StrategyPool.uniform(50, seed=7).params
    b = eq.StrategyPool.uniform(50, seed=7).params
    c = eq.StrategyPool.uniform(50, seed=8).params
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1 and abs(a.mean() - 0.5) < 0.1


def test_published_extort2_and_gtft_vectors():
    # Press & Dyson 2012: Extort-2 = (8/9, 1/2, 1/3, 0) under (3, 0, 5, 1).
    e2 = eq.named("Extort-2", "axelrod")
    assert np.allclose(e2.p, (8 / 9, 1 / 2, 1 / 3, 0.0), atol=1e-15)
    # Nowak & Sigmund generosity min(1 - (T-R)/(R-S), (R-P)/(T-P)) = 1/3 under (3, 0, 5, 1).
    assert math.isclose(eq.named("GTFT", "axelrod").p[1], 1 / 3)


def test_zd_family_validity_and_errors():
    with pytest.raises(ParameterError, match="chi"):
        eq.extortionate("paper", 0.5)
    with pytest.raises(ParameterError, match="phi"):
        eq.extortionate("paper", 2.0, phi=10.0)
    with pytest.raises(GameError, match="P != S"):
        eq.extortionate(eq.Game(3, 1, 5, 1), 2.0)
    with pytest.raises(InvalidProbabilityError):
        eq.zd_strategy("paper", 1.0, 1.0, 1.0)
    for game in ("paper", "axelrod", "lola"):
        for chi in (1.0, 1.5, 3.0):
            assert eq.extortionate(game, chi).p[3] == 0.0
            assert eq.generous(game, chi).p[0] == 1.0


def test_library_and_named_errors():
    lib = eq.library("paper")
    assert {"ALLC", "ALLD", "TFT", "GTFT", "WSLS", "GRIM", "Random", "Alternator", "Extort-2"} <= set(lib)
    assert eq.named("Extort-3", "axelrod").name == "Extort-3"
    with pytest.raises(ParameterError, match="unknown strategy"):
        eq.named("Nonexistent")


def test_parse_strategy():
    from eqtools.io import parse_strategy

    assert parse_strategy("TFT").vector.tolist() == [1, 1, 0, 1, 0]
    s = parse_strategy("mine=1, 0.5 0.2 1 0")
    assert s.name == "mine" and s.p0 == 1.0 and s.p == (0.5, 0.2, 1.0, 0.0)
    with pytest.raises(InvalidProbabilityError, match="five numbers"):
        parse_strategy("1,1,1")
    with pytest.raises(InvalidProbabilityError, match="p_CC"):
        parse_strategy("1,1.5,1,1,1")
