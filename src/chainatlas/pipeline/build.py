"""Build the six layers and the node attributes at every scale, period and chain segment.

Wiring only: the definitions are in :mod:`chainatlas.pipeline.facts` and the aggregation below,
all Ibis expressions handed to a storage backend. Steps:

1. reference tables: places, the place→unit map of every scale, chain-segment lookups;
2. the parties of the years' records resolved to entities once (``parties``: every kind's records look their
   parties up there), then the entity-level facts (``facts``, ``node_facts``);
3. aggregation: facts are first summed per county pair (small), then mapped to the units of each
   scale — so the expensive part runs once, not once per scale;
4. chain totals: segment rows rolled up to ``segment = '*'``;
5. sub-annual layers: the facts of records reported for a month or a quarter (customs, tax, supply links,
   flows, enclaves) also make ``layer_edges_sub`` and ``node_attrs_sub`` per month and per quarter (a month
   counts in its quarter too); their columns are the annual tables' plus ``period`` and ``period_type``.

Only the years that a loaded batch touched are rebuilt (``dirty_years``), unless ``full``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL, SCALES
from chainatlas.model.names import link_named_entities
from chainatlas.model.taxonomy import Taxonomy, atlas_taxonomy
from chainatlas.pipeline.facts import (
    PARTIAL_SUFFIX,
    Resolver,
    edge_facts,
    entities,
    entity_names,
    ipc_main,
    named_firms,
    node_facts,
    parties,
)
from chainatlas.storage.base import Backend

__all__ = [
    "BUILD_OUTPUTS",
    "LAYER_TABLES",
    "REFERENCE_TABLES",
    "BuildReport",
    "aggregate_edges",
    "aggregate_nodes",
    "build",
    "build_notes",
    "refresh_reference",
    "sub_annual",
    "unallocated",
    "user_areas",
]

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    years: list[int]
    scales: list[str]
    facts: int = 0
    unplaced: int = 0
    edges: int = 0
    nodes: int = 0
    #: entities of the register without a credit code, and names not merged because they are ambiguous
    named_entities: int = 0
    ambiguous_names: int = 0
    #: records naming a credit code the register lacks, and records giving a code under another name
    unregistered: int = 0
    renamed: int = 0
    #: records (facts) counted at a coarser level only: scale -> records not allocated to a unit of that scale
    unallocated: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        t = sum(self.seconds.values())
        text = (
            f"built years {self.years or '-'} at scales {','.join(self.scales)}: {self.facts:,} facts "
            f"({self.unplaced:,} without a place), {self.edges:,} layer edges, {self.nodes:,} node values "
            f"in {t:.1f}s"
        )
        for line in self.notes():
            text += "\n" + line
        return text

    def notes(self) -> list[str]:
        """What the build could not allocate or match, as lines for the user (Chinese, then English)."""
        lines = []
        if self.named_entities:
            lines.append(
                f"无信用代码主体 entities without a credit code: {self.named_entities:,} (按名称识别 by name)"
            )
        if self.ambiguous_names:
            lines.append(
                f"同名未合并 ambiguous names not merged: {self.ambiguous_names:,} (see table entity_ambiguities)"
            )
        if self.unregistered:
            lines.append(
                f"登记表中没有的信用代码 records whose credit code is not in the firm register: {self.unregistered:,} "
                "(the ties count under the code, without a name or place from the register)"
            )
        if self.renamed:
            lines.append(
                f"代码相同而名称不同 records giving a credit code under another name than the register's: "
                f"{self.renamed:,} (the register's name is used)"
            )
        shown = {s: v for s, v in self.unallocated.items() if v}
        if shown:
            lines.append(
                "未分配到该尺度单元的记录 records not allocated below their known level: "
                + ", ".join(f"{s} {v:,.0f}" for s, v in shown.items())
                + " (see table unallocated)"
            )
        return lines


def register_mismatches(backend: Backend) -> pd.DataFrame:
    """Records whose party's credit code the register does not know, or knows under another name.

    Returns ``kind, field, records, unregistered, renamed``: per code column of every edge kind, the records with a
    code, those whose code is not in ``raw_firms`` (the tie still counts, under the code), and those that give the
    code with a name other than the register's (compared normalised; the register's name is used).
    """
    cols = ["kind", "field", "records", "unregistered", "renamed"]
    if not backend.has_table("raw_firms"):
        return pd.DataFrame(columns=cols)
    f = backend.table("raw_firms")
    reg = f.filter(f.credit_code.notnull()).group_by("credit_code").aggregate(_norm=f.name_norm.max())
    parts = []
    for k in KINDS.values():
        if k.name == "firms" or not backend.has_table(k.table):
            continue
        t = backend.table(k.table)
        for fld in k.fields:
            if fld.rule != "credit_code":
                continue
            norm = ("firm" if fld.name == "credit_code" else fld.name.removesuffix("_code")) + "_norm"
            sel = t.filter(t[fld.name].notnull())
            j = sel.left_join(reg, sel[fld.name] == reg.credit_code)
            known = j._norm.notnull()
            renamed = (
                (known & j[norm].notnull() & (j[norm] != j._norm))
                if norm in t.columns
                else ibis.literal(False)
            )
            parts.append(
                j.aggregate(
                    order=ibis.literal(len(parts)),
                    kind=ibis.literal(k.name),
                    field=ibis.literal(fld.name),
                    records=j.count(),
                    unregistered=(~known).cast("int64").sum(),
                    renamed=renamed.cast("int64").sum(),
                )
            )
    if not parts:
        return pd.DataFrame(columns=cols)
    # one query for every code column: on Spark each query is a job, and these were twenty of them
    out = backend.execute(ibis.union(*parts, distinct=False))
    out = out[out["records"] > 0].sort_values("order")
    return pd.DataFrame(
        {
            "kind": out["kind"].astype(str),
            "field": out["field"].astype(str),
            **{c: out[c].fillna(0).astype("int64") for c in ("records", "unregistered", "renamed")},
        }
    ).reset_index(drop=True)


def user_areas(backend: Backend) -> pd.DataFrame | None:
    """User-defined functional areas stored in the atlas (members kept as ';'-joined adcodes)."""
    df = backend.execute(backend.table("areas"))
    if df.empty:
        return None
    df = df.copy()
    df["members"] = df["members"].str.split(";")
    return df


def _segment_lookup(backend: Backend, tax: Taxonomy) -> ir.Table:
    """(ck_type, ck) → (chain, segment, partial) for every key that occurs in the records.

    ``partial`` is true where the key reaches the segment only through a GB/T 4754 class of which only part
    belongs (``"6513*"`` in the chain file): most firms of such a class are not in the segment, so what they
    bring is counted apart (``firms_partial``...; see :func:`node_places`), never as full members. It is false for
    patents (IPC), products (HS) and explicit ``chain:segment`` keys.

    Concordance matching (prefixes, specificity) runs in the taxonomy on the few distinct codes;
    the per-firm expansion is a join left to the engine.
    """
    t = backend.table
    frames = []
    ent = t("entities")
    # a firm's codes: its main industry and its other industries (``other_industry_codes``, ';'-joined)
    held = ent.select("entity_id", code=ent.industry_code).union(
        ent.filter(ent.other_industry_codes.notnull()).select(
            "entity_id", code=ent.other_industry_codes.split(";").unnest()
        ),
        distinct=False,
    )
    held = held.filter(held.code.notnull())
    uniq = pd.Series(backend.execute(held.select("code").distinct())["code"].to_numpy(), dtype="string")
    ipcs = backend.execute(t("raw_patents").select(ck=ipc_main(t("raw_patents").ipc)).distinct())["ck"]
    hs = pd.concat(
        [
            backend.execute(
                t(name).select(ck=t(name).hs_code.substr(0, 6)).filter(lambda r: r.ck.notnull()).distinct()
            )["ck"]
            for name in ("raw_supply_links", "raw_trade")
        ]
    ).drop_duplicates()
    for ck_type, keys, fn in (
        ("ind", uniq, tax.segments_for_industry),
        ("i", ipcs, tax.segments_for_ipc),
        ("h", hs, tax.segments_for_hs),
    ):
        keys = pd.Series(keys.dropna().unique(), dtype="string")
        if len(keys):
            m = fn(keys)
            frames.append(
                pd.DataFrame(
                    {
                        "ck_type": ck_type,
                        "ck": keys.to_numpy()[m["row"].to_numpy()],
                        "chain": m["chain"].to_numpy(),
                        "segment": m["segment"].to_numpy(),
                        "partial": m["partial"].to_numpy(dtype=bool),
                    }
                )
            )
    seg = tax.segments
    explicit = pd.concat(
        [
            pd.DataFrame(
                {"ck": seg["chain"] + ":" + seg["segment"], "chain": seg["chain"], "segment": seg["segment"]}
            ),
            pd.DataFrame({"ck": tax.chains["id"] + ":", "chain": tax.chains["id"], "segment": ""}),
        ]
    )
    frames.append(explicit.assign(ck_type="x", partial=False))
    cols = ["ck_type", "ck", "chain", "segment"]
    small = pd.concat(frames, ignore_index=True)
    small = small[cols].astype("string").assign(partial=small["partial"].astype(bool).to_numpy())
    lk = ibis.memtable(small, schema={**{c: "string" for c in cols}, "partial": "boolean"})
    ind = lk.filter(lk.ck_type == "ind")
    e = held.join(ind, held.code == ind.ck)
    # one row per firm and segment: full where any of the firm's codes belongs wholly, partial otherwise
    e = e.group_by(ck=e.entity_id, chain=e.chain, segment=e.segment).aggregate(partial=e.partial.all())
    e = e.select(ck_type=ibis.literal("e"), ck=e.ck, chain=e.chain, segment=e.segment, partial=e.partial)
    return lk.filter(lk.ck_type != "ind").union(e, distinct=False)


_AMBIGUITY_SCHEMA = {"name_norm": "string", "entities": "int64", "places": "string", "reason": "string"}


def _entity_register(backend: Backend) -> tuple[ir.Table, pd.DataFrame, int]:
    """The ``entities`` expression: coded entities plus the register rows without a code, linked by name.

    Returns the expression, the ambiguous names (not merged) and how many entities have no code.
    """
    coded = entities(backend.table)
    named = backend.execute(named_firms(backend.table))
    if named.empty:
        return coded, pd.DataFrame({c: pd.Series(dtype=t) for c, t in _AMBIGUITY_SCHEMA.items()}), 0
    norms = ibis.memtable(pd.DataFrame({"_nn": named["name_norm"].astype(str).unique()}))
    match = backend.execute(
        coded.join(norms, coded.name_norm == norms._nn).select("entity_id", "name_norm", "adcode")
    )
    linked, ambiguous = link_named_entities(named, match)
    linked = linked.drop(columns=["order"])
    schema = coded.schema()
    frame = linked[list(schema.names)].astype({"founded_year": "Int16", "employees": "float64"})
    frame["registered_capital"] = frame["registered_capital"].astype("float64")
    frame["synthetic"] = frame["synthetic"].astype("boolean")
    extra = ibis.memtable(frame, schema=schema)
    return coded.union(extra, distinct=False), ambiguous, len(linked)


def refresh_reference(backend: Backend, tax: Taxonomy | None = None) -> dict[str, int]:
    """Write the places, scale map, chain/segment lookups and the entity register the build reads.

    Returns ``named_entities`` (entities without a credit code) and ``ambiguous_names`` (names kept apart;
    listed in the table ``entity_ambiguities``).
    """
    tax = tax or atlas_taxonomy()
    backend.replace_table("places", geo.places().astype({"pop_2020": "float64", "pop_2010": "float64"}))
    backend.replace_table("scale_units", geo.scale_units(user_areas(backend)))
    backend.replace_table("chains", tax.chains)
    backend.replace_table("segments", tax.segments)
    ent, ambiguous, n_named = _entity_register(backend)
    backend.replace_table("entities", ent)
    # names shared by several coded entities cannot resolve a record that gives only the name
    e = backend.table("entities")
    e = e.filter(e.entity_id.notnull() & e.name_norm.notnull() & ~e.entity_id.startswith("N:"))
    shared = backend.execute(
        e.group_by("name_norm")
        .aggregate(entities=e.count(), places=e.adcode.fill_null("-").group_concat(";"))
        .filter(lambda g: g.entities > 1)
    )
    if len(shared):
        shared = shared.assign(reason="name shared by several entities with a credit code")
        ambiguous = pd.concat([ambiguous, shared[list(_AMBIGUITY_SCHEMA)]], ignore_index=True)
        ambiguous = ambiguous.drop_duplicates("name_norm", keep="first")
    backend.replace_table(
        "entity_ambiguities",
        ibis.memtable(ambiguous.astype({"entities": "int64"}), schema=_AMBIGUITY_SCHEMA),
    )
    backend.replace_table("entity_names", entity_names(backend.table("entities")))
    backend.replace_table("seg_lookup", _segment_lookup(backend, tax))
    return {"named_entities": n_named, "ambiguous_names": len(ambiguous)}


def _with_chains(f: ir.Table, lookup: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Every fact once with chain '*' plus once per chain segment it is assigned to.

    Facts of type ``c`` are already chain rows: they join the lookup as explicit ``chain:segment``
    keys and stay out of the '*' total (their all-chains twin is a separate ``-`` fact). A fact reaching a
    segment only through a partial class (``seg_lookup.partial``) is kept apart there: node facts under
    ``<attr>_partial``, edge facts (no ``attr`` key) with ``partial`` true.
    """
    measures = {m: f[m] for m in ("n", "value", "n_valued") if m in f.columns}
    star = f.filter(f.ck_type != "c")
    edges = "attr" not in keys
    flag = {"partial": ibis.literal(False)} if edges else {}
    star = star.select(
        *keys, chain=ibis.literal(ALL), segment=ibis.literal(ALL), **flag, **{m: star[m] for m in measures}
    )
    key_type = ibis.cases((f.ck_type == "c", ibis.literal("x")), else_=f.ck_type)
    j = f.join(lookup, [key_type == lookup.ck_type, f.ck == lookup.ck])
    cols = {k: j[k] for k in keys}
    part = j.partial.fill_null(False)
    if edges:
        cols["partial"] = part
    else:
        cols["attr"] = ibis.cases((part, j.attr + PARTIAL_SUFFIX), else_=j.attr)
    chained = j.select(**cols, chain=j.chain, segment=j.segment, **{m: j[m] for m in measures})
    return star.union(chained, distinct=False)


