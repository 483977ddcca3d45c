"""The exact Bayes-optimal learner for short horizons: dynamic programming over count states.

Against a memory-one co-player drawn from a prior, the learner's information at the start of
round ``t >= 1`` is summarised exactly by

* the eight counts of the co-player's cooperations/defections in its four state contexts
  (CC, CD, DC, DD from its own view; they sum to ``t - 1``),
* the current state ``s`` (the last outcome from the learner's view, which fixes the co-player's
  next context), and
* for a mixture prior, the co-player's opening action (it reweights the components; a single Beta
  prior's opening parameter never matters again after round 0).

:class:`CountSpace` enumerates these states layer by layer (compositions of ``t - 1`` into eight
parts), with each state's successor indices and posterior predictive probabilities
(:func:`learners.bayes.prior.posterior`).  :func:`solve` runs the Bellman recursion backwards on
it (vectorised numpy, one layer at a time) and returns the Bayes-optimal decisions and value;
:func:`policy_tables` tabulates any :class:`~learners.bayes.policy.BayesPolicy` with a
deterministic rule (``ce``, ``lookahead``) on the same states, and :func:`evaluate` gives the
*exact* expected value of any such table by forward propagation of the state distribution —
against a fixed memory-one co-player ``q`` (per co-player, no simulation) or against the prior
(the prior average).

Sizes: ``sum_{m < n-1} C(m + 7, 7)`` count vectors (n = 10: 11 440; n = 15: 170 544; n = 20:
1 562 275; n = 25: 7 888 725), times 4 states (x 2 openings for mixtures).  Requests whose working
set exceeds ``max_bytes`` are refused up front with :class:`~eqtools.errors.SizeLimitError`.
Ties go to cooperation (tolerance ``1e-9 * rounds left * max|payoff|``), as everywhere in the package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eqtools.conventions import SWAP
from eqtools.errors import ParameterError, SizeLimitError
from eqtools.games import Game, preset

from .counts import _codes, _compositions
from .prior import as_mixture, posterior

__all__ = ["DEFAULT_MAX_BYTES", "CountSpace", "BayesDP", "estimate_bytes", "count_space", "solve", "policy_tables",
           "evaluate"]

#: Default working-set budget of :func:`count_space` (2 GiB).
DEFAULT_MAX_BYTES: int = 2 * 1024**3

_ROW = np.asarray(SWAP)  # learner state s -> row (co-player's own state index) of the count table


def _n_vectors(m: int) -> int:
    return math.comb(m + 7, 7)


def estimate_bytes(n: int, mixture: bool) -> int:
    """Working-set estimate (bytes) of :func:`count_space` + :func:`solve` for horizon ``n``:
    per count vector ~ 16 (counts) + 32 (successors) + 32 x openings (predictive) + 4 x openings
    (decisions), plus ~ 400 x openings bytes of temporaries for the largest layer."""
    from eqtools.validation import check_value, positive_int

    n = positive_int("n", n)
    check_value("mixture", bool, mixture)
    o = 2 if mixture else 1
    total = sum(_n_vectors(m) for m in range(max(n - 1, 0)))
    top = _n_vectors(max(n - 2, 0))
    return int(total * (16 + 32 + 32 * o + 4 * o) + top * 400 * o)


@dataclass
class CountSpace:
    """Count states of horizon ``n`` for ``prior``.

    ``layers[m]``: counts ``(N_m, 4, 2)`` (rows: the co-player's own states CC, CD, DC, DD; cols
    C/D) after ``m`` state-context observations (round ``t = m + 1``); ``succ[m]`` ``(N_m, 4, 2)``:
    index in layer ``m + 1`` after the co-player answers ``b`` in row ``r``; ``pred[m]``
    ``(N_m, O, 4)``: posterior P(C) per row given the opening ``o`` (O = 2 for mixtures, else 1);
    ``open_pred``: prior P(C) at the opening.
    """

    n: int
    prior: Any
    openings: int
    layers: list[np.ndarray]
    succ: list[np.ndarray]
    pred: list[np.ndarray]
    open_pred: float

    @property
    def n_states(self) -> int:
        return 1 + sum(len(c) * 4 * self.openings for c in self.layers)

    def index(self, counts: Any) -> tuple[int, int]:
        """``(layer, index)`` of a count table ``(4, 2)`` (or ``(5, 2)`` with the opening row first)."""
        c = np.asarray(counts, dtype=np.int64)
        if c.shape == (5, 2):
            c = c[1:]
        if c.shape != (4, 2) or np.any(c < 0):
            raise ParameterError(f"counts must be a (4, 2) or (5, 2) table of non-negative counts, got shape {c.shape}")
        m = int(c.sum())
        if m >= len(self.layers):
            raise ParameterError(f"counts sum to {m}, beyond the last layer ({len(self.layers) - 1}) of horizon {self.n}")
        code = _codes(c.reshape(1, 8), self.n)[0]
        codes = _codes(self.layers[m].reshape(-1, 8), self.n)
        i = int(np.searchsorted(codes, code))
        return m, i


def count_space(prior: Any, n: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CountSpace:
    """Enumerate the count states of horizon ``n`` for ``prior`` (see the module docstring)."""
    from eqtools.validation import positive_int

    n = positive_int("n", n)
    max_bytes = positive_int("max_bytes", max_bytes)
    mix = as_mixture(prior)
    O = 2 if len(mix.components) > 1 else 1
    need = estimate_bytes(n, O == 2)
    if need > max_bytes:
        fits = max((k for k in range(1, n) if estimate_bytes(k, O == 2) <= max_bytes), default=0)
        raise SizeLimitError(
            f"n: the exact Bayes DP for n = {n} rounds needs ~{need / 2**30:.2f} GiB "
            f"({sum(_n_vectors(m) for m in range(n - 1)) * 4 * O:,} states), above max_bytes = {max_bytes / 2**30:.2f} GiB; "
            f"n <= {fits} fits this budget (raise max_bytes, or use BayesPolicy's lookahead for long horizons)")
    layers, pred = [], []
    for m in range(max(n - 1, 0)):
        c = _compositions(m).reshape(-1, 4, 2)
        layers.append(c)
        full = np.zeros((len(c), O, 5, 2))
        full[:, :, 1:] = c[:, None]
        if O == 2:
            full[:, 0, 0, 0] = 1  # opening C
            full[:, 1, 0, 1] = 1  # opening D
        pred.append(posterior(mix, full).predictive[..., 1:].astype(np.float64))
    succ = []
    for m in range(len(layers) - 1):
        nxt = _codes(layers[m + 1].reshape(-1, 8), n)  # lexicographic compositions: codes are sorted?
        order = np.argsort(nxt, kind="stable")
        s = np.empty(layers[m].shape, dtype=np.int32)
        base = layers[m].reshape(-1, 8).astype(np.int64)
        for r in range(4):
            for b in range(2):
                c2 = base.copy()
                c2[:, 2 * r + b] += 1
                code = _codes(c2, n)
                pos = np.searchsorted(nxt, code, sorter=order)
                s[:, r, b] = order[pos]
        succ.append(s)
    if layers:
        succ.append(np.zeros(layers[-1].shape, dtype=np.int32))  # unused: the last round has no successor
    open_pred = float(posterior(mix, np.zeros((5, 2))).predictive[0])
    return CountSpace(n, prior, O, layers, succ, pred, open_pred)


@dataclass
class BayesDP:
    """Decisions (0 = C, 1 = D) on a :class:`CountSpace` and (for :func:`solve`) the optimal value.

    ``open_action``: the round-0 action; ``decisions[m]`` ``(N_m, 4, O)``: the action in round
    ``m + 1`` at count vector ``i`` of layer ``m`` after state ``s`` with opening ``o``.
    ``value``: mean payoff per round under the prior (``nan`` for a tabulated policy until
    :func:`evaluate`); ``ties``: number of states where both actions were optimal."""

    space: CountSpace
    open_action: int
    decisions: list[np.ndarray]
    value: float = float("nan")
    q_open: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    ties: int = 0
    label: str = "Bayes-optimal (exact DP)"

    def action(self, t: int, counts: Any, state: int, opening: int = 0) -> int:
        """The decision in round ``t`` given the counts, the current state and the co-player's opening."""
        if t == 0:
            return self.open_action
        m, i = self.space.index(counts)
        if m != t - 1:
            raise ParameterError(f"counts sum to {m}, but round {t} has {t - 1} observations")
        return int(self.decisions[m][i, int(state), int(opening) if self.space.openings == 2 else 0])


