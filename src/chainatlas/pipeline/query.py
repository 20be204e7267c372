"""Read the built atlas: the one seam through which views, analyses, exports and the API get layers.

Every read of ``layer_edges`` and ``node_attrs`` is built here as an Ibis expression and executed by the
backend, so no caller writes SQL or its own expression on those tables; the checks of what a caller may
ask for (layer, scale, period, chain, segment) live here too, each error naming its parameter.

Answers that cannot change while a read-only backend is open (built periods, units of a scale, the chain
taxonomy, table handles) are remembered per backend: the API keeps its read-only backends open for many
requests.

**Scope.** Every read of an entity-level table (the register, the raw records, ``facts``) through :func:`table`
keeps only the rows inside the current :class:`~chainatlas.model.access.Scope` — a row is inside when one of its
places (``adcode``, ``*_adcode``, ``*_adcodes`` lists, or for records that name firms only by code, the firm's
place in the register) lies in the user's jurisdiction — and blanks personal columns for roles without them.
The API sets the scope per request (:func:`scoped`); the command line reads everything. A function that must
aggregate over the whole region (a count, a chain's customs by partner region) says so with ``whole=True``, and
what it returns is an aggregate, never rows.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import ibis
import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.analytics.history import period_ordinal
from chainatlas.errors import ConfigError, NotBuiltError
from chainatlas.model.access import FULL, Scope
from chainatlas.model.classification import personal_columns
from chainatlas.model.layers import ALL, LAYERS, SCALES
from chainatlas.pipeline.build import user_areas
from chainatlas.storage.base import Backend

__all__ = [
    "ambiguous_names",
    "attr_frame",
    "chain_segments",
    "chains",
    "check_chain",
    "check_filters",
    "coverage",
    "current_scope",
    "dataset_info",
    "edges",
    "edges_by",
    "inventory",
    "latest",
    "names",
    "nodes",
    "periods",
    "proper",
    "raw_frame",
    "remember",
    "reported",
    "scoped",
    "segments",
    "sub_attrs",
    "sub_periods",
    "table",
    "unallocated",
    "unit_of",
    "units",
]

_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


#: tables that ``chainatlas build`` writes: reading one before the first build is a state, not an error
BUILT = frozenset(
    {
        "places",
        "scale_units",
        "chains",
        "segments",
        "seg_lookup",
        "entities",
        "entity_names",
        "facts",
        "layer_edges",
        "node_attrs",
        "layer_edges_sub",
        "node_attrs_sub",
        "builds",
    }
)


_SCOPE: ContextVar[Scope] = ContextVar("chainatlas_scope", default=FULL)

#: tables of entity-level records (besides ``raw_*``, whose rows are all records of entities)
_ENTITY_TABLES = frozenset({"facts", "entities", "entity_names"})
#: raw tables whose rows are not records of entities: city-to-city flows, public policies, the recognitions of
#: innovation vouchers between places
_PUBLIC_RAW = frozenset({"raw_flows", "raw_policies", "raw_recognitions"})


@contextlib.contextmanager
def scoped(scope: Scope) -> Iterator[Scope]:
    """Read under ``scope`` inside the block (the API wraps each request in it; worker threads inherit it)."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def current_scope() -> Scope:
    """The scope reads are restricted to now (everything outside :func:`scoped`)."""
    return _SCOPE.get()


def table(backend: Backend, name: str, *, whole: bool = False) -> Any:
    """``backend.table(name)`` restricted to the current scope, remembered per backend (looking up a table's
    schema costs a query); NotBuiltError for a table of the build that does not exist yet.

    ``whole=True`` reads every row whatever the scope: only for code that returns aggregates (counts, totals
    by segment), never rows of entities.
    """
    known = _KNOWN.setdefault(backend, {})
    key = ("table", name)
    if key not in known:
        if name in BUILT:
            _need_built(backend, name)
        known[key] = backend.table(name)
    scope = _SCOPE.get()
    if whole or scope.everything or not is_entity_table(name):
        return known[key]
    skey = ("table", name, scope.key)
    if skey not in known:
        known[skey] = _restrict(backend, name, known[key], scope)
    return known[skey]


