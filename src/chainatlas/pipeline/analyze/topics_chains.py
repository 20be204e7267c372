"""Topics on chains: segments × places (断链, 单点, 卡点, concentration), economic complexity over segments,
innovation–industry coupling with the gap per segment, and "创新地 + 产业地" pairing."""

from __future__ import annotations

import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import (
    INDUSTRY_ATTRS,
    INNOVATION_ATTRS,
    coupling_frame,
    disclosed,
    need_scale,
    zh_names,
)
from chainatlas.pipeline.chains import CHOKE_NET_IMPORT, CHOKE_TOP_SHARE, chain_presence, chain_trade
from chainatlas.storage.base import Backend

__all__ = ["CHAIN_ATTRS", "TOPICS", "chain_suppliers"]

#: node attributes of each (segment, unit) row of the ``chains`` topic
CHAIN_ATTRS = ("firms", "revenue", "employees", "patents")


def chain_suppliers(backend: Backend, chain: str, period: int, scale: str) -> pd.DataFrame:
    """Supply links of one chain's segments in one year: segment, supplier entity, its unit at ``scale``, value.

    Functional areas overlap, so at scale ``area`` a supplier's place is its city (each link counted once).
    """
    cols = ["segment", "supplier", "place", "value"]
    if not (backend.has_table("facts") and backend.has_table("seg_lookup")):
        return pd.DataFrame(columns=cols)
    f, sl = query.table(backend, "facts"), query.table(backend, "seg_lookup")
    f = f.filter((f.source == "supply_links") & (f.year == int(period)))
    k = sl.filter((sl.chain == chain) & (sl.segment != ""))  # "ic:" (chain, no segment) counts in no segment
    j = f.join(k, (f.ck_type == k.ck_type) & (f.ck == k.ck))
    g = j.group_by(["segment", j.src.name("supplier"), "src_adcode"]).aggregate(value=j.value.sum())
    links = backend.execute(g)
    links["place"] = links["src_adcode"].map(query.unit_of(backend, "city" if scale == "area" else scale))
    return links[cols]


