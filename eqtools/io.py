"""Input/output helpers: parse strategies from text, write JSON results and xarray netCDF files."""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .errors import EqtoolsError, FileFormatError, InvalidProbabilityError, OutputPathError, ParameterError
from .games import Game, preset
from .strategies import MemoryOne, StrategyPool, named

__all__ = ["parse_strategy", "parse_strategies", "parse_players", "to_jsonable", "json_text", "write_json", "write_netcdf", "read_netcdf",
           "check_output_path", "check_plot_path", "check_output_dir", "load_pickle", "is_lazy", "dask_progress"]


def parse_strategy(spec: str, game: Game | str | None = None, name: str | None = None) -> MemoryOne:
    """Parse a strategy given as a library name (``TFT``, ``Extort-2``...) or as five numbers
    ``p0,p_CC,p_CD,p_DC,p_DD`` (commas or spaces).  An optional ``label=`` prefix names it:
    ``mine=1,1,0,1,0``.  ``game`` is needed for game-dependent names (GTFT, Extort-<chi>, ...)."""
    if not isinstance(spec, str):
        raise ParameterError(f"strategy spec must be a string (a name or p0,p_CC,p_CD,p_DC,p_DD), got {spec!r}")
    game = None if game is None else preset(game)
    spec = spec.strip()
    label = name
    if "=" in spec:
        label, spec = (s.strip() for s in spec.split("=", 1))
        if not label:
            raise ParameterError(f"strategy spec {spec!r}: the label before '=' is empty")
    if not spec:
        raise ParameterError("empty strategy spec: give a library name (TFT, WSLS, ...) or five numbers p0,p_CC,p_CD,p_DC,p_DD")
    parts = [p for p in spec.replace(",", " ").split() if p]
    if len(parts) == 1 and not _is_number(parts[0]):
        s = named(parts[0], game)
        return s.with_name(label) if label else s
    if not all(_is_number(p) for p in parts):
        raise ParameterError(f"cannot parse strategy {spec!r}: give a library name or five numbers p0,p_CC,p_CD,p_DC,p_DD")
    if len(parts) != 5:
        raise InvalidProbabilityError(f"strategy {spec!r}: expected five numbers p0,p_CC,p_CD,p_DC,p_DD, got {len(parts)}")
    vec = [float(p) for p in parts]
    return MemoryOne.from_vector(vec, name=label or "[" + ",".join(f"{v:g}" for v in vec) + "]")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _spec_list(specs: Any) -> list[str]:
    """Strategy specs as a list of strings (one string is one spec); :class:`ParameterError` otherwise."""
    if isinstance(specs, str):
        specs = [specs]
    if isinstance(specs, bytes) or not isinstance(specs, Iterable):
        raise ParameterError(f"strategy specs must be a list of strings, got {specs!r}")
    specs = list(specs)
    for spec in specs:
        if not isinstance(spec, str):
            raise ParameterError(f"strategy spec must be a string, got {spec!r}")
    return specs


def parse_strategies(specs: Sequence[str], game: Game | str | None = None) -> list[MemoryOne]:
    """Parse several specs; ``all`` expands to the whole named library for ``game`` (required then)."""
    from .strategies import library

    out: list[MemoryOne] = []
    for spec in _spec_list(specs):
        if spec.strip().lower() == "all":
            out.extend(library(game).values())
        else:
            out.append(parse_strategy(spec, game))
    return out


def parse_players(specs: Sequence[str], game: Game | str | None = None) -> list[Any]:
    """Parse tournament entrants: eqtools names and vectors (as :func:`parse_strategies`) and
    Axelrod's strategies by name (``"Tit For 2 Tats"``, ``TitFor2Tats``, ...; returned as their
    classes).  ``axelrod:NAME`` forces Axelrod's strategy of that name (e.g. ``axelrod:Random``);
    ``axelrod:all`` adds every Axelrod strategy that Axelrod does not mark as long-running.
    Names known to neither raise :class:`ParameterError` with did-you-mean suggestions.
    ``axelrod`` is imported only when a name is not an eqtools one.
    """
    from .strategies import GAME_DEPENDENT, NAMED_STRATEGIES, library

    out: list[Any] = []
    for spec in _spec_list(specs):
        s = spec.strip()
        low = s.lower()
        if low == "all":
            out.extend(library(game).values())
            continue
        if low.startswith("axelrod:"):
            from .interop.axelrod import _axl
            from .interop.axelrod_convert import find_axelrod

            rest = s.split(":", 1)[1].strip()
            if rest.lower() == "all":
                out.extend(c for c in _axl().strategies if not c.classifier.get("long_run_time"))
            else:
                out.append(find_axelrod(rest))
            continue
        try:
            out.append(parse_strategy(s, game))
            continue
        except ParameterError as exc:
            parts = s.replace(",", " ").split()
            numeric = bool(parts) and all(_is_number(p) for p in parts)
            if not str(exc).startswith(("unknown strategy", "cannot parse strategy")) or "=" in s or numeric:
                raise
            ours = sorted(NAMED_STRATEGIES) + list(GAME_DEPENDENT)
            first = exc
        try:
            from .interop.axelrod_convert import find_axelrod, suggestions

            out.append(find_axelrod(s))
        except ParameterError:
            close = suggestions(s, ours)
            raise ParameterError(
                f"unknown strategy {s!r}: neither an eqtools name ({', '.join(ours)}, Extort-<chi>, Generous-<chi>) "
                "nor one of Axelrod's strategies"
                + (f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "")
            ) from None
        except EqtoolsError:  # axelrod not installed: the eqtools error stands
            raise first from None
    return out


