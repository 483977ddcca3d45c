"""Fixation probabilities: closed forms, arbitrary precision, and simulation of the process itself."""

import math

import mpmath
import numpy as np
import pytest

from eqtools.errors import ChainError, ParameterError
from solvers.evolution import fixation_log_probability, fixation_matrix, fixation_probability, simulate_fixation, stationary_distribution


@pytest.mark.parametrize("process,sel", [("fermi", 0.0), ("fermi", 2.0), ("moran", 0.0), ("moran", 0.7),
                                         ("moran-exp", 0.0), ("moran-exp", 3.0)])
@pytest.mark.parametrize("N", [2, 7, 100])
def test_neutral_fixation_is_one_over_N(process, sel, N):
    # Either no selection, or selection on equal payoffs: drift alone, rho = 1/N.
    rho0 = fixation_probability(3.0, 0.5, 2.0, 1.0, N, process, 0.0)
    rho1 = fixation_probability(1.5, 1.5, 1.5, 1.5, N, process, sel)
    assert rho0 == pytest.approx(1.0 / N, rel=1e-12)
    assert rho1 == pytest.approx(1.0 / N, rel=1e-12)


@pytest.mark.parametrize("a,b,w,N", [(2.0, 1.0, 0.5, 10), (1.0, 2.0, 0.3, 10), (3.0, 1.0, 1.0, 50), (1.2, 1.0, 0.1, 500)])
def test_moran_constant_fitness_closed_form(a, b, w, N):
    # Mutant payoff a and resident payoff b against everyone: constant relative fitness r.
    r = (1 - w + w * a) / (1 - w + w * b)
    closed = (1 - 1 / r) / (1 - r ** (-N))
    got = fixation_probability(b, b, a, a, N, "moran", w)
    assert got == pytest.approx(closed, rel=1e-10)


@pytest.mark.parametrize("D,beta,N", [(0.5, 1.0, 20), (-0.5, 1.0, 20), (2.0, 0.1, 100), (0.01, 5.0, 1000)])
def test_fermi_constant_difference_closed_form(D, beta, N):
    # pi_m - pi_r = D at every k (payoffs against everyone): rho = (1 - e^{-beta D}) / (1 - e^{-N beta D}).
    closed = -math.expm1(-beta * D) / -math.expm1(-N * beta * D)
    for proc in ("fermi", "moran-exp"):  # identical ratio T-/T+ = exp(-beta D)
        assert fixation_probability(0.0, 0.0, D, D, N, proc, beta) == pytest.approx(closed, rel=1e-10)


def _rho_mpmath(a_rr, a_rm, a_mr, a_mm, N, process, s):
    """Two-strategy fixation formula 1 / (1 + sum_l prod_k T-/T+) in 60-digit arithmetic, products directly."""
    mpmath.mp.dps = 60
    total, prod = mpmath.mpf(0), mpmath.mpf(1)
    for k in range(1, N):
        pm = (mpmath.mpf(k - 1) * a_mm + (N - k) * mpmath.mpf(a_mr)) / (N - 1)
        pr = (mpmath.mpf(k) * a_rm + (N - k - 1) * mpmath.mpf(a_rr)) / (N - 1)
        if process == "moran":
            tp = mpmath.mpf(k) * (1 - s + s * pm) / (k * (1 - s + s * pm) + (N - k) * (1 - s + s * pr)) * (N - k) / N
            tm = mpmath.mpf(N - k) * (1 - s + s * pr) / (k * (1 - s + s * pm) + (N - k) * (1 - s + s * pr)) * k / N
        else:  # pairwise comparison with the Fermi rule, transition probabilities written out
            tp = mpmath.mpf(N - k) / N * k / (N - 1) / (1 + mpmath.exp(-s * (pm - pr)))
            tm = mpmath.mpf(k) / N * (N - k) / (N - 1) / (1 + mpmath.exp(-s * (pr - pm)))
        prod *= tm / tp
        total += prod
    return 1 / (1 + total)


