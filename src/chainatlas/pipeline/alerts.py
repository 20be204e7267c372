"""Recording a check's findings as alerts, notifying, and the exit status a scheduler reads (issue 13, item 4).

:func:`chainatlas.pipeline.monitor.check` answers one row per active (rule, unit). :func:`record` turns those rows
into alerts of an :class:`~chainatlas.storage.alerts.AlertStore`:

- **grouping**: one alert per place and segment of a rule set, not one per indicator row. The fingerprint is the
  SHA-256 of ``[level, rule-set jurisdiction, unit, chain, segment]`` (JSON); the alert's severity is the highest
  of its findings; its jurisdictions the union of theirs;
- **de-duplication across runs**: the same finding re-run changes nothing but ``last_seen``; a revised figure
  keeps the value as first reported and records the revision;
- **auto-resolve**: an active alert of the rule set whose group is missing from a run for a period (of the same
  kind: year, quarter or month) at or after its last period is resolved (event ``resolved by check``); a
  resolved or closed alert that fires again in a later period reopens (event ``reopened``);
- **inhibition**: a province- or region-level alert hides the same finding repeated by a lower level inside it
  (see :mod:`chainatlas.storage.alerts`);
- **silences** suppress notifications, not recording.

:func:`notify` posts the run's report to a webhook and/or writes it as one JSON file per run; :func:`exit_code`
is the exit status: 0, or :data:`EXIT_NEW_ALERTS` (3) when new or reopened alerts at or above a severity appeared
that are neither inhibited nor silenced (1 and 2 are the command line's own errors).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from chainatlas.analytics.alerting import LEVELS, SEVERITIES
from chainatlas.analytics.history import period_ordinal
from chainatlas.errors import ConfigError
from chainatlas.model.access import REGION, normalize_jurisdiction
from chainatlas.storage.alerts import AlertGroup, AlertStore, FindingRow, is_jurisdiction_code

__all__ = [
    "CHINA_TIME",
    "EXIT_NEW_ALERTS",
    "REQUIRED",
    "RecordReport",
    "action_fields",
    "exit_code",
    "expiry",
    "fingerprint",
    "groups",
    "notify",
    "record",
    "record_sets",
]

#: exit status when new or reopened alerts at or above the chosen severity appeared
EXIT_NEW_ALERTS = 3
#: columns a findings frame must have; the others of ``monitor.COLUMNS`` default to empty
REQUIRED = ("rule", "severity", "unit", "period", "state")
#: a date or time written without an offset is China Standard Time (UTC+8, no daylight saving)
CHINA_TIME = timezone(timedelta(hours=8), "CST")
_OPTIONAL_TEXT = ("type", "indicator", "metric", "name_zh", "layer", "owner", "jurisdictions", "evidence")
_NUMBERS = ("value", "measure", "threshold", "compared")
_STATES = ("firing", "resolving")
_WEBHOOK_TIMEOUT = 10.0


# ------------------------------------------------------------------------------------------------ values
def _blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _period(v: Any, param: str) -> tuple[str, str, int]:
    """A period as stored (``"2024"``, ``"2024-05"``, ``"2024Q2"``), its kind and ordinal."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    kind, ordinal = period_ordinal(v if isinstance(v, int) else str(v).strip(), param)
    return (str(int(v)) if isinstance(v, int) else str(v).strip()), kind, ordinal


