"""Exact-gradient learners: naive gradient ascent, LOLA and look-ahead on exact values.

Every learner here works on a *value function* ``value_fn(theta1, theta2) -> (V1, V2)``: a pure
``jax.numpy`` map from both players' parameters to both players' values, each player's
parameters in its own view.  Two are provided:

* :func:`memory_one_values` — 5-logit memory-one policies ``p = sigmoid(theta)`` in the
  discounted iterated game, built on :func:`solvers.payoffs.jnp_visits_discounted`;
* :func:`stage_values` — the one-shot stage game with one logit per player (the toy example of
  the opponent-shaping literature), built on :func:`solvers.payoffs.jnp_opening`.

Value scale
-----------
``normalise=True`` (default) gives the per-round scale ``(1 - gamma) sum_t gamma^t E[r_t]`` used
by :mod:`solvers.payoffs`.  ``normalise=False`` gives LOLA's unnormalised
``sum_t gamma^t E[r_t]`` (= normalised / (1 - gamma)); the classic LOLA settings (learning rate
1, correction rate 1, gamma 0.96) are defined on that scale — gradients are 25 times larger.

Gradient terms (for player 1; player 2 is symmetric), with ``eta`` the co-player's anticipated
learning rate:

* ``naive     = d V1 / d theta1``;
* ``shaping   = d/d theta1 [ stop(dV1/dtheta2) . dV2/dtheta2 ]`` — LOLA's term (Foerster et al.
  2018, eq. 4.2 and their exact-IPD code): how my parameters change the co-player's step,
  weighted by how much that step helps me;
* ``lookahead = (d^2 V1 / d theta1 d theta2) . stop(dV2/dtheta2)`` — the "look-ahead" (LA) term
  (Zhang & Lesser 2010; Letcher et al. 2019): my gradient evaluated after the co-player's step.

Update rules: ``naive``; ``lola = naive + eta * shaping``; ``la = naive + eta * lookahead``;
``lola_full = naive + eta * (shaping + lookahead) = naive + eta * d/dtheta1 (dV1/dtheta2 .
dV2/dtheta2)`` (the product form written in ``shared/paper-notes.md`` section 2, the first-order
expansion of differentiating through the co-player's step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise
from solvers.payoffs import check_gamma, jnp_opening, jnp_visits_discounted

from .config import ShapingConfig

__all__ = [
    "ValueFn",
    "RULES",
    "memory_one_values",
    "stage_values",
    "gradient_terms",
    "update_direction",
    "ExactConfig",
    "ExactResult",
    "train_exact",
    "init_logits",
    "check_rule",
]

ValueFn = Callable[[jax.Array, jax.Array], tuple[jax.Array, jax.Array]]

#: Exact-gradient update rules understood by :func:`update_direction` and :func:`train_exact`.
RULES: tuple[str, ...] = ("naive", "lola", "la", "lola_full")


def check_rule(rule: str, what: str = "rule") -> str:
    """Validate an update-rule name, raising :class:`ParameterError` naming ``what``."""
    if rule not in RULES:
        raise ParameterError(f"{what} must be one of {list(RULES)}, got {rule!r}")
    return rule


# ------------------------------------------------------------------ value functions

def memory_one_values(game: Game | str, gamma: float, *, normalise: bool = True, noise: float = 0.0) -> ValueFn:
    """Exact discounted values of two 5-logit memory-one policies.

    ``theta1``, ``theta2``: ``(..., 5)`` logits of P(cooperate) for ``(p0, p_CC, p_CD, p_DC,
    p_DD)``, each in its own view.  Returns ``(V1, V2)`` with the leading shape.  ``noise``:
    execution errors, exact for memory-one players as the policy ``noise + (1 - 2 noise) p``
    (:func:`eqtools.strategies.apply_noise`).
    """
    g = preset(game)
    gm = check_gamma(gamma)
    policy = _noisy_policy(validate_noise(noise))
    rx = np.asarray(g.payoffs)
    ry = np.asarray(g.payoffs_coplayer)
    scale = 1.0 if normalise else 1.0 / (1.0 - gm)

    def value_fn(theta1: jax.Array, theta2: jax.Array) -> tuple[jax.Array, jax.Array]:
        d = jnp_visits_discounted(policy(theta1), policy(theta2), gm)
        return scale * (d @ rx.astype(d.dtype)), scale * (d @ ry.astype(d.dtype))

    return value_fn


def _noisy_policy(noise: float) -> Callable[[jax.Array], jax.Array]:
    """``theta -> P(C)`` of a logit memory-one policy as played under execution errors ``noise``:
    ``sigmoid`` itself when ``noise = 0`` (a static Python float)."""
    eps = validate_noise(noise)
    if not eps:
        return jax.nn.sigmoid
    return lambda theta: eps + (1.0 - 2.0 * eps) * jax.nn.sigmoid(theta)


def stage_values(game: Game | str) -> ValueFn:
    """Values of the one-shot stage game, one logit per player (``theta`` of shape ``(..., 1)``).

    The joint-action distribution is :func:`solvers.payoffs.jnp_opening` of the two constant
    strategies ``sigmoid(theta) * ones(5)``.
    """
    g = preset(game)
    rx = np.asarray(g.payoffs)
    ry = np.asarray(g.payoffs_coplayer)

    def value_fn(theta1: jax.Array, theta2: jax.Array) -> tuple[jax.Array, jax.Array]:
        if theta1.shape[-1] != 1 or theta2.shape[-1] != 1:
            raise ParameterError(
                f"stage_values takes one logit per player (last axis 1), got {theta1.shape} and {theta2.shape}"
            )
        p = jnp.repeat(jax.nn.sigmoid(theta1), 5, axis=-1)
        q = jnp.repeat(jax.nn.sigmoid(theta2), 5, axis=-1)
        d = jnp_opening(p, q)
        return d @ rx.astype(d.dtype), d @ ry.astype(d.dtype)

    return value_fn


# ------------------------------------------------------------------ gradient terms

def _terms_player1(value_fn: ValueFn, t1: jax.Array, t2: jax.Array) -> dict[str, jax.Array]:
    v1 = lambda a, b: value_fn(a, b)[0]
    v2 = lambda a, b: value_fn(a, b)[1]
    naive = jax.grad(v1, argnums=0)(t1, t2)
    g21 = jax.grad(v1, argnums=1)(t1, t2)  # dV1/dtheta2
    g22 = jax.grad(v2, argnums=1)(t1, t2)  # dV2/dtheta2

    def shaping_obj(a):
        return jnp.vdot(jax.lax.stop_gradient(g21), jax.grad(v2, argnums=1)(a, t2))

    def lookahead_obj(a):
        return jnp.vdot(jax.grad(v1, argnums=1)(a, t2), jax.lax.stop_gradient(g22))

    return {
        "naive": naive,
        "shaping": jax.grad(shaping_obj)(t1),
        "lookahead": jax.grad(lookahead_obj)(t1),
    }


def gradient_terms(value_fn: ValueFn, theta1: jax.Array, theta2: jax.Array, player: int = 1) -> dict[str, jax.Array]:
    """The ``naive``, ``shaping`` (LOLA) and ``lookahead`` terms for one player (unbatched).

    ``player=2`` computes them for player 2 by swapping roles.  Terms are *per unit* of the
    co-player's learning rate ``eta`` (multiply ``shaping`` / ``lookahead`` by ``eta``).
    """
    if player == 1:
        return _terms_player1(value_fn, theta1, theta2)
    if player == 2:
        swapped = lambda a, b: tuple(reversed(value_fn(b, a)))
        return _terms_player1(swapped, theta2, theta1)
    raise ParameterError(f"player must be 1 or 2, got {player!r}")


def update_direction(rule: str, terms: dict[str, jax.Array], eta: float | jax.Array) -> jax.Array:
    """Combine gradient terms into an ascent direction for ``rule`` (see :data:`RULES`)."""
    check_rule(rule)
    if rule == "naive":
        return terms["naive"]
    if rule == "lola":
        return terms["naive"] + eta * terms["shaping"]
    if rule == "la":
        return terms["naive"] + eta * terms["lookahead"]
    return terms["naive"] + eta * (terms["shaping"] + terms["lookahead"])


# ------------------------------------------------------------------ training

@dataclass(frozen=True)
class ExactConfig(ShapingConfig):
    """Settings of an exact-gradient run (both players simultaneously, plain gradient ascent).

    Defaults are LOLA's classic exact IPD settings (Foerster et al. 2018, ``lola/train_exact.py``):
    payoffs ``lola`` = (-1, -3, 0, -2), gamma 0.96, unnormalised values, learning rate 1,
    correction rate eta 1, 200 steps, logits initialised from N(0, 1).
    """

    rules: tuple[str, str] = ("lola", "lola")
    lr: float = 1.0
    eta: float = 1.0
    steps: int = 200
    runs: int = 64
    init_scale: float = 1.0
    normalise: bool = False

    PAIR = ("rules", RULES, "update rules")
    CHECKS = {"positive_ints": ("steps", "runs"), "nonneg": ("lr", "eta", "init_scale")}


@dataclass(frozen=True)
class ExactResult:
    """Outcome of :func:`train_exact` (numpy float64 arrays).

    * ``theta``: final logits ``(runs, 2, 5)``; ``policies``: ``sigmoid(theta)``, each player's
      memory-one vector ``(p0, p_CC, p_CD, p_DC, p_DD)`` in its own view.
    * ``reward``: normalised discounted reward per round ``(steps + 1, runs, 2)``, before every
      update and after the last one.
    * ``coop``: normalised discounted cooperation rate ``(steps + 1, runs, 2)``.
    * ``policy_history``: P(C) vectors ``(steps + 1, runs, 2, 5)``.
    """

    config: ExactConfig
    theta: np.ndarray
    policies: np.ndarray
    reward: np.ndarray
    coop: np.ndarray
    policy_history: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def init_logits(key: jax.Array, runs: int, scale: float, dtype: Any = jnp.float64) -> jax.Array:
    """Initial logits ``(runs, 2, 5)`` drawn from N(0, scale^2)."""
    from eqtools.validation import bounded_int, nonneg_finite, prng_key

    prng_key("key", key)
    runs, scale = bounded_int("runs", runs, 10**7, "use fewer runs"), nonneg_finite("scale", scale)
    if dtype not in (jnp.float64, jnp.float32, np.float64, np.float32):
        raise ParameterError(f"dtype must be a float dtype (jnp.float64 or jnp.float32), got {dtype!r}")
    return scale * jax.random.normal(key, (runs, 2, 5), dtype=dtype)


@partial(jax.jit, static_argnames=("game_payoffs", "gamma", "rules", "steps", "normalise", "noise"))
def _train(theta0, lr, eta, *, game_payoffs, gamma, rules, steps, normalise, noise=0.0):
    rx = np.asarray(game_payoffs[0])
    game = Game(*rx)
    value_fn = memory_one_values(game, gamma, normalise=normalise, noise=noise)
    report_fn = memory_one_values(game, gamma, normalise=True, noise=noise)
    policy = _noisy_policy(noise)

    def metrics(theta):
        t1, t2 = theta[0], theta[1]
        v1, v2 = report_fn(t1, t2)
        d = jnp_visits_discounted(policy(t1), policy(t2), gamma)
        coop = jnp.stack([d[0] + d[1], d[0] + d[2]])
        return jnp.stack([v1, v2]), coop, jax.nn.sigmoid(theta)

    def step_one(theta):
        t1, t2 = theta[0], theta[1]
        d1 = update_direction(rules[0], gradient_terms(value_fn, t1, t2, 1), eta)
        d2 = update_direction(rules[1], gradient_terms(value_fn, t1, t2, 2), eta)
        return theta + lr * jnp.stack([d1, d2])

    def body(theta, _):
        out = metrics(theta)
        return step_one(theta), out

    def run(theta):
        final, hist = jax.lax.scan(body, theta, None, length=steps)
        last = metrics(final)
        hist = tuple(jnp.concatenate([h, l[None]], axis=0) for h, l in zip(hist, last))
        return final, hist

    return jax.vmap(run)(theta0)


def train_exact(config: ExactConfig, theta0: np.ndarray | None = None) -> ExactResult:
    """Train ``config.runs`` independent pairs with exact gradients (vmapped, float64).

    ``theta0`` (``(runs, 2, 5)`` logits) overrides the random initialisation drawn from
    ``config.seed``.  Same config and seed give identical numbers.
    """
    from eqtools.validation import float_array, instance_of

    instance_of("config", config, ExactConfig)
    config.validate()
    g = preset(config.game)
    with jax.enable_x64(True):
        if theta0 is None:
            th0 = init_logits(jax.random.PRNGKey(int(config.seed)), int(config.runs), float(config.init_scale))
        else:
            th0 = jnp.asarray(float_array("theta0", theta0), dtype=jnp.float64)
            if th0.shape != (int(config.runs), 2, 5):
                raise ParameterError(f"theta0 must have shape (runs, 2, 5) = ({config.runs}, 2, 5), got {th0.shape}")
            if not bool(jnp.all(jnp.isfinite(th0))):
                raise ParameterError("theta0 must be finite")
        payoffs = (tuple(float(x) for x in g.payoffs), tuple(float(x) for x in g.payoffs_coplayer))
        final, (reward, coop, pol) = _train(
            th0,
            jnp.float64(config.lr),
            jnp.float64(config.eta),
            game_payoffs=payoffs,
            gamma=float(config.gamma),
            rules=tuple(config.rules),
            steps=int(config.steps),
            normalise=bool(config.normalise),
            noise=float(config.noise),
        )
        final = np.asarray(final)
        # vmapped over runs: histories come back (runs, steps+1, ...); make them time-major.
        reward = np.moveaxis(np.asarray(reward), 1, 0)
        coop = np.moveaxis(np.asarray(coop), 1, 0)
        pol = np.moveaxis(np.asarray(pol), 1, 0)
    return ExactResult(
        config=config,
        theta=final,
        policies=1.0 / (1.0 + np.exp(-final)),
        reward=reward,
        coop=coop,
        policy_history=pol,
        info={"nonfinite_runs": int(np.sum(~np.all(np.isfinite(final), axis=(1, 2))))},
    )
