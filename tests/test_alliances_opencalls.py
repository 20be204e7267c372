"""Alliances and open calls (揭榜挂帅, issue 16 items 3–4): the data (the ``alliances`` kind's level and segment, the
kinds ``open_calls``, ``open_call_bids``, ``open_call_tasks`` and ``open_call_outcomes``, schema migration 7,
templates), the build's innovation ties of the calls' tasks and outcomes, and the services
(:mod:`chainatlas.pipeline.alliances`, :mod:`chainatlas.pipeline.opencalls`) and their command line.

Every number is worked out by hand on a tiny load written below as a GBK CSV with Chinese headers and places given
by name, as an Excel user in 合肥 or 苏州 would save it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.ingest import parse_file
from chainatlas.model.access import Scope
from chainatlas.model.kinds import KINDS
from chainatlas.pipeline import alliances as al
from chainatlas.pipeline import opencalls as oc
from chainatlas.pipeline import query
from chainatlas.pipeline.build import build
from chainatlas.pipeline.facts import FEEDS
from chainatlas.pipeline.load import load_dir
from chainatlas.storage import schema
from chainatlas.storage.base import open_backend
from chainatlas.synth.credit_codes import make_credit_code

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
NEW_KINDS = ("open_calls", "open_call_bids", "open_call_tasks", "open_call_outcomes")


# ------------------------------------------------------------------------------------------- the contract
def test_alliances_gain_level_and_segment():
    k = KINDS["alliances"]
    assert k.names == [
        "alliance_id",
        "alliance_name",
        "level",
        "member_name",
        "member_code",
        "member_adcode",
        "member_address",
        "role",
        "joined",
        "chain",
        "segment",
        "synthetic",
    ]
    lv = k.field("level")
    assert lv.rule == "enum" and not lv.required
    assert lv.choices == {"region": "区域", "province": "省级", "corridor": "走廊", "city": "市级"}
    assert {lv.choice_aliases[a] for a in ("长三角", "G60", "G60科创走廊", "省", "市")} == {
        "region",
        "corridor",
        "province",
        "city",
    }
    assert k.field("segment").rule == "segment" and k.stock and k.key == ("alliance_id", "member_name")


def test_the_open_call_kinds():
    c, b, t, o = (KINDS[k] for k in NEW_KINDS)
    assert c.names == ["call_id", "title", "description", "adcode", "chain", "segment", "budget", "posted", "due",
                       "synthetic"]  # fmt: skip
    assert [c.field(f).rule for f in ("adcode", "chain", "segment", "budget", "posted", "due")] == [
        "adcode",
        "chain",
        "segment",
        "nonneg",
        "date",
        "date",
    ]
    assert c.key == ("call_id",) and c.period_field == "posted" and c.stock
    assert c.field("chain").required and c.field("adcode").required and not c.field("segment").required
    assert b.names == ["call_id", "bid_id", "member_name", "member_code", "member_adcode", "member_address", "lead",
                       "winner", "synthetic"]  # fmt: skip
    assert b.key == ("call_id", "bid_id", "member_name") and b.period_field is None and b.stock
    assert (b.field("lead").rule, b.field("winner").rule, b.field("member_code").rule) == (
        "flag",
        "flag",
        "credit_code",
    )
    assert t.names == ["call_id", "task_id", "milestone", "due", "done", "synthetic"]
    assert t.key == ("call_id", "task_id") and t.period_field == "done" and not t.stock
    assert o.names == ["call_id", "outcome_type", "reference", "count", "date", "synthetic"]
    assert o.field("outcome_type").choices == {"patent": "专利", "transfer": "成果转化", "product": "产品"}
    assert o.key == ("call_id", "outcome_type", "reference") and o.period_field == "date"
    assert FEEDS["open_call_outcomes"].edges == ("open_call_outcomes.*",)
    assert FEEDS["open_call_tasks"].edges == ("open_call_tasks",)
    assert (
        set(FEEDS["open_calls"].edges)
        == set(FEEDS["open_call_bids"].edges)
        == {
            "open_call_tasks",
            "open_call_outcomes.*",
        }
    )


@pytest.mark.parametrize("kind", ["alliances", *NEW_KINDS])
def test_fixture_rows_load(kind):
    b = parse_file(kind, FIXTURES / f"{kind}.csv")
    assert b.ok and b.rows_read > 0 and b.good_mask.all(), [str(e) for e in b.errors]


def test_templates_are_written_for_the_new_kinds(tmp_path: Path):
    r = CliRunner().invoke(main, ["templates", "all", "-o", str(tmp_path / "t")])
    assert r.exit_code == 0, r.output
    for kind in ("alliances", *NEW_KINDS):
        wb = load_workbook(tmp_path / "t" / f"{kind}.xlsx")
        header = [c.value for c in wb["数据"][1]]
        assert [h.rstrip(" *") for h in header] == [f.zh for f in KINDS[kind].fields], kind
        assert wb["说明"]["A1"].value.startswith(KINDS[kind].zh + "：")
    notes = {
        r[1]: r
        for r in load_workbook(tmp_path / "t" / "alliances.xlsx")["说明"].iter_rows(
            min_row=4, values_only=True
        )
    }
    assert "region（区域）" in notes["level"][3] and "G60" in notes["level"][5]


# ------------------------------------------------------------------------------------------- the tiny load
A1 = make_credit_code("91", "320506", "MA1AL0P01")  # 苏州甲科技有限公司, 吴中区
A2 = make_credit_code("91", "320102", "MA1AL0P02")  # 南京乙电子有限公司, 玄武区
A3 = make_credit_code("91", "330106", "MA1AL0P03")  # 杭州丙智能有限公司, 西湖区
A4 = make_credit_code("91", "340104", "MA1AL0P04")  # 合肥丁半导体有限公司, 蜀山区
A5 = make_credit_code("91", "310115", "MA1AL0P05")  # 上海戊微电子有限公司, 浦东新区

FILES = {
    "firms.csv": f"""统一社会信用代码,名称,主体类型,行政区划代码,成立日期
{A1},苏州甲科技有限公司,firm,320506,2010-01-01
{A2},南京乙电子有限公司,firm,320102,2011-01-01
{A3},杭州丙智能有限公司,firm,330106,2012-01-01
{A4},合肥丁半导体有限公司,firm,340104,2013-01-01
{A5},上海戊微电子有限公司,firm,310115,2014-01-01
""",
    # IC: L1 (region) A1 A2 A5; L2 (corridor) A5 A3; L3 (province) A1 无锡己 (by name only); L4 (city) A4.
    # AI: L5 (region) A3 A4. Places by name, levels as the charters write them.
    "alliances.csv": f"""联盟编号,联盟名称,联盟层级,成员名称,成员信用代码,成员行政区划代码,产业链,加入日期
