"""Cooperation ledgers over the atlas (issue 15): the enclave ledger and 亩均 evaluation, rule checks fed to the
monitoring alerts, tax-increment sharing, innovation-voucher flows, and each side's reviews.

Wiring only: the raw tables of the kinds ``enclaves``, ``enclave_terms``, ``enclave_shareholders``,
``tax_sharing``, ``tax``, ``vouchers`` and ``recognitions`` are read through :func:`chainatlas.pipeline.query.table`
and every number is computed by :mod:`chainatlas.analytics.cooperation`; the reviews live in their own store
(:class:`chainatlas.storage.reviews.ReviewStore`, ``<db>.reviews.sqlite``).

==========================  =====================================================================================
function                    answers
==========================  =====================================================================================
:func:`ledger`              one row per enclave in a year: identity and places (names, centroids), the year's
                            numbers, agreed targets, land quota, the 亩均 indicators, score, rank, grade, leader,
                            each side's review, ``priority`` and the rules it breaches
:func:`rank`                the ledger ranked within type (the 亩均 evaluation's table)
:func:`profile`             one enclave over the years: terms, shareholders, agreed vs realised, indicators and
                            grades, breaches, reviews, its tax-sharing arrangements with their split
:func:`check`               every breach and uncheckable rule: equity, land quota, terms, tax sharing, vouchers
:func:`record_alerts`       the breaches recorded in the alert store (rule family ``cooperation``)
:func:`tax_sharing`         agreed vs realised split per arrangement and year
:func:`vouchers`            voucher flows per province pair and year, recognitions' before/after, unrecognised
:func:`review`              one side's review, checked against the reader's jurisdiction
:func:`export_book`         the five tables of the ledger workbook (台账, 亩均评价, 违规, 税收分享, 创新券)
==========================  =====================================================================================

**Scope** (the contract of issue 15, §5): both governments of an enclave are parties to it, so a reader with a
jurisdiction sees the enclaves whose origin *or* host lies inside it (the read seam's rule for important records —
every party inside — would hide an enclave from the side that did not build it), the tax-sharing arrangements
whose collecting or sharing place lies inside, and the vouchers whose issuer, holder or provider lies inside (the
seam's own rule for a general register). The enclave tables are therefore read with ``whole=True`` and filtered
here by :func:`visible`; the 亩均 scores, ranks and grades are computed among *all* enclaves of a type and year
(a grade must not depend on who reads it), and the tax of an arrangement is the aggregate of its records.

**Unknown stays unknown.** A blank amount is NaN (``null`` in JSON), never 0; an indicator with a missing or zero
input is unknown; a rule that cannot be checked is listed with status ``unknown``.

**Settings.** The 亩均 weights and grade thresholds are the shipped ``data/cooperation/mu_evaluation.yaml``, or a
place's own ``mu_evaluation.yaml`` in ``config.side_file(db, "cooperation")`` (``<db>.cooperation/``), which
replaces it (read as every user's text file: UTF-8 or GBK).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas import config, geo
from chainatlas.analytics import cooperation as coop
from chainatlas.errors import ConfigError
from chainatlas.model.access import FULL, REGION, Principal, Scope, normalize_jurisdiction
from chainatlas.model.kinds import ENCLAVE_TYPES, KINDS
from chainatlas.pipeline import query
from chainatlas.pipeline.book import Book, frame_rows
from chainatlas.storage.base import Backend
from chainatlas.storage.reviews import DECISION_ZH, SIDE_ZH, ReviewStore

__all__ = [
    "BOOK_SHEETS",
    "CHECK_COLUMNS",
    "DIRECTION_ZH",
    "HEADERS",
    "KIND_ZH",
    "LEDGER_COLUMNS",
    "RULE_ZH",
    "SEVERITY",
    "UnknownEnclave",
    "book_of",
    "check",
    "evaluation_settings",
    "export_book",
    "findings",
    "latest_year",
    "ledger",
    "mu_settings",
    "periods",
    "profile",
    "rank",
    "record_alerts",
    "review",
    "reviews_store",
    "settings_file",
    "synthetic",
    "tax_sharing",
    "visible",
    "vouchers",
]

DIRECTION_ZH = {"forward": "正向飞地", "reverse": "逆向飞地"}
#: the check's kinds of rule
KIND_ZH = {
    "equity": "股权",
    "land": "用地指标",
    "terms": "协议条款",
    "tax_sharing": "税收分享",
    "voucher": "创新券",
}
#: every rule :func:`check` lists, in Chinese
RULE_ZH = {
    "origin_control": "飞出地未控股",
    "host_min": "飞入地持股低于下限",
    "shares_sum": "双方持股合计超过100%",
    "land_quota": "用地指标调剂不足",
    "over_agreed": "用地指标超出约定",
    "target_output": "产值未达协议目标",
    "target_tax": "税收未达协议目标",
    "origin_tax_share": "飞出地税收分成未达约定",
    "tax_under": "分享税收少于约定",
    "tax_over": "分享税收多于约定",
    "tax_outside_term": "协议期外分享税收",
    "tax_unknown": "分享额未知",
    "tax_no_records": "协议期内无纳税记录",
    "unrecognised": "创新券跨省兑付无互认协议",
}
#: the severity of each rule's breach when it becomes an alert (analytics.alerting's severities)
SEVERITY = {
    "origin_control": "warning",
    "host_min": "warning",
    "shares_sum": "critical",
    "land_quota": "warning",
    "over_agreed": "info",
    "target_output": "info",
    "target_tax": "info",
    "origin_tax_share": "warning",
    "tax_under": "warning",
    "tax_over": "info",
    "tax_outside_term": "warning",
    "tax_unknown": "info",
    "tax_no_records": "info",
    "unrecognised": "info",
}
#: columns of :func:`check`
CHECK_COLUMNS = (
    "kind",
    "rule",
    "rule_zh",
    "status",
    "severity",
    "enclave_id",
    "enclave_name",
    "agreement_id",
    "voucher_id",
    "period",
    "value",
    "threshold",
    "gap",
    "message",
    "origin_adcode",
    "host_adcode",
    "jurisdictions",
)
#: identity columns of a ledger row
_IDENTITY = (
    "enclave_id",
    "enclave_name",
    "origin_adcode",
    "origin_name",
    "host_adcode",
    "host_name",
    "origin_lon",
    "origin_lat",
    "host_lon",
    "host_lat",
    "enclave_type",
    "enclave_type_zh",
    "direction",
    "direction_zh",
    "established",
    "operator",
    "operator_code",
)
#: the yearly numbers of an enclave (万元, 亩, 吨标准煤, persons, %)
_NUMBERS = (
    "area_mu",
    "output",
    "tax",
    "value_added",
    "energy_tce",
    "rd_spend",
    "employees",
    "investment",
    "firms",
    "land_quota_mu",
    "joint_fund",
    "origin_fund",
    "host_fund",
    "origin_equity_pct",
    "host_equity_pct",
)
#: columns of :func:`ledger`
LEDGER_COLUMNS = (
    *_IDENTITY,
    "period",
    *_NUMBERS,
    "target_output",
    "target_tax",
    "target_year",
    "origin_tax_share_pct",
    "origin_tax",
    "needed_mu",
    "transferred_mu",
    "agreed_mu",
    "shortfall_mu",
    *coop.MU_INDICATORS,
    "missing",
    "score",
    "rank",
    "peers",
    "grade",
    "leader",
    "review_origin",
    "review_host",
    "reviews",
    "priority",
    "breaches",
    "unknowns",
    "synthetic",
)
#: the sheets of the ledger workbook (``chainatlas enclaves export``), in order
BOOK_SHEETS = ("台账", "亩均评价", "违规", "税收分享", "创新券")
#: Chinese headers of the files written for Excel (CSV, XLSX); JSON keeps the English keys
HEADERS = {
    "enclave_id": "飞地编号",
    "enclave_name": "飞地名称",
    "origin_adcode": "飞出地代码",
    "origin_name": "飞出地",
    "host_adcode": "飞入地代码",
    "host_name": "飞入地",
    "origin_lon": "飞出地经度",
    "origin_lat": "飞出地纬度",
    "host_lon": "飞入地经度",
    "host_lat": "飞入地纬度",
    "enclave_type": "飞地类型代码",
    "enclave_type_zh": "飞地类型",
    "direction": "方向代码",
    "direction_zh": "方向",
    "established": "设立日期",
    "operator": "运营公司",
    "operator_code": "运营公司信用代码",
    "period": "年度",
    "area_mu": "占地面积（亩）",
    "output": "产值（万元）",
    "tax": "税收（万元）",
    "value_added": "增加值（万元）",
    "energy_tce": "综合能耗（吨标准煤）",
    "rd_spend": "研发投入（万元）",
    "employees": "从业人员",
    "investment": "投资（万元）",
    "firms": "入驻企业数",
    "land_quota_mu": "当年用地指标调剂（亩）",
    "joint_fund": "联合资助（万元）",
    "origin_fund": "飞出地出资（万元）",
    "host_fund": "飞入地出资（万元）",
    "origin_equity_pct": "飞出地持股（%）",
    "host_equity_pct": "飞入地持股（%）",
    "target_output": "协议产值目标（万元）",
    "target_tax": "协议税收目标（万元）",
    "target_year": "目标起始年",
    "origin_tax_share_pct": "约定飞出地税收分成（%）",
    "origin_tax": "飞出地实得税收（万元）",
    "needed_mu": "所需用地指标（亩）",
    "transferred_mu": "累计调剂指标（亩）",
    "agreed_mu": "约定调剂指标（亩）",
    "shortfall_mu": "指标缺口（亩）",
    "tax_per_mu": "亩均税收（万元/亩）",
    "va_per_mu": "亩均增加值（万元/亩）",
    "va_per_energy": "单位能耗增加值（万元/吨标准煤）",
    "rd_intensity": "研发强度",
    "labour_productivity": "全员劳动生产率（万元/人）",
    "missing": "缺少的指标",
    "score": "综合得分",
    "rank": "同类排名",
    "peers": "同类飞地数",
    "grade": "评价等级",
    "leader": "同类领先",
    "review_origin": "飞出地评审",
    "review_host": "飞入地评审",
    "priority": "优先保障",
    "breaches": "违规规则",
    "unknowns": "无法核对的规则",
    "synthetic": "合成数据",
    "kind": "类别",
    "rule": "规则",
    "rule_zh": "规则名称",
    "status": "状态",
    "severity": "严重程度",
    "agreement_id": "协议编号",
    "voucher_id": "创新券编号",
    "value": "实际值",
    "threshold": "标准值",
    "gap": "差额",
    "message": "说明",
    "jurisdictions": "相关辖区",
    "collecting_adcode": "征收地代码",
    "collecting_name": "征收地",
    "sharing_adcode": "分享地代码",
    "sharing_name": "分享地",
    "basis": "分成方式",
    "in_term": "协议期内",
    "base": "基数（万元）",
    "share_pct": "分享比例（%）",
    "agreed_share": "约定分享额（万元）",
    "cap": "年度上限（万元）",
    "capped": "封顶后约定额（万元）",
    "cap_binding": "上限起作用",
    "realised": "实际分享额（万元）",
    "issuer_province": "发券省份代码",
    "issuer_province_name": "发券省份",
    "provider_province": "服务机构省份代码",
    "provider_province_name": "服务机构省份",
    "year": "年份",
    "cross_province": "跨省",
    "recognised": "互认",
    "count": "兑付笔数",
    "by_user": "使用方兑付",
    "by_provider": "服务方兑付",
    "table": "类别",
    "adcode_a": "地区甲代码",
    "adcode_a_name": "地区甲",
    "adcode_b": "地区乙代码",
    "adcode_b_name": "地区乙",
    "start": "生效日期",
    "end": "截止日期",
    "before_count": "生效前12个月笔数",
    "before_value": "生效前12个月金额（万元）",
    "after_count": "生效后12个月笔数",
    "after_value": "生效后12个月金额（万元）",
    "count_ratio": "笔数前后比",
    "value_ratio": "金额前后比",
}
_TAX_STATUS_RULE = {
    "under": ("tax_under", "breach"),
    "over": ("tax_over", "breach"),
    "outside_term": ("tax_outside_term", "breach"),
    "unknown": ("tax_unknown", "unknown"),
    "no_records": ("tax_no_records", "unknown"),
}
#: the alert store's rule set of the cooperation checks (its auto-resolution never touches the monitor's sets)
ALERT_RULE_SET = "cooperation"
_ENCLAVE_COLUMNS = (
    "enclave_id",
    "enclave_name",
    "origin_adcode",
    "host_adcode",
    "established",
    "enclave_type",
    "direction",
    "operator_name",
    "operator_code",
    *_NUMBERS,
    "synthetic",
    "year",
    "period_type",
    "batch_id",
    "row_number",
)


class UnknownEnclave(ConfigError):
    """No enclave with this id (or none the reader may see): the API answers 404."""


# ================================================================================================ reading
def _fields(kind: str, *extra: str) -> tuple[str, ...]:
    """The columns of a kind's raw table as the model declares them (but ``synthetic``), with ``extra`` ones."""
    return (*(f.name for f in KINDS[kind].fields if f.name != "synthetic"), *extra)


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out.eq(""), pd.NA)


