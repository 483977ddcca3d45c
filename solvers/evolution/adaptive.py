"""Adaptive dynamics: the deterministic flow of a monomorphic population along the selection
gradient, using the differentiable exact payoffs of :mod:`solvers.payoffs`.

The invasion fitness of a mutant ``p'`` in a resident population ``p`` is ``pi(p', p) - pi(p, p)``;
the canonical equation (up to a constant rate) moves the resident along its gradient,

    dp/dt = grad_{p'} pi(p', p) |_{p' = p},

computed by ``jax.grad`` through ``jnp_visits_*`` (noise applied exactly, as in the rest of this
package).  Integration: explicit Euler (or RK4) with step ``dt``; a coordinate at a bound whose
gradient points outward is held there (projected flow on the box ``[lo, hi]^5``).  Under the
limit-of-means criterion ``p0`` does not affect payoffs and its gradient is 0.  With the limit
criterion and ``noise = 0`` the box is shrunk to ``[1e-6, 1 - 1e-6]`` so every chain stays
irreducible (recorded in ``attrs["bounds"]``).
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import PARAM_NAMES
from eqtools.errors import ChainError, ParameterError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise, validate_probabilities
from eqtools.validation import OneOf, Positive, validated
from solvers.payoffs import check_gamma, check_horizon

from . import _jax as K

__all__ = ["selection_gradient", "adaptive_dynamics"]


def _criterion(n: int | None, gamma: float | None, limit: bool) -> tuple[str, int | None, float | None]:
    chosen = [n is not None, gamma is not None, bool(limit)]
    if sum(chosen) != 1:
        raise ParameterError("choose exactly one criterion: n (finite horizon), gamma (discounted) or limit=True")
    if n is not None:
        return "finite", check_horizon(n), None
    if gamma is not None:
        return "discounted", None, check_gamma(gamma)
    return "limit", None, None


@functools.lru_cache(maxsize=None)
def _grad_fn(criterion: str, n: int | None):
    def invasion(pm, pr, eps, payoffs, gamma):
        return K.payoff(K.noisy(pm, eps), K.noisy(pr, eps), payoffs, criterion, n, gamma)

    g = jax.grad(invasion, argnums=0)
    return jax.jit(jax.vmap(g, in_axes=(0, 0, None, None, None)))


@validated
def selection_gradient(p: Any, game: Game | str, *, n: int | None = None, gamma: float | None = None,
                       limit: bool = False, noise: float = 0.0) -> np.ndarray:
    """``grad_{p'} pi(p', p)`` at ``p' = p`` for one strategy or a batch ``(..., 5)`` (float64)."""
    g = preset(game)
    crit, n, gm = _criterion(n, gamma, limit)
    eps = validate_noise(noise)
    P = validate_probabilities(p, what="strategy")
    flat = P.reshape(-1, 5)
    with jax.enable_x64(True):
        out = np.asarray(_grad_fn(crit, n)(jnp.asarray(flat), jnp.asarray(flat), eps, jnp.asarray(g.payoffs), gm))
    bad = ~np.all(np.isfinite(out), axis=-1)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ChainError(
            f"selection gradient of strategy {flat[i].tolist()} (row {i}): under the limit of means its chain against "
            "itself is reducible (it has no unique stationary distribution), so the invasion payoff is not "
            "differentiable there; give noise > 0, an interior strategy, or a finite horizon / discount"
        )
    return out.reshape(P.shape)


#: Most integration steps (``t_max / dt``) one call of :func:`adaptive_dynamics` runs; more are
#: refused up front with :class:`~eqtools.errors.SizeLimitError`.
MAX_ADAPTIVE_STEPS: int = 10**6


