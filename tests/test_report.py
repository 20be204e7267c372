"""The inspection report (``chainatlas report``): its figures equal the API's, a jurisdiction's report names only
its own places, the HTML is self-contained, the PDF is a real PDF with an embedded CJK font, synthetic data are
labelled, and the command writes the file and its audit record.

The figures are read back from the report itself: the JSON block it embeds (``<script id="report-data">``) and
the ``data-value`` attributes of its tables, which must agree with each other and with what the API serves
(``/api/edges``, ``/api/chains/{chain}/matrix``, ``/api/analytics/topics/coupling``) or, for the highlights,
with the indicator history.
"""

from __future__ import annotations

import html as htmllib
import io
import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import geo
from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.cli import main
from chainatlas.errors import ConfigError, ExportError
from chainatlas.model.layers import LAYERS
from chainatlas.pipeline import query, report
from chainatlas.pipeline.history import indicator_history
from chainatlas.storage.base import open_backend

JURISDICTION = "320500"  # 苏州市: shown by county


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def doc(built_db: Path) -> dict:
    with open_backend(built_db, read_only=True) as b:
        return report.report_data(b)


@pytest.fixture(scope="module")
def page(doc: dict) -> str:
    return report.render_html(doc)


@pytest.fixture(scope="module")
def api(built_db: Path) -> Iterator[httpx.Client]:
    with LocalServer(create_app(built_db)) as url, httpx.Client(base_url=url, timeout=120) as c:
        yield c


def embedded(page: str) -> dict:
    """The JSON block the report embeds."""
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.DOTALL)
    assert m, "no report-data block"
    return json.loads(m.group(1))


def data_values(page: str) -> dict[str, str]:
    """``data-key`` → ``data-value`` of every figure shown in the report's tables."""
    pairs = re.findall(r'data-key="([^"]+)"\s+data-value="([^"]*)"', page)
    return {k: htmllib.unescape(v) for k, v in pairs}


def edges(api: httpx.Client, layer: str, period: int) -> pd.DataFrame:
    r = api.get(
        "/api/edges",
        params={"layer": layer, "scale": "city", "period": period, "self_loops": "false", "limit": 10_000},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] <= 10_000
    return pd.DataFrame(body["data"], columns=["src", "dst", "n", "value"])


# ---------------------------------------------------------------------------------------------- the API's figures
def test_the_embedded_figures_are_the_ones_shown(doc: dict, page: str):
    assert embedded(page) == doc
    shown = data_values(page)
    for row in doc["layers"]:
        assert float(shown[f"layers.{row['layer']}.n"]) == row["n"]
        assert int(shown[f"layers.{row['layer']}.ties"]) == row["ties"]
    for c in doc["chains"]:
        assert float(shown[f"chains.{c['chain']}.completeness"]) == c["completeness"]
    for u in doc["coupling"]["units"]:
        assert float(shown[f"coupling.{u['unit']}.D"]) == u["D"]


def test_layers_equal_the_api_edges(doc: dict, page: str, api: httpx.Client):
    """Ties, records, amounts and the cross-province share of each layer, this period and the previous one, are
    those of /api/edges (ties between distinct cities); the share is recomputed here from the province codes."""
    rep = embedded(page)
    assert rep["period"] == api.get("/api/meta").json()["periods"][-1]
    assert rep["previous_period"] == rep["period"] - 1
    checked = 0
    for row in rep["layers"]:
        for period, state in ((rep["period"], row), (rep["previous_period"], row["previous"])):
            e = edges(api, row["layer"], period)
            assert state["ties"] == len(e)
            assert state["n"] == pytest.approx(e["n"].sum(), rel=1e-9)
            assert state["value"] == pytest.approx(e["value"].fillna(0).sum(), rel=1e-9)
            if e["n"].sum() > 0:
                crossing = e["src"].str[:2] != e["dst"].str[:2]
                assert state["cross_province_share"] == pytest.approx(
                    e.loc[crossing, "n"].sum() / e["n"].sum(), rel=1e-9
                )
                checked += 1
        if row["previous"]["n"] > 0:
            assert row["change"]["n"] == pytest.approx(row["n"] / row["previous"]["n"] - 1, rel=1e-9)
    assert checked >= 8  # the small atlas has ties in most layers in both periods
    assert [r["layer"] for r in rep["layers"]] == list(LAYERS)


