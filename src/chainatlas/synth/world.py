"""The synthetic world: real places, the chain taxonomy, and the fictitious entities placed in them.

:func:`build_world` draws every entity once; the record generators of :mod:`chainatlas.synth.records`
then only pick among them, so every code a record references exists in ``firms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.analytics.gravity import haversine_km
from chainatlas.errors import ConfigError
from chainatlas.geo import HUBS
from chainatlas.synth import names as nm
from chainatlas.synth.calibration import (
    CALIBRATION_EARTH_RADIUS_KM,
    CITY_ECON_WEIGHT,
    CITY_INNOVATION_WEIGHT,
    CPCA_UNRESOLVED,
    GENERIC_IPC,
    IMPORT_PROFILES,
    LAST_YEAR,
    RETIRED_CODES,
    SEGMENT_PLAN,
    SHANGHAI,
    SegmentPlan,
)

__all__ = ["ETYPES", "Chains", "Entities", "Geography", "GroupSampler", "World", "build_world"]

#: Entity types in the order of their integer code in :attr:`Entities.etype`.
ETYPES = ("firm", "university", "institute", "service", "fund", "platform")
FIRM, UNIVERSITY, INSTITUTE, SERVICE, FUND, PLATFORM = range(len(ETYPES))

#: GB/T 4754 codes of the non-firm entity types (they must never fall in a chain segment's codes).
_TYPE_INDUSTRY = {
    UNIVERSITY: ("8341",),
    INSTITUTE: ("7310", "7320", "7340"),
    SERVICE: ("7520", "7530", "7450", "7590"),
    FUND: ("6731",),
    PLATFORM: ("7221",),
}
#: Section mix of the firms outside the four chains (manufacturing and trade dominate the YRD registry).
_SECTION_MIX = {
    "C": 0.44,
    "F": 0.18,
    "I": 0.07,
    "M": 0.06,
    "L": 0.05,
    "G": 0.05,
    "E": 0.04,
    "K": 0.02,
    "A": 0.02,
    "H": 0.02,
    "R": 0.02,
    "N": 0.01,
    "O": 0.01,
    "D": 0.01,
}


# --------------------------------------------------------------------------------------------- geography


@dataclass
class Geography:
    """The 41 prefecture cities and their counties, with the weights that place entities."""

    city: np.ndarray  # adcode per city (C,)
    city_short: np.ndarray
    city_name: np.ndarray
    province_name: np.ndarray  # of each city
    province_code: np.ndarray
    pop: np.ndarray  # 2020 census
    econ: np.ndarray  # CITY_ECON_WEIGHT
    innov: np.ndarray  # CITY_INNOVATION_WEIGHT (1 elsewhere)
    dist: np.ndarray  # (C, C) great-circle km between centroids
    county: np.ndarray  # adcode per county (K,), grouped by city
    county_name: np.ndarray
    county_short: np.ndarray
    county_city: np.ndarray  # city index of each county
    county_is_district: np.ndarray  # name ends in 区
    hubs: np.ndarray  # city indices of the five hubs
    sh: int  # city index of Shanghai

    @property
    def mass(self) -> np.ndarray:
        """Economic mass of each city: population × economic weight."""
        return self.pop * self.econ

    def pick_county(
        self,
        rng: np.random.Generator,
        city: np.ndarray,
        *,
        districts_only: bool = False,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        """A county index in each given city, uniformly among its (allowed) counties."""
        ok = np.ones(len(self.county), dtype=bool) if allowed is None else allowed.copy()
        if districts_only:
            # a city whose districts are all excluded falls back to any of its counties
            has = np.bincount(self.county_city[ok & self.county_is_district], minlength=len(self.city)) > 0
            ok &= self.county_is_district | ~has[self.county_city]
        sampler = GroupSampler(self.county_city, ok.astype(float), len(self.city))
        return sampler.sample(rng, city)


def load_geography() -> Geography:
    """Cities, counties and distances from :func:`chainatlas.geo.places`."""
    from chainatlas import geo

    prov = geo.places("province").set_index("adcode")
    cities = geo.places("city").sort_values("adcode", ignore_index=True)
    counties = geo.places("county").sort_values(["city_adcode", "adcode"], ignore_index=True)
    code = cities["adcode"].astype(str).to_numpy()
    missing = sorted(set(code) - set(CITY_ECON_WEIGHT))
    if missing:
        raise ConfigError(
            f"synth calibration has no economic weight for cities {missing}; add them to "
            "chainatlas.synth.calibration.CITY_ECON_WEIGHT"
        )
    pcode = cities["province_adcode"].astype(str).to_numpy()
    pos = {c: i for i, c in enumerate(code)}
    county_city = np.array([pos[c] for c in counties["city_adcode"].astype(str)], dtype=np.int64)
    cname = counties["name_zh"].astype(str).to_numpy()
    lon, lat = cities["lon"].astype(float).to_numpy(), cities["lat"].astype(float).to_numpy()
    return Geography(
        city=code,
        city_short=cities["short_zh"].astype(str).to_numpy(),
        city_name=cities["name_zh"].astype(str).to_numpy(),
        province_name=np.array([prov.loc[p, "name_zh"] for p in pcode]),
        province_code=pcode,
        pop=cities["pop_2020"].astype(float).to_numpy(),
        econ=np.array([CITY_ECON_WEIGHT[c] for c in code]),
        innov=np.array([CITY_INNOVATION_WEIGHT.get(c, 1.0) for c in code]),
        dist=haversine_km(
            lon[:, None], lat[:, None], lon[None, :], lat[None, :], radius=CALIBRATION_EARTH_RADIUS_KM
        ),
        county=counties["adcode"].astype(str).to_numpy(),
        county_name=cname,
        county_short=counties["short_zh"].astype(str).to_numpy(),
        county_city=county_city,
        county_is_district=np.char.endswith(cname.astype(str), "区"),
        hubs=np.array([pos[h] for h in HUBS]),
        sh=pos[SHANGHAI],
    )


# ------------------------------------------------------------------------------------------------- chains


@dataclass
class Chains:
    """The chain taxonomy flattened to arrays over all segments ``s = 0..S-1``."""

    chain_ids: list[str]
    chain_names: list[str]
    seg_chain: np.ndarray  # chain index per segment
    seg_id: np.ndarray
    seg_name: np.ndarray
    seg_position: np.ndarray
    upstream: list[np.ndarray]  # segment indices that supply segment s
    gbt: list[np.ndarray]  # 4-digit GB/T 4754 codes a firm of s may carry (its own codes)
    gbt_all: list[np.ndarray]  # every 4-digit code the concordance maps to s
    ipc: list[np.ndarray]
    hs: list[np.ndarray]
    ipc_general: np.ndarray  # IPC groups no segment claims, for patents outside the chains
    choke: np.ndarray  # imports concentrated in a few countries (卡点)
    resource: np.ndarray  # mineral inputs, imported from resource countries
    plan: list[SegmentPlan] = field(default_factory=list)  # calibration.SEGMENT_PLAN per segment
    spread: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (S, C) city shares of the firms
    core: list[np.ndarray] = field(default_factory=list)  # cities that must hold a firm of each segment
    absent: list[int] = field(default_factory=list)  # none by design (kept for the manifest)
    single_city: dict[int, int] = field(default_factory=dict)  # segment -> city index
    concentrated: dict[int, list[int]] = field(default_factory=dict)  # 'hubs' segments -> their cities
    thin: dict[int, list[int]] = field(default_factory=dict)  # 'thin' segments -> their cities

    @property
    def n(self) -> int:
        return len(self.seg_id)

    def label(self, s: int | np.integer) -> str:
        return f"{self.chain_ids[self.seg_chain[s]]}:{self.seg_id[s]}"

    def keyword(self, c: int) -> str:
        """The key of ``names.CHAIN_WORDS`` for chain ``c`` ('' when none matches)."""
        return next((k for k in nm.CHAIN_WORDS if k and k in self.chain_names[c]), "")


def _four_digit(codes: list[str], small_classes: np.ndarray) -> np.ndarray:
    out = [c for c in codes if len(c) == 4] + [
        x for c in codes if len(c) < 4 for x in small_classes if x.startswith(c)
    ]
    return np.array(sorted(set(out) & set(small_classes)), dtype=object)


def _ipc_symbol(code: str) -> str:
    """A full IPC symbol for a concordance prefix: ``A61K 31`` → ``A61K 31/00``,
    ``H01M 50/4`` → ``H01M 50/40``;
    a bare subclass (``G06N``) stays as it is. The result still maps back to the same segment."""
    if " " not in code:
        return code
    group, _, sub = code.partition("/")
    return f"{group}/{sub.ljust(2, '0')}" if sub else f"{group}/00"


def _hs_six(codes: list[str], hs6: pd.DataFrame) -> np.ndarray:
    """HS codes as traded at 6 digits: 4-digit headings expand to their HS 2022 subheadings."""
    out: set[str] = set()
    for c in codes:
        kids = hs6.loc[hs6["hscode"].str.startswith(c), "hscode"] if len(c) < 6 else pd.Series([c])
        out.update(kids.tolist() or [c])
    return np.array(sorted(out), dtype=object)


def load_chains(small_classes: np.ndarray, hs: pd.DataFrame) -> Chains:
    """The taxonomy of :func:`chainatlas.model.taxonomy.load_taxonomy` as arrays."""
    from chainatlas.model.taxonomy import load_taxonomy

    tax = load_taxonomy()
    chains = tax.chains.reset_index(drop=True)
    chain_ids = chains["id"].astype(str).tolist()
    segs = tax.segments.copy()
    segs["_c"] = segs["chain"].map({c: i for i, c in enumerate(chain_ids)})
    segs = segs.sort_values(["_c", "topo_order", "segment"], ignore_index=True)
    index = {(r.chain, r.segment): i for i, r in enumerate(segs.itertuples())}
    upstream: list[list[int]] = [[] for _ in range(len(segs))]
    for r in tax.order_edges.itertuples():
        upstream[index[(r.chain, r.downstream)]].append(index[(r.chain, r.upstream)])
    conc = tax.concordance.astype({"code": str})

    def codes(system: str) -> list[list[str]]:
        out: list[list[str]] = [[] for _ in range(len(segs))]
        for r in conc[conc["system"] == system].itertuples():
            if (r.chain, r.segment) in index:
                out[index[(r.chain, r.segment)]].append(r.code)
        return out

    gbt_all = [_four_digit(c, small_classes) for c in codes("gbt4754")]
    topo = segs["topo_order"].to_numpy()
    # A segment without industry codes (ic 封装测试 registers under 3973) borrows those of its nearest
    # upstream segment, as its firms do in the registry.
    for s in range(len(segs)):
        if not len(gbt_all[s]) and upstream[s]:
            near = max((u for u in upstream[s] if len(gbt_all[u])), key=lambda u: topo[u], default=None)
            if near is not None:
                gbt_all[s] = gbt_all[near]
    # A firm carries a code that belongs to its segment alone when there is one, so that mapping firms
    # back to segments through the concordance finds the segment we placed it in.
    count = pd.Series([c for cs in gbt_all for c in cs], dtype=object).value_counts()
    gbt = [np.array([c for c in cs if count[c] == 1], dtype=object) for cs in gbt_all]
    gbt = [own if len(own) else allc for own, allc in zip(gbt, gbt_all)]
    position = segs["position"].to_numpy(dtype=np.int64)
    cmin = segs.groupby("_c")["position"].transform("min").to_numpy()
    cmax = segs.groupby("_c")["position"].transform("max").to_numpy()
    level = np.where(position == cmin, "upstream", np.where(position == cmax, "downstream", "midstream"))
    seg_id = segs["segment"].astype(str).to_numpy()
    seg_name = segs["name_zh"].astype(str).to_numpy()
    # 卡点 candidates: most-upstream segments making equipment, materials, tools or chips.
    words = ("equip", "material", "eda", "compute", "设备", "材料", "芯片", "EDA", "装备")
    chain_of = segs["chain"].astype(str).to_numpy()
    default_choke = [
        lv == "upstream" and any(w in f"{sid} {nme}" for w in words)
        for lv, sid, nme in zip(level, seg_id, seg_name)
    ]
    plan = [
        SEGMENT_PLAN.get(f"{c}:{sid}", SegmentPlan(1.0, imports="choke" if dc else "broad"))
        for c, sid, dc in zip(chain_of, seg_id, default_choke)
    ]
    unknown = sorted({p.imports for p in plan} - set(IMPORT_PROFILES))
    if unknown:
        raise ConfigError(
            f"synth calibration: unknown import profiles {unknown}; expected {sorted(IMPORT_PROFILES)}"
        )
    choke = np.array([p.imports != "broad" for p in plan])
    hs6 = hs[hs["level"].astype(int) == 6].astype({"hscode": str})
    claimed = set(tax.segments_for_ipc(pd.Series(GENERIC_IPC))["row"])
    general = np.array([c for i, c in enumerate(GENERIC_IPC) if i not in claimed], dtype=object)
    return Chains(
        chain_ids=chain_ids,
        chain_names=chains["name_zh"].astype(str).tolist(),
        seg_chain=segs["_c"].to_numpy(dtype=np.int64),
        seg_id=seg_id,
        seg_name=seg_name,
        seg_position=level,
        upstream=[np.array(u, dtype=np.int64) for u in upstream],
        gbt=gbt,
        gbt_all=gbt_all,
        ipc=[np.array(sorted({_ipc_symbol(x) for x in c}), dtype=object) for c in codes("ipc")],
        hs=[_hs_six(c, hs6) for c in codes("hs")],
        ipc_general=general,
        choke=choke,
        resource=np.array([p.imports == "resource" for p in plan]),
        plan=plan,
    )


def place_segments(rng: np.random.Generator, ch: Chains, geo: Geography) -> None:
    """Decide where each segment's firms are, following :data:`~chainatlas.synth.calibration.SEGMENT_PLAN`.

    Every segment has producers (no 断链 by design). ``broad`` segments spread ``∝ mass^α`` (α drawn in
    [0.8, 1.4]); ``hubs`` segments put 85 % of their firms in their strong cities; ``thin`` ones all of them;
    the ``single`` segment sits in one strong city. Strong cities are those with an innovation weight above 1,
    drawn without replacement with probability ∝ innovation mass (pop × econ × weight²), so 上海, 杭州, 苏州,
    合肥 and 南京 come first, then 宁波, 无锡, 常州, 芜湖. Each segment records the cities that must hold one of
    its firms (:attr:`Chains.core`: its strong cities, or the two likeliest cities of a broad segment), so a
    thin or broad segment never collapses into one city by chance.

    A ``single`` segment needs GB/T codes of its own (no other segment or entity type uses them), otherwise firms
    elsewhere would map onto it; one without is laid out ``thin`` in two cities instead.
    """
    S, C = ch.n, len(geo.city)
    reserved = {c for cs in _TYPE_INDUSTRY.values() for c in cs}
    drawn_by = [set(g) for g in ch.gbt]
    exclusive = np.array(
        [
            len(ch.gbt_all[s]) > 0
            and not (set(ch.gbt_all[s]) & reserved)
            and not any(set(ch.gbt_all[s]) & drawn_by[t] for t in range(S) if t != s)
            for s in range(S)
        ]
    )
    mass = geo.mass / geo.mass.sum()
    strong = np.where(geo.innov > 1, mass * geo.innov**2, 0.0)
    strong_p = strong / strong.sum()
    n_strong = int((strong > 0).sum())
    spread = np.zeros((S, C))
    core: list[np.ndarray] = []
    single: dict[int, int] = {}
    concentrated: dict[int, list[int]] = {}
    thin: dict[int, list[int]] = {}
    alpha = rng.uniform(0.8, 1.4, size=S)
    for s in range(S):
        p = ch.plan[s]
        layout = p.layout if p.layout != "single" or exclusive[s] else "thin"
        k = 1 if layout == "single" else min(max(p.cities, 2), n_strong)
        broad = mass ** alpha[s]
        broad /= broad.sum()
        if layout == "broad":
            spread[s] = broad
            core.append(np.argsort(-broad, kind="stable")[:2])
            continue
        cities = rng.choice(C, size=k, replace=False, p=strong_p)
        share = np.zeros(C)
        share[cities] = rng.dirichlet(np.full(k, 3.0)) if k > 1 else 1.0
        core.append(cities)
        if layout == "single":
            spread[s] = share
            single[s] = int(cities[0])
        elif layout == "thin":
            spread[s] = share
            thin[s] = [int(c) for c in cities]
        else:
            spread[s] = 0.85 * share + 0.15 * broad
            concentrated[s] = [int(c) for c in cities]
    ch.spread, ch.core = spread, core
    ch.absent, ch.single_city, ch.concentrated, ch.thin = [], single, concentrated, thin


# ------------------------------------------------------------------------------------------------ sampler


class GroupSampler:
    """Draw members of integer groups with probability proportional to a weight, vectorised.

    Members are sorted by group and their weights laid out as one cumulative sum; a draw in group ``g``
    is a uniform number inside ``g``'s slice of the cumsum, located with ``searchsorted``.
    """

    def __init__(self, group: np.ndarray, weight: np.ndarray, n_groups: int):
        group = np.asarray(group, dtype=np.int64)
        order = np.argsort(group, kind="stable")
        self.members = order
        g = group[order]
        w = np.asarray(weight, dtype=np.float64)[order]
        self.cw = np.cumsum(w)
        self.start = np.searchsorted(g, np.arange(n_groups), side="left")
        self.end = np.searchsorted(g, np.arange(n_groups), side="right")
        before = np.concatenate([[0.0], self.cw])
        self.lo = before[self.start]
        self.total = before[self.end] - self.lo

    def has(self, groups: np.ndarray) -> np.ndarray:
        """Whether each group has positive total weight."""
        return self.total[groups] > 0

    def sample(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """One member per entry of ``groups`` (every group must have positive weight)."""
        groups = np.asarray(groups, dtype=np.int64)
        if len(groups) and not self.has(groups).all():
            raise ConfigError("internal: drew from an empty group of the synthetic world")
        u = self.lo[groups] + rng.random(len(groups)) * self.total[groups]
        pos = np.searchsorted(self.cw, u, side="right")
        return self.members[np.clip(pos, self.start[groups], self.end[groups] - 1)]


# ----------------------------------------------------------------------------------------------- entities


@dataclass
class Entities:
    """All fictitious entities (and the real universities), one row each, index = position."""

    etype: np.ndarray  # int8 index into ETYPES
    code: pa.Array
    name: pa.Array
    city: np.ndarray
    county: np.ndarray
    adcode: pa.Array  # reported code: current county, a retired code, or null (address only)
    address: pa.Array  # null for universities (their addresses are not invented)
    industry: pa.Array
    founded: np.ndarray  # datetime64[D]; NaT for universities
    employees: np.ndarray  # int64, -1 unknown
    capital: np.ndarray  # float 万元, nan unknown
    revenue: np.ndarray  # float 万元 per year in 2024 terms (0 for universities)
    seg: np.ndarray  # segment index or -1
    innov: np.ndarray  # innovation weight (patents, papers, contracts)
    tech: np.ndarray  # technology intensity of the industry in [0, 1] (buyers of technology)

    @property
    def n(self) -> int:
        return len(self.etype)

    @property
    def founded_year(self) -> np.ndarray:
        y = self.founded.astype("datetime64[Y]").astype(np.int64) + 1970
        return np.where(np.isnat(self.founded), 1900, y)

    def filled(self, attr: str) -> pa.Array:
        """``adcode`` or ``address`` with nulls as empty strings (for aligned party lists)."""
        return pc.fill_null(getattr(self, attr), "")


@dataclass
class World:
    """Everything the record generators draw on."""

    geo: Geography
    chains: Chains
    ent: Entities
    hs_general: np.ndarray  # 6-digit HS 2022 codes for trade outside the chains
    retired: dict[str, int]  # retired code -> number of firms reporting it
    address_only: int


def _lognormal_capital(rng: np.random.Generator, revenue: np.ndarray) -> np.ndarray:
    """Registered capital (万元) rounded to one significant digit, loosely tied to revenue."""
    x = np.maximum(3.0, revenue**0.8 * np.exp(rng.normal(-0.5, 0.9, len(revenue))))
    e = np.floor(np.log10(x))
    return np.round(x / 10**e) * 10**e


def _firm_sizes(rng: np.random.Generator, n: int, chain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Employees (lognormal body × Pareto tail, α = 1.6) and revenue (万元, lognormal productivity)."""
    body = np.exp(rng.normal(1.9 + 0.5 * chain, 0.8, n))
    tail = (1.0 - rng.random(n)) ** (-1 / 1.6)
    employees = np.clip(np.ceil(body * tail), 1, 150_000).astype(np.int64)
    revenue = np.round(employees * np.exp(rng.normal(np.log(45.0), 0.7, n)), 2)
    return employees, revenue


