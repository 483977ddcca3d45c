"""Argument builders of the API walker (``api_walk.py``) for the ``learners`` package and the Axelrod
interop: tiny configs, a tiny trained A2C run directory and a saved PPI agent (each written once per
walk into a temporary directory and cached), Bayes priors and count spaces, play logs, regret
reports and verification reports.  Everything is the smallest valid object, so the whole walk stays
within the CI budget (``test_api_walk.py``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

_DIR = Path(tempfile.gettempdir()) / f"eqtools_api_walk_{os.getpid()}_learners"
_COUNTER = iter(range(10**9))


def fresh(name: str) -> str:
    """A new path in the walk's temporary directory (a function that writes must not block the next)."""
    _DIR.mkdir(parents=True, exist_ok=True)
    return str(_DIR / f"{next(_COUNTER)}_{name}")


once = functools.cache


def _tft():
    import numpy as np

    return np.array([1.0, 1.0, 0.0, 1.0, 0.0])


def _policy(name: str):
    from learners.agents import as_policy

    return as_policy(_named(name))


def _named(name: str):
    from eqtools import named

    return named(name)


@once
def axelrod():
    """Import Axelrod once, outside any per-call time limit (10-40 s on a loaded core)."""
    import axelrod as axl

    return axl


@once
def agent_file() -> str:
    """A user's agent file (``load_agent("path/agent.py:TFT")``)."""
    path = fresh("agent.py")
    Path(path).write_text('from eqtools import named\nTFT = named("TFT")\n')
    return path


def machine():
    from solvers.finite_state import as_machine

    return as_machine(_named("TFT"))


def axl_tft():
    return axelrod().TitForTat()


# ------------------------------------------------------------------ A2C

def a2c_config():
    from learners.train_a2c import preset_config

    return preset_config("smoke", horizon=4, iterations=2, batch=4, hidden=4, embed=4, seeds=1, eval_every=2,
                         eval_episodes=2, checkpoint_every=2, log_every=1)


@once
def a2c_trainer():
    """A tiny trained A2C run (2 iterations) and its directory, written once."""
    from learners.train_a2c import train

    return train(a2c_config(), fresh("a2c_run"), progress=False)


def a2c_run() -> str:
    return str(a2c_trainer().out_dir)


@once
def a2c_mechanism():
    """The three mechanism steps of the tiny A2C config (2 iterations each), run once."""
    from learners.a2c_mechanism import run_mechanism

    return run_mechanism(a2c_config(), fresh("a2c_mech"), (2, 2, 2), progress=False)


@once
def gru_policy():
    """An untrained GRU policy (numpy initialisation: no training, no compilation)."""
    from learners.networks import init_agent_params_np
    from learners.policies import GRUPolicy

    return GRUPolicy(gru_module(), init_agent_params_np(gru_module(), 0), "paper")


def gru_module():
    from learners.train_a2c import agent_module

    return agent_module(a2c_config())


# ------------------------------------------------------------------ PPI

def ppi_config():
    from learners.ppi.config import preset_config

    return preset_config("smoke", horizon=4, hidden=4, embed=4, pretrain_games=4, episodes=4, phases=1, eval_episodes=2,
                         n_rollouts=1, rollout_horizon=2, epochs=1, batch_size=4)


def ppi_module():
    from learners.ppi.model import SequenceModel

    return SequenceModel(hidden=4, embed=4, reward_input_scale=2.0)


@once
def ppi_params():
    import jax

    from learners.ppi.model import init_model

    return init_model(ppi_module(), jax.random.PRNGKey(0))


def ppi_spec():
    from learners.ppi.play import ImprovementSpec

    return ImprovementSpec(0.0, 1, 2)


@once
def ppi_agent_file() -> str:
    from learners.ppi.train import PPIAgent

    path = fresh("ppi_agent.pkl")
    PPIAgent(hidden=4, embed=4, reward_input_scale=2.0, params=ppi_params(), spec=ppi_spec(), game="paper", horizon=4,
             name="ppi0").save(path)
    return path


