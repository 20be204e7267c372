"""What makes an edge: the six layers defined once, as Ibis expressions over the raw records.

Every definition here is engine-neutral (Ibis compiles it to DuckDB or Spark SQL); nothing in
this module knows which engine runs it. A *fact* is one entity-level edge or node observation:

- edge facts: ``layer, source, year, period, src, dst, src_adcode, dst_adcode, n, value, ck_type, ck``
- node facts: ``attr, year, period, adcode, n, n_valued, ck_type, ck``

``period`` is the record's own period when it was reported for less than a year (customs per month ``2024-05``,
tax per quarter ``2024Q2``), else NULL: the annual layers sum every fact of a year whatever its period, and the
sub-annual layers (:func:`chainatlas.pipeline.build.sub_annual`) read only the facts that have one. Dated records
(patents, contracts...) stay annual: a date dates the record, it does not report a period's flow.

Unknown is never 0: an edge fact's ``value`` is NULL when the record has no amount (a blank cell, or a kind
without amounts such as patents); a node fact's ``n`` (the attribute's value) is NULL when unknown and
``n_valued`` counts the records behind it that had a value (for counts such as firms or patents it equals ``n``).

``n`` counts records (multi-party records are split fractionally, so a patent with k applicants
adds 1 in total over its k(k-1)/2 applicant pairs — the fractional counting of bibliometrics);
``value`` is the record's amount in the unit of its source (万元, flow volume...). A flow (``raw_flows``) is an
aggregate of movements and counts as its volume: its ``n`` is its ``value`` (:func:`_flow_facts`). ``ck_type`` and
``ck`` say how the record is assigned to a chain segment: ``e`` the entity's industry code, ``i``
the patent's main IPC, ``h`` the HS product, ``x`` an explicit ``chain:segment`` in the record,
``-`` none, ``c`` a row already assigned to ``chain:segment`` (it is not counted again in the
all-chains total).

Partial members: an entity whose industry code reaches a segment only through a class of which only part belongs
(``"6513*"`` in the chain file; ``seg_lookup.partial``) is counted in that segment under ``firms_partial`` and
``employees_partial`` (and its ``e`` facts under ``<attr>_partial``, e.g. ``revenue_partial``), never under
``firms``/``employees``/``revenue``. The all-chains totals (``-`` facts) are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = [
    "EDGE_COLUMNS",
    "FEEDS",
    "NODE_COLUMNS",
    "PARTIAL_SUFFIX",
    "STOCK_ATTRS",
    "Feeds",
    "Resolver",
    "edge_facts",
    "enclave_places",
    "entities",
    "entity_names",
    "named_firms",
    "node_facts",
    "parties",
]

EDGE_COLUMNS = (
    "layer",
    "source",
    "year",
    "period",
    "src",
    "dst",
    "src_adcode",
    "dst_adcode",
    "n",
    "value",
    "ck_type",
    "ck",
)
NODE_COLUMNS = ("attr", "year", "period", "adcode", "n", "n_valued", "ck_type", "ck")
#: node attributes that are stocks (counted in every year from their start), not flows
STOCK_ATTRS = (
    "firms",
    "employees",
    "universities",
    "institutes",
    "experts",
    "enclave_agreements",
    "tax_sharing_agreements",
    "voucher_recognitions",
)
#: suffix of an attribute counted through a partial concordance class (``firms`` → ``firms_partial``)
PARTIAL_SUFFIX = "_partial"

T = Callable[[str], ir.Table]


@dataclass(frozen=True)
class Feeds:
    """What one input kind contributes to the layers.

    ``edges``: the ``source`` values of its edge facts (``name.*`` = any ``name.<subtype>``); ``attrs``: the node
    attributes it counts. A kind that feeds no edge must feed a node attribute (``tests/test_kinds.py`` checks
    both against a built atlas).
    """

    edges: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()


#: Every input kind and the facts it feeds; :func:`edge_facts` and :func:`node_facts` below implement it.
FEEDS: dict[str, Feeds] = {
    # the entity register: no edge of its own, but every party of every edge is resolved against it
    "firms": Feeds(attrs=("firms", "employees", "universities", "institutes")),
    "patents": Feeds(edges=("patents", "patents.univ_firm"), attrs=("patents",)),
    "patent_transfers": Feeds(edges=("patent_transfers.*",)),
    "papers": Feeds(edges=("papers",), attrs=("papers",)),
    "tech_contracts": Feeds(edges=("tech_contracts.*",), attrs=("tech_sold", "tech_bought")),
    "supply_links": Feeds(edges=("supply_links",)),
    "investments": Feeds(edges=("investments.*",)),
    "trade": Feeds(attrs=("imports", "exports")),  # partners are countries, not places of the region
    "tax": Feeds(edges=("tax_sharing",), attrs=("revenue", "tax_paid")),
    "flows": Feeds(edges=("flows.*",)),
    "services": Feeds(edges=("services.*",)),
    # enclave co-building (industry) and the origin's part of the joint funding (value)
    "enclaves": Feeds(edges=("enclaves", "enclave_funds"), attrs=("enclave_output",)),
    # the cooperation ledgers (issue 15): operator equity (value), voucher redemptions (service); the agreements
    # are stocks counted per place
    "enclave_terms": Feeds(attrs=("enclave_agreements",)),
    "enclave_shareholders": Feeds(edges=("enclave_equity",)),
    "tax_sharing": Feeds(attrs=("tax_sharing_agreements",)),
    "vouchers": Feeds(edges=("vouchers",)),
    "recognitions": Feeds(attrs=("voucher_recognitions",)),
    "policies": Feeds(attrs=("policies",)),
    "needs": Feeds(attrs=("needs",)),
    "experts": Feeds(attrs=("experts",)),
    "alliances": Feeds(edges=("alliances",)),
    # open calls (揭榜挂帅, issue 16): tasks done and outcomes, from the winning team's members to the posting place;
    # the call places the tie (its posting place, chain and segment) and the bids name the team
    "open_calls": Feeds(edges=("open_call_tasks", "open_call_outcomes.*")),
    "open_call_bids": Feeds(edges=("open_call_tasks", "open_call_outcomes.*")),
    "open_call_tasks": Feeds(edges=("open_call_tasks",)),
    "open_call_outcomes": Feeds(edges=("open_call_outcomes.*",)),
}


def _s(v: str) -> ir.Value:
    return ibis.literal(v, type="string")


def _null_s() -> ir.Value:
    return ibis.null().cast("string")


def _sub_period(t: ir.Table) -> ir.Value:
    """The record's period when finer than a year (``2024-05``, ``2024Q2``), else NULL.

    Only kinds whose period field is a reported period carry a ``period`` column (supply links, trade, tax,
    flows, enclaves, enclave shareholders); a year-long period (``2024``) is the annual layers' alone.
    """
    if "period" not in t.columns:
        return _null_s()
    p = t.period.cast("string")
    return ibis.cases((p.length() > 4, p), else_=_null_s())


def _null_f() -> ir.Value:
    """No amount: records without one (patents, papers, alliance ties) carry NULL, never 0."""
    return ibis.null().cast("float64")


def entities(table: T) -> ir.Table:
    """Entities of the register (``raw_firms``) that carry a credit code: one per code, the latest row wins.

    Rows without a code are linked by name in :func:`chainatlas.model.names.link_named_entities` (the build
    adds them to the ``entities`` table with ids ``N:<normalised name>``); see :func:`named_firms`.
    """
    f = table("raw_firms")
    f = f.filter(f.credit_code.notnull())
    w = ibis.window(group_by=f.credit_code, order_by=[ibis.desc(f.batch_id), ibis.desc(f.row_number)])
    f = f.mutate(_rank=ibis.row_number().over(w))
    f = f.filter(f._rank == 0)
    return f.select(
        entity_id=f.credit_code,
        name=f.name,
        name_norm=f.name_norm,
        entity_type=f.entity_type.fill_null("firm"),
        adcode=f.adcode,
        industry_code=f.industry_code,
        other_industry_codes=f.other_industry_codes,
        founded_year=f.year.cast("int16"),
        employees=f.employees.cast("float64"),
        registered_capital=f.registered_capital,
        synthetic=f.synthetic,
    )


def named_firms(table: T) -> ir.Table:
    """Register rows without a credit code, with an ``order`` (later batches and rows last)."""
    f = table("raw_firms")
    f = f.filter(f.credit_code.isnull() & f.name_norm.notnull())
    return f.select(
        name=f.name,
        name_norm=f.name_norm,
        entity_type=f.entity_type.fill_null("firm"),
        adcode=f.adcode,
        industry_code=f.industry_code,
        other_industry_codes=f.other_industry_codes,
        founded_year=f.year.cast("int16"),
        employees=f.employees.cast("float64"),
        registered_capital=f.registered_capital,
        synthetic=f.synthetic,
        order=f.batch_id.cast("int64") * 10_000_000_000 + f.row_number.cast("int64"),
    )


def enclave_places(table: T) -> ir.Table:
    """Each enclave of ``raw_enclaves`` once, as its latest row reports it: ``enclave_id, enclave_name,
    origin_adcode, host_adcode, enclave_type, direction`` (the latest period wins, then the latest batch and row).

    The kinds that name an enclave by its id alone (``enclave_terms``, ``enclave_shareholders``,
    ``tax_sharing``) reach its places through this table.
    """
    e = table("raw_enclaves")
    w = ibis.window(
        group_by=e.enclave_id,
        order_by=[ibis.desc(e.year), ibis.desc(e.period), ibis.desc(e.batch_id), ibis.desc(e.row_number)],
    )
    e = e.mutate(_rank=ibis.row_number().over(w))
    e = e.filter(e._rank == 0)
    return e.select(
        "enclave_id",
        "enclave_name",
        origin_adcode=e.origin_adcode.cast("string"),
        host_adcode=e.host_adcode.cast("string"),
        enclave_type=e.enclave_type.fill_null("industrial"),
        direction=e.direction.fill_null("forward"),
    )


def _prov(adcode: ir.StringValue) -> ir.StringValue:
    return adcode.substr(0, 2)


def _city(adcode: ir.StringValue) -> ir.StringValue:
    """First four digits; NULL for a province-level code (Shanghai 310000 is the city 3101)."""
    return ibis.cases(
        (adcode == "310000", _s("3101")), (adcode.substr(2, 2) == "00", _null_s()), else_=adcode.substr(0, 4)
    )


def entity_names(ent: ir.Table) -> ir.Table:
    """Names that identify one entity: the fallback key when a record gives no credit code.

    ``scope`` ``name``: the only entity with this normalised name; ``city`` / ``prov``: the only one with this
    name in the city (4 digits) / province (2 digits) ``place_key`` — a name shared by entities in different
    places still resolves for a record whose place tells them apart.
    """
    e = ent.filter(ent.name_norm.notnull()).mutate(_pv=_prov(ent.adcode), _ct=_city(ent.adcode))
    cols = {"_n_eid": "entity_id", "_n_adcode": "adcode", "_n_type": "entity_type"}
    parts = []
    for scope, key in (("name", None), ("city", "_ct"), ("prov", "_pv")):
        keys = ["name_norm"] + ([key] if key else [])
        src = e if key is None else e.filter(e[key].notnull())
        g = src.group_by(keys).aggregate(
            _k=src.entity_id.count(), **{c: src[v].max() for c, v in cols.items()}
        )
        g = g.filter(g._k == 1)
        parts.append(
            g.select(
                "name_norm",
                scope=_s(scope),
                place_key=(g[key] if key else _null_s()).cast("string"),
                **{c: g[c] for c in cols},
            )
        )
    return ibis.union(*parts, distinct=False)


class Resolver:
    """Links a party of a record to an entity: by credit code, else by normalised name (and place).

    A name resolves to the one entity that carries it, else to the one entity with that name in the record's
    city, else in its province; a record's place must be compatible with the entity's (same province, and same
    city where both are known). A record whose code is not in the register resolves by name only to an entity
    without a code. Unresolved parties keep their code, else ``N:<normalised name>``. The party's place is the
    record's own adcode, else the matched entity's. Reads the ``entities`` and ``entity_names`` tables that the
    build materialises once, so the many joins below do not recompute them.

    Given ``parties`` (the table :func:`parties` computes, which the build stores once per build), a party is
    looked up there instead of resolved again: one join per party instead of four, and statements a tenth the
    size (the facts of ``small`` compiled to 654 KB of SQL, 65 KB with ``parties``; its node facts 301 → 41 KB).
    The resolution of a key depends on the key alone — ``(code, adcode, norm)``, a missing column reading as
    NULL — so one table serves every kind of record.
    """

    def __init__(self, table: T, parties: ir.Table | None = None, *, record_only: bool = False):
        ent = table("entities")
        self.by_code = ent.select(_eid=ent.entity_id, _e_adcode=ent.adcode, _e_type=ent.entity_type)
        self.names = table("entity_names")
        self.parties = parties
        #: only note the keys, answering NULL (see :func:`parties`)
        self.record_only = record_only
        #: the keys of every party asked for so far, as ``code, adcode, norm`` (see :func:`parties`)
        self.keys: list[ir.Table] = []

    def __call__(self, t: ir.Table, code: str, adcode: str | None, norm: str | None, out: str) -> ir.Table:
        """Add ``<out>_eid``, ``<out>_place`` and ``<out>_type`` columns to ``t``.

        The four lookups run on the distinct keys (a firm appears in many records: 18 M supply link-years of
        ``large`` carry about a million distinct suppliers), and one NULL-safe join brings the answer back.
        Four joins carrying every column of every record made the facts step grow faster than the records:
        the facts of large's two biggest years took 91 s (164 CPU-s) that way and take 40 s (76 CPU-s) now.
        """
        cols = {"code": code, "adcode": adcode, "norm": norm}
        self.keys.append(t.select(**{k: _as_string(t[c]) if c else _null_s() for k, c in cols.items()}))
        if self.record_only:
            return t.mutate(**{f"{out}_{c}": _null_s() for c in ("eid", "place", "type")})
        if self.parties is not None:
            p = self.parties
            found = p.select(
                **{f"_rk_{k}": p[k] for k in cols}, **{f"{out}_{c}": p[c] for c in ("eid", "place", "type")}
            )
            # a column the record lacks is NULL in its key
            cond = [
                _as_string(t[c]).identical_to(found[f"_rk_{k}"]) if c else found[f"_rk_{k}"].isnull()
                for k, c in cols.items()
            ]
        else:
            keys = [c for c in (code, adcode, norm) if c is not None]
            found = self._resolve(t.select(*keys).distinct(), code, adcode, norm, out)
            found = found.rename({f"_rk_{c}": c for c in keys})
            cond = [t[c].identical_to(found[f"_rk_{c}"]) for c in keys]
        j = t.left_join(found, cond)
        return j.drop(*[c for c in j.columns if c.startswith("_rk_")])

    def _resolve(self, t: ir.Table, code: str, adcode: str | None, norm: str | None, out: str) -> ir.Table:
        j = t.left_join(self.by_code, t[code] == self.by_code._eid)
        drop = ["_eid", "_e_adcode", "_e_type", "_r_own", "_r_pv", "_r_ct"]
        own = j[adcode] if adcode else _null_s()
        j = j.mutate(_r_own=own, _r_pv=_prov(own), _r_ct=_city(own))
        scopes = (("name", None), ("city", "_r_ct"), ("prov", "_r_pv"))
        if norm is not None:
            for scope, key in scopes:
                nm = self.names.filter(self.names.scope == scope)
                sfx = f"_{scope}"
                nm = nm.select(
                    **{f"_nn{sfx}": nm.name_norm, f"_pk{sfx}": nm.place_key},
                    **{f"{c}{sfx}": nm[c] for c in ("_n_eid", "_n_adcode", "_n_type")},
                )
                cond = [j[norm] == nm[f"_nn{sfx}"]] + ([j[key] == nm[f"_pk{sfx}"]] if key else [])
                j = j.left_join(nm, cond)
                j = j.drop(f"_nn{sfx}", f"_pk{sfx}")
                drop += [f"_n_eid{sfx}", f"_n_adcode{sfx}", f"_n_type{sfx}"]
        if norm is None:
            eid, place, etype = j[code], ibis.coalesce(j._r_own, j._e_adcode), j._e_type
        else:
            # each tier's test is a column of its own: written inline it was repeated in the three picks below,
            # tripling the SQL of every party (the facts statement compiled to 433 KB, most of the build's time
            # on a small atlas)
            oks = {}
            for scope, _ in scopes:
                sfx = f"_{scope}"
                ea = j[f"_n_adcode{sfx}"]
                ok = j[f"_n_eid{sfx}"].notnull() & (
                    j._r_own.isnull()
                    | ea.isnull()
                    | ((j._r_pv == _prov(ea)) & (j._r_ct == _city(ea)).fill_null(True))
                )
                # a record with a code of its own matches by name only an entity that has none
                oks[f"_ok{sfx}"] = ok & (j[code].isnull() | j[f"_n_eid{sfx}"].startswith("N:"))
            j = j.mutate(**oks)
            drop += list(oks)

            def pick(col: str) -> ir.Value:
                return ibis.cases(*[(j[f"_ok_{s}"], j[f"{col}_{s}"]) for s, _ in scopes], else_=_null_s())

            eid = ibis.coalesce(j._eid, pick("_n_eid"), j[code], _s("N:") + j[norm])
            place = ibis.coalesce(j._r_own, j._e_adcode, pick("_n_adcode"))
            etype = ibis.coalesce(j._e_type, pick("_n_type"))
        j = j.mutate(**{f"{out}_eid": eid, f"{out}_place": place, f"{out}_type": etype})
        return j.drop(*[c for c in drop if c in j.columns])


def _as_string(v: ir.Value) -> ir.Value:
    return v if v.type().is_string() else v.cast("string")


def parties(table: T, years: Sequence[int], min_year: int = 2015) -> ir.Table:
    """Every party :func:`edge_facts` and :func:`node_facts` resolve for ``years``, resolved once: ``code,
    adcode, norm`` (the key: credit code, the record's own adcode, normalised name; NULL where the record has
    none) and ``eid, place, type`` (see :class:`Resolver`).

    The keys are the ones the two definitions ask for — they are built once with a :class:`Resolver` that only
    records them — so no list of party columns is kept apart from them. It answers NULL, so a key must come from
    the records, never from another party's resolution (none does; a test checks that every key the facts look
    up is here): recorded through a resolving :class:`Resolver`, the key of a record's second party was selected
    from the join that resolved its first, and ``large``'s parties took 33 s instead of 12.5.
    """
    resolve = Resolver(table, record_only=True)
    edge_facts(table, years, min_year, resolve=resolve)
    node_facts(table, years, min_year, resolve=resolve)
    keys = ibis.union(*resolve.keys, distinct=True)
    r = resolve._resolve(keys, "code", "adcode", "norm", "r")
    return r.select("code", "adcode", "norm", eid=r.r_eid, place=_as_string(r.r_place), type=r.r_type)


def _edge(
    t: ir.Table,
    layer: str | ir.Value,
    source: ir.Value | str,
    src: ir.Value,
    dst: ir.Value,
    src_adcode: ir.Value,
    dst_adcode: ir.Value,
    n: ir.Value | float,
    value: ir.Value | float,
    ck_type: ir.Value | str,
    ck: ir.Value | None,
) -> ir.Table:
    def lit(v: Any, typ: str) -> ir.Value:
        return v if isinstance(v, ir.Value) else ibis.literal(v, type=typ)

    return t.select(
        layer=lit(layer, "string"),
        source=lit(source, "string"),
        year=t.year.cast("int16"),
        period=_sub_period(t),
        src=src.cast("string"),
        dst=dst.cast("string"),
        src_adcode=src_adcode.cast("string"),
        dst_adcode=dst_adcode.cast("string"),
        n=lit(n, "float64").cast("float64"),
        value=lit(value, "float64").cast("float64"),
        ck_type=lit(ck_type, "string"),
        ck=(ck if ck is not None else _null_s()).cast("string"),
    )


def _explicit_or(t: ir.Table, fallback_type: str, fallback: ir.Value) -> tuple[ir.Value, ir.Value]:
    """Chain assignment: the record's own chain/segment when given, else ``fallback``."""
    has = t.chain.notnull()
    ck_type = ibis.cases((has, _s("x")), else_=_s(fallback_type))
    ck = ibis.cases((has, t.chain + _s(":") + t.segment.fill_null("")), else_=fallback)
    return ck_type, ck


