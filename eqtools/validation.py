"""Shared checks for numeric configuration fields; each error names the field."""

from __future__ import annotations

import collections.abc as _abc
import math
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .errors import OutputPathError, ParameterError

__all__ = ["instance_of", "path_like", "dir_path", "prng_key", "int_tuple", "bounded_int", "positive_int",
           "sample_count", "nonneg_finite", "positive_finite", "finite", "unit_interval", "seed", "real",
           "check_fields", "validated", "validate_fields", "check_value", "is_validated", "Constraint", "Interval",
           "Positive", "NonNegative", "Finite", "Probability", "MaxSize", "OneOf", "NonEmpty", "Unique", "Check",
           "Seed", "float_array", "RealSequence", "Names", "Label", "IsMapping", "IsSequence", "PathLike"]


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


def real(name: str, value: Any, error: type[Exception] = ParameterError) -> float:
    """``value`` as a float, or ``error`` (default :class:`ParameterError`) naming ``name`` unless it
    is a real number.  Strings, bytes and bools are refused (``"3"`` is a typo, not a number)."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise error(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{name} must be a real number, got {value!r}") from None


def real_array(name: str, value: Any, what: str, error: type[Exception] = ParameterError) -> np.ndarray:
    """``value`` as a float64 array, or ``error`` saying ``"{name} must be {what}"``: strings, bytes,
    bools and None are refused, and so is anything that is not a regular array of numbers."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise error(f"{name} must be {what}, got {value!r}")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise error(f"{name} must be {what}, got {value!r}") from None


def require_unique(items: Any, what: str, error: type[Exception] = ParameterError) -> None:
    """``error`` saying ``"{what}; duplicated: [...]"`` (the first five, sorted) unless ``items`` are distinct."""
    items = list(items)
    if len(set(items)) != len(items):
        dup = sorted({x for x in items if items.count(x) > 1})
        raise error(f"{what}; duplicated: {dup[:5]}")


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


def float_array(name: str, value: Any, *, last: int | None = None, min_ndim: int = 0) -> np.ndarray:
    """``value`` as a float64 array, or :class:`ParameterError` naming ``name`` when it is not numeric
    (strings, ragged nests), has fewer than ``min_ndim`` axes or a last axis other than ``last``."""
    for opt, v in (("min_ndim", min_ndim), ("last", last)):
        if v is not None and (isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0):
            raise ParameterError(f"{opt} must be a non-negative integer, got {v!r}")
    if isinstance(value, (str, bytes)):
        raise ParameterError(f"{name} must be a numeric array, got {value!r}"[:300])
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a numeric array, got {value!r}"[:300]) from None
    if last is not None:
        min_ndim = max(min_ndim, 1)
    if arr.ndim < min_ndim or (last is not None and arr.shape[-1] != last):
        want = f"shape (..., {last})" if last is not None else f"at least {min_ndim} axes"
        raise ParameterError(f"{name} must be an array of {want}, got shape {arr.shape}")
    return arr


def instance_of(name: str, value: Any, types: type | tuple[type, ...], what: str | None = None) -> Any:
    """``value`` unchanged, or :class:`ParameterError` naming ``name`` unless it is an instance of
    ``types`` (for arguments that must be one of the project's objects: a config, a report, a log)."""
    if not (isinstance(types, type) or (isinstance(types, tuple) and types and all(isinstance(t, type) for t in types))):
        raise ParameterError(f"types must be a class or a tuple of classes, got {types!r}")
    if not isinstance(value, types):
        what = what or " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise ParameterError(f"{name} must be a {what}, got {type(value).__name__}: {value!r}"[:300])
    return value


