"""``noise`` reaches training (issue 23): every training loop plays noisy rounds when configured,
the configs validate and store it, old run files load with ``noise = 0``, and ``--noise`` reaches
the configs of ``train a2c``, ``train ppi`` and ``shaping run``.

Monte Carlo tolerance: ``TOL_SE = 4.5`` standard errors, fixed seeds.  Tabular co-players' actions
in different rounds are independent given the learner's play, and a learner's played action given
its own ``P(C)`` is a martingale difference; ``1/2 / sqrt(N)`` (or ``sqrt(eps (1 - eps) / N)``)
bounds the standard error (see ``test_round_kernel.py``).  Noise-free bit identity of these loops:
``test_round_kernel.py::test_noise_free_loops_are_bit_identical_to_a793e7d`` and the older references.
"""

from __future__ import annotations

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import named
from learners.env import payoff_table
from learners.networks import GRUAgent, init_agent_params_np
from learners.pool import play_pool

TOL_SE = 4.5
EPS = 0.1


def _gap(coop, p_coop, noise=EPS):
    dev = np.asarray(coop, np.float64) - (noise + (1.0 - 2.0 * noise) * np.asarray(p_coop, np.float64))
    return abs(float(dev.mean())), 0.5 / math.sqrt(dev.size)


def _bernoulli_gap(coop, p):
    c = np.asarray(coop, np.float64)
    return abs(float(c.mean()) - p), math.sqrt(p * (1 - p) / c.size)


@pytest.fixture(scope="module")
def gru_pair():
    agent = GRUAgent(hidden=8, embed=8, reward_input_scale=2.0)
    mk = lambda s: init_agent_params_np(agent, np.random.default_rng(s))  # noqa: E731
    return agent, jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), mk(1), mk(2))


def _vec(name):
    return jnp.asarray(named(name, "paper").vector, jnp.float32)


def test_a2c_pool_rollout_is_noisy(gru_pair):
    """Learner 0 meets tabular ALLC, learner 1 tabular TFT; each learner also the other."""
    agent, params = gru_pair
    n_l, n_t, T = 64, 512, 30
    tab = jnp.stack([jnp.broadcast_to(_vec("ALLC"), (n_t, 5)), jnp.broadcast_to(_vec("TFT"), (n_t, 5))])
    key, table = jax.random.PRNGKey(5), payoff_table("paper")
    clean = play_pool(agent.apply, params, key, tab, n_l, T, table, 8, False)
    assert float(jnp.mean(clean.co_action[:, 0, n_l:] == 0)) == 1.0  # ALLC without noise
    tr = play_pool(agent.apply, params, key, tab, n_l, T, table, 8, False, noise=EPS)
    a, co = np.asarray(tr.action), np.asarray(tr.co_action)
    gap, se = _gap(a == 0, tr.p_coop)  # learners' played C vs their P(C)
    assert gap < TOL_SE * se
    gap, se = _bernoulli_gap(co[:, 0, n_l:] == 0, 1 - EPS)  # ALLC plays C with 1 - noise
    assert gap < TOL_SE * se
    # TFT copies the learner's *played* action, then errs: P(C) = 0.9 after C, 0.1 after D
    prev_c = np.concatenate([np.ones((1, n_t), bool), a[:-1, 1, n_l:] == 0])
    dev = (co[:, 1, n_l:] == 0) - np.where(prev_c, 1 - EPS, EPS)
    assert abs(dev.mean()) < TOL_SE * math.sqrt(EPS * (1 - EPS) / dev.size)
    # learner-vs-learner episodes: one game, each side sees the other's played action
    np.testing.assert_array_equal(co[:, 0, :n_l], a[:, 1, :n_l])
    np.testing.assert_array_equal(tr.reward, np.asarray(table)[2 * a + co])


def test_a2c_pool_fixed_policy_coplayer_is_noisy(gru_pair):
    from solvers.simulate import MemoryOnePolicy

    agent, params = gru_pair
    n_l, T = 512, 20
    tr = play_pool(agent.apply, params, jax.random.PRNGKey(6), jnp.zeros((2, 0, 5)), n_l, T, payoff_table("paper"), 8,
                   False, fixed_policy=MemoryOnePolicy(_vec("ALLC"), "y"), noise=EPS)
    gap, se = _bernoulli_gap(np.asarray(tr.co_action) == 0, 1 - EPS)
    assert gap < TOL_SE * se


