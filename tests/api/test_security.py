"""Abuse limits (issue 12 item 5) against the real app over HTTP and in Debian's headless Chromium.

Allowed hosts (a rebinding page reads nothing), CSRF (a cross-site page plants no upload; the UI's own
requests go through), rate limits per credential (429 with Retry-After; another credential, the UI's
files and the server's own prewarm are not throttled), security headers and the Content Security Policy
(every page and /docs draw without one violation), and page-size caps.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from chainatlas.api.app import create_app
from chainatlas.api.security import (
    CSP_UI,
    CSRF_HEADER,
    CSRF_VALUE,
    MAX_KEYS,
    SECURITY_HEADERS,
    TokenBuckets,
    add_security,
)
from chainatlas.api.server import LocalServer
from chainatlas.errors import ConfigError
from chainatlas.web import vendor_ready

CHROMIUM = Path("/usr/bin/chromium")
#: the names the main test server answers to besides loopback (setting ``allowed_hosts``)
NAMES = "atlas.example.gov.cn,.yrd.example"
#: an upload the atlas would keep (invalid rows still make an upload with a report)
CSV = "credit_code,name\n91310000MA1FL8TQ4K,测试企业\n"
CSRF = {CSRF_HEADER: CSRF_VALUE}
#: every page of the UI (as tests/e2e/test_offline.py lists them, plus a page of the later designs)
PAGES = ("/", "/#/chain", "/#/network", "/#/compare", "/#/diagnose", "/#/data", "/#/alerts")
#: Chromium's own guard against public pages reaching loopback, turned off to stand for browsers without it
PRIVATE_NETWORK_ACCESS = (
    "BlockInsecurePrivateNetworkRequests",
    "PrivateNetworkAccessSendPreflights",
    "LocalNetworkAccessChecks",
)


def assert_error(r: httpx.Response, status: int, kind: str, *words: str) -> dict:
    """The one error shape with this status and type, its message holding ``words``."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"synthetic", "error"} and body["synthetic"] is False
    assert set(body["error"]) == {"status", "type", "message", "details"}
    assert (body["error"]["status"], body["error"]["type"]) == (status, kind), body
    for w in words:
        assert w in body["error"]["message"], body["error"]["message"]
    return body["error"]


@contextmanager
def serve(db: Path, prewarm: bool = False, **env: str) -> Iterator[tuple[str, object]]:
    """The app over ``db`` built with these settings (``CHAINATLAS_*``), on a free local port."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("CHAINATLAS_ALLOWED_HOSTS", "CHAINATLAS_RATE_LIMIT", "CHAINATLAS_HOST"):
            mp.delenv(name, raising=False)
        for name, value in env.items():
            mp.setenv(f"CHAINATLAS_{name.upper()}", value)
        app = create_app(db, prewarm=prewarm)
    with LocalServer(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the small atlas (several servers of this module open it)."""
    out = tmp_path_factory.mktemp("security") / "atlas.duckdb"
    shutil.copy(built_db, out)
    return out


@pytest.fixture(scope="module")
def server(db: Path) -> Iterator[str]:
    """The app with its default rate limit and the names :data:`NAMES` allowed: its base URL."""
    with serve(db, allowed_hosts=NAMES) as (url, _):
        yield url


