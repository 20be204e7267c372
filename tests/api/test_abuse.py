"""Requests no client should send: every one gets a 4xx in the one error shape, never a 5xx.

Families (issue 9): numbers far outside their bounds (2^63, 10^30, negative, inf, NaN), NUL and other
control characters in every string parameter and path id, very long strings, unknown methods (405
with ``Allow``), an upload with a very long file name; and answers that must not show the server's
folders or another process's command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from chainatlas.api.app import LOCKED, create_app
from chainatlas.api.server import LocalServer
from chainatlas.api.uploads import ERRORS_FILE, Upload, stored_name
from chainatlas.errors import LockError

HUGE = ["9223372036854775808", "99999999999999999999999", "-1", "-9223372036854775809", "1e400", "inf", "nan"]
CONTROL = ["\x00", "a\x00b", "\x01", "\x1f", "\x7f", "\x85", "x\ty", "x\ny"]
LONG = "长" * 5000
#: values for the required parameters (as tests/api/conftest.py's sweep uses)
SAMPLE_QUERY = {"layer": "industry", "a": "310100", "b": "320500", "chain": "ic"}
SAMPLE_PATH = {"unit": "320500", "chain": "ic", "layer": "industry", "attr": "firms", "kind": "firms"}


def assert_error(r: httpx.Response, status: int, kind: str, *words: str) -> dict:
    """The one error shape with this status and type, its message holding ``words``."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"synthetic", "error"} and set(body["error"]) == {
        "status",
        "type",
        "message",
        "details",
    }
    assert (body["error"]["status"], body["error"]["type"]) == (status, kind), body
    for w in words:
        assert w in body["error"]["message"], body["error"]["message"]
    return body["error"]


