"""Periodic inspection: a level of government's rule sets evaluated on the atlas (issue 13, items 3 and 4).

A rule set (:func:`chainatlas.analytics.alerting.parse_rules`) belongs to a level and a jurisdiction. Every rule
type of :data:`chainatlas.analytics.alerting.RULE_TYPES` is fed here from the atlas, each by one small function
that reads through :mod:`chainatlas.pipeline.query` and :mod:`chainatlas.pipeline.chains` (never SQL), over every
built period up to the one inspected, so that a rule's ``pending`` and ``resolve`` count real periods:

==================  ===========================================================================================
rule type           frame (unit → what it is judged on)
==================  ===========================================================================================
threshold, change,  the catalogue indicator's history (:func:`chainatlas.pipeline.history.indicator_history`)
outlier             of the units the level inspects (:func:`scale_of`: the region and a province their cities,
                    a city its counties, Shanghai its districts) inside the jurisdiction
newly_broken,       :func:`status_frame`: each chain segment's status (断链/单点/正常) per period. Region-wide it
newly_single        is :func:`chainatlas.pipeline.chains.chain_presence`'s own; in a province or a city the same
                    rules are applied to the places inside it (its cities, or its counties)
import_dependence   :func:`import_dependence_frame`: per segment the net import ratio M/(M+X) and the top partner
                    region's share of imports, by :func:`chainatlas.pipeline.chains.chain_trade` and
                    :func:`chainatlas.analytics.chains.import_dependence` (as the chain view's 卡点); in a province
                    or city the customs records of the firms inside it (read under its scope)
concentration       :func:`concentration_frame`: HHI of a segment's activity in the jurisdiction, over places
                    (default: the shares of its cities — of its counties for a city — in the segment's presence
                    basis, firms or patents, as the ``chains`` topic's HHI) or, with ``of: suppliers``, over
                    supplier firms (the supply links' value, as the ``chains`` topic's supplier HHI)
falling             :func:`falling_frame`: ``metric`` one of :data:`FALLING_METRICS`
==================  ===========================================================================================

Units. An indicator rule alerts a place (county, city); a segment rule alerts a segment *in the jurisdiction*
(``unit`` is the jurisdiction: ``YRD``, ``320000``, ``320500``; ``chain`` and ``segment`` say which); a falling
metric alerts the jurisdiction (cross-border linkage), each inspected place (coupling grade) or each hub inside it
(hub spillover). :func:`check` answers one row per active (rule, unit) in :data:`COLUMNS`, with the evidence as a
query spec that :func:`evidence_records` runs under the reader's scope.

Periods. A period is a year (``2024``) or a month or quarter (``"2024-05"``, ``"2024Q2"``), compared with
:func:`chainatlas.analytics.history.period_ordinal`; the series inspected is every built period of the inspected
period's grain up to it. A month or quarter is judged on the sub-annual layers (customs, tax); the rules that read
annual data only are then named as not evaluated (:func:`annual_only`).

Evidence. Each alert carries a JSON query spec — ``{"kinds": ["trade"], "attrs": ["imports"], "place": "320500",
"period": "2024", "chain": "ic", "segment": "fabrication"}`` — that :func:`evidence_records` runs on the raw
records under the reader's scope: the records whose sum is the alert's figure.

Segment rules take an optional ``chain`` (only that chain's segments), and ``concentration`` an optional ``of``
(``places``, the default, or ``suppliers``), once :data:`~chainatlas.analytics.alerting.RULE_TYPES` lists them.

Rule sets kept with the atlas: the defaults ship in ``chainatlas/data/rules/`` (``region.yaml``, one per province
and example cities); a user's own files in the directory beside the atlas (:func:`rules_dir`, ``<db>.rules/``)
replace the default of the same level and jurisdiction (:func:`rule_sets`).
"""

from __future__ import annotations

import functools
import json
import operator
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas import config, geo
from chainatlas.analytics import alerting
from chainatlas.analytics.history import period_ordinal
from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import REGION, Scope, jurisdiction_prefix, normalize_jurisdiction
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import query
from chainatlas.pipeline.facts import FEEDS
from chainatlas.pipeline.history import indicator_history
from chainatlas.storage.base import Backend

__all__ = [
    "COLUMNS",
    "EVIDENCE_COLUMNS",
    "FALLING_METRICS",
    "WIRED_TYPES",
    "annual_only",
    "check",
    "check_sets",
    "concentration_frame",
    "evidence_records",
    "falling_frame",
    "import_dependence_frame",
    "inspected_periods",
    "lookback",
    "read_rule_set",
    "rule_sets",
    "rules_dir",
    "scale_of",
    "status_frame",
]

#: rule types the atlas feeds (a type added to the engine is refused by name until it is wired here)
WIRED_TYPES = (
    "threshold",
    "change",
    "outlier",
    "newly_broken",
    "newly_single",
    "import_dependence",
    "concentration",
    "falling",
)
#: the metrics a ``falling`` rule may name (``<layer>``: one of the six layers)
FALLING_METRICS = ("cross_border_linkage:<layer>", "coupling_grade", "hub_spillover")
#: columns of :func:`check`'s answer (the alert store reads exactly these)
COLUMNS = [
    "rule",
    "type",
    "severity",
    "indicator",
    "metric",
    "unit",
    "name_zh",
    "chain",
    "segment",
    "layer",
    "period",
    "state",
    "opened",
    "value",
    "measure",
    "threshold",
    "compared",
    "since",
    "owner",
    "jurisdictions",
    "evidence",
]
#: the region's provinces, as jurisdictions
_PROVINCES = ("310000", "320000", "330000", "340000")
#: separator of the parts of a segment unit's key inside the frames (place, chain, segment)
_SEP = "|"
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


# ================================================================================================ periods
def _ordinal(period: object) -> tuple[str, int]:
    return period_ordinal(period, "period")


def _built(backend: Backend, grain: str) -> list[Any]:
    """Built periods of one grain, oldest first: the years, or the months / quarters of the sub-annual layers."""
    if grain == "year":
        return [p for p in query.periods(backend) if _ordinal(p)[0] == "year"]
    try:
        found = list(query.periods(backend, grain))
    except TypeError:  # a query layer that keeps years only
        found = [p for p in query.periods(backend) if _ordinal(p)[0] == grain]
    return sorted(found, key=lambda p: _ordinal(p)[1])


def inspected_periods(backend: Backend, period: object | None = None) -> list[Any]:
    """The built periods a check reads: every built period of ``period``'s grain up to it, oldest first (the last
    is the one inspected, as the atlas keys it: a year as ``int``, a month or quarter as text).

    ``period`` may be ``2024``, ``"2024"``, ``"2024Q2"`` or ``"2024-05"`` (default: the latest built year).
    ConfigError naming ``period`` when it is not built.
    """
    if period is None:
        last = query.latest(backend, None)  # NotBuiltError before the first build
        grain, o = _ordinal(last)
    else:
        grain, o = _ordinal(period)
    built = _built(backend, grain)
    if not any(_ordinal(p)[1] == o for p in built):
        raise ConfigError(
            f"{period} is not built; built {grain}s: {', '.join(map(str, built)) or 'none'}", param="period"
        )
    return [p for p in built if _ordinal(p)[1] <= o]


