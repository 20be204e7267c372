"""The inspection report (巡检报告): one period of the atlas as a self-contained HTML file or a PDF a planner can
hand to a leader (issue 13, item 7).

Wiring only. Every figure is read through the seams the API reads through, so the report and the API agree:

=====================  ================================================================================
section                source (the API route showing the same numbers)
=====================  ================================================================================
six layers             :func:`chainatlas.pipeline.query.edges_by` (``/api/edges``: ties between distinct
                       units, records ``n``, amounts ``value``); cross-province share by
                       :func:`chainatlas.analytics.networks.crossing_share`
places' activity       the same edges, per unit (the map)
断链 / 单点 / 卡点      :func:`chainatlas.pipeline.chains.chain_presence` (``/api/chains/{chain}/matrix``)
coupling               the ``coupling`` topic (``/api/analytics/topics/coupling``)
alerts                 the ``alerts`` argument (``chainatlas report --alerts FILE``: what ``chainatlas check -o``
                       wrote); else the alerts ``chainatlas check`` recorded for the period (the alert store, with
                       status and first-reported values); else :func:`chainatlas.pipeline.monitor.check_sets` over
                       the atlas's rule sets, listed in the report
highlights             :func:`chainatlas.pipeline.history.history_all` (risers and fallers per indicator)
=====================  ================================================================================

**Scope.** A jurisdiction (``YRD``, a province, city or county code) narrows the places to those whose adcode
starts with its prefix (:func:`chainatlas.model.access.jurisdiction_prefix`) and the whole report is read under
that :class:`~chainatlas.model.access.Scope` (:func:`chainatlas.pipeline.query.scoped`, without personal data),
so disclosure control applies as it does for a user of that jurisdiction. The region and a province are shown
by city, a city, a county and Shanghai by county. A scoped report names no place outside its jurisdiction: the
layers count the ties that touch it; chain statuses are the region's judgement (断链 means no producer anywhere
in the region) with the jurisdiction's own presence beside them.

**Output.** :func:`render_html` gives one self-contained file (pictures are base64 PNG drawn with matplotlib
from the package's own boundaries; the figures are also embedded as JSON in ``<script id="report-data">``
and as ``data-value`` attributes); :func:`render_pdf` prints it with WeasyPrint, embedding a CJK font found on
the machine (:func:`cjk_font`) by a local file URL, and refuses to fetch anything else.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import math
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError, ExportError, GeoError
from chainatlas.model.access import REGION, Scope, jurisdiction_prefix, normalize_jurisdiction
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.layers import LAYERS
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.result import data_version, jsonable
from chainatlas.storage.base import Backend

__all__ = [
    "ALERT_COLUMNS",
    "CJK_FONTS",
    "FORMATS",
    "ReportFile",
    "cjk_font",
    "print_pdf",
    "read_alerts",
    "render_html",
    "render_pdf",
    "report_data",
    "write_report",
]

#: output formats
FORMATS = ("html", "pdf")
#: languages of the report's text
LANGS = ("zh", "en")
#: the columns of an alert frame the report reads (others are ignored; missing ones are empty)
ALERT_COLUMNS = (
    "alert_id",
    "severity",
    "status",
    "title",
    "rule",
    "unit",
    "name_zh",
    "chain",
    "segment",
    "period",
    "value",
    "first_value",
    "measure",
    "threshold",
    "owner",
    "jurisdictions",
)
#: further columns shown when present (``chainatlas check`` writes them)
_ALERT_EXTRAS = ("indicator", "compared", "since", "state")
#: CJK fonts tried in order (Debian: fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei); then fontconfig
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
#: the report's pictures: pixels per inch of the PNGs
_DPI = 144

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------------------------- scope
@dataclass(frozen=True)
class _Where:
    """The jurisdiction of a report: code, name, adcode prefix and the scale its places are shown at."""

    code: str
    name_zh: str
    name_en: str
    prefix: str
    scale: str

    def inside(self, units: pd.Series) -> pd.Series:
        return units.astype(str).str.startswith(self.prefix)


def _where(jurisdiction: str | None) -> _Where:
    code = normalize_jurisdiction(jurisdiction or REGION)
    if code == REGION:
        return _Where(REGION, "长三角全域", "Yangtze River Delta (whole region)", "", "city")
    try:
        p = geo.place(code)
    except GeoError:  # a well-formed code that names no place
        raise ConfigError(
            f"{jurisdiction!r} names no province, city or county of the region; expected YRD or an adcode "
            "such as 320000, 320500, 320506",
            param="jurisdiction",
        ) from None
    prefix = jurisdiction_prefix(code)
    cities = geo.places("city")["adcode"].astype(str)
    scale = "city" if p["level"] == "province" and cities.str.startswith(prefix).sum() > 1 else "county"
    return _Where(code, str(p["name_zh"]), str(p["name_en"]), prefix, scale)


# ---------------------------------------------------------------------------------------------- sections
def _previous(backend: Backend, period: int) -> int | None:
    before = [p for p in query.periods(backend) if p < period]
    return before[-1] if before else None


def _ratio(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or not math.isfinite(old) or old == 0 or not math.isfinite(new):
        return None
    return (new - old) / abs(old)


def _layer_state(e: pd.DataFrame, where: _Where) -> dict:
    """One layer in one period from its edges ``src, dst, n, value`` touching the jurisdiction."""
    from chainatlas.analytics.networks import crossing_share
    from chainatlas.pipeline.analyze.shared import province_of

    between = e[e["src"] != e["dst"]]
    internal = e[e["src"] == e["dst"]]
    units = sorted(set(between["src"]) | set(between["dst"]))
    cross = (
        crossing_share(between, province_of(units), weight="n")
        if len(between) and between["n"].sum() > 0
        else None
    )
    out = {
        "ties": len(between),
        "n": float(between["n"].sum()),
        "value": float(between["value"].sum(skipna=True)),
        "internal_n": float(internal["n"].sum()),
        "cross_province_share": None if cross is None or not math.isfinite(cross) else float(cross),
    }
    if where.prefix:
        tot = float(between["n"].sum())
        outside = between[~(where.inside(between["src"]) & where.inside(between["dst"]))]
        out["outside_share"] = float(outside["n"].sum()) / tot if tot > 0 else None
    return out


def _layers(
    backend: Backend, where: _Where, period: int, prev: int | None
) -> tuple[list[dict], pd.DataFrame]:
    """The six layers' state in ``period`` and ``prev``, and every unit's activity (records of the ties that
    touch it, internal ones included) in both periods."""
    years = [period] if prev is None else [prev, period]
    e = query.edges_by(backend, scale=where.scale, by=("year", "layer", "src", "dst"), years=years)
    if where.prefix:
        e = e[where.inside(e["src"]) | where.inside(e["dst"])]
    rows = []
    for layer in LAYERS.values():
        now = _layer_state(e[(e["layer"] == layer.id) & (e["year"] == period)], where)
        before = (
            _layer_state(e[(e["layer"] == layer.id) & (e["year"] == prev)], where)
            if prev is not None
            else None
        )
        change = None
        if before is not None:
            change = {k: _ratio(now[k], before[k]) for k in ("ties", "n", "value", "internal_n")}
            a, b = now["cross_province_share"], before["cross_province_share"]
            change["cross_province_share_pp"] = None if a is None or b is None else 100 * (a - b)
        rows.append(
            {"layer": layer.id, "zh": layer.zh, "en": layer.en, **now, "previous": before, "change": change}
        )
    ends = pd.concat(
        [
            e[["year", "src", "n"]].rename(columns={"src": "unit"}),
            e.loc[e["src"] != e["dst"], ["year", "dst", "n"]].rename(columns={"dst": "unit"}),
        ]
    )
    act = ends.groupby(["unit", "year"])["n"].sum().unstack("year").reindex(columns=years, fill_value=0.0)
    act = act.fillna(0.0)
    activity = pd.DataFrame(
        {
            "unit": act.index.astype(str),
            "n": act[period].to_numpy(dtype=float),
            "prev_n": act[prev].to_numpy(dtype=float) if prev is not None else np.nan,
        }
    )
    return rows, activity


def _names(backend: Backend, scale: str) -> pd.DataFrame:
    return query.names(backend, scale)[["unit", "name_zh", "name_en"]].astype({"unit": str})


def _places(backend: Backend, where: _Where, activity: pd.DataFrame, top: int = 10) -> list[dict]:
    names = _names(backend, where.scale)
    a = activity[query.proper(where.scale, activity["unit"]).to_numpy() & where.inside(activity["unit"])]
    a = a.merge(names, on="unit", how="left").sort_values(["n", "unit"], ascending=[False, True])
    return [
        {
            "unit": r.unit,
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "n": float(r.n),
            "prev_n": None if pd.isna(r.prev_n) else float(r.prev_n),
            "change": _ratio(float(r.n), None if pd.isna(r.prev_n) else float(r.prev_n)),
        }
        for r in a.head(top).itertuples()
    ]


def _segment_row(s: Mapping[str, Any], local: float | None) -> dict:
    keep = (
        "segment",
        "name_zh",
        "name_en",
        "topo_order",
        "basis",
        "status",
        "single_by",
        "partial_only",
        "choke",
        "n_cities",
        "n_firms",
        "patents",
        "top_import_region",
        "top_import_share",
        "net_import_ratio",
    )
    row = {k: s.get(k) for k in keep}
    row["local"] = local
    return row


def _chains(backend: Backend, where: _Where, period: int, prev: int | None) -> list[dict]:
    """Per chain: the region's 断链 / 单点 / 卡点 judgement now and in ``prev``, and the jurisdiction's presence."""
    from chainatlas.pipeline.chains import chain_presence

    out = []
    for c in query.chains(backend).sort_values("id").itertuples():
        pr = chain_presence(backend, c.id, period, where.scale)
        before = chain_presence(backend, c.id, prev, "city") if prev is not None else None
        old = before.segments.set_index("segment")["status"].to_dict() if before is not None else {}
        cells = pr.cells
        if where.prefix:
            cells = cells[where.inside(cells["unit"])]
        rows = []
        for s in pr.segments.to_dict("records"):
            mine = cells[cells["segment"] == s["segment"]]
            local = float(mine[s["basis"]].sum(skipna=True)) if where.prefix else None
            row = _segment_row(s, local)
            row["previous_status"] = old.get(s["segment"])
            row["flag"] = bool(
                row["status"] in ("broken", "single", "no_data")
                or row["choke"]
                or (where.prefix and not (local or 0) > 0)
            )
            rows.append(row)
        statuses = [r["status"] for r in rows]
        out.append(
            {
                "chain": c.id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "segments": len(rows),
                "completeness": pr.share,
                "previous_completeness": before.share if before is not None else None,
                "broken": pr.broken,
                "single": pr.single,
                "choke": pr.choke,
                "no_data": [r["segment"] for r in rows if r["status"] == "no_data"],
                "newly_broken": [
                    r["segment"] for r in rows if r["status"] == "broken" and r["previous_status"] != "broken"
                ]
                if before is not None
                else [],
                "newly_single": [
                    r["segment"] for r in rows if r["status"] == "single" and r["previous_status"] != "single"
                ]
                if before is not None
                else [],
                "ok": statuses.count("ok"),
                "local_missing": [r["segment"] for r in rows if where.prefix and not (r["local"] or 0) > 0],
                "rows": rows,
            }
        )
    return out


def _coupling_table(backend: Backend, where: _Where, period: int) -> tuple[pd.DataFrame, str]:
    """The ``coupling`` topic at the report's scale; under a scope that withholds some places' figures, the
    same computation over the jurisdiction's own units (``method`` says which)."""
    from chainatlas.errors import AccessError
    from chainatlas.pipeline.analyze import analyze
    from chainatlas.pipeline.analyze.shared import INDUSTRY_ATTRS, INNOVATION_ATTRS, coupling_frame

    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            data = analyze(backend, "coupling", scale=where.scale, period=period).data
        return data, "topic"
    except AccessError:
        pass
    n = query.nodes(backend, scale=where.scale, period=period)
    n = n[query.proper(where.scale, n["unit"]).to_numpy() & where.inside(n["unit"]).to_numpy()]
    n = n.assign(**{a: 0.0 for a in (*INNOVATION_ATTRS, *INDUSTRY_ATTRS) if a not in n})
    if len(n) < 2:
        return pd.DataFrame(columns=["unit", "name_zh", "D", "grade"]), "too_few"
    with np.errstate(divide="ignore", invalid="ignore"):
        data, _ = coupling_frame(n.set_index("unit"), list(INNOVATION_ATTRS), list(INDUSTRY_ATTRS))
    data = _names(backend, where.scale)[["unit", "name_zh"]].merge(data.reset_index(), on="unit", how="right")
    return data, "jurisdiction"


