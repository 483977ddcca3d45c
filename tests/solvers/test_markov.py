"""solvers.markov: the one home of GTH, the chain helpers, fixation and the rare-mutation chain,
and solvers.backward_induction, the one backward-induction backup (issue 23).

Numbers: every route that moved here returns the same numbers bit for bit as before the move,
with one exception, α-Rank at finite alpha: its chain is now the rare-mutation chain of
solvers.evolution, ``rho / (N - 1)`` where it was ``(1 / (N - 1)) * rho``, which differs in the
last ulp of some rates (so ``alpharank().pi`` agrees to float precision, ~1e-15 relative).
"""

import importlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.games import preset
from solvers import markov
from solvers.backward_induction import br_continuation_jnp, br_values, br_values_jnp
from solvers.best_response import best_response_finite
from solvers.evolution import stationary_distribution

RG = importlib.import_module("solvers.bimatrix.response_graph")
F = importlib.import_module("solvers.evolution.finite")


def _chain(rng, k, zeros=0.0):
    M = rng.random((k, k)) + 1e-3
    M[rng.random((k, k)) < zeros] = 0.0
    M[np.arange(k - 1), np.arange(1, k)] += 0.5  # a cycle keeps it irreducible
    M[k - 1, 0] += 0.5
    return M / M.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("k", [2, 4, 7])
def test_the_two_gth_layouts_and_both_modes_agree(k):
    rng = np.random.default_rng(k)
    M = _chain(rng, k, zeros=0.3)
    dense, status = markov._gth_dense(M)
    assert status == "ok"
    np.testing.assert_allclose(dense @ M, dense, rtol=1e-13, atol=1e-16)
    soa, ok = markov._gth_soa([[np.float64(M[i, j]) for j in range(k)] for i in range(k)], np)
    assert ok
    np.testing.assert_allclose(np.array(soa), dense, rtol=1e-14)
    raw = markov._gth_stationary(M, np)
    np.testing.assert_allclose(raw, dense, rtol=1e-14)
    strict = markov._gth(M)
    np.testing.assert_allclose(strict, dense, rtol=1e-14)


def test_dense_gth_statuses():
    R = np.array([[1.0, 0.0], [0.0, 1.0]])  # reducible: no exit from state 1
    assert markov._gth_dense(R)[1] == "pivot"
    assert markov._gth_dense(R, min_pivot=markov._POSITIVE)[1] == "pivot"
    tiny = np.array([[0.0, 1e-300], [1e-310, 0.0]])  # subnormal exit: refused by the payoff route only
    assert markov._gth_dense(tiny)[1] == "pivot"
    assert markov._gth_dense(tiny, min_pivot=markov._POSITIVE, rescale=False, check_finite=True)[1] == "ok"
    huge = np.array([[0.0, 1.0], [1e-310, 0.0]])  # 1 / 1e-310 overflows: numerically reducible
    assert markov._gth_dense(huge, min_pivot=markov._POSITIVE, check_finite=True)[1] == "nonfinite"
    from eqtools.errors import ChainError

    with pytest.raises(ChainError, match="numerically reducible"):
        markov._gth(huge)


def test_old_homes_reexport_the_markov_objects():
    import solvers.payoffs as P

    for name in ("chain_limit", "chain_discounted", "chain_finite", "LimitDecomposition", "ITERATE_ROUNDS", "check_gamma",
                 "check_horizon", "_gth_np", "_gth_soa", "_stationary_of_class", "_absorption_weights", "_TINY"):
        assert getattr(P, name) is getattr(markov, name), name
    assert RG._gth is markov._gth and RG._ALPHARANK_REDUCIBLE is markov._ALPHARANK_REDUCIBLE
    assert F._gth is markov._gth


@pytest.mark.parametrize("selection", ["local", "moran"])
def test_alpharank_is_built_on_the_rare_mutation_chain(selection):
    A = np.random.default_rng(5).normal(size=(5, 5))
    ar = RG.alpharank(A, 2.0, m=15, selection=selection)
    T = markov._rare_mutation_chain(np.exp(RG.fixation_log_probabilities(A, 2.0, 15, selection)))
    assert np.array_equal(ar.transition, T)
    assert np.array_equal(ar.pi, markov._gth(T))
    # and the same chain as solvers.evolution's (fermi, selection = alpha, N = m is α-Rank's moran)
    sd = stationary_distribution(A, 15, "fermi", 2.0)
    assert np.array_equal(sd.transition, markov._rare_mutation_chain(sd.rho))
    if selection == "moran":
        np.testing.assert_allclose(sd.pi, ar.pi, rtol=1e-12)


@pytest.mark.parametrize("process,s", [("fermi", 0.8), ("moran", 0.05), ("moran-exp", 0.4)])
def test_numpy_and_jax_fixation_share_one_formula(process, s):
    from solvers.evolution import _jax as K

    rng = np.random.default_rng(7)
    a = rng.normal(size=(4, 6))
    ref = F.fixation_log_probability(*a, 30, process, s)
    with jax.enable_x64(True):
        got = np.asarray(K.log_fixation(*(jnp.asarray(x) for x in a), 30, process, s))
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13)


def test_br_values_is_best_response_finite_bit_for_bit():
    rng = np.random.default_rng(11)
    q = np.vstack([rng.random((20, 5)), [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 0, 1, 0]]])
    for n in (1, 2, 9, 60):
        ref = np.array([best_response_finite(x, "paper", n).value for x in q])
        assert np.array_equal(br_values(q, "paper", n), ref)


def test_jax_backward_induction_equals_best_response_finite():
    rng = np.random.default_rng(13)
    q = np.vstack([rng.random((25, 5)), np.round(rng.random((5, 5)))])
    r = [float(v) for v in preset("paper").payoffs]
    for n in (1, 3, 40):
        ref = np.array([best_response_finite(x, "paper", n) for x in q], dtype=object)
        with jax.enable_x64(True):
            got = np.asarray(br_values_jnp(jnp.asarray(q), jnp.asarray(r), n))
            cont = np.asarray(br_continuation_jnp(jnp.asarray(q), jnp.asarray(r), n - 1))
        np.testing.assert_allclose(got, [b.value for b in ref], rtol=0, atol=1e-12)
        if n > 1:  # the optimal continuation after each state, from the table of round 1
            np.testing.assert_allclose(cont, [b.q_values[0].max(axis=1) for b in ref], rtol=0, atol=1e-12)
