"""Execution errors (noise) through every exact route, against independent references:
axelrod's ``Match(noise=eps)``, our seeded simulation (flips on sampled actions), exact rational
arithmetic, brute force over policies, published facts.  Issue 12, item 1."""

import itertools
import json

import numpy as np
import pytest

import eqtools as eq
from eqtools.errors import ParameterError
from eqtools.strategies import apply_noise
from solvers import payoffs as P
from solvers.best_response import best_response, best_response_finite, pure_strategies
from solvers.equilibria import nash_check, pure_equilibria
from solvers.simulate import MemoryOnePolicy, play, simulate, simulate_memory_one
from solvers.tournament import tournament
from solvers.zd import enforced_relation_error, fit_zd

from _refs import frac_chain

Z_BOUND = 5.0  # ~100 z-scores per file: |z| > 5 has probability < 1e-4 under a correct implementation
GAME = eq.preset("paper")


# ------------------------------------------------------------ payoffs vs simulation engines


def test_finite_noise_matches_axelrod_match_noise():
    axl = pytest.importorskip("axelrod")
    from eqtools.interop.axelrod import axelrod_game

    eps, turns, reps = 0.1, 30, 100
    native = {"TFT": axl.TitForTat, "WSLS": axl.WinStayLoseShift, "ALLD": axl.Defector, "ALLC": axl.Cooperator,
              "Alternator": axl.Alternator}
    ag = axelrod_game("axelrod")
    for a, b in [("TFT", "TFT"), ("WSLS", "ALLD"), ("Alternator", "WSLS")]:
        scores = []
        for r in range(reps):
            m = axl.Match((native[a](), native[b]()), turns=turns, game=ag, noise=eps, seed=100 + r)
            m.play()
            scores.append(np.array(m.scores(), dtype=float).mean(axis=0))
        sc = np.array(scores)
        ex = P.finite_horizon(eq.named(a), eq.named(b), "axelrod", turns, noise=eps)
        se = sc.std(axis=0, ddof=1) / np.sqrt(reps)
        z = (sc.mean(axis=0) - np.array([ex.payoff_x, ex.payoff_y])) / se
        assert np.max(np.abs(z)) < Z_BOUND, (a, b, z)
        # without the noise term the exact value would be far off (the test can fail)
        clean = P.finite_horizon(eq.named(a), eq.named(b), "axelrod", turns)
        if a == b == "TFT":
            assert abs(float(clean.payoff_x) - sc.mean(axis=0)[0]) > 10 * se[0]


@pytest.mark.parametrize("eps", [0.02, 0.25])
def test_finite_and_discounted_noise_match_seeded_simulation(eps):
    pool = eq.StrategyPool.uniform(8, seed=13).params
    lib = np.array([s.vector for s in eq.library(GAME).values()])
    X = np.vstack([pool[:4], lib])
    Y = np.vstack([pool[4:], lib[::-1]])
    ex = P.finite_horizon(X, Y, GAME, 60, noise=eps)
    sim = simulate_memory_one(X, Y, GAME, n=60, matches=2000, seed=3, noise=eps)
    for q in ("payoff_x", "payoff_y", "coop_x", "coop_y"):
        z = (getattr(sim, q) - getattr(ex, q)) / getattr(sim, q + "_se")
        assert np.max(np.abs(z)) < Z_BOUND, (q, z)
    exd = P.discounted(X, Y, GAME, 0.8, noise=eps)
    simd = simulate_memory_one(X, Y, GAME, n=120, gamma=0.8, matches=2000, seed=4, noise=eps)  # tail 0.8^120 ~ 2e-12
    z = (simd.payoff_x - exd.payoff_x) / simd.payoff_x_se
    assert np.max(np.abs(z)) < Z_BOUND


def test_noise_free_simulation_is_bit_identical_and_noise_changes_it():
    x, y = eq.named("TFT").vector, eq.StrategyPool.uniform(1, seed=2).params[0]
    a = simulate_memory_one(x, y, GAME, n=30, matches=50, seed=9)
    b = simulate_memory_one(x, y, GAME, n=30, matches=50, seed=9, noise=0.0)
    c = simulate_memory_one(x, y, GAME, n=30, matches=50, seed=9, noise=0.1)
    assert np.array_equal(a.coop_x_by_round, b.coop_x_by_round) and a.payoff_x == b.payoff_x
    assert not np.array_equal(a.coop_x_by_round, c.coop_x_by_round)
    assert c.noise == 0.1


