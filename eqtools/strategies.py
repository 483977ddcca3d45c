"""Memory-one strategies, batched strategy pools and the named-strategy library.

A memory-one strategy is the vector ``(p0; p_CC, p_CD, p_DC, p_DD)`` of probabilities of
cooperating in the first round and after each joint outcome of the previous round, seen
from the strategy's own view (own action first).  See :mod:`eqtools.conventions`.

The Press–Dyson zero-determinant (ZD) family is built here for any 2x2 game; analysis of
strategies (is it ZD? which chi?) lives in :mod:`solvers`.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from typing import Annotated, Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .conventions import PARAM_NAMES, SWAP
from .errors import GameError, InvalidProbabilityError, ParameterError
from .validation import Names, require_unique, validated
from .games import Game, preset

__all__ = [
    "MemoryOne",
    "StrategyPool",
    "validate_probabilities",
    "named",
    "library",
    "NAMED_STRATEGIES",
    "zd_strategy",
    "extortionate",
    "generous",
    "equalizer",
    "gtft",
    "validate_noise",
    "apply_noise",
]


def validate_noise(noise: Any, *, what: str = "noise") -> float:
    """Check an execution-error rate: a finite number in [0, 1/2] (returned as float).

    At ``noise = 1/2`` every action is a coin flip; above it "errors" would be the rule, which is
    a different strategy, not noise, so it is refused.
    """
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{what} must be a number in [0, 0.5], got {noise!r}")
    eps = float(noise)
    if not math.isfinite(eps) or not 0.0 <= eps <= 0.5:
        raise ParameterError(f"{what} = {noise!r} is outside [0, 0.5]")
    return eps


def apply_noise(params: Any, noise: float) -> np.ndarray:
    """Execution errors on a memory-one strategy (or a batch ``[..., 5]``): each intended action,
    the opening move included, flips with probability ``noise``.

    For a memory-one player this is exact as a change of strategy,
    ``p -> noise + (1 - 2 noise) p`` entry-wise, because the next state depends only on the
    actions actually played.  ``noise = 0`` returns the input values unchanged.
    """
    eps = validate_noise(noise)
    try:
        p = np.asarray(params, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"params must be an array of probabilities (shape [..., 5]), got {params!r}"[:300]) from None
    if eps == 0.0:
        return p.copy()
    return eps + (1.0 - 2.0 * eps) * p


@validated
def validate_probabilities(x: Any, *, what: str = "strategy", names: Annotated[Sequence[str], Names] = PARAM_NAMES) -> np.ndarray:
    """Return ``x`` as a float64 array after checking that every entry lies in [0, 1].

    The last axis is interpreted as the parameter axis named by ``names``; the error names the
    first offending field (and its row for batches).
    """
    if x is None or isinstance(x, (str, bytes)):
        raise InvalidProbabilityError(f"{what} must be numbers {tuple(names)}, got {x!r}")
    try:
        raw = np.asarray(x)
    except ValueError:
        raise InvalidProbabilityError(f"{what} is ragged (rows of different lengths); expected {tuple(names)} per row") from None
    if raw.dtype.kind not in "biuf":
        raise InvalidProbabilityError(f"{what} must hold only numbers {tuple(names)}, got {x!r}"[:300])
    arr = raw.astype(np.float64)
    if arr.ndim == 0 or arr.shape[-1] != len(names):
        raise InvalidProbabilityError(
            f"{what} must have {len(names)} entries {tuple(names)} on its last axis, got shape {arr.shape}"
        )
    bad = ~np.isfinite(arr) | (arr < 0.0) | (arr > 1.0)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        field = names[idx[-1]]
        where = f" (row {idx[0]})" if arr.ndim > 1 else ""
        val = arr[idx]
        reason = "is NaN" if np.isnan(val) else ("is infinite" if np.isinf(val) else "is outside [0, 1]")
        raise InvalidProbabilityError(f"{what}: {field}{where} = {float(val)!r} {reason}")
    return arr


@dataclass(frozen=True)
class MemoryOne:
    """An immutable, validated memory-one strategy.

    Attributes
    ----------
    p0:
        Probability of cooperating in the first round.
    p:
        Probabilities of cooperating after (CC, CD, DC, DD), own action first.
    name:
        Label used in tournaments and plots.
    """

    p0: float
    p: tuple[float, float, float, float]
    name: str = "memory-one"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ParameterError(f"strategy name must be a string, got {self.name!r}")
        if isinstance(self.p, (str, bytes)) or not isinstance(self.p, Iterable):
            raise InvalidProbabilityError(f"strategy {self.name!r}: p must be 4 numbers (CC, CD, DC, DD), got {self.p!r}")
        if not isinstance(self.p0, numbers.Real):
            raise InvalidProbabilityError(f"strategy {self.name!r}: p0 must be a number in [0, 1], got {self.p0!r}")
        p = tuple(self.p)
        if len(p) != 4:
            raise InvalidProbabilityError(f"strategy {self.name!r}: p must have 4 entries (CC, CD, DC, DD), got {len(p)}")
        vec = validate_probabilities([self.p0, *p], what=f"strategy {self.name!r}")
        object.__setattr__(self, "p0", float(vec[0]))
        object.__setattr__(self, "p", tuple(float(v) for v in vec[1:]))

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_vector(cls, vector: Sequence[float], name: str = "memory-one") -> "MemoryOne":
        """Build from ``(p0, p_CC, p_CD, p_DC, p_DD)``; the opening move must be explicit."""
        if vector is None or isinstance(vector, (str, bytes)):
            raise InvalidProbabilityError(f"strategy {name!r}: expected 5 numbers (p0, p_CC, p_CD, p_DC, p_DD), got {vector!r}")
        try:
            v = np.asarray(vector).ravel()
        except ValueError:
            raise InvalidProbabilityError(f"strategy {name!r}: expected 5 numbers (p0, p_CC, p_CD, p_DC, p_DD), got a ragged list") from None
        if v.shape != (5,):
            raise InvalidProbabilityError(
                f"strategy {name!r}: expected 5 numbers (p0, p_CC, p_CD, p_DC, p_DD), got {v.shape[0]}"
            )
        return cls(v[0], tuple(v[1:]), name=name)  # type: ignore[arg-type]

    @property
    def vector(self) -> np.ndarray:
        """The 5-vector ``(p0, p_CC, p_CD, p_DC, p_DD)``."""
        return np.array([self.p0, *self.p], dtype=np.float64)

    @property
    def is_deterministic(self) -> bool:
        return all(v in (0.0, 1.0) for v in self.vector)

    def seen_by_coplayer(self) -> np.ndarray:
        """The 4 reaction probabilities indexed by the *co-player's* state (CD and DC swapped)."""
        return np.asarray(self.p)[SWAP]

    def with_name(self, name: str) -> "MemoryOne":
        return MemoryOne(self.p0, self.p, name=name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "p0": self.p0, "p": list(self.p)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "MemoryOne":
        """Inverse of :meth:`to_dict`: a mapping with keys ``p0``, ``p`` (4 numbers) and optionally ``name``."""
        if not isinstance(d, Mapping):
            raise ParameterError(f"a strategy description must be a mapping with keys p0, p, got {type(d).__name__}")
        missing = [k for k in ("p0", "p") if k not in d]
        if missing:
            raise ParameterError(f"strategy description lacks field(s) {missing}")
        return cls(d["p0"], d["p"], name=str(d.get("name", "memory-one")))  # type: ignore[arg-type]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | bytes) -> "MemoryOne":
        """Inverse of :meth:`to_json`."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"strategy JSON is not valid JSON: {exc}") from None
        return cls.from_dict(d)

    def __str__(self) -> str:
        ps = ", ".join(f"{x:.4g}" for x in self.p)
        return f"{self.name}({self.p0:.4g}; {ps})"


class StrategyPool:
    """A batch of memory-one strategies stored as an ``(N, 5)`` float64 array with labels.

    Vectorised solvers take ``pool.params``; iteration yields :class:`MemoryOne` objects.
    """

    __slots__ = ("_params", "_names")

    def __init__(self, params: Any, names: Sequence[str] | None = None) -> None:
        arr = np.atleast_2d(validate_probabilities(params, what="strategy pool"))
        if arr.ndim != 2:
            raise InvalidProbabilityError(f"strategy pool must be 2-d (N, 5), got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ParameterError("a strategy pool needs at least one strategy, got shape (0, 5)")
        arr = arr.copy()
        arr.setflags(write=False)
        if names is None:
            names = [f"s{i}" for i in range(arr.shape[0])]
        if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
            raise ParameterError(f"strategy pool names must be a sequence of strings, got {names!r}")
        names = [str(n) for n in names]
        if len(names) != arr.shape[0]:
            raise ParameterError(f"strategy pool has {arr.shape[0]} strategies but {len(names)} names")
        require_unique(names, "strategy names must be unique")
        self._params = arr
        self._names = tuple(names)

    @property
    def params(self) -> np.ndarray:
        """Read-only ``(N, 5)`` array of ``(p0, p_CC, p_CD, p_DC, p_DD)``."""
        return self._params

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def __len__(self) -> int:
        return self._params.shape[0]

    def __iter__(self) -> Iterator[MemoryOne]:
        for name, row in zip(self._names, self._params):
            yield MemoryOne.from_vector(row, name=name)

    def __getitem__(self, idx: int | str | slice) -> Any:
        """A strategy by name or integer index (negative counts from the end); a slice gives a sub-pool."""
        if isinstance(idx, slice):
            return StrategyPool(self._params[idx], self._names[idx])
        if isinstance(idx, str):
            if idx not in self._names:
                shown = list(self._names[:8]) + (["..."] if len(self) > 8 else [])
                raise ParameterError(f"strategy pool has no strategy named {idx!r}; names: {shown}")
            idx = self._names.index(idx)
        elif isinstance(idx, (bool, np.bool_)) or not isinstance(idx, (int, np.integer)):
            raise ParameterError(f"strategy pool index must be a name, an integer or a slice, got {idx!r}")
        elif not -len(self) <= idx < len(self):
            raise ParameterError(f"strategy pool index {int(idx)} is out of range for {len(self)} strategies")
        return MemoryOne.from_vector(self._params[idx], name=self._names[idx])

    def __repr__(self) -> str:
        return f"StrategyPool(N={len(self)}, names={list(self._names[:4])}{'...' if len(self) > 4 else ''})"

    @classmethod
    def from_strategies(cls, strategies: Iterable[MemoryOne]) -> "StrategyPool":
        if isinstance(strategies, (str, bytes)) or not isinstance(strategies, Iterable):
            raise ParameterError(f"strategies must be an iterable of MemoryOne, got {strategies!r}")
        strategies = list(strategies)
        if not strategies:
            raise ParameterError("a strategy pool needs at least one strategy")
        bad = [i for i, s in enumerate(strategies) if not isinstance(s, MemoryOne)]
        if bad:
            raise ParameterError(f"strategies[{bad[0]}] is not a MemoryOne: {strategies[bad[0]]!r}")
        return cls(np.stack([s.vector for s in strategies]), [s.name for s in strategies])

    @classmethod
    def uniform(cls, n: int, seed: int = 0, prefix: str = "rand") -> "StrategyPool":
        """``n`` strategies with all five parameters drawn i.i.d. from U(0, 1) (numpy, seeded)."""
        from .validation import positive_int, seed as check_seed

        n = positive_int("n", n)
        rng = np.random.default_rng(check_seed("seed", seed))
        return cls(rng.uniform(0.0, 1.0, size=(int(n), 5)), [f"{prefix}{i}" for i in range(int(n))])

    def concat(self, other: "StrategyPool") -> "StrategyPool":
        if not isinstance(other, StrategyPool):
            raise ParameterError(f"can only concatenate a StrategyPool, got {type(other).__name__}")
        return StrategyPool(np.concatenate([self._params, other._params]), list(self._names) + list(other._names))

    def to_json(self) -> str:
        return json.dumps({"names": list(self._names), "params": self._params.tolist()})

    @classmethod
    def from_json(cls, text: str) -> "StrategyPool":
        """Inverse of :meth:`to_json`: an object with ``names`` and ``params``."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"strategy pool JSON is not valid JSON: {exc}") from None
        if not isinstance(d, dict):
            raise ParameterError(f"strategy pool JSON must be an object with 'names' and 'params', got {type(d).__name__}")
        missing = [k for k in ("names", "params") if k not in d]
        if missing:
            raise ParameterError(f"strategy pool JSON lacks field(s) {missing}")
        return cls(d["params"], d["names"])


# ---------------------------------------------------------------- ZD family

def _check_game_for_zd(game: Game) -> None:
    if game.P == game.S:
        raise GameError(f"ZD construction needs P != S; game {game} has P == S (degenerate)")
    if game.T == game.P:
        raise GameError(f"ZD construction needs T != P; game {game} has T == P (degenerate)")


def zd_strategy(game: Game | str, alpha: float, beta: float, gamma: float, p0: float = 1.0, name: str = "ZD") -> MemoryOne:
    """The Press–Dyson strategy with ``p~ = alpha * S_X + beta * S_Y + gamma * 1``.

    Here ``p~ = (p_CC - 1, p_CD - 1, p_DC, p_DD)``, ``S_X = (R, S, T, P)`` and
    ``S_Y = (R, T, S, P)``.  Against any co-player it enforces
    ``alpha * s_X + beta * s_Y + gamma = 0`` on long-run (limit-of-means) payoffs.
    Raises :class:`InvalidProbabilityError` if the coefficients give probabilities outside [0, 1].
    """
    from .validation import finite as _finite_num

    g = preset(game)
    alpha, beta, gamma = (_finite_num(k, v) for k, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma)))
    sx, sy = g.payoffs, g.payoffs_coplayer
    pt = alpha * sx + beta * sy + gamma
    p = pt + np.array([1.0, 1.0, 0.0, 0.0])
    # Snap round-off so that e.g. p_DD = 0 is exactly zero.
    p = np.where(np.abs(p) < 1e-12, 0.0, p)
    p = np.where(np.abs(p - 1.0) < 1e-12, 1.0, p)
    return MemoryOne(p0, tuple(float(v) for v in p), name=name)  # type: ignore[arg-type]