def _coupling(backend: Backend, where: _Where, period: int, prev: int | None) -> dict:
    from chainatlas.analytics.coupling import D_GRADES

    data, method = _coupling_table(backend, where, period)
    before = _coupling_table(backend, where, prev)[0] if prev is not None else None
    if len(data):
        data = data[where.inside(data["unit"]).to_numpy()]
    names = _names(backend, where.scale).set_index("unit")["name_en"]
    prev_d = before.set_index("unit")["D"] if before is not None and len(before) else pd.Series(dtype=float)
    units = [
        {
            "unit": str(r["unit"]),
            "name_zh": r.get("name_zh"),
            "name_en": names.get(str(r["unit"])),
            "innovation": r.get("innovation"),
            "industry": r.get("industry"),
            "C": r.get("C"),
            "T": r.get("T"),
            "D": r.get("D"),
            "grade": r.get("grade"),
            "grade_en": r.get("grade_en"),
            "prev_D": prev_d.get(r["unit"]),
        }
        for r in data.sort_values(["D", "unit"], ascending=[False, True]).to_dict("records")
    ]
    d = pd.to_numeric(data["D"], errors="coerce") if len(data) else pd.Series(dtype=float)
    grades = [
        {"grade": zh, "grade_en": en, "units": int((data["grade"] == zh).sum()) if len(data) else 0}
        for _, zh, en in D_GRADES
    ]
    mean_prev = None
    if before is not None and len(before) and len(data):
        mean_prev = float(pd.to_numeric(prev_d.reindex(data["unit"]), errors="coerce").mean())
    return {
        "scale": where.scale,
        "method": method,
        "units": units,
        "grades": grades,
        "mean_D": float(d.mean()) if d.notna().any() else None,
        "previous_mean_D": mean_prev if mean_prev is not None and math.isfinite(mean_prev) else None,
    }


