"""Co-player pool: composition, opponent-ID vector, and the two-learner rollout wiring."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import named
from learners.env import payoff_table
from learners.pool import PoolSpec, named_params, opponent_id_vector, play_pool, sample_tabular


def test_pool_composition():
    spec = PoolSpec(256, 0.5)
    assert (spec.n_learner, spec.n_tabular) == (128, 128)
    assert PoolSpec(10, 0.0).n_tabular == 0
    assert PoolSpec(10, 1.0).n_learner == 0


@pytest.mark.parametrize(
    "kwargs,field",
    [
        (dict(batch=0), "batch"),
        (dict(batch=8, tabular_share=1.5), "tabular_share"),
        (dict(batch=8, tabular_share=0.0, opponent_id=True), "opponent_id"),
        (dict(batch=8, tabular="nonsense"), "tabular"),
    ],
)
def test_pool_errors_name_the_field(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        PoolSpec(**kwargs)


def test_uniform_tabular_is_redrawn_per_episode_and_fixed_lists_are_respected():
    spec = PoolSpec(64, 0.5)
    tab = np.asarray(sample_tabular(jax.random.PRNGKey(0), spec, (2, 32)))
    assert tab.shape == (2, 32, 5) and tab.min() >= 0 and tab.max() <= 1
    assert len(np.unique(tab.reshape(-1, 5), axis=0)) == 64
    assert abs(tab.mean() - 0.5) < 0.05
    fixed = np.asarray(sample_tabular(jax.random.PRNGKey(0), PoolSpec(64, 0.5, ("ALLD", "TFT")), (2, 32)))
    rows = {tuple(r) for r in fixed.reshape(-1, 5)}
    assert rows == {tuple(named("ALLD").vector), tuple(named("TFT").vector)}


def test_opponent_id_vector():
    z = np.asarray(opponent_id_vector(jnp.asarray(named_params(["TFT"]))))[0]
    # (logP(C|o), logP(D|o)) for o = start, CC, CD, DC, DD; TFT cooperates at start, after CC, DC
    pc = np.exp(z[0::2])
    np.testing.assert_allclose(pc, [1, 1, 1e-4, 1, 1e-4], rtol=1e-5)
    np.testing.assert_allclose(np.exp(z[0::2]) + np.exp(z[1::2]), 1 + 1e-4, rtol=1e-5)


def _const_policy(p_coop_0, p_coop_1):
    """A stand-in agent step: learner i cooperates with a fixed probability; value 0."""

    def apply_fn(params, h, obs, pa, pr, z):
        logit_c = params["logit"]
        logits = jnp.stack([jnp.full(obs.shape, logit_c), jnp.zeros(obs.shape)], -1)
        return h, logits, jnp.zeros(obs.shape)

    lg = lambda p: float(np.log(p / (1 - p)))  # noqa: E731
    return apply_fn, {"logit": jnp.array([lg(p_coop_0), lg(p_coop_1)])}


def test_play_pool_wiring():
    """Learner-vs-learner episodes are shared games; tabular co-players react to the learner."""
    apply_fn, params = _const_policy(0.5, 0.5)
    n_ll, n_t, T = 16, 32, 12
    tab = jnp.asarray(np.concatenate([named_params(["TFT"] * 16 + ["ALLD"] * 16)[None]] * 2))
    table = payoff_table("paper")
    out = play_pool(apply_fn, params, jax.random.PRNGKey(0), tab, n_ll, T, table, hidden=4, opponent_id=False)
    a, co, r = (np.asarray(x) for x in (out.action, out.co_action, out.reward))
    assert a.shape == (T, 2, n_ll + n_t)
    # shared learner-vs-learner games
    np.testing.assert_array_equal(co[:, 0, :n_ll], a[:, 1, :n_ll])
    np.testing.assert_array_equal(co[:, 1, :n_ll], a[:, 0, :n_ll])
    # TFT co-players: cooperate first, then copy the learner's previous action
    tft = slice(n_ll, n_ll + 16)
    np.testing.assert_array_equal(co[0, :, tft], 0)
    np.testing.assert_array_equal(co[1:, :, tft], a[:-1, :, tft])
    # ALLD co-players always defect
    np.testing.assert_array_equal(co[:, :, n_ll + 16:], 1)
    # rewards from the learner's own view
    np.testing.assert_allclose(r, np.asarray(table)[2 * a + co])
    # entropy and p_coop of the stand-in policy
    np.testing.assert_allclose(np.asarray(out.p_coop), 0.5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out.entropy), np.log(2), atol=1e-6)


def test_play_pool_is_differentiable_in_the_policy_only():
    apply_fn, params = _const_policy(0.3, 0.6)
    tab = jnp.asarray(np.broadcast_to(named_params(["TFT"]), (2, 8, 5)))

    def f(p):
        out = play_pool(apply_fn, p, jax.random.PRNGKey(0), tab, 8, 10, payoff_table("paper"), 4, False)
        return jnp.sum(out.logp[:, 0]) + 0.0 * jnp.sum(out.reward)

    g = jax.grad(f)(params)["logit"]
    assert float(g[0]) != 0.0 and float(g[1]) == 0.0  # learner 1's loss does not touch learner 2


def test_uniform_entries_mix_fresh_draws_with_named_strategies():
    """tabular = uniform x 3 + TFT: a quarter of the co-players are TFT, the rest fresh U(0,1)^5
    draws (no placeholder NaN left), and a2c's step-1 mixture is accepted by the mechanism."""
    spec = PoolSpec(batch=8, tabular_share=1.0, tabular=("uniform", "uniform", "uniform", "TFT"))
    tab = np.asarray(sample_tabular(jax.random.PRNGKey(3), spec, (4000,)))
    assert np.all(np.isfinite(tab)) and tab.min() >= 0 and tab.max() <= 1
    is_tft = np.all(tab == named("TFT").vector.astype(np.float32), axis=1)
    assert abs(is_tft.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 4000)
    rest = tab[~is_tft]
    assert len(np.unique(rest[:, 0])) == len(rest)  # redrawn each time, not one fixed vector
    assert abs(rest.mean() - 0.5) < 0.02
    assert np.isnan(named_params(["uniform", "ALLD"])[0]).all()

    from learners.a2c.mechanism import step_configs
    from learners.a2c.config import TrainConfig

    base = TrainConfig(batch=8, hidden=4, iterations=1, tabular=("uniform", "TFT"))
    c1, _, _ = step_configs(base, (1, 0, 0))
    assert c1.tabular == ("uniform", "TFT") and c1.pool.tabular_share == 1.0
    with pytest.raises(ParameterError, match="uniform"):
        step_configs(TrainConfig(batch=8, hidden=4, iterations=1, tabular=("TFT",)), (1, 0, 0))
