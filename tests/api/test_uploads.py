"""Uploads: validate first (report naming row, column, value, rule), then load all or nothing."""

from __future__ import annotations

import httpx
import pytest

from chainatlas.api import schemas as S
from chainatlas.synth.credit_codes import make_credit_code

HEADER = (
    "统一社会信用代码,名称,主体类型,行政区划代码,地址,行业代码,成立日期,注册资本（万元）,从业人员,合成数据\n"
)


def _firms_csv(bad: bool) -> bytes:
    good1 = make_credit_code("91", "310101", "MA1TPQ001")
    good2 = make_credit_code("91", "320506", "MA1TPQ002")
    broken = good2[:-1] + ("0" if good2[-1] != "0" else "1")  # wrong check character
    rows = [
        f"{good1},接口测试甲公司,企业,310101,,3973,2020-01-02,100,10,0",
        f"{broken if bad else good2},接口测试乙公司,企业,320506,,3973,2021-03-04,200,20,0",
    ]
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def _upload(client: httpx.Client, content: bytes, name: str = "firms.csv", **params) -> httpx.Response:
    return client.post(
        "/api/uploads",
        params={"filename": name, **params},
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )


def test_bad_row_is_reported_and_nothing_is_loaded(writable_client):
    c = writable_client
    before = c.get("/api/inventory").json()["total"]
    r = _upload(c, _firms_csv(bad=True))
    assert r.status_code == 201 and r.headers["location"] == f"/api/uploads/{r.json()['id']}"
    rep = S.UploadReport.model_validate(r.json()).model_dump()
    assert (rep["ok"], rep["kind"], rep["rows_read"], rep["rows_ok"], rep["rows_bad"]) == (
        False,
        "firms",
        2,
        1,
        1,
    )
    err = rep["errors"][0]
    assert (err["file"], err["row"], err["column"], err["rule"]) == (
        "firms.csv",
        3,
        "credit_code",
        "credit_code",
    )
    assert err["message"]
    assert rep["columns"]["统一社会信用代码"] == "credit_code"
    assert c.get(f"/api/uploads/{rep['id']}").json()["errors_total"] == 1
    errs = c.get(f"/api/uploads/{rep['id']}/errors", params={"limit": 10}).json()
    S.UploadErrors.model_validate(errs)
    assert errs["total"] == 1 and errs["data"][0]["row"] == 3
    refused = c.post(f"/api/uploads/{rep['id']}/load")
    assert refused.status_code == 422
    body = refused.json()["error"]
    assert body["type"] == "IngestError" and body["details"][0]["row"] == 3
    assert c.get("/api/inventory").json()["total"] == before
    listed = c.get("/api/uploads").json()
    assert [u["id"] for u in listed["data"]] == [rep["id"]]


def test_quarantine_loads_the_good_rows(writable_client):
    c = writable_client
    rep = _upload(c, _firms_csv(bad=True)).json()
    res = c.post(f"/api/uploads/{rep['id']}/load", params={"quarantine": True, "build": False})
    assert res.status_code == 200, res.text
    body = S.LoadResult.model_validate(res.json())
    assert body.batches[0]["rows_loaded"] == 1 and body.rejected_rows == 1


def test_good_file_loads_builds_and_shows_up_everywhere(writable_client):
    c = writable_client
    firms_before = c.get("/api/entities", params={"q": "接口测试"}).json()["total"]
    inv_before = c.get("/api/inventory").json()
    rep = _upload(c, _firms_csv(bad=False), kind="firms").json()
    assert rep["ok"] is True and rep["errors"] == [] and rep["periods"] == [2020, 2021]
    res = c.post(f"/api/uploads/{rep['id']}/load")
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["batches"][0]["rows_loaded"] == 2 and out["build"]["years"]
    # cached answers were dropped: the new batch and firms are visible at once
    inv = c.get("/api/inventory").json()
    assert inv["total"] == inv_before["total"] + 1 and inv["data"][-1]["source_file"] == "firms.csv"
    assert inv["data"][-1]["synthetic"] is False
    assert c.get("/api/entities", params={"q": "接口测试"}).json()["total"] == firms_before + 2
    assert (
        c.get(f"/api/uploads/{rep['id']}").json()["loaded"]["batches"][0]["batch_id"]
        == out["batches"][0]["batch_id"]
    )
    again = c.post(f"/api/uploads/{rep['id']}/load").json()
    assert again["batches"][0]["already_loaded"] is True


