"""``eqtools verify --ppi`` end to end on tiny saved PPI agents."""

import json

import jax
import numpy as np
import xarray as xr

from eqtools.cli import main
from learners.ppi.model import SequenceModel, init_model
from learners.ppi.play import ImprovementSpec
from learners.ppi.train import PPIAgent


def _agent(path, seed, beta):
    module = SequenceModel(hidden=8, embed=8, reward_input_scale=2.0)
    params = init_model(module, jax.random.PRNGKey(seed))
    a = PPIAgent(hidden=8, embed=8, reward_input_scale=2.0, params=params,
                 spec=ImprovementSpec(beta, 2, 3), game="paper", horizon=12, name=f"ppi{seed}")
    a.save(path)
    return path


def test_verify_ppi_pair(tmp_path, capsys):
    a = _agent(tmp_path / "a.pkl", 0, 2.0)
    b = _agent(tmp_path / "b.pkl", 0, 0.0)  # the same prior, not improved
    assert main(["verify", "--ppi", str(a), str(b), "--matches", "8", "--out", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert "pair: measured" in out
    ds = xr.open_dataset(tmp_path / "rep" / "verify.nc", engine="scipy").load()
    assert ds.sizes["agent"] == 2
    proj = ds["projection"].values
    assert np.all((proj >= 0) & (proj <= 1))
    # The same untrained prior improved with beta = 2 by model rollouts defects more than with
    # beta = 0 (no improvement) against ALLC, where defection pays 2 instead of 1.
    coop = ds["probe_agent_coop"].sel(probe="ALLC").values
    assert coop[0] < coop[1]
    gaps = json.loads(ds.attrs["predictive_gap"])
    assert set(gaps) == set(ds.agent.values)
    for name, g in gaps.items():
        assert g["kl_own"] >= 0 and g["kl_coplayer"] >= 0
    # beta = 0: the agent plays its prior exactly, so its own-policy gap is zero; beta = 2 is not.
    g_b0 = next(g for k, g in gaps.items() if k.endswith("b"))
    g_b2 = next(g for k, g in gaps.items() if k.endswith("a"))
    assert g_b0["kl_own"] < 1e-6 < g_b2["kl_own"]
    assert "Predictive-equilibrium gap" in (tmp_path / "rep" / "verify.md").read_text()


def test_verify_needs_exactly_one_source(tmp_path, capsys):
    assert main(["verify"]) == 2
    assert "either RUN_DIR" in capsys.readouterr().err
    assert main(["verify", "--ppi", str(tmp_path / "missing.pkl")]) == 2
    assert "no PPI agent file" in capsys.readouterr().err
