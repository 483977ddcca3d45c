"""Equilibria of estimated (partly simulated) meta-games: the support check and the survival rates.

References: complete vertex enumeration (solvers.bimatrix.extreme_equilibria) for the support
check on nondegenerate games, and a probability derived by hand for the survival rate.
"""

import itertools
import json

import numpy as np
import pytest

from eqtools.cli import main
from eqtools.errors import ParameterError
from eqtools.games import BimatrixGame
from eqtools.tournament import save_tournament
from solvers.estimated_meta_game import robustness, support_equilibrium_exists
from solvers.bimatrix import extreme_equilibria


@pytest.mark.parametrize("seed", range(4))
def test_support_check_equals_complete_enumeration(seed):
    """Nondegenerate random games: an equilibrium with supports (R, C) exists iff enumeration lists one."""
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    found = {(tuple(np.flatnonzero(e.x > 1e-9)), tuple(np.flatnonzero(e.y > 1e-9)))
             for e in extreme_equilibria(BimatrixGame(A, B)).equilibria}
    for k in (1, 2, 3):
        for rs in itertools.combinations(range(4), k):
            for cs in itertools.combinations(range(4), k):
                assert support_equilibrium_exists(A, B, rs, cs) == ((rs, cs) in found), (rs, cs)


class _Eq:
    def __init__(self, x, y):
        self.x, self.y = np.asarray(x, float), np.asarray(y, float)


def test_survival_rate_matches_the_hand_computed_probability():
    """All-ones symmetric game perturbed i.i.d.: the pure profile (0, 0) stays an equilibrium iff
    M'[0,0] >= M'[1,0] (the column condition is the same inequality, B' = M'^T): probability 1/2."""
    M = np.ones((2, 2))
    rob = robustness([_Eq([1, 0], [1, 0])], M, np.full((2, 2), 0.1), draws=800, seed=3)
    assert abs(rob.survival[0] - 0.5) < 4 * np.sqrt(0.25 / 800)
    assert not rob.survives[0]
    again = robustness([_Eq([1, 0], [1, 0])], M, np.full((2, 2), 0.1), draws=800, seed=3)
    assert again.survival == rob.survival  # seeded


def test_strict_equilibria_survive_small_errors():
    M = np.array([[2.0, 0.0], [0.0, 1.0]])  # coordination: (0,0), (1,1) strict, one mixed
    res = extreme_equilibria(BimatrixGame.symmetric(M))
    rob = robustness(res, M, np.full((2, 2), 0.01), draws=200, seed=0)
    assert len(rob.survival) == 3 and all(rob.survives)
    assert rob.appearing == ()  # nothing new appears under small errors (2x2: re-solved completely)


def test_bad_inputs():
    with pytest.raises(ParameterError):
        robustness(42, np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ParameterError):
        robustness([], np.ones((2, 2)), -np.ones((2, 2)))
    with pytest.raises(ParameterError):
        robustness([], np.ones((2, 2)), np.zeros((2, 2)), draws=0)
    with pytest.raises(ParameterError):
        support_equilibrium_exists(np.ones((2, 2)), np.ones((2, 2)), [], [0])
    with pytest.raises(ParameterError):
        support_equilibrium_exists(np.ones((2, 2)), np.ones((3, 2)), [0], [0])


@pytest.fixture(scope="module")
def partly_simulated(tmp_path_factory):
    import eqtools as eq
    from solvers.simulate import MemoryOnePolicy
    from solvers.tournament import tournament

    lib = eq.library("axelrod")
    hidden = MemoryOnePolicy(eq.named("WSLS").vector, name="learned-WSLS")
    ds = tournament([lib["TFT"], lib["ALLD"], lib["GRIM"], hidden], game="axelrod", n=50, matches=300, seed=0)
    assert int(ds.attrs["simulated_cells"]) == 7
    path = tmp_path_factory.mktemp("t") / "t.nc"
    save_tournament(ds, path)
    exact = tmp_path_factory.mktemp("e") / "e.nc"
    save_tournament(tournament([lib["TFT"], lib["ALLD"], lib["GRIM"]], game="axelrod", n=50), exact)
    return path, exact


def test_cli_nash_says_the_matrix_is_estimated(partly_simulated, capsys):
    path, exact = partly_simulated
    assert main(["solve", "nash", "--tournament", str(path), "--perturbations", "50"]) == 0
    out = capsys.readouterr().out
    assert "ESTIMATED" in out and "7 of 16 cells simulated" in out and "survives" in out
    assert "COMPLETE (every extreme equilibrium)" not in out
    assert main(["solve", "nash", "--tournament", str(path), "--perturbations", "50", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["estimated_matrix"]["simulated_cells"] == 7 and len(d["estimated_matrix"]["survival"]) == d["n_equilibria"]
    assert main(["solve", "nash", "--tournament", str(exact)]) == 0
    assert "ESTIMATED" not in capsys.readouterr().out


def test_cli_alpharank_and_evolve_take_a_tournament(partly_simulated, capsys):
    path, exact = partly_simulated
    assert main(["solve", "alpharank", "--tournament", str(path)]) == 0
    assert "ESTIMATED, 7 of 16 cells simulated" in capsys.readouterr().out
    assert main(["evolve", "stationary", "--tournament", str(exact), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert list(d["pi"]) == ["TFT", "ALLD", "GRIM"] and abs(sum(d["pi"].values()) - 1) < 1e-12
    assert main(["evolve", "stationary", "TFT", "--tournament", str(exact)]) == 2
    assert main(["solve", "alpharank", "--tournament", str(exact), "--strategies", "TFT"]) == 2


def test_cli_solve_payoffs(capsys):
    assert main(["solve", "nash", "--pair", "TFT", "TFT", "--payoffs", "3,0,5,1", "--gamma", "0.7", "--json"]) == 0
    custom = json.loads(capsys.readouterr().out)
    assert main(["solve", "nash", "--pair", "TFT", "TFT", "--game", "axelrod", "--gamma", "0.7", "--json"]) == 0
    preset = json.loads(capsys.readouterr().out)
    assert custom["is_nash"] == preset["is_nash"] and custom["gain_x"] == preset["gain_x"]
    assert main(["solve", "nash", "--pair", "TFT", "TFT", "--payoffs", "3,0,5"]) == 2
