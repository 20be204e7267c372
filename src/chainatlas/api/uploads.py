"""Uploaded files waiting to be loaded, kept in a private temporary folder while the server runs."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Upload", "UploadStore", "now"]


@dataclass
class Upload:
    """An uploaded file waiting to be loaded, with its validation report."""

    id: str
    kind: str
    filename: str
    path: Path
    size: int
    created: float
    report: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    loaded: dict | None = None


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
        safe = Path(filename).name.replace("\x00", "") or "upload.csv"
        return uid, folder / safe

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