def _set_rules(sets: list) -> list[dict]:
    """The rules of the rule sets evaluated, as the report lists them."""
    out = []
    for rs in sets:
        for r in rs.rules:
            desc = r.description or r.id
            out.append(
                {
                    "id": f"{rs.jurisdiction}:{r.id}",
                    "severity": r.severity,
                    "indicator": r.indicator,
                    "description_zh": desc.split(" / ")[0],
                    "description_en": desc.split(" / ")[-1],
                }
            )
    return out


def _stored_alerts(backend: Backend, where: _Where, period: Any) -> pd.DataFrame | None:
    """The findings of the alerts ``chainatlas check`` recorded for ``period`` inside the jurisdiction, one row
    per finding with its value as first reported and as revised; None when no check of the period was recorded."""
    from chainatlas import config
    from chainatlas.storage.alerts import AlertStore

    path = getattr(backend, "path", None)
    if path is None or not config.side_file(path, "alerts").exists():
        return None
    store = AlertStore(config.side_file(path, "alerts"))
    runs = store.runs()
    if runs.empty or str(period) not in set(runs["period"].astype(str)):
        return None
    listed = store.list(period=period, jurisdiction=None if where.code == REGION else where.code)
    from chainatlas.pipeline.monitor import rule_sets, rules_dir

    described = {
        r.id: r.description
        for rs, _ in rule_sets(user_dir=rules_dir(path))
        for r in rs.rules
        if r.description
    }
    rows = []
    for a in listed.itertuples(index=False):
        f = store.detail(int(a.id))["findings"]
        f = f[f["period"].astype(str) == str(period)]
        for x in f.itertuples(index=False):
            rows.append(
                {
                    "alert_id": int(a.id),
                    "severity": x.severity,
                    "status": a.status,
                    "title": described.get(x.rule, x.rule),
                    "rule": x.rule,
                    "unit": str(a.unit),
                    "name_zh": a.name_zh,
                    "chain": a.chain,
                    "segment": a.segment,
                    "period": x.period,
                    "value": x.value,
                    "first_value": x.first_value,
                    "measure": x.measure,
                    "threshold": x.threshold,
                    "owner": x.owner,
                    "jurisdictions": a.jurisdictions,
                    "indicator": x.indicator,
                    "compared": x.compared,
                    "since": x.since,
                    "state": x.state,
                    "evidence": x.evidence,
                }
            )
    return pd.DataFrame(rows, columns=[*ALERT_COLUMNS, *_ALERT_EXTRAS, "evidence"])


def _check_alerts(backend: Backend, period: Any) -> tuple[pd.DataFrame, list]:
    """The atlas's own rule sets (:func:`chainatlas.pipeline.monitor.rule_sets`) evaluated now."""
    from chainatlas.pipeline.monitor import check_sets, rule_sets, rules_dir

    path = getattr(backend, "path", None)
    sets = [rs for rs, _ in rule_sets(user_dir=rules_dir(path) if path is not None else None)]
    a = check_sets(backend, sets, period=period)
    descriptions = {(rs.jurisdiction, r.id): r.description or r.id for rs in sets for r in rs.rules}
    frame = pd.DataFrame(
        {
            "alert_id": [f"{r}:{u}:{s}" for r, u, s in zip(a["rule"], a["unit"], a["since"], strict=True)],
            "severity": a["severity"],
            "status": a["state"],
            "title": [descriptions[(j, r)] for j, r in zip(a["set_jurisdiction"], a["rule"], strict=True)],
            "rule": a["rule"],
            "unit": a["unit"].astype(str),
            "name_zh": a["name_zh"],
            "chain": a["chain"],
            "segment": a["segment"],
            "indicator": a["indicator"],
            "period": a["period"],
            "since": a["since"],
            "value": a["value"],
            "compared": a["compared"],
            "measure": a["measure"],
            "threshold": a["threshold"],
            "owner": a["owner"],
            "jurisdictions": a["jurisdictions"],
            "evidence": a["evidence"],
        }
    )
    return frame, sets


def read_alerts(path: Path) -> pd.DataFrame:
    """Alerts from a file ``chainatlas check -o`` wrote: CSV (UTF-8 with BOM) or JSON (``data``, a list of
    records); codes and periods stay text."""
    path = Path(path)
    text_cols = {
        c: str
        for c in ("unit", "jurisdictions", "period", "since", "alert_id", "rule", "chain", "segment", "owner")
    }
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
            records = raw.get("data", raw) if isinstance(raw, dict) else raw
            frame = pd.DataFrame(records)
            for c in text_cols:
                if c in frame:
                    frame[c] = frame[c].map(lambda v: None if v is None else str(v))
        else:
            frame = pd.read_csv(path, dtype=text_cols, encoding="utf-8-sig")  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path}: not an alerts file (the CSV or JSON `chainatlas check -o` writes): {exc}",
            param="alerts",
        ) from None
    missing = [c for c in ("severity", "unit") if c not in frame]
    if missing:
        raise ConfigError(
            f"{path}: expected alert columns {', '.join(missing)} (as `chainatlas check -o` writes)",
            param="alerts",
        )
    return frame


def _evidence_kinds(evidence: Any) -> list[str]:
    """The input kinds an alert's evidence query reads (``{"kinds": ["tax"], ...}`` as ``check`` writes it)."""
    if isinstance(evidence, str) and evidence.strip().startswith("{"):
        try:
            evidence = json.loads(evidence)
        except ValueError:
            return []
    kinds = evidence.get("kinds") if isinstance(evidence, Mapping) else None
    return [str(k) for k in kinds] if isinstance(kinds, list) else []


def _owner(owner: Any, where: _Where) -> tuple[str | None, str | None]:
    """An alert's suggested owner for people: a place code as the place's name, one outside a jurisdiction's
    report as "outside the jurisdiction" (its report names no other place); other text as it is."""
    if owner is None or str(owner).strip() == "":
        return None, None
    text = str(owner).strip()
    if not re.fullmatch(r"\d{6}", text):
        return text, text
    if where.prefix and not text.startswith(where.prefix):
        return "辖区外", "outside the jurisdiction"
    try:
        p = geo.place(text)
    except GeoError:
        return text, text
    return str(p["name_zh"]), str(p["name_en"])


def _inside_alert(row: Mapping[str, Any], where: _Where) -> bool:
    if not where.prefix:
        return True
    unit = row.get("unit")
    if unit is not None and not (isinstance(unit, float) and math.isnan(unit)) and str(unit):
        return str(unit).startswith(where.prefix)
    js = row.get("jurisdictions")
    codes = js if isinstance(js, (list, tuple)) else str(js or "").replace(",", ";").split(";")
    return any(str(j).strip().startswith(where.prefix) for j in codes)


