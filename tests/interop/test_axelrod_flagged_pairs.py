"""The exact cells the all-strategies benchmark flagged, held against Axelrod's own ``Match``.

``benchmarks/bench_axelrod_tournament.py`` (Axelrod 4.13.1, 200 turns, noise 0.05) compared
eqtools' exact cells with ``axelrod.Tournament`` over 5 repetitions and found ``|z|`` up to 82
(EvolvedLookerUp1_1_1 vs Hopeless: exact 3.709, tournament 2.947 +- 0.009).  The cause is the
comparison, not the exact chain: in these pairs one early move (Hopeless's random opening,
Gradual Killer's verdict on the co-player's rounds 6-7, Hard Prober's test of rounds 2-3, Prober
2's test of rounds 2-3 against Aggravater's opening) decides between two regimes for the whole
match, so the per-match payoff is bimodal and 5 repetitions can all fall in one regime, with a
spread near zero.  Here each such pair is played in many seeded noisy matches:

* the exact payoffs must lie within 4.5 standard errors of the Match means (fixed seeds, so the
  test is deterministic; 600 matches per pair, the rare regime of each pair has probability at
  least 5% so it is sampled about 30 times or more);
* for the deterministic pairs, the eqtools machines wrapped as Axelrod players play *the same
  actions as Axelrod's players in every match* under the same seeds (no tolerance at all): the
  noise draws come from the Match's generator, so identical strategies give identical plays.

A strategy the classifier cannot prove finite-state (a counter hidden behind a declared memory
depth of 1) is simulated in Axelrod's Match and labelled so in the tournament.
"""

import json

import numpy as np
import pytest

axl = pytest.importorskip("axelrod", reason="the axelrod extra is not installed (pip install -e '.[axelrod]')")

import eqtools as eq  # noqa: E402
from eqtools.interop.axelrod_convert import classify_axelrod, find_axelrod, machine_player_class  # noqa: E402
from solvers import finite_state as fs  # noqa: E402
from solvers.axelrod_play import play_axelrod_pair  # noqa: E402
from solvers.tournament import tournament  # noqa: E402

AX = eq.preset("axelrod")
TURNS, NOISE = 200, 0.05

#: Pairs the benchmark flagged (|z| against a 5-repetition axelrod.Tournament from 7 to 82).
FLAGGED = [
    ("EvolvedLookerUp1_1_1", "Hopeless"),
    ("Second by Black", "Gradual Killer"),
    ("Hard Prober", "Tit For 2 Tats"),
    ("Tit For 2 Tats", "Spiteful Tit For Tat"),
    ("Aggravater", "Prober 2"),
    ("Defector", "Gradual Killer"),
]
DETERMINISTIC = [p for p in FLAGGED if not any(find_axelrod(n).classifier["stochastic"] for n in p)]


def _exact(a, b):
    return fs.finite_horizon(a.strategy, b.strategy, AX, TURNS, noise=NOISE)


@pytest.mark.parametrize("pair", FLAGGED, ids=[f"{a} v {b}" for a, b in FLAGGED])
def test_flagged_pair_exact_equals_axelrods_match(pair):
    a, b = (classify_axelrod(n, AX, length=TURNS, noise=NOISE) for n in pair)
    assert a.exact and b.exact, (a.reason, b.reason)
    ex = _exact(a, b)
    mc = play_axelrod_pair(find_axelrod(pair[0]), find_axelrod(pair[1]), AX, n=TURNS, matches=600, seed=20,
                           noise=NOISE)
    for key in ("payoff_x", "payoff_y", "coop_x", "coop_y"):
        se = getattr(mc, key + "_se")
        assert se > 0, key  # noise makes every cell random
        assert abs(float(getattr(ex, key)) - getattr(mc, key)) <= 4.5 * se, (pair, key, float(getattr(ex, key)),
                                                                             getattr(mc, key), se)


def test_flagged_pairs_are_bimodal_in_axelrods_match():
    """The reason 5 tournament repetitions mislead: the per-match payoff has two far-apart regimes."""
    mc = []
    p, q = axl.EvolvedLookerUp1_1_1(), axl.Hopeless()
    for s in range(40):
        m = axl.Match((p, q), turns=TURNS, noise=NOISE, seed=s, game=axl.Game(r=3, s=0, t=5, p=1))
        m.play()
        mc.append(m.final_score_per_turn()[0])
    mc = np.array(mc)
    ex = float(_exact(*(classify_axelrod(n, AX, length=TURNS, noise=NOISE)
                        for n in ("EvolvedLookerUp1_1_1", "Hopeless"))).payoff_x)
    low, high = mc[mc < ex], mc[mc >= ex]
    assert low.size >= 5 and high.size >= 5  # both regimes occur
    assert high.min() - low.max() > 0.5  # and no match lands near the mean in between


@pytest.mark.parametrize("pair", DETERMINISTIC, ids=[f"{a} v {b}" for a, b in DETERMINISTIC])
def test_machines_play_axelrods_players_move_for_move(pair):
    convs = [classify_axelrod(n, AX, length=TURNS, noise=NOISE) for n in pair]
    assert all(c.strategy is not None for c in convs)
    ours = []
    for c in convs:
        m = c.strategy
        if isinstance(m, eq.MemoryOne):  # a memory-one conversion: play its vector
            from solvers.axelrod_play import as_axelrod_player

            ours.append(as_axelrod_player(m))
        else:
            ours.append(machine_player_class(m)())
    theirs = [find_axelrod(n)() for n in pair]
    for s in range(30):
        a = axl.Match(tuple(p.clone() for p in ours), turns=TURNS, noise=NOISE, seed=s).play()
        b = axl.Match(tuple(p.clone() for p in theirs), turns=TURNS, noise=NOISE, seed=s).play()
        assert a == b, (pair, s)


class _HiddenCounter(axl.Player):
    """Declares memory depth 1 but cooperates on every third turn whatever happened: a counter."""

    name = "Hidden Counter"
    classifier = {"memory_depth": 1, "stochastic": False, "long_run_time": False, "inspects_source": False,
                  "manipulates_source": False, "manipulates_state": False, "makes_use_of": set()}

    def __init__(self):
        super().__init__()
        self.turns = 0

    def strategy(self, opponent):
        self.turns += 1
        if self.turns % 3 == 0:
            return axl.Action.C
        return axl.Action.D if opponent.history[-1:] == [axl.Action.D] else axl.Action.C


def test_unprovable_strategy_is_simulated_and_labelled():
    conv = classify_axelrod(_HiddenCounter, AX, length=30, noise=NOISE)
    assert conv.kind == "simulated" and not conv.exact and conv.strategy is None
    assert "disagrees with the player" in conv.reason  # the tabulated memory-1 machine was rejected
    ds = tournament([_HiddenCounter, axl.TitFor2Tats], game=AX, n=30, noise=NOISE, matches=50, seed=0)
    assert not ds.exact.values[0].any() and not ds.exact.values[:, 0].any() and bool(ds.exact.values[1, 1])
    assert ds.attrs["simulated_cells"] == 3 and "3 of 4 cells simulated" in ds.attrs["criterion"]
    rows = {p["name"]: p for p in json.loads(ds.attrs["players"])["rows"]}
    assert rows["Hidden Counter"]["kind"] == "simulated" and "disagrees" in rows["Hidden Counter"]["reason"]
    assert rows["Tit For 2 Tats"]["kind"] == "finite-state"
    assert np.all(ds.payoff_row_se.values[0] > 0)
