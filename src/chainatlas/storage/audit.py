"""The audit log: who did what to the atlas, append-only and hash-chained, beside the database.

One JSON object per line in ``<db>.audit.jsonl`` (:func:`chainatlas.config.side_file`)::

    {"action":"read_entities","actor":"alice","count":20,"hash":"…","parameters":{"q":"苏州"},
     "prev":"…","resource":"/api/entities","result":"ok","seq":17,"ts":"2026-12-01T01:36:17.123+00:00"}

- ``seq`` counts from 1; ``prev`` is the ``hash`` of record ``seq - 1`` (64 zeros for the first);
  ``hash`` is the SHA-256 of the record's canonical JSON without ``hash`` (keys sorted, no spaces, UTF-8).
- ``parameters`` are sanitised (:func:`sanitise`): the value of any key that looks like a secret
  (password, token, key, secret, authorization, api_key, cookie, credential, session) is replaced by
  ``"***"``, as is any value that looks like a bearer token or JWT; long values are cut.
- Appends are safe across threads (a lock) and processes (``fcntl.flock`` on the log), written with one
  ``write`` on an ``O_APPEND`` descriptor, then ``fsync``.

Tamper evidence. :func:`verify` recomputes the chain: an edited record fails its own hash; a deleted,
inserted or reordered record breaks the ``seq`` order or the ``prev`` link. A chain cannot show that its
*tail* was cut, so every append also writes the anchor ``<log>.head`` (last ``seq`` and ``hash``; replaced
atomically): a log that ends before the anchor's record, or holds another record there, was truncated or
rewritten.

Residual risk: the hashes carry no secret. Whoever can write both files can rewrite the log from any
record on, recompute every hash and write a matching anchor, and :func:`verify` will pass; no log kept
only on the machine it records can prevent that. To make such a rewrite detectable, ship the anchor
elsewhere as it changes (for instance copy ``<log>.head`` to another host or a write-once store every
few minutes, or print its hash into a ticket); a later :func:`verify` against the shipped anchor
(``head=``) then fails if anything before it was rewritten.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

from chainatlas.errors import BackendError, ConfigError

__all__ = [
    "GENESIS",
    "AuditLog",
    "Verification",
    "append",
    "copy_log",
    "head_path",
    "install_log",
    "read",
    "sanitise",
    "verify",
]

#: ``prev`` of the first record
GENESIS = "0" * 64
MASK = "***"
#: longest text kept of one parameter value, and most items kept of one list
_MAX_TEXT = 256
_MAX_ITEMS = 50
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "passphrase", "secret", "token", "key", "apikey", "authorization", "auth"}
    | {"cookie", "credential", "credentials", "session", "signature", "private", "jwt", "bearer", "otp"}
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# a bearer token, a JWT (three base64url parts, the first starting like '{"'), or a PEM private key
_SECRET_VALUE = re.compile(
    r"^\s*(?:bearer\s+\S+|eyJ[\w-]+\.[\w-]+\.[\w-]*|-----BEGIN [A-Z ]*PRIVATE KEY-----)", re.IGNORECASE
)


def _secret_key(name: str) -> bool:
    """Whether a parameter called ``name`` may hold a secret: a word of it (snake, kebab or camel case) is
    a secret word, or it contains ``password``, ``secret``, ``token`` or ``apikey`` anywhere."""
    words = {w.lower() for w in _WORD.findall(name)}
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    return bool(words & _SECRET_WORDS) or any(
        s in flat for s in ("password", "secret", "token", "apikey", "passwd")
    )


def sanitise(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """``parameters`` as the audit log keeps them: secrets masked, values JSON-safe and bounded.

    The value of a key that looks like a secret becomes ``"***"`` whatever it is (also inside nested
    mappings and lists); so does a text value that looks like a bearer token, a JWT or a private key.
    Text longer than 256 characters is cut (marked ``…[n chars]``), lists after 50 items; any other
    object is kept as its ``str``. ``parameters`` itself is not changed.

    Examples
    --------
    >>> sanitise({"q": "苏州", "password": "hunter2", "apiKey": "k", "page": 2})
    {'q': '苏州', 'password': '***', 'apiKey': '***', 'page': 2}
    """
    return {str(k): MASK if _secret_key(str(k)) else _clean(v) for k, v in (parameters or {}).items()}


def _clean(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return sanitise(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        kept = [_clean(v) for v in items[:_MAX_ITEMS]]
        return kept + [f"…[{len(items)} items]"] if len(items) > _MAX_ITEMS else kept
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    if _SECRET_VALUE.match(text):
        return MASK
    return text[:_MAX_TEXT] + f"…[{len(text)} chars]" if len(text) > _MAX_TEXT else text


def _canonical(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _digest(record: Mapping[str, Any]) -> str:
    """The hash of a record: SHA-256 of its canonical JSON without ``hash``."""
    return hashlib.sha256(_canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def head_path(path: str | os.PathLike[str]) -> Path:
    """The anchor file of the log at ``path``: ``<log>.head``."""
    p = Path(path)
    return p.with_name(p.name + ".head")


def _write_atomic(path: Path, data: bytes, *, sync: bool) -> None:
    """Replace ``path`` with ``data``: written beside, synced, then renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _last_line(fd: int, size: int) -> tuple[bytes, bool]:
    """The last complete line of the file open as ``fd`` (``size`` bytes long, read backwards), and whether
    the file ends in a torn write (no final newline, e.g. after a crash mid-write)."""
    if size == 0:
        return b"", False
    torn = os.pread(fd, 1, size - 1) != b"\n"
    step, start, buf = 4096, size, b""
    while True:
        lo = max(0, start - step)
        buf = os.pread(fd, start - lo, lo) + buf
        start, step = lo, step * 2
        stop = buf.rfind(b"\n")  # end of the last complete line
        if stop < 0:
            if start == 0:
                return b"", torn
            continue
        begin = buf.rfind(b"\n", 0, stop)
        if begin >= 0 or start == 0:
            return buf[begin + 1 : stop], torn


