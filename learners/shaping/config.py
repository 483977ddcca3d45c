"""What the three shaping configs share (:class:`ShapingConfig`): the game, the discount, the seed and
execution noise (their first fields), the learner pair, the checks of all fields and the JSON form.

:class:`~learners.shaping.exact.ExactConfig`, :class:`~learners.shaping.sample.SampleConfig` and
:class:`~learners.shaping.gru.GRUShapingConfig` derive from it; each names its learner-pair field and
the kinds it may hold in ``PAIR`` and its own fields' checks (:func:`eqtools.validation.check_fields`
groups) in ``CHECKS``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import validate_noise
from eqtools.validation import check_fields
from solvers.payoffs import check_gamma

__all__ = ["ShapingConfig"]


@dataclass(frozen=True)
class ShapingConfig:
    """Base of the shaping configs.

    ``game`` (default LOLA's IPD payoffs), ``gamma``, ``seed`` and ``noise``: the execution-error
    rate, each intended action flipping with this probability (0 = none; at most 0.5).
    """

    game: str | Game = "lola"
    gamma: float = 0.96
    seed: int = 0
    noise: float = 0.0

    #: ``(field, allowed kinds, what they are)`` of the learner pair, per subclass.
    PAIR: ClassVar[tuple[str, tuple[str, ...], str]] = ("learners", (), "learner kinds")
    #: keyword groups of :func:`eqtools.validation.check_fields` for the subclass's own fields.
    CHECKS: ClassVar[dict[str, tuple[str, ...]]] = {}

    def validate(self) -> Any:
        """Check every field (named errors); returns the config."""
        preset(self.game)
        check_gamma(self.gamma)
        name, kinds, what = self.PAIR
        pair = getattr(self, name)
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ParameterError(f"{name} must name two {what} (player 1, player 2), got {pair!r}")
        for i, k in enumerate(pair):
            if k not in kinds:
                raise ParameterError(f"{name}[{i}] must be one of {list(kinds)}, got {k!r}")
        validate_noise(self.noise)
        check_fields(self, **self.CHECKS)
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields in declaration order (the game as its payoff dictionary, the pair a list)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["game"] = preset(self.game).to_dict()
        d[self.PAIR[0]] = list(d[self.PAIR[0]])
        return d
