"""Q_hat from rollouts vs the exact memory-one values (the model replaced by the true dynamics)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import SWAP
from learners.env import payoff_table
from learners.ppi.improve import TrueDynamics, improved_logits, rollout_q
from solvers.payoffs import finite_horizon

GAME = "paper"


def _exact_q(p: np.ndarray, q: np.ndarray, state: int | None, n: int) -> np.ndarray:
    """Exact Q(x, a) = expected sum of payoffs over the next n rounds when round 1 plays a
    and both then follow their memory-one rules; via solvers.payoffs.finite_horizon."""
    qq = q.copy()
    if state is not None:  # the co-player's next move reacts to `state` (seen from its side)
        qq[0] = q[1 + SWAP[state]]
    out = []
    for a in (0, 1):
        pa = p.copy()
        pa[0] = 1.0 - a  # force the first action
        out.append(n * finite_horizon(pa, qq, GAME, n).payoff_x)
    return np.asarray(out)


PAIRS = [
    (np.array([0.5, 0.9, 0.2, 0.7, 0.1]), np.array([1.0, 1.0, 0.0, 1.0, 0.0])),  # vs TFT
    (np.array([0.3, 0.6, 0.4, 0.5, 0.5]), np.array([1.0, 1.0, 1.0, 1.0, 1.0])),  # vs ALLC
    (np.array([0.8, 0.2, 0.9, 0.3, 0.6]), np.array([0.4, 0.7, 0.2, 0.9, 0.3])),  # random-ish
]


def test_q_hat_with_true_dynamics_equals_exact_memory_one_value():
    """All pairs x (start and the four states) in one batched rollout call."""
    table = payoff_table(GAME)
    dyn = TrueDynamics(table)
    states = [None, 0, 1, 2, 3]
    p = jnp.asarray(np.stack([a for a, _ in PAIRS for _ in states]))
    q = jnp.asarray(np.stack([b for _, b in PAIRS for _ in states]))
    tok = jnp.asarray([0 if s is None else 1 + s for _ in PAIRS for s in states], jnp.int32)
    carry = (tok, p, q)
    n, K = 12, 20000
    qhat = np.asarray(rollout_q(dyn.step, carry, dyn.heads(carry), 0, jax.random.PRNGKey(3),
                                horizon=n, n_rollouts=K, episode_len=100))
    exact = np.stack([_exact_q(a, b, s, n) for a, b in PAIRS for s in states])
    # the MC standard error of a 12-round sum is below ~0.05 with 20000 rollouts
    np.testing.assert_allclose(qhat, exact, atol=0.2)
    big = np.abs(exact[:, 1] - exact[:, 0]) > 0.3
    assert np.all(np.sign(qhat[big, 1] - qhat[big, 0]) == np.sign(exact[big, 1] - exact[big, 0]))


def test_q_hat_truncates_at_episode_end():
    table = payoff_table(GAME)
    dyn = TrueDynamics(table)
    p, q = PAIRS[0]
    carry = dyn.init(jnp.asarray(p[None]), jnp.asarray(q[None]))
    # 15 rounds ahead, but only 4 rounds are left in a 10-round episode at t = 6
    qhat = np.asarray(rollout_q(dyn.step, carry, dyn.heads(carry), 6, jax.random.PRNGKey(0),
                                horizon=15, n_rollouts=20000, episode_len=10))[0]
    np.testing.assert_allclose(qhat, _exact_q(p, q, None, 4), atol=0.15)


def test_q_hat_against_allc_prefers_defection_and_improvement_formula():
    table = payoff_table(GAME)
    dyn = TrueDynamics(table)
    p = jnp.asarray([[0.5] * 5])
    q = jnp.asarray([[1.0] * 5])
    carry = dyn.init(p, q)
    qhat = rollout_q(dyn.step, carry, dyn.heads(carry), 0, jax.random.PRNGKey(1), horizon=15, n_rollouts=64,
                     episode_len=100)
    # against ALLC, defecting now gains exactly T - R = 1 whatever follows (common random numbers)
    np.testing.assert_allclose(np.asarray(qhat[0, 1] - qhat[0, 0]), 1.0, atol=1e-5)
    prior = jnp.log(jnp.asarray([[0.5, 0.5]]))
    logits = improved_logits(prior, qhat, 2.0)
    pi = np.asarray(jax.nn.softmax(logits))[0]
    np.testing.assert_allclose(pi[1] / pi[0], np.exp(2.0), rtol=1e-4)
