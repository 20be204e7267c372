"""Users and their credentials, in a small SQLite file beside the atlas (``<db>.users.sqlite``).

Why a file of its own: the API server keeps the DuckDB atlas open, and DuckDB lets one process write a file; users
are added, disabled and given new keys by ``chainatlas users`` while the server runs, which SQLite allows (its
writers take a short lock; the server only reads). Secrets are never stored: passwords and API keys are kept as
Argon2id hashes (argon2-cffi's defaults, RFC 9106). An API key reads ``ca_<key id>_<secret>``: the id finds the
row, the secret is verified against its hash, so a key costs one hash check, not one per user.

Every change bumps ``version`` (the API drops its verified-credential cache when it moves) and a user's
``key_version`` when their key or password changes or they are disabled, which also invalidates the signed login
tokens issued before (a token carries the version it was issued under).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import REGION, ROLES, Principal, normalize_jurisdiction

__all__ = ["User", "UserStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, jurisdiction TEXT, password_hash TEXT,
        key_id TEXT UNIQUE, key_hash TEXT, key_version INTEGER NOT NULL DEFAULT 1,
        disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_NAME_RULE = "1–64 letters, digits, '.', '_', '-' or '@' (Chinese letters too)"


@dataclass(frozen=True)
class User:
    """A user as stored, without secrets."""

    name: str
    role: str
    jurisdiction: str | None
    disabled: bool
    key_version: int

    @property
    def principal(self) -> Principal:
        return Principal(self.name, self.role, self.jurisdiction)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _check_name(name: str) -> str:
    name = str(name).strip()
    if not (1 <= len(name) <= 64) or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise ConfigError(f"{name!r} is not a user name; expected {_NAME_RULE}", param="name")
    return name


def _check_jurisdiction(code: str | None) -> str | None:
    """None (no jurisdiction yet), ``YRD`` or the code of a real province, city or county of the region."""
    if code in (None, ""):
        return None
    from chainatlas import geo

    jur = normalize_jurisdiction(code)
    if jur != REGION and jur not in set(geo.places()["adcode"]):
        raise ConfigError(
            f"{code!r} is not a current province, city or county code of the region", param="jurisdiction"
        )
    return jur


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", param="role")
    return role


class UserStore:
    """The users of one atlas.

    Parameters
    ----------
    path : Path
        The SQLite file (``config.side_file(db, "users")``); created on the first write, never by reading.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    # ------------------------------------------------------------------------------------------ plumbing
    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            con = sqlite3.connect(":memory:")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
        try:
            for stmt in _SCHEMA:
                con.execute(stmt)
            if write:
                con.execute("BEGIN IMMEDIATE")
            yield con
            if write:
                con.execute(
                    "INSERT INTO settings VALUES ('version', '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
                con.execute("COMMIT")
        except BaseException:
            if write and con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        if write:
            self.path.chmod(0o600)

    def _row(self, con: sqlite3.Connection, name: str) -> tuple:
        row = con.execute(
            "SELECT name, role, jurisdiction, disabled, key_version FROM users WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise ConfigError(f"no user {name!r}; `chainatlas users list` shows them", param="name")
        return row

    @staticmethod
    def _user(row: tuple) -> User:
        return User(row[0], row[1], row[2], bool(row[3]), int(row[4]))

    @staticmethod
    def _new_key(con: sqlite3.Connection, name: str) -> str:
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        con.execute(
            "UPDATE users SET key_id = ?, key_hash = ?, key_version = key_version + 1, updated_at = ? "
            "WHERE name = ?",
            (key_id, _hasher().hash(secret), _now(), name),
        )
        return f"ca_{key_id}_{secret}"

    # ------------------------------------------------------------------------------------------ reading
    @property
    def version(self) -> int:
        """Bumped by every change: a cache of verified credentials is valid while it stays the same."""
        with self._db() as con:
            row = con.execute("SELECT value FROM settings WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    def active(self) -> bool:
        """Whether any enabled user exists (then every request needs a credential)."""
        with self._db() as con:
            return con.execute("SELECT count(*) FROM users WHERE disabled = 0").fetchone()[0] > 0

    def get(self, name: str) -> User | None:
        with self._db() as con:
            row = con.execute(
                "SELECT name, role, jurisdiction, disabled, key_version FROM users WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else self._user(row)

    def list(self) -> pd.DataFrame:
        """Every user without secrets: name, role, jurisdiction, disabled, has_password, has_key, dates."""
        with self._db() as con:
            rows = con.execute(
                "SELECT name, role, jurisdiction, disabled, password_hash IS NOT NULL, key_hash IS NOT NULL, "
                "created_at, updated_at FROM users ORDER BY name"
            ).fetchall()
        cols = [
            "name",
            "role",
            "jurisdiction",
            "disabled",
            "has_password",
            "has_key",
            "created_at",
            "updated_at",
        ]
        df = pd.DataFrame(rows, columns=cols)
        for c in ("disabled", "has_password", "has_key"):
            df[c] = df[c].astype(bool)
        return df

    def signing_key(self) -> bytes:
        """The key that signs login tokens: made at random on first use and kept in the file."""
        with self._db() as con:
            row = con.execute("SELECT value FROM settings WHERE key = 'signing_key'").fetchone()
        if row:
            return bytes.fromhex(row[0])
        with self._db(write=True) as con:
            con.execute("INSERT OR IGNORE INTO settings VALUES ('signing_key', ?)", (secrets.token_hex(32),))
            value = con.execute("SELECT value FROM settings WHERE key = 'signing_key'").fetchone()[0]
        return bytes.fromhex(value)

    # ------------------------------------------------------------------------------------------ checking
    def check_password(self, name: str, password: str) -> User | None:
        """The enabled user whose password this is, else None (unknown names cost a hash too: no timing oracle)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self._db() as con:
            row = con.execute(
                "SELECT name, role, jurisdiction, disabled, key_version, password_hash FROM users WHERE name = ?",
                (str(name),),
            ).fetchone()
        ph = _hasher()
        if row is None or row[5] is None:
            with contextlib.suppress(VerificationError, InvalidHashError):
                ph.verify(ph.hash("x"), str(password) + "-")
            return None
        try:
            ph.verify(row[5], str(password))
        except (VerificationError, InvalidHashError):
            return None
        return None if row[3] else self._user(row[:5])

    def check_key(self, key: str) -> User | None:
        """The enabled user holding this API key, else None."""
        from argon2.exceptions import InvalidHashError, VerificationError

        parts = str(key).split("_", 2)
        if len(parts) != 3 or parts[0] != "ca":
            return None
        with self._db() as con:
            row = con.execute(
                "SELECT name, role, jurisdiction, disabled, key_version, key_hash FROM users WHERE key_id = ?",
                (parts[1],),
            ).fetchone()
        if row is None or row[5] is None or row[3]:
            return None
        try:
            _hasher().verify(row[5], parts[2])
        except (VerificationError, InvalidHashError):
            return None
        return self._user(row[:5])

    # ------------------------------------------------------------------------------------------ changing
    def add(self, name: str, role: str, jurisdiction: str | None, password: str | None = None) -> str:
        """Add a user; returns their API key (shown once: only its hash is kept).

        ``jurisdiction`` None makes a user who sees nothing until one is set (``users set``).
        """
        name = _check_name(name)
        role = _check_role(role)
        jur = _check_jurisdiction(jurisdiction)
        if password is not None and len(password) < 10:
            raise ConfigError("expected at least 10 characters", param="password")
        with self._db(write=True) as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise ConfigError(
                    f"user {name!r} exists; use `chainatlas users set` or another name", param="name"
                )
            now = _now()
            con.execute(
                "INSERT INTO users (name, role, jurisdiction, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, role, jur, None if password is None else _hasher().hash(password), now, now),
            )
            return self._new_key(con, name)

    def set(
        self,
        name: str,
        *,
        role: str | None = None,
        jurisdiction: str | None = None,
        password: str | None = None,
        enabled: bool | None = None,
    ) -> User:
        """Change a user's role, jurisdiction, password or whether they are enabled. A change of any of them
        invalidates the login tokens issued before (the role and jurisdiction are in the token)."""
        with self._db(write=True) as con:
            self._row(con, name)
            if role is not None:
                con.execute("UPDATE users SET role = ? WHERE name = ?", (_check_role(role), name))
            if jurisdiction is not None:
                jur = _check_jurisdiction(jurisdiction)
                con.execute("UPDATE users SET jurisdiction = ? WHERE name = ?", (jur, name))
            if password is not None:
                if len(password) < 10:
                    raise ConfigError("expected at least 10 characters", param="password")
                con.execute(
                    "UPDATE users SET password_hash = ? WHERE name = ?", (_hasher().hash(password), name)
                )
            if enabled is not None:
                con.execute("UPDATE users SET disabled = ? WHERE name = ?", (0 if enabled else 1, name))
            con.execute(
                "UPDATE users SET key_version = key_version + 1, updated_at = ? WHERE name = ?",
                (_now(), name),
            )
            return self._user(self._row(con, name))

    def disable(self, name: str) -> User:
        """Disable a user: their key, password and tokens stop working at once."""
        return self.set(name, enabled=False)

    def rotate_key(self, name: str) -> str:
        """A new API key for ``name`` (the old one and the tokens issued before stop working)."""
        with self._db(write=True) as con:
            if self._row(con, name)[3]:
                raise AccessError(
                    f"user {name!r} is disabled; enable them first (`chainatlas users set --enable`)"
                )
            return self._new_key(con, name)
