"""Adcodes rolled up to their city or province (private; shared by the policy, alliance and open-call modules).

A municipality (北京, 天津, 上海, 重庆) is its own city: its districts roll up to ``xx0000``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["LEVELS", "MUNICIPALITIES", "roll"]

#: place levels: as given, city, province
LEVELS = ("place", "city", "province")
#: the provinces whose districts belong to no prefecture-level city
MUNICIPALITIES = ("11", "12", "31", "50")


def roll(codes: pd.Series, level: str) -> pd.Series:
    """Adcodes at ``level``: as given, their city (a municipality's districts: the municipality), or province.

    >>> roll(pd.Series(["320506", "310115", None]), "city").tolist()
    ['320500', '310000', <NA>]
    >>> roll(pd.Series(["320506"]), "province").tolist()
    ['320000']
    """
    s = codes.astype("string").str.strip()
    if level == "place":
        return s
    prov = s.str.slice(0, 2) + "0000"
    if level == "province":
        return prov
    city = s.str.slice(0, 4) + "00"
    return city.where(~s.str.slice(0, 2).isin(MUNICIPALITIES), prov)
