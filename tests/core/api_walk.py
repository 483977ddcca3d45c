"""The public-API walker (issue 22): every public callable meets hostile values.

Discovery is automatic: every function named in the ``__all__`` of the ``eqtools``, ``solvers`` and
``learners`` packages and of each of their public submodules that declares ``__all__`` (a function
re-exported under several names is walked once).  For each function the walker builds one valid
call (see *base arguments* below) and then replaces one parameter at a time with each value of
:data:`BAD_VALUES` -- wrong type, NaN, infinity, negative, zero, huge, empty, ragged, duplicated.

A case passes when the call either raises a named :class:`eqtools.errors.EqtoolsError` or returns a
result that passes the function's own invariants (:data:`INVARIANTS`, default: it returned).  A raw
``TypeError`` / ``ValueError`` / ``IndexError`` / ``MemoryError`` / ... or a call that runs past
:data:`CALL_TIMEOUT_S` seconds (a hang) fails.

Base arguments: a required parameter gets its value from :data:`CALL_BUILDERS` (an explicit,
per-function allow-list of argument builders, for functions that need special arguments) or else
from :data:`NAME_BUILDERS` (by parameter name: ``game`` -> ``"paper"``, ``gamma`` -> 0.9, ...).
Optional parameters keep their defaults.  A function whose base call cannot be built or does not
succeed is *not* skipped silently: it must be listed, with its reason, in ``api_walk_pending.txt``,
a ratchet that ``test_api_walk.py`` keeps honest (a new public function that is neither walkable
nor listed fails the test; a listed name that no longer exists fails too).

Bounded for CI: each (function, parameter) gets :data:`VALUES_PER_PARAM` values chosen by a fixed
seed from :data:`BAD_VALUES` (the wrong-type value always among them); ``EQTOOLS_API_WALK=full``
walks every value.  Run as a script it walks in its own process under an address-space limit, so
a runaway allocation fails the case instead of the machine.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import pkgutil
import random
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

PACKAGES = ("eqtools", "solvers", "learners")
CALL_TIMEOUT_S = 30.0  # generous: a real hang never answers, a loaded CI core may take 10 s for an Axelrod import
VALUES_PER_PARAM = 3
SEED = 22
PENDING_FILE = Path(__file__).with_name("api_walk_pending.txt")

#: (label, value) pairs fed to every parameter.
BAD_VALUES: list[tuple[str, Any]] = [
    ("wrong type", "x"),
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("negative", -1),
    ("zero", 0),
    ("huge", 10**18),
    ("empty", []),
    ("ragged", [[1.0, 2.0], [3.0]]),
    ("duplicated", ["TFT", "TFT"]),
]


def _tft():
    import numpy as np

    return np.array([1.0, 1.0, 0.0, 1.0, 0.0])


def _alld():
    import numpy as np

    return np.zeros(5)


def _pool():
    from eqtools import named

    return [named("TFT"), named("ALLD"), named("WSLS")]


def _matrix():
    import numpy as np

    return np.array([[3.0, 0.0], [5.0, 1.0]])


#: Base value of a required parameter, by name (used unless CALL_BUILDERS names the function).
NAME_BUILDERS: dict[str, Callable[[], Any]] = {
    "game": lambda: "paper",
    "x": _tft, "y": _alld, "p": _tft, "q": _alld, "coplayer": _tft, "strategy": _tft,
    "strategies": _pool,
    "gamma": lambda: 0.9,
    "n": lambda: 5,
    "N": lambda: 10,
    "noise": lambda: 0.0,
    "M": _matrix, "matrix": _matrix,
    "a_rr": lambda: 3.0, "a_rm": lambda: 0.0, "a_mr": lambda: 5.0, "a_mm": lambda: 1.0,
    "chi": lambda: 2.0,
    "beta": lambda: 1.0,
    "horizon": lambda: 5,
}

#: Explicit argument builders for functions that need special arguments: qualified name ->
#: ``() -> (args, kwargs)``.  Every entry is walked (its parameters are fuzzed like any other).
CALL_BUILDERS: dict[str, Callable[[], tuple[tuple, dict]]] = {
    "solvers.evolution.finite.stationary_distribution": lambda: ((_matrix(),), {"N": 10}),
    "solvers.evolution.finite.fixation_probability": lambda: ((3.0, 0.0, 5.0, 1.0, 10), {}),
    "solvers.evolution.finite.meta_game": lambda: ((_pool(), "paper"), {"gamma": 0.9}),
    "solvers.evolution.finite.simulate_fixation": lambda: ((3.0, 0.0, 5.0, 1.0, 5), {"runs": 20}),
    "solvers.best_response.best_response": lambda: ((_tft(), "paper"), {"gamma": 0.9}),
    "solvers.best_response.exploitability": lambda: ((_tft(), _alld(), "paper"), {"gamma": 0.9}),
    "solvers.equilibria.nash_check": lambda: ((_tft(), _alld(), "paper"), {"gamma": 0.9}),
    "solvers.payoffs.payoff_matrix": lambda: ((_pool(), _pool(), "paper"), {"gamma": 0.9}),
}

def _tmp(name: str) -> str:
    import tempfile

    return str(Path(tempfile.gettempdir()) / f"eqtools_api_walk_{os.getpid()}_{name}")


def _pickle_file() -> str:
    import pickle

    path = _tmp("run.pkl")
    with open(path, "wb") as fh:
        pickle.dump({"iteration": 3, "params": {"w": [1.0, 2.0]}}, fh)
    return path


def _schema():
    from learners.checkpoint import Schema

    return Schema("run file", ("iteration", "params"), counters=("iteration",), params=("params",))


CALL_BUILDERS.update({
    "eqtools.io.check_plot_path": lambda: ((_tmp("plot.png"),), {}),
    "learners.checkpoint.read_run_file": lambda: ((_pickle_file(), _schema()), {}),
    "learners.checkpoint.check_params": lambda: ((_tmp("run.pkl"), {"w": [1.0, 2.0]}), {"what": "run file"}),
    "learners.checkpoint.check_counter": lambda: ((_tmp("run.pkl"), 3), {"what": "run file", "key": "iteration"}),
    "learners.checkpoint.write_run_file": lambda: ((_tmp("written.pkl"), {"iteration": 3}), {}),
    "learners.checkpoint.require_finite": lambda: (({"loss": 1.0}, {"w": [1.0, 2.0]}), {"where": "phase 1", "checkpoint": None}),
})


def _key():
    import jax

    return jax.random.PRNGKey(0)


def _tft_policy():
    from eqtools import named

    return named("TFT")


def _m1_policy():
    from solvers.simulate import MemoryOnePolicy

    return MemoryOnePolicy(_tft())


def _m1_policy_alld():
    from solvers.simulate import MemoryOnePolicy

    return MemoryOnePolicy(_alld())


def _graph():
    import networkx as nx

    g = nx.DiGraph()
    g.add_edges_from([("TFT", "ALLD"), ("ALLD", "WSLS"), ("WSLS", "ALLD")])
    return g


def _paper():
    from eqtools.games import preset

    return preset("paper")


def _tournament_ds():
    """A small exact tournament (TFT, ALLD, WSLS on "paper", gamma 0.9), built once per process."""
    global _TOURNAMENT
    if _TOURNAMENT is None:
        from solvers.tournament import tournament

        _TOURNAMENT = tournament(_pool(), game="paper", gamma=0.9)
    return _TOURNAMENT.copy(deep=True)


_TOURNAMENT = None


def _tournament_file() -> str:
    from eqtools.tournament import save_tournament

    path = _tmp("tournament.nc")
    save_tournament(_tournament_ds(), path)
    return path


_PATHS = iter(range(10**9))


def _out_path(name: str) -> Callable[[], str]:
    """A fresh output path per call (a function that makes a directory must not block the next)."""
    return lambda: _tmp(f"{next(_PATHS)}_{name}")


@dataclass
class _Config:
    """A validated-style config dataclass for ``validate_fields``."""
    rate: float = 0.5
    steps: int = 3


# Generic builders by parameter name (issue 22: cover many functions at once).
NAME_BUILDERS.update({
    "path": _out_path("out.json"),         # an output path in the temporary directory
    "spec": lambda: "TFT",                 # a strategy / agent spec
    "specs": lambda: ["TFT", "ALLD"],
    "obj": lambda: {"a": 1.0, "b": [1, 2]},
    "ds": _tournament_ds,                  # a tournament dataset
    "value": lambda: 0.5,
    "hint": lambda: float,
    "label": lambda: 0,
    "params": _tft,
    "vector": _tft,
    "a": lambda: "C",
    "name": lambda: "rate",                # a field name in messages
    "what": lambda: "walk",
    "k": lambda: 2,
    "fn": lambda: _tft,
    "key": _key,
    "policy": _tft_policy, "policy_x": _tft_policy, "policy_y": _tft_policy,
    "coplayers": lambda: ["TFT", "ALLD"],
    "initial": _tft,
    "window": lambda: 3,
    "weight": lambda: 0.5,
    "alpha": lambda: 1.0,
    "step": lambda: 1,
    "n_seeds": lambda: 1,
    "n_pair": lambda: 2,
    "coop": lambda: _tft()[:4],
    "policies": lambda: _tft()[None, :].repeat(2, axis=0),
    "field_name": lambda: "n", "nbytes": lambda: 8.0,
    "betas": lambda: [0.5, 1.0],
    "tabular": lambda: "uniform",
    "text": lambda: None,
    "G": _graph,
})

CALL_BUILDERS.update({
    "eqtools.games.preset": lambda: (("paper",), {}),
    "eqtools.strategies.named": lambda: (("TFT",), {}),
    "eqtools.validation.check_value": lambda: (("rate", float, 0.5), {}),
    "eqtools.io.load_pickle": lambda: ((_pickle_file(),), {}),
    "eqtools.io.read_netcdf": lambda: ((_tournament_file(),), {}),
    "eqtools.tournament.load_tournament": lambda: ((_tournament_file(),), {}),
    "eqtools.tournament.open_tournament": lambda: ((_tournament_file(),), {}),
    "eqtools.tournament.save_tournament": lambda: ((_tournament_ds(), _tmp("saved.nc")), {}),
    "eqtools.io.write_netcdf": lambda: ((_tournament_ds(), _tmp("written.nc")), {}),
    "eqtools.tournament.plot_tournament": lambda: ((_tournament_ds(),), {"path": _tmp("t.png")}),
    "eqtools.tournament_report.write_csv": lambda: ((_tournament_ds(), _tmp("t.csv")), {}),
    "eqtools.strategies.equalizer": lambda: (("paper", 0.5), {}),
    "eqtools.validation.validate_fields": lambda: ((_Config(),), {}),
    "eqtools.validation.positive_int": lambda: (("steps", 3), {}),
    "eqtools.validation.sample_count": lambda: (("steps", 3), {}),
    "eqtools.validation.seed": lambda: (("seed", 3), {}),
    "eqtools.validation.bounded_int": lambda: (("n", 3, 10), {}),
    "eqtools.validation.instance_of": lambda: (("n", 3, int), {}),
    "eqtools.validation.int_tuple": lambda: (("shape", (2, 3)), {}),
    "eqtools.validation.path_like": lambda: (("path", "a.txt"), {}),
    "eqtools.validation.dir_path": lambda: (("out_dir", _tmp("a_dir")), {}),
    "eqtools.validation.prng_key": lambda: (("key", _key()), {}),
    # smaller than the defaults so the walk stays in the CI budget (each fuzzed parameter still varies)
    "learners.regret.uniform_br_mean": lambda: ((), {"draws": 1000, "n": 20}),
    "learners.regret.default_panel": lambda: ((), {"heldout": None}),
    "solvers.predictive.reference_data": lambda: ((), {"n_pairs": 256, "episode_length": 20}),
    "solvers.predictive.solve_fixed_points": lambda: (("paper", 1.0), {"starts": [_tft()], "max_iter": 200}),
    "eqtools.interop.axelrod_convert.find_axelrod": lambda: (("Tit For Tat",), {}),
    "learners.agents.axelrod_by_name": lambda: (("Tit For Tat",), {}),
    "learners.ppi.config.preset_config": lambda: (("smoke",), {}),
    "learners.a2c.config.preset_config": lambda: (("smoke",), {}),
    "learners.bayes.policy.from_spec": lambda: (("ce",), {}),
    "learners.coplayers.fixed_icl_policy": lambda: (("bayes",), {"horizon": 5}),
    "learners.coplayers.normalise_fixed_icl": lambda: (("bayes",), {}),
    "learners.coplayers.prior_from_spec": lambda: (("uniform",), {}),
    "learners.coplayers.family_prior": lambda: (("recip", 0.3), {}),
    "learners.pool.prior_arrays": lambda: (("uniform",), {}),
    "learners.shaping.runner.parse_learners": lambda: (("lola,naive",), {}),
    "learners.mixture.simulate_library_log": lambda: ((["TFT", "ALLD"], ["TFT", "WSLS"]), {"rounds": 5}),
    "solvers.zd.enforced_relation_error": lambda: ((_tft(), "paper", _tft()[None, :]), {}),
    "solvers.evolution.adaptive.adaptive_dynamics": lambda: ((_tft() * 0.8 + 0.1, "paper"), {"gamma": 0.9, "t_max": 1.0}),
    "solvers.mixed_tournament.entrant": lambda: ((_tft_policy(), _paper()), {}),
    "solvers.simulate.play": lambda: ((_m1_policy(), _m1_policy_alld(), "paper"), {"n": 5, "matches": 4}),
    "solvers.simulate.simulate": lambda: ((_m1_policy(), _m1_policy_alld(), "paper"), {"n": 5, "matches": 4}),
    "learners.host.play_any": lambda: ((_m1_policy(), _m1_policy_alld(), "paper"), {"n": 5, "matches": 4}),
    "learners.host.simulate_any": lambda: ((_m1_policy(), _m1_policy_alld(), "paper"), {"n": 5, "matches": 4}),
    "eqtools.strategies.library": lambda: (("paper",), {}),
    "solvers.best_response.criterion_kwargs": lambda: ((), {"gamma": 0.9}),
    "solvers.bimatrix.coerce.as_bimatrix": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.crosscheck.cross_check": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.enumeration.estimate_enumeration_cost": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.enumeration.extreme_equilibria": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.sampler.sample_equilibria": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.verify.is_equilibrium": lambda: (((_matrix(), _matrix().T), [0.0, 1.0], [0.0, 1.0]), {}),
    "solvers.bimatrix.verify.verify_equilibrium": lambda: (((_matrix(), _matrix().T), [0.0, 1.0], [0.0, 1.0]), {}),
    "solvers.bimatrix.ess.ess_check": lambda: ((_matrix(), [0.0, 1.0]), {}),
    "solvers.bimatrix.response_graph.response_graph": lambda: ((_matrix(),), {}),
    "solvers.bimatrix.response_graph.tournament_matrix": lambda: ((_pool(), "paper"), {"gamma": 0.9}),
    "solvers.equilibria.cooperative_nash": lambda: (("paper",), {"gamma": 0.9}),
    "solvers.equilibria.pure_equilibria": lambda: (("paper",), {"gamma": 0.9}),
    "solvers.evolution.adaptive.selection_gradient": lambda: ((_tft() * 0.8 + 0.1, "paper"), {"gamma": 0.9}),
    "solvers.finite_state.as_machine": lambda: ((_tft_policy(),), {}),
    "solvers.finite_state.discounted": lambda: ((_tft_policy(), _tft_policy(), "paper", 0.9), {}),
    "solvers.finite_state.finite_horizon": lambda: ((_tft_policy(), _tft_policy(), "paper", 5), {}),
    "solvers.finite_state.limit_of_means": lambda: ((_tft_policy(), _tft_policy(), "paper"), {}),
    "solvers.finite_state.pair_result": lambda: ((_tft_policy(), _tft_policy(), "paper"), {"gamma": 0.9}),
    "solvers.finite_state.product_chain": lambda: ((_tft_policy(), _tft_policy()), {}),
    "solvers.finite_state.simulate_machines": lambda: ((_tft_policy(), _tft_policy(), "paper"), {"n": 5, "matches": 4}),
    "solvers.bimatrix.meta_game.meta_game_equilibria": lambda: (((_matrix(), _matrix().T),), {}),
    "solvers.bimatrix.lemke_howson.lemke_howson": lambda: (((_matrix(), _matrix().T), 0), {}),
})


def _chain():
    import numpy as np

    return np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])


def _v0():
    import numpy as np

    return np.array([1.0, 0.0, 0.0])


def _bimatrix_nash():
    from solvers.bimatrix.meta_game import meta_game_equilibria

    return meta_game_equilibria((_matrix(), _matrix().T))


def _evolution_config():
    from solvers.evolution.continuous import EvolutionConfig

    return EvolutionConfig(N=10, steps=4, runs=2, record_every=2)


def _evolution_ds():
    """A tiny run of the continuous evolution (2 runs x 4 steps), built once per process."""
    global _EVOLUTION
    if _EVOLUTION is None:
        from solvers.evolution.continuous import evolve

        _EVOLUTION = evolve(_evolution_config())
    return _EVOLUTION.copy(deep=True)


_EVOLUTION = None


def _entrants():
    from solvers.mixed_tournament import entrants

    return entrants([_tft_policy(), _tft_policy().__class__(0.0, (0.0, 0.0, 0.0, 0.0), name="ALLD")], _paper())


def _fill_cells_args():
    import numpy as np

    R = _entrants()
    keys = ("payoff_row", "payoff_col", "coop_row", "coop_col")
    vals = {k: np.zeros((2, 2)) for k in keys}
    ses = {k: np.zeros((2, 2)) for k in keys}
    return (R, R, vals, ses, np.zeros((2, 2), dtype=bool), _paper()), {"gamma": 0.9, "matches": 8, "progress": False}


def _make_tournament_args():
    import numpy as np

    names = ["TFT", "ALLD"]
    vals = {k: np.zeros((2, 2)) for k in ("payoff_row", "payoff_col", "coop_row", "coop_col")}
    return (names, names, vals), {"game": _paper(), "criterion": "discounted"}


CALL_BUILDERS.update({
    "eqtools.strategies.zd_strategy": lambda: (("paper", 0.1, -0.1, 0.0), {}),  # TFT: p~ = 0.1 (S_X - S_Y)
    "eqtools.tournament.make_tournament": _make_tournament_args,
    "solvers.markov.chain_discounted": lambda: ((_chain(), _v0(), 0.9), {}),
    "solvers.markov.chain_finite": lambda: ((_chain(), _v0(), 5), {}),
    "solvers.markov.chain_limit": lambda: ((_chain(), _v0()), {}),
    "solvers.payoffs.visit_quantities": lambda: ((_tft()[1:] / 2.0, _paper()), {}),
    "solvers.payoffs.payoff_matrix": lambda: ((_tft()[None, :], _alld()[None, :], "paper"), {"gamma": 0.9}),
    "solvers.finite_state.payoff_matrix": lambda: (([_tft_policy()], None, "paper"), {"gamma": 0.9}),
    "solvers.tournament.tournament": lambda: ((_pool(),), {"gamma": 0.9}),
    "solvers.equilibria.search_equilibria": lambda: (("paper",), {"gamma": 0.9, "candidates": _pool()}),
    "solvers.bimatrix.sampler.group_components": lambda: (([_v0()[:2]], [_v0()[:2]]), {}),
    "solvers.chunked.payoff_matrix_chunked": lambda: ((_tft()[None, :], _alld()[None, :], _paper(), {"gamma": 0.9},
                                                         0.0, 1), {}),
    "solvers.estimated_meta_game.robustness": lambda: ((_bimatrix_nash(), _matrix(), _matrix() * 0.01), {"draws": 10}),
    "solvers.estimated_meta_game.support_equilibrium_exists": lambda: ((_matrix(), _matrix().T, [1], [1]), {}),
    "solvers.evolution.continuous.evolve": lambda: ((_evolution_config(),), {}),
    "solvers.evolution.finite.check_process": lambda: (("fermi", 1.0), {}),
    "solvers.evolution.plots.plot_evolution": lambda: ((_evolution_ds(), _tmp("evo.png")), {}),
    "solvers.evolution.plots.plot_stationary": lambda: (([0.1, 1.0], {"TFT": [0.4, 0.6]}, _tmp("st.png")),
                                                        {"xlabel": "beta"}),
    "solvers.mixed_tournament.entrants": lambda: (([_tft_policy()], _paper()), {}),
    "solvers.mixed_tournament.fill_cells": _fill_cells_args,
})

from api_walk_learners import BUILDERS as _LEARNER_BUILDERS, SLOW  # noqa: E402 - tiny runs, configs, priors, logs

CALL_BUILDERS.update(_LEARNER_BUILDERS)

#: Per-function invariants of a returned result: qualified name -> predicate(result, kwargs).
INVARIANTS: dict[str, Callable[[Any, dict], bool]] = {}


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):  # pragma: no cover - signal handler
    raise _Timeout()


def discover(packages: tuple[str, ...] = PACKAGES) -> dict[str, Callable]:
    """Qualified name -> function for every public function (``__all__``), each object once."""
    found: dict[str, Callable] = {}
    seen: set[int] = set()
    for pkg in packages:
        root = importlib.import_module(pkg)
        names = [pkg] + sorted(m.name for m in pkgutil.walk_packages(root.__path__, pkg + ".")
                               if not any(part.startswith("_") for part in m.name.split(".")) and ".cli" not in m.name)
        for modname in names:
            mod = importlib.import_module(modname)
            for attr in getattr(mod, "__all__", ()):
                fn = getattr(mod, attr, None)
                if not inspect.isfunction(fn) or id(fn) in seen:
                    continue
                seen.add(id(fn))
                found[f"{getattr(fn, '__module__', modname)}.{fn.__qualname__}"] = fn
    return found


def base_call(qualname: str, fn: Callable) -> tuple[tuple, dict] | str:
    """(args, kwargs) of one valid call, or the reason there is none."""
    if qualname in CALL_BUILDERS:
        return CALL_BUILDERS[qualname]()
    kwargs: dict[str, Any] = {}
    args: list[Any] = []
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty:
            continue
        if name not in NAME_BUILDERS:
            return f"no builder for required parameter {name!r}"
        if p.kind == p.POSITIONAL_ONLY:
            args.append(NAME_BUILDERS[name]())
        else:
            kwargs[name] = NAME_BUILDERS[name]()
    return tuple(args), kwargs


@dataclass
class Outcome:
    ok: bool
    what: str


def call_once(fn: Callable, args: tuple, kwargs: dict, qualname: str = "", timeout: float | None = None) -> Outcome:
    """Run one call under the policy: named error or invariant-passing result, within ``timeout``
    seconds (default :data:`CALL_TIMEOUT_S`)."""
    from eqtools.errors import EqtoolsError

    timeout = CALL_TIMEOUT_S if timeout is None else timeout
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        res = fn(*args, **kwargs)
    except _Timeout:
        return Outcome(False, f"no answer within {timeout:g} s (a hang)")
    except EqtoolsError as exc:
        return Outcome(True, f"{type(exc).__name__}: {str(exc)[:120]}")
    except BaseException as exc:  # noqa: BLE001 - any other escape is the defect under test
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome(False, f"raw {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    inv = INVARIANTS.get(qualname)
    if inv is not None and not inv(res, kwargs):
        return Outcome(False, "returned a result that fails the function's invariants")
    return Outcome(True, "returned")


def cases_for(qualname: str, fn: Callable, full: bool = False) -> list[tuple[str, str, Any]]:
    """(parameter, label, value) cases for ``fn``: every parameter, sampled values (fixed seed)."""
    out = []
    rng = random.Random(f"{SEED}:{qualname}")
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        vals = BAD_VALUES if full else [BAD_VALUES[0]] + rng.sample(BAD_VALUES[1:], VALUES_PER_PARAM - 1)
        out.extend((name, label, v) for label, v in vals)
    return out


def walk_function(qualname: str, fn: Callable, full: bool = False) -> tuple[str | None, list[str]]:
    """(reason the function is not walkable or None, failures) for one function."""
    base = base_call(qualname, fn)
    if isinstance(base, str):
        return base, []
    args, kwargs = base
    first = call_once(fn, args, kwargs, qualname)
    if not first.ok or first.what != "returned":
        return f"base call did not return: {first.what}", []
    sig = inspect.signature(fn)
    names = list(sig.parameters)
    failures = []
    for pname, label, value in cases_for(qualname, fn, full):
        a, kw = list(args), dict(kwargs)
        idx = names.index(pname)
        if idx < len(a):
            a[idx] = value
        else:
            kw[pname] = value
        res = call_once(fn, tuple(a), kw, qualname)
        if not res.ok:
            failures.append(f"{qualname}({pname}={label}: {value!r}) -> {res.what}")
    return None, failures


def read_pending() -> dict[str, str]:
    out = {}
    for line in PENDING_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def walk(names: list[str] | None = None, full: bool = False, progress: Path | None = None,
         tier: str = "all") -> dict[str, Any]:
    """Walk the discovered functions (all but the pending ones, or just ``names``).

    ``tier``: ``"fast"`` leaves out the functions in :data:`SLOW` (those that need a trained run or
    train one: the CI-minute walk), ``"slow"`` walks only those, ``"all"`` both."""
    found = discover()
    pending = read_pending()
    todo = names if names is not None else [q for q in sorted(found) if q not in pending]
    if tier == "fast":
        todo = [q for q in todo if q not in SLOW]
    elif tier == "slow":
        todo = [q for q in todo if q in SLOW]
    try:  # Axelrod's import takes 10-40 s on a loaded core: paid here, outside every per-call limit
        import api_walk_learners

        api_walk_learners.axelrod()
    except ImportError:  # pragma: no cover - the axelrod extra is not installed
        pass
    report: dict[str, Any] = {"walked": [], "not_walkable": {}, "failures": [], "cases": 0,
                              "discovered": sorted(found)}
    for q in todo:
        if progress is not None:
            progress.write_text(q)
        t0 = time.perf_counter()
        reason, fails = walk_function(q, found[q], full)
        if reason is not None:
            report["not_walkable"][q] = reason
            continue
        report["walked"].append(q)
        report["cases"] += len(cases_for(q, found[q], full))
        report["failures"].extend(fails)
        report.setdefault("seconds", {})[q] = round(time.perf_counter() - t0, 3)
    return report


def main(argv: list[str]) -> int:
    import resource

    limit = 8 * 2**30  # a runaway allocation fails its case (MemoryError) instead of the machine
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out = Path(argv[0])
    names = argv[1:] or None
    full = os.environ.get("EQTOOLS_API_WALK") == "full"
    tier = os.environ.get("EQTOOLS_API_WALK_TIER", "all")
    report = walk(names, full=full, progress=out.with_suffix(".progress"), tier=tier)
    out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