def path_like(name: str, value: Any) -> Any:
    """``value`` as a :class:`pathlib.Path`, or :class:`ParameterError` naming ``name`` unless it is a
    non-empty ``str`` or ``os.PathLike`` (numbers and lists are not paths)."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ParameterError(f"{name} must be a path (a non-empty str or Path), got {value!r}"[:300])
    return Path(value)


def prng_key(name: str, value: Any) -> Any:
    """``value`` unchanged, or :class:`ParameterError` naming ``name`` unless it is a JAX PRNG key:
    ``jax.random.PRNGKey(seed)`` (shape ``(2,)``, uint32; a batch ``(..., 2)`` too) or a typed key
    (``jax.random.key``).  Tracers pass (checked by shape and dtype only)."""
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    dname = str(dtype) if dtype is not None else ""
    ok = shape is not None and ((len(shape) >= 1 and shape[-1] == 2 and dname == "uint32") or dname.startswith("key<"))
    if not ok:
        raise ParameterError(f"{name} must be a JAX PRNG key (jax.random.PRNGKey(seed)), got {value!r}"[:300])
    return value


def dir_path(name: str, value: Any) -> Any:
    """:func:`path_like` for an output directory: also :class:`~eqtools.errors.OutputPathError` when
    the path exists and is not a directory (nothing is created here)."""
    p = path_like(name, value)
    if p.exists() and not p.is_dir():
        raise OutputPathError(f"{name} {str(p)!r} exists and is not a directory")
    return p


def int_tuple(name: str, value: Any, least: int = 0) -> tuple[int, ...]:
    """``value`` as a tuple of ints, or :class:`ParameterError` naming ``name`` unless it is a sequence
    of integers ``>= least`` (a shape, a seed key)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ParameterError(f"{name} must be a tuple of integers, got {value!r}"[:300])
    items = list(value)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= least for v in items):
        raise ParameterError(f"{name} must hold integers >= {least}, got {value!r}"[:300])
    return tuple(int(v) for v in items)


