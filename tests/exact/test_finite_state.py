"""Exact payoffs of finite-state machines (product chains), checked against independent references:

* the memory-one core (solvers.payoffs, 4-state structure-of-arrays code) for memory-one machines;
* hand-computed closed forms (exact fractions) for Tit-for-Two-Tats, Grudger, cycles and a
  stochastic-transition machine;
* seeded Monte Carlo play of the machines (simulate_machines), tolerance 4.5 standard errors.
"""

from fractions import Fraction

import numpy as np
import pytest

from eqtools import MemoryOne, named, preset
from eqtools.errors import EqtoolsError, InvalidProbabilityError, ParameterError, SizeLimitError
from eqtools.machines import FiniteStateStrategy as F
from solvers import finite_state as fs
from solvers import payoffs as P

AX = preset("axelrod")
R, S, T, Pp = AX.R, AX.S, AX.T, AX.P


def tf2t():
    """Tit-for-Two-Tats: defect only after two defections of the co-player in a row."""
    return F.memory_n(2, lambda own, oth: 0.0 if oth[-2:] == (1, 1) else 1.0, name="TF2T")


def grudger():
    """Cooperate until the co-player defects, then defect forever."""
    return F(coop=[1.0, 0.0], next_state=[[[0, 1], [0, 1]], [[1, 1], [1, 1]]], initial=0, name="Grudger")


def cycle(pattern: str, name: str | None = None):
    """Play a fixed cycle of actions regardless of the co-player."""
    k = len(pattern)
    nxt = np.array([[[(s + 1) % k] * 2] * 2 for s in range(k)])
    return F([1.0 if c == "C" else 0.0 for c in pattern], nxt, 0, name=name or pattern)


@pytest.mark.parametrize("seed", range(6))
def test_memory_one_machines_match_the_memory_one_core(seed):
    rng = np.random.default_rng(seed)
    for k in range(5):
        p, q = rng.uniform(size=5), rng.uniform(size=5)
        if k % 2 == 0:
            p = np.round(p)  # deterministic strategies: reducible / periodic chains
        if k % 3 == 0:
            q = np.round(q)
        x, y = MemoryOne.from_vector(p, "x"), MemoryOne.from_vector(q, "y")
        eps = (0.0, 1e-3, 0.1)[k % 3]
        pairs = [
            (fs.finite_horizon(x, y, AX, 9, noise=eps), P.finite_horizon(x, y, AX, 9, noise=eps)),
            (fs.finite_horizon(x, y, AX, 10_000, noise=eps), P.finite_horizon(x, y, AX, 10_000, noise=eps)),
            (fs.discounted(x, y, AX, 0.97, noise=eps), P.discounted(x, y, AX, 0.97, noise=eps)),
            (fs.limit_of_means(x, y, AX, noise=eps), P.limit_of_means(x, y, AX, noise=eps)),
        ]
        for a, b in pairs:
            np.testing.assert_allclose(a.visits, b.visits, rtol=0, atol=1e-12)


def test_tf2t_against_alld_exact_fractions():
    """TF2T vs ALLD: C, C, then D forever -> X scores S, S, P, P, ... (hand computed)."""
    x, y = tf2t(), named("ALLD")
    for n in (1, 2, 3, 10, 1000):
        want = Fraction(int(S) * min(n, 2) + int(Pp) * max(0, n - 2), n)
        res = fs.finite_horizon(x, y, AX, n)
        assert float(res.payoff_x) == pytest.approx(float(want), abs=1e-14)
        want_y = Fraction(int(T) * min(n, 2) + int(Pp) * max(0, n - 2), n)
        assert float(res.payoff_y) == pytest.approx(float(want_y), abs=1e-14)
    g = 0.9  # discounted: (1 - g)(S + g S) + g^2 P
    assert float(fs.discounted(x, y, AX, g).payoff_x) == pytest.approx((1 - g) * (S + g * S) + g**2 * Pp, abs=1e-14)
    assert float(fs.limit_of_means(x, y, AX).payoff_x) == pytest.approx(Pp, abs=1e-14)


