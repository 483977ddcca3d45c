"""Nash equilibria of bimatrix games (stage games, meta-games from tournament matrices).

Main route: **all extreme equilibria** as the completely labelled vertex pairs of the two
best-response polytopes (von Stengel 2002; Avis, Rosenberg, Savani & von Stengel 2010)

    P = {x >= 0 : B'^T x <= 1},   Q = {y >= 0 : A' y <= 1},

with ``A', B'`` positive affine rescalings of the payoffs (equilibria are invariant under them).
A point carries the labels of its tight inequalities (row ``i`` unplayed / column ``j`` a best
response in ``P``; row ``i`` a best response / column ``j`` unplayed in ``Q``).  The extreme
equilibria are exactly the completely labelled vertex pairs other than ``(0, 0)``; this holds
for degenerate games too, provided labels are read from *all* tight constraints (done here).

Enumeration whose cost follows the output (:func:`extreme_equilibria`, docs/nash_enumeration.md):
a breadth-first search over the *vertex graph* of each polytope, vectorised one BFS level at a
time (batched inverses of the bases, one matrix product and one ratio test per level).  A
vertex is keyed by its set of tight constraints; at a degenerate vertex the edges are the
extreme rays of its tangent cone (double description on the few tight constraints), so every
vertex is visited once, with no lexicographic perturbation and none of the many bases a
degenerate vertex has.  The two searches advance in turn; when one polytope is exhausted with
no degenerate vertex, each of its vertices fixes the other player's complementary point by one
linear solve (the lrsnash idea); otherwise both are exhausted and completely labelled pairs are
matched by label bitmasks.  Cost: proportional to the number of vertices visited (times
``d^2 (m + n)``), never ``C(m + n, m)``.  Budgets (``max_vertices``, ``time_limit``) raise
:class:`~eqtools.errors.EnumerationTooLarge`, up front when :func:`estimate_enumeration_cost`
already shows the budget is hopeless.

Generic games take a shortcut: the smaller polytope's vertices come from qhull on its polar
and are accepted only with a combinatorial certificate that the list is complete (every vertex
simple, every edge with both endpoints listed); otherwise the search runs.

Equilibrium sets of degenerate games: ``components`` (connected components of the bipartite
graph of extreme-equilibrium pairs) and ``maximal_nash_subsets`` (its maximal bicliques: the
maximal convex sets ``conv(X) x conv(Y)`` of equilibria, as Gambit/lrsnash report them).

Cross-checks (:func:`cross_check`): nashpy's Lemke–Howson from every initial label, support
enumeration and vertex enumeration, each result verified by the best-response conditions and
matched against the list; anything found elsewhere but not here is reported as a miss.
The test suite compares the *set* of extreme equilibria with pygambit's ``enummixed``.

Also: :func:`replicator_dynamics` on a symmetric (tournament) matrix.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import networkx as nx
import numpy as np
import scipy.linalg

from eqtools.errors import ConvergenceError, EnumerationTooLarge, GameError, ParameterError
from eqtools.games import BimatrixGame, Game

__all__ = [
    "Equilibrium",
    "NashResult",
    "NashSubset",
    "CrossCheck",
    "ReplicatorResult",
    "as_bimatrix",
    "extreme_equilibria",
    "estimate_enumeration_cost",
    "is_equilibrium",
    "cross_check",
    "replicator_dynamics",
]


# ------------------------------------------------------------------ input


def as_bimatrix(game: Any) -> BimatrixGame:
    """Coerce to :class:`BimatrixGame`.

    Accepts a :class:`BimatrixGame`, a :class:`Game` (its stage game), a pair ``(A, B)``, or a
    single square matrix ``M`` read as a *symmetric* meta-game (row payoff ``M``, column payoff
    ``M.T``, e.g. a tournament matrix of row-strategy payoffs).  Non-numeric, non-finite, empty
    or mismatched payoffs raise :class:`GameError` naming the matrix.
    """
    if isinstance(game, BimatrixGame):
        return game
    if isinstance(game, Game):
        return game.bimatrix()
    if isinstance(game, tuple) and len(game) == 2:
        mats = []
        for name, M in zip(("A", "B"), game):
            try:
                mats.append(np.asarray(M, dtype=float))
            except (TypeError, ValueError) as exc:
                raise GameError(f"payoff matrix {name} is not a numeric array: {exc}") from None
        return BimatrixGame(mats[0], mats[1])
    try:
        arr = np.asarray(game, dtype=float)
    except (TypeError, ValueError) as exc:
        raise GameError(f"cannot read a bimatrix game from an object of type {type(game).__name__}: {exc}") from None
    if arr.ndim == 2:
        return BimatrixGame.symmetric(arr)
    raise GameError(f"cannot read a bimatrix game from an object of type {type(game).__name__} / shape {arr.shape}")


def _rescale(M: np.ndarray) -> np.ndarray:
    lo, hi = float(M.min()), float(M.max())
    span = hi - lo if hi > lo else 1.0
    return (M - lo) / span + 1.0


# ------------------------------------------------------------------ results


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


@dataclass(frozen=True)
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
    method: str = "vertex-graph search of the best-response polytopes + complementary labels"
    maximal_nash_subsets: tuple[NashSubset, ...] = ()

    def __len__(self) -> int:
        return len(self.equilibria)

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


# ------------------------------------------------------------ vertex search


def _keys(mask: np.ndarray) -> np.ndarray:
    """Hashable, sortable keys for rows of a boolean label mask (uint64 up to 64 labels, else bytes)."""
    packed = np.packbits(mask, axis=1, bitorder="little")
    nb = packed.shape[1]
    if nb <= 8:
        out = np.zeros((len(mask), 8), np.uint8)
        out[:, :nb] = packed
        return out.view("<u8")[:, 0]
    return np.ascontiguousarray(packed).view(np.dtype((np.void, nb))).ravel()


def _cone_rays(G: np.ndarray, tol: float) -> np.ndarray:
    """Extreme rays of the pointed cone ``{w : G w <= 0}`` (``G`` is ``t x d`` of rank ``d``).

    Double description: start from the simplicial cone of ``d`` independent rows (QR with column
    pivoting), add the other ``t - d`` rows one at a time and keep the new rays made of adjacent
    pairs (combinatorial adjacency test).  Used only at degenerate vertices (``t > d``), where
    it gives the edges leaving the vertex.  Rows of the result are rays scaled to max-abs 1.
    """
    t, d = G.shape
    _, _, piv = scipy.linalg.qr(G.T, pivoting=True, mode="economic")
    basis = piv[:d]
    R = -np.linalg.inv(G[basis]).T
    R /= np.abs(R).max(axis=1, keepdims=True)
    Z = np.zeros((d, t), dtype=bool)
    Z[:, basis] = ~np.eye(d, dtype=bool)
    for hrow in piv[d:]:
        v = R @ G[hrow]
        eps = tol * max(1.0, float(np.abs(G[hrow]).max()))
        pos, neg = v > eps, v < -eps
        Z[~(pos | neg), hrow] = True
        Pi, Ni = np.flatnonzero(pos), np.flatnonzero(neg)
        new_r: list[np.ndarray] = []
        new_z: list[np.ndarray] = []
        if len(Pi) and len(Ni):
            common = Z[Pi][:, None, :] & Z[Ni][None, :, :]
            for a, b in np.argwhere(common.sum(axis=2) >= d - 2):
                c = common[a, b]
                inside = Z[:, c].all(axis=1)
                inside[Pi[a]] = inside[Ni[b]] = False
                if inside.any():  # another ray lies on the same face: not adjacent
                    continue
                r = v[Pi[a]] * R[Ni[b]] - v[Ni[b]] * R[Pi[a]]
                new_r.append(r / np.abs(r).max())
                zz = c.copy()
                zz[hrow] = True
                new_z.append(zz)
        keep = ~pos
        R = np.vstack([R[keep]] + ([np.array(new_r)] if new_r else []))
        Z = np.vstack([Z[keep]] + ([np.array(new_z)] if new_z else []))
    return R


class _Budget(Exception):
    """Internal: the vertex or time budget ran out (converted to EnumerationTooLarge)."""


class _VertexSearch:
    """Breadth-first search over the vertex graph of ``{z in R^d : z >= 0, C^T z <= 1}``.

    ``C`` (``d x e``) is positive, so the polyhedron is a polytope with the origin as a
    (nondegenerate) vertex.  A vertex is identified by its set of tight constraints (its
    labels: ``z_i = 0`` first, then ``(C^T z)_j = 1``), which is unique to it.  From a vertex
    with exactly ``d`` tight constraints ``T`` the ``d`` edges are the columns of ``-G_T^{-1}``
    (vectorised over a whole BFS level: one matrix product and one ratio test; the inverse
    basis of a new vertex is the parent's after one rank-one pivot update, recomputed from
    scratch whenever it no longer solves its basis to 1e-11, so rounding cannot accumulate).  From a degenerate vertex
    (more than ``d`` tight constraints) the edges are the extreme rays of its tangent cone,
    found by :func:`_cone_rays`.  Each edge is followed to the next vertex by a ratio test; the
    graph of a polytope is connected, so the search meets every vertex, each once (no
    lexicographic perturbation, none of the many bases of a degenerate vertex).
    """

    def __init__(self, C: np.ndarray, tol: float, chunk_elems: int = 1 << 21, refresh: int = 1000):
        d, e = C.shape
        self.C, self.d, self.e, self.k, self.tol = C, d, e, d + e, tol
        self.G = np.vstack([-np.eye(d), C.T])
        self.h = np.concatenate([np.zeros(d), np.ones(e)])
        m0 = np.zeros((1, self.k), dtype=bool)
        m0[0, :d] = True
        self.visited = np.sort(_keys(m0))
        self.points: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.frontier, self.fmask = np.zeros((1, d)), m0
        # carried bases of nondegenerate frontier vertices: order of tight rows and inverse
        self.fT: np.ndarray | None = None
        self.fB: np.ndarray | None = None
        self.n_found = 1
        self.n_degenerate = 0
        self.levels = 0
        self.refresh = refresh
        self.chunk = max(1, chunk_elems // (d * self.k))

    @property
    def done(self) -> bool:
        return len(self.frontier) == 0

    def _inv(self, T: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.inv(self.G[T])
        except np.linalg.LinAlgError as exc:
            raise GameError(f"numerical trouble: a singular basis at a vertex (tol={self.tol})") from exc

    def _follow(self, S: np.ndarray, W: np.ndarray):
        """Follow ``r`` directions per vertex: ``S`` (N, k) slacks, ``W`` (N, r, d) unit directions.

        Returns the step lengths ``lam`` (N, r), the first blocking constraint (N, r) and the
        tight masks at the far ends (N, r, k).
        """
        N, r, d = W.shape
        gw = np.empty((N, r, self.k))
        np.negative(W, out=gw[..., :d])
        gw[..., d:] = (W.reshape(-1, d) @ self.C).reshape(N, r, self.e)
        # ratio test as a max of rates gw_i / S_i (one product, no division per entry); tight
        # constraints (S_i <= tol) get rate 0: from a vertex every edge keeps them or leaves them
        inv_s = np.zeros_like(S)
        np.divide(1.0, S, out=inv_s, where=S > self.tol)
        rate = gw * inv_s[:, None, :]
        enter = rate.argmax(axis=2)
        mu = np.take_along_axis(rate, enter[..., None], axis=2)[..., 0]
        if not np.all(mu > 0):
            raise GameError("unbounded edge in a best-response polytope: numerical trouble (payoffs too close to degenerate)")
        lam = 1.0 / mu
        gw *= lam[..., None]
        np.subtract(S[:, None, :], gw, out=gw)
        return lam, enter, gw <= self.tol

    def _accept(self, tight: np.ndarray, lam: np.ndarray, W: np.ndarray, z: np.ndarray):
        """Keep the far ends not seen before: (points, masks, owner, direction index) or None."""
        N, r, d = W.shape
        tight = tight.reshape(N * r, self.k)
        keys = _keys(tight)
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, self.visited, assume_unique=True)
        if not fresh.any():
            return None
        first = first[fresh]
        self.visited = np.union1d(self.visited, keys[fresh])
        self.n_found += len(first)
        owner, j = np.divmod(first, r)
        pts = z[owner] + lam.reshape(-1)[first, None] * W[owner, j]
        masks = tight[first]
        pts = np.clip(pts, 0.0, None)
        # The far end of a long edge can carry ~1e-9 of rounding, enough to hide a tight
        # constraint: vertices with a near-tight constraint (slack in (tol, 1e-6]) are refined
        # from their own tight set and their labels re-read.
        slack = self.h[None, :] - pts @ self.G.T
        sus = np.flatnonzero(np.any((np.abs(slack) > self.tol) & (np.abs(slack) <= 1e-6), axis=1))
        changed = np.zeros(0, dtype=np.intp)
        if len(sus):
            Gm = self.G[None, :, :] * masks[sus][:, :, None]
            GtG = np.einsum("nki,nkj->nij", Gm, Gm)
            Gth = np.einsum("nki,k->ni", Gm, self.h)
            try:
                ref = np.linalg.solve(GtG, Gth[..., None])[..., 0]
            except np.linalg.LinAlgError:
                ref = pts[sus]  # rank-deficient tight set: caught as "fewer than d labels" next level
            good = np.all(np.isfinite(ref), axis=1) & (np.abs(ref - pts[sus]).max(axis=1) <= 1e-6)
            pts[sus[good]] = np.clip(ref[good], 0.0, None)
            new_masks = np.abs(self.h[None, :] - pts[sus] @ self.G.T) <= self.tol
            ch = np.any(new_masks != masks[sus], axis=1) & good
            changed = sus[ch]
            if len(changed):
                masks = masks.copy()
                masks[changed] = new_masks[ch]
        if len(changed):
            ck = _keys(masks[changed])
            seen = np.isin(ck, self.visited)
            ck_u, ck_first = np.unique(ck, return_index=True)
            dup = np.ones(len(changed), dtype=bool)
            dup[ck_first] = False  # several candidates may refine to the same vertex
            drop = changed[seen | dup]
            self.visited = np.union1d(self.visited, ck_u)
            if len(drop):
                keep = np.ones(len(pts), dtype=bool)
                keep[drop] = False
                self.n_found -= len(drop)
                pts, masks, owner, j, first = pts[keep], masks[keep], owner[keep], j[keep], first[keep]
                if not len(pts):
                    return None
        return pts, masks, owner, j, first

    def step(self, budget: "_BudgetState") -> None:
        """Process one BFS level (all vertices of the current frontier)."""
        d, tol = self.d, self.tol
        F, FM = self.frontier, self.fmask
        cnt = FM.sum(axis=1)
        if np.any(cnt < d):
            raise GameError(
                f"numerical trouble: a computed vertex has only {int(cnt.min())} tight constraints (< dimension {d}); "
                f"tol={tol} may be too small for these payoffs"
            )
        carried = self.fT is not None and self.levels % self.refresh != 0
        out_pts = F.copy()
        new: list[tuple] = []
        nd = np.flatnonzero(cnt == d)
        for s0 in range(0, len(nd), self.chunk):
            ii = nd[s0 : s0 + self.chunk]
            if carried:
                T, Binv = self.fT[ii], self.fB[ii].copy()  # type: ignore[index]
                z = np.einsum("nij,nj->ni", Binv, self.h[T])
                # an updated inverse must still solve its basis: else recompute it from scratch
                res = np.abs(np.einsum("nij,nj->ni", self.G[T], z) - self.h[T]).max(axis=1)
                bad = ~(res <= 1e-11)
                if bad.any():
                    Binv[bad] = self._inv(T[bad])
                    z[bad] = np.einsum("nij,nj->ni", Binv[bad], self.h[T[bad]])
            else:
                T = np.nonzero(FM[ii])[1].reshape(len(ii), d)
                Binv = self._inv(T)
                z = np.einsum("nij,nj->ni", Binv, self.h[T])
            z = np.clip(z, 0.0, None)
            out_pts[ii] = z
            Wraw = -np.swapaxes(Binv, 1, 2)  # Wraw[n, j]: direction leaving the j-th tight row
            scale = np.abs(Wraw).max(axis=2, keepdims=True)
            W = Wraw / scale
            S = np.maximum(np.hstack([z, 1.0 - z @ self.C]), 0.0)
            lam, enter, tight = self._follow(S, W)
            got = self._accept(tight, lam, W, z)
            if got is not None:
                pts, masks, owner, j, flat = got
                # rank-one update of the inverse basis for children with exactly d tight rows
                ok = masks.sum(axis=1) == d
                Tn = np.full((len(pts), d), -1, dtype=np.intp)
                Bn = np.full((len(pts), d, d), np.nan)
                if ok.any():
                    o, jj, ent = owner[ok], j[ok], enter.reshape(-1)[flat[ok]]
                    Bo = Binv[o]
                    u = Bo[np.arange(len(o)), :, jj]  # column jj of the parent's inverse
                    v = np.einsum("ci,cij->cj", self.G[ent], Bo)  # g_enter^T Binv
                    alpha = v[np.arange(len(o)), jj]
                    v[np.arange(len(o)), jj] -= 1.0
                    Bn[ok] = Bo - u[:, :, None] * (v / alpha[:, None])[:, None, :]
                    Tk = T[o].copy()
                    Tk[np.arange(len(o)), jj] = ent
                    Tn[ok] = Tk
                new.append((pts, masks, Tn, Bn))
            budget.check(self)
        for i in np.flatnonzero(cnt > d):
            self.n_degenerate += 1
            Gt, ht = self.G[FM[i]], self.h[FM[i]]
            z = np.clip(np.linalg.lstsq(Gt, ht, rcond=None)[0], 0.0, None)[None, :]
            out_pts[i] = z[0]
            try:
                W = _cone_rays(Gt, 1e-9)[None, :, :]
            except np.linalg.LinAlgError as exc:
                raise GameError(f"numerical trouble: the tight constraints at a degenerate vertex are rank-deficient (tol={tol})") from exc
            S = np.maximum(np.hstack([z, 1.0 - z @ self.C]), 0.0)
            lam, _enter, tight = self._follow(S, W)
            got = self._accept(tight, lam, W, z)
            if got is not None:
                pts, masks = got[0], got[1]
                new.append((pts, masks, np.full((len(pts), d), -1, dtype=np.intp), np.full((len(pts), d, d), np.nan)))
            budget.check(self)
        self.points.append(out_pts)
        self.masks.append(FM)
        self.levels += 1
        if new:
            self.frontier = np.concatenate([a[0] for a in new])
            self.fmask = np.concatenate([a[1] for a in new])
            self.fT = np.concatenate([a[2] for a in new])
            self.fB = np.concatenate([a[3] for a in new])
            # vertices reached from a degenerate one (or found through a tie) have no carried basis
            if np.any(self.fT[:, 0] < 0) and self.levels % self.refresh != 0:
                missing = np.flatnonzero((self.fT[:, 0] < 0) & (self.fmask.sum(axis=1) == d))
                if len(missing):
                    T = np.nonzero(self.fmask[missing])[1].reshape(len(missing), d)
                    self.fB[missing] = self._inv(T)
                    self.fT[missing] = T
        else:
            self.frontier, self.fmask = np.zeros((0, d)), np.zeros((0, self.k), dtype=bool)
            self.fT = self.fB = None

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertices found so far (processed ones) and their tight-constraint masks."""
        if not self.points:
            return np.zeros((0, self.d)), np.zeros((0, self.k), dtype=bool)
        return np.concatenate(self.points), np.concatenate(self.masks)


