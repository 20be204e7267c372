"""Tables a user brings to ``calc`` (and matrices to ``analyze gravity --distance``): read, check, convert.

One reader for users' tables: :func:`chainatlas.ingest.read.read_user_table`, with the same format and
encoding detection as the input kinds. Every message names the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.ingest.read import file_sha256, read_user_table

__all__ = ["edge_list", "file_sha256", "need", "numeric", "read_distance", "read_table", "square_io", "wide"]


def read_table(path: Path | str, param: str = "input") -> tuple[pd.DataFrame, str]:
    """A user's table (cells as text, headers stripped) and the SHA-256 of its bytes.

    ConfigError naming ``param`` when the file is missing, unreadable or has no data rows.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"file {str(p)!r} does not exist", param=param)
    from chainatlas.errors import IngestError

    try:
        df, _ = read_user_table(p)
    except IngestError as e:
        raise ConfigError(f"{e}; expected CSV, XLSX or Parquet with a header row", param=param) from None
    if df.empty:
        raise ConfigError(f"{p}: the table has no data rows", param=param)
    return df, file_sha256(p)


def need(df: pd.DataFrame, path: Path, cols: Sequence[str], expected: str) -> None:
    """ConfigError naming the missing columns, the ones the file has and what was expected."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ConfigError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))}; the file has "
            f"{', '.join(map(repr, df.columns))}; expected {expected}. "
            f"See `chainatlas calc METHOD --help` for an example."
        )


def numeric(df: pd.DataFrame, path: Path, cols: Sequence[str]) -> pd.DataFrame:
    """A copy with ``cols`` as floats; ConfigError naming the first cell (row, column, value) that is not a number."""
    out = df.copy()
    for c in cols:
        v = pd.to_numeric(out[c], errors="coerce")
        bad = v.isna() & out[c].notna()
        if bad.any() or v.isna().any():
            i = int(np.flatnonzero(bad.to_numpy() | v.isna().to_numpy())[0])
            raise ConfigError(f"{path}: row {i + 2}, column {c!r}: expected a number, got {out[c].iloc[i]!r}")
        out[c] = v.astype(float)
    return out


def read_distance(
    path: Path | str,
    ids: Sequence[str] | None = None,
    aliases: dict[str, str] | None = None,
    param: str = "distance_file",
) -> pd.DataFrame:
    """A square distance or travel-time matrix: first column = place ids, header = the same ids.

    ``aliases`` maps other spellings (e.g. Chinese names) to ids; ``ids`` are the places that must be present.
    """
    path = Path(path)
    df, _ = read_table(path, param)
    first = df.columns[0]
    rows = [aliases.get(str(v).strip(), str(v).strip()) if aliases else str(v).strip() for v in df[first]]
    cols = [aliases.get(c, c) if aliases else c for c in df.columns[1:]]
    body = df.drop(columns=[first]).copy()
    for i, r in enumerate(rows):  # the diagonal (a place to itself) is often left blank; it is never used
        if r in cols:
            j = cols.index(r)
            if pd.isna(body.iat[i, j]) or str(body.iat[i, j]).strip() == "":
                body.iat[i, j] = "0"
    m = numeric(body, path, list(df.columns[1:]))
    m.index, m.columns = rows, cols
    if sorted(rows) != sorted(cols) or len(set(rows)) != len(rows):
        raise ConfigError(
            f"{path}: expected a square matrix whose first column and header list the same places "
            f"once each; rows {rows[:5]}..., columns {cols[:5]}..."
        )
    missing = sorted(set(ids or ()) - set(rows))
    if missing:
        raise ConfigError(f"{path}: places {missing[:5]} have no row; the matrix must cover every place")
    return m.loc[:, m.index] if ids is None else m.loc[list(ids), list(ids)]


def edge_list(df: pd.DataFrame, path: Path, extra: Sequence[str] = ()) -> tuple[pd.DataFrame, str | None]:
    """An edge list ``src,dst[,weight]`` (plus ``extra`` columns) and the weight column's name, if any."""
    need(df, path, ["src", "dst", *extra], "an edge list with columns src,dst[,weight]")
    if "weight" in df.columns:
        return numeric(df, path, ["weight"]), "weight"
    return df, None


def square_io(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.Series | None, pd.Series | None]:
    """Z (labels from the first column), and the x and/or y columns."""
    label = df.columns[0]
    sectors = [str(s) for s in df[label]]
    need(
        df,
        path,
        sectors,
        "a square table: first column sector names, then one column per sector "
        "(the same names, in any order), plus x (gross output) or y (final demand)",
    )
    if "x" not in df.columns and "y" not in df.columns:
        raise ConfigError(
            f"{path}: missing column 'x' or 'y'; expected gross output x or final demand y "
            f"next to the sector columns"
        )
    num = numeric(df, path, [*sectors, *[c for c in ("x", "y") if c in df.columns]])
    Z = pd.DataFrame(num[sectors].to_numpy(), index=pd.Index(sectors, name="sector"), columns=sectors)
    x = pd.Series(num["x"].to_numpy(), index=Z.index, name="x") if "x" in num else None
    y = pd.Series(num["y"].to_numpy(), index=Z.index, name="y") if "y" in num else None
    return Z, x, y


def wide(prefix: str, m: pd.DataFrame) -> pd.DataFrame:
    """A matrix's columns renamed ``prefix[column]`` for a flat result table."""
    return m.set_axis([f"{prefix}[{c}]" for c in m.columns], axis=1)
