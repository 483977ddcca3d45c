"""Predictive Policy Improvement (PPI): the sequence model as world model and policy prior.

Modules: :mod:`.model` (the sequence model and its loss), :mod:`.data` (int8 trajectory
storage, pretraining sets), :mod:`.improve` (Monte Carlo rollouts, ``Q_hat``, the improved
policy, the true memory-one dynamics), :mod:`.play` (batched games of PPI agents),
:mod:`.config` (config, presets), :mod:`.agent` (a frozen agent), :mod:`.fit` (optimiser,
jitted step), :mod:`.runner` (phases, checkpoints), :mod:`.results` (datasets, summary),
:mod:`.mechanism` (the Figure-2 chain), :mod:`.policy` (adapter to
:class:`solvers.simulate.Policy`), :mod:`.plots`, :mod:`.cli` (``eqtools train ppi``).
:mod:`.train` re-exports config, agent, fit and runner for old imports.  See ``docs/ppi.md``.
"""
