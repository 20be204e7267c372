"""Synthetic unified social credit codes (统一社会信用代码) for the made-up firms of the generator.

Valid by GB 32100-2015 (check characters from :mod:`chainatlas.model.codes`) and distinct, but belonging to no real
entity. Validation of users' codes stays in the model; only making codes up lives here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainatlas.errors import ConfigError
from chainatlas.model.codes import (
    CREDIT_CODE_CHARSET,
    credit_code_check_bytes,
    credit_code_check_char,
    org_code_check_bytes,
)

__all__ = ["make_credit_code", "make_credit_codes"]

_CC_BYTES = np.frombuffer(CREDIT_CODE_CHARSET.encode("ascii"), dtype=np.uint8)
_DIGIT0, _DIGIT9 = ord("0"), ord("9")

# serials are spread over the 31^8 organisation-code bodies by an affine bijection, so neighbouring serials do
# not give neighbouring codes; the multiplier is coprime with 31 and 31^8 * mult stays below 2^63
_ORG_SPACE = 31**8
_SCRAMBLE_MUL, _SCRAMBLE_ADD = 9_999_991, 123_456_789
assert math.gcd(_SCRAMBLE_MUL, 31) == 1 and _ORG_SPACE * _SCRAMBLE_MUL < 2**63


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
        character (see :func:`chainatlas.model.codes.org_code_check_char`) is taken as given.

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
    Characters 9-16 are the base-31 digits of the (scrambled) serial in
    :data:`~chainatlas.model.codes.CREDIT_CODE_CHARSET`, character 17 their GB 11714 check character, character 18
    the GB 32100 check character (:mod:`chainatlas.model.codes`). Every step is a numpy operation on an ``(n, 18)``
    uint8 matrix.

    Examples
    --------
    >>> codes = make_credit_codes("91", "310115", np.arange(3))
    >>> from chainatlas.model.codes import validate_credit_codes
    >>> bool(validate_credit_codes(codes).all())
    True
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
    mat[:, 16] = org_code_check_bytes(mat[:, 8:16])
    mat[:, 17] = credit_code_check_bytes(mat[:, :17])
    return mat.view("S18").ravel().astype("U18")
