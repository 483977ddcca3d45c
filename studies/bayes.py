"""Study (issue 19): the Bayesian in-context learner — exact at short horizons, approximated at
n = 100, its extortability, the priors that make it extortable, and the regret decomposition.

Parts (one code path, presets ``smoke`` / ``cpu`` / ``paper`` differ only in sizes; E runs only
when asked, ``--parts E --confirm extortioners=0.2,0.3``):

A. **Exact, short horizons.** For each ``n`` the Bayes-optimal learner for U(0,1)^5 by DP over
   count states (:mod:`learners.bayes.dp`); the certainty-equivalent and lookahead policies
   tabulated on the same states and valued *exactly* (prior average and per co-player by forward
   propagation); Thompson sampling simulated.  Gap of each approximation to the exact optimum.
B. **n = 100.** Every rule on the issue's panel (200 U(0,1)^5 draws, 30 reciprocators, TFT, Joss,
   ALLD, ALLC, GRIM, WSLS, Extort-2/3, Generous-3), simulated; the perfect-information value
   E[V*(q)] as an upper bound on the prior average; lookahead value vs depth (convergence check)
   on a reduced panel for the deep (count-state) lookaheads.
C. **Extortability sweep.** Families of training priors (reciprocator mixture, partial
   reciprocity (pCC high, pDD low), a one-parameter Beta tilt, an extortioner mixture): the
   learners' regret against Extort-2/3 and on the other groups, per prior.
E. **Confirmation** of chosen priors against Extort-2/3 with many matches (s.e. per extortioner).
D. **Regret decomposition** of the committed step-1 agents (from the per-co-player numbers in
   ``studies/results/regret/*/regret.json``; their checkpoints are not committed).

Writes ``bayes.json``, ``bayes.md`` and plots to ``--out`` (default ``runs/bayes/<preset>``)::

    python -m studies.bayes --preset cpu --out studies/results/bayes
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

__all__ = ["PRESETS", "issue_panel", "prior_family", "part_short", "part_long", "part_sweep", "part_decomposition",
           "run_study", "main"]

PRESETS: dict[str, dict[str, Any]] = {
    "smoke": dict(short_ns=(3, 5), short_rules=("ce", "lookahead:2"), la3_max_n=0, short_matches=8,
                  long_rules=("ce", "lookahead:2"), deep_rules=("lookahead:4",), draws=6, recips=4, matches=4,
                  deep_matches=2, sweep={"reciprocators": (0.3,), "tilt": (3.0,)}, sweep_rules=("ce",),
                  sweep_draws=6, sweep_matches=4, prior_draws=6, decomposition=False),
    "cpu": dict(short_ns=(5, 10, 15, 20), short_rules=("ce", "lookahead:1", "lookahead:2", "lookahead:3"), la3_max_n=15,
                short_matches=32, long_rules=("ce", "thompson", "lookahead:1", "lookahead:2", "lookahead:3", "lookahead:4"),
                deep_rules=("thompson:10", "lookahead:6", "lookahead:8", "lookahead-pi:1", "lookahead-pi:2"),
                draws=200, recips=30, matches=32, deep_matches=16,
                sweep={"reciprocators": (0.1, 0.3, 0.6), "partial": (0.1, 0.3, 0.6), "tilt": (2.0, 3.0, 5.0, 8.0, 12.0),
                       "extortioners": (0.05, 0.1, 0.2, 0.3, 0.5)},
                sweep_rules=("ce", "lookahead:2"), sweep_draws=50, sweep_matches=32, prior_draws=50, decomposition=True),
    "paper": dict(short_ns=(5, 10, 15, 20, 22), short_rules=("ce", "lookahead:1", "lookahead:2", "lookahead:3"),
                  la3_max_n=20, short_matches=128,
                  long_rules=("ce", "thompson", "thompson:10", "lookahead:1", "lookahead:2", "lookahead:3", "lookahead:4"),
                  deep_rules=("lookahead:6", "lookahead:8", "lookahead:10", "lookahead-pi:1", "lookahead-pi:2",
                              "lookahead-pi:3"), draws=200, recips=30, matches=128,
                  deep_matches=32, sweep={"reciprocators": (0.1, 0.3, 0.5, 0.8), "partial": (0.1, 0.3, 0.5, 0.8),
                                          "tilt": (2.0, 3.0, 5.0, 8.0, 12.0, 20.0),
                                          "extortioners": (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)},
                  sweep_rules=("ce", "lookahead:2", "lookahead:3"), sweep_draws=200, sweep_matches=64, prior_draws=200,
                  decomposition=True),
}

#: The issue's named co-players (Joss: Axelrod's memory-one FirstByJoss).
NAMED: tuple[str, ...] = ("TFT", "Joss", "ALLD", "ALLC", "GRIM", "WSLS", "Extort-2", "Extort-3", "Generous-3")
EXTORTABLE_TOL: float = 0.1


def issue_panel(draws: int = 200, recips: int = 30, seed: int = 2026) -> Any:
    """The issue-19 panel: ``random`` U(0,1)^5 draws, ``reciprocators``, and ``named``."""
    from eqtools.strategies import named
    from learners.regret import Panel, heldout_group, reciprocator_draws

    groups: dict[str, Any] = {}
    if draws:
        groups["random"] = (tuple(f"U{k}" for k in range(draws)), np.random.default_rng(seed).random((draws, 5)))
    if recips:
        groups["reciprocators"] = (tuple(f"R{k}" for k in range(recips)), reciprocator_draws(recips, seed))
    vecs = [heldout_group(["FirstByJoss"])[1][0] if nm == "Joss" else named(nm, "paper").vector for nm in NAMED]
    groups["named"] = (NAMED, np.asarray(vecs))
    return Panel(groups)


def prior_family(family: str, x: float) -> Any:
    """A training prior of the sweep: ``reciprocators`` (weight), ``partial`` (weight, pCC/pDD
    only), ``tilt`` (k) or ``extortioners`` (weight)."""
    from learners.coplayers import family_prior

    short = {"reciprocators": "recip", "partial": "partial", "tilt": "tilt", "extortioners": "extort"}
    if family not in short:
        raise ParameterError(f"family must be reciprocators, partial, tilt or extortioners, got {family!r}")
    return family_prior(short[family], x)


def _groups(labels_groups: np.ndarray, regret: np.ndarray, labels: np.ndarray, se: np.ndarray | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for g in dict.fromkeys(labels_groups):
        sel = labels_groups == g
        x = regret[sel]
        out[g] = {"regret": round(float(x.mean()), 5),
                  "se": round(float(x.std(ddof=1) / np.sqrt(len(x))), 5) if len(x) > 1 else None}
        if g == "named":
            out[g]["per_coplayer"] = {str(lb): round(float(v), 4) for lb, v in zip(labels[sel], x)}
            if se is not None:  # s.e. over matches
                out[g]["per_coplayer_se"] = {str(lb): round(float(v), 4) for lb, v in zip(labels[sel], se[sel])}
    return out


def _flat(panel: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    grp, lab, qs = [], [], []
    for g, (lbs, q) in panel.groups.items():
        grp += [g] * len(lbs)
        lab += list(lbs)
        qs.append(np.asarray(q))
    return np.asarray(grp), np.asarray(lab), np.concatenate(qs)


# ------------------------------------------------------------------------------------------ A

def part_short(ns: Sequence[int], rules: Sequence[str], panel: Any, la3_max_n: int, matches: int,
               progress: bool = True) -> list[dict[str, Any]]:
    """Exact Bayes-optimal vs tabulated approximations (exact values) and Thompson (simulated)."""
    from tqdm import tqdm

    from learners.bayes import BetaPrior, count_space, evaluate, from_spec, policy_tables, solve
    from learners.regret import br_values, evaluate_regret

    grp, lab, Q = _flat(panel)
    rows = []
    for n in tqdm(list(ns), desc="A: exact short horizons", disable=not progress):
        t0 = time.perf_counter()
        space = count_space(BetaPrior.uniform(), n)
        dp = solve(space)
        br = br_values(Q, "paper", n)
        v = evaluate(dp, q=Q)
        vstar = float(br_values(BetaPrior.uniform().sample(100_000, seed=1), "paper", n).mean())
        rows.append({"n": n, "policy": "Bayes-optimal (DP)", "exact": True, "prior_value": dp.value,
                     "gap": 0.0, "states": space.n_states, "ties": dp.ties, "perfect_info_value_mc": round(vstar, 5),
                     "groups": _groups(grp, br - v, lab), "seconds": round(time.perf_counter() - t0, 1)})
        for spec in rules:
            if spec == "lookahead:3" and n > la3_max_n:
                continue
            t0 = time.perf_counter()
            pol = from_spec(spec, horizon=n)
            tab = policy_tables(space, pol)
            pv = evaluate(tab)
            vq = evaluate(tab, q=Q)
            rows.append({"n": n, "policy": pol.name, "exact": True, "prior_value": pv, "gap": dp.value - pv,
                         "groups": _groups(grp, br - vq, lab), "seconds": round(time.perf_counter() - t0, 1)})
        t0 = time.perf_counter()
        pol = from_spec("thompson", horizon=n)
        rep = evaluate_regret(pol, panel, "paper", n=n, matches=matches, seed=1, chunk=len(Q))
        prior_q = BetaPrior.uniform().sample(2000, seed=3)
        from solvers.simulate import MemoryOnePolicy, simulate

        sim = simulate(pol, MemoryOnePolicy(prior_q[:, None, :]), "paper", n=n, matches=2, pairs_shape=(len(prior_q),),
                       seed=5, record_rounds=False)
        pv = float(sim.payoff_x.mean())
        pse = float(sim.payoff_x.std(ddof=1) / np.sqrt(len(prior_q)))
        rows.append({"n": n, "policy": pol.name, "exact": False, "prior_value": pv, "prior_value_se": pse,
                     "gap": dp.value - pv, "groups": _groups(grp, rep.regret, lab),
                     "note": "simulated: prior value over 2000 prior draws x 2 matches, panel over "
                             f"{matches} matches per co-player", "seconds": round(time.perf_counter() - t0, 1)})
    return rows


# ------------------------------------------------------------------------------------------ B

def part_long(rules: Sequence[str], deep_rules: Sequence[str], panel: Any, deep_panel: Any, matches: int,
              deep_matches: int, progress: bool = True) -> dict[str, Any]:
    """Every rule at n = 100 on the panel (simulated); deep lookaheads on a reduced panel."""
    from tqdm import tqdm

    from learners.bayes import from_spec
    from learners.regret import evaluate_regret, uniform_br_mean

    vstar, vstar_se = uniform_br_mean("paper", 100, draws=200_000)
    out: dict[str, Any] = {"perfect_info_value": vstar, "perfect_info_value_se": vstar_se, "rows": [], "deep": []}
    reports = {}
    for spec, pan, m, key in ([(s, panel, matches, "rows") for s in rules] + [(s, deep_panel, deep_matches, "deep")
                                                                                for s in deep_rules]):
        t0 = time.perf_counter()
        pol = from_spec(spec, horizon=100)
        grp, lab, Q = _flat(pan)
        rep = evaluate_regret(pol, pan, "paper", n=100, matches=m, seed=7, chunk=len(Q))
        row = {"policy": pol.name, "spec": spec, "matches": m, "groups": _groups(grp, rep.regret, lab, rep.agent_reward_se),
               "coop_named": {str(lb): round(float(c), 3) for lb, c, g in zip(rep.label, rep.agent_coop, rep.group)
                              if g == "named"},
               "seconds": round(time.perf_counter() - t0, 1)}
        if "random" in rep.groups:
            sel = rep.group == "random"
            row["prior_value"] = round(float(rep.agent_reward[sel].mean()), 5)
            row["prior_value_se"] = round(float(rep.agent_reward[sel].std(ddof=1) / np.sqrt(sel.sum())), 5)
        out[key].append(row)
        reports[spec] = rep
        if progress:
            tqdm.write(f"B: {pol.name}: " + ", ".join(f"{g} {d['regret']:.3f}" for g, d in row["groups"].items())
                       + f" ({row['seconds']} s)")
    # paired comparison on the random draws against the best prior value
    if out["rows"]:
        best = max(out["rows"], key=lambda r: r.get("prior_value", -np.inf))
        out["best_rule"] = best["spec"]
        rb = reports[best["spec"]]
        sel = rb.group == "random"
        for r in out["rows"]:
            d = rb.agent_reward[sel] - reports[r["spec"]].agent_reward[sel]
            r["paired_gap_to_best"] = round(float(d.mean()), 5)
            r["paired_gap_se"] = round(float(d.std(ddof=1) / np.sqrt(len(d))), 5) if len(d) > 1 else None
    for r in out["rows"] + out["deep"]:
        nm = r["groups"]["named"]["per_coplayer"]
        r["extortable"] = bool(nm["Extort-2"] <= EXTORTABLE_TOL and nm["Extort-3"] <= EXTORTABLE_TOL)
    out["_reports"] = reports
    return out


# ------------------------------------------------------------------------------------------ C

def part_sweep(sweep: dict[str, Sequence[float]], rules: Sequence[str], draws: int, recips: int, matches: int,
               prior_draws: int, progress: bool = True) -> list[dict[str, Any]]:
    """For each training prior of each family: the learners' regret vs Extort-2/3 and per group,
    and their value on draws from that prior itself."""
    from tqdm import tqdm

    from learners.bayes import from_spec
    from learners.regret import Panel, evaluate_regret

    base = issue_panel(draws, recips, seed=2026)
    items = [(f, x) for f, xs in sweep.items() for x in xs]
    rows = []
    for fam, x in tqdm(items, desc="C: prior sweep", disable=not progress):
        prior = prior_family(fam, x)
        groups = dict(base.groups)
        groups["prior"] = (tuple(f"P{k}" for k in range(prior_draws)), prior.sample(prior_draws, seed=17)
                           if hasattr(prior, "sample") else None)
        pan = Panel(groups)
        grp, lab, Q = _flat(pan)
        for spec in rules:
            t0 = time.perf_counter()
            pol = from_spec(spec, horizon=100, prior=prior)
            rep = evaluate_regret(pol, pan, "paper", n=100, matches=matches, seed=11, chunk=len(Q))
            g = _groups(grp, rep.regret, lab, rep.agent_reward_se)
            nm = g["named"]["per_coplayer"]
            rows.append({"family": fam, "x": x, "prior": prior.describe(), "policy": pol.name, "spec": spec, "groups": g,
                         "extort2": nm["Extort-2"], "extort3": nm["Extort-3"],
                         "extortable": bool(nm["Extort-2"] <= EXTORTABLE_TOL and nm["Extort-3"] <= EXTORTABLE_TOL),
                         "seconds": round(time.perf_counter() - t0, 1)})
            if progress:
                tqdm.write(f"C: {fam}={x} {pol.name}: Extort-2 {nm['Extort-2']:.3f}, Extort-3 {nm['Extort-3']:.3f}, "
                           f"U {g['random']['regret']:.3f}, recip {g['reciprocators']['regret']:.3f}, "
                           f"own prior {g['prior']['regret']:.3f}")
    return rows


# ------------------------------------------------------------------------------------------ E

def part_confirm(items: Sequence[tuple[str, float]], rules: Sequence[str], matches: int,
                 progress: bool = True) -> list[dict[str, Any]]:
    """Extortability of chosen priors with many matches against Extort-2 and Extort-3 only
    (their regret per match is bimodal — locked into cooperation or not — so the sweep's
    32–64 matches leave s.e. ~0.04 near the threshold)."""
    from tqdm import tqdm

    from eqtools.strategies import named
    from learners.bayes import from_spec
    from learners.regret import Panel, evaluate_regret

    pan = Panel({"named": (("Extort-2", "Extort-3"), np.asarray([named("Extort-2", "paper").vector, named("Extort-3", "paper").vector]))})
    rows = []
    for fam, x in tqdm(list(items), desc="E: confirm", disable=not progress):
        prior = prior_family(fam, x)
        for spec in rules:
            pol = from_spec(spec, horizon=100, prior=prior)
            rep = evaluate_regret(pol, pan, "paper", n=100, matches=matches, seed=23, chunk=2)
            e2, e3 = (float(v) for v in rep.regret)
            s2, s3 = (float(v) for v in rep.agent_reward_se)
            rows.append({"family": fam, "x": x, "policy": pol.name, "spec": spec, "matches": matches,
                         "extort2": round(e2, 4), "extort2_se": round(s2, 4), "extort3": round(e3, 4), "extort3_se": round(s3, 4),
                         "coop": [round(float(c), 3) for c in rep.agent_coop],
                         "extortable": bool(e2 <= EXTORTABLE_TOL and e3 <= EXTORTABLE_TOL)})
            if progress:
                tqdm.write(f"E: {fam}={x} {pol.name}: Extort-2 {e2:.3f} ± {s2:.3f}, Extort-3 {e3:.3f} ± {s3:.3f}")
    return rows


# ------------------------------------------------------------------------------------------ D

def part_decomposition(results_dir: str | Path, rule: str, matches: int) -> list[dict[str, Any]]:
    """Excess regret of committed agents over the Bayesian learner, paired per co-player, from the
    per-co-player rewards in committed ``regret.json`` files (their panels are rebuilt exactly)."""
    from learners.bayes import from_spec
    from learners.regret import HELDOUT_AXELROD, default_panel, evaluate_regret

    rows = []
    cache: dict[Any, Any] = {}
    for path in sorted(Path(results_dir).glob("*/regret.json")):
        d = json.loads(path.read_text())
        if "reports" not in d:
            continue
        key = (d["panel_seed"], d["draws"])
        if key not in cache:
            panel = default_panel("paper", random=d["draws"], seed=d["panel_seed"], heldout=HELDOUT_AXELROD,
                                  reciprocators=0)
            n_co = sum(len(lb) for lb, _ in panel.groups.values())
            cache[key] = evaluate_regret(from_spec(rule, horizon=100), panel, "paper", n=100, matches=matches, seed=3,
                                         chunk=n_co)
        ref = cache[key]
        for rep in d["reports"]:
            rows_by = {(c["group"], c["coplayer"]): c["agent_reward"] for c in rep["coplayers"]}
            groups = {}
            for g in dict.fromkeys(ref.group):
                sel = np.flatnonzero(ref.group == g)
                have = [i for i in sel if (g, ref.label[i]) in rows_by]
                if len(have) == len(sel):  # paired per co-player
                    agent = np.array([rows_by[(g, ref.label[i])] for i in sel])
                    ex = ref.agent_reward[sel] - agent
                    groups[g] = {"agent_regret": round(float((ref.br_value[sel] - agent).mean()), 4),
                                 "bayes_regret": round(float(ref.regret[sel].mean()), 4),
                                 "excess": round(float(ex.mean()), 4),
                                 "excess_se": round(float(ex.std(ddof=1) / np.sqrt(len(sel))), 4), "paired": True}
                elif g in rep.get("groups", {}):  # only the group mean was committed: same draws, unpaired s.e.
                    ga = rep["groups"][g]
                    bm = float(ref.regret[sel].mean())
                    bse = float(ref.regret[sel].std(ddof=1) / np.sqrt(len(sel)))
                    groups[g] = {"agent_regret": round(ga["regret"], 4), "bayes_regret": round(bm, 4),
                                 "excess": round(ga["regret"] - bm, 4),
                                 "excess_se": round(float(np.hypot(ga.get("regret_se", np.nan), bse)), 4), "paired": False}
            if groups:
                rows.append({"source": str(path), "agent": rep["agent"], "groups": groups,
                             "note": "from committed per-co-player rewards (checkpoints not committed); "
                                     "unpaired s.e. where only group means were committed"})
    return rows


# ------------------------------------------------------------------------------------------ report

def _section(title: str, header: str, note: str | None = None) -> list[str]:
    """A report section's opening: ``## title``, the ``note`` paragraph (if any) and the table head
    (``header`` as ``| a | b |``, then its ``|---|`` rule)."""
    return [f"## {title}", ""] + ([note, ""] if note else []) + [header, "|" + "---|" * (header.count("|") - 1)]


def _md(res: dict[str, Any]) -> str:
    L = [f"# The Bayesian in-context learner (preset {res['preset']})", "",
         f"Machine: {res['machine']}. Command: `{res['command']}`.", ""]
    if res.get("short"):
        L += _section("A. Exact Bayes-optimal learner for U(0,1)^5 at short horizons", "| n | policy | prior value | gap to Bayes | random | reciprocators | TFT | ALLD | Extort-2 | Extort-3 | Generous-3 |",
                      "Values per round. Gap = V_Bayes − V_policy, prior-averaged (exact except Thompson). "
                      "Regret per group vs the exact best response (exact except Thompson).")
        for r in res["short"]:
            nm = r["groups"]["named"]["per_coplayer"]
            gse = f" ± {r['prior_value_se']:.4f}" if "prior_value_se" in r else ""
            L.append(f"| {r['n']} | {r['policy']} | {r['prior_value']:.5f}{gse} | {r['gap']:.5f} | "
                     f"{r['groups']['random']['regret']:.4f} | {r['groups']['reciprocators']['regret']:.3f} | "
                     f"{nm['TFT']:.3f} | {nm['ALLD']:.3f} | {nm['Extort-2']:.3f} | {nm['Extort-3']:.3f} | {nm['Generous-3']:.3f} |")
        L.append("")
    if res.get("long"):
        lo = res["long"]
        L += _section("B. n = 100: approximations on the issue's panel (simulated)", "| policy | prior value (200 draws) | gap to best (paired) | random (≥ gap to Bayes) | reciprocators | TFT | Joss | ALLD | ALLC | GRIM | WSLS | Extort-2 | Extort-3 | Generous-3 | extortable |",
                      f"Perfect-information value E[V*(q)] over U(0,1)^5 = {lo['perfect_info_value']:.4f} ± "
                      f"{lo['perfect_info_value_se']:.4f} (population; an upper bound on the Bayes-optimal prior value). "
                      "On the same 200 draws V_Bayes ≤ mean V*(q) in expectation, so a policy's regret on the draws "
                      "bounds its prior-averaged gap to the Bayes-optimal learner from above; the paired gap to the best "
                      "rule bounds it from below. "
                      f"Best prior value: **{lo.get('best_rule', '—')}**. Extortable = regret ≤ {EXTORTABLE_TOL} against Extort-2 and Extort-3.")
        for r in lo["rows"] + lo["deep"]:
            nm = r["groups"]["named"]["per_coplayer"]
            pv = f"{r['prior_value']:.4f} ± {r['prior_value_se']:.4f}" if "prior_value" in r else "—"
            gap = f"{r['paired_gap_to_best']:.4f} ± {r['paired_gap_se']:.4f}" if "paired_gap_to_best" in r else "—"
            rnd = f"{r['groups']['random']['regret']:.4f}" if "random" in r["groups"] else "—"
            L.append(f"| {r['policy']} `{r['spec']}` ({r['matches']} matches) | {pv} | {gap} | {rnd} | {r['groups']['reciprocators']['regret']:.3f} | "
                     + " | ".join(f"{nm[k]:.3f}" for k in NAMED) + f" | {'yes' if r['extortable'] else 'no'} |")
        L.append("")
    if res.get("sweep"):
        L += _section("C. Which training prior makes the Bayesian learner extortable?", "| family | x | prior | policy | Extort-2 | Extort-3 | extortable | U(0,1)^5 draws | reciprocators | TFT | ALLD | own prior |")
        for r in res["sweep"]:
            g = r["groups"]
            nm = g["named"]["per_coplayer"]
            prior_txt = r["prior"] if len(r["prior"]) < 120 else f"`prior_family({r['family']!r}, {r['x']:g})`"
            L.append(f"| {r['family']} | {r['x']:g} | {prior_txt} | {r['policy']} `{r['spec']}` | {r['extort2']:.3f} | {r['extort3']:.3f} | "
                     f"{'**yes**' if r['extortable'] else 'no'} | {g['random']['regret']:.4f} | {g['reciprocators']['regret']:.3f} | "
                     f"{nm['TFT']:.3f} | {nm['ALLD']:.3f} | {g['prior']['regret']:.4f} |")
        L.append("")
    if res.get("confirm"):
        L += _section("E. Extortability confirmed with many matches", "| family | x | policy | matches | Extort-2 regret ± s.e. | Extort-3 regret ± s.e. | cooperation (E-2 / E-3) | extortable |")
        for r in res["confirm"]:
            L.append(f"| {r['family']} | {r['x']:g} | {r['policy']} `{r['spec']}` | {r['matches']} | {r['extort2']:.3f} ± {r['extort2_se']:.3f} | "
                     f"{r['extort3']:.3f} ± {r['extort3_se']:.3f} | {r['coop'][0]:.2f} / {r['coop'][1]:.2f} | "
                     f"{'**yes**' if r['extortable'] else 'no'} |")
        L.append("")
    if res.get("decomposition"):
        L += _section("D. Regret decomposed: committed step-1 agents vs the Bayesian learner", "| source | agent | group | agent regret | Bayes regret | excess ± s.e. |",
                      f"regret(agent) = [V* − V_Bayes] + excess, paired per co-player; Bayesian learner {res['decomposition_rule']}. "
                      "From committed per-co-player rewards (agent checkpoints are not committed).")
        for r in res["decomposition"]:
            for g, d in r["groups"].items():
                L.append(f"| {Path(r['source']).parent.name} | {r['agent']} | {g} | {d['agent_regret']:.3f} | "
                         f"{d['bayes_regret']:.3f} | {d['excess']:.3f} ± {d['excess_se']:.3f}"
                         + ("" if d.get("paired", True) else " (group means)") + " |")
        L.append("")
    return "\n".join(L) + "\n"


def _plots(res: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if res.get("short"):
        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        pols = list(dict.fromkeys(r["policy"] for r in res["short"]))
        for k, p in enumerate(pols):
            rr = [r for r in res["short"] if r["policy"] == p]
            ns = [r["n"] for r in rr]
            axes[0].plot(ns, [r["gap"] for r in rr], "o-", color=f"C{k}", label=p)
            axes[1].plot(ns, [r["groups"]["named"]["per_coplayer"]["Extort-3"] for r in rr], "o-", color=f"C{k}", label=p)
            axes[2].plot(ns, [r["groups"]["reciprocators"]["regret"] for r in rr], "o-", color=f"C{k}", label=p)
        for ax, t in zip(axes, ("prior-averaged gap to the exact Bayes value", "regret vs Extort-3", "regret vs reciprocators")):
            ax.set_title(t, fontsize=10)
            ax.set_xlabel("horizon n")
            ax.grid(alpha=0.3)
        axes[1].axhline(EXTORTABLE_TOL, color="r", ls=":", lw=1)
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "short_horizons.png", dpi=110)
        plt.close(fig)
    if res.get("long"):
        rows = res["long"]["rows"] + res["long"]["deep"]
        keys = ["random", "reciprocators"] + list(NAMED)
        fig, ax = plt.subplots(figsize=(14, 4.2))
        w = 0.8 / len(rows)
        for k, r in enumerate(rows):
            vals = [r["groups"][g]["regret"] if g in r["groups"] else np.nan for g in keys[:2]] + \
                   [r["groups"]["named"]["per_coplayer"][g] for g in keys[2:]]
            ax.bar(np.arange(len(keys)) + k * w, vals, w, color=plt.cm.tab20(k % 20), label=f"{r['policy']} {r['spec']}")
        ax.axhline(EXTORTABLE_TOL, color="r", ls=":", lw=1, label=f"extortable ({EXTORTABLE_TOL})")
        ax.set_xticks(np.arange(len(keys)) + 0.4 - w / 2)
        ax.set_xticklabels(keys, rotation=30, ha="right")
        ax.set_ylabel("regret per round (n = 100)")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=7, ncol=3)
        fig.tight_layout()
        fig.savefig(out / "n100_regret.png", dpi=110)
        plt.close(fig)
    if res.get("sweep"):
        fams = list(dict.fromkeys(r["family"] for r in res["sweep"]))
        fig, axes = plt.subplots(1, len(fams), figsize=(4.5 * len(fams), 3.8), squeeze=False)
        for ax, f in zip(axes[0], fams):
            for k, spec in enumerate(dict.fromkeys(r["spec"] for r in res["sweep"])):
                rr = [r for r in res["sweep"] if r["family"] == f and r["spec"] == spec]
                xs = [r["x"] for r in rr]
                if not rr:
                    continue
                ax.plot(xs, [r["extort2"] for r in rr], "o-", color=f"C{k}", label=f"{rr[0]['policy']} Extort-2")
                ax.plot(xs, [r["extort3"] for r in rr], "s--", color=f"C{k}", label=f"{rr[0]['policy']} Extort-3")
                ax.plot(xs, [r["groups"]["random"]["regret"] for r in rr], "^:", color=f"C{k}", label=f"{rr[0]['policy']} U draws")
            ax.axhline(EXTORTABLE_TOL, color="r", ls=":", lw=1)
            ax.set_title(f"prior family: {f}", fontsize=10)
            ax.set_xlabel("tilt k" if f == "tilt" else "mixture weight")
            ax.set_ylabel("regret (n = 100)")
            ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=6)
        fig.tight_layout()
        fig.savefig(out / "prior_sweep.png", dpi=110)
        plt.close(fig)


def run_study(preset: str = "cpu", out: str | Path | None = None, parts: str = "ABCD", progress: bool = True,
              command: str = "", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the study (see the module docstring); returns the results dict (also written to ``out``).
    ``overrides`` replaces preset entries (e.g. ``{"long_rules": (), "deep_rules": ("lookahead-pi:2",)}``)."""
    if preset not in PRESETS:
        raise ParameterError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    if not isinstance(parts, str) or not parts or set(parts) - set("ABCDE"):
        raise ParameterError(f"parts must be letters from 'ABCDE', got {parts!r}")
    from eqtools.provenance import machine  # reporting only

    cfg = dict(PRESETS[preset])
    for k, v in (overrides or {}).items():
        if k not in cfg and k not in ("confirm", "confirm_rules", "confirm_matches"):
            raise ParameterError(f"unknown override {k!r}; known: {sorted(cfg)}")
        cfg[k] = v
    outp = Path(out) if out is not None else Path("runs") / "bayes" / preset
    outp.mkdir(parents=True, exist_ok=True)
    m = machine()
    res: dict[str, Any] = {"preset": preset, "config": cfg, "command": command or f"python -m studies.bayes --preset {preset}",
                           "machine": f"{m['cpu']}, {m['cores']} cores, JAX {m['jax']} CPU, load average {m['loadavg_1_5_15min']}"}
    t0 = time.perf_counter()
    panel = issue_panel(cfg["draws"], cfg["recips"])
    if "A" in parts:
        res["short"] = part_short(cfg["short_ns"], cfg["short_rules"], panel, cfg["la3_max_n"], cfg["short_matches"], progress)
        _write(res, outp)
    if "B" in parts:
        deep_panel = issue_panel(0, min(cfg["recips"], 10))
        lo = part_long(cfg["long_rules"], cfg["deep_rules"], panel, deep_panel, cfg["matches"], cfg["deep_matches"], progress)
        lo.pop("_reports")
        res["long"] = lo
        _write(res, outp)
    if "C" in parts:
        res["sweep"] = part_sweep(cfg["sweep"], cfg["sweep_rules"], cfg["sweep_draws"], cfg["recips"], cfg["sweep_matches"],
                                  cfg["prior_draws"], progress)
        _write(res, outp)
    if "E" in parts:
        res["confirm"] = part_confirm(cfg.get("confirm", ()), cfg.get("confirm_rules", ("ce",)), cfg.get("confirm_matches", 256),
                                      progress)
        _write(res, outp)
    if "D" in parts and cfg["decomposition"]:
        rule = res.get("long", {}).get("best_rule", "lookahead:2")
        res["decomposition_rule"] = rule
        res["decomposition"] = part_decomposition(Path(__file__).parent / "results" / "regret", rule, 32)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    _write(res, outp)
    _plots(res, outp)
    return res


