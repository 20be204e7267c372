"""Read views of the built atlas for the API and the map: profiles, chain maps, networks, inventories.

Layers and node attributes are read through :mod:`chainatlas.pipeline.query` (the one seam); chain
completeness comes from :func:`chainatlas.pipeline.chains.chain_presence`; the network view is the
``network`` analysis topic. What is left here is filtering, joining names and reshaping into plain dicts
and frames ready to serialise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import query
from chainatlas.pipeline.areas import list_areas
from chainatlas.pipeline.chains import CELL_ATTRS, chain_presence
from chainatlas.storage.base import Backend

__all__ = [
    "boundaries",
    "chain_matrix",
    "chain_sankey",
    "compare",
    "edge_sources",
    "edge_table",
    "entities",
    "entity",
    "indicator_series",
    "inventory_periods",
    "inventory_places",
    "node_table",
    "place_profile",
    "places",
]


#: edge sources that carry technology from where it is made to where it is used (the Sankey)
_TRANSFER_PREFIXES = ("patent_transfers.", "tech_contracts.")


# ---------------------------------------------------------------------------------------------- places
def places(backend: Backend, scale: str) -> pd.DataFrame:
    """Units of a scale with names, label point and ``proper``.

    ``proper`` is false for the stand-ins a scale keeps for records known only at a coarser level
    (at city scale, a province code means "somewhere in that province"); maps and rankings use the
    proper units only.
    """
    df = query.names(backend, scale).copy()
    df["proper"] = query.proper(scale, df["unit"])
    p = geo.places().set_index("adcode")
    df["city"] = df["unit"].map(p["city_adcode"]).where(df["unit"].map(p["level"]) == "county")
    df["province"] = df["unit"].map(p["province_adcode"])
    short = df["unit"].map(p["short_zh"]).fillna(df["name_zh"]).fillna("")
    spelled = [_pinyin(zh, en) for zh, en in zip(short, df["name_en"].fillna(""), strict=True)]
    df["pinyin"] = [full for full, _ in spelled]
    df["initials"] = [ini for _, ini in spelled]
    return df


def _pinyin(name: str, name_en: str) -> tuple[str, str]:
    """Full pinyin without tones (``kunshan``) and initials (``ks``) of a place's short name, for type-ahead.

    Place names are full of characters with several readings (长宁 Changning, 六安 Lu'an, 乐清 Yueqing); the
    official romanisation (``name_en``) decides among pypinyin's readings of each character, which alone reads
    长宁 as "zhangning".
    """
    from pypinyin import Style, pinyin

    # each character alone: in a phrase pypinyin keeps only its phrase reading (六合 → liu he, not Luhe)
    readings = [
        pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")[0]
        for ch in name
        if pinyin(ch, style=Style.NORMAL, errors="ignore")
    ]
    phrase = [r[0] for r in pinyin(name, style=Style.NORMAL, errors="ignore")]
    target = re.sub(r"[^a-z]", "", name_en.lower())

    def walk(i: int, at: int) -> list[str] | None:
        if i == len(readings):
            return [] if at == len(target) else None
        for r in readings[i]:
            if target.startswith(r, at) and (rest := walk(i + 1, at + len(r))) is not None:
                return [r, *rest]
        return None

    syllables = walk(0, 0) or phrase
    return "".join(syllables), "".join(s[0] for s in syllables if s)


# ---------------------------------------------------------------------------------------------- geometry
def boundaries(scale: str, backend: Backend | None = None) -> dict:
    """GeoJSON of the units of a scale, one feature per unit, for the map's ``registerMap``.

    Parameters
    ----------
    scale : {'county', 'city', 'province', 'area', 'region'}
    backend : Backend, optional
        Gives the user's functional areas (scale ``area``); without it the shipped areas are used.

    Returns
    -------
    dict
        A FeatureCollection whose feature properties are ``unit`` (the id used by edges and nodes),
        ``name`` (= ``unit``), ``name_zh`` and ``name_en``. Functional areas and the region are the
        union of their members' polygons as one MultiPolygon (areas may overlap).
    """
    query.check_filters(scale=scale)
    if scale in ("county", "city", "province"):
        fc = geo.boundaries(scale)
        for f in fc["features"]:
            p = f["properties"]
            f["properties"] = {
                "unit": p["adcode"],
                "name": p["adcode"],
                "name_zh": p["name_zh"],
                "name_en": p["name_en"],
            }
        return fc
    polys = {
        f["properties"]["adcode"]: f["geometry"]
        for lvl in ("province", "city", "county")
        for f in geo.boundaries(lvl)["features"]
    }
    if scale == "region":
        groups = [("YRD", "长三角", "Yangtze River Delta", [p for p in polys if p.endswith("0000")])]
    else:
        areas = list_areas(backend)
        groups = [(a.area_id, a.name_zh, a.name_en, list(a.members)) for a in areas.itertuples()]
        # areas overlap: the largest first, so that smaller ones are drawn on top of it
        groups.sort(key=lambda g: -len(g[3]))
    features = []
    for unit, zh, en, members in groups:
        parts: list = []
        for m in members:
            g = polys.get("310100" if m == "310000" and scale == "area" else m)
            if g is None:
                continue
            parts.extend(g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]])
        features.append(
            {
                "type": "Feature",
                "properties": {"unit": unit, "name": unit, "name_zh": zh, "name_en": en or unit},
                "geometry": {"type": "MultiPolygon", "coordinates": parts},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------- edges, nodes
def edge_sources(backend: Backend) -> pd.DataFrame:
    """Which sources feed each layer: ``layer``, ``source``, ``rows`` (city-scale, all periods)."""
    e = query.edges_by(backend, scale="city", by=("layer", "source"))
    return e[["layer", "source", "rows", "n"]]


def edge_table(
    backend: Backend,
    *,
    layer: str,
    scale: str,
    period: int | None = None,
    chain: str = ALL,
    segment: str = ALL,
    place: str | None = None,
    sources: Sequence[str] | None = None,
    min_n: float = 0.0,
    self_loops: bool = True,
    order: str = "n",
) -> tuple[int, pd.DataFrame]:
    """Edges of one layer with the names of both ends, heaviest first (by ``order``: ``n`` or ``value``).

    Returns
    -------
    (int, pandas.DataFrame)
        The period used and the frame ``src, dst, src_name_zh, src_name_en, dst_name_zh, dst_name_en,
        n, value`` (``n`` counts records, fractionally for multi-party records; ``value`` is in the
        unit of the sources).
    """
    query.check_filters(layer, scale)
    query.check_chain(backend, chain, segment)
    if order not in ("n", "value"):
        raise ConfigError(f"expected 'n' or 'value', got {order!r}", param="order")
    year = query.latest(backend, period)
    df = query.edges(
        backend,
        layer=layer,
        scale=scale,
        period=year,
        chain=chain,
        segment=segment,
        sources=sources,
        place=place,
        self_loops=self_loops,
    )
    if min_n > 0:
        df = df[df["n"] >= min_n]
    other = "value" if order == "n" else "n"
    df = df.sort_values([order, other, "src", "dst"], ascending=[False, False, True, True], ignore_index=True)
    names = query.names(backend, scale).set_index("unit")
    if place is not None and place not in names.index:
        raise ConfigError(
            f"{place!r} is not a unit of scale {scale!r}; see /api/places?scale={scale}", param="place"
        )
    for end in ("src", "dst"):
        df[f"{end}_name_zh"] = df[end].map(names["name_zh"])
        df[f"{end}_name_en"] = df[end].map(names["name_en"])
    cols = ["src", "dst", "src_name_zh", "src_name_en", "dst_name_zh", "dst_name_en", "n", "value"]
    return year, df[cols]


def node_table(
    backend: Backend,
    *,
    scale: str,
    period: int | None = None,
    chain: str = ALL,
    segment: str = ALL,
    attrs: Sequence[str] | None = None,
    place: str | None = None,
) -> tuple[int, pd.DataFrame]:
    """Indicators of every unit (one column per attribute) with names and label points."""
    query.check_chain(backend, chain, segment)
    year = query.latest(backend, period)
    df = query.nodes(backend, scale=scale, period=year, chain=chain, segment=segment, attrs=attrs)
    df.insert(5, "proper", query.proper(scale, df["unit"]).to_numpy())
    if place is not None:
        if place not in set(df["unit"]):
            raise ConfigError(
                f"{place!r} is not a unit of scale {scale!r}; see /api/places?scale={scale}", param="place"
            )
        df = df[df["unit"] == place]
    return year, df.reset_index(drop=True)


def indicator_series(
    backend: Backend,
    *,
    attr: str,
    scale: str,
    chain: str = ALL,
    segment: str = ALL,
    places: Sequence[str] | None = None,
    grain: str = "year",
) -> pd.DataFrame:
    """One indicator over every built period of ``grain`` (year, quarter or month): ``year, unit, value``
    (``year`` holds the period: 2024, 2024Q2 or 2024-05; missing combinations are 0)."""
    query.check_chain(backend, chain, segment)
    years = query.periods(backend, grain)
    df = query.attr_frame(
        backend,
        scale=scale,
        years=years if grain != "year" else None,
        chain=chain,
        segment=segment,
        attrs=[attr],
        units=places,
        by=("period", "unit"),
    ).rename(columns={"period": "year"})
    units = list(places) if places else sorted(set(df["unit"]))
    full = pd.MultiIndex.from_product([years, units], names=["year", "unit"]).to_frame(index=False)
    out = full.merge(df, on=["year", "unit"], how="left").fillna({"value": 0.0})
    order = {p: i for i, p in enumerate(years)}
    return out.sort_values(
        ["unit", "year"], key=lambda c: c.map(order) if c.name == "year" else c, ignore_index=True
    )


# ---------------------------------------------------------------------------------------------- profiles
def _partners(edges: pd.DataFrame, unit: str, names: pd.DataFrame, top: int) -> dict:
    """Per layer: totals and the top partners of ``unit`` in long edges ``layer, src, dst, n, value``."""
    e = edges[edges["src"] != edges["dst"]]
    outgoing = (
        e[e["src"] == unit]
        .rename(columns={"dst": "partner"})
        .groupby(["layer", "partner"])[["n", "value"]]
        .sum()
    )
    incoming = (
        e[e["dst"] == unit]
        .rename(columns={"src": "partner"})
        .groupby(["layer", "partner"])[["n", "value"]]
        .sum()
    )
    both = outgoing.add_suffix("_out").join(incoming.add_suffix("_in"), how="outer").fillna(0.0)
    both["n"] = both["n_out"] + both["n_in"]
    both["value"] = both["value_out"] + both["value_in"]
    both = both.reset_index().sort_values(
        ["layer", "n", "value", "partner"], ascending=[True, False, False, True]
    )
    both["name_zh"] = both["partner"].map(names["name_zh"])
    both["name_en"] = both["partner"].map(names["name_en"])
    internal = edges[(edges["src"] == unit) & (edges["dst"] == unit)].groupby("layer")["n"].sum()
    out: dict[str, dict] = {}
    for layer in LAYERS:
        b = both[both["layer"] == layer]
        rows = [
            {
                "unit": r.partner,
                "name_zh": None if pd.isna(r.name_zh) else r.name_zh,
                "name_en": None if pd.isna(r.name_en) else r.name_en,
                "n": float(r.n),
                "n_out": float(r.n_out),
                "n_in": float(r.n_in),
                "value": float(r.value),
            }
            for r in b.head(top).itertuples()
        ]
        out[layer] = {
            "partners": len(b),
            "n_out": float(b["n_out"].sum()),
            "n_in": float(b["n_in"].sum()),
            "value_out": float(b["value_out"].sum()),
            "value_in": float(b["value_in"].sum()),
            "n_internal": float(internal.get(layer, 0.0)),
            "top": rows,
        }
    return out


def _indicators(wide: pd.DataFrame, unit: str, scale: str) -> list[dict]:
    """Value, rank (1 = largest, among the proper units of the scale) and share of the regional total."""
    rows = []
    row = wide[wide["unit"] == unit]
    total_of = wide.copy()
    wide = wide[query.proper(scale, wide["unit"]).to_numpy()]
    for attr, ind in INDICATORS.items():
        col = ind.compute(wide)
        value = float(ind.compute(row).iloc[0]) if len(row) else 0.0
        total = float(ind.compute(total_of).sum())
        rank = int((col > value).sum() + 1) if value > 0 else None
        rows.append(
            {
                "attr": attr,
                "zh": ind.zh,
                "en": ind.en,
                "unit_zh": ind.unit_zh,
                "unit_en": ind.unit_en,
                "value": value,
                "rank": rank,
                "of": len(wide),
                "share": value / total if total > 0 else None,
            }
        )
    return rows


def _chain_positions(backend: Backend, scale: str, year: int, unit: str) -> list[dict]:
    """Per chain and segment: the unit's firms, revenue and patents, rank and how many units have it."""
    long = query.attr_frame(
        backend,
        scale=scale,
        period=year,
        chain=None,
        segment=None,
        attrs=["firms", "revenue", "patents"],
        by=("chain", "segment", "unit", "attr"),
    )
    segs = query.segments(backend).sort_values(["chain", "topo_order"])
    chains = backend.execute(query.table(backend, "chains").select("id", "name_zh", "name_en"))
    wide = (
        long.pivot_table(
            index=["chain", "segment", "unit"], columns="attr", values="value", aggfunc="sum", fill_value=0.0
        )
        .reindex(columns=["firms", "revenue", "patents"], fill_value=0.0)
        .reset_index()
    )
    mine = wide[wide["unit"] == unit].set_index(["chain", "segment"])[["firms", "revenue", "patents"]]
    segs = (
        segs.set_index(["chain", "segment"])
        .join(mine, how="left")
        .fillna({"firms": 0.0, "revenue": 0.0, "patents": 0.0})
    )
    present = wide[wide["firms"] > 0]
    segs["units_present"] = present.groupby(["chain", "segment"]).size().reindex(segs.index, fill_value=0)
    above = present.join(segs["firms"].rename("mine"), on=["chain", "segment"])
    segs["above"] = (
        (above["firms"] > above["mine"])
        .groupby([above["chain"], above["segment"]])
        .sum()
        .reindex(segs.index, fill_value=0)
    )
    segs = segs.reset_index()
    out = []
    for c in chains.itertuples():
        seg_rows = [
            {
                "segment": s.segment,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "position": int(s.position),
                "firms": float(s.firms),
                "revenue": float(s.revenue),
                "patents": float(s.patents),
                "rank": int(s.above) + 1 if s.firms > 0 else None,
                "units_present": int(s.units_present),
            }
            for s in segs[segs["chain"] == c.id].itertuples()
        ]
        out.append(
            {
                "chain": c.id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "segments_present": sum(1 for r in seg_rows if r["firms"] > 0),
                "segments": seg_rows,
            }
        )
    return out


def place_profile(
    backend: Backend,
    *,
    scale: str,
    unit: str,
    period: int | None = None,
    chain: str = ALL,
    segment: str = ALL,
    top: int = 5,
) -> dict:
    """Everything the map's side panel shows for one unit.

    Returns
    -------
    dict
        ``unit``, ``name_zh``, ``name_en``, ``lon``, ``lat``, ``scale``, ``period``, ``indicators``
        (value, rank among the units of the scale, share of the regional total), ``layers`` (per
        layer: partner count, records out/in/internal, value out/in and the ``top`` partners) and
        ``chains`` (per chain and segment: firms, revenue, patents, rank, units present).
    """
    query.check_chain(backend, chain, segment)
    year = query.latest(backend, period)
    names = query.names(backend, scale)
    me = names[names["unit"] == unit]
    if me.empty:
        raise ConfigError(f"{unit!r} is not a unit of scale {scale!r}", param="place")
    _, wide = node_table(backend, scale=scale, period=year, chain=chain, segment=segment)
    edges = query.edges_by(
        backend,
        scale=scale,
        by=("layer", "src", "dst"),
        period=year,
        chain=chain,
        segment=segment,
        place=unit,
    )
    r = me.iloc[0]
    return {
        "unit": unit,
        "name_zh": r["name_zh"],
        "name_en": r["name_en"],
        "lon": float(r["lon"]),
        "lat": float(r["lat"]),
        "scale": scale,
        "period": year,
        "chain": chain,
        "segment": segment,
        "indicators": _indicators(wide, unit, scale),
        "layers": _partners(edges, unit, names.set_index("unit"), top),
        "chains": _chain_positions(backend, scale, year, unit),
    }


def compare(
    backend: Backend,
    *,
    scale: str,
    a: str,
    b: str | None = None,
    period: int | None = None,
    period_b: int | None = None,
    chain: str = ALL,
) -> dict:
    """Two places in one period, or one place in two periods, side by side across the six layers.

    Returns
    -------
    dict
        ``mode`` (``places`` or ``periods``), ``left`` and ``right`` (each a :func:`place_profile`
        without chain positions) and ``layers``: per layer the partners both sides share.
    """
    if b is None and period_b is None:
        raise ConfigError("give a second place (b) or a second period (period_b)", param="b")
    left = place_profile(backend, scale=scale, unit=a, period=period, chain=chain, top=10)
    right = place_profile(
        backend,
        scale=scale,
        unit=b or a,
        period=period_b if period_b is not None else period,
        chain=chain,
        top=10,
    )
    shared = {}
    for layer in LAYERS:
        la = {p["unit"] for p in left["layers"][layer]["top"]}
        lb = {p["unit"] for p in right["layers"][layer]["top"]}
        shared[layer] = sorted(la & lb)
    for side in (left, right):
        side.pop("chains", None)
    return {
        "mode": "places" if b is not None and b != a else "periods",
        "left": left,
        "right": right,
        "shared_top_partners": shared,
    }


# ---------------------------------------------------------------------------------------------- chains
def chain_matrix(backend: Backend, *, chain: str, scale: str = "city", period: int | None = None) -> dict:
    """Segments (upstream → downstream) × units: presence, strength and innovation of each cell.

    The statuses come from :func:`chainatlas.pipeline.chains.chain_presence`, the one judgement of 断链
    (``broken``: no producer in the region), 单点 (``single``: one city or one firm) and 卡点 (``choke``:
    imports concentrated on one partner region), made at city scale whatever ``scale`` shows; ``basis``
    says whether a segment is judged by firms or, where no industry code reaches it, by patents.

    Returns
    -------
    dict
        ``chain``, ``period``, ``scale``, ``segments`` (ordered; each with totals, ``cities_present``,
        ``units_present``, ``status``, ``single_by``, ``choke``, the import dependence and the leading unit),
        ``units`` (those with any firm or patent of the chain, largest first) and ``cells`` (``segment, unit,
        firms, employees, revenue, patents, tech_sold, exports, imports``).
    """
    pr = chain_presence(backend, chain, period, scale)
    cells = pr.cells
    names = query.names(backend, scale).set_index("unit")

    def name(unit: str | None, lang: str) -> str | None:
        return names[f"name_{lang}"].get(unit) if unit else None

    seg_out = []
    for s in pr.segments.to_dict("records"):
        c = cells[cells["segment"] == s["segment"]]
        lead = c.sort_values([s["basis"], "revenue", "unit"], ascending=[False, False, True]).head(1)
        lead_unit = lead["unit"].iloc[0] if len(lead) and lead[s["basis"]].iloc[0] > 0 else None
        seg_out.append(
            {
                **s,
                "cities_present": s["n_cities"],
                "units_present": int((c[s["basis"]] > 0).sum()),
                "lead_unit": lead_unit,
                "lead_name_zh": name(lead_unit, "zh"),
                "lead_name_en": name(lead_unit, "en"),
            }
        )
    by_unit = cells.groupby("unit")[["firms", "revenue", "patents"]].sum()
    # a unit with a withheld segment (disclosure control) has its total withheld too
    withheld = cells.groupby("unit")["revenue"].apply(lambda x: x.isna().any())
    by_unit.loc[withheld[withheld].index, "revenue"] = float("nan")
    by_unit = by_unit[(by_unit["firms"] > 0) | (by_unit["patents"] > 0)].sort_values(
        ["firms", "revenue"], ascending=False
    )
    units = [
        {
            "unit": u,
            "name_zh": name(u, "zh"),
            "name_en": name(u, "en"),
            "firms": float(r["firms"]),
            "revenue": float(r["revenue"]),
            "patents": float(r["patents"]),
        }
        for u, r in by_unit.iterrows()
    ]
    cells = cells[cells["unit"].isin(by_unit.index)]
    return {
        "chain": chain,
        "period": pr.period,
        "scale": scale,
        "segments": seg_out,
        "units": units,
        "cells": cells[["segment", "unit", *CELL_ATTRS]].to_dict("records"),
    }


def chain_sankey(
    backend: Backend,
    *,
    chain: str,
    scale: str = "city",
    period: int | None = None,
    weight: str = "value",
    top: int = 12,
) -> dict:
    """The innovation → industry path of a chain: where technology is made → segment → where it is used.

    Built from the innovation layer's technology transfers (patent transfers and licences,
    technology contracts) assigned to the chain's segments: the left column is the selling unit
    (创新地), the middle the segment, the right the buying unit (产业地). Units beyond the ``top``
    heaviest on a side are pooled as "其他/other". ``stages`` gives, per segment, the counts along the
    path: patents → transfers → firms → revenue → exports.
    """
    query.check_filters(scale=scale)
    segs = query.chain_segments(backend, chain)
    if weight not in ("n", "value"):
        raise ConfigError(f"expected 'n' (records) or 'value' (万元), got {weight!r}", param="weight")
    year = query.latest(backend, period)
    df = query.edges_by(
        backend,
        scale=scale,
        by=("segment", "src", "dst"),
        layer="innovation",
        period=year,
        chain=chain,
        segment=None,
        source_prefixes=_TRANSFER_PREFIXES,
    )
    names = query.names(backend, scale).set_index("unit")

    def pool(col: str) -> pd.Series:
        heavy = df.groupby(col)[weight].sum().sort_values(ascending=False)
        keep = set(heavy.head(top).index)
        return df[col].where(df[col].isin(keep), "_other")

    nodes: dict[str, dict] = {}
    links: list[dict] = []
    if len(df):
        df = df.assign(src_p=pool("src"), dst_p=pool("dst"))
        for side, col in (("src", "src_p"), ("dst", "dst_p")):
            for u in df[col].unique():
                nodes[f"{side}:{u}"] = {
                    "id": f"{side}:{u}",
                    "column": 0 if side == "src" else 2,
                    "unit": u,
                    "name_zh": "其他" if u == "_other" else names["name_zh"].get(u, u),
                    "name_en": "other" if u == "_other" else names["name_en"].get(u, u),
                }
        left = df.groupby(["src_p", "segment"])[["n", "value"]].sum().reset_index()
        right = df.groupby(["segment", "dst_p"])[["n", "value"]].sum().reset_index()
        links += [
            {
                "source": f"src:{r.src_p}",
                "target": f"seg:{r.segment}",
                "n": float(r.n),
                "value": float(r.value),
            }
            for r in left.itertuples()
        ]
        links += [
            {
                "source": f"seg:{r.segment}",
                "target": f"dst:{r.dst_p}",
                "n": float(r.n),
                "value": float(r.value),
            }
            for r in right.itertuples()
        ]
    used = set(df["segment"]) if len(df) else set()
    for s in segs.itertuples():
        if s.segment in used:
            nodes[f"seg:{s.segment}"] = {
                "id": f"seg:{s.segment}",
                "column": 1,
                "unit": None,
                "segment": s.segment,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
            }
    links = [dict(li, weight=li[weight]) for li in links if li[weight] > 0]
    presence = chain_presence(backend, chain, year, scale).segments
    moved = df.groupby("segment")["n"].sum() if len(df) else pd.Series(dtype=float)
    stages = [
        {
            "segment": s["segment"],
            "name_zh": s["name_zh"],
            "name_en": s["name_en"],
            "patents": s["patents"],
            "transfers": float(moved.get(s["segment"], 0.0)),
            "firms": s["firms"],
            "revenue": s["revenue"],
            "exports": s["exports"],
            "imports": s["imports"],
        }
        for s in presence.to_dict("records")
    ]
    return {
        "chain": chain,
        "period": year,
        "scale": scale,
        "weight": weight,
        "nodes": sorted(nodes.values(), key=lambda n: (n["column"], n["id"])),
        "links": links,
        "stages": stages,
    }


# ---------------------------------------------------------------------------------------------- entities
_ENTITY_COLS = [
    "credit_code",
    "name",
    "entity_type",
    "adcode",
    "industry_code",
    "other_industry_codes",
    "employees",
    "registered_capital",
    "founded",
    "synthetic",
]


def entities(
    backend: Backend,
    *,
    scale: str = "city",
    place: str | None = None,
    entity_type: str | None = None,
    chain: str = ALL,
    segment: str = ALL,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, pd.DataFrame]:
    """Entities (firms, universities, institutes, ...) filtered by place, type, chain segment and name.

    Returns
    -------
    (int, pandas.DataFrame)
        The number of matches and one page of them with ``unit`` (the place at ``scale``) and its names.
    """
    query.check_filters(scale=scale)
    query.check_chain(backend, chain, segment)
    f = query.table(backend, "raw_firms")
    su = query.table(backend, "scale_units")
    su = su.filter(su.scale == scale).select(_ad=su.adcode, unit=su.unit)
    e = f.select(*_ENTITY_COLS).mutate(entity_type=f.entity_type.fill_null("firm"))
    e = e.left_join(su, e.adcode == su._ad).drop("_ad")
    if place is not None:
        e = e.filter(e.unit == place)
    if entity_type is not None:
        e = e.filter(e.entity_type == entity_type)
    if q:
        e = e.filter(e.name.contains(q) | (e.credit_code == q.upper()))
    if chain != ALL:
        lk = query.table(backend, "seg_lookup")
        lk = lk.filter((lk.ck_type == "e") & (lk.chain == chain))
        if segment != ALL:
            lk = lk.filter(lk.segment == segment)
        lk = lk.select(_ck=lk.ck).distinct()
        e = e.filter(e.credit_code.isin(lk._ck))
    total = int(backend.execute(e.count().as_table()).iloc[0, 0])
    page = backend.execute(e.order_by([ibis.desc("employees"), "credit_code"]).limit(limit, offset=offset))
    names = query.names(backend, scale).set_index("unit")
    page["unit_name_zh"] = page["unit"].map(names["name_zh"])
    page["unit_name_en"] = page["unit"].map(names["name_en"])
    if "founded" in page:
        page["founded"] = page["founded"].astype("string")
    return total, page


def entity(backend: Backend, entity_id: str, *, top: int = 10) -> dict | None:
    """One entity: its register row, chain segments and its ties per layer (all periods), or None."""
    f = query.table(backend, "raw_firms")
    row = backend.execute(f.filter(f.credit_code == entity_id).select(*_ENTITY_COLS).limit(1))
    if row.empty:
        return None
    rec = row.iloc[0].to_dict()
    rec["entity_type"] = rec.get("entity_type") or "firm"
    if rec.get("founded") is not None and not pd.isna(rec["founded"]):
        rec["founded"] = str(pd.Timestamp(rec["founded"]).date())
    lk = query.table(backend, "seg_lookup")
    segs = backend.execute(lk.filter((lk.ck_type == "e") & (lk.ck == entity_id)).select("chain", "segment"))
    fa = query.table(backend, "facts")
    ties = fa.filter((fa.src == entity_id) | (fa.dst == entity_id))
    ties = ties.mutate(
        partner=ibis.cases((ties.src == entity_id, ties.dst), else_=ties.src),
        partner_adcode=ibis.cases((ties.src == entity_id, ties.dst_adcode), else_=ties.src_adcode),
    )
    agg = backend.execute(
        ties.group_by(["layer", "partner", "partner_adcode"]).aggregate(
            n=ties.n.sum(), value=ties.value.sum(), first=ties.year.min(), last=ties.year.max()
        )
    )
    pn = backend.execute(
        f.filter(f.credit_code.isin(list(agg["partner"].unique()) or [""])).select("credit_code", "name")
    )
    pname = dict(zip(pn["credit_code"], pn["name"], strict=False))
    layers = {}
    for layer in LAYERS:
        a = agg[agg["layer"] == layer].sort_values("n", ascending=False)
        layers[layer] = {
            "ties": len(a),
            "n": float(a["n"].sum()),
            "value": float(a["value"].sum()),
            "top": [
                {
                    "partner": r.partner,
                    "name": pname.get(r.partner),
                    "adcode": r.partner_adcode,
                    "n": float(r.n),
                    "value": float(r.value),
                    "first": int(r.first),
                    "last": int(r.last),
                }
                for r in a.head(top).itertuples()
            ],
        }
    place = geo.place(rec["adcode"]) if rec.get("adcode") else None
    return {
        **{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()},
        "place_name_zh": place["name_zh"] if place else None,
        "place_name_en": place["name_en"] if place else None,
        "segments": segs.to_dict("records"),
        "layers": layers,
    }


# ---------------------------------------------------------------------------------------------- inventory
def inventory_periods(backend: Backend) -> pd.DataFrame:
    """Records per input kind and year with how many are synthetic: ``kind, year, rows, synthetic_rows``."""
    frames = []
    for k in KINDS.values():
        if not backend.has_table(k.table):
            continue
        t = query.table(backend, k.table)
        g = t.group_by("year").aggregate(
            rows=t.count(), synthetic_rows=t.synthetic.fill_null(False).cast("int64").sum()
        )
        df = backend.execute(g)
        if len(df):
            frames.append(df.assign(kind=k.name))
    if not frames:
        return pd.DataFrame(columns=["kind", "year", "rows", "synthetic_rows"])
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out[["kind", "year", "rows", "synthetic_rows"]].sort_values(["kind", "year"], ignore_index=True)


def inventory_places(backend: Backend, *, scale: str = "city", period: int | None = None) -> pd.DataFrame:
    """Node attributes per unit (all chains): ``unit, name_zh, name_en, <attr>...`` for one period."""
    year, df = node_table(backend, scale=scale, period=period)
    return df.assign(period=year)
