"""Predictive equilibria in memory-one space: the tabular PPI operator and its fixed points.

PPI (Weis et al. 2026; ``shared/paper-notes.md`` §1) runs a performative loop
*model -> improved policy -> data -> model*.  Here every object is tabular and memory-one, so
the loop becomes a map on ten numbers and its fixed points can be solved for.

Modelling choices (the paper leaves these open; each is a parameter where it matters)
-----------------------------------------------------------------------------------
1. **Observations.** Each agent sees ``o in (start, CC, CD, DC, DD)`` from its own view (own
   action first), as in the paper's memory-one tabular agents.
2. **Model.** Agent ``i``'s sequence model, projected to memory one, is two tables: a *policy
   prior* ``p_i(o) = P(own C | o)`` and a *co-player model* ``m_i(o) = P(co-player C | o)``
   (simultaneous moves, so the co-player's next action depends on the same ``o``).  Rewards are
   known (the game's payoffs), as the reward head of a trained model would predict them.
3. **Refit = KL minimisation on data.**  For tabular conditionals, minimising
   ``KL(data || model)`` gives per-observation empirical frequencies.  The data are a mixture:
   weight ``prior_weight = lambda`` of *reference* (pretraining) data and ``1 - lambda`` of data
   induced by the current policies (episodes of ``episode_length`` rounds).  With expected
   visit counts ``w_ref(o)``, ``w_i(o)`` per episode::

       p_i(o) = [lambda w_ref(o) a_ref(o) + (1 - lambda) w_i(o) pi_i(o)]  / [lambda w_ref(o) + (1 - lambda) w_i(o)]
       m_i(o) = [lambda w_ref(o) b_ref(o) + (1 - lambda) w_i(o) pi_j(o')] / [same]

   where ``pi_j(o')`` is the co-player's cooperation probability after ``o`` (its view: CD and DC
   swapped).  Default ``lambda = 0.25``: after the paper's 30 phases, its 200k pretraining
   trajectories are 25 % of all data (200k / (200k + 30 x 20k)).  With ``lambda = 0`` the model
   equals the truth on visited observations and falls back to the reference on unvisited ones
   (the ``lambda -> 0+`` limit).
4. **Reference data.** The paper pretrains on games between two random tabular agents with
   parameters ~ U(0, 1).  ``a_ref(o)`` (own C-frequency), ``b_ref(o)`` (co-player's) and
   ``w_ref(o)`` are the expectations of those statistics, estimated once with exact per-pair
   state distributions over ``n_reference_pairs = 4096`` sampled pairs (numpy seed 0; Monte Carlo
   error about 0.005).  ``reference="uniform"`` uses ``a = b = 1/2`` and equal weights instead.
5. **Q-values.**  ``Q_i(o, a)`` is the expected return of playing ``a`` at ``o`` and then
   following the *prior* ``p_i`` while the co-player follows ``m_i`` (PPI's rollouts sample
   both from the model).  ``horizon=None``: discounted infinite sum with ``gamma < 1`` (exact
   linear solve); ``horizon=H``: ``H`` rounds of lookahead (the paper uses 15) with optional
   ``gamma <= 1`` (exact backward recursion — the expectation MC rollouts estimate).  Q is in
   payoff units, *not* normalised by ``1 - gamma``; ``beta`` is relative to that scale (the
   paper's ``beta = 0.01`` with 15-round sums of payoffs in {-1, 0, 1, 2}).
6. **Improvement.** ``pi_i(o) ∝ p_i(o) exp(beta Q_i(o, C))`` vs ``(1 - p_i(o)) exp(beta Q_i(o, D))``.
7. **Fixed point.** ``pi = T(pi)`` for the pair ``pi = (pi_0, pi_1)`` in ``[0, 1]^10``.  At
   ``beta = 0`` the unique fixed point is the reference policy (for ``lambda > 0``); with
   ``lambda = 0`` the model is correct on the path (a *perfect* predictive equilibrium in the
   paper's sense) and ``T`` is multiplicative-weights policy iteration whose interior fixed
   points need exact indifference; as ``beta`` grows a fixed point's policy becomes greedy w.r.t.
   its own model, so its distance from Nash in the true game (:func:`solvers.best_response.
   exploitability`, NashConv) is reported for each fixed point — it shrinks towards a floor set
   by ``lambda`` (the model stays partly the reference) as ``beta`` grows.

Solver: damped iteration ``pi <- (1 - eta) pi + eta T(pi)`` from several starts, polished by
``scipy.optimize.root``; each fixed point carries its residual ``max |T(pi) - pi|`` and the
spectral radius of the Jacobian of ``T`` (finite differences): < 1 means locally stable under
the undamped PPI loop.  Starts that do not converge are counted and, with
``raise_on_failure=True``, raise :class:`~eqtools.errors.ConvergenceError`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterable, Sequence

import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ConvergenceError, ParameterError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, library
from eqtools.validation import Interval, MaxSize, NonNegative, OneOf, Positive, RealSequence, Seed, validated

from .best_response import exploitability
from .payoffs import as_params, discounted, finite_horizon, round_profile

__all__ = [
    "Reference",
    "PPIOperator",
    "FixedPoint",
    "PredictiveResult",
    "reference_data",
    "solve_fixed_points",
    "beta_sweep",
]

OBS: tuple[str, ...] = ("start", "CC", "CD", "DC", "DD")
_SWAP5 = np.concatenate([[0], 1 + SWAP])  # observation o of X -> the same round seen by Y


@dataclass(frozen=True)
class Reference:
    """Reference (pretraining) statistics per observation: visit weight and C-frequencies."""

    weight: np.ndarray  # w_ref(o): expected visits per episode
    own: np.ndarray  # a_ref(o): P(own C | o)
    coplayer: np.ndarray  # b_ref(o): P(co-player C | o)
    description: str


def _episode_visits(p: np.ndarray, q: np.ndarray, length: int) -> np.ndarray:
    """Expected number of visits of each observation (start, CC, CD, DC, DD) in X's view
    before X acts, over an episode of ``length`` rounds (batched over leading axes)."""
    if length == 1:
        w = np.zeros(p.shape[:-1] + (5,))
        w[..., 0] = 1.0
        return w
    prof = round_profile(p, q, length - 1)  # (..., length-1, 4): state after rounds 0..L-2
    w = np.concatenate([np.ones(prof.shape[:-2] + (1,)), prof.sum(axis=-2)], axis=-1)
    return w


@functools.lru_cache(maxsize=8)
def _tabular_reference(length: int, n_pairs: int, seed: int) -> Reference:
    rng = np.random.default_rng(seed)
    P = rng.uniform(0.0, 1.0, size=(n_pairs, 5))
    Q = rng.uniform(0.0, 1.0, size=(n_pairs, 5))
    w = _episode_visits(P, Q, length)  # X's view
    own = P  # X's C-probability at each observation
    cop = Q[:, _SWAP5]  # Y's C-probability after X's observation o
    W = w.sum(axis=0)
    a = (w * own).sum(axis=0) / W
    b = (w * cop).sum(axis=0) / W
    # By the symmetry of the sampling, X's and Y's roles are exchangeable: pool both views.
    wy = w[:, _SWAP5]
    Wy = wy.sum(axis=0)
    a_y = (wy * Q).sum(axis=0) / Wy
    b_y = (wy * P[:, _SWAP5]).sum(axis=0) / Wy
    return Reference(
        weight=(W + Wy) / (2 * n_pairs),
        own=(a * W + a_y * Wy) / (W + Wy),
        coplayer=(b * W + b_y * Wy) / (W + Wy),
        description=f"U(0,1) tabular pairs, {n_pairs} samples (seed {seed}), {length}-round episodes",
    )


#: Most episode pairs a tabular reference draws (each pair is a whole episode of ``episode_length`` rounds).
MAX_REFERENCE_PAIRS = 10**6


@validated
def reference_data(kind: Annotated[str, OneOf("tabular", "uniform")] = "tabular",
                   episode_length: Annotated[int, Positive, MaxSize(10**5)] = 100,
                   n_pairs: Annotated[int, Positive, MaxSize(MAX_REFERENCE_PAIRS)] = 4096,
                   seed: Annotated[int, Seed] = 0) -> Reference:
    """Reference statistics: ``"tabular"`` (the paper's pretraining distribution) or ``"uniform"``."""
    if kind == "uniform":
        w = np.full(5, 1.0)
        w[1:] = (episode_length - 1) / 4.0
        return Reference(w, np.full(5, 0.5), np.full(5, 0.5), "uniform: P(C) = 1/2 everywhere, equal visits")
    if kind == "tabular":
        if n_pairs * episode_length > 10**9:
            raise SizeLimitError(f"n_pairs x episode_length = {n_pairs} x {episode_length} rounds is above the largest "
                                 "reference served (10^9 rounds); use fewer pairs or shorter episodes")
        return _tabular_reference(int(episode_length), int(n_pairs), int(seed))
    raise ParameterError(f"reference must be 'tabular' or 'uniform', got {kind!r}")


class PPIOperator:
    """The tabular PPI operator ``T`` on policy pairs (see the module docstring for the model).

    Parameters
    ----------
    game: the stage game (preset name or :class:`Game`).
    beta: inverse temperature (>= 0), relative to un-normalised returns.
    gamma: discount inside Q (``< 1`` when ``horizon is None``; ``<= 1`` with a horizon).
    horizon: lookahead rounds for Q (``None`` = infinite discounted).
    prior_weight: ``lambda`` in [0, 1), weight of reference data in the refit.
    episode_length: rounds per episode of induced data.
    reference: ``"tabular"``, ``"uniform"`` or a :class:`Reference`.
    """

    def __init__(
        self,
        game: Game | str,
        beta: float,
        gamma: float = 0.9,
        *,
        horizon: int | None = None,
        prior_weight: float = 0.25,
        episode_length: int = 100,
        reference: str | Reference = "tabular",
    ) -> None:
        self.game = preset(game)
        from eqtools.validation import real

        beta, gamma = real("beta", beta), real("gamma", gamma)
        if not (math.isfinite(beta) and beta >= 0):
            raise ParameterError(f"beta must be a finite number >= 0, got {beta}")
        if horizon is None:
            if not (0 < gamma < 1):
                raise ParameterError(f"gamma must lie in (0, 1) when horizon is None, got {gamma}")
        else:
            if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
                raise ParameterError(f"horizon must be a positive integer or None, got {horizon!r}")
            if not (0 < gamma <= 1):
                raise ParameterError(f"gamma must lie in (0, 1] with a finite horizon, got {gamma}")
        if not (0 <= prior_weight < 1):
            raise ParameterError(f"prior_weight (lambda) must lie in [0, 1), got {prior_weight}")
        if int(episode_length) < 1:
            raise ParameterError(f"episode_length must be a positive integer, got {episode_length}")
        self.beta = float(beta)
        self.gamma = float(gamma)
        self.horizon = None if horizon is None else int(horizon)
        self.prior_weight = float(prior_weight)
        self.episode_length = int(episode_length)
        self.reference = reference if isinstance(reference, Reference) else reference_data(reference, self.episode_length)
        self.r = self.game.payoffs

    # -------------------------------------------------------------- pieces
    def visits(self, pi0: np.ndarray, pi1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected observation visits per episode for agent 0 and agent 1 (own views)."""
        w0 = _episode_visits(pi0, pi1, self.episode_length)
        return w0, w0[_SWAP5]

    def refit(self, pi_own: np.ndarray, pi_other: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model ``(p, m)`` of an agent fitted to the data mixture (``w``: its own-view visits)."""
        lam = self.prior_weight
        ref = self.reference
        a = lam * ref.weight
        b = (1 - lam) * w
        other = pi_other[_SWAP5]  # co-player's C-probability after my observation o
        den = a + b
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(den > 0, (a * ref.own + b * pi_own) / den, ref.own)
            m = np.where(den > 0, (a * ref.coplayer + b * other) / den, ref.coplayer)
        return np.clip(p, 0.0, 1.0), np.clip(m, 0.0, 1.0)

    def q_values(self, p: np.ndarray, m: np.ndarray) -> np.ndarray:
        """``Q[o, a]`` (5 x 2, a = C, D) under the model: own prior ``p``, co-player model ``m``."""
        r, g = self.r, self.gamma

        def one_step(cont: np.ndarray) -> np.ndarray:
            mc = m[:, None]
            qc = mc * (r[0] + g * cont[0]) + (1 - mc) * (r[1] + g * cont[1])
            qd = mc * (r[2] + g * cont[2]) + (1 - mc) * (r[3] + g * cont[3])
            return np.concatenate([qc, qd], axis=1)

        if self.horizon is None:
            # V(s) = sum_a p(s)_a Q(s, a); Q(s, a) = sum_b m(s)_b [r(2a+b) + gamma V(2a+b)].
            ps, ms = p[1:], m[1:]
            Pm = np.stack([ps * ms, ps * (1 - ms), (1 - ps) * ms, (1 - ps) * (1 - ms)], axis=1)
            V = np.linalg.solve(np.eye(4) - g * Pm, Pm @ r)
            return one_step(V)
        # H rounds of lookahead: V_{k+1} = Pm r + gamma Pm V_k from V_0 = 0, so V_{H-1} is one power
        # of the affine map (5x5 matrix, O(log H) products) instead of H - 1 iterations.
        ps, ms = p[1:], m[1:]
        Pm = np.stack([ps * ms, ps * (1 - ms), (1 - ps) * ms, (1 - ps) * (1 - ms)], axis=1)
        aff = np.zeros((5, 5))
        aff[:4, :4] = g * Pm
        aff[:4, 4] = Pm @ r
        aff[4, 4] = 1.0
        V = np.linalg.matrix_power(aff, self.horizon - 1)[:4, 4]
        return one_step(V)

    def improve(self, p: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Boltzmann improvement ``pi ∝ p exp(beta Q)`` (numerically stable)."""
        z = self.beta * (Q[:, 0] - Q[:, 1])
        with np.errstate(divide="ignore"):
            logit = np.log(p) - np.log1p(-p) + z
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))

    def models(self, pi: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Both agents' refitted models ``((p0, m0), (p1, m1))`` for the pair ``pi`` (shape (2, 5))."""
        pi = np.asarray(pi, dtype=float).reshape(2, 5)
        w0, w1 = self.visits(pi[0], pi[1])
        return self.refit(pi[0], pi[1], w0), self.refit(pi[1], pi[0], w1)

    def __call__(self, pi: np.ndarray) -> np.ndarray:
        """Apply ``T``: data -> refit -> Q -> improved policies; input/output shape ``(2, 5)``."""
        (p0, m0), (p1, m1) = self.models(pi)
        return np.stack([self.improve(p0, self.q_values(p0, m0)), self.improve(p1, self.q_values(p1, m1))])

    def jacobian(self, pi: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        """Central finite-difference Jacobian of ``T`` (10 x 10) at ``pi``."""
        x = np.asarray(pi, dtype=float).ravel()
        J = np.zeros((10, 10))
        for k in range(10):
            h = eps if 0 + eps <= x[k] <= 1 - eps else 0.0
            if h == 0.0:
                # one-sided at the boundary
                d = np.zeros(10)
                d[k] = eps if x[k] < 0.5 else -eps
                J[:, k] = (self(np.clip(x + d, 0, 1).reshape(2, 5)).ravel() - self(x.reshape(2, 5)).ravel()) / d[k]
                continue
            d = np.zeros(10)
            d[k] = h
            J[:, k] = (self((x + d).reshape(2, 5)).ravel() - self((x - d).reshape(2, 5)).ravel()) / (2 * h)
        return J

    def describe(self) -> dict[str, Any]:
        return {
            "game": self.game.to_dict(),
            "beta": self.beta,
            "gamma": self.gamma,
            "horizon": self.horizon,
            "prior_weight": self.prior_weight,
            "episode_length": self.episode_length,
            "reference": self.reference.description,
        }


@dataclass(frozen=True)
class FixedPoint:
    """One fixed point ``pi* = T(pi*)`` with diagnostics.

    ``residual``: ``max |T(pi*) - pi*|``.  ``spectral_radius``: of the Jacobian of ``T`` (< 1:
    locally stable under the undamped loop).  ``model_error``: ``max |m_i - truth|`` on observations
    the induced play visits (0 = the model is right on path).  ``payoffs`` / ``cooperation``: the
    true discounted (the operator's ``gamma``; episode mean when ``gamma = 1``) payoffs and
    cooperation rates of the pair.  ``nash_conv``: NashConv of the pair in the true iterated
    game under the same criterion (0 = Nash).  ``n_starts``: how many starts converged here.
    """

    pi: np.ndarray
    residual: float
    spectral_radius: float
    model_error: float
    payoffs: tuple[float, float]
    cooperation: tuple[float, float]
    nash_conv: float
    n_starts: int

    @property
    def stable(self) -> bool:
        return self.spectral_radius < 1.0

    @property
    def symmetric(self) -> bool:
        return bool(np.allclose(self.pi[0], self.pi[1], atol=1e-6))

    def to_dict(self) -> dict[str, Any]:
        return {
            "pi": {"agent0": dict(zip(OBS, self.pi[0].tolist())), "agent1": dict(zip(OBS, self.pi[1].tolist()))},
            "residual": self.residual,
            "spectral_radius": self.spectral_radius,
            "stable": self.stable,
            "symmetric": self.symmetric,
            "model_error": self.model_error,
            "payoffs": list(self.payoffs),
            "cooperation": list(self.cooperation),
            "nash_conv": self.nash_conv,
            "n_starts": self.n_starts,
        }


@dataclass(frozen=True)
class PredictiveResult:
    """All fixed points found for one operator, plus the starts that failed to converge."""

    operator: dict[str, Any]
    fixed_points: tuple[FixedPoint, ...]
    n_starts: int
    n_failed: int
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "n_starts": self.n_starts,
            "n_failed": self.n_failed,
            "fixed_points": [f.to_dict() for f in self.fixed_points],
        }


def _default_starts(game: Game, eps: float = 0.05, n_random: int = 4, seed: int = 0) -> list[np.ndarray]:
    starts = [np.full((2, 5), 0.5)]
    for s in library(game).values():
        v = eps + (1 - 2 * eps) * s.vector
        starts.append(np.stack([v, v]))
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        starts.append(rng.uniform(eps, 1 - eps, size=(2, 5)))
    return starts


def _iterate(T: PPIOperator, x0: np.ndarray, eta: float, tol: float, max_iter: int) -> tuple[np.ndarray, float, bool]:
    """Damped iteration in rounds of 100 steps, each round followed by a root-finder polish
    (``scipy.optimize.root``, hybr) of ``T(x) - x``; accepts the first point with residual < tol."""
    from scipy.optimize import root

    def F(z: np.ndarray) -> np.ndarray:
        if not np.all(np.isfinite(z)):  # the root finder can propose NaN steps on singular Jacobians
            return np.full(10, 1e6)
        zz = np.clip(z, 0, 1).reshape(2, 5)
        return (T(zz) - zz).ravel()

    x = np.array(x0, dtype=float)
    res = math.inf
    done = 0
    while done < max_iter:
        for _ in range(min(100, max_iter - done)):
            tx = T(x)
            res = float(np.max(np.abs(tx - x)))
            done += 1
            if res < tol:
                return x, res, True
            x = (1 - eta) * x + eta * tx
        sol = root(F, x.ravel(), method="hybr", options={"xtol": 1e-13})
        if not np.all(np.isfinite(sol.x)):
            continue
        z = np.clip(sol.x, 0, 1).reshape(2, 5)
        r = float(np.max(np.abs(T(z) - z)))
        if r < tol:
            return z, r, True
    return x, res, False


@validated
def solve_fixed_points(
    game: Game | str,
    beta: Annotated[float, NonNegative],
    gamma: float = 0.9,
    *,
    horizon: Annotated[int, Positive] | None = None,
    prior_weight: Annotated[float, Interval(0.0, 1.0, hi_open=True)] = 0.25,
    episode_length: Annotated[int, Positive] = 100,
    reference: str | Reference = "tabular",
    starts: Iterable[Any] | None = None,
    eta: Annotated[float, Interval(0.0, 1.0, lo_open=True)] = 0.5,
    tol: Annotated[float, NonNegative] = 1e-10,
    max_iter: Annotated[int, Positive] = 2000,
    raise_on_failure: bool = False,
) -> PredictiveResult:
    """Fixed points of the tabular PPI operator from several starts (see module docstring).

    ``starts``: policy pairs ``(2, 5)`` (or single 5-vectors, used for both agents); default: the
    barycentre, the named library pulled 5 % into the interior, and 4 random pairs.
    """
    T = PPIOperator(
        game, beta, gamma, horizon=horizon, prior_weight=prior_weight, episode_length=episode_length, reference=reference
    )
    if starts is not None and (isinstance(starts, (str, bytes)) or not hasattr(starts, "__iter__")):
        raise ParameterError(f"starts must be a sequence of strategies or policy pairs, got {starts!r}")
    g = T.game
    st = []
    for s in (starts if starts is not None else _default_starts(g)):
        a = as_params(s.vector if isinstance(s, MemoryOne) else s, "start")
        st.append(np.stack([a, a]) if a.shape == (5,) else a.reshape(2, 5))
    found: list[list[Any]] = []
    failed = 0
    for x0 in st:
        x, res, ok = _iterate(T, x0, eta, tol, max_iter)
        if not ok:
            failed += 1
            continue
        for f in found:
            if np.max(np.abs(f[0] - x)) < 1e-6:
                f[1] += 1
                break
        else:
            found.append([x, 1, res])
    if raise_on_failure and failed:
        raise ConvergenceError(
            f"PPI fixed-point iteration failed to converge from {failed} of {len(st)} starts "
            f"(beta={beta}, gamma={gamma}, eta={eta}, max_iter={max_iter})"
        )
    fps = []
    for x, count, res in found:
        rho = float(np.max(np.abs(np.linalg.eigvals(T.jacobian(x)))))
        (p0, m0), (p1, m1) = T.models(x)
        w0, w1 = T.visits(x[0], x[1])
        vis0, vis1 = w0 > 1e-9, w1 > 1e-9
        err = max(
            float(np.max(np.abs(m0 - x[1][_SWAP5])[vis0], initial=0.0)),
            float(np.max(np.abs(m1 - x[0][_SWAP5])[vis1], initial=0.0)),
        )
        if T.gamma < 1:
            pr = discounted(x[0], x[1], g, T.gamma)
            ex = exploitability(x[0], x[1], g, gamma=T.gamma)
        else:
            pr = finite_horizon(x[0], x[1], g, T.episode_length)
            ex = exploitability(x[0], x[1], g, n=T.episode_length)
        fps.append(
            FixedPoint(
                pi=x,
                residual=res,
                spectral_radius=rho,
                model_error=err,
                payoffs=(float(pr.payoff_x), float(pr.payoff_y)),
                cooperation=(float(pr.coop_x), float(pr.coop_y)),
                nash_conv=ex.nash_conv,
                n_starts=count,
            )
        )
    fps.sort(key=lambda f: (-f.n_starts, -sum(f.cooperation)))
    return PredictiveResult(T.describe(), tuple(fps), len(st), failed)


@validated
def beta_sweep(
    game: Game | str,
    betas: Annotated[Sequence[float], RealSequence],
    gamma: float = 0.9,
    **kwargs: Any,
) -> list[PredictiveResult]:
    """:func:`solve_fixed_points` for each ``beta`` (same settings): how fixed points move
    towards (or stay away from) Nash equilibria as ``beta`` grows — read ``nash_conv``."""
    return [solve_fixed_points(game, b, gamma, **kwargs) for b in betas]
