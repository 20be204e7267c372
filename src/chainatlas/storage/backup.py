"""Backup and restore of an atlas: the DuckDB database, its users and alerts stores and its audit log.

A backup is a folder (not an archive: the DuckDB file is already compressed, a folder restores without
unpacking into twice the space, and each file can be checked, copied or synced on its own)::

    DEST/
      manifest.json       what the backup holds: versions, time, sha256 and size of each file, row counts
      atlas.duckdb        a consistent snapshot of the database (DuckDB's COPY FROM DATABASE)
      users.sqlite        the users store, if there is one (SQLite's online backup)
      alerts.sqlite       the alerts and their handling, if there are any (likewise)
      reviews.sqlite      each side's reviews of enclaves' 亩均 evaluations, if there are any (likewise)
      audit.jsonl         the audit log and its anchor, if there is one (copied under the log's lock)
      audit.jsonl.head

:func:`backup` runs while ``chainatlas serve`` serves the atlas: the snapshot is read through DuckDB in
read-only mode, which shares the file with the server's readers. While the server loads an upload it holds
the file for writing; the backup then waits (with backoff, up to ``wait`` seconds) and fails with a message
saying so. Meanwhile the backup's own shared lock makes an upload that starts during the copy wait: the
server answers it 503 (try again), so back up at a quiet time if uploads matter.

:func:`restore` checks every file against the manifest first, refuses while any process has the atlas open
(stop the server), and swaps the files in by rename: the previous atlas is kept as ``<db>.before-restore``,
the users store as ``<db>.users.sqlite.before-restore`` and the audit log under a time-stamped name (audit
records are never overwritten). A backup from an older schema is migrated as the atlas is opened.

The manifest's checksums show damage and accidental edits; they are not a signature: whoever can rewrite the
backup can rewrite its manifest too. Keep backups where only their owner can write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from chainatlas import config
from chainatlas.errors import BackendError, ConfigError, LockError, SchemaError
from chainatlas.storage import audit, schema
from chainatlas.storage.base import open_backend
from chainatlas.storage.duckdb import _HOLDER_PID, _cmdline, _shown

__all__ = [
    "FORMAT",
    "MANIFEST",
    "Manifest",
    "Restored",
    "backup",
    "read_manifest",
    "restore",
    "verify_backup",
]

FORMAT = "chainatlas-backup/1"
MANIFEST = "manifest.json"
#: file in the backup -> what it holds
FILES = {
    "atlas.duckdb": "atlas",
    "users.sqlite": "users",
    "alerts.sqlite": "alerts",
    "reviews.sqlite": "reviews",
    "audit.jsonl": "audit",
    "audit.jsonl.head": "audit anchor",
}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Manifest:
    """The contents of a backup folder, as ``manifest.json`` records them.

    Attributes
    ----------
    path : Path
        The backup folder.
    chainatlas_version, duckdb_version : str
        Versions that wrote the backup.
    schema_version : int
        The atlas's schema version (its ``meta`` table) when it was copied.
    created_at : str
        When the snapshot was taken (UTC, ISO 8601).
    source : str
        The atlas that was copied.
    files : dict
        File name in the folder -> ``{"sha256", "bytes"}``.
    tables : dict
        Table of the atlas -> rows.
    """

    path: Path
    chainatlas_version: str
    duckdb_version: str
    schema_version: int
    created_at: str
    source: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "chainatlas_version": self.chainatlas_version,
            "duckdb_version": self.duckdb_version,
            "schema_version": self.schema_version,
            "created_at": self.created_at,
            "source": self.source,
            "files": self.files,
            "tables": self.tables,
        }


@dataclass(frozen=True)
class Restored:
    """What :func:`restore` did.

    Attributes
    ----------
    db : Path
        The atlas restored.
    manifest : Manifest
        The backup restored from.
    schema_from, schema_to : int
        Schema version of the backup and of the atlas after opening it (higher when it was migrated).
    kept : list of Path
        Where the files replaced were moved (``<db>.before-restore`` ...).
    restored : list of Path
        The files written.
    """

    db: Path
    manifest: Manifest
    schema_from: int
    schema_to: int
    kept: list[Path]
    restored: list[Path]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _version() -> str:
    try:
        return metadata.version("chainatlas")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _busy(e: duckdb.Error) -> bool:
    """Whether DuckDB refused the file because another connection holds it for writing."""
    text = str(e).lower()
    # another process: "Could not set lock on file"; this process (a writing connection): "Unique file
    # handle conflict: ... is already attached"
    return "could not set lock" in text or "file handle conflict" in text


def _holder(error: str) -> str:
    """The process DuckDB names in its lock error, as a person reads it."""
    found = _HOLDER_PID.search(error)
    if not found:
        return "another process"
    return f"process {found.group(1)} (`{' '.join(_shown(_cmdline(found.group(1))).split())}`)"


def _busy_message(db: Path, error: str, waited: float) -> str:
    who = _holder(error)
    return (
        f"cannot back up {db}: {who} has held it for writing for the last {waited:.0f} s (a running server "
        f"does so while it loads an upload). Try again when that finishes; nothing was written"
    )


@contextlib.contextmanager
def _snapshot_connection(db: Path, wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the atlas attached read-only as ``src``, retried with backoff for ``wait``
    seconds while a writer holds the file."""
    cfg: dict[str, Any] = {"memory_limit": config.get("memory_limit")}
    if config.get("threads"):
        cfg["threads"] = int(config.get("threads"))
    con = duckdb.connect(":memory:", config=cfg)
    try:
        start, delay = time.monotonic(), 0.05
        while True:
            try:
                con.execute(f"ATTACH {_sql_str(db)} AS src (READ_ONLY)")
                break
            except duckdb.Error as e:
                waited = time.monotonic() - start
                if not _busy(e):
                    raise BackendError(f"cannot read the atlas {db} to back it up: {e}") from None
                if waited + delay > wait:
                    raise LockError(_busy_message(db, str(e), waited)) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        yield con
    finally:
        con.close()


