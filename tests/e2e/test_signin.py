"""Signing in (issue 12): once the atlas has users, the UI shows only the sign-in; a user signs in and reads the
map under their jurisdiction; a wrong password is told; signing out ends the session. Real Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.storage.users import UserStore

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


@pytest.fixture(scope="module")
def users_url(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("signin") / "atlas.duckdb"
    shutil.copy(built_db, db)
    UserStore(config.side_file(db, "users")).add("planner", "analyst", "320500", password="suzhou planner 1")
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url


def test_sign_in_then_read_then_sign_out(browser, users_url):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(users_url + "/#/map")
    form = pg.locator("#sign-in")
    form.wait_for(timeout=30_000)
    assert pg.locator("#nav a").count() == 0  # nothing but the sign-in before it
    pg.fill("#sign-in input[name=username]", "planner")
    pg.fill("#sign-in input[name=password]", "wrong password")
    pg.click("#sign-in button[type=submit]")
    pg.wait_for_function("() => document.querySelector('#sign-in .error-text').textContent.length > 0")
    assert "wrong password" in pg.locator("#sign-in .error-text").inner_text()
    pg.fill("#sign-in input[name=password]", "suzhou planner 1")
    pg.click("#sign-in button[type=submit]")
    who = pg.locator("#who .who-user")
    who.wait_for(timeout=30_000)
    assert "planner" in who.inner_text() and "分析员" in who.get_attribute("title")
    pg.wait_for_selector("#nav a", timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.wait_for_timeout(1500)
    pg.screenshot(path=str(ARTIFACTS / "signed-in-map.png"))
    # the token rides along: the entity list is Suzhou's only
    data = pg.evaluate(
        "async () => { const m = await import('/static/js/api.js'); return m.get('/api/entities', {limit: 500}); }"
    )
    assert data["total"] > 0 and all(e["adcode"].startswith("3205") for e in data["data"])
    pg.click("#sign-out")
    pg.locator("#sign-in").wait_for(timeout=30_000)
    assert not errors, errors
    ctx.close()
