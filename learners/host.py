"""Host-side (numpy) simulation for agents that cannot run inside a JAX program.

A plain Python function of the history, an Axelrod player or a PyTorch module decides one
round at a time in Python.  Tracing them into :func:`solvers.simulate.simulate` would need
``jax.pure_callback`` per round (slow, and it fails on float32/float64 mismatches unless x64 is
enabled globally).  Instead they implement :class:`HostAgent` and play in a numpy round loop:

* the batch of matches (``pairs_shape + (matches,)``) advances one round at a time;
* a host agent decides for the whole batch in one call (its own code may loop over matches);
* memory-one co-players are vectorised table look-ups; any other JAX
  :class:`~solvers.simulate.Policy` is stepped with its ``coop_prob`` jitted once.

:func:`play_any` and :func:`simulate_any` take the same arguments as
:func:`solvers.simulate.play` and :func:`solvers.simulate.simulate` and return the same
:class:`~solvers.simulate.Trajectories` / :class:`~solvers.simulate.SimResult`.  They dispatch:
when neither player is a :class:`HostAgent` they call the JAX functions unchanged (same numbers
as before); otherwise they run the host loop.  The verification functions
(:func:`learners.projection.project`, :func:`learners.regret.evaluate_regret`,
:func:`learners.verify.verify_agents`) call them, so host agents are verified without glue.

Randomness: one ``numpy.random.Generator`` seeded from ``seed`` draws every action of players
that report probabilities, and the execution-error flips.  Host agents that sample their own
actions (stochastic Axelrod players, through their own seeded generator) get a per-match seed
derived from ``seed``.  Same seed, same numbers; the streams differ from the JAX path's, so a
memory-one pair played both ways agrees in distribution, not draw for draw.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from eqtools.conventions import START_TOKEN
from eqtools.errors import InvalidProbabilityError, ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise
from eqtools.validation import seed as check_seed
from solvers.payoffs import check_horizon, check_size
from solvers.simulate import MemoryOnePolicy, NoisyTrajectories, SimResult, Trajectories, play, simulate

__all__ = ["HostAgent", "is_host", "play_any", "simulate_any", "host_play"]


class HostAgent:
    """Base class of agents that decide in Python, one round at a time, for a batch of matches.

    Subclasses set ``name`` and ``exposes_probabilities`` and implement :meth:`start` and
    :meth:`step`.  ``exposes_probabilities = False`` means :meth:`step` returns sampled actions
    whose probabilities are unknown (a stochastic Axelrod player): the projection's query
    estimate then equals its counting estimate and the KL gap is not available.
    """

    name: str = "host agent"
    exposes_probabilities: bool = True

    def start(self, batch: int, *, seed: int, game: Game, n: int, noise: float) -> Any:
        """Per-batch state before the first round (``batch`` matches)."""
        return None

    def step(self, state: Any, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray | None, Any]:
        """Decide round ``t`` for every match.

        ``own`` and ``other`` are read-only ``(batch, t)`` int8 arrays of the actions played so
        far (0 = C, 1 = D, after execution errors).  Returns ``(p, actions, state)``: ``p`` the
        ``(batch,)`` probabilities of cooperating; ``actions`` ``None`` (the loop samples from
        ``p``) or the ``(batch,)`` actions the agent sampled itself.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def is_host(policy: Any) -> bool:
    """Whether ``policy`` must run in the host loop."""
    return isinstance(policy, HostAgent)


# ----------------------------------------------------------------------------- steppers

class _MemoryOneStep:
    """A memory-one co-player as a vectorised table look-up over the flattened batch."""

    def __init__(self, params: Any, batch_shape: tuple[int, ...]):
        p = np.asarray(params, dtype=np.float64)
        self.table = np.broadcast_to(p, batch_shape + (5,)).reshape(-1, 5)

    def __call__(self, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, None]:
        tok = _tokens(own, other, t)
        return self.table[np.arange(self.table.shape[0]), tok], None


class _JaxStep:
    """Any JAX :class:`~solvers.simulate.Policy`, its ``coop_prob`` jitted once and called per round."""

    def __init__(self, policy: Any, batch_shape: tuple[int, ...]):
        import jax
        import jax.numpy as jnp

        self.shape = batch_shape
        self.jnp = jnp
        with jax.enable_x64(True):
            self.carry = policy.init(batch_shape)
        self.fn = jax.jit(policy.coop_prob)
        self.jax = jax

    def __call__(self, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, None]:
        tok = _tokens(own, other, t).reshape(self.shape)
        with self.jax.enable_x64(True):
            p, self.carry = self.fn(self.carry, self.jnp.asarray(tok, dtype=self.jnp.int32), self.jnp.asarray(t))
            return np.asarray(p, dtype=np.float64).reshape(-1), None


