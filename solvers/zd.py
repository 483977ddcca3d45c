"""Zero-determinant (ZD) analysis of memory-one strategies (Press & Dyson 2012).

A memory-one strategy ``p`` (own view) is ZD for a game when

    p~ = (p_CC - 1, p_CD - 1, p_DC, p_DD) = alpha S_X + beta S_Y + gamma 1,

``S_X = (R, S, T, P)``, ``S_Y = (R, T, S, P)``; it then enforces
``alpha s_X + beta s_Y + gamma = 0`` on the long-run payoffs against *every* co-player.
Writing ``alpha = phi``, ``beta = -phi chi``, ``gamma = phi (chi - 1) kappa`` gives the usual
parametrisation ``p~ = phi [(S_X - kappa) - chi (S_Y - kappa)]``, which enforces
``s_X - kappa = chi (s_Y - kappa)``.

:func:`fit_zd` solves the (4 equations, 3 unknowns) least-squares problem, reports the
residual ``||p~ - fit||_2`` (0 for an exact ZD strategy), converts to ``(chi, phi, kappa)`` and
classifies:

* ``equalizer``: ``alpha = 0`` — pins the co-player's payoff at ``-gamma / beta``;
* ``fair``: ``chi = 1`` (``gamma = 0``; e.g. TFT) — enforces ``s_X = s_Y``;
* ``extortionate``: ``chi > 1`` and ``kappa = P``; ``generous``: ``chi > 1`` and ``kappa = R``;
* ``zd-other``: any other exact solution (e.g. ``chi < 0``; ALLD is ZD in some games);
* ``not ZD``: residual above ``tol``.

The opening move ``p0`` is irrelevant for the long-run relation and ignored.

**Under execution errors** (rate ``eps``: each intended action flips with probability ``eps``)
the strategy actually played is ``p' = eps + (1 - 2 eps) p``, and the Press–Dyson lemma
``v . (p' - e) = 0`` (``e`` = indicator of X cooperating in each state) turns the enforced
relation into

    (1 - 2 eps) (alpha s_X + beta s_Y + gamma) = eps (2 c_X - 1),

``c_X`` being X's own (actual) cooperation rate — it holds against every co-player, noisy or
not.  The right-hand side is a linear function of the payoffs only in games with equal gains
from switching (``R + P = S + T``, e.g. the donation game); otherwise noise breaks the linear
payoff relation by a term ``O(eps)``.  :func:`enforced_relation_error` with ``noise`` checks the
noisy relation; :func:`fit_zd` with ``noise`` fits the strategy actually played.  Construction of
ZD strategies (:func:`eqtools.strategies.extortionate`, ``generous``, ``equalizer``,
``zd_strategy``) lives in :mod:`eqtools.strategies` and is re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from typing import Annotated

from eqtools.validation import Interval, validated
from eqtools.errors import GameError, ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import apply_noise, equalizer, extortionate, generous, validate_noise, zd_strategy

from .payoffs import as_params, limit_of_means

__all__ = [
    "ZDFit",
    "fit_zd",
    "enforced_relation_error",
    "zd_strategy",
    "extortionate",
    "generous",
    "equalizer",
]


@dataclass(frozen=True)
class ZDFit:
    """Least-squares ZD fit of one strategy.

    ``alpha, beta, gamma`` are the fitted coefficients; ``chi, phi, kappa`` their conversion
    (NaN where undefined: ``chi`` for equalizers, ``kappa`` when ``chi = 1``).  ``residual`` is the
    Euclidean distance of ``p~`` from the ZD subspace; ``relative_residual`` divides it by
    ``||p~||`` (``1`` means nothing is explained).
    """

    alpha: float
    beta: float
    gamma: float
    chi: float
    phi: float
    kappa: float
    residual: float
    relative_residual: float
    is_zd: bool
    kind: str
    tol: float
    game: Game
    noise: float = 0.0

    def enforced(self) -> tuple[float, float, float]:
        """The relation ``alpha s_X + beta s_Y + gamma = 0`` it enforces (exact ZD only)."""
        return self.alpha, self.beta, self.gamma

    def describe(self) -> str:
        """One line of evidence, e.g. ``"extortionate with chi ≈ 2.00 (kappa = P = 0, residual 3e-16)"``."""
        if not self.is_zd:
            return f"not ZD (residual {self.residual:.3g} > tol {self.tol:g}; relative {self.relative_residual:.3g})"
        g = self.game
        if self.kind == "equalizer":
            return f"equalizer pinning the co-player at {-self.gamma / self.beta:.4g} (residual {self.residual:.2g})"
        if self.kind == "fair":
            return f"fair ZD (chi = 1, enforces s_X = s_Y; residual {self.residual:.2g})"
        if self.kind == "extortionate":
            return f"extortionate with chi ≈ {self.chi:.3g} (kappa = P = {g.P:g}, phi = {self.phi:.3g}, residual {self.residual:.2g})"
        if self.kind == "generous":
            return f"generous with chi ≈ {self.chi:.3g} (kappa = R = {g.R:g}, phi = {self.phi:.3g}, residual {self.residual:.2g})"
        return (
            f"ZD enforcing {self.alpha:.4g} s_X + {self.beta:.4g} s_Y + {self.gamma:.4g} = 0 "
            f"(chi = {self.chi:.4g}, kappa = {self.kappa:.4g}; residual {self.residual:.2g})"
        )

    def to_dict(self) -> dict[str, Any]:
        def f(v: float) -> float | None:
            return None if not math.isfinite(v) else float(v)

        return {
            "is_zd": self.is_zd,
            "kind": self.kind,
            "alpha": f(self.alpha),
            "beta": f(self.beta),
            "gamma": f(self.gamma),
            "chi": f(self.chi),
            "phi": f(self.phi),
            "kappa": f(self.kappa),
            "residual": self.residual,
            "relative_residual": self.relative_residual,
            "tol": self.tol,
            "noise": self.noise,
            "description": self.describe(),
        }


@validated
def fit_zd(strategy: Any, game: Game | str, *, tol: Annotated[float, Interval(0.0, math.inf)] = 1e-8,
           kappa_tol: Annotated[float, Interval(0.0, math.inf)] | None = None, noise: float = 0.0) -> ZDFit:
    """Fit ``p~ ≈ alpha S_X + beta S_Y + gamma 1`` by least squares and classify.

    Parameters
    ----------
    strategy:
        A :class:`~eqtools.strategies.MemoryOne` or 5-vector ``(p0, p_CC, p_CD, p_DC, p_DD)``.
    tol:
        Largest residual still called ZD.  For learned (noisy) policies use e.g. ``0.02`` and
        read the residual as the evidence.
    kappa_tol:
        Tolerance for calling ``kappa`` equal to P or R and ``chi`` equal to 1 (default:
        ``max(1e-6, 10 * tol)`` times the payoff range).
    noise:
        Execution-error rate: fit the strategy actually played, ``noise + (1 - 2 noise) p``
        (still ZD exactly when ``R + P = S + T`` or the noise is 0).
    """
    g = preset(game)
    p = as_params(strategy, "strategy")
    if p.shape != (5,):
        raise ParameterError(f"strategy must be a single 5-vector, got shape {p.shape}")
    eps = validate_noise(noise)
    if eps:
        p = apply_noise(p, eps)
    if isinstance(tol, (str, bytes)) or tol is None or not (tol >= 0):
        raise ParameterError(f"tol must be >= 0, got {tol}")
    X = np.stack([g.payoffs, g.payoffs_coplayer, np.ones(4)], axis=1)
    if np.linalg.matrix_rank(X) < 3:
        raise GameError(
            f"game {g} is degenerate for ZD analysis: S_X, S_Y and 1 are linearly dependent "
            "(the ZD coefficients are not identifiable)"
        )
    pt = p[1:] - np.array([1.0, 1.0, 0.0, 0.0])
    coef, *_ = np.linalg.lstsq(X, pt, rcond=None)
    alpha, beta, gam = (float(c) for c in coef)
    resid = float(np.linalg.norm(pt - X @ coef))
    norm = float(np.linalg.norm(pt))
    rel = resid / norm if norm > 0 else 0.0
    is_zd = resid <= tol
    span = max(float(np.ptp(g.payoffs)), 1e-12)
    ktol = (kappa_tol if kappa_tol is not None else max(1e-6, 10 * tol)) * span
    scale = max(abs(alpha), abs(beta), 1e-300)
    if norm == 0:
        # p~ = 0: p = (1, 1, 0, 0) "repeat" strategy; every coefficient 0 — trivially ZD.
        return ZDFit(0.0, 0.0, 0.0, math.nan, 0.0, math.nan, resid, rel, True, "zd-other", tol, g, eps)
    phi = alpha
    if abs(alpha) <= 1e-9 * max(1.0, abs(beta)) or abs(alpha) < 1e-12:
        chi, kappa, kind = math.nan, math.nan, "equalizer"
        phi = 0.0
    else:
        chi = -beta / alpha
        if abs(chi - 1.0) * scale <= ktol / span * scale and abs(gam) <= ktol * scale:
            kappa, kind = math.nan, "fair"
        elif abs(chi - 1.0) < 1e-12:
            kappa, kind = math.nan, "zd-other"
        else:
            kappa = gam / (phi * (chi - 1.0))
            if chi > 1 and phi > 0 and abs(kappa - g.P) <= ktol:
                kind = "extortionate"
            elif chi > 1 and phi > 0 and abs(kappa - g.R) <= ktol:
                kind = "generous"
            else:
                kind = "zd-other"
    if not is_zd:
        kind = "not ZD"
    return ZDFit(alpha, beta, gam, chi, phi, kappa, resid, rel, is_zd, kind, tol, g, eps)


def enforced_relation_error(strategy: Any, game: Game | str, coplayers: Any, fit: ZDFit | None = None, *,
                            noise: float = 0.0) -> np.ndarray:
    """Residual of the enforced relation on exact limit-of-means play against each co-player.

    Without noise: ``|alpha s_X + beta s_Y + gamma|``.  With execution errors ``noise = eps``
    (both players): ``|(1 - 2 eps)(alpha s_X + beta s_Y + gamma) + eps (1 - 2 c_X)|``, the
    relation a ZD strategy enforces under noise (module docstring); ``fit`` is the noise-free
    fit of the *intended* strategy.  An independent check through the Markov chain: ~0 for every
    co-player when the strategy is ZD (Press–Dyson), typically not for a non-ZD strategy.
    ``coplayers`` is an ``(N, 5)`` array or :class:`~eqtools.strategies.StrategyPool`.
    """
    g = preset(game)
    eps = validate_noise(noise)
    p = as_params(strategy, "strategy")
    if fit is not None and not isinstance(fit, ZDFit):
        raise ParameterError(f"fit must be a ZDFit (from fit_zd) or None, got {fit!r}"[:300])
    f = fit if fit is not None else fit_zd(p, g, tol=math.inf)
    Q = np.atleast_2d(as_params(coplayers, "coplayers"))
    res = limit_of_means(p[None, :], Q, g, noise=eps)
    lin = f.alpha * np.asarray(res.payoff_x) + f.beta * np.asarray(res.payoff_y) + f.gamma
    if not eps:
        return np.abs(lin)
    return np.abs((1.0 - 2.0 * eps) * lin + eps * (1.0 - 2.0 * np.asarray(res.coop_x)))
