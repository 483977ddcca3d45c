"""``eqtools solve``: outputs agree with the library and with analytic facts; errors are clean."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eqtools.cli import main


def _run(capsys, *argv):
    rc = main(["solve", *argv, "--json"])  # JSON output (the default is a readable table)
    out = capsys.readouterr()
    return rc, out


def test_best_response_json(capsys):
    rc, out = _run(capsys, "best-response", "--coplayer", "ALLC", "--game", "paper", "--gamma", "0.9")
    assert rc == 0
    d = json.loads(out.out)
    assert d["value"] == pytest.approx(2.0)  # always defect against ALLC earns T = 2
    assert d["strategy"]["p"] == [0.0, 0.0, 0.0, 0.0]


def test_nash_pair_against_threshold(capsys):
    # TFT threshold in the axelrod game is 2/3
    rc, out = _run(capsys, "nash", "--pair", "TFT", "TFT", "--game", "axelrod", "--gamma", "0.7", "--json")
    assert rc == 0 and json.loads(out.out)["is_nash"] is True
    rc, out = _run(capsys, "nash", "--pair", "TFT", "1,1,0,1,0", "--game", "axelrod", "--gamma", "0.6", "--json")
    assert rc == 0 and json.loads(out.out)["is_nash"] is False


def test_meta_game_nash_netcdf(tmp_path, capsys):
    xr = pytest.importorskip("xarray")
    path = tmp_path / "nash.nc"
    rc, _ = _run(capsys, "nash", "--strategies", "ALLC", "ALLD", "TFT", "--gamma", "0.9", "--out", str(path))
    assert rc == 0
    ds = xr.open_dataset(path)
    d = json.loads(ds.attrs["result_json"])
    assert d["n_equilibria"] == ds["x"].shape[0] >= 1
    assert np.allclose(ds["x"].sum("row"), 1.0)


def test_zd_and_alpharank(capsys, tmp_path):
    rc, out = _run(capsys, "zd", "--strategy", "Extort-2", "--game", "axelrod")
    d = json.loads(out.out)
    assert rc == 0 and d["kind"] == "extortionate" and d["chi"] == pytest.approx(2.0)
    png = tmp_path / "g.png"
    rc, out = _run(capsys, "alpharank", "--strategies", "ALLC", "ALLD", "TFT", "--alpha", "2", "--plot", str(png))
    d = json.loads(out.out)
    assert rc == 0 and png.exists()
    assert sum(x["mass"] for x in d["finite"]["ranking"]) == pytest.approx(1.0)


def test_errors_are_clean(capsys):
    rc, out = _run(capsys, "zd", "--strategy", "1,2,0,0,0")
    assert rc == 2 and "p_CC" in out.err
    rc, out = _run(capsys, "nash", "--pair", "TFT", "Nope")
    assert rc == 2 and "unknown strategy" in out.err
    rc, out = _run(capsys, "best-response", "--coplayer", "TFT", "--gamma", "0.9", "--horizon", "5")
    assert rc == 2 and "not allowed with" in out.err  # one criterion at most (argparse, as in every command)
    rc, out = _run(capsys, "best-response", "--coplayer", "TFT", "--out", "x.txt")
    assert rc == 2 and ".json or .nc" in out.err


def test_predictive_cli_matches_library(capsys):
    from solvers.predictive import solve_fixed_points

    rc, out = _run(capsys, "predictive", "--beta", "1", "--game", "paper", "--prior-weight", "0.25")
    assert rc == 0
    d = json.loads(out.out)
    fp = d["results"][0]["fixed_points"][0]
    lib = solve_fixed_points("paper", 1.0, 0.9, prior_weight=0.25).fixed_points[0]
    assert fp["nash_conv"] == pytest.approx(lib.nash_conv, abs=1e-9)
    assert fp["residual"] < 1e-9
