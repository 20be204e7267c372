"""Build the bundled YRD geography in ``src/chainatlas/data/geo/`` from ``/work/shared/data``.

Run once by a developer when a source changes (not at install)::

    .venv/bin/python tools/make_geo_data.py [--src /work/shared/data]

Inputs and their licences are described in each source folder's ``SOURCE.md``; this script copies them
into ``ATTRIBUTION.md``. The curated tables (retired-code crosswalk, functional areas, pinyin fixes)
live here as constants so that every output file can be regenerated; edit them here, not in the output.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "chainatlas" / "data" / "geo"
YRD = ("31", "32", "33", "34")
PROVINCE_EN = {"310000": "Shanghai", "320000": "Jiangsu", "330000": "Zhejiang", "340000": "Anhui"}

# pypinyin picks the common reading of polyphones; these are the official romanisations.
PINYIN_FIX = {
    "长宁": "Changning",
    "闵行": "Minhang",
    "长丰": "Changfeng",
    "盐都": "Yandu",
    "蚌山": "Bengshan",
    "天长": "Tianchang",
    "六安": "Lu'an",
    "莲都": "Liandu",
    "涡阳": "Guoyang",
    "六合": "Luhe",
}

# Retired or non-legal county-level codes -> current code. (old, new, name_old, note, effective year)
# Notes: upgraded = 县/县级市 became 区/市 with a new code; merged = abolished and absorbed by `new`;
# split = divided, mapped to the unit that took the seat of government (or the larger part);
# transferred = moved to another prefecture. Sources: State Council approvals as reported by
# the Ministry of Civil Affairs (行政区划变更), 2000-2021; pre-2000 changes are not covered.
CROSSWALK = [
    ("310103", "310101", "卢湾区", "merged", "2011"),
    ("310108", "310106", "闸北区", "merged", "2015"),
    ("310119", "310115", "南汇区", "merged", "2009"),
    ("310200", "310100", "县", "municipal_counties: former group code of Shanghai's counties", ""),
    ("310230", "310151", "崇明县", "upgraded", "2016"),
    ("320103", "320104", "白下区", "merged", "2013"),
    ("320107", "320106", "下关区", "merged", "2013"),
    ("320112", "320116", "大厂区", "merged", "2002"),
    ("320121", "320115", "江宁县", "upgraded", "2000"),
    ("320122", "320111", "江浦县", "merged", "2002"),
    ("320123", "320116", "六合县", "merged", "2002"),
    ("320124", "320117", "溧水县", "upgraded", "2013"),
    ("320125", "320118", "高淳县", "upgraded", "2013"),
    ("320202", "320213", "崇安区", "merged", "2015"),
    ("320203", "320213", "南长区", "merged", "2015"),
    ("320204", "320213", "北塘区", "merged", "2015"),
    ("320283", "320205", "锡山市", "split: 锡山区 (seat) and 惠山区 320206", "2000"),
    ("320304", "320302", "九里区", "split: mostly 鼓楼区, parts to 泉山区/铜山区", "2010"),
    ("320323", "320312", "铜山县", "upgraded", "2010"),
    ("320405", "320412", "戚墅堰区", "merged", "2015"),
    ("320482", "320413", "金坛市", "upgraded", "2015"),
    ("320483", "320412", "武进市", "upgraded", "2002"),
    ("320502", "320508", "沧浪区", "merged", "2012"),
    ("320503", "320508", "平江区", "merged", "2012"),
    ("320504", "320508", "金阊区", "merged", "2012"),
    ("320584", "320509", "吴江市", "upgraded", "2012"),
    ("320586", "320506", "吴县市", "split: 吴中区 (seat) and 相城区 320507", "2001"),
    ("320602", "320613", "崇川区", "merged: old 崇川区 + 港闸区 -> new 崇川区", "2020"),
    ("320611", "320613", "港闸区", "merged", "2020"),
    ("320621", "320685", "海安县", "upgraded", "2018"),
    ("320683", "320612", "通州市", "upgraded", "2009"),
    ("320684", "320614", "海门市", "upgraded", "2020"),
    ("320705", "320706", "新浦区", "merged", "2014"),
    ("320721", "320707", "赣榆县", "upgraded", "2014"),
    ("320802", "320812", "清河区", "merged", "2016"),
    ("320811", "320812", "清浦区", "merged", "2016"),
    ("320821", "320804", "淮阴县", "upgraded", "2001"),
    ("320829", "320813", "洪泽县", "upgraded", "2016"),
    ("320882", "320803", "淮安市 (县级)", "upgraded: 楚州区, renamed 淮安区 2012 (same code)", "2001"),
    ("320982", "320904", "大丰市", "upgraded", "2015"),
    ("321011", "321003", "维扬区", "merged", "2011"),
    ("321088", "321012", "江都市", "upgraded", "2011"),
    ("321121", "321112", "丹徒县", "upgraded", "2002"),
    ("321284", "321204", "姜堰市", "upgraded", "2012"),
    ("321321", "321311", "宿豫县", "upgraded", "2004"),
    ("330103", "330105", "下城区", "merged: 下城区 + 拱墅区 -> new 拱墅区", "2021"),
    ("330104", "330102", "江干区", "split: most to new 上城区, 下沙/白杨 to 钱塘区 330114", "2021"),
    ("330181", "330109", "萧山市", "upgraded", "2001"),
    ("330183", "330111", "富阳市", "upgraded", "2014"),
    ("330184", "330110", "余杭市", "upgraded", "2001"),
    ("330185", "330112", "临安市", "upgraded", "2017"),
    ("330204", "330212", "江东区", "merged", "2016"),
    ("330227", "330212", "鄞县", "upgraded", "2002"),
    ("330283", "330213", "奉化市", "upgraded", "2016"),
    ("330322", "330305", "洞头县", "upgraded", "2015"),
    ("330621", "330603", "绍兴县", "upgraded: 柯桥区", "2013"),
    ("330682", "330604", "上虞市", "upgraded", "2013"),
    ("330721", "330703", "金华县", "split: mostly 金东区, parts to 婺城区", "2000"),
    ("330821", "330803", "衢县", "upgraded: 衢江区", "2001"),
    ("331021", "331083", "玉环县", "upgraded", "2017"),
    ("340203", "340209", "弋江区", "merged: old 弋江区 + 三山区 -> new 弋江区", "2020"),
    ("340208", "340209", "三山区", "merged", "2020"),
    ("340221", "340210", "芜湖县", "upgraded: 湾沚区", "2020"),
    ("340222", "340212", "繁昌县", "upgraded", "2020"),
    ("340225", "340281", "无为县", "upgraded", "2019"),
    ("340502", "340503", "金家庄区", "merged", "2012"),
    ("340702", "340705", "铜官山区", "merged", "2015"),
    ("340703", "340705", "狮子山区", "merged", "2015"),
    ("340721", "340706", "铜陵县", "upgraded: 义安区", "2015"),
    ("340823", "340722", "枞阳县", "transferred: 安庆 -> 铜陵", "2015"),
    ("340824", "340882", "潜山县", "upgraded", "2018"),
    (
        "341400",
        "340100",
        "巢湖市 (地级)",
        "split: seat 居巢区 -> 合肥; 无为 -> 芜湖; 含山/和县 -> 马鞍山",
        "2011",
    ),
    ("341402", "340181", "居巢区", "transferred: county-level 巢湖市 under 合肥", "2011"),
    ("341421", "340124", "庐江县", "transferred: 巢湖 -> 合肥", "2011"),
    ("341422", "340281", "无为县 (巢湖)", "transferred: 巢湖 -> 芜湖, upgraded 2019", "2011"),
    ("341423", "340522", "含山县", "transferred: 巢湖 -> 马鞍山", "2011"),
    ("341424", "340523", "和县", "transferred: 巢湖 -> 马鞍山", "2011"),
    ("341521", "340422", "寿县", "transferred: 六安 -> 淮南", "2015"),
    ("341822", "341882", "广德县", "upgraded", "2019"),
]

AREAS_YAML = """\
# Functional areas (功能区) shipped with Chain Atlas. Generated by tools/make_geo_data.py - edit there.
# members: current GB/T 2260 adcodes at any level. A city member includes the city and all its counties;
# a county member includes only that county. Users add their own areas through chainatlas.geo.validate_area.
- id: g60
  name_zh: G60科创走廊
  name_en: G60 Science and Technology Innovation Corridor
  kind: corridor
  source: >-
    Nine cities since the 2018/2019 expansion (潘秋晨 2023, section 三(一)2; 科技部等《长三角G60科创走廊建设方案》2020).
    Shanghai takes part through 松江区 only.
  members: ['310117', '330400', '330100', '330700', '320500', '330500', '341800', '340200', '340100']