@dataclass
class _BudgetState:
    max_vertices: int | None
    deadline: float | None
    searches: list = field(default_factory=list)

    def check(self, _s: Any = None) -> None:
        total = sum(s.n_found for s in self.searches)
        if self.max_vertices is not None and total > self.max_vertices:
            raise _Budget(f"more than max_vertices={self.max_vertices} vertices")
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise _Budget("time_limit reached")


# ------------------------------------------------------------ certified qhull route

# The polar-hull route is tried for polytopes of dimension at most this (qhull's output, the
# vertex count, grows fast with the dimension; beyond it the search runs directly).
_HULL_MAX_DIM = 16


def _hull_vertices(C: np.ndarray, tol: float, max_vertices: int | None) -> tuple[np.ndarray, np.ndarray] | None:
    """All vertices of a *simple* polytope ``{z >= 0, C^T z <= 1}`` from qhull, with a certificate.

    The polytope is shifted so that an interior point ``c`` sits at the origin; its facets
    ``g_k (z - c) <= s_k`` become the points ``g_k / s_k`` of the polar, whose hull facets
    (``scipy.spatial.ConvexHull``, triangulated) are the polytope's vertices.  Labels are then
    re-read from *all* constraints at each vertex, and the list is accepted only with an exact
    combinatorial certificate of completeness:

    * every vertex is feasible and has exactly ``d`` tight constraints (the polytope is simple
      there), the same ``d`` that span its qhull facet;
    * every ``(d - 1)``-subset of a vertex's tight set, i.e. every edge leaving it, is shared
      by exactly two listed vertices: its two endpoints.

    Then the list is closed under adjacency in the vertex graph, which is connected, so it is
    every vertex.  Returns ``(V, masks)`` in the search's constraint order (``V`` for the payoffs
    rescaled to [0.1, 1.1]: the same vertices after normalisation to mixed strategies), or None (degenerate
    or tied payoffs, a qhull failure, too many vertices, a failed certificate): the caller then
    runs the vertex-graph search, which is exact on degenerate polytopes.
    """
    from scipy.spatial import ConvexHull, QhullError

    d, e = C.shape
    # A positive affine rescaling to [0.1, 1.1] (same labels, same normalised vertices): it spreads
    # the polar points more than [1, 2] does, which halves qhull's time at 16 strategies.
    span = float(np.ptp(C))
    C = (C - float(C.min())) / (span if span > 0 else 1.0) + 0.1
    G = np.vstack([-np.eye(d), C.T])
    h = np.concatenate([np.zeros(d), np.ones(e)])
    c = np.full(d, 0.5 / float(C.sum(axis=0).max()))  # C > 0: then C^T c <= 1/2 and c > 0
    s = h - G @ c
    try:
        hull = ConvexHull(G / s[:, None])
    except (QhullError, ValueError):
        return None
    eq = hull.equations
    if not np.all(eq[:, -1] < 0):  # the origin (the interior point) must be strictly inside
        return None
    Z = c - eq[:, :-1] / eq[:, -1:]
    slack = h[None, :] - Z @ G.T
    if slack.min() < -tol:
        return None
    M = np.abs(slack) <= tol
    if np.any(M.sum(axis=1) != d):
        return None  # a degenerate vertex (or a near-tie): leave it to the exact search
    simp = np.zeros_like(M)
    np.put_along_axis(simp, hull.simplices, True, axis=1)
    if not np.array_equal(simp, M):
        return None
    keys = _keys(M)
    keys, first = np.unique(keys, return_index=True)
    Z, M = Z[first], M[first]
    if max_vertices is not None and len(Z) > max_vertices:
        return None
    if not _edges_closed(M):
        return None
    return np.clip(Z, 0.0, None), M