def _chain_totals(g: ir.Table, keys: Sequence[str], measures: Sequence[str]) -> ir.Table:
    part = g.filter(g.chain != ALL)
    tot = part.group_by([*keys, "chain"]).aggregate(**{m: part[m].sum() for m in measures})
    tot = tot.mutate(segment=ibis.literal(ALL))
    return g.union(tot.select(*g.columns), distinct=False)


def _valued(f: ir.Table) -> ir.Table:
    """Facts with ``n_valued``: their ``n`` where ``value`` is known, else 0."""
    return f.mutate(n_valued=ibis.cases((f.value.notnull(), f.n), else_=0.0))


def aggregate_edges(
    facts: ir.Table,
    lookup: ir.Table,
    units: ir.Table,
    scales: Sequence[str],
    time: Sequence[str] = ("year",),
) -> ir.Table:
    """Layer edges per (layer, source, scale, year, chain, segment, partial, src, dst): sums of ``n`` and
    ``value``, and ``n_valued`` (the records, as counted in ``n``, that had an amount; ``value`` is NULL when none
    had one). ``partial`` marks the ties a segment holds only through a partly belonging firm (its industry class
    is a ``"6513*"`` one): kept apart, so that a segment's network reads its full members' ties unless asked.

    A record is counted at a scale only when both ends have a unit there: an end known only to the province
    (or city) makes no edge at city (county) scale — it is reported by :func:`unallocated` instead. ``time``:
    the period columns kept (``year``; the sub-annual layers add ``period, period_type``).
    """
    time = list(time)
    f = _with_chains(
        _valued(facts.filter(facts.src_adcode.notnull() & facts.dst_adcode.notnull())),
        lookup,
        ["layer", "source", *time, "src_adcode", "dst_adcode"],
    )
    f = f.group_by(
        ["layer", "source", *time, "chain", "segment", "partial", "src_adcode", "dst_adcode"]
    ).aggregate(n=f.n.sum(), value=f.value.sum(), n_valued=f.n_valued.sum())
    u = units.filter(units.scale.isin(list(scales)))
    a = u.select(_sa=u.adcode, scale=u.scale, src=u.unit)
    b = u.select(_da=u.adcode, _ds=u.scale, dst=u.unit)
    j = f.join(a, f.src_adcode == a._sa).join(b, [f.dst_adcode == b._da, a.scale == b._ds])
    keys = ["layer", "source", "scale", *time, "chain", "segment", "partial", "src", "dst"]
    g = j.group_by(keys).aggregate(n=j.n.sum(), value=j.value.sum(), n_valued=j.n_valued.sum())
    return _chain_totals(g, [k for k in keys if k not in ("chain", "segment")], ["n", "value", "n_valued"])


