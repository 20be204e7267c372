"""The 情景模拟 page (issue 14 item 6) in real headless Chromium, on the session's demo atlas: a planner loads the
example scenario, locks a city down by clicking it on the map, runs it, and reads what the API computes for the
same scenario — the summary of every policy variant, the region's loss week by week (direct and indirect), a
county's loss in the week on the slider, the substitutions and the white-list firms —; a wrong field comes back in
the API's words on the shock it names; the supply-chain emergency list (per province) and the systemic-risk
ranking are the API's, the list downloads as CSV for Excel; the page works in English too.

Scenario files: a YAML file saved by Notepad in GBK with CRLF opens into the builder (POST /api/simulations/parse)
and runs as the API runs the same scenario; the builder's scenario saved as YAML reads back (PyYAML, then
parse_scenario) as the same scenario and opens again; a file with a YAML error is refused in the API's words with
the scenario on the page left as it was. A reader whose jurisdiction is one city sees the region's aggregates and
only that city's firms, and the page says so.

Each page is checked for script errors and for requests leaving the machine (tests/e2e/conftest.py).
Screenshots: /tmp/scenario_shots/*.png.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import yaml

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.simulate import ExampleScenario, SimulationAnswer
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer
from chainatlas.pipeline.scenario import parse_scenario
from chainatlas.storage.users import UserStore

READY = "#page[data-state='ready']"
#: the city the planner adds to the example's lockdown of 上海市 and 苏州市: 无锡市
CITY = "320200"
#: where the pictures of the page go
SHOTS = Path("/tmp/scenario_shots")
SHOTS.mkdir(parents=True, exist_ok=True)


def open_page(page) -> None:
    page.goto(page.base_url + "/#/scenarios")
    page.wait_for_selector(READY, timeout=60_000)


def post(api, scenario: dict) -> dict:
    r = api.post("/api/simulations", json=scenario, headers={CSRF_HEADER: CSRF_VALUE})
    assert r.status_code == 200, r.text
    return SimulationAnswer.model_validate(r.json()).model_dump()


def money(v: float) -> str:
    """pages/scenario.js `money` in Chinese: 亿元 from 10,000 万元, else 万元 with one decimal (two below 10)."""
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.2f} 亿元"
    return f"{v:,.2f} 万元" if abs(v) < 10 else f"{v:,.1f} 万元"


def attr(page, selector: str, name: str) -> str:
    return page.get_attribute(selector, name)


def click_place(page, unit: str, api) -> None:
    """Click a place on the ECharts map at a point inside its boundary as served (a real mouse click)."""
    from shapely.geometry import shape

    fc = api.get("/api/geo", params={"scale": "city"}).json()
    [feature] = [f for f in fc["features"] if f["properties"]["unit"] == unit]
    inside = shape(feature["geometry"]).representative_point()
    x, y = page.evaluate(
        f"window.__atlasCharts.scenarioMap.convertToPixel({{seriesIndex: 0}}, [{inside.x}, {inside.y}])"
    )
    box = page.locator("#sc-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def wait_result(page, n: int) -> None:
    page.wait_for_function(
        f"() => document.querySelector('#page').dataset.result === '{n}'"
        " && document.querySelector('#sc-map').dataset.mode === 'spread'",
        timeout=120_000,
    )


def shown_week(page, variant: str, step: int) -> None:
    page.wait_for_function(
        f"() => {{ const m = document.querySelector('#sc-map'); return m.dataset.step === '{step}'"
        f" && m.dataset.variant === {json.dumps(variant)}; }}",
        timeout=20_000,
    )


def set_week(page, step: int) -> None:
    page.locator("#sc-week").evaluate(
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }", step
    )


def tall(page, selector: str, path: str) -> None:
    """A picture of a whole panel: the window made tall enough for it, then as it was."""
    page.set_viewport_size({"width": 1440, "height": 3600})
    page.wait_for_timeout(800)  # charts resize and settle
    page.locator(selector).screenshot(path=path)
    page.set_viewport_size({"width": 1440, "height": 900})


@pytest.fixture(scope="module")
def example(api) -> dict:
    r = api.get("/api/simulations/example")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("max-age=")
    body = ExampleScenario.model_validate(r.json())
    assert body.scenario["name"] == "沪苏封控四周" and "平战转换" in body.yaml
    return body.scenario


@pytest.fixture(scope="module")
def planned(example) -> dict:
    """The scenario the planner makes: the example with 无锡市 clicked into its lockdown."""
    s = copy.deepcopy(example)
    assert s["shocks"][0]["type"] == "lockdown" and s["shocks"][0]["places"] == ["上海市", "苏州市"]
    s["shocks"][0]["places"].append(CITY)
    return s


@pytest.fixture(scope="module")
def answer(api, planned) -> dict:
    return post(api, planned)


def test_a_city_clicked_on_the_map_is_locked_down_and_the_run_is_the_apis(
    page, api, example, planned, answer
):
    open_page(page)
    page.click("#sc-example")
    page.wait_for_function(
        f"() => document.querySelector('#sc-name').value === {json.dumps(example['name'])}"
    )
    # the example's lockdown is the shock the map's clicks go to; its places are filled on the city map
    assert "active" in page.get_attribute("[data-card='0']", "class")
    assert attr(page, "#sc-map", "data-picked") == "310000,320500"  # 上海市 (its province's code), 苏州市
    page.wait_for_timeout(600)  # the map settles before the picture
    page.screenshot(path=str(SHOTS / "scenario-build.png"))
    click_place(page, CITY, api)
    page.wait_for_function(
        f"() => document.querySelector('#sc-map').dataset.picked === '310000,{CITY},320500'", timeout=10_000
    )
    chips = page.eval_on_selector_all("[data-card='0'] .sc-place", "els => els.map(e => e.dataset.place)")
    assert chips == ["上海市", "苏州市", CITY]
    assert "无锡市" in page.inner_text("[data-card='0'] .sc-places")

    # run: the request is held until the busy state has been seen, then let through
    held = []
    page.route("**/api/simulations", lambda route: held.append(route))
    page.click("#sc-run")
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page sent no POST /api/simulations"
    assert json.loads(held[0].request.post_data) == planned
    assert held[0].request.headers.get(CSRF_HEADER.lower()) == CSRF_VALUE
    assert page.is_visible("#sc-busy") and page.is_disabled("#sc-run")
    assert "正在模拟" in page.inner_text("#sc-busy")
    held[0].continue_()
    wait_result(page, 1)
    page.unroute("**/api/simulations")
    assert page.is_hidden("#sc-busy") and page.is_enabled("#sc-run")
    assert page.inner_text("#sc-error") == ""

    # the summary of the variant on show (the first) and of every variant in the table: the API's numbers
    summary = answer["summary"]
    first = summary[0]
    assert [v["variant"] for v in summary] == ["准时制", "预防性库存", "无互认池", "无替代"]
    assert attr(page, "#sc-summary", "data-variant") == first["variant"]
    kpi = {
        k: attr(page, f"#sc-kpis [data-k={k}]", "data-v")
        for k in ("loss", "direct", "peak", "recovery", "subs", "white")
    }
    assert float(kpi["loss"]) == pytest.approx(first["loss"], rel=1e-12)
    assert float(kpi["direct"]) == pytest.approx(first["direct"], rel=1e-12)
    assert float(kpi["peak"]) == pytest.approx(first["peak_loss_share"], rel=1e-12)
    assert kpi["recovery"] == ("" if first["recovery_steps"] is None else str(first["recovery_steps"]))
    assert int(kpi["subs"]) == first["substitutions"] and int(kpi["white"]) == first["whitelisted"]
    assert page.inner_text("#sc-kpis [data-k=loss] .v") == money(first["loss"])
    assert page.inner_text("#sc-kpis [data-k=peak] .v") == f"{first['peak_loss_share'] * 100:.1f}%"
    assert f"第{first['peak_step'] + 1}周" in page.inner_text("#sc-kpis [data-k=peak] .s")
    rows = page.eval_on_selector_all(
        "#sc-vtable tbody tr",
        """trs => trs.map(tr => [tr.dataset.variant, Object.fromEntries([...tr.querySelectorAll('[data-k]')]
            .map(e => [e.dataset.k, e.dataset.v]))])""",
    )
    assert [r[0] for r in rows] == [v["variant"] for v in summary]
    for (_, got), want in zip(rows, summary, strict=True):
        for k in ("loss", "loss_share", "direct", "indirect", "peak_loss_share", "substituted"):
            assert float(got[k]) == pytest.approx(want[k], rel=1e-12), k
        for k in ("peak_step", "substitutions", "whitelisted"):
            assert int(got[k]) == want[k], k
        assert got["recovery_steps"] == (
            "" if want["recovery_steps"] is None else str(want["recovery_steps"])
        )
    # just in case loses less than just in time under the same shocks (the comparison reads the right way)
    by = {v["variant"]: v for v in summary}
    assert by["预防性库存"]["loss"] < by["准时制"]["loss"]

    # the region's loss per week: the chart's direct and indirect shares are the API's series
    series = [s for s in answer["series"] if s["variant"] == first["variant"]]
    drawn = page.evaluate(
        """() => Object.fromEntries(window.__atlasCharts.scenarioRegion.getOption().series
            .filter(s => s.id === 'direct' || s.id === 'indirect').map(s => [s.id, s.data]))"""
    )
    assert drawn["direct"] == pytest.approx([100 * s["direct"] / s["baseline"] for s in series], abs=1e-4)
    assert drawn["indirect"] == pytest.approx([100 * s["indirect"] / s["baseline"] for s in series], abs=1e-4)
    lines = page.evaluate(
        """() => window.__atlasCharts.scenarioCompare.getOption().series.filter(s => s.id.startsWith('v'))
            .map(s => [s.name, s.data])"""
    )
    for name, data in lines:
        want = [100 * s["loss_share"] for s in answer["series"] if s["variant"] == name]
        assert data == pytest.approx(want, abs=1e-4)

    # the loss map opens at the peak; the week slider moves it; a county's loss is the API's for that week
    shown_week(page, first["variant"], first["peak_step"])
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "scenario-spread.png"))
    week = first["peak_step"] + 1
    set_week(page, week)
    shown_week(page, first["variant"], week)
    places = [p for p in answer["places"] if p["variant"] == first["variant"] and p["step"] == week]
    hardest = max(places, key=lambda p: p["loss"])
    listed = page.eval_on_selector_all(
        "#sc-top li", "els => els.map(e => [e.dataset.unit, +e.dataset.loss, +e.dataset.share])"
    )
    want_top = sorted((p for p in places if p["loss"] > 1e-9), key=lambda p: (-p["loss"], -p["loss_share"]))[
        :12
    ]
    assert [x[0] for x in listed] == [p["unit"] for p in want_top]
    assert [x[1] for x in listed] == pytest.approx([p["loss"] for p in want_top], rel=1e-12)
    page.click(f"#sc-top li[data-unit='{hardest['unit']}']")
    page.wait_for_selector(f"#sc-place[data-unit='{hardest['unit']}'][data-step='{week}']")
    assert float(attr(page, "#sc-place", "data-loss")) == pytest.approx(hardest["loss"], rel=1e-12)
    assert float(attr(page, "#sc-place", "data-direct")) == pytest.approx(hardest["direct"], rel=1e-12)
    assert page.inner_text("#sc-place .sc-place-loss") == money(hardest["loss"])
    # another week: the read-out follows the slider, and the map fills the county with that week's share
    later = week + 2
    set_week(page, later)
    page.wait_for_selector(f"#sc-place[data-unit='{hardest['unit']}'][data-step='{later}']")
    [row] = [
        p
        for p in answer["places"]
        if p["variant"] == first["variant"] and p["step"] == later and p["unit"] == hardest["unit"]
    ]
    assert float(attr(page, "#sc-place", "data-loss")) == pytest.approx(row["loss"], rel=1e-12)
    assert float(attr(page, "#sc-place", "data-share")) == pytest.approx(row["loss_share"], rel=1e-12)
    on_map = page.evaluate(
        f"""() => window.__atlasCharts.scenarioMap.getOption().series[0].data
            .find(d => d.name === '{hardest["unit"]}').value"""
    )
    assert on_map == pytest.approx(row["loss_share"], rel=1e-12)
    assert f"第{later + 1}周" in page.inner_text("#sc-week-label")
    # the county's own line beside the region's in the chart
    place_line = page.evaluate(
        "() => window.__atlasCharts.scenarioRegion.getOption().series.find(s => s.id === 'place').data"
    )
    mine = sorted(
        (p for p in answer["places"] if p["variant"] == first["variant"] and p["unit"] == hardest["unit"]),
        key=lambda p: p["step"],
    )
    assert place_line == pytest.approx([100 * p["loss_share"] for p in mine], abs=1e-9)

    # the substitutions and the white-list firms of the variant on show: the API's rows, in its order
    def firms_in(selector: str) -> list[str]:
        return page.eval_on_selector_all(
            f"{selector} tbody [data-firm]", "els => els.map(e => e.dataset.firm)"
        )

    subs = [s["customer"] for s in answer["substitutions"] if s["variant"] == first["variant"]]
    white = [w["firm"] for w in answer["whitelist"] if w["variant"] == first["variant"]]
    assert subs and white
    assert firms_in("#sc-subs") == subs
    assert firms_in("#sc-white") == white
    # another variant chosen in the table: the summary, the map and the tables follow
    second = summary[1]
    page.click(f"#sc-vtable a[data-variant='{second['variant']}']")
    page.wait_for_selector(f"#sc-summary[data-variant='{second['variant']}']")
    assert float(attr(page, "#sc-kpis [data-k=loss]", "data-v")) == pytest.approx(second["loss"], rel=1e-12)
    shown_week(page, second["variant"], later)
    assert firms_in("#sc-white") == [
        w["firm"] for w in answer["whitelist"] if w["variant"] == second["variant"]
    ]
    tall(page, "#sc-results", str(SHOTS / "scenario-results.png"))


@pytest.fixture()
def checked(browser, e2e_url: str):
    """A page as the conftest's `page`, whose console errors the test may account for: ``(page, errors)``; any
    error left at the end, or a request off the machine, fails the test."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    host = urlparse(e2e_url).netloc
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on(
        "request",
        lambda r: (
            foreign.append(r.url)
            if urlparse(r.url).scheme.startswith("http") and urlparse(r.url).netloc != host
            else None
        ),
    )
    pg.base_url = e2e_url
    yield pg, errors
    ctx.close()
    assert not foreign, f"requests left the machine: {foreign}"
    assert not errors, f"script errors: {errors}"


