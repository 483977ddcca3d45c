"""The opponent-ID ablation of PPI: the model reads the co-player's vector z (pretraining, data,
rollouts, evaluation, agents), runs resume exactly, and bad uses are refused."""

from __future__ import annotations

import argparse
import json
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.env import payoff_table, rollout_memory_one
from learners.pool import named_params, opponent_id_vector
from learners.ppi.data import EpisodeStore, pretraining_states, z_path
from learners.ppi.model import OPPONENT_ID_DIM, SequenceModel, init_model, model_logits_over_episode
from learners.ppi.play import ImprovementSpec, act, play_pair
from learners.ppi.train import PPIAgent, PPIConfig, PPIRunner, fit_model

T = 10
CFG_Z = PPIConfig(hidden=32, embed=8, horizon=T, pretrain_games=4000, epochs=3, batch_size=32, lr=1e-2,
                  ablation="opponent-id")
CFG_PLAIN = PPIConfig(hidden=32, embed=8, horizon=T, pretrain_games=4000, epochs=1, batch_size=32, lr=1e-2)


@pytest.fixture(scope="module")
def pretrained():
    """The same tabular-vs-tabular pretraining games, with and without the co-player's z."""
    states, co = pretraining_states(jax.random.PRNGKey(0), CFG_Z.pretrain_games, "tabular", T, with_coplayer=True)
    assert np.array_equal(states, pretraining_states(jax.random.PRNGKey(0), CFG_Z.pretrain_games, "tabular", T))
    with_z = EpisodeStore(T, OPPONENT_ID_DIM)
    with_z.add(states, z=np.asarray(opponent_id_vector(jnp.asarray(co))))
    plain = EpisodeStore(T)
    plain.add(states)
    params_z, _ = fit_model(CFG_Z, with_z, jax.random.PRNGKey(1), [0])
    params_plain, _ = fit_model(CFG_PLAIN, plain, jax.random.PRNGKey(1), [0])
    return params_z, params_plain


def _round1_coplayer_prediction(module, params, q, z):
    """The model's P(co-player cooperates in round 1 | own action C) in fresh games against ``q``."""
    B = q.shape[0]
    p = jax.random.uniform(jax.random.PRNGKey(5), (B, 5))
    s = np.asarray(rollout_memory_one(jax.random.PRNGKey(6), p, q, "paper", T, B).states_x).T
    heads = model_logits_over_episode(module, params, jnp.asarray(s), payoff_table("paper"), z)
    return np.asarray(jax.nn.softmax(heads.co_logits[:, 0, 0, :])[:, 0])


def test_round1_prediction_tracks_coplayer_p0_only_with_z(pretrained):
    params_z, params_plain = pretrained
    q = jax.random.uniform(jax.random.PRNGKey(7), (512, 5))  # fresh co-players, not in the pretraining set
    q0 = np.asarray(q)[:, 0]
    z = opponent_id_vector(q)
    pred = _round1_coplayer_prediction(CFG_Z.module(), params_z, q, z)
    assert np.corrcoef(pred, q0)[0, 1] > 0.8
    mae_z = np.abs(pred - q0).mean()
    assert mae_z < 0.12, mae_z
    # the signal is z itself: the same model given the z of *other* co-players loses it
    shuffled = _round1_coplayer_prediction(CFG_Z.module(), params_z, q, z[np.random.default_rng(0).permutation(512)])
    assert abs(np.corrcoef(shuffled, q0)[0, 1]) < 0.2
    # without z nothing distinguishes the co-players before round 1: one prediction for all
    pred_plain = _round1_coplayer_prediction(CFG_PLAIN.module(), params_plain, q, None)
    assert pred_plain.std() < 1e-5
    assert np.abs(pred_plain - q0).mean() > 2 * mae_z


