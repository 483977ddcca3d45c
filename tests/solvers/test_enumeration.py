"""Complete Nash enumeration (solvers.bimatrix.enumeration.extreme_equilibria) against independent references.

* pygambit ``enummixed_solve`` (lrs-style vertex enumeration): the SET of extreme equilibria must
  be equal (not just the count) on generic random games, on degenerate tournament meta-games
  built with eqtools' own tournament code, on degenerate integer games; its ``cliques`` must
  equal our maximal Nash subsets.
* pygambit's answers stored once (tests/solvers/make_gambit_reference.py) for the games where it
  takes seconds to many minutes: generic 12-14 and tournaments 14 and 16.
* The certified qhull route against the vertex search and pygambit, and its certificate.
* Closed form: the coordination game ``A = B = I_n`` has the ``2^n - 1`` equilibria uniform on
  each non-empty common support.
* Budgets and bad input raise named errors.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from eqtools.errors import EnumerationTooLarge, GameError, ParameterError
from eqtools.games import BimatrixGame
from nash_games import as_set, coordination_game, gambit_cliques, gambit_equilibria, generic_game, tournament_game
from solvers.bimatrix import estimate_enumeration_cost, extreme_equilibria, is_equilibrium

pytest.importorskip("pygambit", reason="pygambit is the reference for these tests (test extra)")


def _ours(r):
    return as_set((e.x, e.y) for e in r.equilibria)


@pytest.fixture(scope="module")
def tournaments():
    return {n: tournament_game(n) for n in (8, 12)}


@pytest.fixture(scope="module")
def gambit_tournaments(tournaments):
    """pygambit's (equilibria, cliques) per tournament, computed once (14 s for the 12x12)."""
    cache: dict = {}

    def get(n):
        if n not in cache:
            cache[n] = gambit_cliques(tournaments[n].A, tournaments[n].B, rational=False)
        return cache[n]

    return get


@pytest.mark.parametrize("n", [6, 8, 10])
def test_generic_games_same_set_as_pygambit(n):
    for seed in range(2 if n < 10 else 1):
        g = generic_game(n, seed)
        r = extreme_equilibria(g)
        assert r.complete and not r.degenerate
        assert len(r) % 2 == 1  # nondegenerate games have an odd number of equilibria
        assert _ours(r) == as_set(gambit_equilibria(g.A, g.B))
        assert len(r.maximal_nash_subsets) == len(r)  # isolated: one singleton subset each
        assert "qhull" in r.info["route"]  # untied payoffs: the certified qhull route served it


def test_generic_rectangular_games_same_set_as_pygambit():
    for m, n, seed in ((3, 9, 1), (9, 4, 2), (1, 5, 3), (5, 1, 4)):
        rng = np.random.default_rng(seed)
        A, B = rng.standard_normal((m, n)), rng.standard_normal((m, n))
        assert _ours(extreme_equilibria((A, B))) == as_set(gambit_equilibria(A, B))


@pytest.mark.parametrize("n", [8, 12])
def test_tournament_meta_games_same_set_and_cliques_as_pygambit(tournaments, gambit_tournaments, n):
    g = tournaments[n]
    r = extreme_equilibria(g)
    assert r.degenerate and r.complete
    ours = _ours(r)
    theirs, cliques = gambit_tournaments(n)
    assert ours == theirs
    if n == 12:
        assert len(ours) == 684  # the count quoted in issue 11
    # maximal Nash subsets = pygambit's cliques (as sets of extreme equilibria)
    keys = [as_set([(e.x, e.y)]).pop() for e in r.equilibria]
    subsets = {frozenset(keys[k] for k in s.equilibria) for s in r.maximal_nash_subsets}
    assert subsets == set(cliques)
    assert len(r.maximal_nash_subsets) < len(r) / 10  # hundreds of equilibria read as a few subsets


def test_tournament_16_independent_checks():
    """16x16 tournament: pygambit takes minutes here, so check against the definition instead:
    every pair valid, every pair completely labelled, subsets convex sets of equilibria."""
    g = tournament_game(16)
    r = extreme_equilibria(g)
    assert r.complete and r.degenerate and len(r) > 1000
    rng = np.random.default_rng(0)
    for e in r.equilibria:
        assert is_equilibrium(g, e.x, e.y, tol=1e-9)
    for s in r.maximal_nash_subsets:
        lam = rng.dirichlet(np.ones(len(s.row_strategies)))
        mu = rng.dirichlet(np.ones(len(s.col_strategies)))
        x = lam @ np.array(s.row_strategies)
        y = mu @ np.array(s.col_strategies)
        assert is_equilibrium(g, x, y, tol=1e-9)
        assert set(np.flatnonzero(x > 1e-12)) <= set(s.support_row)
        d = s.to_dict(g.row_labels, g.col_labels)
        assert d["support_row_labels"] == [g.row_labels[i] for i in s.support_row]
        assert s.payoff_row[0] - 1e-9 <= x @ g.A @ y <= s.payoff_row[1] + 1e-9


