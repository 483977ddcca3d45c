"""Games: symmetric 2x2 games from (R, S, T, P) with named presets, and bimatrix games.

A symmetric 2x2 game has actions C and D and row-player payoffs

=====  =====  =====
row    C      D
=====  =====  =====
C      R      S
D      T      P
=====  =====  =====

The column player's payoffs are the transpose.  In the memory-one state order
``(CC, CD, DC, DD)`` (own action first) the focal player X receives ``(R, S, T, P)``
and the co-player Y receives ``(R, T, S, P)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import GameError
from .validation import real, require_unique

__all__ = [
    "Game",
    "BimatrixGame",
    "PRESETS",
    "preset",
    "GAME_KINDS",
]

#: Names of the kinds :meth:`Game.kind` can return.
GAME_KINDS: tuple[str, ...] = (
    "prisoners_dilemma",
    "stag_hunt",
    "chicken",
    "harmony",
    "deadlock",
    "degenerate",
    "other",
)


def _finite(name: str, value: Any) -> float:
    v = real(f"payoff {name}", value, GameError)
    if not math.isfinite(v):
        raise GameError(f"payoff {name} must be finite, got {v}")
    return v


@dataclass(frozen=True)
class Game:
    """A symmetric 2x2 game given by its four payoffs.

    Parameters
    ----------
    R, S, T, P:
        Reward (mutual cooperation), sucker's payoff, temptation, punishment.
    name:
        A label used in outputs and plots.
    kind_claimed:
        If given, the constructor checks that the payoffs are of this kind (see
        :data:`GAME_KINDS`) and raises :class:`~eqtools.errors.GameError` naming the
        condition that fails.  Example: ``Game(3, 0, 5, 1, kind_claimed="prisoners_dilemma")``.
    """

    R: float
    S: float
    T: float
    P: float
    name: str = "custom"
    kind_claimed: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key in ("R", "S", "T", "P"):
            object.__setattr__(self, key, _finite(key, getattr(self, key)))
        if not isinstance(self.name, str):
            raise GameError(f"game name must be a string, got {self.name!r}")
        if self.kind_claimed is not None:
            if not isinstance(self.kind_claimed, str) or self.kind_claimed not in GAME_KINDS:
                raise GameError(f"kind_claimed must be one of {list(GAME_KINDS)}, got {self.kind_claimed!r}")
            self.require(self.kind_claimed)

    # ------------------------------------------------------------------ payoffs
    @property
    def payoffs(self) -> np.ndarray:
        """Focal player's payoffs in state order (CC, CD, DC, DD): ``(R, S, T, P)``."""
        return np.array([self.R, self.S, self.T, self.P], dtype=np.float64)

    @property
    def payoffs_coplayer(self) -> np.ndarray:
        """Co-player's payoffs in the focal player's state order: ``(R, T, S, P)``."""
        return np.array([self.R, self.T, self.S, self.P], dtype=np.float64)

    def bimatrix(self) -> "BimatrixGame":
        """The stage game as a :class:`BimatrixGame` (actions C, D)."""
        a = np.array([[self.R, self.S], [self.T, self.P]])
        return BimatrixGame(a, a.T.copy(), row_labels=("C", "D"), col_labels=("C", "D"), name=self.name)

    # ---------------------------------------------------------- classification
    def pd_conditions(self) -> dict[str, bool]:
        """The iterated prisoner's dilemma conditions and whether each holds."""
        return {
            "T > R": self.T > self.R,
            "R > P": self.R > self.P,
            "P > S": self.P > self.S,
            "2R > T + S": 2 * self.R > self.T + self.S,
        }

    def kind(self) -> str:
        """Classify the game.

        * ``prisoners_dilemma``: T > R > P > S and 2R > T + S (the iterated PD condition).
        * ``stag_hunt``: R > T >= P > S.
        * ``chicken`` (snowdrift, hawk-dove): T > R > S > P.
        * ``harmony``: R > T and S > P (cooperation dominates).
        * ``deadlock``: T > R, P > R and P > S (defection dominates and is efficient).
        * ``degenerate``: some payoffs tie so that no action is strictly preferred
          against C or against D (R == T or S == P).
        """
        R, S, T, P = self.R, self.S, self.T, self.P
        if R == T or S == P:
            return "degenerate"
        if all(self.pd_conditions().values()):
            return "prisoners_dilemma"
        if R > T >= P > S:
            return "stag_hunt"
        if T > R > S > P:
            return "chicken"
        if R > T and S > P:
            return "harmony"
        if T > R and P > S and P > R:
            return "deadlock"
        return "other"

    def explain_kind(self, kind: str) -> list[str]:
        """Return the conditions of ``kind`` that fail for these payoffs (empty if it holds).

        Every name in :data:`GAME_KINDS` is accepted: ``degenerate`` holds when R == T or S == P;
        ``other`` holds when the game is none of the named kinds (the failing condition then
        names the kind it is)."""
        R, S, T, P = self.R, self.S, self.T, self.P
        if kind == "degenerate":
            return [] if (R == T or S == P) else ["R == T or S == P"]
        if kind == "other":
            actual = self.kind()
            return [] if actual == "other" else [f"not a {actual.replace('_', ' ')}"]
        checks: dict[str, dict[str, bool]] = {
            "prisoners_dilemma": self.pd_conditions(),
            "stag_hunt": {"R > T": R > T, "T >= P": T >= P, "P > S": P > S},
            "chicken": {"T > R": T > R, "R > S": R > S, "S > P": S > P},
            "harmony": {"R > T": R > T, "S > P": S > P},
            "deadlock": {"T > R": T > R, "P > R": P > R, "P > S": P > S},
        }
        if not isinstance(kind, str) or kind not in checks:
            raise GameError(f"unknown game kind {kind!r}; expected one of {list(GAME_KINDS)}")
        return [cond for cond, ok in checks[kind].items() if not ok]

    def require(self, kind: str) -> "Game":
        """Raise :class:`GameError` if the game is not of ``kind``; return ``self`` otherwise."""
        failing = self.explain_kind(kind)
        if failing:
            raise GameError(
                f"game {self.name!r} with (R, S, T, P) = ({self.R:g}, {self.S:g}, {self.T:g}, {self.P:g}) "
                f"is not a {kind.replace('_', ' ')}: condition(s) {', '.join(failing)} fail"
            )
        return self

    def is_prisoners_dilemma(self) -> bool:
        return self.kind() == "prisoners_dilemma"

    # --------------------------------------------------------------------- io
    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "R": self.R, "S": self.S, "T": self.T, "P": self.P}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Game":
        """Inverse of :meth:`to_dict`: a mapping with keys R, S, T, P (and optionally name)."""
        if not isinstance(d, Mapping):
            raise GameError(f"a game description must be a mapping with keys R, S, T, P, got {type(d).__name__}")
        missing = [k for k in ("R", "S", "T", "P") if k not in d]
        if missing:
            raise GameError(f"game description lacks field(s) {missing}")
        return cls(d["R"], d["S"], d["T"], d["P"], name=str(d.get("name", "custom")))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Game":
        """Inverse of :meth:`to_json`."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise GameError(f"game JSON is not valid JSON: {exc}") from None
        return cls.from_dict(d)

    @classmethod
    def from_payoffs(cls, payoffs: Sequence[float], name: str = "custom") -> "Game":
        """Build from a sequence ``(R, S, T, P)``."""
        if isinstance(payoffs, (str, bytes)) or not isinstance(payoffs, Iterable):
            raise GameError(f"payoffs must be a sequence of four numbers (R, S, T, P), got {payoffs!r}")
        vals = list(payoffs)
        if len(vals) != 4:
            raise GameError(f"expected four payoffs (R, S, T, P), got {len(vals)}")
        return cls(*vals, name=name)

    def __str__(self) -> str:
        return f"{self.name}(R={self.R:g}, S={self.S:g}, T={self.T:g}, P={self.P:g})"


#: Named presets.  ``paper`` is the game of Weis et al. 2026; ``axelrod`` the classic
#: tournament payoffs; ``lola`` the payoffs used by LOLA / M-FOS (costs as negative rewards).
PRESETS: dict[str, Game] = {
    "paper": Game(1.0, -1.0, 2.0, 0.0, name="paper"),
    "axelrod": Game(3.0, 0.0, 5.0, 1.0, name="axelrod"),
    "lola": Game(-1.0, -3.0, 0.0, -2.0, name="lola"),
    "stag_hunt": Game(4.0, 0.0, 3.0, 2.0, name="stag_hunt"),
    "chicken": Game(3.0, 1.0, 4.0, 0.0, name="chicken"),
}


def preset(name: str | Game) -> Game:
    """Return a preset game by name (a :class:`Game` passes through unchanged)."""
    if isinstance(name, Game):
        return name
    if not isinstance(name, str):
        raise GameError(f"game must be a preset name {sorted(PRESETS)} or a Game, got {name!r}")
    try:
        return PRESETS[name]
    except KeyError:
        raise GameError(f"unknown game preset {name!r}; choose one of {sorted(PRESETS)}") from None


def _matrix(key: str, M: Any) -> np.ndarray:
    """``M`` as a float64 array, or :class:`GameError` naming ``key`` (strings, ragged lists, None)."""
    if M is None or isinstance(M, (str, bytes)):
        raise GameError(f"payoff matrix {key} must be a 2-d array of numbers, got {M!r}")
    try:
        raw = np.asarray(M)
    except ValueError:
        raise GameError(f"payoff matrix {key} is ragged (rows of different lengths)") from None
    if raw.dtype.kind not in "iuf":
        raise GameError(f"payoff matrix {key} must hold only numbers, got an array of {raw.dtype}")
    return np.array(raw, dtype=np.float64, copy=True)


def _labels(key: str, labels: Any, size: int, prefix: str) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"{prefix}{i}" for i in range(size))
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise GameError(f"{key} must be a sequence of strings, got {labels!r}")
    out = tuple(str(x) for x in labels)
    require_unique(out, f"{key} must be unique", GameError)
    return out


@dataclass(frozen=True)
class BimatrixGame:
    """A two-player normal-form game with payoff matrices ``A`` (row) and ``B`` (column).

    Both matrices have shape ``(m, n)``: ``A[i, j]`` is the row player's payoff when row plays
    ``i`` and column plays ``j``.  Used for stage games and for meta-games built from
    tournament matrices.
    """

    A: np.ndarray
    B: np.ndarray
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    name: str = "bimatrix"

    def __post_init__(self) -> None:
        A = _matrix("A", self.A)
        B = _matrix("B", self.B)
        if A.ndim != 2 or A.shape[0] < 1 or A.shape[1] < 1:
            raise GameError(f"payoff matrix A must be a non-empty 2-d array, got shape {A.shape}")
        if B.shape != A.shape:
            raise GameError(f"payoff matrices differ in shape: A {A.shape} vs B {B.shape}")
        for key, M in (("A", A), ("B", B)):
            if not np.all(np.isfinite(M)):
                bad = np.argwhere(~np.isfinite(M))[0]
                raise GameError(f"payoff matrix {key} has a non-finite entry at {tuple(int(i) for i in bad)}")
        A.setflags(write=False)
        B.setflags(write=False)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        m, n = A.shape
        rl = _labels("row_labels", self.row_labels, m, "r")
        cl = _labels("col_labels", self.col_labels, n, "c")
        if len(rl) != m or len(cl) != n:
            raise GameError(f"labels ({len(rl)} rows, {len(cl)} cols) do not match the matrix shape {A.shape}")
        object.__setattr__(self, "row_labels", rl)
        object.__setattr__(self, "col_labels", cl)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape  # type: ignore[return-value]

    @classmethod
    def symmetric(cls, A: Iterable[Iterable[float]], labels: Sequence[str] | None = None, name: str = "symmetric") -> "BimatrixGame":
        """A symmetric game: the column player's matrix is ``A`` transposed."""
        A = _matrix("A", A)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise GameError(f"a symmetric game needs a square matrix, got shape {A.shape}")
        labs = tuple(labels) if labels is not None else None
        return cls(A, A.T.copy(), row_labels=labs, col_labels=labs, name=name)

    def is_symmetric(self, atol: float = 0.0) -> bool:
        return self.A.shape[0] == self.A.shape[1] and bool(np.allclose(self.A, self.B.T, atol=atol, rtol=0))
