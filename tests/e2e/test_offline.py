"""Offline: the API docs and every page of the UI work with the network to the outside blocked, static
files go compressed, and the server's prewarm answers every page's first requests.

Users run the atlas on intranets without internet. Headless Chromium (Debian's ``/usr/bin/chromium``,
as in ``tests/e2e``) loads each page with every request that is not to the local server aborted and
recorded (Playwright ``page.route``): ``/docs`` must still render its list of operations, and no page
may ask for anything off the machine.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from chainatlas.api.app import create_app
from chainatlas.api.cache import url_key
from chainatlas.api.server import LocalServer
from chainatlas.web import SWAGGER_UI, static_dir, vendor_ready

#: every page of the UI (the map is ``/``)
PAGES = (
    "/",
    "/#/chain",
    "/#/network",
    "/#/compare",
    "/#/diagnose",
    "/#/data",
    "/#/monitor",
    "/#/scenarios",
    "/#/matching",
    "/#/policies",
    "/#/alliances",
)
#: answers made from the catalogue alone, kept by ``AnswerCache.static`` (not by URL): nothing to warm
#: answers the prewarm cannot hold: built without the database (``/api/templates``, the example scenario of
#: ``/api/simulations/example``), or about who asks (``/api/auth``: never cached), or changing without the atlas
#: (``/api/alerts``: never cached); the 情景模拟 page's ``POST /api/simulations`` is never cached and not a GET
NO_DATABASE = ("/api/templates", "/api/auth", "/api/alerts", "/api/simulations/example")


@pytest.fixture(scope="module")
def served(built_db: Path) -> Iterator[tuple[str, object, set]]:
    """The app on the small atlas, after its prewarm: (url, app, exact-URL keys the prewarm cached)."""
    if not vendor_ready():
        pytest.fail("web assets are not installed: run `make web-assets`")
    app = create_app(built_db, read_only=True)
    with LocalServer(app) as url:
        assert app.state.prewarmed.wait(300), "the prewarm did not finish within 300 s"
        yield url, app, set(app.state.atlas.cache.by_url)


# the browser is the session one of tests/e2e/conftest.py: one Playwright per process


class Visit:
    """One page load with the outside blocked: what it asked for and what went wrong."""

    def __init__(self, browser, base: str, path: str):
        self.host = urlparse(base).netloc
        self.foreign: list[str] = []
        self.api: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        self.page = self.ctx.new_page()
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(base + path)

    def _route(self, route) -> None:
        req = route.request
        u = urlparse(req.url)
        if u.netloc != self.host:
            self.foreign.append(req.url)
            route.abort("blockedbyclient")
            return
        if u.path.startswith("/api/") and req.method == "GET":
            self.api.append(req.url)
        route.continue_()

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture(scope="module")
def visits(served, browser) -> dict[str, Visit]:
    """Every page, each in a fresh browser context, loaded until its network is idle and something is
    drawn (a chart's canvas or a table)."""
    url = served[0]
    out = {}
    for path in PAGES:
        v = Visit(browser, url, path)
        v.page.wait_for_selector("#page canvas, #page table", state="attached", timeout=60_000)
        v.page.wait_for_load_state("networkidle", timeout=60_000)
        out[path] = v
    yield out
    for v in out.values():
        v.close()


def test_docs_render_offline(served, browser) -> None:
    url = served[0]
    v = Visit(browser, url, "/docs")
    try:
        # Swagger UI lists every operation; its path text carries zero-width spaces, data-path does not
        op = v.page.locator(".opblock-summary-path[data-path='/api/meta']").first
        op.wait_for(state="visible", timeout=30_000)
        assert op.inner_text().replace("\u200b", "") == "/api/meta"
        assert v.page.locator(".opblock").count() > 20
        assert v.page.locator(".swagger-ui .info .title").inner_text().startswith("Chain Atlas")
        v.page.wait_for_load_state("networkidle")
        assert not v.foreign, f"/docs asked for files off the machine: {v.foreign}"
        assert not v.errors, f"script errors on /docs: {v.errors}"
    finally:
        v.close()


def test_docs_use_only_vendored_files(served) -> None:
    url = served[0]
    html = httpx.get(url + "/docs").text
    assert "http://" not in html and "https://" not in html, "the docs page names an outside address"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        ref = f"/static/{SWAGGER_UI}/{name}"
        assert ref in html
        r = httpx.get(url + ref)
        assert r.status_code == 200 and r.content == (static_dir() / SWAGGER_UI / name).read_bytes()
    assert '"validatorUrl": null' in html  # Swagger UI's online validator would send the spec out
    r = httpx.get(url + "/redoc")
    assert r.status_code == 404 and "/docs" in r.json()["error"]["message"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_requests_anything_off_the_machine(visits, path) -> None:
    v = visits[path]
    assert not v.foreign, f"{path} asked for files off the machine: {v.foreign}"
    assert not v.errors, f"script errors on {path}: {v.errors}"


@pytest.mark.parametrize("path", PAGES)
def test_prewarm_answers_every_first_request(served, visits, path) -> None:
    """Each page's first API requests were answered by the prewarm before anyone asked (so the page
    renders from the cache); a request listed here is missing from ``api/app.py: _first_requests``."""
    _, app, prewarmed = served
    gen = app.state.atlas.cache.generation
    missed = []
    for u in visits[path].api:
        p = urlparse(u)
        if p.path in NO_DATABASE:
            continue
        if url_key(gen, {"path": p.path, "query_string": p.query.encode()}) not in prewarmed:
            missed.append(u.split("/api/", 1)[1])
    assert not missed, f"{path}: not prewarmed: {missed}"


def test_static_files_are_sent_compressed_once(served) -> None:
    url = served[0]
    js = static_dir() / "vendor" / "echarts.esm.min.js"
    with httpx.Client(base_url=url) as c:
        raw = c.get("/static/vendor/echarts.esm.min.js", headers={"Accept-Encoding": "identity"})
        assert raw.headers.get("content-encoding") is None and raw.content == js.read_bytes()
        r = c.stream("GET", "/static/vendor/echarts.esm.min.js", headers={"Accept-Encoding": "gzip"})
        with r as resp:
            body = resp.read()  # decoded once by httpx
            wire = resp.num_bytes_downloaded
            etag = resp.headers["etag"]
            assert resp.headers["content-encoding"] == "gzip" and resp.headers["vary"] == "Accept-Encoding"
        assert body == js.read_bytes() and wire < len(body) / 2
        again = c.get(
            "/static/vendor/echarts.esm.min.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
        )
        assert again.status_code == 304
        # the UI's own page too; a large API answer is compressed by the answer cache, and only once
        assert c.get("/", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == "gzip"
        geo = c.stream("GET", "/api/geo", params={"scale": "county"}, headers={"Accept-Encoding": "gzip"})
        with geo as resp:
            raw_geo = b"".join(resp.iter_raw())
            assert resp.headers["content-encoding"] == "gzip"
        assert gzip.decompress(raw_geo).startswith(b"{")
