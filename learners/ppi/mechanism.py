"""The mechanism pipeline of the paper (Figure 2) for PPI, as one chained run.

1. **step 1** — two independent learners trained against U(0,1)^5 tabular co-players only
   (``tabular_share = 1``): in-context best response.  Learner 1's final agent is frozen as the
   *Fixed In-Context Learner* (Fixed-ICL), saved as ``fixed_icl.pkl``.
2. **step 2** — two fresh learners (their own pretraining sets) trained against the Fixed-ICL
   only: each should learn to extort it.
3. **step 3** — the two step-2 learners continue (all their data so far) against each other.

Each stage is a :class:`learners.ppi.train.PPIRunner` in ``out_dir/step<k>`` with its agents,
curves and checkpoints; re-running resumes every stage.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from eqtools.errors import ParameterError

from .train import PPIAgent, PPIConfig, PPIRunner

__all__ = ["STEPS", "run_mechanism", "mechanism_summary"]

STEPS: tuple[str, ...] = ("step1", "step2", "step3")


def run_mechanism(cfg: PPIConfig, out_dir: str | Path | None, phases: tuple[int, int, int] | None = None,
                  progress: bool = True, resume: bool = True) -> dict[str, PPIRunner]:
    """Run steps 1–3 (phases per step default to ``cfg.phases``) and return the runners."""
    if cfg.ablation != "none":
        raise ParameterError(f"the mechanism pipeline runs without ablation, got ablation {cfg.ablation!r}")
    phases = phases or (cfg.phases,) * 3
    if len(phases) != 3 or any(int(p) < 1 for p in phases):
        raise ParameterError(f"phases must be three positive integers (steps 1, 2, 3), got {phases!r}")
    out = Path(out_dir) if out_dir is not None else None
    sub = (lambda name: out / name) if out is not None else (lambda name: None)
    runners: dict[str, PPIRunner] = {}
    c1 = replace(cfg, tabular_share=1.0, phases=int(phases[0]))
    r1 = PPIRunner(c1, sub("step1"), label="step1").run(progress=progress, resume=resume)
    runners["step1"] = r1
    icl: PPIAgent = r1.agent(0)
    icl.name = "Fixed-ICL"
    if out is not None:
        icl.save(out / "fixed_icl.pkl")
    c2 = replace(cfg, tabular_share=0.0, phases=int(phases[1]), seed=cfg.seed + 1)
    r2 = PPIRunner(c2, sub("step2"), fixed_opponent=icl, label="step2").run(progress=progress, resume=resume)
    runners["step2"] = r2
    c3 = replace(cfg, tabular_share=0.0, phases=int(phases[2]), seed=cfg.seed + 2)
    r3 = PPIRunner(c3, sub("step3"), initial_data=r2.data, initial_params=None if cfg.reinit else r2.params,
                   label="step3").run(progress=progress, resume=resume)
    runners["step3"] = r3
    return runners


def mechanism_summary(runners: dict[str, PPIRunner]) -> dict[str, Any]:
    """The numbers of Figure 2: step-1 rewards vs ALLC/ALLD/TFT, step-2 rewards of the learners
    and of the Fixed-ICL, step-3 cooperation between the two extortioners."""
    out: dict[str, Any] = {}
    s1 = runners["step1"].summary()
    out["step1"] = {o: s1["eval"][o] for o in ("ALLC", "ALLD", "TFT", "random")}
    r2 = runners["step2"]
    c, r = r2.eval_history[-1][:2]
    import numpy as np

    # co-player reward in the pair episodes: recompute from the evaluation's coop curves is not
    # possible, so use the last phase's gathered data (all episodes are vs the Fixed-ICL)
    tbl_co = np.asarray(r2.table)[[0, 2, 1, 3]]
    shard = [np.asarray(d.shards[-1]).astype(int) for d in r2.data]
    by_phase = [[float(tbl_co[np.asarray(sh).astype(int)].mean()) for sh in d.shards[1:]] for d in r2.data]
    out["step2_icl_reward_by_phase"] = [round(float(v), 4) for v in np.mean(by_phase, axis=0)]
    out["step2"] = {
        "learner_reward": [round(float(np.asarray(r2.table)[s].mean()), 4) for s in shard],
        "fixed_icl_reward": [round(float(tbl_co[s].mean()), 4) for s in shard],
        "learner_coop": [round(float((s // 2 == 0).mean()), 4) for s in shard],
        "fixed_icl_coop": [round(float((s % 2 == 0).mean()), 4) for s in shard],
        "eval_vs_icl_reward": [round(float(v), 4) for v in r[:, 0].mean(-1)],
    }
    s3 = runners["step3"].summary()
    out["step3"] = {"coop_pair": s3["last_phase"]["coop_pair"], "reward_pair": s3["last_phase"]["reward_pair"],
                    "eval_vs_learner": s3["eval"]["learner"]}
    return out