def _nan(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def settings_file(db: str | Path) -> Path:
    """A place's own 亩均 settings: ``<db>.cooperation/mu_evaluation.yaml`` (may not exist)."""
    return config.side_file(db, "cooperation") / "mu_evaluation.yaml"


def mu_settings(db: str | Path | None = None) -> coop.MuSettings:
    """The 亩均 weights and thresholds: the atlas's own file (:func:`settings_file`) when there is one, else the
    shipped one. ConfigError naming the file and key when the own file is refused."""
    if db is not None:
        path = settings_file(db)
        if path.is_file():
            from chainatlas.ingest.read import decode_text

            return coop.load_mu_settings(decode_text(path.read_bytes(), path.name), source=path.name)
    return coop.load_mu_settings()


def _db_of(backend: Backend) -> Path | None:
    path = getattr(backend, "path", None)
    return Path(path) if path else None


def reviews_store(db: str | Path) -> ReviewStore:
    """The atlas's review store, ``config.side_file(db, "reviews")``."""
    return ReviewStore(config.side_file(db, "reviews"))


def _province(code: object) -> str | None:
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    text = str(code).strip()
    return text[:2] + "0000" if len(text) >= 2 else None


@dataclass(frozen=True)
class _Books:
    """The atlas's cooperation books, whole (every enclave), with every rule evaluated."""

    enclaves: pd.DataFrame
    identity: pd.DataFrame
    terms: pd.DataFrame
    holders: pd.DataFrame
    arrangements: pd.DataFrame
    agreement_tax: pd.DataFrame
    grades: pd.DataFrame
    land: coop.LandBalance
    breaches: pd.DataFrame
    split: pd.DataFrame
    settings: coop.MuSettings
    synthetic: bool


def _settings_key(db: Path | None) -> str:
    if db is None:
        return "shipped"
    path = settings_file(db)
    if not path.is_file():
        return "shipped"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _books(backend: Backend) -> _Books:
    """Read and evaluate every enclave (remembered per read-only backend and settings file)."""
    db = _db_of(backend)
    key = ("cooperation_books", _settings_key(db))
    return query.remember(backend, key, lambda: _make_books(backend, mu_settings(db)))


def _make_books(backend: Backend, settings: coop.MuSettings) -> _Books:
    raw = query.raw_frame(backend, "raw_enclaves", _ENCLAVE_COLUMNS, whole=True)
    raw = raw[raw["period_type"].astype("string").fillna("year") == "year"]
    raw = raw.sort_values(["enclave_id", "year", "batch_id", "row_number"], kind="stable")
    raw = raw.drop_duplicates(["enclave_id", "year"], keep="last")
    e = pd.DataFrame(
        {
            "enclave_id": _text(raw["enclave_id"]).astype(object),
            "enclave_name": raw["enclave_name"].astype(object),
            "origin_adcode": _text(raw["origin_adcode"]).astype(object),
            "host_adcode": _text(raw["host_adcode"]).astype(object),
            "established": pd.to_datetime(raw["established"], errors="coerce"),
            "type_given": _text(raw["enclave_type"]).astype(object),
            "enclave_type": _text(raw["enclave_type"]).fillna("industrial").astype(object),
            "direction": _text(raw["direction"]).fillna("forward").astype(object),
            "operator": raw["operator_name"].astype(object),
            "operator_code": _text(raw["operator_code"]).astype(object),
            "period": pd.to_numeric(raw["year"]).astype("int64"),
            **{c: _nan(raw[c]) for c in _NUMBERS},
            "synthetic": raw["synthetic"].fillna(False).astype(bool),
        }
    ).reset_index(drop=True)
    terms = query.raw_frame(
        backend,
        "raw_enclave_terms",
        _fields("enclave_terms", "batch_id", "row_number"),
        whole=True,
    )
    terms = terms.sort_values(["batch_id", "row_number"], kind="stable").drop_duplicates(
        "enclave_id", keep="last"
    )
    terms = terms.drop(columns=["batch_id", "row_number"]).reset_index(drop=True)
    terms["enclave_id"] = _text(terms["enclave_id"]).astype(object)
    terms["target_year"] = pd.to_numeric(
        terms["target_year"].astype("string").str.slice(0, 4), errors="coerce"
    ).astype("Int64")
    holders = query.raw_frame(
        backend,
        "raw_enclave_shareholders",
        _fields("enclave_shareholders", "year", "period_type"),
        whole=True,
    )
    holders = holders[holders["period_type"].astype("string").fillna("year") == "year"].copy()
    holders["period"] = pd.to_numeric(holders["year"]).astype("int64")
    holders = holders.drop(columns=["year", "period_type"]).reset_index(drop=True)
    arrangements = query.raw_frame(
        backend,
        "raw_tax_sharing",
        _fields("tax_sharing", "batch_id", "row_number"),
        whole=True,
    )
    arrangements = arrangements.sort_values(["batch_id", "row_number"], kind="stable")
    arrangements = arrangements.drop_duplicates("agreement_id", keep="last")
    arrangements = arrangements.drop(columns=["batch_id", "row_number"]).reset_index(drop=True)
    agreement_tax = _agreement_tax(backend, arrangements)
    synthetic = bool(e["synthetic"].any()) if len(e) else False

    # ---- per enclave and year, with the agreement's columns
    t = terms.set_index("enclave_id") if len(terms) else pd.DataFrame()
    frame = e.copy()
    for c in (
        "target_output",
        "target_tax",
        "target_year",
        "land_quota_agreed_mu",
        "host_land_mu",
        "origin_min_equity_pct",
        "host_min_equity_pct",
        "origin_tax_share_pct",
    ):
        frame[c] = frame["enclave_id"].map(t[c]) if c in t.columns else np.nan
    frame["target_year"] = pd.to_numeric(frame["target_year"], errors="coerce").astype("float64")
    received = _origin_tax(frame, arrangements, agreement_tax)
    frame["origin_tax"] = received["origin_tax"]
    frame["origin_records_tax"] = received["origin_records_tax"]
    # an enclave row without shares takes its shareholders' (summed per side)
    if len(holders):
        sides = coop.side_shares(holders[["enclave_id", "period", "side", "share_pct", "paid_in"]])
        sides = sides.set_index(["enclave_id", "period"])
        idx = pd.MultiIndex.from_arrays([frame["enclave_id"], frame["period"]])
        for col in ("origin_equity_pct", "host_equity_pct"):
            fill = pd.Series(sides[col].reindex(idx).to_numpy(dtype=float), index=frame.index)
            frame[col] = frame[col].fillna(fill)
    identity = _identity(e)
    grades = _grades(frame, settings)
    land = coop.land_balance(
        frame[
            [
                "enclave_id",
                "period",
                "origin_adcode",
                "host_adcode",
                "area_mu",
                "land_quota_mu",
                "host_land_mu",
                "land_quota_agreed_mu",
            ]
        ]
    )
    equity = coop.equity_breaches(
        frame[
            [
                "enclave_id",
                "period",
                "origin_equity_pct",
                "host_equity_pct",
                "origin_min_equity_pct",
                "host_min_equity_pct",
            ]
        ]
    )
    # targets against the ledger's own output and tax; the origin's promised share against the records of its
    # arrangements (the tax of the firms that share, of which the origin received ``origin_tax``)
    targets = coop.terms_breaches(
        frame[["enclave_id", "period", "output", "tax", "target_output", "target_tax", "target_year"]]
    )
    promised = coop.terms_breaches(
        frame[["enclave_id", "period", "origin_records_tax", "origin_tax_share_pct", "origin_tax"]].rename(
            columns={"origin_records_tax": "tax"}
        )
    )
    terms_b = pd.concat([targets, promised], ignore_index=True)
    breaches = pd.concat(
        [
            equity[list(coop.BREACH_COLUMNS)].assign(
                kind="equity", gap=equity["value"] - equity["threshold"]
            ),
            land.breaches[list(coop.BREACH_COLUMNS)].assign(
                kind="land", gap=land.breaches["value"] - land.breaches["threshold"]
            ),
            terms_b[[*coop.BREACH_COLUMNS, "gap"]].assign(kind="terms"),
        ],
        ignore_index=True,
    )
    breaches["period"] = (
        pd.to_numeric(breaches["period"]).astype("int64") if len(breaches) else breaches["period"]
    )
    split = _split(arrangements, agreement_tax, holders, identity)
    return _Books(
        enclaves=frame,
        identity=identity,
        terms=terms,
        holders=holders,
        arrangements=arrangements,
        agreement_tax=agreement_tax,
        grades=grades,
        land=land,
        breaches=breaches,
        split=split,
        settings=settings,
        synthetic=synthetic,
    )


def _agreement_tax(backend: Backend, arrangements: pd.DataFrame) -> pd.DataFrame:
    """Σ tax paid and Σ realised share per agreement and year (an aggregate of the agreements' tax records, summed
    over the whole region: both parties of an arrangement see its totals)."""
    cols = ("agreement_id", "period", "tax", "realised", "records")
    if not backend.has_table("raw_tax") or not len(arrangements):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    t = query.table(backend, "raw_tax", whole=True)
    ids = [str(a) for a in _text(arrangements["agreement_id"]).dropna()]
    t = t.filter(t.agreement_id.isin(ids))
    recs = backend.execute(t.select("agreement_id", "year", "tax_paid", "share_pct"))
    if not len(recs):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    recs = recs.rename(columns={"year": "period"})
    recs["period"] = pd.to_numeric(recs["period"]).astype("int64")
    out = coop.agreement_tax(recs)
    out["period"] = pd.to_numeric(out["period"]).astype("int64")
    return out


def _covers_either(a: object, b: object) -> bool:
    """Whether two place codes are the same place or one lies inside the other (310100 and 310104)."""
    if (
        a is None
        or b is None
        or (not isinstance(a, str) and pd.isna(a))
        or (not isinstance(b, str) and pd.isna(b))
    ):
        return False
    pa, pb = _prefix(str(a)), _prefix(str(b))
    return pa.startswith(pb) or pb.startswith(pa)


def _prefix(code: str) -> str:
    code = code.strip()
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _origin_tax(frame: pd.DataFrame, arrangements: pd.DataFrame, agreement_tax: pd.DataFrame) -> pd.DataFrame:
    """Per enclave and year, the tax records of the enclave's arrangements whose sharing place is the origin (or
    inside it, or contains it): ``origin_tax`` = Σ realised to the origin and ``origin_records_tax`` = Σ tax paid of
    those records; both unknown (NaN) without such an arrangement's records in the year."""
    out = pd.DataFrame({"origin_tax": np.nan, "origin_records_tax": np.nan}, index=frame.index)
    if not len(arrangements) or not len(agreement_tax):
        return out
    origin = frame.drop_duplicates("enclave_id", keep="last").set_index("enclave_id")["origin_adcode"]
    mine: dict[str, list[str]] = {}
    for r in arrangements.itertuples(index=False):
        eid = None if pd.isna(r.enclave_id) else str(r.enclave_id).strip()
        if eid and eid in origin.index and _covers_either(r.sharing_adcode, origin[eid]):
            mine.setdefault(eid, []).append(str(r.agreement_id).strip())
    if not mine:
        return out
    by = agreement_tax.set_index(["agreement_id", "period"])
    for i, (eid, year) in enumerate(zip(frame["enclave_id"], frame["period"], strict=True)):
        keys = [(a, int(year)) for a in mine.get(eid, []) if (a, int(year)) in by.index]
        if keys:
            part = by.loc[keys]
            out.iloc[i, 0] = part["realised"].sum(skipna=False)
            out.iloc[i, 1] = part["tax"].sum(skipna=False)
    return out


def _identity(e: pd.DataFrame) -> pd.DataFrame:
    """One row per enclave as its latest year reports it, with place names and centroids."""
    if not len(e):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in (*_IDENTITY, "latest")})
    last = e.sort_values(["enclave_id", "period"], kind="stable").drop_duplicates("enclave_id", keep="last")
    last = last.set_index("enclave_id", drop=False)
    out = last[
        ["enclave_id", "enclave_name", "origin_adcode", "host_adcode", "enclave_type", "direction"]
    ].copy()
    on, hn = geo.locate(out["origin_adcode"]), geo.locate(out["host_adcode"])
    out["origin_name"], out["origin_lon"], out["origin_lat"] = on["name"], on["lon"], on["lat"]
    out["host_name"], out["host_lon"], out["host_lat"] = hn["name"], hn["lon"], hn["lat"]
    out["enclave_type_zh"] = out["enclave_type"].map(ENCLAVE_TYPES)
    out["direction_zh"] = out["direction"].map(DIRECTION_ZH)
    out["established"] = last["established"].map(lambda d: None if pd.isna(d) else d.date().isoformat())
    out["operator"] = last["operator"]
    out["operator_code"] = last["operator_code"]
    out["latest"] = last["period"]
    return out[[*_IDENTITY, "latest"]]


