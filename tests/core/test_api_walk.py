"""The public-API walker as tests (issue 22); the walker itself is ``tests/core/api_walk.py``.

* ``test_every_public_function_meets_hostile_values``: every discovered public function that is
  not in the pending ratchet is walked in a separate process (address-space limit, per-call
  timeout); any raw exception, hang or invariant failure fails the test with the list of cases.
* ``test_new_public_functions_are_covered``: a discovered function is either walked or listed,
  with a reason, in ``api_walk_pending.txt``; listed names must still exist (the list only shrinks).
* ``test_walker_fails_on_a_planted_unvalidated_function``: a function planted in a public
  module's ``__all__`` is discovered automatically and, unvalidated, fails the walk; the same
  function behind ``@validated`` passes.
* The CLI half: every numeric option of every subcommand (found from the argparse parsers, not
  from a list) is fed non-numbers and non-finite values and must exit 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Annotated

import pytest

from eqtools.validation import Interval, OneOf, validated

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_walk  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _walk(tmp_path, tier: str, timeout: float) -> dict:
    out = tmp_path / "walk.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               EQTOOLS_API_WALK_TIER=tier)
    try:
        subprocess.run([sys.executable, str(Path(api_walk.__file__)), str(out)], env=env, cwd=tmp_path, timeout=timeout,
                       check=True, capture_output=True)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hang in C code the alarm cannot stop
        stuck = out.with_suffix(".progress")
        pytest.fail(f"the walk hung in {stuck.read_text() if stuck.exists() else '?'}")
    rep = json.loads(out.read_text())
    assert not rep["not_walkable"], (
        "public functions that cannot be walked; give them an argument builder (api_walk.CALL_BUILDERS / "
        f"NAME_BUILDERS) or list them with a reason in api_walk_pending.txt: {rep['not_walkable']}")
    assert not rep["failures"], "\n".join(rep["failures"])
    return rep


def test_every_public_function_meets_hostile_values(tmp_path):
    rep = _walk(tmp_path, "fast", 600)
    assert len(rep["walked"]) >= 50 and rep["cases"] >= 500  # the walk walks
    assert not set(rep["walked"]) & api_walk.SLOW


@pytest.mark.slow
def test_slow_public_functions_meet_hostile_values(tmp_path):
    """The functions that train or need a tiny trained run (api_walk_learners.SLOW), in their own process."""
    rep = _walk(tmp_path, "slow", 1200)
    assert set(rep["walked"]) == api_walk.SLOW - set(api_walk.read_pending())


def test_new_public_functions_are_covered():
    found = set(api_walk.discover())
    pending = api_walk.read_pending()
    stale = sorted(set(pending) - found)
    assert not stale, f"api_walk_pending.txt names functions that are no longer public: {stale}"
    assert all(reason for reason in pending.values()), "every pending entry needs its reason"
    # the slow tier names walked functions only: it can neither hide a function nor name a stale one
    assert api_walk.SLOW <= found and not api_walk.SLOW & set(pending), sorted(api_walk.SLOW - found)


def _plant(monkeypatch, fn):
    import solvers.payoffs as mod

    fn.__module__ = mod.__name__
    monkeypatch.setattr(mod, fn.__name__, fn, raising=False)
    monkeypatch.setattr(mod, "__all__", [*mod.__all__, fn.__name__])
    return f"{mod.__name__}.{fn.__qualname__}"


def planted_rate(game: str, rate: float = 0.5) -> float:
    """A planted public function whose ``rate`` is not validated."""
    return math.log(rate) * len(game)


def test_walker_fails_on_a_planted_unvalidated_function(monkeypatch):
    q = _plant(monkeypatch, planted_rate)
    found = api_walk.discover()
    assert q in found  # discovered automatically, no list to update
    reason, failures = api_walk.walk_function(q, found[q], full=True)
    assert reason is None
    assert any("rate=wrong type" in f and "raw TypeError" in f for f in failures), failures
    assert any("rate=negative" in f and "raw ValueError" in f for f in failures), failures
    # and the CI-sized (sampled) walk catches it too: the wrong-type value is always fed
    assert api_walk.walk_function(q, found[q], full=False)[1]


def test_walker_passes_the_same_function_validated(monkeypatch):
    @validated
    def planted_rate_ok(game: Annotated[str, OneOf("paper")], rate: Annotated[float, Interval(0, 1, lo_open=True)] = 0.5) -> float:
        return math.log(rate) * len(game)

    planted_rate_ok.__name__ = planted_rate_ok.__qualname__ = "planted_rate_ok"
    q = _plant(monkeypatch, planted_rate_ok)
    reason, failures = api_walk.walk_function(q, api_walk.discover()[q], full=True)
    assert reason is None and failures == []


def test_walker_catches_a_hang(monkeypatch):
    def planted_loop(n: int = 3) -> int:
        i = 0
        while i < n:
            i += 1
        return i

    monkeypatch.setattr(api_walk, "CALL_TIMEOUT_S", 0.5)
    _, failures = api_walk.walk_function("planted_loop", planted_loop, full=True)
    assert any("huge" in f and "hang" in f for f in failures), failures


# ------------------------------------------------------------------ the CLI half

def _subcommands(parser: argparse.ArgumentParser, prefix=()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for a in subs:
        for name, p in a.choices.items():
            yield from _subcommands(p, (*prefix, name))


def _numeric_options(parser):
    return [a for a in parser._actions if a.option_strings and a.nargs != 0 and a.type in (int, float)]


#: A valid command line per subcommand (the bad value is appended); a new subcommand needs one here.
def _bases(tmp):
    from test_cli_fuzz import _commands

    c = {k: v[0] for k, v in _commands(tmp).items()}
    return {("solve", "best-response"): c["best-response"], ("solve", "nash"): c["nash"], ("solve", "zd"): c["zd"],
            ("solve", "alpharank"): c["alpharank"], ("solve", "predictive"): c["predictive"], ("train", "a2c"): c["a2c"],
            ("train", "ppi"): c["ppi"], ("shaping", "run"): c["shaping"], ("payoff",): c["payoff"],
            ("tournament",): c["tournament"],
            ("evolve", "stationary"): ["evolve", "stationary", "ALLD", "TFT"],
            ("evolve", "run"): ["evolve", "run", "--runs", "2", "--steps", "2", "--no-plot", "--no-progress",
                                "-o", str(tmp / "r.nc")],
            ("evolve", "adaptive"): ["evolve", "adaptive", "TFT", "--t-max", "0.1", "-o", str(tmp / "a.nc")],
            ("verify",): ["verify", str(tmp / "no-run")]}


def test_cli_numeric_options_refuse_non_numbers(tmp_path):
    from eqtools.cli import build_parser

    from test_cli_fuzz import _check_bad

    bases = _bases(tmp_path)
    subs = dict(_subcommands(build_parser()))
    assert not set(subs) - set(bases), f"subcommands without a base command line: {sorted(set(subs) - set(bases))}"
    failures, walked = [], 0
    for path, parser in subs.items():
        for act in _numeric_options(parser):
            for bad in ("x", "nan", "inf", ""):
                walked += 1
                err = _check_bad([*bases[path], act.option_strings[-1], bad])
                if err:
                    failures.append(err)
    assert walked >= 400
    assert not failures, "\n".join(failures)
