"""The mechanism pipeline of the paper (Figure 2) for PPI, as one chained run.

1. **step 1** — two independent learners trained against U(0,1)^5 tabular co-players only
   (``tabular_share = 1``): in-context best response.  Learner 1's final agent is frozen as the
   *Fixed In-Context Learner* (Fixed-ICL), saved as ``fixed_icl.pkl``.
2. **step 2** — two fresh learners (their own pretraining sets) trained against the Fixed-ICL
   only: each should learn to extort it.
3. **step 3** — the two step-2 learners continue (all their data so far) against each other.

Each stage is a :class:`learners.ppi.runner.PPIRunner` in ``out_dir/step<k>`` with its agents,
curves and checkpoints; re-running resumes every stage.

``fixed_icl=`` (a saved :class:`PPIAgent` or its path) skips step 1 and runs steps 2–3 against
that Fixed-ICL, so further seeds of the chain can share one trained in-context learner
(``eqtools train ppi --mode mechanism --fixed-icl runs/x/fixed_icl.pkl --mechanism-phases 0,8,6``).
It may also be any jittable :class:`~solvers.simulate.Policy` or a :mod:`learners.coplayers` spec
string (``bayes``, ``bayes:RULE[:DEPTH]``, ``memory-one:TFT``): the Bayesian in-context learner
as the Fixed-ICL needs no training.

With ``cfg.seeds = S`` every step runs the ``S`` seeds in one process and seed ``s`` of the chain
is the one-seed chain with ``seed + s``: each seed's step 2 plays its own step 1's Fixed-ICL (saved
as ``fixed_icl_seed<seed>.pkl``), or all play the one ``fixed_icl`` given.

Which Fixed-ICL ran is recorded in ``out_dir/fixed_icl.json`` (the spec, or the file and a
SHA-256 of the agent's parameters) and in the summary; re-running the chain in the same
directory with another Fixed-ICL is refused (:class:`ParameterError`), since step 2 would resume
learners trained against a different co-player.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from eqtools.errors import ParameterError

from .agent import PPIAgent
from .config import PPIConfig
from .runner import PPIRunner

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


class _PolicyCoPlayerRunner(PPIRunner):
    """A :class:`PPIRunner` whose fixed opponent is a jittable Policy rather than a :class:`PPIAgent`
    (the only change: episodes against it are played by :func:`learners.ppi.play.play_vs_policy`,
    vmapped over the seeds; the policy is the same for every seed)."""

    def __init__(self, cfg: PPIConfig, out_dir: str | Path | None, *, co_player: Any, label: str) -> None:
        super().__init__(cfg, out_dir, label=label)
        self.fixed = co_player

    def _play_seeds(self, i: int, keys: Any, tab_x: Any, n_pair: int) -> Any:
        from ..coplayers import check_coplayer

        check_coplayer(self.fixed, "the fixed co-player")
        fn = self.axis.policy_fn(self.fixed, self.module, n_pair, self.cfg.horizon, self.cfg.spec, self.cfg.noise)
        return fn(self._params[i], keys, tab_x, self._tables)


def _is_spec(x: Any) -> bool:
    from ..coplayers import FIXED_ICL_KINDS

    return isinstance(x, str) and x.split(":")[0].strip().lower() in FIXED_ICL_KINDS


def _agent_sha(icl: PPIAgent) -> str:
    import hashlib

    import jax
    import numpy as np

    h = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(icl.params):
        h.update(np.ascontiguousarray(np.asarray(leaf, np.float32)).tobytes())
    h.update(repr(tuple(icl.spec)).encode())
    return h.hexdigest()


def _resolve_fixed_icl(fixed_icl: Any, cfg: PPIConfig) -> tuple[Any, dict[str, Any]]:
    """``(co-player, record)``: a :class:`PPIAgent` or a Policy, and what ``fixed_icl.json`` says of it."""
    from ..coplayers import check_coplayer, fixed_icl_policy, normalise_fixed_icl

    if _is_spec(fixed_icl):
        spec = normalise_fixed_icl(fixed_icl, cfg.game)
        return fixed_icl_policy(spec, cfg.game, cfg.horizon), {"fixed_icl": spec, "kind": "spec"}
    if isinstance(fixed_icl, (PPIAgent, str, Path)):
        icl = _load_fixed_icl(fixed_icl, cfg)
        src = str(fixed_icl) if not isinstance(fixed_icl, PPIAgent) else "PPIAgent object"
        return icl, {"fixed_icl": f"ppi-agent:{src}", "kind": "ppi-agent", "sha256": _agent_sha(icl)}
    pol = check_coplayer(fixed_icl, "fixed_icl")
    return pol, {"fixed_icl": f"policy:{getattr(pol, 'name', type(pol).__name__)}", "kind": "policy"}


def _check_provenance(out: Path | None, record: dict[str, Any], resume: bool) -> None:
    """Refuse a chain directory whose recorded Fixed-ICL differs from ``record``; write the record."""
    import json

    if out is None:
        return
    path = out / "fixed_icl.json"
    old: Any = None
    if resume and path.exists():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            old = {"fixed_icl": f"unreadable {path}"}
    elif resume and (out / "fixed_icl.pkl").exists():  # a chain from before fixed_icl.json: its saved agent
        try:
            old = {"fixed_icl": str(out / "fixed_icl.pkl"), "kind": "ppi-agent",
                   "sha256": _agent_sha(PPIAgent.load(out / "fixed_icl.pkl"))}
        except Exception:
            old = {"fixed_icl": f"unreadable {out / 'fixed_icl.pkl'}"}
    if old is not None:
        same = isinstance(old, dict) and old.get("kind") == record["kind"] and (
            old.get("sha256") == record["sha256"] if record["kind"] == "ppi-agent" else old.get("fixed_icl") == record["fixed_icl"])
        if not same and (out / "step2" / "checkpoint.pkl").exists():
            raise ParameterError(f"{out} holds a chain whose step 2 was trained against Fixed-ICL "
                                 f"{(old or {}).get('fixed_icl', '?')!r} ({path}), not {record['fixed_icl']!r}; "
                                 "use another --out (or --fresh to start over)")
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1))


def run_mechanism(cfg: PPIConfig, out_dir: str | Path | None, phases: tuple[int, int, int] | None = None,
                  progress: bool = True, resume: bool = True,
                  fixed_icl: PPIAgent | str | Path | Any | None = None) -> dict[str, PPIRunner]:
    """Run steps 1–3 (phases per step default to ``cfg.phases``) and return the runners.

    ``fixed_icl``: skip step 1 and use this Fixed-ICL: a :class:`PPIAgent`, a saved agent file, a
    :mod:`learners.coplayers` spec (``"bayes"``, ``"memory-one:TFT"``) or any jittable
    :class:`~solvers.simulate.Policy`; the first entry of ``phases`` must then be 0 and the result
    has no ``"step1"`` runner.  The step-2 runner's ``fixed_icl_label`` says which Fixed-ICL ran."""
    from eqtools.validation import dir_path, instance_of

    instance_of("cfg", cfg, PPIConfig)
    out_dir = None if out_dir is None else dir_path("out_dir", out_dir)
    if phases is not None:
        from eqtools.validation import int_tuple

        phases = int_tuple("phases", phases)
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
        icls = [v.agent(0) for v in r1.per_seed]  # one Fixed-ICL per seed of the chain
        for a in icls:
            a.name = "Fixed-ICL"
        shas = [_agent_sha(a) for a in icls]
        icl: Any = icls[0] if len(icls) == 1 else icls
        record = {"fixed_icl": "step 1's learner 1 (PPI agent)", "kind": "ppi-agent",
                  "sha256": shas[0] if len(shas) == 1 else shas}
    else:
        icl, record = _resolve_fixed_icl(fixed_icl, cfg)
    _check_provenance(out, record, resume)
    if out is not None and isinstance(icl, PPIAgent):
        icl.save(out / "fixed_icl.pkl")
    elif out is not None and isinstance(icl, list):  # several seeds: fixed_icl_seed<seed>.pkl each
        for k, a in enumerate(icl):
            a.save(out / f"fixed_icl_seed{cfg.seed + k}.pkl")
    c2 = replace(cfg, tabular_share=0.0, phases=int(phases[1]), seed=cfg.seed + 1)
    if isinstance(icl, (PPIAgent, list)):
        r2 = PPIRunner(c2, sub("step2"), fixed_opponent=icl, label="step2")
    else:
        r2 = _PolicyCoPlayerRunner(c2, sub("step2"), co_player=icl, label="step2")
    r2.fixed_icl_label = record["fixed_icl"]  # type: ignore[attr-defined]
    r2.run(progress=progress, resume=resume)
    runners["step2"] = r2
    c3 = replace(cfg, tabular_share=0.0, phases=int(phases[2]), seed=cfg.seed + 2)
    r3 = PPIRunner(c3, sub("step3"), initial_data=r2.seed_data, initial_params=None if cfg.reinit else r2.params,
                   label="step3").run(progress=progress, resume=resume)
    runners["step3"] = r3
    return runners


