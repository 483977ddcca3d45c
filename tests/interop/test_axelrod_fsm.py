"""All of Axelrod's strategies in eqtools: classification, exact finite-state payoffs, mixed tournaments.

The exact product-chain payoffs of Axelrod's finite-state strategies are held against Axelrod's
own ``Match`` with noise (the independent reference): every finite-state strategy Axelrod 4.13.1
ships (more than 30) meets a partner in 300 seeded noisy matches of 20 turns, and the exact
payoffs and cooperation must lie within 4.5 standard errors of the Monte Carlo means.  With
about 300 such comparisons the chance of a false alarm is below 0.3% under the normal
approximation, and the seeds are fixed, so the test is deterministic.
"""

import json

import numpy as np
import pytest

axl = pytest.importorskip("axelrod", reason="the axelrod extra is not installed (pip install -e '.[axelrod]')")
from axelrod.tests.strategies.test_player import TestPlayer as _AxelrodTestPlayer  # noqa: E402

import eqtools as eq  # noqa: E402
from eqtools.cli import main  # noqa: E402
from eqtools.errors import ParameterError  # noqa: E402
from eqtools.interop.axelrod_convert import (  # noqa: E402
    AxelrodConversion,
    classify_axelrod,
    find_axelrod,
    machine_player_class,
)
from eqtools.tournament import load_tournament  # noqa: E402
from solvers import finite_state as fs  # noqa: E402
from solvers.axelrod_play import play_axelrod_pair  # noqa: E402
from solvers.tournament import tournament  # noqa: E402

AX = eq.preset("axelrod")
N_TURNS, NOISE = 20, 0.05


@pytest.fixture(scope="module")
def conversions():
    return [classify_axelrod(cls, AX, length=N_TURNS, noise=NOISE)
            for cls in axl.strategies if not cls.classifier["long_run_time"]]


def test_exact_finite_state_payoffs_equal_axelrods_match_with_noise(conversions):
    tabled = [c for c in conversions if c.exact and c.method != "MemoryOnePlayer four-vector"]
    finite = [c for c in tabled if c.kind == "finite-state"]
    assert len(finite) >= 30, [c.name for c in finite]
    worst = 0.0
    for i, c in enumerate(tabled):
        partner = tabled[(7 * i + 3) % len(tabled)]
        ex = fs.finite_horizon(c.strategy, partner.strategy, AX, N_TURNS, noise=NOISE)
        mc = play_axelrod_pair(c.player, partner.player, AX, n=N_TURNS, matches=300, seed=2024, key=(i,), noise=NOISE)
        for key in ("payoff_x", "payoff_y", "coop_x", "coop_y"):
            se = getattr(mc, key + "_se")
            diff = abs(float(getattr(ex, key)) - getattr(mc, key))
            if se == 0:  # both deterministic and unaffected by noise: identical
                assert diff < 1e-12, (c.name, partner.name, key)
                continue
            worst = max(worst, diff / se)
            assert diff <= 4.5 * se, (c.name, partner.name, key, float(getattr(ex, key)), getattr(mc, key), se)
    assert worst > 0  # the comparison was made


def test_classification_says_which_and_why(conversions):
    by = {c.name: c for c in conversions}
    assert by["Tit For Tat"].kind == "memory-one"
    assert by["GTFT"].kind == "memory-one" and by["GTFT"].method == "MemoryOnePlayer four-vector"
    tf2t = by["Tit For 2 Tats"]
    assert tf2t.kind == "finite-state" and tf2t.n_states == 3 and tf2t.verified
    assert by["Grudger"].kind == "finite-state" and by["Grudger"].n_states == 2
    assert "FSMPlayer" in by["Evolved FSM 16"].method
    assert "HMMPlayer" in by["Evolved HMM 5"].method and not by["Evolved HMM 5"].strategy.is_deterministic
    assert by["Adaptive"].kind == "simulated" and "infinite memory" in by["Adaptive"].reason
    assert by["BackStabber"].kind == "simulated" and "match length" in by["BackStabber"].reason
    # Axelrod declares Contrite TFT memory-3, but it keeps a counter: the tabulated machine
    # disagrees with the player and is rejected, not used.
    assert by["Contrite Tit For Tat"].kind == "simulated" and "disagrees" in by["Contrite Tit For Tat"].reason
    assert all(c.reason == "" for c in conversions if c.exact)


def test_hand_computed_payoffs_through_axelrods_machines():
    tf2t = classify_axelrod("Tit For 2 Tats", AX).strategy
    alld = classify_axelrod("Defector", AX).strategy
    # TF2T vs ALLD over 10 rounds: S, S, then P: (0 + 0 + 8 * 1) / 10
    assert float(fs.finite_horizon(tf2t, alld, AX, 10).payoff_x) == pytest.approx(0.8, abs=1e-15)
    grudger = classify_axelrod("Grudger", AX).strategy
    alt = classify_axelrod("Alternator", AX).strategy
    lim = fs.limit_of_means(grudger, alt, AX)  # CC, CD, then DC, DD, DC, DD, ...
    assert float(lim.payoff_x) == pytest.approx((AX.T + AX.P) / 2, abs=1e-14)
    assert float(lim.payoff_y) == pytest.approx((AX.S + AX.P) / 2, abs=1e-14)