def _counts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    """Rows of every table of the attached ``database`` (``schema.table`` outside ``main``)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1, 2",
        [database],
    ).fetchall()
    out = {}
    for s, t in tables:
        row = con.execute(f'SELECT count(*) FROM "{database}"."{s}"."{t}"').fetchone()
        out[t if s == "main" else f"{s}.{t}"] = int(row[0]) if row else 0
    return out


def _schema_version(con: duckdb.DuckDBPyConnection, database: str) -> int:
    """The schema version stored in the ``meta`` table of ``database``, as DuckDBBackend keeps it."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'meta'", [database]
    ).fetchone()
    if not found or not found[0]:
        return 0
    row = con.execute(f"SELECT value FROM {database}.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _copy_atlas(db: Path, out: Path, wait: float) -> tuple[int, dict[str, int]]:
    """Snapshot the atlas ``db`` into the new DuckDB file ``out``; return its schema version and row counts
    (checked equal in source and copy)."""
    with _snapshot_connection(db, wait) as con:
        con.execute(f"ATTACH {_sql_str(out)} AS dst")
        con.execute("BEGIN TRANSACTION")  # one snapshot for the copy and the counts
        con.execute("COPY FROM DATABASE src TO dst")
        version, before = _schema_version(con, "src"), _counts(con, "src")
        con.execute("COMMIT")
        after = _counts(con, "dst")
        con.execute("DETACH dst")  # checkpoints: the copy is one file, without a write-ahead log
    if before != after:
        wrong = {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n}
        raise BackendError(
            f"the copy of {db} does not hold the same rows as the atlas (table: atlas rows, copied rows): "
            f"{wrong}; nothing was kept"
        )
    return version, before


#: the SQLite stores kept beside the atlas (written while the server runs): backup file -> side file
STORES = {"users.sqlite": "users", "alerts.sqlite": "alerts", "reviews.sqlite": "reviews"}


def _copy_store(src: Path, out: Path, what: str) -> bool:
    """Copy the SQLite store ``src`` (written meanwhile, perhaps) with SQLite's online backup."""
    if not src.exists():
        return False
    try:
        source = sqlite3.connect(f"file:{src}?mode=rw", uri=True, timeout=60)
    except sqlite3.Error as e:
        raise BackendError(f"cannot read the {what} store {src}: {e}") from None
    try:
        target = sqlite3.connect(out)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as e:
        raise BackendError(f"cannot copy the {what} store {src}: {e}") from None
    finally:
        source.close()
    return True


def backup(
    db_path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    wait: float = 60.0,
    verify: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """Back up the atlas at ``db_path``, with its users store and audit log, into the new folder ``dest``.

    Parameters
    ----------
    db_path : path-like
        The atlas; it may be open read-only by other processes (a running server).
    dest : path-like
        The backup folder; must not exist, or be empty. Written as ``<dest>.partial`` and renamed when
        complete, so a failed backup leaves no folder that looks whole.
    wait : float
        Seconds to keep retrying while another process holds the atlas for writing.
    verify : bool
        Read the finished backup back (:func:`verify_backup` with ``deep=True``).
    progress : callable, optional
        ``progress(step, i, n)`` for each step.
    """
    db, dest = Path(db_path), Path(dest)
    if not db.is_file():
        raise ConfigError(f"no atlas database at {db}; point --db / CHAINATLAS_DB at the atlas to back up")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(
            f"{dest} already exists and is not an empty folder; name a new folder for the backup"
        )
    steps = 5 if verify else 4
    say = progress or (lambda step, i, n: None)
    work = dest.with_name(dest.name + ".partial")
    if work.exists():
        shutil.rmtree(work)  # left by a backup that failed
    work.mkdir(parents=True)
    try:
        say(f"atlas {db}", 1, steps)
        version, tables = _copy_atlas(db, work / "atlas.duckdb", wait)
        say("users, alerts and reviews stores", 2, steps)
        for name, what in STORES.items():
            _copy_store(config.side_file(db, what), work / name, what)
        say("audit log", 3, steps)
        audit.copy_log(config.side_file(db, "audit"), work / "audit.jsonl")
        say("manifest", 4, steps)
        files = {}
        for name in FILES:
            p = work / name
            if p.exists():
                _fsync(p)
                files[name] = {"sha256": _sha256(p), "bytes": p.stat().st_size}
        manifest = Manifest(
            path=dest,
            chainatlas_version=_version(),
            duckdb_version=duckdb.__version__,
            schema_version=version,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            source=str(db.resolve()),
            files=files,
            tables=tables,
        )
        text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"
        (work / MANIFEST).write_text(text, encoding="utf-8")
        _fsync(work / MANIFEST)
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if verify:
        say("verify", 5, steps)
        verify_backup(dest, deep=True)
    return manifest


def read_manifest(src: str | os.PathLike[str]) -> Manifest:
    """The manifest of the backup folder ``src`` (not yet checked against its files)."""
    src = Path(src)
    try:
        raw = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{src} is not a Chain Atlas backup: it has no {MANIFEST}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BackendError(f"the backup {src} is damaged: {MANIFEST} is not JSON ({e})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        got = raw.get("format") if isinstance(raw, dict) else None
        raise BackendError(f"{src / MANIFEST}: expected a backup of format {FORMAT!r}, got {got!r}")
    try:
        m = Manifest(
            path=src,
            chainatlas_version=str(raw["chainatlas_version"]),
            duckdb_version=str(raw["duckdb_version"]),
            schema_version=int(raw["schema_version"]),
            created_at=str(raw["created_at"]),
            source=str(raw["source"]),
            files={str(k): dict(v) for k, v in raw["files"].items()},
            tables={str(k): int(v) for k, v in raw["tables"].items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise BackendError(f"the backup {src} is damaged: {MANIFEST} lacks or garbles {e}") from None
    unknown = set(m.files) - set(FILES)
    if unknown or "atlas.duckdb" not in m.files:
        raise BackendError(
            f"{src / MANIFEST} lists {sorted(unknown) or 'no atlas.duckdb'}; expected atlas.duckdb and "
            f"optionally {', '.join(n for n in FILES if n != 'atlas.duckdb')}"
        )
    return m


def verify_backup(src: str | os.PathLike[str], *, deep: bool = False) -> Manifest:
    """Check the backup folder ``src``: every file the manifest lists is there with its size and SHA-256,
    and no other backup file is. ``deep`` also reads the files back: the atlas's row counts against the
    manifest, SQLite's integrity check of the users store and the audit log's chain. Raises
    :class:`~chainatlas.errors.BackendError` naming the first file that fails; returns the manifest."""
    m = read_manifest(src)
    src = m.path
    for name in FILES:
        p = src / name
        if name not in m.files:
            if p.exists():
                raise BackendError(f"the backup {src} holds {name}, which its manifest does not list")
            continue
        want = m.files[name]
        if not p.is_file():
            raise BackendError(f"the backup {src} is incomplete: {name} is missing")
        size = p.stat().st_size
        if size != want.get("bytes"):
            raise BackendError(
                f"the backup {src} is damaged: {name} has {size:,} bytes, the manifest says {want.get('bytes')}"
            )
        digest = _sha256(p)
        if digest != want.get("sha256"):
            raise BackendError(
                f"the backup {src} is damaged or was altered: {name} has SHA-256 {digest}, the manifest "
                f"says {want.get('sha256')}; do not restore from it"
            )
    if deep:
        _verify_contents(m)
    return m


def _verify_contents(m: Manifest) -> None:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {_sql_str(m.path / 'atlas.duckdb')} AS bak (READ_ONLY)")
        counts = _counts(con, "bak")
    except duckdb.Error as e:
        raise BackendError(f"the backup {m.path}: atlas.duckdb cannot be read: {e}") from None
    finally:
        con.close()
    if counts != m.tables:
        wrong = sorted(set(counts.items()) ^ set(m.tables.items()))
        raise BackendError(f"the backup {m.path}: atlas.duckdb rows differ from the manifest: {wrong}")
    for name in STORES:
        if name not in m.files:
            continue
        try:
            # immutable: read without locks or -wal/-shm files, which would change the backup folder
            store = sqlite3.connect(f"file:{m.path / name}?mode=ro&immutable=1", uri=True)
            try:
                row = store.execute("PRAGMA integrity_check").fetchone()
            finally:
                store.close()
        except sqlite3.Error as e:
            row = (str(e),)
        if not row or row[0] != "ok":
            raise BackendError(f"the backup {m.path}: {name} fails SQLite's integrity check: {row}")
    if "audit.jsonl" in m.files:
        v = audit.verify(m.path / "audit.jsonl")
        if not v.ok:
            raise BackendError(f"the backup {m.path}: audit.jsonl fails its chain check: {v.reason}")


def _hold_atlas(db: Path) -> duckdb.DuckDBPyConnection | None:
    """Open the current atlas for writing, which DuckDB allows only when no other process has it open;
    flush its write-ahead log. None when there is no atlas or DuckDB cannot read the file at all."""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=False)
    except duckdb.Error as e:
        if _busy(e):
            raise LockError(
                f"cannot restore over {db}: it is open in {_holder(str(e))}. Stop the server (or that command) first, "
                f"then restore again; nothing was changed"
            ) from None
        return None  # not a database DuckDB can open (damaged): nothing can be using it as one
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error:
        pass
    return con


def _release_store(path: Path) -> None:
    """Fold a SQLite store's write-ahead log into it, so that the file alone is the store: a ``-wal`` left
    beside a replaced file would be replayed into the restored one. SQLite removes ``-wal`` when its last
    connection closes, so one that remains after ours means another process has the store open."""
    if not path.exists():
        return
    try:
        con = sqlite3.connect(path, timeout=5)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
    except sqlite3.Error as e:
        raise LockError(f"cannot restore over the store {path}: {e}; stop the server first") from None
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        raise LockError(
            f"the store {path} is open in another process ({wal.name} remains); stop the server "
            f"first, then restore again; nothing was changed"
        )


def _stage(src: Path, target: Path) -> Path:
    """Copy ``src`` beside ``target`` (to ``<target>.restoring``), synced, ready to be renamed over it."""
    tmp = target.with_name(target.name + ".restoring")
    shutil.copyfile(src, tmp)
    _fsync(tmp)
    return tmp


def _swap(tmp: Path, target: Path, kept: list[Path]) -> None:
    """Rename ``tmp`` over ``target``, first keeping ``target`` as ``<target>.before-restore`` (a hard link,
    so the path never goes missing; a rename where links cannot be made)."""
    if target.exists():
        aside = target.with_name(target.name + ".before-restore")
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
        try:
            os.link(target, aside)
        except OSError:
            os.replace(target, aside)
        kept.append(aside)
    os.replace(tmp, target)


def restore(
    src: str | os.PathLike[str],
    db_path: str | os.PathLike[str],
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Restored:
    """Restore the backup folder ``src`` as the atlas ``db_path``, with its users store and audit log.

    Checks every file against the manifest first (:func:`verify_backup`); refuses with
    :class:`~chainatlas.errors.LockError` while any process has the atlas open, and with
    :class:`~chainatlas.errors.ConfigError` when an atlas exists and ``force`` is not given. The previous
    atlas, users store and audit log are kept beside (see the module's description). The restored atlas is
    then opened once for writing, which migrates a backup of an older schema.
    """
    db = Path(db_path)
    say = progress or (lambda step, i, n: None)
    say(f"check {src}", 1, 4)
    m = verify_backup(src)
    if m.schema_version > schema.SCHEMA_VERSION:
        raise SchemaError(
            f"the backup {m.path} has schema version {m.schema_version}, newer than this Chain Atlas "
            f"understands ({schema.SCHEMA_VERSION}); restore it with Chain Atlas {m.chainatlas_version} or newer"
        )
    if db.exists() and not force:
        raise ConfigError(
            f"an atlas already exists at {db}; restore over it with --force (it is kept as "
            f"{db.name}.before-restore), or restore to another path with --db"
        )
    stores = {name: config.side_file(db, what) for name, what in STORES.items()}
    log = config.side_file(db, "audit")
    db.parent.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    kept: list[Path] = []
    # the current atlas is held for writing from here until the swap is done: no one opens it meanwhile
    holder = _hold_atlas(db)
    try:
        wal = db.with_name(db.name + ".wal")
        if wal.exists() and wal.stat().st_size:
            raise BackendError(
                f"{wal} holds writes not yet in {db.name}, and DuckDB cannot apply them; restoring would "
                f"replay them into the restored atlas. Move {wal.name} aside and restore again"
            )
        for path in stores.values():
            _release_store(path)
        say("copy files beside the atlas", 2, 4)
        staged.append((_stage(m.path / "atlas.duckdb", db), db))
        for name, path in stores.items():
            if name in m.files:
                staged.append((_stage(m.path / name, path), path))
        say("swap files", 3, 4)
        for tmp, target in staged[1:]:
            _swap(tmp, target, kept)
        for name, path in stores.items():
            if name not in m.files and path.exists():
                _swap_out(path, kept)
        had_log = audit.install_log(m.path / "audit.jsonl" if "audit.jsonl" in m.files else None, log)
        if had_log is not None:
            kept.append(had_log)
        _swap(staged[0][0], db, kept)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        if holder is not None:
            holder.close()
    _fsync(db.parent)
    say("open and migrate", 4, 4)
    with open_backend(db, command="chainatlas restore") as b:
        after = int(b.get_meta("schema_version") or 0)
    restored = [db] + [t for _, t in staged[1:]] + ([log] if "audit.jsonl" in m.files else [])
    return Restored(db, m, m.schema_version, after, kept, restored)


def _swap_out(path: Path, kept: list[Path]) -> None:
    aside = path.with_name(path.name + ".before-restore")
    os.replace(path, aside)
    kept.append(aside)
