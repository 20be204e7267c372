"""Shared objects for the routers: the one seam to the atlas database, parameters, and responses.

Every router gets data through :class:`Atlas` (Datasette's ``execute_fn`` pattern): it lends a
read-only :class:`~chainatlas.storage.base.Backend` from a small pool to a function, runs the
function in a worker thread and caches the serialised answer. No router opens a connection.

While the server runs, the atlas only changes through this process (its open read-only
connections keep other writers out), so a cached answer stays valid until :meth:`Atlas.writer`
bumps the generation. Responses carry an ``ETag``; large ones are sent gzip-compressed to clients
that accept it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import math
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chainatlas.errors import AccessError, ChainAtlasError
from chainatlas.model.layers import LAYERS, SCALES
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend, open_backend

__all__ = [
    "Atlas",
    "AtlasDep",
    "ChainParam",
    "FastPath",
    "LayerParam",
    "LimitParam",
    "OffsetParam",
    "PeriodParam",
    "PlaceParam",
    "Records",
    "ScaleParam",
    "SegmentParam",
    "Upload",
    "UploadStore",
    "UploadsDep",
    "not_found",
    "page",
    "render",
    "send",
    "too_large",
]

log = logging.getLogger("chainatlas.api")

#: how many answers to keep per generation, and from which size a body is sent compressed
CACHE_ENTRIES = 2048
GZIP_MIN_BYTES = 16_384

Layer = Literal[tuple(LAYERS)]  # type: ignore[valid-type]
Scale = Literal[tuple(SCALES)]  # type: ignore[valid-type]

LayerParam = Annotated[Layer, Query(description="network layer: " + ", ".join(
    f"{k} ({v.zh})" for k, v in LAYERS.items()))]
ScaleParam = Annotated[Scale, Query(description="aggregation scale: county | city | province | area "
                                                "(functional areas) | region")]
PeriodParam = Annotated[int | None, Query(ge=1900, le=2100, description="year; default: the latest built")]
ChainParam = Annotated[str, Query(max_length=40, description="chain id (ic, bio, nev, ai, ...) or * for all")]
SegmentParam = Annotated[str, Query(max_length=60, description="segment id of the chain, or * for the chain "
                                                               "total")]
PlaceParam = Annotated[str | None, Query(max_length=40, description="a unit id of the scale (adcode, area id "
                                                                    "or YRD); keeps rows touching it")]
LimitParam = Annotated[int, Query(ge=1, le=100_000, description="page size")]
OffsetParam = Annotated[int, Query(ge=0, description="rows to skip")]


# ---------------------------------------------------------------------------------------------- JSON
class Records:
    """A frame to be embedded in a JSON answer as a list of row objects (serialised by pandas)."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def json(self) -> str:
        return self.frame.to_json(orient="records", force_ascii=False, date_format="iso", double_precision=10)


