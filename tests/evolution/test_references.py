"""Agreement with independent implementations: EGTtools (pairwise comparison, C++ and Python
implementations) and this project's α-Rank where the two models coincide."""

import numpy as np
import pytest

from eqtools.strategies import named
from solvers.evolution import fixation_matrix, meta_game, stationary_distribution
from solvers.response_graph import alpharank, fixation_log_probabilities

egttools = pytest.importorskip("egttools")  # in the 'test' extra; a missing install is reported as a skip


def _strategies():
    names = ["ALLC", "ALLD", "TFT", "WSLS", "GTFT", "Extort-2"]
    return [named(n, "axelrod") for n in names]


@pytest.fixture(scope="module")
def noisy_meta_game():
    return meta_game(_strategies(), "axelrod", limit=True, noise=0.02)


@pytest.mark.parametrize("N,beta", [(10, 0.5), (50, 1.0), (100, 0.1)])
def test_fixation_and_stationary_match_egttools_cpp(noisy_meta_game, N, beta):
    from egttools.analytical import PairwiseComparison
    from egttools.games import Matrix2PlayerGameHolder

    M = noisy_meta_game.payoff
    K = M.shape[0]
    game = Matrix2PlayerGameHolder(K, M)  # keep a reference: EGTtools does not, and segfaults otherwise
    pc = PairwiseComparison(N, game)
    T_egt, F_egt = pc.calculate_transition_and_fixation_matrix_sml(beta)
    rho = fixation_matrix(M, N, "fermi", beta)
    # EGTtools: F[r, m] = fixation of m in a population of r (diagonal 0), same orientation.
    # EGTtools stops and returns 0 once sum_l prod_k T-/T+ exceeds 1e7, i.e. it truncates fixation
    # probabilities below ~1e-7 to 0; we compute those exactly (log space).
    trunc = F_egt == 0
    np.fill_diagonal(trunc, False)
    np.testing.assert_allclose(rho[~trunc], F_egt[~trunc], rtol=1e-8, atol=1e-300)
    assert np.all(rho[trunc] < 1.0000001e-7)
    ours = stationary_distribution(M, N, "fermi", beta)
    off = ~np.eye(K, dtype=bool) & ~trunc
    np.testing.assert_allclose(ours.transition[off], T_egt[off], rtol=1e-8, atol=1e-300)
    # EGTtools' stationary distribution from its transition matrix (eigenvector method); the
    # truncated rates (< 1e-7 / (K - 1)) move it by far less than the tolerance below
    pi_egt = egttools.utils.calculate_stationary_distribution(T_egt.T)
    np.testing.assert_allclose(ours.pi, pi_egt, rtol=1e-4, atol=1e-9)


def test_fixation_matches_egttools_python_stochdynamics():
    from egttools.analytical import StochDynamics

    M = meta_game(_strategies()[:4], "axelrod", n=50, noise=0.05).payoff
    sd = StochDynamics(4, M, 30)
    ours = fixation_matrix(M, 30, "fermi", 0.8)
    for r in range(4):
        for m in range(4):
            if r != m:
                theirs = sd.fixation_probability(m, r, 0.8)
                if theirs == 0.0:  # EGTtools truncates below ~1e-7 (see above)
                    assert ours[r, m] < 1.0000001e-7
                else:
                    assert ours[r, m] == pytest.approx(theirs, rel=1e-9)
    np.testing.assert_allclose(stationary_distribution(M, 30, "fermi", 0.8).pi,
                               sd.calculate_stationary_distribution(0.8), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("alpha,m", [(0.5, 20), (2.0, 50), (0.05, 200)])
def test_stationary_equals_alpharank_moran_selection(noisy_meta_game, alpha, m):
    # Single-population α-Rank with well-mixed ("moran") selection is exactly the rare-mutation
    # pairwise-comparison chain with beta = alpha and N = m.
    M = noisy_meta_game.payoff
    ar = alpharank(M, alpha, m=m, selection="moran")
    ours = stationary_distribution(M, m, "fermi", alpha)
    np.testing.assert_allclose(ours.pi, ar.pi, rtol=1e-9, atol=1e-14)
    off = ~np.eye(len(M), dtype=bool)
    np.testing.assert_allclose(np.log(fixation_matrix(M, m, "fermi", alpha)[off]),
                               fixation_log_probabilities(M, alpha, m, "moran")[off], rtol=1e-9)


def test_random_games_agree_with_alpharank():
    rng = np.random.default_rng(3)
    for _ in range(5):
        M = rng.normal(size=(5, 5))
        np.testing.assert_allclose(stationary_distribution(M, 40, "fermi", 1.3).pi,
                                   alpharank(M, 1.3, m=40, selection="moran").pi, rtol=1e-9, atol=1e-14)
