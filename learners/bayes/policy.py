"""The Bayesian in-context learner as a jittable, batched :class:`solvers.simulate.Policy`.

:class:`BayesPolicy` keeps the exact posterior over a memory-one co-player (counts per context,
:mod:`learners.bayes.prior`) and every round picks an action by one of three rules:

* ``"ce"`` — certainty equivalence: the exact best response over the remaining rounds to the
  posterior-mean co-player, re-planned every round (``horizon - t`` backups of
  :func:`learners.regret.br_continuation_jnp`).
* ``"thompson"`` — posterior sampling: draw a co-player from the posterior (a component by its
  posterior weight, then its Beta parameters) and play the exact best response to the draw over
  the remaining rounds.  The draw is renewed every ``resample_every`` rounds (default 1: every
  round).  Randomness: ``jax.random.fold_in(key, t)`` of a carried key; the key is
  ``PRNGKey(seed)`` (:meth:`BayesPolicy.init`) or one the caller passes
  (:meth:`BayesPolicy.init_with_key`, for fresh draws in every training iteration).
* ``"lookahead"`` — a Bayes-adaptive planner: exact expectimax over the next ``depth`` rounds'
  outcomes with the posterior updated along every branch (so it values what it learns), and at
  the leaves the certainty-equivalent value of the remaining rounds (the exact best response to
  the leaf's posterior mean).  ``depth`` = 1 only sees the current context's answer; the value of
  information about *other* contexts needs ``depth >= 2``.

Ties (``|Q(C) - Q(D)| <= tie_tol * rounds left``) go to cooperation, like
:func:`solvers.best_response.best_response_finite`.  The policy is deterministic given the
history (``ce``, ``lookahead``) or given the key (``thompson``); ``p_coop`` is 0 or 1.

Usage (the Fixed-ICL of the mechanism chain, a co-player in training rollouts)::

    from learners.bayes import BayesPolicy, BetaPrior
    pol = BayesPolicy(game="paper", horizon=100, prior=BetaPrior.uniform(), rule="ce")
    carry = pol.init((2048,))                       # or pol.init_with_key((2048,), key)
    p, carry = pol.coop_prob(carry, obs, t)         # obs: (2048,) int tokens, t: round index

The ``horizon`` must equal the match length (the plan uses ``horizon - t`` rounds left).
Speed: see the table in the :mod:`learners.bayes` docstring (``benchmarks/bench_bayes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset

from ..regret import br_continuation_jnp
from .prior import BetaPrior, MixturePrior, PointPrior, as_mixture, component_predictive_jnp

__all__ = ["RULES", "TOKEN_TO_CONTEXT", "BayesPolicy", "plan_q_jnp"]

#: Decision rules of :class:`BayesPolicy`.
RULES: tuple[str, ...] = ("ce", "thompson", "lookahead")

#: The co-player's context (0 = opening, 1 + its own state) for the learner's observation token
#: (0 = start, 1 + the learner's state): CD and DC swap.
TOKEN_TO_CONTEXT: np.ndarray = np.array([0, 1, 3, 2, 4])

#: Largest lookahead depth served (the tree has 2 * 4^(depth-1) leaf posteriors per match).
MAX_DEPTH: int = 5


def plan_q_jnp(q: jax.Array, token: jax.Array, rounds_left: Any, payoffs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Exact total payoff-to-go ``(Q(C), Q(D))`` of cooperating / defecting now, then best
    responding, against the memory-one co-player ``q (..., 5)`` with ``rounds_left`` rounds left
    (this one included; <= 0 gives zeros) after observation ``token (...)``."""
    r = jnp.asarray(payoffs, q.dtype)
    V = br_continuation_jnp(q, r, jnp.maximum(rounds_left - 1, 0))
    ctx = jnp.asarray(TOKEN_TO_CONTEXT)[token]
    pc = jnp.take_along_axis(q, ctx[..., None], axis=-1)[..., 0]
    alive = (rounds_left > 0).astype(q.dtype)
    qc = pc * (r[0] + V[..., 0]) + (1 - pc) * (r[1] + V[..., 1])
    qd = pc * (r[2] + V[..., 2]) + (1 - pc) * (r[3] + V[..., 3])
    return alive * qc, alive * qd


