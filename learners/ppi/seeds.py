"""The seed axis of PPI runs: several seeds' games and model fits in one jitted call.

A run with ``PPIConfig.seeds = S`` keeps every learner's parameters and optimiser state with a
leading seed axis ``(S, ...)`` (seed ``s`` is the run with ``seed + s``), as A2C does.  With
several JAX devices the seed axis is split across them (``jax.shard_map`` over a one-axis mesh
``"seed"``; the number of devices used is the largest divisor of ``S`` not above the count).

**Bit-identity with single-seed runs.**  Seed ``s`` of an ``S``-seed run gives exactly the numbers
of a one-seed run with ``seed + s`` (tested at smoke size).  That decides how each part is batched:

* the games (gathering and evaluation, the Monte Carlo rollouts: most of a phase's time) are
  ``jax.vmap``-ed over seeds: every operation in them acts per episode, so batching seeds changes no
  bit;
* the optimiser step is mapped over seeds with ``jax.lax.map``, one jitted call for all seeds whose
  loop body is the single-seed step.  ``vmap`` would batch the loss's and the gradients' sums over
  the batch and the rounds, and XLA then adds in another order (measured on this CPU: the loss moves
  by 2e-7, gradients by 3e-8), so seeds would drift apart from their single-seed runs;
* the parameter initialisation is mapped the same way (one call per learner and phase).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .model import SequenceModel
from .play import ImprovementSpec, _play_vs_policy, play_pair

__all__ = ["SeedAxis", "seed_axis", "stack_seeds", "seed_slice"]


def stack_seeds(trees: Sequence[Any]) -> Any:
    """Per-seed pytrees -> one pytree with a leading seed axis."""
    if isinstance(trees, (str, bytes)) or not isinstance(trees, Sequence) or not trees:
        from eqtools.errors import ParameterError

        raise ParameterError(f"trees must be a non-empty sequence of per-seed pytrees, got {trees!r}"[:300])
    try:
        return jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *trees)
    except (TypeError, ValueError) as exc:
        from eqtools.errors import ParameterError

        raise ParameterError(f"trees must be per-seed pytrees of one structure and shape: {exc}"[:300]) from None


def seed_slice(tree: Any, s: int) -> Any:
    """Seed ``s`` of a pytree with a leading seed axis."""
    from eqtools.validation import check_value

    from eqtools.errors import ParameterError

    check_value("s", int, s)
    leaves = jax.tree_util.tree_leaves(tree)
    if not leaves or not all(getattr(x, "ndim", 0) >= 1 and -x.shape[0] <= s < x.shape[0] for x in leaves):
        raise ParameterError(f"tree must be a pytree of arrays with a leading seed axis holding seed {s}, got {tree!r}"[:300])
    return jax.tree_util.tree_map(lambda x: x[s], tree)


def _largest_divisor_at_most(n: int, k: int) -> int:
    return max(d for d in range(1, max(1, min(n, k)) + 1) if n % d == 0)


def seed_axis(n_seeds: int, devices: Sequence[Any] | None = None) -> "SeedAxis":
    """The (shared, cached) :class:`SeedAxis` of ``n_seeds`` seeds over ``devices`` (default all):
    runs with the same layout reuse its compiled functions."""
    from eqtools.errors import ParameterError
    from eqtools.validation import positive_int

    n_seeds = positive_int("n_seeds", n_seeds)
    if devices is not None and (isinstance(devices, (str, bytes)) or not hasattr(devices, "__iter__")):
        raise ParameterError(f"devices must be a sequence of JAX devices (or None), got {devices!r}")
    devs = tuple(devices if devices is not None else jax.devices())
    if not devs or not all(isinstance(d, jax.Device) for d in devs):
        raise ParameterError(f"devices must be a non-empty sequence of JAX devices, got {devices!r}"[:300])
    return _seed_axis(n_seeds, devs)


@functools.lru_cache(maxsize=16)
def _seed_axis(n_seeds: int, devices: tuple) -> "SeedAxis":
    return SeedAxis(n_seeds, devices)


class SeedAxis:
    """How the ``S`` seeds of a run are laid out over devices, and the seed-mapped functions
    (cached on the instance; get one with :func:`seed_axis`).

    ``devices``: the JAX devices to use (default all); ``S`` seeds go to the largest divisor of
    ``S`` not above their number (``n_devices``)."""

    def __init__(self, n_seeds: int, devices: Sequence[Any] | None = None) -> None:
        self.n_seeds = int(n_seeds)
        devices = list(devices if devices is not None else jax.devices())
        self.n_devices = _largest_divisor_at_most(self.n_seeds, len(devices))
        if self.n_devices > 1:
            from jax.sharding import Mesh

            self.mesh: Any = Mesh(np.array(devices[:self.n_devices]), ("seed",))
        else:
            self.mesh = None

    def _spread(self, fn: Callable, n_args: int) -> Callable:
        """``fn`` (already over a leading seed axis) run per device on its slice of the seeds."""
        if self.mesh is None:
            return fn
        from jax.sharding import PartitionSpec as P

        # check_vma=False: the per-seed code starts scans from fresh (device-invariant) zeros, which
        # the varying-axes check would refuse; every seed's computation stays on its own device
        return jax.shard_map(fn, mesh=self.mesh, in_specs=(P("seed"),) * n_args, out_specs=P("seed"), check_vma=False)

    def map_fn(self, fn: Callable, n_args: int) -> Callable:
        """``jit`` of ``fn`` looped over the seed axis of all ``n_args`` arguments (``lax.map``)."""
        return jax.jit(self._spread(lambda *a: jax.lax.map(lambda x: fn(*x), a), n_args))

    def vmap_fn(self, fn: Callable, n_args: int) -> Callable:
        """``jit`` of ``fn`` vmapped over the seed axis of all ``n_args`` arguments."""
        return jax.jit(self._spread(jax.vmap(fn), n_args))

    # ------------------------------------------------------------------ fitting
    @functools.lru_cache(maxsize=8)
    def fit_fns(self, fit_key: tuple) -> tuple[Callable, Callable, Callable]:
        """``(init, step, step_z)`` over seeds for :func:`learners.ppi.fit._fit_fns` ``(*fit_key)``:
        ``init(keys (S, 2))``, ``step(params, opt_state, batch (S, B, T))`` and the same with
        ``z (S, B, 10)`` (opponent-ID ablation)."""
        from .fit import _fit_fns

        init, step = _fit_fns(*fit_key)
        raw_init, raw_step = init.__wrapped__, step.__wrapped__  # the functions jax.jit wrapped
        return (self.map_fn(raw_init, 1), self.map_fn(lambda p, o, b: raw_step(p, o, b), 3),
                self.map_fn(lambda p, o, b, z: raw_step(p, o, b, z), 4))

    # ------------------------------------------------------- the games' inputs
    @functools.lru_cache(maxsize=8)
    def eval_inputs_fn(self, n_each: int, fixed: tuple[tuple[float, ...], ...]) -> Callable:
        """``(seed_keys (S, 2), phase) -> ((co-players (S, (len(fixed) + 1) * n_each, 5), play keys
        (S, 2)) per learner)`` of both learners' evaluations: each fixed co-player ``n_each`` times,
        then ``n_each`` fresh U(0,1)^5 draws; one jitted call (the keys of a one-seed run's evaluation)."""
        block = jnp.repeat(jnp.asarray(np.asarray(fixed), jnp.float32), n_each, axis=0)

        def one(seed_key, phase):
            out = []
            for i in range(2):
                key = jax.random.fold_in(jax.random.fold_in(seed_key, 0xE7A1), phase * 2 + i)
                k_tab, k_play = jax.random.split(key)
                out.append((jnp.concatenate([block, jax.random.uniform(k_tab, (n_each, 5))]), k_play))
            return tuple(out)

        f = jax.jit(jax.vmap(one, in_axes=(0, None)))
        return lambda keys, phase: f(keys, jnp.int32(phase))

    @functools.lru_cache(maxsize=8)
    def gather_inputs_fn(self, pool: Any, n_tab: int) -> Callable:
        """``(seed_keys (S, 2), phase, chunk) -> (tabular co-players (S, 2, n_tab, 5), play keys (S, 2))``
        of one gathering chunk (the keys of a one-seed run's gathering), one jitted call."""
        from ..pool import sample_tabular

        def one(seed_key, phase, c):
            key = jax.random.fold_in(jax.random.fold_in(seed_key, 0x6A7), phase)
            k_tab, k_play = jax.random.split(jax.random.fold_in(key, c))
            return sample_tabular(k_tab, pool, (2, n_tab)), k_play

        f = jax.jit(jax.vmap(one, in_axes=(0, None, None)))
        return lambda keys, phase, c: f(keys, jnp.int32(phase), jnp.int32(c))

    # -------------------------------------------------------------------- games
    @functools.lru_cache(maxsize=32)
    def pair_fn(self, module: SequenceModel, n_pair: int, horizon: int, spec_x: ImprovementSpec,
                spec_y: ImprovementSpec, noise: float = 0.0) -> Callable:
        """:func:`learners.ppi.play.play_pair` over seeds: ``(params_x, params_y, key, tab_x, tab_y,
        table)``, each with a leading seed axis (the table too: ``(S, 4)``)."""
        def one(px, py, key, tx, ty, table):
            return play_pair(module, px, py, key, tx, ty, table, n_pair=n_pair, horizon=horizon, spec_x=spec_x,
                             spec_y=spec_y, noise=noise)

        return self.vmap_fn(one, 6)

    def policy_fn(self, policy: Any, module: SequenceModel, n_pair: int, horizon: int, spec_x: ImprovementSpec,
                  noise: float = 0.0) -> Callable:
        """:func:`learners.ppi.play.play_vs_policy` over seeds: ``(params_x, key, tab_x, table)``
        with a leading seed axis; the co-player ``policy`` is the same for every seed (cached per
        policy object)."""
        cache = self.__dict__.setdefault("_policy_cache", {})
        k = (id(policy), module, n_pair, horizon, spec_x, noise)
        hit = cache.get(k)
        if hit is None or hit[0] is not policy:
            def one(px, key, tx, table):
                return _play_vs_policy(module, px, key, tx, table, n_pair=n_pair, horizon=horizon, spec_x=spec_x,
                                       policy=policy, noise=noise)

            cache[k] = hit = (policy, self.vmap_fn(one, 4))
        return hit[1]