def _zd_numbers(chi: Any, phi: Any) -> tuple[float, float | None]:
    from .validation import real

    return real("chi", chi), (None if phi is None else real("phi", phi))


def _phi_bound(d: np.ndarray) -> float:
    # Largest phi keeping all four probabilities p = e + phi * d in [0, 1], e = (1, 1, 0, 0)
    # (found numerically-exactly from the linear constraints).
    e = np.array([1.0, 1.0, 0.0, 0.0])
    hi = math.inf
    for di, ei in zip(d, e):
        if di > 0:
            hi = min(hi, (1.0 - ei) / di)
        elif di < 0:
            hi = min(hi, (0.0 - ei) / di)
    return hi


def _phi_max(game: Game, chi: float, baseline: float) -> float:
    sx, sy = game.payoffs, game.payoffs_coplayer
    return _phi_bound((sx - baseline) - chi * (sy - baseline))


def _zd_baseline(game: Game | str, chi: float, phi: float | None, p0: float, name: str | None,
                 baseline: str, label: str) -> MemoryOne:
    """The ZD strategy enforcing ``s_X - B = chi (s_Y - B)`` with ``B`` the game's payoff
    ``baseline`` (``"P"``: extortionate, ``"R"``: generous); ``phi`` defaults to half its largest
    valid value."""
    g = preset(game)
    _check_game_for_zd(g)
    chi, phi = _zd_numbers(chi, phi)
    if not (chi >= 1.0 and math.isfinite(chi)):
        raise ParameterError(f"chi must be a finite number >= 1, got {chi}")
    b = getattr(g, baseline)
    hi = _phi_max(g, chi, b)
    if phi is None:
        phi = hi / 2.0
    if not (0.0 < phi <= hi * (1 + 1e-12)):
        raise ParameterError(f"phi must lie in (0, {hi:.6g}] for chi = {chi} in game {g.name!r}, got {phi}")
    return zd_strategy(g, phi, -phi * chi, phi * (chi - 1.0) * b, p0=p0, name=name or f"{label}-{chi:g}")


