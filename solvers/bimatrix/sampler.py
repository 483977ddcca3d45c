"""A verified *sample* of Nash equilibria for games too large for complete enumeration.

Complete enumeration (:func:`solvers.bimatrix.enumeration.extreme_equilibria`) grows
exponentially with the game.  Above its reach :func:`sample_equilibria` returns a sample instead,
in four phases:

1. **Lemke–Howson** (:mod:`solvers.bimatrix.lemke_howson`) from the artificial equilibrium with
   each of the ``m + n`` labels dropped, on the best-response polytopes
   ``P = {x >= 0 : B'^T x <= 1}`` and ``Q = {y >= 0 : A' y <= 1}`` (``A', B'`` positive affine
   rescalings of the payoffs), with **lexicographic degeneracy resolution**: the minimum-ratio
   test breaks ties by the rows of the current basis inverse, so every pivot is well defined
   and paths terminate on degenerate games too (tournament meta-games have many exact ties);
2. optionally (``explore``) the paths are continued from the equilibria found, breadth first,
   up to ``max_explore`` of them, which walks the Lemke–Howson graph and can reach equilibria
   the artificial start cannot;
3. for **symmetric** games, the symmetric version of Lemke's method on the single polytope
   ``{x >= 0 : M' x <= 1}`` from each label, giving symmetric equilibria ``(x, x)``, and
   **replicator dynamics** (:func:`~solvers.bimatrix.replicator.replicator_candidates`) from
   many seeded Dirichlet starts, each end point's face re-solved exactly;
4. assembly: every equilibrium with its methods, an **ESS check** (:func:`~solvers.bimatrix.ess.ess_check`)
   on symmetric ones, and groups of equilibria joined by shared strategies.

Every candidate is **polished** (its values recomputed from the final basis, or from its
support's indifference equations, :mod:`solvers.bimatrix.support`) and **verified** under the
:data:`~solvers.bimatrix.verify.CERTIFIED` convention: no pure deviation gains more than ``tol``
times the payoff range (gains in float64 plus a rigorous bound on their rounding error, reported
per equilibrium).  Duplicates are merged and each equilibrium lists every method that found it.

A sample is never claimed complete: :attr:`NashSample.complete` is always False; the caller
(:func:`solvers.bimatrix.meta_game.analyse_tournament`) says complete only when enumeration ran.
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterator, Sequence

import numpy as np

from typing import Annotated

from eqtools.validation import Interval, IsSequence, MaxSize, NonNegative, OneOf, Positive, Seed, validated
from eqtools.errors import GameError, ParameterError
from eqtools.games import BimatrixGame

from .coerce import _rescale, as_bimatrix
from .ess import ess_check
from .lemke_howson import _default_refactor, _lh_path, _lh_profile, _sym_path
from .replicator import replicator_candidates
from .results import ESSResult, NashSample, SampledEquilibrium
from .support import _solve_support_bimatrix
from .tableau import _Tableau
from .verify import _constants, _payoff_scale, _verify

__all__ = ["sample_equilibria", "group_components"]


class _Pool:
    """De-duplicating store of verified equilibria with the methods that found each."""

    def __init__(self, g: BimatrixGame, tol: float) -> None:
        self.g = g
        self.tol = tol
        self.consts = _constants(g)
        self.items: list[dict[str, Any]] = []
        self.keys: dict[bytes, int] = {}

    @staticmethod
    def _key(x: np.ndarray, y: np.ndarray) -> bytes:
        return np.concatenate([np.round(x, 7), np.round(y, 7)]).tobytes()

    def offer(self, x: np.ndarray, y: np.ndarray, method: str) -> bool:
        """Polish, verify and store; returns whether (x, y) is a verified equilibrium."""
        g = self.g
        best = None
        for cand in (_solve_support_bimatrix(g, x, y), (x, y)):
            if cand is None:
                continue
            cx = np.where(cand[0] < 1e-15, 0.0, cand[0])
            cy = np.where(cand[1] < 1e-15, 0.0, cand[1])
            cx, cy = cx / cx.sum(), cy / cy.sum()
            ok, gr, gc, bd = _verify(g, cx, cy, self.tol, self.consts)
            if ok and (best is None or max(gr, gc) < max(best[2], best[3])):
                best = (cx, cy, gr, gc, bd)
        if best is None:
            return False
        cx, cy, gr, gc, bd = best
        key = self._key(cx, cy)
        if key in self.keys:
            it = self.items[self.keys[key]]
            if method not in it["methods"]:
                it["methods"].append(method)
            return True
        for k, it in enumerate(self.items):  # near-duplicates across a rounding boundary
            if np.allclose(it["x"], cx, atol=1e-7, rtol=0) and np.allclose(it["y"], cy, atol=1e-7, rtol=0):
                if method not in it["methods"]:
                    it["methods"].append(method)
                self.keys[key] = k
                return True
        self.keys[key] = len(self.items)
        self.items.append({"x": cx, "y": cy, "gr": gr, "gc": gc, "bd": bd, "methods": [method]})
        return True


@validated
def group_components(xs: Annotated[Sequence[np.ndarray], IsSequence], ys: Annotated[Sequence[np.ndarray], IsSequence],
                     atol: Annotated[float, NonNegative] = 1e-7) -> tuple[tuple[int, ...], ...]:
    """Groups of equilibria joined through a shared ``x`` or ``y`` (bipartite connectivity)."""
    import networkx as nx

    G = nx.Graph()

    def vid(side: str, v: np.ndarray, store: list[np.ndarray]) -> tuple[str, int]:
        for k, w in enumerate(store):
            if np.allclose(v, w, atol=atol, rtol=0):
                return (side, k)
        store.append(v)
        return (side, len(store) - 1)

    from eqtools.validation import float_array

    if len(xs) != len(ys):
        raise ParameterError(f"xs and ys must pair up, got {len(xs)} and {len(ys)} entries")
    xs = [float_array(f"xs[{k}]", x, min_ndim=1) for k, x in enumerate(xs)]
    ys = [float_array(f"ys[{k}]", y, min_ndim=1) for k, y in enumerate(ys)]
    sx: list[np.ndarray] = []
    sy: list[np.ndarray] = []
    for k, (x, y) in enumerate(zip(xs, ys)):
        G.add_edge(vid("x", x, sx), vid("y", y, sy), idx=k)
    comps = []
    for cc in nx.connected_components(G):
        comps.append(tuple(sorted(G.edges[u, v]["idx"] for u, v in G.subgraph(cc).edges)))
    return tuple(sorted(comps))


def _start_labels(total: int, max_labels: int | None, seed: int) -> tuple[list[int], str]:
    """The labels to start paths from: all of them, or a seeded subset of ``max_labels``, and which."""
    if max_labels is None or max_labels >= total:
        return list(range(total)), "all"
    rng = np.random.default_rng(seed)
    return sorted(int(v) for v in rng.choice(total, size=max_labels, replace=False)), f"{max_labels} of {total} (seeded)"


@validated
def sample_equilibria(
    game: Any,
    *,
    tol: Annotated[float, Interval(0.0, 1e-3, lo_open=True, hi_open=True)] = 1e-9,
    seed: Annotated[int, Seed] = 0,
    max_labels: Annotated[int, Positive] | None = None,
    max_pivots: Annotated[int, Positive] | None = None,
    explore: bool | None = None,
    max_explore: Annotated[int, NonNegative] = 20,
    symmetric: bool | None = None,
    replicator_starts: Annotated[int, NonNegative, MaxSize(10**5, "use fewer replicator starts")] | None = None,
    replicator_steps: Annotated[int, Positive, MaxSize(10**7, "use fewer replicator steps")] = 3000,
    time_limit: Annotated[float, NonNegative] | None = None,
    reason: str = "",
) -> NashSample:
    """A verified sample of Nash equilibria (see the module docstring).

    ``max_labels``: Lemke–Howson labels to start from (default: all ``m + n`` up to 600 labels,
    else a seeded subset of 120; the result states which).  ``explore``: continue paths from the
    equilibria found, breadth first, from at most ``max_explore`` of them (default on up to
    100 x 100).  ``symmetric``: run the symmetric methods
    (default: when the game is symmetric).  ``time_limit`` (seconds): no new path or method starts
    after it; what was skipped is stated in ``runs``.  ``tol``: verification tolerance relative to
    the payoff range.  Deterministic for a given seed unless the time limit cuts a run short
    (then ``runs[...]["stopped_by_time_limit"]`` is True).
    """
    g = as_bimatrix(game)
    m, n = g.shape
    if not (tol > 0 and math.isfinite(tol)):
        raise ParameterError(f"tol must be a positive finite number, got {tol}")
    t_start = time.perf_counter()
    deadline = math.inf if time_limit is None else t_start + float(time_limit)
    pool = _Pool(g, tol)
    runs: dict[str, dict[str, Any]] = {}
    size = m + n
    mp = max_pivots if max_pivots is not None else 50 * size + 1000
    rf = _default_refactor(size)
    if max_labels is None and size > 600:
        max_labels = 120
    if explore is None:
        explore = max(m, n) <= 100
    is_sym = g.is_symmetric()
    if symmetric is None:
        symmetric = is_sym
    if symmetric and not is_sym:
        raise GameError("symmetric=True needs a symmetric game (B equal to A transposed)")

    runs["lemke_howson"], ends, end_keys = _artificial_start_phase(g, pool, max_labels, seed, mp, rf, deadline)
    if explore:
        runs["lemke_howson_graph"] = _graph_phase(g, pool, ends, end_keys, max_explore, mp, rf, deadline)
    if symmetric:
        runs.update(_symmetric_phase(g, pool, max_labels, seed, mp, rf, deadline, replicator_starts, replicator_steps, tol))
    eqs = _assemble(g, pool, is_sym)
    comps = group_components([e.x for e in eqs], [e.y for e in eqs]) if eqs else ()
    sa, sb = _payoff_scale(g)
    return NashSample(
        game=g, equilibria=tuple(eqs), runs=runs, tol=tol, tol_abs=tol * max(sa, sb), components=comps,
        complete=False, reason=reason, info={"seconds": round(time.perf_counter() - t_start, 3)},
    )


class _Paths:
    """One path per start label until ``deadline``: :meth:`run` yields ``follow(label)``'s
    ``(ok, out)`` and stops (``stopped``) when the deadline has passed before a path starts or
    while an unfinished one ran (the shared loop of the three phases)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.stopped = False

    def run(self, labels: Any, follow: Any) -> Iterator[tuple[bool, Any]]:
        for lab in labels:
            if time.perf_counter() > self.deadline:
                self.stopped = True
                return
            ok, out = follow(lab)
            if not ok and time.perf_counter() > self.deadline:
                self.stopped = True
                return
            yield ok, out


