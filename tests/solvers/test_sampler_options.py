"""The equilibrium sampler's options are held to the error policy (issue 22).

Each case used to return silently (0 equilibria "not complete", an ignored option) or raise a raw
``TypeError`` / ``ValueError`` (``math domain error``); each must now raise a named
:class:`ParameterError` (or ``SizeLimitError``) naming the option, before any work."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import ParameterError, SizeLimitError
from solvers.bimatrix.meta_game import meta_game_equilibria
from solvers.bimatrix.sampler import sample_equilibria

RPS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])

SAMPLER_CASES = [
    ({"time_limit": -1.0}, "time_limit"),
    ({"time_limit": float("nan")}, "time_limit"),
    ({"time_limit": "5"}, "time_limit"),
    ({"max_labels": -3}, "max_labels"),
    ({"tol": "1e-9"}, "tol"),
    ({"seed": -1}, "seed"),
    ({"replicator_starts": -5}, "replicator_starts"),
    ({"bogus_option": 1}, "bogus_option"),
]


@pytest.mark.parametrize("kwargs,field", SAMPLER_CASES)
def test_sample_equilibria_refuses(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        sample_equilibria(RPS, **kwargs)


@pytest.mark.parametrize("kwargs,field", SAMPLER_CASES + [
    ({"max_vertices": 0}, "max_vertices"),
    ({"enumeration_time_limit": float("nan")}, "enumeration_time_limit"),
])
def test_meta_game_equilibria_refuses(kwargs, field):
    # enumeration of RPS succeeds, so before the fix sampler options were never looked at
    with pytest.raises(ParameterError, match=field):
        meta_game_equilibria(RPS, **kwargs)


def test_huge_replicator_starts_refused_up_front():
    with pytest.raises(SizeLimitError, match="replicator_starts"):
        sample_equilibria(RPS, replicator_starts=10**12)


def test_valid_options_still_work():
    res = meta_game_equilibria(RPS, enumerate=False, seed=3, max_labels=2, replicator_starts=4, time_limit=30.0)
    assert any(np.allclose(e.x, [1 / 3] * 3, atol=1e-9) for e in res.equilibria)
    assert meta_game_equilibria(RPS).complete
