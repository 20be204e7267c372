"""The one seam to the atlas database: pooled read-only backends behind a readers–writer lock.

Every router gets data through :class:`Atlas` (Datasette's ``execute_fn`` pattern): it lends a
read-only :class:`~chainatlas.storage.base.Backend` from a small pool to a function, runs the
function in a worker thread and caches the serialised answer (:mod:`chainatlas.api.cache`). No
router opens a connection.

While the server runs, the atlas only changes through this process (its open read-only
connections keep other writers out), so a cached answer stays valid until :meth:`Atlas.writer`
clears the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chainatlas.api.cache import AnswerCache, Body, answer_key, send
from chainatlas.api.render import render
from chainatlas.errors import AccessError, ChainAtlasError
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend, open_backend

__all__ = ["Atlas", "slot"]

log = logging.getLogger("chainatlas.api")


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
        self.read_only = read_only
        self.cache = AnswerCache(enabled=cache)
        self._pool: queue.LifoQueue[Backend] = queue.LifoQueue()
        self._opened = 0
        self._slots = threading.BoundedSemaphore(pool_size)
        self._open_lock = threading.Lock()
        self._rw = _RWLock()
        self._synthetic: tuple[int, bool] | None = None

    @property
    def generation(self) -> int:
        """Bumped by every write (cached answers belong to one generation)."""
        return self.cache.generation

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
            raise AccessError(
                "this server was started read-only; load files with `chainatlas ingest` instead"
            )
        with self._rw.write():
            self.close()
            b = open_backend(self.path, read_only=False, command=command)
            try:
                yield b
            finally:
                b.close()
                self.cache.clear()
                self._synthetic = None

    # -- answers -----------------------------------------------------------------------------------
    def synthetic(self, backend: Backend | None = None) -> bool:
        """Whether the atlas contains any synthetic record (cached per generation)."""
        gen = self.generation
        if self._synthetic is not None and self._synthetic[0] == gen:
            return self._synthetic[1]
        if not self.path.exists():
            return False
        value = (
            bool(query.dataset_info(backend)["contains_synthetic"])
            if backend is not None
            else bool(self.read(lambda b: query.dataset_info(b)["contains_synthetic"]))
        )
        self._synthetic = (gen, value)
        return value

    def _compute(self, fn: Callable[[Backend], dict]) -> bytes:
        with self.backend() as b:
            payload = fn(b)
            return render({"synthetic": self.synthetic(b), **payload})

    async def answer(
        self,
        request: Request,
        arguments: Mapping[str, Any],
        fn: Callable[[Backend], dict],
        *,
        max_age: int = 0,
        gate: asyncio.Semaphore | None = None,
        wait: float = 30.0,
    ) -> Response:
        """The JSON answer of ``fn(backend)`` (a dict; ``synthetic`` is added), cached under the route and
        its validated ``arguments`` (pass the endpoint's ``locals()``; see :func:`~chainatlas.api.cache.answer_key`).

        With ``gate``, an answer not cached is computed only in one of its slots; after ``wait`` seconds
        without one the client gets a 503 with ``Retry-After`` (expensive analyses cannot take every
        connection and core)."""
        key = answer_key(request, arguments)
        gen = self.generation
        body = self.cache.get(key, gen)
        if body is None:
            async with slot(gate, wait):
                body = Body.of(await run_in_threadpool(self._compute, fn))
            self.cache.put(key, body, gen)
        self.cache.remember(request, body, max_age, gen)
        return send(request, body, max_age=max_age)


@contextlib.asynccontextmanager
async def slot(
    gate: asyncio.Semaphore | None, wait: float, busy: str = "the server is busy with other analyses"
) -> AsyncIterator[None]:
    """Hold one of ``gate``'s slots (none needed without a gate); a 503 saying ``busy`` after ``wait`` seconds."""
    if gate is None:
        yield
        return
    try:
        await asyncio.wait_for(gate.acquire(), wait)
    except TimeoutError:
        raise HTTPException(
            status_code=503,
            detail=f"{busy} (waited {wait:.0f} s); try again shortly",
            headers={"Retry-After": "10"},
        ) from None
    try:
        yield
    finally:
        gate.release()
