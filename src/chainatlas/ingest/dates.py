"""Dates as users' cells write them: Chinese statistical and registry formats, Excel serial numbers.

:func:`parse_dates` is the ``date`` rule of validation (:mod:`chainatlas.ingest.rules`); :func:`to_period` labels
dates by year, quarter or month.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.model._series import FULLWIDTH as _FULLWIDTH
from chainatlas.model._series import as_series as _as_series
from chainatlas.model._series import per_unique as _per_unique
from chainatlas.model._series import to_str as _to_str

__all__ = ["UNPARSEABLE_DATE", "parse_dates", "to_period"]

UNPARSEABLE_DATE = "unparseable date"
"""Reason given by :func:`parse_dates` for a value that is present but not a date."""

_DATE_UNIT = "datetime64[us]"  # pandas 3's default resolution
_YEAR_MIN, _YEAR_MAX = 1800, 2200
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FORMATS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME + r"$")),
    ("ymd", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$")),
    ("ymd", re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")),
    ("ym", re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")),
    ("ym", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月$")),
    ("y", re.compile(r"^(?P<y>\d{4})\s*年?$")),
    ("serial", re.compile(r"^(?P<v>\d{1,5}(?:\.\d+)?)$")),
]


def _ymd_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates from integer year/month/day arrays, and which triples are real calendar dates."""
    ok = (y >= _YEAR_MIN) & (y <= _YEAR_MAX) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    y, m, d = np.where(ok, y, 2000), np.where(ok, m, 1), np.where(ok, d, 1)
    month = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    date = start + (d - 1).astype("timedelta64[D]")
    ok &= date < (month + 1).astype("datetime64[D]")  # 2023-02-30 spills into March
    return date, ok