def test_tf2t_minimises_to_three_states_and_is_not_memory_one():
    m = tf2t()
    assert m.n_states == 3
    assert m.memory_one() is None
    # The memory-2 table before minimisation plays the same payoffs.
    full = F(m.coop, m.next_state[..., 0], m.initial, name="same")
    assert full.minimal().n_states == 3


def test_grudger_against_alternator_closed_form():
    """Grudger vs C, D, C, D, ...: CC, CD, then D against the alternation -> DC, DD, DC, DD, ..."""
    x, y = grudger(), cycle("CD", "Alternator")
    lim = fs.limit_of_means(x, y, AX)
    assert float(lim.payoff_x) == pytest.approx((T + Pp) / 2, abs=1e-14)
    assert float(lim.payoff_y) == pytest.approx((S + Pp) / 2, abs=1e-14)
    assert lim.info["ergodic"]
    for n in (1, 2, 3, 4, 5, 11):
        seq = [R, S] + [T if t % 2 == 0 else Pp for t in range(2, n)]
        assert float(fs.finite_horizon(x, y, AX, n).payoff_x) == pytest.approx(sum(seq[:n]) / n, abs=1e-14)


def test_grudger_against_noisy_allc_limit_closed_form():
    """Under noise eps ALLC's first error triggers Grudger forever (a transient state then an
    absorbing class): the limit is Grudger intending D against ALLC intending C, both with errors."""
    eps = 0.03
    res = fs.limit_of_means(grudger(), named("ALLC"), AX, noise=eps)
    c_x, c_y = eps, 1 - eps  # P(cooperate) actually played
    want = c_x * c_y * R + c_x * (1 - c_y) * S + (1 - c_x) * c_y * T + (1 - c_x) * (1 - c_y) * Pp
    assert float(res.payoff_x) == pytest.approx(want, abs=1e-13)
    assert res.info["ergodic"]


def test_cycles_periodic_chain_limit():
    """Two cycles of lengths 2 and 3 meet in a periodic chain of period 6 (hand-computed average)."""
    x, y = cycle("CD"), cycle("CCD")
    acts = [("CD"[t % 2], "CCD"[t % 3]) for t in range(6)]
    pay = {("C", "C"): R, ("C", "D"): S, ("D", "C"): T, ("D", "D"): Pp}
    want = sum(pay[a] for a in acts) / 6
    assert float(fs.limit_of_means(x, y, AX).payoff_x) == pytest.approx(want, abs=1e-14)
    assert float(fs.finite_horizon(x, y, AX, 6 * 1000).payoff_x) == pytest.approx(want, abs=1e-14)


def test_several_closed_classes_weighted_by_the_opening():
    """A machine that flips a coin in its first transition to become ALLC or ALLD forever:
    against ALLC the limit mixes R and T with the coin's weights (stochastic transitions)."""
    w = 0.3  # probability of becoming the cooperator
    succ = np.zeros((3, 2, 2, 2), dtype=int)
    prob = np.zeros((3, 2, 2, 2))
    succ[0, :, :, 0], succ[0, :, :, 1] = 1, 2
    prob[0, :, :, 0], prob[0, :, :, 1] = w, 1 - w
    succ[1, :, :, :], succ[2, :, :, :] = 1, 2
    prob[1, :, :, 0] = prob[2, :, :, 0] = 1.0
    m = F([1.0, 1.0, 0.0], succ, 0, next_prob=prob, name="coin")
    res = fs.limit_of_means(m, named("ALLC"), AX)
    assert float(res.payoff_x) == pytest.approx(w * R + (1 - w) * T, abs=1e-14)
    assert not res.info["ergodic"] and res.info["closed_classes"] == 2
    g = 0.8  # discounted: round 0 is CC, then the coin decides
    want = (1 - g) * R + g * (w * R + (1 - w) * T)
    assert float(fs.discounted(m, named("ALLC"), AX, g).payoff_x) == pytest.approx(want, abs=1e-14)


