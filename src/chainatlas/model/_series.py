"""Vectorised Series helpers shared by the code systems (:mod:`chainatlas.model.codes`), the ISO 3166 table
(:mod:`chainatlas.geo.countries`) and the date parser (:mod:`chainatlas.ingest.dates`).

Code columns repeat heavily, so work is done once per distinct value (:func:`per_unique`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FULLWIDTH", "as_series", "classification_table", "per_unique", "to_str"]

#: full-width digits, letters and separators → ASCII (as typed with a Chinese input method)
FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x41 + i) for i in range(26)}
    | {"－": "-", "／": "/", "．": ".", "：": ":", "\u3000": " "}
)


def classification_table(name: str) -> pd.DataFrame:
    """Read one shipped classification CSV with every column as text (leading zeros matter)."""
    path = resources.files("chainatlas").joinpath("data", "classifications", name)
    with path.open("rb") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    return pd.Series(list(values) if not isinstance(values, (np.ndarray, pd.Index)) else values)


def to_str(s: pd.Series) -> pd.Series:
    """Text view of ``s`` with missing values kept missing (pandas' default ``str`` dtype)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s
    return s.astype("str")


def per_unique(s: pd.Series, func: Callable[[pd.Series], Any], fill: Any, dtype: Any) -> pd.Series:
    """Apply a vectorised ``func`` to the distinct non-missing values of ``s`` and broadcast back.

    Code columns repeat heavily (a million patents share a few thousand IPC groups), so regex work done once per
    distinct value is the cheap path. ``func`` gets a Series of distinct values and returns an array-like of the
    same length; missing inputs get ``fill``.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    res = np.asarray(func(pd.Series(uniques, dtype=uniques.dtype)), dtype=object if dtype == "str" else dtype)
    res = np.append(res, np.array([fill], dtype=res.dtype))  # index -1 (missing) picks the fill
    out = res[codes]
    if dtype == "str":
        return pd.Series(out, index=s.index, name=s.name, dtype="str")
    return pd.Series(out, index=s.index, name=s.name)
