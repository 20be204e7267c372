"""The 飞地 page (issue 15 item 6) in real headless Chromium, on a copy of the session's demo atlas.

What the parties of an enclave do on it, each checked against the API's own answer: the ledger of a year and its
arcs on the map (coloured by grade, as wide as the output) with the filters narrowing both; the breaches; an arc
clicked opens the enclave's profile (agreed against realised output and tax, the 亩均 indicators over the years, the
shareholders, its tax-sharing split); the tax-sharing ledger with its binding caps; the voucher flows and the
before/after of the planted recognition RC-2019-01 (the manifest's ``calibration.cooperation``). Then the reviews:
a reviewer of the host city approves the host side and sees it recorded; the origin city's analyst sees that
approval, has no button for the host side, approves the origin side, and the enclave — leader of its type — is
flagged for priority support; a refusal of the API (403) is told in its words; a viewer has no button at all; and a
one-city reader sees only the enclaves with a side in their city. Users sign in through the page's form; every
page is checked for script errors and for requests leaving the machine. Screenshots: /tmp/enclave_shots/.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.storage.users import UserStore

SHOTS = Path("/tmp/enclave_shots")
PASSWORD = "enclave page {}"
#: the page's grade colours (enclaves.js GRADE_COLORS)
GRADE_COLORS = {"A": "#1a9850", "B": "#7fae2e", "C": "#f08c00", "D": "#d7301f"}


def city(code: str) -> str:
    """The city a county code lies in (Shanghai's districts: the province-level city 310000)."""
    return "310000" if code.startswith("31") else code[:4] + "00"


@pytest.fixture(scope="module")
def manifest(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))["calibration"]["cooperation"]


