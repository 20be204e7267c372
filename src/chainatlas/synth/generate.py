"""Generate the synthetic reference dataset: one template file per input kind plus ``dataset.json``.

Every firm, person, patent, contract and number in it is **fictitious** (``synthetic = 1`` on every
row). What is real: the places (GB/T 2260 codes, centroids, 2020 census population of
:mod:`chainatlas.geo`), the 461 YRD universities of ``geo.universities()`` (real names, synthetic
records), the code lists (GB/T 4754, HS, ISO 3166) and the chain taxonomy.

Calibration — what makes the synthetic data a useful reference (details in the generator docstrings
of :mod:`chainatlas.synth.records` and :mod:`chainatlas.synth.world`):

* **Places.** Firms per city ∝ 2020 census population × an economic weight
  (:data:`~chainatlas.synth.calibration.CITY_ECON_WEIGHT`: the hubs 上海, 南京, 杭州, 合肥, 苏州 highest,
  苏南/浙北 above 苏北 and northern Anhui). Each firm sits in a real county of its city, drawn
  **uniformly** among the city's counties (universities, institutes and funds among its districts —
  the district of a real university is synthetic). About 5 % of firms report only an address
  ``江苏省苏州市吴中区科技路18号`` built from real place names (never in the ten counties the cpca
  geocoder cannot resolve); a handful report a retired county code (330204, 320684, 330103, 330185,
  310230) for the crosswalk.
* **Entities.** About 40 % of firms belong to a chain segment and carry a GB/T 4754 code of that
  segment's concordance. Every segment of the four chains has producers; how many and where follows
  :data:`~chainatlas.synth.calibration.SEGMENT_PLAN` (the documented calibration): 半导体设备 and
  半导体材料 thin (few firms in 3–4 strong cities), 智能网联 in one strong city (单点), chip design,
  fabrication, CRO, biologics, algorithms, compute, data services and vehicle assembly concentrated in the
  hubs, the rest ∝ mass^α. Other firms get other real 4-digit codes
  (sections weighted toward manufacturing and trade). Sizes are heavy-tailed (lognormal × Pareto
  employees, lognormal productivity, registered capital rounded to one digit); founding dates
  1990–2024, growing 9 % a year. The 461 real universities (prefix ``12``), ~300 research institutes
  (``12``, concentrated in the hubs), service providers, funds and park operators (``91``).
* **Edges.** Ties between cities follow gravity kernels ``∝ mass_j / (d_ij + 30 km)^γ`` on great-circle
  distances between centroids — γ = 2 for supply links and co-patents, 1.8 investments, 1.5 patent
  transfers, 1.2 technology contracts and service vouchers — so ties decay with distance and
  intra-city ties are common. Ties join related industries: supply links run from an upstream
  segment to a downstream one of the same chain (firms outside the chains trade within their GB/T 4754
  division), branches, transfers and equity stay in the investor's chain, co-applicants, technology
  buyers and patent buyers of a chain firm or patent are firms of that chain (or universities and
  institutes), so a chain's networks are made of its own firms.
  Patents, papers and contract sellers concentrate in the five hubs (innovation weight = size ×
  chain membership or the industry's technology intensity × the city's innovation weight;
  universities and institutes lead); buyers of technology sit where production is (创新地 → 产业地).
  Co-applicants come from a kernel whose hub–hub ties are scaled each year so that Shanghai's
  co-patents with 南京/杭州/合肥/苏州 are 46 % (2015) → 59.5 % (2024) of its co-patents with other YRD
  cities (the paper: > 50 % in 2020). Imports of the choke-point segments come from a few partners
  (卡点: semiconductor equipment and materials mostly from Japan, processors from Taiwan, lithium
  from resource countries). Tax scales with firm size; enclave
  firms share tax with the 飞出地; enclaves are real-world-like pairs, a quarter breaking the
  飞出地控股 / 飞入地 ≥ 30 % rule. Flows cover every ordered city pair × 6 types × 10 years (the 80
  largest pairs in the small set). Volumes grow over 2015–2024.
* **Cooperation ledgers (issue 15).** Every enclave has its type (reverse and 科创 parks innovation, 山海协作
  poverty-relief, the 特别合作区 other), direction, operating company (a park platform of the host's city), land
  quota, joint funding and 亩均 inputs, an agreement (``enclave_terms``), its operator's shareholders each year
  and, where its firms share tax, a 税收分享协议 whose id the tax records carry (their ``share_pct`` is what the
  arrangement gives that year). The small set adds two 逆向飞地 to its 24 pairs. Vouchers are redeemed inside the
  issuing place until a recognition (:data:`~chainatlas.synth.calibration.RECOGNITIONS`) covers the issuer, then
  60 % at a partner place. Planted in every size, listed in the manifest's ``calibration.cooperation`` and
  recomputed from the files in ``tests/test_synth.py``: breaches of origin control and of the host's 30 % (one
  host at exactly 30 % passing, one origin at exactly 50 % failing, shares adding to 105 %, a host under its
  own 35 % floor), a land-quota shortfall and a transfer beyond the agreed quota, output and tax targets missed,
  a leader and a laggard of each type and year on all five 亩均 indicators, an enclave-year without energy, a
  blank type and direction, blank paid-in capital; tax-sharing arrangements with a binding cap, an increment
  over a base year, a capital-share split, records under and over the agreed, records after the agreement
  ended and a promise above the agreement; cross-province redemptions in the year before the 沪苏 recognition
  and Anhui vouchers redeemed in Jiangsu (never recognised), both redemption modes.
* **Alliances and open calls (issue 16).** Each chain has alliances at four levels (the region, the G60
  corridor, each province, two hub cities) whose members are drawn independently in their territories, so they
  share few members (the paper's alliances that "lack a handle to connect each other"; per chain in the manifest's
  ``calibration.alliances``). Open calls (揭榜挂帅, :func:`~chainatlas.synth.records.open_call_frame`) are posted
  2018–2024, mostly in IC and AI, by hub-heavy cities and provinces; bids are teams of 2–5 firms, universities and
  institutes, most drawn across cities; a winner per awarded call, decomposed tasks done on time, late, not at all
  (overdue) or still open on 2024-12-31, and patents, transfers and products. ``calibration.open_calls`` lists the
  counts, statuses and planted cases (a call without bids, joint winners, a one-city winning team, a late and an
  overdue task).
* **Consistency.** Every credit code a record names is in ``firms``; party lists are aligned; keys are
  unique; no record predates the firms it names; every value passes the rules of
  :mod:`chainatlas.model.kinds` — unless ``inject_errors`` asks for bad cells to demonstrate validation.
* **Files.** ``<kind>.csv`` (UTF-8 with BOM, English headers) for small and medium, except
  :data:`ZH_HEADER_KINDS` (Chinese headers; ``enclaves`` in GB18030); ``<kind>.parquet`` for large.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from chainatlas.errors import ConfigError
from chainatlas.geo import HUBS
from chainatlas.model.kinds import ENCLAVE_TYPES, KINDS
from chainatlas.synth import records as R
from chainatlas.synth.calibration import FIRST_YEAR, IMPORT_PROFILES, LAST_YEAR
from chainatlas.synth.output import FileSpec, Injection, Records, materialise, write_records
from chainatlas.synth.world import ETYPES, World, build_world

__all__ = ["GENERATOR_VERSION", "SIZES", "ZH_HEADER_KINDS", "generate"]

GENERATOR_VERSION = "1.4.0"
#: the labelled answers of R&D-liaison matching (``chainatlas match evaluate --truth``), for this many needs
MATCH_TRUTH_NEEDS = 1_000
#: in a folder of its own: ``load-dir`` loads the files of the dataset's folder, and this one is no input kind
MATCH_TRUTH_FILE = "labels/match_truth.csv"
#: the true tags of every policy (``chainatlas policy evaluate --truth``): its segments and its second chain
POLICY_TRUTH_FILE = "labels/policy_truth.csv"

#: Entity counts and record targets per dataset size (records per kind are approximate: keys are deduplicated
#: and ties never predate the firms they join). ``flow_pairs`` None = all 1,640 ordered city pairs.
SIZES: dict[str, dict[str, Any]] = {
    "small": {
        "entities": {"firms": 1300, "institutes": 100, "services": 40, "funds": 20, "platforms": 60},
        "records": {
            "supply_links": 3500,
            "tax": 2600,
            "trade": 2400,
            "patents": 2400,
            "patent_transfers": 300,
            "papers": 1200,
            "tech_contracts": 700,
            "investments": 700,
            "services": 500,
            "needs": 300,
            "experts": 400,
            "alliances": 250,
            "policies": 150,
            "vouchers": 600,
            "open_calls": 40,
        },
        "enclaves": 24,
        # the first 24 pairs are all forward enclaves: two 逆向飞地 more, so the small set has both directions
        "reverse_enclaves": 2,
        "enclave_firms": 2,
        "flow_pairs": 80,
        "format": "csv",
    },
    "medium": {
        "entities": {"firms": 48_000, "institutes": 300, "services": 900, "funds": 250, "platforms": 400},
        "records": {
            "supply_links": 160_000,
            "tax": 120_000,
            "trade": 80_000,
            "patents": 60_000,
            "patent_transfers": 8_000,
            "papers": 25_000,
            "tech_contracts": 20_000,
            "investments": 25_000,
            "services": 15_000,
            "needs": 6_000,
            "experts": 8_000,
            "alliances": 3_000,
            "policies": 1_500,
            "vouchers": 8_000,
            "open_calls": 400,
        },
        "enclaves": 32,
        "enclave_firms": 10,
        "flow_pairs": None,
        "format": "csv",
    },
    "large": {
        "entities": {
            "firms": 1_100_000,
            "institutes": 300,
            "services": 12_000,
            "funds": 3_000,
            "platforms": 1_200,
        },
        "records": {
            # 18 M link-years are 5.4 M ties in 2024: the million-firm network the shock simulation is sized for
            "supply_links": 18_000_000,
            "tax": 3_000_000,
            "trade": 2_000_000,
            "patents": 1_000_000,
            "patent_transfers": 150_000,
            "papers": 300_000,
            "tech_contracts": 400_000,
            "investments": 600_000,
            "services": 300_000,
            "needs": 100_000,
            "experts": 100_000,
            "alliances": 20_000,
            "policies": 5_000,
            "vouchers": 80_000,
            "open_calls": 2_000,
        },
        "enclaves": 36,
        "enclave_firms": 60,
        "flow_pairs": None,
        "format": "parquet",
    },
}
# twice `large` in firms and records (not in the fixed counts of institutes and enclaves): the scaling series'
# last point, for the build on DuckDB and on Spark (issue 17)
SIZES["xlarge"] = {
    **SIZES["large"],
    "entities": {k: v * (2 if k == "firms" else 1) for k, v in SIZES["large"]["entities"].items()},
    "records": {k: v * 2 for k, v in SIZES["large"]["records"].items()},
}

#: most rows in one file: a kind with more is split into ``kind-1``, ``kind-2``, … (the loader reads a file of at
#: most ``CHAINATLAS_MAX_ROWS``, 10 million by default, and loads every file of a kind)
MAX_FILE_ROWS = 8_000_000

#: Kinds written with Chinese headers in CSV, and their encoding — so a demo load exercises the
#: header matching on ``zh`` labels and the GB18030 decoder.
ZH_HEADER_KINDS = {"policies": "utf-8-sig", "enclaves": "gb18030"}

NOTE_ZH = (
    "本数据集为合成（虚构）数据：所有企业、机构名称（高校名称除外）、人员、专利、合同、交易与数值均为程序生成，"
    "与任何真实企业或个人无关；如与真实名称相同，纯属巧合。地区代码、人口与高校名单为真实公开数据，"
    "高校的各项记录同样为合成数据。"
)
NOTE_EN = (
    "This dataset is synthetic: every firm and institute name (except the universities), every person, "
    "patent, contract, transaction and number is generated and fictitious; any match with a real firm "
    "or person is coincidental. Place codes, population and the university list are real public data; "
    "the universities' records are synthetic too."
)

# Order matters only for streams and progress; each kind draws from its own stream.
_ORDER = (
    "firms",
    "enclaves",
    "tax",  # after enclaves: its sharing rows follow the enclaves' arrangements
    "tax_sharing",  # after tax: the arrangements are planned on the shared records' yearly tax
    "enclave_terms",  # after tax: the origin's promised tax share is its arrangement's
    "enclave_shareholders",
    "vouchers",
    "recognitions",
    "supply_links",
    "trade",
    "patents",
    "patent_transfers",
    "papers",
    "tech_contracts",
    "investments",
    "services",
    "flows",
    "policies",
    "needs",
    "experts",
    "alliances",
    # open calls (揭榜挂帅, issue 16): four kinds written from one plan (records.open_call_frame)
    "open_calls",
    "open_call_bids",
    "open_call_tasks",
    "open_call_outcomes",
)

# Deliberately bad values for validation demos: (kind, column, value, rule broken).
_BAD_VALUES = (
    ("firms", "credit_code", "(own code, wrong check character)", "credit_code"),
    ("firms", "adcode", "999999", "adcode"),
    ("supply_links", "value", "-5", "nonneg"),
    ("tax", "share_pct", "150", "share"),
    ("investments", "invest_type", "merger", "enum"),
    ("patents", "application_date", "2023-02-30", "date"),
    ("trade", "partner_country", "XX", "country"),
    ("needs", "chain", "quantum", "chain"),
    ("enclaves", "period", "FY23", "period"),
    ("flows", "origin", "", "required"),
)


def _write_policy_truth(ids: Any, labels: Any, path: Path) -> None:
    """The true tags of the policies as CSV for Excel (UTF-8 with BOM): ``政策编号,标签``, labels joined by ``;``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    id_list = ids.to_pylist() if hasattr(ids, "to_pylist") else list(ids)
    body = "".join(f"{a},{b}\r\n" for a, b in zip(id_list, list(labels), strict=True))
    path.write_text("\ufeff政策编号,标签\r\n" + body, encoding="utf-8", newline="")