def _edges_closed(M: np.ndarray) -> bool:
    """Completeness certificate for the vertices of a simple polytope, from their tight sets.

    ``M`` (N, k): tight-constraint masks of distinct vertices, each with exactly ``d`` tight
    constraints.  At a simple vertex every ``(d - 1)``-subset of its tight set spans an edge,
    and the vertices carrying that subset are exactly the edge's two endpoints.  If every such
    subset occurs exactly twice, every neighbour of every listed vertex is listed; the vertex
    graph of a polytope is connected, so the list is complete.
    """
    N, k = M.shape
    d = int(M[0].sum()) if N else 0
    if N < 2 or np.any(M.sum(axis=1) != d):
        return False
    T = np.nonzero(M)[1].reshape(N, d)
    E = np.repeat(M[:, None, :], d, axis=1)
    E[np.arange(N)[:, None], np.arange(d)[None, :], T] = False
    _, counts = np.unique(_keys(E.reshape(-1, k)), return_counts=True)
    return bool(np.all(counts == 2))


def _no_ties(M: np.ndarray, axis: int) -> bool:
    """No two equal payoffs along ``axis`` (ties make best-response polytopes degenerate)."""
    srt = np.sort(M, axis=axis)
    return not np.any(np.diff(srt, axis=axis) == 0)


