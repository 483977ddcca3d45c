"""Tournament cells for entrants of every kind: exact where finite-state, simulated otherwise.

:func:`entrant` classifies one tournament entrant and says how it will be played:

* a :class:`~eqtools.strategies.MemoryOne` — exact, batched (:mod:`solvers.payoffs`);
* a :class:`~eqtools.machines.FiniteStateStrategy` — exact through the product chain
  (:mod:`solvers.finite_state`; memory-one machines join the batched route);
* an Axelrod player (class, instance, or an :class:`~eqtools.interop.axelrod_convert.AxelrodConversion`)
  — classified by :func:`~eqtools.interop.axelrod_convert.classify_axelrod`: exact when
  memory-one or finite-state, else simulated in Axelrod's own ``Match``;
* a JAX :class:`~solvers.simulate.Policy` — simulated by :func:`solvers.simulate.simulate`.

:func:`fill_cells` computes every cell the batched memory-one route did not: product chains for
exact pairs, and **one simulation per unordered pair** for the rest, filling both ``(i, j)`` and
``(j, i)`` from the same matches (so ``payoff_col = payoff_row.T`` holds exactly for simulated
cells too; self-play cells average both sides).  Simulated cells carry standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from eqtools.errors import EqtoolsError, ParameterError, SizeLimitError
from eqtools.games import Game
from eqtools.machines import FiniteStateStrategy
from eqtools.strategies import MemoryOne
from eqtools.validation import require_unique

from .simulate import MemoryOnePolicy, Policy

__all__ = ["Entrant", "entrant", "entrants", "fill_cells", "MachinePolicy"]


@dataclass(frozen=True)
class Entrant:
    """One tournament entrant and how it is played.

    ``kind``: ``"memory-one"``, ``"finite-state"`` or ``"simulated"``; ``strategy``: the exact
    form (``None`` when simulated); ``player``: what plays it in simulations (an Axelrod player,
    a JAX Policy, or ``None`` for eqtools strategies, which are wrapped on demand); ``engine``:
    ``"axelrod"`` or ``"jax"`` for simulated entrants; ``method``/``reason``: how it was
    obtained and why it is simulated.
    """

    name: str
    kind: str
    strategy: MemoryOne | FiniteStateStrategy | None
    player: Any
    engine: str
    method: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "method": self.method, "reason": self.reason,
                "engine": self.engine if self.kind == "simulated" else "exact"}


def _is_axelrod(obj: Any) -> bool:
    """An Axelrod player (class or instance): Axelrod's own, eqtools' wrapped machines, or a user's
    subclass of ``axelrod.Player`` (then ``axelrod`` is already imported; it is never imported
    here just to be ruled out, since that takes seconds)."""
    import sys

    mod = type(obj).__module__ if not isinstance(obj, type) else obj.__module__
    if not (mod.startswith("axelrod") or mod.startswith("eqtools.interop") or "axelrod" in sys.modules):
        return False
    try:
        from eqtools.interop.axelrod import _axl

        axl = _axl()
    except EqtoolsError:
        return False
    return isinstance(obj, axl.Player) or (isinstance(obj, type) and issubclass(obj, axl.Player))


def entrant(obj: Any, game: Game, *, length: float = -1, noise: float = 0.0) -> Entrant:
    """Classify one entrant (see the module docstring); anything else raises :class:`ParameterError`."""
    from eqtools.interop.axelrod_convert import AxelrodConversion

    if isinstance(obj, Entrant):
        return obj
    if isinstance(obj, MemoryOne):
        return Entrant(obj.name, "memory-one", obj, None, "", "memory-one vector")
    if isinstance(obj, FiniteStateStrategy):
        m1 = obj.memory_one()
        if m1 is not None:
            return Entrant(obj.name, "memory-one", m1.with_name(obj.name), None, "", "finite-state machine; memory-one")
        return Entrant(obj.name, "finite-state", obj.minimal(), None, "", obj.source or "finite-state machine")
    if isinstance(obj, AxelrodConversion) or _is_axelrod(obj):
        from eqtools.interop.axelrod_convert import classify_axelrod

        conv = obj if isinstance(obj, AxelrodConversion) else classify_axelrod(obj, game, length=length, noise=noise)
        if conv.kind == "simulated":
            return Entrant(conv.name, "simulated", None, conv.player, "axelrod", conv.method, conv.reason)
        return Entrant(conv.name, conv.kind, conv.strategy, conv.player, "", conv.method)
    if isinstance(obj, Policy):
        return Entrant(str(getattr(obj, "name", "policy")), "simulated", None, obj, "jax", "JAX policy",
                       "a JAX policy (its states are not known to eqtools)")
    raise ParameterError(f"tournament entrant {obj!r} is not a MemoryOne, FiniteStateStrategy, Axelrod player or "
                         "Policy"[:300])


def entrants(players: Sequence[Any], game: Game, *, length: float = -1, noise: float = 0.0) -> list[Entrant]:
    """:func:`entrant` of each player, refusing empty lists and duplicated names."""
    if isinstance(players, (str, bytes)) or not hasattr(players, "__iter__"):
        raise ParameterError(f"players must be a sequence of entrants, got {type(players).__name__}")
    out = [entrant(p, game, length=length, noise=noise) for p in players]
    if not out:
        raise ParameterError("a tournament needs at least one player on each side")
    require_unique([e.name for e in out], "player names must be unique within a side")
    return out


@dataclass(frozen=True)
class MachinePolicy:
    """A finite-state machine with deterministic transitions as a JAX :class:`~solvers.simulate.Policy`
    (so it can meet JAX policies in :func:`solvers.simulate.simulate`)."""

    machine: FiniteStateStrategy
    name: str = "machine"

    def __post_init__(self) -> None:
        if not isinstance(self.machine, FiniteStateStrategy) or not self.machine.deterministic_transitions:
            raise ParameterError("MachinePolicy needs a FiniteStateStrategy with deterministic transitions, got "
                                 f"{self.machine!r}"[:200])

    def init(self, batch_shape: tuple[int, ...]) -> Any:
        import jax.numpy as jnp

        return jnp.full(batch_shape, self.machine.initial, dtype=jnp.int32)

    def coop_prob(self, carry: Any, obs: Any, t: Any) -> tuple[Any, Any]:
        import jax.numpy as jnp

        table = jnp.asarray(self.machine.next_state[..., 0], dtype=jnp.int32)
        prev = jnp.clip(obs - 1, 0, 3)
        nxt = jnp.where(obs > 0, table[carry, prev // 2, prev % 2], carry)
        return jnp.asarray(self.machine.coop)[nxt], nxt


def _jax_policy(e: Entrant) -> Any:
    if e.engine == "jax":
        return e.player
    if isinstance(e.strategy, MemoryOne):
        return MemoryOnePolicy(e.strategy.vector, e.name)
    if isinstance(e.strategy, FiniteStateStrategy) and e.strategy.deterministic_transitions:
        return MachinePolicy(e.strategy, e.name)
    raise ParameterError(f"{e.name!r} ({e.kind}, {e.method}) cannot meet a JAX policy in simulation; "
                         "give it as a MemoryOne or a machine with deterministic transitions")


def _axelrod_player(e: Entrant) -> Any:
    if e.engine == "jax":
        raise ParameterError(f"the JAX policy {e.name!r} cannot play Axelrod's Match; convert the Axelrod players "
                             "it meets to machines or memory-one strategies, or give it as an Axelrod player")
    return e.player if e.player is not None else e.strategy


_KEYS = ("payoff_row", "payoff_col", "coop_row", "coop_col")


def _simulate_pair(a: Entrant, b: Entrant, game: Game, *, n: int | None, gamma: float | None, matches: int,
                   seed: int, key: tuple[int, int], noise: float, self_play: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """(means, standard errors) in the order of ``_KEYS``, and the engine used."""
    sim_n = n if n is not None else int(math.ceil(math.log(1e-6) / math.log(gamma)))  # type: ignore[arg-type]
    if "jax" in (a.engine, b.engine):
        from .simulate import simulate

        pa, pb = _jax_policy(a), _jax_policy(b)
        s = simulate(pa, pb, game, n=sim_n, gamma=gamma, matches=matches,
                     seed=int(np.random.SeedSequence([seed, *key]).generate_state(1)[0] % (2**31)),
                     record_rounds=False, noise=noise)
        m = np.array([s.payoff_x, s.payoff_y, s.coop_x, s.coop_y], dtype=float)
        e = np.array([s.payoff_x_se, s.payoff_y_se, s.coop_x_se, s.coop_y_se], dtype=float)
        if self_play:
            m = np.array([m[:2].mean(), m[:2].mean(), m[2:].mean(), m[2:].mean()])
            e = np.array([e[:2].max(), e[:2].max(), e[2:].max(), e[2:].max()])
        return m, e, "jax"
    if a.player is None and b.player is None:  # two eqtools machines whose chain is too large
        from .finite_state import simulate_machines

        s = simulate_machines(a.strategy, b.strategy, game, n=sim_n, gamma=gamma, matches=matches,
                              seed=int(np.random.SeedSequence([seed, *key]).generate_state(1)[0]), noise=noise)
        m = np.array([s["payoff_x"], s["payoff_y"], s["coop_x"], s["coop_y"]])
        e = np.array([s["payoff_x_se"], s["payoff_y_se"], s["coop_x_se"], s["coop_y_se"]])
        if self_play:
            m = np.array([m[:2].mean(), m[:2].mean(), m[2:].mean(), m[2:].mean()])
            e = np.array([e[:2].max(), e[:2].max(), e[2:].max(), e[2:].max()])
        return m, e, "numpy"
    from .axelrod_play import play_axelrod_pair

    est = play_axelrod_pair(_axelrod_player(a), _axelrod_player(b), game, n=sim_n, gamma=gamma, matches=matches,
                            seed=seed, key=key, noise=noise, self_play=self_play)
    m = np.array([est.payoff_x, est.payoff_y, est.coop_x, est.coop_y])
    e = np.array([est.payoff_x_se, est.payoff_y_se, est.coop_x_se, est.coop_y_se])
    return m, e, "axelrod"


def fill_cells(R: Sequence[Entrant], C: Sequence[Entrant], vals: dict[str, np.ndarray], ses: dict[str, np.ndarray],
               exact: np.ndarray, game: Game, *, symmetric: bool = False, n: int | None = None, gamma: float | None = None,
               limit: bool = False, noise: float = 0.0, matches: int = 1000, seed: int = 0,
               progress: bool = True) -> dict[str, Any]:
    """Compute every cell with ``exact == False`` in place (see the module docstring).

    Returns ``{"simulated": k, "engines": {...}, "fallbacks": [...]}``: the number of simulated
    cells, how many cells each simulation engine filled, and the pairs whose product chain was
    too large (simulated instead, with the reason).
    """
    from tqdm.auto import tqdm

    from eqtools.games import preset

    from .finite_state import pair_result

    game = preset(game)
    try:
        R, C = list(R), list(C)
        shape = (len(R), len(C))
        ok = (all(isinstance(e, Entrant) for e in R + C) and isinstance(exact, np.ndarray) and exact.shape == shape
              and all(np.shape(vals[k]) == shape and np.shape(ses[k]) == shape for k in _KEYS))
    except (TypeError, KeyError, AttributeError):
        ok = False
    if not ok:
        raise ParameterError("fill_cells needs lists of Entrant objects and value/standard-error dicts and an exact "
                             "mask of shape (rows, cols) (see solvers.tournament.tournament)")
    shape = exact.shape
    todo = [(i, j) for i in range(shape[0]) for j in range(shape[1])
            if not exact[i, j] and (not symmetric or i <= j)]
    engines: dict[str, int] = {}
    fallbacks: list[dict[str, Any]] = []
    n_sim = 0

    def put(i: int, j: int, m: np.ndarray, e: np.ndarray) -> None:
        for k, key in enumerate(_KEYS):
            vals[key][i, j] = m[k]
            ses[key][i, j] = e[k]
        if symmetric and i != j:
            order = (1, 0, 3, 2)
            for k, key in enumerate(_KEYS):
                vals[key][j, i] = m[order[k]]
                ses[key][j, i] = e[order[k]]

    for i, j in tqdm(todo, desc="tournament cells", disable=not progress or len(todo) < 20, leave=False):
        a, b = R[i], C[j]
        cells = 1 if (not symmetric or i == j) else 2
        if a.kind != "simulated" and b.kind != "simulated":
            try:
                res = pair_result(a.strategy, b.strategy, game, n=n, gamma=gamma, limit=limit, noise=noise)
            except SizeLimitError as exc:
                if limit:
                    raise ParameterError(f"{a.name!r} vs {b.name!r}: {exc}; limit-of-means payoffs cannot be "
                                         "simulated, use n or gamma") from None
                fallbacks.append({"row": a.name, "col": b.name, "reason": str(exc)})
            else:
                m = np.array([res.payoff_x, res.payoff_y, res.coop_x, res.coop_y], dtype=float)
                if symmetric and i == j:  # self-play: both views averaged, so the cell is symmetric exactly
                    m = np.array([m[:2].mean()] * 2 + [m[2:].mean()] * 2)
                put(i, j, m, np.zeros(4))
                exact[i, j] = True
                if symmetric:
                    exact[j, i] = True
                continue
        if limit:
            raise ParameterError(f"limit-of-means payoffs cannot be simulated ({a.name!r} vs {b.name!r}: "
                                 f"{a.reason or b.reason or 'product chain too large'}); use n or gamma")
        m, e, eng = _simulate_pair(a, b, game, n=n, gamma=gamma, matches=matches, seed=seed, key=(i, j),
                                   noise=noise, self_play=symmetric and i == j)
        put(i, j, m, e)
        engines[eng] = engines.get(eng, 0) + cells
        n_sim += cells
    return {"simulated": n_sim, "engines": engines, "fallbacks": fallbacks}
