"""Seeded play of Axelrod players (and eqtools strategies wrapped as Axelrod players) in Axelrod's ``Match``.

Used for the tournament cells that cannot be computed exactly (players that are not
finite-state) and as the independent reference for the exact finite-state payoffs.  One call
plays one *unordered* pair ``matches`` times and returns both players' per-round means with
standard errors, so a tournament fills both cells ``(i, j)`` and ``(j, i)`` from the same
matches.  Every match gets its own seed from ``numpy.random.SeedSequence([seed, *key])``, so
results do not depend on the order in which pairs are played.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.machines import FiniteStateStrategy
from eqtools.strategies import MemoryOne, validate_noise

from .payoffs import check_gamma, check_horizon

__all__ = ["PairEstimate", "as_axelrod_player", "play_axelrod_pair"]


@dataclass(frozen=True)
class PairEstimate:
    """Monte Carlo means over ``matches`` of each side's per-round payoff and cooperation, with
    standard errors of the mean (``*_se``)."""

    payoff_x: float
    payoff_y: float
    coop_x: float
    coop_y: float
    payoff_x_se: float
    payoff_y_se: float
    coop_x_se: float
    coop_y_se: float
    matches: int

    def swapped(self) -> "PairEstimate":
        """The same estimate seen from the other side."""
        return PairEstimate(self.payoff_y, self.payoff_x, self.coop_y, self.coop_x, self.payoff_y_se,
                            self.payoff_x_se, self.coop_y_se, self.coop_x_se, self.matches)


def as_axelrod_player(x: Any) -> Any:
    """An Axelrod player instance for ``x``: an Axelrod player (class or instance), a
    :class:`MemoryOne` or a :class:`FiniteStateStrategy` (wrapped)."""
    from eqtools.interop.axelrod import _axl, axelrod_player
    from eqtools.interop.axelrod_convert import machine_player_class

    axl = _axl()
    if isinstance(x, MemoryOne):
        return axelrod_player(x, name=x.name)
    if isinstance(x, FiniteStateStrategy):
        return machine_player_class(x, name=x.name)()
    if isinstance(x, type) and issubclass(x, axl.Player):
        return x()
    if isinstance(x, axl.Player):
        return x.clone()
    raise ParameterError(f"cannot play {type(x).__name__} in Axelrod's Match; give an Axelrod player, a MemoryOne or a "
                         "FiniteStateStrategy")


def play_axelrod_pair(x: Any, y: Any, game: Game | str, *, n: int = 200, gamma: float | None = None,
                      matches: int = 100, seed: int = 0, key: Sequence[int] = (), noise: float = 0.0,
                      self_play: bool = False) -> PairEstimate:
    """Play ``x`` against ``y`` in ``matches`` seeded Axelrod matches of ``n`` turns.

    Players are told the match length ``n`` as in Axelrod's tournaments, unless ``gamma`` is
    given: then the length is hidden (``inf``) and round ``t`` is weighted ``(1 - gamma) gamma^t``
    (choose ``n`` so that ``gamma^n`` is negligible).  ``noise``: Axelrod's execution errors.
    ``self_play``: ``x`` and ``y`` are the same strategy; each match's two sides are averaged
    so that both sides' estimates coincide.  ``key``: integers that identify the pair in the seed.
    """
    from eqtools.interop.axelrod import _axl, axelrod_game
    from eqtools.validation import sample_count, seed as check_seed

    axl = _axl()
    g = preset(game)
    n = check_horizon(n)
    matches = sample_count("matches", matches)
    eps = validate_noise(noise)
    from eqtools.validation import int_tuple

    seeds = np.random.SeedSequence([check_seed("seed", seed), *int_tuple("key", key)]).generate_state(matches)
    if gamma is None:
        w = np.full(n, 1.0 / n)
        attrs = None
    else:
        gm = check_gamma(gamma)
        w = (1.0 - gm) * gm ** np.arange(n)
        attrs = {"length": float("inf"), "game": axelrod_game(g), "noise": eps}
    px, py = as_axelrod_player(x), as_axelrod_player(y)
    R, S, T, P = g.R, g.S, g.T, g.P
    pay = {("C", "C"): (R, R), ("C", "D"): (S, T), ("D", "C"): (T, S), ("D", "D"): (P, P)}
    out = np.empty((matches, 4))
    ag = axelrod_game(g)
    for k in range(matches):
        m = axl.Match((px, py), turns=n, game=ag, noise=eps, seed=int(seeds[k] % (2**32 - 1)), match_attributes=attrs)
        res = m.play()
        a = np.array([str(u) == "C" for u, _ in res], dtype=float)
        b = np.array([str(v) == "C" for _, v in res], dtype=float)
        r = np.array([pay[(str(u), str(v))] for u, v in res])
        out[k] = (w @ r[:, 0], w @ r[:, 1], w @ a, w @ b)
    if self_play:
        both = np.stack([(out[:, 0] + out[:, 1]) / 2, (out[:, 2] + out[:, 3]) / 2], axis=1)
        mean = both.mean(axis=0)
        se = both.std(axis=0, ddof=1) / math.sqrt(matches)
        return PairEstimate(mean[0], mean[0], mean[1], mean[1], se[0], se[0], se[1], se[1], matches)
    mean = out.mean(axis=0)
    se = out.std(axis=0, ddof=1) / math.sqrt(matches)
    return PairEstimate(float(mean[0]), float(mean[1]), float(mean[2]), float(mean[3]), float(se[0]), float(se[1]),
                        float(se[2]), float(se[3]), matches)