L1,长三角示例集成电路联盟,长三角,苏州甲科技有限公司,{A1},苏州市吴中区,ic,2019-05-01
L1,长三角示例集成电路联盟,长三角,南京乙电子有限公司,{A2},南京市,ic,2019-05-01
L1,长三角示例集成电路联盟,长三角,上海戊微电子有限公司,{A5},上海市浦东新区,ic,2019-06-01
L2,G60示例集成电路联盟,G60科创走廊,上海戊微电子有限公司,{A5},上海市浦东新区,ic,2020-01-01
L2,G60示例集成电路联盟,G60科创走廊,杭州丙智能有限公司,{A3},杭州市西湖区,ic,2020-01-01
L3,江苏示例集成电路联盟,省级,苏州甲科技有限公司,{A1},苏州市吴中区,ic,2018-01-01
L3,江苏示例集成电路联盟,省级,无锡己材料有限公司,,无锡市,ic,2018-03-01
L4,合肥示例集成电路创新联合体,市级,合肥丁半导体有限公司,{A4},合肥市蜀山区,ic,2021-01-01
L5,长三角示例人工智能联盟,区域,杭州丙智能有限公司,{A3},杭州市西湖区,ai,2020-06-01
L5,长三角示例人工智能联盟,区域,合肥丁半导体有限公司,{A4},合肥市蜀山区,ai,2020-06-01
""",
    # C1 合肥 (succeeded), C2 上海 (a task late, one overdue: failed), C3 江苏省 (open), C4 杭州 (no bids, no tasks)
    "open_calls.csv": """榜单编号,榜单名称,发榜地区,产业链,环节,榜单金额（万元）,发榜日期,完成期限
C1,高端光刻胶,合肥市,ic,materials,1000,2022-03-01,2024-12-31
C2,刻蚀设备关键部件,上海市,ic,equipment,500,2022-06-01,2024-06-30
C3,人工智能芯片编译器,江苏省,ai,compute,800,2023-01-10,2025-12-31
C4,车规级芯片材料,杭州市,ic,materials,,2024-11-01,2026-10-31
""",
    "open_call_bids.csv": f"""榜单编号,揭榜方案编号,团队成员名称,团队成员信用代码,团队成员行政区划代码,牵头单位,揭榜成功
C1,C1-1,合肥丁半导体有限公司,{A4},合肥市蜀山区,1,是
C1,C1-1,上海戊微电子有限公司,{A5},上海市浦东新区,0,是
C1,C1-1,苏州甲科技有限公司,{A1},苏州市吴中区,0,是
C1,C1-2,杭州丙智能有限公司,{A3},杭州市西湖区,1,否
C2,C2-1,上海戊微电子有限公司,{A5},上海市浦东新区,1,1
C2,C2-1,复旦示例研究院,,上海市杨浦区,0,1
C3,C3-1,南京乙电子有限公司,{A2},南京市,1,1
C3,C3-1,杭州丙智能有限公司,{A3},杭州市西湖区,0,1
""",
    "open_call_tasks.csv": """榜单编号,任务编号,任务节点,计划完成日期,实际完成日期
C1,T1,方案评审,2022-12-31,2022-12-20
C1,T2,样品验证,2023-12-31,2023-12-31
C1,T3,小批量试产,2024-12-31,2024-12-01
C2,T1,关键部件样机,2023-06-30,2023-08-09
C2,T2,整机验证,2024-06-30,
C3,T1,编译器原型,2023-12-31,2023-12-15
C3,T2,流片验证,2025-06-30,
""",
    "open_call_outcomes.csv": """榜单编号,成果类型,成果编号,数量,日期
