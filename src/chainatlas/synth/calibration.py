"""Calibration constants of the synthetic reference dataset and the gravity kernels built from them.

Everything here is a documented modelling choice, not data: the weights are illustrative, chosen so the
synthetic region *looks like* the Yangtze River Delta described in the seed paper (潘秋晨 2023, sections
二 and 三), not estimates of any real quantity. The real inputs are the geography of
:mod:`chainatlas.geo` (county list, centroids, 2020 census population).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CALIBRATION_EARTH_RADIUS_KM",
    "CITY_ECON_WEIGHT",
    "CITY_INNOVATION_WEIGHT",
    "CPCA_UNRESOLVED",
    "ENCLAVE_PAIRS",
    "EXPORT_PARTNERS",
    "FIRST_YEAR",
    "G60_CITIES",
    "GENERIC_IPC",
    "IMPORT_PARTNERS_BROAD",
    "IMPORT_PARTNERS_CHOKE",
    "IMPORT_PARTNERS_RESOURCE",
    "IMPORT_PROFILES",
    "LAST_YEAR",
    "RECOGNITIONS",
    "RETIRED_CODES",
    "SEGMENT_PLAN",
    "SHANGHAI",
    "VOUCHER_CROSS_SHARE",
    "YEARS",
    "EnclavePair",
    "Recognition",
    "SegmentPlan",
    "gravity_kernel",
    "sample_rows",
]

FIRST_YEAR, LAST_YEAR = 2015, 2024
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)

SHANGHAI = "310100"
#: Earth radius (km) of the great-circle distances the kernels were calibrated with; kept so that a seed gives
#: the same dataset as before :func:`chainatlas.analytics.gravity.haversine_km` became the one definition.
CALIBRATION_EARTH_RADIUS_KM = 6371.0

#: G60 科创走廊: 上海(松江), 嘉兴, 杭州, 金华, 苏州, 湖州, 宣城, 芜湖, 合肥 (city codes).
G60_CITIES = ("310100", "330400", "330100", "330700", "320500", "330500", "341800", "340200", "340100")

#: Firms per inhabitant relative to the regional average, by prefecture. Hubs highest, 苏南 and
#: 浙北 above the 苏北 cities, northern Anhui lowest — loosely the ranking of 2020 GDP per head.
CITY_ECON_WEIGHT: dict[str, float] = {
    "310100": 2.6,
    "320100": 2.2,
    "320200": 2.1,
    "320300": 0.9,
    "320400": 1.9,
    "320500": 2.5,
    "320600": 1.4,
    "320700": 0.8,
    "320800": 0.8,
    "320900": 0.9,
    "321000": 1.2,
    "321100": 1.3,
    "321200": 1.1,
    "321300": 0.75,
    "330100": 2.5,
    "330200": 2.0,
    "330300": 1.3,
    "330400": 1.7,
    "330500": 1.5,
    "330600": 1.6,
    "330700": 1.3,
    "330800": 0.8,
    "330900": 1.1,
    "331000": 1.2,
    "331100": 0.8,
    "340100": 1.9,
    "340200": 1.2,
    "340300": 0.6,
    "340400": 0.45,
    "340500": 0.9,
    "340600": 0.45,
    "340700": 0.7,
    "340800": 0.55,
    "341000": 0.6,
    "341100": 0.75,
    "341200": 0.35,
    "341300": 0.35,
    "341500": 0.4,
    "341600": 0.35,
    "341700": 0.5,
    "341800": 0.7,
}

#: Extra multiplier on the innovation activity of entities in a city (patents, papers, contracts,
#: institutes, funds): the five hubs concentrate science and technology (三(三)2 of the paper).
#: The four other hubs weigh more than Shanghai, whose size already leads, so that the paper's five hubs stand
#: together as the core of the innovation network (三(一)2), well ahead of 无锡/宁波 (innovation mass =
#: pop × econ × weight²: Shanghai ≈ 2 × each other hub, each hub ≥ 4 × 无锡).
CITY_INNOVATION_WEIGHT: dict[str, float] = {
    "310100": 2.0,
    "320100": 2.3,
    "330100": 2.2,
    "340100": 2.6,
    "320500": 2.0,
    "320200": 1.2,
    "330200": 1.2,
    "320400": 1.1,
    "340200": 1.1,
}

#: Counties whose names the address geocoder (cpca 0.5.5, older code list) resolves only to the city;
#: address-only firms are never placed there, so every generated address resolves to its county.
#: (Checked with ``chainatlas.geo.resolve_addresses``; ``tests/test_synth.py`` re-checks.)
CPCA_UNRESOLVED = frozenset(
    {
        "320685",
        "330113",
        "330114",
        "330383",
        "331083",
        "340210",
        "340212",
        "340281",
        "340882",
        "341882",
    }
)

#: Retired county codes (old → current) that a handful of firms still report, to exercise the crosswalk.
RETIRED_CODES: dict[str, str] = {
    "330204": "330212",  # 宁波 江东区 → 鄞州区 (2016)
    "320684": "320614",  # 海门市 → 海门区 (2020)
    "330103": "330105",  # 杭州 下城区 → 拱墅区 (2021)
    "330185": "330112",  # 临安市 → 临安区 (2017)
    "310230": "310151",  # 崇明县 → 崇明区 (2016)
}

#: IPC groups for patents outside the four chains (common groups across sections A–H); any that a chain
#: of the taxonomy claims is dropped at run time.
GENERIC_IPC = (
    "B65G 47/90",
    "F16K 31/00",
    "B23K 26/00",
    "G01N 33/00",
    "A47L 15/00",
    "F24F 11/00",
    "H02J 7/00",
    "E04B 1/00",
    "C02F 9/00",
    "B01D 53/00",
    "D06M 15/00",
    "A23L 2/00",
    "B29C 45/00",
    "C08L 23/00",
    "F16H 57/00",
    "G06Q 10/06",
    "H04L 67/00",
    "G05B 19/418",
    "B21D 37/00",
    "C04B 28/00",
    "A01G 9/00",
    "B08B 3/00",
    "F21V 29/00",
    "H05K 7/20",
    "G01B 11/00",
    "B60R 16/00",
    "E02D 17/00",
    "C09D 5/00",
    "B32B 27/00",
    "A61L 2/00",
    "G06F 16/00",
    "H04N 7/18",
    "B66C 13/00",
    "F04D 29/00",
    "C22C 38/00",
    "D01F 6/00",
    "B62D 21/00",
    "A63B 21/00",
    "G08B 21/00",
    "F28D 7/00",
)

#: Partners of imports in choke-point (卡点) segments: few suppliers, mostly abroad (ISO alpha-2).
IMPORT_PARTNERS_CHOKE: dict[str, float] = {
    "JP": 0.26,
    "US": 0.22,
    "KR": 0.14,
    "NL": 0.12,
    "TW": 0.12,
    "DE": 0.08,
    "SG": 0.03,
    "GB": 0.03,
}
#: Partners of mineral imports (lithium, cobalt ...): resource countries.
IMPORT_PARTNERS_RESOURCE: dict[str, float] = {
    "AU": 0.42,
    "CL": 0.24,
    "AR": 0.12,
    "CD": 0.08,
    "ZW": 0.06,
    "BR": 0.04,
    "CA": 0.04,
}
#: Imports of semiconductor equipment (lithography, deposition, etching, test): a few suppliers, Japan first.
IMPORT_PARTNERS_IC_EQUIPMENT: dict[str, float] = {"JP": 0.62, "NL": 0.14, "US": 0.14, "KR": 0.05, "DE": 0.05}
#: Imports of semiconductor materials (wafers, photoresist, electronic gases): Japan first.
IMPORT_PARTNERS_IC_MATERIALS: dict[str, float] = {"JP": 0.64, "KR": 0.12, "TW": 0.10, "US": 0.08, "DE": 0.06}
#: Imports of processors and accelerators: Taiwan first.
IMPORT_PARTNERS_CHIPS: dict[str, float] = {"TW": 0.62, "KR": 0.14, "US": 0.14, "JP": 0.10}
#: Partners of ordinary imports.
IMPORT_PARTNERS_BROAD: dict[str, float] = {
    "JP": 0.12,
    "US": 0.10,
    "KR": 0.10,
    "DE": 0.09,
    "TW": 0.07,
    "AU": 0.06,
    "BR": 0.05,
    "VN": 0.05,
    "MY": 0.05,
    "TH": 0.04,
    "FR": 0.04,
    "IT": 0.03,
    "CH": 0.03,
    "RU": 0.03,
    "IN": 0.03,
    "ID": 0.03,
    "SG": 0.02,
    "GB": 0.02,
    "NL": 0.02,
    "CA": 0.02,
}
#: Destinations of exports.
EXPORT_PARTNERS: dict[str, float] = {
    "US": 0.16,
    "JP": 0.07,
    "KR": 0.06,
    "DE": 0.06,
    "VN": 0.06,
    "IN": 0.05,
    "NL": 0.05,
    "GB": 0.04,
    "MY": 0.04,
    "TH": 0.04,
    "SG": 0.04,
    "MX": 0.04,
    "RU": 0.04,
    "AU": 0.04,
    "BR": 0.03,
    "FR": 0.03,
    "IT": 0.03,
    "ID": 0.03,
    "AE": 0.03,
    "SA": 0.02,
    "CA": 0.02,
    "TR": 0.02,
}


@dataclass(frozen=True)
class SegmentPlan:
    """Where one chain segment's firms are and where its imports come from.

    ``weight`` is the segment's relative number of firms (the chain firms are ~40 % of all firms, split in
    proportion to the weights). ``layout``:

    * ``broad`` — in every kind of city, ``share ∝ mass^α`` with α in [0.8, 1.4];
    * ``hubs`` — 85 % of the firms in ``cities`` strong cities (innovation mass = pop × econ × innovation
      weight², drawn without replacement), the rest broad;
    * ``thin`` — few firms (a low weight), all in ``cities`` strong cities: a weakness, not a 断链;
    * ``single`` — all firms in one strong city (单点).

    ``imports`` names the partner profile of the segment's imports in :data:`IMPORT_PROFILES`; every profile but
    ``broad`` is concentrated on one partner region, so the segment reads 卡点 when it also imports more than it
    exports.
    """

    weight: float
    layout: str = "broad"
    cities: int = 0
    imports: str = "broad"


#: Partner profiles of imports, by name (see :class:`SegmentPlan`).
IMPORT_PROFILES: dict[str, dict[str, float]] = {
    "broad": IMPORT_PARTNERS_BROAD,
    "resource": IMPORT_PARTNERS_RESOURCE,
    "choke": IMPORT_PARTNERS_CHOKE,
    "ic_equipment": IMPORT_PARTNERS_IC_EQUIPMENT,
    "ic_materials": IMPORT_PARTNERS_IC_MATERIALS,
    "chips": IMPORT_PARTNERS_CHIPS,
}

#: The calibration of the four chains (keys ``chain:segment`` of :func:`chainatlas.model.taxonomy.load_taxonomy`).
#: No segment is absent by design; the weaknesses a planner should find are these:
#:
#: * **thin** (few firms in a few strong cities): ``ic:equipment`` (3 cities), ``ic:materials`` (4 cities);
#: * **single city** (单点): ``nev:intelligent`` — the young 智能网联 segment, held by one strong city (the one
#:   with a national pilot zone in the real region; here drawn among the strong cities by innovation mass);
#: * **choke points** (卡点, imports concentrated on one partner region): ``ic:equipment`` and ``ic:materials``
#:   (Japan first), ``ai:compute`` (Taiwan first), ``nev:materials`` (lithium from resource countries);
#: * **concentrated in the hubs** (``hubs``): chip design, EDA/IP, fabrication, CRO, biologics, algorithms,
#:   compute, data and cloud services, vehicle assembly; the rest are broad.
#:
#: A segment of a user-edited taxonomy missing here is broad, with weight 1, and a choke point (profile
#: ``choke``) when it is a most-upstream equipment, materials, EDA or chip segment.
SEGMENT_PLAN: dict[str, SegmentPlan] = {
    "ic:eda_ip": SegmentPlan(0.6, "hubs", 3),
    "ic:materials": SegmentPlan(0.45, "thin", 4, "ic_materials"),
    "ic:equipment": SegmentPlan(0.35, "thin", 3, "ic_equipment"),
    "ic:design": SegmentPlan(2.5, "hubs", 5),
    "ic:fabrication": SegmentPlan(0.9, "hubs", 5),
    "ic:packaging_test": SegmentPlan(0.9, "broad"),
    "bio:cro": SegmentPlan(1.4, "hubs", 5),
    "bio:inputs_equipment": SegmentPlan(1.0, "broad"),
    "bio:api": SegmentPlan(1.5, "broad"),
    "bio:chemical_drugs": SegmentPlan(1.8, "broad"),
    "bio:biologics": SegmentPlan(1.3, "hubs", 5),
    "bio:tcm": SegmentPlan(1.0, "broad"),
    "bio:devices": SegmentPlan(2.6, "broad"),
    "bio:distribution": SegmentPlan(2.6, "broad"),
    "nev:materials": SegmentPlan(1.0, "broad", 0, "resource"),
    "nev:battery": SegmentPlan(1.4, "broad"),
    "nev:motor_control": SegmentPlan(1.4, "broad"),
    "nev:parts": SegmentPlan(3.6, "broad"),
    "nev:intelligent": SegmentPlan(0.8, "single"),
    "nev:vehicle": SegmentPlan(0.6, "hubs", 6),
    "nev:charging": SegmentPlan(1.4, "broad"),
    "nev:aftermarket": SegmentPlan(2.2, "broad"),
    "ai:compute": SegmentPlan(1.0, "hubs", 4, "chips"),
    "ai:data_cloud": SegmentPlan(2.2, "hubs", 6),
    "ai:algorithms": SegmentPlan(2.2, "hubs", 5),
    "ai:devices_robots": SegmentPlan(2.4, "broad"),
    "ai:applications": SegmentPlan(2.2, "broad"),
}


@dataclass(frozen=True)
class EnclavePair:
    """One enclave (飞地): 飞出地 → 飞入地, with the year it was set up.

    ``reverse`` marks a 逆向飞地 (a poorer city's R&D enclave inside a hub).
    """

    origin: str
    host: str
    established: int
    kind: str = "产业合作园"
    reverse: bool = False


#: Enclave pairs modelled on the kinds the paper names (沪苏大丰, 苏宿, 宁淮特别合作区, 衢州在杭州的产业飞地,
#: G60 金华(上海)科创中心, 漕河泾海宁分园 ...). Codes are real places; names and numbers are synthetic.
ENCLAVE_PAIRS: tuple[EnclavePair, ...] = (
    EnclavePair("310100", "320904", 2016, "产业联动集聚区"),
    EnclavePair("310100", "320614", 2018),
    EnclavePair("310104", "330481", 2012, "开发区分园"),
    EnclavePair("310112", "341322", 2019, "高科技园"),
    EnclavePair("310115", "330482", 2013, "科技城分园"),
    EnclavePair("310117", "341802", 2018, "科创产业园"),
    EnclavePair("310116", "330421", 2017),
    EnclavePair("310100", "341103", 2019),
    EnclavePair("320500", "321302", 2010, "工业园区"),
    EnclavePair("320500", "341103", 2012, "现代产业园"),
    EnclavePair("320583", "321322", 2017),
    EnclavePair("320500", "320902", 2018),
    EnclavePair("320200", "320324", 2017),
    EnclavePair("320281", "321282", 2008, "工业园区"),
    EnclavePair("320400", "320924", 2016),
    EnclavePair("320100", "320830", 2012, "特别合作区"),
    EnclavePair("320100", "341122", 2019),
    EnclavePair("320100", "340506", 2020),
    EnclavePair("330100", "330802", 2013, "山海协作产业园"),
    EnclavePair("330200", "331102", 2013, "山海协作产业园"),
    EnclavePair("330300", "331122", 2015, "山海协作产业园"),
    EnclavePair("330600", "330881", 2016, "山海协作产业园"),
    EnclavePair("330100", "341021", 2018),
    EnclavePair("340100", "341502", 2014),
    EnclavePair("340100", "340422", 2016),
    EnclavePair("340100", "341202", 2017, "现代产业园"),
    EnclavePair("340500", "341302", 2017, "现代产业园"),
    EnclavePair("330800", "330110", 2016, "科创飞地", reverse=True),
    EnclavePair("330700", "310117", 2019, "科创中心", reverse=True),
    EnclavePair("331100", "330106", 2018, "科创飞地", reverse=True),
    EnclavePair("341800", "310117", 2020, "科创飞地", reverse=True),
    EnclavePair("321300", "320507", 2019, "科创飞地", reverse=True),
    EnclavePair("310114", "340207", 2021),
    EnclavePair("320100", "340523", 2018),
    EnclavePair("330400", "341002", 2020),
    EnclavePair("320600", "320724", 2019),
)


@dataclass(frozen=True)
class Recognition:
    """Two places that honour each other's innovation vouchers (创新券互认互通) from ``start`` (to ``end``).

    A place is a province (``310000``), city or county code and covers every place under it.
    """

    agreement_id: str
    a: str
    b: str
    start: str
    end: str | None = None
    scope: str = "科技创新券通用通兑"


#: Voucher recognitions modelled on the YRD's 创新券通用通兑 (沪苏, 沪浙 and 苏浙 province-wide; Shanghai with three G60
#: cities of Anhui for a fixed term). Codes are real places; ids, dates and terms are synthetic. Nothing recognises
#: Anhui with Jiangsu or Zhejiang, nor Shanghai with the other Anhui cities: redemptions across those borders are
#: the unrecognised ones the ledger must flag.
RECOGNITIONS: tuple[Recognition, ...] = (
    Recognition("RC-2019-01", "310000", "320000", "2019-07-01"),
    Recognition("RC-2020-01", "310000", "330000", "2020-07-01"),
    Recognition("RC-2021-01", "320000", "330000", "2021-04-01"),
    Recognition("RC-2022-G60", "310000", "340100", "2022-01-01", "2024-06-30", "G60科创走廊创新券互认"),
    Recognition("RC-2022-G60", "310000", "340200", "2022-01-01", "2024-06-30", "G60科创走廊创新券互认"),
    Recognition("RC-2022-G60", "310000", "341800", "2022-01-01", "2024-06-30", "G60科创走廊创新券互认"),
)

#: Share of redeemed vouchers taken to a provider in a recognised partner place, when a recognition covering the
#: issuer is in force on the redemption day (the rest stay with a provider inside the issuing place).
VOUCHER_CROSS_SHARE = 0.6


def gravity_kernel(
    dist_km: np.ndarray,
    mass: np.ndarray,
    gamma: float = 2.0,
    d0_km: float = 30.0,
    boost: np.ndarray | None = None,
) -> np.ndarray:
    """Row-stochastic destination probabilities of a gravity model.

    Notes
    -----
    ``P[i, j] ∝ mass[..., j] · B[i, j] / (d_ij + d0)^γ``. The offset ``d0`` stands for the mean distance
    inside a city, so intra-city ties (``d_ii = 0``) are frequent but finite. ``mass`` may be ``(n,)``
    (one destination mass) or ``(k, n)`` (one per group; the result is then ``(k, n, n)``).
    Rows whose masses are all zero stay zero.
    """
    decay = (dist_km + d0_km) ** -gamma
    if boost is not None:
        decay = decay * boost
    w = mass[..., None, :] * decay
    tot = w.sum(axis=-1, keepdims=True)
    return np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)


def sample_rows(rng: np.random.Generator, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one column per entry of ``rows`` from the row-stochastic matrix ``P``.

    Vectorised inverse-CDF sampling: the cumulative rows are laid end to end with row ``r`` shifted
    by ``r`` so one ``searchsorted`` serves every row. Rows must sum to 1.
    """
    P = np.asarray(P, dtype=np.float64)
    R, C = P.shape
    cdf = np.cumsum(P, axis=1)
    cdf /= np.where(cdf[:, -1:] > 0, cdf[:, -1:], 1.0)
    flat = (cdf + np.arange(R)[:, None]).ravel()
    rows = np.asarray(rows, dtype=np.int64)
    pos = np.searchsorted(flat, rows + rng.random(len(rows)), side="right")
    return np.clip(pos - rows * C, 0, C - 1)