- id: hhy_bay
  name_zh: 沪杭甬湾区
  name_en: Shanghai-Hangzhou-Ningbo Bay Area
  kind: bay
  source: >-
    潘秋晨 2023, section 三(一)1 and its note: 沪杭甬湾区经济创新带 first appears in 《长三角科技创新共同体建设发展规划》
    (2020) without a boundary; following Zhejiang's 《大湾区建设行动计划》 it comprises 上海、杭州、宁波、绍兴、嘉兴、湖州、舟山.
  members: ['310100', '330100', '330200', '330600', '330400', '330500', '330900']
- id: hnhh_belt
  name_zh: 沪宁杭合创新带
  name_en: Shanghai-Nanjing-Hangzhou-Hefei Innovation Belt
  kind: belt
  # Choice made here: no official boundary exists. The paper names the four hubs and, as nodes on the
  # belt, 无锡, 湖州, 芜湖, 嘉兴 and 苏锡常; we take the hubs plus the cities on the 沪宁 axis
  # (苏州, 无锡, 常州, 镇江), the 沪杭 axis (嘉兴, 湖州) and the 宁芜 link towards 合肥 (芜湖, 马鞍山),
  # in the spirit of the "沪宁合杭甬发展带" of 《长三角科技创新共同体建设发展规划》 (2020). 宁波, also named by
  # the paper, is left to hhy_bay. Edit to taste.
  source: >-
    潘秋晨 2023, section 三(一)3 (hubs 上海、南京、杭州、合肥); intermediate cities chosen by Chain Atlas along the
    沪宁合杭甬发展带 of 《长三角科技创新共同体建设发展规划》 (2020).
  members: ['310100', '320100', '330100', '340100', '320500', '320200', '320400', '321100', '330400', '330500',
            '340200', '340500']
