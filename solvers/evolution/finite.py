"""Finite populations over a set of strategies: exact fixation probabilities and the
stationary distribution in the limit of rare mutations.

A well-mixed population of ``N`` individuals; payoffs come from a symmetric meta-game
``M[i, j]`` (payoff of strategy ``i`` against ``j``).  With ``k`` mutants (strategy ``m``)
among residents (strategy ``r``) and no self-interaction the average payoffs are

    pi_m(k) = ((k - 1) M[m, m] + (N - k) M[m, r]) / (N - 1)
    pi_r(k) = (k M[r, m] + (N - k - 1) M[r, r]) / (N - 1).

Processes (``process=``):

* ``"fermi"`` — pairwise comparison: a random individual imitates a random other with
  probability ``1 / (1 + exp(-beta (pi_model - pi_self)))``;
* ``"moran"`` — Moran birth-death with linear fitness ``f = 1 - w + w pi`` (``w = selection``
  in [0, 1]; fitness must stay positive, else :class:`ParameterError`);
* ``"moran-exp"`` — Moran birth-death with exponential fitness ``f = exp(beta pi)``.

For each the ratio of the one-step probabilities of losing and gaining a mutant is
``g(k) = T-(k)/T+(k)`` (``exp(-beta (pi_m - pi_r))`` for ``fermi`` and ``moran-exp``,
``f_r / f_m`` for ``moran``), and the exact fixation probability of a single mutant is

    rho = 1 / (1 + sum_{l=1}^{N-1} prod_{k=1}^{l} g(k)),

evaluated here in log space (log-sum-exp of the partial sums of ``log g``), so it neither
overflows nor underflows for strong selection or large ``N``.

Rare mutations (``stationary_distribution``): the population is monomorphic almost always; a
mutant of one of the other ``K - 1`` strategies (uniformly) arises and fixes with ``rho``.
The embedded chain over the ``K`` monomorphic states has ``T[r, m] = rho[r, m] / (K - 1)``;
its stationary distribution (Grassmann–Taksar–Heyman, no subtractions) is the long-run share
of time spent in each strategy.  With ``process="fermi"``, ``selection=alpha`` and ``N = m``
this is the single-population α-Rank chain with ``selection="moran"`` of
:func:`solvers.bimatrix.response_graph.alpharank` (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from eqtools.errors import ParameterError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.validation import real_array, validated
from eqtools.strategies import MemoryOne, StrategyPool, validate_noise
from solvers.markov import _Ranked, _fixation_payoffs, _gth, _log_ratio, _log_rho, _rare_mutation_chain

__all__ = [
    "PROCESSES",
    "check_process",
    "check_population",
    "log_ratio_terms",
    "fixation_log_probability",
    "fixation_probability",
    "fixation_matrix",
    "stationary_distribution",
    "SmallMutationResult",
    "meta_game",
    "MetaGame",
    "simulate_fixation",
]

PROCESSES: tuple[str, ...] = ("fermi", "moran", "moran-exp")


# ----------------------------------------------------------------- checks

def check_process(process: Any, selection: Any) -> tuple[str, float]:
    """Validate the process name and its selection parameter (``beta`` or ``w``)."""
    if process not in PROCESSES:
        raise ParameterError(f"process must be one of {PROCESSES}, got {process!r}")
    try:
        s = float(selection)
    except (TypeError, ValueError):
        raise ParameterError(f"selection (beta or w) must be a number, got {selection!r}") from None
    if not math.isfinite(s) or s < 0:
        raise ParameterError(f"selection (beta or w) must be a finite number >= 0, got {selection!r}")
    if process == "moran" and s > 1:
        raise ParameterError(f"selection w of the linear-fitness Moran process must lie in [0, 1], got {s}")
    return process, s


#: Largest population size served: the exact sums run over k = 1..N-1 (a float64 array per pair);
#: above it the request is refused up front with :class:`~eqtools.errors.SizeLimitError`.
MAX_POPULATION: int = 10**7


def check_population(N: Any) -> int:
    """Validate a population size (integer >= 2, at most :data:`MAX_POPULATION`)."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or int(N) < 2:
        raise ParameterError(f"population size N must be an integer >= 2, got {N!r}")
    if int(N) > MAX_POPULATION:
        raise SizeLimitError(
            f"population size N = {int(N)}: the exact fixation sums run over k = 1..N-1 and are served up to "
            f"N = {MAX_POPULATION} (solvers.evolution.finite.MAX_POPULATION); beyond that the fixation "
            "probability of a disadvantaged mutant underflows anyway -- use a smaller N, or the rare-mutation "
            "alpha-Rank with local selection (solvers.bimatrix.response_graph.alpharank), served for any m"
        )
    return int(N)


