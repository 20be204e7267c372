"""The firm supply network of the atlas for a year (issue 14), as the shock engine
(:mod:`chainatlas.analytics.shock`) takes it, with its labels (:class:`Labels`).

Nodes are the register's entities of type ``firm`` that exist in the year
(founded in or before it, or undated). Links are the year's supply links (``raw_supply_links``) resolved to
entities exactly as the build resolves them (:class:`chainatlas.pipeline.facts.Resolver`; the ``facts`` rows of
source ``supply_links``), summed per (supplier, customer) over products and months; a link naming a party that is
not a firm of the register, or a firm with itself, is left out (counted in the notes). Values are 万元 a year and
become a value per day (÷ 365) — the engine multiplies by the step's days.

*Blank values.* Unknown is not 0, but a link without a value cannot weigh in a Leontief input share. A link whose
value is blank gets the **median of the valued links of its supplier's segment** in the year (else of every
valued link of the year; else 1 万元), and the result's ``notes`` say how many links were imputed so. The median,
not the mean: link values are skewed and one large contract must not set the weight of every unknown one.

*Output.* A firm's baseline output is its revenue from the tax records of the year (summed over quarters) where
known; a firm's output is at least its sales to the network's customers and at least its purchases (from the
network and from abroad), so that final demand is never negative and the input shares stay ≤ 1 — a firm raised
so is counted in the notes. A firm with neither revenue nor links has no output and is left out.

*Segments.* A firm's segment is the one its main industry code reaches (``seg_lookup``; a full member before a
partial one, then the chain order), else one reached by its other codes; with ``chain=`` the firm's segment of
that chain comes first. A firm in several chains counts in each chain's totals (``labels.chains``), so the loss
by chain is not additive across chains. Place: the firm's county adcode (a coarser code where the register has
no finer one); province: its first two digits.

*Imports* (customs ``raw_trade``, direction ``import``, the year's months) are resolved to firms the same way,
converted from US dollars to 万元 at :data:`USD_CNY` and grouped by partner region
(:func:`chainatlas.geo.country_region`: CN, HK_MO_TW, EU, US, ASEAN, JP, KR, other).

**Scope.** A simulation needs the whole network whatever the reader may see, so every read of the network is
``query.table(..., whole=True)``; what a reader gets back is narrowed in :mod:`chainatlas.pipeline.simulate` (runs)
and :mod:`chainatlas.pipeline.emergency` (ranking and list).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError, GeoError
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = [
    "USD_CNY",
    "Labels",
    "Progress",
    "build_stamp",
    "cached_network",
    "distances",
    "is_synthetic",
    "net_codes",
    "network",
    "place_prefix",
]

#: yuan per US dollar used to put customs values (USD) beside tax and supply values (万元); the 2023 average of
#: the PBoC central parity was 7.05
USD_CNY = 7.05


# ================================================================================================ network
@dataclass(frozen=True)
class Labels:
    """What the engine's arrays mean: firm ``i`` of the network is row ``i`` of ``firms``.

    Attributes
    ----------
    period : int
        The year of the network.
    chain : str or None
        The chain whose segments came first in the firms' segments.
    firms : DataFrame
        One row per firm: ``firm`` (entity id: the credit code, or ``N:<name>``), ``name``, ``adcode``, ``province``
        (6-digit code), ``segment`` (``chain:segment`` or None), ``revenue`` (万元 a year, NaN unknown), ``output``
        (万元 a year, the baseline), ``sales``, ``purchases``, ``imports`` (万元 a year) and ``raised`` (output
        raised above the revenue to cover sales or purchases).
    segments, places, provinces, partners : list of str
        The labels of the engine's ``segment``, ``place``, ``province`` and ``import_partner`` indices.
    chains : DataFrame
        ``firm`` (index), ``chain``, ``segment``, ``partial``: every chain segment each firm belongs to (a firm
        may be in several; ``partial`` through a partly belonging industry class).
    links : DataFrame
        ``supplier``, ``customer`` (indices), ``value`` (万元 a year, imputed where blank) and ``imputed``.
    imports : DataFrame
        ``firm`` (index), ``partner_region``, ``partner`` (ISO alpha-2), ``hs`` (the customs code), ``value``
        (万元 a year): the customs lines behind ``imports``, for import shocks.
    notes : list of str
        What the reader should know: imputed values, parties left out, outputs raised (Chinese / English).
    synthetic : bool
        The atlas holds synthetic records.
    """

    period: int
    chain: str | None
    firms: pd.DataFrame
    segments: list[str]
    places: list[str]
    provinces: list[str]
    partners: list[str]
    chains: pd.DataFrame
    links: pd.DataFrame
    imports: pd.DataFrame
    notes: list[str]
    synthetic: bool = False

    def index_of(self, refs: Sequence[str], where: str) -> np.ndarray:
        """Firm indices of credit codes or exact names (ConfigError naming ``where[i]`` for one not found or a
        name that several firms carry)."""
        by_id = _positions(self.firms["firm"])
        by_name = self.firms.groupby("name", sort=False).indices if len(self.firms) else {}
        out = []
        for i, ref in enumerate(refs):
            if ref in by_id:
                out.append(by_id[ref])
                continue
            hit = by_name.get(ref)
            if hit is None or len(hit) != 1:
                why = (
                    "several firms are called so; give the credit code"
                    if hit is not None
                    else "not a firm of the network"
                )
                raise ConfigError(
                    f"{ref!r}: {why} (the firms of {self.period} with supply links, revenue or both)",
                    param=f"{where}[{i}]",
                )
            out.append(int(hit[0]))
        return np.asarray(out, dtype=np.int64)


def _positions(s: pd.Series) -> dict[str, int]:
    return {v: i for i, v in enumerate(s.tolist())}


def _reader(backend: Backend) -> Callable[[str], Any]:
    """``table(name)`` for the expressions of :mod:`chainatlas.pipeline.facts`: every row, whatever the scope (a
    simulation needs the whole network; what reaches a reader is filtered afterwards)."""
    return lambda name: query.table(backend, name, whole=True)


def _year(backend: Backend, period: object | None) -> int:
    """The year asked for, or by default the latest built year that has supply links (a later year built from
    other records alone would give a network of isolated firms)."""
    if period is None:
        f = query.table(backend, "facts", whole=True)
        f = f.filter(f.source == "supply_links")
        years = backend.execute(f.aggregate(year=f.year.max()))["year"]
        if len(years) and pd.notna(years.iloc[0]):
            return int(years.iloc[0])
    year = query.latest(backend, period)
    if not isinstance(year, int):
        raise ConfigError(
            f"a simulation runs on a year's network; got {period!r} (a month or a quarter)", param="period"
        )
    return year


def _firm_register(backend: Backend, year: int) -> pd.DataFrame:
    e = query.table(backend, "entities", whole=True)
    e = e.filter((e.entity_type == "firm") & (e.founded_year.isnull() | (e.founded_year <= year)))
    df = backend.execute(e.select("entity_id", "name", "adcode", "industry_code", "synthetic"))
    return df.drop_duplicates("entity_id").reset_index(drop=True)


def _supply_links(backend: Backend, year: int) -> pd.DataFrame:
    f = query.table(backend, "facts", whole=True)
    f = f.filter((f.source == "supply_links") & (f.year == year))
    return backend.execute(f.select(supplier=f.src, customer=f.dst, value=f.value))


def _revenue(backend: Backend, year: int) -> pd.Series:
    """Revenue per entity in ``year`` (万元; NaN where every record of the entity left it blank)."""
    from chainatlas.pipeline.facts import confidential_contributions

    if not backend.has_table("raw_tax"):
        return pd.Series(dtype=float)
    t = confidential_contributions(_reader(backend), "revenue", [year])
    df = backend.execute(t.group_by("entity").aggregate(value=t.value.sum(), known=t.value.count()))
    df = df[df["known"] > 0]
    return pd.Series(df["value"].to_numpy(float), index=df["entity"].astype(str))


def _customs_imports(backend: Backend, year: int) -> pd.DataFrame:
    """Customs import lines of ``year`` resolved to entities: ``entity, hs, partner, value`` (USD)."""
    from chainatlas.pipeline.facts import Resolver

    cols = ["entity", "hs", "partner", "value"]
    if not backend.has_table("raw_trade"):
        return pd.DataFrame(columns=cols)
    table = _reader(backend)
    rt = table("raw_trade")
    rt = rt.filter((rt.year == year) & (rt.direction == "import"))
    r = Resolver(table)(rt, "credit_code", None, "firm_norm", "a")
    g = r.group_by(
        [r.a_eid.name("entity"), r.hs_code.name("hs"), r.partner_country.name("partner")]
    ).aggregate(value=r.value.sum())
    return backend.execute(g)[cols]


def _main_segments(
    backend: Backend, firms: pd.DataFrame, chain: str | None
) -> tuple[pd.Series, pd.DataFrame]:
    """Each firm's segment (``chain:segment``; see the module's notes) and every (firm, chain) membership."""
    from chainatlas.model.taxonomy import atlas_taxonomy

    sl = query.table(backend, "seg_lookup", whole=True)
    sl = sl.filter((sl.ck_type == "e") & (sl.segment != ""))
    rows = backend.execute(sl.select(firm=sl.ck, chain=sl.chain, segment=sl.segment, partial=sl.partial))
    rows = rows[rows["firm"].isin(firms["entity_id"])]
    if rows.empty:
        return pd.Series(dtype=object), pd.DataFrame(columns=["firm", "chain", "segment", "partial"])
    # which segments the main industry code reaches (the taxonomy's concordance on the few distinct codes)
    codes = firms["industry_code"].dropna().astype(str).drop_duplicates().reset_index(drop=True)
    main: set[tuple[str, str, str]] = set()
    if len(codes):
        m = atlas_taxonomy().segments_for_industry(codes)
        main = set(zip(codes.to_numpy()[m["row"].to_numpy()], m["chain"], m["segment"], strict=True))
    code_of = dict(zip(firms["entity_id"], firms["industry_code"].astype(object), strict=True))
    order = query.segments(backend)
    topo = {(c, s): i for i, (c, s) in enumerate(zip(order["chain"], order["segment"], strict=True))}
    rows = rows.assign(
        _mine=[0 if chain is not None and c == chain else 1 for c in rows["chain"]],
        _main=[
            0 if (str(code_of.get(f)), c, s) in main else 1
            for f, c, s in zip(rows["firm"], rows["chain"], rows["segment"], strict=True)
        ],
        _partial=rows["partial"].fillna(False).astype(int),
        _order=[topo.get((c, s), len(topo)) for c, s in zip(rows["chain"], rows["segment"], strict=True)],
    )
    best = rows.sort_values(["firm", "_mine", "_main", "_partial", "_order"]).drop_duplicates("firm")
    seg = pd.Series((best["chain"] + ":" + best["segment"]).to_numpy(), index=best["firm"].to_numpy())
    chains = rows[["firm", "chain", "segment", "partial"]].drop_duplicates(["firm", "chain", "segment"])
    return seg, chains


def network(
    backend: Backend, *, period: object | None = None, chain: str | None = None, usd_cny: float = USD_CNY
) -> tuple[Any, Labels]:
    """The firm supply network of the atlas for a year, as the engine's ``Network`` and its :class:`Labels`.

    Parameters
    ----------
    backend : Backend
        The atlas (read whole, whatever the reader's scope: see the module's notes).
    period : int, optional
        A built year (default: the latest).
    chain : str, optional
        A chain whose segments come first in the firms' segments (a firm of several chains); every firm of the
        register is in the network whatever ``chain`` is.
    usd_cny : float
        Yuan per US dollar for the customs values.

    Returns
    -------
    (Network, Labels)
        The engine's arrays (values per day) and what they mean.
    """
    arrays, labels = _network_arrays(backend, period=period, chain=chain, usd_cny=usd_cny)
    return _engine_network(arrays), labels


def _network_arrays(
    backend: Backend, *, period: object | None, chain: str | None, usd_cny: float = USD_CNY
) -> tuple[dict[str, Any], Labels]:
    from chainatlas import geo
    from chainatlas.model.layers import ALL

    year = _year(backend, period)
    if chain is not None and chain != ALL:
        query.check_chain(backend, chain)
    else:
        chain = None
    notes: list[str] = []
    reg = _firm_register(backend, year)
    ids = _positions(reg["entity_id"])
    links = _supply_links(backend, year)
    n_raw = len(links)
    links = links[links["supplier"].isin(ids) & links["customer"].isin(ids)]
    outside = n_raw - len(links)
    own = links["supplier"] == links["customer"]
    links = links[~own]
    if outside or own.any():
        notes.append(
            f"供应关系 {outside:,} 条的一方不是主体库中的企业、{int(own.sum()):,} 条为自供，未计入网络 / "
            f"{outside:,} supply links naming a party that is not a firm of the register and {int(own.sum()):,} "
            "self links left out"
        )
    seg_of, chains = _main_segments(backend, reg, chain)
    # blank values: the median of the supplier's segment's valued links of the year (module notes)
    links = links.assign(_seg=links["supplier"].map(seg_of))
    blank = links["value"].isna()
    if blank.any():
        valued = links[~blank]
        overall = float(valued["value"].median()) if len(valued) else 1.0
        by_seg = valued.groupby("_seg")["value"].median()
        fill = links.loc[blank, "_seg"].map(by_seg).fillna(overall)
        links.loc[blank, "value"] = fill.to_numpy()
        notes.append(
            f"供应关系 {int(blank.sum()):,} 条金额空缺，按供应商所在环节当年有金额关系的中位数计（无则按全部关系的中位数 "
            f"{overall:,.2f} 万元）/ {int(blank.sum()):,} links without a value weighed at the median of the valued "
            f"links of their supplier's segment in {year} (else of every valued link, {overall:,.2f} 万元)"
        )
    links = links.assign(imputed=blank.to_numpy())
    links = (
        links.groupby(["supplier", "customer"], sort=False)
        .agg(value=("value", "sum"), imputed=("imputed", "any"))
        .reset_index()
    )
    links = links[links["value"] > 0]

    revenue = _revenue(backend, year)
    imp = _customs_imports(backend, year)
    imp = imp[imp["entity"].isin(ids) & imp["value"].notna() & (imp["value"] > 0)]
    imp = imp.assign(
        value=imp["value"].astype(float) * usd_cny / 10_000.0,
        partner_region=geo.country_region(imp["partner"]).fillna("other").to_numpy(),
    )
    sales = links.groupby("supplier")["value"].sum()
    purchases = links.groupby("customer")["value"].sum()
    imports = imp.groupby("entity")["value"].sum()
    ent = reg["entity_id"]
    rev = ent.map(revenue).astype(float)
    s_ = ent.map(sales).fillna(0.0).to_numpy(float)
    p_ = ent.map(purchases).fillna(0.0).to_numpy(float)
    m_ = ent.map(imports).fillna(0.0).to_numpy(float)
    need = np.maximum(s_, p_ + m_)
    out = np.where(rev.notna(), np.maximum(rev.fillna(0.0).to_numpy(float), need), need)
    raised = rev.notna().to_numpy() & (rev.fillna(0.0).to_numpy(float) < need - 1e-9)
    keep = out > 0
    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped:,} 家企业当年既无营业收入记录也无供应关系，未计入网络 / {dropped:,} firms with neither revenue "
            f"nor supply links in {year} left out"
        )
    if raised.any():
        notes.append(
            f"{int(raised.sum()):,} 家企业的营业收入低于其网络内销售额或采购额（含进口），产出按后者计 / "
            f"{int(raised.sum()):,} firms' revenue below their sales or purchases (imports included) in the network: "
            "their output is raised to it"
        )
    no_rev = int((rev.isna().to_numpy() & keep).sum())
    if no_rev:
        notes.append(
            f"{no_rev:,} 家企业无营业收入记录，产出按其供应关系估计 / {no_rev:,} firms without revenue: output from "
            "their supply links"
        )
    firms = pd.DataFrame(
        {
            "firm": ent.to_numpy(),
            "name": reg["name"].to_numpy(),
            "adcode": reg["adcode"].astype(object).to_numpy(),
            "segment": ent.map(seg_of).astype(object).to_numpy(),
            "revenue": rev.to_numpy(float),
            "output": out,
            "sales": s_,
            "purchases": p_,
            "imports": m_,
            "raised": raised,
        }
    )[keep].reset_index(drop=True)
    firms["province"] = [
        (a[:2] + "0000") if isinstance(a, str) and len(a) >= 2 else None for a in firms["adcode"]
    ]
    pos = _positions(firms["firm"])
    n = len(firms)
    sup = links["supplier"].map(pos).to_numpy(np.int64)
    cus = links["customer"].map(pos).to_numpy(np.int64)
    val = links["value"].to_numpy(float)
    link_frame = pd.DataFrame(
        {"supplier": sup, "customer": cus, "value": val, "imputed": links["imputed"].to_numpy()}
    )

    def codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
        labels = sorted({v for v in values if isinstance(v, str)})
        return net_codes(labels, values), labels

    segment, segments = codes(firms["segment"])
    place, places = codes(firms["adcode"])
    province, provinces = codes(firms["province"])
    imp = imp.assign(firm=imp["entity"].map(pos))
    imp = imp[imp["firm"].notna()].astype({"firm": np.int64})
    partners = sorted(imp["partner_region"].unique().tolist())
    # the engine holds one import input per firm: its partner is the region it imports most from
    by_region = imp.groupby(["firm", "partner_region"])["value"].sum().reset_index()
    main = by_region.sort_values(
        ["firm", "value", "partner_region"], ascending=[True, False, True]
    ).drop_duplicates("firm")
    import_partner = np.full(n, -1, np.int64)
    import_partner[main["firm"].to_numpy(np.int64)] = net_codes(partners, main["partner_region"])
    chains = chains.assign(firm=chains["firm"].map(pos))
    chains = (
        chains[chains["firm"].notna()].astype({"firm": np.int64}).sort_values(["firm", "chain", "segment"])
    )
    per_day = 1.0 / 365.0
    arrays = {
        "n": n,
        "supplier": sup,
        "customer": cus,
        "value": val * per_day,
        "output": firms["output"].to_numpy(float) * per_day,
        "segment": segment,
        "place": place,
        "province": province,
        "import_value": firms["imports"].to_numpy(float) * per_day,
        "import_partner": import_partner,
    }
    synthetic = bool(reg["synthetic"].fillna(False).any())
    labels = Labels(
        period=year,
        chain=chain,
        firms=firms,
        segments=segments,
        places=places,
        provinces=provinces,
        partners=partners,
        chains=chains.reset_index(drop=True),
        links=link_frame,
        imports=imp[["firm", "partner_region", "partner", "hs", "value"]].reset_index(drop=True),
        notes=notes,
        synthetic=synthetic or is_synthetic(backend),
    )
    return arrays, labels


def is_synthetic(backend: Backend) -> bool:
    try:
        return bool(query.dataset_info(backend)["contains_synthetic"])
    except Exception:  # noqa: BLE001 - an atlas without batches: nothing synthetic loaded
        return False


def _engine_network(arrays: Mapping[str, Any]) -> Any:
    """The engine's ``Network`` (values per day; inventories and spare capacity are set per run)."""
    from chainatlas.analytics.shock import Network

    if arrays["n"] == 0:
        raise ConfigError("the atlas has no firm with revenue or supply links in this year", param="period")
    a = dict(arrays)
    return Network.from_links(
        a.pop("n"), a.pop("supplier"), a.pop("customer"), a.pop("value"), a.pop("output"), **a
    )


