"""The mechanism pipeline of the paper (Figure 4, A2C) as one chained, resumable run.

1. **step 1** — the two learners train against U(0,1)^5 tabular co-players only
   (``tabular_share = 1``; Table 2 step 1): in-context best response.  Learner 1's final
   parameters (per seed) are frozen as the *Fixed In-Context Learner* (Fixed-ICL).
2. **step 2** — two fresh learners train against that seed's Fixed-ICL only
   (``tabular_share = 0``, ``fixed_opponent``; Table 2 step 2): each should learn to extort it.
3. **step 3** — the two step-2 learners (their final parameters, a fresh Adam state) train
   against each other (Table 2 step 3).

Each step is a :class:`learners.a2c.trainer.Trainer` in ``out_dir/step<k>`` with checkpoints and
result files; re-running resumes whatever step was interrupted and skips finished ones.  Steps 2
and 3 use seeds ``seed + 1000`` and ``seed + 2000`` (fresh initialisations and random streams
different from step 1's); seed index ``i`` of step 2 plays the Fixed-ICL of seed index ``i``.

``fixed_icl=`` (a :mod:`learners.coplayers` spec such as ``"bayes"``, or ``"memory-one:TFT"``)
replaces the step-1 Fixed-ICL by that co-player (the same for every seed): step 1 is then not run,
and step 2's config records the spec (``TrainConfig.fixed_icl``), so a resume with another
Fixed-ICL is refused.

The Table 2 A2C settings of each step are used as published; the batch (episodes per learner
per iteration) and network size come from the base config, so the ``cpu`` preset runs the chain
with its own batch and GRU size.  ``hyper_overrides`` changes them per step.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import jax
import numpy as np

from eqtools.errors import ParameterError

from .checkpoint import checkpoint_params, load_checkpoint_state
from .config import TrainConfig
from .loss import table2
from .trainer import Trainer

__all__ = ["STEPS", "SEED_OFFSETS", "step_configs", "run_mechanism", "mechanism_summary", "parse_hyper"]

STEPS: tuple[str, ...] = ("step1", "step2", "step3")
#: Seed offset of each step (so steps 2 and 3 start from fresh initialisations).
SEED_OFFSETS: tuple[int, int, int] = (0, 1000, 2000)


def _check_args(base: Any, iterations: Any, hyper_overrides: Any, batches: Any) -> None:
    """Named errors for the arguments shared by :func:`step_configs` and :func:`run_mechanism`."""
    from eqtools.validation import instance_of, int_tuple

    instance_of("base", base, TrainConfig)
    int_tuple("iterations", iterations)
    if hyper_overrides is not None and (not isinstance(hyper_overrides, Mapping)
                                        or not all(isinstance(v, Mapping) for v in hyper_overrides.values())):
        raise ParameterError(f"hyper_overrides must map steps (1, 2, 3) to dicts of settings, got {hyper_overrides!r}")
    if batches is not None:
        int_tuple("batches", batches, 1)


def step_configs(base: TrainConfig, iterations: Sequence[int],
                 hyper_overrides: Mapping[int, Mapping[str, Any]] | None = None,
                 batches: Sequence[int] | None = None) -> tuple[TrainConfig, TrainConfig, TrainConfig]:
    """The three steps' configs derived from ``base`` (sizes, seeds, evaluation cadence).

    ``batches`` (optional) sets each step's episodes per learner per iteration (the ``paper``
    preset passes Table 2's 2048, 2048, 4096); by default every step uses ``base.batch``."""
    _check_args(base, iterations, hyper_overrides, batches)
    if base.ablation != "none":
        raise ParameterError(f"the mechanism pipeline runs without ablation, got ablation {base.ablation!r}")
    from ..pool import is_prior

    if base.tabular != "uniform" and not is_prior(base.tabular) and "uniform" not in base.tabular:
        raise ParameterError("the mechanism pipeline's step 1 uses U(0,1)^5 tabular co-players: tabular must be "
                             "'uniform', a prior 'prior:SPEC' or a mixture that contains 'uniform' "
                             "(e.g. uniform,uniform,uniform,TFT)")
    try:
        its = [int(i) for i in iterations]
    except (TypeError, ValueError):
        raise ParameterError(f"iterations must be three integers (steps 1, 2, 3), got {iterations!r}") from None
    if len(its) != 3 or any(i < 0 for i in its) or not any(its):
        raise ParameterError(f"iterations must be three non-negative integers (steps 1, 2, 3; 0 = skip that step, "
                             f"at least one positive), got {iterations!r}")
    hyper_overrides = dict(hyper_overrides or {})
    bad = set(hyper_overrides) - {1, 2, 3}
    if bad:
        raise ParameterError(f"hyper_overrides keys must be steps 1, 2, 3, got {sorted(bad)}")
    shares = (1.0, 0.0, 0.0)
    bs = [base.batch] * 3 if batches is None else [int(b) for b in batches]
    if len(bs) != 3:
        raise ParameterError(f"batches must give one batch size per step, got {batches!r}")
    out = []
    for k in (1, 2, 3):
        out.append(replace(base, batch=bs[k - 1], tabular_share=shares[k - 1], fixed_opponent=(k == 2), iterations=max(1, its[k - 1]),
                           seed=base.seed + SEED_OFFSETS[k - 1], hyper=table2(k, **dict(hyper_overrides.get(k, {}))),
                           sampler=base.sampler if k == 1 else None))  # the tabular sampler only concerns step 1
    return tuple(out)  # type: ignore[return-value]


