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

* ``bayes``, ``bayes:RULE`` or ``bayes:RULE:N``, optionally ``...:prior=PRIOR``: the Bayesian
  learner :class:`learners.bayes.BayesPolicy` (built by :func:`learners.bayes.from_spec`).
  ``RULE`` is ``ce`` (certainty equivalence, the default), ``thompson`` (posterior sampling;
  ``N``: rounds a draw is kept) or ``lookahead`` (Bayes-adaptive expectimax over ``N`` rounds,
  default 2).  ``PRIOR`` (:func:`prior_from_spec`) is ``uniform`` (U(0,1)^5, the training prior;
  the default), ``recip-W``, ``partial-W``, ``tilt-K`` or ``extort-W``;
* ``memory-one:NAME`` or ``memory-one:P0,PCC,PCD,PDC,PDD``: a memory-one strategy (eqtools name or
  5-vector), mostly for checks.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from eqtools.errors import ParameterError
from solvers.simulate import MemoryOnePolicy, Policy

__all__ = ["check_coplayer", "init_coplayer", "FIXED_ICL_KINDS", "PRIOR_FAMILIES", "normalise_fixed_icl", "fixed_icl_policy",
           "prior_from_spec", "family_prior"]

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
    from eqtools.validation import int_tuple, prng_key

    if not callable(getattr(policy, "init", None)):
        raise ParameterError(f"policy must be a solvers.simulate.Policy (init(batch_shape), coop_prob(...)), got {policy!r}"[:300])
    batch_shape, key = int_tuple("batch_shape", batch_shape), prng_key("key", key)
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
    from eqtools.validation import positive_int

    canon = normalise_fixed_icl(spec, game)
    kind, args = _split(canon)
    if kind == "memory-one":
        return MemoryOnePolicy(_memory_one_vector(args[0], spec, game), name=canon)
    return _bayes_policy(args, game, positive_int("horizon", horizon), canon)


#: Prior families of ``prior=FAMILY-X`` (the extortability sweep of :mod:`studies.bayes`).
PRIOR_FAMILIES: tuple[str, ...] = ("uniform", "recip", "partial", "tilt", "extort")


def prior_from_spec(spec: Any) -> Any:
    """A training prior of :mod:`learners.bayes` from a short spec: ``uniform`` (U(0,1)^5),
    ``recip-W`` (U(0,1)^5 mixed with weight ``W`` with the reciprocator Beta component,
    :func:`learners.bayes.reciprocator_prior`), ``partial-W`` (the same on pCC and pDD only),
    ``tilt-K`` (:func:`learners.bayes.tilted_prior`) or ``extort-W`` (with weight ``W`` on ZD
    extortioners, :func:`learners.bayes.extortion_prior`).  Raises :class:`ParameterError`."""
    from .bayes import BetaPrior

    if not isinstance(spec, str) or not spec.strip():
        raise ParameterError(f"prior must be a spec like 'uniform', 'recip-0.3' or 'tilt-5', got {spec!r}")
    fam, _, arg = spec.strip().lower().partition("-")
    if fam not in PRIOR_FAMILIES:
        raise ParameterError(f"prior {spec!r}: unknown family {fam!r}; choose one of {PRIOR_FAMILIES} (FAMILY-X)")
    if fam == "uniform":
        if arg:
            raise ParameterError(f"prior {spec!r}: 'uniform' takes no parameter")
        return BetaPrior.uniform()
    try:
        x = float(arg)
    except ValueError:
        raise ParameterError(f"prior {spec!r}: FAMILY-X needs a number X, got {arg!r}") from None
    try:
        return family_prior(fam, x)
    except Exception as exc:  # out-of-range parameters: a named error naming the spec
        raise ParameterError(f"prior {spec!r}: {exc}") from None


def family_prior(family: str, x: float) -> Any:
    """The prior of family ``family`` (``recip``, ``partial``, ``tilt`` or ``extort``; see
    :func:`prior_from_spec`) with parameter ``x``: the one dispatch behind ``FAMILY-X`` specs and the
    extortability sweep of :mod:`studies.bayes`."""
    from .bayes import extortion_prior, reciprocator_prior, tilted_prior

    if family == "recip":
        return reciprocator_prior(x)
    if family == "partial":
        return reciprocator_prior(x, contexts=("pCC", "pDD"))
    if family == "tilt":
        return tilted_prior(x)
    if family == "extort":
        return extortion_prior(x)
    raise ParameterError(f"family must be one of recip, partial, tilt, extort, got {family!r}")


def _canonical_prior(spec: str) -> str:
    fam, _, arg = spec.strip().lower().partition("-")
    return fam if fam == "uniform" else f"{fam}-{float(arg):g}"


def _bayes_parts(args: list[str], spec: str) -> tuple[str, str]:
    """``(rule spec for learners.bayes.from_spec, prior spec)`` of ``bayes:...`` arguments."""
    pos = [a for a in args if "=" not in a]
    kv = [a for a in args if "=" in a]
    if any(not a for a in pos) or len(pos) > 2 or (kv and args.index(kv[0]) < len(pos)):
        raise ParameterError(f"fixed_icl {spec!r}: use bayes[:RULE[:N]][:prior=PRIOR]")
    rule = pos[0].lower() if pos else "ce"
    if rule == "lookahead" and len(pos) == 1:
        pos.append("2")
    rule_spec = rule + (f":{pos[1]}" if len(pos) > 1 else "")
    prior = "uniform"
    for item in kv:
        key, _, val = item.partition("=")
        if key.strip().lower() != "prior":
            raise ParameterError(f"fixed_icl {spec!r}: unknown option {key!r} (only prior=...)")
        prior = val
    return rule_spec, prior


def _bayes_normalise(args: list[str], spec: str) -> str:
    rule_spec, prior = _bayes_parts(args, spec)
    _bayes_build(rule_spec, prior, "paper", 100, spec)  # validates rule, its argument and the prior
    p = _canonical_prior(prior)
    return f"bayes:{rule_spec}" + ("" if p == "uniform" else f":prior={p}")


def _bayes_build(rule_spec: str, prior: str, game: str, horizon: int, name: str) -> Policy:
    from .bayes import from_spec

    try:
        pr = prior_from_spec(prior)
        return from_spec(rule_spec, game=game, horizon=int(horizon), prior=pr, name=name)
    except ParameterError as exc:
        raise ParameterError(f"fixed_icl {name!r}: {exc}") from None


def _bayes_policy(args: list[str], game: str, horizon: int, canon: str) -> Policy:
    rule_spec, prior = _bayes_parts(args, canon)
    return _bayes_build(rule_spec, prior, game, horizon, canon)