class AuditLog:
    """The audit log at ``path``, opened for appending (one instance may serve every thread).

    Parameters
    ----------
    path : path-like
        The log file, normally ``config.side_file(db, "audit")``; created on the first append.
    fsync : bool
        Sync the log and its anchor to disk on every append (default). Turn off only for logs that may
        lose their last records in a power cut.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True):
        self.path = Path(path)
        self.head = head_path(self.path)
        self.fsync = fsync
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._known: tuple[int, int, str] | None = None  # (file size, seq, hash) after our last append

    def _open(self) -> int:
        """Our descriptor of the log, reopened when the file was replaced (a restore) or removed."""
        try:
            on_disk = os.stat(self.path).st_ino
        except FileNotFoundError:
            on_disk = None
        if self._fd is not None and on_disk != os.fstat(self._fd).st_ino:
            os.close(self._fd)
            self._fd, self._known = None, None
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        return self._fd

    def _locked_fd(self) -> int:
        """Our descriptor of the log, under ``flock(LOCK_EX)``, still naming the file at ``path`` (a restore
        may have moved the log aside while we waited for the lock)."""
        while True:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)

    def append(
        self,
        action: str,
        *,
        actor: str = "local",
        resource: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        result: str = "ok",
        count: int | None = None,
    ) -> dict[str, Any]:
        """Append one record and return it as written.

        Parameters
        ----------
        action : str
            What was done: ``login``, ``login_failed``, ``forbidden``, ``read_entities``, ``export``,
            ``upload``, ``load``, ``users_add``, ``backup``, ``restore``...
        actor : str
            The user name, ``cli:<os user>`` for the command line, ``local`` when nobody is known.
        resource : str, optional
            The path or object acted on (``/api/entities``, a file).
        parameters : mapping, optional
            The request's parameters; kept through :func:`sanitise`.
        result : str
            ``ok``, ``denied``, ``failed``, an HTTP status...
        count : int, optional
            Rows returned, when known.
        """
        if not action:
            raise ConfigError("an audit record needs an action (login, export, ...)", param="action")
        with self._lock:
            fd = self._locked_fd()
            try:
                size = os.fstat(fd).st_size
                if self._known is not None and self._known[0] == size:
                    seq, prev, torn = self._known[1], self._known[2], False
                else:  # another process (or instance) appended since: read the last record
                    line, torn = _last_line(fd, size)
                    seq, prev = self._tail(line)
                record: dict[str, Any] = {
                    "seq": seq + 1,
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "actor": str(actor),
                    "action": str(action),
                    "resource": resource,
                    "parameters": sanitise(parameters),
                    "result": str(result),
                    "count": None if count is None else int(count),
                    "prev": prev,
                }
                record["hash"] = _digest(record)
                # a torn last line stays as it was (verify reports it); the new record starts a new line
                data = (b"\n" if torn else b"") + _canonical(record) + b"\n"
                done = 0
                while done < len(data):  # a regular file takes it in one write unless the disk is full
                    done += os.write(fd, data[done:])
                if self.fsync:
                    os.fsync(fd)
                self._known = (size + len(data), int(record["seq"]), str(record["hash"]))
                anchor = {"seq": record["seq"], "hash": record["hash"], "ts": record["ts"]}
                _write_atomic(self.head, _canonical(anchor) + b"\n", sync=self.fsync)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        return record

    def _tail(self, line: bytes) -> tuple[int, str]:
        if not line:
            return 0, GENESIS
        try:
            last = json.loads(line)
            return int(last["seq"]), str(last["hash"])
        except (ValueError, KeyError, TypeError):
            raise BackendError(
                f"cannot append to the audit log {self.path}: its last line is not an audit record; "
                f"run `chainatlas audit verify` and keep the damaged log as evidence (move it aside, a new "
                f"log then starts)"
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd, self._known = None, None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_LOGS: dict[Path, AuditLog] = {}
_LOGS_LOCK = threading.Lock()


def append(path: str | os.PathLike[str], action: str, **fields: Any) -> dict[str, Any]:
    """Append one record to the log at ``path`` (see :meth:`AuditLog.append` for ``fields``), through one
    :class:`AuditLog` per log kept open for the life of the process."""
    key = Path(os.path.abspath(path))
    with _LOGS_LOCK:
        log = _LOGS.get(key)
        if log is None:
            log = _LOGS[key] = AuditLog(key)
    return log.append(action, **fields)


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found.

    Attributes
    ----------
    ok : bool
        The chain is whole and ends where its anchor says.
    records : int
        Records (lines) in the log.
    first_bad_seq : int or None
        The ``seq`` at which the log stops being trustworthy (the record expected there when it is
        missing); None when ``ok``.
    reason : str
        Why, in words; ``""`` when ``ok``.
    note : str
        Something a reader should know that is not tampering (records written after the anchor, as after
        a crash between the two writes).
    """

    ok: bool
    records: int
    first_bad_seq: int | None = None
    reason: str = ""
    note: str = ""


