"""Runner, CLI registration and the study at smoke scale."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.shaping.cli import register
from learners.shaping.exact import ExactConfig
from learners.shaping.runner import make_config, parse_learners
from learners.shaping.sample import SampleConfig


def test_parse_learners_and_errors():
    assert parse_learners("lola, naive") == ("lola", "naive")
    assert parse_learners(["aa", "ac"]) == ("aa", "ac")
    with pytest.raises(ParameterError, match="learners\\[1\\]"):
        parse_learners("lola,lolaa")
    with pytest.raises(ParameterError, match="cannot be paired"):
        parse_learners("lola,aa")
    with pytest.raises(ParameterError, match="two learners"):
        parse_learners("lola")


def test_make_config_presets_and_overrides():
    c = make_config("lola,naive", preset_name="cpu", game="paper", seed=3)
    assert isinstance(c, ExactConfig) and c.runs == 256 and c.rules == ("lola", "naive") and c.seed == 3
    s = make_config("aa,aa", preset_name="smoke", aa_beta=0.5)
    assert isinstance(s, SampleConfig) and s.aa_beta == 0.5
    with pytest.raises(ParameterError, match="preset"):
        make_config("lola,lola", preset_name="huge")
    with pytest.raises(ParameterError, match="unknown setting"):
        make_config("lola,lola", aa_beta=1.0)


def _parser():
    p = argparse.ArgumentParser(prog="eqtools")
    register(p.add_subparsers(dest="command"))
    return p


def test_cli_run_writes_a_summary(tmp_path, capsys):
    out = tmp_path / "s.json"
    args = _parser().parse_args(
        ["shaping", "run", "--preset", "smoke", "--learners", "lola,naive", "--runs", "3", "--steps", "5", "--out", str(out)]
    )
    assert args.func(args) == 0
    d = json.loads(out.read_text())
    assert d["learners"] == ["lola", "naive"] and d["runs"] == 3 and d["config"]["steps"] == 5
    assert abs(sum(d["share"].values()) - 1.0) < 1e-12
    assert json.loads(capsys.readouterr().out) == d
    bad = _parser().parse_args(["shaping", "run", "--learners", "lola,lola", "--beta", "1"])
    with pytest.raises(ParameterError, match="--beta"):
        bad.func(bad)


def test_learners_package_does_not_import_studies():
    pkg = Path(__file__).resolve().parents[2] / "learners" / "shaping"
    for f in pkg.glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+studies", f.read_text(), re.M), f.name


def test_study_smoke_writes_outputs(tmp_path):
    from studies.shaping import run_study

    s = run_study(
        "smoke",
        out=tmp_path / "out",
        runs_dir=tmp_path / "raw",
        games=("lola",),
        pairings=(("naive", "naive"), ("aa", "aa")),
        verbose=False,
    )
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"summary.json", "curves.nc", "coop_curves.png", "final_policies.png", "outcome_shares.png"} <= files
    assert (tmp_path / "raw" / "lola_naive-naive.npz").exists()
    r = s["results"]["lola/naive-naive"]
    assert r["runs"] == 8 and r["share"]["defection"] >= 0.5
    pol = np.asarray(r["median_policy"])
    assert pol.shape == (2, 5) and np.all((pol >= 0) & (pol <= 1))
    assert "nash" in r["analysis"] and "zd" in r["analysis"]
