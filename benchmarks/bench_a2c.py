"""Benchmark: throughput of one A2C training iteration (rollout + BPTT update of both learners).

Reports, for the chosen preset (default: the paper's batch 4096 episodes per learner, GRU 128,
horizon 100, mixed pool):

* seconds per iteration (after compilation), env-steps/s (games x rounds) and agent-steps/s
  (learner decisions);
* the iteration's matmul FLOPs (analytic: GRU, embeddings and heads, forward + backward = 3x
  forward; XLA's cost analysis is also recorded but counts the scan body only once), the achieved
  FLOP rate, and its fraction of the machine's measured float32 matrix-multiply rate (best of 10
  jnp.dot of n x n matrices).

Run on demand (never a pass/fail test)::

    python benchmarks/bench_a2c.py --preset paper --iterations 3 --out benchmarks/results/a2c_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eqtools.provenance import machine  # noqa: E402


def matmul_rate(n: int = 2048, reps: int = 10) -> float:
    """Measured float32 matmul FLOP/s (best of ``reps``) for ``n x n`` matrices."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (n, n), jnp.float32)
    f = jax.jit(jnp.dot)
    f(a, b).block_until_ready()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        f(a, b).block_until_ready()
        best = min(best, time.perf_counter() - t)
    return 2.0 * n**3 / best


def main(argv: list[str] | None = None) -> dict:
    import jax
    import jax.numpy as jnp

    from learners.a2c.config import preset_config
    from learners.a2c.trainer import Trainer

    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper", choices=("smoke", "cpu", "paper"))
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--ablation", default="none")
    ap.add_argument("--iterations", type=int, default=3, help="timed iterations after the compile")
    ap.add_argument("--matmul-n", type=int, default=2048)
    ap.add_argument("--out", default=None, help="also write the JSON here")
    args = ap.parse_args(argv)

    over = {"seeds": args.seeds, "ablation": args.ablation}
    if args.batch:
        over["batch"] = args.batch
    if args.hidden:
        over["hidden"] = args.hidden
    cfg = preset_config(args.preset, **over)
    tr = Trainer(cfg)
    it = jnp.int32(0)
    t0 = time.perf_counter()
    lowered = tr._step.lower(tr.params, tr.opt_state, tr.seed_keys, it, tr.tab_table)
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    cost = compiled.cost_analysis()
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else {}
    flops = float(cost.get("flops", float("nan"))) if cost else float("nan")
    m = tr.step()
    jax.block_until_ready(m)  # warm-up
    times = []
    for _ in range(args.iterations):
        t = time.perf_counter()
        m = tr.step()
        jax.block_until_ready(m)
        times.append(time.perf_counter() - t)
    s_per_it = min(times)
    pool = cfg.pool
    games = cfg.seeds * (pool.n_learner + 2 * pool.n_tabular)
    env_steps = games * cfg.horizon
    agent_steps = cfg.seeds * 2 * cfg.batch * cfg.horizon
    peak = matmul_rate(args.matmul_n)
    # Analytic matmul FLOPs: XLA's cost analysis counts a while-loop (lax.scan) body once, not
    # once per round, so it under-counts the rollout by about the horizon.
    E, H = cfg.embed, cfg.hidden
    in_dim = 3 * E + (E if cfg.ablation == "opponent-id" else 0)
    fwd = 2 * (E * (5 + 2 + 1 + (10 if cfg.ablation == "opponent-id" else 0)) + in_dim * 3 * H + H * 3 * H + H * 3)
    analytic = 3.0 * fwd * agent_steps  # forward + backward (~2x forward)
    res = {
        "preset": args.preset,
        "batch_per_learner": cfg.batch,
        "hidden": cfg.hidden,
        "horizon": cfg.horizon,
        "seeds": cfg.seeds,
        "ablation": cfg.ablation,
        "compile_s": round(compile_s, 2),
        "s_per_iteration_best": round(s_per_it, 4),
        "s_per_iteration_all": [round(t, 4) for t in times],
        "games_per_iteration": games,
        "env_steps_per_s": round(env_steps / s_per_it),
        "agent_steps_per_s": round(agent_steps / s_per_it),
        "analytic_flops_per_iteration": analytic,
        "achieved_flop_s": analytic / s_per_it,
        "matmul_flop_s": peak,
        "fraction_of_matmul_rate": (analytic / s_per_it) / peak,
        "xla_cost_analysis_flops_per_iteration": flops,
        "xla_note": "XLA counts the lax.scan body once (not x horizon); the analytic count is used for the fraction",
        "machine": machine(),
    }
    print(json.dumps(res, indent=1))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
