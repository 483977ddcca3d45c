"""Bad input to the public API raises a named EqtoolsError subclass whose message names the field.

Each case is one thing a new user might plausibly pass (a string, None, a ragged list, a damaged
file ...).  The test fails if the call raises anything else (a raw TypeError/ValueError/KeyError
from numpy or the standard library), raises a different EqtoolsError subclass, returns without
raising, or raises with a message that does not mention the field.
"""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from eqtools.errors import (
    ChainError,
    EqtoolsError,
    FileFormatError,
    GameError,
    InvalidProbabilityError,
    OutputPathError,
    ParameterError,
)
from eqtools.games import GAME_KINDS, BimatrixGame, Game, preset
from eqtools.strategies import MemoryOne, StrategyPool, extortionate, named, zd_strategy

POOL = StrategyPool([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], names=["a", "b"])

# (id, callable, error class, text the message must contain)
CASES = [
    # Game
    ("game-R-str", lambda: Game("3", 0, 5, 1), GameError, "R"),
    ("game-S-None", lambda: Game(3, None, 5, 1), GameError, "S"),
    ("game-T-list", lambda: Game(3, 0, [5], 1), GameError, "T"),
    ("game-P-nan", lambda: Game(3, 0, 5, float("nan")), GameError, "P"),
    ("game-P-inf", lambda: Game(3, 0, 5, float("inf")), GameError, "P"),
    ("game-R-bool", lambda: Game(True, 0, 5, 1), GameError, "R"),
    ("game-name-None", lambda: Game(3, 0, 5, 1, name=None), GameError, "name"),
    ("game-kind-unknown", lambda: Game(3, 0, 5, 1, kind_claimed="nope"), GameError, "kind_claimed"),
    ("game-kind-int", lambda: Game(3, 0, 5, 1, kind_claimed=3), GameError, "kind_claimed"),
    ("game-kind-wrong", lambda: Game(3, 0, 5, 1, kind_claimed="chicken"), GameError, "chicken"),
    ("game-kind-degenerate-wrong", lambda: Game(3, 0, 5, 1, kind_claimed="degenerate"), GameError, "R == T"),
    ("game-kind-other-wrong", lambda: Game(3, 0, 5, 1, kind_claimed="other"), GameError, "prisoners dilemma"),
    ("game-from_dict-None", lambda: Game.from_dict(None), GameError, "mapping"),
    ("game-from_dict-list", lambda: Game.from_dict([3, 0, 5, 1]), GameError, "mapping"),
    ("game-from_dict-missing", lambda: Game.from_dict({"R": 1}), GameError, "'S'"),
    ("game-from_dict-str-value", lambda: Game.from_dict({"R": "a", "S": 0, "T": 5, "P": 1}), GameError, "R"),
    ("game-from_json-bad", lambda: Game.from_json("{"), GameError, "JSON"),
    ("game-from_json-None", lambda: Game.from_json(None), GameError, "JSON"),
    ("game-from_payoffs-None", lambda: Game.from_payoffs(None), GameError, "payoffs"),
    ("game-from_payoffs-str", lambda: Game.from_payoffs("3015"), GameError, "payoffs"),
    ("game-from_payoffs-3", lambda: Game.from_payoffs([1, 2, 3]), GameError, "four"),
    ("preset-list", lambda: preset([]), GameError, "preset"),
    ("preset-None", lambda: preset(None), GameError, "preset"),
    ("preset-unknown", lambda: preset("nope"), GameError, "nope"),
    # BimatrixGame
    ("bimatrix-str", lambda: BimatrixGame("x", "y"), GameError, "A"),
    ("bimatrix-None", lambda: BimatrixGame(None, None), GameError, "A"),
    ("bimatrix-ragged", lambda: BimatrixGame([[1, 2], [3]], [[1, 2], [3, 4]]), GameError, "ragged"),
    ("bimatrix-B-str", lambda: BimatrixGame([[1, 2], [3, 4]], "b"), GameError, "B"),
    ("bimatrix-entry-str", lambda: BimatrixGame([[1, "a"]], [[1, 2]]), GameError, "A"),
    ("bimatrix-shape", lambda: BimatrixGame([[1, 2]], [[1, 2], [3, 4]]), GameError, "shape"),
    ("bimatrix-nan", lambda: BimatrixGame([[np.nan]], [[1]]), GameError, "non-finite"),
    ("bimatrix-labels-int", lambda: BimatrixGame([[1]], [[1]], row_labels=5), GameError, "row_labels"),
    ("bimatrix-labels-dup", lambda: BimatrixGame([[1, 2], [1, 2]], [[1, 2], [1, 2]], row_labels=("a", "a")),
     GameError, "row_labels"),
    ("bimatrix-symmetric-ragged", lambda: BimatrixGame.symmetric([[1, 2], [3]]), GameError, "ragged"),
    # MemoryOne
    ("m1-p0-str", lambda: MemoryOne("a", (1, 1, 1, 1)), InvalidProbabilityError, "p0"),
    ("m1-p-None", lambda: MemoryOne(1, None), InvalidProbabilityError, "p must be"),
    ("m1-p-str", lambda: MemoryOne(1, "abcd"), InvalidProbabilityError, "p must be"),
    ("m1-p-int", lambda: MemoryOne(1, 5), InvalidProbabilityError, "p must be"),
    ("m1-p-ragged", lambda: MemoryOne(1, ((1, 1), 1, 1, 1)), InvalidProbabilityError, "ragged"),
    ("m1-p-entry-str", lambda: MemoryOne(1, (1, 1, 1, "x")), InvalidProbabilityError, "numbers"),
    ("m1-p-3", lambda: MemoryOne(1, (1, 1, 1)), InvalidProbabilityError, "4 entries"),
    ("m1-p-nan", lambda: MemoryOne(1, (1, 1, 1, np.nan)), InvalidProbabilityError, "p_DD"),
    ("m1-p0-big", lambda: MemoryOne(1.5, (1, 1, 1, 1)), InvalidProbabilityError, "p0"),
    ("m1-name-None", lambda: MemoryOne(1, (1, 1, 1, 1), name=None), ParameterError, "name"),
    ("m1-from_vector-str", lambda: MemoryOne.from_vector("11111"), InvalidProbabilityError, "5 numbers"),
    ("m1-from_vector-ragged", lambda: MemoryOne.from_vector([1, [1, 1], 1, 1]), InvalidProbabilityError, "ragged"),
    ("m1-from_vector-4", lambda: MemoryOne.from_vector([1, 1, 1, 1]), InvalidProbabilityError, "5 numbers"),
    ("m1-from_dict-str", lambda: MemoryOne.from_dict("x"), ParameterError, "mapping"),
    ("m1-from_dict-missing", lambda: MemoryOne.from_dict({"p0": 1}), ParameterError, "'p'"),
    ("m1-from_json-bad", lambda: MemoryOne.from_json("{"), ParameterError, "JSON"),
    # StrategyPool
    ("pool-str", lambda: StrategyPool("x"), InvalidProbabilityError, "strategy pool"),
    ("pool-None", lambda: StrategyPool(None), InvalidProbabilityError, "strategy pool"),
    ("pool-ragged", lambda: StrategyPool([[1, 1, 1, 1, 1], [1, 1]]), InvalidProbabilityError, "ragged"),
    ("pool-4-cols", lambda: StrategyPool([[1, 1, 1, 1]]), InvalidProbabilityError, "5 entries"),
    ("pool-entry-str", lambda: StrategyPool([["a", 1, 1, 1, 1]]), InvalidProbabilityError, "numbers"),
    ("pool-empty", lambda: StrategyPool(np.zeros((0, 5))), ParameterError, "at least one"),
    ("pool-names-str", lambda: StrategyPool([[1] * 5, [0] * 5], names="ab"), ParameterError, "names"),
    ("pool-names-int", lambda: StrategyPool([[1] * 5], names=5), ParameterError, "names"),
    ("pool-names-short", lambda: StrategyPool([[1] * 5], names=["a", "b"]), ParameterError, "names"),
    ("pool-names-dup", lambda: StrategyPool([[1] * 5, [0] * 5], names=["a", "a"]), ParameterError, "unique"),
    ("pool-index-unknown-name", lambda: POOL["zz"], ParameterError, "'zz'"),
    ("pool-index-out-of-range", lambda: POOL[5], ParameterError, "index 5"),
    ("pool-index-negative", lambda: POOL[-3], ParameterError, "index -3"),
    ("pool-index-float", lambda: POOL[1.5], ParameterError, "index"),
    ("pool-index-None", lambda: POOL[None], ParameterError, "index"),
    ("pool-concat-list", lambda: POOL.concat([1]), ParameterError, "StrategyPool"),
    ("pool-from_json-bad", lambda: StrategyPool.from_json("{"), ParameterError, "JSON"),
    ("pool-from_json-list", lambda: StrategyPool.from_json("[]"), ParameterError, "names"),
    ("pool-from_json-missing", lambda: StrategyPool.from_json('{"names": ["a"]}'), ParameterError, "params"),
    ("pool-from_json-None", lambda: StrategyPool.from_json(None), ParameterError, "JSON"),
    ("pool-from_strategies-ints", lambda: StrategyPool.from_strategies([1, 2]), ParameterError, "strategies[0]"),
    ("pool-from_strategies-None", lambda: StrategyPool.from_strategies(None), ParameterError, "strategies"),
    ("pool-uniform-0", lambda: StrategyPool.uniform(0), ParameterError, "n"),
    ("pool-uniform-str", lambda: StrategyPool.uniform("a"), ParameterError, "n"),
    ("pool-uniform-inf", lambda: StrategyPool.uniform(float("inf")), ParameterError, "n"),
    ("pool-uniform-1.5", lambda: StrategyPool.uniform(1.5), ParameterError, "n"),
    ("pool-uniform-seed-neg", lambda: StrategyPool.uniform(3, seed=-1), ParameterError, "seed"),
    ("pool-uniform-seed-str", lambda: StrategyPool.uniform(3, seed="a"), ParameterError, "seed"),
    # named strategies and the ZD family
    ("named-None", lambda: named(None), ParameterError, "name"),
    ("named-int", lambda: named(5), ParameterError, "name"),
    ("named-unknown", lambda: named("nope"), ParameterError, "'nope'"),
    ("named-case-hint", lambda: named("tft"), ParameterError, "did you mean 'TFT'"),
    ("named-game-ignored", lambda: named("TFT", game="nope"), GameError, "nope"),
    ("named-game-int", lambda: named("TFT", game=5), GameError, "preset"),
    ("named-extort-chi-small", lambda: named("Extort-0.5", "paper"), ParameterError, "chi"),
    ("named-extort-chi-nan", lambda: named("Extort-nan", "paper"), ParameterError, "chi"),
    ("named-extort-needs-game", lambda: named("Extort-2"), ParameterError, "depends on the game"),
    ("named-gtft-needs-game", lambda: named("GTFT"), ParameterError, "pass the game"),
    ("named-typo-did-you-mean", lambda: named("WLSS"), ParameterError, "did you mean 'WSLS'"),
    ("extort-chi-str", lambda: extortionate("paper", "a"), ParameterError, "chi"),
    ("extort-chi-None", lambda: extortionate("paper", None), ParameterError, "chi"),
    ("extort-phi-str", lambda: extortionate("paper", 2, phi="a"), ParameterError, "phi"),
    ("extort-p0-str", lambda: extortionate("paper", 2, p0="a"), InvalidProbabilityError, "p0"),
    ("zd-alpha-str", lambda: zd_strategy("paper", "a", 0, 0), ParameterError, "alpha"),
    ("zd-beta-None", lambda: zd_strategy("paper", 0.1, None, 0), ParameterError, "beta"),
    ("zd-gamma-inf", lambda: zd_strategy("paper", 0.1, 0, float("inf")), ParameterError, "gamma"),
]


