"""Analyses as services: on the atlas's own data (``analyze``) or on a table the user brings (``calc``).

Wiring only: data come from :mod:`chainatlas.pipeline.query` (or a user's CSV/XLSX file), the maths from
:mod:`chainatlas.analytics`. Every :class:`Result` carries a provenance dict saying what it was computed from
(topic or method, layer, scale, period, chain, segment, parameters, data version, synthetic flag, input file)
so that any number can be traced back. :func:`write` saves a result as CSV (UTF-8 with BOM, provenance in a
sidecar ``FILE.provenance.json``) or JSON (``{"provenance": ..., "summary": ..., "data": [...]}``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.model.taxonomy import industry_segments
from chainatlas.pipeline import flows, query
from chainatlas.storage.base import Backend

__all__ = [
    "CALC_METHODS",
    "TOPICS",
    "TOPIC_TITLES",
    "Result",
    "analyze",
    "calc",
    "data_version",
    "document",
    "read_distance",
    "read_table",
    "write",
]

#: node attributes of the two subsystems of the ``coupling`` topic (entropy-weighted, all benefit indicators)
INNOVATION_ATTRS = ("patents", "papers", "tech_sold", "experts")
INDUSTRY_ATTRS = ("revenue", "firms", "exports", "employees")


@dataclass(frozen=True, eq=False)
class Result:
    """One analysis result.

    Attributes
    ----------
    data : DataFrame
        The table (one row per unit, pair or sector).
    provenance : dict
        What it was computed from: ``topic`` or ``method``, ``layer``, ``scale``, ``period``, ``chain``,
        ``segment``, ``parameters``, ``data_version``, ``synthetic`` (atlas), or ``input`` (file, sha256) for
        ``calc``; ``computed_at`` and the ``chainatlas`` version.
    summary : dict
        Scalar results (Moran's I, modularity, NMI, total loss...), JSON-safe.
    """

    data: pd.DataFrame
    provenance: dict
    summary: dict = field(default_factory=dict)


# ================================================================================================ provenance
def data_version(backend: Backend) -> dict:
    """The atlas's data version: highest batch id, number of batches and the last build time."""
    inv = query.inventory(backend)
    out: dict = {"max_batch_id": int(inv["batch_id"].max()) if len(inv) else None, "batches": len(inv)}
    built_at = None
    if backend.has_table("builds"):
        b = backend.execute(backend.table("builds").select("built_at"))
        if len(b):
            built_at = pd.Timestamp(b["built_at"].max()).isoformat()
    out["built_at"] = built_at
    return out


def _effective(fn: Callable, given: dict) -> dict:
    """The keyword parameters ``fn`` will run with: its defaults updated by those given that it accepts."""
    sig = inspect.signature(fn).parameters
    out = {k: p.default for k, p in sig.items()
           if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty
           and k not in ("layer", "scale", "period", "chain", "segment")}
    out.update({k: v for k, v in given.items() if k in sig})
    return out


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("chainatlas")
    except Exception:  # noqa: BLE001 - not installed (source checkout)
        return "unknown"


def _provenance(**items: object) -> dict:
    p = {k: v for k, v in items.items()}
    p["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    p["chainatlas_version"] = _version()
    return _jsonable(p)


def _jsonable(obj: object) -> object:
    """Plain Python (JSON-safe) copy: numpy scalars to Python, NaN to None."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, datetime)):
        return obj.isoformat()
    return obj


# ================================================================================================ writing
def write(result: Result, path: Path | str, fmt: str | None = None) -> Path:
    """Save ``result`` as CSV (+ ``FILE.provenance.json``) or JSON; ``fmt`` defaults to the file's suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "json"):
        raise ConfigError(f"--format: expected csv or json, got {fmt!r} (from {path.name!r})")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        result.data.to_csv(path, index=False, encoding="utf-8-sig")
        side = path.with_name(path.name + ".provenance.json")
        side.write_text(json.dumps({"provenance": result.provenance, "summary": _jsonable(result.summary),
                                    "data_file": path.name}, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        path.write_text(json.dumps(document(result), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def document(result: Result) -> dict:
    """The result as one JSON-safe dict: ``provenance``, ``summary`` and ``data`` (a list of records)."""
    records = json.loads(result.data.to_json(orient="records", force_ascii=False, double_precision=15))
    return {"provenance": result.provenance, "summary": _jsonable(result.summary), "data": records}


# ================================================================================================ atlas topics
def _latest(backend: Backend, period: int | None) -> int:
    built = query.periods(backend)
    if not built:
        raise ConfigError("the atlas has no built periods yet; run `chainatlas build` first")
    if period is None:
        return built[-1]
    if int(period) not in built:
        raise ConfigError(f"--period: {period} has not been built; built periods are {built}")
    return int(period)


def _need_layer(layer: str | None, topic: str) -> str:
    if not layer:
        raise ConfigError(f"--layer: topic {topic!r} needs a layer, e.g. --layer innovation")
    query.check_filters(layer=layer)
    return layer


def _need_scale(scale: str, allowed: Sequence[str], topic: str) -> None:
    query.check_filters(scale=scale)
    if scale not in allowed:
        raise ConfigError(f"--scale: topic {topic!r} works at scale {' or '.join(allowed)}, got {scale!r}")


def _edges(backend: Backend, layer: str, scale: str, period: int, chain: str, segment: str) -> pd.DataFrame:
    e = query.edges(backend, layer=layer, scale=scale, period=period, chain=chain, segment=segment)
    e = e[(e["src"] != e["dst"]) & (e["n"] > 0)]
    if e.empty:
        raise ConfigError(f"no {layer} ties between distinct units at scale {scale}, period {period}, "
                          f"chain {chain!r}, segment {segment!r}; try another period, scale or chain")
    return e.reset_index(drop=True)


def _names(backend: Backend, scale: str) -> pd.DataFrame:
    return query.units(backend, scale)[["unit", "name_zh"]]


def _province_of(units: Sequence[str]) -> pd.Series:
    p = geo.places().set_index("adcode")
    prov = {}
    for u in units:
        if u in p.index:
            code = p.at[u, "province_adcode"]
            prov[u] = str(code) if pd.notna(code) else str(u)
        else:
            prov[u] = str(u)
    return pd.Series(prov, name="province")


def _topic_network(backend: Backend, *, layer, scale, period, chain, segment, directed=True, weight="n",
                   **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import networks as nw

    e = _edges(backend, layer, scale, period, chain, segment)
    g = nw.build_graph(e, directed=directed, weight=weight)
    m = nw.node_metrics(g).rename(columns={"node": "unit"})
    out = _names(backend, scale).merge(m, on="unit", how="right")
    summary = dataclasses.asdict(nw.graph_summary(g))
    summary.update(n_core=int(m["core"].sum()), core_units=sorted(m.loc[m["core"], "unit"]),
                   pagerank_sum=float(m["pagerank"].sum()))
    return out, summary


def _topic_communities(backend: Backend, *, layer, scale, period, chain, segment, weight="n", resolution=1.0,
                       seed=0, **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import networks as nw

    _need_scale(scale, ("city", "county"), "communities")
    e = _edges(backend, layer, scale, period, chain, segment)
    g = nw.build_graph(e, directed=False, weight=weight)
    com = nw.leiden(g, "weight", resolution=resolution, seed=seed)
    memb = com.membership
    prov = _province_of(list(memb.index)).reindex(memb.index)
    cmp_ = nw.compare_partitions(memb, prov)
    summary = {
        "n_communities": com.n_communities, "modularity": com.modularity, "quality": com.quality,
        "nmi_vs_province": cmp_.nmi, "ari_vs_province": cmp_.ari,
        "crossing_share_province": nw.crossing_share(e, prov.to_dict(), weight=weight),
        "crossing_share_community": nw.crossing_share(e, memb.to_dict(), weight=weight),
        "implementation": com.implementation,
    }
    data = pd.DataFrame({"unit": memb.index.astype(str), "community": memb.to_numpy(),
                         "province": prov.to_numpy()})
    out = _names(backend, scale).merge(data, on="unit", how="right")
    return out.sort_values(["community", "unit"], ignore_index=True), summary


def _topic_gravity(backend: Backend, *, layer, scale, period, chain, segment, weight="n", top=20, exponent=2.0,
                   distance_file=None, **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import gravity as gv

    _need_scale(scale, ("city",), "gravity")
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    cities = geo.places("city")[["adcode", "pop_2020"]].rename(columns={"adcode": "unit", "pop_2020": "population"})
    places = cities.merge(n, on="unit", how="left")
    mass = next((a for a in ("revenue", "firms") if a in places and places[a].fillna(0).sum() > 0), None)
    if mass is None:
        raise ConfigError(f"gravity: node attributes 'revenue' and 'firms' are both empty at scale {scale}, "
                          f"period {period}, chain {chain!r}; nothing to use as G")
    places = places.assign(population=places["population"].astype(float), G=places[mass].fillna(0.0))
    dist = None
    if distance_file:  # travel times by adcode or Chinese name
        c = geo.places("city")
        aliases = {**dict(zip(c["name_zh"], c["adcode"])), **dict(zip(c["short_zh"], c["adcode"]))}
        dist = read_distance(distance_file, list(places["unit"]), aliases)
    expected = gv.gravity(places, id="unit", population="population", gdp="G", exponent=exponent, distance=dist)
    e = _edges(backend, layer, scale, period, chain, segment)
    e = e[e["src"].isin(cities["unit"]) & e["dst"].isin(cities["unit"])]
    gap = gv.linkage_gap(e, expected, directed=False, weight=weight, top=top)
    names = _names(backend, scale).set_index("unit")["name_zh"]
    gap.insert(1, "src_name", gap["src"].map(names))
    gap.insert(3, "dst_name", gap["dst"].map(names))
    return gap, {"mass_attribute": mass, "population": "pop_2020 (census, geo.places('city'))",
                 "distance": str(distance_file) if distance_file else "great-circle km between centroids",
                 "distance_sha256": _sha256(distance_file) if distance_file else None,
                 "observed_total": float(e[weight].sum()), "n_places": len(places)}


def _topic_moran(backend: Backend, *, scale, period, chain, segment, attr="patents", permutations=999, seed=0,
                 alpha=0.05, **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import spatial as sp

    _need_scale(scale, ("city", "county"), "moran")
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    attrs = [c for c in n.columns if c not in ("unit", "name_zh", "name_en", "lon", "lat")]
    if attr not in attrs:
        raise ConfigError(f"--attr: node attribute {attr!r} not found at scale {scale}, period {period}, "
                          f"chain {chain!r}; available: {', '.join(sorted(attrs)) or 'none'}")
    w = sp.contiguity_weights(geo.boundaries(scale))
    full = n.set_index("unit")[attr]
    outside = full[~full.index.isin(w.id_order) & (full != 0)]  # records placed only above this level
    y = full.reindex(w.id_order).fillna(0.0).astype(float)
    g = sp.moran(y, w, permutations=permutations, seed=seed)
    loc = sp.local_moran(y, w, permutations=max(int(permutations), 1), seed=seed, alpha=alpha)
    f = loc.frame.reset_index().rename(columns={"place": "unit"})
    f.insert(1, "value", y.to_numpy())
    out = _names(backend, scale).merge(f, on="unit", how="right")
    summary = {"attr": attr, "I": g.I, "EI": g.EI, "z_norm": g.z_norm, "p_norm": g.p_norm, "p_sim": g.p_sim,
               "n": g.n, "weights": "queen contiguity of geo.boundaries, islands joined to nearest",
               "clusters": {k: int(v) for k, v in loc.counts().items()},
               "left_out_units": sorted(map(str, outside.index)), "left_out_total": float(outside.sum())}
    return out, summary


def _topic_complexity(backend: Backend, *, scale, period, chain, segment, attr="firms", threshold=1.0,
                      **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import complexity as cx
    from chainatlas.model.taxonomy import atlas_taxonomy

    segs = atlas_taxonomy().segments
    if chain != ALL:
        segs = segs[segs["chain"] == chain]
        if segs.empty:
            raise ConfigError(f"--chain: unknown chain {chain!r}; see `chainatlas chains list`")
    cols = {}
    for c, s in segs[["chain", "segment"]].itertuples(index=False):
        n = query.nodes(backend, scale=scale, period=period, chain=c, segment=s, attrs=[attr])
        label = s if chain != ALL else f"{c}:{s}"
        cols[label] = n.set_index("unit")[attr] if attr in n else pd.Series(0.0, index=n["unit"])
    values = pd.DataFrame(cols).fillna(0.0)
    values = values.loc[values.sum(axis=1) > 0, values.sum(axis=0) > 0]
    if values.shape[0] < 2 or values.shape[1] < 2:
        raise ConfigError(f"complexity: need at least 2 units and 2 segments with {attr!r} > 0 at scale {scale}, "
                          f"period {period}, chain {chain!r}; got {values.shape}")
    res = cx.complexity(values, threshold=threshold)
    r = cx.rca(values).add_prefix("rca_")
    data = pd.DataFrame({"eci": res.eci, "diversity": res.diversity}).join(r)
    data.index.name = "unit"
    out = _names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    summary = {"attr": attr, "pci": res.pci.to_dict(), "ubiquity": res.ubiquity.to_dict(),
               "eigenvalue": res.eigenvalue, "segments": list(values.columns)}
    return out.sort_values("eci", ascending=False, ignore_index=True), summary


def _topic_coupling(backend: Backend, *, scale, period, chain, segment, **_: object) -> tuple[pd.DataFrame, dict]:
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    if scale == "city":  # drop records placed only at province level
        n = n[n["unit"].isin(geo.places("city")["adcode"])]
    missing = [a for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS) if a not in n]
    for a in missing:
        n = n.assign(**{a: 0.0})
    data, summary = _coupling_frame(n.set_index("unit"), list(INNOVATION_ATTRS), list(INDUSTRY_ATTRS))
    summary["missing_attributes_as_zero"] = missing
    if chain != ALL and segment == ALL:
        summary["segments"] = _segment_gaps(backend, scale, period, chain)
    out = _names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    return out, summary


def _segment_gaps(backend: Backend, scale: str, period: int, chain: str) -> dict:
    """The gap (鸿沟) per segment of one chain: index levels and where innovation and industry are."""
    from chainatlas.analytics import coupling as cp

    units = set(geo.places(scale)["adcode"]) if scale in ("city", "county") else None
    frames = []
    for s in flows.chain_segments(backend, chain, "coupling")["segment"]:
        n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=s)
        n = n[n["unit"].isin(units)] if units is not None else n
        frames.append(n.assign(segment=s, **{a: 0.0 for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS) if a not in n}))
    rows = pd.concat(frames, ignore_index=True).set_index(["segment", "unit"])
    rows = rows[(rows[[*INNOVATION_ATTRS, *INDUSTRY_ATTRS]] > 0).any(axis=1)]
    if len(rows) < 2:
        return {}
    # one set of entropy weights over every (segment, unit) row, so that indices compare across segments
    inn = cp.entropy_weights(rows[list(INNOVATION_ATTRS)].astype(float)).index
    ind = cp.entropy_weights(rows[list(INDUSTRY_ATTRS)].astype(float)).index
    out = {}
    for s, g in rows.groupby(level="segment", sort=False):
        pat, rev = g["patents"].droplevel(0), g["revenue"].droplevel(0)
        out[s] = {"units": len(g), "innovation_index": float(inn.loc[s].mean()),
                  "industry_index": float(ind.loc[s].mean()),
                  "gap": float(inn.loc[s].mean() - ind.loc[s].mean()),
                  "dissimilarity": cp.dissimilarity(pat, rev) if pat.sum() > 0 and rev.sum() > 0 else None}
    return out


def _coupling_frame(table: pd.DataFrame, innovation: list[str], industry: list[str]) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import coupling as cp

    inn = cp.entropy_weights(table[innovation].astype(float))
    ind = cp.entropy_weights(table[industry].astype(float))
    u = pd.DataFrame({"innovation": inn.index, "industry": ind.index})
    std = cp.coupling(u, method="standard")
    wang = cp.coupling(u, method="wang2021")
    data = u.join(std[["C", "T", "D", "grade", "grade_en"]])
    data = data.join(wang[["C", "D", "grade", "grade_en"]].add_suffix("_wang2021"))
    data.index.name = "unit"
    summary = {"innovation_weights": inn.weights.to_dict(), "industry_weights": ind.weights.to_dict(),
               "coupling_methods": ["standard", "wang2021"]}
    return data, summary


#: node attributes pulled per segment by the ``chains`` topic
CHAIN_ATTRS = ("firms", "revenue", "employees", "patents")
#: the five innovation hubs of the ``spillover`` topic: 上海, 南京, 杭州, 合肥, 苏州
HUBS = ("310100", "320100", "330100", "340100", "320500")


def _chain_trade(backend: Backend, chain: str, period: int) -> pd.DataFrame:
    """Customs value of one chain's segments by partner country and direction in one year (raw_trade ⋈ seg_lookup)."""
    from chainatlas.model.codes import country_region

    cols = ["segment", "partner_region", "direction", "value"]
    if not (backend.has_table("raw_trade") and backend.has_table("seg_lookup")):
        return pd.DataFrame(columns=cols)
    rt, sl = backend.table("raw_trade"), backend.table("seg_lookup")
    r = rt.filter(rt.year == int(period))
    k = sl.filter((sl.ck_type == "h") & (sl.chain == chain))
    j = r.join(k, r.hs_code == k.ck)
    g = j.group_by(["segment", "partner_country", "direction"]).aggregate(value=j.value.sum())
    t = backend.execute(g)
    if t.empty:
        return pd.DataFrame(columns=cols)
    t = t.assign(partner_region=country_region(t["partner_country"]).fillna("other").to_numpy())
    return t[cols]


def _chain_suppliers(backend: Backend, chain: str, period: int, scale: str) -> pd.DataFrame:
    """Supply links of one chain's segments in one year: segment, supplier entity, its unit at ``scale``, value.

    Functional areas overlap, so at scale ``area`` a supplier's place is its city (each link counted once).
    """
    cols = ["segment", "supplier", "place", "value"]
    if not (backend.has_table("facts") and backend.has_table("seg_lookup")):
        return pd.DataFrame(columns=cols)
    f, sl, su = backend.table("facts"), backend.table("seg_lookup"), backend.table("scale_units")
    f = f.filter((f.source == "supply_links") & (f.year == int(period)))
    k = sl.filter((sl.chain == chain) & (sl.segment != ""))  # "ic:" (chain, no segment) counts in no segment
    j = f.join(k, (f.ck_type == k.ck_type) & (f.ck == k.ck))
    g = j.group_by(["segment", j.src.name("supplier"), "src_adcode"]).aggregate(value=j.value.sum())
    links = backend.execute(g)
    u = backend.execute(su.filter(su.scale == ("city" if scale == "area" else scale)).select("adcode", "unit"))
    links["place"] = links["src_adcode"].map(dict(zip(u["adcode"], u["unit"])))
    return links[cols]


def _topic_chains(backend: Backend, *, scale, period, chain, segment, **_: object) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import chains as ch

    segs = flows.chain_segments(backend, chain, "chains")
    frames = []
    for s in segs["segment"]:
        n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=s, attrs=list(CHAIN_ATTRS))
        if scale == "city":  # drop records placed only at province level
            n = n[n["unit"].isin(geo.places("city")["adcode"])]
        n = n.assign(**{a: 0.0 for a in CHAIN_ATTRS if a not in n})
        frames.append(n[["unit", *CHAIN_ATTRS]].assign(segment=s))
    long = pd.concat(frames, ignore_index=True)
    order = list(segs["segment"])
    firms = long.pivot_table(index="unit", columns="segment", values="firms", aggfunc="sum", fill_value=0.0)
    firms = firms.reindex(columns=order, fill_value=0.0)
    firms.columns.name = None
    # presence by firms, or by patents for segments no industry code reaches (as the chain view judges it)
    patents = long.pivot_table(index="unit", columns="segment", values="patents", aggfunc="sum",
                               fill_value=0.0).reindex(index=firms.index, columns=order, fill_value=0.0)
    with_firms = industry_segments(chain)
    basis = {s: "firms" if s in with_firms else "patents" for s in order}
    presence = pd.DataFrame({s: firms[s] if basis[s] == "firms" else patents[s] for s in order}, index=firms.index)
    comp = ch.chain_completeness(presence, order)
    lq = ch.location_quotient(firms)
    conc = ch.hhi(presence)  # per column, so firms and patents columns each measure their own spread
    hov_f, hov_p = ch.hoover(firms), ch.hoover(patents)  # against the chain's firm / patent distribution
    hov = {s: (hov_f if basis[s] == "firms" else hov_p).get(s) for s in order}
    lq_long = lq.stack(future_stack=True).rename("lq_firms").rename_axis(["unit", "segment"]).reset_index()
    data = long[(long[list(CHAIN_ATTRS)] > 0).any(axis=1)].merge(lq_long, on=["unit", "segment"], how="left")
    data = data.merge(segs[["segment", "topo_order"]], on="segment", how="left")
    kr = ch.krugman(firms) if len(firms) >= 2 else pd.Series(dtype=float)
    data["krugman_firms"] = data["unit"].map(kr)
    data = _names(backend, scale).merge(data, on="unit", how="right")
    data = data.sort_values(["topo_order", "firms", "unit"], ascending=[True, False, True], ignore_index=True)
    data = data[["segment", "topo_order", "unit", "name_zh", *CHAIN_ATTRS, "lq_firms", "krugman_firms"]]

    by_region = _chain_trade(backend, chain, period)
    trade = ch.import_dependence(by_region)
    supply = ch.supplier_concentration(_chain_suppliers(backend, chain, period, scale))
    per_segment = {}
    for row in segs.itertuples(index=False):
        s = row.segment
        entry = {"name_zh": row.name_zh, "topo_order": int(row.topo_order), "basis": basis[s],
                 "status": comp.table.at[s, "status"], "n_places": int(comp.table.at[s, "n_places"]),
                 "firms": float(firms[s].sum()), "hhi": conc.get(s), "hoover": hov.get(s)}
        if s in trade.index:
            t = trade.loc[s]
            entry.update(imports=t["imports"], exports=t["exports"], top_import_region=t["top_import_region"],
                         top_import_share=t["top_import_share"], net_import_ratio=t["net_import_ratio"])
            b = by_region[by_region["segment"] == s]
            entry["trade_by_region"] = {f"{d}:{r}": v for (d, r), v in
                                        b.groupby(["direction", "partner_region"])["value"].sum().items()}
        else:
            entry.update(imports=0.0, exports=0.0, top_import_region=None, top_import_share=None,
                         net_import_ratio=None, trade_by_region={})
        entry["suppliers"] = ({k: v for k, v in supply.loc[s].items()} if s in supply.index else
                              {"suppliers": 0})
        per_segment[s] = entry
    summary = {"segments": per_segment, "completeness_share": comp.share, "absent": comp.absent,
               "single": comp.single, "lq_attribute": "firms",
               "trade": "raw_trade ⋈ seg_lookup (HS 6-digit), year = period; regions by codes.country_region",
               "suppliers": "supply links (facts, source supply_links) of the segment in the year: supplier firms' "
                            f"value shares (HHI, CR1, CR5) and supplier {'city' if scale == 'area' else scale}s' "
                            "shares (analytics.chains.supplier_concentration)"}
    return data, summary


def _topic_spillover(backend: Backend, *, scale, period, chain, segment, **_: object) -> tuple[pd.DataFrame, dict]:
    """Hub-to-hub share of joint-patent ties per built year (``period`` is ignored: all years are used)."""
    from chainatlas.analytics import diagnostics as dg

    _need_scale(scale, ("city",), "spillover")
    if not backend.has_table("layer_edges"):
        raise ConfigError("the atlas has no built layers yet; run `chainatlas build` first")
    t = backend.table("layer_edges")
    e = t.filter((t.layer == "innovation") & (t.source == "patents") & (t.scale == "city") & (t.chain == chain)
                 & (t.segment == segment) & (t.src != t.dst))
    ties = backend.execute(e.group_by(["year", "src", "dst"]).aggregate(n=e.n.sum()))
    years = query.periods(backend)
    cities = set(geo.places("city")["adcode"])
    ties = ties[ties["src"].isin(cities) & ties["dst"].isin(cities) & (ties["n"] > 0)]
    shares, trend = dg.hub_shares(ties.assign(year=ties["year"].astype(int)), HUBS, years)
    data = _names(backend, "city").rename(columns={"unit": "hub"}).merge(shares, on="hub", how="right")
    sh = data[data["hub"] == HUBS[0]].set_index("year")["share"]
    summary = {"indicator": "share of a hub's joint-patent ties with other YRD cities that go to the other four "
                            "hubs (上海 310100: ties to 南京 320100, 杭州 330100, 合肥 340100, 苏州 320500)",
               "source": "layer_edges, layer innovation, source patents, scale city",
               "hubs": list(HUBS), "periods": years, "slope_per_year": trend,
               "shanghai_share": sh.to_dict(), "paper": "潘秋晨 (2023): > 50 % for 上海 in 2020"}
    return data.sort_values(["hub", "year"], ignore_index=True), summary


def _layers_long(backend: Backend, scale: str, period: int, chain: str, segment: str) -> pd.DataFrame:
    """Edges of all six layers between distinct units, long (``layer, src, dst, n, value``)."""
    frames = [query.edges(backend, layer=lay, scale=scale, period=period, chain=chain, segment=segment)
              .assign(layer=lay) for lay in LAYERS]
    e = pd.concat(frames, ignore_index=True)
    e = e[(e["src"] != e["dst"]) & (e["n"] > 0)]
    if e.empty:
        raise ConfigError(f"no ties between distinct units in any layer at scale {scale}, period {period}, "
                          f"chain {chain!r}, segment {segment!r}")
    return e.reset_index(drop=True)


def _participation(e: pd.DataFrame, directed: bool, weight: str | None, layers: list) -> pd.DataFrame:
    """Per node: degree per layer, overlapping degree, participation; with weights also by strength."""
    from chainatlas.analytics import networks as nw

    deg = nw.participation_coefficient(e, directed, weight=weight, layers=layers)
    data = deg.add_prefix("degree_").rename(columns={"degree_overlapping_degree": "overlapping_degree",
                                                     "degree_participation": "participation"})
    if weight is not None:
        st = nw.participation_coefficient(e, directed, weight=weight, layers=layers, weighted=True)
        data = data.join(st[layers].add_prefix("strength_"))
        data["participation_strength"] = st["participation"]
    return data


def _topic_multiplex(backend: Backend, *, scale, period, chain, segment, weight="n", directed=True,
                     **_: object) -> tuple[pd.DataFrame, dict]:
    """Per unit: degree in each layer, overlapping degree and participation; layer overlap in the summary."""
    from chainatlas.analytics import networks as nw

    e = _layers_long(backend, scale, period, chain, segment)
    data = _participation(e, directed, weight, list(LAYERS))
    data.index.name = "unit"
    out = _names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    overlap = nw.layer_overlap(e, directed, weight=weight)
    per_layer = {lay: dataclasses.asdict(nw.graph_summary(e[e["layer"] == lay], directed, weight=weight))
                 for lay in LAYERS if (e["layer"] == lay).any()}
    summary = {"layers": list(LAYERS), "overlap": overlap.to_dict(orient="records"), "per_layer": per_layer,
               "mean_participation": float(out["participation"].mean()),
               "participation": "Battiston, Nicosia & Latora (2014); degree-based (participation) and "
                                "strength-based (participation_strength)"}
    return out.sort_values("participation", ascending=False, ignore_index=True), summary


def _topic_qap(backend: Backend, *, layer, scale, period, chain, segment, other=None, weight="n", directed=True,
               permutations=999, seed=0, **_: object) -> tuple[pd.DataFrame, dict]:
    """QAP correlation, tie overlap and weight correlation between layers (one pair, or every pair)."""
    from itertools import combinations

    from chainatlas.analytics import networks as nw

    if other is not None:
        query.check_filters(layer=other)
        if layer is None:
            raise ConfigError("--layer: qap with --other needs --layer too, e.g. --layer innovation --other industry")
    e = _layers_long(backend, scale, period, chain, segment)
    units = sorted(set(e["src"]) | set(e["dst"]))
    mats = {lay: nw.adjacency_matrix(e[e["layer"] == lay], units, directed=directed, weight=weight)
            for lay in LAYERS}
    empty = [lay for lay in LAYERS if not (mats[lay].to_numpy() > 0).any()]
    if other:
        pairs = [(layer, other)]
        for lay in pairs[0]:
            if lay in empty:
                raise ConfigError(f"--layer/--other: layer {lay!r} has no ties between distinct units at scale "
                                  f"{scale}, period {period}, chain {chain!r}, segment {segment!r}")
    else:
        pairs = [p for p in combinations(LAYERS, 2) if layer is None or layer in p]
    skipped = [p for p in pairs if p[0] in empty or p[1] in empty]
    pairs = [p for p in pairs if p not in skipped]
    if not pairs:
        raise ConfigError(f"qap: fewer than two layers have ties at scale {scale}, period {period}, chain "
                          f"{chain!r}, segment {segment!r} (empty: {', '.join(empty)})")
    overlap = nw.layer_overlap(e, directed, weight=weight).set_index(["layer_a", "layer_b"])

    def ties(m: pd.DataFrame) -> int:
        a = m.to_numpy() > 0
        return int(a.sum() if directed else np.triu(a, 1).sum())

    rows = []
    for a, b in pairs:
        q = nw.qap_correlation(mats[a], mats[b], n_permutations=int(permutations), seed=int(seed))
        ov = overlap.loc[(a, b)] if (a, b) in overlap.index else (
            overlap.loc[(b, a)] if (b, a) in overlap.index else None)
        rows.append({"layer_a": a, "layer_b": b, "qap_r": q.r, "p_greater": q.p_greater, "p_less": q.p_less,
                     "p_two_sided": q.p_two_sided,
                     "jaccard": float(ov["jaccard"]) if ov is not None else np.nan,
                     "weight_corr": float(ov["weight_corr"]) if ov is not None else np.nan,
                     "ties_a": ties(mats[a]), "ties_b": ties(mats[b])})
    data = pd.DataFrame(rows).sort_values("qap_r", ascending=False, ignore_index=True)
    return data, {"n_units": len(units), "permutations": int(permutations), "seed": int(seed),
                  "skipped_pairs": [f"{a}–{b}" for a, b in skipped], "empty_layers": empty,
                  "method": "QAP (Krackhardt 1988): Pearson r of off-diagonal cells, node relabelling test"}


def _topic_actors(backend: Backend, *, layer, scale, period, chain, segment, weight="n", directed=True, top=100,
                  **_: object) -> tuple[pd.DataFrame, dict]:
    """The most central firms, universities and institutes of one layer: PageRank on the entity-level graph."""
    from chainatlas.analytics import networks as nw

    if not backend.has_table("facts"):
        raise ConfigError("the atlas has no built layers yet; run `chainatlas build` first")
    f = backend.table("facts")
    # entity-level facts only: place-level records (flows, enclaves, tax sharing) carry adcodes as their ends
    f = f.filter((f.layer == layer) & (f.year == int(period)) & f.src.notnull() & f.dst.notnull()
                 & (f.src != f.dst) & (f.src != f.src_adcode.fill_null("")) & (f.dst != f.dst_adcode.fill_null("")))
    if chain != ALL:
        flows.chain_segments(backend, chain, "actors")
        k = backend.table("seg_lookup")
        k = k.filter(k.chain == chain) if segment == ALL else k.filter((k.chain == chain) & (k.segment == segment))
        k = k.select("ck_type", "ck").distinct()
        f = f.semi_join(k, (f.ck_type == k.ck_type) & (f.ck == k.ck))
    g = f.group_by(["src", "dst"]).aggregate(n=f.n.sum(), value=f.value.sum())
    e = backend.execute(g)
    e = e[e[weight] > 0]
    if e.empty:
        raise ConfigError(f"no {layer} ties between entities in {period} for chain {chain!r}, segment {segment!r}")
    pr = nw.pagerank(e, weight, directed=directed).rename("pagerank")
    out_s = e.groupby("src")[weight].sum().rename("strength_out")
    in_s = e.groupby("dst")[weight].sum().rename("strength_in")
    deg = pd.concat([e["src"], e["dst"]]).value_counts().rename("ties")
    m = pd.concat([pr, out_s, in_s, deg], axis=1).fillna(0.0)
    m.index.name = "entity_id"
    m = m.reset_index().sort_values(["pagerank", "ties", "entity_id"], ascending=[False, False, True],
                                    kind="stable").head(int(top)).reset_index(drop=True)
    m.insert(0, "rank", np.arange(1, len(m) + 1))
    ent = backend.table("entities")
    info = backend.execute(ent.filter(ent.entity_id.isin(list(m["entity_id"])))
                           .select("entity_id", "name", "entity_type", "adcode"))
    m = m.merge(info, on="entity_id", how="left")
    unnamed = m["name"].isna() & m["entity_id"].str.startswith("N:")
    m.loc[unnamed, "name"] = m.loc[unnamed, "entity_id"].str.removeprefix("N:")  # matched by name only
    city = dict(zip(*backend.execute(backend.table("scale_units").filter(lambda t: t.scale == "city")
                                     .select("adcode", "unit")).to_dict("list").values()))
    m["city"] = m["adcode"].map(city)
    m["city_name"] = m["city"].map(_names(backend, "city").set_index("unit")["name_zh"])
    cols = ["rank", "entity_id", "name", "entity_type", "city", "city_name", "pagerank", "ties", "strength_out",
            "strength_in"]
    nodes = int(pd.concat([e["src"], e["dst"]]).nunique())
    return m[cols], {"n_entities": nodes, "n_ties": len(e), "weight": weight, "directed": directed,
                     "pagerank": "damping 0.85, L1 error ≤ 1e-10 (analytics.networks.pagerank on the edge table)",
                     "note": "entities are firms, universities and institutes (synthetic names in the demo data)"}


def _area_units(backend: Backend, area: str, scale: str) -> list[str]:
    """Units at ``scale`` that hold part of functional area ``area``."""
    su = backend.execute(backend.table("scale_units"))
    members = su.loc[(su["scale"] == "area") & (su["unit"] == area), "adcode"]
    if members.empty:
        known = sorted(su.loc[su["scale"] == "area", "unit"].unique())
        raise ConfigError(f"--area: unknown functional area {area!r}; expected one of {', '.join(known)}")
    at = su[(su["scale"] == scale) & su["adcode"].isin(members)]
    return sorted(at["unit"].unique())




def _topic_roles(backend: Backend, *, scale, period, chain, segment, area=None, **_: object
                 ) -> tuple[pd.DataFrame, dict]:
    """Node tiers (core / key / auxiliary) from innovation/knowledge centrality and innovation strength."""
    from chainatlas.analytics import diagnostics as dg
    from chainatlas.analytics import networks as nw

    _need_scale(scale, ("city", "county"), "roles")
    units = _area_units(backend, area, scale) if area else list(
        geo.places(scale)["adcode"] if scale in ("city", "county") else [])
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
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
    fn = dg.functions(n["patents"].reindex(tiers.index).fillna(0.0), n["revenue"].reindex(tiers.index).fillna(0.0))
    tiers = fn.join(tiers)
    tiers = ind.join(tiers)
    tiers.index.name = "unit"
    out = _names(backend, scale).merge(tiers.reset_index(), on="unit", how="right")
    out = out.sort_values("rank", ignore_index=True)
    by_tier = {t: list(out.loc[out["tier"] == t, "name_zh"]) for t in dg.TIERS}
    summary = {"area": area, "tiers": by_tier, "indicators": list(ind.columns),
               "method": "min–max scaled indicators, equal weights; Fisher–Jenks into 3 classes (mapclassify)",
               "function": "orientation = a/(a+b), a = share of patents, b = share of revenue; source ≥ "
                           f"{dg.ORIENTATION_BANDS[1]}, production ≤ {dg.ORIENTATION_BANDS[0]}, else conversion "
                           "(潘秋晨 2023 三(一)2: 知识创造/孵化转化/产业化; analytics.diagnostics.functions)"}
    return out, summary


def _topic_modes(backend: Backend, *, scale, period, chain, segment, **_: object) -> tuple[pd.DataFrame, dict]:
    """The four practice modes: per functional area, which layers dominate its internal ties, every built year."""
    from chainatlas.analytics import diagnostics as dg

    if not backend.has_table("layer_edges"):
        raise ConfigError("the atlas has no built layers yet; run `chainatlas build` first")
    t = backend.table("layer_edges")
    e = t.filter((t.scale.isin(["area", "region"])) & (t.chain == chain) & (t.segment == segment)
                 & (t.src == t.dst))
    long = backend.execute(e.group_by(["scale", "src", "layer", "year"]).aggregate(n=e.n.sum()))
    ties = long[long["scale"] == "area"].rename(columns={"src": "area"})
    region = long[long["scale"] == "region"]
    if ties.empty:
        raise ConfigError(f"modes: no ties inside any functional area for chain {chain!r}, segment {segment!r}")
    layers, areas = dg.practice_modes(ties, region=region, expected=dg.AREA_MODES)
    names = _names(backend, "area").rename(columns={"unit": "area"})
    layers = names.merge(layers, on="area", how="right")
    areas = names.merge(areas, on="area", how="right")
    summary = {"areas": areas.to_dict(orient="records"), "periods": sorted(int(y) for y in ties["year"].unique()),
               "modes": {m: {"name_zh": zh, "layers": list(lead)} for m, (zh, lead) in dg.PRACTICE_MODES.items()},
               "ties": "ties with both ends inside the area (layer_edges at area scale, src = dst), "
                       "shares of the region's ties in the same layer (region scale)",
               "paper": "潘秋晨 (2023) Table 1"}
    return layers, summary


def _topic_pairing(backend: Backend, *, scale, period, chain, segment, top=20, exponent=2.0, **_: object
                   ) -> tuple[pd.DataFrame, dict]:
    """"创新地 + 产业地": per segment, innovation × industry city pairs by potential minus current linkage."""
    from chainatlas.analytics import diagnostics as dg

    _need_scale(scale, ("city",), "pairing")
    segs = flows.chain_segments(backend, chain, "pairing")
    if segment != ALL:
        if segment not in set(segs["segment"]):
            raise ConfigError(f"--segment: {segment!r} is not a segment of chain {chain!r}; expected one of "
                              f"{', '.join(segs['segment'])}")
        segs = segs[segs["segment"] == segment]
    cities = geo.places("city")[["adcode", "pop_2020", "lon", "lat"]].rename(
        columns={"adcode": "unit", "pop_2020": "population"})
    frames, skipped = [], {}
    for s in segs["segment"]:
        n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=s,
                        attrs=["patents", "revenue", "firms"])
        n = n.assign(**{a: 0.0 for a in ("patents", "revenue", "firms") if a not in n})
        p = cities.merge(n[["unit", "patents", "revenue", "firms"]], on="unit", how="left").fillna(0.0)
        industry = "revenue" if p["revenue"].sum() > 0 else "firms"
        if p["patents"].sum() <= 0 or p[industry].sum() <= 0:
            skipped[s] = "no patents" if p["patents"].sum() <= 0 else "no firms"
            continue
        o = query.edges(backend, layer="innovation", scale=scale, period=period, chain=chain, segment=s)
        try:
            pr = dg.pairing(p.assign(population=p["population"].astype(float)), o, innovation="patents",
                            industry=industry, exponent=exponent, top=top)
        except ConfigError as e:  # e.g. one city holds the whole segment, or no ties to scale to
            skipped[s] = str(e)
            continue
        frames.append(pr.assign(segment=s, industry_attribute=industry))
    if not frames:
        raise ConfigError(f"pairing: no segment of chain {chain!r} can be paired in {period}: "
                          + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    data = pd.concat(frames, ignore_index=True)
    names = _names(backend, "city").set_index("unit")["name_zh"]
    data.insert(1, "src_name", data["src"].map(names))
    data.insert(3, "dst_name", data["dst"].map(names))
    data = data[["segment", *[c for c in data.columns if c != "segment"]]]
    summary = {"skipped_segments": skipped, "top_per_segment": top, "exponent": exponent,
               "innovation": "node attribute patents (IPC concordance)", "industry": "revenue (else firms)",
               "observed": "innovation layer ties of the segment (joint patents, transfers, licences, contracts)",
               "potential": "modified gravity with P = pop_2020, G = innovation share + industry share, "
                            "scaled to the observed total (analytics.diagnostics.pairing)",
               "paper": "潘秋晨 (2023) 四(二) 创新地+产业地共建计划"}
    return data, summary


#: topic → (function, needs a layer: True, False or "optional")
TOPICS: dict[str, tuple[Callable[..., tuple[pd.DataFrame, dict]], bool | str]] = {
    "network": (_topic_network, True),
    "communities": (_topic_communities, True),
    "gravity": (_topic_gravity, True),
    "moran": (_topic_moran, False),
    "complexity": (_topic_complexity, False),
    "coupling": (_topic_coupling, False),
    "chains": (_topic_chains, False),
    "spillover": (_topic_spillover, False),
    "multiplex": (_topic_multiplex, False),
    "qap": (_topic_qap, "optional"),
    "roles": (_topic_roles, False),
    "modes": (_topic_modes, False),
    "pairing": (_topic_pairing, False),
    "actors": (_topic_actors, True),
    "path": (flows.topic_path, False),
    "io": (flows.topic_io, False),
}


#: topic → (Chinese title, English title), for catalogues (API, UI)
TOPIC_TITLES: dict[str, tuple[str, str]] = {
    "network": ("网络结构：节点中心性与整网指标", "Network structure: node metrics and whole-graph statistics"),
    "communities": ("社区与行政边界", "Communities against provincial borders"),
    "multiplex": ("六网叠加：多层参与与层间重叠", "Multiplex: participation and layer overlap"),
    "qap": ("层间 QAP 相关", "QAP correlation between layers"),
    "gravity": ("引力模型：联系潜力", "Gravity model: untapped linkage"),
    "moran": ("空间自相关（Moran's I）", "Spatial autocorrelation (Moran's I)"),
    "complexity": ("经济复杂度", "Economic complexity"),
    "coupling": ("创新—产业耦合协调", "Innovation–industry coupling coordination"),
    "chains": ("产业链图谱：断链、卡点、集中度", "Chain map: gaps, chokepoints, concentration"),
    "spillover": ("中心城市创新外溢", "Innovation spillover beyond the hubs"),
    "path": ("创新到产业的转化路径", "Innovation → industry path"),
    "io": ("投入产出与假设抽取", "Input–output and hypothetical extraction"),
    "roles": ("节点层级：核心、关键、辅助", "Node tiers: core, key, auxiliary"),
    "modes": ("四种实践模式", "The four practice modes"),
    "pairing": ("“创新地 + 产业地”配对", "Innovation place + industry place pairing"),
    "actors": ("核心主体：企业、高校、院所的网络中心性", "Central actors: PageRank of firms, universities, institutes"),
}


def analyze(backend: Backend, topic: str, *, layer: str | None = None, scale: str = "city",
            period: int | None = None, chain: str = ALL, segment: str = ALL, **parameters: object) -> Result:
    """Run one analysis ``topic`` on the atlas's data and return it with its provenance.

    Topics: ``network`` (node metrics of one layer), ``communities`` (Leiden vs provinces), ``gravity``
    (observed layer ties vs modified gravity; top untapped pairs), ``moran`` (global and local Moran's I of a
    node attribute), ``complexity`` (RCA / ECI of units over a chain's segments), ``coupling`` (innovation ×
    industry coupling coordination), ``chains`` (one chain's segments: LQ, completeness, concentration, import
    dependence, supplier concentration), ``spillover`` (hub-to-hub share of joint-patent ties, all built years),
    ``multiplex`` (participation of units across the six layers, layer overlap), ``qap`` (QAP correlation of
    every pair of layers, or ``layer`` with ``other``), ``roles`` (core / key / auxiliary nodes, optionally within
    one functional ``area``), ``modes`` (the paper's four practice modes per functional area, all built years),
    ``pairing`` (创新地 + 产业地 city pairs per segment of one chain), ``path`` (papers → patents → transfers →
    producers → exports of one chain: conversion rates, lags, destinations), ``io`` (input–output on one chain's
    inter-place segment flows, with hypothetical extraction). ``parameters`` are
    passed to the topic (e.g. ``attr``, ``seed``, ``top``) and recorded. ``period`` defaults to the latest built one.
    """
    if topic not in TOPICS:
        raise ConfigError(f"topic: unknown {topic!r}; expected one of {', '.join(TOPICS)}")
    fn, needs_layer = TOPICS[topic]
    query.check_filters(scale=scale)
    if needs_layer is True:
        _need_layer(layer, topic)
    elif needs_layer == "optional" and layer is not None:
        query.check_filters(layer=layer)
    else:
        layer = None
    year = _latest(backend, period)
    params = {k: v for k, v in parameters.items() if v is not None}
    used = _effective(fn, params)
    data, summary = fn(backend, layer=layer, scale=scale, period=year, chain=chain, segment=segment, **used)
    info = query.dataset_info(backend)
    prov = _provenance(topic=topic, layer=layer, scale=scale, period=year, chain=chain, segment=segment,
                       parameters=used, data_version=data_version(backend),
                       synthetic=bool(info.get("synthetic") or info.get("contains_synthetic")),
                       source="atlas")
    return Result(data.reset_index(drop=True), prov, _jsonable(summary))


# ================================================================================================ user tables
def read_table(path: Path | str) -> pd.DataFrame:
    """Read a user's CSV/TSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX table; ids stay text."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--input: file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=object, engine="openpyxl")
        else:
            sep = "\t" if suffix in (".tsv", ".tab") else ","
            try:
                df = pd.read_csv(path, sep=sep, encoding="utf-8-sig", dtype=str)
            except UnicodeDecodeError:
                df = pd.read_csv(path, sep=sep, encoding="gb18030", dtype=str)
    except ConfigError:
        raise
    except Exception as e:  # noqa: BLE001 - any parser failure becomes one clear message
        raise ConfigError(f"{path}: cannot read as a table ({type(e).__name__}: {e}); expected CSV or XLSX "
                          f"with a header row") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise ConfigError(f"{path}: the table has no data rows")
    return df


def _need(df: pd.DataFrame, path: Path, cols: Sequence[str], expected: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(map(repr, missing))}; the file has "
                          f"{', '.join(map(repr, df.columns))}; expected {expected}. "
                          f"See `chainatlas calc METHOD --help` for an example.")


def _numeric(df: pd.DataFrame, path: Path, cols: Sequence[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        v = pd.to_numeric(out[c], errors="coerce")
        bad = v.isna() & out[c].notna()
        if bad.any() or v.isna().any():
            i = int(np.flatnonzero(bad.to_numpy() | v.isna().to_numpy())[0])
            raise ConfigError(f"{path}: row {i + 2}, column {c!r}: expected a number, got {out[c].iloc[i]!r}")
        out[c] = v.astype(float)
    return out


def _sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_distance(path: Path | str, ids: Sequence[str] | None = None,
                  aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """A square distance or travel-time matrix: first column = place ids, header = the same ids.

    ``aliases`` maps other spellings (e.g. Chinese names) to ids; ``ids`` are the places that must be present.
    """
    path = Path(path)
    df = read_table(path)
    first = df.columns[0]
    rows = [aliases.get(str(v).strip(), str(v).strip()) if aliases else str(v).strip() for v in df[first]]
    cols = [aliases.get(c, c) if aliases else c for c in df.columns[1:]]
    body = df.drop(columns=[first]).copy()
    for i, r in enumerate(rows):  # the diagonal (a place to itself) is often left blank; it is never used
        if r in cols:
            j = cols.index(r)
            if pd.isna(body.iat[i, j]) or str(body.iat[i, j]).strip() == "":
                body.iat[i, j] = "0"
    m = _numeric(body, path, list(df.columns[1:]))
    m.index, m.columns = rows, cols
    if sorted(rows) != sorted(cols) or len(set(rows)) != len(rows):
        raise ConfigError(f"{path}: expected a square matrix whose first column and header list the same places "
                          f"once each; rows {rows[:5]}..., columns {cols[:5]}...")
    missing = sorted(set(ids or ()) - set(rows))
    if missing:
        raise ConfigError(f"{path}: places {missing[:5]} have no row; the matrix must cover every place")
    return m.loc[:, m.index] if ids is None else m.loc[list(ids), list(ids)]


def _edge_list(df: pd.DataFrame, path: Path, extra: Sequence[str] = ()) -> tuple[pd.DataFrame, str | None]:
    _need(df, path, ["src", "dst", *extra], "an edge list with columns src,dst[,weight]")
    if "weight" in df.columns:
        return _numeric(df, path, ["weight"]), "weight"
    return df, None


def _square_io(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.Series | None, pd.Series | None]:
    """Z (labels from the first column), and the x and/or y columns."""
    label = df.columns[0]
    sectors = [str(s) for s in df[label]]
    _need(df, path, sectors, "a square table: first column sector names, then one column per sector "
                             "(the same names, in any order), plus x (gross output) or y (final demand)")
    if "x" not in df.columns and "y" not in df.columns:
        raise ConfigError(f"{path}: missing column 'x' or 'y'; expected gross output x or final demand y "
                          f"next to the sector columns")
    num = _numeric(df, path, [*sectors, *[c for c in ("x", "y") if c in df.columns]])
    Z = pd.DataFrame(num[sectors].to_numpy(), index=pd.Index(sectors, name="sector"), columns=sectors)
    x = pd.Series(num["x"].to_numpy(), index=Z.index, name="x") if "x" in num else None
    y = pd.Series(num["y"].to_numpy(), index=Z.index, name="y") if "y" in num else None
    return Z, x, y


def _wide(prefix: str, m: pd.DataFrame) -> pd.DataFrame:
    return m.set_axis([f"{prefix}[{c}]" for c in m.columns], axis=1)


def _calc_centrality(df: pd.DataFrame, path: Path, *, directed: bool = True, **_: object):
    """Node metrics of a graph: degree, strength, betweenness, closeness, eigenvector, PageRank, clustering,
    Burt's constraint and effective size, core–periphery.

    Input: an edge list, one row per tie; weight optional (default 1 per row).
      src,dst,weight
      上海,苏州,3
      上海,杭州,2
      苏州,杭州,1
    Options: --undirected for symmetric ties (co-patents, co-authorship).
    Output: one row per node (node, degree_in, ..., pagerank, ...).
    """
    from chainatlas.analytics import networks as nw

    e, w = _edge_list(df, path)
    return nw.node_metrics(e, directed=directed, weight=w), {}


def _calc_leiden(df: pd.DataFrame, path: Path, *, resolution: float = 1.0, seed: int = 0, **_: object):
    """Leiden communities (modularity, resolution γ, fixed seed).

    Input: an edge list (ties are taken as undirected; weight optional).
      src,dst,weight
      a,b,5
      b,c,4
      c,a,3
      d,e,5
      e,f,4
      f,d,3
      c,d,1
    Options: --resolution 1.0, --seed 0.
    Output: node, community (0 = the community with the largest strength); modularity in the provenance.
    """
    from chainatlas.analytics import networks as nw

    e, w = _edge_list(df, path)
    g = nw.build_graph(e, directed=False, weight=w)
    com = nw.leiden(g, "weight" if w else None, resolution=resolution, seed=seed)
    data = pd.DataFrame({"node": com.membership.index, "community": com.membership.to_numpy()})
    return data, {"n_communities": com.n_communities, "modularity": com.modularity, "quality": com.quality}


def _calc_qap(df: pd.DataFrame, path: Path, *, x: str | None = None, y: str | None = None,
              directed: bool = True, permutations: int = 999, seed: int = 0, **_: object):
    """QAP correlation between two layers of the same places (permutation p-values).

    Input: a multiplex edge list with a layer column; weight optional.
      src,dst,layer,weight
      a,b,innovation,3
      b,c,innovation,1
      a,b,industry,2
      c,a,industry,4
    Options: --x innovation --y industry (layer names), --permutations 999, --seed 0, --undirected.
    Output: one row: x, y, r, p_greater, p_less, p_two_sided, n_permutations, n_nodes.
    """
    from chainatlas.analytics import networks as nw

    e, w = _edge_list(df, path, extra=["layer"])
    layers = sorted(map(str, e["layer"].unique()))
    for opt, name in (("--x", x), ("--y", y)):
        if not name:
            raise ConfigError(f"{opt}: qap needs two layer names (--x and --y); {path} has layers {layers}")
        if name not in layers:
            raise ConfigError(f"{opt}: layer {name!r} is not in column 'layer' of {path}; it has {layers}")
    nodes = sorted(set(map(str, e["src"])) | set(map(str, e["dst"])))
    e = e.assign(src=e["src"].astype(str), dst=e["dst"].astype(str))
    ax = nw.adjacency_matrix(e[e["layer"] == x], nodes, directed=directed, weight=w)
    ay = nw.adjacency_matrix(e[e["layer"] == y], nodes, directed=directed, weight=w)
    r = nw.qap_correlation(ax, ay, n_permutations=permutations, seed=seed)
    data = pd.DataFrame([{"x": x, "y": y, "r": r.r, "p_greater": r.p_greater, "p_less": r.p_less,
                          "p_two_sided": r.p_two_sided, "n_permutations": r.n_permutations,
                          "n_nodes": len(nodes)}])
    return data, {}


def _calc_multiplex(df: pd.DataFrame, path: Path, *, directed: bool = True, **_: object):
    """Multiplex participation of every node, and the overlap of every pair of layers.

    Input: a multiplex edge list with a layer column; weight optional.
      src,dst,layer,weight
      a,b,innovation,3
      b,c,innovation,1
      a,b,industry,2
      c,a,industry,4
    Options: --undirected.
    Output: one row per node: overlapping_degree, degree_<layer>, participation (Battiston et al. 2014),
    strength_<layer>, participation_strength; the layer overlap (Jaccard, weight correlation) in the summary.
    """
    from chainatlas.analytics import networks as nw

    e, w = _edge_list(df, path, extra=["layer"])
    e = e.assign(src=e["src"].astype(str), dst=e["dst"].astype(str), layer=e["layer"].astype(str))
    layers = list(pd.unique(e["layer"]))
    data = _participation(e, directed, w, layers)
    overlap = nw.layer_overlap(e, directed, weight=w)
    return data.reset_index(), {"layers": layers, "overlap": overlap.to_dict(orient="records")}


def _calc_tiers(df: pd.DataFrame, path: Path, **_: object):
    """Core / key / auxiliary tiers (核心/关键/辅助节点) from a table of indicators.

    Input: one row per place, an id column and numeric indicators where more is "more central".
      id,pagerank,betweenness,patents
      上海,0.21,0.35,1500
      杭州,0.12,0.20,820
      苏州,0.10,0.12,640
      嘉兴,0.04,0.02,90
      宣城,0.02,0.00,15
    Output: one row per place: the min–max scaled indicators, score (equal weights), tier (Fisher–Jenks into
    three classes), tier_zh, rank.
    """
    from chainatlas.analytics import diagnostics as dg

    _need(df, path, ["id"], "an id column and numeric indicator columns")
    cols = [c for c in df.columns if c != "id"]
    if not cols:
        raise ConfigError(f"{path}: no indicator columns besides 'id'; expected e.g. id,pagerank,patents")
    t = dg.node_tiers(_numeric(df, path, cols).set_index(df["id"].astype(str))[cols])
    return t.rename_axis("id").reset_index(), {"indicators": cols, "method": "min–max, equal weights, Fisher–Jenks"}


def _calc_gravity(df: pd.DataFrame, path: Path, *, exponent: float = 2.0, distance_file: str | None = None,
                  **_: object):
    """Modified gravity linkage R_ij = k_ij √(P_i G_i) √(P_j G_j) / D_ij^β with k_ij = G_i / (G_i + G_j).

    Input: one row per place; distances are great-circle km from lon/lat (degrees).
      id,population,gdp,lon,lat
      上海,2487,4.47,121.47,31.23
      苏州,1275,2.27,120.59,31.30
      杭州,1194,1.81,120.16,30.27
    Options: --exponent 2 (distance decay β); --distance FILE, a square travel-time (or distance) matrix
    whose first column and header are the ids, used instead of great-circle km (lon, lat not needed):
      id,上海,苏州,杭州
      上海,0,25,45
      苏州,25,0,70
      杭州,45,70,0
    Output: one row per ordered pair: src, dst, k, mass_src, mass_dst, distance, gravity, share_src.
    """
    from chainatlas.analytics import gravity as gv

    coords = [] if distance_file else ["lon", "lat"]
    _need(df, path, ["id", "population", "gdp", *coords], f"one row per place: id,population,gdp"
          f"{',lon,lat' if coords else ''}")
    p = _numeric(df, path, ["population", "gdp", *coords])
    p = p.assign(id=p["id"].astype(str).str.strip())
    if distance_file:
        d = read_distance(distance_file, list(p["id"]))
        p = p.assign(lon=0.0, lat=0.0)  # unused with a matrix
        return gv.gravity(p, id="id", distance=d, exponent=exponent), {"distance": str(distance_file),
                                                                       "distance_sha256": _sha256(distance_file)}
    return gv.gravity(p, id="id", exponent=exponent), {"distance": "great-circle km"}


def _calc_leontief(df: pd.DataFrame, path: Path, **_: object):
    """Leontief model: technical coefficients A, inverse L = (I − A)⁻¹ and backward/forward linkages.

    Input: a square transactions table Z (row i sells to column j), sector names in the first column, with
    gross output x or final demand y (x = Z·1 + y). Miller & Blair (2009) Table 2.3:
      sector,S1,S2,x
      S1,150,500,1000
      S2,200,100,2000
    Output: one row per sector: x, A[j], L[j] for every sector j, linkages (backward_total = output
    multiplier, backward_index, forward_index, key_sector ...).
    """
    from chainatlas.analytics import io

    Z, x, y = _square_io(df, path)
    x = x if x is not None else io.calc_x(Z, y)
    A = io.calc_A(Z, x)
    L = io.calc_L(A)
    link = io.calc_linkages(Z, x)
    out = pd.concat([pd.Series(x, index=Z.index, name="x"), _wide("A", A), _wide("L", L), link], axis=1)
    return out.reset_index().rename(columns={"index": "sector"}), {"n_sectors": len(Z)}


def _calc_ghosh(df: pd.DataFrame, path: Path, **_: object):
    """Ghosh (supply-side) model: allocation coefficients B = x̂⁻¹Z and inverse G = (I − B)⁻¹.

    Input: as for leontief (sector names, square Z, x or y):
      sector,S1,S2,x
      S1,150,500,1000
      S2,200,100,2000
    Output: one row per sector: x, B[j], G[j], forward_direct, forward_total (row sums of G).
    """
    from chainatlas.analytics import io

    Z, x, y = _square_io(df, path)
    x = x if x is not None else io.calc_x(Z, y)
    B = io.calc_B(Z, x)
    G = io.calc_G(B)
    out = pd.concat([pd.Series(x, index=Z.index, name="x"), _wide("B", B), _wide("G", G)], axis=1)
    out["forward_direct"] = B.sum(axis=1)
    out["forward_total"] = G.sum(axis=1)
    return out.reset_index().rename(columns={"index": "sector"}), {"n_sectors": len(Z)}


def _calc_extraction(df: pd.DataFrame, path: Path, *, sectors: Sequence[str] | None = None,
                     how: str = "complete", **_: object):
    """Hypothetical extraction: output lost when sectors disappear (or stop buying / selling).

    Input: as for leontief (sector names, square Z, y or x; y = x − Z·1 when only x is given):
      sector,S1,S2,y
      S1,150,500,350
      S2,200,100,1700
    Options: --sectors S1[,S2...] (required), --how complete|backward|forward|links.
    Output: one row per sector: x, x_extracted, loss; total loss and loss share in the provenance.
    """
    from chainatlas.analytics import io

    if not sectors:
        raise ConfigError("--sectors: extraction needs the sectors to extract, e.g. --sectors S1")
    Z, x, y = _square_io(df, path)
    unknown = [s for s in sectors if s not in Z.index]
    if unknown:
        raise ConfigError(f"--sectors: {unknown} not among the sectors of {path}: {list(Z.index)}")
    if y is None:
        y = x - Z.sum(axis=1)
    r = io.calc_extraction(Z, y, list(sectors), how=how)
    data = pd.DataFrame({"x": r.x, "x_extracted": r.x_extracted})
    data["loss"] = data["x"] - data["x_extracted"]
    data.index.name = "sector"
    return data.reset_index(), {"sectors": list(r.sectors), "how": r.how, "loss": r.loss,
                                "loss_share": r.loss_share, "loss_outside": r.loss_outside}


def _calc_moran(df: pd.DataFrame, path: Path, *, geo_file: str | None = None, k: int | None = None,
                id_field: str = "adcode", permutations: int = 999, seed: int = 0, alpha: float = 0.05,
                **_: object):
    """Global and local Moran's I (LISA) of a variable over places.

    Input: one row per place, id and value; weights from polygons (--geo FILE.geojson, features matched
    on properties.adcode or --id-field) or, with lon,lat columns, k nearest neighbours (--k 4):
      id,value,lon,lat
      a,1.0,120.0,30.0
      b,2.0,120.5,30.1
      c,8.0,121.0,30.2
      d,9.0,121.5,30.3
      e,3.0,120.2,30.9
    Options: --geo FILE or --k K, --permutations 999, --seed 0.
    Output: one row per place: id, value, Is, quadrant, p_sim, z_sim, cluster; global I in the provenance.
    """
    from chainatlas.analytics import spatial as sp

    _need(df, path, ["id", "value"], "one row per place: id,value (plus lon,lat with --k)")
    d = _numeric(df, path, ["value"]).assign(id=df["id"].astype(str))
    if geo_file:
        gpath = Path(geo_file)
        try:
            fc = json.loads(gpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"--geo: cannot read {gpath} as GeoJSON ({e})") from None
        feats = fc.get("features", []) if isinstance(fc, dict) else []
        if not feats or any(id_field not in (f.get("properties") or {}) for f in feats):
            raise ConfigError(f"--geo: {gpath}: expected a FeatureCollection whose features all have "
                              f"properties.{id_field}")
        for f in feats:
            f["properties"][id_field] = str(f["properties"][id_field])
        w = sp.contiguity_weights(fc, id_field=id_field)
        weights = f"queen contiguity from {gpath.name}"
    elif k:
        _need(df, path, ["lon", "lat"], "lon,lat columns for --k nearest-neighbour weights")
        d = _numeric(d, path, ["lon", "lat"])
        w = sp.knn_weights(d, k=k, id="id")
        weights = f"{k} nearest neighbours (great circle)"
    else:
        raise ConfigError("moran needs spatial weights: --geo FILE.geojson (polygons) or --k K (with lon,lat)")
    y = d.drop_duplicates("id").set_index("id")["value"]
    missing = [i for i in w.id_order if i not in y.index]
    if missing:
        raise ConfigError(f"{path}: no value for places {missing[:5]} that are in the weights; expected one "
                          f"row per place")
    y = y.reindex(w.id_order)
    g = sp.moran(y, w, permutations=permutations, seed=seed)
    loc = sp.local_moran(y, w, permutations=max(int(permutations), 1), seed=seed, alpha=alpha)
    f = loc.frame.reset_index().rename(columns={"place": "id"})
    f.insert(1, "value", y.to_numpy())
    return f, {"I": g.I, "EI": g.EI, "z_norm": g.z_norm, "p_norm": g.p_norm, "p_sim": g.p_sim, "n": g.n,
               "weights": weights, "clusters": {kk: int(v) for kk, v in loc.counts().items()}}


def _calc_complexity(df: pd.DataFrame, path: Path, *, threshold: float = 1.0, **_: object):
    """Economic complexity: RCA, ECI of places and PCI of products (eigenvector method).

    Input: a place × product matrix of non-negative activity (exports, firms, revenue), place ids in the
    first column:
      place,chips,cars,drugs
      a,10,0,5
      b,0,8,1
      c,3,3,3
    Options: --threshold 1.0 (M = 1 when RCA ≥ threshold).
    Output: one row per place: eci, diversity, rca_<product>; PCI and ubiquity in the provenance.
    """
    from chainatlas.analytics import complexity as cx

    label = df.columns[0]
    items = [c for c in df.columns if c != label]
    if not items:
        raise ConfigError(f"{path}: expected place ids in the first column and one column per product")
    num = _numeric(df, path, items)
    values = pd.DataFrame(num[items].to_numpy(), index=pd.Index(num[label].astype(str), name=label),
                          columns=items)
    res = cx.complexity(values, threshold=threshold)
    data = pd.DataFrame({"eci": res.eci, "diversity": res.diversity}).join(cx.rca(values).add_prefix("rca_"))
    data.index.name = label
    return data.reset_index(), {"pci": res.pci.to_dict(), "ubiquity": res.ubiquity.to_dict(),
                                "eigenvalue": res.eigenvalue}


def _calc_coupling(df: pd.DataFrame, path: Path, *, innovation: Sequence[str] | None = None,
                   industry: Sequence[str] | None = None, **_: object):
    """Coupling coordination of two subsystems: entropy-weight indices, then C, T, D (standard and
    Wang et al. 2021 corrected) with 廖重斌's grades.

    Input: one row per unit (first column: id), indicator columns of both subsystems:
      city,patents,papers,revenue,firms
      上海,900,500,4000,300
      苏州,400,100,3500,280
      宣城,20,5,300,40
    Options: --innovation patents,papers --industry revenue,firms (all benefit indicators).
    Output: one row per unit: innovation, industry (indices), C, T, D, grade, C_wang2021, D_wang2021, ...
    """
    if not innovation or not industry:
        raise ConfigError("--innovation and --industry: name the indicator columns of each subsystem, "
                          "e.g. --innovation patents,papers --industry revenue,firms")
    _need(df, path, [*innovation, *industry], "one row per unit with the indicator columns given")
    label = df.columns[0]
    num = _numeric(df, path, [*innovation, *industry])
    table = num.set_index(num[label].astype(str))
    data, summary = _coupling_frame(table, list(innovation), list(industry))
    data.index.name = label
    return data.reset_index(), summary


#: method → function (its docstring is the method's help: input shape and an example)
CALC_METHODS: dict[str, Callable[..., tuple[pd.DataFrame, dict]]] = {
    "centrality": _calc_centrality,
    "leiden": _calc_leiden,
    "qap": _calc_qap,
    "multiplex": _calc_multiplex,
    "gravity": _calc_gravity,
    "leontief": _calc_leontief,
    "ghosh": _calc_ghosh,
    "extraction": _calc_extraction,
    "moran": _calc_moran,
    "complexity": _calc_complexity,
    "coupling": _calc_coupling,
    "tiers": _calc_tiers,
}


def method_help(method: str) -> str:
    """The help text of a calc method (input shape and an example)."""
    return inspect.getdoc(CALC_METHODS[method]) or ""


def calc(method: str, input: Path | str, **parameters: object) -> Result:
    """Run one ``method`` on a table the user brings (CSV/XLSX at ``input``); see :data:`CALC_METHODS`."""
    if method not in CALC_METHODS:
        raise ConfigError(f"method: unknown {method!r}; expected one of {', '.join(CALC_METHODS)}")
    path = Path(input)
    df = read_table(path)
    fn = CALC_METHODS[method]
    params = {k: v for k, v in parameters.items() if v is not None}
    used = _effective(fn, params)
    data, summary = fn(df, path, **used)
    digest = _sha256(path)
    prov = _provenance(method=method, layer=None, scale=None, period=None, chain=None, segment=None,
                       parameters=used, data_version={"input": str(path), "sha256": digest, "rows": len(df)},
                       synthetic=None, source="user table")
    return Result(data.reset_index(drop=True), prov, _jsonable(summary))