def lookback(rules: alerting.RuleSet | Sequence[alerting.RuleSet], grain: str) -> int:
    """The periods a check must read to decide every rule's state in the period inspected.

    A rule's state there depends on its last ``pending + resolve`` conditions (firing needs ``pending`` in a row;
    resolving, the firing before up to ``resolve`` clear periods), and each condition on what its evaluator
    compares with: the previous period (change, falling, newly broken/single), the same period a year earlier
    (``basis: year``: 4 quarters, 12 months), or an outlier's own history (``window``). Reading more changes no
    state, only how far back ``since`` can see (the alert store keeps the first period across runs).
    """
    per_year = {"year": 1, "quarter": 4, "month": 12}[grain]
    sets = [rules] if isinstance(rules, alerting.RuleSet) else list(rules)
    need = 1
    for rs in sets:
        for r in rs.rules:
            extra = {
                "change": per_year if r.params.get("basis") == "year" else 1,
                "outlier": int(r.params.get("window", 12)) if r.params.get("against") == "history" else 0,
                "falling": 1,
                "newly_broken": 1,
                "newly_single": 1,
            }.get(r.type, 0)
            need = max(need, r.pending + r.resolve + extra)
    return need


# ================================================================================================ places
def scale_of(level: str, jurisdiction: str) -> str:
    """The scale a level inspects: the region and a province their cities, a city its counties; a province that
    is one city (Shanghai) its counties."""
    if level == "city":
        return "county"
    if level == "province":
        cities = geo.places("city")
        one = (cities["province_adcode"] == str(jurisdiction)).sum() == 1
        return "county" if one else "city"
    if level == "region":
        return "city"
    raise ConfigError(f"unknown level {level!r}; expected region, province or city", param="level")


def _level_of(jurisdiction: str) -> str:
    """The level of government of a jurisdiction code: region, province (Shanghai 310000 too) or city."""
    if jurisdiction == REGION:
        return "region"
    return "province" if jurisdiction.endswith("0000") else "city"


def _prefix(jurisdiction: str) -> str:
    return "" if jurisdiction == REGION else jurisdiction_prefix(jurisdiction)


def _place_row(code: str) -> pd.Series | None:
    p = geo.places().set_index("adcode")
    return p.loc[code] if code in p.index else None


def _names_zh() -> dict[str, str]:
    p = geo.places()
    out = dict(zip(p["adcode"].astype(str), p["name_zh"].astype(str), strict=True))
    out[REGION] = "长三角"
    return out


def _jurisdictions_of(code: str) -> list[str]:
    """The jurisdictions concerned by a place: its city and its province (6-digit codes, Shanghai 310000)."""
    if code == REGION:
        return list(_PROVINCES)
    row = _place_row(code)
    if row is None:
        return []
    out = []
    for c in (row["city_adcode"], row["province_adcode"]):
        if isinstance(c, str) and c:
            j = normalize_jurisdiction(c)
            if j not in out:
                out.append(j)
    if row["level"] == "province" and not out:
        out.append(code)
    return out


def _owner_of(code: str, rule_set: alerting.RuleSet) -> str:
    """The jurisdiction that holds a unit: a county's city, the city itself, a province; the region's set."""
    if code == REGION:
        return rule_set.jurisdiction
    row = _place_row(code)
    if row is None:
        return rule_set.jurisdiction
    if row["level"] == "province":
        return code
    return normalize_jurisdiction(row["city_adcode"] if row["level"] == "county" else code)


def _seg_key(place: str, chain: str, segment: str) -> str:
    return _SEP.join((place, chain, segment))


# ================================================================================================ memo
class _Memo:
    """Answers shared by the rules and rule sets of inspections (chain presence per chain, period, scale...),
    per reader's scope (what a scope may see differs)."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._known: dict[tuple, Any] = {}

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        key = (*key, query.current_scope().key)
        if key not in self._known:
            self._known[key] = make()
        return self._known[key]

    def proper(self, scale: str, unit: pd.Series) -> np.ndarray:
        """:func:`chainatlas.pipeline.query.proper` of many units, its answer per code remembered."""
        known = self.get(("proper", scale), dict)
        codes = unit.astype(str)
        new = pd.Series(pd.unique(codes[~codes.isin(known)]))
        if len(new):
            known.update(zip(new, query.proper(scale, new).to_numpy(), strict=True))
        return codes.map(known).to_numpy(dtype=bool)

    def presence(self, chain: str, period: Any, scale: str) -> Any:
        from chainatlas.pipeline.chains import chain_presence

        return self.get(
            ("presence", chain, period, scale), lambda: chain_presence(self.backend, chain, period, scale)
        )


#: per read-only backend, what its inspections read (its data cannot change while it is open: the API keeps its
#: read-only backends open for many requests, as :mod:`chainatlas.pipeline.query` remembers its answers)
_OPEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo(backend: Backend, memo: _Memo | None) -> _Memo:
    if memo is not None and memo.backend is backend:
        return memo
    if getattr(backend, "read_only", False):
        if backend not in _OPEN:
            _OPEN[backend] = _Memo(backend)
        return _OPEN[backend]
    return _Memo(backend)


def _chains(backend: Backend, chain: str | None) -> list[str]:
    if chain is not None:
        query.check_chain(backend, chain)
        return [chain]
    return [c for c in query.chains(backend)["id"].astype(str) if c != ALL]


# ================================================================================================ frames
def status_frame(
    backend: Backend,
    *,
    jurisdiction: str,
    periods: Sequence[Any],
    chain: str | None = None,
    memo: _Memo | None = None,
) -> pd.DataFrame:
    """Each chain segment's status in the jurisdiction per period: ``unit`` (``place|chain|segment``), ``period``,
    ``status`` (``broken``, ``single``, ``ok`` or ``no_data``), ``place``, ``chain``, ``segment``, ``holders``
    (';'-joined provinces — in a province or city: places — holding the segment).

    Region-wide the status is :func:`chainatlas.pipeline.chains.chain_presence`'s. In a province (a city) the same
    reading is applied to the places inside it — its cities (counties), plus one place for records known only to
    the province (city) — on the segment's presence basis: 断链 no place holds it, 单点 one place or (firm-judged
    segments) one firm, partial members read only where no full member is inside.
    """
    m = _memo(backend, memo)
    prefix = _prefix(jurisdiction)
    sub = scale_of(_level_of(jurisdiction), jurisdiction)
    rows = []
    for c in _chains(backend, chain):
        for p in periods:
            pr = m.presence(c, p, "city")
            segs = pr.segments
            if jurisdiction == REGION:
                cells = pr.cells[m.proper("city", pr.cells["unit"])]
                for s in segs.itertuples(index=False):
                    mine = cells[cells["segment"] == s.segment]
                    basis = "firms_partial" if s.partial_only else s.basis
                    held = mine.loc[mine[basis] > 0, "unit"].astype(str)
                    provs = sorted({normalize_jurisdiction(u[:2]) for u in held})
                    rows.append(
                        (_seg_key(REGION, c, s.segment), p, s.status, REGION, c, s.segment, ";".join(provs))
                    )
                continue
            cells = m.presence(c, p, sub).cells if sub != "city" else pr.cells
            inside = cells[cells["unit"].astype(str).str.startswith(prefix)]
            proper = m.proper(sub, inside["unit"])
            for s in segs.itertuples(index=False):
                status, held = _status_in(
                    s, inside[inside["segment"] == s.segment], proper[inside["segment"] == s.segment]
                )
                rows.append(
                    (_seg_key(jurisdiction, c, s.segment), p, status, jurisdiction, c, s.segment, held)
                )
    return pd.DataFrame(rows, columns=["unit", "period", "status", "place", "chain", "segment", "holders"])


def _status_in(seg: Any, cells: pd.DataFrame, proper: np.ndarray) -> tuple[str, str]:
    """chain_presence's reading of one segment applied to the places inside a jurisdiction."""
    if seg.status == "no_data":
        return "no_data", ""
    basis = seg.basis
    total_full = float(cells[basis].sum()) if len(cells) else 0.0
    partial_only = basis == "firms" and total_full <= 0 and float(cells["firms_partial"].sum()) > 0
    members = "firms_partial" if partial_only else basis
    placed = cells[proper]
    held = placed.loc[placed[members] > 0, "unit"].astype(str).tolist()
    total = float(cells[members].sum()) if len(cells) else 0.0
    unplaced = max(total - float(placed[members].sum()), 0.0)
    places = len(held) + (1 if unplaced > 0 else 0)
    if total <= 0:
        return "broken", ""
    if places == 1 or (basis == "firms" and total == 1):
        return "single", ";".join(sorted(held))
    return "ok", ";".join(sorted(held))


