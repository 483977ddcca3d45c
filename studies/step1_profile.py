"""Study: step-1 learners against the Bayesian in-context learner, group by group (issue 19, item 4).

Plays trained step-1 agents (A2C run directories, PPI agent files) and the Bayesian learner
(:class:`learners.bayes.BayesPolicy`, one or more rules) against one panel and reports, per
co-player group, the mean in-context regret (exact n-round best response minus the agent's
reward per round, :func:`learners.regret.evaluate_regret`) and the agent's *excess* regret over
the best Bayesian rule evaluated:

* ``random``: the 200 U(0,1)^5 draws of the default regret panel (seed 2026);
* ``reciprocators``: 30 draws with p0, pCC, pDC ~ U(0.8, 1) and pCD, pDD ~ U(0, 0.2) (seed 2027);
* one group per named co-player: TFT, ALLD, Extort-2, Extort-3 (Press-Dyson extortioners, chi = 2, 3).

Targets of issue 19 (item 4) for a neural step-1 learner, as it plays: excess regret over the
best Bayesian learner <= 0.01 on the random draws; every group within 0.05 of the Bayesian one.
Optionally also the regret-over-training curves of the A2C runs (``--curves LABEL=RUN_DIR``).

::

    python -m studies.step1_profile --a2c runs/a2c_s1_prio_iw/step1:0:0 runs/a2c_s1_prio_iw/step1:1:0 \\
        --bayes ce lookahead:2 --curves "prio IW=runs/a2c_s1_prio_iw/step1" --out runs/profile

Writes ``profile.md``, ``profile.json`` (and ``curves.png``) to ``--out`` (default ``runs/profile``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.io import json_text

__all__ = ["NAMED", "TARGETS", "profile_panel", "run_profile", "main"]

#: Named co-players, one group each.
NAMED: tuple[str, ...] = ("TFT", "ALLD", "Extort-2", "Extort-3")
#: Issue 19's targets: excess regret on random draws, and the largest gap per group.
TARGETS: dict[str, float] = {"random_excess_max": 0.01, "group_gap_max": 0.05}


def profile_panel(game: str = "paper", random: int = 200, reciprocators: int = 30, seed: int = 2026) -> Any:
    """The study's panel (see the module docstring): ``random`` U(0,1)^5 draws (``seed``, as in the
    default regret panel), ``reciprocators`` draws (``seed + 1``), and the named co-players."""
    from eqtools.strategies import named
    from learners.regret import Panel

    groups: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    if random:
        q = np.random.default_rng(int(seed)).random((int(random), 5))
        groups["random"] = (tuple(f"U{k}" for k in range(int(random))), q)
    if reciprocators:
        rng = np.random.default_rng(int(seed) + 1)
        hi = rng.uniform(0.8, 1.0, (int(reciprocators), 3))
        lo = rng.uniform(0.0, 0.2, (int(reciprocators), 2))
        q = np.stack([hi[:, 0], hi[:, 1], lo[:, 0], hi[:, 2], lo[:, 1]], axis=1)
        groups["reciprocators"] = (tuple(f"R{k}" for k in range(int(reciprocators))), q)
    for nm in NAMED:
        groups[nm] = ((nm,), named(nm, game).vector[None].astype(np.float64))
    return Panel(groups)


def _bayes(rule: str, horizon: int) -> Any:
    from learners.coplayers import fixed_icl_policy

    return fixed_icl_policy("bayes:" + rule if not rule.startswith("bayes") else rule, "paper", horizon)


def run_profile(a2c: Sequence[str] = (), ppi: Sequence[str] = (), bayes: Sequence[str] = ("ce",), matches: int = 32,
                seed: int = 0, out: str | Path = "runs/profile", curves: Sequence[str] = (),
                ppi_matches: int | None = None, bayes_matches: int | None = None) -> dict[str, Any]:
    """Evaluate the agents and Bayesian rules on :func:`profile_panel`; write ``profile.md`` / ``.json``."""
    from learners.regret import evaluate_regret

    from .regret import load_a2c_agent, load_ppi_agent

    if not bayes:
        raise ParameterError("give at least one Bayesian rule (--bayes ce ...): the excess regret is measured over it")
    outp = Path(out)
    outp.mkdir(parents=True, exist_ok=True)
    panel = profile_panel()
    entries: list[tuple[str, Any, int]] = []
    for rule in bayes:
        pol = _bayes(rule, 100)
        entries.append(("bayes", pol, bayes_matches or matches))
    for spec in a2c:
        parts = str(spec).split(":")
        pol, _ = load_a2c_agent(parts[0], int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0)
        entries.append(("a2c", pol, matches))
    for p in ppi:
        pol, _ = load_ppi_agent(p, seed=seed)
        entries.append(("ppi", pol, ppi_matches or matches))
    rows: list[dict[str, Any]] = []
    for kind, pol, m in entries:
        t0 = time.perf_counter()
        rep = evaluate_regret(pol, panel, "paper", n=100, matches=m, seed=seed)
        groups = {g: {"regret": round(float(d["regret"]), 4), "regret_se": round(float(d["regret_se"]), 4),
                      "reward": round(float(d["agent_reward"]), 4)} for g, d in rep.groups.items()}
        rows.append({"agent": rep.agent, "kind": kind, "matches": m, "groups": groups,
                     "seconds": round(time.perf_counter() - t0, 1)})
    gnames = list(panel.groups)
    bayes_rows = [r for r in rows if r["kind"] == "bayes"]
    best = {g: min(bayes_rows, key=lambda r: r["groups"][g]["regret"])["agent"] for g in gnames}
    best_random = next(r for r in bayes_rows if r["agent"] == best["random"])
    for r in rows:
        r["excess"] = {g: round(r["groups"][g]["regret"] - min(b["groups"][g]["regret"] for b in bayes_rows), 4)
                       for g in gnames}
        # the per-group profile is compared with the Bayesian rule best on the random draws
        r["gap_to_reference"] = {g: round(r["groups"][g]["regret"] - best_random["groups"][g]["regret"], 4) for g in gnames}
        if r["kind"] != "bayes":
            r["targets"] = {"random_excess": {"value": r["excess"]["random"], "max": TARGETS["random_excess_max"],
                                              "met": r["excess"]["random"] <= TARGETS["random_excess_max"]},
                            "group_gaps": {"max_abs": max(abs(v) for v in r["gap_to_reference"].values()),
                                           "max": TARGETS["group_gap_max"],
                                           "met": all(abs(v) <= TARGETS["group_gap_max"] for v in r["gap_to_reference"].values())}}
    res: dict[str, Any] = {"panel": {g: len(v[0]) for g, v in panel.groups.items()}, "seed": seed, "rows": rows,
                           "best_bayes": best, "reference": best_random["agent"]}
    if curves:
        from .regret import plot_curves, regret_curves

        cur = {}
        for item in curves:
            label, _, run = str(item).partition("=")
            if not run:
                raise ParameterError(f"--curves items must be LABEL=RUN_DIR, got {item!r}")
            cur[label] = regret_curves(run)
        plot_curves(cur, outp / "curves.png", title="regret over training (eval: 512 episodes per co-player)")
        res["curves"] = {k: {"final_random": float(np.nanmean(v["regret"].sel(opponent="random").isel({v["x"]: -1}).values))}
                         for k, v in cur.items()}
    (outp / "profile.json").write_text(json_text(res, indent=1))
    (outp / "profile.md").write_text(markdown(res))
    return res


def markdown(res: dict[str, Any]) -> str:
    """The profile as a Markdown table (regret per group, excess over the best Bayesian rule)."""
    gnames = list(res["panel"])
    head = "| agent | " + " | ".join(f"{g} ({res['panel'][g]})" for g in gnames) + " | targets |"
    lines = [f"Regret per round (exact best response minus reward; mean ± s.e. over co-players; n = 100). "
             f"Reference for the group profile: {res['reference']} (the Bayesian rule best on the random draws); "
             f"[excess] = regret minus the best Bayesian rule's in that group.", "", head,
             "|" + "---|" * (len(gnames) + 2)]
    for r in res["rows"]:
        cells = []
        for g in gnames:
            d = r["groups"][g]
            se = f" ± {d['regret_se']:.3f}" if res["panel"][g] > 1 else ""
            ex = f" [{r['excess'][g]:+.3f}]" if r["kind"] != "bayes" else ""
            cells.append(f"{d['regret']:.3f}{se}{ex}")
        t = r.get("targets")
        tt = "—" if t is None else (f"excess {t['random_excess']['value']:+.3f} ({'met' if t['random_excess']['met'] else 'missed'}); "
                                    f"max gap {t['group_gaps']['max_abs']:.3f} ({'met' if t['group_gaps']['met'] else 'missed'})")
        lines.append(f"| {r['agent']} ({r['matches']} matches) | " + " | ".join(cells) + f" | {tt} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--a2c", nargs="*", default=[], metavar="RUN_DIR[:SEED_INDEX[:LEARNER]]")
    ap.add_argument("--ppi", nargs="*", default=[], metavar="AGENT.pkl")
    ap.add_argument("--bayes", nargs="*", default=["ce"], metavar="RULE",
                    help="Bayesian rules: ce, thompson, lookahead[:DEPTH] (default ce)")
    ap.add_argument("--matches", type=int, default=32, help="matches per co-player (default 32)")
    ap.add_argument("--bayes-matches", type=int, default=None, help="matches per co-player for the Bayesian rules")
    ap.add_argument("--ppi-matches", type=int, default=None, help="matches per co-player for PPI agents (slower)")
    ap.add_argument("--curves", nargs="*", default=[], metavar="LABEL=RUN_DIR")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/profile")
    args = ap.parse_args(argv)
    run_profile(args.a2c, args.ppi, args.bayes, args.matches, args.seed, args.out, args.curves, args.ppi_matches,
                args.bayes_matches)
    print((Path(args.out) / "profile.md").read_text())
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