def _artificial_start_phase(g: BimatrixGame, pool: _Pool, max_labels: int | None, seed: int, mp: int, rf: int,
                            deadline: float) -> tuple[dict[str, Any], list[tuple[_Tableau, _Tableau]], set[bytes]]:
    """Phase 1: Lemke–Howson from the artificial equilibrium, one path per start label.

    Returns the run record, the end states of the paths that reached a new verified equilibrium
    (where phase 2 continues) and their keys."""
    m, n = g.shape
    labels, which = _start_labels(m + n, max_labels, seed)
    P0 = _Tableau(_rescale(g.B).T)
    Q0 = _Tableau(_rescale(g.A))
    t0 = time.perf_counter()
    done = unfinished = rejected = total_piv = 0
    ends: list[tuple[_Tableau, _Tableau]] = []
    end_keys: set[bytes] = set()
    walk = _Paths(deadline)

    def follow(lab: int) -> tuple[bool, tuple[_Tableau, _Tableau]]:
        nonlocal total_piv
        P, Q = P0.copy(), Q0.copy()
        ok, piv = _lh_path(P, Q, m, n, lab, mp, rf, deadline)
        total_piv += piv
        return ok, (P, Q)

    for ok, (P, Q) in walk.run(labels, follow):
        if not ok:
            unfinished += 1
            continue
        done += 1
        prof = _lh_profile(P, Q)
        good = prof is not None and pool.offer(prof[0], prof[1], "lemke_howson")
        if not good:
            prof = _lh_profile(P, Q, fresh=True)
            good = prof is not None and pool.offer(prof[0], prof[1], "lemke_howson")
        if not good:
            rejected += 1
        elif _Pool._key(*prof) not in end_keys:  # type: ignore[misc]
            end_keys.add(_Pool._key(*prof))  # type: ignore[misc]
            ends.append((P, Q))
    run = {
        "labels": which, "labels_tried": done + unfinished, "paths_finished": done,
        "paths_over_max_pivots": unfinished, "max_pivots": mp, "rejected_by_verification": rejected,
        "pivots": total_piv, "stopped_by_time_limit": walk.stopped, "seconds": round(time.perf_counter() - t0, 3),
        "degeneracy_resolution": "lexicographic",
    }
    return run, ends, end_keys


