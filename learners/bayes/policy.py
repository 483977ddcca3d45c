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
  information about *other* contexts needs ``depth >= 2``.  Two exact methods give the same
  decisions: ``method="tree"`` expands histories (``2 * 4^(depth-1)`` leaves; depth <= 5) and
  ``method="counts"`` runs the Bellman recursion over count states of the next ``depth - 1``
  rounds (``2 * C(depth + 6, 7)`` leaves; depth <= 12), which is cheaper from depth 5 on;
  ``"auto"`` picks the tree up to depth 3.  ``leaf="pi"`` (tree only) replaces the CE leaves by
  the *perfect-information* value: the mean over ``leaf_samples`` posterior draws of the exact
  best-response value to each draw — an optimistic leaf that over-values information (as if the
  co-player were known after ``depth`` rounds); with the CE leaf it brackets the value of
  information (seeded like Thompson: ``fold_in(key, t)``).  ``leaf="rollout"`` values a leaf by
  what *committing* to the leaf's CE plan (no further learning) earns in expectation under the
  leaf posterior (Monte Carlo over ``leaf_samples`` draws): the value of a feasible policy, so
  information never has negative value in the tree (CE leaves can: the CE value is not convex in
  the belief, and a CE-leaf lookahead may postpone informative moves).

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

from solvers.backward_induction import br_continuation_jnp
from .prior import BetaPrior, MixturePrior, PointPrior, as_mixture, component_predictive_jnp

__all__ = ["RULES", "LEAVES", "TOKEN_TO_CONTEXT", "BayesPolicy", "plan_q_jnp", "from_spec"]

#: Decision rules of :class:`BayesPolicy`.
RULES: tuple[str, ...] = ("ce", "thompson", "lookahead")
#: Leaf values of the lookahead: certainty equivalent, perfect information, CE-plan rollout.
LEAVES: tuple[str, ...] = ("ce", "pi", "rollout")

#: The co-player's context (0 = opening, 1 + its own state) for the learner's observation token
#: (0 = start, 1 + the learner's state): CD and DC swap.
TOKEN_TO_CONTEXT: np.ndarray = np.array([0, 1, 3, 2, 4], dtype=np.int32)

#: Largest lookahead depth served by the tree (2 * 4^(depth-1) leaf posteriors per match) and by
#: the count-state method (2 * C(depth + 6, 7) leaf posteriors per match).
MAX_DEPTH: dict[str, int] = {"tree": 5, "counts": 12}
#: Working-set budget of one decision of the count-state lookahead (checked at ``init``).
MAX_LOOKAHEAD_BYTES: int = 4 * 1024**3


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
    depth: lookahead depth (rounds expanded exactly; tree 1..5, counts 1..12); ``"lookahead"`` only.
    method: ``"tree"``, ``"counts"`` or ``"auto"`` (tree up to depth 3) for ``"lookahead"``.
    leaf: ``"ce"`` (certainty-equivalent leaves), ``"pi"`` (perfect information) or ``"rollout"``
        (the CE plan's expected value under the leaf posterior); the last two tree only.
    leaf_samples: posterior draws per ``"pi"``/``"rollout"`` leaf.
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
    method: str = "auto"
    seed: int = 0
    resample_every: int = 1
    leaf: str = "ce"
    leaf_samples: int = 16
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
        if not isinstance(self.method, str) or self.method not in ("auto", "tree", "counts"):
            raise ParameterError(f"method must be 'auto', 'tree' or 'counts', got {self.method!r}")
        method = self.method if self.method != "auto" else ("tree" if d <= 3 else "counts")
        if d > MAX_DEPTH[method]:
            raise ParameterError(f"depth must be at most {MAX_DEPTH[method]} with method {method!r}, got {d}")
        object.__setattr__(self, "depth", d)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "_tables", _relative_layers(d) if (self.rule == "lookahead" and method == "counts") else None)
        object.__setattr__(self, "seed", check_seed("seed", self.seed))
        object.__setattr__(self, "resample_every", positive_int("resample_every", self.resample_every))
        if not isinstance(self.leaf, str) or self.leaf not in LEAVES:
            raise ParameterError(f"leaf must be one of {LEAVES}, got {self.leaf!r}")
        object.__setattr__(self, "leaf_samples", positive_int("leaf_samples", self.leaf_samples))
        if self.leaf != "ce" and method != "tree":
            raise ParameterError(f"leaf={self.leaf!r} is served by method='tree' only (depth <= 5)")
        if self.tie_tol is not None:
            object.__setattr__(self, "tie_tol", nonneg_finite("tie_tol", self.tie_tol))
        if not isinstance(self.name, str):
            raise ParameterError(f"name must be a string, got {self.name!r}")
        if not self.name:
            label = {"ce": "Bayes-CE", "thompson": "Bayes-Thompson" + (f"/{self.resample_every}" if self.resample_every > 1 else ""),
                     "lookahead": f"Bayes-LA{d}" + {"ce": "", "pi": "-PI", "rollout": "-RO"}[self.leaf]}[self.rule]
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
        if self._tables is not None:
            from eqtools.errors import SizeLimitError

            B = int(np.prod(shape)) if shape else 1
            leaves = len(self._tables[0][-1])
            need = B * 2 * leaves * (10 + 4 * 3 + 6 * self._arrays.log_w0.shape[0]) * 8
            if need > MAX_LOOKAHEAD_BYTES:
                raise SizeLimitError(
                    f"batch_shape: the count-state lookahead of depth {self.depth} for {B} matches needs ~{need / 2**30:.1f} GiB "
                    f"per decision (limit {MAX_LOOKAHEAD_BYTES / 2**30:.0f} GiB); use fewer matches per call or a smaller depth")
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
            if self._tables is not None:
                qc, qd = _counts_lookahead_q(arr, counts, logw, obs, left, r, self._tables)
            else:
                leaf_key = None
                if self.leaf != "ce":
                    leaf_key = (jax.random.fold_in(carry["key"], jnp.asarray(t, jnp.int32)), self.leaf_samples,
                                self.leaf, self.horizon)
                qc, qd = _lookahead_q(arr, counts, logw, obs, left, r, self.depth, leaf_key)
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


