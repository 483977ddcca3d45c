"""PPI run configuration: :class:`PPIConfig`, the ``smoke`` / ``cpu`` / ``paper`` presets, the
ablations and the names of the per-phase metrics and evaluation co-players.

Moved out of :mod:`learners.ppi.train` (issue 23); that module re-exports every name here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Annotated, Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import preset
from eqtools.strategies import validate_noise
from eqtools.validation import MaxSize, Seed, validate_fields

from ..env import DEFAULT_HORIZON
from ..networks import OPPONENT_ID_DIM
from ..pool import EVAL_OPPONENTS, PoolSpec
from .model import SequenceModel, check_positive_int
from .play import ImprovementSpec

__all__ = ["ABLATIONS", "PPIConfig", "PRESETS", "preset_config", "PHASE_METRICS", "EVAL_OPPONENT_NAMES"]

#: ``no-tabular``: learners only meet each other and pretrain on random action sequences.
#: ``opponent-id``: the model is conditioned on the co-player's opponent-ID vector ``z``
#: (needs tabular co-players, ``tabular_share > 0``; see docs/ppi.md).
ABLATIONS: tuple[str, ...] = ("none", "no-tabular", "opponent-id")

#: Per-phase metrics per learner (from the gathered data and the fit).
PHASE_METRICS: tuple[str, ...] = (
    "coop_pair", "reward_pair", "coop_tab", "reward_tab", "prior_coop_pair", "prior_coop_tab",
    "loss", "loss_action", "loss_observation", "loss_reward", "train_s", "gather_s",
    "regret_tab",  # exact n-round best-response value of each tabular co-player minus the learner's reward (paired)
)

EVAL_OPPONENT_NAMES: tuple[str, ...] = ("learner",) + EVAL_OPPONENTS + ("random",)


@dataclass(frozen=True)
class PPIConfig:
    """Everything that determines a PPI run's numbers.

    ``beta`` multiplies ``Q_hat`` = the *sum of raw game payoffs over the next
    ``rollout_horizon`` rounds* (see :mod:`learners.ppi.improve`).  ``episodes`` are new
    trajectories per learner per phase; ``pretrain_games`` the size of each learner's
    pretraining set.  ``reinit = True`` is the paper's protocol (every phase re-initialises
    ``phi`` and trains ``epochs`` epochs on all data); ``reinit = False`` (the ``cpu`` preset's
    budget saver) trains from scratch for ``epochs`` epochs only in the first phase and then
    continues the previous phase's model and AdamW state for ``continue_epochs`` epochs on all
    data.  ``seeds`` independent runs with seeds ``seed, seed + 1, …`` go together in one process
    (vmapped; seed ``s`` gives the numbers of the one-seed run with ``seed + s``).
    """

    game: str = "paper"
    horizon: Annotated[int, MaxSize(100_000, "use fewer rounds per episode")] = DEFAULT_HORIZON
    hidden: Annotated[int, MaxSize(4096, "the paper's model has 128 units")] = 128
    embed: Annotated[int, MaxSize(4096)] = 32
    pretrain_games: Annotated[int, MaxSize(10**8)] = 200_000
    phases: Annotated[int, MaxSize(10**6)] = 30
    episodes: Annotated[int, MaxSize(10**7)] = 20_000
    tabular_share: float | None = None  #: None: 0.5 (0 under the no-tabular ablation)
    tabular: str | tuple[str, ...] = "uniform"
    ablation: str = "none"
    epochs: int = 10
    batch_size: Annotated[int, MaxSize(10**6)] = 256
    lr: float = 1e-4
    weight_decay: float = 1e-2
    b1: float = 0.9
    b2: float = 0.98
    max_grad_norm: float = 1.0
    reinit: bool = True
    continue_epochs: int = 1
    beta: float = 1.0
    n_rollouts: Annotated[int, MaxSize(10**4)] = 8
    rollout_horizon: Annotated[int, MaxSize(100_000)] = 15
    eval_episodes: Annotated[int, MaxSize(10**6, "evaluate on fewer episodes")] = 256
    gather_chunk: Annotated[int, MaxSize(10**6)] = 4096
    seed: Annotated[int, Seed] = 0
    seeds: Annotated[int, MaxSize(1024, "run more seeds in separate processes")] = 1
    noise: float = 0.0  #: execution errors: every intended action flips with this probability (learners.round); <= 0.5

    def __post_init__(self) -> None:
        validate_fields(self)  # types, and sizes refused up front (SizeLimitError)
        if self.ablation not in ABLATIONS:
            raise ParameterError(f"ablation must be one of {ABLATIONS}, got {self.ablation!r}")
        for name in ("horizon", "hidden", "embed", "pretrain_games", "phases", "episodes", "epochs", "batch_size",
                     "eval_episodes", "gather_chunk", "continue_epochs", "seeds"):
            check_positive_int(name, getattr(self, name))
        for name in ("n_rollouts", "rollout_horizon", "seed"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ParameterError(f"{name} must be a non-negative integer, got {v!r}")
        from eqtools.validation import real

        for name in ("lr", "max_grad_norm", "weight_decay", "b1", "b2", "beta"):  # finite numbers (inf/NaN refused)
            if not np.isfinite(real(name, getattr(self, name))):
                raise ParameterError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        for name in ("lr", "max_grad_norm"):
            if not float(getattr(self, name)) > 0:
                raise ParameterError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not float(self.weight_decay) >= 0:
            raise ParameterError(f"weight_decay must be non-negative, got {self.weight_decay!r}")
        for name in ("b1", "b2"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                raise ParameterError(f"{name} must lie in [0, 1), got {getattr(self, name)!r}")
        if not isinstance(self.reinit, bool):
            raise ParameterError(f"reinit must be True or False, got {self.reinit!r}")
        if not np.isfinite(self.beta) or self.beta < 0:
            raise ParameterError(f"beta must be a finite non-negative number, got {self.beta!r}")
        preset(self.game)
        validate_noise(self.noise)
        if self.ablation == "no-tabular" and self.tabular_share not in (None, 0, 0.0):
            raise ParameterError(f"tabular_share = {self.tabular_share} contradicts ablation 'no-tabular'")
        if self.tabular_share is not None and not 0.0 <= float(self.tabular_share) <= 1.0:
            raise ParameterError(f"tabular_share must lie in [0, 1], got {self.tabular_share}")
        if self.ablation == "opponent-id" and self.share == 0.0:
            raise ParameterError("ablation 'opponent-id' needs tabular co-players: tabular_share must be > 0 "
                                 f"(got {self.tabular_share}); without them z would be 0 in every episode")
        if isinstance(self.tabular, list):
            object.__setattr__(self, "tabular", tuple(self.tabular))
        self.pool  # validates the split

    @property
    def share(self) -> float:
        if self.ablation == "no-tabular":
            return 0.0
        return 0.5 if self.tabular_share is None else float(self.tabular_share)

    @property
    def pool(self) -> PoolSpec:
        """Per-learner split of a phase's ``episodes`` (reuses :class:`learners.pool.PoolSpec`)."""
        if 0.0 < self.share and int(round(self.episodes * self.share)) == 0:
            raise ParameterError(f"episodes {self.episodes} x tabular_share {self.share} rounds to zero tabular episodes")
        return PoolSpec(int(self.episodes), self.share, self.tabular, self.opponent_id)

    @property
    def opponent_id(self) -> bool:
        """Does the model read the opponent-ID vector ``z`` (the ``opponent-id`` ablation)?"""
        return self.ablation == "opponent-id"

    @property
    def z_dim(self) -> int:
        """Width of the stored per-episode ``z`` (0 without the opponent-ID ablation)."""
        return OPPONENT_ID_DIM if self.opponent_id else 0

    @property
    def pretrain_kind(self) -> str:
        return "random" if self.ablation == "no-tabular" else "tabular"

    @property
    def spec(self) -> ImprovementSpec:
        return ImprovementSpec(float(self.beta), int(self.n_rollouts), int(self.rollout_horizon))

    def module(self) -> SequenceModel:
        return SequenceModel(hidden=int(self.hidden), embed=int(self.embed),
                             reward_input_scale=float(max(np.abs(preset(self.game).payoffs).max(), 1e-9)),
                             use_opponent_id=self.opponent_id)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tabular"] = self.tabular if isinstance(self.tabular, str) else list(self.tabular)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PPIConfig":
        d = dict(d)
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ParameterError(f"unknown PPI config field(s) {sorted(unknown)}")
        if not isinstance(d.get("tabular", "uniform"), str):
            d["tabular"] = tuple(d["tabular"])
        return cls(**d)


