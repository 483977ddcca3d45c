"""Exception types raised by eqtools.

Every error is a ``ValueError`` subclass so callers that only know the standard
library still catch it; the message always names the offending field.
"""

from __future__ import annotations


class EqtoolsError(ValueError):
    """Base class for all input and consistency errors raised by eqtools."""


class InvalidProbabilityError(EqtoolsError):
    """A probability is NaN, infinite, or outside [0, 1]."""


class GameError(EqtoolsError):
    """A game's payoffs are invalid, degenerate, or not of the kind claimed."""


class ParameterError(EqtoolsError):
    """A numeric parameter (horizon, discount, temperature, ...) is out of range."""


class ChainError(EqtoolsError):
    """A Markov chain is singular or ill-posed for the requested quantity."""


class ConvergenceError(EqtoolsError):
    """An iterative method did not converge within its budget."""


class PrecisionError(ChainError):
    """float64 cannot deliver the documented accuracy for this input (e.g. a transition
    probability below the float range); the message names the quantity and what to change."""


class SizeLimitError(ParameterError):
    """A request too large to serve (memory or time), refused up front; the message names the
    field, the size asked for and the largest size served."""


class FileFormatError(EqtoolsError):
    """An input file (NetCDF, checkpoint, pickle, JSON) is missing, unreadable, truncated or not
    what the project wrote; the message names the file and what is wrong with it."""


class OutputPathError(EqtoolsError):
    """An output path cannot be written (it is a directory, its folder cannot be created, or
    permission is denied); the message names the path and the option it came from."""


class NonFiniteError(EqtoolsError):
    """A training run produced a non-finite loss, gradient or parameter; the run was stopped
    (the last good checkpoint is kept and no summary is written)."""


class EnumerationTooLarge(EqtoolsError):
    """A complete enumeration (e.g. of all extreme Nash equilibria) would exceed its budget.

    ``estimate``: the cost estimate that triggered the refusal (a dict, see
    ``solvers.bimatrix.estimate_enumeration_cost``); ``partial``: the result found before the
    budget ran out (marked incomplete), or ``None`` when raised up front.
    """

    def __init__(self, message: str, *, estimate: dict | None = None, partial: object | None = None) -> None:
        super().__init__(message)
        self.estimate = estimate if estimate is not None else {}
        self.partial = partial
