"""Sampled Nash equilibria: Lemke–Howson against nashpy, samples inside pygambit's complete set,
ESS against textbook cases and the pure-strategy definition, verification, bad input."""

from __future__ import annotations

import signal
import warnings

import numpy as np
import pytest

from eqtools.errors import GameError, ParameterError
from solvers.bimatrix import (
    ess_check,
    lemke_howson,
    replicator_candidates,
    sample_equilibria,
    symmetric_lemke_howson,
    verify_equilibrium,
)


class _Timeout(Exception):
    pass


def _nashpy_lh(game, label, seconds=0.5):
    """nashpy's lemke_howson, or None if it loops (it can, on some games) or returns garbage."""
    def handler(*_a):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(np.asarray(v, float) for v in game.lemke_howson(initial_dropped_label=label))
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_lemke_howson_matches_nashpy_on_nondegenerate_games():
    nashpy = pytest.importorskip("nashpy")
    rng = np.random.default_rng(1)
    compared = 0
    for _ in range(25):
        m, n = rng.integers(2, 7, 2)
        A, B = rng.standard_normal((m, n)), rng.standard_normal((m, n))
        g = nashpy.Game(A, B)
        for lab in range(m + n):
            x, y, piv = lemke_howson((A, B), lab)
            assert verify_equilibrium((A, B), x, y)[0] and piv >= 1
            ref = _nashpy_lh(g, lab)
            if ref is None or not verify_equilibrium((A, B), ref[0], ref[1], tol=1e-7)[0]:
                continue  # nashpy failed on this label: nothing to compare
            compared += 1
            assert np.allclose(x, ref[0], atol=1e-8) and np.allclose(y, ref[1], atol=1e-8), (A, B, lab)
    assert compared >= 150  # the comparison really happened


def _gambit_set(A, B):
    gbt = pytest.importorskip("pygambit")
    maker = getattr(gbt, "StrategicGame", gbt.Game)
    g = maker.from_arrays(A, B)
    players = list(g.players)
    res = gbt.nash.enummixed_solve(g, rational=False)
    out = []
    for eq in res.equilibria:
        if players and isinstance(players[0], str):
            probs = [[float(eq[p][s]) for s in g.get_strategies(p)] for p in players]
        else:
            probs = [[float(eq[s]) for s in p.strategies] for p in players]
        out.append((np.array(probs[0]), np.array(probs[1])))
    return out


def _in_set(x, y, eqs, atol=1e-6):
    return any(np.allclose(x, a, atol=atol) and np.allclose(y, b, atol=atol) for a, b in eqs)


def test_sample_is_subset_of_pygambit_enummixed_and_never_complete():
    rng = np.random.default_rng(5)
    games = [(rng.standard_normal((5, 5)), rng.standard_normal((5, 5))) for _ in range(3)]
    S = rng.integers(-3, 4, (6, 6)).astype(float)  # symmetric game with ties: degenerate
    games.append((S, S.T.copy()))
    M = rng.standard_normal((6, 6))
    games.append((M, M.T.copy()))
    for A, B in games:
        ref = _gambit_set(A, B)
        s = sample_equilibria((A, B))
        assert s.complete is False and len(s) >= 1
        for e in s.equilibria:
            assert _in_set(e.x, e.y, ref), (A, B, e.x, e.y, e.methods)
            assert max(e.gain_row, e.gain_col) + e.gain_bound <= s.tol_abs
            assert e.methods
        # on nondegenerate games Lemke–Howson paths from all labels + the LH graph reach every
        # equilibrium that is connected to the artificial one; at least the pure ones count
        assert len(s) <= len(ref)


def test_degenerate_tournament_paths_all_finish_and_verify():
    import eqtools as eq
    from solvers.tournament import tournament

    lib = eq.library("paper")
    ds = tournament(list(lib.values()), game="paper", n=100)
    M = ds.payoff_row.values
    s = sample_equilibria(M, seed=0)
    lh = s.runs["lemke_howson"]
    assert lh["paths_finished"] == 2 * M.shape[0] and lh["paths_over_max_pivots"] == 0
    assert lh["degeneracy_resolution"] == "lexicographic"
    ref = _gambit_set(M, M.T.copy())
    for e in s.equilibria:
        Ay, xB = M @ e.y, e.x @ M.T
        assert Ay.max() - e.x @ Ay <= 1e-9 and xB.max() - xB @ e.y <= 1e-9
        assert _in_set(e.x, e.y, ref)
    assert {"lemke_howson", "symmetric_lemke_howson", "replicator"} <= set(s.runs)


def test_symmetric_lemke_howson_and_replicator_find_hawk_dove_ess():
    # Hawk–Dove with V = 2, C = 4: the mixed ESS plays Hawk with probability V / C = 1/2
    M = np.array([[-1.0, 2.0], [0.0, 1.0]])
    x, _ = symmetric_lemke_howson(M, 0)
    assert np.allclose(x, [0.5, 0.5])
    cands, info = replicator_candidates(M, starts=8, seed=3)
    assert any(np.allclose(c, [0.5, 0.5]) for c in cands) and info["starts"] == 8
    s = sample_equilibria(M)
    sym = s.symmetric()
    assert len(sym) == 1 and sym[0].ess is True
    assert {"symmetric_lemke_howson", "replicator"} <= set(sym[0].methods)
    assert {tuple(e.support_row) for e in s.equilibria} >= {(0,), (1,)}  # the two asymmetric pure ones too