def test_activity_is_the_records_touching_each_place(doc: dict, atlas):
    e = query.edges_by(atlas, scale="city", by=("src", "dst"), period=doc["period"])
    own = e.groupby("src")["n"].sum().add(e[e["src"] != e["dst"]].groupby("dst")["n"].sum(), fill_value=0)
    for unit, n in doc["activity"].items():
        assert n == pytest.approx(own.get(unit, 0.0), rel=1e-9)
    top = max(doc["activity"], key=doc["activity"].get)
    assert doc["places"][0]["unit"] == top


def test_chain_statuses_equal_the_api_matrix(doc: dict, api: httpx.Client):
    for c in doc["chains"]:
        m = api.get(f"/api/chains/{c['chain']}/matrix", params={"period": doc["period"]}).json()
        api_rows = {s["segment"]: (s["status"], s["choke"]) for s in m["segments"]}
        assert {r["segment"]: (r["status"], r["choke"]) for r in c["rows"]} == api_rows
        assert c["broken"] == [s for s, (st, _) in api_rows.items() if st == "broken"]
        assert c["single"] == [s for s, (st, _) in api_rows.items() if st == "single"]
        assert c["choke"] == [s for s, (_, ch) in api_rows.items() if ch]
        assert c["completeness"] == pytest.approx(
            sum(st != "broken" for st, _ in api_rows.values()) / len(api_rows)
        )


def test_coupling_equals_the_api_topic(doc: dict, api: httpx.Client):
    r = api.get("/api/analytics/topics/coupling", params={"scale": "city", "period": doc["period"]})
    assert r.status_code == 200, r.text
    served = {row["unit"]: row for row in r.json()["data"]}
    assert doc["coupling"]["method"] == "topic"
    assert {u["unit"] for u in doc["coupling"]["units"]} == set(served)
    for u in doc["coupling"]["units"]:
        assert u["D"] == pytest.approx(served[u["unit"]]["D"], rel=1e-9, abs=1e-10)
        assert u["grade"] == served[u["unit"]]["grade"]
    ds = [u["D"] for u in doc["coupling"]["units"]]
    assert doc["coupling"]["mean_D"] == pytest.approx(sum(ds) / len(ds))
    assert sum(g["units"] for g in doc["coupling"]["grades"]) == len(ds)


def test_highlights_equal_the_indicator_history(doc: dict, atlas):
    by_id = {hl["indicator"]: hl for hl in doc["highlights"]}
    assert "firms" in by_id and not any(i.endswith("_partial") for i in by_id)
    for ind in ("firms", "patents", "revenue"):
        hl = by_id[ind]
        d = indicator_history(atlas, indicator=ind, scale="city", periods=doc["period"], groups=False)
        assert hl["total"] == pytest.approx(d["value"].sum(), rel=1e-12)
        assert hl["previous_total"] == pytest.approx(d["prev_value"].sum(), rel=1e-12)
        rising = d[d["change"] > 0].sort_values(["change", "unit"], ascending=[False, True]).head(3)
        assert [r["unit"] for r in hl["risers"]] == list(rising["unit"])
        assert [r["change"] for r in hl["risers"]] == pytest.approx(list(rising["change"]))
        falling = d[d["change"] < 0].sort_values(["change", "unit"]).head(3)
        assert [r["unit"] for r in hl["fallers"]] == list(falling["unit"])
    raw = query.attr_frame(atlas, scale="city", period=doc["period"], attrs=["firms"])
    raw = raw[query.proper("city", raw["unit"]).to_numpy()]
    assert by_id["firms"]["total"] == pytest.approx(raw["value"].sum(), rel=1e-12)


def test_without_a_recorded_check_the_alerts_are_those_of_the_atlas_rule_sets(doc: dict, atlas):
    from chainatlas.pipeline.monitor import check_sets, rule_sets

    sets = [rs for rs, _ in rule_sets()]
    a = check_sets(atlas, sets, period=doc["period"])
    assert doc["alerts"]["source"] == "check"
    assert [r["id"] for r in doc["alerts"]["rules"]] == [
        f"{rs.jurisdiction}:{r.id}" for rs in sets for r in rs.rules
    ]
    assert sorted((r["rule"], r["unit"]) for r in doc["alerts"]["rows"]) == sorted(
        zip(a["rule"], a["unit"].astype(str), strict=True)
    )
    assert doc["summary"]["alerts"] == len(a)


