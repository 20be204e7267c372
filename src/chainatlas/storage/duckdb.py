"""The embedded default engine: one DuckDB file, one writer, any number of readers.

DuckDB locks the file: exclusively for a read-write process, shared for read-only ones (so a reader, such
as a running ``chainatlas serve``, also keeps writers out). We leave a small ``<db>.writer`` note with the
writer's pid, command and real command line, so that a second writer (or a reader arriving during a write)
is told who holds the atlas instead of seeing DuckDB's lock error. The message tells the truth:

- the holder is the pid DuckDB names in its lock error, not whatever the note says;
- a note counts only while its pid is alive with the same command line (``/proc/<pid>/cmdline``), so a
  note left by a writer killed with ``kill -9`` is never shown; it is removed when next seen;
- when the holder only reads (DuckDB then says the file could still be opened read-only), the message says
  "open read-only by process N (`chainatlas serve ...`)", not "open for writing".
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from chainatlas import config
from chainatlas.errors import BackendError, LockError, SchemaError
from chainatlas.model.kinds import KINDS
from chainatlas.storage import schema
from chainatlas.storage.base import Backend, BatchResult

__all__ = ["DuckDBBackend"]

_HOLDER_PID = re.compile(
    r"\(PID (\d+)\)"
)  # DuckDB: "Conflicting lock is held in /usr/bin/python3 (PID 8275)"
_HOLDER_READS = "read-only mode"  # DuckDB adds "you would be able to open this database in read-only mode"


def _cmdline(pid: int | str) -> list[str] | None:
    """The command line of process ``pid`` (``[]`` for a zombie), or None where ``/proc`` cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def _alive(pid: int, argv: list[str] | None) -> bool:
    """Whether ``pid`` runs, and still runs ``argv`` (a reused pid, or a zombie, does not count)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass  # alive, owned by another user
    except (OSError, OverflowError):
        return False
    now = _cmdline(pid)
    return now is None or argv is None or now == argv


def _shown(argv: list[str] | None) -> str:
    """A command line as a person reads it: ``chainatlas serve --port 8000``, not the interpreter's path."""
    if not argv:
        return "command unknown"
    for i, a in enumerate(argv):
        if Path(a).name == "chainatlas":
            return " ".join(["chainatlas", *argv[i + 1 :]])[:120]
    return " ".join([Path(argv[0]).name, *argv[1:]])[:120]