def _rounding_noise(g, seed):
    """Payoffs moved by ~1e-15 relative, independently for both players (the size of the change
    a different float route in the exact tournament core makes; the game is no longer symmetric
    bit for bit, and ties that are exact in real arithmetic become float near-ties)."""
    rng = np.random.default_rng(seed)
    A = g.A * (1.0 + 1e-15 * rng.standard_normal(g.A.shape))
    B = g.B * (1.0 + 1e-15 * rng.standard_normal(g.B.shape))
    return A, B


@pytest.mark.parametrize("n, seeds", [(12, (0, 2, 3)), (8, (0, 1, 2))])
def test_tournament_with_rounding_noise_same_set_as_pygambit(tournaments, gambit_tournaments, n, seeds):
    """Regression ("unbounded edge in a best-response polytope" on the 12x12 tournament after its
    payoffs moved by 5e-15: a degenerate vertex was keyed without one of its tight rows).

    Noise of 1e-15 is float rounding, far below ``tol`` (payoff differences under ~1e-9 of the
    range are ties, docs/nash_enumeration.md), so every perturbed game must enumerate to
    pygambit's set for the game WITHOUT the noise, and every profile must be an equilibrium of
    the perturbed game.  (pygambit's own float enummixed is not stable here: on these perturbed
    8x8 games it drops 1-2 of the 57 equilibria, so the perturbed game is not its reference.)"""
    theirs, _ = gambit_tournaments(n)
    for seed in seeds:
        A, B = _rounding_noise(tournaments[n], seed)
        assert not (np.array_equal(A, tournaments[n].A) and np.array_equal(B, tournaments[n].B))
        r = extreme_equilibria((A, B))
        assert r.complete and r.degenerate
        assert _ours(r) == theirs, seed
        assert all(is_equilibrium((A, B), e.x, e.y, tol=1e-9) for e in r.equilibria)


@pytest.mark.parametrize("n", [4, 5, 6, 7, 8])
def test_coordination_game_closed_form(n):
    r = extreme_equilibria(coordination_game(n))
    expected = []
    for k in range(1, n + 1):
        for S in itertools.combinations(range(n), k):
            v = np.zeros(n)
            v[list(S)] = 1.0 / k
            expected.append((v, v))
    assert len(r) == 2**n - 1
    assert _ours(r) == as_set(expected)
    if n <= 6:
        assert _ours(r) == as_set(gambit_equilibria(np.eye(n), np.eye(n)))


def test_degenerate_integer_games_same_set_and_cliques_as_pygambit_rational():
    rng = np.random.default_rng(11)
    degenerate = 0
    for _ in range(12):
        m, n = rng.integers(2, 6, size=2)
        A, B = rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
        r = extreme_equilibria((A, B))
        degenerate += r.degenerate
        theirs, cliques = gambit_cliques(A, B)
        assert _ours(r) == theirs, (A, B)
        keys = [as_set([(e.x, e.y)]).pop() for e in r.equilibria]
        assert {frozenset(keys[k] for k in s.equilibria) for s in r.maximal_nash_subsets} == set(cliques)
    assert degenerate >= 6


@pytest.mark.parametrize("route", ["tiny-game batch", "vertex search"])
def test_both_routes_agree_with_pygambit_on_small_degenerate_games(monkeypatch, route):
    """Games with C(m + n, m) <= 1000 take the one-batch route; force the vertex search too."""
    import solvers.bimatrix.enumeration as nf  # the route constants are read there

    if route == "vertex search":
        monkeypatch.setattr(nf, "_SMALL_GAME_SYSTEMS", 0)
    rng = np.random.default_rng(5)
    for _ in range(8):
        m, n = rng.integers(2, 6, size=2)
        A, B = rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
        r = extreme_equilibria((A, B))
        assert ("batch" in r.info["route"]) == (route == "tiny-game batch")
        theirs, cliques = gambit_cliques(A, B)
        assert _ours(r) == theirs, (A, B)
        keys = [as_set([(e.x, e.y)]).pop() for e in r.equilibria]
        assert {frozenset(keys[k] for k in s.equilibria) for s in r.maximal_nash_subsets} == set(cliques)
    A = np.ones((3, 4))
    r = extreme_equilibria((A, A))
    assert len(r) == 12 and len(r.maximal_nash_subsets) == 1


