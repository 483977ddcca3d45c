"""Exact rational evaluation of discounted memory-one MDPs (private helper of best_response).

As ``gamma -> 1`` the normalised discounted values of two actions differ only by ``O(1 - gamma)``
while the values themselves are ``O(1)``; in float64 that difference drowns in round-off at
``1 - gamma ~ 1e-12``.  Every input here is a float, i.e. an exact dyadic rational, so the 4 x 4
policy-evaluation systems are solved exactly with :class:`fractions.Fraction` (``I - gamma P`` is
strictly diagonally dominant, so elimination needs no pivoting).  Tie decisions then compare
``(Q(a) - Q(a')) / (1 - gamma)`` -- the advantage in the currency of a single round -- with a
tolerance that does not depend on ``gamma``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

F = Fraction

# X's observations: 0 = opening, 1..4 = previous state CC, CD, DC, DD (X's view).


def _fr(x: float) -> Fraction:
    return Fraction(float(x))


def coplayer_coop(q: Sequence[float], eps: Fraction) -> list[Fraction]:
    """Y's *actual* cooperation probability in each of X's observations (noise applied exactly).

    Y's own view swaps CD and DC, so after X's state CD Y uses its DC reaction.
    """
    q0, qcc, qcd, qdc, qdd = (_fr(v) for v in q)
    intended = [q0, qcc, qdc, qcd, qdd]
    return [(1 - eps) * v + eps * (1 - v) for v in intended]


def transitions(xc: Fraction, yc: Fraction) -> list[Fraction]:
    """Distribution over the next state (CC, CD, DC, DD) when X's actual C-probability is ``xc``."""
    xd, yd = 1 - xc, 1 - yc
    return [xc * yc, xc * yd, xd * yc, xd * yd]


def _solve(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    n = len(b)
    A = [row[:] for row in A]
    b = b[:]
    for k in range(n):
        piv = A[k][k]
        for i in range(k + 1, n):
            f = A[i][k] / piv
            if f:
                for j in range(k, n):
                    A[i][j] -= f * A[k][j]
                b[i] -= f * b[k]
    x = [F(0)] * n
    for i in range(n - 1, -1, -1):
        s = b[i] - sum(A[i][j] * x[j] for j in range(i + 1, n))
        x[i] = s / A[i][i]
    return x


class DiscountedMDP:
    """X's MDP against a fixed memory-one co-player, discounted, exact.

    ``r``: payoffs (R, S, T, P) as floats; ``q``: co-player's memory-one vector; ``gamma`` in
    (0, 1); ``eps``: execution-error rate of both players.
    """

    def __init__(self, r: Sequence[float], q: Sequence[float], gamma: float, eps: float) -> None:
        self.r = [_fr(v) for v in r]
        self.gamma = _fr(gamma)
        self.eps = _fr(eps)
        self.yc = coplayer_coop(q, self.eps)

    def x_actual(self, pc: Fraction) -> Fraction:
        """X's actual C-probability when it intends C with probability ``pc``."""
        return (1 - self.eps) * pc + self.eps * (1 - pc)

    def row(self, obs: int, pc: Fraction) -> list[Fraction]:
        return transitions(self.x_actual(pc), self.yc[obs])

    def evaluate(self, pcs: Sequence[Fraction]) -> list[Fraction]:
        """Unnormalised values ``u(s) = E[sum_t gamma^t r_t]`` after each state CC..DD for the
        (possibly stochastic) policy ``pcs[s]`` = P(X intends C after state s), s = 0..3."""
        g = self.gamma
        A, b = [], []
        for s in range(4):
            P = self.row(s + 1, pcs[s])
            A.append([(1 if s == t else 0) - g * P[t] for t in range(4)])
            b.append(sum(P[t] * self.r[t] for t in range(4)))
        return _solve(A, b)

    def q_unnormalised(self, obs: int, pc: Fraction, u: Sequence[Fraction]) -> Fraction:
        """``E[r + gamma u(next)]`` at observation ``obs`` when X intends C with probability ``pc``."""
        P = self.row(obs, pc)
        return sum(P[t] * (self.r[t] + self.gamma * u[t]) for t in range(4))

    def opening_value(self, p: Sequence[float]) -> Fraction:
        """Normalised discounted payoff ``(1 - gamma) E[sum_t gamma^t r_t]`` of the memory-one
        vector ``p`` (opening first) from the start of the game."""
        pcs = [_fr(v) for v in p]
        u = self.evaluate(pcs[1:])
        return (1 - self.gamma) * self.q_unnormalised(0, pcs[0], u)