def test_a_wrong_field_comes_back_in_the_apis_words_on_the_shock_it_names(checked, api, example):
    page, errors = checked
    open_page(page)
    page.click("#sc-example")
    page.wait_for_selector("[data-card='1'] [data-f=dur]")
    page.fill("[data-card='1'] [data-f=dur]", "0")
    page.dispatch_event("[data-card='1'] [data-f=dur]", "change")
    wrong = copy.deepcopy(example)
    wrong["shocks"][1]["weeks"] = 0
    r = api.post("/api/simulations", json=wrong, headers={CSRF_HEADER: CSRF_VALUE})
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert message.startswith("shocks[1].weeks: expected a duration > 0")
    page.click("#sc-run")
    page.wait_for_function("() => document.querySelector('#page').dataset.error === '1'", timeout=60_000)
    assert page.inner_text("#sc-error") == message
    assert "bad" in page.get_attribute("[data-card='1']", "class")
    assert page.inner_text("[data-card='1'] .sc-card-err") == message
    assert "bad" not in page.get_attribute("[data-card='0']", "class")
    assert page.is_enabled("#sc-run") and page.is_hidden("#sc-busy")
    # the browser logs the refused request once; that one is expected
    refused = [e for e in errors if "status of 400" in e]
    assert len(refused) == 1
    errors.remove(refused[0])
    page.screenshot(path=str(SHOTS / "scenario-error.png"))