def ipc_main(ipc: ir.StringValue) -> ir.StringValue:
    """First IPC symbol of a canonical '; '-joined list: the main classification."""
    return ipc.split(";")[0].strip()


def _in_years(t: ir.Table, years: Sequence[int] | None) -> ir.Table:
    return t if years is None else t.filter(t.year.isin(list(years)))


def _pairs(parties: ir.Table) -> ir.Table:
    """Unordered pairs of parties of one record with fractional weight 2/(k(k-1))."""
    a = parties
    b = parties.view()
    j = a.join(b, [a.record_id == b.record_id, a.seq < b.seq])
    k = j.n_parties.cast("float64")
    return j.select(
        record_id=j.record_id,
        year=j.year,
        a_eid=j.p_eid,
        b_eid=j.p_eid_right,
        a_place=j.p_place,
        b_place=j.p_place_right,
        a_type=j.p_type,
        b_type=j.p_type_right,
        n=2.0 / (k * (k - 1.0)),
    )


def _resolved_parties(table: T, resolve: Resolver, name: str, years: Sequence[int] | None) -> ir.Table:
    p = _in_years(table(f"raw_{name}_parties"), years)
    return resolve(p, "code", "adcode", "name_norm", "p")


def _flow_facts(f: ir.Table) -> list[ir.Table]:
    """Flow records as symbiosis facts (source ``flows.<type>``, origin → destination, no chain).

    A flow's volume (流量: trains, trips, people, tonnes) is its weight: ``n`` = ``value`` = the volume. A flows
    row is an aggregate of movements, so it counts as the movements it reports, as a file with one row per
    train would — and the default weight of every analysis and export (``n``) reads the volume without a
    per-layer rule. A zero volume is no tie (no fact). A ``symmetric`` row (双向: a rail or road link,
    commuting both ways) is half its volume each way, so an undirected reading sees the whole volume once and
    the layer's total stays the total of its records; a symmetric loop (origin = destination) stays one fact.
    """
    f = f.filter(f.value > 0)
    sym = (
        f.symmetric.fill_null(False) if "symmetric" in f.columns else ibis.literal(False)
    )  # pre-column atlases
    two_way = sym & (f.origin != f.destination)
    w = ibis.cases((two_way, f.value / 2.0), else_=f.value)
    f = f.mutate(_w=w, _two_way=two_way)
    back = f.filter(f._two_way)
    src = _s("flows.") + f.flow_type
    return [
        _edge(f, "symbiosis", src, f.origin, f.destination, f.origin, f.destination, f._w, f._w, "-", None),
        _edge(
            back,
            "symbiosis",
            _s("flows.") + back.flow_type,
            back.destination,
            back.origin,
            back.destination,
            back.origin,
            back._w,
            back._w,
            "-",
            None,
        ),
    ]


