"""End-to-end fixtures: the app on a copy of the small synthetic atlas, driven by Debian's headless Chromium.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (``make browser-deps``).
Every page is checked for script errors and for requests leaving the server (no CDN, tiles or fonts).
Screenshots go to ``artifacts/e2e/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.web import vendor_ready

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


@pytest.fixture(scope="session")
def e2e_url(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not vendor_ready():
        pytest.fail("web assets are not installed: run `make web-assets`")
    db = tmp_path_factory.mktemp("e2e") / "atlas.duckdb"
    shutil.copy(built_db, db)  # the upload test loads a file
    with LocalServer(create_app(db)) as url:
        yield url


@pytest.fixture(scope="session")
def api(e2e_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=e2e_url, timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is not installed at /usr/bin/chromium: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watched:
    """A page in a browser context of its own (Chinese UI unless told), watched for script errors and for
    requests leaving the server; :meth:`close` fails the test on either."""

    def __init__(self, browser, url: str, lang: str = "zh-CN"):
        self.url = url
        self.ctx = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale=lang, accept_downloads=True
        )
        # Playwright's 30 s default is a wait, not a check: beside another test process on a shared 2-core
        # host a simulation run took longer; a real failure still fails, only later
        self.ctx.set_default_timeout(120_000)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        host = urlparse(url).netloc
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

        def check(req) -> None:
            u = urlparse(req.url)
            if u.scheme in ("http", "https", "ws", "wss") and u.netloc != host:
                self.foreign.append(req.url)

        self.page.on("request", check)

    def sign_in(self, where: str, user: str, password: str) -> None:
        """Open ``where`` and sign in through the page's form."""
        self.page.goto(self.url + "/" + where)
        self.page.locator("#sign-in").wait_for(timeout=30_000)
        self.page.fill("#sign-in input[name=username]", user)
        self.page.fill("#sign-in input[name=password]", password)
        self.page.click("#sign-in button[type=submit]")

    def close(self) -> None:
        self.ctx.close()
        assert not self.foreign, f"requests left the server (the UI must work offline): {self.foreign}"
        assert not self.errors, f"script errors: {self.errors}"


@pytest.fixture()
def watched(browser):
    """``watched(url, lang=...)`` opens a :class:`Watched` page, closed and checked when the test ends."""
    opened: list[Watched] = []

    def make(url: str, lang: str = "zh-CN") -> Watched:
        w = Watched(browser, url, lang)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()


@pytest.fixture()
def page(watched, e2e_url: str):
    """A fresh page (Chinese UI) on the demo atlas; fails the test on a script error or a request to another
    host."""
    pg = watched(e2e_url).page
    pg.base_url = e2e_url  # type: ignore[attr-defined]
    return pg


@pytest.fixture(scope="session")
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
