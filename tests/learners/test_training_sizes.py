"""Training sizes refused up front (issue 22): before, these crashed with MemoryError / XLA
RESOURCE_EXHAUSTED / OverflowError after setup, or (--seeds 1000000) hung."""

from __future__ import annotations

import contextlib
import io

import pytest

from eqtools.cli import main
from eqtools.errors import SizeLimitError
from learners.ppi.config import PPIConfig
from learners.a2c.config import TrainConfig

CASES = [("hidden", 10**9), ("eval_episodes", 10**12), ("horizon", 10**18), ("seeds", 10**6)]


@pytest.mark.parametrize("field,value", CASES)
@pytest.mark.parametrize("cls", [TrainConfig, PPIConfig])
def test_config_refuses_huge_sizes(cls, field, value):
    with pytest.raises(SizeLimitError, match=field):
        cls(**{field: value})


@pytest.mark.parametrize("field,value", CASES)
@pytest.mark.parametrize("learner", ["a2c", "ppi"])
def test_cli_refuses_huge_sizes(tmp_path, learner, field, value):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["train", learner, "--no-progress", "--no-plots", "--out", str(tmp_path / "run"),
                   f"--{field.replace('_', '-')}", str(value)])
    assert rc == 2
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    assert len(lines) == 1 and field in lines[0] and "largest size served" in lines[0]
    assert not (tmp_path / "run" / "checkpoint.pkl").exists()


def test_presets_still_valid():
    from learners.ppi.config import PRESETS as PPI_PRESETS
    from learners.a2c.config import PRESETS

    assert PRESETS and PPI_PRESETS  # constructing them ran the checks
