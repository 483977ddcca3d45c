"""Old import paths of moved code keep working for one release (issue 23): each old name is
the very object at its new home, so old code gets the same behaviour, not a copy."""

import importlib

import pytest

MOVED = {
    "studies.verify": {"learners.verification": ["AgentVerification", "PairVerification", "Verification", "verify_agents",
                                                 "write_report", "summary_dict", "regret_section", "predictive_gap",
                                                 "markdown", "plot"],
                       "learners.runs": ["load_a2c_pair", "load_ppi_agents", "_PPI_AGENT_KEYS"]},
    "studies.regret": {"learners.runs": ["sharpened", "load_a2c_agent", "load_ppi_agent"],
                       "learners.verification": ["TARGETS", "target_check"]},
    "studies.a2c_mechanism": {"learners.a2c_mechanism": ["parse_hyper"], "learners.plots": ["plot_mechanism"]},
    "benchmarks._machine": {"eqtools.provenance": ["machine"]},
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_reexports_the_new_objects(old):
    mod = importlib.import_module(old)
    for new, names in MOVED[old].items():
        target = importlib.import_module(new)
        for name in names:
            assert getattr(mod, name) is getattr(target, name), f"{old}.{name}"