def emergency_rows(page) -> list:
    """Per province section: the province, its firms (credit code, score) and its segments, as shown."""
    return page.eval_on_selector_all(
        "#sc-em-body section[data-province]",
        """secs => secs.map(s => [s.dataset.province,
            [...s.querySelectorAll('.sc-em-firms tbody [data-firm]')].map(e => [e.dataset.firm, +e.dataset.score]),
            [...s.querySelectorAll('.sc-em-segs tbody [data-segment]')].map(e => e.dataset.segment)])""",
    )


def wait_em(page, shown: str, chain: str, province: str = "") -> None:
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('#sc-em-panel');
            return p.dataset.loading === '0' && p.dataset.shown === '{shown}' && p.dataset.chain === '{chain}'
              && p.dataset.province === '{province}'; }}""",
        timeout=120_000,
    )


def same_list(shown: list, ans: dict) -> None:
    """The sections shown are the answer's provinces in order, each with the answer's firms (and scores) and
    segments of that province, in the answer's order."""
    assert [s[0] for s in shown] == ans["provinces"]
    for province, firms, segs in shown:
        want = [f for f in ans["firms"] if f["province"] == province]
        assert [f[0] for f in firms] == [f["firm"] for f in want]
        assert [f[1] for f in firms] == pytest.approx([f["score"] for f in want], rel=1e-12)
        assert segs == [s["segment"] for s in ans["segments"] if s["province"] == province]


