"""Code systems used across Chain Atlas: validation and normalisation, vectorised.

Every ``validate_*`` takes a pandas Series (or anything list-like) and returns a boolean Series aligned with its
index: the value as given is a valid code (missing values are ``False``). Every ``normalize_*`` returns a Series of
canonical strings with missing values where the input cannot be read. None of them loops in Python over all rows:
credit codes are checked with numpy on a ``uint8`` view of the ASCII bytes, other codes are matched with
``Series.isin`` / ``Series.map``, and regex parsing runs once per distinct value (``pd.factorize``), since code
columns repeat heavily.

Code systems
------------
- 统一社会信用代码 (unified social credit code, GB 32100-2015): :func:`validate_credit_codes` and the check
  characters (synthetic codes are made by :mod:`chainatlas.synth.credit_codes`).
- GB/T 4754-2017 国民经济行业分类 and its 2011→2017 crosswalk, NBS derived classifications (战略性新兴产业 …).
- Harmonized System 2017 / 2022 (and 8/10-digit Chinese tariff lines by their first six digits).
- IPC symbols (validated by structure: no openly licensed IPC title list is available).

Keys that mean the same
-----------------------
:func:`normalize_key_text` is the one normalisation of identifier-like text (record ids such as patent numbers,
and every code above): Unicode NFKC (full-width ``ＣＮ２０２３…`` → ``CN2023…``, ideographic space → space),
format characters removed (a byte-order mark or zero-width space pasted into a cell), whitespace trimmed,
upper case; an empty result is missing. ``cn２０２３１０１２３４５６.７`` and ``CN202310123456.7`` are then one key.
Names keep their case (``upper=False``: NFKC and trimming only); their matching key is
:func:`chainatlas.model.names.normalize_names`.

Elsewhere: ISO 3166 countries and trade regions in :mod:`chainatlas.geo.countries`; dates as users' cells write
them in :mod:`chainatlas.ingest.dates`.

The tables are in ``chainatlas/data/classifications`` (see ATTRIBUTION.md there).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.errors import ConfigError
from chainatlas.model._series import as_series as _as_series
from chainatlas.model._series import classification_table as _table
from chainatlas.model._series import per_unique as _per_unique
from chainatlas.model._series import to_str as _to_str

__all__ = [
    # credit codes
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    # GB/T 4754
    "GBT4754_LEVELS",
    # HS
    "HS_EDITIONS",
    # IPC
    "IPC_PATTERN",
    "credit_code_check_bytes",
    "credit_code_check_char",
    "gbt4754_codes",
    "gbt4754_from_2011",
    "gbt4754_tags",
    "hs_codes",
    "ipc_subclass",
    "is_gbt4754",
    "is_valid_credit_code",
    "normalize_credit_codes",
    "normalize_gbt4754",
    "normalize_hs",
    "normalize_ipc",
    "normalize_key_text",
    "normalize_keys",
    "org_code_check_bytes",
    "org_code_check_char",
    "validate_credit_codes",
    "validate_gbt4754",
    "validate_hs",
    "validate_ipc",
]


# ---------------------------------------------------------------------------------------------------------------
# shared helpers


def _check_numeric_text(s: pd.Series, what: str) -> None:
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric and s.notna().any():  # an all-empty column is read as float: nothing was lost
        raise ConfigError(
            f"{what} codes must be read as text, got a {s.dtype} column {s.name!r}: a numeric column drops leading "
            f"zeros (0711 becomes 711, which is another code). Read the file with dtype=str."
        )


_FORMAT_CHARS = r"\p{Cf}+"  # RE2: format characters (BOM U+FEFF, zero-width space U+200B, ...)


def normalize_key_text(arr: pa.Array | pa.ChunkedArray, *, upper: bool = True) -> pa.Array | pa.ChunkedArray:
    """The one normalisation of identifier-like text: NFKC, format characters removed, trimmed, upper case.

    Parameters
    ----------
    arr : pyarrow.Array or pyarrow.ChunkedArray
        Text (``string`` or ``large_string``).
    upper : bool
        Upper-case the result (identifiers and codes); ``False`` keeps the case (names used as keys).

    Returns
    -------
    pyarrow.Array or pyarrow.ChunkedArray
        Same type; empty results are null. ``arr`` itself when nothing changes (no copy).

    Examples
    --------
    >>> normalize_key_text(pa.array(["cn２０２３１０１２３４５６.７ ", "\u3000", "91320506ma1mabcd0e"])).to_pylist()
    ['CN202310123456.7', None, '91320506MA1MABCD0E']
    """
    t = pc.utf8_normalize(arr, "NFKC")
    t = pc.replace_substring_regex(t, _FORMAT_CHARS, "")
    t = pc.utf8_trim_whitespace(t)
    if upper:
        t = pc.utf8_upper(t)
    empty = pc.equal(t, "")
    if t.equals(arr) and not pc.any(empty).as_py():
        return arr
    return pc.if_else(empty, pa.scalar(None, type=t.type), t)


def normalize_keys(s: pd.Series, *, upper: bool = True) -> pd.Series:
    """:func:`normalize_key_text` for a pandas Series (same index; ``string[pyarrow]``)."""
    s = _as_series(s)
    arr = pa.array(_to_str(s), type=pa.large_string(), from_pandas=True)
    out = normalize_key_text(arr, upper=upper)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, name=s.name)


# ---------------------------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015 in value order 0..30 (no I, O, Z, S, V)."""

