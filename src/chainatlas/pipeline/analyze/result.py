"""An analysis result and its provenance, and how it is written (CSV + sidecar, or JSON).

Every :class:`Result` carries a provenance dict saying what it was computed from (topic or method, layer,
scale, period, chain, segment, parameters, data version, synthetic flag, input file) so that any number can
be traced back. :func:`write` saves a result as CSV (UTF-8 with BOM, text that a spreadsheet would run
as a formula quoted by :func:`chainatlas.ingest.excel.safe_frame`, provenance in a sidecar
``FILE.provenance.json``) or JSON (``{"provenance": ..., "summary": ..., "data": [...]}``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.ingest.excel import safe_frame
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = ["Result", "data_version", "document", "frame_rows", "jsonable", "provenance", "write"]


@dataclass(frozen=True, eq=False)
class Result:
    """One analysis result.

    Attributes
    ----------
    data : DataFrame
        The table (one row per unit, pair or sector).
    provenance : dict
        What it was computed from: ``topic`` or ``method``, ``layer``, ``scale``, ``period``, ``chain``,
        ``segment``, ``parameters``, ``data_version``, ``synthetic`` (atlas), or ``input`` (file, sha256) for
        ``calc``; ``computed_at`` and the ``chainatlas`` version.
    summary : dict
        Scalar results (Moran's I, modularity, NMI, total loss...), JSON-safe.
    """

    data: pd.DataFrame
    provenance: dict
    summary: dict = field(default_factory=dict)


# ================================================================================================ provenance
def data_version(backend: Backend) -> dict:
    """The atlas's data version: highest batch id, number of batches and the last build time."""
    inv = query.inventory(backend)
    out: dict = {"max_batch_id": int(inv["batch_id"].max()) if len(inv) else None, "batches": len(inv)}
    built_at = None
    if backend.has_table("builds"):
        b = backend.execute(backend.table("builds").select("built_at"))
        if len(b):
            built_at = pd.Timestamp(b["built_at"].max()).isoformat()
    out["built_at"] = built_at
    return out


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("chainatlas")
    except Exception:  # noqa: BLE001 - not installed (source checkout)
        return "unknown"


def provenance(**items: object) -> dict:
    p = {k: v for k, v in items.items()}
    p["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    p["chainatlas_version"] = _version()
    return jsonable(p)


def jsonable(obj: object) -> object:
    """Plain Python (JSON-safe) copy: numpy scalars to Python, NaN to None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, datetime)):
        return obj.isoformat()
    return obj


def frame_rows(df: pd.DataFrame) -> list[dict]:
    """A table's rows as JSON-safe dicts (missing values None)."""
    return jsonable(df.astype(object).where(df.notna(), None).to_dict("records"))  # type: ignore[return-value]


# ================================================================================================ writing
def write(result: Result, path: Path | str, fmt: str | None = None) -> Path:
    """Save ``result`` as CSV (+ ``FILE.provenance.json``) or JSON; ``fmt`` defaults to the file's suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "json"):
        raise ConfigError(f"expected csv or json, got {fmt!r} (from {path.name!r})", param="format")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        safe_frame(result.data).to_csv(path, index=False, encoding="utf-8-sig")
        side = path.with_name(path.name + ".provenance.json")
        side.write_text(
            json.dumps(
                {
                    "provenance": result.provenance,
                    "summary": jsonable(result.summary),
                    "data_file": path.name,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    else:
        path.write_text(json.dumps(document(result), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def document(result: Result) -> dict:
    """The result as one JSON-safe dict: ``provenance``, ``summary`` and ``data`` (a list of records)."""
    records = json.loads(result.data.to_json(orient="records", force_ascii=False, double_precision=15))
    return {"provenance": result.provenance, "summary": jsonable(result.summary), "data": records}
