"""Response graphs and α-Rank over meta-games (tournament matrices).

Response graphs (networkx ``DiGraph``):

* ``population="single"`` — symmetric meta-game ``M`` (``M[i, j]`` = payoff of strategy ``i``
  against ``j``); nodes are strategies; ``kind="better"``: edge ``s -> t`` when ``t`` earns more
  than ``s`` against a population of ``s`` (``M[t, s] > M[s, s]``); ``kind="best"``: only to
  the best such ``t``.  A singleton sink is a symmetric pure Nash equilibrium.
* ``population="profiles"`` — bimatrix ``(A, B)``; nodes are pure profiles ``(i, j)`` and edges
  unilateral (better / best) improvements.  Sinks of size 1 are pure Nash equilibria; larger
  sink SCCs are the "sink equilibria" of Goemans, Mirrokni & Vetta (2005).

α-Rank (Omidshafiei et al. 2019), single population, for a symmetric meta-game: a Markov chain
over monomorphic populations of size ``m``; a mutant ``t`` arises in a population of ``s`` at
rate ``eta = 1/(N - 1)`` and fixes with the Fermi-process probability

    rho_{s,t} = 1 / (1 + sum_{l=1}^{m-1} exp(-alpha S_l)),   S_l = sum_{k=1}^{l} (f_t(k) - f_s(k)),

where ``k`` is the number of mutants.  ``selection="local"`` (OpenSpiel's default local
selection model): ``f_t = M[t, s]``, ``f_s = M[s, t]`` (one mutant meets one resident), which
reduces to the closed form ``(1 - e^{-alpha D}) / (1 - e^{-m alpha D})`` with
``D = M[t, s] - M[s, t]``; ``selection="moran"``: well-mixed fitness
``f_t(k) = ((k-1) M[t,t] + (m-k) M[t,s]) / (m-1)``, ``f_s(k) = (k M[s,t] + (m-k-1) M[s,s]) / (m-1)``.

α → ∞ (:func:`alpharank_limit`): ``rho`` tends to ``1/(1 + #{l : S_l = 0})`` when every partial
sum ``S_l >= 0`` and to 0 like ``exp(alpha min_l S_l)`` otherwise.  The edges with a positive
limit form the α-Rank response graph; its sink strongly connected components are the recurrent
classes of the limit chain.  With one sink the limit distribution is the limit chain's
stationary distribution (exact); with several, the resistances ``-min_l S_l`` decide which
sinks keep mass (stochastic potential via minimum arborescences, Young 1993); an exact tie
between sinks is reported (``resolved=False``) rather than guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import networkx as nx
import numpy as np

from typing import Annotated

from eqtools.validation import Label, Names, NonNegative, validated
from eqtools.errors import ChainError, GameError, ParameterError  # noqa: F401  (ChainError: old import path)
from eqtools.games import BimatrixGame, Game, preset

from .coerce import _symmetric_matrix
from ..markov import _ALPHARANK_REDUCIBLE, _Ranked, _fixation_payoffs, _gth, _log_rho_partial, _rare_mutation_chain  # noqa: F401
from ..payoffs import as_params, payoff_matrix

__all__ = [
    "tournament_matrix",
    "response_graph",
    "sink_components",
    "fixation_log_probabilities",
    "AlphaRank",
    "AlphaRankLimit",
    "alpharank",
    "alpharank_limit",
    "plot_response_graph",
]


# ------------------------------------------------------------------ input


def tournament_matrix(
    strategies: Any,
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    names: Sequence[str] | None = None,
    noise: float = 0.0,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Exact meta-game matrix ``M[i, j]`` = payoff of strategy ``i`` against ``j`` (one criterion).

    ``noise``: execution errors (each intended move flipped with probability ``noise``), applied
    inside the exact payoff routes, which keep full relative accuracy even for tiny ``noise``."""
    from eqtools.strategies import MemoryOne, StrategyPool

    if isinstance(strategies, StrategyPool):
        pool = strategies
    elif isinstance(strategies, (list, tuple)) and strategies and isinstance(strategies[0], MemoryOne):
        pool = StrategyPool.from_strategies(strategies)
    else:
        pool = StrategyPool(as_params(strategies, "strategies"), names)
    res = payoff_matrix(pool, pool, preset(game), n=n, gamma=gamma, limit=limit, noise=noise)
    return np.asarray(res.payoff_x), pool.names