def _reader_scope(prefix: str) -> Scope:
    """The scope of the records of a jurisdiction for the current reader: never wider than the reader's own."""
    cur = query.current_scope()
    if cur.prefix and not prefix.startswith(cur.prefix):
        return cur  # a jurisdiction outside (or wider than) the reader's: what the reader may read of it
    return Scope(prefix=prefix, personal=cur.personal)


def import_dependence_frame(
    backend: Backend,
    *,
    jurisdiction: str,
    periods: Sequence[Any],
    chain: str | None = None,
    memo: _Memo | None = None,
) -> pd.DataFrame:
    """Per segment and period the net import ratio and the top partner region's share of imports:
    ``unit`` (``place|chain|segment``), ``period``, ``net_import_ratio``, ``top_import_share``,
    ``top_import_region``, ``place``, ``chain``, ``segment``.

    The numbers are :func:`chainatlas.analytics.chains.import_dependence` of
    :func:`chainatlas.pipeline.chains.chain_trade`: region-wide those of
    :func:`chainatlas.pipeline.chains.chain_presence` (the chain view's 卡点); in a province or a city the same
    functions on the customs records of the firms inside it (``chain_trade`` read under the jurisdiction's scope,
    never wider than the reader's). A segment without customs in a period has NaN (it never fires).
    """
    from chainatlas.analytics.chains import import_dependence
    from chainatlas.pipeline.chains import chain_trade

    m = _memo(backend, memo)
    cols = ["unit", "period", "net_import_ratio", "top_import_share", "top_import_region"]
    cols += ["place", "chain", "segment"]
    if not backend.has_table("raw_trade"):
        return pd.DataFrame(columns=cols)
    region = jurisdiction == REGION
    scope = _reader_scope(_prefix(jurisdiction))
    rows = []
    for c in _chains(backend, chain):
        segs = query.chain_segments(backend, c)["segment"].astype(str).tolist()
        for p in periods:

            def make(c: str = c, p: Any = p) -> pd.DataFrame:
                if region:
                    return m.presence(c, p, "city").segments.set_index("segment")
                with query.scoped(scope):
                    t = chain_trade(backend, c, p)
                return import_dependence(t) if len(t) else pd.DataFrame()

            dep = m.get(("trade", c, p, scope.key, region), make)
            for s in segs:
                d = dep.loc[s] if s in dep.index else None
                ratio = np.nan if d is None else d["net_import_ratio"]
                top = np.nan if d is None else d["top_import_share"]
                rows.append(
                    {
                        "unit": _seg_key(jurisdiction, c, s),
                        "period": p,
                        "net_import_ratio": np.nan if pd.isna(ratio) else float(ratio),
                        "top_import_share": np.nan if pd.isna(top) else float(top),
                        "top_import_region": None if d is None else d["top_import_region"],
                        "place": jurisdiction,
                        "chain": c,
                        "segment": s,
                    }
                )
    return pd.DataFrame(rows, columns=cols)


def concentration_frame(
    backend: Backend,
    *,
    jurisdiction: str,
    periods: Sequence[Any],
    of: str = "places",
    chain: str | None = None,
    memo: _Memo | None = None,
) -> pd.DataFrame:
    """The members of each segment's activity in the jurisdiction per period, for an HHI:
    ``unit`` (``place|chain|segment``), ``period``, ``member``, ``share`` (raw activity; the rule normalises it),
    ``basis``, ``place``, ``chain``, ``segment``.

    ``of='places'`` (the default, decided by the unit): the places inside the jurisdiction — the region's and a
    province's cities, a city's counties (Shanghai's districts) — with the segment's presence basis (firms; patents
    for a segment no industry code reaches; partial members where no full member exists), as the ``chains``
    topic's HHI. ``of='suppliers'``: the supplier firms of the segment placed inside the jurisdiction, by the
    value of their supply links in the period (links without an amount are not counted), as the ``chains``
    topic's supplier HHI. A (segment, period) without members has one row with share 0 (no HHI, never fires).
    """
    if of not in ("places", "suppliers"):
        raise ConfigError(f"expected of: places or suppliers, got {of!r}", param="of")
    m = _memo(backend, memo)
    prefix = _prefix(jurisdiction)
    scale = scale_of(_level_of(jurisdiction), jurisdiction)
    cols = ["unit", "period", "member", "share", "basis", "place", "chain", "segment"]
    parts: list[pd.DataFrame] = []
    for c in _chains(backend, chain):
        for p in periods:
            segs = m.presence(c, p, "city").segments
            basis = pd.Series(
                np.where(segs["partial_only"].astype(bool), "firms_partial", segs["basis"].astype(str)),
                index=segs["segment"].astype(str).to_numpy(),
            )
            if of == "places":
                cells = m.presence(c, p, scale).cells
                cells = cells[
                    m.proper(scale, cells["unit"]) & cells["unit"].astype(str).str.startswith(prefix)
                ]
                b = cells["segment"].astype(str).map(basis).to_numpy()
                share = np.full(len(cells), np.nan)
                for col in set(b):  # each segment on its own basis (firms, patents, partial members)
                    share[b == col] = cells[col].to_numpy(dtype=float)[b == col]
                long = pd.DataFrame(
                    {
                        "segment": cells["segment"].astype(str).to_numpy(),
                        "member": cells["unit"].astype(str).to_numpy(),
                        "share": share,
                        "basis": b,
                    }
                )
            else:
                from chainatlas.pipeline.analyze.topics_chains import chain_suppliers

                links = m.get(("suppliers", c, p), lambda c=c, p=p: chain_suppliers(backend, c, p, "county"))
                links = links[links["place"].astype(str).str.startswith(prefix) & links["value"].notna()]
                long = pd.DataFrame(
                    {
                        "segment": links["segment"].astype(str).to_numpy(),
                        "member": links["supplier"].astype(str).to_numpy(),
                        "share": links["value"].to_numpy(dtype=float),
                        "basis": "supply_links",
                    }
                )
            long = long[long["share"].astype(float) > 0]
            empty = sorted(set(basis.index) - set(long["segment"]))
            filler = pd.DataFrame(
                {
                    "segment": empty,
                    "member": "",
                    "share": 0.0,
                    "basis": [basis[x] if of == "places" else "supply_links" for x in empty],
                }
            )
            long = pd.concat([long, filler], ignore_index=True)
            long["unit"] = [_seg_key(jurisdiction, c, x) for x in long["segment"]]
            long["period"] = [p] * len(long)
            parts.append(long.assign(place=jurisdiction, chain=c))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    return out.astype({"share": float})


def _metric(rule: alerting.Rule) -> tuple[str, str | None]:
    """``(metric, layer)`` of a falling rule; ConfigError naming the rule and listing the metrics."""
    metric = str(rule.params.get("metric", ""))
    name, _, layer = metric.partition(":")
    if name == "cross_border_linkage" and layer in LAYERS:
        return name, layer
    if name in ("coupling_grade", "hub_spillover") and not layer:
        return name, ("innovation" if name == "hub_spillover" else None)
    raise ConfigError(
        f"rule {rule.id!r}: unknown metric {metric!r}; expected one of {', '.join(FALLING_METRICS)} "
        f"(layers: {', '.join(LAYERS)})",
        param="metric",
    )


