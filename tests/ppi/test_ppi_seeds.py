"""Several PPI seeds in one process (issue 21): seed ``s`` of an ``S``-seed run gives, bit for bit,
the numbers of the one-seed run with ``seed + s`` — per-phase metrics, data, evaluations and
parameters — in the pool, the opponent-ID ablation, the mechanism chain, with a Fixed-ICL policy,
through a checkpoint, on two devices and from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jax
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.ppi.config import PPIConfig
from learners.ppi.runner import PPIRunner

ROOT = Path(__file__).resolve().parents[2]
TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=2, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=4)


def _tiny(**kw) -> PPIConfig:
    return PPIConfig(**{**TINY, **kw})


def _numbers(v) -> dict[str, list[np.ndarray]]:
    """Everything a seed computed (timings aside): metric rows, data (and z) shards, evaluations, parameters."""
    return {"history": [np.stack(v.history)[..., :10]] if v.history else [],
            "data": [np.asarray(s) for d in v.data for s in d.shards] + [np.asarray(z) for d in v.data for z in d.zs],
            "eval": [np.asarray(e[k]) for e in v.eval_history for k in range(4)],
            "params": [np.asarray(x) for p in v.params if p is not None for x in jax.tree_util.tree_leaves(p)]}


def _assert_same(a, b) -> None:
    for k in a:
        assert len(a[k]) == len(b[k]), k
        for x, y in zip(a[k], b[k]):
            np.testing.assert_array_equal(x, y, err_msg=k)  # NaN == NaN here; exact otherwise


def _differ(a, b) -> bool:
    return any(not np.array_equal(x, y, equal_nan=True) for k in a for x, y in zip(a[k], b[k]))


def test_three_seeds_in_one_run_are_three_single_seed_runs():
    multi = PPIRunner(_tiny(seed=3, seeds=3)).run(progress=False)
    nums = [_numbers(v) for v in multi.per_seed]
    for s in range(3):
        single = PPIRunner(_tiny(seed=3 + s)).run(progress=False)
        _assert_same(nums[s], _numbers(single))
        assert multi.per_seed[s].summary()["eval"] == single.summary()["eval"]
    assert _differ(nums[0], nums[1]) and _differ(nums[1], nums[2])  # the seeds are different runs
    s = multi.summary()
    assert s["seeds"] == [3, 4, 5] and [p["eval"] for p in s["per_seed"]] == [v.summary()["eval"] for v in multi.per_seed]
    alld = [p["eval"]["ALLD"]["reward"] for p in s["per_seed"]]
    assert s["eval"]["ALLD"]["reward"] == [round(float(np.mean([r[i] for r in alld])), 4) for i in range(2)]
    ds = multi.eval_dataset()
    assert list(ds["seed"].values) == [3, 4, 5] and ds["reward"].dims[0] == "seed"
    np.testing.assert_array_equal(ds["reward"].sel(seed=4).values, multi.per_seed[1].eval_dataset()["reward"].values)
    # a one-seed view of a multi-seed run is refused by name, not answered for seed 0
    with pytest.raises(ParameterError, match="per_seed"):
        multi.history
    with pytest.raises(ParameterError, match="per_seed"):
        multi.agent(0)


def test_opponent_id_and_reinit_seeds_match_single_runs():
    """The opponent-ID ablation (z batches through the mapped step) and re-initialised phases."""
    cfg = _tiny(ablation="opponent-id", reinit=True, phases=1)
    multi = PPIRunner(replace(cfg, seeds=2)).run(progress=False)
    for s in range(2):
        _assert_same(_numbers(multi.per_seed[s]), _numbers(PPIRunner(replace(cfg, seed=s)).run(progress=False)))


def test_multi_seed_checkpoint_resumes_identically_and_writes_per_seed_files(tmp_path):
    cfg = _tiny(seeds=2)
    full = PPIRunner(cfg, tmp_path / "full").run(progress=False)
    part = PPIRunner(cfg, tmp_path / "part").run(progress=False, max_units=3)  # in phase 1, learner 2's training
    assert (part.phase, part.stage, part.learner) == (1, "train", 1)
    (tmp_path / "part").rename(tmp_path / "moved")
    resumed = PPIRunner(cfg, tmp_path / "moved").run(progress=False)
    for s in range(2):
        _assert_same(_numbers(full.per_seed[s]), _numbers(resumed.per_seed[s]))
    out = tmp_path / "moved"
    for name in ("checkpoint.pkl", "config.json", "summary.json", "phases.nc", "eval.nc", "rounds.nc"):
        assert (out / name).exists(), name
    for seed in (0, 1):
        for name in ("summary.json", "phases.nc", "eval.nc", "rounds.nc", "agent_0.pkl", "agent_1.pkl"):
            assert (out / f"seed{seed}" / name).exists(), name
        assert len(list((out / f"seed{seed}" / "data").glob("learner*_phase*.npy"))) == 6
    single = json.loads((out / "seed1" / "summary.json").read_text())
    one = PPIRunner(_tiny(seed=1), tmp_path / "one").run(progress=False)
    assert single["eval"] == one.summary()["eval"] and single["last_phase"]["loss"] == one.summary()["last_phase"]["loss"]
    # a two-seed checkpoint is refused by a one-seed config (and the reverse), naming the field
    with pytest.raises(ParameterError, match="seeds"):
        PPIRunner(_tiny(), out).run(progress=False)
    with pytest.raises(ParameterError, match="seeds"):
        PPIRunner(_tiny(seed=1, seeds=2), tmp_path / "one").run(progress=False)


def test_mechanism_chain_with_two_seeds_is_two_chains(tmp_path):
    from learners.ppi.agent import PPIAgent
    from learners.ppi.mechanism import mechanism_summary, run_mechanism

    cfg = _tiny(phases=1, seeds=2)
    multi = run_mechanism(cfg, tmp_path / "m", progress=False)
    summ = mechanism_summary(multi)
    assert summ["seeds"] == [0, 1] and len(summ["per_seed"]) == 2
    for s in range(2):
        single = run_mechanism(replace(cfg, seeds=1, seed=s), tmp_path / f"s{s}", progress=False)
        for k in ("step1", "step2", "step3"):
            _assert_same(_numbers(multi[k].per_seed[s]), _numbers(single[k]))
        assert summ["per_seed"][s] == mechanism_summary(single)
        icl = PPIAgent.load(tmp_path / "m" / f"fixed_icl_seed{s}.pkl")
        ref = PPIAgent.load(tmp_path / f"s{s}" / "fixed_icl.pkl")
        for x, y in zip(jax.tree_util.tree_leaves(icl.params), jax.tree_util.tree_leaves(ref.params)):
            np.testing.assert_array_equal(x, y)
    rec = json.loads((tmp_path / "m" / "fixed_icl.json").read_text())
    assert rec["kind"] == "ppi-agent" and len(rec["sha256"]) == 2
    assert run_mechanism(cfg, tmp_path / "m", progress=False)["step3"].done  # resumes against the same Fixed-ICLs


@pytest.mark.parametrize("spec", ["memory-one:TFT", "bayes"])
def test_fixed_icl_policy_with_two_seeds_matches_single_chains(tmp_path, spec):
    """A Fixed-ICL policy (the same for every seed) in the seed-vmapped rollout."""
    from learners.ppi.mechanism import mechanism_summary, run_mechanism

    cfg = _tiny(phases=1, seeds=2, horizon=8, eval_episodes=2)
    multi = run_mechanism(cfg, None, phases=(0, 1, 1), progress=False, fixed_icl=spec)
    for s in range(2):
        single = run_mechanism(replace(cfg, seeds=1, seed=s), None, phases=(0, 1, 1), progress=False, fixed_icl=spec)
        for k in ("step2", "step3"):
            _assert_same(_numbers(multi[k].per_seed[s]), _numbers(single[k]))
    assert mechanism_summary(multi)["fixed_icl"].split(":")[0] == spec.split(":")[0]


SHARD_SCRIPT = r"""
import json, jax, numpy as np
from learners.ppi.config import PPIConfig
from learners.ppi.runner import PPIRunner
from tests.ppi.test_ppi_seeds import TINY, _numbers
r = PPIRunner(PPIConfig(**TINY, seeds=2)).run(progress=False)
leaf = jax.tree_util.tree_leaves(r._params[0])[0]
print(json.dumps({"devices": jax.device_count(), "n_devices": r.axis.n_devices,
                  "param_devices": len(leaf.sharding.device_set),
                  "numbers": [{k: [x.tolist() for x in v] for k, v in _numbers(s).items()} for s in r.per_seed]}))
