"""The two tolerance conventions of solvers.bimatrix.verify: the certified rounding bound against
exact rational arithmetic, and what each convention accepts."""

from fractions import Fraction

import numpy as np
import pytest

from eqtools.errors import ParameterError
from solvers.bimatrix import CERTIFIED, PLAIN, EquilibriumCheck, is_equilibrium, verify_equilibrium


def _exact_gains(A, B, x, y):
    """max_i (Ay)_i - xAy and max_j (xB)_j - xBy in exact rationals of the float inputs."""
    F = np.vectorize(Fraction)
    A, B, x, y = F(A), F(B), F(x), F(y)
    Ay, xB = A.dot(y), x.dot(B)
    return max(Ay) - x.dot(Ay), max(xB) - xB.dot(y)


def test_certified_bound_covers_the_rounding_of_the_gains():
    rng = np.random.default_rng(23)
    for _ in range(40):
        m, n = rng.integers(2, 7, size=2)
        scale = 10.0 ** rng.integers(-3, 4)
        A, B = scale * rng.standard_normal((m, n)), scale * rng.standard_normal((m, n))
        x, y = rng.dirichlet(np.ones(m)), rng.dirichlet(np.ones(n))
        x[-1] = 1.0 - x[:-1].sum()
        y[-1] = 1.0 - y[:-1].sum()
        if x.min() < 0 or y.min() < 0:
            continue
        ok, gr, gc, bound = verify_equilibrium((A, B), x, y, tol=1.0)
        er, ec = _exact_gains(A, B, x, y)
        assert bound > 0
        assert abs(Fraction(gr) - max(er, 0)) <= Fraction(bound)
        assert abs(Fraction(gc) - max(ec, 0)) <= Fraction(bound)


def test_what_each_convention_accepts():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])  # prisoner's dilemma: (D, D) is the equilibrium
    dd = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert is_equilibrium(A, *dd) and verify_equilibrium(A, *dd)[0]
    near = (np.array([-5e-10, 1.0 + 5e-10]), np.array([0.0, 1.0]))  # off a distribution by rounding-size amounts
    assert is_equilibrium(A, *near)
    assert not verify_equilibrium(A, *near)[0]
    assert not is_equilibrium(A, np.array([0.5, 0.5]), np.array([0.0, 1.0]))
    assert PLAIN.default_tol == 1e-7 and CERTIFIED.default_tol == 1e-9
    assert not PLAIN.rounding_bound and CERTIFIED.rounding_bound


@pytest.mark.parametrize("kw", [dict(default_tol=-1.0), dict(sum_error=float("nan")), dict(negative_entry="x"),
                                dict(rounding_bound=1), dict(name=3)])
def test_convention_rejects_bad_fields(kw):
    fields = dict(name="mine", default_tol=1e-8, negative_entry=0.0, sum_error=1e-12, rounding_bound=True)
    with pytest.raises(ParameterError):
        EquilibriumCheck(**{**fields, **kw})
