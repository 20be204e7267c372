"""Periodic inspection wired to the atlas (issue 13, items 3 and 4): ``chainatlas check``.

Which units must fire is recomputed from ``query.attr_frame`` (the stored node attributes) or worked out by hand
from a small constructed atlas (``case_db``), not from the history or rule code under test.

The constructed atlas (firms founded 2020; periods 2022–2024):

- 苏州甲晶圆 (320506 吴中区) and 苏州乙晶圆 (320505 虎丘区): GB/T 4754 3973, ic 晶圆制造 (fabrication);
  杭州丙 (330106) and 无锡丁 (320214): 6520, ic 芯片设计 (design); 南京己 (320106): 3985, ic 半导体材料.
- ic 封装测试 (packaging_test) is judged on patents (no industry code reaches it): IPC H01L 23/31 by 苏州甲 and
  杭州丙 in 2022 (two cities: ok), by 苏州甲 alone in 2023 (单点), none in 2024 (断链).
- Joint patents (IPC A01B, no chain): 2022 苏州–杭州 and 苏州–无锡; 2023 苏州–南京 twice.
- Customs (HS 854231, ic 晶圆制造): 2023 苏州 imports 50 KR + 50 US, exports 50; 2024 苏州 imports 60 + 30 KR,
  exports 10; 无锡 exports 200 in 2024.
- Supply links 2024 (explicit ic segments): 晶圆制造 苏州甲 90, 苏州乙 10; 芯片设计 杭州丙 50, 无锡丁 50.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from chainatlas.analytics.alerting import RULE_TYPES, Rule, RuleSet, parse_rules
from chainatlas.errors import ConfigError
from chainatlas.model.access import Scope
from chainatlas.pipeline import query
from chainatlas.pipeline.monitor import (
    COLUMNS,
    check,
    check_sets,
    evidence_records,
    rule_sets,
    rules_dir,
)
from chainatlas.storage.base import open_backend

CASE = {
    "firms.csv": """name,adcode,industry_code,founded,employees
苏州甲晶圆有限公司,320506,3973,2020-03-01,100
苏州乙晶圆有限公司,320505,3973,2020-03-01,50
杭州丙芯片设计有限公司,330106,6520,2020-03-01,40
无锡丁芯片设计有限公司,320214,6520,2020-03-01,30
南京己材料有限公司,320106,3985,2020-03-01,20
""",
    "patents.csv": """patent_id,application_date,ipc,applicants,applicant_adcodes
CN202210000001.1,2022-02-01,H01L 23/31,苏州甲晶圆有限公司,320506
CN202210000002.1,2022-02-01,H01L 23/31,杭州丙芯片设计有限公司,330106
CN202310000001.1,2023-02-01,H01L 23/31,苏州甲晶圆有限公司,320506
CN202210000003.1,2022-05-01,A01B 1/00,苏州甲晶圆有限公司;杭州丙芯片设计有限公司,320506;330106
CN202210000004.1,2022-05-01,A01B 1/00,苏州甲晶圆有限公司;无锡丁芯片设计有限公司,320506;320214
CN202310000003.1,2023-05-01,A01B 1/00,苏州甲晶圆有限公司;南京己材料有限公司,320506;320106
CN202310000004.1,2023-05-01,A01B 1/00,苏州乙晶圆有限公司;南京己材料有限公司,320505;320106
""",
    "trade.csv": """firm_name,period,hs_code,partner_country,direction,value
苏州甲晶圆有限公司,2023-03,854231,KR,import,50
苏州甲晶圆有限公司,2023-04,854231,US,import,50
苏州乙晶圆有限公司,2023-06,854231,US,export,50
苏州甲晶圆有限公司,2024-03,854231,KR,import,60
苏州乙晶圆有限公司,2024-05,854231,KR,import,30
苏州甲晶圆有限公司,2024-06,854231,US,export,10
无锡丁芯片设计有限公司,2024-06,854231,US,export,200
""",
    "supply_links.csv": """supplier_name,customer_name,period,value,chain,segment
