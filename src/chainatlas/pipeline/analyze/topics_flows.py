"""Topics on flows along one chain: the innovation → industry path and input–output on supply links.

The records come from the built atlas (``facts``, ``node_attrs``, ``seg_lookup``, ``scale_units``, ``raw_patents``,
``raw_patent_transfers``) through :mod:`chainatlas.pipeline.query`; the maths from
:mod:`chainatlas.analytics.paths` and :mod:`chainatlas.analytics.io`.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from chainatlas.analytics import io, paths
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import need_scale
from chainatlas.storage.base import Backend

__all__ = ["PATH_STAGES", "TOPICS", "IOTable", "io_table"]


def _zh(backend: Backend, scale: str) -> pd.Series:
    return query.names(backend, scale).set_index("unit")["name_zh"]


#: the stages of the path, in order, with their unit
PATH_STAGES = {
    "papers": "papers (fractional count, all fields)",
    "patents": "patent applications (fractional)",
    "transfers": "patent assignments + licences out of the place",
    "firms": "firms (stock)",
    "exports": "exports (USD, customs)",
}
#: conversion rates of the path: name → (later stage, earlier stage)
RATES = {
    "patents_per_paper": ("patents", "papers"),
    "transfers_per_patent": ("transfers_total", "patents"),
    "producer_share": ("to_producers", "transfers_total"),
    "exports_per_firm": ("exports", "firms"),
}


def _lookup(backend: Backend, chain: str, ck_type: str | None = None):
    sl = query.table(backend, "seg_lookup")
    sl = sl.filter((sl.chain == chain) & (sl.segment != ""))  # "ic:" (chain, no segment) counts in no segment
    return sl if ck_type is None else sl.filter(sl.ck_type == ck_type)


def _chained(backend: Backend, facts, chain: str):
    """Facts of ``chain`` with their segment (seg_lookup on the fact's own ck_type/ck)."""
    sl = _lookup(backend, chain)
    j = facts.join(sl, [facts.ck_type == sl.ck_type, facts.ck == sl.ck])
    return j.select(*[c for c in facts.columns if c not in ("ck_type", "ck")], segment=sl.segment)


# ================================================================================================ path (item 5)
def _transfers(backend: Backend, chain: str, years: list[int]) -> pd.DataFrame:
    """Patent transfer/licence facts of ``chain`` per (year, segment, kind, origin, destination, to_producer)."""
    f = query.table(backend, "facts")
    f = f.filter((f.layer == "innovation") & f.source.startswith("patent_transfers.") & f.year.isin(years))
    j = _chained(backend, f, chain)
    prod = _lookup(backend, chain, "e").select(_pe=ibis._.ck)  # recipients that are firms of the chain
    j = j.left_join(prod, j.dst == prod._pe)
    g = j.group_by(["year", "segment", "source", "src_adcode", "dst_adcode"]).aggregate(
        n=j.n.sum(), to_producers=(j._pe.notnull().cast("float64") * j.n).sum()
    )
    out = backend.execute(g)
    return out.assign(year=out["year"].astype(int))


def _patent_transfer_lags(backend: Backend, chain: str, period: int) -> pd.DataFrame:
    """Linked records: years from a patent's application to its transfer/licence (transfers up to ``period``)."""
    tr, pa = query.table(backend, "raw_patent_transfers"), query.table(backend, "raw_patents")
    tr = tr.filter(tr.year <= int(period))
    j = tr.join(pa.select("patent_id", "application_date", _ck=pa.ipc.split(";")[0].strip()), "patent_id")
    sl = _lookup(backend, chain, "i")
    j = j.join(sl, j._ck == sl.ck)
    j = j.select(segment=sl.segment, days=j.date.delta(j.application_date, unit="day"))
    out = backend.execute(j)
    return out.assign(lag_years=out["days"].astype(float) / 365.25)


def _node_series(backend: Backend, chain: str, scale: str, years: list[int]) -> pd.DataFrame:
    """Node attributes of the path per (year, segment, unit): papers (all chains) and the chain's own."""
    by = ("attr", "year", "segment", "unit")
    own = query.attr_frame(
        backend,
        scale=scale,
        years=years,
        chain=chain,
        segment=None,
        attrs=["patents", "firms", "exports"],
        by=by,
    )
    total = query.attr_frame(
        backend,
        scale=scale,
        years=years,
        chain=chain,
        segment=ALL,
        attrs=["patents", "firms", "exports"],
        by=by,
    )
    common = query.attr_frame(backend, scale=scale, years=years, attrs=["papers"], by=by)
    return pd.concat([own, total, common], ignore_index=True)


def path(
    backend: Backend, *, scale, period, chain, segment, max_lag: int = 3, top: int = 3
) -> tuple[pd.DataFrame, dict]:
    """The innovation → industry path of one chain per place and segment: stages, conversion rates, lags and
    where transferred patents go (issue 3, item 5).

    Stages, per unit of ``scale`` (city or province) and segment, in year ``period``:

    ======================  ==================================================================================
    papers                  the place's papers (fractional count over institutions), **all fields**: papers
                            carry a discipline (学科) but no chain code and there is no discipline → chain
                            concordance, so they are the place's common knowledge base, the same in every segment
    patents                 patent applications of the segment (main IPC → segment; fractional over applicants)
    transfers, licences     assignments and licences of the segment's patents whose transferor is in the place
                            (main IPC, else the transferor's industry); ``transfers_total`` = both
    to_producers            those received by a firm of the chain (industry code → any segment of ``chain``)
    firms                   firms of the segment in the place (stock at the end of the year)
    exports                 the segment's exports by the place's firms (customs, HS → segment), USD
    ======================  ==================================================================================

    Conversion rates (NaN where the earlier stage is 0; flows of the same year, not a cohort):
    ``patents_per_paper`` = patents / papers (applications per paper), ``transfers_per_patent`` =
    transfers_total / patents (deals per application), ``producer_share`` = to_producers / transfers_total
    (share of deals reaching a producing firm of the chain), ``exports_per_firm`` = exports / firms (USD per firm).

    Lags: patent → transfer from linked records (``raw_patent_transfers.patent_id`` ⋈ ``raw_patents``:
    transfer date − application date in years of 365.25 days, transfers dated up to ``period``), per segment;
    the other stage pairs (papers → patents, transfers → firms, firms → exports) cannot be linked record by
    record, so their lag is the lead k = 0..``max_lag`` years maximising the correlation of the year-on-year
    changes of the region's yearly totals over the built periods up to ``period``
    (:func:`chainatlas.analytics.paths.best_lag`).

    Destinations: every transfer is classed by its transferee's place as same city, another city of the same
    province, another YRD province, or outside YRD / unknown (:func:`chainatlas.analytics.paths.classify_destinations`);
    shares per origin place and region-wide, with the ``top`` destination cities.

    Returns one row per (segment, unit) with any patent, transfer, firm or export; the summary has stage totals,
    region-wide rates, lags with their method and destination shares. Reference: OECD (2013), Commercialising
    Public Research, ch. 2; Box et al. (2015) §12.1 for the cross-correlation.
    """
    need_scale(scale, ("city", "province"), "path")
    segs = query.chain_segments(backend, chain)
    years = [y for y in query.periods(backend) if y <= int(period)]
    unit = query.unit_of(backend, scale)
    names = _zh(backend, scale)

    # stages per (segment, unit) in the period
    nodes = _node_series(backend, chain, scale, years)
    now = nodes[nodes["year"] == int(period)]
    papers = now[now["attr"] == "papers"].groupby("unit")["value"].sum()
    own = now[(now["attr"] != "papers") & (now["segment"] != ALL)]
    stages = own.pivot_table(index=["segment", "unit"], columns="attr", values="value", aggfunc="sum")
    tr_all = _transfers(backend, chain, years)
    tr_all = tr_all.assign(origin=tr_all["src_adcode"].map(unit))
    unplaced = float(tr_all.loc[tr_all["origin"].isna() & (tr_all["year"] == int(period)), "n"].sum())
    tr = tr_all[(tr_all["year"] == int(period)) & tr_all["origin"].notna()]
    kind = (
        tr["source"]
        .str.removeprefix("patent_transfers.")
        .map({"transfer": "transfers", "license": "licences"})
    )
    deals = tr.assign(kind=kind).pivot_table(
        index=["segment", "origin"], columns="kind", values="n", aggfunc="sum"
    )
    deals["to_producers"] = tr.groupby(["segment", "origin"])["to_producers"].sum()
    deals.index.names = ["segment", "unit"]
    data = stages.join(deals, how="outer")
    for c in ("patents", "firms", "exports", "transfers", "licences", "to_producers"):
        data[c] = data[c].fillna(0.0) if c in data else 0.0
    data = data.reset_index()
    data.insert(2, "name_zh", data["unit"].map(names))
    data.insert(3, "papers", data["unit"].map(papers).fillna(0.0))
    data["transfers_total"] = data["transfers"] + data["licences"]
    for rate, (num, den) in RATES.items():
        data[rate] = paths.conversion_rate(data[num], data[den])
    data = data[(data[["patents", "transfers_total", "firms", "exports"]] > 0).any(axis=1)]

    # where transfers go
    dest, dest_summary = _destinations(backend, tr, top)
    data = data.merge(dest, on=["segment", "unit"], how="left")
    order = dict(zip(segs["segment"], segs["topo_order"]))
    data = data.assign(topo_order=data["segment"].map(order)).sort_values(
        ["topo_order", "transfers_total", "patents", "unit"],
        ascending=[True, False, False, True],
        ignore_index=True,
    )

    # totals, region-wide rates and lags
    totals = {
        "papers": float(papers.sum()),
        **{s: float(own.loc[own["attr"] == s, "value"].sum()) for s in ("patents", "firms", "exports")},
        "transfers_total": float(tr["n"].sum()),
        "to_producers": float(tr["to_producers"].sum()),
    }
    rates = {r: totals[a] / totals[b] if totals[b] else None for r, (a, b) in RATES.items()}
    lags = _lags(backend, chain, period, nodes, tr_all, years, max_lag)
    summary = {
        "chain": chain,
        "period": int(period),
        "scale": scale,
        "stages": PATH_STAGES,
        "totals": totals,
        "rates": rates,
        "rate_definitions": {r: f"{a} / {b}" for r, (a, b) in RATES.items()},
        "lags": lags,
        "destinations": dest_summary,
        "transfers_unplaced": unplaced,
        "papers_note": "papers carry a field (学科) but no chain code, and there is no field → chain "
        "concordance: papers are the place's common knowledge base (all fields, "
        "chain '*'), the same in every segment",
        "segments": list(segs["segment"]),
    }
    cols = [
        "segment",
        "unit",
        "name_zh",
        "papers",
        "patents",
        "transfers",
        "licences",
        "transfers_total",
        "to_producers",
        "firms",
        "exports",
        *RATES,
        *[c for c in dest.columns if c not in ("segment", "unit")],
    ]
    return data[cols], summary


def _destinations(backend: Backend, tr: pd.DataFrame, top: int) -> tuple[pd.DataFrame, dict]:
    """Destination shares and top destination cities per (segment, origin unit); region-wide in the summary."""
    city, prov = query.unit_of(backend, "city"), query.unit_of(backend, "province")
    cities = _zh(backend, "city")
    d = tr.assign(
        dst_city=tr["dst_adcode"].map(city),
        dst_prov=tr["dst_adcode"].map(prov),
        src_city=tr["src_adcode"].map(city),
        src_prov=tr["src_adcode"].map(prov),
    )
    d["destination"] = paths.classify_destinations(d["src_city"], d["src_prov"], d["dst_city"], d["dst_prov"])

    def shares(by: list[str]) -> pd.DataFrame:
        n = d.pivot_table(index=by, columns="destination", values="n", aggfunc="sum", fill_value=0.0)
        n = n.reindex(columns=list(paths.DESTINATIONS), fill_value=0.0)
        return n.div(n.sum(axis=1), axis=0)

    def top_cities(by: list[str]) -> pd.Series:
        t = d.dropna(subset=["dst_city"]).groupby([*by, "dst_city"])["n"].sum().reset_index()
        t = (
            t.sort_values([*by, "n", "dst_city"], ascending=[*[True] * len(by), False, True])
            .groupby(by)
            .head(top)
        )
        label = t["dst_city"].map(cities).fillna(t["dst_city"]) + ":" + t["n"].round(2).astype(str)
        return label.groupby([t[c] for c in by]).agg("; ".join)

    rows = shares(["segment", "origin"]).add_prefix("share_")
    rows["top_destinations"] = top_cities(["segment", "origin"])
    rows.index.names = ["segment", "unit"]
    total = d.groupby("destination")["n"].sum().reindex(list(paths.DESTINATIONS), fill_value=0.0)
    region_top = d.dropna(subset=["dst_city"]).groupby("dst_city")["n"].sum().sort_values(ascending=False)
    summary = {
        "n": float(total.sum()),
        "shares": {k: float(v / total.sum()) if total.sum() else None for k, v in total.items()},
        "by_segment": shares(["segment"]).to_dict(orient="index") if len(d) else {},
        "top_destination_cities": [
            {"unit": u, "name_zh": cities.get(u, u), "n": float(v)}
            for u, v in region_top.head(max(top, 5)).items()
        ],
        "classes": "by the transferee's place: same city; another city of the same province; another "
        "YRD province; outside YRD or unknown place",
    }
    return rows.reset_index(), summary


def _lags(
    backend: Backend,
    chain: str,
    period: int,
    nodes: pd.DataFrame,
    tr: pd.DataFrame,
    years: list[int],
    max_lag: int,
) -> dict:
    rec = _patent_transfer_lags(backend, chain, period)
    out: dict = {
        "patents->transfers": {
            "method": "records: transfer date − patent application date (raw_patent_transfers ⋈ raw_patents on "
            "patent_id), years",
            **paths.lag_distribution(rec["lag_years"]),
            "by_segment": {s: paths.lag_distribution(g["lag_years"]) for s, g in rec.groupby("segment")},
        }
    }
    series = nodes[nodes["segment"] == ALL].groupby(["attr", "year"])["value"].sum().unstack(0)
    series["transfers"] = tr.groupby("year")["n"].sum()
    series = series.reindex(index=years).fillna(0.0)
    for a, b in (("papers", "patents"), ("transfers", "firms"), ("firms", "exports")):
        x = series[a] if a in series else pd.Series(0.0, index=years)
        y = series[b] if b in series else pd.Series(0.0, index=years)
        r = paths.best_lag(x.to_numpy(), y.to_numpy(), max_lag=int(max_lag))
        out[f"{a}->{b}"] = {
            "method": "series: lead k (years) maximising corr(Δ region total of the earlier stage "
            "in t, Δ of the later stage in t+k) over the built periods",
            "lag": r.lag,
            "r": r.r,
            "r_by_lag": r.r_by_lag,
            "n_points": r.n_points,
            "years": [int(years[0]), int(years[-1])] if years else None,
        }
    return out


# ================================================================================================ io (item 7)
@dataclass(frozen=True, eq=False)
class IOTable:
    """The inter-place, inter-segment table of one chain in one year (万元).

    Attributes
    ----------
    Z : DataFrame
        Intermediate flows, rows = supplying sector, columns = buying sector, labelled by
        ``(unit, segment)`` MultiIndex.
    x : Series
        Gross output used: ``max(revenue, Z row sum + Z column sum)``.
    revenue : Series
        Revenue of the sector's firms (node attribute ``revenue``, from tax records).
    raised : Series
        True where ``x`` had to be raised above revenue to hold the sector's recorded intermediate trade.
    """

    Z: pd.DataFrame
    x: pd.Series
    revenue: pd.Series
    raised: pd.Series


def io_table(backend: Backend, *, chain: str, scale: str, period: int) -> IOTable:
    """Build Z and x of one chain from the atlas's supply links and revenue (see :func:`io_topic`)."""
    segs = query.chain_segments(backend, chain)
    unit = query.unit_of(backend, scale)
    f = query.table(backend, "facts")
    f = f.filter((f.source == "supply_links") & (f.year == int(period)))
    j = _chained(backend, f, chain)
    cust = _lookup(backend, chain, "e").select(_ce=ibis._.ck, _cs=ibis._.segment)
    j = j.join(cust, j.dst == cust._ce)  # flows to customers outside the chain are final sales, not Z
    flows = backend.execute(
        j.group_by(["src_adcode", "segment", "dst_adcode", "_cs"]).aggregate(value=j.value.sum())
    )
    flows = flows.assign(i_unit=flows["src_adcode"].map(unit), j_unit=flows["dst_adcode"].map(unit)).dropna(
        subset=["i_unit", "j_unit"]
    )
    rev = query.attr_frame(
        backend,
        scale=scale,
        period=period,
        chain=chain,
        segment=None,
        attrs=["revenue"],
        by=("unit", "segment"),
    )
    rev = rev[rev["value"] > 0].groupby(["unit", "segment"])["value"].sum()
    order = {s: k for k, s in enumerate(segs["segment"])}
    labels = (
        set(rev.index) | set(zip(flows["i_unit"], flows["segment"])) | set(zip(flows["j_unit"], flows["_cs"]))
    )
    idx = pd.MultiIndex.from_tuples(
        sorted(labels, key=lambda us: (us[0], order.get(us[1], 99), us[1])), names=["unit", "segment"]
    )
    Z = flows.pivot_table(
        index=["i_unit", "segment"], columns=["j_unit", "_cs"], values="value", aggfunc="sum"
    )
    Z = Z.reindex(index=idx, columns=idx, fill_value=0.0).fillna(0.0)
    Z.columns.names = idx.names
    revenue = rev.reindex(idx, fill_value=0.0).rename("revenue")
    trade = Z.sum(axis=1) + Z.sum(axis=0)
    x = np.maximum(revenue, trade).rename("x")
    return IOTable(Z, x, revenue, (trade > revenue).rename("raised"))


def _extraction_set(
    tab: IOTable, extract: str, segments: list[str], names: pd.Series
) -> list[tuple[str, str]]:
    """Sectors named by ``extract``: a place (adcode or name), a segment id, or place:segment."""
    idx = tab.Z.index
    by_name = {v: k for k, v in names.items()}
    place, _, seg = str(extract).partition(":")
    place = by_name.get(place, place)
    if seg:
        chosen = [s for s in idx if s == (place, seg)]
    elif place in segments:
        chosen = [s for s in idx if s[1] == place]
    else:
        chosen = [s for s in idx if s[0] == place]
    if not chosen:
        units = sorted({u for u, _ in idx})
        raise ConfigError(
            f"{extract!r} matches no sector of the table; expected a place adcode or "
            f"name with output (e.g. {', '.join(units[:4])}), a segment id of the chain "
            f"({', '.join(segments)}) or place:segment, e.g. {idx[0][0]}:{idx[0][1]}",
            param="extract",
        )
    return chosen


def io_topic(
    backend: Backend,
    *,
    scale,
    period,
    chain,
    segment,
    extract: str | None = None,
    how: str = "complete",
    top: int = 10,
) -> tuple[pd.DataFrame, dict]:
    """Input–output analysis of one chain's inter-place, inter-segment supply flows (issue 3, item 7).

    Sectors are the (unit, segment) pairs of the chain at ``scale`` (city or province) that have output or
    intermediate trade in ``period``. The table, in 万元 (supply-link value and tax-record revenue share the unit):

    - ``Z[i, j]``: value of the year's supply links from a supplier in unit i, assigned to segment s by the
      record itself (explicit chain/segment, else its HS product, else the supplier's industry) to a customer in
      unit j whose own industry code (``seg_lookup`` type ``e``) puts it in segment s' of the same chain. The
      customer's segment is its actual industry, not an assumed downstream one; sales to customers outside the
      chain are not intermediate flows of this table (they are part of final demand y).
    - ``x``: gross output. Revenue comes only from firms that file tax records, while links cover any firm, so a
      sector's recorded intermediate trade can exceed it; then ``x = max(revenue, Z row sum + Z column sum)``,
      which keeps every column sum of A and row sum of B below 1 for sectors that both buy and sell (the count of
      raised sectors is ``n_x_raised``). Final demand ``y = x − Z·1``, primary inputs ``v = x − 1'Z``.

    From these :mod:`chainatlas.analytics.io` gives A = Z x̂⁻¹, L = (I − A)⁻¹, B = x̂⁻¹ Z, G = (I − B)⁻¹ and the
    backward/forward linkages, raw (column sums of L, row sums of G) and Rasmussen-normalised (divided by their
    mean); a key sector has both normalised linkages > 1. ``extract`` (a place adcode or name: all its sectors;
    a segment id: the segment in every place; or ``place:segment``) runs a hypothetical extraction (``how``:
    complete, backward, forward or links) and reports the output lost, absolute (万元) and as a share, with the
    ``top`` sectors outside the extracted set that lose most. References: Miller & Blair (2009) ch. 2, §12.1–12.2
    (linkages, Ghosh, hypothetical extraction §12.2.5); Dietzenbacher et al. (1993); Miller & Lahr (2001).
    """
    need_scale(scale, ("city", "province"), "io")
    segs = query.chain_segments(backend, chain)
    tab = io_table(backend, chain=chain, scale=scale, period=period)
    if len(tab.x) < 2 or tab.Z.to_numpy().sum() <= 0:
        raise ConfigError(
            f"chain {chain!r} has fewer than 2 sectors or no supply flows between its segments "
            f"at scale {scale}, period {period}; try another period or chain"
        )
    names = _zh(backend, scale)
    Z, x = tab.Z, tab.x
    link = io.calc_linkages(Z, x)
    data = pd.DataFrame(
        {
            "revenue": tab.revenue,
            "x": x,
            "x_raised": tab.raised,
            "intermediate_sales": Z.sum(axis=1),
            "intermediate_purchases": Z.sum(axis=0),
            "y": x - Z.sum(axis=1),
            "v": x - Z.sum(axis=0),
        }
    ).join(link)
    summary: dict = {
        "chain": chain,
        "period": int(period),
        "scale": scale,
        "unit": "万元",
        "n_sectors": len(x),
        "n_places": int(x.index.get_level_values(0).nunique()),
        "segments": list(segs["segment"]),
        "total_x": float(x.sum()),
        "total_revenue": float(tab.revenue.sum()),
        "total_Z": float(Z.to_numpy().sum()),
        "intermediate_share": float(Z.to_numpy().sum() / x.sum()),
        "n_x_raised": int(tab.raised.sum()),
        "n_key_sectors": int(link["key_sector"].sum()),
        "aggregation": f"sectors = (unit at scale {scale}, segment of {chain}); Z from facts 'supply_links' of "
        f"{period}: supplier place and the record's segment → customer place and the customer's "
        f"own segment (industry code); flows to customers outside the chain left out of Z; "
        f"x = max(revenue, intermediate sales + purchases) — raised for {int(tab.raised.sum())} "
        f"of {len(x)} sectors",
    }
    if extract is not None:
        chosen = _extraction_set(tab, extract, list(segs["segment"]), names)
        r = io.calc_extraction(Z, x - Z.sum(axis=1), chosen, how=how)
        data["x_extracted"] = r.x_extracted
        data["loss"] = r.x - r.x_extracted
        rest = data.drop(index=chosen)["loss"].sort_values(ascending=False).head(int(top))
        summary["extraction"] = {
            "extract": str(extract),
            "how": r.how,
            "sectors": [f"{u}:{s}" for u, s in chosen],
            "loss": r.loss,
            "loss_share": r.loss_share,
            "loss_outside": r.loss_outside,
            "loss_inside": r.loss - r.loss_outside,
            "top_losers": [
                {"unit": u, "name_zh": names.get(u), "segment": s, "loss": float(v)}
                for (u, s), v in rest.items()
                if v > 0
            ],
        }
    data = data.reset_index()
    data.insert(1, "name_zh", data["unit"].map(names))
    return data, summary


_SCALES = ("city", "province")
TOPICS: tuple[Topic, ...] = (
    Topic(
        "path",
        "创新到产业的转化路径",
        "Innovation → industry path",
        path,
        scales=_SCALES,
        chain="required",
        params=(
            Param("max_lag", "int", 3, "longest lead tried for series lags (years)", ge=0, le=5),
            Param("top", "int", 3, "destination cities listed per place", ge=1, le=100),
        ),
        help="one chain: papers → patents → transfers/licences → producing firms → exports per place and "
        "segment: conversion rates, lags (record-linked and series), where transfers go",
        example=("--chain", "ic"),
        reads=("innovation", "attr:papers", "attr:patents", "attr:firms", "attr:exports"),
        trend=True,
    ),
    Topic(
        "io",
        "投入产出与假设抽取",
        "Input–output and hypothetical extraction",
        io_topic,
        scales=_SCALES,
        chain="required",
        params=(
            Param("extract", "str", None, "a place (adcode or name), a segment, or place:segment to extract"),
            Param(
                "how",
                "str",
                "complete",
                "what is extracted",
                choices=("complete", "backward", "forward", "links"),
            ),
            Param("top", "int", 10, "largest losers listed", ge=1, le=1000),
        ),
        help="one chain: input–output on supply links between (place, segment) sectors: A, Leontief and Ghosh "
        "inverses, linkages (raw, Rasmussen), key sectors; --extract for hypothetical extraction",
        example=("--chain", "ic"),
        reads=("industry", "attr:revenue"),
    ),
)
