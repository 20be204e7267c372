"""API fixtures: the shared small synthetic atlas (``built_db`` from tests/conftest.py) served over real HTTP.

The server runs in a thread (uvicorn on a free port) and tests talk to it with httpx, so routing,
serialisation, compression and the error handlers are exercised exactly as a browser meets them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainatlas.api.app import create_app
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer

#: what every state-changing request must carry (see chainatlas.api.security)
CSRF = {CSRF_HEADER: CSRF_VALUE}


@pytest.fixture(scope="session")
def base_url(built_db: Path) -> Iterator[str]:
    with LocalServer(create_app(built_db)) as url:
        yield url


@pytest.fixture(scope="session")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, headers=CSRF) as c:
        yield c


@pytest.fixture()
def writable_client(built_db: Path, tmp_path: Path) -> Iterator[httpx.Client]:
    """A server over a private copy of the atlas, for tests that load data."""
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    with LocalServer(create_app(db)) as url, httpx.Client(base_url=url, timeout=120, headers=CSRF) as c:
        yield c


@pytest.fixture(scope="session")
def meta(client: httpx.Client) -> dict:
    return client.get("/api/meta").json()


@pytest.fixture(scope="session")
def spec(client: httpx.Client) -> dict:
    return client.get("/openapi.json").json()


#: minimal values for the required parameters of every GET route
SAMPLE_QUERY = {"layer": "industry", "a": "310100", "b": "320500", "chain": "ic", "text": "芯片封装"}
SAMPLE_PATH = {"unit": "320500", "chain": "ic", "layer": "industry", "attr": "firms", "kind": "firms"}


def every_get(client: httpx.Client) -> Iterator[tuple[str, httpx.Response]]:
    """Every GET of the OpenAPI document, called with minimal parameters (uploads and entities left out: they
    need ids): the route's path template and its answer."""
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        if "get" not in ops or "{uid}" in path or "{entity_id}" in path:
            continue
        params = {
            p["name"]: SAMPLE_QUERY[p["name"]]
            for p in ops["get"].get("parameters", [])
            if p.get("required") and p["in"] == "query"
        }
        if path == "/api/compare":
            params["b"] = SAMPLE_QUERY["b"]
        yield path, client.get(path.format(**SAMPLE_PATH), params=params)


@pytest.fixture(scope="session")
def sweep():
    """:func:`every_get`, for the tests that walk the whole API."""
    return every_get
