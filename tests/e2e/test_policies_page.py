"""The 政策 page (issue 16 item 5) in real headless Chromium, on a copy of the session's demo atlas.

What a reader does on it, each checked against the API's own answer: the coverage matrix of a chain (segments ×
cities, every cell a count of policies) and the map coloured by the same counts, with a line for every pair of
neighbouring cities backing a segment with competing measures; the gaps and the list; a cell of the matrix clicked
(a real mouse click on the heatmap) narrows the map to its segment and the list to its city; a search; one policy
opened with its tags, confidences and the evidence sentences, the terms found marked in them; the page in English at
province level. Then the monitoring page: an alert planted on the busiest city and segment shows the policies bearing
on it. Every page is checked for script errors and for requests leaving the machine. Screenshots: artifacts/e2e/.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.pipeline import policy as pp
from chainatlas.pipeline.alerts import record
from chainatlas.storage.alerts import AlertStore
from chainatlas.storage.base import open_backend


@pytest.fixture(scope="module")
def served(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The atlas with one alert: on the city and ic segment with the most policies (no province's own column)."""
    db = tmp_path_factory.mktemp("policies_page") / "atlas.duckdb"
    shutil.copy(built_db, db)
    with open_backend(db, read_only=True) as b:
        m = pp.coverage(b, chain="ic").matrix
    m = m[(m["segment"] != "*") & ~m["place"].str.endswith("0000")]
    top = m.sort_values(["policies", "place", "segment"], ascending=[False, True, True]).iloc[0]
    spec = {
        "kinds": ["policies"],
        "attrs": ["policies"],
        "place": top["place"],
        "period": "2024",
        "chain": "ic",
        "segment": top["segment"],
    }  # the records behind it, as the monitor writes them
    found = pd.DataFrame(
        [{"rule": "r", "severity": "warning", "unit": top["place"], "period": 2024, "state": "firing",
          "chain": "ic", "segment": top["segment"], "evidence": json.dumps(spec)}]
    )  # fmt: skip
    rep = record(AlertStore(config.side_file(db, "alerts")), found, level="region", jurisdiction="YRD",
                 period=2024, actor="test")  # fmt: skip
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield {
            "url": url,
            "alert": rep.alerts[0]["id"],
            "cell": (top["segment"], top["place"], int(top["policies"])),
        }


