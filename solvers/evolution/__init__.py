"""Evolutionary dynamics in memory-one space with exact payoffs.

* :mod:`.finite` — finite populations over a set of strategies: Moran and pairwise-comparison
  (Fermi) processes, exact fixation probabilities, the stationary distribution in the limit of
  rare mutations, exact meta-games under any payoff criterion with execution noise.
* :mod:`.continuous` — mutation–selection in the continuous memory-one space (JAX, vmapped
  over thousands of seeded runs, sharded over devices), xarray time series.
* :mod:`.adaptive` — adaptive dynamics along the exact, differentiable selection gradient.

This package uses :mod:`solvers.payoffs` and :mod:`eqtools`; it does not import ``learners`` or
``studies``.
"""

from .adaptive import adaptive_dynamics, selection_gradient
from .continuous import EvolutionConfig, evolve, zd_fit_batch
from .finite import (
    PROCESSES,
    MetaGame,
    SmallMutationResult,
    fixation_log_probability,
    fixation_matrix,
    fixation_probability,
    meta_game,
    simulate_fixation,
    stationary_distribution,
)

__all__ = [
    "PROCESSES",
    "MetaGame",
    "SmallMutationResult",
    "fixation_log_probability",
    "fixation_matrix",
    "fixation_probability",
    "meta_game",
    "simulate_fixation",
    "stationary_distribution",
    "EvolutionConfig",
    "evolve",
    "zd_fit_batch",
    "adaptive_dynamics",
    "selection_gradient",
]