def _read_head(path: Path) -> dict[str, Any] | None:
    try:
        head = json.loads(path.read_bytes())
        return {"seq": int(head["seq"]), "hash": str(head["hash"])}
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return {"seq": -1, "hash": ""}


def verify(path: str | os.PathLike[str], *, head: Mapping[str, Any] | None = None) -> Verification:
    """Check the log at ``path``: every hash, every link, the order, and the end against the anchor.

    ``head`` (a mapping with ``seq`` and ``hash``) checks against an anchor kept elsewhere instead of
    ``<log>.head``. A missing log with no anchor is an empty, intact log.
    """
    path = Path(path)
    anchor = dict(head) if head is not None else _read_head(head_path(path))
    if anchor is not None and anchor["seq"] < 0:
        return Verification(False, 0, None, f"the anchor {head_path(path)} is not readable JSON")
    n, seq, prev = 0, 0, GENESIS
    hashes: dict[int, str] = {}
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        if anchor is None:
            return Verification(True, 0)
        return Verification(
            False, 0, 1, f"the log is missing but its anchor names record {anchor['seq']}: it was removed"
        )
    with fh:
        for n, line in enumerate(fh, start=1):
            expected = seq + 1
            try:
                rec = json.loads(line)
                got = int(rec["seq"])
                stored = str(rec["hash"])
            except (ValueError, KeyError, TypeError):
                return Verification(
                    False, n, expected, f"line {n} is not an audit record (edited, or a torn write)"
                )
            if _digest(rec) != stored:
                return Verification(
                    False, n, got, f"record {got} (line {n}) was edited: its content does not match its hash"
                )
            if got != expected:
                what = (
                    f"record(s) {expected}..{got - 1} are missing (deleted)"
                    if got > expected
                    else f"record {got} appears after record {seq} (inserted, duplicated or reordered)"
                )
                return Verification(False, n, min(got, expected), f"line {n}: {what}")
            if rec.get("prev") != prev:
                return Verification(
                    False,
                    n,
                    max(seq, 1),
                    f"record {got} (line {n}) does not link to record {seq}: record {seq} was rewritten "
                    f"(its hash recomputed), or records were inserted or removed between them",
                )
            seq, prev = got, stored
            if anchor is not None and got == anchor["seq"]:
                hashes[got] = stored
    if anchor is None:
        if n:
            return Verification(
                False,
                n,
                seq + 1,
                f"the anchor {head_path(path)} is missing, so a cut tail cannot be ruled out "
                f"(the log has {n} records)",
            )
        return Verification(True, 0)
    if seq < anchor["seq"]:
        return Verification(
            False,
            n,
            seq + 1,
            f"the log ends at record {seq} but its anchor names record {anchor['seq']}: "
            f"records {seq + 1}..{anchor['seq']} were cut off (truncated)",
        )
    if hashes.get(anchor["seq"]) != anchor["hash"] and anchor["seq"] > 0:
        return Verification(
            False,
            n,
            anchor["seq"],
            f"record {anchor['seq']} differs from the one its anchor recorded: the log was rewritten "
            f"from there on",
        )
    note = (
        f"{seq - anchor['seq']} record(s) after the anchor (written just before a crash, or the anchor "
        f"was rolled back)"
        if seq > anchor["seq"]
        else ""
    )
    return Verification(True, n, note=note)


