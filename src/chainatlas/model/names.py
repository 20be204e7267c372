"""Matching keys for entity names.

The same firm is spelt many ways across sources: full-width or half-width brackets, stray spaces,
``有限责任公司`` or ``有限公司``, ``Co., Ltd.`` or ``Company Limited``. :func:`normalize_names` turns a
name into a key on which such spellings compare equal, so records can be linked across sources when
no credit code is given.

Decision: the key keeps the **legal form**. ``甲有限公司`` and ``甲股份有限公司`` are different legal
persons (a limited-liability company and a joint-stock company may coexist under one trade name, and a
conversion changes the registered name), so they keep different keys. Only spellings of the *same*
legal form are unified:

* ``有限责任公司`` → ``有限公司`` (the Company Law allows both for a limited-liability company);
* a trailing ``股份公司`` → ``股份有限公司``;
* Latin suffixes: ``company limited`` / ``co limited`` / ``company ltd`` → ``coltd``, ``limited`` →
  ``ltd``, ``corporation`` → ``corp``, ``incorporated`` → ``inc`` (after punctuation is removed).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["link_named_entities", "normalize_names", "place_keys"]

_STRING = pd.StringDtype("pyarrow")

# RE2 syntax (Arrow's regex engine), which knows Unicode classes: punctuation (incl. Chinese
# （）·、。“”《》), symbols, separators (all spaces), and control/format characters (zero-width space).
_NOISE = r"[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\s]+"

# Applied after the noise is gone, so "Co., Ltd." has become "coltd" and "有限 责任 公司" "有限责任公司".
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("有限责任公司", "有限公司"),
    (r"(^|[^限])股份公司$", r"\1股份有限公司"),
    (r"(?:company|co)(?:limited|ltd)$", "coltd"),
    (r"limited$", "ltd"),
    (r"corporation$", "corp"),
    (r"incorporated$", "inc"),
)


def normalize_names(s: pd.Series) -> pd.Series:
    """Return a matching key for each name.

    Parameters
    ----------
    s : pandas.Series
        Names as text (any string dtype; missing values allowed).

    Returns
    -------
    pandas.Series
        ``string[pyarrow]`` keys, same index; missing or punctuation-only names give ``<NA>``.

    Notes
    -----
    Steps: Unicode NFKC (full-width → half-width, ``（`` → ``(``), lower-case, remove whitespace,
    punctuation and symbols, then unify the spelling of legal-form suffixes (see the module docstring:
    the legal form itself is kept).

    This is the matching key only: validation stores a name as given (its case and brackets kept; a name
    that is part of a record key, such as an alliance's ``member_name``, gets NFKC there too, see
    :func:`chainatlas.ingest.rules.fold_of`). Identifiers and codes are normalised by
    :func:`chainatlas.model.codes.normalize_key_text` instead (NFKC and upper case, punctuation kept).

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_names(pd.Series(["苏州 纳米（集团）有限责任公司", "ACME Co., Ltd."])).tolist()
    ['苏州纳米集团有限公司', 'acmecoltd']
    """
    arr = pa.array(s.astype(_STRING), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    # Arrow kernels throughout (RE2 for the regexes): ~10x faster than pandas' per-element NFKC.
    out = pc.utf8_lower(pc.utf8_normalize(arr, "NFKC"))
    out = pc.replace_substring_regex(out, _NOISE, "")
    for pattern, repl in _SUFFIXES:
        out = pc.replace_substring_regex(out, pattern, repl)
    # Removing a space can leave a combining mark next to a letter (NFKC("A´") = "a \u0301"):
    # compose once more so the key is itself normalised (and the function idempotent).
    out = pc.utf8_normalize(out, "NFKC")
    out = pc.if_else(pc.equal(out, ""), pa.scalar(None, out.type), out)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, name=s.name)


# --------------------------------------------------------------------------- entities without a code


def place_keys(adcodes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(province, city)`` keys of 6-digit adcodes: the first 2 and 4 digits; the city key is <NA> for a
    province-level code (``320000``), and Shanghai's ``310000`` has the city key of ``310100``."""
    a = adcodes.astype("string")
    prov = a.str.slice(0, 2)
    city = a.str.slice(0, 4).mask(a.str.slice(2, 4) == "00", pd.NA).mask(a == "310000", "3101")
    return prov, city


def _compatible(p1, c1, p2, c2) -> bool:
    """Places are compatible unless both are known and differ (province, then city when both known)."""
    if pd.isna(p1) or pd.isna(p2):
        return True
    if p1 != p2:
        return False
    return pd.isna(c1) or pd.isna(c2) or c1 == c2


def _common_place(codes: list[str]) -> str | None:
    """The finest adcode all known codes agree on: the county, else the city, else the province."""
    known = sorted({c for c in codes if isinstance(c, str)})
    if not known:
        return None
    if len(known) == 1:
        return known[0]
    prov, city = place_keys(pd.Series(known, dtype="string"))
    cities = {c for c in city.dropna()}
    if prov.nunique() > 1:
        return None
    if len(cities) == 1:
        c = cities.pop()
        return "310100" if c == "3101" else c + "00"
    return prov.iloc[0] + "0000"


def link_named_entities(named: pd.DataFrame, coded: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give register rows without a credit code an atlas-wide entity id.

    Parameters
    ----------
    named : pandas.DataFrame
        Register rows without a code: ``name_norm``, ``adcode`` (any level, may be missing), ``order`` (later
        rows win when attributes differ) and any attribute columns.
    coded : pandas.DataFrame
        Entities with a code whose ``name_norm`` occurs in ``named``: ``entity_id``, ``name_norm``, ``adcode``.

    Returns
    -------
    entities : pandas.DataFrame
        One row per new entity: ``entity_id``, the attribute columns of its latest row and ``adcode`` (the
        finest place its rows agree on). Rows that resolve to a coded entity make none.
    ambiguous : pandas.DataFrame
        ``name_norm``, ``entities`` (how many entities carry the name), ``places`` (their adcodes, ';'-joined,
        '-' for unknown) and ``reason``: names that were *not* merged.

    Notes
    -----
    Rules (issue 10): a row whose name matches exactly one coded entity in a compatible place (same province,
    and same city where both are known) is that entity. Rows of one name otherwise form one entity
    ``N:<name_norm>`` when their places are compatible (a province-only row joins the one city-level group of its
    province); names found in incompatible places, or shared by several coded entities, are reported and kept
    apart as ``N:<name_norm>@<city or province digits>``.
    """
    cols = list(named.columns)
    out_rows: list[dict] = []
    amb: list[dict] = []
    by_code = {k: g for k, g in coded.groupby("name_norm", sort=False)} if len(coded) else {}
    named = named.sort_values("order", kind="stable")
    for norm, g in named.groupby("name_norm", sort=False):
        prov, city = place_keys(g["adcode"])
        g = g.assign(prov_k=prov.to_numpy(), city_k=city.to_numpy())
        cands = by_code.get(norm)
        rest = []
        reason = None
        if cands is not None:
            cp, cc = place_keys(cands["adcode"])
            for r in g.itertuples(index=False):
                ok = [
                    e
                    for e, p, c in zip(cands["entity_id"], cp, cc, strict=True)
                    if _compatible(r.prov_k, r.city_k, p, c)
                ]
                if len(ok) == 1 and len(cands) == 1:
                    continue  # the coded entity itself
                if len(ok) == 1 and not (pd.isna(r.prov_k) and len(cands) > 1):
                    continue  # several coded firms share the name, but only one is in this place
                rest.append(r)
                reason = (
                    f"name shared by {len(cands)} entities with a credit code"
                    if len(ok) > 1
                    else "same name as an entity with a credit code in another place"
                )
            if not rest:
                continue
            g = pd.DataFrame(rest, columns=g.columns)
        # cluster the remaining rows by place
        cities = sorted(set(g["city_k"].dropna()))
        clusters: dict[str, list[int]] = {c: [] for c in cities}
        for i, (p, c) in enumerate(zip(g["prov_k"], g["city_k"], strict=True)):
            if not pd.isna(c):
                clusters[c].append(i)
                continue
            key = p if not pd.isna(p) else "?"
            in_prov = [x for x in cities if not pd.isna(p) and x.startswith(p)]
            if len(in_prov) == 1:
                key = in_prov[0]
            elif pd.isna(p) and len(cities) == 1 and len({x for x in g["prov_k"].dropna()}) <= 1:
                key = cities[0]
            clusters.setdefault(key, []).append(i)
        if len(clusters) > 1 and "?" in clusters and len(clusters) == 2:
            # rows without a place join the only placed group
            other = next(k for k in clusters if k != "?")
            clusters[other] += clusters.pop("?")
        split = len(clusters) > 1 or cands is not None
        if len(clusters) > 1:
            reason = reason or "same name in incompatible places"
        for key, idx in clusters.items():
            part = g.iloc[idx]
            row = part.iloc[-1][cols].to_dict()
            row["adcode"] = _common_place(part["adcode"].tolist())
            row["entity_id"] = f"N:{norm}" + (f"@{key}" if split else "")
            out_rows.append(row)
        if reason:
            places = [
                *(cands["adcode"].fillna("-").tolist() if cands is not None else []),
                *[r["adcode"] or "-" for r in out_rows[-len(clusters) :]],
            ]
            amb.append(
                {
                    "name_norm": norm,
                    "entities": len(clusters) + (len(cands) if cands is not None else 0),
                    "places": ";".join(places),
                    "reason": reason,
                }
            )
    entities = pd.DataFrame(out_rows, columns=[*cols, "entity_id"])
    return entities, pd.DataFrame(amb, columns=["name_norm", "entities", "places", "reason"])
