"""Run the application in a background thread on a free local port (tests, benchmarks, notebooks).

>>> from chainatlas.api.app import create_app                   # doctest: +SKIP
>>> with LocalServer(create_app("atlas.duckdb")) as url:         # doctest: +SKIP
...     httpx.get(f"{url}/api/meta").json()["synthetic"]
"""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from chainatlas.errors import ConfigError

__all__ = ["LocalServer"]


class LocalServer:
    """A uvicorn server for ``app`` in a daemon thread; ``url`` is set once it accepts connections.

    Parameters
    ----------
    app : FastAPI
    host : str
        Listen address (loopback by default).
    port : int
        0 picks a free port.
    """

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0):
        self.config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="chainatlas-server", daemon=True)
        self.url = ""

    def start(self, timeout: float = 30.0) -> str:
        """Start serving; returns the base URL (``http://127.0.0.1:PORT``)."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(
                    f"the local server did not start within {timeout:.0f}s "
                    f"(port {self.config.port} in use, or the app failed on startup)"
                )
            time.sleep(0.02)
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
