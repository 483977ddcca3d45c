import os

# Keep XLA from grabbing more threads than the 2-core CI machine has.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true")

import sys

import pytest

# Every compiled XLA program holds ~18 memory mappings until it is freed. The suite compiles a few
# thousand programs in one process, and Linux refuses new mappings past vm.max_map_count (65 530 by
# default): LLVM then fails with "Cannot allocate memory" and the process aborts, with gigabytes of
# RAM still free. That is what killed CI at ~66 %. Drop JAX's compiled-program caches whenever the
# process nears the limit; only compile time is lost, no numbers change.
_MAPS_SOFT_LIMIT = 30_000


def _n_maps() -> int:
    try:
        with open("/proc/self/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:  # not Linux: no such limit to watch
        return 0


@pytest.fixture(autouse=True)
def _free_compiled_programs_near_the_map_limit():
    yield
    if "jax" in sys.modules and _n_maps() > _MAPS_SOFT_LIMIT:
        sys.modules["jax"].clear_caches()
