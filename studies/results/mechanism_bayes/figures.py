"""Figures and summary JSON of docs/results/mechanism_bayes.md (the analysis script behind that page).

Reads finished (or checkpointed) runs and writes, into this script's folder unless ``--out``:

* ``a2c_chain.png`` / ``a2c_chain.json``: the A2C chain against the Bayesian Fixed-ICL, per seed:
  step 2 exploiter and Fixed-ICL reward per round over training (evaluation against the Fixed-ICL),
  step 3 cooperation of the two step-2 learners over training (from ``step2/eval.nc`` and
  ``step3/eval.nc`` of the run);
* ``prio_curves.png`` / ``prio_curves.json``: regret on fresh U(0,1)^5 draws over training of
  prioritised step-1 A2C runs, read from their checkpoints' evaluation history (runs that have not
  finished have no ``eval.nc`` yet)::

    python studies/results/mechanism_bayes/figures.py --a2c-chain RUN_DIR --prio LABEL=RUN_DIR/step1 ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from eqtools.io import json_text


def a2c_chain(run: Path, out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    e2 = xr.load_dataset(run / "step2" / "eval.nc").sel(opponent="learner")
    e3 = xr.load_dataset(run / "step3" / "eval.nc").sel(opponent="learner")
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
    res: dict = {"run": str(run), "step2": {}, "step3": {}}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k in range(e2.sizes["seed"]):
        c = colours[k % len(colours)]
        it2 = e2["iteration"].values
        ax[0].plot(it2, e2["reward"].isel(seed=k).mean("learner"), color=c, label=f"seed {k}: exploiters")
        ax[0].plot(it2, e2["coplayer_reward"].isel(seed=k).mean("learner"), color=c, ls="--",
                   label=f"seed {k}: Fixed-ICL")
        it3 = e3["iteration"].values
        for j in range(2):
            ax[1].plot(it3, e3["coop"].isel(seed=k, learner=j), color=c, alpha=0.9 if j == 0 else 0.5,
                       label=f"seed {k}" if j == 0 else None)
        res["step2"][f"seed{k}"] = {"iteration": it2.tolist(),
                                    "exploiter_reward": np.round(e2["reward"].isel(seed=k).values, 4).tolist(),
                                    "fixed_icl_reward": np.round(e2["coplayer_reward"].isel(seed=k).values, 4).tolist()}
        res["step3"][f"seed{k}"] = {"iteration": it3.tolist(),
                                    "coop": np.round(e3["coop"].isel(seed=k).values, 4).tolist(),
                                    "reward": np.round(e3["reward"].isel(seed=k).values, 4).tolist()}
    ax[0].axhline(1.25, color="k", ls=":", lw=1, label="paper: extortioner ≈ 1.25")
    ax[0].axhline(0.2, color="grey", ls=":", lw=1, label="paper: Fixed-ICL ≈ 0.2")
    ax[0].set(title="step 2: reward per round vs the Bayesian Fixed-ICL (bayes:ce)", xlabel="training iteration")
    ax[0].legend(fontsize=7, ncol=2)
    ax[1].set(title="step 3: cooperation of the two step-2 learners (2 lines per seed)", xlabel="training iteration",
              ylim=(-0.03, 1.03))
    ax[1].legend(fontsize=8)
    fig.text(0.01, 0.01, "2-core AMD EPYC VM, no GPU, JAX CPU, one core, shared with other jobs", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out / "a2c_chain.png", dpi=110)
    (out / "a2c_chain.json").write_text(json_text(res, indent=1))
    return res


def prio_curves(items: list[str], out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from learners.a2c.checkpoint import load_checkpoint_state
    from learners.a2c.config import EVAL_OPPONENT_NAMES

    o = list(EVAL_OPPONENT_NAMES).index("random")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    res = {}
    for item in items:
        label, _, run = item.partition("=")
        _, st = load_checkpoint_state(run)  # the validated loader (learners.checkpoint)
        its = list(st["eval_iters"])
        # eval tuple: (coop, reward, coplayer coop, coplayer reward, BR value); reward per round (S, 2, O, rounds)
        reg = [np.asarray(e[4])[..., o] - np.asarray(e[1])[..., o, :].mean(-1) for e in st["eval_history"]]
        reg = np.stack(reg)  # (I, S, 2)
        for j in range(reg.shape[2]):
            ax.plot(its, reg[:, 0, j], label=f"{label}, learner {j + 1}")
        res[label] = {"run": run, "iteration": int(st["iteration"]), "eval_iters": its,
                      "regret_random": np.round(reg[:, 0, :], 4).tolist(), "wall_s": round(float(st["wall_s"]), 1)}
    # the unprioritised annealed run of docs/regret.md (same settings, 3 seeds), as read off its curve there
    ax.plot([2000, 3500, 6500, 7500], [0.13, 0.08, 0.03, 0.03], "ks", ms=4,
            label="unprioritised annealed run (docs/regret.md)")
    ax.axhline(0.024, color="k", ls=":", lw=1, label="Bayesian LA4 on the 200-draw panel")
    ax.set(title="prioritised step 1: regret on U(0,1)^5 draws (eval 512 episodes)", xlabel="training iteration",
           ylabel="regret per round", ylim=(0, None))
    ax.legend(fontsize=7)
    fig.text(0.01, 0.01, "2-core AMD EPYC VM, no GPU, JAX CPU, one core, shared with other jobs", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out / "prio_curves.png", dpi=110)
    (out / "prio_curves.json").write_text(json_text(res, indent=1))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--a2c-chain", default=None, metavar="RUN_DIR")
    ap.add_argument("--prio", nargs="*", default=[], metavar="LABEL=STEP1_DIR")
    ap.add_argument("--out", default=str(Path(__file__).parent))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.a2c_chain:
        a2c_chain(Path(args.a2c_chain), out)
    if args.prio:
        prio_curves(args.prio, out)


if __name__ == "__main__":
    main()