def chains(backend: Backend, *, scale, period, chain, segment) -> tuple[pd.DataFrame, dict]:
    """One chain's segments × units (firms, revenue, employees, patents, LQ, Krugman) and per segment its
    status (断链 / 单点 / 卡点, from :func:`chainatlas.pipeline.chains.chain_presence`, as the chain view),
    HHI, Hoover, import dependence by partner region and supplier concentration."""
    from chainatlas.analytics import chains as ch

    pr = chain_presence(backend, chain, period, scale)
    segs = pr.segments
    order = list(segs["segment"])
    cells = pr.cells[
        query.proper(scale, pr.cells["unit"]).to_numpy()
    ]  # records placed only coarser: left out
    long = cells[(cells[list(CHAIN_ATTRS)] > 0).any(axis=1)]

    def matrix(attr: str) -> pd.DataFrame:
        m = cells.pivot_table(index="unit", columns="segment", values=attr, aggfunc="sum", fill_value=0.0)
        m = m.reindex(columns=order, fill_value=0.0)
        m.columns.name = None
        return m

    firms = matrix("firms")
    patents = matrix("patents").reindex(index=firms.index, fill_value=0.0)
    basis = dict(zip(segs["segment"], segs["basis"], strict=True))
    # a segment held only by partial members ("6513*" firms; chain_presence's partial_only) is read on them
    firms_p = matrix("firms_partial").reindex(index=firms.index, fill_value=0.0)
    partial = dict(zip(segs["segment"], segs["partial_only"], strict=True))
    presence = pd.DataFrame(
        {s: (firms_p[s] if partial[s] else firms[s]) if basis[s] == "firms" else patents[s] for s in order},
        index=firms.index,
    )
    lq = ch.location_quotient(firms)
    conc = ch.hhi(presence)  # per column, so firms and patents columns each measure their own spread
    hov_f, hov_p = ch.hoover(firms), ch.hoover(patents)  # against the chain's firm / patent distribution
    hov_fp = ch.hoover(firms_p)
    hov = {s: (hov_fp if partial[s] else hov_f if basis[s] == "firms" else hov_p).get(s) for s in order}
    lq_long = lq.stack(future_stack=True).rename("lq_firms").rename_axis(["unit", "segment"]).reset_index()
    data = long[["segment", "unit", *CHAIN_ATTRS]].merge(lq_long, on=["unit", "segment"], how="left")
    data = data.merge(segs[["segment", "topo_order"]], on="segment", how="left")
    kr = ch.krugman(firms) if len(firms) >= 2 else pd.Series(dtype=float)
    data["krugman_firms"] = data["unit"].map(kr)
    data = zh_names(backend, scale).merge(data, on="unit", how="right")
    data = data.sort_values(["topo_order", "firms", "unit"], ascending=[True, False, True], ignore_index=True)
    data = data[["segment", "topo_order", "unit", "name_zh", *CHAIN_ATTRS, "lq_firms", "krugman_firms"]]

    by_region = chain_trade(backend, chain, pr.period)
    supply = ch.supplier_concentration(chain_suppliers(backend, chain, pr.period, scale))
    per_segment = {}
    for row in segs.to_dict("records"):
        s = row["segment"]
        b = by_region[by_region["segment"] == s]
        per_segment[s] = {
            "name_zh": row["name_zh"],
            "topo_order": row["topo_order"],
            "basis": row["basis"],
            "status": row["status"],
            "single_by": row["single_by"],
            "choke": row["choke"],
            "n_cities": row["n_cities"],
            "firms": row["firms"],
            "partial_only": row["partial_only"],
            "partial_firms": row["partial_firms"],
            "partial_ties": row["partial_ties"],
            "hhi": conc.get(s),
            "hoover": hov.get(s),
            "imports": row["imports"],
            "exports": row["exports"],
            "top_import_region": row["top_import_region"],
            "top_import_share": row["top_import_share"],
            "net_import_ratio": row["net_import_ratio"],
            "trade_by_region": {
                f"{d}:{r}": v
                for (d, r), v in b.groupby(["direction", "partner_region"])["value"].sum().items()
            },
            "suppliers": {k: v for k, v in supply.loc[s].items()} if s in supply.index else {"suppliers": 0},
        }
    summary = {
        "segments": per_segment,
        "completeness_share": pr.share,
        "broken": pr.broken,
        "single": pr.single,
        "choke": pr.choke,
        "lq_attribute": "firms",
        "status": "断链 broken: no producer in the region; 单点 single: one city (or one firm); 卡点 choke: "
        f"imports ≥ {CHOKE_NET_IMPORT:.0%} of the segment's trade with one partner region "
        f"supplying ≥ {CHOKE_TOP_SHARE:.0%} of them (pipeline.chains.chain_presence)",
        "trade": "raw_trade ⋈ seg_lookup (HS 6-digit), year = period; regions by geo.countries.country_region",
        "suppliers": "supply links (facts, source supply_links) of the segment in the year: supplier firms' "
        f"value shares (HHI, CR1, CR5) and supplier {'city' if scale == 'area' else scale}s' "
        "shares (analytics.chains.supplier_concentration)",
    }
    return data, summary