def api(served, path: str, **params) -> dict:
    r = httpx.get(served["url"] + path, params={k: v for k, v in params.items() if v is not None}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def ready(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('#page').dataset.state === 'ready'"
        " && document.querySelector('#pol-list').dataset.total !== undefined",
        timeout=90_000,
    )


def data(page, sel: str) -> dict:
    return page.eval_on_selector(sel, "e => ({...e.dataset})")


def open_page(watched, served, where: str = "#/policies?chain=ic"):
    w = watched(served["url"])
    w.page.goto(served["url"] + "/" + where)
    ready(w.page)
    return w.page


def span(cov: dict) -> dict:
    return {"since": cov["available"][0], "until": cov["available"][-1]}


def test_the_matrix_the_map_and_the_lists_show_the_api_counts(watched, served, shots):
    page = open_page(watched, served)
    cov = api(served, "/api/policies/coverage", chain="ic")
    yrs = span(cov)
    mx = data(page, "#pol-matrix")
    assert int(mx["rows"]) == len(cov["segments"]) == 7  # six segments and the chain as a whole
    assert int(mx["cols"]) == len(cov["places"])
    assert int(mx["total"]) == sum(c["policies"] for c in cov["matrix"])
    assert int(mx["policies"]) == sum(p["policies"] for p in cov["places"])
    # the map: each city's policies of the chain (Shanghai's city drawn as 310100)
    want = sorted(f"{p['unit']}:{p['policies']}" for p in cov["places"] if p["policies"])
    assert data(page, "#pol-map")["values"] == ",".join(want)
    ov = api(served, "/api/policies/overlaps", chain="ic", **yrs)
    pairs: dict[str, int] = {}
    for s in ov["summary"]:
        k = f"{s['place_a']}-{s['place_b']}"
        pairs[k] = pairs.get(k, 0) + s["pairs"]
    assert data(page, "#pol-map")["lines"] == ",".join(sorted(f"{k}:{v}" for k, v in pairs.items()))
    assert int(data(page, "#pol-ov")["n"]) == len(ov["summary"]) > 0
    gaps = api(served, "/api/policies/gaps", chain="ic", **yrs)
    assert int(data(page, "#pol-gaps")["n"]) == len(gaps["gaps"])
    listed = api(served, "/api/policies", chain="ic", limit=1, **yrs)
    assert int(data(page, "#pol-list")["total"]) == listed["total"]
    assert page.locator("#pol-synth").is_visible()
    for name in ("matrix", "map", "ov", "gaps", "list"):
        page.locator(f"#pol-{name}-panel").screenshot(path=str(shots / f"policies-{name}.png"))
    page.screenshot(path=str(shots / "policies.png"))


def test_a_cell_clicked_narrows_the_map_the_gaps_and_the_list(watched, served, shots):
    page = open_page(watched, served)
    cov = api(served, "/api/policies/coverage", chain="ic")
    segment, place, n = served["cell"]
    i = [s["segment"] for s in cov["segments"]].index(segment)
    j = [p["place"] for p in cov["places"]].index(place)
    x, y = page.evaluate(
        f"() => window.__atlasCharts.policyMatrix.convertToPixel({{seriesIndex: 0}}, [{j}, {i}])"
    )
    box = page.locator("#pol-matrix").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function(f"() => document.querySelector('#pol-map').dataset.segment === '{segment}'")
    ready(page)
    assert page.locator("#pol-seg").input_value() == segment
    # the list: the city's policies on the segment, as many as the cell says
    assert int(data(page, "#pol-list")["total"]) == n
    assert page.locator(f"#pol-place-chip [data-place='{place}']").is_visible()
    # the map: the segment's count in every city
    want = sorted(
        f"{p['unit']}:{c['policies']}"
        for c in cov["matrix"]
        if c["segment"] == segment
        for p in cov["places"]
        if p["place"] == c["place"]
    )
    assert data(page, "#pol-map")["values"] == ",".join(want)
    ov = api(served, "/api/policies/overlaps", chain="ic", segment=segment, **span(cov))
    assert int(data(page, "#pol-ov")["n"]) == len(ov["summary"])
    assert int(data(page, "#pol-gaps")["n"]) == 0  # the city has policies on it
    page.locator("#pol-list-panel").screenshot(path=str(shots / "policies-cell.png"))
    # clearing the place gives the segment's policies everywhere
    page.click("#pol-place-chip button")
    page.wait_for_function(f"() => document.querySelector('#pol-list').dataset.total !== '{n}'")
    every = api(served, "/api/policies", chain="ic", segment=segment, limit=1, **span(cov))
    assert int(data(page, "#pol-list")["total"]) == every["total"]


def test_a_search_and_one_policy_with_its_evidence(watched, served, shots):
    page = open_page(watched, served)
    cov = api(served, "/api/policies/coverage", chain="ic")
    found = api(served, "/api/policies", chain="ic", q="晶圆", limit=200, **span(cov))
    assert 0 < found["total"] < api(served, "/api/policies", chain="ic", limit=1, **span(cov))["total"]
    page.fill("#pol-q", "晶圆")
    page.wait_for_function(f"() => document.querySelector('#pol-list').dataset.total === '{found['total']}'")
    shown = page.eval_on_selector_all("#pol-list tbody tr", "trs => trs.map(tr => tr.dataset.policy)")
    assert shown == [r["policy_id"] for r in found["data"]]
    first = found["data"][0]["policy_id"]
    page.click(f"#pol-list a.pol-open[data-policy='{first}']")
    page.wait_for_selector(f"#pol-detail[data-policy='{first}']")
    d = api(served, f"/api/policies/{first}")
    cards = page.locator("#pol-d-tags .pol-card")
    assert cards.count() == len(d["tags"]) > 0
    for k, tag in enumerate(d["tags"]):
        card = cards.nth(k)
        assert card.get_attribute("data-label") == tag["label"]
        assert card.locator(".pol-conf").inner_text() == f"{tag['confidence']:.2f}"
        sentences = card.locator(".pol-ev li")
        assert sentences.count() == len(tag["sentences"])
        terms = {w.lower() for w in tag["terms"]}
        for s in range(sentences.count()):
            assert sentences.nth(s).inner_text() == tag["sentences"][s]
            marks = sentences.nth(s).locator("mark").all_inner_texts()
            assert marks and {m.lower() for m in marks} <= terms
    # the full text with every tag's terms marked
    assert page.locator("#pol-d-text").inner_text() == d["text"]
    assert page.locator("#pol-d-text mark").count() > 0
    page.locator("#pol-detail").screenshot(path=str(shots / "policies-detail.png"))


def test_the_page_in_english_at_province_level(watched, served, shots):
    page = open_page(watched, served, "#/policies")
    page.click("#lang-toggle")
    page.wait_for_function(
        "() => document.querySelector('#pol-matrix-panel h2')?.textContent.startsWith('Coverage')"
    )
    ready(page)
    assert page.locator("#pol-matrix-panel h2").inner_text().startswith("Coverage: segments × places")
    assert page.locator("#pol-list-panel h2").inner_text().startswith("Policies")
    page.click("#pol-level [data-level='province']")
    page.wait_for_function("() => document.querySelector('#pol-matrix').dataset.cols === '4'")
    ready(page)
    cov = api(served, "/api/policies/coverage", level="province")
    assert int(data(page, "#pol-matrix")["rows"]) == len(cov["segments"]) == 31  # 27 segments, 4 chains
    assert int(data(page, "#pol-matrix")["total"]) == sum(c["policies"] for c in cov["matrix"])
    page.locator("#pol-matrix-panel").screenshot(path=str(shots / "policies-province-en.png"))


def test_an_alert_shows_the_policies_bearing_on_it(watched, served, shots):
    w = watched(served["url"])
    w.page.goto(served["url"] + f"/#/monitor?alert={served['alert']}")
    w.page.wait_for_selector("#mon-policies[data-n]", timeout=90_000)
    got = api(served, f"/api/alerts/{served['alert']}/policies", limit=20)
    assert int(data(w.page, "#mon-policies")["n"]) == got["total"] > 0
    items = w.page.eval_on_selector_all(
        "#mon-policies li", "lis => lis.map(li => [li.dataset.policy, li.dataset.relation, li.dataset.match])"
    )
    assert items == [[p["policy_id"], p["relation"], p["match"]] for p in got["policies"]]
    assert items[0][1] == "same"  # the city's own policies first
    w.page.locator("#mon-detail .mon-pol").screenshot(path=str(shots / "policies-alert.png"))