def _grades(frame: pd.DataFrame, settings: coop.MuSettings) -> pd.DataFrame:
    if not len(frame):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in coop.MU_GRADE_COLUMNS})
    ind = coop.mu_indicators(
        frame[
            [
                "enclave_id",
                "period",
                "enclave_type",
                "area_mu",
                "tax",
                "value_added",
                "output",
                "rd_spend",
                "energy_tce",
                "employees",
            ]
        ]
    )
    g = coop.mu_grades(ind, settings)
    g["period"] = pd.to_numeric(g["period"]).astype("int64")
    return g


def _split(
    arrangements: pd.DataFrame, agreement_tax: pd.DataFrame, holders: pd.DataFrame, identity: pd.DataFrame
) -> pd.DataFrame:
    if not len(arrangements):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in coop.TAX_SPLIT_COLUMNS})
    arr = arrangements.copy()
    for c in ("base_year", "start_year", "end_year"):
        arr[c] = arr[c].astype("string").str.slice(0, 4)
    capital = None
    if (arr["basis"] == "capital").any():
        capital = _capital_shares(arr, holders, identity)
    tax = agreement_tax[["agreement_id", "period", "tax", "realised"]]
    out = coop.tax_split(arr, tax, capital)
    if len(out):
        out["period"] = pd.to_numeric(out["period"]).astype("int64")
    return out