def bounded_int(name: str, value: Any, most: int, hint: str = "", least: int = 1) -> int:
    """``value`` as an int in ``[least, most]``: :class:`ParameterError` naming ``name`` unless it is
    an integer ``>= least``, :class:`~eqtools.errors.SizeLimitError` (with ``hint``) above ``most``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < least:
        raise ParameterError(f"{name} must be an integer >= {least}, got {value!r}"[:300])
    MaxSize(most, hint).check(name, int(value))
    return int(value)


def check_fields(obj: Any, *, positive_ints: Iterable[str] = (), nonneg: Iterable[str] = (),
                 unit: Iterable[str] = (), positive: Iterable[str] = (), finites: Iterable[str] = ()) -> None:
    """Check named attributes of ``obj`` (a config dataclass) with the functions above."""
    groups = {"positive_ints": positive_ints, "nonneg": nonneg, "unit": unit, "positive": positive, "finites": finites}
    for kind, names in groups.items():
        if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
            raise ParameterError(f"{kind} must be a sequence of field names, got {names!r}")
        for n in names:
            if not isinstance(n, str) or not hasattr(obj, n):
                raise ParameterError(f"{kind} names {n!r}, which is not a field of {type(obj).__name__}")
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


# ------------------------------------------------------------------ the validation layer
#
# One layer for every public function and config: type hints plus ``typing.Annotated``
# constraints, checked at the call boundary by :func:`validated`.  A parameter annotated
#
#     n: Annotated[int, Positive, MaxSize(10**6)]
#
# is refused with a named :class:`~eqtools.errors.EqtoolsError` naming ``n`` unless it is an
# integer (bools and strings refused), > 0 and at most 10**6 (``SizeLimitError`` above).  Plain
# hints are checked too: ``int`` / ``float`` / ``bool`` / ``str`` (and ``X | None``) refuse values of
# the wrong type, so a string never reaches arithmetic.  ``Any`` and other hints are left to the
# function (strategy vectors, games and files have their own validators).  See docs/errors.md.

import functools as _functools
import inspect as _inspect
import typing as _typing
from dataclasses import fields as _dc_fields, is_dataclass as _is_dataclass

from .errors import EqtoolsError, SizeLimitError


class Constraint:
    """Base class of the ``Annotated`` markers; ``check(name, value)`` raises or returns."""

    error: type[EqtoolsError] = ParameterError

    def check(self, name: str, value: Any) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class Interval(Constraint):
    """A real number in ``[lo, hi]`` (``lo_open`` / ``hi_open`` exclude an end); NaN never passes."""

    def __init__(self, lo: float = -math.inf, hi: float = math.inf, *, lo_open: bool = False, hi_open: bool = False,
                 error: type[EqtoolsError] = ParameterError) -> None:
        self.lo, self.hi, self.lo_open, self.hi_open, self.error = lo, hi, lo_open, hi_open, error

    def describe(self) -> str:
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"

    def check(self, name: str, value: Any) -> None:
        v = real(name, value, self.error)
        ok_lo = v > self.lo if self.lo_open else v >= self.lo
        ok_hi = v < self.hi if self.hi_open else v <= self.hi
        if not (ok_lo and ok_hi):
            raise self.error(f"{name} must lie in {self.describe()}, got {value!r}")

    def __repr__(self) -> str:
        return f"Interval{self.describe()}"


class _Marker(Constraint):
    def __init__(self, label: str, test: Any, requirement: str) -> None:
        self.label, self.test, self.requirement = label, test, requirement

    def check(self, name: str, value: Any) -> None:
        v = real(name, value)
        if not self.test(v):
            raise ParameterError(f"{name} must be {self.requirement}, got {value!r}")

    def __repr__(self) -> str:
        return self.label


#: ``> 0`` and finite.
Positive = _Marker("Positive", lambda v: math.isfinite(v) and v > 0, "a finite number > 0")
#: ``>= 0`` and finite.
NonNegative = _Marker("NonNegative", lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
#: Not NaN, not infinite.
Finite = _Marker("Finite", math.isfinite, "finite (not NaN or infinite)")
#: A probability in [0, 1].
Probability = Interval(0.0, 1.0)


class MaxSize(Constraint):
    """At most ``limit``: an integer's value, or a collection's length.  Above it the request is
    refused up front with :class:`~eqtools.errors.SizeLimitError` and ``hint``."""

    error = SizeLimitError

    def __init__(self, limit: int, hint: str = "") -> None:
        self.limit, self.hint = int(limit), hint

    def check(self, name: str, value: Any) -> None:
        size = len(value) if hasattr(value, "__len__") and not isinstance(value, (str, bytes)) else value
        try:
            too_big = size > self.limit
        except TypeError:
            return
        if too_big:
            hint = f"; {self.hint}" if self.hint else ""
            raise SizeLimitError(f"{name} = {size!r} is above the largest size served ({self.limit}){hint}")

    def __repr__(self) -> str:
        return f"MaxSize({self.limit})"


class OneOf(Constraint):
    """One of the listed values (strings compared exactly)."""

    def __init__(self, *choices: Any) -> None:
        self.choices = tuple(choices)

    def check(self, name: str, value: Any) -> None:
        try:
            ok = value in self.choices
        except TypeError:
            ok = False
        if not ok:
            raise ParameterError(f"{name} must be one of {list(self.choices)}, got {value!r}")

    def __repr__(self) -> str:
        return f"OneOf{self.choices!r}"


class _NonEmpty(Constraint):
    def check(self, name: str, value: Any) -> None:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise ParameterError(f"{name} must be a non-empty sequence, got {value!r}")
        if len(value) == 0:
            raise ParameterError(f"{name} must not be empty")

    def __repr__(self) -> str:
        return "NonEmpty"


class _Unique(Constraint):
    def check(self, name: str, value: Any) -> None:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            return
        items = list(value)
        seen: list[Any] = []
        for it in items:
            key = tuple(np.asarray(it).ravel().tolist()) if isinstance(it, (np.ndarray, list, tuple)) else it
            if key in seen:
                raise ParameterError(f"{name} has a duplicate entry {it!r}; entries must be distinct")
            seen.append(key)

    def __repr__(self) -> str:
        return "Unique"


#: A collection with at least one entry.
NonEmpty = _NonEmpty()
#: A collection without repeated entries.
Unique = _Unique()


class Check(Constraint):
    """Run one of this module's checkers (``positive_int``, ``seed``, ...) as a constraint."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def check(self, name: str, value: Any) -> None:
        self.fn(name, value)

    def __repr__(self) -> str:
        return f"Check({getattr(self.fn, '__name__', self.fn)})"