C1,专利,CN202310000001.X,2,2023-09-01
C1,成果转化,JS2024000001,,2024-03-01
C2,产品,刻蚀腔体样机,1,2024-05-01
C3,发明专利,CN202410000009.X,3,2024-10-01
""",
}


def _write(d: Path, names: tuple[str, ...] | None = None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        if names is None or name in names:
            (d / name).write_bytes(text.encode("gbk"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("issue16_in")
    _write(d)
    db = d.parent / f"{d.name}.duckdb"
    with open_backend(db) as b:
        load_dir(b, d)
        build(b)
    return db


@pytest.fixture()
def atlas16(tiny: Path):
    with open_backend(tiny, read_only=True) as b:
        yield b


def test_a_gbk_file_with_chinese_headers_and_place_names_is_read(tmp_path: Path):
    _write(tmp_path)
    b = parse_file("alliances", tmp_path / "alliances.csv")
    assert b.ok, [str(e) for e in b.errors]
    assert str(b.meta["encoding"]).lower().replace("-", "") in ("gbk", "gb18030", "gb2312")
    t = b.table
    assert (
        t["level"].tolist()
        == ["region"] * 3 + ["corridor"] * 2 + ["province"] * 2 + ["city"] + ["region"] * 2
    )
    assert t["member_adcode"].tolist()[:3] == ["320506", "320100", "310115"]
    assert t.loc[6, "member_adcode"] == "320200"  # 无锡市, a member with no code
    c = parse_file("open_calls", tmp_path / "open_calls.csv")
    assert c.ok, [str(e) for e in c.errors]
    assert c.table["adcode"].tolist() == ["340100", "310100", "320000", "330100"]
    assert math.isnan(c.table["budget"].iloc[3])  # blank: unknown, never 0
    bids = parse_file("open_call_bids", tmp_path / "open_call_bids.csv")
    assert bids.ok and bids.table["winner"].tolist() == [True, True, True, False, True, True, True, True]
    assert bids.table.loc[5, "member_adcode"] == "310110"  # 上海市杨浦区
    o = parse_file("open_call_outcomes", tmp_path / "open_call_outcomes.csv")
    assert o.ok and o.table["outcome_type"].tolist() == ["patent", "transfer", "product", "patent"]
    t = parse_file("open_call_tasks", tmp_path / "open_call_tasks.csv")
    assert t.ok and t.table["year"].astype("Int64").tolist()[:4] == [2022, 2023, 2024, 2023]
    assert pd.isna(t.table["year"].iloc[4])  # not done: no year yet


def test_bad_rows_are_rejected_naming_row_column_value_and_rule(tmp_path: Path):
    p = tmp_path / "揭榜.csv"
    p.write_bytes(
        "榜单编号,榜单名称,发榜地区,产业链,环节,榜单金额（万元）,发榜日期\n"
        "C9,示例,苏州,ic,design,-5,2023-02-30\n"
        ",缺编号,火星市,quantum,,100,2023-01-01\n".encode("gbk")
    )
    errors = {(e.row, e.column, e.value, e.rule) for e in parse_file("open_calls", p).errors}
    assert (2, "budget", "-5", "negative amount") in errors
    got = {(r, c, u) for r, c, v, u in errors}
    assert {
        (2, "posted", "date"),
        (3, "call_id", "required"),
        (3, "adcode", "adcode"),
        (3, "chain", "chain"),
    } <= got
    p = tmp_path / "联盟.csv"
    p.write_text("联盟编号,联盟名称,联盟层级,成员名称,产业链\nA1,示例联盟,县级,甲公司,ic\n", encoding="utf-8")
    (e,) = parse_file("alliances", p).errors
    assert (e.row, e.column, e.value, e.rule) == (2, "level", "县级", "enum")
    assert "region (区域)" in e.message and "city (市级)" in e.message
    p = tmp_path / "成果.csv"
    p.write_text("榜单编号,成果类型,成果编号,日期\nC1,论文,X1,2024-01-01\n", encoding="utf-8")
    (e,) = parse_file("open_call_outcomes", p).errors
    assert (e.column, e.value, e.rule) == ("outcome_type", "论文", "enum") and "patent (专利)" in e.message


# ------------------------------------------------------------------------------------------- migration 7
def _schema_6_atlas(db: Path) -> None:
    """An atlas as schema 6 left it: ``raw_alliances`` without level and segment, no open-call tables."""
    con = duckdb.connect(str(db))
    con.execute("BEGIN TRANSACTION")
    for step in range(1, 7):
        for stmt in schema.MIGRATIONS[step]:
            con.execute(stmt)
    k = KINDS["alliances"]
    old = dataclasses.replace(k, fields=tuple(f for f in k.fields if f.name not in ("level", "segment")))
    for table, cols in (
        (k.table, schema.raw_columns(old)),
        (schema.REVISIONS_TABLE.format(table=k.table), schema.revision_columns(old)),
    ):
        con.execute(f"DROP TABLE {table}")
        con.execute(f"CREATE TABLE {table} (" + ", ".join(f'"{c}" {t}' for c, t in cols) + ")")
    for name in NEW_KINDS:
        t = KINDS[name].table
        con.execute(f"DROP TABLE {t}")
        con.execute(f"DROP TABLE {schema.REVISIONS_TABLE.format(table=t)}")
    con.execute(
        "INSERT INTO raw_alliances (alliance_id, alliance_name, member_name, chain, year, batch_id) "
        "VALUES ('A9', '旧联盟', '旧成员', 'ic', 2019, 1)"
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '6')")
    con.execute("COMMIT")
    con.close()


def test_a_schema_6_atlas_gains_levels_and_the_open_call_tables(tmp_path: Path):
    db = tmp_path / "v6.duckdb"
    _schema_6_atlas(db)
    assert schema.SCHEMA_VERSION == 7 and schema.OPEN_CALL_KINDS == NEW_KINDS
    with open_backend(db) as b:
        assert b.schema_version == 7
        cols = [r[0] for r in b.con.execute("DESCRIBE raw_alliances").fetchall()]
        assert cols == [c for c, _ in schema.raw_columns(KINDS["alliances"])]
        old = b.sql("SELECT alliance_id, member_name, level, segment FROM raw_alliances")
        assert old.iloc[0, :2].tolist() == ["A9", "旧成员"] and old[["level", "segment"]].isna().all(
            axis=None
        )
        for name in NEW_KINDS:
            assert b.has_table(KINDS[name].table) and b.has_table(f"{KINDS[name].table}_revisions")
        d = tmp_path / "in"
        _write(d)
        load_dir(b, d)
        build(b)
        assert {"open_call_tasks", "open_call_outcomes.patent"} <= set(
            b.sql("SELECT DISTINCT source FROM facts")["source"]
        )


# ------------------------------------------------------------------------------------------- the build
def _facts(b, source: str) -> list[tuple]:
    df = b.sql(
        "SELECT year, src, dst, src_adcode, dst_adcode, round(n, 6) AS n, value, ck_type, ck, layer FROM facts "
        f"WHERE source = '{source}' ORDER BY year, dst, src"
    )
    return [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)]


FUDAN = "N:复旦示例研究院"


def test_outcomes_and_tasks_done_are_innovation_ties_from_the_team_to_the_posting_place(atlas16):
    """Each record splits over the call's winning members (C1: 3, C2: 2, C3: 2): n = count / k, placed from the
    member's place to the posting place; the losing bid C1-2 and the call without a bid give nothing."""
    third, two_thirds = round(1 / 3, 6), round(2 / 3, 6)
    ic_m, ic_e, ai_c = ("x", "ic:materials", "innovation"), ("x", "ic:equipment", "innovation"), (
        "x", "ai:compute", "innovation")  # fmt: skip
    assert _facts(atlas16, "open_call_outcomes.patent") == [
        # C1: 2 patents in 2023 → 2/3 to each of 合肥丁, 上海戊, 苏州甲
        (2023, A5, "340100", "310115", "340100", two_thirds, None, *ic_m),
        (2023, A1, "340100", "320506", "340100", two_thirds, None, *ic_m),
        (2023, A4, "340100", "340104", "340100", two_thirds, None, *ic_m),
        # C3: 3 patents in 2024 → 1.5 to 南京乙 and 杭州丙, posted by 江苏省
        (2024, A2, "320000", "320100", "320000", 1.5, None, *ai_c),
        (2024, A3, "320000", "330106", "320000", 1.5, None, *ai_c),
    ]
    assert _facts(atlas16, "open_call_outcomes.transfer") == [
        (2024, A5, "340100", "310115", "340100", third, None, *ic_m),  # a blank count is 1
        (2024, A1, "340100", "320506", "340100", third, None, *ic_m),
        (2024, A4, "340100", "340104", "340100", third, None, *ic_m),
    ]
    assert _facts(atlas16, "open_call_outcomes.product") == [
        (2024, A5, "310100", "310115", "310100", 0.5, None, *ic_e),
        (2024, FUDAN, "310100", "310110", "310100", 0.5, None, *ic_e),  # by name, its own place
    ]
    tasks = _facts(atlas16, "open_call_tasks")
    # done tasks only, in the year done: C1 T1 2022, T2 2023, T3 2024 (3 × 1/3 each); C2 T1 2023 (2 × 1/2, late
    # but done); C3 T1 2023 (2 × 1/2); the overdue and the pending ones give nothing
    cols = ["year", "src", "dst", "src_adcode", "dst_adcode", "n", "value", "ck_type", "ck", "layer"]
    per_year = pd.DataFrame(tasks, columns=cols).groupby(["year", "dst"])["n"].sum()
    assert per_year.to_dict() == pytest.approx(
        {
            (2022, "340100"): 1.0,
            (2023, "340100"): 1.0,
            (2023, "310100"): 1.0,
            (2023, "320000"): 1.0,
            (2024, "340100"): 1.0,
        },
        abs=1e-5,
    )
    assert len(tasks) == 3 + 3 + 2 + 2 + 3