def node_places(facts: ir.Table, lookup: ir.Table) -> ir.Table:
    """Node facts summed per (attr, year, period, chain, segment, adcode): ``value`` (NULL when no record had one)
    and ``n_valued``. Facts without a place keep ``adcode`` NULL (reported by :func:`unallocated`). ``period`` is
    the sub-annual period of the records reported for one (NULL for the rest): a year's figure sums its rows.

    A fact assigned to a segment through a partial class (``seg_lookup.partial``: an entity whose industry code is
    a ``"6513*"`` class) is counted under ``<attr>_partial`` in that segment (``revenue_partial``...), not under
    ``attr``; firms and employees arrive already so named from :func:`~chainatlas.pipeline.facts.node_facts`."""
    f = _with_chains(facts, lookup, ["attr", "year", "period", "adcode"])
    return f.group_by(["attr", "year", "period", "chain", "segment", "adcode"]).aggregate(
        value=f.n.sum(), n_valued=f.n_valued.sum()
    )


def _nodes_to_units(
    places: ir.Table, units: ir.Table, scales: Sequence[str], time: Sequence[str] = ("year",)
) -> ir.Table:
    u = units.filter(units.scale.isin(list(scales)))
    j = places.join(u, places.adcode == u.adcode)
    keys = ["attr", "scale", *time, "chain", "segment", "unit"]
    g = j.group_by(keys).aggregate(value=j.value.sum(), n_valued=j.n_valued.sum())
    return _chain_totals(g, [k for k in keys if k not in ("chain", "segment")], ["value", "n_valued"])