苏州甲晶圆有限公司,杭州丙芯片设计有限公司,2024,90,ic,fabrication
苏州乙晶圆有限公司,杭州丙芯片设计有限公司,2024,10,ic,fabrication
杭州丙芯片设计有限公司,苏州甲晶圆有限公司,2024,50,ic,design
无锡丁芯片设计有限公司,苏州甲晶圆有限公司,2024,50,ic,design
""",
}


@pytest.fixture(scope="module")
def case_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chainatlas.pipeline.build import build
    from chainatlas.pipeline.load import load_dir

    folder = tmp_path_factory.mktemp("monitor_case")
    for name, text in CASE.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = folder / "case.duckdb"
    with open_backend(db) as b:
        load_dir(b, folder)
        build(b)
    return db


@pytest.fixture()
def case(case_db: Path):
    with open_backend(case_db, read_only=True) as b:
        yield b


def _set(level: str, jurisdiction: str, *rules: dict) -> RuleSet:
    return parse_rules({"level": level, "jurisdiction": jurisdiction, "rules": list(rules)})


def _ic(alerts: pd.DataFrame, rule: str) -> list[tuple[str, str]]:
    a = alerts[(alerts["rule"] == rule) & (alerts["chain"].isin(["ic", "*"]))]
    return sorted(zip(a["unit"], a["segment"], strict=True))


def _firms(atlas, scale: str) -> pd.DataFrame:
    f = query.attr_frame(atlas, scale=scale, attrs=["firms"], by=("unit", "year"))
    return f.pivot_table(index="unit", columns="year", values="value", aggfunc="sum")


# ------------------------------------------------------------------------------------------ indicator rules
def test_a_threshold_rule_fires_where_the_stored_values_say_with_pending(atlas):
    years = query.periods(atlas)
    last, prev = years[-1], years[-2]
    wide = _firms(atlas, "county")
    wide = wide[wide.index.str.startswith("3205")].reindex(columns=years)
    cut = float(wide[last].median())
    rule = {"id": "few", "type": "threshold", "severity": "warning", "indicator": "firms", "below": cut}
    got = check(atlas, _set("city", "320500", rule))
    expected = set(wide.index[wide[last].fillna(0) < cut])
    assert set(got["unit"]) == expected and len(expected) > 0
    assert (got["value"] < cut).all() and (got["threshold"] == cut).all() and (got["state"] == "firing").all()
    assert list(got.columns) == COLUMNS
    # a county's alert: its city owns it, and concerns the city and the province
    assert set(got["owner"]) == {"320500"} and set(got["jurisdictions"]) == {"320500;320000"}
    assert set(got["chain"]) == {"*"} and set(got["layer"]) == {"industry"} and got["metric"].isna().all()
    # pending 2: only the units below in the last two periods
    got2 = check(atlas, _set("city", "320500", {**rule, "pending": 2}))
    both = set(wide.index[(wide[last].fillna(0) < cut) & (wide[prev].fillna(0) < cut)])
    assert set(got2[got2["state"] == "firing"]["unit"]) == both


def test_the_period_may_be_text_and_must_be_built(case):
    rules = _set(
        "region",
        "YRD",
        {"id": "imp", "type": "threshold", "severity": "info", "indicator": "imports", "above": 0},
    )
    a, b = check(case, rules, period=2023), check(case, rules, period="2023")
    pd.testing.assert_frame_equal(a, b)
    assert a["period"].tolist() == [2023] and a["value"].tolist() == [100.0]  # 苏州: 50 + 50
    with pytest.raises(ConfigError, match="2021 is not built; built years: 2022, 2023, 2024") as e:
        check(case, rules, period=2021)
    assert e.value.param == "period"
    with pytest.raises(
        ConfigError, match="2021Q2 is not built; built quarters: 2023Q1, 2023Q2, 2024Q1, 2024Q2"
    ):
        check(case, rules, period="2021Q2")


def test_a_quarter_is_inspected_on_the_sub_annual_layers(case):
    """Customs are monthly: in 2024Q2 苏州's imports are 30 (苏州乙, 2024-05), all in 虎丘区 (320505); the
    chain-status rule reads annual data only and is named as not evaluated."""
    rules = _set(
        "city",
        "320500",
        {"id": "imp", "type": "threshold", "severity": "info", "indicator": "imports", "above": 0},
        {"id": "brk", "type": "newly_broken", "severity": "critical"},
    )
    got = check(case, rules, period="2024Q2")
    assert got[["rule", "unit", "value", "period"]].values.tolist() == [["imp", "320505", 30.0, "2024Q2"]]
    assert list(got.attrs["skipped"]) == ["brk"]
    rec = evidence_records(case, got["evidence"].iloc[0])
    assert rec["value"].tolist() == [30.0] and rec["period"].tolist() == ["2024-05"]


# ------------------------------------------------------------------------------------------ chain statuses
def test_newly_broken_and_newly_single_region_wide_and_in_a_place(case):
    rules = (
        {"id": "brk", "type": "newly_broken", "severity": "critical"},
        {"id": "sgl", "type": "newly_single", "severity": "warning"},
    )
    # region: 封装测试 ok (2022) → 单点 (2023) → 断链 (2024); the other segments keep their status
    r23, r24 = (check(case, _set("region", "YRD", *rules), period=p) for p in (2023, 2024))
    assert _ic(r23, "sgl") == [("YRD", "packaging_test")] and _ic(r23, "brk") == []
    assert _ic(r24, "brk") == [("YRD", "packaging_test")] and _ic(r24, "sgl") == []
    row = r24[r24["rule"] == "brk"].iloc[0]
    assert row["name_zh"] == "长三角·封装测试" and row["owner"] == "YRD" and row["opened"]
    assert row["jurisdictions"] == "320000"  # broken: the province that last held it (苏州, 2023)
    assert json.loads(row["evidence"]) == {
        "kinds": ["patents"],
        "attrs": ["patents"],
        "place": "YRD",
        "period": "2024",
        "chain": "ic",
        "segment": "packaging_test",
    }
    # in Zhejiang it breaks a year earlier (杭州 stops in 2023); in Jiangsu it stays 单点 until 2024
    z23 = check(case, _set("province", "330000", *rules), period=2023)
    j23, j24 = (check(case, _set("province", "320000", *rules), period=p) for p in (2023, 2024))
    assert _ic(z23, "brk") == [("330000", "packaging_test")] and _ic(z23, "sgl") == []
    assert _ic(j23, "brk") == [] and _ic(j23, "sgl") == []
    assert _ic(j24, "brk") == [("320000", "packaging_test")]
    assert j24.loc[j24["rule"] == "brk", "owner"].tolist() == ["320000"]
    # in Suzhou (its counties): 单点 in 吴中区 2022–2023, then 断链
    s24 = check(case, _set("city", "320500", *rules), period=2024)
    assert _ic(s24, "brk") == [("320500", "packaging_test")] and _ic(s24, "sgl") == []
    assert s24["jurisdictions"].tolist() == ["320500;320000"]


# ------------------------------------------------------------------------------------------ import dependence
def test_import_dependence_per_segment_of_the_jurisdiction(case):
    rule = {
        "id": "dep",
        "type": "import_dependence",
        "severity": "warning",
        "ratio_above": 0.6,
        "partner_above": 0.6,
    }
    # 苏州 2024: M = 90 (all KR), X = 10 → 0.9 and top partner share 1.0: fires
    s24 = check(case, _set("city", "320500", rule), period=2024)
    fab = s24[(s24["chain"] == "ic") & (s24["segment"] == "fabrication")]
    assert len(fab) == 1 and fab["unit"].iloc[0] == "320500"
    assert fab["value"].iloc[0] == pytest.approx(0.9) and fab["compared"].iloc[0] == pytest.approx(1.0)
    assert fab["threshold"].iloc[0] == 0.6 and fab["opened"].iloc[0]
    # 苏州 2023: M = 100 (KR 50, US 50), X = 50 → 0.667 but the top partner has only 0.5: silent
    assert _ic(check(case, _set("city", "320500", rule), period=2023), "dep") == []
    # Jiangsu and the region 2024: 无锡 exports 200 → M / (M + X) = 90 / 300 = 0.3: silent
    assert _ic(check(case, _set("province", "320000", rule), period=2024), "dep") == []
    assert _ic(check(case, _set("region", "YRD", rule), period=2024), "dep") == []


# ------------------------------------------------------------------------------------------ concentration
def test_concentration_over_places_and_over_suppliers(case):
    rule = {"id": "hhi", "type": "concentration", "severity": "info", "above": 0.5}
    # region, cities' firms: 晶圆制造 all in 苏州 (HHI 1), 芯片设计 杭州 + 无锡 (0.5, not above), 材料 南京 (1)
    r = check(case, _set("region", "YRD", rule), period=2024)
    assert _ic(r, "hhi") == [("YRD", "fabrication"), ("YRD", "materials")]
    assert r.loc[r["segment"] == "fabrication", "value"].tolist() == [1.0]
    # Jiangsu: only its own cities count, so 芯片设计 is 无锡 alone
    j = check(case, _set("province", "320000", rule), period=2024)
    assert _ic(j, "hhi") == [("320000", "design"), ("320000", "fabrication"), ("320000", "materials")]
    # suppliers (a parameter of the rule): 晶圆制造 0.9² + 0.1² = 0.82; 芯片设计 0.5² + 0.5² = 0.5
    sup = Rule("sup", "concentration", "warning", None, {"above": 0.6, "of": "suppliers"})
    got = check(case, RuleSet("region", "YRD", (sup,)), period=2024)
    assert _ic(got, "sup") == [("YRD", "fabrication")]
    assert got["value"].iloc[0] == pytest.approx(0.82) and got["compared"].iloc[0] == pytest.approx(0.9)
    assert json.loads(got["evidence"].iloc[0])["kinds"] == ["supply_links"]
    # in Jiangsu 杭州丙 is not a supplier of its own: 芯片设计 rests on 无锡丁 alone
    got = check(case, RuleSet("province", "320000", (sup,)), period=2024)
    assert _ic(got, "sup") == [("320000", "design"), ("320000", "fabrication")]


# ------------------------------------------------------------------------------------------ falling metrics
def test_cross_border_linkage_and_hub_spillover_falling(case):
    # innovation ties at province scale: 2022 苏–杭 (cross) and 苏–锡 (inside Jiangsu) → 0.5; 2023 苏–宁 ×2 → 0
    xb = {"id": "xb", "type": "falling", "severity": "warning", "metric": "cross_border_linkage:innovation"}
    got = check(case, _set("region", "YRD", {**xb, "pct": 20}), period=2023)
    assert got["unit"].tolist() == ["YRD"] and got["layer"].tolist() == ["innovation"]
    assert got[["value", "compared", "measure", "threshold"]].iloc[0].tolist() == [0.0, 0.5, -100.0, -20.0]
    assert got["jurisdictions"].tolist() == ["310000;320000;330000;340000"]
    assert check(
        case, _set("region", "YRD", {**xb, "pct": 100}), period=2023
    ).empty  # -100 % is not below -100
    assert check(case, _set("region", "YRD", {**xb, "pct": 20}), period=2022).empty  # nothing to compare
    # the hubs: 苏州's ties beyond the hubs 1 of 2 (无锡) in 2022, 0 of 2 in 2023 (南京 twice) → falls;
    # 南京 has no 2022 ties and 杭州 none in 2023: unknown, silent
    hub = {"id": "hub", "type": "falling", "severity": "info", "metric": "hub_spillover", "pct": 20}
    got = check(case, _set("region", "YRD", hub), period=2023)
    assert got["unit"].tolist() == ["320500"] and got["value"].tolist() == [0.0]
    assert got["compared"].tolist() == [0.5] and got["metric"].tolist() == ["hub_spillover"]
    assert check(case, _set("province", "330000", hub), period=2023).empty  # 杭州 only


def test_an_unknown_metric_is_refused_naming_the_rule_and_the_metrics(case):
    for metric in ("gdp_share", "cross_border_linkage:roads"):
        rules = _set(
            "region", "YRD", {"id": "drop", "type": "falling", "severity": "info", "metric": metric, "pct": 5}
        )
        with pytest.raises(ConfigError, match="rule 'drop': unknown metric") as e:
            check(case, rules)
        assert "cross_border_linkage:<layer>, coupling_grade, hub_spillover" in str(e.value)


def test_coupling_grade_falls_where_the_coupling_topic_says(atlas):
    """Anhui's cities whose grade (entropy-weighted innovation × industry coupling, recomputed here from the
    stored attributes with analytics.coupling) is lower in the last period than in the one before."""
    from chainatlas.analytics import coupling as cp
    from chainatlas.pipeline.analyze.shared import INDUSTRY_ATTRS, INNOVATION_ATTRS

    years = query.periods(atlas)
    ranks = {zh: i + 1 for i, (_, zh, _en) in enumerate(cp.D_GRADES)}
    grade = {}
    for y in years[-2:]:
        n = query.nodes(atlas, scale="city", period=y)
        n = n[query.proper("city", n["unit"]).to_numpy()].set_index("unit")
        for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS):
            n[a] = n.get(a, 0.0)
        u = pd.DataFrame(
            {
                "innovation": cp.entropy_weights(n[list(INNOVATION_ATTRS)].astype(float)).index,
                "industry": cp.entropy_weights(n[list(INDUSTRY_ATTRS)].astype(float)).index,
            }
        )
        grade[y] = cp.coupling(u, method="standard")["grade"].map(ranks)
    fell = sorted(
        u for u in grade[years[-1]].index if u.startswith("34") and grade[years[-1]][u] < grade[years[-2]][u]
    )
    rule = {"id": "cg", "type": "falling", "severity": "info", "metric": "coupling_grade", "pct": 0}
    got = check(atlas, _set("province", "340000", rule))
    assert sorted(got["unit"]) == fell and len(fell) > 0
    assert (got["value"] < got["compared"]).all() and got["layer"].isna().all()


# ------------------------------------------------------------------------------------------ evidence
def test_the_evidence_lists_the_records_behind_the_value_and_respects_the_readers_scope(case):
    rules = _set(
        "region",
        "YRD",
        {"id": "imp", "type": "threshold", "severity": "info", "indicator": "imports", "above": 0},
    )
    got = check(case, rules, period=2024).set_index("unit")
    spec = got.loc["320500", "evidence"]
    assert json.loads(spec) == {
        "kinds": ["trade"],
        "attrs": ["imports"],
        "place": "320500",
        "period": "2024",
        "chain": "*",
        "segment": "*",
    }
    rec = evidence_records(case, spec)
    assert rec["value"].sum() == got.loc["320500", "value"] == 90.0  # 60 + 30, 苏州甲 and 苏州乙
    assert sorted(rec["firm_name"]) == ["苏州乙晶圆有限公司", "苏州甲晶圆有限公司"]
    assert set(rec["kind"]) == {"trade"} and set(rec["direction"]) == {"import"}
    # a segment's records: ic 晶圆制造's customs of 苏州 in 2024, by attribute
    seg = {
        "kinds": ["trade"],
        "attrs": ["imports", "exports"],
        "place": "320500",
        "period": "2024",
        "chain": "ic",
        "segment": "fabrication",
    }
    assert evidence_records(case, seg).groupby("attr")["value"].sum().to_dict() == {
        "exports": 10.0,
        "imports": 90.0,
    }
    # a Wuxi reader sees none of 苏州's records, and of the region's exports only 无锡's
    exports = {"kinds": ["trade"], "attrs": ["exports"], "place": "YRD", "period": "2024"}
    assert sorted(evidence_records(case, exports)["value"]) == [10.0, 200.0]
    with query.scoped(Scope(prefix="3202", personal=False)):
        assert evidence_records(case, spec).empty
        mine = evidence_records(case, exports)
    assert mine["value"].tolist() == [200.0] and mine["place"].tolist() == ["320214"]
    assert len(evidence_records(case, exports, limit=1)) == 1
    with pytest.raises(ConfigError, match="kinds"):
        evidence_records(case, {"kinds": ["gdp"], "period": "2024"})


def test_the_records_of_every_attribute_sum_to_its_stored_value(atlas):
    """For every node attribute the input kinds feed (pipeline.facts.FEEDS), the records evidence_records lists
    for 苏州 in one year add up to the attribute the build stored (a multi-party record by its share)."""
    from chainatlas.pipeline.facts import FEEDS

    year = query.periods(atlas)[-2]
    stored = query.attr_frame(atlas, scale="city", period=year, units=["320500"])
    stored = stored.groupby("attr")["value"].sum()
    for kind, feeds in FEEDS.items():
        for attr in feeds.attrs:
            spec = {"kinds": [kind], "attrs": [attr], "place": "320500", "period": str(year)}
            rec = evidence_records(atlas, spec, limit=100_000)
            assert set(rec["kind"]) <= {kind} and rec["place"].str.startswith("3205").all(), attr
            assert rec["value"].sum() == pytest.approx(float(stored.get(attr, 0.0))), attr


# ------------------------------------------------------------------------------------------ rule sets
def test_the_shipped_rule_sets_use_every_type_and_select_by_level_and_jurisdiction(tmp_path):
    sets = rule_sets()
    assert [(rs.level, rs.jurisdiction) for rs, _ in sets] == [
        ("region", "YRD"),
        ("province", "310000"),
        ("province", "320000"),
        ("province", "330000"),
        ("province", "340000"),
        ("city", "320500"),
    ]
    assert {r.type for rs, _ in sets for r in rs.rules} == set(RULE_TYPES)
    pick = lambda **kw: [(rs.level, rs.jurisdiction) for rs, _ in rule_sets(**kw)]
    assert pick(level="province") == [("province", j) for j in ("310000", "320000", "330000", "340000")]
    assert pick(jurisdiction="3205") == [("city", "320500")]
    assert pick(jurisdiction="320000") == [("province", "320000")]
    assert pick(level="city", jurisdiction="320000") == [("city", "320500")]  # Jiangsu's cities
    assert pick(level="region") == [("region", "YRD")]
    with pytest.raises(ConfigError, match="no rule set for level city and jurisdiction 330000"):
        rule_sets(level="city", jurisdiction="330000")
    # a user's own set beside the atlas replaces the shipped one of the same level and jurisdiction
    mine = rules_dir(tmp_path / "atlas.duckdb")
    assert mine == tmp_path / "atlas.duckdb.rules"
    mine.mkdir()
    (mine / "suzhou.yaml").write_text(
        'level: city\njurisdiction: "320500"\nrules:\n  - {id: x, type: newly_broken, severity: info}\n',
        encoding="utf-8",
    )
    # Hangzhou's own set as Windows Notepad saves it: GBK with CRLF, a Chinese comment
    (mine / "hangzhou.yaml").write_bytes(
        '# 杭州市预警规则\r\nlevel: city\r\njurisdiction: "330100"\r\nrules: []\r\n'.encode("gbk")
    )
    got = {(rs.level, rs.jurisdiction): (rs, src) for rs, src in rule_sets(user_dir=mine)}
    assert [r.id for r in got[("city", "320500")][0].rules] == ["x"]
    assert got[("city", "320500")][1] == str(mine / "suzhou.yaml") and ("city", "330100") in got
    (mine / "odd.yaml").write_text("level: province\njurisdiction: '320500'\nrules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="odd.yaml: jurisdiction '320500' is not a province of the region"):
        rule_sets(user_dir=mine)
    (mine / "odd.yaml").unlink()
    (mine / "bad.yaml").write_text("level: city\njurisdiction: '320600'\nrules: [{id: y, type: nope}]\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        rule_sets(user_dir=mine)


def test_the_shipped_rule_sets_run_on_the_demo_atlas(atlas):
    """Every shipped set over the demo atlas's first four periods (fewer periods, same code: the test stays quick);
    their thresholds are set for the demo data, so most rule types fire somewhere."""
    sets = [rs for rs, _ in rule_sets()]
    period = query.periods(atlas)[3]
    got = check_sets(atlas, sets, period=period)
    assert list(got.columns) == [*COLUMNS, "set_level", "set_jurisdiction"]
    assert set(got["set_jurisdiction"]) == {rs.jurisdiction for rs in sets}
    assert {"newly_single", "import_dependence", "concentration", "falling", "threshold"} <= set(got["type"])
    assert set(got["state"]) <= {"firing", "resolving"} and (got["period"] == period).all()
    assert got["jurisdictions"].str.fullmatch(r"\d{6}(;\d{6})*").all() and got["owner"].str.len().gt(0).all()
    for spec in got["evidence"]:
        assert set(json.loads(spec)) >= {"kinds", "place", "period", "chain", "segment"}
    # rules of a set alert only inside its jurisdiction
    inside = [
        u.startswith(j[:2] if j.endswith("0000") else j[:4]) or u == j
        for u, j in zip(got["unit"], got["set_jurisdiction"], strict=True)
        if j != "YRD"
    ]
    assert all(inside)
    # the owner of a rule that names one is the rule's
    sz = got[got["set_jurisdiction"] == "320500"]
    assert set(sz.loc[sz["rule"].str.startswith("sz-segment"), "owner"]) <= {"苏州市工业和信息化局"}


def test_the_command_writes_the_alerts_for_excel(built_db, tmp_path):
    from click.testing import CliRunner

    from chainatlas.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "level: region\njurisdiction: YRD\nrules:\n  - {id: big, type: threshold, severity: info, indicator: firms, above: 0}\n",
        encoding="utf-8",
    )
    out = tmp_path / "alerts.csv"
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    r = CliRunner().invoke(main, ["--db", str(db), "check", "--rules", str(rules), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str})
    assert len(df) == 41 and set(df["rule"]) == {"big"} and (df["value"] > 0).all()


def test_the_command_picks_the_atlas_rule_sets_by_level_and_jurisdiction(case_db, tmp_path):
    from click.testing import CliRunner

    from chainatlas.cli import main

    db = tmp_path / "case.duckdb"
    shutil.copy(case_db, db)
    out = tmp_path / "zj.json"
    args = ["--db", str(db), "check", "--level", "province", "--jurisdiction", "330000", "--period", "2023"]
    r = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert r.exit_code == 3, r.output  # new alerts at warning or above: a scheduler sees them
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [s["jurisdiction"] for s in doc["provenance"]["rule_sets"]] == ["330000"]
    assert doc["provenance"]["period"] == 2023
    rows = doc_rows = pd.DataFrame(doc["data"])
    assert set(rows["set_jurisdiction"]) == {"330000"}
    assert ("zj-segment-broken", "packaging_test") in set(zip(rows["rule"], rows["segment"], strict=True))
    # a user's set beside the atlas replaces the shipped one
    (Path(str(db) + ".rules")).mkdir()
    (Path(str(db) + ".rules") / "zj.yaml").write_text(
        'level: province\njurisdiction: "330000"\nrules:\n  - {id: mine, type: newly_broken, severity: info}\n',
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, [*args, "-o", str(out)])
    # nothing new: the segment's alert is the same one, now by the user's rule
    assert r.exit_code == 0, r.output
    rows = pd.DataFrame(json.loads(out.read_text(encoding="utf-8"))["data"])
    assert rows[["rule", "segment"]].values.tolist() == [["mine", "packaging_test"]]
    from chainatlas import config
    from chainatlas.storage.alerts import AlertStore

    stored = AlertStore(config.side_file(db, "alerts")).list(include_hidden=True)
    assert len(stored) == len(set(zip(doc_rows["unit"], doc_rows["chain"], doc_rows["segment"], strict=True)))
    still = stored[stored["status"] != "resolved"]
    assert still["segment"].tolist() == ["packaging_test"]
    r = CliRunner().invoke(main, ["--db", str(db), "check", "--period", "2021Q2", "-o", str(out)])
    assert r.exit_code == 1 and "--period: 2021Q2 is not built" in r.output