def extortionate(game: Game | str, chi: float, phi: float | None = None, p0: float = 1.0, name: str | None = None) -> MemoryOne:
    """Press–Dyson extortionate strategy enforcing ``s_X - P = chi (s_Y - P)`` (``chi >= 1``).

    ``phi`` defaults to half its largest valid value, which for the ``axelrod`` game and
    ``chi = 2`` gives Extort-2 = (8/9, 1/2, 1/3, 0).
    """
    return _zd_baseline(game, chi, phi, p0, name, "P", "Extort")


def generous(game: Game | str, chi: float, phi: float | None = None, p0: float = 1.0, name: str | None = None) -> MemoryOne:
    """Generous ZD strategy (Stewart & Plotkin 2013) enforcing ``s_X - R = chi (s_Y - R)``."""
    return _zd_baseline(game, chi, phi, p0, name, "R", "Generous")


def equalizer(game: Game | str, value: float, phi: float | None = None, p0: float = 1.0, name: str | None = None) -> MemoryOne:
    """Equalizer: ``p~ = phi * (S_Y - value)`` pins the co-player's long-run payoff at ``value``.

    ``value`` must lie in [P, R] for valid probabilities; ``phi`` defaults to half its largest
    valid value (the sign convention requires ``phi < 0`` here, handled internally).
    """
    from .validation import finite as _finite_num

    g = preset(game)
    _check_game_for_zd(g)
    value = _finite_num("value", value)
    _, phi = _zd_numbers(1.0, phi)
    if not (min(g.P, g.R) <= value <= max(g.P, g.R)):
        raise ParameterError(f"equalizer value must lie between P = {g.P:g} and R = {g.R:g}, got {value}")
    hi = _phi_bound(-(g.payoffs_coplayer - value))  # p = e + phi' * d with phi' > 0
    if hi <= 0 or not math.isfinite(hi):
        raise ParameterError(f"no valid equalizer for value {value} in game {g.name!r}")
    if phi is None:
        phi = hi / 2.0
    if not (0.0 < phi <= hi * (1 + 1e-12)):
        raise ParameterError(f"phi must lie in (0, {hi:.6g}] for this equalizer, got {phi}")
    return zd_strategy(g, 0.0, -phi, phi * value, p0=p0, name=name or f"Equalizer-{value:g}")