def aggregate_nodes(facts: ir.Table, lookup: ir.Table, units: ir.Table, scales: Sequence[str]) -> ir.Table:
    """Node attributes per (attr, scale, year, chain, segment, unit): ``value`` and ``n_valued``.

    ``value`` is the sum of the known values (NULL when none was known: unknown is not 0); ``n_valued`` the
    records that had one — for counts (firms, patents) it equals ``value``; for amounts (revenue, employees,
    imports...) ``value / n_valued`` is the mean over the records that reported it. A place known only to a
    coarser level has no unit at a finer scale: it counts at its level and above (:func:`unallocated`).
    """
    f = facts if "n_valued" in facts.columns else facts.mutate(n_valued=ibis.literal(1.0))
    return _nodes_to_units(node_places(f, lookup), units, scales)


def _sub_periods(t: ir.Table) -> ir.Table:
    """Rows with a sub-annual ``period`` once per month and once per quarter: a month's row also counts in its
    quarter (``2024-05`` → ``2024Q2``), a quarter's row only there. Adds ``period_type``."""
    t = t.filter(t.period.notnull())
    is_month = t.period.length() == 7
    month = t.filter(is_month).mutate(period_type=ibis.literal("month"))
    q = ((t.period.substr(5, 2).cast("int32") + 2) // 3).cast("string")
    quarter = t.mutate(
        period=ibis.cases((is_month, t.year.cast("string") + ibis.literal("Q") + q), else_=t.period),
        period_type=ibis.literal("quarter"),
    )
    return month.union(quarter.select(*month.columns), distinct=False)


def sub_annual(
    facts: ir.Table, places: ir.Table, lookup: ir.Table, units: ir.Table, scales: Sequence[str]
) -> tuple[ir.Table, ir.Table]:
    """The sub-annual layers: ``layer_edges`` and ``node_attrs`` of the facts reported for a month or a
    quarter, per ``period`` (``2024-05``, ``2024Q2``) and ``period_type`` (``month``, ``quarter``).

    ``facts`` are edge facts and ``places`` the :func:`node_places` rows; only rows with a ``period`` count. A
    quarter holds the records reported for it and those of its months, so a quarter whose months are partly
    reported is partial: :func:`chainatlas.pipeline.query.sub_periods` says which kinds and months it holds.
    """
    time = ("year", "period", "period_type")
    edges = aggregate_edges(_sub_periods(facts), lookup, units, scales, time)
    nodes = _nodes_to_units(_sub_periods(places), units, scales, time)
    return edges, nodes


_UNALLOCATED_SCALES = ("county", "city", "province", "region")


def unallocated(
    facts: ir.Table, places_by_attr: ir.Table, places: ir.Table, units: ir.Table, scales: Sequence[str]
) -> ir.Table:
    """Records counted at a coarser level only: what a scale's units do not hold.

    Columns ``scale, year, what ('edge' | 'node'), layer (NULL for node attributes), item (the edge source,
    e.g. ``supply_links``, or the node attribute, e.g. ``firms``), level, records, value, n_valued``. ``level``
    is the finest level the record's place is known at — ``province`` or ``city`` (for an edge, the coarser
    of its two ends) — or ``none`` (no place at all: counted at no scale). ``facts`` counts entity-level facts
    (edges) or records (nodes); ``records`` sums ``n`` (edges: records, or a flow's volume) or
    ``n_valued`` (node attributes; for counts such as firms the number of records), ``value`` the amounts.
    All chains together (segment rows are not repeated). Functional areas are not reported (most places
    belong to none).
    """
    todo = [s for s in scales if s in _UNALLOCATED_SCALES]
    sc = ibis.memtable({"_scale": todo or ["region"]}, schema={"_scale": "string"})
    if not todo:
        sc = sc.filter(sc._scale != "region")
    lvl = places.select(
        _ad=places.adcode, _lv=ibis.cases((places.adcode == "310000", "city"), else_=places.level)
    )
    u = units.select(_ua=units.adcode, _us=units.scale, _uu=units.unit)

    def level_of(t: ir.Table, col: str, out: str) -> ir.Table:
        j = t.left_join(lvl, t[col] == lvl._ad)
        return j.mutate(**{out: j._lv.fill_null("none")}).drop("_ad", "_lv")

    def has_unit(t: ir.Table, col: str, out: str) -> ir.Table:
        j = t.left_join(u, [t[col] == u._ua, t._scale == u._us])
        return j.mutate(**{out: j._uu.notnull()}).drop("_ua", "_us", "_uu")

    e = _valued(facts).cross_join(sc)
    e = has_unit(has_unit(e, "src_adcode", "_hs"), "dst_adcode", "_hd")
    e = e.filter(~(e._hs & e._hd))
    e = level_of(level_of(e, "src_adcode", "_ls"), "dst_adcode", "_ld")
    rank = {"none": 0, "province": 1, "city": 2, "county": 3}

    def r(col: ir.Value) -> ir.Value:
        return ibis.cases(*[(col == k, v) for k, v in rank.items()], else_=0)

    e = e.mutate(_level=ibis.cases((r(e._ls) <= r(e._ld), e._ls), else_=e._ld))
    edges = e.group_by(["_scale", "year", "layer", "source", "_level"]).aggregate(
        facts=e.count(), records=e.n.sum(), value=e.value.sum(), n_valued=e.n_valued.sum()
    )
    edges = edges.select(
        scale=edges._scale,
        year=edges.year,
        what=ibis.literal("edge"),
        layer=edges.layer,
        item=edges.source,
        level=edges._level,
        facts=edges.facts.cast("float64"),
        records=edges.records,
        value=edges.value,
        n_valued=edges.n_valued,
    )
    p = places_by_attr.filter(places_by_attr.chain == ALL).cross_join(sc)
    p = has_unit(p, "adcode", "_h")
    p = level_of(p.filter(~p._h), "adcode", "_level")
    nodes = p.group_by(["_scale", "year", "attr", "_level"]).aggregate(
        records=p.n_valued.sum(), value=p.value.sum(), n_valued=p.n_valued.sum()
    )
    nodes = nodes.select(
        scale=nodes._scale,
        year=nodes.year,
        what=ibis.literal("node"),
        layer=ibis.null().cast("string"),
        item=nodes.attr,
        level=nodes._level,
        facts=nodes.records,
        records=nodes.records,
        value=nodes.value,
        n_valued=nodes.n_valued,
    )
    return edges.union(nodes, distinct=False)


def _years_to_build(backend: Backend, years: Sequence[int] | None, full: bool) -> list[int]:
    known = sorted(
        int(y) for y in backend.execute(backend.table("batch_years").select("year").distinct())["year"]
    )
    if years:
        bad = sorted(set(years) - set(known))
        if bad:
            raise ConfigError(
                f"no loaded records for {bad}; periods with data: {known or 'none'}", param="periods"
            )
        return sorted(set(years))
    if full:
        return known
    dirty = backend.execute(backend.table("dirty_years"))["year"]
    return sorted({int(y) for y in dirty} & set(known))


def _taxonomy_fingerprint(tax: Taxonomy) -> str:
    """A hash of the chains, segments and concordance a build used (what the chain rows depend on)."""
    h = hashlib.sha256()
    for frame in (tax.chains, tax.segments, tax.concordance):
        h.update(frame.to_csv(index=False).encode("utf-8"))
    return h.hexdigest()


def build(
    backend: Backend,
    *,
    years: Sequence[int] | None = None,
    scales: Sequence[str] | None = None,
    full: bool = False,
    taxonomy: Taxonomy | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Rebuild layers and node attributes for the given (default: touched) years.

    A year stays marked for rebuilding until every step has been stored, so a failed build is
    redone by the next one.
    """
    scales = list(scales or SCALES)
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        raise ConfigError(f"unknown scale(s) {unknown}; expected some of {', '.join(SCALES)}", param="scales")
    say = progress or (lambda step, i, n: None)
    report = BuildReport(years=[], scales=scales)
    clock = time.perf_counter()
    tax = taxonomy or atlas_taxonomy()
    with backend.transaction():
        register = refresh_reference(backend, tax)
    # a chain added, removed or re-mapped changes the chain rows of every period: rebuild them all
    fingerprint = _taxonomy_fingerprint(tax)
    if backend.get_meta("taxonomy") not in (None, fingerprint):
        full, years = True, None
    report.named_entities = register["named_entities"]
    report.ambiguous_names = register["ambiguous_names"]
    mismatch = register_mismatches(backend)
    report.unregistered, report.renamed = int(mismatch["unregistered"].sum()), int(mismatch["renamed"].sum())
    report.seconds["reference"] = time.perf_counter() - clock
    if _outputs_outdated(backend):  # built by an earlier version: rebuild everything in the current shape
        full, years, scales = True, None, list(SCALES)
        report.scales = scales
    todo = _years_to_build(backend, years, full)
    report.years = todo
    if not todo:
        return report
    t = backend.table
    # undated alliance ties start in the first loaded year, whichever years this build covers
    first = int(backend.execute(t("batch_years").aggregate(y=lambda r: r.year.min()))["y"].iloc[0])
    steps = ["parties", "facts", "edges", "nodes", "unallocated", "sub-annual"]
    # rebuilding every year at every scale: recreate tables instead of deleting millions of rows
    whole = set(todo) >= set(_years_to_build(backend, None, True)) and set(scales) == set(SCALES)
    # one transaction per step: a step reads the previous one's committed tables, which DuckDB scans
    # far faster than a transaction's own uncommitted rows. A failure leaves the years dirty (they are
    # cleared only at the end), so the next build redoes them; no reader can open the atlas meanwhile.
    for i, step in enumerate(steps):
        say(step, i, len(steps))
        clock = time.perf_counter()
        with backend.transaction():
            if step == "parties":
                backend.replace_table("parties", parties(t, todo, min_year=first))
            elif step == "facts":
                resolve = Resolver(t, t("parties"))
                _store(backend, "facts", edge_facts(t, todo, first, resolve), todo, replace=whole)
            elif step == "edges":
                facts = t("facts").filter(t("facts").year.isin(todo))
                _store(
                    backend,
                    "layer_edges",
                    aggregate_edges(facts, t("seg_lookup"), t("scale_units"), scales),
                    todo,
                    scales,
                    replace=whole,
                )
            elif step == "nodes":
                # node facts are aggregated per place as they are computed, then mapped to every scale
                _store(
                    backend,
                    "node_places",
                    node_places(node_facts(t, todo, first, Resolver(t, t("parties"))), t("seg_lookup")),
                    todo,
                    replace=whole,
                )
                np_ = t("node_places").filter(t("node_places").year.isin(todo))
                _store(
                    backend,
                    "node_attrs",
                    _nodes_to_units(np_, t("scale_units"), scales),
                    todo,
                    scales,
                    replace=whole,
                )
            elif step == "sub-annual":
                facts = t("facts").filter(t("facts").year.isin(todo))
                np_ = t("node_places").filter(t("node_places").year.isin(todo))
                edges, nodes = sub_annual(facts, np_, t("seg_lookup"), t("scale_units"), scales)
                _store(backend, "layer_edges_sub", edges, todo, scales, replace=whole)
                _store(backend, "node_attrs_sub", nodes, todo, scales, replace=whole)
            else:
                facts = t("facts").filter(t("facts").year.isin(todo))
                np_ = t("node_places").filter(t("node_places").year.isin(todo))
                _store(
                    backend,
                    "unallocated",
                    unallocated(facts, np_, t("places"), t("scale_units"), scales),
                    todo,
                    scales,
                    replace=whole,
                )
        report.seconds[step] = time.perf_counter() - clock
    with backend.transaction():
        f = t("facts").filter(t("facts").year.isin(todo))
        per_year = backend.execute(
            f.group_by("year").aggregate(
                facts=f.count(), unplaced=(f.src_adcode.isnull() | f.dst_adcode.isnull()).cast("int64").sum()
            )
        )
        report.facts = int(per_year["facts"].sum())
        report.unplaced = int(per_year["unplaced"].sum())
        # a year whose records are all node attributes (customs, tax only) is built too
        npl = t("node_places")
        node_years = backend.execute(npl.filter(npl.year.isin(todo)).select("year").distinct())["year"]
        extra = sorted(set(node_years.astype(int)) - set(per_year["year"].astype(int)))
        if extra:
            per_year = pd.concat(
                [per_year, pd.DataFrame({"year": extra, "facts": 0, "unplaced": 0})], ignore_index=True
            )
        for name in ("layer_edges", "node_attrs"):
            n = backend.execute(t(name).filter(t(name).year.isin(todo)).count().as_table()).iloc[0, 0]
            setattr(report, "edges" if name == "layer_edges" else "nodes", int(n))
        ua = t("unallocated")
        ua = ua.filter(ua.year.isin(todo) & (ua.what == "edge") & (ua.level != "none"))
        per_scale = backend.execute(ua.group_by("scale").aggregate(records=ua.facts.sum()))
        report.unallocated = {
            s: float(per_scale.loc[per_scale["scale"] == s, "records"].sum()) for s in scales if s != "area"
        }
        backend.delete_in("dirty_years", year=todo)
        backend.delete_in("builds", year=todo)
        backend.insert(
            "builds",
            pd.DataFrame(
                {
                    "year": per_year["year"].astype("int16"),
                    "built_at": pd.Timestamp.now(),
                    "facts": per_year["facts"].astype("int64"),
                    "unplaced": per_year["unplaced"].astype("int64"),
                }
            ),
        )
    backend.set_meta("taxonomy", fingerprint)
    say("done", len(steps), len(steps))
    return report


#: tables :func:`refresh_reference` writes (the register, lookups and geography the layers are made from)
REFERENCE_TABLES = (
    "places",
    "scale_units",
    "chains",
    "segments",
    "entities",
    "entity_ambiguities",
    "entity_names",
    "seg_lookup",
)
#: tables the build's steps write
LAYER_TABLES = (
    "facts",
    "layer_edges",
    "node_places",
    "node_attrs",
    "unallocated",
    "layer_edges_sub",
    "node_attrs_sub",
)
#: every table a build writes, bookkeeping included: what another engine's build hands back to the atlas
BUILD_OUTPUTS = (*REFERENCE_TABLES, *LAYER_TABLES, "builds", "dirty_years")


#: columns a current build writes; an atlas built before them is rebuilt in full
_OUTPUT_COLUMNS = {
    "layer_edges": ("n_valued", "partial"),
    "node_attrs": ("n_valued",),
    "facts": ("period",),
    "node_places": ("period",),
}


def _outputs_outdated(backend: Backend) -> bool:
    needed = ("node_places", "unallocated", "layer_edges_sub", "node_attrs_sub")
    if any(not backend.has_table(n) for n in needed) and backend.has_table("node_attrs"):
        return True
    return any(
        backend.has_table(name) and col not in backend.table(name).columns
        for name, cols in _OUTPUT_COLUMNS.items()
        for col in cols
    )


def build_notes(backend: Backend) -> dict[str, pd.DataFrame]:
    """What the last builds could not allocate or match, for ``chainatlas info`` and the API meta.

    Returns
    -------
    dict
        ``unallocated``: per ``scale, year, what, layer, item, level`` the ``records``, ``value`` and ``n_valued``
        counted only at a coarser level (see :func:`unallocated`); ``ambiguous``: the table
        ``entity_ambiguities`` (``name_norm, entities, places, reason``). Empty frames before the first build.
    """
    out = {}
    for key, name in (("unallocated", "unallocated"), ("ambiguous", "entity_ambiguities")):
        out[key] = backend.execute(backend.table(name)) if backend.has_table(name) else pd.DataFrame()
    return out


def _store(
    backend: Backend,
    name: str,
    expr: ir.Table,
    years: Sequence[int],
    scales: Sequence[str] | None = None,
    *,
    replace: bool = False,
) -> None:
    """Replace the rows of ``years`` (and ``scales``) of table ``name`` with ``expr``."""
    if backend.has_table(name) and not replace:
        backend.delete_in(name, year=years, **({"scale": scales} if scales else {}))
        backend.insert(name, expr)
    else:
        backend.replace_table(name, expr)
