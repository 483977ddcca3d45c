"""Benchmark: time of one PPI phase (model training + rollout gathering) at ``cpu`` and ``paper`` sizes,
and PPI's evaluation per episode beside A2C's at the same network size.

    python benchmarks/bench_ppi.py                      # both presets, extrapolated
    python benchmarks/bench_ppi.py --presets cpu --full # cpu measured end to end (no extrapolation)
    python benchmarks/bench_ppi.py --eval --presets cpu # evaluation: PPI prior, PPI improved, A2C
    python benchmarks/bench_ppi.py --eval --presets cpu --profile  # ... and where the rollouts' time goes

**Evaluation** (``--eval``): one evaluation of a run (both learners against the co-learner, ALLC,
ALLD, TFT and fresh U(0,1)^5 draws, ``eval_episodes`` each: ``10 * eval_episodes`` episodes, the
same count in both learners) timed for three players of the same network size (GRU ``hidden``,
embeddings ``embed``), in one process, repetitions interleaved:

* ``ppi_prior``: PPI acting with its prior (the model's action head, ``beta = 0``: no rollouts);
* ``ppi_improved``: PPI acting with its improved policy, as it is evaluated in training (every
  decision runs ``2 * n_rollouts * rollout_horizon`` model steps of Monte Carlo rollouts);
* ``a2c``: :class:`learners.a2c.trainer.Trainer`'s evaluation (one GRU step per decision).

Reported per episode (best of ``--eval-reps`` after the compile), with the ratios to A2C, the model
steps per decision of each, and the share of PPI's time in the jitted games (the rest is the
per-seed numpy bookkeeping and the exact best-response values).

**Like with like.**  A2C acts with its policy network: one GRU step per decision.  PPI's prior is
the same kind of player (one model step per decision, no lookahead), so ``ppi_prior`` against
``a2c`` is the like-with-like comparison of the evaluation machinery, and it is the one held to
issue 21's "within 2x".  PPI's improved policy (how PPI is evaluated in training) is a different
player: every decision runs Monte Carlo rollouts inside the model, ``1 + 2 * n_rollouts *
min(rollout_horizon - 1, T - 1 - t)`` model steps at round ``t`` (about 105 per decision on
average at the ``cpu`` preset), so per episode it cannot come within 2x of a one-step policy on
the same hardware; the output gives its time per *model step* beside A2C's
(``ratio_to_a2c_per_model_step``), and ``ratio_floor_model_steps`` (the ratio of model steps per
decision, times the ratio of agent-episodes) is the ratio it would have at equal speed per step.

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
from dataclasses import replace
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
    model_steps = 2 * cfg.episodes * T * (improved_steps_per_decision(cfg) - 1)  # rollout model steps, both learners
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


def bench_eval(preset: str, reps: int, eval_episodes: int | None = None, seeds: int = 1,
               players: tuple[str, ...] = ("ppi_prior", "ppi_improved", "a2c")) -> dict:
    """PPI's evaluation (prior and improved policy) and A2C's at the same network size, per episode."""
    import os

    from learners.ppi.runner import PPIRunner
    from learners.a2c.config import preset_config as a2c_preset
    from learners.a2c.trainer import Trainer

    over = {} if eval_episodes is None else {"eval_episodes": int(eval_episodes)}
    cfg = preset_config(preset, seeds=seeds, **over)
    E = cfg.eval_episodes
    load_before = os.getloadavg()
    runners = {}
    for name, c in (("ppi_prior", replace(cfg, beta=0.0)), ("ppi_improved", cfg)):
        r = PPIRunner(c)
        init, _ = _fit_fns(*_fit_key(c))
        # the games' cost does not depend on the parameter values: fresh models per learner and seed
        r.params = [jax.tree_util.tree_map(lambda *x: jnp.stack(x), *[init(jax.random.PRNGKey(100 * s + i))[0]
                                                                        for s in range(seeds)]) if seeds > 1
                    else init(jax.random.PRNGKey(i))[0] for i in range(2)]
        runners[name] = r
    ac = a2c_preset("cpu", hidden=cfg.hidden, embed=cfg.embed, horizon=cfg.horizon, eval_episodes=E, seeds=seeds)
    tr = Trainer(ac)

    def a2c_eval():
        jax.block_until_ready(tr._eval(tr.params, tr.seed_keys, jnp.int32(0), tr.fixed_params))

    fns = {"ppi_prior": runners["ppi_prior"]._evaluate_seeds, "ppi_improved": runners["ppi_improved"]._evaluate_seeds,
           "a2c": a2c_eval}
    fns = {k: f for k, f in fns.items() if k in players}
    compile_s = {}
    for name, f in fns.items():
        t0 = time.perf_counter()
        f()
        compile_s[name] = round(time.perf_counter() - t0, 2)
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):  # interleaved, so that a change of load hits all three alike
        for name, f in fns.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    # the share of the jitted games in PPI's evaluation: the same games alone
    play_s = {}
    for name in [k for k in ("ppi_prior", "ppi_improved") if k in fns]:
        r = runners[name]
        keys = jnp.stack([jax.random.PRNGKey(s) for s in range(seeds)])
        tab = jnp.zeros((seeds, 4 * E, 5))
        n_pair = E if r.cfg.share < 1.0 else 0

        def games(r=r, keys=keys, tab=tab, n_pair=n_pair):
            for i in range(2):
                jax.block_until_ready(r._play_seeds(i, keys, tab, n_pair).states_x)

        games()
        play_s[name] = min(_timed(games) for _ in range(max(1, reps // 2)))
    episodes = seeds * 2 * 5 * E
    best = {k: min(v) for k, v in times.items()}
    per_ep = {k: v / episodes for k, v in best.items()}
    steps = {"ppi_prior": 1, "ppi_improved": improved_steps_per_decision(cfg), "a2c": 1}
    n_pair = E if cfg.share < 1.0 else 0
    agent_eps = {"ppi_prior": 2 * (2 * n_pair + 4 * E), "ppi_improved": 2 * (2 * n_pair + 4 * E), "a2c": 2 * E + 8 * E}
    # seconds per model step (one GRU step of one agent in one episode), over everything the evaluation does
    per_step = {k: best[k] / (seeds * cfg.horizon * agent_eps[k] * steps[k]) for k in best}
    res = {
        "preset": preset, "seeds": seeds, "hidden": cfg.hidden, "embed": cfg.embed, "horizon": cfg.horizon,
        "eval_episodes_per_coplayer": E, "episodes_per_evaluation": episodes,
        "n_rollouts": cfg.n_rollouts, "rollout_horizon": cfg.rollout_horizon,
        "like_with_like": "ppi_prior vs a2c: both act with one model step per decision (the 2x target); "
                          "ppi_improved acts through Monte Carlo lookahead (model_steps_per_decision), compare per model step",
        "model_steps_per_decision": {k: round(v, 2) for k, v in steps.items()},
        "agent_episodes_per_evaluation": {k: seeds * v for k, v in agent_eps.items()},
        "s_per_evaluation_best": {k: round(v, 4) for k, v in best.items()},
        "s_per_evaluation_all": {k: [round(x, 4) for x in v] for k, v in times.items()},
        "s_per_episode": {k: float(f"{v:.3g}") for k, v in per_ep.items()},
        "ratio_to_a2c": {k: round(per_ep[k] / per_ep["a2c"], 2) for k in ("ppi_prior", "ppi_improved")
                         if k in per_ep and "a2c" in per_ep},
        "ratio_to_a2c_per_model_step": {k: round(per_step[k] / per_step["a2c"], 2) for k in ("ppi_prior", "ppi_improved")
                                        if k in per_step and "a2c" in per_step},
        # the per-episode ratio at equal time per model step: work, not speed
        "ratio_floor_model_steps": {k: round(steps[k] * agent_eps[k] / agent_eps["a2c"], 2)
                                    for k in ("ppi_prior", "ppi_improved") if k in best},
        # model steps per second.  Agent-episodes: PPI's evaluation of learner i plays i against its
        # co-learner (both act) and 4 tabular groups, 2 * (2 n_pair + 4E); A2C shares the pair episodes
        "model_steps_per_s": {k: round(seeds * cfg.horizon * agent_eps[k] * steps[k] / best[k]) for k in best},
        "ppi_games_share": {k: round(play_s[k] / best[k], 3) for k in play_s},
        "compile_plus_first_s": compile_s,
        "loadavg_before_after": [list(load_before), list(os.getloadavg())],
    }
    if "a2c" in per_ep:
        res["summary"] = "; ".join(
            f"{k}: {per_ep[k] * 1e3:.3g} ms/episode = {per_ep[k] / per_ep['a2c']:.2f}x A2C's {per_ep['a2c'] * 1e3:.3g} ms"
            f" ({steps[k]:.4g} model steps/decision, {per_step[k] / per_step['a2c']:.2f}x A2C's time per model step)"
            for k in ("ppi_prior", "ppi_improved") if k in per_ep)
    return res


def improved_steps_per_decision(cfg) -> float:
    """Model steps per decision of the improved policy, averaged over the rounds of a game: the decision
    step plus ``2 * n_rollouts`` rollouts of ``min(rollout_horizon - 1, T - 1 - t)`` steps at round ``t``
    (:func:`learners.ppi.improve.rollout_q` plays no step after the last rollout round or past the end)."""
    T, H, K = cfg.horizon, cfg.rollout_horizon, cfg.n_rollouts
    if cfg.beta == 0 or K == 0 or H == 0:
        return 1.0
    return 1.0 + 2 * K * sum(max(0, min(H - 1, T - 1 - t)) for t in range(T)) / T


def profile_rollout(preset: str, reps: int = 20, eval_episodes: int | None = None) -> dict:
    """Where the improved policy's time goes: one decision's :func:`learners.ppi.improve.rollout_q` at the
    evaluation's batch (learner ``x``: ``E`` pair + ``4E`` tabular episodes) against the same number of bare
    model steps, and the model step's matmul FLOP rate against ``jnp.dot``'s on this core."""
    from learners.ppi.improve import rollout_q, sequence_model_step

    over = {} if eval_episodes is None else {"eval_episodes": int(eval_episodes)}
    cfg = preset_config(preset, **over)
    m = cfg.module()
    init, _ = _fit_fns(*_fit_key(cfg))
    step = sequence_model_step(m, init(jax.random.PRNGKey(0))[0])
    B, K, Hr = 5 * cfg.eval_episodes, cfg.n_rollouts, cfg.rollout_horizon
    n = B * 2 * K
    h = 0.1 * jax.random.normal(jax.random.PRNGKey(1), (B, cfg.hidden))
    obs, pa, pr = jnp.ones((B,), jnp.int32), jnp.zeros((B,), jnp.int32), jnp.zeros((B,))
    rq = jax.jit(lambda h, k: rollout_q(step, *step(h, obs, pa, pr), jnp.int32(0), k, horizon=Hr, n_rollouts=K,
                                        episode_len=cfg.horizon))
    hh = jnp.tile(h, (2 * K, 1))
    ob, pa2, pr2 = jnp.ones((n,), jnp.int32), jnp.zeros((n,), jnp.int32), jnp.zeros((n,))

    def bare(hh):  # Hr - 1 model steps (what rollout_q plays at round 0), nothing else
        def body(c, _):
            c, hd = step(c, ob, pa2, pr2)
            return c + 1e-3 * hd.reward.sum(-1, keepdims=True), None
        return jax.lax.scan(body, hh, None, length=Hr - 1)[0]

    bare_j = jax.jit(bare)
    E_, H_ = cfg.embed, cfg.hidden
    macs = 8 * E_ + 3 * E_ * 3 * H_ + H_ * 3 * H_ + H_ * 10  # embeddings, GRU input and hidden matmuls, heads
    a = jax.random.normal(jax.random.PRNGKey(2), (n, 3 * E_))
    w = jax.random.normal(jax.random.PRNGKey(3), (3 * E_, 3 * H_))
    dot = jax.jit(jnp.dot)
    fns = {"rollout_q": lambda: rq(h, jax.random.PRNGKey(4)).block_until_ready(),
           "bare_model_steps": lambda: bare_j(hh).block_until_ready(),
           "dot": lambda: dot(a, w).block_until_ready()}
    for f in fns.values():
        f()
    best = {k: min(_timed(f) for _ in range(reps)) for k, f in fns.items()}
    step_flops = 2 * macs * n * (Hr - 1)
    return {
        "preset": preset, "batch_episodes": B, "rollout_rows": n, "model_steps_per_call": n * (Hr - 1),
        "rollout_q_s": round(best["rollout_q"], 5), "bare_model_steps_s": round(best["bare_model_steps"], 5),
        "model_step_share_of_rollout_q": round(best["bare_model_steps"] / best["rollout_q"], 3),
        "model_step_gflop_s": round(step_flops / best["bare_model_steps"] / 1e9, 1),
        "dot_gflop_s_same_rows": round(2 * n * 3 * E_ * 3 * H_ / best["dot"] / 1e9, 1),
        "flops_per_model_step": 2 * macs,
    }


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="cpu,paper")
    ap.add_argument("--phase", type=int, default=5, help="phase whose data size is used (default 5)")
    ap.add_argument("--train-steps", type=int, default=20)
    ap.add_argument("--gather-episodes", type=int, default=128)
    ap.add_argument("--full", action="store_true", help="time the whole phase instead of extrapolating")
    ap.add_argument("--eval", action="store_true", help="time the evaluation (PPI prior, PPI improved, A2C) instead")
    ap.add_argument("--eval-reps", type=int, default=5)
    ap.add_argument("--eval-episodes", type=int, default=None, help="per co-player (default: the preset's)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds evaluated together (--eval)")
    ap.add_argument("--players", default="ppi_prior,ppi_improved,a2c", help="which evaluations to time (--eval)")
    ap.add_argument("--profile", action="store_true",
                    help="with --eval: also time one rollout_q against bare model steps and the matmul rate")
    ap.add_argument("--out", default=None, help="default benchmarks/results/ppi.json (ppi_eval.json with --eval)")
    args = ap.parse_args(argv)
    out = args.out or str(Path(__file__).resolve().parent / "results" / ("ppi_eval.json" if args.eval else "ppi.json"))
    if args.eval:
        res = {"machine": machine(), "results": []}
        for p in [s.strip() for s in args.presets.split(",") if s.strip()]:
            r = bench_eval(p, args.eval_reps, args.eval_episodes, args.seeds,
                           tuple(s.strip() for s in args.players.split(",") if s.strip()))
            print(json.dumps(r))
            print(r.get("summary", ""))
            if args.profile:
                r["profile"] = profile_rollout(p, eval_episodes=args.eval_episodes)
                print(json.dumps(r["profile"]))
            res["results"].append(r)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(res, indent=1))
        return 0
    res = {"machine": machine(), "results": []}
    for p in [s.strip() for s in args.presets.split(",") if s.strip()]:
        r = bench(p, args.phase, args.train_steps, args.gather_episodes, args.full)
        print(json.dumps(r))
        res["results"].append(r)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