def test_the_emergency_list_and_the_risk_ranking_are_the_apis(page, api, tmp_path: Path):
    open_page(page)
    period = int(page.input_value("#sc-period"))
    page.select_option("#sc-em-chain", "ic")
    page.click("#sc-em-open")
    wait_em(page, "list", "ic")
    ans = api.get("/api/emergency-list", params={"chain": "ic", "period": period}).json()
    assert len(ans["provinces"]) >= 2 and ans["firms"]
    same_list(emergency_rows(page), ans)
    # one province: the API's answer for it
    page.select_option("#sc-em-prov", "320000")
    wait_em(page, "list", "ic", "320000")
    one = api.get(
        "/api/emergency-list", params={"chain": "ic", "province": "320000", "period": period}
    ).json()
    assert one["provinces"] == ["320000"]
    same_list(emergency_rows(page), one)
    tall(page, "#sc-em-panel", str(SHOTS / "scenario-emergency.png"))
    # the whole list as CSV for Excel: UTF-8 with a BOM, Chinese headers, one row per firm and segment
    with page.expect_download() as dl:
        page.click("#sc-em-csv")
    path = tmp_path / "list.csv"
    dl.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:6] == ["类型", "省份", "产业链", "环节", "信用代码", "企业名称"]
    assert len(table) - 1 == len(one["firms"]) + len(one["segments"])
    assert [r[4] for r in table[1:] if r[0] == "企业"] == [f["firm"] for f in one["firms"]]

    # the systemic-risk ranking of the chain
    page.click("#sc-risk-open")
    wait_em(page, "risk", "ic")
    risk = api.get("/api/risk", params={"chain": "ic", "top": 50, "period": period}).json()
    got = page.eval_on_selector_all("#sc-risk-firms tbody [data-firm]", "els => els.map(e => e.dataset.firm)")
    assert got == [f["firm"] for f in risk["firms"]] and got
    assert f"{risk['distribution']['count']:,} 家企业" in page.inner_text("#sc-em-body")
    tall(page, "#sc-em-panel", str(SHOTS / "scenario-risk.png"))

    # in English: the page's words change, what it shows stays (the ranking is drawn again)
    page.click("#lang-toggle")
    page.wait_for_selector(READY)
    wait_em(page, "risk", "ic")
    assert page.inner_text("#sc-build .sc-h") == "Scenario"
    assert page.inner_text("#sc-run") == "Run"
    assert page.inner_text("#sc-em-panel h2").startswith("Supply-chain emergency list")
    got = page.eval_on_selector_all("#sc-risk-firms tbody [data-firm]", "els => els.map(e => e.dataset.firm)")
    assert got == [f["firm"] for f in risk["firms"]]
    page.screenshot(path=str(SHOTS / "scenario-english.png"))