@once
def ppi_policy():
    from learners.runs import load_ppi_agent

    return load_ppi_agent(ppi_agent_file())[0]


@once
def ppi_mechanism():
    """The three PPI mechanism steps of the tiny PPI config (one phase each), run once."""
    from learners.ppi.mechanism import run_mechanism

    return run_mechanism(ppi_config(), fresh("ppi_mech"), (1, 1, 1), progress=False)


def ppi_view(step: str):
    return ppi_mechanism()[step].per_seed[0]


# ------------------------------------------------------------------ Bayes

def beta_prior():
    from learners.bayes.prior import BetaPrior

    return BetaPrior.uniform()


@once
def count_space():
    from learners.bayes.dp import count_space as cs

    return cs(beta_prior(), 3)


@once
def bayes_dp():
    from learners.bayes.dp import solve

    return solve(count_space())


def counts():
    import numpy as np

    return np.zeros((5, 2))


# ------------------------------------------------------------------ logs, reports

@once
def play_log():
    from learners.mixture import simulate_library_log

    return simulate_library_log(["TFT", "ALLD"], _tft(), rounds=6, seed=0)


@once
def m1_estimate():
    from learners.inference import memory_one_posterior

    return memory_one_posterior(play_log())


@once
def trajectories():
    from solvers.simulate import play

    return play(_policy("TFT"), _policy("ALLD"), "paper", n=4, matches=2)


def shaping_config(learners: str, **over: Any):
    from learners.shaping.runner import make_config

    return make_config(learners, **over)


@once
def shaping_result():
    from learners.shaping.runner import run_pair

    return run_pair(shaping_config("lola,naive", runs=2, steps=3))


def tiny_panel():
    from learners.regret import default_panel

    return default_panel(random=2, heldout=None, reciprocators=0, library_names=("TFT", "ALLD"))


@once
def regret_report():
    from learners.regret import evaluate_regret

    return evaluate_regret(_named("TFT"), tiny_panel(), n=4, matches=2)


@once
def verification():
    from learners.verification import verify_agents

    return verify_agents([_named("TFT")], n=4, matches=4)


def lazy(fn: Callable[[], Any]) -> Callable[[], Any]:
    fn._lazy = True  # type: ignore[attr-defined]
    return fn


def call(*args: Any, **kwargs: Any) -> Callable[[], tuple[tuple, dict]]:
    """A builder: positional and keyword arguments, each a value or a :func:`lazy` factory."""
    def build() -> tuple[tuple, dict]:
        ev = lambda v: v() if getattr(v, "_lazy", False) else v  # noqa: E731
        return tuple(ev(a) for a in args), {k: ev(v) for k, v in kwargs.items()}
    return build


