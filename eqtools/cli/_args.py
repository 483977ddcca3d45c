"""The arguments every command group shares: the payoff criterion, the game, execution noise and
the output options.  One definition each, so the same flag means the same thing everywhere.

**Criterion.**  ``-n/--horizon N`` (finite horizon), ``--gamma G`` (discounted) or ``--limit``
(limit of means), at most one (argparse refuses two).  The exact core (:mod:`solvers.payoffs`)
has no default criterion -- every call names one -- so each command states its own default with
:func:`add_criterion_args`'s ``default`` parameter, in its help:

* ``payoff``, ``tournament``: ``{"n": 100}`` (a 100-round match, Axelrod's convention);
* ``solve``: ``{"gamma": 0.9}``;
* ``evolve``: ``{"limit": True}`` (the rare-mutation literature's convention).

These are the defaults the commands had before they shared this module (tests and docs pin
them); unifying them would change results silently, so each is kept and said in ``--help``.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_criterion_args", "criterion_from_args", "criterion_default_text", "add_game_arg", "add_noise_arg",
           "add_output_args"]

#: ``dest`` under which a parser records its default criterion (read by :func:`criterion_from_args`).
_DEFAULT_DEST = "criterion_default"


def criterion_default_text(default: dict[str, Any]) -> str:
    """``{"n": 100}`` -> ``"-n 100"``, ``{"gamma": 0.9}`` -> ``"--gamma 0.9"``, ``{"limit": True}`` -> ``"--limit"``."""
    if "n" in default:
        return f"-n {default['n']}"
    if "gamma" in default:
        return f"--gamma {default['gamma']:g}"
    return "--limit"


def add_criterion_args(p: argparse.ArgumentParser, default: dict[str, Any]) -> None:
    """``-n/--horizon``, ``--gamma`` and ``--limit`` (mutually exclusive); ``default`` (one of
    ``{"n": N}``, ``{"gamma": G}``, ``{"limit": True}``) applies when none is given and is stated
    in every one of the three helps."""
    if len(default) != 1 or next(iter(default)) not in ("n", "gamma", "limit"):
        from eqtools.errors import ParameterError

        raise ParameterError(f"default must be one criterion {{'n': N}}, {{'gamma': G}} or {{'limit': True}}, got {default!r}")
    said = f" (default when no criterion is given: {criterion_default_text(default)})"
    g = p.add_mutually_exclusive_group()
    g.add_argument("-n", "--horizon", type=int, default=None, help="finite horizon in rounds" + said)
    g.add_argument("--gamma", type=float, default=None, help="discount factor in (0, 1)" + said)
    g.add_argument("--limit", action="store_true", help="limit of means (exact, reducible chains included)" + said)
    p.set_defaults(**{_DEFAULT_DEST: dict(default)})


def criterion_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The criterion of parsed arguments: ``{"n": N}``, ``{"gamma": G}`` or ``{"limit": True}``,
    the parser's stated default when none was given."""
    if getattr(args, "horizon", None) is not None:
        return {"n": args.horizon}
    if getattr(args, "gamma", None) is not None:
        return {"gamma": args.gamma}
    if getattr(args, "limit", False):
        return {"limit": True}
    return dict(getattr(args, _DEFAULT_DEST))


def add_game_arg(p: argparse.ArgumentParser, default: str | None = "paper", *, payoffs: bool = False,
                 help: str | None = None) -> None:
    """``--game PRESET`` (help lists the presets and the default) and, with ``payoffs``,
    ``--payoffs R,S,T,P`` (a custom game; wins over ``--game``).  ``default=None`` leaves the game
    to the command (a run's config or a preset; say which in ``help``)."""
    from eqtools.games import PRESETS

    text = help or f"game preset: {', '.join(PRESETS)} (default {default})"
    p.add_argument("--game", default=default, help=text)
    if payoffs:
        p.add_argument("--payoffs", default=None, metavar="R,S,T,P", help="custom payoffs instead of a preset")


def add_noise_arg(p: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--noise EPS``: the execution-error rate (default 0)."""
    p.add_argument("--noise", type=float, default=0.0, metavar="EPS",
                   help=help or "execution-error rate in [0, 0.5]: each intended action flips with this probability "
                                "(default 0)")


def add_output_args(p: argparse.ArgumentParser, *, out_help: str, out_default: Any = None, out_type: Any = None,
                    json_help: str | None = "print JSON instead of the readable table") -> None:
    """``-o/--out`` (what it writes: ``out_help``) and, unless ``json_help`` is None, ``--json``."""
    kw = {} if out_type is None else {"type": out_type}
    p.add_argument("-o", "--out", default=out_default, help=out_help, **kw)
    if json_help is not None:
        p.add_argument("--json", action="store_true", help=json_help)
