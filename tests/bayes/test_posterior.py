"""Exact posteriors of learners.bayes.prior against brute-force Bayes (numerical integration)."""

from __future__ import annotations

import numpy as np
import pytest

import jax
import jax.numpy as jnp

from eqtools.errors import EqtoolsError, InvalidProbabilityError, ParameterError
from eqtools.strategies import named
from learners.bayes import (BayesPolicy, BetaPrior, MixturePrior, PointPrior, counts_from_history, log_weights_jnp,
                            posterior, predictive_jnp, reciprocator_prior)
from solvers.simulate import MemoryOnePolicy, play
from tests.bayes.bayes_reference import brute_predictive, coplayer_context

BETA = BetaPrior((2.0, 1.5, 3.0, 1.0, 1.5), (1.0, 2.0, 1.2, 1.0, 4.0))  
MIX = MixturePrior([BetaPrior.uniform(), BETA, PointPrior("TFT", tremble=0.1), PointPrior([0.9, 0.8, 0.3, 0.6, 0.2])],
                   [0.4, 0.2, 0.25, 0.15])


def _components(prior):
    out = []
    for c in prior.components:
        if isinstance(c, PointPrior):
            out.append(("point", c.effective))
        else:
            out.append(("beta", np.asarray(c.a), np.asarray(c.b)))
    return out


def test_counts_from_history_by_hand():
    # rounds: (own, other) = (C,C), (D,C), (D,D), (C,D)
    own, other = [0, 1, 1, 0], [0, 0, 1, 1]
    c = counts_from_history(own, other)
    want = np.zeros((5, 2))
    want[0, 0] += 1  # opening C
    want[1, 0] += 1  # after CC (co-player view CC) it cooperated
    want[1 + 2 * 0 + 1, 1] += 1  # after (own D, other C): co-player view CD -> it defected
    want[1 + 3, 1] += 1  # after DD: defected
    assert np.array_equal(c, want)
    for t in range(1, 4):
        assert coplayer_context(own[t - 1], other[t - 1]) in (1, 2, 3, 4)


@pytest.mark.parametrize("prior", [BetaPrior.uniform(), BETA, MIX], ids=["uniform", "beta", "mixture"])
def test_posterior_equals_numerical_integration(prior):
    """On random histories (length 0..12), predictive and mixture weights equal brute-force Bayes
    by adaptive quadrature per context (scipy quad, tolerance 1e-9)."""
    rng = np.random.default_rng(7)
    mix_like = prior if isinstance(prior, MixturePrior) else MixturePrior([prior], [1.0])
    for _ in range(12):
        t = int(rng.integers(0, 13))
        own, other = rng.integers(0, 2, t), rng.integers(0, 2, t)
        post = posterior(prior, counts_from_history(own, other))
        ref, w = brute_predictive(_components(mix_like), mix_like.weights, list(own), list(other))
        np.testing.assert_allclose(post.predictive, ref, atol=1e-9)
        np.testing.assert_allclose(post.weights, w, atol=1e-9)


def test_jnp_posterior_and_policy_carry_equal_numpy():
    """JAX weights/predictive equal numpy's; the policy's incrementally updated log weights after a
    played match equal the closed form from its counts."""
    rng = np.random.default_rng(3)
    with jax.enable_x64(True):
        arr = MIX.arrays().jnp(jnp.float64)
        for _ in range(10):
            t = int(rng.integers(0, 20))
            c = counts_from_history(rng.integers(0, 2, t), rng.integers(0, 2, t))
            post = posterior(MIX, c)
            np.testing.assert_allclose(np.exp(np.asarray(log_weights_jnp(arr, jnp.asarray(c)))), post.weights, atol=1e-12)
            np.testing.assert_allclose(np.asarray(predictive_jnp(arr, jnp.asarray(c))), post.predictive, atol=1e-12)
    pol = BayesPolicy(horizon=15, prior=MIX, rule="ce")
    tr = play(pol, MemoryOnePolicy(named("Random").vector), "paper", n=15, matches=3, seed=2)
    with jax.enable_x64(True):
        carry = pol.init((3,))
        for t in range(15):
            _, carry = pol.coop_prob(carry, jnp.asarray(tr.tokens_x[:, t]), jnp.asarray(t))
        _, carry = pol.coop_prob(carry, jnp.asarray(1 + 2 * tr.a_x[:, -1] + tr.a_y[:, -1]), jnp.asarray(15))
    for k in range(3):
        c = counts_from_history(tr.a_x[k], tr.a_y[k])
        np.testing.assert_allclose(np.asarray(carry["counts"][k]), c)
        np.testing.assert_allclose(np.exp(np.asarray(carry["logw"][k])), posterior(MIX, c).weights, atol=1e-12)


