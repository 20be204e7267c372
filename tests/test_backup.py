"""Backup and restore: a consistent copy while another process reads the atlas, a checked and atomic
restore, and an atlas written by the previous release (schema 3) opening with the current code."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from chainatlas import config
from chainatlas.cli import main
from chainatlas.errors import BackendError, ConfigError, LockError
from chainatlas.model.kinds import KINDS
from chainatlas.storage import audit, schema
from chainatlas.storage.backup import backup, read_manifest, restore, verify_backup
from chainatlas.storage.base import open_backend

FIRMS = [
    ("91310000MA1FL0001X", "上海甲科技有限公司", "310115", 2019),
    ("91320500MA1FL0002X", "苏州乙材料有限公司", "320505", 2020),
    ("91330100MA1FL0003X", "杭州丙智能有限公司", "330106", 2021),
]
TRADE = [("91310000MA1FL0001X", "上海甲科技有限公司", "8542", 2020), (None, "无码贸易商", "8541", 2021)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def _insert_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany("INSERT INTO raw_firms (credit_code, name, adcode, year) VALUES (?, ?, ?, ?)", FIRMS)
    con.executemany(
        "INSERT INTO raw_trade (credit_code, firm_name, hs_code, year) VALUES (?, ?, ?, ?)", TRADE
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A current-schema atlas with a few rows (made once; each test copies it)."""
    db = tmp_path_factory.mktemp("template") / "atlas.duckdb"
    with open_backend(db) as b:
        _insert_rows(b.con)
    return db


@pytest.fixture()
def atlas(template: Path, tmp_path: Path) -> Path:
    """An atlas with a users store (SQLite in WAL mode, as the server keeps it) and an audit log."""
    db = tmp_path / "live" / "atlas.duckdb"
    db.parent.mkdir()
    shutil.copyfile(template, db)
    with sqlite3.connect(config.side_file(db, "users")) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT)")
        con.executemany("INSERT INTO users VALUES (?, ?)", [("alice", "admin"), ("bob", "viewer")])
    con.close()
    log = config.side_file(db, "audit")
    audit.append(log, "login", actor="alice")
    audit.append(log, "read_entities", actor="alice", count=3)
    return db


def _users(db: Path) -> list[tuple]:
    return _users_of(config.side_file(db, "users"))