def _learner1(params: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: np.asarray(x)[:, 0], params)


def run_mechanism(base: TrainConfig, out_dir: str | Path, iterations: Sequence[int],
                  hyper_overrides: Mapping[int, Mapping[str, Any]] | None = None, progress: bool = True,
                  resume: bool = True, max_seconds: Sequence[float | None] | None = None,
                  batches: Sequence[int] | None = None, fixed_icl: str | None = None) -> dict[str, Trainer]:
    """Run steps 1–3 in ``out_dir/step1..3``; returns the trainers of the steps that ran.

    A step with 0 iterations is skipped (e.g. ``(2500, 0, 0)`` runs step 1 alone,
    ``(0, 1500, 0)`` runs step 2 against the Fixed-ICL already in ``out_dir/step1``); a step
    that needs an earlier step's checkpoint that is not there raises :class:`ParameterError`.
    ``max_seconds`` (per step) ends a step early as if finished (recorded in its summary); the
    next step then starts from what that step reached.

    ``fixed_icl`` (a :mod:`learners.coplayers` spec): step 2 plays that co-player instead of step 1's
    learner 1; step 1 must then have 0 iterations (:class:`ParameterError` otherwise)."""
    from eqtools.validation import dir_path

    _check_args(base, iterations, hyper_overrides, batches)
    out_dir = dir_path("out_dir", out_dir)
    if fixed_icl is not None and not isinstance(fixed_icl, str):
        raise ParameterError(f"fixed_icl must be a co-player spec string, got {fixed_icl!r}")
    if max_seconds is not None and (isinstance(max_seconds, (str, bytes)) or not hasattr(max_seconds, "__len__")
                                    or len(max_seconds) != 3
                                    or not all(m is None or (isinstance(m, (int, float)) and not isinstance(m, bool)
                                                             and 0 < m < float("inf")) for m in max_seconds)):
        raise ParameterError(f"max_seconds must be three time limits in seconds (> 0, or None), got {max_seconds!r}")
    its = [int(i) for i in iterations] if iterations is not None else []
    c1, c2, c3 = step_configs(base, iterations, hyper_overrides, batches)
    if fixed_icl is not None:
        if its and its[0] > 0:
            raise ParameterError(f"fixed_icl {fixed_icl!r} replaces step 1's Fixed-ICL, so step 1 must have 0 iterations "
                                 f"(e.g. 0,1500,1500), got {its[0]}")
        c2 = replace(c2, fixed_icl=str(fixed_icl))
    out = Path(out_dir)
    budgets = list(max_seconds) if max_seconds is not None else [None, None, None]
    if len(budgets) != 3:
        raise ParameterError("max_seconds must give one budget per step")
    trainers: dict[str, Trainer] = {}

    def need(step: str, by: str) -> None:
        if not (out / step / "checkpoint.pkl").exists():
            raise ParameterError(f"{by} needs {step}'s checkpoint in {out / step}, which does not exist: run {step} first "
                                 f"(give it a positive number of iterations) or use the --out of a run that did")

    if its[0] > 0:
        trainers["step1"] = Trainer(c1, out / "step1").run(progress=progress, resume=resume, max_seconds=budgets[0])
    if its[1] > 0 and c2.fixed_icl:
        trainers["step2"] = Trainer(c2, out / "step2").run(progress=progress, resume=resume, max_seconds=budgets[1])
    elif its[1] > 0:
        need("step1", "step 2")
        cfg1, p1, _ = checkpoint_params(out / "step1")
        if cfg1.seeds != c2.seeds or cfg1.hidden != c2.hidden or cfg1.embed != c2.embed:
            raise ParameterError(f"step 1 in {out / 'step1'} has {cfg1.seeds} seed(s), hidden {cfg1.hidden}, embed {cfg1.embed}; "
                                 f"step 2 was asked for {c2.seeds}, {c2.hidden}, {c2.embed}")
        trainers["step2"] = Trainer(c2, out / "step2", fixed_params=_learner1(p1)).run(progress=progress, resume=resume,
                                                                                         max_seconds=budgets[1])
    if its[2] > 0:
        need("step2", "step 3")
        if fixed_icl is not None and its[1] == 0:
            ran = load_checkpoint_state(out / "step2")[0].fixed_icl
            if ran != c2.fixed_icl:
                raise ParameterError(f"step 2 in {out / 'step2'} was trained against Fixed-ICL {ran or 'step 1 learner 1'!r}, "
                                     f"not {c2.fixed_icl!r}: step 3 would continue other learners than asked")
        init3 = checkpoint_params(out / "step2")[1]
        trainers["step3"] = Trainer(c3, out / "step3", init_params=init3).run(progress=progress, resume=resume,
                                                                              max_seconds=budgets[2])
    return trainers


