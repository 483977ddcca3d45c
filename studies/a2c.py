"""Study: two A2C learners in the mixed pool vs the two ablations (paper Figure 1B, 4B views).

One code path for the presets ``smoke``, ``cpu`` and ``paper`` (see
:data:`learners.a2c.config.PRESETS`)::

    python -m studies.a2c --preset cpu --seeds 3 --runs runs/a2c_cpu --results studies/results/a2c/cpu

Big files (checkpoints, full netCDF) go to ``--runs`` (git-ignored ``runs/``); the small
artifacts (PNG plots, summary JSON, the rounds/eval netCDF) to ``--results``.
Re-running the same command resumes each condition from its checkpoint.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Sequence

from eqtools.errors import ParameterError
from eqtools.io import json_text, to_jsonable
from eqtools.provenance import machine
from studies import study_dirs

__all__ = ["CONDITIONS", "run_study", "results_table", "main"]

CONDITIONS: tuple[str, ...] = ("none", "opponent-id", "no-tabular")


def run_study(
    preset: str = "smoke",
    seeds: int | None = None,
    runs_dir: str | Path = "runs/a2c",
    results_dir: str | Path | None = None,
    conditions: Sequence[str] = CONDITIONS,
    progress: bool = True,
    max_minutes: float | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Train every condition (sequentially; seeds ``vmap``-ed inside each), then plot.

    ``iterations_per_condition={"none": 1500, ...}`` overrides the iterations per condition;
    ``max_minutes`` is a wall-clock budget per condition (the run then ends early, recorded).

    Returns ``{condition: summary}`` and writes ``study_summary.json`` plus the plots
    ``training.png``, ``rounds.png`` and ``eval.png`` into ``results_dir``.
    """

    from learners.a2c.plots import plot_eval, plot_rounds, plot_training
    from eqtools.io import write_netcdf
    from learners.a2c.config import preset_config
    from learners.a2c.trainer import Trainer

    runs_dir, results_dir = study_dirs(conditions, CONDITIONS, runs_dir, results_dir)
    if seeds is not None:
        overrides["seeds"] = seeds
    summaries: dict[str, Any] = {}
    metrics, rounds, evals = {}, {}, {}
    t_start = time.perf_counter()
    per_cond_iters = overrides.pop("iterations_per_condition", None) or {}
    for cond in conditions:
        over = dict(overrides)
        if cond in per_cond_iters:
            over["iterations"] = per_cond_iters[cond]
        cfg = preset_config(preset, ablation=cond, **over)
        tr = Trainer(cfg, runs_dir / cond)
        tr.run(progress=progress, max_seconds=None if max_minutes is None else 60.0 * max_minutes)
        summaries[cond] = tr.summary()
        summaries[cond]["config"] = cfg.to_dict()
        metrics[cond] = tr.metrics_dataset()
        rounds[cond] = tr.rounds_dataset()
        evals[cond] = tr.eval_dataset()
        write_netcdf(rounds[cond], results_dir / f"rounds_{cond}.nc")
        write_netcdf(evals[cond], results_dir / f"eval_{cond}.nc")
    wall = time.perf_counter() - t_start
    title = f"A2C, preset {preset}, {metrics[conditions[0]].sizes['seed']} seeds"
    window = max(1, min(100, metrics[conditions[0]].sizes["iteration"] // 20))
    plot_training(metrics, results_dir / "training.png", title=title, window=window)
    plot_rounds(rounds, results_dir / "rounds.png", title=title + ": final evaluation, per round")
    plot_eval(evals, results_dir / "eval.png", title=title + ": evaluation during training")
    # Small per-iteration metrics (seed-mean over learners, thinned) for the record.
    thin = max(1, metrics[conditions[0]].sizes["iteration"] // 500)
    for cond in conditions:
        write_netcdf(metrics[cond].isel(iteration=slice(thin - 1, None, thin)), results_dir / f"metrics_{cond}.nc")
    out = {
        "preset": preset,
        "machine": machine(),
        "wall_s_this_call": round(wall, 1),
        "wall_s_training": {c: summaries[c]["wall_s"] for c in conditions},
        "iterations_reached": {c: summaries[c]["iterations"] for c in conditions},
        "conditions": summaries,
    }
    (results_dir / "study_summary.json").write_text(json_text(out, indent=1))
    (results_dir / "results.md").write_text(results_table(to_jsonable(out)))
    return out


def results_table(study: dict[str, Any]) -> str:
    """Markdown tables (per condition and seed, mean of the two learners) from a study summary.

    Training columns: the last 10% of iterations of the training batches; evaluation columns:
    the final evaluation (mean over 100 rounds) against the co-learner and fixed co-players.
    Exact finite-horizon best-response values in the paper game: vs ALLC 2.0, vs ALLD 0.0,
    vs TFT 1.01; vs U(0,1)^5 tabular agents about 1.08 (ALLD earns about 1.05).
    """
    import numpy as np

    def m(x):
        a = np.asarray([[np.nan if v is None else v for v in row] for row in x], dtype=float)
        return a.mean(-1)  # mean over the two learners -> per seed

    lines = ["| condition | seed | iterations | coop L-L | reward L-L | reward vs pool tabular |"
             " eval coop L-L | eval reward vs ALLC / ALLD / TFT / random | eval coop vs ALLC / ALLD / TFT |",
             "|---|---|---|---|---|---|---|---|---|"]
    for cond, s in study["conditions"].items():
        tr, ev = s["train"], s["eval"]
        cols = {k: m(tr[k]) for k in ("coop_ll", "reward_ll", "reward_tab")}
        evr = {o: m(ev[o]["reward"]) for o in ev}
        evc = {o: m(ev[o]["coop"]) for o in ev}
        for i, seed in enumerate(s["seeds"]):
            f = lambda v: "—" if not np.isfinite(v) else f"{v:.2f}"  # noqa: E731
            lines.append(
                f"| {cond} | {seed} | {s['iterations']} | {f(cols['coop_ll'][i])} | {f(cols['reward_ll'][i])} | "
                f"{f(cols['reward_tab'][i])} | {f(evc['learner'][i])} | "
                f"{' / '.join(f(evr[o][i]) for o in ('ALLC', 'ALLD', 'TFT', 'random'))} | "
                f"{' / '.join(f(evc[o][i]) for o in ('ALLC', 'ALLD', 'TFT'))} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="smoke", choices=("smoke", "cpu", "paper"))
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--iterations", default=None,
                    help="iterations for every condition (N) or per condition (none=1500,opponent-id=600,...)")
    ap.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget per condition")
    ap.add_argument("--runs", default=None, help="run directory (default runs/a2c_<preset>)")
    ap.add_argument("--results", default=None,
                    help="small artifacts (default RUNS/results, git-ignored); commit deliberately with "
                         "--results studies/results/a2c/<name>")
    ap.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated, run in this order")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    over: dict[str, Any] = {}
    if args.iterations is not None:
        if "=" in args.iterations:
            try:
                over["iterations_per_condition"] = {k.strip(): int(v) for k, v in (p.split("=") for p in args.iterations.split(","))}
            except ValueError:
                raise ParameterError(f"--iterations must be N or cond=N,...; got {args.iterations!r}") from None
        else:
            over["iterations"] = int(args.iterations)
    out = run_study(
        args.preset,
        seeds=args.seeds,
        runs_dir=args.runs or f"runs/a2c_{args.preset}",
        results_dir=args.results,
        conditions=[c.strip() for c in args.conditions.split(",") if c.strip()],
        progress=not args.no_progress,
        max_minutes=args.max_minutes,
        **over,
    )
    for cond, s in out["conditions"].items():
        print(cond, "coop_ll", s["train"]["coop_ll"], "eval", {o: s["eval"][o]["reward"] for o in s["eval"]})
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
