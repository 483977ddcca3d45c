"""Tournament-matrix containers: labelled ``xarray`` Datasets, NetCDF I/O and heatmaps.

A tournament dataset has dimensions ``row`` and ``col`` (strategy labels) and variables

* ``payoff_row``, ``payoff_col``: expected per-round payoff of the row / column player,
* ``coop_row``, ``coop_col``: cooperation rates,
* ``payoff_row_se`` ... ``coop_col_se``: standard errors (0 where the value is exact),
* ``exact``: whether each cell was computed exactly (True) or simulated (False),
* ``row_params``, ``col_params``: memory-one vectors ``(row|col, param)`` (NaN for players
  that are not memory-one).

Attributes: ``game`` (JSON), ``criterion`` (e.g. ``finite(n=100)``), ``noise`` (the
execution-error rate every player was subject to; 0.0 for error-free play), ``config`` (JSON
text of the full configuration that produced it), ``eqtools_version``.  Files written before
``noise`` existed load with ``noise = 0.0``.
Computation lives in :mod:`solvers.tournament`; this module only holds and stores results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Mapping, Sequence

import numpy as np
import xarray as xr

from .conventions import PARAM_NAMES
from .errors import ParameterError
from .games import BimatrixGame, Game
from .io import is_lazy
from .validation import IsMapping, IsSequence, validated

__all__ = [
    "VALUE_VARS",
    "make_tournament",
    "save_tournament",
    "load_tournament",
    "open_tournament",
    "tournament_game",
    "to_bimatrix",
    "plot_tournament",
]

VALUE_VARS: tuple[str, ...] = ("payoff_row", "payoff_col", "coop_row", "coop_col")


@validated
def make_tournament(
    row_names: Annotated[Sequence[str], IsSequence],
    col_names: Annotated[Sequence[str], IsSequence],
    values: Annotated[Mapping[str, Any], IsMapping],
    *,
    game: Game,
    criterion: str,
    stderr: Annotated[Mapping[str, Any] | None, IsMapping] = None,
    exact: Any = True,
    row_params: Any = None,
    col_params: Any = None,
    config: Annotated[Mapping[str, Any] | None, IsMapping] = None,
    noise: float = 0.0,
) -> xr.Dataset:
    """Assemble a tournament Dataset (see module docstring) and validate shapes."""
    from . import __version__
    from .strategies import validate_noise

    eps = validate_noise(noise)
    from .games import preset

    game = preset(game)
    rn, cn = [str(r) for r in row_names], [str(c) for c in col_names]
    shape = (len(rn), len(cn))
    data: dict[str, Any] = {}
    lazy = next((values[k] for k in VALUE_VARS if k in values and is_lazy(values[k])), None)
    for key in VALUE_VARS:
        if key not in values:
            raise ParameterError(f"tournament values lack {key!r}")
        if is_lazy(values[key]):  # dask-backed (chunked) tournament: kept lazy, never computed here
            arr = values[key].astype(np.float64)
        else:
            try:
                arr = np.asarray(values[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError(f"tournament variable {key} must be an array of numbers of shape {shape}") from None
        if tuple(arr.shape) != shape:
            raise ParameterError(f"tournament variable {key} has shape {tuple(arr.shape)}, expected {shape}")
        data[key] = (("row", "col"), arr)
        if stderr is not None and key in stderr:
            se = _broadcast(f"tournament stderr {key}", stderr[key], shape, np.float64)
        else:
            se = _zeros_like(lazy, shape, np.float64)
        data[f"{key}_se"] = (("row", "col"), se)
    if lazy is not None and np.ndim(exact) == 0:
        data["exact"] = (("row", "col"), _zeros_like(lazy, shape, bool) | bool(exact))
    else:
        data["exact"] = (("row", "col"), _broadcast("exact", exact, shape, bool))
    for key, params, n in (("row_params", row_params, shape[0]), ("col_params", col_params, shape[1])):
        arr = np.full((n, 5), np.nan) if params is None else _broadcast(key, params, None, np.float64)
        if arr.shape != (n, 5):
            raise ParameterError(f"{key} has shape {arr.shape}, expected {(n, 5)}")
        data[key] = ((key.split("_")[0], "param"), arr)
    ds = xr.Dataset(
        data,
        coords={"row": rn, "col": cn, "param": list(PARAM_NAMES)},
        attrs={
            "game": game.to_json(),
            "criterion": criterion,
            "noise": eps,
            "config": json.dumps(dict(config or {}), sort_keys=True, default=str),
            "eqtools_version": __version__,
        },
    )
    return ds


def _broadcast(name: str, value: Any, shape: tuple[int, int] | None, dtype: Any) -> np.ndarray:
    """``value`` as an array of ``dtype`` (broadcast to ``shape``), or :class:`ParameterError` naming it."""
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        arr = np.asarray(value, dtype=dtype)
        return arr if shape is None else np.broadcast_to(arr, shape).copy()
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be an array of numbers broadcastable to {shape or '(n, 5)'}, "
                             f"got {value!r}"[:300]) from None


def _zeros_like(lazy: Any, shape: tuple[int, int], dtype: Any) -> Any:
    """Zeros of ``shape``: a dask array chunked like ``lazy`` when given, else numpy."""
    if lazy is None:
        return np.zeros(shape, dtype=dtype)
    import dask.array as da

    return da.zeros(shape, dtype=dtype, chunks=lazy.chunks)


def tournament_game(ds: xr.Dataset) -> Game:
    """The :class:`Game` stored in a tournament's attributes."""
    from .errors import FileFormatError, GameError

    text = getattr(ds, "attrs", {}).get("game")
    if text is None:
        raise FileFormatError("tournament dataset lacks the 'game' attribute")
    try:
        return Game.from_json(text)
    except GameError as exc:
        raise FileFormatError(f"tournament attribute 'game' is not a valid game: {exc}") from None


