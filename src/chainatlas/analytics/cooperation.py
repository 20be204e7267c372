"""Cooperation ledgers: enclave rules, 亩均效益 evaluation, tax-increment sharing, innovation-voucher flows.

Pure functions (issue 15) over the enclave ledger of 潘秋晨 (2023) 四(二) — enclaves (飞地 / 逆向飞地) with their
operating company's shareholders, the agreements behind them, "capital + tax" sharing arrangements (二(二), the
value network) and innovation vouchers honoured across borders (创新券互认互通, 二(二), the service network).
Amounts are 万元, land 亩, energy 吨标准煤, shares percentages 0–100 unless a column says otherwise.

Contents
--------
:func:`equity_breaches`    the equity rule: the origin controls (> 50 %), the host holds at least 30 %
:func:`side_shares`        the operator's shareholders summed per side (origin, host, other)
:func:`land_balance`       land quota transferred vs needed and agreed, per enclave and per pair of places
:func:`terms_breaches`     realised output and tax vs an agreement's targets; the origin's promised tax share
:func:`mu_indicators`      亩均效益 indicators per enclave and year (tax and value added per 亩, ...)
:func:`mu_grades`          weighted percentile scores, ranks, grades A–D and leaders within type and year
:func:`load_mu_settings`   the shipped (or a given) ``mu_evaluation.yaml``, checked by
                           :func:`parse_mu_settings`
:func:`agreement_tax`      tax records → tax and realised share per sharing agreement and year
:func:`capital_shares`     the sharing side's paid-in share of an enclave operator's capital
:func:`tax_split`          agreed vs realised split per tax-sharing arrangement and year
:func:`voucher_flows`      voucher redemptions per province pair and year, recognitions' before/after effect,
                           unrecognised cross-border redemptions

Breach tables share :data:`BREACH_COLUMNS` — ``rule``, ``status`` (``breach`` or ``unknown``), the tested
``value``, the ``threshold`` it was tested against and a ``message`` in Chinese with English
("中文 / English") — followed by the numbers of the rule. Unknown stays unknown: a missing share, area or
tax is never read as 0; a rule that cannot be checked is listed with status ``unknown``, never as passed or
breached.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from chainatlas.analytics._checks import require_columns, require_frame
from chainatlas.analytics.history import period_ordinal
from chainatlas.errors import ConfigError
from chainatlas.model.access import jurisdiction_prefix
from chainatlas.model.kinds import ENCLAVE_TYPES

__all__ = [
    "BREACH_COLUMNS",
    "EFFECT_COLUMNS",
    "EQUITY_COLUMNS",
    "FLOW_COLUMNS",
    "GRADES",
    "LAND_BREACH_COLUMNS",
    "LAND_COLUMNS",
    "MU_COLUMNS",
    "MU_GRADE_COLUMNS",
    "MU_INDICATORS",
    "PAIR_COLUMNS",
    "TAX_SPLIT_COLUMNS",
    "TERMS_COLUMNS",
    "UNRECOGNISED_COLUMNS",
    "LandBalance",
    "MuSettings",
    "VoucherFlows",
    "agreement_tax",
    "capital_shares",
    "equity_breaches",
    "land_balance",
    "load_mu_settings",
    "mu_grades",
    "mu_indicators",
    "parse_mu_settings",
    "side_shares",
    "tax_split",
    "terms_breaches",
    "voucher_flows",
]

#: the first columns of every breach table
BREACH_COLUMNS = ("enclave_id", "period", "rule", "status", "value", "threshold", "message")
#: columns of :func:`equity_breaches`
EQUITY_COLUMNS = (
    *BREACH_COLUMNS,
    "origin_equity_pct",
    "host_equity_pct",
    "origin_min_equity_pct",
    "host_min_equity_pct",
    "shares_sum",
)
#: columns of :attr:`LandBalance.enclaves`
LAND_COLUMNS = (
    "enclave_id",
    "period",
    "origin_adcode",
    "host_adcode",
    "area_mu",
    "host_land_mu",
    "needed_mu",
    "quota_mu",
    "transferred_mu",
    "agreed_mu",
    "shortfall_mu",
    "over_agreed_mu",
)
#: columns of :attr:`LandBalance.pairs`
PAIR_COLUMNS = (
    "origin_adcode",
    "host_adcode",
    "period",
    "enclaves",
    "incomplete",
    "area_mu",
    "needed_mu",
    "quota_mu",
    "transferred_mu",
    "balance_mu",
    "reverse_transferred_mu",
    "net_mu",
)
#: columns of :attr:`LandBalance.breaches`
LAND_BREACH_COLUMNS = (*BREACH_COLUMNS, "needed_mu", "transferred_mu", "agreed_mu")
#: columns of :func:`terms_breaches`
TERMS_COLUMNS = (*BREACH_COLUMNS, "gap", "target_year")
#: the 亩均效益 indicators, in the order of the settings file
MU_INDICATORS = ("tax_per_mu", "va_per_mu", "va_per_energy", "rd_intensity", "labour_productivity")
#: columns of :func:`mu_indicators`
MU_COLUMNS = ("enclave_id", "period", "enclave_type", *MU_INDICATORS)
#: grades, best first
GRADES = ("A", "B", "C", "D")
#: columns of :func:`mu_grades`
MU_GRADE_COLUMNS = (
    *MU_COLUMNS,
    *(f"{name}_pct" for name in MU_INDICATORS),
    "weight_used",
    "missing",
    "score",
    "score_pct",
    "peers",
    "rank",
    "grade",
    "leader",
)
#: columns of :func:`tax_split`
TAX_SPLIT_COLUMNS = (
    "agreement_id",
    "enclave_id",
    "collecting_adcode",
    "sharing_adcode",
    "basis",
    "period",
    "in_term",
    "tax",
    "base",
    "share_pct",
    "agreed_share",
    "cap",
    "capped",
    "cap_binding",
    "realised",
    "gap",
    "status",
    "message",
)
#: columns of :attr:`VoucherFlows.flows`
FLOW_COLUMNS = (
    "issuer_province",
    "provider_province",
    "year",
    "cross_province",
    "recognised",
    "count",
    "value",
    "by_user",
    "by_provider",
)
#: columns of :attr:`VoucherFlows.effect`
EFFECT_COLUMNS = (
    "agreement_id",
    "adcode_a",
    "adcode_b",
    "start",
    "end",
    "before_count",
    "before_value",
    "after_count",
    "after_value",
    "count_ratio",
    "value_ratio",
)
#: columns of :attr:`VoucherFlows.unrecognised`
UNRECOGNISED_COLUMNS = (
    "voucher_id",
    "issuer_adcode",
    "provider_adcode",
    "redeemed",
    "value",
    "redeem_mode",
    "rule",
    "status",
    "message",
)

#: the equity rule's minimums when an agreement states none (潘秋晨 2023, 四(二): 飞出地控股、飞入地占股不低于30%)
ORIGIN_MIN_DEFAULT = 50.0
HOST_MIN_DEFAULT = 30.0
#: tolerance of comparisons of percentages and 亩 (float noise of shares summed from shareholders)
_EPS = 1e-9
#: realised tax shares within this fraction of the agreed amount are ``ok``
TAX_TOLERANCE = 0.005
_BASES = ("increment", "total", "capital")
_ENCLAVE_TYPES = tuple(ENCLAVE_TYPES)  # the enclaves kind's enum: industrial, innovation, poverty, other
_SHIPPED = "mu_evaluation.yaml"


# ------------------------------------------------------------------------------------------------ helpers
def _fmt(x: float) -> str:
    """A number for a message: at most two decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "?"
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _numbers(
    frame: pd.DataFrame, column: str, param: str, *, high: float | None = None, optional: bool = True
) -> np.ndarray:
    """A column as float64 (NaN for blanks); absent optional columns are all NaN. Negative values, values
    above ``high`` and text that is not a number raise ConfigError naming the column, row and value."""
    if column not in frame.columns:
        if optional:
            return np.full(len(frame), np.nan)
        require_columns(frame, [column], param)
    raw = frame[column]
    blank = raw.isna() | raw.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    values = pd.to_numeric(raw.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        at = bad.to_numpy().nonzero()[0][0]
        raise ConfigError(
            f"第 {at} 行（从 0 计） {column} = {raw.iloc[at]!r} 不是数字 / row {at} (from 0): expected a "
            f"number in column {column!r}, got {raw.iloc[at]!r}",
            param=param,
        )
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    wrong = np.isinf(arr) | (arr < 0) | ((arr > high + _EPS) if high is not None else False)
    if np.any(wrong):
        at = int(np.flatnonzero(wrong)[0])
        upper = f" 且不大于 {_fmt(high)}" if high is not None else ""
        upper_en = f" and <= {_fmt(high)}" if high is not None else ""
        raise ConfigError(
            f"第 {at} 行（从 0 计） {column} = {raw.iloc[at]!r} 应为不小于 0{upper}的有限数 / row {at} "
            f"(from 0): expected a finite number >= 0{upper_en} in column {column!r}, got {raw.iloc[at]!r}",
            param=param,
        )
    return arr


def _year(value: object, param: str) -> int:
    kind, ordinal = period_ordinal(value, param)
    if kind != "year":
        raise ConfigError(f"期间应为年份 / expected a year such as 2023, got {value!r}", param=param)
    return ordinal


def _years(values: pd.Series, param: str, *, optional: bool = False) -> np.ndarray:
    """Year numbers of a column of period keys (float, NaN for blanks when ``optional``)."""
    out = np.full(len(values), np.nan)
    blank = values.isna().to_numpy(dtype=bool)
    for i, v in enumerate(values.tolist()):
        if blank[i] or (isinstance(v, str) and not v.strip()):
            if not optional:
                raise ConfigError(
                    f"第 {i} 行（从 0 计）缺少年份 / row {i} (from 0): the year is missing", param=param
                )
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out[i] = _year(v, param)
    return out


def _text(values: pd.Series) -> pd.Series:
    """Codes and ids as text (``<NA>`` for blanks), so 310100 and '310100' compare equal."""
    out = values.astype("string").str.strip()
    return out.mask(out.eq(""), pd.NA)


def _prefix(code: object, param: str) -> str | None:
    """The adcode prefix of a place (2 digits for a province, 4 for a city, 6 for a county); a place matches
    every code under it. None for a blank."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    text = str(code).strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", text):
        raise ConfigError(
            f"{text!r} 不是行政区划代码 / expected an administrative code of 2, 4 or 6 digits, got {text!r}",
            param=param,
        )
    return jurisdiction_prefix(text.ljust(6, "0"))


def _code6(code: object, param: str) -> str | None:
    p = _prefix(code, param)
    return None if p is None else str(code).strip().ljust(6, "0")


def _unique_key(frame: pd.DataFrame, key: list[str], param: str) -> None:
    dup = frame.duplicated(subset=key, keep=False)
    if dup.any():
        first = frame.loc[dup, key].iloc[0].tolist()
        raise ConfigError(
            f"{key} = {first} 出现不止一次 / {key} = {first} appears more than once; expected one row per {key}",
            param=param,
        )


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return _empty(columns)
    return pd.DataFrame(rows, columns=list(columns))


# ------------------------------------------------------------------------------------------------ equity
def equity_breaches(frame: pd.DataFrame) -> pd.DataFrame:
    """The equity rule of enclave operators: the origin (飞出地) controls, the host (飞入地) holds at least 30 %.

    Parameters
    ----------
    frame : DataFrame
        One row per enclave and period with ``enclave_id``, ``period``, ``origin_equity_pct`` and
        ``host_equity_pct`` (0–100, blank = unknown), and optionally the agreement's ``origin_min_equity_pct``
        (blank → 50) and ``host_min_equity_pct`` (blank → 30).

    Returns
    -------
    DataFrame
        :data:`EQUITY_COLUMNS`, one row per breached or uncheckable rule, in the order of ``frame`` and then
        of the rules: ``rule`` is ``origin_control`` (value = origin share, threshold = its minimum),
        ``host_min`` (host share vs its minimum) or ``shares_sum`` (origin + host vs 100); ``status`` is
        ``breach`` or ``unknown`` (the share is missing: not a breach, but listed); then the four shares and
        minimums and ``shares_sum``.

    Raises
    ------
    ConfigError
        A required column is missing, or a share is not a number in [0, 100] (the message names the row).

    Notes
    -----
    With origin share :math:`o`, host share :math:`h` and minimums :math:`o_{min}` (50) and :math:`h_{min}`
    (30): ``origin_control`` is breached when :math:`o \\le o_{min}` — control means *more than* the minimum,
    so exactly 50 % is not control — ``host_min`` when :math:`h < h_{min}` (exactly 30 % passes) and
    ``shares_sum`` when :math:`o + h > 100`. Comparisons allow :math:`10^{-9}` percentage points of float
    noise (shares summed from shareholders).

    Examples
    --------
    >>> frame = pd.DataFrame({"enclave_id": ["E1", "E2", "E3"], "period": ["2023"] * 3,
    ...                       "origin_equity_pct": [70.0, 50.0, None], "host_equity_pct": [30.0, 25.0, 40.0]})
    >>> out = equity_breaches(frame)
    >>> out[["enclave_id", "rule", "status", "value", "threshold"]].values.tolist()
    [['E2', 'origin_control', 'breach', 50.0, 50.0], ['E2', 'host_min', 'breach', 25.0, 30.0],
     ['E3', 'origin_control', 'unknown', nan, 50.0]]
    >>> print(out["message"].iloc[1])
    飞入地持股 25% 低于 30% / the host holds 25 %, below the minimum of 30 %

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二): 以飞出地控股、飞入地占股
       不低于30%的原则，成立公司进行市场化运营 (the Zhejiang practice).
    """
    require_frame(frame, "frame")
    require_columns(frame, ["enclave_id", "period", "origin_equity_pct", "host_equity_pct"], "frame")
    o = _numbers(frame, "origin_equity_pct", "frame", high=100)
    h = _numbers(frame, "host_equity_pct", "frame", high=100)
    omin = _numbers(frame, "origin_min_equity_pct", "frame", high=100)
    hmin = _numbers(frame, "host_min_equity_pct", "frame", high=100)
    omin = np.where(np.isnan(omin), ORIGIN_MIN_DEFAULT, omin)
    hmin = np.where(np.isnan(hmin), HOST_MIN_DEFAULT, hmin)
    ids = frame["enclave_id"].tolist()
    periods = frame["period"].tolist()
    rows: list[dict[str, Any]] = []
    for i in range(len(frame)):
        total = o[i] + h[i]
        base = {
            "enclave_id": ids[i],
            "period": periods[i],
            "origin_equity_pct": o[i],
            "host_equity_pct": h[i],
            "origin_min_equity_pct": omin[i],
            "host_min_equity_pct": hmin[i],
            "shares_sum": total,
        }
        if np.isnan(o[i]):
            rows.append(
                {
                    **base,
                    "rule": "origin_control",
                    "status": "unknown",
                    "value": np.nan,
                    "threshold": omin[i],
                    "message": f"飞出地持股未知，无法判断是否控股（须超过 {_fmt(omin[i])}%） / the origin's share is "
                    f"unknown: control (more than {_fmt(omin[i])} %) cannot be checked",
                }
            )
        elif o[i] <= omin[i] + _EPS:
            rows.append(
                {
                    **base,
                    "rule": "origin_control",
                    "status": "breach",
                    "value": o[i],
                    "threshold": omin[i],
                    "message": f"飞出地持股 {_fmt(o[i])}% 未超过 {_fmt(omin[i])}%，飞出地未控股 / the origin holds "
                    f"{_fmt(o[i])} %, not more than {_fmt(omin[i])} %: it does not control the operator",
                }
            )
        if np.isnan(h[i]):
            rows.append(
                {
                    **base,
                    "rule": "host_min",
                    "status": "unknown",
                    "value": np.nan,
                    "threshold": hmin[i],
                    "message": f"飞入地持股未知，无法判断是否不低于 {_fmt(hmin[i])}% / the host's share is unknown: "
                    f"the minimum of {_fmt(hmin[i])} % cannot be checked",
                }
            )
        elif h[i] < hmin[i] - _EPS:
            rows.append(
                {
                    **base,
                    "rule": "host_min",
                    "status": "breach",
                    "value": h[i],
                    "threshold": hmin[i],
                    "message": f"飞入地持股 {_fmt(h[i])}% 低于 {_fmt(hmin[i])}% / the host holds {_fmt(h[i])} %, "
                    f"below the minimum of {_fmt(hmin[i])} %",
                }
            )
        if not np.isnan(total) and total > 100 + _EPS:
            rows.append(
                {
                    **base,
                    "rule": "shares_sum",
                    "status": "breach",
                    "value": total,
                    "threshold": 100.0,
                    "message": f"双方持股合计 {_fmt(total)}%，超过 100% / the two sides' shares add up to "
                    f"{_fmt(total)} %, more than 100 %",
                }
            )
    return _frame(rows, EQUITY_COLUMNS)


def side_shares(shareholders: pd.DataFrame) -> pd.DataFrame:
    """The operating company's shares and paid-in capital summed per side, per enclave and period.

    Parameters
    ----------
    shareholders : DataFrame
        One row per shareholder with ``enclave_id``, ``period``, ``side`` (``origin``, ``host``, ``other``;
        blank = unknown), ``share_pct`` (0–100, blank = unknown) and optionally ``paid_in`` (万元).

    Returns
    -------
    DataFrame
        One row per (enclave_id, period): ``origin_equity_pct``, ``host_equity_pct``, ``other_equity_pct``,
        ``total_equity_pct``, ``origin_paid_in``, ``host_paid_in``, ``other_paid_in`` and ``shareholders``
        (count), sorted by enclave and period. The equity columns feed :func:`equity_breaches`.

    Raises
    ------
    ConfigError
        A required column is missing, a side is not one of the three, or a number is out of range.

    Notes
    -----
    A side's sum is :math:`\\sum_{s \\in side} share_s`. Unknown stays unknown: a side's sum is NaN when
    one of its shareholders' shares is unknown, and every side's sum is NaN when a shareholder's side is
    unknown (its share could belong to any of them). A side with no shareholder holds 0.

    Examples
    --------
    >>> holders = pd.DataFrame({"enclave_id": ["E1"] * 3, "period": ["2023"] * 3,
    ...                         "side": ["origin", "origin", "host"], "share_pct": [40.0, 25.0, 35.0]})
    >>> side_shares(holders)[["origin_equity_pct", "host_equity_pct", "other_equity_pct"]].values.tolist()
    [[65.0, 35.0, 0.0]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二) (the operating company and
       its equity rule).
    """
    require_frame(shareholders, "shareholders")
    require_columns(shareholders, ["enclave_id", "period", "side", "share_pct"], "shareholders")
    share = _numbers(shareholders, "share_pct", "shareholders", high=100)
    paid = _numbers(shareholders, "paid_in", "shareholders")
    side = _text(shareholders["side"])
    bad = side.notna() & ~side.isin(("origin", "host", "other"))
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])
        raise ConfigError(
            f"第 {at} 行（从 0 计） side = {side.iloc[at]!r} 应为 origin / host / other 之一 / row {at} "
            f"(from 0): expected side origin, host or other, got {side.iloc[at]!r}",
            param="shareholders",
        )
    work = pd.DataFrame(
        {
            "enclave_id": shareholders["enclave_id"].to_numpy(),
            "period": shareholders["period"].to_numpy(),
            "side": side.fillna("?").to_numpy(),
            "share": share,
            "paid": paid,
        }
    )
    rows = []
    for (eid, period), g in work.groupby(["enclave_id", "period"], sort=True):
        side_unknown = bool((g["side"] == "?").any())
        row: dict[str, Any] = {"enclave_id": eid, "period": period}
        for s in ("origin", "host", "other"):
            part = g[g["side"] == s]
            for col, out in (("share", f"{s}_equity_pct"), ("paid", f"{s}_paid_in")):
                values = part[col].to_numpy()
                row[out] = np.nan if side_unknown or np.isnan(values).any() else float(values.sum())
        shares = g["share"].to_numpy()
        row["total_equity_pct"] = np.nan if np.isnan(shares).any() else float(shares.sum())
        row["shareholders"] = len(g)
        rows.append(row)
    columns = (
        "enclave_id",
        "period",
        "origin_equity_pct",
        "host_equity_pct",
        "other_equity_pct",
        "total_equity_pct",
        "origin_paid_in",
        "host_paid_in",
        "other_paid_in",
        "shareholders",
    )
    return _frame(rows, columns)


# ------------------------------------------------------------------------------------------------ land
@dataclass(frozen=True)
class LandBalance:
    """Land quota (用地指标) per enclave and per pair of places, and the breaches.

    Attributes
    ----------
    enclaves : DataFrame
        :data:`LAND_COLUMNS`, one row per enclave and period: ``needed_mu`` = max(0, area_mu − host_land_mu),
        ``quota_mu`` (transferred in the period), ``transferred_mu`` (cumulative to the period),
        ``agreed_mu``, ``shortfall_mu`` = needed − transferred (> 0: short), ``over_agreed_mu`` =
        transferred − agreed.
    pairs : DataFrame
        :data:`PAIR_COLUMNS`, one row per (origin_adcode, host_adcode, period) over the pair's enclaves:
        sums of area, needed, quota and transferred, ``balance_mu`` = Σ (transferred − needed) over the
        enclaves where both are known, ``incomplete`` (enclaves where either is unknown),
        ``reverse_transferred_mu`` (quota moved the other way, host → origin, by the pair's reverse enclaves)
        and ``net_mu`` = transferred − reverse transferred.
    breaches : DataFrame
        :data:`LAND_BREACH_COLUMNS`: rule ``land_quota`` (status ``breach`` when short, ``unknown`` when the
        need or the transfers are unknown) and ``over_agreed`` (more transferred than agreed).
    """

    enclaves: pd.DataFrame
    pairs: pd.DataFrame
    breaches: pd.DataFrame


def land_balance(frame: pd.DataFrame) -> LandBalance:
    """Land quota transferred from the origin against what the enclave needs and what was agreed.

    Parameters
    ----------
    frame : DataFrame
        One row per enclave and period (years) with ``enclave_id``, ``period``, ``origin_adcode``,
        ``host_adcode``, ``area_mu`` and optionally ``land_quota_mu`` (quota transferred origin → host in the
        period), ``host_land_mu`` (land the host provides from its own quota) and ``land_quota_agreed_mu``
        (the total quota the origin promised) — the agreement's columns repeated on each row. Blank = unknown.

    Returns
    -------
    LandBalance
        ``enclaves``, ``pairs`` and ``breaches`` (see :class:`LandBalance`), sorted by enclave and year.

    Raises
    ------
    ConfigError
        A required column is missing, a period is not a year, a number is negative or not a number, or an
        (enclave_id, period) appears twice.

    Notes
    -----
    With area :math:`A_t`, host land :math:`H` and quota :math:`q_s` transferred in year :math:`s`:

    .. math:: need_t = \\max(0, A_t - H), \\quad T_t = \\sum_{s \\le t} q_s, \\quad shortfall_t = need_t - T_t

    ``land_quota`` is breached when :math:`shortfall_t > 0` and ``over_agreed`` when :math:`T_t` exceeds the
    agreed total. :math:`T_t` sums the known transfers; it is unknown (NaN) until the first one is recorded,
    after which a blank year counts as no transfer. Nothing is needed when the host's land covers the area, so
    an unknown transfer is then no breach and not listed; likewise an unknown host land is not listed once the
    transfers cover the whole area (:math:`T_t \\ge A_t \\ge need_t`).

    Examples
    --------
    >>> frame = pd.DataFrame({"enclave_id": ["E1", "E1"], "period": ["2022", "2023"],
    ...                       "origin_adcode": "330800", "host_adcode": "330100", "area_mu": [100.0, 150.0],
    ...                       "land_quota_mu": [60.0, 50.0], "host_land_mu": 20.0,
    ...                       "land_quota_agreed_mu": 120.0})
    >>> result = land_balance(frame)
    >>> result.enclaves[["period", "needed_mu", "transferred_mu", "shortfall_mu"]].values.tolist()
    [['2022', 80.0, 60.0, 20.0], ['2023', 130.0, 110.0, 20.0]]
    >>> result.breaches[["period", "rule", "value", "threshold"]].values.tolist()
    [['2022', 'land_quota', 60.0, 80.0], ['2023', 'land_quota', 110.0, 130.0]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二): 探索长三角建设用地指标
       跨区域流动机制 ... 以土地指标异地调剂保障创新地外溢积极性; 共享飞地建设、资助以及土地指标使用等信息.
    """
    require_frame(frame, "frame")
    require_columns(frame, ["enclave_id", "period", "origin_adcode", "host_adcode", "area_mu"], "frame")
    years = _years(frame["period"], "frame")
    _unique_key(
        pd.DataFrame({"enclave_id": frame["enclave_id"].to_numpy(), "year": years}),
        ["enclave_id", "year"],
        "frame",
    )
    area = _numbers(frame, "area_mu", "frame")
    quota = _numbers(frame, "land_quota_mu", "frame")
    host_land = _numbers(frame, "host_land_mu", "frame")
    agreed = _numbers(frame, "land_quota_agreed_mu", "frame")
    work = pd.DataFrame(
        {
            "enclave_id": frame["enclave_id"].to_numpy(),
            "period": frame["period"].to_numpy(),
            "year": years,
            "origin_adcode": _text(frame["origin_adcode"]).to_numpy(),
            "host_adcode": _text(frame["host_adcode"]).to_numpy(),
            "area_mu": area,
            "host_land_mu": host_land,
            "quota_mu": quota,
            "agreed_mu": agreed,
        }
    ).sort_values(["enclave_id", "year"], kind="stable", ignore_index=True)
    work["needed_mu"] = np.maximum(work["area_mu"] - work["host_land_mu"], 0.0)
    known = work["quota_mu"].notna().groupby(work["enclave_id"], sort=False).cummax()
    running = work["quota_mu"].fillna(0.0).groupby(work["enclave_id"], sort=False).cumsum()
    work["transferred_mu"] = running.where(known.astype(bool))
    work["shortfall_mu"] = work["needed_mu"] - work["transferred_mu"]
    work["over_agreed_mu"] = work["transferred_mu"] - work["agreed_mu"]
    enclaves = work[list(LAND_COLUMNS)].copy()

    rows: list[dict[str, Any]] = []
    for r in work.itertuples(index=False):
        base = {
            "enclave_id": r.enclave_id,
            "period": r.period,
            "needed_mu": r.needed_mu,
            "transferred_mu": r.transferred_mu,
            "agreed_mu": r.agreed_mu,
        }
        if np.isnan(r.shortfall_mu):
            # the need is at most the area: transfers covering the whole area leave no shortfall, whatever the host's
            # own land
            covered = not np.isnan(r.transferred_mu) and r.transferred_mu >= r.area_mu - _EPS
            if r.needed_mu != 0 and not covered:
                what = "所需指标" if np.isnan(r.needed_mu) else "已调剂指标"
                what_en = "the quota needed" if np.isnan(r.needed_mu) else "the quota transferred"
                rows.append(
                    {
                        **base,
                        "rule": "land_quota",
                        "status": "unknown",
                        "value": r.transferred_mu,
                        "threshold": r.needed_mu,
                        "message": f"{what}未知，无法核对用地指标是否到位 / {what_en} is unknown: the land-quota "
                        f"balance cannot be checked",
                    }
                )
        elif r.shortfall_mu > _EPS:
            rows.append(
                {
                    **base,
                    "rule": "land_quota",
                    "status": "breach",
                    "value": r.transferred_mu,
                    "threshold": r.needed_mu,
                    "message": f"累计调剂用地指标 {_fmt(r.transferred_mu)} 亩，少于所需 {_fmt(r.needed_mu)} 亩"
                    f"（缺 {_fmt(r.shortfall_mu)} 亩） / {_fmt(r.transferred_mu)} 亩 of land quota transferred "
                    f"so far, short of the {_fmt(r.needed_mu)} 亩 needed by {_fmt(r.shortfall_mu)} 亩",
                }
            )
        if not np.isnan(r.over_agreed_mu) and r.over_agreed_mu > _EPS:
            rows.append(
                {
                    **base,
                    "rule": "over_agreed",
                    "status": "breach",
                    "value": r.transferred_mu,
                    "threshold": r.agreed_mu,
                    "message": f"累计调剂用地指标 {_fmt(r.transferred_mu)} 亩，超过协议约定的 {_fmt(r.agreed_mu)} 亩"
                    f" / {_fmt(r.transferred_mu)} 亩 of land quota transferred, more than the "
                    f"{_fmt(r.agreed_mu)} 亩 agreed",
                }
            )
    breaches = _frame(rows, LAND_BREACH_COLUMNS)
    return LandBalance(enclaves=enclaves, pairs=_land_pairs(work), breaches=breaches)


def _land_pairs(work: pd.DataFrame) -> pd.DataFrame:
    if work.empty:
        return _empty(PAIR_COLUMNS)
    w = work.copy()
    both = w["needed_mu"].notna() & w["transferred_mu"].notna()
    w["balance"] = (w["transferred_mu"] - w["needed_mu"]).where(both)
    w["incomplete"] = (~both).astype(int)
    keys = ["origin_adcode", "host_adcode", "year"]
    g = w.groupby(keys, sort=True, dropna=False)
    pairs = pd.DataFrame(
        {
            "period": g["period"].first(),
            "enclaves": g["enclave_id"].nunique(),
            "incomplete": g["incomplete"].sum(),
            "area_mu": g["area_mu"].sum(min_count=1),
            "needed_mu": g["needed_mu"].sum(min_count=1),
            "quota_mu": g["quota_mu"].sum(min_count=1),
            "transferred_mu": g["transferred_mu"].sum(min_count=1),
            "balance_mu": g["balance"].sum(min_count=1),
        }
    ).reset_index()
    reverse = pairs[["origin_adcode", "host_adcode", "year", "transferred_mu"]].rename(
        columns={
            "origin_adcode": "host_adcode",
            "host_adcode": "origin_adcode",
            "transferred_mu": "reverse_transferred_mu",
        }
    )
    pairs = pairs.merge(reverse, on=keys, how="left")
    # no enclave the other way: nothing moved back (a true 0); an enclave the other way with unknown transfers
    # stays unknown
    has_reverse = (
        pairs.merge(reverse.assign(_r=True)[[*keys, "_r"]], on=keys, how="left")["_r"].notna().to_numpy()
    )
    pairs["reverse_transferred_mu"] = pairs["reverse_transferred_mu"].where(has_reverse, 0.0)
    pairs["net_mu"] = pairs["transferred_mu"] - pairs["reverse_transferred_mu"]
    return pairs[list(PAIR_COLUMNS)]


# ------------------------------------------------------------------------------------------------ terms
def terms_breaches(frame: pd.DataFrame) -> pd.DataFrame:
    """Realised output and tax against an enclave agreement's targets, and the origin's promised tax share.

    Parameters
    ----------
    frame : DataFrame
        One row per enclave and period (years) with ``enclave_id``, ``period`` and any of: ``output`` and
        ``tax`` (realised, 万元), the agreement's ``target_output``, ``target_tax`` (万元 a year),
        ``target_year`` (the first year the targets hold; blank: every year), ``origin_tax_share_pct``
        (the share of the enclave's tax promised to the origin) and ``origin_tax`` (the tax realised to the
        origin in the year, 万元, from the tax records). Absent columns are unknown.

    Returns
    -------
    DataFrame
        :data:`TERMS_COLUMNS`, one row per breached or uncheckable term: ``rule`` ``target_output``,
        ``target_tax`` (value = realised, threshold = target) or ``origin_tax_share`` (value = realised share
        %, threshold = promised %); ``status`` ``breach`` or ``unknown``; ``gap`` = value − threshold;
        ``target_year``. Rows follow ``frame``.

    Raises
    ------
    ConfigError
        A required column is missing, a period is not a year, or a number is negative or not a number.

    Notes
    -----
    A target :math:`x^*` holds from the target year on: ``target_*`` is breached in year :math:`t \\ge` the
    target year when the realised :math:`x_t < x^*`, and listed ``unknown`` when :math:`x_t` is missing. The
    origin's share is breached when :math:`origin\\_tax_t < (1 - 0.005)\\, s\\, tax_t / 100` — realised
    shares within 0.5 % of the promise pass, as in :func:`tax_split` — and is not checked in a year without
    tax.

    Examples
    --------
    >>> frame = pd.DataFrame({"enclave_id": ["E1", "E1"], "period": ["2022", "2023"],
    ...                       "output": [80_000.0, 95_000.0], "tax": [3_000.0, 4_000.0],
    ...                       "target_output": 100_000.0, "target_year": "2023",
    ...                       "origin_tax_share_pct": 40.0, "origin_tax": [1_200.0, 1_400.0]})
    >>> terms_breaches(frame)[["period", "rule", "value", "threshold", "gap"]].values.tolist()
    [['2023', 'target_output', 95000.0, 100000.0, -5000.0], ['2023', 'origin_tax_share', 35.0, 40.0, -5.0]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 三(二): 衢州在杭州建立“产业飞地”，
       围绕资金投入、税收分成、经济和能源消费指标分割形成共同方案; section 四(二) (飞地效益评估).
    """
    require_frame(frame, "frame")
    require_columns(frame, ["enclave_id", "period"], "frame")
    years = _years(frame["period"], "frame")
    target_year = (
        _years(frame["target_year"], "frame", optional=True)
        if "target_year" in frame.columns
        else np.full(len(frame), np.nan)
    )
    values = {c: _numbers(frame, c, "frame") for c in ("output", "tax", "target_output", "target_tax")}
    promised = _numbers(frame, "origin_tax_share_pct", "frame", high=100)
    origin_tax = _numbers(frame, "origin_tax", "frame")
    ids = frame["enclave_id"].tolist()
    periods = frame["period"].tolist()
    names = {"output": ("产值", "output"), "tax": ("税收", "tax")}
    rows: list[dict[str, Any]] = []
    for i in range(len(frame)):
        ty = target_year[i]
        base = {"enclave_id": ids[i], "period": periods[i], "target_year": None if np.isnan(ty) else int(ty)}
        for what in ("output", "tax"):
            target = values[f"target_{what}"][i]
            real = values[what][i]
            if np.isnan(target) or (not np.isnan(ty) and years[i] < ty):
                continue
            zh, en = names[what]
            if np.isnan(real):
                rows.append(
                    {
                        **base,
                        "rule": f"target_{what}",
                        "status": "unknown",
                        "value": np.nan,
                        "threshold": target,
                        "gap": np.nan,
                        "message": f"{zh}未知，无法核对协议目标 {_fmt(target)} 万元 / the {en} is unknown: the "
                        f"target of {_fmt(target)} 万元 cannot be checked",
                    }
                )
            elif real < target - _EPS:
                rows.append(
                    {
                        **base,
                        "rule": f"target_{what}",
                        "status": "breach",
                        "value": real,
                        "threshold": target,
                        "gap": real - target,
                        "message": f"{zh} {_fmt(real)} 万元，未达协议目标 {_fmt(target)} 万元 / the {en} of "
                        f"{_fmt(real)} 万元 falls short of the target of {_fmt(target)} 万元",
                    }
                )
        tax = values["tax"][i]
        share = promised[i]
        if np.isnan(share) or np.isnan(tax) or tax <= 0:
            continue
        if np.isnan(origin_tax[i]):
            rows.append(
                {
                    **base,
                    "rule": "origin_tax_share",
                    "status": "unknown",
                    "value": np.nan,
                    "threshold": share,
                    "gap": np.nan,
                    "message": f"飞出地实得税收未知，无法核对约定的 {_fmt(share)}% 分成 / the tax realised to the "
                    f"origin is unknown: the promised share of {_fmt(share)} % cannot be checked",
                }
            )
        elif origin_tax[i] < (1 - TAX_TOLERANCE) * share * tax / 100 - _EPS:
            real_pct = 100 * origin_tax[i] / tax
            rows.append(
                {
                    **base,
                    "rule": "origin_tax_share",
                    "status": "breach",
                    "value": real_pct,
                    "threshold": share,
                    "gap": real_pct - share,
                    "message": f"飞出地实得税收占 {_fmt(real_pct)}%，低于约定的 {_fmt(share)}% / the origin "
                    f"received {_fmt(real_pct)} % of the tax, less than the {_fmt(share)} % promised",
                }
            )
    return _frame(rows, TERMS_COLUMNS)


# ------------------------------------------------------------------------------------------------ 亩均效益
def mu_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """The 亩均效益 indicators of each enclave and year.

    Parameters
    ----------
    frame : DataFrame
        One row per enclave and period with ``enclave_id``, ``period``, ``area_mu`` (亩), ``tax``,
        ``value_added``, ``output``, ``rd_spend`` (万元), ``energy_tce`` (吨标准煤), ``employees`` and
        optionally ``enclave_type`` (``industrial``, ``innovation``, ``poverty``, ``other``; blank →
        ``industrial``, as the ``enclaves`` kind reads it).

    Returns
    -------
    DataFrame
        :data:`MU_COLUMNS` in the order of ``frame``: ``tax_per_mu`` and ``va_per_mu`` (万元/亩),
        ``va_per_energy`` (万元/吨标准煤), ``rd_intensity`` (a share 0–1, not %) and
        ``labour_productivity`` (万元/人).

    Raises
    ------
    ConfigError
        A column is missing, a number is negative or not a number, an (enclave_id, period) appears twice or
        an enclave type is unknown.

    Notes
    -----
    .. math::

        \\text{tax\\_per\\_mu} = \\frac{tax}{area}, \\quad \\text{va\\_per\\_mu} = \\frac{VA}{area}, \\quad
        \\text{va\\_per\\_energy} = \\frac{VA}{energy}, \\quad \\text{rd\\_intensity} = \\frac{R\\&D}{output},
        \\quad \\text{labour\\_productivity} = \\frac{VA}{employees}

    An indicator is NaN when its numerator or denominator is missing or its denominator is 0 — never 0 for
    unknown. A reported numerator of 0 (no tax paid) is a real 0. Zhejiang divides R&D by 主营业务收入; the
    enclave ledger has output (产值) instead.

    Examples
    --------
    >>> frame = pd.DataFrame({"enclave_id": ["E1"], "period": ["2023"], "area_mu": [200.0],
    ...                       "tax": [6_000.0], "value_added": [30_000.0], "output": [100_000.0],
    ...                       "rd_spend": [3_000.0], "energy_tce": [0.0], "employees": [500]})
    >>> mu_indicators(frame).iloc[0, 3:].tolist()
    [30.0, 150.0, nan, 0.03, 60.0]

    References
    ----------
    .. [1] 浙江省人民政府 (2018). 关于深化“亩均论英雄”改革的指导意见 (浙政发〔2018〕5号): 亩均税收、亩均
       增加值、全员劳动生产率、单位能耗增加值、单位排放增加值、R&D 经费支出占主营业务收入之比.
    .. [2] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二) (亩均效益领先的飞地).
    """
    require_frame(frame, "frame")
    needed = ["enclave_id", "period", "area_mu", "tax", "value_added", "output", "rd_spend", "energy_tce"]
    require_columns(frame, [*needed, "employees"], "frame")
    _unique_key(frame, ["enclave_id", "period"], "frame")
    v = {c: _numbers(frame, c, "frame") for c in [*needed[2:], "employees"]}

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
        out = np.full(len(num), np.nan)
        np.divide(num, den, out=out, where=ok)
        return out

    return pd.DataFrame(
        {
            "enclave_id": frame["enclave_id"].to_numpy(),
            "period": frame["period"].to_numpy(),
            "enclave_type": _enclave_types(frame),
            "tax_per_mu": ratio(v["tax"], v["area_mu"]),
            "va_per_mu": ratio(v["value_added"], v["area_mu"]),
            "va_per_energy": ratio(v["value_added"], v["energy_tce"]),
            "rd_intensity": ratio(v["rd_spend"], v["output"]),
            "labour_productivity": ratio(v["value_added"], v["employees"]),
        }
    )


def _enclave_types(frame: pd.DataFrame) -> np.ndarray:
    if "enclave_type" not in frame.columns:
        return np.array(["industrial"] * len(frame), dtype=object)
    types = _text(frame["enclave_type"]).fillna("industrial")
    bad = ~types.isin(_ENCLAVE_TYPES)
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])
        raise ConfigError(
            f"第 {at} 行（从 0 计）飞地类型 {types.iloc[at]!r} 未知 / row {at} (from 0): expected enclave_type one of "
            f"{list(_ENCLAVE_TYPES)}, got {types.iloc[at]!r}",
            param="frame",
        )
    return types.to_numpy(dtype=object)


@dataclass(frozen=True)
class MuSettings:
    """Weights and grade thresholds of the 亩均效益 evaluation (see ``data/cooperation/mu_evaluation.yaml``).

    Attributes
    ----------
    weights : dict
        Indicator of :data:`MU_INDICATORS` → weight (each >= 0, summing to 1).
    thresholds : dict
        Grade ``A``, ``B``, ``C`` → the lowest percentile (0–100) of the score within type and year that
        earns it; below ``C`` is ``D``.
    source : str
        Where the settings came from (a file name), named by errors.
    """

    weights: Mapping[str, float]
    thresholds: Mapping[str, float]
    source: str = field(default=_SHIPPED)


def _setting_number(value: object, source: str, key: str, what_zh: str, what_en: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            f"{source}: {key} = {value!r}：{what_zh} / {key} = {value!r}: expected {what_en}", param=key
        )
    return float(value)


def parse_mu_settings(mapping: object, source: str = _SHIPPED) -> MuSettings:
    """Check a parsed ``mu_evaluation.yaml`` and return its settings.

    Parameters
    ----------
    mapping : dict
        The parsed YAML: ``weights`` (each indicator of :data:`MU_INDICATORS` → a weight) and ``thresholds``
        (``A``, ``B``, ``C`` → a percentile 0–100).
    source : str
        The file name the errors name.

    Returns
    -------
    MuSettings
        The weights (in the order of :data:`MU_INDICATORS`) and thresholds, as floats.

    Raises
    ------
    ConfigError
        A key is unknown or missing, a weight is negative or not a number, the weights do not add up to 1,
        or the thresholds are not 100 >= A > B > C >= 0. The message names the file, the key and the value;
        ``param`` is the key (``weights.tax_per_mu``).

    Notes
    -----
    The weights must satisfy :math:`w_i \\ge 0` and :math:`|\\sum_i w_i - 1| \\le 10^{-9}`. Nothing is filled
    in: every indicator's weight is written out (0 to leave one out), so a typo cannot silently drop one.

    Examples
    --------
    >>> s = parse_mu_settings({"weights": {"tax_per_mu": 0.5, "va_per_mu": 0.5, "va_per_energy": 0,
    ...                                    "rd_intensity": 0, "labour_productivity": 0},
    ...                        "thresholds": {"A": 90, "B": 60, "C": 30}})
    >>> s.weights["tax_per_mu"], s.thresholds["A"]
    (0.5, 90.0)
    >>> try:
    ...     parse_mu_settings({"weights": {"tax_per_mu": 1}, "thresholds": {"A": 80, "B": 50, "C": 20},
    ...                        "colour": "red"})
    ... except ConfigError as err:
    ...     print(err.param, "|", err.reason)
    colour | mu_evaluation.yaml: 未知的键 colour = 'red' / unknown key colour = 'red'; expected weights,
    thresholds

    References
    ----------
    .. [1] 浙江省人民政府 (2018). 关于深化“亩均论英雄”改革的指导意见 (浙政发〔2018〕5号).
    .. [2] 台州市黄岩区深化“亩均论英雄”改革工作领导小组办公室 (2022, 2023). 工业企业综合评价得分计算说明
       (亩均税收 30、亩均增加值 20、单位能耗增加值 20、单位排放增加值 10、全员劳动生产率 10、R&D 占比 10).
    """
    if not isinstance(mapping, Mapping):
        raise ConfigError(
            f"{source}: 应为包含 weights 与 thresholds 的映射 / expected a mapping with weights and thresholds, "
            f"got {type(mapping).__name__}",
            param=source,
        )
    for key in mapping:
        if key not in ("weights", "thresholds"):
            raise ConfigError(
                f"{source}: 未知的键 {key} = {mapping[key]!r} / unknown key {key} = {mapping[key]!r}; expected "
                f"weights, thresholds",
                param=str(key),
            )
    weights_raw = mapping.get("weights")
    thresholds_raw = mapping.get("thresholds")
    for key, raw, allowed in (
        ("weights", weights_raw, MU_INDICATORS),
        ("thresholds", thresholds_raw, GRADES[:-1]),
    ):
        if not isinstance(raw, Mapping):
            raise ConfigError(
                f"{source}: {key} = {raw!r}：应为映射 / {key} = {raw!r}: expected a mapping of "
                f"{', '.join(allowed)}",
                param=key,
            )
        for sub in raw:
            if sub not in allowed:
                raise ConfigError(
                    f"{source}: 未知的键 {key}.{sub} = {raw[sub]!r} / unknown key {key}.{sub} = {raw[sub]!r}; "
                    f"expected one of {', '.join(allowed)}",
                    param=f"{key}.{sub}",
                )
        for sub in allowed:
            if sub not in raw:
                raise ConfigError(
                    f"{source}: 缺少 {key}.{sub} / {key}.{sub} is missing; write every one of "
                    f"{', '.join(allowed)}" + (" (0 leaves an indicator out)" if key == "weights" else ""),
                    param=f"{key}.{sub}",
                )
    assert isinstance(weights_raw, Mapping) and isinstance(thresholds_raw, Mapping)
    weights: dict[str, float] = {}
    for name in MU_INDICATORS:
        key = f"weights.{name}"
        w = _setting_number(weights_raw[name], source, key, "权重应为不小于 0 的数", "a number >= 0")
        if w < 0:
            raise ConfigError(
                f"{source}: {key} = {weights_raw[name]!r}：权重应为不小于 0 的数 / {key} = "
                f"{weights_raw[name]!r}: expected a number >= 0",
                param=key,
            )
        weights[name] = w
    total = math.fsum(weights.values())
    if abs(total - 1) > 1e-9:
        raise ConfigError(
            f"{source}: weights 合计为 {total:g}，应为 1 / weights = {weights} add up to {total:g}; expected 1",
            param="weights",
        )
    thresholds: dict[str, float] = {}
    for grade in GRADES[:-1]:
        key = f"thresholds.{grade}"
        t = _setting_number(thresholds_raw[grade], source, key, "应为 0–100 的百分位", "a percentile 0-100")
        if not 0 <= t <= 100:
            raise ConfigError(
                f"{source}: {key} = {thresholds_raw[grade]!r}：应为 0–100 的百分位 / {key} = "
                f"{thresholds_raw[grade]!r}: expected a percentile between 0 and 100",
                param=key,
            )
        thresholds[grade] = t
    for hi, lo in itertools.pairwise(GRADES[:3]):
        if not thresholds[hi] > thresholds[lo]:
            raise ConfigError(
                f"{source}: thresholds.{hi} = {thresholds_raw[hi]!r} 应高于 thresholds.{lo} = "
                f"{thresholds_raw[lo]!r} / thresholds.{hi} = {thresholds_raw[hi]!r} must be above "
                f"thresholds.{lo} = {thresholds_raw[lo]!r} (expected A > B > C)",
                param=f"thresholds.{hi}",
            )
    return MuSettings(weights=weights, thresholds=thresholds, source=source)


def load_mu_settings(text: str | None = None, source: str | None = None) -> MuSettings:
    """The 亩均效益 settings: the shipped ``data/cooperation/mu_evaluation.yaml``, or a given YAML text.

    Parameters
    ----------
    text : str, optional
        YAML text of a settings file (a place's own, read by the caller); None reads the shipped file.
    source : str, optional
        The name errors give the file (default: ``mu_evaluation.yaml``).

    Returns
    -------
    MuSettings
        Checked by :func:`parse_mu_settings`.

    Raises
    ------
    ConfigError
        The text is not YAML, or :func:`parse_mu_settings` refuses it.

    Notes
    -----
    The shipped file weights tax per 亩 0.30, value added per 亩 0.25, value added per unit of energy, R&D
    intensity and labour productivity 0.15 each, and grades A at the 80th percentile of the score, B at the
    50th and C at the 20th; its comments say which of these follow Zhejiang's practice and which are this
    system's assumptions. The file is read through :mod:`importlib.resources`, so it works from a wheel.

    Examples
    --------
    >>> s = load_mu_settings()
    >>> dict(s.weights), dict(s.thresholds)
    ({'tax_per_mu': 0.3, 'va_per_mu': 0.25, 'va_per_energy': 0.15, 'rd_intensity': 0.15,
      'labour_productivity': 0.15}, {'A': 80.0, 'B': 50.0, 'C': 20.0})

    References
    ----------
    .. [1] 浙江省人民政府 (2018). 关于深化“亩均论英雄”改革的指导意见 (浙政发〔2018〕5号).
    .. [2] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二) (飞地效益评估机制).
    """
    name = source or _SHIPPED
    if text is None:
        text = (
            resources.files("chainatlas")
            .joinpath("data", "cooperation", _SHIPPED)
            .read_text(encoding="utf-8")
        )
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: 不是有效的 YAML / not valid YAML: {exc}", param=name) from None
    return parse_mu_settings(parsed, name)


def _percentile_rank(values: pd.Series, groups: list[pd.Series]) -> pd.Series:
    """(rank − 0.5) / n × 100 within groups over the known values (average ranks for ties)."""
    g = values.groupby(groups, sort=False, dropna=False)
    rank = g.rank(method="average")
    n = g.transform("count")
    return 100 * (rank - 0.5) / n


def mu_grades(
    indicators: pd.DataFrame, settings: MuSettings | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Scores, ranks, grades A–D and leaders of enclaves within their type and year.

    Parameters
    ----------
    indicators : DataFrame
        :func:`mu_indicators`' result (``enclave_id``, ``period``, ``enclave_type`` and the indicators of
        :data:`MU_INDICATORS`, NaN for unknown).
    settings : MuSettings or dict, optional
        Weights and thresholds; a dict is checked by :func:`parse_mu_settings`; None reads the shipped file.

    Returns
    -------
    DataFrame
        :data:`MU_GRADE_COLUMNS` in the order of ``indicators``: the indicators, each one's percentile rank
        ``<indicator>_pct`` (0–100) within type and year, ``weight_used`` (the weights of the known
        indicators), ``missing`` (the weighted indicators that are unknown, ``;``-separated, ``""`` if none),
        ``score`` (0–100), ``score_pct`` (the score's percentile rank), ``peers`` (scored enclaves of the
        type-year), ``rank`` (1 = best; ties share the better rank), ``grade`` (``A``–``D``) and ``leader``
        (rank 1). An enclave with no known weighted indicator has no score, rank or grade.

    Raises
    ------
    ConfigError
        A column is missing or the settings are refused.

    Notes
    -----
    Within a type and year with :math:`n_i` known values of indicator :math:`i`, the percentile rank of a
    value with :math:`b` values below it and :math:`e` equal to it (itself included) is

    .. math:: p_i = 100 \\, \\frac{b + e/2}{n_i} = 100 \\, \\frac{r - 1/2}{n_i}

    with :math:`r` its average rank (the mid-rank percentile; a lone enclave sits at 50). The score
    renormalises the weights over the known indicators :math:`K`:

    .. math:: S = \\frac{\\sum_{i \\in K} w_i p_i}{\\sum_{i \\in K} w_i}

    The grade compares the score's own percentile rank within type and year with the thresholds: ``A`` at or
    above ``thresholds.A`` (80), ``B`` at or above ``B`` (50), ``C`` at or above ``C`` (20), else ``D``.
    Ranks are unchanged by any increasing transformation of an indicator (units, scale), so the grades are
    too. Scores are compared after rounding to :math:`10^{-9}`, so float noise cannot split a tie.

    Examples
    --------
    >>> ind = pd.DataFrame({"enclave_id": ["E1", "E2", "E3"], "period": ["2023"] * 3,
    ...                     "enclave_type": ["industrial"] * 3, "tax_per_mu": [30.0, 20.0, 10.0],
    ...                     "va_per_mu": [150.0, 120.0, 90.0], "va_per_energy": [2.0, 3.0, 1.0],
    ...                     "rd_intensity": [0.03, 0.02, None], "labour_productivity": [60.0, 50.0, 40.0]})
    >>> out = mu_grades(ind)
    >>> out[["enclave_id", "score", "rank", "grade", "leader", "missing"]].round(2).values.tolist()
    [['E1', 77.08, 1, 'A', True, ''], ['E2', 51.25, 2, 'B', False, ''],
     ['E3', 16.67, 3, 'D', False, 'rd_intensity']]

    References
    ----------
    .. [1] 浙江省人民政府 (2018). 关于深化“亩均论英雄”改革的指导意见 (浙政发〔2018〕5号): 亩产效益综合评价
       and 资源要素差别化政策 by the evaluation's tiers.
    .. [2] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 四(二): 由飞出地、飞入地各自评审，
       获同时支持且亩均效益领先的飞地可优先保障规模.
    .. [3] Crocker, L. and Algina, J. (1986). Introduction to Classical and Modern Test Theory, ch. 19
       (percentile ranks :math:`(cf_{below} + f/2)/N`).
    """
    require_frame(indicators, "indicators")
    require_columns(indicators, ["enclave_id", "period", "enclave_type", *MU_INDICATORS], "indicators")
    if settings is None:
        settings = load_mu_settings()
    elif not isinstance(settings, MuSettings):
        settings = parse_mu_settings(settings, "settings")
    weights = settings.weights
    thresholds = settings.thresholds
    n = len(indicators)
    out = pd.DataFrame(
        {c: indicators[c].to_numpy() for c in ("enclave_id", "period", "enclave_type")},
        index=pd.RangeIndex(n),
    )
    groups = [out["enclave_type"], out["period"].astype("string")]
    num = np.zeros(n)
    den = np.zeros(n)
    missing: list[list[str]] = [[] for _ in range(n)]
    for name in MU_INDICATORS:
        values = pd.Series(_numbers(indicators, name, "indicators"), index=out.index)
        out[name] = values
        pct = _percentile_rank(values, groups)
        out[f"{name}_pct"] = pct
        w = weights[name]
        if w <= 0:
            continue
        known = values.notna().to_numpy()
        num += np.where(known, w * pct.to_numpy(dtype=float, na_value=np.nan), 0.0)
        den += np.where(known, w, 0.0)
        for i in np.flatnonzero(~known):
            missing[i].append(name)
    score = np.full(n, np.nan)
    np.divide(num, den, out=score, where=den > 0)
    out["weight_used"] = den
    out["missing"] = [";".join(m) for m in missing]
    out["score"] = score
    key = pd.Series(np.round(score, 9), index=out.index)
    out["score_pct"] = _percentile_rank(key, groups)
    gb = key.groupby(groups, sort=False, dropna=False)
    out["peers"] = gb.transform("count").astype("int64")
    out["rank"] = gb.rank(method="min", ascending=False).astype("Int64")
    sp = out["score_pct"].to_numpy(dtype=float, na_value=np.nan)
    grade = np.select(
        [sp >= thresholds["A"] - _EPS, sp >= thresholds["B"] - _EPS, sp >= thresholds["C"] - _EPS, sp >= 0],
        ["A", "B", "C", "D"],
        default="",
    )
    out["grade"] = pd.Series(grade, index=out.index, dtype=object).where(~np.isnan(score), None)
    out["leader"] = out["rank"].eq(1).fillna(False).astype(bool)
    return out[list(MU_GRADE_COLUMNS)]


# ------------------------------------------------------------------------------------------------ tax sharing
def agreement_tax(records: pd.DataFrame) -> pd.DataFrame:
    """Tax records summed per sharing agreement and year: the tax paid and the part realised to the sharer.

    Parameters
    ----------
    records : DataFrame
        Tax records with ``agreement_id`` (blank: under no agreement, ignored), ``period`` (years),
        ``tax_paid`` (万元) and ``share_pct`` (the share passed to ``shared_to_adcode``, 0–100).

    Returns
    -------
    DataFrame
        ``agreement_id``, ``period`` (as written in ``records``), ``tax`` (Σ tax_paid), ``realised``
        (Σ tax_paid × share_pct / 100) and ``records`` (count), sorted by agreement and year: the
        ``tax_by_agreement_year`` of :func:`tax_split`.

    Raises
    ------
    ConfigError
        A column is missing, a period is not a year, or a number is out of range.

    Notes
    -----
    :math:`tax_{a,t} = \\sum_{r} tax\\_paid_r` and :math:`realised_{a,t} = \\sum_r tax\\_paid_r\\,
    share_r / 100` over the records :math:`r` of agreement :math:`a` in year :math:`t`. A sum over a record
    whose amount (or, for ``realised``, share) is unknown is unknown (NaN): the year's split cannot be judged.

    Examples
    --------
    >>> records = pd.DataFrame({"agreement_id": ["T1", "T1", None], "period": ["2023"] * 3,
    ...                         "tax_paid": [600.0, 400.0, 50.0], "share_pct": [40.0, 40.0, None]})
    >>> agreement_tax(records).values.tolist()
    [['T1', '2023', 1000.0, 400.0, 2]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 二(二): “资本+税收”分配机制 ...
       对新设企业税收增量跨地区分享.
    """
    require_frame(records, "records")
    require_columns(records, ["agreement_id", "period", "tax_paid", "share_pct"], "records")
    aid = _text(records["agreement_id"])
    keep = aid.notna().to_numpy(dtype=bool)
    sub = records.loc[keep]
    tax = _numbers(sub, "tax_paid", "records")
    share = _numbers(sub, "share_pct", "records", high=100)
    work = pd.DataFrame(
        {
            "agreement_id": aid[keep].to_numpy(),
            "period": sub["period"].to_numpy(),
            "year": _years(sub["period"], "records"),
            "tax": tax,
            "realised": tax * share / 100,
        }
    )
    rows = []
    for (a, _y), g in work.groupby(["agreement_id", "year"], sort=True):
        rows.append(
            {
                "agreement_id": a,
                "period": g["period"].iloc[0],
                "tax": g["tax"].sum(skipna=False),
                "realised": g["realised"].sum(skipna=False),
                "records": len(g),
            }
        )
    return _frame(rows, ("agreement_id", "period", "tax", "realised", "records"))


def capital_shares(arrangements: pd.DataFrame, shareholders: pd.DataFrame) -> pd.DataFrame:
    """The sharing place's paid-in share of an enclave operator's capital, for ``capital`` arrangements.

    Parameters
    ----------
    arrangements : DataFrame
        The ``tax_sharing`` rows: ``agreement_id``, ``basis``, ``enclave_id``, ``sharing_adcode``.
    shareholders : DataFrame
        The ``enclave_shareholders`` rows: ``enclave_id``, ``period``, ``adcode`` (the shareholder's place),
        ``share_pct`` and ``paid_in`` (万元).

    Returns
    -------
    DataFrame
        ``agreement_id``, ``period`` (the shareholder periods of the arrangement's enclave), ``share_pct``
        (0–100) and ``from`` (``paid_in`` or ``share_pct``: what the share was computed from), sorted: the
        ``capital_shares`` of :func:`tax_split`, which reads each year's latest period at or before it.

    Raises
    ------
    ConfigError
        A column is missing, a code is not an administrative code, or a number is out of range.

    Notes
    -----
    With :math:`S` the shareholders placed in the sharing place (a place matches every code under it), the
    share is :math:`100 \\sum_{s \\in S} paid_s / \\sum_s paid_s` when every shareholder's paid-in capital is
    known, else :math:`\\sum_{s \\in S} share_s` when every registered share is known, else unknown (NaN). A
    shareholder with capital but no place leaves the share unknown: it could be the sharing place's.

    Examples
    --------
    >>> arr = pd.DataFrame({"agreement_id": ["T2"], "basis": ["capital"], "enclave_id": ["E1"],
    ...                     "sharing_adcode": ["330800"]})
    >>> holders = pd.DataFrame({"enclave_id": ["E1", "E1"], "period": ["2023", "2023"],
    ...                         "adcode": ["330802", "330100"], "share_pct": [60.0, 40.0],
    ...                         "paid_in": [3_000.0, 1_000.0]})
    >>> capital_shares(arr, holders).values.tolist()
    [['T2', '2023', 75.0, 'paid_in']]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 二(二): “资本+税收”与“资本+股权”
       分配机制.
    """
    require_frame(arrangements, "arrangements")
    require_frame(shareholders, "shareholders")
    require_columns(arrangements, ["agreement_id", "basis", "enclave_id", "sharing_adcode"], "arrangements")
    require_columns(shareholders, ["enclave_id", "period", "adcode", "share_pct", "paid_in"], "shareholders")
    share = _numbers(shareholders, "share_pct", "shareholders", high=100)
    paid = _numbers(shareholders, "paid_in", "shareholders")
    codes = [_code6(c, "shareholders") for c in shareholders["adcode"].tolist()]
    holders = pd.DataFrame(
        {
            "enclave_id": _text(shareholders["enclave_id"]).to_numpy(),
            "period": shareholders["period"].to_numpy(),
            "year": _years(shareholders["period"], "shareholders"),
            "code": codes,
            "share": share,
            "paid": paid,
        }
    )
    rows = []
    for r in arrangements.itertuples(index=False):
        if r.basis != "capital":
            continue
        prefix = _prefix(r.sharing_adcode, "arrangements")
        eid = None if pd.isna(r.enclave_id) else str(r.enclave_id).strip()
        for _y, g in holders[holders["enclave_id"] == eid].groupby("year", sort=True):
            inside = np.array(
                [c is not None and prefix is not None and c.startswith(prefix) for c in g["code"]]
            )
            unplaced = np.array([c is None for c in g["code"]])
            p, s = g["paid"].to_numpy(), g["share"].to_numpy()
            value, basis = np.nan, None
            if not np.isnan(p).any() and p.sum() > 0:
                if not (unplaced & (p > 0)).any():
                    value, basis = 100 * p[inside].sum() / p.sum(), "paid_in"
            elif not np.isnan(s).any() and not (unplaced & (s > 0)).any():
                value, basis = float(s[inside].sum()), "share_pct"
            rows.append(
                {
                    "agreement_id": r.agreement_id,
                    "period": g["period"].iloc[0],
                    "share_pct": value,
                    "from": basis,
                }
            )
    return _frame(rows, ("agreement_id", "period", "share_pct", "from"))


def _optional_year(value: object, param: str) -> int | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _year(value, param)


def _optional_number(value: object, param: str, what: str, high: float | None = None) -> float:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return np.nan
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(
            f"{what} = {value!r} 不是数字 / expected a number, got {value!r}", param=param
        ) from None
    if not math.isfinite(v) or v < 0 or (high is not None and v > high):
        upper = f" <= {_fmt(high)}" if high is not None else ""
        raise ConfigError(
            f"{what} = {value!r} 超出范围 / expected a number >= 0{upper}, got {value!r}", param=param
        )
    return v


def tax_split(
    arrangements: pd.DataFrame,
    tax_by_agreement_year: pd.DataFrame,
    capital_shares: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Agreed versus realised tax split of each sharing arrangement (资本+税收), per year.

    Parameters
    ----------
    arrangements : DataFrame
        The ``tax_sharing`` rows: ``agreement_id``, ``basis`` (``increment`` 增量分成, ``total`` 全额分成,
        ``capital`` 按出资比例), ``start_year``; optionally ``enclave_id``, ``collecting_adcode``,
        ``sharing_adcode``, ``base_year`` and ``base_amount`` (increment), ``share_pct`` (increment, total;
        0–100), ``cap`` (万元 a year; blank = none), ``end_year`` and ``duration_years`` (blank end: start +
        duration − 1, else open).
    tax_by_agreement_year : DataFrame
        ``agreement_id``, ``period`` (years), ``tax`` and ``realised`` per agreement and year, as
        :func:`agreement_tax` returns.
    capital_shares : DataFrame, optional
        ``agreement_id``, ``period``, ``share_pct``: the sharing side's paid-in share, as the function
        :func:`chainatlas.analytics.cooperation.capital_shares` returns; each year reads the latest period at
        or before it. Required when an arrangement's basis is ``capital``.

    Returns
    -------
    DataFrame
        :data:`TAX_SPLIT_COLUMNS`, one row per arrangement and year — the years with records, and the years of
        the term up to the last year of ``tax_by_agreement_year`` — sorted by agreement and year: ``in_term``;
        ``tax``; ``base`` (increment); ``share_pct`` applied; ``agreed_share``; ``cap``; ``capped`` =
        min(agreed_share, cap); ``cap_binding``; ``realised``; ``gap`` = realised − capped; ``status``
        (``ok`` within 0.5 % of the agreed amount — outside the term: nothing shared —, ``under``, ``over``,
        ``outside_term`` for tax shared outside the term — nothing is agreed there, so any realised share is a
        gap; a base year's records before the term with nothing shared are ``ok`` —, ``no_records`` for a year of
        the term without records, ``unknown`` when the agreed or realised amount is unknown); and a
        ``message`` ("中文 / English") for every status but ``ok``.

    Raises
    ------
    ConfigError
        A column is missing, a basis is unknown, a year or number is malformed, an agreement appears twice,
        the end precedes the start, or a ``capital`` arrangement is given no ``capital_shares``.

    Notes
    -----
    With tax :math:`T_t`, share :math:`s` (%), base :math:`B` (``base_amount``, else the agreement's tax in
    ``base_year``) and cap :math:`C`:

    .. math::

        agreed_t = \\frac{s}{100} \\times
        \\begin{cases} \\max(0, T_t - B) & \\text{increment} \\\\ T_t & \\text{total, capital} \\end{cases},
        \\qquad capped_t = \\min(agreed_t, C)

    for the years :math:`start \\le t \\le end`, and 0 outside. ``ok`` means :math:`|realised_t - capped_t|
    \\le 0.005\\, capped_t` (and a 10⁻⁹ guard for a zero agreement).

    Examples
    --------
    >>> arr = pd.DataFrame({"agreement_id": ["T1"], "basis": ["increment"], "base_year": ["2020"],
    ...                     "share_pct": [50.0], "cap": [300.0], "start_year": ["2021"],
    ...                     "end_year": ["2022"]})
    >>> tax = pd.DataFrame({"agreement_id": ["T1"] * 3, "period": ["2020", "2021", "2022"],
    ...                     "tax": [1000.0, 1400.0, 2000.0], "realised": [0.0, 200.0, 300.0]})
    >>> tax_split(arr, tax)[["period", "agreed_share", "capped", "realised", "status"]].values.tolist()
    [['2020', 0.0, 0.0, 0.0, 'ok'], ['2021', 200.0, 200.0, 200.0, 'ok'],
     ['2022', 500.0, 300.0, 300.0, 'ok']]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 二(二): “资本+税收”分配机制 ...
       对新设企业税收增量跨地区分享; section 三(一): 宁淮特别合作区 ... 实现增量税收分成.
    """
    require_frame(arrangements, "arrangements")
    require_frame(tax_by_agreement_year, "tax_by_agreement_year")
    require_columns(arrangements, ["agreement_id", "basis", "start_year"], "arrangements")
    require_columns(
        tax_by_agreement_year, ["agreement_id", "period", "tax", "realised"], "tax_by_agreement_year"
    )
    _unique_key(arrangements, ["agreement_id"], "arrangements")
    table = pd.DataFrame(
        {
            "agreement_id": _text(tax_by_agreement_year["agreement_id"]).to_numpy(),
            "period": tax_by_agreement_year["period"].to_numpy(),
            "year": _years(tax_by_agreement_year["period"], "tax_by_agreement_year"),
            "tax": _numbers(tax_by_agreement_year, "tax", "tax_by_agreement_year"),
            "realised": _numbers(tax_by_agreement_year, "realised", "tax_by_agreement_year"),
        }
    )
    _unique_key(table, ["agreement_id", "year"], "tax_by_agreement_year")
    last_year = int(table["year"].max()) if len(table) else None
    as_text = bool(len(table)) and isinstance(table["period"].iloc[0], str)
    shares_by: dict[str, list[tuple[int, float]]] = {}
    if capital_shares is not None:
        require_frame(capital_shares, "capital_shares")
        require_columns(capital_shares, ["agreement_id", "period", "share_pct"], "capital_shares")
        cs_years = _years(capital_shares["period"], "capital_shares")
        cs_share = _numbers(capital_shares, "share_pct", "capital_shares", high=100)
        for a, y, s in zip(_text(capital_shares["agreement_id"]).tolist(), cs_years, cs_share, strict=True):
            shares_by.setdefault(a, []).append((int(y), float(s)))
        for v in shares_by.values():
            v.sort()

    def col(row: Mapping[str, Any], name: str) -> Any:
        return row.get(name) if name in arrangements.columns else None

    rows: list[dict[str, Any]] = []
    for row in arrangements.to_dict("records"):
        aid = str(row["agreement_id"]).strip()
        where = f"arrangements[{aid}]"
        basis = row["basis"]
        if basis not in _BASES:
            raise ConfigError(
                f"协议 {aid} 的分成方式 {basis!r} 未知 / agreement {aid}: expected basis one of {list(_BASES)}, "
                f"got {basis!r}",
                param=f"{where}.basis",
            )
        start = _optional_year(row["start_year"], f"{where}.start_year")
        if start is None:
            raise ConfigError(
                f"协议 {aid} 缺少起始年份 / agreement {aid}: start_year is missing", param=where
            )
        end = _optional_year(col(row, "end_year"), f"{where}.end_year")
        duration = _optional_number(col(row, "duration_years"), f"{where}.duration_years", "duration_years")
        if end is None and not np.isnan(duration):
            end = start + int(duration) - 1
        if end is not None and end < start:
            raise ConfigError(
                f"协议 {aid} 的截止年份 {end} 早于起始年份 {start} / agreement {aid}: the term ends ({end}) before "
                f"it starts ({start})",
                param=f"{where}.end_year",
            )
        share = _optional_number(col(row, "share_pct"), f"{where}.share_pct", "share_pct", 100)
        cap = _optional_number(col(row, "cap"), f"{where}.cap", "cap")
        base_amount = _optional_number(col(row, "base_amount"), f"{where}.base_amount", "base_amount")
        base_year = _optional_year(col(row, "base_year"), f"{where}.base_year")
        if basis == "capital" and capital_shares is None:
            raise ConfigError(
                f"协议 {aid} 按出资比例分成，需要 capital_shares / agreement {aid} shares by capital: pass "
                f"capital_shares (see cooperation.capital_shares)",
                param="capital_shares",
            )
        mine = table[table["agreement_id"] == aid]
        recs = {int(r.year): r for r in mine.itertuples(index=False)}
        base = np.nan
        if basis == "increment":
            if not np.isnan(base_amount):
                base = base_amount
            elif base_year is not None and base_year in recs:
                base = recs[base_year].tax
        years = set(recs)
        if last_year is not None:
            years |= set(range(start, (last_year if end is None else min(end, last_year)) + 1))
        for y in sorted(years):
            rec = recs.get(y)
            in_term = start <= y and (end is None or y <= end)
            tax = rec.tax if rec is not None else np.nan
            realised = rec.realised if rec is not None else np.nan
            applied = share
            if basis == "capital":
                applied = np.nan
                for py, s in shares_by.get(aid, []):
                    if py <= y:
                        applied = s
            if not in_term:
                agreed = 0.0
            elif basis == "increment":
                agreed = applied / 100 * max(0.0, tax - base) if not np.isnan(tax - base) else np.nan
            else:
                agreed = applied / 100 * tax
            capped = min(agreed, cap) if not (np.isnan(cap) or np.isnan(agreed)) else agreed
            binding: Any = pd.NA if np.isnan(agreed) else bool(not np.isnan(cap) and agreed > cap)
            gap = realised - capped
            status, message = _split_status(in_term, rec is not None, capped, realised, gap, start, end)
            period: Any = rec.period if rec is not None else (f"{y:04d}" if as_text else y)
            rows.append(
                {
                    "agreement_id": aid,
                    "enclave_id": col(row, "enclave_id"),
                    "collecting_adcode": col(row, "collecting_adcode"),
                    "sharing_adcode": col(row, "sharing_adcode"),
                    "basis": basis,
                    "period": period,
                    "in_term": in_term,
                    "tax": tax,
                    "base": base,
                    "share_pct": applied,
                    "agreed_share": agreed,
                    "cap": cap,
                    "capped": capped,
                    "cap_binding": binding,
                    "realised": realised,
                    "gap": gap,
                    "status": status,
                    "message": message,
                }
            )
    out = _frame(rows, TAX_SPLIT_COLUMNS)
    if len(out):
        out["cap_binding"] = out["cap_binding"].astype("boolean")
        out["in_term"] = out["in_term"].astype(bool)
    return out


def _split_status(
    in_term: bool, has_records: bool, capped: float, realised: float, gap: float, start: int, end: int | None
) -> tuple[str, str]:
    term = f"{start}–{end if end is not None else ''}"
    if not in_term and has_records and not np.isnan(realised) and abs(realised) <= _EPS:
        # nothing agreed and nothing shared: a base year's records before the term, or a year after it
        return "ok", ""
    if not in_term and has_records and np.isnan(realised):
        return "unknown", (
            f"协议期（{term}）外的纳税记录，实际分享额未知 / records outside the term {term}: the amount shared is "
            "unknown"
        )
    if not in_term:
        return "outside_term", (
            f"协议期（{term}）外的分享记录，实际分享 {_fmt(realised)} 万元 / records outside the term {term}: "
            f"{_fmt(realised)} 万元 shared"
        )
    if not has_records:
        return "no_records", "协议期内该年度没有纳税记录 / no tax records in a year of the term"
    if np.isnan(capped) or np.isnan(realised):
        return "unknown", (
            "约定或实际分享额未知（缺少税额、基数或比例） / the agreed or realised amount is unknown (a tax, "
            "base or share is missing)"
        )
    if abs(gap) <= TAX_TOLERANCE * abs(capped) + _EPS:
        return "ok", ""
    if gap < 0:
        return "under", (
            f"实际分享 {_fmt(realised)} 万元，少于约定 {_fmt(capped)} 万元 {_fmt(-gap)} 万元 / {_fmt(realised)} "
            f"万元 shared, {_fmt(-gap)} 万元 less than the {_fmt(capped)} 万元 agreed"
        )
    return "over", (
        f"实际分享 {_fmt(realised)} 万元，多于约定 {_fmt(capped)} 万元 {_fmt(gap)} 万元 / {_fmt(realised)} 万元 "
        f"shared, {_fmt(gap)} 万元 more than the {_fmt(capped)} 万元 agreed"
    )


# ------------------------------------------------------------------------------------------------ vouchers
@dataclass(frozen=True)
class VoucherFlows:
    """Innovation-voucher redemptions across places and the effect of mutual recognitions.

    Attributes
    ----------
    flows : DataFrame
        :data:`FLOW_COLUMNS`, one row per (issuer_province, provider_province, year, cross_province,
        recognised): ``count``, ``value`` (万元; Σ redeemed value, else face value), ``by_user`` and
        ``by_provider`` (redemptions in each mode). Provinces are 6-digit codes (``330000``).
    effect : DataFrame
        :data:`EFFECT_COLUMNS`, one row per recognition: redemptions between its two places in the 12 months
        before ``start`` and the 12 months from ``start`` (count and value) and the ratios after / before
        (NaN when nothing came before).
    unrecognised : DataFrame
        :data:`UNRECOGNISED_COLUMNS`: each redemption across a provincial border with no recognition in force
        on its day (rule ``unrecognised``, a breach of the rules of 互认互通).
    """

    flows: pd.DataFrame
    effect: pd.DataFrame
    unrecognised: pd.DataFrame


def _dates(frame: pd.DataFrame, column: str, param: str, *, optional: bool) -> pd.Series:
    if column not in frame.columns:
        if optional:
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        require_columns(frame, [column], param)
    raw = frame[column]
    blank = raw.isna() | raw.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_datetime(raw.where(~blank), errors="coerce", format="mixed")
    bad = parsed.isna() & ~blank
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])
        raise ConfigError(
            f"第 {at} 行（从 0 计） {column} = {raw.iloc[at]!r} 不是日期 / row {at} (from 0): expected a "
            f"date (2023-04-01) in column {column!r}, got {raw.iloc[at]!r}",
            param=param,
        )
    if not optional and blank.any():
        at = int(np.flatnonzero(np.asarray(blank, dtype=bool))[0])
        raise ConfigError(
            f"第 {at} 行（从 0 计）缺少 {column} / row {at} (from 0): {column} is missing", param=param
        )
    return parsed.dt.normalize()


def voucher_flows(vouchers: pd.DataFrame, recognitions: pd.DataFrame) -> VoucherFlows:
    """Innovation-voucher (创新券) redemptions between provinces, before and after mutual recognition.

    Parameters
    ----------
    vouchers : DataFrame
        ``voucher_id``, ``issuer_adcode`` (发券地), ``provider_adcode`` (the service provider's place),
        ``redeemed`` (date; blank = not redeemed, left out), and optionally ``redeemed_value``,
        ``face_value`` (万元) and ``redeem_mode`` (``user`` 使用方兑付 or ``provider`` 服务方兑付).
    recognitions : DataFrame
        ``agreement_id``, ``adcode_a``, ``adcode_b`` (places of 2, 4 or 6 digits, or 6-digit codes of a
        province or city: a place matches every code under it), ``start`` (date) and optionally ``end``
        (date; blank = open).

    Returns
    -------
    VoucherFlows
        ``flows``, ``effect`` and ``unrecognised`` (see :class:`VoucherFlows`).

    Raises
    ------
    ConfigError
        A column is missing, a date or code is malformed, or a number is out of range.

    Notes
    -----
    A recognition is mutual: a redemption on day :math:`d` is ``recognised`` when some recognition has
    :math:`start \\le d \\le end` and the issuer lies in one of its places and the provider in the other.
    A redemption is *cross-province* when the issuer's and the provider's provinces differ; one that is not
    recognised is listed in ``unrecognised``. The effect of a recognition counts the redemptions between its
    two places (either way) on days :math:`start - 12\\,\\text{months} \\le d < start` (before) and
    :math:`start \\le d < start + 12\\,\\text{months}` (after): a redemption on the day of ``start`` is
    after, one the day before is before. A redemption's value is its redeemed value, else its face value.

    Examples
    --------
    >>> vouchers = pd.DataFrame({"voucher_id": ["V1", "V2", "V3"], "issuer_adcode": ["330100"] * 3,
    ...                          "provider_adcode": ["310104", "310104", "320500"],
    ...                          "redeemed": ["2023-06-30", "2023-07-01", "2023-07-02"],
    ...                          "redeemed_value": [10.0, 20.0, 5.0]})
    >>> recognitions = pd.DataFrame({"agreement_id": ["R1"], "adcode_a": ["330000"], "adcode_b": ["31"],
    ...                              "start": ["2023-07-01"]})
    >>> result = voucher_flows(vouchers, recognitions)
    >>> result.effect[["before_count", "after_count"]].values.tolist(), result.effect["count_ratio"].tolist()
    ([[1, 1]], [1.0])
    >>> result.effect[["before_value", "after_value"]].values.tolist()
    [[10.0, 20.0]]
    >>> result.unrecognised["voucher_id"].tolist()
    ['V1', 'V3']

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, section 二(二): 研发服务，如科技服务资源
       共享机制、创新券跨区域互认互通机制; section 三(一): 协同建立“科技创新券统一服务平台”.
    """
    require_frame(vouchers, "vouchers")
    require_frame(recognitions, "recognitions")
    require_columns(vouchers, ["voucher_id", "issuer_adcode", "provider_adcode", "redeemed"], "vouchers")
    require_columns(recognitions, ["agreement_id", "adcode_a", "adcode_b", "start"], "recognitions")
    redeemed = _dates(vouchers, "redeemed", "vouchers", optional=True)
    keep = redeemed.notna().to_numpy(dtype=bool)
    v = vouchers.loc[keep]
    dates = redeemed[keep].reset_index(drop=True)
    value = _numbers(v, "redeemed_value", "vouchers")
    face = _numbers(v, "face_value", "vouchers")
    value = np.where(np.isnan(value), face, value)
    issuer = [_code6(c, "vouchers") for c in v["issuer_adcode"].tolist()]
    provider = [_code6(c, "vouchers") for c in v["provider_adcode"].tolist()]
    mode = _text(v["redeem_mode"]) if "redeem_mode" in v.columns else pd.Series(pd.NA, index=v.index)
    bad_mode = mode.notna() & ~mode.isin(("user", "provider"))
    if bad_mode.any():
        at = int(np.flatnonzero(bad_mode.to_numpy(dtype=bool))[0])
        raise ConfigError(
            f"兑付方式 {mode.iloc[at]!r} 未知 / expected redeem_mode user or provider, got {mode.iloc[at]!r}",
            param="vouchers",
        )
    rec_start = _dates(recognitions, "start", "recognitions", optional=False)
    rec_end = _dates(recognitions, "end", "recognitions", optional=True)
    pa = [_prefix(c, "recognitions") for c in recognitions["adcode_a"].tolist()]
    pb = [_prefix(c, "recognitions") for c in recognitions["adcode_b"].tolist()]
    if any(p is None for p in (*pa, *pb)):
        raise ConfigError(
            "互认协议缺少地区代码 / a recognition is missing adcode_a or adcode_b", param="recognitions"
        )

    def under(codes: list[str | None], prefix: str) -> np.ndarray:
        return np.array([c is not None and c.startswith(prefix) for c in codes], dtype=bool)

    n = len(v)
    d = dates.to_numpy()
    recognised = np.zeros(n, dtype=bool)
    effect_rows = []
    for k in range(len(recognitions)):
        a, b = pa[k], pb[k]
        assert a is not None and b is not None
        between = (under(issuer, a) & under(provider, b)) | (under(issuer, b) & under(provider, a))
        start = rec_start.iloc[k]
        end = rec_end.iloc[k]
        in_force = d >= start.to_datetime64()
        if not pd.isna(end):
            in_force &= d <= end.to_datetime64()
        recognised |= between & in_force
        lo = (start - pd.DateOffset(months=12)).to_datetime64()
        hi = (start + pd.DateOffset(months=12)).to_datetime64()
        before = between & (d >= lo) & (d < start.to_datetime64())
        after = between & (d >= start.to_datetime64()) & (d < hi)
        bc, ac = int(before.sum()), int(after.sum())
        bv = float(np.nansum(value[before])) if before.any() else 0.0
        av = float(np.nansum(value[after])) if after.any() else 0.0
        effect_rows.append(
            {
                "agreement_id": recognitions["agreement_id"].iloc[k],
                "adcode_a": recognitions["adcode_a"].iloc[k],
                "adcode_b": recognitions["adcode_b"].iloc[k],
                "start": start,
                "end": end,
                "before_count": bc,
                "before_value": bv,
                "after_count": ac,
                "after_value": av,
                "count_ratio": ac / bc if bc else np.nan,
                "value_ratio": av / bv if bv else np.nan,
            }
        )
    iprov = pd.Series([None if c is None else c[:2] + "0000" for c in issuer], dtype="string")
    pprov = pd.Series([None if c is None else c[:2] + "0000" for c in provider], dtype="string")
    cross = (iprov != pprov).astype("boolean")
    work = pd.DataFrame(
        {
            "issuer_province": iprov,
            "provider_province": pprov,
            "year": dates.dt.year.astype("int64"),
            "cross_province": cross,
            "recognised": recognised,
            "value": value,
            "by_user": (mode == "user").fillna(False).to_numpy(dtype=int),
            "by_provider": (mode == "provider").fillna(False).to_numpy(dtype=int),
        }
    )
    if n:
        g = work.groupby(
            ["issuer_province", "provider_province", "year", "cross_province", "recognised"],
            sort=True,
            dropna=False,
        )
        flows = pd.DataFrame(
            {
                "count": g.size(),
                "value": g["value"].sum(min_count=1),
                "by_user": g["by_user"].sum(),
                "by_provider": g["by_provider"].sum(),
            }
        ).reset_index()[list(FLOW_COLUMNS)]
    else:
        flows = _empty(FLOW_COLUMNS)
    breach = cross.fillna(False).to_numpy(dtype=bool) & ~recognised
    un_rows = []
    for i in np.flatnonzero(breach):
        un_rows.append(
            {
                "voucher_id": v["voucher_id"].iloc[i],
                "issuer_adcode": issuer[i],
                "provider_adcode": provider[i],
                "redeemed": dates.iloc[i],
                "value": value[i],
                "redeem_mode": mode.iloc[i],
                "rule": "unrecognised",
                "status": "breach",
                "message": f"创新券跨省兑付（{issuer[i]} 发券，{provider[i]} 服务），兑付日 "
                f"{dates.iloc[i]:%Y-%m-%d} 无有效的互认协议 / voucher of {issuer[i]} redeemed with a provider "
                f"in {provider[i]} on {dates.iloc[i]:%Y-%m-%d}, across a provincial border with no "
                "recognition in force",
            }
        )
    return VoucherFlows(
        flows=flows,
        effect=_frame(effect_rows, EFFECT_COLUMNS),
        unrecognised=_frame(un_rows, UNRECOGNISED_COLUMNS),
    )