def _payoffs(game: Any) -> tuple[Game, np.ndarray, float]:
    g = preset(game)
    r = np.asarray(g.payoffs, dtype=np.float64)
    return g, r, 1e-9 * max(1.0, float(np.abs(r).max()))


def solve(space: CountSpace, game: Game | str = "paper") -> BayesDP:
    """Bayes-optimal decisions and value by backward induction over ``space``."""
    from eqtools.validation import instance_of

    instance_of("space", space, CountSpace, "CountSpace (learners.bayes.dp.count_space)")
    g, r, tol = _payoffs(game)
    n, O = space.n, space.openings
    L = len(space.layers)
    decisions: list[np.ndarray] = [np.empty(0)] * L
    V_next = None  # (N_{m+1}, 4, O)
    ties = 0
    for m in range(L - 1, -1, -1):
        left = n - (m + 1)  # rounds left including this one
        pc = space.pred[m][:, :, _ROW]  # (N, O, 4 states) P(C) of the co-player after learner state s
        pc = np.moveaxis(pc, 1, 2)  # (N, 4, O)
        q = []
        for a in (0, 1):
            if V_next is None:
                vc, vd = r[2 * a], r[2 * a + 1]
            else:  # successor values after answer b in state s, landing in state 2a + b: (N, 4, O)
                vc = r[2 * a] + V_next[space.succ[m][:, _ROW, 0], 2 * a]
                vd = r[2 * a + 1] + V_next[space.succ[m][:, _ROW, 1], 2 * a + 1]
            q.append(pc * vc + (1 - pc) * vd)
        coop = q[0] >= q[1] - tol * left
        ties += int(np.count_nonzero(np.abs(q[0] - q[1]) <= tol * left))
        decisions[m] = np.where(coop, 0, 1).astype(np.int8)
        V_next = np.where(coop, q[0], q[1])
    # round 0
    p0 = space.open_pred
    qo = np.empty(2)
    for a in (0, 1):
        tot = 0.0
        for b, pb in ((0, p0), (1, 1 - p0)):
            s = 2 * a + b
            v = 0.0 if V_next is None else float(V_next[0, s, b if O == 2 else 0])
            tot += pb * (r[s] + v)
        qo[a] = tot
    open_action = 0 if qo[0] >= qo[1] - tol * n else 1
    return BayesDP(space, open_action, decisions, float(qo.max()) / n, qo, ties)