def test_the_city_layer_carries_them_between_places(atlas16):
    e = atlas16.sql(
        "SELECT source, src, dst, round(n, 6) AS n FROM layer_edges WHERE scale = 'city' AND chain = '*' AND "
        "layer = 'innovation' AND year = 2024 AND source LIKE 'open_call%' ORDER BY ALL"
    )
    third = round(1 / 3, 6)
    assert [tuple(r) for r in e.itertuples(index=False)] == [
        # C2's product, 上海 → 上海; C3 (posted by a province) has no city end and is left out at this scale
        ("open_call_outcomes.product", "310100", "310100", 1.0),
        ("open_call_outcomes.transfer", "310100", "340100", third),
        ("open_call_outcomes.transfer", "320500", "340100", third),
        ("open_call_outcomes.transfer", "340100", "340100", third),
        ("open_call_tasks", "310100", "340100", third),
        ("open_call_tasks", "320500", "340100", third),
        ("open_call_tasks", "340100", "340100", third),
    ]


# ------------------------------------------------------------------------------------------- alliances
def test_alliances_by_level_with_shared_members(atlas16):
    a = al.alliances(atlas16, chain="ic")
    assert a[["alliance_id", "level", "members", "shared_members", "provinces", "cities", "cluster"]].values.tolist() == [
        ["L1", "region", 3, 2, 2, 3, "ic-1"],  # A1 (also L3) and A5 (also L2) shared; 32 and 31
        ["L2", "corridor", 2, 1, 2, 2, "ic-1"],  # A5; A3 is also in the AI alliance L5: another chain
        ["L3", "province", 2, 1, 1, 2, "ic-1"],
        ["L4", "city", 1, 0, 1, 1, "ic-2"],
    ]  # fmt: skip
    assert a["places"].tolist()[0] == "310000;320100;320500"
    assert a["level_zh"].tolist() == ["区域", "走廊", "省级", "市级"]
    assert al.alliances(atlas16, chain="ic", level="province")["alliance_id"].tolist() == ["L3"]
    with pytest.raises(ConfigError, match="level"):
        al.alliances(atlas16, level="county")
    with pytest.raises(ConfigError, match="chain"):
        al.alliances(atlas16, chain="quantum")


