"""Produce tests/learners/data/a2c_checkpoint_a793e7d.pkl: the checkpoint of a tiny A2C run as the
code on main at a793e7d wrote it, BEFORE issue 23 moved ``learners/train_a2c.py`` into the
``learners/a2c/`` wing.  ``tests/learners/test_a2c_old_checkpoint.py`` loads and resumes it with
today's code and reproduces its numbers.

It imports the old path (``learners.train_a2c``, a re-export shim since the move), so it runs on
either side of the move.  Run from the worktree root:
``PYTHONPATH=$PWD python tests/learners/make_a2c_checkpoint_reference.py OUT_DIR``; the file is
``OUT_DIR/checkpoint.pkl``.
"""

from __future__ import annotations

import sys


def reference_config():
    from learners.train_a2c import preset_config

    return preset_config("smoke", hidden=4, embed=4, batch=8, iterations=6, seeds=1, horizon=5, eval_every=3,
                         eval_episodes=4, checkpoint_every=3, log_every=1)


if __name__ == "__main__":
    from learners.train_a2c import Trainer

    Trainer(reference_config(), sys.argv[1]).run(progress=False)
