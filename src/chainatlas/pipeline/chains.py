"""Chain completeness, one way for every reader: the chain view, the ``chains`` topic, the API and the UI.

One vocabulary (潘秋晨 2023 四(五); README "产业链"):

- **断链** (``broken``): a segment with no producer anywhere in the region;
- **单点** (``single``): a segment held by one city only, or by one firm;
- **卡点** (``choke``): a segment that depends on imports (imports ≥ exports) concentrated on one partner
  region (that region supplies at least :data:`CHOKE_TOP_SHARE` of the segment's imports);
- **无数据** (``no_data``): no loaded data can reach the segment (its basis — the firm register, or patents — is
  not loaded at all), so nothing can be said; this is not 断链.

Presence is judged at city scale whatever scale is shown. A segment that some GB/T 4754 code reaches is
judged by its firms; the others (e.g. 封装测试, whose industry code 晶圆制造 also has) by patent
applications (``basis``).

**Partial members.** A GB/T 4754 class of which only part belongs to a segment (``"6513*"`` 应用软件开发 in ic's
EDA工具与IP核: most software firms make no EDA) makes its firms *partial* members: they are counted apart
(``firms_partial``, ``employees_partial``, ``revenue_partial``), never in ``firms``. The statuses are judged on
the full members. A segment with no full member but some partial ones is not called 断链 — something that may
belong is there — nor held: its status (``single`` or ``ok``) is judged on the partial members and
``partial_only`` is true, which reads "held only by firms of a partly-belonging class: unconfirmed" (the UI and
reports show it as such, e.g. "单点（仅部分归属企业）"). ``partial_only`` is false wherever a full member exists,
whatever the partial members are.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from chainatlas.geo.countries import country_region
from chainatlas.model.taxonomy import industry_segments
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = [
    "CELL_ATTRS",
    "CHOKE_NET_IMPORT",
    "CHOKE_TOP_SHARE",
    "ChainPresence",
    "chain_presence",
    "chain_trade",
]

#: node attributes of each (segment, unit) cell: presence, strength, innovation, trade; then what partial members
#: (firms of a partly-belonging class, "6513*") bring, counted apart
CELL_ATTRS = (
    "firms",
    "employees",
    "revenue",
    "patents",
    "tech_sold",
    "exports",
    "imports",
    "firms_partial",
    "employees_partial",
    "revenue_partial",
)
#: 卡点: imports at least this share of the segment's trade (M / (M + X)) ...
CHOKE_NET_IMPORT = 0.5
#: ... and one partner region supplying at least this share of them
CHOKE_TOP_SHARE = 0.5


@dataclass(frozen=True)
class ChainPresence:
    """One chain in one period.

    Attributes
    ----------
    chain, period, scale : str, int, str
    segments : DataFrame
        One row per segment, upstream first: ``segment, name_zh, name_en, position, topo_order, basis``
        (``firms`` or ``patents``), ``n_cities`` (cities with a producer), ``n_firms`` (full member firms
        region-wide, wherever placed), ``unplaced`` (basis total of records in no city: placed only to a province),
        ``status`` (``no_data``,
        ``broken``, ``single`` or ``ok``), ``single_by`` (``city``, ``firm`` or None), ``partial_only`` (the
        status rests on partial members alone; ``n_cities``, ``unplaced`` and ``single_by`` then count them),
        ``partial_firms`` (partial member firms region-wide), ``partial_ties`` (records of the segment's ties held
        only through partial members, region-wide: left out of its networks unless asked for), the totals of :data:`CELL_ATTRS`,
        ``top_import_region``, ``top_import_share``, ``net_import_ratio`` and ``choke`` (卡点).
    cells : DataFrame
        ``segment, unit`` and :data:`CELL_ATTRS` at ``scale`` (every unit with a non-zero value).
    """

    chain: str
    period: int
    scale: str
    segments: pd.DataFrame
    cells: pd.DataFrame

    @property
    def broken(self) -> list[str]:
        """断链 segments."""
        return list(self.segments.loc[self.segments["status"] == "broken", "segment"])

    @property
    def single(self) -> list[str]:
        """单点 segments."""
        return list(self.segments.loc[self.segments["status"] == "single", "segment"])

    @property
    def choke(self) -> list[str]:
        """卡点 segments."""
        return list(self.segments.loc[self.segments["choke"], "segment"])

    @property
    def share(self) -> float:
        """Completeness: the share of segments that are not broken."""
        return float((self.segments["status"] != "broken").mean()) if len(self.segments) else 0.0


def _cells(backend: Backend, chain: str, period: int, scale: str, attrs: tuple[str, ...]) -> pd.DataFrame:
    def every_year() -> pd.DataFrame:  # one read for all built years; inspection walks them one by one
        return query.attr_frame(
            backend,
            scale=scale,
            chain=chain,
            segment=None,
            attrs=attrs,
            by=("year", "segment", "unit", "attr"),
        )

    long = query.remember(backend, ("chain_cells", chain, scale, attrs), every_year)
    long = long[long["year"] == int(period)]
    wide = long.pivot_table(
        index=["segment", "unit"], columns="attr", values="value", aggfunc="sum", fill_value=0.0
    ).reindex(columns=list(attrs), fill_value=0.0)
    wide.columns.name = None
    if "suppressed" in long:  # withheld by disclosure control: NaN, not 0
        for r in long[long["suppressed"]].itertuples(index=False):
            wide.loc[(r.segment, r.unit), r.attr] = float("nan")
    return wide.reset_index()


def chain_trade(backend: Backend, chain: str, period: int) -> pd.DataFrame:
    """Customs value of one chain's segments by partner region and direction in one year
    (``raw_trade`` ⋈ ``seg_lookup`` on the HS code): ``segment, partner_region, direction, value``."""
    cols = ["segment", "partner_region", "direction", "value"]
    if not (backend.has_table("raw_trade") and backend.has_table("seg_lookup")):
        return pd.DataFrame(columns=cols)

    def every_year() -> pd.DataFrame:  # one scan of the customs lines for all years of the chain
        rt, sl = query.table(backend, "raw_trade"), query.table(backend, "seg_lookup")
        k = sl.filter((sl.ck_type == "h") & (sl.chain == chain) & (sl.segment != ""))
        j = rt.join(k, rt.hs_code == k.ck)
        t = backend.execute(
            j.group_by(["year", "segment", "partner_country", "direction"]).aggregate(value=j.value.sum())
        )
        return t.assign(partner_region=country_region(t["partner_country"]).fillna("other").to_numpy())

    t = query.remember(backend, ("chain_trade", chain), every_year)
    t = t[t["year"] == int(period)]
    if t.empty:
        return pd.DataFrame(columns=cols)
    return t[cols].reset_index(drop=True)


def _loaded(backend: Backend) -> dict[str, bool]:
    """Whether each basis of presence is loaded at all: firms with an industry code, patents."""
    f, p = query.table(backend, "raw_firms"), query.table(backend, "raw_patents")
    firms = f.filter(f.industry_code.notnull() & (f.entity_type.fill_null("firm") == "firm")).count()
    return {
        "firms": bool(backend.execute(firms.as_table()).iloc[0, 0]),
        "patents": bool(backend.execute(p.count().as_table()).iloc[0, 0]),
    }


def chain_presence(
    backend: Backend, chain: str, period: int | None = None, scale: str = "city"
) -> ChainPresence:
    """Which segments of ``chain`` the region holds, where, and which are 断链, 单点 and 卡点.

    Parameters
    ----------
    chain : str
        A chain id (not ``*``).
    period : int, optional
        Default: the latest built.
    scale : str
        The scale of ``cells`` (the statuses are judged at city scale).
    """
    from chainatlas.analytics import chains as ch

    query.check_filters(scale=scale)
    segs = query.chain_segments(backend, chain)
    year = query.latest(backend, period)
    cells = _cells(backend, chain, year, scale, CELL_ATTRS)
    city = (
        cells
        if scale == "city"
        else _cells(backend, chain, year, "city", ("firms", "patents", "firms_partial"))
    )
    proper = query.proper("city", city["unit"])
    # records placed only to a province (or nowhere) are in no city cell but in the region's totals
    whole = _cells(backend, chain, year, "region", ("firms", "patents", "firms_partial"))
    whole = whole.groupby("segment")[["firms", "patents", "firms_partial"]].sum()
    with_firms = industry_segments(chain)
    loaded = _loaded(backend)
    trade = (
        ch.import_dependence(chain_trade(backend, chain, year)) if backend.has_table("raw_trade") else None
    )
    ties = query.remember(
        backend,
        ("chain_partial_ties", chain),
        lambda: query.edges_by(
            backend, scale="region", by=("year", "segment"), chain=chain, segment=None, partial=True
        ),
    )
    ties = ties[ties["year"] == year]
    partial_ties = dict(zip(ties["segment"], ties["n"], strict=True))
    rows = []
    for s in segs.itertuples(index=False):
        basis = "firms" if s.segment in with_firms else "patents"
        mine = city[city["segment"] == s.segment]
        placed = mine[proper.loc[mine.index]]
        region = whole.loc[s.segment] if s.segment in whole.index else pd.Series(0.0, index=whole.columns)
        n_firms = float(region["firms"])
        partial_firms = float(region["firms_partial"])
        # judged on the full members; on the partial ones only where no full member exists
        partial_only = basis == "firms" and float(region[basis]) <= 0 and partial_firms > 0
        members = "firms_partial" if partial_only else basis
        n_cities = int((placed[members] > 0).sum())
        total = float(region[members])
        unplaced = max(total - float(placed[members].sum()), 0.0)
        places = n_cities + (1 if unplaced > 0 else 0)
        n_members = partial_firms if partial_only else n_firms
        single_by = "city" if places == 1 else "firm" if basis == "firms" and n_members == 1 else None
        status = (
            "no_data" if not loaded[basis] else "broken" if total <= 0 else "single" if single_by else "ok"
        )
        c = cells[cells["segment"] == s.segment]
        t = trade.loc[s.segment] if trade is not None and s.segment in trade.index else None
        net = None if t is None or pd.isna(t["net_import_ratio"]) else float(t["net_import_ratio"])
        top = None if t is None or pd.isna(t["top_import_share"]) else float(t["top_import_share"])
        rows.append(
            {
                "segment": s.segment,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "position": int(s.position),
                "topo_order": int(s.topo_order),
                "basis": basis,
                "n_cities": n_cities,
                "n_firms": n_firms,
                "unplaced": unplaced,
                "status": status,
                "single_by": single_by,
                "partial_only": partial_only,
                "partial_firms": partial_firms,
                "partial_ties": float(partial_ties.get(s.segment, 0.0)),
                # a total over cells some of which are withheld (disclosure control) is withheld too
                **{a: None if c[a].isna().any() else float(c[a].sum()) for a in CELL_ATTRS},
                "top_import_region": None if t is None else t["top_import_region"],
                "top_import_share": top,
                "net_import_ratio": net,
                "choke": bool(
                    net is not None and top is not None and net >= CHOKE_NET_IMPORT and top >= CHOKE_TOP_SHARE
                ),
            }
        )
    keep = (cells[list(CELL_ATTRS)] > 0).any(axis=1)
    return ChainPresence(chain, year, scale, pd.DataFrame(rows), cells[keep].reset_index(drop=True))
