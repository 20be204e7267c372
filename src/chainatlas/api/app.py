"""The ASGI application: assembles the routers, the one JSON error shape and the web UI.

Every error is ``{"synthetic": false, "error": {"status", "type", "message", "details"}}``; every
data answer carries ``synthetic`` (true when the atlas contains synthetic records), so no client can
show the demo data as facts. The UI is served at ``/`` from :mod:`chainatlas.web`; the API lives
under ``/api`` with its OpenAPI document at ``/openapi.json``, browsable at ``/docs`` with the Swagger
UI copy of ``static/vendor/`` (no CDN: the docs work on a network without internet; there is no
``/redoc``).

Static files are sent gzip-compressed to clients that accept it (each file compressed once per
version); API answers are compressed by :mod:`chainatlas.api.cache` itself, so no middleware compresses
anything twice.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Scope

from chainatlas import config
from chainatlas.api.atlas import Atlas
from chainatlas.api.auth import Authenticator, AuthMiddleware, is_public
from chainatlas.api.cache import FastPath
from chainatlas.api.render import error_body
from chainatlas.api.routers import (
    alerts,
    alliances,
    analytics,
    auth,
    chains,
    cooperation,
    data,
    entities,
    geo,
    indicators,
    layers,
    matching,
    meta,
    places,
    policy,
    simulate,
)
from chainatlas.api.routers.meta import DEFAULT_VIEW
from chainatlas.api.security import add_security
from chainatlas.api.uploads import UploadStore
from chainatlas.errors import (
    AccessError,
    AuthError,
    BackendError,
    ChainAtlasError,
    ConfigError,
    ExportError,
    GeoError,
    IngestError,
    LockError,
    NotBuiltError,
    SchemaError,
    TaxonomyError,
)
from chainatlas.pipeline import query
from chainatlas.storage.audit import AuditLog
from chainatlas.storage.users import UserStore
from chainatlas.web import SWAGGER_UI, static_dir, vendor_ready

__all__ = ["create_app", "error_body"]

log = logging.getLogger("chainatlas.api")

#: library error → HTTP status (the first matching class wins, so subclasses come first)
_STATUS: tuple[tuple[type[ChainAtlasError], int], ...] = (
    (IngestError, 422),
    (ConfigError, 400),
    (GeoError, 400),
    (TaxonomyError, 400),
    (ExportError, 400),
    (AuthError, 401),
    (AccessError, 403),
    (NotBuiltError, 409),
    (LockError, 503),
    (SchemaError, 503),
    (BackendError, 503),
)
_HTTP_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    422: "ValidationError",
    500: "InternalError",
    503: "Unavailable",
}

_ROUTERS = (
    auth,
    meta,
    geo,
    places,
    layers,
    indicators,
    chains,
    analytics,
    entities,
    data,
    alerts,
    simulate,
    cooperation,
    matching,
    policy,
    alliances,
)


def _error(status: int, kind: str, message: str, details: list[dict] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(status, kind, message, details))


#: C0 controls, DEL and C1 controls: never part of a name, code or id; NUL cannot even reach the database
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: what a client is told when another process writes the atlas (the CLI names the process; the API must not)
LOCKED = "the atlas is being written by another process; try again when it has finished"


async def printable(request: Request) -> None:
    """Refuse a query or path parameter holding a control character (a 422 naming the parameter).

    Values reach the database as Ibis literals; a NUL breaks the SQL text DuckDB parses, and no name,
    code or id of the atlas holds a control character, so refusing them is exact and cheap.
    """
    for where, items in (
        ("query", request.query_params.multi_items()),
        ("path", request.path_params.items()),
    ):
        for name, value in items:
            m = _CONTROL.search(name) or _CONTROL.search(str(value))
            if m is not None:
                raise RequestValidationError(
                    [
                        {
                            "loc": (where, name),
                            "msg": f"control character U+{ord(m.group()):04X} is not allowed",
                            "type": "value_error",
                            "input": value,
                        }
                    ]
                )


def create_app(
    db_path: Path | None = None,
    *,
    cache: bool = True,
    read_only: bool = False,
    pool_size: int = 4,
    prewarm: bool = True,
) -> FastAPI:
    """The Chain Atlas web application over one atlas database.

    Parameters
    ----------
    db_path : Path, optional
        The atlas file (default: ``--db`` / ``CHAINATLAS_DB`` / ``./atlas.duckdb``).
    cache : bool
        Keep serialised answers until the data change.
    read_only : bool
        Refuse to load uploads into the atlas (they are still validated).
    pool_size : int
        Most database connections used at once.
    prewarm : bool
        After startup, compute in the background what every page asks for first (see
        :func:`_prewarm`), so that the first visitors and the time slider are served from the cache.
        ``app.state.prewarmed`` (a :class:`threading.Event`) is set when it has finished.
    """
    atlas = Atlas(Path(db_path or config.db_path()), cache=cache, read_only=read_only, pool_size=pool_size)
    uploads = UploadStore()
    users = UserStore(config.side_file(atlas.path, "users"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(atlas.warm)
        task = asyncio.create_task(_prewarm(app)) if prewarm else None
        if task is not None:
            task.add_done_callback(lambda _: app.state.prewarmed.set())
        yield
        if task is not None:
            task.cancel()
        atlas.close()
        uploads.close()
        app.state.audit.close()

    app = FastAPI(
        title="Chain Atlas 长三角产业链创新链地图系统 API",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by _mount_docs from the vendored Swagger UI, not a CDN
        redoc_url=None,
        description=(
            "Six networks (共生 symbiosis, 知识 knowledge, 创新 innovation, 产业 industry, 服务 service, "
            "价值 value) of the Yangtze River Delta at every scale (county, city, province, functional area, "
            "region) and period, with node indicators, chain maps, templates and uploads.\n\n"
            "Every answer carries `synthetic`: true whenever the atlas contains the synthetic reference "
            "dataset — show it as such. Every error has one shape: "
            '`{"synthetic": false, "error": {"status", "type", "message", "details"}}`. '
            "Lists are paged with `limit` and `offset` and say their `total`."
        ),
        openapi_tags=[
            {"name": "meta", "description": "What the atlas holds"},
            {"name": "places", "description": "Units, functional areas, geometry, profiles and comparison"},
            {"name": "layers", "description": "The six networks and their edges"},
            {"name": "indicators", "description": "Node indicators and time series"},
            {
                "name": "chains",
                "description": "Chains, segments, broken links (断链), single points (单点), choke points (卡点), innovation path",
            },
            {"name": "analytics", "description": "Analysis results"},
            {"name": "entities", "description": "Firms and institutions"},
            {"name": "data", "description": "Templates, uploads and the data inventory"},
            {
                "name": "alerts",
                "description": "监测预警: alerts of periodic inspection and their joint handling",
            },
            {
                "name": "matching",
                "description": "供需对接: firms' technology needs matched to researchers, each match explained",
            },
            {
                "name": "policies",
                "description": "政策: policies tagged to chains, segments and places; coverage, overlaps and gaps",
            },
            {
                "name": "alliances",
                "description": "联盟与揭榜挂帅: alliances by level, fragmentation and clusters; open calls, their "
                "progress, success rates and winning teams",
            },
        ],
    )
    app.state.atlas = atlas
    app.state.uploads = uploads
    app.state.auth = Authenticator(users)
    app.state.audit = AuditLog(config.side_file(atlas.path, "audit"))
    app.state.gzipped = Gzipped()
    app.state.prewarmed = threading.Event()
    for module in _ROUTERS:
        app.include_router(module.router, prefix="/api", dependencies=[Depends(printable)])
    private = _private_dirs(atlas.path, uploads.dir)

    def public(message: str) -> str:
        """``message`` without the server's folders (file names stay: they are what the user knows)."""
        for d in private:
            message = message.replace(d + os.sep, "").replace(d, ".")
        return message

    @app.exception_handler(IngestError)
    async def _ingest_error(request: Request, exc: IngestError) -> JSONResponse:
        details = [
            {k: public(v) if isinstance(v, str) else v for k, v in e.to_dict().items()}
            for e in exc.errors[:1000]
        ]
        return _error(422, type(exc).__name__, public(str(exc).split("\n", 1)[0]), details)

    @app.exception_handler(ChainAtlasError)
    async def _lib_error(request: Request, exc: ChainAtlasError) -> JSONResponse:
        status = next((s for t, s in _STATUS if isinstance(exc, t)), 400)
        # the CLI names the process holding the lock (its command line, the file); a web client is
        # told only that the atlas is busy
        message = LOCKED if isinstance(exc, LockError) else public(str(exc))
        return _error(status, type(exc).__name__, message)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "location": ".".join(str(p) for p in e["loc"]),
                "message": e["msg"],
                "input": e.get("input")
                if isinstance(e.get("input"), (str, int, float, type(None)))
                else str(e.get("input")),
            }
            for e in exc.errors()
        ]
        message = "; ".join(f"{d['location']}: {d['message']}" for d in details)
        return _error(422, "ValidationError", message, details)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such resource: {request.url.path}; the API is described at /openapi.json and /docs"
        elif exc.status_code == 405:
            allow = _allowed(request.url.path) or (exc.headers or {}).get("Allow", "")
            exc.headers = {**(exc.headers or {}), "Allow": allow}
            message = f"method {request.method} is not allowed on {request.url.path}" + (
                f"; allowed: {allow}" if allow else ""
            )
        response = _error(exc.status_code, _HTTP_TYPES.get(exc.status_code, "HTTPError"), public(message))
        response.headers.update(exc.headers or {})  # Allow on a 405 (RFC 9110 §15.5.6), Retry-After on a 503
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "InternalError", f"internal error ({type(exc).__name__}); see the server log")

    _mount_ui(app)
    _mount_docs(app)
    _one_error_shape_in_openapi(app)
    app.add_middleware(FastPath, cache=atlas.cache)
    # outside the cache: no answer without a check; every entity-level read, export and change is audited
    app.add_middleware(AuthMiddleware, auth=app.state.auth, audit=app.state.audit)
    add_security(app)  # added last, runs first: hosts, CSRF, rate limits, headers
    return app


