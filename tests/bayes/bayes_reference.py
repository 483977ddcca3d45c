"""Independent plain-Python references for the Bayesian learner tests (no code shared with
learners.bayes beyond the prior's parameters): brute-force posteriors by numerical integration,
a scalar backward induction, a recursive lookahead and a full expectimax tree over histories."""

from __future__ import annotations

import itertools
import math

import numpy as np

R_PAPER = (1.0, -1.0, 2.0, 0.0)
SWAP = (0, 2, 1, 3)


def coplayer_context(prev_own: int | None, prev_other: int | None) -> int:
    """Co-player's context: 0 at the opening, else 1 + its own state (its action first)."""
    if prev_own is None:
        return 0
    return 1 + 2 * prev_other + prev_own


def history_likelihood(q, own, other) -> float:
    """P(co-player actions | learner actions) for a memory-one q (own order), plain loop."""
    lik = 1.0
    for t in range(len(own)):
        k = coplayer_context(own[t - 1], other[t - 1]) if t else 0
        lik *= q[k] if other[t] == 0 else 1 - q[k]
    return lik


def beta_pdf(x, a, b):
    return x ** (a - 1) * (1 - x) ** (b - 1) / (math.gamma(a) * math.gamma(b) / math.gamma(a + b))


def brute_predictive(components, weights, own, other):
    """Posterior predictive P(C | context) by numerical integration (scipy.integrate.quad of prior
    density x likelihood per context; contexts are independent within a Beta component) and
    explicit mixture weights from the history likelihood.

    ``components``: list of ("beta", a(5), b(5)) or ("point", q(5))."""
    from scipy.integrate import quad

    post_w, preds = [], []
    for comp, w in zip(components, weights):
        if comp[0] == "point":
            q = np.asarray(comp[1], float)
            post_w.append(w * history_likelihood(q, own, other))
            preds.append(q)
            continue
        a, b = comp[1], comp[2]
        ml, pr = 1.0, np.empty(5)
        for k in range(5):
            seq = [other[t] for t in range(len(own)) if (coplayer_context(own[t - 1], other[t - 1]) if t else 0) == k]

            def dens(x, seq=seq, k=k):
                lik = 1.0
                for o in seq:
                    lik *= x if o == 0 else 1 - x
                return beta_pdf(x, a[k], b[k]) * lik

            z = quad(dens, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
            ml *= z
            pr[k] = quad(lambda x: x * dens(x), 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)[0] / z
        post_w.append(w * ml)
        preds.append(pr)
    post_w = np.asarray(post_w) / np.sum(post_w)
    return (post_w[:, None] * np.asarray(preds)).sum(0), post_w


def ce_continuation(q, k: int, r=R_PAPER) -> list[float]:
    """Optimal payoff-to-go after each state (learner's view) with k rounds left vs memory-one q."""
    V = [0.0] * 4
    for _ in range(k):
        new = []
        for s in range(4):
            p = q[1 + SWAP[s]]
            new.append(max(p * (r[2 * a] + V[2 * a]) + (1 - p) * (r[2 * a + 1] + V[2 * a + 1]) for a in (0, 1)))
        V = new
    return V


def lookahead_q(predictive, counts, token: int, left: int, depth: int, r=R_PAPER):
    """Recursive depth-limited expectimax with CE leaves; ``predictive(counts) -> q (5,)``."""
    ctx_of = (0, 1, 3, 2, 4)

    def node(c, tok, lvl):
        if lvl >= left:
            return 0.0, 0.0
        q = predictive(c)
        ctx = ctx_of[tok]
        pc = q[ctx]
        out = []
        for a in (0, 1):
            tot = 0.0
            for b, pb in ((0, pc), (1, 1 - pc)):
                c2 = c.copy()
                c2[ctx, b] += 1
                s2 = 2 * a + b
                if lvl + 1 == depth:
                    cont = ce_continuation(predictive(c2), max(left - depth, 0), r)[s2]
                else:
                    cont = max(node(c2, 1 + s2, lvl + 1))
                tot += pb * (r[s2] + cont)
            out.append(tot)
        return tuple(out)

    return node(np.asarray(counts, float).copy(), token, 0)


def expectimax_value(predictive_hist, n: int, r=R_PAPER) -> float:
    """Bayes-optimal total value over n rounds by a full tree over histories (no count states):
    ``predictive_hist(own, other) -> P(co-player cooperates next)`` given the whole history."""

    def v(own, other):
        if len(own) == n:
            return 0.0
        pc = predictive_hist(own, other)
        best = -math.inf
        for a in (0, 1):
            tot = 0.0
            for b, pb in ((0, pc), (1, 1 - pc)):
                if pb == 0:
                    continue
                tot += pb * (r[2 * a + b] + v(own + (a,), other + (b,)))
            best = max(best, tot)
        return best

    return v((), ())


def all_histories(n: int):
    return itertools.product(itertools.product((0, 1), repeat=n), itertools.product((0, 1), repeat=n))