def raw_frame(
    backend: Backend, name: str, columns: Sequence[str] | None = None, *, whole: bool
) -> pd.DataFrame:
    """Rows of a raw table as a DataFrame (``whole``: every row; else under the reader's scope), personal columns
    blanked for a reader without them (read whole, the seam does not blank them); a table not loaded yet, or a
    column it lacks, reads as empty (NaN)."""
    if not backend.has_table(name):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns or ()})
    t = table(backend, name, whole=whole)
    if columns is not None:
        t = t.select(*[c for c in columns if c in t.columns])
    df = backend.execute(t)
    if whole and not current_scope().personal:
        for c in personal_columns(name):
            if c in df.columns:
                df[c] = None
    for c in columns or ():
        if c not in df.columns:
            df[c] = np.nan
    return df


def is_entity_table(name: str) -> bool:
    """Whether ``name`` holds records of entities (read under the scope)."""
    return name in _ENTITY_TABLES or (
        name.startswith("raw_") and name.split("_parties")[0] not in _PUBLIC_RAW
    )


def _parties(cols: list[str]) -> list[tuple[str | None, str | None, str | None]]:
    """The parties of a record table: ``(place column, code column, name-key column)`` of each, from the column
    names (``supplier_code`` + ``supplier_norm``; ``from_adcode``; ``adcode`` + ``credit_code`` + ``firm_norm``).
    A place that is not a party's (``shared_to_adcode``: the place a tax share goes to) is not one."""
    out: list[tuple[str | None, str | None, str | None]] = []
    prefixes = {c[: -len(s)] for c in cols for s in ("_adcode", "_code", "_norm") if c.endswith(s)}
    prefixes -= {"shared_to", "institution", "applicant", "name"}
    for p in sorted(prefixes):
        place, code, norm = f"{p}_adcode", f"{p}_code", f"{p}_norm"
        if p in ("credit", "firm", "member", "hs", "industry"):
            continue
        out.append(
            (place if place in cols else None, code if code in cols else None, norm if norm in cols else None)
        )
    own = ("adcode" if "adcode" in cols else None, "credit_code" if "credit_code" in cols else None)
    norm = "firm_norm" if "firm_norm" in cols else "name_norm" if "name_norm" in cols else None
    if "member_adcode" in cols or "member_code" in cols:
        out.append(
            (
                "member_adcode" if "member_adcode" in cols else None,
                "member_code" if "member_code" in cols else None,
                None,
            )
        )
    if any(own) or norm:
        out.append((own[0], own[1], norm))
    return [x for x in out if any(x)]