# ------------------------------------------------------------ tiny games

# Games with at most this many label subsets per polytope (C(m + n, m)) are solved in one batch.
_SMALL_GAME_SYSTEMS = 1000


def _polytope_vertices_small(C: np.ndarray, tol: float, chunk: int = 200_000) -> np.ndarray:
    """Vertices (other than 0) of ``{z in R^d : z >= 0, C^T z <= 1}`` by solving every square system.

    Only for tiny games (``C(d + e, d)`` at most ``_SMALL_GAME_SYSTEMS``), where one batch of all
    label subsets is cheaper than the search's per-level overhead.  Returns ``(V, d)``, duplicates merged.
    """
    d, e = C.shape
    found: list[np.ndarray] = []
    for k in range(1, min(d, e) + 1):
        S_all = np.array(list(itertools.combinations(range(d), k)), dtype=np.intp)
        J_all = np.array(list(itertools.combinations(range(e), k)), dtype=np.intp)
        per = max(1, chunk // len(J_all))
        for s0 in range(0, len(S_all), per):
            S = S_all[s0 : s0 + per]
            # M[a, b] = C[S_a, J_b]^T : shape (nS, nJ, k, k)
            sub = C[S[:, None, :, None], J_all[None, :, None, :]]  # (nS, nJ, k(rows), k(cols))
            Mt = np.swapaxes(sub, -1, -2).reshape(-1, k, k)
            Sidx = np.repeat(S, len(J_all), axis=0)
            z = _batched_solve(Mt)
            good = np.all(np.isfinite(z), axis=1)
            z, Sidx = z[good], Sidx[good]
            feas = np.all(z >= -tol, axis=1)
            if not feas.any():
                continue
            z, Sidx = z[feas], Sidx[feas]
            full = np.zeros((z.shape[0], d))
            np.put_along_axis(full, Sidx, z, axis=1)
            full[full < 0] = 0.0
            slack = full @ C  # (N, e)
            feas = np.all(slack <= 1.0 + tol, axis=1)
            if feas.any():
                found.append(full[feas])
    if not found:
        return np.zeros((0, d))
    V = np.concatenate(found)
    return _merge_close(V, tol)


def _batched_solve(Mt: np.ndarray) -> np.ndarray:
    """Solve ``Mt[i] z_i = 1`` for a batch; singular or ill-conditioned systems give NaN rows.

    One LAPACK call when no matrix is exactly singular (the generic case); otherwise the
    singular ones are filtered by their determinant first.  Solutions are accepted only when
    the residual is small (near-singular systems with a wild solution are dropped: the vertex
    they would describe is found through a well-conditioned basis).
    """
    k = Mt.shape[-1]
    rhs = np.ones((Mt.shape[0], k, 1))
    try:
        z = np.linalg.solve(Mt, rhs)[..., 0]
    except np.linalg.LinAlgError:
        z = np.full((Mt.shape[0], k), np.nan)
        det = Mt[:, 0, 0] if k == 1 else np.linalg.det(Mt)
        ok = np.abs(det) > 1e-12
        if ok.any():
            z[ok] = np.linalg.solve(Mt[ok], rhs[ok])[..., 0]
    bad = ~np.all(np.isfinite(z), axis=1)
    z[bad] = np.nan
    res = np.abs(np.einsum("nij,nj->ni", Mt, np.nan_to_num(z)) - 1.0).max(axis=1)
    z[res > 1e-8] = np.nan
    return z


def _merge_close(V: np.ndarray, tol: float) -> np.ndarray:
    if len(V) == 0:
        return V
    scale = 1e-7
    key = np.round(V / scale).astype(np.int64)
    _, idx = np.unique(key, axis=0, return_index=True)
    U = V[np.sort(idx)]
    # Merge near-duplicates that straddled a rounding boundary.
    from scipy.spatial import cKDTree

    pairs = cKDTree(U).query_pairs(r=10 * scale, p=np.inf, output_type="ndarray")
    if len(pairs):
        keep = np.ones(len(U), dtype=bool)
        for i, j in sorted(map(tuple, pairs)):
            if keep[i]:
                keep[j] = False
        U = U[keep]
    return U


# ------------------------------------------------------------ matching


def _label_order(mask: np.ndarray, d: int, player: int) -> np.ndarray:
    """Polytope constraint order -> game labels (rows 0..m-1, then columns m..m+n-1)."""
    if player == 0:  # P: [x_i = 0 (rows) | column j best reply]
        return mask
    return np.hstack([mask[:, d:], mask[:, :d]])  # Q: [y_j = 0 | row i best reply] -> [rows | cols]


def _match(LP: np.ndarray, LQ: np.ndarray, m: int, n: int) -> np.ndarray:
    """All pairs ``(i, j)`` with ``LP[i] | LQ[j]`` = every label (completely labelled pairs).

    Nondegenerate pairs (``m`` and ``n`` labels) by exact key lookup of the complement; pairs
    with a degenerate (over-labelled) vertex by a vectorised superset test.
    """
    popP, popQ = LP.sum(axis=1), LQ.sum(axis=1)
    pairs: list[np.ndarray] = []
    ndP, ndQ = np.flatnonzero(popP == m), np.flatnonzero(popQ == n)
    if len(ndP) and len(ndQ):
        kq = _keys(LQ[ndQ])
        order = np.argsort(kq)
        kq_sorted = kq[order]
        kp = _keys(~LP[ndP])
        pos = np.searchsorted(kq_sorted, kp)
        pos = np.minimum(pos, len(kq_sorted) - 1)
        hit = kq_sorted[pos] == kp
        pairs.append(np.stack([ndP[hit], ndQ[order[pos[hit]]]], axis=1))
    for i in np.flatnonzero(popP > m):
        need = ~LP[i]
        js = np.flatnonzero(LQ[:, need].all(axis=1))
        pairs.append(np.stack([np.full(len(js), i), js], axis=1))
    for j in np.flatnonzero(popQ > n):
        need = ~LQ[j]
        is_ = ndP[LP[ndP][:, need].all(axis=1)]
        pairs.append(np.stack([is_, np.full(len(is_), j)], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.intp)
    return np.concatenate(pairs).astype(np.intp)


def _complement(MF: np.ndarray, dF: int, C_other: np.ndarray, tol: float):
    """lrsnash step: the complementary point of each nondegenerate vertex of one polytope.

    ``MF``: tight masks, in the finished polytope's own order ``[z = 0 (dF) | payoff rows (d_o)]``,
    of all its vertices; ``C_other`` (``d_o x dF``): the other polytope's matrix.  A vertex with
    support ``S`` and tight payoff rows ``J`` (``|J| = |S|`` when nondegenerate) needs the other
    player's point ``w`` with ``w = 0`` off ``J`` and ``C_other[J, S]^T w_J = 1``: one small
    system per vertex, batched by support size.  Returns ``(idx, points, masks)`` (masks in the
    other polytope's own order) of the feasible solutions, or None if some vertex is degenerate
    or some system singular / ill-conditioned (the caller then enumerates the other polytope).
    """
    if np.any(MF.sum(axis=1) != dF):
        return None
    d_o = C_other.shape[0]
    supp = ~MF[:, :dF]
    Jm = MF[:, dF:]
    size = supp.sum(axis=1)
    rows = np.flatnonzero(size > 0)  # the origin's complement is the other origin, not an equilibrium
    if not len(rows):
        return np.zeros(0, np.intp), np.zeros((0, d_o)), np.zeros((0, d_o + dF), bool)
    # all supports in one batch: each system C[J, S]^T padded to D x D with the identity
    D = int(size[rows].max())
    size = size[rows]
    S = np.argsort(~supp[rows], axis=1, kind="stable")[:, :D]
    J = np.argsort(~Jm[rows], axis=1, kind="stable")[:, :D]
    valid = np.arange(D)[None, :] < size[:, None]
    both = valid[:, :, None] & valid[:, None, :]
    M = np.where(both, C_other[J[:, None, :], S[:, :, None]], np.eye(D)[None, :, :])  # M[n, a, b] = C[J_b, S_a]
    try:
        Minv = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return None
    cond = np.abs(M).sum(axis=1).max(axis=1) * np.abs(Minv).sum(axis=1).max(axis=1)  # 1-norm condition
    if not np.all(np.isfinite(cond)) or np.any(cond > 1e10):
        return None
    wJ = np.einsum("nab,nb->na", Minv, valid.astype(float))  # zero on the padding
    w = np.zeros((len(rows), d_o))
    r_i, c_i = np.nonzero(valid)
    w[r_i, J[r_i, c_i]] = wJ[r_i, c_i]
    feas = np.all(wJ >= -10 * tol, axis=1) & np.all(w @ C_other <= 1.0 + 10 * tol, axis=1)
    idx = rows[feas]
    W = np.clip(w[feas], 0.0, None)
    masks = np.hstack([W <= tol, np.abs(1.0 - W @ C_other) <= tol])
    return idx, W, masks


# ------------------------------------------------------------ maximal Nash subsets


def _maximal_bicliques(edges: Sequence[tuple[int, int]]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Maximal bicliques ``(rows, cols)`` of a bipartite graph given by its edges.

    Every closed column set is an intersection of row neighbourhoods; they are generated by
    closing the neighbourhoods under intersection (formal-concept style), and each closed set
    ``Y`` gives the maximal biclique ``({r : N(r) contains Y}, Y)``.
    """
    rows = sorted({r for r, _ in edges})
    cols = sorted({c for _, c in edges})
    bit = {c: i for i, c in enumerate(cols)}
    nb: dict[int, int] = {r: 0 for r in rows}
    for r, c in edges:
        nb[r] |= 1 << bit[c]
    closed: set[int] = set()
    frontier = set(nb.values())
    while frontier:
        new: set[int] = set()
        for Y in frontier:
            if Y in closed:
                continue
            closed.add(Y)
            for r in rows:
                Z = Y & nb[r]
                if Z and Z not in closed:
                    new.add(Z)
        frontier = new
    out = []
    for Y in closed:
        X = tuple(r for r in rows if nb[r] & Y == Y)
        out.append((X, tuple(c for c in cols if (Y >> bit[c]) & 1)))
    out.sort()
    return out


# ------------------------------------------------------------ cost estimate


def _ubt(d: int, f: int) -> int:
    """McMullen's upper bound: the most vertices a ``d``-polytope with ``f`` facets can have."""
    if f <= d:
        return 1
    return math.comb(f - (d + 1) // 2, f - d) + math.comb(f - (d + 2) // 2, f - d)


# ln(vertices) of the best-response polytopes of square games with i.i.d. normal payoffs,
# fitted to measured counts (docs/nash_enumeration.md): about 0.375 (m + n) - 1.
_GENERIC_LOG_SLOPE = 0.375
_GENERIC_LOG_OFFSET = -1.0


def estimate_enumeration_cost(game: Any, *, max_vertices: int | None = 200_000) -> dict[str, Any]:
    """Cheap a-priori cost estimate of :func:`extreme_equilibria` (no enumeration; microseconds).

    Keys: ``feasible`` (False only when the enumeration is hopeless within ``max_vertices``),
    ``reason``, ``shape``, ``upper_bound_vertices`` (McMullen's bound for the row and column
    best-response polytopes: a guarantee), ``log10_upper_bound``, ``typical_generic_vertices``
    (both polytopes together for a game with i.i.d. random payoffs of this shape; degenerate
    games such as tournaments usually have far fewer, games with dominated strategies fewer
    still), ``log10_typical_generic``, ``max_vertices``.

    Rule: feasible if the guaranteed bound fits the budget; infeasible if even a game 1000
    times smaller than a typical random one would exceed it; otherwise feasible with the
    warning that the search may stop with :class:`EnumerationTooLarge` (with a partial result).
    """
    g = as_bimatrix(game)
    m, n = g.shape
    ub = (_ubt(m, m + n), _ubt(n, m + n))
    ub_total = ub[0] + ub[1]
    log_typ = _GENERIC_LOG_SLOPE * (m + n) + _GENERIC_LOG_OFFSET + math.log(2.0)
    log_ub = math.log(ub_total)
    log_typ = min(log_typ, log_ub)
    typ = math.exp(log_typ) if log_typ < 700 else math.inf
    out: dict[str, Any] = {
        "shape": [m, n],
        "upper_bound_vertices": [ub[0], ub[1]],
        "log10_upper_bound": log_ub / math.log(10),
        "typical_generic_vertices": typ,
        "log10_typical_generic": log_typ / math.log(10),
        "max_vertices": max_vertices,
    }
    if max_vertices is None:
        out.update(feasible=True, reason="no vertex budget (max_vertices=None): runs until done or time_limit")
    elif ub_total <= max_vertices:
        out.update(feasible=True, reason=f"guaranteed: at most {ub_total} vertices (upper bound theorem) <= max_vertices={max_vertices}")
    elif log_typ - math.log(1000.0) > math.log(max_vertices):
        out.update(
            feasible=False,
            reason=(
                f"a {m}x{n} game with random payoffs has about 10^{log_typ / math.log(10):.1f} best-response-polytope vertices; "
                f"even 1000 times fewer would exceed max_vertices={max_vertices} (pass max_vertices=None to try anyway)"
            ),
        )
    else:
        out.update(
            feasible=True,
            reason=(
                f"may exceed max_vertices={max_vertices} (random {m}x{n} games have about 10^{log_typ / math.log(10):.1f} vertices; "
                "degenerate games usually far fewer): the search stops with EnumerationTooLarge and a partial result if it does"
            ),
        )
    return out


# ------------------------------------------------------------ main entry


def _check_options(tol: float, max_vertices: int | None, time_limit: float | None) -> None:
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and 0 < tol < 1e-3):
        raise ParameterError(f"tol must be a finite number in (0, 1e-3), got {tol!r}")
    if max_vertices is not None and (isinstance(max_vertices, bool) or not isinstance(max_vertices, (int, np.integer)) or max_vertices < 1):
        raise ParameterError(f"max_vertices must be a positive integer or None, got {max_vertices!r}")
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise ParameterError(f"time_limit must be a positive number of seconds or None, got {time_limit!r}")


def _equilibria_from_pairs(
    g: BimatrixGame, X: np.ndarray, Y: np.ndarray, xid: np.ndarray, yid: np.ndarray, tol: float
) -> tuple[list[Equilibrium], float]:
    A, B = g.A, g.B
    eqs: list[Equilibrium] = []
    worst = 0.0
    if len(X) == 0:
        return eqs, worst
    x = X / X.sum(axis=1, keepdims=True)
    y = Y / Y.sum(axis=1, keepdims=True)
    x = np.where(x <= tol, 0.0, x)
    y = np.where(y <= tol, 0.0, y)
    x /= x.sum(axis=1, keepdims=True)
    y /= y.sum(axis=1, keepdims=True)
    Ay = y @ A.T  # (N, m)
    xB = x @ B  # (N, n)
    pr = np.einsum("ni,ni->n", x, Ay)
    pc = np.einsum("nj,nj->n", xB, y)
    sa, sb = max(float(np.ptp(A)), 1e-300), max(float(np.ptp(B)), 1e-300)
    regret = np.maximum((Ay.max(axis=1) - pr) / sa, (xB.max(axis=1) - pc) / sb)
    worst = float(regret.max())
    for k in range(len(x)):
        eqs.append(Equilibrium(x[k], y[k], float(pr[k]), float(pc[k]), int(xid[k]), int(yid[k])))
    return eqs, worst


def _unique_ids(masks: np.ndarray) -> np.ndarray:
    _, inv = np.unique(_keys(masks), return_inverse=True)
    return inv.ravel()


def _finish(
    g: BimatrixGame,
    eqs: list[Equilibrium],
    degen: list[tuple[int, np.ndarray, tuple[int, ...]]],
    n_vertices: tuple[int | None, int | None],
    info: dict[str, Any],
    complete: bool,
) -> NashResult:
    order = sorted(range(len(eqs)), key=lambda k: (tuple(-eqs[k].x), tuple(-eqs[k].y)))
    eqs = [eqs[k] for k in order]
    if len({e.row_vertex for e in eqs}) == len(eqs) == len({e.col_vertex for e in eqs}):
        # no two equilibria share a vertex: every one is its own component and maximal subset
        # (the nondegenerate case; saves the graph work on generic games)
        return NashResult(
            game=g, equilibria=tuple(eqs), degenerate=bool(degen), degenerate_vertices=tuple(degen),
            components=tuple((k,) for k in range(len(eqs))), n_vertices=n_vertices,  # type: ignore[arg-type]
            info=info, complete=complete, method=METHOD,
            maximal_nash_subsets=tuple(
                NashSubset(row_vertices=(e.row_vertex,), col_vertices=(e.col_vertex,), equilibria=(k,),
                           support_row=e.support_row, support_col=e.support_col,
                           payoff_row=(e.payoff_row, e.payoff_row), payoff_col=(e.payoff_col, e.payoff_col),
                           row_strategies=(e.x,), col_strategies=(e.y,))
                for k, e in enumerate(eqs)),
        )
    G = nx.Graph()
    for k, e in enumerate(eqs):
        G.add_edge(("x", e.row_vertex), ("y", e.col_vertex), idx=k)
    comps = []
    for cc in nx.connected_components(G):
        comps.append(tuple(sorted(G.edges[u, v]["idx"] for u, v in G.subgraph(cc).edges)))
    comps.sort()
    pair_index = {(e.row_vertex, e.col_vertex): k for k, e in enumerate(eqs)}
    xs = {e.row_vertex: e.x for e in eqs}
    ys = {e.col_vertex: e.y for e in eqs}
    subsets: list[NashSubset] = []
    for comp in comps:
        edges = [(eqs[k].row_vertex, eqs[k].col_vertex) for k in comp]
        for X, Yv in _maximal_bicliques(edges):
            ks = tuple(sorted(pair_index[(r, c)] for r in X for c in Yv))
            sr = tuple(sorted({i for r in X for i in np.flatnonzero(xs[r] > 0).tolist()}))
            sc = tuple(sorted({j for c in Yv for j in np.flatnonzero(ys[c] > 0).tolist()}))
            prs = [eqs[k].payoff_row for k in ks]
            pcs = [eqs[k].payoff_col for k in ks]
            subsets.append(
                NashSubset(
                    row_vertices=tuple(X),
                    col_vertices=tuple(Yv),
                    equilibria=ks,
                    support_row=sr,
                    support_col=sc,
                    payoff_row=(min(prs), max(prs)),
                    payoff_col=(min(pcs), max(pcs)),
                    row_strategies=tuple(xs[r] for r in X),
                    col_strategies=tuple(ys[c] for c in Yv),
                )
            )
    subsets.sort(key=lambda s: s.equilibria)
    return NashResult(
        game=g,
        equilibria=tuple(eqs),
        degenerate=bool(degen),
        degenerate_vertices=tuple(degen),
        components=tuple(comps),
        n_vertices=n_vertices,  # type: ignore[arg-type]
        info=info,
        complete=complete,
        method=METHOD,
        maximal_nash_subsets=tuple(subsets),
    )


METHOD = "vertex-graph search of the best-response polytopes + complementary labels"


def extreme_equilibria(
    game: Any,
    *,
    tol: float = 1e-9,
    max_vertices: int | None = 200_000,
    time_limit: float | None = None,
) -> NashResult:
    """All extreme Nash equilibria of a bimatrix game, with their maximal Nash subsets.

    ``game``: anything :func:`as_bimatrix` accepts (bad input raises :class:`GameError`).
    ``tol``: tolerance for a tight constraint on the payoffs rescaled to [1, 2].
    ``max_vertices``: budget on the polytope vertices visited (both polytopes together);
    ``time_limit``: seconds (it bounds the vertex search; the qhull route for games with
    untied payoffs is one call, taken only where a random game of the shape has fewer than
    ``max_vertices`` vertices).  If :func:`estimate_enumeration_cost` already shows the budget is
    hopeless, :class:`EnumerationTooLarge` is raised at once (``partial=None``); if the budget
    runs out during the search it is raised with ``partial`` = the equilibria found so far
    (a :class:`NashResult` with ``complete=False``).  Never returns an incomplete result.

    Algorithm (docs/nash_enumeration.md): breadth-first search over the vertex graphs of both
    best-response polytopes, one BFS level of each in turn; when one polytope is exhausted and
    all its vertices are nondegenerate, each of its vertices determines the other player's
    unique complementary point by one linear solve (the lrsnash idea of Avis et al. 2010);
    otherwise both polytopes are enumerated and completely labelled pairs are matched by
    label bitmasks.  Degenerate vertices are handled exactly: edges from them are the extreme
    rays of the tangent cone, and labels are read from all tight constraints.

    First, for games without tied payoffs (generic games), the smaller polytope's vertices are
    taken from qhull on its polar (the idea of quantecon's ``vertex_enumeration``), but only
    with an exact certificate of completeness: every vertex simple, and every edge with both
    endpoints listed (:func:`_hull_vertices`).  Any failure falls through to the search, so
    degenerate games never depend on qhull.  ``info["route"]`` says which route ran.
    """
    t0 = time.perf_counter()
    g = as_bimatrix(game)
    _check_options(tol, max_vertices, time_limit)
    est = estimate_enumeration_cost(g, max_vertices=max_vertices)
    if not est["feasible"]:
        raise EnumerationTooLarge(
            f"complete Nash enumeration of game {g.name!r} refused up front: {est['reason']}", estimate=est, partial=None
        )
    m, n = g.shape
    A1, B1 = _rescale(g.A), _rescale(g.B)
    info: dict[str, Any] = {"tol": tol, "method": METHOD, "estimate": est}
    # generic payoffs: one polytope's vertices from qhull, certified complete (or None -> search)
    # (one uninterruptible qhull call, so only where a random game of this shape is well inside
    # the vertex budget; time_limit bounds the search below)
    player = 0 if m <= n else 1
    small = max_vertices is None or est["typical_generic_vertices"] <= max_vertices
    if small and min(m, n) <= _HULL_MAX_DIM and (_no_ties(g.B, 1) if player == 0 else _no_ties(g.A, 0)):
        C, Cother = (B1, A1.T) if player == 0 else (A1.T, B1)
        hv = _hull_vertices(C, tol, max_vertices)
        comp = _complement(hv[1], C.shape[0], Cother, tol) if hv is not None else None
        if hv is not None and comp is not None:
            eqs, worst, degen, n_vertices = _complement_route(g, player, hv[0], hv[1], comp, info)
            info["route"] = (f"{'row' if player == 0 else 'column'} polytope from qhull (simple; completeness "
                             "certified by its edges), complementary points solved")
            visited = [len(hv[0]), 1] if player == 0 else [1, len(hv[0])]
            return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, visited, [0, 0])
    SP = _VertexSearch(B1, tol)  # x in R^m: labels [x_i = 0 | column j best reply]
    SQ = _VertexSearch(A1.T, tol)  # y in R^n: [y_j = 0 | row i best reply]
    budget = _BudgetState(max_vertices, None if time_limit is None else t0 + float(time_limit), [SP, SQ])
    if math.comb(m + n, m) <= _SMALL_GAME_SYSTEMS:
        eqs, worst, degen, n_vertices = _small_game(g, A1, B1, tol)
        info.update(route="tiny game: every label subset solved in one batch", degeneracy_checked="both polytopes")
        return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, [SP.n_found, SQ.n_found], [0, 0])
    try:
        while not (SP.done or SQ.done):  # advance the search that has seen fewer vertices
            (SP if SP.n_found <= SQ.n_found else SQ).step(budget)
        route = None
        for player, S, Cother in ((0, SP, A1.T), (1, SQ, B1)):
            if not S.done:
                continue
            V, M = S.result()
            comp = _complement(M, S.d, Cother, tol)
            if comp is not None:
                route = (player, V, M, comp)
                break
        if route is not None:
            player, V, M, comp = route
            eqs, worst, degen, n_vertices = _complement_route(g, player, V, M, comp, info)
            info["route"] = f"{'row' if player == 0 else 'column'} polytope enumerated, complementary points solved"
        else:
            while not SP.done:
                SP.step(budget)
            while not SQ.done:
                SQ.step(budget)
            eqs, worst, degen, n_vertices = _from_both(g, SP, SQ, tol)
            info.update(route="both polytopes enumerated, labels matched", degeneracy_checked="both polytopes")
    except _Budget as exc:
        partial = None
        try:
            peqs, _, pdeg, _ = _from_both(g, SP, SQ, tol)
            pinfo = dict(info, route="interrupted: pairs among the vertices visited so far", stopped=str(exc))
            partial = _finish(g, peqs, pdeg, (None, None), pinfo, complete=False)
        except Exception:  # pragma: no cover - partial results are best effort
            partial = None
        est = dict(est, vertices_visited=[SP.n_found, SQ.n_found], seconds=time.perf_counter() - t0)
        raise EnumerationTooLarge(
            f"complete Nash enumeration of game {g.name!r} ({m}x{n}) stopped: {exc} "
            f"(visited {SP.n_found} + {SQ.n_found} vertices in {time.perf_counter() - t0:.1f} s); "
            "raise max_vertices / time_limit, or use a sampling method",
            estimate=est,
            partial=partial,
        ) from None
    return _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, [SP.n_found, SQ.n_found],
                           [SP.n_degenerate, SQ.n_degenerate])


