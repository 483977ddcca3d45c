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
    """A complete enumeration (e.g. of all extreme Nash equilibria) would exceed its budget.

    ``estimate``: the cost estimate that triggered the refusal (a dict, see
    ``solvers.normal_form.estimate_enumeration_cost``); ``partial``: the result found before the
    budget ran out (marked incomplete), or ``None`` when raised up front.
    """

    def __init__(self, message: str, *, estimate: dict | None = None, partial: object | None = None) -> None:
        super().__init__(message)
        self.estimate = estimate if estimate is not None else {}
        self.partial = partial
