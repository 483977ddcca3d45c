"""Benchmark: a dask-backed tournament larger than comfortable memory, written block by block.

    python benchmarks/bench_big_tournament.py                    # 10 000 x 10 000, n = 100, chunk 1000, Zarr
    python benchmarks/bench_big_tournament.py --N 2000 --format nc --out runs/big/t2000.nc

Builds ``solvers.tournament.tournament(StrategyPool.uniform(N, seed=0), n=..., chunk=...)`` (lazy),
writes it with ``eqtools.tournament.save_tournament`` (Zarr store or netCDF4), and records:
wall and CPU time, peak resident memory of this process (``ru_maxrss``), bytes written, the
size the same tournament would take in memory, a streaming ranking read back from the store,
and a check that a random ``--check`` x ``--check`` sub-block read back from the store equals
``payoff_matrix`` of the same strategies computed in memory (bit for bit).  The dask scheduler
is the threaded one with ``--workers`` threads (default 1: one core).

Appends to ``benchmarks/results/big_tournament.json``.  Run on demand (minutes); never part of
the tests (the same equality is tested in CI on a small pool: tests/solvers/test_chunked.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dask  # noqa: E402

import eqtools as eq  # noqa: E402
from eqtools.tournament import open_tournament, save_tournament  # noqa: E402
from solvers.chunked import ranking  # noqa: E402
from solvers.payoffs import payoff_matrix  # noqa: E402
from solvers.tournament import tournament  # noqa: E402

from _machine import machine  # noqa: E402


def _bytes(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--N", type=int, default=10_000)
    ap.add_argument("--horizon", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1, help="dask threads")
    ap.add_argument("--format", choices=("zarr", "nc"), default="zarr")
    ap.add_argument("--out", default=None, help="store path (default runs/big/t<N>.zarr or .nc)")
    ap.add_argument("--check", type=int, default=300, help="side of the random sub-block checked against memory")
    ap.add_argument("--keep", action="store_true", help="keep the store afterwards (default: delete it)")
    ap.add_argument("--results", default=str(Path(__file__).parent / "results" / "big_tournament.json"))
    args = ap.parse_args()

    out = Path(args.out or f"runs/big/t{args.N}.{args.format}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    before = machine()
    pool = eq.StrategyPool.uniform(args.N, seed=0)
    rss0 = _peak_rss_bytes()
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        t0, c0 = time.perf_counter(), time.process_time()
        ds = tournament(pool, n=args.horizon, chunk=args.chunk)
        save_tournament(ds, out, show_progress=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        rss_write = _peak_rss_bytes()
        written = _bytes(out)
        t1 = time.perf_counter()
        lazy = open_tournament(out)
        rank = ranking(lazy)
        t_rank = time.perf_counter() - t1
    rng = np.random.default_rng(1)
    ri = np.sort(rng.choice(args.N, size=min(args.check, args.N), replace=False))
    ci = np.sort(rng.choice(args.N, size=min(args.check, args.N), replace=False))
    stored = lazy.isel(row=ri, col=ci).load()
    mem = payoff_matrix(pool.params[ri], pool.params[ci], "paper", n=args.horizon)
    equal = {v: bool(np.array_equal(stored[v].values, getattr(mem, a)))
             for v, a in (("payoff_row", "payoff_x"), ("payoff_col", "payoff_y"), ("coop_row", "coop_x"), ("coop_col", "coop_y"))}
    after = machine()
    res = {
        "benchmark": "dask-backed tournament written block by block",
        "command": "python benchmarks/bench_big_tournament.py " + " ".join(sys.argv[1:]),
        "N": args.N, "pairs": args.N**2, "horizon": args.horizon, "chunk": args.chunk, "workers": args.workers,
        "format": args.format, "wall_s": wall, "cpu_s": cpu,
        "peak_rss_gib": rss_write / 2**30, "rss_before_gib": rss0 / 2**30,
        "written_gb": written / 1e9, "in_memory_equivalent_gb": (8 * 8 + 1) * args.N**2 / 1e9,  # 8 float64 variables + exact
        "streaming_ranking_s": t_rank, "top3": rank[:3],
        "sub_block_checked": [len(ri), len(ci)], "sub_block_equal_bit_for_bit": equal,
        "machine": after, "loadavg_before": before["loadavg_1_5_15min"], "loadavg_after": after["loadavg_1_5_15min"],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    path = Path(args.results)
    old = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(old + [res], indent=2) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k not in ("machine",)}, indent=2))
    if not args.keep:
        shutil.rmtree(out) if out.is_dir() else out.unlink()


if __name__ == "__main__":
    main()
