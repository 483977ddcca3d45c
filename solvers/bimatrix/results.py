"""Result types of the bimatrix algorithms, in one place.

* profiles: :class:`MixedProfile` (supports, dictionary fields), :class:`Equilibrium` (an
  extreme equilibrium from complete enumeration), :class:`SampledEquilibrium` (a verified
  equilibrium of a sample, with the methods that found it and its deviation gains);
* collections: :class:`EquilibriumList` (queries shared by every list of equilibria),
  :class:`NashResult` (complete enumeration, with :class:`NashSubset` maximal Nash subsets and
  components), :class:`NashSample` (a verified sample, never complete);
* per-algorithm verdicts: :class:`ESSResult`, :class:`CrossCheck`, :class:`ReplicatorResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from eqtools.games import BimatrixGame

__all__ = ["MixedProfile", "EquilibriumList", "Equilibrium", "NashSubset", "NashResult", "SampledEquilibrium",
           "NashSample", "ESSResult", "CrossCheck", "ReplicatorResult", "METHOD"]

#: The algorithm behind every :class:`NashResult` (docs/nash_enumeration.md).
METHOD = "vertex-graph search of the best-response polytopes + complementary labels"


class MixedProfile:
    """Supports and the common dictionary fields of a mixed-strategy profile ``(x, y)`` with
    payoffs (shared by complete-enumeration and sampled equilibria)."""

    x: np.ndarray
    y: np.ndarray
    payoff_row: float
    payoff_col: float

    @property
    def support_row(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.x > 0))

    @property
    def support_col(self) -> tuple[int, ...]:
        return tuple(int(j) for j in np.flatnonzero(self.y > 0))

    @property
    def is_pure(self) -> bool:
        return len(self.support_row) == 1 and len(self.support_col) == 1

    def _profile_dict(self) -> dict[str, Any]:
        return {
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "payoff_row": self.payoff_row,
            "payoff_col": self.payoff_col,
            "support_row": list(self.support_row),
            "support_col": list(self.support_col),
        }

    def _label_dict(self, row_labels: Sequence[str] | None, col_labels: Sequence[str] | None) -> dict[str, Any]:
        return _support_label_dict(self.support_row, self.support_col, row_labels, col_labels)


def _support_label_dict(support_row: Sequence[int], support_col: Sequence[int], row_labels: Sequence[str] | None,
                        col_labels: Sequence[str] | None) -> dict[str, Any]:
    """Supports by strategy name (only for the players whose labels are given)."""
    d: dict[str, Any] = {}
    if row_labels is not None:
        d["support_row_labels"] = [row_labels[i] for i in support_row]
    if col_labels is not None:
        d["support_col_labels"] = [col_labels[j] for j in support_col]
    return d


class EquilibriumList:
    """Queries shared by results that hold ``game`` and a tuple ``equilibria`` of profiles
    (complete enumeration, sampled equilibria, meta-game analysis)."""

    game: BimatrixGame
    equilibria: tuple[Any, ...]

    def symmetric(self, atol: float = 1e-9) -> tuple[Any, ...]:
        """Equilibria with ``x == y`` (meaningful for symmetric games)."""
        if self.game.shape[0] != self.game.shape[1]:
            return ()
        return tuple(e for e in self.equilibria if np.allclose(e.x, e.y, atol=atol, rtol=0))

    def contains(self, x: Any, y: Any, atol: float = 1e-6) -> bool:
        """Whether ``(x, y)`` is (numerically) one of the listed equilibria."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        return any(np.allclose(e.x, x, atol=atol, rtol=0) and np.allclose(e.y, y, atol=atol, rtol=0) for e in self.equilibria)

    def __iter__(self) -> Iterator[Any]:
        """Iterate over the equilibria: ``for e in result: e.x, e.y``."""
        return iter(self.equilibria)

    def __getitem__(self, k: int) -> Any:
        return self.equilibria[k]

    def __len__(self) -> int:
        return len(self.equilibria)

    def _summary(self) -> dict[str, Any]:
        """The head of ``to_dict`` of the results that say ``complete``, ``method`` and ``reason``."""
        return {"game": self.game.name, "shape": list(self.game.shape), "complete": self.complete,
                "method": self.method, "reason": self.reason, "n_equilibria": len(self.equilibria)}

    def __repr__(self) -> str:
        """One line: the type, how many equilibria, complete or not, the game's name and shape."""
        complete = getattr(self, "complete", None)
        status = "" if complete is None else (", complete" if complete else ", not known to be complete")
        m, n = self.game.shape
        return (f"{type(self).__name__}({len(self.equilibria)} equilibria{status}, "
                f"game {self.game.name!r} {m}x{n})")


@dataclass(frozen=True)
class Equilibrium(MixedProfile):
    """One extreme Nash equilibrium ``(x, y)`` with payoffs and supports."""

    x: np.ndarray
    y: np.ndarray
    payoff_row: float
    payoff_col: float
    row_vertex: int
    col_vertex: int

    def to_dict(self, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None) -> dict[str, Any]:
        return {**self._profile_dict(), **self._label_dict(row_labels, col_labels)}


