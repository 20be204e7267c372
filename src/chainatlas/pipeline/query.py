"""Read the built atlas: the one seam through which the CLI, exports and the API get data.

Everything is an Ibis expression executed by the backend, so no caller writes SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL, LAYERS, SCALES
from chainatlas.pipeline.build import user_areas
from chainatlas.storage.base import Backend

__all__ = ["edges", "nodes", "units", "inventory", "dataset_info", "periods", "check_filters"]


def check_filters(layer: str | None = None, scale: str | None = None) -> None:
    """Raise ConfigError naming the parameter when a layer or scale is not one we know."""
    if layer is not None and layer not in LAYERS:
        raise ConfigError(f"--layer: unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    if scale is not None and scale not in SCALES:
        raise ConfigError(f"--scale: unknown scale {scale!r}; expected one of {', '.join(SCALES)}")


def periods(backend: Backend) -> list[int]:
    """Years that have been built."""
    if not backend.has_table("builds"):
        return []
    return sorted(int(y) for y in backend.execute(backend.table("builds").select("year"))["year"])


def _need_built(backend: Backend, name: str) -> None:
    if not backend.has_table(name):
        raise ConfigError("the atlas has no built layers yet; run `chainatlas build` first")


def edges(backend: Backend, *, layer: str, scale: str, period: int, chain: str = ALL, segment: str = ALL,
          sources: Sequence[str] | None = None) -> pd.DataFrame:
    """Edges of one layer at one scale and period: src, dst, n (records), value, summed over sources."""
    check_filters(layer, scale)
    _need_built(backend, "layer_edges")
    t = backend.table("layer_edges")
    e = t.filter((t.layer == layer) & (t.scale == scale) & (t.year == int(period)) & (t.chain == chain)
                 & (t.segment == segment))
    if sources:
        e = e.filter(e.source.isin(list(sources)))
    out = backend.execute(e.group_by(["src", "dst"]).aggregate(n=e.n.sum(), value=e.value.sum())
                          .order_by(["src", "dst"]))
    return out


def nodes(backend: Backend, *, scale: str, period: int, chain: str = ALL, segment: str = ALL,
          attrs: Sequence[str] | None = None) -> pd.DataFrame:
    """Node attributes of every unit at one scale and period, one column per attribute."""
    check_filters(scale=scale)
    _need_built(backend, "node_attrs")
    t = backend.table("node_attrs")
    e = t.filter((t.scale == scale) & (t.year == int(period)) & (t.chain == chain) & (t.segment == segment))
    if attrs:
        e = e.filter(e.attr.isin(list(attrs)))
    long = backend.execute(e.select("unit", "attr", "value"))
    wide = long.pivot_table(index="unit", columns="attr", values="value", aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    names = units(backend, scale)
    out = names.merge(wide.reset_index(), on="unit", how="left")
    return out.fillna({c: 0.0 for c in wide.columns})


def units(backend: Backend, scale: str) -> pd.DataFrame:
    """Units of a scale with Chinese and English names and a label point."""
    check_filters(scale=scale)
    return geo.unit_names(scale, user_areas(backend))


def inventory(backend: Backend) -> pd.DataFrame:
    """What is loaded: per batch its kind, file, rows, years and synthetic flag."""
    b = backend.table("batches")
    return backend.execute(b.order_by("batch_id"))


def dataset_info(backend: Backend) -> dict:
    """The loaded dataset's manifest (synthetic flag, generator, seed) and whether any record is synthetic."""
    raw = backend.get_meta("dataset")
    info = json.loads(raw) if raw else {}
    b = backend.table("batches")
    info["contains_synthetic"] = bool(backend.execute(b.aggregate(s=b.synthetic.any()))["s"].iloc[0] or False)
    return info