#: Study presets: one code path, three scales.  ``cpu`` departs from the paper where the
#: 2-core budget forces it (smaller model and data, fewer phases, a larger learning rate for
#: the far fewer optimiser steps); ``paper`` is §1 of the notes (beta on our reward scale).
PRESETS: dict[str, PPIConfig] = {
    "smoke": PPIConfig(hidden=16, embed=8, pretrain_games=512, phases=2, episodes=64, epochs=2, batch_size=64,
                       lr=1e-2, beta=1.0, n_rollouts=2, rollout_horizon=5, eval_episodes=16, horizon=30),
    "cpu": PPIConfig(hidden=64, embed=16, pretrain_games=3000, phases=30, episodes=512, epochs=3, batch_size=32,
                     lr=1e-2, reinit=False, continue_epochs=1, beta=2.0, n_rollouts=4, rollout_horizon=15,
                     eval_episodes=48),
    "paper": PPIConfig(hidden=128, embed=32, pretrain_games=200_000, phases=30, episodes=20_000, epochs=10,
                       batch_size=256, lr=1e-4, beta=1.0, n_rollouts=8, rollout_horizon=15, eval_episodes=512),
}


def preset_config(name: str, **overrides: Any) -> PPIConfig:
    """A preset :class:`PPIConfig` with field overrides."""
    if name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    bad = set(overrides) - {f.name for f in fields(PPIConfig)}
    if bad:
        raise ParameterError(f"unknown PPI config field(s) {sorted(bad)}")
    return replace(PRESETS[name], **overrides)
