"""Mutation–selection in the continuous memory-one space (JAX): determinism, the acceptance
mechanism against its exact law, the JAX kernel against the numpy reference path, ZD fits."""

import math

import numpy as np
import pytest

from eqtools.errors import ParameterError
from eqtools.strategies import named
from solvers.evolution import EvolutionConfig, evolve, fixation_probability, meta_game, zd_fit_batch
from solvers.zd import fit_zd

# One static shape for every run below, so the jitted kernel compiles once.
BASE = dict(game="axelrod", N=10, criterion="limit", mutation="uniform", record_every=25, steps=100)


@pytest.fixture(scope="module")
def run8():
    return evolve(EvolutionConfig(runs=8, seed=3, noise=0.01, selection=1.0, **BASE))


def test_dataset_layout_and_determinism(run8):
    ds = run8
    assert ds.resident.shape == (8, 5, 5)
    assert list(ds.time.values) == [0, 25, 50, 75, 100]
    for v in ("cooperation", "payoff", "chi", "kappa", "zd_residual"):
        assert ds[v].shape == (8, 5)
    assert ds.attrs["invalid_fixations"] == 0
    again = evolve(EvolutionConfig(runs=8, seed=3, noise=0.01, selection=1.0, **BASE))
    np.testing.assert_array_equal(ds.resident.values, again.resident.values)
    other = evolve(EvolutionConfig(runs=8, seed=4, noise=0.01, selection=1.0, **BASE))
    assert not np.array_equal(other.resident.values, ds.resident.values)
    assert np.all(ds.fixations.values > 0)


def test_recorded_quantities_match_numpy_reference(run8):
    ds = run8
    res = ds.resident.values.reshape(-1, 5)
    from eqtools.strategies import apply_noise
    from solvers.payoffs import limit_of_means

    r = apply_noise(res, 0.01)
    ref = limit_of_means(r, r, "axelrod")
    np.testing.assert_allclose(ds.payoff.values.ravel(), ref.payoff_x, rtol=1e-10)
    np.testing.assert_allclose(ds.cooperation.values.ravel(), ref.coop_x, rtol=1e-10)


def test_neutral_acceptance_is_binomial_one_over_N():
    # selection 0: every mutant fixes with probability exactly 1/N, so the number of fixations per
    # run is Binomial(steps, 1/N); 8 runs x 1000 steps, N = 10 -> mean 100, sd of the mean 3.35.
    ds = evolve(EvolutionConfig(runs=8, seed=11, noise=0.01, selection=0.0, **{**BASE, "steps": 1000}))
    mean = float(ds.fixations.mean())
    sd = math.sqrt(1000 * 0.1 * 0.9 / 8)
    assert abs(mean - 100.0) < 4.5 * sd


def test_jax_kernel_matches_numpy_fixation_path():
    import jax
    import jax.numpy as jnp

    from solvers.evolution import _jax as K

    rng = np.random.default_rng(0)
    R, Mu = rng.uniform(size=(20, 5)), rng.uniform(size=(20, 5))
    @jax.jit
    def kernel(r, m, s_fermi, s_moran):
        a = K.pair_payoffs(r, m, 0.03, jnp.asarray([3.0, 0.0, 5.0, 1.0]), "limit", None, None)
        return K.log_fixation(*a, 17, "fermi", s_fermi), K.log_fixation(*a, 17, "moran", s_moran)

    with jax.enable_x64(True):
        out = kernel(jnp.asarray(R), jnp.asarray(Mu), 2.0, 0.5)
        for lr, (proc, s) in zip(out, (("fermi", 2.0), ("moran", 0.5))):
            lr = np.asarray(lr)
            for i in range(20):
                mg = meta_game(np.stack([R[i], Mu[i]]), "axelrod", limit=True, noise=0.03).payoff
                ref = fixation_probability(mg[0, 0], mg[0, 1], mg[1, 0], mg[1, 1], 17, proc, s)
                assert np.exp(lr[i]) == pytest.approx(float(ref), rel=1e-9)


def test_zd_fit_batch_matches_fit_zd():
    strategies = [named("Extort-2", "axelrod"), named("Generous-2", "axelrod"), named("TFT"), named("GTFT", "axelrod")]
    P = np.stack([s.vector for s in strategies] + list(np.random.default_rng(1).uniform(size=(4, 5))))
    batch = zd_fit_batch(P, "axelrod")
    for i, p in enumerate(P):
        f = fit_zd(p, "axelrod")
        assert batch["relative_residual"][i] == pytest.approx(f.relative_residual, abs=1e-10)
        if math.isfinite(f.chi):
            assert batch["chi"][i] == pytest.approx(f.chi, rel=1e-8)
        if math.isfinite(f.kappa):
            assert batch["kappa"][i] == pytest.approx(f.kappa, rel=1e-8, abs=1e-9)
    assert batch["chi"][0] == pytest.approx(2.0) and batch["kappa"][0] == pytest.approx(1.0)  # extortion: kappa = P
    assert batch["chi"][1] == pytest.approx(2.0) and batch["kappa"][1] == pytest.approx(3.0)  # generosity: kappa = R


def test_bad_config_names_the_field():
    with pytest.raises(ParameterError, match="initial"):
        EvolutionConfig(initial=(0, 0, 0, 0, 0), noise=0.0, criterion="limit").validate()
    with pytest.raises(ParameterError, match="record_every"):
        EvolutionConfig(steps=100, record_every=30).validate()
    with pytest.raises(ParameterError, match="pool_prob"):
        EvolutionConfig(pool_prob=0.5).validate()
    with pytest.raises(ParameterError, match="criterion"):
        EvolutionConfig(criterion="average").validate()
    with pytest.raises(ParameterError, match="horizon"):
        EvolutionConfig(criterion="finite").validate()
    # a boundary resident is fine with noise (the chain is then irreducible)
    EvolutionConfig(initial=(0, 0, 0, 0, 0), noise=0.01).validate()
