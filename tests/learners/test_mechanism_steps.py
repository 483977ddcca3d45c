"""First-time-user problems of issue #13: mechanism steps run alone, mechanism-mode flags reach
the trainers, studies exit with a one-line error, the PPI banner shows the requested phases."""

import json

import pytest

from eqtools.cli import main
from eqtools.errors import ParameterError
from learners.a2c.mechanism import step_configs
from learners.a2c.config import preset_config

SHAPE = ["--horizon", "8", "--batch", "16", "--hidden", "8", "--embed", "8", "--eval-episodes", "4", "--seeds", "1",
         "--eval-every", "2", "--no-progress", "--no-plots"]


def _cfg(d, step):
    return json.loads((d / step / "config.json").read_text())


def test_mechanism_steps_run_alone_and_flags_reach_every_step(tmp_path, capsys):
    out = tmp_path / "mech"
    base = ["train", "a2c", "--preset", "smoke", "--mode", "mechanism", "--out", str(out), *SHAPE]
    # step 2 alone without a step 1: a named error, not a traceback
    assert main(base + ["--mechanism-iterations", "0,2,0"]) == 2
    assert "step1" in capsys.readouterr().err
    # step 1 alone, with common flags and a per-step override
    assert main(base + ["--mechanism-iterations", "2,0,0", "--entropy", "0.005", "--reward-scale", "0.05",
                        "--hyper", "1:entropy_coef=0.02,anneal_iters=3"]) == 0
    assert (out / "step1" / "checkpoint.pkl").exists() and not (out / "step2").exists()
    h1 = _cfg(out, "step1")["hyper"]
    assert h1["entropy_coef"] == 0.02 and h1["reward_scale"] == 0.05 and h1["anneal_iters"] == 3
    # then step 2 alone on that step 1; flags apply to step 2 as well
    assert main(base + ["--mechanism-iterations", "0,2,0", "--entropy", "0.005"]) == 0
    h2 = _cfg(out, "step2")["hyper"]
    assert h2["entropy_coef"] == 0.005 and h2["advantage_centering"] is False  # Table 2 step 2 otherwise
    assert not (out / "step3").exists()
    assert main(base + ["--mechanism-iterations", "0,0,2"]) == 0
    assert _cfg(out, "step3")["hyper"]["lr"] == 5e-4


def test_step_configs_iterations_validation():
    base = preset_config("smoke")
    c1, c2, c3 = step_configs(base, [5, 0, 0])
    assert c1.iterations == 5
    for bad in ([0, 0, 0], [1, -1, 1], [1, 1], ["a", 1, 1]):
        with pytest.raises(ParameterError, match="iterations"):
            step_configs(base, bad)


def test_study_exits_with_one_line_error(capsys):
    from studies import cli_entry
    from studies.a2c_mechanism import main as mech_main

    assert cli_entry(mech_main, ["--iterations", "1,x,1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --iterations") and "Traceback" not in err


def test_ppi_banner_shows_requested_phases(tmp_path, capsys):
    # phases 1,0,1 are refused by the pipeline after the banner: cheap, and the banner is printed
    rc = main(["train", "ppi", "--preset", "smoke", "--mode", "mechanism", "--mechanism-phases", "3,0,2",
               "--out", str(tmp_path / "p"), "--no-progress", "--no-plots"])
    cap = capsys.readouterr()
    assert rc == 2 and "phases 3,0,2 (steps 1,2,3)" in cap.out


def test_studies_default_to_runs():
    import inspect

    import studies.a2c
    import studies.a2c_mechanism
    import studies.ppi
    import studies.shaping

    for mod in (studies.a2c, studies.a2c_mechanism, studies.ppi, studies.shaping):
        src = inspect.getsource(mod.main) if hasattr(mod, "main") else ""
        assert 'or f"studies/results' not in src, mod.__name__
    assert 'Path("runs/shaping")' in inspect.getsource(studies.shaping)