def test_ppi_play_pair_is_noisy():
    from learners.ppi.config import preset_config
    from learners.ppi.model import init_model
    from learners.ppi.play import ImprovementSpec, play_pair

    cfg = preset_config("smoke", hidden=8, embed=8)
    module = cfg.module()
    px, py = init_model(module, jax.random.PRNGKey(1)), init_model(module, jax.random.PRNGKey(2))
    spec = ImprovementSpec(0.0, 0, 0)  # the prior policy: fast, and pcoop is what the agent intends
    n_pair, n_t, T = 64, 512, 20
    allc = jnp.broadcast_to(_vec("ALLC"), (n_t, 5))
    kw = dict(n_pair=n_pair, horizon=T, spec_x=spec, spec_y=spec)
    table = payoff_table("paper")
    clean = play_pair(module, px, py, jax.random.PRNGKey(3), allc, allc, table, **kw)
    assert np.all(np.asarray(clean.states_x)[:, n_pair:] % 2 == 0)  # ALLC always cooperates
    r = play_pair(module, px, py, jax.random.PRNGKey(3), allc, allc, table, noise=EPS, **kw)
    sx, sy = np.asarray(r.states_x), np.asarray(r.states_y)
    gap, se = _bernoulli_gap(sx[:, n_pair:] % 2 == 0, 1 - EPS)  # the tabular ALLC's played C
    assert gap < TOL_SE * se
    gap, se = _gap(np.concatenate([sx // 2 == 0, sy // 2 == 0]), np.concatenate([r.pcoop_x, r.pcoop_y]))
    assert gap < TOL_SE * se
    # the pair episodes are one game seen from both sides
    np.testing.assert_array_equal(sx[:, :n_pair], np.array([0, 2, 1, 3])[sy[:, :n_pair]])


def test_shaping_gru_rollout_is_noisy():
    from learners.shaping.gru import _rollout

    agent = GRUAgent(hidden=8, embed=8)
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    from learners.networks import init_agent_params

    p1, p2 = init_agent_params(agent, k1), init_agent_params(agent, k2)
    lp, v, r, a, obs, pc = _rollout(agent, p1, p2, jax.random.PRNGKey(9), payoff_table("lola"), 30, 1024, EPS)
    gap, se = _gap(np.asarray(a) == 0, pc)
    assert gap < TOL_SE * se
    # observations follow the played actions
    a = np.asarray(a)
    np.testing.assert_array_equal(np.asarray(obs)[1:, 0], 1 + 2 * a[:-1, 0] + a[:-1, 1])


def test_shaping_sample_gradient_is_unbiased_under_noise():
    """One round (horizon 1), REINFORCE on (1 - gamma) r_0: the mean per-episode gradient of the noisy
    game is the exact gradient of (1 - gamma) E[r_0] with the noisy opening probabilities."""
    from eqtools.games import preset
    from learners.shaping.sample import collect, episode_gradients

    g, gamma, B = preset("lola"), 0.9, 40_000
    th1, th2 = jnp.array([0.3, -1.0, 0.5, 0.2, 0.1]), jnp.array([-0.4, 0.7, 0.0, -0.2, 0.9])
    b = collect(jax.random.PRNGKey(11), th1, th2, g, 1, B, EPS)
    grads, _, _ = episode_gradients(th1, th2, jnp.zeros((2, 5)), b, gamma=gamma, lam=(1.0, 1.0), kinds=("pg", "pg"),
                                    beta=0.0, bootstrap=False, noise=EPS)
    grads = np.asarray(grads, np.float64)[:, :, 0]  # only the opening logit moves

    def v(t1, t2, i):
        a, c = EPS + (1 - 2 * EPS) * jax.nn.sigmoid(t1), EPS + (1 - 2 * EPS) * jax.nn.sigmoid(t2)
        d = jnp.array([a * c, a * (1 - c), (1 - a) * c, (1 - a) * (1 - c)])
        r = jnp.asarray(g.payoffs if i == 0 else g.payoffs_coplayer, jnp.float32)
        return (1 - gamma) * d @ r

    exact = [float(jax.grad(v, 0)(th1[0], th2[0], 0)), float(jax.grad(v, 1)(th1[0], th2[0], 1))]
    for i in range(2):
        se = grads[:, i].std(ddof=1) / math.sqrt(B)
        assert abs(grads[:, i].mean() - exact[i]) < TOL_SE * se, (i, grads[:, i].mean(), exact[i], se)


def test_shaping_exact_learners_use_the_noisy_values():
    from learners.shaping.exact import ExactConfig, train_exact
    from solvers.payoffs import discounted

    cfg = ExactConfig(steps=2, runs=3, noise=EPS)
    res = train_exact(cfg)
    pol0 = res.policy_history[0]
    ex = discounted(pol0[:, 0], pol0[:, 1], "lola", cfg.gamma, noise=EPS)
    np.testing.assert_allclose(res.reward[0], np.stack([ex.payoff_x, ex.payoff_y], -1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.coop[0], np.stack([ex.coop_x, ex.coop_y], -1), rtol=1e-9, atol=1e-12)
    clean = train_exact(ExactConfig(steps=2, runs=3))
    np.testing.assert_array_equal(res.policy_history[0], clean.policy_history[0])  # same start, other game
    assert not np.allclose(res.reward[0], clean.reward[0])


# ------------------------------------------------------------------ configs and run files

def _configs():
    from learners.ppi.config import PPIConfig
    from learners.shaping.exact import ExactConfig
    from learners.shaping.gru import GRUShapingConfig
    from learners.shaping.sample import SampleConfig
    from learners.train_a2c import preset_config

    return {
        "a2c": lambda **kw: preset_config("smoke", **kw),
        "ppi": lambda **kw: PPIConfig(**kw),
        "exact": lambda **kw: ExactConfig(**kw).validate(),
        "sample": lambda **kw: SampleConfig(**kw).validate(),
        "gru": lambda **kw: GRUShapingConfig(**kw).validate(),
    }


@pytest.mark.parametrize("kind", ["a2c", "ppi", "exact", "sample", "gru"])
def test_configs_validate_and_store_noise(kind):
    make = _configs()[kind]
    assert make().noise == 0.0
    cfg = make(noise=0.05)
    assert cfg.noise == 0.05 and cfg.to_dict()["noise"] == 0.05
    for bad in (1.5, float("nan"), -0.01, float("inf")):
        with pytest.raises(ParameterError, match="noise"):
            make(noise=bad)


def test_old_run_configs_load_with_zero_noise():
    from learners.ppi.config import PPIConfig
    from learners.train_a2c import TrainConfig, preset_config

    for cls, cfg in ((TrainConfig, preset_config("smoke")), (PPIConfig, PPIConfig())):
        old = json.loads(json.dumps(cfg.to_dict()))
        del old["noise"]  # a run file written before the field existed
        loaded = cls.from_dict(old)
        assert loaded.noise == 0.0 and loaded == cfg
        again = cls.from_dict(json.loads(json.dumps(preset_config("smoke", noise=0.02).to_dict()))
                              if cls is TrainConfig else json.loads(json.dumps(PPIConfig(noise=0.02).to_dict())))
        assert again.noise == 0.02


def test_a2c_training_with_noise_runs_and_differs():
    from learners.train_a2c import Trainer, preset_config

    kw = dict(horizon=8, batch=16, hidden=8, embed=8, eval_episodes=4, seeds=1, eval_every=2, iterations=2)
    h0 = np.stack(Trainer(preset_config("smoke", **kw)).run(progress=False).history)
    h1 = np.stack(Trainer(preset_config("smoke", noise=0.2, **kw)).run(progress=False).history)
    assert np.all(np.isfinite(h1)) and not np.array_equal(h0, h1)


# ------------------------------------------------------------------ the CLI

def test_cli_noise_reaches_the_configs(tmp_path):
    from eqtools.cli import build_parser, main
    from eqtools.cli.train import build_config as a2c_config
    from learners.ppi.cli import build_config as ppi_config

    parser = build_parser()
    assert a2c_config(parser.parse_args(["train", "a2c", "--noise", "0.05"])).noise == 0.05
    assert ppi_config(parser.parse_args(["train", "ppi", "--noise", "0.05"])).noise == 0.05
    assert a2c_config(parser.parse_args(["train", "a2c"])).noise == 0.0
    out = tmp_path / "s.json"
    assert main(["shaping", "run", "--learners", "lola,lola", "--steps", "2", "--runs", "2", "--noise", "0.05",
                 "--out", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["config"]["noise"] == 0.05 and "noise 0.05" in summary["criterion"]


@pytest.mark.parametrize("bad", ["1.5", "nan"])
@pytest.mark.parametrize("cmd", [["train", "a2c"], ["train", "ppi"], ["shaping", "run", "--learners", "lola,lola"]])
def test_cli_bad_noise_is_a_named_error(cmd, bad, tmp_path, capsys):
    from eqtools.cli import main

    rc = main([*cmd, "--noise", bad, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "noise" in err[0], err
