"""Writes ``tests/ppi/data/eval_reference.npz``: PPI's evaluations (and gathered data) computed by the
code *before* the evaluation was made faster (issue 21, "PPI at A2C's speed"; ``learners/ppi`` as at
commit e5d7aa9).  ``test_ppi_eval_speed.py`` recomputes them with today's code and compares bit for
bit, so the speed-up is proven against the old program's numbers, not against the same formula.

    git checkout e5d7aa9 -- learners/ppi && PYTHONPATH=$PWD python tests/ppi/make_eval_reference.py

Cases (each a short run, so the evaluated models are trained, not fresh): one seed, two seeds, the
prior alone (``beta = 0``), the opponent-ID ablation, tabular co-players only, and a fixed PPI
co-player (``old_agent.pkl``).  Run once; the output is committed.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).parent / "data"
TINY = dict(hidden=8, embed=4, horizon=12, pretrain_games=64, phases=1, episodes=16, epochs=2, batch_size=16,
            lr=1e-2, reinit=False, continue_epochs=1, beta=1.0, n_rollouts=2, rollout_horizon=3, eval_episodes=6)
CASES: dict[str, dict] = {
    "one_seed": {},
    "two_seeds": {"seeds": 2, "seed": 3},
    "prior": {"beta": 0.0},
    "opponent_id": {"ablation": "opponent-id"},
    "tabular_only": {"tabular_share": 1.0},
    "fixed": {"_fixed": True},
    "long_rollouts": {"n_rollouts": 3, "rollout_horizon": 5, "seed": 7},
}


def run_case(name: str) -> dict[str, np.ndarray]:
    """The case's run (phase 1: fit, evaluate, gather) and one more evaluation of its final models."""
    from learners.ppi.agent import PPIAgent
    from learners.ppi.config import PPIConfig
    from learners.ppi.runner import PPIRunner

    over = dict(CASES[name])
    fixed = PPIAgent.load(HERE / "old_agent.pkl") if over.pop("_fixed", False) else None
    cfg = PPIConfig(**{**TINY, **over})
    r = PPIRunner(cfg, fixed_opponent=fixed).run(progress=False)
    out: dict[str, np.ndarray] = {}
    for s, v in enumerate(r.per_seed):
        for k in range(4):
            out[f"{name}/seed{s}/eval_{k}"] = np.stack([np.asarray(e[k]) for e in v.eval_history])
        for i, d in enumerate(v.data):
            for j, sh in enumerate(d.shards):
                out[f"{name}/seed{s}/data_{i}_{j}"] = np.asarray(sh)
    again = r._evaluate_seeds()
    for s, e in enumerate(again):
        for k in range(4):
            out[f"{name}/seed{s}/again_{k}"] = np.asarray(e[k])
    return out


def main() -> None:
    ref: dict[str, np.ndarray] = {}
    for name in CASES:
        ref.update(run_case(name))
    np.savez_compressed(HERE / "eval_reference.npz", **ref)


if __name__ == "__main__":
    jax.config.update("jax_platforms", "cpu")
    main()
