"""The HTTP cache: serialised answers kept per atlas generation, ETags, gzip, and the exact-URL fast path.

An answer is cached under :func:`answer_key`: the reader's scope (:func:`chainatlas.pipeline.query.current_scope`),
the route's path template and every parameter the route declares (query and path), with the values FastAPI
validated. The names come from the route
itself, so no router can forget one: two requests share an entry exactly when they ask the same
question. The same bytes are also kept by exact URL for :class:`FastPath`, which serves repeated
GETs before routing. :meth:`AnswerCache.clear` (called when the atlas is written) bumps the
generation and drops both.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response

from chainatlas.pipeline.query import current_scope

__all__ = ["AnswerCache", "Body", "FastPath", "answer_key", "send", "url_key"]

#: how many answers to keep per generation, and from which size a body is sent compressed
CACHE_ENTRIES = 2048
GZIP_MIN_BYTES = 16_384


@dataclass
class Body:
    """A serialised answer with its ETag (and, once asked for, its gzip form)."""

    raw: bytes
    etag: str
    gz: bytes | None = None
    max_age: int = 0

    @classmethod
    def of(cls, raw: bytes) -> Body:
        return cls(raw, '"' + hashlib.blake2b(raw, digest_size=10).hexdigest() + '"')

    def gzipped(self) -> bytes:
        if self.gz is None:
            self.gz = gzip.compress(self.raw, compresslevel=5)
        return self.gz


# ---------------------------------------------------------------------------------------------- keys
def _declared(route: Any) -> tuple[str, ...]:
    """Names of every query and path parameter a route declares (its dependencies' included), sorted."""
    names: set[str] = set()
    todo = [route.dependant]
    while todo:
        d = todo.pop()
        names.update(p.name for p in (*d.query_params, *d.path_params))
        todo.extend(d.dependencies)
    return tuple(sorted(names))


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def answer_key(request: Request, arguments: Mapping[str, Any]) -> tuple:
    """The cache key of an endpoint's answer: ``(path template, ((name, value), ...))``.

    ``arguments`` are the endpoint's validated arguments — pass ``locals()``; only the names the
    route declares are read (lists become tuples, their order kept), so extra locals do no harm and
    a missing parameter is an error rather than a shared answer.
    """
    route = request.scope["route"]
    names = _declared(route)
    missing = [n for n in names if n not in arguments]
    if missing:
        raise RuntimeError(
            f"answer_key: {route.path_format} declares {missing} but they were not passed; "
            f"pass the endpoint's locals()"
        )
    # the reader's scope is part of the question: a city's user and the region's get different answers
    return (route.path_format, current_scope().key, tuple((n, _frozen(arguments[n])) for n in names))


def url_key(generation: int, scope: dict) -> tuple:
    """An answer's exact-URL key: the reader's scope, path and the query's pairs ordered by name (repeated
    names keep their order, which can matter)."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return (generation, current_scope().key, scope["path"], tuple(sorted(pairs, key=lambda kv: kv[0])))


# ---------------------------------------------------------------------------------------------- store
class AnswerCache:
    """Serialised answers of the current generation, by :func:`answer_key` and by exact URL.

    Parameters
    ----------
    enabled : bool
        Keep answers (turn off to measure raw query cost); static bodies are kept regardless.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.generation = 0
        self._entries: OrderedDict[tuple, Body] = OrderedDict()
        #: the same answers by exact URL, for :class:`FastPath` (hits skip routing and validation)
        self.by_url: dict[tuple, Body] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, generation: int) -> Body | None:
        return self._entries.get((generation, *key)) if self.enabled else None

    def put(self, key: tuple, body: Body, generation: int) -> None:
        """Keep ``body`` unless caching is off or the atlas changed while it was computed."""
        if self.enabled and generation == self.generation:
            with self._lock:
                self._entries[(generation, *key)] = body
                while len(self._entries) > CACHE_ENTRIES:
                    self._entries.popitem(last=False)

    def remember(self, request: Request, body: Body, max_age: int, generation: int | None = None) -> None:
        """Serve later GETs of exactly this URL from ``body`` (see :class:`FastPath`)."""
        gen = self.generation if generation is None else generation
        if self.enabled and gen == self.generation:
            if len(self.by_url) >= CACHE_ENTRIES:
                self.by_url.clear()
            body.max_age = max_age
            self.by_url[url_key(gen, request.scope)] = body

    def lookup_url(self, scope: dict) -> Body | None:
        return self.by_url.get(url_key(self.generation, scope)) if self.enabled else None

    def static(self, key: tuple, make: Callable[[], bytes]) -> Body:
        """A body that needs no database (geometry, catalogues), made once."""
        ck = ("static", *key)
        body = self._entries.get(ck)
        if body is None:
            body = Body.of(make())
            with self._lock:
                self._entries[ck] = body
        return body

    def clear(self) -> None:
        """The atlas changed: a new generation, nothing kept."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self.by_url.clear()


# ---------------------------------------------------------------------------------------------- HTTP
def _headers(etag: str, max_age: int) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": f"max-age={max_age}, must-revalidate" if max_age else "no-cache",
        "Vary": "Accept-Encoding",
    }


def send(request: Request, body: Body, *, max_age: int = 0, media_type: str = "application/json") -> Response:
    """A response for a cached body: 304 when the client has it, gzip when large and accepted."""
    headers = _headers(body.etag, max_age)
    if request.headers.get("if-none-match") == body.etag:
        return Response(status_code=304, headers=headers)
    if len(body.raw) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped(), media_type=media_type, headers=headers)
    return Response(body.raw, media_type=media_type, headers=headers)


class FastPath:
    """ASGI middleware: a GET whose exact URL was answered before is served from the cache at once.

    The answer is the same bytes the router produced (with ETag, 304 and gzip handled as in
    :func:`send`), so hits skip routing, dependency injection and parameter validation. Misses and
    every other request go to the application unchanged.
    """

    def __init__(self, app: Any, cache: AnswerCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: dict, receive: Any, send_: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = self.cache.lookup_url(scope)
            if body is not None:
                await self._serve(scope, body, send_)
                return
        await self.app(scope, receive, send_)

    @staticmethod
    async def _serve(scope: dict, body: Body, send_: Any) -> None:
        headers = dict(scope["headers"])
        out = [(k.lower().encode(), v.encode()) for k, v in _headers(body.etag, body.max_age).items()]
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