def edge_facts(
    table: T, years: Sequence[int] | None = None, min_year: int = 2015, resolve: Resolver | None = None
) -> ir.Table:
    """All edge facts of the six layers for ``years`` (None: all), as one union expression (parties resolved by
    ``resolve``, default a new :class:`Resolver`)."""
    resolve = resolve or Resolver(table)
    parts: list[ir.Table] = []

    # 共生 symbiosis: inter-city flows, and alliance co-membership (a co-built platform)
    parts.extend(_flow_facts(_in_years(table("raw_flows"), years)))
    al = resolve(table("raw_alliances"), "member_code", "member_adcode", "member_norm", "m")
    al = al.mutate(year=al.year.fill_null(min_year))
    a2 = al.view()
    ap = al.join(a2, [al.alliance_id == a2.alliance_id, al.m_eid < a2.m_eid])
    ap = ap.mutate(year=ibis.greatest(ap.year, ap.year_right))
    ap = _in_years(ap, years)
    parts.append(
        _edge(
            ap,
            "symbiosis",
            "alliances",
            ap.m_eid,
            ap.m_eid_right,
            ap.m_place,
            ap.m_place_right,
            1.0,
            _null_f(),
            "x",
            ap.chain + _s(":"),
        )
    )

    # 知识 knowledge: co-authored papers; university/institute–firm co-applied patents
    pp = _pairs(_resolved_parties(table, resolve, "papers", years))
    parts.append(
        _edge(
            pp, "knowledge", "papers", pp.a_eid, pp.b_eid, pp.a_place, pp.b_place, pp.n, _null_f(), "-", None
        )
    )
    pats = table("raw_patents").select(record_id="patent_id", _ipc="ipc")
    pt = _pairs(_resolved_parties(table, resolve, "patents", years))
    pt = pt.join(pats, "record_id")
    pt = pt.mutate(ck=ipc_main(pt._ipc))
    academic = ["university", "institute"]
    uf = pt.filter(
        (pt.a_type.isin(academic) & (pt.b_type == "firm"))
        | (pt.b_type.isin(academic) & (pt.a_type == "firm"))
    )
    parts.append(
        _edge(
            uf,
            "knowledge",
            "patents.univ_firm",
            uf.a_eid,
            uf.b_eid,
            uf.a_place,
            uf.b_place,
            uf.n,
            _null_f(),
            "i",
            uf.ck,
        )
    )

    # 创新 innovation: joint patents, transfers and licences, technology contracts
    parts.append(
        _edge(
            pt,
            "innovation",
            "patents",
            pt.a_eid,
            pt.b_eid,
            pt.a_place,
            pt.b_place,
            pt.n,
            _null_f(),
            "i",
            pt.ck,
        )
    )
    tr = _in_years(table("raw_patent_transfers"), years)
    tr = resolve(tr, "from_code", "from_adcode", "from_norm", "a")
    tr = resolve(tr, "to_code", "to_adcode", "to_norm", "b")
    tr = tr.left_join(pats.rename(_pid="record_id"), tr.patent_id == pats.rename(_pid="record_id")._pid)
    has_ipc = tr._ipc.notnull()
    parts.append(
        _edge(
            tr,
            "innovation",
            _s("patent_transfers.") + tr.transfer_type,
            tr.a_eid,
            tr.b_eid,
            tr.a_place,
            tr.b_place,
            1.0,
            tr.value,
            ibis.cases((has_ipc, _s("i")), else_=_s("e")),
            ibis.cases((has_ipc, ipc_main(tr._ipc)), else_=tr.a_eid),
        )
    )
    tc = _in_years(table("raw_tech_contracts"), years)
    tc = resolve(tc, "seller_code", "seller_adcode", "seller_norm", "a")
    tc = resolve(tc, "buyer_code", "buyer_adcode", "buyer_norm", "b")
    ckt, ck = _explicit_or(tc, "e", tc.a_eid)
    parts.append(
        _edge(
            tc,
            "innovation",
            _s("tech_contracts.") + tc.contract_type,
            tc.a_eid,
            tc.b_eid,
            tc.a_place,
            tc.b_place,
            1.0,
            tc.value,
            ckt,
            ck,
        )
    )

    # 创新 innovation: open calls' (揭榜挂帅) tasks done and outcomes, winning team member → the call's posting place
    parts.extend(_open_call_facts(table, resolve, years))

    # 产业 industry: supply links, branches and transfers, enclave co-building
    sl = _in_years(table("raw_supply_links"), years)
    sl = resolve(sl, "supplier_code", None, "supplier_norm", "a")
    sl = resolve(sl, "customer_code", None, "customer_norm", "b")
    hs_or_e = ibis.cases((sl.hs_code.notnull(), _s("h")), else_=_s("e"))
    ckt, ck = _explicit_or(sl, "e", sl.a_eid)
    ckt = ibis.cases((sl.chain.notnull(), _s("x")), else_=hs_or_e)
    ck = ibis.cases((sl.chain.notnull(), ck), (sl.hs_code.notnull(), sl.hs_code.substr(0, 6)), else_=sl.a_eid)
    parts.append(
        _edge(
            sl, "industry", "supply_links", sl.a_eid, sl.b_eid, sl.a_place, sl.b_place, 1.0, sl.value, ckt, ck
        )
    )
    iv = _in_years(table("raw_investments"), years)
    iv = resolve(iv, "investor_code", None, "investor_norm", "a")
    iv = resolve(iv, "investee_code", None, "investee_norm", "b")
    # equity holdings and fund investments make the value network; branches and transfers the industry one
    iv_layer = ibis.cases((iv.invest_type.isin(["equity", "fund"]), _s("value")), else_=_s("industry"))
    parts.append(
        _edge(
            iv,
            iv_layer,
            _s("investments.") + iv.invest_type,
            iv.a_eid,
            iv.b_eid,
            iv.a_place,
            iv.b_place,
            1.0,
            iv.amount,
            "e",
            iv.b_eid,
        )
    )
    en = _in_years(table("raw_enclaves"), years)
    parts.append(
        _edge(
            en,
            "industry",
            "enclaves",
            en.origin_adcode,
            en.host_adcode,
            en.origin_adcode,
            en.host_adcode,
            1.0,
            en.output,
            "-",
            None,
        )
    )

    # 服务 service: vouchers, shared instruments, brokerage, joint credit (provider → user)
    sv = _in_years(table("raw_services"), years)
    sv = resolve(sv, "provider_code", "provider_adcode", "provider_norm", "a")
    sv = resolve(sv, "user_code", "user_adcode", "user_norm", "b")
    parts.append(
        _edge(
            sv,
            "service",
            _s("services.") + sv.service_type,
            sv.a_eid,
            sv.b_eid,
            sv.a_place,
            sv.b_place,
            1.0,
            sv.value,
            "e",
            sv.b_eid,
        )
    )

    # 服务 service: innovation vouchers redeemed (provider → holder), dated by the redemption
    vo = _in_years(table("raw_vouchers"), years)
    vo = vo.filter(vo.redeemed.notnull())
    vo = resolve(vo, "provider_code", "provider_adcode", "provider_norm", "a")
    vo = resolve(vo, "holder_code", "holder_adcode", "holder_norm", "b")
    parts.append(
        _edge(
            vo,
            "service",
            "vouchers",
            vo.a_eid,
            vo.b_eid,
            vo.a_place,
            vo.b_place,
            1.0,
            ibis.coalesce(vo.redeemed_value, vo.face_value),
            "e",
            vo.b_eid,
        )
    )

    # 价值 value: the origin's part of an enclave's joint funding (origin → host)
    ef = en.filter(en.origin_fund.notnull() & (en.origin_fund > 0))
    parts.append(
        _edge(
            ef,
            "value",
            "enclave_funds",
            ef.origin_adcode,
            ef.host_adcode,
            ef.origin_adcode,
            ef.host_adcode,
            1.0,
            ef.origin_fund,
            "-",
            None,
        )
    )
    # equity in an enclave's operating company: shareholder → the operator, placed shareholder place → host place
    parts.append(_equity_facts(table, resolve, years))

    # 价值 value: tax shared from the collecting place to the sharing place
    tx = _in_years(table("raw_tax"), years)
    tx = tx.filter(tx.shared_to_adcode.notnull())
    tx = resolve(tx, "credit_code", "adcode", "firm_norm", "a")
    shared = tx.tax_paid * tx.share_pct / 100.0  # unknown tax or share: unknown shared amount, not 0
    parts.append(
        _edge(
            tx,
            "value",
            "tax_sharing",
            tx.a_eid,
            tx.shared_to_adcode,
            tx.a_place,
            tx.shared_to_adcode,
            1.0,
            shared,
            "e",
            tx.a_eid,
        )
    )

    return ibis.union(*parts, distinct=False)