CREDIT_CODE_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
"""Position weights w_i = 3^(i-1) mod 31 = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)."""

_CC_VALUE = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(CREDIT_CODE_CHARSET):
    _CC_VALUE[ord(_c)] = _i
_CC_BYTES = np.frombuffer(CREDIT_CODE_CHARSET.encode("ascii"), dtype=np.uint8)
_CC_W = np.array(CREDIT_CODE_WEIGHTS, dtype=np.int32)
_DIGIT0, _DIGIT9 = ord("0"), ord("9")

_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int32)
# GB 11714 values: digits 0-9, letters A=10 … Z=35 (its own scale, unlike GB 32100's)
_ORG_VALUE = np.full(256, -1, dtype=np.int16)
for _c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_VALUE[ord(_c)] = int(_c, 36)


def credit_code_check_char(first17: str) -> str:
    """Check character (position 18) of a unified social credit code.

    Parameters
    ----------
    first17 : str
        The first 17 characters, from :data:`CREDIT_CODE_CHARSET`.

    Returns
    -------
    str
        One character of :data:`CREDIT_CODE_CHARSET`.

    Notes
    -----
    GB 32100-2015 §5 and Annex B: with character values v_i (``0``-``9`` → 0-9, ``A`` → 10 … ``Y`` → 30 in the
    order of :data:`CREDIT_CODE_CHARSET`) and weights w_i = 3^(i-1) mod 31,

    .. math:: C_{18} = 31 - \\left(\\sum_{i=1}^{17} v_i w_i \\bmod 31\\right), \\qquad C_{18} = 31 \\mapsto 0.

    Examples
    --------
    >>> credit_code_check_char("91440300192203821")  # 华为技术有限公司
    '6'
    """
    if len(first17) != 17 or any(c not in CREDIT_CODE_CHARSET for c in first17):
        raise ConfigError(
            f"expected 17 characters from {CREDIT_CODE_CHARSET!r} (GB 32100-2015), got {first17!r}"
        )
    total = sum(int(_CC_VALUE[ord(c)]) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Check character of a 9-character organisation code (GB 11714-1997), positions 9-17 of a credit code.

    Notes
    -----
    With values v_i (digits 0-9, letters ``A`` = 10 … ``Z`` = 35) and weights (3, 7, 9, 10, 5, 8, 4, 2),
    C_9 = 11 - (Σ v_i w_i mod 11), written ``X`` for 10 and ``0`` for 11.

    Examples
    --------
    >>> org_code_check_char("19220382")  # 华为技术有限公司, organisation code 19220382-1
    '1'
    """
    if (
        len(first8) != 8
        or any(_ORG_VALUE[ord(c)] < 0 for c in first8 if ord(c) < 256)
        or not first8.isascii()
    ):
        raise ConfigError(f"expected 8 digits or capital letters (GB 11714), got {first8!r}")
    total = sum(int(_ORG_VALUE[ord(c)]) * int(w) for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def credit_code_check_bytes(first17: np.ndarray) -> np.ndarray:
    """Vectorised :func:`credit_code_check_char`: ``(n, 17)`` uint8 ASCII rows → ``(n,)`` uint8 check characters.

    Rows must hold characters of :data:`CREDIT_CODE_CHARSET` (others give a meaningless result).
    """
    total = (_CC_VALUE[first17].astype(np.int32) * _CC_W).sum(axis=1)
    return _CC_BYTES[(31 - total % 31) % 31]


def org_code_check_bytes(first8: np.ndarray) -> np.ndarray:
    """Vectorised :func:`org_code_check_char`: ``(n, 8)`` uint8 ASCII rows → ``(n,)`` uint8 check characters."""
    total = (_ORG_VALUE[first8].astype(np.int32) * _ORG_WEIGHTS).sum(axis=1)
    c9 = 11 - total % 11
    return np.where(c9 == 10, ord("X"), np.where(c9 == 11, _DIGIT0, _DIGIT0 + c9 % 10)).astype(np.uint8)


def is_valid_credit_code(code: object) -> bool:
    """Scalar form of :func:`validate_credit_codes`."""
    if not isinstance(code, str):
        return False
    return bool(validate_credit_codes(pd.Series([code], dtype="str")).iloc[0])


def _fixed_width_bytes(s: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values of ``s`` whose UTF-8 form is exactly ``width`` bytes, and those bytes as an
    ``(m, width)`` uint8 matrix — a zero-copy view of the Arrow data buffer."""
    try:
        arr = pa.array(s, from_pandas=True)  # zero-copy for pandas' Arrow-backed str dtype
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array(_to_str(s), from_pandas=True)  # numbers, mixed objects, all-missing: through text
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_binary())
    keep = pc.fill_null(pc.equal(pc.binary_length(arr), width), False)
    pos = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    sel = arr.filter(keep)
    if isinstance(sel, pa.ChunkedArray):
        sel = sel.combine_chunks()
    m = len(sel)
    if m == 0:
        return pos, np.zeros((0, width), dtype=np.uint8)
    bufs = sel.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[sel.offset : sel.offset + m + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[0] + m * width]
    return pos, data.reshape(m, width)