@pytest.fixture(scope="module")
def served(
    built_db: Path, demo_dir: Path, manifest: dict, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """The atlas with three users: a region-wide viewer, and the analysts of the host's and of the origin's city of
    the enclave that leads the industrial type in the latest year (the generator plants such a leader)."""
    db = tmp_path_factory.mktemp("enclaves_page") / "atlas.duckdb"
    shutil.copy(built_db, db)
    years = sorted(manifest["mu"]["leaders"]["industrial"], key=int)
    leader = manifest["mu"]["leaders"]["industrial"][years[-1]]
    # the enclave's places, from the generator's own file (GB18030, Chinese headers)
    with (demo_dir / "enclaves.csv").open(encoding="gb18030", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["飞地编号"] == leader)
    origin, host = row["飞出地代码"], row["飞入地代码"]
    users = [
        ("region", "viewer", "YRD"),
        ("hostcity", "analyst", city(host)),
        ("origincity", "analyst", city(origin)),
    ]
    store = UserStore(config.side_file(db, "users"))
    keys = {n: store.add(n, role, jur, password=PASSWORD.format(n)) for n, role, jur in users}
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield {
            "url": url,
            "keys": keys,
            "enclave": leader,
            "year": int(years[-1]),
            "origin": origin,
            "host": host,
            "jur": {n: j for n, _, j in users},
        }


@pytest.fixture()
def session(watched, served):
    """``session(user, where)``: the user signed in on the 飞地 page (conftest's watched page)."""

    def make(user: str, where: str = "#/enclaves"):
        s = watched(served["url"])
        s.sign_in(where, user, PASSWORD.format(user))
        ready(s.page)
        return s

    return make


def api(served, user: str, path: str, **params) -> dict:
    r = httpx.get(
        served["url"] + path,
        params={k: v for k, v in params.items() if v is not None},
        headers={"X-API-Key": served["keys"][user]},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return r.json()


def ready(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('#page').dataset.state === 'ready'"
        " && document.querySelector('#page').dataset.vouchers !== undefined",
        timeout=60_000,
    )


def ids(rows: list[dict]) -> list[str]:
    return [r["enclave_id"] for r in rows]


def shown(page) -> list[str]:
    return page.eval_on_selector_all("#enc-ledger tbody tr", "trs => trs.map(tr => tr.dataset.enclave)")


def wait_rows(page, want: list[str]) -> None:
    """Wait until the ledger shows exactly these enclaves, in this order."""
    page.wait_for_function(
        "want => [...document.querySelectorAll('#enc-ledger tbody tr')].map(tr => tr.dataset.enclave).join(',')"
        " === want",
        arg=",".join(want),
        timeout=30_000,
    )


def cells(page, where: str, keys: list[str]) -> list[dict]:
    """The raw values (data-v) of the cells ``keys`` of each row of a table, as numbers or None."""
    got = page.eval_on_selector_all(
        f"{where} tbody tr",
        """(trs, keys) => trs.map(tr => Object.fromEntries(keys.map(k => {
              const c = tr.querySelector(`[data-k="${k}"]`);
              return [k, c ? c.dataset.v : null];
            })))""",
        keys,
    )
    return [{k: (None if v in (None, "") else float(v)) for k, v in r.items()} for r in got]


def num(v) -> float | None:
    return None if v is None else float(v)


def test_the_ledger_map_and_breaches_equal_the_api_and_the_filters_narrow_them(session, served):
    s = session("region")
    pg = s.page
    led = api(served, "region", "/api/enclaves")
    year, rows = led["period"], led["rows"]
    assert len(rows) > 10 and led["synthetic"] is True
    wait_rows(pg, ids(rows))
    # the synthetic label beside the title, besides the shell's banner
    assert pg.is_visible("#enc-synth") and "合成数据" in pg.inner_text("#enc-synth")
    assert pg.is_visible("#synthetic-banner")
    # every row's numbers as the API's: output, tax, the 亩均 indicators, score, rank, grade
    keys = ["area_mu", "output", "tax", "tax_per_mu", "va_per_mu", "score", "rank"]
    assert cells(pg, "#enc-ledger", keys) == [
        {k: pytest.approx(num(r[k])) if r[k] is not None else None for k in keys} for r in rows
    ]
    grades = pg.eval_on_selector_all("#enc-ledger tbody tr", "trs => trs.map(tr => tr.dataset.grade)")
    assert grades == [r["grade"] or "" for r in rows]
    assert {g for g in grades} >= {"A", "B", "C", "D"}
    # each row's breaches as the API lists them
    for r in rows:
        got = pg.eval_on_selector_all(
            f"#enc-ledger tr[data-enclave='{r['enclave_id']}'] [data-rule]",
            "els => els.map(e => e.dataset.rule)",
        )
        assert got == list(r["breaches"])

    # the map: one arc per enclave from its origin to its host, coloured by grade, wider for more output
    placed = [r for r in rows if None not in (r["origin_lon"], r["origin_lat"], r["host_lon"], r["host_lat"])]
    assert len(placed) == len(rows)
    assert pg.get_attribute("#enc-map", "data-arcs") == ",".join(
        sorted(f"{r['enclave_id']}:{r['grade'] or ''}" for r in placed)
    )
    arcs = pg.evaluate("window.__atlasCharts.enclaveMap.getOption().series[0].data")
    by = {r["enclave_id"]: r for r in rows}
    for a in arcs:
        r = by[a["enclave_id"]]
        assert a["coords"] == [
            pytest.approx([r["origin_lon"], r["origin_lat"]]),
            pytest.approx([r["host_lon"], r["host_lat"]]),
        ]
        assert a["lineStyle"]["color"] == GRADE_COLORS[r["grade"]]
    widths = sorted((by[a["enclave_id"]]["output"], a["lineStyle"]["width"]) for a in arcs)
    assert [w for _, w in widths] == sorted(w for _, w in widths) and widths[0][1] < widths[-1][1]

    # the breaches of the year: the API's, row for row
    br = api(served, "region", "/api/enclaves/breaches", period=year)["rows"]
    assert br and int(pg.get_attribute("#enc-breach-list", "data-n")) == len(br)
    listed = pg.eval_on_selector_all(
        "#enc-breach-list tbody tr [data-rule]", "els => els.map(e => e.dataset.rule)"
    )
    assert listed == [b["rule"] for b in br]
    assert {b["kind"] for b in br} >= {"equity", "land", "terms", "tax_sharing"}
    pg.click("#enc-kinds [data-kind=equity]")
    pg.wait_for_function(
        "n => document.querySelector('#enc-breach-list').dataset.n === String(n)",
        arg=sum(b["kind"] == "equity" for b in br),
    )
    pg.click("#enc-kinds [data-kind='']")
    pg.wait_for_timeout(600)  # the map settles before the picture
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "map-ledger.png"))

    # the ledger as CSV: UTF-8 with a BOM (Excel reads the Chinese), one line per enclave
    with pg.expect_download() as dl:
        pg.click("#enc-ledger-panel [data-csv]")
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][0] == "飞地" and len(table) == len(rows) + 1
    assert [t[0] for t in table[1:]] == [f"{r['enclave_name']} ({r['enclave_id']})" for r in rows]
    assert [float(t[4]) for t in table[1:]] == pytest.approx([r["output"] for r in rows])

    # the filters narrow the table (and the map) as the API's parameters do
    def narrowed(**params) -> list[str]:
        want = api(served, "region", "/api/enclaves", **params)["rows"]
        wait_rows(pg, ids(want))
        arcs = ",".join(sorted(f"{r['enclave_id']}:{r['grade'] or ''}" for r in want))
        assert pg.get_attribute("#enc-map", "data-arcs") == arcs
        return ids(want)

    pg.select_option("#enc-type", "innovation")
    got = narrowed(period=year, type="innovation")
    assert 0 < len(got) < len(rows) and all(by[i]["enclave_type"] == "innovation" for i in got)
    pg.select_option("#enc-type", "")
    pg.select_option("#enc-prov", "330000")
    got = narrowed(period=year, province="330000")
    assert 0 < len(got) < len(rows)
    assert all(by[i]["origin_adcode"].startswith("33") or by[i]["host_adcode"].startswith("33") for i in got)
    pg.select_option("#enc-grade", "A")
    got = narrowed(period=year, province="330000", grade="A")
    assert got and all(by[i]["grade"] == "A" for i in got)
    pg.select_option("#enc-prov", "")
    pg.select_option("#enc-grade", "")
    wait_rows(pg, ids(rows))
    pg.check("#enc-breach")
    bad = [r["enclave_id"] for r in rows if r["breaches"]]
    wait_rows(pg, bad)
    assert 0 < len(bad) < len(rows)
    # the breaches panel keeps the enclaves' own and the ones of no enclave (vouchers)
    n = int(pg.get_attribute("#enc-breach-list", "data-n"))
    assert n == sum(1 for b in br if b["enclave_id"] is None or b["enclave_id"] in set(bad))
    pg.uncheck("#enc-breach")
    first = led["periods"][0] if led["periods"][0] != year else led["periods"][1]
    pg.select_option("#enc-year", str(first))
    want = api(served, "region", "/api/enclaves", period=first)["rows"]
    wait_rows(pg, ids(want))
    assert cells(pg, "#enc-ledger", ["output"]) == [{"output": pytest.approx(r["output"])} for r in want]
    assert f"period={first}" in pg.url


