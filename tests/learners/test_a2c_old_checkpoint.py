"""Old A2C checkpoints still load after the move into ``learners/a2c/`` (issue 23).

``data/a2c_checkpoint_a793e7d.pkl`` was written by ``make_a2c_checkpoint_reference.py`` with the
code on main at a793e7d, before ``learners/train_a2c.py`` was split into the A2C wing.  Today's
code must read it (new and old import paths), resume from it, and, training the same config from
scratch, reproduce its parameters, metrics and evaluations bit for bit (the move is pure).
"""

from __future__ import annotations

import json
import pickle
import pickletools
import shutil
from pathlib import Path

import jax
import numpy as np

from learners.a2c.checkpoint import checkpoint_params, load_checkpoint_state
from learners.a2c.config import TrainConfig
from learners.a2c.trainer import Trainer

OLD = Path(__file__).parent / "data" / "a2c_checkpoint_a793e7d.pkl"


def _run_dir(tmp_path: Path) -> Path:
    d = tmp_path / "old_run"
    d.mkdir()
    shutil.copy(OLD, d / "checkpoint.pkl")
    return d


def test_old_checkpoint_names_no_module_of_the_learners():
    """A checkpoint pickles plain values only, so no class path of a moved module is in it."""
    strings = {arg for _, arg, _ in pickletools.genops(OLD.read_bytes()) if isinstance(arg, str)}
    assert any(s.startswith("numpy") for s in strings)  # module names are visible to the scan ...
    assert not [s for s in strings if s.startswith("learners")]  # ... and none is ours


def test_old_checkpoint_loads_through_new_and_old_paths(tmp_path):
    import learners.train_a2c as old

    run = _run_dir(tmp_path)
    cfg, state = load_checkpoint_state(run)
    assert isinstance(cfg, TrainConfig) and cfg.seeds == 1 and state["iteration"] == 6
    cfg_old, params, it = old.checkpoint_params(run)
    assert cfg_old == cfg and it == 6
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(params),
                                                     jax.tree_util.tree_leaves(checkpoint_params(run)[1])))


def test_old_checkpoint_resumes_and_is_reproduced_bit_for_bit(tmp_path):
    run = _run_dir(tmp_path)
    with open(OLD, "rb") as fh:
        state = pickle.load(fh)
    cfg = TrainConfig.from_dict(state["config"])
    resumed = Trainer(cfg, run)
    assert resumed.load_checkpoint() and resumed.iteration == cfg.iterations
    fresh = Trainer(cfg, tmp_path / "fresh").run(progress=False)
    for a, b in zip(jax.tree_util.tree_leaves(jax.device_get(fresh.params)), jax.tree_util.tree_leaves(state["params"])):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.stack(fresh.history), np.stack(state["history"]))
    assert fresh.eval_iters == list(state["eval_iters"])
    for e_new, e_old in zip(fresh.eval_history, state["eval_history"], strict=True):
        for x, y in zip(e_new, e_old, strict=True):
            np.testing.assert_array_equal(x, y)
    # the resumed trainer holds the same state and gives the same summary
    s_new, s_old = fresh.summary(), resumed.summary()
    for s in (s_new, s_old):
        s.pop("wall_s")
    assert json.dumps(s_new) == json.dumps(s_old)
