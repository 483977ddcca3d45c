"""Mutation–selection in the continuous memory-one space (rare mutations, exact payoffs).

A monomorphic population of ``N`` individuals uses a *resident* memory-one strategy.  Each
step one mutant is drawn — uniformly from ``U(0, 1)^5``, or as a local perturbation of the
resident (Gaussian, reflected into [0, 1]), or with probability ``pool_prob`` from a fixed
pool (e.g. projections of learned agents) — and replaces the resident with its exact
fixation probability (:mod:`solvers.evolution.finite`; the four payoffs resident/mutant come
from the exact ``jnp_visits_*`` primitives of :mod:`solvers.payoffs`, with execution noise
applied exactly as ``p -> eps + (1 - 2 eps) p``).  This is the standard rare-mutation
("sequential fixation") process of e.g. Stewart & Plotkin (2013) and Hilbe et al. (2013).

Thousands of independent runs are one jitted, ``vmap``-ed scan; run ``i`` has key
``fold_in(PRNGKey(seed), i)`` and block keys ``fold_in(run_key, record)``, so run ``i`` is the
same whatever the number of runs and however runs are sharded over devices (with several JAX devices the run axis is
sharded, ``NamedSharding(mesh, P("run"))``, as the A2C seeds are in ``learners.a2c.trainer``).

Output: an ``xarray.Dataset`` with the resident strategy, its self-play cooperation and
payoff (under noise), and its least-squares ZD fit (``chi``, ``kappa``, relative residual)
at every ``record_every``-th step.

Limit of means: ``jnp_visits_stationary`` is exact for irreducible chains — always the case
with noise ``> 0`` or with interior strategies.  With ``noise = 0`` the initial resident and
the pool must be interior (checked up front, :class:`ParameterError`); uniform and local
mutants are interior with probability one.  Any fixation probability that still comes out
non-finite is counted in ``attrs["invalid_fixations"]`` and treated as rejection.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Annotated, Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import PARAM_NAMES
from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise, validate_probabilities
from eqtools.validation import Interval, MaxSize, OneOf, Positive, Probability, Seed, float_array, validate_fields
from solvers.payoffs import check_gamma, check_horizon

from . import _jax as K
from .finite import check_population, check_process

__all__ = ["EvolutionConfig", "evolve", "zd_fit_batch"]

CRITERIA = ("limit", "finite", "discounted")
MUTATIONS = ("uniform", "local")


@dataclass(frozen=True)
class EvolutionConfig:
    """Settings of a mutation–selection study (see the module docstring).

    ``selection`` is ``beta`` for ``fermi`` / ``moran-exp`` and ``w`` for ``moran``.
    ``initial``: ``"random"`` (one U(0,1)^5 resident per run, seeded) or a 5-vector.
    """

    game: str | tuple[float, float, float, float] = "paper"
    N: Annotated[int, Interval(2, math.inf)] = 100
    process: Annotated[str, OneOf("fermi", "moran", "moran-exp")] = "fermi"
    selection: float = 1.0
    criterion: Annotated[str, OneOf(*CRITERIA)] = "limit"
    n: int | None = None
    gamma: float | None = None
    noise: float = 0.0
    mutation: Annotated[str, OneOf(*MUTATIONS)] = "uniform"
    sigma: Annotated[float, Positive] = 0.05
    steps: Annotated[int, Positive, MaxSize(10**9, "use fewer steps")] = 10_000
    runs: Annotated[int, Positive, MaxSize(10**6, "use fewer runs")] = 100
    record_every: Annotated[int, Positive] = 100
    seed: Annotated[int, Seed] = 0
    initial: str | tuple[float, ...] = "random"
    pool: tuple[tuple[float, ...], ...] = ()
    pool_names: tuple[str, ...] = ()
    pool_prob: Annotated[float, Probability] = 0.0

    def game_obj(self) -> Game:
        if isinstance(self.game, str):
            return preset(self.game)
        if isinstance(self.game, (bytes, bool)) or not hasattr(self.game, "__len__") or len(self.game) != 4:
            raise ParameterError(f"game must be a preset name or four payoffs (R, S, T, P), got {self.game!r}")
        return Game(*self.game, name="custom")

    def validate(self) -> "EvolutionConfig":
        """Check every field (types and ranges from the annotations, then the cross-field rules);
        returns ``self``.  Raises :class:`~eqtools.errors.ParameterError` / ``GameError`` naming the field."""
        validate_fields(self)
        self.game_obj()  # unknown preset names, wrong length, NaN or string payoffs
        check_population(self.N)
        check_process(self.process, self.selection)
        if self.criterion not in CRITERIA:
            raise ParameterError(f"criterion must be one of {CRITERIA}, got {self.criterion!r}")
        if self.criterion == "finite":
            check_horizon(self.n)
        if self.criterion == "discounted":
            check_gamma(self.gamma)
        validate_noise(self.noise)
        if self.mutation not in MUTATIONS:
            raise ParameterError(f"mutation must be one of {MUTATIONS}, got {self.mutation!r}")
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise ParameterError(f"sigma (local mutation scale) must be > 0, got {self.sigma}")
        for name in ("steps", "runs", "record_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ParameterError(f"{name} must be a positive integer, got {v!r}")
        if self.steps % self.record_every:
            raise ParameterError(f"steps ({self.steps}) must be a multiple of record_every ({self.record_every})")
        if not (0.0 <= self.pool_prob <= 1.0):
            raise ParameterError(f"pool_prob must lie in [0, 1], got {self.pool_prob}")
        if self.pool_prob > 0 and not self.pool:
            raise ParameterError("pool_prob > 0 needs a non-empty pool of mutant strategies")
        if self.pool:
            validate_probabilities(np.asarray(self.pool, dtype=float), what="pool")
            if self.pool_names and len(self.pool_names) != len(self.pool):
                raise ParameterError(f"pool_names: expected {len(self.pool)} names, got {len(self.pool_names)}")
            if self.pool_names and len(set(self.pool_names)) != len(self.pool_names):
                raise ParameterError(f"pool_names must be distinct, got {list(self.pool_names)}")
        if not (isinstance(self.initial, str) and self.initial == "random"):
            if isinstance(self.initial, str):
                raise ParameterError(f"initial must be 'random' or a 5-vector, got {self.initial!r}")
            validate_probabilities(np.asarray(self.initial, dtype=float), what="initial")
        if self.criterion == "limit" and self.noise == 0.0:
            pts = []
            if not isinstance(self.initial, str):
                pts.append(("initial", np.asarray(self.initial, dtype=float)))
            if self.pool:
                pts.append(("pool", np.asarray(self.pool, dtype=float)))
            for what, arr in pts:
                if np.any((arr[..., 1:] <= 0) | (arr[..., 1:] >= 1)):
                    raise ParameterError(
                        f"{what}: with criterion='limit' and noise=0 the strategies must be interior "
                        "(every p_CC..p_DD strictly in (0, 1)) so that the limit of means does not depend on "
                        "the opening; give noise > 0 or use criterion 'finite' / 'discounted'"
                    )
        return self

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def zd_fit_batch(params: Any, game: Game | str) -> dict[str, np.ndarray]:
    """Least-squares ZD fit of many strategies at once (same model as :func:`solvers.zd.fit_zd`).

    Returns ``chi``, ``kappa``, ``phi`` and ``relative_residual`` arrays over the leading axes.
    """
    g = preset(game)
    p = float_array("params", params, last=5)
    X = np.stack([g.payoffs, g.payoffs_coplayer, np.ones(4)], axis=1)
    pt = p[..., 1:] - np.array([1.0, 1.0, 0.0, 0.0])
    coef = pt @ np.linalg.pinv(X).T  # (..., 3)
    alpha, beta, gam = coef[..., 0], coef[..., 1], coef[..., 2]
    resid = np.linalg.norm(pt - coef @ X.T, axis=-1)
    norm = np.linalg.norm(pt, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.where(np.abs(alpha) > 1e-12, -beta / alpha, np.nan)
        kappa = np.where(np.abs(alpha + beta) > 1e-12, -gam / (alpha + beta), np.nan)
        rel = np.where(norm > 0, resid / norm, 0.0)
    return {"chi": chi, "kappa": kappa, "phi": alpha, "relative_residual": rel}


def _devices_sharding(runs: int, devices: Sequence[Any] | None):
    devs = list(devices if devices is not None else jax.devices())
    n_dev = max(d for d in range(1, min(runs, len(devs)) + 1) if runs % d == 0)
    if n_dev <= 1:
        return None, 1
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(devs[:n_dev]), ("run",))
    return NamedSharding(mesh, PartitionSpec("run")), n_dev


@partial(jax.jit, static_argnames=("spec",))
def _advance(res, run_keys, record, payoffs, pool, dyn, spec):
    """Run ``record_every`` steps for every run; returns new residents, fixations, invalid count.

    ``spec`` (static, one compilation each): N, process, criterion, n, mutation, record_every,
    use_pool; ``dyn`` (traced): selection, noise, sigma, pool_prob, gamma.
    """
    (N, process, criterion, n, mutation, record_every, use_pool) = spec
    selection, eps, sigma, pool_prob, gamma = dyn

    def one_run(r0, key):
        # All randomness of this record block drawn at once (one PRNG call site compiles fast).
        kb = jax.random.fold_in(key, record)
        U = jax.random.uniform(kb, (record_every, 8), dtype=r0.dtype)
        if mutation == "local":
            Z = jax.random.normal(jax.random.fold_in(kb, 1), (record_every, 5), dtype=r0.dtype)
        else:
            Z = U[:, :5]

        def step(r, uz):
            u, z = uz
            if mutation == "uniform":
                m = u[:5]
            else:
                x = jnp.mod(r + sigma * z, 2.0)
                m = jnp.where(x > 1.0, 2.0 - x, x)  # reflected into [0, 1]
            if use_pool:
                idx = jnp.minimum((u[7] * pool.shape[0]).astype(jnp.int32), pool.shape[0] - 1)
                m = jnp.where(u[6] < pool_prob, pool[idx], m)
            a = K.pair_payoffs(r, m, eps, payoffs, criterion, n, gamma)
            lr = K.log_fixation(*a, N, process, selection)
            ok = jnp.isfinite(lr)
            accept = ok & (jnp.log(u[5]) < lr)
            return jnp.where(accept, m, r), (accept, ~ok)

        r1, (acc, bad) = jax.lax.scan(step, r0, (U, Z))
        return r1, acc.sum(), bad.sum()

    return jax.vmap(one_run)(res, run_keys)


@partial(jax.jit, static_argnames=("criterion", "n"))
def _self_play(res, eps, payoffs, criterion, n, gamma):  # gamma traced
    r = K.noisy(res, eps)
    v = K.visits(r, r, criterion, n, gamma)
    return v @ payoffs, v[..., 0] + v[..., 1]


def evolve(config: EvolutionConfig, *, devices: Sequence[Any] | None = None, progress: bool = False) -> Any:
    """Run ``config.runs`` independent mutation–selection chains; return an ``xarray.Dataset``.

    Dimensions ``run``, ``time`` (step count, ``0, record_every, ..., steps``) and ``param``.
    Variables: ``resident`` (intended strategy), ``cooperation`` and ``payoff`` (self-play of the
    resident under noise, per round), ``chi``, ``kappa``, ``zd_residual`` (least-squares ZD fit of
    the resident, :func:`zd_fit_batch`) and ``fixations`` (accepted mutants per run).
    """
    import xarray as xr

    if not isinstance(config, EvolutionConfig):
        raise ParameterError(f"config must be an EvolutionConfig, got {type(config).__name__}")
    if devices is not None and (isinstance(devices, (str, bytes)) or not hasattr(devices, "__iter__")
                                or not devices or not all(hasattr(d, "platform") for d in devices)):
        raise ParameterError(f"devices must be a sequence of JAX devices, got {devices!r}"[:300])
    cfg = config.validate()
    g = cfg.game_obj()
    t0 = time.perf_counter()
    with jax.enable_x64(True):
        dtype = jnp.float64
        sharding, n_dev = _devices_sharding(cfg.runs, devices)
        base = jax.random.PRNGKey(cfg.seed)
        run_keys = jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(cfg.runs))
        if isinstance(cfg.initial, str):
            res = jax.vmap(lambda k: jax.random.uniform(jax.random.fold_in(k, 2**31 - 1), (5,), dtype=dtype))(run_keys)
        else:
            res = jnp.broadcast_to(jnp.asarray(cfg.initial, dtype=dtype), (cfg.runs, 5))
        if sharding is not None:
            run_keys, res = jax.device_put(run_keys, sharding), jax.device_put(res, sharding)
        payoffs = jnp.asarray(g.payoffs, dtype=dtype)
        pool = jnp.asarray(np.asarray(cfg.pool, dtype=float).reshape(-1, 5) if cfg.pool else np.zeros((1, 5)), dtype=dtype)
        spec = (int(cfg.N), cfg.process, cfg.criterion, None if cfg.n is None else int(cfg.n), cfg.mutation,
                int(cfg.record_every), bool(cfg.pool_prob > 0))
        dyn = tuple(jnp.asarray(x, dtype=dtype) for x in (cfg.selection, cfg.noise, cfg.sigma, cfg.pool_prob,
                                                           0.5 if cfg.gamma is None else cfg.gamma))
        n_rec = cfg.steps // cfg.record_every
        n_arg = None if cfg.n is None else int(cfg.n)

        def stats(r):  # same shape every record: compiled once
            pay_, coop_ = _self_play(r, dyn[1], payoffs, cfg.criterion, n_arg, dyn[4])
            return np.asarray(pay_), np.asarray(coop_)

        hist = [np.asarray(res)]
        st = [stats(res)]
        fix = np.zeros(cfg.runs, dtype=np.int64)
        bad = 0
        rng = range(n_rec)
        if progress:
            from tqdm.auto import tqdm

            rng = tqdm(rng, desc=f"evolve {cfg.runs} runs", unit="rec")
        for rec in rng:
            res, acc, b = _advance(res, run_keys, jnp.int32(rec), payoffs, pool, dyn, spec)
            hist.append(np.asarray(res))
            st.append(stats(res))
            fix += np.asarray(acc)
            bad += int(np.asarray(b).sum())
        H = np.stack(hist, axis=1)  # (runs, T, 5)
        pay = np.stack([x[0] for x in st], axis=1)
        coop = np.stack([x[1] for x in st], axis=1)
    zd = zd_fit_batch(H, g)
    wall = time.perf_counter() - t0
    times = np.arange(n_rec + 1) * cfg.record_every
    ds = xr.Dataset(
        {
            "resident": (("run", "time", "param"), H),
            "cooperation": (("run", "time"), coop),
            "payoff": (("run", "time"), pay),
            "chi": (("run", "time"), zd["chi"]),
            "kappa": (("run", "time"), zd["kappa"]),
            "zd_residual": (("run", "time"), zd["relative_residual"]),
            "fixations": (("run",), fix),
        },
        coords={"run": np.arange(cfg.runs), "time": times, "param": list(PARAM_NAMES)},
        attrs={
            "config": cfg.to_json(),
            "game": f"{g.name} R={g.R:g} S={g.S:g} T={g.T:g} P={g.P:g}",
            "invalid_fixations": int(bad),
            "method": "exact fixation probabilities from exact memory-one payoffs (rare-mutation process)",
            "wall_s": float(wall),
            "devices": int(n_dev),
            "backend": jax.default_backend(),
        },
    )
    return ds
