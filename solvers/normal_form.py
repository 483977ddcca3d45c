"""Deprecated path: this module was split into :mod:`solvers.bimatrix` (issue 23) and goes after
one release.  Import from :mod:`solvers.bimatrix` (or its modules) instead.

Where its contents went: results (:class:`Equilibrium`, :class:`NashResult`, :class:`NashSubset`,
:class:`CrossCheck`, :class:`ReplicatorResult`) to :mod:`solvers.bimatrix.results`;
:func:`as_bimatrix` to :mod:`~solvers.bimatrix.coerce`; :func:`is_equilibrium` to
:mod:`~solvers.bimatrix.verify`; the vertex search to :mod:`~solvers.bimatrix.vertex_search`;
the qhull route to :mod:`~solvers.bimatrix.qhull`; tiny games to
:mod:`~solvers.bimatrix.tiny_games`; labels and matching to :mod:`~solvers.bimatrix.labels`;
maximal Nash subsets to :mod:`~solvers.bimatrix.subsets`; :func:`estimate_enumeration_cost` and
:func:`extreme_equilibria` to :mod:`~solvers.bimatrix.enumeration`; :func:`cross_check` to
:mod:`~solvers.bimatrix.crosscheck`; :func:`replicator_dynamics` to
:mod:`~solvers.bimatrix.replicator`.

Every name of the old module (private ones included) is re-exported here.  Module constants
(``_HULL_MAX_DIM``, ``_SMALL_GAME_SYSTEMS``) are read where they are used now, in
:mod:`solvers.bimatrix.enumeration`: patch them there, not here.
"""

from __future__ import annotations

from .bimatrix.coerce import _rescale, as_bimatrix  # noqa: F401
from .bimatrix.crosscheck import _in_component_hull, cross_check  # noqa: F401
from .bimatrix.enumeration import (  # noqa: F401
    _GENERIC_LOG_OFFSET,
    _GENERIC_LOG_SLOPE,
    _check_options,
    _checked_finish,
    _complement_route,
    _equilibria_from_pairs,
    _from_both,
    _from_vertices,
    _small_game,
    _ubt,
    _unique_ids,
    estimate_enumeration_cost,
    extreme_equilibria,
)
from .bimatrix.labels import _complement, _keys, _label_order, _match  # noqa: F401
from .bimatrix.qhull import _HULL_MAX_DIM, _edges_closed, _hull_vertices, _no_ties  # noqa: F401
from .bimatrix.replicator import replicator_dynamics  # noqa: F401
from .bimatrix.results import (  # noqa: F401
    METHOD,
    CrossCheck,
    Equilibrium,
    EquilibriumList,
    MixedProfile,
    NashResult,
    NashSubset,
    ReplicatorResult,
    _support_label_dict,
)
from .bimatrix.subsets import _finish, _maximal_bicliques  # noqa: F401
from .bimatrix.tiny_games import _SMALL_GAME_SYSTEMS, _batched_solve, _merge_close, _polytope_vertices_small  # noqa: F401
from .bimatrix.verify import is_equilibrium  # noqa: F401
from .bimatrix.vertex_search import _Budget, _BudgetState, _cone_rays, _VertexSearch  # noqa: F401

__all__ = [
    "Equilibrium",
    "NashResult",
    "NashSubset",
    "CrossCheck",
    "ReplicatorResult",
    "as_bimatrix",
    "extreme_equilibria",
    "estimate_enumeration_cost",
    "is_equilibrium",
    "cross_check",
    "replicator_dynamics",
]
