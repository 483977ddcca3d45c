"""Moved to :mod:`eqtools.cli.shaping` (issue 23: every parser under ``eqtools/cli/``).

A re-export shim for one release: each name is the very object at its new home.
"""

from eqtools.cli.shaping import cmd_run, register  # noqa: F401

__all__ = ["register", "cmd_run"]