def falling_frame(
    backend: Backend,
    metric: str,
    *,
    level: str,
    jurisdiction: str,
    periods: Sequence[Any],
) -> pd.DataFrame:
    """The metric a ``falling`` rule watches, per unit and period: ``unit``, ``period``, ``value``.

    - ``cross_border_linkage:<layer>``: the share of the layer's tie weight (records, ``n``) that crosses a border
      — region-wide between different provinces (of all the layer's ties, province-internal included), for a
      province or a city between it and the rest of the region (of the ties touching it). Unit: the jurisdiction.
    - ``coupling_grade``: the coupling-coordination grade of the ``coupling`` topic (innovation × industry,
      entropy weights over the units of the scale in each period, so the grade is relative to that period's
      places) as its rank 1 (极度失调) … 10 (优质协调). Units: the places the level inspects.
    - ``hub_spillover``: per hub of :data:`chainatlas.geo.HUBS` inside the jurisdiction, the share of its
      joint-patent ties with other cities of the region that go beyond the hubs: 1 − the ``spillover`` topic's
      hub-to-hub share (:func:`chainatlas.analytics.diagnostics.hub_shares`). Annual only.

    A period without ties (or whose figures the reader may not see) has NaN: unknown, never an alert.
    """
    name, _, layer = metric.partition(":")
    if name == "cross_border_linkage":
        if layer not in LAYERS:
            raise ConfigError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}", param="metric")
        return _cross_border(backend, layer, jurisdiction, periods)
    if name == "coupling_grade":
        return _coupling_grade(backend, scale_of(level, jurisdiction), _prefix(jurisdiction), periods)
    if name == "hub_spillover":
        return _hub_spillover(backend, _prefix(jurisdiction), periods)
    raise ConfigError(
        f"unknown metric {metric!r}; expected one of {', '.join(FALLING_METRICS)}", param="metric"
    )


def _cross_border(backend: Backend, layer: str, jurisdiction: str, periods: Sequence[Any]) -> pd.DataFrame:
    level = _level_of(jurisdiction)
    scale, me = ("province", None) if level == "region" else (level, jurisdiction)
    if level != "region" and jurisdiction not in set(geo.places(level)["adcode"].astype(str)):
        raise ConfigError(f"{jurisdiction!r} is not a {level} of the region", param="jurisdiction")
    rows = []
    for p in periods:
        e = query.edges_by(backend, scale=scale, by=("src", "dst"), layer=layer, period=p, place=me)
        w = e["n"].to_numpy(dtype=float)
        cross = (e["src"] != e["dst"]).to_numpy()
        total = float(np.nansum(w))
        rows.append((jurisdiction, p, float(np.nansum(w[cross])) / total if total > 0 else np.nan))
    return pd.DataFrame(rows, columns=["unit", "period", "value"])


def _grade_rank(grade: object) -> float:
    from chainatlas.analytics.coupling import D_GRADES

    ranks = {zh: i + 1.0 for i, (_, zh, _en) in enumerate(D_GRADES)}
    return ranks.get(str(grade), np.nan) if isinstance(grade, str) else np.nan