- id: demo_zone
  name_zh: 长三角生态绿色一体化发展示范区
  name_en: Yangtze River Delta Ecological Green Integrated Development Demonstration Zone
  kind: demo_zone
  source: >-
    国务院批复《长三角生态绿色一体化发展示范区总体方案》(2019): 青浦区、吴江区、嘉善县 ("两区一县").
  members: ['310118', '320509', '330421']
"""


def short_name(name: str) -> str:
    """Drop the administrative suffix (省/市/区/县, 新区, 畲族自治县) if at least two characters remain."""
    for suffix in ("畲族自治县", "新区", "省", "市", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def pinyin_name(short: str) -> str:
    """Title-case toneless pinyin with the apostrophe rule (Huai'an, Ma'anshan)."""
    if short in PINYIN_FIX:
        return PINYIN_FIX[short]
    sylls = lazy_pinyin(short)
    text = sylls[0] + "".join(("'" + s) if s[0] in "aoe" else s for s in sylls[1:])
    return text[0].upper() + text[1:]


def build_places(src: Path) -> pd.DataFrame:
    cen = pd.read_csv(src / "yrd_city_boundaries/yrd_unit_centroids.csv", dtype=str)
    nbs = pd.read_csv(src / "admin_divisions_nbs/areas.csv", dtype=str)
    nbs = nbs[nbs.provinceCode.isin(YRD) & ~nbs.code.str[4:].str.startswith("7")]
    counties = cen[cen.level == "county"]
    if set(nbs.code) != set(counties.adcode) or len(counties) != 305:
        raise SystemExit("county list of the boundary file differs from NBS areas.csv minus dev zones")
    pop = pd.read_csv(src / "census_city_2010_2020/census_city_2010_2020.csv", dtype={"city_code": str})
    pop = pop.set_index("city_code")[["popu_2020", "popu_2010"]]
    df = pd.DataFrame(
        {
            "adcode": cen.adcode,
            "level": cen.level.replace({"prefecture": "city"}),
            "name_zh": cen.name,
            "province_adcode": cen.province_adcode,
            "city_adcode": cen.prefecture_adcode.fillna(""),
            "lon": cen.centroid_lon,
            "lat": cen.centroid_lat,
            "ilon": cen.inner_point_lon,
            "ilat": cen.inner_point_lat,
        }
    )
    df["short_zh"] = df.name_zh.map(short_name)
    df["name_en"] = [PROVINCE_EN.get(a) or pinyin_name(s) for a, s in zip(df.adcode, df.short_zh)]
    df["parent"] = df.city_adcode.where(df.level == "county", df.province_adcode).where(
        df.level != "province", ""
    )
    df["pop_2020"] = df.adcode.map(pop.popu_2020).astype("Int64")
    df["pop_2010"] = df.adcode.map(pop.popu_2010).astype("Int64")
    for year in ("2020", "2010"):
        sums = df[df.level == "city"].groupby("province_adcode")[f"pop_{year}"].sum()
        prov = df.level == "province"
        df.loc[prov, f"pop_{year}"] = df.loc[prov, "adcode"].map(sums)
    cols = [
        "adcode",
        "level",
        "name_zh",
        "short_zh",
        "name_en",
        "parent",
        "city_adcode",
        "province_adcode",
        "lon",
        "lat",
        "ilon",
        "ilat",
        "pop_2020",
        "pop_2010",
    ]
    return df[cols].sort_values("adcode").reset_index(drop=True)


def build_crosswalk(src: Path, places: pd.DataFrame) -> pd.DataFrame:
    rows = list(CROSSWALK)
    nbs = pd.read_csv(src / "admin_divisions_nbs/areas.csv", dtype=str)
    # Development zones (xx7x) are statistical, not legal, units without boundaries: allocate to their city.
    for code, name, city in nbs[nbs.provinceCode.isin(YRD) & nbs.code.str[4:].str.startswith("7")][
        ["code", "name", "cityCode"]
    ].itertuples(index=False):
        rows.append((code, city + "00", name, "dev_zone: statistical code, allocated to its city", ""))
    # Older NBS editions and cpca carry xx01 "市辖区" (all districts of a city) - allocate to the city.
    current = set(places.adcode)
    for city in places.loc[places.level == "city", "adcode"]:
        if city[:4] + "01" not in current:
            rows.append(
                (city[:4] + "01", city, "市辖区", "municipal_districts: all districts of the city", "")
            )
    cw = pd.DataFrame(rows, columns=["old_code", "new_code", "name_old", "note", "effective"])
    bad = cw[~cw.new_code.isin(current) | cw.old_code.isin(current) | cw.old_code.duplicated()]
    if len(bad):
        raise SystemExit(f"crosswalk rows with a non-current target, current source or duplicate:\n{bad}")
    cpca = pd.read_csv(src / "adcodes_coords_cpca/adcodes.csv", dtype=str).adcode.str[:6]
    missing = sorted(set(cpca[cpca.str[:2].isin(YRD)]) - current - set(cw.old_code))
    if missing:
        raise SystemExit(f"retired cpca codes not in the crosswalk: {missing}")
    return cw.sort_values("old_code").reset_index(drop=True)


def build_universities(src: Path) -> pd.DataFrame:
    u = pd.read_csv(src / "universities_moe_list/universities_moe_list.csv", dtype=str)
    u = u[u.yrd_prefecture_adcode.notna()]
    u = u.rename(
        columns={"name_cn": "name_zh", "name_en_package": "name_en", "yrd_prefecture_adcode": "city_adcode"}
    )
    return u[["name_zh", "name_en", "moe_code", "level", "authority", "city_adcode"]].sort_values("moe_code")


ATTRIBUTION_HEAD = """\
# Attribution of the bundled geography (chainatlas/data/geo)