def _restrict(backend: Backend, name: str, t: Any, scope: Scope) -> Any:
    """Rows of ``t`` inside ``scope``, personal columns blanked when the scope has none.

    A party is inside when its place starts with the scope's prefix, or — for a party given only by credit
    code or name — when the register places that entity inside (a name shared by several entities never
    counts). Records of important or core data (customs, tax, supply, investment, enclave finances, the
    resolved ``facts``) are visible only when every party they name is inside; registers and public
    records (firms, patents, papers...) when any party is.
    """
    import ibis

    from chainatlas.model.classification import table_grade

    cols = list(t.columns)
    if not scope.personal:
        hidden = [c for c in personal_columns(name) if c in cols]
        if hidden:
            t = t.mutate(**{c: ibis.null().cast(t[c].type()) for c in hidden})
    if scope.prefix == "":
        return t
    prefix = scope.prefix
    ent = backend.table("entities") if backend.has_table("entities") else None
    inside = ent.filter(ent.adcode.startswith(prefix)) if ent is not None else None
    names = None
    if inside is not None:
        names = inside.filter(inside.name_norm.notnull()).select(_nn=inside.name_norm)
        if backend.has_table("entity_ambiguities"):
            names = names.filter(~names._nn.isin(backend.table("entity_ambiguities").name_norm))
    if name == "facts":  # resolved records: both ends carry their place
        parties: list[tuple[str | None, str | None, str | None]] = [
            ("src_adcode", None, None),
            ("dst_adcode", None, None),
        ]
    else:
        parties = _parties(cols)
    given, ins = [], []
    for place, code, norm in parties:
        present = []
        inside_if = []
        if place is not None:
            present.append(t[place].notnull())
            inside_if.append(t[place].startswith(prefix))
        if code is not None and inside is not None:
            present.append(t[code].notnull())
            inside_if.append(t[code].isin(inside.select(_eid=inside.entity_id)._eid))
        if norm is not None and names is not None:
            present.append(t[norm].notnull())
            inside_if.append(t[norm].isin(names._nn))
        if not present:
            continue
        given.append(_any(present))
        ins.append(_any(inside_if).fill_null(False))
    lists = [t[c].re_search(f"(^|;)\\s*{prefix}").fill_null(False) for c in cols if c.endswith("_adcodes")]
    if not ins and not lists:
        return t.filter(ibis.literal(False))
    strict = name == "facts" or table_grade(name.split("_parties")[0]) in ("core", "important")
    if strict:
        # every party named is inside, and at least one is named
        cond = _any([g for g in given] or [ibis.literal(False)])
        for g, i in zip(given, ins, strict=True):
            cond &= ~g.fill_null(False) | i
    else:
        cond = _any(ins + lists)
    return t.filter(cond.fill_null(False))


def _any(conds: list[Any]) -> Any:
    out = conds[0]
    for c in conds[1:]:
        out |= c
    return out


def remember(backend: Backend, key: tuple, make: Callable[[], Any]) -> Any:
    """``make()`` remembered per read-only backend and reader's scope (the data cannot change while it is open):
    for readings that many calls slice (every period of a chain read once, then one period at a time)."""
    return _memo(backend, key, make)


def _memo(backend: Backend, key: tuple, make: Callable[[], Any]) -> Any:
    """``make()`` remembered per read-only backend (its data cannot change while it is open)."""
    if not getattr(backend, "read_only", False):
        return make()
    known = _KNOWN.setdefault(backend, {})
    key = (*key, _SCOPE.get().key)  # what a scope may see differs: never share a memo across scopes
    if key not in known:
        known[key] = make()
    return known[key]


# ---------------------------------------------------------------------------------------------- checks
def check_filters(layer: str | None = None, scale: str | None = None) -> None:
    """ConfigError naming the parameter when a layer or scale is not one we know."""
    if layer is not None and layer not in LAYERS:
        raise ConfigError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}", param="layer")
    if scale is not None and scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}", param="scale")


def _need_built(backend: Backend, name: str = "layer_edges") -> None:
    if not backend.has_table(name):
        raise NotBuiltError("the atlas has no built layers yet; run `chainatlas build` first")


#: a period key: a year (``2024``) or a sub-annual period (``"2024-05"``, ``"2024Q2"``)
Period = int | str


def period_key(period: object, param: str = "period") -> Period:
    """A period as the atlas keys it: a year as ``int``, a month or quarter as its canonical text.

    ``2024``, ``"2024"`` → ``2024``; ``"2024-05"`` and ``"2024Q2"`` stay; anything else is a ConfigError naming
    ``param`` (the one grammar is :func:`chainatlas.analytics.history.period_ordinal`).
    """
    kind, _ = period_ordinal(period, param)
    text = str(period).strip().upper()
    return int(text) if kind == "year" else text


def is_sub_annual(period: object) -> bool:
    """Whether ``period`` is a month or a quarter (read from the sub-annual layers)."""
    return period_ordinal(period)[0] != "year"