def _coupling_grade(backend: Backend, scale: str, prefix: str, periods: Sequence[Any]) -> pd.DataFrame:
    from chainatlas.pipeline.analyze.topics_chains import coupling

    units = [u for u in geo.places(scale)["adcode"].astype(str) if u.startswith(prefix)]
    parts = []
    for p in periods:
        try:
            data, _ = coupling(backend, scale=scale, period=p, chain=ALL, segment=ALL)
            grade = dict(zip(data["unit"].astype(str), data["grade"].map(_grade_rank), strict=True))
        except (AccessError, ConfigError):
            # withheld from this reader, or too little data that period for entropy weights: unknown
            grade = {}
        parts.append(
            pd.DataFrame(
                {"unit": units, "period": [p] * len(units), "value": [grade.get(u, np.nan) for u in units]}
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["unit", "period", "value"])


def _hub_spillover(backend: Backend, prefix: str, periods: Sequence[Any]) -> pd.DataFrame:
    from chainatlas.pipeline.analyze.topics_paper import spillover

    hubs = [h for h in geo.HUBS if h.startswith(prefix)]
    try:
        data, _ = spillover(backend, scale="city", period=None, chain=ALL, segment=ALL)
        share = {
            (str(h), _ordinal(y)): 1.0 - float(s)
            for h, y, s in data[["hub", "year", "share"]].itertuples(index=False)
        }
    except ConfigError:  # no joint patents between the region's cities in any period: unknown
        share = {}
    rows = [(h, p, share.get((h, _ordinal(p)), np.nan)) for h in hubs for p in periods]
    return pd.DataFrame(rows, columns=["unit", "period", "value"])


# ================================================================================================ check
_INDICATOR_TYPES = ("threshold", "change", "outlier")
_SEGMENT_TYPES = ("newly_broken", "newly_single", "import_dependence", "concentration")


def _validate(backend: Backend, rules: alerting.RuleSet) -> None:
    """Refuse, before anything is read, what the atlas cannot feed: a type not wired, an unknown metric."""
    unwired = [r.id for r in rules.rules if r.type not in WIRED_TYPES]
    if unwired:
        raise ConfigError(
            f"rules {', '.join(map(repr, unwired))} use types the atlas cannot feed; expected one of "
            f"{', '.join(WIRED_TYPES)}",
            param="rules",
        )
    for r in rules.rules:
        if r.type == "falling":
            _metric(r)
        if r.type in _SEGMENT_TYPES and r.params.get("chain") is not None:
            try:
                query.check_chain(backend, str(r.params["chain"]))
            except ConfigError as e:
                raise ConfigError(f"rule {r.id!r}: {e.reason}", param="chain") from None
        if r.type == "concentration" and r.params.get("of", "places") not in ("places", "suppliers"):
            raise ConfigError(
                f"rule {r.id!r}: expected of: places or suppliers, got {r.params.get('of')!r}", param="of"
            )


def _indicator_frame(
    backend: Backend, indicator: str, scale: str, prefix: str, series: Sequence[Any], memo: _Memo
) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        h = indicator_history(
            backend, indicator=indicator, scale=scale, periods=list(series), groups=False, trend_window=None
        )
        return h.drop(columns=[c for c in ("indicator", "indicator_zh", "direction") if c in h])

    h = memo.get(("indicator", indicator, scale, tuple(series)), make)
    return h[h["unit"].astype(str).str.startswith(prefix)].reset_index(drop=True)


def _frame(rule: alerting.Rule, rules: alerting.RuleSet, series: Sequence[Any], memo: _Memo) -> pd.DataFrame:
    """The frame a rule's evaluator reads, shared by the rules that need the same one."""
    b, j = memo.backend, rules.jurisdiction
    chain = rule.params.get("chain")
    key = (j, tuple(series), chain)
    if rule.type in _INDICATOR_TYPES:
        assert rule.indicator is not None
        return _indicator_frame(b, rule.indicator, scale_of(rules.level, j), _prefix(j), series, memo)
    if rule.type in ("newly_broken", "newly_single"):
        return memo.get(
            ("status", *key), lambda: status_frame(b, jurisdiction=j, periods=series, chain=chain, memo=memo)
        )
    if rule.type == "import_dependence":
        return memo.get(
            ("import", *key),
            lambda: import_dependence_frame(b, jurisdiction=j, periods=series, chain=chain, memo=memo),
        )
    if rule.type == "concentration":
        of = str(rule.params.get("of", "places"))
        return memo.get(
            ("concentration", of, *key),
            lambda: concentration_frame(b, jurisdiction=j, periods=series, of=of, chain=chain, memo=memo),
        )
    metric = str(rule.params["metric"])
    return memo.get(
        ("falling", metric, rules.level, *key),
        lambda: falling_frame(b, metric, level=rules.level, jurisdiction=j, periods=series),
    )


def check(
    backend: Backend,
    rules: alerting.RuleSet,
    *,
    period: object | None = None,
    memo: _Memo | None = None,
    periods: int | None = None,
) -> pd.DataFrame:
    """Evaluate ``rules`` on the atlas over the built periods up to ``period`` (default the latest built year;
    ``2024``, ``"2024Q2"``, ``"2024-05"``) and return the alerts active in that period (firing, or resolving
    within their ``resolve`` periods): one row per (rule, unit) in :data:`COLUMNS`. The periods read are the
    last :func:`lookback` ones (``periods`` to read more), which decide every state; ``since`` sees as far back.

    Columns: ``rule``, ``type``, ``severity``; ``indicator`` (threshold/change/outlier, else None) and ``metric``
    (falling, else None); ``unit`` (a county or city code; for a segment or a jurisdiction-wide metric the
    jurisdiction: ``YRD``, ``320000``...), ``name_zh``; ``chain`` and ``segment`` (``*`` when not about a chain);
    ``layer`` (the indicator's or metric's network layer, else None); ``period`` (inspected), ``state``
    (``firing``/``resolving``), ``opened`` (it opened in this period); the evidence numbers ``value``,
    ``measure``, ``threshold``, ``compared`` (:data:`chainatlas.analytics.alerting.CONDITION_COLUMNS`); ``since``
    (the period it opened); ``owner`` (the rule's owner, else the jurisdiction holding the unit: a county's city,
    a city, a province; the rule set's own jurisdiction for a segment or metric of the whole region);
    ``jurisdictions`` (';'-joined: the unit's city and province; for a segment region-wide the provinces holding
    it — or, when it is broken, those that last held it); ``evidence`` (JSON: the query spec of
    :func:`evidence_records` that lists the records behind the numbers).

    The units are those of the rule set's jurisdiction at its level's scale (:func:`scale_of`); the reader's scope
    applies as everywhere (figures withheld by disclosure control are unknown and never fire). ``memo`` shares
    what several rule sets read (:func:`check_sets`).

    A month or a quarter is inspected on what the atlas holds per month or quarter (customs, tax: the
    sub-annual layers); the rules that read annual data only (:func:`annual_only`: chain statuses, concentration,
    import dependence, coupling grade, hub spillover) are then not evaluated, and the answer's
    ``attrs["skipped"]`` names each with the reason.
    """
    _validate(backend, rules)
    series = inspected_periods(backend, period)
    now = series[-1]
    series = series[-max(periods or 0, lookback(rules, _ordinal(now)[0])) :]
    m = _memo(backend, memo)
    skipped: dict[str, str] = {}
    if _ordinal(now)[0] != "year":
        skipped = {r.id: reason for r in rules.rules if (reason := annual_only(r))}
        rules = alerting.RuleSet(
            rules.level, rules.jurisdiction, tuple(r for r in rules.rules if r.id not in skipped)
        )
    empty = pd.DataFrame(columns=COLUMNS)
    empty.attrs["skipped"] = skipped
    inputs = {r.id: _frame(r, rules, series, m) for r in rules.rules}
    result = alerting.evaluate_rules(rules, inputs)
    st = result.states
    if st.empty:
        return empty
    o = _ordinal(now)[1]
    at_now = st["period"].map(lambda p: _ordinal(p)[1]).to_numpy() == o
    active = st[at_now & st["active"].astype(bool).to_numpy()].copy()
    if active.empty:
        return empty
    ep = result.episodes
    ep = ep.assign(_o=ep["opened"].map(lambda p: _ordinal(p)[1])).sort_values("_o")
    last_open = ep.groupby(["rule", "unit"])["opened"].last()
    by_id = {r.id: r for r in rules.rules}
    out = [
        _row(by_id[r["rule"]], rules, r, now, last_open.get((r["rule"], r["unit"])), m)
        for r in active.to_dict("records")
    ]
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame = frame.assign(_o=frame["severity"].map(_SEVERITY_ORDER)).sort_values(
        ["_o", "rule", "unit", "chain", "segment"]
    )
    frame = frame.drop(columns="_o").reset_index(drop=True)
    for c in ("indicator", "metric", "layer"):  # NULL, not NaN, for the alert store
        frame[c] = pd.Series([v if isinstance(v, str) else None for v in frame[c]], dtype=object)
    frame.attrs["skipped"] = skipped
    return frame


def annual_only(rule: alerting.Rule) -> str | None:
    """Why a rule cannot be evaluated on a month or a quarter (None when it can): the chain statuses and the
    concentration read the firm register (a stock) and patents (dated, annual); import dependence reads the
    customs through :func:`chainatlas.pipeline.chains.chain_trade`, which is annual; the coupling grade and the
    hubs' spillover are annual analyses."""
    if rule.type in ("newly_broken", "newly_single", "concentration"):
        return "chain presence is judged per year (firm register, patents)"
    if rule.type == "import_dependence":
        return "chain_trade reads customs per year"
    if rule.type == "falling" and _metric(rule)[0] in ("coupling_grade", "hub_spillover"):
        return f"{_metric(rule)[0]} is computed per year"
    return None


def _row(
    rule: alerting.Rule,
    rules: alerting.RuleSet,
    r: Mapping[str, Any],
    now: Any,
    since: Any,
    memo: _Memo,
) -> dict[str, Any]:
    unit = str(r["unit"])
    names = memo.get(("names_zh",), _names_zh)
    place, chain, segment = unit.split(_SEP) if _SEP in unit else (unit, ALL, ALL)
    metric = str(rule.params["metric"]) if rule.type == "falling" else None
    layer = None
    if rule.indicator is not None and INDICATORS[rule.indicator].layer in LAYERS:
        layer = INDICATORS[rule.indicator].layer
    if metric is not None:
        layer = _metric(rule)[1]
    name = names.get(place, place)
    if chain != ALL:
        segs = memo.get(("segments",), lambda: query.segments(memo.backend))
        hit = segs[(segs["chain"] == chain) & (segs["segment"] == segment)]
        name = f"{name}·{hit['name_zh'].iloc[0] if len(hit) else segment}"
    if chain != ALL and place == REGION:
        concerned = _holders(memo, chain, segment, now)
        owner = rules.jurisdiction
    elif place == REGION:
        concerned, owner = list(_PROVINCES), rules.jurisdiction
    else:
        concerned, owner = _jurisdictions_of(place), _owner_of(place, rules)
    return {
        "rule": rule.id,
        "type": rule.type,
        "severity": rule.severity,
        "indicator": rule.indicator,
        "metric": metric,
        "unit": place,
        "name_zh": name,
        "chain": chain,
        "segment": segment,
        "layer": layer,
        "period": now,
        "state": r["state"],
        "opened": bool(r["opened"]),
        "value": r["value"],
        "measure": r["measure"],
        "threshold": r["threshold"],
        "compared": r["compared"],
        "since": since,
        "owner": rule.owner or owner,
        "jurisdictions": ";".join(concerned),
        "evidence": json.dumps(_evidence(rule, place, chain, segment, now, layer, memo), ensure_ascii=False),
    }


def _holders(memo: _Memo, chain: str, segment: str, now: Any) -> list[str]:
    """The provinces holding a segment in the inspected period, else in the latest earlier one where any did."""
    periods = memo.get(("series", now), lambda: inspected_periods(memo.backend, now))
    for p in reversed(periods):
        pr = memo.presence(chain, p, "city")
        seg = pr.segments.set_index("segment")
        if segment not in seg.index:
            continue
        basis = "firms_partial" if seg.at[segment, "partial_only"] else seg.at[segment, "basis"]
        cells = pr.cells[(pr.cells["segment"] == segment) & (pr.cells[basis] > 0)]
        provs = sorted({normalize_jurisdiction(str(u)[:2]) for u in cells["unit"]})
        if provs:
            return provs
    return []


def _kinds_feeding(attrs: Iterable[str]) -> list[str]:
    """The input kinds whose records make the node attributes (``x_partial`` from the kinds of ``x``)."""
    base = {a.removesuffix("_partial") for a in attrs}
    return [k for k, f in FEEDS.items() if base & set(f.attrs)]


def _layer_kinds(memo: _Memo, layer: str) -> list[str]:
    """The input kinds whose records make a layer's edges (from the edge sources the atlas holds)."""

    def make() -> list[str]:
        e = query.edges_by(memo.backend, scale="region", by=("layer", "source"), layer=layer)
        sources = set(e["source"].astype(str))
        out = []
        for kind, f in FEEDS.items():
            for pat in f.edges:
                hit = any(s.startswith(pat[:-1]) for s in sources) if pat.endswith("*") else pat in sources
                if hit and kind not in out:
                    out.append(kind)
        return out

    return memo.get(("layer_kinds", layer), make)


def _basis(memo: _Memo, chain: str, segment: str, period: Any) -> str:
    seg = memo.presence(chain, period, "city").segments.set_index("segment")
    if segment not in seg.index:
        return "firms"
    return "firms_partial" if seg.at[segment, "partial_only"] else str(seg.at[segment, "basis"])


def _evidence(
    rule: alerting.Rule, place: str, chain: str, segment: str, period: Any, layer: str | None, memo: _Memo
) -> dict[str, Any]:
    """The query spec of the records behind an alert (see :func:`evidence_records`)."""
    from chainatlas.pipeline.analyze.shared import INDUSTRY_ATTRS, INNOVATION_ATTRS

    attrs: list[str] = []
    kinds: list[str] = []
    if rule.indicator is not None:
        attrs = list(INDICATORS[rule.indicator].inputs)
    elif rule.type in ("newly_broken", "newly_single") or (
        rule.type == "concentration" and rule.params.get("of", "places") == "places"
    ):
        attrs = [_basis(memo, chain, segment, period)]
    elif rule.type == "import_dependence":
        attrs = ["imports", "exports"]
    elif rule.type == "concentration":
        kinds = ["supply_links"]
    elif _metric(rule)[0] == "coupling_grade":
        attrs = [*INNOVATION_ATTRS, *INDUSTRY_ATTRS]
    elif _metric(rule)[0] == "hub_spillover":
        kinds = ["patents"]
    elif layer is not None:
        kinds = _layer_kinds(memo, layer)
    spec: dict[str, Any] = {"kinds": kinds or _kinds_feeding(attrs)}
    if attrs:
        spec["attrs"] = attrs
    spec["place"] = place
    spec["period"] = str(period)
    spec["chain"] = chain
    spec["segment"] = segment
    if layer is not None and not attrs:
        spec["layer"] = layer
    return spec


def check_sets(
    backend: Backend, sets: Sequence[alerting.RuleSet], *, period: object | None = None
) -> pd.DataFrame:
    """:func:`check` for several rule sets at once (sharing what they read): its :data:`COLUMNS` then
    ``set_level`` and ``set_jurisdiction``, the rule set each alert comes from (rule ids are unique only in
    their set); ``attrs["skipped"]`` names the rules not evaluated (``level:jurisdiction:rule`` → reason)."""
    memo = _memo(backend, None)
    # a period that is not built fails before any set is evaluated
    grain = _ordinal(inspected_periods(backend, period)[-1])[0]
    for rs in sets:
        _validate(backend, rs)
    frames, skipped = [], {}
    span = lookback(sets, grain) if sets else 1  # one span for all: the sets share what they read
    for rs in sets:
        got = check(backend, rs, period=period, memo=memo, periods=span)
        skipped.update(
            {f"{rs.level}:{rs.jurisdiction}:{k}": v for k, v in got.attrs.get("skipped", {}).items()}
        )
        if len(got):
            frames.append(got.assign(set_level=rs.level, set_jurisdiction=rs.jurisdiction))
    cols = [*COLUMNS, "set_level", "set_jurisdiction"]
    out = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    out.attrs["skipped"] = skipped
    return out


# ================================================================================================ rule sets
def rules_dir(db: str | Path) -> Path:
    """The directory of a user's own rule sets beside the atlas: ``<db>.rules/``."""
    return config.side_file(db, "rules")


@dataclass(frozen=True)
class _Found:
    rules: alerting.RuleSet
    source: str


def _read_set(text: str, source: str) -> alerting.RuleSet:
    try:
        rs = alerting.parse_rules(text)
        code = rs.jurisdiction if rs.jurisdiction == REGION else normalize_jurisdiction(rs.jurisdiction)
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}", param="rules") from None
    cities = set(geo.places("city")["adcode"].astype(str)) | {"310000"}  # Shanghai: a province and a city
    expected = {"region": code == REGION, "province": code in _PROVINCES, "city": code in cities}[rs.level]
    if not expected or code != rs.jurisdiction:
        raise ConfigError(
            f"{source}: jurisdiction {rs.jurisdiction!r} is not a {rs.level} of the region; expected "
            + {"region": "YRD", "province": ", ".join(_PROVINCES), "city": 'a city code such as "320500"'}[
                rs.level
            ],
            param="rules",
        )
    return rs


