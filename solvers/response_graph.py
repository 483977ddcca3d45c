"""Deprecated path: moved to :mod:`solvers.bimatrix.response_graph` (issue 23); this re-export goes
after one release.  Import from :mod:`solvers.bimatrix.response_graph` (or :mod:`solvers.bimatrix`)
instead.
"""

from __future__ import annotations

from .bimatrix.response_graph import (  # noqa: F401
    _ALPHARANK_REDUCIBLE,
    AlphaRank,
    AlphaRankLimit,
    _check_alpha_m,
    _gth,
    _local_log_rho,
    _partial_sums,
    _refuse_size,
    _sink_classes,
    _square,
    alpharank,
    alpharank_limit,
    fixation_log_probabilities,
    plot_response_graph,
    response_graph,
    sink_components,
    tournament_matrix,
)

__all__ = [
    "tournament_matrix",
    "response_graph",
    "sink_components",
    "fixation_log_probabilities",
    "AlphaRank",
    "AlphaRankLimit",
    "alpharank",
    "alpharank_limit",
    "plot_response_graph",
]
