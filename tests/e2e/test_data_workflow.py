"""A Chinese data workflow on the data page (issue 11): errors named by the file's own Chinese headers, the
good rows loaded and the bad set aside, the error list as a CSV, progress while loading, and a file loaded
before said to be so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chainatlas.synth.credit_codes import make_credit_code


def _csv(tmp_path):
    good = make_credit_code("91", "310101", "MA1WFL001")
    other = make_credit_code("91", "320506", "MA1WFL002")
    broken = other[:-1] + ("0" if other[-1] != "0" else "1")  # wrong check character
    p = tmp_path / "主体.csv"
    p.write_text(
        "统一社会信用代码,名称,主体类型,行政区划代码,行业代码,成立日期\n"
        f"{good},流程测试甲公司,企业,310101,3973,2020-01-02\n"
        f"{broken},流程测试乙公司,企业,320506,3973,2021-03-04\n",
        encoding="utf-8",
    )
    return p, broken


def _open(page):
    page.goto(page.base_url + "/#/data")
    page.wait_for_selector("#d-batches table")


def test_no_file_is_asked_for_in_chinese(page):
    _open(page)
    page.click("#d-send")
    assert page.inner_text("[data-upload-error=nofile]") == "请先选择要上传的文件（CSV、Excel 或 Parquet）。"


def test_unknown_kind_lists_the_file_names_in_chinese(page, tmp_path):
    _open(page)
    p = tmp_path / "我的数据.csv"
    p.write_text("名称\n某公司\n", encoding="utf-8")
    page.set_input_files("#d-file", str(p))
    page.click("#d-send")
    page.wait_for_selector("[data-upload-error=kind]")
    assert "无法从文件名识别数据类型" in page.inner_text("[data-upload-error=kind]")
    known = page.inner_text("[data-known-kinds]")
    assert "主体（企业及机构）" in known and "主体.csv" in known and "patents_2023.xlsx" in known
    assert "统一社会信用代码" in known


def test_chinese_headers_quarantine_error_csv_and_loaded_before(page, api, tmp_path, shots):
    path, broken = _csv(tmp_path)
    before = api.get("/api/inventory").json()["total"]
    _open(page)
    page.set_input_files("#d-file", str(path))
    page.click("#d-send")
    page.wait_for_selector("[data-report-ok=false]")
    row = page.locator("#d-report table tbody tr").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[0] == "3" and cells[1] == "统一社会信用代码" and cells[2] == broken
    assert "校验位" in cells[3] and cells[4].startswith("第 3 行「统一社会信用代码」")
    assert page.locator("#d-load").is_disabled()

    # the error list downloads as a UTF-8 CSV with a BOM that pandas reads back
    with page.expect_download() as dl:
        page.click("#d-errcsv")
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and dl.value.suggested_filename.endswith(".csv")
    df = pd.read_csv(dl.value.path(), encoding="utf-8-sig", dtype=str)
    assert list(df.columns) == ["行", "列（文件中的列名）", "字段", "值", "规则", "说明"]
    assert (df.loc[0, "行"], df.loc[0, "列（文件中的列名）"], df.loc[0, "字段"]) == (
        "3",
        "统一社会信用代码",
        "credit_code",
    )
    assert df.loc[0, "值"] == broken

    # load the good row, set the bad one aside: the buttons are disabled and a spinner shows meanwhile
    page.click("#d-quarantine")
    assert page.locator("#d-quarantine").is_disabled()
    busy = page.locator("#d-loaded [data-busy]")
    assert page.locator("#d-quarantine").is_disabled() and (
        busy.count() == 0 or "正在装载" in busy.inner_text()
    )
    page.wait_for_selector("#d-loaded [data-loaded-rows]", timeout=120_000)
    assert page.get_attribute("#d-loaded [data-loaded-rows]", "data-loaded-rows") == "1"
    assert page.get_attribute("#d-loaded [data-rejected]", "data-rejected") == "1"
    rebuilt = page.inner_text("#d-loaded [data-rebuilt]")
    assert (
        rebuilt.startswith("仅重建了本批数据涉及的时期")
        or rebuilt == "本批数据未涉及已构建的时期，无需重建。"
    )
    assert page.locator("#d-quarantine").is_disabled()
    inv = api.get("/api/inventory").json()
    assert inv["total"] == before + 1 and inv["data"][-1]["rows_loaded"] == 1
    batch = inv["data"][-1]["batch_id"]
    page.screenshot(path=shots / "data-workflow-quarantine.png", full_page=True)

    # the same file again: loaded before, nothing changed
    page.set_input_files("#d-file", str(path))
    page.click("#d-send")
    page.wait_for_selector("[data-report-ok=false]")
    page.click("#d-quarantine")
    page.wait_for_selector("#d-loaded [data-already-loaded]", timeout=60_000)
    assert (
        page.inner_text("#d-loaded [data-already-loaded]")
        == f"该文件已装载过（批次 {batch}），未作任何改动。"
    )
    assert api.get("/api/inventory").json()["total"] == before + 1
