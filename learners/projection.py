"""Project a learned (history-dependent) policy into memory-one strategy space.

Any player implementing :class:`solvers.simulate.Policy` can be projected (the GRU learners,
PPI agents, opponent-shaping baselines, a hand-written memory-k rule), and so can anything
:func:`learners.agents.as_policy` accepts: a Python function of the history, an Axelrod player,
a torch or flax module (host-side agents play in the numpy loop of :mod:`learners.host`).

How
---
The agent plays a **probe set** of co-players (named strategies, random tabular agents, any
other policy).  Every decision it takes has a *context*: the start of the episode or the
previous round's joint outcome (CC, CD, DC, DD) from its own view.  Two estimates of the
memory-one vector ``(p0; p_CC, p_CD, p_DC, p_DD)`` come from the same matches:

* **counting**: the fraction of sampled actions that were C in each context;
* **querying**: the mean of the agent's own probability of C in each context (the policy is
  queried on the histories it actually met — lower variance, same expectation).

Both are visit-weighted averages over the probe set, so the projection depends on the probes:
it is reported overall, per probe (an in-context learner behaves differently against each),
and per block of rounds (early vs late in the episode).

How much a memory-one strategy fails to explain
-----------------------------------------------
* ``kl_gap``: on **held-out** matches (half the matches, not used to fit), the mean over the
  agent's decisions of ``KL(Bern(p_agent) || Bern(p_projection[context]))`` in nats per decision —
  the expected log-likelihood gap between the agent and its projection on the agent's own
  actions.  Zero (up to estimation noise) for a memory-one agent.
* ``payoff_gap``: against each probe, the agent's measured mean payoff minus the exact
  (memory-one probes) or simulated payoff of the projection against the same probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, library
from eqtools.strategies import validate_noise
from solvers.payoffs import finite_horizon
from solvers.simulate import MemoryOnePolicy, Policy, Trajectories

from .host import play_any, simulate_any

__all__ = ["ProbeResult", "Projection", "project", "default_probes", "project_trajectories", "kl_bernoulli"]

_EPS = 1e-12


def kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``KL(Bern(p) || Bern(q))`` in nats, elementwise (q clipped away from 0 and 1)."""
    arrays = []
    for name, v in (("p", p), ("q", q)):
        try:
            arrays.append(np.asarray(v, dtype=np.float64))
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be an array of probabilities, got {v!r}"[:300]) from None
    p, q = arrays
    try:
        np.broadcast_shapes(p.shape, q.shape)
    except ValueError:
        raise ParameterError(f"p {p.shape} and q {q.shape} must have broadcastable shapes") from None
    q = np.clip(q, _EPS, 1 - _EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log(np.maximum(p, _EPS) / q), 0.0)
        b = np.where(p < 1, (1 - p) * np.log(np.maximum(1 - p, _EPS) / (1 - q)), 0.0)
    return a + b


def _context_means(tokens: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard error and count of ``values`` per context token 0..4."""
    mean = np.full(5, np.nan)
    se = np.full(5, np.nan)
    cnt = np.zeros(5, dtype=np.int64)
    for k in range(5):
        v = values[tokens == k]
        cnt[k] = v.size
        if v.size:
            mean[k] = v.mean()
            se[k] = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan
    return mean, se, cnt


def _fill(vec: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Contexts never visited take the fallback value (reported via counts == 0)."""
    out = vec.copy()
    miss = ~np.isfinite(out)
    out[miss] = fallback[miss]
    return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class ProbeResult:
    """The agent against one probe co-player."""

    name: str
    vector: np.ndarray  # query estimate of the memory-one vector against this probe (NaN: unvisited)
    counts: np.ndarray  # decisions per context
    agent_payoff: float
    agent_payoff_se: float
    projection_payoff: float
    projection_payoff_se: float  # 0 when exact
    agent_coop: float

    @property
    def payoff_gap(self) -> float:
        return self.agent_payoff - self.projection_payoff


@dataclass(frozen=True)
class Projection:
    """Result of :func:`project`; ``strategy`` is the overall memory-one projection."""

    strategy: MemoryOne
    query: np.ndarray  # (5,) query estimate (NaN where unvisited)
    query_se: np.ndarray
    counting: np.ndarray  # (5,) counting estimate
    counting_se: np.ndarray
    counts: np.ndarray  # (5,) decisions per context on the fitting half
    kl_gap: float  # held-out nats per decision
    kl_gap_se: float
    by_block: np.ndarray  # (n_blocks, 5) query estimate per block of rounds
    block_edges: tuple[int, ...]
    probes: list[ProbeResult] = field(default_factory=list)
    game: str = ""
    horizon: int = 0
    noise: float = 0.0
    #: False when the agent reports only sampled actions (a stochastic Axelrod player): the query
    #: estimate is then the counting estimate and ``kl_gap`` is NaN (not measurable).
    probabilities_exposed: bool = True

    @property
    def max_abs_payoff_gap(self) -> float:
        return float(max((abs(p.payoff_gap) for p in self.probes), default=0.0))

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "strategy": self.strategy.to_dict(),
            "query": self.query.tolist(),
            "counting": self.counting.tolist(),
            "counts": self.counts.tolist(),
            "kl_gap_nats_per_decision": self.kl_gap,
            "kl_gap_se": self.kl_gap_se,
            "by_block": {f"rounds {a}-{b - 1}": row.tolist() for (a, b), row in zip(zip(self.block_edges[:-1], self.block_edges[1:]), self.by_block)},
            "probes": [
                {"name": p.name, "vector": p.vector.tolist(), "agent_payoff": p.agent_payoff,
                 "projection_payoff": p.projection_payoff, "payoff_gap": p.payoff_gap,
                 "agent_payoff_se": p.agent_payoff_se, "agent_coop": p.agent_coop}
                for p in self.probes
            ],
            "max_abs_payoff_gap": self.max_abs_payoff_gap,
            "game": self.game,
            "horizon": self.horizon,
            "noise": self.noise,
            "probabilities_exposed": self.probabilities_exposed,
        }


