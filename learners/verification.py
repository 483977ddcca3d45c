"""Verify what learning agents learned: project them into memory-one space and hold the
projections against the exact theory.

For each agent (any :class:`solvers.simulate.Policy`: GRU A2C, PPI, baselines; or anything
:func:`learners.agents.as_policy` accepts: a Python function, an Axelrod player, a torch or flax module):

* its memory-one projection (query estimate over a probe set, plus the co-learner when a pair
  is given) with the projection error (held-out KL gap, payoff gaps per probe);
* a ZD fit of the projection (chi, phi, residual): "extortionate with chi ≈ 2" or "not ZD";
* the exact best response to the projection (finite horizon) and what that best-responder
  would earn; a *stationary* best response (discounted, memory-one) is also played against the
  real agent to see whether the predicted exploit is real.

For a pair: measured payoffs of the real agents against each other vs the exact payoffs of
their projections, the Nash gains of the projected pair (how far from a memory-one
equilibrium), and exploitability.

Outputs: an xarray Dataset (NetCDF), a Markdown summary and a plot
(:func:`write_report`); :func:`regret_section` adds the in-context regret of each agent with
the step-1 targets of issue #13 (:data:`TARGETS`, :func:`target_check`).

Trained agents are loaded from run directories and agent files by :mod:`learners.runs`.
(Moved here from ``studies/verify.py``, which re-exports these names for one release.)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import xarray as xr

from eqtools.conventions import PARAM_NAMES
from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne
from learners.projection import Projection, default_probes, project
from solvers.best_response import best_response
from solvers.equilibria import nash_check
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy, Policy
from solvers.zd import fit_zd

__all__ = ["AgentVerification", "PairVerification", "Verification", "predictive_gap", "verify_agents", "summary_dict",
           "markdown", "plot", "write_report", "TARGETS", "target_check", "regret_section"]


@dataclass(frozen=True)
class AgentVerification:
    name: str
    projection: Projection
    zd: dict[str, Any]
    br_value: float  # exact value of the finite-horizon best response to the projection
    projection_self_value: float  # what the projection earns against its best responder
    stationary_br: MemoryOne  # discounted (gamma_br) best response to the projection
    stationary_br_vs_projection: float  # its exact payoff against the projection (n rounds)
    stationary_br_vs_agent: float  # its simulated payoff against the real agent
    stationary_br_vs_agent_se: float
    predictive_gap: dict[str, Any] | None = None  # PPI agents only, see predictive_gap()
    #: Set when the projection ignores the history (its visited reactive probabilities agree
    #: within ``blind_tol``): what a ZD verdict means then (learners.inference.history_blind_note).
    history_blind: str | None = None


@dataclass(frozen=True)
class PairVerification:
    measured_x: float
    measured_y: float
    measured_x_se: float
    measured_y_se: float
    measured_coop_x: float
    measured_coop_y: float
    analytic_x: float
    analytic_y: float
    nash: dict[str, Any]


@dataclass(frozen=True)
class Verification:
    agents: list[AgentVerification]
    pair: PairVerification | None
    game: Game
    horizon: int
    config: dict[str, Any] = field(default_factory=dict)

    def to_dataset(self) -> xr.Dataset:
        names = [a.name for a in self.agents]
        probes = [p.name for p in self.agents[0].projection.probes]
        data = {
            "projection": (("agent", "param"), np.stack([a.projection.strategy.vector for a in self.agents])),
            "projection_counts": (("agent", "param"), np.stack([a.projection.counts for a in self.agents]).astype(np.float64)),
            "counting_estimate": (("agent", "param"), np.stack([a.projection.counting for a in self.agents])),
            "kl_gap": (("agent",), np.array([a.projection.kl_gap for a in self.agents])),
            "zd_chi": (("agent",), np.array([a.zd.get("chi") if a.zd.get("chi") is not None else np.nan for a in self.agents], dtype=float)),
            "zd_residual": (("agent",), np.array([a.zd["residual"] for a in self.agents])),
            "br_value": (("agent",), np.array([a.br_value for a in self.agents])),
            "stationary_br_vs_projection": (("agent",), np.array([a.stationary_br_vs_projection for a in self.agents])),
            "stationary_br_vs_agent": (("agent",), np.array([a.stationary_br_vs_agent for a in self.agents])),
        }
        common = [p for p in probes if all(p in [q.name for q in a.projection.probes] for a in self.agents)]
        for key in ("agent_payoff", "projection_payoff", "agent_coop"):
            arr = np.array([[next(q for q in a.projection.probes if q.name == p).__getattribute__(key) for p in common] for a in self.agents])
            data[f"probe_{key}"] = (("agent", "probe"), arr)
        ds = xr.Dataset(data, coords={"agent": names, "param": list(PARAM_NAMES), "probe": common})
        ds.attrs["game"] = self.game.to_json()
        ds.attrs["horizon"] = self.horizon
        ds.attrs["config"] = json.dumps(self.config, default=str)
        ds.attrs["zd_descriptions"] = json.dumps({a.name: a.zd["description"] for a in self.agents})
        ds.attrs["history_blind"] = json.dumps({a.name: a.history_blind for a in self.agents})
        if self.pair is not None:
            ds.attrs["pair"] = json.dumps(self.pair.__dict__, default=float)
        gaps = {a.name: a.predictive_gap for a in self.agents if a.predictive_gap is not None}
        if gaps:
            ds.attrs["predictive_gap"] = json.dumps(gaps)
        return ds


def predictive_gap(agent: Any, coplayer: Policy, game: Game | str, *, n: int, matches: int, seed: int) -> dict[str, Any]:
    """Predictive-equilibrium gap of a PPI agent on the path of play against ``coplayer``.

    PPI's model p_φ should be right on the equilibrium path (a perfect predictive equilibrium
    has KL(data ‖ model) = 0).  On recorded matches, per decision:

    * ``kl_own``: KL(π(·|h) ‖ p_φ(·|h)) — the improved policy the agent plays vs its own prior;
    * ``kl_coplayer``: KL(q(·|h) ‖ p_φ(co-player action | h, own action)) — the co-player's true
      action distribution vs the model's prediction (the data part of the world model).

    Both in nats per decision (means with standard errors); ``total`` is their sum.
    """
    import jax
    import jax.numpy as jnp

    from learners.ppi.model import model_logits_over_episode
    from learners.projection import kl_bernoulli
    from solvers.simulate import play

    from eqtools.validation import instance_of
    from learners.ppi.policy import PPIPolicy

    instance_of("agent", agent, PPIPolicy, "PPI policy (learners.runs.load_ppi_agent)")
    g = preset(game)
    inner = agent.agent  # the PPIAgent behind a PPIPolicy
    tr = play(agent, coplayer, g, n=n, matches=matches, seed=seed)
    states = jnp.asarray(2 * tr.a_x + tr.a_y, jnp.int32)
    heads = model_logits_over_episode(inner.module, inner.params, states, jnp.asarray(g.payoffs, jnp.float32))
    prior_c = np.asarray(jax.nn.softmax(heads.action_logits)[..., 0], dtype=np.float64)
    co = np.take_along_axis(np.asarray(heads.co_logits), tr.a_x[..., None, None].astype(int), axis=-2)[..., 0, :]
    co_c = np.asarray(jax.nn.softmax(jnp.asarray(co))[..., 0], dtype=np.float64)
    k_own = kl_bernoulli(tr.p_x, prior_c).ravel()
    k_co = kl_bernoulli(tr.p_y, co_c).ravel()

    def ms(x: np.ndarray) -> tuple[float, float]:
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))

    (o, ose), (c, cse) = ms(k_own), ms(k_co)
    return {"coplayer": str(getattr(coplayer, "name", "co-player")), "kl_own": o, "kl_own_se": ose,
            "kl_coplayer": c, "kl_coplayer_se": cse, "total": o + c, "matches": int(matches), "n": int(n)}


def verify_agents(
    agents: Sequence[Any],
    game: Game | str = "paper",
    *,
    n: int = 100,
    matches: int = 200,
    seed: int = 0,
    probes: Sequence[Any] | None = None,
    zd_tol: float = 0.02,
    gamma_br: float = 0.99,
    config: dict[str, Any] | None = None,
    noise: float = 0.0,
    blind_tol: float | None = None,
) -> Verification:
    """Verify one agent or a pair (see the module docstring).

    ``agents``: anything :func:`learners.agents.as_policy` accepts (JAX policies, Python
    functions of the history, Axelrod players, torch or flax modules).  ``noise``: execution
    errors of every player, in the play and in the exact solvers (the ZD fit is of the strategy
    actually played, :func:`solvers.zd.fit_zd` with ``noise``).  An agent whose projection ignores
    the history (visited reactive probabilities within ``blind_tol``, default ``zd_tol``) is
    flagged in ``history_blind``: in games with ``R + P = S + T`` every such strategy is ZD."""
    from eqtools.strategies import validate_noise
    from eqtools.validation import nonneg_finite

    from .agents import as_policy
    from .host import simulate_any
    from .inference import history_blind_note

    g = preset(game)
    eps = validate_noise(noise)
    if isinstance(agents, (str, bytes)) or not isinstance(agents, Sequence):
        agents = [agents]
    agents = [as_policy(a) for a in agents]
    btol = nonneg_finite("blind_tol", zd_tol if blind_tol is None else blind_tol)
    if not 1 <= len(agents) <= 2:
        raise ParameterError(f"verify takes one agent or a pair, got {len(agents)}")
    names = [str(getattr(a, "name", f"agent{i}")) for i, a in enumerate(agents)]
    if len(set(names)) != len(names):
        names = [f"{nm}#{i}" for i, nm in enumerate(names)]
    from eqtools.validation import bounded_int, seed as check_seed

    n, seed = bounded_int("n", n, 10**7, "use fewer rounds"), check_seed("seed", seed)
    matches = bounded_int("matches", matches, 10**6, "use fewer matches")
    if probes is not None and (isinstance(probes, (str, bytes)) or not hasattr(probes, "__iter__")):
        raise ParameterError(f"probes must be a sequence of strategies or policies, got {probes!r}")
    if config is not None and not isinstance(config, dict):
        raise ParameterError(f"config must be a dict (recorded in the report), got {config!r}")
    probe_list = list(probes) if probes is not None else default_probes(g, seed=seed)
    out = []
    for i, agent in enumerate(agents):
        other = agents[1 - i] if len(agents) == 2 else None
        proj = project(agent, g, probes=probe_list, n=n, matches=matches, seed=seed + i,
                       name=f"proj({names[i]})", self_play=other, noise=eps)
        zd = fit_zd(proj.strategy, g, tol=zd_tol, noise=eps).to_dict()
        br = best_response(proj.strategy, g, n=n, noise=eps)
        sbr = best_response(proj.strategy, g, gamma=gamma_br, noise=eps).strategy
        sbr_proj = float(finite_horizon(sbr, proj.strategy, g, n, noise=eps).payoff_x)
        sim = simulate_any(MemoryOnePolicy(sbr.vector, "br"), agent, g, n=n, matches=max(2, matches), seed=seed + 100 + i,
                           noise=eps)
        react = proj.strategy.vector[1:][proj.counts[1:] > 0]
        blind = history_blind_note(g) if react.size >= 2 and float(np.ptp(react)) <= btol else None
        pgap = None
        if hasattr(agent, "agent") and hasattr(getattr(agent, "agent"), "spec"):  # a PPI agent
            co = other if other is not None else MemoryOnePolicy(np.asarray(probe_list[-1].vector), probe_list[-1].name)
            pgap = predictive_gap(agent, co, g, n=n, matches=max(2, matches // 2), seed=seed + 200 + i)
        out.append(AgentVerification(
            name=names[i], projection=proj, zd=zd, br_value=float(br.value),
            projection_self_value=float(finite_horizon(proj.strategy, sbr, g, n, noise=eps).payoff_x),
            stationary_br=sbr, stationary_br_vs_projection=sbr_proj,
            stationary_br_vs_agent=float(sim.payoff_x), stationary_br_vs_agent_se=float(sim.payoff_x_se),
            predictive_gap=pgap, history_blind=blind,
        ))
    pair = None
    if len(agents) == 2:
        sim = simulate_any(agents[0], agents[1], g, n=n, matches=max(2, matches), seed=seed + 7, noise=eps)
        ana = finite_horizon(out[0].projection.strategy, out[1].projection.strategy, g, n, noise=eps)
        nc = nash_check(out[0].projection.strategy, out[1].projection.strategy, g, n=n, noise=eps)
        pair = PairVerification(
            measured_x=float(sim.payoff_x), measured_y=float(sim.payoff_y),
            measured_x_se=float(sim.payoff_x_se), measured_y_se=float(sim.payoff_y_se),
            measured_coop_x=float(sim.coop_x), measured_coop_y=float(sim.coop_y),
            analytic_x=float(ana.payoff_x), analytic_y=float(ana.payoff_y), nash=nc.to_dict(),
        )
    cfg = {"n": n, "matches": matches, "seed": seed, "zd_tol": zd_tol, "gamma_br": gamma_br, "noise": eps,
           "probes": [getattr(p, "name", str(p)) for p in probe_list]}
    cfg.update(config or {})
    return Verification(out, pair, g, int(n), cfg)


def summary_dict(v: Verification) -> dict[str, Any]:
    """The headline numbers of a :class:`Verification` as plain JSON-able types."""
    from eqtools.validation import instance_of

    instance_of("v", v, Verification, "Verification (learners.verification.verify_agents)")
    agents = []
    for a in v.agents:
        agents.append({
            "name": a.name, "projection": [float(x) for x in a.projection.strategy.vector],
            "kl_gap": float(a.projection.kl_gap), "kl_gap_se": float(a.projection.kl_gap_se),
            "zd": str(a.zd["description"]), "zd_chi": a.zd.get("chi"), "br_value": float(a.br_value),
            "stationary_br": [float(x) for x in a.stationary_br.vector],
            "stationary_br_vs_projection": float(a.stationary_br_vs_projection),
            "stationary_br_vs_agent": float(a.stationary_br_vs_agent),
            "stationary_br_vs_agent_se": float(a.stationary_br_vs_agent_se),
            "predictive_gap": a.predictive_gap, "history_blind": a.history_blind,
        })
    pair = None
    if v.pair is not None:
        p = v.pair
        pair = {k: float(getattr(p, k)) for k in ("measured_x", "measured_y", "measured_x_se", "measured_y_se",
                                                  "measured_coop_x", "measured_coop_y", "analytic_x", "analytic_y")}
        pair.update(is_nash=bool(p.nash["is_nash"]), gain_x=float(p.nash["gain_x"]), gain_y=float(p.nash["gain_y"]))
    return {"game": v.game.to_dict(), "horizon": v.horizon, "agents": agents, "pair": pair}


def _fmt_vec(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{x:.2f}" for x in v) + ")"


def markdown(v: Verification, title: str = "Verification report") -> str:
    """A readable Markdown summary of a :class:`Verification`."""
    from eqtools.validation import instance_of

    instance_of("v", v, Verification, "Verification (learners.verification.verify_agents)")
    lines = [f"# {title}", "",
             f"Game `{v.game.name}` {v.game.payoffs.tolist()} (R, S, T, P), horizon {v.horizon}; "
             f"config: `{json.dumps(v.config, default=str)}`", ""]
    lines += ["## Projections into memory-one space", "",
              "| agent | projection (p0; CC, CD, DC, DD) | held-out KL gap (nats/decision) | max payoff gap vs probes | ZD fit |",
              "|---|---|---|---|---|"]
    for a in v.agents:
        pr = a.projection
        lines.append(f"| {a.name} | {_fmt_vec(pr.strategy.vector)} | {pr.kl_gap:.4f} ± {pr.kl_gap_se:.4f} | "
                     f"{pr.max_abs_payoff_gap:.3f} | {a.zd['description']}"
                     + (f" — **{a.history_blind}**" if a.history_blind else "") + " |")
    lines += ["", "Per-round blocks (query estimate; early vs late in the episode):", ""]
    for a in v.agents:
        pr = a.projection
        for (lo, hi), row in zip(zip(pr.block_edges[:-1], pr.block_edges[1:]), pr.by_block):
            lines.append(f"- {a.name}, rounds {lo}–{hi - 1}: {_fmt_vec(row)}")
    lines += ["", "## Against each probe: real agent vs its projection (mean payoff per round)", ""]
    for a in v.agents:
        lines += [f"**{a.name}**", "", "| probe | agent | projection (exact) | gap | agent cooperation |", "|---|---|---|---|---|"]
        for p in a.projection.probes:
            lines.append(f"| {p.name} | {p.agent_payoff:.3f} ± {p.agent_payoff_se:.3f} | {p.projection_payoff:.3f} | "
                         f"{p.payoff_gap:+.3f} | {p.agent_coop:.2f} |")
        lines.append("")
    lines += ["## Best responses", "",
              "| agent | exact best-response value vs projection | stationary BR (γ) | BR vs projection (exact) | BR vs real agent (simulated) |",
              "|---|---|---|---|---|"]
    for a in v.agents:
        lines.append(f"| {a.name} | {a.br_value:.3f} | {_fmt_vec(a.stationary_br.vector)} | {a.stationary_br_vs_projection:.3f} | "
                     f"{a.stationary_br_vs_agent:.3f} ± {a.stationary_br_vs_agent_se:.3f} |")
    gaps = [a for a in v.agents if a.predictive_gap is not None]
    if gaps:
        lines += ["", "## Predictive-equilibrium gap (PPI): KL(data ‖ model) on the path of play", "",
                  "| agent | against | own policy vs prior (nats/decision) | co-player vs model prediction | total |",
                  "|---|---|---|---|---|"]
        for a in gaps:
            pg = a.predictive_gap
            lines.append(f"| {a.name} | {pg['coplayer']} | {pg['kl_own']:.4f} ± {pg['kl_own_se']:.4f} | "
                         f"{pg['kl_coplayer']:.4f} ± {pg['kl_coplayer_se']:.4f} | {pg['total']:.4f} |")
    if v.pair is not None:
        p = v.pair
        nc = p.nash
        lines += ["", "## The pair", "",
                  f"- measured (real agents): {p.measured_x:.3f} ± {p.measured_x_se:.3f} / {p.measured_y:.3f} ± {p.measured_y_se:.3f}, "
                  f"cooperation {p.measured_coop_x:.2f} / {p.measured_coop_y:.2f}",
                  f"- analytic (projections): {p.analytic_x:.3f} / {p.analytic_y:.3f}",
                  f"- projected pair is {'a' if nc['is_nash'] else 'not a'} memory-one Nash equilibrium "
                  f"(finite horizon): gains by deviating {nc['gain_x']:.3f} / {nc['gain_y']:.3f}"]
    return "\n".join(lines) + "\n"


def plot(v: Verification, path: str | Path) -> None:
    """Projected vectors (bars) and real-vs-projection payoffs per probe (scatter)."""
    from eqtools.io import check_plot_path
    from eqtools.validation import instance_of

    instance_of("v", v, Verification, "Verification (learners.verification.verify_agents)")
    path = check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    w = 0.8 / len(v.agents)
    for i, a in enumerate(v.agents):
        axes[0].bar(np.arange(5) + i * w, a.projection.strategy.vector, w, label=a.name)
    axes[0].set_xticks(np.arange(5) + w * (len(v.agents) - 1) / 2, ["p0", "CC", "CD", "DC", "DD"])
    axes[0].set_ylabel("P(cooperate)")
    axes[0].set_ylim(0, 1)
    axes[0].set_title("memory-one projections")
    axes[0].legend(fontsize=8)
    for a in v.agents:
        xs = [p.projection_payoff for p in a.projection.probes]
        ys = [p.agent_payoff for p in a.projection.probes]
        axes[1].scatter(xs, ys, label=a.name, s=18)
    lo = min(v.game.payoffs.min(), 0)
    hi = v.game.payoffs.max()
    axes[1].plot([lo, hi], [lo, hi], "k--", lw=0.8)
    axes[1].set_xlabel("projection's exact payoff vs probe")
    axes[1].set_ylabel("real agent's measured payoff vs probe")
    axes[1].set_title("does the projection explain the payoffs?")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(v: Verification, out_dir: str | Path, title: str = "Verification report") -> dict[str, Path]:
    """Write ``verify.nc``, ``verify.md`` and ``verify.png`` into ``out_dir``."""
    from eqtools.io import check_output_dir
    from eqtools.validation import instance_of

    instance_of("v", v, Verification, "Verification (learners.verification.verify_agents)")
    check_output_dir(out_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ds = v.to_dataset()
    nc = out / "verify.nc"
    ds.to_netcdf(nc, engine="scipy")
    md = out / "verify.md"
    md.write_text(markdown(v, title) + f"\n_Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}._\n")
    png = out / "verify.png"
    plot(v, png)
    return {"netcdf": nc, "markdown": md, "plot": png}


# ------------------------------------------------------------ in-context regret

#: Issue #13's targets for a step-1 agent (per round, n = 100).
TARGETS: dict[str, Any] = {"random_regret_max": 0.04, "ALLC_min": 1.95, "ALLD_min": -0.05, "TFT_min": 0.95,
                           "library_regret_max": 0.10, "library_except": ("GRIM",)}


def target_check(rep: Any, targets: dict[str, Any] = TARGETS) -> dict[str, Any]:
    """Issue #13's step-1 targets for one :class:`learners.regret.RegretReport`: value, target, met."""
    from eqtools.validation import finite, instance_of

    from .regret import RegretReport

    instance_of("rep", rep, RegretReport, "RegretReport (learners.regret.evaluate_regret)")
    if not isinstance(targets, dict) or set(targets) - set(TARGETS):
        raise ParameterError(f"targets must be a dict with keys among {sorted(TARGETS)}, got {targets!r}"[:300])
    targets = {**TARGETS, **targets}  # a partial dict overrides the defaults
    for k, v in targets.items():
        if k != "library_except":
            finite(f"targets[{k!r}]", v)
    out: dict[str, Any] = {}
    g = rep.groups.get("random")
    if g is not None:
        out["random regret"] = {"value": g["regret"], "se": g["regret_se"], "target": f"<= {targets['random_regret_max']}",
                                "met": g["regret"] <= targets["random_regret_max"],
                                "alld_regret": g["alld_regret"], "half_alld": g["alld_regret"] / 2,
                                "met_half_alld": g["regret"] <= g["alld_regret"] / 2}
    if "library" in rep.groups:
        for nm, key in (("ALLC", "ALLC_min"), ("ALLD", "ALLD_min"), ("TFT", "TFT_min")):
            if nm in set(rep.label[rep.group == "library"]):
                i = rep.row(nm, "library")
                v = float(rep.agent_reward[i])
                out[f"reward vs {nm}"] = {"value": round(v, 4), "se": round(float(rep.agent_reward_se[i]), 4),
                                          "target": f">= {targets[key]}", "met": v >= targets[key]}
        idx = [i for i in np.flatnonzero(rep.group == "library") if rep.label[i] not in targets["library_except"]]
        worst = max(idx, key=lambda i: rep.regret[i])
        out["max library regret (except GRIM)"] = {"value": round(float(rep.regret[worst]), 4), "coplayer": str(rep.label[worst]),
                                                   "target": f"<= {targets['library_regret_max']}",
                                                   "met": bool(rep.regret[worst] <= targets["library_regret_max"]),
                                                   "failing": [str(rep.label[i]) for i in idx
                                                               if rep.regret[i] > targets["library_regret_max"]]}
        for nm in targets["library_except"]:
            if nm in set(rep.label[rep.group == "library"]):
                i = rep.row(nm, "library")
                out[f"{nm} (reported separately)"] = {"reward": round(float(rep.agent_reward[i]), 4),
                                                      "regret": round(float(rep.regret[i]), 4)}
    return out


