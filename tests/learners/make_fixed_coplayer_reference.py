"""Produce tests/learners/data/fixed_coplayer_reference.npz: numbers of the fixed-co-player and
default-sampler code paths as they were on main at b63c825, BEFORE the generic Policy co-player
and the prioritised sampler existed (issue 19).  The tests compare today's code with these.

Run from the worktree root: ``PYTHONPATH=$PWD python tests/learners/make_fixed_coplayer_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np


def references() -> dict[str, np.ndarray]:
    from learners.a2c_mechanism import step_configs
    from learners.env import payoff_table
    from learners.networks import GRUAgent, init_agent_params_np
    from learners.pool import play_pool
    from learners.train_a2c import Trainer, preset_config

    out: dict[str, np.ndarray] = {}
    # 1. play_pool with a frozen GRU of the same module as co-player
    agent = GRUAgent(hidden=8, embed=8, reward_input_scale=2.0)
    mk = lambda s: init_agent_params_np(agent, np.random.default_rng(s))  # noqa: E731
    params = jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), mk(1), mk(2))
    fixed = mk(3)  # one frozen agent, both learners meet it
    tab = jax.random.uniform(jax.random.PRNGKey(7), (2, 6, 5))
    traj = play_pool(agent.apply, params, jax.random.PRNGKey(11), tab, 10, 12, payoff_table("paper"), 8, False,
                     fixed_params=fixed)
    out["pool_action"] = np.asarray(traj.action)
    out["pool_co_action"] = np.asarray(traj.co_action)
    out["pool_logp"] = np.asarray(traj.logp)
    # 2. the A2C mechanism chain, steps 1-2, tiny: step 1 = the default U(0,1)^5 sampler; step 2 = the fixed GRU
    base = preset_config("smoke", horizon=8, batch=16, hidden=8, embed=8, eval_episodes=4, seeds=2, eval_every=2)
    c1, c2, _ = step_configs(base, [3, 3, 0])
    t1 = Trainer(c1).run(progress=False)
    out["step1_history"] = np.stack(t1.history)
    out["step1_params"] = np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(t1.params)])
    fixed1 = jax.tree_util.tree_map(lambda x: np.asarray(x)[:, 0], t1.params)
    t2 = Trainer(c2, fixed_params=fixed1).run(progress=False)
    out["step2_history"] = np.stack(t2.history)
    out["step2_params"] = np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(t2.params)])
    out["step2_eval_coop"] = np.asarray(t2.eval_history[-1][0])
    # 3. PPI step 2 against a frozen PPI agent: the gathered states and the evaluation
    from learners.ppi.train import PPIRunner
    from learners.ppi.train import preset_config as ppi_preset

    pc = ppi_preset("smoke", horizon=8, hidden=8, embed=8, pretrain_games=16, episodes=8, phases=1, eval_episodes=4,
                    n_rollouts=2, rollout_horizon=3, tabular_share=1.0, epochs=1, batch_size=8)
    r1 = PPIRunner(pc).run(progress=False)
    icl = r1.agent(0)
    from dataclasses import replace

    r2 = PPIRunner(replace(pc, tabular_share=0.0, seed=1), fixed_opponent=icl).run(progress=False)
    out["ppi_step2_data"] = np.concatenate([np.asarray(d.shards[-1]) for d in r2.data])
    out["ppi_step2_eval_coop"] = np.asarray(r2.eval_history[-1][0])
    return out


if __name__ == "__main__":
    path = Path(__file__).parent / "data" / "fixed_coplayer_reference.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **references())
    print("wrote", path)