def _alerts(backend: Backend, where: _Where, period: int, given: pd.DataFrame | None) -> dict:
    """Alerts of the period inside the jurisdiction, most severe first, with where they came from."""
    # the alerts given; else those `chainatlas check` recorded for the period; else the atlas's rule sets now
    sets: list = []
    stored = None if given is not None else _stored_alerts(backend, where, period)
    if given is not None:
        frame, source = given, "argument"
    elif stored is not None:
        frame, source = stored, "store"
    else:
        (frame, sets), source = _check_alerts(backend, period), "check"
    frame = frame.copy()
    for c in (*ALERT_COLUMNS, *_ALERT_EXTRAS):
        if c not in frame:
            frame[c] = None
    if "period" in frame and frame["period"].notna().any():
        frame = frame[frame["period"].isna() | (frame["period"].astype(str) == str(period))]
    if frame["status"].isna().all() and "state" in frame:
        frame["status"] = frame["state"]
    keep = [c for c in (*ALERT_COLUMNS, *_ALERT_EXTRAS, "evidence") if c in frame]
    rows = [jsonable(r) for r in frame[keep].to_dict("records")]
    rows = [r for r in rows if _inside_alert(r, where)]
    names = _names(backend, where.scale).set_index("unit")
    for r in rows:
        if r.get("alert_id") is None:  # findings of `check`: one per rule, place and opening
            r["alert_id"] = f"{r.get('rule')}:{r.get('unit')}:{r.get('since') or r.get('period')}"
        for c in ("chain", "segment"):
            if r.get(c) in ("*", ""):
                r[c] = None
        r["sources"] = _evidence_kinds(r.pop("evidence", None))
        r["owner_zh"], r["owner_en"] = _owner(r.get("owner"), where)
        js = r.get("jurisdictions")
        codes = js if isinstance(js, list) else [j for j in str(js or "").replace(",", ";").split(";") if j]
        r["parties"] = len(codes)
        r.pop("jurisdictions", None)  # other parties of a joint alert are not this report's places to name
        u = r.get("unit")
        r.setdefault("name_en", None)  # a segment's alert names a jurisdiction, not a unit of the scale
        if u is not None and str(u) in names.index:
            r["name_zh"] = r.get("name_zh") or names.at[str(u), "name_zh"]
            r["name_en"] = names.at[str(u), "name_en"]
        title = str(r.get("title") or "")
        if " / " in title:  # "中文 / English"
            zh, en = title.split(" / ", 1)
            r["title_zh"], r["title_en"] = zh.strip(), en.strip()
        else:
            r["title_zh"] = r["title_en"] = title or None
        ind = INDICATORS.get(str(r.get("indicator") or ""))
        r["indicator_zh"] = ind.zh if ind else None
        r["indicator_en"] = ind.en if ind else None
        r["unit_zh"] = ind.unit_zh if ind else None
    rows.sort(
        key=lambda r: (_SEVERITY_ORDER.get(str(r.get("severity")), 9), str(r.get("rule")), str(r.get("unit")))
    )
    counts = {s: sum(1 for r in rows if r.get("severity") == s) for s in _SEVERITY_ORDER}
    return {"source": source, "rows": rows, "counts": counts, "rules": _set_rules(sets)}


def _highlights(backend: Backend, where: _Where, period: int, top: int = 3) -> list[dict]:
    """Per base indicator: the jurisdiction's total now and before, and the units that rose and fell most."""
    from chainatlas.pipeline.history import history_all

    h = history_all(backend, scale=where.scale, period=period, groups=False)
    h = h[where.inside(h["unit"]).to_numpy()]
    out = []
    for ind in INDICATORS.values():
        if ind.id.endswith("_partial"):
            continue
        d = h[h["indicator"] == ind.id]
        value = pd.to_numeric(d["value"], errors="coerce")
        prev = pd.to_numeric(d["prev_value"], errors="coerce")
        if value.notna().sum() == 0:
            continue
        ch = d.assign(change=pd.to_numeric(d["change"], errors="coerce")).dropna(subset=["change"])

        def rows(frame: pd.DataFrame) -> list[dict]:
            return [
                {
                    "unit": str(r["unit"]),
                    "name_zh": r["name_zh"],
                    "name_en": r["name_en"],
                    "value": r["value"],
                    "prev_value": r["prev_value"],
                    "change": r["change"],
                    "change_pct": r["change_pct"],
                }
                for r in frame.to_dict("records")
            ]

        risers = ch[ch["change"] > 0].sort_values(["change", "unit"], ascending=[False, True]).head(top)
        fallers = ch[ch["change"] < 0].sort_values(["change", "unit"], ascending=[True, True]).head(top)
        total = float(value.sum())
        total_prev = float(prev.sum()) if prev.notna().any() else None
        out.append(
            {
                "indicator": ind.id,
                "zh": ind.zh,
                "en": ind.en,
                "unit_zh": ind.unit_zh,
                "unit_en": ind.unit_en,
                "direction": ind.direction,
                "total": total,
                "previous_total": total_prev,
                "change": _ratio(total, total_prev),
                "risers": rows(risers),
                "fallers": rows(fallers),
            }
        )
    return out


def _provenance(backend: Backend, period: int, prev: int | None) -> dict:
    info = query.dataset_info(backend)
    keep = (
        "generator",
        "version",
        "synthetic",
        "size",
        "seed",
        "years",
        "note_zh",
        "note_en",
        "total_records",
    )
    return {
        "dataset": {k: info.get(k) for k in keep if k in info},
        "contains_synthetic": bool(info.get("contains_synthetic")),
        "data_version": data_version(backend),
        "built_periods": query.periods(backend),
        "chainatlas_version": _software_version(),
        "period": period,
        "previous_period": prev,
    }


def _software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainatlas")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "unknown"