def _capital_shares(arr: pd.DataFrame, holders: pd.DataFrame, identity: pd.DataFrame) -> pd.DataFrame:
    """The sharing side's paid-in share of the operator's capital, per ``capital`` arrangement and year.

    The sharing side is the enclave's origin when the sharing place is the origin's (or inside it, or contains
    it), its host likewise: the side's shareholders' paid-in capital over everyone's (``from`` ``paid_in``), else
    their registered shares (``share_pct``), as :func:`chainatlas.analytics.cooperation.side_shares` sums them —
    a side's fund may be registered in another district of the origin's city. A sharing place that is neither
    side's falls back to the shareholders placed inside it (:func:`chainatlas.analytics.cooperation.capital_shares`).
    """
    cap = arr[arr["basis"] == "capital"]
    h = holders[["enclave_id", "period", "side", "adcode", "share_pct", "paid_in"]]
    sides = coop.side_shares(h[["enclave_id", "period", "side", "share_pct", "paid_in"]]) if len(h) else None
    rows: list[dict[str, Any]] = []
    by_place = []
    for r in cap.itertuples(index=False):
        eid = None if pd.isna(r.enclave_id) else str(r.enclave_id).strip()
        side = None
        if eid is not None and eid in identity.index:
            if _covers_either(r.sharing_adcode, identity.at[eid, "origin_adcode"]):
                side = "origin"
            elif _covers_either(r.sharing_adcode, identity.at[eid, "host_adcode"]):
                side = "host"
        if side is None or sides is None:
            by_place.append(r.agreement_id)
            continue
        for s in sides[sides["enclave_id"] == eid].itertuples(index=False):
            paid = [getattr(s, f"{x}_paid_in") for x in ("origin", "host", "other")]
            total = float(np.sum(paid))
            mine = getattr(s, f"{side}_paid_in")
            if not np.isnan(total) and total > 0:
                value, basis = 100 * mine / total, "paid_in"
            else:
                value, basis = getattr(s, f"{side}_equity_pct"), "share_pct"
            rows.append(
                {"agreement_id": r.agreement_id, "period": int(s.period), "share_pct": value, "from": basis}
            )
    if by_place:
        other = coop.capital_shares(
            cap[cap["agreement_id"].isin(by_place)][
                ["agreement_id", "basis", "enclave_id", "sharing_adcode"]
            ],
            h[["enclave_id", "period", "adcode", "share_pct", "paid_in"]],
        )
        rows += other.to_dict("records")
    return pd.DataFrame(rows, columns=["agreement_id", "period", "share_pct", "from"])


# ================================================================================================ scope
def visible(frame: pd.DataFrame, columns: Sequence[str], scope: Scope | None = None) -> pd.Series:
    """Rows of ``frame`` a reader sees: one of the place ``columns`` lies inside the scope (every row for the whole
    region). Both governments of an enclave, and both places of a tax-sharing arrangement, are its parties."""
    scope = scope or query.current_scope()
    if scope.prefix == "":
        return pd.Series(True, index=frame.index)
    inside = pd.Series(False, index=frame.index)
    for c in columns:
        inside |= frame[c].astype("string").str.startswith(scope.prefix).fillna(False).astype(bool)
    return inside


def _visible_ids(books: _Books) -> set[str]:
    e = books.enclaves
    return set(e.loc[visible(e, ("origin_adcode", "host_adcode")), "enclave_id"])


def periods(backend: Backend) -> list[int]:
    """The years with enclave rows the reader sees, oldest first."""
    b = _books(backend)
    e = b.enclaves[visible(b.enclaves, ("origin_adcode", "host_adcode"))]
    return sorted(int(y) for y in e["period"].unique())


def latest_year(backend: Backend, period: object | None = None) -> int | None:
    """``period`` checked as a year, or the latest year with enclave rows the reader sees (None: there are none)."""
    return _period(backend, period)


def _period(backend: Backend, period: object | None, years: list[int] | None = None) -> int | None:
    """``period`` checked as a year (None: the latest year with enclave rows; None again when there are none)."""
    years = periods(backend) if years is None else years
    if period is None:
        return years[-1] if years else None
    kind, _ = _ordinal(period)
    if kind != "year":
        raise ConfigError(f"期间应为年份 / expected a year such as 2024, got {period!r}", param="period")
    return int(str(period).strip())


def _ordinal(period: object) -> tuple[str, int]:
    from chainatlas.analytics.history import period_ordinal

    return period_ordinal(period, "period")


# ================================================================================================ reviews
def _latest_reviews(backend: Backend, store: ReviewStore | None, period: int | None = None) -> pd.DataFrame:
    if store is None:
        db = _db_of(backend)
        if db is None:
            return pd.DataFrame(columns=["enclave_id", "period", "side", "decision", "reviewer", "at"])
        store = reviews_store(db)
    out = store.latest(period=period)
    out["period"] = pd.to_numeric(out["period"]).astype("int64")
    return out


