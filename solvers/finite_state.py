"""Exact payoffs of finite-state strategies through the product Markov chain of two machines.

Two :class:`~eqtools.machines.FiniteStateStrategy` players (memory-one strategies, memory-``n``
tables, Axelrod's finite-state machines, hidden-Markov players, ...) play a Markov chain on
pairs of machine states: in pair ``(s, t)`` X cooperates with probability ``c_X(s)`` and Y with
``c_Y(t)``, each intended action flips with probability ``noise`` (execution errors), and both
machines move on the actions *played*.  Its state-visit distribution under the three criteria
gives every quantity of :class:`~solvers.payoffs.PairResult`:

* **finite horizon** ``n``: mean over rounds ``0..n-1`` (:func:`solvers.payoffs.chain_finite`),
* **discounted** ``gamma``: ``(1 - gamma) sum_t gamma^t`` (GTH on the restart chain,
  :func:`solvers.payoffs.chain_discounted`),
* **limit of means**: the exact Cesàro limit, reducible and periodic chains included
  (:func:`solvers.payoffs.chain_limit`: closed classes, absorption weights, GTH per class).

These are the subtraction-free routines of the memory-one core, generalised to any number of
states; the chain is built from accurate (cooperate, defect) probability pairs and only the
states reachable from the opening pair are kept.  Machines are minimised first
(:meth:`~eqtools.machines.FiniteStateStrategy.minimal`).  Chains larger than
:data:`MAX_PRODUCT_STATES` are refused up front (:class:`~eqtools.errors.SizeLimitError`);
:func:`simulate_machines` is the seeded Monte Carlo alternative (and the cross-check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.errors import ParameterError, SizeLimitError
from eqtools.validation import MaxSize, Positive, validated
from eqtools.games import Game, preset
from eqtools.machines import FiniteStateStrategy
from eqtools.strategies import MemoryOne, StrategyPool, validate_noise

from .payoffs import (
    PairResult,
    _cd,
    chain_discounted,
    chain_finite,
    chain_limit,
    check_gamma,
    check_horizon,
    check_size,
)

__all__ = [
    "MAX_PRODUCT_STATES",
    "ProductChain",
    "as_machine",
    "product_chain",
    "finite_horizon",
    "discounted",
    "limit_of_means",
    "pair_result",
    "payoff_matrix",
    "simulate_machines",
]

#: Largest product chain (reachable pairs of machine states) solved exactly; dense GTH costs
#: O(K^3), about a second at this size.  Larger chains raise :class:`SizeLimitError`.
MAX_PRODUCT_STATES: int = 2500

#: Joint actions in X's view, in the memory-one state order (own action first).
_JOINT = ((0, 0), (0, 1), (1, 0), (1, 1))


def as_machine(x: Any, what: str = "strategy") -> FiniteStateStrategy:
    """A :class:`FiniteStateStrategy` from a machine or a :class:`MemoryOne`; anything else raises."""
    if isinstance(x, FiniteStateStrategy):
        return x
    if isinstance(x, MemoryOne):
        return FiniteStateStrategy.from_memory_one(x)
    raise ParameterError(f"{what} must be a FiniteStateStrategy or a MemoryOne strategy, got {type(x).__name__}")


@dataclass(frozen=True)
class ProductChain:
    """The Markov chain of two machines on the pairs of states reachable from the opening.

    ``states[k] = (x state, y state)`` (row 0 is the opening pair); ``joint[k]`` the probability
    of each joint action (CC, CD, DC, DD in X's view) in that pair, noise included; ``M`` the
    transition matrix and ``pos`` its structural pattern (read off the factors, so no underflow
    hides an edge).  ``x`` and ``y`` are the minimal machines the chain was built from.
    """

    x: FiniteStateStrategy
    y: FiniteStateStrategy
    states: np.ndarray
    joint: np.ndarray
    M: np.ndarray
    pos: np.ndarray
    noise: float

    @property
    def n_states(self) -> int:
        return int(self.states.shape[0])

    @property
    def start(self) -> np.ndarray:
        v0 = np.zeros(self.n_states)
        v0[0] = 1.0
        return v0


def _act_probs(m: FiniteStateStrategy, eps: float) -> np.ndarray:
    """``(S, 2)`` accurate probabilities of playing C and D in each state, noise included."""
    c, d = _cd(m.coop, eps)
    return np.stack([c, d], axis=-1)


@validated
def product_chain(x: Any, y: Any, *, noise: float = 0.0, max_states: Annotated[int, Positive] | None = None) -> ProductChain:
    """Build the product chain of ``x`` and ``y`` (machines or memory-one strategies).

    Only pairs reachable from the opening pair are kept (breadth-first over positive edges).
    ``max_states`` (default :data:`MAX_PRODUCT_STATES`) bounds the chain; a larger one raises
    :class:`SizeLimitError` before any dense matrix is formed.
    """
    eps = validate_noise(noise)
    limit = MAX_PRODUCT_STATES if max_states is None else int(max_states)
    mx, my = as_machine(x, "strategy x").minimal(), as_machine(y, "strategy y").minimal()
    ax, ay = _act_probs(mx, eps), _act_probs(my, eps)
    Sy = my.n_states
    index = {mx.initial * Sy + my.initial: 0}
    order = [mx.initial * Sy + my.initial]
    edges_i: list[np.ndarray] = []
    edges_j: list[int] = []
    k = 0
    # Breadth-first search over pairs; successors of pair (s, t) after joint action (a, b):
    # X moves on (own a, other b), Y on (own b, other a).
    while k < len(order):
        flat = order[k]
        s, t = divmod(flat, Sy)
        for a, b in _JOINT:
            if ax[s, a] <= 0 or ay[t, b] <= 0:
                continue
            for sx, px in zip(mx.next_state[s, a, b], mx.next_prob[s, a, b]):
                if px <= 0:
                    continue
                for ty, py in zip(my.next_state[t, b, a], my.next_prob[t, b, a]):
                    if py <= 0:
                        continue
                    nf = int(sx) * Sy + int(ty)
                    if nf not in index:
                        if len(order) >= limit:
                            raise SizeLimitError(
                                f"the product chain of {mx.name!r} ({mx.n_states} states) and {my.name!r} "
                                f"({my.n_states} states) has more than {limit} reachable state pairs "
                                "(solvers.finite_state.MAX_PRODUCT_STATES); simulate this pair instead "
                                "(solvers.finite_state.simulate_machines)")
                        index[nf] = len(order)
                        order.append(nf)
        k += 1
    K = len(order)
    check_size("strategies", 8.0 * 3 * K * K, f"a product chain of {K} states")
    states = np.array([divmod(f, Sy) for f in order], dtype=np.int64).reshape(K, 2)
    xs, ys = states[:, 0], states[:, 1]
    joint = np.stack([ax[xs, a] * ay[ys, b] for a, b in _JOINT], axis=-1)
    jpos = np.stack([(ax[xs, a] > 0) & (ay[ys, b] > 0) for a, b in _JOINT], axis=-1)
    M = np.zeros((K, K))
    pos = np.zeros((K, K), dtype=bool)
    lookup = np.full(mx.n_states * Sy, -1, dtype=np.int64)
    lookup[np.asarray(order)] = np.arange(K)
    for col, (a, b) in enumerate(_JOINT):
        for kx in range(mx.next_state.shape[3]):
            px = mx.next_prob[xs, a, b, kx]
            nx = mx.next_state[xs, a, b, kx]
            for ky in range(my.next_state.shape[3]):
                py = my.next_prob[ys, b, a, ky]
                ny = my.next_state[ys, b, a, ky]
                live = jpos[:, col] & (px > 0) & (py > 0)
                rows = np.flatnonzero(live)
                cols = lookup[nx[rows] * Sy + ny[rows]]
                np.add.at(M, (rows, cols), joint[rows, col] * px[rows] * py[rows])
                pos[rows, cols] = True
    return ProductChain(mx, my, states, joint, M, pos, eps)


def _result(chain: ProductChain, d: np.ndarray, g: Game, criterion: str, info: dict[str, Any]) -> PairResult:
    visits = d @ chain.joint
    visits = visits / visits.sum()
    return PairResult.from_visits(visits, g, criterion, {**info, "noise": chain.noise, "chain_states": chain.n_states,
                                                         "x_states": chain.x.n_states, "y_states": chain.y.n_states})


def _suffix(eps: float) -> str:
    return f", noise={eps:g}" if eps else ""


def finite_horizon(x: Any, y: Any, game: Game | str, n: int, *, noise: float = 0.0) -> PairResult:
    """Exact mean per-round quantities over ``n`` rounds (opening round included) of two machines."""
    g = preset(game)
    n = check_horizon(n)
    ch = product_chain(x, y, noise=noise)
    d = chain_finite(ch.M, ch.start, n)
    return _result(ch, d, g, f"finite(n={n}{_suffix(ch.noise)})", {"n": n, "method": "product chain, finite horizon"})


def discounted(x: Any, y: Any, game: Game | str, gamma: float, *, noise: float = 0.0) -> PairResult:
    """Exact normalised discounted quantities ``(1 - gamma) sum_t gamma^t E[r_t]`` of two machines."""
    g = preset(game)
    gamma = check_gamma(gamma)
    ch = product_chain(x, y, noise=noise)
    d = chain_discounted(ch.M, ch.start, gamma)
    return _result(ch, d, g, f"discounted(gamma={gamma:g}{_suffix(ch.noise)})",
                   {"gamma": gamma, "method": "product chain, GTH on the restart chain"})


def limit_of_means(x: Any, y: Any, game: Game | str, *, noise: float = 0.0) -> PairResult:
    """Exact limit-of-means quantities of two machines (reducible and periodic chains included).

    ``info["ergodic"]``: whether the product chain has a single closed class;
    ``info["closed_classes"]``: how many it has.
    """
    g = preset(game)
    ch = product_chain(x, y, noise=noise)
    dec = chain_limit(ch.M, ch.start, ch.pos)
    return _result(ch, dec.visits, g, "limit" + (f"(noise={ch.noise:g})" if ch.noise else ""),
                   {"method": "product chain, exact Cesàro limit", "ergodic": dec.ergodic,
                    "closed_classes": len(dec.closed_classes)})


def pair_result(x: Any, y: Any, game: Game | str, *, n: int | None = None, gamma: float | None = None,
                limit: bool = False, noise: float = 0.0) -> PairResult:
    """One pair under exactly one criterion (``n``, ``gamma`` or ``limit=True``)."""
    chosen = [n is not None, gamma is not None, bool(limit)]
    if sum(chosen) != 1:
        raise ParameterError("choose exactly one criterion: n (finite horizon), gamma (discounted) or limit=True")
    if n is not None:
        return finite_horizon(x, y, game, n, noise=noise)
    if gamma is not None:
        return discounted(x, y, game, gamma, noise=noise)
    return limit_of_means(x, y, game, noise=noise)


_SWAP_VISITS = np.array([0, 2, 1, 3])


def _players(x: Any, what: str) -> list[FiniteStateStrategy]:
    if isinstance(x, StrategyPool):
        x = list(x)
    if isinstance(x, (FiniteStateStrategy, MemoryOne)) or isinstance(x, (str, bytes)):
        raise ParameterError(f"{what} must be a sequence of strategies, got {type(x).__name__}")
    try:
        items = list(x)
    except TypeError:
        raise ParameterError(f"{what} must be a sequence of strategies, got {type(x).__name__}") from None
    if not items:
        raise ParameterError(f"{what}: at least one strategy is needed")
    return [as_machine(s, f"{what}[{i}]").minimal() for i, s in enumerate(items)]


def payoff_matrix(rows: Any, cols: Any = None, game: Game | str = "paper", *, n: int | None = None,
                  gamma: float | None = None, limit: bool = False, noise: float = 0.0,
                  progress: bool = False) -> PairResult:
    """Exact quantities for every (row, column) pair of machines: arrays of shape ``(N, M)``.

    ``cols=None`` plays ``rows`` against themselves and solves each unordered pair once (the
    mirrored cell is the same chain seen from the other side, and self-play cells average both
    views, so ``payoff_col = payoff_row.T`` exactly).  ``info["chain_states"]`` holds the size of each pair's chain.
    """
    g = preset(game)
    R = _players(rows, "rows")
    symmetric = cols is None
    Cp = R if symmetric else _players(cols, "cols")
    shape = (len(R), len(Cp))
    visits = np.empty(shape + (4,))
    sizes = np.zeros(shape, dtype=np.int64)
    out = {k: np.empty(shape) for k in ("payoff_x", "payoff_y", "coop_x", "coop_y")}
    todo = [(i, j) for i in range(shape[0]) for j in range(shape[1]) if not symmetric or i <= j]
    crit = None
    from tqdm.auto import tqdm

    for i, j in tqdm(todo, desc="product chains", disable=not progress or len(todo) < 50, leave=False):
        res = pair_result(R[i], Cp[j], g, n=n, gamma=gamma, limit=limit, noise=noise)
        crit = res.criterion
        vals = {k: float(getattr(res, k)) for k in out}
        visits[i, j] = res.visits
        sizes[i, j] = res.info["chain_states"]
        if symmetric and i == j:  # self-play is symmetric in distribution: average both views
            visits[i, j] = (res.visits + res.visits[_SWAP_VISITS]) / 2
            vals["payoff_x"] = vals["payoff_y"] = (vals["payoff_x"] + vals["payoff_y"]) / 2
            vals["coop_x"] = vals["coop_y"] = (vals["coop_x"] + vals["coop_y"]) / 2
        for k, v in vals.items():
            out[k][i, j] = v
        if symmetric and i != j:  # the mirrored cell: the same numbers seen from the other side
            visits[j, i] = res.visits[_SWAP_VISITS]
            sizes[j, i] = sizes[i, j]
            out["payoff_x"][j, i], out["payoff_y"][j, i] = vals["payoff_y"], vals["payoff_x"]
            out["coop_x"][j, i], out["coop_y"][j, i] = vals["coop_y"], vals["coop_x"]
    return PairResult(visits, out["payoff_x"], out["payoff_y"], out["coop_x"], out["coop_y"], str(crit),
                      {"noise": validate_noise(noise), "chain_states": sizes, "method": "product chain"})


#: Most rounds per simulated match of :func:`simulate_machines` (one array row per round).
MAX_MACHINE_ROUNDS = 10**7


@validated
def simulate_machines(x: Any, y: Any, game: Game | str, *,
                      n: Annotated[int, Positive, MaxSize(MAX_MACHINE_ROUNDS, "use the exact product chain (pair_result)")] = 100,
                      matches: int = 1000, seed: int = 0,
                      noise: float = 0.0, gamma: float | None = None) -> dict[str, float]:
    """Seeded Monte Carlo play of two machines (numpy, vectorised over matches).

    Returns means and standard errors over ``matches`` of each player's per-round payoff and
    cooperation (``payoff_x``, ``payoff_x_se``, ... ``coop_y_se``).  With ``gamma`` the rounds
    are weighted ``(1 - gamma) gamma^t`` over ``n`` rounds (choose ``n`` with ``gamma^n``
    negligible).  Independent of the product-chain algebra: a cross-check and a fallback.
    """
    from eqtools.validation import sample_count, seed as check_seed

    g = preset(game)
    n = check_horizon(n)
    matches = sample_count("matches", matches)
    eps = validate_noise(noise)
    check_size("matches", 8.0 * 12 * matches, f"simulating {matches} matches")
    mx, my = as_machine(x, "strategy x"), as_machine(y, "strategy y")
    rng = np.random.default_rng(check_seed("seed", seed))
    w = np.full(n, 1.0 / n) if gamma is None else (1 - check_gamma(gamma)) * check_gamma(gamma) ** np.arange(n)
    sx = np.full(matches, mx.initial)
    sy = np.full(matches, my.initial)
    rx, ry = g.payoffs, g.payoffs_coplayer
    acc = np.zeros((4, matches))
    cx_cum = [np.cumsum(mx.next_prob, axis=-1), np.cumsum(my.next_prob, axis=-1)]
    for t in range(n):
        ux, uy, fx, fy, tx, ty = rng.random((6, matches))
        a = (ux >= mx.coop[sx]).astype(np.int64)
        b = (uy >= my.coop[sy]).astype(np.int64)
        if eps:
            a = np.where(fx < eps, 1 - a, a)
            b = np.where(fy < eps, 1 - b, b)
        st = 2 * a + b
        acc[0] += w[t] * rx[st]
        acc[1] += w[t] * ry[st]
        acc[2] += w[t] * (1 - a)
        acc[3] += w[t] * (1 - b)
        kx = (tx[:, None] >= cx_cum[0][sx, a, b]).sum(axis=-1).clip(max=mx.next_state.shape[3] - 1)
        ky = (ty[:, None] >= cx_cum[1][sy, b, a]).sum(axis=-1).clip(max=my.next_state.shape[3] - 1)
        sx = mx.next_state[sx, a, b, kx]
        sy = my.next_state[sy, b, a, ky]
    out: dict[str, float] = {"matches": float(matches)}
    for k, key in enumerate(("payoff_x", "payoff_y", "coop_x", "coop_y")):
        out[key] = float(acc[k].mean())
        out[key + "_se"] = float(acc[k].std(ddof=1) / math.sqrt(matches))
    return out
