"""Alerts and their handling, in a small SQLite file beside the atlas (``<db>.alerts.sqlite``).

Why a file of its own: the API server keeps the DuckDB atlas open, and alerts are acknowledged, assigned and
noted through the API and the command line while it runs (and recorded by ``chainatlas check`` from a
scheduler). SQLite in WAL mode lets one writer at a time take a short lock while readers go on; every change is
one short ``BEGIN IMMEDIATE`` transaction, and a change that is refused changes nothing.

Tables
------
``alerts``    one row per fingerprint (level, rule-set jurisdiction, unit, chain, segment): its labels, the
              highest severity of its current findings, its status, the jurisdictions concerned, the suggested
              owner and the assignee, the first and last period it was seen in, and ``inhibited_by``
``findings``  one row per (alert, rule, period): the evidence of one rule, with the value **as first reported**
              (``first_value``) and **as last reported** (``value``; ``revisions`` counts the changes), the
              measure, threshold, reference and the query spec (``evidence``, JSON text)
``events``    the thread: who, when, as which jurisdiction, what (``action``), the status before and after, a
              note, an assessment and measures
``parties``   per jurisdiction concerned (``concerned`` 1) or joined later (an assignee, a coordinating province
              or the region; ``concerned`` 0): who acknowledged for it and when, its assessment and measures
``silences``  per alert or per matcher (labels → values): until when, who, why; ended early by ``unsilence`` or
              when its alert resolves
``runs``      every recorded check: when, who, level, jurisdiction, period and the counts
``settings``  ``schema_version``

Lifecycle (:data:`TRANSITIONS`), each step an event with who, when, as which jurisdiction and a note:

=========  ==========================================  ==============
action     from                                        to
=========  ==========================================  ==============
ack        open                                        acknowledged
assign     acknowledged, assigned, in_handling         assigned
handle     acknowledged, assigned                      in_handling
resolve    open, acknowledged, assigned, in_handling   resolved
close      resolved                                    closed
reopen     resolved, closed                            open
note       any (no change of status)
=========  ==========================================  ==============

Anything else raises :class:`TransitionError` naming the status, the step asked for and the steps allowed. A
check also moves alerts (:meth:`AlertStore.record_run`): an active alert missing from a run of its rule set is
resolved (``resolved by check``), and a resolved or closed alert that fires again *in a later period* than its
last one goes back to open (``reopened``; the same period re-run leaves a human's resolve standing). An alert's
silences end when it resolves.

Joint handling (在线协商). An alert concerning several jurisdictions has one party per jurisdiction. Each party
acknowledges for itself (:meth:`AlertStore.ack`) and keeps its own assessment and measures
(:meth:`AlertStore.note`); the thread is shared. **The alert counts as acknowledged at the first party's
acknowledgement** (someone is on it, so the alert stops being new, as a pager's acknowledgement does); the
other parties' acknowledgements are recorded without changing the status, and ``pending`` (in :meth:`list` and
:meth:`detail`) names the concerned parties that have not acknowledged yet. Reopening clears the
acknowledgements (the parties acknowledge the returned condition again); assessments stay.

Permissions (:mod:`chainatlas.model.access`). A principal acts as its jurisdiction (or a narrower one it covers,
``as_jurisdiction``). It may read an alert when that jurisdiction covers one of the alert's parties (the whole
region covers all) and act on it when, besides, its role is analyst or admin; viewers read only.

Inhibition (Alertmanager's ``inhibit_rules``). An active alert of a higher level (region > province > city)
inhibits an active alert of a lower level whose unit lies within its unit (a unit that is no place code, such
as ``YRD``, contains every place), with the same chain and segment, when every current finding of the lower one
repeats a current finding of the higher one (same rule type, indicator and metric). The inhibited alert is stored with
``inhibited_by`` and hidden from lists by default; inhibition is recomputed for the active alerts after every
change, so it ends when the inhibiting alert resolves (an inhibited alert that resolves first stays hidden).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import (
    REGION,
    ROLES,
    Principal,
    Scope,
    jurisdiction_prefix,
    normalize_jurisdiction,
)
from chainatlas.storage import sidestore

__all__ = [
    "ACTIONS",
    "ACTIVE",
    "LEVEL_RANK",
    "MATCHER_KEYS",
    "SEVERITIES",
    "SEVERITY_ZH",
    "STATUSES",
    "STATUS_ZH",
    "TRANSITIONS",
    "AlertGroup",
    "AlertStore",
    "FindingRow",
    "RunOutcome",
    "TransitionError",
    "UnknownAlert",
    "is_jurisdiction_code",
]

#: alert statuses, in lifecycle order
STATUSES: tuple[str, ...] = ("open", "acknowledged", "assigned", "in_handling", "resolved", "closed")
#: statuses of an alert still being worked on (the condition holds, or held until a human resolves it)
ACTIVE: tuple[str, ...] = STATUSES[:4]
STATUS_ZH = {
    "open": "待确认",
    "acknowledged": "已确认",
    "assigned": "已分派",
    "in_handling": "处置中",
    "resolved": "已解除",
    "closed": "已关闭",
}
#: severities, lowest first (the same as :data:`chainatlas.analytics.alerting.SEVERITIES`)
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
SEVERITY_ZH = {"info": "提示", "warning": "警告", "critical": "严重"}
#: levels of government, by rank (a higher level's alert can inhibit a lower level's)
LEVEL_RANK = {"city": 1, "province": 2, "region": 3}
#: action → (statuses it may be taken from, the status it leads to); ``ack`` from a later active status
#: records one more party's acknowledgement without a change of status
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ack": (("open",), "acknowledged"),
    "assign": (("acknowledged", "assigned", "in_handling"), "assigned"),
    "handle": (("acknowledged", "assigned"), "in_handling"),
    "resolve": (ACTIVE, "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved", "closed"), "open"),
}
#: every action a principal may take on an alert
ACTIONS: tuple[str, ...] = (
    "ack",
    "assign",
    "handle",
    "note",
    "resolve",
    "close",
    "reopen",
    "silence",
    "unsilence",
)
#: labels a silence matcher may name (``rule``, ``type`` and ``indicator`` match any current finding)
MATCHER_KEYS: tuple[str, ...] = (
    "level",
    "rule_set",
    "unit",
    "chain",
    "segment",
    "severity",
    "rule",
    "type",
    "indicator",
)
#: roles that may act on alerts (``model.access.ROLES`` is ordered most rights first: analyst and above)
_ACTING_ROLES = ROLES[: ROLES.index("analyst") + 1]
_TEXT_MAX = 4000
_SCHEMA_VERSION = "1"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL UNIQUE,
        level TEXT NOT NULL, rule_set TEXT NOT NULL, unit TEXT NOT NULL, name_zh TEXT,
        chain TEXT NOT NULL, segment TEXT NOT NULL, layers TEXT, rules TEXT,
        severity TEXT NOT NULL, status TEXT NOT NULL, jurisdictions TEXT NOT NULL, owner TEXT, assignee TEXT,
        first_period TEXT NOT NULL, last_period TEXT NOT NULL, period_kind TEXT NOT NULL,
        period_ord INTEGER NOT NULL, firing INTEGER NOT NULL DEFAULT 1,
        opened_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_seen TEXT NOT NULL,
        resolved_at TEXT, closed_at TEXT, first_run INTEGER, last_run INTEGER,
        inhibited_by INTEGER REFERENCES alerts(id))""",
    "CREATE INDEX IF NOT EXISTS alerts_set ON alerts (level, rule_set, status)",
    """CREATE TABLE IF NOT EXISTS findings (
        alert_id INTEGER NOT NULL REFERENCES alerts(id), rule TEXT NOT NULL, period TEXT NOT NULL,
        type TEXT, severity TEXT NOT NULL, indicator TEXT, metric TEXT, layer TEXT, state TEXT NOT NULL,
        first_value REAL, value REAL, measure REAL, threshold REAL, compared REAL,
        opened TEXT, since TEXT, owner TEXT, jurisdictions TEXT, evidence TEXT,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, revised_at TEXT,
        revisions INTEGER NOT NULL DEFAULT 0, first_run INTEGER, last_run INTEGER,
        PRIMARY KEY (alert_id, rule, period))""",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at TEXT NOT NULL, actor TEXT NOT NULL, jurisdiction TEXT, action TEXT NOT NULL,
        from_status TEXT, to_status TEXT, note TEXT, assessment TEXT, measures TEXT, run_id INTEGER)""",
    "CREATE INDEX IF NOT EXISTS events_alert ON events (alert_id, id)",
    """CREATE TABLE IF NOT EXISTS parties (
        alert_id INTEGER NOT NULL REFERENCES alerts(id), jurisdiction TEXT NOT NULL,
        concerned INTEGER NOT NULL, acknowledged_by TEXT, acknowledged_at TEXT,
        assessment TEXT, measures TEXT, updated_by TEXT, updated_at TEXT,
        PRIMARY KEY (alert_id, jurisdiction))""",
    """CREATE TABLE IF NOT EXISTS silences (
        id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER REFERENCES alerts(id), matcher TEXT,
        starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, created_by TEXT NOT NULL, jurisdiction TEXT,
        reason TEXT, ended_at TEXT, ended_by TEXT, end_reason TEXT,
        CHECK ((alert_id IS NULL) <> (matcher IS NULL)))""",
    """CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, level TEXT NOT NULL,
        jurisdiction TEXT NOT NULL, period TEXT NOT NULL, findings INTEGER NOT NULL, alerts INTEGER NOT NULL,
        new INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,
        reopened INTEGER NOT NULL, resolved INTEGER NOT NULL, inhibited INTEGER NOT NULL,
        silenced INTEGER NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

