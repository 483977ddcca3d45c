"""Readable text summaries of meta-game results for ``eqtools solve nash`` and ``tournament --analyse``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

_SHORT = {
    "complete enumeration": "complete",
    "lemke_howson": "LH",
    "lemke_howson_graph": "LH-graph",
    "symmetric_lemke_howson": "sym-LH",
    "replicator": "replicator",
}


def _support(v: np.ndarray, labels: Sequence[str], limit: int = 5) -> str:
    idx = np.flatnonzero(v > 0)
    idx = idx[np.argsort(-v[idx], kind="stable")]
    parts = [labels[i] if len(idx) == 1 else f"{labels[i]} {v[i]:.3g}" for i in idx[:limit]]
    if len(idx) > limit:
        parts.append(f"+{len(idx) - limit} more")
    return ", ".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(headers)]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def format_nash(nash: Any, *, max_rows: int = 40, title: str = "Nash equilibria", estimated: Any = None) -> str:
    """Summary of a :class:`~solvers.bimatrix.meta_game.MetaGameNash`: status, method, a table of equilibria.

    ``estimated``: ``(tournament input, Robustness)`` when the matrix is partly simulated; the
    summary then says so in its first line and adds each equilibrium's survival under
    perturbation within the standard errors (:mod:`solvers.estimated_meta_game`)."""
    g = nash.game
    rl, cl = g.row_labels, g.col_labels
    m, n = g.shape
    lines = []
    tin, rob = estimated if estimated is not None else (None, None)
    of = " of the ESTIMATED matrix" if tin is not None else ""
    status = f"COMPLETE (every extreme equilibrium{of})" if nash.complete else f"SAMPLED{of} (not known to be complete)"
    lines.append(f"{title} of {g.name} ({m}x{n}): {len(nash.equilibria)} found, {status}")
    if tin is not None:
        lines.append(f"  ESTIMATED MATRIX: {tin.simulated} of {tin.cells} cells simulated; equilibria and their "
                     "verification refer to the estimate, see 'survives' for the Monte Carlo error")
    lines.append(f"  method: {nash.method}")
    if nash.reason:
        lines.append(f"  {'note' if nash.complete else 'why not complete'}: {nash.reason}")
    runs = getattr(nash, "runs", {}) or {}
    lh = runs.get("lemke_howson")
    if lh:
        lines.append(
            f"  Lemke–Howson (lexicographic): labels {lh['labels']}, {lh['paths_finished']} paths finished"
            + (", stopped by the time limit" if lh.get("stopped_by_time_limit") else "")
        )
    rep = runs.get("replicator")
    if rep and rep.get("ran", True):
        lines.append(f"  replicator: {rep['starts']} seeded starts (seed {rep['seed']}), {rep['distinct_end_supports']} distinct end supports")
    lines.append(
        f"  verified{' in the estimated matrix' if tin is not None else ''}: no pure deviation gains more than "
        f"{nash.tol_abs:.3g} payoff units (tol {nash.tol:g} x payoff range) for every equilibrium listed"
    )
    comp_of = {}
    for c, comp in enumerate(nash.components):
        for k in comp:
            comp_of[k] = c + 1
    sym_game = g.is_symmetric()
    headers = ["#", "comp", "row strategy (support, prob)", "column strategy", "payoff row", "payoff col"]
    if sym_game:
        headers += ["ESS"]
    headers += ["max gain", "found by"]
    if rob is not None:
        headers += ["survives"]
    rows = []
    for k, e in enumerate(nash.equilibria[:max_rows]):
        sym = sym_game and bool(np.allclose(e.x, e.y, atol=1e-9, rtol=0))
        r = [str(k + 1), str(comp_of.get(k, "-")), _support(e.x, rl), "(same)" if sym else _support(e.y, cl),
             f"{e.payoff_row:.4f}", f"{e.payoff_col:.4f}"]
        if sym_game:
            r.append("-" if e.ess is None else ("yes" if e.ess else "no"))
        r += [f"{max(e.gain_row, e.gain_col):.1e}", ", ".join(_SHORT.get(mm, mm) for mm in e.methods)]
        if rob is not None:
            r.append(f"{'yes' if rob.survives[k] else 'NO'} ({100 * rob.survival[k]:.0f}%)")
        rows.append(r)
    lines.append("")
    lines += ["  " + s for s in _table(headers, rows)]
    if len(nash.equilibria) > max_rows:
        lines.append(f"  ... {len(nash.equilibria) - max_rows} more (use --json for all)")
    ncomp = len(nash.components)
    lines.append("")
    if nash.complete:
        lines.append(f"  components of the equilibrium set: {ncomp}"
                     + (f"; maximal Nash subsets: {len(nash.maximal_nash_subsets)}" if nash.maximal_nash_subsets else ""))
    else:
        lines.append(f"  groups of sampled equilibria joined by shared strategies: {ncomp} "
                     "(each lies in one component; true components may be larger)")
    n_ess = sum(1 for e in nash.equilibria if e.ess)
    if sym_game:
        lines.append(f"  ESS among the listed symmetric equilibria: {n_ess}")
    if rob is not None:
        lines.append(f"  robust to the Monte Carlo error: {rob.n_surviving} of {len(rob.survival)} equilibria keep an "
                     f"equilibrium within their supports in >= {100 * rob.level:.0f}% of {rob.draws} perturbed matrices "
                     f"(M + se * N(0, 1), seed {rob.seed})")
        if rob.appearing:
            shown = "; ".join(f"{{{', '.join(rl[i] for i in a['row_support'])}}} vs "
                              f"{{{', '.join(cl[j] for j in a['col_support'])}}} {100 * a['frequency']:.0f}%"
                              for a in rob.appearing[:5])
            lines.append(f"  equilibria appearing only under perturbation: {shown}")
        elif rob.appearing is not None:
            lines.append("  no other equilibrium supports appear under perturbation")
        for note in rob.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


def format_analysis(an: Any, *, max_rows: int = 40, top: int = 8, estimated: Any = None) -> str:
    """Summary of a :class:`~solvers.bimatrix.meta_game.MetaGameAnalysis` (``estimated``: see :func:`format_nash`)."""
    lines = [format_nash(an.nash, max_rows=max_rows, title="Meta-game Nash equilibria", estimated=estimated)]
    lines.append("")
    if an.alpharank is not None:
        rk = an.alpharank.ranking()[:top]
        lines.append(f"α-Rank (alpha={an.alpha:g}, m={an.alpharank.m}): " + ", ".join(f"{s} {p:.3f}" for s, p in rk))
    for note in an.notes:
        lines.append(f"  note: {note}")
    lim = an.alpharank_limit
    if lim is not None:
        sinks = [sorted(s) for s in lim.surviving]
        shown = "; ".join("{" + ", ".join(s[:6]) + (f", +{len(s) - 6}" if len(s) > 6 else "") + "}" for s in sinks[:5])
        lines.append(f"α-Rank α → ∞: {len(lim.sinks)} sink component(s); mass on {shown}"
                     + ("" if lim.resolved else " (tie between sinks: not resolved)"))
    if an.replicator is not None:
        r = an.replicator
        fin = r.final
        idx = np.argsort(-fin)[:5]
        lines.append("replicator from the uniform mixture: " + ", ".join(f"{r.labels[i]} {fin[i]:.3f}" for i in idx if fin[i] > 1e-4)
                     + (" (at rest, a Nash equilibrium)" if r.rest_point_is_nash else (" (at rest)" if r.converged else " (not at rest)")))
    if an.timings:
        lines.append("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in an.timings.items()))
    return "\n".join(lines)
