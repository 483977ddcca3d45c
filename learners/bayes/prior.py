"""Priors over a memory-one co-player and their exact posteriors (numpy and JAX).

A memory-one co-player ``q = (q0; q_CC, q_CD, q_DC, q_DD)`` (its *own* view, own action first)
acts in one of five **contexts**: the opening (index 0) or the previous joint outcome seen from
its side (index ``1 + state``).  The learner sees every outcome, so it knows the context of each
co-player action: at round ``t >= 1`` the co-player's context is ``1 + 2*other[t-1] + own[t-1]``
(the learner's state with CD and DC swapped).  A history is summarised by **counts**
``(..., 5, 2)``: ``counts[..., k, 0]`` = co-player cooperations in context ``k``,
``counts[..., k, 1]`` = its defections (:func:`counts_from_history`).

Priors:

* :class:`BetaPrior` — independent ``Beta(a_k, b_k)`` per context (``BetaPrior.uniform()`` =
  U(0,1)^5, the paper's training distribution).  Conjugate: the posterior is
  ``Beta(a_k + #C_k, b_k + #D_k)``.
* :class:`PointPrior` — a known memory-one strategy (optionally with a Dal Bó–Fréchette tremble:
  each intended action flips with probability ``tremble``).
* :class:`MixturePrior` — a finite mixture of the two.  It stays a mixture: component ``m``'s
  weight is multiplied by its marginal likelihood of the counts (closed form: a ratio of Beta
  functions for a Beta component, ``prod q^#C (1-q)^#D`` for a point component), computed in
  log space.  The opening counts enter the weights (they identify e.g. TFT vs STFT).

Every prior is turned into one array form (:meth:`MixturePrior.arrays`, a Beta prior is a mixture
of one) used by both the numpy functions (:func:`posterior`) and the JAX ones
(:func:`log_weights_jnp`, :func:`predictive_jnp`) of the policy.  If a history has zero
probability under every component (only possible without a Beta component), the weights fall
back to the prior weights (stated, never NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import betaln, xlogy

from eqtools.errors import InvalidProbabilityError, ParameterError
from eqtools.strategies import MemoryOne, named
from eqtools.validation import real_array

__all__ = [
    "BetaPrior",
    "PointPrior",
    "MixturePrior",
    "PriorArrays",
    "Posterior",
    "as_mixture",
    "reciprocator_prior",
    "tilted_prior",
    "extortion_prior",
    "counts_from_history",
    "posterior",
    "log_weights_jnp",
    "predictive_jnp",
    "component_predictive_jnp",
]


def _beta_params(name: str, value: Any) -> tuple[float, ...]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a positive number or 5 positive numbers, got {value!r}") from None
    if isinstance(value, (str, bytes, bool)) or arr.dtype == bool:
        raise ParameterError(f"{name} must be a positive number or 5 positive numbers, got {value!r}")
    if arr.ndim == 0:
        arr = np.full(5, float(arr))
    if arr.shape != (5,):
        raise ParameterError(f"{name} must have 5 entries (p0, pCC, pCD, pDC, pDD), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ParameterError(f"{name} must be finite and > 0 (Beta parameters), got {arr.tolist()}")
    return tuple(float(x) for x in arr)


@dataclass(frozen=True)
class BetaPrior:
    """Independent ``Beta(a[k], b[k])`` priors on the co-player's five cooperation probabilities.

    ``a`` and ``b`` are scalars (all contexts) or 5-vectors in the co-player's own parameter order
    ``(p0, pCC, pCD, pDC, pDD)``.  ``BetaPrior.uniform()`` is U(0,1)^5."""

    a: Any = 1.0
    b: Any = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _beta_params("a", self.a))
        object.__setattr__(self, "b", _beta_params("b", self.b))

    @classmethod
    def uniform(cls) -> "BetaPrior":
        """U(0,1)^5 = Beta(1, 1) in every context (the paper's tabular co-players)."""
        return cls(1.0, 1.0)

    @classmethod
    def from_mean(cls, mean: Any, concentration: Any) -> "BetaPrior":
        """``Beta(c m, c (1 - m))`` per context: mean ``m`` (in (0,1)) and concentration ``c = a + b`` (> 0)."""
        m = np.asarray(_probs("mean", mean, allow_scalar=True), dtype=np.float64)
        if np.any((m <= 0) | (m >= 1)):
            raise ParameterError(f"mean must lie strictly inside (0, 1), got {m.tolist()}")
        c = np.asarray(_beta_params("concentration", concentration))
        return cls(tuple(c * m), tuple(c * (1 - m)))

    @property
    def mean(self) -> np.ndarray:
        a, b = np.asarray(self.a), np.asarray(self.b)
        return a / (a + b)

    def describe(self) -> str:
        if self.a == (1.0,) * 5 and self.b == (1.0,) * 5:
            return "U(0,1)^5"
        return "Beta(a=" + ",".join(f"{x:g}" for x in self.a) + "; b=" + ",".join(f"{x:g}" for x in self.b) + ")"

    def sample_jnp(self, key: jax.Array, size: int) -> jax.Array:
        """``(size, 5)`` co-players drawn from the prior in JAX (traceable; ``size`` static)."""
        return jax.random.beta(key, jnp.asarray(self.a), jnp.asarray(self.b), shape=(_size(size), 5))

    def sample(self, size: int, seed: int = 0) -> np.ndarray:
        """``(size, 5)`` co-players drawn from the prior (numpy, seeded)."""
        rng = np.random.default_rng(_seed(seed))
        return rng.beta(np.asarray(self.a), np.asarray(self.b), size=(_size(size), 5))


def _seed(seed: Any) -> int:
    from eqtools.validation import seed as check_seed

    return check_seed("seed", seed)


def _size(size: Any) -> int:
    from eqtools.validation import positive_int

    return positive_int("size", size)


def _probs(name: str, value: Any, allow_scalar: bool = False) -> np.ndarray:
    arr = real_array(name, value, "5 probabilities (p0, pCC, pCD, pDC, pDD)", InvalidProbabilityError)
    if arr.ndim == 0 and allow_scalar:
        arr = np.full(5, float(arr))
    if arr.shape != (5,):
        raise InvalidProbabilityError(f"{name} must have 5 entries (p0, pCC, pCD, pDC, pDD), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise InvalidProbabilityError(f"{name} must be probabilities in [0, 1], got {arr.tolist()}")
    return arr


@dataclass(frozen=True)
class PointPrior:
    """A known memory-one co-player ``q`` (5-vector, a :class:`MemoryOne` or a name such as ``"TFT"``).

    ``tremble`` (in [0, 0.5]): each of its intended actions flips with that probability, so the
    effective strategy is ``(1 - tremble) q + tremble (1 - q)`` (a deterministic named strategy
    with a tremble gives every history positive probability)."""

    q: Any
    tremble: float = 0.0
    name: str = ""
    game: Any = "paper"

    def __post_init__(self) -> None:
        from eqtools.validation import unit_interval

        name = self.name
        q = self.q
        if isinstance(q, str):
            s = named(q, self.game)
            name = name or q
            q = s.vector
        elif isinstance(q, MemoryOne):
            name = name or q.name
            q = q.vector
        vec = _probs("q", q)
        t = unit_interval("tremble", self.tremble)
        if t > 0.5:
            raise ParameterError(f"tremble must lie in [0, 0.5], got {self.tremble!r}")
        if not isinstance(name, str):
            raise ParameterError(f"name must be a string, got {name!r}")
        object.__setattr__(self, "q", tuple(float(x) for x in vec))
        object.__setattr__(self, "tremble", t)
        object.__setattr__(self, "name", name or "(" + ",".join(f"{x:.2f}" for x in vec) + ")")

    @property
    def effective(self) -> np.ndarray:
        q = np.asarray(self.q)
        return (1 - self.tremble) * q + self.tremble * (1 - q)

    def describe(self) -> str:
        return self.name + (f" (tremble {self.tremble:g})" if self.tremble else "")


@dataclass(frozen=True)
class PriorArrays:
    """A prior in array form: ``M`` components, ``log_w0 (M,)`` normalised log prior weights,
    ``is_point (M,)``, point strategies ``q (M, 5)`` (effective, tremble applied), Beta
    parameters ``a, b (M, 5)`` (1 for point components, unused)."""

    log_w0: np.ndarray
    is_point: np.ndarray
    q: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def jnp(self, dtype: Any = None) -> "PriorArrays":
        dt = dtype or jnp.result_type(float)
        return PriorArrays(jnp.asarray(self.log_w0, dt), jnp.asarray(self.is_point), jnp.asarray(self.q, dt),
                           jnp.asarray(self.a, dt), jnp.asarray(self.b, dt))


@dataclass(frozen=True)
class MixturePrior:
    """A finite mixture: ``weights[m]`` on ``components[m]`` (each a :class:`BetaPrior`, a
    :class:`PointPrior`, a :class:`MemoryOne`, a strategy name or a 5-vector — the last three
    become point components).  Weights must be finite, >= 0, with a positive sum (normalised)."""

    components: Sequence[Any]
    weights: Sequence[float]
    game: Any = "paper"

    def __post_init__(self) -> None:
        comps = self.components
        if isinstance(comps, (str, bytes)) or not isinstance(comps, Sequence) or len(comps) == 0:
            raise ParameterError(f"components must be a non-empty sequence of priors, got {comps!r}")
        out: list[BetaPrior | PointPrior] = []
        for k, c in enumerate(comps):
            if isinstance(c, (BetaPrior, PointPrior)):
                out.append(c)
            elif isinstance(c, MixturePrior):
                raise ParameterError(f"components[{k}]: nested mixtures are not supported; flatten them")
            else:
                try:
                    out.append(PointPrior(c, game=self.game))
                except (ParameterError, InvalidProbabilityError) as exc:
                    raise ParameterError(f"components[{k}]: {exc}") from None
        w = self.weights
        if isinstance(w, (str, bytes)) or w is None:
            raise ParameterError(f"weights must be {len(out)} non-negative numbers, got {w!r}")
        try:
            warr = np.asarray(w, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(f"weights must be {len(out)} non-negative numbers, got {w!r}") from None
        if warr.shape != (len(out),):
            raise ParameterError(f"weights must have one entry per component ({len(out)}), got shape {warr.shape}")
        if not np.all(np.isfinite(warr)) or np.any(warr < 0) or warr.sum() <= 0:
            raise ParameterError(f"weights must be finite, >= 0 and not all 0, got {warr.tolist()}")
        object.__setattr__(self, "components", tuple(out))
        object.__setattr__(self, "weights", tuple(float(x) for x in warr / warr.sum()))

    def arrays(self) -> PriorArrays:
        M = len(self.components)
        with np.errstate(divide="ignore"):
            log_w0 = np.log(np.asarray(self.weights))
        is_point = np.array([isinstance(c, PointPrior) for c in self.components])
        q = np.full((M, 5), 0.5)
        a = np.ones((M, 5))
        b = np.ones((M, 5))
        for m, c in enumerate(self.components):
            if isinstance(c, PointPrior):
                q[m] = c.effective
            else:
                a[m], b[m] = c.a, c.b
        return PriorArrays(log_w0, is_point, q, a, b)

    @property
    def mean(self) -> np.ndarray:
        """Prior mean cooperation probability per context (5,)."""
        return posterior(self, np.zeros((5, 2))).predictive

    def describe(self) -> str:
        return " + ".join(f"{w:.3g}*{c.describe()}" for w, c in zip(self.weights, self.components))

    def sample_jnp(self, key: jax.Array, size: int) -> jax.Array:
        """``(size, 5)`` co-players drawn from the mixture in JAX (traceable; ``size`` static),
        e.g. a training pool inside a jitted iteration: a component by weight, then its Beta
        parameters or its (tremble-applied) point strategy."""
        arr = self.arrays().jnp()
        k1, k2 = jax.random.split(key)
        n = _size(size)
        m = jax.random.categorical(k1, arr.log_w0, shape=(n,))
        q = jax.random.beta(k2, arr.a[m], arr.b[m])
        return jnp.where(arr.is_point[m][:, None], arr.q[m], q)

    def sample(self, size: int, seed: int = 0) -> np.ndarray:
        """``(size, 5)`` co-players drawn from the mixture (numpy, seeded): a component by weight,
        then its parameters (a point component's effective strategy)."""
        n = _size(size)
        rng = np.random.default_rng(_seed(seed))
        arr = self.arrays()
        m = rng.choice(len(self.components), size=n, p=np.asarray(self.weights))
        draws = rng.beta(arr.a[m], arr.b[m])
        return np.where(arr.is_point[m][:, None], arr.q[m], draws)


def as_mixture(prior: Any) -> MixturePrior:
    """Any supported prior as a :class:`MixturePrior` (a Beta or point prior is a mixture of one)."""
    if isinstance(prior, MixturePrior):
        return prior
    if isinstance(prior, (BetaPrior, PointPrior)):
        return MixturePrior((prior,), (1.0,))
    raise ParameterError(f"prior must be a BetaPrior, PointPrior or MixturePrior, got {type(prior).__name__}")


def reciprocator_prior(weight: float, low: float = 0.8, high: float = 0.2,
                       contexts: Sequence[str] = ("p0", "pCC", "pCD", "pDC", "pDD")) -> MixturePrior:
    """``(1 - weight)`` U(0,1)^5 + ``weight`` * a *reciprocator* Beta component.

    In the reciprocator component the named ``contexts`` carry the issue-19 reciprocator ranges —
    p0, pCC, pDC like U(``low``, 1) and pCD, pDD like U(0, ``high``), as Beta distributions with the
    same means and variances (method of moments) — and the other contexts stay U(0,1).  The
    default (all five) is a Beta version of the reciprocator panel group; ``("pCC", "pDD")`` is
    "nice and retaliatory after mutual defection", silent on CD/DC.  Used by the extortability
    sweep of :mod:`studies.bayes`."""
    from eqtools.validation import Names

    Names.check("contexts", contexts)
    from eqtools.validation import unit_interval

    w = unit_interval("weight", weight)
    lo = unit_interval("low", low)
    hi = unit_interval("high", high)
    if not (0 < hi < lo < 1):
        raise ParameterError(f"need 0 < high < low < 1, got low={low!r}, high={high!r}")
    names = ("p0", "pCC", "pCD", "pDC", "pDD")
    if isinstance(contexts, str) or not all(isinstance(c, str) and c in names for c in contexts) or not contexts:
        raise ParameterError(f"contexts must be a non-empty subset of {names}, got {contexts!r}")
    means = np.array([(1 + lo) / 2, (1 + lo) / 2, hi / 2, (1 + lo) / 2, hi / 2])
    widths = np.array([1 - lo, 1 - lo, hi, 1 - lo, hi])
    conc = means * (1 - means) / (widths ** 2 / 12) - 1
    sel = np.array([nm in contexts for nm in names])
    a = np.where(sel, means * conc, 1.0)
    b = np.where(sel, (1 - means) * conc, 1.0)
    recip = BetaPrior(tuple(a), tuple(b))
    if w == 0:
        return MixturePrior((BetaPrior.uniform(),), (1.0,))
    if w == 1:
        return MixturePrior((recip,), (1.0,))
    return MixturePrior((BetaPrior.uniform(), recip), (1 - w, w))


def tilted_prior(k: float) -> BetaPrior:
    """U(0,1)^5 tilted towards reciprocity by one parameter: pCC ~ Beta(k, 1), pDD ~ Beta(1, k),
    the other three U(0,1) (``k = 1`` is U(0,1)^5; mean pCC = k / (k + 1))."""
    from eqtools.validation import positive_finite

    kk = positive_finite("k", k)
    if kk < 1:
        raise ParameterError(f"k must be >= 1 (1 = uniform), got {k!r}")
    return BetaPrior((1.0, kk, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0, kk))


def extortion_prior(weight: float, chis: Sequence[float] = (1.5, 2.0, 3.0, 5.0),
                    phi_fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0), tremble: float = 0.02,
                    game: Any = "paper") -> MixturePrior:
    """``(1 - weight)`` U(0,1)^5 + ``weight`` spread evenly over a grid of ZD extortioners
    (:func:`eqtools.strategies.extortionate` with each ``chi`` and ``phi`` = fraction x its
    largest value), each a point component with ``tremble``."""
    from eqtools.games import preset
    from eqtools.strategies import _phi_max, extortionate
    from eqtools.validation import unit_interval

    w = unit_interval("weight", weight)
    g = preset(game)
    if isinstance(chis, (str, bytes)) or not isinstance(chis, Sequence) or not len(chis):
        raise ParameterError(f"chis must be a non-empty sequence of numbers >= 1, got {chis!r}")
    if isinstance(phi_fractions, (str, bytes)) or not isinstance(phi_fractions, Sequence) or not len(phi_fractions):
        raise ParameterError(f"phi_fractions must be a non-empty sequence in (0, 1], got {phi_fractions!r}")
    pts = []
    for chi in chis:
        extortionate(g, chi)  # validates chi (a named error for a bad value)
        pmax = _phi_max(g, float(chi), g.P)
        for f in phi_fractions:
            fr = unit_interval("phi_fractions", f)
            if fr <= 0:
                raise ParameterError(f"phi_fractions must lie in (0, 1], got {f!r}")
            pts.append(PointPrior(extortionate(g, chi, fr * pmax), tremble=tremble, name=f"Extort-{float(chi):g}@{fr:g}"))
    if w == 0:
        return MixturePrior((BetaPrior.uniform(),), (1.0,))
    comps = ([BetaPrior.uniform()] if w < 1 else []) + pts
    weights = ([1 - w] if w < 1 else []) + [w / len(pts)] * len(pts)
    return MixturePrior(tuple(comps), tuple(weights))


# ---------------------------------------------------------------------------- counts

def counts_from_history(own: Any, other: Any) -> np.ndarray:
    """Counts ``(..., 5, 2)`` of the co-player's cooperations/defections per context from its
    actions ``other`` and the learner's ``own`` (arrays ``(..., t)`` of 0 = C, 1 = D; ``t >= 0``)."""
    try:
        own_a = np.asarray(own)
        oth_a = np.asarray(other)
    except (TypeError, ValueError):
        raise ParameterError("own and other must be arrays of actions (0 = C, 1 = D)") from None
    if own_a.shape != oth_a.shape or own_a.ndim < 1:
        raise ParameterError(f"own and other must be arrays (..., t) of the same shape, got {own_a.shape} and {oth_a.shape}")
    for nm, arr in (("own", own_a), ("other", oth_a)):
        if arr.size and (arr.dtype.kind not in "biuf" or not np.all((arr == 0) | (arr == 1))):
            raise ParameterError(f"{nm} must hold actions 0 (C) or 1 (D)")
    own_a = own_a.astype(np.int64)
    oth_a = oth_a.astype(np.int64)
    t = own_a.shape[-1]
    ctx = np.zeros(own_a.shape, dtype=np.int64)
    if t > 1:
        ctx[..., 1:] = 1 + 2 * oth_a[..., :-1] + own_a[..., :-1]  # the co-player's own view
    out = np.zeros(own_a.shape[:-1] + (5, 2))
    onehot = (ctx[..., None] == np.arange(5))[..., None] & (oth_a[..., None, None] == np.arange(2))
    out += onehot.sum(axis=-3)
    return out


def _check_counts(counts: Any) -> np.ndarray:
    try:
        c = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"counts must be a (..., 5, 2) array of non-negative counts, got {counts!r}") from None
    if c.shape[-2:] != (5, 2):
        raise ParameterError(f"counts must have shape (..., 5, 2) (context, C/D), got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ParameterError("counts must be finite and >= 0")
    return c


# ---------------------------------------------------------------------------- numpy posterior

@dataclass(frozen=True)
class Posterior:
    """The exact posterior given counts: component weights ``weights (..., M)`` (normalised),
    their logs, each component's posterior Beta parameters ``a, b (..., M, 5)`` (point components:
    unchanged), and ``predictive (..., 5)`` = P(co-player cooperates | context) = the posterior
    mean of ``q``.  ``impossible (...,)`` flags histories with zero likelihood under every
    component (weights fell back to the prior's)."""

    weights: np.ndarray
    log_weights: np.ndarray
    a: np.ndarray
    b: np.ndarray
    component_predictive: np.ndarray
    predictive: np.ndarray
    impossible: np.ndarray


def _log_ml_np(arr: PriorArrays, c: np.ndarray) -> np.ndarray:
    nc, nd = c[..., None, :, 0], c[..., None, :, 1]  # (..., 1, 5)
    beta = (betaln(arr.a + nc, arr.b + nd) - betaln(arr.a, arr.b)).sum(-1)
    point = (xlogy(nc, arr.q) + xlogy(nd, 1 - arr.q)).sum(-1)
    return np.where(arr.is_point, point, beta)


def posterior(prior: Any, counts: Any) -> Posterior:
    """Exact posterior of ``prior`` (Beta, point or mixture) after ``counts (..., 5, 2)``."""
    arr = as_mixture(prior).arrays()
    c = _check_counts(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        lw = arr.log_w0 + _log_ml_np(arr, c)
        top = lw.max(-1, keepdims=True)
        impossible = ~np.isfinite(top[..., 0])
        lw = np.where(impossible[..., None], arr.log_w0, lw)
        top = lw.max(-1, keepdims=True)
        w = np.exp(lw - top)
        w = w / w.sum(-1, keepdims=True)
        lw = lw - top - np.log(np.exp(lw - top).sum(-1, keepdims=True))
    a = np.where(arr.is_point[:, None], arr.a, arr.a + c[..., None, :, 0])
    b = np.where(arr.is_point[:, None], arr.b, arr.b + c[..., None, :, 1])
    comp = np.where(arr.is_point[:, None], arr.q, a / (a + b))
    pred = (w[..., None] * comp).sum(-2)
    return Posterior(w, lw, a, b, comp, pred, impossible)


# ---------------------------------------------------------------------------- JAX posterior

def log_weights_jnp(arr: PriorArrays, counts: jax.Array) -> jax.Array:
    """Normalised posterior log weights ``(..., M)`` from counts ``(..., 5, 2)`` (JAX, traceable;
    ``arr`` from :meth:`PriorArrays.jnp`).  Falls back to the prior weights on impossible histories."""
    from jax.scipy.special import gammaln, xlogy as jxlogy

    nc, nd = counts[..., None, :, 0], counts[..., None, :, 1]
    a, b = arr.a, arr.b
    beta = (gammaln(a + nc) + gammaln(b + nd) - gammaln(a + b + nc + nd)
            - gammaln(a) - gammaln(b) + gammaln(a + b)).sum(-1)
    point = (jxlogy(nc, arr.q) + jxlogy(nd, 1 - arr.q)).sum(-1)
    lw = arr.log_w0 + jnp.where(arr.is_point, point, beta)
    top = lw.max(-1, keepdims=True)
    ok = jnp.isfinite(top)
    lw = jnp.where(ok, lw, arr.log_w0)
    return jax.nn.log_softmax(lw, axis=-1)


def component_predictive_jnp(arr: PriorArrays, counts: jax.Array) -> jax.Array:
    """Each component's posterior mean ``q`` ``(..., M, 5)`` given counts ``(..., 5, 2)``."""
    nc, nd = counts[..., None, :, 0], counts[..., None, :, 1]
    return jnp.where(arr.is_point[:, None], arr.q, (arr.a + nc) / (arr.a + arr.b + nc + nd))


def predictive_jnp(arr: PriorArrays, counts: jax.Array) -> jax.Array:
    """Posterior-mean co-player ``(..., 5)`` (P(C) per context, co-player's own order) in JAX."""
    w = jnp.exp(log_weights_jnp(arr, counts))
    return (w[..., None] * component_predictive_jnp(arr, counts)).sum(-2)

