"""Deprecated path: this module was split into :mod:`solvers.bimatrix` (issue 23) and goes after
one release.  Import from :mod:`solvers.bimatrix` (or its modules) instead.

Where its contents went: :class:`SampledEquilibrium`, :class:`NashSample` and :class:`ESSResult`
to :mod:`solvers.bimatrix.results`; :func:`verify_equilibrium` to :mod:`~solvers.bimatrix.verify`
(with the tolerance conventions named there); the tableau to :mod:`~solvers.bimatrix.tableau`;
:func:`lemke_howson` and :func:`symmetric_lemke_howson` to :mod:`~solvers.bimatrix.lemke_howson`;
:func:`ess_check` to :mod:`~solvers.bimatrix.ess`; the support solves to
:mod:`~solvers.bimatrix.support`; :func:`replicator_candidates` to
:mod:`~solvers.bimatrix.replicator`; :func:`sample_equilibria` and :func:`group_components` to
:mod:`~solvers.bimatrix.sampler`.

Every name of the old module (private ones included) is re-exported here; ``_as_game``,
``_square`` and ``_label_order`` are the old names of :func:`~solvers.bimatrix.coerce.as_bimatrix`,
``solvers.bimatrix.coerce._symmetric_matrix`` and ``solvers.bimatrix.sampler._start_labels``.
"""

from __future__ import annotations

from .bimatrix.coerce import _rescale, _symmetric_matrix, as_bimatrix
from .bimatrix.ess import _step_into_simplex, _subspace_basis, ess_check  # noqa: F401
from .bimatrix.lemke_howson import (  # noqa: F401
    _default_refactor,
    _lh_path,
    _lh_profile,
    _sym_path,
    lemke_howson,
    symmetric_lemke_howson,
)
from .bimatrix.replicator import _face_vertex, replicator_candidates  # noqa: F401
from .bimatrix.results import ESSResult, EquilibriumList, MixedProfile, NashSample, SampledEquilibrium  # noqa: F401
from .bimatrix.sampler import _Pool, _start_labels, group_components, sample_equilibria
from .bimatrix.support import _solve_support_bimatrix, _solve_support_sym  # noqa: F401
from .bimatrix.tableau import _Tableau  # noqa: F401
from .bimatrix.verify import _U, _constants, _payoff_scale, _verify, verify_equilibrium  # noqa: F401

_as_game = as_bimatrix
_square = _symmetric_matrix
_label_order = _start_labels

__all__ = [
    "SampledEquilibrium",
    "NashSample",
    "ESSResult",
    "lemke_howson",
    "symmetric_lemke_howson",
    "verify_equilibrium",
    "ess_check",
    "replicator_candidates",
    "sample_equilibria",
    "group_components",
]
