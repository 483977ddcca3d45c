"""One seed of a PPI run: its data, metrics, evaluations and result files.

A :class:`~learners.ppi.runner.PPIRunner` with ``PPIConfig.seeds = S`` holds ``S`` of these; seed
``s`` is the run with seed ``cfg.seed + s``, and everything here is what a one-seed run with that
seed would hold: its two :class:`~learners.ppi.data.EpisodeStore` s, the per-phase metric rows, the
evaluations, and (sliced from the runner's seed-stacked arrays) the two learners' parameters.  The
per-seed parts of the stages live here too (the pretraining sets, the numbers of an evaluation, the
metrics of a gathering), written as the single-seed code was, so that a seed of a multi-seed run
reproduces its single-seed run bit for bit.  Its result views (:class:`RunResults`: datasets,
summary, agents, files) are those of a single-seed run; in a multi-seed run its files go to
``out_dir/seed<seed>/``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..networks import OPPONENT_ID_DIM
from ..pool import EVAL_OPPONENTS, opponent_id_vector
from .config import PHASE_METRICS, PPIConfig
from .data import EpisodeStore, pretraining_states
from .results import RunResults, _pad_phase_row
from .seeds import seed_slice

__all__ = ["SeedRun"]


class SeedRun(RunResults):
    """Seed ``index`` of ``runner`` (see the module docstring).

    ``cfg`` is the single-seed config of this seed (``seed = runner.cfg.seed + index``,
    ``seeds = 1``); ``history``, ``eval_history``, ``data`` and ``params`` are those of a
    single-seed run; ``phase``, ``stage``, ``eval_phases``, ``wall_s`` are the runner's."""

    def __init__(self, runner: Any, index: int) -> None:
        self.runner = runner
        self.index = int(index)
        self.cfg: PPIConfig = replace(runner.cfg, seed=runner.cfg.seed + self.index, seeds=1)
        out = runner.out_dir
        self.out_dir: Path | None = out if out is None or runner.n_seeds == 1 else out / f"seed{self.cfg.seed}"
        self.seed_key = jax.random.PRNGKey(self.cfg.seed)
        self.data: list[EpisodeStore] = []
        self.history: list[np.ndarray] = []  # per finished phase: (2, M)
        self._pending = np.full((2, len(PHASE_METRICS)), np.nan)
        self.eval_history: list[tuple[np.ndarray, ...]] = []

    # ---------------------------------------------------------- runner state
    label = property(lambda self: self.runner.label)
    table = property(lambda self: self.runner.table)
    trainable = property(lambda self: self.runner.trainable)
    eval_phases = property(lambda self: self.runner.eval_phases)
    wall_s = property(lambda self: self.runner.wall_s)
    phase = property(lambda self: self.runner.phase)
    stage = property(lambda self: self.runner.stage)

    @property
    def params(self) -> list[Any]:
        """The two learners' parameters of this seed (``None`` before a learner's first fit)."""
        return [None if p is None else seed_slice(p, self.index) for p in self.runner._params]

    # ------------------------------------------------------------------ data
    def shard_path(self, learner: int, phase: int) -> Path | None:
        if self.out_dir is None:
            return None
        return self.out_dir / "data" / f"learner{learner}_phase{phase:03d}.npy"

    def prepare_data(self, initial: Any = None) -> None:
        """This seed's two stores: a copy of ``initial`` (two stores) or fresh pretraining sets."""
        if self.data:
            return
        if initial is not None:
            self.data = [d.copy() for d in initial]
            return
        cfg = self.cfg
        for i in range(2):
            st = EpisodeStore(cfg.horizon, cfg.z_dim)
            key = jax.random.fold_in(jax.random.fold_in(self.seed_key, 0x9E7), i)
            if cfg.opponent_id:
                # the same games; the learner's sequence gets the z of its co-player (player Y)
                states, co = pretraining_states(key, cfg.pretrain_games, cfg.pretrain_kind, cfg.horizon, cfg.game,
                                                with_coplayer=True, noise=cfg.noise)
                st.add(states, self.shard_path(i, 0), z=np.asarray(opponent_id_vector(jnp.asarray(co))))
            else:
                states = pretraining_states(key, cfg.pretrain_games, cfg.pretrain_kind, cfg.horizon, cfg.game,
                                            noise=cfg.noise)
                st.add(states, self.shard_path(i, 0))
            self.data.append(st)

    # ------------------------------------------------------------ evaluation
    def eval_rows(self, states: Any, tab: Any, n_pair: int, has_pair: bool) -> tuple[np.ndarray, ...]:
        """One learner's evaluation numbers from its states ``(T, B)`` against the co-players ``tab``:
        per co-player group the per-round coop, reward and co-player coop, and the mean exact
        best-response value (NaN rows where there is no pair group)."""
        from solvers.backward_induction import br_values

        cfg = self.cfg
        E = cfg.eval_episodes
        s = np.asarray(states).astype(np.int64)  # (T, B)
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
        return np.stack(c_rows), np.stack(r_rows), np.stack(o_rows), np.asarray(b_rows)

    # ------------------------------------------------------------- gathering
    def gather_finish(self, res: dict[int, list[tuple]]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Per learner the gathered states ``(episodes, T)`` int8 (pair episodes first) and their
        opponent-ID vectors (``None`` without the ablation) from the chunks ``res[i]`` = list of
        ``(states (B, T), prior coop (B, T), n_pair, tabular co-players)``; the phase metrics go to
        the pending row."""
        from solvers.backward_induction import br_values

        cfg = self.cfg
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
        return out, zs

    def add_gathered(self, new: list[np.ndarray], new_z: list[Any], phase: int, gather_s: float) -> None:
        """Append the gathered shards (trainable learners), close the phase's metric row."""
        for i in range(2):
            self._pending[i, PHASE_METRICS.index("gather_s")] = gather_s
            if self.trainable[i] and new[i].shape[0]:
                self.data[i].add(new[i], self.shard_path(i, phase), z=new_z[i])
        self.history.append(self._pending.copy())
        self._pending = np.full((2, len(PHASE_METRICS)), np.nan)

    # ----------------------------------------------------------- checkpoints
    def state(self, root: Path) -> dict[str, Any]:
        """This seed's part of a checkpoint (shard paths relative to ``root``, the run directory)."""
        return {"data": [[os.path.relpath(p, root) for p in st.paths] for st in self.data], "history": self.history,
                "pending": self._pending, "eval_history": self.eval_history}

    def restore(self, s: dict[str, Any], root: Path) -> None:
        self.data = [EpisodeStore.from_paths(self.cfg.horizon, [os.path.normpath(root / p) if not os.path.isabs(p) else p
                                                                for p in paths], self.cfg.z_dim) for paths in s["data"]]
        self.history = [_pad_phase_row(h) for h in s["history"]]
        self._pending = _pad_phase_row(s["pending"])
        self.eval_history = list(s["eval_history"])