def _plain(obj: Any) -> Any:
    """Python/NumPy/pandas values as JSON-safe values (NaN and NA become null)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, (str, int, bool)) or obj is None or isinstance(obj, Records):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _plain(float(obj))
    if isinstance(obj, (datetime, date, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def render(payload: dict) -> bytes:
    """Serialise an answer; :class:`Records` values are written by pandas and spliced in."""
    raws: dict[str, str] = {}
    nonce = secrets.token_hex(6)

    def swap(obj: Any) -> Any:
        if isinstance(obj, Records):
            token = f"@@{nonce}:{len(raws)}@@"
            raws[token] = obj.json()
            return token
        if isinstance(obj, dict):
            return {k: swap(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [swap(v) for v in obj]
        return obj

    text = json.dumps(swap(_plain(payload)), ensure_ascii=False, separators=(",", ":"))
    for token, raw in raws.items():
        text = text.replace(f'"{token}"', raw, 1)
    return text.encode("utf-8")


@dataclass
class _Body:
    raw: bytes
    etag: str
    gz: bytes | None = None
    max_age: int = 0

    def gzipped(self) -> bytes:
        if self.gz is None:
            self.gz = gzip.compress(self.raw, compresslevel=5)
        return self.gz


# ---------------------------------------------------------------------------------------------- the seam
class _RWLock:
    """Many readers or one writer (a writer waits for readers to finish and blocks new ones)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._writing = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Atlas:
    """The atlas database as the API sees it: pooled read-only backends and cached answers.

    Parameters
    ----------
    path : Path
        The atlas DuckDB file.
    pool_size : int
        Most read-only connections open at once (requests beyond wait for one).
    cache : bool
        Keep serialised answers until the data change (turn off to measure raw query cost).
    read_only : bool
        Refuse every write (uploads may still be validated).
    """

    def __init__(self, path: Path, *, pool_size: int = 4, cache: bool = True, read_only: bool = False):
        self.path = Path(path)
        self.pool_size = pool_size
        self.cache_enabled = cache
        self.read_only = read_only
        self.generation = 0
        self._pool: queue.LifoQueue[Backend] = queue.LifoQueue()
        self._opened = 0
        self._slots = threading.BoundedSemaphore(pool_size)
        self._open_lock = threading.Lock()
        self._rw = _RWLock()
        self._cache: OrderedDict[tuple, _Body] = OrderedDict()
        #: the same answers by exact URL, for :class:`FastPath` (hits skip routing and validation)
        self.by_url: dict[tuple, _Body] = {}
        self._cache_lock = threading.Lock()
        self._synthetic: tuple[int, bool] | None = None

    # -- connections -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def backend(self) -> Iterator[Backend]:
        """Lend a read-only backend (opened on first need, returned to the pool afterwards)."""
        with self._rw.read():
            self._slots.acquire()
            try:
                try:
                    b = self._pool.get_nowait()
                except queue.Empty:
                    with self._open_lock:
                        b = open_backend(self.path, read_only=True)
                        self._opened += 1
                try:
                    yield b
                finally:
                    self._pool.put(b)
            finally:
                self._slots.release()

    def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(backend, *args, **kwargs)`` with a pooled backend (in the calling thread)."""
        with self.backend() as b:
            return fn(b, *args, **kwargs)

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """:meth:`read` in a worker thread, so the event loop keeps serving."""
        return await run_in_threadpool(self.read, fn, *args, **kwargs)

    def warm(self) -> None:
        """Open the first connection and read the flags every page needs, so the first visitor does not
        wait for it; a missing or unbuilt atlas is reported later, by the requests that need it."""
        try:
            with self.backend() as b:
                self.synthetic(b)
                query.periods(b)
        except ChainAtlasError as e:
            log.warning("atlas not ready: %s", e)

    def close(self) -> None:
        """Close every pooled connection (the next read opens new ones)."""
        while True:
            try:
                b = self._pool.get_nowait()
            except queue.Empty:
                break
            b.close()
            self._opened -= 1

    @contextlib.contextmanager
    def writer(self, command: str) -> Iterator[Backend]:
        """The atlas opened for writing: readers wait, pooled connections close, caches are dropped."""
        if self.read_only:
            raise AccessError("this server was started read-only; load files with `chainatlas ingest` instead")
        with self._rw.write():
            self.close()
            b = open_backend(self.path, read_only=False, command=command)
            try:
                yield b
            finally:
                b.close()
                with self._cache_lock:
                    self.generation += 1
                    self._cache.clear()
                    self.by_url.clear()
                    self._synthetic = None

    # -- answers -----------------------------------------------------------------------------------
    def synthetic(self, backend: Backend | None = None) -> bool:
        """Whether the atlas contains any synthetic record (cached per generation)."""
        gen = self.generation
        if self._synthetic is not None and self._synthetic[0] == gen:
            return self._synthetic[1]
        if not self.path.exists():
            return False
        value = bool(query.dataset_info(backend)["contains_synthetic"]) if backend is not None else \
            bool(self.read(lambda b: query.dataset_info(b)["contains_synthetic"]))
        self._synthetic = (gen, value)
        return value

    def _compute(self, fn: Callable[[Backend], dict]) -> bytes:
        with self.backend() as b:
            payload = fn(b)
            return render({"synthetic": self.synthetic(b), **payload})

    async def respond(self, request: Request, key: tuple, fn: Callable[[Backend], dict], *,
                      max_age: int = 0) -> Response:
        """The JSON answer of ``fn(backend)`` (a dict; ``synthetic`` is added), cached under ``key``."""
        gen = self.generation
        ck = (gen, *key)
        body = self._cache.get(ck) if self.cache_enabled else None
        if body is None:
            raw = await run_in_threadpool(self._compute, fn)
            body = _Body(raw, '"' + hashlib.blake2b(raw, digest_size=10).hexdigest() + '"')
            if self.cache_enabled and gen == self.generation:
                with self._cache_lock:
                    self._cache[ck] = body
                    while len(self._cache) > CACHE_ENTRIES:
                        self._cache.popitem(last=False)
        self.remember(request, body, max_age, gen)
        return send(request, body, max_age=max_age)

    def remember(self, request: Request, body: _Body, max_age: int, generation: int | None = None) -> None:
        """Serve later GETs of exactly this URL from ``body`` (see :class:`FastPath`)."""
        gen = self.generation if generation is None else generation
        if self.cache_enabled and gen == self.generation:
            if len(self.by_url) >= CACHE_ENTRIES:
                self.by_url.clear()
            body.max_age = max_age
            self.by_url[url_key(gen, request.scope)] = body

    def cached_body(self, key: tuple, make: Callable[[], bytes]) -> _Body:
        """A cached body that needs no database (geometry, catalogues)."""
        ck = ("static", *key)
        body = self._cache.get(ck)
        if body is None:
            raw = make()
            body = _Body(raw, '"' + hashlib.blake2b(raw, digest_size=10).hexdigest() + '"')
            with self._cache_lock:
                self._cache[ck] = body
        return body


def send(request: Request, body: _Body, *, max_age: int = 0, media_type: str = "application/json") -> Response:
    """A response for a cached body: 304 when the client has it, gzip when large and accepted."""
    headers = {"ETag": body.etag, "Cache-Control": f"max-age={max_age}, must-revalidate" if max_age
               else "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == body.etag:
        return Response(status_code=304, headers=headers)
    if len(body.raw) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped(), media_type=media_type, headers=headers)
    return Response(body.raw, media_type=media_type, headers=headers)


def url_key(generation: int, scope: dict) -> tuple:
    """An answer's exact-URL key: path and the query's pairs in order of name."""
    pairs = tuple(sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)))
    return (generation, scope["path"], pairs)


class FastPath:
    """ASGI middleware: a GET whose exact URL was answered before is served from the cache at once.

    The answer is the same bytes the router produced (with ETag, 304 and gzip handled as in
    :func:`send`), so hits skip routing, dependency injection and parameter validation. Misses and
    every other request go to the application unchanged.
    """

    def __init__(self, app: Any, atlas: Atlas):
        self.app = app
        self.atlas = atlas

    async def __call__(self, scope: dict, receive: Any, send_: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.atlas.cache_enabled:
            body = self.atlas.by_url.get(url_key(self.atlas.generation, scope))
            if body is not None:
                await self._serve(scope, body, send_)
                return
        await self.app(scope, receive, send_)

    @staticmethod
    async def _serve(scope: dict, body: _Body, send_: Any) -> None:
        headers = dict(scope["headers"])
        cache = f"max-age={body.max_age}, must-revalidate" if body.max_age else "no-cache"
        out = [(b"etag", body.etag.encode()), (b"cache-control", cache.encode()), (b"vary", b"Accept-Encoding")]
        if headers.get(b"if-none-match", b"").decode() == body.etag:
            await send_({"type": "http.response.start", "status": 304, "headers": out})
            await send_({"type": "http.response.body", "body": b""})
            return
        content = body.raw
        if len(content) >= GZIP_MIN_BYTES and b"gzip" in headers.get(b"accept-encoding", b""):
            content = body.gzipped()
            out.append((b"content-encoding", b"gzip"))
        out += [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
        await send_({"type": "http.response.start", "status": 200, "headers": out})
        await send_({"type": "http.response.body", "body": content})


async def get_atlas(request: Request) -> Atlas:
    """The application's :class:`Atlas` (async: a plain function would cost a thread hop per request)."""
    return request.app.state.atlas


