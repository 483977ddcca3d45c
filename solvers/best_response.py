"""Exact best responses to a fixed memory-one co-player, and exploitability (NashConv).

Against a co-player Y who plays a fixed memory-one strategy ``q``, the focal player X faces a
Markov decision process with five observations: the opening (no history) and the previous
round's joint action (CC, CD, DC, DD from X's own view).  In observation ``o`` X picks an
action ``a`` (C = 0, D = 1); Y simultaneously cooperates with probability ``q0`` at the opening
and ``q[SWAP[s]]`` after X's state ``s`` (Y's own view swaps CD and DC); the round ends in
state ``2 a + b`` and X is paid ``(R, S, T, P)[2 a + b]``.  The opening observation is
transient, so a deterministic stationary policy of this MDP is exactly one of the 32 pure
memory-one strategies (opening move + four reactions).

Criteria (the same as :mod:`solvers.payoffs`):

* ``gamma`` (discounted): normalised value ``(1 - gamma) sum_t gamma^t r_t`` solved exactly by
  Howard policy iteration (each evaluation a 4x4 linear solve; terminates in finitely many
  steps).  A pure memory-one strategy is optimal, so the best response is memory-one.
* ``n`` (finite horizon): mean per-round payoff ``(1/n) sum_{t<n} r_t`` solved by backward
  induction; the optimal policy is time dependent (e.g. defect in the last round), so the
  result also reports the best *stationary* pure memory-one strategy and its shortfall.
* ``limit`` (limit of means): a finite MDP has a deterministic stationary average-optimal policy
  (Puterman 1994, Thm 9.1.8), so the 32 pure memory-one strategies are enumerated with the exact
  (reducible-chain-aware) limit payoffs of :func:`solvers.payoffs.limit_of_means`.

Ties are reported, not hidden: per observation the set of optimal actions (``action_sets``),
the pure memory-one strategies optimal from *every* observation (``bellman_optimal``) and those
that reach the optimal value from the opening (``optimal_pure``; a superset: actions at states
never reached are free).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ConvergenceError, ParameterError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, validate_noise

from eqtools.validation import nonneg_finite, positive_int

from ._exact_discount import DiscountedMDP
from .backward_induction import _backup, _coplayer_probs
from .payoffs import _cd, _pair, as_params, check_gamma, check_horizon, discounted, finite_horizon, limit_of_means

__all__ = [
    "BestResponse",
    "FiniteHorizonBestResponse",
    "Exploitability",
    "pure_strategies",
    "pure_name",
    "best_response",
    "best_response_discounted",
    "best_response_finite",
    "best_response_limit",
    "exploitability",
    "criterion_kwargs",
]

OBSERVATIONS: tuple[str, ...] = ("start", "CC", "CD", "DC", "DD")

# ------------------------------------------------------------------ helpers


def pure_name(vector: Any) -> str:
    """Name of a pure memory-one strategy: five letters, opening first, e.g. TFT = ``"CCDCD"``."""
    try:
        v = np.asarray(vector, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"vector must be a memory-one strategy vector, got {vector!r}"[:300]) from None
    return "".join("C" if x == 1.0 else "D" for x in v)


def pure_strategies() -> StrategyPool:
    """The 32 pure memory-one strategies (opening + reactions to CC, CD, DC, DD).

    Ordered lexicographically with C before D, opening first: index 0 is ALLC (``"CCCCC"``),
    index 31 is ALLD (``"DDDDD"``).
    """
    rows = []
    for bits in itertools.product((1.0, 0.0), repeat=5):
        rows.append(bits)
    arr = np.array(rows, dtype=np.float64)
    return StrategyPool(arr, [pure_name(r) for r in arr])


def criterion_kwargs(gamma: float | None = None, n: int | None = None, limit: bool = False) -> dict[str, Any]:
    """Validate that exactly one criterion is chosen; return it as keyword arguments."""
    chosen = [gamma is not None, n is not None, bool(limit)]
    if sum(chosen) != 1:
        raise ParameterError("choose exactly one criterion: gamma (discounted), n (finite horizon) or limit=True")
    if gamma is not None:
        return {"gamma": check_gamma(gamma)}
    if n is not None:
        return {"n": check_horizon(n)}
    return {"limit": True}


def _tie_tol(game: Game, atol: float | None) -> float:
    if atol is not None:
        return nonneg_finite("atol", atol)
    scale = max(1.0, float(np.max(np.abs(game.payoffs))))
    return 1e-9 * scale


def _onestep(qs: np.ndarray, r: np.ndarray, cont: np.ndarray, eps: float = 0.0, qd: np.ndarray | None = None) -> np.ndarray:
    """Q[o, a] for *intended* action ``a``: sum over the actual action ``a'`` (``a`` flipped with
    probability ``eps``) and Y's reply ``b`` of ``P(a'|a) P(b|o) (r + cont)[2a' + b]``.

    ``qs`` (and optionally its accurate complement ``qd``) are Y's cooperation probabilities in
    the observations considered (shape (k,)).
    """
    qs = qs[:, None]
    qd = (1 - qs) if qd is None else qd[:, None]
    # actual a' = C -> next states CC (b=C) / CD (b=D); a' = D -> DC / DD
    qc = qs * (r[0] + cont[0]) + qd * (r[1] + cont[1])
    qdd = qs * (r[2] + cont[2]) + qd * (r[3] + cont[3])
    if eps:
        qc, qdd = (1 - eps) * qc + eps * qdd, eps * qc + (1 - eps) * qdd
    return np.concatenate([qc, qdd], axis=1)


def _policy_values_discounted(actions: np.ndarray, q: np.ndarray, game: Game, gamma: float, eps: float) -> np.ndarray:
    """Normalised values ``(1 - gamma) V(s)`` of deterministic policies (rows of ``actions``, 0=C, 1=D).

    ``V(s)`` is the discounted payoff of the rounds *after* state ``s``; it equals the discounted
    payoff of the pair whose openings are the reactions at ``s``, so it is computed by the
    accurate (restart-chain GTH) route of :func:`solvers.payoffs.discounted`, noise included.
    ``actions`` is ``(K, 4)``; returns ``(K, 4)``.
    """
    actions = np.atleast_2d(actions)
    K = actions.shape[0]
    react = 1.0 - actions.astype(float)  # P(C) after each state
    xs = np.empty((K, 4, 5))
    ys = np.empty((K, 4, 5))
    xs[:, :, 1:] = react[:, None, :]
    xs[:, :, 0] = react
    ys[:, :, 1:] = q[1:]
    ys[:, :, 0] = q[1:][SWAP]
    return np.asarray(discounted(xs, ys, game, gamma, noise=eps).payoff_x)


def _mo_from_actions(opening: int, actions: np.ndarray, name: str | None = None) -> MemoryOne:
    vec = np.array([1.0 - opening, *(1.0 - np.asarray(actions, dtype=float))])
    return MemoryOne.from_vector(vec, name=name or pure_name(vec))


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class BestResponse:
    """Best response to a fixed memory-one co-player under a stationary criterion.

    Attributes
    ----------
    value:
        Optimal per-round payoff (normalised discounted value or limit of means).
    strategy:
        One optimal pure memory-one strategy (on ties the cooperative action is chosen).
    q_values:
        ``(5, 2)`` action values per observation (start, CC, CD, DC, DD) x (C, D), normalised
        like ``value`` (discounted only; NaN for the limit criterion).
    action_sets:
        Per observation, the optimal actions (``"C"``, ``"D"`` or both on a tie).
    bellman_optimal:
        Pure memory-one strategies optimal from every observation.
    optimal_pure:
        Pure memory-one strategies that reach ``value`` from the opening (superset of
        ``bellman_optimal``).
    ties:
        True when the optimal pure strategy is not unique (``len(optimal_pure) > 1``).
    """

    value: float
    strategy: MemoryOne
    q_values: np.ndarray
    action_sets: tuple[tuple[str, ...], ...]
    bellman_optimal: tuple[MemoryOne, ...]
    optimal_pure: tuple[MemoryOne, ...]
    criterion: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ties(self) -> bool:
        return len(self.optimal_pure) > 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "value": self.value,
            "strategy": self.strategy.to_dict(),
            "q_values": np.asarray(self.q_values).tolist(),
            "action_sets": {o: list(a) for o, a in zip(OBSERVATIONS, self.action_sets)},
            "bellman_optimal": [s.name for s in self.bellman_optimal],
            "optimal_pure": [s.name for s in self.optimal_pure],
            "ties": self.ties,
            "info": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.info.items()},
        }


@dataclass(frozen=True)
class FiniteHorizonBestResponse:
    """Best response over ``n`` rounds (time-dependent policy by backward induction).

    Attributes
    ----------
    value:
        Optimal mean payoff per round over the ``n`` rounds.
    q_open:
        ``(2,)`` total (not averaged) payoff-to-go of opening with C / D.
    q_values:
        ``(n - 1, 4, 2)``: ``q_values[t - 1, s, a]`` is the total payoff-to-go of playing ``a`` in
        round ``t`` (``1 <= t < n``) after state ``s`` of round ``t - 1``.
    policy:
        ``(n, 5)`` array of P(C) of one optimal deterministic policy: row ``t`` is the memory-one
        vector used in round ``t`` (only ``policy[0, 0]`` matters in round 0, only
        ``policy[t, 1:]`` afterwards; the unused entries repeat the used ones for readability).
    tie_mask:
        ``(n, 5)`` booleans, True where both actions are optimal (row 0: the opening only).
    best_stationary:
        Pure memory-one strategies whose stationary play reaches the best *stationary* value.
    best_stationary_value:
        That value; ``value - best_stationary_value >= 0`` is the price of memory-one play.
    """

    value: float
    n: int
    q_open: np.ndarray
    q_values: np.ndarray
    policy: np.ndarray
    tie_mask: np.ndarray
    best_stationary: tuple[MemoryOne, ...]
    best_stationary_value: float

    criterion: str = "finite"
    noise: float = 0.0

    @property
    def ties(self) -> bool:
        return bool(self.tie_mask.any())

    @property
    def stationary_is_optimal(self) -> bool:
        return bool(self.value - self.best_stationary_value <= 1e-9 * max(1.0, abs(self.value)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "noise": self.noise,
            "value": self.value,
            "policy": self.policy.tolist(),
            "tie_rounds": [int(t) for t in np.flatnonzero(self.tie_mask.any(axis=1))],
            "best_stationary": [s.name for s in self.best_stationary],
            "best_stationary_value": self.best_stationary_value,
            "stationary_is_optimal": self.stationary_is_optimal,
        }


# ------------------------------------------------------------------ solvers


def _coplayer_cd(q: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Y's (cooperate, defect) probabilities per observation of X (start, CC, CD, DC, DD), noise included."""
    qc, qd = _cd(q, eps)
    return _coplayer_probs(qc), _coplayer_probs(qd)


def _single_coplayer(coplayer: Any) -> np.ndarray:
    q = as_params(coplayer, "coplayer")
    if q.shape != (5,):
        raise ParameterError(f"coplayer must be a single 5-vector, got shape {q.shape}")
    return q


def best_response_discounted(
    coplayer: Any,
    game: Game | str,
    gamma: float,
    *,
    atol: float | None = None,
    max_iter: int = 100,
    noise: float = 0.0,
) -> BestResponse:
    """Exact discounted best response to the memory-one ``coplayer`` by Howard policy iteration.

    ``noise`` is the execution-error rate of *both* players: the co-player's intended actions
    flip, and so do the best responder's own (choosing C yields C only with probability
    ``1 - noise``), which changes the MDP's transitions.

    Policy evaluation is exact (rational arithmetic on the float inputs, see
    :mod:`solvers._exact_discount`), so the answer stays right as ``gamma -> 1`` (tested to
    ``1 - gamma = 1e-12`` against an mpmath reference).  Two actions are tied when their
    normalised values differ by at most ``atol * (1 - gamma)``, i.e. ``atol`` is measured in the
    currency of a single round (default ``1e-9 * max(1, max |payoff|)``): a deviation that gains
    one round's payoff difference is never hidden by the tolerance, however close ``gamma`` is to 1.
    """
    g = preset(game)
    gamma = check_gamma(gamma)
    eps = validate_noise(noise)
    q = _single_coplayer(coplayer)
    tol = _tie_tol(g, atol)
    max_iter = positive_int("max_iter", max_iter)
    mdp = DiscountedMDP(g.payoffs, q, gamma, eps)
    ftol = Fraction(tol)
    one, zero = Fraction(1), Fraction(0)
    pc_of = (one, zero)  # intended P(C) of action a (0 = C, 1 = D)
    actions = [0, 0, 0, 0]  # start from "cooperate everywhere"
    for it in range(max_iter):
        u = mdp.evaluate([pc_of[a] for a in actions])
        Qu = [[mdp.q_unnormalised(o, pc_of[a], u) for a in (0, 1)] for o in range(1, 5)]
        changed = False
        for s in range(4):
            other = 1 - actions[s]
            # exact improvement (no tolerance): a tolerance here would stop at a policy whose
            # one-step advantages are tiny but whose losses add up over ~1/(1 - gamma) rounds
            if Qu[s][other] > Qu[s][actions[s]]:
                actions[s] = other
                changed = True
        if not changed:
            break
    else:  # pragma: no cover - policy iteration terminates in <= 16 improvements
        raise ConvergenceError(f"policy iteration did not converge in max_iter={max_iter} iterations")
    Qall_u = [[mdp.q_unnormalised(0, pc_of[a], u) for a in (0, 1)], *Qu]
    best_u = [max(row) for row in Qall_u]
    optimal = np.array([[best_u[o] - Qall_u[o][a] <= ftol for a in (0, 1)] for o in range(5)])
    scale = 1 - mdp.gamma
    Qall = np.array([[float(scale * v) for v in row] for row in Qall_u])  # (5, 2) normalised
    action_sets = tuple(tuple(a for a, ok in zip(("C", "D"), row) if ok) for row in optimal)
    value = float(scale * best_u[0])
    # Whole-policy values, exact: a policy may use only near-tied actions (within tol) at every
    # step and still lose O(1) per round over ~1/(1 - gamma) rounds, so the optimal sets are
    # decided on values, not on one-step action values.
    pi_open = max((0, 1), key=lambda a: Qall_u[0][a])
    values_u: dict[tuple[int, ...], tuple[Fraction, list[Fraction]]] = {}
    for bits in itertools.product((0, 1), repeat=5):
        uk = mdp.evaluate([pc_of[a] for a in bits[1:]])
        values_u[bits] = (mdp.q_unnormalised(0, pc_of[bits[0]], uk), uk)
    optimal_pure = []
    for bits, (v0, _) in values_u.items():
        if best_u[0] - v0 <= ftol:
            optimal_pure.append(bits)
    choices = [np.flatnonzero(row) for row in optimal]
    bellman = []
    for c in itertools.product(*choices):
        bits = tuple(int(a) for a in c)
        v0, uk = values_u[bits]
        if best_u[0] - v0 <= ftol and all(us - uks <= ftol for us, uks in zip(u, uk)):
            bellman.append(bits)
    # canonical strategy: the Bellman-optimal one that cooperates where it can (opening first,
    # then CC, CD, DC, DD); the exactly optimal policy of the iteration is always among them
    canon_bits = min(bellman) if bellman else (pi_open, *actions)
    strategy = _mo_from_actions(canon_bits[0], np.array(canon_bits[1:]))
    bellman = tuple(_mo_from_actions(b[0], np.array(b[1:])) for b in bellman)
    optimal_pure = [_mo_from_actions(b[0], np.array(b[1:])) for b in sorted(optimal_pure)]
    return BestResponse(
        value=value,
        strategy=strategy,
        q_values=Qall,
        action_sets=action_sets,
        bellman_optimal=bellman,
        optimal_pure=tuple(optimal_pure),
        criterion=f"discounted(gamma={gamma:g}" + (f", noise={eps:g})" if eps else ")"),
        info={"gamma": gamma, "noise": eps, "policy_iterations": it + 1, "tie_tol": tol,
              "tie_rule": "|Q(a) - Q(b)| <= tie_tol * (1 - gamma)",
              "exact_optimal": pure_name([1 - pi_open, *(1 - a for a in actions)])},
    )


def best_response_limit(coplayer: Any, game: Game | str, *, atol: float | None = None, noise: float = 0.0) -> BestResponse:
    """Exact limit-of-means best response: enumeration of the 32 pure memory-one strategies.

    Valid because a finite MDP has a deterministic stationary average-optimal policy; under
    execution errors ``noise`` the intended pure strategy ``s`` is played as
    ``apply_noise(s, noise)``, exactly.  The payoffs are the exact Cesàro limits (reducible
    chains included) of :func:`solvers.payoffs.limit_of_means`.  ``q_values`` are NaN (not
    defined for this criterion); ``action_sets`` list, per observation, the actions used by some
    optimal pure strategy *at a state it reaches* (a state never reached leaves the action free).
    """
    g = preset(game)
    eps = validate_noise(noise)
    q = _single_coplayer(coplayer)
    tol = _tie_tol(g, atol)
    pool = pure_strategies()
    res = limit_of_means(pool.params, q[None, :], g, noise=eps)
    vals = np.asarray(res.payoff_x)
    best = float(vals.max())
    idx = np.flatnonzero(vals >= best - tol)
    optimal = tuple(pool[int(i)] for i in idx)
    # Prefer the most cooperative optimal strategy as the canonical one.
    coop = pool.params[idx].sum(axis=1)
    strategy = pool[int(idx[np.argmax(coop)])]
    sets = []
    for o in range(5):
        acts = sorted({"C" if pool.params[i, o] == 1.0 else "D" for i in idx})
        sets.append(tuple(acts))
    return BestResponse(
        value=best,
        strategy=strategy,
        q_values=np.full((5, 2), np.nan),
        action_sets=tuple(sets),
        bellman_optimal=(),
        optimal_pure=optimal,
        criterion="limit" + (f"(noise={eps:g})" if eps else ""),
        info={"pure_values": vals, "tie_tol": tol, "noise": eps},
    )


#: Longest horizon for which :func:`best_response_finite` builds its per-round policy table;
#: longer horizons are refused up front with :class:`~eqtools.errors.SizeLimitError`.
MAX_TABLE_ROUNDS: int = 10**6


def best_response_finite(
    coplayer: Any, game: Game | str, n: int, *, atol: float | None = None, noise: float = 0.0
) -> FiniteHorizonBestResponse:
    """Exact ``n``-round best response by backward induction (time-dependent policy).

    Optimal over *all* strategies of X (history dependent ones included): against a memory-one
    co-player the pair (round, previous state) is a sufficient statistic.  ``noise``: execution
    errors of both players (X's intended action flips too).  The per-round table is refused
    above :data:`MAX_TABLE_ROUNDS` rounds (``SizeLimitError``); the best *stationary* values use
    the O(log n) route of :func:`solvers.payoffs.finite_horizon`.
    """
    g = preset(game)
    n = check_horizon(n)
    eps = validate_noise(noise)
    if n > MAX_TABLE_ROUNDS:
        raise SizeLimitError(
            f"n = {n}: the finite-horizon best response builds a per-round policy table, served up to "
            f"n = {MAX_TABLE_ROUNDS} rounds (solvers.best_response.MAX_TABLE_ROUNDS); for longer horizons "
            "use the limit or a discount, or payoff_matrix(pure_strategies(), ..., n=n) for stationary play"
        )
    q = _single_coplayer(coplayer)
    tol = _tie_tol(g, atol) * n
    r = [float(v) for v in g.payoffs]
    qoc, qod = _coplayer_cd(q, eps)
    qc = [float(v) for v in qoc[1:]]
    qd = [float(v) for v in qod[1:]]
    # Backward induction in plain floats (8 numbers a round): fast enough for 10^6 rounds; the
    # backup step is the one of the batched solvers.backward_induction.br_values.
    V = [0.0, 0.0, 0.0, 0.0]
    qvals = np.empty((max(n - 1, 0), 4, 2))
    for t in range(n - 1, 0, -1):
        w = [r[0] + V[0], r[1] + V[1], r[2] + V[2], r[3] + V[3]]
        row = [_backup(qc[s], qd[s], w, eps) for s in range(4)]
        qvals[t - 1] = row
        V = [c if c >= d else d for c, d in row]
    q_open = _onestep(qoc[:1], g.payoffs, np.asarray(V), eps, qod[:1])[0]
    value = float(q_open.max()) / n
    policy = np.empty((n, 5))
    tie = np.zeros((n, 5), dtype=bool)
    open_opt = q_open >= q_open.max() - tol
    a_open = 0 if open_opt[0] else 1
    tie[0, 0] = bool(open_opt.all())
    policy[0, :] = 1.0 - a_open
    if n > 1:
        opt = qvals >= qvals.max(axis=2, keepdims=True) - tol
        policy[1:, 1:] = np.where(opt[:, :, 0], 1.0, 0.0)
        policy[1:, 0] = policy[0, 0]
        tie[1:, 1:] = opt.all(axis=2)
        policy[0, 1:] = policy[1, 1:]
    pool = pure_strategies()
    svals = np.asarray(finite_horizon(pool.params, q[None, :], g, n, noise=eps).payoff_x)
    sbest = float(svals.max())
    stol = _tie_tol(g, atol)
    best_stat = tuple(pool[int(k)] for k in np.flatnonzero(svals >= sbest - stol))
    return FiniteHorizonBestResponse(
        value=value,
        n=n,
        q_open=q_open,
        q_values=qvals,
        policy=policy,
        tie_mask=tie,
        best_stationary=best_stat,
        best_stationary_value=sbest,
        criterion=f"finite(n={n}" + (f", noise={eps:g})" if eps else ")"),
        noise=eps,
    )


def best_response(
    coplayer: Any,
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    atol: float | None = None,
    noise: float = 0.0,
) -> BestResponse | FiniteHorizonBestResponse:
    """Exact best response under exactly one criterion (``gamma``, ``n`` or ``limit=True``).

    ``noise``: execution-error rate of both players (see :func:`best_response_discounted`).
    """
    crit = criterion_kwargs(gamma, n, limit)
    if "gamma" in crit:
        return best_response_discounted(coplayer, game, crit["gamma"], atol=atol, noise=noise)
    if "n" in crit:
        return best_response_finite(coplayer, game, crit["n"], atol=atol, noise=noise)
    return best_response_limit(coplayer, game, atol=atol, noise=noise)


# ------------------------------------------------------------ exploitability


@dataclass(frozen=True)
class Exploitability:
    """What each player of a profile gains by best-responding.

    ``nash_conv = gain_x + gain_y`` (Lanctot et al. 2017); ``exploitability = nash_conv / 2``.
    ``payoff_x, payoff_y`` are the profile's payoffs; ``best_x`` (``best_y``) the value of X's
    (Y's) best response to the other's strategy.
    """

    payoff_x: float
    payoff_y: float
    best_x: float
    best_y: float
    criterion: str

    @property
    def gain_x(self) -> float:
        return max(0.0, self.best_x - self.payoff_x)

    @property
    def gain_y(self) -> float:
        return max(0.0, self.best_y - self.payoff_y)

    @property
    def nash_conv(self) -> float:
        return self.gain_x + self.gain_y

    @property
    def exploitability(self) -> float:
        return self.nash_conv / 2.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "payoff_x": self.payoff_x,
            "payoff_y": self.payoff_y,
            "best_x": self.best_x,
            "best_y": self.best_y,
            "gain_x": self.gain_x,
            "gain_y": self.gain_y,
            "nash_conv": self.nash_conv,
            "exploitability": self.exploitability,
        }


def exploitability(
    x: Any,
    y: Any,
    game: Game | str,
    *,
    gamma: float | None = None,
    n: int | None = None,
    limit: bool = False,
    noise: float = 0.0,
) -> Exploitability:
    """Exploitability / NashConv of the memory-one profile ``(x, y)``.

    Gains are measured against best responses over *all* strategies (memory-one suffices for
    ``gamma`` and ``limit``; time-dependent for ``n``), under execution errors ``noise``.  Returned gains are clipped at 0 (a
    negative difference is round-off).
    """
    g = preset(game)
    crit = criterion_kwargs(gamma, n, limit)
    p, q = as_params(x, "strategy x"), as_params(y, "strategy y")
    pr = _pair(p, q, g, crit, noise)
    bx = best_response(q, g, noise=noise, **crit)
    by = best_response(p, g, noise=noise, **crit)
    return Exploitability(
        payoff_x=float(pr.payoff_x),
        payoff_y=float(pr.payoff_y),
        best_x=bx.value,
        best_y=by.value,
        criterion=pr.criterion,
    )