def _equity_facts(table: T, resolve: Resolver, years: Sequence[int] | None) -> ir.Table:
    """Equity edges of the enclaves' operating companies (source ``enclave_equity``, value layer).

    One fact per shareholder and period: from the shareholder (its own place, else the register's) to the
    enclave's operating company, placed at the enclave's host (that year's row of ``raw_enclaves``, else its
    latest). Weight: ``paid_in``; blank, ``share_pct`` × the enclave's investment of the year / 100 (unknown when
    either is; never 0).
    """
    sh = _in_years(table("raw_enclave_shareholders"), years)
    en = table("raw_enclaves")
    yearly = en.group_by(["enclave_id", "year"]).aggregate(
        _y_host=en.host_adcode.max(),
        _op_code=en.operator_code.max(),
        _op_norm=en.operator_norm.max(),
        _inv=en.investment.sum(),
    )
    yearly = yearly.rename(_y_eid="enclave_id", _y_year="year")
    latest = enclave_places(table).select(_l_eid="enclave_id", _l_host="host_adcode")
    j = sh.left_join(yearly, [sh.enclave_id == yearly._y_eid, sh.year == yearly._y_year])
    j = j.left_join(latest, j.enclave_id == latest._l_eid)
    j = j.mutate(_host=ibis.coalesce(j._y_host, j._l_host).cast("string"))
    j = resolve(j, "shareholder_code", "adcode", "shareholder_norm", "a")
    j = resolve(j, "_op_code", "_host", "_op_norm", "b")
    weight = ibis.coalesce(j.paid_in, j.share_pct * j._inv / 100.0)
    return _edge(
        j,
        "value",
        "enclave_equity",
        j.a_eid,
        ibis.coalesce(j.b_eid, _s("enclave:") + j.enclave_id),
        j.a_place,
        j._host,
        1.0,
        weight,
        "-",
        None,
    )