def test_hmm_stationary_closed_form():
    """A two-state hidden-Markov player switching 0->1 w.p. a and 1->0 w.p. b whatever the
    co-player does, cooperating in state 0 only: its long-run cooperation is b / (a + b)."""
    a, b = 0.2, 0.05
    T2 = [[1 - a, a], [b, 1 - b]]
    m = F.from_hmm(T2, T2, [1.0, 0.0], 0, "C", name="hmm")
    res = fs.limit_of_means(m, named("ALLD"), AX)
    assert float(res.coop_x) == pytest.approx(b / (a + b), abs=1e-13)


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_monte_carlo_agreement(noise):
    """Seeded Monte Carlo play of the machines (independent of the chain algebra), 4.5 SE."""
    a, b = 0.3, 0.1
    hmm = F.from_hmm([[1 - a, a], [b, 1 - b]], [[0.5, 0.5], [0.0, 1.0]], [0.9, 0.2], 0, "C", name="hmm")
    pairs = [(tf2t(), named("WSLS")), (grudger(), named("Random")), (hmm, tf2t()), (cycle("CCD"), hmm)]
    for x, y in pairs:
        ex = fs.finite_horizon(x, y, AX, 30, noise=noise)
        mc = fs.simulate_machines(x, y, AX, n=30, matches=20_000, seed=7, noise=noise)
        for key in ("payoff_x", "payoff_y", "coop_x", "coop_y"):
            se = max(mc[key + "_se"], 1e-12)
            if mc[key + "_se"] == 0:
                assert mc[key] == pytest.approx(float(getattr(ex, key)), abs=1e-12)
            else:
                assert abs(float(getattr(ex, key)) - mc[key]) <= 4.5 * se, (x.name, y.name, key)


def test_payoff_matrix_mirrors_exactly_and_matches_pairs():
    players = [tf2t(), grudger(), named("TFT"), cycle("CCD")]
    res = fs.payoff_matrix(players, None, AX, n=50, noise=0.01)
    assert np.array_equal(res.payoff_y, res.payoff_x.T)  # mirrored cells: B = A^T exactly
    one = fs.finite_horizon(players[0], players[3], AX, 50, noise=0.01)
    assert res.payoff_x[0, 3] == pytest.approx(float(one.payoff_x), abs=1e-15)
    assert res.payoff_x[3, 0] == pytest.approx(float(one.payoff_y), abs=1e-15)


def test_long_horizon_squaring_matches_round_by_round():
    x, y = tf2t(), named("Random")
    ch = fs.product_chain(x, y, noise=0.02)
    n = P.ITERATE_ROUNDS + 1000
    v = ch.start.copy()
    acc = np.zeros_like(v)
    for _ in range(n):
        acc += v
        v = v @ ch.M
    np.testing.assert_allclose(P.chain_finite(ch.M, ch.start, n), acc / n, rtol=0, atol=1e-12)


def test_memory_one_detection():
    m = F.from_memory_one(named("WSLS"))
    back = m.memory_one()
    assert back is not None and np.array_equal(back.vector, named("WSLS").vector)
    assert grudger().memory_one() is None  # Grudger is not memory-one (GRIM here is)


