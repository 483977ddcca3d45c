"""``--tournament FILE``: a tournament written by ``eqtools tournament`` as a symmetric meta-game."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TournamentInput:
    """The symmetric meta-game of a tournament file.

    ``matrix``: the row player's payoff, ``(A + B^T) / 2`` (equal to ``A`` for exact symmetric
    tournaments; for simulated cells the average of both sides' estimates); ``matrix_se``: its
    standard errors (0 for exact cells); ``coop``: cooperation rates of the row entrant;
    ``simulated``: how many cells were simulated (0: the matrix is exact).
    """

    path: str
    labels: tuple[str, ...]
    matrix: np.ndarray
    matrix_se: np.ndarray
    coop: np.ndarray
    criterion: str
    game_name: str
    noise: float
    simulated: int
    cells: int

    @property
    def estimated(self) -> bool:
        return self.simulated > 0

    def note(self) -> str:
        """One line saying whether the matrix is exact or estimated."""
        if not self.simulated:
            return f"matrix: exact ({self.cells} cells)"
        return (f"matrix: ESTIMATED, {self.simulated} of {self.cells} cells simulated (results are for the "
                "estimated matrix; see the standard errors in the tournament file)")


def load(path: str, option: str = "--tournament") -> TournamentInput:
    """Read ``path`` (errors name ``option``); rows and columns must be the same entrants."""
    from ..tournament import load_tournament

    return from_dataset(load_tournament(path), str(path), option)


def from_dataset(ds: Any, path: str = "", option: str = "--tournament") -> TournamentInput:
    """:func:`load` for a dataset already in memory."""
    from ..errors import ParameterError
    from ..tournament import tournament_game

    labels = tuple(str(v) for v in ds["row"].values)
    if labels != tuple(str(v) for v in ds["col"].values):
        raise ParameterError(f"{option} {path}: rows and columns differ; a meta-game needs a symmetric tournament")
    A = np.asarray(ds["payoff_row"].values, dtype=float)
    B = np.asarray(ds["payoff_col"].values, dtype=float)
    sa = np.asarray(ds["payoff_row_se"].values, dtype=float) if "payoff_row_se" in ds else np.zeros_like(A)
    sb = np.asarray(ds["payoff_col_se"].values, dtype=float) if "payoff_col_se" in ds else np.zeros_like(A)
    exact = np.asarray(ds["exact"].values, dtype=bool)
    M = (A + B.T) / 2.0
    se = np.sqrt(sa**2 + sb.T**2) / 2.0
    # One simulation per unordered pair fills both cells from the same matches: then B = A^T and
    # the average is the estimate itself, with its own standard error.
    same = np.isclose(A, B.T, rtol=0, atol=0)
    se = np.where(same, sa, se)
    return TournamentInput(str(path), labels, M, se, np.asarray(ds["coop_row"].values, dtype=float),
                           str(ds.attrs.get("criterion", "")), tournament_game(ds).name,
                           float(ds.attrs.get("noise", 0.0)), int((~exact).sum()), int(exact.size))


def game_from_args(args: Any):
    """The game of ``--game`` (a preset) or ``--payoffs R,S,T,P`` (wins when given)."""
    from ..errors import GameError
    from ..games import Game, preset

    if getattr(args, "payoffs", None) is not None:
        try:
            vals = [float(v) for v in args.payoffs.replace(" ", "").split(",")]
        except ValueError:
            raise GameError(f"--payoffs must be four numbers R,S,T,P, got {args.payoffs!r}") from None
        return Game.from_payoffs(vals, name="custom")
    return preset(args.game)
