"""Study: the PPI mechanism chain over several seeds, in one table and one plot.

Each run directory is the ``--out`` of ``eqtools train ppi --mode mechanism`` (a full chain, or
steps 2–3 against a saved Fixed-ICL with ``--fixed-icl``).  Per seed it reports:

* step 2: the two learners' reward and the Fixed-ICL's reward in the last phase (the paper's
  Figure 2 middle panel), and the learners' reward in the evaluation against the Fixed-ICL;
* the ZD fit of each step-2 learner's memory-one projection against the Fixed-ICL, read
  from ``<run>/verify_step2_a<k>/verify.nc`` (``eqtools verify --ppi <run>/step2/agent_<k>.pkl
  <run>/fixed_icl.pkl --regret-draws 0 --out <run>/verify_step2_a<k>``) where present:
  projection ``(p0; CC, CD, DC, DD)``, residual, and the slope chi (meaningful only when the
  residual is small);
* step 3: the cooperation and reward of the two step-2 learners playing each other, last phase.

::

    python -m studies.chains runs/ppi_s1_r8 runs/ppi_chain_s100 runs/ppi_chain_s200 --out runs/ppi_chains

Writes ``chains.md``, ``chains.json`` and ``chains.png`` to ``--out`` (default ``runs/chains``;
pointing it into ``studies/results/`` is the deliberate way to commit a result).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eqtools.errors import FileFormatError
from eqtools.io import json_text

__all__ = ["chain_row", "chain_table", "plot_chains", "main"]

#: The paper's PPI numbers (Weis et al. 2026, Figure 2) set beside ours.
PAPER = {"step2_learner": 0.9, "step2_fixed_icl": 0.2, "step3_coop": 0.95}


def _open(path: Path):
    import xarray as xr

    try:
        return xr.load_dataset(path)
    except Exception as exc:  # missing or damaged
        raise FileFormatError(f"run directory: cannot read {str(path)!r} ({type(exc).__name__}: {exc})") from exc


def chain_row(run: str | Path) -> dict[str, Any]:
    """The per-seed numbers of one mechanism-chain run directory (see the module docstring)."""
    run = Path(run)
    summ_path = run / "mechanism_summary.json"
    if not summ_path.is_file():
        raise FileFormatError(f"run directory: {str(run)!r} has no mechanism_summary.json (not a finished PPI chain)")
    summ = json.loads(summ_path.read_text())
    cfg3 = json.loads(_open(run / "step3" / "phases.nc").attrs.get("config", "{}"))
    row: dict[str, Any] = {
        "run": str(run),
        "seed": cfg3["seed"] - 2 if isinstance(cfg3.get("seed"), int) else None,  # the chain's --seed (step 3 uses seed + 2)
        "own_step1": (run / "step1").is_dir(),
        "fixed_icl": summ.get("fixed_icl"),  # which Fixed-ICL step 2 played (chains from before it was recorded: None)
        "step2_learner_reward": summ["step2"]["learner_reward"],
        "step2_fixed_icl_reward": summ["step2"]["fixed_icl_reward"],
        "step2_eval_vs_icl": summ["step2"]["eval_vs_icl_reward"],
        "step3_coop": summ["step3"]["coop_pair"],
        "step3_reward": summ["step3"]["reward_pair"],
        "step1": summ.get("step1"),
        "zd": [],
    }
    for k in (0, 1):
        p = run / f"verify_step2_a{k}" / "verify.nc"
        if not p.is_file():
            row["zd"].append(None)
            continue
        ds = _open(p)
        row["zd"].append({
            "projection": [round(float(v), 3) for v in ds["projection"].values[0]],
            "residual": round(float(ds["zd_residual"].values[0]), 3),
            "chi": round(float(ds["zd_chi"].values[0]), 2),
            "zd_tol": float(json.loads(ds.attrs.get("config", "{}")).get("zd_tol", 0.02)),
        })
    for step in ("step2", "step3"):
        ds = _open(run / step / "phases.nc")
        row[f"{step}_reward_by_phase"] = ds["reward_pair"].mean("learner").values.round(4).tolist()
        row[f"{step}_coop_by_phase"] = ds["coop_pair"].mean("learner").values.round(4).tolist()
    row["step2_icl_reward_by_phase"] = summ.get("step2_icl_reward_by_phase")
    return row


def _zd_cell(z: dict[str, Any] | None) -> str:
    if z is None:
        return "not run"
    p = z["projection"]
    proj = f"({p[0]:.2f}; {p[1]:.2f}, {p[2]:.2f}, {p[3]:.2f}, {p[4]:.2f})"
    if z["residual"] <= z["zd_tol"]:
        kind = "extortionate" if z["chi"] > 1 + 1e-6 else ("fair" if abs(z["chi"] - 1) <= 1e-6 else "generous")
        return f"{proj} ZD, χ = {z['chi']:.2f} ({kind})"
    return f"{proj} not ZD (res. {z['residual']:.2f})"


def _icl_cell(r: dict[str, Any]) -> str:
    icl = r.get("fixed_icl")
    if r["own_step1"] or (icl and icl.startswith("step 1")):
        return "own"
    if icl and not icl.startswith("ppi-agent"):
        return f"`{icl}`"
    return "shared Fixed-ICL"


def chain_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown: one line per seed, then the mean ± s.e. over seeds."""
    head = ("| run | step 1 | step 2: learners' reward vs Fixed-ICL's (last phase) | step 2: ZD fit of the learners' "
            "projections | step 3: cooperation (reward) |\n|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        lr, ir = r["step2_learner_reward"], r["step2_fixed_icl_reward"]
        c3, r3 = r["step3_coop"], r["step3_reward"]
        lines.append(
            f"| `{r['run']}` | {_icl_cell(r)} | "
            f"{lr[0]:.2f}, {lr[1]:.2f} vs {ir[0]:.2f}, {ir[1]:.2f} | "
            + "; ".join(_zd_cell(z) for z in r["zd"])
            + f" | {c3[0]:.2f}, {c3[1]:.2f} ({r3[0]:.2f}, {r3[1]:.2f}) |"
        )
    def ms(key: str) -> str:
        v = np.array([np.mean(r[key]) for r in rows])
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        return f"{v.mean():.2f} ± {se:.2f}"
    lines.append(f"| **mean ± s.e. over {len(rows)} runs** | | learners {ms('step2_learner_reward')}, Fixed-ICL "
                 f"{ms('step2_fixed_icl_reward')} | | **{ms('step3_coop')}** |")
    lines.append(f"| paper (PPI, Figure 2) | | ≈ {PAPER['step2_learner']} vs ≈ {PAPER['step2_fixed_icl']} | extortion | "
                 f"≈ {PAPER['step3_coop']} |")
    return "\n".join(lines)


def plot_chains(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Step-2 rewards (learners solid, Fixed-ICL dashed) and step-3 cooperation by phase, per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for i, r in enumerate(rows):
        c = f"C{i % 10}"
        name = Path(r["run"]).name
        ph2 = np.arange(1, len(r["step2_reward_by_phase"]) + 1)
        axes[0].plot(ph2, r["step2_reward_by_phase"], color=c, marker="o", ms=3, label=name)
        if r.get("step2_icl_reward_by_phase"):
            axes[0].plot(ph2, r["step2_icl_reward_by_phase"], color=c, ls="--", lw=1)
        ph3 = np.arange(1, len(r["step3_coop_by_phase"]) + 1)
        axes[1].plot(ph3, r["step3_coop_by_phase"], color=c, marker="o", ms=3, label=name)
    axes[0].axhline(PAPER["step2_learner"], ls=":", color="k", lw=1)
    axes[0].axhline(PAPER["step2_fixed_icl"], ls=":", color="grey", lw=1)
    axes[0].set(xlabel="phase", ylabel="reward per round", title="step 2: learners (solid) vs Fixed-ICL (dashed)")
    axes[1].axhline(PAPER["step3_coop"], ls=":", color="k", lw=1)
    axes[1].set(xlabel="phase (continuing from step 2)", ylabel="cooperation", ylim=(0, 1),
                title="step 3: the two step-2 learners")
    axes[1].legend(fontsize=7)
    fig.suptitle("PPI mechanism chain over seeds — dotted: the paper's values")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, prog="python -m studies.chains", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="PPI mechanism-chain run directories")
    ap.add_argument("--out", default="runs/chains", help="report directory (default runs/chains)")
    a = ap.parse_args(argv)
    from eqtools.io import check_output_dir

    check_output_dir(a.out, "--out")
    rows = [chain_row(r) for r in a.runs]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    md = chain_table(rows)
    (out / "chains.md").write_text("# PPI mechanism chain over seeds\n\n" + md + "\n")
    (out / "chains.json").write_text(json_text(rows, indent=1))
    plot_chains(rows, out / "chains.png")
    print(md)
    print(f"report: {out / 'chains.md'}, {out / 'chains.json'}, {out / 'chains.png'}")
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
