"""Plot and tabulate a long A2C run and the runs branched from it with other settings.

The `cpu` mixed-pool study plateaus near 0.4 learner-vs-learner cooperation.  This report puts
the extended run (one seed carried on alone with :func:`learners.a2c.checkpoint.extract_seeds`) and
the branches started from its parameters (``--init-from``, other entropy / lr / batch) on one
iteration axis, so one can see whether any change lifts the plateau::

    python -m studies.a2c_plateau --base runs/a2c_cpu_long/seed0 \
        --branches runs/a2c_warm/entropy0.003 runs/a2c_warm/lr1e-3 runs/a2c_warm/batch1024 \
        --out studies/results/a2c/cpu_long

A branch's iterations are drawn after the base run's last iteration; a branch with a larger
batch is drawn against episodes seen (iterations x batch / base batch).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eqtools.io import json_text

__all__ = ["load_run", "plot_plateau", "main"]


def load_run(run_dir: str | Path) -> dict[str, Any]:
    """Config, summary and per-iteration learner-vs-learner cooperation (mean over seeds and learners)."""
    import xarray as xr

    run_dir = Path(run_dir)
    cfg = json.loads((run_dir / "config.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    with xr.open_dataset(run_dir / "metrics.nc") as ds:
        coop = ds["coop_ll"].mean(["seed", "learner"]).values
        reward_tab = ds["reward_tab"].mean(["seed", "learner"]).values
    return {"dir": str(run_dir), "config": cfg, "summary": summary, "coop_ll": coop, "reward_tab": reward_tab}


def _label(run: dict[str, Any], base: dict[str, Any]) -> str:
    c, b = run["config"], base["config"]
    diffs = [f"{k} {c['hyper'][k]}" for k in ("entropy_coef", "lr", "reward_scale", "gae_lambda") if c["hyper"][k] != b["hyper"][k]]
    if c["batch"] != b["batch"]:
        diffs.append(f"batch {c['batch']}")
    return ", ".join(diffs) or "same settings"


def plot_plateau(base: dict[str, Any], branches: Sequence[dict[str, Any]], path: str | Path, window: int = 200) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from learners.a2c.plots import smooth

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    n0 = len(base["coop_ll"])
    x0 = np.arange(1, n0 + 1)
    for ax, var, lab in ((axes[0], "coop_ll", "cooperation, learner vs learner"), (axes[1], "reward_tab", "reward per round vs pool tabular")):
        ax.plot(x0, smooth(base[var], window), color="k", label=f"base: {base['config']['hyper']['entropy_coef']} entropy, lr {base['config']['hyper']['lr']}, batch {base['config']['batch']}")
        for k, br in enumerate(branches):
            scale = br["config"]["batch"] / base["config"]["batch"]
            x = n0 + scale * np.arange(1, len(br[var]) + 1)
            ax.plot(x, smooth(br[var], max(1, int(window / scale))), color=f"C{k}", label=f"branch: {_label(br, base)}")
        ax.set_xlabel(f"training iteration (batch {base['config']['batch']} equivalents)")
        ax.set_title(lab, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].axhline(0.8, color="C3", ls=":", lw=1, label="target 0.8")
    axes[0].set_ylim(0, 1)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"A2C mixed pool, cpu preset, seed {base['config']['seed']}: extended run and branches from its parameters")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True)
    ap.add_argument("--branches", nargs="*", default=[])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    base = load_run(args.base)
    branches = [load_run(b) for b in args.branches]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_plateau(base, branches, out / "plateau.png")
    rows = {}
    for r in [base] + branches:
        s = r["summary"]
        rows[r["dir"]] = {"config": r["config"], "iterations": s["iterations"], "train_tail": {k: s["train"][k] for k in ("coop_ll", "reward_tab", "entropy")},
                          "eval": s["eval"], "wall_s": s["wall_s"]}
    (out / "plateau_summary.json").write_text(json_text(rows, indent=1))
    for d, r in rows.items():
        print(d, r["iterations"], "coop_ll", np.round(np.mean(r["train_tail"]["coop_ll"]), 3), "reward_tab", np.round(np.mean(r["train_tail"]["reward_tab"]), 3))
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