class _HostStep:
    def __init__(self, agent: HostAgent, batch: int, seed: int, game: Game, n: int, noise: float):
        self.agent = agent
        self.state = agent.start(batch, seed=seed, game=game, n=n, noise=noise)
        self.batch = batch

    def __call__(self, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray | None]:
        p, a, self.state = self.agent.step(self.state, own, other, t)
        name = getattr(self.agent, "name", "agent")
        p = _as_probs(p, self.batch, f"agent {name!r}, round {t}")
        if a is not None:
            a = np.asarray(a)
            if a.shape != (self.batch,) or not np.all((a == 0) | (a == 1)):
                raise ParameterError(f"agent {name!r}, round {t}: actions must be {self.batch} values 0 (C) or 1 (D)")
            a = a.astype(np.int8)
        return p, a


def _as_probs(p: Any, batch: int, where: str) -> np.ndarray:
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidProbabilityError(f"{where}: the probability of cooperating must be a number, got {p!r:.80}") from None
    if arr.shape != (batch,):
        if arr.size == batch:
            arr = arr.reshape(batch)
        else:
            raise InvalidProbabilityError(f"{where}: expected {batch} probabilities of cooperating, got shape {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr >= 0) & (arr <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidProbabilityError(f"{where}: probability of cooperating must lie in [0, 1], got {arr[i]!r} (match {i})")
    return arr


def _tokens(own: np.ndarray, other: np.ndarray, t: int) -> np.ndarray:
    if t == 0:
        return np.full(own.shape[0], START_TOKEN, dtype=np.int64)
    return 1 + 2 * own[:, t - 1].astype(np.int64) + other[:, t - 1]


def _stepper(policy: Any, batch_shape: tuple[int, ...], seed: int, game: Game, n: int, noise: float):
    if isinstance(policy, HostAgent):
        return _HostStep(policy, math.prod(batch_shape), seed, game, n, noise)
    if isinstance(policy, MemoryOnePolicy):
        return _MemoryOneStep(policy.params, batch_shape)
    if hasattr(policy, "init") and hasattr(policy, "coop_prob"):
        return _JaxStep(policy, batch_shape)
    raise ParameterError(f"cannot play {type(policy).__name__}: pass it through learners.agents.as_policy first")


# ----------------------------------------------------------------------------- the loop

def host_play(policy_x: Any, policy_y: Any, game: Game | str, *, n: int = 100, matches: int = 1000, seed: int = 0,
              pairs_shape: tuple[int, ...] = (), noise: float = 0.0) -> Trajectories:
    """:func:`solvers.simulate.play` in a numpy round loop (see the module docstring)."""
    g = preset(game)
    n = check_horizon(n)
    eps = validate_noise(noise)
    seed = check_seed("seed", seed)
    if isinstance(matches, bool) or not isinstance(matches, (int, np.integer)) or int(matches) < 1:
        raise ParameterError(f"matches must be a positive integer, got {matches!r}")
    from eqtools.validation import int_tuple

    batch_shape = int_tuple("pairs_shape", pairs_shape, 1) + (int(matches),)
    B = math.prod(batch_shape)
    check_size("matches", 8.0 * 12 * B * n, f"recording {B} matches of {n} rounds", "record fewer matches or rounds")
    ss = np.random.SeedSequence([seed, 20])
    sx, sy, sr = (int(s.generate_state(1)[0]) for s in ss.spawn(3))
    step_x = _stepper(policy_x, batch_shape, sx, g, n, eps)
    step_y = _stepper(policy_y, batch_shape, sy, g, n, eps)
    rng = np.random.default_rng(sr)
    hx = np.zeros((B, n), dtype=np.int8)
    hy = np.zeros((B, n), dtype=np.int8)
    ix = np.zeros((B, n), dtype=np.int8)
    iy = np.zeros((B, n), dtype=np.int8)
    tx = np.zeros((B, n), dtype=np.int64)
    ty = np.zeros((B, n), dtype=np.int64)
    px_all = np.zeros((B, n))
    py_all = np.zeros((B, n))
    rx, ry = np.asarray(g.payoffs, dtype=np.float64), np.asarray(g.payoffs_coplayer, dtype=np.float64)
    for t in range(n):
        vx, vy = hx[:, :t], hy[:, :t]
        vx.flags.writeable = False
        vy.flags.writeable = False
        tx[:, t] = _tokens(hx, hy, t)
        ty[:, t] = _tokens(hy, hx, t)
        px, ax = step_x(vx, vy, t)
        py, ay = step_y(vy, vx, t)
        u = rng.random((2, B))
        ax = (u[0] >= px).astype(np.int8) if ax is None else ax
        ay = (u[1] >= py).astype(np.int8) if ay is None else ay
        ix[:, t], iy[:, t] = ax, ay
        if eps:
            f = rng.random((2, B)) < eps
            ax = np.where(f[0], 1 - ax, ax).astype(np.int8)
            ay = np.where(f[1], 1 - ay, ay).astype(np.int8)
        hx[:, t], hy[:, t] = ax, ay
        px_all[:, t], py_all[:, t] = px, py
    s = 2 * hx.astype(np.int64) + hy
    shp = batch_shape + (n,)
    arrs = [tx, ty, px_all, py_all, hx.astype(np.int32), hy.astype(np.int32), rx[s], ry[s]]
    arrs = [a.reshape(shp) for a in arrs]
    if eps:
        return NoisyTrajectories(*arrs, ix.astype(np.int32).reshape(shp), iy.astype(np.int32).reshape(shp))
    return Trajectories(*arrs)


def play_any(policy_x: Any, policy_y: Any, game: Game | str, *, n: int = 100, matches: int = 1000, seed: int = 0,
             pairs_shape: tuple[int, ...] = (), noise: float = 0.0) -> Trajectories:
    """:func:`solvers.simulate.play` for any pair: JAX when both are JAX policies, else :func:`host_play`."""
    if is_host(policy_x) or is_host(policy_y):
        return host_play(policy_x, policy_y, game, n=n, matches=matches, seed=seed, pairs_shape=pairs_shape, noise=noise)
    return play(policy_x, policy_y, game, n=n, matches=matches, seed=seed, pairs_shape=pairs_shape, noise=noise)


def simulate_any(policy_x: Any, policy_y: Any, game: Game | str, *, n: int | None = None, gamma: float | None = None,
                 matches: int = 1000, pairs_shape: tuple[int, ...] = (), seed: int = 0, record_rounds: bool = True,
                 noise: float = 0.0) -> SimResult:
    """:func:`solvers.simulate.simulate` for any pair (host loop when either player is a :class:`HostAgent`).

    The host route computes the same estimates from recorded matches: payoffs and cooperation
    weighted ``1/n`` (or ``gamma^t`` renormalised over the ``n`` rounds, see
    :func:`solvers.simulate.round_weights`), standard errors over matches."""
    if not (is_host(policy_x) or is_host(policy_y)):
        return simulate(policy_x, policy_y, game, n=n, gamma=gamma, matches=matches, pairs_shape=pairs_shape, seed=seed,
                        record_rounds=record_rounds, noise=noise)
    if isinstance(matches, bool) or not isinstance(matches, (int, np.integer)) or int(matches) < 2:
        raise ParameterError(f"matches must be at least 2 (standard errors need two), got {matches!r}")
    from solvers.simulate import round_weights

    n, w, criterion = round_weights(n, gamma)
    tr = host_play(policy_x, policy_y, game, n=n, matches=matches, seed=seed, pairs_shape=pairs_shape, noise=noise)
    eps = validate_noise(noise)
    if eps:
        criterion += f" noise={eps:g}"
    m = int(matches)
    gx, gy = tr.r_x @ w, tr.r_y @ w
    cx, cy = (1 - tr.a_x) @ w, (1 - tr.a_y) @ w
    s = 2 * tr.a_x + tr.a_y
    vis = np.stack([(s == k) @ w for k in range(4)], axis=-1).mean(axis=-2)

    def mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return a.mean(axis=-1), a.std(axis=-1, ddof=1) / math.sqrt(m)

    (px_, pxs), (py_, pys), (cxm, cxs), (cym, cys) = mean_se(gx), mean_se(gy), mean_se(cx), mean_se(cy)
    if record_rounds:
        cxr, cyr = (1 - tr.a_x).mean(axis=-2), (1 - tr.a_y).mean(axis=-2)
    else:
        cxr = cyr = np.empty(tuple(pairs_shape) + (0,))
    return SimResult(payoff_x=px_, payoff_y=py_, coop_x=cxm, coop_y=cym, visits=vis, payoff_x_se=pxs, payoff_y_se=pys,
                     coop_x_se=cxs, coop_y_se=cys, coop_x_by_round=cxr, coop_y_by_round=cyr, matches=m,
                     criterion=criterion + " (host loop)", noise=eps)
