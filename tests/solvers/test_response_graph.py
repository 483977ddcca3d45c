"""Response graphs and α-Rank: sinks against pure Nash equilibria (second algorithm), fixation
probabilities against a direct birth–death absorption solve, α → ∞ against sink components."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools import ChainError, ParameterError, library
from solvers.bimatrix.enumeration import extreme_equilibria
from solvers.bimatrix.response_graph import (
    alpharank,
    alpharank_limit,
    fixation_log_probabilities,
    plot_response_graph,
    response_graph,
    sink_components,
    tournament_matrix,
)


def test_singleton_sinks_are_symmetric_pure_nash():
    rng = np.random.default_rng(1)
    for _ in range(10):
        M = rng.integers(0, 5, (5, 5)).astype(float)
        labels = [f"s{i}" for i in range(5)]
        G = response_graph(M, labels=labels)
        singles = {next(iter(c)) for c in sink_components(G) if len(c) == 1}
        # symmetric pure Nash from the vertex-enumeration solver (a different algorithm)
        pure_sym = {labels[e.support_row[0]] for e in extreme_equilibria(M).symmetric() if e.is_pure}
        assert singles == pure_sym


def test_profile_graph_sinks_are_pure_nash():
    rng = np.random.default_rng(2)
    for _ in range(6):
        A, B = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        G = response_graph((A, B), population="profiles", kind="best")
        singles = {next(iter(c)) for c in sink_components(G) if len(c) == 1}
        pure = {(f"r{e.support_row[0]}", f"c{e.support_col[0]}") for e in extreme_equilibria((A, B)).equilibria if e.is_pure}
        assert singles == pure


def _fixation_birth_death(M, s, t, alpha, m, selection):
    """Absorption probability of the Fermi birth–death chain by a direct linear solve."""
    k = np.arange(0, m + 1)
    if selection == "local":
        ft = np.full(m + 1, M[t, s])
        fs = np.full(m + 1, M[s, t])
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ft = ((k - 1) * M[t, t] + (m - k) * M[t, s]) / (m - 1)
            fs = (k * M[s, t] + (m - k - 1) * M[s, s]) / (m - 1)
    frac = k * (m - k) / m**2
    Tp = frac / (1 + np.exp(-alpha * (ft - fs)))
    Tm = frac / (1 + np.exp(alpha * (ft - fs)))
    # x_k = Tp x_{k+1} + Tm x_{k-1} + (1 - Tp - Tm) x_k, x_0 = 0, x_m = 1
    A = np.zeros((m + 1, m + 1))
    b = np.zeros(m + 1)
    A[0, 0] = A[m, m] = 1
    b[m] = 1
    for i in range(1, m):
        A[i, i] = Tp[i] + Tm[i]
        A[i, i + 1] = -Tp[i]
        A[i, i - 1] = -Tm[i]
    return np.linalg.solve(A, b)[1]


@pytest.mark.parametrize("selection", ["local", "moran"])
def test_fixation_probabilities_against_birth_death_solve(selection):
    rng = np.random.default_rng(3)
    M = rng.uniform(-1, 2, (4, 4))
    m, alpha = 12, 1.7
    logrho = fixation_log_probabilities(M, alpha, m, selection)
    for s in range(4):
        for t in range(4):
            if s != t:
                assert np.exp(logrho[s, t]) == pytest.approx(_fixation_birth_death(M, s, t, alpha, m, selection), rel=1e-9)


def test_neutral_fixation_is_one_over_m():
    M = np.ones((3, 3))
    assert np.allclose(np.exp(fixation_log_probabilities(M, 5.0, 20)), 1 / 20)
    r = alpharank(M, 5.0, m=20)
    assert np.allclose(r.pi, 1 / 3)


def test_alpha_to_infinity_on_the_ipd_library():
    lib = library("paper")
    names = ["ALLC", "ALLD", "TFT", "WSLS", "GRIM", "Random", "Extort-2", "Generous-2"]
    M, labels = tournament_matrix([lib[n] for n in names], "paper", gamma=0.9)
    lim = alpharank_limit(M, labels=labels, selection="local", m=20)
    sink_nodes = set().union(*lim.sinks)
    assert lim.resolved and sink_nodes == {"ALLD"}  # ALLD never loses a head-to-head match
    for alpha in (20.0, 40.0):
        r = alpharank(M, alpha, labels=labels, selection="local", m=20)
        assert sum(p for l, p in zip(labels, r.pi) if l in sink_nodes) > 1 - 1e-6
        assert np.allclose(r.pi, lim.pi, atol=1e-6)


@pytest.mark.parametrize("selection", ["local", "moran"])
def test_alpha_to_infinity_concentrates_on_sink_components(selection):
    """Random integer meta-games: the α → ∞ mass sits on the sink SCCs of the response graph
    (networkx attracting components); where the limit is resolved, large finite α matches it."""
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(12):
        M = rng.integers(0, 4, (5, 5)).astype(float)
        lim = alpharank_limit(M, selection=selection, m=10)
        surv = set().union(*lim.surviving)
        prev, last = 0.0, None
        for alpha in (10.0, 30.0, 60.0, 100.0):
            try:
                r = alpharank(M, alpha, selection=selection, m=10)
            except ChainError:  # rates below the float range: the limit routine takes over
                break
            mass = sum(p for l, p in zip(lim.labels, r.pi) if l in surv)
            assert mass >= prev - 1e-9  # mass on the surviving sinks grows with alpha
            prev, last = mass, r
        assert last is not None and prev > 1 - 1e-5
        if lim.resolved:
            assert np.allclose(last.pi, lim.pi, atol=1e-5)
            checked += 1
    assert checked >= 6


def test_cyclic_game_limit_is_the_cycle():
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
    lim = alpharank_limit(rps)
    assert len(lim.sinks) == 1 and len(lim.sinks[0]) == 3
    assert np.allclose(lim.pi, 1 / 3)
    assert np.allclose(alpharank(rps, 30.0).pi, 1 / 3)


def test_two_sinks_stochastic_potential_against_large_alpha():
    # coordination game with two strict symmetric equilibria; the risk-dominant one keeps the mass
    M = np.array([[4.0, 0.0], [3.0, 2.0]])  # stag hunt: (D, D) risk dominant
    lim = alpharank_limit(M, selection="moran", m=10, labels=["S", "H"])
    assert len(lim.sinks) == 2 and lim.resolved
    r = alpharank(M, 10.0, selection="moran", m=10, labels=["S", "H"])
    winner = "S" if lim.pi[0] > 0.5 else "H"
    assert r.ranking()[0][0] == winner and r.ranking()[0][1] > 0.99


def test_errors_and_plot(tmp_path):
    M = np.array([[1.0, -1.0, 1.0], [2.0, 0.0, 0.2], [1.0, -0.1, 1.0]])
    with pytest.raises(ChainError, match="alpharank_limit"):
        alpharank(M, 500.0)
    with pytest.raises(ParameterError, match="alpha"):
        alpharank(M, -1.0)
    with pytest.raises(ParameterError, match="population size"):
        alpharank(M, 1.0, m=1)
    G = response_graph(M)
    path = tmp_path / "g.png"
    plot_response_graph(G, path=str(path))
    assert path.stat().st_size > 1000


def test_tournament_matrix_noise_goes_through_the_exact_route():
    """noise= reaches payoff_matrix's exact noisy route (not pre-noised vectors), here and in
    `eqtools solve nash --strategies --noise`; with noise the matrix differs from the noiseless one."""
    from eqtools.strategies import StrategyPool
    from solvers.payoffs import payoff_matrix

    lib = library("paper")
    names = ["TFT", "WSLS", "GRIM", "ALLD"]
    strats = [lib[n] for n in names]
    M, _ = tournament_matrix(strats, "paper", n=100, noise=1e-9)
    pool = StrategyPool.from_strategies(strats)
    ref = np.asarray(payoff_matrix(pool, pool, "paper", n=100, noise=1e-9).payoff_x)
    assert np.array_equal(M, ref)
    M0, _ = tournament_matrix(strats, "paper", n=100)
    assert not np.array_equal(M, M0) and np.allclose(M, M0, atol=1e-6)


def test_solve_nash_strategies_noise_uses_the_same_matrix(capsys):
    import json

    from eqtools.cli import main

    lib = library("paper")
    names = ["TFT", "WSLS", "ALLD"]
    assert main(["solve", "nash", "--strategies", *names, "--horizon", "100", "--noise", "1e-9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    M, _ = tournament_matrix([lib[n] for n in names], "paper", n=100, noise=1e-9)
    assert np.allclose(np.array(out["matrix"]), M, rtol=0, atol=0)