def _open_call_facts(table: T, resolve: Resolver, years: Sequence[int] | None) -> list[ir.Table]:
    """Open calls for key technologies (揭榜挂帅, issue 16) as innovation ties: sources ``open_call_tasks`` (a task
    done, dated by when it was done) and ``open_call_outcomes.<type>`` (a patent, transfer or product, dated by the
    outcome).

    Each record gives one fact per distinct member of the call's winning bids (resolved against the register; a
    member in two winning bids counts once): from the member (``src``, its own place, else the register's) to the
    posting government (``dst`` = its place, as enclaves' ties end at a place: entity-level analyses such as the
    actors' ranking leave such ties out), ``n`` = the record's count (a task: 1) ÷
    ``k``, the call's winning members — so a call's facts add up to its outcomes and tasks done, split by where its
    team is, as :func:`chainatlas.analytics.opencalls.outcome_edges` splits them. No amount (``value`` NULL); the
    call's chain and segment assign it (``x``). A call without a winning bid gives no fact.
    """
    bids = resolve(table("raw_open_call_bids"), "member_code", "member_adcode", "member_norm", "m")
    win = bids.filter(bids.winner.fill_null(False))
    win = win.group_by([win.call_id.name("_w_call"), win.m_eid.name("_w_eid")]).aggregate(
        _w_place=win.m_place.max()
    )
    k = win.group_by("_w_call").aggregate(_k=win.count().cast("float64")).rename(_k_call="_w_call")
    calls = table("raw_open_calls")
    calls = calls.select(
        _c_call=calls.call_id,
        _c_place=calls.adcode,
        _c_ck=calls.chain + _s(":") + calls.segment.fill_null(""),
    )
    team = win.join(k, win._w_call == k._k_call).join(calls, win._w_call == calls._c_call)
    tk = _in_years(table("raw_open_call_tasks"), years)
    tk = tk.filter(tk.done.notnull())
    tk = tk.select("call_id", "year", _src=_s("open_call_tasks"), _n=ibis.literal(1.0))
    oc = _in_years(table("raw_open_call_outcomes"), years)
    oc = oc.select(
        "call_id",
        "year",
        _src=_s("open_call_outcomes.") + oc.outcome_type,
        _n=oc["count"].fill_null(1).cast("float64"),
    )
    oc = oc.filter(oc._n > 0)
    out = []
    for t in (tk, oc):
        j = t.join(team, t.call_id == team._w_call)
        out.append(
            _edge(
                j,
                "innovation",
                j._src,
                j._w_eid,
                j._c_place,
                j._w_place,
                j._c_place,
                j._n / j._k,
                _null_f(),
                "x",
                j._c_ck,
            )
        )
    return out


