"""The mechanism pipeline of the paper (Figure 2) for PPI, as one chained run.

1. **step 1** — two independent learners trained against U(0,1)^5 tabular co-players only
   (``tabular_share = 1``): in-context best response.  Learner 1's final agent is frozen as the
   *Fixed In-Context Learner* (Fixed-ICL), saved as ``fixed_icl.pkl``.
2. **step 2** — two fresh learners (their own pretraining sets) trained against the Fixed-ICL
   only: each should learn to extort it.
3. **step 3** — the two step-2 learners continue (all their data so far) against each other.

Each stage is a :class:`learners.ppi.train.PPIRunner` in ``out_dir/step<k>`` with its agents,
curves and checkpoints; re-running resumes every stage.

``fixed_icl=`` (a saved :class:`PPIAgent` or its path) skips step 1 and runs steps 2–3 against
that Fixed-ICL, so further seeds of the chain can share one trained in-context learner
(``eqtools train ppi --mode mechanism --fixed-icl runs/x/fixed_icl.pkl --mechanism-phases 0,8,6``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from eqtools.errors import ParameterError

from .train import PPIAgent, PPIConfig, PPIRunner

__all__ = ["STEPS", "run_mechanism", "mechanism_summary"]

STEPS: tuple[str, ...] = ("step1", "step2", "step3")


def _load_fixed_icl(fixed_icl: PPIAgent | str | Path, cfg: PPIConfig) -> PPIAgent:
    """A given Fixed-ICL, checked against the chain's game and horizon."""
    from eqtools.errors import FileFormatError

    if isinstance(fixed_icl, PPIAgent):
        icl = fixed_icl
    else:
        path = Path(fixed_icl)
        if not path.is_file():
            raise FileFormatError(f"fixed_icl: no such file {str(path)!r}")
        try:
            icl = PPIAgent.load(path)
        except Exception as exc:  # a damaged or foreign pickle
            raise FileFormatError(f"fixed_icl: {str(path)!r} is not a saved PPI agent ({type(exc).__name__}: {exc})") from exc
    if icl.game != cfg.game or int(icl.horizon) != int(cfg.horizon):
        raise ParameterError(f"fixed_icl was trained on game {icl.game!r}, horizon {icl.horizon}; this chain uses "
                             f"game {cfg.game!r}, horizon {cfg.horizon}")
    if icl.use_opponent_id:
        raise ParameterError("fixed_icl: an opponent-ID agent cannot be the Fixed-ICL (it needs its co-player's z)")
    icl.name = "Fixed-ICL"
    return icl


def run_mechanism(cfg: PPIConfig, out_dir: str | Path | None, phases: tuple[int, int, int] | None = None,
                  progress: bool = True, resume: bool = True,
                  fixed_icl: PPIAgent | str | Path | None = None) -> dict[str, PPIRunner]:
    """Run steps 1–3 (phases per step default to ``cfg.phases``) and return the runners.

    ``fixed_icl``: skip step 1 and use this agent (or saved agent file) as the Fixed-ICL; the
    first entry of ``phases`` must then be 0 and the result has no ``"step1"`` runner."""
    if cfg.ablation != "none":
        raise ParameterError(f"the mechanism pipeline runs without ablation, got ablation {cfg.ablation!r}")
    phases = tuple(phases) if phases else ((0,) if fixed_icl is not None else (cfg.phases,)) + (cfg.phases,) * 2
    if len(phases) != 3 or any(int(p) < 1 for p in phases[1:]) or int(phases[0]) < 0:
        raise ParameterError(f"phases must be three integers (steps 1, 2, 3), steps 2 and 3 positive, got {phases!r}")
    if fixed_icl is None and int(phases[0]) == 0:
        raise ParameterError("phases: step 1 with 0 phases needs a Fixed-ICL (fixed_icl= / --fixed-icl)")
    if fixed_icl is not None and int(phases[0]) != 0:
        raise ParameterError(f"phases: a given Fixed-ICL replaces step 1, so step 1 must have 0 phases, got {phases[0]}")
    out = Path(out_dir) if out_dir is not None else None
    sub = (lambda name: out / name) if out is not None else (lambda name: None)
    runners: dict[str, PPIRunner] = {}
    if fixed_icl is None:
        c1 = replace(cfg, tabular_share=1.0, phases=int(phases[0]))
        r1 = PPIRunner(c1, sub("step1"), label="step1").run(progress=progress, resume=resume)
        runners["step1"] = r1
        icl: PPIAgent = r1.agent(0)
        icl.name = "Fixed-ICL"
    else:
        icl = _load_fixed_icl(fixed_icl, cfg)
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
    if "step1" in runners:  # absent when a saved Fixed-ICL replaced step 1
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