@pytest.fixture(scope="module")
def c(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def upload_ids(c: httpx.Client) -> set[str]:
    return {u["id"] for u in c.get("/api/uploads").json()["data"]}


# ---------------------------------------------------------------------------------------------- hosts
def test_a_foreign_host_is_400_naming_the_host_and_the_setting_even_for_cached_answers(c):
    assert c.get("/api/meta").status_code == 200  # now kept by the exact-URL cache (FastPath)
    for path in ("/api/meta", "/", "/docs", "/static/js/api.js"):
        err = assert_error(
            c.get(path, headers={"Host": "evil.example"}),
            400,
            "BadRequest",
            "'evil.example'",
            "CHAINATLAS_ALLOWED_HOSTS",
            "DNS rebinding",
        )
        assert err["details"] == [{"host": "evil.example", "setting": "CHAINATLAS_ALLOWED_HOSTS"}]
    before = upload_ids(c)
    r = c.post("/api/uploads?filename=firms.csv", content=CSV, headers={"Host": "evil.example", **CSRF})
    assert_error(r, 400, "BadRequest", "evil.example")
    assert upload_ids(c) == before


@pytest.mark.parametrize(
    ("host", "answered"),
    [
        ("localhost", True),
        ("LOCALHOST.:8000", True),
        ("127.0.0.1:1", True),
        ("[::1]:8000", True),
        ("atlas.example.gov.cn", True),
        ("yrd.example", True),
        ("maps.yrd.example:443", True),
        ("evil.example", False),
        ("atlas.example.gov.cn.evil.example", False),
        ("notyrd.example", False),
        ("yrd.example.evil.example", False),
        ("testserver", False),
        ("", False),
    ],
)
def test_loopback_and_configured_names_are_answered_others_refused(c, host, answered):
    r = c.get("/api/health", headers={"Host": host})
    assert r.status_code == (200 if answered else 400), (host, r.text)


def test_the_listen_address_is_answered(db):
    # the setting ``host`` (the listen address) is answered to without being listed
    with serve(db, host="10.1.2.3") as (url, _):
        assert httpx.get(f"{url}/api/health", headers={"Host": "10.1.2.3:8000"}).status_code == 200
        assert httpx.get(f"{url}/api/health", headers={"Host": "10.1.2.4:8000"}).status_code == 400


def _asgi_status(app: Starlette, path: str) -> int:
    """The status of ``GET path`` sent to ``app`` in process, as Starlette's test client sends it
    (``Host: testserver``)."""

    async def get() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get(path)).status_code

    return asyncio.run(get())


def test_testserver_is_answered_only_when_configured():
    def bare() -> Starlette:
        return Starlette(routes=[Route("/api/x", lambda request: PlainTextResponse("ok"))])

    default, passed, configured = bare(), bare(), bare()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CHAINATLAS_ALLOWED_HOSTS", raising=False)
        add_security(default)
        add_security(passed, allowed_hosts=["testserver"])
        mp.setenv("CHAINATLAS_ALLOWED_HOSTS", "atlas.example, testserver")
        add_security(configured)
    assert [_asgi_status(app, "/api/x") for app in (default, passed, configured)] == [400, 200, 200]


# ---------------------------------------------------------------------------------------------- browser
ATTACKER_PAGE = b"""<!doctype html><html><body>
<form id="f" method="POST" enctype="text/plain"><input name="credit_code,name" value="x"></form>
<script>
const target = new URLSearchParams(location.search).get("target") + "/api/uploads?filename=firms.csv&kind=firms";
document.getElementById("f").action = target;
window.results = {};
const csv = "credit_code,name\\n91310000MA1FL8TQ4K,x\\n";
fetch(target, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: csv })
  .then((r) => (window.results.plain = r.type), (e) => (window.results.plain = String(e)));
fetch(target, { method: "POST", headers: { "X-Requested-With": "chainatlas" }, body: csv })
  .then((r) => (window.results.header = r.status), (e) => (window.results.header = String(e)));
</script></body></html>"""