def _node(
    t: ir.Table,
    attr: str | ir.Value,
    adcode: ir.Value,
    n: ir.Value | float,
    ck_type: str | ir.Value,
    ck: ir.Value | None,
    year: ir.Value | None = None,
    valued: ir.Value | float | None = None,
) -> ir.Table:
    """One node fact per row; ``valued`` (default: 1 where ``n`` is known, else 0) is its ``n_valued``."""

    def lit(v: Any, typ: str) -> ir.Value:
        return v if isinstance(v, ir.Value) else ibis.literal(v, type=typ)

    nv = lit(n, "float64").cast("float64")
    if valued is None:
        valued = ibis.cases((nv.notnull(), 1.0), else_=0.0)
    return t.select(
        attr=lit(attr, "string"),
        year=(t.year if year is None else year).cast("int16"),
        period=_null_s() if year is not None else _sub_period(t),
        adcode=adcode.cast("string"),
        n=nv,
        n_valued=lit(valued, "float64").cast("float64"),
        ck_type=lit(ck_type, "string"),
        ck=(ck if ck is not None else _null_s()).cast("string"),
    )


#: node attributes built from confidential records (tax, customs): published outside a user's jurisdiction
#: only under disclosure control (:mod:`chainatlas.pipeline.disclosure`)
CONFIDENTIAL_ATTRS = ("revenue", "tax_paid", "imports", "exports")


