"""Build the six layers and the node attributes at every scale, period and chain segment.

Wiring only: the definitions are in :mod:`chainatlas.pipeline.facts` and the aggregation below,
all Ibis expressions handed to a storage backend. Steps:

1. reference tables: places, the place→unit map of every scale, chain-segment lookups;
2. entity-level facts of the years to build (``facts``, ``node_facts``);
3. aggregation: facts are first summed per county pair (small), then mapped to the units of each
   scale — so the expensive part runs once, not once per scale;
4. chain totals: segment rows rolled up to ``segment = '*'``.

Only the years that a loaded batch touched are rebuilt (``dirty_years``), unless ``full``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL, SCALES
from chainatlas.model.taxonomy import Taxonomy, atlas_taxonomy
from chainatlas.pipeline.facts import edge_facts, entities, entity_names, ipc_main, node_facts
from chainatlas.storage.base import Backend

__all__ = ["BuildReport", "aggregate_edges", "aggregate_nodes", "build", "refresh_reference", "user_areas"]

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    years: list[int]
    scales: list[str]
    facts: int = 0
    unplaced: int = 0
    edges: int = 0
    nodes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        t = sum(self.seconds.values())
        return (
            f"built years {self.years or '-'} at scales {','.join(self.scales)}: {self.facts:,} facts "
            f"({self.unplaced:,} without a place), {self.edges:,} layer edges, {self.nodes:,} node values "
            f"in {t:.1f}s"
        )


def user_areas(backend: Backend) -> pd.DataFrame | None:
    """User-defined functional areas stored in the atlas (members kept as ';'-joined adcodes)."""
    df = backend.execute(backend.table("areas"))
    if df.empty:
        return None
    df = df.copy()
    df["members"] = df["members"].str.split(";")
    return df


def _segment_lookup(backend: Backend, tax: Taxonomy) -> ir.Table:
    """(ck_type, ck) → (chain, segment) for every key that occurs in the records.

    Concordance matching (prefixes, specificity) runs in the taxonomy on the few distinct codes;
    the per-firm expansion is a join left to the engine.
    """
    t = backend.table
    firms = t("raw_firms")
    frames = []
    codes = backend.execute(firms.select("industry_code").filter(firms.industry_code.notnull()).distinct())
    uniq = pd.Series(codes["industry_code"].to_numpy(), dtype="string")
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
    frames.append(explicit.assign(ck_type="x"))
    small = pd.concat(frames, ignore_index=True)[["ck_type", "ck", "chain", "segment"]].astype("string")
    lk = ibis.memtable(small, schema={c: "string" for c in small.columns})
    ind = lk.filter(lk.ck_type == "ind")
    e = firms.join(ind, firms.industry_code == ind.ck).select(
        ck_type=ibis.literal("e"), ck=firms.credit_code, chain=ind.chain, segment=ind.segment
    )
    return lk.filter(lk.ck_type != "ind").union(e, distinct=False)


def refresh_reference(backend: Backend, tax: Taxonomy | None = None) -> None:
    """Write the places, scale map, chain/segment lookups and the entity register the build reads."""
    tax = tax or atlas_taxonomy()
    backend.replace_table("places", geo.places().astype({"pop_2020": "float64", "pop_2010": "float64"}))
    backend.replace_table("scale_units", geo.scale_units(user_areas(backend)))
    backend.replace_table("chains", tax.chains)
    backend.replace_table("segments", tax.segments)
    backend.replace_table("seg_lookup", _segment_lookup(backend, tax))
    backend.replace_table("entities", entities(backend.table))
    backend.replace_table("entity_names", entity_names(backend.table("entities")))


def _with_chains(f: ir.Table, lookup: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Every fact once with chain '*' plus once per chain segment it is assigned to.

    Facts of type ``c`` are already chain rows: they join the lookup as explicit ``chain:segment``
    keys and stay out of the '*' total (their all-chains twin is a separate ``-`` fact).
    """
    measures = {"n": f.n, **({"value": f.value} if "value" in f.columns else {})}
    star = f.filter(f.ck_type != "c")
    star = star.select(
        *keys, chain=ibis.literal(ALL), segment=ibis.literal(ALL), **{m: star[m] for m in measures}
    )
    key_type = ibis.cases((f.ck_type == "c", ibis.literal("x")), else_=f.ck_type)
    j = f.join(lookup, [key_type == lookup.ck_type, f.ck == lookup.ck])
    chained = j.select(*keys, chain=j.chain, segment=j.segment, **{m: j[m] for m in measures})
    return star.union(chained, distinct=False)


