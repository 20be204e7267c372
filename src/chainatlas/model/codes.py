"""Code systems used across Chain Atlas: validation and normalisation, vectorised.

Every ``validate_*`` takes a pandas Series (or anything list-like) and returns a boolean Series aligned with its
index: the value as given is a valid code (missing values are ``False``). Every ``normalize_*`` returns a Series of
canonical strings with missing values where the input cannot be read. None of them loops in Python over all rows:
credit codes are checked with numpy on a ``uint8`` view of the ASCII bytes, other codes are matched with
``Series.isin`` / ``Series.map``, and regex parsing runs once per distinct value (``pd.factorize``), since code
columns repeat heavily.

Code systems
------------
- 统一社会信用代码 (unified social credit code, GB 32100-2015): :func:`validate_credit_codes`, :func:`make_credit_codes`.
- GB/T 4754-2017 国民经济行业分类 and its 2011→2017 crosswalk, NBS derived classifications (战略性新兴产业 …).
- Harmonized System 2017 / 2022 (and 8/10-digit Chinese tariff lines by their first six digits).
- IPC symbols (validated by structure: no openly licensed IPC title list is available).
- ISO 3166-1 alpha-2 / alpha-3 country codes and the trade regions used in the monitor.
- Dates as Chinese sources write them, including Excel serial numbers.

The tables are in ``chainatlas/data/classifications`` (see ATTRIBUTION.md there).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas.errors import ConfigError

__all__ = [
    "ASEAN10",
    # credit codes
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    # countries
    "EU27",
    # GB/T 4754
    "GBT4754_LEVELS",
    # HS
    "HS_EDITIONS",
    # IPC
    "IPC_PATTERN",
    "REGIONS",
    # dates
    "UNPARSEABLE_DATE",
    "country_codes",
    "country_region",
    "credit_code_check_char",
    "gbt4754_codes",
    "gbt4754_from_2011",
    "gbt4754_tags",
    "hs_codes",
    "ipc_subclass",
    "is_gbt4754",
    "is_valid_credit_code",
    "make_credit_code",
    "make_credit_codes",
    "normalize_country",
    "normalize_credit_codes",
    "normalize_gbt4754",
    "normalize_hs",
    "normalize_ipc",
    "org_code_check_char",
    "parse_dates",
    "to_period",
    "validate_country",
    "validate_credit_codes",
    "validate_gbt4754",
    "validate_hs",
    "validate_ipc",
]


# ---------------------------------------------------------------------------------------------------------------
# shared helpers


def _table(name: str) -> pd.DataFrame:
    """Read one shipped classification CSV with every column as text (leading zeros matter)."""
    path = resources.files("chainatlas").joinpath("data", "classifications", name)
    with path.open("rb") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    return pd.Series(list(values) if not isinstance(values, (np.ndarray, pd.Index)) else values)


def _to_str(s: pd.Series) -> pd.Series:
    """Text view of ``s`` with missing values kept missing (pandas' default ``str`` dtype)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s
    return s.astype("str")


def _per_unique(s: pd.Series, func: Callable[[pd.Series], Any], fill: Any, dtype: Any) -> pd.Series:
    """Apply a vectorised ``func`` to the distinct non-missing values of ``s`` and broadcast back.

    Code columns repeat heavily (a million patents share a few thousand IPC groups), so regex work done once per
    distinct value is the cheap path. ``func`` gets a Series of distinct values and returns an array-like of the
    same length; missing inputs get ``fill``.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    res = np.asarray(func(pd.Series(uniques, dtype=uniques.dtype)), dtype=object if dtype == "str" else dtype)
    res = np.append(res, np.array([fill], dtype=res.dtype))  # index -1 (missing) picks the fill
    out = res[codes]
    if dtype == "str":
        return pd.Series(out, index=s.index, name=s.name, dtype="str")
    return pd.Series(out, index=s.index, name=s.name)


def _check_numeric_text(s: pd.Series, what: str) -> None:
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric and s.notna().any():  # an all-empty column is read as float: nothing was lost
        raise ConfigError(
            f"{what} codes must be read as text, got a {s.dtype} column {s.name!r}: a numeric column drops leading "
            f"zeros (0711 becomes 711, which is another code). Read the file with dtype=str."
        )


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

# serials are spread over the 31^8 organisation-code bodies by an affine bijection, so neighbouring serials do
# not give neighbouring codes; the multiplier is coprime with 31 and 31^8 * mult stays below 2^63
_ORG_SPACE = 31**8
_SCRAMBLE_MUL, _SCRAMBLE_ADD = 9_999_991, 123_456_789
assert math.gcd(_SCRAMBLE_MUL, 31) == 1 and _ORG_SPACE * _SCRAMBLE_MUL < 2**63


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
        total = (vals[:, :17].astype(np.int32) * _CC_W).sum(axis=1)
        ok &= vals[:, 17] == (31 - total % 31) % 31
        out[pos] = ok
    return pd.Series(out, index=s.index, name=s.name)


_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x41 + i) for i in range(26)}
    | {"－": "-", "／": "/", "．": ".", "：": ":", "\u3000": " "}
)


def normalize_credit_codes(s: pd.Series) -> pd.Series:
    """Clean credit codes as typed in registries and spreadsheets: full-width → ASCII, upper case, blanks and
    separators (space, ``-``) removed. Does not validate: pass the result to :func:`validate_credit_codes`."""
    s = _as_series(s)

    def clean(u: pd.Series) -> Any:
        u = _to_str(u)
        return (
            u.str.translate(_FULLWIDTH)
            .str.upper()
            .str.replace(r"[\s\-\u3000]", "", regex=True)
            .to_numpy(object)
        )

    return _per_unique(s, clean, np.nan, "str")


def make_credit_code(prefix2: str, adcode6: str, org9: str) -> str:
    """Assemble a valid unified social credit code from its parts and append the check character.

    Parameters
    ----------
    prefix2 : str
        Registration authority and organisation type, e.g. ``"91"`` (工商, 企业).
    adcode6 : str
        GB/T 2260 administrative code of the registering authority, six digits.
    org9 : str
        Organisation code (主体标识码), nine characters of :data:`CREDIT_CODE_CHARSET`; its own GB 11714 check
        character (see :func:`org_code_check_char`) is taken as given.

    Examples
    --------
    >>> make_credit_code("91", "440300", "192203821")
    '914403001922038216'
    """
    if (
        len(prefix2) != 2
        or len(adcode6) != 6
        or not adcode6.isascii()
        or not adcode6.isdigit()
        or len(org9) != 9
    ):
        raise ConfigError(
            f"expected prefix2 of 2 characters, adcode6 of 6 digits and org9 of 9 characters, "
            f"got {prefix2!r}, {adcode6!r}, {org9!r}"
        )
    first17 = prefix2 + adcode6 + org9
    return first17 + credit_code_check_char(first17)


def make_credit_codes(prefix2: str, adcodes: Any, serials: Any, *, scramble: bool = True) -> np.ndarray:
    """Valid, distinct unified social credit codes for synthetic firms, vectorised.

    Parameters
    ----------
    prefix2 : str
        Characters 1-2, e.g. ``"91"`` for a company registered with 市场监管 (工商).
    adcodes : array-like of str or str
        Six-digit administrative codes (one per serial, or one for all).
    serials : array-like of int
        Non-negative integers below 31^8 ≈ 8.5e11; distinct serials give distinct codes.
    scramble : bool, default True
        Spread serials over the code space with an affine bijection (x ↦ a·x + b mod 31^8, a coprime with 31), so
        that consecutive serials do not give visibly consecutive codes.

    Returns
    -------
    numpy.ndarray of str (``<U18``)

    Notes
    -----
    Characters 9-16 are the base-31 digits of the (scrambled) serial in :data:`CREDIT_CODE_CHARSET`, character 17
    their GB 11714 check character (:func:`org_code_check_char`), character 18 the GB 32100 check character
    (:func:`credit_code_check_char`). Every step is a numpy operation on an ``(n, 18)`` uint8 matrix.

    Examples
    --------
    >>> codes = make_credit_codes("91", "310115", np.arange(3))
    >>> validate_credit_codes(pd.Series(codes)).all()
    np.True_
    """
    if len(prefix2) != 2 or any(c not in CREDIT_CODE_CHARSET for c in prefix2):
        raise ConfigError(f"prefix2 must be 2 characters from {CREDIT_CODE_CHARSET!r}, got {prefix2!r}")
    serials = np.asarray(serials)
    if serials.ndim != 1 or not np.issubdtype(serials.dtype, np.integer):
        raise ConfigError(
            f"serials must be a 1-d integer array, got dtype {serials.dtype}, shape {serials.shape}"
        )
    n = len(serials)
    x = serials.astype(np.int64)
    if n and (x.min() < 0 or x.max() >= _ORG_SPACE):
        raise ConfigError(f"serials must lie in [0, 31^8 = {_ORG_SPACE}), got {x.min()}..{x.max()}")
    ad = np.asarray(adcodes)
    if ad.ndim == 0:
        ad = np.full(n, str(ad))
    ad = ad.astype(str)
    if len(ad) != n:
        raise ConfigError(f"adcodes has {len(ad)} values but serials has {n}")
    try:
        ad_mat = np.frombuffer(ad.astype("S6").tobytes(), dtype=np.uint8).reshape(n, 6)
        good = (np.strings.str_len(ad) == 6) & ((ad_mat >= _DIGIT0) & (ad_mat <= _DIGIT9)).all(axis=1)
    except UnicodeEncodeError:
        good = np.zeros(n, dtype=bool)
    if not good.all():
        raise ConfigError(f"adcodes must be six-digit GB/T 2260 codes, got e.g. {list(ad[~good][:3])}")
    if scramble:
        x = (x * _SCRAMBLE_MUL + _SCRAMBLE_ADD) % _ORG_SPACE

    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0] = ord(prefix2[0])
    mat[:, 1] = ord(prefix2[1])
    mat[:, 2:8] = ad_mat
    for j in range(8):  # 8 base-31 digits, most significant first (a loop over columns, not rows)
        mat[:, 8 + j] = _CC_BYTES[(x // 31 ** (7 - j)) % 31]
    org_total = (_ORG_VALUE[mat[:, 8:16]].astype(np.int32) * _ORG_WEIGHTS).sum(axis=1)
    c9 = 11 - org_total % 11
    mat[:, 16] = np.where(c9 == 10, ord("X"), np.where(c9 == 11, _DIGIT0, _DIGIT0 + c9 % 10))
    total = (_CC_VALUE[mat[:, :17]].astype(np.int32) * _CC_W).sum(axis=1)
    mat[:, 17] = _CC_BYTES[(31 - total % 31) % 31]
    return mat.view("S18").ravel().astype("U18")


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
        u = _to_str(u).str.translate(_FULLWIDTH).str.upper().str.replace(r"\s+", "", regex=True)
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
        u = _to_str(u).str.replace(r"[\s.\-]", "", regex=True)
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


# ---------------------------------------------------------------------------------------------------------------
# countries

EU27 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
"""European Union member states since 1 February 2020 (after the United Kingdom left), ISO alpha-2 (Greece = GR)."""

ASEAN10 = frozenset(["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"])
"""The ten ASEAN member states of the paper's period. Timor-Leste (TL), admitted in October 2025, is not included:
it maps to ``'other'``."""

REGIONS = ("CN", "HK_MO_TW", "EU", "US", "ASEAN", "JP", "KR", "other")
"""Labels returned by :func:`country_region`."""


@lru_cache(maxsize=1)
def _iso() -> pd.DataFrame:
    return _table("iso3166.csv")


@lru_cache(maxsize=1)
def _to_alpha2() -> pd.Series:
    df = _iso()
    return pd.concat(
        [
            pd.Series(df["alpha2"].to_numpy(), index=df["alpha2"]),
            pd.Series(df["alpha2"].to_numpy(), index=df["alpha3"]),
        ]
    )


def country_codes() -> pd.DataFrame:
    """ISO 3166-1 table: ``alpha2, alpha3, numeric, name_en`` (250 entries; source in ATTRIBUTION.md)."""
    return _iso().copy()


def normalize_country(s: pd.Series) -> pd.Series:
    """ISO 3166-1 alpha-2 code for alpha-2 or alpha-3 input (case and surrounding blanks ignored); missing where
    the value is neither."""
    s = _as_series(s)
    table = _to_alpha2()

    def conv(u: pd.Series) -> Any:
        return _to_str(u).str.strip().str.upper().map(table).to_numpy(object)

    return _per_unique(s, conv, np.nan, "str")


def validate_country(s: pd.Series) -> pd.Series:
    """Which values are ISO 3166-1 alpha-2 or alpha-3 codes (upper case, as given)."""
    s = _as_series(s)
    table = _to_alpha2()
    return pd.Series(_to_str(s).isin(table.index).to_numpy(bool), index=s.index, name=s.name)


def country_region(s: pd.Series) -> pd.Series:
    """Trade region of each country code: ``'CN'``, ``'HK_MO_TW'``, ``'EU'`` (EU27), ``'US'``, ``'ASEAN'``
    (ASEAN10), ``'JP'``, ``'KR'`` or ``'other'``; missing where the code is not ISO 3166-1.

    >>> country_region(pd.Series(["DEU", "us", "VN", "HK", "CHN", "BR", None])).tolist()
    ['EU', 'US', 'ASEAN', 'HK_MO_TW', 'CN', 'other', nan]
    """
    a2 = normalize_country(s)
    region = {c: "EU" for c in EU27} | {c: "ASEAN" for c in ASEAN10}
    region |= {
        "CN": "CN",
        "HK": "HK_MO_TW",
        "MO": "HK_MO_TW",
        "TW": "HK_MO_TW",
        "US": "US",
        "JP": "JP",
        "KR": "KR",
    }
    out = a2.map(region).where(a2.isna() | a2.isin(list(region)), "other")
    return out.astype("str").rename(a2.name)


# ---------------------------------------------------------------------------------------------------------------
# dates

UNPARSEABLE_DATE = "unparseable date"
"""Reason given by :func:`parse_dates` for a value that is present but not a date."""

_DATE_UNIT = "datetime64[us]"  # pandas 3's default resolution
_YEAR_MIN, _YEAR_MAX = 1800, 2200
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FORMATS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME + r"$")),
    ("ymd", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$")),
    ("ymd", re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")),
    ("ym", re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")),
    ("ym", re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月$")),
    ("y", re.compile(r"^(?P<y>\d{4})\s*年?$")),
    ("serial", re.compile(r"^(?P<v>\d{1,5}(?:\.\d+)?)$")),
]


def _ymd_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates from integer year/month/day arrays, and which triples are real calendar dates."""
    ok = (y >= _YEAR_MIN) & (y <= _YEAR_MAX) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    y, m, d = np.where(ok, y, 2000), np.where(ok, m, 1), np.where(ok, d, 1)
    month = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    date = start + (d - 1).astype("timedelta64[D]")
    ok &= date < (month + 1).astype("datetime64[D]")  # 2023-02-30 spills into March
    return date, ok


def _serial_dates(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial day numbers (1900 date system) to dates.

    Serial 1 is 1900-01-01; Excel counts the nonexistent 1900-02-29 as serial 60, so from 61 on the epoch is
    1899-12-30 (44927 → 2023-01-01). Fractions (time of day) are dropped.
    """
    whole = np.floor(np.where(np.isfinite(v), v, 0)).astype(np.int64)
    ok = np.isfinite(v) & (whole >= 1) & (whole <= 80000) & (whole != 60)
    base = np.where(whole >= 61, np.datetime64("1899-12-30"), np.datetime64("1899-12-31"))
    return base + np.where(ok, whole, 0).astype("timedelta64[D]"), ok


def _numeric_dates(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers: whole 1800-2200 are years (a numeric year column), whole 8-digit YYYYMMDD are dates, the rest in
    1-80000 are Excel serials."""
    v = v.astype(float)
    fin = np.isfinite(v)
    whole = fin & (np.floor(np.where(fin, v, 0)) == np.where(fin, v, 0))
    iv = np.where(whole, v, 0).astype(np.int64)
    is_year = whole & (iv >= _YEAR_MIN) & (iv <= _YEAR_MAX)
    is_ymd = whole & (iv >= 10000101) & (iv <= 99991231)
    dy, oky = _ymd_dates(iv, np.ones_like(iv), np.ones_like(iv))
    dd, okd = _ymd_dates(iv // 10000, iv // 100 % 100, iv % 100)
    ds, oks = _serial_dates(v)
    date = np.where(is_year, dy, np.where(is_ymd, dd, ds))
    ok = np.where(is_year, oky, np.where(is_ymd, okd, oks))
    return date, ok


def _string_dates(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct strings; returns (dates, ok)."""
    text = _to_str(u).str.translate(_FULLWIDTH).str.strip()
    n = len(text)
    date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.zeros(n, dtype=bool)
    todo = text.notna().to_numpy(bool).copy()
    for kind, pattern in _DATE_FORMATS:
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        parts = text.iloc[idx].str.extract(pattern)
        hit = parts.iloc[:, 0].notna().to_numpy(bool)
        if not hit.any():
            continue
        sel, p = idx[hit], parts[hit]
        if kind == "serial":
            d, good = _serial_dates(p["v"].astype(float).to_numpy())
        else:
            y = p["y"].astype(np.int64).to_numpy()
            mo = p["m"].astype(np.int64).to_numpy() if kind != "y" else np.ones_like(y)
            dd = p["d"].astype(np.int64).to_numpy() if kind == "ymd" else np.ones_like(y)
            d, good = _ymd_dates(y, mo, dd)
        date[sel], ok[sel] = d, good
        todo[sel] = False  # matched a format: a bad date in it is unparseable, not retried as another format
    return date, ok


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates as Chinese statistical and registry sources write them.

    Accepted: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` (month and day with one or two digits, an optional
    time of day, which is dropped); ``YYYY年M月D日`` (or ``号``); ``YYYYMMDD``; ``YYYY-MM`` / ``YYYY/MM`` /
    ``YYYY.MM`` / ``YYYY年M月`` (first day of the month); ``YYYY`` / ``YYYY年`` (1 January); Excel serial day numbers
    1-80000 (44927 → 2023-01-01), either in a numeric column or as a purely numeric string of at most five digits
    (a four-digit string is a year, not a serial). Numbers 1800-2200 in a numeric column are years, 8-digit
    numbers are ``YYYYMMDD``. Datetime values pass through. Years outside 1800-2200 and impossible dates
    (2023-02-30) are unparseable. Full-width digits are accepted.

    Parameters
    ----------
    s : pandas.Series

    Returns
    -------
    dates : pandas.Series of datetime64[us]
        At midnight; ``NaT`` where missing or unparseable.
    reason : pandas.Series of str
        :data:`UNPARSEABLE_DATE` where a value is present but not a date; missing otherwise (a missing or blank
        value is not an error here: whether a date is required is the caller's rule).

    Examples
    --------
    >>> d, r = parse_dates(pd.Series(["2023-01-05", "2023年1月5日", "44927", "2023-02-30", None]))
    >>> d.dt.strftime("%Y-%m-%d").tolist(), r.tolist()
    (['2023-01-05', '2023-01-05', '2023-01-01', nan, nan], [nan, nan, nan, 'unparseable date', nan])
    """
    s = _as_series(s)
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        dates = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        dates = dates.dt.normalize().astype(_DATE_UNIT)
        return dates.rename(s.name), pd.Series(np.nan, index=s.index, dtype="str", name=s.name)

    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        date, ok = _numeric_dates(v)
        present = ~np.isnan(v)
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        u = pd.Series(uniques, dtype=uniques.dtype)
        ud = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[D]")
        uok = np.zeros(len(u), dtype=bool)
        upresent = np.ones(len(u), dtype=bool)
        if uniques.dtype == object or not isinstance(uniques.dtype, pd.StringDtype):
            # mixed cells (Excel via openpyxl gives str, int, float, datetime in one column): sort by type once
            # per distinct value
            kinds = np.array([_cell_kind(x) for x in u.to_numpy(object)], dtype=object)
        else:
            kinds = np.full(len(u), "str", dtype=object)
        for kind in ("str", "num", "dt"):
            idx = np.flatnonzero(kinds == kind)
            if not len(idx):
                continue
            vals = u.iloc[idx]
            if kind == "str":
                blank = _to_str(vals).str.strip().eq("").fillna(True).to_numpy(bool)
                d, good = _string_dates(vals)
                upresent[idx[blank]] = False
            elif kind == "num":
                d, good = _numeric_dates(vals.to_numpy(dtype=float))
            else:
                ts = pd.to_datetime(pd.Series(vals.to_numpy(object)), errors="coerce", utc=True)
                d = ts.dt.tz_localize(None).to_numpy("datetime64[D]")
                good = ~np.isnat(d)
            ud[idx], uok[idx] = d, good
        upresent[kinds == "missing"] = False
        take = np.where(codes >= 0, codes, 0)
        date = np.where(codes >= 0, ud[take] if len(u) else np.datetime64("NaT"), np.datetime64("NaT"))
        ok = (codes >= 0) & (uok[take] if len(u) else False)
        present = (codes >= 0) & (upresent[take] if len(u) else False)
    date = np.where(ok, date, np.datetime64("NaT")).astype(_DATE_UNIT)
    reason = np.full(n, np.nan, dtype=object)
    reason[present & ~ok] = UNPARSEABLE_DATE
    dates_out = pd.Series(date, index=s.index, name=s.name)
    return dates_out, pd.Series(reason, index=s.index, name=s.name, dtype="str")


def _cell_kind(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT or x is pd.NA:
        return "missing"
    if isinstance(x, str):
        return "str"
    if isinstance(x, (bool, np.bool_)):
        return "bad"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "num"
    if isinstance(x, (pd.Timestamp, np.datetime64)) or hasattr(x, "year"):
        return "dt"
    return "bad"


_PERIODS = {"year": "year", "y": "year", "quarter": "quarter", "q": "quarter", "month": "month", "m": "month"}


def to_period(dates: pd.Series, freq: str = "year") -> pd.Series:
    """Period label of each date, as text that sorts in time order: ``"2023"``, ``"2023Q1"`` or ``"2023-01"``.

    Parameters
    ----------
    dates : pandas.Series of datetime64
    freq : {"year", "quarter", "month"} (or ``"Y"``, ``"Q"``, ``"M"``)

    Returns
    -------
    pandas.Series of str, missing where the date is ``NaT``.
    """
    key = _PERIODS.get(str(freq).lower())
    if key is None:
        raise ConfigError(f"freq must be 'year', 'quarter' or 'month', got {freq!r}")
    dates = pd.to_datetime(_as_series(dates))
    year = dates.dt.year
    if key == "year":
        num = year
    elif key == "quarter":
        num = year * 10 + dates.dt.quarter
    else:
        num = year * 100 + dates.dt.month

    def label(u: pd.Series) -> Any:
        k = u.astype(np.int64)
        if key == "year":
            return k.astype("str").to_numpy(object)
        if key == "quarter":
            return ((k // 10).astype("str") + "Q" + (k % 10).astype("str")).to_numpy(object)
        return ((k // 100).astype("str") + "-" + (k % 100).astype("str").str.zfill(2)).to_numpy(object)

    return _per_unique(num, label, np.nan, "str").rename(dates.name)
