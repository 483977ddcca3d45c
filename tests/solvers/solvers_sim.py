"""Monte Carlo simulation of memory-one play, written independently of solvers.payoffs.

Used by the solver tests as an independent route: plain sampling of actions round by round.
"""

from __future__ import annotations

import numpy as np

# X's state s = 2 a_x + a_y; Y's own-view state is 2 a_y + a_x.


def simulate(policy_x, q, payoffs, rounds, episodes, rng, weights=None, time_policy=None):
    """Return per-episode weighted reward sums for X.

    ``policy_x``: 5-vector of P(C) (opening, CC, CD, DC, DD) or None when ``time_policy``
    ((rounds, 5) array, row t used in round t) is given.  ``q``: Y's 5-vector (own view).
    ``weights``: per-round weights (default 1).
    """
    q = np.asarray(q, float)
    r = np.asarray(payoffs, float)
    if weights is None:
        weights = np.ones(rounds)
    total = np.zeros(episodes)
    sx = None
    for t in range(rounds):
        px = time_policy[t] if time_policy is not None else np.asarray(policy_x, float)
        if t == 0:
            cx = rng.random(episodes) < px[0]
            cy = rng.random(episodes) < q[0]
        else:
            ax_prev, ay_prev = sx // 2, sx % 2
            sy = 2 * ay_prev + ax_prev
            cx = rng.random(episodes) < px[1 + sx]
            cy = rng.random(episodes) < q[1 + sy]
        ax = (~cx).astype(int)
        ay = (~cy).astype(int)
        sx = 2 * ax + ay
        total += weights[t] * r[sx]
    return total
