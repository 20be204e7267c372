"""What a planner needs from the map (issue 11): clicks that reach the place under the flow lines, a search that
selects, permalinks that restore every control, downloads that parse back, a print view without navigation, and
a comparison whose growth has the right sign."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

READY = "body[data-map-ready='1']"
ALL_LAYERS = "symbiosis,knowledge,innovation,industry,service,value"


def goto(page, hash_: str, ready: str = READY):
    page.goto(page.base_url + "/#/" + hash_)
    page.wait_for_selector(ready, timeout=30_000)


def click_lonlat(page, lon: float, lat: float) -> None:
    x, y = page.evaluate(f"window.__atlasCharts.map.convertToPixel({{geoIndex: 0}}, [{lon}, {lat}])")
    box = page.locator("#map-chart").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def selected(page, unit: str) -> bool:
    """The place is selected in the geo component and outlined above the lines."""
    return page.evaluate(f"""() => {{
        const c = window.__atlasCharts.map;
        const sel = c.getOption().series.find(s => s.id === 'sel');
        return c.getModel().getComponent('geo', 0).isSelected({unit!r}) && sel.data.length > 0;
    }}""")


@pytest.mark.parametrize(
    ("scale", "unit", "prefix"),
    [
        ("city", "310100", "310100"),
        ("city", "320500", "320500"),
        ("county", "310101", "3101"),
        ("county", "320508", "3205"),
    ],
)
def test_a_click_on_a_hub_under_flow_lines_opens_its_profile(page, api, shots, scale, unit, prefix):
    # all six layers at 300 lines each: the hub's centre is where its lines start, so lines cover the click
    goto(page, f"map?scale={scale}&layers={ALL_LAYERS}")
    page.fill("#topn", "300")
    page.dispatch_event("#topn", "change")
    page.wait_for_function("() => document.querySelector('#page').dataset.lines.split(',').length === 6")
    lines = [int(n) for n in page.evaluate("document.querySelector('#page').dataset.lines").split(",")]
    assert sum(lines) > 100
    node = next(r for r in api.get("/api/nodes", params={"scale": scale}).json()["data"] if r["unit"] == unit)
    page.wait_for_timeout(700)  # the map settles before it is clicked
    click_lonlat(page, node["lon"], node["lat"])
    page.wait_for_function(f"() => document.querySelector('#page').dataset.place?.startsWith({prefix!r})")
    got = page.evaluate("document.querySelector('#page').dataset.place")
    page.wait_for_selector("#profile-name")
    want = api.get(f"/api/places/{got}", params={"scale": scale}).json()
    assert page.inner_text("#profile-name") == want["name_zh"]
    assert selected(page, got)
    assert f"place={got}" in page.url  # the permalink holds the selection
    page.wait_for_function("() => Number(document.querySelector('#profile').dataset.trend) >= 2")
    page.screenshot(path=shots / f"click-{scale}-{unit}.png")


def test_type_ahead_finds_namesakes_and_selects(page, shots):
    goto(page, "map?scale=city")
    page.fill("#place-pick", "taizhou")
    page.wait_for_selector("#place-list li")
    items = page.locator("#place-list li").all_inner_texts()
    assert any("泰州市" in x for x in items) and any("台州市" in x for x in items)
    page.click("#place-list li:has-text('台州市')")
    page.wait_for_function("() => document.querySelector('#profile-name')?.textContent === '台州市'")
    assert selected(page, "331000")
    # county names carry their city, and the English names of namesakes are told apart
    page.click("#lang-toggle")
    page.wait_for_selector(READY)
    page.wait_for_selector("#place-pick")
    page.fill("#place-pick", "taizhou")
    page.wait_for_selector("#place-list li")
    items = " | ".join(page.locator("#place-list li").all_inner_texts())
    assert "Taizhou (JS)" in items and "Taizhou (ZJ)" in items
    page.keyboard.press("Escape")
    page.click("#scale-seg button:has-text('County')")
    page.wait_for_function("() => document.querySelector('#page').dataset.scale === 'county'")
    page.fill("#place-pick", "gulou")
    page.wait_for_selector("#place-list li")
    items = page.locator("#place-list li").all_inner_texts()
    assert len(items) >= 2 and all("(" in x for x in items), items
    page.screenshot(path=shots / "type-ahead-en.png")
    page.click("#lang-toggle")


def controls(page) -> dict:
    return page.evaluate("""() => ({
        scale: document.querySelector('#scale-seg button.on')?.dataset.value,
        period: document.querySelector('#period-v').textContent,
        indicator: document.querySelector('#indicator').value,
        chain: document.querySelector('#chain').value,
        segment: document.querySelector('#segment').value,
        layers: [...document.querySelectorAll('#layer-list input:checked')].map(x => x.value).join(','),
        classes: document.querySelector('#classes-seg button.on')?.dataset.value,
        fixed: document.querySelector('#fixed').checked,
        place: document.querySelector('#profile')?.dataset.unit || null,
    })""")


def test_permalink_round_trip_restores_every_control(page, shots):
    view = (
        "map?scale=county&period=2019&chain=ic&segment=design&layers=knowledge,value&place=320508"
        "&indicator=patents&classes=jenks&fixed=0"
    )
    goto(page, view)
    page.wait_for_function("() => document.querySelector('#segment').value === 'design'")
    page.wait_for_selector("#profile-name")
    want = {
        "scale": "county",
        "period": "2019",
        "indicator": "patents",
        "chain": "ic",
        "segment": "design",
        "layers": "knowledge,value",
        "classes": "jenks",
        "fixed": False,
        "place": "320508",
    }
    assert controls(page) == want
    assert page.inner_text("#profile-name") == "姑苏区"
    # change the view through the controls; the URL follows, and opening it elsewhere restores it
    page.click("#classes-seg button[data-value=log]")
    page.check("#fixed")
    page.check("#layer-list input[value=innovation]")
    page.select_option("#indicator", "firms")
    page.wait_for_function("() => document.querySelector('#page').dataset.indicator === 'firms'")
    page.wait_for_function("() => location.hash.includes('indicator=firms')")
    link = page.url
    before = controls(page)
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector(READY, timeout=30_000)
    other.wait_for_function("() => document.querySelector('#segment').value === 'design'")
    other.wait_for_selector("#profile-name")
    assert controls(other) == before
    assert before["classes"] == "log" and before["fixed"] is True
    other.screenshot(path=shots / "permalink-restored.png")
    other.close()
    # the other pages keep their view in the URL too, and the chain is carried across pages
    page.click("#nav a[data-page=chain]")
    page.wait_for_function("() => document.querySelector('#page').dataset.chain === 'ic'")
    assert page.input_value("#c-chain") == "ic"
    page.click("#c-measure button[data-value=strength]")
    page.select_option("#c-chain", "ai")
    page.wait_for_function("() => document.querySelector('#page').dataset.chain === 'ai'")
    link = page.url
    assert "chain=ai" in link and "measure=strength" in link
    page.goto(page.base_url + "/")
    page.goto(link)
    page.wait_for_function("() => document.querySelector('#page').dataset.chain === 'ai'")
    assert page.input_value("#c-chain") == "ai"
    assert page.locator("#c-measure button.on").get_attribute("data-value") == "strength"
    page.click("#nav a[data-page=diagnose]")
    page.wait_for_selector("#d-chain option", state="attached")
    assert page.input_value("#d-chain") == "ai"


def _download(page, selector: str):
    with page.expect_download() as dl:
        page.click(selector)
    return dl.value.suggested_filename, Path(dl.value.path()).read_bytes()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_exports_parse_back(page, api):
    goto(page, "map?scale=city&place=320500")
    page.wait_for_selector("#profile-name")
    name, data = _download(page, ".chart .chart-tools [data-x=csv]")
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(data), dtype={"unit": str})
    assert list(df.columns)[:2] == ["unit", "name_zh"]
    nodes = api.get("/api/nodes", params={"scale": "city"}).json()
    assert len(df) == nodes["total"]
    assert dict(zip(df["unit"], df["firms"], strict=True)) == pytest.approx(
        {r["unit"]: r["firms"] for r in nodes["data"]}
    )
    w, h = page.evaluate("[window.__atlasCharts.map.getWidth(), window.__atlasCharts.map.getHeight()]")
    name, data = _download(page, ".chart .chart-tools [data-x=png]")
    assert name.endswith(".png") and _png_size(data) == (2 * w, 2 * h)
    name, data = _download(page, ".chart .chart-tools [data-x=svg]")
    svg = ET.fromstring(data)
    assert svg.tag.endswith("svg") and float(svg.get("width")) == w and float(svg.get("height")) == h
    assert len(list(svg.iter())) > 100  # the polygons are in it
    # a table: the profile's indicators
    name, data = _download(page, "#profile .panel [data-csv]")
    df = pd.read_csv(io.BytesIO(data))
    prof = api.get("/api/places/320500").json()
    firms = next(i for i in prof["indicators"] if i["attr"] == "firms")
    assert df.iloc[0, 1] == pytest.approx(firms["value"])
    # the trend chart of the profile, as data
    page.wait_for_function("() => Number(document.querySelector('#profile').dataset.trend) >= 2")
    name, data = _download(page, "#profile .chart-tools [data-x=csv]")
    df = pd.read_csv(io.BytesIO(data))
    assert list(df["year"]) == api.get("/api/meta").json()["periods"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(page):
    goto(page, "map")
    text = page.evaluate("""async () => {
        const m = await import('/static/js/widgets.js');
        return m.csvText(['名称', 'v'], [['=1+2', 1], ['-3', -3], ['@SUM(A1)', 0.5], ['+x', null], ['ok, "q"', 2]]);
    }""")
    assert text.startswith("\ufeff")
    df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")))
    assert list(df["名称"]) == ["'=1+2", "'-3", "'@SUM(A1)", "'+x", 'ok, "q"']
    assert list(df["v"].fillna(0)) == [1, -3, 0.5, 0, 2]  # numbers stay numbers


def test_print_view_has_no_navigation(page, shots):
    goto(page, "map?scale=city&place=320500")
    page.wait_for_selector("#profile-name")
    page.emulate_media(media="print")
    assert not page.locator("#nav").is_visible()
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("#map-controls").is_visible()
    assert not page.locator(".chart-tools").first.is_visible()
    head = page.locator("#print-head")
    assert head.is_visible()
    text = head.inner_text()
    assert "长三角产业链创新链地图系统" in text and "Chain Atlas" in text  # title and source
    assert "合成数据" in page.inner_text("#synthetic-banner")  # the synthetic label is printed
    assert "2024" in text and "城市" in text
    assert page.locator("#map-note").is_visible()  # the legend
    page.screenshot(path=shots / "print-map.png", full_page=True)
    pdf = page.pdf(landscape=True, format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (shots / "print-map.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    assert page.locator("#nav").is_visible()


@pytest.mark.parametrize(("pa", "pb"), [(2024, 2015), (2015, 2024)])
def test_compare_two_periods_shows_growth_with_its_sign(page, api, shots, pa, pb):
    periods = api.get("/api/meta").json()["periods"]
    assert pa in periods and pb in periods
    page.goto(page.base_url + f"/#/compare?scale=city&place=320500&mode=periods&period={pa}&pb={pb}")
    page.wait_for_selector("#k-ind [data-diff]")
    late = api.get("/api/places/320500", params={"period": 2024}).json()
    early = api.get("/api/places/320500", params={"period": 2015}).json()
    want = {i["attr"]: i["value"] for i in late["indicators"]}
    was = {i["attr"]: i["value"] for i in early["indicators"]}
    row = page.locator("#k-ind tbody tr").first
    assert float(row.locator("[data-diff]").get_attribute("data-diff")) == pytest.approx(
        want["firms"] - was["firms"]
    )
    assert want["firms"] > was["firms"]
    assert float(row.locator("[data-growth]").get_attribute("data-growth")) == pytest.approx(
        (want["firms"] - was["firms"]) / was["firms"]
    )
    assert row.locator("[data-dir]").get_attribute("data-dir") == "up"
    assert "增长" in row.inner_text() and "+" in row.inner_text()
    headers = page.locator("#k-ind thead th").all_inner_texts()
    assert "后期 − 前期" in headers
    page.screenshot(path=shots / f"compare-growth-{pa}-{pb}.png", full_page=True)


def test_chain_cards_agree_with_the_matrix_and_the_heatmap_says_what_it_shows(page, api, shots):
    m = api.get("/api/chains/ic/matrix", params={"scale": "county"}).json()
    page.goto(page.base_url + "/#/chain?chain=ic&scale=county")
    page.wait_for_function("() => document.querySelector('#page').dataset.chain === 'ic'")
    for s in m["segments"]:
        card = page.locator(f".seg-card[data-segment={s['segment']}] .meta")
        assert card.get_attribute("data-cities") == str(s["cities_present"])
        assert card.get_attribute("data-basis") == s["basis"]
        if s["basis"] == "patents" and s["cities_present"] > 0:
            assert "有专利城市" in card.inner_text() and "布局城市" not in card.inner_text()
        if s.get("partial_only"):  # firms that belong only in part are counted apart, and said to be
            assert "部分归属" in card.inner_text()
    note = page.inner_text("#c-heat-note")
    assert str(len(m["units"])) in note
    if len(m["units"]) > 30:
        assert "前 30" in note
    y = page.evaluate("window.__atlasCharts.heat.getOption().yAxis[0]")
    assert len(y["data"]) == len(m["units"]) and y["axisLabel"]["interval"] == 0
    page.screenshot(path=shots / "chain-ic-county.png", full_page=True)


def test_places_are_told_apart_in_english(page, shots):
    page.goto(page.base_url + "/#/chain?chain=ic&scale=county")
    page.wait_for_function("() => document.querySelector('#page').dataset.chain === 'ic'")
    names = page.evaluate("""async () => {
        const m = await import('/static/js/i18n.js');
        m.setLang('en');
        const out = ['321200', '331000', '320500', '341300'].map(u => m.placeName(u));
        m.setLang('zh');
        return out;
    }""")
    assert names == ["Taizhou (JS)", "Taizhou (ZJ)", "Suzhou (JS)", "Suzhou (AH)"]


def test_area_scale_says_areas_overlap(page):
    goto(page, "map?scale=area")
    page.wait_for_function("() => document.querySelector('#page').dataset.scale === 'area'")
    assert "不可相加" in page.inner_text("#map-note")
    goto(page, "map?scale=region")
    page.wait_for_function("() => document.querySelector('#page').dataset.scale === 'region'")
    assert "全域" in page.inner_text("#map-note") and "合计" in page.inner_text("#map-note")


def test_a_foreign_chain_in_the_url_is_harmless(page):
    goto(page, "map?chain=" + quote("<b>x</b>") + "&layers=innovation&period=1900")
    assert page.inner_text("#period-v") == str(
        page.evaluate("document.querySelector('#page').dataset.period")
    )