def _users_of(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT name, role FROM users ORDER BY name").fetchall()
    finally:
        con.close()


@pytest.fixture()
def holder(atlas: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start a process that opens the atlas (read-only, or for writing) and keeps it open."""
    procs: list[subprocess.Popen] = []

    def start(read_only: bool = True, seconds: float = 60) -> subprocess.Popen:
        code = textwrap.dedent(
            f"""
            import sys, time, duckdb
            con = duckdb.connect({str(atlas)!r}, read_only={read_only})
            con.execute("SELECT count(*) FROM raw_firms").fetchone()
            print("ready", flush=True)
            time.sleep({seconds})
            con.close()
            """
        )
        p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait()
        assert p.stdout is not None
        p.stdout.close()


# ---- backup -----------------------------------------------------------------------------------------------
def test_backup_folder_and_manifest(atlas: Path, tmp_path: Path):
    dest = tmp_path / "bk"
    m = backup(atlas, dest, verify=True)
    assert sorted(p.name for p in dest.iterdir()) == [
        "atlas.duckdb",
        "audit.jsonl",
        "audit.jsonl.head",
        "manifest.json",
        "users.sqlite",
    ]
    raw = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert raw["format"] == "chainatlas-backup/1" and raw["schema_version"] == schema.SCHEMA_VERSION
    assert raw["chainatlas_version"] and raw["duckdb_version"] == duckdb.__version__
    for name, entry in raw["files"].items():
        assert entry["sha256"] == _sha256(dest / name) and entry["bytes"] == (dest / name).stat().st_size
    assert raw["tables"]["raw_firms"] == 3 and raw["tables"]["raw_trade"] == 2 and raw["tables"]["meta"] == 2
    assert m.tables == raw["tables"]
    # the copy is a DuckDB file of its own (no write-ahead log beside it) holding the same rows
    assert _rows(dest / "atlas.duckdb", "raw_firms") == 3
    assert not (dest / "atlas.duckdb.wal").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_backup_refuses_a_used_folder_and_a_missing_atlas(atlas: Path, tmp_path: Path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ConfigError, match="not an empty folder"):
        backup(atlas, tmp_path / "full")
    with pytest.raises(ConfigError, match="no atlas database"):
        backup(tmp_path / "none.duckdb", tmp_path / "bk")
    assert not (tmp_path / "bk").exists()


def test_backup_while_another_process_reads_the_atlas(atlas: Path, tmp_path: Path, holder):
    reader = holder(read_only=True)
    m = backup(atlas, tmp_path / "bk", verify=True)
    assert reader.poll() is None  # the reader kept its connection throughout
    assert m.tables["raw_firms"] == 3 and _rows(tmp_path / "bk" / "atlas.duckdb", "raw_trade") == 2


def test_backup_waits_for_a_writer_then_gives_up_naming_it(atlas: Path, tmp_path: Path, holder):
    writer = holder(read_only=False)
    t = time.monotonic()
    with pytest.raises(LockError, match=f"(?s)process {writer.pid}.*for writing") as e:
        backup(atlas, tmp_path / "bk", wait=1.0)
    assert 0.5 < time.monotonic() - t < 10
    assert "Try again" in str(e.value)
    assert not (tmp_path / "bk").exists() and not (tmp_path / "bk.partial").exists()


def test_backup_goes_ahead_once_the_writer_is_done(atlas: Path, tmp_path: Path, holder):
    holder(read_only=False, seconds=1.5)
    m = backup(atlas, tmp_path / "bk", wait=30)
    assert m.tables["raw_firms"] == 3


# ---- restore ----------------------------------------------------------------------------------------------
def test_round_trip_restores_atlas_users_and_audit_keeping_the_previous_files(atlas: Path, tmp_path: Path):
    m = backup(atlas, tmp_path / "bk")
    # the atlas moves on after the backup
    with open_backend(atlas) as b:
        b.con.execute("DELETE FROM raw_firms WHERE adcode = '310115'")
    with sqlite3.connect(config.side_file(atlas, "users")) as con:
        con.execute("INSERT INTO users VALUES ('mallory', 'admin')")
    con.close()
    audit.append(config.side_file(atlas, "audit"), "users_add", actor="alice", parameters={"name": "mallory"})
    with pytest.raises(ConfigError, match="already exists.*--force"):
        restore(tmp_path / "bk", atlas)
    r = restore(tmp_path / "bk", atlas, force=True)
    assert _sha256(atlas) == m.files["atlas.duckdb"]["sha256"]
    with open_backend(atlas, read_only=True) as b:
        counts = {t: int(b.sql(f'SELECT count(*) AS n FROM "{t}"')["n"][0]) for t in m.tables}
    assert counts == m.tables
    assert _users(atlas) == [("alice", "admin"), ("bob", "viewer")]
    log = config.side_file(atlas, "audit")
    assert _sha256(log) == m.files["audit.jsonl"]["sha256"] and audit.verify(log).ok
    assert [x["action"] for x in audit.read(log)] == ["login", "read_entities"]
    # what was replaced is kept beside
    before = atlas.with_name("atlas.duckdb.before-restore")
    assert before in r.kept and _rows(before, "raw_firms") == 2
    kept_log = next(p for p in r.kept if ".audit.jsonl.before-restore-" in p.name)
    assert [x["action"] for x in audit.read(kept_log)][-1] == "users_add"
    assert ("mallory", "admin") in _users_of(atlas.with_name("atlas.duckdb.users.sqlite.before-restore"))
    assert not list(atlas.parent.glob("*.restoring"))
    assert (r.schema_from, r.schema_to) == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)


def test_restore_into_an_empty_place(atlas: Path, tmp_path: Path):
    backup(atlas, tmp_path / "bk")
    db = tmp_path / "new" / "atlas.duckdb"
    r = restore(tmp_path / "bk", db)
    assert r.kept == [] and _rows(db, "raw_firms") == 3 and _users(db)[0] == ("alice", "admin")
    assert audit.verify(config.side_file(db, "audit")).records == 2


@pytest.mark.parametrize("name", ["atlas.duckdb", "users.sqlite", "audit.jsonl"])
def test_restore_refuses_a_tampered_backup_naming_the_file(atlas: Path, tmp_path: Path, name: str):
    backup(atlas, tmp_path / "bk")
    target = tmp_path / "bk" / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one byte
    target.write_bytes(bytes(data))
    before = _sha256(atlas)
    with pytest.raises(BackendError, match=f"{name} has SHA-256") as e:
        restore(tmp_path / "bk", atlas, force=True)
    assert "do not restore" in str(e.value)
    assert _sha256(atlas) == before and not atlas.with_name("atlas.duckdb.before-restore").exists()


def test_restore_refuses_a_backup_missing_a_file_or_with_an_unlisted_one(atlas: Path, tmp_path: Path):
    backup(atlas, tmp_path / "bk")
    (tmp_path / "bk" / "users.sqlite").unlink()
    with pytest.raises(BackendError, match="users.sqlite is missing"):
        verify_backup(tmp_path / "bk")
    with pytest.raises(ConfigError, match="no manifest.json"):
        restore(tmp_path, atlas, force=True)


def test_restore_refuses_while_another_process_has_the_atlas_open(atlas: Path, tmp_path: Path, holder):
    backup(atlas, tmp_path / "bk")
    reader = holder(read_only=True)
    before = _sha256(atlas)
    with pytest.raises(LockError, match=f"(?s)process {reader.pid}.*Stop the server"):
        restore(tmp_path / "bk", atlas, force=True)
    assert _sha256(atlas) == before
    assert not list(atlas.parent.glob("*.restoring")) and not list(atlas.parent.glob("*.before-restore*"))


# ---- the previous release's atlas ---------------------------------------------------------------------------
def _release_3_atlas(db: Path) -> None:
    """An atlas as the release with schema 3 left it.

    Its migrations were MIGRATIONS[1..3] (migration 1 creates the raw tables from the *current* kinds), and
    it stored the version as DuckDBBackend does: ``schema_version`` (and ``created_at``) rows of ``meta``.
    Migration 4 only added ``other_industry_codes`` to ``raw_firms`` (commit 3151c5e), so that release's
    ``raw_firms`` is today's without that column, in the same order.
    """
    con = duckdb.connect(str(db))
    con.execute("BEGIN TRANSACTION")
    for step in (1, 2, 3):
        for stmt in schema.MIGRATIONS[step]:
            con.execute(stmt)
    old = [(c, t) for c, t in schema.raw_columns(KINDS["firms"]) if c != "other_industry_codes"]
    con.execute("DROP TABLE raw_firms")
    con.execute("CREATE TABLE raw_firms (" + ", ".join(f'"{c}" {t}' for c, t in old) + ")")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '3')")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('created_at', '2026-11-01T09:00:00')")
    _insert_rows(con)
    con.execute("COMMIT")
    con.close()


def test_atlas_of_the_previous_release_opens_and_is_migrated(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    _release_3_atlas(db)
    with duckdb.connect(str(db), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE raw_firms").fetchall()]
    assert "other_industry_codes" not in cols
    with open_backend(db) as b:
        assert b.get_meta("schema_version") == str(schema.SCHEMA_VERSION)
        assert b.get_meta("created_at") == "2026-11-01T09:00:00"
        firms = b.sql(
            "SELECT credit_code, name, adcode, year, other_industry_codes FROM raw_firms ORDER BY 1"
        )
        trade = b.sql("SELECT credit_code, firm_name, hs_code, year FROM raw_trade ORDER BY year")
        stored = [
            r[0]
            for r in b.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'raw_firms' "
                "ORDER BY ordinal_position"
            ).fetchall()
        ]
    assert stored == [c for c, _ in schema.raw_columns(KINDS["firms"])]
    assert [
        tuple(r) for r in firms[["credit_code", "name", "adcode", "year"]].itertuples(index=False)
    ] == FIRMS
    assert firms["other_industry_codes"].isna().all()
    assert list(trade["firm_name"]) == [t[1] for t in TRADE] and trade["credit_code"].isna().sum() == 1


def test_backup_of_the_previous_release_restores_migrated(tmp_path: Path):
    old = tmp_path / "old.duckdb"
    _release_3_atlas(old)
    m = backup(old, tmp_path / "bk")
    assert m.schema_version == 3 and m.tables["raw_firms"] == 3
    assert read_manifest(tmp_path / "bk").schema_version == 3
    db = tmp_path / "restored.duckdb"
    r = restore(tmp_path / "bk", db)
    assert (r.schema_from, r.schema_to) == (3, schema.SCHEMA_VERSION)
    with open_backend(db, read_only=True) as b:  # a reader refuses an unmigrated atlas, so this proves it
        assert (
            int(b.sql("SELECT count(*) AS n FROM raw_firms WHERE other_industry_codes IS NULL")["n"][0]) == 3
        )


# ---- command line -----------------------------------------------------------------------------------------
def test_cli_backup_and_restore_are_audited(atlas: Path, tmp_path: Path):
    run = CliRunner().invoke
    dest = tmp_path / "bk"
    r = run(main, ["--db", str(atlas), "backup", str(dest), "--verify"])
    assert r.exit_code == 0, r.output
    assert "backed up" in r.output and "verified" in r.output
    log = config.side_file(atlas, "audit")
    last = audit.read(log)[-1]
    assert last["action"] == "backup" and last["actor"].startswith("cli:") and last["result"] == "ok"
    assert last["resource"] == str(dest) and last["count"] == sum(read_manifest(dest).tables.values())
    r = run(main, ["--db", str(atlas), "restore", str(dest)])
    assert r.exit_code == 1 and "--force" in r.output
    assert audit.read(log)[-1]["action"] == "restore" and audit.read(log)[-1]["result"] == "failed"
    r = run(main, ["--db", str(atlas), "restore", str(dest), "--force"])
    assert r.exit_code == 0, r.output
    assert "previous file kept as" in r.output
    recs = audit.read(log)
    assert [x["action"] for x in recs] == ["login", "read_entities", "restore"]
    assert recs[-1]["actor"].startswith("cli:") and recs[-1]["parameters"]["force"] is True
    assert audit.verify(log).ok
    r = run(main, ["--db", str(atlas), "backup", str(dest)])
    assert r.exit_code == 1 and "not an empty folder" in r.output


# ---- the alerts store -------------------------------------------------------------------------------------
def test_the_alerts_and_their_handling_are_backed_up_and_restored(atlas: Path, tmp_path: Path):
    import pandas as pd

    from chainatlas.model.access import Principal
    from chainatlas.pipeline.alerts import record
    from chainatlas.storage.alerts import AlertStore

    store = AlertStore(config.side_file(atlas, "alerts"))
    finding = {
        "rule": "few-firms",
        "severity": "warning",
        "unit": "320500",
        "period": 2024,
        "state": "firing",
    }
    rep = record(store, pd.DataFrame([finding]), level="city", jurisdiction="320500", period=2024, actor="t")
    [alert_id] = store.list()["id"].tolist()
    store.ack(alert_id, Principal("ops", "analyst", "320500"), note="收到，核查中")
    assert rep.new == 1
    m = backup(atlas, tmp_path / "bk", verify=True)
    assert "alerts.sqlite" in m.files
    restored = tmp_path / "restored" / "atlas.duckdb"
    restore(tmp_path / "bk", restored)
    again = AlertStore(config.side_file(restored, "alerts"))
    detail = again.detail(alert_id)
    assert detail["alert"]["status"] == "acknowledged"
    events = detail["events"]
    assert events.loc[events["action"] == "ack", "note"].tolist() == ["收到，核查中"]
