"""Input/output helpers: parse strategies from text, write JSON results and xarray netCDF files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import InvalidProbabilityError, ParameterError
from .games import Game, preset
from .strategies import MemoryOne, StrategyPool, named

__all__ = ["parse_strategy", "parse_strategies", "to_jsonable", "write_json", "write_netcdf"]


def parse_strategy(spec: str, game: Game | str = "paper", name: str | None = None) -> MemoryOne:
    """Parse a strategy given as a library name (``TFT``, ``Extort-2``...) or as five numbers
    ``p0,p_CC,p_CD,p_DC,p_DD`` (commas or spaces).  An optional ``label=`` prefix names it:
    ``mine=1,1,0,1,0``."""
    spec = spec.strip()
    label = name
    if "=" in spec:
        label, spec = (s.strip() for s in spec.split("=", 1))
    parts = [p for p in spec.replace(",", " ").split() if p]
    if len(parts) == 1 and not _is_number(parts[0]):
        s = named(parts[0], game)
        return s.with_name(label) if label else s
    if not all(_is_number(p) for p in parts):
        raise ParameterError(f"cannot parse strategy {spec!r}: give a library name or five numbers p0,p_CC,p_CD,p_DC,p_DD")
    if len(parts) != 5:
        raise InvalidProbabilityError(f"strategy {spec!r}: expected five numbers p0,p_CC,p_CD,p_DC,p_DD, got {len(parts)}")
    vec = [float(p) for p in parts]
    return MemoryOne.from_vector(vec, name=label or "[" + ",".join(f"{v:g}" for v in vec) + "]")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def parse_strategies(specs: Sequence[str], game: Game | str = "paper") -> list[MemoryOne]:
    """Parse several specs; ``all`` expands to the whole named library for ``game``."""
    from .strategies import library

    out: list[MemoryOne] = []
    for spec in specs:
        if spec.strip().lower() == "all":
            out.extend(library(preset(game)).values())
        else:
            out.append(parse_strategy(spec, game))
    return out


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses and MemoryOne objects to JSON-friendly types."""
    if isinstance(obj, MemoryOne):
        return obj.to_dict()
    if isinstance(obj, Game):
        return obj.to_dict()
    if isinstance(obj, StrategyPool):
        return {"names": list(obj.names), "params": obj.params.tolist()}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else str(v)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(obj, k)) for k in obj.__dataclass_fields__}
    return obj


def write_json(obj: Any, path: str | Path | None) -> str:
    """Serialise ``obj`` (see :func:`to_jsonable`); write to ``path`` if given; return the text."""
    text = json.dumps(to_jsonable(obj), indent=2, sort_keys=False)
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text + "\n")
    return text


def write_netcdf(ds: Any, path: str | Path) -> None:
    """Write an xarray Dataset as netCDF: h5netcdf (netCDF4) if usable, else scipy (netCDF3)."""
    try:
        ds.to_netcdf(path, engine="h5netcdf")
    except (ImportError, ValueError):
        ds.to_netcdf(path, engine="scipy")