@pytest.mark.parametrize("bad, err", [
    (dict(coop=[1.5], next_state=[[[0, 0], [0, 0]]]), InvalidProbabilityError),
    (dict(coop=[float("nan")], next_state=[[[0, 0], [0, 0]]]), InvalidProbabilityError),
    (dict(coop="C", next_state=[[[0, 0], [0, 0]]]), InvalidProbabilityError),
    (dict(coop=[1.0], next_state=[[[0, 1], [0, 0]]]), ParameterError),
    (dict(coop=[1.0], next_state=[[0, 0]]), ParameterError),
    (dict(coop=[1.0], next_state=[[[0, 0], [0, 0]]], initial=3), ParameterError),
    (dict(coop=[1.0], next_state=[[["a", 0], [0, 0]]]), ParameterError),
    (dict(coop=[1.0], next_state=[[[[0, 0]], [[0, 0]]], [[[0, 0]], [[0, 0]]]], next_prob=[[[[0.5, 0.4]], [[1, 0]]], [[[1, 0]], [[1, 0]]]]), ParameterError),
])
def test_machine_validation(bad, err):
    with pytest.raises(err):
        F(**bad)


def test_bad_inputs_are_named_errors():
    with pytest.raises(ParameterError, match="FiniteStateStrategy or a MemoryOne"):
        fs.finite_horizon("TFT", named("ALLD"), AX, 10)
    with pytest.raises(ParameterError, match="horizon"):
        fs.finite_horizon(tf2t(), named("ALLD"), AX, 0)
    with pytest.raises(ParameterError, match="gamma"):
        fs.discounted(tf2t(), named("ALLD"), AX, 1.0)
    with pytest.raises(ParameterError):
        fs.finite_horizon(tf2t(), named("ALLD"), AX, 10, noise=0.7)
    with pytest.raises(ParameterError, match="exactly one criterion"):
        fs.pair_result(tf2t(), tf2t(), AX)
    with pytest.raises(ParameterError):
        F.memory_n(2, "not callable")
    with pytest.raises(SizeLimitError):
        F.memory_n(9, lambda o, t: 1.0)
    with pytest.raises(InvalidProbabilityError):
        F.memory_n(1, lambda o, t: 2.0)


def test_product_chain_size_limit_is_refused_up_front():
    big = F.memory_n(5, lambda own, oth: float(sum(oth) % 2 == 0 and own.count(1) != 2), name="big")
    with pytest.raises(SizeLimitError, match="product chain"):
        fs.product_chain(big, big, noise=0.1, max_states=50)
    assert isinstance(SizeLimitError("x"), EqtoolsError)


def test_json_round_trip():
    m = F.from_hmm([[0.5, 0.5], [0.1, 0.9]], [[1, 0], [0, 1]], [0.3, 0.8], 1, "D", name="h")
    back = F.from_json(m.to_json())
    assert back == m
    with pytest.raises(ParameterError):
        F.from_json("{not json")
    with pytest.raises(ParameterError, match="lacks"):
        F.from_dict({"coop": [1.0]})


def test_machines_meet_jax_policies_in_tournaments():
    """A JAX policy entrant is simulated against a machine (MachinePolicy); the estimate agrees
    with the exact product-chain value of the same pair (4.5 SE), and both cells come from one
    simulation (B = A^T exactly on simulated cells)."""
    from solvers.simulate import MemoryOnePolicy
    from solvers.tournament import tournament

    pol = MemoryOnePolicy(named("WSLS").vector, name="policy-WSLS")
    ds = tournament([tf2t(), grudger(), pol], game=AX, n=40, matches=3000, seed=5, noise=0.05)
    sim = ~ds.exact.values
    assert sim.sum() == 5 and "5 of 9 cells simulated" in ds.attrs["criterion"]
    A, B = ds.payoff_row.values, ds.payoff_col.values
    assert np.array_equal(B[sim], A.T[sim])
    for j, m in enumerate((tf2t(), grudger())):
        ex = fs.finite_horizon(named("WSLS"), m, AX, 40, noise=0.05)
        assert abs(A[2, j] - float(ex.payoff_x)) <= 4.5 * ds.payoff_row_se.values[2, j]
        assert abs(A[j, 2] - float(ex.payoff_y)) <= 4.5 * ds.payoff_row_se.values[j, 2]
