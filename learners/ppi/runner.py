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
"""

from __future__ import annotations

import json
import os
import pickle
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError

from ..env import payoff_table
from ..networks import OPPONENT_ID_DIM
from ..pool import EVAL_OPPONENTS, named_params, opponent_id_vector, sample_tabular
from .agent import PPIAgent
from .config import PHASE_METRICS, PPIConfig
from .data import EpisodeStore, pretraining_states
from .fit import _epoch, _fit_fns, _fit_key, _require_finite, make_optimizer
from .play import ImprovementSpec, PairRollout, play_pair
from .results import RunResults, _pad_phase_row

__all__ = ["PPIRunner"]

_STAGES = ("train", "eval", "gather")


class PPIRunner(RunResults):
    """Runs (and resumes) a PPI run with two learner slots; results go to ``out_dir``.

    Parameters
    ----------
    cfg:
        The run's configuration.
    out_dir:
        Where checkpoints, data shards and results go (``None``: in memory only).
    fixed_opponent:
        A frozen :class:`PPIAgent` both learners play instead of each other (mechanism step 2).
    initial_data:
        One :class:`EpisodeStore` per learner to start from instead of fresh pretraining sets
        (mechanism step 3 continues the step-2 learners' data).
    trainable:
        Which of the two slots learn (default both).

    Notes
    -----
    Files in ``out_dir``: ``config.json``, ``checkpoint.pkl``, ``data/*.npy`` (int8 shards; under the
    opponent-ID ablation each with a float32 ``*_z.npy`` companion),
    ``phases.nc`` (learner x phase x metric), ``eval.nc`` (learner x phase x opponent),
    ``rounds.nc`` (final evaluation: learner x opponent x round), ``summary.json``,
    ``agent_<i>.pkl`` (final agents).
    """

    def __init__(self, cfg: PPIConfig, out_dir: str | Path | None = None, *, fixed_opponent: PPIAgent | None = None,
                 initial_data: Sequence[EpisodeStore] | None = None, initial_params: Sequence[Any] | None = None,
                 trainable: tuple[bool, bool] = (True, True), label: str = "ppi") -> None:
        self.cfg = cfg
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.fixed = fixed_opponent
        self.trainable = tuple(bool(t) for t in trainable)
        self.label = label
        if initial_data is not None and len(initial_data) != 2:
            raise ParameterError(f"initial_data must hold one store per learner (2), got {len(initial_data)}")
        if initial_params is not None and len(initial_params) != 2:
            raise ParameterError(f"initial_params must hold one parameter set per learner (2), got {len(initial_params)}")
        if not any(self.trainable):
            raise ParameterError("trainable: at least one learner must learn")
        if fixed_opponent is not None and cfg.opponent_id:
            raise ParameterError("a fixed opponent cannot be combined with the opponent-ID ablation "
                                 "(as for A2C; the mechanism pipeline runs without ablation)")
        if fixed_opponent is not None and fixed_opponent.use_opponent_id:
            raise ParameterError("the fixed opponent was trained with the opponent-ID ablation; "
                                 "it cannot play in a run whose learners have no opponent-ID input")
        if initial_data is not None and any(getattr(d, "z_dim", 0) != cfg.z_dim for d in initial_data):
            raise ParameterError(f"initial_data must keep opponent-ID vectors exactly when the ablation is "
                                 f"'opponent-id' (z_dim {cfg.z_dim})")
        for i, t in enumerate(self.trainable):
            if not t and (initial_params is None or initial_params[i] is None):
                raise ParameterError(f"trainable: learner {i + 1} is frozen, so initial_params must give its parameters")
        self.module = cfg.module()
        self.table = payoff_table(cfg.game)
        self.seed_key = jax.random.PRNGKey(cfg.seed)
        self._initial_data = initial_data
        # state
        self.phase = 1
        self.stage = "train"
        self.learner = 0  # slot in training
        self.epoch = 0
        self.params: list[Any] = list(initial_params) if initial_params is not None else [None, None]
        self.opt_states: list[Any] = [None, None]
        self.data: list[EpisodeStore] = []
        self.history: list[np.ndarray] = []  # per finished phase: (2, M)
        self._pending = np.full((2, len(PHASE_METRICS)), np.nan)
        self.eval_phases: list[int] = []
        self.eval_history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.wall_s = 0.0
        self._loaded = False
        self._started_fresh = initial_params is None

    @property
    def _fresh(self) -> list[bool]:
        """Per learner: does this phase train from scratch (first phase without initial params)?"""
        return [self.phase == 1 and self._started_fresh] * 2

    # ------------------------------------------------------------------ data
    def _prepare_data(self) -> None:
        if self.data:
            return
        if self._initial_data is not None:
            self.data = [d.copy() for d in self._initial_data]
            return
        for i in range(2):
            st = EpisodeStore(self.cfg.horizon, self.cfg.z_dim)
            key = jax.random.fold_in(jax.random.fold_in(self.seed_key, 0x9E7), i)
            if self.cfg.opponent_id:
                # the same games; the learner's sequence gets the z of its co-player (player Y)
                states, co = pretraining_states(key, self.cfg.pretrain_games, self.cfg.pretrain_kind, self.cfg.horizon,
                                                self.cfg.game, with_coplayer=True)
                st.add(states, self._shard_path(i, 0), z=np.asarray(opponent_id_vector(jnp.asarray(co))))
            else:
                states = pretraining_states(key, self.cfg.pretrain_games, self.cfg.pretrain_kind, self.cfg.horizon,
                                            self.cfg.game)
                st.add(states, self._shard_path(i, 0))
            self.data.append(st)

    def _shard_path(self, learner: int, phase: int) -> Path | None:
        if self.out_dir is None:
            return None
        return self.out_dir / "data" / f"learner{learner}_phase{phase:03d}.npy"

    # ----------------------------------------------------------- checkpoints
    @property
    def checkpoint_path(self) -> Path | None:
        return self.out_dir / "checkpoint.pkl" if self.out_dir is not None else None

    def save_checkpoint(self) -> None:
        if self.checkpoint_path is None:
            return
        if any(p is None for st in self.data for p in st.paths):
            raise ParameterError("cannot checkpoint in-memory data shards")
        state = {
            "config": self.cfg.to_dict(), "label": self.label, "phase": self.phase, "stage": self.stage,
            "learner": self.learner, "epoch": self.epoch, "params": jax.device_get(self.params),
            "opt_states": jax.device_get(self.opt_states),
            # shard paths relative to out_dir, so a run directory (or a whole mechanism chain) can be moved
            "data": [[os.path.relpath(p, self.out_dir) for p in st.paths] for st in self.data],
            "history": self.history, "pending": self._pending, "eval_phases": self.eval_phases,
            "eval_history": self.eval_history, "wall_s": self.wall_s, "trainable": self.trainable,
        }
        tmp = self.checkpoint_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh)
        os.replace(tmp, self.checkpoint_path)

    def load_checkpoint(self) -> bool:
        """Restore from ``out_dir/checkpoint.pkl``; False if there is none.  The config must match."""
        path = self.checkpoint_path
        if path is None or not path.exists():
            return False
        with open(path, "rb") as fh:
            s = pickle.load(fh)
        saved = PPIConfig.from_dict(s["config"])
        if replace(saved, phases=1) != replace(self.cfg, phases=1):
            diff = sorted(k for k, v in self.cfg.to_dict().items() if s["config"].get(k) != v and k != "phases")
            raise ParameterError(f"checkpoint {path} was written with a different config (fields {diff}); use another out_dir")
        self.phase, self.stage, self.learner, self.epoch = s["phase"], s["stage"], s["learner"], s["epoch"]
        self.params = [None if p is None else jax.tree_util.tree_map(jnp.asarray, p) for p in s["params"]]
        self.opt_states = [None if o is None else jax.tree_util.tree_map(jnp.asarray, o) for o in s["opt_states"]]
        self.data = [EpisodeStore.from_paths(self.cfg.horizon, [os.path.normpath(self.out_dir / p) if not os.path.isabs(p) else p
                                                                for p in paths], self.cfg.z_dim) for paths in s["data"]]
        self.history = [_pad_phase_row(h) for h in s["history"]]
        self._pending = _pad_phase_row(s["pending"])
        self.eval_phases = list(s["eval_phases"])
        self.eval_history = list(s["eval_history"])
        self.wall_s = float(s["wall_s"])
        return True

    # ------------------------------------------------------------------ stages
    def _train_unit(self) -> None:
        """One epoch of the learner in training (initialising it at epoch 0)."""
        cfg = self.cfg
        init, step = _fit_fns(*_fit_key(cfg))
        i = self.learner
        t0 = time.perf_counter()
        if self.epoch == 0:
            self._pending[i, PHASE_METRICS.index("train_s")] = 0.0
            if cfg.reinit or self.params[i] is None:
                key = jax.random.fold_in(jax.random.fold_in(self.seed_key, self.phase), i)
                self.params[i], self.opt_states[i] = init(key)
            elif self.opt_states[i] is None:
                self.opt_states[i] = make_optimizer(cfg).init(self.params[i])
        new_params, new_opt, losses = _epoch(step, self.params[i], self.opt_states[i], self.data[i],
                                             cfg.batch_size, [cfg.seed, self.phase, i, self.epoch])
        _require_finite(losses, new_params, f"PPI learner {i}, phase {self.phase}, epoch {self.epoch + 1}",
                        self.checkpoint_path)
        self.params[i], self.opt_states[i] = new_params, new_opt
        for name, v in zip(("loss", "loss_action", "loss_observation", "loss_reward"), losses):
            self._pending[i, PHASE_METRICS.index(name)] = float(v)
        self._pending[i, PHASE_METRICS.index("train_s")] += time.perf_counter() - t0
        self.epoch += 1
        if self.epoch == self._epochs_now:
            self.epoch = 0
            if cfg.reinit:
                self.opt_states[i] = None
            nxt = [j for j in range(i + 1, 2) if self.trainable[j]]
            if nxt:
                self.learner = nxt[0]
            else:
                self.learner = 0
                self.stage = "eval"

    @property
    def _epochs_now(self) -> int:
        """Epochs of the learner in training in this phase."""
        if self.cfg.reinit or self._fresh[self.learner]:
            return self.cfg.epochs
        return self.cfg.continue_epochs

    def _co_agent(self, i: int) -> tuple[Any, ImprovementSpec]:
        if self.fixed is not None:
            return self.fixed.params, self.fixed.spec
        return self.params[1 - i], self.cfg.spec

    def _play(self, i: int, key: jax.Array, tab_x: jax.Array, n_pair: int) -> PairRollout:
        co_params, co_spec = self._co_agent(i)
        if self.fixed is not None and (self.fixed.hidden, self.fixed.embed) != (self.cfg.hidden, self.cfg.embed):
            raise ParameterError("the fixed opponent must have the learners' hidden/embed sizes")
        return play_pair(self.module, self.params[i], co_params, key, tab_x, jnp.zeros((0, 5)), self.table,
                         n_pair=n_pair, horizon=self.cfg.horizon, spec_x=self.cfg.spec, spec_y=co_spec)

    def evaluate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Both learners vs co-learner (or fixed opponent), ALLC, ALLD, TFT, random tabular.

        Returns coop, reward, co-player coop, each ``(2, O, T)`` (NaN rows where a learner has
        no co-learner, i.e. tabular-only runs), and the mean exact best-response value against
        each co-player group ``(2, O)`` (NaN against learners): regret = that minus the reward."""
        from ..regret import br_values

        cfg = self.cfg
        E = cfg.eval_episodes
        fixed = jnp.repeat(jnp.asarray(named_params(EVAL_OPPONENTS, cfg.game)), E, axis=0)
        has_pair = self.fixed is not None or cfg.share < 1.0
        n_pair = E if has_pair else 0
        outs = []
        for i in range(2):
            key = jax.random.fold_in(jax.random.fold_in(self.seed_key, 0xE7A1), self.phase * 2 + i)
            k_tab, k_play = jax.random.split(key)
            tab = jnp.concatenate([fixed, jax.random.uniform(k_tab, (E, 5))])
            r = self._play(i, k_play, tab, n_pair)
            s = np.asarray(r.states_x).astype(np.int64)  # (T, B)
            own_c = (s // 2 == 0).astype(np.float64)
            co_c = (s % 2 == 0).astype(np.float64)
            rew = np.asarray(self.table)[s]
            brv = br_values(np.asarray(tab, np.float64), cfg.game, cfg.horizon)
            c_rows, r_rows, o_rows, b_rows = [], [], [], []
            segs = ([(0, E)] if has_pair else [None]) + [(n_pair + j * E, n_pair + (j + 1) * E) for j in range(len(EVAL_OPPONENTS) + 1)]
            for seg in segs:
                if seg is None:
                    nan = np.full(cfg.horizon, np.nan)
                    c_rows.append(nan); r_rows.append(nan); o_rows.append(nan); b_rows.append(np.nan)
                else:
                    a, b = seg
                    c_rows.append(own_c[:, a:b].mean(1)); r_rows.append(rew[:, a:b].mean(1)); o_rows.append(co_c[:, a:b].mean(1))
                    b_rows.append(np.nan if a < n_pair else float(brv[a - n_pair:b - n_pair].mean()))
            outs.append((np.stack(c_rows), np.stack(r_rows), np.stack(o_rows), np.asarray(b_rows)))
        return tuple(np.stack([o[k] for o in outs]) for k in range(4))  # type: ignore[return-value]

    def _eval_unit(self) -> None:
        self.eval_phases.append(self.phase)
        self.eval_history.append(self.evaluate())
        self.stage = "gather"

    def gather(self, return_z: bool = False) -> list[np.ndarray] | tuple[list[np.ndarray], list[np.ndarray | None]]:
        """New trajectories ``(episodes, T)`` per learner with the current improved policies, and
        the phase metrics (stored in the pending row).

        ``return_z``: also return, per learner, the episodes' opponent-ID vectors ``(episodes, 10)``
        float32 in the same order (zeros for the pair episodes; ``None`` without the ablation)."""
        cfg = self.cfg
        pool = cfg.pool
        n_t, n_ll = pool.n_tabular, pool.n_learner
        key = jax.random.fold_in(jax.random.fold_in(self.seed_key, 0x6A7), self.phase)
        chunks = max(1, -(-cfg.episodes // cfg.gather_chunk))
        sizes_t = np.diff(np.linspace(0, n_t, chunks + 1).round().astype(int))
        sizes_l = np.diff(np.linspace(0, n_ll, chunks + 1).round().astype(int))
        res: dict[int, list[tuple]] = {0: [], 1: []}
        for c in range(chunks):
            kc = jax.random.fold_in(key, c)
            k_tab, k_play = jax.random.split(kc)
            tabs = sample_tabular(k_tab, pool, (2, int(sizes_t[c])))
            nl = int(sizes_l[c])
            if self.fixed is None:
                r = play_pair(self.module, self.params[0], self.params[1], k_play, tabs[0], tabs[1], self.table,
                              n_pair=nl, horizon=cfg.horizon, spec_x=cfg.spec, spec_y=cfg.spec)
                per = {0: (r.states_x, r.prior_x), 1: (r.states_y, r.prior_y)}
            else:
                per = {}
                for i in range(2):
                    if self.trainable[i]:
                        r = self._play(i, jax.random.fold_in(k_play, i), tabs[i], nl)
                        per[i] = (r.states_x, r.prior_x)
            for i, (s, pr) in per.items():
                res[i].append((np.asarray(s).T, np.asarray(pr).T, nl, tabs[i]))
        out, zs = [], []
        for i in range(2):
            if not res[i]:
                out.append(np.zeros((0, cfg.horizon), np.int8))
                zs.append(np.zeros((0, OPPONENT_ID_DIM), np.float32) if cfg.opponent_id else None)
                continue
            pairs = [x[0][:x[2]] for x in res[i]]
            tabsd = [x[0][x[2]:] for x in res[i]]
            prior_p = [x[1][:x[2]] for x in res[i]]
            prior_t = [x[1][x[2]:] for x in res[i]]
            sp, stt = np.concatenate(pairs), np.concatenate(tabsd)
            tbl = np.asarray(self.table)
            m = self._pending[i]
            m[PHASE_METRICS.index("coop_pair")] = (sp // 2 == 0).mean() if sp.size else np.nan
            m[PHASE_METRICS.index("reward_pair")] = tbl[sp.astype(int)].mean() if sp.size else np.nan
            m[PHASE_METRICS.index("coop_tab")] = (stt // 2 == 0).mean() if stt.size else np.nan
            m[PHASE_METRICS.index("reward_tab")] = tbl[stt.astype(int)].mean() if stt.size else np.nan
            if stt.size:
                from ..regret import br_values

                brv = br_values(np.concatenate([np.asarray(x[3]) for x in res[i]]), cfg.game, cfg.horizon)
                m[PHASE_METRICS.index("regret_tab")] = float(brv.mean()) - m[PHASE_METRICS.index("reward_tab")]
            pp, pt = np.concatenate(prior_p), np.concatenate(prior_t)
            m[PHASE_METRICS.index("prior_coop_pair")] = pp.mean() if pp.size else np.nan
            m[PHASE_METRICS.index("prior_coop_tab")] = pt.mean() if pt.size else np.nan
            out.append(np.concatenate([sp, stt]).astype(np.int8))
            if cfg.opponent_id:  # the layout of the states: all pair episodes (z = 0), then the tabular ones
                zs.append(np.concatenate([np.zeros((sp.shape[0], OPPONENT_ID_DIM), np.float32)]
                                         + [np.asarray(opponent_id_vector(x[3]), np.float32) for x in res[i]]))
            else:
                zs.append(None)
        return (out, zs) if return_z else out

    def _gather_unit(self) -> None:
        t0 = time.perf_counter()
        new, new_z = self.gather(return_z=True)
        dt = time.perf_counter() - t0
        for i in range(2):
            self._pending[i, PHASE_METRICS.index("gather_s")] = dt
            if self.trainable[i] and new[i].shape[0]:
                self.data[i].add(new[i], self._shard_path(i, self.phase), z=new_z[i])
        self.history.append(self._pending.copy())
        self._pending = np.full((2, len(PHASE_METRICS)), np.nan)
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

            bar = tqdm(total=self._units_total(), initial=self._units_done(), desc=f"ppi[{self.label}]", unit="stage",
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
