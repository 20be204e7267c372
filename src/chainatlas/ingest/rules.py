"""Vectorised checks, one per rule of :mod:`chainatlas.model.kinds`.

Each ``check_*`` function takes one :class:`Column` (raw Arrow text, cleaned on demand: trimmed, empty
cells null) and its :class:`~chainatlas.model.kinds.Field`, and returns an :class:`Outcome`: the
converted column (invalid cells missing) and the :class:`Failure` s found. Rows are positions (0-based);
the caller turns them into spreadsheet row numbers.

Code columns repeat a few values many times, so the checks work on the distinct values
(:class:`Uniques`, Arrow's dictionary encoding) and map the verdicts back with one ``take``.

One normalisation step comes before every rule (:func:`fold_of` says which, :class:`Column` applies it to the
distinct values): identifier-like cells (codes, periods and record ids such as ``patent_id``) go through
:func:`chainatlas.model.codes.normalize_key_text` (NFKC, format characters removed, trimmed, upper case), so
``cn２０２３１０１２３４５６.７`` and ``CN202310123456.7`` are one key and are stored as the second; amounts, dates,
choices and names used as keys get NFKC without the case change (``１２３.５`` is an amount, ``２０２３-０５-０１`` a
date, ``３０％`` a share); free text (names, titles, addresses) is only trimmed and is stored as given. Error
messages show the cell as given (:attr:`Column.given`).

The code lists themselves (credit codes, industry, HS, IPC) belong to :mod:`chainatlas.model.codes`,
adcodes and country codes to :mod:`chainatlas.geo`, date parsing to :mod:`chainatlas.ingest.dates`;
this module only calls them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.model.codes import normalize_key_text
from chainatlas.model.kinds import LIST_SEPARATORS, Field, Kind

__all__ = [
    "Failure",
    "Outcome",
    "Uniques",
    "as_text",
    "check_adcode",
    "check_country",
    "check_credit_code",
    "check_date",
    "check_enum",
    "check_flag",
    "check_gbt4754",
    "check_gbt4754_list",
    "check_hs",
    "check_ipc_list",
    "check_list",
    "check_number",
    "check_period",
    "clean_text",
    "fold_of",
    "parse_periods",
    "resolve_addresses",
    "split_list",
]

STRING = pd.StringDtype("pyarrow")
TEXT = pa.large_string()
_NULL_TEXT = pa.scalar(None, type=TEXT)

#: Regex (RE2) for list separators inside a cell: ``;``, ``；`` and ``|``.
LIST_PATTERN = "[" + "".join(re.escape(s) for s in LIST_SEPARATORS) + "]"
# IPC symbols and industry codes never contain commas, so comma-separated lists of them are accepted too.
_IPC_SPLIT = re.compile("[" + "".join(re.escape(s) for s in LIST_SEPARATORS) + ",，]")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_FLAGS = {
    **dict.fromkeys(("1", "true", "t", "yes", "y", "是", "1.0"), True),
    **dict.fromkeys(("0", "false", "f", "no", "n", "否", "0.0"), False),
}


@dataclass
class Failure:
    """Rows of one column that break one rule.

    ``messages`` is one text for all rows or one per row; ``values`` overrides the cell text shown in
    the error (list items report the item, not the whole cell).
    """

    rows: np.ndarray
    rule: str
    messages: str | list[str]
    values: list[str] | None = None
    column: str | None = None  # defaults to the checked field


@dataclass
class Outcome:
    """A checked column: converted values, failures and extra columns (e.g. ``adcode_method``).

    ``values`` is an Arrow array, a numpy/pandas array or a :class:`Mapped` (text known by its
    distinct values, materialised only when needed).
    """

    values: Any
    failures: list[Failure] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- arrays


def as_text(col: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Any pandas column as Arrow ``large_string`` text (numbers formatted by Arrow).

    Arrow-backed text comes back as the column's own chunks, without a copy: on a fresh process every
    newly touched megabyte costs, so the validator avoids copying columns it only reads.
    """
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        arr = col.array.__arrow_array__()
    elif isinstance(col.dtype, pd.StringDtype) or col.dtype == object:
        arr = pa.array(col.astype(STRING))
    else:
        arr = pa.array(col, from_pandas=True)
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(TEXT)
    return arr