Generated by `tools/make_geo_data.py`. Each section below reproduces the source's SOURCE.md, followed by what
this package did with it. Cite these sources when you publish maps or figures made with Chain Atlas.

Derived files: `places.csv` (centroids, names, hierarchy, population), `cities|counties|provinces.geojson`
(unchanged copies of the simplified boundaries), `universities.csv`, `crosswalk.csv`, `areas.yaml`.
Build-time tool: `pypinyin` (MIT) for English names (toneless pinyin, polyphones fixed by hand).
Runtime: the `cpca` package (MIT, https://github.com/DQinYuan/chinese_province_city_area_mapper) parses addresses.
`crosswalk.csv` and `areas.yaml` are curated by the Chain Atlas authors (see the comments in each and in the tool).
"""

USE = {
    "admin_divisions_nbs": "Used for the current county list (dev-zone codes xx7x -> crosswalk to their city).",
    "yrd_city_boundaries": "GeoJSON copied unchanged; centroids and interior points -> places.csv lon/lat, ilon/ilat.",
    "census_city_2010_2020": "popu_2020/popu_2010 -> places.csv pop_2020/pop_2010 (provinces = sum of cities).",
    "universities_moe_list": "The 461 YRD rows -> universities.csv (name_en kept as the package spells it).",
    "adcodes_coords_cpca": "Used only to check that every retired YRD code it carries is in crosswalk.csv.",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/work/shared/data"))
    src = ap.parse_args().src
    OUT.mkdir(parents=True, exist_ok=True)
    places = build_places(src)
    places.to_csv(OUT / "places.csv", index=False, encoding="utf-8")
    build_crosswalk(src, places).to_csv(OUT / "crosswalk.csv", index=False, encoding="utf-8")
    build_universities(src).to_csv(OUT / "universities.csv", index=False, encoding="utf-8")
    for level in ("cities", "counties", "provinces"):
        shutil.copyfile(src / f"yrd_city_boundaries/yrd_{level}_simplified.geojson", OUT / f"{level}.geojson")
        json.loads((OUT / f"{level}.geojson").read_text(encoding="utf-8"))  # fail early on a bad copy
    (OUT / "areas.yaml").write_text(AREAS_YAML, encoding="utf-8")
    parts = [ATTRIBUTION_HEAD]
    for folder, use in USE.items():
        text = (src / folder / "SOURCE.md").read_text(encoding="utf-8").strip()
        parts.append(f"\n---\n\n<!-- {folder}/SOURCE.md -->\n{text}\n\n**Use in Chain Atlas:** {use}\n")
    (OUT / "ATTRIBUTION.md").write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
