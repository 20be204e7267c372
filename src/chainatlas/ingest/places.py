"""Place names → current YRD adcodes: 苏州, 苏州市, 江苏省苏州市, 上海市浦东新区, Suzhou.

An adcode column (:func:`chainatlas.ingest.rules.check_adcode`) takes a code or a place name; real files name
their places (flow endpoints, registers without codes) far more often than they code them. Names are matched
against the bundled geography (:func:`chainatlas.geo.places`: ``name_zh``, ``short_zh``, ``name_en``), never
guessed:

- a name of exactly one unit resolves to it (``苏州`` → 320500, ``浦东新区`` → 310115);
- a chain of names from the province down narrows the match (``江苏泰州`` → 321200 where ``Taizhou`` alone is
  both 泰州 and 台州; ``苏州市吴中区`` → 320506);
- a name shared by a unit and units inside it resolves to the outer one, which contains every reading
  (``淮安`` is 淮安市 and its 淮安区 → 320800; ``黄山`` → 341000): coarser, never wrong;
- any other shared name is **ambiguous** and reported with its candidates (``Suzhou``: 苏州市 320500 or 宿州市
  341300; ``鼓楼区``: Nanjing's or Xuzhou's), so the user writes the code or a longer name;
- Chinese text that is no chain of names (``苏州工业园区``) goes to the address geocoder
  (:func:`chainatlas.geo.resolve_addresses`), as an address column would.

Shanghai is one unit: 上海 / 上海市 / Shanghai is the city 310100 (as addresses resolve it). The method of each
resolution is recorded like an address's: ``name:county``, ``name:city``, ``name:province``, or
``address:county`` / ``address:city``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

__all__ = ["Resolved", "resolve_place_names"]

#: English suffixes dropped before matching (``Suzhou City``, ``Pudong New Area``)
_EN_SUFFIX = re.compile(r"(CITY|SHI|DISTRICT|QU|COUNTY|XIAN|PROVINCE|SHENG|NEWAREA)$")
_EN_NOISE = re.compile(r"[\s'’`\-_.·]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SHANGHAI_PROVINCE, _SHANGHAI_CITY = "310000", "310100"


@dataclass(frozen=True)
class Resolved:
    """How one name resolved: ``adcode`` and ``method``, or ``problem`` (ambiguous: the candidates)."""

    adcode: str | None = None
    method: str | None = None
    problem: str | None = None


def _key(text: str) -> str:
    """NFKC, upper case, without spaces, apostrophes or hyphens (``Huai'an`` = ``HUAIAN``)."""
    return _EN_NOISE.sub("", unicodedata.normalize("NFKC", text).upper())


@cache
def _index() -> tuple[dict[str, frozenset[str]], dict[str, dict]]:
    """name key → adcodes, and adcode → place row (level, names, city and province)."""
    from chainatlas import geo

    p = geo.places()
    rows: dict[str, dict] = {}
    names: dict[str, set[str]] = {}
    for r in p.to_dict("records"):
        code = r["adcode"]
        if code == _SHANGHAI_PROVINCE:  # the province is the city: one unit, 310100
            continue
        rows[code] = r
        for col in ("name_zh", "short_zh", "name_en"):
            v = r.get(col)
            if isinstance(v, str) and v:
                k = _key(v)
                names.setdefault(k, set()).add(code)
                if col == "name_en":
                    names.setdefault(_EN_SUFFIX.sub("", k) or k, set()).add(code)
    for k in ("上海", "上海市", "SHANGHAI"):
        names[k] = {_SHANGHAI_CITY}
    return {k: frozenset(v) for k, v in names.items()}, rows


def _inside(code: str, outer: str, rows: dict[str, dict]) -> bool:
    """Whether unit ``code`` lies inside unit ``outer`` (its city or its province)."""
    r = rows[code]
    return outer in (r.get("city_adcode"), r.get("province_adcode")) and outer != code


def _parses(
    text: str, outer: str | None, names: dict[str, frozenset[str]], rows: dict[str, dict]
) -> set[str]:
    """Every unit a chain of names ``text`` can end at, each name inside the one before it."""
    found: set[str] = set()
    for end in range(len(text), 0, -1):
        codes = names.get(text[:end])
        if not codes:
            continue
        for c in codes:
            if outer is not None and not _inside(c, outer, rows):
                continue
            if end == len(text):
                found.add(c)
            else:
                found |= _parses(text[end:], c, names, rows)
    return found


def _label(code: str, rows: dict[str, dict]) -> str:
    r = rows[code]
    parents = [
        rows[a]["name_zh"]
        for a in (r.get("province_adcode"), r.get("city_adcode"))
        if a in rows and a != code
    ]
    return f"{''.join(dict.fromkeys(parents))}{r['name_zh']} ({code})"


def _one(text: str) -> Resolved | None:
    """Resolve one name; None when no chain of names matches it."""
    names, rows = _index()
    key = _key(text)
    found = _parses(key, None, names, rows)
    if not found and not _HAN.search(key):
        found = set(names.get(_EN_SUFFIX.sub("", key), ()))
    if not found:
        return None
    outer = [c for c in found if all(c == o or _inside(o, c, rows) for o in found)]
    if len(found) == 1 or outer:
        code = outer[0] if outer else next(iter(found))
        return Resolved(code, f"name:{rows[code]['level']}")
    options = " or ".join(_label(c, rows) for c in sorted(found))
    return Resolved(
        problem=f"ambiguous place name: {text!r} names {options}; give the adcode or the full name "
        f"of the one meant"
    )


def resolve_place_names(values: Iterable[str | None], *, addresses: bool = True) -> list[Resolved]:
    """Resolve place names to current YRD adcodes, one :class:`Resolved` per value.

    Parameters
    ----------
    values : iterable of str or None
        Names as typed (case, width and spacing do not matter); None stays unresolved.
    addresses : bool
        Send Chinese text that is no chain of place names to the address geocoder
        (:func:`chainatlas.geo.resolve_addresses`, methods ``address:county`` / ``address:city``).

    Returns
    -------
    list of Resolved
        ``adcode`` and ``method`` where the name is known; ``problem`` where it is ambiguous; all None where
        nothing matched (the caller reports it as an unknown place).

    Examples
    --------
    >>> [(r.adcode, r.method) for r in resolve_place_names(["苏州", "上海市浦东新区", "江苏泰州"])]
    [('320500', 'name:city'), ('310115', 'name:county'), ('321200', 'name:city')]
    >>> resolve_place_names(["Suzhou"])[0].problem.split(";")[0]
    "ambiguous place name: 'Suzhou' names 江苏省苏州市 (320500) or 安徽省宿州市 (341300)"
    """
    values = list(values)
    out = [Resolved() if v is None or not str(v).strip() else _one(str(v).strip()) for v in values]
    todo = [i for i, r in enumerate(out) if r is None and _HAN.search(str(values[i]))]
    if addresses and todo:
        from chainatlas import geo

        codes, methods = geo.resolve_addresses(pd.Series([str(values[i]) for i in todo], dtype="string"))
        for i, c, m in zip(todo, codes, methods, strict=True):
            out[i] = Resolved(c, m) if isinstance(c, str) else Resolved()
    return [r if r is not None else Resolved() for r in out]
