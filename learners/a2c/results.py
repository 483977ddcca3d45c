"""Results of an A2C run: the training metrics, evaluations and per-round curves as xarray
Datasets, the summary and the files written at the end.

:class:`TrainerResults` is mixed into :class:`learners.a2c.trainer.Trainer` (moved out of
``learners/train_a2c.py`` by issue 23; that module re-exports every name).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.io import write_netcdf

from .config import EVAL_OPPONENT_NAMES, TRAIN_METRICS
from .core import _fetch

__all__ = ["TrainerResults"]


class TrainerResults:
    """Result views of a :class:`~learners.a2c.trainer.Trainer` (a mixin: it reads the trainer's
    ``cfg``, ``history``, ``eval_iters``, ``eval_history``, ``iteration``, ``wall_s``,
    ``sampler_state`` and ``out_dir``)."""

    def live_metrics(self, window: int = 20) -> dict[str, str]:
        """Mean over seeds, learners and the last ``window`` iterations (for the progress bar)."""
        if not self.history:
            return {}
        h = np.stack(self.history[-window:])  # (w, S, 2, M)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmean(h, axis=(0, 1, 2))
        d = dict(zip(TRAIN_METRICS, m))
        return {k: f"{d[k]:.3f}" for k in ("coop_ll", "reward_tab", "regret_tab", "entropy") if np.isfinite(d[k])}

    # -------------------------------------------------------------- results
    def metrics_dataset(self):
        """Training metrics as an ``xarray.Dataset`` with dims (seed, learner, iteration)."""
        import xarray as xr

        h = np.stack(self.history) if self.history else np.zeros((0, self.cfg.seeds, 2, len(TRAIN_METRICS)))
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "iteration": np.arange(1, h.shape[0] + 1)}
        data = {m: (("seed", "learner", "iteration"), np.moveaxis(h[..., i], 0, -1)) for i, m in enumerate(TRAIN_METRICS)}
        return xr.Dataset(data, coords=coords, attrs={"config": json.dumps(self.cfg.to_dict())})

    def eval_dataset(self):
        """Evaluation means over rounds, dims (seed, learner, iteration, opponent)."""
        import xarray as xr

        c = np.stack([e[0] for e in self.eval_history]).mean(-1)  # (I, S, 2, O)
        r = np.stack([e[1] for e in self.eval_history]).mean(-1)
        oc = np.stack([e[2] for e in self.eval_history]).mean(-1)
        orw = np.stack([_co_reward(e) for e in self.eval_history]).mean(-1)
        br = np.stack([_br_value(e) for e in self.eval_history])  # (I, S, 2, O)
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "iteration": np.asarray(self.eval_iters), "opponent": list(EVAL_OPPONENT_NAMES)}
        dims = ("seed", "learner", "iteration", "opponent")
        return xr.Dataset({"coop": (dims, np.moveaxis(c, 0, 2)), "reward": (dims, np.moveaxis(r, 0, 2)),
                           "coplayer_coop": (dims, np.moveaxis(oc, 0, 2)),
                           "coplayer_reward": (dims, np.moveaxis(orw, 0, 2)),
                           "br_value": (dims, np.moveaxis(br, 0, 2)),
                           "regret": (dims, np.moveaxis(br - r, 0, 2))}, coords=coords,
                          attrs={"regret": "exact n-round best-response value of the co-player minus the learner's mean "
                                           "reward per round (paired per episode; NaN against learners)"})

    def rounds_dataset(self, index: int = -1):
        """Per-round curves of one evaluation (default: the last), dims (seed, learner, opponent, round)."""
        import xarray as xr

        c, r, oc = self.eval_history[index][:3]
        orw = _co_reward(self.eval_history[index])
        coords = {"seed": np.arange(self.cfg.seed, self.cfg.seed + self.cfg.seeds), "learner": [1, 2],
                  "opponent": list(EVAL_OPPONENT_NAMES), "round": np.arange(1, self.cfg.horizon + 1)}
        dims = ("seed", "learner", "opponent", "round")
        return xr.Dataset({"coop": (dims, c), "reward": (dims, r), "coplayer_coop": (dims, oc),
                           "coplayer_reward": (dims, orw)}, coords=coords,
                          attrs={"iteration": int(self.eval_iters[index])})

    def summary(self, last: int | None = None) -> dict[str, Any]:
        """Final numbers: training metrics averaged over the last 10% of iterations and the
        final evaluation (means over rounds), per seed and learner."""
        h = np.stack(self.history) if self.history else np.full((1, self.cfg.seeds, 2, len(TRAIN_METRICS)), np.nan)
        last = last or max(1, len(self.history) // 10)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            tail = np.nanmean(h[-last:], axis=0)  # (S, 2, M)
        c, r = self.eval_history[-1][:2]
        orw = _co_reward(self.eval_history[-1])
        brv = _br_value(self.eval_history[-1])
        out: dict[str, Any] = {"iterations": self.iteration, "iterations_planned": self.cfg.iterations,
                               "stopped_by_time_budget": bool(getattr(self, "timed_out", False)),
                               "wall_s": round(self.wall_s, 1),
                               "ablation": self.cfg.ablation, "seeds": list(range(self.cfg.seed, self.cfg.seed + self.cfg.seeds)),
                               "fixed_icl": (self.cfg.fixed_icl or "frozen GRU (fixed_params)") if self.cfg.fixed_opponent else None,
                               "sampler": None if self.cfg.sampler is None else self.sampler_summary(),
                               "train_tail_iterations": last, "train": {}, "eval": {}}
        for i, m in enumerate(TRAIN_METRICS):
            out["train"][m] = np.round(tail[..., i], 4).tolist()
        for j, o in enumerate(EVAL_OPPONENT_NAMES):
            out["eval"][o] = {"coop": np.round(c[:, :, j].mean(-1), 4).tolist(), "reward": np.round(r[:, :, j].mean(-1), 4).tolist(),
                              "coplayer_reward": np.round(orw[:, :, j].mean(-1), 4).tolist(),
                              "regret": np.round(brv[:, :, j] - r[:, :, j].mean(-1), 4).tolist()}
        return out

    def sampler_summary(self) -> dict[str, Any]:
        """The regret sampler's settings and its buffers now, per seed and learner: the mean regret
        estimate (an estimate of the U(0,1)^5 regret, lagging), the share of candidates visited since
        they entered, and the effective sample size of the draw probabilities as a share of the buffer."""
        from ..prioritised import sampler_probs

        st = _fetch(self.sampler_state)
        p = np.asarray(sampler_probs(self.cfg.sampler, jnp.asarray(st.est)))
        w = 1.0 / (p.shape[-1] * p)
        ess = (p * w).sum(-1) ** 2 / (p * w * w).sum(-1)  # (E_p w)^2 / E_p w^2
        return {"settings": self.cfg.sampler.to_dict(),
                "mean_estimate": np.round(np.asarray(st.est).mean(-1), 4).tolist(),
                "visited_share": np.round((np.asarray(st.visits) > 0).mean(-1), 4).tolist(),
                "ess_share": np.round(ess, 4).tolist(),
                "max_weight": np.round(w.max(-1), 3).tolist()}

    def write_results(self) -> None:
        """Write the netCDF files and ``summary.json`` into ``out_dir``."""
        if self.out_dir is None or jax.process_index() != 0:
            return
        write_netcdf(self.metrics_dataset(), self.out_dir / "metrics.nc")
        write_netcdf(self.eval_dataset(), self.out_dir / "eval.nc")
        write_netcdf(self.rounds_dataset(), self.out_dir / "rounds.nc")
        (self.out_dir / "summary.json").write_text(json.dumps(_json_clean(self.summary()), indent=1))


def _br_value(e: tuple[np.ndarray, ...]) -> np.ndarray:
    """Mean exact best-response value per co-player of an evaluation, ``(S, 2, O)`` (NaN for
    checkpoints written before it was recorded)."""
    return np.asarray(e[4]) if len(e) > 4 else np.full(np.asarray(e[0]).shape[:-1], np.nan)


def _co_reward(e: tuple[np.ndarray, ...]) -> np.ndarray:
    """The co-player-reward curves of an evaluation (NaN for checkpoints written before they were recorded)."""
    return np.asarray(e[3]) if len(e) > 3 else np.full_like(np.asarray(e[0]), np.nan)


def _json_clean(x: Any) -> Any:
    """Replace NaN/inf by None (standard JSON): :func:`eqtools.io.to_jsonable`, the one JSON policy."""
    from eqtools.io import to_jsonable

    return to_jsonable(x)