def test_overlap_and_the_fragmentation_index_by_hand(atlas16):
    o = al.overlap(atlas16, chain="ic")
    assert o[["alliance_a", "alliance_b", "shared", "union", "jaccard"]].values.tolist() == [
        ["L1", "L2", 1, 4, 0.25],
        ["L1", "L3", 1, 4, 0.25],
        ["L1", "L4", 0, 4, 0.0],
        ["L2", "L3", 0, 4, 0.0],
        ["L2", "L4", 0, 3, 0.0],
        ["L3", "L4", 0, 3, 0.0],
    ]
    assert al.overlap(atlas16, chain="ic", shared_only=True)["name_b"].tolist() == ["G60示例集成电路联盟",
                                                                                  "江苏示例集成电路联盟"]  # fmt: skip
    f = al.fragmentation(atlas16).chains.set_index("chain")
    # IC: N = 4; 6 members, 2 shared: S = 1/3; provinces per alliance 2, 2, 1, 1: P̄ = 1.5
    # F = (1 − 1/4)(1 − 1/3)(1/1.5) = 0.75 × 2/3 × 2/3 = 1/3
    ic = f.loc["ic"]
    assert (ic["alliances"], ic["members"], ic["shared_members"]) == (4, 6, 2)
    assert ic["mean_provinces"] == 1.5 and ic["mean_cities"] == 2.0  # cities 3, 2, 2, 1
    assert (ic["count_part"], ic["sharing_part"], ic["reach_part"]) == pytest.approx((0.75, 2 / 3, 2 / 3))
    assert ic["index"] == pytest.approx(1 / 3) and ic["levels"] == "region;corridor;province;city"
    assert f.loc["ai", "index"] == 0.0  # one alliance: nothing to fragment
    assert ic["chain_zh"] == "集成电路"


def test_clusters_within_and_across_chains(atlas16):
    c = al.clusters(atlas16)
    assert c.assignment[["alliance_id", "cluster"]].values.tolist() == [
        ["L1", "ic-1"],
        ["L2", "ic-1"],
        ["L3", "ic-1"],
        ["L4", "ic-2"],
        ["L5", "ai-1"],
    ]
    assert c.edges[["alliance_a", "alliance_b", "shared"]].values.tolist() == [
        ["L1", "L2", 1],
        ["L1", "L3", 1],
    ]
    row = c.clusters.set_index("cluster").loc["ic-1"]
    assert (row["alliances"], row["members"], row["shared_members"], row["provinces"]) == (3, 5, 2,
                                                                                          "310000;320000;330000")  # fmt: skip
    # across chains 杭州丙 (L2, L5) and 合肥丁 (L4, L5) tie every alliance into one cluster
    across = al.clusters(atlas16, within_chain=False)
    assert set(across.assignment["cluster"]) == {"all-1"} and len(across.edges) == 4
    with pytest.raises(ConfigError, match="method"):
        al.clusters(atlas16, method="kmeans")


def test_member_places_for_the_map(atlas16):
    p = al.member_places(atlas16, chain="ic")
    got = {r.adcode: (r.members, r.alliances) for r in p.itertuples()}
    assert got == {
        "310000": (1, 2),  # 上海戊 in L1 and L2
        "320500": (1, 2),  # 苏州甲 in L1 and L3
        "320100": (1, 1),
        "330100": (1, 1),
        "320200": (1, 1),  # 无锡己, known by name only
        "340100": (1, 1),
    }
    assert p.set_index("adcode").loc["320500", "name"] == "苏州市"


def test_a_one_city_reader_sees_the_alliances_with_a_member_there(atlas16):
    with query.scoped(Scope(prefix="3202", personal=False)):  # 无锡
        a = al.alliances(atlas16)
        f = al.fragmentation(atlas16).chains
    assert a["alliance_id"].tolist() == ["L3"] and a["members"].tolist() == [2]  # the whole roster
    assert f["alliances"].tolist() == [1]


