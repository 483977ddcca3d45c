"""The sequence-model agent: a GRU with per-modality embeddings, policy and value heads.

Architecture (paper §1, choices documented where the paper is silent):

* inputs per round: the observation token (one-hot over 5), the agent's previous action
  (one-hot over 2; all zeros in the first round) and its previous reward (a scalar divided
  by ``reward_input_scale``, 0 in the first round); each is embedded by its own linear layer
  into ``embed`` (default 32) dimensions and the embeddings are **concatenated**;
* optional opponent-ID conditioning vector ``z`` (the opponent-ID ablation): embedded by its
  own linear layer and concatenated at every step (equivalent in information to prepending it
  to the history, cheaper than an extra sequence step);
* a GRU cell with ``hidden`` units (default 128), Swish on its output;
* separate linear heads: policy logits over (C, D) and a scalar value.

The hidden state is reset (zeros) at the start of every episode by the caller.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from eqtools.conventions import NUM_TOKENS
from eqtools.errors import ParameterError

__all__ = ["GRUAgent", "OPPONENT_ID_DIM", "init_agent_params", "init_agent_params_np", "count_params"]

#: Opponent-ID vector: log-probabilities of (C, D) under each of the 5 observations.
OPPONENT_ID_DIM: int = 2 * NUM_TOKENS


class GRUAgent(nn.Module):
    """One step of the recurrent agent.

    Call with ``(h, obs, prev_action, prev_reward, z)`` where ``h`` is ``(..., hidden)``,
    ``obs`` integer tokens ``(...)``, ``prev_action`` integers in ``{-1, 0, 1}`` (``-1``: none),
    ``prev_reward`` floats ``(...)`` and ``z`` either ``None`` or ``(..., OPPONENT_ID_DIM)``.
    Returns ``(h_new, logits (..., 2), value (...))``.
    """

    hidden: int = 128
    embed: int = 32
    use_opponent_id: bool = False
    reward_input_scale: float = 1.0

    @nn.compact
    def __call__(self, h, obs, prev_action, prev_reward, z=None):
        e_obs = nn.Dense(self.embed, name="embed_obs")(jax.nn.one_hot(obs, NUM_TOKENS))
        e_act = nn.Dense(self.embed, name="embed_action")(jax.nn.one_hot(prev_action, 2))
        e_rew = nn.Dense(self.embed, name="embed_reward")((prev_reward / self.reward_input_scale)[..., None])
        parts = [e_obs, e_act, e_rew]
        if self.use_opponent_id:
            if z is None:
                raise ParameterError("GRUAgent(use_opponent_id=True) needs the conditioning vector z")
            parts.append(nn.Dense(self.embed, name="embed_opponent_id")(z))
        x = jnp.concatenate(parts, axis=-1)
        h, y = nn.GRUCell(self.hidden, name="gru")(h, x)
        y = nn.swish(y)
        logits = nn.Dense(2, name="policy", kernel_init=nn.initializers.orthogonal(0.01))(y)
        value = nn.Dense(1, name="value")(y)[..., 0]
        return h, logits, value


def init_agent_params(module: GRUAgent, key: jax.Array) -> Any:
    """Initialise the parameters of ``module`` (independent of the batch size)."""
    from eqtools.validation import instance_of

    instance_of("module", module, GRUAgent)
    return init_recurrent(module, key)


def init_recurrent(module: Any, key: jax.Array) -> Any:
    """Initialise a recurrent module with the GRU agent's inputs ``(h, token, prev, reward, z)``
    (:class:`GRUAgent` and the PPI sequence model), from one dummy step of batch 1."""
    from eqtools.validation import prng_key

    prng_key("key", key)
    h = jnp.zeros((1, module.hidden))
    z = jnp.zeros((1, OPPONENT_ID_DIM)) if module.use_opponent_id else None
    return module.init(key, h, jnp.zeros((1,), jnp.int32), jnp.full((1,), -1, jnp.int32), jnp.zeros((1,)), z)


def _orthogonal(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    a = rng.standard_normal((max(shape), min(shape)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    q = q if shape[0] >= shape[1] else q.T
    return (scale * q[: shape[0], : shape[1]]).astype(np.float32)


def init_agent_params_np(module: GRUAgent, seed: int | np.random.Generator) -> Any:
    """Initialise the parameters of ``module`` with numpy (no XLA compilation; deterministic).

    Same tree as :func:`init_agent_params`; schemes: LeCun-normal input kernels, orthogonal
    GRU recurrent kernels, orthogonal(0.01) policy kernel, zero biases.
    """
    from eqtools.validation import instance_of, seed as check_seed

    instance_of("module", module, GRUAgent)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed("seed", seed))
    h = jnp.zeros((1, module.hidden))
    z = jnp.zeros((1, OPPONENT_ID_DIM)) if module.use_opponent_id else None
    shapes = jax.eval_shape(module.init, jax.random.PRNGKey(0), h, jnp.zeros((1,), jnp.int32),
                            jnp.full((1,), -1, jnp.int32), jnp.zeros((1,)), z)

    def fill(path, leaf):
        names = [str(getattr(k, "key", k)) for k in path]
        if names[-1] == "bias":
            return np.zeros(leaf.shape, np.float32)
        if "policy" in names:
            return _orthogonal(rng, leaf.shape, 0.01)
        if "gru" in names and names[-2].startswith("h"):
            return _orthogonal(rng, leaf.shape, 1.0)
        return (rng.standard_normal(leaf.shape) / np.sqrt(leaf.shape[0])).astype(np.float32)

    return jax.tree_util.tree_map_with_path(fill, shapes)


def count_params(params: Any) -> int:
    """Number of scalar parameters in a pytree."""
    leaves = jax.tree_util.tree_leaves(params)
    bad = [x for x in leaves if not hasattr(x, "size")]
    if bad:
        raise ParameterError(f"params must be a pytree of arrays, found a leaf {bad[0]!r}"[:300])
    return int(sum(x.size for x in leaves))
