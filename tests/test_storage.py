"""The DuckDB file: schema version and migrations, one writer at a time, readers side by side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from chainatlas.errors import BackendError, ConfigError, LockError, SchemaError
from chainatlas.model.kinds import KINDS
from chainatlas.storage import base, schema
from chainatlas.storage.base import open_backend


def test_new_database_has_current_schema_and_a_table_per_kind(tmp_path: Path):
    with open_backend(tmp_path / "a.duckdb") as b:
        assert b.schema_version == schema.SCHEMA_VERSION
        for k in KINDS.values():
            assert b.has_table(k.table)
        assert b.has_table("raw_patents_parties") and b.has_table("raw_papers_parties")


def test_older_schema_is_migrated_by_a_writer(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    con.close()
    with pytest.raises(SchemaError, match="schema version 0; run any writing command"):
        open_backend(db, read_only=True)
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path):
    db = tmp_path / "new.duckdb"
    open_backend(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaError, match="schema version 999, newer than this Chain Atlas"):
        open_backend(db)


def test_reader_needs_an_existing_atlas(tmp_path: Path):
    with pytest.raises(BackendError, match="no atlas database at .*missing.duckdb"):
        open_backend(tmp_path / "missing.duckdb", read_only=True)


_HOLD = """
import sys, time
from chainatlas.storage.base import open_backend
b = open_backend(sys.argv[1], command="chainatlas build --full")
print("ready", flush=True)
sys.stdin.readline()
b.close()
"""


def test_second_writer_is_told_who_holds_the_atlas(tmp_path: Path):
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LockError) as e:
            open_backend(db)
        msg = str(e.value)
        assert "open for writing by `chainatlas build --full`" in msg
        assert f"pid {holder.pid}" in msg
    finally:
        holder.communicate("\n", timeout=30)
    with open_backend(db) as b:  # free again once the writer is done
        assert b.schema_version == schema.SCHEMA_VERSION


_READ = """
import sys
from chainatlas.storage.base import open_backend
b = open_backend(sys.argv[1], read_only=True)
print("ready", flush=True)
sys.stdin.readline()
b.close()
"""


def _start(script: str, db: Path) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", script, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "ready"
    return p


def _killed_writer(db: Path) -> int:
    """A writer killed with SIGKILL: its ``<db>.writer`` note stays behind. Returns its (dead) pid."""
    w = _start(_HOLD, db)
    w.kill()
    w.communicate(timeout=30)  # reaps it and closes its pipes
    assert db.with_name(db.name + ".writer").exists()
    return w.pid


def test_a_writer_is_told_the_reader_not_a_dead_writer(tmp_path: Path):
    """kill -9 a writer, then a reader (like `chainatlas serve`) holds the atlas: the lock names the reader."""
    db = tmp_path / "served.duckdb"
    open_backend(db).close()
    dead = _killed_writer(db)
    reader = _start(_READ, db)
    try:
        with pytest.raises(LockError) as e:
            open_backend(db)
        msg = str(e.value)
        assert f"open read-only by process {reader.pid} (`python" in msg
        assert "open for writing" not in msg and f"pid {dead}" not in msg
        assert not db.with_name(db.name + ".writer").exists()  # the stale note is cleaned up
    finally:
        reader.communicate("\n", timeout=30)
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION


def test_a_note_naming_a_live_pid_with_another_command_line_is_stale(tmp_path: Path):
    """A reused pid: the note's pid runs, but not the command that wrote the note."""
    import json

    db = tmp_path / "reused.duckdb"
    open_backend(db).close()
    reader = _start(_READ, db)
    note = db.with_name(db.name + ".writer")
    note.write_text(
        json.dumps({"pid": reader.pid, "command": "chainatlas build", "since": "x", "argv": ["other"]}),
        encoding="utf-8",
    )
    try:
        with pytest.raises(LockError, match=f"open read-only by process {reader.pid}"):
            open_backend(db)
        assert not note.exists()
    finally:
        reader.communicate("\n", timeout=30)


def test_a_reader_removes_the_note_of_a_killed_writer(tmp_path: Path):
    db = tmp_path / "after-kill.duckdb"
    open_backend(db).close()
    _killed_writer(db)
    with open_backend(db, read_only=True) as b:  # opens fine: the killed writer's lock died with it
        assert b.schema_version == schema.SCHEMA_VERSION
    assert not db.with_name(db.name + ".writer").exists()


def test_a_reader_blocked_by_a_live_writer_is_told_the_writer(tmp_path: Path):
    db = tmp_path / "busy.duckdb"
    writer = _start(_HOLD, db)
    try:
        with pytest.raises(
            LockError, match=rf"open for writing by `chainatlas build --full` \(pid {writer.pid},"
        ):
            open_backend(db, read_only=True)
        assert db.with_name(db.name + ".writer").exists()  # a live writer's note stays
    finally:
        writer.communicate("\n", timeout=30)


