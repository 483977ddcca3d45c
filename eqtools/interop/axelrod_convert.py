"""Classify and convert any of Axelrod's strategies: memory-one, finite-state, or simulated.

:func:`classify_axelrod` decides, for one Axelrod player and the game and match length it will
play, how eqtools plays it, and says which:

* ``"memory-one"`` — a :class:`~eqtools.strategies.MemoryOne` (Axelrod's ``MemoryOnePlayer``
  subclasses, the deterministic classics, and any strategy whose finite-state machine turns
  out to be memory-one); exact through :mod:`solvers.payoffs`.
* ``"finite-state"`` — a :class:`~eqtools.machines.FiniteStateStrategy`, exact through the
  product chain of :mod:`solvers.finite_state`.  Obtained by reading the machine
  (``FSMPlayer`` transition tables, ``HMMPlayer`` matrices) or by *tabulating* it: the
  player's own ``strategy()`` is replayed on one history per state of a finite state
  description — its declared memory depth (up to :data:`MAX_TABULATED_DEPTH`), the features
  of a lookup table (``LookerUp``/``Gambler``: own last k, other's last l, other's first m
  moves), or a state description from :data:`KNOWN_MACHINES` for strategies Axelrod classifies
  as infinite-memory that are finite-state (Grudger, the probers, ...).  Stochastic players are
  read through their generator: ``random_choice(p)`` reveals ``p``.  Every tabulated or read
  machine is then **checked against the player** on seeded random noisy histories; a machine
  that disagrees is rejected and the strategy is simulated, with the disagreement as reason.
* ``"simulated"`` — played by Axelrod's own ``Match``; the reason says why (uses the match
  length, reads or changes the co-player, randomness other than ``random_choice``, infinite
  memory with no known machine, too many states).

:func:`find_axelrod` resolves names the way users type them (``"Tit For 2 Tats"``,
``"TitFor2Tats"``, ``"tit-for-2-tats"``) with did-you-mean suggestions.
``import axelrod`` is slow (~20 s), so it happens lazily.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Hashable

import numpy as np

from ..errors import EqtoolsError, ParameterError
from ..games import Game, preset
from ..machines import FiniteStateStrategy
from ..strategies import MemoryOne

__all__ = [
    "AxelrodConversion",
    "classify_axelrod",
    "find_axelrod",
    "axelrod_names",
    "machine_player_class",
    "KNOWN_MACHINES",
    "MAX_TABULATED_DEPTH",
    "MAX_TABULATED_STATES",
]

#: Deepest declared memory that is tabulated (4^d histories are replayed).
MAX_TABULATED_DEPTH: int = 6
#: Most states a tabulated state description may have before the strategy is simulated.
MAX_TABULATED_STATES: int = 6000

History = tuple[int, ...]
Key = Callable[[History, History], Hashable]


def _axl():
    from .axelrod import _axl as load

    return load()


# --------------------------------------------------------------- known machines
#
# State descriptions ``key(own, other) -> hashable`` (tuples of played actions, 0 = C, 1 = D,
# oldest first) for strategies Axelrod classifies as infinite-memory although they are
# finite-state.  Each is a claim about the strategy's source; it is checked against the player
# (classify_axelrod rejects any that disagrees), never trusted.


def _opening(k: int, after: Callable[[History, History], Hashable]) -> Key:
    """Full history for the first ``k`` rounds, then ``after(own, other)``."""
    return lambda own, oth: ("h", own, oth) if len(oth) < k else ("s", after(own, oth))


def _spiteful_tft(own: History, oth: History) -> Hashable:
    dd = any(a == 1 and b == 1 for a, b in zip(oth, oth[1:]))
    return (len(oth) == 0, dd, oth[-1:] if oth else ())


#: Axelrod class name -> (state description, what it encodes).
KNOWN_MACHINES: dict[str, tuple[Key, str]] = {
    "Grudger": (lambda own, oth: 1 in oth, "has the co-player ever defected"),
    "EasyGo": (lambda own, oth: 1 in oth, "has the co-player ever defected"),
    "OppositeGrudger": (lambda own, oth: 0 in oth, "has the co-player ever cooperated"),
    "Aggravater": (lambda own, oth: (min(len(oth), 3), 1 in oth), "round (capped at 3), co-player ever defected"),
    "SpitefulCC": (lambda own, oth: (min(len(oth), 2), 1 in oth), "round (capped at 2), co-player ever defected"),
    "FirstByDavis": (lambda own, oth: (min(len(oth), 10), 1 in oth), "round (capped at 10), co-player ever defected"),
    "FoolMeOnce": (lambda own, oth: min(oth.count(1), 2), "co-player's defections, capped at 2"),
    "GrudgerAlternator": (lambda own, oth: (1 in oth, own[-1:]), "co-player ever defected, own last action"),
    "SpitefulTitForTat": (_spiteful_tft, "co-player ever defected twice in a row, co-player's last action"),
    "Appeaser": (lambda own, oth: (own[-1:], oth[-1:]), "last joint action"),
    "Handshake": (_opening(2, lambda own, oth: oth[:2] == (0, 1)), "opening, then whether the co-player answered C, D"),
    "Detective": (_opening(4, lambda own, oth: (1 in oth[:4], oth[-1])), "opening, co-player defected in it, co-player's last action"),
    "Prober": (_opening(3, lambda own, oth: (oth[1:3] == (0, 0), oth[-1])), "opening, the co-player's rounds 2-3, its last action"),
    "Prober2": (_opening(3, lambda own, oth: (oth[1:3] == (1, 0), oth[-1])), "opening, the co-player's rounds 2-3, its last action"),
    "Prober3": (_opening(2, lambda own, oth: (oth[1] == 0, oth[-1])), "opening, the co-player's round 2, its last action"),
    "HardProber": (_opening(4, lambda own, oth: (oth[1:3] == (0, 0), oth[-1])), "opening, the co-player's rounds 2-3, its last action"),
    "GradualKiller": (lambda own, oth: (min(len(oth), 7), oth[5:7]), "round (capped at 7), the co-player's rounds 6-7"),
}


# ---------------------------------------------------------------------- names


def _norm(name: str) -> str:
    """Case-, space- and punctuation-free form used to match names (``"Tit-For-2 tats"`` -> ``titfor2tats``)."""
    return re.sub(r"[^0-9a-z$\\]+", "", name.lower())


def axelrod_names() -> dict[str, type]:
    """Axelrod's strategy name -> class, for every strategy in ``axelrod.all_strategies``."""
    axl = _axl()
    return {cls.name: cls for cls in axl.all_strategies}