def gtft(game: Game | str, p0: float = 1.0, q: float | None = None) -> MemoryOne:
    """Generous Tit-for-Tat: ``(p0; 1, q, 1, q)``.

    ``q`` defaults to the Nowak–Sigmund generosity ``min(1 - (T - R)/(R - S), (R - P)/(T - P))``,
    a formula for prisoner's dilemmas: where it does not give a probability strictly between 0
    and 1 (e.g. in snowdrift games, where it gives ``q <= 0`` and GTFT would silently be TFT)
    :class:`GameError` is raised; pass ``q`` explicitly there.
    """
    g = preset(game)
    if q is not None:
        from .validation import unit_interval

        q = unit_interval("q", q)
        return MemoryOne(p0, (1.0, q, 1.0, q), name="GTFT")
    if g.R == g.S or g.T == g.P:
        raise GameError(f"GTFT generosity is undefined for game {g} (R == S or T == P); pass q explicitly")
    q = min(1.0 - (g.T - g.R) / (g.R - g.S), (g.R - g.P) / (g.T - g.P))
    if not 0.0 < q < 1.0:
        raise GameError(
            f"GTFT's generosity min(1 - (T - R)/(R - S), (R - P)/(T - P)) is {q:.4g} in game {g} ({g.kind()}); it is a "
            "prisoner's-dilemma formula and gives no generous strategy here (q <= 0 would be TFT, q >= 1 ALLC); "
            "pass q explicitly (gtft(game, q=...)) or use generous(game, chi)"
        )
    return MemoryOne(p0, (1.0, q, 1.0, q), name="GTFT")


