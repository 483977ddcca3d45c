"""learners/ppi/train.py was split into config / agent / fit / runner / results (issue 23): every name
it had still imports from it and is the very object at its new home; old run directories and agent
pickles written before the split load, and a resumed old run ends where the old code ended."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest

DATA = Path(__file__).parent / "data"

#: Every top-level name of learners/ppi/train.py before the split, and where it lives now.
OLD_NAMES = {
    "learners.ppi.config": "ABLATIONS PHASE_METRICS EVAL_OPPONENT_NAMES PPIConfig PRESETS preset_config",
    "learners.ppi.agent": "PPIAgent _agent_from",
    "learners.ppi.fit": "make_optimizer _fit_fns _fit_key fit_model _epoch _require_finite",
    "learners.ppi.runner": "_STAGES PPIRunner",
    "learners.ppi.results": "_pad_phase_row _eval_br",
    # imported names the module exposed
    "learners.env": "DEFAULT_HORIZON payoff_table",
    "learners.pool": "EVAL_OPPONENTS PoolSpec named_params opponent_id_vector sample_tabular",
    "learners.ppi.data": "EpisodeStore pretraining_states",
    "learners.ppi.model": "SequenceModel check_positive_int init_model sequence_loss",
    "learners.ppi.play": "ImprovementSpec PairRollout play_pair",
}


@pytest.mark.parametrize("home", sorted(OLD_NAMES))
def test_old_module_reexports_the_moved_objects(home):
    old = importlib.import_module("learners.ppi.train")
    new = importlib.import_module(home)
    for name in OLD_NAMES[home].split():
        assert getattr(old, name) is getattr(new, name), name
    assert set(old.__all__) == {"ABLATIONS", "PPIConfig", "PRESETS", "preset_config", "PHASE_METRICS",
                                "EVAL_OPPONENT_NAMES", "PPIAgent", "PPIRunner", "make_optimizer", "fit_model"}


def test_old_run_directory_resumes_to_the_old_codes_numbers(tmp_path):
    """tests/ppi/data/old_run was stopped in phase 2 by the code before the split (make_old_run.py);
    resumed now, it ends with the numbers the old code reached without stopping."""
    from learners.ppi.train import PPIConfig, PPIRunner

    from make_old_run import TINY  # tests/ppi is on sys.path (pytest prepend import mode)

    shutil.copytree(DATA / "old_run", tmp_path / "run")
    r = PPIRunner(PPIConfig(**TINY), tmp_path / "run")
    assert r.load_checkpoint() and (r.phase, r.stage, r.learner) == (2, "train", 1)
    r.run(progress=False)
    ref = np.load(DATA / "old_run_reference.npz")
    np.testing.assert_array_equal(np.stack(r.history)[..., :10], ref["history"])
    for i, d in enumerate(r.data):
        assert len(d.shards) == 3
        for k, s in enumerate(d.shards):
            np.testing.assert_array_equal(np.asarray(s), ref[f"data_{i}_{k}"])
    for k in range(4):
        np.testing.assert_array_equal(np.stack([np.asarray(e[k]) for e in r.eval_history]), ref[f"eval_{k}"])
    for i, p in enumerate(r.params):
        np.testing.assert_array_equal(np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(p)]),
                                      ref[f"params_{i}"])


def test_old_agent_pickle_loads_and_plays():
    from learners.ppi.agent import PPIAgent
    from solvers.simulate import MemoryOnePolicy, play

    a = PPIAgent.load(DATA / "old_agent.pkl")
    ref = np.load(DATA / "old_run_reference.npz")
    np.testing.assert_array_equal(np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(a.params)]),
                                  ref["params_0"])
    assert (a.hidden, a.embed, a.horizon, a.use_opponent_id) == (8, 4, 12, False)
    import jax.numpy as jnp

    res = play(a.policy(seed=0), MemoryOnePolicy(jnp.asarray([1.0, 1.0, 0.0, 1.0, 0.0])), "paper", n=12, matches=4)
    p = np.asarray(res.p_x)
    assert p.shape == (4, 12) and np.all((p > 0) & (p < 1))