"""


def test_seed_axis_is_split_over_two_devices_bit_identically():
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", SHARD_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["devices"] == 2 and res["n_devices"] == 2 and res["param_devices"] == 2
    for s in range(2):
        ref = _numbers(PPIRunner(_tiny(seed=s)).run(progress=False))
        got = {k: [np.asarray(x, dtype=y.dtype) for x, y in zip(v, ref[k])] for k, v in res["numbers"][s].items()}
        _assert_same(got, ref)


def test_cli_seeds(tmp_path, capsys):
    from eqtools.cli import main

    args = ["train", "ppi", "--hidden", "8", "--embed", "4", "--horizon", "8", "--pretrain-games", "16", "--episodes", "8",
            "--epochs", "1", "--batch-size", "8", "--n-rollouts", "1", "--rollout-horizon", "2", "--eval-episodes", "2",
            "--phases", "1", "--no-progress"]
    assert main(args + ["--seeds", "2", "--out", str(tmp_path / "two")]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["seeds"] == [0, 1] and len(printed["eval_reward_per_seed"]) == 2
    assert main(args + ["--seed", "1", "--out", str(tmp_path / "one"), "--no-plots"]) == 0
    a = json.loads((tmp_path / "two" / "seed1" / "summary.json").read_text())
    b = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert a["eval"] == b["eval"] and a["last_phase"]["coop_pair"] == b["last_phase"]["coop_pair"]
    assert (tmp_path / "two" / "phases.png").stat().st_size > 0
    capsys.readouterr()
    assert main(args + ["--seeds", "0", "--out", str(tmp_path / "zero")]) == 2
    assert "seeds" in capsys.readouterr().err


def test_bad_seed_inputs_are_named():
    from learners.ppi.data import EpisodeStore

    with pytest.raises(ParameterError, match="seeds"):
        _tiny(seeds=0)
    with pytest.raises(ParameterError, match="initial_data"):
        PPIRunner(_tiny(seeds=2), initial_data=[EpisodeStore(12), EpisodeStore(12)])
    r = PPIRunner(_tiny(seeds=2))
    with pytest.raises(ParameterError, match="leading seed axis"):
        r.params = [{"w": np.zeros((3, 4))}, None]
    from learners.ppi.agent import PPIAgent
    from learners.ppi.model import init_model

    a = PPIAgent(8, 4, 2.0, init_model(_tiny().module(), jax.random.PRNGKey(0)), _tiny().spec, horizon=12)
    with pytest.raises(ParameterError, match="fixed_opponent"):
        PPIRunner(_tiny(seeds=2, tabular_share=0.0), fixed_opponent=[a, a, a])
