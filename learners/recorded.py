"""Recorded play: read a log of matches into a :class:`PlayLog`, write one, or make one from simulated matches.

A log is *tidy*: one row per decision of the agent being verified, with columns

=============  ==============================================================================
``match``      the match's label (any text or number)
``round``      the round within the match, consecutive, starting at 0 or at 1 (one base per file)
``own``        the agent's action: ``C``/``D`` (any case), or ``0``/``1`` with ``cooperate=``
``other``      the co-player's action in the same round, same coding
``coplayer``   optional: who the co-player was (constant within a match)
``subject``    optional: who played (constant within a match); the unit of the mixture
               estimation and of its bootstrap (default: the match)
=============  ==============================================================================

Numeric actions are ambiguous (experimental data usually code cooperation as 1, eqtools as
``C = 0``), so :func:`read_log` refuses them unless told ``cooperate=1`` or ``cooperate=0``.
Other column names are mapped with ``columns={"own": "my_action", ...}``.  CSV is read with
pandas; Parquet needs ``pyarrow`` (the optional extra ``eqtools[parquet]``).  A bad file raises
:class:`~eqtools.errors.FileFormatError` naming the file, the column and the row (data rows
counted from 1, so row ``r`` is line ``r + 1`` of a CSV with its header).

What is estimated from a log lives in :mod:`learners.inference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from eqtools.errors import FileFormatError, ParameterError

__all__ = ["PlayLog", "read_log", "log_from_trajectories", "check_log", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

REQUIRED_COLUMNS: tuple[str, ...] = ("match", "round", "own", "other")
OPTIONAL_COLUMNS: tuple[str, ...] = ("coplayer", "subject")


@dataclass(frozen=True)
class PlayLog:
    """Matches of one agent, padded to the longest: ``own``/``other`` are ``(matches, L)`` int8
    arrays of actions (0 = C, 1 = D; -1 past a match's end), ``length`` the rounds per match.
    ``coplayer`` and ``subject`` hold one label per match, or are ``None``."""

    own: np.ndarray
    other: np.ndarray
    length: np.ndarray
    match_ids: tuple[str, ...]
    coplayer: tuple[str, ...] | None = None
    subject: tuple[str, ...] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        own, other = np.asarray(self.own), np.asarray(self.other)
        if own.ndim != 2 or own.shape != other.shape:
            raise ParameterError(f"log: own and other must be (matches, rounds) arrays of one shape, got {own.shape} and {other.shape}")
        m = own.shape[0]
        if m == 0:
            raise ParameterError("log: no matches")
        length = np.asarray(self.length)
        if length.shape != (m,) or len(self.match_ids) != m or np.any(length < 1) or np.any(length > own.shape[1]):
            raise ParameterError("log: length and match_ids must give one entry per match (1 <= length <= rounds)")
        for name in ("coplayer", "subject"):
            v = getattr(self, name)
            if v is not None and len(v) != m:
                raise ParameterError(f"log: {name} must give one label per match ({m}), got {len(v)}")
        mask = np.arange(own.shape[1]) < length[:, None]
        for name, a in (("own", own), ("other", other)):
            if not np.all(np.isin(a[mask], (0, 1))):
                raise ParameterError(f"log: {name} actions must be 0 (C) or 1 (D) within each match")

    @property
    def matches(self) -> int:
        return int(self.own.shape[0])

    @property
    def decisions(self) -> int:
        return int(self.length.sum())

    @property
    def mask(self) -> np.ndarray:
        """``(matches, L)``: True where a round was played."""
        return np.arange(self.own.shape[1]) < self.length[:, None]

    def select(self, idx: Any) -> "PlayLog":
        """The matches ``idx`` (indices, repeats allowed: used by the bootstrap)."""
        idx = np.asarray(idx, dtype=np.int64)
        L = int(self.length[idx].max())

        def pick(t: tuple[str, ...] | None) -> tuple[str, ...] | None:
            return None if t is None else tuple(t[i] for i in idx)

        return PlayLog(self.own[idx, :L], self.other[idx, :L], self.length[idx], tuple(self.match_ids[i] for i in idx),
                       pick(self.coplayer), pick(self.subject), self.source)

    def by_coplayer(self) -> dict[str, "PlayLog"]:
        """One log per co-player label (the log must have a ``coplayer`` column)."""
        if self.coplayer is None:
            raise ParameterError("log has no coplayer column: per-co-player estimates need one")
        labels = np.asarray(self.coplayer, dtype=object)
        return {str(c): self.select(np.flatnonzero(labels == c)) for c in dict.fromkeys(self.coplayer)}

    def to_frame(self) -> Any:
        """The tidy table (pandas DataFrame; actions as ``C``/``D``, rounds from 0)."""
        import pandas as pd

        rows: dict[str, list[Any]] = {c: [] for c in REQUIRED_COLUMNS}
        opt = [c for c in OPTIONAL_COLUMNS if getattr(self, c) is not None]
        for c in opt:
            rows[c] = []
        for i in range(self.matches):
            for t in range(int(self.length[i])):
                rows["match"].append(self.match_ids[i])
                rows["round"].append(t)
                rows["own"].append("CD"[self.own[i, t]])
                rows["other"].append("CD"[self.other[i, t]])
                for c in opt:
                    rows[c].append(getattr(self, c)[i])
        return pd.DataFrame(rows)

    def write(self, path: str | Path) -> Path:
        """Write the tidy table as CSV, or Parquet when ``path`` ends in ``.parquet``/``.pq``."""
        from eqtools.io import check_output_path

        p = check_output_path(path, "log path")
        df = self.to_frame()
        if p.suffix.lower() in (".parquet", ".pq"):
            _need_pyarrow(p)
            df.to_parquet(p, index=False)
        else:
            df.to_csv(p, index=False)
        return p


def _need_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise FileFormatError(f"{str(path)!r}: Parquet needs pyarrow: pip install 'eqtools[parquet]'") from None


def check_log(log: Any) -> PlayLog:
    """``log`` itself, or :class:`ParameterError` unless it is a :class:`PlayLog`."""
    if not isinstance(log, PlayLog):
        raise ParameterError(f"log must be a PlayLog (learners.recorded.read_log), got {type(log).__name__}")
    return log


# ----------------------------------------------------------------------------- reading

def _frame(source: Any) -> tuple[Any, str]:
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source.copy(), "<DataFrame>"
    if isinstance(source, Mapping):
        try:
            return pd.DataFrame(dict(source)), "<mapping>"
        except ValueError as exc:
            raise FileFormatError(f"log columns must have equal lengths: {exc}") from None
    if not isinstance(source, (str, Path)):
        raise ParameterError(f"log must be a path (CSV or Parquet), a pandas DataFrame or a mapping of columns, "
                             f"got {type(source).__name__}")
    p = Path(source)
    if not p.is_file():
        raise FileFormatError(f"log file {str(p)!r} does not exist or is not a file")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            _need_pyarrow(p)
            return pd.read_parquet(p), str(p)
        return pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True), str(p)
    except FileFormatError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for damaged files
        raise FileFormatError(f"log file {str(p)!r} cannot be read as {'Parquet' if p.suffix.lower() in ('.parquet', '.pq') else 'CSV'}: "
                              f"{type(exc).__name__}: {exc}") from None


def _actions(values: Sequence[Any], col: str, where: str, cooperate: int | None) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int8)
    kind = None
    for i, v in enumerate(values):
        s = str(v).strip().upper()
        if s in ("C", "D"):
            k, a = "letters", (0 if s == "C" else 1)
        else:
            try:
                f = float(s)
            except ValueError:
                f = float("nan")
            if f not in (0.0, 1.0):
                raise FileFormatError(f"{where}: column {col!r}, row {i + 1}: action {v!r} is not C/D or 0/1")
            if kind == "letters":
                raise FileFormatError(f"{where}: column {col!r}, row {i + 1}: mixes letters (C/D) and numbers (0/1)")
            if cooperate is None:
                raise FileFormatError(f"{where}: column {col!r} codes actions as numbers; say which number means "
                                      "cooperate: cooperate=1 (as most experimental data) or cooperate=0 (eqtools' "
                                      "convention C = 0); on the command line --cooperate 1 or 0")
            k, a = "numbers", (0 if int(f) == cooperate else 1)
        if kind is None:
            kind = k
        elif k != kind:
            raise FileFormatError(f"{where}: column {col!r}, row {i + 1}: mixes letters (C/D) and numbers (0/1)")
        out[i] = a
    return out


def read_log(source: Any, *, cooperate: int | None = None, columns: Mapping[str, str] | None = None) -> PlayLog:
    """Read a tidy log (see the module docstring) from a CSV/Parquet path, a DataFrame or a mapping."""
    if cooperate is not None and (isinstance(cooperate, bool) or cooperate not in (0, 1)):
        raise ParameterError(f"cooperate must be 0 or 1 (the number that means cooperate), got {cooperate!r}")
    if columns is not None and not isinstance(columns, Mapping):
        raise ParameterError(f"columns must map eqtools names to the file's column names, got {type(columns).__name__}")
    columns = dict(columns or {})
    unknown = set(columns) - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS)
    if unknown:
        raise ParameterError(f"columns: unknown key(s) {sorted(unknown)}; known: {REQUIRED_COLUMNS + OPTIONAL_COLUMNS}")
    df, where = _frame(source)
    df.columns = [str(c).strip() for c in df.columns]
    names = {c: columns.get(c, c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    missing = [names[c] for c in REQUIRED_COLUMNS if names[c] not in df.columns]
    if missing:
        raise FileFormatError(f"{where}: missing column(s) {missing}; found {list(df.columns)} "
                              "(map other names with columns={'own': ..., ...})")
    if len(df) == 0:
        raise FileFormatError(f"{where}: the log has no rows")
    own = _actions(list(df[names["own"]]), names["own"], where, cooperate)
    other = _actions(list(df[names["other"]]), names["other"], where, cooperate)
    rounds = np.empty(len(df), dtype=np.int64)
    for i, v in enumerate(df[names["round"]]):
        try:
            f = float(str(v).strip())
        except ValueError:
            f = float("nan")
        if not (np.isfinite(f) and f == int(f) and f >= 0):
            raise FileFormatError(f"{where}: column {names['round']!r}, row {i + 1}: round {v!r} is not a non-negative integer")
        rounds[i] = int(f)
    match = [str(v).strip() for v in df[names["match"]]]
    for i, m in enumerate(match):
        if m in ("", "nan", "None"):
            raise FileFormatError(f"{where}: column {names['match']!r}, row {i + 1}: empty match label")
    base = int(rounds.min())
    if base not in (0, 1):
        raise FileFormatError(f"{where}: column {names['round']!r}: rounds must start at 0 or 1, the smallest is {base}")
    rounds -= base
    ids = list(dict.fromkeys(match))
    index = {m: k for k, m in enumerate(ids)}
    mi = np.array([index[m] for m in match])
    length = np.bincount(mi, minlength=len(ids))
    L = int(length.max())
    own_a = np.full((len(ids), L), -1, dtype=np.int8)
    other_a = np.full((len(ids), L), -1, dtype=np.int8)
    seen = np.full((len(ids), L), -1, dtype=np.int64)
    for i in range(len(df)):
        k, t = mi[i], rounds[i]
        if t >= length[k]:
            raise FileFormatError(f"{where}: match {ids[k]!r} has {length[k]} rows but row {i + 1} is its round "
                                  f"{t + base}: rounds must be consecutive from {base}")
        if seen[k, t] >= 0:
            raise FileFormatError(f"{where}: match {ids[k]!r}, round {t + base} appears twice (rows {seen[k, t] + 1} and {i + 1})")
        seen[k, t] = i
        own_a[k, t], other_a[k, t] = own[i], other[i]
    labels: dict[str, tuple[str, ...] | None] = {}
    for c in OPTIONAL_COLUMNS:
        if names[c] not in df.columns:
            if c in columns:
                raise FileFormatError(f"{where}: missing column {names[c]!r} (given for {c!r}); found {list(df.columns)}")
            labels[c] = None
            continue
        vals = [str(v).strip() for v in df[names[c]]]
        per: list[str | None] = [None] * len(ids)
        for i, v in enumerate(vals):
            k = mi[i]
            if v in ("", "nan", "None"):
                raise FileFormatError(f"{where}: column {names[c]!r}, row {i + 1}: empty label")
            if per[k] is None:
                per[k] = v
            elif per[k] != v:
                raise FileFormatError(f"{where}: column {names[c]!r}, row {i + 1}: match {ids[k]!r} has two {c} labels "
                                      f"({per[k]!r} and {v!r}); it must be constant within a match")
        labels[c] = tuple(str(v) for v in per)
    return PlayLog(own_a, other_a, length, tuple(ids), labels["coplayer"], labels["subject"], where)


def log_from_trajectories(tr: Any, *, coplayer: Sequence[str] | None = None, subject: Sequence[str] | None = None,
                          prefix: str = "m") -> PlayLog:
    """A :class:`PlayLog` of player X's matches in :class:`~solvers.simulate.Trajectories` ``tr``.

    Leading (pair) axes are flattened in order; ``coplayer`` (and ``subject``) give one label per
    pair, repeated over that pair's matches, or one label per match."""
    if not (hasattr(tr, "a_x") and hasattr(tr, "a_y")):
        raise ParameterError(f"tr must be recorded matches (solvers.simulate.Trajectories), got {type(tr).__name__}")
    ax, ay = np.asarray(tr.a_x), np.asarray(tr.a_y)
    if ax.ndim < 2 or ax.shape != ay.shape:
        raise ParameterError(f"tr: a_x and a_y must be (..., matches, rounds) arrays of one shape, got {ax.shape}, {ay.shape}")
    n = ax.shape[-1]
    pairs = int(np.prod(ax.shape[:-2])) if ax.ndim > 2 else 1
    own = ax.reshape(-1, n).astype(np.int8)
    other = ay.reshape(-1, n).astype(np.int8)
    m = own.shape[0]
    per = m // pairs

    def expand(lbl: Sequence[str] | None, what: str) -> tuple[str, ...] | None:
        if lbl is None:
            return None
        if isinstance(lbl, (str, bytes)) or not hasattr(lbl, "__iter__"):
            raise ParameterError(f"{what} must be a sequence of labels, got {lbl!r}")
        lbl = [str(x) for x in lbl]
        if len(lbl) == pairs:
            return tuple(x for x in lbl for _ in range(per))
        if len(lbl) == m:
            return tuple(lbl)
        raise ParameterError(f"{what}: give one label per pair ({pairs}) or per match ({m}), got {len(lbl)}")

    return PlayLog(own, other, np.full(m, n), tuple(f"{prefix}{i}" for i in range(m)), expand(coplayer, "coplayer"),
                   expand(subject, "subject"), "<simulated>")
