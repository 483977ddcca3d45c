"""Verify what learning agents learned: project them into memory-one space and hold the
projections against the exact theory.

For each agent (any :class:`solvers.simulate.Policy`: GRU A2C, PPI, baselines):

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
(:func:`write_report`).
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
from eqtools.errors import FileFormatError, ParameterError
from eqtools.io import load_pickle
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne
from learners.projection import Projection, default_probes, project
from solvers.best_response import best_response
from solvers.equilibria import nash_check
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy, Policy, simulate
from solvers.zd import fit_zd

__all__ = ["AgentVerification", "PairVerification", "Verification", "verify_agents", "write_report", "summary_dict"]


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
    agents: Sequence[Policy],
    game: Game | str = "paper",
    *,
    n: int = 100,
    matches: int = 200,
    seed: int = 0,
    probes: Sequence[Any] | None = None,
    zd_tol: float = 0.02,
    gamma_br: float = 0.99,
    config: dict[str, Any] | None = None,
) -> Verification:
    """Verify one agent or a pair (see the module docstring)."""
    g = preset(game)
    agents = list(agents)
    if not 1 <= len(agents) <= 2:
        raise ParameterError(f"verify takes one agent or a pair, got {len(agents)}")
    names = [str(getattr(a, "name", f"agent{i}")) for i, a in enumerate(agents)]
    if len(set(names)) != len(names):
        names = [f"{nm}#{i}" for i, nm in enumerate(names)]
    probe_list = list(probes) if probes is not None else default_probes(g, seed=seed)
    out = []
    for i, agent in enumerate(agents):
        other = agents[1 - i] if len(agents) == 2 else None
        proj = project(agent, g, probes=probe_list, n=n, matches=matches, seed=seed + i,
                       name=f"proj({names[i]})", self_play=other)
        zd = fit_zd(proj.strategy, g, tol=zd_tol).to_dict()
        br = best_response(proj.strategy, g, n=n)
        sbr = best_response(proj.strategy, g, gamma=gamma_br).strategy
        sbr_proj = float(finite_horizon(sbr, proj.strategy, g, n).payoff_x)
        sim = simulate(MemoryOnePolicy(sbr.vector, "br"), agent, g, n=n, matches=max(2, matches), seed=seed + 100 + i)
        pgap = None
        if hasattr(agent, "agent") and hasattr(getattr(agent, "agent"), "spec"):  # a PPI agent
            co = other if other is not None else MemoryOnePolicy(np.asarray(probe_list[-1].vector), probe_list[-1].name)
            pgap = predictive_gap(agent, co, g, n=n, matches=max(2, matches // 2), seed=seed + 200 + i)
        out.append(AgentVerification(
            name=names[i], projection=proj, zd=zd, br_value=float(br.value),
            projection_self_value=float(finite_horizon(proj.strategy, sbr, g, n).payoff_x),
            stationary_br=sbr, stationary_br_vs_projection=sbr_proj,
            stationary_br_vs_agent=float(sim.payoff_x), stationary_br_vs_agent_se=float(sim.payoff_x_se),
            predictive_gap=pgap,
        ))
    pair = None
    if len(agents) == 2:
        sim = simulate(agents[0], agents[1], g, n=n, matches=max(2, matches), seed=seed + 7)
        ana = finite_horizon(out[0].projection.strategy, out[1].projection.strategy, g, n)
        nc = nash_check(out[0].projection.strategy, out[1].projection.strategy, g, n=n)
        pair = PairVerification(
            measured_x=float(sim.payoff_x), measured_y=float(sim.payoff_y),
            measured_x_se=float(sim.payoff_x_se), measured_y_se=float(sim.payoff_y_se),
            measured_coop_x=float(sim.coop_x), measured_coop_y=float(sim.coop_y),
            analytic_x=float(ana.payoff_x), analytic_y=float(ana.payoff_y), nash=nc.to_dict(),
        )
    cfg = {"n": n, "matches": matches, "seed": seed, "zd_tol": zd_tol, "gamma_br": gamma_br,
           "probes": [getattr(p, "name", str(p)) for p in probe_list]}
    cfg.update(config or {})
    return Verification(out, pair, g, int(n), cfg)


def summary_dict(v: Verification) -> dict[str, Any]:
    """The headline numbers of a :class:`Verification` as plain JSON-able types."""
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
            "predictive_gap": a.predictive_gap,
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
    lines = [f"# {title}", "",
             f"Game `{v.game.name}` {v.game.payoffs.tolist()} (R, S, T, P), horizon {v.horizon}; "
             f"config: `{json.dumps(v.config, default=str)}`", ""]
    lines += ["## Projections into memory-one space", "",
              "| agent | projection (p0; CC, CD, DC, DD) | held-out KL gap (nats/decision) | max payoff gap vs probes | ZD fit |",
              "|---|---|---|---|---|"]
    for a in v.agents:
        pr = a.projection
        lines.append(f"| {a.name} | {_fmt_vec(pr.strategy.vector)} | {pr.kl_gap:.4f} ± {pr.kl_gap_se:.4f} | "
                     f"{pr.max_abs_payoff_gap:.3f} | {a.zd['description']} |")
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


# ------------------------------------------------------------ checkpoints

def load_a2c_pair(run_dir: str | Path, seed_index: int = 0) -> tuple[list[Policy], dict[str, Any]]:
    """The two trained GRU A2C learners of one seed of a ``eqtools train a2c`` run directory.

    Agents trained with the opponent-ID ablation are given ``z = 0`` (the paper's conditioning
    for a learning co-player) when they are projected.
    """
    import jax

    from learners.policies import GRUPolicy
    from learners.train_a2c import agent_module, load_checkpoint_state

    run = Path(run_dir)
    cfg, state = load_checkpoint_state(run)
    if not 0 <= seed_index < cfg.seeds:
        raise ParameterError(f"seed_index must lie in [0, {cfg.seeds}), got {seed_index}")
    module = agent_module(cfg)
    z = np.zeros(2 * 5, dtype=np.float32) if module.use_opponent_id else None
    agents: list[Policy] = []
    for i in range(2):
        p = jax.tree_util.tree_map(lambda a: np.asarray(a)[seed_index, i], state["params"])
        agents.append(GRUPolicy(module, p, preset(cfg.game), name=f"a2c{i + 1}-seed{cfg.seed + seed_index}", z=z))
    meta = {"run_dir": str(run), "learner": "a2c", "iteration": int(state["iteration"]), "seed": cfg.seed + seed_index,
            "ablation": cfg.ablation, "game": cfg.game, "horizon": cfg.horizon}
    return agents, meta


#: Keys of a saved PPI agent (``PPIAgent.save``).
_PPI_AGENT_KEYS: tuple[str, ...] = ("hidden", "embed", "reward_input_scale", "params", "spec", "game", "horizon")


def load_ppi_agents(paths: Sequence[str | Path], seed: int = 0) -> tuple[list[Policy], dict[str, Any]]:
    """One or two saved PPI agents (``PPIAgent.save`` pickles, e.g. a mechanism step's
    ``agent_0.pkl`` and the ``fixed_icl.pkl``) as policies."""
    from learners.ppi.train import PPIAgent

    paths = [Path(p) for p in paths]
    if not 1 <= len(paths) <= 2:
        raise ParameterError(f"give one or two PPI agent files, got {len(paths)}")
    agents: list[Policy] = []
    games = set()
    horizons = set()
    for i, p in enumerate(paths):
        load_pickle(p, what="PPI agent file", expect=dict, keys=_PPI_AGENT_KEYS)  # refuses damaged files by name
        try:
            a = PPIAgent.load(p)
        except (TypeError, KeyError, ValueError) as exc:
            raise FileFormatError(f"PPI agent file {str(p)!r} does not hold a saved PPI agent: {exc}") from None
        games.add(a.game)
        horizons.add(int(a.horizon))
        label = f"{p.parent.name}/{p.stem}" if p.parent.name else p.stem
        agents.append(a.policy(seed=seed + i, name=label))
    if len(games) != 1 or len(horizons) != 1:
        raise ParameterError(f"the agents were trained on different games/horizons: {games}, {horizons}")
    meta = {"learner": "ppi", "agents": [str(p) for p in paths], "game": games.pop(), "horizon": horizons.pop(),
            "seed": seed, "ablation": "n/a", "iteration": "n/a"}
    return agents, meta
