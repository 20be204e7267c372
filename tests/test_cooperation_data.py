"""The data layer of the cooperation ledgers (issue 15): the extended ``enclaves`` kind and the kinds
``enclave_terms``, ``enclave_shareholders``, ``tax_sharing``, ``vouchers`` and ``recognitions`` (the contract of
``/work/notes/issue15_spec.md`` §1), schema migration 6, templates, and the facts they feed (§2).

The facts are checked on a tiny load whose every number is worked out by hand below.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainatlas.cli import main
from chainatlas.ingest import parse_file
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.kinds import KINDS
from chainatlas.pipeline.build import build
from chainatlas.pipeline.facts import FEEDS, STOCK_ATTRS
from chainatlas.pipeline.load import load_dir
from chainatlas.storage import schema
from chainatlas.storage.base import open_backend
from chainatlas.synth.credit_codes import make_credit_code

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

#: the fields issue 15 appends to ``enclaves`` (before ``synthetic``), in the contract's order
NEW_ENCLAVE_FIELDS = (
    "enclave_type",
    "direction",
    "operator_name",
    "operator_code",
    "land_quota_mu",
    "joint_fund",
    "origin_fund",
    "host_fund",
    "value_added",
    "energy_tce",
    "rd_spend",
    "employees",
)


# ------------------------------------------------------------------------------------------- the contract
def test_enclaves_keep_their_fields_and_gain_the_ledger_ones():
    k = KINDS["enclaves"]
    old = [
        "enclave_id",
        "enclave_name",
        "origin_adcode",
        "host_adcode",
        "established",
        "origin_equity_pct",
        "host_equity_pct",
        "period",
        "area_mu",
        "output",
        "tax",
        "investment",
        "firms",
    ]
    assert k.names == [*old, *NEW_ENCLAVE_FIELDS, "synthetic"]
    assert k.key == ("enclave_id", "period") and not k.stock
    rules = {f.name: f.rule for f in k.fields}
    assert [rules[n] for n in NEW_ENCLAVE_FIELDS] == [
        "enum",
        "enum",
        "text",
        "credit_code",
        *["nonneg"] * 7,
        "count",
    ]
    assert k.field("enclave_type").choices == {
        "industrial": "产业飞地",
        "innovation": "科创飞地",
        "poverty": "消薄飞地",
        "other": "其他",
    }
    assert k.field("direction").choices == {"forward": "正向飞地", "reverse": "逆向飞地"}
    assert not any(k.field(n).required for n in NEW_ENCLAVE_FIELDS)  # an old enclaves file still loads


@pytest.mark.parametrize(
    ("kind", "fields", "key", "required", "stock", "period_field"),
    [
        (
            "enclave_terms",
            (
                "enclave_id agreement_id signed term_years target_output target_tax target_year land_quota_agreed_mu "
                "host_land_mu origin_min_equity_pct host_min_equity_pct origin_tax_share_pct note"
            ),
            ("enclave_id",),
            {"enclave_id"},
            True,
            "signed",
        ),
        (
            "enclave_shareholders",
            "enclave_id period shareholder_name shareholder_code side adcode share_pct paid_in",
            ("enclave_id", "period", "shareholder_name"),
            {"enclave_id", "period", "shareholder_name"},
            False,
            "period",
        ),
        (
            "tax_sharing",
            (
                "agreement_id enclave_id collecting_adcode sharing_adcode basis base_year base_amount share_pct cap "
                "start_year end_year duration_years"
            ),
            ("agreement_id",),
            {"agreement_id", "collecting_adcode", "sharing_adcode", "start_year"},
            True,
            "start_year",
        ),
        (
            "vouchers",
            (
                "voucher_id issuer_adcode issued face_value holder_code holder_name holder_adcode provider_code "
                "provider_name provider_adcode redeemed redeemed_value redeem_mode"
            ),
            ("voucher_id",),
            {"voucher_id", "issuer_adcode", "issued"},
            False,
            "redeemed",
        ),
        (
            "recognitions",
            "agreement_id adcode_a adcode_b start end scope",
            ("agreement_id", "adcode_a", "adcode_b"),
            {"adcode_a", "adcode_b", "start"},
            True,
            "start",
        ),
    ],
)
def test_the_new_kinds_are_the_contract(kind, fields, key, required, stock, period_field):
    k = KINDS[kind]
    assert k.names == [*fields.split(), "synthetic"]
    assert k.key == key and k.stock is stock and k.period_field == period_field
    assert {f.name for f in k.fields if f.required} == required
    for f in k.fields:
        assert f.zh and (f.rule != "enum" or f.choices), (kind, f.name)


def test_the_rules_of_the_new_fields():
    rule = {(k, f.name): f.rule for k in KINDS for f in KINDS[k].fields}
    shares = [
        ("enclave_terms", "origin_min_equity_pct"),
        ("enclave_terms", "host_min_equity_pct"),
        ("enclave_terms", "origin_tax_share_pct"),
        ("enclave_shareholders", "share_pct"),
        ("tax_sharing", "share_pct"),
    ]
    assert all(rule[s] == "share" for s in shares)
    codes = [
        ("enclave_shareholders", "shareholder_code"),
        ("vouchers", "holder_code"),
        ("vouchers", "provider_code"),
    ]
    assert all(rule[c] == "credit_code" for c in codes)
    places = [
        ("enclave_shareholders", "adcode"),
        ("tax_sharing", "collecting_adcode"),
        ("tax_sharing", "sharing_adcode"),
        ("vouchers", "issuer_adcode"),
        ("vouchers", "holder_adcode"),
        ("vouchers", "provider_adcode"),
        ("recognitions", "adcode_a"),
        ("recognitions", "adcode_b"),
    ]
    assert all(rule[p] == "adcode" for p in places)
    periods = [("enclave_terms", "target_year"), ("tax_sharing", "base_year"), ("tax_sharing", "end_year")]
    assert all(rule[p] == "period" for p in periods)
    assert KINDS["tax_sharing"].field("basis").choices == {
        "increment": "增量分成",
        "total": "全额分成",
        "capital": "按出资比例",
    }
    assert KINDS["vouchers"].field("redeem_mode").choices == {"user": "使用方兑付", "provider": "服务方兑付"}
    assert KINDS["enclave_shareholders"].field("side").choices == {
        "origin": "飞出方",
        "host": "飞入方",
        "other": "其他",
    }
    assert KINDS["vouchers"].one_of == (("holder_code", "holder_name"),)


def test_excel_users_headers_and_chinese_values_are_read(tmp_path: Path):
    """Headers as people write them (without units, or another common name) and Chinese enum labels."""
    p = tmp_path / "券.csv"
    p.write_text(
        "券号,发券地,发券日期,面额,用券企业,兑现日期,兑付金额,兑现方式\n"
        "V1,苏州市,2023/3/1,20,苏州甲科技有限公司,2023年6月1日,15,使用方兑付\n",
        encoding="utf-8",
    )
    b = parse_file("vouchers", p)
    assert b.ok, [str(e) for e in b.errors]
    row = b.table.iloc[0]
    assert (row["issuer_adcode"], row["redeem_mode"], row["redeemed_value"], int(row["year"])) == (
        "320500",
        "user",
        15.0,
        2023,
    )
    p = tmp_path / "飞地.csv"
    p.write_text(
        "飞地编号,飞地名称,飞出地代码,飞入地代码,期间,飞地类型,方向,用地指标调剂,增加值,综合能耗,研发经费,从业人数\n"
        "E9,示例园,310100,341802,2023,科创飞地,逆向飞地,12.5,900,300,80,120\n",
        encoding="utf-8",
    )
    b = parse_file("enclaves", p)
    assert b.ok, [str(e) for e in b.errors]
    row = b.table.iloc[0]
    assert (row["enclave_type"], row["direction"], row["land_quota_mu"], row["employees"]) == (
        "innovation",
        "reverse",
        12.5,
        120,
    )
    p = tmp_path / "bad.csv"
    p.write_text(
        "协议编号,征收地,分享地,起始年份,分成方式,分享比例\nT1,341802,310100,2020,按产值,140\n",
        encoding="utf-8",
    )
    errors = {(e.column, e.rule) for e in parse_file("tax_sharing", p).errors}
    assert errors == {("basis", "enum"), ("share_pct", "share")}


@pytest.mark.parametrize("kind", ["enclaves", *schema.COOPERATION_KINDS])
def test_fixture_rows_load(kind):
    b = parse_file(kind, FIXTURES / f"{kind}.csv")
    assert b.ok and b.rows_read > 0 and b.good_mask.all(), [str(e) for e in b.errors]


def test_templates_are_written_for_the_new_kinds(tmp_path: Path):
    r = CliRunner().invoke(main, ["templates", "all", "-o", str(tmp_path / "t")])
    assert r.exit_code == 0, r.output
    for kind in ("enclaves", *schema.COOPERATION_KINDS):
        wb = load_workbook(tmp_path / "t" / f"{kind}.xlsx")
        header = [c.value for c in wb["数据"][1]]
        assert [h.rstrip(" *") for h in header] == [f.zh for f in KINDS[kind].fields], kind
        assert wb["说明"]["A1"].value.startswith(KINDS[kind].zh + "：")
    wb = load_workbook(tmp_path / "t" / "tax_sharing.xlsx")
    notes = {r[1]: r for r in wb["说明"].iter_rows(min_row=4, values_only=True)}
    assert "增量分成" in notes["basis"][3] and "留空为不设上限" in notes["cap"][5]


def test_feeds_and_indicators_of_the_new_kinds():
    assert FEEDS["enclaves"].edges == ("enclaves", "enclave_funds")
    assert FEEDS["enclave_shareholders"].edges == ("enclave_equity",)
    assert FEEDS["vouchers"].edges == ("vouchers",)
    for kind, attr in (
        ("enclave_terms", "enclave_agreements"),
        ("tax_sharing", "tax_sharing_agreements"),
        ("recognitions", "voucher_recognitions"),
    ):
        assert FEEDS[kind].attrs == (attr,) and not FEEDS[kind].edges
        assert attr in STOCK_ATTRS and INDICATORS[attr].inputs == (attr,)


# ------------------------------------------------------------------------------------------- migration 6
def _schema_5_atlas(db: Path) -> None:
    """An atlas as schema 5 left it: migrations 1-5 (which create the raw tables from the *current* kinds), then
    ``raw_enclaves`` and its revisions as they were before issue 15, and no tables for the new kinds."""
    con = duckdb.connect(str(db))
    con.execute("BEGIN TRANSACTION")
    for step in range(1, 6):
        for stmt in schema.MIGRATIONS[step]:
            con.execute(stmt)
    k = KINDS["enclaves"]
    old = dataclasses.replace(k, fields=tuple(f for f in k.fields if f.name not in NEW_ENCLAVE_FIELDS))
    for table, cols in (
        (k.table, schema.raw_columns(old)),
        (schema.REVISIONS_TABLE.format(table=k.table), schema.revision_columns(old)),
    ):
        con.execute(f"DROP TABLE {table}")
        con.execute(f"CREATE TABLE {table} (" + ", ".join(f'"{c}" {t}' for c, t in cols) + ")")
    for name in schema.COOPERATION_KINDS:
        t = KINDS[name].table
        con.execute(f"DROP TABLE {t}")
        con.execute(f"DROP TABLE {schema.REVISIONS_TABLE.format(table=t)}")
    con.execute(
        "INSERT INTO raw_enclaves (enclave_id, enclave_name, origin_adcode, host_adcode, period, output, year, "
        "period_type, row_number, batch_id) VALUES ('E001', '旧飞地', '310100', '341802', '2022', 500, 2022, "
        "'year', 2, 1)"
    )
    con.execute(
        "INSERT INTO raw_enclaves_revisions (enclave_id, period, output, year, batch_id, replaced_by) "
        "VALUES ('E001', '2021', 400, 2021, 1, 2)"
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '5')")
    con.execute("COMMIT")
    con.close()


def _columns(b, table: str) -> list[str]:
    return [
        r[0]
        for r in b.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def test_a_schema_5_atlas_gains_the_ledger_columns_and_tables(tmp_path: Path):
    db = tmp_path / "v5.duckdb"
    _schema_5_atlas(db)
    with duckdb.connect(str(db), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE raw_enclaves").fetchall()]
        assert "land_quota_mu" not in cols and "raw_vouchers" not in {
            r[0] for r in con.execute("SHOW TABLES").fetchall()
        }
    assert schema.SCHEMA_VERSION >= 6  # later migrations (7: issue 16) run too
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION
        k = KINDS["enclaves"]
        assert _columns(b, "raw_enclaves") == [c for c, _ in schema.raw_columns(k)]
        assert _columns(b, "raw_enclaves_revisions") == [c for c, _ in schema.revision_columns(k)]
        for name in schema.COOPERATION_KINDS:
            c = KINDS[name]
            assert _columns(b, c.table) == [n for n, _ in schema.raw_columns(c)]
            assert _columns(b, f"{c.table}_revisions") == [n for n, _ in schema.revision_columns(c)]
        old = b.sql("SELECT enclave_id, enclave_name, output, land_quota_mu, enclave_type FROM raw_enclaves")
        assert old.iloc[0, :3].tolist() == ["E001", "旧飞地", 500.0]
        assert old[["land_quota_mu", "enclave_type"]].isna().all(axis=None)  # unknown, never 0
        rev = b.sql("SELECT period, output, replaced_by, energy_tce FROM raw_enclaves_revisions")
        assert rev.iloc[0, :3].tolist() == ["2021", 400.0, 2] and rev["energy_tce"].isna().all()
        # the migrated atlas takes the new files and builds
        d = tmp_path / "in"
        d.mkdir()
        for kind in ("enclaves", *schema.COOPERATION_KINDS):
            (d / f"{kind}.csv").write_bytes((FIXTURES / f"{kind}.csv").read_bytes())
        load_dir(b, d)
        build(b)
        n = b.sql("SELECT count(*) AS n FROM raw_enclaves")["n"][0]
        assert n == 2  # the old row (E001 2022) and the fixture's (E001 2023)
        sources = set(b.sql("SELECT DISTINCT source FROM facts")["source"])
        assert {"enclaves", "enclave_funds", "enclave_equity", "vouchers"} <= sources


def test_a_fresh_atlas_and_an_older_one_reach_schema_6(tmp_path: Path):
    """Migration 5 rebuilds every kind's table: a schema-4 atlas that has no table for the new kinds still
    migrates (the table is created first)."""
    with open_backend(tmp_path / "new.duckdb") as b:
        assert b.schema_version == schema.SCHEMA_VERSION and all(
            b.has_table(KINDS[k].table) for k in schema.COOPERATION_KINDS
        )
    db = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for stmt in schema.MIGRATIONS[1]:
        con.execute(stmt)
    for name in schema.COOPERATION_KINDS:
        con.execute(f"DROP TABLE {KINDS[name].table}")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '4')")
    con.close()
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION
        for name in schema.COOPERATION_KINDS:
            assert b.has_table(KINDS[name].table) and b.has_table(f"{KINDS[name].table}_revisions")


# ------------------------------------------------------------------------------------------- facts
FUND = make_credit_code("91", "310115", "MA1CQ0P01")  # 上海示例产业投资基金, 浦东
OPERATOR = make_credit_code("91", "341802", "MA1CQ0P02")  # 宣州示例园区运营管理有限公司
PROVIDER = make_credit_code("91", "310104", "MA1CQ0P03")  # 上海示例检测技术有限公司, 徐汇
HOLDER = make_credit_code("91", "340104", "MA1CQ0P04")  # 合肥示例新能源有限公司, 蜀山

FILES = {
    "firms.csv": f"""统一社会信用代码,名称,主体类型,行政区划代码,成立日期
{FUND},上海示例产业投资基金合伙企业（有限合伙）,fund,310115,2012-01-01
{OPERATOR},宣州示例园区运营管理有限公司,platform,341802,2014-01-01
{PROVIDER},上海示例检测技术有限公司,service,310104,2010-01-01
{HOLDER},合肥示例新能源有限公司,firm,340104,2015-01-01
,苏州示例材料有限公司,firm,320506,2016-01-01
""",
    # E1 in 2022 and 2023 (operator by code; the origin's fund 3000 in 2023, none given in 2022);
    # E2 in 2023 without an operator, its origin paying 0 (no fund edge)
    "enclaves.csv": """飞地编号,飞地名称,飞出地代码,飞入地代码,期间,产值（万元）,投资（万元）,运营公司信用代码,联合资助（万元）,飞出地出资（万元）,飞入地出资（万元）