def _observe(arr, counts, logw, ctx, b, mask):
    """Posterior after the co-player played ``b`` (0 = C, 1 = D) in context ``ctx`` where ``mask``:
    counts ``(..., 5, 2)`` incremented, component log weights ``(..., M)`` multiplied by each
    component's predictive probability of ``b`` (chain rule = the closed-form marginal likelihood
    of :func:`learners.bayes.prior.log_weights_jnp`), renormalised; histories impossible under
    every component fall back to the prior weights."""
    dt = counts.dtype
    if arr.log_w0.shape[0] > 1:
        pm = jnp.take_along_axis(component_predictive_jnp(arr, counts), ctx[..., None, None], axis=-1)[..., 0]
        pb = jnp.where(b[..., None] == 0, pm, 1 - pm)
        new = logw + jnp.log(pb)
        new = jnp.where(mask[..., None], new, logw)
        ok = jnp.isfinite(new.max(-1, keepdims=True))
        logw = jax.nn.log_softmax(jnp.where(ok, new, arr.log_w0), axis=-1)
    inc = jax.nn.one_hot(ctx, 5, dtype=dt)[..., :, None] * jax.nn.one_hot(b, 2, dtype=dt)[..., None, :]
    return counts + mask.astype(dt)[..., None, None] * inc, logw


def _update(arr, counts, logw, prev, obs):
    """Attribute the co-player's last action (in ``obs``) to its context (from ``prev``)."""
    ctx = jnp.asarray(TOKEN_TO_CONTEXT)[prev]
    b = (jnp.maximum(obs, 1) - 1) % 2  # the co-player's action: state = 2 own + other
    return _observe(arr, counts, logw, ctx, b, obs > 0)