def validate_credit_codes(s: pd.Series) -> pd.Series:
    """Which values are well-formed unified social credit codes (统一社会信用代码, GB 32100-2015).

    Checks, on the value exactly as given (see :func:`normalize_credit_codes` to clean input first):
    18 characters, all from :data:`CREDIT_CODE_CHARSET` (upper case, no I/O/Z/S/V); characters 3-8 (the
    registering authority's administrative code) are digits; character 18 is the check character of
    :func:`credit_code_check_char`. Characters 1-2 (registration authority, organisation type) are not restricted
    beyond the charset, since the set of authorities has grown since 2015. The organisation code in characters
    9-17 has its own GB 11714 check character, which is *not* verified: only the 18th character is.

    Parameters
    ----------
    s : pandas.Series
        Codes as text. Missing values, non-strings and codes of any other length give ``False``.

    Returns
    -------
    pandas.Series of bool, aligned with ``s``.

    Notes
    -----
    Vectorised: the 18-byte values are viewed as an ``(n, 18)`` uint8 matrix, mapped to values with a 256-entry
    lookup table and checked with one weighted sum per row, ``(31 - (V[:, :17] @ w) mod 31) mod 31 == V[:, 17]``.

    Examples
    --------
    >>> validate_credit_codes(pd.Series(["914403001922038216", "914403001922038217", None])).tolist()
    [True, False, False]
    """
    s = _as_series(s)
    out = np.zeros(len(s), dtype=bool)
    pos, mat = _fixed_width_bytes(s, 18)
    if len(pos):
        vals = _CC_VALUE[mat]
        ok = (vals >= 0).all(axis=1)
        adm = mat[:, 2:8]
        ok &= ((adm >= _DIGIT0) & (adm <= _DIGIT9)).all(axis=1)
        ok &= mat[:, 17] == credit_code_check_bytes(mat[:, :17])
        out[pos] = ok
    return pd.Series(out, index=s.index, name=s.name)


def normalize_credit_codes(s: pd.Series) -> pd.Series:
    """Clean credit codes as typed in registries and spreadsheets: full-width → ASCII, upper case, blanks and
    separators (space, ``-``) removed. Does not validate: pass the result to :func:`validate_credit_codes`."""
    s = _as_series(s)

    def clean(u: pd.Series) -> Any:
        u = normalize_keys(u).astype(object)
        return u.str.replace(r"[\s\-]", "", regex=True).to_numpy(object)

    return _per_unique(s, clean, np.nan, "str")