def find_axelrod(name: str) -> type:
    """The Axelrod strategy class called ``name``: its ``name`` (``"Tit For 2 Tats"``), its class
    name (``"TitFor2Tats"``), or either written without case, spaces or punctuation.

    Unknown names raise :class:`ParameterError` with the closest names as suggestions.
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"an Axelrod strategy name must be a non-empty string, got {name!r}")
    table = axelrod_names()
    if name in table:
        return table[name]
    index: dict[str, type] = {}
    for label, cls in table.items():
        index.setdefault(_norm(label), cls)
        index.setdefault(_norm(cls.__name__), cls)
    key = _norm(name)
    if key in index:
        return index[key]
    close = difflib.get_close_matches(key, list(index), n=4, cutoff=0.75)
    hint = list(dict.fromkeys(index[c].name for c in close))  # closest first
    raise ParameterError(f"no Axelrod strategy named {name!r}"
                         + (f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else "")
                         + " (see axelrod_names() for all of them)")


def suggestions(name: str, extra: list[str] | None = None, n: int = 4) -> list[str]:
    """Closest known names (Axelrod's and ``extra``) to ``name``, for did-you-mean messages."""
    names = list(extra or [])
    try:
        table = axelrod_names()
        names += list(table)
    except EqtoolsError:
        pass
    by_norm: dict[str, str] = {}
    for nm in names:
        by_norm.setdefault(_norm(nm), nm)
    close = difflib.get_close_matches(_norm(name), list(by_norm), n=n, cutoff=0.7)
    return [by_norm[c] for c in close]


# ------------------------------------------------------------------ probing


class _Unreadable(Exception):
    """The player draws randomness in a way that does not reveal its probability."""


class _Recorder:
    """Stands in for a player's generator: ``random_choice(p)`` records ``p`` and returns ``forced``."""

    def __init__(self, forced: Any) -> None:
        self.forced = forced
        self.calls: list[float] = []

    def random_choice(self, p: float = 0.5) -> Any:
        axl = _axl()
        if p == 0:
            return axl.Action.D
        if p == 1:
            return axl.Action.C
        self.calls.append(float(p))
        return self.forced

    def __getattr__(self, name: str) -> Any:
        raise _Unreadable(name)


def _blank_player():
    axl = _axl()

    class _Blank(axl.Player):
        name = "eqtools probe"
        classifier = {"memory_depth": 0, "stochastic": False, "long_run_time": False, "inspects_source": False,
                      "manipulates_source": False, "manipulates_state": False, "makes_use_of": set()}

        def strategy(self, opponent):  # pragma: no cover - never asked
            return axl.Action.C

    return _Blank()


class _Prober:
    """Replays histories into fresh copies of one Axelrod player to read its next action."""

    def __init__(self, template: Any, attrs: dict[str, Any]) -> None:
        axl = _axl()
        self.template, self.attrs = template, attrs
        self.A = (axl.Action.C, axl.Action.D)

    def fresh(self, forced: Any) -> tuple[Any, Any, _Recorder]:
        p = self.template.clone()
        p.set_match_attributes(**self.attrs)
        rec = _Recorder(forced)
        p._random = rec
        if getattr(p, "hmm", None) is not None:  # HMMPlayer shares its generator with its model
            p.hmm._random = rec
        o = _blank_player()
        o.set_match_attributes(**self.attrs)
        return p, o, rec

    def step(self, p: Any, o: Any, own: int, oth: int) -> None:
        p.update_history(self.A[own], self.A[oth])
        o.update_history(self.A[oth], self.A[own])

    def intended(self, p: Any, o: Any, rec: _Recorder) -> tuple[int, list[float]]:
        rec.calls.clear()
        act = p.strategy(o)
        return (0 if act == self.A[0] else 1), list(rec.calls)

    def coop_prob(self, own: History, oth: History) -> float:
        """P(C) of the intended action after the history ``(own, oth)``."""
        outs = []
        for forced in self.A:
            p, o, rec = self.fresh(forced)
            for a, b in zip(own, oth):
                self.intended(p, o, rec)
                self.step(p, o, a, b)
            outs.append(self.intended(p, o, rec))
        (a_c, calls_c), (a_d, calls_d) = outs
        if not calls_c and not calls_d:
            if a_c != a_d:
                raise _Unreadable("actions differ between replays without a random draw")
            return 1.0 - a_c
        if len(calls_c) != 1 or calls_c != calls_d:
            raise _Unreadable(f"{len(calls_c)} random draws in one move")
        p = calls_c[0]
        if (a_c, a_d) == (0, 1):
            return p
        if (a_c, a_d) == (1, 0):
            return 1.0 - p
        return 1.0 - a_c  # drew, but the action does not depend on the draw


def _tabulate(prober: _Prober, key: Key, name: str, source: str, max_states: int) -> FiniteStateStrategy:
    """BFS over the states of ``key``, one representative history each, their actions read by replay."""
    reps: list[tuple[History, History]] = [((), ())]
    index = {key((), ()): 0}
    nxt: list[list[list[int]]] = []
    k = 0
    while k < len(reps):
        own, oth = reps[k]
        row = [[0, 0], [0, 0]]
        for a in (0, 1):
            for b in (0, 1):
                h = (own + (a,), oth + (b,))
                kk = key(*h)
                if kk not in index:
                    if len(reps) >= max_states:
                        raise _TooLarge(f"more than {max_states} states")
                    index[kk] = len(reps)
                    reps.append(h)
                row[a][b] = index[kk]
        nxt.append(row)
        k += 1
    coop = [prober.coop_prob(own, oth) for own, oth in reps]
    return FiniteStateStrategy(coop, np.array(nxt, dtype=np.int64), 0, name=name, source=source).minimal()


class _TooLarge(Exception):
    pass


def _verify(prober: _Prober, machine: FiniteStateStrategy, *, sequences: int = 24, rounds: int = 64,
            seed: int = 0) -> str | None:
    """Play the machine beside the player on seeded random noisy histories; the first disagreement, or None.

    Each sequence draws the co-player's moves with a fixed defection rate (0, 0.1, 0.5, 0.9 or
    1 in turn) and plays the player's intended move with 20% flips.  Deterministic transitions only.
    """
    rng = np.random.default_rng(seed)
    rates = (0.0, 0.1, 0.5, 0.9, 1.0)
    for k in range(sequences):
        p, o, rec = prober.fresh(prober.A[0])
        state = machine.initial
        own_h: list[int] = []
        oth_h: list[int] = []
        for t in range(rounds):
            act, calls = prober.intended(p, o, rec)
            want = float(machine.coop[state])
            if calls:
                got = calls[0] if act == 0 else 1.0 - calls[0]
                ok = len(calls) == 1 and got == want
            else:
                got = 1.0 - act
                ok = got == want
            if not ok:
                return (f"after history own={''.join('CD'[a] for a in own_h)} other={''.join('CD'[b] for b in oth_h)} "
                        f"the player cooperates with probability {got:g}, the machine with {want:g}")
            own = act if rng.random() >= 0.2 else 1 - act
            oth = int(rng.random() < rates[k % len(rates)])
            prober.step(p, o, own, oth)
            own_h.append(own)
            oth_h.append(oth)
            state = int(machine.next_state[state, own, oth, 0])
    return None


# ------------------------------------------------------------ classification


@dataclass(frozen=True)
class AxelrodConversion:
    """How eqtools plays one Axelrod strategy.

    ``kind``: ``"memory-one"``, ``"finite-state"`` or ``"simulated"``; ``strategy``: the
    :class:`MemoryOne` or :class:`FiniteStateStrategy` (``None`` when simulated); ``player``: the
    Axelrod player (an instance; cloned for every match); ``method``: how the strategy was
    obtained; ``reason``: why it is simulated (empty otherwise); ``n_states``: states of the
    minimal machine (0 when simulated); ``verified``: whether the machine was checked against
    the player on random histories.
    """

    name: str
    kind: str
    strategy: MemoryOne | FiniteStateStrategy | None
    player: Any
    method: str
    reason: str = ""
    n_states: int = 0
    verified: bool = False

    @property
    def exact(self) -> bool:
        return self.kind != "simulated"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "method": self.method, "reason": self.reason,
                "n_states": self.n_states, "verified": self.verified,
                "axelrod_class": type(self.player).__name__}


