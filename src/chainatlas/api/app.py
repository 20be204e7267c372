"""The ASGI application: assembles the routers, the one JSON error shape and the web UI.

Every error is ``{"synthetic": false, "error": {"status", "type", "message", "details"}}``; every
data answer carries ``synthetic`` (true when the atlas contains synthetic records), so no client can
show the demo data as facts. The UI is served at ``/`` from :mod:`chainatlas.web`; the API lives
under ``/api`` with its OpenAPI document at ``/openapi.json`` (browsable at ``/docs``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from chainatlas import config
from chainatlas.api.atlas import Atlas
from chainatlas.api.cache import FastPath
from chainatlas.api.routers import analytics, chains, data, entities, geo, indicators, layers, meta, places
from chainatlas.api.routers.meta import DEFAULT_VIEW
from chainatlas.api.uploads import UploadStore
from chainatlas.errors import (
    AccessError,
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
from chainatlas.web import static_dir, vendor_ready

__all__ = ["create_app", "error_body"]

log = logging.getLogger("chainatlas.api")

#: library error → HTTP status (the first matching class wins, so subclasses come first)
_STATUS: tuple[tuple[type[ChainAtlasError], int], ...] = (
    (IngestError, 422),
    (ConfigError, 400),
    (GeoError, 400),
    (TaxonomyError, 400),
    (ExportError, 400),
    (AccessError, 403),
    (NotBuiltError, 409),
    (LockError, 503),
    (SchemaError, 503),
    (BackendError, 503),
)
_HTTP_TYPES = {
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    422: "ValidationError",
    500: "InternalError",
    503: "Unavailable",
}

_ROUTERS = (meta, geo, places, layers, indicators, chains, analytics, entities, data)


def error_body(status: int, kind: str, message: str, details: list[dict] | None = None) -> dict:
    """The one error shape."""
    return {
        "synthetic": False,
        "error": {"status": status, "type": kind, "message": message, "details": details or []},
    }


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
        After startup, compute in the background what the map page asks for first (every period of
        the default view), so that the first visitors and the time slider are served from the cache.
    """
    atlas = Atlas(Path(db_path or config.db_path()), cache=cache, read_only=read_only, pool_size=pool_size)
    uploads = UploadStore()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(atlas.warm)
        task = asyncio.create_task(_prewarm(app)) if prewarm else None
        yield
        if task is not None:
            task.cancel()
        atlas.close()
        uploads.close()

    app = FastAPI(
        title="Chain Atlas 长三角产业链创新链地图系统 API",
        version="0.1.0",
        lifespan=lifespan,
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
        ],
    )
    app.state.atlas = atlas
    app.state.uploads = uploads
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
    _one_error_shape_in_openapi(app)
    app.add_middleware(FastPath, cache=atlas.cache)
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


async def _asgi_get(app: FastAPI, path: str, params: dict) -> int:
    """GET ``path?params`` through the application itself (no network, no HTTP client); the status."""
    query = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()})
    status = 0

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

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
    }
    await app(scope, receive, send)
    return status


async def _prewarm(app: FastAPI) -> None:
    """Fill the answer cache with the map page's first requests (:data:`DEFAULT_VIEW`), for every built
    period."""
    atlas: Atlas = app.state.atlas
    try:
        periods = await atlas.call(lambda b: query.periods(b))
    except ChainAtlasError:
        return
    scale = DEFAULT_VIEW.scale
    todo: list[tuple[str, dict]] = [
        ("/api/meta", {}),
        ("/api/chains", {}),
        ("/api/geo", {"scale": scale}),
        ("/api/places", {"scale": scale, "proper": True}),
    ]
    for p in reversed(periods):  # the latest first: it is what the map opens on
        todo += DEFAULT_VIEW.requests(p)
    for path, params in todo:
        if await _asgi_get(app, path, params) != 200:
            log.info("prewarm stopped at %s?%s", path, params)
            return


def _one_error_shape_in_openapi(app: FastAPI) -> None:
    """Document FastAPI's own 422 answers with the one error shape they really have."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = plain()
        ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                resp = op.get("responses", {}).get("422")
                if resp is not None:
                    resp["description"] = "Invalid parameter (one error shape)"
                    resp["content"] = {"application/json": {"schema": ref}}
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


def _mount_ui(app: FastAPI) -> None:
    """Serve the single-page UI at ``/`` and its files under ``/static``."""
    static = static_dir()
    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        if not vendor_ready():
            log.warning("web assets missing: run `make web-assets`")
        return FileResponse(
            static / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )
