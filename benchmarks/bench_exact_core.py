"""Benchmark and accuracy record for the exact core under stress (issue 12).

    python benchmarks/bench_exact_core.py

Times (median of 3 after a warm-up call, so compile time is reported separately):
one pair and a 1000 x 1000 pool at n = 10^9; the same pool at n = 100.  Accuracy: the issue's
near-absorbing example (limit of means) and discounted values at gamma = 1 - 1e-12 against
mpmath at 60 digits, for the current routes and for the textbook formulas they replaced
(``np.linalg.solve`` on ``I - Q`` / ``I - gamma M``).  Writes
``benchmarks/results/exact_core.json``.  Run on demand; never part of the tests.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "exact"))

import eqtools as eq  # noqa: E402
from solvers import payoffs as P  # noqa: E402

from _machine import machine, timed  # noqa: E402
from _refs import frac_limit, mp_discounted  # noqa: E402


def old_limit_weights(x, y):
    """The replaced route: absorption by np.linalg.solve(I - Q, R) (kept here for the record)."""
    M = P.transition_matrix(x, y)
    v0 = np.array([x[0] * y[0], x[0] * (1 - y[0]), (1 - x[0]) * y[0], (1 - x[0]) * (1 - y[0])])
    T, c = [0, 2, 3], [1]
    B = np.linalg.solve(np.eye(3) - M[np.ix_(T, T)], M[np.ix_(T, c)].sum(axis=1))
    w = v0[c].sum() + v0[T] @ B
    return float(w)


def main() -> None:
    g = eq.preset("paper")
    out: dict = {"benchmark": "exact core under stress", "command": "python benchmarks/bench_exact_core.py"}
    wsls = eq.named("WSLS")
    x = np.array([0.3, 0.9, 0.2, 0.6, 0.1])
    _, first, t = timed(lambda: P.finite_horizon(x, wsls, g, 10**9))
    out["one pair, n=1e9"] = {"first_call_s": first, "steady_s": t}
    pool = eq.StrategyPool.uniform(1000, seed=0)
    _, first, t = timed(lambda: P.payoff_matrix(pool, pool, g, n=10**9), repeats=1)
    out["1000x1000, n=1e9"] = {"first_call_s": first, "steady_s": t}
    _, first, t = timed(lambda: P.payoff_matrix(pool, pool, g, n=100), repeats=1)
    out["1000x1000, n=100"] = {"first_call_s": first, "steady_s": t}
    _, first, t = timed(lambda: P.payoff_matrix(pool, pool, g, gamma=0.99), repeats=1)
    out["1000x1000, gamma=0.99"] = {"first_call_s": first, "steady_s": t}
    _, first, t = timed(lambda: P.payoff_matrix(pool, pool, g, limit=True), repeats=1)
    out["1000x1000, limit"] = {"first_call_s": first, "steady_s": t}

    acc = {}
    for e in (1e-15, 1e-12):
        xe, ye = np.array([0.5, 0, 1, 0, e]), np.array([0.5, 1 - e, 0.5, 0, 0.5])
        res = P.limit_of_means(xe, ye, g)
        exact = float(sum(v * Fraction(float(r)) for v, r in zip(frac_limit(xe, ye)[0], g.payoffs)))
        acc[f"issue example eps={e:g}"] = {
            "payoff_x": float(res.payoff_x), "exact": exact, "visits_sum": float(res.visits.sum()),
            "old_class_weight": old_limit_weights(xe, ye),
        }
    gamma = 1 - 1e-12
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(size=(20, 5)), rng.uniform(size=(20, 5))
    X[:10, 1:] = np.where(X[:10, 1:] > 0.5, 1 - 1e-9, 1e-9)  # near-deterministic: slow mixing
    new = P.discounted(X, Y, g, gamma).payoff_x
    errs_new, errs_old = [], []
    for i in range(len(X)):
        ref = mp_discounted(X[i], Y[i], gamma) @ g.payoffs
        M = P.transition_matrix(X[i], Y[i])
        v0 = np.array([X[i, 0] * Y[i, 0], X[i, 0] * (1 - Y[i, 0]), (1 - X[i, 0]) * Y[i, 0], (1 - X[i, 0]) * (1 - Y[i, 0])])
        old = (1 - gamma) * np.linalg.solve((np.eye(4) - gamma * M).T, v0) @ g.payoffs
        errs_new.append(abs(new[i] - ref))
        errs_old.append(abs(old - ref))
    acc["discounted gamma=1-1e-12, 20 pairs, max |error| vs mpmath"] = {"new": max(errs_new), "old_solve": max(errs_old)}
    out["accuracy"] = acc
    out["machine"] = machine()
    path = Path(__file__).parent / "results" / "exact_core.json"
    path.write_text(json.dumps(out, indent=2, default=float) + "\n")
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