def mechanism_summary(runners: dict[str, PPIRunner]) -> dict[str, Any]:
    """The numbers of Figure 2: step-1 rewards vs ALLC/ALLD/TFT, step-2 rewards of the learners
    and of the Fixed-ICL, step-3 cooperation between the two extortioners.  A chain of several
    seeds gives these per seed (``per_seed``, in the order of ``seeds``)."""
    if not isinstance(runners, dict) or not isinstance(runners.get("step2"), PPIRunner) or not all(
            isinstance(r, PPIRunner) for r in runners.values()):
        raise ParameterError(f"runners must map steps to PPIRunners with a 'step2' (learners.ppi.mechanism.run_mechanism), "
                             f"got {runners!r}"[:300])
    label = getattr(runners.get("step2"), "fixed_icl_label", None)
    n = runners["step2"].n_seeds
    per = [_seed_summary({k: r.per_seed[s] for k, r in runners.items()}, label) for s in range(n)]
    if n == 1:
        return per[0]
    out: dict[str, Any] = {} if label is None else {"fixed_icl": label}
    out["seeds"] = [runners["step2"].cfg.seed - 1 + s for s in range(n)]  # the chain's seeds (step 1's)
    out["per_seed"] = per
    return out


def _seed_summary(runners: dict[str, Any], label: Any) -> dict[str, Any]:
    """:func:`mechanism_summary` of one seed (``runners``: its :class:`~learners.ppi.seed_run.SeedRun` s)."""
    out: dict[str, Any] = {}
    if label is not None:
        out["fixed_icl"] = label
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
