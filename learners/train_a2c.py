"""Old home of A2C training (issue 23 moved it into :mod:`learners.a2c`): a re-export shim, kept
for one release.

:mod:`learners.a2c.config` (:class:`TrainConfig`, presets, metric names), :mod:`learners.a2c.core`
(the jitted step and evaluation), :mod:`learners.a2c.trainer` (:class:`Trainer`, :func:`train`),
:mod:`learners.a2c.results` (datasets, summary) and :mod:`learners.a2c.checkpoint` (load,
:func:`extract_seeds`) hold the code; every name this module had is the very object at its new
home, so old imports and checkpoints work unchanged (a checkpoint pickles no class of these modules).
"""

from __future__ import annotations

from eqtools.io import write_netcdf  # noqa: F401

from .env import DEFAULT_HORIZON, payoff_table  # noqa: F401
from .networks import GRUAgent, init_agent_params_np  # noqa: F401
from .pool import EVAL_OPPONENTS, PoolSpec, fill_uniform, is_prior, named_params, play_pool, sample_tabular  # noqa: F401
from .prioritised import RegretSampler, sampler_draw, sampler_init, sampler_update  # noqa: F401
from .regret import br_values_jnp  # noqa: F401
from .a2c.checkpoint import (  # noqa: F401
    _CHECKPOINT_KEYS, _pad_metrics, _read_checkpoint, checkpoint_params, extract_seeds, load_checkpoint_state,
)
from .a2c.config import (  # noqa: F401
    ABLATIONS, EVAL_OPPONENT_NAMES, MAX_EPISODES, MAX_HORIZON, MAX_SEEDS, MAX_WIDTH, PRESETS, TRAIN_METRICS, TrainConfig,
    _cpu_hyper, preset_config,
)
from .a2c.core import (  # noqa: F401
    UNROLL, _build_functions, _cache_key, _fetch, _jit_functions, _jitted, _largest_divisor_at_most, _seed_keys,
    _segment_mean, agent_module,
)
from .a2c.loss import A2CHyper, a2c_loss, make_optimizer, table2  # noqa: F401
from .a2c.results import _br_value, _co_reward, _json_clean  # noqa: F401
from .a2c.trainer import Trainer, _check_tree_like, train  # noqa: F401

__all__ = [
    "ABLATIONS",
    "TrainConfig",
    "agent_module",
    "PRESETS",
    "preset_config",
    "TRAIN_METRICS",
    "EVAL_OPPONENT_NAMES",
    "Trainer",
    "train",
    "extract_seeds",
    "checkpoint_params",
    "load_checkpoint_state",
]