def _payoff_array(name: str, value: Any) -> np.ndarray:
    """A payoff (or batch of payoffs) as a finite float array; strings, ragged lists, NaN refused."""
    a = real_array(f"payoff {name}", value, "a real number or a regular array of them")
    if a.size == 0:
        raise ParameterError(f"payoff {name} is empty")
    if not np.all(np.isfinite(a)):
        raise ParameterError(f"payoff {name} has non-finite entries: {value!r}")
    return a


# --------------------------------------------------------------- fixation

def _payoffs_k(a_rr, a_rm, a_mr, a_mm, N: int):
    """Average payoffs of mutants and residents with k = 1..N-1 mutants (last axis)."""
    names = ("a_rr", "a_rm", "a_mr", "a_mm")
    arrs = [_payoff_array(nm, x) for nm, x in zip(names, (a_rr, a_rm, a_mr, a_mm))]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        raise ParameterError(f"payoffs a_rr, a_rm, a_mr, a_mm do not broadcast: shapes {[a.shape for a in arrs]}") from None
    from solvers.payoffs import check_size

    check_size("N", 8.0 * 4 * max(1, math.prod(shape)) * (N - 1), f"fixation sums over N = {N} for {math.prod(shape)} pair(s)",
               "use a smaller N or fewer strategies")
    k = np.arange(1, N, dtype=np.float64)
    return _fixation_payoffs(*(a[..., None] for a in arrs), N, k)


@validated
def log_ratio_terms(a_rr: Any, a_rm: Any, a_mr: Any, a_mm: Any, N: int, process: str = "fermi",
                    selection: float = 1.0) -> np.ndarray:
    """``log g(k) = log T-(k) / T+(k)`` for ``k = 1..N-1`` (last axis); inputs broadcast.

    ``a_xy`` is the payoff of an ``x`` against a ``y`` (``r`` resident, ``m`` mutant).
    """
    N = check_population(N)
    process, s = check_process(process, selection)
    pi_m, pi_r = _payoffs_k(a_rr, a_rm, a_mr, a_mm, N)

    def positive(f_m: np.ndarray, f_r: np.ndarray) -> None:
        if np.any(f_m <= 0) or np.any(f_r <= 0):
            raise ParameterError(
                f"selection w = {s}: linear fitness 1 - w + w*payoff is not positive for these payoffs; "
                "lower w, shift the payoffs, or use process='moran-exp' / 'fermi'"
            )

    return _log_ratio(pi_m, pi_r, process, s, np.log, positive)


@validated
def fixation_log_probability(a_rr: Any, a_rm: Any, a_mr: Any, a_mm: Any, N: int, process: str = "fermi",
                             selection: float = 1.0) -> np.ndarray:
    """``log rho``: exact log fixation probability of one mutant among ``N - 1`` residents (batched)."""
    return _log_rho(log_ratio_terms(a_rr, a_rm, a_mr, a_mm, N, process, selection))


@validated
def fixation_probability(a_rr: Any, a_rm: Any, a_mr: Any, a_mm: Any, N: int, process: str = "fermi",
                         selection: float = 1.0) -> np.ndarray:
    """Exact fixation probability ``rho`` of a single mutant (see the module docstring).

    ``selection = 0`` (or equal payoffs) gives the neutral value ``1 / N``.
    """
    return np.exp(fixation_log_probability(a_rr, a_rm, a_mr, a_mm, N, process, selection))


@validated
def fixation_matrix(M: Any, N: int, process: str = "fermi", selection: float = 1.0) -> np.ndarray:
    """``rho[r, m]``: fixation probability of one ``m`` mutant in a population of ``r`` (diagonal 0)."""
    M = _square(M)
    d = np.diag(M)
    rho = fixation_probability(d[:, None], M, M.T, d[None, :], N, process, selection)
    np.fill_diagonal(rho, 0.0)
    return rho


