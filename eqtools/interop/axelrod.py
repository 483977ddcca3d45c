"""Axelrod interop (optional extra ``eqtools[axelrod]``, pinned ``axelrod==4.13.1``).

* :func:`axelrod_player_class` turns a :class:`~eqtools.strategies.MemoryOne` into an
  ``axelrod.Player`` subclass (Axelrod identifies strategies by class and caches results by
  ``name``, so every wrapped strategy gets its own class and a unique name).  Stochastic moves
  are drawn with the player's own generator (``self._random``), so Axelrod's seeding makes
  matches reproducible.
* :func:`from_axelrod` converts Axelrod's memory-one strategies into ours for a given game.
  Axelrod's ZD strategies recompute their four-vector from the match's game; under other
  payoffs (e.g. the paper's (1, -1, 2, 0)) some parameters give probabilities outside [0, 1],
  which raises a clear error here.

``import axelrod`` takes ~24 s, so it happens lazily inside these functions.  Axelrod 4.14+ is
not supported: it makes torch a hard dependency and forces the "spawn" start method.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from ..errors import EqtoolsError, InvalidProbabilityError, ParameterError
from ..games import Game, preset
from ..strategies import MemoryOne

__all__ = ["axelrod_player_class", "axelrod_player", "from_axelrod", "axelrod_game", "SUPPORTED_AXELROD"]

SUPPORTED_AXELROD = "4.13.1"


def _axl():
    try:
        import axelrod as axl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EqtoolsError(
            "Axelrod interop needs the optional extra: pip install 'eqtools[axelrod]' (axelrod==4.13.1)"
        ) from exc
    return axl


def axelrod_game(game: Game | str) -> Any:
    """An ``axelrod.Game`` with the same payoffs (Axelrod orders them r, s, t, p)."""
    g = preset(game)
    return _axl().Game(r=g.R, s=g.S, t=g.T, p=g.P)


def _move(player: Any, p: float, C: Any, D: Any) -> Any:
    """The action of an Axelrod ``player`` that cooperates with probability ``p``: ``C`` or ``D``
    (Axelrod's actions) outright at 1 or 0, else drawn with the player's own generator (Axelrod
    seeds only players classified as stochastic; they draw from ``self._random``)."""
    if p == 1.0:
        return C
    if p == 0.0:
        return D
    return player._random.random_choice(p)


def _player_class(cls_name: str, name: str, *, memory_depth: float, stochastic: bool, attrs: dict[str, Any],
                  module: Any) -> type:
    """The one shim behind every ``axelrod.Player`` subclass eqtools and the learners build: Axelrod's
    classifier (only ``memory_depth`` and ``stochastic`` vary), ``name``, the methods in ``attrs``,
    and the class registered as ``module.<cls_name>`` so pickle (used by Axelrod for clones and
    parallel tournaments) can find it again."""
    body = {
        "name": name,
        "classifier": {
            "memory_depth": memory_depth,
            "stochastic": stochastic,
            "long_run_time": False,
            "inspects_source": False,
            "manipulates_source": False,
            "manipulates_state": False,
            "makes_use_of": set(),
        },
        "__module__": module.__name__,
        **attrs,
    }
    cls = type(cls_name, (_axl().Player,), body)
    cls.__qualname__ = cls_name
    setattr(module, cls_name, cls)
    return cls


def _unique_name(strategy: MemoryOne) -> str:
    digest = hashlib.sha1(strategy.vector.tobytes()).hexdigest()[:8]
    return f"eqtools:{strategy.name}:{digest}"


def axelrod_player_class(strategy: MemoryOne, name: str | None = None) -> type:
    """An ``axelrod.Player`` subclass that plays ``strategy``.

    The class takes no constructor arguments (as Axelrod's own strategies), carries correct
    classifiers (memory depth 1, stochastic unless every probability is 0 or 1) and a name that
    is unique per probability vector unless ``name`` is given.
    """
    axl = _axl()
    if not isinstance(strategy, MemoryOne):
        raise ParameterError(f"expected a MemoryOne strategy, got {type(strategy).__name__}")
    vec = tuple(float(v) for v in strategy.vector)
    C, D = axl.Action.C, axl.Action.D
    index = {(C, C): 1, (C, D): 2, (D, C): 3, (D, D): 4}

    def strategy_fn(self, opponent):
        if not self.history:
            return _move(self, vec[0], C, D)
        return _move(self, vec[index[(self.history[-1], opponent.history[-1])]], C, D)

    label = name or _unique_name(strategy)
    digest = hashlib.sha1(repr((vec, label)).encode()).hexdigest()[:8]
    cls_name = "Eqtools_" + "".join(ch if ch.isalnum() else "_" for ch in strategy.name) + "_" + digest
    return _player_class(cls_name, label, memory_depth=1, stochastic=not strategy.is_deterministic,
                         attrs={"strategy": strategy_fn, "eqtools_vector": vec,
                                "__doc__": f"eqtools memory-one strategy {strategy}"}, module=sys.modules[__name__])


def axelrod_player(strategy: MemoryOne, name: str | None = None) -> Any:
    """An instance of :func:`axelrod_player_class`."""
    return axelrod_player_class(strategy, name)()


def from_axelrod(player: Any, game: Game | str = "axelrod", name: str | None = None) -> MemoryOne:
    """Convert an Axelrod memory-one player (class or instance) into a :class:`MemoryOne`.

    Supported: subclasses of ``axelrod.MemoryOnePlayer`` (four-vector plus an initial action,
    including the ZD family, recomputed for ``game``), players made by
    :func:`axelrod_player_class`, and the deterministic classics Cooperator, Defector,
    TitForTat, WinStayLoseShift and Alternator.  Anything else raises :class:`ParameterError`.
    """
    axl = _axl()
    if not (isinstance(player, axl.Player) or (isinstance(player, type) and issubclass(player, axl.Player))):
        raise ParameterError(f"player must be an Axelrod player (class or instance), got {player!r}"[:300])
    pl = player() if isinstance(player, type) else player.clone()
    label = name or str(pl.name)
    vec = getattr(type(pl), "eqtools_vector", None)
    if vec is not None:
        return MemoryOne.from_vector(vec, name=label)
    C = axl.Action.C
    classics = {
        "Cooperator": (1, 1, 1, 1, 1),
        "Defector": (0, 0, 0, 0, 0),
        "Tit For Tat": (1, 1, 0, 1, 0),
        "Win-Stay Lose-Shift": (1, 1, 0, 0, 1),
        "Alternator": (1, 0, 0, 1, 1),
    }
    if isinstance(pl, axl.MemoryOnePlayer):
        try:
            pl.set_match_attributes(game=axelrod_game(game))
        except ValueError as exc:
            raise InvalidProbabilityError(
                f"Axelrod's {pl.name!r} is invalid under game {preset(game)}: {exc}"
            ) from exc
        fv = pl._four_vector
        p = [fv[(C, C)], fv[(C, axl.Action.D)], fv[(axl.Action.D, C)], fv[(axl.Action.D, axl.Action.D)]]
        p0 = 1.0 if pl._initial == C else 0.0
        return MemoryOne(p0, tuple(float(v) for v in p), name=label)  # type: ignore[arg-type]
    if pl.name in classics and pl.classifier.get("memory_depth") in (0, 1):
        return MemoryOne.from_vector(classics[pl.name], name=label)
    raise ParameterError(f"Axelrod player {pl.name!r} is not a memory-one strategy eqtools can convert")
