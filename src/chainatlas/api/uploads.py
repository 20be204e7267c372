"""Uploaded files waiting to be loaded, kept in a private temporary folder while the server runs.

An upload's validation errors can number hundreds of thousands (an all-bad file of 300k rows); only
the first :func:`errors_kept` stay in memory, and every one is written to ``errors.jsonl`` in the
upload's folder, from which :meth:`Upload.error_page` reads any page.
"""

from __future__ import annotations

import itertools
import json
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chainatlas import config

__all__ = ["ERRORS_FILE", "Upload", "UploadStore", "errors_kept", "now", "stored_name"]

#: the file of an upload's folder that holds every validation error, one JSON object a line
ERRORS_FILE = "errors.jsonl"
#: longest stored file name in UTF-8 bytes (file systems allow 255; the user's name is kept in the report)
_NAME_BYTES = 120
#: every this many lines of the errors file, its byte offset is remembered (a page seeks, then reads)
_STRIDE = 1000


def errors_kept() -> int:
    """How many validation errors of an upload are kept in memory (setting ``upload_errors_kept``)."""
    return max(0, int(config.get("upload_errors_kept")))


def stored_name(filename: str) -> str:
    """The name an upload is stored under: the user's file name without folders or control characters,
    its stem shortened to fit the file system (the suffix, which gives the format, is kept)."""
    name = "".join(ch for ch in Path(filename.replace("\\", "/")).name if ch.isprintable()) or "upload.csv"
    p = Path(name)
    suffix = p.suffix if len(p.suffix.encode()) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    while len((stem + suffix).encode("utf-8")) > _NAME_BYTES:
        stem = stem[:-1]
    out = (stem + suffix).strip()
    return out if out not in ("", ".", "..") and not out.startswith(".") else "upload" + suffix


@dataclass
class Upload:
    """An uploaded file waiting to be loaded, with its validation report.

    ``errors`` holds the first errors only (:func:`errors_kept`); ``errors_total`` counts them all and
    :meth:`error_page` serves any page of them from the upload's errors file.
    """

    id: str
    kind: str
    filename: str
    path: Path
    size: int
    created: float
    report: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    loaded: dict | None = None
    errors_total: int = 0
    #: the user who uploaded it: only they see, load or discard it
    owner: str = "local"
    _marks: list[int] = field(default_factory=list, repr=False)

    @property
    def errors_file(self) -> Path:
        return self.path.parent / ERRORS_FILE

    def keep_errors(self, errors: Iterable[dict], keep: int | None = None) -> None:
        """Write every error to the errors file; keep the first ``keep`` (default :func:`errors_kept`) in
        memory."""
        keep = errors_kept() if keep is None else keep
        self.errors, self._marks, self.errors_total = [], [], 0
        pos = 0
        with self.errors_file.open("wb") as fh:
            for i, e in enumerate(errors):
                if i % _STRIDE == 0:
                    self._marks.append(pos)
                line = (json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                fh.write(line)
                pos += len(line)
                if i < keep:
                    self.errors.append(e)
                self.errors_total = i + 1

    def error_page(self, limit: int, offset: int) -> list[dict]:
        """Errors ``offset`` to ``offset + limit`` (from memory when kept there, else from the file)."""
        if offset >= self.errors_total:
            return []
        if offset + limit <= len(self.errors) or not self.errors_file.exists():
            return self.errors[offset : offset + limit]
        block = offset // _STRIDE
        with self.errors_file.open("rb") as fh:
            fh.seek(self._marks[block])
            lines = itertools.islice(fh, offset - block * _STRIDE, offset - block * _STRIDE + limit)
            return [json.loads(line) for line in lines]


class UploadStore:
    """Uploaded files in a private temporary folder, removed when the server stops."""

    MAX_BYTES = 200 * 1024 * 1024
    MAX_KEPT = 50

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chainatlas-uploads-"))
        self.items: OrderedDict[str, Upload] = OrderedDict()
        self.lock = threading.Lock()

    def new_path(self, filename: str) -> tuple[str, Path]:
        uid = secrets.token_hex(8)
        folder = self.dir / uid
        folder.mkdir()
        return uid, folder / stored_name(filename)

    def add(self, upload: Upload) -> None:
        with self.lock:
            self.items[upload.id] = upload
            while len(self.items) > self.MAX_KEPT:
                _, old = self.items.popitem(last=False)
                shutil.rmtree(old.path.parent, ignore_errors=True)

    def get(self, uid: str) -> Upload | None:
        return self.items.get(uid)

    def discard(self, uid: str) -> None:
        """Remove the folder of an upload that was never registered (failed or refused)."""
        if uid in self.items or not uid.isalnum():
            return
        shutil.rmtree(self.dir / uid, ignore_errors=True)

    def remove(self, uid: str) -> bool:
        with self.lock:
            up = self.items.pop(uid, None)
        if up is None:
            return False
        shutil.rmtree(up.path.parent, ignore_errors=True)
        return True

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def now() -> float:
    """Seconds since the epoch (upload times)."""
    return time.time()
