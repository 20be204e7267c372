"""The SQLite side stores beside an atlas (alerts, reviews): one way to open them.

A store is a WAL-mode SQLite file readable only by its owner (mode 600); reading a store that does not exist yet
reads an empty one in memory (nothing is created by a read); a write runs in one ``BEGIN IMMEDIATE`` transaction,
rolled back whole on any error.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["connect"]


@contextlib.contextmanager
def connect(
    path: Path, schema: Sequence[str], version: str, *, write: bool = False, foreign_keys: bool = False
) -> Iterator[sqlite3.Connection]:
    """A connection to the store at ``path`` with its ``schema`` made (statements run when writing or when the
    file is missing) and its ``settings`` table holding ``schema_version`` = ``version``; a write commits at the end
    of the block."""
    created = write and not path.exists()
    if not write and not path.exists():
        con = sqlite3.connect(":memory:")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
    try:
        if foreign_keys:
            con.execute("PRAGMA foreign_keys=ON")
        if write or not path.exists():
            for stmt in schema:
                con.execute(stmt)
        if write:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT OR IGNORE INTO settings VALUES ('schema_version', ?)", (version,))
        yield con
        if write:
            con.execute("COMMIT")
    except BaseException:
        if write and con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    if created:
        path.chmod(0o600)
