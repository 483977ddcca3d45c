"""BayesPolicy: decisions against independent references, play inside simulate, determinism, errors."""

from __future__ import annotations

import numpy as np
import pytest

import jax
import jax.numpy as jnp

from eqtools.errors import EqtoolsError, ParameterError
from eqtools.strategies import named
from learners.bayes import BayesPolicy, BetaPrior, MixturePrior, PointPrior, counts_from_history, posterior
from learners.bayes.policy import _counts_lookahead_q, _lookahead_q, _relative_layers, from_spec, plan_q_jnp
from solvers.best_response import best_response_finite
from solvers.simulate import MemoryOnePolicy, play, simulate
from tests.bayes.bayes_reference import ce_continuation, lookahead_q

MIX = MixturePrior([BetaPrior.uniform(), "TFT", "GRIM", PointPrior("Extort-3", tremble=0.05)], [0.7, 0.1, 0.1, 0.1])


def _replay_decisions(pol, tr, prior, rule):
    """Recompute each decision of a recorded match from its history with the references."""
    n = tr.a_x.shape[-1]
    out = np.empty(n, dtype=int)
    for t in range(n):
        own, other = tr.a_x[0, :t], tr.a_y[0, :t]
        c = counts_from_history(own, other)
        tok = int(tr.tokens_x[0, t])
        if rule == "ce":
            q = posterior(prior, c).predictive
            left = n - t
            V = ce_continuation(q, left - 1)
            ctx = (0, 1, 3, 2, 4)[tok]
            pc = q[ctx]
            r = (1.0, -1.0, 2.0, 0.0)
            qc = pc * (r[0] + V[0]) + (1 - pc) * (r[1] + V[1])
            qd = pc * (r[2] + V[2]) + (1 - pc) * (r[3] + V[3])
        else:
            qc, qd = lookahead_q(lambda cc: posterior(prior, cc).predictive, c, tok, n - t, pol.depth)
        out[t] = 0 if qc >= qd - 1e-9 * (n - t) * 2 else 1
    return out


@pytest.mark.parametrize("rule,prior", [("ce", BetaPrior.uniform()), ("ce", MIX), ("lookahead", MIX)])
def test_play_matches_reference_decisions(rule, prior):
    """Every action the policy plays inside solvers.simulate.play equals the decision recomputed
    from the recorded history by the plain-Python references (posterior, backward induction)."""
    pol = BayesPolicy(horizon=12, prior=prior, rule=rule, depth=2)
    for nm in ("TFT", "Extort-2", "Random"):
        tr = play(pol, MemoryOnePolicy(named(nm, "paper").vector), "paper", n=12, matches=1, seed=3)
        assert np.array_equal(tr.a_x[0], _replay_decisions(pol, tr, prior, rule)), nm


def test_known_coplayer_plays_the_exact_best_response():
    """A point-mass prior on q: CE plays the exact finite-horizon best response and earns its value
    against q in every match (deterministic co-player: exact equality of the realised payoff)."""
    for nm in ("TFT", "GRIM", "WSLS", "ALLD", "Alternator"):
        q = named(nm, "paper").vector
        pol = BayesPolicy(horizon=30, prior=PointPrior(q), rule="ce")
        res = simulate(pol, MemoryOnePolicy(q), "paper", n=30, matches=2, record_rounds=False)
        br = best_response_finite(q, "paper", 30)
        assert res.payoff_x == pytest.approx(br.value, abs=1e-12), nm


def test_plan_q_matches_best_response_q_values():
    """plan_q_jnp(q, token, left) = the Q-values of solvers.best_response_finite."""
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        pq = jax.jit(plan_q_jnp)
        for _ in range(5):
            q = rng.random(5)
            n = 9
            br = best_response_finite(q, "paper", n)
            for t in range(1, n):
                for s in range(4):
                    qc, qd = pq(jnp.asarray(q), jnp.asarray(1 + s), jnp.asarray(n - t), jnp.asarray([1.0, -1, 2, 0]))
                    assert float(qc) == pytest.approx(br.q_values[t - 1, s, 0], abs=1e-12)
                    assert float(qd) == pytest.approx(br.q_values[t - 1, s, 1], abs=1e-12)
            qc, qd = pq(jnp.asarray(q), jnp.asarray(0), jnp.asarray(n), jnp.asarray([1.0, -1, 2, 0]))
            assert np.allclose([float(qc), float(qd)], br.q_open, atol=1e-12)


