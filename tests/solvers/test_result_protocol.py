"""Nash results are iterable (over their equilibria) and print as one short line."""

import numpy as np

from eqtools import BimatrixGame
from solvers.bimatrix import extreme_equilibria, meta_game_equilibria, sample_equilibria


def _game():
    rng = np.random.default_rng(1)
    return BimatrixGame.symmetric(rng.normal(size=(5, 5)), name="random5")


def test_results_iterate_and_have_a_short_repr():
    g = _game()
    for res in (extreme_equilibria(g), sample_equilibria(g, seed=0), meta_game_equilibria(g, seed=0)):
        eqs = list(res)
        assert eqs == list(res.equilibria) and len(eqs) == len(res) and len(eqs) >= 1
        assert res[0] is res.equilibria[0]
        x, y = eqs[0].x, eqs[0].y  # unpacking the profile of one equilibrium
        assert x.shape == (5,) and y.shape == (5,)
        text = repr(res)
        assert "\n" not in text and len(text) < 120 and "array(" not in text, text
        assert f"{len(eqs)} equilibria" in text and "random5" in text and "5x5" in text
    assert "complete" in repr(extreme_equilibria(g))
    assert "not known to be complete" in repr(sample_equilibria(g, seed=0))
