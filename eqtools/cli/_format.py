"""Plain-text tables for the CLI's default (human-readable) output; ``--json`` bypasses them."""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

from ..io import _is_number as is_num

__all__ = ["num", "vec", "strategy", "game_line", "table", "criterion_text"]


def num(x: Any, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant decimals, ``-`` for None, ``nan``/``inf`` spelled out."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    if abs(v) < 10 ** (-digits) or abs(v) >= 1e12:
        return f"{v:.3g}"
    text = f"{v:.{digits}f}"
    short = text.rstrip("0").rstrip(".")
    # strip trailing zeros only when nothing is lost: 0.9999996 prints as 1.0000, not as 1
    return short if abs(float(short) - v) <= 1e-12 * max(1.0, abs(v)) else text


def vec(values: Iterable[Any], digits: int = 3) -> str:
    """``(a, b, c)`` with short numbers."""
    return "(" + ", ".join(num(v, digits) for v in values) + ")"


def strategy(d: Mapping[str, Any]) -> str:
    """A strategy dict ``{name, p0, p}`` as ``(p0; pCC, pCD, pDC, pDD)``."""
    return "(" + num(d["p0"], 3) + "; " + ", ".join(num(v, 3) for v in d["p"]) + ")"


def game_line(g: Any) -> str:
    if not isinstance(g, Mapping) or not {"R", "S", "T", "P"} <= set(g):
        return f"game: {g}"
    return f"game {g.get('name', '?')}: (R, S, T, P) = ({num(g['R'])}, {num(g['S'])}, {num(g['T'])}, {num(g['P'])})"


def criterion_text(crit: Any) -> str:
    """``{"gamma": 0.9}`` -> ``discounted (gamma = 0.9)`` etc.; strings pass through."""
    if isinstance(crit, str):
        return crit
    if isinstance(crit, Mapping):
        if "n" in crit:
            return f"finite horizon (n = {crit['n']} rounds)"
        if crit.get("limit"):
            return "limit of means"
        if "gamma" in crit:
            return f"discounted (gamma = {num(crit['gamma'])})"
    return str(crit)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, indent: str = "") -> str:
    """Columns padded to width; first column left-aligned, numeric-looking cells right-aligned."""
    cells = [[str(h) for h in headers]] + [[c if isinstance(c, str) else num(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    lines = []
    for k, r in enumerate(cells):
        out = []
        for i, c in enumerate(r):
            right = i > 0 and k > 0 and is_num(c)
            out.append(c.rjust(widths[i]) if right else c.ljust(widths[i]))
        lines.append(indent + "  ".join(out).rstrip())
        if k == 0:
            lines.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(lines)
