"""Strategy frequency estimation (Dal Bó & Fréchette 2011, AER; 2019, JEL) on recorded play.

Each unit (a subject when the log names them, else a match) plays one strategy of a finite
library throughout, and each of its decisions deviates from the action the strategy prescribes
on the actual history with an independent probability ``epsilon`` (the tremble).  The shares of
the strategies and the tremble are maximum-likelihood estimates (EM on the mixture), with
standard errors from a bootstrap over units.  Strategies that prescribe the same actions on every
recorded history cannot be told apart by the data; :class:`MixtureEstimate` lists them.

The library (:data:`STRATEGY_LIBRARY`) is the usual set: ALLC, ALLD, TFT, STFT, GRIM (cooperate
until either player defects, then defect forever), WSLS, TF2T (defect after two consecutive
defections of the co-player) and T2 (after a defection by either player, defect twice, then
return to cooperation).  Deterministic :class:`~eqtools.strategies.MemoryOne` strategies and
custom rules ``rule(own, other) -> prescribed actions`` (arrays ``(matches, L)``, 0 = C; the
prescription in round ``t`` may use only rounds before ``t``) can be added.
:func:`simulate_library_log` plays a planted mixture, for tests and studies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.special import logsumexp

from eqtools.errors import ParameterError
from eqtools.strategies import MemoryOne
from eqtools.validation import seed as check_seed

from .recorded import PlayLog, check_log as _check_log

__all__ = ["STRATEGY_LIBRARY", "prescribed_actions", "MixtureEstimate", "estimate_mixture", "simulate_library_log"]


# ----------------------------------------------------------------------------- strategy library

def _shift(a: np.ndarray, j: int, fill: int) -> np.ndarray:
    out = np.full_like(a, fill)
    if j < a.shape[1]:
        out[:, j:] = a[:, :-j]
    return out


def _allc(own, other):
    return np.zeros_like(own)


def _alld(own, other):
    return np.ones_like(own)


def _tft(own, other):
    return _shift(other, 1, 0)


def _stft(own, other):
    return _shift(other, 1, 1)


def _grim(own, other):
    # cooperate until either player has defected, then defect forever
    d = np.maximum(own, other).clip(0, 1)
    return _shift(np.maximum.accumulate(d, axis=1), 1, 0)


def _wsls(own, other):
    return np.where(_shift(own, 1, 0) == _shift(other, 1, 0), 0, 1).astype(own.dtype)


def _tf2t(own, other):
    return ((_shift(other, 1, 0) == 1) & (_shift(other, 2, 0) == 1)).astype(own.dtype)


def _t2(own, other):
    # cooperate until either player defects, then defect twice and return to cooperation
    # (whatever happens during the two punishment rounds)
    M, L = own.shape
    out = np.zeros_like(own)
    left = np.zeros(M, dtype=np.int64)
    punished = np.zeros(M, dtype=bool)  # the previous round was a punishment round
    for t in range(L):
        trig = (t > 0) & ~punished & (left == 0)
        if t > 0:
            trig &= (own[:, t - 1] == 1) | (other[:, t - 1] == 1)
        left = np.where(trig, 2, left)
        act = left > 0
        out[:, t] = act
        punished = act
        left = np.where(act, left - 1, 0)
    return out


#: The library of :func:`estimate_mixture` (Dal Bó & Fréchette's usual set): each maps the
#: recorded ``(matches, L)`` actions (0 = C) to the action it prescribes in every round.
STRATEGY_LIBRARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "ALLC": _allc, "ALLD": _alld, "TFT": _tft, "STFT": _stft, "GRIM": _grim, "WSLS": _wsls, "TF2T": _tf2t, "T2": _t2,
}


def _memory_one_rule(s: MemoryOne) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    v = s.vector
    if not s.is_deterministic:
        raise ParameterError(f"library strategy {s.name!r} must be deterministic (probabilities 0 or 1), got {v}")

    def rule(own, other):
        tok = np.zeros(own.shape, dtype=np.int64)
        tok[:, 1:] = 1 + 2 * own[:, :-1].clip(0, 1) + other[:, :-1].clip(0, 1)
        return (v[tok] == 0).astype(own.dtype)

    return rule


def _library(library: Any) -> dict[str, Callable]:
    if library is None:
        return dict(STRATEGY_LIBRARY)
    if isinstance(library, Mapping):
        items = list(library.items())
    elif isinstance(library, Sequence) and not isinstance(library, (str, bytes)):
        items = []
        for x in library:
            if isinstance(x, MemoryOne):
                items.append((x.name, x))
            elif isinstance(x, str) and x in STRATEGY_LIBRARY:
                items.append((x, STRATEGY_LIBRARY[x]))
            else:
                raise ParameterError(f"library entry {x!r}: use a name from {sorted(STRATEGY_LIBRARY)}, a deterministic "
                                     "MemoryOne, or a mapping name -> rule(own, other)")
    else:
        raise ParameterError(f"library must be a sequence of names/MemoryOne or a mapping name -> rule, got {type(library).__name__}")
    out = {}
    for name, rule in items:
        if isinstance(rule, MemoryOne):
            rule = _memory_one_rule(rule)
        if not callable(rule):
            raise ParameterError(f"library strategy {name!r} must be a rule(own, other) -> prescribed actions")
        out[str(name)] = rule
    if len(out) < 1:
        raise ParameterError("library is empty")
    return out


def prescribed_actions(log: PlayLog, library: Any = None) -> dict[str, np.ndarray]:
    """Per library strategy, the ``(matches, L)`` actions it prescribes on the recorded histories."""
    log = _check_log(log)
    out = {}
    for name, rule in _library(library).items():
        a = np.asarray(rule(log.own.copy(), log.other.copy()))
        if a.shape != log.own.shape:
            raise ParameterError(f"library strategy {name!r} returned shape {a.shape}, expected {log.own.shape}")
        out[name] = a
    return out


# ----------------------------------------------------------------------------- mixture (SFEM)

@dataclass(frozen=True)
class MixtureEstimate:
    """Strategy frequency estimation: ``shares`` (and bootstrap ``shares_se``) over ``names``,
    the tremble ``epsilon`` (``epsilon_se``), the maximised log-likelihood, the unit kind
    ("subject" or "match") and count, the units' posterior strategy probabilities, and
    ``indistinguishable``: groups of strategies that prescribe the same actions on all the data."""

    names: tuple[str, ...]
    shares: np.ndarray
    shares_se: np.ndarray
    epsilon: float
    epsilon_se: float
    loglik: float
    unit: str
    units: int
    bootstrap: int
    responsibilities: np.ndarray
    indistinguishable: tuple[tuple[str, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"strategies": {n: {"share": float(s), "se": float(e)} for n, s, e in zip(self.names, self.shares, self.shares_se)},
                "epsilon": self.epsilon, "epsilon_se": self.epsilon_se, "loglik": self.loglik, "unit": self.unit,
                "units": self.units, "bootstrap": self.bootstrap, "indistinguishable": [list(g) for g in self.indistinguishable]}


def _em(mis: np.ndarray, N: np.ndarray, phi: np.ndarray, eps: float, tol: float = 1e-10, max_iter: int = 10_000
        ) -> tuple[np.ndarray, float, float, np.ndarray]:
    ll_old = -np.inf
    for _ in range(max_iter):
        e = min(max(eps, 1e-12), 0.5)
        lw = np.log(np.maximum(phi, 1e-300)) + mis * math.log(e) + (N[:, None] - mis) * math.log1p(-e)
        lu = logsumexp(lw, axis=1)
        ll = float(lu.sum())
        r = np.exp(lw - lu[:, None])
        phi = r.mean(axis=0)
        eps = float((r * mis).sum() / (r * N[:, None]).sum())
        if ll - ll_old < tol * max(1.0, abs(ll)):
            break
        ll_old = ll
    return phi, min(max(eps, 0.0), 0.5), ll, r


def estimate_mixture(log: PlayLog, library: Any = None, *, bootstrap: int = 200, seed: int = 0,
                     unit: str | None = None) -> MixtureEstimate:
    """Dal Bó & Fréchette's strategy frequency estimation (see the module docstring).

    ``library``: names from :data:`STRATEGY_LIBRARY`, deterministic :class:`MemoryOne`
    strategies, or a mapping name -> ``rule(own, other)`` (default: the whole library).
    ``unit``: ``"subject"`` (needs the column) or ``"match"``; default subject when present.
    ``bootstrap``: resamples of units (0 skips the standard errors, which are then NaN)."""
    log = _check_log(log)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0 or bootstrap == 1:
        raise ParameterError(f"bootstrap must be 0 or an integer >= 2, got {bootstrap!r}")
    seed = check_seed("seed", seed)
    if unit is None:
        unit = "subject" if log.subject is not None else "match"
    if unit not in ("subject", "match"):
        raise ParameterError(f"unit must be 'subject' or 'match', got {unit!r}")
    if unit == "subject" and log.subject is None:
        raise ParameterError("unit='subject' needs a subject column in the log")
    pres = prescribed_actions(log, library)
    names = tuple(pres)
    mask = log.mask
    mis_match = np.stack([((pres[n] != log.own) & mask).sum(axis=1) for n in names], axis=1).astype(np.float64)
    n_match = mask.sum(axis=1).astype(np.float64)
    labels = log.subject if unit == "subject" else log.match_ids
    ids = list(dict.fromkeys(labels))
    idx = {u: i for i, u in enumerate(ids)}
    ui = np.array([idx[u] for u in labels])
    mis = np.zeros((len(ids), len(names)))
    np.add.at(mis, ui, mis_match)
    N = np.bincount(ui, weights=n_match, minlength=len(ids))
    phi0 = np.full(len(names), 1.0 / len(names))
    phi, eps, ll, r = _em(mis, N, phi0, 0.1)
    # groups of strategies with identical prescriptions on every recorded decision
    groups: list[list[str]] = []
    for n in names:
        for g in groups:
            if np.array_equal(np.where(mask, pres[n], 0), np.where(mask, pres[g[0]], 0)):
                g.append(n)
                break
        else:
            groups.append([n])
    same = tuple(tuple(g) for g in groups if len(g) > 1)
    se_phi = np.full(len(names), np.nan)
    se_eps = float("nan")
    if bootstrap:
        rng = np.random.default_rng(seed)
        bs_phi, bs_eps = [], []
        for _ in range(int(bootstrap)):
            pick = rng.integers(0, len(ids), len(ids))
            p, e, _, _ = _em(mis[pick], N[pick], phi.copy(), eps if eps > 0 else 0.01)
            bs_phi.append(p)
            bs_eps.append(e)
        se_phi = np.std(np.asarray(bs_phi), axis=0, ddof=1)
        se_eps = float(np.std(bs_eps, ddof=1))
    return MixtureEstimate(names, phi, se_phi, eps, se_eps, ll, unit, len(ids), int(bootstrap), r, same)


def simulate_library_log(strategies: Sequence[str], coplayers: Any, *, rounds: int = 20, matches_per_unit: int = 1,
                         epsilon: float = 0.05, library: Any = None, seed: int = 0, noise: float = 0.0) -> PlayLog:
    """A log of units that each play one library strategy with tremble ``epsilon``.

    ``strategies[u]`` is unit ``u``'s strategy; it plays ``matches_per_unit`` matches of
    ``rounds`` rounds, each against the memory-one co-player ``coplayers[u]`` (a ``(units, 5)``
    array, or one 5-vector for all).  Every decision follows the prescription on the actual
    history and flips with probability ``epsilon``; ``noise`` adds execution errors to the
    co-player's actions.  Units are labelled as subjects ``s0, s1, ...``."""
    from eqtools.strategies import validate_noise
    from eqtools.validation import positive_int

    rules = _library(library)
    if isinstance(strategies, (str, bytes)) or not hasattr(strategies, "__iter__"):
        raise ParameterError(f"strategies must be a list of strategy names, got {strategies!r}")
    strategies = [str(s) for s in strategies]
    bad = [s for s in strategies if s not in rules]
    if bad or not strategies:
        raise ParameterError(f"strategies must be names from {sorted(rules)}, got {bad or strategies}")
    eps = validate_noise(epsilon, what="epsilon")
    nz = validate_noise(noise)
    L = positive_int("rounds", rounds)
    per = positive_int("matches_per_unit", matches_per_unit)
    U = len(strategies)
    try:
        q = np.broadcast_to(np.asarray(coplayers, dtype=np.float64), (U, 5))
    except (TypeError, ValueError):
        raise ParameterError(f"coplayers must be memory-one vectors, shape (units, 5) or (5,), got {coplayers!r:.80}") from None
    if not np.all((q >= 0) & (q <= 1)):
        raise ParameterError("coplayers must be probabilities in [0, 1], shape (units, 5) or (5,)")
    rng = np.random.default_rng(check_seed("seed", seed))
    unit = np.repeat(np.arange(U), per)
    M = U * per
    own = np.zeros((M, L), dtype=np.int8)
    other = np.zeros((M, L), dtype=np.int8)
    qm = q[unit]
    for t in range(L):
        pres = np.empty(M, dtype=np.int8)
        for name in dict.fromkeys(strategies):
            sel = np.flatnonzero(np.asarray(strategies)[unit] == name)
            pres[sel] = rules[name](own[sel, : t + 1], other[sel, : t + 1])[:, t]
        a = np.where(rng.random(M) < eps, 1 - pres, pres)
        if t == 0:
            pc = qm[:, 0]
        else:  # the co-player's view: its own action first
            pc = qm[np.arange(M), 1 + 2 * other[:, t - 1] + own[:, t - 1]]
        b = (rng.random(M) >= pc).astype(np.int8)
        if nz:
            b = np.where(rng.random(M) < nz, 1 - b, b)
        own[:, t], other[:, t] = a, b
    return PlayLog(own, other, np.full(M, L), tuple(f"m{i}" for i in range(M)), None,
                   tuple(f"s{u}" for u in unit), "<simulated mixture>")