def read_rule_set(path: str | Path) -> alerting.RuleSet:
    """One rule set file (YAML: UTF-8 with or without BOM, or GBK/GB18030 as Windows Notepad and WPS save it),
    validated (its jurisdiction a code of its level); ConfigError naming the file."""
    from chainatlas.ingest.read import decode_text

    path = Path(path)
    return _read_set(decode_text(path.read_bytes(), str(path)), str(path))


def _default_sets() -> list[_Found]:
    folder = resources.files("chainatlas").joinpath("data", "rules")
    found = []
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith((".yaml", ".yml")):
            found.append(
                _Found(
                    _read_set(f.read_text(encoding="utf-8"), f"chainatlas/data/rules/{f.name}"),
                    f"default:{f.name}",
                )
            )
    return found


def rule_sets(
    *, level: str | None = None, jurisdiction: str | None = None, user_dir: str | Path | None = None
) -> list[tuple[alerting.RuleSet, str]]:
    """The rule sets to evaluate, with where each comes from (``default:<file>`` or the user's file path).

    The defaults shipped in ``chainatlas/data/rules/`` are replaced, set by set, by the user's own files in
    ``user_dir`` (``*.yaml``, e.g. :func:`rules_dir` of the atlas) of the same level and jurisdiction; a user's
    file for a jurisdiction without a default adds a set. Then ``level`` keeps the sets of that level and
    ``jurisdiction`` those of that jurisdiction — or, with a ``level`` finer than the jurisdiction's own, the sets
    inside it (``level='city', jurisdiction='320000'``: Jiangsu's cities). Default: every set — the region, every
    province and every city with a rule file. Ordered region, provinces, cities.
    """
    if level is not None and level not in alerting.LEVELS:
        raise ConfigError(
            f"unknown level {level!r}; expected one of {', '.join(alerting.LEVELS)}", param="level"
        )
    found = {(f.rules.level, f.rules.jurisdiction): f for f in _default_sets()}
    if user_dir is not None and Path(user_dir).is_dir():
        seen: dict[tuple[str, str], str] = {}
        for path in sorted(Path(user_dir).glob("*.y*ml")):
            rs = read_rule_set(path)
            key = (rs.level, rs.jurisdiction)
            if key in seen:
                raise ConfigError(
                    f"{path} and {seen[key]} are both the {rs.level} rule set of {rs.jurisdiction}; keep one",
                    param="rules",
                )
            seen[key] = str(path)
            found[key] = _Found(rs, str(path))
    code = None if jurisdiction is None else normalize_jurisdiction(jurisdiction)
    order = {lv: i for i, lv in enumerate(alerting.LEVELS)}
    out = []
    for (lv, j), f in sorted(found.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        if level is not None and lv != level:
            continue
        if code is not None:
            own = j == code
            inside = level is not None and code != REGION and j != REGION and j.startswith(_prefix(code))
            if not (own or inside or (code == REGION and level is not None)):
                continue
        out.append((f.rules, f.source))
    if not out:
        have = ", ".join(f"{lv} {j}" for lv, j in sorted(found)) or "none"
        raise ConfigError(
            f"no rule set for level {level or 'any'} and jurisdiction {jurisdiction or 'any'}; the sets are: {have}",
            param="jurisdiction" if jurisdiction is not None else "level",
        )
    return out


# ================================================================================================ evidence
#: the parties of each input kind's records: (credit-code column, place column, name-key column); a party with
#: a code or name is placed as the build places it (its own place, else the register's)
_PARTIES: dict[str, tuple[tuple[str | None, str | None, str | None], ...]] = {
    "firms": ((None, "adcode", None),),
    "patents": (("code", "adcode", "name_norm"),),  # the applicants (raw_patents_parties)
    "patent_transfers": (("from_code", "from_adcode", "from_norm"), ("to_code", "to_adcode", "to_norm")),
    "papers": (("code", "adcode", "name_norm"),),  # the institutions (raw_papers_parties)
    "tech_contracts": (
        ("seller_code", "seller_adcode", "seller_norm"),
        ("buyer_code", "buyer_adcode", "buyer_norm"),
    ),
    "supply_links": (("supplier_code", None, "supplier_norm"), ("customer_code", None, "customer_norm")),
    "investments": (("investor_code", None, "investor_norm"), ("investee_code", None, "investee_norm")),
    "trade": (("credit_code", None, "firm_norm"),),
    "tax": (("credit_code", "adcode", "firm_norm"),),
    "flows": ((None, "origin", None), (None, "destination", None)),
    "services": (
        ("provider_code", "provider_adcode", "provider_norm"),
        ("user_code", "user_adcode", "user_norm"),
    ),
    "enclaves": ((None, "host_adcode", None), (None, "origin_adcode", None)),
    # an enclave's agreement names the enclave only: its place is the enclave's host (joined in _records)
    "enclave_terms": ((None, "_host_adcode", None),),
    "enclave_shareholders": (("shareholder_code", "adcode", "shareholder_norm"),),
    "tax_sharing": ((None, "collecting_adcode", None), (None, "sharing_adcode", None)),
    "vouchers": (
        ("provider_code", "provider_adcode", "provider_norm"),
        ("holder_code", "holder_adcode", "holder_norm"),
    ),
    "recognitions": ((None, "adcode_a", None), (None, "adcode_b", None)),
    "policies": ((None, "adcode", None),),
    "needs": (("credit_code", None, "firm_norm"),),
    "experts": (("institution_code", "adcode", "institution_norm"),),
    "alliances": (("member_code", "member_adcode", "member_norm"),),
}
#: kinds whose records are one row per party in ``raw_<kind>_parties``
_PARTY_TABLES = ("patents", "papers")
#: how a kind's record reaches a chain segment besides an explicit chain/segment: HS product, main IPC, entity
_SEGMENT_KEY = {
    "trade": "h",
    "supply_links": "h",
    "patents": "i",
    "firms": "e",
    "tax": "e",
    "needs": "e",
    "tech_contracts": "e",
}


@dataclass(frozen=True)
class _Feed:
    """How the records of one kind make a node attribute (as :func:`chainatlas.pipeline.facts.node_facts`)."""

    kind: str
    # index into _PARTIES[kind]: whose place the attribute counts at; a tuple: at each of them, once per party
    # inside the place (a voucher recognition counts at both of its places)
    party: int | tuple[int, ...] = 0
    value: str | None = None  # the amount summed; None: each record counts 1 (or its party share)
    where: Callable[[Any], Any] | None = None
    stock: bool = (
        False  # counted in every period from its start (firms), or in every period (experts: undated)
    )


def _etype(kind: str) -> Callable[[Any], Any]:
    return lambda t: t.entity_type.fill_null("firm") == kind


def _direction(d: str) -> Callable[[Any], Any]:
    return lambda t: t.direction == d


#: node attribute → its records (every attribute of :data:`chainatlas.pipeline.facts.FEEDS`)
_ATTR_FEEDS: dict[str, _Feed] = {
    "firms": _Feed("firms", where=_etype("firm"), stock=True),
    "employees": _Feed("firms", value="employees", where=_etype("firm"), stock=True),
    "universities": _Feed("firms", where=_etype("university"), stock=True),
    "institutes": _Feed("firms", where=_etype("institute"), stock=True),
    "patents": _Feed("patents"),
    "papers": _Feed("papers"),
    "tech_sold": _Feed("tech_contracts", 0, "value"),
    "tech_bought": _Feed("tech_contracts", 1, "value"),
    "imports": _Feed("trade", value="value", where=_direction("import")),
    "exports": _Feed("trade", value="value", where=_direction("export")),
    "revenue": _Feed("tax", value="revenue"),
    "tax_paid": _Feed("tax", value="tax_paid"),
    "enclave_output": _Feed("enclaves", value="output"),
    "policies": _Feed("policies"),
    "needs": _Feed("needs"),
    "experts": _Feed("experts", stock=True),
    "enclave_agreements": _Feed("enclave_terms", stock=True),
    "tax_sharing_agreements": _Feed("tax_sharing", stock=True),
    "voucher_recognitions": _Feed("recognitions", party=(0, 1), stock=True),
}
#: the columns every answer of :func:`evidence_records` starts with
EVIDENCE_COLUMNS = ["kind", "attr", "place", "year", "value"]
_SPEC_KEYS = ("kinds", "attrs", "place", "period", "chain", "segment", "layer")


def _spec(evidence: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except json.JSONDecodeError as e:
            raise ConfigError(f"the evidence is not JSON: {e}", param="evidence") from None
    if not isinstance(evidence, Mapping):
        raise ConfigError(f"expected a mapping with {list(_SPEC_KEYS)}, got {evidence!r}", param="evidence")
    spec = dict(evidence)
    extra = sorted(set(spec) - set(_SPEC_KEYS))
    if extra:
        raise ConfigError(
            f"unknown key(s) {extra}; an evidence spec has {list(_SPEC_KEYS)}", param="evidence"
        )
    kinds = spec.get("kinds")
    if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
        raise ConfigError(
            f"expected kinds: a list of input kinds of {sorted(KINDS)}, got {kinds!r}", param="evidence"
        )
    attrs = spec.get("attrs") or []
    bad = [a for a in attrs if a.removesuffix("_partial") not in _ATTR_FEEDS]
    if bad:
        raise ConfigError(
            f"unknown attribute(s) {bad}; expected node attributes of {sorted(_ATTR_FEEDS)}", param="evidence"
        )
    spec["attrs"] = list(attrs)
    return spec


def _bounds(period: object) -> tuple[int, list[str] | None, tuple[str, str] | None]:
    """Year of a period; for a month or quarter also its period texts and its first and last dates."""
    grain, o = _ordinal(period)
    if grain == "year":
        return o, None, None
    per = 12 if grain == "month" else 4
    year, i = divmod(o, per)
    months = [i + 1] if grain == "month" else [3 * i + 1, 3 * i + 2, 3 * i + 3]
    texts = [f"{year:04d}-{m:02d}" for m in months] + ([f"{year:04d}Q{i + 1}"] if grain == "quarter" else [])
    last = pd.Timestamp(year=year, month=months[-1], day=1) + pd.offsets.MonthEnd(0)
    return year, texts, (f"{year:04d}-{months[0]:02d}-01", last.strftime("%Y-%m-%d"))


def _in_period(t: Any, kind: str, period: object, stock: bool) -> Any:
    """The records of ``period``: dated in it (a stock: started by its end; undated ones always)."""
    import ibis

    year, texts, dates = _bounds(period)
    k = KINDS[kind]
    if k.period_field is None:  # undated records (experts): of every period
        return t
    if stock:
        cond = t.year.isnull() | (t.year <= year)
        if dates is not None:
            cond = t[k.period_field].isnull() | (
                t[k.period_field].cast("date") <= ibis.literal(dates[1]).cast("date")
            )
        return t.filter(cond)
    t = t.filter(t.year == year)
    if texts is None or k.period_field is None:
        return t
    f = k.field(k.period_field) if k.period_field in k.names else None
    if f is not None and f.rule == "period":
        return t.filter(t[k.period_field].isin(texts))
    lo, hi = (ibis.literal(d).cast("date") for d in dates)  # type: ignore[misc]
    col = t[k.period_field].cast("date")
    return t.filter((col >= lo) & (col <= hi))


def _in_segment(backend: Backend, t: Any, kind: str, chain: str, segment: str) -> Any:
    """Records of one chain segment: the explicit chain/segment of the record, else its product, IPC or entity."""
    from chainatlas.pipeline.facts import ipc_main

    sl = query.table(backend, "seg_lookup")
    sl = sl.filter((sl.chain == chain) & (sl.segment == segment))
    how = _SEGMENT_KEY.get(kind)
    cond = None
    if how == "h":
        cond = t.hs_code.substr(0, 6).isin(sl.filter(sl.ck_type == "h").ck)
    elif how == "i":
        cond = ipc_main(t._ipc).isin(sl.filter(sl.ck_type == "i").ck)
    elif how == "e":
        cond = t._eid.isin(sl.filter(sl.ck_type == "e").ck)
    if "chain" in t.columns and "segment" in t.columns:
        explicit = (t.chain == chain) & (t.segment == segment)
        cond = explicit if cond is None else explicit | (t.chain.isnull() & cond)
    return t if cond is None else t.filter(cond.fill_null(False))


def _records(
    backend: Backend, kind: str, attr: str | None, spec: Mapping[str, Any], prefix: str, limit: int
) -> pd.DataFrame:
    import ibis

    from chainatlas.pipeline.facts import Resolver

    feed = _ATTR_FEEDS.get(attr.removesuffix("_partial")) if attr else None
    name = f"raw_{kind}_parties" if kind in _PARTY_TABLES else f"raw_{kind}"
    if not backend.has_table(name):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    t = query.table(backend, name)
    if kind in _PARTY_TABLES:
        rec = query.table(backend, f"raw_{kind}")
        key = "patent_id" if kind == "patents" else "paper_id"
        extra = {"_ipc": rec.ipc} if kind == "patents" else {}
        sel = rec.select(_rid=rec[key], **extra)
        t = t.join(sel, t.record_id == sel._rid)
    if kind == "enclave_terms":  # an agreement names its enclave only: it is placed at the enclave's host
        from chainatlas.pipeline.facts import enclave_places

        hosts = enclave_places(lambda n: query.table(backend, n))
        hosts = hosts.select(_h_eid=hosts.enclave_id, _host_adcode=hosts.host_adcode)
        t = t.left_join(hosts, t.enclave_id == hosts._h_eid).drop("_h_eid")
    t = _in_period(t, kind, spec["period"], bool(feed and feed.stock))
    if feed is not None and feed.where is not None:
        t = t.filter(feed.where(t))
    resolve = Resolver(lambda n: query.table(backend, n))
    for i, (code, adcode, norm) in enumerate(_PARTIES[kind]):
        if code is None:
            t = t.mutate(
                **{f"_p{i}_place": t[adcode].cast("string"), f"_p{i}_eid": ibis.null().cast("string")}
            )
        else:
            t = resolve(t, code, adcode, norm, f"_p{i}")
    # an attribute counts at one party's place (a contract's seller for tech_sold); the records of a kind at any
    # party's; a record reaches a segment through its first party (the seller, the supplier), as the build does
    if feed is None:
        counted = [f"_p{i}_place" for i in range(len(_PARTIES[kind]))]
    else:
        counted = [f"_p{p}_place" for p in (feed.party if isinstance(feed.party, tuple) else (feed.party,))]
    inside = [t[c].startswith(prefix).fill_null(False) for c in counted]
    eid = ibis.coalesce(t.credit_code, ibis.literal("N:") + t.name_norm) if kind == "firms" else t._p0_eid
    t = t.mutate(
        _place=ibis.cases(*[(ok, t[c]) for ok, c in zip(inside, counted, strict=True)], else_=t[counted[0]]),
        _inside=functools.reduce(operator.or_, inside),
        _n_inside=functools.reduce(operator.add, [i.cast("float64") for i in inside]),
        _eid=eid,
    )
    if prefix:
        t = t.filter(t._inside)
    chain, segment = spec.get("chain", ALL), spec.get("segment", ALL)
    if chain != ALL and segment != ALL:
        t = _in_segment(backend, t, kind, chain, segment)
    if feed is not None and feed.value is not None:
        value = t[feed.value].cast("float64")
    elif feed is not None and isinstance(feed.party, tuple):
        value = t._n_inside
    elif kind in _PARTY_TABLES:
        value = 1.0 / t.n_parties.cast("float64")
    else:
        own = next((c for c in ("value", "amount") if c in KINDS[kind].names), None)
        value = t[own].cast("float64") if own else ibis.literal(1.0)
    hidden = [c for c in t.columns if c.startswith("_")]
    t = t.mutate(kind=ibis.literal(kind), attr=ibis.literal(attr, type="string"), place=t._place, value=value)
    t = t.drop(*hidden) if hidden else t
    order = [c for c in ("year", "row_number", "record_id", "seq") if c in t.columns]
    t = t.order_by(order) if order else t
    out = backend.execute(t.limit(limit))
    rest = [c for c in out.columns if c not in EVIDENCE_COLUMNS]
    return out[[*EVIDENCE_COLUMNS, *rest]]


def evidence_records(backend: Backend, evidence: Mapping[str, Any] | str, limit: int = 200) -> pd.DataFrame:
    """The records behind an alert's numbers: its ``evidence`` query spec run on the raw records, read under the
    reader's scope (a Suzhou user sees only Suzhou's records, whatever the spec names).

    Parameters
    ----------
    evidence : mapping or JSON text
        ``kinds`` (input kinds, required), ``attrs`` (node attributes the numbers are made of: each picks the
        kind's records that make it — customs imports, a contract's seller...), ``place`` (an adcode or ``YRD``:
        records placed inside it, at the party's own place or else the register's, as the build places them),
        ``period`` (``2024``, ``2024Q2``, ``2024-05``: records of that period; firms and other stocks: existing by
        its end), ``chain`` and ``segment`` (``*`` for all: records reaching the segment by their explicit chain
        and segment, HS product, main IPC or the firm's industry, where the kind has one), ``layer`` (informative).
    limit : int
        Rows at most (over all kinds).

    Returns
    -------
    DataFrame
        ``kind, attr, place, year, value`` (``value``: what the record adds to the attribute — an amount, 1, or a
        multi-party record's share) then the record's own columns.
    """
    spec = _spec(evidence)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError(f"expected a positive integer, got {limit!r}", param="limit")
    place = str(spec.get("place") or REGION)
    if place != REGION and not (len(place) == 6 and place.isdigit()):
        raise ConfigError(
            f"expected place: YRD or a 6-digit administrative code, got {place!r}", param="evidence"
        )
    prefix = _prefix(place)
    _ordinal(spec.get("period"))
    frames = []
    for kind in spec["kinds"]:
        attrs = [a for a in spec["attrs"] if a.removesuffix("_partial") in FEEDS[kind].attrs] or [None]
        for attr in attrs:
            frames.append(_records(backend, kind, attr, spec, prefix, limit))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return pd.concat(frames, ignore_index=True).head(limit)