@dataclass(frozen=True)
class NashSubset:
    """A maximal Nash subset: a maximal product ``conv(X) x conv(Y)`` of equilibria.

    ``row_vertices`` / ``col_vertices``: vertex ids (``Equilibrium.row_vertex`` / ``col_vertex``)
    of ``X`` and ``Y``, every pair of which is an extreme equilibrium (indices ``equilibria``
    into :attr:`NashResult.equilibria`); ``row_strategies`` / ``col_strategies``: those
    vertices as mixed strategies; ``support_row`` / ``support_col``: union of their supports;
    ``payoff_row`` / ``payoff_col``: (min, max) payoff over the set (attained at vertex pairs).
    A nondegenerate game has one singleton subset per equilibrium.
    """

    row_vertices: tuple[int, ...]
    col_vertices: tuple[int, ...]
    equilibria: tuple[int, ...]
    support_row: tuple[int, ...]
    support_col: tuple[int, ...]
    payoff_row: tuple[float, float]
    payoff_col: tuple[float, float]
    row_strategies: tuple[np.ndarray, ...] = ()
    col_strategies: tuple[np.ndarray, ...] = ()

    def to_dict(self, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "row_vertices": list(self.row_vertices),
            "col_vertices": list(self.col_vertices),
            "equilibria": list(self.equilibria),
            "support_row": list(self.support_row),
            "support_col": list(self.support_col),
            "payoff_row": list(self.payoff_row),
            "payoff_col": list(self.payoff_col),
            "row_strategies": [x.tolist() for x in self.row_strategies],
            "col_strategies": [y.tolist() for y in self.col_strategies],
        }
        return {**d, **_support_label_dict(self.support_row, self.support_col, row_labels, col_labels)}


@dataclass(frozen=True, repr=False)
class NashResult(EquilibriumList):
    """All extreme equilibria of a bimatrix game with degeneracy diagnostics.

    Attributes
    ----------
    equilibria:
        Every extreme equilibrium (completely labelled vertex pair), sorted.
    degenerate:
        True when some vertex of a best-response polytope has more labels than its dimension
        (``info["degeneracy_checked"]`` says which vertices were examined).
    degenerate_vertices:
        ``(player, mixed strategy, labels)`` for each over-labelled vertex (``player`` 0 = row).
    components:
        Connected components of the equilibrium set, as lists of indices into ``equilibria``;
        a component with one element is an isolated equilibrium.
    n_vertices:
        Number of vertices of ``P`` and ``Q`` (origin included); ``None`` for a polytope that
        was not enumerated in full (the lrsnash route needs only one).
    complete:
        True when every extreme equilibrium is listed (False only on a ``partial`` result
        carried by :class:`~eqtools.errors.EnumerationTooLarge`).
    method:
        The algorithm that produced the result.
    maximal_nash_subsets:
        Maximal Nash subsets (maximal bicliques of the extreme-equilibrium pairs).
    """

    game: BimatrixGame
    equilibria: tuple[Equilibrium, ...]
    degenerate: bool
    degenerate_vertices: tuple[tuple[int, np.ndarray, tuple[int, ...]], ...]
    components: tuple[tuple[int, ...], ...]
    n_vertices: tuple[int | None, int | None]
    info: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    method: str = METHOD
    maximal_nash_subsets: tuple[NashSubset, ...] = ()

    @property
    def isolated(self) -> tuple[bool, ...]:
        iso = [False] * len(self.equilibria)
        for comp in self.components:
            if len(comp) == 1:
                iso[comp[0]] = True
        return tuple(iso)

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        info = {k: v for k, v in self.info.items() if k != "estimate"}
        return {
            "game": g.name,
            "shape": list(g.shape),
            "method": self.method,
            "complete": self.complete,
            "n_equilibria": len(self.equilibria),
            "degenerate": self.degenerate,
            "degenerate_vertices": [
                {"player": "row" if p == 0 else "col", "strategy": v.tolist(), "labels": list(l)}
                for p, v, l in self.degenerate_vertices
            ],
            "components": [list(c) for c in self.components],
            "maximal_nash_subsets": [s.to_dict(g.row_labels, g.col_labels) for s in self.maximal_nash_subsets],
            "equilibria": [e.to_dict(g.row_labels, g.col_labels) for e in self.equilibria],
            "n_vertices": list(self.n_vertices),
            "info": info,
        }