def to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow array or chunked array as numpy (copying when needed)."""
    return arr.to_numpy(zero_copy_only=False) if isinstance(arr, pa.Array) else arr.to_numpy()


def flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (for the few kernels that need it)."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def clean_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Trim whitespace; empty cells become null. Returns ``arr`` itself when nothing changes."""
    t = pc.utf8_trim_whitespace(arr)
    if t.equals(arr) and not pc.any(pc.equal(arr, "")).as_py():
        return arr
    return pc.if_else(pc.equal(t, ""), _NULL_TEXT, t)


def to_series(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Arrow text as a ``string[pyarrow]`` Series with a fresh RangeIndex."""
    return pd.Series(
        pd.arrays.ArrowStringArray(arr if pa.types.is_large_string(arr.type) else arr.cast(TEXT))
    )


def from_series(s: pd.Series) -> pa.Array:
    """A Series of text back to one Arrow ``large_string`` array (positionally)."""
    arr = pa.array(s.reset_index(drop=True).astype(STRING))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_large_string(arr.type) else arr.cast(TEXT)


def to_bool(s: Any) -> np.ndarray:
    """Booleans from a Series or array; missing counts as False."""
    if isinstance(s, pd.Series):
        return s.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return np.asarray(s, dtype=bool)


def _nfkc(values: list[str | None]) -> list[str | None]:
    return [None if v is None else unicodedata.normalize("NFKC", v) for v in values]


class Uniques:
    """A column as distinct values plus, per row, the position of its value (``-1``: missing)."""

    def __init__(self, indices: pa.Array, values: pa.Array):
        self.indices = indices
        self.values = values
        self.idx: np.ndarray = to_numpy(pc.fill_null(indices, -1))

    @classmethod
    def of(cls, arr: pa.Array | pa.ChunkedArray) -> Uniques:
        """Dictionary-encode ``arr`` (nulls stay missing)."""
        encoded = pc.dictionary_encode(arr)
        if isinstance(encoded, pa.Array):
            return cls(encoded.indices, encoded.dictionary)
        if encoded.num_chunks == 0:
            return cls(pa.array([], pa.int32()), pa.array([], arr.type))
        # Arrow encodes all chunks against one memo table: every chunk carries the final dictionary.
        return cls(pa.concat_arrays([c.indices for c in encoded.chunks]), encoded.chunk(0).dictionary)

    @classmethod
    def from_idx(cls, idx: np.ndarray, values: pa.Array) -> Uniques:
        idx32 = idx.astype(np.int32, copy=False)
        return cls(pa.array(idx32, mask=idx32 < 0), values)

    def __len__(self) -> int:
        return len(self.values)

    def rows(self, per_value: np.ndarray, fill: Any) -> np.ndarray:
        """Broadcast a numpy array over distinct values to rows (missing rows get ``fill``)."""
        per_value = np.asarray(per_value)
        ext = np.concatenate([per_value, np.asarray([fill], dtype=per_value.dtype)])
        return ext[self.idx]

    def take(self, per_value: pa.Array) -> pa.Array:
        """Broadcast an Arrow array over distinct values to rows (missing rows stay null)."""
        return per_value.take(self.indices)

    def map(self, per_value: pa.Array, column: Column | None = None) -> Mapped:
        """The rows' values after replacing each distinct value by ``per_value``, without materialising.

        When nothing changes (the common case: codes already canonical) the column's own text is reused.
        """
        if column is not None and per_value.equals(self.values):
            return Mapped(self, column.text)
        inner = Uniques.of(per_value)
        return Mapped(Uniques.from_idx(Uniques.rows(self, inner.idx, -1), inner.values))

    def bad_rows(self, bad_value: np.ndarray) -> np.ndarray:
        """Positions of rows whose value is flagged in ``bad_value``."""
        return np.flatnonzero(self.rows(bad_value, False))

    def series(self, arr: pa.Array | None = None) -> pd.Series:
        return to_series(self.values if arr is None else arr)


class Mapped:
    """Text rows given by distinct values; :meth:`array` materialises (once)."""

    def __init__(self, uniques: Uniques, array: pa.Array | None = None):
        self.uniques = uniques
        self._array = array

    def array(self) -> pa.Array:
        if self._array is None:
            self._array = self.uniques.take(self.uniques.values)
        return self._array


#: Rules whose cells are identifier-like: normalised with upper case (see :func:`fold_of`).
_KEY_RULES = frozenset(
    {"credit_code", "adcode", "gbt4754", "gbt4754_list", "hs", "ipc_list", "country", "period"}
)
#: Rules read as numbers, dates or choices: NFKC (full-width digits, ``％``), case kept.
_NFKC_RULES = frozenset({"nonneg", "count", "share", "date", "enum", "flag", "chain", "segment"})


def fold_of(f: Field, k: Kind | None = None) -> str | None:
    """How the cells of field ``f`` are normalised before its rule is checked.

    ``"upper"`` (:func:`~chainatlas.model.codes.normalize_key_text`: NFKC, format characters removed, trimmed,
    upper case) for codes, periods and record ids (text fields named ``*_id``); ``"nfkc"`` (the same, case kept)
    for numbers, dates, choices and any other text field of the kind's key (``member_name``); ``None`` (only
    trimmed) for free text and lists.
    """
    if f.rule in _KEY_RULES or (f.rule == "text" and (f.name == "id" or f.name.endswith("_id"))):
        return "upper"
    # the register's own names stay as written: firms are matched through ``name_norm``, not this column
    register_name = k is not None and k.name == "firms" and f.name == "name"
    if f.rule in _NFKC_RULES or (
        f.rule == "text" and k is not None and f.name in k.key and not register_name
    ):
        return "nfkc"
    return None


def _fold(arr: pa.Array | pa.ChunkedArray, fold: str | None) -> pa.Array | pa.ChunkedArray:
    """Cleaned text (:func:`clean_text`), after the key normalisation ``fold`` if any."""
    if fold is None:
        return clean_text(arr)
    return normalize_key_text(arr, upper=fold == "upper")


class Column:
    """One input column: raw Arrow text, its normalised text and its distinct values, on demand.

    ``fold`` (from :func:`fold_of`) is the normalisation applied before any rule: ``text`` and ``uniques``
    hold normalised values (what is checked, compared as a key and stored); ``given`` holds the cell as
    typed, trimmed (what error messages show).
    """

    def __init__(self, raw: pa.Array, fold: str | None = None):
        self.raw = raw
        self.fold = fold
        self._text: pa.Array | None = None
        self._given: pa.Array | None = None
        self._uniques: Uniques | None = None

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def text(self) -> pa.Array:
        """Normalised text (trimmed; NFKC and case as ``fold`` says), empty cells null."""
        if self._text is None:
            if self.fold is None:
                self._text = clean_text(self.raw)
            else:
                u = self.uniques  # normalises the distinct values only
                if self._text is None:
                    self._text = u.take(u.values)
        return self._text

    @property
    def given(self) -> pa.Array:
        """The cells as typed, trimmed (empty cells null), for messages."""
        if self.fold is None:
            return self.text
        if self._given is None:
            self._given = clean_text(self.raw)
        return self._given

    @property
    def uniques(self) -> Uniques:
        """Distinct normalised values; encodes the raw column and normalises only its distinct values."""
        if self._uniques is None:
            u = Uniques.of(self.raw)
            cleaned = _fold(u.values, self.fold)
            if cleaned is u.values:
                if self._text is None:
                    self._text = self.raw
            else:
                inner = Uniques.of(cleaned)
                u = Uniques.from_idx(u.rows(inner.idx, -1), inner.values)
            self._uniques = u
        return self._uniques

    def is_null(self) -> np.ndarray:
        return to_numpy(pc.is_null(self.text))


def materialize(values: Any) -> Any:
    """Arrays as they are; :class:`Mapped` values as an Arrow array."""
    return values.array() if isinstance(values, Mapped) else values


def _failure_per_value(u: Uniques, bad: np.ndarray, rule: str, messages: list[str | None] | str) -> Failure:
    rows = u.bad_rows(bad)
    if isinstance(messages, str):
        return Failure(rows, rule, messages)
    msg = np.asarray(messages + [None], dtype=object)
    return Failure(rows, rule, msg[u.idx[rows]].tolist())


def _null_where(arr: pa.Array, bad: np.ndarray) -> pa.Array:
    """``arr`` with the positions flagged in ``bad`` set to null."""
    return pc.if_else(pa.array(bad), pa.scalar(None, type=arr.type), arr) if bad.any() else arr


# --------------------------------------------------------------------------- codes


def check_credit_code(col: Column, f: Field) -> Outcome:
    """Unified social credit codes (GB 32100-2015): upper-cased, check digit verified."""
    from chainatlas.model.codes import normalize_credit_codes, validate_credit_codes

    u = col.uniques
    ok = to_bool(validate_credit_codes(u.series()))
    upper = u.values
    if not ok.all():
        # Full-width characters, lower case, blanks and dashes are typing slips, not different codes.
        slips = np.flatnonzero(~ok)
        fixed = from_series(normalize_credit_codes(to_series(upper.take(pa.array(slips)))))
        upper = pc.replace_with_mask(upper, pa.array(~ok), fixed)
        ok[slips] = to_bool(validate_credit_codes(to_series(fixed)))
    bad = ~ok
    messages = [
        None if good else _credit_code_problem(v or "") for v, good in zip(upper.to_pylist(), ok, strict=True)
    ]
    return Outcome(
        u.map(_null_where(upper, bad), col),
        [_failure_per_value(u, bad, "credit_code", messages)] if bad.any() else [],
    )


_CREDIT_CHARS = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def _credit_code_problem(v: str) -> str:
    base = "not a valid unified social credit code (GB 32100-2015): "
    if len(v) != 18:
        return base + f"expected 18 characters, got {len(v)}"
    odd = sorted(set(v) - _CREDIT_CHARS)
    if odd:
        return (
            base + f"contains {''.join(odd)!r}; only digits and the letters A-Y without I, O, S, V, Z occur"
        )
    return base + "the check digit (18th character) does not match the first 17; look for a typo"


def check_adcode(col: Column, f: Field) -> Outcome:
    """Administrative codes through :func:`chainatlas.geo.normalize_adcodes` (retired codes crosswalked).

    ``extra`` holds ``<field>_method``: ``exact``, ``crosswalk`` or ``padded``; a place name instead of a code
    (苏州, 上海市浦东新区, Suzhou) goes through :func:`chainatlas.ingest.places.resolve_place_names`
    (``name:<level>`` or ``address:<level>``; an ambiguous name fails with its candidates).
    """
    from chainatlas.geo import normalize_adcodes
    from chainatlas.ingest.places import resolve_place_names

    u = col.uniques
    values = u.series()
    codes, method = normalize_adcodes(values)
    problems: list[str | None] = [None] * len(codes)
    named = [i for i, (c, v) in enumerate(zip(codes, values, strict=True)) if pd.isna(c) and _is_name(v)]
    for i, r in zip(named, resolve_place_names(values.iloc[named]), strict=True):
        codes.iat[i], method.iat[i], problems[i] = r.adcode, r.method, r.problem
    codes_a, method_a = from_series(codes), from_series(method)
    bad = ~to_bool(to_numpy(pc.is_valid(codes_a)))
    failures = []
    if bad.any():
        unknown = (
            "not a current administrative code (GB/T 2260) nor a place name in Shanghai, Jiangsu, Zhejiang or "
            "Anhui; expected a 6-, 9- or 12-digit code such as 320506, or a name such as 苏州市"
        )
        failures.append(_failure_per_value(u, bad, "adcode", [p or unknown for p in problems]))
    return Outcome(u.map(codes_a, col), failures, {f"{f.name}_method": u.map(method_a)})


def _is_name(v: Any) -> bool:
    """Text with a letter in it (a place name), not a malformed code."""
    return isinstance(v, str) and any(ch.isalpha() for ch in v)


def resolve_addresses(addresses: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Adcodes and methods (``address:county``/``address:city``) for address texts (nulls stay null)."""
    from chainatlas.geo import resolve_addresses as geo_resolve

    u = Uniques.of(addresses)
    if len(u) == 0:
        nulls = pa.nulls(len(addresses), TEXT)
        return nulls, nulls
    codes, method = geo_resolve(u.series())
    return u.take(from_series(codes)), u.take(from_series(method))


