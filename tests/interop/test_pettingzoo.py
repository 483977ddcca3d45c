"""The PettingZoo adapter passes PettingZoo's own API and seed tests and matches exact payoffs."""

import numpy as np
import pytest

pytest.importorskip("pettingzoo", reason="the pettingzoo extra is not installed (pip install -e '.[pettingzoo]')")
from pettingzoo.test import parallel_api_test, parallel_seed_test  # noqa: E402

import eqtools as eq  # noqa: E402
from eqtools.errors import ParameterError  # noqa: E402
from learners.interop.pettingzoo import IteratedGameParallelEnv, parallel_env  # noqa: E402
from solvers.payoffs import finite_horizon  # noqa: E402


def test_parallel_api():
    parallel_api_test(IteratedGameParallelEnv("paper", horizon=20, noise=0.1), num_cycles=100)


def test_parallel_seed():
    parallel_seed_test(lambda: parallel_env(game="axelrod", horizon=15, noise=0.2))


def test_memory_one_play_matches_exact_payoffs():
    """Two memory-one strategies played through the adapter reproduce the exact payoffs."""
    game = eq.preset("paper")
    x, y = eq.StrategyPool.uniform(2, seed=12)
    env = IteratedGameParallelEnv(game, horizon=25)
    rng = np.random.default_rng(0)
    totals = []
    for ep in range(3000):
        obs, _ = env.reset(seed=ep)
        tot = np.zeros(2)
        while env.agents:
            acts = {}
            for agent, strat in (("player_0", x), ("player_1", y)):
                tok = int(np.argmax(obs[agent]))
                p = strat.vector[tok]
                acts[agent] = int(rng.random() >= p)
            obs, rew, _, _, _ = env.step(acts)
            tot += [rew["player_0"], rew["player_1"]]
        totals.append(tot / 25)
    totals = np.array(totals)
    ex = finite_horizon(x, y, game, 25)
    z = (totals.mean(0) - [ex.payoff_x, ex.payoff_y]) / (totals.std(0, ddof=1) / np.sqrt(len(totals)))
    assert np.all(np.abs(z) < 5), z


def test_noise_flips_actions_and_bad_input():
    env = IteratedGameParallelEnv("paper", horizon=2000, noise=0.25)
    env.reset(seed=3)
    flips = 0
    while env.agents:
        _, _, _, _, info = env.step({"player_0": 0, "player_1": 0})
        flips += sum(info["player_0"]["actions"])
    assert abs(flips / 4000 - 0.25) < 0.03
    with pytest.raises(ParameterError, match="noise"):
        IteratedGameParallelEnv(noise=1.5)
    with pytest.raises(ParameterError, match="horizon"):
        IteratedGameParallelEnv(horizon=0)
    env = IteratedGameParallelEnv(horizon=1)
    env.reset(seed=0)
    with pytest.raises(ParameterError, match="must be 0"):
        env.step({"player_0": 2, "player_1": 0})
