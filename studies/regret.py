"""Study: in-context regret of trained step-1 agents (A2C, PPI) vs the exact best response.

Plays each agent — as it plays (temperature 1) and sharpened (``--temperatures``, 0 = greedy) —
against the regret panel of :mod:`learners.regret` (fresh U(0,1)^5 draws, the named library,
held-out Axelrod reciprocators), writes the table, the per-co-player plot, the round-by-round
plot for the co-players with the largest regret, the target check of issue #13, and the
regret-over-training curves of every run given::

    python -m studies.regret --a2c runs/a2c_s1_anneal/step1 --ppi runs/ppi_s1/step1/agent_0.pkl \\
        --temperatures 1,0 --out runs/regret_step1

Outputs go to ``--out`` (default ``runs/regret``); commit a result deliberately with
``--out studies/results/...``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.io import json_text
from learners.runs import load_a2c_agent, load_ppi_agent, sharpened
from learners.verification import TARGETS, target_check
from studies import save_figure

# TARGETS, target_check (learners.verification) and sharpened, load_a2c_agent, load_ppi_agent
# (learners.runs) moved into the library; they are re-exported here for one release.
__all__ = ["BAYES_REFERENCE", "panel_labels", "TARGETS", "sharpened", "load_a2c_agent", "load_ppi_agent", "target_check",
           "regret_curves", "plot_curves", "run_study", "main"]

#: The Bayesian learner of the regret decomposition (a learners.bayes.from_spec spec, U(0,1)^5 prior).
BAYES_REFERENCE: str = "lookahead:4"


def panel_labels(panel: Any) -> list[str]:
    """All co-player labels of a panel, in order."""
    return [lb for labels, _ in panel.groups.values() for lb in labels]


def regret_curves(run_dir: str | Path) -> dict[str, Any]:
    """Regret over training of an A2C run (``eval.nc``) or a PPI run (``eval.nc`` with phases).

    Uses the recorded paired regret where the run has it; for runs evaluated before regret was
    recorded, regret = exact BR value − reward (named co-players: exact; random co-players: the
    mean BR value over U(0,1)^5, :func:`learners.regret.uniform_br_mean`, unpaired)."""
    import xarray as xr

    from learners.regret import br_values, uniform_br_mean
    from eqtools.strategies import named

    path = Path(run_dir) / "eval.nc"
    if not path.exists():
        raise ParameterError(f"no eval.nc in {run_dir} (has the run finished or been stopped with results?)")
    ds = xr.load_dataset(path)
    x = "iteration" if "iteration" in ds.dims else "phase"
    rew = ds["reward"]
    if "regret" in ds and np.isfinite(ds["regret"].sel(opponent="random").values).any():
        reg = ds["regret"]
        how = "paired"
    else:
        brs = []
        for o in ds["opponent"].values:
            if o == "random":
                brs.append(uniform_br_mean()[0])
            elif o == "learner":
                brs.append(np.nan)
            else:
                brs.append(float(br_values(named(str(o), "paper").vector)))  # br_values: the paper game
        reg = xr.DataArray(np.asarray(brs), dims=("opponent",), coords={"opponent": ds["opponent"].values}) - rew
        how = "unpaired (mean BR over U(0,1)^5)"
    return {"x": x, "regret": reg, "reward": rew, "how": how}


def plot_curves(curves: dict[str, dict[str, Any]], path: str | Path, title: str = "") -> None:
    """Regret over training (random draws; ALLC, ALLD, TFT) for each labelled run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    opps = ("random", "ALLC", "ALLD", "TFT")
    fig, axes = plt.subplots(1, len(opps), figsize=(4.2 * len(opps), 3.8), squeeze=False)
    for k, (label, c) in enumerate(curves.items()):
        reg = c["regret"]
        other = [d for d in reg.dims if d not in (c["x"], "opponent")]
        for ax, o in zip(axes[0], opps):
            y = reg.sel(opponent=o)
            mean = y.mean(other) if other else y
            ax.plot(y[c["x"]].values, mean.values, color=f"C{k}", lw=1.2, label=label)
            if other:
                for row in y.transpose(*other, c["x"]).values.reshape(-1, y.sizes[c["x"]]):
                    ax.plot(y[c["x"]].values, row, color=f"C{k}", lw=0.4, alpha=0.35)
    for ax, o in zip(axes[0], opps):
        ax.axhline(0, color="k", lw=0.5)
        if o == "random":
            ax.axhline(0.04, color="r", ls=":", lw=1, label="target 0.04")
            ax.axhline(0.050, color="0.5", ls="--", lw=1, label="ALLD (0.050)")
            ax.set_ylim(-0.02, 0.5)
        else:
            ax.set_ylim(-0.05, 1.2)
        ax.set_title(f"regret vs {o}", fontsize=10)
        ax.set_xlabel(list(curves.values())[0]["x"] if curves else "")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    save_figure(fig, path, title)


