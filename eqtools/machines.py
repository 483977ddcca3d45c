"""Finite-state strategies: Moore machines over the joint actions actually played.

A :class:`FiniteStateStrategy` is in one of ``S`` states; in state ``s`` it cooperates with
probability ``coop[s]``; after a round in which the actions *played* (execution errors
included) were ``own`` and ``other`` (``C = 0``, ``D = 1``) it moves to the next state drawn
from ``transitions(s, own, other)`` (deterministic for most machines).  Play starts in
``initial``.  This covers

* memory-one strategies (:meth:`FiniteStateStrategy.from_memory_one`: a start state and one state
  per previous joint action),
* memory-``n`` tables, deterministic or stochastic (:meth:`FiniteStateStrategy.memory_n`),
* Axelrod-style finite-state machines that read the co-player's last action
  (:meth:`FiniteStateStrategy.from_mealy`; Tit-for-Two-Tats, Grudger, the evolved FSMs, ...),
* hidden-Markov players with stochastic transitions (:meth:`FiniteStateStrategy.from_hmm`).

Because the next state depends on the actions *played*, execution noise is exact: a noisy
player is the same machine with its intended action flipped with probability ``noise``.  Exact
payoffs of two machines (the product Markov chain) are computed by
:mod:`solvers.finite_state`; :meth:`FiniteStateStrategy.minimal` merges equivalent states so
those chains stay small.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import InvalidProbabilityError, ParameterError, SizeLimitError
from .strategies import MemoryOne

__all__ = ["FiniteStateStrategy", "MAX_MACHINE_STATES", "action_index"]

#: Largest number of states a machine may have (larger requests raise :class:`SizeLimitError`).
MAX_MACHINE_STATES: int = 100_000


def action_index(a: Any, what: str = "action") -> int:
    """``0`` for cooperate and ``1`` for defect, from ``0/1``, ``"C"/"D"`` or an ``axelrod.Action``."""
    if isinstance(a, (bool, np.bool_)):
        raise ParameterError(f"{what} must be 'C', 'D', 0 (C) or 1 (D), got {a!r}")
    if isinstance(a, (int, np.integer)) and int(a) in (0, 1):
        return int(a)
    s = str(a).strip().upper()
    if s in ("C", "D"):
        return 0 if s == "C" else 1
    raise ParameterError(f"{what} must be 'C', 'D', 0 (C) or 1 (D), got {a!r}")


def _int_array(name: str, x: Any, shape_tail: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except ValueError:
        raise ParameterError(f"{name} is ragged; expected an integer array of shape (S, {', '.join(map(str, shape_tail))}, ...)") from None
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ParameterError(f"{name} must hold state indices (integers), got dtype {arr.dtype}")
    return arr.astype(np.int64)


class FiniteStateStrategy:
    """A (possibly stochastic) Moore machine playing the iterated 2x2 game.

    Parameters
    ----------
    coop:
        ``(S,)`` probabilities of cooperating (intended action) in each state.
    next_state:
        ``(S, 2, 2)`` integer array: the next state after a round with played actions
        ``(own, other)``; or ``(S, 2, 2, k)`` with ``next_prob`` for stochastic transitions.
    next_prob:
        ``(S, 2, 2, k)`` probabilities of the ``k`` successor entries (rows sum to 1); omit for
        deterministic transitions.
    initial:
        The state of the first round.
    name:
        Label used in tournaments and plots.
    state_labels:
        Optional readable names of the states.
    source:
        How the machine was obtained (shown in reports), e.g. ``"Axelrod FSMPlayer transitions"``.
    """

    __slots__ = ("_coop", "_succ", "_prob", "_initial", "_name", "_labels", "_source")

    def __init__(self, coop: Any, next_state: Any, initial: int = 0, *, next_prob: Any = None, name: str = "machine",
                 state_labels: Sequence[str] | None = None, source: str = "") -> None:
        if not isinstance(name, str):
            raise ParameterError(f"machine name must be a string, got {name!r}")
        if coop is None or isinstance(coop, (str, bytes)):
            raise InvalidProbabilityError(f"machine {name!r}: coop must be an array of probabilities, got {coop!r}")
        try:
            c = np.asarray(coop)
        except ValueError:
            raise InvalidProbabilityError(f"machine {name!r}: coop is ragged") from None
        if c.dtype.kind not in "biuf" or c.ndim != 1 or c.size == 0:
            raise InvalidProbabilityError(f"machine {name!r}: coop must be a non-empty 1-d array of probabilities, got {coop!r}"[:300])
        c = c.astype(np.float64)
        bad = ~np.isfinite(c) | (c < 0) | (c > 1)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InvalidProbabilityError(f"machine {name!r}: coop[{i}] = {float(c[i])!r} is not a probability in [0, 1]")
        S = c.size
        if S > MAX_MACHINE_STATES:
            raise SizeLimitError(f"machine {name!r}: {S} states, above the limit of {MAX_MACHINE_STATES} "
                                 "(eqtools.machines.MAX_MACHINE_STATES); minimise it or use fewer states")
        succ = _int_array(f"machine {name!r}: next_state", next_state, (2, 2))
        if succ.ndim == 3:
            succ = succ[..., None]
        if succ.ndim != 4 or succ.shape[:3] != (S, 2, 2):
            raise ParameterError(f"machine {name!r}: next_state must have shape ({S}, 2, 2) or ({S}, 2, 2, k), got {succ.shape}")
        if np.any((succ < 0) | (succ >= S)):
            raise ParameterError(f"machine {name!r}: next_state holds a state index outside 0..{S - 1}")
        if next_prob is None:
            if succ.shape[3] != 1:
                raise ParameterError(f"machine {name!r}: next_state has {succ.shape[3]} successors per entry; give next_prob")
            prob = np.ones(succ.shape)
        else:
            try:
                prob = np.asarray(next_prob, dtype=np.float64)
            except (TypeError, ValueError):
                raise InvalidProbabilityError(f"machine {name!r}: next_prob must be an array of probabilities") from None
            if prob.shape != succ.shape:
                raise ParameterError(f"machine {name!r}: next_prob has shape {prob.shape}, next_state {succ.shape}")
            if np.any(~np.isfinite(prob) | (prob < 0) | (prob > 1)):
                raise InvalidProbabilityError(f"machine {name!r}: next_prob holds a value outside [0, 1]")
            tot = prob.sum(axis=-1)
            if np.any(np.abs(tot - 1.0) > 1e-9):
                idx = tuple(int(v) for v in np.argwhere(np.abs(tot - 1.0) > 1e-9)[0])
                raise InvalidProbabilityError(f"machine {name!r}: transition probabilities of entry {idx} sum to "
                                              f"{float(tot[idx])!r}, not 1")
        if isinstance(initial, (bool, np.bool_)) or not isinstance(initial, (int, np.integer)) or not 0 <= initial < S:
            raise ParameterError(f"machine {name!r}: initial must be a state index in 0..{S - 1}, got {initial!r}")
        labels = None
        if state_labels is not None:
            if isinstance(state_labels, (str, bytes)) or not isinstance(state_labels, Iterable):
                raise ParameterError(f"machine {name!r}: state_labels must be a sequence of strings")
            labels = tuple(str(v) for v in state_labels)
            if len(labels) != S:
                raise ParameterError(f"machine {name!r}: {len(labels)} state labels for {S} states")
        if not isinstance(source, str):
            raise ParameterError(f"machine {name!r}: source must be a string, got {source!r}")
        for arr in (c, succ, prob):
            arr.setflags(write=False)
        self._coop, self._succ, self._prob = c, succ, prob
        self._initial, self._name, self._labels, self._source = int(initial), name, labels, source

    # ---------------------------------------------------------------- access
    @property
    def coop(self) -> np.ndarray:
        """``(S,)`` read-only probabilities of cooperating in each state."""
        return self._coop

    @property
    def next_state(self) -> np.ndarray:
        """``(S, 2, 2, k)`` successor states after (own, other) played."""
        return self._succ

    @property
    def next_prob(self) -> np.ndarray:
        """``(S, 2, 2, k)`` probabilities of the successors (all ones for ``k = 1``)."""
        return self._prob

    @property
    def initial(self) -> int:
        return self._initial

    @property
    def name(self) -> str:
        return self._name

    @property
    def state_labels(self) -> tuple[str, ...]:
        return self._labels if self._labels is not None else tuple(f"s{i}" for i in range(self.n_states))

    @property
    def source(self) -> str:
        return self._source

    @property
    def n_states(self) -> int:
        return int(self._coop.size)

    @property
    def deterministic_transitions(self) -> bool:
        return bool(np.all((self._prob == 1.0) | (self._prob == 0.0)))

    @property
    def is_deterministic(self) -> bool:
        """True when both the actions and the transitions are deterministic (before noise)."""
        return bool(np.all((self._coop == 0.0) | (self._coop == 1.0))) and self.deterministic_transitions

    def successors(self, state: int, own: int, other: int) -> list[tuple[int, float]]:
        """``[(next state, probability), ...]`` after a round with played actions ``own``, ``other``."""
        out: dict[int, float] = {}
        for s, p in zip(self._succ[state, own, other], self._prob[state, own, other]):
            if p > 0:
                out[int(s)] = out.get(int(s), 0.0) + float(p)
        return sorted(out.items())

    def with_name(self, name: str) -> "FiniteStateStrategy":
        return FiniteStateStrategy(self._coop, self._succ, self._initial, next_prob=self._prob, name=name,
                                   state_labels=self._labels, source=self._source)

    def __repr__(self) -> str:
        kind = "deterministic" if self.is_deterministic else "stochastic"
        return f"FiniteStateStrategy({self._name!r}, {self.n_states} states, {kind})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FiniteStateStrategy):
            return NotImplemented
        return (self._name == other._name and self._initial == other._initial and np.array_equal(self._coop, other._coop)
                and np.array_equal(self._succ, other._succ) and np.array_equal(self._prob, other._prob))

    def __hash__(self) -> int:
        return hash((self._name, self._initial, self._coop.tobytes(), self._succ.tobytes(), self._prob.tobytes()))

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_memory_one(cls, strategy: MemoryOne) -> "FiniteStateStrategy":
        """The memory-one strategy as a machine: a start state and one state per previous joint action."""
        if not isinstance(strategy, MemoryOne):
            raise ParameterError(f"expected a MemoryOne strategy, got {type(strategy).__name__}")
        nxt = np.empty((5, 2, 2), dtype=np.int64)
        for a in (0, 1):
            for b in (0, 1):
                nxt[:, a, b] = 1 + 2 * a + b
        return cls(strategy.vector, nxt, 0, name=strategy.name, state_labels=("start", "CC", "CD", "DC", "DD"),
                   source="memory-one vector")

    @classmethod
    def memory_n(cls, n: int, rule: Callable[[tuple[int, ...], tuple[int, ...]], float], *, name: str = "memory-n",
                 source: str = "") -> "FiniteStateStrategy":
        """A memory-``n`` strategy from ``rule(own, other) -> P(C)``.

        ``own`` and ``other`` are tuples of played actions (0 = C, 1 = D), oldest first: the whole
        history while it is shorter than ``n`` rounds, else the last ``n`` rounds.  The result is
        :meth:`minimal` (equivalent histories merged).  ``n`` is limited to 8 (4^8 = 65536 windows).
        """
        from .validation import positive_int

        n = positive_int("n", n)
        if n > 8:
            raise SizeLimitError(f"n: a memory-{n} table has 4^{n} = {4 ** n} histories; the limit is n = 8")
        if not callable(rule):
            raise ParameterError(f"rule must be a callable rule(own, other) -> P(C), got {rule!r}")
        hists: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())]
        index = {((), ()): 0}
        k = 0
        while k < len(hists):
            own, oth = hists[k]
            k += 1
            for a in (0, 1):
                for b in (0, 1):
                    h = ((own + (a,))[-n:], (oth + (b,))[-n:])
                    if h not in index:
                        index[h] = len(hists)
                        hists.append(h)
        coop = np.empty(len(hists))
        for i, (own, oth) in enumerate(hists):
            v = rule(own, oth)
            try:
                coop[i] = float(v)
            except (TypeError, ValueError):
                raise InvalidProbabilityError(f"rule{(own, oth)} returned {v!r}, not a probability") from None
        nxt = np.empty((len(hists), 2, 2), dtype=np.int64)
        for i, (own, oth) in enumerate(hists):
            for a in (0, 1):
                for b in (0, 1):
                    nxt[i, a, b] = index[((own + (a,))[-n:], (oth + (b,))[-n:])]
        labels = ["start" if not h[0] else "".join("CD"[a] + "CD"[b] for a, b in zip(*h)) for h in hists]
        return cls(coop, nxt, 0, name=name, state_labels=labels, source=source or f"memory-{n} table").minimal()

    @classmethod
    def from_mealy(cls, transitions: Iterable[Sequence[Any]], initial_state: Any, initial_action: Any, *,
                   name: str = "fsm", source: str = "") -> "FiniteStateStrategy":
        """An Axelrod-style machine ``((state, other's last action, next state, action), ...)``.

        The machine plays ``initial_action`` first (in ``initial_state``); afterwards, seeing the
        co-player's last *played* action, it moves and plays the action of the transition (the
        format of ``axelrod.FSMPlayer``).  Converted to a Moore machine whose states are the
        reachable pairs (machine state, action to play).
        """
        if isinstance(transitions, (str, bytes)) or not isinstance(transitions, Iterable):
            raise ParameterError(f"transitions must be a sequence of (state, other action, next state, action), got {transitions!r}")
        table: dict[tuple[Any, int], tuple[Any, int]] = {}
        for k, row in enumerate(transitions):
            try:
                st, inp, nst, out = row
            except (TypeError, ValueError):
                raise ParameterError(f"transition {k} must be (state, other action, next state, action), got {row!r}") from None
            key = (st, action_index(inp, f"transition {k}: other action"))
            if key in table:
                raise ParameterError(f"transition {k}: state {st!r} has two entries for other action {'CD'[key[1]]}")
            table[key] = (nst, action_index(out, f"transition {k}: action"))
        start = (initial_state, action_index(initial_action, "initial_action"))
        states = [start]
        index = {start: 0}
        k = 0
        while k < len(states):
            st, _ = states[k]
            k += 1
            for b in (0, 1):
                if (st, b) not in table:
                    raise ParameterError(f"machine {name!r}: state {st!r} has no transition for other action {'CD'[b]}")
                nxt = table[(st, b)]
                if nxt not in index:
                    index[nxt] = len(states)
                    states.append(nxt)
        coop = np.array([1.0 - a for _, a in states])
        nxt_arr = np.empty((len(states), 2, 2), dtype=np.int64)
        for i, (st, _) in enumerate(states):
            for b in (0, 1):
                nxt_arr[i, :, b] = index[table[(st, b)]]
        labels = [f"{st}/{'CD'[a]}" for st, a in states]
        return cls(coop, nxt_arr, 0, name=name, state_labels=labels, source=source or "Mealy transition table")

    @classmethod
    def from_hmm(cls, transitions_C: Any, transitions_D: Any, emission: Any, initial_state: int, initial_action: Any, *,
                 name: str = "hmm", source: str = "") -> "FiniteStateStrategy":
        """A hidden-Markov player (the format of ``axelrod.HMMPlayer``).

        It plays ``initial_action`` first; afterwards its hidden state moves by the row of
        ``transitions_C`` or ``transitions_D`` (by the co-player's last played action) and it
        cooperates with probability ``emission[new state]``.
        """
        tc, td = (np.asarray(t, dtype=np.float64) for t in (transitions_C, transitions_D))
        em = np.asarray(emission, dtype=np.float64)
        H = em.size
        if em.ndim != 1 or tc.shape != (H, H) or td.shape != (H, H):
            raise ParameterError(f"machine {name!r}: transitions must be {H}x{H} for {H} emission probabilities")
        if isinstance(initial_state, (bool, np.bool_)) or not isinstance(initial_state, (int, np.integer)) or not 0 <= initial_state < H:
            raise ParameterError(f"machine {name!r}: initial_state must be in 0..{H - 1}, got {initial_state!r}")
        a0 = action_index(initial_action, "initial_action")
        # State 0: the opening (plays a0); states 1..H: hidden states.
        coop = np.concatenate([[1.0 - a0], em])
        succ = np.broadcast_to(np.arange(1, H + 1), (H + 1, 2, 2, H)).copy()
        prob = np.empty((H + 1, 2, 2, H))
        rows = np.concatenate([[initial_state], np.arange(H)])
        for b, T in ((0, tc), (1, td)):
            prob[:, :, b, :] = T[rows][:, None, :]
        return cls(coop, succ, 0, next_prob=prob, name=name, state_labels=["start"] + [f"h{i}" for i in range(H)],
                   source=source or "hidden Markov model").minimal()

    # ------------------------------------------------------------- reduction
    def reachable(self) -> "FiniteStateStrategy":
        """The machine restricted to the states reachable from ``initial`` under any play."""
        seen = np.zeros(self.n_states, dtype=bool)
        seen[self._initial] = True
        frontier = [self._initial]
        while frontier:
            s = frontier.pop()
            nxt = self._succ[s][self._prob[s] > 0]
            for t in np.unique(nxt):
                if not seen[t]:
                    seen[t] = True
                    frontier.append(int(t))
        if seen.all():
            return self
        keep = np.flatnonzero(seen)
        return self._relabel(keep, np.searchsorted(keep, np.arange(self.n_states)))

    def _relabel(self, keep: np.ndarray, new_index: np.ndarray) -> "FiniteStateStrategy":
        succ = new_index[self._succ[keep]]
        labels = None if self._labels is None else [self._labels[i] for i in keep]
        return FiniteStateStrategy(self._coop[keep], succ, int(new_index[self._initial]), next_prob=self._prob[keep],
                                   name=self._name, state_labels=labels, source=self._source)

    def minimal(self) -> "FiniteStateStrategy":
        """An equivalent machine with the fewest states: reachable states, equivalent ones merged.

        Two states are equivalent when they cooperate with the same probability and every
        (own, other) outcome leads to the same distribution over classes (Moore's partition
        refinement).  Play against any co-player, with or without noise, is unchanged.
        """
        m = self.reachable()
        S = m.n_states
        _, cls = np.unique(m._coop, return_inverse=True)
        while True:
            sigs = {}
            new = np.empty(S, dtype=np.int64)
            for s in range(S):
                parts = [int(cls[s])]
                for a in (0, 1):
                    for b in (0, 1):
                        dist: dict[int, float] = {}
                        for t, p in zip(m._succ[s, a, b], m._prob[s, a, b]):
                            if p > 0:
                                dist[int(cls[t])] = dist.get(int(cls[t]), 0.0) + float(p)
                        parts.append(tuple(sorted(dist.items())))
                key = tuple(parts)
                new[s] = sigs.setdefault(key, len(sigs))
            if len(sigs) == len(np.unique(cls)):
                cls = new
                break
            cls = new
        nc = int(cls.max()) + 1
        if nc == S:
            return m
        rep = np.array([int(np.flatnonzero(cls == c)[0]) for c in range(nc)])
        # Successors of a representative mapped to classes; stochastic entries merged per class.
        k = m._succ.shape[3]
        succ = cls[m._succ[rep]]
        prob = m._prob[rep].copy()
        if k > 1:
            merged_s = np.zeros((nc, 2, 2, k), dtype=np.int64)
            merged_p = np.zeros((nc, 2, 2, k))
            for i in range(nc):
                for a in (0, 1):
                    for b in (0, 1):
                        dist: dict[int, float] = {}
                        for t, p in zip(succ[i, a, b], prob[i, a, b]):
                            if p > 0:
                                dist[int(t)] = dist.get(int(t), 0.0) + float(p)
                        for j, (t, p) in enumerate(sorted(dist.items())):
                            merged_s[i, a, b, j], merged_p[i, a, b, j] = t, p
            width = max(1, int((merged_p > 0).sum(axis=-1).max()))
            succ, prob = merged_s[..., :width], merged_p[..., :width]
        labels = None if m._labels is None else ["|".join(m._labels[j] for j in np.flatnonzero(cls == c)[:3])
                                                  + ("|..." if (cls == c).sum() > 3 else "") for c in range(nc)]
        return FiniteStateStrategy(m._coop[rep], succ, int(cls[m._initial]), next_prob=prob, name=m._name,
                                   state_labels=labels, source=m._source)

    def memory_one(self) -> MemoryOne | None:
        """The equivalent :class:`MemoryOne` strategy when the machine is memory-one, else ``None``.

        Memory-one means: after the first round, the action probability depends only on the last
        joint action played.  Checked exactly on the minimal machine.
        """
        m = self.minimal()
        p = [None] * 4
        for s in range(m.n_states):
            for a in (0, 1):
                for b in (0, 1):
                    for t, pr in m.successors(s, a, b):
                        q = float(m._coop[t])
                        if p[2 * a + b] is None:
                            p[2 * a + b] = q
                        elif p[2 * a + b] != q:
                            return None
        if any(v is None for v in p):  # pragma: no cover - every (a, b) has a successor
            return None
        cand = MemoryOne(float(m._coop[m._initial]), tuple(p), name=self._name)  # type: ignore[arg-type]
        return cand if FiniteStateStrategy.from_memory_one(cand).minimal()._same_behaviour(m) else None

    def _same_behaviour(self, other: "FiniteStateStrategy") -> bool:
        """Bisimulation check of two machines' behaviour (deterministic transitions only)."""
        if not (self.deterministic_transitions and other.deterministic_transitions):
            return False
        seen = {(self._initial, other._initial)}
        stack = [(self._initial, other._initial)]
        while stack:
            s, t = stack.pop()
            if self._coop[s] != other._coop[t]:
                return False
            for a in (0, 1):
                for b in (0, 1):
                    nxt = (int(self._succ[s, a, b, 0]), int(other._succ[t, a, b, 0]))
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return True

    # --------------------------------------------------------------------- io
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self._name, "coop": self._coop.tolist(), "initial": self._initial,
                             "next_state": self._succ.tolist(), "source": self._source}
        if not self.deterministic_transitions or self._succ.shape[3] > 1:
            d["next_prob"] = self._prob.tolist()
        if self._labels is not None:
            d["state_labels"] = list(self._labels)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "FiniteStateStrategy":
        """Inverse of :meth:`to_dict`."""
        if not isinstance(d, Mapping):
            raise ParameterError(f"a machine description must be a mapping, got {type(d).__name__}")
        missing = [k for k in ("coop", "next_state") if k not in d]
        if missing:
            raise ParameterError(f"machine description lacks field(s) {missing}")
        return cls(d["coop"], d["next_state"], d.get("initial", 0), next_prob=d.get("next_prob"),
                   name=str(d.get("name", "machine")), state_labels=d.get("state_labels"), source=str(d.get("source", "")))

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | bytes) -> "FiniteStateStrategy":
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"machine JSON is not valid JSON: {exc}") from None
        return cls.from_dict(d)
