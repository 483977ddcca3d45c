"""Game families for the Nash-enumeration tests and benchmark (tests/solvers, benchmarks/bench_nash.py).

* ``generic_game(n, seed)``: i.i.d. standard normal payoffs (nondegenerate with probability 1).
* ``tournament_game(n, seed)``: the symmetric meta-game of an exact tournament (paper IPD,
  horizon n = 100, eqtools' own :func:`solvers.tournament.tournament`) between the named
  library (first ``min(11, n - 1)`` of ALLC, ALLD, TFT, STFT, WSLS, GRIM, Random, Alternator,
  GTFT, Extort-2, Generous-2) and ``n - k`` random U(0, 1)^5 memory-one strategies (seeded);
  degenerate as a rule (deterministic strategies tie).
* ``coordination_game(n)``: ``A = B = I_n`` (``2^n - 1`` equilibria: uniform on every non-empty
  common support).
"""

from __future__ import annotations

import numpy as np

from eqtools.games import BimatrixGame


def generic_game(n: int, seed: int = 0) -> BimatrixGame:
    rng = np.random.default_rng([seed, n])
    return BimatrixGame(rng.standard_normal((n, n)), rng.standard_normal((n, n)), name=f"generic{n}-{seed}")


def tournament_game(n: int, seed: int = 0) -> BimatrixGame:
    from eqtools.strategies import StrategyPool, library
    from solvers.tournament import tournament

    lib = list(library("paper").values())
    k = min(len(lib), n - 1)
    players = lib[:k] + list(StrategyPool.uniform(n - k, seed=seed))
    ds = tournament(players, game="paper", n=100)
    labels = [str(v) for v in ds["row"].values]
    return BimatrixGame.symmetric(np.asarray(ds["payoff_row"].values), labels, name=f"tournament{n}-{seed}")


def coordination_game(n: int) -> BimatrixGame:
    eye = np.eye(n)
    return BimatrixGame(eye, eye, name=f"coordination{n}")


def gambit_equilibria(A, B, rational: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Extreme equilibria from pygambit's ``enummixed_solve`` (pygambit 16 and 17 APIs)."""
    import pygambit as gbt

    maker = getattr(gbt, "StrategicGame", gbt.Game)  # 17 moved table games to StrategicGame
    if rational:
        from fractions import Fraction

        A = [[Fraction(float(v)) for v in r] for r in np.asarray(A)]
        B = [[Fraction(float(v)) for v in r] for r in np.asarray(B)]
        g = maker.from_arrays(A, B)
    else:
        g = maker.from_arrays(np.asarray(A, float), np.asarray(B, float))
    players = list(g.players)
    res = gbt.nash.enummixed_solve(g, rational=rational)
    out = []
    for eq in res.equilibria:
        if players and isinstance(players[0], str):  # pygambit >= 17: labels
            probs = [[float(eq[p][s]) for s in g.get_strategies(p)] for p in players]
        else:
            probs = [[float(eq[s]) for s in p.strategies] for p in players]
        out.append((np.array(probs[0]), np.array(probs[1])))
    return out


def gambit_cliques(A, B, rational: bool = True) -> tuple[set, list[frozenset]]:
    """pygambit's ``enummixed_solve(cliques=True)``: (set of extreme equilibria, maximal Nash
    subsets), each subset a frozenset of rounded ``(x, y)`` keys (see :func:`as_set`)."""
    import pygambit as gbt

    maker = getattr(gbt, "StrategicGame", gbt.Game)
    if rational:
        from fractions import Fraction

        A = [[Fraction(float(v)) for v in r] for r in np.asarray(A)]
        B = [[Fraction(float(v)) for v in r] for r in np.asarray(B)]
    else:
        A, B = np.asarray(A, float), np.asarray(B, float)
    g = maker.from_arrays(A, B)
    players = list(g.players)
    res = gbt.nash.enummixed_solve(g, rational=rational, cliques=True)

    def probs(prof):
        if hasattr(prof, "keys"):  # rational cliques: dict player label -> {strategy label -> prob}
            return tuple(np.array([float(v) for v in prof[p].values()]) for p in prof.keys())
        if players and isinstance(players[0], str):
            return tuple(np.array([float(prof[p][s]) for s in g.get_strategies(p)]) for p in players)
        return tuple(np.array([float(prof[s]) for s in p.strategies]) for p in players)

    eqs = as_set(probs(e) for e in res.equilibria)
    return eqs, [frozenset(as_set(probs(prof) for prof in clique)) for clique in res.cliques]


def as_set(pairs, nd: int = 6) -> set:
    """Equilibria as a set of rounded (x, y) tuples (``+ 0.0`` folds -0.0 into 0.0)."""
    return {(tuple(np.round(np.asarray(x, float), nd) + 0.0), tuple(np.round(np.asarray(y, float), nd) + 0.0)) for x, y in pairs}