def _allowed(path: str) -> str:
    """Every method some route of ``path`` takes (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    if path.startswith("/api/"):
        for module in _ROUTERS:
            for route in module.router.routes:
                if route.path_regex.match(path[len("/api") :]):  # type: ignore[attr-defined]
                    methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def _private_dirs(db: Path, uploads: Path) -> list[str]:
    """Folders of the server's machine that answers must not show, longest first (so a folder inside
    another is replaced whole)."""
    dirs = {str(db.parent), str(db.resolve().parent), str(uploads), tempfile.gettempdir(), os.getcwd()}
    dirs.add(str(Path.home()))
    return sorted((d for d in dirs if d not in ("", ".", os.sep)), key=len, reverse=True)


async def _asgi_get(app: FastAPI, path: str, params: dict) -> tuple[int, bytes]:
    """GET ``path?params`` through the application itself (no network, no HTTP client): the status
    and the (uncompressed) body. Booleans are written as the browser's ``URLSearchParams`` writes
    them, so the answer is also kept under the URL the UI asks for."""
    query = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()})
    status = 0
    body: list[bytes] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"prewarm")],
        "client": ("127.0.0.1", 0),
        "server": ("prewarm", 80),
        "app": app,
        # the server's own requests (never a network one: servers do not set this key) read region-wide
        "extensions": {"chainatlas.internal": {}},
    }
    await app(scope, receive, send)
    return status, b"".join(body)


def _first_requests(meta: dict, places: list[str], period: int) -> list[tuple[str, dict]]:
    """What the other pages (``web/static/js/pages/*.js``) ask for first in ``period``, in the order of
    the navigation, with the parameters the UI sends (a parameter the UI leaves empty is left out,
    as ``api.js: url`` does). ``meta`` is ``/api/meta``; ``places`` the default scale's proper places
    in the order ``/api/places`` lists them (the comparison page opens on the first two).

    Keep in step with the pages: ``tests/test_offline.py::test_prewarm_answers_every_first_request``
    names any first request of a page that is missing here (and ``bench/bench_pages.py`` shows its cost).
    """
    dv = meta.get("default_view") or {}
    scale = dv.get("scale") or DEFAULT_VIEW.scale
    chain, segment = dv.get("chain") or DEFAULT_VIEW.chain, dv.get("segment") or DEFAULT_VIEW.segment
    ids = [c["id"] for c in meta.get("chains", [])]
    out: list[tuple[str, dict]] = []
    # 产业链 chain.js: the chain chosen elsewhere, else "ic", else the first; city scale
    chain_page = chain if chain in ids else ("ic" if "ic" in ids else (ids[0] if ids else None))
    if chain_page:
        for part in ("matrix", "sankey"):
            out.append((f"/api/chains/{chain_page}/{part}", {"scale": scale, "period": period}))
    # 网络 network.js: the innovation layer's `network` topic (undirected), its lines and top actors
    sel = {"layer": "innovation", "scale": scale, "period": period, "chain": chain, "segment": segment}
    out += [
        ("/api/analytics/topics/network", {**sel, "weight": "n", "undirected": True}),
        ("/api/edges", {**sel, "self_loops": False, "order": "n", "limit": 1200}),
        (
            "/api/analytics/topics/actors",
            {
                "layer": "innovation",
                "period": period,
                "chain": chain,
                "segment": segment,
                "weight": "n",
                "top": 15,
            },
        ),
    ]
    # 对比 compare.js: the first two places of the default scale
    if len(places) >= 2:
        out.append(("/api/compare", {"scale": scale, "a": places[0], "b": places[1], "period": period}))
    # 诊断 diagnose.js: areas, tiers of the whole region, modes, pairs of its chain (the chain chosen
    # elsewhere, else the first; the chain page's choice too, as visitors often come from there)
    out += [
        ("/api/areas", {}),
        ("/api/analytics/topics/roles", {"period": period}),
        ("/api/analytics/topics/modes", {}),
    ]
    for c in dict.fromkeys(
        x for x in (chain if chain in ids else (ids[0] if ids else None), chain_page) if x
    ):
        out.append(("/api/analytics/topics/pairing", {"period": period, "chain": c, "top": 5}))
    # 数据 data.js: templates (both languages), the inventory and its places table
    out += [
        ("/api/templates", {"lang": "zh"}),
        ("/api/templates", {"lang": "en"}),
        ("/api/inventory/summary", {}),
        ("/api/inventory/periods", {}),
        ("/api/inventory", {}),
        ("/api/inventory/places", {"scale": "city", "period": period}),
    ]
    # 监测预警 monitor.js: the province outlines under its map (the alerts themselves are never cached)
    out.append(("/api/places", {"scale": "province"}))
    # 供需对接 matching.js: the needs list (no words, every segment)
    out.append(("/api/matching/needs", {"limit": 200}))
    # 政策 policies.js: coverage, overlaps and gaps of every year at city level, and the policy list
    sel = {"level": "city", "chain": chain, "min_confidence": 0.5}
    out += [(f"/api/policies/{part}", sel) for part in ("coverage", "overlaps", "gaps")]
    out.append(("/api/policies", {"chain": chain, "min_confidence": 0.5, "limit": 200}))
    # 联盟与揭榜 alliances.js: the alliances tab (communities), the fragmentation of every chain
    out += [
        ("/api/alliances", {"chain": chain, "method": "communities"}),
        ("/api/alliances/fragmentation", {}),
        ("/api/alliances/clusters", {"chain": chain, "method": "communities"}),
    ]
    return out


async def _prewarm(app: FastAPI) -> None:
    """Compress the static files, then fill the answer cache with what every page asks for first,
    the latest period first.

    1. what every page needs (meta, chains, geometry and place lists of the default scale and of
       counties, whose names tell namesakes apart);
    2. in the latest period: the map's default view (:data:`DEFAULT_VIEW`, and its indicator's
       series for the stable colour scale), then the first requests of every other page
       (:func:`_first_requests`);
    3. the map's default view in every earlier period (the time slider).

    Requests go through the application itself, one at a time, so visitors are served meanwhile; a
    request that fails is logged and skipped.
    """
    atlas: Atlas = app.state.atlas
    await run_in_threadpool(_compress_static, app.state.gzipped)
    try:
        periods = await atlas.call(lambda b: query.periods(b))
    except ChainAtlasError:
        return
    if not periods:
        return
    scale = DEFAULT_VIEW.scale

    async def get(path: str, params: dict) -> bytes | None:
        status, body = await _asgi_get(app, path, params)
        if status != 200:
            log.info("prewarm: %s?%s answered %s", path, urlencode(params), status)
            return None
        return body

    boot = [
        ("/api/meta", {}),
        ("/api/chains", {}),
        ("/api/geo", {"scale": scale}),
        ("/api/places", {"scale": scale, "proper": True}),
        ("/api/places", {"scale": "county", "proper": True}),
    ]
    got = {path + json.dumps(params): await get(path, params) for path, params in boot}
    meta = json.loads(got["/api/meta{}"] or b"{}")
    listed = got["/api/places" + json.dumps({"scale": scale, "proper": True})]
    places = [p["unit"] for p in json.loads(listed)["data"]] if listed else []
    latest = periods[-1]
    todo = [
        *DEFAULT_VIEW.requests(latest),
        (
            f"/api/indicators/{DEFAULT_VIEW.indicator}/series",
            {"scale": scale, "chain": DEFAULT_VIEW.chain, "segment": DEFAULT_VIEW.segment},
        ),
        *_first_requests(meta, places, latest),
    ]
    for p in reversed(periods[:-1]):
        todo += DEFAULT_VIEW.requests(p)
    for path, params in todo:
        await get(path, params)


def _one_error_shape_in_openapi(app: FastAPI) -> None:
    """Document FastAPI's own 422 answers with the one error shape they really have."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = plain()
        ref = {"$ref": "#/components/schemas/ErrorResponse"}
        shaped = {"application/json": {"schema": ref}}
        for path, ops in spec.get("paths", {}).items():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                resp = responses.get("422")
                if resp is not None:
                    resp["description"] = "Invalid parameter (one error shape)"
                    resp["content"] = shaped
                # every API answer may be refused by the request checks that run before routing
                responses.setdefault(
                    "429", {"description": "Too many requests (Retry-After)", "content": shaped}
                )
                if not is_public(path):
                    op["security"] = [{"APIKey": []}, {"Login": []}]
                    responses.setdefault("401", {"description": "No valid credential", "content": shaped})
                    responses.setdefault(
                        "403", {"description": "Outside the user's rights or jurisdiction", "content": shaped}
                    )
        spec.setdefault("components", {}).setdefault("securitySchemes", {}).update(
            {
                "APIKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Login": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/api/login", "scopes": {}}}},
            }
        )
        schemas = spec.get("components", {}).get("schemas", {})
        if "ErrorResponse" not in schemas:
            from chainatlas.api.schemas import ErrorBody, ErrorResponse

            schemas["ErrorResponse"] = ErrorResponse.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas["ErrorBody"] = ErrorBody.model_json_schema()
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


#: media types sent compressed (images and fonts are compressed already)
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: smaller files are sent as they are
STATIC_GZIP_MIN_BYTES = 1024


class Gzipped:
    """Gzip copies of static files, each made once per version of the file (path, size, mtime)."""

    def __init__(self) -> None:
        self._by_path: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._lock = threading.Lock()

    def get(self, path: str, st: os.stat_result) -> bytes:
        version = (st.st_size, st.st_mtime_ns)
        hit = self._by_path.get(path)
        if hit is not None and hit[0] == version:
            return hit[1]
        with open(path, "rb") as f:
            gz = gzip.compress(f.read(), compresslevel=9, mtime=0)
        with self._lock:
            self._by_path[path] = (version, gz)
        return gz


def _compressible(media_type: str | None, size: int) -> bool:
    return bool(media_type) and size >= STATIC_GZIP_MIN_BYTES and media_type.startswith(_COMPRESSIBLE)


def _compress_static(gz: Gzipped) -> None:
    """Compress every static file a client may ask for, so that no visitor waits for it."""
    for path in sorted(static_dir().rglob("*")):
        if path.is_file():
            st = path.stat()
            if _compressible(mimetypes.guess_type(path.name)[0], st.st_size):
                gz.get(str(path), st)


async def _gzip_file(response: Response, scope: Scope, gz: Gzipped) -> Response:
    """``response`` (a file) gzip-compressed when the client accepts it, with its own ETag (a
    conditional request for it gets a 304); ranges, HEAD and small or compressed types go as they are."""
    if not isinstance(response, FileResponse) or response.status_code != 200 or scope["method"] != "GET":
        return response
    st = response.stat_result or os.stat(response.path)
    if not _compressible(response.media_type, st.st_size):
        return response
    response.headers["Vary"] = "Accept-Encoding"
    asked = Headers(scope=scope)
    if "range" in asked or "gzip" not in asked.get("accept-encoding", ""):
        return response
    headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "accept-ranges")}
    etag = headers.get("etag")
    if etag:
        headers["etag"] = etag[:-1] + '-gzip"' if etag.endswith('"') else etag + "-gzip"
        if headers["etag"] in (t.strip() for t in asked.get("if-none-match", "").split(",")):
            return Response(
                status_code=304, headers={k: v for k, v in headers.items() if k != "content-type"}
            )
    headers["content-encoding"] = "gzip"
    body = await run_in_threadpool(gz.get, str(response.path), st)
    return Response(body, status_code=200, headers=headers)


class _CompressedStatic(StaticFiles):
    """:class:`StaticFiles` whose files go gzip-compressed to clients that accept it."""

    def __init__(self, *, gzipped: Gzipped, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.gzipped = gzipped

    async def get_response(self, path: str, scope: Scope) -> Response:
        return await _gzip_file(await super().get_response(path, scope), scope, self.gzipped)


def _mount_ui(app: FastAPI) -> None:
    """Serve the single-page UI at ``/`` and its files under ``/static`` (compressed)."""
    static = static_dir()
    gz: Gzipped = app.state.gzipped
    app.mount("/static", _CompressedStatic(directory=static, check_dir=False, gzipped=gz), name="static")

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        if not vendor_ready():
            log.warning("web assets missing: run `make web-assets`")
        page = static / "index.html"
        response = FileResponse(
            page,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
            stat_result=os.stat(page),
        )
        return await _gzip_file(response, request.scope, gz)


def _mount_docs(app: FastAPI) -> None:
    """The API docs at ``/docs``: Swagger UI from ``static/vendor/`` (installed by ``make web-assets``),
    never from a CDN, and without its online validator (which would send the document off the machine)."""
    vendor = f"/static/{SWAGGER_UI}"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        if not vendor_ready():
            log.warning("Swagger UI is not installed, /docs shows nothing: run `make web-assets`")
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
