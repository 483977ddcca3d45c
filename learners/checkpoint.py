"""One schema check for the run files the learners write and read back (issue 22).

A2C checkpoints (``checkpoint.pkl`` of ``eqtools train a2c``), saved PPI agents
(``PPIAgent.save``) and PPI run checkpoints are pickles; pickle itself checks nothing, so a
damaged or foreign file used to surface as a raw ``IndexError`` deep in JAX, or not at all (``None``
parameters loaded silently).  :func:`read_run_file` unpickles through
:func:`eqtools.io.load_pickle` (missing, empty, truncated, not a pickle) and then checks the content
against a :class:`Schema`: required keys, per-key checks (integer counters, strings), and the
parameter tree (:func:`check_params`: present, non-empty, numeric float arrays, finite, and -- when
the caller knows the model -- exactly the shapes a fresh initialisation of that model has).
Every failure is a :class:`~eqtools.errors.FileFormatError` naming the file and the field.

Old files load unchanged: the schema only names what every file the project ever wrote holds.
:func:`write_run_file` is the one atomic writer of such a file (a sibling ``.tmp``, then
``os.replace``), so a run killed while saving keeps its previous checkpoint.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable, Sequence

import numpy as np

from eqtools.errors import FileFormatError, OutputPathError, ParameterError

__all__ = ["Schema", "read_run_file", "check_params", "check_counter", "write_run_file", "require_finite"]


def _leaves_with_paths(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(tree, Mapping):
        out = []
        for k in tree:
            out.extend(_leaves_with_paths(tree[k], f"{prefix}/{k}"))
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for i, v in enumerate(tree):
            out.extend(_leaves_with_paths(v, f"{prefix}[{i}]"))
        return out
    return [(prefix or "/", tree)]


def check_params(path: str | Path, params: Any, *, what: str, key: str = "params",
                 template: Any = None, leading: tuple[int, ...] | None = None) -> None:
    """Check a saved parameter tree.

    ``template``: a tree of the same structure whose leaves have the expected shapes (e.g. from
    ``jax.eval_shape`` of the model's init, or a fresh numpy init); ``leading``: extra leading axes
    of every saved leaf (e.g. ``(seeds, 2)``).  Without a template only presence, non-emptiness,
    dtype and finiteness are checked.
    """
    p = str(path)
    if params is None:
        raise FileFormatError(f"{what} {p!r}: field {key!r} is None (no parameters saved)")
    leaves = _leaves_with_paths(params)
    if not leaves or (len(leaves) == 1 and leaves[0][1] is None):
        raise FileFormatError(f"{what} {p!r}: field {key!r} is empty (no parameters saved)")
    for name, leaf in leaves:
        if leaf is None:
            raise FileFormatError(f"{what} {p!r}: parameter {key}{name} is None")
        try:
            arr = np.asarray(leaf)
        except Exception:  # noqa: BLE001 - anything that is not an array is a damaged file
            raise FileFormatError(f"{what} {p!r}: parameter {key}{name} is not an array") from None
        if arr.dtype.kind != "f":
            raise FileFormatError(f"{what} {p!r}: parameter {key}{name} has dtype {arr.dtype}, expected floats")
        if not np.all(np.isfinite(arr)):
            raise FileFormatError(f"{what} {p!r}: parameter {key}{name} holds non-finite values")
    if template is None:
        return
    want = dict(_leaves_with_paths(template))
    got = {n: np.shape(v) for n, v in leaves}
    if set(want) != set(got):
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        raise FileFormatError(f"{what} {p!r}: field {key!r} does not match the model (missing {missing[:4]}, "
                              f"unexpected {extra[:4]})")
    try:
        lead = tuple(int(x) for x in (leading or ()))
    except TypeError:
        raise ParameterError(f"leading must be a tuple of axis lengths, got {leading!r}") from None
    for n, shape in got.items():
        exp = lead + tuple(np.shape(want[n]))
        if tuple(shape) != exp:
            raise FileFormatError(f"{what} {p!r}: parameter {key}{n} has shape {tuple(shape)}, the model needs {exp}")


def check_counter(path: str | Path, value: Any, *, what: str, key: str) -> int:
    """A saved counter (iteration, phase, ...): an integer >= 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise FileFormatError(f"{what} {str(path)!r}: field {key!r} must be an integer >= 0, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Schema:
    """What a run file must hold: ``keys`` (required), ``counters`` (integers >= 0), ``strings``,
    ``params`` (keys holding parameter trees; checked by :func:`check_params` without a template)
    and ``extra`` (callables ``(path, content) -> None`` for anything else)."""

    what: str
    keys: tuple[str, ...]
    counters: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    extra: tuple[Callable[[Path, dict], None], ...] = field(default_factory=tuple)


def read_run_file(path: str | Path, schema: Schema) -> dict[str, Any]:
    """Unpickle ``path`` and check it against ``schema``; returns the dict."""
    from eqtools.io import load_pickle

    if not isinstance(schema, Schema):
        raise ParameterError(f"schema must be a learners.checkpoint.Schema, got {schema!r}")
    p = Path(path) if isinstance(path, (str, Path)) else path
    state = load_pickle(p, what=schema.what, expect=dict, keys=schema.keys)
    for k in schema.counters:
        if k in state:
            check_counter(p, state[k], what=schema.what, key=k)
    for k in schema.strings:
        if k in state and not isinstance(state[k], str):
            raise FileFormatError(f"{schema.what} {str(p)!r}: field {k!r} must be a string, got {state[k]!r}")
    for k in schema.params:
        if k in state:
            check_params(p, state[k], what=schema.what, key=k)
    for fn in schema.extra:
        fn(p, state)
    return state


def write_run_file(path: str | Path, state: Any, *, what: str = "run file") -> Path:
    """Pickle ``state`` to ``path`` atomically: into ``<name>.tmp`` beside ``path``, then
    ``os.replace`` over ``path`` (a reader never sees a half-written file).  Returns the path."""
    from eqtools.io import check_output_path

    p = check_output_path(path, what)
    tmp = p.with_name(p.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh)
        os.replace(tmp, p)
    except OSError as exc:
        raise OutputPathError(f"{what} {str(p)!r} cannot be written ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - pickle raises PicklingError, TypeError or AttributeError
        tmp.unlink(missing_ok=True)
        raise ParameterError(f"{what} {str(p)!r}: the state cannot be pickled ({exc})") from None
    return p


def check_param_list(path: str | Path, items: Sequence[Any], *, what: str, key: str) -> None:
    """A list of per-learner parameter trees where ``None`` means "not trained yet" (PPI run
    checkpoints); every present tree is checked, and at least one must be present."""
    if not isinstance(items, (list, tuple)):
        raise FileFormatError(f"{what} {str(path)!r}: field {key!r} must be a list, got {type(items).__name__}")
    for i, t in enumerate(items):
        if t is not None:
            check_params(path, t, what=what, key=f"{key}[{i}]")


def require_finite(values: Mapping[str, Any], params: Any, *, where: str, checkpoint: Path | None,
                   hint: str = "lower --lr?") -> None:
    """The non-finite stop of a training run: raise :class:`~eqtools.errors.NonFiniteError` when one
    of ``values`` (``{metric name: value}``, e.g. the losses) or a leaf of ``params`` is NaN or
    infinite.  Called before anything is saved, so the last good ``checkpoint`` stays on disk (the
    message says so) and no summary is written."""
    import jax

    from eqtools.errors import NonFiniteError

    if not isinstance(values, Mapping):
        raise ParameterError(f"values must be a mapping {{metric name: value}}, got {type(values).__name__}")
    if not isinstance(where, str):
        raise ParameterError(f"where must be a string, got {where!r}")
    if checkpoint is not None and not isinstance(checkpoint, Path):
        raise ParameterError(f"checkpoint must be a pathlib.Path or None, got {checkpoint!r}")

    def finite(x: Any, name: str) -> bool:
        if isinstance(x, jax.Array):  # checked where it lives (no copy to the host)
            return bool(jax.numpy.all(jax.numpy.isfinite(x)))
        try:
            return bool(np.all(np.isfinite(np.asarray(x, dtype=float))))
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be numeric, got {x!r}") from None

    bad = [str(n) for n, v in values.items() if not finite(v, f"values[{n!r}]")]
    if not bad and not all(finite(x, "params") for x in jax.tree_util.tree_leaves(params)):
        bad = ["parameters"]
    if bad:
        kept = f"; the last good checkpoint {checkpoint} is kept" if checkpoint is not None and checkpoint.exists() else ""
        raise NonFiniteError(f"training diverged at {where}: non-finite {', '.join(bad)} ({hint}){kept}; "
                             "no summary was written")