def _review_columns(rows: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """``review_origin``, ``review_host`` (the decision that counts, or None), ``reviews`` (both, with who and
    when) and ``priority`` (approved by both sides and leader of its type-year)."""
    by = {(r.enclave_id, int(r.period), r.side): r for r in latest.itertuples(index=False)}
    out = rows.copy()
    origin, host, both = [], [], []
    for eid, per in zip(out["enclave_id"], out["period"], strict=True):
        pair: dict[str, Any] = {}
        for side, target in (("origin", origin), ("host", host)):
            r = by.get((eid, int(per), side))
            target.append(None if r is None else r.decision)
            pair[side] = (
                None
                if r is None
                else {
                    "decision": r.decision,
                    "decision_zh": DECISION_ZH[r.decision],
                    "reviewer": r.reviewer,
                    "jurisdiction": r.jurisdiction,
                    "comment": r.comment,
                    "at": r.at,
                }
            )
        both.append(pair)
    out["review_origin"] = origin
    out["review_host"] = host
    out["reviews"] = both
    approved = (out["review_origin"] == "approve") & (out["review_host"] == "approve")
    out["priority"] = (approved & out["leader"].fillna(False).astype(bool)).astype(bool)
    return out


# ================================================================================================ ledger
def _rules_by(books: _Books, status: str) -> dict[tuple[str, int], list[str]]:
    """Rule ids per (enclave, year) with ``status``: the enclave rules and its arrangements' tax-sharing rules."""
    out: dict[tuple[str, int], list[str]] = {}
    b = books.breaches
    for r in b[b["status"] == status].itertuples(index=False):
        out.setdefault((r.enclave_id, int(r.period)), []).append(r.rule)
    for r in _split_rows(books).itertuples(index=False):
        if r.status == status and r.enclave_id is not None and not pd.isna(r.enclave_id):
            rules = out.setdefault((r.enclave_id, int(r.period)), [])
            if r.rule not in rules:
                rules.append(r.rule)
    return out


def _split_rows(books: _Books) -> pd.DataFrame:
    """The tax split's rows that are not ``ok`` as (enclave_id, period, rule, status)."""
    s = books.split
    if not len(s):
        return pd.DataFrame(columns=["enclave_id", "period", "rule", "status"])
    s = s[s["status"] != "ok"]
    mapped = s["status"].map(lambda x: _TAX_STATUS_RULE.get(x, ("tax_" + str(x), "unknown")))
    return pd.DataFrame(
        {
            "enclave_id": _text(s["enclave_id"]).astype(object).where(s["enclave_id"].notna(), None),
            "period": s["period"].astype("int64"),
            "rule": [m[0] for m in mapped],
            "status": [m[1] for m in mapped],
        }
    )


def _check_type(type: str | None) -> None:
    if type is not None and type not in ENCLAVE_TYPES:
        listed = ", ".join(f"{k} ({v})" for k, v in ENCLAVE_TYPES.items())
        raise ConfigError(
            f"飞地类型 {type!r} 未知 / expected type one of {listed}, got {type!r}", param="type"
        )


def _check_grade(grade: str | None) -> None:
    if grade is not None and grade not in coop.GRADES:
        raise ConfigError(
            f"评价等级应为 A、B、C、D / expected grade A, B, C or D, got {grade!r}", param="grade"
        )


def _province_prefix(province: str | None) -> str | None:
    if province is None or not str(province).strip():
        return None
    from chainatlas.pipeline.supply_network import place_prefix

    return place_prefix(str(province), "province")[1]


def ledger(
    backend: Backend,
    *,
    period: object | None = None,
    type: str | None = None,
    province: str | None = None,
    grade: str | None = None,
    reviews: ReviewStore | None = None,
) -> pd.DataFrame:
    """The enclave ledger (飞地联合资助信息库) of one year: one row per enclave the reader sees.

    Parameters
    ----------
    backend : Backend
        The atlas.
    period : int or str, optional
        The year (default: the latest year with enclave rows).
    type : {'industrial', 'innovation', 'poverty', 'other'}, optional
        Only enclaves of this type (a blank type reads ``industrial``).
    province : str, optional
        Only enclaves whose origin or host lies in this place (a province code ``320000``, a name ``江苏省``, or any
        narrower place).
    grade : {'A', 'B', 'C', 'D'}, optional
        Only enclaves with this 亩均 grade.
    reviews : ReviewStore, optional
        The reviews (default: the atlas's store beside it).

    Returns
    -------
    DataFrame
        :data:`LEDGER_COLUMNS`, sorted by enclave id: identity and places (names and centroids from
        :mod:`chainatlas.geo`), the year's numbers (NaN when not reported, never 0), the agreement's targets and
        promised tax share, the tax the origin received, the land-quota balance (cumulative transferred vs needed
        and agreed), the 亩均 indicators, ``missing`` (weighted indicators unknown), ``score``, ``rank`` and
        ``peers`` (among *all* enclaves of the type and year), ``grade``, ``leader``, ``review_origin`` and
        ``review_host`` (the decision that counts), ``reviews`` (both, with who and when), ``priority`` (both
        approve and leader), ``breaches`` and ``unknowns`` (rule ids of :data:`RULE_ZH` breached or uncheckable
        this year) and ``synthetic``.
    """
    _check_type(type)
    _check_grade(grade)
    prefix = _province_prefix(province)
    books = _books(backend)
    years = periods(backend)
    year = _period(backend, period, years)
    if year is None:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in LEDGER_COLUMNS})
    if period is not None and year not in years:
        raise ConfigError(
            f"{year} 年没有飞地台账 / no enclave rows in {year}; years with rows: "
            f"{', '.join(map(str, years)) or 'none'}",
            param="period",
        )
    e = books.enclaves
    rows = e[(e["period"] == year) & visible(e, ("origin_adcode", "host_adcode"))].copy()
    if type is not None:
        rows = rows[rows["enclave_type"] == type]
    if prefix is not None:
        inside = rows["origin_adcode"].astype("string").str.startswith(prefix).fillna(False)
        inside |= rows["host_adcode"].astype("string").str.startswith(prefix).fillna(False)
        rows = rows[inside.astype(bool)]
    out = _assemble(books, rows)
    out = _review_columns(out, _latest_reviews(backend, reviews, year))
    if grade is not None:
        out = out[out["grade"] == grade]
    return out[list(LEDGER_COLUMNS)].sort_values("enclave_id", kind="stable").reset_index(drop=True)


def _assemble(books: _Books, rows: pd.DataFrame) -> pd.DataFrame:
    """Ledger columns (all but the reviews) of enclave-year rows of ``books.enclaves``."""
    ident = books.identity
    out = pd.DataFrame(index=rows.index)
    for c in _IDENTITY:
        if c in ("enclave_type", "enclave_type_zh", "direction", "direction_zh", "operator", "operator_code"):
            continue
        if c in ("enclave_id", "enclave_name", "origin_adcode", "host_adcode"):
            out[c] = rows[c]
        else:
            out[c] = rows["enclave_id"].map(ident[c]) if len(ident) else None
    # this year's places (an enclave's places can change): names and centroids of the row's own codes
    on, hn = geo.locate(rows["origin_adcode"]), geo.locate(rows["host_adcode"])
    out["origin_name"], out["origin_lon"], out["origin_lat"] = on["name"], on["lon"], on["lat"]
    out["host_name"], out["host_lon"], out["host_lat"] = hn["name"], hn["lon"], hn["lat"]
    out["enclave_type"] = rows["enclave_type"]
    out["enclave_type_zh"] = rows["enclave_type"].map(ENCLAVE_TYPES)
    out["direction"] = rows["direction"]
    out["direction_zh"] = rows["direction"].map(DIRECTION_ZH)
    out["operator"] = rows["operator"]
    out["operator_code"] = rows["operator_code"]
    out["period"] = rows["period"].astype("int64")
    for c in (*_NUMBERS, "target_output", "target_tax", "origin_tax_share_pct", "origin_tax"):
        out[c] = rows[c].astype("float64")
    out["target_year"] = rows["target_year"].map(lambda y: None if pd.isna(y) else int(y)).astype(object)
    key = pd.MultiIndex.from_arrays([rows["enclave_id"], rows["period"].astype("int64")])
    land = books.land.enclaves.copy()
    land["period"] = pd.to_numeric(land["period"]).astype("int64")
    land = land.set_index(["enclave_id", "period"])
    for c in ("needed_mu", "transferred_mu", "agreed_mu", "shortfall_mu"):
        out[c] = land[c].reindex(key).to_numpy(dtype=float) if len(land) else np.nan
    g = books.grades.set_index(["enclave_id", "period"]) if len(books.grades) else None
    for c in (*coop.MU_INDICATORS, "missing", "score", "rank", "peers", "grade", "leader"):
        if g is None:
            out[c] = None
            continue
        v = g[c].reindex(key)
        out[c] = v.to_numpy(dtype=float) if c in (*coop.MU_INDICATORS, "score") else list(v)
    # object columns: a list of ints and None (or of letters and None) would otherwise be read as float (10.0, NaN)
    # or as a string column with NaN, and print as "10.0/23" or "nan"
    for c in ("rank", "peers"):
        out[c] = pd.Series(
            [None if r is None or pd.isna(r) else int(r) for r in out[c]], index=out.index, dtype=object
        )
    out["leader"] = [bool(x) if x is not None and not pd.isna(x) else False for x in out["leader"]]
    out["grade"] = pd.Series(
        [None if x is None or (not isinstance(x, str) and pd.isna(x)) else x for x in out["grade"]],
        index=out.index,
        dtype=object,
    )
    breached = _rules_by(books, "breach")
    unknown = _rules_by(books, "unknown")
    pairs = list(zip(rows["enclave_id"], rows["period"].astype(int), strict=True))
    out["breaches"] = [sorted(breached.get(p, [])) for p in pairs]
    out["unknowns"] = [sorted(unknown.get(p, [])) for p in pairs]
    out["synthetic"] = rows["synthetic"].astype(bool)
    return out


def rank(
    backend: Backend,
    *,
    period: object | None = None,
    type: str | None = None,
    reviews: ReviewStore | None = None,
) -> pd.DataFrame:
    """The 亩均 evaluation of one year ranked within each type: the ledger's rows sorted by type, rank (unscored
    enclaves last) and id, with the evaluation's columns first."""
    rows = ledger(backend, period=period, type=type, reviews=reviews)
    order = {t: i for i, t in enumerate(ENCLAVE_TYPES)}
    rows = rows.assign(
        _t=rows["enclave_type"].map(order),
        _r=[np.inf if r is None else r for r in rows["rank"]],
    ).sort_values(["_t", "_r", "enclave_id"], kind="stable")
    first = [
        "enclave_type",
        "enclave_type_zh",
        "period",
        "rank",
        "peers",
        "enclave_id",
        "enclave_name",
        "grade",
        "score",
        *coop.MU_INDICATORS,
        "missing",
        "leader",
        "review_origin",
        "review_host",
        "priority",
        "origin_name",
        "host_name",
    ]
    return rows[first].reset_index(drop=True)


