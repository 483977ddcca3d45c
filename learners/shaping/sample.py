"""Sample-based learners on 5-logit memory-one policies in the JAX environment.

Episodes are played with :func:`learners.env.rollout_memory_one` (``horizon`` rounds, ``batch``
episodes per update); gradients come from the sampled trajectories only.

Learners (per player, ``SampleConfig.learners``):

* ``pg`` — REINFORCE with a learned tabular critic as baseline (``lambda = 1``: unbiased);
* ``ac`` — actor-critic, GAE(``gae_lambda``) advantages from the player's own critic;
* ``aa`` — Advantage Alignment (Duque et al. 2024) on top of ``ac``: the effective advantage
  ``A*_t = A1_t + beta * gamma * (sum_{k<t} gamma^(t-1-k) A1_k) * A2_t`` with ``A1`` from the
  player's own critic and ``A2`` from the co-player's critic (see :func:`effective_advantage`).

Objective and scale: every player maximises the normalised discounted return
``J = (1 - gamma) sum_{t<T} gamma^t r_t`` of an episode truncated at ``T = horizon``; critics
and advantages live on that per-round scale (TD error
``delta_t = (1 - gamma) r_t + gamma V(s_{t+1}) - V(s_t)``, ``V = 0`` after the last round).
The policy-gradient estimator weights round ``t`` by ``gamma^t`` so that its expectation is
the exact gradient of ``J`` (tested against autodiff of
:func:`solvers.payoffs.jnp_round_profile`).

A critic here is tabular over the 5 observation tokens (start, CC, CD, DC, DD) — for memory-one
agents the natural state.  The GRU agent of ``learners/`` is not wired in yet: a policy enters
only through :func:`policy_logprob_grad`-style per-episode gradients, the hook to replace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ParameterError
from eqtools.validation import real
from eqtools.games import Game, preset
from learners.env import rollout_memory_one
from learners.shaping.config import ShapingConfig
from solvers.payoffs import jnp_opening, jnp_round_profile, jnp_transition_matrix

__all__ = [
    "SAMPLE_LEARNERS",
    "SampleConfig",
    "SampleResult",
    "Batch",
    "tokens_from_states",
    "discounted_cumsum_past",
    "effective_advantage",
    "gae",
    "collect",
    "episode_gradients",
    "truncated_values",
    "exact_critics",
    "train_sample",
]

#: Sample-based learner kinds.
SAMPLE_LEARNERS: tuple[str, ...] = ("pg", "ac", "aa")

_SWAP = jnp.asarray(SWAP)


# ------------------------------------------------------------------ advantage algebra

def discounted_cumsum_past(x: jax.Array, gamma: float | jax.Array) -> jax.Array:
    """``c_t = sum_{k<t} gamma^(t-1-k) x_k`` along axis 0 (time-major), ``c_0 = 0``."""
    if not isinstance(x, (jax.Array, np.ndarray)):
        try:
            x = jnp.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(f"x must be a time-major array (T, ...), got {x!r}"[:300]) from None
    if x.ndim < 1 or x.shape[0] < 1:
        raise ParameterError(f"x must be a time-major array with at least one step, got shape {x.shape}")
    if not isinstance(gamma, (jax.Array, np.ndarray)):
        gamma = real("gamma", gamma)

    def body(c, xt):
        return gamma * c + xt, c

    _, out = jax.lax.scan(body, jnp.zeros_like(x[0]), x)
    return out


def effective_advantage(a1: jax.Array, a2: jax.Array, gamma: float | jax.Array, beta: float | jax.Array) -> jax.Array:
    """Advantage Alignment's effective advantage (time-major ``(T, ...)`` arrays).

    ``A*_t = A1_t + beta * gamma * (sum_{k<t} gamma^(t-1-k) A1_k) * A2_t``, i.e. the most recent
    own advantage enters the alignment term with weight ``beta * gamma``.  This is the
    convention of the worked example in ``shared/paper-notes.md`` (0.75 + 0.96 * 0.75 * 0.75 =
    1.29) and of public implementations; the paper's display, with ``gamma^(t-k)`` inside the
    sum *and* the factor ``gamma`` outside, would weight it by ``beta * gamma^2``.
    """
    if a1.shape != a2.shape:
        raise ParameterError(f"a1 and a2 must have the same shape, got {a1.shape} and {a2.shape}")
    return a1 + beta * gamma * discounted_cumsum_past(a1, gamma) * a2


def gae(deltas: jax.Array, gamma: float | jax.Array, lam: float | jax.Array) -> jax.Array:
    """Generalised advantage estimates from TD errors (time-major), zero after the last round."""

    def body(acc, d):
        acc = d + gamma * lam * acc
        return acc, acc

    _, out = jax.lax.scan(body, jnp.zeros_like(deltas[0]), deltas, reverse=True)
    return out


# ------------------------------------------------------------------ sampling

class Batch(NamedTuple):
    """Time-major sampled episodes ``(T, B)`` with tokens from each player's own view."""

    tokens_x: jax.Array
    tokens_y: jax.Array
    coop_x: jax.Array  #: 1.0 where X cooperated
    coop_y: jax.Array
    rewards_x: jax.Array
    rewards_y: jax.Array
    last_x: jax.Array  #: ``(B,)`` token after the last round (for bootstrapping)
    last_y: jax.Array