def default_probes(game: Game | str = "paper", n_random: int = 8, seed: int = 0) -> list[MemoryOne]:
    """Named library strategies plus ``n_random`` U(0,1)^5 tabular agents."""
    g = preset(game)
    lib = library(g)
    names = ["ALLC", "ALLD", "TFT", "WSLS", "GRIM", "Random", "Alternator", "GTFT", "Extort-2"]
    probes = [lib[n] for n in names]
    if n_random:
        probes.extend(StrategyPool.uniform(n_random, seed=seed, prefix="tabular"))
    return probes


def project_trajectories(trs: Sequence[Trajectories], block_edges: Sequence[int]) -> dict[str, Any]:
    """Projection statistics from recorded matches (X = the agent): query/counting per context."""
    from eqtools.validation import int_tuple

    if isinstance(trs, (str, bytes)) or not hasattr(trs, "__iter__"):
        raise ParameterError(f"trs must be a sequence of recorded matches (Trajectories), got {trs!r}")
    trs = list(trs)
    if not trs or not all(isinstance(t, Trajectories) for t in trs):
        raise ParameterError(f"trs must be a non-empty sequence of solvers.simulate.Trajectories, got {trs!r}"[:300])
    block_edges = int_tuple("block_edges", block_edges)
    tok = np.concatenate([t.tokens_x.ravel() for t in trs])
    p = np.concatenate([t.p_x.ravel() for t in trs])
    c = np.concatenate([(1 - t.a_x).ravel() for t in trs]).astype(np.float64)
    rounds = np.concatenate([np.broadcast_to(np.arange(t.tokens_x.shape[1]), t.tokens_x.shape).ravel() for t in trs])
    q, qse, cnt = _context_means(tok, p)
    k, kse, _ = _context_means(tok, c)
    blocks = []
    for a, b in zip(block_edges[:-1], block_edges[1:]):
        m = (rounds >= a) & (rounds < b)
        blocks.append(_context_means(tok[m], p[m])[0])
    return {"query": q, "query_se": qse, "counting": k, "counting_se": kse, "counts": cnt, "by_block": np.array(blocks)}


