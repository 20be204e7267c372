"""Months and quarters on the map (issue 13 item 1) in real headless Chromium: the 年 / 季 / 月 switch beside the
time slider, periods in the URL, the indicator menu limited to what months and quarters hold, values that match
the API, readable ticks for 120 months, exports named by the period, and other pages taking the period's year.

The synthetic generator reports trade per month, so the demo atlas has the 120 months and 40 quarters of
2015-2024, holding exports and imports only."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pandas as pd
import pytest

READY = "body[data-map-ready='1']"
SHOT = "/tmp/periods.png"


def goto(page, hash_: str) -> None:
    page.goto(page.base_url + "/#/" + hash_)
    page.wait_for_selector(READY, timeout=30_000)


def wait_attr(page, name: str, value: str) -> None:
    page.wait_for_function(
        f"() => document.querySelector('#page').dataset.{name} === {value!r}", timeout=20_000
    )


def drawn(page) -> dict:
    """The choropleth's values as drawn: unit → value."""
    data = page.evaluate("window.__atlasCharts.map.getOption().series[0].data")
    return {d["name"]: d["value"] for d in data}


def nodes(api, period, attr: str) -> dict:
    rows = api.get("/api/nodes", params={"scale": "city", "period": period}).json()["data"]
    return {r["unit"]: r[attr] for r in rows}


def indicator_menu(page) -> list[str]:
    return page.eval_on_selector_all("#indicator option", "els => els.map(e => e.value)")


def grain(page, label: str, want: str) -> None:
    page.click(f"#grain-seg button:text-is('{label}')")
    wait_attr(page, "grain", want)


def period_in_url(page) -> str:
    return re.search(r"[?&]period=([^&]+)", page.url).group(1)


@pytest.fixture(scope="module")
def meta(api) -> dict:
    m = api.get("/api/meta").json()
    # what the generator makes: 2015-2024 by month and quarter, trade only
    assert len(m["sub_periods"]["month"]) == 120 and m["sub_periods"]["month"][0] == "2015-01"
    assert len(m["sub_periods"]["quarter"]) == 40 and m["sub_periods"]["quarter"][-1] == "2024Q4"
    assert m["sub_attrs"] == ["exports", "imports"]
    return m