E1,沪宣示例园,310100,341802,2022,800,8000,"""
    + OPERATOR
    + """,,,
E1,沪宣示例园,310100,341802,2023,1000,10000,"""
    + OPERATOR
    + """,5000,3000,2000
E2,苏宿示例园,320500,321302,2023,300,4000,,600,0,600
""",
    # fund: paid in 6000 (2023); no paid-in in 2022: 60 % × 8000 = 4800. Host company by name: 40 % × 10000 = 4000.
    # E2's sole shareholder: 100 % × 4000 = 4000 to 'enclave:E2'. E9 has no enclave rows: unknown weight, no host.
    "enclave_shareholders.csv": f"""飞地编号,期间,股东名称,股东信用代码,所属方,股东所在地代码,持股比例（%）,实缴出资（万元）
E1,2023,上海示例产业投资基金合伙企业（有限合伙）,{FUND},origin,,60,6000
E1,2023,宣城示例国有资产投资经营有限公司,,host,341802,40,
E1,2022,上海示例产业投资基金合伙企业（有限合伙）,{FUND},origin,,60,
E2,2023,苏州示例材料有限公司,,origin,,100,
E9,2023,某公司,,other,310104,50,
""",
    # V1 redeemed 2023 at 18 (of 20); V2 redeemed 2024 without an amount: its face value 5; V3 not redeemed
    "vouchers.csv": f"""创新券编号,发券地代码,发放日期,面额（万元）,用券企业信用代码,用券企业名称,用券企业所在地代码,服务机构信用代码,服务机构名称,兑付日期,兑付金额（万元）,兑付方式
