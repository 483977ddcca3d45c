"""The compiled finite-horizon kernel (solvers._kernel) and the differentiable long-horizon route
(``jnp_visits_finite`` above ``JNP_SCAN_MAX_N``), against independent references: mpmath
forward iteration at 50 digits, the mpmath eigen closed form, exact fractions, and finite
differences of the float64 kernel.  Issue 21, item 1."""

import mpmath
import numpy as np
import pytest

import eqtools as eq
from solvers import payoffs as P
from solvers._kernel import LANES, SCAN_MAX_N, finite_visits_indexed, horizon_bits, route

from _refs import frac_chain, mp_chain, mp_finite

GAME = eq.preset("paper")


def _mp_forward(x, y, n, eps=0.0, dps=50):
    """(1/n) sum_{t<n} v0 M^t by plain forward iteration in mpmath (no squaring, no eigenvalues)."""
    with mpmath.workdps(dps):
        M, v0 = mp_chain(x, y, eps)
        v, acc = list(v0), list(v0)
        for _ in range(n - 1):
            v = [sum(v[i] * M[i][j] for i in range(4)) for j in range(4)]
            acc = [a + b for a, b in zip(acc, v)]
        return np.array([float(a / n) for a in acc])


def test_route_per_horizon():
    assert route(1) == route(SCAN_MAX_N) == "scan"
    assert route(SCAN_MAX_N + 1) == route(10**9) == "doubling"


def test_horizon_bits():
    assert horizon_bits(1).tolist() == []
    assert horizon_bits(2).tolist() == [False]
    assert horizon_bits(100).tolist() == [True, False, False, True, False, False]  # 0b1100100
    assert len(horizon_bits(2**62 + 1)) == 62


@pytest.mark.parametrize("n", [1, 2, 3, 7, SCAN_MAX_N, SCAN_MAX_N + 1, 64, 100, 1000])
def test_kernel_matches_mpmath_forward_iteration(n):
    # both routes: the forward scan (n <= SCAN_MAX_N) and repeated squaring
    rng = np.random.default_rng(n)
    X, Y = rng.uniform(size=(5, 5)), rng.uniform(size=(5, 5))
    X[0] = [1.0, 0.999999, 1e-9, 0.999999, 1e-9]  # near-deterministic, slowly mixing
    for eps in (0.0, 0.003):
        got = P.finite_horizon(X, Y, GAME, n, noise=eps).visits
        for i in range(len(X)):
            np.testing.assert_allclose(got[i], _mp_forward(X[i], Y[i], n, eps), rtol=1e-13, atol=0)


def test_kernel_near_absorbing_entries_keep_relative_accuracy():
    # Entries down to 1e-300: componentwise *relative* accuracy, checked in exact fractions.
    x = np.array([0.5, 0.0, 1.0, 0.0, 1e-300])
    y = np.array([0.5, 1 - 1e-15, 0.5, 0.0, 0.5])
    n = 37
    M, v0 = frac_chain(x, y)
    v, acc = list(v0), list(v0)
    for _ in range(n - 1):
        v = [sum(v[i] * M[i][j] for i in range(4)) for j in range(4)]
        acc = [a + b for a, b in zip(acc, v)]
    ref = np.array([float(a / n) for a in acc])
    got = P.finite_horizon(x, y, GAME, n).visits
    nz = ref > 0
    assert np.array_equal(got > 0, nz)
    np.testing.assert_allclose(got[nz], ref[nz], rtol=1e-13)


@pytest.mark.parametrize("n", [5, 123])
@pytest.mark.parametrize("count", [1, LANES - 1, LANES, LANES + 1, 3 * LANES + 5])
def test_kernel_lane_padding_and_index_order(count, n):
    # Every pair's result is its own, whatever block/lane it falls in (the last block is padded).
    rng = np.random.default_rng(count)
    X, Y = rng.uniform(size=(count, 5)), rng.uniform(size=(7, 5))
    ri = rng.integers(0, count, size=count * 3)
    ci = rng.integers(0, 7, size=count * 3)
    xc, xd = X, 1.0 - X
    yc, yd = Y, 1.0 - Y
    batch = finite_visits_indexed(xc, xd, ri, yc, yd, ci, n)
    for k in range(len(ri)):
        one = finite_visits_indexed(xc, xd, ri[k:k + 1], yc, yd, ci[k:k + 1], n)
        np.testing.assert_array_equal(batch[k], one[0])


def test_finite_horizon_broadcasting_shapes():
    rng = np.random.default_rng(3)
    X, Y = rng.uniform(size=(4, 1, 5)), rng.uniform(size=(1, 3, 5))
    got = P.finite_horizon(X, Y, GAME, 50).visits
    assert got.shape == (4, 3, 4)
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(got[i, j], _mp_forward(X[i, 0], Y[0, j], 50), rtol=1e-13)


@pytest.mark.parametrize("n", [P.JNP_SCAN_MAX_N + 1, 1000, 10**6, 10**9])
def test_jnp_long_horizon_route_matches_references(n):
    import jax

    rng = np.random.default_rng(7)
    X, Y = rng.uniform(size=(4, 5)), rng.uniform(size=(4, 5))
    with jax.enable_x64(True):
        got = np.asarray(jax.jit(P.jnp_visits_finite, static_argnums=2)(X, Y, n))
    for i in range(4):
        ref = _mp_forward(X[i], Y[i], n) if n <= 1000 else mp_finite(X[i], Y[i], n)
        np.testing.assert_allclose(got[i], ref, rtol=1e-12)


def test_jnp_long_horizon_route_gradient_matches_finite_differences():
    # The learners take gradients through jnp_visits_finite: the doubling route's gradient against
    # central differences of the float64 kernel (an independent route), at n = 10**6.
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(11)
    x, y = rng.uniform(0.1, 0.9, size=5), rng.uniform(0.1, 0.9, size=5)
    n = 10**6
    r = jnp.asarray(GAME.payoffs)
    with jax.enable_x64(True):
        g = np.asarray(jax.grad(lambda p: P.jnp_visits_finite(p, jnp.asarray(y), n) @ r)(jnp.asarray(x)))
    h = 1e-6
    for k in range(5):
        e = np.zeros(5)
        e[k] = h
        fd = (P.finite_horizon(x + e, y, GAME, n).payoff_x - P.finite_horizon(x - e, y, GAME, n).payoff_x) / (2 * h)
        assert abs(g[k] - fd) < 1e-7 * max(1.0, abs(fd))


def test_jnp_short_horizon_keeps_the_scan():
    # Up to JNP_SCAN_MAX_N the differentiable layer is the per-step scan, bit for bit.
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(2)
    X, Y = rng.uniform(size=(6, 5)), rng.uniform(size=(6, 5))
    n = P.JNP_SCAN_MAX_N
    with jax.enable_x64(True):
        got = np.asarray(P.jnp_visits_finite(jnp.asarray(X), jnp.asarray(Y), n))
        px, qy, v0 = P._components(jnp.asarray(X), jnp.asarray(Y))
        v, acc = v0, v0
        for _ in range(n - 1):
            v = P._step(v, px, qy)
            acc = tuple(a + b for a, b in zip(acc, v))
        ref = np.asarray(jnp.stack(acc, axis=-1) / n)
    np.testing.assert_allclose(got, ref, rtol=1e-14)