# ---------------------------------------------------------------------------------------------- scenario files
#: a scenario as a planner writes it in Notepad (saved as ANSI, i.e. GBK, with Windows line endings): Chinese names
#: and comments, and settings the form does not show (per-segment inventories) that must be kept as written
NOTEPAD = """# 苏州封控两周，同期杭州市电池环节减产三成；比较准时制与预防性库存
name: 苏州封控两周
description: 苏州市封控两周（白名单企业闭环生产），杭州市动力电池环节产能下降三成。
period: 2024
horizon: 10
step: week
shocks:
  - type: lockdown
    label: 苏州封控
    places: [苏州市]
    start: 1
    weeks: 2
    whitelist_share: 15
    whitelist_capacity: 70
  - type: capacity
    label: 杭州电池减产
    places: ["330100"]
    chain: nev
    segment: battery
    lost: 30
    start: 2
    weeks: 3
settings:
  inventory_days:
    default: 10
    segments:
      ic:fabrication: 25
  substitution: {enabled: true, capacity_share: 15, radius_km: 200, delay_days: 7}
  recovery: 1
compare:
  - name: 准时制
    settings: {inventory_days: 3}
  - name: 预防性库存
    settings: {inventory_days: 30}
"""


def notepad_file(folder: Path, name: str, text: str) -> Path:
    """``text`` as Windows Notepad saves it as ANSI on a Chinese system: GBK bytes, CRLF line endings."""
    path = folder / name
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    return path


def open_file(page, path: Path, n: int) -> None:
    """Choose ``path`` in the page's file input (as the file dialog does) and wait until it has been read."""
    page.set_input_files("#sc-file", str(path))
    page.wait_for_function(f"() => document.querySelector('#page').dataset.opened === '{n}'", timeout=30_000)


def run_and_capture(page, n: int) -> dict:
    """Click Run; the scenario the page POSTs (its JSON body), once the answer is drawn."""
    with page.expect_request(
        lambda r: r.url.endswith("/api/simulations") and r.method == "POST", timeout=30_000
    ) as req:
        page.click("#sc-run")
    wait_result(page, n)
    return json.loads(req.value.post_data)


def save(page, folder: Path) -> tuple[Path, bytes, dict]:
    """Click 保存情景: the file downloaded, its bytes and the scenario PyYAML reads from it."""
    with page.expect_download() as dl:
        page.click("#sc-save")
    path = folder / dl.value.suggested_filename
    dl.value.save_as(path)
    raw = path.read_bytes()
    return path, raw, yaml.safe_load(raw.decode("utf-8-sig"))


def builder(page) -> dict:
    """What the builder shows: name, horizon, each card's type and places, inventory, the variants."""
    return page.evaluate(
        """() => ({
          name: document.querySelector('#sc-name').value,
          horizon: document.querySelector('#sc-horizon').value,
          cards: [...document.querySelectorAll('[data-card]')].map(c => [c.dataset.type,
            [...c.querySelectorAll('.sc-place')].map(e => e.dataset.place)]),
          inventory: document.querySelector('[data-set=inv]').value,
          variants: [...document.querySelectorAll('#sc-vars [data-vrow]')].map(r =>
            [r.querySelector('[data-v=name]').value, r.querySelector('[data-v=inv]').value]),
        })"""
    )


def same_summary(page, answer: dict) -> None:
    """The variant table shows the answer's summary, variant by variant."""
    rows = page.eval_on_selector_all(
        "#sc-vtable tbody tr",
        """trs => trs.map(tr => [tr.dataset.variant, Object.fromEntries([...tr.querySelectorAll('[data-k]')]
            .map(e => [e.dataset.k, e.dataset.v]))])""",
    )
    assert [r[0] for r in rows] == [v["variant"] for v in answer["summary"]]
    for (_, got), want in zip(rows, answer["summary"], strict=True):
        for k in ("loss", "loss_share", "direct", "indirect", "peak_loss_share", "substituted"):
            assert float(got[k]) == pytest.approx(want[k], rel=1e-12), k
        for k in ("peak_step", "substitutions", "whitelisted"):
            assert int(got[k]) == want[k], k