def _gbt4754(values: pd.Series) -> tuple[list[str | None], list[str | None]]:
    """GB/T 4754-2017 codes and methods (``exact``, ``crosswalk2011``) for cleaned values; None where invalid."""
    from chainatlas.model.codes import gbt4754_from_2011, normalize_gbt4754, validate_gbt4754

    values = normalize_gbt4754(values)
    ok = to_bool(validate_gbt4754(values))
    codes = np.asarray(values.astype(object).where(values.notna(), None).tolist(), dtype=object)
    method = np.where(ok, "exact", None).astype(object)
    old = np.flatnonzero(~ok)
    if len(old):
        new, how = gbt4754_from_2011(values.iloc[old].reset_index(drop=True))
        new_l = new.astype(object).where(new.notna(), None).tolist()
        how_l = how.astype(object).where(how.notna(), None).tolist()
        codes[old] = new_l
        method[old] = [h if c is not None else None for c, h in zip(new_l, how_l, strict=True)]
    return codes.tolist(), method.tolist()


_GBT4754_EXPECTED = "expected e.g. 3973 (小类), 397 (中类) or 39 (大类)"


def check_gbt4754(col: Column, f: Field) -> Outcome:
    """GB/T 4754-2017 industry codes; codes only valid in the 2011 edition go through the crosswalk.

    ``C3973`` and full-width digits are cleaned first (:func:`chainatlas.model.codes.normalize_gbt4754`).
    ``extra`` holds ``<field>_method``: ``exact`` or ``crosswalk2011``.
    """
    u = col.uniques
    codes, method = _gbt4754(u.series())
    bad = np.asarray([c is None for c in codes], dtype=bool)
    failures = []
    if bad.any():
        failures.append(
            _failure_per_value(
                u,
                bad,
                "gbt4754",
                f"not a GB/T 4754-2017 industry code, nor a 2011 code with a 2017 equivalent; {_GBT4754_EXPECTED}",
            )
        )
    return Outcome(
        u.map(pa.array(codes, type=TEXT), col),
        failures,
        {f"{f.name}_method": u.map(pa.array(method, type=TEXT))},
    )


