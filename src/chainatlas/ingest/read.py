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

Files from any source get a located error or load correctly, never a traceback (issue 9):

- **Limits** (settings, :mod:`chainatlas.config`): ``CHAINATLAS_MAX_ROWS``, ``CHAINATLAS_MAX_COLUMNS``,
  ``CHAINATLAS_MAX_CELL_BYTES`` and, for spreadsheets, ``CHAINATLAS_MAX_SHEET_CELLS`` (rows x columns of the
  used range). An XLSX sheet's XML is scanned as a stream before the workbook reader runs, so a sheet whose
  used range is inflated (one cell at XFD1048576) is refused naming that cell, in bounded memory.
- **XLSX formulas without a cached value** (files written by scripts, never opened in Excel) are refused
  with file, cell and formula: they would otherwise read as empty cells.
- **CSV**: CR-only line endings (Excel's "CSV (Macintosh)") and CRLF read as LF. A byte-order mark inside
  the file (two exports joined) is removed from the cells; if a second header row follows, the file is
  refused naming that row (the rows below it would be data of the same kind: delete the row). Text that
  decodes as GB18030 but reads like Big5 or Shift-JIS bytes (few common simplified characters) is decoded
  as Big5 (cp950) or Shift-JIS (cp932) when those read plausibly, else as GB18030. Ragged rows and an
  unbalanced quote are named by their record number (header = row 1), an oversized cell by row and column.
- **Empty files** (no bytes or only whitespace) are refused; a **header-only** file reads as 0 rows (a blank
  template is a valid file), so loading it stores no rows.
- **Parquet**: list, struct, map and other nested columns, binary columns that are not UTF-8 text and types
  without a text form are refused naming the column and its type; timezone-aware timestamps are converted to
  the local time in Asia/Shanghai (UTC+8; a date when every value is at local midnight).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import html
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from chainatlas import config
from chainatlas.errors import ConfigError, IngestError, RowError, YamlError
from chainatlas.model.kinds import Kind
from chainatlas.model.kinds import kind as get_kind

__all__ = [
    "IGNORED_HEADERS",
    "READ_FORMATS",
    "ROW_INDEX",
    "STRING",
    "decode_text",
    "file_sha256",
    "header_key",
    "header_lookup",
    "read_table",
    "read_yaml",
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


# --------------------------------------------------------------------------- limits


def limit(name: str) -> int:
    """The value of the limit setting ``name`` (``max_rows``, ``max_columns``, ``max_cell_bytes``,
    ``max_sheet_cells``) as a positive integer; ConfigError naming the environment variable otherwise."""
    env = next(s.env for s in config.SETTINGS if s.name == name)
    raw = config.get(name)
    try:
        value = int(str(raw).replace("_", "").strip())
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{env}: expected a whole number > 0, got {raw!r}")
    return value


def _env(name: str) -> str:
    return next(s.env for s in config.SETTINGS if s.name == name)


def _too_big(file: str, what: str, name: str, fix: str) -> IngestError:
    """The error for a file over the limit setting ``name``: ``what`` says how much it has."""
    return IngestError(
        f"{file}: {what}, over the limit of {limit(name):,} (setting {_env(name)}); {fix}, "
        f"or raise {_env(name)}"
    )


def _column_letters(j: int) -> str:
    """Spreadsheet column letters of the 0-based column ``j`` (0 → A, 26 → AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_index(letters: str) -> int:
    """0-based column of spreadsheet column letters (A → 0, XFD → 16383)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def header_key(header: str) -> str:
    """Return the form in which headers are compared.

    NFKC folds full-width letters and brackets to half-width (``（万元）`` → ``(万元)``); case, whitespace,
    ``_``, ``-`` and ``*`` (a "required" mark some users add) are ignored.
    """
    key = unicodedata.normalize("NFKC", str(header)).lower()
    return "".join(ch for ch in key if not ch.isspace() and ch not in "_-*\ufeff")


_UNIT = re.compile(r"\([^()]*\)")


def without_unit(key: str) -> str:
    """A header key without its bracketed unit or note: ``交易额(万元)`` → ``交易额`` (after :func:`header_key`)."""
    return _UNIT.sub("", key)


def header_lookup(k: Kind) -> dict[str, str]:
    """Map every accepted header key of kind ``k`` to its field name (earlier fields win a tie); a header
    without its bracketed unit (交易额 for 交易额（万元）) is accepted too."""
    lookup: dict[str, str] = {}
    for f in k.fields:
        for h in (f.name, f.zh, *f.aliases):
            lookup.setdefault(header_key(h), f.name)
    for f in k.fields:
        for h in (f.name, f.zh, *f.aliases):
            lookup.setdefault(without_unit(header_key(h)), f.name)
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
    if n > limit("max_rows"):
        raise _too_big(p.name, f"the file has {n:,} data rows", "max_rows", "split the file")
    frame = _assemble(headers, columns, k, p.name, meta)
    if fmt == "xlsx":
        frame.index = pd.Index(rows, name=ROW_INDEX, dtype="int64")
    else:
        frame.index = pd.RangeIndex(2, n + 2, name=ROW_INDEX)
    _check_cells(frame, meta, p.name)
    _check_repeated_header(frame, k, meta, p.name)
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
        name = lookup.get(key) or lookup.get(without_unit(key))
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


def _check_cells(frame: pd.DataFrame, meta: dict[str, Any], file: str) -> None:
    """Refuse cells over ``CHAINATLAS_MAX_CELL_BYTES``, naming the first such cell of each column."""
    cap = limit("max_cell_bytes")
    header_of = {v: h for h, v in meta.get("header_map", {}).items()}
    errors = []
    for name in frame.columns:
        col = frame[name].array._pa_array  # the Arrow text behind the column: no copy
        size = pc.max(pc.binary_length(col)).as_py()
        if size is None or size <= cap:
            continue
        i = pc.index(pc.greater(pc.binary_length(col), cap), True).as_py()
        text = col[i].as_py()
        errors.append(
            RowError(
                file,
                int(frame.index[i]),
                name,
                text[:50] + "…",
                "cell size",
                f"the cell in column {header_of.get(name, name)!r} holds {len(text.encode()):,} bytes, over the "
                f"limit of {cap:,} (setting {_env('max_cell_bytes')}); shorten it or raise the limit",
            )
        )
    if errors:
        raise IngestError(f"{file}: {len(errors)} column(s) hold a cell over the size limit", errors)


def _check_repeated_header(frame: pd.DataFrame, k: Kind, meta: dict[str, Any], file: str) -> None:
    """Refuse a data row that repeats the header (two exports joined into one file), naming its row.

    Candidates are rows whose first column holds one of the headers of its field (compared as Arrow text,
    so a clean file costs one vectorised pass); a candidate is a repeated header when at least half of its
    cells are headers of their own columns.
    """
    if frame.empty or frame.columns.empty:
        return
    lookup = header_lookup(k)
    first = frame.columns[0]
    f = k.field(first)
    names = {h.strip().lower() for h in (f.name, f.zh, *f.aliases)}
    names |= {h.strip().lstrip("\ufeff").lower() for h, v in meta.get("header_map", {}).items() if v == first}
    col = frame[first].array._pa_array
    hit = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(col)), value_set=pa.array(sorted(names)))
    if not pc.any(hit).as_py():
        return
    errors = []
    for i in pc.indices_nonzero(pc.fill_null(hit, False)).to_pylist():
        row = frame.iloc[i]
        same = sum(
            1 for name in frame.columns if pd.notna(row[name]) and lookup.get(header_key(row[name])) == name
        )
        if 2 * same >= len(frame.columns):
            errors.append(
                RowError(
                    file,
                    int(frame.index[i]),
                    first,
                    str(row[first]),
                    "repeated header",
                    f"row {int(frame.index[i])} repeats the header row (two files joined into one?); "
                    "delete this row and load again",
                )
            )
    if errors:
        raise IngestError(f"{file}: a header row appears again among the data rows", errors)


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
            text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=whole)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _plausibility(text, encoding) < _PLAUSIBLE:
            # GB18030 decodes almost any bytes; Big5 and Shift-JIS text reads as rare characters in it.
            for other in ("cp950", "cp932"):
                try:
                    alt = codecs.getincrementaldecoder(other)("strict").decode(sample, final=whole)
                except UnicodeDecodeError:
                    continue
                if _plausibility(alt, other) >= _PLAUSIBLE:
                    return other
        return encoding
    from charset_normalizer import from_bytes

    # Only guesses a Chinese user's file can plausibly be in; anything else would load as mojibake.
    for match in from_bytes(sample):
        if match.encoding in _GUESSABLE:
            return match.encoding
    raise UnicodeError(
        "the text is neither UTF-8 nor GB18030/GBK, nor Big5, UTF-16 or another East Asian encoding"
    )