def test_constant_game_every_pure_pair_one_subset():
    """All payoffs equal: every profile is an equilibrium; the extreme ones are the 12 pure pairs,
    forming one maximal Nash subset (every vertex of both polytopes is highly degenerate)."""
    A = np.ones((3, 4))
    r = extreme_equilibria((A, A))
    assert len(r) == 12 and r.degenerate
    assert len(r.maximal_nash_subsets) == 1
    s = r.maximal_nash_subsets[0]
    assert s.support_row == (0, 1, 2) and s.support_col == (0, 1, 2, 3) and len(s.equilibria) == 12
    assert _ours(r) == as_set(gambit_equilibria(A, A, rational=True))


def test_budget_exceeded_raises_with_partial_result():
    g = generic_game(12, 0)
    with pytest.raises(EnumerationTooLarge) as info:
        extreme_equilibria(g, max_vertices=300)
    err = info.value
    assert err.estimate["vertices_visited"][0] + err.estimate["vertices_visited"][1] > 300
    assert err.partial is not None and not err.partial.complete
    for e in err.partial.equilibria:  # whatever it found is right
        assert is_equilibrium(g, e.x, e.y)
    with pytest.raises(EnumerationTooLarge, match="time_limit"):  # a degenerate game: the search runs
        extreme_equilibria(tournament_game(12), time_limit=1e-3)


def test_hopeless_game_refused_up_front_quickly():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((1000, 1000))
    t0 = time.perf_counter()
    est = estimate_enumeration_cost((A, A.T))
    assert time.perf_counter() - t0 < 1.0
    assert est["feasible"] is False and "max_vertices" in est["reason"]
    assert est["log10_upper_bound"] > 100
    with pytest.raises(EnumerationTooLarge) as info:
        extreme_equilibria((A, A.T))
    assert info.value.partial is None and info.value.estimate["feasible"] is False
    assert time.perf_counter() - t0 < 5.0
    small = estimate_enumeration_cost(np.eye(4))
    assert small["feasible"] and "guaranteed" in small["reason"]


@pytest.mark.parametrize(
    "game, field",
    [
        ((np.array([[1.0, np.nan]]), np.ones((1, 2))), "A"),
        ((np.ones((2, 2)), np.array([[1.0, np.inf], [0.0, 0.0]])), "B"),
        ((np.ones((2, 3)), np.ones((3, 2))), "shape"),
        ((np.zeros((0, 3)), np.zeros((0, 3))), "non-empty"),
        (np.zeros((0, 0)), "non-empty"),
        ((np.array([["a", "b"]]), np.ones((1, 2))), "A"),
        (np.ones(3), "shape"),
    ],
)
def test_bad_input_raises_game_error_naming_the_field(game, field):
    with pytest.raises(GameError, match=field):
        extreme_equilibria(game)


def test_bad_options_raise_parameter_error():
    g = BimatrixGame(np.eye(2), np.eye(2))
    for kw, field in (({"tol": 0.0}, "tol"), ({"tol": float("nan")}, "tol"), ({"max_vertices": 0}, "max_vertices"),
                      ({"max_vertices": 2.5}, "max_vertices"), ({"time_limit": -1.0}, "time_limit")):
        with pytest.raises(ParameterError, match=field):
            extreme_equilibria(g, **kw)


def test_to_dict_has_subsets_with_labels_and_method():
    g = BimatrixGame(np.array([[3, 3], [2, 5], [0, 6]]), np.array([[3, 3], [2, 6], [3, 1]]), row_labels=("T", "M", "B"), col_labels=("L", "R"))
    r = extreme_equilibria(g)
    d = r.to_dict()
    assert d["complete"] is True and d["method"] == r.method
    subs = sorted(d["maximal_nash_subsets"], key=lambda s: len(s["equilibria"]))
    assert [len(s["equilibria"]) for s in subs] == [1, 2]
    assert subs[1]["support_row_labels"] == ["T"] and subs[1]["support_col_labels"] == ["L", "R"]
    assert subs[0]["support_row_labels"] == ["M", "B"]
    import json

    json.dumps(d)


# ------------------------------------------------------------ the certified qhull route


