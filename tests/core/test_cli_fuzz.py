"""CLI fuzz test: bad flags give exit code 2 and a one-line message on stderr, never a traceback.

A seeded generator mutates valid command lines of every subcommand (a bad value for one option,
an unknown option, a bad strategy, a missing argument, contradictory options, damaged files) so
that each generated command line is invalid by construction.  Each runs in-process through
``eqtools.cli.main(argv)`` with captured output.  Two subprocess checks cover the real entry point
and the ``--debug`` traceback for developers.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

from eqtools.cli import main

N_CASES = 240  # generated command lines (seeded)
SEED = 12

FINITE_BAD = ["nan", "inf", "-inf", "x", "", "1,2"]
GAMMA_BAD = ["0", "1", "-0.5", "1.5", "nan", "inf", "x"]
INT_POS_BAD = ["0", "-3", "1.5", "x", ""]
SEED_BAD = ["-1", "-100", "x", "1.5"]
STRATEGY_BAD = ["nope", "tft", "1,2,3", "1,1,1,1,2", "nan,1,1,1,1", "a,b,c,d,e", "Extort-0.5", "Extort-nan",
                "Generous-x", "=", "x=", "-0.1,0,0,0,0", "1,,1,1,1", ""]
PAYOFFS_BAD = ["1,2,3", "a,b,c,d", "nan,0,5,1", "inf,0,5,1", "1,2,3,4,5", "", ","]
GAME_BAD = ["nope", "", "PAPER"]
NOISE_BAD = ["-0.1", "0.6", "nan", "inf", "x"]


def _commands(tmp: Path) -> dict[str, tuple[list[str], dict[str, list[str]], list[int]]]:
    """name -> (valid argv, {option: bad values}, positions of strategy arguments in argv)."""
    run_out = str(tmp / "run")
    return {
        "payoff": (["payoff", "TFT", "ALLD"],
                   {"--game": GAME_BAD, "--payoffs": PAYOFFS_BAD, "--horizon": INT_POS_BAD, "--gamma": GAMMA_BAD,
                    "--simulate": ["-1", "x", "1.5"], "--seed": SEED_BAD, "--noise": NOISE_BAD}, [1, 2]),
        "tournament": (["tournament", "TFT", "ALLD", "--no-plot", "-o", str(tmp / "t.nc")],
                       {"--game": GAME_BAD, "--payoffs": PAYOFFS_BAD, "--horizon": INT_POS_BAD, "--gamma": GAMMA_BAD,
                        "--random": ["-1", "x"], "--seed": SEED_BAD, "--noise": NOISE_BAD,
                        "--analyse-time-limit": ["0", "-1", "nan", "x"]}, [1, 2]),
        "best-response": (["solve", "best-response", "--coplayer", "TFT"],
                          {"--game": GAME_BAD, "--gamma": GAMMA_BAD, "--horizon": INT_POS_BAD, "--noise": NOISE_BAD}, [3]),
        "nash": (["solve", "nash", "--pair", "TFT", "ALLD"],
                 {"--game": GAME_BAD, "--gamma": GAMMA_BAD, "--horizon": INT_POS_BAD, "--noise": NOISE_BAD}, [3, 4]),
        "zd": (["solve", "zd", "--strategy", "TFT"], {"--game": GAME_BAD, "--tol": ["-1", "nan", "inf", "x"]}, [3]),
        "alpharank": (["solve", "alpharank", "--strategies", "TFT", "ALLD"],
                      {"--game": GAME_BAD, "--gamma": GAMMA_BAD, "--horizon": INT_POS_BAD,
                       "--alpha": ["-1", "nan", "inf", "x"], "--m": ["0", "1", "-5", "x", "1.5"],
                       "--selection": ["nope", ""]}, [3, 4]),
        "predictive": (["solve", "predictive", "--beta", "1"],
                       {"--game": GAME_BAD, "--beta": ["nan", "inf", "-1", "x"], "--gamma-q": ["2", "nan", "-1", "x"],
                        "--lookahead": ["0", "-1", "x"], "--prior-weight": ["-1", "nan", "x"],
                        "--episode-length": ["0", "-1", "x"], "--reference": ["nope"]}, []),
        "a2c": (["train", "a2c", "--no-progress", "--no-plots", "--out", run_out],
                {"--lr": FINITE_BAD + ["-1", "0"], "--reward-scale": FINITE_BAD + ["0", "-1"],
                 "--entropy": FINITE_BAD + ["-1"], "--gae-lambda": ["2", "-0.1", "nan"], "--seeds": ["0", "-1", "x"],
                 "--seed": SEED_BAD, "--iterations": INT_POS_BAD, "--batch": ["0", "-1", "x"], "--hidden": ["0", "x"],
                 "--horizon": ["0", "-2"], "--tabular-share": ["2", "-0.5", "nan"], "--tabular": ["nope"],
                 "--game": GAME_BAD, "--eval-every": ["0", "-1"], "--max-minutes": ["0", "-1", "nan", "inf"],
                 "--table2-step": ["0", "5", "x"], "--preset": ["nope"], "--ablation": ["nope"]}, []),
        "ppi": (["train", "ppi", "--no-progress", "--no-plots", "--out", run_out],
                {"--lr": FINITE_BAD + ["-1", "0"], "--beta": ["nan", "inf", "-1", "x"],
                 "--weight-decay": ["-1", "nan", "inf"], "--phases": ["0", "-1"], "--episodes": ["0", "x"],
                 "--seed": SEED_BAD, "--hidden": ["0"], "--tabular-share": ["2", "nan"], "--tabular": ["nope"],
                 "--game": GAME_BAD, "--n-rollouts": ["-1", "x"], "--batch-size": ["0"], "--preset": ["nope"]}, []),
        "shaping": (["shaping", "run", "--steps", "2"],
                    {"--learners": ["nope", "lola", "lola,pg", ""], "--game": GAME_BAD, "--gamma": GAMMA_BAD,
                     "--seed": SEED_BAD, "--runs": ["0", "-1"], "--steps": ["0", "-1", "x"], "--lr": ["nan", "inf", "-1"],
                     "--preset": ["nope"]}, []),
    }


CONTRADICTIONS = [
    ["payoff", "TFT", "ALLD", "--gamma", "0.9", "--limit"],
    ["payoff", "TFT", "ALLD", "--gamma", "0.9", "--horizon", "5"],
    ["payoff", "TFT", "ALLD", "--limit", "--simulate", "10"],
    ["solve", "best-response", "--coplayer", "TFT", "--gamma", "0.9", "--horizon", "5"],
    ["solve", "nash", "--pair", "TFT", "ALLD", "--strategies", "TFT", "WSLS"],
    ["solve", "nash", "--gamma", "0.9", "--limit"],
    ["train", "a2c", "--mode", "mechanism", "--table2-step", "1", "--no-progress"],
    ["train", "a2c", "--ablation", "no-tabular", "--tabular-share", "0.5", "--no-progress"],
    ["shaping", "run", "--learners", "lola,naive", "--beta", "1"],
    ["tournament", "TFT", "ALLD", "--no-plot", "--json"],
    ["tournament", "TFT", "ALLD", "--no-plot", "--analyse-time-limit", "5"],
]

MISSING = [
    ["payoff"], ["payoff", "TFT"], ["solve"], ["solve", "best-response"], ["solve", "zd"], ["solve", "alpharank"],
    ["solve", "alpharank", "--strategies", "TFT"], ["solve", "predictive"], ["train"], ["shaping"], ["verify"],
    ["tournament", "--no-plot"], [], ["nope"], ["solve", "nope"], ["train", "nope"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    (d / "garbage.pkl").write_bytes(b"not a pickle")
    (d / "empty.pkl").write_bytes(b"")
    (d / "dict.pkl").write_bytes(pickle.dumps({"a": 1}))
    for name, content in (("run_garbage", b"\x80\x04garbage"), ("run_dict", pickle.dumps({"a": 1})),
                          ("run_trunc", pickle.dumps({"config": {}, "params": list(range(50))})[:30]),
                          ("run_badcfg", pickle.dumps({k: {} for k in ("config", "iteration", "params", "opt_state",
                                                                         "history", "eval_iters", "eval_history")}))):
        (d / name).mkdir()
        (d / name / "checkpoint.pkl").write_bytes(content)
    (d / "run_empty").mkdir()
    (d / "afile").write_text("x")
    return d


def _file_cases(d: Path) -> list[list[str]]:
    return [
        ["verify", str(d / "nonexistent")], ["verify", str(d / "run_empty")], ["verify", str(d / "run_garbage")],
        ["verify", str(d / "run_dict")], ["verify", str(d / "run_trunc")], ["verify", str(d / "run_badcfg")],
        ["verify", "--ppi", str(d / "garbage.pkl")], ["verify", "--ppi", str(d / "empty.pkl")],
        ["verify", "--ppi", str(d / "dict.pkl")], ["verify", "--ppi", str(d)],
        ["verify", "--ppi", str(d / "missing.pkl")], ["verify", "--ppi", "a", "b", "c"],
        ["verify", str(d / "run_garbage"), "--ppi", str(d / "garbage.pkl")],
        ["verify", str(d / "run_garbage"), "--seed-index", "-1"], ["verify", str(d / "run_garbage"), "--matches", "0"],
        ["tournament", "TFT", "ALLD", "--no-plot", "-o", str(d)],
        ["tournament", "TFT", "ALLD", "--no-plot", "-o", str(d / "afile" / "t.nc")],
        ["tournament", "TFT", "TFT", "--no-plot", "-o", str(d / "dup.nc")],
        ["tournament", "TFT", "ALLD", "-o", str(d / "p.nc"), "--plot-var", "nope"],
        ["solve", "alpharank", "--strategies", "TFT", "ALLD", "--out", str(d)],
        ["solve", "alpharank", "--strategies", "TFT", "ALLD", "--out", str(d / "x.txt")],
        ["solve", "alpharank", "--strategies", "TFT", "ALLD", "--plot", str(d / "x.unknownext")],
        ["solve", "zd", "--strategy", "TFT", "--out", str(d / "afile" / "x.json")],
        ["train", "a2c", "--out", str(d / "afile"), "--no-progress"],
        ["train", "a2c", "--init-from", str(d / "run_garbage"), "--out", str(d / "r1"), "--no-progress"],
        ["train", "ppi", "--out", str(d / "afile"), "--no-progress"],
        ["shaping", "run", "--out", str(d), "--steps", "2"],
    ]


def generate(tmp: Path, n: int = N_CASES, seed: int = SEED) -> list[list[str]]:
    """``n`` invalid command lines, reproducibly (same seed, same list)."""
    rng = random.Random(seed)
    cmds = _commands(tmp)
    names = sorted(cmds)
    out: list[list[str]] = []
    while len(out) < n:
        argv, options, strat_pos = cmds[rng.choice(names)]
        argv = list(argv)
        kind = rng.choice(["value", "value", "value", "unknown", "strategy", "typo"])
        if kind == "strategy" and strat_pos:
            argv[rng.choice(strat_pos)] = rng.choice(STRATEGY_BAD)
        elif kind == "unknown":
            argv.insert(rng.randrange(1, len(argv) + 1) if argv[0] not in ("solve", "train", "shaping") else len(argv),
                        rng.choice(["--bogus", "--gama", "--json=3", "-q"]))
        elif kind == "typo":
            argv += [rng.choice(["--sed", "--horizn", "--lrr"]), "1"]
        else:
            opt = rng.choice(sorted(options))
            argv += [opt, rng.choice(options[opt])]
        out.append(argv)
    return out


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def _check_bad(argv: list[str]) -> str | None:
    """None if ``argv`` failed as the policy says; else a description of what went wrong."""
    try:
        rc, out, err = run_cli(argv)
    except BaseException as exc:  # noqa: BLE001 - escaping the CLI at all is a failure
        return f"{argv}: escaped main() with {type(exc).__name__}: {exc}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if rc != 2:
        return f"{argv}: exit code {rc}, stderr {err[-300:]!r}"
    if "Traceback" in err or "Traceback" in out:
        return f"{argv}: printed a traceback"
    if len(lines) != 1:
        return f"{argv}: {len(lines)} stderr lines: {err[-400:]!r}"
    if not (lines[0].startswith("eqtools") and ": error: " in lines[0]):
        return f"{argv}: message not 'eqtools...: error: ...': {lines[0]!r}"
    return None


def test_generator_is_seeded(tmp_path):
    assert generate(tmp_path, 50) == generate(tmp_path, 50)
    assert generate(tmp_path, 50) != generate(tmp_path, 50, seed=SEED + 1)


def test_fuzzed_bad_command_lines(tmp_path):
    cases = generate(tmp_path)
    assert len({tuple(c) for c in cases}) > 120  # the generator explores, it does not repeat one case
    failures = [f for f in map(_check_bad, cases) if f]
    assert not failures, f"{len(failures)} of {len(cases)} bad command lines misbehaved:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("argv", CONTRADICTIONS + MISSING, ids=lambda a: " ".join(a) or "<empty>")
def test_contradictory_and_missing_arguments(argv):
    assert _check_bad(argv) is None, _check_bad(argv)


def test_damaged_files_and_unwritable_outputs(files):
    failures = [f for f in map(_check_bad, _file_cases(files)) if f]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("argv", [
    ["payoff", "TFT", "ALLD", "--simulate", "5"], ["tournament", "TFT", "--random", "2", "--no-plot"],
    ["train", "a2c", "--no-progress"], ["train", "ppi", "--no-progress"], ["shaping", "run"], ["verify", "nowhere"],
], ids=lambda a: " ".join(a[:2]))
def test_negative_seed_is_refused_the_same_way_everywhere(argv):
    rc, _, err = run_cli(argv + ["--seed", "-1"])
    assert rc == 2
    assert err.strip() == "eqtools: error: argument --seed: seeds must be non-negative integers, got -1"


def test_internal_error_is_one_line_unless_debugging(monkeypatch):
    import solvers.zd

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(solvers.zd, "fit_zd", boom)
    monkeypatch.delenv("EQTOOLS_DEBUG", raising=False)
    rc, out, err = run_cli(["solve", "zd", "--strategy", "TFT"])
    assert rc == 1 and "Traceback" not in err
    assert err.strip().startswith("eqtools: internal error: RuntimeError: simulated bug") and len(err.strip().splitlines()) == 1
    with pytest.raises(RuntimeError, match="simulated bug"):
        run_cli(["--debug", "solve", "zd", "--strategy", "TFT"])
    monkeypatch.setenv("EQTOOLS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="simulated bug"):
        run_cli(["solve", "zd", "--strategy", "TFT"])


# ------------------------------------------------------------ real entry point (subprocess)

def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("EQTOOLS_DEBUG", None)
    return env


def test_subprocess_bad_input_exit_code_and_one_line():
    p = subprocess.run([sys.executable, "-m", "eqtools", "payoff", "TFT", "nope"], capture_output=True, text=True,
                       env=_env(), timeout=120)
    assert p.returncode == 2
    assert p.stderr.strip().startswith("eqtools: error: unknown strategy 'nope'")
    assert len(p.stderr.strip().splitlines()) == 1 and p.stdout == ""


def test_subprocess_debug_shows_traceback():
    p = subprocess.run([sys.executable, "-m", "eqtools", "--debug", "payoff", "TFT", "nope"], capture_output=True,
                       text=True, env=_env(), timeout=120)
    assert p.returncode == 1
    assert "Traceback" in p.stderr and "ParameterError: unknown strategy 'nope'" in p.stderr