def periods(backend: Backend, grain: str = "year") -> list[Any]:
    """Built periods, oldest first: years (``grain='year'``, ints), months or quarters (``'month'``,
    ``'quarter'``: texts such as ``2024-05`` and ``2024Q2``, present where records were reported for them)."""
    if grain != "year":
        if grain not in ("month", "quarter"):
            raise ConfigError(f"unknown grain {grain!r}; expected year, quarter or month", param="grain")
        return [p for p in sub_periods(backend) if period_ordinal(p)[0] == grain]

    def make() -> list[int]:
        if not backend.has_table("builds"):
            return []
        return sorted(int(y) for y in backend.execute(backend.table("builds").select("year"))["year"])

    return list(_memo(backend, ("periods",), make))


def sub_periods(backend: Backend) -> list[str]:
    """The months and quarters the sub-annual layers hold, oldest first (months before quarters)."""

    def make() -> list[str]:
        found: set[str] = set()
        for name in ("node_attrs_sub", "layer_edges_sub"):
            if backend.has_table(name):
                t = backend.table(name)
                found |= set(backend.execute(t.select("period").distinct())["period"].dropna().astype(str))
        return sorted(found, key=lambda p: (period_ordinal(p)[0] != "month", period_ordinal(p)[1]))

    return list(_memo(backend, ("sub_periods",), make))


def sub_attrs(backend: Backend) -> list[str]:
    """Node attributes the sub-annual periods hold (those of the kinds reported per month or quarter)."""

    def make() -> list[str]:
        if not backend.has_table("node_attrs_sub"):
            return []
        t = backend.table("node_attrs_sub")
        return sorted(backend.execute(t.select("attr").distinct())["attr"].astype(str))

    return list(_memo(backend, ("sub_attrs",), make))


def latest(backend: Backend, period: object | None, grain: str = "year") -> Any:
    """``period`` checked against the built ones, or the latest built of ``grain`` when None.

    A year comes back as ``int``, a month or a quarter as its text (``2024-05``, ``2024Q2``).
    """
    if period is not None:
        key = period_key(period)
        grain = "year" if isinstance(key, int) else period_ordinal(key)[0]
    built = periods(backend, grain)
    if not built:
        if grain != "year":
            raise ConfigError(
                f"no {grain} has been built: no records were reported per {grain}; built years: "
                f"{', '.join(map(str, periods(backend))) or 'none'}",
                param="period",
            )
        raise NotBuiltError("the atlas has no built periods yet; run `chainatlas build` first")
    if period is None:
        return built[-1]
    if key not in built:
        raise ConfigError(
            f"{period} is not built; built periods: {', '.join(map(str, built))}", param="period"
        )
    return key


def _timed(
    backend: Backend, name: str, period: object | None, years: Sequence[object] | None
) -> tuple[Any, Any, bool]:
    """The table to read for ``period`` or ``years`` (annual ``name`` or its sub-annual ``name_sub``), the
    period condition (None: every period) and whether it is the sub-annual one."""
    asked = [period] if period is not None else (list(years) if years is not None else None)
    keys = [period_key(p) for p in asked] if asked is not None else None
    sub = bool(keys) and any(isinstance(k, str) for k in keys)
    if sub and not all(isinstance(k, str) for k in keys):
        raise ConfigError(
            "expected periods of one kind: years, or months and quarters, not both", param="period"
        )
    if sub:
        _need_built(backend, name + "_sub")
        t = table(backend, name + "_sub")
        return t, t.period.isin([str(k) for k in keys]), True
    t = table(backend, name)
    return t, (t.year.isin([int(k) for k in keys]) if keys is not None else None), False


def _period_column(out: pd.DataFrame, sub: bool) -> pd.DataFrame:
    if "year" in out:
        out["year"] = out["year"].astype(int)
    if "period" in out:
        out["period"] = out["period"].astype(str) if sub else out["period"].astype(int)
    return out


def segments(backend: Backend) -> pd.DataFrame:
    """The chain taxonomy's segments as built: chain, segment, names, position, topo_order."""
    _need_built(backend, "segments")
    return _memo(backend, ("segments",), lambda: backend.execute(table(backend, "segments"))).copy()


def chains(backend: Backend) -> pd.DataFrame:
    """The chain taxonomy's chains as built: id, names and the rest of their row."""
    _need_built(backend, "chains")
    return _memo(backend, ("chains",), lambda: backend.execute(table(backend, "chains"))).copy()