def regret_section(agents: Sequence[Policy], out_dir: str | Path, game: Game | str = "paper", *, n: int = 100,
                   draws: int = 200, matches: int = 32, seed: int = 0, panel_seed: int = 2026,
                   heldout: Sequence[Any] | None = None, temperatures: Sequence[float] = (1.0, 0.0),
                   noise: float = 0.0, gamma: float | None = None) -> dict[str, Any]:
    """In-context regret of each agent (at each temperature; 1 = as trained, 0 = greedy) against
    the regret panel of :mod:`learners.regret` — ``draws`` fresh U(0,1)^5 co-players, the named
    library and ``heldout`` (default: Axelrod reciprocators) — with the exact best response,
    ALLD and TFT beside it.  Writes ``regret.md``, ``regret.json``, ``regret.png`` and
    ``regret_rounds.png`` (round by round vs the best response, for TFT, GRIM and the two draws
    with the largest regret) into ``out_dir``; returns the per-group numbers.  ``noise`` and
    ``gamma`` are passed to :func:`learners.regret.evaluate_regret` (execution errors; the
    discounted criterion).  Temperatures other than 1 apply to GRU and PPI agents only."""
    from learners.regret import HELDOUT_AXELROD, default_panel, evaluate_regret, markdown, plot_regret, plot_rounds
    from eqtools.io import check_output_dir
    from eqtools.validation import RealSequence
    from learners.runs import sharpened

    if isinstance(agents, (str, bytes)) or not isinstance(agents, Sequence) or not agents:
        raise ParameterError(f"agents must be a non-empty sequence of policies, got {agents!r}"[:300])
    RealSequence.check("temperatures", temperatures)
    out = check_output_dir(out_dir)
    panel = default_panel(game, random=draws, seed=panel_seed, heldout=HELDOUT_AXELROD if heldout is None else heldout)
    reps = [evaluate_regret(sharpened(a, t), panel, game, n=n, matches=matches, seed=seed, noise=noise, gamma=gamma)
            for a in agents for t in temperatures]
    (out / "regret.md").write_text("# In-context regret\n\n" + markdown(reps))
    res = {r.agent: {"groups": r.groups, "targets": target_check(r)} for r in reps}
    (out / "regret.json").write_text(json.dumps({"n": n, "draws": draws, "matches": matches, "seed": seed, "panel_seed": panel_seed,
                                                 "noise": noise, "gamma": gamma,
                                                 "agents": res, "coplayers": [r.to_dict()["coplayers"] for r in reps]},
                                                indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
    plot_regret(reps, out / "regret.png")
    labels = [("library", nm) for nm in ("TFT", "GRIM") if "library" in panel.groups and nm in panel.groups["library"][0]]
    if "random" in panel.groups:
        r0 = reps[0]
        idx = np.flatnonzero(r0.group == "random")
        labels += [("random", str(r0.label[i])) for i in idx[np.argsort(-r0.regret[idx])[:2]]]
    if labels:
        plot_rounds(reps, labels, out / "regret_rounds.png", title="agent vs exact best response, round by round")
    return res