def _write_truth(table: pa.Table, path: Path) -> None:
    """The labelled answers as CSV for Excel (UTF-8 with BOM), with the headers ``chainatlas match evaluate``
    reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = zip(table.column("need_id").to_pylist(), table.column("expert_id").to_pylist(), strict=True)
    body = "".join(f"{a},{b}\r\n" for a, b in rows)
    path.write_text("\ufeff需求编号,人员编号\r\n" + body, encoding="utf-8", newline="")


def _firms_records(w: World) -> Records:
    e = w.ent
    return Records(
        "firms",
        e.n,
        {
            "credit_code": e.code,
            "name": e.name,
            "entity_type": np.array(ETYPES, dtype=object)[e.etype],
            "adcode": e.adcode,
            "address": e.address,
            "industry_code": e.industry,
            "founded": e.founded,
            "registered_capital": e.capital,
            "employees": pa.array(e.employees, mask=e.employees < 0),
        },
    )


def _cooperation_notes(frame: dict, vouchers: dict[str, Any]) -> dict[str, Any]:
    """The planted cases of the cooperation ledgers (issue 15), for tests and demos to assert.

    ``equity``: enclaves breaking each rule (origin ≤ its floor — 50 unless its terms say otherwise; host below
    its floor — 30 unless; the two shares over 100) and the boundary cases; ``land_quota``: the enclave short of
    quota and the one beyond its agreed total, with their 2024 numbers; ``targets``: the enclaves missing their
    output or tax target in every year from the target year; ``mu``: the leader and the laggard of each type and
    year (by construction best / worst on all five 亩均 indicators), the enclave-year without energy, and the
    enclaves whose type or direction is blank; ``tax_sharing``: the planted arrangements with the numbers behind
    them; ``vouchers``: redemptions by mode, the recognitions' before/after counts and the unrecognised
    cross-province redemptions.
    """
    codes = frame["codes"]
    k = len(codes)
    oe, he = frame["origin_eq"], frame["host_eq"]
    roles = frame["roles"]
    eq = frame["equity_roles"]
    host_min = np.full(k, 30.0)
    if "own_terms_host_min" in eq:
        host_min[eq["own_terms_host_min"]] = R.OWN_TERMS_HOST_MIN
    perf, land = frame["rows"], frame["land"]
    idx = perf["idx"]

    def code(i: int | None) -> str | None:
        return None if i is None else str(codes[i])

    def land_2024(i: int) -> dict[str, float]:
        rows = np.flatnonzero(idx == i)
        need = float(land["needed"][rows[-1]])
        moved = float(land["quota"][rows].sum())
        return {
            "year": int(perf["year"][rows[-1]]),
            "needed": round(need, 1),
            "transferred": round(moved, 1),
            "agreed": float(frame["land_agreed"][i]),
            "shortfall": round(need - moved, 1),
        }

    sharing: dict[str, Any] = {"agreements": len(frame.get("sharing", {}))}
    for i, plan in sorted(frame.get("sharing", {}).items()):
        role, agr = plan["role"], plan["agreement"]
        s = plan["share"]
        years = sorted(plan["totals"])
        if role == "capped":
            binding = [y for y in years if s / 100 * plan["totals"][y] > plan["cap"]]
            sharing[role] = {"agreement": agr, "share_pct": s, "cap": plan["cap"], "binding_years": binding}
        elif role == "increment":
            sharing[role] = {
                "agreement": agr,
                "share_pct": s,
                "base_year": plan["base_year"],
                "base_amount": plan["base_amount"],
                "base_amount_given": False,
            }
        elif role == "capital":
            sharing[role] = {
                "agreement": agr,
                "origin_paid_in_share_pct": {str(y): plan["record_pct"][y] for y in years},
            }
        elif role in ("under", "over"):
            sharing[role] = {"agreement": agr, "share_pct": s, "years": sorted(plan["deviate"])}
        elif role == "outside_term":
            end = plan["start"] + plan["duration"] - 1
            sharing[role] = {
                "agreement": agr,
                "start_year": plan["start"],
                "duration_years": plan["duration"],
                "end_year": end,
                "years": [y for y in years if y > end],
            }
        elif role == "promise_unmet":
            sharing[role] = {
                "enclave": str(codes[i]),
                "agreement": agr,
                "promised_pct": s + 10,
                "share_pct": s,
            }
    shortfall, over = roles.get("land_shortfall"), roles.get("land_over_agreed")
    return {
        "enclaves": k,
        "reverse_enclaves": [str(codes[i]) for i, p in enumerate(frame["pairs"]) if p.reverse],
        "enclave_types": {
            t: [str(codes[i]) for i in range(k) if frame["types"][i] == t] for t in ENCLAVE_TYPES
        },
        "equity": {
            "origin_control": [str(codes[i]) for i in np.flatnonzero(oe <= 50)],
            "host_min": [str(codes[i]) for i in np.flatnonzero(he < host_min)],
            "shares_sum": [str(codes[i]) for i in np.flatnonzero(oe + he > 100)],
            "cases": {role: code(eq.get(role)) for role in R.EQUITY_CASES},
            "own_terms_host_min_pct": R.OWN_TERMS_HOST_MIN,
        },
        "land_quota": {
            "shortfall": {"enclave": code(shortfall), **land_2024(shortfall)}
            if shortfall is not None
            else None,
            "over_agreed": {"enclave": code(over), **land_2024(over)} if over is not None else None,
        },
        "targets": {
            "output_missed": code(roles.get("output_missed")),
            "tax_missed": code(roles.get("tax_missed")),
            "target_year": {str(codes[i]): int(frame["target_year"][i]) for i in range(k)},
        },
        "mu": {
            **frame["mu"],
            "type_blank": code(roles.get("type_blank")),
            "direction_blank": code(roles.get("direction_blank")),
        },
        "paid_in_blank": code(roles.get("paid_in_blank")),
        "tax_sharing": sharing,
        "vouchers": vouchers,
    }


def _plan_injections(
    rng: np.random.Generator, bad: list[tuple[str, str, str, str]], rec: Records
) -> list[Injection]:
    """Distinct rows of one kind for the bad values listed (fewer if the kind has fewer rows).

    A bad credit code is the row's own code with a wrong check character, so it stays unique (only the
    check-digit rule fails, not the key).
    """
    rows = rng.choice(rec.n, size=min(len(bad), rec.n), replace=False) if rec.n else np.zeros(0, np.int64)
    out = []
    for (kind, col, value, rule), r in zip(bad, rows):
        if rule == "credit_code":
            code = str(materialise(rec, int(r), int(r) + 1).column(col)[0])
            value = code[:-1] + ("0" if code[-1] != "0" else "1")
        out.append(Injection(kind, int(r), col, value, rule))
    return out


def generate(
    out_dir: str | Path,
    size: str = "small",
    seed: int = 0,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    inject_errors: int = 0,
    fmt: str | None = None,
) -> dict:
    """Write the synthetic reference dataset into ``out_dir`` and return its manifest.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing files of the same names are overwritten.
    size : {'small', 'medium', 'large'}
        small ≈ 2 000 entities / 20 000 records (seconds), medium ≈ 50 000 / 600 000,
        large ≥ 1 100 000 firms / ≈ 27 million records, 5.4 million supply ties in its last year (a few
        minutes, Parquet).
    seed : int
        The same seed and size give byte-identical files.
    progress : callable, optional
        Called as ``progress(step, i, n)`` before step ``i`` of ``n`` (kinds, then ``"manifest"``).
    inject_errors : int
        Write this many deliberately invalid cells (spread over ten rules and kinds) to demonstrate
        validation reports; they are listed in the manifest under ``injected_errors``. Default 0.
    fmt : {'csv', 'parquet'}, optional
        Override the size's format (CSV for small and medium, Parquet for large).

    Returns
    -------
    dict
        The manifest written to ``dataset.json``: generator version, size, seed, years, files (name,
        format, header language, encoding), ``rows`` per kind, ``synthetic: true``, notes in Chinese
        and English, and the calibration facts (absent — none by design — thin, single-city and concentrated
        segments, firms per segment, choke segments and their import partners, ..., and under ``cooperation``
        the planted cases of the enclave, tax-sharing and voucher ledgers).

    Raises
    ------
    ConfigError
        For an unknown size or format, a negative seed or a negative ``inject_errors``.
    """
    if size not in SIZES:
        raise ConfigError(f"unknown dataset size {size!r}; expected one of {', '.join(SIZES)}")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if inject_errors < 0:
        raise ConfigError(f"inject_errors must be >= 0, got {inject_errors}")
    cfg = SIZES[size]
    fmt = fmt or cfg["format"]
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"unknown format {fmt!r}; expected 'csv' or 'parquet'")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = len(_ORDER) + 2  # world, each kind (built and written), manifest
    report = progress or (lambda step, i, n: None)

    def stream(name: str) -> np.random.Generator:
        # one independent stream per kind, so changing one kind's size leaves the others unchanged
        return np.random.default_rng(
            [seed, int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")]
        )

    report("world", 0, steps)
    w = build_world(stream("world"), cfg["entities"])
    n = cfg["records"]
    frame = R.enclave_frame(
        stream("enclave_frame"), w, cfg["enclaves"], cfg["enclave_firms"], cfg.get("reverse_enclaves", 0)
    )
    pat: Records | None = None
    voucher_notes: dict[str, Any] = {}
    open_calls: dict[str, Any] = {}  # the plan of the open calls, made by the first of their kinds

    def make(kind: str) -> Records:
        nonlocal pat
        rng = stream(kind)
        if kind == "firms":
            return _firms_records(w)
        if kind == "enclaves":
            return R.enclaves(rng, w, frame)
        if kind == "tax":
            return R.tax(rng, w, n["tax"], frame)
        if kind in ("tax_sharing", "enclave_terms", "enclave_shareholders"):
            return getattr(R, kind)(rng, w, frame)
        if kind == "recognitions":
            return R.recognitions(rng, w)
        if kind.startswith("open_call"):
            if not open_calls:
                open_calls.update(R.open_call_frame(stream("open_call_frame"), w, n["open_calls"]))
            return getattr(R, kind)(rng, w, open_calls)
        if kind == "flows":
            return R.flows(rng, w, cfg["flow_pairs"])
        if kind == "patents":
            pat = R.patents(rng, w, n["patents"])
            return pat
        if kind == "patent_transfers":
            assert pat is not None
            return R.patent_transfers(rng, w, pat, n["patent_transfers"])
        return getattr(R, kind)(rng, w, n[kind])

    # Each kind is built and written before the next, so a large run holds one kind's rows at a time;
    # bad cells are spread round-robin over _BAD_VALUES, so each kind's share is known before it is built.
    specs: dict[str, FileSpec] = {}
    parts: dict[str, list[int]] = {}  # the first row of each part of a kind split over files, and its end
    counts: dict[str, int] = {}
    injections: list[Injection] = []
    per_kind = {
        kind: [
            b
            for i, b in enumerate(_BAD_VALUES * (inject_errors // len(_BAD_VALUES) + 1))
            if i < inject_errors and b[0] == kind
        ]
        for kind in _ORDER
    }
    patent_notes: dict[str, Any] = {}
    planted: dict[str, Any] = {}  # alliances and open calls (issue 16), for the manifest
    matching: dict[str, Records] = {}  # needs and experts, for the labelled answers of matching
    policy_truth: tuple[Any, Any] = ([], [])  # policy ids and their true tags
    for i, kind in enumerate(_ORDER, start=1):
        report(kind, i, steps)
        rec = make(kind)
        counts[kind] = rec.n
        if kind == "patents":
            patent_notes = {k: v for k, v in rec.notes.items() if not k.startswith("_")}
        if kind == "vouchers":
            voucher_notes = rec.notes
        if kind in ("alliances", "open_calls"):
            planted[kind] = rec.notes.get("alliances", rec.notes)
        if kind == "policies":
            policy_truth = (rec.columns["policy_id"], rec.notes["_truth"])
        if kind in ("needs", "experts"):
            matching[kind] = rec
        zh = kind in ZH_HEADER_KINDS and fmt == "csv"
        specs[kind] = FileSpec(fmt, "zh" if zh else "en", ZH_HEADER_KINDS[kind] if zh else "utf-8-sig")
        bad = _plan_injections(stream(f"errors:{kind}"), per_kind[kind], rec)
        injections += bad
        n_parts = -(-rec.n // MAX_FILE_ROWS)
        if n_parts <= 1:
            write_records(rec, out / specs[kind].filename(kind), specs[kind], injections=bad)
        else:
            parts[kind] = [p * rec.n // n_parts for p in range(n_parts + 1)]
            for p, rows in enumerate(pairwise(parts[kind]), start=1):
                write_records(
                    rec, out / specs[kind].filename(kind, p), specs[kind], injections=bad, rows=rows
                )
        if kind == "patent_transfers":
            pat = None  # the patent arrays are no longer needed
        del rec
    report("manifest", steps - 1, steps)
    truth = R.match_truth(stream("match_truth"), matching["needs"], matching["experts"], MATCH_TRUTH_NEEDS)
    _write_truth(truth, out / MATCH_TRUTH_FILE)
    _write_policy_truth(*policy_truth, out / POLICY_TRUTH_FILE)
    del matching

    def part(kind: str, row: int) -> int | None:
        """The part (from 1) of a split kind that holds ``row``; None for a kind in one file."""
        return int(np.searchsorted(parts[kind], row, side="right")) if kind in parts else None

    ch = w.chains
    manifest = {
        "generator": "chainatlas.synth",
        "version": GENERATOR_VERSION,
        "synthetic": True,
        "size": size,
        "seed": seed,
        "years": [FIRST_YEAR, LAST_YEAR],
        "note_zh": NOTE_ZH,
        "note_en": NOTE_EN,
        "files": {
            k: {
                "file": specs[k].filename(k, 1 if k in parts else None),
                **(
                    {"parts": [specs[k].filename(k, p) for p in range(1, len(parts[k]))]}
                    if k in parts
                    else {}
                ),
                "format": specs[k].fmt,
                "headers": specs[k].headers,
                "encoding": specs[k].encoding if specs[k].fmt == "csv" else None,
            }
            for k in _ORDER
        },
        "rows": {k: counts[k] for k in KINDS},
        "total_records": int(sum(counts.values())),
        "entities": {t: int((w.ent.etype == i).sum()) for i, t in enumerate(ETYPES)},
        "calibration": {
            "hubs": list(HUBS),
            "absent_segments": [ch.label(s) for s in ch.absent],
            "single_city_segments": {ch.label(s): str(w.geo.city[c]) for s, c in ch.single_city.items()},
            "thin_segments": {
                ch.label(s): [str(w.geo.city[c]) for c in cs] for s, cs in sorted(ch.thin.items())
            },
            "concentrated_segments": {
                ch.label(s): [str(w.geo.city[c]) for c in cs] for s, cs in sorted(ch.concentrated.items())
            },
            "segment_firms": {
                ch.label(s): int(k)
                for s, k in enumerate(np.bincount(w.ent.seg[w.ent.seg >= 0], minlength=ch.n))
            },
            "choke_segments": [ch.label(s) for s in np.flatnonzero(ch.choke)],
            "choke_import_partners": {
                ch.label(s): IMPORT_PROFILES[ch.plan[s].imports] for s in np.flatnonzero(ch.choke)
            },
            "shanghai_hub_share_target": dict(
                zip(map(str, range(FIRST_YEAR, LAST_YEAR + 1)), np.round(R.SH_HUB_SHARE, 3).tolist())
            ),
            "flow_city_pairs": cfg["flow_pairs"] or len(w.geo.city) * (len(w.geo.city) - 1),
            "address_only_firms": w.address_only,
            "retired_codes": w.retired,
            "enclave_equity_rule_violations": [f"E{i + 1:03d}" for i in frame["bad"]],
            "match_truth": {
                "file": MATCH_TRUTH_FILE,
                "needs": len(set(truth.column("need_id").to_pylist())),
                "pairs": truth.num_rows,
                "rule_zh": "同一环节、研究方向即该需求的技术对象的研发人员",
                "rule_en": "the experts of the need's segment whose research direction is the need's technical object",
            },
            "policy_truth": {
                "file": POLICY_TRUTH_FILE,
                "policies": len(policy_truth[1]),
                "rule_zh": "政策正文以多句及扶持措施支持的环节，及作为整条产业链提及的第二条产业链；顺带提及的环节不计",
                "rule_en": "the segments the text backs in several sentences with incentives, and a second chain named "
                "as a whole; segments mentioned once in passing are not tags",
            },
            "cooperation": _cooperation_notes(frame, voucher_notes),
            # issue 16: per chain its alliances, their levels and the members they share; the open calls' winners,
            # statuses as of the last day, tasks, outcomes and the planted cases
            "alliances": planted.get("alliances", {}),
            "open_calls": planted.get("open_calls", {}),
            **patent_notes,
        },
        "injected_errors": [
            {
                "kind": i.kind,
                "file": specs[i.kind].filename(i.kind, part(i.kind, i.row)),
                "row": i.row - (parts[i.kind][part(i.kind, i.row) - 1] if i.kind in parts else 0) + 2,
                "column": i.column,
                "value": i.value,
                "rule": i.rule,
            }
            for i in injections
        ],
    }
    (out / "dataset.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    report("done", steps, steps)
    return manifest