def check_chain(backend: Backend, chain: str, segment: str = ALL) -> None:
    """ConfigError naming ``chain`` or ``segment`` unless the chain exists and has the segment."""
    if chain == ALL:
        if segment != ALL:
            raise ConfigError("a segment filter needs a chain (chain=ic&segment=design)", param="segment")
        return
    segs = segments(backend)
    if chain not in set(segs["chain"]):
        raise ConfigError(
            f"unknown chain {chain!r}; expected one of {', '.join(sorted(set(segs['chain'])))} "
            "or * for all chains",
            param="chain",
        )
    ok = set(segs.loc[segs["chain"] == chain, "segment"])
    if segment != ALL and segment not in ok:
        raise ConfigError(
            f"{segment!r} is not a segment of chain {chain!r}; expected one of "
            f"{', '.join(sorted(ok))} or * for the whole chain",
            param="segment",
        )


def chain_segments(backend: Backend, chain: str) -> pd.DataFrame:
    """Segments of one chain, upstream first; ConfigError for ``*`` or an unknown chain."""
    if chain == ALL:
        raise ConfigError("needs one chain, e.g. ic; see `chainatlas chains list`", param="chain")
    check_chain(backend, chain)
    segs = segments(backend)
    return segs[segs["chain"] == chain].sort_values(["topo_order", "segment"], ignore_index=True)


# ---------------------------------------------------------------------------------------------- units
def units(backend: Backend, scale: str) -> pd.DataFrame:
    """Units of a scale with Chinese and English names and a label point."""
    check_filters(scale=scale)
    return _memo(backend, ("units", scale), lambda: geo.unit_names(scale, user_areas(backend))).copy()


def names(backend: Backend, scale: str) -> pd.DataFrame:
    """``unit, name_zh, name_en, lon, lat`` of every unit of a scale."""
    return units(backend, scale)[["unit", "name_zh", "name_en", "lon", "lat"]]


def proper(scale: str, unit: pd.Series) -> pd.Series:
    """Whether each unit is a real unit of the scale (False for the coarser codes a scale keeps for
    records placed only at that level: at city scale a province code means "somewhere in it")."""
    if scale not in ("county", "city", "province"):
        return pd.Series(True, index=unit.index)
    level = geo.places().set_index("adcode")["level"]
    return unit.map(level).eq(scale).fillna(False).astype(bool)


def unit_of(backend: Backend, scale: str) -> dict[str, str]:
    """adcode → unit of ``scale`` (the build's own mapping, user areas included; areas overlap, so at
    scale ``area`` an adcode maps to one of its areas only — use ``scale_units`` for all)."""

    def make() -> dict[str, str]:
        su = table(backend, "scale_units")
        m = backend.execute(su.filter(su.scale == scale).select("adcode", "unit"))
        return dict(zip(m["adcode"], m["unit"], strict=False))

    return dict(_memo(backend, ("unit_of", scale), make))


