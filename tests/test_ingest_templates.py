"""Templates: documented, and readable back by read_table for every kind and language."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from chainatlas.errors import ConfigError
from chainatlas.ingest import parse_file, read_table, template_doc, write_template
from chainatlas.ingest.templates import RULE_TEXT
from chainatlas.model.kinds import KINDS


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_template_round_trip(tmp_path, kind, lang, suffix):
    path = write_template(kind, tmp_path / f"{kind}{suffix}", lang=lang)
    frame, meta = read_table(path, kind)
    assert list(meta["header_map"].values()) == KINDS[kind].names  # every header maps back
    assert len(frame) == 0
    batch = parse_file(kind, path)
    assert batch.ok and batch.rows_read == 0


def test_xlsx_layout(tmp_path):
    path = write_template("firms", tmp_path / "主体.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["数据", "说明"]
    data, doc = wb["数据"], wb["说明"]
    assert [c.value for c in data[1]][:2] == ["统一社会信用代码", "名称"]
    assert data.max_row == 1
    assert doc["A1"].value.startswith("主体（企业及机构）：企业、高校")
    assert [c.value for c in doc[3]] == ["列名", "English name", "是否必填", "规则", "示例", "说明"]
    first = [c.value for c in doc[4]]
    # a register without credit codes is allowed (issue 10): the name is what is required
    assert first[:3] == ["统一社会信用代码", "credit_code", "否"]
    assert "校验位" in first[3]
    assert [c.value for c in doc[5]][:3] == ["名称 *", "name", "是"]
    rows = {r[1]: r for r in doc.iter_rows(min_row=4, values_only=True)}
    assert "university（高校）" in rows["entity_type"][3]
    assert "至少填写一项" in rows["adcode"][3]


def test_english_xlsx(tmp_path):
    wb = load_workbook(write_template("trade", tmp_path / "trade.xlsx", lang="en"))
    assert wb.sheetnames == ["data", "notes"]
    assert [c.value for c in wb["data"][1]][:4] == ["credit_code", "firm_name", "period", "hs_code"]
    assert [c.value for c in wb["notes"][3]] == [
        "Column",
        "English name",
        "Required",
        "Rule",
        "Example",
        "Notes",
    ]


def test_csv_template_and_sidecar(tmp_path):
    path = write_template("patents", tmp_path / "专利.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\n") == 1
    side = tmp_path / "专利.说明.csv"
    with side.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0].startswith("专利：") and rows[2][:3] == ["列名", "English name", "是否必填"]
    codes = next(r for r in rows if r[1:2] == ["applicant_codes"])
    assert "逐项对应" in codes[3]


def test_template_doc():
    doc = template_doc("trade", "en")
    assert [d["name"] for d in doc] == KINDS["trade"].names
    direction = next(d for d in doc if d["name"] == "direction")
    assert direction["required"] and direction["choices"] == {"import": "进口", "export": "出口"}
    assert direction["column"] == "direction" and "import (进口)" in direction["rule_text"]
    assert template_doc("trade", "zh")[0]["column"] == "企业信用代码"
    assert set(RULE_TEXT) >= {f.rule for k in KINDS.values() for f in k.fields}


def test_bad_arguments(tmp_path):
    with pytest.raises(ConfigError, match="'zh' or 'en'"):
        template_doc("firms", "fr")
    with pytest.raises(ConfigError, match=".xlsx or .csv"):
        write_template("firms", tmp_path / "x.json")
    with pytest.raises(ConfigError, match="unknown input kind"):
        write_template("nope", tmp_path / "x.csv")
