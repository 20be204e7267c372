"""The 供需对接 page (issue 16 item 5) in real headless Chromium on the session's demo atlas: a planner searches the
needs, opens one and reads its ranked researchers with the reasons (each checked against the API's own answer),
opens a researcher's needs through a permalink, types a need in with its place, and reads it in English. The page
is checked for script errors and for requests leaving the machine."""

from __future__ import annotations

import httpx


def _rows(page) -> list[str]:
    return page.locator("#mt-results table").get_attribute("data-matches").split(",")


def test_a_planner_matches_a_need_and_reads_why(page, api: httpx.Client, shots):
    page.goto(page.base_url + "/#/matching")
    page.wait_for_selector("#mt-list li")
    assert page.locator("#mt-synth").is_visible()  # synthetic data said so
    page.fill("#mt-q", "芯片")
    total = api.get("/api/matching/needs", params={"q": "芯片"}).json()["total"]
    page.wait_for_function(
        f"() => document.querySelector('#mt-count').textContent.startsWith('{total} 条需求')"
    )
    first = page.locator("#mt-list li").first
    need = first.get_attribute("data-id")
    first.click()
    page.wait_for_selector("#mt-results table[data-matches]")
    want = api.get(f"/api/matching/needs/{need}", params={"top": 10}).json()["rows"]
    assert _rows(page) == [r["profile_id"] for r in want]
    assert f"need={need}" in page.url  # a permalink to this need's matches
    # the reasons of the first match, as the API gives them
    why = page.locator("#mt-results tbody tr").first.locator(".mt-why")
    terms = why.locator(".mt-chip.term").all_inner_texts()
    assert terms == want[0]["shared_terms"][:8]
    assert why.locator(".mt-chip.code").count() == len(want[0]["shared_codes"])
    assert page.locator("#mt-map").get_attribute("data-matches") == str(
        sum(1 for r in want if r["lon"] is not None)
    )
    page.screenshot(path=str(shots / "matching-need.png"), full_page=True)


def test_a_researchers_needs_by_permalink_and_a_need_typed_in(page, api: httpx.Client, shots):
    expert = api.get("/api/matching/experts", params={"segment": "ic", "limit": 1}).json()["rows"][0]["id"]
    page.goto(page.base_url + f"/#/matching?expert={expert}")
    page.wait_for_selector("#mt-results table[data-matches]")
    want = api.get(f"/api/matching/experts/{expert}", params={"top": 10}).json()["rows"]
    assert _rows(page) == [r["profile_id"] for r in want]
    assert page.locator(".mt-asker").get_attribute("data-mode") == "expert"
    page.click("#mt-mode button[data-value=text]")
    page.fill("#mt-text", "晶圆制造工艺良率提升")
    page.fill("#mt-place", "无锡市")
    page.click("#mt-go")
    page.wait_for_function("() => document.querySelector('.mt-asker')?.dataset.mode === 'text'")
    page.wait_for_selector("#mt-results table[data-matches]")
    want = api.get("/api/matching/text", params={"text": "晶圆制造工艺良率提升", "place": "无锡市"}).json()
    assert _rows(page) == [r["profile_id"] for r in want["rows"]]
    assert "无锡市" in page.locator(".mt-asker").inner_text()
    page.click("#lang-toggle")
    page.wait_for_function("() => document.querySelector('#mt-result-panel h2')?.textContent === 'Matches'")
    page.screenshot(path=str(shots / "matching-text-en.png"), full_page=True)
