"""Compute tournament matrices: exact for memory-one pairs, simulated otherwise.

Returns the labelled ``xarray`` containers of :mod:`eqtools.tournament`.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np
import xarray as xr

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, validate_noise
from eqtools.tournament import make_tournament

from .payoffs import payoff_matrix
from .simulate import MemoryOnePolicy, Policy, simulate

__all__ = ["Player", "tournament"]

Player = Union[MemoryOne, Policy]


def _as_players(x: StrategyPool | Sequence[Player]) -> list[Player]:
    if isinstance(x, StrategyPool):
        return list(x)
    players = list(x)
    if not players:
        raise ParameterError("a tournament needs at least one player on each side")
    for i, pl in enumerate(players):
        if not isinstance(pl, (MemoryOne, Policy)):
            raise ParameterError(f"player {i} ({pl!r}) is neither a MemoryOne strategy nor a Policy")
    return players


def _names(players: Sequence[Player]) -> list[str]:
    names = [getattr(p, "name", f"p{i}") for i, p in enumerate(players)]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ParameterError(f"player names must be unique within a side; duplicated: {dup[:5]}")
    return names


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
    config: dict[str, Any] | None = None,
    noise: float = 0.0,
    chunk: int | None = None,
) -> xr.Dataset:
    """All-pairs tournament of ``rows`` against ``cols`` (``cols`` defaults to ``rows``).

    Memory-one pairs are exact (finite horizon ``n``, discounted ``gamma`` or ``limit``);
    pairs involving any other :class:`~solvers.simulate.Policy` are simulated with ``matches``
    seeded matches each and carry standard errors.  With no criterion given, ``n = 100``.
    ``noise`` is the execution-error rate of every player (exact for memory-one pairs, applied
    to the sampled actions in simulated ones); the Dataset records it in ``attrs["noise"]``.

    ``chunk=c`` returns a dask-backed Dataset of ``c x c`` blocks, computed block by block by the
    same exact routes when written (:func:`eqtools.tournament.save_tournament`, Zarr or NetCDF)
    or reduced (:mod:`solvers.chunked`); memory-one players only (simulated cells are not
    chunked), and the ``dask`` extra is needed.
    """
    g = preset(game)
    eps = validate_noise(noise)
    if n is None and gamma is None and not limit:
        n = 100
    R = _as_players(rows)
    Cp = R if cols is None else _as_players(cols)
    rn, cn = _names(R), _names(Cp)
    if chunk is not None:
        return _chunked(R, Cp, rn, cn, g, n=n, gamma=gamma, limit=limit, noise=eps, chunk=chunk, config=config)
    r_m1 = np.array([isinstance(p, MemoryOne) for p in R])
    c_m1 = np.array([isinstance(p, MemoryOne) for p in Cp])
    shape = (len(R), len(Cp))
    vals = {k: np.full(shape, np.nan) for k in ("payoff_row", "payoff_col", "coop_row", "coop_col")}
    ses = {k: np.zeros(shape) for k in vals}
    exact = np.zeros(shape, dtype=bool)

    rparams = np.array([p.vector if isinstance(p, MemoryOne) else np.full(5, np.nan) for p in R])
    cparams = np.array([p.vector if isinstance(p, MemoryOne) else np.full(5, np.nan) for p in Cp])

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
    else:
        crit = f"finite(n={n})" if n is not None else (f"discounted(gamma={gamma:g})" if gamma is not None else "limit")
        if eps:
            crit = (crit[:-1] + f", noise={eps:g})") if crit.endswith(")") else f"{crit}(noise={eps:g})"

    todo = [(i, j) for i in range(shape[0]) for j in range(shape[1]) if not exact[i, j]]
    if todo:
        if limit:
            raise ParameterError("limit-of-means payoffs cannot be simulated; use n or gamma with non-memory-one players")
        sim_n = n if n is not None else None
        if sim_n is None:
            # Discounted: truncate where gamma^n < 1e-6 of the mass.
            sim_n = int(np.ceil(np.log(1e-6) / np.log(gamma)))  # type: ignore[arg-type]
        from tqdm.auto import tqdm

        for k, (i, j) in enumerate(tqdm(todo, desc="simulating", disable=len(todo) < 4, leave=False)):
            px = R[i] if not isinstance(R[i], MemoryOne) else MemoryOnePolicy(R[i].vector, R[i].name)
            py = Cp[j] if not isinstance(Cp[j], MemoryOne) else MemoryOnePolicy(Cp[j].vector, Cp[j].name)
            s = simulate(px, py, g, n=sim_n, gamma=gamma, matches=matches, seed=seed + k, noise=eps)
            for key, attr in (("payoff_row", "payoff_x"), ("payoff_col", "payoff_y"), ("coop_row", "coop_x"), ("coop_col", "coop_y")):
                vals[key][i, j] = float(getattr(s, attr))
                ses[key][i, j] = float(getattr(s, attr + "_se"))

    cfg = {
        "rows": rn, "cols": cn, "n": n, "gamma": gamma, "limit": limit, "noise": eps,
        "matches": matches if todo else None, "seed": seed if todo else None,
    }
    cfg.update(config or {})
    return make_tournament(
        rn, cn, vals, game=g, criterion=crit, stderr=ses, exact=exact,
        row_params=rparams, col_params=cparams, config=cfg, noise=eps,
    )


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