def _instance(player: Any) -> Any:
    axl = _axl()
    if isinstance(player, str):
        player = find_axelrod(player)
    if isinstance(player, type):
        if not issubclass(player, axl.Player):
            raise ParameterError(f"{player.__name__} is not an axelrod.Player class")
        return player()
    if not isinstance(player, axl.Player):
        raise ParameterError(f"expected an Axelrod player (class, instance or name), got {type(player).__name__}")
    return player.clone()


def _simulated(pl: Any, reason: str) -> AxelrodConversion:
    return AxelrodConversion(str(pl.name), "simulated", None, pl, "axelrod.Match", reason)


def _finish(pl: Any, machine: FiniteStateStrategy, method: str, prober: _Prober, verify: bool) -> AxelrodConversion:
    name = str(pl.name)
    machine = machine.with_name(name)
    verified = False
    if verify and machine.deterministic_transitions:
        bad = _verify(prober, machine)
        if bad is not None:
            return _simulated(pl, f"the {method} machine disagrees with the player: {bad}")
        verified = True
    m1 = machine.memory_one()
    if m1 is not None:
        return AxelrodConversion(name, "memory-one", m1.with_name(name), pl, f"{method}; memory-one", "",
                                 machine.n_states, verified)
    return AxelrodConversion(name, "finite-state", machine, pl, method, "", machine.n_states, verified)