#: Integers >= 0 (the project's seed rule).
Seed = Check(seed)
#: A path: a non-empty ``str`` or ``os.PathLike``.
PathLike = Check(path_like)


def _type_ok(tp: Any, value: Any) -> bool | None:
    """True / False when ``tp`` is a type this layer checks, ``None`` when it does not check it."""
    if tp is Any or tp is _inspect.Parameter.empty:
        return None
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, (bool, np.bool_))
    if tp is int:
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if tp is float:
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if tp is str:
        return isinstance(value, str)
    origin = _typing.get_origin(tp)
    if origin is _typing.Union or (origin is not None and type(tp).__name__ == "UnionType"):
        results = [_type_ok(a, value) for a in _typing.get_args(tp)]
        if any(r is None for r in results):
            return None  # an unchecked alternative: leave it to the function
        return any(results)
    if origin is None and type(tp).__name__ == "UnionType":  # pragma: no cover - py3.10 X | Y
        results = [_type_ok(a, value) for a in tp.__args__]
        return None if any(r is None for r in results) else any(results)
    return None


def _describe(tp: Any) -> str:
    if isinstance(tp, type):
        return {"int": "an integer", "float": "a real number", "bool": "True or False", "str": "a string",
                "NoneType": "None"}.get(tp.__name__, tp.__name__)
    args = _typing.get_args(tp)
    if args:
        return " or ".join(_describe(a) for a in args)
    return str(tp)


def _split(hint: Any) -> tuple[Any, tuple[Constraint, ...]]:
    """``(base type, constraints)`` of a hint; constraints of ``Annotated[X, ...] | None`` too."""
    if _typing.get_origin(hint) is _typing.Annotated:
        base, *meta = _typing.get_args(hint)
        return base, tuple(m for m in meta if isinstance(m, Constraint))
    args = _typing.get_args(hint)
    if args and (_typing.get_origin(hint) is _typing.Union or type(hint).__name__ == "UnionType"):
        cons: list[Constraint] = []
        bases = []
        for a in args:
            b, c = _split(a)
            bases.append(b)
            cons.extend(c)
        if cons:
            return _typing.Union[tuple(bases)], tuple(cons)
    return hint, ()


