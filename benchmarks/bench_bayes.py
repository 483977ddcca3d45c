"""Benchmark: seconds per training-style rollout of :class:`learners.bayes.BayesPolicy`.

One rollout = ``batch`` matches of ``horizon`` rounds of the Bayesian learner against fresh
U(0,1)^5 memory-one co-players, as a jitted ``jax.lax.scan`` (the shape of an A2C/PPI training
rollout with the learner as a co-player).  Float32 (JAX's default, as in training) unless
``--x64``.  Reports compile+first-call seconds and the median of further calls, per rule/depth.

Run on demand (never a pass/fail test)::

    python benchmarks/bench_bayes.py --batch 2048 --horizon 100 --rules ce,thompson,lookahead:1,lookahead:2,lookahead:3 \\
        --out benchmarks/results/bayes_policy.json
    python benchmarks/bench_bayes.py --prior extortioners:0.3 --rules ce,lookahead:2   # a mixture prior
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rollout_fn(pol, batch: int, horizon: int):
    import jax
    import jax.numpy as jnp

    from learners.env import memory_one_actions, payoff_table

    table = payoff_table("paper")

    @jax.jit
    def run(key):
        kq, kp, ks = jax.random.split(key, 3)
        q = jax.random.uniform(kq, (batch, 5))
        carry = pol.init_with_key((batch,), kp)
        tok0 = jnp.zeros((batch,), jnp.int32)

        def body(state, inp):
            c, ox, oy, tot = state
            t, k = inp
            kx, ky = jax.random.split(k)
            p, c = pol.coop_prob(c, ox, t)
            ax = (jax.random.uniform(kx, (batch,)) >= p).astype(jnp.int32)
            ay = memory_one_actions(ky, q, oy)
            sx = 2 * ax + ay
            return (c, 1 + sx, 1 + 2 * ay + ax, tot + table[sx]), None

        (_, _, _, tot), _ = jax.lax.scan(body, (carry, tok0, tok0, jnp.zeros((batch,))),
                                         (jnp.arange(horizon), jax.random.split(ks, horizon)))
        return tot.mean() / horizon

    return run


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--horizon", type=int, default=100)
    ap.add_argument("--rules", default="ce,thompson,lookahead:1,lookahead:2,lookahead:3")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--prior", default="uniform",
                    help="uniform, extortioners:W, reciprocators:W, partial:W or tilt:K (learners.bayes prior families)")
    ap.add_argument("--x64", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    import jax

    if args.x64:
        jax.config.update("jax_enable_x64", True)
    from benchmarks._machine import machine, timed
    from learners.bayes import BetaPrior, extortion_prior, from_spec, reciprocator_prior, tilted_prior

    fam, _, val = args.prior.partition(":")
    prior = {"uniform": lambda v: BetaPrior.uniform(), "extortioners": lambda v: extortion_prior(float(v)),
             "reciprocators": lambda v: reciprocator_prior(float(v)),
             "partial": lambda v: reciprocator_prior(float(v), contexts=("pCC", "pDD")),
             "tilt": lambda v: tilted_prior(float(v))}[fam](val)
    rows = []
    for spec in args.rules.split(","):
        pol = from_spec(spec, horizon=args.horizon, prior=prior)
        rule, d = pol.rule, (str(pol.depth) if pol.rule == "lookahead" else "")
        fn = rollout_fn(pol, args.batch, args.horizon)
        out, first, med = timed(lambda: float(fn(jax.random.PRNGKey(0))), repeats=args.repeats)
        row = {"spec": spec, "rule": rule, "depth": int(d) if d else None, "leaf": pol.leaf, "method": pol.method,
               "prior": args.prior, "batch": args.batch, "horizon": args.horizon,
               "first_call_s": round(first, 2), "seconds_per_rollout": round(med, 3),
               "mean_reward_vs_uniform": round(out, 4)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    res = {"machine": machine(), "dtype": "float64" if args.x64 else "float32", "rows": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
