"""Evolution entry points held to the error policy (issue 22): each example of the issue raises a
named error up front, or returns a value checked against an independent route."""

from __future__ import annotations

import numpy as np
import pytest

from eqtools import named
from eqtools.errors import ChainError, EqtoolsError, GameError, OutputPathError, ParameterError, SizeLimitError
from solvers.evolution.adaptive import adaptive_dynamics, selection_gradient
from solvers.evolution.continuous import EvolutionConfig, evolve
from solvers.evolution.finite import (
    fixation_probability,
    meta_game,
    simulate_fixation,
    stationary_distribution,
)
from solvers.payoffs import finite_horizon

M = np.array([[3.0, 0.0], [5.0, 1.0]])


@pytest.mark.parametrize("N", [10**9, 10**18])
def test_huge_population_refused_up_front(N):
    with pytest.raises(SizeLimitError, match=r"N = .*(alpharank|smaller N)"):
        stationary_distribution(M, N=N)
    with pytest.raises(SizeLimitError, match="N ="):
        fixation_probability(3.0, 0.0, 5.0, 1.0, N)


def test_large_population_still_served_and_neutral():
    # equal payoffs: the neutral value 1/N, exactly the closed form, at the largest size served
    N = 10**6
    assert fixation_probability(1.0, 1.0, 1.0, 1.0, N) == pytest.approx(1.0 / N, rel=1e-9)


@pytest.mark.parametrize("bad,err", [
    ([[3.0, 0.0], [5.0]], ParameterError),        # ragged
    ([["a", "b"], ["c", "d"]], ParameterError),  # strings
    ("M", ParameterError),
])
def test_bad_meta_game_matrix(bad, err):
    with pytest.raises(err, match="M"):
        stationary_distribution(bad, N=10)


def test_duplicate_labels_refused():
    with pytest.raises(ParameterError, match="distinct"):
        stationary_distribution(M, N=10, labels=["a", "a"])
    with pytest.raises(ParameterError, match="distinct"):
        meta_game([named("TFT"), named("TFT")], "paper", gamma=0.9)


@pytest.mark.parametrize("kwargs,field", [
    ({"runs": -1}, "runs"), ({"runs": 0}, "runs"), ({"runs": "5"}, "runs"), ({"seed": -1}, "seed"),
    ({"a_mr": "x"}, "a_mr"), ({"a_mm": float("nan")}, "a_mm"),
])
def test_simulate_fixation_refuses(kwargs, field):
    args = {"a_rr": 3.0, "a_rm": 0.0, "a_mr": 5.0, "a_mm": 1.0, "N": 5, "runs": 10, **kwargs}
    with pytest.raises(ParameterError, match=field):
        simulate_fixation(**args)


@pytest.mark.parametrize("kwargs,field", [
    ({"game": "nope"}, "nope"), ({"game": (3.0, 0.0, 5.0)}, "game"), ({"game": (3.0, float("nan"), 5.0, 1.0)}, "S|payoff"),
    ({"seed": -1}, "seed"), ({"sigma": "0.1"}, "sigma"), ({"runs": -3}, "runs"), ({"runs": 0}, "runs"),
    ({"process": 3}, "process"), ({"pool_prob": 2.0}, "pool_prob"), ({"steps": 10**12}, "steps"),
])
def test_evolution_config_validate_refuses(kwargs, field):
    with pytest.raises(EqtoolsError, match=field):
        EvolutionConfig(**kwargs).validate()


def test_evolve_finite_horizon_huge_n_uses_the_log_kernel():
    # n = 10**9 runs through the O(log n) doubling route; the resident's self-play payoff matches the
    # numpy kernel of solvers.payoffs.finite_horizon (a different implementation)
    cfg = EvolutionConfig(criterion="finite", n=10**9, steps=4, runs=2, record_every=2, N=10,
                          initial=(1.0, 0.9, 0.2, 0.8, 0.1))
    ds = evolve(cfg)
    res = ds.resident.isel(time=-1).values
    for r, pay in zip(res, ds.payoff.isel(time=-1).values):
        ref = float(finite_horizon(r, r, "paper", 10**9).payoff_x)
        assert pay == pytest.approx(ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kwargs", [{"t_max": 1e6, "dt": 1e-3}, {"t_max": 1.0, "dt": 1e-320}])
def test_adaptive_dynamics_step_count_refused_up_front(kwargs):
    with pytest.raises(SizeLimitError, match="t_max / dt"):
        adaptive_dynamics(named("TFT").vector, "paper", gamma=0.9, **kwargs)


@pytest.mark.parametrize("kwargs,field", [({"dt": "0.1"}, "dt"), ({"t_max": float("nan")}, "t_max"),
                                          ({"method": "rk5"}, "method"), ({"record_every": 0}, "record_every")])
def test_adaptive_dynamics_bad_settings(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        adaptive_dynamics(named("TFT").vector, "paper", gamma=0.9, **kwargs)


@pytest.mark.parametrize("name", ["TFT", "ALLD", "GRIM"])
def test_selection_gradient_at_reducible_resident_is_refused(name):
    with pytest.raises(ChainError, match="reducible"):
        selection_gradient(named(name).vector, "paper", limit=True)


def test_selection_gradient_with_noise_matches_finite_differences():
    # an independent route: central differences of the exact numpy limit payoff pi(p', p)
    from solvers.payoffs import limit_of_means

    p = np.array([1.0, 0.9, 0.2, 0.7, 0.3])  # interior: central differences stay inside the box
    eps = 0.01
    grad = selection_gradient(p, "paper", limit=True, noise=eps)
    assert np.all(np.isfinite(grad)) and grad[0] == 0.0
    h = 1e-6
    for k in range(1, 5):
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        fd = (float(limit_of_means(up, p, "paper", noise=eps).payoff_x)
              - float(limit_of_means(dn, p, "paper", noise=eps).payoff_x)) / (up[k] - dn[k])
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def test_cli_evolve_run_checks_output_before_computing(monkeypatch, capsys):
    import solvers.evolution as evo
    from eqtools.cli import main

    def boom(*a, **k):  # the computation must not start
        raise AssertionError("evolve ran before the output path was checked")

    monkeypatch.setattr(evo, "evolve", boom)
    rc = main(["evolve", "run", "--runs", "2", "--steps", "2", "--record-every", "1", "--no-progress",
               "-o", "/proc/nope/x.nc"])
    assert rc == 2
    assert "-o/--out" in capsys.readouterr().err