def to_jsonable(obj: Any, *, default: Any = None) -> Any:
    """Convert numpy/JAX scalars and arrays, dataclasses, games and strategies to JSON-friendly types.

    The one JSON policy of eqtools (every ``--json`` output and every JSON file the CLI, the learners
    and the studies write goes through here): **non-finite floats (NaN, +inf, -inf) become ``None``**,
    i.e. JSON ``null``.  RFC 8259 JSON has no NaN or Infinity; ``null`` is read by every parser, and a
    field that can be undefined (a regret with one draw, a chi of a non-ZD strategy) says so in its
    own docs.  ``default``: a callable for objects of any other type (e.g. ``str``); its result is
    converted in turn.  Without it such objects are returned unchanged (``json.dumps`` refuses them).
    """
    if default is not None and not callable(default):
        raise ParameterError(f"default must be None or a callable (e.g. str), got {default!r}")
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, (MemoryOne, Game)):
        return obj.to_dict()
    if isinstance(obj, StrategyPool):
        return {"names": list(obj.names), "params": obj.params.tolist()}
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, default=default) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, default=default) for v in obj]
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__") and hasattr(obj, "dtype"):  # numpy and JAX arrays
        return to_jsonable(np.asarray(obj).tolist(), default=default)
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(obj, k), default=default) for k in obj.__dataclass_fields__}
    if default is not None:
        return to_jsonable(default(obj))
    return obj


def json_text(obj: Any, *, indent: int | None = 2, default: Any = None) -> str:
    """``obj`` as JSON text under the one policy of :func:`to_jsonable` (non-finite -> ``null``);
    :class:`ParameterError` for an object JSON cannot hold (give ``default=str`` to write its text)."""
    if indent is not None and (isinstance(indent, bool) or not isinstance(indent, int) or not 0 <= indent <= 16):
        raise ParameterError(f"indent must be None or an integer in [0, 16], got {indent!r}")
    try:
        return json.dumps(to_jsonable(obj, default=default), indent=indent, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ParameterError(f"cannot write this object as JSON: {exc}") from None


def check_output_path(path: str | Path, what: str = "output path") -> Path:
    """Make sure a file can be written at ``path``: not a directory, its folder exists or can be
    created, and is writable.  Returns the path; raises :class:`OutputPathError` naming ``what``.

    Call it *before* a long computation so a typo in ``--out`` costs nothing.
    """
    if path is None or not isinstance(path, (str, Path)) or str(path) == "":
        raise OutputPathError(f"{what} must be a file path, got {path!r}")
    p = Path(path)
    if p.is_dir():
        raise OutputPathError(f"{what} {str(p)!r} is a directory; give a file name")
    parent = p.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"{what} {str(p)!r}: cannot create its folder ({exc.strerror or exc})") from None
    if not parent.is_dir():
        raise OutputPathError(f"{what} {str(p)!r}: {str(parent)!r} is not a folder")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise OutputPathError(f"{what} {str(p)!r} cannot be written (permission denied)")
    return p


def check_plot_path(path: str | Path, what: str = "plot path") -> Path:
    """:func:`check_output_path` plus a file type matplotlib can write (``.png``, ``.pdf``, ``.svg``,
    ...), so a typo in the suffix is refused by name before drawing, not by matplotlib after it."""
    p = check_output_path(path, what)
    from matplotlib.backend_bases import FigureCanvasBase

    kinds = FigureCanvasBase.get_supported_filetypes()
    ext = p.suffix.lower().lstrip(".")
    if ext not in kinds:
        raise OutputPathError(f"{what} {str(p)!r}: unknown figure type {p.suffix or '(none)'!r}; "
                              f"use one of {sorted('.' + k for k in kinds)}")
    return p