def test_month_grain_moves_the_slider_the_url_and_the_values(page, api, meta):
    goto(page, "map?scale=city&place=310100")
    page.wait_for_selector("#profile-name")
    assert page.eval_on_selector_all("#grain-seg button", "bs => bs.map(b => b.textContent)") == [
        "年",
        "季",
        "月",
    ]
    grain(page, "月", "month")
    # 2024 → its last month; firms are not reported per month, so the map shows exports and says why
    wait_attr(page, "period", "2024-12")
    assert period_in_url(page) == "2024-12"
    assert page.get_attribute("#ind-note", "data-switched") == "firms>exports"
    note = page.inner_text("#ind-note")
    assert "企业数" in note and "出口额" in note and "月度" in note
    # the menu offers what months hold: the indicators whose inputs are all in sub_attrs
    assert indicator_menu(page) == ["exports", "imports"]
    assert page.is_disabled("#fixed")  # no common colour scale across months

    # the slider steps through the 120 months: set it to June 2023, then one key press back to May
    page.evaluate("""() => { const s = document.querySelector('#period'); s.value = '101';
                            s.dispatchEvent(new Event('input', {bubbles: true})); }""")
    assert page.get_attribute("#period", "max") == "119"
    wait_attr(page, "period", "2023-06")  # index 101 = 8 years × 12 + 5
    page.focus("#period")
    page.keyboard.press("ArrowLeft")
    wait_attr(page, "period", "2023-05")
    page.wait_for_function("() => location.hash.includes('period=2023-05')")
    assert period_in_url(page) == "2023-05"
    assert page.inner_text("#period-v") == "2023年5月"
    assert "2023年5月" in page.inner_text("#map-note")

    # what is drawn is /api/nodes of that month; Shanghai's value in its profile too
    want = nodes(api, "2023-05", "exports")
    assert drawn(page) == pytest.approx(want)
    assert want["310100"] == pytest.approx(616563.92)  # the generator's May 2023 exports of Shanghai
    page.wait_for_function("() => document.querySelector('#profile .sub')?.textContent.includes('2023年5月')")
    shown = page.eval_on_selector_all(
        "#profile [data-attr]", "els => els.map(e => [e.dataset.attr, +e.dataset.value])"
    )
    assert [a for a, _ in shown] == ["exports", "imports"]  # firms etc. are unknown in a month, not 0
    assert dict(shown)["exports"] == pytest.approx(want["310100"])
    assert page.locator("#profile [data-year-only]").count() == 1

    # another indicator of the month
    page.select_option("#indicator", "imports")
    wait_attr(page, "indicator", "imports")
    assert drawn(page) == pytest.approx(nodes(api, "2023-05", "imports"))
    assert page.get_attribute("#ind-note", "data-switched") is None

    # ticks stay readable: a year label at each January, none overlapping
    ticks = page.eval_on_selector_all(
        "#ticks span",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.textContent, e.dataset.tick, r.left, r.right]; })",
    )
    assert [t[0] for t in ticks] == [str(y) for y in range(2015, 2025)]
    assert all(t[1].endswith("-01") for t in ticks)
    assert all(a[3] + 4 < b[2] for a, b in itertools.pairwise(ticks))
    assert page.locator("#ticks i").count() == 120
    page.wait_for_timeout(700)  # the map settles before the picture
    page.screenshot(path=SHOT)

    # playback steps by month
    page.click("#play")
    wait_attr(page, "period", "2023-06")
    page.click("#play")  # pause

    # back to years: the year of the month, a number in the URL as before
    grain(page, "年", "year")
    page.wait_for_function("() => /[?&]period=2023(&|$)/.test(location.hash)")
    wait_attr(page, "period", "2023")  # the year's values drawn, not only the URL changed
    assert page.inner_text("#period-v") == "2023"
    assert "firms" in indicator_menu(page) and len(indicator_menu(page)) == len(meta["indicators"])
    assert page.evaluate("document.querySelector('#page').dataset.indicator") == "imports"  # chosen, kept
    assert drawn(page) == pytest.approx(nodes(api, 2023, "imports"))
    assert page.locator("#ticks span").count() == len(meta["periods"])
    assert not page.is_disabled("#fixed")


def test_switching_grain_keeps_the_nearest_period_and_gives_the_indicator_back(page, api, meta):
    goto(page, "map?scale=city")
    grain(page, "季", "quarter")
    wait_attr(page, "period", "2024Q4")
    assert page.get_attribute("#ind-note", "data-switched") == "firms>exports"
    assert "季度" in page.inner_text("#ind-note")
    assert drawn(page) == pytest.approx(nodes(api, "2024Q4", "exports"))
    assert page.locator("#ticks span").count() == 10 and page.locator("#ticks i").count() == 40
    page.evaluate("""() => { const s = document.querySelector('#period'); s.value = '21';
                            s.dispatchEvent(new Event('input', {bubbles: true})); }""")
    wait_attr(page, "period", "2020Q2")  # 5 years × 4 + 1
    grain(page, "月", "month")
    wait_attr(page, "period", "2020-06")  # the last month of the quarter
    grain(page, "季", "quarter")
    wait_attr(page, "period", "2020Q2")  # the quarter that holds it
    grain(page, "年", "year")
    wait_attr(page, "period", "2020")
    # the indicator swapped for months comes back with the years, and the note says so
    wait_attr(page, "indicator", "firms")
    assert page.get_attribute("#ind-note", "data-switched") == "exports>firms"
    assert "企业数" in page.inner_text("#ind-note")
    assert drawn(page) == pytest.approx(nodes(api, 2020, "firms"))


