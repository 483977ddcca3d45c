"""Shared checks for numeric configuration fields; each error names the field."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .errors import ParameterError

__all__ = ["positive_int", "sample_count", "nonneg_finite", "positive_finite", "finite", "unit_interval", "seed", "real", "check_fields"]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or :class:`ParameterError` unless it is a positive integer (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def sample_count(name: str, value: Any) -> int:
    """``value`` as an int, or :class:`ParameterError` unless it is an integer >= 2 (a number of
    samples that a standard error can be computed from)."""
    n = positive_int(name, value)
    if n < 2:
        raise ParameterError(f"{name} must be at least 2 (standard errors need two), got {n}")
    return n


def real(name: str, value: Any, error: type[ParameterError] = ParameterError) -> float:
    """``value`` as a float, or ``error`` (default :class:`ParameterError`) naming ``name`` unless it
    is a real number.  Strings, bytes and bools are refused (``"3"`` is a typo, not a number)."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise error(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{name} must be a real number, got {value!r}") from None


def finite(name: str, value: Any) -> float:
    """``value`` as a float, or :class:`ParameterError` unless it is a finite real number."""
    v = real(name, value)
    if not math.isfinite(v):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return v


def positive_finite(name: str, value: Any) -> float:
    """``value`` as a float, or :class:`ParameterError` unless it is finite and > 0."""
    v = real(name, value)
    if not math.isfinite(v) or v <= 0:
        raise ParameterError(f"{name} must be a finite positive number, got {value!r}")
    return v


def seed(name: str, value: Any) -> int:
    """``value`` as an int, or :class:`ParameterError` unless it is a non-negative integer.

    One rule for every seed in the project (API and CLI): seeds are integers >= 0.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def nonneg_finite(name: str, value: Any) -> float:
    """``value`` as a float, or :class:`ParameterError` unless it is finite and >= 0."""
    v = real(name, value)
    if not math.isfinite(v) or v < 0:
        raise ParameterError(f"{name} must be a finite non-negative number, got {value!r}")
    return v


def unit_interval(name: str, value: Any) -> float:
    """``value`` as a float, or :class:`ParameterError` unless it lies in [0, 1]."""
    v = real(name, value)
    if not 0.0 <= v <= 1.0:
        raise ParameterError(f"{name} must lie in [0, 1], got {value!r}")
    return v


def check_fields(obj: Any, *, positive_ints: Iterable[str] = (), nonneg: Iterable[str] = (),
                 unit: Iterable[str] = (), positive: Iterable[str] = (), finites: Iterable[str] = ()) -> None:
    """Check named attributes of ``obj`` (a config dataclass) with the functions above."""
    for name in positive:
        positive_finite(name, getattr(obj, name))
    for name in finites:
        finite(name, getattr(obj, name))
    for name in positive_ints:
        positive_int(name, getattr(obj, name))
    for name in nonneg:
        nonneg_finite(name, getattr(obj, name))
    for name in unit:
        unit_interval(name, getattr(obj, name))