def test_play_records_intended_and_played_actions():
    tft = MemoryOnePolicy(eq.named("ALLC").vector)
    tr = play(tft, tft, GAME, n=200, matches=200, seed=1, noise=0.1)
    assert np.all(tr.intended_x == 0) and np.all(tr.intended_y == 0)  # ALLC always intends C
    flips = np.concatenate([tr.a_x.ravel(), tr.a_y.ravel()]).mean()
    assert abs(flips - 0.1) < 5 * np.sqrt(0.1 * 0.9 / (2 * 200 * 200))
    clean = play(tft, tft, GAME, n=5, matches=3, seed=1)
    assert not hasattr(clean, "intended_x")  # noise-free recordings keep their old type and fields


def test_learners_env_noise():
    import jax

    from learners.env import rollout_memory_one

    p, q = eq.named("WSLS").vector, eq.named("TFT").vector
    key = jax.random.PRNGKey(0)
    a = rollout_memory_one(key, p, q, "paper", horizon=50, batch=512)
    b = rollout_memory_one(key, p, q, "paper", horizon=50, batch=512, noise=0.0)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))  # default unchanged, bit for bit
    tr = rollout_memory_one(key, p, q, "paper", horizon=50, batch=4000, noise=0.05)
    per_episode = np.asarray(tr.rewards_x).mean(axis=0)
    ex = P.finite_horizon(p, q, GAME, 50, noise=0.05)
    z = (per_episode.mean() - float(ex.payoff_x)) / (per_episode.std(ddof=1) / np.sqrt(4000))
    assert abs(z) < Z_BOUND
    with pytest.raises(ParameterError, match="noise"):
        rollout_memory_one(key, p, q, "paper", horizon=5, batch=2, noise=0.7)


# ------------------------------------------------------------ exactness


def test_noise_is_the_exact_strategy_change_in_rationals():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=5), rng.uniform(size=5)
    eps = 0.03
    M = P.transition_matrix(x, y, noise=eps)
    Mf, _ = frac_chain(x, y, eps)
    np.testing.assert_allclose(M, np.array([[float(v) for v in r] for r in Mf]), rtol=1e-15)
    # and the same as applying the noise to both strategies (up to round-off)
    np.testing.assert_allclose(P.limit_of_means(x, y, GAME, noise=eps).visits,
                               P.limit_of_means(apply_noise(x, eps), apply_noise(y, eps), GAME).visits, rtol=1e-13)


def test_tft_pair_under_noise_is_the_published_quarter_mix():
    # Any eps > 0: TFT vs TFT visits all four states equally (Molander 1985), so the payoff is
    # (R + S + T + P) / 4 — a discontinuity from R at eps = 0.
    tft = eq.named("TFT")
    for g in ("paper", "axelrod"):
        game = eq.preset(g)
        for eps in (1e-9, 0.01, 0.3):
            res = P.limit_of_means(tft, tft, game, noise=eps)
            np.testing.assert_allclose(res.visits, 0.25, atol=1e-12)
        assert float(P.limit_of_means(tft, tft, game).payoff_x) == game.R


def test_noise_recorded_and_validated():
    res = P.finite_horizon(eq.named("TFT"), eq.named("WSLS"), GAME, 10, noise=0.1)
    assert res.info["noise"] == 0.1 and "noise=0.1" in res.criterion
    assert P.limit_of_means(eq.named("TFT"), eq.named("WSLS"), GAME).info["noise"] == 0.0
    for bad in (-0.1, 0.6, float("nan"), "0.1"):
        with pytest.raises(ParameterError, match="noise"):
            P.discounted(eq.named("TFT"), eq.named("WSLS"), GAME, 0.9, noise=bad)


# ------------------------------------------------------------ best responses, Nash


def _policy_value_finite(policy, q, n, eps, game):
    """Mean payoff of a time-dependent memory-one policy (list of (opening, 4 reactions)) by
    forward iteration of the state distribution with flips on X's intended action."""
    r = game.payoffs
    qf = eps + (1 - 2 * eps) * np.asarray(q, dtype=float)
    sw = (0, 2, 1, 3)

    def step(xc, qc):  # distribution of the next state given X's actual P(C) and Y's P(C)
        return np.array([xc * qc, xc * (1 - qc), (1 - xc) * qc, (1 - xc) * (1 - qc)])

    d = step(eps + (1 - 2 * eps) * policy[0][0], qf[0])
    total = d @ r
    for t in range(1, n):
        d = sum(d[s] * step(eps + (1 - 2 * eps) * policy[t][1 + s], qf[1 + sw[s]]) for s in range(4))
        total += d @ r
    return total / n