V1,340100,2023-03-01,20,{HOLDER},合肥示例新能源有限公司,,{PROVIDER},上海示例检测技术有限公司,2023-09-15,18,provider
V2,320500,2023-11-01,5,,苏州示例材料有限公司,,{PROVIDER},上海示例检测技术有限公司,2024-01-10,,user
V3,320500,2024-02-01,5,,苏州示例材料有限公司,,,,,,
""",
    # E1 signed 2021 (counts from 2021); E2 undated (every year); E9 has no enclave: no host
    "enclave_terms.csv": """飞地编号,签订日期,飞入地最低持股（%）
E1,2021-05-01,
E2,,35
E9,2020-01-01,
""",
    "tax_sharing.csv": """协议编号,飞地编号,征收地代码,分享地代码,分成方式,分享比例（%）,起始年份
TS1,E1,341802,310100,total,40,2023
TS2,E2,321302,320500,increment,30,2025
""",
    "recognitions.csv": """互认协议编号,地区甲代码,地区乙代码,生效日期
RC1,31,340100,2022-01-01
RC2,320000,330000,2024-04-01
""",
}


@pytest.fixture(scope="module")
def coop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("coop_in")
    for name, text in FILES.items():
        (d / name).write_text(text, encoding="utf-8")
    db = d.parent / f"{d.name}.duckdb"
    with open_backend(db) as b:
        load_dir(b, d)
        build(b)
    return db


def _facts(db: Path, source: str) -> list[tuple]:
    with open_backend(db, read_only=True) as b:
        df = b.sql(
            "SELECT layer, year, src, dst, src_adcode, dst_adcode, n, value, ck_type FROM facts "
            f"WHERE source = '{source}' ORDER BY year, src, dst"
        )
    return [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)]


def test_enclave_equity_edges(coop_db: Path):
    rows = _facts(coop_db, "enclave_equity")
    assert rows == [
        ("value", 2022, FUND, OPERATOR, "310115", "341802", 1.0, 4800.0, "-"),  # 60 % × 8000
        ("value", 2023, FUND, OPERATOR, "310115", "341802", 1.0, 6000.0, "-"),  # paid in
        ("value", 2023, "N:宣城示例国有资产投资经营有限公司", OPERATOR, "341802", "341802", 1.0, 4000.0, "-"),
        ("value", 2023, "N:某公司", "enclave:E9", "310104", None, 1.0, None, "-"),  # no enclave: unknown
        ("value", 2023, "N:苏州示例材料有限公司", "enclave:E2", "320506", "321302", 1.0, 4000.0, "-"),
    ]


def test_enclave_joint_funding_edges(coop_db: Path):
    assert _facts(coop_db, "enclave_funds") == [
        ("value", 2023, "310100", "341802", "310100", "341802", 1.0, 3000.0, "-")
    ]
    # the industry edge of co-building is unchanged: one per enclave row, weighted by output
    assert [r[1:] for r in _facts(coop_db, "enclaves")] == [
        (2022, "310100", "341802", "310100", "341802", 1.0, 800.0, "-"),
        (2023, "310100", "341802", "310100", "341802", 1.0, 1000.0, "-"),
        (2023, "320500", "321302", "320500", "321302", 1.0, 300.0, "-"),
    ]


def test_voucher_edges_are_dated_by_redemption(coop_db: Path):
    assert _facts(coop_db, "vouchers") == [
        ("service", 2023, PROVIDER, HOLDER, "310104", "340104", 1.0, 18.0, "e"),
        # the holder by name and register place; no amount: the face value
        ("service", 2024, PROVIDER, "N:苏州示例材料有限公司", "310104", "320506", 1.0, 5.0, "e"),
    ]


def test_value_and_service_layers_between_places(coop_db: Path):
    with open_backend(coop_db, read_only=True) as b:
        e = b.sql(
            "SELECT source, year, src, dst, n, value FROM layer_edges WHERE scale = 'city' AND chain = '*' "
            "AND source IN ('enclave_equity', 'enclave_funds', 'vouchers') ORDER BY ALL"
        )
    assert [tuple(r) for r in e.itertuples(index=False)] == [
        ("enclave_equity", 2022, "310100", "341800", 1.0, 4800.0),
        ("enclave_equity", 2023, "310100", "341800", 1.0, 6000.0),
        ("enclave_equity", 2023, "320500", "321300", 1.0, 4000.0),
        ("enclave_equity", 2023, "341800", "341800", 1.0, 4000.0),
        ("enclave_funds", 2023, "310100", "341800", 1.0, 3000.0),
        ("vouchers", 2023, "310100", "340100", 1.0, 18.0),
        ("vouchers", 2024, "310100", "320500", 1.0, 5.0),
    ]


def test_agreements_are_counted_per_place_from_their_start(coop_db: Path):
    with open_backend(coop_db, read_only=True) as b:
        got = b.sql(
            "SELECT attr, unit, year, value FROM node_attrs WHERE chain = '*' AND attr IN "
            "('enclave_agreements', 'tax_sharing_agreements', 'voucher_recognitions') AND "
            "((scale = 'county' AND attr <> 'voucher_recognitions') OR "
            "(scale = 'province' AND attr = 'voucher_recognitions')) ORDER BY ALL"
        )
        years = sorted(b.sql("SELECT DISTINCT year FROM builds")["year"])
    assert years == [2022, 2023, 2024]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        # E1 signed in 2021: every built year; E2 undated: every year; E9 has no host
        ("enclave_agreements", "321302", 2022, 1.0),
        ("enclave_agreements", "321302", 2023, 1.0),
        ("enclave_agreements", "321302", 2024, 1.0),
        ("enclave_agreements", "341802", 2022, 1.0),
        ("enclave_agreements", "341802", 2023, 1.0),
        ("enclave_agreements", "341802", 2024, 1.0),
        # TS1 from 2023 at the collecting place; TS2 starts in 2025
        ("tax_sharing_agreements", "341802", 2023, 1.0),
        ("tax_sharing_agreements", "341802", 2024, 1.0),
        # RC1 (31 and 340100) from 2022 at both places; RC2 (Jiangsu, Zhejiang) from 2024
        ("voucher_recognitions", "310000", 2022, 1.0),
        ("voucher_recognitions", "310000", 2023, 1.0),
        ("voucher_recognitions", "310000", 2024, 1.0),
        ("voucher_recognitions", "320000", 2024, 1.0),
        ("voucher_recognitions", "330000", 2024, 1.0),
        ("voucher_recognitions", "340000", 2022, 1.0),
        ("voucher_recognitions", "340000", 2023, 1.0),
        ("voucher_recognitions", "340000", 2024, 1.0),
    ]
