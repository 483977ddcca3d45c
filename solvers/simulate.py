"""Seeded, vectorised JAX simulation of iterated 2x2 matches.

Used to cross-check the exact results of :mod:`solvers.payoffs` and to play players that are
not memory-one.  Any player implementing :class:`Policy` can be simulated: it receives the
observation token of the previous round from its own view (``START = 0``, then
``1 + state`` with states CC, CD, DC, DD own action first — see :mod:`eqtools.conventions`)
and returns its probability of cooperating.

All randomness comes from one ``jax.random`` key derived from ``seed``: the same seed gives
the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import START_TOKEN
from eqtools.errors import ParameterError, SizeLimitError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise

from .payoffs import as_params, check_gamma, check_horizon, check_size

__all__ = ["Policy", "MemoryOnePolicy", "SimResult", "Trajectories", "NoisyTrajectories", "simulate",
           "simulate_memory_one", "play", "round_weights"]


@runtime_checkable
class Policy(Protocol):
    """A (possibly history-dependent) stochastic player for :func:`simulate`.

    ``init(batch_shape)`` returns the player's carry (any pytree) for a batch of matches;
    ``coop_prob(carry, obs, t)`` takes int tokens ``obs`` of shape ``batch_shape`` and the round
    index ``t`` and returns ``(p_cooperate, new_carry)``.  Both must be jax-traceable.
    """

    name: str

    def init(self, batch_shape: tuple[int, ...]) -> Any: ...

    def coop_prob(self, carry: Any, obs: jax.Array, t: jax.Array) -> tuple[jax.Array, Any]: ...


@dataclass(frozen=True)
class MemoryOnePolicy:
    """Memory-one strategies as a :class:`Policy`; ``params`` broadcasts against the batch."""

    params: Any
    name: str = "memory-one"

    def init(self, batch_shape: tuple[int, ...]) -> Any:
        return ()

    def coop_prob(self, carry: Any, obs: jax.Array, t: jax.Array) -> tuple[jax.Array, Any]:
        p = jnp.asarray(self.params)
        # p[..., obs]: token 0 -> p0, token 1 + s -> p_s.
        prob = jnp.take_along_axis(jnp.broadcast_to(p, obs.shape + (5,)), obs[..., None], axis=-1)[..., 0]
        return prob, carry


@dataclass(frozen=True)
class SimResult:
    """Monte Carlo estimates per pair (leading axes = pair batch), means over matches.

    ``*_se`` are standard errors of the mean over independent matches.
    """

    payoff_x: np.ndarray
    payoff_y: np.ndarray
    coop_x: np.ndarray
    coop_y: np.ndarray
    visits: np.ndarray
    payoff_x_se: np.ndarray
    payoff_y_se: np.ndarray
    coop_x_se: np.ndarray
    coop_y_se: np.ndarray
    coop_x_by_round: np.ndarray
    coop_y_by_round: np.ndarray
    matches: int
    criterion: str
    noise: float = 0.0


def _flip(key, actions, noise, batch_shape, dtype):
    """Execution errors: each sampled action flips with probability ``noise`` (own key stream)."""
    flip = jax.random.uniform(key, batch_shape, dtype=dtype) < noise
    return jnp.where(flip, 1 - actions, actions)


def _play_round(policy_x, policy_y, cx, cy, ox, oy, t, key, batch_shape, dtype, noise=None):
    """One simultaneous round: both players' cooperation probabilities and sampled actions.

    With ``noise`` (a traced scalar; ``None`` = no execution errors, the original key use, so
    noise-free results are bit-identical to before) the *sampled* actions flip with that
    probability, from a key stream separate from the action draws.  Returns the actions played;
    the intended ones are returned too when ``noise`` is given.
    """
    px, cx = policy_x.coop_prob(cx, ox, t)
    py, cy = policy_y.coop_prob(cy, oy, t)
    kx, ky = jax.random.split(key)
    ax = (jax.random.uniform(kx, batch_shape, dtype=dtype) >= px).astype(jnp.int32)  # 0 = C, 1 = D
    ay = (jax.random.uniform(ky, batch_shape, dtype=dtype) >= py).astype(jnp.int32)
    if noise is None:
        return cx, cy, px, py, ax, ay
    fx, fy = jax.random.split(jax.random.fold_in(key, 1))
    return cx, cy, px, py, _flip(fx, ax, noise, batch_shape, dtype), _flip(fy, ay, noise, batch_shape, dtype), ax, ay


def _simulate_core(policy_x: Policy, policy_y: Policy, rx, ry, n, batch_shape, key, weights, record_rounds, noise=None):
    carry_x = policy_x.init(batch_shape)
    carry_y = policy_y.init(batch_shape)
    obs0 = jnp.full(batch_shape, START_TOKEN, dtype=jnp.int32)
    zero = jnp.zeros(batch_shape, dtype=rx.dtype)
    acc0 = (zero, zero, zero, zero, jnp.zeros(batch_shape + (4,), dtype=rx.dtype))

    def body(state, inp):
        cx, cy, ox, oy, acc = state
        t, k, w = inp
        cx, cy, px, py, ax, ay = _play_round(policy_x, policy_y, cx, cy, ox, oy, t, k, batch_shape, rx.dtype,
                                             noise)[:6]
        sx = 2 * ax + ay
        sy = 2 * ay + ax
        gx, gy, ncx, ncy, vis = acc
        acc = (gx + w * rx[sx], gy + w * ry[sx], ncx + w * (1 - ax), ncy + w * (1 - ay),
               vis + w * jax.nn.one_hot(sx, 4, dtype=rx.dtype))
        rounds = ((1 - ax).mean(axis=-1), (1 - ay).mean(axis=-1)) if record_rounds else None
        return (cx, cy, 1 + sx, 1 + sy, acc), rounds

    keys = jax.random.split(key, n)
    ts = jnp.arange(n)
    (_, _, _, _, acc), rounds = jax.lax.scan(body, (carry_x, carry_y, obs0, obs0, acc0), (ts, keys, weights))
    return acc, rounds


@partial(jax.jit, static_argnames=("n", "batch_shape", "record_rounds", "noisy"))
def _simulate_m1_jit(p, q, rx, ry, key, weights, n, batch_shape, record_rounds, noise=None, noisy=False):
    return _simulate_core(MemoryOnePolicy(p, "x"), MemoryOnePolicy(q, "y"), rx, ry, n, batch_shape, key, weights,
                          record_rounds, noise if noisy else None)


#: Largest number of simulated player-rounds (batch x rounds) one call will run; larger
#: requests are refused up front with :class:`~eqtools.errors.SizeLimitError`.
MAX_SIM_ROUNDS: int = 10**11


def _check_sim_size(batch: int, n: int, pairs: int, record_rounds: bool) -> None:
    # Working set: ~16 float64 arrays over the batch, plus the per-round curves when recorded.
    check_size("matches", 8.0 * 16 * batch + (16.0 * n * pairs if record_rounds else 0.0),
               f"simulating {batch} matches of {n} rounds", "use fewer matches or the exact solvers")
    if batch * n > MAX_SIM_ROUNDS:
        raise SizeLimitError(
            f"matches: {batch} matches x {n} rounds = {batch * n:.3g} simulated rounds, above the limit "
            f"{MAX_SIM_ROUNDS:.0e} (solvers.simulate.MAX_SIM_ROUNDS); use fewer matches or the exact solvers"
        )


#: Discounted simulations without an explicit ``n`` run until the discount weight left is below this.
DISCOUNT_TAIL: float = 1e-9


def check_policy(name: str, policy: Any) -> Any:
    """``policy`` if it is a :class:`Policy` (callable ``init`` and ``coop_prob``), else a named
    :class:`ParameterError` (a MemoryOne, a string or an array is not a policy)."""
    if not (callable(getattr(policy, "init", None)) and callable(getattr(policy, "coop_prob", None))):
        raise ParameterError(f"{name} must be a solvers.simulate.Policy (init(batch_shape), coop_prob(carry, obs, t)); "
                             f"got {type(policy).__name__} (memory-one vectors: MemoryOnePolicy(params))")
    return policy


def check_pairs_shape(pairs_shape: Any) -> tuple[int, ...]:
    """``pairs_shape`` as a tuple of non-negative ints, or a named :class:`ParameterError`."""
    if isinstance(pairs_shape, (str, bytes)) or not hasattr(pairs_shape, "__iter__"):
        raise ParameterError(f"pairs_shape must be a tuple of non-negative integers, got {pairs_shape!r}")
    dims = list(pairs_shape)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) and d >= 0 for d in dims):
        raise ParameterError(f"pairs_shape must be a tuple of non-negative integers, got {pairs_shape!r}")
    return tuple(int(d) for d in dims)


def round_weights(n: int | None, gamma: float | None) -> tuple[int, np.ndarray, str]:
    """``(n, weights, criterion)`` of a simulated estimate over ``n`` rounds.

    Without ``gamma``: weights ``1/n`` (``n`` defaults to 100).  With ``gamma``: weights
    proportional to ``gamma^t`` and *renormalised to sum to 1* over the ``n`` rounds played, so a
    pair that earns ``v`` every round is estimated at ``v`` however the horizon is cut (before,
    ``gamma = 0.99`` over the default 100 rounds reported ``0.634`` for mutual TFT instead of 1).
    ``n`` defaults to the number of rounds after which the discount weight left is below
    :data:`DISCOUNT_TAIL` (1 833 rounds at ``gamma = 0.99``); the tail mass is in ``criterion``.
    """
    if gamma is None:
        n = 100 if n is None else check_horizon(n)
        check_size("n", 16.0 * n, f"per-round weights of {n} simulated rounds", "use fewer rounds or the exact solvers")
        return n, np.full(n, 1.0 / n), f"finite(n={n})"
    gm = check_gamma(gamma)
    if n is None:
        n = max(1, int(math.ceil(math.log(DISCOUNT_TAIL) / math.log(gm)))) if gm > 0 else 1
        if n * 8 > MAX_SIM_ROUNDS:
            raise SizeLimitError(
                f"gamma = {gm!r}: a discounted simulation would need n = {n:.3g} rounds to leave a tail below "
                f"{DISCOUNT_TAIL:g}; use the exact solvers (solvers.payoffs.discounted) or pass a shorter n"
            )
    else:
        n = check_horizon(n)
    check_size("n", 16.0 * n, f"per-round weights of {n} simulated rounds", "use fewer rounds or the exact solvers")
    t = np.arange(n)
    w = np.exp(t * math.log(gm))  # gamma^t without underflow surprises
    w = w / w.sum()
    tail = gm ** n
    return n, w, f"discounted(gamma={gm:g}, n={n} rounds, weights renormalised; tail mass {tail:.2e})"


def simulate(
    policy_x: Policy,
    policy_y: Policy,
    game: Game | str,
    *,
    n: int | None = None,
    gamma: float | None = None,
    matches: int = 1000,
    pairs_shape: tuple[int, ...] = (),
    seed: int = 0,
    record_rounds: bool = True,
    noise: float = 0.0,
) -> SimResult:
    """Play ``matches`` independent matches for each pair in ``pairs_shape`` and average.

    ``noise`` is the execution-error rate: every sampled action (opening included) of either
    player flips with that probability before it is played and observed, so any
    :class:`Policy`, not only memory-one ones, meets noise.  ``noise = 0`` draws no extra
    random numbers (results identical to a call without it).

    With ``gamma`` the per-round quantities are weighted ``gamma^t`` renormalised over the ``n``
    rounds (``n`` defaults to a tail below :data:`DISCOUNT_TAIL`; see :func:`round_weights`);
    without it, plain means over ``n`` rounds (default 100).
    ``record_rounds=False`` skips the per-round cooperation curves (saves memory for huge batches).
    """
    g = preset(game)
    from eqtools.validation import sample_count, seed as check_seed

    check_policy("policy_x", policy_x)
    check_policy("policy_y", policy_y)
    matches = sample_count("matches", matches)
    check_seed("seed", seed)
    if not isinstance(record_rounds, (bool, np.bool_)):
        raise ParameterError(f"record_rounds must be True or False, got {record_rounds!r}")
    eps = validate_noise(noise)
    n, weights, criterion = round_weights(n, gamma)
    batch_shape = check_pairs_shape(pairs_shape) + (matches,)
    _check_sim_size(math.prod(batch_shape), n, math.prod(batch_shape[:-1]), record_rounds)
    if eps:
        criterion += f" noise={eps:g}"
    with jax.enable_x64(True):
        rx = jnp.asarray(g.payoffs)
        ry = jnp.asarray(g.payoffs_coplayer)
        w = jnp.asarray(weights)
        from eqtools.validation import seed as check_seed

        key = jax.random.PRNGKey(check_seed("seed", seed))
        if isinstance(policy_x, MemoryOnePolicy) and isinstance(policy_y, MemoryOnePolicy):
            # Parameters as traced arguments: one compiled program per shape, reused across calls.
            extra = {"noise": jnp.asarray(eps), "noisy": True} if eps else {}
            acc, rounds = _simulate_m1_jit(jnp.asarray(policy_x.params), jnp.asarray(policy_y.params), rx, ry, key, w,
                                           n=n, batch_shape=batch_shape, record_rounds=record_rounds, **extra)
        else:
            fn = jax.jit(partial(_simulate_core, policy_x, policy_y, n=n, batch_shape=batch_shape,
                                 record_rounds=record_rounds))
            extra = {"noise": jnp.asarray(eps)} if eps else {}
            acc, rounds = fn(rx=rx, ry=ry, key=key, weights=w, **extra)
        gx, gy, cx, cy, vis = (np.asarray(o) for o in acc)
        if record_rounds:
            cxr, cyr = (np.moveaxis(np.asarray(r), 0, -1) for r in rounds)
        else:
            cxr = cyr = np.empty(tuple(pairs_shape) + (0,))

    def mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return a.mean(axis=-1), a.std(axis=-1, ddof=1) / math.sqrt(matches)

    px_, pxs = mean_se(gx)
    py_, pys = mean_se(gy)
    cx_m, cxs = mean_se(cx)
    cy_m, cys = mean_se(cy)
    return SimResult(
        payoff_x=px_, payoff_y=py_, coop_x=cx_m, coop_y=cy_m, visits=vis.mean(axis=-2),
        payoff_x_se=pxs, payoff_y_se=pys, coop_x_se=cxs, coop_y_se=cys,
        coop_x_by_round=cxr, coop_y_by_round=cyr,
        matches=matches, criterion=criterion, noise=eps,
    )


def simulate_memory_one(
    x: Any,
    y: Any,
    game: Game | str,
    *,
    n: int | None = None,
    gamma: float | None = None,
    matches: int = 1000,
    seed: int = 0,
    record_rounds: bool = True,
    noise: float = 0.0,
) -> SimResult:
    """Simulate memory-one pairs: ``x`` and ``y`` are strategies or ``(K, 5)`` arrays (broadcast).

    ``n`` and ``gamma`` as in :func:`simulate` (discounted weights are renormalised over the
    rounds played, so mutual TFT at ``gamma = 0.99`` is 1).

    ``noise``: execution errors applied to the sampled actions (see :func:`simulate`).
    """
    p, q = as_params(x, "strategy x"), as_params(y, "strategy y")
    p, q = np.broadcast_arrays(p, q)
    pairs_shape = p.shape[:-1]
    pe = p[..., None, :]  # broadcast over the matches axis
    qe = q[..., None, :]
    return simulate(
        MemoryOnePolicy(pe, "x"), MemoryOnePolicy(qe, "y"), game,
        n=n, gamma=gamma, matches=matches, pairs_shape=pairs_shape, seed=seed, record_rounds=record_rounds,
        noise=noise,
    )


@dataclass(frozen=True)
class Trajectories:
    """Recorded matches, arrays of shape ``(matches, n)``.

    ``tokens_*`` are each player's observation tokens *before* acting (0 = start, 1 + state
    of the previous round from its own view); ``p_*`` its cooperation probability;
    ``a_*`` its action as played (0 = C, 1 = D); ``r_*`` its reward.  With execution errors
    :func:`play` returns a :class:`NoisyTrajectories`, which adds the intended actions.
    """

    tokens_x: np.ndarray
    tokens_y: np.ndarray
    p_x: np.ndarray
    p_y: np.ndarray
    a_x: np.ndarray
    a_y: np.ndarray
    r_x: np.ndarray
    r_y: np.ndarray


@dataclass(frozen=True)
class NoisyTrajectories(Trajectories):
    """:class:`Trajectories` played under execution errors: ``intended_*`` are the actions chosen
    before the flips (``a_*`` are the actions played and observed)."""

    intended_x: np.ndarray
    intended_y: np.ndarray


def play(policy_x: Policy, policy_y: Policy, game: Game | str, *, n: int = 100, matches: int = 1000,
         seed: int = 0, pairs_shape: tuple[int, ...] = (), noise: float = 0.0) -> Trajectories:
    """Play and record seeded matches of ``n`` rounds (float64).

    The batch is ``pairs_shape + (matches,)`` (policies broadcast against it); every recorded
    array has shape ``pairs_shape + (matches, n)``.  ``noise``: execution errors on the sampled
    actions (the intended ones are recorded in ``intended_*``).
    """
    g = preset(game)
    from eqtools.validation import positive_int, seed as check_seed

    check_policy("policy_x", policy_x)
    check_policy("policy_y", policy_y)
    n = check_horizon(n)
    eps = validate_noise(noise)
    matches = positive_int("matches", matches)
    check_seed("seed", seed)
    batch_shape = check_pairs_shape(pairs_shape) + (matches,)
    b = math.prod(batch_shape)
    check_size("matches", 8.0 * 10 * b * n, f"recording {b} matches of {n} rounds", "record fewer matches or rounds")

    def run(key, rx, ry):
        cx0, cy0 = policy_x.init(batch_shape), policy_y.init(batch_shape)
        obs0 = jnp.full(batch_shape, START_TOKEN, dtype=jnp.int32)

        def body(state, inp):
            cx, cy, ox, oy = state
            t, k = inp
            out = _play_round(policy_x, policy_y, cx, cy, ox, oy, t, k, batch_shape, rx.dtype,
                              jnp.asarray(eps, rx.dtype) if eps else None)
            cx, cy, px, py, ax, ay = out[:6]
            sx, sy = 2 * ax + ay, 2 * ay + ax
            rec = (ox, oy, px, py, ax, ay, rx[sx], ry[sx]) + tuple(out[6:])
            return (cx, cy, 1 + sx, 1 + sy), rec

        _, recs = jax.lax.scan(body, (cx0, cy0, obs0, obs0), (jnp.arange(n), jax.random.split(key, n)))
        return recs

    with jax.enable_x64(True):
        recs = jax.jit(run)(jax.random.PRNGKey(int(seed)), jnp.asarray(g.payoffs), jnp.asarray(g.payoffs_coplayer))
        arrs = [np.moveaxis(np.asarray(r), 0, -1) for r in recs]
    return NoisyTrajectories(*arrs) if eps else Trajectories(*arrs)