def report_data(
    backend: Backend,
    *,
    period: int | str | None = None,
    jurisdiction: str | None = None,
    alerts: pd.DataFrame | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict:
    """Every figure of the inspection report of one period, as plain JSON-safe data.

    Parameters
    ----------
    backend : Backend
        A built atlas.
    period : int or str, optional
        A built period (default the latest); changes are on the built period before it.
    jurisdiction : str, optional
        ``YRD`` (default) or the code of a province, city or county: the report's places and its read scope.
    alerts : DataFrame, optional
        The alerts to report (:data:`ALERT_COLUMNS`; others ignored; rows of other periods dropped). Without
        it: the alerts recorded for the period in the atlas's alert store, or when no check of it was recorded,
        :func:`chainatlas.pipeline.monitor.check_sets` over the atlas's rule sets.
    progress : callable, optional
        ``progress(step, i, n)`` before each slow step.
    now : datetime, optional
        The generation time written on the cover (default: now).

    Returns
    -------
    dict
        ``period``, ``previous_period``, ``jurisdiction`` (code, names, prefix, scale), ``generated_at``,
        ``synthetic``, ``provenance``, ``layers``, ``places`` (the most active), ``activity`` (every place's
        records, for the map), ``chains``, ``coupling``, ``alerts``, ``highlights``.
    """
    where = _where(jurisdiction)
    year = _period(backend, period)
    prev = _previous(backend, year)
    steps = ("layers", "chains", "coupling", "alerts", "highlights")
    doc: dict[str, Any] = {}
    with query.scoped(Scope(where.prefix, personal=False)):
        doc["provenance"] = _provenance(backend, year, prev)
        for i, step in enumerate(steps):
            if progress is not None:
                progress(f"{step} / {_STEP_ZH[step]}", i + 1, len(steps))
            if step == "layers":
                doc["layers"], activity = _layers(backend, where, year, prev)
                doc["places"] = _places(backend, where, activity)
                inside = activity[
                    query.proper(where.scale, activity["unit"]).to_numpy() & where.inside(activity["unit"])
                ]
                doc["activity"] = {u: float(n) for u, n in zip(inside["unit"], inside["n"], strict=True)}
            elif step == "chains":
                doc["chains"] = _chains(backend, where, year, prev)
            elif step == "coupling":
                doc["coupling"] = _coupling(backend, where, year, prev)
            elif step == "alerts":
                doc["alerts"] = _alerts(backend, where, year, alerts)
            else:
                doc["highlights"] = _highlights(backend, where, year)
    synthetic = bool(doc["provenance"]["contains_synthetic"] or doc["provenance"]["dataset"].get("synthetic"))
    doc["summary"] = _summary(doc)
    head = {
        "report": "chainatlas.inspection",
        "period": year,
        "previous_period": prev,
        "jurisdiction": {
            "code": where.code,
            "name_zh": where.name_zh,
            "name_en": where.name_en,
            "prefix": where.prefix,
            "scale": where.scale,
        },
        "generated_at": (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "synthetic": synthetic,
    }
    return jsonable({**head, **doc})  # type: ignore[return-value]


def _summary(doc: Mapping[str, Any]) -> dict:
    """The cover's key points: totals over the six layers and the chains, alert counts, mean coordination."""
    layers = doc["layers"]
    n = sum(r["n"] for r in layers)
    prev = [r["previous"] for r in layers]
    n_prev = sum(p["n"] for p in prev) if all(p is not None for p in prev) else None
    crossed = sum(r["n"] * r["cross_province_share"] for r in layers if r["cross_province_share"] is not None)
    crossed_prev = (
        sum(p["n"] * p["cross_province_share"] for p in prev if p["cross_province_share"] is not None)
        if n_prev is not None
        else None
    )
    chains = doc["chains"]
    return {
        "records": n,
        "previous_records": n_prev,
        "records_change": _ratio(n, n_prev),
        "ties": sum(r["ties"] for r in layers),
        "cross_province_share": crossed / n if n > 0 else None,
        "previous_cross_province_share": crossed_prev / n_prev
        if n_prev and crossed_prev is not None
        else None,
        "chains": len(chains),
        "segments": sum(c["segments"] for c in chains),
        "broken": sum(len(c["broken"]) for c in chains),
        "single": sum(len(c["single"]) for c in chains),
        "choke": sum(len(c["choke"]) for c in chains),
        "newly_broken": sum(len(c["newly_broken"]) for c in chains),
        "newly_single": sum(len(c["newly_single"]) for c in chains),
        "local_missing": sum(len(c["local_missing"]) for c in chains),
        "alerts": len(doc["alerts"]["rows"]),
        "alert_counts": doc["alerts"]["counts"],
        "mean_D": doc["coupling"]["mean_D"],
        "previous_mean_D": doc["coupling"]["previous_mean_D"],
    }


_STEP_ZH = {
    "layers": "六层网络",
    "chains": "断链单点卡点",
    "coupling": "耦合协调",
    "alerts": "预警",
    "highlights": "指标亮点",
}


def _period(backend: Backend, period: int | str | None) -> int:
    """A built period: an int year (``"2024"`` too); other keys are refused naming the built ones."""
    if period is None:
        return query.latest(backend, None)
    text = str(period).strip()
    built = query.periods(backend)
    if not text.isdigit() or int(text) not in built:
        raise ConfigError(
            f"{period!r} is not a built period; the report covers built years (months and quarters not yet): "
            f"{', '.join(map(str, built)) or 'none'}",
            param="period",
        )
    return int(text)


# ---------------------------------------------------------------------------------------------- pictures
def cjk_font() -> Path:
    """A CJK font file on this machine: the first of :data:`CJK_FONTS` present, else fontconfig's match for
    Chinese; ExportError with the install command when there is none."""
    for p in CJK_FONTS:
        if Path(p).is_file():
            return Path(p)
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).is_file() and Path(found).suffix.lower() in (".ttc", ".ttf", ".otf"):
            return Path(found)
    raise ExportError(
        "no CJK font on this machine to print Chinese with; install one: "
        "apt-get install fonts-wqy-zenhei (or fonts-noto-cjk), or run `make report-deps`"
    )


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None}, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _rings(geometry: Mapping[str, Any]) -> list[np.ndarray]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [np.asarray(ring, dtype=float) for poly in polys for ring in poly[:1]]