def test_impossible_history_falls_back_to_prior_weights():
    prior = MixturePrior(["TFT", "ALLD"], [0.5, 0.5])
    c = counts_from_history([0, 0], [0, 1])  # TFT would cooperate after CC; ALLD never opens C
    post = posterior(prior, c)
    assert post.impossible and np.allclose(post.weights, [0.5, 0.5])


def test_sampling_matches_prior_mean():
    q = MIX.sample(40000, seed=1)
    np.testing.assert_allclose(q.mean(0), MIX.mean, atol=0.01)
    qj = np.asarray(jax.jit(lambda k: MIX.sample_jnp(k, 40000))(jax.random.PRNGKey(0)))
    np.testing.assert_allclose(qj.mean(0), MIX.mean, atol=0.01)
    assert qj.shape == (40000, 5) and np.all((qj >= 0) & (qj <= 1))
    qb = np.asarray(BETA.sample_jnp(jax.random.PRNGKey(1), 40000))
    np.testing.assert_allclose(qb.mean(0), BETA.mean, atol=0.01)
    rp = reciprocator_prior(1.0)
    qr = rp.sample(40000, seed=2)
    np.testing.assert_allclose(qr.mean(0), [0.9, 0.9, 0.1, 0.9, 0.1], atol=0.01)
    np.testing.assert_allclose(qr.std(0), [0.2 / 12 ** 0.5] * 5, atol=0.01)


@pytest.mark.parametrize("fn,err,field", [
    (lambda: BetaPrior(0, 1), ParameterError, "a"), (lambda: BetaPrior(1, "x"), ParameterError, "b"),
    (lambda: BetaPrior([1, 2], 1), ParameterError, "a"), (lambda: BetaPrior(np.nan, 1), ParameterError, "a"),
    (lambda: BetaPrior.from_mean(1.0, 2), ParameterError, "mean"),
    (lambda: BetaPrior.from_mean(0.5, -2), ParameterError, "concentration"),
    (lambda: PointPrior([0.5] * 4), InvalidProbabilityError, "q"), (lambda: PointPrior([1.5] * 5), InvalidProbabilityError, "q"),
    (lambda: PointPrior("TFT", tremble=0.7), ParameterError, "tremble"), (lambda: PointPrior("nope"), ParameterError, "nope"),
    (lambda: MixturePrior([], []), ParameterError, "components"), (lambda: MixturePrior(["TFT"], [1, 2]), ParameterError, "weights"),
    (lambda: MixturePrior(["TFT", "ALLD"], [0, 0]), ParameterError, "weights"),
    (lambda: MixturePrior(["TFT", [2] * 5], [1, 1]), ParameterError, "components"),
    (lambda: reciprocator_prior(1.5), ParameterError, "weight"), (lambda: reciprocator_prior(0.5, low=0.1), ParameterError, "low"),
    (lambda: counts_from_history([0, 2], [0, 1]), ParameterError, "own"),
    (lambda: counts_from_history([0, 1], [0]), ParameterError, "own"),
    (lambda: posterior(BETA, np.zeros((4, 2))), ParameterError, "counts"),
    (lambda: posterior(BETA, -np.ones((5, 2))), ParameterError, "counts"),
    (lambda: posterior("uniform", np.zeros((5, 2))), ParameterError, "prior"),
    (lambda: BETA.sample(0), ParameterError, "size"), (lambda: BETA.sample(3, seed=-1), ParameterError, "seed"),
])
def test_named_errors(fn, err, field):
    with pytest.raises(EqtoolsError) as exc:
        fn()
    assert isinstance(exc.value, err) and field in str(exc.value)