def test_a_notepad_gbk_file_opens_into_the_builder_runs_as_the_api_and_saves_back(page, api, tmp_path: Path):
    path = notepad_file(tmp_path, "苏州封控.yaml", NOTEPAD)
    raw = path.read_bytes()
    assert b"\r\n" in raw and "苏州".encode("gbk") in raw  # really GBK with CRLF
    open_page(page)
    assert page.inner_text("#sc-open") == "打开情景文件…" and page.inner_text("#sc-save") == "保存情景"
    open_file(page, path, 1)
    # the builder holds the file's scenario: shocks, settings and variants, visible and editable
    assert page.inner_text("#sc-error") == "" and page.inner_text("#sc-file-error") == ""
    assert attr(page, "#sc-opened", "data-file") == "苏州封控.yaml"
    assert page.inner_text("#sc-opened") == "已打开情景文件 苏州封控.yaml：2 个冲击、2 个方案。"
    assert builder(page) == {
        "name": "苏州封控两周",
        "horizon": "10",
        "cards": [["lockdown", ["苏州市"]], ["capacity", ["330100"]]],
        "inventory": "10",
        "variants": [["准时制", "3"], ["预防性库存", "30"]],
    }
    assert page.input_value("[data-card='0'] [data-f=whitelist_share]") == "15"
    assert page.input_value("[data-card='0'] [data-f=dur]") == "2"
    assert page.input_value("[data-card='1'] [data-f=chain]") == "nev"
    assert page.input_value("[data-card='1'] [data-f=segment]") == "battery"
    assert page.input_value("[data-card='1'] [data-f=lost]") == "30"
    assert page.input_value("[data-set=radius]") == "200" and page.input_value("[data-set=share]") == "15"
    assert "25" in page.inner_text("#sc-build .sc-rows .hint")  # ic:fabrication's 25 days, kept as written
    # the lockdown's places are on the map, where further clicks go
    assert "active" in attr(page, "[data-card='0']", "class")
    assert attr(page, "#sc-map", "data-picked") == "320500"
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "scenario-opened.png"))
    tall(page, "#sc-build", str(SHOTS / "scenario-opened-builder.png"))

    # run: the page posts the file's scenario as it is, and shows what the API computes for it
    posted = run_and_capture(page, 1)
    assert posted == yaml.safe_load(NOTEPAD)
    answer = post(api, posted)
    assert [v["variant"] for v in answer["summary"]] == ["准时制", "预防性库存"]
    same_summary(page, answer)
    first = answer["summary"][0]
    assert float(attr(page, "#sc-kpis [data-k=loss]", "data-v")) == pytest.approx(first["loss"], rel=1e-12)
    assert page.inner_text("#sc-kpis [data-k=loss] .v") == money(first["loss"])
    assert page.query_selector("#sc-scope") is None  # the local mode reads the whole region: nothing to say

    # save: YAML for Notepad (UTF-8 with BOM, CRLF), which PyYAML and parse_scenario read as the same scenario
    saved_path, raw, saved = save(page, tmp_path)
    assert saved_path.name == "chainatlas-scenario-苏州封控两周.yaml"
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\n") == raw.count(b"\r\n") > 30
    text = raw.decode("utf-8-sig")
    assert text.startswith("# 情景文件（Chain Atlas 情景模拟页保存于 ") and "chainatlas simulate" in text
    assert "name: 苏州封控两周\r\n" in text and 'places: ["330100"]' in text  # a code stays text
    assert saved == posted
    assert parse_scenario(saved) == parse_scenario(posted)

    # edited on the page (a city clicked into the lockdown, longer inventories), saved, opened again
    page.click("#sc-mode [data-mode=pick]")
    page.wait_for_function("() => document.querySelector('#sc-map').dataset.mode === 'pick'")
    page.wait_for_timeout(300)
    click_place(page, CITY, api)
    page.wait_for_function(f"() => document.querySelector('#sc-map').dataset.picked === '{CITY},320500'")
    page.fill("[data-set=inv]", "20")
    page.dispatch_event("[data-set=inv]", "change")
    assert page.is_visible("#sc-stale")  # the results shown are of the scenario before
    edited = copy.deepcopy(posted)
    edited["shocks"][0]["places"].append(CITY)
    edited["settings"]["inventory_days"]["default"] = 20
    again = tmp_path / "again"
    again.mkdir()
    path2, _, saved2 = save(page, again)
    assert saved2 == edited
    assert parse_scenario(saved2) == parse_scenario(edited)
    assert parse_scenario(saved2).settings.inventory_days == 20.0
    page.click("#sc-blank")  # something else on the page, then the saved file opened
    assert builder(page)["cards"] == []
    open_file(page, path2, 2)
    assert builder(page) == {
        "name": "苏州封控两周",
        "horizon": "10",
        "cards": [["lockdown", ["苏州市", CITY]], ["capacity", ["330100"]]],
        "inventory": "20",
        "variants": [["准时制", "3"], ["预防性库存", "30"]],
    }
    reposted = run_and_capture(page, 2)
    assert reposted == edited
    same_summary(page, post(api, edited))
    assert page.is_hidden("#sc-stale")