class DuckDBBackend(Backend):
    engine = "duckdb"

    def __init__(self, path: Path, *, read_only: bool = False, command: str = ""):
        self.path = Path(path)
        self.read_only = read_only
        self._checked: set[str] = set()  # raw tables whose column order _append has verified
        self._note = self.path.with_name(self.path.name + ".writer")
        if read_only and not self.path.exists():
            raise BackendError(
                f"no atlas database at {self.path}; create one with `chainatlas load-dir DIR` "
                f"or `make demo`, or point --db / CHAINATLAS_DB at an existing file"
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=self._engine_config())
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise LockError(self._lock_message(str(e))) from None
            raise BackendError(f"cannot open atlas database {self.path}: {e}") from None
        self.con.execute("SET enable_progress_bar = false")  # our commands report their own progress
        # FSST string compression costs about a quarter of the CPU of every bulk insert (large dataset:
        # 29 → 24 CPU-s to store 13 M rows) for ~40 % smaller text columns. Dictionary compression, which
        # does most of the saving on repetitive text (codes, periods, segments), stays on. (A SET, because
        # DuckDB ignores this setting in the connect config.)
        self.con.execute("SET disabled_compression_methods = 'fsst'")
        self._ibis = ibis.duckdb.from_connection(self.con)
        if not read_only:
            self._note.write_text(
                json.dumps(
                    {
                        "pid": os.getpid(),
                        "command": command or "chainatlas",
                        "since": datetime.now().isoformat(timespec="seconds"),
                        "argv": _cmdline(os.getpid()),
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            self._migrate()
        else:
            self._writer_note()  # we hold a shared lock, so no one writes: a note left behind is removed
            self._check_version()

    @staticmethod
    def _engine_config() -> dict[str, Any]:
        # insertion order of built tables carries no meaning; dropping it lets DuckDB stream and spill
        cfg: dict[str, Any] = {"memory_limit": config.get("memory_limit"), "preserve_insertion_order": False}
        if config.get("threads"):
            cfg["threads"] = int(config.get("threads"))
        return cfg

    def _writer_note(self) -> dict | None:
        """The ``<db>.writer`` note if its writer still runs; a note whose process is gone is removed."""
        try:
            note = json.loads(self._note.read_text(encoding="utf-8"))
            pid = int(note["pid"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            note, pid = None, -1  # unreadable: treat as stale
        if note is not None and _alive(pid, note.get("argv")):
            return note
        with contextlib.suppress(OSError):
            self._note.unlink()
        return None

    def _lock_message(self, duckdb_error: str = "") -> str:
        """Who holds the atlas, told from the pid DuckDB reports and, for a writer, our note."""
        found = _HOLDER_PID.search(duckdb_error)
        holder = int(found.group(1)) if found else None
        note = self._writer_note()
        if note is not None and holder in (None, int(note["pid"])):
            return (
                f"the atlas database {self.path} is open for writing by `{note['command']}` "
                f"(pid {note['pid']}, since {note['since']}). Only one process may write at a time, and "
                f"DuckDB does not let others open the file meanwhile: wait for it to finish, or use another "
                f"database with --db"
            )
        if holder is not None and _HOLDER_READS in duckdb_error:
            return (
                f"the atlas database {self.path} is open read-only by process {holder} "
                f"(`{_shown(_cmdline(holder))}`). DuckDB lets no process write while another has the file "
                f"open, even only for reading: stop that process first (a running `chainatlas serve` loads "
                f"files through its Data page or POST /api/uploads instead), or use another database with --db"
            )
        who = f" by process {holder} (`{_shown(_cmdline(holder))}`)" if holder is not None else ""
        return (
            f"the atlas database {self.path} is open for writing{who}. Only one process may write at a time, "
            f"and DuckDB does not let others open the file meanwhile: wait for it to finish, or use another "
            f"database with --db"
        )

    def _scalar(self, sql: str, params: object = None) -> Any:
        """The first value of the single row that ``sql`` (an aggregate, or a DELETE's count) returns."""
        row = self.con.execute(sql, params).fetchone()
        if row is None:
            raise BackendError(f"expected one row from DuckDB, got none, for: {sql}")
        return row[0]

    # ---- schema -------------------------------------------------------------------------------
    def _version(self) -> int:
        exists = self._scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
        if not exists:
            return 0
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _check_version(self) -> None:
        v = self._version()
        if v > schema.SCHEMA_VERSION:
            raise SchemaError(
                f"{self.path} has schema version {v}, newer than this Chain Atlas understands "
                f"({schema.SCHEMA_VERSION}); upgrade Chain Atlas"
            )
        if v < schema.SCHEMA_VERSION:
            raise SchemaError(
                f"{self.path} has schema version {v}; run any writing command (e.g. `chainatlas build`) "
                f"once to migrate it to {schema.SCHEMA_VERSION}"
            )

    def _migrate(self) -> None:
        v = self._version()
        if v > schema.SCHEMA_VERSION:
            self._check_version()
        if v == schema.SCHEMA_VERSION:
            return
        with self.transaction():
            for step in range(v + 1, schema.SCHEMA_VERSION + 1):
                for stmt in schema.MIGRATIONS[step]:
                    self.con.execute(stmt)
            self.set_meta("schema_version", str(schema.SCHEMA_VERSION))
            if v == 0:
                self.set_meta("created_at", datetime.now().isoformat(timespec="seconds"))

    @property
    def schema_version(self) -> int:
        return self._version()

    # ---- generic verbs ---------------------------------------------------------------------------
    @property
    def ibis(self) -> Any:
        return self._ibis

    def has_table(self, name: str) -> bool:
        return bool(
            self._scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
        )

    def replace_table(self, name: str, obj: Any) -> None:
        if isinstance(obj, pd.DataFrame):
            self._from_frame(obj, f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        else:
            self._ibis.create_table(name, obj=obj, overwrite=True)

    def insert(self, name: str, obj: Any) -> None:
        if isinstance(obj, pd.DataFrame):
            self._from_frame(obj, f'INSERT INTO "{name}" BY NAME SELECT * FROM _frame')
        else:
            self._ibis.insert(name, obj)

    def _from_frame(self, df: pd.DataFrame, statement: str) -> None:
        """Run ``statement`` reading ``df`` as the view ``_frame`` (handed over as Arrow, without copies)."""
        self.con.register("_frame", pa.Table.from_pandas(df, preserve_index=False))
        try:
            self.con.execute(statement)
        finally:
            self.con.unregister("_frame")

    def delete_in(self, name: str, **conditions: Sequence[Any]) -> None:
        if not self.has_table(name) or any(len(v) == 0 for v in conditions.values()):
            return
        where = " AND ".join(f'"{c}" IN ({",".join("?" for _ in v)})' for c, v in conditions.items())
        self.con.execute(f'DELETE FROM "{name}" WHERE {where}', [x for v in conditions.values() for x in v])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a read query. For storage-layer services only (the API never writes SQL)."""
        return self.con.execute(query, params or []).df()

    # ---- batches -------------------------------------------------------------------------------
    def load_batch(self, batch: Any, *, good_only: bool = False) -> BatchResult:
        """Store a validated ingest batch (``chainatlas.ingest.ValidatedBatch``); call inside ``transaction()``.

        A file already loaded (same kind and SHA-256) changes nothing. Rows whose key is already
        stored are replaced, so reloading corrected data converges instead of duplicating.
        """
        kind = KINDS[batch.kind]
        table = batch.table[batch.good_mask] if good_only else batch.table
        parties = getattr(batch, "parties", None)
        n_rejected = int((~batch.good_mask).sum()) if good_only else 0
        found = self.con.execute(
            "SELECT batch_id FROM batches WHERE sha256 = ? AND kind = ?", [batch.sha256, batch.kind]
        ).fetchone()
        if found:
            return BatchResult(found[0], batch.kind, batch.source_file, 0, 0, n_rejected, True, ())
        cols = [c for c, _ in schema.raw_columns(kind) if c != "batch_id"]
        frame = table[[c for c in cols if c in table.columns]]
        # stock kinds (Kind.stock: entities, alliances, experts) change every period's layers, so they
        # mark all built years dirty rather than naming years of their own
        years = [] if kind.stock else sorted({int(y) for y in frame["year"].dropna().unique()})
        batch_id = int(self._scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM batches"))
        before = self._scalar(f'SELECT count(*) FROM "{kind.table}"')
        self._append(kind.table, schema.raw_columns(kind), frame, batch_id)
        replaced = 0
        if before:  # a key stored by an earlier batch: the new row replaces it, and is kept as a revision
            # the replaced rows, found once by a hash join and kept for both the revisions and the delete: an
            # EXISTS subquery for each scanned the whole table twice per file (the third 6 M-row file of supply
            # links of `large` took 107 s to store, 41 s this way)
            self.con.execute(
                f'CREATE OR REPLACE TEMP TABLE _replaced AS SELECT DISTINCT t.rowid AS rid FROM "{kind.table}" t '
                f'JOIN "{kind.table}" b ON b.batch_id = $id AND t.batch_id <> $id AND {_replaces(kind)}',
                {"id": batch_id},
            )
            replaced = self._scalar("SELECT count(*) FROM _replaced")
            if replaced:
                which = f'FROM "{kind.table}" t WHERE t.rowid IN (SELECT rid FROM _replaced)'
                revisions = schema.REVISIONS_TABLE.format(table=kind.table)
                self.con.execute(
                    f'INSERT INTO "{revisions}" SELECT t.*, $id, now() {which}', {"id": batch_id}
                )
                self.con.execute(f"DELETE {which}")
            self.con.execute("DROP TABLE _replaced")
        if kind.party_lists and parties is not None:
            ptable = schema.PARTY_TABLE.format(table=kind.table)
            if before:
                self.con.execute(
                    f'DELETE FROM "{ptable}" WHERE batch_id <> $id AND record_id IN '
                    f'(SELECT "{kind.key[0]}" FROM "{kind.table}" WHERE batch_id = $id)',
                    {"id": batch_id},
                )
            p = parties[parties["record_id"].isin(frame[kind.key[0]])] if good_only else parties
            self._append(ptable, schema.party_columns(), p, batch_id)
        meta = getattr(batch, "meta", {}) or {}
        synthetic = bool(frame["synthetic"].fillna(False).any()) if "synthetic" in frame else False
        self.con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                batch.kind,
                batch.source_file,
                batch.sha256,
                meta.get("format"),
                meta.get("encoding"),
                int(batch.rows_read),
                len(frame),
                int(replaced),
                n_rejected,
                synthetic,
                datetime.now(),
            ],
        )
        if years:
            self.con.executemany("INSERT INTO batch_years VALUES (?, ?)", [(batch_id, y) for y in years])
        touched = self._all_years() if kind.stock else years
        if touched:
            self.con.executemany(
                "INSERT INTO dirty_years SELECT ? WHERE ? NOT IN (SELECT year FROM dirty_years)",
                [(y, y) for y in touched],
            )
        return BatchResult(
            batch_id,
            batch.kind,
            batch.source_file,
            len(frame),
            int(replaced),
            n_rejected,
            False,
            tuple(years),
        )

    def revisions(self, kind: str) -> Any:
        """The rows of ``kind`` later batches replaced (``replaced_by``, ``replaced_at``), as an Ibis table."""
        return self._ibis.table(schema.REVISIONS_TABLE.format(table=KINDS[kind].table))

    def _append(self, table: str, columns: list[tuple[str, str]], frame: pd.DataFrame, batch_id: int) -> None:
        """Append ``frame`` (its columns of ``columns``, missing ones empty) with ``batch_id`` to ``table``.

        Handed to DuckDB as Arrow without copies, and not as a registered view: inside a transaction
        DuckDB keeps a dropped view, and with it the data, until the commit.
        """
        self._check_column_order(table, [c for c, _ in columns])
        given = pa.Table.from_pandas(frame, preserve_index=False)
        n = len(given)
        arrays = {
            c: pa.array(np.full(n, batch_id, dtype=np.int32))
            if c == "batch_id"
            else given[c]
            if c in given.column_names
            else pa.nulls(n)
            for c, _ in columns
        }
        self.con.from_arrow(pa.table(arrays)).insert_into(table)  # by position: columns in table order

    def _check_column_order(self, table: str, names: list[str]) -> None:
        """The positional insert above is right only if the stored table has these columns in this order."""
        if table in self._checked:
            return
        stored = [
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        if stored != names:
            raise SchemaError(
                f"{self.path}: table {table} has columns {stored}, expected {names} in this order; "
                f"the schema changed without a migration (schema version {self.schema_version})"
            )
        self._checked.add(table)

    def _all_years(self) -> list[int]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT year FROM batch_years ORDER BY 1").fetchall()]

    def close(self) -> None:
        if getattr(self, "con", None) is None:
            return
        self.con.close()
        self.con = None  # type: ignore[assignment]
        if not self.read_only:
            with contextlib.suppress(OSError):
                self._note.unlink()

    def __del__(self) -> None:
        # at interpreter exit module globals (contextlib too) may already be gone: a plain try, nothing imported
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - a finaliser must not raise, and has nowhere to report
            pass


def _quarter_sql(col: str) -> str:
    return f"CASE WHEN {col} LIKE '%Q%' THEN TRY_CAST(right({col}, 1) AS INTEGER) ELSE (TRY_CAST(substr({col}, 6, 2) AS INTEGER) + 2) // 3 END"


def _replaces(kind: Any) -> str:
    """SQL: the stored row ``t`` is the one the new row ``b`` replaces.

    The key decides; a reported period replaces the periods it overlaps, so a late or corrected batch converges
    whatever its grain: a year replaces that year's months and quarters and is replaced by them, a quarter its
    months. A row with the credit code is that code, whatever its name and place.
    """
    parts = []
    pf = kind.period_field if kind.period_field and kind.field(kind.period_field).rule == "period" else None
    for k in kind.key:
        if k == pf:
            t, b = f't."{k}"', f'b."{k}"'
            parts.append(
                f"(t.year = b.year AND ({t} = {b} OR length({t}) = 4 OR length({b}) = 4 OR "
                f"(({t} LIKE '%Q%' OR {b} LIKE '%Q%') AND {_quarter_sql(t)} = {_quarter_sql(b)})))"
            )
        else:
            parts.append(f't."{k}" IS NOT DISTINCT FROM b."{k}"')
    on = " AND ".join(parts)
    if kind.key_code:
        c = kind.key_code
        on = f'(CASE WHEN b."{c}" IS NOT NULL THEN t."{c}" = b."{c}" ELSE t."{c}" IS NULL AND {on} END)'
    return on