def project(
    agent: Any,
    game: Game | str = "paper",
    *,
    probes: Sequence[MemoryOne | Policy] | None = None,
    n: int = 100,
    matches: int = 200,
    seed: int = 0,
    blocks: Sequence[int] | None = None,
    name: str | None = None,
    self_play: Policy | None = None,
    noise: float = 0.0,
) -> Projection:
    """Project ``agent`` into memory-one space (see the module docstring).

    ``agent`` is anything :func:`learners.agents.as_policy` accepts (a JAX policy, a Python
    function of the history, an Axelrod player, a torch or flax module); host-side agents play
    in the numpy loop of :mod:`learners.host`.  ``noise`` is the execution-error rate of both
    players (every sampled action flips with that probability); the projection estimates the
    agent's *intended* behaviour in each context as it observed it (played actions), and the
    probes' exact payoffs are computed under the same noise.  An agent that reports only
    sampled actions (``exposes_probabilities = False``) gets its counting estimate as the query
    estimate and a NaN KL gap.

    ``probes`` default to :func:`default_probes`; ``self_play`` (e.g. a fresh copy of the agent)
    adds the agent's own co-player as a probe.  ``matches`` per probe are split in two halves:
    the first fits the projection, the second measures the held-out KL gap.  ``blocks`` are the
    first rounds of the blocks for the per-round profile (default: first 10%, up to half, second half).
    """
    from eqtools.validation import bounded_int, int_tuple, seed as check_seed

    from .agents import as_policy

    g = preset(game)
    eps = validate_noise(noise)
    n, seed = bounded_int("n", n, 10**7, "use fewer rounds"), check_seed("seed", seed)
    matches = bounded_int("matches", matches, 10**6, "use fewer matches")
    blocks = None if blocks is None else int_tuple("blocks", blocks)
    if probes is not None and (isinstance(probes, (str, bytes)) or not hasattr(probes, "__iter__")):
        raise ParameterError(f"probes must be a sequence of strategies or policies, got {probes!r}")
    agent = as_policy(agent)
    if self_play is not None:
        self_play = as_policy(self_play)
    if blocks is None:  # early (first 10%), middle, late (second half)
        blocks = tuple(sorted({0, max(1, n // 10), max(1, n // 2)} - {n}))
    if int(matches) < 4:
        raise ParameterError(f"matches must be at least 4 (two halves of at least 2), got {matches}")
    edges = tuple(int(b) for b in blocks) + (int(n),)
    if any(b2 <= b1 for b1, b2 in zip(edges[:-1], edges[1:])) or edges[0] != 0:
        raise ParameterError(f"blocks must start at 0, increase and stay below n = {n}; got {tuple(blocks)}")
    probe_list: list[Any] = ([p if isinstance(p, MemoryOne) else as_policy(p) for p in probes] if probes is not None
                             else default_probes(g, seed=seed))
    if self_play is not None:
        probe_list.append(self_play)
    if not probe_list:
        raise ParameterError("projection needs at least one probe")

    half = int(matches) // 2
    fields = list(Trajectories.__dataclass_fields__)

    def sliced(tr: Trajectories, idx: Any) -> Trajectories:
        # optional fields (intended actions without noise) stay None
        return Trajectories(*(None if getattr(tr, f) is None else getattr(tr, f)[idx] for f in fields))

    def split(tr: Trajectories) -> tuple[Trajectories, Trajectories]:
        return (sliced(tr, (Ellipsis, slice(None, half), slice(None))),
                sliced(tr, (Ellipsis, slice(half, None), slice(None))))

    # All memory-one probes in one batched, jitted call; other policies one by one.
    m1 = [i for i, pr in enumerate(probe_list) if isinstance(pr, MemoryOne)]
    per_probe: dict[int, Trajectories] = {}
    if m1:
        params = np.stack([probe_list[i].vector for i in m1])[:, None, :]
        tr = play_any(agent, MemoryOnePolicy(params, "probes"), g, n=n, matches=2 * half, seed=seed,
                      pairs_shape=(len(m1),), noise=eps)
        for j, i in enumerate(m1):
            per_probe[i] = sliced(tr, j)
    for i, probe in enumerate(probe_list):
        if i not in per_probe:
            per_probe[i] = play_any(agent, probe, g, n=n, matches=2 * half, seed=seed * 1000 + i + 1, noise=eps)
    fit_trs, held_trs, probe_stats = [], [], []
    for i, probe in enumerate(probe_list):
        tr = per_probe[i]
        fit, held = split(tr)
        fit_trs.append(fit)
        held_trs.append(held)
        pol = MemoryOnePolicy(probe.vector, probe.name) if isinstance(probe, MemoryOne) else probe
        probe_stats.append((probe, pol, tr))

    exposed = bool(getattr(agent, "exposes_probabilities", True))
    st = project_trajectories(fit_trs, edges)
    # Unvisited contexts fall back to the counting estimate, then to 0.5 (flagged by counts == 0).
    vec = _fill(_fill(st["query"], st["counting"]), np.full(5, 0.5))
    strategy = MemoryOne.from_vector(vec, name=name or f"proj({getattr(agent, 'name', 'agent')})")

    # Held-out KL gap.
    kls = []
    for tr in held_trs:
        kls.append(kl_bernoulli(tr.p_x, vec[tr.tokens_x]).ravel())
    kl = np.concatenate(kls)
    kl_gap, kl_se = float(kl.mean()), float(kl.std(ddof=1) / np.sqrt(kl.size))
    if not exposed:  # p_x holds sampled actions, not probabilities: the KL gap is not measurable
        kl_gap = kl_se = float("nan")

    probe_results = []
    for i, (probe, pol, tr) in enumerate(probe_stats):
        per = _context_means(tr.tokens_x.ravel(), tr.p_x.ravel())
        ag = tr.r_x.mean(axis=1)
        if isinstance(probe, MemoryOne):
            pp = float(finite_horizon(strategy, probe, g, n, noise=eps).payoff_x)
            pse = 0.0
        else:
            s = simulate_any(MemoryOnePolicy(vec, "proj"), pol, g, n=n, matches=max(2, 2 * half), seed=seed * 1000 + 500 + i,
                             noise=eps)
            pp, pse = float(s.payoff_x), float(s.payoff_x_se)
        probe_results.append(ProbeResult(
            name=str(getattr(probe, "name", f"probe{i}")), vector=per[0], counts=per[2],
            agent_payoff=float(ag.mean()), agent_payoff_se=float(ag.std(ddof=1) / np.sqrt(ag.size)),
            projection_payoff=pp, projection_payoff_se=pse, agent_coop=float((1 - tr.a_x).mean()),
        ))

    return Projection(
        strategy=strategy, query=st["query"], query_se=st["query_se"], counting=st["counting"],
        counting_se=st["counting_se"], counts=st["counts"], kl_gap=kl_gap, kl_gap_se=kl_se,
        by_block=st["by_block"], block_edges=edges, probes=probe_results, game=g.name, horizon=int(n),
        noise=eps, probabilities_exposed=exposed,
    )
