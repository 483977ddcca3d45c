"""State, action and observation conventions shared by every package.

Memory-one conventions (see ``shared/paper-notes.md`` section 3):

* Actions: ``C = 0`` (cooperate), ``D = 1`` (defect).  Strategy vectors hold
  probabilities of **cooperating**.
* A round's joint outcome seen from the focal player's own view, own action first:
  ``CC = 0, CD = 1, DC = 2, DD = 3``; so ``state = 2 * own_action + other_action``.
* A memory-one strategy is ``(p0; p_CC, p_CD, p_DC, p_DD)``: P(C) in the first round and
  after each state, from its own view.
* Seen from X, the co-player Y reacts to X's state ``s`` with ``q[SWAP[s]]`` because
  Y's ``CD`` is X's ``DC``.
* Observation tokens (environment, sequence models): ``START = 0`` and ``1 + state`` for the
  previous round's joint action from the observer's view, i.e. ``CC = 1, CD = 2, DC = 3, DD = 4``.
"""

from __future__ import annotations

import numpy as np

C: int = 0
D: int = 1
ACTIONS: tuple[str, str] = ("C", "D")

STATES: tuple[str, str, str, str] = ("CC", "CD", "DC", "DD")
CC, CD, DC, DD = 0, 1, 2, 3

#: Permutation that maps a state index to the same joint outcome seen by the co-player.
SWAP: np.ndarray = np.array([0, 2, 1, 3])

START_TOKEN: int = 0
NUM_TOKENS: int = 5
TOKEN_NAMES: tuple[str, ...] = ("start",) + STATES

#: Names of the five memory-one parameters, in vector order.
PARAM_NAMES: tuple[str, ...] = ("p0", "p_CC", "p_CD", "p_DC", "p_DD")


def state_index(own_action: int, other_action: int) -> int:
    """Return the state index of a joint action from the focal player's view."""
    return 2 * int(own_action) + int(other_action)


def observation_token(own_action: int, other_action: int) -> int:
    """Return the observation token (1..4) for a previous joint action."""
    return 1 + state_index(own_action, other_action)
