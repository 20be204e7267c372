"""Read an input file of one kind into a frame of text columns with canonical field names.

Formats are chosen by extension: ``.csv``/``.txt`` (delimiter sniffed from the header line), ``.tsv``,
``.xlsx``/``.xlsm``/``.xls`` (python-calamine; the sheet named ``数据`` or ``data``, else the first) and
``.parquet``/``.pq``. Every column comes back as ``string[pyarrow]`` text, untouched apart from the
conversion to text: judging the values is :mod:`chainatlas.ingest.validate`'s job.

Headers are matched against each field's English name, Chinese header and aliases, ignoring case,
spaces, underscores, hyphens, ``*`` and full-width/half-width differences (``（万元）`` = ``(万元)``).
A header that matches nothing, a required field without a column and two columns for one field are
file-level problems: :func:`read_table` raises :class:`~chainatlas.errors.IngestError` listing all
of them at once (each as a :class:`~chainatlas.errors.RowError` on row 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import math
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from chainatlas.errors import IngestError, RowError
from chainatlas.model.kinds import Kind
from chainatlas.model.kinds import kind as get_kind

__all__ = [
    "IGNORED_HEADERS",
    "READ_FORMATS",
    "ROW_INDEX",
    "STRING",
    "file_sha256",
    "header_key",
    "header_lookup",
    "read_table",
]

#: dtype of every column :func:`read_table` returns (pandas' Arrow-backed text with ``<NA>``).
STRING = pd.StringDtype("pyarrow")

#: Name of the frame index holding spreadsheet row numbers (header = row 1).
ROW_INDEX = "row_number"

#: Columns that :func:`chainatlas.ingest.validate.write_rejects` adds; a corrected rejects file can be
#: loaded again as it is, so these headers are dropped on reading instead of being unknown columns.
IGNORED_HEADERS = ("原因/reason", "行号/row")

READ_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Large enough to hold a header and many rows, small enough to decode twice without noticing.
_SAMPLE_BYTES = 1 << 18
_SHEET_NAMES = ("数据", "data")
_DELIMITERS = (",", "\t", ";", "|")
_GUESSABLE = frozenset(
    {
        "big5",
        "big5hkscs",
        "cp950",
        "utf_16",
        "utf_16_le",
        "utf_16_be",
        "utf_32",
        "utf_32_le",
        "utf_32_be",
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_kr",
        "cp949",
    }
)


def header_key(header: str) -> str:
    """Return the form in which headers are compared.

    NFKC folds full-width letters and brackets to half-width (``（万元）`` → ``(万元)``); case, whitespace,
    ``_``, ``-`` and ``*`` (a "required" mark some users add) are ignored.
    """
    key = unicodedata.normalize("NFKC", str(header)).lower()
    return "".join(ch for ch in key if not ch.isspace() and ch not in "_-*\ufeff")


def header_lookup(k: Kind) -> dict[str, str]:
    """Map every accepted header key of kind ``k`` to its field name (earlier fields win a tie)."""
    lookup: dict[str, str] = {}
    for f in k.fields:
        for h in (f.name, f.zh, *f.aliases):
            lookup.setdefault(header_key(h), f.name)
    return lookup


def _expected_headers(k: Kind) -> str:
    return ", ".join(f"{f.zh} ({f.name})" for f in k.fields)


def _open(p: Path, expected: str) -> tuple[str, int, bytes]:
    """The file's format (from its suffix), size and first bytes; IngestError for an unknown format, an
    unreadable or an empty file (``expected`` says what it should hold)."""
    fmt = READ_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise IngestError(
            f"{p.name}: cannot read files of type {p.suffix or '(no extension)'!r}; "
            f"expected one of {', '.join(sorted(READ_FORMATS))}"
        )
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise IngestError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    if size == 0 or (size <= _SAMPLE_BYTES and head.isspace()):
        raise IngestError(f"{p.name}: the file is empty; expected {expected}")
    return fmt, size, head


def read_table(
    path: str | Path,
    kind: str | Kind,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read one input file of ``kind``.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.xlsm``, ``.xls``, ``.parquet`` or ``.pq`` file.
        CSV encodings: UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK; anything else is guessed
        by charset-normalizer.
    kind : str or Kind
        The input kind (see :mod:`chainatlas.model.kinds`).
    progress : callable, optional
        Called with the number of data rows read so far (CSV reads are streamed when given).

    Returns
    -------
    frame : pandas.DataFrame
        One ``string[pyarrow]`` column per field present in the file, named by its canonical field
        name, in file order; empty cells are ``<NA>``. The index, named ``row_number``, holds the
        spreadsheet row number of each record (header = row 1; CSV records are counted, so a cell
        with a line break still counts as one row).
    meta : dict
        ``path``, ``file`` (name), ``format``, ``encoding`` (CSV only), ``delimiter`` (CSV only),
        ``sheet`` (Excel only), ``header_map`` (original header → field), ``ignored_columns``,
        ``sha256`` (of the file bytes) and ``rows``.

    Raises
    ------
    IngestError
        For file-level problems: unknown format, unreadable file, undecodable text, malformed CSV rows,
        unknown, duplicated or missing required columns. ``errors`` lists each as a ``RowError``.
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    p = Path(path)
    fmt, size, head = _open(p, f"a header row with {_expected_headers(k)}")
    meta: dict[str, Any] = {"path": str(p), "file": p.name, "format": fmt}
    # Hash in a thread while parsing (hashlib and pyarrow both release the GIL); the file is streamed
    # rather than loaded, since every freshly allocated megabyte costs on a cold process.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_sha256, p)
        if fmt in ("csv", "tsv"):
            headers, columns = _read_csv(p, head, size, fmt, meta, progress)
        elif fmt == "xlsx":
            headers, columns, rows = _read_excel(p, meta)
        else:
            headers, columns = _read_parquet(p)
        meta["sha256"] = digest.result()

    n = len(columns[0]) if columns else 0
    frame = _assemble(headers, columns, k, p.name, meta)
    if fmt == "xlsx":
        frame.index = pd.Index(rows, name=ROW_INDEX, dtype="int64")
    else:
        frame.index = pd.RangeIndex(2, n + 2, name=ROW_INDEX)
    meta["rows"] = n
    if progress is not None and fmt != "csv" and fmt != "tsv":
        progress(n)
    return frame, meta


# --------------------------------------------------------------------------- headers


def _assemble(
    headers: list[str], columns: list[pa.Array], k: Kind, file: str, meta: dict[str, Any]
) -> pd.DataFrame:
    """Match headers to fields and build the text frame, or raise listing every header problem."""
    lookup = header_lookup(k)
    ignored = {header_key(h) for h in IGNORED_HEADERS}
    errors: list[RowError] = []
    header_map: dict[str, str] = {}
    seen: dict[str, str] = {}
    out: dict[str, pd.arrays.ArrowStringArray] = {}
    skipped: list[str] = []
    for header, col in zip(headers, columns, strict=True):
        key = header_key(header)
        if key in ignored or (key == "" and col.null_count == len(col)):
            # Our own rejects columns, and blank trailing columns that spreadsheets leave behind.
            skipped.append(header)
            continue
        name = lookup.get(key)
        if name is None:
            errors.append(
                RowError(
                    file,
                    1,
                    header,
                    header,
                    "unknown column",
                    f"column {header!r} is not a field of {k.name} ({k.zh}); expected headers: "
                    f"{_expected_headers(k)}. Rename or delete the column.",
                )
            )
            continue
        if name in seen:
            errors.append(
                RowError(
                    file,
                    1,
                    header,
                    header,
                    "duplicate column",
                    f"columns {seen[name]!r} and {header!r} both give field {name} ({k.field(name).zh}); "
                    "keep one of them",
                )
            )
            continue
        seen[name] = header
        header_map[header] = name
        out[name] = pd.arrays.ArrowStringArray(_as_text(col))
    errors.extend(missing_columns(k, seen, file))
    if errors:
        raise IngestError(f"{file}: the header row does not fit input kind {k.name} ({k.zh})", errors)
    meta["header_map"] = header_map
    meta["ignored_columns"] = skipped
    return pd.DataFrame(out, copy=False)


def _as_text(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Any Arrow column as large_string text (pandas keeps text as large_string).

    Arrow writes floats in shortest form without a trailing ``.0`` (320571.0 → ``'320571'``), so codes
    stored as numbers read back as written; timestamps that are all at midnight read back as dates.
    """
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_timestamp(t):
        try:
            date = pc.cast(col, pa.date32())
            if pc.all(pc.equal(pc.cast(date, t), col)).as_py() in (True, None):
                col = date
        except pa.ArrowException:
            pass
    if not pa.types.is_large_string(col.type):
        col = col.cast(pa.large_string())
    return col