def arc_midpoint(page, enclave: str) -> tuple[float, float]:
    """Where the arc of an enclave is drawn, in page pixels: the middle of ECharts' quadratic curve (its control
    point is the chord's middle moved across it by ``curveness`` × the chord)."""
    x, y = page.evaluate(
        """id => {
            const c = window.__atlasCharts.enclaveMap;
            const a = c.getOption().series[0].data.find(d => d.enclave_id === id);
            const p1 = c.convertToPixel({ geoIndex: 0 }, a.coords[0]);
            const p2 = c.convertToPixel({ geoIndex: 0 }, a.coords[1]);
            const k = a.lineStyle.curveness;
            const cp = [(p1[0] + p2[0]) / 2 - (p1[1] - p2[1]) * k, (p1[1] + p2[1]) / 2 - (p2[0] - p1[0]) * k];
            return [0.25 * p1[0] + 0.5 * cp[0] + 0.25 * p2[0], 0.25 * p1[1] + 0.5 * cp[1] + 0.25 * p2[1]];
        }""",
        enclave,
    )
    box = page.locator("#enc-map").bounding_box()
    return box["x"] + x, box["y"] + y


def test_an_arc_clicked_opens_the_profile_the_api_tells(session, served):
    s = session("region")
    pg = s.page
    eid = served["enclave"]
    pg.wait_for_timeout(800)  # the map's layout settles
    x, y = arc_midpoint(pg, eid)
    pg.mouse.click(x, y)
    pg.wait_for_function(
        "id => document.querySelector('#enc-profile')?.dataset.enclave === id"
        " && document.querySelector('#page').dataset.profile === id",
        arg=eid,
        timeout=30_000,
    )
    assert f"enclave={eid}" in pg.url
    p = api(served, "region", f"/api/enclaves/{eid}")
    assert p["identity"]["enclave_name"] in pg.inner_text("#enc-title")
    years = sorted(p["years"], key=lambda r: r["period"])
    start = p["terms"]["target_year"]
    # agreed vs realised output, then tax: the bars are the years' figures, the dashed line the agreement's
    # target from its target year on
    opt = pg.evaluate("window.__atlasCharts.enclaveAgreed.getOption()")
    assert opt["xAxis"][0]["data"] == [str(r["period"]) for r in years]
    assert opt["series"][0]["data"] == pytest.approx([r["output"] for r in years])
    agreed = [p["terms"]["target_output"] if r["period"] >= start else None for r in years]
    assert opt["series"][1]["data"] == agreed and any(v is None for v in agreed)
    pg.click("#enc-agreed-seg [data-c=tax]")
    pg.wait_for_function("() => document.querySelector('#enc-agreed').dataset.chart === 'tax'")
    opt = pg.evaluate("window.__atlasCharts.enclaveAgreed.getOption()")
    assert opt["series"][0]["data"] == pytest.approx([r["tax"] for r in years])
    assert opt["series"][1]["data"] == [
        p["terms"]["target_tax"] if r["period"] >= start else None for r in years
    ]
    # the 亩均 indicators, score, rank and grade over the years
    keys = [
        "tax_per_mu",
        "va_per_mu",
        "va_per_energy",
        "rd_intensity",
        "labour_productivity",
        "score",
        "rank",
    ]
    assert cells(pg, "#enc-mu-table", keys) == [
        {k: None if r[k] is None else pytest.approx(r[k]) for k in keys} for r in years
    ]
    assert pg.eval_on_selector_all(
        "#enc-mu-table tbody [data-grade]", "els => els.map(e => e.dataset.grade)"
    ) == [r["grade"] or "" for r in years]
    opt = pg.evaluate("window.__atlasCharts.enclaveMu.getOption()")
    assert [d["value"] for d in opt["series"][0]["data"]] == pytest.approx([r["score"] for r in years])
    pg.select_option("#enc-mu-ind", "tax_per_mu")
    pg.wait_for_function("() => document.querySelector('#enc-mu').dataset.indicator === 'tax_per_mu'")
    opt = pg.evaluate("window.__atlasCharts.enclaveMu.getOption()")
    assert [d["value"] for d in opt["series"][0]["data"]] == pytest.approx([r["tax_per_mu"] for r in years])
    # the shareholders of the year and their sides' sums
    year = served["year"]
    holders = [h for h in p["shareholders"] if int(h["period"]) == year]
    assert int(pg.get_attribute("#enc-holders", "data-n")) == len(holders) > 0
    for side in ("origin", "host"):
        got = float(pg.get_attribute(f"#enc-holders [data-side-sum={side}]", "data-v"))
        assert got == pytest.approx(sum(h["share_pct"] for h in holders if h["side"] == side))
    # its tax-sharing arrangements, year by year, and its breaches over the years
    split = [x for a in p["tax_sharing"] for x in a["split"]]
    assert int(pg.get_attribute("#enc-ptax", "data-n")) == len(split) > 0
    assert pg.eval_on_selector_all(
        "#enc-ptax tbody [data-status]", "els => els.map(e => e.dataset.status)"
    ) == [x["status"] for x in split]
    assert int(pg.get_attribute("#enc-pbreach", "data-n")) == len(p["breaches"])
    pg.wait_for_timeout(400)
    pg.screenshot(path=str(SHOTS / "profile.png"))
    pg.locator("#enc-reviews").scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "profile-reviews.png"))
    # a viewer reads the reviews without a button, and is told why
    assert pg.locator("#enc-reviews [data-review]").count() == 0
    assert "查看者" in pg.inner_text("#enc-rev-readonly")
    # in English
    pg.click("#lang-toggle")
    ready(pg)
    pg.wait_for_function("id => document.querySelector('#enc-profile')?.dataset.enclave === id", arg=eid)
    assert "Agreed and realised" in pg.inner_text("#enc-agreed-panel")
    pg.wait_for_timeout(600)
    pg.screenshot(path=str(SHOTS / "profile-en.png"))


def test_tax_sharing_and_voucher_flows_equal_the_api(session, served, manifest):
    s = session("region")
    pg = s.page
    year = served["year"]
    keys = ["capped", "realised", "gap", "tax"]

    def tax_rows() -> list[tuple]:
        return pg.eval_on_selector_all(
            "#enc-tax tbody tr",
            """trs => trs.map(tr => [tr.querySelector('[data-agreement]').dataset.agreement,
                tr.querySelector('[data-status]').dataset.status, !!tr.querySelector('[data-cap-binding]')])""",
        )

    want = api(served, "region", "/api/tax-sharing", period=year)["rows"]
    pg.wait_for_function(
        "y => document.querySelector('#enc-tax').dataset.period === String(y)", arg=year, timeout=30_000
    )
    assert [tuple(x) for x in tax_rows()] == [
        (r["agreement_id"], r["status"], bool(r["cap_binding"])) for r in want
    ]
    assert cells(pg, "#enc-tax", keys) == [
        {k: None if r[k] is None else pytest.approx(r[k]) for k in keys} for r in want
    ]
    # every year: the capped arrangement's cap binds in the years the generator planted it
    pg.select_option("#enc-tax-year", "")
    every = api(served, "region", "/api/tax-sharing")["rows"]
    pg.wait_for_function(
        "n => document.querySelector('#enc-tax').dataset.period === '' &&"
        " document.querySelector('#enc-tax').dataset.n === String(n)",
        arg=len(every),
    )
    got = [tuple(x) for x in tax_rows()]
    assert got == [(r["agreement_id"], r["status"], bool(r["cap_binding"])) for r in every]
    capped = manifest["tax_sharing"]["capped"]
    binding = [
        int(r["period"]) for r in every if r["agreement_id"] == capped["agreement"] and r["cap_binding"]
    ]
    assert binding == capped["binding_years"]
    shown_binding = pg.eval_on_selector_all(
        "#enc-tax tbody tr",
        """(trs, a) => trs.filter(tr => tr.querySelector('[data-agreement]').dataset.agreement === a
              && tr.querySelector('[data-cap-binding]')).map(tr => +tr.cells[3].textContent)""",
        capped["agreement"],
    )
    assert shown_binding == capped["binding_years"]
    assert {x[1] for x in got} >= {"ok", "under", "over", "outside_term"}
    # only the rows not as agreed
    pg.check("#enc-tax-bad")
    bad = [r for r in every if r["status"] in ("under", "over", "outside_term")]
    pg.wait_for_function("n => document.querySelector('#enc-tax').dataset.n === String(n)", arg=len(bad))
    assert [tuple(x) for x in tax_rows()] == [
        (r["agreement_id"], r["status"], bool(r["cap_binding"])) for r in bad
    ]
    pg.uncheck("#enc-tax-bad")

    # vouchers: the matrix adds the API's flows per issuer and provider province over every year
    v = api(served, "region", "/api/vouchers")

    def matrix(flows: list[dict]) -> str:
        sums: dict[str, int] = {}
        for f in flows:
            k = f"{f['issuer_province']}>{f['provider_province']}"
            sums[k] = sums.get(k, 0) + f["count"]
        return ",".join(sorted(f"{k}:{n}" for k, n in sums.items()))

    assert pg.get_attribute("#enc-v-matrix", "data-cells") == matrix(v["flows"])
    # the planted recognition RC-2019-01 (Shanghai ⇄ Jiangsu): the redemptions 12 months before and after
    [planted] = [e for e in manifest["vouchers"]["recognition_effect"] if e["agreement_id"] == "RC-2019-01"]
    [eff] = [e for e in v["effect"] if e["agreement_id"] == "RC-2019-01"]
    assert (eff["before_count"], eff["after_count"]) == (planted["before"], planted["after"])
    at = [e["agreement_id"] for e in v["effect"]].index("RC-2019-01")
    opt = pg.evaluate("window.__atlasCharts.voucherEffect.getOption()")
    assert (opt["series"][0]["data"][at], opt["series"][1]["data"][at]) == (
        planted["before"],
        planted["after"],
    )
    row = pg.locator("#enc-v-effect-table tr[data-agreement='RC-2019-01']")
    assert float(row.locator("[data-k=before_count]").get_attribute("data-v")) == planted["before"]
    assert float(row.locator("[data-k=after_count]").get_attribute("data-v")) == planted["after"]
    assert pg.get_attribute("#enc-v-effect", "data-effect").count("RC-") == len(v["effect"])
    # cross-border redemptions with no recognition, and one year's flows
    assert int(pg.get_attribute("#enc-v-unrec", "data-n")) == len(v["unrecognised"]) > 0
    pg.select_option("#enc-v-year", "2020")
    v20 = api(served, "region", "/api/vouchers", year=2020)
    pg.wait_for_function(
        "want => document.querySelector('#enc-v-matrix').dataset.cells === want", arg=matrix(v20["flows"])
    )
    assert int(pg.get_attribute("#enc-v-unrec", "data-n")) == len(v20["unrecognised"])
    pg.click("#enc-v-measure [data-m=value]")
    pg.wait_for_timeout(300)
    opt = pg.evaluate("window.__atlasCharts.voucherEffect.getOption()")
    assert opt["series"][1]["data"][at] == pytest.approx(eff["after_value"])
    pg.locator("#enc-tax-panel").scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "tax-sharing.png"))
    pg.locator("#enc-voucher-panel").scroll_into_view_if_needed()
    pg.wait_for_timeout(300)
    pg.locator("#enc-voucher-panel").screenshot(path=str(SHOTS / "vouchers.png"))


