"""Functional areas (功能区) and the place -> unit mapping used to aggregate to every scale."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import yaml

from chainatlas.errors import GeoError
from chainatlas.geo._data import _place_index, _places, _resource
from chainatlas.geo.adcodes import _parse
from chainatlas.model.layers import SCALES

#: The five innovation hubs of the seed paper (潘秋晨 2023, 三(三)2): 上海, 南京, 杭州, 合肥, 苏州 (city adcodes).
HUBS: tuple[str, ...] = ("310100", "320100", "330100", "340100", "320500")
REGION = ("YRD", "长三角", "Yangtze River Delta")
_AREA_ID = re.compile(r"^[a-z0-9_]{2,40}$")
_AREA_COLS = ["area_id", "name_zh", "name_en", "kind", "members", "source"]


@lru_cache(maxsize=1)
def _default_areas() -> pd.DataFrame:
    raw = yaml.safe_load(_resource("areas.yaml").read_text(encoding="utf-8"))
    rows = [
        {
            **validate_area(a["id"], a["name_zh"], a["members"], a.get("name_en")),
            "kind": a["kind"],
            "source": " ".join(str(a.get("source", "")).split()),
        }
        for a in raw
    ]
    return pd.DataFrame(rows, columns=_AREA_COLS)


def default_areas() -> pd.DataFrame:
    """The functional areas shipped in ``areas.yaml``.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id``, ``name_zh``, ``name_en``, ``kind`` (corridor | bay | belt | demo_zone),
        ``members`` (list of current adcodes at any level) and ``source``: G60 科创走廊 (``g60``),
        沪杭甬湾区 (``hhy_bay``), 沪宁杭合创新带 (``hnhh_belt``) and the 一体化示范区 (``demo_zone``).

    Notes
    -----
    Memberships follow 潘秋晨 (2023) 长三角区域科技创新与产业联动合作机制研究, section 三(一), and the
    plans cited in each area's ``source``; the choice made for the innovation belt is explained in the yaml.
    """
    df = _default_areas().copy()
    df["members"] = df["members"].map(list)
    return df


def validate_area(area_id: str, name_zh: str, members, name_en: str | None = None) -> dict:
    """Check a (user-defined) functional area and normalise its members.

    Parameters
    ----------
    area_id : str
        Identifier matching ``^[a-z0-9_]{2,40}$``.
    name_zh : str
        Non-empty Chinese name.
    members : iterable of str or int
        Adcodes at any level in any form ``normalize_adcode`` accepts. A city includes all its counties;
        a county only itself.
    name_en : str, optional

    Returns
    -------
    dict
        ``area_id``, ``name_zh``, ``name_en`` and ``members`` (current 6-digit codes, duplicates removed,
        order kept).

    Raises
    ------
    GeoError
        Naming the bad id, name or member.
    """
    if not isinstance(area_id, str) or not _AREA_ID.match(area_id):
        raise GeoError(f"area id {area_id!r} must match ^[a-z0-9_]{{2,40}}$ (lower-case letters, digits, _)")
    if not isinstance(name_zh, str) or not name_zh.strip():
        raise GeoError(f"area {area_id!r}: name_zh must be a non-empty string, got {name_zh!r}")
    if isinstance(members, (str, bytes)) or not hasattr(members, "__iter__"):
        raise GeoError(f"area {area_id!r}: members must be a list of adcodes, got {members!r}")
    codes: list[str] = []
    for m in members:
        out = _parse(m)
        if isinstance(out, str):
            raise GeoError(f"area {area_id!r}: member {m!r} is invalid - {out}")
        if out[0] not in codes:
            codes.append(out[0])
    if not codes:
        raise GeoError(f"area {area_id!r} has no members; give at least one YRD adcode")
    return {"area_id": area_id, "name_zh": name_zh.strip(), "name_en": name_en, "members": codes}


def _areas(extra_areas: pd.DataFrame | None) -> pd.DataFrame:
    """Shipped areas merged with user areas; a user area with a shipped id replaces it."""
    areas = _default_areas()
    if extra_areas is None or len(extra_areas) == 0:
        return areas
    missing = {"area_id", "members"} - set(extra_areas.columns)
    if missing:
        raise GeoError(
            f"extra_areas lacks column(s) {sorted(missing)}; expected area_id, members[, name_zh, name_en]"
        )
    if extra_areas["area_id"].duplicated().any():
        dup = extra_areas.loc[extra_areas["area_id"].duplicated(), "area_id"].tolist()
        raise GeoError(f"extra_areas has duplicate area_id {dup}")
    rows = []
    for rec in extra_areas.to_dict("records"):
        name_zh = rec.get("name_zh") if isinstance(rec.get("name_zh"), str) else rec["area_id"]
        name_en = rec.get("name_en") if isinstance(rec.get("name_en"), str) else None
        rows.append(
            {
                **validate_area(rec["area_id"], name_zh, rec["members"], name_en),
                "kind": "user",
                "source": "user-defined",
            }
        )
    user = pd.DataFrame(rows, columns=_AREA_COLS)
    return pd.concat([areas[~areas["area_id"].isin(user["area_id"])], user], ignore_index=True)


def _expand(code: str) -> list[str]:
    """A member and every unit inside it; Shanghai 310100 and 310000 are the same territory."""
    p = _places()
    level = _place_index()[code]["level"]
    if level == "county":
        return [code]
    if level == "city":
        inner = p.loc[p["city_adcode"] == code, "adcode"].tolist()
        return inner + (["310000"] if code == "310100" else [])
    return p.loc[p["province_adcode"] == code, "adcode"].tolist()


def scale_units(extra_areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """THE mapping from a record's adcode to the unit it is aggregated to, for every scale.

    Parameters
    ----------
    extra_areas : pandas.DataFrame, optional
        User areas with columns ``area_id`` and ``members`` (list of adcodes), optionally ``name_zh`` and
        ``name_en``; validated with ``validate_area``. A user area with a shipped id replaces the shipped one.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode``, ``scale``, ``unit``. A record counts at the level its place is known and above:
        a code coarser than a scale has **no** row at that scale, and the build reports such records as
        unallocated there (table ``unallocated``) instead of inventing a unit for them. Rules:

        - county: a county code -> itself; city and province codes have no county unit;
        - city: county -> its city; city -> itself; 310000 -> 310100 (Shanghai is one prefecture); the
          provinces of Jiangsu, Zhejiang and Anhui have no city unit;
        - province: any code -> its province;
        - region: any code -> ``'YRD'``;
        - area: one row per (adcode, area) membership. A city member brings the city and all its counties,
          a county member only that county; so a city-level record counts for an area only if the whole city
          is a member (310000 goes with 310100).

        Every (adcode, scale) pair other than ``area`` has at most one row; every unit of the county, city
        and province scales is a real unit of that level (``places(level)``).
    """
    if extra_areas is None:
        return _default_scale_units().copy()
    return _scale_units(_areas(extra_areas))


@lru_cache(maxsize=1)
def _default_scale_units() -> pd.DataFrame:
    return _scale_units(_default_areas())


def _scale_units(areas: pd.DataFrame) -> pd.DataFrame:
    p = _places()
    city = p["city_adcode"].fillna(p["adcode"]).mask(p["adcode"] == "310000", "310100")
    county = p["level"] == "county"
    has_city = p["level"].isin(["county", "city"]) | (p["adcode"] == "310000")
    frames = [
        pd.DataFrame({"adcode": p.loc[county, "adcode"], "scale": "county", "unit": p.loc[county, "adcode"]}),
        pd.DataFrame({"adcode": p.loc[has_city, "adcode"], "scale": "city", "unit": city[has_city]}),
        pd.DataFrame({"adcode": p["adcode"], "scale": "province", "unit": p["province_adcode"]}),
        pd.DataFrame({"adcode": p["adcode"], "scale": "region", "unit": REGION[0]}),
    ]
    pairs = {(code, a.area_id) for a in areas.itertuples() for m in a.members for code in _expand(m)}
    frames.append(pd.DataFrame(sorted(pairs), columns=["adcode", "unit"]).assign(scale="area"))
    out = pd.concat(frames, ignore_index=True)[["adcode", "scale", "unit"]]
    return out.astype("string")


def unit_names(scale: str, extra_areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Names and a label point for every unit of a scale (for exports and maps).

    Parameters
    ----------
    scale : {'county', 'city', 'province', 'area', 'region'}
    extra_areas : pandas.DataFrame, optional
        As in ``scale_units``.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``name_zh``, ``name_en``, ``lon``, ``lat`` for exactly the units ``scale_units`` maps
        to at that scale. Places use their centroid; an area the mean of its members' centroids; the region
        (``'YRD'``, 长三角) the mean of the 41 city centroids.
    """
    if scale not in SCALES:
        raise GeoError(f"parameter 'scale' must be one of {', '.join(map(repr, SCALES))}; got {scale!r}")
    p = _places().set_index("adcode")
    if scale == "area":
        rows = [
            {
                "unit": a.area_id,
                "name_zh": a.name_zh,
                "name_en": a.name_en,
                "lon": p.loc[a.members, "lon"].mean(),
                "lat": p.loc[a.members, "lat"].mean(),
            }
            for a in _areas(extra_areas).itertuples()
        ]
        return pd.DataFrame(rows, columns=["unit", "name_zh", "name_en", "lon", "lat"])
    if scale == "region":
        cities = p[p["level"] == "city"]
        return pd.DataFrame(
            [
                {
                    "unit": REGION[0],
                    "name_zh": REGION[1],
                    "name_en": REGION[2],
                    "lon": cities["lon"].mean(),
                    "lat": cities["lat"].mean(),
                }
            ]
        )
    su = _default_scale_units()
    units = su.loc[su["scale"] == scale, "unit"].unique()
    out = p.loc[list(units), ["name_zh", "name_en", "lon", "lat"]].rename_axis("unit").reset_index()
    return out.sort_values("unit", ignore_index=True)
