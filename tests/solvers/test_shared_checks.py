"""The small shared pieces issue 23 introduced where code was written twice: the validation
helpers, the symmetric-matrix coercion α-Rank now shares, and the result-summary head."""

import numpy as np
import pytest

from eqtools.errors import GameError, InvalidProbabilityError, ParameterError
from eqtools.validation import real_array, require_unique


def test_require_unique_names_the_duplicates():
    require_unique(["a", "b"], "names must be unique")
    with pytest.raises(GameError, match=r"labels must be unique; duplicated: \['x', 'y'\]"):
        require_unique(["y", "x", "y", "x", "z"], "labels must be unique", GameError)


@pytest.mark.parametrize("bad", ["1", b"1", True, None, [[1, 2], [3]]])
def test_real_array_refuses_non_numbers(bad):
    with pytest.raises(InvalidProbabilityError, match="q must be 5 probabilities"):
        real_array("q", bad, "5 probabilities", InvalidProbabilityError)
    assert real_array("x", [1, 2], "numbers").dtype == np.float64


def test_alpharank_reads_matrices_through_the_bimatrix_coercion():
    from solvers.bimatrix import alpharank

    with pytest.raises(GameError, match="meta-game matrix must be square and with at least 2 strategies"):
        alpharank([[1.0]], 1.0)
    with pytest.raises(GameError, match=r"meta-game matrix has a non-finite entry at \(0, 1\)"):
        alpharank([[1.0, np.nan], [0.0, 1.0]], 1.0)
    with pytest.raises(ParameterError, match="labels"):
        alpharank([[1.0, 0.0], [0.0, 1.0]], 1.0, labels=["a", "a"])


def test_result_summaries_share_one_head():
    from solvers.bimatrix import meta_game_equilibria, sample_equilibria

    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    head = ["game", "shape", "complete", "method", "reason", "n_equilibria"]
    for res in (sample_equilibria((A, A.T), seed=1), meta_game_equilibria(A)):
        d = res.to_dict()
        assert list(d)[:6] == head and d["n_equilibria"] == len(res) == len(res.equilibria)