@validated
def adaptive_dynamics(initial: Any, game: Game | str, *, n: int | None = None, gamma: float | None = None,
                      limit: bool = False, noise: float = 0.0, t_max: Annotated[float, Positive] = 100.0,
                      dt: Annotated[float, Positive] = 0.05, record_every: Annotated[int, Positive] = 20,
                      method: Annotated[str, OneOf("euler", "rk4")] = "rk4", progress: bool = False) -> Any:
    """Integrate the canonical equation from ``initial`` (one 5-vector or a batch ``(B, 5)``).

    Returns an ``xarray.Dataset`` (dims ``traj``, ``time``, ``param``) with the resident, its
    self-play payoff and cooperation, and the gradient norm.
    """
    import xarray as xr

    g = preset(game)
    crit, n, gm = _criterion(n, gamma, limit)
    eps = validate_noise(noise)
    P0 = np.atleast_2d(validate_probabilities(initial, what="initial"))
    if not (np.isfinite(t_max) and t_max > 0 and np.isfinite(dt) and 0 < dt <= t_max):
        raise ParameterError(f"need 0 < dt <= t_max, got dt={dt}, t_max={t_max}")
    if method not in ("euler", "rk4"):
        raise ParameterError(f"method must be 'euler' or 'rk4', got {method!r}")
    lo, hi = (1e-6, 1 - 1e-6) if (crit == "limit" and eps == 0.0) else (0.0, 1.0)
    ratio = float(t_max) / float(dt)
    if not ratio <= MAX_ADAPTIVE_STEPS:
        raise SizeLimitError(
            f"t_max / dt = {t_max!r} / {dt!r} = {ratio:.3g} integration steps, above the {MAX_ADAPTIVE_STEPS:.0e} served "
            "(solvers.evolution.adaptive.MAX_ADAPTIVE_STEPS); use a larger dt or a shorter t_max"
        )
    steps = int(round(ratio))
    record_every = max(1, int(record_every))
    grad = _grad_fn(crit, n)
    with jax.enable_x64(True):
        pay = jnp.asarray(g.payoffs)

        def field(p):
            d = grad(p, p, eps, pay, gm)
            # projected flow: hold a coordinate at a bound when the gradient points outward
            d = jnp.where((p <= lo) & (d < 0), 0.0, d)
            return jnp.where((p >= hi) & (d > 0), 0.0, d)

        def stats(p):
            r = K.noisy(p, eps)
            v = K.visits(r, r, crit, n, gm)
            return v @ pay, v[..., 0] + v[..., 1], jnp.linalg.norm(field(p), axis=-1)

        @jax.jit
        def advance(p):
            """``record_every`` steps from ``p``; also the statistics of ``p`` (one compilation)."""
            def body(p, _):
                if method == "euler":
                    q = p + dt * field(p)
                else:
                    k1 = field(p)
                    k2 = field(jnp.clip(p + 0.5 * dt * k1, lo, hi))
                    k3 = field(jnp.clip(p + 0.5 * dt * k2, lo, hi))
                    k4 = field(jnp.clip(p + dt * k3, lo, hi))
                    q = p + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
                return jnp.clip(q, lo, hi), None

            p1, _ = jax.lax.scan(body, p, None, length=record_every)
            return p1, stats(p)

        p = jnp.clip(jnp.asarray(P0), lo, hi)
        hist, st = [], []
        n_rec = max(1, steps // record_every)
        rng = range(n_rec + 1)
        if progress:
            from tqdm.auto import tqdm

            rng = tqdm(rng, desc="adaptive dynamics", unit="rec")
        for i in rng:
            p_next, s_ = advance(p)
            hist.append(np.asarray(p))
            st.append([np.asarray(x) for x in s_])
            p = p_next
        H = np.stack(hist, axis=1)
        payoff = np.stack([x[0] for x in st], axis=1)
        coop = np.stack([x[1] for x in st], axis=1)
        gnorm = np.stack([x[2] for x in st], axis=1)
    times = np.arange(n_rec + 1) * record_every * dt
    return xr.Dataset(
        {
            "resident": (("traj", "time", "param"), H),
            "payoff": (("traj", "time"), payoff),
            "cooperation": (("traj", "time"), coop),
            "gradient_norm": (("traj", "time"), gnorm),
        },
        coords={"traj": np.arange(H.shape[0]), "time": times, "param": list(PARAM_NAMES)},
        attrs={"criterion": crit, "n": -1 if n is None else n, "gamma": float("nan") if gm is None else gm,
               "noise": eps, "dt": dt, "method": method, "bounds": json.dumps([lo, hi]),
               "game": f"{g.name} R={g.R:g} S={g.S:g} T={g.T:g} P={g.P:g}"},
    )