def _graph_phase(g: BimatrixGame, pool: _Pool, ends: list[tuple[_Tableau, _Tableau]], end_keys: set[bytes],
                 max_explore: int, mp: int, rf: int, deadline: float) -> dict[str, Any]:
    """Phase 2: continue from every equilibrium reached (the Lemke–Howson graph), breadth first,
    expanding at most ``max_explore`` equilibria; returns the run record."""
    m, n = g.shape
    size = m + n
    t0 = time.perf_counter()
    seen = set(end_keys)
    queue = list(ends)
    paths = new = 0
    walk = _Paths(deadline)
    expanded = 0

    def follow(lab: int) -> tuple[bool, tuple[_Tableau, _Tableau]]:
        nonlocal paths
        P, Q = P1.copy(), Q1.copy()
        ok, _ = _lh_path(P, Q, m, n, lab, mp, rf, deadline)
        paths += 1
        return ok, (P, Q)

    while queue and not walk.stopped and expanded < max_explore:
        P1, Q1 = queue.pop(0)
        expanded += 1
        for ok, (P, Q) in walk.run(range(size), follow):
            if not ok:
                continue
            prof = _lh_profile(P, Q)
            if prof is None:
                continue  # back at the artificial equilibrium
            key = _Pool._key(*prof)
            if key in seen:
                continue
            seen.add(key)
            if pool.offer(prof[0], prof[1], "lemke_howson_graph") or (
                (fp := _lh_profile(P, Q, fresh=True)) is not None and pool.offer(fp[0], fp[1], "lemke_howson_graph")
            ):
                new += 1
                queue.append((P, Q))
    return {"equilibria_expanded": expanded, "max_explore": max_explore,
            "not_expanded": len(queue), "paths": paths, "new_equilibria": new,
            "stopped_by_time_limit": walk.stopped,
            "seconds": round(time.perf_counter() - t0, 3)}