def test_names_resolve_with_did_you_mean():
    for name in ("Tit For 2 Tats", "TitFor2Tats", "tit-for-2-tats", "TIT FOR 2 TATS"):
        assert find_axelrod(name) is axl.TitFor2Tats
    with pytest.raises(ParameterError, match="did you mean 'Tit For 2 Tats'"):
        find_axelrod("Tit For 3 Tats")
    with pytest.raises(ParameterError):
        find_axelrod("")
    with pytest.raises(ParameterError):
        classify_axelrod(42, AX)


def _fsm_tf2t():
    return eq.FiniteStateStrategy.memory_n(2, lambda own, oth: 0.0 if oth[-2:] == (1, 1) else 1.0, name="eq-TF2T")


class TestWrappedMachine(_AxelrodTestPlayer):
    player = machine_player_class(_fsm_tf2t(), name="eqtools machine TF2T")
    name = "eqtools machine TF2T"
    expected_classifier = {
        "memory_depth": float("inf"), "stochastic": False, "makes_use_of": set(), "long_run_time": False,
        "inspects_source": False, "manipulates_source": False, "manipulates_state": False,
    }


def test_wrapped_machine_plays_like_axelrods_tf2t():
    ours = machine_player_class(_fsm_tf2t())()
    for opp in (axl.Alternator(), axl.SuspiciousTitForTat(), axl.Defector(), axl.CyclerCCD()):
        a = axl.Match((ours.clone(), opp.clone()), turns=30).play()
        b = axl.Match((axl.TitFor2Tats(), opp.clone()), turns=30).play()
        assert a == b


def test_mixed_tournament_exact_and_simulated_cells():
    players = [eq.named("TFT"), axl.TitFor2Tats, axl.Grudger, axl.Adaptive, axl.Gradual]
    ds = tournament(players, game=AX, n=30, noise=NOISE, matches=40, seed=3)
    A, B = ds.payoff_row.values, ds.payoff_col.values
    sim = ~ds.exact.values
    assert sim.sum() == 2 * 5 * 2 - 4 and ds.attrs["simulated_cells"] == 16
    assert "16 of 25 cells simulated" in ds.attrs["criterion"]
    assert np.array_equal(B[sim], A.T[sim])  # one simulation per unordered pair: B = A^T exactly
    assert np.all(ds.payoff_row_se.values[sim] > 0) and np.all(ds.payoff_row_se.values[~sim] == 0)
    ex = fs.finite_horizon(classify_axelrod("Tit For 2 Tats", AX).strategy, classify_axelrod("Grudger", AX).strategy,
                           AX, 30, noise=NOISE)
    assert A[1, 2] == pytest.approx(float(ex.payoff_x), abs=1e-14)
    assert A[2, 1] == pytest.approx(float(ex.payoff_y), abs=1e-14)
    kinds = {p["name"]: p["kind"] for p in json.loads(ds.attrs["players"])["rows"]}
    assert kinds == {"TFT": "memory-one", "Tit For 2 Tats": "finite-state", "Grudger": "finite-state",
                     "Adaptive": "simulated", "Gradual": "simulated"}
    again = tournament(players, game=AX, n=30, noise=NOISE, matches=40, seed=3)
    assert again.identical(ds)  # same seed, same numbers


def test_simulated_cells_agree_with_exact_ones():
    """Force Grudger and TF2T to be simulated: the Match estimates agree with the exact cells."""
    forced = [AxelrodConversion(n, "simulated", None, find_axelrod(n)(), "axelrod.Match", "forced by the test")
              for n in ("Grudger", "Tit For 2 Tats")]
    sim = tournament(forced + [eq.named("WSLS")], game=AX, n=25, noise=0.1, matches=1500, seed=1)
    exact = tournament([axl.Grudger, axl.TitFor2Tats, eq.named("WSLS")], game=AX, n=25, noise=0.1)
    assert bool(exact.exact.all()) and not sim.exact.values[:2, :].any()
    z = (sim.payoff_row.values - exact.payoff_row.values) / np.maximum(sim.payoff_row_se.values, 1e-12)
    assert np.all(np.abs(z[sim.payoff_row_se.values > 0]) < 4.5)


def test_cli_axelrod_names_summary_and_csv(tmp_path, capsys):
    out = tmp_path / "t.nc"
    rc = main(["tournament", "TFT", "Tit For 2 Tats", "Grudger", "--game", "axelrod", "-n", "20", "--noise", "0.05",
               "-o", str(out), "--csv", str(tmp_path / "rank.csv"), "--no-plot"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "finite-state" in text and "score/round" in text and "payoff_row (row \\ col)" in text
    ds = load_tournament(out)
    assert bool(ds.exact.all()) and list(ds.row.values) == ["TFT", "Tit For 2 Tats", "Grudger"]
    rank = (tmp_path / "rank.csv").read_text().splitlines()
    assert rank[0].startswith("rank,name,kind,score") and len(rank) == 4
    assert len((tmp_path / "rank.cells.csv").read_text().splitlines()) == 10
    assert main(["tournament", "TFT", "Tit For 3 Tats", "-o", str(out)]) == 2
    assert "did you mean" in capsys.readouterr().err