def _founded(rng: np.random.Generator, n: int, first: int = 1990, growth: float = 0.09) -> np.ndarray:
    """Founding dates in [first, 2024], more recent years likelier (the registry keeps growing)."""
    years = np.arange(first, LAST_YEAR + 1)
    p = np.exp(growth * (years - first))
    y = rng.choice(years, size=n, p=p / p.sum())
    start = (y - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    days = np.where((y % 4 == 0), 366, 365)
    return start + (rng.random(n) * days).astype("timedelta64[D]")


def _addresses(rng: np.random.Generator, geo: Geography, county: np.ndarray) -> pa.Array:
    """``江苏省苏州市吴中区科技路18号``: province + city + county (Shanghai without the province)."""
    city = geo.county_city[county]
    prov = np.where(geo.province_name[city] == geo.city_name[city], "", geo.province_name[city])
    road = nm.take(nm.ROADS, nm.choose(rng, len(county), nm.ROADS))
    num = pc.cast(pa.array(rng.integers(1, 999, len(county))), pa.string())
    return nm.join(
        pa.array(prov),
        pa.array(geo.city_name[city]),
        pa.array(geo.county_name[county]),
        road,
        num,
        pa.scalar("号"),
    )


def _credit_codes(prefix: str, adcodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from chainatlas.synth.credit_codes import make_credit_codes

    serials = rng.choice(31**6, size=len(adcodes), replace=False)
    return make_credit_codes(prefix, adcodes.astype(str), serials.astype(np.int64))


def build_world(rng: np.random.Generator, sizes: dict[str, int]) -> World:
    """Draw the entities of one dataset.

    Parameters
    ----------
    rng : numpy.random.Generator
    sizes : dict
        ``firms``, ``institutes``, ``services``, ``funds``, ``platforms`` counts.
    """
    from chainatlas import geo as geo_mod
    from chainatlas.model.codes import gbt4754_codes, hs_codes

    geo = load_geography()
    gbt = gbt4754_codes()
    small = gbt[gbt["level"] == 4]
    small_codes = small["code"].astype(str).to_numpy()
    hs = hs_codes("2022")
    ch = load_chains(small_codes, hs)
    place_segments(rng, ch, geo)
    C = len(geo.city)

    # ---- firms: ~40 % in a chain segment, the rest in other real GB/T 4754 small classes
    F = sizes["firms"]
    chain_share = 0.4
    n_chain = round(F * chain_share)
    # firms per segment ∝ the plan's weights (± 15 %), at least as many as the cities that must hold one
    seg_w = np.array([p.weight for p in ch.plan]) * np.exp(rng.normal(0.0, 0.15, ch.n))
    seg_n = np.floor(seg_w / seg_w.sum() * n_chain).astype(np.int64)
    seg_n = np.maximum(seg_n, np.maximum(3, [len(c) for c in ch.core]))
    seg = np.repeat(np.arange(ch.n), seg_n)
    n_chain = len(seg)
    seg_city = np.empty(n_chain, dtype=np.int64)
    for s in range(ch.n):
        m = np.flatnonzero(seg == s)
        k = len(ch.core[s])
        seg_city[m[:k]] = ch.core[s]
        seg_city[m[k:]] = rng.choice(C, size=len(m) - k, p=ch.spread[s])
    n_other = F - n_chain
    if n_other < 3 * C:
        raise ConfigError(f"dataset size too small: {F} firms cannot cover {C} cities")
    mass = geo.mass / geo.mass.sum()
    other_city = np.concatenate([np.repeat(np.arange(C), 3), rng.choice(C, size=n_other - 3 * C, p=mass)])
    firm_city = np.concatenate([seg_city, other_city])
    firm_seg = np.concatenate([seg, np.full(n_other, -1)])
    # shuffle so firm order (and hence credit-code serials) carries no structure
    perm = rng.permutation(F)
    firm_city, firm_seg = firm_city[perm], firm_seg[perm]
    is_chain = firm_seg >= 0

    industry = np.empty(F, dtype=object)
    for s in np.unique(firm_seg[is_chain]):
        m = firm_seg == s
        industry[m] = rng.choice(ch.gbt[s], size=int(m.sum()))
    used = {c for cs in ch.gbt_all for c in cs} | {c for cs in _TYPE_INDUSTRY.values() for c in cs}
    pool = small[~small["code"].isin(used) & small["section"].isin(_SECTION_MIX)]
    sec_p = pool["section"].map(_SECTION_MIX) / pool.groupby("section")["code"].transform("size")
    industry[~is_chain] = rng.choice(
        pool["code"].to_numpy(dtype=object), size=int((~is_chain).sum()), p=(sec_p / sec_p.sum()).to_numpy()
    )

    employees, revenue = _firm_sizes(rng, F, is_chain.astype(float))
    founded = _founded(rng, F)
    capital = _lognormal_capital(rng, revenue)

    # ---- names: city + 字号 + industry word + legal form
    word_tables: dict[str, tuple[str, ...]] = {}
    word_key = np.empty(F, dtype=object)
    div = np.array([c[:2] for c in industry], dtype=object)
    for c in range(len(ch.chain_ids)):
        m = is_chain & (ch.seg_chain[np.maximum(firm_seg, 0)] == c)
        word_key[m] = "chain:" + ch.keyword(c)
    word_key[~is_chain] = np.where(np.isin(div[~is_chain], list(nm.DIVISION_WORDS)), div[~is_chain], "")
    for k in np.unique(word_key):
        word_tables[k] = nm.CHAIN_WORDS[k[6:]] if k.startswith("chain:") else nm.DIVISION_WORDS[k]
    vocab = sorted({w for t in word_tables.values() for w in t})
    vpos = {w: i for i, w in enumerate(vocab)}
    word = np.empty(F, dtype=np.int64)
    for k, t in word_tables.items():
        m = word_key == k
        word[m] = np.array([vpos[w] for w in t])[rng.integers(0, len(t), int(m.sum()))]
    big = employees > np.quantile(employees, 0.995)
    form = np.where(big & (rng.random(F) < 0.4), 3, rng.choice(3, size=F, p=[0.86, 0.08, 0.06]))
    forms = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
    firm_names = nm.unique_names(
        rng,
        firm_city * len(vocab) + word,
        pa.array(geo.city_short[firm_city]),
        nm.take(vocab, word),
        nm.take(forms, form),
    )

    # ---- universities: real names and cities; a synthetic district; no invented founding data
    uni = geo_mod.universities()
    cpos = {c: i for i, c in enumerate(geo.city)}
    uni_city = np.array([cpos[str(c)] for c in uni["city_adcode"]], dtype=np.int64)
    uni_names = pa.array(uni["name_zh"].astype(str).tolist(), pa.string())
    U = len(uni)
    uni_w = np.where(uni["level"].astype(str).to_numpy() == "本科", 25.0, 2.0)
    uni_w *= np.where(uni["authority"].astype(str).to_numpy() == "教育部", 4.0, 1.0)

    # ---- institutes, service providers, funds, platforms: synthetic, concentrated in hubs
    innov_mass = geo.mass * geo.innov**2
    innov_p = innov_mass / innov_mass.sum()
    Ni, Sv, Fd, P = sizes["institutes"], sizes["services"], sizes["funds"], sizes["platforms"]
    inst_city = rng.choice(C, size=Ni, p=innov_p)
    svc_city = rng.choice(C, size=Sv, p=(mass * geo.innov) / (mass * geo.innov).sum())
    fund_city = rng.choice(C, size=Fd, p=innov_p)
    plat_city = np.concatenate([np.arange(C), rng.choice(C, size=max(0, P - C), p=mass)])[:P]

    def named(city: np.ndarray, words: tuple[str, ...], suffixes: tuple[str, ...]) -> pa.Array:
        w = rng.integers(0, len(words), len(city))
        sfx = rng.integers(0, len(suffixes), len(city))
        return nm.unique_names(
            rng, city * 64 + w, pa.array(geo.city_short[city]), nm.take(words, w), nm.take(suffixes, sfx)
        )

    inst_names = named(
        inst_city,
        (
            "集成电路",
            "微电子",
            "生物医药",
            "新药",
            "智能汽车",
            "新能源",
            "人工智能",
            "智能感知",
            "先进材料",
            "精密仪器",
            "数字技术",
            "先进制造",
        ),
        ("研究院", "研究所", "技术研究院", "创新研究院", "产业技术研究院"),
    )
    svc_names = named(
        svc_city,
        (
            "科技服务",
            "知识产权代理",
            "检测技术",
            "技术转移",
            "科技咨询",
            "融资担保",
            "仪器共享服务",
            "科技金融服务",
        ),
        ("有限公司",),
    )
    fund_names = named(
        fund_city,
        ("科创", "产业", "新兴产业", "天使", "成长"),
        ("创业投资合伙企业（有限合伙）", "股权投资基金合伙企业（有限合伙）"),
    )
    plat_names = named(
        plat_city,
        ("产业园", "科技园", "孵化器", "创新港", "科创中心"),
        ("管理有限公司", "发展有限公司", "运营管理有限公司"),
    )

    etype = np.concatenate(
        [
            np.full(F, FIRM),
            np.full(U, UNIVERSITY),
            np.full(Ni, INSTITUTE),
            np.full(Sv, SERVICE),
            np.full(Fd, FUND),
            np.full(P, PLATFORM),
        ]
    ).astype(np.int8)
    city = np.concatenate([firm_city, uni_city, inst_city, svc_city, fund_city, plat_city])
    n = len(etype)
    cpca_ok = ~np.isin(geo.county, list(CPCA_UNRESOLVED))
    county = geo.pick_county(rng, city)
    districts = np.isin(etype, [UNIVERSITY, INSTITUTE, FUND])
    county[districts] = geo.pick_county(rng, city[districts], districts_only=True)
    # the firms that report only an address live where the geocoder can find them
    addr_only = (etype == FIRM) & (rng.random(n) < 0.05) & cpca_ok[county]

    # ---- codes: '91' companies, '12' universities and institutes (事业单位)
    reg_ad = geo.county[county]
    code = np.empty(n, dtype=object)
    is12 = np.isin(etype, [UNIVERSITY, INSTITUTE])
    code[is12] = _credit_codes("12", reg_ad[is12], rng)
    code[~is12] = _credit_codes("91", reg_ad[~is12], rng)
    if len(set(code)) != n:
        raise ConfigError("internal: duplicate synthetic credit codes")

    # reported adcode: a handful of firms still use a retired code of their county
    adcode = reg_ad.astype(object)
    retired: dict[str, int] = {}
    n_ret = max(1, n // 4000)
    for old, new in RETIRED_CODES.items():
        cand = np.flatnonzero((etype == FIRM) & (reg_ad == new) & ~addr_only)
        take_ = rng.choice(cand, size=min(n_ret, len(cand)), replace=False) if len(cand) else cand
        adcode[take_] = old
        retired[old] = len(take_)
    adcode[addr_only] = None

    address = _addresses(rng, geo, county)
    address = pc.if_else(pa.array(etype == UNIVERSITY), pa.scalar(None, pa.string()), address)

    ind = np.concatenate(
        [
            industry,
            np.full(U, "8341", dtype=object),
            rng.choice(np.array(_TYPE_INDUSTRY[INSTITUTE], dtype=object), size=Ni),
            rng.choice(np.array(_TYPE_INDUSTRY[SERVICE], dtype=object), size=Sv),
            np.full(Fd, "6731", dtype=object),
            np.full(P, "7221", dtype=object),
        ]
    )
    m_other = n - F - U
    o_emp, o_rev = _firm_sizes(rng, m_other, np.full(m_other, 0.6))
    emp = np.concatenate([employees, np.full(U, -1), o_emp])
    rev = np.concatenate([revenue, np.zeros(U), o_rev])
    cap = np.concatenate([capital, np.full(U, np.nan), _lognormal_capital(rng, o_rev)])
    fdate = np.concatenate(
        [founded, np.full(U, np.datetime64("NaT"), dtype="datetime64[D]"), _founded(rng, m_other, 1995, 0.12)]
    )
    seg_all = np.concatenate([firm_seg, np.full(n - F, -1)])

    # innovation weight: size, chain membership, the city's innovation weight; universities, institutes lead
    # technology intensity of a firm's industry: chain firms 1, manufacturing and tech services high,
    # trade, property and consumer services low (a supermarket rarely files patents or buys licences)
    d2 = np.array([c[:2] for c in ind], dtype=object)
    tech = np.select(
        [
            np.isin(d2, ["73", "74", "75"]),
            np.isin(d2, ["63", "64", "65"]),
            (d2 >= "13") & (d2 <= "43"),
            (d2 >= "44") & (d2 <= "50"),
        ],
        [1.0, 0.8, 0.6, 0.2],
        0.03,
    )
    tech[:F][is_chain] = 1.0
    tech[F:] = np.select(
        [etype[F:] == UNIVERSITY, etype[F:] == INSTITUTE, etype[F:] == SERVICE], [1.0, 1.0, 0.3], 0.1
    )
    innov = np.zeros(n)
    innov[:F] = employees**0.6 * np.where(is_chain, 3.0, tech[:F])
    innov[F : F + U] = uni_w
    innov[F + U : F + U + Ni] = 15.0 * np.exp(rng.normal(0, 0.6, Ni))
    innov[F + U + Ni :] = 0.3
    innov *= geo.innov[city]

    names = pa.concat_arrays([firm_names, uni_names, inst_names, svc_names, fund_names, plat_names])
    if pc.count_distinct(names).as_py() != n:
        raise ConfigError("internal: duplicate entity names in the synthetic world")
    ent = Entities(
        etype=etype,
        code=pa.array(code.astype(str)),
        name=names,
        city=city,
        county=county,
        adcode=pa.array(adcode, pa.string()),
        address=address,
        industry=pa.array(ind, pa.string()),
        founded=fdate,
        employees=emp,
        capital=cap,
        revenue=rev,
        seg=seg_all,
        tech=tech,
        innov=innov,
    )
    hs6 = hs[(hs["level"].astype(int) == 6) & (hs["section"] != "TOTAL")]["hscode"].astype(str).to_numpy()
    # goods that manufacturers trade: chapters 25-96 (minerals to miscellaneous manufactures)
    hs6 = hs6[(hs6 >= "25") & (hs6 < "97")]
    # ... and none of the chains' products, so chain imports are the chain firms' alone
    chain_hs = tuple(c for cs in ch.hs for c in cs)
    hs6 = hs6[
        ~np.char.startswith(hs6.astype(str)[:, None], np.array(chain_hs, dtype=str)[None, :]).any(axis=1)
    ]
    return World(
        geo=geo, chains=ch, ent=ent, hs_general=hs6, retired=retired, address_only=int(addr_only.sum())
    )
