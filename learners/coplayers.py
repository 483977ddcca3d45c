"""Fixed co-players for the training rollouts: any jittable :class:`~solvers.simulate.Policy`.

The paper's mechanism step 2 trains fresh learners against a frozen in-context learner, the
*Fixed-ICL*.  Historically that was learner 1 of a step-1 run (a GRU of the same module for A2C,
a saved PPI agent for PPI).  Here the Fixed-ICL can be any jittable ``Policy``: a
:class:`~solvers.simulate.MemoryOnePolicy`, a :class:`~learners.policies.GRUPolicy`, or the
Bayesian in-context learner of :mod:`learners.bayes`.

A co-player in a rollout receives, like in :func:`solvers.simulate.simulate`, its own-view
observation token (``0`` at the start, ``1 + 2 * own + other`` afterwards) and the round index,
and returns its probability of cooperating; the rollout samples its action.

**Keyed policies.**  The ``Policy`` protocol gives a player no random key.  A policy that draws
random numbers itself (e.g. posterior sampling) may implement ``init_with_key(batch_shape, key)``;
the rollouts then call it with a key derived from the rollout's own key (so every training
iteration and seed gets fresh draws) instead of ``init(batch_shape)``.

**Specs.**  Runs record which Fixed-ICL they used as a string (``TrainConfig.fixed_icl``, the PPI
chain's ``fixed_icl.json``) so that resume and reports stay honest:

* ``bayes``, ``bayes:RULE`` or ``bayes:RULE:DEPTH``, optionally ``...:prior=PRIOR``: the Bayesian
  learner :class:`learners.bayes.BayesPolicy`.  ``RULE`` is ``ce`` (certainty equivalence, the
  default), ``thompson`` (posterior sampling) or ``lookahead`` (Bayes-adaptive expectimax over
  ``DEPTH`` rounds, default 2).  ``PRIOR`` is ``uniform`` (U(0,1)^5, the training prior; the
  default) or ``recip-W`` (:func:`learners.bayes.reciprocator_prior` with weight ``W``: U(0,1)^5
  mixed with reciprocators);
* ``memory-one:NAME`` or ``memory-one:P0,PCC,PCD,PDC,PDD``: a memory-one strategy (eqtools name or
  5-vector), mostly for checks.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from eqtools.errors import ParameterError
from solvers.simulate import MemoryOnePolicy, Policy

__all__ = ["check_coplayer", "init_coplayer", "FIXED_ICL_KINDS", "normalise_fixed_icl", "fixed_icl_policy"]

#: Kinds of Fixed-ICL spec strings (the part before the first ``:``).
FIXED_ICL_KINDS: tuple[str, ...] = ("bayes", "memory-one")


def check_coplayer(policy: Any, what: str = "fixed co-player") -> Policy:
    """Return ``policy`` if it implements the :class:`~solvers.simulate.Policy` protocol, else raise
    :class:`ParameterError` naming ``what``."""
    if not isinstance(policy, Policy) or not callable(getattr(policy, "coop_prob", None)):
        raise ParameterError(f"{what} must be a solvers.simulate.Policy (init(batch_shape), coop_prob(carry, obs, t), "
                             f"name), got {type(policy).__name__}")
    return policy


def init_coplayer(policy: Policy, batch_shape: tuple[int, ...], key: jax.Array) -> Any:
    """The co-player's initial carry: ``init_with_key(batch_shape, key)`` when the policy has it, else
    ``init(batch_shape)`` (``key`` unused)."""
    f = getattr(policy, "init_with_key", None)
    return f(tuple(batch_shape), key) if callable(f) else policy.init(tuple(batch_shape))


def _split(spec: Any) -> tuple[str, list[str]]:
    if not isinstance(spec, str) or not spec.strip():
        raise ParameterError(f"fixed_icl must be a non-empty spec string like 'bayes', 'bayes:ce' or 'memory-one:TFT', "
                             f"got {spec!r}")
    parts = [p.strip() for p in spec.strip().split(":")]
    kind = parts[0].lower()
    if kind not in FIXED_ICL_KINDS:
        raise ParameterError(f"fixed_icl: unknown kind {parts[0]!r} in {spec!r}; use one of {FIXED_ICL_KINDS} "
                             "(bayes[:RULE[:DEPTH]], memory-one:NAME or memory-one:P0,PCC,PCD,PDC,PDD)")
    return kind, parts[1:]


def _memory_one_vector(arg: str, spec: str, game: str) -> np.ndarray:
    from eqtools.strategies import MemoryOne, named

    if "," in arg:
        try:
            vals = [float(x) for x in arg.split(",")]
        except ValueError:
            raise ParameterError(f"fixed_icl {spec!r}: the memory-one vector must be 5 numbers, got {arg!r}") from None
        try:
            return np.asarray(MemoryOne.from_vector(vals).vector, np.float32)  # validates length and range
        except Exception as exc:
            raise ParameterError(f"fixed_icl {spec!r}: {exc}") from None
    try:
        return np.asarray(named(arg, game).vector, np.float32)
    except Exception as exc:  # unknown name: a named error
        raise ParameterError(f"fixed_icl {spec!r}: {exc}") from None


def normalise_fixed_icl(spec: Any, game: str = "paper") -> str:
    """The canonical form of a Fixed-ICL spec (validated): kind lower-case, defaults filled in,
    a memory-one strategy as its 5-vector.  Raises :class:`ParameterError` on a bad spec."""
    kind, args = _split(spec)
    if kind == "memory-one":
        if len(args) != 1 or not args[0]:
            raise ParameterError(f"fixed_icl {spec!r}: use memory-one:NAME or memory-one:P0,PCC,PCD,PDC,PDD")
        v = _memory_one_vector(args[0], spec, game)
        return "memory-one:" + ",".join(f"{float(x):.9g}" for x in v)
    return _bayes_normalise(args, spec)


def fixed_icl_policy(spec: str, game: str = "paper", horizon: int = 100) -> Policy:
    """The jittable :class:`~solvers.simulate.Policy` a Fixed-ICL spec names (see the module docstring).

    ``bayes[:RULE[:DEPTH]]`` builds the Bayesian in-context learner of :mod:`learners.bayes` for
    ``game`` and ``horizon`` under the U(0,1)^5 prior; ``memory-one:...`` a
    :class:`~solvers.simulate.MemoryOnePolicy`."""
    canon = normalise_fixed_icl(spec, game)
    kind, args = _split(canon)
    if kind == "memory-one":
        return MemoryOnePolicy(_memory_one_vector(args[0], spec, game), name=canon)
    return _bayes_policy(args, game, horizon, canon)


def _bayes_parts(args: list[str], spec: str) -> tuple[str, int | None, float]:
    """``(rule, depth or None, reciprocator weight)`` of ``bayes:...`` arguments."""
    from .bayes import RULES

    pos = [a for a in args if "=" not in a]
    kv = [a for a in args if "=" in a]
    if any(not a for a in pos):
        raise ParameterError(f"fixed_icl {spec!r}: empty field; use bayes[:RULE[:DEPTH]][:prior=PRIOR]")
    if len(pos) > 2 or (kv and args.index(kv[0]) < len(pos)):
        raise ParameterError(f"fixed_icl {spec!r}: use bayes[:RULE[:DEPTH]][:prior=PRIOR]")
    rule = pos[0].lower() if pos else "ce"
    if rule not in RULES:
        raise ParameterError(f"fixed_icl {spec!r}: unknown Bayesian rule {pos[0]!r}; choose one of {RULES}")
    depth = None
    if rule == "lookahead":
        try:
            depth = int(pos[1]) if len(pos) > 1 else 2
        except ValueError:
            raise ParameterError(f"fixed_icl {spec!r}: DEPTH must be an integer, got {pos[1]!r}") from None
        if not 1 <= depth <= 5:
            raise ParameterError(f"fixed_icl {spec!r}: lookahead DEPTH must be 1..5, got {depth}")
    elif len(pos) > 1:
        raise ParameterError(f"fixed_icl {spec!r}: DEPTH only applies to the lookahead rule")
    weight = 0.0
    for item in kv:
        key, _, val = item.partition("=")
        if key.strip().lower() != "prior":
            raise ParameterError(f"fixed_icl {spec!r}: unknown option {key!r} (only prior=...)")
        val = val.strip().lower()
        if val == "uniform":
            weight = 0.0
        elif val.startswith("recip-"):
            try:
                weight = float(val[len("recip-"):])
            except ValueError:
                weight = float("nan")
            if not 0.0 <= weight <= 1.0:
                raise ParameterError(f"fixed_icl {spec!r}: prior=recip-W needs a weight W in [0, 1], got {val!r}")
        else:
            raise ParameterError(f"fixed_icl {spec!r}: prior must be 'uniform' or 'recip-W', got {val!r}")
    return rule, depth, weight


def _bayes_normalise(args: list[str], spec: str) -> str:
    rule, depth, weight = _bayes_parts(args, spec)
    out = f"bayes:{rule}" + (f":{depth}" if depth is not None else "")
    return out + (f":prior=recip-{weight:g}" if weight > 0 else "")


def _bayes_policy(args: list[str], game: str, horizon: int, canon: str) -> Policy:
    from .bayes import BayesPolicy, BetaPrior, reciprocator_prior

    rule, depth, weight = _bayes_parts(args, canon)
    prior = BetaPrior.uniform() if weight == 0 else reciprocator_prior(weight)
    return BayesPolicy(game=game, horizon=int(horizon), prior=prior, rule=rule, depth=depth or 2, name=canon)
