"""What an answer looks like: JSON rendering (frames spliced in by pandas), pages, and HTTP errors."""

from __future__ import annotations

import json
import math
import secrets
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from fastapi import HTTPException

__all__ = ["Records", "error_body", "not_found", "page", "render", "too_large"]


class Records:
    """A frame to be embedded in a JSON answer as a list of row objects (serialised by pandas)."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def json(self) -> str:
        return self.frame.to_json(orient="records", force_ascii=False, date_format="iso", double_precision=10)


def _plain(obj: Any) -> Any:
    """Python/NumPy/pandas values as JSON-safe values (NaN and NA become null)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, (str, int, bool)) or obj is None or isinstance(obj, Records):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _plain(float(obj))
    if isinstance(obj, (datetime, date, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def render(payload: dict) -> bytes:
    """Serialise an answer; :class:`Records` values are written by pandas and spliced in."""
    raws: dict[str, str] = {}
    nonce = secrets.token_hex(6)

    def swap(obj: Any) -> Any:
        if isinstance(obj, Records):
            token = f"@@{nonce}:{len(raws)}@@"
            raws[token] = obj.json()
            return token
        if isinstance(obj, dict):
            return {k: swap(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [swap(v) for v in obj]
        return obj

    text = json.dumps(swap(_plain(payload)), ensure_ascii=False, separators=(",", ":"))
    for token, raw in raws.items():
        text = text.replace(f'"{token}"', raw, 1)
    return text.encode("utf-8")


def page(frame: pd.DataFrame, limit: int, offset: int) -> dict:
    """One page of a frame with its paging fields."""
    return {
        "total": len(frame),
        "limit": limit,
        "offset": offset,
        "data": Records(frame.iloc[offset : offset + limit].reset_index(drop=True)),
    }


def not_found(message: str) -> HTTPException:
    """A 404 in the one error shape (see :mod:`chainatlas.api.app`)."""
    return HTTPException(status_code=404, detail=message)


def too_large(message: str) -> HTTPException:
    """A 413 in the one error shape."""
    return HTTPException(status_code=413, detail=message)


def error_body(status: int, kind: str, message: str, details: list[dict] | None = None) -> dict:
    """The one error shape: ``{"synthetic": false, "error": {"status", "type", "message", "details"}}``."""
    return {
        "synthetic": False,
        "error": {"status": status, "type": kind, "message": message, "details": details or []},
    }
