"""Adaptive dynamics: the autodiff selection gradient against an independent closed form."""

import numpy as np
import pytest

from eqtools.errors import ParameterError
from solvers.evolution import adaptive_dynamics, selection_gradient

B, C = 2.0, 1.0  # the 'paper' game is the donation game R,S,T,P = b-c, -c, b, 0 with b=2, c=1


def _reactive_payoff(p1, q1, p2, q2):
    """Limit-of-means payoff of reactive (p1, q1) against (p2, q2) in the donation game, closed form:
    cooperation rates solve c1 = q1 + (p1 - q1) c2, c2 = q2 + (p2 - q2) c1."""
    r1, r2 = p1 - q1, p2 - q2
    c1 = (q1 + r1 * q2) / (1 - r1 * r2)
    c2 = (q2 + r2 * q1) / (1 - r1 * r2)
    return B * c2 - C * c1


@pytest.mark.parametrize("p,q", [(0.9, 0.3), (0.5, 0.5), (0.2, 0.7), (0.99, 0.01)])
def test_gradient_along_reactive_directions_matches_closed_form(p, q):
    g = selection_gradient([0.5, p, q, p, q], "paper", limit=True)
    h = 1e-6
    dp = (_reactive_payoff(p + h, q, p, q) - _reactive_payoff(p - h, q, p, q)) / (2 * h)
    dq = (_reactive_payoff(p, q + h, p, q) - _reactive_payoff(p, q - h, p, q)) / (2 * h)
    assert g[1] + g[3] == pytest.approx(dp, rel=1e-6, abs=1e-8)  # reacting to the co-player's C
    assert g[2] + g[4] == pytest.approx(dq, rel=1e-6, abs=1e-8)  # reacting to the co-player's D
    assert g[0] == 0.0  # the opening move does not matter in the limit of means


def test_gradient_matches_finite_differences_of_numpy_payoffs_with_noise():
    from eqtools.strategies import apply_noise
    from solvers.payoffs import discounted

    p = np.array([0.7, 0.8, 0.3, 0.6, 0.2])
    g = selection_gradient(p, "axelrod", gamma=0.9, noise=0.05)
    h = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        up = discounted(apply_noise(p + e, 0.05), apply_noise(p, 0.05), "axelrod", 0.9).payoff_x
        dn = discounted(apply_noise(p - e, 0.05), apply_noise(p, 0.05), "axelrod", 0.9).payoff_x
        assert g[i] == pytest.approx((up - dn) / (2 * h), rel=1e-5, abs=1e-8)


def test_flow_in_the_donation_game():
    # Two reactive residents in the donation game: the integrated flow must move q (generosity)
    # in the direction of the closed-form derivative of the invader's payoff.
    ds = adaptive_dynamics([[0.5, 0.95, 0.2, 0.95, 0.2], [0.5, 0.3, 0.2, 0.3, 0.2]], "paper", limit=True,
                           t_max=0.5, dt=0.05, record_every=5, method="euler")
    q_start, q_end = ds.resident.values[:, 0, 2], ds.resident.values[:, -1, 2]
    h = 1e-6
    for i, (p, q) in enumerate([(0.95, 0.2), (0.3, 0.2)]):
        dq = (_reactive_payoff(p, q + h, p, q) - _reactive_payoff(p, q - h, p, q)) / (2 * h)
        assert np.sign(q_end[i] - q_start[i]) == np.sign(dq)
    assert np.all((ds.resident.values >= 0) & (ds.resident.values <= 1))


def test_bad_input():
    with pytest.raises(ParameterError, match="criterion"):
        selection_gradient([0.5] * 5, "paper")
    with pytest.raises(ParameterError, match="dt"):
        adaptive_dynamics([0.5] * 5, "paper", limit=True, dt=0.0)