def check_gbt4754_list(col: Column, f: Field) -> Outcome:
    """Several GB/T 4754 codes in one cell (a firm's other industries), each checked as :func:`check_gbt4754`.

    Separated by ``;``, ``；``, ``|`` or commas (codes hold none); stored as ``;``-joined 2017 codes in the given
    order without repeats. A cell with any invalid item is rejected, naming the item.
    """

    def canonical(items: list[str]) -> list[str | None]:
        return _gbt4754(pd.Series(items, dtype=STRING))[0]

    return _check_code_list(
        col, canonical, ";", "gbt4754", f"not a GB/T 4754-2017 industry code: {{}}; {_GBT4754_EXPECTED}"
    )


def _check_code_list(
    col: Column, canonical: Callable[[list[str]], list[str | None]], joiner: str, rule: str, message: str
) -> Outcome:
    """Cells holding several codes: each distinct item made canonical once (``canonical`` gives None where
    invalid), the cell stored as its canonical items joined without repeats; a cell with an invalid item is
    rejected with ``message`` naming the items."""
    u = col.uniques
    lists = [split_items(v, _IPC_SPLIT) for v in u.values.to_pylist()]
    items = sorted({s for parts in lists for s in parts})
    canon = dict(zip(items, canonical(items) if items else [], strict=True))
    joined: list[str | None] = []
    messages: list[str | None] = []
    for parts in lists:
        bad_items = [s for s in parts if canon[s] is None]
        if bad_items:
            joined.append(None)
            messages.append(message.format(", ".join(map(repr, bad_items))) + ", several separated by ';'")
        else:
            joined.append(joiner.join(dict.fromkeys(canon[s] for s in parts)) or None)
            messages.append(None)
    bad = np.asarray([m is not None for m in messages], dtype=bool)
    failures = [_failure_per_value(u, bad, rule, messages)] if bad.any() else []
    return Outcome(u.map(pa.array(joined, type=TEXT), col), failures)