def test_a_file_with_a_yaml_error_is_refused_in_the_apis_words_and_changes_nothing(checked, api, tmp_path):
    page, errors = checked
    text = NOTEPAD.replace("    start: 1\n", "    start: 1\n   weeks 2\n", 1)  # line 11: not a field
    path = notepad_file(tmp_path, "有误.yaml", text)
    r = api.post(
        "/api/simulations/parse",
        params={"filename": "有误.yaml"},
        content=path.read_bytes(),
        headers={CSRF_HEADER: CSRF_VALUE},
    )
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert message.startswith("有误.yaml: not valid YAML at line 12, column ")
    assert r.json()["error"]["details"][0]["line"] == 12
    open_page(page)
    page.click("#sc-example")
    page.wait_for_function("() => document.querySelector('#sc-name').value === '沪苏封控四周'")
    before = builder(page)
    open_file(page, path, 1)
    # said under the file's buttons, where the planner looks; the scenario on the page is the one before
    assert page.inner_text("#sc-file-error") == f"无法打开情景文件：{message}"
    assert page.inner_text("#sc-error") == ""
    assert builder(page) == before and page.query_selector("#sc-opened") is None
    assert page.is_enabled("#sc-open") and page.is_hidden("#sc-open-busy")
    refused = [e for e in errors if "status of 400" in e]
    assert len(refused) == 1
    errors.remove(refused[0])
    page.screenshot(path=str(SHOTS / "scenario-file-error.png"))


# ---------------------------------------------------------------------------------------------- a city's reader
@pytest.fixture(scope="module")
def suzhou(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """A server whose atlas has users: a planner of 苏州市 (320500) and a reader of the whole region."""
    db = tmp_path_factory.mktemp("scenario_scope") / "atlas.duckdb"
    shutil.copy(built_db, db)
    users = UserStore(config.side_file(db, "users"))
    keys = {
        "sz": users.add("sz-planner", "analyst", "320500", password="suzhou planner 1"),
        "region": users.add("region", "admin", "YRD"),
    }
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys


def as_reader(url: str, key: str, scenario: dict) -> dict:
    r = httpx.post(
        url + "/api/simulations",
        json=scenario,
        headers={"X-API-Key": key, CSRF_HEADER: CSRF_VALUE},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    return SimulationAnswer.model_validate(r.json()).model_dump()


def test_a_city_reader_sees_the_regions_aggregates_and_only_its_firms_and_is_told(browser, suzhou):
    url, keys = suzhou
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url + "/#/scenarios")
    page.locator("#sign-in").wait_for(timeout=30_000)
    page.fill("#sign-in input[name=username]", "sz-planner")
    page.fill("#sign-in input[name=password]", "suzhou planner 1")
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function("() => document.querySelector('#sc-name').value === '沪苏封控四周'")
    # before any run: the emergency list's panel says whose firms it lists
    assert attr(page, "#sc-em-scope", "data-jurisdiction") == "320500"
    assert "苏州市" in page.inner_text("#sc-em-scope") and "只列出辖区内的企业" in page.inner_text(
        "#sc-em-scope"
    )

    posted = run_and_capture(page, 1)
    sz, region = as_reader(url, keys["sz"], posted), as_reader(url, keys["region"], posted)
    assert sz["jurisdiction"] == "320500" and region["jurisdiction"] == "YRD"
    # the notice: the aggregates are the region's, the firm-level rows the city's
    note = page.inner_text("#sc-scope")
    assert attr(page, "#sc-scope", "data-jurisdiction") == "320500"
    assert (
        note.startswith("您的辖区：苏州市。")
        and "只列出辖区内的企业" in note
        and "按长三角全部企业计算" in note
    )
    # the aggregates shown are the region's: the same for the city's reader as for the region's
    assert sz["summary"] == region["summary"]
    same_summary(page, sz)
    first = sz["summary"][0]["variant"]
    series = [s for s in sz["series"] if s["variant"] == first]
    drawn = page.evaluate(
        """() => window.__atlasCharts.scenarioRegion.getOption().series.find(s => s.id === 'direct').data"""
    )
    assert drawn == pytest.approx([100 * s["direct"] / s["baseline"] for s in series], abs=1e-4)
    assert series == [s for s in region["series"] if s["variant"] == first]

    # the firm-level rows: the city's reader's answer, every firm in 苏州市, fewer than the region's
    def shown(selector: str) -> list[str]:
        return page.eval_on_selector_all(
            f"{selector} tbody [data-firm]", "els => els.map(e => e.dataset.firm)"
        )

    firms = [f for f in sz["firms"] if f["variant"] == first]
    white = [w for w in sz["whitelist"] if w["variant"] == first]
    subs = [s for s in sz["substitutions"] if s["variant"] == first]
    assert firms and white
    assert shown("#sc-firms") == [f["firm"] for f in firms]
    assert shown("#sc-white") == [w["firm"] for w in white]
    assert shown("#sc-subs") == [s["customer"] for s in subs]
    assert all(f["adcode"].startswith("3205") for f in firms + white)
    assert all(
        s["customer_place"].startswith("3205") and s["new_supplier_place"].startswith("3205") for s in subs
    )
    everyone = [f for f in region["firms"] if f["variant"] == first]
    assert any(not f["adcode"].startswith("3205") for f in everyone)
    loss = page.eval_on_selector_all(
        "#sc-firms tbody tr", "trs => trs.map(tr => tr.querySelectorAll('td')[3].textContent)"
    )
    assert loss == [f"{f['loss']:,.1f}" for f in firms]  # 万元, one decimal, as the table writes them
    # the map at the week on show: counties outside the city with few firms are withheld (no number), as answered
    week = int(attr(page, "#sc-map", "data-step"))
    held = {
        p["unit"] for p in sz["places"] if p["variant"] == first and p["step"] == week and p["suppressed"]
    }
    assert held and not any(u.startswith("3205") for u in held)
    values = page.evaluate(
        "() => Object.fromEntries(window.__atlasCharts.scenarioMap.getOption().series[0].data"
        ".map(d => [d.name, d.value]))"
    )
    assert all(values[u] is None for u in held if u in values)
    assert "已隐藏" in page.inner_text("#sc-legend")
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "scenario-jurisdiction.png"))
    tall(page, "#sc-results", str(SHOTS / "scenario-jurisdiction-results.png"))

    # the emergency list: the city's firms only, as the API answers that reader
    period = int(page.input_value("#sc-period"))
    page.select_option("#sc-em-chain", "ic")
    page.click("#sc-em-open")
    wait_em(page, "list", "ic")
    ans = httpx.get(
        url + "/api/emergency-list",
        params={"chain": "ic", "period": period},
        headers={"X-API-Key": keys["sz"]},
        timeout=120,
    ).json()
    assert ans["firms"] and all(f["adcode"].startswith("3205") for f in ans["firms"])
    same_list(emergency_rows(page), ans)
    tall(page, "#sc-em-panel", str(SHOTS / "scenario-jurisdiction-emergency.png"))
    ctx.close()
    assert not errors, f"script errors: {errors}"