def _as_utc(value: datetime | date | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                f"expected a date or time like 2026-05-01 or 2026-05-01T08:00, got {value!r}", param="since"
            ) from None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read(
    path: str | os.PathLike[str],
    *,
    since: datetime | date | str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = 1000,
) -> list[dict[str, Any]]:
    """The newest ``limit`` records (oldest first) of the log at ``path`` that match every filter given.

    ``since`` keeps records at or after it (a naive time or a date is read as UTC); ``actor`` and
    ``action`` match exactly. Lines that are not records are skipped: :func:`verify` reports them.
    ``limit=None`` returns every match.
    """
    if limit is not None and limit < 1:
        raise ConfigError(f"expected a positive number of records, got {limit}", param="limit")
    after = _as_utc(since) if since is not None else None
    out: collections.deque[dict[str, Any]] = collections.deque(maxlen=limit)
    if not Path(path).exists():
        return []
    with Path(path).open("rb") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
                ts = datetime.fromisoformat(rec["ts"])
            except (ValueError, KeyError, TypeError):
                continue
            if actor is not None and rec.get("actor") != actor:
                continue
            if action is not None and rec.get("action") != action:
                continue
            if after is not None and ts < after:
                continue
            out.append(rec)
    return list(out)


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    """Hold ``flock(mode)`` on the log at ``path`` (if it exists) for the block."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)


def copy_log(path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Copy the log at ``path`` and its anchor to ``dest`` and ``<dest>.head``, consistent with each other
    (no append runs meanwhile). Returns the files written (none when there is no log)."""
    src, dst = Path(path), Path(dest)
    written = []
    with _locked(src, fcntl.LOCK_SH):
        for a, b in ((src, dst), (head_path(src), head_path(dst))):
            if a.exists():
                shutil.copyfile(a, b)
                written.append(b)
    return written


def install_log(src: str | os.PathLike[str] | None, path: str | os.PathLike[str]) -> Path | None:
    """Put the log ``src`` (with its anchor ``<src>.head``) in place of the log at ``path``, moving the
    current log and anchor aside to ``<log>.before-restore-<UTC time>`` (never overwritten: audit records
    are evidence). ``src`` None removes the current log (moved aside likewise). Appends wait meanwhile.
    Returns where the previous log went, or None when there was none."""
    path = Path(path)
    kept: Path | None = None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staged = []
    if src is not None:  # copy beside first, so the swap below is two renames
        for a, b in ((Path(src), path), (head_path(src), head_path(path))):
            if a.exists():
                tmp = b.with_name(b.name + ".restoring")
                shutil.copyfile(a, tmp)
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                staged.append((tmp, b))
    with _locked(path, fcntl.LOCK_EX):
        for cur in (path, head_path(path)):
            if cur.exists():
                aside = cur.with_name(f"{cur.name}.before-restore-{stamp}")
                os.replace(cur, aside)
                kept = kept or aside
        for tmp, b in staged:
            os.replace(tmp, b)
    return kept
