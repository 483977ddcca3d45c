"""Scale presets, one entry point for any learner pairing, and outcome summaries.

Used by the CLI (:mod:`learners.shaping.cli`) and by ``studies/shaping.py`` so both run the
same code path.  A pairing is two learner names of one family: exact-gradient rules (``naive``, ``lola``,
``la``, ``lola_full``), sample-based memory-one learners (``pg``, ``ac``, ``aa``) or GRU
learners (``gru_ac``, ``gru_aa``).

Outcome classes of a final policy pair (memory-one learners: from the exact discounted visits
of the final memory-one policies at the training ``gamma``; GRU learners: from the sampled
per-round cooperation of the last 10% of iterations):

* ``cooperation``: both players' discounted cooperation rates >= ``COOP_THRESHOLD`` (0.8);
* ``defection``: both <= ``1 - COOP_THRESHOLD``;
* ``mixed``: anything else.

A player is *TFT-like* when it reciprocates the co-player's last move:
``p_CC >= 0.8, p_DC >= 0.8, p_CD <= 0.2, p_DD <= 0.2`` (own view: after the co-player
cooperated it cooperates, after the co-player defected it defects).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import fields, replace
from typing import Any

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.validation import finite, float_array
from solvers.payoffs import discounted

from .exact import RULES, ExactConfig, ExactResult, train_exact
from .gru import GRUShapingConfig, GRUShapingResult, train_gru
from .sample import SAMPLE_LEARNERS, SampleConfig, SampleResult, train_sample

#: GRU learner names (the GRU agent of :mod:`learners.networks`).
GRU_LEARNERS: tuple[str, ...] = ("gru_ac", "gru_aa")
Config = ExactConfig | SampleConfig | GRUShapingConfig
Result = ExactResult | SampleResult | GRUShapingResult

__all__ = [
    "PRESETS",
    "GRU_LEARNERS",
    "COOP_THRESHOLD",
    "TFT_THRESHOLD",
    "parse_learners",
    "make_config",
    "run_pair",
    "classify",
    "tft_like",
    "summarise",
]

COOP_THRESHOLD: float = 0.8
TFT_THRESHOLD: float = 0.8

#: Scale presets.  ``exact``: overrides of :class:`ExactConfig`; ``sample``: of :class:`SampleConfig`.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "smoke": {
        "exact": {"runs": 8, "steps": 40},
        "sample": {"runs": 2, "iterations": 20, "batch": 32, "horizon": 50},
        "gru": {"seeds": 1, "iterations": 5, "batch": 16, "horizon": 20, "hidden": 8, "embed": 8},
    },
    "cpu": {
        "exact": {"runs": 256, "steps": 200},
        "sample": {"runs": 16, "iterations": 1000, "batch": 128, "horizon": 100},
        "gru": {"seeds": 2, "iterations": 250, "batch": 96, "horizon": 50},
    },
    "paper": {
        "exact": {"runs": 1000, "steps": 500},
        "sample": {"runs": 64, "iterations": 3000, "batch": 256, "horizon": 100},
        "gru": {"seeds": 10, "iterations": 2000, "batch": 256, "horizon": 100, "hidden": 128, "embed": 32},
    },
}


def _family(name: str) -> str:
    if name in RULES:
        return "exact"
    if name in SAMPLE_LEARNERS:
        return "sample"
    return "gru"


def parse_learners(spec: str | tuple[str, str] | list[str]) -> tuple[str, str]:
    """Parse ``"lola,naive"`` (or a pair) into two learner names and check they can be paired."""
    if not isinstance(spec, (str, tuple, list)):
        raise ParameterError(f"learners must be 'a,b' or a pair of learner names, got {spec!r}")
    parts = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(s).strip() for s in spec]
    if len(parts) != 2 or not all(parts):
        raise ParameterError(f"learners must name two learners separated by a comma (e.g. 'lola,naive'), got {spec!r}")
    known = set(RULES) | set(SAMPLE_LEARNERS) | set(GRU_LEARNERS)
    for i, p in enumerate(parts):
        if p not in known:
            raise ParameterError(f"learners[{i}] = {p!r} is unknown; choose from {sorted(known)}")
    fam = [_family(p) for p in parts]
    if fam[0] != fam[1]:
        raise ParameterError(
            f"learners {parts[0]!r} ({fam[0]}) and {parts[1]!r} ({fam[1]}) cannot be paired: both must be "
            f"exact-gradient {list(RULES)}, sample-based memory-one {list(SAMPLE_LEARNERS)} or GRU {list(GRU_LEARNERS)}"
        )
    return parts[0], parts[1]


def make_config(
    learners: str | tuple[str, str],
    *,
    preset_name: str = "smoke",
    game: str | Game = "lola",
    gamma: float = 0.96,
    seed: int = 0,
    **overrides: Any,
) -> Config:
    """Build the config for a pairing at a scale preset; ``overrides`` replace single fields."""
    if not isinstance(preset_name, str) or preset_name not in PRESETS:
        raise ParameterError(f"preset must be one of {sorted(PRESETS)}, got {preset_name!r}")
    pair = parse_learners(learners)
    g = preset(game)
    fam = _family(pair[0])
    kw = dict(PRESETS[preset_name][fam])
    cfg: Config
    if fam == "exact":
        cfg = ExactConfig(game=g, gamma=gamma, rules=pair, seed=seed, **kw)
    elif fam == "sample":
        cfg = SampleConfig(game=g, gamma=gamma, learners=pair, seed=seed, **kw)
    else:
        kinds = (pair[0][len("gru_"):], pair[1][len("gru_"):])
        cfg = GRUShapingConfig(game=g, gamma=gamma, learners=kinds, seed=seed, **kw)
    if overrides:
        unknown = sorted(set(overrides) - {f.name for f in fields(cfg)})
        if unknown:
            raise ParameterError(f"unknown setting(s) {unknown} for {type(cfg).__name__}")
        cfg = replace(cfg, **overrides)
    return cfg.validate()


def run_pair(config: Config) -> Result:
    """Train one pairing; ``result.info['wall_s']`` records the wall-clock time."""
    from eqtools.validation import instance_of

    instance_of("config", config, (ExactConfig, SampleConfig, GRUShapingConfig), "shaping config (make_config)")
    t0 = time.perf_counter()
    if isinstance(config, ExactConfig):
        res: Result = train_exact(config)
    elif isinstance(config, SampleConfig):
        res = train_sample(config)
    else:
        res = train_gru(config)
    res.info["wall_s"] = time.perf_counter() - t0
    return res


def classify(coop: np.ndarray, threshold: float = COOP_THRESHOLD) -> np.ndarray:
    """Outcome class per run from ``(runs, 2)`` cooperation rates: 'cooperation'/'defection'/'mixed'."""
    c = float_array("coop", coop, min_ndim=1)
    threshold = finite("threshold", threshold)
    out = np.full(c.shape[:-1], "mixed", dtype=object)
    out[np.all(c >= threshold, axis=-1)] = "cooperation"
    out[np.all(c <= 1.0 - threshold, axis=-1)] = "defection"
    return out


def tft_like(policies: np.ndarray, threshold: float = TFT_THRESHOLD) -> np.ndarray:
    """Boolean ``(...)``: does each memory-one vector ``(..., 5)`` reciprocate like TFT?"""
    p = float_array("policies", policies, last=5)
    threshold = finite("threshold", threshold)
    lo = 1.0 - threshold
    return (p[..., 1] >= threshold) & (p[..., 3] >= threshold) & (p[..., 2] <= lo) & (p[..., 4] <= lo)


def summarise(result: Result) -> dict[str, Any]:
    """JSON-ready summary: outcome shares, final rewards/cooperation, median policies."""
    from eqtools.validation import instance_of

    instance_of("result", result, (ExactResult, SampleResult, GRUShapingResult), "shaping result (run_pair)")
    cfg = result.config
    g = preset(cfg.game)
    pol = result.policies
    if isinstance(result, GRUShapingResult):
        k = max(1, result.coop.shape[0] // 10)
        coop = result.coop[-k:].mean(axis=0)
        reward = result.reward[-k:].mean(axis=0)
        ok = np.ones(pol.shape[0], dtype=bool)
        names = [f"gru_{x}" for x in cfg.learners]
        kind, crit = "gru", f"sampled per-round means over the last {k} iterations"
    else:
        ok = np.all(np.isfinite(pol), axis=(1, 2))
        noise = float(cfg.noise)
        ev = discounted(pol[ok, 0], pol[ok, 1], g, cfg.gamma, **({"noise": noise} if noise else {}))
        coop = np.stack([ev.coop_x, ev.coop_y], axis=-1)
        reward = np.stack([ev.payoff_x, ev.payoff_y], axis=-1)
        names = list(cfg.rules) if isinstance(cfg, ExactConfig) else list(cfg.learners)
        kind = "exact" if isinstance(cfg, ExactConfig) else "sample"
        crit = (f"exact discounted gamma={cfg.gamma:g}, normalised per round, of the final memory-one policies"
                + (f" under execution noise {noise:g}" if noise else ""))
    cls = classify(coop)
    tft = tft_like(np.nan_to_num(pol[ok], nan=0.5))
    n = int(ok.sum())
    share = {c: float(np.mean(cls == c)) if n else float("nan") for c in ("cooperation", "defection", "mixed")}
    with warnings.catch_warnings():  # a GRU projection may never see a token: NaN median
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(pol[ok], axis=0) if n else np.full((2, 5), np.nan)
    return {
        "learners": names,
        "kind": kind,
        "config": cfg.to_dict(),
        "runs": int(pol.shape[0]),
        "runs_finite": n,
        "share": share,
        "share_tft_like": {names[0] + "(1)": float(np.mean(tft[:, 0])), names[1] + "(2)": float(np.mean(tft[:, 1]))},
        "share_both_tft_like": float(np.mean(tft.all(axis=1))) if n else float("nan"),
        "final_reward_mean": reward.mean(axis=0).tolist(),
        "final_coop_mean": coop.mean(axis=0).tolist(),
        "median_policy": med.tolist(),
        "wall_s": float(result.info.get("wall_s", float("nan"))),
        "criterion": f"{crit}; cooperation threshold {COOP_THRESHOLD}",
    }
