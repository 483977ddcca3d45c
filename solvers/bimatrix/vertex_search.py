"""Breadth-first search over the vertex graph of a best-response polytope (one concept: the
vertex enumeration itself, with its degenerate-vertex cone rays and its budget).

A vertex is keyed by its set of tight constraints; at a degenerate vertex the edges are the
extreme rays of its tangent cone (:func:`_cone_rays`, double description on the few tight
constraints), so every vertex is visited once, with no lexicographic perturbation and none of
the many bases a degenerate vertex has.  Each BFS level is vectorised (batched inverses of the
bases, one matrix product and one ratio test).  :class:`_BudgetState` stops the search (as
:class:`_Budget`) when ``max_vertices`` or the time limit runs out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from eqtools.errors import GameError

from .labels import _keys


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
