"""Meta-game analysis of tournaments, learned (simulated) entrants included."""

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import ParameterError
from solvers.bimatrix.meta_game import analyse_tournament
from solvers.simulate import MemoryOnePolicy
from solvers.tournament import tournament


def test_library_tournament_meta_game():
    lib = eq.library("paper")
    ds = tournament([lib[k] for k in ("ALLC", "ALLD", "TFT", "GRIM")], game="paper", n=100)
    res = analyse_tournament(ds, alpha=5.0)
    d = res.to_dict()
    # ALLD is a symmetric pure equilibrium of this meta-game: nobody gains by switching from it
    # (M[ALLD, ALLD] = 0 >= M[x, ALLD] for every x).
    M = ds.payoff_row.values
    assert M[1, 1] >= M[:, 1].max() - 1e-12
    sym_pure = [e for e in res.nash.symmetric() if e.is_pure]
    assert any(e.support_row == (1,) for e in sym_pure)
    # Every reported equilibrium satisfies the best-response conditions on the matrix itself.
    B = ds.payoff_col.values
    for e in res.nash.equilibria:
        assert e.x @ M @ e.y >= (M @ e.y).max() - 1e-9
        assert e.x @ B @ e.y >= (e.x @ B).max() - 1e-9
    assert d["alpharank"] is not None and abs(sum(r["mass"] for r in d["alpharank"]["ranking"]) - 1) < 1e-9


def test_simulated_entrant_and_asymmetry_error():
    lib = eq.library("paper")
    hidden = MemoryOnePolicy(eq.named("WSLS").vector, name="learned-WSLS")
    ds = tournament([lib["TFT"], lib["ALLD"], hidden], game="paper", n=50, matches=200, seed=0)
    assert not ds.exact.sel(row="learned-WSLS").any()
    res = analyse_tournament(ds)
    assert res.labels == ("TFT", "ALLD", "learned-WSLS")
    with pytest.raises(ParameterError, match="symmetric tournament"):
        analyse_tournament(tournament([lib["TFT"]], [lib["ALLD"]], game="paper"))