@dataclass(frozen=True)
class SampledEquilibrium(MixedProfile):
    """One verified equilibrium ``(x, y)``.

    ``methods``: every method that found it.  ``gain_row`` / ``gain_col``: the largest gain of a
    pure deviation (payoff units, float64), ``gain_bound``: a rigorous bound on the rounding error
    of those gains; verified means ``max(gain) + gain_bound <= tol_abs``.  ``ess``: for symmetric
    equilibria of symmetric games, the verdict of :func:`ess_check` (None when not applicable).
    """

    x: np.ndarray
    y: np.ndarray
    payoff_row: float
    payoff_col: float
    methods: tuple[str, ...]
    gain_row: float
    gain_col: float
    gain_bound: float
    symmetric: bool = False
    ess: bool | None = None
    ess_reason: str = ""

    def to_dict(self, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            **self._profile_dict(),
            "methods": list(self.methods),
            "max_deviation_gain": max(self.gain_row, self.gain_col),
            "gain_rounding_bound": self.gain_bound,
            "symmetric": self.symmetric,
            "ess": self.ess,
        }
        if self.ess_reason:
            d["ess_reason"] = self.ess_reason
        d.update(self._label_dict(row_labels, col_labels))
        if row_labels is not None:
            d["x_by_label"] = {row_labels[i]: float(self.x[i]) for i in self.support_row}
        if col_labels is not None:
            d["y_by_label"] = {col_labels[j]: float(self.y[j]) for j in self.support_col}
        return d


@dataclass(frozen=True, repr=False)
class NashSample(EquilibriumList):
    """A verified, de-duplicated sample of Nash equilibria (never claimed complete).

    ``runs``: per method, what was attempted and what came of it (labels tried, paths that
    finished, candidates rejected by verification, time).  ``tol_abs``: the verification
    tolerance in payoff units (``tol`` times the payoff range, at least ``tol``).
    ``components``: groups of sampled equilibria joined by shared strategies (two equilibria
    sharing ``x`` or ``y`` are joined by a segment of equilibria); each group lies inside one
    connected component of the equilibrium set, but components may be larger than shown.
    """

    game: BimatrixGame
    equilibria: tuple[SampledEquilibrium, ...]
    runs: dict[str, dict[str, Any]]
    tol: float
    tol_abs: float
    components: tuple[tuple[int, ...], ...]
    complete: bool = False
    reason: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return "sample: " + ", ".join(k for k, v in self.runs.items() if v.get("ran", True))

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        return {
            **self._summary(),
            "tol": self.tol,
            "tol_abs": self.tol_abs,
            "runs": self.runs,
            "components": [list(c) for c in self.components],
            "equilibria": [e.to_dict(g.row_labels, g.col_labels) for e in self.equilibria],
        }


@dataclass(frozen=True)
class ESSResult:
    """ESS verdict for a symmetric equilibrium ``x`` of the symmetric game ``M``.

    ``is_ess``: True / False, or None when undetermined (``reason`` says why).  ``witness``: when
    False, a mutant ``y != x`` that invades (``y M x >= x M x`` and, on a tie there,
    ``y M y >= x M y``), checkable by plain arithmetic.
    """

    is_ess: bool | None
    reason: str
    witness: np.ndarray | None = None


@dataclass(frozen=True)
class CrossCheck:
    """Comparison of :func:`extreme_equilibria` with nashpy's algorithms.

    For each method: how many profiles it returned, how many are valid equilibria, how many
    of those are among our extreme equilibria, and the valid ones we do *not* have
    (``missed_by_us``: would signal a bug here; for degenerate games a method may return
    non-extreme equilibria, which are checked to lie in the convex hull of a component).
    ``missed_by_support_enumeration``: our extreme equilibria that support enumeration did
    not return (its known silent failure mode).
    """

    result: NashResult
    methods: dict[str, dict[str, Any]]
    missed_by_support_enumeration: tuple[int, ...] | None

    @property
    def consistent(self) -> bool:
        return all(not m["missed_by_us"] for m in self.methods.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_equilibria": len(self.result),
            "degenerate": self.result.degenerate,
            "consistent": self.consistent,
            "methods": {
                k: {kk: (vv if not isinstance(vv, np.ndarray) else vv.tolist()) for kk, vv in v.items() if kk != "missed_profiles"}
                for k, v in self.methods.items()
            },
            "missed_by_support_enumeration": None
            if self.missed_by_support_enumeration is None
            else list(self.missed_by_support_enumeration),
        }


@dataclass(frozen=True)
class ReplicatorResult:
    """Trajectory of the replicator dynamics ``dx_i/dt = x_i ((M x)_i - x.M x)``.

    ``converged``: the speed ``max_i |dx_i/dt|`` at the end is below ``tol``; ``final`` is then
    (numerically) a rest point.  ``rest_point_is_nash`` says whether it is also a symmetric Nash
    equilibrium of the symmetric game (no strategy outside the support earns more).
    """

    times: np.ndarray
    trajectory: np.ndarray
    final: np.ndarray
    speed: float
    converged: bool
    rest_point_is_nash: bool
    labels: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "final": dict(zip(self.labels, self.final.tolist())),
            "speed": self.speed,
            "converged": self.converged,
            "rest_point_is_nash": self.rest_point_is_nash,
        }