_HS_SEPARATORS = r"[\s.\-]"


def check_hs(col: Column, f: Field) -> Outcome:
    """HS codes (:func:`chainatlas.model.codes.validate_hs`) as digits, separators removed.

    8/10-digit national tariff lines keep all their digits: cutting them to the HS6 subheading here
    would make distinct lines collide in a key (trade is keyed by ``hs_code``); use
    :func:`chainatlas.model.codes.normalize_hs` for HS6.
    """
    from chainatlas.model.codes import validate_hs

    u = col.uniques
    digits = pc.replace_substring_regex(u.values, _HS_SEPARATORS, "")
    ok = to_bool(validate_hs(to_series(digits)))
    failures = []
    if (~ok).any():
        failures.append(
            _failure_per_value(
                u,
                ~ok,
                "hs",
                "not an HS 2017/2022 code; "
                "expected 2, 4 or 6 digits (e.g. 854231) or an 8/10-digit tariff line",
            )
        )
    return Outcome(u.map(_null_where(digits, ~ok), col), failures)


def check_country(col: Column, f: Field) -> Outcome:
    """ISO 3166-1 alpha-2 or alpha-3 codes (any case), stored as alpha-2 so ``KOR`` and ``KR`` are one key."""
    from chainatlas.geo.countries import normalize_country

    u = col.uniques
    alpha2 = from_series(normalize_country(u.series()))
    ok = to_numpy(pc.is_valid(alpha2))
    failures = []
    if (~ok).any():
        failures.append(
            _failure_per_value(
                u,
                ~ok,
                "country",
                "not a country; expected an ISO 3166-1 code (KR, KOR) or its Chinese name (韩国)",
            )
        )
    return Outcome(u.map(alpha2, col), failures)


