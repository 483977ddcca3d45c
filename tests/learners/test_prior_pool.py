"""Tabular co-players drawn from a training prior (``tabular="prior:SPEC"``; issue 19, item 4c):
the JAX sampler against the numpy sampler of learners.bayes, validation, a run."""

import jax
import numpy as np
import pytest

from eqtools.errors import ParameterError
from learners.bayes import as_mixture
from learners.coplayers import prior_from_spec
from learners.pool import PoolSpec, prior_arrays, sample_tabular


@pytest.mark.parametrize("spec", ["recip-0.3", "partial-0.5", "tilt-5", "extort-0.2", "uniform"])
def test_prior_draws_match_the_numpy_sampler(spec):
    """Per context, the mean and the second moment of 20 000 JAX draws equal those of 20 000 draws of
    learners.bayes' numpy sampler within 4.5 s.e. of the difference (independent streams)."""
    n = 20000
    x = np.asarray(sample_tabular(jax.random.PRNGKey(1), PoolSpec(8, 1.0, "prior:" + spec), (n,)), np.float64)
    y = as_mixture(prior_from_spec(spec)).sample(n, seed=3)
    assert x.shape == (n, 5) and np.all((x >= 0) & (x <= 1))
    for f in (lambda v: v, lambda v: v ** 2):
        a, b = f(x), f(y)
        se = np.sqrt(a.var(0, ddof=1) / n + b.var(0, ddof=1) / n)
        assert np.all(np.abs(a.mean(0) - b.mean(0)) <= 4.5 * se + 1e-12), (spec, a.mean(0), b.mean(0), se)


def test_prior_pool_validation_and_cli(tmp_path, capsys):
    for bad in ("prior:", "prior:beta-2", "prior:recip-2", "prior:recip"):
        with pytest.raises(ParameterError, match="prior"):
            PoolSpec(8, 1.0, bad)
    assert prior_arrays("prior:recip-0.25").log_w0.shape == (2,)
    from eqtools.cli import main

    out = tmp_path / "m"
    base = ["train", "a2c", "--mode", "mechanism", "--horizon", "6", "--batch", "8", "--hidden", "8", "--embed", "8",
            "--eval-episodes", "4", "--seeds", "1", "--eval-every", "2", "--no-progress", "--no-plots", "--out", str(out)]
    assert main(base + ["--mechanism-iterations", "2,0,0", "--tabular", "prior:recip-0.3"]) == 0
    import json

    cfg = json.loads((out / "step1" / "config.json").read_text())
    assert cfg["tabular"] == "prior:recip-0.3"
    assert main(base + ["--mechanism-iterations", "2,0,0", "--tabular", "prior:nope-1"]) == 2
    assert "prior" in capsys.readouterr().err
