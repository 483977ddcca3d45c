"""Is ``(x, y)`` a Nash equilibrium?  One computation, two named tolerance conventions.

Both conventions compute the same pure-deviation gains in float64,

    gain_row = max_i (A y)_i - x A y,      gain_col = max_j (x B)_j - x B y,

and compare them with ``tol`` times each player's payoff range (at least 1).  They differ in
what they accept as input and in whether rounding is accounted for:

* :data:`PLAIN` (:func:`is_equilibrium`, default ``tol = 1e-7``): a yes/no check for profiles
  that come from elsewhere (another library's output, text): the strategies may be off a
  distribution by a little (entries down to ``-1e-9``, sums within ``1e-6``), and the gains are
  compared as computed.
* :data:`CERTIFIED` (:func:`verify_equilibrium`, default ``tol = 1e-9``; the sampler and the
  meta-game report use it): the strategies must be exact distributions (no negative entry, sums
  within ``1e-12``), and each gain *plus a rigorous bound on its rounding error*
  (``4 gamma_k max|payoff|``, ``k = m + n + 2``, Higham 2002 §3.1) must stay within the
  tolerance; the gains and the bound are returned so the result can report them.

(Complete enumeration has a third, internal, use of the gains: the worst regret of its
enumerated profiles relative to the payoff range, a numerical-trouble alarm at ``1e-6``, in
:mod:`solvers.bimatrix.enumeration`.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.validation import NonNegative, float_array, validated
from eqtools.games import BimatrixGame

from .coerce import as_bimatrix

__all__ = ["EquilibriumCheck", "PLAIN", "CERTIFIED", "is_equilibrium", "verify_equilibrium"]

_U = np.finfo(float).eps / 2  # unit roundoff


@dataclass(frozen=True)
class EquilibriumCheck:
    """A tolerance convention of the equilibrium check (see the module docstring).

    ``default_tol``: the gains may reach ``tol`` times each player's payoff range (at least 1);
    ``negative_entry``: how far below 0 a strategy entry may be; ``sum_error``: how far from 1 a
    strategy's sum may be; ``rounding_bound``: whether a rigorous bound on the rounding error of
    the gains is added to them before the comparison.
    """

    name: str
    default_tol: float
    negative_entry: float
    sum_error: float
    rounding_bound: bool

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ParameterError(f"name must be a string, got {self.name!r}")
        for key in ("default_tol", "negative_entry", "sum_error"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v >= 0):
                raise ParameterError(f"{key} must be a finite number >= 0, got {v!r}")
        if not isinstance(self.rounding_bound, bool):
            raise ParameterError(f"rounding_bound must be True or False, got {self.rounding_bound!r}")


#: Yes/no check of a profile from elsewhere: near-distributions accepted, gains as computed.
PLAIN = EquilibriumCheck("plain", 1e-7, 1e-9, 1e-6, False)
#: Verification of the sampler's and the meta-game's equilibria: exact distributions, gains plus
#: their rigorous rounding bound.
CERTIFIED = EquilibriumCheck("certified", 1e-9, 0.0, 1e-12, True)


def _payoff_scale(g: BimatrixGame) -> tuple[float, float]:
    return max(1.0, float(np.ptp(g.A))), max(1.0, float(np.ptp(g.B)))


def _constants(g: BimatrixGame) -> tuple[float, float, float]:
    """(row payoff range, column payoff range, largest |payoff|), ranges at least 1."""
    sa, sb = _payoff_scale(g)
    return sa, sb, max(float(np.abs(g.A).max()), float(np.abs(g.B).max()))


def _deviation_gains(g: BimatrixGame, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(gain_row, gain_col)``: the largest gain of a pure deviation of each player, float64."""
    Ay = g.A @ y
    xB = x @ g.B
    return float(Ay.max() - x @ Ay), float(xB.max() - xB @ y)


def _check(g: BimatrixGame, x: np.ndarray, y: np.ndarray, tol: float, consts: tuple[float, float, float],
           conv: EquilibriumCheck) -> tuple[bool, float, float, float]:
    """``(ok, gain_row, gain_col, bound)`` under convention ``conv`` (gains clipped at 0)."""
    m, n = g.shape
    if x.shape != (m,) or y.shape != (n,) or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False, math.inf, math.inf, 0.0
    if (x.min() < -conv.negative_entry or y.min() < -conv.negative_entry
            or abs(x.sum() - 1) > conv.sum_error or abs(y.sum() - 1) > conv.sum_error):
        return False, math.inf, math.inf, 0.0
    gr, gc = _deviation_gains(g, x, y)
    sa, sb, amax = consts
    bound = 0.0
    if conv.rounding_bound:
        k = m + n + 2
        gk = k * _U / (1 - k * _U)
        bound = 4.0 * gk * amax
    ok = gr + bound <= tol * sa and gc + bound <= tol * sb
    return bool(ok), max(gr, 0.0), max(gc, 0.0), bound


def _verify(g: BimatrixGame, x: np.ndarray, y: np.ndarray, tol: float,
            consts: tuple[float, float, float]) -> tuple[bool, float, float, float]:
    """:func:`verify_equilibrium` on a coerced game with precomputed :func:`_constants`."""
    return _check(g, x, y, tol, consts, CERTIFIED)


@validated
def is_equilibrium(game: Any, x: Any, y: Any, *, tol: Annotated[float, NonNegative] = PLAIN.default_tol) -> bool:
    """Best-response check of a mixed profile under the :data:`PLAIN` convention: no pure
    deviation gains more than ``tol``.

    ``tol`` is relative to the payoff range of each player.  Returns False for invalid
    (non-finite, negative, not summing to 1) strategies.
    """
    g = as_bimatrix(game)
    x, y = float_array("x", x), float_array("y", y)
    return _check(g, x, y, tol, _constants(g), PLAIN)[0]


@validated
def verify_equilibrium(game: Any, x: Any, y: Any, *, tol: Annotated[float, NonNegative] = CERTIFIED.default_tol) -> tuple[bool, float, float, float]:
    """Pure-deviation check of ``(x, y)`` under the :data:`CERTIFIED` convention: returns
    ``(ok, gain_row, gain_col, bound)``.

    ``gain_row = max_i (A y)_i - x A y`` and ``gain_col = max_j (x B)_j - x B y`` in float64;
    ``bound`` is a rigorous bound on their rounding error (``gamma_{k}`` times the largest
    payoff magnitude, ``k`` the longest dot product, Higham 2002 §3.1).  ``ok`` requires valid
    probability vectors and ``max(gain) + bound <= tol * range`` for each player (range = payoff
    range, at least 1).
    """
    g = as_bimatrix(game)
    return _verify(g, float_array("x", x), float_array("y", y), tol, _constants(g))