def classify_axelrod(player: Any, game: Game | str = "axelrod", *, length: int | float = -1, noise: float = 0.0,
                     verify: bool = True) -> AxelrodConversion:
    """Decide how eqtools plays one Axelrod strategy (class, instance or name) in ``game``.

    ``length``: the match length the player will be told (Axelrod tells it in fixed-length
    matches; ``-1`` or ``inf`` when unknown); strategies that use it are simulated when it is
    known.  ``noise`` is passed to players that read it.  ``verify=False`` skips the check of
    the machine against the player (faster; not recommended).  See the module docstring.
    """
    from ..strategies import validate_noise
    from .axelrod import axelrod_game, from_axelrod

    axl = _axl()
    g = preset(game)
    eps = validate_noise(noise)
    if isinstance(length, bool) or not isinstance(length, (int, float, np.integer, np.floating)):
        raise ParameterError(f"length must be a number of rounds, -1 or inf, got {length!r}")
    pl = _instance(player)
    name = str(pl.name)
    cls = pl.classifier
    if cls.get("inspects_source") or cls.get("manipulates_source") or cls.get("manipulates_state"):
        return _simulated(pl, "reads or changes the co-player (Axelrod classifies it as cheating)")
    uses = axl.Classifiers["makes_use_of"](pl) or set()
    if "length" in uses and 0 < float(length) < float("inf"):
        return _simulated(pl, "uses the match length (behaves differently near the end of the match)")
    attrs = {"length": length, "game": axelrod_game(g), "noise": eps}
    prober = _Prober(pl, attrs)
    # 1. memory-one players whose four-vector eqtools reads directly.
    if isinstance(pl, axl.MemoryOnePlayer) or getattr(type(pl), "eqtools_vector", None) is not None:
        try:
            m1 = from_axelrod(pl, g, name=name)
        except EqtoolsError as exc:
            return _simulated(pl, f"its memory-one vector is invalid in this game: {exc}")
        return AxelrodConversion(name, "memory-one", m1, pl, "MemoryOnePlayer four-vector", "", 5, False)
    try:
        # 2. machines read from the player.
        if isinstance(pl, axl.FSMPlayer):
            trans = [(s, str(a), ns, str(b)) for (s, a), (ns, b) in pl.fsm.state_transitions.items()]
            m = FiniteStateStrategy.from_mealy(trans, pl.initial_state, str(pl.initial_action), name=name,
                                               source="Axelrod FSMPlayer transitions")
            return _finish(pl, m, "FSMPlayer transition table", prober, verify)
        from axelrod.strategies.hmm import HMMPlayer

        if isinstance(pl, HMMPlayer):
            h = pl.hmm
            m = FiniteStateStrategy.from_hmm(h.transitions_C, h.transitions_D, h.emission_probabilities,
                                             int(pl.initial_state), str(pl.initial_action), name=name,
                                             source="Axelrod HMMPlayer matrices")
            return _finish(pl, m, "HMMPlayer matrices", prober, verify)
        # 3. tabulated from a state description.
        lookup = getattr(pl, "_lookup", None)
        depth = cls.get("memory_depth", float("inf"))
        cycle = getattr(pl, "cycle", None)
        if isinstance(pl, axl.Cycler) and isinstance(cycle, str) and 0 < len(cycle) <= MAX_TABULATED_STATES:
            k = len(cycle)
            m = _tabulate(prober, lambda own, oth: len(own) % k, name, f"cycle {cycle}", MAX_TABULATED_STATES)
            return _finish(pl, m, f"cycle of length {k} ({cycle})", prober, verify)
        if type(pl).__name__ in KNOWN_MACHINES:
            key, what = KNOWN_MACHINES[type(pl).__name__]
            m = _tabulate(prober, key, name, f"tabulated: {what}", MAX_TABULATED_STATES)
            return _finish(pl, m, f"tabulated state description ({what})", prober, verify)
        if lookup is not None and hasattr(pl, "_initial_actions_pool"):
            kp, ko, km = int(lookup.player_depth), int(lookup.op_depth), int(lookup.op_openings_depth)
            L = max(kp, ko, km, len(pl._initial_actions_pool))
            if 4**L > MAX_TABULATED_STATES:
                return _simulated(pl, f"its lookup table's opening ({L} rounds) has too many histories to tabulate")

            def key(own: History, oth: History) -> Hashable:
                if len(oth) < L:
                    return ("h", own, oth)
                return ("f", own[len(own) - kp:] if kp else (), oth[len(oth) - ko:] if ko else (), oth[:km])

            m = _tabulate(prober, key, name, f"tabulated lookup table (own {kp}, other {ko}, other's first {km})",
                          MAX_TABULATED_STATES)
            return _finish(pl, m, f"tabulated lookup table (own last {kp}, other's last {ko}, other's first {km})",
                           prober, verify)
        if depth != float("inf"):
            d = int(depth)
            if d > MAX_TABULATED_DEPTH:
                return _simulated(pl, f"memory depth {d} is above the tabulated limit {MAX_TABULATED_DEPTH} "
                                      f"(4^{d} histories)")

            def key(own: History, oth: History) -> Hashable:
                return (own, oth) if len(own) < d else (own[len(own) - d:], oth[len(oth) - d:]) if d else ()

            m = _tabulate(prober, key, name, f"memory-{d} table", MAX_TABULATED_STATES)
            return _finish(pl, m, f"memory-{d} table (declared memory depth)", prober, verify)
    except _Unreadable as exc:
        return _simulated(pl, f"draws randomness in a way eqtools cannot read ({exc})")
    except _TooLarge as exc:
        return _simulated(pl, f"its state description has {exc}")
    except EqtoolsError as exc:  # e.g. a table entry that is not a probability
        return _simulated(pl, f"its machine could not be built: {exc}")
    except Exception as exc:  # noqa: BLE001 - a player that fails on replayed histories is simulated, not lost
        return _simulated(pl, f"replaying histories into it failed ({type(exc).__name__}: {exc})")
    return _simulated(pl, "infinite memory (Axelrod's classifier) and no finite-state machine known")