def _classes(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Upper bounds of up to ``k`` quantile classes of the positive values (distinct, increasing)."""
    pos = values[values > 0]
    if len(pos) == 0:
        return np.array([])
    return np.unique(np.quantile(pos, np.linspace(0, 1, k + 1)[1:]))


def map_png(doc: Mapping[str, Any], font: Path, lang: str = "zh") -> str:
    """The places' activity (records of the six layers' ties) as a choropleth on the bundled boundaries."""
    import matplotlib
    from matplotlib import patheffects
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_hex
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch

    where = doc["jurisdiction"]
    prefix, scale = where["prefix"], where["scale"]
    fp = FontProperties(fname=str(font), size=7)
    feats = [
        f for f in geo.boundaries(scale)["features"] if str(f["properties"]["adcode"]).startswith(prefix)
    ]
    act = doc["activity"]
    values = np.array([act.get(f["properties"]["adcode"], 0.0) for f in feats], dtype=float)
    bounds = _classes(values)
    cmap = matplotlib.colormaps["YlOrRd"]
    colors = [to_hex(cmap(0.15 + 0.8 * i / max(len(bounds) - 1, 1))) for i in range(len(bounds))]
    polys, faces = [], []
    for f, v in zip(feats, values, strict=True):
        k = int(np.searchsorted(bounds, v, side="left")) if v > 0 else -1
        for ring in _rings(f["geometry"]):
            polys.append(ring)
            faces.append(colors[min(k, len(colors) - 1)] if k >= 0 else "#eeeeee")
    fig = _figure(6.4, 5.6)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="#ffffff", linewidths=0.35))
    if not prefix:
        outline = [r for f in geo.boundaries("province")["features"] for r in _rings(f["geometry"])]
        ax.add_collection(PolyCollection(outline, facecolors="none", edgecolors="#555555", linewidths=0.8))
    pts = np.concatenate(polys) if polys else np.zeros((1, 2))
    lat = float(np.mean(pts[:, 1]))
    ax.set_xlim(pts[:, 0].min() - 0.05, pts[:, 0].max() + 0.05)
    ax.set_ylim(pts[:, 1].min() - 0.05, pts[:, 1].max() + 0.05)
    ax.set_aspect(1 / math.cos(math.radians(lat)))
    ax.set_axis_off()
    # the most active places named at their interior point
    places = geo.places().set_index("adcode")
    label = "name_zh" if lang == "zh" else "name_en"
    order = np.argsort(-values, kind="stable")[: min(8, int((values > 0).sum()))]
    halo = [patheffects.withStroke(linewidth=2.2, foreground="#ffffff")]
    for i in order:
        code = feats[i]["properties"]["adcode"]
        p = places.loc[code]
        short = p["short_zh"] if lang == "zh" and pd.notna(p["short_zh"]) else p[label]
        ax.annotate(
            str(short),
            (float(p["ilon"]), float(p["ilat"])),
            ha="center",
            va="center",
            fontproperties=fp,
            color="#1a1a1a",
            path_effects=halo,
        )
    labels = [f"≤ {_fmt(bounds[0])}"] if len(bounds) else []
    labels += [f"{_fmt(lo)} – {_fmt(hi)}" for lo, hi in itertools.pairwise(bounds)]
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=lb) for c, lb in zip(colors, labels, strict=True)
    ]
    handles.append(Patch(facecolor="#eeeeee", edgecolor="#999999", label=_T["no_records"][lang]))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(1.0, 0.0),
        prop=fp,
        frameon=False,
        title=_T["records"][lang],
        title_fontproperties=fp,
    )
    return _png(fig)


def bars_png(doc: Mapping[str, Any], font: Path, lang: str = "zh") -> str:
    """Each layer's change on the previous period (%): records and ties between distinct places; without a
    previous period, the records themselves (log scale: the symbiosis layer's flows outnumber the rest)."""
    from matplotlib.font_manager import FontProperties

    fp = FontProperties(fname=str(font), size=8)
    layers = doc["layers"]
    names = [row["zh"] if lang == "zh" else row["en"] for row in layers]
    fig = _figure(6.4, 2.7)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(layers))
    if doc["previous_period"] is not None:
        series = (("n", "records", "#c0392b"), ("ties", "ties", "#5b7db1"))
        for k, (key, word, color) in enumerate(series):
            v = np.array([100 * ((row["change"] or {}).get(key) or 0.0) for row in layers], dtype=float)
            bars = ax.bar(x + (k - 0.5) * 0.38, v, 0.38, color=color, label=_T[word][lang])
            ax.bar_label(bars, labels=[f"{y:+.1f}%" for y in v], fontproperties=fp, padding=1.5, fontsize=6.5)
        ax.axhline(0, color="#555555", linewidth=0.6)
        ax.set_ylabel(_T["change_pct_axis"][lang], fontproperties=fp)
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:+.0f}%")
        ax.margins(y=0.18)
    else:
        ax.bar(x, [max(row["n"], 1.0) for row in layers], 0.6, color="#c0392b", label=str(doc["period"]))
        ax.set_yscale("log")
        ax.set_ylabel(_T["records"][lang], fontproperties=fp)
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontproperties=fp)
    for t in ax.get_yticklabels():
        t.set_fontproperties(fp)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(prop=fp, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(fig)


# ---------------------------------------------------------------------------------------------- rendering
def _fmt(x: Any, digits: int | None = None) -> str:
    """A number for people: thousands separators; decimals only for small or fractional values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    x = float(x)
    if digits is None:
        digits = 0 if abs(x) >= 100 or x == int(x) else 2 if abs(x) < 10 else 1
    return f"{x:,.{digits}f}"


def _pct(x: Any, signed: bool = False, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{100 * float(x):{'+' if signed else ''}.{digits}f}%"


def _pp(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{float(x):+.1f}"


def _trend(x: Any) -> str:
    """``up``, ``down`` or ``flat`` (CSS class of a change)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or float(x) == 0:
        return "flat"
    return "up" if float(x) > 0 else "down"


def _w(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


#: the report's words: key → 中文 and English
_T: dict[str, dict[str, str]] = {
    "title": _w("长三角产业链创新链巡检报告", "YRD Industry and Innovation Chains: Inspection Report"),
    "subtitle": _w("产业链创新链地图系统 · 周期巡检", "Chain Atlas · periodic inspection"),
    "period": _w("巡检期", "Period"),
    "compared": _w("对比期", "Compared with"),
    "jurisdiction": _w("辖区", "Jurisdiction"),
    "scale": _w("展示尺度", "Places shown by"),
    "generated": _w("生成时间", "Generated at"),
    "provenance": _w("数据来源与版本", "Data provenance"),
    "synthetic_label": _w("合成数据", "SYNTHETIC DATA"),
    "synthetic_text": _w(
        "本报告基于程序生成的合成（虚构）数据，仅用于演示与测试，不代表任何真实企业或地区的实际情况。",
        "This report is computed from generated, fictitious data, for demonstration and testing only; it "
        "describes no real firm or place.",
    ),
    "real_data": _w("数据来源：已加载的业务数据（非合成）。", "Data: the loaded records (not synthetic)."),
    "dataset": _w("数据集", "Dataset"),
    "batches": _w("数据批次", "Batches"),
    "built_at": _w("最近构建", "Last build"),
    "built_periods": _w("已构建期", "Built periods"),
    "software": _w("软件版本", "Software"),
    "summary": _w("要点", "Key points"),
    "s_layers": _w("一、六层网络：状态与变化", "1. The six network layers: state and change"),
    "s_chains": _w("二、产业链：断链、单点与卡点", "2. Chains: broken links, single points, choke points"),
    "s_coupling": _w("三、创新—产业耦合协调", "3. Innovation–industry coupling coordination"),
    "s_alerts": _w("四、预警与证据", "4. Alerts and their evidence"),
    "s_highlights": _w("五、指标亮点", "5. Indicator highlights"),
    "s_method": _w("附：口径与方法", "Appendix: definitions and methods"),
    "layer": _w("网络层", "Layer"),
    "ties": _w("联系对数", "Ties"),
    "records": _w("联系记录数", "Records"),
    "change_pct_axis": _w("较上期变化", "Change on the previous period"),
    "value": _w("金额合计", "Amount"),
    "internal": _w("单元内部记录", "Internal records"),
    "cross_province": _w("跨省联系占比", "Cross-province share"),
    "outside": _w("跨辖区联系占比", "Share leaving the jurisdiction"),
    "change": _w("较上期", "Change"),
    "change_pp": _w("较上期（百分点）", "Change (pp)"),
    "no_records": _w("无记录", "no records"),
    "map_caption": _w(
        "各地联系活跃度：六层网络中与该地相关的联系记录数（含单元内部），分五档着色。",
        "Places' activity: records of the six layers' ties touching each place (internal ones included), "
        "in five quantile classes.",
    ),
    "bars_caption": _w(
        "各网络层较上期的变化：跨地区联系记录数与联系对数。",
        "Each layer's change on the previous period: records and pairs of places with ties.",
    ),
    "bars_caption_first": _w(
        "各网络层跨地区联系记录数（对数坐标；首个已构建期，无上期可比）。",
        "Records of ties between distinct places per layer (log scale; the first built period, nothing to "
        "compare with).",
    ),
    "top_places": _w("联系最活跃的地区", "Most active places"),
    "place": _w("地区", "Place"),
    "chain": _w("产业链", "Chain"),
    "segments": _w("环节数", "Segments"),
    "completeness": _w("完整度", "Completeness"),
    "broken": _w("断链", "Broken"),
    "single": _w("单点", "Single point"),
    "choke": _w("卡点", "Choke point"),
    "no_data": _w("无数据", "No data"),
    "ok": _w("正常", "OK"),
    "newly": _w("本期新增", "New this period"),
    "local_missing": _w("本辖区缺失环节", "Segments absent from the jurisdiction"),
    "segment": _w("环节", "Segment"),
    "status": _w("状态", "Status"),
    "prev_status": _w("上期状态", "Previous"),
    "cities": _w("有生产的城市数", "Cities producing"),
    "firms": _w("企业数", "Firms"),
    "local": _w("本辖区", "In the jurisdiction"),
    "imports": _w("进口来源", "Import source"),
    "net_import": _w("净进口比", "Import ratio"),
    "flagged": _w("需关注的环节", "Segments to watch"),
    "all_ok": _w("各环节均有多地生产，未见断链、单点或卡点。", "Every segment is held by several places."),
    "mean_d": _w("平均协调度 D", "Mean coordination D"),
    "grade": _w("协调等级", "Grade"),
    "units": _w("单元数", "Places"),
    "coupling_topic": _w(
        "按 coupling 分析专题计算（熵权法，标准耦合模型），与 /api/analytics/topics/coupling 一致。",
        "Computed by the coupling topic (entropy weights, standard model), as /api/analytics/topics/coupling.",
    ),
    "coupling_jurisdiction": _w(
        "辖区外部分地区的营收、出口等数据受披露控制不可见，耦合协调度在本辖区单元之间计算（熵权基于辖区内单元）。",
        "Some places outside the jurisdiction have withheld revenue and exports (disclosure control): the "
        "coordination is computed among the jurisdiction's own places.",
    ),
    "coupling_too_few": _w(
        "本辖区单元不足两个，无法计算耦合协调度。",
        "Fewer than two places in the jurisdiction: no coordination can be computed.",
    ),
    "innovation_index": _w("创新指数", "Innovation index"),
    "industry_index": _w("产业指数", "Industry index"),
    "alerts_argument": _w("预警来自调用方提供的预警列表。", "Alerts as given by the caller."),
    "alerts_store": _w(
        "预警来自本期巡检（chainatlas check）记录的预警库，含处置状态与首报值。",
        "Alerts as the period's inspection (`chainatlas check`) recorded them, with their handling status and the "
        "figures as first reported.",
    ),
    "alerts_check": _w(
        "本期尚未记录巡检：以下预警按图谱的规则集即时评估（规则见下）；"
        "运行 chainatlas check 记录预警后，报告将列示其处置状态。",
        "No inspection of this period was recorded: these alerts were evaluated now with the atlas's rule sets "
        "below; run `chainatlas check` to record them with their handling.",
    ),
    "no_alerts": _w("本期无活动预警。", "No active alert this period."),
    "severity": _w("级别", "Severity"),
    "critical": _w("严重", "critical"),
    "warning": _w("警告", "warning"),
    "info": _w("提示", "info"),
    "rule": _w("规则", "Rule"),
    "indicator": _w("指标", "Indicator"),
    "evidence": _w("证据", "Evidence"),
    "sources": _w("数据来源", "Records"),
    "since": _w("起始期", "Since"),
    "owner": _w("建议责任方", "Suggested owner"),
    "alert_state": _w("状态", "State"),
    "parties": _w("涉及辖区数", "Jurisdictions"),
    "measure": _w("检验值", "Measure"),
    "threshold": _w("阈值", "Threshold"),
    "compared_value": _w("参照值", "Reference"),
    "first_value": _w("首报值", "First reported"),
    "rules_used": _w("规则集", "Rule sets"),
    "total": _w("辖区合计", "Total"),
    "risers": _w("增长最多", "Rose most"),
    "fallers": _w("下降最多", "Fell most"),
    "direction_down": _w("（越低越好）", "(lower is better)"),
    "more_rows": _w("其余从略", "others omitted"),
    "synthetic_short": _w("虚构数据，仅供演示", "fictitious, for demonstration only"),
    "none_before": _w("无（首个已构建期）", "none (first built period)"),
    "scale_city": _w("地级市", "cities"),
    "scale_county": _w("县（市、区）", "counties"),
    "kp_records": _w(
        "六层网络跨地区联系记录 %s 条，涉及 %s 对地区联系",
        "%s records of ties between distinct places in the six layers, over %s place pairs",
    ),
    "kp_change": _w("，较上期 %s", ", %s on the previous period"),
    "kp_cross": _w("；跨省联系占 %s。", "; %s of them cross a provincial border."),
    "kp_chains": _w(
        "%s 条产业链共 %s 个环节：断链 %s 个、单点 %s 个、卡点 %s 个",
        "%s chains, %s segments: %s broken, %s single points, %s choke points",
    ),
    "kp_newly": _w("；本期新增断链 %s 个、单点 %s 个", "; new this period: %s broken, %s single points"),
    "kp_local": _w("；本辖区缺失环节 %s 个。", "; %s segments absent from the jurisdiction."),
    "kp_coupling": _w("创新—产业耦合协调度均值 D = %s", "Mean innovation–industry coordination D = %s"),
    "kp_coupling_prev": _w("（上期 %s）。", " (previous period %s)."),
    "kp_alerts": _w(
        "本期活动预警 %s 条：严重 %s、警告 %s、提示 %s。",
        "%s active alerts: %s critical, %s warning, %s info.",
    ),
    "loaded_records": _w("已加载记录", "loaded records"),
    "rows": _w("条记录", "records"),
    "last_batch": _w("最新批次", "latest batch"),
    "reproduce": _w("复现命令", "To reproduce"),
    "previous": _w("上期", "Previous"),
    "layers_note": _w(
        "按%s汇总（全部产业链）。联系对数：有记录的不同地区对；联系记录数：两地之间的记录条数"
        "（多方记录按份额计）；金额合计按各来源原始单位相加，仅作同口径比较。",
        "By %s, all chains. Ties: pairs of distinct places with records; records: records between them "
        "(multi-party records in shares); amounts add the sources' own units and compare only like with like.",
    ),
    "layers_scoped": _w(
        "本辖区报告只计至少一端在辖区内的联系。",
        " A jurisdiction's report counts the ties with at least one end inside it.",
    ),
    "chains_note": _w(
        "断链：全域无生产者；单点：仅一个城市或一家企业；卡点：依赖进口（进口占贸易≥50%）且单一来源地区占进口"
        "≥50%。状态为全域判断（城市尺度），与 /api/chains/{chain}/matrix 一致。",
        "Broken: no producer in the region; single point: one city or one firm only; choke point: imports at "
        "least half of the segment's trade, half of them from one partner region. Judged region-wide at city "
        "scale, as /api/chains/{chain}/matrix.",
    ),
    "partial_only": _w("（仅部分归属企业）", " (partial members only)"),
    "by_city": _w("仅一城", "one city"),
    "by_firm": _w("仅一家企业", "one firm"),
    "basis_firms": _w("家企业", "firms"),
    "basis_patents": _w("件专利", "patents"),
    "description": _w("说明", "Description"),
    "joint": _w("涉及 %s 个辖区", "concerns %s jurisdictions"),
    "state_firing": _w("触发中", "firing"),
    "state_resolving": _w("待解除", "resolving"),
    "state_pending": _w("待触发", "pending"),
    "state_open": _w("待处理", "open"),
    "state_acknowledged": _w("已确认", "acknowledged"),
    "state_assigned": _w("已指派", "assigned"),
    "state_handling": _w("处置中", "in handling"),
    "state_resolved": _w("已解除", "resolved"),
    "state_closed": _w("已关闭", "closed"),
    "highlights_note": _w(
        "按%s计算各指标本期值与上期相比的变化（chainatlas history）；增长、下降按绝对变化排序，括号内为变化率。",
        "Each indicator's change on the previous period by %s (chainatlas history); risers and fallers by "
        "absolute change, the rate in brackets.",
    ),
    "m_layers": _w(
        "六层网络：共生、知识、创新、产业、服务、价值网络（潘秋晨 2023，二），由已加载记录构建；跨省联系占比为"
        "两端位于不同省份的记录占跨地区记录的比例。",
        "Six layers: symbiosis, knowledge, innovation, industry, service and value networks (潘秋晨 2023, "
        "section 二), built from the loaded records; the cross-province share is the share of records between "
        "places in different provinces.",
    ),
    "m_chains": _w(
        "断链、单点、卡点由 pipeline.chains.chain_presence 统一判定，与地图产业链视图、API 相同。",
        "Broken links, single and choke points are judged by pipeline.chains.chain_presence, as the map's "
        "chain view and the API.",
    ),
    "m_coupling": _w(
        "耦合协调度：创新子系统（专利、论文、技术输出、专家）与产业子系统（营收、企业、出口、从业人员）"
        "熵权指数的耦合度 C、综合指数 T，D = √(C·T)，按廖重斌（1999）十级分等。",
        "Coupling coordination: entropy-weight indices of innovation (patents, papers, technology sold, "
        "experts) and industry (revenue, firms, exports, employees); C, T and D = √(C·T), graded in the ten "
        "bands of 廖重斌 (1999).",
    ),
    "m_alerts": _w(
        "预警证据：本期值、参照值（上期值、历史中位数等）、检验值与阈值；起始期为该预警本轮首次触发的期。",
        "Alert evidence: the value, its reference (previous value, historical median...), the measure tested "
        "and its threshold; 'since' is the period the alert opened.",
    ),
    "m_highlights": _w(
        "指标口径见指标目录（/api/indicators）；未报告的数值记为未知，不按 0 计算变化。",
        "Indicators as in the catalogue (/api/indicators); unreported values are unknown, never a 0 change.",
    ),
    "m_scope": _w(
        "辖区报告按该辖区用户的权限读取数据（披露控制适用），只列示辖区内地区。",
        "A jurisdiction's report reads as a user of that jurisdiction (disclosure control applies) and lists "
        "only places inside it.",
    ),
}


def _segnames(chain: Mapping[str, Any], ids: list[str], lang: str = "zh") -> str:
    """Names of some segments of one chain of the report, joined."""
    names = {r["segment"]: r[f"name_{lang}"] or r["segment"] for r in chain["rows"]}
    return ("、" if lang == "zh" else ", ").join(names.get(i, i) for i in ids)


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (files("chainatlas") / "data" / "report" / name).read_text("utf-8")
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_fmt, pct=_pct, pp=_pp, trend=_trend)
    env.globals["segnames"] = _segnames
    return env


def render_html(
    doc: Mapping[str, Any], *, lang: str = "zh", pictures: bool = True, pdf_font: Path | None = None
) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    doc : mapping
        From :func:`report_data`.
    lang : {'zh', 'en'}
    pictures : bool
        Draw the map and the bar chart (base64 PNG inside the file).
    pdf_font : Path, optional
        For printing: an ``@font-face`` naming this local font file is added (never in an HTML handed out).
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r}; expected zh or en", param="lang")
    font = cjk_font() if pictures or pdf_font is not None else None
    figures = {}
    if pictures and font is not None:
        figures = {"map": map_png(doc, font, lang), "bars": bars_png(doc, font, lang)}
    css = (files("chainatlas") / "data" / "report" / "report.css").read_text("utf-8")
    if pdf_font is not None:
        css = (
            "@font-face { font-family: 'Report CJK'; src: url('"
            + pdf_font.resolve().as_uri()
            + "'); }\n"
            + css
        )
    words = {k: v[lang] for k, v in _T.items()}
    data_json = json.dumps(doc, ensure_ascii=False, allow_nan=False, sort_keys=True)
    # inside <script>: no "</" can end the element early
    data_json = data_json.replace("</", "<\\/").replace("<!--", "<\\!--")
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            doc=doc,
            t=words,
            lang=lang,
            css=css,
            figures=figures,
            data_json=data_json,
            name=f"name_{lang}",
            for_pdf=pdf_font is not None,
        )
    )