L = lazy
BUILDERS: dict[str, Callable[[], tuple[tuple, dict]]] = {
    # Axelrod interop (Axelrod imported by the builder, outside the per-call limit)
    "eqtools.interop.axelrod.axelrod_game": call(L(lambda: (axelrod(), "paper")[1])),
    "eqtools.interop.axelrod.axelrod_player": call(L(lambda: (axelrod(), _named("TFT"))[1])),
    "eqtools.interop.axelrod.axelrod_player_class": call(L(lambda: (axelrod(), _named("TFT"))[1])),
    "eqtools.interop.axelrod.from_axelrod": call(L(axl_tft)),
    "eqtools.interop.axelrod_convert.axelrod_names": lambda: (axelrod(), ((), {}))[1],
    "eqtools.interop.axelrod_convert.classify_axelrod": call(L(axl_tft), "paper", length=10),
    "eqtools.interop.axelrod_convert.find_axelrod": call(L(lambda: (axelrod(), "Tit For Tat")[1])),
    "eqtools.interop.axelrod_convert.machine_player_class": call(L(lambda: (axelrod(), machine())[1])),
    "learners.agents.axelrod_by_name": call(L(lambda: (axelrod(), "Tit For Tat")[1])),
    "learners.interop.axelrod_agents.axelrod_agent_class": call(L(lambda: (axelrod(), gru_policy())[1])),
    "solvers.axelrod_play.as_axelrod_player": call(L(axl_tft)),
    "solvers.axelrod_play.play_axelrod_pair": call(L(axl_tft), L(axl_tft), "paper", n=5, matches=2),
    # A2C
    "learners.a2c.loss.make_optimizer": call(L(lambda: a2c_config().hyper)),
    "learners.a2c.core.agent_module": call(L(a2c_config)),
    "learners.a2c.checkpoint.checkpoint_params": call(L(a2c_run)),
    "learners.a2c.checkpoint.load_checkpoint_state": call(L(a2c_run)),
    "learners.a2c.checkpoint.extract_seeds": call(L(a2c_run), L(lambda: fresh("extracted")), [0]),
    "learners.a2c.trainer.train": call(L(a2c_config), L(lambda: fresh("trained")), progress=False),
    "learners.runs.load_a2c_agent": call(L(a2c_run)),
    "learners.runs.load_a2c_pair": call(L(a2c_run)),
    "learners.runs.load_ppi_agent": call(L(ppi_agent_file)),
    "learners.runs.load_ppi_agents": call(L(lambda: [ppi_agent_file()])),
    "learners.runs.sharpened": call(L(gru_policy), 0.5),
    "learners.networks.init_agent_params_np": call(L(gru_module), 0),
    # PPI
    "learners.ppi.fit.make_optimizer": call(L(ppi_config)),
    "learners.ppi.model.init_model": call(L(ppi_module), L(lambda: __import__("jax").random.PRNGKey(0))),
    "learners.ppi.model.check_z": call(L(ppi_module), None, 2),
    # Bayes
    "learners.bayes.prior.as_mixture": call(L(beta_prior)),
    "learners.bayes.prior.posterior": call(L(beta_prior), L(counts)),
    "learners.bayes.prior.counts_from_history": call([0, 1, 0], [1, 1, 0]),
    "learners.bayes.dp.count_space": call(L(beta_prior), 3),
    "learners.bayes.dp.estimate_bytes": call(3, False),
    "learners.bayes.dp.solve": call(L(count_space)),
    "learners.bayes.dp.evaluate": call(L(bayes_dp)),
    "learners.bayes.dp.policy_tables": call(L(count_space), L(lambda: __import__("learners.bayes.policy", fromlist=["x"])
                                                              .from_spec("ce", horizon=3))),
    # logs and inference
    "learners.mixture.simulate_library_log": call(["TFT", "ALLD"], L(_tft), rounds=5),
    "learners.mixture.estimate_mixture": call(L(play_log), bootstrap=4),
    "learners.mixture.prescribed_actions": call(L(play_log)),
    "learners.inference.context_codes": call(L(play_log), 1),
    "learners.inference.memory_one_posterior": call(L(play_log)),
    "learners.inference.select_memory": call(L(play_log), (0, 1)),
    "learners.inference.verify_log": call(L(play_log), bootstrap=4, zd_draws=20, orders=(0, 1)),
    "learners.inference.zd_posterior": call(L(m1_estimate), draws=20),
    "learners.recorded.check_log": call(L(play_log)),
    "learners.recorded.read_log": call({"match": ["a", "a"], "round": [0, 1], "own": [0, 1], "other": [1, 1]}, cooperate=0),
    # regret and verification
    "learners.regret.evaluate_regret": call(L(lambda: _named("TFT")), L(tiny_panel), n=4, matches=2),
    "learners.regret.excess_regret": call(L(regret_report), L(regret_report)),
    "learners.regret.heldout_group": call(["TFT", "ALLD"]),
    "learners.regret.markdown": call(L(lambda: [regret_report()])),
    "learners.regret.markdown_excess": call(L(lambda: [regret_report()]), L(regret_report)),
    "learners.regret.plot_regret": call(L(lambda: [regret_report()]), L(lambda: fresh("regret.png"))),
    "learners.projection.project": call(L(lambda: _named("TFT")), n=4, matches=4),
    "learners.verification.verify_agents": call(L(lambda: [_named("TFT")]), n=4, matches=4),
    "learners.verification.markdown": call(L(verification)),
    "learners.verification.summary_dict": call(L(verification)),
    "learners.verification.plot": call(L(verification), L(lambda: fresh("verify.png"))),
    "learners.verification.write_report": call(L(verification), L(lambda: fresh("report"))),
    "learners.verification.predictive_gap": call(L(ppi_policy), L(lambda: _policy("ALLD")), "paper", n=4, matches=2, seed=0),
    "learners.verification.target_check": call(L(regret_report)),
    # co-players and agents
    "learners.coplayers.check_coplayer": call(L(lambda: __import__("learners.agents", fromlist=["as_policy"])
                                                .as_policy(_named("TFT")))),
    "learners.agents.as_policy": call(L(lambda: _named("TFT"))),
    "learners.agents.load_agent": call(L(lambda: agent_file() + ":TFT")),
    "learners.host.host_play": call(L(lambda: __import__("learners.agents", fromlist=["as_policy"]).as_policy(_named("TFT"))),
                                    L(lambda: __import__("learners.agents", fromlist=["as_policy"]).as_policy(_named("ALLD"))),
                                    "paper", n=4, matches=2),
    "learners.pool.prior_arrays": call("prior:uniform"),
    # shaping
    "learners.shaping.exact.check_rule": call("lola"),
    "learners.shaping.runner.make_config": call("lola,naive"),
    "learners.a2c.mechanism.step_configs": call(L(a2c_config), (2, 2, 2)),
    "learners.a2c.mechanism.run_mechanism": call(L(a2c_config), L(lambda: fresh("mech")), (2, 2, 2), progress=False),
    "learners.a2c.mechanism.mechanism_summary": call(L(a2c_mechanism)),
    "learners.a2c.plots.plot_mechanism": call(L(a2c_mechanism), L(lambda: fresh("mech.png"))),
    "learners.a2c.plots.plot_training": call(L(lambda: {"none": a2c_trainer().metrics_dataset()}), L(lambda: fresh("tr.png"))),
    "learners.a2c.plots.plot_rounds": call(L(lambda: {"none": a2c_trainer().rounds_dataset()}), L(lambda: fresh("ro.png"))),
    "learners.a2c.plots.plot_eval": call(L(lambda: {"none": a2c_trainer().eval_dataset()}), L(lambda: fresh("ev.png"))),
    "learners.networks.init_agent_params": call(L(gru_module), L(lambda: __import__("jax").random.PRNGKey(0))),
    "learners.coplayers.init_coplayer": call(L(lambda: _policy("TFT")), (2,), L(lambda: __import__("jax").random.PRNGKey(0))),
    # PPI runs
    "learners.ppi.mechanism.run_mechanism": call(L(ppi_config), L(lambda: fresh("ppi_mech")), (1, 1, 1), progress=False),
    "learners.ppi.mechanism.mechanism_summary": call(L(ppi_mechanism)),
    "learners.ppi.plots.plot_phases": call(L(lambda: {"step2": ppi_view("step2").phases_dataset()}), L(lambda: fresh("ph.png"))),
    "learners.ppi.plots.plot_rounds": call(L(lambda: {"step2": ppi_view("step2").rounds_dataset()}), L(lambda: fresh("pr.png"))),
    "learners.ppi.plots.plot_mechanism": call(L(lambda: ppi_view("step1").rounds_dataset()),
                                              L(lambda: ppi_view("step2").phases_dataset()),
                                              L(lambda: ppi_view("step3").phases_dataset()),
                                              L(lambda: __import__("learners.ppi.mechanism", fromlist=["x"])
                                                .mechanism_summary(ppi_mechanism())),
                                              L(lambda: fresh("pm.png"))),
    "learners.ppi.seeds.stack_seeds": call([{"w": [1.0, 2.0]}, {"w": [3.0, 4.0]}]),
    "learners.ppi.seeds.seed_slice": call(L(lambda: {"w": __import__("numpy").zeros((2, 3))}), 1),
    "learners.ppi.results.concat_seeds": call(L(lambda: [ppi_view("step2").phases_dataset()] * 2), [0, 1]),
    "learners.ppi.results.combined_summary": call("step2", [0], L(lambda: [ppi_view("step2").summary()]), 1.5),
    # trajectories and logs
    "learners.projection.project_trajectories": call(L(lambda: [trajectories()]), (0, 2, 4)),
    "learners.recorded.log_from_trajectories": call(L(trajectories)),
    "learners.regret.plot_rounds": call(L(lambda: [regret_report()]), [("library", "TFT")], L(lambda: fresh("rr.png"))),
    "learners.verification.regret_section": call(L(lambda: [_policy("TFT")]), L(lambda: fresh("regret")), n=4, draws=2,
                                                 matches=2, heldout=None, temperatures=(1.0,)),
    # shaping (smoke presets, shortened)
    "learners.shaping.exact.init_logits": call(L(lambda: __import__("jax").random.PRNGKey(0)), 2, 0.5),
    "learners.shaping.exact.train_exact": call(L(lambda: shaping_config("lola,naive", runs=2, steps=3))),
    "learners.shaping.sample.train_sample": call(L(lambda: shaping_config("ac,ac", runs=1, iterations=2, batch=4, horizon=5))),
    "learners.shaping.gru.train_gru": call(L(lambda: shaping_config("gru_ac,gru_ac", iterations=2, batch=4, horizon=5,
                                                                    hidden=4, embed=4))),
    "learners.shaping.runner.run_pair": call(L(lambda: shaping_config("lola,naive", runs=2, steps=3))),
    "learners.shaping.runner.summarise": call(L(shaping_result)),
}

