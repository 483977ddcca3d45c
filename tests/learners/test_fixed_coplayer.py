"""Any Policy as the fixed co-player of the A2C training rollouts (issue 19, item 1).

* The frozen-GRU path (``fixed_params``) and the default sampler give the numbers main gave
  before the change: ``data/fixed_coplayer_reference.npz`` was written by
  ``make_fixed_coplayer_reference.py`` on main at b63c825, before any issue-19 edit.
* A memory-one co-player (``fixed_policy=MemoryOnePolicy``) meets memory-one learners with the exact
  ``solvers.payoffs.finite_horizon`` payoffs, within Monte Carlo error.
* A GRU given as a :class:`GRUPolicy` plays like the same GRU given as ``fixed_params``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.coplayers import fixed_icl_policy, normalise_fixed_icl
from learners.env import payoff_table
from learners.networks import GRUAgent, init_agent_params_np
from learners.policies import GRUPolicy
from learners.pool import play_pool
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy

REF = Path(__file__).parent / "data" / "fixed_coplayer_reference.npz"


def _gru_setup():
    agent = GRUAgent(hidden=8, embed=8, reward_input_scale=2.0)
    mk = lambda s: init_agent_params_np(agent, np.random.default_rng(s))  # noqa: E731
    params = jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), mk(1), mk(2))
    return agent, params, mk(3)


def test_fixed_gru_rollout_is_unchanged():
    ref = np.load(REF)
    agent, params, fixed = _gru_setup()
    tab = jax.random.uniform(jax.random.PRNGKey(7), (2, 6, 5))
    traj = play_pool(agent.apply, params, jax.random.PRNGKey(11), tab, 10, 12, payoff_table("paper"), 8, False,
                     fixed_params=fixed)
    np.testing.assert_array_equal(np.asarray(traj.action), ref["pool_action"])
    np.testing.assert_array_equal(np.asarray(traj.co_action), ref["pool_co_action"])
    np.testing.assert_array_equal(np.asarray(traj.logp), ref["pool_logp"])


def test_mechanism_steps_1_2_are_unchanged():
    """Step 1 (the default U(0,1)^5 sampler) and step 2 (the fixed-GRU co-player), tiny, 3 iterations
    each: training metrics, parameters and the evaluation equal main's."""
    from learners.a2c.mechanism import step_configs
    from learners.a2c.config import preset_config
    from learners.a2c.trainer import Trainer

    ref = np.load(REF)
    base = preset_config("smoke", horizon=8, batch=16, hidden=8, embed=8, eval_episodes=4, seeds=2, eval_every=2)
    c1, c2, _ = step_configs(base, [3, 3, 0])
    t1 = Trainer(c1).run(progress=False)
    h1 = np.stack(t1.history)
    np.testing.assert_array_equal(h1[..., :ref["step1_history"].shape[-1]], ref["step1_history"])
    np.testing.assert_array_equal(np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(t1.params)]),
                                  ref["step1_params"])
    fixed1 = jax.tree_util.tree_map(lambda x: np.asarray(x)[:, 0], t1.params)
    t2 = Trainer(c2, fixed_params=fixed1).run(progress=False)
    np.testing.assert_array_equal(np.stack(t2.history)[..., :ref["step2_history"].shape[-1]], ref["step2_history"])
    np.testing.assert_array_equal(np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(t2.params)]),
                                  ref["step2_params"])
    np.testing.assert_array_equal(np.asarray(t2.eval_history[-1][0]), ref["step2_eval_coop"])


def _memory_one_learners(p0, p1):
    """Stand-in learners that are memory-one strategies p0, p1 (logits from the observation token)."""

    def apply_fn(params, h, obs, pa, pr, z):
        pc = params["p"][obs]
        logits = jnp.stack([jnp.log(pc), jnp.log1p(-pc)], -1)
        return h, logits, jnp.zeros(obs.shape)

    return apply_fn, {"p": jnp.asarray(np.stack([p0, p1]), jnp.float32)}


