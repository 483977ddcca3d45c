"""Any Policy as PPI's Fixed-ICL (issue 19, item 1): the rollout, the chain, provenance, the CLI.

``tests/learners/data/fixed_coplayer_reference.npz`` holds PPI step-2 numbers against a frozen PPI
agent produced on main at b63c825 before the change (``tests/learners/make_fixed_coplayer_reference.py``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.env import payoff_table
from learners.ppi.model import SequenceModel, init_model
from learners.ppi.play import ImprovementSpec, play_vs_policy
from learners.ppi.train import PPIConfig, PPIRunner
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy

REF = Path(__file__).parents[1] / "learners" / "data" / "fixed_coplayer_reference.npz"
TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=1, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=4)


def test_ppi_step2_against_a_ppi_agent_is_unchanged():
    from learners.ppi.train import preset_config

    ref = np.load(REF)
    pc = preset_config("smoke", horizon=8, hidden=8, embed=8, pretrain_games=16, episodes=8, phases=1, eval_episodes=4,
                       n_rollouts=2, rollout_horizon=3, tabular_share=1.0, epochs=1, batch_size=8)
    icl = PPIRunner(pc).run(progress=False).agent(0)
    r2 = PPIRunner(replace(pc, tabular_share=0.0, seed=1), fixed_opponent=icl).run(progress=False)
    np.testing.assert_array_equal(np.concatenate([np.asarray(d.shards[-1]) for d in r2.data]), ref["ppi_step2_data"])
    np.testing.assert_array_equal(np.asarray(r2.eval_history[-1][0]), ref["ppi_step2_eval_coop"])


def _half_agent():
    """A PPI model whose parameters are all zero acts with P(C) = 1/2 everywhere (beta = 0: the prior)."""
    module = SequenceModel(hidden=8, embed=4, reward_input_scale=2.0)
    params = jax.tree_util.tree_map(jnp.zeros_like, init_model(module, jax.random.PRNGKey(0)))
    return module, params, ImprovementSpec(0.0, 0, 0)


def test_memory_one_coplayer_exact_payoffs_and_own_view():
    """X = P(C) 1/2 against a memory-one Fixed-ICL q: X's mean reward equals the exact finite-horizon
    payoff; the co-player's cooperation in each of its own-view contexts equals q (within 4.5 s.e.);
    its own-view states are X's with own/other swapped."""
    module, params, spec = _half_agent()
    q = np.asarray([0.85, 0.9, 0.2, 0.6, 0.1], np.float32)
    T, n = 15, 3000
    r = play_vs_policy(module, params, MemoryOnePolicy(jnp.asarray(q)), jax.random.PRNGKey(2), jnp.zeros((0, 5)),
                       payoff_table("paper"), n_pair=n, horizon=T, spec_x=spec)
    sx, sy = np.asarray(r.states_x).astype(int), np.asarray(r.states_y).astype(int)
    np.testing.assert_array_equal(sy, 2 * (sx % 2) + sx // 2)
    np.testing.assert_allclose(np.asarray(r.pcoop_x), 0.5, atol=1e-6)
    rew = np.asarray(payoff_table("paper"))[sx].mean(0)  # per episode
    ex = finite_horizon(np.full(5, 0.5), q.astype(float), "paper", T)
    assert abs(rew.mean() - float(ex.payoff_x)) < 4.5 * rew.std(ddof=1) / np.sqrt(n)
    co_c = (sy // 2 == 0)  # the co-player's own action is the first of its own-view state
    ctx = np.concatenate([np.zeros((1, n), int), 1 + sy[:-1]])  # its token before acting
    for k in range(5):
        m = ctx == k
        f = co_c[m].mean()
        assert abs(f - q[k]) < 4.5 * np.sqrt(q[k] * (1 - q[k]) / m.sum()) + 1e-9, (k, f, q[k])
    # tabular episodes of the same call are played as before
    r2 = play_vs_policy(module, params, MemoryOnePolicy(jnp.asarray(q)), jax.random.PRNGKey(2),
                        jnp.asarray(np.tile(q, (n, 1))), payoff_table("paper"), n_pair=4, horizon=T, spec_x=spec)
    rt = np.asarray(payoff_table("paper"))[np.asarray(r2.states_x).astype(int)[:, 4:]].mean(0)
    assert abs(rt.mean() - float(ex.payoff_x)) < 4.5 * rt.std(ddof=1) / np.sqrt(n)


def test_chain_with_a_spec_fixed_icl_records_it_and_refuses_another(tmp_path):
    from learners.ppi.mechanism import mechanism_summary, run_mechanism

    cfg = PPIConfig(**TINY)
    rs = run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl="memory-one:TFT")
    assert set(rs) == {"step2", "step3"} and not (tmp_path / "fixed_icl.pkl").exists()
    rec = json.loads((tmp_path / "fixed_icl.json").read_text())
    assert rec == {"fixed_icl": "memory-one:1,1,0,1,0", "kind": "spec"}
    s = mechanism_summary(rs)
    assert s["fixed_icl"] == "memory-one:1,1,0,1,0"
    # TFT copies the learner: over the last phase's data its cooperation is the learner's, one round late
    st = np.asarray(rs["step2"].data[0].shards[-1]).astype(int)
    np.testing.assert_array_equal(st[:, 1:] % 2, st[:, :-1] // 2)
    # same spec: resumes; another spec or a PPI agent: refused by name
    again = run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl="memory-one:1,1,0,1,0")
    assert again["step3"].done
    with pytest.raises(ParameterError, match="Fixed-ICL"):
        run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl="memory-one:ALLD")
    # a Policy object works too (labelled by its name)
    rp = run_mechanism(cfg, tmp_path / "obj", phases=(0, 1, 1), progress=False,
                       fixed_icl=MemoryOnePolicy(jnp.asarray([1.0, 1, 0, 1, 0]), name="my TFT"))
    assert mechanism_summary(rp)["fixed_icl"] == "policy:my TFT"
    np.testing.assert_array_equal(np.asarray(rp["step2"].data[0].shards[-1]), np.asarray(rs["step2"].data[0].shards[-1]))


