"""The Bayesian in-context learner: exact posteriors, a jittable policy, the exact Bayes-optimal DP.

A step-1 learner of the paper is trained against memory-one co-players drawn from U(0,1)^5; the
Bayesian learner for that prior is the best any such learner can do on average.  This package
gives its exact posterior (:mod:`learners.bayes.prior`), a jittable, batched
:class:`~solvers.simulate.Policy` with three decision rules (:class:`BayesPolicy`) and, for short
horizons, the exact Bayes-optimal policy by dynamic programming over count states
(:mod:`learners.bayes.dp`).

Usage (e.g. as the Fixed-ICL co-player inside an A2C/PPI training rollout)::

    from learners.bayes import BayesPolicy, BetaPrior, MixturePrior
    pol = BayesPolicy(game="paper", horizon=100, prior=BetaPrior.uniform(), rule="lookahead", depth=2)
    carry = pol.init_with_key((2048,), key)        # or pol.init((2048,)) (key = PRNGKey(seed))
    p_coop, carry = pol.coop_prob(carry, obs, t)   # obs: (2048,) int32 tokens, own view; t: round

It plugs into :func:`solvers.simulate.simulate`/``play``, :func:`learners.regret.evaluate_regret`
and ``studies.verify.verify_agents`` unchanged.  All rules are jittable at T = 100 (``horizon - t``
is a traced loop bound, so the policy is not reverse-differentiable; a co-player needs no gradient).

Speed: seconds per rollout of 2048 matches x 100 rounds against U(0,1)^5 co-players, float32,
jitted ``lax.scan``, after compilation (``python benchmarks/bench_bayes.py``; 2-core AMD EPYC VM,
24 GiB, no GPU, JAX CPU, pinned to one core, machine load average ~7.5 from other helpers' jobs,
so unloaded times are lower; ``benchmarks/results/bayes_policy.json``):

| rule | s / rollout | compile (first call) |
|---|---|---|
| ``ce`` | 0.07 | 4.6 s |
| ``lookahead``, depth 1 | 0.17 | 6.6 s |
| ``lookahead``, depth 2 | 0.83 | 16 s |
| ``lookahead``, depth 3 | 1.3 | 12 s |
| ``thompson`` (``jax.random.beta`` per round) | 2.0 | 21 s |

A mixture prior with several components costs more (per-component weights; Beta components of a
mixture need no special functions in the policy: weights are updated incrementally).
"""

from .dp import BayesDP, CountSpace, count_space, estimate_bytes, evaluate, policy_tables, solve
from .policy import RULES, TOKEN_TO_CONTEXT, BayesPolicy, from_spec, plan_q_jnp
from .prior import (BetaPrior, MixturePrior, PointPrior, Posterior, PriorArrays, as_mixture, component_predictive_jnp,
                    counts_from_history, extortion_prior, log_weights_jnp, posterior, predictive_jnp, reciprocator_prior,
                    tilted_prior)

__all__ = ["BayesDP", "CountSpace", "count_space", "estimate_bytes", "evaluate", "policy_tables", "solve", "RULES", "TOKEN_TO_CONTEXT", "BayesPolicy", "from_spec", "plan_q_jnp", "BetaPrior", "MixturePrior", "PointPrior",
           "Posterior", "PriorArrays", "as_mixture", "component_predictive_jnp", "counts_from_history",
           "log_weights_jnp", "posterior", "predictive_jnp", "reciprocator_prior", "tilted_prior", "extortion_prior"]
