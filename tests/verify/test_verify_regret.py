"""The in-context regret section of ``eqtools verify`` (learners.verification.regret_section and the CLI)."""

import json

import numpy as np
import pytest

from eqtools.cli import main
from solvers.simulate import MemoryOnePolicy
from learners.verification import regret_section


def test_regret_section_alld_agent_matches_exact_alld_column(tmp_path):
    res = regret_section([MemoryOnePolicy(np.zeros(5), "ALLD-agent")], tmp_path, "paper", n=100, draws=20, matches=4,
                         heldout=[[1, 1, 0, 1, 0.5], [0.5, 0.9, 0.1, 0.8, 0.2]], temperatures=(1.0,))
    g = res["ALLD-agent"]["groups"]
    # ALLD against deterministic-or-not co-players: its simulated regret estimates the exact ALLD regret
    for grp in ("random", "library", "heldout"):
        assert g[grp]["regret"] == pytest.approx(g[grp]["alld_regret"], abs=4 * g[grp]["regret_se"] + 0.02)
    lib = json.loads((tmp_path / "regret.json").read_text())["coplayers"][0]
    row = {r["coplayer"]: r for r in lib}
    assert row["ALLC"]["agent_reward"] == 2.0 and row["ALLC"]["regret"] == 0.0
    assert row["TFT"]["br_value"] == pytest.approx(1.01)
    for f in ("regret.md", "regret.png", "regret_rounds.png"):
        assert (tmp_path / f).exists()
    assert res["ALLD-agent"]["targets"]["reward vs ALLD"]["met"] is True


def test_verify_cli_regret_section(tmp_path, capsys):
    run = tmp_path / "run"
    shape = ["--horizon", "12", "--batch", "16", "--hidden", "8", "--embed", "8", "--eval-episodes", "4"]
    assert main(["train", "a2c", "--preset", "smoke", "--seeds", "1", "--iterations", "2", "--eval-every", "2",
                 "--out", str(run), "--no-progress", "--no-plots", *shape]) == 0
    assert main(["verify", str(run), "--matches", "4", "--regret-draws", "6", "--regret-matches", "2",
                 "--heldout", "1,1,0,1,0.5", "--temperatures", "0"]) == 0
    out = capsys.readouterr().out
    assert "in-context regret" in out and "a2c1-seed0 greedy" in out
    md = (run / "verify" / "regret.md").read_text()
    assert "| random | 6 |" in md and "ALLD" in md
    assert main(["verify", str(run), "--matches", "4", "--regret-draws", "4", "--temperatures", "x"]) != 0
    assert "--temperatures" in capsys.readouterr().err