def test_rollouts_hold_z_fixed(pretrained):
    """Q_hat in round 1 from model rollouts: with ALLC's z every simulated round pays >= 1
    (R or T), with ALLD's z at most 0 (S or P) — only if z reaches every rollout step."""
    params_z, _ = pretrained
    module = CFG_Z.module()
    z = opponent_id_vector(jnp.asarray(named_params(["ALLC", "ALLD"])))
    B, H = 2, 8
    spec = ImprovementSpec(1.0, 64, H)
    h = jnp.zeros((B, module.hidden))
    obs, pa, pr = jnp.zeros(B, jnp.int32), jnp.full(B, -1, jnp.int32), jnp.zeros(B)
    _, logits, prior = act(module, params_z, h, obs, pa, pr, jnp.asarray(0), jax.random.PRNGKey(3), spec, T, z)
    q = np.asarray(logits - jax.nn.log_softmax(prior))  # beta = 1: the improved logits add Q_hat
    assert q[0].min() > 0.8 * H and q[1].max() < 0.2 * H, q
    with pytest.raises(ParameterError, match="needs z"):
        act(module, params_z, h, obs, pa, pr, jnp.asarray(0), jax.random.PRNGKey(3), spec, T)


def test_model_and_store_contracts(tmp_path):
    plain = SequenceModel(hidden=8, embed=4)
    withz = SequenceModel(hidden=8, embed=4, use_opponent_id=True)
    pp, pz = init_model(plain, jax.random.PRNGKey(0)), init_model(withz, jax.random.PRNGKey(0))
    assert "embed_opponent_id" not in pp["params"]
    assert pz["params"]["embed_opponent_id"]["kernel"].shape == (OPPONENT_ID_DIM, 4)
    s = jnp.zeros((3, 5), jnp.int8)
    table = payoff_table("paper")
    with pytest.raises(ParameterError, match="needs z"):
        model_logits_over_episode(withz, pz, s, table)
    with pytest.raises(ParameterError, match="without the opponent-ID"):
        model_logits_over_episode(plain, pp, s, table, jnp.zeros((3, OPPONENT_ID_DIM)))
    with pytest.raises(ParameterError, match="shape"):
        model_logits_over_episode(withz, pz, s, table, jnp.zeros((3, 5)))
    # the store keeps one float32 z row per episode, on disk beside the states, in step with them
    st = EpisodeStore(4, OPPONENT_ID_DIM)
    n = 50
    states = (np.arange(n)[:, None] % 4 * np.ones((1, 4))).astype(np.int8)
    z = np.repeat(np.arange(n, dtype=np.float32)[:, None], OPPONENT_ID_DIM, axis=1) * -0.125
    st.add(states[:30], tmp_path / "a.npy", z=z[:30])
    st.add(states[30:], tmp_path / "b.npy", z=z[30:])
    assert z_path(tmp_path / "a.npy").exists()
    re = EpisodeStore.from_paths(4, [str(tmp_path / "a.npy"), str(tmp_path / "b.npy")], OPPONENT_ID_DIM)
    seen = 0
    for bs, bz in re.copy().batches(16, np.random.default_rng(0)):
        assert bz.dtype == np.float32 and bz.shape == (16, OPPONENT_ID_DIM)
        rows = (-bz[:, 0] / 0.125).astype(int)  # which episode each z row belongs to
        np.testing.assert_array_equal(bs[:, 0], rows % 4)
        seen += 16
    assert seen == 48
    with pytest.raises(ParameterError, match="needs z"):
        st.add(states)
    with pytest.raises(ParameterError, match="shape"):
        st.add(states, z=z[:, :5])
    with pytest.raises(ParameterError, match="z_dim = 0"):
        EpisodeStore(4).add(states, z=z)


TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=2, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=4,
            ablation="opponent-id")


def _numbers(r: PPIRunner):
    return (np.stack(r.history)[..., :10], [np.asarray(s) for d in r.data for s in d.shards],
            [np.asarray(z) for d in r.data for z in d.zs], [np.asarray(e[k]) for e in r.eval_history for k in range(3)],
            [np.asarray(x) for p in r.params for x in jax.tree_util.tree_leaves(p)])


def _same(a, b) -> bool:
    return all(len(x) == len(y) and all(np.array_equal(u, v, equal_nan=True) for u, v in zip(x, y)) for x, y in zip(a, b))


