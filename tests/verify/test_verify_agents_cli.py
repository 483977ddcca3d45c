"""``eqtools verify`` with user agents (--agent, --axelrod), recorded play (--log) and its option errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eqtools.cli import main

AGENT_FILE = '''
import numpy as np

def tf2t(own, other):
    return 0.0 if len(other) >= 2 and other[-1] == 1 and other[-2] == 1 else 1.0

coin = lambda own, other: 0.5
NOT_AN_AGENT = 42

import flax.linen as nn
import jax
import jax.numpy as jnp
from learners.agents import as_policy


class Table(nn.Module):
    """Feed-forward: one logit of cooperating per observation token (a memory-one rule)."""

    @nn.compact
    def __call__(self, obs):
        return self.param("logit", lambda k: jnp.array([3.0, 3.0, -3.0, 3.0, -3.0]))[obs]


flax_agent = as_policy(Table(), params=Table().init(jax.random.PRNGKey(0), jnp.zeros(2, jnp.int32)),
                       output="logit", name="flax-table")
'''

TORCH_FILE = '''
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embed = torch.nn.Embedding(5, 4)
        self.cell = torch.nn.GRUCell(4, 8)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, obs, h):
        h = self.cell(self.embed(obs), h)
        return self.head(h), h

net = Net()
'''

SMALL = ["--horizon", "12", "--matches", "4"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "user_agents.py").write_text(AGENT_FILE)
    return tmp_path


def test_function_agent_by_module_and_file(workdir, capsys):
    assert main(["verify", "--agent", "user_agents:tf2t", *SMALL, "--regret-draws", "2", "--regret-matches", "2",
                 "--regret-gamma", "0.9", "--json", "--out", "v1"]) == 0
    s = json.loads(capsys.readouterr().out)
    a = s["agents"][0]
    assert a["name"] == "tf2t" and a["kl_gap"] > 0.05 and a["history_blind"] is None
    assert set(s["regret"]["tf2t"]["groups"]) == {"random", "reciprocators", "library", "heldout"}
    assert json.loads((workdir / "v1" / "regret.json").read_text())["gamma"] == 0.9
    assert main(["verify", "--agent", "user_agents.py:coin", *SMALL, "--regret-draws", "0", "--out", "v2"]) == 0
    out = capsys.readouterr().out
    assert "coin: history-blind" in out and "every history-blind strategy is ZD" in out
    md = (workdir / "v2" / "verify.md").read_text()
    assert "history-blind" in md


def test_axelrod_pair_with_noise(workdir, capsys):
    assert main(["verify", "--axelrod", "Grudger", "--agent", "user_agents:flax_agent", *SMALL, "--noise", "0.05",
                 "--regret-draws", "0", "--json", "--out", "v3"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in s["agents"]] == ["flax-table", "Grudger"] and s["pair"] is not None
    sig = 1 / (1 + np.exp(-3.0))
    np.testing.assert_allclose(s["agents"][0]["projection"], [sig, sig, 1 - sig, sig, 1 - sig], atol=1e-6)
    cfg = json.loads(__import__("xarray").open_dataset(workdir / "v3" / "verify.nc", engine="scipy").attrs["config"])
    assert cfg["noise"] == 0.05


def test_torch_agent(workdir, capsys):
    pytest.importorskip("torch", reason="torch is not installed (optional extra eqtools[torch])")
    (workdir / "torch_agent.py").write_text(TORCH_FILE)
    assert main(["verify", "--agent", "torch_agent.py:net", *SMALL, "--regret-draws", "0", "--json", "--out", "v4"]) == 0
    s = json.loads(capsys.readouterr().out)
    p = np.array(s["agents"][0]["projection"])
    assert s["agents"][0]["name"] == "Net" and np.all((p >= 0) & (p <= 1))


def test_log(workdir, capsys):
    from learners.mixture import simulate_library_log

    rng = np.random.default_rng(0)
    log = simulate_library_log(["TFT"] * 20 + ["ALLD"] * 20, rng.random((40, 5)), rounds=10, epsilon=0.05, seed=1)
    df = log.to_frame()
    df["own"] = (df["own"] == "C").astype(int)
    df["other"] = (df["other"] == "C").astype(int)
    df.to_csv("plays.csv", index=False)
    assert main(["verify", "--log", "plays.csv", "--cooperate", "1", "--bootstrap", "10", "--json", "--out", "vl"]) == 0
    d = json.loads(capsys.readouterr().out)
    shares = {k: v["share"] for k, v in d["mixture"]["strategies"].items()}
    assert shares["TFT"] > 0.3 and shares["ALLD"] > 0.3 and d["mixture"]["unit"] == "subject"
    assert (workdir / "vl" / "verify_log.json").is_file()
    assert main(["verify", "--log", "plays.csv", "--cooperate", "1", "--bootstrap", "0"]) == 0
    assert "memory order" in capsys.readouterr().out


@pytest.mark.parametrize("argv, msg", [
    (["--axelrod", "Tit For 2 Tat"], "did you mean 'Tit For 2 Tats'"),
    (["--agent", "user_agents:NOT_AN_AGENT"], "Accepted"),
    (["--agent", "user_agents:missing"], "no attribute 'missing'"),
    (["--agent", "nope_module:x"], "cannot be imported"),
    (["--agent", "no-colon"], "module:object"),
    (["--agent", "user_agents:tf2t", "--ppi", "a.pkl"], "exactly one"),
    (["--log", "plays.csv", "--agent", "user_agents:tf2t"], "exactly one"),
    ([], "exactly one"),
    (["--agent", "user_agents:tf2t", "--cooperate", "1"], "--cooperate"),
    (["run_dir", "--game", "paper"], "--game"),
    (["--agent", "user_agents:tf2t", "--seed-index", "1"], "--seed-index"),
    (["--agent", "user_agents:tf2t", "--noise", "0.6"], "--noise"),
    (["--agent", "user_agents:tf2t", "--horizon", "0"], "--horizon"),
    (["--agent", "a:b", "c:d", "e:f"], "one agent or a pair"),
    (["--log", "missing.csv"], "does not exist"),
    (["--agent", "user_agents:tf2t", "--temperatures", "1,0"], "temperatures other than 1"),
])
def test_option_errors(workdir, capsys, argv, msg):
    if argv[:2] == ["--agent", "a:b"]:
        for m in "ace":
            (workdir / f"{m}.py").write_text("b = d = f = lambda own, other: 1.0\n")
    assert main(["verify", *argv]) == 2
    assert msg in capsys.readouterr().err