def _rollout_values(qbar, draws, r, steps, horizon):
    """Payoff-to-go ``(S, ..., 4)`` after each state of the fixed plan "best response to ``qbar``
    over ``steps`` rounds, no further learning", evaluated against each draw ``(S, ..., 5)``
    (one masked scan of length ``horizon``; ties to C)."""
    sw = jnp.asarray(SWAP_ROWS)
    qy = qbar[..., 1:][..., sw]
    dy = draws[..., 1:][..., sw]

    def step(carry, k):
        V, W = carry
        qc = qy * (r[0] + V[..., :1]) + (1 - qy) * (r[1] + V[..., 1:2])
        qd = qy * (r[2] + V[..., 2:3]) + (1 - qy) * (r[3] + V[..., 3:4])
        a = (qc < qd).astype(jnp.int32)  # plan's action after each state with k + 1 rounds left
        idx = jnp.broadcast_to(2 * a, W.shape)
        s_c = jnp.take_along_axis(W, idx, axis=-1)  # continuation if the co-player then cooperates
        s_d = jnp.take_along_axis(W, idx + 1, axis=-1)
        rc = r[2 * a]
        rd = r[2 * a + 1]
        Wn = dy * (rc + s_c) + (1 - dy) * (rd + s_d)
        live = k < steps
        return (jnp.where(live, jnp.maximum(qc, qd), V), jnp.where(live, Wn, W)), None

    V0 = jnp.zeros(qbar.shape[:-1] + (4,), qbar.dtype)
    W0 = jnp.zeros(draws.shape[:-1] + (4,), qbar.dtype)
    (_, W), _ = jax.lax.scan(step, (V0, W0), jnp.arange(int(horizon)))
    return W


def _lookahead_q(arr, counts, logw, token, left, r, depth, leaf_key=None):
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
    if leaf_key is None:
        V = br_continuation_jnp(_mean(arr, ch_c, ch_w), r, jnp.maximum(left - depth, 0))  # (N, 2b, ..., 4)
    else:
        key, S, kind, horizon = leaf_key
        draws = jax.vmap(lambda k: _thompson_draw(arr, ch_c, ch_w, k))(jax.random.split(key, S))
        steps = jnp.maximum(left - depth, 0)
        if kind == "pi":  # perfect-information leaves: mean over draws of the best response to each draw
            V = br_continuation_jnp(draws, r, steps).mean(0)
        else:  # rollout leaves: mean over draws of the value of committing to the leaf's CE plan
            V = _rollout_values(_mean(arr, ch_c, ch_w), draws, r, steps, horizon).mean(0)
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