_ALERT_COLUMNS = (
    "id",
    "fingerprint",
    "level",
    "rule_set",
    "unit",
    "name_zh",
    "chain",
    "segment",
    "layers",
    "rules",
    "severity",
    "status",
    "jurisdictions",
    "owner",
    "assignee",
    "first_period",
    "last_period",
    "period_kind",
    "period_ord",
    "firing",
    "opened_at",
    "updated_at",
    "last_seen",
    "resolved_at",
    "closed_at",
    "first_run",
    "last_run",
    "inhibited_by",
)
_FINDING_COLUMNS = (
    "alert_id",
    "rule",
    "period",
    "type",
    "severity",
    "indicator",
    "metric",
    "layer",
    "state",
    "first_value",
    "value",
    "measure",
    "threshold",
    "compared",
    "opened",
    "since",
    "owner",
    "jurisdictions",
    "evidence",
    "first_seen",
    "last_seen",
    "revised_at",
    "revisions",
    "first_run",
    "last_run",
)
_EVENT_COLUMNS = (
    "id",
    "alert_id",
    "at",
    "actor",
    "jurisdiction",
    "action",
    "from_status",
    "to_status",
    "note",
    "assessment",
    "measures",
    "run_id",
)
_PARTY_COLUMNS = (
    "alert_id",
    "jurisdiction",
    "concerned",
    "acknowledged_by",
    "acknowledged_at",
    "assessment",
    "measures",
    "updated_by",
    "updated_at",
)
_SILENCE_COLUMNS = (
    "id",
    "alert_id",
    "matcher",
    "starts_at",
    "ends_at",
    "created_by",
    "jurisdiction",
    "reason",
    "ended_at",
    "ended_by",
    "end_reason",
)
_RUN_COLUMNS = (
    "id",
    "at",
    "actor",
    "level",
    "jurisdiction",
    "period",
    "findings",
    "alerts",
    "new",
    "updated",
    "unchanged",
    "reopened",
    "resolved",
    "inhibited",
    "silenced",
)


def is_jurisdiction_code(text: str) -> bool:
    """Whether an owner names a jurisdiction (``YRD``, ``320500``, ``3205``), which then joins the alert's
    parties, rather than a department (``苏州市商务局``), which is only shown."""
    return bool(re.fullmatch(r"(?i:YRD|region)|\d{2}|\d{4}|\d{6}", text.strip()))


class UnknownAlert(ConfigError):
    """No alert with this id (or none the reader may see): the API answers 404."""


class TransitionError(ConfigError):
    """A lifecycle step the alert's status does not allow: the API answers 409 Conflict."""


# ------------------------------------------------------------------------------------------------ input rows
@dataclass(frozen=True)
class FindingRow:
    """One rule's finding for one alert group in one period, as :func:`chainatlas.pipeline.alerts.record`
    hands it over (values already checked)."""

    rule: str
    period: str
    severity: str
    state: str
    type: str | None = None
    indicator: str | None = None
    metric: str | None = None
    layer: str | None = None
    value: float | None = None
    measure: float | None = None
    threshold: float | None = None
    compared: float | None = None
    opened: str | None = None
    since: str | None = None
    owner: str | None = None
    jurisdictions: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class AlertGroup:
    """The findings of one run for one fingerprint (one place and segment of one rule set)."""

    fingerprint: str
    unit: str
    chain: str
    segment: str
    severity: str
    jurisdictions: tuple[str, ...]
    period: str
    period_kind: str
    period_ord: int
    findings: tuple[FindingRow, ...]
    name_zh: str | None = None
    owner: str | None = None

    @property
    def firing(self) -> bool:
        """Whether any finding fires (not only resolving within its hysteresis)."""
        return any(f.state == "firing" for f in self.findings)


@dataclass
class RunOutcome:
    """What :meth:`AlertStore.record_run` did: the run's id and per alert what changed.

    ``changes`` maps alert id → ``new``, ``reopened``, ``updated`` or ``unchanged`` for the groups of the run;
    ``resolved`` the alerts resolved because their group was missing; ``inhibited`` and ``silenced`` the
    alerts of the run that are inhibited or silenced after it.
    """

    run_id: int
    at: str
    changes: dict[int, str] = field(default_factory=dict)
    resolved: list[int] = field(default_factory=list)
    inhibited: set[int] = field(default_factory=set)
    silenced: set[int] = field(default_factory=set)