# ---------------------------------------------------------------------------------------------- edges
def edges_by(
    backend: Backend,
    *,
    scale: str,
    by: Sequence[str] = ("src", "dst"),
    layer: str | None = None,
    period: Period | None = None,
    years: Sequence[Period] | None = None,
    chain: str = ALL,
    segment: str | None = ALL,
    place: str | None = None,
    sources: Sequence[str] | None = None,
    source_prefixes: Sequence[str] | None = None,
    internal: bool | None = None,
    scales: Sequence[str] | None = None,
    partial: bool | None = False,
) -> pd.DataFrame:
    """Layer edges summed over everything not in ``by``: the columns of ``by`` and ``n``, ``value``, ``rows``.

    Parameters
    ----------
    scale : str
        The scale (``scales`` instead reads several at once, with ``scale`` in ``by``).
    by : sequence of str
        Columns kept: any of ``layer, scale, year, period, chain, segment, source, src, dst`` (``period``: the
        year, or the month or quarter when reading sub-annual periods).
    layer, period, years : optional
        One layer (default all six); one period or several ``years`` (default all built years). Months and
        quarters (``2024-05``, ``2024Q2``) read the sub-annual layers.
    chain, segment : str
        ``segment=None`` reads every real segment of ``chain`` (not its ``*`` total).
    place : str, optional
        Keep edges touching this unit.
    sources, source_prefixes : optional
        Keep these record sources, or those starting with one of the prefixes.
    internal : bool, optional
        True: only ties inside a unit (src = dst); False: only between distinct units.
    partial : bool or None
        A segment's ties through partly belonging firms (``"6513*"`` classes): False (default) leaves them out,
        True reads only them, None both. Chain ``*`` has none.
    """
    _need_built(backend)
    t, when, sub = _timed(backend, "layer_edges", period, years)
    cond = t.scale.isin(list(scales)) if scales else t.scale == scale
    cond &= t.chain == chain
    cond &= (t.segment != ALL) if segment is None else (t.segment == segment)
    if layer is not None:
        cond &= t.layer == layer
    if when is not None:
        cond &= when
    if place is not None:
        cond &= (t.src == place) | (t.dst == place)
    if sources:
        cond &= t.source.isin(list(sources))
    if source_prefixes:
        pick = t.source.startswith(source_prefixes[0])
        for p in source_prefixes[1:]:
            pick |= t.source.startswith(p)
        cond &= pick
    if partial is not None and "partial" in t.columns:  # an atlas built before it: rebuilt by the next build
        cond &= t.partial == partial
    if internal is True:
        cond &= t.src == t.dst
    elif internal is False:
        cond &= t.src != t.dst
    e = t.filter(cond)
    if "period" in by and not sub:
        e = e.mutate(period=e.year)
    out = backend.execute(e.group_by(list(by)).aggregate(n=e.n.sum(), value=e.value.sum(), rows=e.count()))
    return _period_column(out, sub).sort_values(list(by), ignore_index=True)


def edges(
    backend: Backend,
    *,
    layer: str,
    scale: str,
    period: Period,
    chain: str = ALL,
    segment: str = ALL,
    sources: Sequence[str] | None = None,
    place: str | None = None,
    self_loops: bool = True,
) -> pd.DataFrame:
    """Edges of one layer at one scale and period: ``src, dst, n`` (records), ``value``, summed over sources."""
    check_filters(layer, scale)
    out = edges_by(
        backend,
        scale=scale,
        layer=layer,
        period=period,
        chain=chain,
        segment=segment,
        sources=sources,
        place=place,
        internal=None if self_loops else False,
    )
    return out[["src", "dst", "n", "value"]]


