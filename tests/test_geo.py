"""Tests of the bundled YRD geography (chainatlas.geo)."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
import shapely.geometry

from chainatlas import geo
from chainatlas.errors import GeoError
from chainatlas.geo import countries as K
from chainatlas.geo._data import crosswalk

YRD = ("31", "32", "33", "34")


def test_counts_per_level():
    p = geo.places()
    assert p["level"].value_counts().to_dict() == {"county": 305, "city": 41, "province": 4}
    cities = geo.places("city")
    assert cities["province_adcode"].value_counts().to_dict() == {
        "310000": 1,
        "320000": 13,
        "330000": 11,
        "340000": 16,
    }
    assert p["adcode"].is_unique and p["adcode"].is_monotonic_increasing
    assert p["adcode"].str.fullmatch(r"3[1-4]\d{4}").all()
    # 24 development-zone codes (xx7x) are statistical units, not legal counties
    assert not geo.places("county")["adcode"].str[4].eq("7").any()


def test_bad_level_names_parameter():
    with pytest.raises(GeoError, match="'level'.*'county'"):
        geo.places("prefecture")
    with pytest.raises(GeoError, match="'level'"):
        geo.boundaries("town")


def test_census_spot_check():
    # Golden numbers from census_city_2010_2020/SOURCE.md (leiii/census, 7th census 2020):
    # 上海市 popu_2020 = 24,870,895; 杭州市 = 11,936,010.
    assert geo.place("310100")["pop_2020"] == 24870895
    assert geo.place("330100")["pop_2020"] == 11936010
    p = geo.places()
    cities = p[p["level"] == "city"].groupby("province_adcode")["pop_2020"].sum()
    provinces = p[p["level"] == "province"].set_index("adcode")["pop_2020"]
    assert (provinces == cities).all()
    assert p.loc[p["level"] == "county", "pop_2020"].isna().all()


@pytest.mark.parametrize(
    ("code", "name_zh", "short_zh", "name_en", "parent"),
    [
        ("320500", "苏州市", "苏州", "Suzhou", "320000"),
        ("340100", "合肥市", "合肥", "Hefei", "340000"),
        ("310100", "上海市", "上海", "Shanghai", "310000"),
        ("310117", "松江区", "松江", "Songjiang", "310100"),
        ("320000", "江苏省", "江苏", "Jiangsu", None),
        ("341500", "六安市", "六安", "Lu'an", "340000"),  # polyphone fixed by hand
        ("310112", "闵行区", "闵行", "Minhang", "310100"),
    ],
)
def test_known_places(code, name_zh, short_zh, name_en, parent):
    row = geo.place(code)
    assert (row["name_zh"], row["short_zh"], row["name_en"]) == (name_zh, short_zh, name_en)
    assert (row["parent"] if isinstance(row["parent"], str) else None) == parent


def test_place_unknown():
    with pytest.raises(GeoError, match="999999"):
        geo.place("999999")


def test_normalize_adcode_forms():
    assert geo.normalize_adcode("320500000000") == "320500"
    assert geo.normalize_adcode(3205) == "320500"
    assert geo.normalize_adcode("3205") == "320500"
    assert geo.normalize_adcode("31") == "310000"
    assert geo.normalize_adcode(" 310117001 ") == "310117"
    assert geo.normalize_adcode(320583) == "320583"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("330204", "330212"),
        ("320684", "320614"),
        ("330185", "330112"),
        ("340221", "340210"),
        ("340222", "340212"),
        ("330104", "330102"),
        ("330103", "330105"),
        ("320811", "320812"),
        ("320124", "320117"),
        ("320584", "320509"),
        ("321088", "321012"),
        ("341400", "340100"),
        ("320576", "320500"),
    ],  # last: 苏州工业园区, a statistical dev-zone code
)
def test_crosswalk(old, new):
    assert geo.normalize_adcode(old) == new


@pytest.mark.parametrize("bad", ["110101", "abc", "320599", "12345", ""])
def test_normalize_adcode_rejects_with_value_in_message(bad):
    with pytest.raises(GeoError) as err:
        geo.normalize_adcode(bad)
    assert repr(bad) in str(err.value)
    assert "Shanghai, Jiangsu, Zhejiang or Anhui" in str(err.value) and "crosswalk" in str(err.value)


def test_normalize_adcodes_mixed_series():
    s = pd.Series(
        ["320500", 3205, "330204", None, "abc", 320500.0, "110101", "310117001", float("nan")],
        index=list("abcdefghi"),
    )
    codes, methods = geo.normalize_adcodes(s)
    assert codes.index.equals(s.index)
    assert codes.tolist() == ["320500", "320500", "330212", pd.NA, pd.NA, "320500", pd.NA, "310117", pd.NA]
    assert methods.tolist() == ["exact", "padded", "crosswalk", pd.NA, pd.NA, "exact", pd.NA, "exact", pd.NA]


def test_normalize_adcodes_on_a_million_rows():
    s = pd.Series(["320500", "330204", 3205, "abc", None] * 200_000)
    codes, methods = geo.normalize_adcodes(s)
    assert codes.iloc[:2].tolist() == ["320500", "330212"]  # 330204 (江东区, retired 2016) → 鄞州区
    assert methods.value_counts().to_dict() == {"exact": 200_000, "crosswalk": 200_000, "padded": 200_000}


def test_all_retired_cpca_codes_are_covered():
    # cpca ships an older code list (same file as data/adcodes_coords_cpca); every YRD code in it must
    # normalise to a current unit, either directly or through crosswalk.csv. Nothing is knowingly unmappable.
    raw = pd.read_csv(files("cpca") / "resources" / "adcodes.csv", dtype=str)["adcode"].str[:6]
    yrd = sorted(set(raw[raw.str[:2].isin(YRD)]))
    current = set(geo.places()["adcode"])
    retired = [c for c in yrd if c not in current]
    assert retired and not set(retired) - set(crosswalk())
    codes, _ = geo.normalize_adcodes(pd.Series(yrd))
    assert codes.notna().all() and set(codes) <= current


def test_crosswalk_targets_are_current_and_sources_retired():
    current = set(geo.places()["adcode"])
    assert set(crosswalk().values()) <= current
    assert not set(crosswalk()) & current


def test_resolve_addresses():
    s = pd.Series(
        [
            "江苏省苏州市工业园区星湖街328号",
            "浙江省宁波市江东区中山东路1号",
            "北京市海淀区",
            None,
            "上海市松江区人民北路",
            "江苏省苏州市工业园区星湖街328号",
            "江苏省",
            "苏州市",
            "某某路1号",
        ]
    )
    codes, methods = geo.resolve_addresses(s)
    assert codes.tolist() == ["320500", "330212", pd.NA, pd.NA, "310117", "320500", "320000", "320500", pd.NA]
    assert methods.tolist() == [
        "address:city",
        "address:county",
        "address:outside",
        pd.NA,
        "address:county",
        "address:city",
        "address:province",  # known only to the province: recorded, never dropped or faked as a city
        "address:city",
        pd.NA,
    ]


def test_place_level():
    codes = pd.Series(["320000", "320500", "320506", "310000", "310100", None, "999999"], dtype="string")
    assert geo.place_level(codes).tolist() == ["province", "city", "county", "city", "city", pd.NA, pd.NA]


def test_scale_units_invariants():
    su = geo.scale_units()
    p = geo.places()
    single = su[su["scale"] != "area"]
    assert not single.duplicated(["adcode", "scale"]).any()
    for scale in ("province", "region"):
        assert set(single.loc[single["scale"] == scale, "adcode"]) == set(p["adcode"])
    # a scale holds only real units of its level: no province among cities, no city among counties
    for scale in ("county", "city", "province"):
        units = set(single.loc[single["scale"] == scale, "unit"])
        assert units == set(p.loc[p["level"] == scale, "adcode"]), scale
    assert set(single.loc[single["scale"] == "county", "adcode"]) == set(
        p.loc[p["level"] == "county", "adcode"]
    )
    city_codes = set(single.loc[single["scale"] == "city", "adcode"])
    assert {"320000", "330000", "340000"}.isdisjoint(city_codes) and "310000" in city_codes
    unit = single.set_index(["scale", "adcode"])["unit"]
    counties = p[p["level"] == "county"]
    for code, city, prov in zip(counties["adcode"], counties["city_adcode"], counties["province_adcode"]):
        assert unit["city", code] == city and unit["province", code] == prov and unit["region", code] == "YRD"
    assert unit["city", "310000"] == "310100" and ("city", "320000") not in unit.index
    assert ("county", "320500") not in unit.index and ("county", "310000") not in unit.index
    areas = su[su["scale"] == "area"]
    g60 = set(areas.loc[areas["unit"] == "g60", "adcode"])
    assert "310117" in g60 and "310118" not in g60 and "310100" not in g60
    assert {"320500", "320583"} <= g60  # a city member brings its counties
    demo = set(areas.loc[areas["unit"] == "demo_zone", "adcode"])
    assert demo == {"310118", "320509", "330421"}
    bay = set(areas.loc[areas["unit"] == "hhy_bay", "adcode"])
    assert {"310100", "310000", "310118"} <= bay


def test_extra_areas_and_validation():
    extra = pd.DataFrame({"area_id": ["su_ning"], "members": [["3205", "330204"]]})
    areas = geo.scale_units(extra)
    mine = set(areas.loc[(areas["scale"] == "area") & (areas["unit"] == "su_ning"), "adcode"])
    assert {"320500", "320583", "330212"} <= mine and "330200" not in mine
    assert "su_ning" in set(geo.unit_names("area", extra)["unit"])
    with pytest.raises(GeoError, match="'110101'"):
        geo.validate_area("bad_one", "坏区", ["320500", "110101"])
    with pytest.raises(GeoError, match="'G60!'"):
        geo.validate_area("G60!", "x", ["320500"])
    assert geo.validate_area("ok_1", "好区", [3205, "320500"])["members"] == ["320500"]


def test_default_areas():
    a = geo.default_areas().set_index("area_id")
    assert list(a.index) == ["g60", "hhy_bay", "hnhh_belt", "demo_zone"]
    assert len(a.loc["g60", "members"]) == 9 and len(a.loc["hhy_bay", "members"]) == 7
    assert set(a["kind"]) == {"corridor", "bay", "belt", "demo_zone"}


@pytest.mark.parametrize(
    ("scale", "n"), [("county", 305), ("city", 41), ("province", 4), ("area", 4), ("region", 1)]
)
def test_unit_names_cover_scale_units(scale, n):
    names = geo.unit_names(scale)
    assert len(names) == n and names[["name_zh", "lon", "lat"]].notna().all().all()
    su = geo.scale_units()
    assert set(su.loc[su["scale"] == scale, "unit"]) == set(names["unit"])


@pytest.mark.parametrize(("level", "n"), [("province", 4), ("city", 41), ("county", 305)])
def test_boundaries_valid(level, n):
    fc = geo.boundaries(level)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n
    codes = set(geo.places(level)["adcode"])
    for f in fc["features"]:
        props = f["properties"]
        assert set(props) == {"adcode", "name_zh", "name_en", "level"} and props["level"] == level
        assert props["adcode"] in codes
        assert shapely.geometry.shape(f["geometry"]).is_valid
    assert {f["properties"]["adcode"] for f in fc["features"]} == codes


def test_universities():
    u = geo.universities()
    assert len(u) == 461 and set(u["level"]) == {"本科", "专科"}
    assert set(u["city_adcode"]) == set(geo.places("city")["adcode"])  # every YRD city has one (SOURCE.md)
    assert "复旦大学" in set(u["name_zh"])


# ---------------------------------------------------------------------------------------------------------------
# countries


def test_country_table():
    df = K.country_codes()
    assert len(df) == 250 and df["alpha2"].is_unique and df["alpha3"].is_unique
    assert len(K.EU27) == 27 and len(K.ASEAN10) == 10
    assert K.EU27 | K.ASEAN10 <= set(df["alpha2"])
    assert "GB" not in K.EU27 and "GR" in K.EU27


def test_validate_and_normalize_country():
    s = pd.Series(["CN", "CHN", "cn", "XX", "UK", None])
    assert K.validate_country(s).tolist() == [True, True, False, False, False, False]
    assert K.normalize_country(s).tolist() == ["CN", "CN", "CN", np.nan, np.nan, np.nan]


def test_country_region():
    s = pd.Series(
        ["DEU", "FR", "US", "USA", "JP", "KOR", "VN", "SGP", "HK", "TWN", "MO", "CN", "GB", "TL", "??"]
    )
    assert K.country_region(s).tolist() == [
        "EU", "EU", "US", "US", "JP", "KR", "ASEAN", "ASEAN", "HK_MO_TW", "HK_MO_TW", "HK_MO_TW", "CN", "other",
        "other", np.nan,
    ]  # fmt: skip
    assert set(K.country_region(K.country_codes()["alpha2"])) == set(K.REGIONS)


def test_countries_named_in_chinese_as_customs_files_write_them():
    """CLDR names, simplified and traditional, and the short forms (香港); an unknown name stays missing."""
    from chainatlas.geo.countries import normalize_country

    got = normalize_country(
        pd.Series(["日本", "韩国", "南韓", "美國", "香港", "中国澳门特别行政区", "德国", "火星"])
    )
    assert got.tolist()[:7] == ["JP", "KR", "KR", "US", "HK", "MO", "DE"]
    assert pd.isna(got.iloc[7])
