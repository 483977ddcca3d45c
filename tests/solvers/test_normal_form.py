"""Bimatrix / meta-game Nash equilibria: cross-checked with nashpy (vertex enumeration via
qhull, Lemke–Howson from every label), with the best-response conditions, and with known games."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eqtools import BimatrixGame, GameError, ParameterError, preset
from eqtools.errors import EnumerationTooLarge
from solvers.bimatrix import cross_check, extreme_equilibria, is_equilibrium, replicator_dynamics

nashpy = pytest.importorskip("nashpy")


def _as_set(eqs, nd=6):
    return {(tuple(np.round(x, nd)), tuple(np.round(y, nd))) for x, y in eqs}


def test_known_small_games():
    # matching pennies: unique mixed equilibrium
    A = np.array([[1, -1], [-1, 1]])
    r = extreme_equilibria((A, -A))
    assert len(r) == 1 and np.allclose(r.equilibria[0].x, 0.5) and not r.degenerate
    # battle of the sexes: two pure + one mixed (2/3, 1/3), (1/3, 2/3)
    r = extreme_equilibria((np.array([[2, 0], [0, 1]]), np.array([[1, 0], [0, 2]])))
    assert len(r) == 3
    assert r.contains([2 / 3, 1 / 3], [1 / 3, 2 / 3])
    # prisoner's dilemma stage game: unique (D, D)
    r = extreme_equilibria(preset("paper"))
    assert len(r) == 1 and r.equilibria[0].is_pure and r.equilibria[0].support_row == (1,)


def test_degenerate_example_von_stengel():
    """von Stengel (2007, Fig. 3.x style) 3x2 degenerate game: row 0's pure strategy has two best
    responses; the equilibria form a segment (a component with two extreme points) plus an
    isolated mixed one."""
    A = np.array([[3, 3], [2, 5], [0, 6]])
    B = np.array([[3, 3], [2, 6], [3, 1]])
    r = extreme_equilibria((A, B))
    assert r.degenerate and len(r) == 3
    assert sorted(len(c) for c in r.components) == [1, 2]
    assert r.contains([1, 0, 0], [1, 0]) and r.contains([1, 0, 0], [2 / 3, 1 / 3])
    assert r.contains([0, 1 / 3, 2 / 3], [1 / 3, 2 / 3])
    # every point of the segment between the component's extreme points is an equilibrium
    for lam in np.linspace(0, 1, 7):
        assert is_equilibrium((A, B), [1, 0, 0], lam * np.array([1, 0]) + (1 - lam) * np.array([2 / 3, 1 / 3]))
    # nashpy's support enumeration misses one extreme equilibrium here (warning only)
    cc = cross_check((A, B))
    assert cc.consistent and cc.missed_by_support_enumeration


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_random_games_against_nashpy_vertex_enumeration_and_lemke_howson(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(4):
        A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        r = extreme_equilibria((A, B))
        assert not r.degenerate
        assert len(r) % 2 == 1  # nondegenerate games have an odd number of equilibria
        for e in r.equilibria:
            assert is_equilibrium((A, B), e.x, e.y)
            assert e.payoff_row == pytest.approx(e.x @ A @ e.y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ve = list(nashpy.Game(A, B).vertex_enumeration())
        assert _as_set((e.x, e.y) for e in r.equilibria) == _as_set(ve)
        cc = cross_check((A, B), methods=("lemke_howson",))
        assert cc.consistent
        assert cc.methods["lemke_howson"]["valid"] == cc.methods["lemke_howson"]["extreme_matched"]


def test_rectangular_and_degenerate_integer_games():
    rng = np.random.default_rng(7)
    degenerate_seen = 0
    for _ in range(8):
        m, n = rng.integers(2, 6, size=2)
        A, B = rng.integers(0, 3, (m, n)), rng.integers(0, 3, (m, n))
        r = extreme_equilibria((A, B))
        degenerate_seen += r.degenerate
        for e in r.equilibria:
            assert is_equilibrium((A, B), e.x, e.y)
        cc = cross_check((A, B))
        assert cc.consistent, cc.to_dict()
    assert degenerate_seen > 0


def _gambit_equilibria(gbt, A, B):
    """Extreme equilibria from pygambit's enummixed (API of pygambit 16 and 17)."""
    maker = getattr(gbt, "StrategicGame", gbt.Game)  # 17 moved table games to StrategicGame
    g = maker.from_arrays(A, B)
    players = list(g.players)
    res = gbt.nash.enummixed_solve(g, rational=False)
    if players and isinstance(players[0], str):  # pygambit >= 17: players and strategies are labels

        def probs(eq):
            return [[float(eq[p][s]) for s in g.get_strategies(p)] for p in players]
    else:

        def probs(eq):
            return [[float(eq[s]) for s in p.strategies] for p in players]

    return {tuple(tuple(np.round(v, 6)) for v in probs(eq)) for eq in res.equilibria}