# ------------------------------------------------------------ named library

#: Game-independent named strategies.
NAMED_STRATEGIES: dict[str, MemoryOne] = {
    s.name: s
    for s in (
        MemoryOne(1.0, (1.0, 1.0, 1.0, 1.0), "ALLC"),
        MemoryOne(0.0, (0.0, 0.0, 0.0, 0.0), "ALLD"),
        MemoryOne(1.0, (1.0, 0.0, 1.0, 0.0), "TFT"),
        MemoryOne(0.0, (1.0, 0.0, 1.0, 0.0), "STFT"),
        MemoryOne(1.0, (1.0, 0.0, 0.0, 1.0), "WSLS"),
        MemoryOne(1.0, (1.0, 0.0, 0.0, 0.0), "GRIM"),
        MemoryOne(0.5, (0.5, 0.5, 0.5, 0.5), "Random"),
        # Cooperates exactly when it defected in the previous round: C, D, C, D, ...
        MemoryOne(1.0, (0.0, 0.0, 1.0, 1.0), "Alternator"),
    )
}

#: Names of strategies whose vector depends on the game.
GAME_DEPENDENT = ("GTFT", "Extort-2", "Generous-2")


def named(name: str, game: Game | str | None = None) -> MemoryOne:
    """Look up a named strategy.

    Game-independent: ALLC, ALLD, TFT, STFT (suspicious TFT), WSLS, GRIM (memory-one trigger:
    cooperate only after CC), Random, Alternator.  Game-dependent: GTFT, Extort-2
    (:func:`extortionate` with chi = 2), Generous-2, and ``Extort-<chi>``, ``Generous-<chi>``
    for any chi >= 1.  Their vectors depend on the payoffs, so ``game`` must be given for them
    (:class:`ParameterError` otherwise: a strategy built for one game and played in another is
    not the strategy its name says).  Unknown names get did-you-mean suggestions.
    """
    if not isinstance(name, str):
        raise ParameterError(f"strategy name must be a string, got {name!r}")
    g = None if game is None else preset(game)  # an unknown game is an error even for game-independent strategies
    if name in NAMED_STRATEGIES:
        return NAMED_STRATEGIES[name]
    dependent = name == "GTFT" or name.startswith(("Extort-", "Generous-"))
    if dependent and g is None:
        raise ParameterError(
            f"strategy {name!r} depends on the game's payoffs: pass the game, e.g. named({name!r}, game) "
            "with game = preset('axelrod'), preset('paper') or a Game"
        )
    if name == "GTFT":
        return gtft(g)  # type: ignore[arg-type]
    for prefix, fn in (("Extort-", extortionate), ("Generous-", generous)):
        if name.startswith(prefix):
            try:
                chi = float(name[len(prefix):])
            except ValueError:
                break
            return fn(g, chi, name=name)  # type: ignore[arg-type]
    known = sorted(NAMED_STRATEGIES) + list(GAME_DEPENDENT)
    close = [k for k in known if k.lower() == name.strip().lower()]
    if not close:
        import difflib

        by_low = {k.lower(): k for k in known}
        close = [by_low[c] for c in difflib.get_close_matches(name.strip().lower(), list(by_low), n=3, cutoff=0.6)]
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise ParameterError(
        f"unknown strategy {name!r}{hint}; known: {known} or Extort-<chi>, Generous-<chi>"
    )


def library(game: Game | str | None = None) -> dict[str, MemoryOne]:
    """All named strategies for ``game`` as a dict name -> :class:`MemoryOne`.

    ``game`` is required (the game-dependent strategies are built for it).  A game-dependent
    strategy that is undefined in ``game`` (e.g. GTFT in a snowdrift game) is left out; ask
    :func:`named` for it to see why.
    """
    from .errors import EqtoolsError

    if game is None:
        raise ParameterError("library(game): the game is required (GTFT, Extort-2 and Generous-2 depend on it)")
    g = preset(game)
    out = dict(NAMED_STRATEGIES)
    for name in GAME_DEPENDENT:
        try:
            out[name] = named(name, g)
        except EqtoolsError:
            continue
    return out
