"""Writes ``tests/ppi/data/old_run/``: a PPI run directory stopped mid-run by the code *before* the
issue-21/23 changes (``learners/ppi/train.py`` as on main at 1492164), and ``old_run_reference.npz``,
the numbers of the same run left to finish.  ``test_ppi_seeds.py`` resumes the directory with today's
code and compares; it proves that old checkpoints, data shards and agent pickles still load and that a
resumed old run ends where the old code ended.

    git checkout 00177b0 -- learners/ppi && PYTHONPATH=$PWD python tests/ppi/make_old_run.py

Run once; the outputs are committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).parent / "data"
TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=2, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=4)


def main() -> None:
    from learners.ppi.train import PPIConfig, PPIRunner

    cfg = PPIConfig(**TINY)
    out = HERE / "old_run"
    if out.exists():
        shutil.rmtree(out)
    # phase 1 = 2 epochs x 2 learners + eval + gather = 6 stages; phase 2 trains 1 epoch per learner: stop before learner 2's
    part = PPIRunner(cfg, out).run(progress=False, max_units=7)
    assert part.phase == 2 and part.stage == "train" and part.learner == 1
    (out / "config.json").unlink()  # the checkpoint carries the config
    full = PPIRunner(cfg).run(progress=False)
    full.agent(0).save(HERE / "old_agent.pkl")
    ref = {"history": np.stack(full.history)[..., :10]}
    for i, d in enumerate(full.data):
        for k, s in enumerate(d.shards):
            ref[f"data_{i}_{k}"] = np.asarray(s)
    for k in range(4):
        ref[f"eval_{k}"] = np.stack([np.asarray(e[k]) for e in full.eval_history])
    for i, p in enumerate(full.params):
        ref[f"params_{i}"] = np.concatenate([np.asarray(x).ravel() for x in jax.tree_util.tree_leaves(p)])
    np.savez_compressed(HERE / "old_run_reference.npz", **ref)


if __name__ == "__main__":
    main()