def split_items(value: str, pattern: re.Pattern[str]) -> list[str]:
    return [s for s in (p.strip() for p in pattern.split(value)) if s]


def check_ipc_list(col: Column, f: Field) -> Outcome:
    """IPC symbol lists: each symbol normalised and validated; canonical ``'; '`` join."""
    from chainatlas.model.codes import normalize_ipc, validate_ipc

    def canonical(symbols: list[str]) -> list[str | None]:
        norm = normalize_ipc(pd.Series(symbols, dtype=STRING))
        ok = to_bool(validate_ipc(norm)) & to_bool(norm.notna())
        return norm.astype(object).where(ok, None).tolist()

    return _check_code_list(
        col, canonical, "; ", "ipc", "not an IPC symbol: {}; expected e.g. 'H01L 23/31' or 'H01L'"
    )


# --------------------------------------------------------------------------- dates and periods


def check_date(col: Column, f: Field, native: pd.Series | None = None) -> Outcome:
    """Calendar dates via :func:`chainatlas.ingest.dates.parse_dates`; values as ``datetime64[ms]``."""
    if native is not None:
        return Outcome(native.to_numpy(dtype="datetime64[ms]"))
    from chainatlas.ingest.dates import parse_dates

    u = col.uniques
    parsed, reason = parse_dates(u.series())
    dates = pd.to_datetime(parsed.reset_index(drop=True)).to_numpy(dtype="datetime64[ms]")
    bad = np.isnat(dates)
    failures = []
    if bad.any():
        reasons = (
            reason.reset_index(drop=True).astype(object).tolist()
            if isinstance(reason, pd.Series)
            else [None] * len(dates)
        )
        messages = [
            None
            if not b
            else (f"cannot read as a date ({r}); " if isinstance(r, str) and r else "cannot read as a date; ")
            + "expected e.g. 2023-01-05, 2023/1/5, 2023年1月5日 or 20230105"
            for b, r in zip(bad, reasons, strict=True)
        ]
        failures.append(_failure_per_value(u, bad, "date", messages))
    return Outcome(u.rows(dates, np.datetime64("NaT", "ms")), failures)


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})(?:\.0+)?年?$"), "year"),
    (re.compile(r"^(\d{4})\s*(?:年|-|/)?\s*Q\s*([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?$"), "quarter"),
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"), "month"),
    (re.compile(r"^(\d{4})(\d{2})$"), "month"),
)


