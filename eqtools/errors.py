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


class EnumerationTooLarge(EqtoolsError):
    """Complete equilibrium enumeration would be too costly for this game.

    ``estimate``: the cost estimate that decided it (a dict, or None); ``partial``: whatever was
    found before giving up (or None).
    """

    def __init__(self, msg: str, estimate=None, partial=None) -> None:
        super().__init__(msg)
        self.estimate = estimate
        self.partial = partial