# ------------------------------------------------------------------------------------------- open calls
def test_progress_and_status_as_of_the_latest_year(atlas16):
    assert oc.as_of_date(atlas16) == pd.Timestamp("2024-12-31")  # the latest record: C4 posted in 2024
    c = oc.calls(atlas16).set_index("call_id")
    cols = ["tasks", "done", "on_time", "late", "overdue", "pending", "progress", "days_late", "status"]
    got = c.loc[["C1", "C2", "C3", "C4"], cols].astype(object)
    assert got.where(got.notna(), None).values.tolist() == [
        [3, 3, 3, 0, 0, 0, 1.0, 0, "succeeded"],
        # T1 done 40 days late; T2 due 2024-06-30, not done: 184 days overdue on 2024-12-31
        [2, 1, 0, 1, 1, 0, 0.5, 184, "failed"],
        [2, 1, 1, 0, 0, 1, 0.5, 0, "open"],
        [0, 0, 0, 0, 0, 0, None, 0, "no_tasks"],
    ]  # fmt: skip
    assert c.index.tolist() == ["C4", "C3", "C2", "C1"]  # newest first
    assert c.loc["C3", "next_due"] == "2025-06-30"
    assert c.loc["C1", ["bids", "winning_bids", "team_members", "team_places"]].tolist() == [2, 1, 3,
                                                                                           "310000;320500;340100"]  # fmt: skip
    assert c.loc["C1", ["cross_city", "cross_province", "patents", "transfers", "products"]].tolist() == [
        True,
        True,
        2,
        1,
        0,
    ]
    assert c.loc["C2", ["cross_city", "team_places"]].tolist() == [False, "310000"]
    assert c.loc["C4", "cross_city"] is None and math.isnan(c.loc["C4", "budget"])
    assert c.loc["C1", ["place_name", "status_zh"]].tolist() == ["合肥市", "按期完成"]
    # earlier: C1's last task was not done yet on 2024-06-30 and C2's second was just due
    early = oc.calls(atlas16, as_of="2024年6月30日").set_index("call_id")["status"]
    assert early.to_dict() == {"C4": "no_tasks", "C3": "open", "C2": "failed", "C1": "open"}
    assert oc.calls(atlas16, status="failed")["call_id"].tolist() == ["C2"]
    assert oc.calls(atlas16, place="上海市")["call_id"].tolist() == ["C2"]
    assert oc.calls(atlas16, chain="ic", segment="materials")["call_id"].tolist() == ["C4", "C1"]
    with pytest.raises(ConfigError, match="as_of"):
        oc.calls(atlas16, as_of="2024-02-30")
    with pytest.raises(ConfigError, match="status"):
        oc.calls(atlas16, status="done")
    with pytest.raises(ConfigError, match="place"):
        oc.calls(atlas16, place="火星市")


def test_success_rates_by_segment_and_place(atlas16):
    r = oc.rates(atlas16)
    seg = r.by_segment.set_index(["chain", "segment"])
    # decided: C1 succeeded, C2 failed; C3 open and C4 without tasks are counted, not judged
    assert seg.loc[
        ("ic", "materials"), ["calls", "succeeded", "decided", "success_rate", "budget"]
    ].tolist() == [
        2,
        1,
        1,
        1.0,
        1000.0,  # C4's unknown budget is not 0
    ]
    assert seg.loc[("ic", "equipment"), "success_rate"] == 0.0 and math.isnan(
        seg.loc[("ai", "compute"), "success_rate"]
    )
    assert seg.loc[("ic", "materials"), "segment_zh"] == "半导体材料"
    assert r.overall == 0.5
    plc = r.by_place.set_index("place")
    assert plc.index.tolist() == [
        "310000",
        "320000",
        "330100",
        "340100",
    ]  # a municipality whole; a province as posted
    assert plc["success_rate"].tolist()[0] == 0.0 and plc.loc["340100", "name"] == "合肥市"
    prov = oc.rates(atlas16, level="province").by_place.set_index("place")
    assert prov.loc["320000", "calls"] == 1 and prov.loc["340000", "succeeded"] == 1


def test_winning_teams_and_their_arcs(atlas16):
    t = oc.teams(atlas16).set_index("call_id")
    assert t.loc["C1", ["bids", "members", "places", "cities", "provinces", "host_members"]].tolist() == [
        2,
        3,
        "310000;320500;340100",
        3,
        3,
        1,
    ]
    assert t.loc["C1", "outside_share"] == pytest.approx(2 / 3)
    assert t.loc["C2", ["cross_city", "host_members", "outside_share"]].tolist() == [False, 2, 0.0]
    # C3 was posted by 江苏省: at city level no member is "in" it
    assert t.loc["C3", ["cities", "cross_province", "host_members"]].tolist() == [2, True, 0]
    a = oc.arcs(atlas16, oc.calls(atlas16))
    assert a[["call_id", "src", "dst", "members", "local"]].values.tolist() == [
        ["C1", "310000", "340100", 1, False],
        ["C1", "320500", "340100", 1, False],
        ["C1", "340100", "340100", 1, True],
        ["C2", "310000", "310100", 2, True],
        ["C3", "320100", "320000", 1, False],
        ["C3", "330100", "320000", 1, False],
    ]
    ties = oc.ties(atlas16, call_id="C1").set_index(["kind", "src"])["weight"]
    assert ties.round(6).to_dict() == {
        ("patent", "310000"): round(2 / 3, 6),
        ("patent", "320500"): round(2 / 3, 6),
        ("patent", "340100"): round(2 / 3, 6),
        ("task", "310000"): 1.0,  # three tasks done, a third each
        ("task", "320500"): 1.0,
        ("task", "340100"): 1.0,
        ("transfer", "310000"): round(1 / 3, 6),
        ("transfer", "320500"): round(1 / 3, 6),
        ("transfer", "340100"): round(1 / 3, 6),
    }