def parse_periods(values: list[str | None]) -> tuple[list[str | None], list[int | None]]:
    """Canonical period texts and their years.

    ``2023`` → ``'2023'``; ``2023-05``, ``2023-5``, ``2023/5``, ``202305``, ``2023年5月`` → ``'2023-05'``;
    ``2023Q2``, ``2023 q2``, ``2023-Q2``, ``2023年第二季度`` → ``'2023Q2'``. Years outside 1900-2100,
    month 0 or 13 and anything else give ``None``.
    """
    canon: list[str | None] = []
    years: list[int | None] = []
    for raw in values:
        c, y = None, None
        if raw is not None:
            v = unicodedata.normalize("NFKC", raw).strip().upper()
            for pattern, what in _PERIOD_PATTERNS:
                m = pattern.match(v)
                if not m:
                    continue
                year = int(m.group(1))
                if not 1900 <= year <= 2100:
                    break
                if what == "year":
                    c = f"{year}"
                elif what == "quarter":
                    c = f"{year}Q{_CN_DIGITS.get(m.group(2), m.group(2))}"
                elif 1 <= int(m.group(2)) <= 12:
                    c = f"{year}-{int(m.group(2)):02d}"
                y = year if c else None
                break
        canon.append(c)
        years.append(y)
    return canon, years


def check_period(col: Column, f: Field) -> Outcome:
    """Periods as canonical text (``'2023'``, ``'2023-05'``, ``'2023Q2'``); ``extra['year']`` is Int16."""
    u = col.uniques
    canon, years = parse_periods(u.values.to_pylist())
    bad = np.asarray([c is None for c in canon], dtype=bool)
    failures = []
    if bad.any():
        failures.append(
            _failure_per_value(
                u,
                bad,
                "period",
                "not a period; expected a year (2023), a month (2023-05) or a quarter (2023Q2)",
            )
        )
    year = u.rows(np.asarray([-1 if y is None else y for y in years], dtype=np.int16), -1)
    year_arr = pd.arrays.IntegerArray(np.where(year < 0, 0, year).astype(np.int16), year < 0)
    return Outcome(u.map(pa.array(canon, type=TEXT), col), failures, {"year": year_arr})


# --------------------------------------------------------------------------- numbers


def check_number(col: Column, f: Field, native: pd.Series | None = None) -> Outcome:
    """Rules ``nonneg`` (float, >= 0), ``count`` (Int64, whole, >= 0) and ``share`` (float, 0-100).

    Accepts ``1,234.5`` (thousands separators) and, for shares, a trailing ``%``.
    """
    failures: list[Failure] = []
    if native is not None:
        values = native.to_numpy(dtype=np.float64, na_value=np.nan)
        unreadable = np.zeros(len(values), bool)
    else:
        values, unreadable = _parse_numbers(col, percent=f.rule == "share")
    if unreadable.any():
        failures.append(
            Failure(
                np.flatnonzero(unreadable),
                "number",
                "not a number; expected digits like 1234.5 without units",
            )
        )
    if f.rule == "nonneg":
        bad = values < 0
        rule, msg = "negative amount", f"{f.name} ({f.zh}) must be >= 0"
    elif f.rule == "count":
        bad = (values < 0) | (np.isfinite(values) & (np.mod(values, 1) != 0))
        rule, msg = "count", f"{f.name} ({f.zh}) must be a whole number >= 0"
    else:
        bad = (values < 0) | (values > 100)
        rule, msg = "share", f"{f.name} ({f.zh}) must be a percentage between 0 and 100"
    if bad.any():
        failures.append(Failure(np.flatnonzero(bad), rule, msg))
        values = np.where(bad, np.nan, values)
    if f.rule == "count":
        missing = np.isnan(values)
        return Outcome(
            pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing), failures
        )
    return Outcome(values, failures)