def _number_text(v: float) -> str:
    """A spreadsheet number as text; integral values without ``.0`` (codes typed as numbers)."""
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def file_sha256(p: str | Path) -> str:
    """SHA-256 of the bytes of a file (hex), streamed in 1 MiB chunks: how batches and provenance name a file."""
    p = Path(p)
    h = hashlib.sha256()
    with p.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- CSV


def _detect_encoding(sample: bytes, whole: bool) -> str:
    """Name the encoding of CSV text from its first bytes.

    A BOM settles it; otherwise a strict decode of the sample decides (UTF-8 first, because GB18030
    would also accept many UTF-8 byte sequences); charset-normalizer only guesses when both fail.
    ``whole`` says the sample is the entire file (so a cut multi-byte character is an error).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=whole)
        except UnicodeDecodeError:
            continue
        return encoding
    from charset_normalizer import from_bytes

    # Only guesses a Chinese user's file can plausibly be in; anything else would load as mojibake.
    for match in from_bytes(sample):
        if match.encoding in _GUESSABLE:
            return match.encoding
    raise UnicodeError(
        "the text is neither UTF-8 nor GB18030/GBK, nor Big5, UTF-16 or another East Asian encoding"
    )


def _read_csv(
    p: Path, head: bytes, size: int, fmt: str, meta: dict[str, Any], progress: Callable[[int], None] | None
) -> tuple[list[str], list[pa.ChunkedArray]]:
    try:
        encoding = _detect_encoding(head, whole=size <= len(head))
    except UnicodeError as exc:
        raise IngestError(
            f"{p.name}: cannot decode the file ({exc}); save it as UTF-8 (Excel: 'CSV UTF-8') or GBK"
        ) from None
    sample = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    first_line = sample.split("\n", 1)[0]
    if fmt == "tsv":
        delimiter = "\t"
    else:
        # The delimiter that splits the header line into the most columns (ties: comma).
        delimiter = max(_DELIMITERS, key=lambda d: (first_line.count(d), d == ","))
    headers = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    if not headers:
        raise IngestError(f"{p.name}: no header row found")
    names = [f"c{i}" for i in range(len(headers))]
    bad_rows: list[pv.InvalidRow] = []

    def on_invalid(row: pv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    def parse(encoding: str) -> list[pa.ChunkedArray]:
        bad_rows.clear()
        # Python codecs transcode anything but UTF-8 on the fly (pyarrow skips a UTF-8 BOM itself).
        arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
        read_opts = pv.ReadOptions(column_names=names, skip_rows=1, use_threads=True, encoding=arrow_encoding)
        parse_opts = pv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        )
        convert_opts = pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],  # "NA" is Namibia: only empty cells are missing
        )
        with pa.memory_map(str(p)) as source:
            if progress is None:
                return pv.read_csv(source, read_opts, parse_opts, convert_opts).columns
            batches = []
            done = 0
            for batch in pv.open_csv(source, read_opts, parse_opts, convert_opts):
                batches.append(batch)
                done += batch.num_rows
                progress(done)
            schema = pa.schema([(n, pa.large_string()) for n in names])
            return pa.Table.from_batches(batches, schema=schema).columns

    try:
        try:
            columns = parse(encoding)
        except pa.ArrowInvalid as exc:
            if encoding != "utf-8" or "UTF8" not in str(exc):
                raise
            # The sample was UTF-8 but a later part is not: GBK files often start with ASCII only.
            encoding = "gb18030"
            columns = parse(encoding)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IngestError(f"{p.name}: cannot parse the CSV ({exc})") from None
    meta.update(encoding=encoding, delimiter=delimiter)
    if bad_rows:
        errors = [
            RowError(
                p.name,
                r.number or 0,
                "",
                r.text[:200],
                "columns",
                f"row has {r.actual_columns} cells but the header has {r.expected_columns}; "
                "quote cells that contain the delimiter",
            )
            for r in bad_rows
        ]
        raise IngestError(f"{p.name}: {len(errors)} rows do not have as many cells as the header", errors)
    return headers, columns


# --------------------------------------------------------------------------- Excel


def _pick_sheet(names: list[str]) -> str:
    for name in names:
        if name.strip().lower() in _SHEET_NAMES:
            return name
    return names[0]


def _cell_text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return None if math.isnan(v) else _number_text(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _read_excel(p: Path, meta: dict[str, Any]) -> tuple[list[str], list[pa.Array], list[int]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
        sheet_name = _pick_sheet(wb.sheet_names)
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise IngestError(f"{p.name}: cannot read the workbook ({exc})") from None
    meta["sheet"] = sheet_name
    texts = [[_cell_text(v) for v in row] for row in rows]
    # The header is the first non-empty row; blank rows are dropped but keep their numbers.
    start = next((i for i, r in enumerate(texts) if any(c is not None for c in r)), None)
    if start is None:
        raise IngestError(f"{p.name}: sheet {sheet_name!r} is empty; expected a header row")
    header = texts[start]
    width = max(len(r) for r in texts[start:])
    header = header + [None] * (width - len(header))
    body = [
        (i + 1, r) for i, r in enumerate(texts[start + 1 :], start=start + 1) if any(c is not None for c in r)
    ]
    numbers = [n for n, _ in body]
    columns = [
        pa.array([r[j] if j < len(r) else None for _, r in body], type=pa.large_string())
        for j in range(width)
    ]
    return [h or "" for h in header], columns, numbers


# --------------------------------------------------------------------------- Parquet


def _read_parquet(p: Path) -> tuple[list[str], list[pa.ChunkedArray]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(str(p))
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{p.name}: cannot read the Parquet file ({exc})") from None
    return list(table.column_names), list(table.columns)


def missing_columns(k: Kind, present: Any, file: str) -> list[RowError]:
    """One error per required field of ``k`` that is not among the ``present`` column names."""
    return [
        RowError(
            file,
            1,
            f.name,
            "",
            "missing column",
            f"required column {f.name} ({f.zh}) is missing; add a column headed {f.zh!r} or {f.name!r}",
        )
        for f in k.fields
        if f.required and f.name not in present
    ]


def read_user_table(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a table of the user's own (for ``calc``): any header, cells as text, with the same format and
    encoding detection as the input kinds (CSV/TSV in UTF-8, UTF-8 BOM, UTF-16, GB18030/GBK; XLSX; Parquet).

    Returns the frame (columns named by the stripped headers, empty cells ``None``) and ``meta`` as
    :func:`read_table` gives it. Raises IngestError for unreadable or empty files.
    """
    p = Path(path)
    fmt, size, head = _open(p, "a header row and data rows")
    meta: dict[str, Any] = {"path": str(p), "file": p.name, "format": fmt}
    if fmt in ("csv", "tsv"):
        headers, columns = _read_csv(p, head, size, fmt, meta, None)
    elif fmt == "xlsx":
        headers, columns, _ = _read_excel(p, meta)
    else:
        headers, columns = _read_parquet(p)
    frame = pd.DataFrame(
        {
            i: pd.Series(c.to_pylist() if hasattr(c, "to_pylist") else list(c), dtype=object)
            for i, c in enumerate(columns)
        }
    )
    frame.columns = [str(h).strip().lstrip("\ufeff") for h in headers]
    return frame, meta