# ================================================================================================ check
def check(backend: Backend, *, period: object | None = None, every: bool = False) -> pd.DataFrame:
    """Every broken or uncheckable rule of the cooperation ledgers the reader sees, in one table.

    Parameters
    ----------
    backend : Backend
        The atlas.
    period : int or str, optional
        The year (default: the latest year with enclave rows).
    every : bool
        Every year instead of one.

    Returns
    -------
    DataFrame
        :data:`CHECK_COLUMNS`: ``kind`` (``equity``, ``land``, ``terms``, ``tax_sharing``, ``voucher``),
        ``rule`` (:data:`RULE_ZH`), ``status`` (``breach`` or ``unknown``), ``severity`` (:data:`SEVERITY`), the
        enclave (id and name), the arrangement or voucher, ``period`` (the year), ``value`` (realised), ``threshold``
        (the rule's or the agreement's figure), ``gap`` = value − threshold, the message ("中文 / English"),
        ``origin_adcode``/``host_adcode`` and ``jurisdictions`` (the places concerned, ``;``-joined). Sorted by
        kind, period, subject and rule.

    Notes
    -----
    Tax sharing: statuses ``under``, ``over`` and ``outside_term`` of
    :func:`chainatlas.analytics.cooperation.tax_split` are breaches (``tax_under`` ...), ``unknown`` and
    ``no_records`` are listed as unknown. Vouchers: each cross-province redemption with no recognition in force
    is a breach ``unrecognised`` of the year it was redeemed.
    """
    books = _books(backend)
    years = periods(backend)
    year = None if every else _period(backend, period, years)
    names = books.identity["enclave_name"] if len(books.identity) else pd.Series(dtype=object)
    ids = _visible_ids(books)
    parts: list[pd.DataFrame] = []
    b = books.breaches
    if len(b):
        b = b[b["enclave_id"].isin(ids)]
        if year is not None:
            b = b[b["period"] == year]
        places = books.enclaves.set_index(["enclave_id", "period"])[["origin_adcode", "host_adcode"]]
        key = pd.MultiIndex.from_arrays([b["enclave_id"], b["period"]])
        o = places["origin_adcode"].reindex(key).to_numpy(dtype=object)
        h = places["host_adcode"].reindex(key).to_numpy(dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "kind": b["kind"].to_numpy(),
                    "rule": b["rule"].to_numpy(),
                    "status": b["status"].to_numpy(),
                    "enclave_id": b["enclave_id"].to_numpy(),
                    "enclave_name": b["enclave_id"].map(names).to_numpy(dtype=object),
                    "agreement_id": None,
                    "voucher_id": None,
                    "period": b["period"].to_numpy(),
                    "value": b["value"].to_numpy(dtype=float),
                    "threshold": b["threshold"].to_numpy(dtype=float),
                    "gap": b["gap"].to_numpy(dtype=float),
                    "message": b["message"].to_numpy(),
                    "origin_adcode": o,
                    "host_adcode": h,
                }
            )
        )
    parts.append(_tax_checks(books, year))
    parts.append(_voucher_checks(backend, year))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in CHECK_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["rule_zh"] = out["rule"].map(RULE_ZH)
    out["severity"] = out["rule"].map(SEVERITY).fillna("info")
    out["jurisdictions"] = [
        ";".join(dict.fromkeys(c for c in (o, h) if isinstance(c, str) and c))
        for o, h in zip(out["origin_adcode"], out["host_adcode"], strict=True)
    ]
    order = {k: i for i, k in enumerate(KIND_ZH)}
    subject = out["enclave_id"].fillna(out["agreement_id"]).fillna(out["voucher_id"]).astype(str)
    out = out.assign(_k=out["kind"].map(order), _s=subject).sort_values(
        ["_k", "period", "_s", "rule"], kind="stable"
    )
    out["period"] = out["period"].astype("int64")
    return out[list(CHECK_COLUMNS)].reset_index(drop=True)


def _tax_arrangements_visible(books: _Books) -> pd.DataFrame:
    a = books.arrangements
    if not len(a):
        return a
    return a[visible(a, ("collecting_adcode", "sharing_adcode"))]


def _tax_checks(books: _Books, year: int | None) -> pd.DataFrame:
    s = books.split
    if not len(s):
        return pd.DataFrame()
    arr = _tax_arrangements_visible(books)
    s = s[s["agreement_id"].isin(set(arr["agreement_id"])) & (s["status"] != "ok")]
    if year is not None:
        s = s[s["period"] == year]
    if not len(s):
        return pd.DataFrame()
    mapped = [_TAX_STATUS_RULE.get(x, ("tax_" + str(x), "unknown")) for x in s["status"]]
    names = books.identity["enclave_name"] if len(books.identity) else pd.Series(dtype=object)
    eid = _text(s["enclave_id"]).astype(object)
    return pd.DataFrame(
        {
            "kind": "tax_sharing",
            "rule": [m[0] for m in mapped],
            "status": [m[1] for m in mapped],
            "enclave_id": eid.where(eid.notna(), None).to_numpy(),
            "enclave_name": eid.map(names).to_numpy(dtype=object),
            "agreement_id": s["agreement_id"].to_numpy(),
            "voucher_id": None,
            "period": s["period"].to_numpy(),
            "value": s["realised"].to_numpy(dtype=float),
            "threshold": s["capped"].to_numpy(dtype=float),
            "gap": s["gap"].to_numpy(dtype=float),
            "message": s["message"].to_numpy(),
            # the sharing place (usually the origin) and the collecting place (usually the host)
            "origin_adcode": s["sharing_adcode"].to_numpy(dtype=object),
            "host_adcode": s["collecting_adcode"].to_numpy(dtype=object),
        }
    )


def _voucher_checks(backend: Backend, year: int | None) -> pd.DataFrame:
    flows = _voucher_flows(backend)
    u = flows.unrecognised
    if not len(u):
        return pd.DataFrame()
    years = pd.to_datetime(u["redeemed"]).dt.year.astype("int64")
    if year is not None:
        u, years = u[years == year], years[years == year]
    if not len(u):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "kind": "voucher",
            "rule": "unrecognised",
            "status": "breach",
            "enclave_id": None,
            "enclave_name": None,
            "agreement_id": None,
            "voucher_id": u["voucher_id"].to_numpy(),
            "period": years.to_numpy(),
            "value": u["value"].to_numpy(dtype=float),
            "threshold": np.nan,
            "gap": np.nan,
            "message": u["message"].to_numpy(),
            # the issuing place and the provider's
            "origin_adcode": u["issuer_adcode"].to_numpy(dtype=object),
            "host_adcode": u["provider_adcode"].to_numpy(dtype=object),
        }
    )


# ================================================================================================ alerts
def _jurisdiction(code: object) -> str | None:
    """A place as an alert party (a jurisdiction of the region), or None for a place outside it."""
    if not isinstance(code, str) or not code:
        return None
    try:
        return normalize_jurisdiction(code)
    except ConfigError:
        return None


