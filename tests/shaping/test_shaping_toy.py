"""The toy numbers of the opponent-shaping literature, through the real code paths.

Stage game (R, S, T, P) = (3, 0, 5, 1), one logit per player, both at p = 0.5 (logit 0).

* naive gradient dV1/dtheta1 = -0.375;
* the "cross term" 0.0234375 * beta of ``shared/paper-notes.md`` section 2 (sign flip at
  beta = 16) is the *look-ahead* term (d^2 V1/dtheta1 dtheta2) * dV2/dtheta2.  LOLA's own
  shaping term (Foerster et al. 2018, eq. 4.2) is -0.0546875 * eta here, and the full product
  derivative d/dtheta1 (dV1/dtheta2 . dV2/dtheta2) written in the notes is their sum,
  -0.03125 * eta.  These tests pin all three so the labelling can't drift silently.
* AA effective advantage after mutual cooperation: 0.75 + 0.96 * 0.75 * 0.75 = 1.29.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqtools.games import Game
from learners.shaping.exact import gradient_terms, memory_one_values, stage_values, update_direction
from learners.shaping.sample import effective_advantage

TOY = Game(3.0, 0.0, 5.0, 1.0, name="toy")


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _terms(player: int = 1):
    vf = stage_values(TOY)
    t = jnp.zeros(1, dtype=jnp.float64)
    return {k: float(v[0]) for k, v in gradient_terms(vf, t, t, player).items()}


def test_naive_gradient_is_minus_0375_for_both_players():
    for player in (1, 2):
        assert _terms(player)["naive"] == pytest.approx(-0.375, abs=1e-15)


def test_lookahead_cross_term_is_0_0234375_beta_and_flips_sign_at_16():
    terms = _terms()
    assert terms["lookahead"] == pytest.approx(0.0234375, abs=1e-15)
    tj = {k: jnp.asarray([v]) for k, v in terms.items()}
    assert float(update_direction("la", tj, 16.0)[0]) == pytest.approx(0.0, abs=1e-15)
    assert float(update_direction("la", tj, 15.0)[0]) < 0 < float(update_direction("la", tj, 17.0)[0])


def test_lola_shaping_term_and_full_product_derivative():
    terms = _terms()
    assert terms["shaping"] == pytest.approx(-0.0546875, abs=1e-15)
    # Independent autodiff path: the notes' product formula d/dtheta1 (dV1/dtheta2 . dV2/dtheta2).
    vf = stage_values(TOY)
    t2 = jnp.zeros(1)

    def product(t1):
        g1 = jax.grad(lambda b: vf(t1, b)[0])(t2)
        g2 = jax.grad(lambda b: vf(t1, b)[1])(t2)
        return jnp.vdot(g1, g2)

    full = float(jax.grad(product)(jnp.zeros(1))[0])
    assert full == pytest.approx(-0.03125, abs=1e-15)
    tj = {k: jnp.asarray([v]) for k, v in terms.items()}
    eta = 2.5
    assert float(update_direction("lola_full", tj, eta)[0]) == pytest.approx(-0.375 + eta * full, abs=1e-14)
    assert float(update_direction("lola", tj, eta)[0]) == pytest.approx(-0.375 - eta * 0.0546875, abs=1e-14)


@pytest.mark.parametrize("gamma", [0.5, 0.96])
def test_memory_one_path_with_tied_logits_reproduces_the_stage_numbers(gamma):
    # A memory-one policy whose five logits are tied plays the stage game every round, so the
    # discounted memory-one value (solvers.payoffs.jnp_visits_discounted) gives the same numbers.
    mo = memory_one_values(TOY, gamma)
    tied = lambda a, b: mo(jnp.repeat(a, 5, axis=-1), jnp.repeat(b, 5, axis=-1))
    t = jnp.zeros(1)
    terms = {k: float(v[0]) for k, v in gradient_terms(tied, t, t).items()}
    assert terms["naive"] == pytest.approx(-0.375, abs=1e-12)
    assert terms["lookahead"] == pytest.approx(0.0234375, abs=1e-12)
    assert terms["shaping"] == pytest.approx(-0.0546875, abs=1e-12)


def test_aa_effective_advantage_worked_example_is_1_29():
    # V = 2.25 is the stage value at p = 0.5 (from the value function), the reward after
    # mutual cooperation is R; both players' advantages are R - V = 0.75 in two rounds of CC.
    vf = stage_values(TOY)
    v1, v2 = vf(jnp.zeros(1), jnp.zeros(1))
    assert float(v1) == pytest.approx(2.25) and float(v2) == pytest.approx(2.25)
    r_cc = TOY.payoffs[0]
    a1 = jnp.asarray([r_cc - float(v1), r_cc - float(v1)])
    a2 = jnp.asarray([r_cc - float(v2), r_cc - float(v2)])
    astar = np.asarray(effective_advantage(a1, a2, gamma=0.96, beta=1.0))
    assert astar[0] == pytest.approx(0.75, abs=1e-15)  # no past yet
    assert astar[1] == pytest.approx(1.29, abs=1e-12)
    # beta = 0 switches the alignment off.
    np.testing.assert_allclose(np.asarray(effective_advantage(a1, a2, 0.96, 0.0)), np.asarray(a1))