def test_finite_best_response_with_noise_equals_brute_force():
    # n = 3: all 2 * 16 * 16 time-dependent pure memory-one policies, evaluated forward.
    q = np.array([0.6, 0.9, 0.2, 0.7, 0.4])
    eps = 0.1
    br = best_response_finite(q, GAME, 3, noise=eps)
    best = max(
        _policy_value_finite([(o, 0, 0, 0, 0), (0, *r1), (0, *r2)], q, 3, eps, GAME)
        for o in (0, 1) for r1 in itertools.product((0, 1), repeat=4) for r2 in itertools.product((0, 1), repeat=4)
    )
    assert br.value == pytest.approx(float(best), abs=1e-13)
    assert br.noise == eps and "noise=0.1" in br.criterion


@pytest.mark.parametrize("eps", [0.0, 0.05])
def test_discounted_and_limit_best_response_with_noise_equal_pure_enumeration(eps):
    pool = pure_strategies()
    Q = eq.StrategyPool.uniform(5, seed=21).params
    Q = np.vstack([Q, eq.named("TFT").vector, eq.named("WSLS").vector])
    for gamma in (0.6, 0.99):
        vals = np.asarray(P.payoff_matrix(pool, Q, GAME, gamma=gamma, noise=eps).payoff_x)
        for j, q in enumerate(Q):
            br = best_response(q, GAME, gamma=gamma, noise=eps)
            assert br.value == pytest.approx(vals[:, j].max(), abs=1e-12)
            assert br.info["noise"] == eps
    lim = np.asarray(P.payoff_matrix(pool, Q, GAME, limit=True, noise=eps).payoff_x)
    for j, q in enumerate(Q):
        assert best_response(q, GAME, limit=True, noise=eps).value == pytest.approx(lim[:, j].max(), abs=1e-12)


def test_discounted_best_response_with_noise_matches_simulation():
    # The best response's value is achieved by its strategy in a seeded noisy simulation.
    q = eq.named("TFT")
    br = best_response(q, GAME, gamma=0.9, noise=0.1)
    sim = simulate_memory_one(br.strategy.vector, q.vector, GAME, n=250, gamma=0.9, matches=4000, seed=8, noise=0.1)
    assert abs(float(sim.payoff_x) - br.value) < Z_BOUND * float(sim.payoff_x_se)


def test_noise_changes_nash_verdicts_as_expected():
    # TFT vs TFT is Nash without noise at gamma = 0.9 (gamma >= (T-R)/(T-P)), but under errors
    # one mistake starts an echo of retaliation, and the more forgiving ALLC does better
    # (Boyd 1989: TFT is not a best reply to itself with errors).  GRIM stays Nash: once the
    # partner has switched to defection for good, so does the best reply.
    g = eq.preset("axelrod")
    tft, grim = eq.named("TFT"), eq.named("GRIM")
    assert nash_check(tft, tft, g, gamma=0.9).is_nash
    noisy = nash_check(tft, tft, g, gamma=0.9, noise=0.05)
    assert not noisy.is_nash and noisy.gap > 0.1 and noisy.deviation_x.name == "CCCCC"
    assert noisy.noise == 0.05 and noisy.to_dict()["noise"] == 0.05
    # the deviation's gain, re-measured by seeded noisy simulation of ALLC against TFT
    sim = simulate_memory_one(eq.named("ALLC").vector, tft.vector, g, n=250, gamma=0.9, matches=4000, seed=6,
                              noise=0.05)
    assert abs(float(sim.payoff_x) - (noisy.payoff_x + noisy.gain_x)) < Z_BOUND * float(sim.payoff_x_se)
    assert nash_check(grim, grim, g, gamma=0.9, noise=0.05).is_nash
    pe = pure_equilibria(g, gamma=0.9, noise=0.01)
    assert pe.payoff_x.shape == (32, 32)
    # ALLD vs ALLD stays an equilibrium under noise (against ALLD's random errors, D is still best)
    assert ("DDDDD", "DDDDD") in {(pe.pool.names[i], pe.pool.names[j]) for i, j in pe.pairs}


# ------------------------------------------------------------ ZD under noise


