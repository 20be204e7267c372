"""The 情景模拟 page (issue 14 item 6) in real headless Chromium, on the session's demo atlas: a planner loads the
example scenario, locks a city down by clicking it on the map, runs it, and reads what the API computes for the
same scenario — the summary of every policy variant, the region's loss week by week (direct and indirect), a
county's loss in the week on the slider, the substitutions and the white-list firms —; a wrong field comes back in
the API's words on the shock it names; the supply-chain emergency list (per province) and the systemic-risk
ranking are the API's, the list downloads as CSV for Excel; the page works in English too.

Each page is checked for script errors and for requests leaving the machine (tests/e2e/conftest.py).
Screenshots: /tmp/scenario-*.png.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from chainatlas.api.routers.simulate import ExampleScenario, SimulationAnswer
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE

READY = "#page[data-state='ready']"
#: the city the planner adds to the example's lockdown of 上海市 and 苏州市: 无锡市
CITY = "320200"


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
    page.screenshot(path="/tmp/scenario-build.png")
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
    page.screenshot(path="/tmp/scenario-spread.png")
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
    tall(page, "#sc-results", "/tmp/scenario-results.png")


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
    page.screenshot(path="/tmp/scenario-error.png")


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
    tall(page, "#sc-em-panel", "/tmp/scenario-emergency.png")
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
    tall(page, "#sc-em-panel", "/tmp/scenario-risk.png")

    # in English: the page's words change, what it shows stays (the ranking is drawn again)
    page.click("#lang-toggle")
    page.wait_for_selector(READY)
    wait_em(page, "risk", "ic")
    assert page.inner_text("#sc-build .sc-h") == "Scenario"
    assert page.inner_text("#sc-run") == "Run"
    assert page.inner_text("#sc-em-panel h2").startswith("Supply-chain emergency list")
    got = page.eval_on_selector_all("#sc-risk-firms tbody [data-firm]", "els => els.map(e => e.dataset.firm)")
    assert got == [f["firm"] for f in risk["firms"]]
    page.screenshot(path="/tmp/scenario-english.png")