def _parse_numbers(col: Column, *, percent: bool) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN for missing or unreadable) and the mask of unreadable non-empty cells."""
    text = col.raw
    try:
        values = to_numpy(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:
        # Slow path only when some cell is not a plain number (blanks around it, 1,234, 30%...).
        text = col.text
        t = text
        if percent:
            t = pc.replace_substring_regex(t, r"\s*%$", "")
        t = pc.if_else(pc.match_substring_regex(t, _THOUSANDS), pc.replace_substring(t, ",", ""), t)
        ok = pc.fill_null(pc.match_substring_regex(t, _NUMBER), False)
        values = to_numpy(pc.cast(pc.if_else(ok, t, pa.scalar(None, type=t.type)), pa.float64()))
    given = to_numpy(pc.is_valid(text))
    # inf/nan are numbers to Arrow but not amounts.
    unreadable = given & ~np.isfinite(values)
    if unreadable.any():
        values = np.where(unreadable, np.nan, values)
    return values, unreadable


# --------------------------------------------------------------------------- choices


def _match_choices(col: Column, table: dict[str, Any]) -> tuple[Uniques, list[Any]]:
    """Look up each distinct value in ``table`` (keys NFKC, lower-case); ``None`` when absent."""
    u = col.uniques
    keys = [None if v is None else v.lower() for v in _nfkc(u.values.to_pylist())]
    return u, [table.get(k) for k in keys]


def check_enum(col: Column, f: Field) -> Outcome:
    """Enum values: the English value, its Chinese label or one of its aliases (either case); output the English
    value."""
    table = {unicodedata.normalize("NFKC", alias).lower(): value for alias, value in f.choice_aliases.items()}
    for value, label in f.choices.items():
        table[unicodedata.normalize("NFKC", value).lower()] = value
        table[unicodedata.normalize("NFKC", label).lower()] = value
    u, found = _match_choices(col, table)
    bad = np.asarray([v is None for v in found], dtype=bool)
    failures = []
    if bad.any():
        expected = ", ".join(f"{v} ({z})" for v, z in f.choices.items())
        failures.append(_failure_per_value(u, bad, "enum", f"expected one of: {expected}"))
    return Outcome(u.map(pa.array(found, type=TEXT), col), failures)


def check_flag(col: Column, f: Field) -> Outcome:
    """Yes/no flags: 1/0, true/false, 是/否, y/n, yes/no; missing means False."""
    u, found = _match_choices(col, _FLAGS)
    bad = np.asarray([v is None for v in found], dtype=bool)
    failures = []
    if bad.any():
        failures.append(_failure_per_value(u, bad, "flag", "expected 1 or 0 (also true/false, 是/否, y/n)"))
    return Outcome(u.rows(np.asarray([bool(v) for v in found], dtype=bool), False), failures)


# --------------------------------------------------------------------------- lists


def split_list(text: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Split list cells on ``;``, ``；`` and ``|``.

    Returns
    -------
    items : pyarrow.Array
        All items, trimmed (empty items null), row after row.
    lengths : numpy.ndarray
        Items per row (0 for an empty cell).
    offsets : numpy.ndarray
        Position in ``items`` of each row's first item (length ``len(text) + 1``).
    """
    lists = pc.split_pattern_regex(text, LIST_PATTERN)
    lengths = to_numpy(pc.fill_null(pc.list_value_length(lists), 0)).astype(np.int64)
    offsets = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    items = flat(clean_text(flat(pc.list_flatten(lists))))
    return items, lengths, offsets


def check_list(col: Column, f: Field) -> Outcome:
    """Plain lists: trimmed non-empty items joined by ``;`` (an all-empty cell becomes missing)."""
    u = col.uniques
    joined = [
        ";".join(i.strip() for i in re.split(LIST_PATTERN, v) if i.strip()) or None
        for v in u.values.to_pylist()
    ]
    return Outcome(u.map(pa.array(joined, type=TEXT), col))
