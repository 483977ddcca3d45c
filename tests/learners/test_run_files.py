"""Run files held to a schema on load (issue 22; learners/checkpoint.py).

Each damaged file used to load silently or fail with a raw IndexError / ValueError deep inside;
each now raises FileFormatError naming the file and the field.  Old files still load (the PPI
agent and run written before these checks, in tests/ppi/data, and a fresh A2C checkpoint)."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from eqtools.errors import FileFormatError, OutputPathError
from learners.networks import GRUAgent, init_agent_params_np
from learners.a2c.checkpoint import load_checkpoint_state
from learners.a2c.config import TrainConfig, preset_config

DATA = Path(__file__).resolve().parents[1] / "ppi" / "data"


def _a2c_checkpoint(tmp_path: Path, **changes) -> Path:
    """A checkpoint in the format Trainer.save_checkpoint writes (params from the model's own init)."""
    cfg = preset_config("smoke", seeds=2)
    agent = GRUAgent(hidden=cfg.hidden, embed=cfg.embed, use_opponent_id=False,
                     reward_input_scale=2.0)
    one = init_agent_params_np(agent, 0)
    import jax

    params = jax.tree_util.tree_map(lambda x: np.broadcast_to(x, (2, 2) + x.shape).copy(), one)
    state = {"config": cfg.to_dict(), "iteration": 3, "params": params, "opt_state": None, "history": [],
             "eval_iters": [], "eval_history": []}
    state.update(changes)
    d = tmp_path / "run"
    d.mkdir(exist_ok=True)
    with open(d / "checkpoint.pkl", "wb") as fh:
        pickle.dump(state, fh)
    return d


def test_valid_a2c_checkpoint_loads(tmp_path):
    cfg, state = load_checkpoint_state(_a2c_checkpoint(tmp_path))
    assert isinstance(cfg, TrainConfig) and state["iteration"] == 3


def _shrunk(params):
    import jax

    leaves, tree = jax.tree_util.tree_flatten(params)
    leaves[0] = leaves[0][..., :-1]
    return jax.tree_util.tree_unflatten(tree, leaves)


@pytest.mark.parametrize("change,match", [
    ("wrong_shape", "shape"),
    ("iteration_float", "iteration"),
    ("iteration_str", "iteration"),
    ("params_none", "params"),
    ("params_empty", "params"),
    ("params_nan", "non-finite"),
])
def test_damaged_a2c_checkpoint_is_refused(tmp_path, change, match):
    good = load_checkpoint_state(_a2c_checkpoint(tmp_path))[1]["params"]
    changes = {"wrong_shape": {"params": _shrunk(good)}, "iteration_float": {"iteration": 2.5},
               "iteration_str": {"iteration": "3"}, "params_none": {"params": None}, "params_empty": {"params": {}},
               "params_nan": {"params": __import__("jax").tree_util.tree_map(lambda x: x * np.nan, good)}}[change]
    with pytest.raises(FileFormatError, match=match):
        load_checkpoint_state(_a2c_checkpoint(tmp_path, **changes))


def test_old_ppi_agent_loads_and_damaged_ones_are_refused(tmp_path):
    from learners.ppi.agent import PPIAgent

    agent = PPIAgent.load(DATA / "old_agent.pkl")  # written before the schema existed
    assert agent.params is not None
    with open(DATA / "old_agent.pkl", "rb") as fh:
        d = pickle.load(fh)
    for bad, match in ((None, "None"), ({}, "empty"), (_shrunk(d["params"]), "shape")):
        p = tmp_path / "agent.pkl"
        with open(p, "wb") as fh:
            pickle.dump({**d, "params": bad}, fh)
        with pytest.raises(FileFormatError, match=match):
            PPIAgent.load(p)
    p = tmp_path / "agent.pkl"
    with open(p, "wb") as fh:
        pickle.dump({**d, "hidden": 2.5}, fh)
    with pytest.raises(FileFormatError, match="hidden"):
        PPIAgent.load(p)


def test_old_ppi_run_checkpoint_still_passes_the_schema(tmp_path):
    from learners.checkpoint import Schema, check_param_list, read_run_file

    ck = next((DATA / "old_run").rglob("checkpoint.pkl"))
    state = read_run_file(ck, Schema("PPI checkpoint", ("config", "phase", "params"), counters=("phase",)))
    check_param_list(ck, state["params"], what="PPI checkpoint", key="params")


def test_netcdf_cut_one_byte_short_is_refused(tmp_path):
    from eqtools import named
    from eqtools.tournament import load_tournament, save_tournament
    from solvers.tournament import tournament

    ds = tournament([named("TFT"), named("ALLD"), named("WSLS")], game="paper", gamma=0.9)
    path = save_tournament(ds, tmp_path / "t.nc")
    assert load_tournament(path).payoff_row.shape == (3, 3)
    cut = tmp_path / "cut.nc"
    shutil.copy(path, cut)
    with open(cut, "r+b") as fh:
        fh.truncate(os.path.getsize(path) - 1)
    with pytest.raises(FileFormatError, match="truncated"):
        load_tournament(cut)


def test_plot_tournament_unknown_suffix_is_named(tmp_path):
    from eqtools import named
    from eqtools.tournament import plot_tournament
    from solvers.tournament import tournament

    ds = tournament([named("TFT"), named("ALLD")], game="paper", gamma=0.9)
    with pytest.raises(OutputPathError, match="nope"):
        plot_tournament(ds, path=str(tmp_path / "x.nope"))