def check_output_dir(path: str | Path, what: str = "output directory") -> Path:
    """Make sure ``path`` is (or can be created as) a writable directory; :class:`OutputPathError` otherwise."""
    if path is None or not isinstance(path, (str, Path)) or str(path) == "":
        raise OutputPathError(f"{what} must be a directory path, got {path!r}")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputPathError(f"{what} {str(p)!r} exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"{what} {str(p)!r} cannot be created ({exc.strerror or exc})") from None
    if not os.access(p, os.W_OK):
        raise OutputPathError(f"{what} {str(p)!r} cannot be written (permission denied)")
    return p


def write_json(obj: Any, path: str | Path | None, *, what: str = "output path") -> str:
    """Serialise ``obj`` (see :func:`to_jsonable`); write to ``path`` if given; return the text."""
    text = json_text(obj)
    if path is not None:
        p = check_output_path(path, what)
        try:
            p.write_text(text + "\n")
        except OSError as exc:
            raise OutputPathError(f"{what} {str(p)!r} cannot be written ({exc.strerror or exc})") from None
    return text


def write_netcdf(ds: Any, path: str | Path, *, what: str = "output path") -> None:
    """Write an xarray Dataset as classic netCDF (scipy, no HDF5 needed).

    Always the same format, whatever optional packages are installed: readers (tutorials, tests,
    ``xr.open_dataset(..., engine="scipy")``) must not depend on whether the ``dask`` extra's
    h5netcdf happens to be present.  Chunked tournaments stream to netCDF4 through
    :func:`eqtools.tournament.save_tournament` instead.
    """
    if not hasattr(ds, "to_netcdf"):
        raise ParameterError(f"write_netcdf needs an xarray Dataset, got {type(ds).__name__}")
    p = check_output_path(path, what)
    try:
        ds.to_netcdf(p, engine="scipy")
    except OSError as exc:
        raise OutputPathError(f"{what} {str(p)!r} cannot be written ({exc.strerror or exc})") from None


_NC_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8}


def classic_netcdf_size(path: str | Path) -> int | None:
    """The length a classic NetCDF file (CDF-1, -2 or -5) must have, from its own header: the end
    of its last fixed-size variable or of its last record.  ``None`` when the header cannot be
    parsed (the reader then reports the damage) or the record count is 'streaming'."""
    import struct

    try:
        data = Path(path).read_bytes()
    except (TypeError, OSError):
        return None
    try:
        if data[:3] != b"CDF" or data[3] not in (1, 2, 5):
            return None
        ver = data[3]
        big = ver == 5
        pos = 4

        def u(n: int) -> int:
            nonlocal pos
            v = int.from_bytes(data[pos:pos + n], "big")
            if pos + n > len(data):
                raise EOFError
            pos += n
            return v

        num = 8 if big else 4
        numrecs = u(num)
        if numrecs == (2**64 - 1 if big else 2**32 - 1):
            return None

        def name() -> None:
            nonlocal pos
            n = u(num)
            pos += n + (-n % 4)

        def atts() -> None:
            nonlocal pos
            tag, n = u(4), u(num)
            for _ in range(n if tag else 0):
                name()
                t, k = u(4), u(num)
                b = k * _NC_TYPE_SIZE[t]
                pos += b + (-b % 4)

        tag, ndims = u(4), u(num)
        dims = []
        for _ in range(ndims if tag else 0):
            name()
            dims.append(u(num))
        atts()
        tag, nvars = u(4), u(num)
        fixed_end, rec_begin, rec_vars = 0, None, []
        for _ in range(nvars if tag else 0):
            name()
            nd = u(num)
            ids = [u(num) for _ in range(nd)]
            atts()
            t = u(4)
            vsize = u(num)
            begin = u(8 if ver in (2, 5) else 4)
            is_rec = bool(ids) and dims[ids[0]] == 0
            if is_rec:
                per = _NC_TYPE_SIZE[t]
                for i in ids[1:]:
                    per *= dims[i]
                rec_vars.append((vsize, per))
                rec_begin = begin if rec_begin is None else min(rec_begin, begin)
            else:
                fixed_end = max(fixed_end, begin + vsize)
        end = fixed_end
        if rec_vars and numrecs:
            recsize = rec_vars[0][1] if len(rec_vars) == 1 else sum(v for v, _ in rec_vars)
            end = max(end, rec_begin + numrecs * recsize)
        del struct
        return end
    except (EOFError, KeyError, IndexError, OSError):
        return None


