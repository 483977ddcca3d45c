"""Compact trajectory storage and the PPI pretraining data.

A trajectory of ``T`` rounds is stored as its state sequence from the learner's own view,
``int8`` in ``0..3`` (``2 * own + other``, :mod:`eqtools.conventions`): the observation,
own action and reward of every round follow from it (:func:`learners.ppi.model.stream_inputs`),
so one byte per round holds the whole joint stream (100 bytes per 100-round episode;
the paper's 200 000 pretraining games are 20 MB).

:class:`EpisodeStore` keeps the shards of a learner's data (pretraining set, then one per
phase).  Shards written to disk are ``.npy`` files reopened memory-mapped, so the cumulative
data of a ``paper``-scale run streams from disk instead of sitting in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError

from ..env import rollout_memory_one

__all__ = ["PRETRAIN_KINDS", "pretraining_states", "EpisodeStore"]

#: ``tabular``: games between two U(0,1)^5 memory-one agents; ``random``: random action
#: sequences (the no-tabular ablation): each player of an episode plays i.i.d. actions with its
#: own cooperation probability drawn from U(0, 1).
PRETRAIN_KINDS: tuple[str, ...] = ("tabular", "random")


def pretraining_states(key: jax.Array, n: int, kind: str = "tabular", horizon: int = 100, game: str = "paper",
                       chunk: int = 16384) -> np.ndarray:
    """``n`` pretraining episodes as an ``(n, horizon)`` int8 state array (player X's view)."""
    if kind not in PRETRAIN_KINDS:
        raise ParameterError(f"pretrain kind must be one of {PRETRAIN_KINDS}, got {kind!r}")
    if int(n) < 1:
        raise ParameterError(f"pretrain_games must be a positive integer, got {n!r}")
    out = []
    for i, lo in enumerate(range(0, int(n), chunk)):
        b = min(chunk, int(n) - lo)
        kp, kq, kr = jax.random.split(jax.random.fold_in(key, i), 3)
        if kind == "tabular":
            p = jax.random.uniform(kp, (b, 5))
            q = jax.random.uniform(kq, (b, 5))
        else:
            p = jnp.repeat(jax.random.uniform(kp, (b, 1)), 5, axis=1)
            q = jnp.repeat(jax.random.uniform(kq, (b, 1)), 5, axis=1)
        traj = rollout_memory_one(kr, p, q, game, horizon, b)
        out.append(np.asarray(traj.states_x, dtype=np.int8).T)
    return np.concatenate(out, axis=0)


class EpisodeStore:
    """The shards of one learner's trajectories, each ``(n_i, T)`` int8."""

    def __init__(self, horizon: int) -> None:
        self.horizon = int(horizon)
        self.shards: list[np.ndarray] = []
        self.paths: list[str | None] = []

    def __len__(self) -> int:
        return int(sum(s.shape[0] for s in self.shards))

    def add(self, states: np.ndarray, path: str | Path | None = None) -> None:
        """Append a shard; with ``path`` it is written there (``.npy``) and reopened memory-mapped."""
        states = np.asarray(states)
        if states.ndim != 2 or states.shape[1] != self.horizon:
            raise ParameterError(f"states must have shape (n, {self.horizon}), got {states.shape}")
        if states.size and (states.min() < 0 or states.max() > 3):
            raise ParameterError("states must lie in 0..3")
        states = states.astype(np.int8)
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.stem + ".tmp.npy")
            np.save(tmp, states)
            tmp.replace(path)
            states = np.load(path, mmap_mode="r")
            self.paths.append(str(path))
        else:
            self.paths.append(None)
        self.shards.append(states)

    @classmethod
    def from_paths(cls, horizon: int, paths: Sequence[str]) -> "EpisodeStore":
        st = cls(horizon)
        for p in paths:
            st.shards.append(np.load(p, mmap_mode="r"))
            st.paths.append(str(p))
        return st

    def copy(self) -> "EpisodeStore":
        """A new store sharing the (read-only) shards."""
        st = EpisodeStore(self.horizon)
        st.shards = list(self.shards)
        st.paths = list(self.paths)
        return st

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Episodes at global indices ``idx`` (any order) as an int8 array."""
        idx = np.asarray(idx)
        bounds = np.cumsum([0] + [s.shape[0] for s in self.shards])
        out = np.empty((idx.shape[0], self.horizon), np.int8)
        shard = np.searchsorted(bounds, idx, side="right") - 1
        for k in np.unique(shard):
            sel = shard == k
            local = idx[sel] - bounds[k]
            order = np.argsort(local)  # sorted reads are kinder to memory-mapped files
            rows = np.asarray(self.shards[k][local[order]])
            tmp = np.empty_like(rows)
            tmp[order] = rows
            out[sel] = tmp
        return out

    def batches(self, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """One epoch of shuffled batches (the last partial batch is dropped unless it is the only one)."""
        n = len(self)
        perm = rng.permutation(n)
        nb = max(1, n // batch_size)
        for b in range(nb):
            yield self.take(perm[b * batch_size:(b + 1) * batch_size])
