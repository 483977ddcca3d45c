"""Property-based tests (hypothesis) over the exact core.  Issue 12, item 6.

For random memory-one pairs — edge values (0, 1, tiny, 1 - tiny) included — random noise and
criteria: the visits form a distribution; payoffs stay within the game's bounds; swapping the
players swaps the results; finite, discounted and limit results are mutually consistent
(rigorous Dobrushin bounds); results are continuous as the noise goes to 0 where they should be
(finite and discounted always, limit when the noise-free chain is ergodic).

Derandomised (fixed examples, CI-stable) with a small example budget; ``deadline=None`` because
the first example of each shape pays the JAX compile.
"""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import eqtools as eq  # noqa: E402
from eqtools.conventions import SWAP  # noqa: E402
from eqtools.errors import GameError  # noqa: E402
from eqtools.strategies import apply_noise  # noqa: E402
from solvers import payoffs as P  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Entries (and noise) below 1e-150 are mapped to 0: the limit of a chain whose every pivot is
# subnormal is a named PrecisionError, tested in test_near_absorbing.
prob = st.one_of(
    st.sampled_from([0.0, 1.0, 0.5, 1e-150, 1e-30, 1e-15, 1 - 1e-15, 1 - 2**-53]),
    st.floats(0.0, 1.0, allow_nan=False).map(lambda v: v if v == 0.0 or v >= 1e-150 else 0.0),
)
strategy = st.lists(prob, min_size=5, max_size=5).map(np.array)
noise = st.one_of(st.sampled_from([0.0, 0.0, 1e-12, 1e-6, 0.5]),
                  st.floats(0.0, 0.5, allow_nan=False).map(lambda v: v if v == 0.0 or v >= 1e-150 else 0.0))
horizon = st.one_of(st.integers(1, 200), st.sampled_from([10**6, 10**9, 2**40 + 3]))
discount = st.one_of(st.floats(1e-6, 0.999), st.sampled_from([0.5, 0.99, 1 - 1e-9, 1 - 1e-12]))


@st.composite
def games(draw):
    name = draw(st.sampled_from(["paper", "axelrod", "lola", "stag_hunt", "chicken", None]))
    if name:
        return eq.preset(name)
    vals = draw(st.lists(st.integers(-9, 9), min_size=4, max_size=4))
    try:
        return eq.Game(*map(float, vals), name="random")
    except GameError:
        assume(False)


def dobrushin(M):
    """tau(M) = 1 - min_{i,j} sum_k min(M_ik, M_jk); ||mu M - nu M||_1 <= tau ||mu - nu||_1."""
    return 1.0 - min(np.minimum(M[a], M[b]).sum() for a in range(4) for b in range(4))


def both(fn, x, y, *args, **kw):
    """Evaluate (x, y) and (y, x) in one batched call (one compiled shape for the whole suite)."""
    return fn(np.stack([x, y]), np.stack([y, x]), *args, **kw)


def check_distribution_and_bounds(res, game):
    d = res.visits
    assert np.all(d >= 0)
    np.testing.assert_allclose(d.sum(axis=-1), 1.0, atol=1e-14)
    lo, hi = game.payoffs.min(), game.payoffs.max()
    scale = max(1.0, abs(lo), abs(hi))
    for raw, rep in ((d @ game.payoffs, res.payoff_x), (d @ game.payoffs_coplayer, res.payoff_y)):
        assert np.all(raw >= lo - 1e-13 * scale) and np.all(raw <= hi + 1e-13 * scale)
        assert np.all(rep >= lo) and np.all(rep <= hi)


def check_swap(res):
    # row 1 is (y, x): its visits are row 0's with CD and DC exchanged, payoffs exchanged.
    # entries as small as 1e-6 after 10^6 rounds of repeated squaring carry ~1e-12 relative round-off
    np.testing.assert_allclose(res.visits[1], res.visits[0][SWAP], rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(res.payoff_x[1], res.payoff_y[0], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(res.coop_x[1], res.coop_y[0], rtol=1e-12, atol=1e-14)


@SETTINGS
@given(x=strategy, y=strategy, eps=noise, n=horizon, gamma=discount, game=games())
def test_distribution_bounds_and_swap(x, y, eps, n, gamma, game):
    for res in (both(P.finite_horizon, x, y, game, n, noise=eps),
                both(P.discounted, x, y, game, gamma, noise=eps),
                both(P.limit_of_means, x, y, game, noise=eps)):
        check_distribution_and_bounds(res, game)
        check_swap(res)
        assert res.info["noise"] == eps


@SETTINGS
@given(x=strategy, y=strategy, eps=noise, n=horizon, gamma=discount)
def test_finite_discounted_limit_consistent(x, y, eps, n, gamma):
    game = eq.preset("paper")
    f = both(P.finite_horizon, x, y, game, n, noise=eps).visits[0]
    d = both(P.discounted, x, y, game, gamma, noise=eps).visits[0]
    L = both(P.limit_of_means, x, y, game, noise=eps).visits[0]
    one = both(P.finite_horizon, x, y, game, 1, noise=eps).visits[0]
    # n = 1 is the opening distribution, and a tiny discount stays within 2 gamma of it
    xc, yc = apply_noise(x, eps)[0], apply_noise(y, eps)[0]
    np.testing.assert_allclose(one, [xc * yc, xc * (1 - yc), (1 - xc) * yc, (1 - xc) * (1 - yc)], atol=1e-15)
    d_small = both(P.discounted, x, y, game, 1e-7, noise=eps).visits[0]
    assert np.abs(d_small - one).sum() <= 2e-7 + 1e-14
    # Dobrushin: ||f_n - L|| <= 2 / (n (1 - tau)), ||d_gamma - L|| <= 2 (1 - gamma) / (1 - gamma tau)
    tau = dobrushin(P.transition_matrix(x, y, noise=eps))
    assume(tau < 1 - 1e-9)
    assert np.abs(f - L).sum() <= 2 / (n * (1 - tau)) + 1e-12
    assert np.abs(d - L).sum() <= 2 * (1 - gamma) / (1 - gamma * tau) + 1e-12


@SETTINGS
@given(x=strategy, y=strategy, n=st.integers(1, 300), gamma=discount,
       eps=st.sampled_from([1e-13, 1e-10, 1e-7]))
def test_continuous_as_noise_vanishes(x, y, n, gamma, eps):
    game = eq.preset("axelrod")
    # per round, noise moves each transition row by at most 4 eps in l1 (two players, 2 eps each)
    f0 = both(P.finite_horizon, x, y, game, n).visits[0]
    fe = both(P.finite_horizon, x, y, game, n, noise=eps).visits[0]
    assert np.abs(fe - f0).sum() <= 2 * eps * (n + 1) + 1e-12
    d0 = both(P.discounted, x, y, game, gamma).visits[0]
    de = both(P.discounted, x, y, game, gamma, noise=eps).visits[0]
    assert np.abs(de - d0).sum() <= 4 * eps / (1 - gamma) + 1e-12 * (1 + 1 / (1 - gamma)) * 1e-3 + 1e-12
    # limit of means: continuous where the noise-free chain is ergodic in Dobrushin's sense
    tau0 = dobrushin(P.transition_matrix(x, y))
    L0 = both(P.limit_of_means, x, y, game).visits[0]
    Le = both(P.limit_of_means, x, y, game, noise=eps).visits[0]
    if tau0 < 1 - 1e-6:
        assert np.abs(Le - L0).sum() <= 4 * eps / (1 - tau0) + 1e-12