def confidential_contributions(table: T, attr: str, years: Sequence[int]) -> ir.Table:
    """What each entity contributes to a confidential node attribute: ``year, entity, adcode, ck_type, ck,
    value`` (one row per record; ``ck`` as in :func:`node_facts`, so the chain lookup assigns segments the
    same way). The same resolution of records to entities and places as :func:`node_facts`."""
    resolve = Resolver(table)
    if attr in ("revenue", "tax_paid"):
        tx = resolve(_in_years(table("raw_tax"), years), "credit_code", "adcode", "firm_norm", "a")
        return tx.select(
            year=tx.year.cast("int16"),
            entity=tx.a_eid,
            adcode=tx.a_place.cast("string"),
            ck_type=_s("e"),
            ck=tx.a_eid,
            value=tx[attr].cast("float64"),
        )
    if attr in ("imports", "exports"):
        tr = resolve(_in_years(table("raw_trade"), years), "credit_code", None, "firm_norm", "a")
        tr = tr.filter(tr.direction + _s("s") == attr)
        return tr.select(
            year=tr.year.cast("int16"),
            entity=tr.a_eid,
            adcode=tr.a_place.cast("string"),
            ck_type=_s("h"),
            ck=tr.hs_code.substr(0, 6),
            value=tr.value.cast("float64"),
        )
    raise ValueError(f"{attr!r} is not a confidential attribute; expected one of {CONFIDENTIAL_ATTRS}")


