"""Training: behaviour at smoke scale, determinism, checkpoint resume, sharding, outputs, errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eqtools.errors import GameError, ParameterError
from learners.a2c.config import EVAL_OPPONENT_NAMES, TRAIN_METRICS, TrainConfig, preset_config
from learners.a2c.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
COOP_TAB = TRAIN_METRICS.index("coop_tab")
COOP_LL = TRAIN_METRICS.index("coop_ll")


def _behaviour_run(opponent: str) -> np.ndarray:
    """Train both learners only against one fixed co-player; return coop_tab history (I, S, 2)."""
    cfg = preset_config(
        "smoke", tabular_share=1.0, tabular=(opponent,), horizon=20, iterations=100, seeds=2,
        eval_every=1000, eval_episodes=8, hyper=dict(entropy_coef=0.001, lr=3e-3, gae_lambda=0.95),
    )
    tr = Trainer(cfg).run(progress=False, evaluate=False)
    return np.stack(tr.history)[..., COOP_TAB]


def test_learner_vs_alld_only_stops_cooperating():
    h = _behaviour_run("ALLD")
    assert h[:5].mean() > 0.35  # starts near 50/50
    final = h[-10:].mean(0)  # per seed and learner
    assert np.all(final < 0.2), final


def test_learner_vs_tft_only_learns_to_cooperate():
    h = _behaviour_run("TFT")
    assert h[:5].mean() < 0.65
    final = h[-10:].mean(0)
    assert np.all(final > 0.8), final


# Tests below share these shapes so that they share one compiled program per ablation
# (the compile cache ignores iterations, seeds, eval_every, checkpoint/log intervals).
SHAPES = dict(horizon=10, batch=16, hidden=8, embed=16, eval_episodes=4)
TINY = dict(SHAPES, iterations=6, seeds=2, eval_every=3, checkpoint_every=3, log_every=2)


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = Trainer(preset_config("smoke", **TINY)).run(progress=False)
    b = Trainer(preset_config("smoke", **TINY)).run(progress=False)
    c = Trainer(preset_config("smoke", seed=5, **TINY)).run(progress=False)
    np.testing.assert_array_equal(np.stack(a.history), np.stack(b.history))
    for x, y in zip(a.eval_history, b.eval_history):
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)
    assert not np.array_equal(np.stack(a.history), np.stack(c.history))
    # the seeds inside one run differ from each other
    h = np.stack(a.history)
    assert not np.array_equal(h[:, 0], h[:, 1])


def test_checkpoint_resume_is_identical(tmp_path):
    import jax

    cfg = preset_config("smoke", **TINY)
    full = Trainer(cfg, tmp_path / "full").run(progress=False)
    killed = Trainer(cfg, tmp_path / "resumed").run(progress=False, stop_at=3)  # "killed" after 3
    assert killed.iteration == 3 and (tmp_path / "resumed" / "checkpoint.pkl").exists()
    resumed = Trainer(cfg, tmp_path / "resumed")
    assert resumed.load_checkpoint() and resumed.iteration == 3
    resumed.run(progress=False)
    assert resumed.iteration == 6
    for x, y in zip(jax.tree_util.tree_leaves(jax.device_get(full.params)), jax.tree_util.tree_leaves(jax.device_get(resumed.params))):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(np.stack(full.history), np.stack(resumed.history))
    assert full.eval_iters == resumed.eval_iters == [0, 3, 6]
    # a checkpoint from another config is refused, naming the field
    with pytest.raises(ParameterError, match="hidden"):
        Trainer(preset_config("smoke", **{**TINY, "hidden": 4}), tmp_path / "resumed").load_checkpoint()


def test_results_files_and_dims(tmp_path):
    import xarray as xr

    cfg = preset_config("smoke", ablation="opponent-id", **TINY)
    tr = Trainer(cfg, tmp_path).run(progress=False)
    m = xr.open_dataset(tmp_path / "metrics.nc")
    assert dict(m.sizes) == {"seed": 2, "learner": 2, "iteration": 6}
    assert set(TRAIN_METRICS) <= set(m.data_vars)
    r = xr.open_dataset(tmp_path / "rounds.nc")
    assert dict(r.sizes) == {"seed": 2, "learner": 2, "opponent": len(EVAL_OPPONENT_NAMES), "round": 10}
    e = xr.open_dataset(tmp_path / "eval.nc")
    assert list(e["iteration"].values) == [0, 3, 6]
    # rewards vs ALLD can only be S or P per round (paper game: -1 or 0)
    vs_alld = r["reward"].sel(opponent="ALLD").values
    assert np.all((vs_alld <= 0.0) & (vs_alld >= -1.0))
    # vs ALLC the learner earns R or T: its reward is 1 + (1 - coop)
    np.testing.assert_allclose(r["reward"].sel(opponent="ALLC"), 2.0 - r["coop"].sel(opponent="ALLC"), atol=1e-5)
    np.testing.assert_allclose(r["coplayer_coop"].sel(opponent="ALLC"), 1.0)
    # ... and ALLC gets R or S: its reward is 2 * (learner's coop) - 1
    np.testing.assert_allclose(r["coplayer_reward"].sel(opponent="ALLC"), 2.0 * r["coop"].sel(opponent="ALLC") - 1.0, atol=1e-5)
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["iterations"] == 6 and s["ablation"] == "opponent-id"
    assert np.isfinite(np.asarray(s["train"]["coop_ll"])).all()


def test_no_tabular_ablation_has_no_tabular_episodes():
    cfg = preset_config("smoke", ablation="no-tabular", **{**TINY, "iterations": 3})
    assert cfg.pool.n_tabular == 0 and cfg.pool.n_learner == 16
    tr = Trainer(cfg).run(progress=False)
    h = np.stack(tr.history)
    assert np.isnan(h[..., COOP_TAB]).all() and np.isfinite(h[..., COOP_LL]).all()


@pytest.mark.parametrize(
    "over,field",
    [
        (dict(ablation="opponent-id", tabular_share=0.0), "tabular_share"),
        (dict(ablation="no-tabular", tabular_share=0.5), "tabular_share"),
        (dict(ablation="shuffle"), "ablation"),
        (dict(batch=0), "batch"),
        (dict(seeds=0), "seeds"),
        (dict(batch=1, tabular_share=0.5), "batch"),
        (dict(hyper=dict(lr=-1.0)), "lr"),
        (dict(hyper=dict(learning_rate=1.0)), "learning_rate"),
        (dict(hiden=3), "hiden"),
    ],
)
def test_impossible_configs_raise_naming_the_field(over, field):
    with pytest.raises(ParameterError, match=field):
        preset_config("smoke", **over)


def test_unknown_game_and_preset():
    with pytest.raises(GameError, match="nope"):
        TrainConfig(game="nope")
    with pytest.raises(ParameterError, match="preset"):
        preset_config("huge")


def test_config_roundtrip():
    cfg = preset_config("cpu", ablation="opponent-id", tabular=("ALLD", "TFT"))
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


SHARD_SCRIPT = r"""
import jax, numpy as np, json, sys
from learners.a2c.config import preset_config
from learners.a2c.trainer import Trainer
cfg = preset_config("smoke", horizon=10, iterations=3, batch=16, hidden=8, embed=16, seeds=2, eval_every=3, eval_episodes=4)
tr = Trainer(cfg).run(progress=False)
leaf = jax.tree_util.tree_leaves(tr.params)[0]
print(json.dumps({"devices": jax.device_count(), "n_devices": tr.n_devices,
                  "param_devices": len(leaf.sharding.device_set),
                  "history": np.stack(tr.history).tolist()}))
"""


def _run_sharded(n_devices: int) -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n_devices}"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", SHARD_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_seed_axis_is_sharded_across_devices():
    two = _run_sharded(2)
    assert two["devices"] == 2 and two["n_devices"] == 2 and two["param_devices"] == 2
    one = Trainer(preset_config("smoke", **dict(TINY, iterations=3))).run(progress=False)
    np.testing.assert_allclose(np.asarray(two["history"]), np.stack(one.history), rtol=1e-4, atol=1e-5)


def test_time_budget_ends_run_early_with_results(tmp_path):
    cfg = preset_config("smoke", **dict(TINY, iterations=1000))
    tr = Trainer(cfg, tmp_path).run(progress=False, max_seconds=0.0)
    assert tr.iteration == 0 and tr.timed_out
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["stopped_by_time_budget"] and s["iterations_planned"] == 1000
