"""Tournament matrices (exact and simulated cells), NetCDF round trip, heatmap, and the CLI."""

import json

import numpy as np
import pytest

import eqtools as eq
from eqtools.cli import main
from eqtools.errors import ParameterError
from eqtools.tournament import load_tournament, plot_tournament, save_tournament, to_bimatrix, tournament_game
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy
from solvers.tournament import tournament


def test_exact_tournament_labels_and_values(tmp_path):
    lib = eq.library("axelrod")
    players = [lib["TFT"], lib["ALLD"], lib["WSLS"], lib["Extort-2"]]
    ds = tournament(players, game="axelrod", n=50)
    assert list(ds.row.values) == ["TFT", "ALLD", "WSLS", "Extort-2"]
    assert bool(ds.exact.all())
    one = finite_horizon(lib["WSLS"], lib["Extort-2"], "axelrod", 50)
    assert ds.payoff_row.sel(row="WSLS", col="Extort-2") == pytest.approx(float(one.payoff_x))
    assert ds.payoff_col.sel(row="WSLS", col="Extort-2") == pytest.approx(float(one.payoff_y))
    # A symmetric tournament: column payoffs are the transposed row payoffs.
    assert np.allclose(ds.payoff_col.values, ds.payoff_row.values.T)
    assert tournament_game(ds) == eq.preset("axelrod")
    bm = to_bimatrix(ds)
    assert bm.shape == (4, 4) and bm.row_labels[3] == "Extort-2"

    path = save_tournament(ds, tmp_path / "t.nc")
    back = load_tournament(path)
    assert back.identical(ds)
    from eqtools.errors import OutputPathError

    with pytest.raises(OutputPathError, match="directory"):
        plot_tournament(back, "coop_row", tmp_path)
    fig = plot_tournament(back, "coop_row", tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    fig.clf()


def test_mixed_exact_and_simulated_cells():
    lib = eq.library("paper")
    sim_player = MemoryOnePolicy(eq.StrategyPool.uniform(1, seed=3).params[0], name="hidden")
    rows = [lib["TFT"], sim_player]
    cols = [lib["ALLC"], lib["Random"], lib["WSLS"]]
    ds = tournament(rows, cols, game="paper", n=40, matches=4000, seed=1)
    assert ds.exact.sel(row="TFT").all() and not ds.exact.sel(row="hidden").any()
    # The simulated row agrees with the exact value of the same memory-one vector.
    exact = finite_horizon(eq.StrategyPool.uniform(1, seed=3).params[0], np.stack([c.vector for c in cols]), "paper", 40)
    z = (ds.payoff_row.sel(row="hidden").values - exact.payoff_x) / np.maximum(ds.payoff_row_se.sel(row="hidden").values, 1e-12)
    assert np.all(np.abs(z) < 5)
    assert np.all(np.isnan(ds.row_params.sel(row="hidden").values))
    with pytest.raises(ParameterError, match="cannot be simulated"):
        tournament(rows, cols, game="paper", limit=True)


def test_duplicate_names_rejected():
    t = eq.named("TFT")
    with pytest.raises(ParameterError, match="unique"):
        tournament([t, t], game="paper")


def test_cli_tournament_writes_netcdf_and_png(tmp_path, capsys):
    out = tmp_path / "res" / "t.nc"
    rc = main(["tournament", "TFT", "ALLD", "Extort-2", "--random", "3", "--game", "axelrod", "-n", "20", "-o", str(out)])
    assert rc == 0
    ds = load_tournament(out)
    assert ds.sizes["row"] == 6 and out.with_suffix(".png").exists()
    assert json.loads(ds.attrs["config"])["random"] == 3


def test_cli_payoff_json_and_errors(capsys):
    assert main(["payoff", "Extort-2", "ALLC", "--game", "axelrod", "--limit", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["payoff_x"] == pytest.approx(3.5) and out["payoff_y"] == pytest.approx(2.25)
    assert main(["payoff", "TFT", "1,1,1.5,0,0"]) == 2
    assert "p_CD" in capsys.readouterr().err
    assert main(["payoff", "TFT", "TFT", "--gamma", "1.2"]) == 2
    assert "gamma" in capsys.readouterr().err
    assert main(["payoff", "TFT", "TFT", "--game", "nope"]) == 2
    assert "unknown game preset" in capsys.readouterr().err
    assert main(["payoff", "TFT", "TFT", "--payoffs", "1,2,x,4"]) == 2
    assert main(["tournament", "-o", "/tmp/none.nc"]) == 2
    assert "no strategies" in capsys.readouterr().err