def node_facts(
    table: T, years: Sequence[int], min_year: int = 2015, resolve: Resolver | None = None
) -> ir.Table:
    """Node attributes per place for ``years``: counts and amounts, stocks and flows (parties resolved by
    ``resolve``, default a new :class:`Resolver`).

    Stocks (firms, employees, universities, institutes, experts) count everything that existed in
    the year: entities founded in or before it (undated ones in every year).
    """
    yrs = ibis.memtable({"_y": list(years)}, schema={"_y": "int16"})
    resolve = resolve or Resolver(table)
    parts: list[ir.Table] = []

    # stocks: aggregate entities per (place, founding year, chain segment) first, then spread over the
    # years — 1M firms × 10 years would otherwise be 10M rows. Chain rows come pre-assigned ('c').
    ent = table("entities")
    ent = ent.mutate(_fy=ent.founded_year.fill_null(0).cast("int16"))
    seg = table("seg_lookup")
    seg = seg.filter(seg.ck_type == "e")
    # members through a partial class ("6513*") are counted apart: firms_partial, employees_partial
    chained = ent.join(seg, ent.entity_id == seg.ck).select(
        "adcode", "entity_type", "_fy", "employees", ck=seg.chain + _s(":") + seg.segment, _p=seg.partial
    )
    for src, ck_type in ((ent.mutate(ck=_null_s()), "-"), (chained, "c")):
        by = ["adcode", "entity_type", "_fy", "ck"] + (["_p"] if ck_type == "c" else [])
        g = src.group_by(by).aggregate(
            _n=src.count().cast("float64"),
            _emp=src.employees.sum(),
            _emp_n=src.employees.count().cast("float64"),
        )
        g = g.cross_join(yrs)
        g = g.filter(g._fy <= g._y)
        firms = g.filter(g.entity_type == "firm")
        for attr, n, valued in (("firms", firms._n, firms._n), ("employees", firms._emp, firms._emp_n)):
            name = (
                _s(attr)
                if ck_type == "-"
                else ibis.cases((firms._p.fill_null(False), _s(attr + PARTIAL_SUFFIX)), else_=_s(attr))
            )
            parts.append(_node(firms, name, firms.adcode, n, ck_type, firms.ck, firms._y, valued))
        if ck_type == "-":
            for etype, attr in (("university", "universities"), ("institute", "institutes")):
                u = g.filter(g.entity_type == etype)
                parts.append(_node(u, attr, u.adcode, u._n, "-", None, u._y, u._n))
    ex = resolve(table("raw_experts"), "institution_code", "adcode", "institution_norm", "a").cross_join(yrs)
    ckt, ck = _explicit_or(ex, "-", _null_s())
    parts.append(_node(ex, "experts", ex.a_place, 1.0, ckt, ck, ex._y))

    tx = resolve(_in_years(table("raw_tax"), years), "credit_code", "adcode", "firm_norm", "a")
    parts.append(_node(tx, "revenue", tx.a_place, tx.revenue, "e", tx.a_eid))
    parts.append(_node(tx, "tax_paid", tx.a_place, tx.tax_paid, "e", tx.a_eid))

    pats = table("raw_patents").select(record_id="patent_id", _ipc="ipc")
    pp = _resolved_parties(table, resolve, "patents", years).join(pats, "record_id")
    share = 1.0 / pp.n_parties.cast("float64")
    parts.append(_node(pp, "patents", pp.p_place, share, "i", ipc_main(pp._ipc), valued=share))
    pa = _resolved_parties(table, resolve, "papers", years)
    share = 1.0 / pa.n_parties.cast("float64")
    parts.append(_node(pa, "papers", pa.p_place, share, "-", None, valued=share))

    tr = resolve(_in_years(table("raw_trade"), years), "credit_code", None, "firm_norm", "a")
    parts.append(_node(tr, tr.direction + _s("s"), tr.a_place, tr.value, "h", tr.hs_code.substr(0, 6)))

    tc = _in_years(table("raw_tech_contracts"), years)
    tc = resolve(tc, "seller_code", "seller_adcode", "seller_norm", "a")
    tc = resolve(tc, "buyer_code", "buyer_adcode", "buyer_norm", "b")
    ckt, ck = _explicit_or(tc, "e", tc.a_eid)
    parts.append(_node(tc, "tech_sold", tc.a_place, tc.value, ckt, ck))
    parts.append(_node(tc, "tech_bought", tc.b_place, tc.value, ckt, ck))

    en = _in_years(table("raw_enclaves"), years)
    parts.append(_node(en, "enclave_output", en.host_adcode, en.output, "-", None))
    # the cooperation agreements, stocks: each counts in every year from the year it was signed or started
    # (undated: every year) — enclave agreements at the enclave's host, tax sharing at the collecting place,
    # voucher recognitions at both places
    hosts = enclave_places(table).select(_h_eid="enclave_id", _h_host="host_adcode")
    et = table("raw_enclave_terms")
    et = et.left_join(hosts, et.enclave_id == hosts._h_eid)
    for t, attr, places in (
        (et, "enclave_agreements", ("_h_host",)),
        (table("raw_tax_sharing"), "tax_sharing_agreements", ("collecting_adcode",)),
        (table("raw_recognitions"), "voucher_recognitions", ("adcode_a", "adcode_b")),
    ):
        t = t.mutate(_fy=t.year.fill_null(0).cast("int16")).cross_join(yrs)
        t = t.filter(t._fy <= t._y)
        for place in places:
            parts.append(_node(t, attr, t[place], 1.0, "-", None, t._y, 1.0))
    po = _in_years(table("raw_policies"), years)
    parts.append(_node(po, "policies", po.adcode, 1.0, "-", None))
    nd = resolve(_in_years(table("raw_needs"), years), "credit_code", None, "firm_norm", "a")
    ckt, ck = _explicit_or(nd, "e", nd.a_eid)
    parts.append(_node(nd, "needs", nd.a_place, 1.0, ckt, ck))
    return ibis.union(*parts, distinct=False)
