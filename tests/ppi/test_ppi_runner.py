"""PPI runs: determinism, checkpoint resume, the mechanism chain, config errors, CLI."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.ppi.data import EpisodeStore
from learners.ppi.train import PPIConfig, PPIRunner, preset_config

TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=2, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=4)


def _tiny(**kw) -> PPIConfig:
    return PPIConfig(**{**TINY, **kw})


def _numbers(r: PPIRunner):
    return (np.stack(r.history)[..., :10], [np.asarray(s) for d in r.data for s in d.shards],
            [np.asarray(e[0]) for e in r.eval_history])


def _same(a, b) -> bool:
    ha, da, ea = a
    hb, db, eb = b
    return (np.array_equal(ha, hb, equal_nan=True) and len(da) == len(db) and all(np.array_equal(x, y) for x, y in zip(da, db))
            and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(ea, eb)))


def test_same_seed_same_numbers_and_other_seed_differs():
    cfg = _tiny()
    a = _numbers(PPIRunner(cfg).run(progress=False))
    b = _numbers(PPIRunner(cfg).run(progress=False))
    assert _same(a, b)
    c = _numbers(PPIRunner(_tiny(seed=1)).run(progress=False))
    assert not _same(a, c)


@pytest.mark.parametrize("reinit", [False, True])
def test_checkpoint_resume_mid_phase_gives_identical_result(tmp_path, reinit):
    cfg = _tiny(reinit=reinit)
    full = PPIRunner(cfg, tmp_path / "full").run(progress=False)
    # stop in the middle of phase 1's training of learner 2 (3 = two epochs of learner 1 + one of learner 2)
    part = PPIRunner(cfg, tmp_path / "part").run(progress=False, max_units=3)
    assert part.phase == 1 and part.stage == "train" and part.learner == 1 and not part.done
    (tmp_path / "part").rename(tmp_path / "moved")  # a run directory can be moved before resuming
    resumed = PPIRunner(cfg, tmp_path / "moved").run(progress=False)  # a new process would do the same
    assert resumed.done
    assert _same(_numbers(full), _numbers(resumed))
    s = json.loads((tmp_path / "moved" / "summary.json").read_text())
    assert s["phases"] == 2 and s["data_episodes"] == [64 + 2 * 16] * 2
    for name in ("phases.nc", "eval.nc", "rounds.nc", "agent_0.pkl", "agent_1.pkl"):
        assert (tmp_path / "moved" / name).exists()
    # a checkpoint written with another config is refused, naming the field
    with pytest.raises(ParameterError, match="beta"):
        PPIRunner(_tiny(reinit=reinit, beta=2.0), tmp_path / "moved").run(progress=False)


def test_mechanism_chain_runs_and_saves_each_stage(tmp_path):
    from learners.ppi.mechanism import mechanism_summary, run_mechanism
    from learners.ppi.train import PPIAgent

    runners = run_mechanism(_tiny(phases=1), tmp_path, progress=False)
    assert set(runners) == {"step1", "step2", "step3"}
    icl = PPIAgent.load(tmp_path / "fixed_icl.pkl")
    assert icl.name == "Fixed-ICL"
    s = mechanism_summary(runners)
    assert set(s["step1"]) == {"ALLC", "ALLD", "TFT", "random"}
    assert len(s["step2"]["learner_reward"]) == 2 and len(s["step2"]["fixed_icl_reward"]) == 2
    # step 3 continues the step-2 learners' data (pretraining + step-2 phases) and adds its own
    assert [len(d) for d in runners["step3"].data] == [64 + 16 + 16] * 2
    for k in ("step1", "step2", "step3"):
        assert (tmp_path / k / "summary.json").exists()

    # steps 2-3 alone against the saved Fixed-ICL give the full chain's numbers (same seeds) ...
    alone = run_mechanism(_tiny(phases=1), tmp_path / "alone", phases=(0, 1, 1), progress=False,
                          fixed_icl=tmp_path / "fixed_icl.pkl")
    assert set(alone) == {"step2", "step3"} and not (tmp_path / "alone" / "step1").exists()
    for k in ("step2", "step3"):
        assert _same(_numbers(runners[k]), _numbers(alone[k]))
    assert "step1" not in mechanism_summary(alone)
    # ... another seed gives other numbers; contradictory or damaged inputs are refused by name
    other = run_mechanism(_tiny(phases=1, seed=7), None, phases=(0, 1, 1), progress=False, fixed_icl=icl)
    assert not _same(_numbers(runners["step2"]), _numbers(other["step2"]))
    with pytest.raises(ParameterError, match="step 1 must have 0 phases"):
        run_mechanism(_tiny(phases=1), None, phases=(1, 1, 1), progress=False, fixed_icl=icl)
    with pytest.raises(ParameterError, match="needs a Fixed-ICL"):
        run_mechanism(_tiny(phases=1), None, phases=(0, 1, 1), progress=False)
    with pytest.raises(ParameterError, match="horizon"):
        run_mechanism(_tiny(phases=1, horizon=10), None, phases=(0, 1, 1), progress=False, fixed_icl=icl)
    # the multi-seed chain report reads the run directories back (studies.chains)
    from studies.chains import chain_row, chain_table, plot_chains

    for d, rs in ((tmp_path, runners), (tmp_path / "alone", alone)):
        (d / "mechanism_summary.json").write_text(json.dumps(mechanism_summary(rs)))
    rows = [chain_row(tmp_path), chain_row(tmp_path / "alone")]
    assert rows[0]["own_step1"] and not rows[1]["own_step1"]
    assert rows[0]["step3_coop"] == rows[1]["step3_coop"] == s["step3"]["coop_pair"]
    assert len(rows[0]["step2_reward_by_phase"]) == 1 and np.isfinite(rows[0]["step2_reward_by_phase"]).all()
    assert len(rows[0]["step3_coop_by_phase"]) == 1 and rows[0]["zd"] == [None, None]
    md = chain_table(rows)
    assert md.count("\n| `") == 2 and "mean ± s.e. over 2 runs" in md and "not run" in md
    plot_chains(rows, tmp_path / "chains.png")
    assert (tmp_path / "chains.png").stat().st_size > 0
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    from eqtools.errors import FileFormatError
    with pytest.raises(FileFormatError, match="fixed_icl"):
        run_mechanism(_tiny(phases=1), None, phases=(0, 1, 1), progress=False, fixed_icl=tmp_path / "junk.pkl")


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(beta=-1.0), "beta"),
        (dict(hidden=0), "hidden"),
        (dict(ablation="opponent-ID"), "ablation"),
        (dict(ablation="opponent-id", tabular_share=0.0), "tabular_share"),
        (dict(ablation="no-tabular", tabular_share=0.5), "tabular_share"),
        (dict(tabular_share=1.5), "tabular_share"),
        (dict(n_rollouts=-1), "n_rollouts"),
        (dict(b2=1.0), "b2"),
        (dict(episodes=3, tabular_share=0.1), "tabular"),
    ],
)
def test_bad_config_names_the_field(kw, field):
    with pytest.raises(ParameterError, match=field):
        PPIConfig(**kw)


def test_bad_inputs_elsewhere():
    with pytest.raises(ParameterError, match="preset"):
        preset_config("huge")
    with pytest.raises(ParameterError, match="shape"):
        EpisodeStore(10).add(np.zeros((3, 9), np.int8))
    with pytest.raises(ParameterError, match="0..3"):
        EpisodeStore(10).add(np.full((3, 10), 5, np.int8))


def test_cli_parser_builds_the_config():
    from learners.ppi.cli import add_ppi_parser, build_config

    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers()
    add_ppi_parser(sub)
    args = ap.parse_args(["ppi", "--preset", "cpu", "--beta", "2.5", "--phases", "3", "--no-reinit",
                          "--ablation", "no-tabular"])
    cfg = build_config(args)
    assert (cfg.beta, cfg.phases, cfg.reinit, cfg.share, cfg.pretrain_kind) == (2.5, 3, False, 0.0, "random")
    with pytest.raises(ParameterError, match="tabular_share"):
        build_config(ap.parse_args(["ppi", "--ablation", "no-tabular", "--tabular-share", "0.5"]))