def print_pdf(html: str) -> bytes:
    """An HTML document (from :func:`render_html` with ``pdf_font``) printed to PDF by WeasyPrint; only local files
    and ``data:`` URLs are read."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint without the Pango libraries
        raise ExportError(
            f"printing PDF needs WeasyPrint and Pango ({exc}); install them: `pip install weasyprint` and "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0` (or run `make report-deps`)"
        ) from None
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # local files (the font) and data: URLs (the pictures) only; anything else stops the printing
    fetcher = URLFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)
    try:
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:
        raise ExportError(f"the report may read only local files and data: URLs; {exc}") from None


def render_pdf(doc: Mapping[str, Any], *, lang: str = "zh") -> bytes:
    """The report as PDF (A4), printed with WeasyPrint and a CJK font embedded (subset)."""
    return print_pdf(render_html(doc, lang=lang, pdf_font=cjk_font()))


# ---------------------------------------------------------------------------------------------- files
@dataclass(frozen=True)
class ReportFile:
    """A report written: its ``path``, ``format``, ``bytes``, the ``period`` and ``jurisdiction`` it reports,
    the number of ``alerts`` in it and whether it is ``synthetic``."""

    path: Path
    format: str
    bytes: int
    period: int
    jurisdiction: str
    alerts: int
    synthetic: bool
    alert_source: str


def write_report(
    backend: Backend,
    output: Path,
    *,
    fmt: str | None = None,
    period: int | str | None = None,
    jurisdiction: str | None = None,
    lang: str = "zh",
    alerts: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> ReportFile:
    """Compute the report (:func:`report_data`) and write it as HTML or PDF (``fmt``, default from the suffix).

    Raises
    ------
    ConfigError
        Unknown format or language, a period not built, a jurisdiction that names no place.
    ExportError
        No CJK font, or (PDF) WeasyPrint or Pango missing; the message gives the install command.
    """
    output = Path(output)
    fmt = (fmt or output.suffix.lstrip(".") or "html").lower()
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise ConfigError(f"unknown report format {fmt!r}; expected html or pdf", param="format")
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r}; expected zh or en", param="lang")
    cjk_font()  # fail before the slow steps
    total = len(_STEP_ZH) + (2 if fmt == "pdf" else 1)

    def step(what: str, i: int, _n: int = 0) -> None:
        if progress is not None:
            progress(what, i, total)

    doc = report_data(backend, period=period, jurisdiction=jurisdiction, alerts=alerts, progress=step)
    step("pictures and layout / 制图与排版", len(_STEP_ZH) + 1)
    if fmt == "html":
        payload = render_html(doc, lang=lang).encode("utf-8")
    else:
        html = render_html(doc, lang=lang, pdf_font=cjk_font())
        step("PDF / 打印 PDF", total)
        payload = print_pdf(html)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(payload)
    tmp.replace(output)
    return ReportFile(
        path=output,
        format=fmt,
        bytes=len(payload),
        period=int(doc["period"]),
        jurisdiction=str(doc["jurisdiction"]["code"]),
        alerts=len(doc["alerts"]["rows"]),
        synthetic=bool(doc["synthetic"]),
        alert_source=str(doc["alerts"]["source"]),
    )
