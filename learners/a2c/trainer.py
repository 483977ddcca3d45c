"""The A2C :class:`Trainer`: runs (and resumes) a decentralised training run of two GRU learners.

One code path for every scale (presets ``smoke``, ``cpu``, ``paper``):

* two learners, each with its own parameters and Adam state (stacked on a leading axis of
  size 2 and updated with a ``vmap``-ed optimiser so clipping is per learner);
* the pool (:mod:`learners.pool`): mixed (default 50/50), or the ablations ``opponent-id``
  (conditioning vector z) and ``no-tabular`` (learners only meet each other);
* several seeds in one process: the whole iteration (rollout + BPTT loss + both updates) is
  one jitted, seed-``vmap``-ed function (:mod:`learners.a2c.core`); with several JAX devices the
  seed axis is sharded across them (``jax.sharding``, ``NamedSharding(mesh, P("seed"))``);
* the key of iteration ``i`` is ``fold_in(seed_key, i)``, so a run killed and resumed from a
  checkpoint reproduces the uninterrupted run exactly;
* metrics every iteration from the training batch, evaluation every ``eval_every``
  iterations against the co-learner, ALLC, ALLD, TFT and fresh random tabular agents,
  written as xarray/netCDF (:mod:`learners.a2c.results`).

Moved out of ``learners/train_a2c.py`` by issue 23 (that module re-exports every name).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError
from eqtools.validation import dir_path, instance_of, validated

from ..checkpoint import require_finite, write_run_file
from ..pool import is_prior, named_params
from .checkpoint import _pad_metrics, _read_checkpoint, checkpoint_params
from .config import TRAIN_METRICS, TrainConfig
from .core import _cache_key, _fetch, _jit_functions, _jitted, _largest_divisor_at_most, _seed_keys
from .results import TrainerResults

__all__ = ["Trainer", "train"]


class Trainer(TrainerResults):
    """Runs (and resumes) a training run; results go to ``out_dir``.

    Files in ``out_dir``: ``config.json``, ``checkpoint.pkl`` (resumable state),
    ``metrics.nc`` (seed x learner x iteration per training metric), ``eval.nc``
    (seed x learner x iteration x opponent, coop and reward), ``rounds.nc`` (final
    evaluation: seed x learner x opponent x round), ``summary.json``.

    ``init_params`` (optional, leading axes ``(seeds, 2)``) replaces the fresh initial
    parameters of a run that starts without a checkpoint (Adam starts from zeros);
    ``fixed_params`` (leading axis ``seeds``; required iff ``cfg.fixed_opponent`` and no
    ``cfg.fixed_icl``) is the frozen GRU co-player of each seed.  With ``cfg.fixed_icl`` the
    co-player is built from that spec, the same for every seed; ``fixed_policy`` (a jittable
    :class:`~solvers.simulate.Policy`, with ``cfg.fixed_icl = "policy:<label>"``) gives any other one.
    They must be passed again on resume (they are inputs, like the config; the mechanism chain
    reloads them from the earlier steps' checkpoints).
    """

    def __init__(self, cfg: TrainConfig, out_dir: str | Path | None = None, devices: list[Any] | None = None, *,
                 init_params: Any = None, fixed_params: Any = None, fixed_policy: Any = None) -> None:
        self.cfg = instance_of("cfg", cfg, TrainConfig)
        self.out_dir = dir_path("out_dir", out_dir) if out_dir is not None else None
        if fixed_policy is not None:
            from ..coplayers import check_coplayer

            check_coplayer(fixed_policy, "fixed_policy")
            if not cfg.fixed_icl.startswith("policy:"):
                raise ParameterError("fixed_policy needs cfg.fixed_icl = 'policy:<label>' naming it (a spec string such as "
                                     "'bayes' or 'memory-one:TFT' is built by the Trainer itself)")
            if fixed_params is not None:
                raise ParameterError("give the fixed co-player either as fixed_params or as fixed_policy, not both")
            self.agent, (self._init, self._init_sampler), self._step, self._eval = _jit_functions(_cache_key(cfg), fixed_policy)
        elif cfg.fixed_icl.startswith("policy:"):
            raise ParameterError(f"cfg.fixed_icl {cfg.fixed_icl!r} names a policy object: pass it as fixed_policy")
        else:
            self.agent, (self._init, self._init_sampler), self._step, self._eval = _jitted(_cache_key(cfg))
        devices = list(devices if devices is not None else jax.devices())
        n_dev = _largest_divisor_at_most(cfg.seeds, len(devices))
        self.n_devices = n_dev
        if n_dev > 1:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            mesh = Mesh(np.array(devices[:n_dev]), ("seed",))
            self.sharding = NamedSharding(mesh, PartitionSpec("seed"))
        else:
            self.sharding = None
        self.seed_keys = self._put(_seed_keys(cfg))
        self.tab_table = jnp.asarray(named_params(cfg.tabular, cfg.game) if cfg.tabular != "uniform" and not is_prior(cfg.tabular)
                                     else np.zeros((1, 5), np.float32))
        self.params, self.opt_state = self._put(self._init(range(cfg.seed, cfg.seed + cfg.seeds)))
        if init_params is None and cfg.init_from:
            init_params = checkpoint_params(cfg.init_from)[1]
        if init_params is not None:
            _check_tree_like(init_params, self.params, "init_params")
            self.params = self._put(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), init_params))
        if cfg.fixed_icl and fixed_params is not None:
            raise ParameterError(f"cfg.fixed_icl {cfg.fixed_icl!r} is the fixed co-player: do not also pass fixed_params")
        if not cfg.fixed_icl and cfg.fixed_opponent != (fixed_params is not None):
            raise ParameterError("fixed_params must be given exactly when cfg.fixed_opponent is True (and no fixed_icl)")
        if fixed_params is not None:
            one = jax.tree_util.tree_map(lambda x: x[:, 0], self.params)  # (S, ...) one agent per seed
            _check_tree_like(fixed_params, one, "fixed_params")
            fixed_params = self._put(jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), fixed_params))
        self.fixed_params = fixed_params
        #: the regret-prioritised sampler's buffers, leading axes (seeds, 2); () without it
        self.sampler_state: Any = self._put(self._init_sampler(self.seed_keys)) if cfg.sampler is not None else ()
        self.iteration = 0
        self.history: list[np.ndarray] = []  # each (S, 2, M)
        self.eval_iters: list[int] = []
        self.eval_history: list[tuple[np.ndarray, ...]] = []
        self.wall_s = 0.0

    # ------------------------------------------------------------ helpers
    def _put(self, tree: Any) -> Any:
        if self.sharding is None:
            return tree
        return jax.device_put(tree, self.sharding)

    def evaluate(self) -> tuple[np.ndarray, ...]:
        """Evaluate now: coop, reward, co-player coop and co-player reward, each ``(S, 2, O, T)``."""
        out = self._eval(self.params, self.seed_keys, jnp.int32(self.iteration), self.fixed_params)
        return tuple(np.asarray(x) for x in _fetch(out))  # type: ignore[return-value]

    def step(self) -> jnp.ndarray:
        """One training iteration for all seeds; returns device metrics ``(S, 2, M)``."""
        if self.cfg.sampler is not None:
            self.params, self.opt_state, m, self.sampler_state = self._step(
                self.params, self.opt_state, self.seed_keys, jnp.int32(self.iteration), self.tab_table, self.fixed_params,
                self.sampler_state)
        else:
            self.params, self.opt_state, m = self._step(self.params, self.opt_state, self.seed_keys, jnp.int32(self.iteration),
                                                        self.tab_table, self.fixed_params)
        self.iteration += 1
        return m

    # ---------------------------------------------------------- checkpoints
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / "checkpoint.pkl" if self.out_dir is not None else None

    def save_checkpoint(self) -> None:
        """Write the full state (atomically) to ``out_dir/checkpoint.pkl``."""
        if self.checkpoint_path is None:
            return
        state = {
            "config": self.cfg.to_dict(),
            "iteration": self.iteration,
            "params": _fetch(self.params),
            "opt_state": _fetch(self.opt_state),
            "history": self.history,
            "eval_iters": self.eval_iters,
            "eval_history": self.eval_history,
            "wall_s": self.wall_s,
        }
        if self.cfg.sampler is not None:
            state["sampler_state"] = tuple(_fetch(self.sampler_state))
        if jax.process_index() != 0:  # multi-host: every process gathers, process 0 writes
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        write_run_file(self.checkpoint_path, state, what="A2C checkpoint")

    def load_checkpoint(self, path: str | Path | None = None) -> bool:
        """Restore from a checkpoint; returns False if there is none.  The config must match."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None or not path.exists():
            return False
        saved, state = _read_checkpoint(path)
        if saved.result_key() != self.cfg.result_key():
            diff = sorted(k for k in self.cfg.result_key() if saved.result_key().get(k) != self.cfg.result_key()[k])
            raise ParameterError(f"checkpoint {path} was written with a different config (fields {diff}); use another --out")
        self.iteration = int(state["iteration"])
        self.params = self._put(jax.tree_util.tree_map(jnp.asarray, state["params"]))
        self.opt_state = self._put(jax.tree_util.tree_map(jnp.asarray, state["opt_state"]))
        self.history = [_pad_metrics(h) for h in state["history"]]
        self.eval_iters = list(state["eval_iters"])
        self.eval_history = list(state["eval_history"])
        self.wall_s = float(state.get("wall_s", 0.0))
        if self.cfg.sampler is not None:
            if "sampler_state" not in state:
                raise ParameterError(f"checkpoint {path} has no sampler state although its config uses the regret sampler")
            from ..prioritised import SamplerState

            self.sampler_state = self._put(SamplerState(*(jnp.asarray(x) for x in state["sampler_state"])))
        return True

    # ------------------------------------------------------------------ run
    def run(self, progress: bool = True, stop_at: int | None = None, resume: bool = True, evaluate: bool = True,
            max_seconds: float | None = None) -> "Trainer":
        """Train until ``cfg.iterations`` (or ``stop_at``), checkpointing and evaluating on the way.

        ``evaluate=False`` skips the evaluations (and the result files that need them).
        ``max_seconds``: a wall-clock budget for this call; when it runs out the run ends early
        *as if* it had reached its last iteration (final evaluation, result files; the summary
        records the iterations reached), and it can still be resumed and extended later."""
        cfg = self.cfg
        if resume:
            self.load_checkpoint()
        end = cfg.iterations if stop_at is None else min(stop_at, cfg.iterations)
        deadline = None if max_seconds is None else time.perf_counter() + float(max_seconds)
        timed_out = False
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "config.json").write_text(json.dumps(self.cfg.to_dict(), indent=1))
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=cfg.iterations, initial=self.iteration, desc=f"a2c[{cfg.ablation}]", unit="it", mininterval=1.0)
        pending: list[jnp.ndarray] = []
        t0 = time.perf_counter()
        while self.iteration < end:
            if deadline is not None and time.perf_counter() > deadline:
                timed_out = True
                break
            if evaluate and self.iteration % cfg.eval_every == 0 and self.iteration not in self.eval_iters:
                self._record_eval()
            pending.append(self.step())
            if self.iteration % cfg.log_every == 0 or self.iteration == end:
                self.history.extend(self._checked(pending))
                pending = []
                if bar is not None:
                    bar.update(self.iteration - bar.n)
                    bar.set_postfix(self.live_metrics(), refresh=False)
            if self.iteration % cfg.checkpoint_every == 0:
                self.history.extend(self._checked(pending))
                pending = []
                self.wall_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                self.save_checkpoint()
        self.history.extend(self._checked(pending))
        finished = self.iteration == cfg.iterations or timed_out
        self.timed_out = timed_out
        if evaluate and finished and self.iteration not in self.eval_iters:
            self._record_eval()
        self.wall_s += time.perf_counter() - t0
        if bar is not None:
            bar.close()
        if self.out_dir is not None:
            self.save_checkpoint()
            if finished and self.eval_history:
                self.write_results()
        return self

    def _checked(self, pending: list[jnp.ndarray]) -> list[np.ndarray]:
        """Fetch pending metrics; stop the run (:class:`NonFiniteError`, through
        :func:`learners.checkpoint.require_finite`, the one non-finite stop) if a loss, the gradient
        norm or a parameter is non-finite.  Raised before anything is saved, so the last good
        checkpoint stays on disk and no summary is written."""
        new = [np.asarray(x) for x in _fetch(pending)]
        watched = [TRAIN_METRICS.index(m) for m in ("value_loss", "policy_loss", "entropy", "grad_norm")]
        hint = "lower --lr or --reward-scale?"
        for k, m in enumerate(new):
            bad = ~np.isfinite(m[..., watched])
            if bad.any():
                s, l, j = (int(v) for v in np.argwhere(bad)[0])
                name = f"{TRAIN_METRICS[watched[j]]} (seed {self.cfg.seed + s}, learner {l + 1})"
                require_finite({name: m[s, l, watched[j]]}, None, where=f"iteration {self.iteration - len(new) + k + 1} of the A2C run",
                               checkpoint=self.checkpoint_path, hint=hint)
        require_finite({}, self.params, where=f"iteration {self.iteration} of the A2C run", checkpoint=self.checkpoint_path, hint=hint)
        return new

    def _record_eval(self) -> None:
        self.eval_iters.append(self.iteration)
        self.eval_history.append(self.evaluate())


def _check_tree_like(tree: Any, like: Any, name: str) -> None:
    """Raise ParameterError unless ``tree`` has the structure and leaf shapes of ``like``."""
    s1, s2 = jax.tree_util.tree_structure(tree), jax.tree_util.tree_structure(like)
    if s1 != s2:
        raise ParameterError(f"{name} does not have the parameter structure of this config's agent")
    for a, b in zip(jax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(like)):
        if tuple(np.shape(a)) != tuple(np.shape(b)):
            raise ParameterError(f"{name}: leaf shape {tuple(np.shape(a))} != expected {tuple(np.shape(b))} "
                                 "(seeds, hidden and embed sizes must match)")
        if not np.all(np.isfinite(np.asarray(a))):
            raise ParameterError(f"{name} holds non-finite values")


@validated
def train(cfg: TrainConfig, out_dir: str | Path | None = None, progress: bool = True, resume: bool = True) -> Trainer:
    """Build a :class:`Trainer` for ``cfg`` and run it to completion."""
    return Trainer(cfg, out_dir).run(progress=progress, resume=resume)