def _chain_totals(g: ir.Table, keys: Sequence[str], measures: Sequence[str]) -> ir.Table:
    part = g.filter(g.chain != ALL)
    tot = part.group_by([*keys, "chain"]).aggregate(**{m: part[m].sum() for m in measures})
    tot = tot.mutate(segment=ibis.literal(ALL))
    return g.union(tot.select(*g.columns), distinct=False)


def aggregate_edges(facts: ir.Table, lookup: ir.Table, units: ir.Table, scales: Sequence[str]) -> ir.Table:
    """Layer edges per (layer, source, scale, year, chain, segment, src, dst): sums of n and value."""
    f = _with_chains(
        facts.filter(facts.src_adcode.notnull() & facts.dst_adcode.notnull()),
        lookup,
        ["layer", "source", "year", "src_adcode", "dst_adcode"],
    )
    f = f.group_by(["layer", "source", "year", "chain", "segment", "src_adcode", "dst_adcode"]).aggregate(
        n=f.n.sum(), value=f.value.sum()
    )
    u = units.filter(units.scale.isin(list(scales)))
    a = u.select(_sa=u.adcode, scale=u.scale, src=u.unit)
    b = u.select(_da=u.adcode, _ds=u.scale, dst=u.unit)
    j = f.join(a, f.src_adcode == a._sa).join(b, [f.dst_adcode == b._da, a.scale == b._ds])
    keys = ["layer", "source", "scale", "year", "chain", "segment", "src", "dst"]
    g = j.group_by(keys).aggregate(n=j.n.sum(), value=j.value.sum())
    return _chain_totals(g, [k for k in keys if k not in ("chain", "segment")], ["n", "value"])


def aggregate_nodes(facts: ir.Table, lookup: ir.Table, units: ir.Table, scales: Sequence[str]) -> ir.Table:
    """Node attributes per (attr, scale, year, chain, segment, unit)."""
    f = _with_chains(facts.filter(facts.adcode.notnull()), lookup, ["attr", "year", "adcode"])
    f = f.group_by(["attr", "year", "chain", "segment", "adcode"]).aggregate(n=f.n.sum())
    u = units.filter(units.scale.isin(list(scales)))
    j = f.join(u, f.adcode == u.adcode)
    keys = ["attr", "scale", "year", "chain", "segment", "unit"]
    g = j.group_by(keys).aggregate(value=j.n.sum())
    return _chain_totals(g, [k for k in keys if k not in ("chain", "segment")], ["value"])


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
    with backend.transaction():
        refresh_reference(backend, taxonomy)
    report.seconds["reference"] = time.perf_counter() - clock
    todo = _years_to_build(backend, years, full)
    report.years = todo
    if not todo:
        return report
    t = backend.table
    # undated alliance ties start in the first loaded year, whichever years this build covers
    first = int(backend.execute(t("batch_years").aggregate(y=lambda r: r.year.min()))["y"].iloc[0])
    steps = ["facts", "edges", "nodes"]
    # rebuilding every year at every scale: recreate tables instead of deleting millions of rows
    whole = set(todo) >= set(_years_to_build(backend, None, True)) and set(scales) == set(SCALES)
    # one transaction per step: a step reads the previous one's committed tables, which DuckDB scans
    # far faster than a transaction's own uncommitted rows. A failure leaves the years dirty (they are
    # cleared only at the end), so the next build redoes them; no reader can open the atlas meanwhile.
    for i, step in enumerate(steps):
        say(step, i, len(steps))
        clock = time.perf_counter()
        with backend.transaction():
            if step == "facts":
                _store(backend, "facts", edge_facts(t, todo, min_year=first), todo, replace=whole)
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
            else:
                # node facts are aggregated as they are computed: only place-level attributes are kept
                _store(
                    backend,
                    "node_attrs",
                    aggregate_nodes(
                        node_facts(t, todo, min_year=first), t("seg_lookup"), t("scale_units"), scales
                    ),
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
        for name in ("layer_edges", "node_attrs"):
            n = backend.execute(t(name).filter(t(name).year.isin(todo)).count().as_table()).iloc[0, 0]
            setattr(report, "edges" if name == "layer_edges" else "nodes", int(n))
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
    say("done", len(steps), len(steps))
    return report


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
