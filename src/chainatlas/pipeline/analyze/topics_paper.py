"""The paper's own readings (潘秋晨 2023): innovation spillover beyond the five hubs, core / key / auxiliary
node tiers, and the four practice modes of its Table 1."""

from __future__ import annotations

import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import disclosed, need_scale, proper_units, zh_names
from chainatlas.storage.base import Backend

__all__ = ["TOPICS"]


def spillover(backend: Backend, *, scale, period, chain, segment) -> tuple[pd.DataFrame, dict]:
    """Hub-to-hub share of joint-patent ties per built year (``period`` is ignored: all years are used)."""
    from chainatlas.analytics import diagnostics as dg

    need_scale(scale, ("city",), "spillover")
    ties = query.edges_by(
        backend,
        scale="city",
        by=("year", "src", "dst"),
        layer="innovation",
        chain=chain,
        segment=segment,
        sources=["patents"],
        internal=False,
    )
    years = query.periods(backend)
    cities = set(geo.places("city")["adcode"])
    ties = ties[ties["src"].isin(cities) & ties["dst"].isin(cities) & (ties["n"] > 0)]
    if ties.empty:
        raise ConfigError(
            "spillover reads joint patents between YRD cities (innovation layer, source patents); the atlas has "
            f"none for chain {chain!r}, segment {segment!r} in any built period: load patents with their "
            "applicants' places, then build"
        )
    shares, trend = dg.hub_shares(ties[["year", "src", "dst", "n"]], geo.HUBS, years)
    data = zh_names(backend, "city").rename(columns={"unit": "hub"}).merge(shares, on="hub", how="right")
    sh = data[data["hub"] == geo.HUBS[0]].set_index("year")["share"]
    summary = {
        "indicator": "share of a hub's joint-patent ties with other YRD cities that go to the other four "
        "hubs (上海 310100: ties to 南京 320100, 杭州 330100, 合肥 340100, 苏州 320500)",
        "source": "layer_edges, layer innovation, source patents, scale city",
        "hubs": list(geo.HUBS),
        "periods": years,
        "slope_per_year": trend,
        "shanghai_share": sh.to_dict(),
        "paper": "潘秋晨 (2023): > 50 % for 上海 in 2020",
    }
    return data.sort_values(["hub", "year"], ignore_index=True), summary


def area_units(backend: Backend, area: str, scale: str) -> list[str]:
    """Units at ``scale`` that hold part of functional area ``area``."""
    su = backend.execute(query.table(backend, "scale_units"))
    members = su.loc[(su["scale"] == "area") & (su["unit"] == area), "adcode"]
    if members.empty:
        known = sorted(su.loc[su["scale"] == "area", "unit"].unique())
        raise ConfigError(
            f"unknown functional area {area!r}; expected one of {', '.join(known)}", param="area"
        )
    at = su[(su["scale"] == scale) & su["adcode"].isin(members)]
    return sorted(at["unit"].unique())


