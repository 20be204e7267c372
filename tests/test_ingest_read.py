"""Reading: formats, encodings, header matching, row numbers."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainatlas.errors import IngestError
from chainatlas.ingest import parse_file, read_table
from chainatlas.ingest.read import header_key, header_lookup
from chainatlas.model.kinds import KINDS

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
HUAWEI = "914403001922038216"
NAMES = ["苏州纳米科技有限公司", "𠮷野家（上海）餐饮有限公司"]  # 𠮷 (U+20BB7) exists in GB18030, not in GBK


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "names", "detected"),
    [
        ("utf-8", NAMES, "utf-8"),
        ("utf-8-sig", NAMES, "utf-8-sig"),
        ("gbk", NAMES[:1] + ["无锡·示例微电子有限公司"], "gb18030"),  # GB18030 is a superset: GBK reads as it
        ("gb18030", NAMES, "gb18030"),
        ("utf-16", NAMES, "utf-16"),
    ],
)
def test_encoding_round_trip(tmp_path, encoding, names, detected):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, n] for n in names], encoding))
    frame, meta = read_table(p, "firms")
    assert frame["name"].tolist() == names
    assert meta["encoding"] == detected
    assert meta["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


def test_gbk_after_a_long_ascii_start(tmp_path):
    # The sample is all ASCII (valid UTF-8); the Chinese text after it is GBK: detected on the retry.
    rows = [[HUAWEI, f"firm {i}"] for i in range(20_000)] + [[HUAWEI, "苏州纳米科技有限公司"]]
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["credit_code", "name"], rows, "gbk"))
    frame, meta = read_table(p, "firms")
    assert meta["encoding"] == "gb18030" and frame["name"].iloc[-1] == "苏州纳米科技有限公司"


@pytest.mark.parametrize("tag", ["utf8", "utf8_bom", "gbk", "gb18030"])
def test_encoding_fixtures(tag):
    b = parse_file("firms", FIXTURES / f"firms_{tag}.csv")
    assert b.ok, b.errors
    assert b.table["name"].iloc[0] == "苏州纳米科技有限公司"


# Text a firm name may hold: CJK, including supplementary-plane ideographs, Latin, digits, brackets.
name_chars = st.characters(
    codec="utf-8",
    categories=("Lu", "Ll", "Lo", "Nd"),
    include_characters="（）()·-&．",
)
names = st.text(name_chars, min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(names, min_size=1, max_size=5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
)
def test_names_survive_write_read(tmp_path_factory, values, encoding):
    try:
        data = csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, v] for v in values], encoding)
    except UnicodeEncodeError:
        values = [v for v in values if _encodable(v, encoding)]
        if not values:
            return
        data = csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, v] for v in values], encoding)
    p = tmp_path_factory.mktemp("enc") / "firms.csv"
    p.write_bytes(data)
    frame, _ = read_table(p, "firms")
    assert frame["name"].tolist() == values


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_undecodable_bytes(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(b"credit_code,name\n" + HUAWEI.encode() + b",\xff\xfe\xff\n")
    with pytest.raises(IngestError, match="cannot (decode|parse)"):
        read_table(p, "firms")


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "header",
    [
        ["统一社会信用代码", "名称", "注册资本（万元）"],
        ["credit_code", "name", "registered_capital"],
        ["Credit Code", " NAME ", "Registered_Capital"],
        ["ＵＳＣＣ", "企业名称", "注册资本(万元)"],  # full-width Latin, alias, half-width brackets
        ["信用代码*", "主体名称", "注 册 资 本"],
    ],
)
def test_header_variants(tmp_path, header):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(header, [[HUAWEI, "华为技术有限公司", "4104113.18"]], "utf-8"))
    frame, meta = read_table(p, "firms")
    assert frame.columns.tolist() == ["credit_code", "name", "registered_capital"]
    assert list(meta["header_map"].values()) == ["credit_code", "name", "registered_capital"]
    assert list(meta["header_map"]) == header


def test_headers_of_every_kind_are_unambiguous():
    """No two fields share a header, with or without its bracketed unit (交易额（万元） and 交易额 are one field)."""
    from chainatlas.ingest.read import without_unit

    for k in KINDS.values():
        keys = {header_key(h) for f in k.fields for h in (f.name, f.zh, *f.aliases)}
        owners: dict[str, set[str]] = {}
        for f in k.fields:
            for h in (f.name, f.zh, *f.aliases):
                owners.setdefault(header_key(h), set()).add(f.name)
                owners.setdefault(without_unit(header_key(h)), set()).add(f.name)
        clashes = {key: names for key, names in owners.items() if len(names) > 1}
        assert not clashes, (k.name, clashes)
        assert set(header_lookup(k)) == keys | {without_unit(key) for key in keys}


def test_duplicate_column(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["名称", "统一社会信用代码", "credit_code"], [["甲", HUAWEI, HUAWEI]], "utf-8"))
    with pytest.raises(IngestError) as info:
        read_table(p, "firms")
    (e,) = info.value.errors
    assert (e.row, e.column, e.rule) == (1, "credit_code", "duplicate column")


def test_several_header_problems_at_once(tmp_path):
    p = tmp_path / "trade.csv"
    p.write_bytes(csv_bytes(["企业信用代码", "备注", "说明"], [[HUAWEI, "x", "1"]], "utf-8"))
    with pytest.raises(IngestError) as info:
        read_table(p, "trade")
    got = [(e.column, e.rule) for e in info.value.errors]
    assert got == [
        ("备注", "unknown column"),
        ("说明", "unknown column"),
        ("period", "missing column"),
        ("hs_code", "missing column"),
        ("partner_country", "missing column"),
        ("direction", "missing column"),
    ]  # the amount (value) may be blank or absent: unknown is not zero (issue 10)


def test_blank_trailing_columns_are_ignored(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["统一社会信用代码", "名称", "", ""], [[HUAWEI, "华为", "", ""]], "utf-8"))
    frame, meta = read_table(p, "firms")
    assert frame.columns.tolist() == ["credit_code", "name"] and meta["ignored_columns"] == ["", ""]


# --------------------------------------------------------------------------- delimiters, rows, empties


@pytest.mark.parametrize(
    ("suffix", "delimiter"), [(".tsv", "\t"), (".csv", "\t"), (".csv", ";"), (".txt", ",")]
)
def test_delimiters(tmp_path, suffix, delimiter):
    p = tmp_path / f"firms{suffix}"
    p.write_bytes(csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, "华为, 技术"]], "utf-8", delimiter))
    frame, meta = read_table(p, "firms")
    assert frame["name"].tolist() == ["华为, 技术"] and meta["delimiter"] == delimiter


def test_row_numbers_count_records_not_lines(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(
        csv_bytes(
            ["统一社会信用代码", "名称", "地址"],
            [[HUAWEI, "甲", "第一行\n第二行"], ["bad", "乙", "上海"]],
            "utf-8",
        )
    )
    b = parse_file("firms", p)
    assert [(e.row, e.column) for e in b.errors] == [(3, "credit_code")]


def test_empty_cells_are_missing_but_na_is_text(tmp_path):
    p = tmp_path / "trade.csv"
    p.write_bytes(
        csv_bytes(
            ["credit_code", "period", "hs_code", "partner_country", "direction", "value", "quantity"],
            [[HUAWEI, "2023", "854231", "NA", "import", "1", ""]],
            "utf-8",
        )
    )
    frame, _ = read_table(p, "trade")
    assert frame["partner_country"].tolist() == ["NA"]  # Namibia
    assert frame["quantity"].isna().all() and str(frame["quantity"].dtype) == "string"


def test_ragged_rows_are_reported(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(b"credit_code,name\n" + HUAWEI.encode() + b",a,extra\n" + HUAWEI.encode() + b",b\n")
    with pytest.raises(IngestError, match="as many cells") as info:
        read_table(p, "firms")
    assert [e.rule for e in info.value.errors] == ["columns"]


def test_empty_and_unknown_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        read_table(tmp_path / "e.csv", "firms")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(IngestError, match="cannot read files of type '.json'"):
        read_table(tmp_path / "x.json", "firms")
    with pytest.raises(IngestError, match="cannot read the file"):
        read_table(tmp_path / "missing.csv", "firms")


def test_header_only_file(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(codecs.BOM_UTF8 + "统一社会信用代码,名称\r\n".encode())
    b = parse_file("firms", p)
    assert b.ok and b.rows_read == 0 and len(b.table) == 0 and b.periods == set()


def test_progress_is_reported(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["credit_code", "name"], [[HUAWEI, f"f{i}"] for i in range(50_000)], "utf-8"))
    seen: list[int] = []
    frame, _ = read_table(p, "firms", progress=seen.append)
    assert seen and seen[-1] == len(frame) == 50_000 and seen == sorted(seen)


# --------------------------------------------------------------------------- Excel and Parquet


def test_xlsx_fixture():
    frame, meta = read_table(FIXTURES / "firms.xlsx", "firms")
    assert meta["format"] == "xlsx" and meta["sheet"] == "数据"
    assert frame.index.tolist() == [2, 3, 4, 7]  # the blank row 6 is dropped, numbering kept
    last = frame.loc[7]
    # Numbers typed as numbers read back as their text; a date cell as an ISO date.
    assert (last["adcode"], last["industry_code"], last["founded"]) == ("340104", "3841", "2016-03-01")
    assert (last["registered_capital"], last["employees"], last["synthetic"]) == ("2500.75", "88", "1")
    b = parse_file("firms", FIXTURES / "firms.xlsx")
    assert b.ok, b.errors
    assert b.table["row_number"].tolist() == [2, 3, 4, 7]


def test_xlsx_errors_use_sheet_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["credit_code", "name"])
    ws.append([HUAWEI, "华为"])
    ws.cell(row=5, column=1, value="bad")
    ws.cell(row=5, column=2, value="乙")
    wb.save(tmp_path / "f.xlsx")
    b = parse_file("firms", tmp_path / "f.xlsx")
    assert [(e.file, e.row, e.column, e.value) for e in b.errors if e.rule == "credit_code"] == [
        ("f.xlsx", 5, "credit_code", "bad")
    ]


def test_parquet_fixture():
    frame, meta = read_table(FIXTURES / "supply_links.parquet", "supply_links")
    assert meta["format"] == "parquet"
    assert frame["value"].tolist() == ["1500", "80.5"]  # a float column as text, no trailing .0
    assert all(str(t) == "string" for t in frame.dtypes)
    b = parse_file("supply_links", FIXTURES / "supply_links.parquet")
    assert b.ok, b.errors
    assert b.table["value"].tolist() == [1500.0, 80.5]


def test_parquet_typed_columns(tmp_path):
    table = pa.table(
        {
            "credit_code": pa.array([HUAWEI, "x"]).dictionary_encode(),
            "name": ["华为", "乙"],
            "adcode": pa.array([320506, 320506], pa.int64()),
            "founded": pa.array([pd.Timestamp("2020-01-02"), pd.Timestamp("2021-03-04")], pa.timestamp("ms")),
            "synthetic": [True, False],
        }
    )
    pq.write_table(table, tmp_path / "f.parquet")
    frame, _ = read_table(tmp_path / "f.parquet", "firms")
    assert frame.to_dict("list") == {
        "credit_code": [HUAWEI, "x"],
        "name": ["华为", "乙"],
        "adcode": ["320506", "320506"],
        "founded": ["2020-01-02", "2021-03-04"],
        "synthetic": ["true", "false"],
    }
    b = parse_file("firms", tmp_path / "f.parquet")
    assert [(e.row, e.rule) for e in b.errors] == [(3, "credit_code")]
    assert b.table["synthetic"].tolist() == [True, False]


def test_file_sha256_is_the_hash_of_the_bytes_and_names_the_batch():
    from chainatlas.ingest import file_sha256

    path = FIXTURES / "firms.csv"
    assert file_sha256(path) == file_sha256(str(path)) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_table(path, "firms")[1]["sha256"] == file_sha256(path)


# --------------------------------------------------------------------------- malformed files (issue 9)


def test_cr_only_line_endings(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(
        csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, "华为"], [HUAWEI, "乙"]], "utf-8").replace(
            b"\r\n", b"\r"
        )
    )
    frame, _ = read_table(p, "firms")
    assert frame["name"].tolist() == ["华为", "乙"] and frame.index.tolist() == [2, 3]


def test_a_second_export_joined_to_the_first_is_located(tmp_path):
    one = csv_bytes(["统一社会信用代码", "名称"], [[HUAWEI, "华为"]], "utf-8-sig")
    p = tmp_path / "firms.csv"
    p.write_bytes(one + one)
    with pytest.raises(IngestError) as info:
        read_table(p, "firms")
    assert [(e.row, e.rule) for e in info.value.errors] == [(3, "repeated header")]
    p.write_bytes(one + codecs.BOM_UTF8 + f"{HUAWEI},乙\r\n".encode())
    frame, _ = read_table(p, "firms")
    assert frame["credit_code"].tolist() == [HUAWEI, HUAWEI]  # no "\ufeff" left in the key


@pytest.mark.parametrize(
    ("encoding", "name"), [("cp950", "臺灣積體電路製造股份有限公司"), ("cp932", "株式会社日立製作所")]
)
def test_big5_and_shift_jis_are_not_read_as_gb18030(tmp_path, encoding, name):
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["credit_code", "name"], [[HUAWEI, name]] * 3, encoding))
    frame, meta = read_table(p, "firms")
    assert meta["encoding"] == encoding and frame["name"].iloc[0] == name


def test_ragged_row_and_unclosed_quote_are_named_by_row(tmp_path):
    p = tmp_path / "firms.csv"
    p.write_bytes(f"credit_code,name\n{HUAWEI},a\n{HUAWEI},b,extra\n".encode())
    with pytest.raises(IngestError) as info:
        read_table(p, "firms")
    assert [(e.row, e.rule) for e in info.value.errors] == [(3, "columns")]
    p.write_bytes(f'credit_code,name\n{HUAWEI},a\n{HUAWEI},"b\n{HUAWEI},c\n'.encode())
    with pytest.raises(IngestError) as info:
        read_table(p, "firms")
    assert [(e.row, e.rule) for e in info.value.errors] == [(3, "quote")]


def test_cell_over_the_limit_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINATLAS_MAX_CELL_BYTES", "1000")
    p = tmp_path / "firms.csv"
    p.write_bytes(csv_bytes(["credit_code", "name"], [[HUAWEI, "a"], [HUAWEI, "长" * 400]], "utf-8"))
    with pytest.raises(IngestError, match="CHAINATLAS_MAX_CELL_BYTES") as info:
        read_table(p, "firms")
    assert [(e.row, e.column, e.rule) for e in info.value.errors] == [(3, "name", "cell size")]


def test_xlsx_used_range_and_formulas(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["credit_code", "name"])
    ws.append([HUAWEI, '=CONCATENATE("a","b")'])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(IngestError) as info:
        read_table(tmp_path / "f.xlsx", "firms")
    assert [(e.row, e.column, e.rule) for e in info.value.errors] == [(2, "name", "formula without value")]
    ws["B2"] = "华为"
    ws.cell(row=1_048_576, column=16_384, value="x")
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(IngestError, match="XFD1048576.*CHAINATLAS_MAX_COLUMNS"):
        read_table(tmp_path / "f.xlsx", "firms")


def test_parquet_nested_binary_and_tz_columns(tmp_path):
    base = {"credit_code": [HUAWEI], "name": ["华为"]}
    pq.write_table(pa.table({**base, "name": pa.array([["华为"]])}), tmp_path / "l.parquet")
    with pytest.raises(IngestError) as info:
        read_table(tmp_path / "l.parquet", "firms")
    assert [(e.column, e.rule) for e in info.value.errors] == [("name", "column type")]
    pq.write_table(pa.table({**base, "name": pa.array([b"\xff"], pa.binary())}), tmp_path / "b.parquet")
    with pytest.raises(IngestError, match="not UTF-8"):
        read_table(tmp_path / "b.parquet", "firms")
    stamp = pa.array([pd.Timestamp("2023-05-31 16:00", tz="UTC")], pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({**base, "founded": stamp}), tmp_path / "t.parquet")
    frame, _ = read_table(tmp_path / "t.parquet", "firms")
    assert frame["founded"].tolist() == ["2023-06-01"]  # local midnight in Shanghai


def test_a_header_without_its_unit_is_recognised(tmp_path):
    """Users write 交易额 for 交易额（万元） and 注册资本 for 注册资本（万元）: the bracketed unit is optional."""
    p = tmp_path / "supply_links.csv"
    p.write_bytes(
        csv_bytes(["供应商名称", "客户名称", "期间", "交易额"], [["甲公司", "乙公司", "2023", "5"]], "gbk")
    )
    frame, meta = read_table(p, "supply_links")
    assert list(frame.columns) == ["supplier_name", "customer_name", "period", "value"]
    assert meta["header_map"]["交易额"] == "value"