#: text a scenario may hold that YAML would read as something else, or that needs escapes
AWKWARD = [
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "null",
    "~",
    "",
    " lead",
    "trail ",
    "1e5",
    "0101",
    "320500",
    "0x1F",
    ".inf",
    "2024-05-01",
    "a: b",
    "a #b",
    "#x",
    "- y",
    "[a]",
    "{a}",
    "x,y",
    "*a",
    "&a",
    "!tag",
    "%p",
    "@at",
    "`b`",
    "'q'",
    'quote"s',
    "back\\slash",
    "tab\tin",
    "line\nbreak",
    "cr\rlf",
    "\u2028sep",
    "\x85nel",
    "\x7fdel",
    "\ufeffbom",
    "ic:fabrication",
    "苏州市",
    "方案（一）",
    "准时制 just in time",
    "上海市，苏州市",
    "：全角",
]


def test_the_yaml_the_page_writes_reads_back_as_the_same_json(page):
    """pages/scenario.js `scenarioYaml` on awkward text, numbers and nesting, and on 400 random strings drawn
    (seed 14) from characters YAML gives a meaning to: PyYAML reads every one back as written."""
    import random

    rng = random.Random(14)
    pool = list("ab苏州 :#-,[]{}&*!|>'\"%@`?\\\t\n\r.0123456789") + ["\u2028", "\x85", "\x00", "，", "："]
    drawn = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    scenario = {
        "name": "沪苏封控 · 情景",
        "horizon": 26,
        "shocks": [{"type": "lockdown", "places": AWKWARD + drawn, "start": 0, "weeks": 2.5}],
        "settings": {
            "inventory_days": {
                "default": 0.1,
                "segments": {"ic:fabrication": 30, "320500": 1e21, "null": 3.5e-7},
            },
            "substitution": {"enabled": False, "radius_km": None},
        },
        "compare": [{"name": "yes", "settings": {}, "pool": True}, {"name": "[x]", "settings": {"top": 7}}],
        "nested": [[1, [2, "3"]], {"a": [{}, []]}],
    }
    open_page(page)
    text = page.evaluate(
        "async (s) => (await import('/static/js/pages/scenario.js')).scenarioYaml(s, new Date(2024, 0, 2, 3, 4))",
        scenario,
    )
    assert text.startswith("# 情景文件（Chain Atlas 情景模拟页保存于 2024-01-02 03:04）\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF throughout, no bare line break
    assert yaml.safe_load(text) == scenario
    assert "name: 沪苏封控 · 情景\r\n" in text and "horizon: 26\r\n" in text  # plain where YAML allows it