def tokens_from_states(states_x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Observation tokens before each round for X and Y from X's states ``(T, B)``."""
    start = jnp.zeros_like(states_x[:1])
    prev = states_x[:-1]
    tok_x = jnp.concatenate([start, 1 + prev], axis=0)
    tok_y = jnp.concatenate([start, 1 + _SWAP[prev]], axis=0)
    return tok_x, tok_y


def collect(key: jax.Array, theta1: jax.Array, theta2: jax.Array, game: Game | str, horizon: int, batch: int,
            noise: float = 0.0) -> Batch:
    """Play ``batch`` episodes of ``sigmoid(theta1)`` vs ``sigmoid(theta2)`` in the environment.

    ``noise``: execution errors (the round kernel's); ``coop_*`` are the actions as played."""
    p = jax.nn.sigmoid(jax.lax.stop_gradient(theta1))
    q = jax.nn.sigmoid(jax.lax.stop_gradient(theta2))
    traj = rollout_memory_one(key, p, q, game, horizon=horizon, batch=batch, noise=noise)
    tok_x, tok_y = tokens_from_states(traj.states_x)
    return Batch(
        tok_x,
        tok_y,
        (traj.actions_x == 0).astype(jnp.float32),
        (traj.actions_y == 0).astype(jnp.float32),
        traj.rewards_x.astype(jnp.float32),
        traj.rewards_y.astype(jnp.float32),
        1 + traj.states_x[-1],
        1 + _SWAP[traj.states_x[-1]],
    )


def _score(theta: jax.Array, tokens: jax.Array, coop: jax.Array, noise: float = 0.0) -> jax.Array:
    """d log pi(a_t | token_t) / d theta as a dense ``(T, B, 5)`` array (memory-one policy).

    With execution errors the played action has probability ``P(C) = noise + (1 - 2 noise) p``
    given the token (:func:`eqtools.strategies.apply_noise`, exact for memory-one players), so the
    score of that effective policy keeps the estimator unbiased; ``noise = 0`` is ``coop - p``."""
    p = jax.nn.sigmoid(theta)[tokens]
    if not noise:
        return jax.nn.one_hot(tokens, 5, dtype=theta.dtype) * (coop - p)[..., None]
    pe = noise + (1.0 - 2.0 * noise) * p
    g = (1.0 - 2.0 * noise) * p * (1.0 - p) * (coop / pe - (1.0 - coop) / (1.0 - pe))
    return jax.nn.one_hot(tokens, 5, dtype=theta.dtype) * g[..., None]


def _advantages(
    critic: jax.Array, tokens: jax.Array, last_token: jax.Array, rewards: jax.Array, gamma: float, lam: float, bootstrap: bool
) -> tuple[jax.Array, jax.Array]:
    """GAE advantages and lambda-return targets from a tabular critic, normalised reward scale.

    ``bootstrap=True`` treats the episode as a truncated sample of the infinite game: the
    value after the last round is ``critic[last_token]``; otherwise it is 0 (finite episode).
    """
    v = critic[tokens]
    v_end = critic[last_token] if bootstrap else jnp.zeros_like(v[0])
    v_next = jnp.concatenate([v[1:], v_end[None]], axis=0)
    deltas = (1.0 - gamma) * rewards + gamma * v_next - v
    adv = gae(deltas, gamma, lam)
    return adv, adv + v


def episode_gradients(
    theta1: jax.Array,
    theta2: jax.Array,
    critics: jax.Array,
    batch: Batch,
    *,
    gamma: float,
    lam: tuple[float, float],
    kinds: tuple[str, str],
    beta: float,
    bootstrap: bool = True,
    noise: float = 0.0,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Per-episode policy-gradient estimates for both players.

    Returns ``(grads (B, 2, 5), critic_targets (2, T, B), advantages (2, T, B))``: the ascent
    direction of each episode (their batch mean is the update), the lambda-return targets for
    each player's critic, and the advantages actually used (effective ones for ``aa``).
    ``noise``: the execution-error rate the batch was played with (the score of the played action).
    """
    T = batch.tokens_x.shape[0]
    disc = gamma ** jnp.arange(T, dtype=theta1.dtype)[:, None]
    adv_x, tgt_x = _advantages(critics[0], batch.tokens_x, batch.last_x, batch.rewards_x, gamma, lam[0], bootstrap)
    adv_y, tgt_y = _advantages(critics[1], batch.tokens_y, batch.last_y, batch.rewards_y, gamma, lam[1], bootstrap)
    # AA's beta is defined on the unnormalised scale (sum_t gamma^t r_t), like LOLA's values:
    # advantages there are ours / (1 - gamma); the effective advantage is brought back after.
    u = 1.0 - gamma
    use_x = effective_advantage(adv_x / u, adv_y / u, gamma, beta) * u if kinds[0] == "aa" else adv_x
    use_y = effective_advantage(adv_y / u, adv_x / u, gamma, beta) * u if kinds[1] == "aa" else adv_y
    g1 = jnp.sum(_score(theta1, batch.tokens_x, batch.coop_x, noise) * (disc * use_x)[..., None], axis=0)
    g2 = jnp.sum(_score(theta2, batch.tokens_y, batch.coop_y, noise) * (disc * use_y)[..., None], axis=0)
    return jnp.stack([g1, g2], axis=1), jnp.stack([tgt_x, tgt_y]), jnp.stack([use_x, use_y])


def truncated_values(theta1: jax.Array, theta2: jax.Array, game: Game | str, gamma: float, horizon: int) -> tuple[jax.Array, jax.Array]:
    """Exact ``J = (1 - gamma) sum_{t<T} gamma^t E[r_t]`` for both players (differentiable)."""
    g = preset(game)
    prof = jnp_round_profile(jax.nn.sigmoid(theta1), jax.nn.sigmoid(theta2), int(horizon))
    w = (1.0 - gamma) * gamma ** jnp.arange(int(horizon), dtype=prof.dtype)
    d = jnp.einsum("t,...ts->...s", w, prof)
    return d @ jnp.asarray(g.payoffs, d.dtype), d @ jnp.asarray(g.payoffs_coplayer, d.dtype)


def exact_critics(theta1: jax.Array, theta2: jax.Array, game: Game | str, gamma: float) -> jax.Array:
    """Exact infinite-horizon tabular critics ``(2, 5)`` of both players (normalised scale).

    Entry ``[i, token]`` is player ``i``'s value ``(1 - gamma) E[sum_k gamma^k r_{t+k}]`` before
    a round whose observation (from player ``i``'s own view) is ``token``: start, or the
    previous joint action.  With these critics and ``bootstrap=True`` the actor-critic
    estimator is unbiased for the exact gradient of :func:`~learners.shaping.exact.memory_one_values`
    (up to the ``gamma^horizon`` tail).
    """
    g = preset(game)
    p, q = jax.nn.sigmoid(theta1), jax.nn.sigmoid(theta2)
    M = jnp_transition_matrix(p, q)
    v0 = jnp_opening(p, q)
    A = jnp.eye(4, dtype=M.dtype) - gamma * M
    rx = jnp.asarray(g.payoffs, M.dtype)
    ry = jnp.asarray(g.payoffs_coplayer, M.dtype)
    w = jnp.linalg.solve(A, jnp.stack([rx, ry], axis=-1))  # (4, 2): (I - gamma M)^-1 r
    start = (1.0 - gamma) * v0 @ w  # (2,)
    after = (1.0 - gamma) * M @ w  # (4 states in X's view, 2)
    vx = jnp.concatenate([start[:1], after[:, 0]])
    vy = jnp.concatenate([start[1:], after[_SWAP, 1]])  # Y's token 1+s_Y <-> X's state SWAP[s_Y]
    return jnp.stack([vx, vy])


# ------------------------------------------------------------------ training

@dataclass(frozen=True)
class SampleConfig(ShapingConfig):
    """Settings of a sample-based run (both players learn simultaneously).

    ``lr`` is the Adam step size of the policy logits, ``critic_lr`` the step of the tabular
    critics' regression onto lambda-returns (plain SGD on the per-token mean squared error).
    ``aa_beta`` is Advantage Alignment's beta on the normalised advantage scale.
    """

    learners: tuple[str, str] = ("aa", "aa")
    horizon: int = 100
    batch: int = 256
    iterations: int = 300
    runs: int = 8
    lr: float = 0.05
    critic_lr: float = 0.5
    gae_lambda: float = 0.95
    aa_beta: float = 0.3
    init_scale: float = 1.0
    bootstrap: bool = True

    PAIR = ("learners", SAMPLE_LEARNERS, "learner kinds")
    CHECKS = {"positive_ints": ("horizon", "batch", "iterations", "runs"),
              "nonneg": ("lr", "critic_lr", "aa_beta", "init_scale"), "unit": ("gae_lambda",)}

    def lambdas(self) -> tuple[float, float]:
        """GAE lambda per player: 1 for ``pg``, ``gae_lambda`` otherwise."""
        return tuple(1.0 if k == "pg" else float(self.gae_lambda) for k in self.learners)  # type: ignore[return-value]


@dataclass(frozen=True)
class SampleResult:
    """Outcome of :func:`train_sample` (numpy arrays).

    ``reward`` / ``coop``: sampled mean reward and cooperation per round (undiscounted average
    over the ``horizon`` rounds), ``(iterations, runs, 2)``.  ``policy_history``: P(C) vectors
    ``(iterations + 1, runs, 2, 5)``.  ``theta`` / ``policies``: final ``(runs, 2, 5)``.
    """

    config: SampleConfig
    theta: np.ndarray
    policies: np.ndarray
    reward: np.ndarray
    coop: np.ndarray
    policy_history: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def _adam_init(theta):
    return (jnp.zeros_like(theta), jnp.zeros_like(theta), jnp.zeros((), theta.dtype))


def _adam_step(theta, grad, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    # Ascent with Adam (written out so the whole run is one vmapped scan without pytrees).
    m, v, t = state
    t = t + 1
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad**2
    mh = m / (1 - b1**t)
    vh = v / (1 - b2**t)
    return theta + lr * mh / (jnp.sqrt(vh) + eps), (m, v, t)


@partial(jax.jit, static_argnames=("game", "gamma", "kinds", "lams", "horizon", "batch", "iterations", "bootstrap", "noise"))
def _train_sample(key, theta0, lr, critic_lr, beta, *, game, gamma, kinds, lams, horizon, batch, iterations, bootstrap,
                  noise=0.0):
    def run(key, theta):
        critics = jnp.zeros((2, 5), theta.dtype)
        opt = _adam_init(theta)

        def body(carry, k):
            theta, critics, opt = carry
            b = collect(k, theta[0], theta[1], game, horizon, batch, noise)
            grads, targets, _ = episode_gradients(
                theta[0], theta[1], critics, b, gamma=gamma, lam=lams, kinds=kinds, beta=beta, bootstrap=bootstrap,
                noise=noise,
            )
            theta_new, opt = _adam_step(theta, jnp.mean(grads, axis=0), opt, lr)
            # Tabular critic: move each token's value toward the mean lambda-return seen there.
            toks = jnp.stack([b.tokens_x, b.tokens_y])
            oh = jax.nn.one_hot(toks, 5, dtype=theta.dtype)  # (2, T, B, 5)
            counts = jnp.sum(oh, axis=(1, 2))
            sums = jnp.sum(oh * targets[..., None], axis=(1, 2))
            mean_t = jnp.where(counts > 0, sums / jnp.maximum(counts, 1), critics)
            critics = critics + critic_lr * (mean_t - critics)
            metrics = (
                jnp.stack([b.rewards_x.mean(), b.rewards_y.mean()]),
                jnp.stack([b.coop_x.mean(), b.coop_y.mean()]),
                jax.nn.sigmoid(theta),
            )
            return (theta_new, critics, opt), metrics

        (theta, critics, _), hist = jax.lax.scan(body, (theta, critics, opt), jax.random.split(key, iterations))
        return theta, critics, hist

    keys = jax.random.split(key, theta0.shape[0])
    return jax.vmap(run)(keys, theta0)


def train_sample(config: SampleConfig, theta0: np.ndarray | None = None) -> SampleResult:
    """Train ``config.runs`` independent pairs from samples (vmapped over runs, float32).

    Same config and seed give identical numbers.  ``theta0`` (``(runs, 2, 5)``) overrides the
    N(0, ``init_scale``^2) initialisation.
    """
    from eqtools.validation import float_array, instance_of

    instance_of("config", config, SampleConfig)
    config.validate()
    g = preset(config.game)
    key = jax.random.PRNGKey(int(config.seed))
    k_init, k_run = jax.random.split(key)
    if theta0 is None:
        th0 = float(config.init_scale) * jax.random.normal(k_init, (int(config.runs), 2, 5), dtype=jnp.float32)
    else:
        th0 = jnp.asarray(float_array("theta0", theta0), dtype=jnp.float32)
        if th0.shape != (int(config.runs), 2, 5):
            raise ParameterError(f"theta0 must have shape (runs, 2, 5) = ({config.runs}, 2, 5), got {th0.shape}")
    theta, critics, (reward, coop, pol) = _train_sample(
        k_run,
        th0,
        jnp.float32(config.lr),
        jnp.float32(config.critic_lr),
        jnp.float32(config.aa_beta),
        game=Game(g.R, g.S, g.T, g.P, name=g.name),
        gamma=float(config.gamma),
        kinds=tuple(config.learners),
        lams=config.lambdas(),
        horizon=int(config.horizon),
        batch=int(config.batch),
        iterations=int(config.iterations),
        bootstrap=bool(config.bootstrap),
        noise=float(config.noise),
    )
    theta = np.asarray(theta, dtype=np.float64)
    pol = np.moveaxis(np.asarray(pol, dtype=np.float64), 1, 0)
    final_pol = 1.0 / (1.0 + np.exp(-theta))
    return SampleResult(
        config=config,
        theta=theta,
        policies=final_pol,
        reward=np.moveaxis(np.asarray(reward, dtype=np.float64), 1, 0),
        coop=np.moveaxis(np.asarray(coop, dtype=np.float64), 1, 0),
        policy_history=np.concatenate([pol, final_pol[None]], axis=0),
        info={"critics": np.asarray(critics, dtype=np.float64)},
    )