# -------------------------------------------------------- machines in Axelrod


def machine_player_class(machine: FiniteStateStrategy, name: str | None = None) -> type:
    """An ``axelrod.Player`` subclass playing ``machine`` (stochastic moves and transitions drawn
    from the player's own seeded generator), so machines can meet any Axelrod strategy in
    Axelrod's ``Match``.  The class takes no constructor arguments."""
    import hashlib
    import sys

    from .axelrod import _move, _player_class

    axl = _axl()
    if not isinstance(machine, FiniteStateStrategy):
        raise ParameterError(f"expected a FiniteStateStrategy, got {type(machine).__name__}")
    m = machine.minimal()
    C, D = axl.Action.C, axl.Action.D
    label = name or f"eqtools-machine:{m.name}"

    def __init__(self):
        axl.Player.__init__(self)
        self._state = m.initial

    def strategy(self, opponent):
        if self.history:
            own = 0 if self.history[-1] == C else 1
            oth = 0 if opponent.history[-1] == C else 1
            succ = m.successors(self._state, own, oth)
            if len(succ) == 1:
                self._state = succ[0][0]
            else:
                u = self._random.random()
                acc = 0.0
                for s, pr in succ:
                    acc += pr
                    if u < acc:
                        break
                self._state = s
        return _move(self, float(m.coop[self._state]), C, D)

    digest = hashlib.sha1(m.to_json().encode()).hexdigest()[:8]
    cls_name = "EqtoolsMachine_" + "".join(ch if ch.isalnum() else "_" for ch in m.name) + "_" + digest
    return _player_class(cls_name, label, memory_depth=float("inf"), stochastic=not m.is_deterministic,
                         attrs={"__init__": __init__, "strategy": strategy, "eqtools_machine": m,
                                "__doc__": f"eqtools finite-state strategy {m!r}"}, module=sys.modules[__name__])