@pytest.mark.parametrize("reinit", [False, True])
def test_opponent_id_run_trains_evaluates_and_resumes_identically(tmp_path, reinit):
    cfg = PPIConfig(**{**TINY, "reinit": reinit})
    full = PPIRunner(cfg, tmp_path / "full", label="opponent-id").run(progress=False)
    part = PPIRunner(cfg, tmp_path / "part").run(progress=False, max_units=3)  # killed mid-phase 1 (learner 2)
    assert part.stage == "train" and part.learner == 1 and not part.done
    part2 = PPIRunner(cfg, tmp_path / "part").run(progress=False, max_units=4)  # killed again, in phase 2's training
    assert part2.phase == 2 and not part2.done
    resumed = PPIRunner(cfg, tmp_path / "part").run(progress=False)
    assert resumed.done and _same(_numbers(full), _numbers(resumed))
    assert _same(_numbers(full), _numbers(PPIRunner(cfg).run(progress=False)))  # in memory: the same numbers
    # a plain run from the same seed plays the same pretraining games but learns something else
    plain = PPIRunner(PPIConfig(**{**TINY, "reinit": reinit, "ablation": "none"})).run(progress=False)
    assert np.array_equal(plain.data[0].shards[0], full.data[0].shards[0])
    assert not np.array_equal(np.asarray(plain.eval_history[-1][0]), np.asarray(full.eval_history[-1][0]))

    n_t = cfg.pool.n_tabular
    for d in resumed.data:
        assert len(d.zs) == len(d.shards) == 3 and all(z.dtype == np.float32 for z in d.zs)
        pre = np.asarray(d.zs[0])
        assert pre.shape == (64, OPPONENT_ID_DIM) and np.all(pre < 0)  # pretraining: always a tabular co-player
        for z in d.zs[1:]:
            z = np.asarray(z)
            assert np.all(z[: 16 - n_t] == 0)  # learner-vs-learner episodes first: z = 0
            pc, pd = np.exp(z[16 - n_t:, 0::2]), np.exp(z[16 - n_t:, 1::2])
            assert np.all(z[16 - n_t:] < 0) and np.allclose(pc + pd, 1, atol=2e-4)  # log-probabilities
    for p in d.paths:
        assert z_path(p).exists()
    s = json.loads((tmp_path / "part" / "summary.json").read_text())
    assert s["phases"] == 2 and set(s["eval"]) == {"learner", "ALLC", "ALLD", "TFT", "random"}
    assert all(v is not None for o in s["eval"].values() for v in o["reward"])

    agent = PPIAgent.load(tmp_path / "part" / "agent_0.pkl")
    assert agent.use_opponent_id and agent.module.use_opponent_id
    with pytest.raises(ParameterError, match="opponent-ID"):
        agent.policy(seed=0)
    from solvers.simulate import MemoryOnePolicy, simulate

    allc = named_params(["ALLC"])[0]
    pol = agent.policy(seed=0, z=np.asarray(opponent_id_vector(jnp.asarray(allc))))
    res = simulate(pol, MemoryOnePolicy(jnp.asarray(allc), "ALLC"), "paper", n=cfg.horizon, matches=4, seed=0)
    assert np.isfinite(res.payoff_x)


def test_evaluation_passes_the_coplayers_z(tmp_path):
    """play_pair (the evaluation's and the gathering's rollout) gives each tabular co-player's
    episode its own z and the co-learner's episodes z = 0: the round-1 prior differs between
    ALLC, ALLD and the learner, and becomes one value when the model's z weights are zeroed —
    the value it has in the pair episodes (z = 0)."""
    cfg = PPIConfig(**{**TINY, "phases": 1})
    r = PPIRunner(cfg).run(progress=False)
    module = cfg.module()
    tab = jnp.asarray(named_params(["ALLC", "ALLD"]))
    base = play_pair(module, r.params[0], r.params[1], jax.random.PRNGKey(0), tab, tab, r.table, n_pair=2,
                     horizon=cfg.horizon, spec_x=cfg.spec, spec_y=cfg.spec)
    p0 = np.asarray(base.prior_x)[0]  # round-1 prior: learner, learner, ALLC, ALLD
    assert p0[0] == p0[1] and len({float(p0[0]), float(p0[2]), float(p0[3])}) == 3
    blind = jax.tree_util.tree_map(lambda x: x, r.params[0])
    blind["params"]["embed_opponent_id"]["kernel"] = jnp.zeros_like(blind["params"]["embed_opponent_id"]["kernel"])
    b = play_pair(module, blind, r.params[1], jax.random.PRNGKey(0), tab, tab, r.table, n_pair=2,
                  horizon=cfg.horizon, spec_x=cfg.spec, spec_y=cfg.spec)
    pb = np.asarray(b.prior_x)[0]
    assert pb[0] == pb[2] == pb[3] and pb[0] == p0[0]  # z = 0 in the pair episodes: unchanged there