def findings(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`check`'s breaches as findings of the monitoring alerts (the columns of
    :data:`chainatlas.pipeline.monitor.COLUMNS`): one per subject (enclave, arrangement or voucher) and rule —
    ``unit`` the subject, ``segment`` the rule, ``rule`` ``cooperation.<rule>``, type ``cooperation``, the parties
    the origin and host (or sharing and collecting place, issuer and provider), the owner the host."""
    b = rows[rows["status"] == "breach"]
    out = []
    for r in b.itertuples(index=False):
        subject = r.voucher_id if r.kind == "voucher" else r.enclave_id if r.enclave_id else r.agreement_id
        codes = [j for j in (_jurisdiction(r.origin_adcode), _jurisdiction(r.host_adcode)) if j]
        place = r.host_adcode if isinstance(r.host_adcode, str) and len(r.host_adcode) == 6 else None
        kinds = {
            "equity": ["enclaves"],
            "land": ["enclaves"],
            "terms": ["enclaves", "enclave_terms"],
            "tax_sharing": ["tax_sharing"],
            "voucher": ["vouchers"],
        }[r.kind]
        evidence = {"kinds": kinds, "place": place or REGION, "period": str(int(r.period))}
        out.append(
            {
                "rule": f"cooperation.{r.rule}",
                "type": "cooperation",
                "severity": r.severity,
                "indicator": None,
                "metric": r.rule,
                "unit": str(subject),
                "name_zh": r.enclave_name if isinstance(r.enclave_name, str) else None,
                "chain": "*",
                "segment": r.rule,
                "layer": "value"
                if r.kind in ("equity", "tax_sharing")
                else "service"
                if r.kind == "voucher"
                else None,
                "period": int(r.period),
                "state": "firing",
                "opened": int(r.period),
                "value": r.value,
                "measure": r.gap,
                "threshold": r.threshold,
                "compared": None,
                "since": int(r.period),
                "owner": _jurisdiction(r.host_adcode),
                "jurisdictions": ";".join(dict.fromkeys(codes)) or REGION,
                "evidence": json.dumps(evidence, ensure_ascii=False),
            }
        )
    from chainatlas.pipeline.monitor import COLUMNS

    return pd.DataFrame(out, columns=COLUMNS)


def record_alerts(
    backend: Backend,
    db: str | Path,
    *,
    period: object | None = None,
    actor: str,
    store: Any = None,
) -> Any:
    """Record the breaches of ``period`` (default: the latest year) as alerts of the rule family ``cooperation``.

    One alert per subject and rule (an enclave's ``origin_control``, an arrangement's ``tax_under``, a voucher's
    ``unrecognised``), at region level in the alert store's rule set :data:`ALERT_RULE_SET`, so that a run of
    ``chainatlas check`` never resolves them nor they its alerts; the parties are the places concerned. An alert
    whose breach is gone in a later run (of the same or a later year) is resolved by
    :meth:`chainatlas.storage.alerts.AlertStore.record_run`. Returns the
    :class:`chainatlas.pipeline.alerts.RecordReport`.
    """
    from chainatlas.analytics.history import period_ordinal
    from chainatlas.pipeline.alerts import RecordReport, groups
    from chainatlas.storage.alerts import AlertStore

    year = _period(backend, period)
    if year is None:
        raise ConfigError("图谱中没有飞地台账 / the atlas holds no enclave rows to check", param="period")
    with query.scoped(FULL):  # the alert store keeps every party's alerts; readers see theirs
        rows = check(backend, period=year)
    found = findings(rows)
    store = store or AlertStore(config.side_file(db, "alerts"))
    gs = groups(found, level="region", jurisdiction=ALERT_RULE_SET)
    kind, ordinal = period_ordinal(year, "period")
    out = store.record_run(
        gs,
        level="region",
        jurisdiction=ALERT_RULE_SET,
        period=str(year),
        period_kind=kind,
        period_ord=ordinal,
        actor=str(actor),
        findings=len(found),
    )
    changes = list(out.changes.values())
    alerts = tuple(
        {
            "id": int(aid),
            "change": ch,
            "severity": "info",
            "inhibited_by": None,
            "silenced": aid in out.silenced,
        }
        for aid, ch in out.changes.items()
        if ch in ("new", "reopened")
    )
    if alerts:
        listed = store.list(include_hidden=True).set_index("id")
        alerts = tuple({**a, "severity": listed.loc[a["id"], "severity"]} for a in alerts)
    return RecordReport(
        run_id=out.run_id,
        level="region",
        jurisdiction=ALERT_RULE_SET,
        period=str(year),
        at=out.at,
        findings=len(found),
        new=changes.count("new"),
        updated=changes.count("updated"),
        unchanged=changes.count("unchanged"),
        reopened=changes.count("reopened"),
        resolved=len(out.resolved),
        inhibited=len(out.inhibited),
        silenced=len(out.silenced),
        alerts=alerts,
        resolved_ids=tuple(out.resolved),
    )


# ================================================================================================ tax sharing
def tax_sharing(backend: Backend, *, period: object | None = None) -> pd.DataFrame:
    """Agreed versus realised split of every tax-sharing arrangement the reader sees (collecting or sharing place
    inside the jurisdiction), per year in force or with records (``period``: one year; default every year).

    Returns :data:`chainatlas.analytics.cooperation.TAX_SPLIT_COLUMNS` with ``enclave_name``, ``collecting_name``
    and ``sharing_name`` after the codes, sorted by agreement and year. The tax of an arrangement is the sum of its
    records' ``tax_paid`` (the whole region's: both parties see their arrangement's totals); ``realised`` the sum
    of ``tax_paid × share_pct / 100``.
    """
    if period is not None:
        kind, _ = _ordinal(period)
        if kind != "year":
            raise ConfigError(f"期间应为年份 / expected a year such as 2024, got {period!r}", param="period")
    books = _books(backend)
    arr = _tax_arrangements_visible(books)
    s = books.split
    cols = [
        *coop.TAX_SPLIT_COLUMNS[:2],
        "enclave_name",
        "collecting_adcode",
        "collecting_name",
        "sharing_adcode",
        "sharing_name",
        *coop.TAX_SPLIT_COLUMNS[4:],
    ]
    if not len(s):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    s = s[s["agreement_id"].isin(set(arr["agreement_id"]))].copy()
    if period is not None:
        s = s[s["period"] == int(str(period).strip())]
    names = books.identity["enclave_name"] if len(books.identity) else pd.Series(dtype=object)
    s["enclave_name"] = s["enclave_id"].map(names)
    s["collecting_name"] = geo.locate(s["collecting_adcode"])["name"]
    s["sharing_name"] = geo.locate(s["sharing_adcode"])["name"]
    return s[cols].reset_index(drop=True)


# ================================================================================================ vouchers
_VOUCHER_COLUMNS = (
    "voucher_id",
    "issuer_adcode",
    "issued",
    "face_value",
    "holder_adcode",
    "provider_adcode",
    "redeemed",
    "redeemed_value",
    "redeem_mode",
)


def _voucher_flows(backend: Backend) -> coop.VoucherFlows:
    def make() -> coop.VoucherFlows:
        v = query.raw_frame(backend, "raw_vouchers", _VOUCHER_COLUMNS, whole=False)
        r = query.raw_frame(
            backend, "raw_recognitions", ("agreement_id", "adcode_a", "adcode_b", "start", "end"), whole=True
        )
        # a voucher redeemed with a provider of unknown place cannot be placed: it is left out of the flows
        v = v[v["provider_adcode"].notna() & v["issuer_adcode"].notna()]
        for c in ("issued", "redeemed"):
            v[c] = pd.to_datetime(v[c], errors="coerce")
        for c in ("start", "end"):
            r[c] = pd.to_datetime(r[c], errors="coerce")
        return coop.voucher_flows(v.reset_index(drop=True), r.reset_index(drop=True))

    return query.remember(backend, ("cooperation_vouchers",), make)


def vouchers(backend: Backend, *, year: object | None = None) -> coop.VoucherFlows:
    """Innovation-voucher flows of the vouchers the reader sees (issuer, holder or provider inside the
    jurisdiction): ``flows`` per issuer province → provider province and year (``year``: only that year), with the
    provinces' names; ``effect`` per recognition (its two places' names, the redemptions 12 months before and after
    its start; never filtered by ``year``); ``unrecognised`` cross-province redemptions with no recognition in force
    (``year``: redeemed that year). Dates as ISO text."""
    y = None
    if year is not None:
        kind, _ = _ordinal(year)
        if kind != "year":
            raise ConfigError(f"应为年份 / expected a year such as 2024, got {year!r}", param="year")
        y = int(str(year).strip())
    f = _voucher_flows(backend)
    flows = f.flows.copy()
    if y is not None and len(flows):
        flows = flows[flows["year"] == y]
    flows.insert(1, "issuer_province_name", geo.locate(flows["issuer_province"])["name"])
    flows.insert(3, "provider_province_name", geo.locate(flows["provider_province"])["name"])
    effect = f.effect.copy()
    if len(effect):
        effect.insert(2, "adcode_a_name", geo.locate(effect["adcode_a"].map(_six))["name"])
        effect.insert(4, "adcode_b_name", geo.locate(effect["adcode_b"].map(_six))["name"])
        for c in ("start", "end"):
            effect[c] = effect[c].map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date().isoformat())
    else:
        effect.insert(2, "adcode_a_name", pd.Series([], dtype=object))
        effect.insert(4, "adcode_b_name", pd.Series([], dtype=object))
    un = f.unrecognised.copy()
    if len(un):
        days = pd.to_datetime(un["redeemed"])
        if y is not None:
            un, days = un[days.dt.year == y], days[days.dt.year == y]
        un["redeemed"] = days.map(lambda d: d.date().isoformat())
    return coop.VoucherFlows(
        flows=flows.reset_index(drop=True),
        effect=effect.reset_index(drop=True),
        unrecognised=un.reset_index(drop=True),
    )


def _six(code: object) -> object:
    if isinstance(code, str) and code.strip().isdigit() and len(code.strip()) in (2, 4):
        return code.strip().ljust(6, "0")
    return code


# ================================================================================================ profile
def profile(backend: Backend, enclave_id: str, *, reviews: ReviewStore | None = None) -> dict[str, Any]:
    """One enclave over the years, as the 飞地 page's profile shows it.

    Returns a dict: ``enclave_id``, ``identity`` (as of its latest year), ``periods``, ``terms`` (the agreement,
    or None), ``shareholders`` (per year), ``side_shares`` (per year: each side's share and paid-in capital),
    ``years`` (per year: agreed vs realised output and tax — ``target_*`` count from the target year —, the
    promised and realised origin tax, area and land quota with the cumulative balance, the 亩均 indicators,
    score, rank, peers, grade, leader, each side's review and ``priority``), ``breaches`` (:func:`check` rows of
    every year), ``reviews`` (``history``: every review, oldest first; ``latest``: the one that counts per year and
    side) and ``tax_sharing`` (its arrangements, each with its ``split`` per year). UnknownEnclave when the id is
    unknown or outside the reader's jurisdiction.
    """
    eid = str(enclave_id).strip()
    books = _books(backend)
    if eid not in _visible_ids(books):
        raise UnknownEnclave(
            f"没有飞地 {eid}（或不在您的辖区内） / no enclave {eid!r} in your jurisdiction; "
            "`chainatlas enclaves list` or GET /api/enclaves lists them",
            param="enclave_id",
        )
    e = books.enclaves
    rows = e[e["enclave_id"] == eid].sort_values("period")
    store = reviews
    if store is None:
        db = _db_of(backend)
        store = reviews_store(db) if db is not None else None
    latest = store.latest(enclave_id=eid) if store is not None else pd.DataFrame(columns=["period"])
    latest["period"] = pd.to_numeric(latest["period"]).astype("int64")
    years = _review_columns(_assemble(books, rows), latest)
    years = years.drop(columns=[c for c in _IDENTITY if c not in ("enclave_id",)] + ["synthetic"])
    ident = books.identity.loc[eid].to_dict()
    ident["latest"] = int(ident["latest"])
    terms = books.terms[books.terms["enclave_id"] == eid]
    term = frame_rows(terms)[0] if len(terms) else None
    holders = books.holders[books.holders["enclave_id"] == eid].sort_values(
        ["period", "side", "shareholder_name"]
    )
    sides = (
        coop.side_shares(holders[["enclave_id", "period", "side", "share_pct", "paid_in"]])
        if len(holders)
        else pd.DataFrame()
    )
    breaches = check(backend, every=True)
    breaches = breaches[breaches["enclave_id"] == eid]
    arr = _tax_arrangements_visible(books)
    arr = arr[_text(arr["enclave_id"]) == eid] if len(arr) else arr
    split = tax_sharing(backend)
    history = store.history(enclave_id=eid) if store is not None else pd.DataFrame()
    return {
        "enclave_id": eid,
        "identity": _plain(ident),
        "periods": [int(p) for p in rows["period"]],
        "terms": term,
        "shareholders": frame_rows(holders.drop(columns=["enclave_id"])),
        "side_shares": frame_rows(sides.drop(columns=["enclave_id"]) if len(sides) else sides),
        "years": frame_rows(years),
        "breaches": frame_rows(breaches),
        "reviews": {"history": frame_rows(history), "latest": frame_rows(latest)},
        "tax_sharing": [
            {
                "agreement": frame_rows(arr[arr["agreement_id"] == a])[0],
                "split": frame_rows(split[split["agreement_id"] == a]),
            }
            for a in arr["agreement_id"]
        ],
        "synthetic": bool(rows["synthetic"].any()),
    }


def _plain(value: Any) -> Any:
    from chainatlas.pipeline.analyze.result import jsonable

    return jsonable(value)


# ================================================================================================ reviewing
def review(
    backend: Backend,
    db: str | Path,
    enclave_id: str,
    *,
    period: object,
    side: str,
    decision: str,
    principal: Principal,
    comment: str | None = None,
    store: ReviewStore | None = None,
) -> dict[str, Any]:
    """Record ``principal``'s review of one side of an enclave's evaluation in ``period``.

    The enclave must be one the reader sees (UnknownEnclave otherwise) with a row in ``period`` (ConfigError naming
    ``period``); the side's place is that year's origin or host, and the store refuses a reviewer whose
    jurisdiction does not cover it (AccessError). Returns the review as stored with ``priority``: whether the
    enclave now has both sides' approval and leads its type in the year.
    """
    eid = str(enclave_id).strip()
    books = _books(backend)
    if eid not in _visible_ids(books):
        raise UnknownEnclave(
            f"没有飞地 {eid}（或不在您的辖区内） / no enclave {eid!r} in your jurisdiction",
            param="enclave_id",
        )
    kind, _ = _ordinal(period)
    if kind != "year":
        raise ConfigError(f"期间应为年份 / expected a year such as 2024, got {period!r}", param="period")
    year = int(str(period).strip())
    e = books.enclaves
    row = e[(e["enclave_id"] == eid) & (e["period"] == year)]
    if not len(row):
        have = ", ".join(str(int(p)) for p in sorted(e.loc[e["enclave_id"] == eid, "period"]))
        raise ConfigError(
            f"飞地 {eid} 没有 {year} 年的台账 / enclave {eid} has no row in {year}; its years: {have}",
            param="period",
        )
    side_key = {"飞出地": "origin", "飞入地": "host"}.get(str(side).strip(), str(side).strip())
    place = row[f"{side_key}_adcode"].iloc[0] if side_key in SIDE_ZH else None
    store = store or reviews_store(db)
    stored = store.add(
        eid,
        year,
        side,
        decision,
        principal=principal,
        place=None if place is None or pd.isna(place) else str(place),
        comment=comment,
    )
    latest = store.latest(enclave_id=eid, period=year)
    decided = dict(zip(latest["side"], latest["decision"], strict=True))
    g = books.grades
    lead = g[(g["enclave_id"] == eid) & (g["period"] == year)]["leader"]
    leader = bool(lead.iloc[0]) if len(lead) else False
    both = decided.get("origin") == "approve" and decided.get("host") == "approve"
    return {**stored, "period": year, "approved_by_both": both, "leader": leader, "priority": both and leader}


def _mu_table(books: _Books, ids: set[str]) -> pd.DataFrame:
    g = books.grades
    g = g[g["enclave_id"].isin(ids)]
    names = books.identity["enclave_name"] if len(books.identity) else pd.Series(dtype=object)
    cols = [
        "enclave_id",
        "enclave_name",
        "enclave_type",
        "period",
        *coop.MU_INDICATORS,
        "missing",
        "score",
        "rank",
        "peers",
        "grade",
        "leader",
    ]
    g = g.assign(enclave_name=g["enclave_id"].map(names))
    return g[cols].sort_values(["enclave_id", "period"], kind="stable").reset_index(drop=True)


def _voucher_table(v: coop.VoucherFlows) -> pd.DataFrame:
    """Flows and each recognition's before/after as one table (``table``: 流向 / 互认前后); the counts and the year
    stay whole numbers (blank in the rows of the other part, not 2017.0)."""
    out = pd.concat(
        [v.flows.assign(table="流向"), v.effect.assign(table="互认前后")], ignore_index=True, sort=False
    )[["table", *[c for c in v.flows.columns], *[c for c in v.effect.columns if c not in v.flows.columns]]]
    for c in ("year", "count", "by_user", "by_provider", "before_count", "after_count"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c]).astype("Int64")
    return out


def export_book(
    backend: Backend,
    *,
    period: object | None = None,
    reviews: ReviewStore | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Book:
    """The ledger workbook (``chainatlas enclaves export``): :data:`BOOK_SHEETS` — 台账 (the ledger of ``period``,
    default the latest year), 亩均评价 (indicators and grades of every year), 违规 (:func:`check` of every year),
    税收分享 (:func:`tax_sharing` of every year), 创新券 (:func:`vouchers`: flows, then each recognition's
    before/after)."""
    say = progress or (lambda *_: None)
    say("台账 / ledger", 1, 5)
    led = ledger(backend, period=period, reviews=reviews)
    books = _books(backend)
    say("亩均评价 / 亩均 evaluation", 2, 5)
    mu = _mu_table(books, _visible_ids(books))
    say("违规 / breaches", 3, 5)
    chk = check(backend, every=True)
    say("税收分享 / tax sharing", 4, 5)
    tax = tax_sharing(backend)
    say("创新券 / vouchers", 5, 5)
    v = vouchers(backend)
    year = int(led["period"].iloc[0]) if len(led) else _period(backend, period)
    sheets = dict(zip(BOOK_SHEETS, (led, mu, chk, tax, _voucher_table(v)), strict=True))
    keys = dict(zip(BOOK_SHEETS, ("ledger", "mu", "breaches", "tax_sharing", "vouchers"), strict=True))
    meta = {
        "period": year,
        "settings": {"weights": dict(books.settings.weights), "thresholds": dict(books.settings.thresholds)},
        "counts": {keys[n]: len(df) for n, df in sheets.items()},
    }
    return Book(sheets=sheets, keys=keys, meta=meta, synthetic=books.synthetic, headers=HEADERS)


def book_of(name: str, key: str, table: pd.DataFrame, meta: Mapping[str, Any], synthetic: bool) -> Book:
    """One table as a :class:`Book` (the CLI's ``list``, ``rank``, ``check``, ``tax-sharing``)."""
    return Book(sheets={name: table}, keys={name: key}, meta=dict(meta), synthetic=synthetic, headers=HEADERS)


def evaluation_settings(backend: Backend) -> dict[str, Any]:
    """The 亩均 settings in force for the atlas: ``weights``, ``thresholds`` and ``source`` (the file's name)."""
    st = _books(backend).settings
    return {"weights": dict(st.weights), "thresholds": dict(st.thresholds), "source": st.source}


def synthetic(backend: Backend) -> bool:
    """Whether the enclave ledger holds synthetic rows."""
    return _books(backend).synthetic
