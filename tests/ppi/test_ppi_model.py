"""The pretrained sequence model: in-context inference of a tabular co-player, the improved
policy against ALLC, the simulator adapter."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.conventions import SWAP
from learners.env import payoff_table, rollout_memory_one
from learners.ppi.data import EpisodeStore, pretraining_states
from learners.ppi.model import model_logits_over_episode
from learners.ppi.play import ImprovementSpec, play_pair
from learners.ppi.train import PPIAgent, PPIConfig, fit_model
from solvers.simulate import Policy, simulate

T = 40
CFG = PPIConfig(hidden=64, embed=16, horizon=T, pretrain_games=2000, epochs=3, batch_size=32, lr=1e-2,
                beta=1.0, n_rollouts=4, rollout_horizon=8)


@pytest.fixture(scope="module")
def pretrained():
    """A model pretrained on games between random U(0,1)^5 tabular agents (smoke scale)."""
    store = EpisodeStore(T)
    store.add(pretraining_states(jax.random.PRNGKey(0), CFG.pretrain_games, "tabular", T))
    params, losses = fit_model(CFG, store, jax.random.PRNGKey(1), [0])
    return params, losses


def test_pretraining_data_is_compact_and_valid():
    s = pretraining_states(jax.random.PRNGKey(0), 50, "tabular", 20)
    assert s.dtype == np.int8 and s.shape == (50, 20) and s.min() >= 0 and s.max() <= 3
    r = pretraining_states(jax.random.PRNGKey(0), 400, "random", 60).astype(int)
    # random action sequences: the co-player's action does not react to the focal player's last move
    co, prev_own = r[:, 1:] % 2, r[:, :-1] // 2
    rates = [co[prev_own == a].mean() for a in (0, 1)]
    assert abs(rates[0] - rates[1]) < 0.05


def test_predicted_coplayer_action_converges_to_true_memory_one_probabilities(pretrained):
    params, losses = pretrained
    assert losses[3] < 0.05  # the reward head has learnt the payoff table
    q = np.array([0.5, 0.9, 0.1, 0.9, 0.1])  # a noisy tit-for-tat co-player
    B = 512
    p = jax.random.uniform(jax.random.PRNGKey(5), (B, 5))  # the focal player: random tabular agents
    tr = rollout_memory_one(jax.random.PRNGKey(6), p, q, "paper", T, B)
    s = np.asarray(tr.states_x).T
    heads = model_logits_over_episode(CFG.module(), params, jnp.asarray(s), payoff_table("paper"))
    a = s // 2
    co = np.take_along_axis(np.asarray(heads.co_logits), a[..., None, None], axis=-2)[..., 0, :]
    pred = np.asarray(jax.nn.softmax(co)[..., 0])  # predicted P(co-player cooperates in round t)
    prev = np.concatenate([np.zeros((B, 1), int), 1 + SWAP[s[:, :-1]]], axis=1)
    err = np.abs(pred - q[prev]).mean(axis=0)  # mean |predicted - true memory-one probability|
    early, late = err[1:4].mean(), err[T - 10:].mean()
    assert late < 0.6 * early, (early, late)
    assert late < 0.2, late


def test_improved_policy_prefers_defection_against_allc(pretrained):
    params, _ = pretrained
    table = payoff_table("paper")
    allc = jnp.ones((64, 5))
    spec = ImprovementSpec(1.0, 4, 8)
    r = play_pair(CFG.module(), params, params, jax.random.PRNGKey(2), allc, jnp.zeros((0, 5)), table,
                  n_pair=0, horizon=T, spec_x=spec, spec_y=spec)
    pi, prior = np.asarray(r.pcoop_x), np.asarray(r.prior_x)

    def logit(x):
        x = np.clip(x, 1e-6, 1 - 1e-6)
        return np.log(x / (1 - x))

    # log-odds shift of cooperation = beta * (Q_hat(C) - Q_hat(D)); against ALLC defecting
    # gains T - R = 1 per round, so the shift should be about -beta
    shift = logit(pi) - logit(prior)
    assert shift.mean() < -0.5, shift.mean()
    assert (shift < 0).mean() > 0.9
    assert pi[5:].mean() < 0.5 and pi.mean() < prior.mean()
    # the same agent through the toolkit's simulator (solvers.simulate.Policy adapter):
    agent = PPIAgent(CFG.hidden, CFG.embed, CFG.module().reward_input_scale, params, spec, "paper", T)
    pol = agent.policy(seed=0)
    assert isinstance(pol, Policy)
    from solvers.simulate import MemoryOnePolicy

    res = simulate(pol, MemoryOnePolicy(jnp.ones(5), "ALLC"), "paper", n=T, matches=64, seed=0)
    assert res.coop_x < 0.5 and res.payoff_x > 1.5