def test_readers_run_side_by_side(tmp_path: Path):
    db = tmp_path / "shared.duckdb"
    open_backend(db).close()
    with open_backend(db, read_only=True) as a, open_backend(db, read_only=True) as b:
        assert a.get_meta("schema_version") == b.get_meta("schema_version") == str(schema.SCHEMA_VERSION)


def test_a_table_whose_columns_moved_is_refused_not_filled_wrongly(tmp_path, demo_dir):
    """Batches are appended by position; a table reordered outside a migration must fail loudly."""
    from chainatlas.errors import SchemaError
    from chainatlas.pipeline.load import ingest_files

    db = tmp_path / "moved.duckdb"
    with open_backend(db) as b:
        cols = [
            r[0]
            for r in b.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_name = 'raw_needs' ORDER BY ordinal_position"
            ).fetchall()
        ]
        moved = [cols[1], cols[0], *cols[2:]]
        b.con.execute(f"CREATE TABLE t AS SELECT {', '.join(moved)} FROM raw_needs")
        b.con.execute("DROP TABLE raw_needs")
        b.con.execute("ALTER TABLE t RENAME TO raw_needs")
        with pytest.raises(SchemaError, match=r"table raw_needs has columns .* expected .* in this order"):
            ingest_files(b, [("needs", demo_dir / "needs.csv")])
        assert b.sql("SELECT count(*) AS c FROM raw_needs")["c"].iloc[0] == 0


# ------------------------------------------------------------------------------------------ engine registry


def test_engines_are_registered_by_name_and_imported_lazily(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(base, "ENGINES", dict(base.ENGINES))
    base.register_engine("duckdb2", "chainatlas.storage.duckdb:DuckDBBackend")
    with open_backend(tmp_path / "a.duckdb", engine="duckdb2") as b:
        assert b.engine == "duckdb" and b.has_table("batches")


def test_a_missing_optional_dependency_names_the_pip_command(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(base, "ENGINES", dict(base.ENGINES))
    base.register_engine("ghost", "chainatlas_no_such_engine_module:Backend", extra="ghost")
    with pytest.raises(BackendError, match=r"install it with: pip install 'chainatlas\[ghost\]'"):
        open_backend(tmp_path / "a.db", engine="ghost")
    with pytest.raises(ConfigError, match="target must be 'package.module:Class'"):
        base.register_engine("bad", "no_colon")


def test_an_unknown_engine_lists_the_known_ones(tmp_path: Path):
    with pytest.raises(ConfigError, match="unknown engine 'nope'; expected one of: duckdb, spark"):
        open_backend(tmp_path / "a.db", engine="nope")


def test_stock_kinds_are_marked_on_the_kind():
    assert {k for k, v in KINDS.items() if v.stock} == {
        "firms",
        "alliances",
        "experts",
        "enclave_terms",
        "tax_sharing",
        "recognitions",
        "open_calls",
        "open_call_bids",
    }


# ------------------------------------------------------------------------------------------ the engine contract
_SPARK_NOISE = (
    "::ResourceWarning",
    "::pytest.PytestUnraisableExceptionWarning",
    ":createDataFrame attempted Arrow",
)


@pytest.mark.parametrize(
    "engine",
    # the Spark engine's third-party noise, as in test_spark_engine
    [
        pytest.param(
            e, marks=[pytest.mark.filterwarnings(f"ignore{w}") for w in _SPARK_NOISE] if e == "spark" else []
        )
        for e in base.ENGINES
    ],
)
def test_every_registered_engine_keeps_the_backend_contract(tmp_path: Path, engine: str):
    """The same body for every engine: tables per kind, meta, insert/replace/delete, all-or-nothing transactions."""
    import pandas as pd

    with open_backend(tmp_path / "a.atlas", engine=engine) as b:
        assert all(b.has_table(k.table) for k in KINDS.values())
        b.set_meta("probe", "1")
        assert b.get_meta("probe") == "1" and b.get_meta("nothing", "x") == "x"
        b.replace_table("t", pd.DataFrame({"year": [2023, 2024], "v": [1.0, 2.0]}))
        b.insert("t", pd.DataFrame({"year": [2025], "v": [3.0]}))
        b.delete_in("t", year=[2023])
        assert sorted(b.execute(b.table("t"))["year"]) == [2024, 2025]
        with pytest.raises(RuntimeError), b.transaction():
            b.insert("t", pd.DataFrame({"year": [2030], "v": [9.0]}))
            raise RuntimeError("rolled back")
        assert sorted(b.execute(b.table("t"))["year"]) == [2024, 2025]
