"""Users, credentials and jurisdictions (issue 12 item 1): the store beside the atlas and the access model."""

from __future__ import annotations

import sqlite3

import pytest

from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import REGION, Principal, Scope, jurisdiction_prefix, normalize_jurisdiction
from chainatlas.storage.users import UserStore


@pytest.fixture()
def store(tmp_path):
    return UserStore(tmp_path / "atlas.duckdb.users.sqlite")


def test_no_file_no_users_and_reading_creates_nothing(store):
    assert not store.active() and store.list().empty and store.version == 0
    assert not store.path.exists()


def test_secrets_are_stored_only_as_argon2id_hashes(store):
    key = store.add("ana", "analyst", "320500", password="a long password")
    assert key.startswith("ca_") and len(key) > 40
    rows = sqlite3.connect(store.path).execute("SELECT password_hash, key_hash FROM users").fetchall()
    pw_hash, key_hash = rows[0]
    assert pw_hash.startswith("$argon2id$") and key_hash.startswith("$argon2id$")
    raw = store.path.read_bytes()
    assert b"a long password" not in raw and key.split("_", 2)[2].encode() not in raw
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_keys_and_passwords_check_and_rotate(store):
    key = store.add("ana", "analyst", "3205", password="a long password")
    assert store.check_key(key).principal == Principal("ana", "analyst", "320500")
    assert store.check_password("ana", "a long password").name == "ana"
    assert store.check_password("ana", "wrong password") is None
    assert store.check_password("nobody", "a long password") is None
    assert store.check_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    new = store.rotate_key("ana")
    assert store.check_key(key) is None and store.check_key(new).name == "ana"
    store.disable("ana")
    assert store.check_key(new) is None and store.check_password("ana", "a long password") is None
    with pytest.raises(AccessError, match="disabled"):
        store.rotate_key("ana")
    assert not store.active()


def test_every_change_moves_the_versions(store):
    store.add("ana", "viewer", "YRD")
    v, kv = store.version, store.get("ana").key_version
    store.set("ana", jurisdiction="320000")
    assert store.version > v and store.get("ana").key_version == kv + 1
    assert store.get("ana").jurisdiction == "320000"


def test_bad_input_names_the_parameter(store):
    with pytest.raises(ConfigError, match="jurisdiction"):
        store.add("a", "viewer", "999999")
    with pytest.raises(ConfigError, match="jurisdiction"):
        store.add("a", "viewer", "329999")  # the shape of a Jiangsu county code, but no such county
    with pytest.raises(ConfigError, match="role"):
        store.add("a", "king", "YRD")
    with pytest.raises(ConfigError, match="name"):
        store.add("a b", "viewer", "YRD")
    with pytest.raises(ConfigError, match="password"):
        store.add("a", "viewer", "YRD", password="short")
    store.add("a", "viewer", "YRD")
    with pytest.raises(ConfigError, match="exists"):
        store.add("a", "viewer", "YRD")


def test_jurisdictions_and_scopes():
    assert [normalize_jurisdiction(x) for x in ("yrd", "32", "3205", "320506", "310100")] == [
        REGION,
        "320000",
        "320500",
        "320506",
        "310000",
    ]
    assert [jurisdiction_prefix(j) for j in (REGION, "320000", "320500", "320506", "310000")] == [
        "",
        "32",
        "3205",
        "320506",
        "31",
    ]
    sz = Principal("a", "viewer", "320500")
    assert sz.scope == Scope("3205", personal=False) and sz.scope.covers("320506")
    assert not sz.scope.covers("320000") and not sz.scope.covers(None)  # province-only is not in Suzhou
    assert Principal("b", "analyst", "320500").scope.personal
    assert Principal("c", "viewer", None).scope is None and not Principal("c", "viewer", None).may("read")
    assert Principal("d", "admin", "320000").may("load") and not Principal("d", "admin", "320000").may(
        "manage"
    )
    assert not sz.may("upload") and Principal("e", "analyst", "YRD").may("upload")
