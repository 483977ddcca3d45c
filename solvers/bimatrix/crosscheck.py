"""Cross-check of complete enumeration against nashpy (Lemke–Howson from every initial label,
vertex enumeration, support enumeration): each returned profile is verified by the
best-response conditions (:func:`~solvers.bimatrix.verify.is_equilibrium`) and matched against
the list; anything found elsewhere but not here is reported as a miss.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.validation import Names, NonNegative, validated

from .enumeration import extreme_equilibria
from .results import CrossCheck, NashResult
from .verify import is_equilibrium

__all__ = ["cross_check"]


def _in_component_hull(res: NashResult, x: np.ndarray, y: np.ndarray, atol: float = 1e-6) -> bool:
    """Is (x, y) in the convex hull of some maximal product set of a component? (LP feasibility).

    Checked as: x in conv(row vertices of a component) and y in conv(its col vertices) —
    sufficient for degenerate games where every pair in a component is an equilibrium;
    as a test it errs on the side of reporting a miss.
    """
    from scipy.optimize import linprog

    for comp in res.components:
        xs = np.unique(np.array([res.equilibria[k].x for k in comp]), axis=0)
        ys = np.unique(np.array([res.equilibria[k].y for k in comp]), axis=0)
        ok = True
        for pts, target in ((xs, x), (ys, y)):
            k = len(pts)
            A_eq = np.vstack([pts.T, np.ones((1, k))])
            b_eq = np.concatenate([target, [1.0]])
            lp = linprog(np.zeros(k), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
            if lp.status != 0:
                ok = False
                break
        if ok:
            return True
    return False


@validated
def cross_check(
    game: Any,
    *,
    methods: Annotated[Sequence[str], Names] = ("lemke_howson", "vertex_enumeration", "support_enumeration"),
    tol: Annotated[float, NonNegative] = 1e-9,
    atol: Annotated[float, NonNegative] = 1e-6,
) -> CrossCheck:
    """Run nashpy's algorithms beside :func:`extreme_equilibria` and compare.

    Methods: ``lemke_howson`` (from every one of the ``m + n`` initial labels),
    ``vertex_enumeration``, ``support_enumeration`` (exponential: skip it for large games).
    nashpy's warnings (degeneracy, invalid LH output) are captured and reported.
    """
    import nashpy

    res = extreme_equilibria(game, tol=tol)
    g = res.game
    ng = nashpy.Game(g.A, g.B)
    m, n = g.shape
    report: dict[str, dict[str, Any]] = {}
    missed_se: tuple[int, ...] | None = None
    for meth in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if meth == "lemke_howson":
                out = []
                for lab in range(m + n):
                    try:
                        out.append(tuple(np.asarray(a, float) for a in ng.lemke_howson(initial_dropped_label=lab)))
                    except Exception as exc:  # nashpy raises on some degenerate pivots
                        out.append((np.full(m, np.nan), np.full(n, np.nan)))
                        caught.append(warnings.WarningMessage(str(exc), RuntimeWarning, "", 0))
            elif meth == "vertex_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.vertex_enumeration()]
            elif meth == "support_enumeration":
                out = [tuple(np.asarray(a, float) for a in eq) for eq in ng.support_enumeration()]
            else:
                raise ParameterError(f"unknown cross-check method {meth!r}")
        valid, ours, missed = 0, 0, []
        found_idx: set[int] = set()
        for x, y in out:
            if not is_equilibrium(g, x, y):
                continue
            valid += 1
            hit = [k for k, e in enumerate(res.equilibria) if np.allclose(e.x, x, atol=atol) and np.allclose(e.y, y, atol=atol)]
            if hit:
                ours += 1
                found_idx.update(hit)
            elif not (res.degenerate and _in_component_hull(res, x, y, atol)):
                missed.append((x, y))
        report[meth] = {
            "returned": len(out),
            "valid": valid,
            "extreme_matched": ours,
            "distinct_found": len(found_idx),
            "missed_by_us": len(missed),
            "missed_profiles": missed,
            "warnings": sorted({str(w.message)[:120] for w in caught}),
        }
        if meth == "support_enumeration":
            missed_se = tuple(k for k in range(len(res.equilibria)) if k not in found_idx)
    return CrossCheck(result=res, methods=report, missed_by_support_enumeration=missed_se)