def _complement_route(g: BimatrixGame, player: int, V: np.ndarray, M: np.ndarray, comp, info: dict[str, Any]):
    """Equilibria from every vertex of one (nondegenerate) polytope and its solved complements."""
    m, n = g.shape
    tol = info["tol"]
    idx, W, Wmask = comp
    other_ids = _unique_ids(Wmask) if len(Wmask) else np.zeros(0, np.intp)
    d_o = n if player == 0 else m
    if player == 0:
        eqs, worst = _equilibria_from_pairs(g, V[idx], W, idx, other_ids, tol)
    else:
        eqs, worst = _equilibria_from_pairs(g, W, V[idx], other_ids, idx, tol)
    degen = []
    seen: set[int] = set()
    for w, wm, oid in zip(W, Wmask, other_ids):
        if wm.sum() > d_o and int(oid) not in seen:
            seen.add(int(oid))
            lab = _label_order(wm[None, :], d_o, 1 - player)[0]
            degen.append((1 - player, w / w.sum(), tuple(int(i) for i in np.flatnonzero(lab))))
    n_vertices: tuple[int | None, int | None] = (len(V), None) if player == 0 else (None, len(V))
    info["degeneracy_checked"] = (
        f"{'row' if player == 0 else 'column'} polytope (no degenerate vertex) and every equilibrium vertex; "
        "the other polytope was not enumerated"
    )
    return eqs, worst, degen, n_vertices