def complexity(
    backend: Backend, *, scale, period, chain, segment, attr="firms", threshold=1.0
) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import complexity as cx
    from chainatlas.model.taxonomy import atlas_taxonomy

    segs = atlas_taxonomy().segments
    if chain != ALL:
        segs = segs[segs["chain"] == chain]
        if segs.empty:
            raise ConfigError(f"unknown chain {chain!r}; see `chainatlas chains list`", param="chain")
    cols = {}
    for c, s in segs[["chain", "segment"]].itertuples(index=False):
        n = query.nodes(backend, scale=scale, period=period, chain=c, segment=s, attrs=[attr])
        label = s if chain != ALL else f"{c}:{s}"
        cols[label] = n.set_index("unit")[attr] if attr in n else pd.Series(0.0, index=n["unit"])
    values = pd.DataFrame(cols).fillna(0.0)
    values = values.loc[values.sum(axis=1) > 0, values.sum(axis=0) > 0]
    if values.shape[0] < 2 or values.shape[1] < 2:
        raise ConfigError(
            f"complexity needs at least 2 units and 2 segments with {attr!r} > 0 at scale {scale}, "
            f"period {period}, chain {chain!r}; got {values.shape}"
        )
    res = cx.complexity(values, threshold=threshold)
    r = cx.rca(values).add_prefix("rca_")
    data = pd.DataFrame({"eci": res.eci, "diversity": res.diversity}).join(r)
    data.index.name = "unit"
    out = zh_names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    summary = {
        "attr": attr,
        "pci": res.pci.to_dict(),
        "ubiquity": res.ubiquity.to_dict(),
        "eigenvalue": res.eigenvalue,
        "segments": list(values.columns),
    }
    return out.sort_values("eci", ascending=False, ignore_index=True), summary


def coupling(backend: Backend, *, scale, period, chain, segment) -> tuple[pd.DataFrame, dict]:
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    n = n[query.proper(scale, n["unit"]).to_numpy()]  # records placed only at a coarser level are left out
    missing = [a for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS) if a not in n]
    for a in missing:
        n = n.assign(**{a: 0.0})
    disclosed(n, [*INNOVATION_ATTRS, *INDUSTRY_ATTRS], "coupling")
    data, summary = coupling_frame(n.set_index("unit"), list(INNOVATION_ATTRS), list(INDUSTRY_ATTRS))
    summary["missing_attributes_as_zero"] = missing
    if chain != ALL and segment == ALL:
        summary["segments"] = segment_gaps(backend, scale, period, chain)
    out = zh_names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    return out, summary


def segment_gaps(backend: Backend, scale: str, period: int, chain: str) -> dict:
    """The gap (鸿沟) per segment of one chain: index levels and where innovation and industry are."""
    from chainatlas.analytics import coupling as cp

    frames = []
    for s in query.chain_segments(backend, chain)["segment"]:
        n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=s)
        n = n[query.proper(scale, n["unit"]).to_numpy()]
        frames.append(
            n.assign(segment=s, **{a: 0.0 for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS) if a not in n})
        )
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
        out[s] = {
            "units": len(g),
            "innovation_index": float(inn.loc[s].mean()),
            "industry_index": float(ind.loc[s].mean()),
            "gap": float(inn.loc[s].mean() - ind.loc[s].mean()),
            "dissimilarity": cp.dissimilarity(pat, rev) if pat.sum() > 0 and rev.sum() > 0 else None,
        }
    return out


