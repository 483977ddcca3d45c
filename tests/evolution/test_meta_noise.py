"""Meta-game noise is applied inside the chain, exactly (issue 22).

Applying noise to the strategy vectors first rounds small noise away (``1 - 1e-300 == 1.0``):
mutual TFT at noise 1e-300 under the limit of means scored R = 3 instead of the noisy limit.
The reference is the exact rational Cesàro limit of ``tests/exact/_refs.frac_limit``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from eqtools import named, preset
from solvers.evolution.finite import meta_game

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exact"))
from _refs import frac_limit  # noqa: E402


@pytest.mark.parametrize("eps", [1e-300, 1e-200, 1e-12, 1e-3])
def test_meta_game_noise_matches_exact_limit(eps):
    g = preset("axelrod")
    strats = [named(s) for s in ("TFT", "ALLD", "WSLS", "GRIM")]
    mg = meta_game(strats, g, limit=True, noise=eps)
    for i, a in enumerate(strats):
        for j, b in enumerate(strats):
            visits, _ = frac_limit(a.vector, b.vector, eps)
            ref = sum(float(v) * r for v, r in zip(visits, g.payoffs))
            assert mg.payoff[i, j] == pytest.approx(ref, rel=1e-12, abs=1e-12), (a.name, b.name)


def test_issue_example_tft_at_tiny_noise():
    g = preset("axelrod")
    mg = meta_game([named("TFT")], g, limit=True, noise=1e-300)
    # any positive noise makes mutual TFT visit CC, CD, DC, DD equally often
    assert mg.payoff[0, 0] == pytest.approx(float(np.mean(g.payoffs)), rel=1e-14)
