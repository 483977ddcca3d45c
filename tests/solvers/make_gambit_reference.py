"""Write tests/solvers/data/gambit_reference.npz: pygambit's extreme equilibria (and, for the
tournaments, its maximal Nash subsets) of the games too slow for pygambit inside the test run.

pygambit ``enummixed_solve`` takes seconds to minutes on these games (generic 12-14, tournament
meta-games 14 and 16), so its answers are computed once by this script and stored with the
payoff matrices they belong to; ``test_enumeration.py::test_stored_pygambit_reference_sets``
re-solves the stored matrices with eqtools and compares the sets.  Regenerate with

    python tests/solvers/make_gambit_reference.py   # generic 14 alone takes pygambit > 15 minutes

The stored file records the pygambit version and the seconds each game took.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(os.path.dirname(HERE))]

from nash_games import gambit_cliques, gambit_equilibria, generic_game, tournament_game  # noqa: E402

GAMES = [("generic", 12, 1), ("generic", 13, 0), ("tournament", 14, 0), ("tournament", 16, 0), ("generic", 14, 0)]


def main() -> None:
    import pygambit

    out: dict[str, np.ndarray] = {"pygambit_version": np.array(pygambit.__version__)}
    for fam, n, seed in GAMES:
        g = generic_game(n, seed) if fam == "generic" else tournament_game(n, seed)
        A, B = np.asarray(g.A, float), np.asarray(g.B, float)
        t0 = time.perf_counter()
        key = f"{fam}{n}_{seed}"
        if fam == "generic":
            eqs = gambit_equilibria(A, B)
            X = np.array([x for x, _ in eqs])
            Y = np.array([y for _, y in eqs])
            cliques: list = []
        else:
            eqset, cl = gambit_cliques(A, B, rational=False)
            eqs = sorted(eqset)
            X = np.array([x for x, _ in eqs])
            Y = np.array([y for _, y in eqs])
            index = {e: i for i, e in enumerate(eqs)}
            cliques = [sorted(index[e] for e in c) for c in cl]
        dt = time.perf_counter() - t0
        out[f"{key}_A"], out[f"{key}_B"], out[f"{key}_x"], out[f"{key}_y"] = A, B, X, Y
        out[f"{key}_seconds"] = np.array(dt)
        if cliques:
            L = max(len(c) for c in cliques)
            out[f"{key}_cliques"] = np.array([c + [-1] * (L - len(c)) for c in cliques], dtype=np.int64)
        print(f"{key}: {len(X)} equilibria, {len(cliques)} cliques, {dt:.1f} s", flush=True)
        path = os.path.join(HERE, "data", "gambit_reference.npz")
        np.savez_compressed(path, **out)  # after every game: the slowest (generic 14) comes last
        print(path, os.path.getsize(path), "bytes", flush=True)


if __name__ == "__main__":
    main()