def _symmetric_phase(g: BimatrixGame, pool: _Pool, max_labels: int | None, seed: int, mp: int, rf: int, deadline: float,
                     replicator_starts: int | None, replicator_steps: int, tol: float) -> dict[str, dict[str, Any]]:
    """Phase 3 (symmetric games): symmetric Lemke–Howson from each label, then replicator dynamics
    from seeded starts; returns the two run records."""
    n = g.shape[1]
    runs: dict[str, dict[str, Any]] = {}
    M = g.A
    t0 = time.perf_counter()
    T0 = _Tableau(_rescale(M))
    done = unfinished = rejected = 0
    walk = _Paths(deadline)
    sym_labels, sym_which = _start_labels(n, None if max_labels is None else max(1, max_labels // 2), seed + 1)

    def follow(lab: int) -> tuple[bool, _Tableau]:
        T = T0.copy()
        ok, _ = _sym_path(T, n, lab, mp, rf, deadline)
        return ok, T

    for ok, T in walk.run(sym_labels, follow):
        if not ok:
            unfinished += 1
            continue
        done += 1
        good = False
        for fresh in (False, True):
            x = T.values(fresh)
            if x.sum() > 0 and pool.offer(x / x.sum(), x / x.sum(), "symmetric_lemke_howson"):
                good = True
                break
        if not good:
            rejected += 1
    runs["symmetric_lemke_howson"] = {
        "labels": sym_which, "paths_finished": done, "paths_over_max_pivots": unfinished,
        "rejected_by_verification": rejected, "stopped_by_time_limit": walk.stopped,
        "seconds": round(time.perf_counter() - t0, 3), "degeneracy_resolution": "lexicographic",
    }
    starts = replicator_starts if replicator_starts is not None else (64 if n <= 300 else 16)
    if time.perf_counter() <= deadline and starts > 0:
        t0 = time.perf_counter()
        cands, info = replicator_candidates(M, starts=starts, seed=seed, steps=replicator_steps, tol=tol, deadline=deadline)
        acc = sum(pool.offer(c, c, "replicator") for c in cands)
        info.update({"candidates": len(cands), "verified": int(acc), "seconds": round(time.perf_counter() - t0, 3)})
        runs["replicator"] = info
    else:
        runs["replicator"] = {"ran": False, "stopped_by_time_limit": True}
    return runs


def _assemble(g: BimatrixGame, pool: _Pool, is_sym: bool) -> list[SampledEquilibrium]:
    """Phase 4: the pooled equilibria, sorted, with an ESS verdict on the symmetric ones."""
    items = sorted(pool.items, key=lambda it: (-(it["x"] @ g.A @ it["y"]), tuple(-it["x"]), tuple(-it["y"])))
    eqs = []
    for it in items:
        x, y = it["x"], it["y"]
        sym = is_sym and bool(np.allclose(x, y, atol=1e-9, rtol=0))
        ess = ESSResult(None, "")
        if sym:
            ess = ess_check(g.A, x, tol=1e-9)
        eqs.append(SampledEquilibrium(
            x, y, float(x @ g.A @ y), float(x @ g.B @ y), tuple(it["methods"]), it["gr"], it["gc"], it["bd"],
            sym, ess.is_ess if sym else None, ess.reason if sym else "",
        ))
    return eqs
