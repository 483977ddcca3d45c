"""Study: the A2C mechanism chain (paper Figure 4): in-context best response -> extortion -> cooperation.

One code path for the presets ``smoke``, ``cpu`` and ``paper`` (sizes from
:data:`learners.a2c.config.PRESETS`, A2C settings of each step from the paper's Table 2; the
``paper`` preset also takes Table 2's batch per step)::

    python -m studies.a2c_mechanism --preset cpu --seeds 2 --iterations 1500,1500,1500

Checkpoints go to ``--runs`` (git-ignored ``runs/``), the plot ``mechanism.png``,
``mechanism_summary.json`` and ``results.md`` to ``--results``.  Re-running resumes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Sequence

from eqtools.errors import ParameterError
from eqtools.io import json_text
from eqtools.provenance import machine
from learners.a2c.mechanism import parse_hyper
from learners.a2c.plots import plot_mechanism

# plot_mechanism (learners.a2c.plots) and parse_hyper (learners.a2c.mechanism) moved into the library;
# they are re-exported here for one release.
__all__ = ["PAPER_NUMBERS", "run_study", "plot_mechanism", "parse_hyper", "results_table", "main"]

#: The paper's Figure 4 numbers (A2C), for the side-by-side table.
PAPER_NUMBERS: dict[str, str] = {
    "step1": "vs ALLC ≈ 2, vs ALLD ≈ 0, vs TFT ≈ 1",
    "step2": "extortioner ≈ 1.25 per round vs the Fixed-ICL",
    "step3": "cooperation, or a fall back to defection depending on the seed",
}


def results_table(summary: dict[str, Any]) -> str:
    """Markdown: per seed, the three steps' final evaluation numbers beside the paper's."""
    import numpy as np

    empty: dict[str, Any] = {"ALLC": {"reward": []}, "reward_exploiter": [], "coop": []}
    s1, s2, s3 = (summary.get(k, empty) for k in ("step1", "step2", "step3"))
    seeds = summary.get("seeds", [])
    lines = [
        "| step | seed | measured | paper (A2C, Fig. 4) |",
        "|---|---|---|---|",
    ]
    for i in range(len(s1["ALLC"]["reward"])):
        lines.append(f"| 1 (Fixed-ICL), it {s1['iterations']} | {seeds[i]} | reward vs ALLC / ALLD / TFT / random: "
                     + " / ".join(f"{s1[o]['reward'][i]:.2f}" for o in ("ALLC", "ALLD", "TFT", "random"))
                     + (f"; regret vs random {s1['random']['regret'][i]:.3f}" if "regret" in s1["random"] else "")
                     + f" | {PAPER_NUMBERS['step1']} |")
    for i in range(len(s2["reward_exploiter"])):
        ex, icl = np.asarray(s2["reward_exploiter"][i]), np.asarray(s2["reward_fixed_icl"][i])
        lines.append(f"| 2, it {s2['iterations']} | {seeds[i]} | exploiters {ex[0]:.2f}, {ex[1]:.2f} vs Fixed-ICL {icl[0]:.2f}, {icl[1]:.2f} "
                     f"| {PAPER_NUMBERS['step2']} |")
    for i in range(len(s3["coop"])):
        c, r = np.asarray(s3["coop"][i]), np.asarray(s3["reward"][i])
        lines.append(f"| 3, it {s3['iterations']} | {seeds[i]} | cooperation {c.mean():.2f}, reward {r[0]:.2f} / {r[1]:.2f} "
                     f"| {PAPER_NUMBERS['step3']} |")
    return "\n".join(lines) + "\n"


def run_study(preset: str = "smoke", seeds: int | None = None, seed: int | None = None, iterations: Sequence[int] | None = None,
              runs_dir: str | Path = "runs/a2c_mechanism", results_dir: str | Path | None = None,
              progress: bool = True, max_minutes: float | None = None,
              hyper_overrides: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run (or resume) the chain and write the plot and summaries; returns the summary.

    ``hyper_overrides`` = ``{step: {A2CHyper field: value}}`` changes a step's Table 2 settings."""
    from learners.a2c import TABLE2_STEPS
    from learners.a2c.config import preset_config
    from learners.a2c.mechanism import mechanism_summary, run_mechanism

    over: dict[str, Any] = {}
    if seeds is not None:
        over["seeds"] = seeds
    if seed is not None:
        over["seed"] = seed
    base = preset_config(preset, **over)
    if iterations is None:
        iterations = {"smoke": (40, 40, 40), "cpu": (1500, 1500, 1500), "paper": (20_000, 20_000, 20_000)}[preset]
    runs_dir, results_dir = Path(runs_dir), Path(results_dir) if results_dir is not None else Path(runs_dir) / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    budget = None if max_minutes is None else [60.0 * max_minutes] * 3
    batches = [TABLE2_STEPS[k]["batch"] for k in (1, 2, 3)] if preset == "paper" else None  # Table 2 batch per step
    trainers = run_mechanism(base, runs_dir, iterations, hyper_overrides=hyper_overrides, progress=progress,
                             max_seconds=budget, batches=batches)
    summary = mechanism_summary(trainers)
    out = {"preset": preset, "machine": machine(), "wall_s_this_call": round(time.perf_counter() - t0, 1),
           "wall_s_training": {k: round(t.wall_s, 1) for k, t in trainers.items()},
           "configs": {k: t.cfg.to_dict() for k, t in trainers.items()}, "paper": PAPER_NUMBERS, **summary}
    (results_dir / "mechanism_summary.json").write_text(json_text(out, indent=1))
    (results_dir / "results.md").write_text(results_table(summary))
    plot_mechanism(trainers, results_dir / "mechanism.png",
                   title=f"A2C mechanism chain, preset {preset}, {base.seeds} seed(s), batch {base.batch}, GRU {base.hidden}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="smoke", choices=("smoke", "cpu", "paper"))
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None, help="first seed (default 0)")
    ap.add_argument("--iterations", default=None,
                    help="iterations of steps 1,2,3, e.g. 1500,1500,1500; 0 skips a step (2500,0,0 = step 1 alone, "
                         "0,1500,1500 = steps 2 and 3 on the step 1 already in --runs)")
    ap.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget per step")
    ap.add_argument("--runs", default=None, help="run directory (default runs/a2c_mechanism_<preset>)")
    ap.add_argument("--results", default=None,
                    help="small artifacts (default RUNS/results, git-ignored); committing a result is deliberate: "
                         "--results studies/results/a2c_mechanism/<name>")
    ap.add_argument("--hyper", default=None,
                    help="per-step changes to the Table 2 settings, e.g. '1:entropy_coef=0.01,reward_scale=0.02;3:lr=0.003'")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    its = None
    if args.iterations is not None:
        try:
            its = tuple(int(x) for x in args.iterations.split(","))
        except ValueError:
            raise ParameterError(f"--iterations must be three integers like 1500,1500,1500, got {args.iterations!r}") from None
    out = run_study(args.preset, seeds=args.seeds, seed=args.seed, iterations=its, hyper_overrides=parse_hyper(args.hyper),
                    runs_dir=args.runs or f"runs/a2c_mechanism_{args.preset}",
                    results_dir=args.results,
                    progress=not args.no_progress, max_minutes=args.max_minutes)
    print(results_table(out))
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
