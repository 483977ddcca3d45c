"""What a log of recorded play says about the strategy behind it.

Given a :class:`~learners.recorded.PlayLog` of one agent (shared/paper-notes.md §5):

* :func:`memory_one_posterior`: the memory-one vector with **credible intervals**.  Under
  independent Beta(a, b) priors per context (start, CC, CD, DC, DD; U(0, 1) = Beta(1, 1)) the
  posterior is Beta(a + #C, b + #D) per context; intervals are equal-tailed.
* :func:`select_memory`: **memory-0, -1, -2, -3** (or any orders) compared by their exact marginal
  likelihood under the same Beta priors (a memory-k model has one parameter per context: the
  last ``min(t, k)`` joint outcomes, so early rounds have their own shorter contexts; memory-0 is
  one cooperation probability for every round) and by BIC (parameters = visited contexts).
  A Tit-for-Two-Tats log comes out as memory-2, not memory-1.
* :func:`learners.mixture.estimate_mixture`: the strategy frequency estimation method of
  Dal Bó & Fréchette (a mixture over a strategy library with a tremble);
* :func:`zd_posterior`: the ZD fit (:func:`solvers.zd.fit_zd`) of posterior draws: an interval
  for chi and the posterior probability that the residual is below the tolerance.
* :func:`verify_log`: all of the above, overall and per co-player (an in-context learner is a
  different strategy against each co-player).

A **history-blind** estimate (memory-0 selected, or equal reactive entries) is flagged beside
its ZD verdict: in games with equal gains from switching (``R + P = S + T``, e.g. the paper's
game and the donation game) *every* history-blind strategy is ZD, with
``chi = (T - S + R - P) / (R - P - T + S)`` (-2 in the paper's game; :func:`history_blind_note`),
so "ZD" then says nothing about extortion; in other games no history-blind strategy is ZD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.special import betaln, logsumexp
from scipy.stats import beta as beta_dist

from eqtools.conventions import PARAM_NAMES
from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne
from eqtools.validation import positive_int, seed as check_seed

from .mixture import MixtureEstimate, estimate_mixture
from .recorded import PlayLog, check_log as _check_log

__all__ = ["MemoryOneEstimate", "memory_one_posterior", "MemorySelection", "select_memory", "context_codes",
           "zd_posterior", "history_blind_note", "LogVerification", "verify_log"]

MAX_ORDER = 6


def _check_prior(prior: Any) -> tuple[float, float]:
    try:
        a, b = (float(x) for x in prior)
    except (TypeError, ValueError):
        raise ParameterError(f"prior must be two positive numbers (a, b) of a Beta prior, got {prior!r}") from None
    if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
        raise ParameterError(f"prior must be two positive numbers (a, b) of a Beta prior, got {prior!r}")
    return a, b


def _check_level(level: Any) -> float:
    from eqtools.validation import real

    v = real("level", level)
    if not 0 < v < 1:
        raise ParameterError(f"level must lie strictly between 0 and 1, got {level!r}")
    return v


# ----------------------------------------------------------------------------- contexts

def context_codes(log: PlayLog, k: int) -> tuple[np.ndarray, int]:
    """The memory-``k`` context of every decision, ``(matches, L)`` ints, and the number of contexts.

    Context = the last ``min(t, k)`` joint outcomes from the agent's view (CC, CD, DC, DD =
    0..3), so round ``t < k`` has its own shorter contexts; ``k = 1`` gives the memory-one
    tokens (0 = start, 1 + state)."""
    from .recorded import PlayLog
    from eqtools.validation import instance_of

    instance_of("log", log, PlayLog, "PlayLog (learners.recorded.read_log)")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= MAX_ORDER:
        raise ParameterError(f"memory order must be an integer in [0, {MAX_ORDER}], got {k!r}")
    k = int(k)
    s = (2 * np.clip(log.own, 0, 1) + np.clip(log.other, 0, 1)).astype(np.int64)
    M, L = s.shape
    offset = [(4 ** h - 1) // 3 for h in range(k + 2)]
    t = np.arange(L)
    code = np.broadcast_to(np.asarray([offset[min(int(x), k)] for x in t]), (M, L)).copy()
    for j in range(1, k + 1):
        shifted = np.zeros_like(s)
        shifted[:, j:] = s[:, :-j] if j < L else shifted[:, j:]
        code += np.where(t >= j, shifted * 4 ** (j - 1), 0)
    return code, offset[k + 1]


def _counts(log: PlayLog, k: int) -> tuple[np.ndarray, np.ndarray]:
    code, size = context_codes(log, k)
    m = log.mask
    c = np.bincount(code[m & (log.own == 0)], minlength=size).astype(np.float64)
    d = np.bincount(code[m & (log.own == 1)], minlength=size).astype(np.float64)
    return c, d


# ----------------------------------------------------------------------------- memory-one posterior

@dataclass(frozen=True)
class MemoryOneEstimate:
    """Beta posterior of the memory-one vector ``(p0, p_CC, p_CD, p_DC, p_DD)`` (own view).

    ``cooperations``/``defections``: counts per context; ``alpha``/``beta``: posterior
    parameters; ``mean``; ``lower``/``upper``: the equal-tailed ``level`` credible interval.
    """

    cooperations: np.ndarray
    defections: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    level: float
    prior: tuple[float, float]

    @property
    def mean(self) -> np.ndarray:
        return self.alpha / (self.alpha + self.beta)

    @property
    def lower(self) -> np.ndarray:
        return beta_dist.ppf((1 - self.level) / 2, self.alpha, self.beta)

    @property
    def upper(self) -> np.ndarray:
        return beta_dist.ppf((1 + self.level) / 2, self.alpha, self.beta)

    @property
    def counts(self) -> np.ndarray:
        return self.cooperations + self.defections

    @property
    def strategy(self) -> MemoryOne:
        """The posterior mean as a :class:`MemoryOne`."""
        return MemoryOne.from_vector(self.mean, name="posterior mean")

    def draws(self, size: int, seed: int = 0) -> np.ndarray:
        """``(size, 5)`` posterior draws."""
        rng = np.random.default_rng(check_seed("seed", seed))
        return rng.beta(self.alpha, self.beta, size=(positive_int("size", size), 5))

    def to_dict(self) -> dict[str, Any]:
        return {"params": list(PARAM_NAMES), "mean": self.mean.tolist(), "lower": self.lower.tolist(),
                "upper": self.upper.tolist(), "cooperations": self.cooperations.tolist(),
                "defections": self.defections.tolist(), "level": self.level, "prior": list(self.prior)}


def memory_one_posterior(log: PlayLog, *, prior: Sequence[float] = (1.0, 1.0), level: float = 0.95) -> MemoryOneEstimate:
    """Beta posterior per memory-one context (see the module docstring)."""
    log = _check_log(log)
    a, b = _check_prior(prior)
    lv = _check_level(level)
    c, d = _counts(log, 1)
    return MemoryOneEstimate(c, d, a + c, b + d, lv, (a, b))


# ----------------------------------------------------------------------------- model selection

@dataclass(frozen=True)
class MemorySelection:
    """Memory orders compared on one log: per order the log marginal likelihood, the maximised
    log-likelihood, the visited contexts (parameters) and BIC; ``posterior`` is the posterior
    probability of each order under a uniform prior over ``orders``."""

    orders: tuple[int, ...]
    log_marginal: np.ndarray
    loglik: np.ndarray
    parameters: np.ndarray
    bic: np.ndarray
    decisions: int

    @property
    def posterior(self) -> np.ndarray:
        return np.exp(self.log_marginal - logsumexp(self.log_marginal))

    @property
    def best(self) -> int:
        """The order with the largest marginal likelihood."""
        return int(self.orders[int(np.argmax(self.log_marginal))])

    @property
    def best_bic(self) -> int:
        return int(self.orders[int(np.argmin(self.bic))])

    def describe(self) -> str:
        p = float(self.posterior.max())
        agree = "BIC agrees" if self.best_bic == self.best else f"BIC prefers memory-{self.best_bic}"
        return f"memory-{self.best} (posterior probability {p:.3g} among memory-{list(self.orders)}; {agree})"

    def to_dict(self) -> dict[str, Any]:
        return {"orders": list(self.orders), "log_marginal": self.log_marginal.tolist(), "loglik": self.loglik.tolist(),
                "parameters": self.parameters.tolist(), "bic": self.bic.tolist(), "posterior": self.posterior.tolist(),
                "best": self.best, "best_bic": self.best_bic, "decisions": self.decisions, "description": self.describe()}


def select_memory(log: PlayLog, orders: Sequence[int] = (0, 1, 2, 3), *, prior: Sequence[float] = (1.0, 1.0)) -> MemorySelection:
    """Compare memory orders by exact marginal likelihood and BIC (see the module docstring)."""
    log = _check_log(log)
    a, b = _check_prior(prior)
    if isinstance(orders, (str, bytes)) or not isinstance(orders, Sequence) or len(orders) == 0:
        raise ParameterError(f"orders must be a non-empty sequence of memory orders, got {orders!r}")
    orders = tuple(orders)
    lml, ll, npar, bic = [], [], [], []
    N = log.decisions
    for k in orders:
        c, d = _counts(log, k)
        lml.append(float(np.sum(betaln(a + c, b + d) - betaln(a, b))))
        tot = c + d
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(c > 0, c * np.log(c / tot), 0.0) + np.where(d > 0, d * np.log(d / tot), 0.0)
        ll.append(float(term.sum()))
        npar.append(int(np.count_nonzero(tot)))
        bic.append(-2 * ll[-1] + npar[-1] * math.log(N))
    return MemorySelection(tuple(int(k) for k in orders), np.array(lml), np.array(ll), np.array(npar), np.array(bic), N)


# ----------------------------------------------------------------------------- ZD on posterior draws

def history_blind_note(game: Game | str) -> str:
    """What a ZD verdict means for a history-blind strategy in ``game``."""
    g = preset(game)
    scale = max(1.0, float(np.abs(g.payoffs).max()))
    if abs((g.R + g.P) - (g.S + g.T)) <= 1e-12 * scale:
        # p~ = (c - 1, c - 1, c, c) = alpha S_X + beta S_Y + gamma 1 gives alpha + beta = -1 / (R - P)
        # and alpha - beta = 1 / (T - S), so chi = -beta / alpha = (T - S + R - P) / (R - P - T + S)
        den = g.R - g.P - g.T + g.S
        chi = (g.T - g.S + g.R - g.P) / den if den else float("inf")
        return (f"history-blind: in this game (R + P = S + T) every history-blind strategy is ZD with chi = {chi:.3g}, "
                "so the ZD verdict says nothing about extortion or generosity")
    return ("history-blind: in this game (R + P != S + T) no history-blind strategy is ZD; "
            "the agent ignores the history")


def zd_posterior(estimate: MemoryOneEstimate, game: Game | str = "paper", *, draws: int = 2000, tol: float = 0.02,
                 seed: int = 0, level: float | None = None) -> dict[str, Any]:
    """:func:`solvers.zd.fit_zd` on ``draws`` posterior draws of ``estimate``: the point fit of the
    posterior mean, the posterior probability that the residual is at most ``tol``, and
    equal-tailed intervals (``level``, default the estimate's) of chi, kappa and the residual."""
    from eqtools.validation import nonneg_finite
    from solvers.zd import fit_zd

    if not isinstance(estimate, MemoryOneEstimate):
        raise ParameterError(f"estimate must be a MemoryOneEstimate, got {type(estimate).__name__}")
    g = preset(game)
    tol = nonneg_finite("tol", tol)
    lv = estimate.level if level is None else _check_level(level)
    X = estimate.draws(draws, seed)
    fits = [fit_zd(x, g, tol=tol) for x in X]
    chi = np.array([f.chi for f in fits])
    kappa = np.array([f.kappa for f in fits])
    res = np.array([f.residual for f in fits])
    q = [(1 - lv) / 2, 0.5, (1 + lv) / 2]

    def interval(x: np.ndarray) -> list[float | None]:
        x = x[np.isfinite(x)]
        return [None] * 3 if x.size == 0 else [float(v) for v in np.quantile(x, q)]

    point = fit_zd(estimate.mean, g, tol=tol).to_dict()
    return {"point": point, "p_zd": float(np.mean(res <= tol)), "chi": interval(chi), "kappa": interval(kappa),
            "residual": interval(res), "draws": int(draws), "tol": tol, "level": lv,
            "interval_meaning": "[lower, median, upper] over posterior draws (finite values only)"}


# ----------------------------------------------------------------------------- everything on one log

@dataclass(frozen=True)
class LogVerification:
    """:func:`verify_log`'s result: overall estimates and, with a co-player column, per co-player."""

    memory_one: MemoryOneEstimate
    selection: MemorySelection
    mixture: MixtureEstimate | None
    zd: dict[str, Any]
    history_blind: str | None
    by_coplayer: dict[str, dict[str, Any]] = field(default_factory=dict)
    game: str = "paper"
    source: str = ""
    matches: int = 0
    decisions: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "game": self.game, "matches": self.matches, "decisions": self.decisions,
                "memory_one": self.memory_one.to_dict(), "selection": self.selection.to_dict(),
                "mixture": None if self.mixture is None else self.mixture.to_dict(), "zd": self.zd,
                "history_blind": self.history_blind,
                "by_coplayer": {k: {"memory_one": v["memory_one"].to_dict(), "selection": v["selection"].to_dict(),
                                    "history_blind": v["history_blind"], "matches": v["matches"]}
                                for k, v in self.by_coplayer.items()}}


def _blind(est: MemoryOneEstimate, sel: MemorySelection, game: Game) -> str | None:
    return history_blind_note(game) if sel.best == 0 else None


def verify_log(log: PlayLog, game: Game | str = "paper", *, prior: Sequence[float] = (1.0, 1.0), level: float = 0.95,
               orders: Sequence[int] = (0, 1, 2, 3), library: Any = None, bootstrap: int = 200, seed: int = 0,
               zd_tol: float = 0.02, zd_draws: int = 2000, mixture: bool = True) -> LogVerification:
    """Every estimate of this module on ``log`` (and per co-player when the log names them)."""
    log = _check_log(log)
    g = preset(game)
    est = memory_one_posterior(log, prior=prior, level=level)
    sel = select_memory(log, orders, prior=prior)
    mix = estimate_mixture(log, library, bootstrap=bootstrap, seed=seed) if mixture else None
    zd = zd_posterior(est, g, draws=zd_draws, tol=zd_tol, seed=seed)
    per: dict[str, dict[str, Any]] = {}
    if log.coplayer is not None:
        for label, sub in log.by_coplayer().items():
            e = memory_one_posterior(sub, prior=prior, level=level)
            s = select_memory(sub, orders, prior=prior)
            per[label] = {"memory_one": e, "selection": s, "history_blind": _blind(e, s, g), "matches": sub.matches}
    return LogVerification(est, sel, mix, zd, _blind(est, sel, g), per, g.name, log.source, log.matches, log.decisions)