# ---------------------------------------------------------------------------------------------------------------
# GB/T 4754-2017

GBT4754_LEVELS = {1: "门类", 2: "大类", 3: "中类", 4: "小类"}
"""Hierarchy levels of GB/T 4754-2017: 门类 (section letter), 大类 (2 digits), 中类 (3), 小类 (4)."""

_LEVEL_ALIASES = {
    "门类": 1, "section": 1,
    "大类": 2, "division": 2,
    "中类": 3, "group": 3,
    "小类": 4, "class": 4,
}  # fmt: skip


def _level_number(level: int | str) -> int:
    if isinstance(level, str) and level in _LEVEL_ALIASES:
        return _LEVEL_ALIASES[level]
    if isinstance(level, (int, np.integer)) and int(level) in GBT4754_LEVELS:
        return int(level)
    raise ConfigError(f"GB/T 4754 level must be 1-4 or one of {sorted(_LEVEL_ALIASES)}, got {level!r}")


@lru_cache(maxsize=1)
def _gbt() -> pd.DataFrame:
    df = _table("gbt4754_2017_codes.csv")
    df["level"] = df["level"].astype(np.int8)
    df["parent_code"] = df["parent_code"].replace("", np.nan)
    return df


@lru_cache(maxsize=1)
def _gbt_by_level() -> dict[int, frozenset[str]]:
    df = _gbt()
    return {lv: frozenset(df.loc[df["level"] == lv, "code"]) for lv in GBT4754_LEVELS}


def gbt4754_codes() -> pd.DataFrame:
    """All 1,972 codes of GB/T 4754-2017 (with amendment No. 1, 2019).

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (section letter or 2/3/4 digits), ``level`` (1 门类 … 4 小类), ``level_name``, ``name``,
        ``parent_code`` (missing for sections), ``section``. 20 门类, 97 大类, 473 中类, 1,382 小类. A 中类
        without subdivisions appears both as ``xxx`` and ``xxx0``, as in the standard.

    References
    ----------
    国家统计局, 国民经济行业分类 GB/T 4754-2017; 第1号修改单 (2019). Source and licence: ATTRIBUTION.md.
    """
    return _gbt().copy()


def is_gbt4754(code: object, level: int | str | None = None) -> bool:
    """Whether ``code`` is a GB/T 4754-2017 code, optionally of one hierarchy level (1-4 or 门类/大类/中类/小类).

    >>> is_gbt4754("3973"), is_gbt4754("3973", level="中类"), is_gbt4754("C"), is_gbt4754("3970")
    (True, False, True, False)
    """
    if not isinstance(code, str):
        return False
    sets = _gbt_by_level()
    if level is None:
        return any(code in v for v in sets.values())
    return code in sets[_level_number(level)]


def validate_gbt4754(s: pd.Series, levels: Iterable[int | str] = (2, 3, 4)) -> pd.Series:
    """Which values are GB/T 4754-2017 codes of the given levels.

    Parameters
    ----------
    s : pandas.Series
        Codes as text, exactly as the standard writes them (``"3973"``, ``"397"``, ``"39"``). Use
        :func:`normalize_gbt4754` first for ``"C3973"`` or full-width digits.
    levels : iterable of int or str, default (2, 3, 4)
        Accepted hierarchy levels. Section letters (level 1) are not accepted by default: a firm is classified at
        a 大类 or finer.

    Raises
    ------
    ConfigError
        If ``s`` has a numeric dtype: leading zeros are already lost (``0711`` → ``711``, a different code).
    """
    s = _as_series(s)
    _check_numeric_text(s, "GB/T 4754")
    sets = _gbt_by_level()
    allowed = frozenset().union(*(sets[_level_number(lv)] for lv in levels))
    return pd.Series(_to_str(s).isin(allowed).to_numpy(bool), index=s.index, name=s.name)


def normalize_gbt4754(s: pd.Series) -> pd.Series:
    """Clean GB/T 4754 codes: full-width → ASCII, blanks removed, and a leading 门类 letter dropped when it is
    the code's own section (``"C3973"`` → ``"3973"``; ``"A3973"`` is left as is and fails validation).
    Values that are then not a code are returned unchanged (validation reports them)."""
    s = _as_series(s)
    _check_numeric_text(s, "GB/T 4754")
    section_of = _gbt().set_index("code")["section"]

    def clean(u: pd.Series) -> Any:
        u = normalize_keys(u).astype(object).str.replace(r"\s+", "", regex=True)
        m = u.str.fullmatch(r"[A-T]\d{2,4}").fillna(False).astype(bool)
        digits = u.str.slice(1)
        same = m & (u.str.slice(0, 1) == digits.map(section_of))
        return u.where(~same, digits).to_numpy(object)

    return _per_unique(s, clean, np.nan, "str")