def test_one_call_with_its_tasks_bids_and_outcomes(atlas16):
    d = oc.call(atlas16, "C2")
    assert d["as_of"] == "2024-12-31" and d["call"]["status"] == "failed"
    assert d["tasks"][["task_id", "state", "days_late"]].values.tolist() == [
        ["T1", "late", 40],
        ["T2", "overdue", 184],
    ]
    assert d["tasks"]["state_zh"].tolist() == ["逾期完成", "逾期未完成"]
    assert d["bids"][["member_name", "lead", "winner", "city", "in_posting_place"]].values.tolist() == [
        ["上海戊微电子有限公司", True, True, "310000", True],
        ["复旦示例研究院", False, True, "310000", True],
    ]
    assert d["outcomes"][["outcome_type", "reference", "outcome_zh"]].values.tolist() == [
        ["product", "刻蚀腔体样机", "产品"]
    ]
    # with ten days' grace T1 (40 days late) is still late
    assert oc.call(atlas16, "C2", grace_days=10)["tasks"]["days_late"].tolist() == [30, 174]
    with pytest.raises(oc.UnknownCall, match="C9"):
        oc.call(atlas16, "C9")


def test_a_reader_sees_the_calls_posted_or_bid_for_in_their_jurisdiction(atlas16):
    with query.scoped(Scope(prefix="3205", personal=False)):  # 苏州: 苏州甲 is in C1's team
        mine = oc.calls(atlas16)
        rates = oc.rates(atlas16)
    assert mine["call_id"].tolist() == ["C1"] and mine["tasks"].tolist() == [3]  # the call whole
    assert rates.overall == 1.0
    with query.scoped(
        Scope(prefix="33", personal=False)
    ):  # 浙江: C4 posted by 杭州, 杭州丙 bid for C1 and C3
        assert sorted(oc.calls(atlas16)["call_id"]) == ["C1", "C3", "C4"]
    with query.scoped(Scope(prefix="3205", personal=False)), pytest.raises(oc.UnknownCall):
        oc.call(atlas16, "C2")


# ------------------------------------------------------------------------------------------- command line
def test_the_command_line(tiny: Path, tmp_path: Path):
    run = CliRunner().invoke
    env = {"CHAINATLAS_DB": str(tiny)}
    r = run(main, ["alliances", "fragmentation", "--chain", "ic"], env=env)
    assert r.exit_code == 0, r.output
    assert "F = 0.750 × 0.667 × 0.667 = 0.333" in r.output
    r = run(main, ["alliances", "list", "--level", "省级"], env=env)  # the Chinese name of a level
    assert r.exit_code == 0 and "L3 江苏示例集成电路联盟 · 省级" in r.output
    out = tmp_path / "clusters.csv"
    r = run(main, ["alliances", "clusters", "--across-chains", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out, encoding="utf-8-sig")["cluster"].tolist() == ["all-1"]
    prov = json.loads(out.with_name(out.name + ".provenance.json").read_text(encoding="utf-8"))
    assert prov["provenance"]["command"] == "alliances clusters" and prov["summary"]["links"] == 4
    r = run(main, ["opencalls", "list"], env=env)
    assert (
        r.exit_code == 0
        and "截至 2024-12-31：4 个榜单，按期完成 1，逾期 1，进行中 1，未分解任务 1" in r.output
    )
    r = run(main, ["opencalls", "show", "C2"], env=env)
    assert (
        r.exit_code == 0
        and "任务 T2 整机验证 · 计划 2024-06-30 · 完成 — · 逾期未完成（逾期 184 天）" in r.output
    )
    out = tmp_path / "rates.json"
    r = run(main, ["opencalls", "rates", "--by", "place", "-o", str(out)], env=env)
    assert r.exit_code == 0 and "总体成功率 50.0%" in r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [x["place"] for x in doc["data"]] == ["310000", "320000", "330100", "340100"]
    r = run(main, ["opencalls", "teams"], env=env)
    assert r.exit_code == 0 and "C1 C1-1 · 发榜 合肥市 · 成员 3（本地 1）· 跨省" in r.output
    r = run(main, ["opencalls", "progress", "--as-of", "2024-13-01"], env=env)
    assert r.exit_code == 1 and "--as-of: 日期无法识别" in r.output
    r = run(main, ["opencalls", "show", "C9"], env=env)
    assert r.exit_code == 1 and "没有榜单 'C9'" in r.output
    r = run(main, ["alliances", "list", "--level", "县级"], env=env)
    assert r.exit_code == 2 and "region (区域)" in r.output


# ------------------------------------------------------------------------------------------- the generator
@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> tuple[Path, dict]:
    return demo_dir, json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))


def _read(d: Path, manifest: dict, kind: str) -> pd.DataFrame:
    info = manifest["files"][kind]
    return pd.read_csv(d / info["file"], dtype=str, keep_default_na=False, encoding=info["encoding"])


