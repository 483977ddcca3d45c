"""Moved to :mod:`eqtools.cli.train_ppi` (issue 23: every parser under ``eqtools/cli/``).

A re-export shim for one release: each name is the very object at its new home.
"""

from eqtools.cli.train_ppi import _OVERRIDES, _add_arguments, _mechanism_plots, add_ppi_parser, build_config, register, run_ppi  # noqa: F401

__all__ = ["add_ppi_parser", "register", "build_config", "run_ppi"]