@lru_cache(maxsize=1)
def _from2011() -> pd.DataFrame:
    """2011 code (2/3/4 digits) → (2017 code, method), precomputed once from the 小类 crosswalk."""
    cw = _table("gbt4754_2011_to_2017.csv")
    valid2017 = set(_gbt()["code"])
    rows: list[tuple[str, object, object]] = []

    def resolve(frm: str, targets: set[str]) -> tuple[object, object]:
        # 小类: the code maps to itself only; 大类/中类: everything stays inside the same code
        stays = all(t.startswith(frm) for t in targets) and (len(frm) < 4 or targets == {frm})
        if stays and frm in valid2017:
            return frm, "exact"
        if len(targets) == 1:
            return next(iter(targets)), "crosswalk2011"
        prefix = os.path.commonprefix(sorted(targets))[:3]
        if len(prefix) >= 2 and prefix in valid2017:
            return prefix, "crosswalk2011"  # split across 小类: the smallest 2017 code holding all targets
        return np.nan, np.nan

    groups = cw.groupby("from_code")["to_code"].agg(set)
    for frm, targets in groups.items():
        rows.append((str(frm), *resolve(str(frm), targets)))
    for width in (2, 3):
        by_prefix = cw.groupby(cw["from_code"].str.slice(0, width))["to_code"].agg(set)
        for frm, targets in by_prefix.items():
            rows.append((str(frm), *resolve(str(frm), targets)))
    return pd.DataFrame(rows, columns=["from_code", "code2017", "method"]).set_index("from_code")


