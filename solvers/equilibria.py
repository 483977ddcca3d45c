"""Nash equilibria of the iterated game in memory-one space.

A pair of memory-one strategies ``(p, q)`` is a Nash equilibrium of the iterated game when
neither player gains by deviating to *any* strategy; against a memory-one co-player the best
deviation is computed exactly by :mod:`solvers.best_response` (an MDP), so the check is exact
and covers history-dependent deviations too.

* :func:`nash_check` — is ``(p, q)`` Nash, with each player's gain (the "gap").
* :func:`pure_equilibria` — all Nash pairs among the 32 pure memory-one strategies.
* :func:`search_equilibria` — symmetric equilibria ``(s, s)`` over a candidate set: pure
  strategies, the named library and the ZD families (generous / "partner", extortionate,
  equalizer) on a grid of ``(chi, phi)``.
* :func:`cooperative_nash` — which fully cooperative strategies are of Nash type for a game and
  criterion; :func:`critical_gamma` — the smallest discount factor at which ``(s, s)`` is Nash.
* :func:`known_facts` — textbook facts recomputed for a game (mutual ALLD is an equilibrium
  whenever P >= S; TFT / GRIM / WSLS thresholds), each with the gap as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

import numpy as np

from typing import Annotated

from eqtools.validation import Interval, NonNegative, OneOf, Positive, Probability, RealSequence, validated
from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, extortionate, generous, library, validate_noise

from ._exact_discount import DiscountedMDP
from .best_response import best_response, criterion_kwargs, pure_strategies
from .payoffs import _pair, as_params, payoff_matrix

__all__ = [
    "NashCheck",
    "PureEquilibria",
    "SymmetricRow",
    "nash_check",
    "pure_equilibria",
    "search_equilibria",
    "zd_family",
    "cooperative_nash",
    "critical_gamma",
    "closed_form_threshold",
    "known_facts",
]


def _tol(game: Game, tol: float | None) -> float:
    if tol is None:
        return 1e-9 * max(1.0, float(np.max(np.abs(game.payoffs))))
    if not (tol >= 0):
        raise ParameterError(f"tol must be >= 0, got {tol}")
    return float(tol)


def _setup(game: Game | str, gamma: Any, n: Any, limit: bool, tol: Any, noise: Any) -> tuple[Game, dict[str, Any], float, float]:
    """The checked ``(game, criterion, tol, noise)`` of the equilibrium checks, validated in that order."""
    g = preset(game)
    return g, criterion_kwargs(gamma, n, limit), _tol(g, tol), validate_noise(noise)


@dataclass(frozen=True)
class NashCheck:
    """Result of :func:`nash_check`.

    ``gain_x`` (``gain_y``) is what X (Y) gains by best-responding (>= 0); ``is_nash`` when
    both are at most ``tol``.  ``deviation_x`` is one optimal deviation of X (a pure
    memory-one strategy for stationary criteria; ``None`` for finite horizon, where the best
    deviation is time dependent).
    """

    is_nash: bool
    gain_x: float
    gain_y: float
    payoff_x: float
    payoff_y: float
    deviation_x: MemoryOne | None
    deviation_y: MemoryOne | None
    criterion: str
    tol: float
    noise: float = 0.0

    @property
    def gap(self) -> float:
        """``max(gain_x, gain_y)``."""
        return max(self.gain_x, self.gain_y)

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_nash": self.is_nash,
            "gain_x": self.gain_x,
            "gain_y": self.gain_y,
            "gap": self.gap,
            "payoff_x": self.payoff_x,
            "payoff_y": self.payoff_y,
            "deviation_x": None if self.deviation_x is None else self.deviation_x.name,
            "deviation_y": None if self.deviation_y is None else self.deviation_y.name,
            "criterion": self.criterion,
            "tol": self.tol,
            "noise": self.noise,
        }


@validated
def nash_check(
    x: Any,
    y: Any,
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    tol: Annotated[float, NonNegative] | None = None,
    noise: float = 0.0,
) -> NashCheck:
    """Exact Nash check of the memory-one pair ``(x, y)`` with each player's gain.

    ``tol`` (default ``1e-9 * max |payoff|``) is the largest gain still counted as 0; when
    discounted it is measured in the currency of one round (a gain counts as 0 when it is at most
    ``tol * (1 - gamma)`` in normalised units) and the gains are computed exactly, so the check
    stays right as ``gamma -> 1`` (tested to ``1 - gamma = 1e-12``).
    ``noise``: execution-error rate of both players; deviations are best responses in the
    noisy game (the deviator's own actions flip too).  Recorded in ``noise``.
    """
    g, crit, t, eps = _setup(game, gamma, n, limit, tol, noise)
    pr = _pair(x, y, g, crit, eps)
    p, q = as_params(x, "strategy x"), as_params(y, "strategy y")
    bx = best_response(q, g, noise=eps, **crit)
    by = best_response(p, g, noise=eps, **crit)
    px, py = float(pr.payoff_x), float(pr.payoff_y)
    dev_x = getattr(bx, "strategy", None)
    dev_y = getattr(by, "strategy", None)
    if "gamma" in crit:
        # Exact gains (rational arithmetic): as gamma -> 1 a gain of one round is O(1 - gamma)
        # in normalised units, below float64 round-off of the O(1) payoffs.
        gx, okx = _exact_gain(p, q, _exact_policy(bx), g, crit["gamma"], eps, t)
        gy, oky = _exact_gain(q, p, _exact_policy(by), g, crit["gamma"], eps, t)
        return NashCheck(okx and oky, gx, gy, px, py, dev_x, dev_y, pr.criterion, t, eps)
    gx, gy = max(0.0, bx.value - px), max(0.0, by.value - py)
    return NashCheck(gx <= t and gy <= t, gx, gy, px, py, dev_x, dev_y, pr.criterion, t, eps)


def _exact_policy(br: Any) -> np.ndarray:
    """The exactly optimal pure policy found by the discounted best response (5-vector of P(C))."""
    return np.array([1.0 if c == "C" else 0.0 for c in br.info["exact_optimal"]])


def _exact_gain(p: np.ndarray, q: np.ndarray, dev: np.ndarray, g: Game, gamma: float, eps: float, t: float) -> tuple[float, bool]:
    """(gain, within tolerance) of the focal ``p`` best-responding with ``dev`` to ``q`` when discounted.

    Exact: a gain counts as zero when it is at most ``t * (1 - gamma)`` in normalised units,
    i.e. ``t`` in the currency of one round, however close ``gamma`` is to 1.
    """
    mdp = DiscountedMDP(g.payoffs, q, gamma, eps)
    gain = mdp.opening_value(dev) - mdp.opening_value(p)
    return max(0.0, float(gain)), gain <= Fraction(t) * (1 - mdp.gamma)


@dataclass(frozen=True)
class PureEquilibria:
    """All Nash pairs among pure memory-one strategies (``pairs``: ``(i, j)`` indices into ``pool``)."""

    pool: StrategyPool
    pairs: tuple[tuple[int, int], ...]
    payoff_x: np.ndarray
    payoff_y: np.ndarray
    best_values: np.ndarray
    criterion: str

    @property
    def symmetric(self) -> tuple[str, ...]:
        return tuple(self.pool.names[i] for i, j in self.pairs if i == j)

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "n_pairs": len(self.pairs),
            "symmetric": list(self.symmetric),
            "pairs": [
                {
                    "x": self.pool.names[i],
                    "y": self.pool.names[j],
                    "payoff_x": float(self.payoff_x[i, j]),
                    "payoff_y": float(self.payoff_y[i, j]),
                }
                for i, j in self.pairs
            ],
        }


@validated
def pure_equilibria(
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    tol: Annotated[float, NonNegative] | None = None,
    noise: float = 0.0,
) -> PureEquilibria:
    """All pairs of pure memory-one strategies that are Nash equilibria of the iterated game.

    Payoffs of all 32 x 32 pairs come from :func:`solvers.payoffs.payoff_matrix`; each
    column's best-response value from the exact MDP solver (deviations to *any* strategy).
    ``noise``: execution-error rate of both players (intended pure strategies, played noisily).
    """
    g, crit, t, eps = _setup(game, gamma, n, limit, tol, noise)
    pool = pure_strategies()
    res = payoff_matrix(pool, pool, g, noise=eps, **crit)
    A = np.asarray(res.payoff_x)  # A[i, j]: payoff of row i against column j
    B = np.asarray(res.payoff_y)
    brs = [best_response(pool.params[j], g, noise=eps, **crit) for j in range(len(pool))]
    best = np.array([b.value for b in brs])
    if "gamma" in crit:
        # Float screen with a margin far above round-off, then an exact check of the candidates:
        # a tolerance of t * (1 - gamma) is below float64 resolution as gamma -> 1.
        margin = t * (1 - crit["gamma"]) + 1e-10 * max(1.0, float(np.max(np.abs(g.payoffs))))
        cand_x = A >= best[None, :] - margin
        ok_x = np.zeros_like(cand_x)
        for i, j in np.argwhere(cand_x):
            ok_x[i, j] = _exact_gain(pool.params[i], pool.params[j], _exact_policy(brs[j]), g, crit["gamma"], eps, t)[1]
        ok_y = ok_x.T.copy()  # symmetric game: column j best-responds to row i iff ok_x[j, i]
    else:
        ok_x = A >= best[None, :] - t  # row i is a best response to column j
        ok_y = B >= best[:, None] - t  # column j is a best response to row i
    pairs = tuple((int(i), int(j)) for i, j in np.argwhere(ok_x & ok_y))
    return PureEquilibria(pool, pairs, A, B, best, res.criterion)


@validated
def zd_family(
    game: Game | str,
    kind: Annotated[str, OneOf("generous", "extortionate")] = "generous",
    chis: Annotated[Sequence[float], RealSequence] = (1.0, 1.5, 2.0, 3.0, 5.0),
    phi_fractions: Annotated[Sequence[float], RealSequence] = (0.25, 0.5, 0.75, 1.0),
    p0: Annotated[float, Probability] = 1.0,
) -> list[MemoryOne]:
    """ZD strategies on a grid: ``kind`` ``"generous"`` (partners) or ``"extortionate"``.

    ``phi_fractions`` are fractions of the largest valid ``phi`` for each ``chi``.
    """
    g = preset(game)
    if kind not in ("generous", "extortionate"):
        raise ParameterError(f"kind must be 'generous' or 'extortionate', got {kind!r}")
    fn = generous if kind == "generous" else extortionate
    out = []
    for chi in chis:
        ref = fn(g, chi, p0=p0)  # default phi = phi_max / 2
        phi_max = 2 * _phi_of(ref, g, chi, kind)  # the default phi is half the largest valid one
        for fr in phi_fractions:
            if not (0 < fr <= 1):
                raise ParameterError(f"phi fractions must lie in (0, 1], got {fr}")
            out.append(fn(g, chi, phi=fr * phi_max, p0=p0, name=f"{kind[:3].upper()}(chi={chi:g},phi={fr:g}max)"))
    return out


def _phi_of(s: MemoryOne, g: Game, chi: float, kind: str) -> float:
    kappa = g.R if kind == "generous" else g.P
    d = (g.payoffs - kappa) - chi * (g.payoffs_coplayer - kappa)
    pt = np.asarray(s.p) - np.array([1.0, 1.0, 0.0, 0.0])
    k = int(np.argmax(np.abs(d)))
    return float(pt[k] / d[k])


@dataclass(frozen=True)
class SymmetricRow:
    """One candidate ``s`` in a symmetric search: is ``(s, s)`` Nash, and how cooperative."""

    strategy: MemoryOne
    is_nash: bool
    gain: float
    payoff: float
    cooperation: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.strategy.name,
            "vector": self.strategy.vector.tolist(),
            "is_nash": self.is_nash,
            "gain": self.gain,
            "payoff": self.payoff,
            "cooperation": self.cooperation,
        }


@validated
def search_equilibria(
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    candidates: Iterable[MemoryOne] | None = None,
    include_pure: bool = True,
    include_zd: bool = True,
    tol: float | None = None,
    noise: float = 0.0,
) -> list[SymmetricRow]:
    """Symmetric equilibria ``(s, s)`` among candidate memory-one strategies.

    Default candidates: the named library, the 32 pure strategies and the generous /
    extortionate ZD grids of :func:`zd_family`.  Every candidate is reported with its gain (a
    row with ``is_nash=False`` says by how much it fails).
    """
    g = preset(game)
    crit = criterion_kwargs(gamma, n, limit)
    if candidates is not None and (isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__")):
        raise ParameterError(f"candidates must be a sequence of memory-one strategies, got {candidates!r}")
    cands: list[MemoryOne] = list(candidates) if candidates is not None else list(library(g).values())
    if candidates is None and include_pure:
        cands += list(pure_strategies())
    if candidates is None and include_zd:
        cands += zd_family(g, "generous") + zd_family(g, "extortionate")
    rows = []
    for s in cands:
        chk = nash_check(s, s, g, tol=tol, noise=noise, **crit)
        pr = _pair(s, s, g, crit, validate_noise(noise))
        rows.append(SymmetricRow(s, chk.is_nash, chk.gain_x, chk.payoff_x, float(pr.coop_x)))
    return rows


@validated
def cooperative_nash(
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    candidates: Iterable[MemoryOne] | None = None,
    coop_threshold: float = 1.0 - 1e-9,
    tol: float | None = None,
    noise: float = 0.0,
) -> list[SymmetricRow]:
    """Candidates ``s`` whose mutual play is fully cooperative, with whether ``(s, s)`` is Nash.

    Under ``noise > 0`` no play is fully cooperative; lower ``coop_threshold`` accordingly.
    """
    if candidates is not None and (isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__")):
        raise ParameterError(f"candidates must be an iterable of MemoryOne strategies (or None), got {candidates!r}")
    rows = search_equilibria(game, gamma=gamma, n=n, limit=limit, candidates=candidates, tol=tol, noise=noise)
    return [r for r in rows if r.cooperation >= coop_threshold]


#: Memory-one vectors with a closed-form discount threshold in prisoner's dilemmas (no noise).
_CLOSED_FORMS: dict[tuple[float, ...], str] = {
    (1.0, 1.0, 0.0, 1.0, 0.0): "TFT",
    (1.0, 1.0, 0.0, 0.0, 0.0): "GRIM",
    (1.0, 1.0, 0.0, 0.0, 1.0): "WSLS",
    (0.0, 0.0, 0.0, 0.0, 0.0): "ALLD",
}


def closed_form_threshold(strategy: Any, game: Game | str, *, noise: float = 0.0) -> float | None:
    """The smallest discount factor at which ``(s, s)`` is Nash, in closed form where the
    literature gives one; ``None`` otherwise.

    In prisoner's dilemmas without execution errors:

    * TFT: ``max((T - R)/(R - S), (T - R)/(T - P))`` (Axelrod 1984: the alternating and the
      all-D deviations);
    * GRIM (the memory-one trigger): ``(T - R)/(T - P)`` (Friedman 1971);
    * WSLS: ``(T - R)/(R - P)`` (the deviation D, D, ... earning T, P, T, P; in the donation game
      ``c / (b - c)``, Imhof, Fudenberg & Nowak 2007) — it can reach or exceed 1, in which case
      ``(WSLS, WSLS)`` is Nash for no discount factor below 1;
    * ALLD: 0 (mutual defection is Nash for every discount factor when P >= S).
    """
    g = preset(game)
    eps = validate_noise(noise)
    vec = tuple(float(v) for v in as_params(strategy, "strategy").ravel())
    name = _CLOSED_FORMS.get(vec)
    if name is None or eps != 0.0 or not g.is_prisoners_dilemma():
        return None
    T, R, P, S = g.T, g.R, g.P, g.S
    if name == "TFT":
        return max((T - R) / (R - S), (T - R) / (T - P))
    if name == "GRIM":
        return (T - R) / (T - P)
    if name == "WSLS":
        return (T - R) / (R - P)
    return 0.0


@validated
def critical_gamma(
    strategy: Any,
    game: Game | str,
    *,
    lo: Annotated[float, Interval(0.0, 1.0, lo_open=True, hi_open=True)] = 1e-6,
    hi: Annotated[float, Interval(0.0, 1.0, lo_open=True, hi_open=True)] = 1 - 1e-6,
    xtol: Annotated[float, Positive] = 1e-10,
    tol: Annotated[float, NonNegative] | None = None,
    noise: float = 0.0,
) -> float | None:
    """Smallest discount factor at which ``(s, s)`` is a Nash equilibrium.

    Closed forms where they exist (:func:`closed_form_threshold`: TFT, GRIM, WSLS, ALLD in
    prisoner's dilemmas without noise): the threshold itself, ``1.0`` when it is exactly 1 (Nash
    only in the limit ``gamma -> 1``), ``None`` when it exceeds 1, ``lo`` when it is below ``lo``.
    Otherwise by bisection on the exact Nash check (``xtol`` wide), which assumes the Nash
    property is monotone in ``gamma`` on ``[lo, hi]``; returns ``lo`` if it already holds there,
    ``None`` if it fails at ``hi``.  The bisection is checked at both ends, not assumed.
    """
    g = preset(game)
    s = as_params(strategy, "strategy")
    cf = closed_form_threshold(s, g, noise=noise)
    if cf is not None:
        if cf > 1.0:
            return None
        return max(cf, lo)

    def ok(gm: float) -> bool:
        return nash_check(s, s, g, gamma=gm, tol=tol, noise=noise).is_nash

    if not ok(hi):
        return None
    if ok(lo):
        return lo
    a, b = lo, hi
    while b - a > xtol:
        mid = 0.5 * (a + b)
        if ok(mid):
            b = mid
        else:
            a = mid
    return b


def known_facts(game: Game | str, gamma: float, *, noise: float = 0.0) -> dict[str, Any]:
    """Textbook facts recomputed exactly for ``game`` and ``gamma`` (with gaps as evidence).

    * mutual ALLD is Nash iff ``P >= S`` (against ALLD, C earns S and D earns P each round);
    * TFT, GRIM and WSLS against themselves: Nash at this ``gamma``?  and the critical gamma.
    """
    g = preset(game)
    lib = library(g)
    out: dict[str, Any] = {"game": g.to_dict(), "gamma": gamma, "noise": noise}
    alld = nash_check(lib["ALLD"], lib["ALLD"], g, gamma=gamma, noise=noise)
    # The textbook fact is for noise-free play (under noise the comparison mixes in R and T).
    out["ALLD_vs_ALLD"] = {**alld.to_dict(), "expected": bool(g.P >= g.S) if not noise else None}
    for name in ("TFT", "GRIM", "WSLS", "GTFT"):
        if name not in lib:  # GTFT is undefined outside prisoner's dilemmas (library leaves it out)
            out[f"{name}_vs_{name}"] = {"undefined": f"{name} is not defined in game {g}"}
            continue
        chk = nash_check(lib[name], lib[name], g, gamma=gamma, noise=noise)
        out[f"{name}_vs_{name}"] = {**chk.to_dict(), "critical_gamma": critical_gamma(lib[name], g, noise=noise)}
    return out
