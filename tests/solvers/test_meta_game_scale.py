"""Meta-game analysis at every size: complete when enumeration runs, a verified sample otherwise,
never refused; α-Rank's closed form against its definition; bad input."""

from __future__ import annotations

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import GameError, ParameterError
from solvers.bimatrix.meta_game import analyse_matrix, analyse_tournament, meta_game_equilibria
from solvers.bimatrix.enumeration import extreme_equilibria
from solvers.bimatrix.response_graph import _partial_sums, alpharank, alpharank_limit, fixation_log_probabilities
from solvers.tournament import tournament


def _check_verified(M, e, tol=1e-9):
    """Independent best-response check on the matrix (not the library's verifier)."""
    scale = max(1.0, float(np.ptp(M)))
    assert abs(e.x.sum() - 1) < 1e-12 and abs(e.y.sum() - 1) < 1e-12 and e.x.min() >= 0 and e.y.min() >= 0
    Ay, xB = M @ e.y, e.x @ M.T
    assert Ay.max() - e.x @ Ay <= tol * scale and xB.max() - xB @ e.y <= tol * scale


@pytest.fixture(scope="module")
def main_tournament():
    """The README main command's tournament: the named library + 20 random strategies, seed 0."""
    from eqtools.io import parse_strategies
    from eqtools.strategies import StrategyPool

    players = parse_strategies(["all"], "paper")
    players.extend(StrategyPool.uniform(20, seed=0))
    return tournament(players, game="paper", n=100)


def test_main_command_tournament_is_analysed_not_refused(main_tournament):
    ds = main_tournament
    an = analyse_tournament(ds, alpha=5.0, seed=0)
    M = ds.payoff_row.values
    assert M.shape == (31, 31) and len(an.nash) >= 1
    for e in an.nash.equilibria:
        _check_verified(M, e)
        assert e.methods
    if an.nash.complete:
        assert an.nash.method.startswith("complete enumeration") and not an.nash.reason
    else:
        assert an.nash.reason and an.nash.method.startswith("sample:")
    # ALLD (index 1) is a best reply to itself here: a symmetric pure equilibrium must be
    # reported by either route (enumeration lists it; symmetric LH from label 1 ends there)
    d = an.to_dict()
    assert d["complete"] == an.nash.complete and d["method"] == an.nash.method
    assert d["alpharank_limit"]["sinks"] and an.alpharank is not None


def test_sample_of_a_small_game_is_subset_of_the_complete_answer():
    lib = eq.library("paper")
    ds = tournament([lib[k] for k in ("ALLC", "ALLD", "TFT", "GRIM", "WSLS", "Extort-2")], game="paper", n=100)
    M = ds.payoff_row.values
    full = meta_game_equilibria(M)
    assert full.complete is True and full.method.startswith("complete enumeration") and full.reason == ""
    ref = extreme_equilibria(M)
    assert len(full) == len(ref)
    sample = meta_game_equilibria(M, enumerate=False)
    assert sample.complete is False and "not requested" in sample.reason
    assert len(sample) >= 1
    for e in sample.equilibria:
        _check_verified(M, e)
        assert ref.contains(e.x, e.y), (e.x, e.y, e.methods)
        assert set(e.methods) <= {"lemke_howson", "lemke_howson_graph", "symmetric_lemke_howson", "replicator"}
    for e in full.equilibria:
        assert e.methods == ("complete enumeration",)


def test_refused_enumeration_falls_back_to_a_stated_sample():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((40, 40))
    res = meta_game_equilibria(M, max_vertices=10, enumeration_time_limit=0.5, max_labels=20, max_explore=2,
                               replicator_starts=8)
    assert res.complete is False and "enumeration" in res.reason
    assert res.runs["lemke_howson"]["labels"] == "20 of 80 (seeded)"
    for e in res.equilibria:
        _check_verified(M, e)


def test_local_alpharank_closed_form_matches_the_definition():
    rng = np.random.default_rng(3)
    M = rng.standard_normal((7, 7))
    M[2, 5] = M[5, 2]  # an exact tie D = 0
    for alpha, m in ((0.0, 5), (0.7, 20), (10.0, 50), (200.0, 50)):
        S = _partial_sums(M, m, "local")
        terms = np.concatenate([np.zeros(S.shape[:2] + (1,)), -alpha * S], axis=-1)
        mx = terms.max(axis=-1, keepdims=True)
        direct = -(mx[..., 0] + np.log(np.exp(terms - mx).sum(axis=-1)))
        np.testing.assert_allclose(fixation_log_probabilities(M, alpha, m, "local"), direct, rtol=1e-12, atol=1e-12)
    # the α → ∞ limit's graph: edge s -> t iff every partial sum S_l >= 0 (definition, via the array)
    lim = alpharank_limit(M, m=20)
    S = _partial_sums(M, 20, "local")
    for s in range(7):
        for t in range(7):
            if s != t:
                has = lim.graph.has_edge(f"s{s}", f"s{t}")
                assert has == bool(S[s, t].min() >= -1e-12 * max(1.0, np.ptp(M)))
                if has:
                    zeros = int((np.abs(S[s, t]) <= 1e-12 * max(1.0, np.ptp(M))).sum())
                    assert lim.graph.edges[f"s{s}", f"s{t}"]["rho"] == pytest.approx(1 / (1 + zeros))


def test_alpharank_runs_at_a_thousand_strategies_without_the_cubic_array():
    rng = np.random.default_rng(0)
    M = rng.uniform(-1, 2, (1000, 1000))
    lim = alpharank_limit(M)  # the (N, N, m-1) partial-sum array would be 392 MB
    assert len(lim.sinks) >= 1
    assert lim.pi is None or abs(lim.pi.sum() - 1) < 1e-9
    ar = alpharank(M[:300, :300], 0.5)
    assert abs(ar.pi.sum() - 1) < 1e-9


def test_bad_input_is_a_named_error(main_tournament):
    ds = main_tournament.isel(row=slice(0, 4), col=slice(0, 4)).copy(deep=True)
    ds["payoff_row"][0, 1] = np.nan
    with pytest.raises(GameError, match="payoff_row.*non-finite|non-finite.*payoff_row"):
        analyse_tournament(ds)
    with pytest.raises(GameError, match="square"):
        analyse_matrix(np.ones((2, 3)))
    with pytest.raises(GameError, match="non-empty|empty"):
        analyse_matrix(np.zeros((0, 0)))
    with pytest.raises(GameError, match="non-finite"):
        meta_game_equilibria(np.array([[1.0, np.inf], [0.0, 0.0]]))
    with pytest.raises(ParameterError, match="tol"):
        meta_game_equilibria(np.eye(2), tol=0.5)
    lib = eq.library("paper")
    with pytest.raises(ParameterError, match="symmetric tournament"):
        analyse_tournament(tournament([lib["TFT"], lib["ALLC"]], [lib["ALLD"], lib["GRIM"]], game="paper"))