@pytest.mark.parametrize("game", ["axelrod", "paper"])
@pytest.mark.parametrize("eps", [0.01, 0.2])
def test_zd_enforces_the_noisy_relation(game, eps):
    g = eq.preset(game)
    Q = eq.StrategyPool.uniform(20, seed=5).params
    for s in (eq.named("Extort-2", g), eq.named("Generous-2", g), eq.equalizer(g, (g.P + g.R) / 2)):
        err = enforced_relation_error(s, g, Q, noise=eps)
        assert np.max(err) < 1e-12, s.name
        # the noise-free relation is violated under noise (so the check above is not vacuous)
        fit = fit_zd(s, g)
        res = P.limit_of_means(s.vector[None], Q, g, noise=eps)
        lin = fit.alpha * res.payoff_x + fit.beta * res.payoff_y + fit.gamma
        assert np.max(np.abs(lin)) > 1e-4


def test_zd_noisy_relation_holds_in_simulation():
    # Independent of the Markov-chain solver: seeded simulation of Extort-2 under noise.
    g = eq.preset("axelrod")
    s = eq.named("Extort-2", g)
    fit = fit_zd(s, g)
    q = np.array([0.8, 0.7, 0.3, 0.6, 0.2])
    eps, n = 0.1, 2000
    sim = simulate_memory_one(s.vector, q, g, n=n, matches=400, seed=12, noise=eps, record_rounds=False)
    rel = (1 - 2 * eps) * (fit.alpha * sim.payoff_x + fit.beta * sim.payoff_y + fit.gamma) + eps * (1 - 2 * sim.coop_x)
    se = (1 - 2 * eps) * (abs(fit.alpha) * sim.payoff_x_se + abs(fit.beta) * sim.payoff_y_se) + 2 * eps * sim.coop_x_se
    assert abs(float(rel)) < Z_BOUND * float(se) + 10.0 / n  # O(1/n) boundary term of a finite match


def test_zd_stays_zd_under_noise_in_donation_games():
    # With R + P = S + T the noisy strategy is still exactly ZD; in the axelrod game it is not.
    donation = eq.Game(2.0, -1.0, 3.0, 0.0, name="donation")
    assert fit_zd(eq.extortionate(donation, 2.0), donation, noise=0.1).is_zd
    ax = eq.preset("axelrod")
    assert not fit_zd(eq.named("Extort-2", ax), ax, noise=0.1).is_zd
    assert fit_zd(eq.named("Extort-2", ax), ax, noise=0.1).noise == 0.1


# ------------------------------------------------------------ tournaments, CLI


def test_tournament_records_noise(tmp_path):
    from eqtools.tournament import load_tournament, save_tournament

    pool = eq.StrategyPool.from_strategies([eq.named("TFT"), eq.named("WSLS"), eq.named("ALLD")])
    ds = tournament(pool, game=GAME, n=50, noise=0.05)
    assert ds.attrs["noise"] == 0.05 and json.loads(ds.attrs["config"])["noise"] == 0.05
    ex = P.finite_horizon(eq.named("TFT"), eq.named("WSLS"), GAME, 50, noise=0.05)
    assert float(ds["payoff_row"].sel(row="TFT", col="WSLS")) == pytest.approx(float(ex.payoff_x), abs=1e-15)
    back = load_tournament(save_tournament(ds, tmp_path / "t.nc"))
    assert back.attrs["noise"] == 0.05
    assert tournament(pool, game=GAME, n=10).attrs["noise"] == 0.0


def test_tournament_noise_reaches_simulated_players():
    class Coop:  # a non-memory-one Policy: cooperates always
        name = "coop-policy"

        def init(self, batch_shape):
            return ()

        def coop_prob(self, carry, obs, t):
            import jax.numpy as jnp

            return jnp.ones(obs.shape), carry

    ds = tournament([Coop()], [eq.named("ALLC")], game=GAME, n=20, matches=2000, noise=0.2, seed=3)
    # both players cooperate w.p. 0.8 each round: coop rate of the policy ~ 0.8
    assert abs(float(ds["coop_row"][0, 0]) - 0.8) < Z_BOUND * float(ds["coop_row_se"][0, 0])


def test_cli_noise(capsys):
    from eqtools.cli import main

    assert main(["payoff", "TFT", "TFT", "--limit", "--noise", "0.1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["noise"] == 0.1 and d["payoff_x"] == pytest.approx((GAME.R + GAME.S + GAME.T + GAME.P) / 4, abs=1e-12)
    assert main(["solve", "best-response", "--coplayer", "TFT", "--gamma", "0.9", "--noise", "0.05", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["info"]["noise"] == 0.05
    assert main(["payoff", "TFT", "TFT", "--noise", "0.7"]) == 2
    assert "noise" in capsys.readouterr().err