def _relative_layers(depth: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Count increments of the next ``depth - 1`` rounds: layers ``m = 0..depth-1`` of compositions
    ``(N_m, 4, 2)`` and successor indices ``(N_m, 4 rows, 2)`` into layer ``m + 1``."""
    from .counts import _codes, _compositions

    layers = [_compositions(m).reshape(-1, 4, 2) for m in range(depth)]
    succ = []
    for m in range(depth - 1):
        nxt = _codes(layers[m + 1].reshape(-1, 8), depth + 1)
        order = np.argsort(nxt, kind="stable")
        base = layers[m].reshape(-1, 8).astype(np.int64)
        sc = np.empty(layers[m].shape, dtype=np.int32)
        for row in range(4):
            for b in range(2):
                c2 = base.copy()
                c2[:, 2 * row + b] += 1
                sc[:, row, b] = order[np.searchsorted(nxt, _codes(c2, depth + 1), sorter=order)]
        succ.append(sc)
    return layers, succ


def _counts_lookahead_q(arr, counts, logw, token, left, r, tables):
    """The same expectimax as :func:`_lookahead_q`, by backward induction over count states.

    After the root's answer ``b`` (two bases), the next ``depth - 1`` rounds are a DP over the
    count increments (``tables``) with the posterior at base + increment; the leaves (layer
    ``depth - 1``) get the certainty-equivalent continuation of the remaining ``left - depth`` rounds."""
    from .prior import log_weights_jnp

    layers, succ = tables
    depth = len(layers)
    dt = counts.dtype
    ctx = jnp.asarray(TOKEN_TO_CONTEXT)[token]
    pc_root = jnp.take_along_axis(_mean(arr, counts, logw), ctx[..., None], axis=-1)[..., 0]
    on = jnp.ones(token.shape, bool)
    bases = [_observe(arr, counts, logw, ctx, jnp.full(token.shape, b, jnp.int32), on) for b in (0, 1)]
    base_c = jnp.stack([c for c, _ in bases], -3)  # (..., 2b, 5, 2)
    row = jnp.asarray(SWAP_ROWS)  # learner state s -> count row of the co-player's context

    def q_hat(m):
        inc = jnp.zeros((len(layers[m]), 5, 2), dt).at[:, 1:].set(jnp.asarray(layers[m], dt))
        c = base_c[..., None, :, :] + inc  # (..., 2b, N_m, 5, 2)
        if arr.log_w0.shape[0] == 1:
            return component_predictive_jnp(arr, c)[..., 0, :]
        w = jnp.exp(log_weights_jnp(arr, c))
        return (w[..., None] * component_predictive_jnp(arr, c)).sum(-2)

    V = br_continuation_jnp(q_hat(depth - 1), r, jnp.maximum(left - depth, 0))  # (..., 2b, N, 4)
    for m in range(depth - 2, -1, -1):
        pc = q_hat(m)[..., 1 + row]  # (..., 2b, N_m, 4 states)
        alive = (left > 1 + m).astype(dt)
        sc = jnp.asarray(succ[m])[:, row, :]  # (N_m, 4 states, 2b')
        vals = []
        for a in (0, 1):
            vc = r[2 * a] + V[..., sc[:, :, 0], 2 * a]
            vd = r[2 * a + 1] + V[..., sc[:, :, 1], 2 * a + 1]
            vals.append(pc * vc + (1 - pc) * vd)
        V = alive * jnp.maximum(vals[0], vals[1])
    W = V[..., 0, :]  # increment 0: (..., 2b, 4 states)
    qc = pc_root * (r[0] + W[..., 0, 0]) + (1 - pc_root) * (r[1] + W[..., 1, 1])
    qd = pc_root * (r[2] + W[..., 0, 2]) + (1 - pc_root) * (r[3] + W[..., 1, 3])
    return qc, qd


#: Learner state s -> row (the co-player's own state) of the 4-row count table.
SWAP_ROWS: np.ndarray = np.array([0, 2, 1, 3], dtype=np.int32)


def from_spec(spec: str, **kwargs: Any) -> BayesPolicy:
    """A :class:`BayesPolicy` from a short spec: ``"ce"``, ``"thompson"``, ``"thompson:10"`` (a
    draw kept 10 rounds), ``"lookahead:4"`` (depth 4), ``"lookahead-pi:2"`` (perfect-information
    leaves); ``kwargs`` go to the constructor
    (``horizon``, ``prior``, ``game``, ``seed`` ...)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ParameterError(f"spec must be a string like 'ce', 'thompson:10' or 'lookahead:3', got {spec!r}")
    rule, _, arg = spec.strip().partition(":")
    extra: dict[str, Any] = {}
    if rule in ("lookahead-pi", "lookahead-ro"):
        rule, extra["leaf"] = "lookahead", {"lookahead-pi": "pi", "lookahead-ro": "rollout"}[rule]
    if arg:
        try:
            val = int(arg)
        except ValueError:
            raise ParameterError(f"spec {spec!r}: the part after ':' must be an integer") from None
        if rule == "lookahead":
            extra["depth"] = val
        elif rule == "thompson":
            extra["resample_every"] = val
        else:
            raise ParameterError(f"spec {spec!r}: rule {rule!r} takes no ':' argument")
    return BayesPolicy(rule=rule, **extra, **kwargs)
