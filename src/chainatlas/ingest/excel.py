"""Cells that a spreadsheet will not run: OWASP's advice against CSV (formula) injection.

Excel, WPS and LibreOffice treat a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and a
leading tab or carriage return can hide one; a firm name such as ``=HYPERLINK("http://x", "点击")`` would
run when a user opens an export. Every CSV and XLSX that Chain Atlas writes (``chainatlas export``,
analysis results, reject files, input templates and the API's template downloads) passes its cells
through this module, which prefixes such text with a single quote ``'`` (OWASP, "CSV Injection").

The rule, in full:

- Only **text** is touched. Numbers, booleans, dates and missing values are written as they are, so a
  negative amount stays a number.
- Text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR (or their full-width forms ``＝ ＋ － ＠``,
  which Chinese and Japanese input methods produce and spreadsheets may read as the ASCII ones) gets a
  leading ``'``.
- Except text that is a plain number, such as ``"-12.5"``, ``"+3"``, ``"-1,234.5"``, ``"-5%"`` or
  ``"-1e3"``: a spreadsheet reads it as that number and runs nothing, and a reject file with a negative
  amount in a text column must still load again unchanged once fixed. ``"-2+3"`` is not a plain number
  (a spreadsheet would compute 1), so it is neutralised.
- The stored value never changes: the functions return new values or a new frame, and only the written
  file carries the quote.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["TRIGGERS", "safe_cell", "safe_frame", "safe_rows", "safe_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP), with full-width forms.
TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet must show it: prefixed with ``'`` if it would start a formula.

    Examples
    --------
    >>> [safe_text(t) for t in ("=1+1", "@SUM(A1)", "-2+3", "-12.5", "苏州")]
    ["'=1+1", "'@SUM(A1)", "'-2+3", '-12.5', '苏州']
    """
    if text and text[0] in TRIGGERS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cell(value: Any) -> Any:
    """:func:`safe_text` for text; any other value (numbers, dates, missing) unchanged."""
    return safe_text(value) if isinstance(value, str) else value


def safe_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """Rows for ``csv.writer`` or an XLSX sheet, every cell through :func:`safe_cell`."""
    return [[safe_cell(v) for v in row] for row in rows]


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` ready for ``to_csv``/``to_excel``: text cells and headers through :func:`safe_text`.

    Numeric, boolean and datetime columns are not looked at. Text columns are checked once per distinct
    value, so a large export costs one pass over its distinct strings. ``df`` itself is never changed; it is
    returned as is (not copied) when nothing needs a quote.
    """
    out = df
    for i, (_, s) in enumerate(df.items()):
        if (
            pd.api.types.is_numeric_dtype(s.dtype)
            or pd.api.types.is_bool_dtype(s.dtype)
            or pd.api.types.is_datetime64_any_dtype(s.dtype)
            or pd.api.types.is_timedelta64_dtype(s.dtype)
        ):
            continue
        values = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        try:
            distinct = pd.unique(values.dropna())
        except TypeError:  # lists or dicts among the cells: look at every cell
            distinct = values.dropna()
        risky = frozenset(v for v in distinct if isinstance(v, str) and safe_text(v) is not v)
        if not risky:
            continue
        if out is df:
            out = df.copy()
        out.isetitem(i, values.map(lambda v, r=risky: "'" + v if isinstance(v, str) and v in r else v))
    headers = [safe_cell(c) for c in df.columns]
    if any(h is not c for h, c in zip(headers, df.columns, strict=True)):
        if out is df:
            out = df.copy()
        out.columns = headers
    return out
