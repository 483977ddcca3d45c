"""A2C checkpoints read back and operated on: the validated load (:func:`load_checkpoint_state`,
:func:`checkpoint_params`), the padding of rows written before newer metrics existed, and
:func:`extract_seeds` (some seeds of a run carried on alone).

A checkpoint is a pickled dict of plain values (the config as a dict, numpy parameter trees, the
optax state, lists of numpy rows): it stores no class of this package, so moving the code (issue 23,
out of ``learners/train_a2c.py``, which re-exports every name) leaves old checkpoints readable.
Writing and the schema check are the shared :mod:`learners.checkpoint`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import jax
import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import preset
from eqtools.validation import dir_path, path_like, positive_int
from eqtools.validation import seed as check_seed

from ..checkpoint import write_run_file
from ..networks import GRUAgent, init_agent_params_np
from .config import TRAIN_METRICS, TrainConfig

__all__ = ["extract_seeds", "checkpoint_params", "load_checkpoint_state"]


def _pad_metrics(h: np.ndarray) -> np.ndarray:
    """Pad a per-iteration metrics row written before newer metrics existed with NaN."""
    h = np.asarray(h)
    if h.shape[-1] >= len(TRAIN_METRICS):
        return h
    pad = np.full(h.shape[:-1] + (len(TRAIN_METRICS) - h.shape[-1],), np.nan, dtype=h.dtype)
    return np.concatenate([h, pad], axis=-1)


def load_checkpoint_state(run_dir: str | Path) -> tuple[TrainConfig, dict[str, Any]]:
    """``(config, state)`` of ``run_dir/checkpoint.pkl`` (the dict :meth:`Trainer.save_checkpoint` writes)."""
    path = path_like("run_dir", run_dir) / "checkpoint.pkl"
    if not path.exists():
        raise ParameterError(f"no checkpoint.pkl in {run_dir} (is it an 'eqtools train a2c' output directory?)")
    return _read_checkpoint(path)


#: Keys every A2C checkpoint holds (the ones a reader of the parameters needs).
_CHECKPOINT_KEYS: tuple[str, ...] = ("config", "iteration", "params")


def _read_checkpoint(path: Path) -> tuple[TrainConfig, dict[str, Any]]:
    """Unpickle and check a checkpoint against its schema (:mod:`learners.checkpoint`): required
    keys, an integer iteration >= 0, a valid config, and parameters with exactly the shapes of the
    config's GRU (leading axes ``(seeds, 2)``).  :class:`FileFormatError` names the file and field."""
    from eqtools.errors import EqtoolsError, FileFormatError

    from ..checkpoint import Schema, check_params, read_run_file

    state = read_run_file(path, Schema("A2C checkpoint", _CHECKPOINT_KEYS, counters=("iteration",)))
    try:
        cfg = TrainConfig.from_dict(state["config"])
    except (EqtoolsError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise FileFormatError(f"A2C checkpoint {str(path)!r} holds an invalid config: {exc}") from None
    agent = GRUAgent(hidden=cfg.hidden, embed=cfg.embed, use_opponent_id=cfg.ablation == "opponent-id",
                     reward_input_scale=float(max(np.abs(preset(cfg.game).payoffs).max(), 1e-9)))
    template = init_agent_params_np(agent, 0)
    check_params(path, state["params"], what="A2C checkpoint", template=template, leading=(cfg.seeds, 2))
    return cfg, state


def checkpoint_params(run_dir: str | Path) -> tuple[TrainConfig, Any, int]:
    """``(config, params, iteration)`` of the checkpoint in ``run_dir``; params have leading axes (seeds, 2)."""
    cfg, state = load_checkpoint_state(run_dir)
    return cfg, state["params"], int(state["iteration"])


def extract_seeds(src_dir: str | Path, dst_dir: str | Path, seeds: Sequence[int], iterations: int | None = None) -> TrainConfig:
    """Write a checkpoint holding only ``seeds`` of the run in ``src_dir`` into ``dst_dir``.

    Seeds are independent (seed ``s`` uses ``PRNGKey(s)`` whatever the other seeds are), so
    resuming ``dst_dir`` continues exactly those seeds' runs, e.g. to extend one seed far
    beyond the others at a third of the cost.  ``seeds`` must be consecutive (a config holds
    ``seed`` and a count).  ``iterations`` (default: the source's) sets the new planned length.
    Returns the new config (also written as ``dst_dir/config.json``).
    """
    dst = dir_path("dst_dir", dst_dir)
    cfg, state = load_checkpoint_state(src_dir)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ParameterError(f"seeds must be a list of seeds, got {seeds!r}")
    seeds = [check_seed("seeds", s) for s in seeds]
    iterations = None if iterations is None else positive_int("iterations", iterations)
    have = list(range(cfg.seed, cfg.seed + cfg.seeds))
    if not seeds or any(s not in have for s in seeds):
        raise ParameterError(f"seeds {seeds} are not all in the run's seeds {have}")
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ParameterError(f"seeds must be consecutive, got {seeds}")
    lo = seeds[0] - cfg.seed
    sl = slice(lo, lo + len(seeds))
    new = replace(cfg, seed=seeds[0], seeds=len(seeds), iterations=int(iterations or cfg.iterations))
    if new.iterations < int(state["iteration"]):
        raise ParameterError(f"iterations {new.iterations} is below the {state['iteration']} already trained")
    take = lambda tree: jax.tree_util.tree_map(lambda x: np.asarray(x)[sl], tree)  # noqa: E731
    out = dict(state)
    out["config"] = new.to_dict()
    out["params"], out["opt_state"] = take(state["params"]), take(state["opt_state"])
    out["history"] = [np.asarray(h)[sl] for h in state["history"]]
    out["eval_history"] = [tuple(np.asarray(x)[sl] for x in e) for e in state["eval_history"]]
    if "sampler_state" in state:  # the regret sampler's buffers, leading axes (seeds, 2)
        out["sampler_state"] = tuple(np.asarray(x)[sl] for x in state["sampler_state"])
    dst.mkdir(parents=True, exist_ok=True)
    if (dst / "checkpoint.pkl").exists():
        raise ParameterError(f"{dst} already holds a checkpoint; choose another directory")
    write_run_file(dst / "checkpoint.pkl", out, what="A2C checkpoint")
    (dst / "config.json").write_text(json.dumps(new.to_dict(), indent=1))
    return new