# ---------------------------------------------------------------------------------------------- nodes
def attr_frame(
    backend: Backend,
    *,
    scale: str,
    period: Period | None = None,
    years: Sequence[Period] | None = None,
    chain: str | None = ALL,
    segment: str | None = ALL,
    attrs: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    by: Sequence[str] = ("unit", "attr"),
) -> pd.DataFrame:
    """Node attributes, long, summed over what is not in ``by``: the ``by`` columns and ``value``.

    ``chain=None`` reads every real chain (not ``*``), ``segment=None`` every real segment; ``period=None``
    with ``years=None`` reads every built year. Months and quarters (``2024-05``, ``2024Q2``) read the
    sub-annual attributes; ``by`` may keep ``period`` (the year, month or quarter).

    Confidential attributes (customs, tax) outside the reader's jurisdiction are published under disclosure
    control (:mod:`chainatlas.pipeline.disclosure`), which protects the annual cubes; in a month or a quarter they
    are withheld outright for every unit not inside the jurisdiction (``suppressed``), a smaller cell being
    easier to trace back to one firm.
    """
    check_filters(scale=scale)
    _need_built(backend, "node_attrs")
    t, when, sub = _timed(backend, "node_attrs", period, years)
    cond = t.scale == scale
    if when is not None:
        cond &= when
    cond &= (t.chain != ALL) if chain is None else (t.chain == chain)
    cond &= (t.segment != ALL) if segment is None else (t.segment == segment)
    if attrs:
        cond &= t.attr.isin(list(attrs))
    if units:
        cond &= t.unit.isin(list(units))
    e = t.filter(cond)
    if "period" in by and not sub:
        e = e.mutate(period=e.year)
    out = _period_column(backend.execute(e.group_by(list(by)).aggregate(value=e.value.sum())), sub)
    scope = _SCOPE.get()
    if sub and scope.prefix and "attr" in out:
        from chainatlas.pipeline.disclosure import CONFIDENTIAL_ATTRS

        inside = out["unit"].astype(str).str.startswith(scope.prefix) if "unit" in out else False
        held = out["attr"].isin(CONFIDENTIAL_ATTRS) & ~inside
        out["suppressed"] = held
        out.loc[held, "value"] = float("nan")
    elif scope.prefix and "attr" in out and "unit" in out:
        # confidential aggregates outside the reader's jurisdiction: only what disclosure control publishes
        from chainatlas.pipeline.disclosure import CONFIDENTIAL_ATTRS, mask

        if out["attr"].isin(CONFIDENTIAL_ATTRS).any():
            yrs = [int(period)] if period is not None else [int(y) for y in (years or periods(backend))]
            chs = chains(backend)["id"].tolist() if chain is None else [chain]
            segs = {
                c: (chain_segments(backend, c)["segment"].tolist() if segment is None else [segment])
                for c in chs
                if c != ALL
            }
            # ``suppressed`` says which NaNs are withheld rather than unknown
            out = mask(backend, out, scale=scale, years=yrs, chains=chs, segments=segs, scope=scope)
    return out


