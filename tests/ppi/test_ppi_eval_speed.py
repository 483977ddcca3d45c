"""PPI's evaluation (and gathering) after the speed-up reproduces the numbers of the code before it.

``tests/ppi/data/eval_reference.npz`` was written by ``tests/ppi/make_eval_reference.py`` with
``learners/ppi`` as at commit e5d7aa9, before any change for issue 21's "PPI evaluation at A2C's
speed".  Each case is a short run (one phase: fit, evaluate, gather) followed by one more
evaluation of its final models; every evaluation array (coop, reward, co-player coop, best-response
value) and every gathered data shard must be **bit-identical** to the reference.  Bit identity is
the right bar, not a tolerance: the games sample discrete actions, so a last-bit change of a logit
could flip one sampled action and the whole rest of an episode would differ.

The speed itself is measured in ``benchmarks/bench_ppi.py --eval`` (never in a test).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import make_eval_reference as ref_maker  # noqa: E402

REF = np.load(HERE / "data" / "eval_reference.npz")

pytestmark = pytest.mark.slow  # seven short runs, about 2-3 minutes on one core


@pytest.mark.parametrize("case", list(ref_maker.CASES))
def test_evaluation_and_gathering_match_the_pre_speedup_code(case: str) -> None:
    out = ref_maker.run_case(case)
    keys = sorted(k for k in REF.files if k.startswith(case + "/"))
    assert keys, f"no reference arrays for case {case}"
    assert sorted(out) == keys
    for k in keys:
        a, b = REF[k], out[k]
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_array_equal(b, a, err_msg=k)  # NaN rows (no pair group) compare equal as NaN
