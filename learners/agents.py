"""Any agent in, without glue: :func:`as_policy` turns what a user brings into a player.

:func:`as_policy` accepts, in this order:

=================================  ==========================================================
what                               becomes
=================================  ==========================================================
a :class:`~solvers.simulate.Policy`  itself (JAX-traceable: ``init`` / ``coop_prob``)
a :class:`~learners.host.HostAgent`  itself
a :class:`~eqtools.strategies.MemoryOne`  a :class:`~solvers.simulate.MemoryOnePolicy`
an ``axelrod.Player`` (class or     :class:`AxelrodAgent`: its own ``strategy()`` per match,
instance), any of Axelrod's          stochastic ones with their own seeded generator
a ``torch.nn.Module``               :class:`TorchAgent` (optional extra ``eqtools[torch]``)
a ``flax.linen.Module`` + params    :class:`FlaxPolicy` (a JAX policy); the project's own
                                     :class:`~learners.networks.GRUAgent` becomes a
                                     :class:`~learners.policies.GRUPolicy`
a Python callable                   :class:`CallableAgent`
=================================  ==========================================================

Anything else raises :class:`~eqtools.errors.ParameterError` listing what is accepted.

Conventions (those of :mod:`eqtools.conventions`): actions ``0 = C`` (cooperate), ``1 = D``;
observation tokens ``0`` = start, ``1 + 2 * own + other`` after a round.

**Python callables** are called host-side, with no tracing and no x64 requirement:
``f(own, other) -> p`` per match, where ``own`` and ``other`` are read-only 1-d int8 numpy
arrays of the actions played so far in *this* match (length ``t`` in round ``t``; empty in the
first round) and ``p`` is the probability of cooperating.  ``as_policy(f, batched=True)``
declares the batched form ``f(own, other) -> p`` with ``(matches, t)`` arrays and ``(matches,)``
probabilities (one Python call per round instead of one per match and round).

**Modules** read observation tokens and return, per match, either a probability of
cooperating, the logit of cooperating, or two logits over (C, D) (``output="prob" | "logit" |
"logits"``; by default two-wide outputs are logits and one-wide outputs probabilities).  A
recurrent module carries a state, in each framework's own convention:

* torch: ``module(obs, h) -> (out, h)`` with ``h = None`` in the first round (as ``nn.GRU``);
  a feed-forward module is ``module(obs) -> out`` (``recurrent=False``; by default a ``forward``
  with two or more parameters is taken as recurrent);
* flax (linen cells): ``module.apply(params, carry, obs) -> (carry, out)`` with
  ``carry = init_carry(batch_shape)``; without ``init_carry`` the module is feed-forward,
  ``module.apply(params, obs) -> out``.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from eqtools.errors import EqtoolsError, ParameterError
from eqtools.games import Game, preset
from eqtools.strategies import MemoryOne
from solvers.simulate import MemoryOnePolicy, Policy

from .host import HostAgent

__all__ = ["as_policy", "load_agent", "CallableAgent", "AxelrodAgent", "TorchAgent", "FlaxPolicy", "axelrod_by_name", "ACCEPTED"]

#: What :func:`as_policy` accepts (quoted in its error message).
ACCEPTED: str = ("a solvers.simulate.Policy (init/coop_prob), a learners.host.HostAgent, an eqtools MemoryOne, an "
                 "axelrod.Player (class or instance), a torch.nn.Module, a flax.linen.Module with params=..., or a "
                 "Python callable f(own, other) -> P(C) of the match's history")

_OUTPUTS = ("auto", "prob", "logit", "logits")


def _check_output(output: Any) -> str:
    if output not in _OUTPUTS:
        raise ParameterError(f"output must be one of {_OUTPUTS}, got {output!r}")
    return output


def _to_prob(out: Any, output: str, xp: Any, where: str) -> Any:
    """Probabilities of cooperating from a module's output (``xp`` = numpy or jax.numpy)."""
    shape = tuple(out.shape)
    two = len(shape) >= 1 and shape[-1] == 2
    if output == "logits" or (output == "auto" and two):
        if not two:
            raise ParameterError(f"{where}: output='logits' needs two logits (C, D) in the last axis, got shape {shape}")
        z = out - xp.max(out, axis=-1, keepdims=True)
        e = xp.exp(z)
        return e[..., 0] / e.sum(axis=-1)
    if len(shape) >= 1 and shape[-1] == 1:
        out = out[..., 0]
    if output == "logit":
        return 1.0 / (1.0 + xp.exp(-out))
    return out