@dataclass(frozen=True, eq=False)
class BayesPolicy:
    """A Bayesian in-context learner (see the module docstring).

    Parameters
    ----------
    game: a game or preset name (``"paper"``).
    horizon: the match length ``n`` (rounds); the plan uses ``horizon - t`` rounds left.
    prior: :class:`BetaPrior` (default U(0,1)^5), :class:`PointPrior` or :class:`MixturePrior`.
    rule: ``"ce"``, ``"thompson"`` or ``"lookahead"``.
    depth: lookahead depth (rounds expanded exactly; 1..5); only used by ``"lookahead"``.
    seed: key of :meth:`init` (``"thompson"`` only).
    resample_every: rounds a Thompson draw is kept (1 = a new draw every round).
    tie_tol: ties within ``tie_tol * rounds left`` go to C (default 1e-9 in float64, 1e-5 in float32).
    name: label (default ``"Bayes-<rule>"``).
    """

    game: Any = "paper"
    horizon: int = 100
    prior: Any = None
    rule: str = "ce"
    depth: int = 2
    seed: int = 0
    resample_every: int = 1
    tie_tol: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        from eqtools.validation import nonneg_finite, positive_int, seed as check_seed

        g = preset(self.game)
        object.__setattr__(self, "game", g)
        object.__setattr__(self, "horizon", positive_int("horizon", self.horizon))
        prior = BetaPrior.uniform() if self.prior is None else self.prior
        if not isinstance(prior, (BetaPrior, PointPrior, MixturePrior)):
            raise ParameterError(f"prior must be a BetaPrior, PointPrior or MixturePrior, got {type(prior).__name__}")
        object.__setattr__(self, "prior", prior)
        if not isinstance(self.rule, str) or self.rule not in RULES:
            raise ParameterError(f"rule must be one of {RULES}, got {self.rule!r}")
        d = positive_int("depth", self.depth)
        if d > MAX_DEPTH:
            raise ParameterError(f"depth must be at most {MAX_DEPTH} (the tree grows as 4^depth), got {d}")
        object.__setattr__(self, "depth", d)
        object.__setattr__(self, "seed", check_seed("seed", self.seed))
        object.__setattr__(self, "resample_every", positive_int("resample_every", self.resample_every))
        if self.tie_tol is not None:
            object.__setattr__(self, "tie_tol", nonneg_finite("tie_tol", self.tie_tol))
        if not isinstance(self.name, str):
            raise ParameterError(f"name must be a string, got {self.name!r}")
        if not self.name:
            label = {"ce": "Bayes-CE", "thompson": "Bayes-Thompson", "lookahead": f"Bayes-LA{d}"}[self.rule]
            object.__setattr__(self, "name", label)
        object.__setattr__(self, "_arrays", as_mixture(prior).arrays())

    # ------------------------------------------------------------------ Policy protocol

    def init(self, batch_shape: tuple[int, ...]) -> dict[str, jax.Array]:
        """Carry for a batch: counts ``(..., 5, 2)``, the previous token, a key and the held draw."""
        return self.init_with_key(batch_shape, jax.random.PRNGKey(self.seed))

    def init_with_key(self, batch_shape: tuple[int, ...], key: jax.Array) -> dict[str, jax.Array]:
        """:meth:`init` with the caller's ``jax.random`` key (Thompson draws differ per key)."""
        try:
            shape = tuple(int(d) for d in batch_shape)
        except (TypeError, ValueError):
            raise ParameterError(f"batch_shape must be a tuple of ints, got {batch_shape!r}") from None
        if any(d < 0 for d in shape):
            raise ParameterError(f"batch_shape must be non-negative, got {batch_shape!r}")
        dt = jnp.result_type(float)
        lw0 = jnp.asarray(self._arrays.log_w0, dt)
        return {"counts": jnp.zeros(shape + (5, 2), dt), "logw": jnp.broadcast_to(lw0, shape + lw0.shape),
                "prev": jnp.zeros(shape, jnp.int32), "key": key, "q": jnp.full(shape + (5,), 0.5, dt)}

    def coop_prob(self, carry: dict[str, jax.Array], obs: jax.Array, t: jax.Array) -> tuple[jax.Array, dict[str, jax.Array]]:
        obs = jnp.asarray(obs, jnp.int32)
        dt = carry["counts"].dtype
        arr = self._arrays.jnp(dt)
        counts, logw = _update(arr, carry["counts"], carry["logw"], carry["prev"], obs)
        r = jnp.asarray(self.game.payoffs, dt)
        left = jnp.maximum(self.horizon - jnp.asarray(t, jnp.int32), 1)
        q_held = carry["q"]
        if self.rule == "ce":
            qc, qd = plan_q_jnp(_mean(arr, counts, logw), obs, left, r)
        elif self.rule == "thompson":
            draw = _thompson_draw(arr, counts, logw, jax.random.fold_in(carry["key"], jnp.asarray(t, jnp.int32)))
            renew = (jnp.asarray(t, jnp.int32) % self.resample_every) == 0
            q_held = jnp.where(renew, draw, q_held)
            qc, qd = plan_q_jnp(q_held, obs, left, r)
        else:
            qc, qd = _lookahead_q(arr, counts, logw, obs, left, r, self.depth)
        tol = self._tol(dt) * left.astype(dt)
        p = (qc >= qd - tol).astype(dt)
        return p, {"counts": counts, "logw": logw, "prev": obs, "key": carry["key"], "q": q_held}

    def _tol(self, dtype: Any) -> float:
        if self.tie_tol is not None:
            return float(self.tie_tol)
        scale = max(1.0, float(np.max(np.abs(self.game.payoffs))))
        return (1e-9 if jnp.dtype(dtype) == jnp.float64 else 1e-5) * scale

    def describe(self) -> str:
        extra = f", depth {self.depth}" if self.rule == "lookahead" else ""
        extra += f", resample every {self.resample_every}" if self.rule == "thompson" and self.resample_every > 1 else ""
        desc = as_mixture(self.prior).describe() if not isinstance(self.prior, BetaPrior) else self.prior.describe()
        return f"{self.name}: rule {self.rule}{extra}, prior {desc}, horizon {self.horizon}, game {self.game.name}"


def _mean(arr, counts, logw):
    if arr.log_w0.shape[0] == 1:  # one component: no weights to track
        return component_predictive_jnp(arr, counts)[..., 0, :]
    w = jnp.exp(logw)
    return (w[..., None] * component_predictive_jnp(arr, counts)).sum(-2)


