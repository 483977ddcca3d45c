"""The co-player pool and the batched rollout of two learners in it.

Each of the two learners plays ``batch`` episodes per iteration: ``n_learner`` against the
other learner (those games are shared: one game gives data to both learners) and
``n_tabular`` against tabular memory-one agents, with ``n_tabular = round(batch * share)``.
Tabular agents are either redrawn per episode from U(0, 1)^5 (the paper's pool), from another
training prior (``"prior:SPEC"``, e.g. U(0,1)^5 mixed with reciprocators; see
:func:`learners.coplayers.prior_from_spec`), or drawn from a fixed list of strategies (e.g. only
ALLD; used by tests and for evaluation).

Within a batch the learner-vs-learner episodes come first (indices ``[0, n_learner)``),
then the tabular ones.  Which kind an episode is stays hidden from the learner unless the
opponent-ID ablation is on: then every step also receives ``z`` = the tabular co-player's
log-probabilities of (C, D) under each of the 5 observations (flattened as
``(logP(C|o), logP(D|o))`` for ``o = start, CC, CD, DC, DD``, probabilities clipped to
``[1e-4, 1]``), and ``z = 0`` against a learning co-player.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from typing import Annotated

from eqtools.validation import NonEmpty, validated
from eqtools.conventions import START_TOKEN
from eqtools.errors import ParameterError
from eqtools.strategies import MemoryOne, named

from .round import draw, execute, noisy, outcome, tabular_step
from .networks import OPPONENT_ID_DIM

__all__ = [
    "fill_uniform",
    "is_prior",
    "prior_arrays",
    "sample_prior",
    "PoolSpec",
    "EVAL_OPPONENTS",
    "named_params",
    "sample_tabular",
    "opponent_id_vector",
    "PoolStep",
    "play_pool",
]

#: Fixed named co-players used in evaluation (plus ``random``: fresh U(0,1)^5 agents).
EVAL_OPPONENTS: tuple[str, ...] = ("ALLC", "ALLD", "TFT")


@dataclass(frozen=True)
class PoolSpec:
    """Composition of each learner's batch of episodes.

    Attributes
    ----------
    batch:
        Episodes per learner per iteration.
    tabular_share:
        Fraction of them played against tabular agents (paper: 0.5; 0 = no-tabular ablation).
    tabular:
        ``"uniform"`` for U(0,1)^5 agents redrawn per episode; ``"prior:SPEC"`` for agents redrawn
        per episode from the prior ``SPEC`` of :func:`learners.coplayers.prior_from_spec`
        (``prior:recip-0.3``: U(0,1)^5 with weight 0.7, reciprocators with 0.3); or a tuple of
        strategy names / 5-vectors to draw from uniformly (e.g. ``("ALLD",)``).  A ``"uniform"`` entry in the
        tuple stands for a fresh U(0,1)^5 draw, so repetition sets a mixture:
        ``("uniform",) * 3 + ("TFT",)`` meets TFT in a quarter of the tabular episodes.
    opponent_id:
        Give the learners the opponent-ID conditioning vector (ablation).
    """

    batch: int
    tabular_share: float = 0.5
    tabular: str | tuple[Any, ...] = "uniform"
    opponent_id: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.batch, (int, np.integer)) or self.batch < 1:
            raise ParameterError(f"batch must be a positive integer, got {self.batch!r}")
        if not (0.0 <= float(self.tabular_share) <= 1.0):
            raise ParameterError(f"tabular_share must lie in [0, 1], got {self.tabular_share}")
        if self.opponent_id and self.n_tabular == 0:
            raise ParameterError(
                "opponent_id needs tabular co-players (tabular_share > 0); the opponent-ID ablation "
                "cannot be combined with the no-tabular ablation"
            )
        if is_prior(self.tabular):
            prior_arrays(self.tabular)  # validates
        elif self.tabular != "uniform":
            if isinstance(self.tabular, str) or len(self.tabular) == 0:
                raise ParameterError(
                    f"tabular must be 'uniform', 'prior:SPEC' or a non-empty tuple of strategies, got {self.tabular!r}"
                )
            named_params(self.tabular)  # validates

    @property
    def n_tabular(self) -> int:
        """Episodes per learner against tabular agents."""
        return int(round(self.batch * float(self.tabular_share)))

    @property
    def n_learner(self) -> int:
        """Episodes per learner against the other learner."""
        return self.batch - self.n_tabular


@validated
def named_params(strategies: Annotated[Sequence[Any], NonEmpty], game: str = "paper") -> np.ndarray:
    """``(K, 5)`` float32 array from strategy names, :class:`MemoryOne` objects or 5-vectors.

    The name ``"uniform"`` gives a row of NaN: a placeholder that :func:`fill_uniform` replaces
    by a fresh U(0,1)^5 draw each time the row is sampled."""
    rows = []
    for s in strategies:
        if isinstance(s, str) and s == "uniform":
            rows.append(np.full(5, np.nan))
        elif isinstance(s, str):
            rows.append(named(s, game).vector)
        elif isinstance(s, MemoryOne):
            rows.append(s.vector)
        else:
            rows.append(MemoryOne.from_vector(s).vector)
    return np.asarray(rows, dtype=np.float32)


def is_prior(tabular: Any) -> bool:
    """Is ``tabular`` a ``"prior:SPEC"`` pool entry?"""
    return isinstance(tabular, str) and tabular.startswith("prior:")


def prior_arrays(tabular: str) -> Any:
    """The :class:`learners.bayes.PriorArrays` of a ``"prior:SPEC"`` pool (validates the spec)."""
    from .bayes import as_mixture
    from .coplayers import prior_from_spec

    if not isinstance(tabular, str) or not tabular.startswith("prior:"):
        raise ParameterError(f"tabular must be a 'prior:SPEC' pool, e.g. 'prior:uniform', got {tabular!r}")
    return as_mixture(prior_from_spec(tabular[len("prior:"):])).arrays()


def sample_prior(key: jax.Array, arrays: Any, shape: tuple[int, ...]) -> jnp.ndarray:
    """Co-players ``shape + (5,)`` drawn from a prior in array form: a component by its weight, then
    its Beta parameters per context (a point component's effective strategy)."""
    k_m, k_b = jax.random.split(key)
    m = jax.random.categorical(k_m, jnp.asarray(arrays.log_w0, jnp.float32), shape=shape)
    a = jnp.asarray(arrays.a, jnp.float32)[m]
    b = jnp.asarray(arrays.b, jnp.float32)[m]
    draws = jax.random.beta(k_b, a, b)
    return jnp.where(jnp.asarray(arrays.is_point)[m][..., None], jnp.asarray(arrays.q, jnp.float32)[m], draws)


def sample_tabular(key: jax.Array, spec: PoolSpec, shape: tuple[int, ...]) -> jnp.ndarray:
    """Tabular co-player parameters of shape ``shape + (5,)`` for the pool ``spec``."""
    if spec.tabular == "uniform":
        return jax.random.uniform(key, shape + (5,))
    if is_prior(spec.tabular):
        return sample_prior(key, prior_arrays(spec.tabular), shape)
    table = jnp.asarray(named_params(spec.tabular))
    if "uniform" not in spec.tabular:  # (the key use of runs made before mixtures existed)
        return table[jax.random.randint(key, shape, 0, table.shape[0])]
    k_idx, k_u = jax.random.split(key)
    return fill_uniform(k_u, table[jax.random.randint(k_idx, shape, 0, table.shape[0])])


def fill_uniform(key: jax.Array, tab: jnp.ndarray) -> jnp.ndarray:
    """Replace the NaN placeholder rows of ``"uniform"`` entries by fresh U(0,1)^5 draws."""
    return jnp.where(jnp.isnan(tab), jax.random.uniform(key, tab.shape), tab)


def opponent_id_vector(params: jnp.ndarray) -> jnp.ndarray:
    """The conditioning vector ``z`` (``(..., 10)``) of tabular agents with ``params (..., 5)``."""
    if not hasattr(params, "shape"):  # a list or a scalar: concrete, checked (arrays and tracers by shape)
        from eqtools.validation import float_array

        params = float_array("params", params, last=5)
    if len(params.shape) < 1 or params.shape[-1] != 5:
        raise ParameterError(f"params must be an array of shape (..., 5), got shape {params.shape}")
    pc = jnp.clip(params, 1e-4, 1.0)
    pd = jnp.clip(1.0 - params, 1e-4, 1.0)
    return jnp.stack([jnp.log(pc), jnp.log(pd)], axis=-1).reshape(params.shape[:-1] + (OPPONENT_ID_DIM,))


class PoolStep(NamedTuple):
    """Per-round outputs of :func:`play_pool`, time-major ``(T, 2, batch)`` (learner axis 1)."""

    action: jnp.ndarray  #: the learner's action (0 = C)
    co_action: jnp.ndarray  #: its co-player's action
    reward: jnp.ndarray  #: the learner's payoff (original scale)
    logp: jnp.ndarray  #: log-probability of the action taken (differentiable)
    entropy: jnp.ndarray  #: policy entropy (differentiable)
    value: jnp.ndarray  #: value prediction (differentiable)
    p_coop: jnp.ndarray  #: the learner's probability of cooperating


def play_pool(
    apply_fn: Callable[..., Any],
    params: Any,
    key: jax.Array,
    tab_params: jnp.ndarray,
    n_learner: int,
    horizon: int,
    table: jnp.ndarray,
    hidden: int,
    opponent_id: bool,
    unroll: int = 1,
    fixed_params: Any = None,
    fixed_policy: Any = None,
    noise: float = 0.0,
) -> PoolStep:
    """Roll out one batch for both learners.

    ``params`` are the two learners' parameters stacked on a leading axis of size 2 and
    ``apply_fn(params_i, h, obs, prev_action, prev_reward, z)`` is one agent step.
    ``tab_params (2, n_tabular, 5)`` are the tabular co-players of learner 0 and learner 1.
    Differentiable w.r.t. ``params`` through ``logp``, ``entropy`` and ``value`` (sampled actions
    carry no gradient), so the A2C loss can be taken directly on the rollout (BPTT).

    ``fixed_params`` (optional): the parameters of one frozen agent of the same module (e.g. the
    Fixed In-Context Learner of the paper's mechanism, step 2).  Each learner then plays its
    ``n_learner`` non-tabular episodes against that agent instead of the other learner (so the two
    learners are independent); the frozen agent sees the game from its own side like a learner and
    receives no opponent-ID vector.  No gradient flows into it.

    ``fixed_policy`` (optional, instead of ``fixed_params``): any jittable
    :class:`~solvers.simulate.Policy` (a memory-one strategy, a :class:`~learners.policies.GRUPolicy`,
    the Bayesian learner, ...) as that frozen co-player, the same for both learners.  It gets its
    own-view token and the round index; its action is sampled from the same uniforms the
    ``fixed_params`` path uses.  A policy with ``init_with_key`` gets a key folded from ``key``
    (:func:`learners.coplayers.init_coplayer`), so the learners' draws are the same as without it.

    ``noise`` (a static Python float, validated by the caller's config): execution errors of every
    player — learners, tabular and fixed co-players — each intended action flips with that
    probability (:func:`learners.round.execute`), from uniforms drawn with ``fold_in(key, 1)``;
    ``noise = 0`` draws nothing extra (bit-identical to the noise-free pool).  ``action`` and
    ``co_action`` are the actions as played (they set rewards and observations); ``logp`` is the
    log-probability of the learner's *intended* action.
    """
    n_tab = tab_params.shape[1]
    batch = n_learner + n_tab
    if batch < 1:
        raise ParameterError("a pool batch needs at least one episode")
    if fixed_policy is not None and fixed_params is not None:
        raise ParameterError("give the fixed co-player either as fixed_params or as fixed_policy, not both")
    fixed = fixed_params is not None or fixed_policy is not None
    if fixed and opponent_id:
        raise ParameterError("a fixed co-player cannot be combined with the opponent-ID ablation")
    if fixed_policy is not None:
        co_init, co_act = _policy_coplayer(fixed_policy, n_learner, table, key)
    elif fixed:
        co_init, co_act = _gru_coplayer(apply_fn, jax.lax.stop_gradient(fixed_params), n_learner, table, hidden)
    if opponent_id:
        z_tab = opponent_id_vector(tab_params)
        z = jnp.concatenate([jnp.zeros((2, n_learner, OPPONENT_ID_DIM)), z_tab], axis=1)
    else:
        z = None
    step = jax.vmap(apply_fn, in_axes=(0, 0, 0, 0, 0, 0 if opponent_id else None))

    has_noise = noisy(noise)

    def body(carry, inp):
        h, tok, prev_a, prev_r, tab_tok, fcarry = carry
        u, un = inp if has_noise else (inp, jnp.zeros((2, 0)))
        h, logits, value = step(params, h, tok, prev_a, prev_r, z)
        logp_all = jax.nn.log_softmax(logits)
        # Two actions: sampling the categorical is comparing a uniform with P(C).
        a = draw(u[:, :batch], jnp.exp(logp_all[..., 0]))  # (2, B), intended
        a_play = execute(un[:, :batch], a, noise)
        a_tab = execute(un[:, batch:batch + n_tab], tabular_step(tab_params, tab_tok, u[:, batch:batch + n_tab]), noise)
        if fixed:  # (2, n_learner)
            co_ll, fcarry = co_act(fcarry, u[:, batch + n_tab:], a_play[:, :n_learner],
                                   lambda x: execute(un[:, batch + n_tab:], x, noise))
        else:
            co_ll = jnp.stack([a_play[1, :n_learner], a_play[0, :n_learner]])
        co = jnp.concatenate([co_ll, a_tab], axis=1)
        rd = outcome(a_play, co, table)
        logp = jnp.take_along_axis(logp_all, a[..., None], axis=-1)[..., 0]
        ent = -jnp.sum(jnp.exp(logp_all) * logp_all, axis=-1)
        out = PoolStep(a_play, co, rd.reward_x, logp, ent, value, jnp.exp(logp_all[..., 0]))
        # the tabular co-players' own view: 1 + 2 * a_tab + a_learner
        return (h, rd.token_x, a_play, rd.reward_x, rd.token_y[:, n_learner:], fcarry), out

    carry0 = (
        jnp.zeros((2, batch, hidden)),
        jnp.full((2, batch), START_TOKEN, jnp.int32),
        jnp.full((2, batch), -1, jnp.int32),
        jnp.zeros((2, batch)),
        jnp.full((2, n_tab), START_TOKEN, jnp.int32),
        co_init if fixed else (),
    )
    # All randomness of the episode drawn up front (one RNG call, none inside the loop).
    shape = (horizon, 2, batch + n_tab + (n_learner if fixed else 0))
    uniforms = jax.random.uniform(key, shape)
    if has_noise:  # the flips' own stream; the action draws stay those of the noise-free pool
        uniforms = (uniforms, jax.random.uniform(jax.random.fold_in(key, 1), shape))
    _, traj = jax.lax.scan(body, carry0, uniforms, unroll=unroll)
    return traj


def _gru_coplayer(apply_fn, fixed_params, n_learner, table, hidden):
    """``(initial carry, act)`` of a frozen agent of the learners' module (``fixed_params``):
    ``act(carry, uniforms, learner actions, play) -> (its actions, carry)``; ``play`` turns its
    intended actions into the played ones (execution noise)."""
    fstep = jax.vmap(apply_fn, in_axes=(None, 0, 0, 0, 0, None))

    def act(fcarry, u, a_learner, play):
        fh, ftok, fa, fr = fcarry
        fh, flogits, _ = fstep(fixed_params, fh, ftok, fa, fr, None)
        a_f = play(draw(u, jax.nn.softmax(flogits)[..., 0]))
        rd = outcome(a_f, a_learner, table)
        return a_f, (fh, rd.token_x, a_f, rd.reward_x)

    init = (jnp.zeros((2, n_learner, hidden)), jnp.full((2, n_learner), START_TOKEN, jnp.int32),
            jnp.full((2, n_learner), -1, jnp.int32), jnp.zeros((2, n_learner)))
    return init, act


def _policy_coplayer(policy, n_learner, table, key):
    """``(initial carry, act)`` of a :class:`~solvers.simulate.Policy` co-player: it gets its own-view
    token and the round index; a keyed policy gets ``fold_in(key, 0xF1C)``."""
    from .coplayers import check_coplayer, init_coplayer

    check_coplayer(policy, "fixed_policy")

    def act(fcarry, u, a_learner, play):
        pcarry, ftok, t = fcarry
        p_f, pcarry = policy.coop_prob(pcarry, ftok, t)
        a_f = play(draw(u, jax.lax.stop_gradient(p_f)))
        return a_f, (pcarry, outcome(a_f, a_learner, table).token_x, t + 1)

    init = (init_coplayer(policy, (2, n_learner), jax.random.fold_in(key, 0xF1C)),
            jnp.full((2, n_learner), START_TOKEN, jnp.int32), jnp.int32(0))
    return init, act