def mechanism_summary(trainers: Mapping[str, Trainer]) -> dict[str, Any]:
    """The paper's Figure-4 numbers per seed (means over rounds of the final evaluation).

    * step 1: learner 1's (the Fixed-ICL's) reward and cooperation vs ALLC, ALLD, TFT, random
      (paper: ≈ 2, ≈ 0, ≈ 1);
    * step 2: each fresh learner's reward vs the Fixed-ICL and the Fixed-ICL's reward
      (paper, A2C: ≈ 1.25 for the extortioner);
    * step 3: the two extortioners' cooperation and reward against each other
      (paper: cooperation, or a fall back to defection depending on the seed).
    """
    if not isinstance(trainers, Mapping) or not all(isinstance(t, Trainer) for t in trainers.values()):
        raise ParameterError(f"trainers must map step names to Trainers (learners.a2c.mechanism.run_mechanism), "
                             f"got {trainers!r}"[:300])
    from .config import EVAL_OPPONENT_NAMES

    def final(t: Trainer) -> tuple[np.ndarray, ...]:
        e = t.eval_history[-1]
        return tuple(np.asarray(x).mean(-1) for x in e[:4])  # each (S, 2, O)

    idx = {o: j for j, o in enumerate(EVAL_OPPONENT_NAMES)}
    j = idx["learner"]
    first = next(iter(trainers.values())).cfg
    k0 = STEPS.index(next(iter(trainers)))
    base_seed = first.seed - SEED_OFFSETS[k0]
    out: dict[str, Any] = {"seeds": list(range(base_seed, base_seed + first.seeds))}  # step 1's seeds (steps 2, 3: + 1000, + 2000)
    if "step2" in trainers:
        out["fixed_icl"] = trainers["step2"].cfg.fixed_icl or "step 1's learner 1 (frozen GRU)"
    if "step1" in trainers:
        c, r, _, _ = final(trainers["step1"])
        brv = np.asarray(trainers["step1"].eval_history[-1][4]) if len(trainers["step1"].eval_history[-1]) > 4 else None
        out["step1"] = {o: {"reward": np.round(r[:, 0, idx[o]], 4).tolist(), "coop": np.round(c[:, 0, idx[o]], 4).tolist()}
                        for o in ("ALLC", "ALLD", "TFT", "random")}
        if brv is not None:
            for o in ("ALLC", "ALLD", "TFT", "random"):
                out["step1"][o]["regret"] = np.round(brv[:, 0, idx[o]] - r[:, 0, idx[o]], 4).tolist()
        out["step1"]["iterations"] = trainers["step1"].iteration
    if "step2" in trainers:
        c, r, oc, orw = final(trainers["step2"])
        out["step2"] = {"reward_exploiter": np.round(r[:, :, j], 4).tolist(), "reward_fixed_icl": np.round(orw[:, :, j], 4).tolist(),
                        "coop_exploiter": np.round(c[:, :, j], 4).tolist(), "coop_fixed_icl": np.round(oc[:, :, j], 4).tolist(),
                        "iterations": trainers["step2"].iteration}
    if "step3" in trainers:
        c, r, _, _ = final(trainers["step3"])
        out["step3"] = {"coop": np.round(c[:, :, j], 4).tolist(), "reward": np.round(r[:, :, j], 4).tolist(),
                        "iterations": trainers["step3"].iteration}
    return out


def parse_hyper(text: str | None) -> dict[int, dict[str, Any]]:
    """Parse ``'1:entropy_coef=0.01,reward_scale=0.02;3:lr=0.003'`` into ``{1: {...}, 3: {...}}``."""
    out: dict[int, dict[str, Any]] = {}
    if text is not None and not isinstance(text, str):
        raise ParameterError(f"hyper-parameter overrides must be a string like '1:lr=0.003;3:...', got {text!r}")
    if not text:
        return out
    from dataclasses import fields

    from .loss import A2CHyper

    kinds = {f.name: f.type for f in fields(A2CHyper)}
    try:
        for part in filter(None, (p.strip() for p in text.split(";"))):
            step, kv = part.split(":", 1)
            d = out.setdefault(int(step), {})
            for item in filter(None, (x.strip() for x in kv.split(","))):
                k, v = item.split("=", 1)
                k = k.strip()
                if k not in kinds:
                    raise ParameterError(f"unknown A2C hyper-parameter {k!r} in --hyper (choose from {sorted(kinds)})")
                if kinds[k] in (bool, "bool"):
                    d[k] = v.strip().lower() in ("1", "true", "yes")
                elif kinds[k] in (int, "int"):
                    d[k] = int(v)
                else:
                    d[k] = float(v)
    except ParameterError:
        raise
    except ValueError:
        raise ParameterError(f"--hyper must look like '1:entropy_coef=0.01,reward_scale=0.02;3:lr=0.003', got {text!r}") from None
    return out