def place_prefix(text: str, where: str) -> tuple[str, str]:
    """A place written as an adcode (2, 4 or 6 digits) or a name: its 6-digit code and the prefix of the adcodes
    inside it (Shanghai's city is its province)."""
    from chainatlas import geo
    from chainatlas.ingest.places import resolve_place_names
    from chainatlas.model.access import jurisdiction_prefix, normalize_jurisdiction

    t = text.strip()
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}", t):
        try:
            code = geo.normalize_adcode(t)
        except GeoError as e:
            raise ConfigError(str(e), param=where) from None
    else:
        r = resolve_place_names([t], addresses=False)[0]
        if r.problem:
            raise ConfigError(r.problem, param=where)
        if r.adcode is None:
            raise ConfigError(
                f"unknown place {t!r}; expected an adcode (320500) or a place name of the region (苏州市, 浦东新区)",
                param=where,
            )
        code = r.adcode
    return code, jurisdiction_prefix(normalize_jurisdiction(code))


def distances(labels: Labels) -> np.ndarray:
    """km between the centroids of the network's places (``labels.places``)."""
    from chainatlas import geo
    from chainatlas.analytics.gravity import haversine_km

    p = geo.places().set_index("adcode")
    lon = p["lon"].reindex(labels.places).to_numpy(float)
    lat = p["lat"].reindex(labels.places).to_numpy(float)
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    return np.where(np.isfinite(d), d, np.inf)


Progress = Callable[[str, int, int], None]


def net_codes(labels: Sequence[str], values: pd.Series) -> np.ndarray:
    """Index of each value in ``labels`` (−1: none)."""
    where = {v: i for i, v in enumerate(labels)}
    return np.array([where.get(v, -1) if isinstance(v, str) else -1 for v in values], np.int64)


def cached_network(backend: Backend, *, period: object | None = None) -> tuple[Any, Labels]:
    """:func:`network` remembered per read-only backend and build (the API reads it for many requests)."""
    year = _year(backend, period)
    return query.remember(
        backend, ("simulate_network", year, build_stamp(backend)), lambda: network(backend, period=year)
    )


def build_stamp(backend: Backend) -> str:
    """When the atlas was last built: cached indices belong to one build (refreshed with each build)."""
    from chainatlas.pipeline.analyze.result import data_version

    return str(data_version(backend).get("built_at"))
