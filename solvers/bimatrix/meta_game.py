"""Meta-game analysis of a tournament matrix at every size: Nash equilibria, ESS, replicator, α-Rank.

A tournament (:mod:`eqtools.tournament`) between strategies — memory-one or learned agents —
defines a symmetric meta-game whose "actions" are the entrants.  :func:`analyse_tournament`
analyses it in one call and never refuses for size:

* **Nash equilibria** (:func:`meta_game_equilibria`): complete enumeration of every extreme
  equilibrium (:func:`solvers.bimatrix.enumeration.extreme_equilibria`) when its cost estimate says it
  is feasible and it finishes within its budget; otherwise the reason is stated and a verified
  **sample** is returned (:func:`solvers.bimatrix.sampler.sample_equilibria`: Lemke–Howson from
  every label with lexicographic degeneracy resolution, symmetric equilibria with an ESS check,
  replicator dynamics from many seeded starts).  Either way every equilibrium is verified by its
  pure-deviation gains, lists the method(s) that found it, and the result says ``complete`` or
  not.
* replicator dynamics from the uniform mixture, α-Rank at finite α (``None`` when its rates
  underflow) and its exact α → ∞ limit (:mod:`solvers.bimatrix.response_graph`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import xarray as xr

from typing import Annotated

from eqtools.validation import Interval, MaxSize, NonNegative, OneOf, Positive, Seed, validated
from eqtools.errors import ChainError, EnumerationTooLarge, GameError, ParameterError
from eqtools.games import BimatrixGame
from eqtools.tournament import to_bimatrix

from .coerce import as_bimatrix
from .enumeration import estimate_enumeration_cost, extreme_equilibria
from .ess import ess_check
from .replicator import replicator_dynamics
from .response_graph import AlphaRank, AlphaRankLimit, alpharank, alpharank_limit
from .results import EquilibriumList, NashResult, NashSample, ReplicatorResult, SampledEquilibrium
from .sampler import sample_equilibria
from .verify import verify_equilibrium

__all__ = ["MetaGameNash", "MetaGameAnalysis", "meta_game_equilibria", "analyse_tournament", "analyse_matrix"]

COMPLETE_METHOD = "complete enumeration"


# ------------------------------------------------------------------ cost estimate


def _estimate(g: BimatrixGame, max_vertices: int) -> dict[str, Any]:
    """Cost estimate of complete enumeration (:func:`solvers.bimatrix.enumeration.estimate_enumeration_cost`)."""
    return dict(estimate_enumeration_cost(g, max_vertices=max_vertices))


def _enumerate(g: BimatrixGame, tol: float, max_vertices: int, time_limit: float | None) -> NashResult:
    return extreme_equilibria(g, tol=tol, max_vertices=max_vertices, time_limit=time_limit)


# ------------------------------------------------------------------ results


@dataclass(frozen=True, repr=False)
class MetaGameNash(EquilibriumList):
    """Nash equilibria of a meta-game: complete when enumeration ran, else a verified sample.

    ``equilibria``: verified equilibria, each with the ``methods`` that found it, its largest
    pure-deviation gain and, when symmetric, its ESS verdict.  ``complete``: every extreme
    equilibrium is listed (only when complete enumeration ran).  ``method``: what ran.
    ``reason``: why enumeration did not run or finish (when sampled); when complete, empty or a
    note that the verification tolerance had to be raised to 1e-7 (``tol`` says which held).  ``components``: index groups
    of ``equilibria`` — the connected components of the equilibrium set when complete; when
    sampled, groups joined by shared strategies (each inside one true component).
    ``maximal_nash_subsets``: from complete enumeration (convex sets of equilibria), else ().
    ``enumeration``: the cost estimate (and error, if enumeration was tried and stopped).
    ``raw``: the underlying :class:`NashResult` or :class:`NashSample`.
    """

    game: BimatrixGame
    equilibria: tuple[SampledEquilibrium, ...]
    complete: bool
    method: str
    reason: str
    components: tuple[tuple[int, ...], ...]
    tol: float
    tol_abs: float
    enumeration: dict[str, Any]
    raw: NashResult | NashSample
    maximal_nash_subsets: tuple[Any, ...] = ()
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def degenerate(self) -> bool | None:
        return getattr(self.raw, "degenerate", None)

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        return {
            **self._summary(),
            "verification": {
                "rule": "no pure deviation gains more than tol_abs (float64 gains plus a rigorous rounding bound)",
                "tol": self.tol,
                "tol_abs": self.tol_abs,
                "all_verified": True,
            },
            "degenerate": self.degenerate,
            "components": [list(c) for c in self.components],
            "maximal_nash_subsets": [s.to_dict(g.row_labels, g.col_labels) for s in self.maximal_nash_subsets],
            "equilibria": [e.to_dict(g.row_labels, g.col_labels) for e in self.equilibria],
            "enumeration": self.enumeration,
            "runs": self.runs,
            "seconds": self.seconds,
        }


def _from_complete(res: NashResult, tol: float) -> tuple[list[SampledEquilibrium], list[int]]:
    """Verified records for enumerated equilibria; returns (records, indices that failed)."""
    g = res.game
    sym_game = g.is_symmetric()
    out, bad = [], []
    for k, e in enumerate(res.equilibria):
        ok, gr, gc, bd = verify_equilibrium(g, e.x, e.y, tol=tol)
        if not ok:
            bad.append(k)
        sym = sym_game and bool(np.allclose(e.x, e.y, atol=1e-9, rtol=0))
        ess = ess_check(g.A, e.x) if sym else None
        out.append(SampledEquilibrium(
            np.asarray(e.x), np.asarray(e.y), float(e.payoff_row), float(e.payoff_col), (COMPLETE_METHOD,),
            gr, gc, bd, sym, None if ess is None else ess.is_ess, "" if ess is None else ess.reason,
        ))
    return out, bad


def _check_sample_options(options: dict[str, Any]) -> None:
    """Refuse unknown sampler options up front and check the known ones (they would otherwise be
    ignored silently whenever complete enumeration succeeds and the sampler never runs)."""
    import inspect

    from eqtools.validation import check_value
    import typing

    params = inspect.signature(sample_equilibria).parameters
    allowed = sorted(p for p in params if p not in ("game", "tol", "seed", "time_limit", "reason"))
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ParameterError(f"unknown sampler option(s) {unknown}; known: {allowed}")
    hints = typing.get_type_hints(sample_equilibria, include_extras=True)
    for k, v in options.items():
        check_value(k, hints[k], v)


@validated
def meta_game_equilibria(
    game: Any,
    *,
    tol: Annotated[float, Interval(0.0, 1e-3, lo_open=True, hi_open=True)] = 1e-9,
    seed: Annotated[int, Seed] = 0,
    max_vertices: Annotated[int, Positive] = 200_000,
    enumeration_time_limit: Annotated[float, Positive] | None = 5.0,
    time_limit: Annotated[float, Positive] | None = None,
    enumerate: bool = True,
    **sample_options: Any,
) -> MetaGameNash:
    """Nash equilibria of a (meta-)game: complete when feasible, a verified sample otherwise.

    ``game``: anything :func:`~solvers.bimatrix.coerce.as_bimatrix` accepts (a square matrix is read as
    a symmetric meta-game).  Complete enumeration is tried when the cost estimate calls it
    feasible, with budgets ``max_vertices`` and ``enumeration_time_limit`` seconds; if refused
    or stopped, the reason is kept and :func:`~solvers.bimatrix.sampler.sample_equilibria` runs
    (``seed``, ``time_limit`` and ``sample_options`` go to it).  ``tol``: verification tolerance
    relative to the payoff range.  ``enumerate=False`` skips enumeration (sample only).
    """
    t0 = time.perf_counter()
    _check_sample_options(sample_options)
    g = as_bimatrix(game)
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and 0 < tol < 1e-3):
        raise ParameterError(f"tol must be a finite number in (0, 1e-3), got {tol!r}")
    est: dict[str, Any] = {}
    reason = ""
    res: NashResult | None = None
    if enumerate:
        est = _estimate(g, max_vertices)
        if est.get("feasible"):
            try:
                res = _enumerate(g, tol, max_vertices, enumeration_time_limit)
            except (EnumerationTooLarge, ParameterError) as exc:
                reason = f"complete enumeration stopped: {exc}"
                est = {**est, "error": str(exc)}
        else:
            reason = f"complete enumeration skipped: {est.get('reason', 'estimated too costly')}"
    else:
        reason = "complete enumeration not requested (enumerate=False)"
    if res is not None and getattr(res, "complete", True):
        eqs, bad = _from_complete(res, tol)
        if bad and tol < 1e-7:
            # enumerated vertices carry the enumerator's own rounding (entries below its tol set
            # to 0): re-verify at 1e-7 and say so, rather than refuse
            reason = f"{len(bad)} enumerated profile(s) verify only at tol=1e-7, not at tol={tol}; tol raised to 1e-7"
            tol = 1e-7
            eqs, bad = _from_complete(res, tol)
        if bad:
            raise GameError(
                f"complete enumeration returned {len(bad)} profile(s) that fail verification at tol={tol} "
                f"(indices {bad[:5]}): numerical trouble; rescale the payoffs"
            )
        subsets = tuple(getattr(res, "maximal_nash_subsets", ()) or ())
        sa, sb = max(1.0, float(np.ptp(g.A))), max(1.0, float(np.ptp(g.B)))
        return MetaGameNash(
            game=g, equilibria=tuple(eqs), complete=True,
            method=f"{COMPLETE_METHOD} ({getattr(res, 'method', res.info.get('method', 'vertex enumeration'))})",
            reason=reason, components=tuple(tuple(c) for c in res.components), tol=tol, tol_abs=tol * max(sa, sb),
            enumeration=est, raw=res, maximal_nash_subsets=subsets, seconds=round(time.perf_counter() - t0, 3),
        )
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))
    sample = sample_equilibria(g, tol=tol, seed=seed, time_limit=left, reason=reason, **sample_options)
    return MetaGameNash(
        game=g, equilibria=sample.equilibria, complete=False, method=sample.method, reason=reason,
        components=sample.components, tol=tol, tol_abs=sample.tol_abs, enumeration=est, raw=sample,
        runs=sample.runs, seconds=round(time.perf_counter() - t0, 3),
    )


@dataclass(frozen=True)
class MetaGameAnalysis:
    """Everything :func:`analyse_tournament` computes (see the module docstring)."""

    labels: tuple[str, ...]
    nash: MetaGameNash
    replicator: ReplicatorResult | None
    alpharank: AlphaRank | None
    alpharank_limit: AlphaRankLimit | None
    alpha: float
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.nash.complete

    def to_dict(self) -> dict[str, Any]:
        nd = self.nash.to_dict()
        return {
            "labels": list(self.labels),
            "complete": self.nash.complete,
            "method": self.nash.method,
            "nash": nd,
            "nash_equilibria": nd["equilibria"],
            "symmetric_equilibria": [e.to_dict(self.labels, self.labels) for e in self.nash.symmetric()],
            "ess": [e.to_dict(self.labels, self.labels) for e in self.nash.symmetric() if e.ess],
            "degenerate": self.nash.degenerate,
            "replicator": None if self.replicator is None else self.replicator.to_dict(),
            "alpharank": None if self.alpharank is None else self.alpharank.to_dict(),
            "alpharank_limit": None if self.alpharank_limit is None
            else {k: v for k, v in self.alpharank_limit.to_dict().items() if k != "edges"},
            "alpha": self.alpha,
            "timings": self.timings,
            "notes": list(self.notes),
        }


@validated
def analyse_matrix(
    M: Any,
    labels: Sequence[str] | None = None,
    *,
    alpha: Annotated[float, Positive] = 10.0,
    m: Annotated[int, Interval(2, math.inf)] = 50,
    t_max: Annotated[float, Positive, MaxSize(10**6, "integrate a shorter time")] = 200.0,
    replicator: bool = True,
    name: str = "meta-game",
    **nash_options: Any,
) -> MetaGameAnalysis:
    """:func:`analyse_tournament` for a square payoff matrix ``M[i, j]`` (row strategy's payoff)."""
    from .replicator import _float_array

    M = _float_array("M", M, GameError)
    if labels is not None and (isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__")):
        raise ParameterError(f"labels must be a sequence of names, got {labels!r}")
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise GameError(f"meta-game matrix must be square and non-empty, got shape {M.shape}")
    labs = tuple(str(v) for v in labels) if labels is not None else tuple(f"s{i}" for i in range(M.shape[0]))
    g = BimatrixGame.symmetric(M, labs, name=name)  # validates finiteness and labels
    return _analyse(g, M, labs, alpha=alpha, m=m, t_max=t_max, replicator=replicator, **nash_options)


def _analyse(g: BimatrixGame, M: np.ndarray, labels: tuple[str, ...], *, alpha: float, m: int, t_max: float,
             replicator: bool, **nash_options: Any) -> MetaGameAnalysis:
    timings: dict[str, float] = {}
    notes: list[str] = []
    t = time.perf_counter()
    nash = meta_game_equilibria(g, **nash_options)
    timings["nash"] = round(time.perf_counter() - t, 3)
    rep = None
    if replicator:
        t = time.perf_counter()
        rep = replicator_dynamics(M, np.full(len(labels), 1.0 / len(labels)), t_max=t_max, labels=labels)
        timings["replicator"] = round(time.perf_counter() - t, 3)
    ar = None
    lim = None
    if len(labels) >= 2:
        t = time.perf_counter()
        try:
            ar = alpharank(M, alpha, m=m, labels=labels)
        except ChainError as exc:
            notes.append(f"α-Rank at alpha={alpha}: {exc}")
        lim = alpharank_limit(M, m=m, labels=labels)
        timings["alpharank"] = round(time.perf_counter() - t, 3)
    else:
        notes.append("α-Rank needs at least 2 strategies")
    return MetaGameAnalysis(labels, nash, rep, ar, lim, float(alpha), timings, tuple(notes))  # type: ignore[arg-type]


@validated
def analyse_tournament(
    ds: xr.Dataset,
    *,
    alpha: Annotated[float, Positive] = 10.0,
    m: Annotated[int, Interval(2, math.inf)] = 50,
    t_max: Annotated[float, Positive, MaxSize(10**6, "integrate a shorter time")] = 200.0,
    replicator: bool = True,
    **nash_options: Any,
) -> MetaGameAnalysis:
    """Meta-game of a *symmetric* tournament (rows = columns), at any size.

    Nash equilibria by :func:`meta_game_equilibria` (complete when feasible, else a verified
    sample; ``nash_options`` go there: ``tol``, ``seed``, ``time_limit``,
    ``enumeration_time_limit``, ``max_vertices``, ``max_labels``, ...), the replicator
    dynamics from the uniform mixture (skip with ``replicator=False``), α-Rank at ``alpha``
    (``None`` if its rates underflow; the reason is in ``notes``) and its α → ∞ limit.
    Raises :class:`ParameterError` for an asymmetric tournament, :class:`GameError` for
    non-finite payoffs, and :class:`~eqtools.errors.SizeLimitError` up front for a tournament
    whose whole matrices do not fit :data:`solvers.payoffs.MAX_BYTES` (analyse a sub-pool:
    :func:`solvers.chunked.sub_pool`; or stream: :func:`solvers.chunked.ranking`).
    """
    if not isinstance(ds, xr.Dataset):
        raise ParameterError(f"ds must be a tournament Dataset (see eqtools.tournament.make_tournament), got {type(ds).__name__}")
    for var in ("payoff_row", "payoff_col"):
        if var not in ds:
            raise ParameterError(f"tournament dataset lacks the variable {var!r}")
    from ..chunked import require_whole_matrix

    require_whole_matrix(ds, "meta-game analysis (Nash, α-Rank, replicator)")
    labels = tuple(str(v) for v in ds["row"].values)
    if not labels:
        raise GameError("tournament is empty (no strategies)")
    if labels != tuple(str(v) for v in ds["col"].values):
        raise ParameterError("meta-game analysis needs a symmetric tournament (same entrants as rows and columns)")
    M = np.asarray(ds["payoff_row"].values, dtype=float)
    Bc = np.asarray(ds["payoff_col"].values, dtype=float)
    for key, arr in (("payoff_row", M), ("payoff_col", Bc)):
        if not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise GameError(f"tournament variable {key} has a non-finite entry at ({labels[bad[0]]}, {labels[bad[1]]})")
    se = float(np.max(ds["payoff_row_se"].values, initial=0)) if "payoff_row_se" in ds else 0.0
    if not np.allclose(M, Bc.T, atol=se * 6 + 1e-9):
        raise ParameterError("tournament payoffs are not symmetric (payoff_col != payoff_row transposed)")
    bm = to_bimatrix(ds)
    # one symmetric meta-game: exact tournaments have payoff_col == payoff_row^T already; simulated
    # cells differ within their standard errors, and the average uses both estimates
    M = (M + Bc.T) / 2.0
    g = BimatrixGame.symmetric(M, labels, name=bm.name)
    return _analyse(g, M, labels, alpha=alpha, m=m, t_max=t_max, replicator=replicator, **nash_options)
