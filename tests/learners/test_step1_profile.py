"""studies.step1_profile: the panel, the target check, input errors (the evaluation itself is
learners.regret.evaluate_regret, tested in test_regret.py)."""

import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import named
from studies.step1_profile import NAMED, markdown, profile_panel, run_profile


def test_panel_groups():
    p = profile_panel(random=20, reciprocators=10)
    assert list(p.groups) == ["random", "reciprocators", *NAMED]
    rnd = p.groups["random"][1]
    np.testing.assert_array_equal(rnd, np.random.default_rng(2026).random((20, 5)))  # the default regret panel's draws
    rec = p.groups["reciprocators"][1]
    assert rec.shape == (10, 5)
    assert np.all(rec[:, [0, 1, 3]] >= 0.8) and np.all(rec[:, [2, 4]] <= 0.2)
    np.testing.assert_allclose(p.groups["Extort-3"][1][0], named("Extort-3", "paper").vector)


def test_markdown_marks_targets():
    res = {"panel": {"random": 2, "TFT": 1}, "reference": "bayes:ce", "rows": [
        {"agent": "bayes:ce", "kind": "bayes", "matches": 4, "groups": {"random": {"regret": 0.02, "regret_se": 0.01},
                                                                      "TFT": {"regret": 0.5, "regret_se": 0.0}}},
        {"agent": "a2c", "kind": "a2c", "matches": 4, "groups": {"random": {"regret": 0.04, "regret_se": 0.01},
                                                               "TFT": {"regret": 0.52, "regret_se": 0.0}},
         "excess": {"random": 0.02, "TFT": 0.02},
         "targets": {"random_excess": {"value": 0.02, "met": False}, "group_gaps": {"max_abs": 0.02, "met": True}}}]}
    md = markdown(res)
    assert "excess +0.020 (missed)" in md and "max gap 0.020 (met)" in md and "[+0.020]" in md


def test_inputs_are_checked(tmp_path):
    with pytest.raises(ParameterError, match="Bayesian rule"):
        run_profile(bayes=(), out=tmp_path)
    with pytest.raises(ParameterError, match="fixed_icl"):
        run_profile(bayes=("nonsense",), out=tmp_path)