def _checked_finish(g, eqs, worst, degen, n_vertices, info, tol, t0, visited, degenerate_in_search) -> NashResult:
    m, n = g.shape
    if not eqs:
        raise GameError(
            f"no equilibrium found for game {g.name!r} of shape {(m, n)}: numerical trouble (tol={tol}); "
            "try a larger tol or rescale the payoffs"
        )
    if worst > 1e-6:
        raise GameError(
            f"numerical trouble in game {g.name!r}: an enumerated profile has regret {worst:.3g} (relative to the payoff range); "
            f"try a larger tol (now {tol})"
        )
    info.update(
        vertices_visited=list(visited),
        degenerate_vertices_in_search=list(degenerate_in_search),
        max_regret=worst,
        seconds=time.perf_counter() - t0,
    )
    return _finish(g, eqs, degen, n_vertices, info, complete=True)


def _from_both(g: BimatrixGame, SP: _VertexSearch, SQ: _VertexSearch, tol: float):
    """Match completely labelled pairs among the vertices the two searches have processed."""
    VP, MP = SP.result()
    VQ, MQ = SQ.result()
    return _from_vertices(g, VP, MP, VQ, MQ, tol, (len(VP) if SP.done else None, len(VQ) if SQ.done else None))


def _from_vertices(g: BimatrixGame, VP, MP, VQ, MQ, tol: float, nv):
    m, n = g.shape
    LP = _label_order(MP, m, 0)
    LQ = _label_order(MQ, n, 1)
    pairs = _match(LP, LQ, m, n)
    keep = (VP[pairs[:, 0]].sum(axis=1) > tol) & (VQ[pairs[:, 1]].sum(axis=1) > tol) if len(pairs) else np.zeros(0, bool)
    pairs = pairs[keep]
    eqs, worst = _equilibria_from_pairs(g, VP[pairs[:, 0]], VQ[pairs[:, 1]], pairs[:, 0], pairs[:, 1], tol)
    degen: list[tuple[int, np.ndarray, tuple[int, ...]]] = []
    for player, V, L, dim in ((0, VP, LP, m), (1, VQ, LQ, n)):
        for i in np.flatnonzero(L.sum(axis=1) > dim):
            degen.append((player, V[i] / V[i].sum(), tuple(int(b) for b in np.flatnonzero(L[i]))))
    return eqs, worst, degen, nv


