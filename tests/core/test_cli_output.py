"""Readable CLI output: tables by default, JSON only with --json, and both say the same thing.

The numbers in the tables are checked against the JSON of the same command and the JSON against
an independent computation (a seeded Monte Carlo of the pair, or the known closed form), so a
table cannot silently drift from the result it summarises.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from eqtools.cli import main


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    assert rc == 0, err.getvalue()
    return out.getvalue()


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_payoff_table_and_json_agree():
    argv = ["payoff", "TFT", "ALLD", "--game", "axelrod", "--horizon", "10"]
    text, js = _cli(argv), json.loads(_cli(argv + ["--json"]))
    assert not _is_json(text)
    # TFT vs ALLD over 10 rounds (Axelrod payoffs): TFT gets S once then P: (0 + 9 * 1) / 10.
    assert js["payoff_x"] == pytest.approx(0.9) and js["payoff_y"] == pytest.approx((5 + 9) / 10)
    assert js["coop_x"] == pytest.approx(0.1) and js["coop_y"] == 0.0
    assert "game axelrod: (R, S, T, P) = (3, 0, 5, 1)" in text and "finite(n=10)" in text
    rows = {ln.split()[0] + ln.split()[1]: ln for ln in text.splitlines() if ln.startswith(("x (row)", "y (column)"))}
    assert rows["x(row)"].split()[2:3] == ["TFT"] and rows["y(column)"].split()[2:3] == ["ALLD"]
    assert rows["x(row)"].split()[-2:] == ["0.9", "0.1"]
    assert rows["y(column)"].split()[-2:] == ["1.4", "0"]
    assert "payoff/round" in text and "cooperation" in text


def test_payoff_simulated_cross_check_in_table():
    argv = ["payoff", "WSLS", "Random", "--horizon", "20", "--simulate", "400", "--seed", "3"]
    text, js = _cli(argv), json.loads(_cli(argv + ["--json"]))
    sim = js["simulated"]
    assert abs(sim["payoff_x"] - js["payoff_x"]) < 5 * sim["payoff_x_se"] + 1e-9  # Monte Carlo agrees with exact
    assert "simulated (400 seeded matches)" in text


def test_solve_tables_by_default_json_with_flag(tmp_path):
    for argv, must in (
        (["solve", "best-response", "--coplayer", "TFT", "--gamma", "0.9"], ["co-player: TFT", "best response:", "Q(C)"]),
        (["solve", "zd", "--strategy", "Extort-2", "--game", "axelrod"], ["verdict: extortionate", "chi"]),
        (["solve", "alpharank", "--strategies", "TFT", "ALLD", "WSLS", "--alpha", "1"],
         ["mass (alpha -> inf)", "ALLD", "better-response sinks"]),
    ):
        text = _cli(argv)
        assert not _is_json(text), argv
        for m in must:
            assert m in text, (argv, m, text)
        assert _is_json(_cli(argv + ["--json"])), argv


def test_zd_table_reports_the_fitted_chi():
    argv = ["solve", "zd", "--strategy", "Extort-2", "--game", "axelrod"]
    js = json.loads(_cli(argv + ["--json"]))
    assert js["chi"] == pytest.approx(2.0)  # Press & Dyson's Extort-2 enforces chi = 2
    row = next(ln for ln in _cli(argv).splitlines() if ln.startswith("chi "))
    assert float(row.split()[-1]) == pytest.approx(2.0)


def test_solve_out_writes_file_and_still_prints_table(tmp_path):
    path = tmp_path / "sub" / "ar.json"
    text = _cli(["solve", "alpharank", "--strategies", "TFT", "ALLD", "--out", str(path)])
    assert not _is_json(text) and "mass" in text
    assert json.loads(path.read_text())["labels"] == ["TFT", "ALLD"]
