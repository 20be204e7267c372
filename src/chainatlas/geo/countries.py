"""ISO 3166-1 country codes and the trade regions of the monitor (中国, 港澳台, EU27, US, ASEAN10, JP, KR).

The table is ``chainatlas/data/classifications/iso3166.csv`` (source in ATTRIBUTION.md there).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.model._series import as_series as _as_series
from chainatlas.model._series import classification_table as _table
from chainatlas.model._series import per_unique as _per_unique
from chainatlas.model._series import to_str as _to_str

__all__ = [
    "ASEAN10",
    "EU27",
    "REGIONS",
    "country_codes",
    "country_region",
    "normalize_country",
    "validate_country",
]

EU27 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
"""European Union member states since 1 February 2020 (after the United Kingdom left), ISO alpha-2 (Greece = GR)."""

ASEAN10 = frozenset(["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"])
"""The ten ASEAN member states of the paper's period. Timor-Leste (TL), admitted in October 2025, is not included:
it maps to ``'other'``."""

REGIONS = ("CN", "HK_MO_TW", "EU", "US", "ASEAN", "JP", "KR", "other")
"""Labels returned by :func:`country_region`."""


@lru_cache(maxsize=1)
def _iso() -> pd.DataFrame:
    return _table("iso3166.csv")


@lru_cache(maxsize=1)
def _to_alpha2() -> pd.Series:
    df = _iso()
    return pd.concat(
        [
            pd.Series(df["alpha2"].to_numpy(), index=df["alpha2"]),
            pd.Series(df["alpha2"].to_numpy(), index=df["alpha3"]),
        ]
    )


def country_codes() -> pd.DataFrame:
    """ISO 3166-1 table: ``alpha2, alpha3, numeric, name_en`` (250 entries; source in ATTRIBUTION.md)."""
    return _iso().copy()


def normalize_country(s: pd.Series) -> pd.Series:
    """ISO 3166-1 alpha-2 code for alpha-2 or alpha-3 input (case and surrounding blanks ignored) or a Chinese
    name as the Unicode CLDR writes it, simplified or traditional (日本, 韩国, 南韓, 美国, 香港, 中国台湾...);
    missing where the value is none of these.

    >>> normalize_country(pd.Series(["kor", "日本", " 美國 ", "香港", "火星"])).tolist()
    ['KR', 'JP', 'US', 'HK', nan]
    """
    s = _as_series(s)
    table = _to_alpha2()

    def conv(u: pd.Series) -> Any:
        text = _to_str(u).str.normalize("NFKC").str.strip()
        return text.str.upper().map(table).fillna(text.map(_zh_names())).to_numpy(object)

    return _per_unique(s, conv, np.nan, "str")


@lru_cache(maxsize=1)
def _zh_names() -> dict[str, str]:
    """Chinese name → alpha-2 (``country_names_zh.csv``, from the CLDR; see ATTRIBUTION.md); 中国台湾 too."""
    t = _table("country_names_zh.csv")
    names = dict(zip(t["name_zh"], t["alpha2"], strict=True))
    names.setdefault("中国台湾", "TW")
    return names


def validate_country(s: pd.Series) -> pd.Series:
    """Which values are ISO 3166-1 alpha-2 or alpha-3 codes (upper case, as given)."""
    s = _as_series(s)
    table = _to_alpha2()
    return pd.Series(_to_str(s).isin(table.index).to_numpy(bool), index=s.index, name=s.name)


def country_region(s: pd.Series) -> pd.Series:
    """Trade region of each country code: ``'CN'``, ``'HK_MO_TW'``, ``'EU'`` (EU27), ``'US'``, ``'ASEAN'``
    (ASEAN10), ``'JP'``, ``'KR'`` or ``'other'``; missing where the code is not ISO 3166-1.

    >>> country_region(pd.Series(["DEU", "us", "VN", "HK", "CHN", "BR", None])).tolist()
    ['EU', 'US', 'ASEAN', 'HK_MO_TW', 'CN', 'other', nan]
    """
    a2 = normalize_country(s)
    region = {c: "EU" for c in EU27} | {c: "ASEAN" for c in ASEAN10}
    region |= {
        "CN": "CN",
        "HK": "HK_MO_TW",
        "MO": "HK_MO_TW",
        "TW": "HK_MO_TW",
        "US": "US",
        "JP": "JP",
        "KR": "KR",
    }
    out = a2.map(region).where(a2.isna() | a2.isin(list(region)), "other")
    return out.astype("str").rename(a2.name)