def test_the_host_reviewer_approves_and_the_origin_reader_has_no_host_button(session, served):
    eid, year = served["enclave"], served["year"]
    # the host city's analyst: the enclave's permalink opens its profile
    h = session("hostcity", f"#/enclaves?enclave={eid}")
    pg = h.page
    pg.wait_for_function("id => document.querySelector('#enc-profile')?.dataset.enclave === id", arg=eid)
    assert pg.locator("#enc-reviews [data-review][data-side=host]").count() == 2
    assert pg.locator("#enc-reviews [data-review][data-side=origin]").count() == 0
    pg.fill(".enc-ract[data-side=host] .enc-rnote", "飞入地同意：亩均税收同类第一")
    pg.click("#enc-reviews [data-review=approve][data-side=host]")
    pg.wait_for_function("() => document.querySelector('#enc-reviews').dataset.saved === 'host:approve'")
    p = api(served, "hostcity", f"/api/enclaves/{eid}")
    last = p["reviews"]["history"][-1]
    assert (last["side"], last["decision"], last["reviewer"], last["comment"], int(last["period"])) == (
        "host",
        "approve",
        "hostcity",
        "飞入地同意：亩均税收同类第一",
        year,
    )
    card = pg.locator("#enc-reviews .enc-rcard[data-side=host]")
    assert card.get_attribute("data-decision") == "approve" and "飞入地同意" in card.inner_text()
    assert card.locator("[data-reviewer]").get_attribute("data-reviewer") == "hostcity"
    pg.wait_for_function(
        "id => document.querySelector(`#enc-ledger tr[data-enclave='${id}'] .enc-rev[data-side=host]`)"
        "?.dataset.decision === 'approve'",
        arg=eid,
    )
    assert pg.locator(f"#enc-ledger tr[data-enclave='{eid}'] [data-priority]").count() == 0  # one side only
    pg.screenshot(path=str(SHOTS / "review-host.png"))

    # a refusal is told in the API's words: the host's reviewer sends a review of the origin side (as a stale page
    # would, its buttons drawn before the enclave's places changed); nothing is recorded
    def as_origin(route):
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "side": "origin"}))

    pg.route(f"**/api/enclaves/{eid}/reviews", as_origin)
    pg.click("#enc-reviews [data-review=reject][data-side=host]")
    pg.wait_for_function("() => document.querySelector('#enc-rev-error').dataset.status === '403'")
    assert "不能评审" in pg.inner_text("#enc-rev-error") or "cannot" in pg.inner_text("#enc-rev-error")
    assert api(served, "hostcity", f"/api/enclaves/{eid}")["reviews"]["history"] == p["reviews"]["history"]
    refused = [e for e in h.errors if "status of 403" in e]
    assert len(refused) == 1
    h.errors.remove(refused[0])
    pg.unroute(f"**/api/enclaves/{eid}/reviews")
    assert pg.is_enabled("#enc-reviews [data-review=approve][data-side=host]")  # the buttons are back

    # the origin city's analyst sees the host's approval, has no button for the host side, approves the origin's
    o = session("origincity")
    og = o.page
    og.click(f"#enc-ledger a.enc-open[data-enclave='{eid}']")
    og.wait_for_function("id => document.querySelector('#enc-profile')?.dataset.enclave === id", arg=eid)
    assert og.locator("#enc-reviews .enc-rcard[data-side=host]").get_attribute("data-decision") == "approve"
    assert og.locator("#enc-reviews [data-review][data-side=host]").count() == 0
    assert og.locator("#enc-reviews [data-review][data-side=origin]").count() == 2
    og.click("#enc-reviews [data-review=approve][data-side=origin]")
    og.wait_for_function("() => document.querySelector('#enc-reviews').dataset.saved === 'origin:approve'")
    # approved by both and first of its type in the year: priority support, in the API and on the page
    [row] = [
        r for r in api(served, "origincity", "/api/enclaves", period=year)["rows"] if r["enclave_id"] == eid
    ]
    assert (row["review_origin"], row["review_host"], row["leader"], row["priority"]) == (
        "approve",
        "approve",
        True,
        True,
    )
    og.wait_for_selector(f"#enc-ledger tr[data-enclave='{eid}'] [data-priority]")
    assert og.locator("#enc-profile .enc-now [data-priority]").count() == 1
    og.locator("#enc-reviews").scroll_into_view_if_needed()
    og.screenshot(path=str(SHOTS / "review-both.png"))


