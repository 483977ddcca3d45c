"""Meta-game analysis of a tournament matrix: Nash equilibria, replicator dynamics, α-Rank.

A tournament (:mod:`eqtools.tournament`) between strategies — memory-one or learned agents —
defines a symmetric meta-game whose "actions" are the entrants.  :func:`analyse_tournament`
runs the exact solvers on it in one call and returns a JSON-friendly summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from eqtools.errors import ChainError, ParameterError
from eqtools.tournament import to_bimatrix

from .normal_form import NashResult, ReplicatorResult, extreme_equilibria, replicator_dynamics
from .response_graph import AlphaRank, AlphaRankLimit, alpharank, alpharank_limit

__all__ = ["MetaGameAnalysis", "analyse_tournament"]


@dataclass(frozen=True)
class MetaGameAnalysis:
    labels: tuple[str, ...]
    nash: NashResult
    replicator: ReplicatorResult
    alpharank: AlphaRank | None
    alpharank_limit: AlphaRankLimit
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        eqs = [e.to_dict(self.labels, self.labels) for e in self.nash.equilibria]
        return {
            "labels": list(self.labels),
            "nash_equilibria": eqs,
            "symmetric_equilibria": [e.to_dict(self.labels, self.labels) for e in self.nash.symmetric()],
            "degenerate": self.nash.degenerate,
            "replicator": self.replicator.to_dict(),
            "alpharank": None if self.alpharank is None else self.alpharank.to_dict(),
            "alpharank_limit": {k: v for k, v in self.alpharank_limit.to_dict().items() if k != "edges"},
            "alpha": self.alpha,
        }


def analyse_tournament(ds: xr.Dataset, *, alpha: float = 10.0, m: int = 50, t_max: float = 200.0) -> MetaGameAnalysis:
    """Meta-game of a *symmetric* tournament (rows = columns): all extreme Nash equilibria of the
    bimatrix meta-game, the replicator dynamics from the uniform mixture, α-Rank at ``alpha``
    (``None`` if its rates underflow) and its α → ∞ limit."""
    labels = tuple(str(v) for v in ds["row"].values)
    if labels != tuple(str(v) for v in ds["col"].values):
        raise ParameterError("meta-game analysis needs a symmetric tournament (same entrants as rows and columns)")
    bm = to_bimatrix(ds)
    M = np.asarray(ds["payoff_row"].values)
    if not np.allclose(M, np.asarray(ds["payoff_col"].values).T, atol=float(np.max(ds["payoff_row_se"].values, initial=0)) * 6 + 1e-9):
        raise ParameterError("tournament payoffs are not symmetric (payoff_col != payoff_row transposed)")
    nash = extreme_equilibria(bm)
    rep = replicator_dynamics(M, np.full(len(labels), 1.0 / len(labels)), t_max=t_max, labels=labels)
    try:
        ar = alpharank(M, alpha, m=m, labels=labels)
    except ChainError:
        ar = None
    lim = alpharank_limit(M, m=m, labels=labels)
    return MetaGameAnalysis(labels, nash, rep, ar, lim, float(alpha))