def run_study(a2c: Sequence[str] = (), ppi: Sequence[str] = (), temperatures: Sequence[float] = (1.0, 0.0), draws: int = 200,
              matches: int = 32, seed: int = 0, panel_seed: int = 2026, heldout: Sequence[Any] | None = None,
              out: str | Path = "runs/regret", curves: Sequence[str] = (), rounds_top: int = 4,
              ppi_matches: int | None = None, bayes: str | None = BAYES_REFERENCE,
              reciprocators: int = 30) -> dict[str, Any]:
    """Evaluate agents (``a2c``: ``RUN_DIR[:seed_index[:learner]]``; ``ppi``: agent pickles), write
    ``regret.md``, ``regret.json``, ``regret.png``, ``rounds.png`` and (for ``curves``:
    ``LABEL=RUN_DIR`` items) ``curves.png`` into ``out``.

    ``bayes`` (a :func:`learners.bayes.from_spec` spec, U(0,1)^5 prior; ``None`` to skip) adds the
    Bayesian learner as a row and every agent's excess regret over it, per group."""
    from learners.regret import (HELDOUT_AXELROD, default_panel, evaluate_regret, excess_regret, markdown, markdown_excess,
                                 plot_regret, plot_rounds)

    outp = Path(out)
    outp.mkdir(parents=True, exist_ok=True)
    panel = default_panel("paper", random=draws, seed=panel_seed, heldout=HELDOUT_AXELROD if heldout is None else heldout,
                          reciprocators=reciprocators)
    agents: list[tuple[Any, int]] = []
    for spec in a2c:
        parts = str(spec).split(":")
        pol, meta = load_a2c_agent(parts[0], int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0)
        agents.append((pol, matches))
    for p in ppi:
        pol, meta = load_ppi_agent(p, seed=seed)
        agents.append((pol, ppi_matches or matches))
    reports, timing = [], {}
    for pol, m in agents:
        for t in temperatures:
            a = sharpened(pol, t)
            t0 = time.perf_counter()
            reports.append(evaluate_regret(a, panel, "paper", n=100, matches=m, seed=seed))
            timing[a.name] = round(time.perf_counter() - t0, 1)
    ref = None
    if bayes:
        from learners.bayes import from_spec

        t0 = time.perf_counter()
        ref = evaluate_regret(from_spec(bayes, horizon=100), panel, "paper", n=100, matches=matches, seed=seed,
                              chunk=len(panel_labels(panel)))
        timing[ref.agent] = round(time.perf_counter() - t0, 1)
    result: dict[str, Any] = {"panel_seed": panel_seed, "draws": draws, "seed": seed, "timing_s": timing,
                              "targets": {r.agent: target_check(r) for r in reports}, "reports": [r.to_dict() for r in reports]}
    md = ["# In-context regret of step-1 agents", "", markdown(reports + ([ref] if ref is not None else [])), ""]
    if ref is not None:
        result["bayes_reference"] = ref.to_dict()
        result["excess_regret"] = {r.agent: excess_regret(r, ref)["groups"] for r in reports}
        md += ["## Regret decomposed (issue #19)", "", markdown_excess(reports, ref), ""]
    md += ["## Targets (issue #13)", ""]
    for r in reports:
        md.append(f"**{r.agent}**: " + "; ".join(
            f"{k} {v.get('value', v.get('regret'))} ({'met' if v.get('met') else 'NOT met' if 'met' in v else 'reported'}"
            + (f", target {v['target']}" if "target" in v else "") + ")" for k, v in result["targets"][r.agent].items()))
        md.append("")
    if reports:
        plot_regret(reports, outp / "regret.png")
        r0 = reports[0]
        lib = [("library", "TFT"), ("library", "GRIM")]
        worst_rand = np.flatnonzero(r0.group == "random")[np.argsort(-r0.regret[r0.group == "random"])[:max(0, rounds_top - 2)]]
        labels = lib + [("random", str(r0.label[i])) for i in worst_rand]
        plot_rounds(reports, labels, outp / "rounds.png", title="agent vs exact best response, round by round")
    if curves:
        cs = {}
        for item in curves:
            label, _, d = str(item).partition("=")
            cs[label] = regret_curves(d)
        plot_curves(cs, outp / "curves.png", title="regret over training")
        result["curves"] = {k: {"how": v["how"], "final_random": float(v["regret"].sel(opponent="random").isel({v["x"]: -1}).mean())}
                            for k, v in cs.items()}
    (outp / "regret.md").write_text("\n".join(md) + "\n")
    (outp / "regret.json").write_text(json_text(result, indent=1, default=str))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a2c", nargs="*", default=[], metavar="RUN_DIR[:SEED_INDEX[:LEARNER]]")
    ap.add_argument("--ppi", nargs="*", default=[], metavar="AGENT.pkl")
    ap.add_argument("--temperatures", default="1,0", help="comma-separated; 1 = as trained, 0 = greedy (default 1,0)")
    ap.add_argument("--draws", type=int, default=200, help="fresh U(0,1)^5 co-players (default 200)")
    ap.add_argument("--matches", type=int, default=32, help="matches per co-player (default 32)")
    ap.add_argument("--ppi-matches", type=int, default=None, help="matches per co-player for PPI agents (slower)")
    ap.add_argument("--heldout", nargs="*", default=None,
                    help="held-out co-players: Axelrod class names or 5-vectors 'p0,pCC,pCD,pDC,pDD' (default: Axelrod reciprocators)")
    ap.add_argument("--curves", nargs="*", default=[], metavar="LABEL=RUN_DIR", help="runs whose regret over training to plot")
    ap.add_argument("--bayes", default=BAYES_REFERENCE,
                    help=f"Bayesian reference learner: ce, thompson[:K], lookahead:D, or none (default {BAYES_REFERENCE})")
    ap.add_argument("--reciprocators", type=int, default=30, help="reciprocator draws in the panel (default 30; 0 to skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/regret")
    args = ap.parse_args(argv)
    try:
        temps = [float(t) for t in args.temperatures.split(",") if t.strip()]
    except ValueError:
        raise ParameterError(f"--temperatures must be numbers like 1,0.5,0, got {args.temperatures!r}") from None
    held = None
    if args.heldout is not None:
        held = [[float(x) for x in h.split(",")] if "," in h else h for h in args.heldout]
    res = run_study(args.a2c, args.ppi, temps, args.draws, args.matches, args.seed, heldout=held, out=args.out,
                    curves=args.curves, ppi_matches=args.ppi_matches,
                    bayes=None if args.bayes.lower() == "none" else args.bayes, reciprocators=args.reciprocators)
    print((Path(args.out) / "regret.md").read_text())
    if "curves" in res:
        print(json.dumps(res["curves"], indent=1))
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
