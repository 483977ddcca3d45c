"""The verification report on agents whose answer is known."""

import json

import numpy as np
import xarray as xr

import eqtools as eq
from solvers.simulate import MemoryOnePolicy
from learners.verification import verify_agents, write_report


def test_verify_pair_of_memory_one_agents(tmp_path):
    g = "axelrod"
    e2 = eq.named("Extort-2", g)
    rand = eq.MemoryOne(0.5, (0.1, 0.9, 0.9, 0.1), name="r")  # far from the ZD subspace
    v = verify_agents([MemoryOnePolicy(e2.vector, "ext"), MemoryOnePolicy(rand.vector, "rnd")], g,
                      n=100, matches=64, seed=0)
    a0, a1 = v.agents
    # The projections recover the agents and the ZD fit finds Extort-2 with chi = 2.
    assert np.allclose(a0.projection.strategy.vector[1:], e2.p, atol=1e-12)
    assert a0.zd["kind"] == "extortionate" and abs(a0.zd["chi"] - 2.0) < 1e-6
    assert not a1.zd["is_zd"]
    # Measured pair payoffs agree with the projections' exact payoffs within sampling error.
    p = v.pair
    assert abs(p.measured_x - p.analytic_x) < 5 * p.measured_x_se + 1e-9
    assert abs(p.measured_y - p.analytic_y) < 5 * p.measured_y_se + 1e-9
    # The stationary best response earns against the real agent what theory predicts.
    for a in v.agents:
        assert abs(a.stationary_br_vs_agent - a.stationary_br_vs_projection) < 5 * a.stationary_br_vs_agent_se + 1e-9
        assert a.br_value >= a.stationary_br_vs_projection - 1e-9  # time-dependent BR is at least as good

    files = write_report(v, tmp_path, "test")
    ds = xr.open_dataset(files["netcdf"], engine="scipy").load()
    assert list(ds.agent.values) == ["ext", "rnd"]
    assert "extortionate" in json.loads(ds.attrs["zd_descriptions"])["ext"]
    md = files["markdown"].read_text()
    assert "extortionate with chi" in md and "Nash" in md
    assert files["plot"].stat().st_size > 1000


def test_tit_for_tat_pair_is_nash_and_alld_pair_too():
    tft = MemoryOnePolicy(eq.named("TFT").vector, "tft")
    alld = MemoryOnePolicy(eq.named("ALLD").vector, "alld")
    v = verify_agents([alld, MemoryOnePolicy(eq.named("ALLD").vector, "alld2")], "paper", n=50, matches=8)
    assert v.pair.nash["is_nash"]
    v = verify_agents([tft, alld], "paper", n=50, matches=8)
    assert not v.pair.nash["is_nash"]  # TFT should defect on the opening against ALLD
