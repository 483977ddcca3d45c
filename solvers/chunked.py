"""Tournaments past one machine's memory: dask-backed payoff matrices and streaming analysis.

A pool of ``N`` strategies has ``N^2`` pairs; at ``N = 20 000`` that is 4·10^8 pairs and 3.2 GB
per float64 quantity.  With ``chunk=c``, :func:`solvers.payoffs.payoff_matrix` and
:func:`solvers.tournament.tournament` build the ``(N, M)`` results as dask arrays of
``c x c`` blocks, each computed on demand by the in-memory routes (the compiled finite-horizon
kernel, the restart-chain GTH, the limit-of-means decomposition) — the same code, so a block
equals the in-memory result for the same pairs bit for bit.  Nothing runs until the result is
written (:func:`eqtools.tournament.save_tournament` to Zarr or NetCDF, block by block) or
reduced; the same graph runs unchanged on a ``dask.distributed`` cluster (the block function is
a plain module-level function, picklable).

Streaming analysis (each reads every block once, holding one block row at a time):
:func:`population_summary` (row and column means against the population), :func:`ranking`,
:func:`pool_best_response` (the entrant with the best mean payoff against a population mixture)
and :func:`sub_pool` (the top ``k`` entrants' sub-tournament, in memory, for the analyses that
need a whole matrix: Nash, α-Rank, replicator).  Whole-matrix analyses refuse large
tournaments up front (:func:`require_whole_matrix`, ``SizeLimitError`` with this hint).

Needs the optional extra ``pip install 'eqtools[dask]'`` (dask[array], distributed, zarr,
h5netcdf); without it, asking for ``chunk`` raises a named error saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game
from eqtools.io import dask_progress, is_lazy
from eqtools.validation import positive_int

from ._dask_blocks import build_chunked, require_dask
from .payoffs import PairResult, check_size, payoff_matrix, visit_quantities

__all__ = [
    "require_dask",
    "payoff_matrix_chunked",
    "progress",
    "require_whole_matrix",
    "population_summary",
    "ranking",
    "pool_best_response",
    "sub_pool",
]


def payoff_matrix_chunked(P: np.ndarray, Q: np.ndarray, game: Game, crit: dict[str, Any], noise: float, chunk: int):
    """Lazy :class:`~solvers.payoffs.PairResult` of dask arrays in ``chunk x chunk`` blocks.

    The same as :func:`solvers.payoffs.payoff_matrix` with ``chunk``, which checks the inputs:
    ``crit`` is ``{"n": n}``, ``{"gamma": gamma}`` or ``{"limit": True}``.
    """
    if not isinstance(crit, dict) or not set(crit) <= {"n", "gamma", "limit"}:
        raise ParameterError(f"crit must be a dict with one of the keys 'n', 'gamma', 'limit', got {crit!r}"[:300])
    return payoff_matrix(P, Q, game, noise=noise, chunk=positive_int("chunk", chunk), **crit)


#: Progress bar over dask tasks (local schedulers); defined in the core layer for save_tournament.
progress = dask_progress


def require_whole_matrix(ds: Any, what: str, copies: int = 8) -> None:
    """Refuse up front (``SizeLimitError``) an analysis that holds ``copies`` whole ``N x M`` matrices
    beyond :data:`solvers.payoffs.MAX_BYTES`, with the streaming alternatives in the hint."""
    sizes = getattr(ds, "sizes", None)
    if not hasattr(sizes, "get") or sizes.get("row") is None or sizes.get("col") is None:
        raise ParameterError("require_whole_matrix needs a tournament Dataset (dimensions row and col)")
    nr, nc = int(sizes["row"]), int(sizes["col"])
    copies = positive_int("copies", copies)
    check_size("tournament", copies * 8.0 * nr * nc, f"{what} of a {nr} x {nc} tournament (whole matrices in memory)",
               "analyse a sub-pool (solvers.chunked.sub_pool(ds, k), 'eqtools tournament --chunk ... --analyse-top K') "
               "or use the streaming analyses (population_summary, ranking, pool_best_response)")


def _check_tournament(ds: Any) -> None:
    import xarray as xr

    if not isinstance(ds, xr.Dataset) or any(v not in ds for v in ("payoff_row", "payoff_col")):
        raise ParameterError("expected a tournament Dataset with payoff_row and payoff_col (see make_tournament)")


def _weights(ds: Any, weights: Any) -> Any:
    import xarray as xr

    nc = int(ds.sizes["col"])
    if weights is None:
        return xr.DataArray(np.full(nc, 1.0 / nc), dims=("col",), coords={"col": ds["col"].values})
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"weights must be an array of numbers, got {type(weights).__name__}") from None
    if not np.all(np.isfinite(w)):
        raise ParameterError("weights must be finite numbers")
    if w.shape != (nc,):
        raise ParameterError(f"weights must have one entry per column strategy, shape ({nc},), got {w.shape}")
    if np.any(w < 0) or not w.sum() > 0:
        raise ParameterError("weights must be non-negative and not all zero (a population mixture over the columns)")
    return xr.DataArray(w / w.sum(), dims=("col",), coords={"col": ds["col"].values})


def population_summary(ds: Any, weights: Any = None, *, show_progress: bool = False) -> Any:
    """Row and column means against the population (streaming), as an in-memory ``xarray.Dataset``.

    ``payoff_vs_pop[row]``: the row entrant's mean payoff against the column population
    (``weights``: a mixture over the columns, default uniform); ``coop_vs_pop[row]`` likewise;
    ``payoff_of_pop[col]`` and ``coop_of_pop[col]``: the column entrant's own mean payoff and
    cooperation against the (uniform) row population.  One pass over the blocks.
    """
    import xarray as xr

    _check_tournament(ds)
    w = _weights(ds, weights)
    out = xr.Dataset({
        "payoff_vs_pop": (ds["payoff_row"] * w).sum("col"),
        "coop_vs_pop": (ds["coop_row"] * w).sum("col") if "coop_row" in ds else np.nan,
        "payoff_of_pop": ds["payoff_col"].mean("row"),
        "coop_of_pop": ds["coop_col"].mean("row") if "coop_col" in ds else np.nan,
    })
    with progress("population means", show_progress and is_lazy(ds)):
        return out.compute()


def ranking(ds: Any, weights: Any = None, *, show_progress: bool = False) -> list[tuple[str, float]]:
    """Entrants ranked by mean payoff against the population (streaming), best first: ``[(name, payoff)]``."""
    s = population_summary(ds, weights, show_progress=show_progress)["payoff_vs_pop"]
    order = np.argsort(-s.values, kind="stable")
    names = [str(v) for v in s["row"].values]
    return [(names[i], float(s.values[i])) for i in order]


def pool_best_response(ds: Any, weights: Any = None, *, show_progress: bool = False) -> dict[str, Any]:
    """The row entrant with the best mean payoff against a population mixture over the columns (streaming).

    Returns ``{"name", "index", "payoff", "runner_up", "gap"}``; ``gap`` is its margin over the
    runner-up (``0.0`` means a tie, broken by the lower index).  This is the best response *within
    the pool*; the exact best response in all of memory-one space to a single co-player is
    :func:`solvers.best_response.best_response`.
    """
    r = ranking(ds, weights, show_progress=show_progress)
    names = [str(v) for v in ds["row"].values]
    best, val = r[0]
    second = r[1] if len(r) > 1 else (None, float("nan"))
    return {"name": best, "index": names.index(best), "payoff": val, "runner_up": second[0],
            "gap": val - second[1] if second[0] is not None else float("nan")}


def sub_pool(ds: Any, k: int, weights: Any = None, *, show_progress: bool = False) -> Any:
    """The sub-tournament of the top ``k`` entrants by :func:`ranking`, loaded into memory.

    Needs a symmetric tournament (same entrants as rows and columns); for whole-matrix analyses
    (Nash, α-Rank, replicator) of a tournament too large to hold.
    """
    from eqtools.validation import positive_int

    k = positive_int("k", k)
    _check_tournament(ds)
    rows, cols = [str(v) for v in ds["row"].values], [str(v) for v in ds["col"].values]
    if rows != cols:
        raise ParameterError("sub_pool needs a symmetric tournament (same entrants as rows and columns)")
    k = min(k, len(rows))
    top = sorted(rows.index(name) for name, _ in ranking(ds, weights, show_progress=show_progress)[:k])
    sub = ds.isel(row=top, col=top)
    check = sub.assign_attrs(sub_pool=f"top {k} of {len(rows)} by mean payoff against the population")
    if is_lazy(check):
        with progress("sub-pool", show_progress):
            check = check.compute()
    return check
