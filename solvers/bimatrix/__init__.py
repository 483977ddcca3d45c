"""Bimatrix (normal-form) games: Nash equilibria complete or sampled, ESS, replicator dynamics,
response graphs and α-Rank, and the meta-game analysis of tournament matrices built on them.

One module per algorithm or concept (imports flow down this list; all of them read games through
:mod:`.coerce` and report in the types of :mod:`.results`):

====================  ===========================================================================
``coerce``            :func:`as_bimatrix` (the one coercion), the symmetric-matrix check, rescaling
``results``           every result type: profiles, :class:`NashResult`, :class:`NashSample`, ...
``verify``            :func:`is_equilibrium` / :func:`verify_equilibrium`: the two named
                      tolerance conventions (:data:`~.verify.PLAIN`, :data:`~.verify.CERTIFIED`)
``labels``            labels of polytope points, completely labelled pairs, the lrsnash step
``vertex_search``     breadth-first search over a best-response polytope's vertex graph
``qhull``             the certified qhull route for generic games
``tiny_games``        every label system in one batch, for tiny games
``subsets``           maximal Nash subsets and components
``enumeration``       :func:`estimate_enumeration_cost` and :func:`extreme_equilibria`
``crosscheck``        :func:`cross_check` against nashpy
``tableau``           the simplex tableau of the pivoting methods
``lemke_howson``      :func:`lemke_howson`, :func:`symmetric_lemke_howson`
``support``           support solves (indifference equations)
``ess``               :func:`ess_check`
``replicator``        :func:`replicator_dynamics`, :func:`replicator_candidates`
``sampler``           :func:`sample_equilibria` (four phases) and :func:`group_components`
``response_graph``    response graphs, α-Rank (finite α and α → ∞)
``meta_game``         :func:`meta_game_equilibria`, :func:`analyse_tournament`, :func:`analyse_matrix`
====================  ===========================================================================

The old modules ``solvers.normal_form``, ``solvers.nash_sampling``, ``solvers.meta_game`` and
``solvers.response_graph`` re-export these names for one release.
"""

from __future__ import annotations

from .coerce import as_bimatrix
from .crosscheck import cross_check
from .enumeration import estimate_enumeration_cost, extreme_equilibria
from .ess import ess_check
from .lemke_howson import lemke_howson, symmetric_lemke_howson
from .meta_game import MetaGameAnalysis, MetaGameNash, analyse_matrix, analyse_tournament, meta_game_equilibria
from .replicator import replicator_candidates, replicator_dynamics
from .response_graph import (
    AlphaRank,
    AlphaRankLimit,
    alpharank,
    alpharank_limit,
    fixation_log_probabilities,
    plot_response_graph,
    response_graph,
    sink_components,
    tournament_matrix,
)
from .results import (
    CrossCheck,
    Equilibrium,
    EquilibriumList,
    ESSResult,
    MixedProfile,
    NashResult,
    NashSample,
    NashSubset,
    ReplicatorResult,
    SampledEquilibrium,
)
from .sampler import group_components, sample_equilibria
from .verify import CERTIFIED, PLAIN, EquilibriumCheck, is_equilibrium, verify_equilibrium

__all__ = [
    "as_bimatrix", "cross_check", "estimate_enumeration_cost", "extreme_equilibria", "ess_check", "lemke_howson",
    "symmetric_lemke_howson", "MetaGameAnalysis", "MetaGameNash", "analyse_matrix", "analyse_tournament",
    "meta_game_equilibria", "replicator_candidates", "replicator_dynamics", "AlphaRank", "AlphaRankLimit", "alpharank",
    "alpharank_limit", "fixation_log_probabilities", "plot_response_graph", "response_graph", "sink_components",
    "tournament_matrix", "CrossCheck", "Equilibrium", "EquilibriumList", "ESSResult", "MixedProfile", "NashResult",
    "NashSample", "NashSubset", "ReplicatorResult", "SampledEquilibrium", "group_components", "sample_equilibria",
    "CERTIFIED", "PLAIN", "EquilibriumCheck", "is_equilibrium", "verify_equilibrium",
]