def test_qhull_route_same_set_as_the_vertex_search_and_pygambit(monkeypatch):
    """Square and rectangular generic games (either polytope enumerated): the qhull route, the
    vertex search (qhull switched off) and pygambit give the same set."""
    import solvers.bimatrix.enumeration as nf  # the route constants are read there

    rng = np.random.default_rng(11)
    games = [(rng.standard_normal((m, n)), rng.standard_normal((m, n))) for m, n in ((7, 7), (4, 9), (9, 4), (2, 8), (8, 3))]
    via_hull = [extreme_equilibria(G) for G in games]
    monkeypatch.setattr(nf, "_HULL_MAX_DIM", 0)
    monkeypatch.setattr(nf, "_SMALL_GAME_SYSTEMS", 0)
    via_search = [extreme_equilibria(G) for G in games]
    for G, rh, rs in zip(games, via_hull, via_search):
        assert "qhull" in rh.info["route"] and "qhull" not in rs.info["route"]
        assert _ours(rh) == _ours(rs) == as_set(gambit_equilibria(*G))


def test_qhull_certificate_rejects_a_missing_vertex():
    """The completeness certificate holds for qhull's full list and fails when any vertex is dropped."""
    from solvers.bimatrix.coerce import _rescale
    from solvers.bimatrix.qhull import _edges_closed, _hull_vertices

    B = generic_game(8, 3).B
    V, M = _hull_vertices(_rescale(B), 1e-9, None)
    assert len(V) > 50 and _edges_closed(M) and np.all(M.sum(axis=1) == 8)
    # the labels, re-read from the game itself: x_i = 0, or column j a best reply to x
    for v, mask in zip(V, M):
        if v.sum() == 0:
            assert mask[:8].all()
            continue
        x = v / v.sum()
        pay = x @ B
        labels = np.concatenate([x <= 1e-12, pay >= pay.max() - 1e-9])
        assert np.array_equal(labels, mask)
    for drop in np.random.default_rng(0).choice(len(M), 10, replace=False):
        assert not _edges_closed(np.delete(M, drop, axis=0))


def test_degenerate_game_without_ties_falls_back_to_the_search():
    """x = (1/2, 1/2) makes all three columns best replies (a degenerate vertex of P) although no
    row of B has tied payoffs: the certificate refuses qhull's list and the exact search runs."""
    from solvers.bimatrix.coerce import _rescale
    from solvers.bimatrix.qhull import _hull_vertices

    B = np.array([[0.0, 1.0, 2.0], [3.0, 2.0, 1.0]])
    A = np.array([[2.0, 0.5, 0.0], [0.0, 1.5, 3.0]])
    assert _hull_vertices(_rescale(B), 1e-9, None) is None
    r = extreme_equilibria((A, B))
    assert "qhull" not in r.info["route"] and r.degenerate
    theirs, cliques = gambit_cliques(A, B)
    assert _ours(r) == theirs


def _stored_reference():
    import os

    path = os.path.join(os.path.dirname(__file__), "data", "gambit_reference.npz")
    return np.load(path)


@pytest.mark.parametrize("key", ["generic12_1", "generic13_0", "generic14_0", "tournament14_0", "tournament16_0"])
def test_stored_pygambit_reference_sets(key):
    """Games where pygambit takes seconds to minutes (generic 12-14, tournaments 14 and 16):
    its extreme equilibria and cliques were computed once by make_gambit_reference.py and stored
    with the payoffs; eqtools re-solves the stored payoffs and must give the same SET, and for
    the tournaments the same maximal Nash subsets."""
    ref = _stored_reference()
    A, B = ref[f"{key}_A"], ref[f"{key}_B"]
    X, Y = ref[f"{key}_x"], ref[f"{key}_y"]
    r = extreme_equilibria((A, B))
    assert r.complete
    theirs = as_set(zip(X, Y))
    assert len(theirs) == len(X)  # the reference has no duplicates after rounding
    for x, y in zip(X, Y):  # the stored reference is itself made of equilibria (stored to 6 decimals)
        assert is_equilibrium((A, B), x / x.sum(), y / y.sum(), tol=1e-5)
    assert _ours(r) == theirs
    if f"{key}_cliques" in ref:
        keys = [as_set([(x, y)]).pop() for x, y in zip(X, Y)]
        cliques = {frozenset(keys[i] for i in row if i >= 0) for row in ref[f"{key}_cliques"]}
        ours = [as_set([(e.x, e.y)]).pop() for e in r.equilibria]
        assert {frozenset(ours[k] for k in s.equilibria) for s in r.maximal_nash_subsets} == cliques
        assert r.degenerate and "qhull" not in r.info["route"]
    else:
        assert not r.degenerate and "qhull" in r.info["route"]