def to_bimatrix(ds: xr.Dataset, name: str | None = None) -> BimatrixGame:
    """The meta-game of a tournament: row payoffs ``A``, column payoffs ``B``."""
    if not isinstance(ds, xr.Dataset) or any(v not in ds for v in ("payoff_row", "payoff_col")):
        raise ParameterError("to_bimatrix needs a tournament Dataset with payoff_row and payoff_col")
    return BimatrixGame(
        ds["payoff_row"].values,
        ds["payoff_col"].values,
        row_labels=tuple(str(v) for v in ds["row"].values),
        col_labels=tuple(str(v) for v in ds["col"].values),
        name=name or f"meta-game ({ds.attrs.get('criterion', '')})",
    )


def save_tournament(ds: xr.Dataset, path: str | Path, *, show_progress: bool = False) -> Path:
    """Write a tournament; returns the path.

    * a path ending in ``.zarr``: a Zarr store (a directory), written block by block;
    * otherwise NetCDF: a dask-backed (chunked) tournament goes to netCDF4 via h5netcdf, block by
      block, never held in memory; an in-memory one to classic NetCDF via scipy (no HDF5 needed).

    Zarr and streamed NetCDF need the ``dask`` extra (``pip install 'eqtools[dask]'``).
    ``show_progress``: a progress bar over the blocks (local dask schedulers).
    """
    from .errors import OutputPathError
    from .io import check_output_path, dask_progress

    if not isinstance(ds, xr.Dataset) or "exact" not in ds:
        raise ParameterError("save_tournament needs a tournament Dataset (see make_tournament)")
    zarr = str(path).endswith(".zarr") if isinstance(path, (str, Path)) else False
    path = _check_zarr_path(path) if zarr else check_output_path(path, "tournament output path")
    lazy = is_lazy(ds)
    out = ds.copy()
    out["exact"] = out["exact"].astype(np.int8)  # NetCDF has no bool type (Zarr kept alike)
    engine = "scipy"
    if zarr or lazy:
        for mod in (("zarr",) if zarr else ("h5netcdf", "dask")):
            try:
                __import__(mod)
            except ImportError:
                raise ParameterError(f"tournament output path {str(path)!r}: writing a {'Zarr store' if zarr else 'chunked tournament'} "
                                     f"needs {mod}; install the optional extra: pip install 'eqtools[dask]'") from None
        engine = "h5netcdf"
    try:
        with dask_progress(f"writing {Path(path).name}", show_progress and lazy):
            if zarr:
                out.to_zarr(path, mode="w", zarr_format=2, consolidated=True)  # v2: every reader, no warnings
            else:
                out.to_netcdf(path, engine=engine)
    except OSError as exc:
        raise OutputPathError(f"tournament output path {str(path)!r} cannot be written ({exc.strerror or exc})") from None
    return Path(path)


def _check_zarr_path(path: str | Path) -> Path:
    from .errors import OutputPathError
    from .io import check_output_dir

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputPathError(f"tournament output path {str(p)!r} exists and is not a directory (a Zarr store is one)")
    check_output_dir(p.parent if str(p.parent) else Path("."), "tournament output path's folder")
    return p


