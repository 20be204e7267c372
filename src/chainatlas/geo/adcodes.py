"""Administrative codes (GB/T 2260 adcodes) and addresses -> current YRD adcodes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from chainatlas.errors import GeoError
from chainatlas.geo._data import _place_index, crosswalk

_YRD_PROVINCES = ("31", "32", "33", "34")
_FLOATISH = re.compile(r"^(\d+)\.0*$")  # 320500.0 from a CSV column that pandas read as float
_EXPECTED = (
    "expected a current GB/T 2260 code of Shanghai, Jiangsu, Zhejiang or Anhui (2, 4, 6, 9 or 12 digits, "
    "e.g. '320500' or '3205'); retired codes are mapped through chainatlas/data/geo/crosswalk.csv - "
    "add a row there if this is a retired YRD code"
)


def _parse(code) -> tuple[str, str] | str:
    """Return ``(adcode, method)`` or an error message; never raises."""
    if isinstance(code, (bool, np.bool_)) or code is None or code is pd.NA:
        return f"adcode {code!r} is not a code; {_EXPECTED}"
    if isinstance(code, (float, np.floating)):
        if not np.isfinite(code) or not float(code).is_integer():
            return f"adcode {code!r} is not a whole number; {_EXPECTED}"
        code = int(code)
    text = str(code).strip()
    m = _FLOATISH.match(text)
    if m:
        text = m.group(1)
    if not text.isascii() or not text.isdigit():
        return f"adcode {code!r} is not numeric; {_EXPECTED}"
    if len(text) in (2, 4):
        text, method = text.ljust(6, "0"), "padded"
    elif len(text) in (6, 9, 12):
        # 9/12-digit township or long-form codes carry the county code in their first 6 digits.
        text, method = text[:6], "exact"
    else:
        return f"adcode {code!r} has {len(text)} digits; {_EXPECTED}"
    if text[:2] not in _YRD_PROVINCES:
        return f"adcode {code!r} is outside the Yangtze River Delta (province {text[:2]}); {_EXPECTED}"
    if text in _place_index():
        return text, method
    new = crosswalk().get(text)
    if new is not None:
        return new, "crosswalk"
    return f"adcode {code!r} is not a known YRD unit; {_EXPECTED}"


def normalize_adcode(code) -> str:
    """Turn one code into a current 6-digit YRD adcode.

    Parameters
    ----------
    code : int or str
        2 digits (province, ``'32'`` -> ``'320000'``), 4 digits (city, ``3205`` -> ``'320500'``),
        6 digits, or 9/12 digits (township or long form; the first 6 digits are used). Whitespace is stripped;
        retired codes (e.g. 宁波 江东区 330204 -> 鄞州区 330212) are mapped through ``crosswalk.csv``.

    Returns
    -------
    str
        A code of ``places()``.

    Raises
    ------
    GeoError
        If the value is not numeric, has the wrong length, lies outside Shanghai/Jiangsu/Zhejiang/Anhui, or is
        neither current nor in the crosswalk. The message names the value.

    Examples
    --------
    >>> normalize_adcode("320500000000"), normalize_adcode(3205), normalize_adcode("330204")
    ('320500', '320500', '330212')
    """
    out = _parse(code)
    if isinstance(out, str):
        raise GeoError(out)
    return out[0]


def normalize_adcodes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised ``normalize_adcode`` that never raises.

    Each distinct value is parsed once, then results are broadcast with integer indexing, so a million
    rows with a few thousand distinct codes take well under a second.

    Parameters
    ----------
    values : pandas.Series
        Codes as int, float, str or object; missing values are allowed.

    Returns
    -------
    codes : pandas.Series of string dtype
        Current 6-digit adcodes, <NA> where the value is missing or invalid.
    methods : pandas.Series of string dtype
        ``'exact'``, ``'crosswalk'`` (retired or development-zone code), ``'padded'`` (2/4-digit code) or <NA>.
        Both series keep the index of ``values``.
    """
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [_parse(u) for u in uniques]
    # Slot -1 (missing / invalid) is appended last so factorize's -1 sentinel selects it.
    codes = np.array([p[0] if isinstance(p, tuple) else None for p in parsed] + [None], dtype=object)
    methods = np.array([p[1] if isinstance(p, tuple) else None for p in parsed] + [None], dtype=object)
    return (
        pd.Series(codes[idx], index=values.index, dtype="string", name=values.name),
        pd.Series(methods[idx], index=values.index, dtype="string", name="method"),
    )


def resolve_addresses(addresses: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Geocode Chinese address text (or a bare place name) to current YRD adcodes with ``cpca``.

    Parameters
    ----------
    addresses : pandas.Series
        Free text such as ``'江苏省苏州市工业园区星湖街328号'``, ``'苏州市'`` or ``'江苏省'``; missing values are
        allowed.

    Returns
    -------
    codes : pandas.Series of string dtype
        The finest unit cpca finds: the county adcode, else the city adcode, else the province adcode (a place
        known only to the province: ``'江苏省'`` -> ``'320000'``). 上海 alone maps to the city 310100 (Shanghai is
        one prefecture). <NA> when nothing is found or the place is outside the YRD.
    methods : pandas.Series of string dtype
        ``'address:county'``, ``'address:city'``, ``'address:province'``, ``'address:outside'`` (cpca placed it
        outside Shanghai, Jiangsu, Zhejiang and Anhui; the code stays <NA>) or <NA> (nothing found).

    Notes
    -----
    cpca 0.5.5 (MIT) carries a pre-2021 code list, e.g. it returns 330204 for 宁波 江东区; its codes are
    passed through the crosswalk. Addresses are deduplicated before cpca is called. A record placed at the
    province counts at province scale and above and is reported as unallocated below it (never spread over,
    or assigned to, a city).
    """
    import cpca  # heavy import (loads its own dictionaries); only needed here

    text = addresses.astype("string").str.strip().replace("", pd.NA)
    idx, uniques = pd.factorize(text, use_na_sentinel=True)
    raw = cpca.transform(list(uniques))["adcode"] if len(uniques) else pd.Series([], dtype=object)
    raw = raw.where(raw != "310000", "310100")  # Shanghai province == city
    codes, _ = normalize_adcodes(pd.Series(list(raw), dtype=object))
    level = codes.map(lambda c: _place_index()[c]["level"] if isinstance(c, str) else None)
    method = level.map({"county": "address:county", "city": "address:city", "province": "address:province"})
    found = np.array([isinstance(c, str) and len(c) >= 2 for c in raw], dtype=bool)
    method = method.where(method.notna().to_numpy() | ~found, "address:outside")
    codes = codes.where(method.isin(["address:county", "address:city", "address:province"]))
    code_arr = np.append(codes.to_numpy(dtype=object, na_value=None), None)
    meth_arr = np.append(method.to_numpy(dtype=object, na_value=None), None)
    return (
        pd.Series(code_arr[idx], index=addresses.index, dtype="string", name=addresses.name),
        pd.Series(meth_arr[idx], index=addresses.index, dtype="string", name="method"),
    )


def place_level(codes: pd.Series) -> pd.Series:
    """The level each adcode is known to: ``'county'``, ``'city'``, ``'province'`` or <NA> (missing/unknown).

    310000 (Shanghai the province) is also a city: it reads ``'city'``, like 310100.
    """
    index = _place_index()
    out = [
        ("city" if c == "310000" else index[c]["level"]) if isinstance(c, str) and c in index else None
        for c in codes.astype(object).where(codes.notna(), None)
    ]
    return pd.Series(out, index=codes.index, dtype="string", name=codes.name)