# ------------------------------------------------------------------------------------------------ helpers
def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def _split(codes: str | None) -> list[str]:
    return [c for c in (codes or "").split(";") if c]


def _scope_of(jurisdiction: str) -> Scope:
    return Scope(jurisdiction_prefix(jurisdiction))


def _covers(jurisdiction: str, code: str) -> bool:
    """Whether ``jurisdiction`` covers the party ``code`` (``YRD`` is covered only region-wide)."""
    if jurisdiction == REGION:
        return True
    return code != REGION and _scope_of(jurisdiction).covers(code)


def _unit_contains(outer: str, inner: str) -> bool:
    """Whether the unit ``inner`` lies within ``outer`` (a unit that is no place code is region-wide)."""
    if not re.fullmatch(r"\d{6}", outer):
        return True
    if not re.fullmatch(r"\d{6}", inner):
        return False
    try:
        prefix = jurisdiction_prefix(normalize_jurisdiction(outer))
    except ConfigError:
        return outer == inner
    return inner.startswith(prefix)


def _text(value: object, param: str, *, required: bool = False, limit: int = _TEXT_MAX) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError("expected a non-empty text", param=param)
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise ConfigError(f"expected at most {limit} characters, got {len(text)}", param=param)
    return text


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def _frame(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


#: active silences as (alert id or None, matcher or None, ends_at)
_Silences = list[tuple[int | None, dict | None, str]]


class AlertStore:
    """The alerts of one atlas.

    Parameters
    ----------
    path : Path
        The SQLite file (``config.side_file(db, "alerts")``); created on the first write, never by reading.
    clock : callable, optional
        Returns the current time (aware datetime); tests pass a fixed clock to see silences expire.
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))

    # ------------------------------------------------------------------------------------------ plumbing
    def now(self) -> datetime:
        """The store's current time (UTC)."""
        return self._clock().astimezone(UTC)

    def _db(self, write: bool = False) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return sidestore.connect(self.path, _SCHEMA, _SCHEMA_VERSION, write=write, foreign_keys=True)

    def _alert_row(self, con: sqlite3.Connection, alert_id: int) -> dict[str, Any]:
        row = con.execute(
            f"SELECT {', '.join(_ALERT_COLUMNS)} FROM alerts WHERE id = ?", (int(alert_id),)
        ).fetchone()
        if row is None:
            raise UnknownAlert(f"no alert {alert_id}; `chainatlas alerts list --all` shows them")
        return dict(zip(_ALERT_COLUMNS, row, strict=True))

    @staticmethod
    def _parties(con: sqlite3.Connection, alert_id: int) -> list[str]:
        return [r[0] for r in con.execute("SELECT jurisdiction FROM parties WHERE alert_id = ?", (alert_id,))]

    def _event(
        self,
        con: sqlite3.Connection,
        alert_id: int,
        at: str,
        actor: str,
        jurisdiction: str | None,
        action: str,
        from_status: str | None,
        to_status: str | None,
        note: str | None = None,
        *,
        assessment: str | None = None,
        measures: str | None = None,
        run_id: int | None = None,
    ) -> None:
        con.execute(
            "INSERT INTO events (alert_id, at, actor, jurisdiction, action, from_status, to_status, note, "
            "assessment, measures, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                at,
                actor,
                jurisdiction,
                action,
                from_status,
                to_status,
                note,
                assessment,
                measures,
                run_id,
            ),
        )

    # ------------------------------------------------------------------------------------------ who may
    @staticmethod
    def acting_jurisdiction(principal: Principal, as_jurisdiction: str | None = None) -> str:
        """The jurisdiction ``principal`` acts as: its own, or ``as_jurisdiction`` when its own covers it
        (AccessError otherwise, and for a principal without a jurisdiction)."""
        own = principal.jurisdiction
        if own is None:
            raise AccessError(
                f"user {principal.name!r} has no jurisdiction yet; an administrator sets one "
                "(`chainatlas users set NAME --jurisdiction CODE`)"
            )
        if as_jurisdiction in (None, ""):
            return own
        jur = normalize_jurisdiction(as_jurisdiction)
        if not _covers(own, jur):
            raise AccessError(
                f"user {principal.name!r} (jurisdiction {own}) may not act as {jur}: it is outside "
                f"their jurisdiction"
            )
        return jur

    def _may_act(
        self, con: sqlite3.Connection, alert_id: int, principal: Principal, as_jurisdiction: str | None
    ) -> str:
        jur = self.acting_jurisdiction(principal, as_jurisdiction)
        if principal.role not in _ACTING_ROLES:
            raise AccessError(
                f"user {principal.name!r} ({principal.role}) may read alerts but not act on them; "
                f"analysts and administrators do"
            )
        parties = self._parties(con, alert_id)
        if not any(_covers(jur, p) for p in parties):
            raise AccessError(
                f"alert {alert_id} concerns {', '.join(parties)}; jurisdiction {jur} covers none of them, "
                f"so {principal.name!r} may not act on it"
            )
        return jur

    @staticmethod
    def _visible(parties: Iterable[str], principal: Principal | None) -> bool:
        if principal is None:
            return True
        jur = principal.jurisdiction
        return jur is not None and any(_covers(jur, p) for p in parties)

    # ------------------------------------------------------------------------------------------ reading
    def list(
        self,
        *,
        status: Sequence[str] | None = None,
        severity: Sequence[str] | None = None,
        jurisdiction: str | None = None,
        period: str | int | None = None,
        level: str | None = None,
        layer: str | None = None,
        unit: str | None = None,
        include_hidden: bool = False,
        principal: Principal | None = None,
    ) -> pd.DataFrame:
        """Alerts, most severe and newest first, with ``parties``, ``pending`` (concerned parties that have
        not acknowledged), ``silenced_until`` and the Chinese names of status and severity.

        Parameters
        ----------
        status, severity : sequence of str, optional
            Keep these statuses / severities (any of them).
        jurisdiction : str, optional
            Keep alerts concerning this jurisdiction (one of their parties inside it).
        period : int or str, optional
            Keep alerts with a finding in this period.
        level, layer, unit : str, optional
            Keep alerts of this level of government, with a finding on this layer, of this unit.
        include_hidden : bool
            Also inhibited and closed alerts (hidden by default).
        principal : Principal, optional
            The reader: only alerts concerning its jurisdiction (None: every alert, as the command line).
        """
        for value, allowed, param in ((status, STATUSES, "status"), (severity, SEVERITIES, "severity")):
            bad = [v for v in value or () if v not in allowed]
            if bad:
                raise ConfigError(f"unknown {param} {bad}; expected any of {', '.join(allowed)}", param=param)
        where, args = [], []
        if status:
            where.append(f"status IN ({', '.join('?' * len(status))})")
            args += list(status)
        if severity:
            where.append(f"severity IN ({', '.join('?' * len(severity))})")
            args += list(severity)
        if level:
            where.append("level = ?")
            args.append(level)
        if unit:
            where.append("unit = ?")
            args.append(str(unit))
        if period is not None and str(period).strip():
            where.append("id IN (SELECT alert_id FROM findings WHERE period = ?)")
            args.append(str(period).strip())
        if layer:
            where.append("id IN (SELECT alert_id FROM findings WHERE layer = ?)")
            args.append(layer)
        if not include_hidden:
            where.append("inhibited_by IS NULL AND status <> 'closed'")
        sql = f"SELECT {', '.join(_ALERT_COLUMNS)} FROM alerts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._db() as con:
            df = _frame(con.execute(sql, args), _ALERT_COLUMNS)
            parties = _frame(
                con.execute("SELECT alert_id, jurisdiction, concerned, acknowledged_at FROM parties"),
                ("alert_id", "jurisdiction", "concerned", "acknowledged_at"),
            )
            silences = self._active_silences(con)
        by_alert: dict[int, list[str]] = {}
        pending: dict[int, list[str]] = {}
        for p in parties.itertuples(index=False):
            by_alert.setdefault(int(p.alert_id), []).append(str(p.jurisdiction))
            if p.concerned and pd.isna(p.acknowledged_at):
                pending.setdefault(int(p.alert_id), []).append(str(p.jurisdiction))
        ids = [int(i) for i in df["id"]]
        df["parties"] = [";".join(sorted(by_alert.get(i, []))) for i in ids]
        df["pending"] = [";".join(sorted(pending.get(i, []))) for i in ids]
        keep = [self._visible(by_alert.get(i, []), principal) for i in ids]
        if jurisdiction:
            jur = normalize_jurisdiction(jurisdiction)
            keep = [
                k and any(_covers(jur, p) for p in by_alert.get(i, []))
                for k, i in zip(keep, ids, strict=True)
            ]
        df = df[pd.Series(keep, index=df.index, dtype=bool)].copy()
        if df.empty:
            df["silenced_until"] = pd.Series(dtype=object)
        else:
            labels = self._labels_of(df)
            df["silenced_until"] = [self._silenced_until(silences, labels[int(i)]) for i in df["id"]]
        df["status_zh"] = df["status"].map(STATUS_ZH)
        df["severity_zh"] = df["severity"].map(SEVERITY_ZH)
        rank = df["severity"].map({s: -i for i, s in enumerate(SEVERITIES)})
        df = df.assign(_r=rank).sort_values(["_r", "id"], ascending=[True, False]).drop(columns="_r")
        return df.reset_index(drop=True)

    def get(self, alert_id: int, *, principal: Principal | None = None) -> dict[str, Any]:
        """One alert's row (UnknownAlert if there is none, or none ``principal`` may see)."""
        with self._db() as con:
            row = self._alert_row(con, alert_id)
            if not self._visible(self._parties(con, row["id"]), principal):
                raise UnknownAlert(f"no alert {alert_id} in your jurisdiction")
        return row

    def detail(self, alert_id: int, *, principal: Principal | None = None) -> dict[str, Any]:
        """Everything about one alert: ``alert`` (its row, with ``pending`` and ``silenced_until``),
        ``findings`` (first and last reported values), ``events`` (the thread, oldest first), ``parties`` and
        ``silences`` — frames except ``alert``."""
        with self._db() as con:
            row = self._alert_row(con, alert_id)
            aid = row["id"]
            if not self._visible(self._parties(con, aid), principal):
                raise UnknownAlert(f"no alert {alert_id} in your jurisdiction")
            findings = _frame(
                con.execute(
                    f"SELECT {', '.join(_FINDING_COLUMNS)} FROM findings WHERE alert_id = ? "
                    "ORDER BY period DESC, severity DESC, rule",
                    (aid,),
                ),
                _FINDING_COLUMNS,
            )
            events = _frame(
                con.execute(
                    f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events WHERE alert_id = ? ORDER BY id", (aid,)
                ),
                _EVENT_COLUMNS,
            )
            parties = _frame(
                con.execute(
                    f"SELECT {', '.join(_PARTY_COLUMNS)} FROM parties WHERE alert_id = ? "
                    "ORDER BY concerned DESC, jurisdiction",
                    (aid,),
                ),
                _PARTY_COLUMNS,
            )
            silences = _frame(
                con.execute(
                    f"SELECT {', '.join(_SILENCE_COLUMNS)} FROM silences WHERE alert_id = ? ORDER BY id",
                    (aid,),
                ),
                _SILENCE_COLUMNS,
            )
            active = self._active_silences(con)
            labels = self._labels_of(pd.DataFrame([row]), con)
        # rank findings: most severe first within a period
        sev = findings["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        findings = (
            findings.assign(_s=sev)
            .sort_values(["period", "_s", "rule"], ascending=[False, False, True])
            .drop(columns="_s")
            .reset_index(drop=True)
        )
        row["pending"] = ";".join(
            p.jurisdiction for p in parties.itertuples() if p.concerned and pd.isna(p.acknowledged_at)
        )
        row["parties"] = ";".join(parties["jurisdiction"])
        row["silenced_until"] = self._silenced_until(active, labels[aid])
        row["status_zh"] = STATUS_ZH[row["status"]]
        row["severity_zh"] = SEVERITY_ZH[row["severity"]]
        return {
            "alert": row,
            "findings": findings,
            "events": events,
            "parties": parties,
            "silences": silences,
        }

    def runs(self) -> pd.DataFrame:
        """Every recorded check, newest first."""
        with self._db() as con:
            return _frame(
                con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs ORDER BY id DESC"), _RUN_COLUMNS
            )

    # ------------------------------------------------------------------------------------------ silences
    def _active_silences(self, con: sqlite3.Connection) -> _Silences:
        now = _iso(self.now())
        rows = con.execute(
            "SELECT alert_id, matcher, ends_at FROM silences WHERE ended_at IS NULL AND ends_at > ? "
            "AND starts_at <= ?",
            (now, now),
        ).fetchall()
        return [(a, json.loads(m) if m else None, e) for a, m, e in rows]

    def _labels_of(self, alerts: pd.DataFrame, con: sqlite3.Connection | None = None) -> dict[int, dict]:
        """Per alert id its labels for silence matchers (rule, type and indicator as sets of its current
        findings)."""
        ids = [int(i) for i in alerts["id"]]
        current: dict[int, list[tuple[str, str | None, str | None]]] = {}
        if ids:
            with contextlib.ExitStack() as stack:
                c = con if con is not None else stack.enter_context(self._db())
                for chunk in range(0, len(ids), 500):
                    part = ids[chunk : chunk + 500]
                    q = (
                        "SELECT f.alert_id, f.rule, f.type, f.indicator FROM findings f JOIN alerts a "
                        "ON a.id = f.alert_id AND a.last_period = f.period "
                        f"WHERE f.alert_id IN ({', '.join('?' * len(part))})"
                    )
                    for aid, rule, typ, ind in c.execute(q, part):
                        current.setdefault(int(aid), []).append((rule, typ, ind))
        out: dict[int, dict] = {}
        for r in alerts.to_dict("records"):
            aid = int(r["id"])
            fs = current.get(aid, [])
            out[aid] = {
                "id": aid,
                **{k: r[k] for k in ("level", "rule_set", "unit", "chain", "segment", "severity")},
                "rule": {f[0] for f in fs},
                "type": {f[1] for f in fs},
                "indicator": {f[2] for f in fs},
            }
        return out

    @staticmethod
    def _matches(matcher: Mapping[str, str], labels: Mapping[str, Any]) -> bool:
        for k, v in matcher.items():
            have = labels.get(k)
            if isinstance(have, set):
                if v not in have:
                    return False
            elif str(have) != str(v):
                return False
        return True

    def _silenced_until(self, silences: _Silences, labels: dict) -> str | None:
        ends = [
            e
            for a, m, e in silences
            if (a is not None and a == labels["id"]) or (m is not None and self._matches(m, labels))
        ]
        return max(ends) if ends else None

    def silence(
        self,
        alert_id: int | None,
        principal: Principal,
        *,
        until: datetime,
        reason: str | None = None,
        matcher: Mapping[str, str] | None = None,
        as_jurisdiction: str | None = None,
    ) -> int:
        """Silence an alert (or, with ``alert_id`` None, every alert matching ``matcher``) until ``until``:
        it is still recorded and listed, but not notified. An alert's silence ends early when the alert
        resolves. A matcher silence needs a region-wide principal, or a ``unit`` label inside the acting
        jurisdiction. Returns the silence's id."""
        reason = _text(reason, "reason")
        now = self.now()
        if until.tzinfo is None:
            raise ConfigError("expected a time with its offset (e.g. 2025-06-30T18:00+08:00)", param="until")
        if until <= now:
            raise ConfigError(
                f"the silence would end at {_iso(until)}, which is not after now ({_iso(now)}); "
                "expected a later date or a duration such as 7d",
                param="until",
            )
        at = _iso(now)
        with self._db(write=True) as con:
            if alert_id is not None:
                if matcher:
                    raise ConfigError("give an alert id or a matcher, not both", param="matcher")
                row = self._alert_row(con, alert_id)
                jur = self._may_act(con, row["id"], principal, as_jurisdiction)
                if row["status"] not in ACTIVE:
                    raise TransitionError(
                        f"alert {row['id']} is {row['status']}: only an active alert ({', '.join(ACTIVE)}) can "
                        "be silenced (a silence ends when its alert resolves)"
                    )
                cur = con.execute(
                    "INSERT INTO silences (alert_id, starts_at, ends_at, created_by, jurisdiction, reason) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (row["id"], at, _iso(until), principal.name, jur, reason),
                )
                sid = int(cur.lastrowid or 0)
                self._event(
                    con,
                    row["id"],
                    at,
                    principal.name,
                    jur,
                    "silence",
                    row["status"],
                    row["status"],
                    f"silenced until {_iso(until)}" + (f": {reason}" if reason else ""),
                )
                return sid
            if not matcher:
                raise ConfigError("give an alert id or a matcher (label=value)", param="matcher")
            bad = sorted(set(matcher) - set(MATCHER_KEYS))
            if bad:
                raise ConfigError(
                    f"unknown matcher labels {bad}; expected any of {', '.join(MATCHER_KEYS)}",
                    param="matcher",
                )
            jur = self.acting_jurisdiction(principal, as_jurisdiction)
            if principal.role not in _ACTING_ROLES:
                raise AccessError(f"user {principal.name!r} ({principal.role}) may not silence alerts")
            unit = matcher.get("unit")
            if jur != REGION and not (unit and _covers(jur, str(unit))):
                raise AccessError(
                    f"a silence by matcher from jurisdiction {jur} must name a unit inside it (unit=...); "
                    "only the whole region may silence across jurisdictions"
                )
            cur = con.execute(
                "INSERT INTO silences (matcher, starts_at, ends_at, created_by, jurisdiction, reason) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    json.dumps({k: str(v) for k, v in matcher.items()}, ensure_ascii=False, sort_keys=True),
                    at,
                    _iso(until),
                    principal.name,
                    jur,
                    reason,
                ),
            )
            return int(cur.lastrowid or 0)

    def unsilence(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> int:
        """End the active silences of an alert now; returns how many ended (TransitionError when none)."""
        note = _text(note, "note")
        at = _iso(self.now())
        with self._db(write=True) as con:
            row = self._alert_row(con, alert_id)
            jur = self._may_act(con, row["id"], principal, as_jurisdiction)
            n = con.execute(
                "UPDATE silences SET ended_at = ?, ended_by = ?, end_reason = 'unsilenced' "
                "WHERE alert_id = ? AND ended_at IS NULL AND ends_at > ?",
                (at, principal.name, row["id"], at),
            ).rowcount
            if not n:
                raise TransitionError(f"alert {row['id']} has no active silence")
            self._event(
                con, row["id"], at, principal.name, jur, "unsilence", row["status"], row["status"], note
            )
            return int(n)

    def _end_silences(
        self, con: sqlite3.Connection, alert_id: int, at: str, actor: str, run_id: int | None
    ) -> None:
        n = con.execute(
            "UPDATE silences SET ended_at = ?, ended_by = ?, end_reason = 'alert resolved' "
            "WHERE alert_id = ? AND ended_at IS NULL AND ends_at > ?",
            (at, actor, alert_id, at),
        ).rowcount
        if n:
            self._event(
                con,
                alert_id,
                at,
                actor,
                None,
                "silence_ended",
                "resolved",
                "resolved",
                "silence ended: the alert resolved / 预警已解除，静默结束",
                run_id=run_id,
            )

    # ------------------------------------------------------------------------------------------ lifecycle
    def _step(
        self,
        action: str,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
        assignee: str | None = None,
    ) -> dict[str, Any]:
        note = _text(note, "note")
        at = _iso(self.now())
        with self._db(write=True) as con:
            row = self._alert_row(con, alert_id)
            aid, status = row["id"], row["status"]
            jur = self._may_act(con, aid, principal, as_jurisdiction)
            allowed_from, to = TRANSITIONS[action]
            if action == "ack" and status in ACTIVE[1:]:
                to = status  # one more party acknowledges; the alert already counts as acknowledged
                allowed_from = ACTIVE
            if status not in allowed_from:
                raise TransitionError(self._refusal(aid, status, action, to))
            if action == "ack":
                party = con.execute(
                    "SELECT acknowledged_by, acknowledged_at FROM parties WHERE alert_id = ? AND jurisdiction = ?",
                    (aid, jur),
                ).fetchone()
                if party is not None and party[1] is not None:
                    raise TransitionError(
                        f"alert {aid} was already acknowledged for {jur} by {party[0]} at {party[1]}"
                    )
            updates: dict[str, Any] = {"status": to, "updated_at": at}
            if action == "ack":
                self._join(con, aid, jur, principal.name, at)
                con.execute(
                    "UPDATE parties SET acknowledged_by = ?, acknowledged_at = ? WHERE alert_id = ? AND "
                    "jurisdiction = ?",
                    (principal.name, at, aid, jur),
                )
            elif action == "assign":
                target = _text(assignee, "to", required=True, limit=64)
                assert target is not None
                if re.fullmatch(r"\d+|YRD|yrd|region", target):  # a jurisdiction, which joins the parties
                    try:
                        target = normalize_jurisdiction(target)
                    except ConfigError as e:
                        raise ConfigError(e.reason, param="to") from None
                    self._join(con, aid, target, principal.name, at)
                updates["assignee"] = target
                note = f"→ {target}" + (f": {note}" if note else "")
            elif action == "resolve":
                updates["resolved_at"] = at
            elif action == "close":
                updates["closed_at"] = at
            elif action == "reopen":
                updates.update(resolved_at=None, closed_at=None)
                con.execute(
                    "UPDATE parties SET acknowledged_by = NULL, acknowledged_at = NULL WHERE alert_id = ?",
                    (aid,),
                )
            sets = ", ".join(f"{k} = ?" for k in updates)
            con.execute(f"UPDATE alerts SET {sets} WHERE id = ?", (*updates.values(), aid))
            self._event(con, aid, at, principal.name, jur, action, status, to, note)
            if action == "resolve":
                self._end_silences(con, aid, at, principal.name, None)
            if action in ("resolve", "close", "reopen"):
                self._inhibit(con, at, principal.name, None)
            return self._alert_row(con, aid)

    @staticmethod
    def _refusal(aid: int, status: str, action: str, to: str) -> str:
        possible = [f"{a} → {t}" for a, (src, t) in TRANSITIONS.items() if status in src]
        if status in ACTIVE[1:]:
            possible.insert(0, f"ack → {status} (another party)")
        return (
            f"alert {aid}: {status} → {to} ({action}) is not allowed; from {status} the allowed steps are "
            f"{', '.join(possible) if possible else 'none'} (note works in every status)"
        )

    def _join(self, con: sqlite3.Connection, alert_id: int, jurisdiction: str, actor: str, at: str) -> None:
        """Make ``jurisdiction`` a party of the alert (not concerned: joined) if it is not one yet."""
        con.execute(
            "INSERT OR IGNORE INTO parties (alert_id, jurisdiction, concerned, updated_by, updated_at) "
            "VALUES (?, ?, 0, ?, ?)",
            (alert_id, jurisdiction, actor, at),
        )

    def ack(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Acknowledge for the acting jurisdiction: open → acknowledged at the first party's acknowledgement;
        later parties' acknowledgements are recorded without a change of status."""
        return self._step("ack", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction)

    def assign(
        self,
        alert_id: int,
        principal: Principal,
        to: str,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Assign to a user name or a jurisdiction code (which then joins the alert's parties)."""
        return self._step(
            "assign", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction, assignee=to
        )

    def handle(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Start handling (in_handling)."""
        return self._step("handle", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction)

    def resolve(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Resolve by hand (its silences end; it reopens if its condition returns in a later period)."""
        return self._step("resolve", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction)

    def close(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Close a resolved alert (hidden from lists by default)."""
        return self._step("close", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction)

    def reopen(
        self,
        alert_id: int,
        principal: Principal,
        *,
        note: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Reopen a resolved or closed alert by hand (the parties acknowledge again)."""
        return self._step("reopen", alert_id, principal, note=note, as_jurisdiction=as_jurisdiction)

    def note(
        self,
        alert_id: int,
        principal: Principal,
        text: str | None = None,
        *,
        assessment: str | None = None,
        measures: str | None = None,
        as_jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        """Add to the thread, in any status: a note, and the acting party's assessment and measures (which
        replace its earlier ones; the thread keeps every version)."""
        text = _text(text, "note")
        assessment = _text(assessment, "assessment")
        measures = _text(measures, "measures")
        if text is None and assessment is None and measures is None:
            raise ConfigError("expected a note, an assessment or measures", param="note")
        at = _iso(self.now())
        with self._db(write=True) as con:
            row = self._alert_row(con, alert_id)
            aid = row["id"]
            jur = self._may_act(con, aid, principal, as_jurisdiction)
            if assessment is not None or measures is not None:
                self._join(con, aid, jur, principal.name, at)
                con.execute(
                    "UPDATE parties SET assessment = coalesce(?, assessment), measures = coalesce(?, measures), "
                    "updated_by = ?, updated_at = ? WHERE alert_id = ? AND jurisdiction = ?",
                    (assessment, measures, principal.name, at, aid, jur),
                )
            con.execute("UPDATE alerts SET updated_at = ? WHERE id = ?", (at, aid))
            self._event(
                con,
                aid,
                at,
                principal.name,
                jur,
                "note",
                row["status"],
                row["status"],
                text,
                assessment=assessment,
                measures=measures,
            )
            return self._alert_row(con, aid)

    def act(self, action: str, alert_id: int, principal: Principal, **fields: Any) -> dict[str, Any]:
        """One action by name (:data:`ACTIONS`) with the fields it takes: ``note``, ``to`` (assign),
        ``assessment`` and ``measures`` (note), ``until`` and ``reason`` (silence), ``as_jurisdiction``.
        Returns the alert's row after it."""
        if action not in ACTIONS:
            raise ConfigError(
                f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}", param="action"
            )
        as_j = fields.get("as_jurisdiction")
        note = fields.get("note")
        if action == "assign":
            if not fields.get("to"):
                raise ConfigError("assign needs `to`: a user name or a jurisdiction code", param="to")
            return self.assign(alert_id, principal, fields["to"], note=note, as_jurisdiction=as_j)
        if action == "note":
            return self.note(
                alert_id,
                principal,
                note,
                assessment=fields.get("assessment"),
                measures=fields.get("measures"),
                as_jurisdiction=as_j,
            )
        if action == "silence":
            until = fields.get("until")
            if not isinstance(until, datetime):
                raise ConfigError(
                    "silence needs `until`: a date, a time or a duration such as 7d", param="until"
                )
            self.silence(
                alert_id,
                principal,
                until=until,
                reason=fields.get("reason") or note,
                as_jurisdiction=as_j,
            )
            return self.get(alert_id)
        if action == "unsilence":
            self.unsilence(alert_id, principal, note=note, as_jurisdiction=as_j)
            return self.get(alert_id)
        method: Callable[..., dict[str, Any]] = getattr(self, action)
        return method(alert_id, principal, note=note, as_jurisdiction=as_j)

    # ------------------------------------------------------------------------------------------ recording
    def record_run(
        self,
        groups: Sequence[AlertGroup],
        *,
        level: str,
        jurisdiction: str,
        period: str,
        period_kind: str,
        period_ord: int,
        actor: str,
        findings: int,
    ) -> RunOutcome:
        """Record one check of the rule set (``level``, ``jurisdiction``) for ``period``, in one transaction.

        - a group with no alert yet opens one (event ``opened``);
        - a group whose alert is resolved or closed reopens it (event ``reopened``) when it fires in a period
          after the alert's last one — the condition returned; otherwise it only records the findings;
        - a finding seen before keeps ``first_value``; a changed value is a revision (``value``, ``revisions``,
          ``revised_at``, event ``revised``); the same finding re-run changes only ``last_seen``;
        - an active alert of the rule set whose group is missing while the run's period (of the same kind) is at
          or after the alert's last period is resolved (event ``resolved by check``; its silences end);
        - inhibition is recomputed for the whole store.
        """
        now = _iso(self.now())
        outcome = RunOutcome(run_id=0, at=now)
        with self._db(write=True) as con:
            cur = con.execute(
                "INSERT INTO runs (at, actor, level, jurisdiction, period, findings, alerts, new, updated, "
                "unchanged, reopened, resolved, inhibited, silenced) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, "
                "0, 0)",
                (now, actor, level, jurisdiction, period, findings, len(groups)),
            )
            run_id = outcome.run_id = int(cur.lastrowid or 0)
            seen: set[int] = set()
            for g in groups:
                aid, change = self._record_group(con, g, level, jurisdiction, actor, now, run_id)
                outcome.changes[aid] = change
                seen.add(aid)
            # auto-resolve: the rule set's active alerts missing from a run at or after their last period
            stale = con.execute(
                "SELECT id, status, last_period FROM alerts WHERE level = ? AND rule_set = ? AND status IN "
                f"({', '.join('?' * len(ACTIVE))}) AND period_kind = ? AND period_ord <= ?",
                (level, jurisdiction, *ACTIVE, period_kind, period_ord),
            ).fetchall()
            for aid, status, last in stale:
                if aid in seen:
                    continue
                con.execute(
                    "UPDATE alerts SET status = 'resolved', resolved_at = ?, updated_at = ?, firing = 0 "
                    "WHERE id = ?",
                    (now, now, aid),
                )
                self._event(
                    con,
                    aid,
                    now,
                    actor,
                    jurisdiction,
                    "resolved by check",
                    status,
                    "resolved",
                    f"not found by the check of {period} (last seen {last}) / {period} 检查未再出现",
                    run_id=run_id,
                )
                self._end_silences(con, aid, now, actor, run_id)
                outcome.resolved.append(int(aid))
            self._inhibit(con, now, actor, run_id)
            if outcome.changes:
                ids = list(outcome.changes)
                marks = ", ".join("?" * len(ids))
                outcome.inhibited = {
                    int(r[0])
                    for r in con.execute(
                        f"SELECT id FROM alerts WHERE id IN ({marks}) AND inhibited_by IS NOT NULL", ids
                    )
                }
                rows = _frame(
                    con.execute(f"SELECT {', '.join(_ALERT_COLUMNS)} FROM alerts WHERE id IN ({marks})", ids),
                    _ALERT_COLUMNS,
                )
                silences = self._active_silences(con)
                if silences:
                    labels = self._labels_of(rows, con)
                    outcome.silenced = {
                        aid for aid in ids if self._silenced_until(silences, labels[aid]) is not None
                    }
            counts = {
                k: sum(v == k for v in outcome.changes.values()) for k in ("new", "updated", "unchanged")
            }
            counts["reopened"] = sum(v == "reopened" for v in outcome.changes.values())
            con.execute(
                "UPDATE runs SET new = ?, updated = ?, unchanged = ?, reopened = ?, resolved = ?, inhibited = ?, "
                "silenced = ? WHERE id = ?",
                (
                    counts["new"],
                    counts["updated"],
                    counts["unchanged"],
                    counts["reopened"],
                    len(outcome.resolved),
                    len(outcome.inhibited),
                    len(outcome.silenced),
                    run_id,
                ),
            )
        return outcome

    def _record_group(
        self,
        con: sqlite3.Connection,
        g: AlertGroup,
        level: str,
        rule_set: str,
        actor: str,
        now: str,
        run_id: int,
    ) -> tuple[int, str]:
        layers = ";".join(sorted({f.layer for f in g.findings if f.layer}))
        rules = ";".join(sorted({f.rule for f in g.findings}))
        row = con.execute(
            "SELECT id, status, severity, period_kind, period_ord, last_period FROM alerts WHERE fingerprint = ?",
            (g.fingerprint,),
        ).fetchone()
        if row is None:
            cur = con.execute(
                "INSERT INTO alerts (fingerprint, level, rule_set, unit, name_zh, chain, segment, layers, rules, "
                "severity, status, jurisdictions, owner, first_period, last_period, period_kind, period_ord, "
                "firing, opened_at, updated_at, last_seen, first_run, last_run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    g.fingerprint,
                    level,
                    rule_set,
                    g.unit,
                    g.name_zh,
                    g.chain,
                    g.segment,
                    layers,
                    rules,
                    g.severity,
                    ";".join(g.jurisdictions),
                    g.owner,
                    g.period,
                    g.period,
                    g.period_kind,
                    g.period_ord,
                    int(g.firing),
                    now,
                    now,
                    now,
                    run_id,
                    run_id,
                ),
            )
            aid = int(cur.lastrowid or 0)
            for j in (*g.jurisdictions, *([g.owner] if g.owner and is_jurisdiction_code(g.owner) else [])):
                con.execute(
                    "INSERT OR IGNORE INTO parties (alert_id, jurisdiction, concerned, updated_by, updated_at) "
                    "VALUES (?, ?, 1, ?, ?)",
                    (aid, j, actor, now),
                )
            for f in g.findings:
                self._insert_finding(con, aid, f, now, run_id)
            top = max(g.findings, key=lambda f: SEVERITIES.index(f.severity))
            self._event(
                con,
                aid,
                now,
                actor,
                rule_set,
                "opened",
                None,
                "open",
                f"{SEVERITY_ZH[g.severity]} {g.severity}: {rules} ({g.period}; {top.rule} = {_fmt(top.value)})",
                run_id=run_id,
            )
            return aid, "new"

        aid, status, severity, kind, ord_, last_period = row
        changed = False
        same_kind = kind == g.period_kind
        later = same_kind and g.period_ord > ord_
        change = "unchanged"
        if status not in ACTIVE and g.firing and later:
            con.execute(
                "UPDATE alerts SET status = 'open', resolved_at = NULL, closed_at = NULL WHERE id = ?", (aid,)
            )
            con.execute(
                "UPDATE parties SET acknowledged_by = NULL, acknowledged_at = NULL WHERE alert_id = ?", (aid,)
            )
            self._event(
                con,
                aid,
                now,
                actor,
                rule_set,
                "reopened",
                status,
                "open",
                f"the condition returned in {g.period} (last seen {last_period}) / {g.period} 再次触发",
                run_id=run_id,
            )
            change = "reopened"
        for f in g.findings:
            old = con.execute(
                "SELECT value, first_value, revisions FROM findings WHERE alert_id = ? AND rule = ? AND period = ?",
                (aid, f.rule, f.period),
            ).fetchone()
            if old is None:
                self._insert_finding(con, aid, f, now, run_id)
                changed = True
                continue
            value, first_value = old[0], old[1]
            revised = not _same(value, f.value)
            con.execute(
                "UPDATE findings SET type = ?, severity = ?, indicator = ?, metric = ?, layer = ?, state = ?, "
                "value = ?, measure = ?, threshold = ?, compared = ?, opened = ?, since = ?, owner = ?, "
                "jurisdictions = ?, evidence = ?, last_seen = ?, last_run = ?, "
                "revised_at = CASE WHEN ? THEN ? ELSE revised_at END, revisions = revisions + ? "
                "WHERE alert_id = ? AND rule = ? AND period = ?",
                (
                    f.type,
                    f.severity,
                    f.indicator,
                    f.metric,
                    f.layer,
                    f.state,
                    f.value,
                    f.measure,
                    f.threshold,
                    f.compared,
                    f.opened,
                    f.since,
                    f.owner,
                    f.jurisdictions,
                    f.evidence,
                    now,
                    run_id,
                    int(revised),
                    now,
                    int(revised),
                    aid,
                    f.rule,
                    f.period,
                ),
            )
            if revised:
                changed = True
                self._event(
                    con,
                    aid,
                    now,
                    actor,
                    rule_set,
                    "revised",
                    None,
                    None,
                    f"{f.rule} {f.period}: {_fmt(value)} → {_fmt(f.value)} (first reported {_fmt(first_value)}) "
                    f"/ 数据修订",
                    run_id=run_id,
                )
        # the alert's labels follow its latest period (a re-run of an older period leaves them)
        if not same_kind or g.period_ord >= ord_:
            if severity != g.severity:
                changed = True
                self._event(
                    con,
                    aid,
                    now,
                    actor,
                    rule_set,
                    "severity",
                    None,
                    None,
                    f"{severity} → {g.severity} / {SEVERITY_ZH[severity]} → {SEVERITY_ZH[g.severity]}",
                    run_id=run_id,
                )
            con.execute(
                "UPDATE alerts SET severity = ?, layers = ?, rules = ?, name_zh = coalesce(?, name_zh), "
                "jurisdictions = ?, owner = coalesce(?, owner), last_period = ?, period_kind = ?, period_ord = ?, "
                "firing = ? WHERE id = ?",
                (
                    g.severity,
                    layers,
                    rules,
                    g.name_zh,
                    ";".join(sorted(set(_split(self._jurisdictions(con, aid))) | set(g.jurisdictions))),
                    g.owner,
                    g.period,
                    g.period_kind,
                    g.period_ord,
                    int(g.firing),
                    aid,
                ),
            )
            for j in (*g.jurisdictions, *([g.owner] if g.owner and is_jurisdiction_code(g.owner) else [])):
                con.execute(
                    "INSERT INTO parties (alert_id, jurisdiction, concerned, updated_by, updated_at) "
                    "VALUES (?, ?, 1, ?, ?) ON CONFLICT (alert_id, jurisdiction) DO UPDATE SET concerned = 1",
                    (aid, j, actor, now),
                )
        con.execute(
            "UPDATE alerts SET last_seen = ?, last_run = ?, updated_at = CASE WHEN ? THEN ? ELSE updated_at END "
            "WHERE id = ?",
            (now, run_id, int(changed or change == "reopened"), now, aid),
        )
        if change == "unchanged" and changed:
            change = "updated"
        return int(aid), change

    @staticmethod
    def _jurisdictions(con: sqlite3.Connection, aid: int) -> str:
        return str(con.execute("SELECT jurisdictions FROM alerts WHERE id = ?", (aid,)).fetchone()[0])

    @staticmethod
    def _insert_finding(con: sqlite3.Connection, aid: int, f: FindingRow, now: str, run_id: int) -> None:
        con.execute(
            "INSERT INTO findings (alert_id, rule, period, type, severity, indicator, metric, layer, state, "
            "first_value, value, measure, threshold, compared, opened, since, owner, jurisdictions, evidence, "
            "first_seen, last_seen, first_run, last_run) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                aid,
                f.rule,
                f.period,
                f.type,
                f.severity,
                f.indicator,
                f.metric,
                f.layer,
                f.state,
                f.value,
                f.value,
                f.measure,
                f.threshold,
                f.compared,
                f.opened,
                f.since,
                f.owner,
                f.jurisdictions,
                f.evidence,
                now,
                now,
                run_id,
                run_id,
            ),
        )

    # ------------------------------------------------------------------------------------------ inhibition
    def _inhibit(self, con: sqlite3.Connection, at: str, actor: str, run_id: int | None) -> None:
        """Recompute ``inhibited_by`` of every alert (see the module's docstring) and note the changes."""
        marks = ", ".join("?" * len(ACTIVE))
        # only active alerts: an inhibited alert that resolved stays as it was (hidden), never seen
        alerts = con.execute(
            f"SELECT id, level, unit, chain, segment, inhibited_by, status FROM alerts WHERE status IN ({marks})",
            ACTIVE,
        ).fetchall()
        keys: dict[int, set[tuple[Any, Any, Any]]] = {}
        for aid, typ, ind, metric in con.execute(
            "SELECT f.alert_id, f.type, f.indicator, f.metric FROM findings f JOIN alerts a "
            f"ON a.id = f.alert_id AND a.last_period = f.period WHERE a.status IN ({marks})",
            ACTIVE,
        ):
            keys.setdefault(int(aid), set()).add((typ, ind, metric))
        # possible sources per (chain, segment): only province- and region-level alerts, highest level first
        sources: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
        for sid, slevel, sunit, schain, ssegment, _w, _s in alerts:
            if LEVEL_RANK.get(slevel, 0) > 1 and sid in keys:
                sources.setdefault((schain, ssegment), []).append((LEVEL_RANK[slevel], sid, sunit))
        for group in sources.values():
            group.sort(key=lambda s: (-s[0], s[1]))
        for aid, level, unit, chain, segment, was, status in alerts:
            by = None
            mine = keys.get(aid)
            rank = LEVEL_RANK.get(level, 0)
            if mine:
                for srank, sid, sunit in sources.get((chain, segment), ()):
                    if srank > rank and _unit_contains(sunit, unit) and mine <= keys[sid]:
                        by = sid
                        break
            if by == was:
                continue
            con.execute("UPDATE alerts SET inhibited_by = ? WHERE id = ?", (by, aid))
            note = (
                f"inhibited by alert {by}: the same finding at a higher level / 已由上级预警 {by} 抑制"
                if by is not None
                else f"no longer inhibited (alert {was} ended or changed) / 抑制解除"
            )
            self._event(
                con,
                aid,
                at,
                actor,
                None,
                "inhibited" if by else "uninhibited",
                status,
                status,
                note,
                run_id=run_id,
            )