@pytest.mark.parametrize("call, error, text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_named_error(call, error, text):
    with pytest.raises(EqtoolsError) as info:
        call()
    assert type(info.value) is error or isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    assert text.lower() in str(info.value).lower(), str(info.value)


def test_every_listed_game_kind_can_be_claimed():
    # GAME_KINDS lists "degenerate" and "other"; each must be claimable for a game of that kind.
    examples = {
        "prisoners_dilemma": (3, 0, 5, 1), "stag_hunt": (4, 0, 3, 2), "chicken": (3, 1, 4, 0),
        "harmony": (4, 3, 2, 1), "deadlock": (1, 0, 3, 2), "degenerate": (1, 0, 1, 0), "other": (1, 3, 2, 0),
    }
    assert set(examples) == set(GAME_KINDS)
    for kind, payoffs in examples.items():
        g = Game(*payoffs, kind_claimed=kind)
        assert g.kind() == kind


def test_valid_edge_inputs_still_accepted():
    # The checks must not refuse what is valid (never needlessly refused).
    assert Game(np.float32(3), np.int64(0), 5, 1).R == 3.0
    assert MemoryOne.from_vector(np.array([[1, 1, 0, 1, 0]])).p == (1.0, 0.0, 1.0, 0.0)
    assert MemoryOne(np.float64(0.5), [0.5, 0.5, 0.5, 0.5]).p0 == 0.5
    assert POOL[-1].name == "b" and POOL["a"].p0 == 1.0 and POOL[np.int64(1)].name == "b"
    sub = POOL[0:1]
    assert isinstance(sub, StrategyPool) and sub.names == ("a",)
    assert StrategyPool.from_json(POOL.to_json()).names == POOL.names
    assert Game.from_json(preset("axelrod").to_json()) == preset("axelrod")
    m = named("WSLS")
    assert MemoryOne.from_json(m.to_json()) == m
    assert named("TFT", game="axelrod") == named("TFT")


# ------------------------------------------------------------ payoffs and α-Rank


def test_payoff_batches_that_do_not_broadcast():
    from solvers import payoffs as P

    a, b = np.full((3, 5), 0.5), np.full((4, 5), 0.5)
    for call in (lambda: P.finite_horizon(a, b, "paper", 10), lambda: P.discounted(a, b, "paper", 0.9),
                 lambda: P.limit_of_means(a, b, "paper"), lambda: P.transition_matrix(a, b),
                 lambda: P.round_profile(a, b, 5)):
        with pytest.raises(ParameterError, match=r"batch shapes .*\(3,\).*\(4,\)"):
            call()
    with pytest.raises(InvalidProbabilityError, match="strategy x"):
        P.finite_horizon("TFT", named("ALLD"), "paper", 10)


def test_payoff_matrix_empty_side():
    from solvers.payoffs import payoff_matrix

    for rows, cols in ((np.zeros((0, 5)), np.full((2, 5), 0.5)), (np.full((2, 5), 0.5), np.zeros((0, 5)))):
        for crit in (dict(n=5), dict(gamma=0.9), dict(limit=True)):
            with pytest.raises(ParameterError, match="at least one row and one column"):
                payoff_matrix(rows, cols, "paper", **crit)


@pytest.mark.parametrize("chunk", [0, -1, 1.5, "a", True])
def test_payoff_matrix_chunk(chunk):
    from solvers.payoffs import payoff_matrix

    with pytest.raises(ParameterError, match="chunk"):
        payoff_matrix(np.full((3, 5), 0.5), np.full((2, 5), 0.5), "paper", n=5, chunk=chunk)


@pytest.mark.parametrize("alpha", ["a", None, [1], complex(1, 0), float("nan"), float("inf"), -1, True])
def test_alpharank_alpha(alpha):
    from solvers.response_graph import alpharank, alpharank_limit

    with pytest.raises(ParameterError, match="alpha"):
        alpharank([[1.0, 0.0], [2.0, 0.5]], alpha)


@pytest.mark.parametrize("m", ["a", "50", None, 1, 1.5, float("nan"), float("inf"), True])
def test_alpharank_population_size(m):
    from solvers.response_graph import alpharank, alpharank_limit, fixation_log_probabilities

    M = [[1.0, 0.0], [2.0, 0.5]]
    for call in (lambda: alpharank(M, 1.0, m=m), lambda: alpharank_limit(M, m=m),
                 lambda: fixation_log_probabilities(M, 1.0, m=m)):
        with pytest.raises(ParameterError, match="population size m"):
            call()


def test_alpharank_population_too_large_is_refused_up_front():
    # Moran selection builds an (N, N, m - 1) partial-sum table: refused up front with the size
    # (local selection has a closed form and serves any m; tests/exact/test_horizon.py checks it).
    from solvers.response_graph import alpharank, alpharank_limit

    M = [[1.0, 0.0], [2.0, 0.5]]
    # Moran selection builds (N, N, m - 1) partial sums: refused up front at m = 10^9
    for call in (lambda: alpharank(M, 1.0, m=10**9, selection="moran"),
                 lambda: alpharank_limit(M, m=10**9, selection="moran")):
        with pytest.raises(ParameterError, match="m = 1000000000"):
            call()
    # local selection has a closed form: m = 10^9 is served (the limit resolves; finite alpha = 1
    # underflows and says so with a named ChainError rather than a wrong distribution)
    assert alpharank_limit(M, m=10**9).resolved
    with pytest.raises(ChainError, match="reducible"):
        alpharank(M, 1.0, m=10**9)
    assert alpharank(M, 0.001, m=1000).pi.sum() == pytest.approx(1.0)  # large but feasible m still runs
    assert alpharank_limit(M, m=100_000).resolved


def test_alpharank_matrix_not_numbers():
    from solvers.response_graph import alpharank, alpharank_limit

    for M in ([[1, 2], [3]], "ab"):
        with pytest.raises(GameError, match="meta-game matrix"):
            alpharank(M, 1.0)


# ------------------------------------------------------------ files


@pytest.fixture(scope="module")
def tournament_file(tmp_path_factory):
    from eqtools.tournament import make_tournament, save_tournament

    d = tmp_path_factory.mktemp("tour")
    vals = {k: np.eye(2) for k in ("payoff_row", "payoff_col", "coop_row", "coop_col")}
    ds = make_tournament(["a", "b"], ["a", "b"], vals, game=preset("paper"), criterion="finite(n=10)")
    return save_tournament(ds, d / "good.nc"), ds


def _damaged_files(d, good):
    raw = good.read_bytes()
    files = {"empty": b"", "truncated": raw[: len(raw) // 2], "text": b"hello world\n", "json": b'{"a": 1}',
             "hdf5-magic-only": b"\x89HDF\r\n\x1a\n" + b"\0" * 64}
    out = {}
    for name, content in files.items():
        p = d / f"{name}.nc"
        p.write_bytes(content)
        out[name] = p
    return out


def test_load_tournament_damaged_files(tournament_file, tmp_path):
    from eqtools.tournament import load_tournament

    good, ds = tournament_file
    assert float(load_tournament(good)["payoff_row"][0, 0]) == 1.0  # the good file still loads
    for name, p in _damaged_files(tmp_path, good).items():
        with pytest.raises(FileFormatError, match=str(p.name)):
            load_tournament(p)
    with pytest.raises(FileFormatError, match="no tournament file"):
        load_tournament(tmp_path / "missing.nc")
    with pytest.raises(FileFormatError, match="directory"):
        load_tournament(tmp_path)


def test_load_tournament_missing_project_fields(tournament_file, tmp_path):
    import xarray as xr

    from eqtools.tournament import load_tournament, save_tournament

    _, ds = tournament_file
    other = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(other, engine="scipy")
    with pytest.raises(FileFormatError, match="lacks variable"):
        load_tournament(other)
    no_attr = ds.copy()
    del no_attr.attrs["game"]
    save_tournament(no_attr, tmp_path / "noattr.nc")
    with pytest.raises(FileFormatError, match="lacks attribute.*game"):
        load_tournament(tmp_path / "noattr.nc")
    bad_game = ds.copy()
    bad_game.attrs["game"] = "{not json"
    save_tournament(bad_game, tmp_path / "badgame.nc")
    with pytest.raises(FileFormatError, match="'game'"):
        load_tournament(tmp_path / "badgame.nc")


def test_output_paths(tournament_file, tmp_path):
    from eqtools.io import check_output_path, write_json, write_netcdf
    from eqtools.tournament import save_tournament

    _, ds = tournament_file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for call in (lambda: write_json({"a": 1}, tmp_path), lambda: write_netcdf(ds, tmp_path),
                 lambda: save_tournament(ds, tmp_path), lambda: write_json({"a": 1}, blocker / "x.json"),
                 lambda: check_output_path("", "--out")):
        with pytest.raises(OutputPathError):
            call()
    if os.geteuid() != 0:  # root can write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        with pytest.raises(OutputPathError, match="permission"):
            write_json({"a": 1}, ro / "x.json")
    with pytest.raises(ParameterError, match="JSON"):
        write_json({"a": object()}, None)
    write_json({"a": 1}, tmp_path / "new" / "ok.json")
    assert json.loads((tmp_path / "new" / "ok.json").read_text()) == {"a": 1}


def test_load_pickle_damaged(tmp_path):
    from eqtools.io import load_pickle

    (tmp_path / "garbage.pkl").write_bytes(b"not a pickle")
    (tmp_path / "empty.pkl").write_bytes(b"")
    (tmp_path / "trunc.pkl").write_bytes(pickle.dumps({"a": list(range(100))})[:20])
    (tmp_path / "list.pkl").write_bytes(pickle.dumps([1, 2]))
    (tmp_path / "dict.pkl").write_bytes(pickle.dumps({"a": 1}))
    for name, text in (("garbage", "cannot be read"), ("empty", "empty"), ("trunc", "cannot be read"),
                       ("missing", "no checkpoint")):
        with pytest.raises(FileFormatError, match=text):
            load_pickle(tmp_path / f"{name}.pkl", what="checkpoint", expect=dict)
    with pytest.raises(FileFormatError, match="holds a list"):
        load_pickle(tmp_path / "list.pkl", what="checkpoint", expect=dict)
    with pytest.raises(FileFormatError, match="lacks field"):
        load_pickle(tmp_path / "dict.pkl", what="checkpoint", expect=dict, keys=("params",))
    assert load_pickle(tmp_path / "dict.pkl", expect=dict, keys=("a",)) == {"a": 1}
