"""Axelrod-style summaries of a tournament dataset: ranking, wins, cooperation, CSV, printed matrices.

For a symmetric tournament (same entrants on both sides) every entrant gets

* ``score``: mean per-round payoff against the *other* entrants (self-play excluded, as in
  Axelrod's normalised scores) with its standard error from the simulated cells (0 when every
  cell is exact);
* ``wins``: opponents whose expected payoff is strictly below the entrant's (Axelrod counts
  won *matches*; with exact payoffs the natural count is of won pairings);
  ``wins_uncertain``: how many of those comparisons (won or lost) rest on simulated cells whose
  difference is within two standard errors;
* ``cooperation``: mean cooperation rate against the other entrants;
* ``kind``: how it was played (memory-one, finite-state, simulated; from ``attrs["players"]``).

Ranked by score (descending; ties keep the input order).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import xarray as xr

from .errors import OutputPathError, ParameterError
from .validation import Interval, Positive, validated

__all__ = ["summary", "write_csv", "format_summary", "format_matrix", "format_entrants"]


def _check(ds: Any) -> None:
    if not isinstance(ds, xr.Dataset) or any(v not in ds for v in ("payoff_row", "payoff_col", "coop_row")):
        raise ParameterError("expected a tournament Dataset (see eqtools.tournament.make_tournament)")


def _kinds(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    try:
        players = json.loads(ds.attrs.get("players", "{}"))
    except (TypeError, ValueError):
        return {}
    out = {}
    for side in ("rows", "cols"):
        for p in players.get(side) or []:
            out.setdefault(p["name"], p)
    return out


def summary(ds: xr.Dataset) -> list[dict[str, Any]]:
    """Per-entrant summary rows, ranked (see the module docstring).  Needs a symmetric tournament."""
    _check(ds)
    rows = [str(v) for v in ds["row"].values]
    if rows != [str(v) for v in ds["col"].values]:
        raise ParameterError("an Axelrod-style summary needs a symmetric tournament (the same entrants as rows and columns)")
    A, B = ds["payoff_row"].values, ds["payoff_col"].values
    Ase = ds["payoff_row_se"].values if "payoff_row_se" in ds else np.zeros_like(A)
    Bse = ds["payoff_col_se"].values if "payoff_col_se" in ds else np.zeros_like(A)
    C = ds["coop_row"].values
    Cse = ds["coop_row_se"].values if "coop_row_se" in ds else np.zeros_like(A)
    exact = ds["exact"].values if "exact" in ds else np.ones(A.shape, dtype=bool)
    N = len(rows)
    kinds = _kinds(ds)
    out = []
    for i, name in enumerate(rows):
        others = np.array([j for j in range(N) if j != i] or [i])
        score = float(A[i, others].mean())
        score_se = float(math.sqrt(float((Ase[i, others] ** 2).sum())) / len(others))
        diff = A[i, others] - B[i, others]
        dse = np.sqrt(Ase[i, others] ** 2 + Bse[i, others] ** 2)
        uncertain = (~exact[i, others]) & (np.abs(diff) <= 2 * dse)
        out.append({
            "name": name,
            "kind": kinds.get(name, {}).get("kind", "memory-one" if bool(exact[i].all()) else "?"),
            "score": score,
            "score_se": score_se,
            "wins": int((diff > 0).sum()),
            "wins_uncertain": int(uncertain.sum()),
            "cooperation": float(C[i, others].mean()),
            "cooperation_se": float(math.sqrt(float((Cse[i, others] ** 2).sum())) / len(others)),
            "self_payoff": float(A[i, i]),
            "simulated_cells": int((~exact[i]).sum()),
        })
    order = sorted(range(N), key=lambda k: -out[k]["score"])
    ranked = []
    for r, k in enumerate(order):
        ranked.append({"rank": r + 1, **out[k]})
    return ranked


def write_csv(ds: xr.Dataset, path: str | Path) -> tuple[Path, Path]:
    """Write the ranked summary to ``path`` and every cell (long form) to ``<path stem>.cells.csv``.

    Returns both paths.  Cells: row, col, payoffs, cooperation rates, their standard errors and
    whether the cell is exact.
    """
    from .io import check_output_path

    _check(ds)
    p = check_output_path(path, "--csv")
    cells = check_output_path(p.with_name(p.stem + ".cells.csv"), "--csv cells file")
    rows_ = summary(ds) if [str(v) for v in ds["row"].values] == [str(v) for v in ds["col"].values] else []
    try:
        with open(p, "w", newline="") as fh:
            if rows_:
                w = csv.DictWriter(fh, fieldnames=list(rows_[0]))
                w.writeheader()
                w.writerows(rows_)
            else:
                fh.write("# no summary: rows and columns differ (see the cells file)\n")
        keys = ("payoff_row", "payoff_col", "coop_row", "coop_col")
        with open(cells, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "col", *keys, *(k + "_se" for k in keys), "exact"])
            for i, r in enumerate(ds["row"].values):
                for j, c in enumerate(ds["col"].values):
                    w.writerow([str(r), str(c), *(repr(float(ds[k].values[i, j])) for k in keys),
                                *(repr(float(ds[k + "_se"].values[i, j])) if k + "_se" in ds else "0.0" for k in keys),
                                int(bool(ds["exact"].values[i, j]))])
    except OSError as exc:
        raise OutputPathError(f"--csv {str(p)!r} cannot be written ({exc.strerror or exc})") from None
    return p, cells


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(headers)]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


@validated
def format_summary(ds: xr.Dataset, *, top: Annotated[int, Positive] | None = None) -> str:
    """The ranking as a readable table (``top`` rows; all by default)."""
    rows_ = summary(ds)
    if top is not None:
        rows_ = rows_[:top]
    any_sim = any(r["simulated_cells"] for r in rows_)
    headers = ["rank", "strategy", "kind", "score/round"] + (["± se"] if any_sim else []) + ["wins", "cooperation"]
    body = []
    for r in rows_:
        line = [str(r["rank"]), r["name"], r["kind"], f"{r['score']:.4f}"]
        if any_sim:
            line.append(f"{r['score_se']:.4f}" if r["score_se"] else "exact")
        line.append(str(r["wins"]) + (f" (±{r['wins_uncertain']})" if r["wins_uncertain"] else ""))
        line.append(f"{r['cooperation']:.3f}")
        body.append(line)
    text = _table(headers, body)
    if any_sim:
        text += "\n(±k after wins: k comparisons rest on simulated cells within two standard errors)"
    return text


@validated
def format_matrix(ds: xr.Dataset, var: str = "payoff_row", *, max_size: Annotated[int, Positive] = 12,
                  digits: Annotated[int, Interval(0, 17)] = 3) -> str | None:
    """The matrix ``var`` as text for pools of at most ``max_size`` entrants (``None`` above);
    simulated cells are marked ``*``."""
    _check(ds)
    if var not in ds:
        raise ParameterError(f"tournament has no variable {var!r}")
    rl = [str(v) for v in ds["row"].values]
    cl = [str(v) for v in ds["col"].values]
    if max(len(rl), len(cl)) > max_size:
        return None
    M = ds[var].values
    ex = ds["exact"].values if "exact" in ds else np.ones(M.shape, dtype=bool)
    body = [[rl[i]] + [f"{M[i, j]:.{digits}f}" + ("" if ex[i, j] else "*") for j in range(len(cl))] for i in range(len(rl))]
    text = _table([f"{var} (row \\ col)"] + cl, body)
    if not ex.all():
        text += "\n* simulated cell (standard errors in the dataset)"
    return text


def format_entrants(ds: xr.Dataset) -> str | None:
    """How each entrant was played (kind, method, why simulated); ``None`` when all are memory-one."""
    _check(ds)
    kinds = _kinds(ds)
    if not kinds or all(p.get("kind") == "memory-one" for p in kinds.values()):
        return None
    body = [[p["name"], p["kind"], p["method"] if p["kind"] != "simulated" else p.get("reason", "")]
            for p in kinds.values()]
    return _table(["entrant", "played as", "how / why simulated"], body)
