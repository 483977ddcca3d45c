"""Results of a PPI run: the per-phase metrics, evaluations and per-round curves as xarray
Datasets, the summary, the files written at the end, the frozen agents.

:class:`RunResults` is mixed into :class:`learners.ppi.runner.PPIRunner` (moved out of
:mod:`learners.ppi.train` by issue 23; that module re-exports every name).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.io import json_text

from .agent import PPIAgent, _agent_from
from .config import EVAL_OPPONENT_NAMES, PHASE_METRICS

if TYPE_CHECKING:
    from .data import EpisodeStore

__all__ = ["RunResults", "RunnerResults", "concat_seeds", "combined_summary"]


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
        (self.out_dir / "summary.json").write_text(json_text(self.summary(), indent=1))
        for i in range(2):
            if self.params[i] is not None:
                self.agent(i).save(self.out_dir / f"agent_{i}.pkl")


def concat_seeds(datasets: list[Any], seeds: list[int]):
    """One-seed datasets of the seeds of a run joined along a new leading ``seed`` dimension."""
    from eqtools.validation import int_tuple

    if not isinstance(datasets, (list, tuple)) or not datasets or not all(hasattr(d, "data_vars") for d in datasets):
        raise ParameterError(f"datasets must be a non-empty list of one-seed Datasets, got {datasets!r}"[:300])
    if len(int_tuple("seeds", seeds)) != len(datasets):
        raise ParameterError(f"seeds must give one seed per dataset ({len(datasets)}), got {seeds!r}")
    import xarray as xr

    ds = xr.concat(datasets, dim="seed", combine_attrs="override")
    return ds.assign_coords(seed=np.asarray(seeds)).transpose("seed", ...)


def _mean_over_seeds(values: list[list[Any]]) -> list[float | None]:
    """Per learner the mean over seeds of summary numbers (``None`` where any seed has none)."""
    out: list[float | None] = []
    for per_learner in zip(*values):
        out.append(None if any(v is None for v in per_learner) else round(float(np.mean(per_learner)), 4))
    return out


def combined_summary(label: str, seeds: list[int], summaries: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    """The summary of a multi-seed run: every seed's one-seed summary (``per_seed``) and, per learner,
    the means over seeds of the final evaluation (``eval``) and of the last phase (``last_phase``)."""
    from eqtools.validation import check_value, int_tuple, nonneg_finite

    check_value("label", str, label)
    wall_s = nonneg_finite("wall_s", wall_s)
    if not isinstance(summaries, (list, tuple)) or not summaries or not all(
            isinstance(s, dict) and {"phases", "last_phase", "eval"} <= set(s) for s in summaries):
        raise ParameterError("summaries must be a non-empty list of one-seed summaries (PPISeedRun.summary())")
    if len(int_tuple("seeds", seeds)) != len(summaries):
        raise ParameterError(f"seeds must give one seed per summary ({len(summaries)}), got {seeds!r}")
    first = summaries[0]
    return {
        "label": label, "seeds": list(seeds), "phases": first["phases"], "wall_s": round(float(wall_s), 1),
        "last_phase": {m: _mean_over_seeds([s["last_phase"][m] for s in summaries]) for m in first["last_phase"]},
        "eval": {o: {k: _mean_over_seeds([s["eval"][o][k] for s in summaries]) for k in first["eval"][o]}
                 for o in first["eval"]},
        "per_seed": summaries,
    }


class RunnerResults:
    """Result views of a :class:`~learners.ppi.runner.PPIRunner` (a mixin): with one seed those of
    that seed (:class:`RunResults`), with several the per-seed ones joined (a ``seed`` dimension,
    summaries per seed and their means)."""

    def _one(self, name: str) -> RunResults:  # a SeedRun (a RunResults); no import back to seed_run
        if self.n_seeds != 1:
            raise ParameterError(f"this run has {self.n_seeds} seeds: use runner.per_seed[k].{name}")
        return self.per_seed[0]

    data = property(lambda self: self._one("data").data, doc="The two stores (one-seed runs; else per_seed[k].data).")
    history = property(lambda self: self._one("history").history, doc="Per-phase metric rows (one-seed runs).")
    eval_history = property(lambda self: self._one("eval_history").eval_history, doc="Evaluations (one-seed runs).")
    seed_key = property(lambda self: self._one("seed_key").seed_key)

    @property
    def seed_data(self) -> list[list[EpisodeStore]]:
        """Per seed the two learners' stores (for ``initial_data`` of a following run)."""
        return [v.data for v in self.per_seed]

    def live_metrics(self) -> dict[str, str]:
        """Latest phase metrics for the progress bar (means over seeds and learners)."""
        d = {"phase": str(min(self.phase, self.cfg.phases)), "stage": self.stage}
        if self.per_seed[0].history:
            h = np.stack([v.history[-1] for v in self.per_seed])
            for k in ("coop_pair", "reward_tab"):
                col = h[..., PHASE_METRICS.index(k)]
                if np.isfinite(col).any():
                    d[k] = f"{np.nanmean(col):.3f}"
        return d

    def agent(self, i: int) -> PPIAgent:
        """Learner ``i``'s current model and improvement as a frozen :class:`PPIAgent` (one-seed runs;
        else ``per_seed[k].agent(i)``)."""
        return self._one("agent(i)").agent(i)

    def phases_dataset(self):
        """Per-phase metrics (learner x phase; with several seeds also ``seed``)."""
        return self._views("phases_dataset")

    def eval_dataset(self):
        """Evaluation means over rounds (learner x phase x opponent; with several seeds also ``seed``)."""
        return self._views("eval_dataset")

    def rounds_dataset(self, index: int = -1):
        """Per-round curves of one evaluation (learner x opponent x round; several seeds: also ``seed``)."""
        return self._views("rounds_dataset", index)

    def _views(self, name: str, *args: Any):
        if self.n_seeds == 1:
            return getattr(self.per_seed[0], name)(*args)
        ds = concat_seeds([getattr(v, name)(*args) for v in self.per_seed], [v.cfg.seed for v in self.per_seed])
        if name == "phases_dataset":
            ds.attrs["config"] = json.dumps(self.cfg.to_dict())
        return ds

    def summary(self) -> dict[str, Any]:
        """Final numbers: the last phase's metrics and evaluation (means over rounds), per learner;
        with several seeds those of every seed (``per_seed``) and their means."""
        if self.n_seeds == 1:
            return self.per_seed[0].summary()
        return combined_summary(self.label, [v.cfg.seed for v in self.per_seed], [v.summary() for v in self.per_seed],
                                self.wall_s)

    def write_results(self) -> None:
        """The result files (see the class notes)."""
        from eqtools.io import write_netcdf

        if self.out_dir is None:
            return
        if self.n_seeds == 1:
            self.per_seed[0].write_results()
            return
        for v in self.per_seed:
            v.write_results()
        write_netcdf(self.phases_dataset(), self.out_dir / "phases.nc")
        write_netcdf(self.eval_dataset(), self.out_dir / "eval.nc")
        write_netcdf(self.rounds_dataset(), self.out_dir / "rounds.nc")
        (self.out_dir / "summary.json").write_text(json_text(self.summary(), indent=1))