def test_memory_one_coplayer_meets_exact_payoffs():
    """Learners p0, p1 against a memory-one Fixed-ICL q: mean reward per round and both sides'
    cooperation equal the exact finite-horizon values within 4.5 s.e. (4000 episodes each)."""
    rng = np.random.default_rng(5)
    p = np.clip(rng.random((2, 5)), 0.05, 0.95)
    q = np.asarray([0.9, 0.8, 0.15, 0.7, 0.2])
    apply_fn, params = _memory_one_learners(p[0], p[1])
    n_ll, T = 4000, 20
    tab = jnp.zeros((2, 0, 5))
    traj = play_pool(apply_fn, params, jax.random.PRNGKey(3), tab, n_ll, T, payoff_table("paper"), 4, False,
                     fixed_policy=MemoryOnePolicy(jnp.asarray(q, jnp.float32)))
    r = np.asarray(traj.reward).mean(0)  # (2, n_ll): each episode's mean reward
    a = np.asarray(traj.action)
    co = np.asarray(traj.co_action)
    for i in range(2):
        ex = finite_horizon(p[i], q, "paper", T)
        se = r[i].std(ddof=1) / np.sqrt(n_ll)
        assert abs(r[i].mean() - float(ex.payoff_x)) < 4.5 * se, (i, r[i].mean(), float(ex.payoff_x), se)
        cy = (co[:, i] == 0).mean(0)
        se_c = cy.std(ddof=1) / np.sqrt(n_ll)
        assert abs(cy.mean() - float(ex.coop_y)) < 4.5 * se_c
        cx = (a[:, i] == 0).mean(0)
        assert abs(cx.mean() - float(ex.coop_x)) < 4.5 * cx.std(ddof=1) / np.sqrt(n_ll)


def test_memory_one_coplayer_sees_its_own_view():
    """TFT as the fixed co-player: cooperates first, then copies the learner's previous move;
    the Fixed-ICL is not the co-learner (learner 1's co-actions are not learner 2's actions)."""
    apply_fn, params = _memory_one_learners(np.full(5, 0.5), np.full(5, 0.5))
    traj = play_pool(apply_fn, params, jax.random.PRNGKey(0), jnp.zeros((2, 0, 5)), 64, 10, payoff_table("paper"), 4,
                     False, fixed_policy=fixed_icl_policy("memory-one:TFT"))
    a, co = np.asarray(traj.action), np.asarray(traj.co_action)
    np.testing.assert_array_equal(co[0], 0)
    np.testing.assert_array_equal(co[1:], a[:-1])
    # GTFT-like asymmetry check: STFT opens with D and then copies
    traj = play_pool(apply_fn, params, jax.random.PRNGKey(1), jnp.zeros((2, 0, 5)), 64, 10, payoff_table("paper"), 4,
                     False, fixed_policy=MemoryOnePolicy(jnp.asarray([0.0, 1.0, 0.0, 1.0, 0.0])))
    a, co = np.asarray(traj.action), np.asarray(traj.co_action)
    np.testing.assert_array_equal(co[0], 1)
    np.testing.assert_array_equal(co[1:], a[:-1])


def test_gru_policy_coplayer_matches_fixed_params_path():
    """The same frozen GRU as a GRUPolicy (temperature 1) plays like fixed_params: the same actions."""
    from eqtools.games import preset

    agent, params, fixed = _gru_setup()
    tab = jax.random.uniform(jax.random.PRNGKey(7), (2, 6, 5))
    kw = dict(horizon=12, table=payoff_table("paper"), hidden=8, opponent_id=False)
    a = play_pool(agent.apply, params, jax.random.PRNGKey(11), tab, 10, fixed_params=fixed, **kw)
    b = play_pool(agent.apply, params, jax.random.PRNGKey(11), tab, 10,
                  fixed_policy=GRUPolicy(agent, fixed, preset("paper")), **kw)
    np.testing.assert_array_equal(np.asarray(a.action), np.asarray(b.action))
    np.testing.assert_array_equal(np.asarray(a.co_action), np.asarray(b.co_action))
    np.testing.assert_allclose(np.asarray(a.logp), np.asarray(b.logp), rtol=1e-5, atol=1e-6)


