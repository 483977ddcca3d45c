"""GRU actor-critic / Advantage Alignment: determinism, shapes, errors.

(One compiled configuration only: compiling the GRU training loop dominates the cost.  The
effective-advantage algebra it shares with the memory-one learners is tested there.)"""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.shaping.gru import GRUShapingConfig, train_gru

TINY = dict(hidden=8, embed=8, horizon=10, batch=8, iterations=3, seeds=2)


def test_gru_training_is_deterministic_and_projects_to_memory_one():
    cfg = GRUShapingConfig(learners=("aa", "ac"), seed=1, **TINY)
    a, b = train_gru(cfg), train_gru(cfg)
    np.testing.assert_array_equal(a.coop, b.coop)
    np.testing.assert_array_equal(np.nan_to_num(a.policies, nan=-1), np.nan_to_num(b.policies, nan=-1))
    assert a.coop.shape == (3, 2, 2) and a.reward.shape == (3, 2, 2) and a.policies.shape == (2, 2, 5)
    fin = a.policies[np.isfinite(a.policies)]
    assert np.all((fin >= 0) & (fin <= 1))
    assert np.all(np.isfinite(a.policies[..., 0]))  # the start token is always seen
    c = train_gru(GRUShapingConfig(learners=("aa", "ac"), seed=2, **TINY))
    assert not np.array_equal(a.coop, c.coop)


@pytest.mark.parametrize(
    "kwargs,field",
    [({"learners": ("aa", "pg")}, "learners\\[1\\]"), ({"hidden": 0}, "hidden"), ({"gae_lambda": -0.1}, "gae_lambda")],
)
def test_bad_gru_config_names_the_field(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        train_gru(GRUShapingConfig(**kwargs))