#: Functions walked by the slow tier (``test_api_walk.py::test_slow_public_functions_meet_hostile_values``,
#: marked ``slow``): their base call trains, or needs, a tiny A2C / PPI / shaping run, whose
#: compilation alone takes tens of seconds on one core.  Everything else is in the CI-minute walk.
SLOW: set[str] = {
    "learners.a2c.trainer.train", "learners.a2c.checkpoint.checkpoint_params", "learners.a2c.checkpoint.extract_seeds",
    "learners.a2c.checkpoint.load_checkpoint_state", "learners.runs.load_a2c_agent", "learners.runs.load_a2c_pair",
    "learners.a2c.mechanism.run_mechanism", "learners.a2c.mechanism.mechanism_summary",
    "learners.a2c.plots.plot_mechanism", "learners.a2c.plots.plot_training", "learners.a2c.plots.plot_rounds", "learners.a2c.plots.plot_eval",
    "learners.ppi.mechanism.run_mechanism", "learners.ppi.mechanism.mechanism_summary",
    "learners.ppi.plots.plot_phases", "learners.ppi.plots.plot_rounds", "learners.ppi.plots.plot_mechanism",
    "learners.shaping.exact.train_exact", "learners.shaping.sample.train_sample", "learners.shaping.runner.run_pair",
    "learners.shaping.runner.summarise", "learners.ppi.results.concat_seeds", "learners.ppi.results.combined_summary",
    # several compiled simulations per call (a regret panel, probes): seconds each on one core
    "learners.regret.evaluate_regret", "learners.regret.excess_regret", "learners.regret.markdown",
    "learners.regret.markdown_excess", "learners.regret.plot_regret", "learners.regret.plot_rounds",
    "learners.verification.verify_agents", "learners.verification.regret_section", "learners.verification.predictive_gap",
    "learners.verification.markdown", "learners.verification.plot", "learners.verification.summary_dict",
    "learners.verification.write_report", "learners.verification.target_check", "learners.projection.project",
    "learners.networks.init_agent_params",
}