def roles(
    backend: Backend, *, scale, period, chain, segment, area=None, **_: object
) -> tuple[pd.DataFrame, dict]:
    """Node tiers (core / key / auxiliary) from innovation/knowledge centrality and innovation strength."""
    from chainatlas.analytics import diagnostics as dg
    from chainatlas.analytics import networks as nw

    need_scale(scale, ("city", "county"), "roles")
    units = area_units(backend, area, scale) if area else proper_units(scale)
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    disclosed(n, ["revenue"], "roles")
    n = n.assign(**{a: 0.0 for a in ("patents", "papers", "revenue") if a not in n})
    n = n[n["unit"].isin(units)].set_index("unit")
    if chain != ALL:  # papers carry no chain: a place's knowledge base is all its papers
        p = query.nodes(backend, scale=scale, period=period, attrs=["papers"]).set_index("unit")
        n["papers"] = p["papers"].reindex(n.index).fillna(0.0) if "papers" in p else 0.0
    ind = pd.DataFrame({"patents": n["patents"], "papers": n["papers"]}, index=units).fillna(0.0)
    for lay in ("innovation", "knowledge"):
        e = query.edges(backend, layer=lay, scale=scale, period=period, chain=chain, segment=segment)
        e = e[(e["src"] != e["dst"]) & (e["n"] > 0) & e["src"].isin(units) & e["dst"].isin(units)]
        if e.empty:
            ind[f"pagerank_{lay}"] = ind[f"betweenness_{lay}"] = 0.0
            continue
        g = nw.build_graph(e, directed=False, weight="n", nodes=units)
        ind[f"pagerank_{lay}"] = nw.pagerank(g).reindex(units).fillna(0.0)
        ind[f"betweenness_{lay}"] = nw.betweenness(g).reindex(units).fillna(0.0)
    tiers = dg.node_tiers(ind)
    fn = dg.functions(
        n["patents"].reindex(tiers.index).fillna(0.0), n["revenue"].reindex(tiers.index).fillna(0.0)
    )
    tiers = fn.join(tiers)
    tiers = ind.join(tiers)
    tiers.index.name = "unit"
    out = zh_names(backend, scale).merge(tiers.reset_index(), on="unit", how="right")
    out = out.sort_values("rank", ignore_index=True)
    by_tier = {t: list(out.loc[out["tier"] == t, "name_zh"]) for t in dg.TIERS}
    summary = {
        "area": area,
        "tiers": by_tier,
        "indicators": list(ind.columns),
        "method": "min–max scaled indicators, equal weights; Fisher–Jenks into 3 classes (mapclassify)",
        "function": "orientation = a/(a+b), a = share of patents, b = share of revenue; source ≥ "
        f"{dg.ORIENTATION_BANDS[1]}, production ≤ {dg.ORIENTATION_BANDS[0]}, else conversion "
        "(潘秋晨 2023 三(一)2: 知识创造/孵化转化/产业化; analytics.diagnostics.functions)",
    }
    return out, summary


def modes(backend: Backend, *, scale, period, chain, segment) -> tuple[pd.DataFrame, dict]:
    """The four practice modes: per functional area, which layers dominate its internal ties, every built year."""
    from chainatlas.analytics import diagnostics as dg

    long = query.edges_by(
        backend,
        scale="area",
        scales=("area", "region"),
        by=("scale", "src", "layer", "year"),
        chain=chain,
        segment=segment,
        internal=True,
    )
    ties = long[long["scale"] == "area"].rename(columns={"src": "area"})
    region = long[long["scale"] == "region"]
    if ties.empty:
        raise ConfigError(
            f"modes: no ties inside any functional area for chain {chain!r}, segment {segment!r}"
        )
    layers, areas = dg.practice_modes(ties, region=region, expected=dg.AREA_MODES)
    names = zh_names(backend, "area").rename(columns={"unit": "area"})
    layers = names.merge(layers, on="area", how="right")
    areas = names.merge(areas, on="area", how="right")
    summary = {
        "areas": areas.to_dict(orient="records"),
        "periods": sorted(int(y) for y in ties["year"].unique()),
        "modes": {m: {"name_zh": zh, "layers": list(lead)} for m, (zh, lead) in dg.PRACTICE_MODES.items()},
        "ties": "ties with both ends inside the area (layer_edges at area scale, src = dst), "
        "shares of the region's ties in the same layer (region scale)",
        "paper": "潘秋晨 (2023) Table 1",
    }
    return layers, summary


TOPICS: tuple[Topic, ...] = (
    Topic(
        "spillover",
        "中心城市创新外溢",
        "Innovation spillover beyond the hubs",
        spillover,
        scales=("city",),
        help="share of each hub's joint-patent ties going to the other four hubs (上海, 南京, 杭州, 合肥, 苏州), every "
        "built year, with the OLS trend (the paper: > 50 % for 上海 in 2020)",
        reads=("innovation",),
        trend=True,
    ),
    Topic(
        "roles",
        "节点层级：核心、关键、辅助",
        "Node tiers: core, key, auxiliary",
        roles,
        scales=("city", "county"),
        params=(Param("area", "str", None, "only the units of this functional area, e.g. g60"),),
        help="core / key / auxiliary nodes (核心/关键/辅助节点): innovation and knowledge centrality with patents "
        "and papers, Fisher–Jenks tiers; and each place's function (source / conversion / production)",
        example=("--area", "g60"),
        reads=("innovation", "knowledge", "attr:patents", "attr:papers"),
    ),
    Topic(
        "modes",
        "四种实践模式",
        "The four practice modes",
        modes,
        help="the paper's four practice modes (Table 1): per functional area, which layers dominate its internal "
        "ties and their growth, every built year, against the mode the paper gives it",
        reads=("*",),
        trend=True,
    ),
)
