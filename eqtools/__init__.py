"""eqtools: game-theoretic analysis and equilibrium toolkit for iterated games.

The core package: games and payoff presets, memory-one strategies and the named library,
tournament-matrix containers and I/O.  Exact mathematics lives in :mod:`solvers`, JAX learners
in :mod:`learners`, the paper's experiments in :mod:`studies`.
"""

from .conventions import ACTIONS, C, D, PARAM_NAMES, STATES
from .errors import (
    ChainError,
    ConvergenceError,
    EqtoolsError,
    FileFormatError,
    GameError,
    InvalidProbabilityError,
    NonFiniteError,
    OutputPathError,
    ParameterError,
)
from .games import PRESETS, BimatrixGame, Game, preset
from .machines import FiniteStateStrategy
from .strategies import (
    NAMED_STRATEGIES,
    MemoryOne,
    StrategyPool,
    equalizer,
    extortionate,
    generous,
    gtft,
    library,
    named,
    zd_strategy,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIONS", "C", "D", "PARAM_NAMES", "STATES",
    "ChainError", "ConvergenceError", "EqtoolsError", "FileFormatError", "GameError", "InvalidProbabilityError",
    "NonFiniteError", "OutputPathError", "ParameterError",
    "PRESETS", "BimatrixGame", "Game", "preset", "FiniteStateStrategy",
    "NAMED_STRATEGIES", "MemoryOne", "StrategyPool", "equalizer", "extortionate", "generous", "gtft",
    "library", "named", "zd_strategy",
]
