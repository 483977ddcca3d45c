"""What defines an A2C training run: :class:`TrainConfig`, its metrics and co-player names, presets.

Moved out of ``learners/train_a2c.py`` by issue 23 (that module re-exports every name).  The
A2C hyper-parameters themselves (:class:`~learners.a2c.loss.A2CHyper`, Table 2) live in
:mod:`learners.a2c.loss`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Annotated, Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import preset
from eqtools.strategies import validate_noise
from eqtools.validation import MaxSize, Seed, check_fields, validate_fields

from ..env import DEFAULT_HORIZON
from ..pool import EVAL_OPPONENTS, PoolSpec
from ..prioritised import RegretSampler
from .loss import A2CHyper, table2

__all__ = ["ABLATIONS", "TrainConfig", "PRESETS", "preset_config", "TRAIN_METRICS", "EVAL_OPPONENT_NAMES"]

#: Ablation switches.
ABLATIONS: tuple[str, ...] = ("none", "opponent-id", "no-tabular")

#: Per-iteration metrics (per seed and learner) from the training batch.
TRAIN_METRICS: tuple[str, ...] = (
    "coop_ll",  # cooperation rate of the learner against the other learner
    "reward_ll",  # its mean reward per round there
    "coop_tab",  # against tabular agents of the pool
    "reward_tab",
    "entropy",
    "value_loss",
    "policy_loss",
    "grad_norm",
    "regret_tab",  # exact n-round best-response value of each tabular co-player minus the learner's reward (paired)
)

#: Co-players in evaluation, in order.
EVAL_OPPONENT_NAMES: tuple[str, ...] = ("learner",) + EVAL_OPPONENTS + ("random",)


#: Size limits of a training config (refused up front with SizeLimitError, before any array is built):
#: rounds per episode, GRU / embedding width, episodes per batch or evaluation, seeds in one process.
MAX_HORIZON: int = 100_000
MAX_WIDTH: int = 4096
MAX_EPISODES: int = 10**6
MAX_SEEDS: int = 1024


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (and hence its results).

    ``batch`` is episodes per learner per iteration.  ``seeds`` independent runs with seeds
    ``seed, seed + 1, ...`` are trained together.  ``ablation`` is one of :data:`ABLATIONS`;
    ``no-tabular`` forces ``tabular_share = 0``.  ``fixed_opponent = True`` replaces the
    co-learner by a frozen agent (given to :class:`Trainer` as ``fixed_params``) in every
    non-tabular episode — the paper's mechanism step 2 (:mod:`learners.a2c.mechanism`).
    ``init_from`` starts the learners from another run's checkpoint (same sizes and number of
    seeds; a fresh Adam state), e.g. to continue a plateaued run with other settings.
    ``fixed_icl`` (with ``fixed_opponent``) names a fixed co-player that is not a step-1 GRU: a spec of
    :mod:`learners.coplayers` (``bayes:...``, ``memory-one:...``), which the :class:`Trainer` builds,
    or, for a policy object given to the Trainer as ``fixed_policy``, ``"policy:<label>"``.  ``""``
    (default): the frozen GRU passed as ``fixed_params``.  Being part of the config, it is checked on
    resume and written into ``config.json`` and the summary.
    ``sampler`` (a :class:`~learners.prioritised.RegretSampler`; ``None`` = fresh U(0,1)^5 draws,
    the paper's) draws the tabular co-players from a regret-prioritised buffer of U(0,1)^5 draws,
    with or without importance weights (needs ``tabular = "uniform"`` and tabular episodes).
    """

    game: str = "paper"
    horizon: Annotated[int, MaxSize(MAX_HORIZON, "episodes are unrolled in full (BPTT); use fewer rounds")] = DEFAULT_HORIZON
    hidden: Annotated[int, MaxSize(MAX_WIDTH, "the paper's GRU has 128 units")] = 128
    embed: Annotated[int, MaxSize(MAX_WIDTH, "the paper uses 32")] = 32
    batch: Annotated[int, MaxSize(MAX_EPISODES, "episodes per learner per iteration")] = 4096
    tabular_share: float | None = None  #: None: 0.5, or 0 for the no-tabular ablation
    tabular: str | tuple[str, ...] = "uniform"
    ablation: str = "none"
    iterations: Annotated[int, MaxSize(10**9)] = 200_000
    seeds: Annotated[int, MaxSize(MAX_SEEDS, "run more seeds in separate processes")] = 1
    seed: Annotated[int, Seed] = 0
    hyper: A2CHyper = field(default_factory=lambda: table2(4))
    eval_every: int = 500
    eval_episodes: Annotated[int, MaxSize(MAX_EPISODES, "evaluate on fewer episodes")] = 256
    checkpoint_every: int = 1000
    log_every: int = 10
    fixed_opponent: bool = False
    init_from: str = ""  #: a run directory whose checkpoint's parameters start this run (fine-tuning); "" = fresh
    fixed_icl: str = ""  #: the fixed co-player when it is not a step-1 GRU (a learners.coplayers spec); "" = GRU
    sampler: RegretSampler | None = None  #: None: fresh U(0,1)^5 tabular draws; else regret-prioritised (learners.prioritised)
    noise: float = 0.0  #: execution errors: every intended action flips with this probability (learners.round); <= 0.5

    def __post_init__(self) -> None:
        validate_fields(self)  # types, and sizes refused up front (SizeLimitError) before anything is built
        if self.ablation not in ABLATIONS:
            raise ParameterError(f"ablation must be one of {ABLATIONS}, got {self.ablation!r}")
        check_fields(self, positive_ints=("horizon", "hidden", "embed", "batch", "iterations", "seeds", "eval_every",
                                          "eval_episodes", "checkpoint_every", "log_every"))
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, got {self.seed!r}")
        preset(self.game)  # raises GameError naming the preset
        validate_noise(self.noise)  # ParameterError naming noise unless a number in [0, 0.5]
        if self.ablation == "no-tabular" and self.tabular_share not in (None, 0, 0.0):
            raise ParameterError(
                f"tabular_share = {self.tabular_share} contradicts ablation 'no-tabular' (which plays no tabular agents)"
            )
        if self.tabular_share is not None and not (0.0 <= float(self.tabular_share) <= 1.0):
            raise ParameterError(f"tabular_share must lie in [0, 1], got {self.tabular_share}")
        if isinstance(self.tabular, list):
            object.__setattr__(self, "tabular", tuple(self.tabular))
        if self.fixed_opponent and self.ablation != "none":
            raise ParameterError(f"fixed_opponent runs without ablation, got ablation {self.ablation!r}")
        if not isinstance(self.fixed_icl, str):
            raise ParameterError(f"fixed_icl must be a spec string ('' = the frozen GRU), got {self.fixed_icl!r}")
        if self.fixed_icl and not self.fixed_opponent:
            raise ParameterError(f"fixed_icl {self.fixed_icl!r} names a fixed co-player, but fixed_opponent is False")
        if self.fixed_icl and not self.fixed_icl.startswith("policy:"):
            from ..coplayers import normalise_fixed_icl

            object.__setattr__(self, "fixed_icl", normalise_fixed_icl(self.fixed_icl, self.game))
        if isinstance(self.sampler, dict):
            object.__setattr__(self, "sampler", RegretSampler.from_dict(self.sampler))
        if self.sampler is not None and not isinstance(self.sampler, RegretSampler):
            raise ParameterError(f"sampler must be a RegretSampler or None, got {self.sampler!r}")
        pool = self.pool  # validates share, opponent-id consistency
        if self.sampler is not None and (pool.tabular != "uniform" or pool.n_tabular == 0):
            raise ParameterError("sampler 'regret' prioritises U(0,1)^5 tabular co-players: it needs tabular = 'uniform' "
                                 f"and tabular episodes (got tabular {pool.tabular!r}, {pool.n_tabular} tabular episodes)")
        if self.fixed_opponent and pool.n_learner < 1:
            raise ParameterError("fixed_opponent needs episodes against it (tabular_share < 1)")
        if pool.n_learner == 0 and pool.n_tabular == 0:
            raise ParameterError("batch leaves no episodes")
        if float(pool.tabular_share) < 1.0 and pool.n_learner < 1:
            raise ParameterError(f"batch {self.batch} with tabular_share {pool.tabular_share} leaves no learner-vs-learner episodes")

    @property
    def pool(self) -> PoolSpec:
        """The co-player pool of this run."""
        if self.ablation == "no-tabular":
            share = 0.0
        else:
            share = 0.5 if self.tabular_share is None else float(self.tabular_share)
        if self.ablation == "opponent-id" and share == 0.0:
            raise ParameterError("ablation 'opponent-id' needs tabular_share > 0")
        if 0.0 < share and int(round(self.batch * share)) == 0:
            raise ParameterError(f"batch {self.batch} x tabular_share {share} rounds to zero tabular episodes")
        return PoolSpec(int(self.batch), share, self.tabular, self.ablation == "opponent-id")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hyper"] = self.hyper.to_dict()
        d["tabular"] = self.tabular if isinstance(self.tabular, str) else list(self.tabular)
        d["sampler"] = None if self.sampler is None else self.sampler.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        d = dict(d)
        d["hyper"] = A2CHyper(**d["hyper"])
        if not isinstance(d.get("tabular", "uniform"), str):
            d["tabular"] = tuple(d["tabular"])
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ParameterError(f"unknown config field(s) {sorted(unknown)}")
        return cls(**d)

    def result_key(self) -> dict[str, Any]:
        """The fields that determine the numbers (not bookkeeping like logging/iterations)."""
        d = self.to_dict()
        for k in ("iterations", "checkpoint_every", "log_every"):
            d.pop(k)
        return d


