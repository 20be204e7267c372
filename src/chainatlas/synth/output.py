"""Writing generated records as the template files users load (CSV or Parquet), in bounded chunks.

A generator returns a :class:`Records`: the row count and, per column, either a numpy array, a pyarrow
array, a :class:`Take` (rows of an entity column picked by index) or a function that builds a slice.
Strings are only materialised chunk by chunk, so a 4-million-row kind never holds all its text at once.
Column order, names and headers come from :mod:`chainatlas.model.kinds`, the contract.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from chainatlas.errors import ConfigError
from chainatlas.model.kinds import KINDS

__all__ = ["FileSpec", "Injection", "Records", "Take", "materialise", "write_records"]


@dataclass(frozen=True)
class Take:
    """Rows ``index`` of ``source`` (``index < 0`` gives null)."""

    source: pa.Array
    index: np.ndarray


Column: TypeAlias = np.ndarray | pa.Array | Take | Callable[[int, int], pa.Array]


@dataclass
class Records:
    """The rows of one input kind, column by column (see the module docstring)."""

    kind: str
    n: int
    columns: dict[str, Column]
    #: facts worth recording in the manifest (e.g. which segment is absent)
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k = KINDS[self.kind]
        unknown = set(self.columns) - set(k.names)
        if unknown:
            raise ConfigError(
                f"internal: generator for {self.kind!r} made columns {sorted(unknown)} "
                f"that chainatlas.model.kinds does not define"
            )
        missing = [f.name for f in k.fields if f.required and f.name not in self.columns]
        if missing:
            raise ConfigError(f"internal: generator for {self.kind!r} lacks required columns {missing}")


@dataclass(frozen=True)
class Injection:
    """A deliberately bad value written into one cell (``row`` is 0-based among data rows)."""

    kind: str
    row: int
    column: str
    value: str
    rule: str


@dataclass(frozen=True)
class FileSpec:
    """How one kind is written: format, header language, text encoding."""

    fmt: str = "csv"  # "csv" | "parquet"
    headers: str = "en"  # "en" | "zh"
    encoding: str = "utf-8-sig"  # "utf-8-sig" | "gb18030"

    def filename(self, kind: str, part: int | None = None) -> str:
        """``kind.fmt``, or ``kind-<part>.fmt`` for one part of a kind split over several files."""
        return f"{kind}.{self.fmt}" if part is None else f"{kind}-{part}.{self.fmt}"


def _to_arrow(col: Column, start: int, stop: int) -> pa.Array:
    if isinstance(col, Take):
        idx = col.index[start:stop]
        return pc.take(col.source, pa.array(idx, mask=idx < 0))
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col.slice(start, stop - start)
    if callable(col):
        return col(start, stop)
    a = np.asarray(col)[start:stop]
    if a.dtype.kind == "M":
        return pa.array(a.astype("datetime64[D]"), pa.date32())
    if a.dtype.kind == "f":
        return pa.array(a, pa.float64(), from_pandas=True)  # NaN -> null
    if a.dtype.kind in "iu":
        return pa.array(a, pa.int64())
    if a.dtype.kind == "b":
        return pa.array(a.astype(np.int8))
    return pa.array(a, pa.string(), from_pandas=True)


def materialise(rec: Records, start: int, stop: int, injections: Sequence[Injection] = ()) -> pa.Table:
    """Rows ``[start, stop)`` as an Arrow table with every field of the kind, in contract order.

    Columns a generator leaves out are written empty; ``synthetic`` is always 1. Injected bad values
    turn their column into text (in every chunk, so the schema stays stable).
    """
    k = KINDS[rec.kind]
    n = stop - start
    cols: dict[str, pa.Array] = {}
    bad_cols = {i.column for i in injections}
    for f in k.fields:
        if f.name == "synthetic":
            arr = pa.array(np.ones(n, dtype=np.int8))
        elif f.name in rec.columns:
            arr = _to_arrow(rec.columns[f.name], start, stop)
        else:
            arr = pa.nulls(n, pa.string())
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if f.name in bad_cols:
            arr = arr.cast(pa.string())
            here = [i for i in injections if i.column == f.name and start <= i.row < stop]
            if here:
                py = arr.to_pylist()
                for i in here:
                    py[i.row - start] = i.value
                arr = pa.array(py, pa.string())
        cols[f.name] = arr
    return pa.table(cols)


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


def _csv_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buf.getvalue()


def write_records(
    rec: Records,
    path: Path,
    spec: FileSpec,
    *,
    chunk_rows: int = 500_000,
    injections: Sequence[Injection] = (),
    rows: tuple[int, int] | None = None,
) -> int:
    """Write ``rec`` (its rows ``rows`` = ``(start, stop)`` when given) to ``path``; return the number of data
    rows written.

    CSV gets a header of canonical English names (or the Chinese ``zh`` labels) and is encoded as UTF-8
    with BOM (what Excel writes) or GB18030 (what older Chinese Windows software writes). Parquet is
    written chunk by chunk with zstd compression. Output is byte-identical for identical input.
    """
    k = KINDS[rec.kind]
    injections = [i for i in injections if i.kind == rec.kind]
    first, last = rows or (0, rec.n)
    bounds = list(range(first, last, chunk_rows)) + [last]
    chunks = list(pairwise(bounds)) if last > first else [(first, first)]
    if spec.fmt == "parquet":
        writer: pq.ParquetWriter | None = None
        try:
            for a, b in chunks:
                t = materialise(rec, a, b, injections)
                if writer is None:
                    writer = pq.ParquetWriter(path, t.schema, compression="zstd")
                writer.write_table(t)
        finally:
            if writer is not None:
                writer.close()
        return last - first
    if spec.fmt != "csv":
        raise ConfigError(f"unknown output format {spec.fmt!r}; expected 'csv' or 'parquet'")
    header = ",".join(_quote(f.zh if spec.headers == "zh" else f.name) for f in k.fields) + "\n"
    with open(path, "wb") as fh:
        if spec.encoding == "utf-8-sig":
            fh.write(codecs.BOM_UTF8 + header.encode("utf-8"))
            for a, b in chunks:
                fh.write(_csv_bytes(materialise(rec, a, b, injections)))
        elif spec.encoding == "gb18030":
            fh.write(header.encode("gb18030"))
            for a, b in chunks:
                fh.write(_csv_bytes(materialise(rec, a, b, injections)).decode("utf-8").encode("gb18030"))
        else:
            raise ConfigError(f"unknown encoding {spec.encoding!r}; expected 'utf-8-sig' or 'gb18030'")
    return last - first
