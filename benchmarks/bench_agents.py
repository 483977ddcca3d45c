"""Benchmark: verifying user agents of every kind (issue 20's slow path).

Times :func:`learners.projection.project` (default probes: 17, 200 matches, n = 100) and
:func:`learners.regret.evaluate_regret` on a panel of 20 fresh draws + the named library + the
Axelrod held-out group (35 co-players, 64 matches, n = 100) for: a Python function of the
history (per match and batched), an Axelrod player (Tit For 2 Tats), a torch module (when torch
is installed) and the same rule as a JAX policy.  The issue measured 32 s and 185 s for a Python
function wrapped in ``jax.pure_callback``.

    python benchmarks/bench_agents.py [--repeats 1]

The first call includes JAX compilation of the exact solvers (once per process and shape) and,
for Axelrod, nothing else; the steady time is the median of ``--repeats`` further calls.
Writes ``benchmarks/results/agents.json``.  Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine, timed  # noqa: E402


def tf2t(own, other):
    return 0.0 if len(other) >= 2 and other[-1] == 1 and other[-2] == 1 else 1.0


def tf2t_batched(own, other):
    if own.shape[1] < 2:
        return np.ones(own.shape[0])
    return np.where((other[:, -1] == 1) & (other[:, -2] == 1), 0.0, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "agents.json"))
    args = ap.parse_args()

    import jax.numpy as jnp

    from learners.agents import as_policy, axelrod_by_name
    from learners.projection import project
    from learners.regret import default_panel, evaluate_regret

    class TF2TJax:
        name = "TF2T (JAX policy)"

        def init(self, batch_shape):
            return jnp.zeros(batch_shape, dtype=jnp.int32)

        def coop_prob(self, carry, obs, t):
            d_now = (obs >= 1) & ((obs - 1) % 2 == 1)
            d_before = (carry >= 1) & ((carry - 1) % 2 == 1)
            return jnp.where(d_now & d_before, 0.0, 1.0), obs

    agents = {"python function (per match)": as_policy(tf2t, name="tf2t"),
              "python function (batched)": as_policy(tf2t_batched, batched=True, name="tf2t-batched"),
              "axelrod Tit For 2 Tats": as_policy(axelrod_by_name("Tit For 2 Tats")),
              "JAX policy": TF2TJax()}
    try:
        import torch

        class TF2TTorch(torch.nn.Module):
            def forward(self, obs, h):
                prev = torch.zeros_like(obs) if h is None else h
                d = ((obs >= 1) & ((obs - 1) % 2 == 1)) & ((prev >= 1) & ((prev - 1) % 2 == 1))
                return torch.where(d, 0.0, 1.0).double(), obs

        agents["torch module"] = as_policy(TF2TTorch(), output="prob")
    except ImportError:
        print("torch not installed: its row is skipped")
    panel = default_panel("paper", random=20)
    rows = {}
    for label, agent in agents.items():
        pr, c1, t1 = timed(lambda: project(agent, "paper", seed=0), args.repeats)
        rep, c2, t2 = timed(lambda: evaluate_regret(agent, panel, "paper", seed=0), args.repeats)
        rows[label] = {"projection_first_s": round(c1, 2), "projection_steady_s": round(t1, 2),
                       "regret_first_s": round(c2, 2), "regret_steady_s": round(t2, 2),
                       "kl_gap": pr.kl_gap, "random_regret": rep.groups["random"]["regret"]}
        print(label, rows[label], flush=True)
    result = {"benchmark": "verifying user agents", "command": "python benchmarks/bench_agents.py " + " ".join(sys.argv[1:]),
              "projection": "17 probes x 200 matches x 100 rounds", "regret": "35 co-players x 64 matches x 100 rounds",
              "issue_20_slow_path_s": {"projection": 32, "regret_20_draws": 185}, "timings": rows, "machine": machine(),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print("| agent | projection first / steady (s) | regret first / steady (s) |\n|---|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v['projection_first_s']} / {v['projection_steady_s']} | {v['regret_first_s']} / {v['regret_steady_s']} |")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