def _cpu_hyper() -> A2CHyper:
    # Table 2 step 4 with the changes found at CPU scale (see docs/learners_a2c.md).
    return table2(4, lr=3e-3)


#: Study presets: one code path, three scales.
PRESETS: dict[str, TrainConfig] = {
    "smoke": TrainConfig(hidden=16, embed=16, batch=64, iterations=60, seeds=2, horizon=DEFAULT_HORIZON,
                         hyper=table2(4, lr=3e-3), eval_every=20, eval_episodes=64, checkpoint_every=20,
                         log_every=5),
    "cpu": TrainConfig(hidden=32, embed=32, batch=256, iterations=3000, seeds=3, hyper=_cpu_hyper(),
                       eval_every=100, eval_episodes=128, checkpoint_every=250, log_every=10),
    "paper": TrainConfig(hidden=128, embed=32, batch=4096, iterations=200_000, seeds=10, hyper=table2(4),
                         eval_every=1000, eval_episodes=512, checkpoint_every=2000, log_every=50),
}


def preset_config(name: str, **overrides: Any) -> TrainConfig:
    """A preset :class:`TrainConfig` with overrides (``hyper`` overrides go in ``hyper=dict(...)``)."""
    if name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    cfg = PRESETS[name]
    hyper_over = overrides.pop("hyper", None)
    known = {f.name for f in fields(TrainConfig)}
    bad = set(overrides) - known
    if bad:
        raise ParameterError(f"unknown config field(s) {sorted(bad)}")
    if hyper_over:
        if isinstance(hyper_over, A2CHyper):
            overrides["hyper"] = hyper_over
        else:
            hk = {f.name for f in fields(A2CHyper)}
            badh = set(hyper_over) - hk
            if badh:
                raise ParameterError(f"unknown A2C hyper-parameter(s) {sorted(badh)}")
            overrides["hyper"] = replace(cfg.hyper, **hyper_over)
    return replace(cfg, **overrides)
