"""Tables saved together (a book): the main table as CSV for Excel with the others beside it, one workbook with
a sheet per table, or one JSON document — the cooperation ledgers, matching, policies, alliances and open calls
all write their results this way through :func:`chainatlas.pipeline.simulate.write`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Book", "book_of", "for_excel", "frame_rows"]


@dataclass(frozen=True)
class Book:
    """Tables saved together by :func:`chainatlas.pipeline.simulate.write`.

    Attributes
    ----------
    sheets : dict
        Sheet name (Chinese, as the workbook shows it) → table (English columns). The first is the main table of a
        CSV; the others go beside it as ``FILE.<key>.csv`` (:attr:`keys`).
    keys : dict
        Sheet name → the English key of its side file and of its list in the JSON document.
    meta : dict
        What the tables are (command, period, settings, counts), in the JSON document and the provenance.
    synthetic : bool
        Computed from synthetic data.
    headers : dict
        English column → the Chinese header a spreadsheet shows (columns not named keep their key).

    CSV and XLSX carry Chinese headers, lists joined with ``;`` and dicts left out; JSON keeps every column under
    its English key.
    """

    sheets: dict[str, pd.DataFrame]
    keys: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)

    #: the formats :func:`chainatlas.pipeline.simulate.write` saves it in
    FORMATS = ("csv", "json", "xlsx")

    def document(self) -> dict[str, Any]:
        """Every table as JSON-safe rows under its key, with the meta."""
        from chainatlas.pipeline.analyze.result import jsonable

        return {
            "synthetic": self.synthetic,
            **jsonable(self.meta),
            **{self.keys[name]: frame_rows(df) for name, df in self.sheets.items()},
        }

    def tables(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """The first table for a CSV and the others beside it, with Chinese headers."""
        names = list(self.sheets)
        main = for_excel(self.sheets[names[0]], self.headers)
        return main, {self.keys[n]: for_excel(self.sheets[n], self.headers) for n in names[1:]}

    def write_excel(self, path: str | Path) -> Path:
        """One sheet per table, Chinese headers, every text cell through
        :func:`chainatlas.ingest.excel.safe_frame`, the header row frozen."""
        from chainatlas.ingest.excel import safe_frame

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for name, df in self.sheets.items():
                safe_frame(for_excel(df, self.headers)).to_excel(xl, sheet_name=name[:31], index=False)
            for ws in xl.book.worksheets:
                ws.freeze_panes = "A2"
                for col in ws.columns:
                    width = max(len(str(c.value or "")) for c in col[:200])
                    ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 60)
        return path


def book_of(
    name: str,
    key: str,
    table: pd.DataFrame,
    meta: Mapping[str, Any],
    synthetic: bool,
    headers: Mapping[str, str] | None = None,
) -> Book:
    """One table as a :class:`Book`."""
    return Book({name: table}, {name: key}, dict(meta), synthetic, dict(headers or {}))


def frame_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-safe rows, dates as ISO text."""
    from chainatlas.pipeline.analyze.result import frame_rows as rows

    if not len(df):
        return []
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date().isoformat())
    return rows(out)


def for_excel(df: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    """A table as a spreadsheet shows it: lists joined with ';', dict columns left out, Chinese headers, booleans as
    是/否, dates as text."""
    out = df.copy()
    drop = []
    for c in out.columns:
        s = out[c]
        if s.dtype == object:
            if s.map(lambda v: isinstance(v, dict)).any():
                drop.append(c)
                continue
            if s.map(lambda v: isinstance(v, (list, tuple))).any():
                out[c] = s.map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        if pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.map({True: "是", False: "否"})
        elif (
            s.dtype == object
            and s.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all()
            and s.notna().any()
        ):
            out[c] = s.map(
                lambda v: (
                    None if v is None or (isinstance(v, float) and math.isnan(v)) else ("是" if v else "否")
                )
            )
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date().isoformat())
    out = out.drop(columns=drop)
    return out.rename(columns={c: headers.get(c, c) for c in out.columns})