def test_fixed_coplayer_errors():
    apply_fn, params = _memory_one_learners(np.full(5, 0.5), np.full(5, 0.5))
    tab = jnp.zeros((2, 0, 5))
    with pytest.raises(ParameterError, match="fixed_policy"):
        play_pool(apply_fn, params, jax.random.PRNGKey(0), tab, 4, 3, payoff_table("paper"), 4, False,
                  fixed_policy=object())
    with pytest.raises(ParameterError, match="not both"):
        play_pool(apply_fn, params, jax.random.PRNGKey(0), tab, 4, 3, payoff_table("paper"), 4, False,
                  fixed_params={"p": 1}, fixed_policy=MemoryOnePolicy(jnp.ones(5)))
    for bad in ("", "nonsense", "memory-one", "memory-one:NOPE", "memory-one:1,2,3", "memory-one:0.5,0.5,0.5,0.5,1.5", 3):
        with pytest.raises(ParameterError, match="fixed_icl"):
            normalise_fixed_icl(bad)
    assert normalise_fixed_icl("Memory-One:TFT") == "memory-one:1,1,0,1,0"


def test_a2c_mechanism_with_a_spec_fixed_icl(tmp_path, capsys):
    """`--fixed-icl memory-one:TFT`: steps 2-3 run against TFT, the config and summary say so,
    a resume with another Fixed-ICL and contradictory flags are refused with named errors."""
    import json

    from eqtools.cli import main

    out = tmp_path / "mech"
    base = ["train", "a2c", "--preset", "smoke", "--mode", "mechanism", "--out", str(out), "--horizon", "6", "--batch",
            "8", "--hidden", "8", "--embed", "8", "--eval-episodes", "4", "--seeds", "2", "--eval-every", "2",
            "--no-progress", "--no-plots"]
    assert main(base + ["--mechanism-iterations", "0,2,1", "--fixed-icl", "memory-one:TFT"]) == 0
    cfg2 = json.loads((out / "step2" / "config.json").read_text())
    assert cfg2["fixed_icl"] == "memory-one:1,1,0,1,0" and not (out / "step1").exists()
    summ = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summ["fixed_icl"] == "memory-one:1,1,0,1,0"
    s2 = json.loads((out / "step2" / "summary.json").read_text())
    assert s2["fixed_icl"] == "memory-one:1,1,0,1,0"
    # TFT as the Fixed-ICL in the evaluation: it opens with C and copies the learner, so its
    # cooperation over the episode equals the learner's, shifted by one round
    from learners.a2c.checkpoint import load_checkpoint_state

    _, st = load_checkpoint_state(out / "step2")
    c, _, oc = (np.asarray(x) for x in st["eval_history"][-1][:3])
    np.testing.assert_allclose(oc[..., 0, 0], 1.0)
    np.testing.assert_allclose(oc[..., 0, 1:], c[..., 0, :-1], atol=1e-6)
    # resume against another Fixed-ICL: refused (step 2's config differs)
    assert main(base + ["--mechanism-iterations", "0,2,0", "--fixed-icl", "memory-one:ALLD"]) == 2
    assert "fixed_icl" in capsys.readouterr().err
    # step 3 alone on a step 2 trained against another Fixed-ICL: refused
    assert main(base + ["--mechanism-iterations", "0,0,2", "--fixed-icl", "memory-one:ALLD"]) == 2
    assert "Fixed-ICL" in capsys.readouterr().err
    # contradictions
    assert main(base + ["--mechanism-iterations", "2,2,0", "--fixed-icl", "memory-one:TFT"]) == 2
    assert "start with 0" in capsys.readouterr().err
    assert main(["train", "a2c", "--fixed-icl", "memory-one:TFT", "--out", str(tmp_path / "p"), "--no-progress"]) == 2
    assert "mode mechanism" in capsys.readouterr().err
    assert main(base + ["--mechanism-iterations", "0,2,0", "--fixed-icl", "nonsense"]) == 2
    assert "fixed_icl" in capsys.readouterr().err


def test_trainer_policy_object_needs_a_label():
    from dataclasses import replace

    from learners.a2c.mechanism import step_configs
    from learners.a2c.config import TrainConfig, preset_config
    from learners.a2c.trainer import Trainer

    base = preset_config("smoke", horizon=6, batch=8, hidden=8, embed=8, eval_episodes=4, seeds=1, eval_every=2)
    c2 = step_configs(base, [0, 2, 0])[1]
    pol = MemoryOnePolicy(jnp.asarray([1.0, 1, 0, 1, 0]))
    with pytest.raises(ParameterError, match="policy:"):
        Trainer(c2, fixed_policy=pol)
    with pytest.raises(ParameterError, match="fixed_policy"):
        Trainer(replace(c2, fixed_icl="policy:my TFT"))
    with pytest.raises(ParameterError, match="fixed_opponent"):
        TrainConfig(fixed_icl="memory-one:TFT")
    t = Trainer(replace(c2, fixed_icl="policy:my TFT"), fixed_policy=pol).run(progress=False)
    assert t.summary()["fixed_icl"] == "policy:my TFT"
    # the policy object and the spec of the same strategy give the same run
    t2 = Trainer(replace(c2, fixed_icl="memory-one:TFT")).run(progress=False)
    np.testing.assert_array_equal(np.stack(t.history), np.stack(t2.history))


def test_bayes_specs_normalise():
    assert normalise_fixed_icl("bayes") == "bayes:ce"
    assert normalise_fixed_icl("Bayes:LOOKAHEAD") == "bayes:lookahead:2"
    assert normalise_fixed_icl("bayes:lookahead:3:prior=recip-0.050") == "bayes:lookahead:3:prior=recip-0.05"
    assert normalise_fixed_icl("bayes:thompson:prior=uniform") == "bayes:thompson"
    assert normalise_fixed_icl("bayes:thompson:10:prior=tilt-5") == "bayes:thompson:10:prior=tilt-5"
    for bad in ("bayes:nope", "bayes:ce:2", "bayes:lookahead:99", "bayes:lookahead:x", "bayes:ce:prior=recip-2",
                "bayes:ce:prior=beta", "bayes:ce:prior=recip", "bayes:ce:prior=uniform-3", "bayes:ce:foo=1", "bayes::",
                "bayes:prior=uniform:ce", "bayes:ce:prior=tilt-0.5"):
        with pytest.raises(ParameterError, match="fixed_icl"):
            normalise_fixed_icl(bad)
    pol = fixed_icl_policy("bayes:lookahead:1:prior=recip-0.1", "paper", 30)
    assert (pol.rule, pol.depth, pol.horizon, pol.name) == ("lookahead", 1, 30, "bayes:lookahead:1:prior=recip-0.1")
    from learners.bayes import reciprocator_prior

    assert pol.prior == reciprocator_prior(0.1)


@pytest.mark.parametrize("spec", ["bayes:ce", "bayes:thompson"])
def test_bayes_coplayer_in_the_rollout_matches_the_simulator(spec):
    """The Bayesian learner as the fixed co-player of play_pool plays like it does in
    solvers.simulate.simulate (an independent loop, float64) against the same memory-one learners:
    the learners' and the co-player's mean rewards agree within 4.5 s.e. of the difference."""
    from solvers.simulate import simulate

    T, n = 20, 3000
    pol = fixed_icl_policy(spec, "paper", T)
    p = np.asarray([[0.9, 0.95, 0.2, 0.8, 0.3], [0.5, 0.5, 0.5, 0.5, 0.5]])
    apply_fn, params = _memory_one_learners(p[0], p[1])
    traj = play_pool(apply_fn, params, jax.random.PRNGKey(4), jnp.zeros((2, 0, 5)), n, T, payoff_table("paper"), 4, False,
                     fixed_policy=pol)
    r = np.asarray(traj.reward).mean(0)
    tbl = np.asarray(payoff_table("paper"))
    rc = tbl[2 * np.asarray(traj.co_action) + np.asarray(traj.action)].mean(0)
    for i in range(2):
        sim = simulate(MemoryOnePolicy(p[i]), pol, "paper", n=T, matches=n, seed=9)
        d = r[i].mean() - float(sim.payoff_x)
        se = np.hypot(r[i].std(ddof=1) / np.sqrt(n), float(sim.payoff_x_se))
        assert abs(d) < 4.5 * se, (spec, i, r[i].mean(), float(sim.payoff_x), se)
        dc = rc[i].mean() - float(sim.payoff_y)
        assert abs(dc) < 4.5 * np.hypot(rc[i].std(ddof=1) / np.sqrt(n), float(sim.payoff_y_se))
