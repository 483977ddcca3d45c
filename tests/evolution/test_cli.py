"""``eqtools evolve``: the stationary table/JSON and error reporting."""

import json

import numpy as np

from eqtools.cli import main
from eqtools.strategies import named
from solvers.evolution import meta_game, stationary_distribution


def test_evolve_stationary_json_matches_library(capsys):
    rc = main(["evolve", "stationary", "ALLC", "ALLD", "TFT", "WSLS", "--noise", "0.01", "-N", "50", "--beta", "0.5", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    mg = meta_game([named(n) for n in ("ALLC", "ALLD", "TFT", "WSLS")], "axelrod", limit=True, noise=0.01)
    ref = stationary_distribution(mg.payoff, 50, "fermi", 0.5, labels=mg.labels)
    np.testing.assert_allclose([out["pi"][k] for k in mg.labels], ref.pi, rtol=1e-12)
    assert out["neutral_rho"] == 1 / 50


def test_evolve_table_and_errors(capsys):
    assert main(["evolve", "stationary", "ALLD", "TFT", "-n", "20"]) == 0
    text = capsys.readouterr().out
    assert "share" in text and "finite(n=20)" in text
    assert main(["evolve", "stationary", "ALLD", "TFT", "--process", "moran", "--beta", "2"]) == 2
    assert "w of the linear-fitness" in capsys.readouterr().err
    assert main(["evolve", "stationary", "ALLD", "TFT", "--noise", "0.7"]) == 2
    assert "noise" in capsys.readouterr().err
