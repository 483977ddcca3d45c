"""The A2C wing: decentralised advantage actor-critic training of two GRU learners (issue 23).

Modules: :mod:`.loss` (hyper-parameters, Table 2, GAE/TD(lambda), the loss, the optimiser),
:mod:`.config` (:class:`~.config.TrainConfig`, metric and co-player names, presets), :mod:`.core`
(the jitted, seed-``vmap``-ed training step and evaluation), :mod:`.trainer`
(:class:`~.trainer.Trainer`: the run loop, checkpoints), :mod:`.results` (datasets, summary,
result files), :mod:`.checkpoint` (validated load, :func:`~.checkpoint.extract_seeds`),
:mod:`.mechanism` (the paper's three-step chain), :mod:`.plots`.  The rollout is
:func:`learners.pool.play_pool`.  See ``docs/learners_a2c.md``.

This package was the module ``learners/a2c.py``; it re-exports that module's names (from
:mod:`.loss`), so ``from learners.a2c import a2c_loss`` works unchanged.  The old modules
``learners.train_a2c``, ``learners.a2c_mechanism`` and ``learners.plots`` are re-export shims for
one release.
"""

from .loss import TABLE2_STEPS, A2CHyper, a2c_loss, gae, make_optimizer, table2

__all__ = ["A2CHyper", "TABLE2_STEPS", "table2", "gae", "a2c_loss", "make_optimizer"]