def nodes(
    backend: Backend,
    *,
    scale: str,
    period: Period,
    chain: str = ALL,
    segment: str = ALL,
    attrs: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every unit of a scale with its names, label point and one column per attribute (0 where absent)."""
    long = attr_frame(backend, scale=scale, period=period, chain=chain, segment=segment, attrs=attrs)
    wide = long.pivot_table(index="unit", columns="attr", values="value", aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    for a in attrs or ():
        if a not in wide.columns:
            wide[a] = 0.0
    out = units(backend, scale).merge(wide.reset_index(), on="unit", how="left")
    out = out.fillna({c: 0.0 for c in wide.columns})
    if "suppressed" in long:
        # withheld by disclosure control: null, and named in ``suppressed`` (not an unknown, not a zero)
        held = long[long["suppressed"]].groupby("unit")["attr"].agg(lambda a: ",".join(sorted(set(a))))
        for unit, names in held.items():
            for a in names.split(","):
                out.loc[out["unit"] == unit, a] = float("nan")
        out["suppressed"] = out["unit"].map(held)
    return out


# ---------------------------------------------------------------------------------------------- coverage
def coverage(backend: Backend, *, layers: Sequence[str] = (), attrs: Sequence[str] = ()) -> dict:
    """What the data behind a result cover, per layer and node attribute (all chains).

    Layers (from ``facts``): ``records``, ``periods`` (years with any record), ``placed_share`` (records with
    a place at both ends) and ``valued_share`` (records with a non-zero amount). Attributes (``node_attrs`` at
    region scale): ``periods`` with a non-zero value and ``total``.
    """
    out: dict = {}

    def make_layers() -> pd.DataFrame:
        f = table(backend, "facts")
        placed = (f.src_adcode.notnull() & f.dst_adcode.notnull()).cast("int64")
        valued = (f.value.notnull() & (f.value != 0)).cast("int64")
        g = f.group_by(["layer", "year"]).aggregate(
            records=f.count(), placed=placed.sum(), valued=valued.sum()
        )
        return backend.execute(g)

    if layers:
        per = _memo(backend, ("coverage_layers",), make_layers)
        for layer in layers:
            d = per[per["layer"] == layer]
            n = int(d["records"].sum())
            out[layer] = {
                "records": n,
                "periods": sorted(int(y) for y in d.loc[d["records"] > 0, "year"]),
                "placed_share": float(d["placed"].sum() / n) if n else None,
                "valued_share": float(d["valued"].sum() / n) if n else None,
            }
    if attrs:
        long = attr_frame(backend, scale="region", attrs=list(attrs), by=("attr", "year"))
        for a in attrs:
            d = long[(long["attr"] == a) & (long["value"] != 0)]
            out[f"attr:{a}"] = {
                "periods": sorted(int(y) for y in d["year"]),
                # rounded: fractional counts (a paper's share per institution) summed in the engine's order
                # would differ in the last bit from one run to the next
                "total": round(float(d["value"].sum()), 6),
            }
    return out


def unallocated(backend: Backend, period: int | None = None) -> pd.DataFrame:
    """Records known only to a coarser level than a scale, per ``scale`` and ``level`` (``province``, ``city`` or
    ``none``): ``records`` (edge and node records) in ``period`` or, without one, in every built period. They
    count at their own level and above and are in every total, never a unit of the finer scale."""
    cols = ["scale", "level", "records"]
    if not backend.has_table("unallocated"):
        return pd.DataFrame(columns=cols)
    t = table(backend, "unallocated")
    if period is not None:
        t = t.filter(t.year == int(period))
    out = backend.execute(t.group_by(["scale", "level"]).aggregate(records=t.records.sum()))
    order = {s: i for i, s in enumerate(SCALES)}
    return out.sort_values(
        ["scale", "level"], key=lambda c: c.map(order) if c.name == "scale" else c, ignore_index=True
    )[cols]


def ambiguous_names(backend: Backend) -> pd.DataFrame:
    """Names the build would not merge (several entities in incompatible places): ``name_norm, entities, places,
    reason``."""
    if not backend.has_table("entity_ambiguities"):
        return pd.DataFrame(columns=["name_norm", "entities", "places", "reason"])
    return backend.execute(table(backend, "entity_ambiguities"))


# ---------------------------------------------------------------------------------------------- batches
def reported(backend: Backend, kind: str, *, year: int | None = None, limit: int | None = None) -> Any:
    """Every row of ``kind`` as reported, the current and those later batches replaced, as an Ibis table.

    Columns: the raw table's, then ``status`` (``current`` or ``replaced``), ``replaced_by`` (the batch that
    replaced it) and ``loaded_at`` (when its own batch was loaded). Scoped like :func:`table`, so what a reader
    sees of the first-reported figures is what they may see of the current ones.
    """
    from chainatlas.model.kinds import KINDS

    if kind not in KINDS:
        raise ConfigError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", param="kind")
    name = KINDS[kind].table
    cur = table(backend, name)
    cur = cur.mutate(status=ibis.literal("current"), replaced_by=ibis.null().cast("int32"))
    if backend.has_table(name + "_revisions"):
        old = table(backend, name + "_revisions").drop("replaced_at")
        old = old.mutate(status=ibis.literal("replaced")).relocate("replaced_by", after="status")
        rows = cur.union(old.select(*cur.columns), distinct=False)
    else:
        rows = cur
    if year is not None:
        rows = rows.filter(rows.year == int(year))
    b = backend.table("batches").select("batch_id", "loaded_at")
    out = rows.left_join(b, "batch_id").drop("batch_id_right")
    return out.limit(limit) if limit else out


def inventory(backend: Backend) -> pd.DataFrame:
    """What is loaded: per batch its kind, file, rows, years and synthetic flag."""
    b = backend.table("batches")
    return backend.execute(b.order_by("batch_id"))


def dataset_info(backend: Backend) -> dict:
    """The loaded dataset's manifest (synthetic flag, generator, seed) and whether any record is synthetic."""
    raw = backend.get_meta("dataset")
    info = json.loads(raw) if raw else {}
    b = backend.table("batches")
    info["contains_synthetic"] = bool(backend.execute(b.aggregate(s=b.synthetic.any()))["s"].iloc[0] or False)
    return info