AtlasDep = Annotated[Atlas, Depends(get_atlas)]


def not_found(message: str) -> HTTPException:
    """A 404 in the one error shape (see :mod:`chainatlas.api.app`)."""
    return HTTPException(status_code=404, detail=message)


def too_large(message: str) -> HTTPException:
    """A 413 in the one error shape."""
    return HTTPException(status_code=413, detail=message)


def page(frame: pd.DataFrame, limit: int, offset: int) -> dict:
    """One page of a frame with its paging fields."""
    return {"total": len(frame), "limit": limit, "offset": offset,
            "data": Records(frame.iloc[offset:offset + limit].reset_index(drop=True))}


# ---------------------------------------------------------------------------------------------- uploads
@dataclass
class Upload:
    """An uploaded file waiting to be loaded, with its validation report."""

    id: str
    kind: str
    filename: str
    path: Path
    size: int
    created: float
    report: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    loaded: dict | None = None


class UploadStore:
    """Uploaded files in a private temporary folder, removed when the server stops."""

    MAX_BYTES = 200 * 1024 * 1024
    MAX_KEPT = 50

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chainatlas-uploads-"))
        self.items: OrderedDict[str, Upload] = OrderedDict()
        self.lock = threading.Lock()

    def new_path(self, filename: str) -> tuple[str, Path]:
        uid = secrets.token_hex(8)
        folder = self.dir / uid
        folder.mkdir()
        safe = Path(filename).name.replace("\x00", "") or "upload.csv"
        return uid, folder / safe

    def add(self, upload: Upload) -> None:
        with self.lock:
            self.items[upload.id] = upload
            while len(self.items) > self.MAX_KEPT:
                _, old = self.items.popitem(last=False)
                shutil.rmtree(old.path.parent, ignore_errors=True)

    def get(self, uid: str) -> Upload | None:
        return self.items.get(uid)

    def discard(self, uid: str) -> None:
        """Remove the folder of an upload that was never registered (failed or refused)."""
        shutil.rmtree(self.dir / uid, ignore_errors=True)

    def remove(self, uid: str) -> bool:
        with self.lock:
            up = self.items.pop(uid, None)
        if up is None:
            return False
        shutil.rmtree(up.path.parent, ignore_errors=True)
        return True

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


async def get_uploads(request: Request) -> UploadStore:
    """The application's :class:`UploadStore`."""
    return request.app.state.uploads


UploadsDep = Annotated[UploadStore, Depends(get_uploads)]


def now() -> float:
    """Seconds since the epoch (upload times)."""
    return time.time()
