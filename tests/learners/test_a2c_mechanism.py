"""Fixed co-player (mechanism step 2) wiring and the A2C mechanism chain."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.a2c.mechanism import mechanism_summary, run_mechanism, step_configs
from learners.env import payoff_table
from learners.pool import named_params, play_pool
from learners.a2c.checkpoint import checkpoint_params
from learners.a2c.config import preset_config
from learners.a2c.trainer import Trainer

TINY = dict(horizon=10, batch=16, hidden=8, embed=16, eval_episodes=4, seeds=2, eval_every=3,
            checkpoint_every=3, log_every=1)


def _agent_step(params, h, obs, pa, pr, z):
    """Stand-in agent: constant P(C) from params["logit"], or Tit-for-Tat when params["tft"] = 1.

    Observation tokens are 0 = start, 1 + 2*own + other: the co-player cooperated in CC (1), DC (3).
    """
    other_c = (obs == 0) | (obs == 1) | (obs == 3)
    tft_logit = jnp.where(other_c, 20.0, -20.0)
    logit_c = jnp.where(params["tft"] > 0, tft_logit, params["logit"])
    logits = jnp.stack([logit_c, jnp.zeros(obs.shape)], -1)
    return h, logits, jnp.zeros(obs.shape)


def test_fixed_coplayer_replaces_the_co_learner_and_sees_its_own_side():
    n_ll, n_t, T = 12, 8, 15
    learners = {"logit": jnp.array([0.0, 0.0]), "tft": jnp.array([0.0, 0.0])}  # both 50/50
    tft_agent = {"logit": jnp.array(0.0), "tft": jnp.array(1.0)}
    tab = jnp.asarray(np.broadcast_to(named_params(["ALLD"]), (2, n_t, 5)))
    table = payoff_table("paper")
    out = play_pool(_agent_step, learners, jax.random.PRNGKey(3), tab, n_ll, T, table, hidden=4,
                    opponent_id=False, fixed_params=tft_agent)
    a, co, r = (np.asarray(x) for x in (out.action, out.co_action, out.reward))
    # the frozen agent is TFT from its own view: C first, then the learner's previous action
    np.testing.assert_array_equal(co[0, :, :n_ll], 0)
    np.testing.assert_array_equal(co[1:, :, :n_ll], a[:-1, :, :n_ll])
    # the learners no longer play each other (their games are independent: actions differ)
    assert (co[:, 0, :n_ll] != a[:, 1, :n_ll]).any()
    np.testing.assert_array_equal(co[:, :, n_ll:], 1)  # tabular ALLD untouched
    np.testing.assert_allclose(r, np.asarray(table)[2 * a + co])
    with pytest.raises(ParameterError, match="opponent-ID"):
        play_pool(_agent_step, learners, jax.random.PRNGKey(3), tab, n_ll, T, table, 4, True, fixed_params=tft_agent)


def test_fixed_coplayer_gets_no_gradient():
    learners = {"logit": jnp.array([0.3, -0.2]), "tft": jnp.array([0.0, 0.0])}
    fixed = {"logit": jnp.array(0.5), "tft": jnp.array(0.0)}
    tab = jnp.zeros((2, 0, 5))

    def f(lp, fp):
        out = play_pool(_agent_step, lp, jax.random.PRNGKey(0), tab, 8, 6, payoff_table("paper"), 4, False, fixed_params=fp)
        return jnp.sum(out.logp)

    g_learn, g_fixed = jax.grad(f, argnums=(0, 1))(learners, fixed)
    assert np.all(np.asarray(g_learn["logit"]) != 0.0)
    assert float(g_fixed["logit"]) == 0.0


def test_fixed_opponent_config_errors():
    with pytest.raises(ParameterError, match="ablation"):
        preset_config("smoke", fixed_opponent=True, ablation="opponent-id")
    with pytest.raises(ParameterError, match="tabular_share"):
        preset_config("smoke", fixed_opponent=True, tabular_share=1.0)
    cfg = preset_config("smoke", fixed_opponent=True, tabular_share=0.0, **TINY)
    with pytest.raises(ParameterError, match="fixed_params"):
        Trainer(cfg)
    wrong = preset_config("smoke", **dict(TINY, hidden=4))
    other = Trainer(wrong).params
    with pytest.raises(ParameterError, match="shape"):
        Trainer(cfg, fixed_params=jax.tree_util.tree_map(lambda x: x[:, 0], other))
    with pytest.raises(ParameterError, match="mechanism pipeline"):
        step_configs(preset_config("smoke", ablation="no-tabular"), (1, 1, 1))
    with pytest.raises(ParameterError, match="three"):
        step_configs(preset_config("smoke"), (1, 1))


def test_mechanism_chain_wires_steps_and_resumes(tmp_path):
    base = preset_config("smoke", **TINY)
    c1, c2, c3 = step_configs(base, (4, 3, 3))
    assert (c1.pool.n_learner, c1.pool.n_tabular) == (0, 16)  # step 1: tabular only
    assert c2.fixed_opponent and c2.pool.n_tabular == 0 and not c3.fixed_opponent and c3.pool.n_tabular == 0
    assert (c1.hyper.reward_scale, c2.hyper.reward_scale, c3.hyper.reward_scale) == (0.2, 0.05, 0.02)  # Table 2
    tr = run_mechanism(base, tmp_path, (4, 3, 3), progress=False)
    # step 2 plays learner 1 of step 1 (per seed), frozen
    icl = checkpoint_params(tmp_path / "step1")[1]
    for a, b in zip(jax.tree_util.tree_leaves(tr["step2"].fixed_params), jax.tree_util.tree_leaves(icl)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b)[:, 0])
    # step 3 starts from step 2's final learners
    start3 = Trainer(c3, init_params=checkpoint_params(tmp_path / "step2")[1]).params
    for a, b in zip(jax.tree_util.tree_leaves(start3), jax.tree_util.tree_leaves(checkpoint_params(tmp_path / "step2")[1])):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    s = mechanism_summary(tr)
    # step 2: the co-player's reward is recorded (it is what the exploiter's reward is compared with)
    assert np.isfinite(np.asarray(s["step2"]["reward_fixed_icl"])).all()
    # vs ALLC the step-1 learner earns R or T: reward = 2 - coop
    np.testing.assert_allclose(s["step1"]["ALLC"]["reward"], 2.0 - np.asarray(s["step1"]["ALLC"]["coop"]), atol=1e-4)
    # re-running resumes every finished step: same numbers, no training
    again = run_mechanism(base, tmp_path, (4, 3, 3), progress=False)
    assert mechanism_summary(again) == s
    assert [again[k].iteration for k in ("step1", "step2", "step3")] == [4, 3, 3]


def test_mechanism_plot_and_table(tmp_path):
    from learners.a2c.plots import plot_mechanism
    from studies.a2c_mechanism import results_table

    base = preset_config("smoke", **TINY)
    tr = run_mechanism(base, tmp_path / "runs", (3, 3, 3), progress=False)
    plot_mechanism(tr, tmp_path / "mechanism.png")
    assert (tmp_path / "mechanism.png").stat().st_size > 10_000
    table = results_table(mechanism_summary(tr))
    assert table.count("| 1 (Fixed-ICL)") == 2 and table.count("| 2, it 3") == 2 and table.count("| 3, it 3") == 2


def test_cli_mechanism_mode_rejects_bad_iterations(capsys):
    from eqtools.cli import main

    assert main(["train", "a2c", "--mode", "mechanism", "--mechanism-iterations", "5,x,5", "--no-progress"]) == 2
    assert "mechanism-iterations" in capsys.readouterr().err
    assert main(["train", "a2c", "--mode", "mechanism", "--ablation", "no-tabular", "--no-progress"]) == 2
    assert "mechanism pipeline" in capsys.readouterr().err


def test_init_from_starts_from_another_runs_parameters(tmp_path):
    src = Trainer(preset_config("smoke", **dict(TINY, iterations=3)), tmp_path / "a").run(progress=False)
    cfg = preset_config("smoke", init_from=str(tmp_path / "a"), **dict(TINY, iterations=3, hyper=dict(entropy_coef=0.003)))
    tr = Trainer(cfg)
    for a, b in zip(jax.tree_util.tree_leaves(tr.params), jax.tree_util.tree_leaves(src.params)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    fresh = Trainer(preset_config("smoke", **dict(TINY, iterations=3)))
    assert any(not np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(jax.tree_util.tree_leaves(tr.params), jax.tree_util.tree_leaves(fresh.params)))
    with pytest.raises(ParameterError, match="shape"):
        Trainer(preset_config("smoke", init_from=str(tmp_path / "a"), **dict(TINY, hidden=4)))
    with pytest.raises(ParameterError, match="no checkpoint"):
        Trainer(preset_config("smoke", init_from=str(tmp_path / "missing"), **TINY))


def test_study_hyper_option_parses_and_rejects():
    from learners.a2c.mechanism import parse_hyper

    assert parse_hyper("1:entropy_coef=0.01,reward_scale=0.02;3:lr=0.003,advantage_centering=false") == {
        1: {"entropy_coef": 0.01, "reward_scale": 0.02}, 3: {"lr": 0.003, "advantage_centering": False}}
    assert parse_hyper(None) == {}
    with pytest.raises(ParameterError, match="unknown A2C hyper-parameter 'foo'"):
        parse_hyper("1:foo=1")
    with pytest.raises(ParameterError, match="must look like"):
        parse_hyper("one:lr=0.1")


def test_extract_seeds_continues_that_seed_alone(tmp_path):
    from learners.a2c.checkpoint import extract_seeds
    from learners.a2c.config import TrainConfig

    cfg = preset_config("smoke", **dict(TINY, iterations=3))
    Trainer(cfg, tmp_path / "both").run(progress=False)
    new = extract_seeds(tmp_path / "both", tmp_path / "one", [1], iterations=6)
    assert (new.seed, new.seeds, new.iterations) == (1, 1, 6)
    one = Trainer(new, tmp_path / "one").run(progress=False)
    both = Trainer(TrainConfig.from_dict(dict(cfg.to_dict(), iterations=6)), tmp_path / "both").run(progress=False)
    h1, h2 = np.stack(one.history), np.stack(both.history)
    assert h1.shape[0] == h2.shape[0] == 6
    # seeds are independent: seed 1 alone continues exactly as in the two-seed run (up to float reassociation)
    np.testing.assert_allclose(h1[:, 0], h2[:, 1], rtol=1e-4, atol=1e-5)
    with pytest.raises(ParameterError, match="not all in"):
        extract_seeds(tmp_path / "both", tmp_path / "x", [5])
    with pytest.raises(ParameterError, match="already holds"):
        extract_seeds(tmp_path / "both", tmp_path / "one", [1])