def _number(v: Any) -> float | None:
    if _blank(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _opt_text(v: Any) -> str | None:
    if _blank(v):
        return None
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def fingerprint(level: str, jurisdiction: str, unit: str, chain: str, segment: str) -> str:
    """The alert's fingerprint: SHA-256 of ``[level, rule-set jurisdiction, unit, chain, segment]`` as JSON.

    >>> fingerprint("city", "320500", "320506", "*", "*")[:12]
    'e6c4d3ef203f'
    """
    key = json.dumps([level, jurisdiction, unit, chain, segment], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _codes(text: str | None, where: str) -> list[str]:
    out: list[str] = []
    for c in re.split(r"[;,\s]+", text or ""):
        if c:
            try:
                j = normalize_jurisdiction(c)
            except ConfigError:
                raise ConfigError(
                    f"{where}: {c!r} is not a jurisdiction code; expected 6-digit codes joined by ';'",
                    param="jurisdictions",
                ) from None
            if j not in out:
                out.append(j)
    return out


# ------------------------------------------------------------------------------------------------ grouping
def groups(findings: pd.DataFrame, *, level: str, jurisdiction: str) -> list[AlertGroup]:
    """The findings of one check grouped into alerts (one per unit, chain and segment), checked row by row.

    ``findings`` has the columns of :data:`chainatlas.pipeline.monitor.COLUMNS`; :data:`REQUIRED` must be there,
    the others may be missing (empty). ``chain`` and ``segment`` empty are ``*``. Errors name the row and the
    column.
    """
    missing = [c for c in REQUIRED if c not in findings.columns]
    if missing:
        raise ConfigError(
            f"the findings lack columns {missing}; expected those of `chainatlas check` (monitor.COLUMNS)",
            param="findings",
        )
    by_key: dict[tuple[str, str, str], list[tuple[FindingRow, str | None]]] = {}
    seen: set[tuple[str, str, str, str, str]] = set()
    for i, r in enumerate(findings.to_dict("records")):
        where = f"findings row {i + 1}"
        rule = _opt_text(r["rule"])
        unit = _opt_text(r["unit"])
        if rule is None or unit is None:
            raise ConfigError(f"{where}: rule and unit must not be empty", param="findings")
        sev = r["severity"]
        if sev not in SEVERITIES:
            raise ConfigError(
                f"{where}: severity {sev!r}; expected one of {', '.join(SEVERITIES)}", param="severity"
            )
        state = r["state"]
        if state not in _STATES:
            raise ConfigError(f"{where}: state {state!r}; expected firing or resolving", param="state")
        period, _, _ = _period(r["period"], "period")
        chain = _opt_text(r.get("chain")) or "*"
        segment = _opt_text(r.get("segment")) or "*"
        text = {c: _opt_text(r.get(c)) for c in _OPTIONAL_TEXT}
        owner = text["owner"]
        if owner is not None and is_jurisdiction_code(owner):  # else a department's name: shown, not a party
            owner = _codes(owner, where)[0]
        concerned = _codes(text["jurisdictions"], where)
        if (unit, chain, segment, rule, period) in seen:
            raise ConfigError(
                f"{where}: rule {rule!r} appears twice for unit {unit}, chain {chain}, segment {segment} in "
                f"{period}; expected one row per active (rule, unit)",
                param="findings",
            )
        seen.add((unit, chain, segment, rule, period))
        row = FindingRow(
            rule=rule,
            period=period,
            severity=sev,
            state=state,
            type=text["type"],
            indicator=text["indicator"],
            metric=text["metric"],
            layer=text["layer"],
            opened=_opt_text(r.get("opened")),
            since=_opt_text(r.get("since")),
            owner=owner,
            jurisdictions=";".join(concerned) or None,
            evidence=text["evidence"],
            **{c: _number(r.get(c)) for c in _NUMBERS},
        )
        by_key.setdefault((unit, chain, segment), []).append((row, text["name_zh"]))
    out = []
    for (unit, chain, segment), rows in by_key.items():
        fs = tuple(f for f, _ in rows)
        top = max(fs, key=lambda f: (SEVERITIES.index(f.severity), f.state == "firing"))
        codes: list[str] = []
        for f in sorted(fs, key=lambda f: -SEVERITIES.index(f.severity)):
            codes += [c for c in (f.jurisdictions or "").split(";") if c and c not in codes]
        if not codes:
            codes = [normalize_jurisdiction(unit)] if re.fullmatch(r"\d{6}", unit) else [jurisdiction]
        owner = next(
            (f.owner for f in sorted(fs, key=lambda f: -SEVERITIES.index(f.severity)) if f.owner), None
        )
        latest = max((_period(f.period, "period") for f in fs), key=lambda p: (p[1], p[2]))
        out.append(
            AlertGroup(
                fingerprint=fingerprint(level, jurisdiction, unit, chain, segment),
                unit=unit,
                chain=chain,
                segment=segment,
                severity=top.severity,
                jurisdictions=tuple(codes),
                period=latest[0],
                period_kind=latest[1],
                period_ord=latest[2],
                findings=fs,
                name_zh=next((n for _, n in rows if n), None),
                owner=owner,
            )
        )
    return out


# ------------------------------------------------------------------------------------------------ report
@dataclass(frozen=True)
class RecordReport:
    """What one :func:`record` did.

    Attributes
    ----------
    run_id : int
        The run's id in the store (``runs``).
    level, jurisdiction, period : str
        The rule set and the period inspected (a year as ``"2024"``).
    at : str
        When (UTC, ISO 8601).
    findings : int
        Rows of the findings frame.
    new, updated, unchanged, reopened, resolved, inhibited, silenced : int
        Alerts opened, changed (a new period or rule, a revised value, another severity), seen again unchanged,
        reopened, resolved because missing; of the run's alerts, those inhibited and those silenced.
    alerts : tuple of dict
        The new and reopened alerts: ``id``, ``change`` (new|reopened), ``severity``, ``status``, ``unit``,
        ``name_zh``, ``chain``, ``segment``, ``rules``, ``layers``, ``jurisdictions``, ``owner``,
        ``inhibited_by``, ``silenced``.
    resolved_ids : tuple of int
        The alerts resolved by this run.
    """

    run_id: int
    level: str
    jurisdiction: str
    period: str
    at: str
    findings: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reopened: int = 0
    resolved: int = 0
    inhibited: int = 0
    silenced: int = 0
    alerts: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    resolved_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def notified(self) -> tuple[dict[str, Any], ...]:
        """The new and reopened alerts to tell anyone about: neither inhibited nor silenced."""
        return tuple(a for a in self.alerts if a["inhibited_by"] is None and not a["silenced"])

    def counts(self) -> dict[str, int]:
        return {
            k: int(getattr(self, k))
            for k in ("new", "updated", "unchanged", "reopened", "resolved", "inhibited", "silenced")
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data (what :func:`notify` sends): the run, the counts, the notified alerts
        and the ids resolved."""
        return {
            "run_id": self.run_id,
            "level": self.level,
            "jurisdiction": self.jurisdiction,
            "period": self.period,
            "at": self.at,
            "findings": self.findings,
            "counts": self.counts(),
            "alerts": [dict(a) for a in self.notified],
            "resolved": list(self.resolved_ids),
        }

    def summary(self) -> str:
        """One line, Chinese first."""
        c = self.counts()
        return (
            f"预警记录 {self.level} {self.jurisdiction} {self.period}: 新增 {c['new']}，更新 {c['updated']}，"
            f"重开 {c['reopened']}，解除 {c['resolved']}，抑制 {c['inhibited']}，静默 {c['silenced']} / "
            f"alerts: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, {c['reopened']} reopened, "
            f"{c['resolved']} resolved, {c['inhibited']} inhibited, {c['silenced']} silenced (run {self.run_id})"
        )


def record(
    store: AlertStore,
    findings: pd.DataFrame,
    *,
    level: str,
    jurisdiction: str,
    period: int | str,
    actor: str,
) -> RecordReport:
    """Record one check of a rule set as alerts (see the module's docstring); all of it or, on an error, none.

    Parameters
    ----------
    store : AlertStore
        The atlas's alert store (``config.side_file(db, "alerts")``).
    findings : DataFrame
        :func:`chainatlas.pipeline.monitor.check`'s answer for the rule set and ``period``.
    level : {'region', 'province', 'city'}
        The rule set's level of government.
    jurisdiction : str
        The rule set's jurisdiction (``YRD`` or a 6-digit code).
    period : int or str
        The period inspected (a year, ``"2024-05"`` or ``"2024Q2"``): alerts of the rule set missing from the
        findings and last seen in a period of the same kind up to this one are resolved.
    actor : str
        Who runs the check (``cli:<user>``, a scheduler's name), named by the events.
    """
    if level not in LEVELS:
        raise ConfigError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}", param="level")
    jur = normalize_jurisdiction(jurisdiction)
    if (level == "region") != (jur == REGION):
        raise ConfigError(
            f"a {level}-level rule set cannot have jurisdiction {jur}; expected "
            + ("YRD" if level == "region" else "a province or city code"),
            param="jurisdiction",
        )
    ptext, kind, ordinal = _period(period, "period")
    gs = groups(findings, level=level, jurisdiction=jur)
    out = store.record_run(
        gs,
        level=level,
        jurisdiction=jur,
        period=ptext,
        period_kind=kind,
        period_ord=ordinal,
        actor=str(actor),
        findings=len(findings),
    )
    changes = list(out.changes.values())
    listed = [aid for aid, ch in out.changes.items() if ch in ("new", "reopened")]
    alerts: list[dict[str, Any]] = []
    if listed:
        rows = store.list(include_hidden=True)
        by_id = {int(r["id"]): r for r in rows[rows["id"].isin(listed)].to_dict("records")}
        for aid in listed:
            r = by_id[aid]
            alerts.append(
                {
                    "id": int(aid),
                    "change": out.changes[aid],
                    **{
                        k: r[k]
                        for k in (
                            "severity",
                            "status",
                            "unit",
                            "name_zh",
                            "chain",
                            "segment",
                            "rules",
                            "layers",
                        )
                    },
                    "period": r["last_period"],
                    "jurisdictions": r["jurisdictions"],
                    "owner": r["owner"],
                    "inhibited_by": None if pd.isna(r["inhibited_by"]) else int(r["inhibited_by"]),
                    "silenced": aid in out.silenced,
                }
            )
    order = {s: i for i, s in enumerate(SEVERITIES)}
    alerts.sort(key=lambda a: (-order[a["severity"]], a["id"]))
    return RecordReport(
        run_id=out.run_id,
        level=level,
        jurisdiction=jur,
        period=ptext,
        at=out.at,
        findings=len(findings),
        new=changes.count("new"),
        updated=changes.count("updated"),
        unchanged=changes.count("unchanged"),
        reopened=changes.count("reopened"),
        resolved=len(out.resolved),
        inhibited=len(out.inhibited),
        silenced=len(out.silenced),
        alerts=tuple(alerts),
        resolved_ids=tuple(out.resolved),
    )


def record_sets(
    store: AlertStore,
    findings: pd.DataFrame,
    rule_sets: Iterable[Any],
    *,
    period: int | str,
    actor: str,
) -> list[RecordReport]:
    """:func:`record` for each rule set of :func:`chainatlas.pipeline.monitor.check_sets`' answer, split by its
    ``set_level`` and ``set_jurisdiction`` columns. Every set is recorded, those without findings too (their
    alerts resolve). ``rule_sets`` are the sets checked (objects with ``level`` and ``jurisdiction``).
    """
    missing = [c for c in ("set_level", "set_jurisdiction") if c not in findings.columns]
    if missing and len(findings):
        raise ConfigError(
            f"the findings lack columns {missing}; expected check_sets' answer", param="findings"
        )
    parts = []
    for rs in list(rule_sets):
        if len(findings):
            mine = findings[
                (findings["set_level"] == rs.level) & (findings["set_jurisdiction"] == rs.jurisdiction)
            ]
        else:
            mine = findings
        # every set's findings are checked before any is recorded: a bad row leaves the store as it was
        groups(mine, level=rs.level, jurisdiction=normalize_jurisdiction(rs.jurisdiction))
        parts.append((rs, mine))
    return [
        record(store, mine, level=rs.level, jurisdiction=rs.jurisdiction, period=period, actor=actor)
        for rs, mine in parts
    ]


# ------------------------------------------------------------------------------------------------ exit status
def exit_code(report: RecordReport | Sequence[RecordReport], fail_on: str | None = "warning") -> int:
    """The exit status a scheduler reads: :data:`EXIT_NEW_ALERTS` (3) when the run (or any of the runs) opened
    or reopened an alert of severity ``fail_on`` or above that is neither inhibited nor silenced, else 0.
    ``fail_on`` None never fails.

    >>> exit_code(RecordReport(1, "city", "320500", "2024", "", 0), "info")
    0
    """
    if fail_on is None:
        return 0
    if fail_on not in SEVERITIES:
        raise ConfigError(
            f"unknown severity {fail_on!r}; expected one of {', '.join(SEVERITIES)}", param="fail_on"
        )
    floor = SEVERITIES.index(fail_on)
    reports = [report] if isinstance(report, RecordReport) else list(report)
    notified = [a for r in reports for a in r.notified]
    return EXIT_NEW_ALERTS if any(SEVERITIES.index(a["severity"]) >= floor for a in notified) else 0


# ------------------------------------------------------------------------------------------------ notifying
def notify(
    report: RecordReport, webhook: str | None = None, directory: Path | str | None = None
) -> list[str]:
    """Tell the world about a run: POST :meth:`RecordReport.to_dict` as JSON to ``webhook`` (when the run
    opened, reopened or resolved something to tell; a run with nothing new sends nothing) and/or write it to
    ``directory/alerts-run-<id>.json`` (every run). Returns what was done (the URL, the file).

    A webhook that does not answer 2xx within 10 s raises ConfigError naming the URL and the status.
    """
    done: list[str] = []
    payload = report.to_dict()
    if directory is not None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"alerts-run-{report.run_id:06d}.json"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)
        done.append(str(path))
    if webhook and (report.notified or report.resolved_ids):
        if not re.match(r"https?://", webhook):
            raise ConfigError(f"{webhook!r} is not an http(s) URL", param="webhook")
        try:
            import httpx
        except ImportError:  # pragma: no cover - httpx ships with the test group; the webhook needs it
            raise ConfigError(
                "posting to a webhook needs httpx: pip install httpx==0.28.1", param="webhook"
            ) from None
        try:
            r = httpx.post(
                webhook,
                json=payload,
                timeout=_WEBHOOK_TIMEOUT,
                headers={"User-Agent": "chainatlas-alerts"},
            )
        except httpx.HTTPError as e:
            raise ConfigError(f"POST {webhook} failed: {type(e).__name__}: {e}", param="webhook") from None
        if not r.is_success:
            raise ConfigError(
                f"POST {webhook} answered {r.status_code} {r.reason_phrase}; expected 2xx", param="webhook"
            )
        done.append(webhook)
    return done


# ------------------------------------------------------------------------------------------------ silences
_DURATION = re.compile(r"(\d+)\s*([hdw])", re.IGNORECASE)


def expiry(text: str, now: datetime | None = None) -> datetime:
    """When a silence ends, from a duration (``12h``, ``7d``, ``2w``) or a date or time.

    A date means the end of that day, and a date or time without an offset is China Standard Time
    (:data:`CHINA_TIME`).

    >>> start = datetime(2025, 6, 1, tzinfo=UTC)
    >>> expiry("7d", start).isoformat(), expiry("2025-06-30", start).isoformat()
    ('2025-06-08T00:00:00+00:00', '2025-06-30T16:00:00+00:00')
    """
    now = now or datetime.now(UTC)
    s = str(text).strip()
    if m := _DURATION.fullmatch(s):
        n, unit = int(m[1]), m[2].lower()
        if n <= 0 or n > 3660:
            raise ConfigError(f"{s!r}: expected a duration of 1 to 3660 hours, days or weeks", param="until")
        return now + {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            day = datetime.fromisoformat(s).replace(tzinfo=CHINA_TIME)
            return (day + timedelta(days=1)).astimezone(UTC)
        t = datetime.fromisoformat(s)
    except ValueError:
        raise ConfigError(
            f"{s!r} is neither a date (2025-06-30), a time (2025-06-30T18:00) nor a duration (12h, 7d, 2w)",
            param="until",
        ) from None
    return (t if t.tzinfo else t.replace(tzinfo=CHINA_TIME)).astimezone(UTC)


def action_fields(body: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """An action's fields as given by a client (``until`` as text) ready for
    :meth:`~chainatlas.storage.alerts.AlertStore.act` (``until`` as a time)."""
    out = {k: v for k, v in body.items() if v is not None}
    if "until" in out:
        out["until"] = expiry(str(out["until"]), now)
    return out