def test_a_one_city_reader_sees_only_the_enclaves_touching_their_city(session, served):
    jur = served["jur"]["origincity"]
    prefix = jur[:2] if jur.endswith("0000") else jur[:4]
    everything = api(served, "region", "/api/enclaves")["rows"]
    rows = api(served, "origincity", "/api/enclaves")["rows"]
    touching = [
        r["enclave_id"]
        for r in everything
        if r["origin_adcode"].startswith(prefix) or r["host_adcode"].startswith(prefix)
    ]
    assert ids(rows) == touching and 1 < len(touching) < len(everything)
    # one of them is the city's only as a host (the other side built it)
    assert any(r["host_adcode"].startswith(prefix) for r in rows)
    o = session("origincity")
    pg = o.page
    wait_rows(pg, touching)
    arcs = pg.get_attribute("#enc-map", "data-arcs").split(",")
    assert sorted(a.split(":")[0] for a in arcs) == sorted(touching)
    assert "杭州市" in pg.inner_text("#enc-who") or jur != "330100"
    # its breaches are those of its enclaves (and of vouchers it issued or served)
    br = api(served, "origincity", "/api/enclaves/breaches")["rows"]
    assert int(pg.get_attribute("#enc-breach-list", "data-n")) == len(br)
    assert all(b["enclave_id"] in touching for b in br if b["enclave_id"])
    pg.wait_for_timeout(600)
    pg.screenshot(path=str(SHOTS / "one-city.png"))
    # an enclave of another city is not there: its permalink says so in the API's words, with no button
    other = next(r["enclave_id"] for r in everything if r["enclave_id"] not in touching)
    pg.goto(served["url"] + f"/#/enclaves?enclave={other}")
    ready(pg)
    pg.wait_for_selector("#enc-profile .error-text")
    assert other in pg.inner_text("#enc-profile .error-text")
    assert pg.locator("#enc-profile [data-review]").count() == 0
    refused = [e for e in o.errors if "status of 404" in e or "status of 403" in e]
    assert len(refused) == 1
    o.errors.remove(refused[0])