def _square(matrix: Any, labels: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    M = _symmetric_matrix(matrix, "meta-game matrix", "α-Rank (single population)", min_size=2)
    if isinstance(matrix, BimatrixGame):
        labels = labels or matrix.row_labels
    labs = tuple(labels) if labels is not None else tuple(f"s{i}" for i in range(M.shape[0]))
    if len(labs) != M.shape[0]:
        raise ParameterError(f"{len(labs)} labels for {M.shape[0]} strategies")
    if len(set(labs)) != len(labs):
        raise ParameterError("strategy labels must be unique")
    return M, labs


# ------------------------------------------------------------ response graph


@validated
def response_graph(
    game: Any,
    *,
    kind: str = "better",
    population: str = "single",
    labels: Annotated[Sequence[str], Names] | None = None,
    tol: Annotated[float, NonNegative] = 1e-12,
) -> nx.DiGraph:
    """Better- or best-response graph of a meta-game (see module docstring).

    ``game``: a square matrix or symmetric :class:`BimatrixGame` for ``population="single"``; a
    :class:`BimatrixGame` or ``(A, B)`` for ``population="profiles"``.  Edge attribute ``gain``
    is the deviator's payoff improvement.
    """
    if kind not in ("better", "best"):
        raise ParameterError(f"kind must be 'better' or 'best', got {kind!r}")
    G = nx.DiGraph()
    if population == "single":
        M, labs = _square(game, labels)
        G.add_nodes_from(labs)
        for s in range(len(labs)):
            col = M[:, s]
            gains = col - M[s, s]
            if kind == "better":
                targets = [t for t in range(len(labs)) if gains[t] > tol]
            else:
                best = col.max()
                targets = [t for t in range(len(labs)) if gains[t] > tol and col[t] >= best - tol]
            for t in targets:
                G.add_edge(labs[s], labs[t], gain=float(gains[t]))
        return G
    if population == "profiles":
        from .coerce import as_bimatrix

        bg = as_bimatrix(game)
        A, B = bg.A, bg.B
        m, k = A.shape
        for i in range(m):
            for j in range(k):
                G.add_node((bg.row_labels[i], bg.col_labels[j]))
        for i in range(m):
            for j in range(k):
                u = (bg.row_labels[i], bg.col_labels[j])
                ga = A[:, j] - A[i, j]
                gb = B[i, :] - B[i, j]
                for gains, col, mk in ((ga, A[:, j], lambda t: (bg.row_labels[t], bg.col_labels[j])),
                                       (gb, B[i, :], lambda t: (bg.row_labels[i], bg.col_labels[t]))):
                    best = col.max()
                    for t in np.flatnonzero(gains > tol):
                        if kind == "best" and col[t] < best - tol:
                            continue
                        G.add_edge(u, mk(int(t)), gain=float(gains[t]))
        return G
    raise ParameterError(f"population must be 'single' or 'profiles', got {population!r}")


def _sink_classes(adj: np.ndarray) -> list[list[int]]:
    """Sink strongly connected components of the digraph with boolean adjacency ``adj`` (scipy)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    A = np.array(adj, dtype=bool)
    np.fill_diagonal(A, False)
    ncomp, lab = connected_components(csr_matrix(A), directed=True, connection="strong")
    s, t = np.nonzero(A)
    leaves = np.zeros(ncomp, dtype=bool)
    leaves[lab[s][lab[s] != lab[t]]] = True
    return [np.flatnonzero(lab == c).tolist() for c in range(ncomp) if not leaves[c]]


def _check_graph(G: Any) -> None:
    if not isinstance(G, nx.DiGraph):
        raise ParameterError(f"G must be a response graph (networkx.DiGraph, see response_graph), got {type(G).__name__}")


def sink_components(G: nx.DiGraph) -> list[set[Any]]:
    """Sink strongly connected components (no edge leaves them), sorted by their smallest node."""
    _check_graph(G)
    comps = [set(c) for c in nx.attracting_components(G)]
    return sorted(comps, key=lambda c: sorted(map(str, c))[0])


# ------------------------------------------------------------------ α-Rank


def _partial_sums(M: np.ndarray, m: int, selection: str) -> np.ndarray:
    """``S[s, t, l-1] = sum_{k<=l} (f_t(k) - f_s(k))`` for l = 1..m-1 (mutant t, resident s)."""
    N = M.shape[0]
    _refuse_size(N, m)
    k = np.arange(1, m, dtype=float)  # number of mutants 1..m-1
    if selection == "local":
        D = M.T - M  # D[s, t] = M[t, s] - M[s, t]
        diff = np.broadcast_to(D[:, :, None], (N, N, m - 1))
    elif selection == "moran":
        # the finite-population payoffs of solvers.evolution (N = m): resident s, mutant t
        Mtt = np.diag(M)[None, :, None]
        Mss = np.diag(M)[:, None, None]
        Mts = M.T[:, :, None]  # [s, t] -> M[t, s]
        Mst = M[:, :, None]  # [s, t] -> M[s, t]
        ft, fs = _fixation_payoffs(Mss, Mst, Mts, Mtt, m, k)
        diff = ft - fs
    else:
        raise ParameterError(f"selection must be 'local' or 'moran', got {selection!r}")
    return np.cumsum(diff, axis=-1)


def _refuse_size(N: int, m: int) -> None:
    """Refuse up front (``SizeLimitError``) an ``(N, N, m - 1)`` table above ``payoffs.MAX_BYTES``."""
    from eqtools.errors import SizeLimitError

    from ..payoffs import MAX_BYTES

    need = 8.0 * 3 * N * N * max(int(m) - 1, 0)
    if need > MAX_BYTES:
        raise SizeLimitError(
            f"m = {m}: α-Rank with {N} strategies and population size m = {m} needs about {need / 2**30:.3g} GiB "
            f"of fixation sums, above the {MAX_BYTES / 2**30:g} GiB limit (solvers.payoffs.MAX_BYTES); use a smaller m"
        )


def _local_log_rho(M: np.ndarray, alpha: float, m: int) -> np.ndarray:
    """Closed form of ``log rho`` under local selection, ``O(N^2)`` memory (no partial-sum array).

    ``S_l = l D`` with ``D[s, t] = M[t, s] - M[s, t]``, so ``1/rho = sum_{l<m} e^{-l a}`` with
    ``a = alpha D``: a geometric series, ``log`` of it is ``(m-1) max(0, -a) + log((1 - e^{-m|a|}) /
    (1 - e^{-|a|}))`` (``log m`` at ``a = 0``), evaluated with ``expm1`` so that it is accurate for
    tiny and huge ``|a|`` alike.
    """
    a = alpha * (M.T - M)
    b = np.abs(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(-np.expm1(-m * b)) - np.log(-np.expm1(-b))
    ratio = np.where(b > 1e-300, ratio, math.log(m))
    return -((m - 1) * np.maximum(0.0, -a) + ratio)


def fixation_log_probabilities(M: Any, alpha: float, m: int = 50, selection: str = "local") -> np.ndarray:
    """``log rho[s, t]`` (mutant ``t`` fixing in a population of ``s``), computed stably.

    Local selection uses the closed form (:func:`_local_log_rho`, memory ``O(N^2)``, fine for
    thousands of strategies); Moran selection sums the ``m - 1`` partial sums explicitly
    (memory ``O(N^2 m)``, refused up front above ``payoffs.MAX_BYTES``).
    """
    M, _ = _square(M, None)
    _check_alpha_m(alpha, m)
    if selection == "local":
        return _local_log_rho(M, float(alpha), int(m))
    S = _partial_sums(M, int(m), selection)
    return _log_rho_partial(-alpha * S)


def _check_alpha_m(alpha: Any, m: Any) -> None:
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(alpha) and alpha >= 0):
        raise ParameterError(f"alpha must be a finite number >= 0, got {alpha!r}")
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, float, np.integer, np.floating)) \
            or not math.isfinite(m) or int(m) != m or m < 2:
        raise ParameterError(f"population size m must be an integer >= 2, got {m!r}")


@dataclass(frozen=True)
class AlphaRank(_Ranked):
    """α-Rank at finite ``alpha``: stationary distribution ``pi`` over strategies and the chain."""

    labels: tuple[str, ...]
    pi: np.ndarray
    transition: np.ndarray
    alpha: float
    m: int
    selection: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "m": self.m,
            "selection": self.selection,
            "ranking": [{"strategy": s, "mass": p} for s, p in self.ranking()],
        }


def alpharank(
    matrix: Any,
    alpha: float,
    *,
    m: int = 50,
    selection: str = "local",
    labels: Sequence[str] | None = None,
) -> AlphaRank:
    """Single-population α-Rank of a symmetric meta-game at finite ``alpha``.

    The stationary distribution is computed by GTH (accurate for tiny transition rates); if
    rates underflow to zero the chain becomes reducible and :class:`ChainError` is raised.
    """
    if labels is not None:
        Names.check("labels", labels)
    M, labs = _square(matrix, labels)
    _check_alpha_m(alpha, m)
    logrho = fixation_log_probabilities(M, alpha, int(m), selection)
    C = _rare_mutation_chain(np.exp(logrho))  # the chain of solvers.evolution.stationary_distribution
    pi = _gth(C)
    return AlphaRank(labs, pi, C, float(alpha), int(m), selection)


@dataclass(frozen=True)
class AlphaRankLimit:
    """α → ∞ limit of α-Rank.

    ``graph``: the α-Rank response graph (edges with positive limiting fixation probability;
    attribute ``rho``).  ``sinks``: its sink SCCs.  ``surviving``: the sinks that keep mass
    (all of them when there is one; the minimum-stochastic-potential ones otherwise).
    ``pi``: the limit distribution when ``resolved`` (None otherwise).  ``potentials``: the
    stochastic potential of each sink (exponential rate, units of alpha).
    """

    labels: tuple[str, ...]
    graph: nx.DiGraph
    sinks: tuple[frozenset[str], ...]
    surviving: tuple[frozenset[str], ...]
    potentials: tuple[float, ...]
    pi: np.ndarray | None
    resolved: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "sinks": [sorted(s) for s in self.sinks],
            "surviving": [sorted(s) for s in self.surviving],
            "potentials": list(self.potentials),
            "resolved": self.resolved,
            "pi": None if self.pi is None else dict(zip(self.labels, self.pi.tolist())),
            "edges": [[u, v, d["rho"]] for u, v, d in self.graph.edges(data=True)],
        }


@validated
def alpharank_limit(
    matrix: Any,
    *,
    m: Annotated[int, Label("population size m")] = 50,
    selection: str = "local",
    labels: Annotated[Sequence[str], Names] | None = None,
    tol: Annotated[float, NonNegative] = 1e-12,
) -> AlphaRankLimit:
    """Exact α → ∞ limit of single-population α-Rank (see module docstring)."""
    M, labs = _square(matrix, labels)
    _check_alpha_m(0.0, m)
    N = M.shape[0]
    m = int(m)
    scale = max(1.0, float(np.ptp(M)))
    if selection == "local":
        # S_l = l D (l = 1..m-1): min and exact-zero count in closed form, O(N^2) memory
        D = M.T - M
        smin = np.where(D >= 0, D, (m - 1) * D)
        with np.errstate(divide="ignore"):
            cnt = np.floor(tol * scale / np.abs(D))
        zeros = np.where(D == 0, m - 1, np.minimum(m - 1, cnt)).astype(int)
    else:
        S = _partial_sums(M, m, selection)
        smin = S.min(axis=-1)
        zeros = (np.abs(S) <= tol * scale).sum(axis=-1)
    rho_lim = np.where(smin >= -tol * scale, 1.0 / (1.0 + zeros), 0.0)
    np.fill_diagonal(rho_lim, 0.0)
    resist = np.maximum(0.0, -smin)
    np.fill_diagonal(resist, 0.0)
    G = nx.DiGraph()
    G.add_nodes_from(labs)
    es, et = np.nonzero(rho_lim > 0)
    G.add_edges_from((labs[a], labs[b], {"rho": float(rho_lim[a, b])}) for a, b in zip(es.tolist(), et.tolist()))
    sinks = [frozenset(labs[i] for i in c) for c in _sink_classes(rho_lim > 0)]
    sinks.sort(key=lambda c: sorted(map(str, c))[0])
    idx = {l: i for i, l in enumerate(labs)}
    # potentials via Young's theorem on the graph of recurrent classes
    if len(sinks) == 1:
        pots = [0.0]
    else:
        from scipy.sparse.csgraph import csgraph_from_dense, dijkstra

        Wd = np.where(rho_lim > 0, 0.0, resist)
        np.fill_diagonal(Wd, np.inf)  # no self-loops; zero-weight edges stay edges
        graph = csgraph_from_dense(Wd, null_value=np.inf)
        K = len(sinks)
        reps = [sorted(idx[x] for x in c) for c in sinks]
        dist = dijkstra(graph, directed=True, indices=sorted(set().union(*map(set, reps))))
        row_of = {v: r for r, v in enumerate(sorted(set().union(*map(set, reps))))}
        W = np.zeros((K, K))
        for a in range(K):
            for b in range(K):
                if a != b:
                    W[a, b] = min(dist[row_of[u], v] for u in reps[a] for v in reps[b])
        pots = []
        for root in range(K):
            H = nx.DiGraph()
            H.add_nodes_from(range(K))
            # in-tree to `root` == out-arborescence from `root` in the reversed graph
            for a in range(K):
                for b in range(K):
                    if a != b and a != root:
                        H.add_edge(b, a, w=W[a, b])
            arb = nx.minimum_spanning_arborescence(H, attr="w", default=math.inf)
            pots.append(float(sum(d["w"] for _, _, d in arb.edges(data=True))))
    best = min(pots)
    surv_idx = [k for k, p in enumerate(pots) if p <= best + 1e-9 * scale * m]
    surviving = [sinks[k] for k in surv_idx]
    resolved = len(surviving) == 1
    pi = None
    if resolved:
        cls = sorted(idx[x] for x in surviving[0])
        sub = _rare_mutation_chain(rho_lim[np.ix_(cls, cls)], N - 1)
        pi = np.zeros(N)
        pi[cls] = _gth(sub) if len(cls) > 1 else 1.0
    return AlphaRankLimit(labs, G, tuple(sinks), tuple(surviving), tuple(pots), pi, resolved)


# ------------------------------------------------------------------ plot


def plot_response_graph(
    G: nx.DiGraph,
    *,
    mass: dict[Any, float] | None = None,
    ax: Any = None,
    path: str | None = None,
    title: str | None = None,
) -> Any:
    """Draw a response graph (circular layout); sink components in red, node size ∝ ``mass``.

    Returns the matplotlib axes; writes the figure to ``path`` when given.
    """
    _check_graph(G)
    if mass is not None and not isinstance(mass, dict):
        raise ParameterError(f"mass must be a dict node -> mass (or None), got {mass!r}")
    if ax is not None and not hasattr(ax, "figure"):
        raise ParameterError(f"ax must be a matplotlib Axes (or None), got {ax!r}")
    if path is not None:
        from eqtools.io import check_plot_path

        check_plot_path(path, "path")
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 6))
    else:
        fig = ax.figure
    pos = nx.circular_layout(G)
    sinks = set().union(*sink_components(G)) if len(G) else set()
    colors = ["tab:red" if v in sinks else "tab:blue" for v in G.nodes]
    sizes = [300 + 3000 * float((mass or {}).get(v, 0.0)) for v in G.nodes]
    nx.draw_networkx_nodes(G, pos, ax=ax, node_color=colors, node_size=sizes, alpha=0.85)
    nx.draw_networkx_labels(G, pos, ax=ax, font_size=8)
    nx.draw_networkx_edges(G, pos, ax=ax, arrows=True, arrowsize=12, alpha=0.5, connectionstyle="arc3,rad=0.08")
    ax.set_title(title or "response graph (red: sink components)")
    ax.set_axis_off()
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return ax