def test_a_recorded_check_is_reported_with_status_and_first_reported_values(built_db, tmp_path):
    """`chainatlas check` recorded the period: the report lists the stored findings, one per finding, with the
    handling status a planner set and the value as first reported."""
    from chainatlas import config
    from chainatlas.model.access import Principal
    from chainatlas.pipeline.alerts import record_sets
    from chainatlas.pipeline.monitor import check_sets, rule_sets
    from chainatlas.storage.alerts import AlertStore

    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    sets = [rs for rs, _ in rule_sets(level="province", jurisdiction="320000")]
    with open_backend(db, read_only=True) as b:
        year = query.periods(b)[-1]
        found = check_sets(b, sets, period=year)
    store = AlertStore(config.side_file(db, "alerts"))
    record_sets(store, found, sets, period=year, actor="test")
    first = store.list().iloc[0]
    store.ack(int(first["id"]), Principal("ops", "analyst", "320000"), note="核查中")
    with open_backend(db, read_only=True) as b:
        d = report.report_data(b, period=year, jurisdiction="320000")
    assert d["alerts"]["source"] == "store"
    stored = store.list(period=year, jurisdiction="320000")
    n = sum(len(store.detail(int(i))["findings"]) for i in stored["id"])
    assert len(d["alerts"]["rows"]) == n > 0
    mine = [r for r in d["alerts"]["rows"] if r["alert_id"] == int(first["id"])]
    assert mine and {r["status"] for r in mine} == {"acknowledged"}
    assert all(r["first_value"] == r["value"] or r["first_value"] is None for r in mine)


def test_synthetic_data_are_labelled(doc: dict, page: str):
    assert doc["synthetic"] is True
    label = re.search(
        r'<div class="banner" id="synthetic-label" data-synthetic="true">(.*?)</div>', page, re.DOTALL
    )
    assert label and "合成数据" in label.group(1)
    assert "合成数据" in re.search(r"<title>(.*?)</title>", page).group(1)
    english = report.render_html(doc, lang="en", pictures=False)
    assert 'id="synthetic-label"' in english and "SYNTHETIC DATA" in english
    assert "长三角产业链创新链巡检报告" in page


def test_a_real_atlas_has_no_synthetic_label(doc: dict):
    real = {**doc, "synthetic": False}
    page = report.render_html(real, pictures=False)
    assert (
        'id="synthetic-label"' not in page and "合成数据" not in re.search(r"<title>(.*?)</title>", page)[1]
    )


