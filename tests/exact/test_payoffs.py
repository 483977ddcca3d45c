"""Exact memory-one payoffs, each checked against an independent route:
seeded Monte Carlo simulation (stated z-bound), brute-force path enumeration, published values,
the Press–Dyson theorem, hand-derived reducible chains, and finite differences for gradients."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import ChainError, InvalidProbabilityError, ParameterError
from solvers import payoffs as P
from solvers.simulate import simulate_memory_one

# With ~100 z-scores per check, |z| > 5 has probability < 1e-4 under a correct implementation.
Z_BOUND = 5.0


def _pairs(k, seed):
    pool = eq.StrategyPool.uniform(2 * k, seed=seed).params
    return pool[:k], pool[k:]


@pytest.mark.parametrize("game", ["paper", "axelrod"])
def test_finite_horizon_matches_simulation(game):
    x, y = _pairs(12, seed=11)
    # Include deterministic and named strategies, whose chains are reducible.
    lib = np.stack([s.vector for s in eq.library(game).values()])
    x = np.concatenate([x, lib])
    y = np.concatenate([y, lib[::-1]])
    ex = P.finite_horizon(x, y, game, 100)
    sim = simulate_memory_one(x, y, game, n=100, matches=3000, seed=5)
    for q in ("payoff_x", "payoff_y", "coop_x", "coop_y"):
        e, s, se = getattr(ex, q), getattr(sim, q), getattr(sim, q + "_se")
        det = se < 1e-12  # deterministic pairs (zero variance up to round-off)
        assert np.allclose(e[det], s[det], atol=1e-12), q  # deterministic pairs must agree exactly
        z = (s[~det] - e[~det]) / se[~det]
        assert np.max(np.abs(z)) < Z_BOUND, (q, z)


def test_discounted_matches_simulation():
    x, y = _pairs(15, seed=3)
    ex = P.discounted(x, y, "paper", 0.9)
    sim = simulate_memory_one(x, y, "paper", n=200, gamma=0.9, matches=3000, seed=2)  # tail 0.9^200 ~ 7e-10
    z = (sim.payoff_x - ex.payoff_x) / sim.payoff_x_se
    assert np.max(np.abs(z)) < Z_BOUND


def test_round_profile_matches_simulation():
    x, y = _pairs(4, seed=9)
    prof = P.round_profile(x, y, 30)
    coop_by_round = prof[..., 0] + prof[..., 1]
    sim = simulate_memory_one(x, y, "paper", n=30, matches=4000, seed=1)
    se = np.sqrt(coop_by_round * (1 - coop_by_round) / 4000) + 1e-12
    z = (sim.coop_x_by_round - coop_by_round) / se
    assert np.max(np.abs(z)) < Z_BOUND


def test_finite_horizon_equals_path_enumeration():
    """Brute force: sum over all 4^n action paths for n = 4."""
    x, y = _pairs(5, seed=21)
    game = eq.preset("paper")
    n = 4
    for p, q in zip(x, y):
        tot_x = tot_y = 0.0
        for path in itertools.product(range(4), repeat=n):
            prob, prev = 1.0, None
            for s in path:
                ax, ay = divmod(s, 2)
                px = p[0] if prev is None else p[1 + prev]
                prev_y = None if prev is None else [0, 2, 1, 3][prev]
                py = q[0] if prev_y is None else q[1 + prev_y]
                prob *= (px if ax == 0 else 1 - px) * (py if ay == 0 else 1 - py)
                prev = s
            tot_x += prob * sum(game.payoffs[s] for s in path) / n
            tot_y += prob * sum(game.payoffs_coplayer[s] for s in path) / n
        r = P.finite_horizon(p, q, game, n)
        assert np.isclose(r.payoff_x, tot_x, atol=1e-13) and np.isclose(r.payoff_y, tot_y, atol=1e-13)


def test_published_extort2_vs_allc():
    # Press & Dyson 2012 (and paper notes section 3): (3.5, 2.25) under (3, 0, 5, 1).
    r = P.limit_of_means(eq.named("Extort-2", "axelrod"), eq.named("ALLC"), "axelrod")
    assert np.allclose(r.as_tuple(), (3.5, 2.25), atol=1e-12)


@pytest.mark.parametrize("game", ["paper", "axelrod", "lola"])
@pytest.mark.parametrize("chi", [1.5, 2.0, 4.0])
def test_press_dyson_relation_on_random_coplayers(game, chi):
    g = eq.preset(game)
    zd = eq.extortionate(g, chi)
    others = eq.StrategyPool.uniform(40, seed=int(chi * 10)).params
    r = P.limit_of_means(zd.vector[None, :], others, g)
    assert np.allclose(r.payoff_x - g.P, chi * (r.payoff_y - g.P), atol=1e-10)
    gen = eq.generous(g, chi)
    r = P.limit_of_means(gen.vector[None, :], others, g)
    assert np.allclose(r.payoff_x - g.R, chi * (r.payoff_y - g.R), atol=1e-10)
    eqz = eq.equalizer(g, (g.R + g.P) / 2)
    r = P.limit_of_means(eqz.vector[None, :], others, g)
    assert np.allclose(r.payoff_y, (g.R + g.P) / 2, atol=1e-10)


def test_limit_agrees_with_long_horizon_and_discount():
    x, y = _pairs(10, seed=4)
    lim = P.limit_of_means(x, y, "paper")
    fin = P.finite_horizon(x, y, "paper", 200_000)
    disc = P.discounted(x, y, "paper", 1 - 1e-6)
    # The finite and discounted values differ from the limit by O(1/n) and O(1 - gamma).
    assert np.allclose(lim.payoff_x, fin.payoff_x, atol=1e-4)
    assert np.allclose(lim.payoff_x, disc.payoff_x, atol=1e-4)


def test_reducible_chains_hand_derived():
    named = eq.named
    # TFT vs STFT alternate CD / DC forever: (S + T)/2 each.
    r = P.limit_of_means(named("TFT"), named("STFT"), "axelrod")
    assert r.as_tuple() == pytest.approx((2.5, 2.5))
    # GRIM vs Random: GRIM defects forever after the first D; Random still cooperates half the time.
    r = P.limit_of_means(named("GRIM"), named("Random"), "axelrod")
    assert r.as_tuple() == pytest.approx((3.0, 0.5))
    # WSLS vs WSLS: mutual cooperation whatever the openings (DD -> CC, CD -> DD -> CC).
    for o1, o2 in itertools.product([0.0, 1.0], repeat=2):
        r = P.limit_of_means(eq.MemoryOne(o1, (1, 0, 0, 1)), eq.MemoryOne(o2, (1, 0, 0, 1)), "paper")
        assert r.as_tuple() == pytest.approx((1.0, 1.0))
    # The opening decides: GRIM vs GRIM locks into CC if both open C, else into DD.
    cc = P.limit_of_means(named("GRIM"), named("GRIM"), "paper")
    dd = P.limit_of_means(named("GRIM"), eq.MemoryOne(0.0, (1, 0, 0, 0)), "paper")
    half = P.limit_of_means(named("GRIM"), eq.MemoryOne(0.5, (1, 0, 0, 0)), "paper")
    assert cc.as_tuple() == pytest.approx((1, 1)) and dd.as_tuple() == pytest.approx((0, 0))
    assert half.as_tuple() == pytest.approx((0.5, 0.5))
    assert not bool(half.info["ergodic"])
    dec = P.limit_state_distribution(named("GRIM"), eq.MemoryOne(0.5, (1, 0, 0, 0)))
    assert sorted(dec.closed_classes) == [[0], [3]]
    with pytest.raises(ChainError, match="closed classes"):
        P.limit_of_means(named("TFT"), named("STFT"), "paper", require_ergodic=True)


def test_reducible_limits_match_long_simulation():
    """Deterministic reducible pairs: a long simulated horizon converges to the exact limit."""
    lib = list(eq.library("paper").values())
    det = [s for s in lib if s.is_deterministic]
    pairs = [(a, b) for a in det for b in det]
    x = np.stack([a.vector for a, _ in pairs])
    y = np.stack([b.vector for _, b in pairs])
    lim = P.limit_of_means(x, y, "paper")
    sim = simulate_memory_one(x, y, "paper", n=2000, matches=2, seed=0)
    assert np.allclose(lim.payoff_x, sim.payoff_x, atol=2e-3)  # O(1/n) transient


def test_all_pairs_matrix_equals_pairwise():
    rows = eq.StrategyPool.uniform(7, seed=1)
    cols = eq.StrategyPool.uniform(5, seed=2)
    for kw in ({"n": 37}, {"gamma": 0.95}, {"limit": True}):
        m = P.payoff_matrix(rows, cols, "paper", **kw)
        assert m.payoff_x.shape == (7, 5)
        i, j = 4, 3
        if "n" in kw:
            one = P.finite_horizon(rows[i], cols[j], "paper", kw["n"])
        elif "gamma" in kw:
            one = P.discounted(rows[i], cols[j], "paper", kw["gamma"])
        else:
            one = P.limit_of_means(rows[i], cols[j], "paper")
        assert np.isclose(m.payoff_x[i, j], one.payoff_x, atol=1e-13)
        # Symmetry: swapping roles swaps payoffs.
        sw = P.payoff_matrix(cols, rows, "paper", **kw)
        assert np.allclose(sw.payoff_x.T, m.payoff_y, atol=1e-12)


def test_gradients_match_finite_differences():
    game = eq.preset("paper")
    r = jnp.asarray(game.payoffs)
    x, y = _pairs(1, seed=8)
    x, y = np.clip(x[0], 0.05, 0.95), np.clip(y[0], 0.05, 0.95)
    with jax.enable_x64(True):
        fns = {
            "finite": lambda p: P.jnp_visits_finite(p, jnp.asarray(y), 50) @ r,
            "discounted": lambda p: P.jnp_visits_discounted(p, jnp.asarray(y), 0.9) @ r,
            "limit": lambda p: P.jnp_visits_stationary(p, jnp.asarray(y)) @ r,
        }
        for name, f in fns.items():
            g = np.asarray(jax.grad(f)(jnp.asarray(x)))
            h = 1e-6
            fd = np.array([(f(jnp.asarray(x + h * e)) - f(jnp.asarray(x - h * e))) / (2 * h) for e in np.eye(5)])
            assert np.allclose(g, fd, atol=1e-7), name


def test_bad_inputs_raise_clear_errors():
    tft = eq.named("TFT")
    with pytest.raises(ParameterError, match="gamma"):
        P.discounted(tft, tft, "paper", 1.0)
    with pytest.raises(ParameterError, match="gamma"):
        P.discounted(tft, tft, "paper", float("nan"))
    with pytest.raises(ParameterError, match="horizon"):
        P.finite_horizon(tft, tft, "paper", 0)
    with pytest.raises(ParameterError, match="horizon"):
        P.finite_horizon(tft, tft, "paper", 2.5)
    with pytest.raises(InvalidProbabilityError, match="p_DC"):
        P.finite_horizon([1, 1, 0, 1.5, 0], tft, "paper", 10)
    with pytest.raises(InvalidProbabilityError, match="p0"):
        P.limit_of_means(tft, [np.nan, 1, 0, 1, 0], "paper")
    with pytest.raises(ParameterError, match="exactly one criterion"):
        P.payoff_matrix(np.full((2, 5), 0.5), np.full((2, 5), 0.5), "paper", n=10, gamma=0.9)


def test_discounted_simulation_is_renormalised_issue22():
    """simulate_memory_one(TFT, TFT, gamma=0.99) was 0.634 (= 1 - 0.99^100: cut at the default
    100 rounds, not renormalised).  Mutual TFT earns R every round, so every match is exactly R."""
    from eqtools import named, preset

    g = preset("paper")
    for n in (None, 100, 7):
        sim = simulate_memory_one(named("TFT"), named("TFT"), "paper", gamma=0.99, n=n, matches=100)
        assert float(sim.payoff_x) == pytest.approx(g.R, rel=1e-12)
    # a stochastic pair against the exact value (Monte Carlo, 5 standard errors), default n
    x, y = np.array([0.9, 0.8, 0.3, 0.6, 0.1]), np.array([0.5, 0.9, 0.2, 0.7, 0.4])
    sim = simulate_memory_one(x, y, "paper", gamma=0.95, matches=4000, seed=3)
    ex = float(P.discounted(x, y, "paper", 0.95).payoff_x)
    assert abs(float(sim.payoff_x) - ex) < 5 * float(sim.payoff_x_se)
