"""Old home of PPI training (issue 23 split it): a re-export shim, kept for one release.

:mod:`learners.ppi.config` (:class:`PPIConfig`, presets, metric names), :mod:`learners.ppi.agent`
(:class:`PPIAgent`), :mod:`learners.ppi.fit` (optimiser, jitted step, :func:`fit_model`) and
:mod:`learners.ppi.runner` (:class:`PPIRunner`: phases, checkpoints, results) hold the code; every
name this module had is the very object at its new home, so old imports, checkpoints and pickles work
unchanged.
"""

from __future__ import annotations

from ..env import DEFAULT_HORIZON, payoff_table  # noqa: F401
from ..networks import OPPONENT_ID_DIM  # noqa: F401
from ..pool import EVAL_OPPONENTS, PoolSpec, named_params, opponent_id_vector, sample_tabular  # noqa: F401
from .agent import PPIAgent, _agent_from  # noqa: F401
from .config import ABLATIONS, EVAL_OPPONENT_NAMES, PHASE_METRICS, PRESETS, PPIConfig, preset_config  # noqa: F401
from .data import EpisodeStore, pretraining_states  # noqa: F401
from .fit import _epoch, _fit_fns, _fit_key, _require_finite, fit_model, make_optimizer  # noqa: F401
from .model import SequenceModel, check_positive_int, init_model, sequence_loss  # noqa: F401
from .play import ImprovementSpec, PairRollout, play_pair  # noqa: F401
from .results import _eval_br, _pad_phase_row  # noqa: F401
from .runner import _STAGES, PPIRunner  # noqa: F401

__all__ = [
    "ABLATIONS", "PPIConfig", "PRESETS", "preset_config", "PHASE_METRICS", "EVAL_OPPONENT_NAMES",
    "PPIAgent", "PPIRunner", "make_optimizer", "fit_model",
]
