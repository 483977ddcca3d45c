"""Compact trajectory storage and the PPI pretraining data.

A trajectory of ``T`` rounds is stored as its state sequence from the learner's own view,
``int8`` in ``0..3`` (``2 * own + other``, :mod:`eqtools.conventions`): the observation,
own action and reward of every round follow from it (:func:`learners.ppi.model.stream_inputs`),
so one byte per round holds the whole joint stream (100 bytes per 100-round episode;
the paper's 200 000 pretraining games are 20 MB).

:class:`EpisodeStore` keeps the shards of a learner's data (pretraining set, then one per
phase).  Shards written to disk are ``.npy`` files reopened memory-mapped, so the cumulative
data of a ``paper``-scale run streams from disk instead of sitting in memory.

Opponent-ID ablation: a store made with ``z_dim = 10`` also keeps, per episode, the
conditioning vector ``z`` the learner saw (the co-player's log-probabilities,
:func:`learners.pool.opponent_id_vector`; zeros for learner-vs-learner episodes) as a float32
``(n_i, z_dim)`` array beside each state shard (``<shard>_z.npy``, 40 bytes per episode;
float32 so that the vectors trained on are bit-identical to those the agent acts with).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.errors import ParameterError

from ..env import rollout_memory_one

__all__ = ["PRETRAIN_KINDS", "pretraining_states", "z_path", "EpisodeStore"]

#: ``tabular``: games between two U(0,1)^5 memory-one agents; ``random``: random action
#: sequences (the no-tabular ablation): each player of an episode plays i.i.d. actions with its
#: own cooperation probability drawn from U(0, 1).
PRETRAIN_KINDS: tuple[str, ...] = ("tabular", "random")


def pretraining_states(key: jax.Array, n: int, kind: str = "tabular", horizon: int = 100, game: str = "paper",
                       chunk: int = 16384, with_coplayer: bool = False,
                       noise: float = 0.0) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``n`` pretraining episodes as an ``(n, horizon)`` int8 state array (player X's view).

    ``noise``: execution errors of both players (:func:`learners.env.rollout_memory_one`).

    ``with_coplayer=True`` also returns the co-player's (player Y's) memory-one parameters
    ``(n, 5)`` float32 (for the opponent-ID ablation's ``z``); the states are the same either way.
    """
    from eqtools.validation import check_value, positive_int, prng_key

    if not isinstance(kind, str) or kind not in PRETRAIN_KINDS:
        raise ParameterError(f"pretrain kind must be one of {PRETRAIN_KINDS}, got {kind!r}")
    prng_key("key", key)
    n, chunk = positive_int("pretrain_games", n), positive_int("chunk", chunk)
    horizon = positive_int("horizon", horizon)
    check_value("with_coplayer", bool, with_coplayer)
    out, co = [], []
    for i, lo in enumerate(range(0, int(n), chunk)):
        b = min(chunk, int(n) - lo)
        kp, kq, kr = jax.random.split(jax.random.fold_in(key, i), 3)
        if kind == "tabular":
            p = jax.random.uniform(kp, (b, 5))
            q = jax.random.uniform(kq, (b, 5))
        else:
            p = jnp.repeat(jax.random.uniform(kp, (b, 1)), 5, axis=1)
            q = jnp.repeat(jax.random.uniform(kq, (b, 1)), 5, axis=1)
        traj = rollout_memory_one(kr, p, q, game, horizon, b, noise=noise)
        out.append(np.asarray(traj.states_x, dtype=np.int8).T)
        if with_coplayer:
            co.append(np.asarray(q, dtype=np.float32))
    states = np.concatenate(out, axis=0)
    return (states, np.concatenate(co, axis=0)) if with_coplayer else states


def z_path(path: str | Path) -> Path:
    """Where the ``z`` shard of the state shard at ``path`` lives (``<stem>_z.npy``)."""
    if not isinstance(path, (str, Path)):
        raise ParameterError(f"path must be a file path, got {path!r}")
    path = Path(path)
    return path.with_name(path.stem + "_z.npy")


