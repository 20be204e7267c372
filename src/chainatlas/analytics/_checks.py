"""Argument guards shared by the analytics modules (private).

Every guard raises :class:`chainatlas.errors.ConfigError` whose message names the parameter, says what was
found and what was expected, so that the CLI and API can show it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError

__all__ = [
    "as_float_array",
    "as_square",
    "require_choice",
    "require_columns",
    "require_frame",
    "require_positive_int",
    "require_probability",
]


def require_frame(obj: object, param: str) -> pd.DataFrame:
    """Return ``obj`` if it is a DataFrame, else raise naming ``param``."""
    if not isinstance(obj, pd.DataFrame):
        raise ConfigError(f"{param}: expected a pandas DataFrame, got {type(obj).__name__}")
    return obj


def require_columns(frame: pd.DataFrame, columns: Iterable[str | None], param: str) -> None:
    """Raise if any of ``columns`` (``None`` entries are skipped) is missing from ``frame``."""
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"{param}: missing column(s) {missing}; the frame has {list(frame.columns)}. "
            f"Rename the columns or pass their names as arguments."
        )


def require_choice(value: object, choices: Sequence[object], param: str) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"{param}: expected one of {list(choices)}, got {value!r}")


def require_positive_int(value: object, param: str, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{param}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def require_probability(
    value: object, param: str, *, open_low: bool = False, open_high: bool = False
) -> float:
    """Return ``value`` as float if it lies in [0, 1] (ends optionally open)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{param}: expected a number in [0, 1], got {value!r}") from None
    low_ok = v > 0 if open_low else v >= 0
    high_ok = v < 1 if open_high else v <= 1
    if not (low_ok and high_ok and np.isfinite(v)):
        lo = "(" if open_low else "["
        hi = ")" if open_high else "]"
        raise ConfigError(f"{param}: expected a number in {lo}0, 1{hi}, got {value!r}")
    return v


def as_float_array(
    values: object, param: str, *, ndim: int | None = None, allow_nan: bool = False, nonnegative: bool = False
) -> np.ndarray:
    """Convert ``values`` to a new float64 array and check it.

    The result is always a copy, so callers may modify it without touching the input.
    """
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ConfigError(f"{param}: expected numbers, got values that cannot be read as float") from None
    if ndim is not None and arr.ndim != ndim:
        raise ConfigError(f"{param}: expected a {ndim}-dimensional array, got shape {arr.shape}")
    bad = ~np.isfinite(arr) if not allow_nan else np.isinf(arr)
    if bad.any():
        first = np.argwhere(bad)[0].tolist()
        raise ConfigError(
            f"{param}: expected finite numbers, found {arr[tuple(first)]!r} at position {first}"
        )
    if nonnegative and (arr < 0).any():
        first = np.argwhere(arr < 0)[0].tolist()
        raise ConfigError(
            f"{param}: expected non-negative numbers, found {arr[tuple(first)]!r} at position {first}"
        )
    return arr


def as_square(values: object, param: str, *, nonnegative: bool = False) -> np.ndarray:
    """Return a float copy of a square 2-D matrix (DataFrame values are taken as they are ordered)."""
    arr = as_float_array(
        values.to_numpy() if isinstance(values, pd.DataFrame) else values,
        param,
        ndim=2,
        nonnegative=nonnegative,
    )
    if arr.shape[0] != arr.shape[1]:
        raise ConfigError(f"{param}: expected a square matrix, got shape {arr.shape}")
    return arr
