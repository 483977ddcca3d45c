"""``eqtools shaping``: opponent-shaping baselines (naive, LOLA, Advantage Alignment)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from learners.shaping.cli import register as _register

    _register(sub)
