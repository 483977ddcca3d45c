"""A2C pieces: GAE/TD(lambda) against a reference loop, centring per co-player type, Table 2."""

import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.a2c import TABLE2_STEPS, A2CHyper, a2c_loss, gae, table2


def _gae_ref(r, v, gamma, lam):
    T = len(r)
    adv = np.zeros(T)
    acc = 0.0
    for t in reversed(range(T)):
        nv = v[t + 1] if t + 1 < T else 0.0
        acc = r[t] + gamma * nv - v[t] + gamma * lam * acc
        adv[t] = acc
    return adv


@pytest.mark.parametrize("gamma,lam", [(0.99, 1.0), (0.99, 0.95), (0.9, 0.0), (1.0, 1.0)])
def test_gae_matches_reference(gamma, lam):
    rng = np.random.default_rng(0)
    r, v = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    adv, tgt = gae(jnp.asarray(r), jnp.asarray(v), gamma, lam)
    ref = np.stack([_gae_ref(r[:, i], v[:, i], gamma, lam) for i in range(3)], 1)
    np.testing.assert_allclose(adv, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tgt, ref + v, rtol=1e-5, atol=1e-5)
    if gamma == 1.0 and lam == 1.0:  # Monte Carlo return-to-go minus value
        np.testing.assert_allclose(adv, np.cumsum(r[::-1], 0)[::-1] - v, rtol=1e-5, atol=1e-5)


def test_centring_per_coplayer_type():
    """With logp = 1 the policy loss is -mean(advantage): zero after per-type centring, even
    though the two episode types have very different returns."""
    T, B, n_ll = 10, 8, 3
    reward = jnp.concatenate([jnp.full((T, 2, n_ll), 1.0), jnp.full((T, 2, B - n_ll), -1.0)], -1)
    z = jnp.zeros((T, 2, B))
    ones = jnp.ones((T, 2, B))
    _, aux = a2c_loss(ones, z, z, reward, n_ll, A2CHyper(advantage_centering=True))
    np.testing.assert_allclose(aux["policy_loss"], 0.0, atol=1e-6)
    _, aux = a2c_loss(ones, z, z, reward, n_ll, A2CHyper(advantage_centering=False))
    assert np.all(np.abs(np.asarray(aux["policy_loss"])) > 1e-3)
    # centring per type, not globally: a per-type constant offset cancels exactly
    logp = jnp.concatenate([jnp.full((T, 2, n_ll), 2.0), jnp.full((T, 2, B - n_ll), 1.0)], -1)
    _, aux = a2c_loss(logp, z, z, reward, n_ll, A2CHyper(advantage_centering=True))
    np.testing.assert_allclose(aux["policy_loss"], 0.0, atol=1e-5)


def test_reward_scale_only_in_losses():
    T, B = 5, 4
    reward = jnp.ones((T, 2, B))
    z = jnp.zeros((T, 2, B))
    _, a1 = a2c_loss(z, z, z, reward, 2, A2CHyper(reward_scale=1.0, advantage_centering=False))
    _, a2 = a2c_loss(z, z, z, reward, 2, A2CHyper(reward_scale=0.1, advantage_centering=False))
    np.testing.assert_allclose(a2["value_loss"], 0.01 * np.asarray(a1["value_loss"]), rtol=1e-5)


def test_table2_presets():
    assert set(TABLE2_STEPS) == {1, 2, 3, 4}
    s4 = table2(4)
    assert (s4.reward_scale, s4.gae_lambda, s4.entropy_coef, s4.lr, s4.adam_eps, s4.max_grad_norm) == (0.02, 1.0, 0.01, 1e-3, 1e-5, 1.0)
    assert table2(2).advantage_centering is False and table2(3).gae_lambda == 0.95
    assert TABLE2_STEPS[4]["batch"] == 4096 and TABLE2_STEPS[1]["batch"] == 2048
    assert table2(4, lr=3e-3).lr == 3e-3
    with pytest.raises(ParameterError, match="step"):
        table2(5)
    with pytest.raises(ParameterError, match="gae_lambda"):
        A2CHyper(gae_lambda=1.5)
