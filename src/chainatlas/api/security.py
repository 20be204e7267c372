"""Abuse limits (issue 12): allowed hosts, cross-site request forgery, rate limits and security headers.

Four pure ASGI middlewares (answers stream through untouched; no ``BaseHTTPMiddleware``), installed by
:func:`add_security` outside :class:`~chainatlas.api.cache.FastPath`, so that they also guard answers
served from the cache. Outermost first:

1. :class:`SecurityHeaders` puts ``nosniff``, ``DENY`` framing, ``no-referrer``, the cross-origin
   policies, ``Permissions-Policy`` and a Content Security Policy on every answer, the refusals of the
   next three included. The UI's policy allows scripts, style sheets, images and connections from the
   server only (inline *styles* are allowed: the pages write ``style`` attributes and ECharts styles its
   tooltips); ``/docs`` also allows its one inline script (Swagger UI's start-up), by hash.
2. :class:`AllowedHosts` answers 400 when the ``Host`` header names a host the server does not know
   (DNS rebinding: a page of ``evil.example`` whose name now resolves to 127.0.0.1).
3. :class:`CsrfGuard` answers 403 to a state-changing request (any method but GET, HEAD, OPTIONS and
   TRACE) that comes from another origin (``Origin``, ``Sec-Fetch-Site``) or that lacks the header
   :data:`CSRF_HEADER` (``X-Requested-With: chainatlas``). A page of another site can send a POST (a
   form, a ``text/plain`` fetch) but not with a custom header: that needs a CORS preflight, and the
   server grants none. Requests with ``Authorization: Bearer`` or ``X-API-Key`` need no header (no
   browser adds those to another site's request) but must still be same-origin when they say an origin.
4. :class:`RateLimit` answers 429 with ``Retry-After`` once a credential (the SHA-256 of its bearer
   token or API key) or, without one, a client address has used its :class:`TokenBuckets` budget of
   setting ``rate_limit`` requests a minute. Only ``/api`` is counted: the UI's own files (``/``,
   ``/static``, ``/docs``, ``/openapi.json``) are static, cheap and asked for ~30 at a time by one page
   load, which must never be throttled.

The server's own prewarm requests (``app._asgi_get``, marked by the scope extension
``chainatlas.internal``) are neither refused nor counted.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainatlas import config
from chainatlas.api.render import error_body
from chainatlas.errors import ConfigError

__all__ = [
    "CSP_DOCS",
    "CSP_UI",
    "CSRF_HEADER",
    "CSRF_VALUE",
    "HEADER_EXEMPT",
    "LOOPBACK",
    "SECURITY_HEADERS",
    "AllowedHosts",
    "CsrfGuard",
    "RateLimit",
    "SecurityHeaders",
    "TokenBuckets",
    "add_security",
    "credential_key",
    "host_allowed",
    "host_name",
]

#: the header every state-changing request must carry (the web UI's ``api.js`` sends it); any non-empty
#: value is accepted, ``chainatlas`` is the one documented
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "chainatlas"
_CSRF_NAME = CSRF_HEADER.lower().encode()
#: host names always answered to
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
#: methods that change nothing (RFC 9110 §9.2.1): every other method is checked by :class:`CsrfGuard`
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: paths where a request without :data:`CSRF_HEADER` is still taken (its other rules hold): a forged
#: sign-in changes nothing (the token comes back in the body, which the forging page cannot read), and
#: Swagger UI's "Authorize" at /docs cannot add the header
HEADER_EXEMPT = frozenset({"/api/login"})

_CSP_COMMON = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: the Content Security Policy of the UI (and of every answer but ``/docs``)
CSP_UI = f"{_CSP_COMMON}; script-src 'self'"
#: ``/docs``: :data:`CSP_UI` whose ``script-src`` also names the hashes of the page's inline scripts
CSP_DOCS = f"{_CSP_COMMON}; script-src 'self'{{hashes}}"
#: headers of every answer (a header the application set itself is kept)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
#: a credential may use its own budget, but all the credentials one address presents together at most
#: this many budgets (a client inventing a new bearer token per request gets no more than this)
CREDENTIALS_PER_ADDRESS = 10
#: most keys the rate limiter remembers (about 200 bytes each); idle keys go first
MAX_KEYS = 50_000


def _header(scope: Scope, name: bytes) -> str | None:
    """The first ``name`` header of a request (``name`` in lower case), decoded as Latin-1."""
    for k, v in scope["headers"]:
        if k == name:
            return v.decode("latin-1")
    return None


def _refuse(status: int, kind: str, message: str, details: list[dict] | None = None, **headers: str) -> Any:
    return JSONResponse(
        status_code=status, content=error_body(status, kind, message, details), headers=headers or None
    )


def _internal(scope: Scope) -> bool:
    """A request the application sent itself (``app._asgi_get``, the prewarm): marked by the scope
    extension ``chainatlas.internal``, which no server sets."""
    return "chainatlas.internal" in (scope.get("extensions") or {})


# ---------------------------------------------------------------------------------------------- hosts
def host_name(value: str) -> str:
    """The host of a ``Host`` header without its port, in lower case, without a final dot or the
    brackets of an IPv6 address: ``"[::1]:8000"`` → ``"::1"``, ``"Atlas.Example.:80"`` → ``"atlas.example"``."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``host`` (see :func:`host_name`) is one of ``allowed``; an entry starting with a dot
    (``.example.gov.cn``) allows that domain and every name under it; ``*`` allows any host."""
    for a in allowed:
        if a == "*" or host == a or (a.startswith(".") and (host == a[1:] or host.endswith(a))):
            return True
    return False


def _host_entry(name: str) -> str:
    """An entry of the allowed hosts as :func:`host_allowed` compares it."""
    name = name.strip().lower()
    return name if name.startswith(".") or name == "*" else host_name(name)


def _socket_address(scope: Scope) -> str | None:
    """The address of the server's socket the request reached (with ``--host 0.0.0.0``, the interface's),
    when it is an IP address: in-process clients put a name there (``testserver``), which is no proof."""
    server = scope.get("server")
    if not server:
        return None
    try:
        return str(ipaddress.ip_address(str(server[0]).split("%", 1)[0]))
    except ValueError:
        return None


class AllowedHosts:
    """400 for a request whose ``Host`` is not a host the server answers to.

    Parameters
    ----------
    app : ASGI application
    hosts : iterable of str
        Names answered to besides :data:`LOOPBACK` and the address the request reached (the listen
        address; with ``--host 0.0.0.0`` the interface's): names, addresses, ``.domain`` wildcards.
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str] = ()):
        self.app = app
        self.hosts = frozenset(LOOPBACK | {h for h in hosts if h})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = _header(scope, b"host")
        host = host_name(raw) if raw is not None else ""
        if (host and (host_allowed(host, self.hosts) or host == _socket_address(scope))) or _internal(scope):
            await self.app(scope, receive, send)
            return
        shown = repr(raw[:100]) if raw is not None else "no Host header"
        message = (
            f"host: {shown} is not a name this server answers to (a page of another site reaching it "
            "under its own name is how DNS rebinding works); if the server is meant to be reached so, add "
            "the name to the setting CHAINATLAS_ALLOWED_HOSTS (comma-separated; .example.org allows "
            "every name under example.org)"
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _refuse(400, "BadRequest", message, [{"host": raw, "setting": "CHAINATLAS_ALLOWED_HOSTS"}])(
            scope, receive, send
        )


# ---------------------------------------------------------------------------------------------- CSRF
def credential_key(scope: Scope) -> str | None:
    """``bearer:<sha256 prefix>`` or ``key:<sha256 prefix>`` of the request's bearer token or API key
    (never the secret itself), else None. ``Authorization: Basic`` is no such credential: a browser
    may add it to another site's request."""
    auth = _header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "bearer:" + hashlib.sha256(token.strip().encode("latin-1")).hexdigest()[:16]
    key = _header(scope, b"x-api-key")
    if key and key.strip():
        return "key:" + hashlib.sha256(key.strip().encode("latin-1")).hexdigest()[:16]
    return None


_DEFAULT_PORT = {"http": 80, "https": 443}


def _host_port(netloc: str, default_port: int) -> tuple[str, int] | None:
    """``(host, port)`` of ``host[:port]`` (IPv6 in brackets), the port ``default_port`` when left out;
    None when it is no such thing."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            return None
        name, port = netloc[1:end], netloc[end + 1 :]
    elif netloc.count(":") == 1:
        name, port = netloc.split(":")[0], netloc[netloc.index(":") :]
    else:
        name, port = netloc, ""
    if port and not (port[0] == ":" and port[1:].isdigit()):
        return None
    return name.rstrip("."), int(port[1:]) if port else default_port


def _same_host(origin: str, host: str) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) names the host and port of the ``Host`` header.

    The scheme is not compared (behind a proxy that ends TLS the server sees ``http`` while the page
    is ``https``); a port left out is the default of the origin's scheme, on both sides."""
    scheme, sep, netloc = origin.strip().lower().partition("://")
    if not sep or scheme not in _DEFAULT_PORT:
        return False
    a = _host_port(netloc, _DEFAULT_PORT[scheme])
    return a is not None and a == _host_port(host, _DEFAULT_PORT[scheme])


class CsrfGuard:
    """403 for a state-changing request that may come from a page of another site.

    Refused: an ``Origin`` that is not this server's (``null`` included, unless ``Sec-Fetch-Site`` says
    same-origin: browsers send ``Origin: null`` on a same-origin POST of a page with ``Referrer-Policy:
    no-referrer``); ``Sec-Fetch-Site: cross-site`` or ``same-site`` (another origin of the same site);
    and, without ``Authorization: Bearer`` or ``X-API-Key``, a request without :data:`CSRF_HEADER`.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or _internal(scope):
            await self.app(scope, receive, send)
            return
        problem = self.problem(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        rule, message = problem
        where = f"{scope['method']} {scope['path']}"
        await _refuse(403, "Forbidden", f"{where}: {message}", [{"rule": rule}])(scope, receive, send)

    def problem(self, scope: Scope) -> tuple[str, str] | None:
        """``(rule, message)`` of the first rule the request breaks, or None."""
        site = (_header(scope, b"sec-fetch-site") or "").strip().lower()
        if site in ("cross-site", "same-site"):
            return "same-origin", (
                f"refused a request sent by a page of another site (Sec-Fetch-Site: {site}); state-changing "
                "requests are accepted from this server's own pages and from programs only"
            )
        origin = _header(scope, b"origin")
        host = _header(scope, b"host") or ""
        if origin is not None and origin.strip().lower() == "null":
            if site != "same-origin":
                return "same-origin", (
                    "refused a request from an opaque origin (Origin: null: a sandboxed frame, a file or a "
                    "redirect); state-changing requests are accepted from this server's own pages only"
                )
        elif origin is not None and not _same_host(origin, host):
            return "same-origin", (
                f"refused a request sent by a page of {origin[:100]!r}, not of this server ({host[:100]!r}); "
                "state-changing requests are accepted from this server's own pages and from programs only"
            )
        if (
            credential_key(scope) is None
            and scope["path"] not in HEADER_EXEMPT
            and not (_header(scope, _CSRF_NAME) or "").strip()
        ):
            return "csrf-header", (
                f"the header {CSRF_HEADER}: {CSRF_VALUE} is missing; every state-changing request must send "
                "it (the web UI does; a program adds it, or authenticates with Authorization: Bearer or "
                "X-API-Key) — a page of another site cannot send it, so it proves the request is not forged"
            )
        return None


# ---------------------------------------------------------------------------------------------- rates
class TokenBuckets:
    """Token buckets by key, in memory, thread-safe: a key of capacity ``c`` holds at most ``c`` tokens,
    refilled continuously at ``c`` per ``window`` seconds; a request takes one token.

    Memory is bounded: a key untouched for a whole window has a full bucket again and is forgotten (as
    if new); beyond ``max_keys`` the least recently used keys are forgotten too.

    Parameters
    ----------
    window : float
        Seconds in which a bucket refills completely (60: capacities are per minute).
    max_keys : int
        Most keys remembered.
    clock : callable
        Monotonic seconds (tests pass a fake clock).
    """

    def __init__(
        self, window: float = 60.0, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ):
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        #: key → [tokens, time of the last request], least recently used first
        self._buckets: OrderedDict[Any, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, *keys: tuple[Any, float]) -> float:
        """Take one token from the bucket of every ``(key, capacity)``: 0.0 when all had one, else the
        seconds until all will have one (and nothing is taken)."""
        now = self.clock()
        with self._lock:
            levels = []
            for key, capacity in keys:
                b = self._buckets.get(key)
                level = capacity if b is None else min(capacity, b[0] + (now - b[1]) * capacity / self.window)
                levels.append(level)
            wait = max(
                (
                    (1 - level) * self.window / capacity
                    for (_, capacity), level in zip(keys, levels, strict=True)
                ),
                default=0.0,
            )
            wait = max(wait, 0.0)
            for (key, _), level in zip(keys, levels, strict=True):
                self._buckets[key] = [level - 1 if wait == 0 else level, now]
                self._buckets.move_to_end(key)
            self._forget(now)
        return wait

    def _forget(self, now: float) -> None:
        b = self._buckets
        while b and (len(b) > self.max_keys or now - next(iter(b.values()))[1] >= self.window):
            b.popitem(last=False)


class RateLimit:
    """429 with ``Retry-After`` once a credential or client address has used its budget of ``/api``
    requests (see :class:`TokenBuckets`).

    A request with a credential (:func:`credential_key`) is counted against it, and against all the
    credentials of its address together (:data:`CREDENTIALS_PER_ADDRESS` budgets: the key is not
    checked here, so inventing one per request must not lift the limit); a request without one against
    its client address. Requests outside ``/api`` are not counted.

    Parameters
    ----------
    app : ASGI application
    per_minute : float
        The budget (burst) of a key and the requests per minute it regains; 0 turns the limit off.
    buckets : TokenBuckets, optional
        Where the buckets live (tests pass one with a fake clock).
    """

    def __init__(self, app: ASGIApp, per_minute: float, buckets: TokenBuckets | None = None):
        self.app = app
        self.per_minute = per_minute
        self.buckets = buckets if buckets is not None else TokenBuckets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.per_minute <= 0
            or scope["type"] != "http"
            or not (scope["path"] == "/api" or scope["path"].startswith("/api/"))
            or _internal(scope)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        cred = credential_key(scope)
        if cred is None:
            wait = self.buckets.take((("address", address), self.per_minute))
            who = f"client address {address}"
        else:
            wait = self.buckets.take(
                (cred, self.per_minute), (("credentials", address), self.per_minute * CREDENTIALS_PER_ADDRESS)
            )
            who = "credential"
        if wait == 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        message = (
            f"rate limit: this {who} has sent more than {self.per_minute:g} API requests in a minute; try "
            f"again in {retry} s (the limit is the setting CHAINATLAS_RATE_LIMIT, requests per minute)"
        )
        details = [{"limit_per_minute": self.per_minute, "retry_after": retry}]
        await _refuse(429, "TooManyRequests", message, details, **{"Retry-After": str(retry)})(
            scope, receive, send
        )


# ---------------------------------------------------------------------------------------------- headers
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _script_hashes(html: bytes) -> str:
    """CSP sources for every inline script of ``html``: `` 'sha256-...'`` each."""
    return "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    )


class SecurityHeaders:
    """Puts :data:`SECURITY_HEADERS` and a Content Security Policy on every answer.

    The policy is :data:`CSP_UI`, and for ``docs_path`` :data:`CSP_DOCS` with the hashes of the inline
    scripts of that page (generated by the server from its own settings; the answer is read whole,
    about 1 kB). A header the application already set is kept.
    """

    def __init__(self, app: ASGIApp, docs_path: str | None = "/docs"):
        self.app = app
        self.docs_path = docs_path
        self._fixed = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS]

    def _add(self, message: Message, csp: str) -> None:
        headers = list(message.get("headers", []))
        have = {k.lower() for k, _ in headers}
        headers += [(k, v) for k, v in self._fixed if k not in have]
        if b"content-security-policy" not in have:
            headers.append((b"content-security-policy", csp.encode()))
        message["headers"] = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == self.docs_path:
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(message, CSP_UI)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        body: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            html = b"".join(body)
            encoded = any(k.lower() == b"content-encoding" for k, _ in start.get("headers", []))
            self._add(start, CSP_DOCS.format(hashes="" if encoded else _script_hashes(html)))
            await send(start)
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, collect)


# ---------------------------------------------------------------------------------------------- install
def _rate(value: object) -> float:
    """The rate limit as a number: 0 (no limit) or at least 1 request a minute."""
    try:
        rate = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rate = -1.0
    if not (rate == 0 or 1 <= rate < math.inf):
        raise ConfigError(
            f"setting CHAINATLAS_RATE_LIMIT: expected API requests per minute (a number of at least 1, or 0 "
            f"for no limit), got {value!r}"
        )
    return rate


def _is_wildcard(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


def add_security(
    app: Any,
    *,
    allowed_hosts: Iterable[str] | None = None,
    rate_limit: float | None = None,
    buckets: TokenBuckets | None = None,
) -> None:
    """Install the four middlewares on ``app`` (call it after every other ``add_middleware``: the last
    added runs first).

    Parameters
    ----------
    app : Starlette or FastAPI application
    allowed_hosts : iterable of str, optional
        Host names answered to besides :data:`LOOPBACK` and the listen address (default: the setting
        ``allowed_hosts``, plus the setting ``host`` unless it is a wildcard such as 0.0.0.0). Tests
        driving the app with Starlette's ``TestClient`` pass ``["testserver"]``.
    rate_limit : float, optional
        Requests per minute per credential or client address (default: the setting ``rate_limit``; 0:
        no limit).
    buckets : TokenBuckets, optional
        The rate limiter's store (tests pass one with a fake clock).
    """
    if allowed_hosts is None:
        allowed_hosts = [*config.get("allowed_hosts").split(","), config.get("host")]
    hosts = {_host_entry(h) for h in allowed_hosts} - {""}
    hosts = {h for h in hosts if not _is_wildcard(h)}
    per_minute = _rate(config.get("rate_limit") if rate_limit is None else rate_limit)
    app.add_middleware(RateLimit, per_minute=per_minute, buckets=buckets)
    app.add_middleware(CsrfGuard)
    app.add_middleware(AllowedHosts, hosts=hosts)
    app.add_middleware(SecurityHeaders)