def _serial_dates(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial day numbers (1900 date system) to dates.

    Serial 1 is 1900-01-01; Excel counts the nonexistent 1900-02-29 as serial 60, so from 61 on the epoch is
    1899-12-30 (44927 → 2023-01-01). Fractions (time of day) are dropped.
    """
    whole = np.floor(np.where(np.isfinite(v), v, 0)).astype(np.int64)
    ok = np.isfinite(v) & (whole >= 1) & (whole <= 80000) & (whole != 60)
    base = np.where(whole >= 61, np.datetime64("1899-12-30"), np.datetime64("1899-12-31"))
    return base + np.where(ok, whole, 0).astype("timedelta64[D]"), ok


def _numeric_dates(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers: whole 1800-2200 are years (a numeric year column), whole 8-digit YYYYMMDD are dates, the rest in
    1-80000 are Excel serials."""
    v = v.astype(float)
    fin = np.isfinite(v)
    whole = fin & (np.floor(np.where(fin, v, 0)) == np.where(fin, v, 0))
    iv = np.where(whole, v, 0).astype(np.int64)
    is_year = whole & (iv >= _YEAR_MIN) & (iv <= _YEAR_MAX)
    is_ymd = whole & (iv >= 10000101) & (iv <= 99991231)
    dy, oky = _ymd_dates(iv, np.ones_like(iv), np.ones_like(iv))
    dd, okd = _ymd_dates(iv // 10000, iv // 100 % 100, iv % 100)
    ds, oks = _serial_dates(v)
    date = np.where(is_year, dy, np.where(is_ymd, dd, ds))
    ok = np.where(is_year, oky, np.where(is_ymd, okd, oks))
    return date, ok


def _string_dates(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct strings; returns (dates, ok)."""
    text = _to_str(u).str.translate(_FULLWIDTH).str.strip()
    n = len(text)
    date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.zeros(n, dtype=bool)
    todo = text.notna().to_numpy(bool).copy()
    for kind, pattern in _DATE_FORMATS:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        parts = text.iloc[idx].str.extract(pattern)
        hit = parts.iloc[:, 0].notna().to_numpy(bool)
        if not hit.any():
            continue
        sel, p = idx[hit], parts[hit]
        if kind == "serial":
            d, good = _serial_dates(p["v"].astype(float).to_numpy())
        else:
            y = p["y"].astype(np.int64).to_numpy()
            mo = p["m"].astype(np.int64).to_numpy() if kind != "y" else np.ones_like(y)
            dd = p["d"].astype(np.int64).to_numpy() if kind == "ymd" else np.ones_like(y)
            d, good = _ymd_dates(y, mo, dd)
        date[sel], ok[sel] = d, good
        todo[sel] = False  # matched a format: a bad date in it is unparseable, not retried as another format
    return date, ok


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates as Chinese statistical and registry sources write them.

    Accepted: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` (month and day with one or two digits, an optional
    time of day, which is dropped); ``YYYY年M月D日`` (or ``号``); ``YYYYMMDD``; ``YYYY-MM`` / ``YYYY/MM`` /
    ``YYYY.MM`` / ``YYYY年M月`` (first day of the month); ``YYYY`` / ``YYYY年`` (1 January); Excel serial day numbers
    1-80000 (44927 → 2023-01-01), either in a numeric column or as a purely numeric string of at most five digits
    (a four-digit string is a year, not a serial). Numbers 1800-2200 in a numeric column are years, 8-digit
    numbers are ``YYYYMMDD``. Datetime values pass through. Years outside 1800-2200 and impossible dates
    (2023-02-30) are unparseable. Full-width digits are accepted.

    Parameters
    ----------
    s : pandas.Series

    Returns
    -------
    dates : pandas.Series of datetime64[us]
        At midnight; ``NaT`` where missing or unparseable.
    reason : pandas.Series of str
        :data:`UNPARSEABLE_DATE` where a value is present but not a date; missing otherwise (a missing or blank
        value is not an error here: whether a date is required is the caller's rule).

    Examples
    --------
    >>> d, r = parse_dates(pd.Series(["2023-01-05", "2023年1月5日", "44927", "2023-02-30", None]))
    >>> d.dt.strftime("%Y-%m-%d").tolist(), r.tolist()
    (['2023-01-05', '2023-01-05', '2023-01-01', nan, nan], [nan, nan, nan, 'unparseable date', nan])
    """
    s = _as_series(s)
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        dates = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        dates = dates.dt.normalize().astype(_DATE_UNIT)
        return dates.rename(s.name), pd.Series(np.nan, index=s.index, dtype="str", name=s.name)

    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        date, ok = _numeric_dates(v)
        present = ~np.isnan(v)
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        u = pd.Series(uniques, dtype=uniques.dtype)
        ud = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[D]")
        uok = np.zeros(len(u), dtype=bool)
        upresent = np.ones(len(u), dtype=bool)
        if uniques.dtype == object or not isinstance(uniques.dtype, pd.StringDtype):
            # mixed cells (Excel via openpyxl gives str, int, float, datetime in one column): sort by type once
            # per distinct value
            kinds = np.array([_cell_kind(x) for x in u.to_numpy(object)], dtype=object)
        else:
            kinds = np.full(len(u), "str", dtype=object)
        for kind in ("str", "num", "dt"):
            idx = np.flatnonzero(kinds == kind)
            if not len(idx):
                continue
            vals = u.iloc[idx]
            if kind == "str":
                blank = _to_str(vals).str.strip().eq("").fillna(True).to_numpy(bool)
                d, good = _string_dates(vals)
                upresent[idx[blank]] = False
            elif kind == "num":
                d, good = _numeric_dates(vals.to_numpy(dtype=float))
            else:
                ts = pd.to_datetime(pd.Series(vals.to_numpy(object)), errors="coerce", utc=True)
                d = ts.dt.tz_localize(None).to_numpy("datetime64[D]")
                good = ~np.isnat(d)
            ud[idx], uok[idx] = d, good
        upresent[kinds == "missing"] = False
        take = np.where(codes >= 0, codes, 0)
        date = np.where(codes >= 0, ud[take] if len(u) else np.datetime64("NaT"), np.datetime64("NaT"))
        ok = (codes >= 0) & (uok[take] if len(u) else False)
        present = (codes >= 0) & (upresent[take] if len(u) else False)
    date = np.where(ok, date, np.datetime64("NaT")).astype(_DATE_UNIT)
    reason = np.full(n, np.nan, dtype=object)
    reason[present & ~ok] = UNPARSEABLE_DATE
    dates_out = pd.Series(date, index=s.index, name=s.name)
    return dates_out, pd.Series(reason, index=s.index, name=s.name, dtype="str")


def _cell_kind(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT or x is pd.NA:
        return "missing"
    if isinstance(x, str):
        return "str"
    if isinstance(x, (bool, np.bool_)):
        return "bad"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "num"
    if isinstance(x, (pd.Timestamp, np.datetime64)) or hasattr(x, "year"):
        return "dt"
    return "bad"


_PERIODS = {"year": "year", "y": "year", "quarter": "quarter", "q": "quarter", "month": "month", "m": "month"}


def to_period(dates: pd.Series, freq: str = "year") -> pd.Series:
    """Period label of each date, as text that sorts in time order: ``"2023"``, ``"2023Q1"`` or ``"2023-01"``.

    Parameters
    ----------
    dates : pandas.Series of datetime64
    freq : {"year", "quarter", "month"} (or ``"Y"``, ``"Q"``, ``"M"``)

    Returns
    -------
    pandas.Series of str, missing where the date is ``NaT``.
    """
    key = _PERIODS.get(str(freq).lower())
    if key is None:
        raise ConfigError(f"freq must be 'year', 'quarter' or 'month', got {freq!r}")
    dates = pd.to_datetime(_as_series(dates))
    year = dates.dt.year
    if key == "year":
        num = year
    elif key == "quarter":
        num = year * 10 + dates.dt.quarter
    else:
        num = year * 100 + dates.dt.month

    def label(u: pd.Series) -> Any:
        k = u.astype(np.int64)
        if key == "year":
            return k.astype("str").to_numpy(object)
        if key == "quarter":
            return ((k // 10).astype("str") + "Q" + (k % 10).astype("str")).to_numpy(object)
        return ((k // 100).astype("str") + "-" + (k % 100).astype("str").str.zfill(2)).to_numpy(object)

    return _per_unique(num, label, np.nan, "str").rename(dates.name)