@pytest.mark.parametrize("process,s", [("fermi", 0.3), ("fermi", 5.0), ("moran", 0.2), ("moran", 0.9)])
@pytest.mark.parametrize("pay", [(3.0, 0.0, 5.0, 1.0), (1.0, 3.0, 2.0, 0.5), (2.0, 1.0, 1.0, 2.5)])
def test_two_strategy_formula_against_mpmath(process, s, pay):
    a_rr, a_rm, a_mr, a_mm = pay
    for N in (3, 25, 200):
        exact = _rho_mpmath(a_rr, a_rm, a_mr, a_mm, N, process, s)
        got = fixation_probability(a_rr, a_rm, a_mr, a_mm, N, process, s)
        if exact < mpmath.mpf("1e-300"):
            assert got < 1e-290
        else:
            assert got == pytest.approx(float(exact), rel=1e-9)


def test_strong_selection_stays_finite_in_log_space():
    # ALLC mutant among ALLD (PD payoffs): rho ~ exp(-huge); log rho stays finite and matches mpmath.
    lr = float(fixation_log_probability(1.0, 5.0, 0.0, 3.0, 1000, "fermi", 100.0))
    mpmath.mp.dps = 60
    exact = mpmath.log(_rho_mpmath(1.0, 5.0, 0.0, 3.0, 1000, "fermi", 100.0))
    assert np.isfinite(lr) and lr < -1000
    assert lr == pytest.approx(float(exact), rel=1e-9)
    # ALLD mutant among ALLC: fixes almost surely
    assert 1 - 1e-12 < float(fixation_probability(3.0, 0.0, 5.0, 1.0, 1000, "fermi", 100.0)) <= 1.0


@pytest.mark.parametrize("process,s,pay", [
    ("fermi", 1.0, (3.0, 0.0, 5.0, 1.0)),  # PD: defector mutant among cooperators
    ("fermi", 0.5, (1.0, 3.0, 2.0, 0.5)),  # coexistence game
    ("moran", 0.5, (2.0, 1.0, 1.0, 2.5)),  # coordination game
    ("moran-exp", 0.4, (1.0, 2.0, 1.5, 0.5)),
])
def test_against_simulation_of_the_process(process, s, pay):
    N, runs = 8, 20_000
    exact = float(fixation_probability(*pay, N, process, s))
    est = simulate_fixation(*pay, N, process, s, runs=runs, seed=7)
    se = math.sqrt(exact * (1 - exact) / runs)
    assert abs(est - exact) < 4.5 * se + 1e-4, (est, exact, se)


def test_fixation_matrix_orientation_and_stationary_two_strategies():
    # For two strategies the rare-mutation chain has pi_A / pi_B = rho_{B->A} / rho_{A->B}.
    M = np.array([[3.0, 0.0], [5.0, 1.0]])
    rho = fixation_matrix(M, 30, "fermi", 0.7)
    assert rho[0, 1] == pytest.approx(float(fixation_probability(3.0, 0.0, 5.0, 1.0, 30, "fermi", 0.7)))
    assert rho[1, 0] == pytest.approx(float(fixation_probability(1.0, 5.0, 0.0, 3.0, 30, "fermi", 0.7)))
    res = stationary_distribution(M, 30, "fermi", 0.7, labels=["C", "D"])
    assert res.pi[0] / res.pi[1] == pytest.approx(rho[1, 0] / rho[0, 1], rel=1e-9)
    assert res.pi.sum() == pytest.approx(1.0)


def test_bad_input_names_the_field():
    with pytest.raises(ParameterError, match="process"):
        fixation_probability(1, 1, 1, 1, 10, "wright-fisher", 1.0)
    with pytest.raises(ParameterError, match="population size N"):
        fixation_probability(1, 1, 1, 1, 1, "fermi", 1.0)
    with pytest.raises(ParameterError, match="selection"):
        fixation_probability(1, 1, 1, 1, 10, "fermi", -1.0)
    with pytest.raises(ParameterError, match="w of the linear-fitness"):
        fixation_probability(1, 1, 1, 1, 10, "moran", 1.5)
    with pytest.raises(ParameterError, match="not positive"):
        fixation_probability(-3, 0, 5, 1, 10, "moran", 1.0)
    with pytest.raises(ParameterError, match="square"):
        stationary_distribution(np.ones((2, 3)), 10)
    with pytest.raises(ChainError, match="reducible"):
        # ALLD-like absorbing strategy under selection so strong that leaving it underflows to 0
        stationary_distribution(np.array([[3.0, 0.0], [5.0, 1.0]]), 1000, "fermi", 1e4)