def test_ess_textbook_cases():
    hd = np.array([[-1.0, 2.0], [0.0, 1.0]])
    assert ess_check(hd, [0.5, 0.5]).is_ess is True
    # an independent look: no sampled mutant y does as well against the mix as x does against it
    rng = np.random.default_rng(0)
    x = np.array([0.5, 0.5])
    for y in rng.dirichlet([1, 1], 200):
        if not np.allclose(y, x):
            assert x @ hd @ y > y @ hd @ y
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], float)
    assert ess_check(rps, np.ones(3) / 3).is_ess is False  # neutral cycles: no ESS
    good_rps = np.array([[0, -1, 2], [2, 0, -1], [-1, 2, 0]], float)  # win > loss: uniform is an ESS
    assert ess_check(good_rps, np.ones(3) / 3).is_ess is True
    coord = np.array([[2.0, 0.0], [0.0, 1.0]])
    assert ess_check(coord, [1, 0]).is_ess and ess_check(coord, [0, 1]).is_ess
    assert ess_check(coord, [1 / 3, 2 / 3]).is_ess is False
    assert ess_check(coord, [0.5, 0.5]).is_ess is False  # not even Nash


def _invades(M, x, y, atol=1e-9):
    """Maynard Smith: y invades x when y M x > x M x, or on a tie y M y >= x M y."""
    a, b = y @ M @ x, x @ M @ x
    return a > b + atol or (abs(a - b) <= atol and y @ M @ y >= x @ M @ y - atol)


def test_ess_check_against_the_definition_on_games_with_ties():
    # Independent reference: the definition itself.  "Not ESS" must come with a mutant that
    # invades by plain arithmetic; "ESS" must resist every pure mutant and 300 random mixed
    # mutants over the best replies (pure ESS against pure mutants alone is not enough: a mix
    # of two alternative best replies can tie, as the first game below shows).
    M0 = np.array([[0, 1, 2, 2], [1, 1, 1, 2], [2, 1, 0, 0], [1, 1, 2, 1]], float)
    r0 = ess_check(M0, np.eye(4)[1])
    assert r0.is_ess is False and _invades(M0, np.eye(4)[1], r0.witness)
    rng = np.random.default_rng(11)
    verdicts = {True: 0, False: 0}
    for _ in range(150):
        M = rng.integers(0, 3, (4, 4)).astype(float)
        for i in range(4):
            x = np.eye(4)[i]
            if M[:, i].max() > M[i, i]:
                continue  # not a symmetric Nash equilibrium
            r = ess_check(M, x)
            verdicts[bool(r.is_ess)] += 1
            if r.is_ess:
                B = np.flatnonzero(M[:, i] == M[i, i])
                for j in range(4):
                    if j != i:
                        assert not _invades(M, x, np.eye(4)[j]), (M, i, j)
                for w in rng.dirichlet(np.ones(len(B)), 300):
                    y = np.zeros(4)
                    y[B] = w
                    if not np.allclose(y, x):
                        assert not _invades(M, x, y, atol=1e-12), (M, i, y)
            else:
                assert r.witness is not None and not np.allclose(r.witness, x)
                assert _invades(M, x, r.witness), (M, i, r.witness)
    assert verdicts[True] > 30 and verdicts[False] > 30
    # mixed equilibria: rock-paper-scissors' witness and Hawk–Dove's resistance
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], float)
    r = ess_check(rps, np.ones(3) / 3)
    assert _invades(rps, np.ones(3) / 3, r.witness)


def test_verification_rejects_non_equilibria_and_reports_gain():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])  # prisoner's dilemma
    ok, gr, gc, bound = verify_equilibrium((A, A.T), [1, 0], [1, 0])
    assert not ok and gr == pytest.approx(2.0) and gc == pytest.approx(2.0) and 0 < bound < 1e-12
    ok, gr, gc, _ = verify_equilibrium((A, A.T), [0, 1], [0, 1])
    assert ok and gr == 0 and gc == 0
    assert verify_equilibrium((A, A.T), [0.5, 0.6], [0, 1])[0] is False  # not a distribution


def test_determinism_labels_subset_and_time_limit():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((30, 30))
    a = sample_equilibria(M, seed=4, max_labels=10, max_explore=2, replicator_starts=8)
    b = sample_equilibria(M, seed=4, max_labels=10, max_explore=2, replicator_starts=8)
    assert [e.x.tolist() for e in a.equilibria] == [e.x.tolist() for e in b.equilibria]
    assert a.runs["lemke_howson"]["labels"] == "10 of 60 (seeded)"
    assert a.runs["lemke_howson_graph"]["equilibria_expanded"] <= 2
    c = sample_equilibria(M, time_limit=0.0)
    assert c.runs["lemke_howson"]["stopped_by_time_limit"] is True
    assert all(verify_equilibrium(M, e.x, e.y)[0] for e in c.equilibria)


def test_bad_input_named_errors():
    with pytest.raises(GameError, match="non-finite"):
        sample_equilibria(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(GameError, match="shape"):
        sample_equilibria((np.ones((2, 3)), np.ones((3, 2))))
    with pytest.raises(GameError):
        sample_equilibria(np.zeros((0, 0)))
    with pytest.raises(ParameterError, match="label"):
        lemke_howson((np.eye(2), np.eye(2)), 7)
    with pytest.raises(ParameterError, match="tol"):
        sample_equilibria(np.eye(2), tol=-1)
    with pytest.raises(GameError, match="symmetric"):
        ess_check(__import__("eqtools").BimatrixGame(np.eye(2), np.ones((2, 2))), [1, 0])
