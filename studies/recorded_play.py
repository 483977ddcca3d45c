"""Study: does verification from recorded play say the truth?  (issue 20's done-when checks)

One code path, three presets (``smoke`` seconds, ``cpu`` the reported numbers, ``paper`` more
replications):

* **coverage**: ``logs`` simulated logs of random memory-one strategies (U(0,1)^5), each
  ``matches`` x ``rounds`` against its own random memory-one co-player; the fraction of the
  95 % credible intervals (5 per log) that contain the true probability (target 93-97 %);
* **model selection**: the same number of Tit-for-Two-Tats logs (execution errors ``noise`` on
  both players) and of memory-one logs; how often memory-2 and memory-1 are picked (marginal
  likelihood and BIC), i.e. the error rates;
* **mixture**: ``mixture_reps`` replications of a planted strategy mixture (subjects drawn with
  the planted shares); the fraction of shares within 1.96 bootstrap s.e. of the planted value
  (calibration of the s.e.), and the mean estimate per strategy.

    python -m studies.recorded_play --preset cpu --out runs/recorded_play

Writes ``recorded_play.json`` into ``--out`` (default ``runs/recorded_play``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from eqtools.io import json_text

__all__ = ["PRESETS", "coverage", "selection", "mixture_calibration", "main"]

PRESETS: dict[str, dict[str, Any]] = {
    "smoke": dict(logs=20, matches=20, rounds=20, noise=0.02, mixture_reps=3, subjects=100, bootstrap=30),
    "cpu": dict(logs=200, matches=20, rounds=20, noise=0.02, mixture_reps=40, subjects=300, bootstrap=100),
    "paper": dict(logs=1000, matches=20, rounds=20, noise=0.02, mixture_reps=200, subjects=300, bootstrap=200),
}

SHARES: dict[str, float] = {"ALLD": 0.3, "TFT": 0.3, "GRIM": 0.2, "WSLS": 0.1, "ALLC": 0.1}


def _split(tr: Any, k: int) -> list[Any]:
    from learners.recorded import log_from_trajectories

    return [log_from_trajectories(type(tr)(*(getattr(tr, f)[i] for f in tr.__dataclass_fields__))) for i in range(k)]


def coverage(logs: int, matches: int, rounds: int, seed: int = 0) -> dict[str, Any]:
    from learners.inference import memory_one_posterior
    from solvers.simulate import MemoryOnePolicy, play

    rng = np.random.default_rng(seed)
    P, Q = rng.random((logs, 5)), rng.random((logs, 5))
    tr = play(MemoryOnePolicy(P[:, None, :]), MemoryOnePolicy(Q[:, None, :]), "paper", n=rounds, matches=matches,
              seed=seed + 1, pairs_shape=(logs,))
    hits = np.array([(e.lower <= p) & (p <= e.upper) for e, p in zip((memory_one_posterior(lg) for lg in _split(tr, logs)), P)])
    cov = float(hits.mean())
    se = float(np.sqrt(cov * (1 - cov) / hits.size))
    return {"intervals": int(hits.size), "coverage": cov, "coverage_se": se, "per_context": hits.mean(axis=0).tolist(),
            "target": [0.93, 0.97], "met": 0.93 <= cov <= 0.97}


def selection(logs: int, matches: int, rounds: int, noise: float, seed: int = 0) -> dict[str, Any]:
    from learners.agents import as_policy
    from learners.host import host_play
    from learners.inference import select_memory
    from solvers.simulate import MemoryOnePolicy, play

    def tf2t(own: np.ndarray, other: np.ndarray) -> np.ndarray:
        if own.shape[1] < 2:
            return np.ones(own.shape[0])
        return np.where((other[:, -1] == 1) & (other[:, -2] == 1), 0.0, 1.0)

    rng = np.random.default_rng(seed + 10)
    Q = rng.random((logs, 5))
    tr = host_play(as_policy(tf2t, batched=True, name="TF2T"), MemoryOnePolicy(Q[:, None, :]), "paper", n=rounds,
                   matches=matches, seed=seed + 2, pairs_shape=(logs,), noise=noise)
    sel_t = [select_memory(lg) for lg in _split(tr, logs)]
    P = rng.random((logs, 5))
    tr = play(MemoryOnePolicy(P[:, None, :]), MemoryOnePolicy(Q[:, None, :]), "paper", n=rounds, matches=matches,
              seed=seed + 3, pairs_shape=(logs,))
    sel_m = [select_memory(lg) for lg in _split(tr, logs)]

    def tally(sels: list[Any], attr: str) -> dict[str, int]:
        return {f"memory-{k}": int(sum(getattr(s, attr) == k for s in sels)) for k in (0, 1, 2, 3)}

    return {"logs": logs, "noise_tf2t": noise,
            "tf2t": {"marginal_likelihood": tally(sel_t, "best"), "bic": tally(sel_t, "best_bic"),
                     "error_rate": 1 - sum(s.best == 2 for s in sel_t) / logs,
                     "not_memory_one": sum(s.best != 1 for s in sel_t) / logs},
            "memory_one": {"marginal_likelihood": tally(sel_m, "best"), "bic": tally(sel_m, "best_bic"),
                           "error_rate": 1 - sum(s.best == 1 for s in sel_m) / logs}}


def mixture_calibration(reps: int, subjects: int, bootstrap: int, seed: int = 0) -> dict[str, Any]:
    from learners.mixture import estimate_mixture, simulate_library_log

    names = list(SHARES)
    inside, est, eps_in = [], [], []
    for r in range(reps):
        rng = np.random.default_rng(seed + 100 + r)
        strats = list(rng.choice(names, size=subjects, p=list(SHARES.values())))
        log = simulate_library_log(strats, rng.random((subjects, 5)), rounds=10, matches_per_unit=3, epsilon=0.05,
                                   seed=seed + 1000 + r)
        m = estimate_mixture(log, bootstrap=bootstrap, seed=r)
        s = dict(zip(m.names, m.shares))
        se = dict(zip(m.names, m.shares_se))
        inside.append([abs(s[n] - SHARES[n]) <= 1.96 * se[n] for n in names])
        est.append([s[n] for n in names])
        eps_in.append(abs(m.epsilon - 0.05) <= 1.96 * m.epsilon_se)
    inside_a = np.array(inside)
    return {"replications": reps, "subjects": subjects, "matches_per_subject": 3, "rounds": 10, "epsilon": 0.05,
            "bootstrap": bootstrap, "planted": SHARES,
            "mean_estimate": dict(zip(names, np.mean(est, axis=0).round(4).tolist())),
            "within_1.96_se": dict(zip(names, inside_a.mean(axis=0).tolist())),
            "within_1.96_se_all": float(inside_a.mean()), "epsilon_within_1.96_se": float(np.mean(eps_in))}


def main(argv: list[str] | None = None) -> int:
    from eqtools.io import check_output_dir

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--preset", default="smoke", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/recorded_play")
    args = ap.parse_args(argv)
    p = PRESETS[args.preset]
    out = check_output_dir(Path(args.out), "--out")
    t0 = time.time()
    res: dict[str, Any] = {"preset": args.preset, "seed": args.seed, "config": p}
    res["coverage"] = coverage(p["logs"], p["matches"], p["rounds"], args.seed)
    print("coverage", json.dumps(res["coverage"]), flush=True)
    res["selection"] = selection(p["logs"], p["matches"], p["rounds"], p["noise"], args.seed)
    print("selection", json.dumps(res["selection"]), flush=True)
    res["mixture"] = mixture_calibration(p["mixture_reps"], p["subjects"], p["bootstrap"], args.seed)
    print("mixture", json.dumps(res["mixture"]), flush=True)
    res["seconds"] = round(time.time() - t0, 1)
    (out / "recorded_play.json").write_text(json_text(res, indent=1))
    print(f"wrote {out / 'recorded_play.json'} in {res['seconds']} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