def _small_game(g: BimatrixGame, A1: np.ndarray, B1: np.ndarray, tol: float):
    out = []
    for C in (B1, A1.T):
        V = _polytope_vertices_small(C, tol)
        V = np.vstack([np.zeros((1, C.shape[0])), V])
        M = np.hstack([V <= tol, np.abs(V @ C - 1.0) <= tol])
        out += [V, M]
    return _from_vertices(g, out[0], out[1], out[2], out[3], tol, (len(out[0]), len(out[2])))


def is_equilibrium(game: Any, x: Any, y: Any, *, tol: float = 1e-7) -> bool:
    """Best-response check of a mixed profile: no pure deviation gains more than ``tol``.

    ``tol`` is relative to the payoff range of each player.  Returns False for invalid
    (non-finite, negative, not summing to 1) strategies.
    """
    g = as_bimatrix(game)
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != (g.shape[0],) or y.shape != (g.shape[1],):
        return False
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return False
    if x.min() < -1e-9 or y.min() < -1e-9 or abs(x.sum() - 1) > 1e-6 or abs(y.sum() - 1) > 1e-6:
        return False
    sa = max(1.0, float(np.ptp(g.A)))
    sb = max(1.0, float(np.ptp(g.B)))
    Ay = g.A @ y
    xB = x @ g.B
    return bool(Ay.max() - x @ Ay <= tol * sa and xB.max() - xB @ y <= tol * sb)


