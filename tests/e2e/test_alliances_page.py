"""The 联盟与揭榜 page (issue 16 item 5) in real headless Chromium, on a copy of the session's demo atlas (seed 7).

Tab 联盟: a chain's alliances by level as bars of their members (the shared ones marked) and a table, the
fragmentation index per chain with its three parts, the alliance clusters as a graph, the members on the map — each
checked against the API's own answer, and the level filter narrowing them. Tab 揭榜挂帅: the winning teams' cities as
arcs to the posting places, the calls with their progress bars and statuses, one call opened with its bids, tasks
(the planted late task shown late) and outcomes, and the success rates by segment and place. Then the page in
English. Every page is checked for script errors and for requests leaving the machine (conftest's ``watched``).
Screenshots: artifacts/e2e/alliances-*.png.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest


@pytest.fixture(scope="module")
def planted(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))["calibration"]


def ready(page) -> None:
    page.wait_for_function("() => document.querySelector('#page').dataset.state === 'ready'", timeout=60_000)


def data(page, selector: str, key: str) -> str:
    return page.eval_on_selector(selector, f"el => el.dataset.{key} || ''")


def api(e2e_url: str, path: str, **params) -> dict:
    r = httpx.get(e2e_url + path, params={k: v for k, v in params.items() if v is not None}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_alliances_tab(page, e2e_url, planted, shots):
    page.goto(e2e_url + "/#/alliances")
    ready(page)
    assert page.inner_text("#al-tabs button.on") == "联盟"
    page.select_option("#al-chain", "ic")
    page.wait_for_function("() => document.querySelector('#al-bars').dataset.alliances.includes('A0')")
    ready(page)
    body = api(e2e_url, "/api/alliances", chain="ic", method="communities")
    want = ",".join(
        f"{r['alliance_id']}:{r['level']}:{r['members']}:{r['shared_members']}" for r in body["rows"]
    )
    assert data(page, "#al-bars", "alliances") == want
    rows = page.eval_on_selector_all("#al-table tbody tr", "trs => trs.map(tr => tr.dataset.level)")
    assert rows == [r["level"] for r in body["rows"]] and len(rows) == planted["alliances"]["ic"]["alliances"]
    assert page.locator("#al-table .al-level").first.inner_text() == "区域"
    # the fragmentation index of every chain, as the API computes it
    frag = api(e2e_url, "/api/alliances/fragmentation")["rows"]
    assert data(page, "#al-frag", "index") == ",".join(f"{r['chain']}:{r['index']:.4f}" for r in frag)
    ic = page.locator("#al-frag-table [data-k=index][data-chain=ic]")
    assert float(ic.get_attribute("data-v")) == pytest.approx(
        next(r["index"] for r in frag if r["chain"] == "ic")
    )
    # the cluster graph: every alliance a node, every pair sharing members a link
    cl = api(e2e_url, "/api/alliances/clusters", chain="ic", method="communities")
    assert data(page, "#al-graph", "nodes") == str(len(cl["nodes"]))
    assert data(page, "#al-graph", "links") == ",".join(
        f"{x['alliance_a']}-{x['alliance_b']}:{x['shared']}" for x in cl["links"]
    )
    assert data(page, "#al-map", "places") == ",".join(
        f"{p['adcode']}:{p['members']}" for p in body["places"] if p["lon"] is not None
    )
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / "alliances-tab.png"))
    for panel in ("al-frag-panel", "al-graph-panel", "al-map-panel"):
        page.locator(f"#{panel}").screenshot(path=str(shots / f"alliances-{panel}.png"))
    # one level only
    page.select_option("#al-level", "city")
    page.wait_for_function(
        "() => (document.querySelector('#al-bars').dataset.alliances || '').split(',').every(x => x.includes(':city:'))"
    )
    ready(page)
    assert page.locator("#al-table tbody tr").count() == 2


def test_the_open_calls_tab(page, e2e_url, planted, shots):
    p = planted["open_calls"]
    page.goto(e2e_url + "/#/alliances")
    ready(page)
    page.click("#al-tabs [data-tab=calls]")
    page.wait_for_function("() => document.querySelector('#oc-calls').dataset.n !== undefined")
    ready(page)
    chain = page.eval_on_selector("#al-chain", "el => el.value")
    body = api(e2e_url, "/api/opencalls", chain=chain)
    assert chain == "*" and page.locator("#oc-calls tbody tr").count() == len(body["rows"]) == p["calls"]
    assert page.inner_text("#oc-asof") == "截至 2024-12-31"
    legend = {
        el.get_attribute("data-status"): el.inner_text()
        for el in page.locator("#oc-legend [data-status]").element_handles()
    }
    assert all(legend[s].endswith(str(n)) for s, n in p["statuses"].items())
    arcs = [
        a for a in body["arcs"] if not a["local"] and a["src_lon"] is not None and a["dst_lon"] is not None
    ]
    assert data(page, "#oc-map", "arcs") == ",".join(f"{a['call_id']}:{a['src']}>{a['dst']}" for a in arcs)
    # the progress bar of the call with the planted late task has a late part
    late = p["cases"]["late"]
    row = page.locator(f"#oc-calls tr[data-call='{late}']")
    assert row.locator("[data-part=late]").count() == 1 and row.get_attribute("data-status") == "failed"
    page.wait_for_timeout(400)
    page.screenshot(path=str(shots / "alliances-calls.png"))
    page.locator("#oc-calls-panel").screenshot(path=str(shots / "alliances-oc-calls-panel.png"))
    page.locator("#oc-rates-panel").screenshot(path=str(shots / "alliances-oc-rates-panel.png"))
    row.click()
    page.wait_for_function(f"() => document.querySelector('#oc-detail').dataset.call === '{late}'")
    states = page.eval_on_selector_all("#oc-tasks [data-state]", "els => els.map(e => e.dataset.state)")
    one = api(e2e_url, f"/api/opencalls/{late}")
    assert states == [t["state"] for t in one["tasks"]] and "late" in states
    assert page.locator("#oc-bids [data-winner='1']").count() >= 1
    page.locator("#oc-detail").screenshot(path=str(shots / "alliances-call.png"))
    # success rates by segment and by place
    rates = api(e2e_url, "/api/opencalls/rates", chain="*", level="city")
    seg = [r for r in rates["by_segment"] if r["calls"] > 0]
    assert data(page, "#oc-rate-seg", "rates") == ",".join(
        f"{r['chain']}:{r['segment']}:{r['succeeded']}/{r['decided']}" for r in seg
    )
    assert data(page, "#oc-rate-place", "rates") == ",".join(
        f"{r['place']}:{r['succeeded']}/{r['decided']}" for r in rates["by_place"]
    )
    # only the failed ones
    page.select_option("#oc-status", "failed")
    page.wait_for_function(
        f"() => document.querySelector('#oc-calls').dataset.n === '{p['statuses']['failed']}'"
    )
    statuses = page.eval_on_selector_all("#oc-calls tbody tr", "trs => trs.map(tr => tr.dataset.status)")
    assert set(statuses) == {"failed"}


def test_the_page_in_english(page, e2e_url, shots):
    page.goto(e2e_url + "/#/alliances?tab=calls")
    ready(page)
    page.click("#lang-toggle")
    ready(page)
    page.wait_for_selector("#al-tabs button.on")
    assert [b.inner_text() for b in page.locator("#al-tabs button").all()] == ["Alliances", "Open calls"]
    assert page.inner_text("#al-tabs button.on") == "Open calls"
    assert page.inner_text("#oc-asof") == "as of 2024-12-31"
    page.screenshot(path=str(shots / "alliances-calls-en.png"))
