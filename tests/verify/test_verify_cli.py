"""``eqtools verify`` end to end on smoke-trained checkpoints (mixed pool and opponent-ID ablation)."""

import json

import numpy as np
import pytest
import xarray as xr

from eqtools.cli import main
from eqtools.errors import ParameterError
from learners.runs import load_a2c_pair

SHAPE = ["--horizon", "12", "--batch", "16", "--hidden", "8", "--embed", "8", "--eval-episodes", "4"]


@pytest.mark.parametrize("ablation", ["none", "opponent-id"])
def test_verify_smoke_checkpoint(tmp_path, capsys, ablation):
    run = tmp_path / "run"
    assert main(["train", "a2c", "--preset", "smoke", "--seeds", "2", "--iterations", "2", "--eval-every", "2",
                 "--ablation", ablation, "--out", str(run), "--no-progress", "--no-plots", *SHAPE]) == 0
    assert main(["verify", str(run), "--seed-index", "1", "--matches", "8"]) == 0
    out = capsys.readouterr().out
    assert "a2c1-seed1" in out and "a2c2-seed1" in out and "pair: measured" in out
    ds = xr.open_dataset(run / "verify" / "verify.nc", engine="scipy").load()
    assert ds.sizes["agent"] == 2 and ds.sizes["param"] == 5
    proj = ds["projection"].values
    assert np.all((proj >= 0) & (proj <= 1)) and np.all(ds["kl_gap"].values >= 0)
    assert json.loads(ds.attrs["config"])["ablation"] == ablation
    md = (run / "verify" / "verify.md").read_text()
    assert "Projections into memory-one space" in md and "Nash" in md
    # The loaded agents are the checkpoint's: the two seeds' learners differ.
    a, _ = load_a2c_pair(run, 0)
    b, _ = load_a2c_pair(run, 1)
    la = np.concatenate([np.ravel(x) for x in __import__("jax").tree_util.tree_leaves(a[0].params)])
    lb = np.concatenate([np.ravel(x) for x in __import__("jax").tree_util.tree_leaves(b[0].params)])
    assert not np.array_equal(la, lb)
    with pytest.raises(ParameterError, match="seed_index"):
        load_a2c_pair(run, 5)


def test_verify_missing_checkpoint(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    assert "no checkpoint.pkl" in capsys.readouterr().err