def policy_tables(space: CountSpace, policy: Any, chunk: int = 65536) -> BayesDP:
    """Tabulate a deterministic :class:`~learners.bayes.policy.BayesPolicy` (``ce`` or
    ``lookahead``, same prior and horizon as ``space``) on every count state (float64), so that
    :func:`evaluate` gives its exact value."""
    import jax
    import jax.numpy as jnp

    from .policy import BayesPolicy, _lookahead_q, _mean, plan_q_jnp

    from eqtools.validation import bounded_int, instance_of

    instance_of("space", space, CountSpace, "CountSpace (learners.bayes.dp.count_space)")
    if not isinstance(policy, BayesPolicy):
        raise ParameterError(f"policy must be a BayesPolicy, got {type(policy).__name__}")
    if policy.rule not in ("ce", "lookahead"):
        raise ParameterError(f"policy.rule must be 'ce' or 'lookahead' (deterministic) to tabulate, got {policy.rule!r}")
    if policy.horizon != space.n:
        raise ParameterError(f"policy.horizon ({policy.horizon}) must equal the count space's n ({space.n})")
    chunk = bounded_int("chunk", chunk, 2**22, "count states are tabulated in chunks padded to this size")
    mix = as_mixture(space.prior)
    with jax.enable_x64(True):
        arr = policy._arrays.jnp(jnp.float64)
        r = jnp.asarray(policy.game.payoffs, jnp.float64)
        tol = policy._tol(jnp.float64)

        @jax.jit
        def decide(counts, logw, tok, left):
            if policy.rule == "ce":
                q = _mean(arr, counts, logw)
                qc, qd = plan_q_jnp(q, tok, left, r)
            else:
                qc, qd = _lookahead_q(arr, counts, logw, tok, left, r, policy.depth)
            return jnp.where(qc >= qd - tol * left, 0, 1)

        def run(counts_full, toks, left):
            post = posterior(mix, counts_full)
            out = np.empty(len(toks), dtype=np.int8)
            for lo in range(0, len(toks), chunk):
                hi = min(len(toks), lo + chunk)
                pad = chunk - (hi - lo)
                c = np.concatenate([counts_full[lo:hi], np.zeros((pad, 5, 2))])
                w = np.concatenate([post.log_weights[lo:hi], np.zeros((pad, post.log_weights.shape[-1]))])
                tk = np.concatenate([toks[lo:hi], np.ones(pad, dtype=np.int32)])
                out[lo:hi] = np.asarray(decide(jnp.asarray(c), jnp.asarray(w), jnp.asarray(tk), jnp.asarray(left)))[: hi - lo]
            return out

        decisions = []
        O = space.openings
        for m, c in enumerate(space.layers):
            N = len(c)
            full = np.zeros((N, 4, O, 5, 2))
            full[:, :, :, 1:] = c[:, None, None]
            if O == 2:
                full[:, :, 0, 0, 0] = 1
                full[:, :, 1, 0, 1] = 1
            toks = np.broadcast_to((1 + np.arange(4))[None, :, None], (N, 4, O)).astype(np.int32)
            d = run(full.reshape(-1, 5, 2), toks.reshape(-1), space.n - (m + 1))
            decisions.append(d.reshape(N, 4, O))
        d0 = run(np.zeros((1, 5, 2)), np.zeros(1, dtype=np.int32), space.n)
    return BayesDP(space, int(d0[0]), decisions, label=policy.name)