def decode_text(data: bytes, name: str) -> str:
    """A whole small text file a user wrote (a scenario, a rule set) as text, in whatever encoding a Chinese
    desktop saved it: UTF-8 with or without BOM, GB18030/GBK (Windows Notepad, WPS), Big5, UTF-16 — the same
    detection as the CSV reader's. Line endings are left to the YAML/CSV parser (it reads CRLF and CR).
    ConfigError naming ``name`` when no encoding fits."""
    try:
        return data.decode(_detect_encoding(data, whole=True))
    except (UnicodeError, LookupError) as e:
        raise ConfigError(
            f"{name}: cannot read the text ({e}); save it as UTF-8 (or GBK) and try again"
        ) from None


def read_yaml(data: bytes, name: str) -> Any:
    """A small YAML file a user wrote (a scenario, a rule set), decoded as :func:`decode_text` does and read with
    the safe loader, aliases (``*name``) refused — a few aliases of a long text in a small file expand to
    gigabytes. None for a file of only comments. :class:`~chainatlas.errors.YamlError` naming ``name`` and the
    line and column otherwise (also for a value YAML's types refuse: 2024-02-30, an integer of 5,000 digits)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    "aliases (*name) are not accepted; write the value out",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)

    text = decode_text(data, name)
    try:
        return yaml.load(text, Loader=Loader)
    except RecursionError:
        raise YamlError(f"{name}: not valid YAML: lists or mappings nested too deeply") from None
    except (ValueError, OverflowError) as e:
        why = str(e).split(";")[0]  # without Python's advice to the programmer
        raise YamlError(f"{name}: not valid YAML: a value cannot be read ({why})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        where = f" at line {line}, column {column}" if mark is not None else ""
        raise YamlError(
            f"{name}: not valid YAML{where}: {getattr(e, 'problem', None) or e}",
            line=line,
            column=column,
        ) from None


#: Share of common characters from which decoded text counts as plausible (see :func:`_plausibility`).
_PLAUSIBLE = 0.8


def _common(ch: str, encoding: str) -> bool:
    """Whether ``ch`` is a common character of the script ``encoding`` is made for: GB2312 level 1
    (3,755 characters, lead bytes B0–D7), Big5 常用字 (lead bytes A4–C6), or kana and JIS level-1 kanji
    (Shift-JIS lead bytes 88–98)."""
    if encoding == "cp932" and "\u3040" <= ch <= "\u30ff":
        return True
    lo, hi, codec = {"gb18030": (0xB0, 0xD7, "gb2312"), "cp950": (0xA4, 0xC6, "cp950")}.get(
        encoding, (0x88, 0x98, "cp932")
    )
    try:
        b = ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and lo <= b[0] <= hi


def _plausibility(text: str, encoding: str) -> float:
    """Share of the CJK characters and kana of ``text`` that are common in ``encoding``'s script: near 1
    for real text, about 0.3 or less for Big5 or Shift-JIS bytes decoded as GB18030 and the reverse.
    Text with fewer than 8 such characters counts as plausible (too little to judge)."""
    chars = [
        c for c in text if "\u3400" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" or "\uff61" <= c <= "\uff9f"
    ]
    if len(chars) < 8:
        return 1.0
    return sum(_common(c, encoding) for c in chars) / len(chars)


def _locate_csv(
    p: Path, encoding: str, delimiter: str, width: int, cap: int, headers: list[str]
) -> list[RowError]:
    """Find what pyarrow could not say where: ragged records, an unbalanced quote, oversized cells.

    Rows are records counted as the frame counts them (header = row 1; blank lines are skipped; a quoted
    line break stays in its record). Runs only when a problem was found, so speed does not matter.
    """
    errors: list[RowError] = []
    csv.field_size_limit(max(cap * 4, 1 << 20) + 1)
    with p.open(encoding=encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        row = 0
        start = 1
        try:
            for i, rec in enumerate(reader):
                if i == 0 or not rec:
                    start = reader.line_num + 1
                    continue
                row += 1
                if len(rec) != width:
                    errors.append(
                        RowError(
                            p.name,
                            row + 1,
                            "",
                            delimiter.join(rec)[:200],
                            "columns",
                            f"row {row + 1} (line {start}) has {len(rec)} cells but the header has {width}; "
                            "quote cells that contain the delimiter",
                        )
                    )
                for j, cell in enumerate(rec):
                    if len(cell) > cap // 4 and len(cell.encode()) > cap:
                        column = headers[j] if j < len(headers) else _column_letters(j)
                        errors.append(
                            RowError(
                                p.name,
                                row + 1,
                                column,
                                cell[:50] + "…",
                                "cell size",
                                f"the cell in column {column!r} holds {len(cell.encode()):,} bytes, over the "
                                f"limit of {cap:,} (setting {_env('max_cell_bytes')}); shorten it or raise "
                                "the limit",
                            )
                        )
                start = reader.line_num + 1
                if len(errors) >= 100:
                    break
        except csv.Error as exc:
            errors.append(
                RowError(
                    p.name,
                    row + 2,
                    "",
                    "",
                    "quote",
                    f'row {row + 2} (line {start}): a quote (") opens a cell that is never closed ({exc}); '
                    'close it, or double quotes inside a quoted cell ("")',
                )
            )
    return errors


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
    # \n, \r\n and a lone \r (Excel's "CSV (Macintosh)") all end a line.
    first_line = sample.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    if fmt == "tsv":
        delimiter = "\t"
    else:
        # The delimiter that splits the header line into the most columns (ties: comma).
        delimiter = max(_DELIMITERS, key=lambda d: (first_line.count(d), d == ","))
    try:
        headers = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise IngestError(f"{p.name}: cannot read the header row ({exc})") from None
    if not headers:
        raise IngestError(f"{p.name}: no header row found")
    if len(headers) > limit("max_columns"):
        raise _too_big(
            p.name, f"the header row has {len(headers):,} columns", "max_columns", "delete columns"
        )
    cap = limit("max_cell_bytes")
    names = [f"c{i}" for i in range(len(headers))]
    bad_rows: list[pv.InvalidRow] = []

    def on_invalid(row: pv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    def parse(encoding: str) -> list[pa.ChunkedArray]:
        bad_rows.clear()
        # Python codecs transcode anything but UTF-8 on the fly (pyarrow skips a UTF-8 BOM itself).
        arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
        read_opts = pv.ReadOptions(
            column_names=names, skip_rows=1, use_threads=True, encoding=arrow_encoding, block_size=block
        )
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

    def located(what: str) -> IngestError:
        errors = _locate_csv(p, encoding, delimiter, len(headers), cap, headers)
        if errors:
            return IngestError(f"{p.name}: {what}", errors)
        return IngestError(f"{p.name}: cannot parse the CSV ({what})")

    block = None  # pyarrow's default (1 MiB) unless a record is larger
    try:
        try:
            columns = parse(encoding)
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc):
                # A record larger than a block: read again with blocks that hold the largest allowed cell.
                block = 4 * cap + (1 << 20)
                columns = parse(encoding)
            elif encoding == "utf-8" and "UTF8" in str(exc):
                # The sample was UTF-8 but a later part is not: GBK files often start with ASCII only.
                encoding = "gb18030"
                columns = parse(encoding)
            else:
                raise
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):
            raise located("a record is larger than the cell size limit allows") from None
        raise IngestError(f"{p.name}: cannot parse the CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{p.name}: cannot decode the file as {encoding} ({exc.reason} at byte {exc.start:,}); save it as "
            "UTF-8 (Excel: 'CSV UTF-8')"
        ) from None
    meta.update(encoding=encoding, delimiter=delimiter)
    if bad_rows:
        raise located(f"{len(bad_rows)} rows do not have as many cells as the header")
    if columns and _unclosed_quote(columns[-1]):
        # Confirmed by reading the file again: a real line break in the last cell of the file is fine.
        errors = _locate_csv(p, encoding, delimiter, len(headers), cap, headers)
        if errors:
            raise IngestError(f"{p.name}: a quote is never closed", errors)
    return headers, [_without_bom(c) for c in columns]


def _unclosed_quote(col: pa.ChunkedArray) -> bool:
    """Whether the last record may have swallowed the rest of the file: pyarrow reads an unclosed quote to
    the end of the file into one cell, so the last cell of the file then holds a line break."""
    if len(col) == 0:
        return False
    last = col[len(col) - 1].as_py()
    return last is not None and ("\n" in last or "\r" in last)


def _without_bom(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column without U+FEFF (byte-order marks of a second file joined to the first); a cell that held
    only the mark becomes empty (missing)."""
    if not pc.any(pc.match_substring(col, "\ufeff")).as_py():
        return col
    out = pc.replace_substring(col, "\ufeff", "")
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, out.type), out)


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


