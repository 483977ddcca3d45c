"""The PPI runner: pretraining, phases (re-initialise, fit on all data, gather), evaluation.

One code path for every scale (presets ``smoke``, ``cpu``, ``paper``).  A run trains two
learners (two model slots, each its own data and parameters).  Phase ``k = 1 .. phases``:

1. **train** — every trainable learner re-initialises its model ``phi`` (key
   ``fold_in(seed, k, learner)``) and fits it for ``epochs`` epochs on *all* its data so far
   (pretraining set + every earlier phase), AdamW with the paper's settings;
2. **eval** — both learners' improved policies play the co-learner (or the fixed opponent),
   ALLC, ALLD, TFT and fresh U(0,1)^5 tabular agents (per-round curves);
3. **gather** — ``episodes`` new trajectories per learner with the improved policies in the
   pool, appended to each learner's data.

Opponent modes: ``pool`` (default) — the two learners play each other in ``1 - tabular_share``
of their episodes and tabular agents in the rest (``tabular_share = 1``: two independent
learners against tabular agents only, the mechanism's step 1; ``0``: only each other, step 3
and the no-tabular ablation); with a ``fixed`` opponent (a frozen :class:`PPIAgent`, e.g.
the Fixed-ICL of step 2) each learner plays that agent instead of the co-learner.

Ablations (``PPIConfig.ablation``): ``none``; ``no-tabular`` (learners only meet each other,
random-action pretraining); ``opponent-id`` (every episode carries the conditioning vector
``z`` of :func:`learners.pool.opponent_id_vector`: the tabular co-player's log-probabilities,
``0`` against a learning co-player; the model reads it at every step — in the pretraining
games, the gathered data (stored beside the states), the rollouts and the evaluation).

Every stage (each epoch, the evaluation, the gathering) ends with a checkpoint; the keys are
functions of ``(seed, phase, learner, epoch)`` only, so a run killed anywhere and resumed
reproduces the uninterrupted run exactly.

**Seeds.**  ``PPIConfig.seeds = S`` runs seeds ``seed, seed + 1, …, seed + S - 1`` in one
process: the games of all seeds (gathering, evaluation, the rollouts in them) are ``vmap``-ed over
a leading seed axis and the optimiser steps of all seeds are one jitted call (``lax.map`` over the
seeds), with the seed axis split over the JAX devices when there are several
(:mod:`learners.ppi.seeds`).  Seed ``s`` gives exactly the numbers of the one-seed run with seed
``seed + s`` (tested), with its own data store and phase metrics (:class:`SeedRun`,
``runner.per_seed[s]``).  A one-seed run keeps the files and checkpoint of earlier versions; an
``S``-seed run writes one checkpoint for all seeds and each seed's results, data and agents to
``out_dir/seed<seed>/`` (the files of a one-seed run), with ``summary.json`` and the ``.nc``
datasets (with a ``seed`` dimension) of all seeds in ``out_dir``.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError

from ..checkpoint import write_run_file
from ..env import payoff_table
from ..pool import EVAL_OPPONENTS, named_params
from .agent import PPIAgent
from .config import PHASE_METRICS, PPIConfig
from .data import EpisodeStore
from .fit import _fit_key, _require_finite, make_optimizer
from .play import PairRollout
from .results import RunnerResults
from .seed_run import SeedRun
from .seeds import seed_axis, seed_slice, stack_seeds

__all__ = ["PPIRunner"]

_STAGES = ("train", "eval", "gather")

_fold_in_seeds = jax.jit(jax.vmap(jax.random.fold_in, in_axes=(0, None)))
_LOSSES = ("loss", "loss_action", "loss_observation", "loss_reward")


class PPIRunner(RunnerResults):
    """Runs (and resumes) a PPI run with two learner slots and ``cfg.seeds`` seeds; results go to ``out_dir``.

    Parameters
    ----------
    cfg:
        The run's configuration.
    out_dir:
        Where checkpoints, data shards and results go (``None``: in memory only).
    fixed_opponent:
        A frozen :class:`PPIAgent` both learners play instead of each other (mechanism step 2), or
        one per seed (a sequence of ``cfg.seeds`` agents).
    initial_data:
        One :class:`EpisodeStore` per learner to start from instead of fresh pretraining sets
        (mechanism step 3 continues the step-2 learners' data); with several seeds one such pair
        per seed (e.g. another runner's :attr:`seed_data`).
    initial_params:
        The two learners' starting parameters, in the layout of :attr:`params`.
    trainable:
        Which of the two slots learn (default both).
    devices:
        JAX devices for the seed axis (default all).

    Notes
    -----
    Files in ``out_dir``: ``config.json``, ``checkpoint.pkl``, ``data/*.npy`` (int8 shards; under the
    opponent-ID ablation each with a float32 ``*_z.npy`` companion),
    ``phases.nc`` (learner x phase x metric), ``eval.nc`` (learner x phase x opponent),
    ``rounds.nc`` (final evaluation: learner x opponent x round), ``summary.json``,
    ``agent_<i>.pkl`` (final agents).  With several seeds each seed's data, ``.nc`` files, summary
    and agents are in ``seed<seed>/``; ``out_dir`` holds the checkpoint, the config and the ``.nc``
    files and summary of all seeds.

    With one seed the attributes ``params``, ``data``, ``history``, ``eval_history`` are those of
    that seed, as before seeds existed; with several use :attr:`per_seed` (``params`` then has a
    leading seed axis).
    """

    def __init__(self, cfg: PPIConfig, out_dir: str | Path | None = None, *,
                 fixed_opponent: PPIAgent | Sequence[PPIAgent] | None = None,
                 initial_data: Sequence[Any] | None = None, initial_params: Sequence[Any] | None = None,
                 trainable: tuple[bool, bool] = (True, True), label: str = "ppi",
                 devices: Sequence[Any] | None = None) -> None:
        self.cfg = cfg
        self.n_seeds = S = int(cfg.seeds)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.trainable = tuple(bool(t) for t in trainable)
        self.label = label
        initial_data = self._check_initial_data(initial_data)
        if initial_params is not None and len(initial_params) != 2:
            raise ParameterError(f"initial_params must hold one parameter set per learner (2), got {len(initial_params)}")
        if not any(self.trainable):
            raise ParameterError("trainable: at least one learner must learn")
        self.fixed = fixed_opponent
        self._fixed_params: Any = None
        if fixed_opponent is not None:
            self._set_fixed_agents(fixed_opponent)
        for i, t in enumerate(self.trainable):
            if not t and (initial_params is None or initial_params[i] is None):
                raise ParameterError(f"trainable: learner {i + 1} is frozen, so initial_params must give its parameters")
        self.module = cfg.module()
        self.table = payoff_table(cfg.game)
        self.axis = seed_axis(S, devices)
        self._tables = jnp.stack([self.table] * S)
        self._no_tabs = jnp.zeros((S, 0, 5))
        self.per_seed: list[SeedRun] = [SeedRun(self, s) for s in range(S)]
        self._seed_keys = jnp.stack([v.seed_key for v in self.per_seed])
        self._initial_data = initial_data
        # state
        self.phase = 1
        self.stage = "train"
        self.learner = 0  # slot in training
        self.epoch = 0
        self._params: list[Any] = [None, None]  # per learner, leading seed axis
        self._opt: list[Any] = [None, None]
        if initial_params is not None:
            self.params = list(initial_params)
        self.eval_phases: list[int] = []
        self.wall_s = 0.0
        self._loaded = False
        self._started_fresh = initial_params is None

    # ---------------------------------------------------------------- inputs
    def _check_initial_data(self, initial_data: Sequence[Any] | None) -> list[list[EpisodeStore]] | None:
        if initial_data is None:
            return None
        d = list(initial_data)
        if self.n_seeds == 1 and len(d) == 2 and all(isinstance(x, EpisodeStore) for x in d):
            d = [d]
        if len(d) != self.n_seeds or any(isinstance(x, EpisodeStore) or len(x) != 2 for x in d):
            raise ParameterError(f"initial_data must hold one store per learner (2) for each of the {self.n_seeds} "
                                 f"seed(s), got {len(initial_data)} entries")
        if any(getattr(st, "z_dim", 0) != self.cfg.z_dim for pair in d for st in pair):
            raise ParameterError(f"initial_data must keep opponent-ID vectors exactly when the ablation is "
                                 f"'opponent-id' (z_dim {self.cfg.z_dim})")
        return [list(pair) for pair in d]

    def _set_fixed_agents(self, fixed: Any) -> None:
        """A frozen PPI co-player (one for all seeds, or one per seed) as seed-stacked parameters."""
        cfg = self.cfg
        agents = [fixed] * self.n_seeds if isinstance(fixed, PPIAgent) else list(fixed)
        if len(agents) != self.n_seeds or not all(isinstance(a, PPIAgent) for a in agents):
            raise ParameterError(f"fixed_opponent must be a PPIAgent or one per seed ({self.n_seeds}), got {fixed!r}")
        if cfg.opponent_id:
            raise ParameterError("a fixed opponent cannot be combined with the opponent-ID ablation "
                                 "(as for A2C; the mechanism pipeline runs without ablation)")
        if any(a.use_opponent_id for a in agents):
            raise ParameterError("the fixed opponent was trained with the opponent-ID ablation; "
                                 "it cannot play in a run whose learners have no opponent-ID input")
        if any((a.hidden, a.embed) != (cfg.hidden, cfg.embed) for a in agents):
            raise ParameterError("the fixed opponent must have the learners' hidden/embed sizes")
        if len({tuple(a.spec) for a in agents}) != 1:
            raise ParameterError("the fixed opponents of the seeds must act with the same improvement (beta, rollouts)")
        self._fixed_params = stack_seeds([a.params for a in agents])
        self._fixed_spec = agents[0].spec

    @property
    def params(self) -> list[Any]:
        """The two learners' parameters: with one seed as in a one-seed run, with several seeds
        each with a leading seed axis (``None`` before a learner's first fit)."""
        if self.n_seeds == 1:
            return [None if p is None else seed_slice(p, 0) for p in self._params]
        return list(self._params)

    @params.setter
    def params(self, value: Sequence[Any]) -> None:
        if len(value) != 2:
            raise ParameterError(f"params must hold one parameter set per learner (2), got {len(value)}")
        out = []
        for p in value:
            if p is not None:
                p = jax.tree_util.tree_map(jnp.asarray, p)
                if self.n_seeds == 1:
                    p = stack_seeds([p])
                elif any(x.shape[:1] != (self.n_seeds,) for x in jax.tree_util.tree_leaves(p)):
                    raise ParameterError(f"params of a {self.n_seeds}-seed run need a leading seed axis of that size")
            out.append(p)
        self._params = out

    @property
    def _fresh(self) -> list[bool]:
        """Per learner: does this phase train from scratch (first phase without initial params)?"""
        return [self.phase == 1 and self._started_fresh] * 2

    def _prepare_data(self) -> None:
        for s, v in enumerate(self.per_seed):
            v.prepare_data(None if self._initial_data is None else self._initial_data[s])

    # ----------------------------------------------------------- checkpoints
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / "checkpoint.pkl" if self.out_dir is not None else None

    def save_checkpoint(self) -> None:
        """Write ``checkpoint.pkl``: with one seed in the format of one-seed runs before seeds
        existed, with several with per-seed lists and seed-stacked parameters."""
        if self.checkpoint_path is None:
            return
        if any(p is None for v in self.per_seed for st in v.data for p in st.paths):
            raise ParameterError("cannot checkpoint in-memory data shards")
        one = self.n_seeds == 1
        host = lambda t: None if t is None else (seed_slice(jax.device_get(t), 0) if one else jax.device_get(t))  # noqa: E731
        state = {
            "config": self.cfg.to_dict(), "label": self.label, "phase": self.phase, "stage": self.stage,
            "learner": self.learner, "epoch": self.epoch, "params": [host(p) for p in self._params],
            "opt_states": [host(o) for o in self._opt], "eval_phases": self.eval_phases, "wall_s": self.wall_s,
            "trainable": self.trainable,
        }
        # shard paths relative to out_dir, so a run directory (or a whole mechanism chain) can be moved
        per = [v.state(self.out_dir) for v in self.per_seed]
        if one:
            state.update(per[0])
        else:
            state["seeds"] = [v.cfg.seed for v in self.per_seed]
            state.update({k: [p[k] for p in per] for k in per[0]})
        write_run_file(self.checkpoint_path, state)

    def load_checkpoint(self) -> bool:
        """Restore from ``out_dir/checkpoint.pkl``; False if there is none.  The config must match."""
        path = self.checkpoint_path
        if path is None or not path.exists():
            return False
        from eqtools.errors import EqtoolsError, FileFormatError

        from ..checkpoint import Schema, check_param_list, read_run_file

        what = "PPI checkpoint"
        s = read_run_file(path, Schema(what, ("config", "phase", "stage", "learner", "epoch", "params", "opt_states",
                                              "eval_phases", "wall_s"), counters=("phase", "learner", "epoch"),
                                       extra=(lambda p, st: check_param_list(p, st["params"], what=what, key="params"),)))
        try:
            saved = PPIConfig.from_dict(s["config"])
        except (EqtoolsError, TypeError, KeyError, ValueError, AttributeError) as exc:
            raise FileFormatError(f"{what} {str(path)!r} holds an invalid config: {exc}") from None
        if replace(saved, phases=1) != replace(self.cfg, phases=1):
            diff = sorted(k for k, v in self.cfg.to_dict().items() if saved.to_dict().get(k) != v and k != "phases")
            raise ParameterError(f"checkpoint {path} was written with a different config (fields {diff}); use another out_dir")
        self.phase, self.stage, self.learner, self.epoch = s["phase"], s["stage"], s["learner"], s["epoch"]
        one = "seeds" not in s  # one-seed format (also every checkpoint written before seeds existed)
        dev = lambda t: None if t is None else (stack_seeds([t]) if one else jax.tree_util.tree_map(jnp.asarray, t))  # noqa: E731
        self._params = [dev(p) for p in s["params"]]
        self._opt = [dev(o) for o in s["opt_states"]]
        for k, v in enumerate(self.per_seed):
            v.restore(s if one else {key: s[key][k] for key in ("data", "history", "pending", "eval_history")},
                      self.out_dir)
        self.eval_phases = list(s["eval_phases"])
        self.wall_s = float(s["wall_s"])
        return True

    # ------------------------------------------------------------------ stages
    def _train_unit(self) -> None:
        """One epoch of the learner in training for every seed (initialising it at epoch 0)."""
        cfg = self.cfg
        init, step, step_z = self.axis.fit_fns(_fit_key(cfg))
        i = self.learner
        t0 = time.perf_counter()
        if self.epoch == 0:
            for v in self.per_seed:
                v._pending[i, PHASE_METRICS.index("train_s")] = 0.0
            if cfg.reinit or self._params[i] is None:
                keys = jnp.stack([jax.random.fold_in(jax.random.fold_in(v.seed_key, self.phase), i) for v in self.per_seed])
                self._params[i], self._opt[i] = init(keys)
            elif self._opt[i] is None:
                self._opt[i] = jax.vmap(make_optimizer(cfg).init)(self._params[i])
        new_params, new_opt, losses = self._epoch_seeds(step, step_z, self._params[i], self._opt[i], i)
        for s, v in enumerate(self.per_seed):
            where = f"PPI learner {i}, phase {self.phase}, epoch {self.epoch + 1}"
            _require_finite(losses[s], seed_slice(new_params, s), where + (f", seed {v.cfg.seed}" if self.n_seeds > 1 else ""),
                            self.checkpoint_path)
        self._params[i], self._opt[i] = new_params, new_opt
        dt = time.perf_counter() - t0
        for s, v in enumerate(self.per_seed):
            for name, x in zip(_LOSSES, losses[s]):
                v._pending[i, PHASE_METRICS.index(name)] = float(x)
            v._pending[i, PHASE_METRICS.index("train_s")] += dt
        self.epoch += 1
        if self.epoch == self._epochs_now:
            self.epoch = 0
            if cfg.reinit:
                self._opt[i] = None
            nxt = [j for j in range(i + 1, 2) if self.trainable[j]]
            if nxt:
                self.learner = nxt[0]
            else:
                self.learner = 0
                self.stage = "eval"

    def _epoch_seeds(self, step: Any, step_z: Any, params: Any, opt_state: Any, i: int) -> tuple[Any, Any, list[np.ndarray]]:
        """One epoch of learner ``i`` for all seeds: seed ``s`` draws its batches from its own store
        with ``Generator([seed, phase, i, epoch])`` as a one-seed run does; one jitted step per batch
        for all seeds.  Returns the parameters, the optimiser state and per seed the epoch's mean
        losses (total, action, observation, reward)."""
        sizes = {len(v.data[i]) for v in self.per_seed}
        if len(sizes) != 1:
            raise ParameterError(f"the seeds' data of learner {i} differ in size ({sorted(sizes)}); they must be equal")
        its = [v.data[i].batches(self.cfg.batch_size, np.random.default_rng([v.cfg.seed, self.phase, i, self.epoch]))
               for v in self.per_seed]
        losses = []
        for batch in zip(*its):
            if isinstance(batch[0], tuple):  # (states, z): stores with opponent-ID vectors
                params, opt_state, l = step_z(params, opt_state, jnp.asarray(np.stack([b[0] for b in batch])),
                                              jnp.asarray(np.stack([b[1] for b in batch])))
            else:
                params, opt_state, l = step(params, opt_state, jnp.asarray(np.stack(batch)))
            losses.append(l)
        # (batches, S, 4).  The total is the sum of the three parts, added here in the order of the
        # one-seed step, (action + observation) + reward: inside the seed loop XLA may add that scalar
        # sum in another order (1 ulp apart), while the parts and the gradients are the same bits.
        stacked = np.array(jnp.stack(losses))
        stacked[..., 0] = (stacked[..., 1] + stacked[..., 2]) + stacked[..., 3]
        # per seed the mean over batches, as a one-seed run takes it
        return params, opt_state, [np.asarray(jnp.asarray(stacked[:, s]).mean(axis=0)) for s in range(self.n_seeds)]

    @property
    def _epochs_now(self) -> int:
        """Epochs of the learner in training in this phase."""
        if self.cfg.reinit or self._fresh[self.learner]:
            return self.cfg.epochs
        return self.cfg.continue_epochs

    def _play_seeds(self, i: int, keys: jax.Array, tab_x: jax.Array, n_pair: int) -> PairRollout:
        """Learner ``i`` of every seed against its co-learner (or the fixed opponent) in ``n_pair``
        episodes and against ``tab_x (S, n, 5)``; outputs ``(S, T, B)``."""
        cfg = self.cfg
        if self.fixed is not None:
            co, co_spec = self._fixed_params, self._fixed_spec
        else:
            co, co_spec = self._params[1 - i], cfg.spec
        fn = self.axis.pair_fn(self.module, n_pair, cfg.horizon, cfg.spec, co_spec)
        return fn(self._params[i], co, keys, tab_x, self._no_tabs, self._tables)

    def evaluate(self) -> Any:
        """Both learners vs co-learner (or fixed opponent), ALLC, ALLD, TFT, random tabular.

        Returns coop, reward, co-player coop, each ``(2, O, T)`` (NaN rows where a learner has
        no co-learner, i.e. tabular-only runs), and the mean exact best-response value against
        each co-player group ``(2, O)`` (NaN against learners): regret = that minus the reward.
        With several seeds: a list of these, one per seed."""
        out = self._evaluate_seeds()
        return out[0] if self.n_seeds == 1 else out

    def _evaluate_seeds(self) -> list[tuple[np.ndarray, ...]]:
        cfg = self.cfg
        E = cfg.eval_episodes
        has_pair = self.fixed is not None or cfg.share < 1.0
        n_pair = E if has_pair else 0
        named = tuple(tuple(float(x) for x in row) for row in np.asarray(named_params(EVAL_OPPONENTS, cfg.game)))
        inputs = self.axis.eval_inputs_fn(E, named)(self._seed_keys, self.phase)
        outs: list[list[tuple]] = [[] for _ in self.per_seed]
        for i, (tabs, plays) in enumerate(inputs):
            states = np.asarray(self._play_seeds(i, plays, tabs, n_pair).states_x)
            tab = np.asarray(tabs)
            for s, v in enumerate(self.per_seed):
                outs[s].append(v.eval_rows(states[s], tab[s], n_pair, has_pair))
        return [tuple(np.stack([o[k] for o in out]) for k in range(4)) for out in outs]  # type: ignore[misc]

    def _eval_unit(self) -> None:
        evals = self._evaluate_seeds()
        self.eval_phases.append(self.phase)
        for v, e in zip(self.per_seed, evals):
            v.eval_history.append(e)
        self.stage = "gather"

    def gather(self, return_z: bool = False) -> Any:
        """New trajectories ``(episodes, T)`` per learner with the current improved policies, and
        the phase metrics (stored in the pending row).

        ``return_z``: also return, per learner, the episodes' opponent-ID vectors ``(episodes, 10)``
        float32 in the same order (zeros for the pair episodes; ``None`` without the ablation).
        With several seeds: a list of these, one per seed."""
        out = [r if return_z else r[0] for r in self._gather_seeds()]
        return out[0] if self.n_seeds == 1 else out

    def _gather_seeds(self) -> list[tuple[list[np.ndarray], list[np.ndarray | None]]]:
        cfg = self.cfg
        pool = cfg.pool
        n_t, n_ll = pool.n_tabular, pool.n_learner
        chunks = max(1, -(-cfg.episodes // cfg.gather_chunk))
        sizes_t = np.diff(np.linspace(0, n_t, chunks + 1).round().astype(int))
        sizes_l = np.diff(np.linspace(0, n_ll, chunks + 1).round().astype(int))
        res: list[dict[int, list[tuple]]] = [{0: [], 1: []} for _ in self.per_seed]
        for c in range(chunks):
            tab_all, plays = self.axis.gather_inputs_fn(pool, int(sizes_t[c]))(self._seed_keys, self.phase, c)  # (S, 2, n, 5)
            nl = int(sizes_l[c])
            if self.fixed is None:
                fn = self.axis.pair_fn(self.module, nl, cfg.horizon, cfg.spec, cfg.spec)
                r = fn(self._params[0], self._params[1], plays, tab_all[:, 0], tab_all[:, 1], self._tables)
                per = {0: (r.states_x, r.prior_x), 1: (r.states_y, r.prior_y)}
            else:
                per = {}
                for i in range(2):
                    if self.trainable[i]:
                        r = self._play_seeds(i, _fold_in_seeds(plays, i), tab_all[:, i], nl)
                        per[i] = (r.states_x, r.prior_x)
            for i, (st, pr) in per.items():
                st, pr = np.asarray(st), np.asarray(pr)
                for s in range(self.n_seeds):
                    res[s][i].append((st[s].T, pr[s].T, nl, tab_all[s, i]))
        return [v.gather_finish(r) for v, r in zip(self.per_seed, res)]

    def _gather_unit(self) -> None:
        t0 = time.perf_counter()
        gathered = self._gather_seeds()
        dt = time.perf_counter() - t0
        for v, (new, new_z) in zip(self.per_seed, gathered):
            v.add_gathered(new, new_z, self.phase, dt)
        self.phase += 1
        self.stage = "train"
        self.learner = next(j for j in range(2) if self.trainable[j])

    def _unit(self) -> None:
        if self.stage == "train":
            self._train_unit()
        elif self.stage == "eval":
            self._eval_unit()
        else:
            self._gather_unit()

    @property
    def done(self) -> bool:
        return self.phase > self.cfg.phases

    def _units_total(self) -> int:
        cfg = self.cfg
        if cfg.reinit:
            return cfg.phases * (cfg.epochs * sum(self.trainable) + 2)
        first = cfg.epochs if self._started_fresh else cfg.continue_epochs
        return (first + (cfg.phases - 1) * cfg.continue_epochs) * sum(self.trainable) + 2 * cfg.phases

    def _units_done(self) -> int:
        cfg = self.cfg
        n_tr = sum(self.trainable)
        if cfg.reinit:
            per = [cfg.epochs * n_tr + 2] * (self.phase - 1)
        else:
            per = [((cfg.epochs if (k == 1 and self._started_fresh) else cfg.continue_epochs) * n_tr + 2)
                   for k in range(1, self.phase)]
        base = sum(per)
        if self.done:
            return base
        if self.stage == "train":
            before = sum(1 for j in range(self.learner) if self.trainable[j])
            return base + before * self._epochs_now + self.epoch
        return base + self._epochs_now * n_tr + (0 if self.stage == "eval" else 1)

    # ------------------------------------------------------------------ run
    def run(self, progress: bool = True, resume: bool = True, max_units: int | None = None) -> "PPIRunner":
        """Run until all phases are done (or ``max_units`` stages — epochs, evals, gathers — have run).

        A checkpoint is written after every stage, so an interrupted run resumes where it stopped.
        """
        if resume and not self._loaded:
            self.load_checkpoint()
        self._loaded = True
        if self.learner == 0 and not self.trainable[0] and self.stage == "train" and self.epoch == 0:
            self.learner = 1
        if not any(self.trainable):
            raise ParameterError("trainable: at least one learner must learn")
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "config.json").write_text(json.dumps(self.cfg.to_dict(), indent=1))
        self._prepare_data()
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self._units_total(), initial=self._units_done(), desc=f"ppi[{self.label}]" + (f" x{self.n_seeds} seeds" if self.n_seeds > 1 else ""), unit="stage",
                       mininterval=1.0)
        n = 0
        while not self.done and (max_units is None or n < max_units):
            t0 = time.perf_counter()
            self._unit()
            self.wall_s += time.perf_counter() - t0
            n += 1
            self.save_checkpoint()
            if bar is not None:
                bar.update(self._units_done() - bar.n if not self.done else bar.total - bar.n)
                bar.set_postfix(self.live_metrics(), refresh=False)
        if bar is not None:
            bar.close()
        if self.done and self.out_dir is not None:
            self.write_results()
        return self