# ------------------------------------------------------------ cross check


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


def _in_component_hull(res: NashResult, x: np.ndarray, y: np.ndarray, atol: float = 1e-6) -> bool:
    """Is (x, y) in the convex hull of some maximal product set of a component? (LP feasibility).

    Checked as: x in conv(row vertices of a component) and y in conv(its col vertices) —
    sufficient for degenerate games where every pair in a component is an equilibrium;
    as a test it errs on the side of reporting a miss.
    """
    from scipy.optimize import linprog

    for comp in res.components:
        xs = np.unique(np.array([res.equilibria[k].x for k in comp]), axis=0)
        ys = np.unique(np.array([res.equilibria[k].y for k in comp]), axis=0)
        ok = True
        for pts, target in ((xs, x), (ys, y)):
            k = len(pts)
            A_eq = np.vstack([pts.T, np.ones((1, k))])
            b_eq = np.concatenate([target, [1.0]])
            lp = linprog(np.zeros(k), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
            if lp.status != 0:
                ok = False
                break
        if ok:
            return True
    return False


def cross_check(
    game: Any,
    *,
    methods: Sequence[str] = ("lemke_howson", "vertex_enumeration", "support_enumeration"),
    tol: float = 1e-9,
    atol: float = 1e-6,
) -> CrossCheck:
    """Run nashpy's algorithms beside :func:`extreme_equilibria` and compare.

    Methods: ``lemke_howson`` (from every one of the ``m + n`` initial labels),
    ``vertex_enumeration``, ``support_enumeration`` (exponential: skip it for large games).
    nashpy's warnings (degeneracy, invalid LH output) are captured and reported.
    """
    import nashpy

    res = extreme_equilibria(game, tol=tol)
    g = res.game
    ng = nashpy.Game(g.A, g.B)
    m, n = g.shape
    report: dict[str, dict[str, Any]] = {}
    missed_se: tuple[int, ...] | None = None
    for meth in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if meth == "lemke_howson":
                out = []
                for lab in range(m + n):
                    try:
                        out.append(tuple(np.asarray(a, float) for a in ng.lemke_howson(initial_dropped_label=lab)))
                    except Exception as exc:  # nashpy raises on some degenerate pivots
                        out.append((np.full(m, np.nan), np.full(n, np.nan)))
                        caught.append(warnings.WarningMessage(str(exc), RuntimeWarning, "", 0))
            elif meth == "vertex_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.vertex_enumeration()]
            elif meth == "support_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.support_enumeration()]
            else:
                raise ParameterError(f"unknown cross-check method {meth!r}")
        valid, ours, missed = 0, 0, []
        found_idx: set[int] = set()
        for x, y in out:
            if not is_equilibrium(g, x, y):
                continue
            valid += 1
            hit = [k for k, e in enumerate(res.equilibria) if np.allclose(e.x, x, atol=atol) and np.allclose(e.y, y, atol=atol)]
            if hit:
                ours += 1
                found_idx.update(hit)
            elif not (res.degenerate and _in_component_hull(res, x, y, atol)):
                missed.append((x, y))
        report[meth] = {
            "returned": len(out),
            "valid": valid,
            "extreme_matched": ours,
            "distinct_found": len(found_idx),
            "missed_by_us": len(missed),
            "missed_profiles": missed,
            "warnings": sorted({str(w.message)[:120] for w in caught}),
        }
        if meth == "support_enumeration":
            missed_se = tuple(k for k in range(len(res.equilibria)) if k not in found_idx)
    return CrossCheck(result=res, methods=report, missed_by_support_enumeration=missed_se)


# ------------------------------------------------------------ replicator


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


def replicator_dynamics(
    matrix: Any,
    x0: Any | None = None,
    *,
    t_max: float = 200.0,
    n_points: int = 401,
    tol: float = 1e-6,
    labels: Sequence[str] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    raise_on_nonconvergence: bool = False,
) -> ReplicatorResult:
    """Integrate the replicator dynamics of the symmetric game with payoff matrix ``matrix``.

    ``matrix[i, j]`` is the payoff of strategy ``i`` against ``j`` (a tournament matrix).
    ``x0`` defaults to the barycentre.  Integration: scipy ``solve_ivp`` (DOP853) on the
    simplex, renormalised at the output points.  Non-convergence (cycles, e.g. rock-paper-
    scissors) is flagged (``converged=False``) or raised with ``raise_on_nonconvergence``.
    """
    from scipy.integrate import solve_ivp

    M = np.asarray(matrix, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise GameError(f"replicator dynamics needs a square payoff matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise GameError("payoff matrix has non-finite entries")
    k = M.shape[0]
    if x0 is None:
        x0 = np.full(k, 1.0 / k)
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (k,) or np.any(x0 < 0) or not np.isfinite(x0).all() or abs(x0.sum() - 1) > 1e-9:
        raise ParameterError(f"x0 must be a probability vector of length {k}")
    if not (t_max > 0):
        raise ParameterError(f"t_max must be positive, got {t_max}")

    def f(_t: float, x: np.ndarray) -> np.ndarray:
        fit = M @ x
        return x * (fit - x @ fit)

    ts = np.linspace(0.0, t_max, n_points)
    sol = solve_ivp(f, (0.0, t_max), x0, t_eval=ts, method="DOP853", rtol=rtol, atol=atol)
    if not sol.success:
        raise ConvergenceError(f"replicator integration failed: {sol.message}")
    traj = np.clip(sol.y.T, 0.0, None)
    traj = traj / traj.sum(axis=1, keepdims=True)
    final = traj[-1]
    speed = float(np.max(np.abs(f(0.0, final))))
    converged = speed < tol
    fit = M @ final
    avg = final @ fit
    scale = max(1.0, float(np.ptp(M)))
    is_nash = bool(converged and fit.max() - avg <= 1e-4 * scale)
    if raise_on_nonconvergence and not converged:
        raise ConvergenceError(f"replicator dynamics not at rest at t = {t_max}: speed {speed:.3g} >= tol {tol}")
    labs = tuple(labels) if labels is not None else tuple(f"s{i}" for i in range(k))
    return ReplicatorResult(ts, traj, final, speed, converged, is_nash, labs)