def _save_npy(path: Path, arr: np.ndarray) -> np.ndarray:
    """Write ``arr`` atomically to ``path`` and reopen it memory-mapped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npy")
    np.save(tmp, arr)
    tmp.replace(path)
    return np.load(path, mmap_mode="r")


def _take_rows(shards: Sequence[np.ndarray], idx: np.ndarray, row_shape: tuple[int, ...], dtype) -> np.ndarray:
    """Rows at global indices ``idx`` (any order) of the concatenation of ``shards``."""
    idx = np.asarray(idx)
    bounds = np.cumsum([0] + [s.shape[0] for s in shards])
    out = np.empty((idx.shape[0],) + row_shape, dtype)
    shard = np.searchsorted(bounds, idx, side="right") - 1
    for k in np.unique(shard):
        sel = shard == k
        local = idx[sel] - bounds[k]
        order = np.argsort(local)  # sorted reads are kinder to memory-mapped files
        rows = np.asarray(shards[k][local[order]])
        tmp = np.empty_like(rows)
        tmp[order] = rows
        out[sel] = tmp
    return out


class EpisodeStore:
    """The shards of one learner's trajectories, each ``(n_i, T)`` int8.

    With ``z_dim > 0`` (opponent-ID ablation) every shard has a float32 ``(n_i, z_dim)``
    companion in :attr:`zs` (the conditioning vector of each episode), :meth:`add` requires it
    and :meth:`batches` yields ``(states, z)`` pairs instead of ``states``.
    """

    def __init__(self, horizon: int, z_dim: int = 0) -> None:
        self.horizon = int(horizon)
        self.z_dim = int(z_dim)
        if self.z_dim < 0:
            raise ParameterError(f"z_dim must be a non-negative integer, got {z_dim!r}")
        self.shards: list[np.ndarray] = []
        self.zs: list[np.ndarray] = []
        self.paths: list[str | None] = []

    def __len__(self) -> int:
        return int(sum(s.shape[0] for s in self.shards))

    def add(self, states: np.ndarray, path: str | Path | None = None, z: np.ndarray | None = None) -> None:
        """Append a shard; with ``path`` it is written there (``.npy``) and reopened memory-mapped.

        ``z (n, z_dim)``: the episodes' opponent-ID vectors (required iff ``z_dim > 0``; written
        to :func:`z_path` ``(path)`` before the states)."""
        states = np.asarray(states)
        if states.ndim != 2 or states.shape[1] != self.horizon:
            raise ParameterError(f"states must have shape (n, {self.horizon}), got {states.shape}")
        if states.size and (states.min() < 0 or states.max() > 3):
            raise ParameterError("states must lie in 0..3")
        if self.z_dim:
            if z is None:
                raise ParameterError(f"this store keeps opponent-ID vectors: add needs z of shape (n, {self.z_dim})")
            z = np.asarray(z, np.float32)
            if z.shape != (states.shape[0], self.z_dim):
                raise ParameterError(f"z must have shape ({states.shape[0]}, {self.z_dim}), got {z.shape}")
            if not np.all(np.isfinite(z)):
                raise ParameterError("z must be finite")
        elif z is not None:
            raise ParameterError("z given to a store without opponent-ID vectors (z_dim = 0)")
        states = states.astype(np.int8)
        if path is not None:
            path = Path(path)
            if self.z_dim:
                z = _save_npy(z_path(path), z)
            states = _save_npy(path, states)
            self.paths.append(str(path))
        else:
            self.paths.append(None)
        self.shards.append(states)
        if self.z_dim:
            self.zs.append(z)

    @classmethod
    def from_paths(cls, horizon: int, paths: Sequence[str], z_dim: int = 0) -> "EpisodeStore":
        st = cls(horizon, z_dim)
        for p in paths:
            st.shards.append(np.load(p, mmap_mode="r"))
            if st.z_dim:
                st.zs.append(np.load(z_path(p), mmap_mode="r"))
            st.paths.append(str(p))
        return st

    def copy(self) -> "EpisodeStore":
        """A new store sharing the (read-only) shards."""
        st = EpisodeStore(self.horizon, self.z_dim)
        st.shards = list(self.shards)
        st.zs = list(self.zs)
        st.paths = list(self.paths)
        return st

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Episodes at global indices ``idx`` (any order) as an int8 array."""
        return _take_rows(self.shards, idx, (self.horizon,), np.int8)

    def take_z(self, idx: np.ndarray) -> np.ndarray:
        """Opponent-ID vectors of the episodes at global indices ``idx``, float32 ``(len(idx), z_dim)``."""
        if not self.z_dim:
            raise ParameterError("this store keeps no opponent-ID vectors (z_dim = 0)")
        return _take_rows(self.zs, idx, (self.z_dim,), np.float32)

    def batches(self, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray | tuple[np.ndarray, np.ndarray]]:
        """One epoch of shuffled batches (the last partial batch is dropped unless it is the only one).

        Yields state arrays, or ``(states, z)`` pairs when the store keeps opponent-ID vectors."""
        n = len(self)
        perm = rng.permutation(n)
        nb = max(1, n // batch_size)
        for b in range(nb):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            yield (self.take(idx), self.take_z(idx)) if self.z_dim else self.take(idx)
