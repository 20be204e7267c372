"""Access control (issue 12): users, credentials and jurisdiction-scoped reads, over real HTTP.

The matrix: role × jurisdiction × resource. Every entity-level answer a user gets holds 0 rows from outside
their jurisdiction — checked against the atlas itself (DuckDB SQL on the file, independent of the read seam);
401 without a credential, 403 without a jurisdiction or the right role.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.server import LocalServer
from chainatlas.storage.users import UserStore

#: (user, role, jurisdiction, adcode prefix of what they may see)
USERS = [
    ("region", "admin", "YRD", ""),
    ("js", "viewer", "320000", "32"),
    ("sz", "analyst", "320500", "3205"),
    ("sh", "viewer", "310000", "31"),
]
CSRF = {"X-Requested-With": "chainatlas"}


@pytest.fixture(scope="module")
def served(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    db = tmp_path_factory.mktemp("access") / "atlas.duckdb"
    shutil.copy(built_db, db)
    store = UserStore(config.side_file(db, "users"))
    keys = {name: store.add(name, role, jur) for name, role, jur, _ in USERS}
    keys["nobody"] = store.add("nobody", "viewer", None)
    store.add("pw", "viewer", "320500", password="correct horse battery")
    # the checks read a copy: this process's server holds the atlas open with its own settings
    check = db.with_name("check.duckdb")
    shutil.copy(db, check)
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys, check


def sql(db: Path, q: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(q).fetchall()


def get(url: str, path: str, key: str | None = None, **params) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.get(url + path, params=params, headers=headers, timeout=120)


def test_every_api_request_needs_a_credential_once_users_exist(served):
    url, _keys, _ = served
    for path in ("/api/meta", "/api/entities", "/api/nodes", "/api/chains"):
        r = get(url, path)
        assert r.status_code == 401, path
        assert r.json()["error"]["type"] == "Unauthorized" and r.headers["www-authenticate"].startswith(
            "Bearer"
        )
    assert get(url, "/api/meta", "ca_000000000000_forged").status_code == 401
    # the UI's files and the sign-in need none
    assert httpx.get(url + "/").status_code == 200
    assert get(url, "/api/auth").json()["mode"] == "users"


def test_a_user_without_jurisdiction_gets_nothing(served):
    url, keys, _ = served
    r = get(url, "/api/meta", keys["nobody"])
    assert r.status_code == 403 and "no jurisdiction" in r.json()["error"]["message"]


@pytest.mark.parametrize(("name", "role", "jur", "prefix"), USERS)
def test_entities_hold_nothing_from_outside_the_jurisdiction(served, name, role, jur, prefix):
    url, keys, db = served
    r = get(url, "/api/entities", keys[name], limit=1000)
    assert r.status_code == 200, r.text
    body = r.json()
    adcodes = [e["adcode"] for e in body["data"]]
    assert all(str(a).startswith(prefix) for a in adcodes)
    # the same count as the register holds inside (read straight from the file)
    expected = sql(
        db, f"SELECT count(*) FROM raw_firms WHERE credit_code IS NOT NULL AND adcode LIKE '{prefix}%'"
    )
    assert body["total"] == expected[0][0] > 0
    # an outside firm is not found, by listing, search or id
    outside = sql(
        db,
        f"SELECT credit_code, name FROM raw_firms WHERE credit_code IS NOT NULL AND adcode NOT LIKE '{prefix}%' "
        "ORDER BY credit_code LIMIT 1",
    )
    if prefix:
        code, firm = outside[0]
        assert get(url, "/api/entities", keys[name], q=firm).json()["total"] == 0
        assert get(url, f"/api/entities/{code}", keys[name]).status_code == 404
    inside = sql(
        db,
        f"SELECT credit_code FROM raw_firms WHERE adcode LIKE '{prefix}%' AND credit_code IS NOT NULL LIMIT 1",
    )[0][0]
    one = get(url, f"/api/entities/{inside}", keys[name])
    assert one.status_code == 200
    partners = [t for layer in one.json()["data"]["layers"].values() for t in layer["top"]]
    # the ties of a firm inside name only partners inside (important records show all their parties inside)
    assert all(str(t["adcode"]).startswith(prefix) for t in partners)
    if name == "sz":
        assert len(partners) > 0  # the check above is not vacuous


@pytest.mark.parametrize(("name", "role", "jur", "prefix"), USERS)
def test_firm_level_analyses_list_only_firms_inside(served, name, role, jur, prefix):
    url, keys, db = served
    placed = dict(sql(db, "SELECT entity_id, adcode FROM entities"))
    r = get(url, "/api/analytics/topics/actors", keys[name], layer="industry", top=50)
    assert r.status_code == 200, r.text
    ids = [row.get("entity_id") or row.get("id") for row in r.json()["data"]]
    assert ids and all(str(placed.get(i, "")).startswith(prefix) for i in ids), name


def test_answers_are_not_shared_across_scopes(served):
    """The same URL asked by the region and by Suzhou: each gets their own answer (the cache keys carry the
    scope), in either order."""
    url, keys, _ = served
    a = get(url, "/api/entities", keys["sz"], limit=5).json()["total"]
    b = get(url, "/api/entities", keys["region"], limit=5).json()["total"]
    c = get(url, "/api/entities", keys["sz"], limit=5).json()["total"]
    assert a == c < b


def test_sign_in_gives_a_token_that_reads_under_the_users_scope(served):
    url, _keys, _ = served
    bad = httpx.post(url + "/api/login", data={"username": "pw", "password": "wrong"}, headers=CSRF)
    assert bad.status_code == 401
    r = httpx.post(
        url + "/api/login", data={"username": "pw", "password": "correct horse battery"}, headers=CSRF
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = httpx.get(url + "/api/auth", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user"] == {"name": "pw", "role": "viewer", "jurisdiction": "320500", "personal": False}
    ents = httpx.get(
        url + "/api/entities", params={"limit": 1000}, headers={"Authorization": f"Bearer {token}"}
    )
    assert ents.status_code == 200 and all(e["adcode"].startswith("3205") for e in ents.json()["data"])
    assert (
        httpx.get(url + "/api/meta", headers={"Authorization": "Bearer " + token[:-2] + "xx"}).status_code
        == 401
    )


def test_disabling_a_user_ends_their_key_and_tokens(served):
    url, _keys, db = served
    store = UserStore(config.side_file(db.with_name("atlas.duckdb"), "users"))
    key = store.add("temp", "viewer", "YRD", password="temporary password")
    token = httpx.post(
        url + "/api/login", data={"username": "temp", "password": "temporary password"}, headers=CSRF
    ).json()["access_token"]
    assert get(url, "/api/meta", key).status_code == 200
    store.disable("temp")
    import time

    time.sleep(2.5)  # the server looks at the user store at most every 2 s
    assert get(url, "/api/meta", key).status_code == 401
    assert httpx.get(url + "/api/meta", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_roles_limit_what_a_user_may_change(served):
    url, keys, _ = served
    body = b"\xe5\x90\x8d\xe7\xa7\xb0\n"  # "名称\n"
    headers = {**CSRF, "Content-Type": "application/octet-stream"}
    viewer = httpx.post(
        url + "/api/uploads",
        params={"filename": "firms.csv"},
        content=body,
        headers={**headers, "X-API-Key": keys["js"]},
    )
    assert viewer.status_code == 403 and "may not upload" in viewer.json()["error"]["message"]
    analyst = httpx.post(
        url + "/api/uploads",
        params={"filename": "firms.csv"},
        content=body,
        headers={**headers, "X-API-Key": keys["sz"]},
    )
    assert analyst.status_code == 201, analyst.text
    uid = analyst.json()["id"]
    # another user neither sees nor loads nor deletes it
    assert uid not in [u["id"] for u in get(url, "/api/uploads", keys["region"]).json()["data"]]
    assert uid in [u["id"] for u in get(url, "/api/uploads", keys["sz"]).json()["data"]]
    assert get(url, f"/api/uploads/{uid}", keys["region"]).status_code == 404
    load = httpx.post(url + f"/api/uploads/{uid}/load", headers={**CSRF, "X-API-Key": keys["sz"]})
    assert load.status_code == 403 and "may not load" in load.json()["error"]["message"]
    gone = httpx.delete(url + f"/api/uploads/{uid}", headers={**CSRF, "X-API-Key": keys["region"]})
    assert gone.status_code == 404


def test_the_audit_log_records_who_read_what_without_secrets(served):
    from chainatlas.storage import audit

    url, keys, check = served
    log = config.side_file(check.with_name("atlas.duckdb"), "audit")
    get(url, "/api/entities", keys["sz"], q="苏州", limit=3)
    get(url, "/api/entities", "ca_000000000000_forged")
    httpx.post(url + "/api/login", data={"username": "pw", "password": "not it"}, headers=CSRF)
    records = audit.read(log, limit=10_000)
    reads = [r for r in records if r["action"] == "read_entities" and r["actor"] == "sz"]
    assert reads and reads[-1]["parameters"]["q"] == "苏州" and reads[-1]["result"] == "ok 200"
    assert any(r["action"] == "unauthorised" and r["result"] == "denied 401" for r in records)
    failed = [r for r in records if r["action"] == "login_failed"]
    assert failed and failed[-1]["actor"] == "pw"
    text = log.read_text(encoding="utf-8")
    assert "not it" not in text and keys["sz"] not in text and "correct horse" not in text
    assert audit.verify(log).ok


def test_the_servers_own_prewarm_is_not_audited_as_a_read(built_db, tmp_path):
    from chainatlas.storage import audit

    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    UserStore(config.side_file(db, "users")).add("someone", "viewer", "YRD")
    app = create_app(db)
    with LocalServer(app):
        assert app.state.prewarmed.wait(300)
    log = config.side_file(db, "audit")
    assert [r for r in audit.read(log, limit=10_000) if r["actor"] == "local"] == []