def gbt4754_from_2011(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert GB/T 4754-2011 codes to GB/T 4754-2017.

    Parameters
    ----------
    s : pandas.Series
        2011 codes as text (4-digit 小类, or 3/2-digit 中类/大类).

    Returns
    -------
    code2017 : pandas.Series of str
        The 2017 code, missing where no single 2017 code contains the 2011 one.
    method : pandas.Series of str
        ``"exact"`` — the code is unchanged (a 小类 that maps only to itself; a 中类/大类 all of whose 小类 stay
        inside it); ``"crosswalk2011"`` — re-coded by the official correspondence: the single target 小类, or,
        where a 2011 小类 was split, the 2017 中类/大类 holding every part (a shorter code); missing — unknown
        2011 code or split across 大类 (e.g. 0390 → 0391, 0392, 0399, 8221).

    Notes
    -----
    Built from the correspondence appendix of GB/T 4754-2017 as extracted by gbcrosswalk (see ATTRIBUTION.md);
    the 2019 amendment (e.g. 9231 监察委员会) is not in it. A value that is already a 2017 code is *not*
    recognised as such: the caller decides which vintage a source uses.
    """
    s = _as_series(s)
    _check_numeric_text(s, "GB/T 4754-2011")
    table = _from2011()
    text = _to_str(s)
    code = text.map(table["code2017"]).astype("str")
    method = text.map(table["method"]).astype("str")
    code.index = method.index = s.index
    code.name, method.name = "code2017", "method"
    return code, method


@lru_cache(maxsize=1)
def _tags() -> pd.DataFrame:
    df = _table("gbt4754_industry_tags.csv")
    df["partial"] = df["partial"] == "1"
    return df


def gbt4754_tags(classification: str | None = "strategic_emerging") -> pd.DataFrame:
    """NBS classifications defined as lists of GB/T 4754-2017 小类.

    Parameters
    ----------
    classification : str or None, default ``"strategic_emerging"``
        One of ``strategic_emerging`` (战略性新兴产业分类 2018), ``digital_economy_core``, ``high_tech_manufacturing``,
        ``high_tech_services``, ``ip_intensive``, ``elderly_care``, ``culture``; ``None`` for all.

    Returns
    -------
    pandas.DataFrame
        ``classification, classification_cn, gbt4754_code, path_l1, path_l2, path_l3, partial`` (bool: only part
        of the 小类 belongs, ``*`` in the NBS list). A code appears once per category it is listed under.
    """
    df = _tags()
    if classification is None:
        return df.copy()
    known = sorted(df["classification"].unique())
    if classification not in known:
        raise ConfigError(f"unknown NBS classification {classification!r}; expected one of {known} or None")
    return df[df["classification"] == classification].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Harmonized System

HS_EDITIONS = ("2017", "2022")


@lru_cache(maxsize=2)
def _hs(edition: str) -> pd.DataFrame:
    df = _table(f"hs{edition}_codes.csv")
    df["level"] = df["level"].astype(np.int8)
    return df


@lru_cache(maxsize=1)
def _hs_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(every 2/4/6-digit code of HS 2017 ∪ HS 2022, the 6-digit subheadings of both)."""
    both = pd.concat([_hs(e) for e in HS_EDITIONS])
    return frozenset(both["hscode"]), frozenset(both.loc[both["level"] == 6, "hscode"])


def hs_codes(edition: str = "2022") -> pd.DataFrame:
    """Harmonized System codes of one edition.

    Parameters
    ----------
    edition : {"2017", "2022"}

    Returns
    -------
    pandas.DataFrame
        ``hscode`` (2, 4 or 6 digits, text), ``level`` (2/4/6), ``parent``, ``description`` (English, UN Comtrade),
        ``section`` (I-XXI; ``TOTAL`` for Comtrade's 99/9999/999999 "not specified" codes).
        HS 2017: 97 / 1,223 / 5,388 codes at levels 2/4/6; HS 2022: 97 / 1,229 / 5,613.
    """
    edition = str(edition)
    if edition not in HS_EDITIONS:
        raise ConfigError(f"HS edition must be one of {HS_EDITIONS}, got {edition!r}")
    return _hs(edition).copy()


def _hs_digits(s: pd.Series) -> pd.Series:
    """Digits of HS codes with ``.``/blank/``-`` separators removed; NA where anything else is left.

    A numeric column has lost leading zeros; since every HS/tariff code has an even number of digits, an odd
    length is restored by one leading zero (``10121`` → ``010121``). Text is taken as written.
    """
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric:
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(vals) & (vals >= 0) & (np.floor(vals) == vals)
        text = pd.Series(np.where(whole, vals, 0).astype(np.int64), index=s.index).astype("str").where(whole)
        odd = (text.str.len() % 2 == 1).fillna(False).astype(bool)
        return text.where(~odd, "0" + text)

    def clean(u: pd.Series) -> Any:
        u = normalize_keys(u).astype(object).str.replace(r"[\s.\-]", "", regex=True)
        return u.where(u.str.fullmatch(r"\d+").fillna(False).astype(bool)).to_numpy(object)

    return _per_unique(s, clean, np.nan, "str")


def normalize_hs(s: pd.Series) -> pd.Series:
    """HS codes as digits only, cut to at most six (the international subheading), for joining.

    ``"8542.31.00"`` → ``"854231"``; ``"85423100"`` (Chinese 8-digit tariff line) → ``"854231"``; ``"8542"`` →
    ``"8542"``; anything with other characters → missing. Existence is not checked (see :func:`validate_hs`).
    """
    s = _as_series(s)
    return _hs_digits(s).str.slice(0, 6).rename(s.name)


def validate_hs(s: pd.Series) -> pd.Series:
    """Which values are HS codes: 2/4/6 digits present in HS 2017 or HS 2022, or 8/10-digit Chinese national
    tariff codes (税则号列 / 商品编码) whose first six digits are an HS 2017 or 2022 subheading.

    Separators ``.``, blanks and ``-`` are ignored (``"8542.31"`` is valid). The national digits 7-10 are not
    checked: no open list of the Chinese tariff nomenclature is shipped.
    """
    s = _as_series(s)
    digits = _hs_digits(s)
    all_codes, sub6 = _hs_sets()
    n = digits.str.len()
    short = n.isin([2, 4, 6]).to_numpy(bool) & digits.isin(all_codes).to_numpy(bool)
    national = n.isin([8, 10]).to_numpy(bool) & digits.str.slice(0, 6).isin(sub6).to_numpy(bool)
    return pd.Series(short | national, index=s.index, name=s.name)


# ---------------------------------------------------------------------------------------------------------------
# IPC

IPC_PATTERN = re.compile(
    r"^\s*(?P<section>[A-H])\s*(?P<cls>\d{2})\s*(?P<subclass>[A-Z])"
    r"(?:\s*(?P<main>\d{1,4})\s*/\s*(?P<sub>\d{2,6}))?\s*$"
)
"""An IPC symbol: section A-H, class (2 digits), subclass letter, optionally main group (1-4 digits) ``/``
subgroup (2-6 digits); blanks anywhere between the parts (``"H01L 21/02"``, ``"H01L21/02"``, ``"G06N"``).
:func:`validate_ipc` and :func:`normalize_ipc` also accept lower case, the 14-character WIPO form
(``"H01L0021020000"``), a trailing edition such as ``"(2006.01)"`` and the IPCR form of EPO/WIPO exports
(``"B60L  53/80        20190101AFI20230412BHEP"``)."""

_IPC14 = re.compile(r"^(?P<subclass>[A-H]\d{2}[A-Z])(?P<main>\d{4})(?P<sub>\d{6})$")
# trailing edition "(2006.01)", or the IPCR version/flags field of EPO/WIPO exports "20190101AFI20230412BHEP"
_IPC_EDITION = re.compile(r"(?:\s*\(\s*\d{4}\s*\.\s*\d{2}\s*\)|\s+\d{8}[A-Z0-9]*)\s*$")


def _ipc_canonical(u: pd.Series) -> np.ndarray:
    """Canonical symbols for distinct raw values (NA where not an IPC symbol); Arrow's RE2 kernels, since a
    patent table can hold hundreds of thousands of distinct symbols."""
    a = pa.array(_to_str(u), type=pa.large_string(), from_pandas=True)
    a = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_upper(a), _IPC_EDITION.pattern, ""))

    def lit(v: str) -> Any:
        return pa.scalar(v, pa.large_string())

    def join(*parts: Any) -> Any:
        return pc.binary_join_element_wise(*(lit(p) if isinstance(p, str) else p for p in parts), lit(""))

    def group(main: Any, sub: Any) -> Any:
        main = pc.utf8_ltrim(main, characters="0")
        main = pc.if_else(pc.equal(main, ""), lit("0"), main)
        # trailing zeros after the second subgroup digit carry no meaning (21/020 is 21/02)
        sub = join(
            pc.utf8_slice_codeunits(sub, 0, 2), pc.utf8_rtrim(pc.utf8_slice_codeunits(sub, 2), characters="0")
        )
        return join(" ", main, "/", sub)

    x = pc.extract_regex(a, IPC_PATTERN.pattern)
    subclass = join(pc.struct_field(x, "section"), pc.struct_field(x, "cls"), pc.struct_field(x, "subclass"))
    main = pc.struct_field(x, "main")
    has_group = pc.fill_null(pc.not_equal(main, ""), False)
    canon = pc.if_else(has_group, join(subclass, group(main, pc.struct_field(x, "sub"))), subclass)
    y = pc.extract_regex(a, _IPC14.pattern)  # the 14-character WIPO form H01L0021020000
    canon14 = join(
        pc.struct_field(y, "subclass"), group(pc.struct_field(y, "main"), pc.struct_field(y, "sub"))
    )
    return np.asarray(pc.coalesce(canon, canon14).to_pandas(), dtype=object)


def normalize_ipc(s: pd.Series) -> pd.Series:
    """Canonical IPC symbols: ``"H01L 21/02"`` (one blank, main group without leading zeros), or the subclass
    alone (``"G06N"``); missing where the value is not an IPC symbol.

    >>> normalize_ipc(pd.Series(["h01l21/02", "H01L0021020000", "G06N 3/08(2006.01)", "X99"])).tolist()
    ['H01L 21/02', 'H01L 21/02', 'G06N 3/08', nan]
    """
    s = _as_series(s)
    return _per_unique(s, _ipc_canonical, np.nan, "str")


def validate_ipc(s: pd.Series) -> pd.Series:
    """Which values are well-formed IPC symbols (see :data:`IPC_PATTERN`). Structure only: whether the group
    exists in the current IPC edition is not checked (no openly licensed IPC list is shipped)."""
    return normalize_ipc(s).notna()


def ipc_subclass(s: pd.Series) -> pd.Series:
    """IPC subclass (4 characters, ``"H01L"``) of each symbol; missing where not an IPC symbol."""
    return normalize_ipc(s).str.slice(0, 4)
