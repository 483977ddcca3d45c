"""Axelrod interop (extra ``eqtools[axelrod]``; CI installs it).

Our exact payoffs are held against Axelrod's own match engine, the wrapper passes Axelrod's
``TestPlayer`` checks, and Axelrod's memory-one strategies convert into ours.
"""

import numpy as np
import pytest

axl = pytest.importorskip("axelrod", reason="the axelrod extra is not installed (pip install -e '.[axelrod]')")
from axelrod.tests.strategies.test_player import TestPlayer as _AxelrodTestPlayer  # noqa: E402

import eqtools as eq  # noqa: E402
from eqtools.errors import InvalidProbabilityError, ParameterError  # noqa: E402
from eqtools.interop.axelrod import axelrod_game, axelrod_player, axelrod_player_class, from_axelrod  # noqa: E402
from solvers.payoffs import finite_horizon  # noqa: E402
from solvers.simulate import simulate_memory_one  # noqa: E402

assert axl.__version__ == "4.13.1", "eqtools pins axelrod==4.13.1 (4.14 pulls torch and forces 'spawn')"

_WSLS = eq.named("WSLS")
_STOCH = eq.MemoryOne(0.7, (0.9, 0.2, 0.6, 0.3), name="stoch")


class TestWrappedWSLS(_AxelrodTestPlayer):
    player = axelrod_player_class(_WSLS, name="eqtools WSLS")
    name = "eqtools WSLS"
    expected_classifier = {
        "memory_depth": 1, "stochastic": False, "makes_use_of": set(), "long_run_time": False,
        "inspects_source": False, "manipulates_source": False, "manipulates_state": False,
    }


class TestWrappedStochastic(_AxelrodTestPlayer):
    player = axelrod_player_class(_STOCH, name="eqtools stoch")
    name = "eqtools stoch"
    expected_classifier = dict(TestWrappedWSLS.expected_classifier, stochastic=True)


def _axelrod_mean_scores(sx, sy, game, turns, reps, seed):
    px, py = axelrod_player(sx), axelrod_player(sy)
    ag = axelrod_game(game)
    rows = []
    for r in range(reps):
        m = axl.Match((px, py), turns=turns, game=ag, seed=seed + r)
        m.play()
        sc = np.array(m.scores(), dtype=float)
        rows.append(sc.mean(axis=0))
    return np.array(rows)


@pytest.mark.parametrize("game", ["paper", "axelrod"])
def test_exact_payoffs_match_axelrod_simulation(game):
    pool = eq.StrategyPool.uniform(6, seed=42)
    pairs = [(pool[0], pool[1]), (pool[2], pool[3]), (pool[4], eq.named("TFT")), (eq.named("Extort-2", game), pool[5])]
    for sx, sy in pairs:
        sc = _axelrod_mean_scores(sx, sy, game, turns=50, reps=400, seed=7)
        ex = finite_horizon(sx, sy, game, 50)
        se = sc.std(axis=0, ddof=1) / np.sqrt(len(sc))
        z = (sc.mean(axis=0) - np.array([ex.payoff_x, ex.payoff_y])) / se
        assert np.all(np.abs(z) < 5), (sx, sy, z)


def test_deterministic_trajectories_identical_in_axelrod_and_ours():
    lib = eq.library("paper")
    det = [s for s in lib.values() if s.is_deterministic]
    for sx in det:
        for sy in det:
            m = axl.Match((axelrod_player(sx), axelrod_player(sy)), turns=30, game=axelrod_game("paper"), seed=1)
            m.play()
            coop_x = np.array([a == axl.Action.C for a, _ in m.result], dtype=float)
            coop_y = np.array([b == axl.Action.C for _, b in m.result], dtype=float)
            sim = simulate_memory_one(sx, sy, "paper", n=30, matches=2, seed=0)
            assert np.array_equal(sim.coop_x_by_round, coop_x), (sx.name, sy.name)
            assert np.array_equal(sim.coop_y_by_round, coop_y), (sx.name, sy.name)


def test_convert_axelrod_memory_one_strategies():
    e2 = from_axelrod(axl.ZDExtort2, "axelrod")
    assert np.allclose(e2.p, eq.named("Extort-2", "axelrod").p)
    assert e2.p0 == 1.0
    assert from_axelrod(axl.TitForTat()).vector.tolist() == [1, 1, 0, 1, 0]
    assert from_axelrod(axl.WinStayLoseShift()).vector.tolist() == [1, 1, 0, 0, 1]
    gtft = from_axelrod(axl.GTFT, "axelrod")
    assert np.allclose(gtft.p, eq.named("GTFT", "axelrod").p)
    # Round trip through our own wrapper keeps the vector.
    assert np.array_equal(from_axelrod(axelrod_player(_STOCH)).vector, _STOCH.vector)
    with pytest.raises(ParameterError, match="not a memory-one"):
        from_axelrod(axl.Grudger())


def test_axelrod_zd_invalid_under_paper_payoffs_is_reported():
    # Axelrod's ZD-Extort-4 recomputes its vector from the game; under (1, -1, 2, 0) its
    # default parameters leave [0, 1].  Find every such case and require a clear error.
    bad = []
    for cls in (axl.ZDExtort2, axl.ZDExtort3, axl.ZDExtort4, axl.ZDGen2, axl.ZDGTFT2, axl.ZDSet2, axl.ZDExtortion):
        try:
            s = from_axelrod(cls, "paper")
        except InvalidProbabilityError as exc:
            assert "invalid under game" in str(exc)
            bad.append(cls.name)
        else:
            assert all(0 <= v <= 1 for v in s.vector)
    assert bad, "expected at least one Axelrod ZD strategy to be invalid under the paper's payoffs"


def test_seeded_serial_tournament_with_wrapped_players():
    players = [axelrod_player(eq.named("TFT")), axelrod_player(_STOCH), axl.Defector(), axl.Random()]

    def run():
        t = axl.Tournament([p.clone() for p in players], turns=20, repetitions=3, seed=5,
                           game=axelrod_game("paper"))
        return t.play(processes=1, progress_bar=False)

    r1, r2 = run(), run()
    assert r1.scores == r2.scores
    assert r1.ranked_names  # all four players ranked
    assert len(r1.ranked_names) == 4


def test_deterministic_trajectories_identical_in_axelrod_and_learners_env():
    """The learners' JAX environment (learners.env) plays the same deterministic trajectories."""
    import jax

    from learners.env import rollout_memory_one

    lib = eq.library("paper")
    det = [s for s in lib.values() if s.is_deterministic]
    for sx in det:
        for sy in det:
            m = axl.Match((axelrod_player(sx), axelrod_player(sy)), turns=25, game=axelrod_game("paper"), seed=2)
            m.play()
            tr = rollout_memory_one(jax.random.PRNGKey(0), sx.vector, sy.vector, "paper", horizon=25, batch=1)
            ax = np.array([0 if a == axl.Action.C else 1 for a, _ in m.result])
            ay = np.array([0 if b == axl.Action.C else 1 for _, b in m.result])
            assert np.array_equal(np.asarray(tr.actions_x)[:, 0], ax), (sx.name, sy.name)
            assert np.array_equal(np.asarray(tr.actions_y)[:, 0], ay), (sx.name, sy.name)
            scores = np.array(m.scores(), dtype=float)
            assert np.allclose(np.asarray(tr.rewards_x)[:, 0], scores[:, 0])