def _operations(spec: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation of the document."""
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _base(op: dict) -> dict:
    return {
        p["name"]: SAMPLE_QUERY[p["name"]]
        for p in op.get("parameters", [])
        if p.get("required") and p["in"] == "query" and p["name"] in SAMPLE_QUERY
    }


def _is_error_shape(r: httpx.Response) -> None:
    assert r.status_code < 500, (r.request.url, r.text[:300])
    if r.status_code >= 400:
        body = r.json()
        assert set(body) == {"synthetic", "error"}, body
        assert set(body["error"]) == {"status", "type", "message", "details"}


def _call(c: httpx.Client, method: str, path: str, params: dict) -> httpx.Response:
    body = b"a,b\n1,2\n" if method == "post" else None
    return c.request(
        method.upper(),
        path.format(**{**SAMPLE_PATH, "uid": "0" * 16, "entity_id": "X"}),
        params=params,
        content=body,
    )


def test_out_of_range_numbers_are_422_in_every_parameter(client, spec):
    for method, path, op in _operations(spec):
        for p in op.get("parameters", []):
            schema = p["schema"].get("anyOf", [p["schema"]])[0]
            if p["in"] != "query" or schema.get("type") not in ("integer", "number"):
                continue
            for v in HUGE:
                r = _call(client, method, path, {**_base(op), p["name"]: v})
                _is_error_shape(r)
                if v not in ("-1",) or schema.get("minimum", -1) > -1:
                    assert r.status_code == 422, (path, p["name"], v, r.text[:200])


def test_control_characters_are_422_naming_the_parameter(client, spec):
    for method, path, op in _operations(spec):
        for p in op.get("parameters", []):
            schema = p["schema"].get("anyOf", [p["schema"]])[0]
            if schema.get("type") != "string" or p["in"] not in ("query", "path"):
                continue
            for v in CONTROL:
                if p["in"] == "query":
                    r = _call(client, method, path, {**_base(op), p["name"]: v})
                else:
                    r = client.request(
                        method.upper(),
                        path.format(
                            **{**SAMPLE_PATH, "uid": "0" * 16, "entity_id": "X", p["name"]: quote(v, safe="")}
                        ),
                        params=_base(op),
                    )
                _is_error_shape(r)
                assert r.status_code == 422, (path, p["name"], repr(v), r.text[:200])
                assert p["name"] in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/entities?offset=9223372036854775808",
        "/api/entities?q=%00",
        "/api/entities/%00",
        "/api/edges?layer=industry&place=%00",
        "/api/uploads/%00/errors",
        f"/api/entities?q={LONG[:1000]}",
        f"/api/entities/{LONG[:1000]}",
        f"/api/places/{LONG[:1000]}",
        "/api/analytics/topics/complexity?threshold=inf",
        "/api/analytics/topics/moran?seed=18446744073709551616",
    ],
)
def test_the_reported_500s_are_4xx(client, url):
    r = client.get(url)
    _is_error_shape(r)
    assert r.status_code == 422, r.text


def test_very_long_strings_get_no_5xx(client, spec):
    for method, path, op in _operations(spec):
        for p in op.get("parameters", []):
            schema = p["schema"].get("anyOf", [p["schema"]])[0]
            if p["in"] == "query" and schema.get("type") == "string":
                _is_error_shape(_call(client, method, path, {**_base(op), p["name"]: LONG}))


def test_unknown_methods_are_405_with_allow(client, spec):
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path, ops in spec["paths"].items():
            if method.lower() in ops:
                continue
            r = client.request(method, path.format(**{**SAMPLE_PATH, "uid": "0" * 16, "entity_id": "X"}))
            err = assert_error(r, 405, "MethodNotAllowed", method)
            allowed = {m.upper() for m in ops}
            assert allowed <= {a.strip() for a in r.headers["allow"].split(",")}, (path, r.headers["allow"])
            assert not err["details"]


def test_an_upload_with_a_very_long_name_is_validated(client):
    name = "供应链" * 66 + ".csv"  # 198 characters, 598 bytes: more than a file system allows
    r = client.post("/api/uploads", params={"filename": name, "kind": "firms"}, content=b"a,b\n1,2\n")
    _is_error_shape(r)
    assert r.status_code in (201, 422), r.text
    assert len(stored_name(name).encode()) <= 120 and stored_name(name).endswith(".csv")


@pytest.mark.parametrize("name", ["../../x.csv", "a/b\\c.csv", "..csv", "x" * 300 + ".csv", "名.xlsx"])
def test_stored_names_stay_in_the_upload_folder(name):
    out = stored_name(name)
    assert "/" not in out and "\\" not in out and out not in (".", "..") and len(out.encode()) <= 120
    assert out.endswith(Path(name).suffix)


def test_health_and_errors_show_no_server_folders(client, built_db):
    health = client.get("/api/health").json()
    assert health["database"] == built_db.name
    assert str(built_db.parent) not in json.dumps(health)


def test_a_locked_atlas_names_no_process(tmp_path, monkeypatch):
    """The CLI says which command holds the atlas; the API says only that it is busy."""
    from chainatlas.api import atlas as atlas_mod

    def locked(*a, **k):
        raise LockError(
            f"the atlas database {tmp_path}/a.duckdb is open for writing by `chainatlas build` (pid 1)"
        )

    monkeypatch.setattr(atlas_mod, "open_backend", locked)
    with LocalServer(create_app(tmp_path / "a.duckdb", prewarm=False)) as url:
        err = assert_error(httpx.get(f"{url}/api/meta"), 503, "LockError")
    assert err["message"] == LOCKED


def test_upload_errors_beyond_the_kept_ones_are_paged_from_disk(tmp_path):
    up = Upload("u1", "firms", "f.csv", tmp_path / "f.csv", 1, 0.0)
    errors = [
        {"file": "f.csv", "row": i, "column": "c", "value": str(i), "rule": "r", "message": "m"}
        for i in range(2500)
    ]
    up.keep_errors(iter(errors), keep=10)
    assert up.errors_total == 2500 and len(up.errors) == 10
    assert (tmp_path / ERRORS_FILE).exists()
    assert up.error_page(5, 0) == errors[:5]
    assert up.error_page(20, 5) == errors[5:25]
    assert up.error_page(7, 1998) == errors[1998:2005]
    assert up.error_page(100, 2450) == errors[2450:]
    assert up.error_page(10, 2500) == []


def test_a_permutation_test_beyond_the_budget_is_400(client, monkeypatch):
    monkeypatch.setenv("CHAINATLAS_API_PERMUTATION_BUDGET", "10000")
    r = client.get("/api/analytics/topics/moran", params={"scale": "county", "permutations": 999, "seed": 3})
    err = assert_error(r, 400, "ConfigError", "permutations", "at most", "chainatlas analyze moran")
    assert "county" in err["message"]