def read_netcdf(path: str | Path, *, variables: Sequence[str] = (), attrs: Sequence[str] = (),
                what: str = "NetCDF file") -> Any:
    """Read a NetCDF file fully into memory (file closed) and check it is one of the project's.

    Raises :class:`FileFormatError` naming the file when it does not exist, is a directory, is
    empty, truncated or not NetCDF, or lacks any of ``variables`` / ``attrs``.
    """
    import xarray as xr

    if path is None or not isinstance(path, (str, Path)):
        raise FileFormatError(f"{what} must be a file path, got {path!r}")
    from .validation import Names

    Names.check("variables", variables)
    Names.check("attrs", attrs)
    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"no {what} at {str(p)!r}")
    if p.is_dir():
        raise FileFormatError(f"{what} {str(p)!r} is a directory, not a NetCDF file")
    size = p.stat().st_size
    if size == 0:
        raise FileFormatError(f"{what} {str(p)!r} is empty")
    with open(p, "rb") as fh:
        magic = fh.read(8)
    if magic[:3] == b"CDF":
        engines = ["scipy"]
        expected = classic_netcdf_size(p)
        if expected is not None and size < expected:
            raise FileFormatError(f"{what} {str(p)!r} is truncated: {size} bytes, its header describes {expected}")
    elif magic == b"\x89HDF\r\n\x1a\n":
        engines = ["h5netcdf"]
    else:
        raise FileFormatError(f"{what} {str(p)!r} is not a NetCDF file (it starts with {magic[:8]!r})")
    errors = []
    for engine in engines:
        try:
            with xr.open_dataset(p, engine=engine) as ds:
                out = ds.load()
            break
        except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged file
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    else:
        raise FileFormatError(f"{what} {str(p)!r} cannot be read (truncated or damaged?): {'; '.join(errors)}")
    missing_v = [v for v in variables if v not in out.variables]
    if missing_v:
        raise FileFormatError(f"{what} {str(p)!r} lacks variable(s) {missing_v}; is it an eqtools file of this kind?")
    missing_a = [a for a in attrs if a not in out.attrs]
    if missing_a:
        raise FileFormatError(f"{what} {str(p)!r} lacks attribute(s) {missing_a}; is it an eqtools file of this kind?")
    return out


def load_pickle(path: str | Path, *, what: str = "file", expect: type | tuple[type, ...] | None = None,
                keys: Sequence[str] = ()) -> Any:
    """Unpickle ``path`` (a checkpoint or saved agent), refusing damaged files with :class:`FileFormatError`.

    ``expect``: the type the content must have; ``keys``: keys a dict content must have.
    Only unpickle files you trust (pickle can run code); eqtools writes these files itself.
    """
    import pickle

    if not isinstance(path, (str, Path)) or str(path) == "":
        raise FileFormatError(f"{what} must be a file path, got {path!r}")
    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"no {what} at {str(p)!r}")
    if p.is_dir():
        raise FileFormatError(f"{what} {str(p)!r} is a directory, not a file")
    if p.stat().st_size == 0:
        raise FileFormatError(f"{what} {str(p)!r} is empty")
    from .validation import Names

    Names.check("keys", keys)
    if expect is not None and not (isinstance(expect, type) or (
            isinstance(expect, tuple) and expect and all(isinstance(t, type) for t in expect))):
        raise ParameterError(f"expect must be a type, a tuple of types or None, got {expect!r}")
    try:
        with open(p, "rb") as fh:
            obj = pickle.load(fh)
    except Exception as exc:  # noqa: BLE001 - UnpicklingError, EOFError, ModuleNotFoundError, ...
        raise FileFormatError(f"{what} {str(p)!r} cannot be read (truncated or not a {what}?): "
                              f"{type(exc).__name__}: {exc}") from None
    if expect is not None and not isinstance(obj, expect):
        raise FileFormatError(f"{what} {str(p)!r} holds a {type(obj).__name__}, not what eqtools writes")
    missing = [k for k in keys if not isinstance(obj, dict) or k not in obj]
    if missing:
        raise FileFormatError(f"{what} {str(p)!r} lacks field(s) {missing}; is it an eqtools file of this kind?")
    return obj


def is_lazy(obj: Any) -> bool:
    """True for a dask array, or an xarray object with a dask-backed variable (dask not imported)."""
    if hasattr(obj, "data_vars"):
        return any(is_lazy(v) for v in obj.data_vars.values())
    data = getattr(obj, "data", obj)
    return hasattr(data, "dask") and hasattr(data, "chunks")


@contextlib.contextmanager
def dask_progress(desc: str = "blocks", enabled: bool = True) -> Iterator[None]:
    """A tqdm progress bar over the dask tasks run inside the ``with`` block (local schedulers).

    On a ``dask.distributed`` client the local callbacks do not fire; its dashboard or
    ``distributed.progress`` shows progress there.  ``enabled=False`` does nothing.
    """
    if not enabled:
        yield
        return
    from dask.callbacks import Callback
    from tqdm.auto import tqdm

    class _Bar(Callback):
        def _start_state(self, dsk: Any, state: Any) -> None:
            total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished") if k in state)
            self._bar = tqdm(total=total, desc=desc, unit="task", leave=False, disable=None)  # off when not a TTY

        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
            self._bar.update(1)

        def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
            self._bar.close()

    with _Bar():
        yield