class _Attacker(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(ATTACKER_PAGE)))
        self.end_headers()
        self.wfile.write(ATTACKER_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def attacker() -> Iterator[int]:
    """A page of another site: a local server whose page ``http://evil.example:PORT/`` (see
    :func:`chromium`) posts to the atlas the three ways a page can."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium where ``evil.example`` resolves to 127.0.0.1 (as after DNS rebinding)
    and Private Network Access is off (as in browsers without it: Firefox, Safari)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is not installed at /usr/bin/chromium: run `make browser-deps`")
    if not vendor_ready():
        pytest.fail("web assets are not installed: run `make web-assets`")
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--host-resolver-rules=MAP evil.example 127.0.0.1",
        "--disable-features=" + ",".join(PRIVATE_NETWORK_ACCESS),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


def test_a_rebinding_page_reads_no_answer_in_chromium(server, chromium):
    port = server.rsplit(":", 1)[1]
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        evil = f"http://evil.example:{port}"
        # the attacker's page, served while evil.example still resolved to the attacker
        page.route(f"{evil}/", lambda route: route.fulfill(body="<p>hello</p>", content_type="text/html"))
        page.goto(f"{evil}/")
        # now evil.example resolves to 127.0.0.1: for the browser /api/meta is the page's own origin
        status, body = page.evaluate(
            "async () => { const r = await fetch('/api/meta'); return [r.status, await r.text()]; }"
        )
        assert status == 400 and "is not a name this server answers to" in body and '"periods"' not in body
        # the same request from the server's own name is answered
        page.goto(server + "/static/css/app.css")
        assert page.evaluate("async () => (await fetch('/api/meta')).status") == 200
    finally:
        ctx.close()


def test_a_cross_site_page_plants_no_upload_in_chromium(c, server, chromium, attacker):
    before = upload_ids(c)
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"http://evil.example:{attacker}/?target={server}")
        page.wait_for_function("window.results.plain && window.results.header", timeout=20_000)
        results = page.evaluate("window.results")
        # the text/plain POST reached the server (and was refused: its answer is hidden from the page by
        # Cross-Origin-Resource-Policy); the one with the header never left the browser (preflight refused)
        assert results == {"plain": "TypeError: Failed to fetch", "header": "TypeError: Failed to fetch"}
        with page.expect_navigation():
            page.evaluate("document.getElementById('f').submit()")
        assert page.url.startswith(f"{server}/api/uploads")
        assert "refused a request sent by a page of another site" in page.inner_text("body")
    finally:
        ctx.close()
    assert upload_ids(c) == before


def test_the_ui_posts_and_deletes_through_api_js_in_chromium(c, server, chromium):
    ctx = chromium.new_context()
    try:
        page = ctx.new_page()
        page.goto(server + "/#/data")
        page.wait_for_selector("#d-send", timeout=30_000)
        uid = page.evaluate(
            """async (csv) => { const api = await import('/static/js/api.js');
                const r = await api.post('/api/uploads', { filename: 'firms.csv', kind: 'firms' }, csv);
                return r.id; }""",
            CSV,
        )
        assert uid in upload_ids(c)
        page.evaluate("async (uid) => (await import('/static/js/api.js')).del(`/api/uploads/${uid}`)", uid)
        assert uid not in upload_ids(c)
    finally:
        ctx.close()


# ---------------------------------------------------------------------------------------------- CSRF
def test_cross_site_and_headerless_posts_are_403_naming_the_rule(c, server):
    before = upload_ids(c)
    post = "/api/uploads?filename=firms.csv&kind=firms"
    plain = {"Content-Type": "text/plain"}
    cases = [
        # what Chromium sends for a cross-site page's text/plain fetch or form (see the browser test)
        ({**plain, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, "same-origin"),
        ({**plain, **CSRF, "Origin": "http://evil.example"}, "same-origin"),
        ({**plain, **CSRF, "Sec-Fetch-Site": "same-site"}, "same-origin"),
        ({**plain, **CSRF, "Origin": "null"}, "same-origin"),
        ({**plain, **CSRF, "Origin": server.replace("127.0.0.1", "localhost")}, "same-origin"),
        (plain, "csrf-header"),
        ({**plain, "Origin": server, "Sec-Fetch-Site": "same-origin"}, "csrf-header"),
        ({**plain, "Authorization": "Basic dXNlcjpwYXNz"}, "csrf-header"),  # browsers may add Basic
    ]
    for headers, rule in cases:
        err = assert_error(c.post(post, content=CSV, headers=headers), 403, "Forbidden", "POST /api/uploads")
        assert err["details"] == [{"rule": rule}], headers
    err = assert_error(c.post(post, content=CSV), 403, "Forbidden", f"{CSRF_HEADER}: {CSRF_VALUE}")
    for method, path in (("DELETE", "/api/uploads/0000"), ("POST", "/api/uploads/0000/load"), ("PUT", "/")):
        assert_error(c.request(method, path), 403, "Forbidden", method)
    assert upload_ids(c) == before


def test_same_origin_posts_with_the_header_or_a_credential_are_accepted(c, server):
    post = "/api/uploads?filename=firms.csv&kind=firms"
    accepted = [
        CSRF,
        {**CSRF, "Origin": server, "Sec-Fetch-Site": "same-origin"},
        {**CSRF, "Origin": "null", "Sec-Fetch-Site": "same-origin"},  # a form of a no-referrer page
        {"X-API-Key": "ca_example"},
        {"Authorization": "Bearer example.token.value", "Origin": server},
    ]
    for headers in accepted:
        r = c.post(post, content=CSV, headers=headers)
        assert r.status_code == 201, (headers, r.text)
        assert r.json()["id"] in upload_ids(c)
        assert c.delete(f"/api/uploads/{r.json()['id']}", headers=CSRF).status_code == 204
    # a credential from a page of another site is still refused
    r = c.post(post, content=CSV, headers={"X-API-Key": "ca_example", "Origin": "http://evil.example"})
    assert_error(r, 403, "Forbidden", "evil.example")


# ---------------------------------------------------------------------------------------------- rates
def test_rate_limit_is_per_credential_with_retry_after(db):
    limit = 5
    with serve(db, prewarm=True, rate_limit=str(limit)) as (url, app), httpx.Client(base_url=url) as c:
        # the server's own prewarm is not throttled: it cached far more answers than the limit
        assert app.state.prewarmed.wait(300), "the prewarm did not finish within 300 s"
        assert len(app.state.atlas.cache.by_url) > 3 * limit
        a, b = {"X-API-Key": "ca_alice"}, {"Authorization": "Bearer bob.token"}
        for _ in range(limit):
            assert c.get("/api/meta", headers=a).status_code == 200  # all but the first from FastPath
        r = c.get("/api/meta", headers=a)
        err = assert_error(r, 429, "TooManyRequests", "CHAINATLAS_RATE_LIMIT", "5 API requests")
        retry = int(r.headers["Retry-After"])
        assert 1 <= retry <= 60 / limit + 1 and err["details"] == [
            {"limit_per_minute": 5, "retry_after": retry}
        ]
        assert r.headers["X-Frame-Options"] == "DENY"  # refusals carry the security headers too
        assert c.get("/api/meta", headers=b).status_code == 200  # another credential: its own budget
        for _ in range(limit):  # and the address without a credential its own
            assert c.get("/api/health").status_code == 200
        assert_error(c.get("/api/health"), 429, "TooManyRequests", "client address 127.0.0.1")
        # the UI's files are never counted
        for path in ("/", "/static/js/api.js", "/static/css/app.css", "/docs", "/openapi.json") * 4:
            assert c.get(path).status_code == 200, path
        # state-changing requests count as well
        assert c.post("/api/uploads?filename=firms.csv", content=CSV, headers=a).status_code == 429


def test_a_bucket_refills_continuously(db):
    with serve(db, rate_limit="60") as (url, _), httpx.Client(base_url=url) as c:
        start = time.monotonic()
        codes = [c.get("/api/health").status_code for _ in range(70)]
        refilled = time.monotonic() - start  # one token a second
        assert 60 <= codes.count(200) <= 60 + refilled + 1 and codes[-1] == 429
        r = c.get("/api/health")
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        time.sleep(1.1)
        assert c.get("/api/health").status_code == 200


def test_token_buckets_refill_evict_and_stay_bounded():
    now = [0.0]
    tb = TokenBuckets(window=60.0, max_keys=3, clock=lambda: now[0])
    assert [tb.take(("a", 3)) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert tb.take(("a", 3)) == pytest.approx(20.0)  # one token per 20 s
    now[0] = 10.0
    assert tb.take(("a", 3)) == pytest.approx(10.0)  # refilled half a token
    now[0] = 20.0
    assert tb.take(("a", 3)) == 0.0
    # all or nothing over several buckets: a refused request takes no token from the others
    assert tb.take(("b", 1)) == 0.0
    assert tb.take(("c", 5), ("b", 1)) == pytest.approx(60.0)
    assert [tb.take(("c", 5)) for _ in range(5)] == [0.0] * 5
    # keys idle for a whole window (full again) are forgotten; never more than max_keys
    now[0] = 100.0
    tb.take(("d", 1))
    assert len(tb) == 1
    for k in "efgh":
        tb.take((k, 1))
    assert len(tb) == 3 and MAX_KEYS >= 10_000


def test_token_buckets_are_thread_safe():
    tb = TokenBuckets(clock=lambda: 0.0)  # time stands still: nothing refills
    granted = []

    def hammer() -> None:
        granted.extend(1 for _ in range(500) if tb.take(("k", 1000)) == 0.0)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 1000


def test_a_bad_rate_limit_setting_names_it(db):
    for value in ("fast", "-1", "0.5", "inf"):
        with pytest.MonkeyPatch.context() as mp, pytest.raises(ConfigError, match="CHAINATLAS_RATE_LIMIT"):
            mp.setenv("CHAINATLAS_RATE_LIMIT", value)
            create_app(db, prewarm=False)


def test_a_rate_limit_of_zero_turns_it_off(db):
    with serve(db, rate_limit="0") as (url, _), httpx.Client(base_url=url) as c:
        assert {c.get("/api/health").status_code for _ in range(50)} == {200}


# ---------------------------------------------------------------------------------------------- headers
def _assert_headers(r: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS:
        assert r.headers.get(name) == value, (r.request.url, name, r.headers.get(name))
    assert r.headers.get("content-security-policy"), r.request.url


def test_security_headers_on_every_answer(c):
    answers = [
        c.get("/"),
        c.get("/static/js/main.js", headers={"Accept-Encoding": "gzip"}),
        c.get("/api/meta"),
        c.get("/api/meta"),  # from FastPath
        c.get("/openapi.json"),
        c.get("/api/nothing-here"),
        c.get("/", headers={"Host": "evil.example"}),
        c.post("/api/uploads?filename=firms.csv", content=CSV),
    ]
    for r in answers:
        _assert_headers(r)
        assert r.headers["content-security-policy"] == CSP_UI
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in CSP_UI
    assert "unsafe-inline" not in re.search(r"script-src[^;]*", CSP_UI).group()


def test_docs_allow_exactly_their_inline_script(c):
    r = c.get("/docs")
    _assert_headers(r)
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src([^;]*)", csp).group(1).split()
    inline = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert script_src == ["'self'", f"'sha256-{digest}'"]
    assert csp.replace(f" 'sha256-{digest}'", "") == CSP_UI


INIT = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


def test_every_page_and_the_docs_draw_without_a_csp_violation_in_chromium(server, chromium):
    ctx = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    ctx.add_init_script(INIT)
    try:
        for path in (*PAGES, "/docs"):
            page = ctx.new_page()
            messages: list[str] = []
            page.on("console", lambda m, messages=messages: messages.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e, messages=messages: messages.append(f"pageerror: {e}"))
            response = page.goto(server + path)
            assert response.headers["content-security-policy"]
            drawn = ".opblock" if path == "/docs" else "#page canvas, #page table, #page .placeholder"
            page.wait_for_selector(drawn, state="attached", timeout=60_000)
            page.wait_for_load_state("networkidle", timeout=60_000)
            violations = page.evaluate("window.__csp")
            csp_messages = [
                m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m
            ]
            assert not violations and not csp_messages, (path, violations, csp_messages)
            assert not [m for m in messages if m.startswith(("error", "pageerror"))], (path, messages)
            page.close()
    finally:
        ctx.close()


# ---------------------------------------------------------------------------------------------- pages
def _list_operations(spec: dict) -> list[tuple[str, int]]:
    """(path, maximum of ``limit``) of every GET that pages with ``limit``."""
    out = []
    for path, ops in spec["paths"].items():
        for p in ops.get("get", {}).get("parameters", []):
            if p["name"] == "limit" and p["in"] == "query":
                out.append((path, p["schema"].get("maximum")))
    return out


def test_every_paged_list_refuses_a_page_beyond_its_cap(c):
    ops = _list_operations(c.get("/openapi.json").json())
    assert len(ops) >= 8
    for path, cap in ops:
        assert cap is not None, f"{path}: limit has no maximum"
        params = {"layer": "industry", "limit": cap + 1}
        r = c.get(path.replace("{uid}", "0" * 15 + "1"), params=params)  # an entity uid, or alert 1
        err = assert_error(r, 422, "ValidationError", "limit")
        assert err["details"][0]["location"] == "query.limit" and str(cap) in err["message"]


def test_a_page_holds_at_most_10000_rows(c):
    assert_error(c.get("/api/entities", params={"limit": 100_000}), 422, "ValidationError", "limit")
    assert all(cap <= 10_000 for _, cap in _list_operations(c.get("/openapi.json").json()))