def evaluate(dp: BayesDP, game: Game | str = "paper", q: Any = None, chunk: int = 16) -> np.ndarray | float:
    """Exact mean payoff per round of the tabulated decisions ``dp``.

    ``q`` ``(K, 5)`` memory-one co-players: one exact value per co-player (forward propagation of
    the distribution over the count states it reaches).  ``q = None``: against the prior (its
    predictive), i.e. the prior-averaged value (equals ``dp.value`` for :func:`solve`).
    ``chunk`` is kept for compatibility (co-players are propagated one at a time, sparsely)."""
    from eqtools.validation import float_array, instance_of

    instance_of("dp", dp, BayesDP, "BayesDP (learners.bayes.dp.solve or policy_tables)")
    g, r, _ = _payoffs(game)
    space = dp.space
    n, O = space.n, space.openings
    if q is None:
        return float(_forward(dp, r, None)[0]) / n
    Q = float_array("q", q)
    if Q.ndim == 1:
        Q = Q[None]
    if Q.ndim != 2 or Q.shape[1] != 5 or not np.all(np.isfinite(Q)) or np.any((Q < 0) | (Q > 1)):
        raise ParameterError(f"q must be (K, 5) probabilities, got shape {np.shape(q)}")
    return _forward(dp, r, Q) / n