# ----------------------------------------------------------------------------- Python callables

class CallableAgent(HostAgent):
    """A Python function of the match's history, run host-side (see the module docstring)."""

    exposes_probabilities = True

    def __init__(self, fn: Callable[..., Any], name: str | None = None, batched: bool = False):
        if not callable(fn):
            raise ParameterError(f"agent must be callable, got {type(fn).__name__}")
        if not isinstance(batched, bool):
            raise ParameterError(f"batched must be True or False, got {batched!r}")
        if name is not None and not isinstance(name, str):
            raise ParameterError(f"name must be a string, got {name!r}")
        self.fn = fn
        self.batched = batched
        self.name = name or getattr(fn, "__name__", type(fn).__name__)

    def step(self, state: Any, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, None, Any]:
        if self.batched:
            return self.fn(own, other), None, state
        fn = self.fn
        out = np.empty(own.shape[0])
        for b in range(own.shape[0]):
            v = fn(own[b], other[b])
            out[b] = v if type(v) is float else _scalar(v, self.name, t, b)
        return out, None, state


def _scalar(v: Any, name: str, t: int, b: int) -> float:
    try:
        if isinstance(v, (str, bytes)) or v is None:
            raise TypeError
        return float(v)
    except (TypeError, ValueError):
        from eqtools.errors import InvalidProbabilityError

        raise InvalidProbabilityError(f"agent {name!r}, round {t}, match {b}: must return the probability of "
                                      f"cooperating (a number in [0, 1]), got {v!r:.80}") from None


# ----------------------------------------------------------------------------- Axelrod

def _axl():
    try:
        import axelrod as axl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EqtoolsError("Axelrod players need the optional extra: pip install 'eqtools[axelrod]'") from exc
    return axl


def axelrod_by_name(name: str) -> Any:
    """The Axelrod player class whose ``name`` (``"Tit For 2 Tats"``) or class name (``"TitFor2Tats"``)
    is ``name`` (case-insensitive); :class:`ParameterError` with close matches otherwise."""
    import difflib

    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"Axelrod player name must be a non-empty string, got {name!r}")
    axl = _axl()
    table: dict[str, Any] = {}
    for cls in axl.all_strategies:
        table.setdefault(str(cls.name).lower(), cls)
        table.setdefault(cls.__name__.lower(), cls)
    key = name.strip().lower()
    if key in table:
        return table[key]
    close = difflib.get_close_matches(key, list(table), n=6, cutoff=0.6)
    names = list(dict.fromkeys(str(table[c].name) for c in close))
    hint = f"; did you mean {', '.join(repr(c) for c in names)}?" if names else ""
    raise ParameterError(f"no Axelrod player named {name!r}{hint}")


class AxelrodAgent(HostAgent):
    """An ``axelrod.Player`` played through its own ``strategy()``, one clone per match.

    Each match gets a fresh clone with the match attributes Axelrod would give it (game,
    length, noise) and, when the player is stochastic, its own seed derived from the play seed;
    the co-player is seen through a mirror player whose history holds the co-player's actions.
    Deterministic players expose their probabilities (0 or 1); stochastic ones expose only the
    actions they sample (``exposes_probabilities = False``).  Players that inspect or manipulate
    their opponent's source or state (Axelrod's "cheaters") are refused: they need the real
    opponent object, which a vectorised co-player is not.
    """

    def __init__(self, player: Any, name: str | None = None):
        axl = _axl()
        pl = player() if isinstance(player, type) else player.clone()
        cls = axl.Classifiers
        for key in ("inspects_source", "manipulates_source", "manipulates_state"):
            if cls[key](pl):
                raise ParameterError(f"Axelrod player {pl.name!r} is classified {key!r} (it reads or changes its "
                                     "opponent), so it cannot be verified against vectorised co-players")
        self.player = pl
        self.name = name or str(pl.name)
        self.stochastic = bool(cls["stochastic"](pl))
        self.exposes_probabilities = not self.stochastic
        self._C = axl.Action.C

    def start(self, batch: int, *, seed: int, game: Game, n: int, noise: float) -> Any:
        from eqtools.interop.axelrod import axelrod_game

        axl = _axl()
        agame = axelrod_game(game)
        seeds = np.random.SeedSequence([seed, 7]).generate_state(batch)
        pairs = []
        for b in range(batch):
            me = self.player.clone()
            me.set_match_attributes(length=n, game=agame, noise=noise)
            if self.stochastic:
                me.set_seed(int(seeds[b]))
            mirror = axl.Cooperator()
            mirror.set_match_attributes(length=n, game=agame, noise=noise)
            pairs.append((me, mirror))
        return pairs

    def step(self, state: Any, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, Any]:
        axl = _axl()
        acts = (axl.Action.C, axl.Action.D)
        out = np.empty(len(state), dtype=np.int8)
        for b, (me, mirror) in enumerate(state):
            if t:
                a, o = acts[own[b, t - 1]], acts[other[b, t - 1]]
                me.update_history(a, o)
                mirror.update_history(o, a)
            out[b] = 0 if me.strategy(mirror) == self._C else 1
        return (1 - out).astype(np.float64), out, state


