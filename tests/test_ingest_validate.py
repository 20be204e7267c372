"""Validation: one test per error class, asserting file, row, column, value and rule exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chainatlas.errors import ConfigError, IngestError, RowError
from chainatlas.ingest import ValidatedBatch, parse_file, read_table, validate, write_rejects

# Real published codes (see tests/test_codes.py for their sources).
HUAWEI = "914403001922038216"
BYD = "91440300192317458F"
XIAOMI = "91110108551385082Q"
ALIBABA = "91330100799655058B"

WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(adcode: str, serial: int) -> str:
    """A valid credit code by the GB 32100-2015 formula (independent of the code under test)."""
    body = "91" + adcode
    for _ in range(9):
        body += CHARSET[serial % 31]
        serial //= 31
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + CHARSET[(31 - total % 31) % 31]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def only(batch: ValidatedBatch) -> RowError:
    assert len(batch.errors) == 1, [str(e) for e in batch.errors]
    return batch.errors[0]


def err_tuple(e: RowError) -> tuple[str, int, str, str, str]:
    return (e.file, e.row, e.column, e.value, e.rule)


FIRM_HEADER = ["统一社会信用代码", "名称", "行政区划代码"]


def test_formula_helper_agrees_with_published_codes():
    for code in (HUAWEI, BYD, XIAOMI, ALIBABA):
        body = code[:17]
        total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
        assert CHARSET[(31 - total % 31) % 31] == code[17]


# --------------------------------------------------------------------------- one test per error class


def test_bad_check_digit(tmp_path):
    bad = HUAWEI[:-1] + "7"
    p = write_csv(
        tmp_path / "firms.csv",
        FIRM_HEADER,
        [[credit_code("320506", 1), "甲公司", "320506"], [bad, "华为技术有限公司", "320506"]],
    )
    e = only(parse_file("firms", p))
    assert err_tuple(e) == ("firms.csv", 3, "credit_code", bad, "credit_code")
    assert "check digit" in e.message


def test_credit_code_wrong_length_and_letters(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        FIRM_HEADER,
        [["9144030019220382", "甲", "320506"], ["91440300I922038216", "乙", "320506"]],
    )
    b = parse_file("firms", p)
    assert [(e.row, e.rule) for e in b.errors] == [(2, "credit_code"), (3, "credit_code")]
    assert "expected 18 characters, got 16" in b.errors[0].message
    assert "'I'" in b.errors[1].message


def test_credit_code_typing_slips_are_normalised(tmp_path):
    p = write_csv(tmp_path / "firms.csv", FIRM_HEADER, [[HUAWEI.lower(), "华为", "320506"]])
    b = parse_file("firms", p)
    assert b.ok and b.table.loc[0, "credit_code"] == HUAWEI


def test_unknown_adcode(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        FIRM_HEADER,
        [[credit_code("320506", 1), "甲公司", "320506"], [credit_code("320506", 2), "乙公司", "329999"]],
    )
    e = only(parse_file("firms", p))
    assert err_tuple(e) == ("firms.csv", 3, "adcode", "329999", "adcode")


def test_adcode_methods(tmp_path):
    p = write_csv(
        tmp_path / "flows.csv",
        ["类型", "起点代码", "终点代码", "期间", "流量"],
        [["rail", "3205", "320506000000", "2023", "1"], ["rail", "330204", "310100", "2023", "2"]],
    )
    b = parse_file("flows", p)
    assert b.ok, b.errors
    t = b.table
    assert t["origin"].tolist() == ["320500", "330212"]  # 宁波 江东区 330204 → 鄞州区 330212
    assert t["origin_method"].tolist() == ["padded", "crosswalk"]
    assert t["destination"].tolist() == ["320506", "310100"]
    assert t["destination_method"].tolist() == ["exact", "exact"]


def test_unknown_segment(tmp_path):
    header = ["供应商信用代码", "客户信用代码", "期间", "交易额（万元）", "产业链", "环节"]
    a, b_ = credit_code("320506", 1), credit_code("340104", 2)
    p = write_csv(
        tmp_path / "links.csv",
        header,
        [
            [a, b_, "2023", "10", "ic", "design"],
            [a, b_, "2022", "10", "ic", "wafer_baking"],
            [a, b_, "2021", "10", "", "design"],
            [a, b_, "2020", "10", "xx", "design"],
        ],
    )
    b = parse_file("supply_links", p)
    got = [err_tuple(e) for e in b.errors]
    assert got == [
        ("links.csv", 3, "segment", "wafer_baking", "segment"),
        ("links.csv", 4, "segment", "design", "segment"),
        ("links.csv", 5, "chain", "xx", "chain"),  # an unknown chain is reported once, on chain
    ]
    assert "fabrication" in b.errors[0].message  # lists the chain's segments
    assert "needs its chain" in b.errors[1].message


def test_chain_and_segment_by_chinese_name(tmp_path):
    header = ["供应商信用代码", "客户信用代码", "期间", "交易额（万元）", "产业链", "环节"]
    p = write_csv(
        tmp_path / "links.csv",
        header,
        [[credit_code("320506", 1), credit_code("340104", 2), "2023", "10", "集成电路", "晶圆制造"]],
    )
    b = parse_file("supply_links", p)
    assert b.ok and (b.table.loc[0, "chain"], b.table.loc[0, "segment"]) == ("ic", "fabrication")


def test_negative_amount(tmp_path):
    header = ["供应商信用代码", "客户信用代码", "期间", "交易额（万元）"]
    p = write_csv(
        tmp_path / "links.csv",
        header,
        [
            [credit_code("320506", 1), credit_code("340104", 2), "2023", "1,234.5"],
            [credit_code("320506", 1), credit_code("340104", 2), "2022", "-5"],
        ],
    )
    b = parse_file("supply_links", p)
    e = only(b)
    assert err_tuple(e) == ("links.csv", 3, "value", "-5", "negative amount")
    assert b.table["value"].iloc[0] == 1234.5 and np.isnan(b.table["value"].iloc[1])


def test_numbers_that_are_not_numbers(tmp_path):
    header = ["credit_code", "period", "revenue", "tax_paid", "share_pct"]
    code = credit_code("320506", 1)
    p = write_csv(
        tmp_path / "tax.csv",
        header,
        [
            [code, "2021", "1500万", "1", "30%"],
            [code, "2022", "12", "inf", "101"],
            [code, "2023", "1,2", "3", "40"],
        ],
    )
    b = parse_file("tax", p)
    assert [(e.row, e.column, e.rule) for e in b.errors] == [
        (2, "revenue", "number"),
        (3, "tax_paid", "number"),
        (3, "share_pct", "share"),
        (4, "revenue", "number"),
    ]
    assert b.table["share_pct"].iloc[0] == 30.0


def test_count_must_be_whole(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        [*FIRM_HEADER, "从业人员"],
        [[credit_code("320506", 1), "甲", "320506", "12.5"], [credit_code("320506", 2), "乙", "320506", "7"]],
    )
    b = parse_file("firms", p)
    assert err_tuple(only(b)) == ("firms.csv", 2, "employees", "12.5", "count")
    assert str(b.table["employees"].dtype) == "Int64" and b.table["employees"].iloc[1] == 7


def test_unparseable_date(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        [*FIRM_HEADER, "成立日期"],
        [
            [credit_code("320506", 1), "甲", "320506", "2023-02-30"],
            [credit_code("320506", 2), "乙", "320506", "2023年1月5日"],
        ],
    )
    b = parse_file("firms", p)
    assert err_tuple(only(b)) == ("firms.csv", 2, "founded", "2023-02-30", "date")
    assert b.table["founded"].dtype == "datetime64[ms]"
    assert b.table["founded"].iloc[1] == pd.Timestamp("2023-01-05")


def test_excel_serial_date_is_parsed(tmp_path):
    # Excel's 1900 date system: serial 45000 is 2023-03-15 (serial 44927 is 2023-01-01).
    p = write_csv(
        tmp_path / "firms.csv",
        [*FIRM_HEADER, "成立日期"],
        [
            [credit_code("320506", 1), "甲", "320506", "45000"],
            [credit_code("320506", 2), "乙", "320506", "44927"],
        ],
    )
    b = parse_file("firms", p)
    assert b.ok
    assert b.table["founded"].tolist() == [pd.Timestamp("2023-03-15"), pd.Timestamp("2023-01-01")]
    assert b.table["year"].tolist() == [2023, 2023] and b.periods == {2023}


def test_duplicate_key_names_first_row(tmp_path):
    header = ["credit_code", "period", "hs_code", "partner_country", "direction", "value"]
    code = credit_code("320506", 1)
    p = write_csv(
        tmp_path / "trade.csv",
        header,
        [
            [code, "2023-05", "85423100", "KR", "import", "1"],
            [code, "2023-05", "85423100", "KR", "export", "2"],
            [code, "2023-06", "85423100", "KR", "import", "3"],
            [code.lower(), "2023-5", "8542.31.00", "kor", "进口", "4"],  # same key once normalised
        ],
    )
    b = parse_file("trade", p)
    e = only(b)
    assert (e.file, e.row, e.column, e.rule) == (
        "trade.csv",
        5,
        "credit_code,period,hs_code,partner_country,direction",
        "duplicate key",
    )
    assert e.value == f"{code.lower()} / 2023-5 / 8542.31.00 / kor / 进口"
    assert "row 2" in e.message
    assert b.good_mask.tolist() == [True, True, True, False]


def test_missing_required_field(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        FIRM_HEADER,
        [[credit_code("320506", 1), "", "320506"], [credit_code("320506", 2), "  ", "320506"]],
    )
    b = parse_file("firms", p)
    assert [err_tuple(e) for e in b.errors] == [
        ("firms.csv", 2, "name", "", "required"),
        ("firms.csv", 3, "name", "", "required"),
    ]


def test_one_of_adcode_or_address(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        ["统一社会信用代码", "名称", "行政区划代码", "地址"],
        [[credit_code("320506", 1), "甲", "", ""]],
    )
    e = only(parse_file("firms", p))
    assert err_tuple(e) == ("firms.csv", 2, "adcode/address", "", "one_of")


def test_list_length_mismatch(tmp_path):
    header = ["申请号", "申请日", "IPC分类号", "申请人", "申请人行政区划代码"]
    p = write_csv(
        tmp_path / "patents.csv",
        header,
        [
            ["CN1", "2023-01-05", "H01L 23/31", "甲公司;乙大学", "320506;310110"],
            ["CN2", "2023-01-06", "H01L 23/31", "甲公司;乙大学;丙", "320506;310110"],
        ],
    )
    b = parse_file("patents", p)
    e = only(b)
    assert err_tuple(e) == ("patents.csv", 3, "applicant_adcodes", "320506;310110", "list length")
    assert "2 items but applicants" in e.message and "has 3" in e.message


def test_unknown_column(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv", [*FIRM_HEADER, "备注"], [[credit_code("320506", 1), "甲", "320506", "x"]]
    )
    with pytest.raises(IngestError) as info:
        read_table(p, "firms")
    (e,) = info.value.errors
    assert err_tuple(e) == ("firms.csv", 1, "备注", "备注", "unknown column")
    assert "统一社会信用代码 (credit_code)" in e.message  # lists the expected headers


def test_missing_column(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv", ["统一社会信用代码", "行政区划代码"], [[credit_code("320506", 1), "320506"]]
    )
    with pytest.raises(IngestError) as info:
        parse_file("firms", p)
    (e,) = info.value.errors
    assert err_tuple(e) == ("firms.csv", 1, "name", "", "missing column")
    assert "'名称'" in e.message


def test_all_errors_are_collected_not_only_the_first(tmp_path):
    rows = [
        [credit_code("320506", i) if i % 2 else "bad", "" if i % 3 == 0 else "甲", "320506"]
        for i in range(10)
    ]
    b = parse_file("firms", write_csv(tmp_path / "firms.csv", FIRM_HEADER, rows))
    assert sorted({e.rule for e in b.errors}) == ["credit_code", "required"]
    assert len(b.errors) == 5 + 4  # even i: bad code; i in 0, 3, 6, 9: no name
    assert [e.row for e in b.errors] == sorted(e.row for e in b.errors)


def test_validate_frame_with_missing_and_unknown_columns():
    frame = pd.DataFrame({"credit_code": [HUAWEI], "extra": ["x"]}, dtype="string")
    b = validate("firms", frame, "frame")
    # File-level errors first; a missing column is not repeated on every row, a missing one_of group is.
    assert [(e.row, e.column, e.rule) for e in b.errors] == [
        (1, "extra", "unknown column"),
        (1, "name", "missing column"),
        (2, "adcode/address", "one_of"),
    ]
    assert not b.good_mask.any()


# --------------------------------------------------------------------------- conversions


def test_enum_by_label_and_default(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        [*FIRM_HEADER, "主体类型"],
        [
            [credit_code("320506", 1), "甲", "320506", "高校"],
            [credit_code("320506", 2), "乙", "320506", "Firm"],
            [credit_code("320506", 3), "丙", "320506", ""],
            [credit_code("320506", 4), "丁", "320506", "公司"],
        ],
    )
    b = parse_file("firms", p)
    assert err_tuple(only(b)) == ("firms.csv", 5, "entity_type", "公司", "enum")
    assert b.table["entity_type"].tolist()[:3] == ["university", "firm", "firm"]
    assert pd.isna(b.table["entity_type"].iloc[3])  # invalid stays missing; only empty cells default


def test_enum_by_the_names_users_write():
    # 创新飞地 and 扶贫飞地 are the provinces' own names for 科创飞地 and 消薄飞地; 飞地 alone is none of the types
    frame = pd.DataFrame(
        {
            "enclave_id": ["E1", "E2", "E3", "E4"],
            "enclave_name": ["甲", "乙", "丙", "丁"],
            "origin_adcode": ["330100"] * 4,
            "host_adcode": ["330800"] * 4,
            "period": ["2024"] * 4,
            "enclave_type": ["创新飞地", "扶贫飞地", "科创飞地", "飞地"],
        },
        dtype="string",
    )
    b = validate("enclaves", frame, "ledger.csv")
    assert err_tuple(only(b)) == ("ledger.csv", 5, "enclave_type", "飞地", "enum")
    assert b.table["enclave_type"].tolist()[:3] == ["innovation", "poverty", "innovation"]


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("2023", "2023"),
        ("2023年", "2023"),
        ("2023-05", "2023-05"),
        ("2023-5", "2023-05"),
        ("2023/5", "2023-05"),
        ("202305", "2023-05"),
        ("2023年5月", "2023-05"),
        ("2023Q2", "2023Q2"),
        ("2023 q2", "2023Q2"),
        ("2023-Q2", "2023Q2"),
        ("2023年第二季度", "2023Q2"),
        ("2023年2季度", "2023Q2"),
    ],
)
def test_period_forms(raw, canon):
    frame = pd.DataFrame(
        {
            "flow_type": ["rail"],
            "origin": ["310100"],
            "destination": ["320500"],
            "period": [raw],
            "value": ["1"],
        },
        dtype="string",
    )
    b = validate("flows", frame, "f.csv")
    assert b.ok, b.errors
    assert b.table["period"].tolist() == [canon] and b.table["year"].tolist() == [2023]
    assert str(b.table["year"].dtype) == "Int16"


@pytest.mark.parametrize("raw", ["2023-13", "23", "2023Q5", "2023-05-01", "二〇二三", "1899"])
def test_bad_periods(raw):
    frame = pd.DataFrame(
        {
            "flow_type": ["rail"],
            "origin": ["310100"],
            "destination": ["320500"],
            "period": [raw],
            "value": ["1"],
        },
        dtype="string",
    )
    e = only(validate("flows", frame, "f.csv"))
    assert (e.row, e.column, e.value, e.rule) == (2, "period", raw, "period")


def test_flags_hs_ipc_country_gbt4754(tmp_path):
    code = credit_code("320506", 1)
    frame = pd.DataFrame(
        {
            "credit_code": [code] * 4,
            "period": ["2023", "2023", "2023", "2023"],
            "hs_code": ["8542.31", "85423100", "12345", "854231"],
            "partner_country": ["kor", "JP", "XX", "US"],
            "direction": ["import", "export", "import", "出口"],
            "value": ["1", "2", "3", "4"],
            "synthetic": ["是", "0", "y", "maybe"],
        },
        dtype="string",
    )
    b = validate("trade", frame, "t.csv")
    assert [(e.row, e.column, e.rule) for e in b.errors] == [
        (4, "hs_code", "hs"),
        (4, "partner_country", "country"),
        (5, "synthetic", "flag"),
    ]
    assert b.table["hs_code"].tolist()[:2] == ["854231", "85423100"]
    assert b.table["partner_country"].tolist()[:2] == ["KR", "JP"]
    assert b.table["synthetic"].tolist() == [True, False, True, False]
    assert b.table["synthetic"].dtype == bool

    firms = pd.DataFrame(
        {
            "credit_code": [code, credit_code("320506", 2)],
            "name": ["甲", "乙"],
            "adcode": ["320506", "320506"],
            "industry_code": ["C3973", "3150"],
        },
        dtype="string",
    )
    f = validate("firms", firms, "f.csv")
    assert f.ok, f.errors
    assert f.table["industry_code"].tolist() == ["3973", "3140"]  # 2011 code 3150 is 3140 in GB/T 4754-2017
    assert f.table["industry_code_method"].tolist() == ["exact", "crosswalk2011"]


def test_ipc_lists_are_canonical(tmp_path):
    frame = pd.DataFrame(
        {
            "patent_id": ["CN1", "CN2"],
            "application_date": ["2023-01-05", "2023-01-05"],
            "ipc": ["h01l21/56；H01L 23/31", "H01L 23/31, XYZ"],
            "applicants": ["甲", "乙"],
        },
        dtype="string",
    )
    b = validate("patents", frame, "p.csv")
    assert b.table["ipc"].iloc[0] == "H01L 21/56; H01L 23/31"
    assert err_tuple(only(b)) == ("p.csv", 3, "ipc", "H01L 23/31, XYZ", "ipc")
    assert "'XYZ'" in b.errors[0].message


def test_numeric_and_datetime_frames_are_accepted():
    frame = pd.DataFrame(
        {
            "flow_type": ["rail"],
            "origin": [310100],
            "destination": [320500],
            "period": ["2023"],
            "value": [1.5],
            "travel_time_min": [-2.0],
        }
    )
    b = validate("flows", frame, "f")
    assert err_tuple(only(b)) == ("f", 2, "travel_time_min", "-2", "negative amount")
    assert b.table["origin"].tolist() == ["310100"] and b.table["value"].tolist() == [1.5]


# --------------------------------------------------------------------------- addresses and parties


def test_address_resolution_sets_method(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        ["统一社会信用代码", "名称", "行政区划代码", "地址"],
        [
            [credit_code("310110", 1), "复旦大学", "", "上海市杨浦区邯郸路220号"],
            [credit_code("320500", 2), "甲", "", "江苏省苏州市"],
            [credit_code("320500", 3), "乙", "320506", "上海市杨浦区邯郸路220号"],  # a given code wins
            [credit_code("320500", 4), "丙", "", "火星基地"],  # unresolvable, but adcode is optional
        ],
    )
    b = parse_file("firms", p)
    assert b.ok, b.errors
    t = b.table
    assert t["adcode"].tolist()[:3] == ["310110", "320500", "320506"]
    assert t["adcode_method"].tolist()[:3] == ["address:county", "address:city", "exact"]
    assert pd.isna(t["adcode"].iloc[3]) and pd.isna(t["adcode_method"].iloc[3])


def test_party_address_resolution(tmp_path):
    header = [
        "记录编号",
        "专利申请号",
        "类型",
        "日期",
        "转出方名称",
        "转出方地址",
        "受让方名称",
        "受让方行政区划代码",
    ]
    p = write_csv(
        tmp_path / "tr.csv",
        header,
        [["T1", "CN1", "转让", "2023-06-30", "复旦大学", "上海市杨浦区邯郸路220号", "甲", "340104"]],
    )
    b = parse_file("patent_transfers", p)
    assert b.ok, b.errors
    t = b.table.iloc[0]
    assert (t["from_adcode"], t["from_adcode_method"]) == ("310110", "address:county")
    assert (t["to_adcode"], t["to_adcode_method"]) == ("340104", "exact")
    assert (t["from_norm"], t["to_norm"]) == ("复旦大学", "甲")


def test_parties_of_patents(tmp_path):
    code = credit_code("320506", 1)
    header = [
        "申请号",
        "申请日",
        "IPC分类号",
        "申请人",
        "申请人信用代码",
        "申请人行政区划代码",
        "申请人地址",
        "合成数据",
    ]
    p = write_csv(
        tmp_path / "patents.csv",
        header,
        [
            [
                "CN1",
                "2023-01-05",
                "H01L 23/31",
                "苏州 纳米（科技）有限公司;复旦大学;",
                f"{code};",
                "320506;",
                ";上海市杨浦区邯郸路220号",
                "1",
            ],
            ["CN2", "2022-02-01", "G06N", "甲", "bad", "", "", "0"],
        ],
    )
    b = parse_file("patents", p)
    assert [err_tuple(e) for e in b.errors] == [("patents.csv", 3, "applicant_codes", "bad", "credit_code")]
    assert b.errors[0].message.startswith("party 1 (甲): ")
    parties = b.parties
    assert parties.columns.tolist() == [
        "record_id",
        "seq",
        "n_parties",
        "name",
        "name_norm",
        "code",
        "adcode",
        "adcode_method",
        "address",
        "row_number",
        "synthetic",
        "year",
    ]
    first = parties[parties["record_id"] == "CN1"]
    assert first["seq"].tolist() == [0, 1] and first["n_parties"].tolist() == [2, 2]
    assert first["name_norm"].tolist() == ["苏州纳米科技有限公司", "复旦大学"]
    assert first["code"].tolist()[0] == code and pd.isna(first["code"].iloc[1])
    assert first["adcode"].tolist() == ["320506", "310110"]
    assert first["adcode_method"].tolist() == ["exact", "address:county"]
    assert first["synthetic"].tolist() == [True, True] and first["year"].tolist() == [2023, 2023]
    assert b.table["applicants"].iloc[0] == "苏州 纳米（科技）有限公司;复旦大学"


def test_empty_party_name(tmp_path):
    frame = pd.DataFrame(
        {"paper_id": ["D1"], "pub_year": ["2022"], "institutions": ["复旦大学;;浙江大学"]}, dtype="string"
    )
    e = only(validate("papers", frame, "papers.csv"))
    assert err_tuple(e) == ("papers.csv", 2, "institutions", "复旦大学;;浙江大学", "list")


# --------------------------------------------------------------------------- scale and rejects


def test_100k_rows_one_bad_row_at_the_end(tmp_path):
    rng = np.random.default_rng(7)
    n = 100_000
    codes = np.asarray([credit_code("320506", i) for i in range(500)])
    i = np.arange(n)
    supplier = i % 500
    customer = (
        supplier + 1 + (i // 500) % 499
    ) % 500  # a distinct customer per supplier and block: unique keys
    frame = pd.DataFrame(
        {
            "供应商信用代码": codes[supplier],
            "客户信用代码": codes[customer],
            "期间": (2000 + i % 24).astype(str),
            "交易额（万元）": np.round(rng.gamma(2.0, 100.0, n), 2).astype(str),
        }
    )
    frame.loc[n - 1, ["期间", "交易额（万元）"]] = ["2030", "-1"]
    path = tmp_path / "links.csv"
    frame.to_csv(path, index=False)
    b = parse_file("supply_links", path)
    e = only(b)
    assert err_tuple(e) == ("links.csv", n + 1, "value", "-1", "negative amount")
    assert b.good_mask.sum() == 99_999 and b.rows_read == n
    assert b.periods == set(range(2000, 2024))  # the bad row's 2030 is not a touched period


def test_rejects_file_can_be_fixed_and_loaded_again(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        ["信用代码", "名称", "行政区划代码"],
        [[credit_code("320506", 1), "甲", "320506"], [credit_code("320506", 2), "乙", "329999"]],
    )
    b = parse_file("firms", p)
    assert b.rejects["row_number"].tolist() == [3]
    assert b.rejects["reason"].iloc[0].startswith("adcode: ")
    out = write_rejects(b, tmp_path / "firms.rejects.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == ["原因/reason", "行号/row", "信用代码", "名称", "行政区划代码"]
    fixed = out.read_text(encoding="utf-8-sig").replace("329999", "320507")
    out.write_text(fixed, encoding="utf-8-sig")
    again = parse_file("firms", out)
    assert again.ok and again.table["adcode"].tolist() == ["320507"]


def test_raise_for_errors(tmp_path):
    p = write_csv(tmp_path / "firms.csv", FIRM_HEADER, [["x", "甲", "320506"]])
    b = parse_file("firms", p)
    with pytest.raises(IngestError, match="nothing was loaded") as info:
        b.raise_for_errors()
    assert info.value.errors == b.errors


def test_output_dtypes_and_sha(tmp_path):
    p = write_csv(
        tmp_path / "firms.csv",
        [*FIRM_HEADER, "成立日期", "注册资本（万元）", "从业人员"],
        [[credit_code("320506", 1), "甲", "320506", "2020-01-01", "10", "3"]],
    )
    b = parse_file("firms", p)
    t = b.table
    assert t["row_number"].dtype == np.int64 and t["row_number"].tolist() == [2]
    assert str(t["name"].dtype) == "string" and str(t["name_norm"].dtype) == "string"
    assert t["founded"].dtype == "datetime64[ms]" and t["registered_capital"].dtype == np.float64
    assert str(t["employees"].dtype) == "Int64" and t["synthetic"].dtype == bool
    assert str(t["year"].dtype) == "Int16"
    import hashlib

    assert b.sha256 == hashlib.sha256(p.read_bytes()).hexdigest() == b.meta["sha256"]


def test_party_cap_bounds_the_pairs_of_a_record(tmp_path, monkeypatch):
    """A patent with 2,000 applicants would make 1,999,000 pairwise ties in the build: it is a located row error
    (set aside with --quarantine), the other rows stay good, and the setting moves the limit."""
    from chainatlas.ingest.validate import max_parties

    monkeypatch.delenv("CHAINATLAS_MAX_PARTIES", raising=False)
    assert max_parties() == 100
    many = ";".join(f"示例{i}有限公司" for i in range(2000))
    header = ["申请号", "申请日", "IPC分类号", "申请人"]
    rows = [["CN1", "2023-01-05", "H01L", many], ["CN2", "2023-01-06", "H01L", ";".join(["甲"] * 100)]]
    batch = parse_file("patents", write_csv(tmp_path / "patents.csv", header, rows))
    assert [(e.file, e.row, e.column, e.value, e.rule) for e in batch.errors] == [
        ("patents.csv", 2, "applicants", "2000 parties", "parties")
    ]
    assert batch.errors[0].message == (
        "2000 parties in applicants (申请人), more than the limit of 100 (setting CHAINATLAS_MAX_PARTIES): "
        "a record with k parties makes k(k-1)/2 ties (1,999,000 here); check that the cell is one record, "
        "split it, or raise CHAINATLAS_MAX_PARTIES"
    )
    assert batch.good_mask.tolist() == [False, True]
    # what a quarantined load keeps is bounded: the good record's parties, k(k-1)/2 = 4,950 pairs at most
    good = batch.parties[batch.parties["row_number"].isin(batch.good["row_number"])]
    k = good.groupby("record_id").size()
    assert k.to_dict() == {"CN2": 100} and int((k * (k - 1) // 2).sum()) == 4950

    monkeypatch.setenv("CHAINATLAS_MAX_PARTIES", "2000")
    assert parse_file("patents", tmp_path / "patents.csv").errors == []
    monkeypatch.setenv("CHAINATLAS_MAX_PARTIES", "lots")
    with pytest.raises(ConfigError, match="CHAINATLAS_MAX_PARTIES must be a whole number >= 2, got 'lots'"):
        parse_file("patents", tmp_path / "patents.csv")


def test_rows_that_load_but_look_wrong_are_warned_not_refused():
    """A supply link from a firm to itself and a founding date after today load, each with a located warning."""
    import pandas as pd

    from chainatlas.ingest import validate

    code = "91320506MA1MXQ0B2F"
    links = validate(
        "supply_links",
        pd.DataFrame(
            {
                "supplier_code": [code, code],
                "customer_code": [code, "123100004250061179"],
                "period": ["2023", "2023"],
                "value": ["10", "20"],
            },
            dtype="string[pyarrow]",
        ),
        "links.csv",
    )
    assert links.errors == [] and [(w.row, w.column, w.rule) for w in links.warnings] == [
        (2, "customer_code", "self link")
    ]
    firms = validate(
        "firms",
        pd.DataFrame(
            {
                "credit_code": [code],
                "name": ["苏州纳米科技有限公司"],
                "adcode": ["320506"],
                "founded": ["2098-06-01"],
            },
            dtype="string[pyarrow]",
        ),
        "firms.csv",
    )
    assert firms.errors == [] and [(w.row, w.rule, w.value) for w in firms.warnings] == [
        (2, "future date", "2098-06-01")
    ]