def test_xlsx_template_round_trip(writable_client):
    """A downloaded template with one bad row is reported by the upload."""
    import io

    from openpyxl import load_workbook

    c = writable_client
    wb = load_workbook(io.BytesIO(c.get("/api/templates/firms", params={"lang": "zh"}).content))
    ws = wb.worksheets[0]
    ws.append(
        [
            make_credit_code("91", "330106", "MA1TPQ003"),
            "表格测试公司",
            "企业",
            "330106",
            None,
            "3973",
            None,
            "2022-05-06",
            "50",
            "5",
            "0",
        ]
    )
    ws.append(
        ["not-a-code", "表格测试公司二", "企业", "999999", None, "3973", None, "2022-05-06", "-1", "5", "0"]
    )
    buf = io.BytesIO()
    wb.save(buf)
    rep = _upload(c, buf.getvalue(), name="我的主体.xlsx", kind="firms").json()
    assert rep["ok"] is False and rep["format"] == "xlsx" and rep["rows_read"] == 2
    cols = {e["column"] for e in rep["errors"] if e["row"] == 3}
    assert {"credit_code", "adcode", "registered_capital"} <= cols


def test_unreadable_file_is_one_error(writable_client):
    r = _upload(writable_client, b"\x00\x01garbage", name="firms.xlsx")
    assert r.status_code == 422
    assert r.json()["error"]["type"] == "IngestError"


def test_discard(writable_client):
    c = writable_client
    rep = _upload(c, _firms_csv(bad=False)).json()
    assert c.delete(f"/api/uploads/{rep['id']}").status_code == 204
    assert c.get(f"/api/uploads/{rep['id']}").status_code == 404
    assert c.delete(f"/api/uploads/{rep['id']}").status_code == 404


@pytest.mark.parametrize("name", ["专利.csv", "patents_2023.csv"])
def test_kind_from_the_file_name(writable_client, name):
    head = (
        "申请号,名称,申请日,授权日,IPC分类号,申请人,申请人信用代码,申请人行政区划代码,申请人地址,合成数据\n"
    )
    row = "CN2023TEST1,测试,2023-01-05,,H01L 23/31,甲公司,,310101,,0\n"
    rep = _upload(writable_client, (head + row).encode("utf-8"), name=name).json()
    assert rep["kind"] == "patents" and rep["ok"] is True, rep


def test_errors_name_the_files_own_chinese_header_in_chinese(writable_client):
    """Issue 11: an error names the header the file used, with its rule and message in Chinese."""
    c = writable_client
    rep = _upload(c, _firms_csv(bad=True), name="主体.csv").json()
    assert rep["kind"] == "firms"
    err = S.RowErrorOut.model_validate(rep["errors"][0])
    assert (err.row, err.column, err.header) == (3, "credit_code", "统一社会信用代码")
    assert err.rule_zh and "统一社会信用代码" in err.rule_zh and "校验位" in err.rule_zh
    assert err.message_zh.startswith("第 3 行「统一社会信用代码」") and err.value in err.message_zh
    paged = c.get(f"/api/uploads/{rep['id']}/errors").json()
    assert (
        paged["data"][0]["header"] == "统一社会信用代码" and paged["data"][0]["message_zh"] == err.message_zh
    )


def test_english_headers_are_named_as_the_file_has_them(writable_client):
    head = "credit_code,name,entity_type,adcode,address,industry_code,founded,registered_capital,employees,synthetic\n"
    row = "not-a-code,English Co,firm,310101,,3973,2020-01-02,-5,10,0\n"
    rep = _upload(writable_client, (head + row).encode(), name="firms.csv").json()
    by_col = {e["column"]: e for e in rep["errors"]}
    assert by_col["credit_code"]["header"] == "credit_code"
    assert by_col["registered_capital"]["rule_zh"] == "须为不小于0的数"


def test_unknown_kind_lists_the_recognised_kinds_and_file_names(writable_client):
    r = _upload(writable_client, _firms_csv(bad=False), name="我的数据.csv")
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "ConfigError" and "cannot tell the input kind" in err["message"]
    kinds = {k["kind"]: S.KnownKind.model_validate(k) for k in err["details"]}
    assert {"firms", "patents"} <= set(kinds)
    assert kinds["firms"].zh == "主体（企业及机构）" and {"firms.csv", "主体.csv"} <= set(
        kinds["firms"].files
    )
    assert "patents_2023.xlsx" in kinds["patents"].files and "统一社会信用代码" in kinds["firms"].headers_zh
    assert "firms.csv" in err["message"] and "主体.csv" in err["message"]
    bad = _upload(writable_client, _firms_csv(bad=False), kind="nonsense")
    assert bad.status_code == 400 and len(bad.json()["error"]["details"]) == len(err["details"])


@pytest.mark.parametrize("name", ["主体.csv", "主体_2023.csv"])
def test_the_short_chinese_name_of_a_kind_names_its_file(writable_client, name):
    assert _upload(writable_client, _firms_csv(bad=False), name=name).json()["kind"] == "firms"


def test_the_kind_a_file_name_says(writable_client):
    c = writable_client
    assert c.get("/api/upload-kind", params={"filename": "主体.csv"}).json()["kind"] == "firms"
    body = S.FileKind.model_validate(c.get("/api/upload-kind", params={"filename": "我的数据.csv"}).json())
    assert body.kind is None and any(k.kind == "patents" for k in body.data)
