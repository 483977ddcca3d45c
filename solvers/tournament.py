"""Compute tournament matrices: exact where the entrants are finite-state, simulated otherwise.

Memory-one pairs are batched (:mod:`solvers.payoffs`); pairs of finite-state entrants (machines,
Axelrod's finite-state strategies) go through the product chain (:mod:`solvers.finite_state`);
the rest are simulated once per unordered pair (:mod:`solvers.mixed_tournament`).  Returns the
labelled ``xarray`` containers of :mod:`eqtools.tournament`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Sequence, Union

import numpy as np
import xarray as xr

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, validate_noise
from eqtools.validation import require_unique
from eqtools.tournament import make_tournament
from eqtools.validation import IsMapping, validated

from .mixed_tournament import entrants, fill_cells
from .payoffs import payoff_matrix
from .simulate import Policy

__all__ = ["Player", "tournament"]

Player = Union[MemoryOne, Policy, Any]


def _as_players(x: StrategyPool | Sequence[Player]) -> list[Player]:
    if isinstance(x, StrategyPool):
        return list(x)
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise ParameterError(f"tournament players must be a sequence, got {type(x).__name__}")
    players = list(x)
    if not players:
        raise ParameterError("a tournament needs at least one player on each side")
    return players


@validated
def tournament(
    rows: StrategyPool | Sequence[Player],
    cols: StrategyPool | Sequence[Player] | None = None,
    game: Game | str = "paper",
    *,
    n: int | None = None,
    gamma: float | None = None,
    limit: bool = False,
    matches: int = 1000,
    seed: int = 0,
    config: Annotated[dict[str, Any] | None, IsMapping] = None,
    noise: float = 0.0,
    chunk: int | None = None,
) -> xr.Dataset:
    """All-pairs tournament of ``rows`` against ``cols`` (``cols`` defaults to ``rows``).

    Entrants: :class:`MemoryOne` strategies, :class:`~eqtools.machines.FiniteStateStrategy`
    machines, Axelrod players (classes or instances; classified by
    :func:`~eqtools.interop.axelrod_convert.classify_axelrod` for this game and match length)
    and JAX :class:`~solvers.simulate.Policy` objects.  Pairs of memory-one or finite-state
    entrants are exact (finite horizon ``n``, discounted ``gamma`` or ``limit``); the others
    are simulated with ``matches`` seeded matches per unordered pair (Axelrod's ``Match`` for
    Axelrod players, :func:`solvers.simulate.simulate` for JAX policies), filling both cells,
    with standard errors.  With no criterion given, ``n = 100``.  ``noise`` is the
    execution-error rate of every player; the Dataset records it in ``attrs["noise"]``.

    When cells are simulated, ``attrs["criterion"]`` ends in ``"; k of N cells simulated"`` and
    ``attrs["simulated_cells"] = k``; ``attrs["players"]`` (JSON) says how each entrant was
    played (kind, method, and why it was simulated).

    ``chunk=c`` returns a dask-backed Dataset of ``c x c`` blocks, computed block by block by the
    same exact routes when written (:func:`eqtools.tournament.save_tournament`, Zarr or NetCDF)
    or reduced (:mod:`solvers.chunked`); memory-one players only (simulated cells are not
    chunked), and the ``dask`` extra is needed.
    """
    g = preset(game)
    eps = validate_noise(noise)
    if n is None and gamma is None and not limit:
        n = 100
    length = float(n) if n is not None else float("inf")
    if chunk is not None:
        Rm = _as_players(rows)
        Cm = Rm if cols is None else _as_players(cols)
        return _chunked(Rm, Cm, _names(Rm), _names(Cm), g, n=n, gamma=gamma, limit=limit, noise=eps, chunk=chunk,
                        config=config)
    R = entrants(_as_players(rows), g, length=length, noise=eps)
    symmetric = cols is None
    Cp = R if symmetric else entrants(_as_players(cols), g, length=length, noise=eps)
    rn, cn = [e.name for e in R], [e.name for e in Cp]
    r_m1 = np.array([e.kind == "memory-one" for e in R])
    c_m1 = np.array([e.kind == "memory-one" for e in Cp])
    shape = (len(R), len(Cp))
    vals = {k: np.full(shape, np.nan) for k in ("payoff_row", "payoff_col", "coop_row", "coop_col")}
    ses = {k: np.zeros(shape) for k in vals}
    exact = np.zeros(shape, dtype=bool)

    rparams = np.array([e.strategy.vector if e.kind == "memory-one" else np.full(5, np.nan) for e in R])
    cparams = np.array([e.strategy.vector if e.kind == "memory-one" else np.full(5, np.nan) for e in Cp])

    crit = f"finite(n={n})" if n is not None else (f"discounted(gamma={gamma:g})" if gamma is not None else "limit")
    if eps:
        crit = (crit[:-1] + f", noise={eps:g})") if crit.endswith(")") else f"{crit}(noise={eps:g})"
    if r_m1.any() and c_m1.any():
        ri, ci = np.flatnonzero(r_m1), np.flatnonzero(c_m1)
        res = payoff_matrix(rparams[ri], cparams[ci], g, n=n, gamma=gamma, limit=limit, noise=eps)
        sub = np.ix_(ri, ci)
        vals["payoff_row"][sub] = res.payoff_x
        vals["payoff_col"][sub] = res.payoff_y
        vals["coop_row"][sub] = res.coop_x
        vals["coop_col"][sub] = res.coop_y
        exact[sub] = True
        crit = res.criterion

    info = fill_cells(R, Cp, vals, ses, exact, g, symmetric=symmetric, n=n, gamma=gamma, limit=limit, noise=eps,
                      matches=matches, seed=seed)
    n_sim = int((~exact).sum())
    if n_sim:
        crit = f"{crit}; {n_sim} of {exact.size} cells simulated"
    cfg = {
        "rows": rn, "cols": cn, "n": n, "gamma": gamma, "limit": limit, "noise": eps,
        "matches": matches if n_sim else None, "seed": seed if n_sim else None,
    }
    cfg.update(config or {})
    ds = make_tournament(
        rn, cn, vals, game=g, criterion=crit, stderr=ses, exact=exact,
        row_params=rparams, col_params=cparams, config=cfg, noise=eps,
    )
    ds.attrs["simulated_cells"] = n_sim
    ds.attrs["players"] = json.dumps({"rows": [e.to_dict() for e in R],
                                      "cols": None if symmetric else [e.to_dict() for e in Cp],
                                      "engines": info["engines"], "fallbacks": info["fallbacks"]})
    return ds


def _names(players: Sequence[Player]) -> list[str]:
    names = [getattr(p, "name", f"p{i}") for i, p in enumerate(players)]
    require_unique(names, "player names must be unique within a side")
    return names



def _chunked(R: list[Player], Cp: list[Player], rn: list[str], cn: list[str], g: Game, *, n: int | None,
             gamma: float | None, limit: bool, noise: float, chunk: Any, config: dict[str, Any] | None) -> xr.Dataset:
    """The dask-backed exact tournament (see :func:`tournament`)."""
    from eqtools.validation import positive_int

    chunk = positive_int("chunk", chunk)
    others = [p.name if hasattr(p, "name") else repr(p) for p in list(R) + list(Cp) if not isinstance(p, MemoryOne)]
    if others:
        raise ParameterError(f"chunk: chunked tournaments are exact only (memory-one players); not memory-one: {others[:5]}")
    rparams = np.array([p.vector for p in R])
    cparams = np.array([p.vector for p in Cp])
    res = payoff_matrix(rparams, cparams, g, n=n, gamma=gamma, limit=limit, noise=noise, chunk=chunk)
    vals = {"payoff_row": res.payoff_x, "payoff_col": res.payoff_y, "coop_row": res.coop_x, "coop_col": res.coop_y}
    cfg = {"rows": rn, "cols": cn, "n": n, "gamma": gamma, "limit": limit, "noise": noise,
           "matches": None, "seed": None, "chunk": chunk}
    cfg.update(config or {})
    return make_tournament(rn, cn, vals, game=g, criterion=res.criterion, exact=True, row_params=rparams,
                           col_params=cparams, config=cfg, noise=noise)
