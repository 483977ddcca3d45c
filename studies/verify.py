"""Deprecated path: the verification of trained agents moved into the library.

* :mod:`learners.verification`: the ``Verification`` dataclasses, :func:`verify_agents`,
  :func:`predictive_gap`, the report (``summary_dict``, ``markdown``, ``plot``, ``write_report``)
  and :func:`regret_section`;
* :mod:`learners.runs`: the run loaders ``load_a2c_pair`` and ``load_ppi_agents``.

This module re-exports those names so that old imports keep working; it goes after one release.
Import from ``learners.verification`` and ``learners.runs`` instead.
"""

from __future__ import annotations

from learners.runs import _PPI_AGENT_KEYS, load_a2c_pair, load_ppi_agents  # noqa: F401
from learners.verification import (  # noqa: F401
    AgentVerification,
    PairVerification,
    Verification,
    markdown,
    plot,
    predictive_gap,
    regret_section,
    summary_dict,
    verify_agents,
    write_report,
)

__all__ = ["AgentVerification", "PairVerification", "Verification", "verify_agents", "write_report", "summary_dict",
           "regret_section", "predictive_gap", "markdown", "plot", "load_a2c_pair", "load_ppi_agents"]