def test_generated_alliances_sit_at_four_levels_and_barely_share_members(demo):
    """The paper's point, recomputed from the file: each of the four chains has alliances at the levels of the
    region, the corridor, a province and a city, and few of their members are in two of them."""
    from chainatlas.analytics.alliances import fragmentation

    d, manifest = demo
    assert manifest["version"] == "1.4.0"
    m = _read(d, manifest, "alliances")
    assert set(m["level"]) == {"region", "corridor", "province", "city"} and (m["synthetic"] == "1").all()
    planted = manifest["calibration"]["alliances"]
    f = fragmentation(m.rename(columns={"member_name": "_n", "member_code": "member_name"}),
                      m.drop_duplicates("alliance_id")[["alliance_id", "chain", "level"]]).chains.set_index("chain")  # fmt: skip
    assert sorted(planted) == sorted(f.index) == ["ai", "bio", "ic", "nev"]
    for c, p in planted.items():
        assert p["levels"] == ["region", "corridor", "province", "city"] and f.loc[c, "levels"] == tuple(
            p["levels"]
        )
        assert (f.loc[c, "alliances"], f.loc[c, "members"], f.loc[c, "shared_members"]) == (
            p["alliances"],
            p["members"],
            p["shared_members"],
        )
        assert f.loc[c, "shared_share"] < 0.25 and f.loc[c, "index"] > 0.3  # fragmented
    # every alliance has one level, the one its name says
    one = m.groupby("alliance_id")["level"].nunique()
    assert (one == 1).all()
    names = m.drop_duplicates("alliance_id").set_index("alliance_id")
    assert names.loc[names["alliance_name"].str.startswith("G60"), "level"].eq("corridor").all()
    assert names.loc[names["alliance_name"].str.endswith("联合体"), "level"].eq("city").all()


def test_generated_open_calls_hold_the_planted_cases(demo):
    """The four files recomputed with the analytics as of the manifest's date give the manifest's numbers, and
    each planted case is there."""
    from chainatlas.analytics import opencalls as aoc

    d, manifest = demo
    p = manifest["calibration"]["open_calls"]
    calls = _read(d, manifest, "open_calls")
    bids = _read(d, manifest, "open_call_bids").assign(winner=lambda x: x["winner"] == "1")
    tasks = _read(d, manifest, "open_call_tasks").replace("", None)
    outs = _read(d, manifest, "open_call_outcomes")
    assert len(calls) == p["calls"] == manifest["rows"]["open_calls"]
    assert calls["call_id"].is_unique and calls["call_id"].tolist() == sorted(calls["call_id"])
    assert (calls["chain"].isin(["ic", "ai"])).mean() > 0.5  # where 揭榜挂帅 started
    prog = aoc.call_progress(calls, tasks, as_of=p["as_of"])
    assert prog["status"].value_counts().to_dict() == {k: v for k, v in p["statuses"].items() if v}
    assert all(p["statuses"][s] > 0 for s in ("succeeded", "failed", "open", "no_tasks"))
    assert (int(prog["on_time"].sum()), int(prog["late"].sum()), int(prog["overdue"].sum())) == (
        p["tasks"]["on_time"],
        p["tasks"]["late"],
        p["tasks"]["overdue"],
    )
    assert p["tasks"]["late"] > 0 and p["tasks"]["overdue"] > 0 and p["tasks"]["open"] > 0
    teams = aoc.winning_teams(calls, bids.assign(member_adcode=bids["member_adcode"].replace("", None)))
    won = teams.groupby("call_id")
    assert won.ngroups == p["awarded"]
    assert (
        p["cross_city_winners"] > p["awarded"] / 2
    )  # most winning teams cross cities (checked on the atlas below)
    cases = p["cases"]
    assert cases["no_bids"] not in set(bids["call_id"])
    assert (teams["call_id"] == cases["joint_winners"]).sum() == 2
    local = teams[teams["call_id"] == cases["local_winner"]]
    assert len(local) == 1 and not local["cross_city"].iloc[0]
    assert prog.set_index("call_id").loc[cases["late"], "late"] >= 1
    assert prog.set_index("call_id").loc[cases["overdue"], "overdue"] >= 1
    counts = outs.assign(count=outs["count"].astype(int)).groupby("outcome_type")["count"].sum().to_dict()
    assert counts == {k: v for k, v in p["outcomes"].items() if v}
    # no member was founded after the call it bid for; dates never beyond the data's last day
    firms = _read(d, manifest, "firms").set_index("credit_code")["founded"]
    joined = bids.merge(calls[["call_id", "posted"]], on="call_id")
    founded = pd.to_datetime(joined["member_code"].map(firms).replace("", None))
    assert (founded.isna() | (founded <= pd.to_datetime(joined["posted"]))).all()
    assert pd.to_datetime(outs["date"]).max() <= pd.Timestamp(p["as_of"])


def test_the_demo_atlas_feeds_the_services(atlas, demo):
    """The built demo atlas answers with the manifest's statuses (as of its last day) and alliance counts."""
    _, manifest = demo
    p = manifest["calibration"]["open_calls"]
    c = oc.calls(atlas)
    assert c["status"].value_counts().to_dict() == {k: v for k, v in p["statuses"].items() if v}
    # the members' places as loaded (addresses geocoded, retired codes crosswalked): the manifest's cities
    won = c[c["winning_bids"] > 0]
    assert len(won) == p["awarded"]
    assert (int(won["cross_city"].astype(bool).sum()), int(won["cross_province"].astype(bool).sum())) == (
        p["cross_city_winners"],
        p["cross_province_winners"],
    )
    f = al.fragmentation(atlas).chains.set_index("chain")
    for chain, x in manifest["calibration"]["alliances"].items():
        assert (f.loc[chain, "members"], f.loc[chain, "shared_members"]) == (
            x["members"],
            x["shared_members"],
        )