def test_bad_opponent_id_setups_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="tabular_share"):
        PPIConfig(ablation="opponent-id", tabular_share=0.0)
    with pytest.raises(ParameterError, match="ablation"):
        PPIConfig(ablation="opponent_id")
    cfg = PPIConfig(**TINY)
    assert cfg.opponent_id and cfg.z_dim == OPPONENT_ID_DIM and cfg.pool.opponent_id
    fixed = PPIAgent(8, 4, 2.0, init_model(SequenceModel(8, 4, 2.0), jax.random.PRNGKey(0)),
                     ImprovementSpec(1.0, 2, 3), "paper", 12, "fixed")
    with pytest.raises(ParameterError, match="fixed opponent"):
        PPIRunner(cfg, fixed_opponent=fixed)
    zagent = PPIAgent(8, 4, 2.0, init_model(SequenceModel(8, 4, 2.0, True), jax.random.PRNGKey(0)),
                      ImprovementSpec(1.0, 2, 3), "paper", 12, "zfixed", True)
    with pytest.raises(ParameterError, match="fixed opponent"):
        PPIRunner(PPIConfig(**{**TINY, "ablation": "none", "tabular_share": 0.0}), fixed_opponent=zagent)
    with pytest.raises(ParameterError, match="initial_data"):
        PPIRunner(cfg, initial_data=[EpisodeStore(12), EpisodeStore(12)])
    with pytest.raises(ParameterError, match="no opponent-ID input"):
        fixed.policy(z=np.zeros(OPPONENT_ID_DIM))
    with pytest.raises(ParameterError, match="shape"):
        zagent.policy(z=np.zeros(5))
    # an agent file from before the flag existed loads as a plain agent
    fixed.save(tmp_path / "old.pkl")
    d = pickle.load(open(tmp_path / "old.pkl", "rb"))
    del d["use_opponent_id"]
    pickle.dump(d, open(tmp_path / "old.pkl", "wb"))
    assert PPIAgent.load(tmp_path / "old.pkl").use_opponent_id is False


def test_cli_and_study_accept_the_ablation(tmp_path):
    from learners.ppi.cli import add_ppi_parser, build_config
    from studies.ppi import CONDITIONS, DEFAULT_CONDITIONS, run_study

    ap = argparse.ArgumentParser()
    add_ppi_parser(ap.add_subparsers())
    cfg = build_config(ap.parse_args(["ppi", "--preset", "smoke", "--ablation", "opponent-id"]))
    assert cfg.opponent_id and cfg.share == 0.5 and cfg.pretrain_kind == "tabular"
    with pytest.raises(ParameterError, match="tabular_share"):
        build_config(ap.parse_args(["ppi", "--ablation", "opponent-id", "--tabular-share", "0"]))
    assert "opponent-id" in CONDITIONS and "opponent-id" not in DEFAULT_CONDITIONS
    out = run_study("smoke", runs_dir=tmp_path / "runs", results_dir=tmp_path / "res", conditions=["opponent-id"],
                    progress=False, **{**{k: v for k, v in TINY.items() if k != "ablation"}, "phases": 1})
    c = out["conditions"]["opponent-id"]
    assert c["config"]["ablation"] == "opponent-id" and c["phases"] == 1
    assert (tmp_path / "res" / "phases_opponent-id.nc").exists()
