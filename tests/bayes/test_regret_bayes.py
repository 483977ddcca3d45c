"""The Bayesian row of the regret report: reciprocator group, excess regret, the study's smoke run."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.bayes import BetaPrior, extortion_prior, reciprocator_prior, tilted_prior
from learners.regret import (Panel, default_panel, evaluate_regret, excess_regret, markdown_excess,
                             reciprocator_draws)
from solvers.simulate import MemoryOnePolicy


def test_reciprocator_group():
    q = reciprocator_draws(500, seed=4)
    assert q.shape == (500, 5)
    for k in (0, 1, 3):
        assert 0.8 <= q[:, k].min() and q[:, k].max() <= 1.0
    for k in (2, 4):
        assert 0.0 <= q[:, k].min() and q[:, k].max() <= 0.2
    np.testing.assert_array_equal(q, reciprocator_draws(500, seed=4))
    assert not np.array_equal(q[:5], reciprocator_draws(5, seed=5))
    pan = default_panel(random=3, library_names=("TFT",), heldout=None)
    assert list(pan.groups) == ["random", "reciprocators", "library"] and len(pan.groups["reciprocators"][0]) == 30
    with pytest.raises(ParameterError, match="reciprocators"):
        default_panel(random=3, reciprocators=1)
    with pytest.raises(ParameterError, match="reciprocators"):
        reciprocator_draws(0)


def test_excess_regret_is_the_paired_reward_difference():
    """excess = V_ref - V_agent per co-player; regret(agent) = regret(ref) + excess exactly."""
    rng = np.random.default_rng(0)
    pan = Panel({"random": (("a", "b", "c"), rng.random((3, 5))), "library": (("TFT",), np.array([[1.0, 1, 0, 1, 0]]))})
    a = evaluate_regret(MemoryOnePolicy(np.zeros(5), "ALLD"), pan, n=20, matches=8, seed=1, chunk=4)
    b = evaluate_regret(MemoryOnePolicy(np.array([1.0, 1, 0, 1, 0]), "TFT"), pan, n=20, matches=8, seed=1, chunk=4)
    ex = excess_regret(a, b)
    np.testing.assert_allclose(a.regret, b.regret + ex["per_coplayer"], atol=1e-12)
    assert ex["groups"]["library"]["excess"] == pytest.approx(float(a.regret[-1] - b.regret[-1]), abs=1e-5)
    md = markdown_excess([a], b)
    assert "| random |" in md and "| library |" in md and "TFT regret" in md
    c = evaluate_regret(MemoryOnePolicy(np.zeros(5), "ALLD"), Panel({"random": pan.groups["random"]}), n=20, matches=8,
                        seed=1, chunk=4)
    with pytest.raises(ParameterError, match="same panel"):
        excess_regret(c, b)


def test_prior_families():
    assert tilted_prior(1.0) == BetaPrior.uniform()
    t = tilted_prior(4.0)
    np.testing.assert_allclose(t.mean, [0.5, 0.8, 0.5, 0.5, 0.2])
    p = reciprocator_prior(0.3, contexts=("pCC", "pDD"))
    np.testing.assert_allclose(p.components[1].mean, [0.5, 0.9, 0.5, 0.5, 0.1])
    e = extortion_prior(0.2, chis=(2.0, 3.0), phi_fractions=(0.5, 1.0))
    assert len(e.components) == 5 and e.weights[0] == pytest.approx(0.8)
    assert all(c.q[4] == 0.0 and c.tremble == 0.02 for c in e.components[1:])  # extortioners never open DD with C
    from solvers.zd import fit_zd

    for c in e.components[1:]:
        assert fit_zd(np.asarray(c.q), "paper").is_zd
    with pytest.raises(ParameterError, match="k"):
        tilted_prior(0.5)
    with pytest.raises(ParameterError, match="contexts"):
        reciprocator_prior(0.3, contexts=("pXX",))
    with pytest.raises(ParameterError, match="chi"):
        extortion_prior(0.2, chis=(0.5,))
    with pytest.raises(ParameterError, match="phi_fractions"):
        extortion_prior(0.2, phi_fractions=(0.0,))


def test_study_smoke_part_a(tmp_path):
    """The study's smoke preset, part A: exact rows are consistent (CE and lookahead never beat the DP)."""
    from studies.bayes import run_study

    res = run_study("smoke", out=tmp_path, parts="A", progress=False)
    assert (tmp_path / "bayes.md").exists() and (tmp_path / "short_horizons.png").exists()
    for r in res["short"]:
        if r["exact"]:
            assert r["gap"] >= -1e-12
    with pytest.raises(ParameterError, match="parts"):
        run_study("smoke", out=tmp_path, parts="Z")
    with pytest.raises(ParameterError, match="preset"):
        run_study("huge", out=tmp_path)
