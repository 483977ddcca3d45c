"""``eqtools solve nash`` (meta-games) and ``eqtools tournament --analyse``: readable by default,
JSON with --json, complete/sampled stated, named errors."""

from __future__ import annotations

import json

import pytest

from eqtools.cli import main


def _run(capsys, *argv):
    rc = main(list(argv))
    return rc, capsys.readouterr()


def test_solve_nash_meta_game_readable_and_json(capsys):
    args = ("solve", "nash", "--strategies", "ALLC", "ALLD", "TFT", "WSLS", "GRIM", "--gamma", "0.9")
    rc, out = _run(capsys, *args)
    assert rc == 0
    text = out.out
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert "COMPLETE" in text and "method: complete enumeration" in text
    assert "ALLD" in text and "payoff row" in text and "found by" in text and "verified" in text
    rc, out = _run(capsys, *args, "--json")
    d = json.loads(out.out)
    assert rc == 0 and d["complete"] is True and d["labels"] == ["ALLC", "ALLD", "TFT", "WSLS", "GRIM"]
    for e in d["equilibria"]:
        assert e["methods"] == ["complete enumeration"] and e["support_row_labels"]
        assert e["max_deviation_gain"] <= d["verification"]["tol_abs"]


def test_solve_nash_sample_says_sampled(capsys):
    rc, out = _run(capsys, "solve", "nash", "--strategies", "ALLC", "ALLD", "TFT", "WSLS", "--sample", "--json")
    d = json.loads(out.out)
    assert rc == 0 and d["complete"] is False and d["method"].startswith("sample:")
    assert all(e["methods"] for e in d["equilibria"])
    rc, out = _run(capsys, "solve", "nash", "--strategies", "ALLC", "ALLD", "TFT", "WSLS", "--sample")
    assert "SAMPLED (not known to be complete)" in out.out and "why not complete" in out.out


def test_tournament_analyse_and_solve_nash_on_the_file(tmp_path, capsys):
    nc = tmp_path / "t.nc"
    rc, out = _run(capsys, "tournament", "TFT", "ALLD", "WSLS", "GRIM", "Extort-2", "--random", "3", "--seed", "0",
                   "-o", str(nc), "--no-plot", "--analyse")
    assert rc == 0
    text = out.out
    assert "Meta-game Nash equilibria" in text and "α-Rank" in text
    assert ("COMPLETE" in text) or ("SAMPLED" in text)
    meta = json.loads((tmp_path / "t.meta.json").read_text())
    assert meta["complete"] in (True, False) and meta["method"] and len(meta["labels"]) == 8
    rc, out = _run(capsys, "tournament", "TFT", "ALLD", "WSLS", "-o", str(tmp_path / "s.nc"), "--no-plot", "--analyse", "--json")
    assert rc == 0 and json.loads(out.out)["labels"] == ["TFT", "ALLD", "WSLS"]  # stdout is pure JSON
    rc, out = _run(capsys, "solve", "nash", "--tournament", str(nc), "--json")
    d = json.loads(out.out)
    assert rc == 0 and d["labels"] == meta["labels"] and d["n_equilibria"] == meta["nash"]["n_equilibria"]


def test_cli_named_errors(tmp_path, capsys):
    rc, out = _run(capsys, "solve", "nash", "--tournament", str(tmp_path / "missing.nc"))
    assert rc == 2 and "no tournament file" in out.err
    rc, out = _run(capsys, "solve", "nash", "--strategies", "TFT", "ALLD", "--tol", "2")
    assert rc == 2 and "tol" in out.err
    rc, out = _run(capsys, "solve", "nash", "--pair", "TFT", "TFT", "--strategies", "ALLD", "TFT")
    assert rc == 2 and "give one of" in out.err
