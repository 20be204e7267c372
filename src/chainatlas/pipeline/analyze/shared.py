"""Pieces several topics (and calc methods) share: the checks and frames they read, and two computations
that both the atlas topics and the users' tables run (coupling indices, multiplex participation)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from chainatlas import geo
from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.layers import LAYERS
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = [
    "INDUSTRY_ATTRS",
    "INNOVATION_ATTRS",
    "coupling_frame",
    "layers_long",
    "need_scale",
    "participation",
    "proper_units",
    "province_of",
    "ties",
    "zh_names",
]

#: node attributes of the two subsystems of the ``coupling`` topic (entropy-weighted, all benefit indicators)
INNOVATION_ATTRS = ("patents", "papers", "tech_sold", "experts")
INDUSTRY_ATTRS = ("revenue", "firms", "exports", "employees")


def disclosed(nodes: pd.DataFrame, attrs: Sequence[str], topic: str) -> None:
    """AccessError when an analysis needs values that disclosure control withholds from this reader.

    Outside a user's jurisdiction, confidential aggregates (revenue, tax, trade) of some places are withheld
    (``suppressed`` in :func:`chainatlas.pipeline.query.nodes`); an analysis over every place cannot read them
    as zeros nor leave them out without changing its result, so it says so instead.
    """
    if "suppressed" not in nodes:
        return
    held = nodes.loc[nodes["suppressed"].notna(), ["unit", "suppressed"]]
    held = held[held["suppressed"].map(lambda s: any(a in str(s).split(",") for a in attrs))]
    if len(held):
        names = sorted({a for s in held["suppressed"] for a in str(s).split(",") if a in attrs})
        raise AccessError(
            f"{topic}: {', '.join(names)} of {len(held)} places outside your jurisdiction are withheld by "
            f"disclosure control (too few firms, or one firm dominates), and this analysis needs every place's "
            f"value; use indicators without confidential data (firms, employees, patents), or ask a region-wide "
            f"user (e.g. {', '.join(held['unit'].head(3))})"
        )


def need_scale(scale: str, allowed: Sequence[str], topic: str) -> None:
    """ConfigError naming ``scale`` unless the topic works at it."""
    query.check_filters(scale=scale)
    if scale not in allowed:
        raise ConfigError(
            f"topic {topic!r} works at scale {' or '.join(allowed)}, got {scale!r}", param="scale"
        )


def zh_names(backend: Backend, scale: str) -> pd.DataFrame:
    """``unit, name_zh`` of a scale: the name column every result table carries."""
    return query.names(backend, scale)[["unit", "name_zh"]]


def proper_units(scale: str) -> list[str]:
    """The real units of a partitioning scale (no stand-ins for records placed only at a coarser level)."""
    return list(geo.places(scale)["adcode"]) if scale in ("county", "city", "province") else []


def ties(backend: Backend, layer: str, scale: str, period: int, chain: str, segment: str) -> pd.DataFrame:
    """A layer's edges between distinct units with records; ConfigError saying what to try when there are none."""
    e = query.edges(
        backend, layer=layer, scale=scale, period=period, chain=chain, segment=segment, self_loops=False
    )
    e = e[e["n"] > 0]
    if e.empty:
        raise ConfigError(
            f"no {layer} ties between distinct units at scale {scale}, period {period}, "
            f"chain {chain!r}, segment {segment!r}; try another period, scale or chain"
        )
    return e.reset_index(drop=True)


def layers_long(backend: Backend, scale: str, period: int, chain: str, segment: str) -> pd.DataFrame:
    """Edges of all six layers between distinct units, long (``layer, src, dst, n, value``)."""
    e = query.edges_by(
        backend,
        scale=scale,
        by=("layer", "src", "dst"),
        period=period,
        chain=chain,
        segment=segment,
        internal=False,
    )
    e = e[e["layer"].isin(list(LAYERS)) & (e["n"] > 0)]
    if e.empty:
        raise ConfigError(
            f"no ties between distinct units in any layer at scale {scale}, period {period}, "
            f"chain {chain!r}, segment {segment!r}"
        )
    return e[["layer", "src", "dst", "n", "value"]].reset_index(drop=True)


def province_of(units: Sequence[str]) -> pd.Series:
    """The province adcode of each unit (a province is its own; an unknown id stays itself)."""
    p = geo.places().set_index("adcode")
    prov = {}
    for u in units:
        if u in p.index:
            code = p.at[u, "province_adcode"]
            prov[u] = str(code) if pd.notna(code) else str(u)
        else:
            prov[u] = str(u)
    return pd.Series(prov, name="province")


def participation(e: pd.DataFrame, directed: bool, weight: str | None, layers: list) -> pd.DataFrame:
    """Per node: degree per layer, overlapping degree, participation; with weights also by strength."""
    from chainatlas.analytics import networks as nw

    deg = nw.participation_coefficient(e, directed, weight=weight, layers=layers)
    data = deg.add_prefix("degree_").rename(
        columns={"degree_overlapping_degree": "overlapping_degree", "degree_participation": "participation"}
    )
    if weight is not None:
        st = nw.participation_coefficient(e, directed, weight=weight, layers=layers, weighted=True)
        data = data.join(st[layers].add_prefix("strength_"))
        data["participation_strength"] = st["participation"]
    return data


def coupling_frame(
    table: pd.DataFrame, innovation: list[str], industry: list[str]
) -> tuple[pd.DataFrame, dict]:
    """Entropy-weight indices of the two subsystems, then coupling C, T, D and grades (standard and Wang 2021)."""
    from chainatlas.analytics import coupling as cp

    inn = cp.entropy_weights(table[innovation].astype(float))
    ind = cp.entropy_weights(table[industry].astype(float))
    u = pd.DataFrame({"innovation": inn.index, "industry": ind.index})
    std = cp.coupling(u, method="standard")
    wang = cp.coupling(u, method="wang2021")
    data = u.join(std[["C", "T", "D", "grade", "grade_en"]])
    data = data.join(wang[["C", "D", "grade", "grade_en"]].add_suffix("_wang2021"))
    data.index.name = "unit"
    summary = {
        "innovation_weights": inn.weights.to_dict(),
        "industry_weights": ind.weights.to_dict(),
        "coupling_methods": ["standard", "wang2021"],
    }
    return data, summary
