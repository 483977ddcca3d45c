"""Writes ``tests/learners/data/kernel_reference.npz``: the noise-free rollouts of every loop that now
uses the one round kernel (:mod:`learners.round`), computed with the code of main at a793e7d,
BEFORE the kernel existed (issue 23).  ``test_round_kernel.py`` compares today's code with them
bit for bit (the same PRNG key use).

Run from the worktree root on a793e7d:
``PYTHONPATH=$PWD python tests/learners/make_kernel_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).parent


def references() -> dict[str, np.ndarray]:
    from eqtools.strategies import named
    from learners.env import payoff_table, rollout_memory_one
    from learners.networks import GRUAgent, init_agent_params_np
    from learners.pool import play_pool
    from learners.shaping.gru import GRUShapingConfig, train_gru
    from learners.shaping.sample import SampleConfig, train_sample

    out: dict[str, np.ndarray] = {}
    table = payoff_table("paper")
    # 1. memory-one rollout (env)
    tr = rollout_memory_one(jax.random.PRNGKey(3), [0.9, 0.8, 0.1, 0.7, 0.2], [0.5, 0.6, 0.3, 0.9, 0.4],
                            "paper", horizon=9, batch=7)
    out["env_states"] = np.asarray(tr.states_x)
    out["env_actions_y"] = np.asarray(tr.actions_y)
    # 2. play_pool: learners + tabular, with and without the opponent-ID vector, and a Policy co-player
    agent = GRUAgent(hidden=8, embed=8, reward_input_scale=2.0)
    mk = lambda s: init_agent_params_np(agent, np.random.default_rng(s))  # noqa: E731
    params = jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), mk(1), mk(2))
    tab = jax.random.uniform(jax.random.PRNGKey(7), (2, 6, 5))
    for oid in (False, True):
        traj = play_pool(agent.apply, params, jax.random.PRNGKey(11), tab, 10, 12, table, 8, oid)
        for f in ("action", "co_action", "reward", "logp", "value"):
            out[f"pool{int(oid)}_{f}"] = np.asarray(getattr(traj, f))
    from solvers.simulate import MemoryOnePolicy

    pol = MemoryOnePolicy(jnp.asarray(named("TFT", "paper").vector, jnp.float32), "y")
    traj = play_pool(agent.apply, params, jax.random.PRNGKey(12), tab, 10, 12, table, 8, False, fixed_policy=pol)
    out["poolpol_action"] = np.asarray(traj.action)
    out["poolpol_co_action"] = np.asarray(traj.co_action)
    out["poolpol_logp"] = np.asarray(traj.logp)
    # 3. shaping: GRU learners and sample-based memory-one learners
    g = train_gru(GRUShapingConfig(hidden=8, embed=8, horizon=6, batch=8, iterations=3, seeds=2))
    out["gru_reward"], out["gru_coop"], out["gru_policies"] = g.reward, g.coop, g.policies
    s = train_sample(SampleConfig(horizon=6, batch=8, iterations=3, runs=2))
    out["sample_theta"], out["sample_reward"] = s.theta, s.reward
    return out


if __name__ == "__main__":
    path = HERE / "data" / "kernel_reference.npz"
    np.savez_compressed(path, **references())
    print("wrote", path)