def test_the_command_prints_a_real_pdf_with_an_embedded_cjk_font(built_db: Path, tmp_path: Path):
    from pypdf import PdfReader

    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    out = tmp_path / "out" / "report.pdf"
    res = CliRunner().invoke(main, ["--db", str(db), "report", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "[1/7] layers" in res.stderr and "[7/7] PDF" in res.stderr and "SYNTHETIC" in res.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    cover = reader.pages[0]
    assert "长三角产业链创新链巡检报告" in cover.extract_text().replace(" ", "")
    names = []
    for ref in cover["/Resources"]["/Font"].values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        program = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
        assert len(descriptor[program].get_object().get_data()) > 1000  # the glyphs are in the file
        names.append(str(font["/BaseFont"]))
    # the @font-face the report names: a subset of the machine's CJK font, embedded
    assert any("Report-CJK" in n for n in names), names
    log = [json.loads(line) for line in (tmp_path / "atlas.duckdb.audit.jsonl").read_text().splitlines()]
    rec = log[-1]
    assert rec["action"] == "export" and rec["resource"] == str(out)
    assert rec["parameters"] == {
        "what": "report",
        "format": "pdf",
        "period": 2024,
        "jurisdiction": "YRD",
        "lang": "zh",
        "alerts": "check",
    }
    assert f"{rec['count']} alerts" in res.stderr


def test_the_first_built_period_has_nothing_to_compare(doc: dict):
    first = {
        **doc,
        "previous_period": None,
        "layers": [{**r, "previous": None, "change": None} for r in doc["layers"]],
    }
    page = report.render_html(first)
    assert "无（首个已构建期）" in page and "对数坐标" in page
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 2


def test_pdf_names_no_remote_resource(doc: dict):
    html = report.render_html(doc, pdf_font=report.cjk_font(), pictures=False)
    assert re.search(r"@font-face \{ font-family: 'Report CJK'; src: url\('file:///", html)
    with pytest.raises(ExportError, match="example.invalid"):
        report.print_pdf(html.replace("</body>", '<img src="https://example.invalid/x.png"></body>'))


# ---------------------------------------------------------------------------------------------- a jurisdiction
def test_a_jurisdictions_report_names_only_its_places(built_db: Path, tmp_path: Path):
    """``--jurisdiction 320500 --alerts FILE``: only Suzhou's places, and of the alerts given only those
    concerning Suzhou (its own, and a joint one), read from a CSV as ``chainatlas check -o`` writes it."""
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    given = pd.DataFrame(
        [
            {"alert_id": "a1", "severity": "critical", "status": "open", "rule": "r", "title": "本地 / local",
             "unit": "320506", "value": 1.0, "jurisdictions": "320500", "owner": "320506"},
            {"alert_id": "a2", "severity": "warning", "status": "open", "rule": "r", "title": "外地 / elsewhere",
             "unit": "330106", "value": 2.0, "jurisdictions": "330100"},
            {"alert_id": "a3", "severity": "info", "status": "open", "rule": "r", "title": "联合 / joint",
             "unit": None, "value": 3.0, "jurisdictions": "310000;320500", "owner": "310000"},
        ]
    )  # fmt: skip
    given.to_csv(tmp_path / "alerts.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "suzhou.html"
    res = CliRunner().invoke(
        main,
        ["--db", str(db), "report", "--jurisdiction", JURISDICTION, "--alerts", str(tmp_path / "alerts.csv"),
         "-o", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "[6/6] pictures" in res.stderr
    page = out.read_text(encoding="utf-8")
    doc = embedded(page)
    assert doc["jurisdiction"] == {
        "code": "320500",
        "name_zh": "苏州市",
        "name_en": "Suzhou",
        "prefix": "3205",
        "scale": "county",
    }
    units = (
        [p["unit"] for p in doc["places"]]
        + list(doc["activity"])
        + [u["unit"] for u in doc["coupling"]["units"]]
        + [r["unit"] for h in doc["highlights"] for r in h["risers"] + h["fallers"]]
    )
    assert units and all(u.startswith("3205") for u in units)
    assert doc["alerts"]["source"] == "argument"
    assert [a["alert_id"] for a in doc["alerts"]["rows"]] == ["a1", "a3"]  # a3 concerns Suzhou jointly
    assert [a["parties"] for a in doc["alerts"]["rows"]] == [1, 2]
    # the suggested owner by name; Shanghai, outside Suzhou, is not named
    assert [a["owner_zh"] for a in doc["alerts"]["rows"]] == ["吴中区", "辖区外"]
    assert "本地" in page and "外地" not in page
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    places = geo.places()
    inside = places[places["adcode"].str.startswith("3205")]
    outside = places[~places["adcode"].str.startswith("3205")]
    names = [n for n in set(outside["name_zh"]) if len(n) >= 3 and not any(n in m for m in inside["name_zh"])]
    named = sorted(n for n in names if n in text)
    assert named == [], f"places outside {JURISDICTION} named: {named[:10]}"
    assert "苏州市" in text and "吴中区" in text
    rec = [json.loads(line) for line in (tmp_path / "atlas.duckdb.audit.jsonl").read_text().splitlines()][-1]
    assert rec["parameters"]["jurisdiction"] == "320500" and rec["count"] == 2
    assert rec["parameters"]["alerts"] == str(tmp_path / "alerts.csv")


# ---------------------------------------------------------------------------------------------- the command
def test_the_command_refuses_what_it_cannot_report(built_db: Path, tmp_path: Path):
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    runner = CliRunner()
    res = runner.invoke(main, ["--db", str(db), "report", "--period", "1999", "-o", str(tmp_path / "r.html")])
    assert (
        res.exit_code == 1 and "--period: '1999' is not a built period" in res.stderr and "2024" in res.stderr
    )
    res = runner.invoke(
        main, ["--db", str(db), "report", "--jurisdiction", "110000", "-o", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 1 and "--jurisdiction" in res.stderr
    res = runner.invoke(main, ["--db", str(db), "report", "-o", str(tmp_path / "r.docx")])
    assert res.exit_code == 1 and "'docx'" in res.stderr
    assert not list(tmp_path.glob("r.*"))


def test_report_data_checks_its_arguments(atlas):
    with pytest.raises(ConfigError) as e:
        report.report_data(atlas, period="2024Q9")
    assert e.value.param == "period"
    with pytest.raises(ConfigError) as e:
        report.report_data(atlas, jurisdiction="320599")
    assert e.value.param == "jurisdiction"
    with pytest.raises(ConfigError) as e:
        report.render_html({}, lang="fr")
    assert e.value.param == "lang"


def test_numbers_are_written_for_people():
    assert report._fmt(1234567.0) == "1,234,567"
    assert report._fmt(3.14159) == "3.14"
    assert report._fmt(None) == "—" and report._fmt(math.nan) == "—"
    assert report._pct(0.1234) == "12.3%" and report._pct(-0.05, True) == "-5.0%"
    assert report._pct(0.05, True) == "+5.0%"
