"""Dask graph of a chunked payoff table, built from the in-memory routes passed in.

Kept below :mod:`solvers.payoffs` (it imports nothing from it): ``payoff_matrix(chunk=...)``
hands its own functions to :func:`build_chunked`, so the import graph has no circle
(``solvers.chunked`` -> ``solvers.payoffs`` -> ``solvers._dask_blocks``).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game

__all__ = ["require_dask", "build_chunked"]

_EXTRA_HINT = "install the optional extra: pip install 'eqtools[dask]' (dask[array], distributed, zarr, h5netcdf)"


def require_dask(field_name: str = "chunk") -> Any:
    """``dask.array``, or :class:`ParameterError` naming ``field_name`` and the extra to install."""
    try:
        import dask.array as da
    except ImportError:  # pragma: no cover - CI installs the extra
        raise ParameterError(f"{field_name}: dask-backed (chunked) results need dask; {_EXTRA_HINT}") from None
    return da


def _block_visits(P: np.ndarray, Q: np.ndarray, game: Game, crit: dict[str, Any], noise: float,
                  block: Callable[..., Any]) -> np.ndarray:
    """Visits ``(len(P), len(Q), 4)`` of one block by the in-memory route ``block`` (picklable)."""
    return block(P, Q, game, noise=noise, **crit).visits


def _block_quantity(visits: np.ndarray, k: int, game: Game, quantities: Callable[..., Any]) -> np.ndarray:
    # The arithmetic of PairResult.from_visits, so blocks equal the in-memory result bit for bit.
    return quantities(visits, game)[k]


def build_chunked(P: np.ndarray, Q: np.ndarray, game: Game, crit: dict[str, Any], noise: float, chunk: int, *,
                  block: Callable[..., Any], quantities: Callable[..., Any], result: type) -> Any:
    """Lazy ``result`` (a :class:`~solvers.payoffs.PairResult`) of dask arrays in ``chunk x chunk`` blocks.

    ``block`` is the in-memory ``payoff_matrix``, ``quantities`` its ``visit_quantities``; called by
    :func:`solvers.payoffs.payoff_matrix` with ``chunk`` (inputs already validated).
    """
    da = require_dask()
    R = da.from_array(np.ascontiguousarray(P, dtype=np.float64), chunks=(chunk, 5))
    C = da.from_array(np.ascontiguousarray(Q, dtype=np.float64), chunks=(chunk, 5))
    with warnings.catch_warnings():  # an (N, M) table has more blocks than its (N, 5) inputs: that is the point
        warnings.filterwarnings("ignore", message="Increasing number of chunks")
        visits = da.blockwise(
            _block_visits, "ijk", R, "il", C, "jl", new_axes={"k": 4}, concatenate=True, dtype=np.float64,
            meta=np.empty((0, 0, 0)), game=game, crit=dict(crit), noise=float(noise), block=block,
        )

    def q(k: int):
        return visits.map_blocks(_block_quantity, k, game, quantities, drop_axis=2, dtype=np.float64,
                                 meta=np.empty((0, 0)))

    # The criterion string and info of the in-memory route (a 1 x 1 probe: also validates n/gamma
    # up front and compiles the kernel before any block is scheduled).
    probe = block(P[:1], Q[:1], game, noise=noise, **crit)
    info = {**{k: v for k, v in probe.info.items() if k != "ergodic"}, "chunk": int(chunk), "lazy": True}
    return result(visits=visits, payoff_x=q(0), payoff_y=q(1), coop_x=q(2), coop_y=q(3),
                  criterion=probe.criterion, info=info)