def test_chain_refuses_a_resume_against_another_ppi_agent(tmp_path):
    """An old-style chain directory (fixed_icl.pkl, no fixed_icl.json) resumed with another agent."""
    from learners.ppi.mechanism import run_mechanism

    cfg = PPIConfig(**TINY)
    a = PPIRunner(replace(cfg, tabular_share=1.0)).run(progress=False).agent(0)
    b = PPIRunner(replace(cfg, tabular_share=1.0, seed=5)).run(progress=False).agent(0)
    run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl=a)
    (tmp_path / "fixed_icl.json").unlink()
    with pytest.raises(ParameterError, match="Fixed-ICL"):
        run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl=b)
    assert run_mechanism(cfg, tmp_path, phases=(0, 1, 1), progress=False, fixed_icl=a)["step3"].done


def test_ppi_cli_fixed_icl_spec(tmp_path, capsys):
    from eqtools.cli import main

    args = ["train", "ppi", "--mode", "mechanism", "--hidden", "8", "--embed", "4", "--horizon", "8",
            "--pretrain-games", "16", "--episodes", "8", "--epochs", "1", "--batch-size", "8", "--n-rollouts", "1",
            "--rollout-horizon", "2", "--eval-episodes", "2", "--no-progress", "--no-plots"]
    out = tmp_path / "c"
    assert main(args + ["--mechanism-phases", "0,1,1", "--fixed-icl", "memory-one:ALLD", "--out", str(out)]) == 0
    summ = json.loads((out / "mechanism_summary.json").read_text())
    assert summ["fixed_icl"] == "memory-one:0,0,0,0,0" and summ["step2"]["fixed_icl_coop"] == [0.0, 0.0]
    capsys.readouterr()
    assert main(args + ["--mechanism-phases", "1,1,1", "--fixed-icl", "memory-one:ALLD", "--out", str(tmp_path / "d")]) == 2
    assert "0 phases" in capsys.readouterr().err
    assert main(args + ["--mechanism-phases", "0,1,1", "--fixed-icl", "bogus:x", "--out", str(tmp_path / "e")]) == 2
    assert "fixed_icl" in capsys.readouterr().err


def test_bayes_thompson_coplayer_matches_the_simulator():
    """The keyed Bayesian co-player (posterior sampling, init_with_key) in PPI's rollout: against
    X = P(C) 1/2 its and X's mean rewards agree with solvers.simulate.simulate within 4.5 s.e."""
    from learners.coplayers import fixed_icl_policy
    from solvers.simulate import simulate

    module, params, spec = _half_agent()
    T, n = 12, 2000
    pol = fixed_icl_policy("bayes:thompson", "paper", T)
    r = play_vs_policy(module, params, pol, jax.random.PRNGKey(5), jnp.zeros((0, 5)), payoff_table("paper"), n_pair=n,
                       horizon=T, spec_x=spec)
    tbl = np.asarray(payoff_table("paper"))
    rx = tbl[np.asarray(r.states_x).astype(int)].mean(0)
    ry = tbl[np.asarray(r.states_y).astype(int)].mean(0)
    sim = simulate(MemoryOnePolicy(np.full(5, 0.5)), pol, "paper", n=T, matches=n, seed=3)
    assert abs(rx.mean() - float(sim.payoff_x)) < 4.5 * np.hypot(rx.std(ddof=1) / np.sqrt(n), float(sim.payoff_x_se))
    assert abs(ry.mean() - float(sim.payoff_y)) < 4.5 * np.hypot(ry.std(ddof=1) / np.sqrt(n), float(sim.payoff_y_se))
