"""Replicator dynamics of a symmetric game: the trajectory from one start
(:func:`replicator_dynamics`, DOP853) and the batched end points of many seeded starts mapped to
extreme symmetric equilibria (:func:`replicator_candidates`, used by the sampler).
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np

from typing import Annotated

from eqtools.validation import Interval, Names, MaxSize, NonNegative, OneOf, Positive, Seed, validated
from eqtools.errors import ConvergenceError, GameError, ParameterError

from .coerce import _rescale, _symmetric_matrix
from .results import ReplicatorResult
from .support import _solve_support_sym

__all__ = ["replicator_dynamics", "replicator_candidates"]


def _float_array(name: str, value: Any, error: type) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise error(f"{name} must be an array of numbers, got {value!r}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{name} must be a regular array of numbers (not ragged, no strings)") from None


@validated
def replicator_dynamics(
    matrix: Any,
    x0: Any | None = None,
    *,
    t_max: Annotated[float, Positive, MaxSize(10**6, "integrate a shorter time; the dynamics settle long before")] = 200.0,
    n_points: Annotated[int, Interval(2, 10**6)] = 401,
    tol: Annotated[float, Positive] = 1e-6,
    labels: Annotated[Sequence[str], Names] | None = None,
    rtol: Annotated[float, Interval(1e-15, 1.0)] = 1e-9,
    atol: Annotated[float, Interval(1e-300, 1.0)] = 1e-12,
    raise_on_nonconvergence: bool = False,
) -> ReplicatorResult:
    """Integrate the replicator dynamics of the symmetric game with payoff matrix ``matrix``.

    ``matrix[i, j]`` is the payoff of strategy ``i`` against ``j`` (a tournament matrix).
    ``x0`` defaults to the barycentre.  Integration: scipy ``solve_ivp`` (DOP853) on the
    simplex, renormalised at the output points.  Non-convergence (cycles, e.g. rock-paper-
    scissors) is flagged (``converged=False``) or raised with ``raise_on_nonconvergence``.
    """
    from scipy.integrate import solve_ivp

    M = _float_array("matrix", matrix, GameError)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise GameError(f"replicator dynamics needs a square payoff matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise GameError("payoff matrix has non-finite entries")
    k = M.shape[0]
    if x0 is None:
        x0 = np.full(k, 1.0 / k)
    x0 = _float_array("x0", x0, ParameterError)
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


@validated
def replicator_candidates(
    matrix: Any,
    *,
    starts: Annotated[int, Positive, MaxSize(10**5, "use fewer replicator starts")] = 64,
    seed: Annotated[int, Seed] = 0,
    steps: Annotated[int, Positive, MaxSize(10**7, "use fewer steps")] = 3000,
    step: Annotated[float, Positive] | None = None,
    support_threshold: Annotated[float, Interval(0.0, 1.0, lo_open=True, hi_open=True)] = 1e-4,
    tol: Annotated[float, Positive] = 1e-9,
    deadline: Annotated[float, Interval(-math.inf, math.inf, hi_open=False)] = math.inf,
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """End points of the replicator dynamics from ``starts`` seeded starts, mapped to equilibria.

    Starts: the barycentre plus ``starts - 1`` Dirichlet(1) draws (``numpy.random.default_rng(seed)``).
    Integration: exponential Euler in log-coordinates, ``x <- x * exp(h (Mx - x.Mx))`` normalised,
    ``h = step`` (default ``0.5 / payoff range``), at most ``steps`` steps, all starts batched; a
    start stops once its speed ``max |x_i ((Mx)_i - x.Mx)|`` is below ``1e-13`` times the range.
    Each end point ``x`` (support ``S`` = entries above ``support_threshold``, best replies ``B``)
    is mapped to a vertex of the face ``{z >= 0, M'z <= 1, z = 0 off S, (M'z)_B = 1}`` of the
    best-response polytope by a simplex LP: a completely labelled vertex, i.e. an *extreme*
    symmetric equilibrium in the same face as the end point (so in the same component).  If the
    LP fails, the support re-solve of ``x``, else ``x`` itself.  Verification is the caller's.
    Returns (candidates, run info).
    """
    M = _symmetric_matrix(matrix)
    n = M.shape[0]
    if starts < 1 or steps < 1:
        raise ParameterError(f"starts and steps must be positive, got {starts}, {steps}")
    rng = np.random.default_rng(seed)
    X = np.empty((starts, n))
    X[0] = 1.0 / n
    if starts > 1:
        X[1:] = rng.dirichlet(np.ones(n), size=starts - 1)
    scale = max(1.0, float(np.ptp(M)))
    h = step if step is not None else 0.5 / scale
    L = np.log(np.maximum(X, 1e-300))
    active = np.arange(starts)
    MT = np.ascontiguousarray(M.T)
    used = 0
    stopped = False
    for it in range(steps):
        Xa = X[active]
        F = Xa @ MT
        if it % 25 == 0:
            if time.perf_counter() > deadline:
                stopped = True
                break
            speed = np.abs(Xa * (F - np.einsum("ki,ki->k", Xa, F)[:, None])).max(axis=1)
            keep = speed > 1e-13 * scale
            active, F, Xa = active[keep], F[keep], Xa[keep]
            if active.size == 0:
                break
        La = L[active] + h * F
        La -= La.max(axis=1, keepdims=True)
        L[active] = La
        E = np.exp(La)
        X[active] = E / E.sum(axis=1, keepdims=True)
        used = it + 1
    F = X @ MT
    speed = np.abs(X * (F - np.einsum("ki,ki->k", X, F)[:, None])).max(axis=1)
    ends: dict[tuple[int, ...], np.ndarray] = {}
    for k in range(starts):
        S = tuple(int(i) for i in np.flatnonzero(X[k] > support_threshold))
        ends.setdefault(S, X[k])
    out: list[np.ndarray] = []
    Mp = _rescale(M)
    for S, xk in ends.items():
        v = _face_vertex(Mp, xk, S, tol)
        if v is None:
            v = _solve_support_sym(M, S)
        out.append(xk if v is None else v)
    info = {"starts": starts, "seed": seed, "max_steps": steps, "steps_used": used, "step": h,
            "distinct_end_supports": len(ends), "max_final_speed": float(speed.max()), "stopped_by_time_limit": stopped,
            "end_point_to_vertex": "simplex LP on the end point's face (HiGHS dual simplex)"}
    return out, info


def _face_vertex(Mp: np.ndarray, x: np.ndarray, S: Sequence[int], tol: float) -> np.ndarray | None:
    """A vertex of ``{z >= 0 : Mp z <= 1}`` with ``z = 0`` off ``S`` and ``(Mp z)_B = 1``, ``B`` the
    best replies to ``x`` (tolerance ``tol``); None if that face is empty (``x`` not an equilibrium)."""
    from scipy.optimize import linprog

    n = Mp.shape[0]
    S = list(S)
    fit = Mp @ x
    B = np.flatnonzero(fit >= fit.max() - tol * 10)
    if not set(S) <= set(B.tolist()):
        return None
    other = np.setdiff1d(np.arange(n), B)
    sub = Mp[:, S]  # variables off S are fixed at 0: drop them
    res = linprog(
        -np.ones(len(S)), A_ub=sub[other] if other.size else None, b_ub=np.ones(other.size) if other.size else None,
        A_eq=sub[B], b_eq=np.ones(B.size), bounds=[(0.0, None)] * len(S), method="highs-ds",
    )
    if res.status != 0 or res.x is None or res.x.sum() <= 0:
        return None
    z = np.zeros(n)
    z[S] = np.clip(res.x, 0.0, None)
    return z / z.sum()
