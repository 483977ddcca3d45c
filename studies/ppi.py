"""Study: PPI (Predictive Policy Improvement) — mechanism pipeline and mixed pool.

One code path for the presets ``smoke``, ``cpu`` and ``paper`` (see
:data:`learners.ppi.config.PRESETS`)::

    python -m studies.ppi --preset cpu --runs runs/ppi_cpu --results studies/results/ppi/cpu

Conditions (``--conditions``, comma-separated):

* ``mechanism`` — paper Figure 2: step 1 (tabular only -> Fixed-ICL), step 2 (fresh learners vs
  the Fixed-ICL), step 3 (the two step-2 learners vs each other);
* ``pool`` — two PPI learners in the mixed pool (paper Figure 1);
* ``no-tabular`` — the no-tabular ablation (random-action pretraining, learners only meet
  each other);
* ``opponent-id`` — the opponent-ID ablation (the model reads the co-player's opponent-ID
  vector ``z``: the tabular co-player's log-probabilities, 0 for a learning co-player).
  Not in the default ``--conditions``; ask for it explicitly.

Big files (checkpoints, data shards) go to ``--runs`` (git-ignored ``runs/``); the small
artifacts (PNG plots, ``study_summary.json``, small netCDF) to ``--results``.  Re-running the
same command resumes every stage from its checkpoint.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Sequence

from eqtools.errors import ParameterError
from eqtools.io import json_text
from eqtools.provenance import machine
from studies import study_dirs

__all__ = ["CONDITIONS", "DEFAULT_CONDITIONS", "PAPER", "run_study", "main"]

CONDITIONS: tuple[str, ...] = ("mechanism", "pool", "no-tabular", "opponent-id")
#: What ``--conditions`` runs when not given (unchanged since before the opponent-ID ablation).
DEFAULT_CONDITIONS: tuple[str, ...] = ("mechanism", "pool", "no-tabular")

#: The paper's numbers (Weis et al. 2026, Figures 1–2) to set beside ours.
PAPER: dict[str, Any] = {
    "step1_reward": {"ALLC": 2.0, "ALLD": 0.0, "TFT": 1.0},
    "step2_reward": {"learner": 0.9, "fixed_icl": 0.2},
    "step3_coop": 0.95,
    "pool_coop_pair": 0.9,
    "pool_reward_pair": 0.9,
    "no_tabular_coop": "near 0-0.2",
    "opponent_id_coop": "near 0-0.2",
}


def run_study(preset: str = "smoke", runs_dir: str | Path = "runs/ppi", results_dir: str | Path | None = None,
              conditions: Sequence[str] = DEFAULT_CONDITIONS, progress: bool = True, mechanism_phases: tuple[int, int, int] | None = None,
              **overrides: Any) -> dict[str, Any]:
    """Run the conditions in sequence, write plots, small netCDF files and ``study_summary.json``."""
    from learners.ppi.mechanism import mechanism_summary, run_mechanism
    from learners.ppi.plots import plot_mechanism, plot_phases, plot_rounds
    from learners.ppi.config import preset_config
    from learners.ppi.runner import PPIRunner
    from eqtools.io import write_netcdf

    runs_dir, results_dir = study_dirs(conditions, CONDITIONS, runs_dir, results_dir)
    out: dict[str, Any] = {"preset": preset, "machine": machine(), "paper": PAPER, "conditions": {}}
    t0 = time.perf_counter()
    phase_sets, round_sets = {}, {}
    for cond in conditions:
        tc = time.perf_counter()
        if cond == "mechanism":
            cfg = preset_config(preset, **overrides)
            runners = run_mechanism(cfg, runs_dir / "mechanism", phases=mechanism_phases, progress=progress)
            summ = mechanism_summary(runners)
            summ["wall_s"] = {k: r.summary()["wall_s"] for k, r in runners.items()}
            summ["config"] = cfg.to_dict()
            for k, r in runners.items():
                write_netcdf(r.phases_dataset(), results_dir / f"phases_{k}.nc")
                write_netcdf(r.rounds_dataset(), results_dir / f"rounds_{k}.nc")
                phase_sets[k] = r.phases_dataset()
                round_sets[k] = r.rounds_dataset()
            plot_mechanism(runners["step1"].rounds_dataset(), runners["step2"].phases_dataset(),
                           runners["step3"].phases_dataset(), summ, results_dir / "mechanism.png",
                           title=f"PPI mechanism, preset {preset}")
        else:
            cfg = preset_config(preset, ablation="none" if cond == "pool" else cond, **overrides)
            r = PPIRunner(cfg, runs_dir / cond, label=cond).run(progress=progress)
            summ = r.summary()
            summ["config"] = cfg.to_dict()
            write_netcdf(r.phases_dataset(), results_dir / f"phases_{cond}.nc")
            write_netcdf(r.eval_dataset(), results_dir / f"eval_{cond}.nc")
            write_netcdf(r.rounds_dataset(), results_dir / f"rounds_{cond}.nc")
            phase_sets[cond] = r.phases_dataset()
            round_sets[cond] = r.rounds_dataset()
        summ["wall_s_this_call"] = round(time.perf_counter() - tc, 1)
        out["conditions"][cond] = summ
    out["wall_s_this_call"] = round(time.perf_counter() - t0, 1)
    if phase_sets:
        plot_phases(phase_sets, results_dir / "phases.png", title=f"PPI, preset {preset}: curves by phase")
        plot_rounds(round_sets, results_dir / "rounds.png", title=f"PPI, preset {preset}: final evaluation per round")
    (results_dir / "study_summary.json").write_text(json_text(out, indent=1))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="smoke", choices=("smoke", "cpu", "paper"))
    ap.add_argument("--runs", default=None, help="run directory (default runs/ppi_<preset>)")
    ap.add_argument("--results", default=None,
                    help="small artifacts (default RUNS/results, git-ignored); commit deliberately with "
                         "--results studies/results/ppi/<name>")
    ap.add_argument("--conditions", default=",".join(DEFAULT_CONDITIONS),
                    help=f"comma-separated, from {','.join(CONDITIONS)} (default {','.join(DEFAULT_CONDITIONS)})")
    ap.add_argument("--phases", type=int, default=None, help="phases per run (overrides the preset)")
    ap.add_argument("--mechanism-phases", default=None, help="phases of steps 1,2,3, e.g. 8,6,6")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--beta", type=float, default=None)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    over: dict[str, Any] = {}
    for k in ("phases", "seed", "beta"):
        if getattr(args, k) is not None:
            over[k] = getattr(args, k)
    mp = None
    if args.mechanism_phases:
        try:
            mp = tuple(int(x) for x in args.mechanism_phases.split(","))
        except ValueError as exc:
            raise ParameterError(f"--mechanism-phases must be three integers like 8,6,6, got {args.mechanism_phases!r}") from exc
    out = run_study(args.preset, runs_dir=args.runs or f"runs/ppi_{args.preset}",
                    results_dir=args.results,
                    conditions=[c.strip() for c in args.conditions.split(",") if c.strip()],
                    progress=not args.no_progress, mechanism_phases=mp, **over)
    print(json.dumps({c: {k: v for k, v in s.items() if k != "config"} for c, s in out["conditions"].items()}, indent=1)[:6000])
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
