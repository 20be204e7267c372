"""Write a corpus of malformed input files, generated in code from the valid fixtures (nothing committed).

    .venv/bin/python tools/make_malformed.py OUTDIR [--kinds firms,patents] [--all-variants-for firms]

Every kind gets the cheap CSV variants (line endings, a joined second export, ragged rows, an unclosed quote,
empty and header-only files); the kinds of ``--all-variants-for`` (default: firms, patents, trade) also get the
encodings (UTF-16, Big5, Shift-JIS), an oversized cell, the XLSX bomb (one cell at XFD1048576), formulas without
a cached value and Parquet files with list, struct, binary and timezone-aware timestamp columns.

``OUTDIR/manifest.json`` lists each file with what it should do: ``expect`` is ``load`` (exit 0; ``check`` names
a ``[column, value]`` that must then be stored in the kind's raw table), ``refuse`` (exit 2 naming the file and,
where given, ``row`` and ``column``) or ``either`` (a located refusal or a correct load). ``tests/test_malformed.py``
runs every file through the command line.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from chainatlas.model.kinds import KINDS

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ingest"
DEEP_KINDS = ("firms", "patents", "trade")


def _rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """The valid fixture of ``kind`` with English headers (the field names): header and rows."""
    with (FIXTURES / f"{kind}.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    from chainatlas.ingest.read import header_lookup

    lookup = header_lookup(KINDS[kind])
    from chainatlas.ingest.read import header_key

    return [lookup[header_key(h)] for h in header], rows


def _csv(header: list[str], rows: list[list[str]], newline: str = "\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _text_column(kind: str, header: list[str], rows: list[list[str]], ascii_ok: bool = True) -> int:
    """A free-text column that is not part of the key (its value can be checked after a load)."""
    k = KINDS[kind]
    for j, name in enumerate(header):
        f = k.field(name)
        if f.rule == "text" and name not in k.key and rows[0][j] and (ascii_ok or not rows[0][j].isascii()):
            return j
    if not ascii_ok:
        return -1
    return next(j for j, name in enumerate(header) if name not in k.key)


def corpus(out: Path, kinds: list[str], deep: tuple[str, ...] = DEEP_KINDS) -> list[dict[str, Any]]:
    """Write the corpus into ``out``; return the manifest entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []

    def add(kind: str, variant: str, ext: str, data: bytes | None, expect: str, **kw: Any) -> Path:
        path = out / f"{kind}__{variant}.{ext}"
        if data is not None:
            path.write_bytes(data)
        entries.append({"file": path.name, "kind": kind, "variant": variant, "expect": expect, **kw})
        return path

    for kind in kinds:
        header, rows = _rows(kind)
        k = KINDS[kind]
        # a key column stored as written (enums are stored by their English value)
        plain = [h for h in k.key if k.field(h).rule in ("text", "credit_code")]
        check = [plain[0], rows[0][header.index(plain[0])]] if plain else None
        text = _csv(header, rows)
        add(kind, "crlf", "csv", _csv(header, rows, "\r\n").encode(), "load", check=check)
        add(kind, "cr_only", "csv", _csv(header, rows, "\r").encode(), "load", check=check)
        # two Excel exports joined: the second starts with a BOM and repeats the header
        joined = codecs.BOM_UTF8 + text.encode() + codecs.BOM_UTF8 + text.encode()
        add(kind, "bom_mid", "csv", joined, "refuse", row=len(rows) + 2)
        # the second export without its header: the BOM sits in the first cell of a data row
        tail = _csv(header, rows[:1]).split("\n", 1)[1]
        add(kind, "bom_mid_rows", "csv", (text.encode() + codecs.BOM_UTF8 + tail.encode()), "either")
        bad = min(1, len(rows) - 1)
        ragged = [r + ["extra"] if i == bad else r for i, r in enumerate(rows)]
        add(kind, "ragged", "csv", _csv(header, ragged).encode(), "refuse", row=bad + 2)
        # an unclosed quote in the last column of the first data row swallows the rest of the file
        lines = text.split("\n")
        prefix, _, last = lines[1].rpartition(",")
        lines[1] = f'{prefix},"{last}'
        add(kind, "quote", "csv", "\n".join(lines).encode(), "refuse", row=2)
        add(kind, "empty", "csv", b"", "refuse")
        add(kind, "header_only", "csv", _csv(header, []).encode(), "load")
        if kind not in deep:
            continue
        add(kind, "utf16", "csv", _csv(header, rows).encode("utf-16"), "load", check=check)
        j = _text_column(kind, header, rows, ascii_ok=False)
        for variant, enc in (("big5", "cp950"), ("shift_jis", "cp932")):
            data = _csv(header, rows).encode(enc, errors="replace")
            value = rows[0][j].encode(enc, errors="replace").decode(enc) if j >= 0 else None
            add(kind, variant, "csv", data, "either", check=[header[j], value] if j >= 0 else None)
        jt = _text_column(kind, header, rows)
        big = [list(r) for r in rows]
        big[0][jt] = "长" * 800_000  # 2.4 MB of UTF-8
        add(kind, "huge_cell", "csv", _csv(header, big).encode(), "refuse", row=2, column=header[jt])
        _xlsx(add(kind, "xlsx_bomb", "xlsx", None, "refuse"), header, rows, bomb=True)
        _xlsx(
            add(kind, "formula", "xlsx", None, "refuse", row=2, column=header[jt]),
            header,
            rows,
            formula=jt,
        )
        _parquet(add, kind, header, rows, jt, check)
    (out / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    return entries


def _xlsx(
    path: Path, header: list[str], rows: list[list[str]], *, bomb: bool = False, formula: int = -1
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(header)
    for r in rows:
        ws.append(r)
    if bomb:
        ws.cell(row=1_048_576, column=16_384, value="x")  # used range A1:XFD1048576
    if formula >= 0:
        ws.cell(row=2, column=formula + 1, value='=CONCATENATE("a","b")')  # openpyxl stores no value
    wb.save(path)


def _parquet(add: Any, kind: str, header: list[str], rows: list[list[str]], jt: int, check: Any) -> None:
    cols = {h: [r[j] or None for r in rows] for j, h in enumerate(header)}
    name = header[jt]

    def write(variant: str, values_: pa.Array, expect: str, **kw: Any) -> None:
        table = pa.table({**{h: pa.array(v, pa.string()) for h, v in cols.items()}, name: values_})
        pq.write_table(table, add(kind, variant, "parquet", None, expect, **kw).__fspath__())

    values = cols[name]
    write("parquet_list", pa.array([[v] for v in values], pa.list_(pa.string())), "refuse", column=name)
    write(
        "parquet_struct",
        pa.array([{"v": v} for v in values], pa.struct([("v", pa.string())])),
        "refuse",
        column=name,
    )
    write(
        "parquet_binary",
        pa.array([b"\xff\xfe" + (v or "").encode() for v in values], pa.binary()),
        "refuse",
        column=name,
        row=2,
    )
    date_field = next((f.name for f in KINDS[kind].fields if f.rule == "date" and f.name in cols), None)
    if date_field is not None:
        # 16:00 UTC the day before is local midnight in Shanghai: the date must read back unchanged
        stamps = [
            dt.datetime(2023, 5, 31, 16, tzinfo=dt.UTC) + dt.timedelta(days=i) for i in range(len(rows))
        ]
        table = pa.table(
            {
                **{h: pa.array(v, pa.string()) for h, v in cols.items()},
                date_field: pa.array(stamps, pa.timestamp("us", tz="UTC")),
            }
        )
        path = add(kind, "parquet_tz", "parquet", None, "load", check=check)
        pq.write_table(table, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all)")
    ap.add_argument("--all-variants-for", default=",".join(DEEP_KINDS), help="kinds that get every variant")
    a = ap.parse_args()
    entries = corpus(a.outdir, a.kinds.split(","), tuple(a.all_variants_for.split(",")))
    print(f"{len(entries)} files written to {a.outdir}")


if __name__ == "__main__":
    main()