_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,4})(\d+)\"")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c[\s>/]")
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>((?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b.*?)</(?:\w+:)?c>", re.DOTALL
)
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_R_ATTR = re.compile(rb"\sr=\"([A-Z]{1,4})(\d+)\"")


@dataclass
class _SheetScan:
    """What a streamed pass over a worksheet's XML found: the farthest row and column holding a cell, and
    formulas without a cached value (``(row, column, formula)``, 1-based row, 0-based column)."""

    max_row: int = 0
    max_col: int = -1
    far_cell: str = ""
    formulas: list[tuple[int, int, str]] = field(default_factory=list)


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet ``sheet`` of an XLSX package (None if it cannot be told)."""
    import xml.etree.ElementTree as ET

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }
    try:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    rid = next(
        (s.get(f"{{{ns['r']}}}id") for s in book.iterfind(".//m:sheet", ns) if s.get("name") == sheet), None
    )
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _scan_sheet(p: Path, sheet: str) -> _SheetScan | None:
    """Stream a worksheet's XML once, in 4 MiB pieces, without building it: the used range calamine would
    allocate (it holds every cell of the rectangle) and formulas without a value. None for workbooks that
    are not XLSX packages (``.xls``), whose size calamine bounds itself (65,536 x 256 cells)."""
    try:
        z = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError):
        return None
    scan = _SheetScan()
    with z:
        part = _sheet_part(z, sheet)
        if part is None or part not in z.namelist():
            return None
        tail = b""
        with z.open(part) as fh:
            while True:
                chunk = fh.read(1 << 22)
                buf = tail + chunk
                if chunk:
                    end = buf.rfind(b"</c>")
                    cut = end + 4 if end >= 0 else buf.rfind(b"<")
                    if cut <= 0:
                        tail = buf
                        if len(tail) > (64 << 20):
                            raise IngestError(f"{p.name}: sheet {sheet!r} holds an XML element over 64 MB")
                        continue
                    buf, tail = buf[:cut], buf[cut:]
                _scan_piece(buf, scan)
                if not chunk:
                    break
    return scan


def _scan_piece(buf: bytes, scan: _SheetScan) -> None:
    rows = _ROW_REF.findall(buf)
    if rows:
        scan.max_row = max(scan.max_row, max(map(int, rows)))
    refs = _CELL_REF.findall(buf)
    for letters, row in set(refs):
        j, i = _column_index(letters.decode()), int(row)
        scan.max_row = max(scan.max_row, i)
        if j > scan.max_col:
            scan.max_col, scan.far_cell = j, (letters + row).decode()
    if len(refs) < len(_CELL_OPEN.findall(buf)):
        # Cells without a reference sit after the previous one: count them per row (rare, slower).
        for row_xml in re.split(rb"<(?:\w+:)?row\b", buf):
            j = -1
            for m in re.finditer(rb"<(?:\w+:)?c[\s>/][^>]*", row_xml):
                r = _R_ATTR.search(m.group(0))
                j = _column_index(r.group(1).decode()) if r else j + 1
                scan.max_col = max(scan.max_col, j)
    if b"<f" in buf or b":f" in buf:
        for m in _FORMULA_CELL.finditer(buf):
            if _VALUE.search(m.group(2)):
                continue
            r = _R_ATTR.search(b" " + m.group(1))
            f = _FORMULA_TEXT.search(m.group(2))
            text = html.unescape((f.group(1) or b"").decode("utf-8", "replace")) if f else ""
            if r and len(scan.formulas) < 1000:
                scan.formulas.append((int(r.group(2)), _column_index(r.group(1).decode()), text))


def _check_sheet(p: Path, sheet: str, scan: _SheetScan | None, height: int = 0, width: int = 0) -> None:
    """Refuse a sheet whose used range is over the limits (before any cell of it is read)."""
    if scan is not None:
        height, width = scan.max_row, scan.max_col + 1
    far = f" (the farthest cell is {scan.far_cell})" if scan is not None and scan.far_cell else ""
    fix = (
        "delete the rows and columns outside the table (select them, right-click, Delete) and save, "
        "or copy the table into a new workbook"
    )
    where = f"sheet {sheet!r} uses"
    if width > limit("max_columns"):
        raise _too_big(p.name, f"{where} {width:,} columns{far}", "max_columns", fix)
    if height - 1 > limit("max_rows"):
        raise _too_big(p.name, f"{where} {height:,} rows", "max_rows", fix)
    if height * width > limit("max_sheet_cells"):
        raise _too_big(
            p.name,
            f"{where} {height * width:,} cells ({height:,} rows x {width:,} columns)",
            "max_sheet_cells",
            fix,
        )


def _read_excel(p: Path, meta: dict[str, Any]) -> tuple[list[str], list[pa.Array], list[int]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
        sheet_name = _pick_sheet(wb.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise IngestError(f"{p.name}: cannot read the workbook ({exc})") from None
    scan = _scan_sheet(p, sheet_name)
    _check_sheet(p, sheet_name, scan)
    try:
        sheet = wb.get_sheet_by_name(sheet_name)
        if scan is None:  # .xls: calamine's range is at most 65,536 x 256 cells; check it before converting
            _check_sheet(p, sheet_name, None, sheet.height, sheet.width)
        rows = sheet.iter_rows()
        meta["sheet"] = sheet_name
        cap = limit("max_cell_bytes")
        texts = []
        for i, row in enumerate(rows):
            texts.append(t := [_cell_text(v) for v in row])
            for j, v in enumerate(t):
                if v is not None and len(v) > cap // 4 and len(v.encode()) > cap:
                    raise IngestError(
                        f"{p.name}: a cell is over the size limit",
                        [
                            RowError(
                                p.name,
                                i + 1,
                                _column_letters(j),
                                v[:50] + "…",
                                "cell size",
                                f"cell {_column_letters(j)}{i + 1} holds {len(v.encode()):,} bytes, over the limit "
                                f"of {cap:,} (setting {_env('max_cell_bytes')}); shorten it or raise the limit",
                            )
                        ],
                    )
    except (CalamineError, OSError, ValueError) as exc:
        raise IngestError(f"{p.name}: cannot read the workbook ({exc})") from None
    if scan is not None and scan.formulas:
        head = next((r for r in texts if any(c is not None for c in r)), [])
        errors = [
            RowError(
                p.name,
                i,
                (head[j] if j < len(head) and head[j] else None) or _column_letters(j),
                f"={formula}",
                "formula without value",
                f"cell {_column_letters(j)}{i} holds the formula ={formula} but no computed value (the file was "
                "written by a program, not saved by Excel): open it in Excel or WPS and save it, or paste the "
                "values in place of the formulas",
            )
            for i, j, formula in scan.formulas
        ]
        raise IngestError(f"{p.name}: {len(errors)} formula cell(s) have no computed value", errors)
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


#: The time zone in which timezone-aware Parquet timestamps are read (UTC+8, no daylight saving since 1991).
LOCAL_TIME_ZONE = "Asia/Shanghai"

_PLAIN_VALUES = "plain values, one per cell (text, numbers, dates or true/false)"


def _read_parquet(p: Path) -> tuple[list[str], list[pa.ChunkedArray]]:
    """Read a Parquet file as columns Arrow can write as text, refusing what cannot be a cell.

    The row and column counts are checked from the footer before any data is read. Nested columns (list,
    struct, map, union) and types without a text form are refused naming the column and its type; binary
    columns must hold UTF-8 text (the first other value is named by row); timezone-aware timestamps become
    the local time in Asia/Shanghai.
    """
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(str(p))
        schema = pf.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{p.name}: cannot read the Parquet file ({exc})") from None
    if len(schema) > limit("max_columns"):
        raise _too_big(p.name, f"the file has {len(schema):,} columns", "max_columns", "drop columns")
    if pf.metadata.num_rows > limit("max_rows"):
        raise _too_big(
            p.name, f"the file has {pf.metadata.num_rows:,} data rows", "max_rows", "split the file"
        )
    errors = [
        RowError(
            p.name,
            1,
            f.name,
            str(f.type),
            "column type",
            f"column {f.name!r} holds {f.type} values; expected {_PLAIN_VALUES}. Flatten it before export "
            "(e.g. join list items with ';')",
        )
        for f in schema
        if _nested(f.type)
    ]
    if errors:
        raise IngestError(f"{p.name}: {len(errors)} column(s) cannot be read as table cells", errors)
    try:
        table = pf.read()
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{p.name}: cannot read the Parquet file ({exc})") from None
    columns = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        try:
            columns.append(_parquet_text(col))
        except (pa.ArrowException, UnicodeDecodeError):
            errors.append(_parquet_error(p.name, name, col))
    if errors:
        raise IngestError(f"{p.name}: {len(errors)} column(s) cannot be read as text", errors)
    return list(table.column_names), columns


def _nested(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _nested(t.value_type)
    return pa.types.is_nested(t) or pa.types.is_union(t)


def _parquet_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A Parquet column as text: binary must be UTF-8; tz-aware timestamps in local (Shanghai) time."""
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        col = col.cast(pa.large_binary()).cast(pa.large_string())  # validates UTF-8
    elif pa.types.is_timestamp(t) and t.tz is not None:
        col = pc.local_timestamp(col.cast(pa.timestamp(t.unit, tz=LOCAL_TIME_ZONE)))
    return _as_text(col)


def _parquet_error(file: str, name: str, col: pa.ChunkedArray) -> RowError:
    t = col.type
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        for i, v in enumerate(col.to_pylist()):
            try:
                if v is not None:
                    v.decode("utf-8")
            except UnicodeDecodeError:
                return RowError(
                    file,
                    i + 2,
                    name,
                    repr(v[:20]),
                    "column type",
                    f"column {name!r} holds bytes that are not UTF-8 text (row {i + 2}); expected text: "
                    "write the column as a UTF-8 string column",
                )
    return RowError(
        file,
        1,
        name,
        str(t),
        "column type",
        f"column {name!r} holds {t} values, which have no text form; expected {_PLAIN_VALUES}",
    )


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