def _thompson_draw(arr, counts, logw, key):
    k1, k2 = jax.random.split(key)
    if arr.log_w0.shape[0] == 1:
        m = jnp.zeros(counts.shape[:-2], jnp.int32)
    else:
        m = jax.random.categorical(k1, logw, axis=-1)  # (...)
    nc, nd = counts[..., 0], counts[..., 1]
    a = jnp.take(arr.a, m, axis=0) + nc
    b = jnp.take(arr.b, m, axis=0) + nd
    q = jax.random.beta(k2, a, b, dtype=counts.dtype)
    return jnp.where(jnp.take(arr.is_point, m, axis=0)[..., None], jnp.take(arr.q, m, axis=0), q)


def _lookahead_q(arr, counts, logw, token, left, r, depth):
    """Expectimax over ``depth`` rounds with posterior updates; CE value at the leaves.

    Nodes carry a leading axis; a node's children after (own a, co-player b) share the posterior
    across ``a`` (the co-player's answer updates its current context whatever the learner did), so
    the leaves need ``2 * 4^(depth-1)`` certainty-equivalent continuations, computed in one call."""

    def children(cnt, lw, tok):
        # (N, ...) nodes -> posteriors after b = C / D, stacked on axis 1: (N, 2b, ...)
        ctx = jnp.asarray(TOKEN_TO_CONTEXT)[tok]
        on = jnp.ones(tok.shape, bool)
        outs = [_observe(arr, cnt, lw, ctx, jnp.full(tok.shape, b, jnp.int32), on) for b in (0, 1)]
        return jnp.stack([o[0] for o in outs], 1), jnp.stack([o[1] for o in outs], 1)

    def pc_at(cnt, lw, tok):
        q = _mean(arr, cnt, lw)
        ctx = jnp.asarray(TOKEN_TO_CONTEXT)[tok]
        return jnp.take_along_axis(q, ctx[..., None], axis=-1)[..., 0]

    def spread(x, N):
        # (N, 2b, ...) -> (N * 4, ...) ordered (N, a, b), shared over a
        return jnp.broadcast_to(x[:, None], (N, 2) + x.shape[1:]).reshape((N * 4,) + x.shape[2:])

    levels = []
    cnt, lw, tok = counts[None], logw[None], token[None]
    for lvl in range(depth):
        pc = pc_at(cnt, lw, tok)
        ch_c, ch_w = children(cnt, lw, tok)  # (N, 2b, ...)
        levels.append(pc)
        if lvl < depth - 1:
            N = cnt.shape[0]
            cnt, lw = spread(ch_c, N), spread(ch_w, N)
            tk = (1 + 2 * jnp.arange(2)[:, None] + jnp.arange(2)[None, :]).reshape((1, 2, 2) + (1,) * (tok.ndim - 1))
            tok = jnp.broadcast_to(tk, (N, 2, 2) + tok.shape[1:]).reshape((N * 4,) + tok.shape[1:])
    # leaves: CE continuation after `depth` rounds, per leaf posterior (N, 2b, ...)
    V = br_continuation_jnp(_mean(arr, ch_c, ch_w), r, jnp.maximum(left - depth, 0))  # (N, 2b, ..., 4)
    # W[n, a, b] = value after (a, b) from the child's state 2a + b
    W = jnp.stack([jnp.stack([V[:, 0, ..., 0], V[:, 1, ..., 1]], 1), jnp.stack([V[:, 0, ..., 2], V[:, 1, ..., 3]], 1)], 1)
    for lvl in range(depth - 1, -1, -1):
        pc = levels[lvl]
        alive = (left > lvl).astype(counts.dtype)
        qc = alive * (pc * (r[0] + W[:, 0, 0]) + (1 - pc) * (r[1] + W[:, 0, 1]))
        qd = alive * (pc * (r[2] + W[:, 1, 0]) + (1 - pc) * (r[3] + W[:, 1, 1]))
        if lvl == 0:
            return qc[0], qd[0]
        best = jnp.maximum(qc, qd)  # (N_lvl, ...) with N_lvl = 4 * N_{lvl-1}, ordered (parent, a, b)
        W = best.reshape((best.shape[0] // 4, 2, 2) + best.shape[1:])
    raise AssertionError("unreachable")  # pragma: no cover