def load_tournament(path: str | Path) -> xr.Dataset:
    """Read a tournament written by :func:`save_tournament` (fully loaded, file closed)."""
    if isinstance(path, (str, Path)) and Path(path).is_dir() and str(path).rstrip("/").endswith(".zarr"):
        return open_tournament(path).load()
    from .io import read_netcdf

    out = read_netcdf(path, variables=VALUE_VARS + ("exact", "row", "col"), attrs=("game", "criterion"),
                      what="tournament file")
    return _finish_loaded(out)


def _finish_loaded(out: xr.Dataset) -> xr.Dataset:
    tournament_game(out)  # the game attribute must parse
    out["exact"] = out["exact"].astype(bool)
    out.attrs["noise"] = float(out.attrs.get("noise", 0.0))
    for coord in ("row", "col", "param"):
        if coord in out.coords:
            out = out.assign_coords({coord: [str(v) for v in out[coord].values]})
    return out


def open_tournament(path: str | Path, chunks: Any = "auto") -> xr.Dataset:
    """Open a tournament file or Zarr store *lazily* (dask-backed, ``chunks`` as in xarray).

    For tournaments larger than memory: analyse them with the streaming functions of
    :mod:`solvers.chunked`.  Needs the ``dask`` extra.  Damaged or foreign files raise
    :class:`~eqtools.errors.FileFormatError` naming the path.
    """
    from .errors import FileFormatError

    if path is None or not isinstance(path, (str, Path)):
        raise FileFormatError(f"tournament path must be a file or Zarr store path, got {path!r}")
    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"no tournament file or Zarr store at {str(p)!r}")
    try:
        import dask  # noqa: F401
    except ImportError:
        raise ParameterError("open_tournament needs dask; install the optional extra: pip install 'eqtools[dask]'") from None
    try:
        if p.is_dir():
            ds = xr.open_zarr(p, chunks=chunks)
        else:
            with open(p, "rb") as fh:
                magic = fh.read(8)
            engine = "scipy" if magic[:3] == b"CDF" else "h5netcdf" if magic == b"\x89HDF\r\n\x1a\n" else None
            if engine is None:
                raise FileFormatError(f"tournament file {str(p)!r} is not NetCDF (it starts with {magic!r})")
            ds = xr.open_dataset(p, engine=engine, chunks=chunks)
    except FileFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged or foreign store
        raise FileFormatError(f"tournament {str(p)!r} cannot be opened: {type(exc).__name__}: {exc}") from None
    missing = [v for v in VALUE_VARS + ("exact",) if v not in ds.variables] + [a for a in ("game", "criterion") if a not in ds.attrs]
    if missing:
        raise FileFormatError(f"tournament {str(p)!r} lacks {missing}; is it an eqtools tournament?")
    return _finish_loaded(ds)


@validated
def plot_tournament(ds: xr.Dataset, var: str = "payoff_row", path: str | Path | None = None, *, annotate: bool | None = None):
    """Heatmap of one tournament variable; returns the matplotlib Figure (saved if ``path``)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not isinstance(ds, xr.Dataset):
        raise ParameterError(f"ds must be a tournament Dataset (see eqtools.tournament.make_tournament), got {type(ds).__name__}")
    if var not in ds:
        raise ParameterError(f"tournament has no variable {var!r}; have {sorted(ds.data_vars)}")
    if path is not None:  # before drawing: a directory or unwritable path is refused by name
        from .io import check_plot_path

        check_plot_path(path, "path")
    arr = ds[var].values
    nr, nc = arr.shape
    if annotate is None:
        annotate = nr * nc <= 144
    size = min(12.0, 2.5 + 0.45 * max(nr, nc))
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    im = ax.imshow(arr, cmap="viridis", aspect="auto")
    fig.colorbar(im, ax=ax, label=var.replace("_", " "))
    if max(nr, nc) <= 40:
        ax.set_xticks(range(nc), [str(v) for v in ds["col"].values], rotation=60, ha="right")
        ax.set_yticks(range(nr), [str(v) for v in ds["row"].values])
    ax.set_xlabel("column strategy")
    ax.set_ylabel("row strategy")
    game = json.loads(ds.attrs.get("game", "{}"))
    crit = str(ds.attrs.get("criterion", ""))
    if "exact" in ds and not bool(ds["exact"].values.all()) and "simulated" not in crit:
        crit += f"; {int((~ds['exact'].values.astype(bool)).sum())} of {ds['exact'].size} cells simulated"
    ax.set_title(f"{var} — game {game.get('name', '?')}, {crit}", fontsize=10)
    if annotate:
        vmin, vmax = np.nanmin(arr), np.nanmax(arr)
        mid = (vmin + vmax) / 2
        for i in range(nr):
            for j in range(nc):
                ax.text(j, i, f"{arr[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if arr[i, j] > mid else "white")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
