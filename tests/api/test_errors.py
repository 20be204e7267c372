"""One JSON error shape for every error, pinned (Datasette's habit): status, type, message, details."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from chainatlas.api.app import create_app
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer

#: the exact shape; a change here is a breaking change of the API
ERROR_KEYS = {"synthetic", "error"}
ERROR_BODY_KEYS = {"status", "type", "message", "details"}
#: what every state-changing request must carry (see chainatlas.api.security)
CSRF = {CSRF_HEADER: CSRF_VALUE}


def assert_error(r: httpx.Response, status: int, kind: str, *words: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == ERROR_KEYS
    assert body["synthetic"] is False
    assert set(body["error"]) == ERROR_BODY_KEYS
    assert body["error"]["status"] == status
    assert body["error"]["type"] == kind
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    for w in words:
        assert w in body["error"]["message"], body["error"]["message"]
    return body["error"]


CASES = [
    # (method, url, status, type, words in the message)
    ("GET", "/api/nope", 404, "NotFound", ["/api/nope", "openapi"]),
    ("GET", "/api/places/999999", 404, "NotFound", ["999999", "city"]),
    ("GET", "/api/places/320500?scale=province", 404, "NotFound", ["320500", "province"]),
    ("GET", "/api/chains/xx", 404, "NotFound", ["xx", "ic"]),
    ("GET", "/api/chains/xx/matrix", 404, "NotFound", ["xx"]),
    ("GET", "/api/chains/xx/sankey", 404, "NotFound", ["xx"]),
    ("GET", "/api/layers/bogus", 404, "NotFound", ["bogus", "innovation"]),
    ("GET", "/api/entities/NOPE", 404, "NotFound", ["NOPE"]),
    ("GET", "/api/indicators/bogus/series", 404, "NotFound", ["bogus", "firms"]),
    ("GET", "/api/templates/bogus", 404, "NotFound", ["bogus", "firms"]),
    ("GET", "/api/uploads/abc", 404, "NotFound", ["abc"]),
    ("GET", "/api/edges", 422, "ValidationError", ["layer"]),
    ("GET", "/api/edges?layer=bogus", 422, "ValidationError", ["layer", "innovation"]),
    ("GET", "/api/edges?layer=innovation&scale=planet", 422, "ValidationError", ["scale"]),
    ("GET", "/api/edges?layer=innovation&limit=0", 422, "ValidationError", ["limit"]),
    ("GET", "/api/edges?layer=innovation&offset=-1", 422, "ValidationError", ["offset"]),
    ("GET", "/api/edges?layer=innovation&period=abc", 422, "ValidationError", ["period"]),
    ("GET", "/api/edges?layer=innovation&period=1999", 400, "ConfigError", ["1999", "built periods"]),
    ("GET", "/api/edges?layer=innovation&chain=xx", 400, "ConfigError", ["chain", "xx", "ic"]),
    ("GET", "/api/edges?layer=innovation&chain=ic&segment=xx", 400, "ConfigError", ["segment", "xx"]),
    ("GET", "/api/edges?layer=innovation&segment=design", 400, "ConfigError", ["segment", "chain"]),
    ("GET", "/api/edges?layer=innovation&place=999999", 400, "ConfigError", ["place", "999999"]),
    ("GET", "/api/nodes?attr=bogus", 400, "ConfigError", ["bogus", "firms"]),
    ("GET", "/api/nodes?place=999999", 400, "ConfigError", ["place"]),
    ("GET", "/api/compare?a=310100", 400, "ConfigError", ["period_b"]),
    ("GET", "/api/compare?a=310100&b=999999", 404, "NotFound", ["999999"]),
    ("GET", "/api/entities?type=alien", 400, "ConfigError", ["alien", "firm"]),
    ("GET", "/api/inventory?kind=bogus", 400, "ConfigError", ["bogus"]),
    ("GET", "/api/analytics/topics/network?layer=industry&weight=heavy", 422, "ValidationError", ["weight"]),
    (
        "GET",
        "/api/analytics/topics/network?layer=industry&attr=x",
        400,
        "ConfigError",
        ["attr", "takes no parameter"],
    ),
    ("GET", "/api/chains/ic/sankey?weight=heavy", 422, "ValidationError", ["weight"]),
    ("GET", "/api/analytics/topics/bogus", 404, "NotFound", ["/api/analytics/topics/bogus"]),
    ("GET", "/api/analytics/topics/pairing", 422, "ValidationError", ["chain"]),
    ("GET", "/api/analytics/topics/roles?area=nowhere", 400, "ConfigError", ["area", "nowhere", "g60"]),
    ("GET", "/api/analytics/topics/qap?permutations=5", 422, "ValidationError", ["permutations"]),
    ("DELETE", "/api/meta", 405, "MethodNotAllowed", ["DELETE"]),
    ("POST", "/api/uploads?filename=firms.doc", 400, "ConfigError", ["suffix", ".csv"]),
    ("POST", "/api/uploads?filename=whatever.csv", 400, "ConfigError", ["kind"]),
    ("POST", "/api/uploads?filename=firms.csv&kind=bogus", 400, "ConfigError", ["bogus"]),
    ("POST", "/api/uploads?filename=firms.csv", 400, "ConfigError", ["empty"]),
    ("POST", "/api/uploads", 422, "ValidationError", ["filename"]),
]


@pytest.mark.parametrize(
    ("method", "url", "status", "kind", "words"), CASES, ids=[f"{c[2]}-{c[0]} {c[1]}" for c in CASES]
)
def test_every_error_has_the_one_shape(client, method, url, status, kind, words):
    assert_error(client.request(method, url), status, kind, *words)


def test_validation_errors_list_each_problem(client):
    err = assert_error(client.get("/api/edges?layer=bogus&limit=0"), 422, "ValidationError")
    assert {d["location"] for d in err["details"]} == {"query.layer", "query.limit"}
    assert all(set(d) == {"location", "message", "input"} for d in err["details"])


def test_missing_database_is_503_with_the_fix(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    with LocalServer(create_app(missing)) as url:
        r = httpx.get(f"{url}/api/meta")
        err = assert_error(r, 503, "BackendError", "none.duckdb", "make demo")
        assert str(tmp_path) not in err["message"]  # the file's name, never the server's folders
        # the UI and geometry still work without an atlas
        assert httpx.get(f"{url}/api/geo?scale=city").status_code == 200
        assert httpx.get(f"{url}/api/health").json()["exists"] is False


def test_upload_too_large_is_413(client, monkeypatch):
    from chainatlas.api.uploads import UploadStore

    monkeypatch.setattr(UploadStore, "MAX_BYTES", 10)
    r = client.post("/api/uploads?filename=firms.csv", content=b"x" * 100)
    assert_error(r, 413, "PayloadTooLarge", "chainatlas ingest")


def test_load_refused_on_a_read_only_server(built_db, tmp_path):
    csv = tmp_path / "firms.csv"
    csv.write_text("credit_code,name,adcode\n91310000MA1FL8TQ4K,测试企业,310101\n", encoding="utf-8")
    with LocalServer(create_app(built_db, read_only=True)) as url:
        up = httpx.post(
            f"{url}/api/uploads?filename=firms.csv", content=csv.read_bytes(), headers=CSRF
        ).json()
        r = httpx.post(f"{url}/api/uploads/{up['id']}/load", headers=CSRF)
        assert_error(r, 403, "AccessError", "read-only")


def test_an_unexpected_failure_is_500_in_the_same_shape(built_db, monkeypatch):
    from chainatlas.pipeline import views

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "chain_matrix", boom)
    with LocalServer(create_app(built_db)) as url:
        r = httpx.get(f"{url}/api/chains/ic/matrix")
    err = assert_error(r, 500, "InternalError", "RuntimeError")
    assert "secret internals" not in err["message"]


def test_not_built_is_409_conflict_not_a_bad_parameter(built_db, monkeypatch):
    from chainatlas.errors import NotBuiltError
    from chainatlas.pipeline import views

    def unbuilt(*a, **k):
        raise NotBuiltError("the atlas has no built layers yet; run `chainatlas build`")

    monkeypatch.setattr(views, "chain_matrix", unbuilt)
    with LocalServer(create_app(built_db, prewarm=False)) as url:
        r = httpx.get(f"{url}/api/chains/ic/matrix")
    assert_error(r, 409, "NotBuiltError", "chainatlas build")


def test_an_unbuilt_atlas_answers_409_not_an_error(tmp_path, sweep):
    """Every GET of the document against an atlas with nothing built: 200 (catalogues, geometry) or 409 NotBuilt
    ("run chainatlas build"), never a 5xx or a 400 bad parameter."""
    from chainatlas.api.app import create_app
    from chainatlas.api.server import LocalServer
    from chainatlas.storage.base import open_backend

    db = tmp_path / "empty.duckdb"
    open_backend(db).close()
    with LocalServer(create_app(db, prewarm=False)) as url, httpx.Client(base_url=url, timeout=60) as client:
        seen = set()
        for path, r in sweep(client):
            assert r.status_code in (200, 404, 409), (path, r.status_code, r.text[:300])
            if r.status_code == 409:
                error = r.json()["error"]
                assert error["type"] == "NotBuiltError" and "chainatlas build" in error["message"]
            seen.add(r.status_code)
    assert 409 in seen