def test_lookahead_matches_recursive_reference():
    rng = np.random.default_rng(0)
    with jax.enable_x64(True):
        for prior in (BetaPrior.uniform(), MIX):
            pol = BayesPolicy(prior=prior)
            arr = pol._arrays.jnp()
            la = jax.jit(lambda c, lw, tok, left, d: _lookahead_q(arr, c, lw, tok, left, jnp.asarray([1.0, -1, 2, 0]), d),
                         static_argnums=4)
            for _ in range(6):
                c = rng.integers(0, 3, (5, 2)).astype(float)
                c[0] = [1, 0]
                tok, left, d = int(rng.integers(1, 5)), int(rng.integers(1, 7)), int(rng.integers(1, 4))
                lw = jnp.asarray(posterior(prior, c).log_weights)[None]
                got = la(jnp.asarray(c)[None], lw, jnp.array([tok]), jnp.asarray(left), d)
                ref = lookahead_q(lambda cc: posterior(prior, cc).predictive, c, tok, left, d)
                assert float(got[0][0]) == pytest.approx(ref[0], abs=1e-10)
                assert float(got[1][0]) == pytest.approx(ref[1], abs=1e-10)
                cnt = _counts_lookahead_q(arr, jnp.asarray(c)[None], lw, jnp.array([tok]), jnp.asarray(left),
                                          jnp.asarray([1.0, -1, 2, 0]), _relative_layers(d))
                assert float(cnt[0][0]) == pytest.approx(ref[0], abs=1e-10)
                assert float(cnt[1][0]) == pytest.approx(ref[1], abs=1e-10)


def test_thompson_seeded_and_jittable_in_scan():
    """Same seed, same play; another key, other draws; runs inside a jitted scan in float32."""
    pol = BayesPolicy(horizon=20, rule="thompson", seed=5)
    q = MemoryOnePolicy(named("Random").vector)
    a = play(pol, q, "paper", n=20, matches=8, seed=1)
    b = play(pol, q, "paper", n=20, matches=8, seed=1)
    assert np.array_equal(a.a_x, b.a_x)
    c = play(BayesPolicy(horizon=20, rule="thompson", seed=6), q, "paper", n=20, matches=8, seed=1)
    assert not np.array_equal(a.a_x, c.a_x)
    assert not np.array_equal(a.a_x[0], a.a_x[1])  # matches of one batch draw independently

    @jax.jit
    def roll(key):
        carry = pol.init_with_key((16,), key)

        def body(c, t):
            p, c = pol.coop_prob(c, jnp.full((16,), 4, jnp.int32), t)
            return c, p

        return jax.lax.scan(body, carry, jnp.arange(20))[1]

    out = roll(jax.random.PRNGKey(0))
    assert out.shape == (20, 16) and out.dtype == jnp.float32
    assert set(np.unique(np.asarray(out))) <= {0.0, 1.0}


@pytest.mark.parametrize("kwargs,field", [
    ({"rule": "ucb"}, "rule"), ({"rule": 3}, "rule"), ({"horizon": 0}, "horizon"), ({"horizon": 2.5}, "horizon"),
    ({"depth": 0}, "depth"), ({"depth": 13}, "depth"), ({"seed": -1}, "seed"), ({"prior": "uniform"}, "prior"),
    ({"resample_every": 0}, "resample_every"), ({"tie_tol": -1.0}, "tie_tol"), ({"game": "nope"}, "nope"),
    ({"name": 3}, "name"), ({"method": "grid"}, "method"), ({"rule": "lookahead", "depth": 13, "method": "counts"}, "depth"),
    ({"rule": "lookahead", "depth": 6, "method": "tree"}, "depth"),
])
def test_constructor_errors(kwargs, field):
    with pytest.raises(EqtoolsError, match=field):
        BayesPolicy(**kwargs)


def test_init_errors():
    from eqtools.errors import SizeLimitError

    with pytest.raises(ParameterError, match="batch_shape"):
        BayesPolicy().init(("a",))
    with pytest.raises(SizeLimitError, match="batch_shape"):
        BayesPolicy(rule="lookahead", depth=12, method="counts").init((4096,))


def test_counts_method_plays_like_the_tree():
    """The count-state lookahead makes the tree's decisions in play (depth 3, mixture prior)."""
    q = MemoryOnePolicy(named("Random").vector)
    a = play(BayesPolicy(horizon=15, prior=MIX, rule="lookahead", depth=3, method="tree"), q, "paper", n=15, matches=6, seed=2)
    b = play(BayesPolicy(horizon=15, prior=MIX, rule="lookahead", depth=3, method="counts"), q, "paper", n=15, matches=6, seed=2)
    assert np.array_equal(a.a_x, b.a_x)


@pytest.mark.parametrize("spec,attrs", [("ce", {"rule": "ce"}), ("thompson:10", {"rule": "thompson", "resample_every": 10}),
                                        ("lookahead:6", {"rule": "lookahead", "depth": 6, "method": "counts"}),
                                        ("lookahead:2", {"rule": "lookahead", "depth": 2, "method": "tree"})])
def test_from_spec(spec, attrs):
    pol = from_spec(spec, horizon=50)
    assert pol.horizon == 50 and all(getattr(pol, k) == v for k, v in attrs.items())


@pytest.mark.parametrize("spec", ["", "ce:3", "lookahead:x", "ucb", 5])
def test_from_spec_errors(spec):
    with pytest.raises(ParameterError):
        from_spec(spec)
