"""Training never fails silently.

* Non-finite hyper-parameters are refused up front (configs and CLI).
* A run whose loss, gradient or parameters become non-finite stops with ``NonFiniteError``, keeps
  the last good checkpoint and writes no summary (A2C and PPI).  Divergence is provoked for real
  with a huge but finite learning rate (1e30): Adam's first step moves every weight by ~1e30, the
  next forward pass overflows.
"""

from __future__ import annotations

import contextlib
import io
import math
import pickle

import jax
import numpy as np
import pytest

from eqtools.cli import main
from eqtools.errors import NonFiniteError, ParameterError

A2C_SIZES = dict(seeds=1, iterations=6, batch=8, hidden=4, embed=4, horizon=5, eval_every=3, eval_episodes=4)
A2C_FLAGS = ["--seeds", "1", "--iterations", "6", "--batch", "8", "--hidden", "4", "--embed", "4", "--horizon", "5",
             "--eval-every", "3", "--eval-episodes", "4"]


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


# ------------------------------------------------------------ up front

@pytest.mark.parametrize("field", ["lr", "reward_scale", "entropy_coef", "gae_lambda", "gamma", "max_grad_norm",
                                   "value_coef", "adam_eps"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a2c_hyper_refuses_non_finite(field, value):
    from learners.a2c import A2CHyper

    with pytest.raises(ParameterError, match=field):
        A2CHyper(**{field: value})


@pytest.mark.parametrize("field", ["lr", "weight_decay", "max_grad_norm", "beta", "b1", "b2"])
@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_ppi_config_refuses_non_finite(field, value):
    from learners.ppi.train import preset_config

    with pytest.raises(ParameterError, match=field):
        preset_config("smoke", **{field: value})


@pytest.mark.parametrize("argv", [
    ["train", "a2c", "--lr", "inf"], ["train", "a2c", "--reward-scale", "inf"], ["train", "a2c", "--entropy", "nan"],
    ["train", "a2c", "--gae-lambda", "nan"], ["train", "ppi", "--lr", "inf"], ["train", "ppi", "--beta", "inf"],
    ["train", "ppi", "--weight-decay", "nan"],
], ids=lambda a: " ".join(a[1:]))
def test_cli_refuses_non_finite_before_training(argv, tmp_path):
    rc, out, err = _cli(argv + ["--no-progress", "--no-plots", "--out", str(tmp_path / "run")])
    assert rc == 2
    assert err.startswith("eqtools: error: argument --") and "must be a finite number" in err
    assert out == "" and not (tmp_path / "run" / "config.json").exists()  # nothing started


# ------------------------------------------------------------ during training

def _finite_tree(tree) -> bool:
    return all(np.all(np.isfinite(np.asarray(x))) for x in jax.tree_util.tree_leaves(tree))


def test_a2c_divergence_stops_keeps_checkpoint_and_writes_no_summary(tmp_path):
    from learners.a2c.checkpoint import load_checkpoint_state
    from learners.a2c.config import preset_config
    from learners.a2c.trainer import Trainer

    out = tmp_path / "run"
    cfg = preset_config("smoke", **A2C_SIZES, checkpoint_every=1, log_every=1, hyper=dict(lr=1e30))
    tr = Trainer(cfg, out)
    with pytest.raises(NonFiniteError, match=r"iteration (\d+).*last good checkpoint") as info:
        tr.run(progress=False)
    assert "seed 0" in str(info.value) or "parameters" in str(info.value)
    _, state = load_checkpoint_state(out)
    bad_iter = int(str(info.value).split("iteration ")[1].split()[0])
    assert 1 <= state["iteration"] < bad_iter  # the checkpoint predates the divergence ...
    assert _finite_tree(state["params"])  # ... and is good
    for name in ("summary.json", "metrics.nc", "eval.nc", "rounds.nc"):
        assert not (out / name).exists(), name
    before = (out / "checkpoint.pkl").read_bytes()

    # The same run from the command line resumes from that checkpoint, diverges again and says so in
    # one line (exit 2) without printing evaluation numbers; the checkpoint is left untouched.
    rc, stdout, stderr = _cli(["train", "a2c", "--preset", "smoke", *A2C_FLAGS, "--lr", "1e30", "--out", str(out),
                               "--no-progress", "--no-plots"])
    assert rc == 2
    assert len(stderr.strip().splitlines()) == 1 and "diverged" in stderr and "Traceback" not in stderr
    assert "eval reward" not in stdout and "eval_reward" not in stdout and "coop_ll" not in stdout
    assert (out / "checkpoint.pkl").read_bytes() == before
    assert not (out / "summary.json").exists()


def test_ppi_divergence_stops_keeps_checkpoint_and_writes_no_summary(tmp_path):
    from learners.ppi.train import PPIRunner, preset_config

    out = tmp_path / "run"
    cfg = preset_config("smoke", pretrain_games=8, episodes=8, epochs=2, batch_size=8, hidden=4, embed=4, horizon=5,
                        n_rollouts=1, rollout_horizon=2, eval_episodes=4, phases=2, lr=1e30)
    with pytest.raises(NonFiniteError, match=r"PPI learner 0, phase 1, epoch 2: non-finite loss.*last good checkpoint"):
        PPIRunner(cfg, out).run(progress=False)
    with open(out / "checkpoint.pkl", "rb") as fh:
        state = pickle.load(fh)
    assert (state["phase"], state["stage"], state["epoch"]) == (1, "train", 1)  # after the one good epoch
    assert _finite_tree([p for p in state["params"] if p is not None])
    assert not (out / "summary.json").exists()