def pairing(
    backend: Backend, *, scale, period, chain, segment, top=20, exponent=2.0
) -> tuple[pd.DataFrame, dict]:
    """ "创新地 + 产业地": per segment, innovation × industry city pairs by potential minus current linkage."""
    from chainatlas.analytics import diagnostics as dg

    need_scale(scale, ("city",), "pairing")
    segs = query.chain_segments(backend, chain)
    if segment != ALL:
        segs = segs[segs["segment"] == segment]
    cities = geo.places("city")[["adcode", "pop_2020", "lon", "lat"]].rename(
        columns={"adcode": "unit", "pop_2020": "population"}
    )
    frames, skipped = [], {}
    for s in segs["segment"]:
        n = query.nodes(
            backend, scale=scale, period=period, chain=chain, segment=s, attrs=["patents", "revenue", "firms"]
        )
        n = n.assign(**{a: 0.0 for a in ("patents", "revenue", "firms") if a not in n})
        p = cities.merge(n[["unit", "patents", "revenue", "firms"]], on="unit", how="left").fillna(0.0)
        industry = "revenue" if p["revenue"].sum() > 0 else "firms"
        if p["patents"].sum() <= 0 or p[industry].sum() <= 0:
            skipped[s] = "no patents" if p["patents"].sum() <= 0 else "no firms"
            continue
        o = query.edges(backend, layer="innovation", scale=scale, period=period, chain=chain, segment=s)
        try:
            pr = dg.pairing(
                p.assign(population=p["population"].astype(float)),
                o,
                innovation="patents",
                industry=industry,
                exponent=exponent,
                top=top,
            )
        except ConfigError as e:  # e.g. one city holds the whole segment, or no ties to scale to
            skipped[s] = str(e)
            continue
        frames.append(pr.assign(segment=s, industry_attribute=industry))
    if not frames:
        raise ConfigError(
            f"no segment of chain {chain!r} can be paired in {period}: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    data = pd.concat(frames, ignore_index=True)
    names = zh_names(backend, "city").set_index("unit")["name_zh"]
    data.insert(1, "src_name", data["src"].map(names))
    data.insert(3, "dst_name", data["dst"].map(names))
    data = data[["segment", *[c for c in data.columns if c != "segment"]]]
    summary = {
        "skipped_segments": skipped,
        "top_per_segment": top,
        "exponent": exponent,
        "innovation": "node attribute patents (IPC concordance)",
        "industry": "revenue (else firms)",
        "observed": "innovation layer ties of the segment (joint patents, transfers, licences, contracts)",
        "potential": "modified gravity with P = pop_2020, G = innovation share + industry share, "
        "scaled to the observed total (analytics.diagnostics.pairing)",
        "paper": "潘秋晨 (2023) 四(二) 创新地+产业地共建计划",
    }
    return data, summary


TOPICS: tuple[Topic, ...] = (
    Topic(
        "chains",
        "产业链图谱：断链、单点、卡点、集中度",
        "Chain map: broken links, single points, choke points, concentration",
        chains,
        chain="required",
        help="one chain: per segment and unit firms, revenue, patents, LQ, Krugman; 断链 (no producer), 单点 (one "
        "city or firm) and 卡点 (import dependence on one partner region) as the chain view judges them; "
        "HHI, Hoover, imports by partner region and supplier concentration in the summary",
        example=("--chain", "ic"),
        reads=("industry", "attr:firms", "attr:patents", "attr:imports"),
    ),
    Topic(
        "complexity",
        "经济复杂度",
        "Economic complexity",
        complexity,
        params=(
            Param("attr", "str", "firms", "node attribute over the segments (indicator id)"),
            Param("threshold", "float", 1.0, "M = 1 when RCA ≥ threshold", ge=0.0),
        ),
        help="RCA and ECI of units over a chain's segments (or every segment of every chain), PCI of segments",
        reads=("attr:@attr",),
    ),
    Topic(
        "coupling",
        "创新—产业耦合协调",
        "Innovation–industry coupling coordination",
        coupling,
        help="innovation × industry coupling coordination (entropy weights; standard and Wang et al. 2021); "
        "with a chain also the gap (鸿沟) per segment: index levels and Duncan dissimilarity",
        reads=("attr:patents", "attr:revenue"),
    ),
    Topic(
        "pairing",
        "“创新地 + 产业地”配对",
        "Innovation place + industry place pairing",
        pairing,
        scales=("city",),
        chain="required",
        params=(
            Param("top", "int", 20, "pairs per segment", ge=1, le=1000),
            Param("exponent", "float", 2.0, "distance decay β", ge=0.0, le=10.0),
        ),
        help="创新地 + 产业地: per segment of one chain, innovation × industry city pairs ranked by gravity "
        "potential minus current innovation-layer linkage",
        example=("--chain", "ic"),
        reads=("innovation", "attr:patents", "attr:revenue"),
    ),
)
