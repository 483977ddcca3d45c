"""Benchmark: time of one PPI phase (model training + rollout gathering) at ``cpu`` and ``paper`` sizes.

    python benchmarks/bench_ppi.py                      # both presets, extrapolated
    python benchmarks/bench_ppi.py --presets cpu --full # cpu measured end to end (no extrapolation)

One phase = (a) fitting one learner's model on all data so far (the data size of phase
``--phase``: pretraining set + ``phase - 1`` gathered sets; ``epochs`` epochs, or
``continue_epochs`` for presets that continue the model) and (b) gathering ``episodes`` new
trajectories per learner with the improved policy (mixed pool: both learners act with
rollouts of ``n_rollouts`` samples x ``rollout_horizon`` rounds per action, every round).

Measured: optimiser steps per second at the preset's batch size and model, and gathered
episodes per second at a chunk of ``--gather-episodes`` per learner; both exclude compilation
(reported separately).  Unless ``--full``, the phase time is extrapolated linearly from these
rates (training is linear in steps, gathering in episodes; at ``paper`` size a full phase takes
hours on this CPU).  Two learners train sequentially, so a phase trains two models.  Writes
``benchmarks/results/ppi.json``.  Run on demand; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learners.env import payoff_table  # noqa: E402
from learners.ppi.play import play_pair  # noqa: E402
from learners.ppi.config import preset_config  # noqa: E402
from learners.ppi.fit import _fit_fns, _fit_key  # noqa: E402

from _machine import machine  # noqa: E402


def bench(preset: str, phase: int, train_steps: int, gather_episodes: int, full: bool) -> dict:
    cfg = preset_config(preset)
    T = cfg.horizon
    n_data = cfg.pretrain_games + (phase - 1) * cfg.episodes
    epochs = cfg.epochs if cfg.reinit else cfg.continue_epochs
    steps_per_phase = epochs * max(1, n_data // cfg.batch_size)
    init, step = _fit_fns(*_fit_key(cfg))
    params, opt = init(jax.random.PRNGKey(0))
    batch = jnp.asarray(np.random.default_rng(0).integers(0, 4, (cfg.batch_size, T)).astype(np.int8))
    t0 = time.perf_counter()
    params, opt, l = step(params, opt, batch)
    l.block_until_ready()
    compile_train = time.perf_counter() - t0
    n_steps = steps_per_phase if full else train_steps
    t0 = time.perf_counter()
    for _ in range(n_steps):
        params, opt, l = step(params, opt, batch)
    l.block_until_ready()
    step_s = (time.perf_counter() - t0) / n_steps

    table = payoff_table(cfg.game)
    pool = cfg.pool
    ep = cfg.episodes if full else min(gather_episodes, cfg.episodes)
    n_t = int(round(ep * pool.tabular_share))
    n_l = ep - n_t
    tabs = jax.random.uniform(jax.random.PRNGKey(1), (2, n_t, 5))

    def gather(key):
        r = play_pair(cfg.module(), params, params, key, tabs[0], tabs[1], table, n_pair=n_l, horizon=T,
                      spec_x=cfg.spec, spec_y=cfg.spec)
        return jax.block_until_ready(r.states_x)

    t0 = time.perf_counter()
    gather(jax.random.PRNGKey(2))
    compile_gather = time.perf_counter() - t0  # includes one gather
    t0 = time.perf_counter()
    gather(jax.random.PRNGKey(3))
    g_s = time.perf_counter() - t0
    per_episode = g_s / ep  # per learner-episode, both learners acting
    train_phase = 2 * steps_per_phase * step_s
    gather_phase = per_episode * cfg.episodes
    model_steps = 2 * cfg.episodes * T * 2 * cfg.n_rollouts * cfg.rollout_horizon  # inner model steps, both learners
    return {
        "preset": preset, "phase": phase, "extrapolated": not full,
        "model": {"hidden": cfg.hidden, "embed": cfg.embed},
        "train": {"data_episodes": n_data, "epochs": epochs, "batch": cfg.batch_size, "steps_per_learner": steps_per_phase,
                  "s_per_step": round(step_s, 5), "compile_s": round(compile_train, 2),
                  "phase_s_two_learners": round(train_phase, 1)},
        "gather": {"episodes_per_learner": cfg.episodes, "measured_episodes": ep, "n_rollouts": cfg.n_rollouts,
                   "rollout_horizon": cfg.rollout_horizon, "s_per_episode": round(per_episode, 5),
                   "compile_plus_first_s": round(compile_gather, 2), "phase_s": round(gather_phase, 1),
                   "rollout_model_steps_per_s": round(model_steps / max(gather_phase, 1e-9))},
        "phase_s": round(train_phase + gather_phase, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="cpu,paper")
    ap.add_argument("--phase", type=int, default=5, help="phase whose data size is used (default 5)")
    ap.add_argument("--train-steps", type=int, default=20)
    ap.add_argument("--gather-episodes", type=int, default=128)
    ap.add_argument("--full", action="store_true", help="time the whole phase instead of extrapolating")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "ppi.json"))
    args = ap.parse_args(argv)
    res = {"machine": machine(), "results": []}
    for p in [s.strip() for s in args.presets.split(",") if s.strip()]:
        r = bench(p, args.phase, args.train_steps, args.gather_episodes, args.full)
        print(json.dumps(r))
        res["results"].append(r)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