# ----------------------------------------------------------------------------- torch

class TorchAgent(HostAgent):
    """A ``torch.nn.Module`` run host-side, batched over matches, without gradients.

    ``module(obs, h) -> (out, h)`` when recurrent (``h = None`` first), ``module(obs) -> out``
    otherwise; ``obs`` is a ``(matches,)`` ``torch.long`` tensor of observation tokens.
    """

    exposes_probabilities = True

    def __init__(self, module: Any, name: str | None = None, output: str = "auto", recurrent: bool | None = None):
        import torch

        if not isinstance(module, torch.nn.Module):
            raise ParameterError(f"expected a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        self.output = _check_output(output)
        if recurrent is None:
            params = [p for p in inspect.signature(module.forward).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            recurrent = len(params) >= 2
        if not isinstance(recurrent, bool):
            raise ParameterError(f"recurrent must be True, False or None, got {recurrent!r}")
        self.recurrent = recurrent
        self.name = name or type(module).__name__

    def step(self, state: Any, own: np.ndarray, other: np.ndarray, t: int) -> tuple[np.ndarray, None, Any]:
        import torch

        from .host import _tokens

        device = next((p.device for p in self.module.parameters()), torch.device("cpu"))
        obs = torch.as_tensor(_tokens(own, other, t), dtype=torch.long, device=device)
        was_training = self.module.training
        self.module.eval()
        try:
            with torch.no_grad():
                if self.recurrent:
                    res = self.module(obs, state)
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise ParameterError(f"torch agent {self.name!r}: a recurrent module must return (out, h); "
                                             "pass recurrent=False for a feed-forward module")
                    out, state = res
                else:
                    out = self.module(obs)
        finally:
            self.module.train(was_training)
        if not isinstance(out, torch.Tensor):
            raise ParameterError(f"torch agent {self.name!r}: the module must return a tensor, got {type(out).__name__}")
        arr = out.detach().to(torch.float64).cpu().numpy()
        return _to_prob(arr, self.output, np, f"torch agent {self.name!r}"), None, state


# ----------------------------------------------------------------------------- flax

@dataclass(frozen=True)
class FlaxPolicy:
    """A ``flax.linen`` module as a JAX :class:`~solvers.simulate.Policy` (see the module docstring)."""

    module: Any
    params: Any
    init_carry: Callable[[tuple[int, ...]], Any] | None = None
    output: str = "auto"
    name: str = "flax"
    _where: str = field(default="", repr=False)

    def init(self, batch_shape: tuple[int, ...]) -> Any:
        return () if self.init_carry is None else self.init_carry(tuple(batch_shape))

    def coop_prob(self, carry: Any, obs: Any, t: Any) -> tuple[Any, Any]:
        import jax.numpy as jnp

        if self.init_carry is None:
            out = self.module.apply(self.params, obs)
        else:
            res = self.module.apply(self.params, carry, obs)
            if not (isinstance(res, tuple) and len(res) == 2):
                raise ParameterError(f"flax agent {self.name!r}: a recurrent module must return (carry, out)")
            carry, out = res
        p = _to_prob(jnp.asarray(out), self.output, jnp, f"flax agent {self.name!r}")
        return jnp.clip(p.astype(jnp.float64), 0.0, 1.0), carry


# ----------------------------------------------------------------------------- dispatch

def _is_torch_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_flax_module(obj: Any) -> bool:
    linen = sys.modules.get("flax.linen")
    return linen is not None and isinstance(obj, linen.Module)


def _is_axelrod(obj: Any) -> bool:
    axl = sys.modules.get("axelrod")
    if axl is None:
        return False
    return isinstance(obj, axl.Player) or (isinstance(obj, type) and issubclass(obj, axl.Player))


def as_policy(obj: Any, *, name: str | None = None, params: Any = None, init_carry: Callable | None = None,
              output: str = "auto", recurrent: bool | None = None, batched: bool = False,
              game: Game | str = "paper") -> Any:
    """Turn a user's agent into a player that :func:`learners.host.play_any`, the projection,
    the regret evaluation and the verification accept (see the module docstring).

    ``name`` labels it in reports; ``params`` and ``init_carry`` are for flax modules
    (``game`` for the project's own :class:`~learners.networks.GRUAgent`); ``output`` and
    ``recurrent`` for modules; ``batched`` for callables.
    """
    if name is not None and not isinstance(name, str):
        raise ParameterError(f"name must be a string, got {name!r}")
    _check_output(output)
    if isinstance(obj, HostAgent) or isinstance(obj, Policy):
        return obj
    if isinstance(obj, MemoryOne):
        return MemoryOnePolicy(obj.vector, name or obj.name)
    if _is_axelrod(obj):
        return AxelrodAgent(obj, name=name)
    if _is_torch_module(obj):
        return TorchAgent(obj, name=name, output=output, recurrent=recurrent)
    if _is_flax_module(obj):
        from .networks import GRUAgent
        from .policies import GRUPolicy

        if params is None:
            raise ParameterError(f"flax module {type(obj).__name__}: pass its parameters, as_policy(module, params=...)")
        if isinstance(obj, GRUAgent):
            return GRUPolicy(obj, params, preset(game), name=name or "gru")
        if init_carry is not None and not callable(init_carry):
            raise ParameterError(f"init_carry must be a function of the batch shape, got {type(init_carry).__name__}")
        return FlaxPolicy(obj, params, init_carry, output, name or type(obj).__name__)
    if isinstance(obj, (str, bytes)):
        raise ParameterError(f"as_policy got the string {obj!r}; for a named strategy use eqtools.strategies.named(...) "
                             f"or learners.agents.axelrod_by_name(...). Accepted: {ACCEPTED}")
    if callable(obj) and not isinstance(obj, type):
        return CallableAgent(obj, name=name, batched=batched)
    raise ParameterError(f"cannot use a {type(obj).__name__} as an agent. Accepted: {ACCEPTED}")


def load_agent(spec: str, **kwargs: Any) -> Any:
    """The agent named by ``spec`` = ``"module:object"`` or ``"path/to/file.py:object"`` (a dotted
    ``object`` reaches attributes), through :func:`as_policy` (``kwargs`` go to it).

    The current directory is searched for ``module`` (as ``python -m`` would).  A file is loaded
    as a fresh module named after it."""
    import importlib
    import importlib.util
    import os
    from pathlib import Path

    if not isinstance(spec, str) or spec.count(":") < 1 or not spec.rsplit(":", 1)[1] or not spec.rsplit(":", 1)[0]:
        raise ParameterError(f"agent must be given as module:object or path/to/file.py:object, got {spec!r}")
    where, attr = spec.rsplit(":", 1)
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise ParameterError(f"agent file {where!r} does not exist")
        mod_name = f"eqtools_user_agent_{path.stem}"
        sp = importlib.util.spec_from_file_location(mod_name, path)
        if sp is None or sp.loader is None:
            raise ParameterError(f"agent file {where!r} cannot be loaded as Python")
        module = importlib.util.module_from_spec(sp)
        sys.modules[mod_name] = module
        try:
            sp.loader.exec_module(module)
        except Exception as exc:
            raise ParameterError(f"agent file {where!r} failed to import: {type(exc).__name__}: {exc}") from None
    else:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise ParameterError(f"agent module {where!r} cannot be imported: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ParameterError(f"agent {spec!r}: {where!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if "name" not in kwargs and getattr(obj, "__name__", None) == "<lambda>":
        kwargs["name"] = attr
    return as_policy(obj, **kwargs)