def _square(M: Any) -> np.ndarray:
    if isinstance(M, (str, bytes)) or M is None:
        raise ParameterError(f"meta-game matrix M must be a square array of numbers, got {M!r}")
    try:
        A = np.asarray(M, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("meta-game matrix M must be a square array of numbers (not ragged, no strings)") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 2:
        raise ParameterError(f"meta-game matrix M must be square with at least 2 strategies, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ParameterError("meta-game matrix M has non-finite entries")
    return A


_REDUCIBLE = ("the small-mutation chain is reducible: some strategy cannot be left because every "
              "fixation probability out of it underflows to 0 (lower the selection strength)")


@dataclass(frozen=True)
class SmallMutationResult(_Ranked):
    """Stationary distribution of the rare-mutation (embedded) chain over monomorphic states.

    ``pi[i]``: long-run share of time the population is all-``labels[i]``; ``rho[r, m]``: exact
    fixation probabilities; ``transition``: the embedded chain.  ``cooperation`` and ``payoff``
    (when the strategies' self-play values are known) are the ``pi``-weighted averages.
    """

    labels: tuple[str, ...]
    pi: np.ndarray
    rho: np.ndarray
    transition: np.ndarray
    N: int
    process: str
    selection: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "N": self.N,
            "process": self.process,
            "selection": self.selection,
            "pi": dict(zip(self.labels, self.pi.tolist())),
            "rho": {r: dict(zip(self.labels, row.tolist())) for r, row in zip(self.labels, self.rho)},
            "neutral_rho": 1.0 / self.N,
            **self.info,
        }


def _labels(labels: Any, K: int) -> tuple[str, ...]:
    """``K`` distinct string labels (``s0``, ``s1``, ... when ``labels`` is None)."""
    if labels is None:
        return tuple(f"s{i}" for i in range(K))
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise ParameterError(f"labels must be a sequence of {K} names, got {labels!r}")
    labs = tuple(labels)
    if len(labs) != K:
        raise ParameterError(f"labels: expected {K} names, got {len(labs)}")
    if not all(isinstance(x, str) for x in labs):
        raise ParameterError(f"labels must be strings, got {labs!r}")
    if len(set(labs)) != K:
        dup = sorted({x for x in labs if labs.count(x) > 1})
        raise ParameterError(f"labels must be distinct (to_dict would drop one), duplicated: {dup}")
    return labs


@validated
def stationary_distribution(M: Any, N: int, process: str = "fermi", selection: float = 1.0,
                            labels: Sequence[str] | None = None) -> SmallMutationResult:
    """Exact stationary distribution of the population in the limit of rare mutations."""
    A = _square(M)
    K = A.shape[0]
    N = check_population(N)
    rho = fixation_matrix(A, N, process, selection)
    T = _rare_mutation_chain(rho)
    pi = _gth(T, _REDUCIBLE)
    labs = _labels(labels, K)
    return SmallMutationResult(labs, pi, rho, T, N, process, float(selection))


# ---------------------------------------------------------- meta-games

@dataclass(frozen=True)
class MetaGame:
    """Exact meta-game of memory-one strategies under one criterion and execution noise."""

    labels: tuple[str, ...]
    params: np.ndarray  # intended strategies (K, 5)
    payoff: np.ndarray  # M[i, j]: payoff of i against j
    coop: np.ndarray  # cooperation rate of i against j
    criterion: str
    noise: float


@validated
def meta_game(strategies: Any, game: Game | str, *, n: int | None = None, gamma: float | None = None,
              limit: bool = False, noise: float = 0.0, labels: Sequence[str] | None = None) -> MetaGame:
    """Exact payoff and cooperation matrices of ``strategies`` with execution noise ``noise``.

    Noise is passed to :func:`solvers.payoffs.payoff_matrix`, which applies it exactly inside
    each pair's chain (one criterion: ``n``, ``gamma`` or
    ``limit``; the limit of means is exact also for reducible chains).
    """
    from solvers.payoffs import payoff_matrix

    g = preset(game)
    eps = validate_noise(noise)
    if isinstance(strategies, StrategyPool):
        P, labs = np.asarray(strategies.params), list(strategies.names)
    elif isinstance(strategies, (list, tuple)) and strategies and isinstance(strategies[0], MemoryOne):
        P, labs = np.stack([s.vector for s in strategies]), [s.name for s in strategies]
    else:
        from eqtools.strategies import validate_probabilities

        P = np.atleast_2d(validate_probabilities(strategies, what="strategies"))
        labs = [f"s{i}" for i in range(P.shape[0])]
    labs = list(_labels(labels if labels is not None else labs, P.shape[0]))
    # Noise goes to the payoff solvers, which apply it exactly inside the chain (structure from the
    # factors): applying it to the vectors first rounds small noise away (1 - 1e-300 == 1.0), so
    # mutual TFT at noise 1e-300 scored R instead of the noisy limit (R + S + T + P) / 4.
    res = payoff_matrix(P, P, g, n=n, gamma=gamma, limit=limit, noise=eps)
    return MetaGame(tuple(labs), P, np.asarray(res.payoff_x), np.asarray(res.coop_x), res.criterion, eps)


# -------------------------------------------------- Monte Carlo reference

#: Largest population :func:`simulate_fixation` steps through (each run takes ~N^2 updates).
MAX_SIMULATED_POPULATION: int = 10**4


def _scalar_fail(name: str, value: Any) -> float:
    _payoff_array(name, value)
    raise ParameterError(f"payoff {name} must be a single number here, got {value!r}")


@validated
def simulate_fixation(a_rr: float, a_rm: float, a_mr: float, a_mm: float, N: int, process: str = "fermi",
                      selection: float = 1.0, runs: int = 10_000, seed: int = 0) -> float:
    """Seeded Monte Carlo estimate of the fixation probability by simulating the process itself
    (individual updates, not the birth-death ratios): an independent check of
    :func:`fixation_probability`.  Vectorised over runs; returns the fraction that fixed."""
    N = check_population(N)
    if N > MAX_SIMULATED_POPULATION:
        raise SizeLimitError(f"population size N = {N}: simulate_fixation steps individual updates and is served up to "
                             f"N = {MAX_SIMULATED_POPULATION}; use fixation_probability (exact) for larger N")
    process, s = check_process(process, selection)
    a_rr, a_rm, a_mr, a_mm = (float(_payoff_array(nm, v)) if np.ndim(v) == 0 else _scalar_fail(nm, v)
                              for nm, v in (("a_rr", a_rr), ("a_rm", a_rm), ("a_mr", a_mr), ("a_mm", a_mm)))
    from eqtools.validation import positive_int, seed as check_seed

    runs = positive_int("runs", runs)
    if runs > 10**7:
        raise SizeLimitError(f"runs = {runs}: simulate_fixation is served up to 10^7 runs")
    rng = np.random.default_rng(check_seed("seed", seed))
    k = np.ones(int(runs), dtype=np.int64)
    active = np.ones(int(runs), dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        kk = k[idx].astype(np.float64)
        pi_m = ((kk - 1) * a_mm + (N - kk) * a_mr) / (N - 1)
        pi_r = (kk * a_rm + (N - kk - 1) * a_rr) / (N - 1)
        u1, u2, u3 = rng.random((3, idx.size))
        if process == "fermi":
            # focal uniformly at random, model uniformly among the other N - 1
            focal_m = u1 < kk / N
            model_m = np.where(focal_m, u2 < (kk - 1) / (N - 1), u2 < kk / (N - 1))
            diff = np.where(focal_m, pi_r - pi_m, pi_m - pi_r)  # model minus focal
            adopt = (focal_m != model_m) & (u3 < 1.0 / (1.0 + np.exp(-s * diff)))
            step = np.where(adopt, np.where(model_m, 1, -1), 0)
        else:
            if process == "moran":
                f_m, f_r = 1 - s + s * pi_m, 1 - s + s * pi_r
            else:
                f_m, f_r = np.exp(s * pi_m), np.exp(s * pi_r)
            # birth proportional to fitness, death uniformly at random (the newborn replaces another)
            birth_m = u1 < kk * f_m / (kk * f_m + (N - kk) * f_r)
            death_m = u2 < kk / N
            step = np.where(birth_m & ~death_m, 1, np.where(~birth_m & death_m, -1, 0))
        k[idx] += step
        done = (k[idx] == 0) | (k[idx] == N)
        active[idx[done]] = False
    return float(np.mean(k == N))