def test_pygambit_enummixed_agrees():
    gbt = pytest.importorskip("pygambit", reason="pygambit not installed (optional test-only cross-check)")
    rng = np.random.default_rng(9)
    for _ in range(5):
        A, B = rng.integers(-3, 4, (4, 4)), rng.integers(-3, 4, (4, 4))
        ours = extreme_equilibria((A, B))  # degenerate ones included: same extreme points
        theirs = _gambit_equilibria(gbt, A, B)
        assert theirs == _as_set((e.x, e.y) for e in ours.equilibria)
    A, B = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    assert _gambit_equilibria(gbt, A, B) == _as_set((e.x, e.y) for e in extreme_equilibria((A, B)).equilibria)


def test_symmetric_meta_game_and_input_errors():
    M = np.array([[3, 0], [5, 1]])  # PD as a symmetric meta-game
    r = extreme_equilibria(M)
    assert len(r.symmetric()) == 1 and r.symmetric()[0].support_row == (1,)
    with pytest.raises(GameError):
        extreme_equilibria(BimatrixGame(np.array([[1.0, np.nan]]), np.array([[1.0, 1.0]])))
    with pytest.raises(EnumerationTooLarge, match="max_vertices"):
        extreme_equilibria((np.zeros((12, 12)) + np.eye(12), np.eye(12)), max_vertices=1000)


def test_replicator_rock_paper_scissors_conserves_and_is_flagged():
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
    x0 = np.array([0.5, 0.3, 0.2])
    res = replicator_dynamics(rps, x0, t_max=30, n_points=301)
    # constant of motion for zero-sum RPS: sum_i log x_i (interior equilibrium uniform)
    H = np.log(res.trajectory).sum(axis=1)
    assert np.ptp(H) < 1e-6
    assert not res.converged and not res.rest_point_is_nash


def test_replicator_converges_to_a_symmetric_nash_and_agrees_with_nashpy():
    M = np.array([[3, 0, 2], [5, 1, 3], [2, 0, 1]], dtype=float)  # row 1 strictly dominant
    x0 = np.array([0.4, 0.2, 0.4])
    res = replicator_dynamics(M, x0, t_max=200)
    assert res.converged and res.rest_point_is_nash
    r = extreme_equilibria(M)
    assert any(np.allclose(e.x, res.final, atol=1e-4) for e in r.symmetric())
    # nashpy's replicator (odeint) reaches the same state
    traj = nashpy.Game(M, M.T).replicator_dynamics(y0=x0, timepoints=np.linspace(0, 200, 2001))
    assert np.allclose(traj[-1], res.final, atol=1e-4)
    with pytest.raises(GameError):
        replicator_dynamics(np.ones((2, 3)))
    with pytest.raises(ParameterError, match="x0"):
        replicator_dynamics(M, [0.5, 0.5, 0.5])
