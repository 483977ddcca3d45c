"""Results of a PPI run: the per-phase metrics, evaluations and per-round curves as xarray
Datasets, the summary, the files written at the end, the frozen agents.

:class:`RunResults` is mixed into :class:`learners.ppi.runner.PPIRunner` (moved out of
:mod:`learners.ppi.train` by issue 23; that module re-exports every name).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from eqtools.errors import ParameterError

from .agent import PPIAgent, _agent_from
from .config import EVAL_OPPONENT_NAMES, PHASE_METRICS

__all__ = ["RunResults"]


def _pad_phase_row(h: Any) -> np.ndarray:
    """A per-phase metrics row written before newer metrics existed, padded with NaN."""
    h = np.asarray(h, dtype=np.float64)
    if h.shape[-1] >= len(PHASE_METRICS):
        return h
    return np.concatenate([h, np.full(h.shape[:-1] + (len(PHASE_METRICS) - h.shape[-1],), np.nan)], axis=-1)


def _eval_br(e: tuple[np.ndarray, ...]) -> np.ndarray:
    """The mean best-response values ``(2, O)`` of an evaluation (NaN if recorded before they existed)."""
    return np.asarray(e[3]) if len(e) > 3 else np.full(np.asarray(e[0]).shape[:-1], np.nan)


class RunResults:
    """Result views of a :class:`~learners.ppi.runner.PPIRunner` (a mixin: it reads the runner's
    ``cfg``, ``label``, ``history``, ``eval_history``, ``eval_phases``, ``params``, ``data``,
    ``trainable``, ``wall_s`` and ``out_dir``)."""

    def live_metrics(self) -> dict[str, str]:
        """Latest phase metrics for the progress bar."""
        d = {"phase": str(min(self.phase, self.cfg.phases)), "stage": self.stage}
        if self.history:
            h = self.history[-1]
            for k in ("coop_pair", "reward_tab"):
                v = np.nanmean(h[:, PHASE_METRICS.index(k)]) if np.isfinite(h[:, PHASE_METRICS.index(k)]).any() else np.nan
                if np.isfinite(v):
                    d[k] = f"{v:.3f}"
        return d

    # --------------------------------------------------------------- results
    def agent(self, i: int) -> PPIAgent:
        """Learner ``i``'s current model and improvement as a frozen :class:`PPIAgent`."""
        if self.params[i] is None:
            raise ParameterError(f"learner {i} has no trained model yet")
        return _agent_from(self.cfg, self.params[i], f"PPI{i + 1}[{self.label}]")

    def phases_dataset(self):
        import xarray as xr

        h = np.stack(self.history) if self.history else np.zeros((0, 2, len(PHASE_METRICS)))
        coords = {"learner": [1, 2], "phase": np.arange(1, h.shape[0] + 1)}
        data = {m: (("learner", "phase"), h[..., k].T) for k, m in enumerate(PHASE_METRICS)}
        return xr.Dataset(data, coords=coords, attrs={"config": json.dumps(self.cfg.to_dict()), "label": self.label})

    def eval_dataset(self):
        import xarray as xr

        dims = ("learner", "phase", "opponent")
        arr = [np.stack([e[k] for e in self.eval_history]).mean(-1) for k in range(3)]  # (P, 2, O)
        br = np.stack([_eval_br(e) for e in self.eval_history])  # (P, 2, O)
        arr += [br, br - arr[1]]
        coords = {"learner": [1, 2], "phase": np.asarray(self.eval_phases), "opponent": list(EVAL_OPPONENT_NAMES)}
        return xr.Dataset({n: (dims, np.moveaxis(a, 0, 1))
                           for n, a in zip(("coop", "reward", "coplayer_coop", "br_value", "regret"), arr)},
                          coords=coords, attrs={"label": self.label})

    def rounds_dataset(self, index: int = -1):
        import xarray as xr

        c, r, o = self.eval_history[index][:3]
        dims = ("learner", "opponent", "round")
        coords = {"learner": [1, 2], "opponent": list(EVAL_OPPONENT_NAMES), "round": np.arange(1, self.cfg.horizon + 1)}
        return xr.Dataset({"coop": (dims, c), "reward": (dims, r), "coplayer_coop": (dims, o)}, coords=coords,
                          attrs={"phase": int(self.eval_phases[index]), "label": self.label})

    def summary(self) -> dict[str, Any]:
        """Final numbers: the last phase's metrics and evaluation (means over rounds), per learner."""
        c, r = self.eval_history[-1][:2]
        brv = _eval_br(self.eval_history[-1])
        h = self.history[-1]
        out: dict[str, Any] = {"label": self.label, "phases": len(self.history), "wall_s": round(self.wall_s, 1),
                               "trainable": list(self.trainable), "data_episodes": [len(d) for d in self.data],
                               "last_phase": {m: [None if not np.isfinite(v) else round(float(v), 4) for v in h[:, k]]
                                              for k, m in enumerate(PHASE_METRICS)}, "eval": {}}
        for j, o in enumerate(EVAL_OPPONENT_NAMES):
            out["eval"][o] = {"coop": [None if not np.isfinite(v) else round(float(v), 4) for v in c[:, j].mean(-1)],
                              "reward": [None if not np.isfinite(v) else round(float(v), 4) for v in r[:, j].mean(-1)],
                              "regret": [None if not np.isfinite(v) else round(float(v), 4)
                                         for v in brv[:, j] - r[:, j].mean(-1)]}
        return out

    def write_results(self) -> None:
        from eqtools.io import write_netcdf

        if self.out_dir is None:
            return
        write_netcdf(self.phases_dataset(), self.out_dir / "phases.nc")
        write_netcdf(self.eval_dataset(), self.out_dir / "eval.nc")
        write_netcdf(self.rounds_dataset(), self.out_dir / "rounds.nc")
        (self.out_dir / "summary.json").write_text(json.dumps(self.summary(), indent=1))
        for i in range(2):
            if self.params[i] is not None:
                self.agent(i).save(self.out_dir / f"agent_{i}.pkl")
