"""Tests for chainatlas.ingest.dates: dates as users' cells write them, Excel serials, periods."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from chainatlas.errors import ConfigError
from chainatlas.ingest import dates as D


def _iso(d: pd.Series) -> list:
    return [x.strftime("%Y-%m-%d") if pd.notna(x) else None for x in d]


def test_excel_serials():
    # Excel 1900 date system: DATE(2023,1,1) = 44927; serial 1 = 1900-01-01; 59 = 1900-02-28; 61 = 1900-03-01
    d, r = D.parse_dates(pd.Series([44927, 1, 59, 61, 44927.75, 0, 80001]))
    assert _iso(d) == ["2023-01-01", "1900-01-01", "1900-02-28", "1900-03-01", "2023-01-01", None, None]
    assert r.tolist() == [np.nan] * 5 + [D.UNPARSEABLE_DATE] * 2
    d, _ = D.parse_dates(pd.Series(["44927", "45000"]))
    assert _iso(d) == ["2023-01-01", "2023-03-15"]


def test_date_formats():
    s = pd.Series(
        ["2023-01-05", "2023/1/5", "2023.01.05", "2023年1月5日", "2023 年 1 月 5 号", "20230105", "2023-01-05 13:45:00",
         "2023-01", "2023年1月", "2023", "２０２３－０１－０５"]
    )  # fmt: skip
    d, r = D.parse_dates(s)
    assert _iso(d) == ["2023-01-05"] * 7 + ["2023-01-01"] * 3 + ["2023-01-05"]
    assert r.isna().all()
    assert d.dtype == "datetime64[us]"


def test_unparseable_and_missing_dates():
    s = pd.Series(["2023-02-30", "2023-13-01", "next year", "2023/01-05", "1066-10-14", "", "  ", None])
    d, r = D.parse_dates(s)
    assert d.isna().all()
    assert r.tolist() == [D.UNPARSEABLE_DATE] * 5 + [np.nan] * 3


def test_numeric_years_and_compact_dates():
    d, r = D.parse_dates(pd.Series([2019, 2020.0, 20230105, np.nan]))
    assert _iso(d) == ["2019-01-01", "2020-01-01", "2023-01-05", None]
    assert r.isna().all()


def test_mixed_excel_column():
    # openpyxl gives one column as datetime, int, float and str cells
    s = pd.Series(
        [dt.datetime(2023, 1, 5, 8, 30), dt.date(2022, 5, 1), 44927, "2021年3月", None, True], dtype=object
    )
    d, r = D.parse_dates(s)
    assert _iso(d) == ["2023-01-05", "2022-05-01", "2023-01-01", "2021-03-01", None, None]
    assert r.tolist() == [np.nan] * 5 + [D.UNPARSEABLE_DATE]


def test_datetime_input_passes_through():
    s = pd.Series(pd.to_datetime(["2023-01-05 10:00", None]))
    d, r = D.parse_dates(s)
    assert _iso(d) == ["2023-01-05", None] and r.isna().all()


def test_to_period():
    d, _ = D.parse_dates(pd.Series(["2023-01-05", "2023-11-30", None]))
    assert D.to_period(d).tolist() == ["2023", "2023", np.nan]
    assert D.to_period(d, "quarter").tolist() == ["2023Q1", "2023Q4", np.nan]
    assert D.to_period(d, "M").tolist() == ["2023-01", "2023-11", np.nan]
    with pytest.raises(ConfigError, match="freq"):
        D.to_period(d, "week")
