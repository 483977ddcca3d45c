"""``eqtools train a2c`` and the study driver (tiny shapes shared with test_a2c_train)."""

import json

import pytest

from eqtools.cli import main

SHAPE_ARGS = ["--horizon", "10", "--batch", "16", "--hidden", "8", "--embed", "16", "--eval-episodes", "4"]


def test_cli_trains_writes_results_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "a2c", "--preset", "smoke", "--seeds", "1", "--iterations", "3", "--eval-every", "3",
            "--out", str(out), "--no-progress", *SHAPE_ARGS]
    assert main(args) == 0
    for f in ("metrics.nc", "eval.nc", "rounds.nc", "summary.json", "checkpoint.pkl", "training.png", "rounds.png", "eval.png"):
        assert (out / f).exists(), f
    first = json.loads((out / "summary.json").read_text())
    # extending the run resumes from the checkpoint (3 -> 5 iterations)
    assert main([a if a != "3" or i != args.index("--iterations") + 1 else "5" for i, a in enumerate(args)]) == 0
    second = json.loads((out / "summary.json").read_text())
    assert first["iterations"] == 3 and second["iterations"] == 5


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--ablation", "opponent-id", "--tabular-share", "0"], "tabular_share"),
        (["--ablation", "no-tabular", "--tabular-share", "0.5"], "tabular_share"),
        (["--seeds", "0"], "seeds"),
        (["--tabular", "NOPE"], "NOPE"),
        (["--lr", "-1"], "lr"),
    ],
)
def test_cli_impossible_configs_give_clear_errors(tmp_path, capsys, extra, needle):
    rc = main(["train", "a2c", "--preset", "smoke", "--out", str(tmp_path / "x"), "--no-progress", *extra])
    assert rc == 2
    err = capsys.readouterr().err
    assert "eqtools: error:" in err and needle in err


def test_study_smoke_writes_plots_and_summary(tmp_path):
    from studies.a2c import run_study

    out = run_study("smoke", seeds=1, runs_dir=tmp_path / "runs", results_dir=tmp_path / "res", progress=False,
                    iterations=3, eval_every=3, horizon=10, batch=16, hidden=8, embed=16, eval_episodes=4)
    assert set(out["conditions"]) == {"none", "opponent-id", "no-tabular"}
    for f in ("training.png", "rounds.png", "eval.png", "study_summary.json", "rounds_none.nc", "eval_no-tabular.nc"):
        assert (tmp_path / "res" / f).stat().st_size > 0, f
    assert out["conditions"]["no-tabular"]["config"]["ablation"] == "no-tabular"
    table = (tmp_path / "res" / "results.md").read_text()
    assert table.count("| no-tabular | 0 |") == 1 and "eval coop L-L" in table