def test_a_quarter_permalink_in_english_and_other_pages_take_its_year(page, api, meta, shots):
    goto(page, "map?scale=city&period=2024Q2&indicator=firms")
    wait_attr(page, "grain", "quarter")
    assert page.get_attribute("#grain-seg button.on", "data-value") == "quarter"
    assert page.inner_text("#period-v") == "2024年第2季度"
    wait_attr(page, "indicator", "exports")
    assert drawn(page) == pytest.approx(nodes(api, "2024Q2", "exports"))
    page.click("#lang-toggle")
    page.wait_for_function("() => document.querySelector('#grain-seg button')?.textContent === 'Year'")
    assert page.eval_on_selector_all("#grain-seg button", "bs => bs.map(b => b.textContent)") == [
        "Year",
        "Quarter",
        "Month",
    ]
    assert page.inner_text("#period-v") == "2024 Q2"
    assert "quarterly" in page.inner_text("#ind-note")
    page.wait_for_function("() => document.querySelector('#map-note').textContent.includes('2024 Q2')")
    assert "quarterly view, lines hold only" in page.inner_text("#map-note")
    page.wait_for_timeout(700)
    page.screenshot(path=shots / "periods-quarter-en.png")
    page.click("#lang-toggle")
    page.wait_for_function("() => document.querySelector('#period-v')?.textContent === '2024年第2季度'")
    # the network page knows years only: it takes the quarter's year
    page.click("#nav a[data-page=network]")
    page.wait_for_function(
        "() => location.hash.startsWith('#/network') && /[?&]period=2024(&|$)/.test(location.hash)"
    )


def test_exports_carry_the_month(page, api, meta):
    goto(page, "map?scale=city&period=2019-03&indicator=imports")
    wait_attr(page, "period", "2019-03")
    with page.expect_download() as dl:
        page.click(".chart .chart-tools [data-x=csv]")
    assert dl.value.suggested_filename == "chainatlas-map-city-imports-2019-03.csv"
    df = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()), dtype={"unit": str, "period": str})
    assert set(df["period"]) == {"2019-03"}
    assert dict(zip(df["unit"], df["imports"], strict=True)) == pytest.approx(
        nodes(api, "2019-03", "imports")
    )
    with page.expect_download() as dl:
        page.click(".chart .chart-tools [data-x=png]")
    assert dl.value.suggested_filename == "chainatlas-map-city-imports-2019-03.png"


def test_period_helpers(page):
    goto(page, "map")
    got = page.evaluate("""async () => {
        const w = await import('/static/js/widgets.js');
        const months = ['2023-11', '2023-12', '2024-01', '2024-02'];
        const quarters = ['2023Q3', '2023Q4', '2024Q1'];
        return {
            parse: ['2024', '2024-05', '2024Q2', '2024-13', 'x', '20245'].map(w.parsePeriod).map(String),
            grain: [2024, '2024-05', '2024Q2'].map(w.periodGrain),
            year: [2024, '2024-05', '2024Q2'].map(w.periodYear),
            toMonth: [2023, '2023Q4', '2024Q1', 2025, 2010].map((p) => w.nearestPeriod(p, months)),
            toQuarter: ['2024-02', '2023-08', 2023, '2024-06'].map((p) => w.nearestPeriod(p, quarters)),
            toYear: ['2023-11', '2024Q1', '2031-01'].map((p) => w.nearestPeriod(p, [2022, 2023, 2024])),
        };
    }""")
    assert got == {
        "parse": ["2024", "2024-05", "2024Q2", "NaN", "NaN", "NaN"],
        "grain": ["year", "month", "quarter"],
        "year": [2024, 2024, 2024],
        # a year → its last month; a quarter → its last month; no overlap → the closest in time
        "toMonth": ["2023-12", "2023-12", "2024-02", "2024-02", "2023-11"],
        "toQuarter": ["2024Q1", "2023Q3", "2023Q4", "2024Q1"],
        "toYear": [2023, 2024, 2024],
    }