def _forward(dp: BayesDP, r: np.ndarray, Q: np.ndarray | None) -> np.ndarray:
    """Expected total payoff(s): dense propagation of the distribution over count states against
    the prior predictive (``Q = None``), sparse propagation (only the reachable states) per fixed
    co-player otherwise."""
    if Q is not None:
        return np.array([_forward_sparse(dp, r, q) for q in Q])
    space = dp.space
    O = space.openings
    a0 = dp.open_action
    p0 = space.open_pred
    if not space.layers:  # n == 1
        return np.array([p0 * r[2 * a0] + (1 - p0) * r[2 * a0 + 1]])
    total = 0.0
    P = np.zeros((1, 4, O))
    for b, pb in ((0, p0), (1, 1 - p0)):
        P[0, 2 * a0 + b, b if O == 2 else 0] += pb
        total += pb * r[2 * a0 + b]
    for m in range(len(space.layers)):
        act = dp.decisions[m]  # (N, 4, O)
        pc = np.moveaxis(space.pred[m][:, :, _ROW], 1, 2)  # (N, 4, O)
        last = m == len(space.layers) - 1
        Pn = None if last else np.zeros(len(space.layers[m + 1]) * 4 * O)
        for b in (0, 1):
            mass = P * (pc if b == 0 else 1 - pc)
            s2 = 2 * act + b
            total += float((mass * r[s2]).sum())
            if not last:
                nxt = space.succ[m][:, _ROW, b]  # (N, 4)
                flat = (nxt[:, :, None] * 4 + s2) * O + np.arange(O)[None, None, :]
                Pn += np.bincount(flat.ravel(), weights=mass.ravel(), minlength=Pn.size)
        if not last:
            P = Pn.reshape(len(space.layers[m + 1]), 4, O)
    return np.array([total])


def _forward_sparse(dp: BayesDP, r: np.ndarray, q: np.ndarray) -> float:
    """Expected total payoff against one memory-one ``q``, carrying only reachable count states
    (flat indices ``(count vector, state, opening)`` with their probabilities)."""
    space = dp.space
    O = space.openings
    a0 = dp.open_action
    total = 0.0
    idx, mass = [], []
    for b, pb in ((0, q[0]), (1, 1 - q[0])):
        total += pb * r[2 * a0 + b]
        if pb > 0 and space.layers:
            idx.append((0 * 4 + 2 * a0 + b) * O + (b if O == 2 else 0))
            mass.append(pb)
    if not space.layers:
        return float(total)
    idx_a, mass_a = np.asarray(idx, dtype=np.int64), np.asarray(mass)
    qs = q[1 + _ROW]  # P(C) of the co-player after each learner state s
    for m in range(len(space.layers)):
        o = idx_a % O
        s = (idx_a // O) % 4
        i = idx_a // (4 * O)
        act = dp.decisions[m][i, s, o].astype(np.int64)
        last = m == len(space.layers) - 1
        new_idx, new_mass = [], []
        for b in (0, 1):
            pb = qs[s] if b == 0 else 1 - qs[s]
            w = mass_a * pb
            s2 = 2 * act + b
            total += float((w * r[s2]).sum())
            if not last:
                keep = w > 0
                nxt = space.succ[m][i[keep], _ROW[s[keep]], b].astype(np.int64)
                new_idx.append((nxt * 4 + s2[keep]) * O + o[keep])
                new_mass.append(w[keep])
        if not last:
            cat = np.concatenate(new_idx)
            uniq, inv = np.unique(cat, return_inverse=True)
            mass_a = np.bincount(inv, weights=np.concatenate(new_mass), minlength=len(uniq))
            idx_a = uniq
    return float(total)
