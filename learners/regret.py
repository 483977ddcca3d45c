"""In-context regret: how far an agent falls short of the exact best response, per co-player.

A step-1 learner of the paper (trained against U(0,1)^5 memory-one co-players) should play an
*in-context best response*: infer who it faces from the history and answer optimally.  Against a
fixed memory-one co-player ``q`` the optimal ``n``-round answer is known exactly — backward
induction over (round, previous state), :func:`solvers.best_response.best_response_finite` — so
the agent's shortfall is measurable:

    regret(agent, q) = V*(q) - E[mean reward of the agent over n rounds against q].

:func:`evaluate_regret` plays any :class:`solvers.simulate.Policy` (a GRU A2C agent, a PPI agent,
a memory-one strategy, a user's own) against a co-player panel of groups (:func:`default_panel`:
``random`` = fresh U(0,1)^5 draws from the training distribution, ``library`` = the named
memory-one strategies, ``heldout`` = anything the user passes, vectors or Axelrod memory-one
players) and reports per co-player: the agent's reward ± s.e. (over matches), the co-player's
reward, the exact best-response value, the regret ± s.e., and what ALLD and TFT get exactly.
Per group: mean regret ± s.e. (over co-players; the spread of the draws plus match noise).

The agent is simulated (seeded; ``matches`` independent matches per co-player); the best
response, ALLD and TFT are exact.  ``round_by_round`` puts the agent's per-round cooperation and
reward next to the best response's exact per-round profile — where the regret comes from.

:func:`br_values` (many co-players at once) and :func:`br_values_jnp` (the same in JAX, used
inside the jitted training evaluations to report regret over training: :mod:`learners.a2c.core`,
:mod:`learners.ppi.train`) are the batched backward induction of
:mod:`solvers.backward_induction`, re-exported here; it shares its one backup step with
:func:`solvers.best_response.best_response_finite`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Sequence

import numpy as np

from eqtools.errors import ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne, library, named, validate_noise
from eqtools.validation import Check, Interval, MaxSize, Names, NonNegative, Seed, validated
# The batched backward induction lives in solvers.backward_induction (issue 23); its names stay here.
from solvers.backward_induction import (  # noqa: F401
    MAX_BR_ROUNDS,
    _br_values_weighted,
    _coplayer_array,
    _coplayer_probs,
    _Rounds,
    br_continuation_jnp,
    br_values,
    br_values_jnp,
    round_weights,
)

__all__ = [
    "LIBRARY_NAMES",
    "HELDOUT_AXELROD",
    "br_values",
    "br_values_jnp",
    "round_weights",
    "br_continuation_jnp",
    "br_round_profile",
    "uniform_br_mean",
    "Panel",
    "default_panel",
    "reciprocator_draws",
    "excess_regret",
    "markdown_excess",
    "heldout_group",
    "RegretReport",
    "evaluate_regret",
    "markdown",
    "plot_regret",
    "plot_rounds",
]

#: The named library group (eqtools.strategies.library, paper game).
LIBRARY_NAMES: tuple[str, ...] = ("ALLC", "ALLD", "TFT", "STFT", "WSLS", "GRIM", "GTFT", "Extort-2", "Generous-2",
                                  "Alternator", "Random")
#: Default held-out reciprocators from the Axelrod library (memory-one players).
HELDOUT_AXELROD: tuple[str, ...] = ("FirmButFair", "ZDGTFT2", "SoftJoss", "StochasticWSLS")


# ---------------------------------------------------------------- exact best-response values

def _sequence(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, (str, bytes)) or not hasattr(value, "__iter__")):
        raise ParameterError(f"{name} must be a sequence (or None), got {value!r}")


@validated
def uniform_br_mean(game: Game | str = "paper", n: _Rounds = 100,
                    draws: Annotated[int, Interval(2, math.inf), MaxSize(10**7)] = 200_000,
                    seed: Annotated[int, Seed] = 12345) -> tuple[float, float]:
    """Mean exact best-response value over U(0,1)^5 co-players (Monte Carlo over draws, exact per draw).

    Returns ``(mean, s.e.)``; used to turn a mean reward against fresh random co-players into a
    regret when the draws themselves were not kept."""
    q = np.random.default_rng(seed).random((int(draws), 5))
    v = br_values(q, game, n)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


@validated
def br_round_profile(q: Any, game: Game | str = "paper", n: _Rounds = 100) -> tuple[np.ndarray, np.ndarray]:
    """The exact best response's per-round P(C) and expected reward against ``q`` (one co-player).

    Uses the optimal time-dependent policy of :func:`solvers.best_response.best_response_finite`
    (one optimal policy where several tie) and propagates the state distribution forward.
    Returns ``(coop (n,), reward (n,))``."""
    from solvers.best_response import best_response_finite

    g = preset(game)
    q = _coplayer_array(q)
    br = best_response_finite(q, g, int(n))
    qo = _coplayer_probs(q)
    r = np.asarray(g.payoffs, dtype=np.float64)
    coop = np.empty(int(n))
    rew = np.empty(int(n))
    pc = br.policy[0, 0]
    d = np.array([pc * qo[0], pc * (1 - qo[0]), (1 - pc) * qo[0], (1 - pc) * (1 - qo[0])])
    coop[0], rew[0] = pc, d @ r
    for t in range(1, int(n)):
        ps = br.policy[t, 1:]  # own P(C) after each state
        qs = qo[1:]
        nd = np.zeros(4)
        for s in range(4):
            nd += d[s] * np.array([ps[s] * qs[s], ps[s] * (1 - qs[s]), (1 - ps[s]) * qs[s], (1 - ps[s]) * (1 - qs[s])])
        coop[t] = float(d @ ps)
        d = nd
        rew[t] = d @ r
    return coop, rew


# ---------------------------------------------------------------------------- the panel

@dataclass(frozen=True)
class Panel:
    """Co-players in groups: ``groups[name] = (labels, params (K, 5))``."""

    groups: dict[str, tuple[tuple[str, ...], np.ndarray]]

    def __post_init__(self) -> None:
        for g, (labels, params) in self.groups.items():
            p = np.asarray(params, dtype=np.float64)
            if p.ndim != 2 or p.shape[1] != 5 or p.shape[0] != len(labels) or p.shape[0] == 0:
                raise ParameterError(f"panel group {g!r}: params must be (K, 5) with K = len(labels) > 0, got {p.shape}")
            if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
                raise ParameterError(f"panel group {g!r}: co-player parameters must be probabilities in [0, 1]")


def heldout_group(items: Sequence[Any], game: Game | str = "paper") -> tuple[tuple[str, ...], np.ndarray]:
    """A held-out group from 5-vectors, :class:`MemoryOne` objects, eqtools names or Axelrod
    memory-one players (classes, instances, or their class names such as ``"FirmButFair"``)."""
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise ParameterError(f"items must be a sequence of co-players, got {items!r}")
    labels, rows = [], []
    for k, it in enumerate(items):
        if isinstance(it, MemoryOne):
            labels.append(it.name or f"heldout{k}")
            rows.append(it.vector)
            continue
        if isinstance(it, str):
            try:
                s = named(it, game)
                labels.append(it)
                rows.append(s.vector)
                continue
            except ParameterError:
                pass
            try:
                import axelrod as axl
            except ImportError as exc:  # pragma: no cover - axelrod is a dependency
                raise ParameterError(f"held-out co-player {it!r}: not an eqtools name and axelrod is not installed") from exc
            cls = getattr(axl, it, None)
            if cls is None:
                raise ParameterError(f"held-out co-player {it!r} is neither an eqtools strategy name nor an axelrod player class")
            it = cls
        if isinstance(it, type) or hasattr(it, "strategy"):
            from eqtools.interop.axelrod import from_axelrod

            s = from_axelrod(it, game)
            labels.append(s.name or f"heldout{k}")
            rows.append(s.vector)
            continue
        v = np.asarray(it, dtype=np.float64)
        if v.shape != (5,):
            raise ParameterError(f"held-out co-player {k} must be a 5-vector (p0, pCC, pCD, pDC, pDD), got shape {v.shape}")
        labels.append("(" + ", ".join(f"{x:.2f}" for x in v) + ")")
        rows.append(MemoryOne.from_vector(v).vector)
    if not rows:
        raise ParameterError("held-out group is empty")
    return tuple(labels), np.asarray(rows, dtype=np.float64)


def reciprocator_draws(k: int, seed: int = 2026) -> np.ndarray:
    """``k`` seeded *reciprocators* ``(k, 5)``: p0, pCC, pDC ~ U(0.8, 1) and pCD, pDD ~ U(0, 0.2)
    (its own view, own action first: it answers the learner's last move, like a noisy TFT — it
    cooperates after CC and DC, where the learner cooperated, and defects after CD and DD, where
    the learner defected).  The issue-19 panel group; a separate stream of ``seed``."""
    from eqtools.validation import positive_int, seed as check_seed

    k = positive_int("reciprocators", k)
    if k > 10**7:
        from eqtools.errors import SizeLimitError

        raise SizeLimitError(f"reciprocators = {k} is above the largest panel group served (10^7 draws)")
    rng = np.random.default_rng([check_seed("seed", seed), 1])
    hi = rng.uniform(0.8, 1.0, (k, 3))
    lo = rng.uniform(0.0, 0.2, (k, 2))
    return np.column_stack([hi[:, 0], hi[:, 1], lo[:, 0], hi[:, 2], lo[:, 1]])


@validated
def default_panel(game: Game | str = "paper", random: Annotated[int, NonNegative, MaxSize(10**7)] = 200,
                  seed: Annotated[int, Seed] = 2026, library_names: Annotated[Sequence[str], Names] | None = LIBRARY_NAMES,
                  heldout: Annotated[Sequence[Any], Check(_sequence)] | None = HELDOUT_AXELROD,
                  reciprocators: Annotated[int, NonNegative, MaxSize(10**7)] = 30) -> Panel:
    """``random`` fresh U(0,1)^5 draws (seeded, so every agent meets the same draws),
    ``reciprocators`` seeded reciprocator draws (:func:`reciprocator_draws`; 0 to skip), the named
    library and a held-out group (default: Axelrod reciprocators; ``None`` or ``()`` to skip)."""
    groups: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    if random:
        if int(random) < 2:
            raise ParameterError(f"random must be 0 or at least 2 draws, got {random}")
        q = np.random.default_rng(int(seed)).random((int(random), 5))
        groups["random"] = (tuple(f"U{k}" for k in range(int(random))), q)
    if reciprocators:
        if int(reciprocators) < 2:
            raise ParameterError(f"reciprocators must be 0 or at least 2 draws, got {reciprocators}")
        groups["reciprocators"] = (tuple(f"R{k}" for k in range(int(reciprocators))), reciprocator_draws(int(reciprocators), seed))
    if library_names:
        lib = library(game)
        vecs = [lib[nm].vector if nm in lib else named(nm, game).vector for nm in library_names]  # named() raises for unknown
        groups["library"] = (tuple(library_names), np.asarray(vecs, dtype=np.float64))
    if heldout:
        groups["heldout"] = heldout_group(heldout, game)
    if not groups:
        raise ParameterError("the panel is empty (no random draws, library or held-out co-players)")
    return Panel(groups)


# ---------------------------------------------------------------------------- evaluation

@dataclass
class RegretReport:
    """Per co-player arrays (all ``(K,)``, in panel order) and per-group aggregates.

    ``agent_reward``/``agent_reward_se``: the agent's mean reward per round (s.e. over matches);
    ``coplayer_reward``; ``br_value``: exact best-response value; ``regret = br_value -
    agent_reward`` (s.e. = the agent's); ``alld``/``tft``: exact values of ALLD/TFT against the
    co-player; ``coop_by_round (K, n)`` and ``reward_by_round (K, n)``: the agent's, averaged
    over matches.  ``groups[g]``: mean regret and rewards of group ``g`` with s.e. over co-players.
    """

    agent: str
    game: str
    n: int
    matches: int
    seed: int
    group: np.ndarray
    label: np.ndarray
    params: np.ndarray
    agent_reward: np.ndarray
    agent_reward_se: np.ndarray
    coplayer_reward: np.ndarray
    agent_coop: np.ndarray
    br_value: np.ndarray
    alld: np.ndarray
    tft: np.ndarray
    coop_by_round: np.ndarray
    reward_by_round: np.ndarray
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    criterion: str = "finite"
    noise: float = 0.0

    @property
    def regret(self) -> np.ndarray:
        return self.br_value - self.agent_reward

    def row(self, label: str, group: str | None = None) -> int:
        """Index of the co-player ``label`` (in ``group`` if given)."""
        m = self.label == label
        if group is not None:
            m &= self.group == group
        idx = np.flatnonzero(m)
        if len(idx) == 0:
            raise ParameterError(f"no co-player {label!r} in the regret report")
        return int(idx[0])

    def to_dict(self) -> dict[str, Any]:
        rows = [{"group": str(g), "coplayer": str(lb), "params": [round(float(x), 4) for x in p],
                 "agent_reward": round(float(a), 4), "agent_reward_se": round(float(se), 4),
                 "coplayer_reward": round(float(c), 4), "br_value": round(float(b), 4), "regret": round(float(b - a), 4),
                 "alld": round(float(d), 4), "tft": round(float(t), 4), "agent_coop": round(float(cc), 4)}
                for g, lb, p, a, se, c, b, d, t, cc in zip(self.group, self.label, self.params, self.agent_reward,
                                                          self.agent_reward_se, self.coplayer_reward, self.br_value,
                                                          self.alld, self.tft, self.agent_coop)]
        return {"agent": self.agent, "game": self.game, "n": self.n, "matches": self.matches, "seed": self.seed,
                "criterion": self.criterion, "noise": self.noise, "groups": self.groups, "coplayers": rows}


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=np.float64)
    se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")
    return float(x.mean()), se


def evaluate_regret(agent: Any, panel: Panel | None = None, game: Game | str = "paper", *, n: int = 100, matches: int = 64,
                    seed: int = 0, name: str | None = None, chunk: int = 64, noise: float = 0.0,
                    gamma: float | None = None) -> RegretReport:
    """Play ``agent`` (any :class:`solvers.simulate.Policy`, or anything
    :func:`learners.agents.as_policy` accepts) against every co-player of ``panel`` (default
    :func:`default_panel`) for ``matches`` seeded matches of ``n`` rounds each and compare with
    the exact best response, ALLD and TFT.

    ``noise``: execution errors of both players, in the play and in the exact values.
    ``gamma``: the discounted criterion instead of the finite-horizon mean: every reward (the
    agent's, the best response's, ALLD's, TFT's) is weighted ``(1 - gamma) gamma^t /
    (1 - gamma^n)`` over the ``n`` rounds; the best-response value is exact for that criterion
    and tends to :func:`solvers.best_response.best_response_discounted`'s as ``gamma^n -> 0``.
    Co-players are played in chunks of ``chunk`` (one compiled program per chunk shape)."""
    from eqtools.validation import bounded_int, instance_of, positive_int, seed as check_seed

    if panel is not None:
        instance_of("panel", panel, Panel, "Panel (learners.regret.default_panel)")
    n, chunk, seed = _check_rounds("n", n), positive_int("chunk", chunk), check_seed("seed", seed)
    matches = bounded_int("matches", matches, 10**6, "evaluate on fewer matches")
    from solvers.payoffs import finite_horizon, round_profile
    from solvers.simulate import MemoryOnePolicy

    from .agents import as_policy
    from .host import is_host, play_any

    g = preset(game)
    agent = as_policy(agent)
    eps = validate_noise(noise)
    if int(matches) < 2:
        raise ParameterError(f"matches must be at least 2 (for standard errors), got {matches}")
    if int(chunk) < 1:
        raise ParameterError(f"chunk must be a positive integer, got {chunk}")
    panel = panel if panel is not None else default_panel(g)
    groups, labels, params = [], [], []
    for gname, (lbs, ps) in panel.groups.items():
        groups += [gname] * len(lbs)
        labels += list(lbs)
        params.append(np.asarray(ps, dtype=np.float64))
    Q = np.concatenate(params, axis=0)
    K, m, n = Q.shape[0], int(matches), int(n)
    w = round_weights(n, gamma)
    criterion = "finite" if gamma is None else f"discounted(gamma={float(gamma):g}, normalised over n={n} rounds)"
    criterion += f", noise={eps:g}" if eps else ""
    ar = np.empty((K, m))
    cr = np.empty((K, m))
    ac = np.empty((K, m))
    cbr = np.empty((K, n))
    rbr = np.empty((K, n))
    if is_host(agent):  # the host loop compiles nothing: one unpadded block
        chunk = K
    for lo in range(0, K, int(chunk)):
        hi = min(K, lo + int(chunk))
        block = np.zeros((int(chunk), 5))  # pad to a fixed shape: one compile for every chunk
        block[: hi - lo] = Q[lo:hi]
        tr = play_any(agent, MemoryOnePolicy(block[:, None, :], "coplayer"), g, n=n, matches=m, seed=int(seed) + lo,
                      pairs_shape=(int(chunk),), noise=eps)
        k = hi - lo
        ar[lo:hi] = tr.r_x[:k] @ w
        cr[lo:hi] = tr.r_y[:k] @ w
        ac[lo:hi] = (tr.a_x[:k] == 0).mean(-1)
        cbr[lo:hi] = (tr.a_x[:k] == 0).mean(-2)
        rbr[lo:hi] = tr.r_x[:k].mean(-2)
    br = br_values(Q, g, n, gamma=gamma, noise=eps)
    if gamma is None:
        alld = finite_horizon(named("ALLD").vector, Q, g, n, noise=eps).payoff_x
        tft = finite_horizon(named("TFT").vector, Q, g, n, noise=eps).payoff_x
    else:  # exact per-round state distributions, weighted like the agent's rewards
        rs = np.asarray(g.payoffs, dtype=np.float64)
        alld = np.einsum("t,kts,s->k", w, round_profile(named("ALLD").vector, Q, n, noise=eps), rs)
        tft = np.einsum("t,kts,s->k", w, round_profile(named("TFT").vector, Q, n, noise=eps), rs)
    rep = RegretReport(agent=name or str(getattr(agent, "name", "agent")), game=g.name, n=n, matches=m, seed=int(seed),
                       group=np.asarray(groups), label=np.asarray(labels), params=Q,
                       agent_reward=ar.mean(-1), agent_reward_se=ar.std(-1, ddof=1) / math.sqrt(m),
                       coplayer_reward=cr.mean(-1), agent_coop=ac.mean(-1), br_value=br,
                       alld=np.asarray(alld, dtype=np.float64), tft=np.asarray(tft, dtype=np.float64),
                       coop_by_round=cbr, reward_by_round=rbr, criterion=criterion, noise=eps)
    for gname in panel.groups:
        sel = rep.group == gname
        d: dict[str, float] = {"coplayers": int(sel.sum())}
        for key, arr in (("regret", rep.regret), ("agent_reward", rep.agent_reward), ("coplayer_reward", rep.coplayer_reward),
                         ("br_value", rep.br_value), ("alld", rep.alld), ("tft", rep.tft),
                         ("alld_regret", rep.br_value - rep.alld), ("tft_regret", rep.br_value - rep.tft)):
            mu, se = _mean_se(arr[sel])
            d[key], d[key + "_se"] = round(mu, 5), round(se, 5)
        d["max_regret"] = round(float(rep.regret[sel].max()), 5)
        d["argmax_regret"] = str(rep.label[sel][int(np.argmax(rep.regret[sel]))])
        rep.groups[gname] = d
    return rep


# ---------------------------------------------------------------------------- reports

def _reports(name: str, value: Any) -> list[RegretReport]:
    """``value`` as a non-empty list of :class:`RegretReport`, else :class:`ParameterError` naming it."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ParameterError(f"{name} must be a list of RegretReport (learners.regret.evaluate_regret), got {value!r}"[:300])
    out = list(value)
    if not out or not all(isinstance(r, RegretReport) for r in out):
        raise ParameterError(f"{name} must be a non-empty list of RegretReport (learners.regret.evaluate_regret), "
                             f"got {value!r}"[:300])
    return out


def _check_rounds(name: str, value: Any) -> int:
    from eqtools.validation import check_value

    check_value(name, _Rounds, value)
    return int(value)


def excess_regret(report: RegretReport, reference: RegretReport) -> dict[str, Any]:
    """``report``'s *excess* regret over ``reference`` (the Bayesian learner), paired per co-player:
    ``excess = V_reference - V_agent = regret(agent) - regret(reference)``, so that
    ``regret(agent) = [V* - V_reference] + excess``.  Both reports must cover the same co-players.

    Returns ``{"per_coplayer": (K,) array, "se": (K,) (the two reports' match s.e. combined),
    "groups": {group: {"excess", "excess_se" (over co-players), "reference_regret", "regret"}}}``."""
    _reports("report", [report]), _reports("reference", [reference])
    if not (np.array_equal(report.label, reference.label) and np.array_equal(report.group, reference.group)
            and np.allclose(report.params, reference.params) and report.n == reference.n):
        raise ParameterError("excess regret needs two reports on the same panel and horizon")
    ex = reference.agent_reward - report.agent_reward
    se = np.sqrt(report.agent_reward_se ** 2 + reference.agent_reward_se ** 2)
    groups: dict[str, dict[str, float]] = {}
    for gname in report.groups:
        sel = report.group == gname
        mu, s_ = _mean_se(ex[sel])
        groups[gname] = {"excess": round(mu, 5), "excess_se": round(s_, 5),
                         "reference_regret": reference.groups[gname]["regret"], "regret": report.groups[gname]["regret"]}
    return {"agent": report.agent, "reference": reference.agent, "per_coplayer": ex, "se": se, "groups": groups}


def markdown_excess(reports: Sequence[RegretReport], reference: RegretReport) -> str:
    """Markdown: per group, the reference (Bayesian) learner's regret — the price of not knowing
    the co-player — and each agent's regret split as ``[V* - V_Bayes] + excess``."""
    reports = _reports("reports", reports)
    _reports("reference", [reference])
    lines = [f"Regret decomposed against **{reference.agent}**: regret(agent) = [V* − V_Bayes] + [V_Bayes − V_agent] "
             "(excess; paired per co-player, ± s.e. over co-players).", "",
             "| group | " + f"{reference.agent} regret (V* − V_Bayes) | "
             + " | ".join(f"{r.agent}: regret = Bayes + **excess**" for r in reports) + " |",
             "|---|---|" + "---|" * len(reports)]
    for gname, d0 in reference.groups.items():
        cells = []
        for r in reports:
            e = excess_regret(r, reference)["groups"][gname]
            cells.append(f"{e['regret']:.3f} = {e['reference_regret']:.3f} + **{e['excess']:.3f}** ± {e['excess_se']:.3f}")
        lines.append(f"| {gname} | {d0['regret']:.3f} ± {d0['regret_se']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown(reports: Sequence[RegretReport], per_coplayer_groups: Sequence[str] = ("library", "heldout")) -> str:
    """Markdown tables: per group, each agent's mean regret beside ALLD's and TFT's; then per
    co-player of the named groups: reward ± s.e., co-player reward, best response, regret, ALLD, TFT."""
    reports = _reports("reports", reports)
    if isinstance(per_coplayer_groups, (str, bytes)) or not hasattr(per_coplayer_groups, "__iter__"):
        raise ParameterError(f"per_coplayer_groups must be a sequence of group names, got {per_coplayer_groups!r}")
    if not reports:
        return ""
    r0 = reports[0]
    lines = [f"Game {r0.game}, n = {r0.n} rounds, {r0.matches} matches per co-player (seed {r0.seed}); "
             "regret = exact best-response value − agent reward (per round).", "",
             "| group | co-players | " + " | ".join(f"{r.agent}: reward / regret" for r in reports)
             + " | ALLD: reward / regret | TFT: reward / regret | best response |",
             "|---|---|" + "---|" * (len(reports) + 3)]
    for gname, d0 in r0.groups.items():
        cells = [f"{r.groups[gname]['agent_reward']:.3f} / **{r.groups[gname]['regret']:.3f}** ± {r.groups[gname]['regret_se']:.3f}"
                 for r in reports]
        lines.append(f"| {gname} | {d0['coplayers']} | " + " | ".join(cells)
                     + f" | {d0['alld']:.3f} / {d0['alld_regret']:.3f} | {d0['tft']:.3f} / {d0['tft_regret']:.3f} | {d0['br_value']:.3f} |")
    for gname in per_coplayer_groups:
        if gname not in r0.groups:
            continue
        lines += ["", f"**{gname}** (per co-player; agent reward ± s.e. over matches, co-player's reward in brackets)", "",
                  "| co-player | " + " | ".join(f"{r.agent}: reward (co-player) / regret" for r in reports)
                  + " | ALLD | TFT | best response |",
                  "|---|" + "---|" * (len(reports) + 3)]
        for i in np.flatnonzero(r0.group == gname):
            cells = [f"{r.agent_reward[i]:.3f} ± {r.agent_reward_se[i]:.3f} ({r.coplayer_reward[i]:.2f}) / **{r.regret[i]:.3f}**"
                     for r in reports]
            lines.append(f"| {r0.label[i]} | " + " | ".join(cells)
                         + f" | {r0.alld[i]:.3f} | {r0.tft[i]:.3f} | {r0.br_value[i]:.3f} |")
    return "\n".join(lines) + "\n"


def plot_regret(reports: Sequence[RegretReport], path: str | Path, title: str = "") -> None:
    """Regret by co-player: one panel per group (random draws sorted by the first agent's regret),
    each agent beside ALLD and TFT."""
    from eqtools.io import check_plot_path

    reports, path = _reports("reports", reports), check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r0 = reports[0]
    gnames = list(r0.groups)
    widths = [max(3.0, min(8.0, 0.35 * r0.groups[g]["coplayers"])) if g != "random" else 7.0 for g in gnames]
    fig, axes = plt.subplots(1, len(gnames), figsize=(sum(widths) + 1, 4.2), gridspec_kw={"width_ratios": widths}, squeeze=False)
    for ax, gname in zip(axes[0], gnames):
        idx = np.flatnonzero(r0.group == gname)
        if gname == "random":
            order = idx[np.argsort(r0.regret[idx])]
            x = np.arange(len(order))
            for k, r in enumerate(reports):
                ax.plot(x, r.regret[order], ".", ms=3, color=f"C{k}", label=f"{r.agent} (mean {r.groups[gname]['regret']:.3f})")
            ax.plot(x, (r0.br_value - r0.alld)[order], ".", ms=2, color="0.5", label=f"ALLD (mean {r0.groups[gname]['alld_regret']:.3f})")
            ax.set_xlabel(f"{len(order)} U(0,1)^5 draws, sorted by {r0.agent}'s regret")
        else:
            x = np.arange(len(idx))
            w = 0.8 / (len(reports) + 2)
            for k, r in enumerate(reports):
                ax.bar(x + k * w, r.regret[idx], w, yerr=r.agent_reward_se[idx], color=f"C{k}", label=r.agent)
            ax.bar(x + len(reports) * w, (r0.br_value - r0.alld)[idx], w, color="0.5", label="ALLD")
            ax.bar(x + (len(reports) + 1) * w, (r0.br_value - r0.tft)[idx], w, color="0.8", label="TFT")
            ax.set_xticks(x + 0.4 - w / 2)
            ax.set_xticklabels(r0.label[idx], rotation=60, ha="right", fontsize=7)
            ax.set_ylim(-0.05, 1.2)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"{gname}: regret per round", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_rounds(reports: Sequence[RegretReport], labels: Sequence[tuple[str, str]], path: str | Path, title: str = "") -> None:
    """Round by round: each agent's cooperation and reward next to the exact best response's,
    for the co-players ``labels`` = ``[(group, label), ...]``."""
    from eqtools.io import check_plot_path

    reports, path = _reports("reports", reports), check_plot_path(path)
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__") or not all(
            isinstance(x, (tuple, list)) and len(x) == 2 for x in labels):
        raise ParameterError(f"labels must be a sequence of (group, label) pairs, got {labels!r}"[:300])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r0 = reports[0]
    fig, axes = plt.subplots(2, len(labels), figsize=(3.6 * len(labels) + 1, 5.5), squeeze=False, sharex=True)
    t = np.arange(1, r0.n + 1)
    for j, (gname, lb) in enumerate(labels):
        i = r0.row(lb, gname)
        bc, brw = br_round_profile(r0.params[i], r0.game, r0.n)
        for k, r in enumerate(reports):
            axes[0, j].plot(t, r.coop_by_round[i], color=f"C{k}", lw=1, label=r.agent)
            axes[1, j].plot(t, r.reward_by_round[i], color=f"C{k}", lw=1, label=f"{r.agent} (regret {r.regret[i]:.2f})")
        axes[0, j].plot(t, bc, "k--", lw=1, label="best response")
        axes[1, j].plot(t, brw, "k--", lw=1, label=f"best response ({r0.br_value[i]:.2f})")
        axes[0, j].set_title(f"vs {lb}", fontsize=10)
        axes[0, j].set_ylim(-0.05, 1.05)
        axes[1, j].set_xlabel("round")
        for a in axes[:, j]:
            a.grid(alpha=0.3)
        axes[1, j].legend(fontsize=7)
    axes[0, 0].set_ylabel("P(cooperate)")
    axes[1, 0].set_ylabel("reward")
    axes[0, 0].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