class Label(Constraint):
    """Name the parameter differently in messages, e.g. ``Annotated[int, Label("population size m")]``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def check(self, name: str, value: Any) -> None:
        return None

    def __repr__(self) -> str:
        return f"Label({self.text!r})"


def check_value(name: str, hint: Any, value: Any) -> None:
    """Check ``value`` against the type hint ``hint`` (plus ``Annotated`` constraints); raises a
    named :class:`~eqtools.errors.EqtoolsError` naming ``name``."""
    base, constraints = _split(hint)
    name = next((c.text for c in constraints if isinstance(c, Label)), name)
    ok = _type_ok(base, value)
    if ok is False:
        raise ParameterError(f"{name} must be {_describe(base)}, got {value!r}")
    if value is None and (ok is True or type(None) in _typing.get_args(base)):
        return  # None allowed by the hint (``X | None``): constraints apply to the other alternatives
    for c in constraints:
        c.check(name, value)


def _hints(obj: Any) -> dict[str, Any]:
    """Resolved hints of ``obj``; an unresolvable hint is a programming error and is loud (a
    validated function whose hints cannot be read would otherwise check nothing, silently)."""
    try:
        return _typing.get_type_hints(obj, include_extras=True)
    except Exception as exc:
        raise NameError(f"validated: cannot resolve the type hints of {getattr(obj, '__qualname__', obj)!r} "
                        f"({exc}); import the names used in its annotations at module level") from exc


def validated(obj: Any = None) -> Any:
    """Check arguments against type hints and ``Annotated`` constraints at the call boundary.

    On a function: every call binds its arguments (a wrong or unknown keyword becomes a
    :class:`~eqtools.errors.ParameterError` naming it, not a raw ``TypeError``) and checks each
    annotated parameter with :func:`check_value` before the body runs.  On a dataclass: the
    fields are checked after ``__init__`` (and ``validate()``, if the class has one, runs too).
    Used bare (``@validated``) or called (``@validated()``).
    """
    if obj is None:
        return validated
    if not callable(obj):
        raise ParameterError(f"validated: decorates a function or a dataclass, got {obj!r}")
    if isinstance(obj, type):
        return _validated_class(obj)
    fn = obj
    sig = _inspect.signature(fn)
    hints_cache: dict[str, Any] = {}

    @_functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not hints_cache:
            hints_cache.update(_hints(fn) or {"__none__": None})
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise ParameterError(f"{fn.__qualname__}: {exc}") from None
        for pname, value in bound.arguments.items():
            hint = hints_cache.get(pname)
            if hint is None:
                continue
            p = sig.parameters[pname]
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            check_value(pname, hint, value)
        return fn(*args, **kwargs)

    wrapper.__validated__ = True  # type: ignore[attr-defined]
    return wrapper


def validate_fields(obj: Any) -> None:
    """Check every field of the dataclass instance ``obj`` against its annotation."""
    if not _is_dataclass(obj) or isinstance(obj, type):
        raise ParameterError(f"obj must be a dataclass instance, got {type(obj).__name__}")
    hints = _hints(type(obj))
    for f in _dc_fields(obj):
        if f.name in hints:
            check_value(f.name, hints[f.name], getattr(obj, f.name))


def _validated_class(cls: type) -> type:
    if not _is_dataclass(cls):
        raise ParameterError(f"validated: a class must be a dataclass, got {cls.__name__}")
    post = getattr(cls, "__post_init__", None)

    def __post_init__(self: Any, *a: Any) -> None:
        validate_fields(self)
        if post is not None:
            post(self, *a)

    cls.__post_init__ = __post_init__  # type: ignore[attr-defined]
    cls.__validated__ = True  # type: ignore[attr-defined]
    return cls


def is_validated(fn: Any) -> bool:
    """True when ``fn`` (or the class) goes through :func:`validated`."""
    return bool(getattr(fn, "__validated__", False))


class _RealSequence(Constraint):
    def check(self, name: str, value: Any) -> None:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ParameterError(f"{name} must be a sequence of real numbers, got {value!r}")
        items = list(value)
        if not items:
            raise ParameterError(f"{name} must not be empty")
        for i, v in enumerate(items):
            x = real(f"{name}[{i}]", v)
            if not math.isfinite(x):
                raise ParameterError(f"{name}[{i}] must be finite, got {v!r}")

    def __repr__(self) -> str:
        return "RealSequence"


class _Names(Constraint):
    def check(self, name: str, value: Any) -> None:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ParameterError(f"{name} must be a sequence of names, got {value!r}")
        items = list(value)
        if not all(isinstance(v, str) for v in items):
            raise ParameterError(f"{name} must hold strings, got {items!r}"[:300])
        dup = sorted({v for v in items if items.count(v) > 1})
        if dup:
            raise ParameterError(f"{name} must be distinct, duplicated: {dup}")

    def __repr__(self) -> str:
        return "Names"


#: A non-empty sequence of finite real numbers (strings refused).
RealSequence = _RealSequence()
#: A sequence of distinct strings (labels, names).
Names = _Names()


class _Kind(Constraint):
    def __init__(self, label: str, test: Any) -> None:
        self.label, self.test = label, test

    def check(self, name: str, value: Any) -> None:
        if not self.test(value):
            raise ParameterError(f"{name} must be {self.label}, got {value!r}"[:300])

    def __repr__(self) -> str:
        return f"Is({self.label})"


#: A mapping (dict-like): ``Annotated[Mapping[str, Any], IsMapping]``.
IsMapping = _Kind("a mapping (dict)", lambda v: isinstance(v, _abc.Mapping))
#: A list, tuple or array of items (not a string, not a scalar).
IsSequence = _Kind("a sequence (list, tuple or array)",
                   lambda v: isinstance(v, (_abc.Sequence, np.ndarray)) and not isinstance(v, (str, bytes)))

# The checkers' own settings (a limit, a least value) are checked like any public function's.
bounded_int = validated(bounded_int)
int_tuple = validated(int_tuple)