def _write(res: dict[str, Any], outp: Path) -> None:
    (outp / "bayes.json").write_text(json_text(res, indent=1, default=str))
    (outp / "bayes.md").write_text(_md(res))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    ap.add_argument("--parts", default="ABCD", help="which parts to run (letters A-E, default ABCD; E = --confirm)")
    ap.add_argument("--confirm", default=None, help="part E: priors to confirm, 'family=x1,x2;...'")
    ap.add_argument("--confirm-rules", default="ce", help="part E rules (comma-separated specs)")
    ap.add_argument("--confirm-matches", type=int, default=256, help="part E matches per extortioner (default 256)")
    ap.add_argument("--out", default=None, help="output folder (default runs/bayes/<preset>)")
    ap.add_argument("--long-rules", default=None, help="override the preset's n = 100 rules (comma-separated specs)")
    ap.add_argument("--deep-rules", default=None, help="override the preset's deep-lookahead rules (comma-separated)")
    ap.add_argument("--sweep", default=None, help="override the prior sweep: 'family=x1,x2;family2=...'")
    ap.add_argument("--sweep-rules", default=None, help="override the sweep's rules (comma-separated specs)")
    ap.add_argument("--sweep-matches", type=int, default=None, help="override matches per co-player in the sweep")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    import sys

    ov: dict[str, Any] = {}
    for key, val in (("long_rules", args.long_rules), ("deep_rules", args.deep_rules), ("sweep_rules", args.sweep_rules)):
        if val is not None:
            ov[key] = tuple(x.strip() for x in val.split(",") if x.strip())
    if args.sweep is not None:
        try:
            ov["sweep"] = {fam.strip(): tuple(float(x) for x in xs.split(","))
                           for fam, _, xs in (item.partition("=") for item in args.sweep.split(";") if item.strip())}
        except ValueError:
            raise ParameterError(f"--sweep must look like 'extortioners=0.2,0.3;tilt=5', got {args.sweep!r}") from None
    if args.confirm is not None:
        try:
            ov["confirm"] = [(fam.strip(), float(x)) for fam, _, xs in (item.partition("=") for item in args.confirm.split(";")
                                                                         if item.strip()) for x in xs.split(",")]
        except ValueError:
            raise ParameterError(f"--confirm must look like 'extortioners=0.2,0.3', got {args.confirm!r}") from None
        ov["confirm_rules"] = tuple(x.strip() for x in args.confirm_rules.split(",") if x.strip())
        ov["confirm_matches"] = args.confirm_matches
    if args.sweep_matches is not None:
        if args.sweep_matches < 2:
            raise ParameterError(f"--sweep-matches must be at least 2, got {args.sweep_matches}")
        ov["sweep_matches"] = args.sweep_matches
    run_study(args.preset, args.out, args.parts, progress=not args.no_progress, overrides=ov,
              command="python -m studies.bayes " + " ".join(sys.argv[1:] if argv is None else argv))
    print((Path(args.out or f"runs/bayes/{args.preset}") / "bayes.md").read_text())
    return 0


if __name__ == "__main__":
    from studies import cli_entry

    raise SystemExit(cli_entry(main))
