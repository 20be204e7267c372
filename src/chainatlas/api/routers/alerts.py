"""Alerts (监测预警): the list a reader's jurisdiction is concerned by, one alert with its evidence and thread, the
records behind a finding (``/alerts/{uid}/evidence``, read under the reader's scope), and the lifecycle actions
(acknowledge, assign, handle, note, resolve, close, reopen, silence, unsilence).

The alerts live in ``<db>.alerts.sqlite`` beside the atlas the app serves (:mod:`chainatlas.storage.alerts`),
written while the server runs by ``chainatlas check`` and ``chainatlas alerts``; answers are never cached. A
reader sees the alerts concerning its jurisdiction (an alert outside it is not found); analysts and
administrators act on them (403 for viewers and for alerts outside the jurisdiction); a step the alert's status
does not allow is 409 Conflict naming the allowed ones.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Body, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chainatlas import config
from chainatlas.api.auth import principal_of
from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import LimitParam, OffsetParam
from chainatlas.api.render import Records, not_found, page, render
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope, Paged
from chainatlas.errors import ConfigError, NotBuiltError
from chainatlas.pipeline.alerts import action_fields
from chainatlas.pipeline.monitor import evidence_records
from chainatlas.storage.alerts import ACTIONS, SEVERITIES, STATUSES, AlertStore, TransitionError, UnknownAlert

router = APIRouter(tags=["alerts"])

Status = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
Severity = Literal[tuple(SEVERITIES)]  # type: ignore[valid-type]
#: the alert's id (named ``uid`` as the other numbered resources of the API)
AlertId = Annotated[int, Path(ge=1, le=2**53, description="the alert's id")]
StatusesParam = Annotated[
    list[Status] | None,  # type: ignore[valid-type]
    Query(description="keep these statuses (repeatable): " + ", ".join(STATUSES)),
]
SeveritiesParam = Annotated[
    list[Severity] | None,  # type: ignore[valid-type]
    Query(description="keep these severities (repeatable): info, warning, critical"),
]


# ---------------------------------------------------------------------------------------------- shapes
class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class AlertRow(_Row):
    id: int
    fingerprint: str
    level: Literal["region", "province", "city"]
    rule_set: str = Field(description="the jurisdiction of the rule set that raised it")
    unit: str = Field(description="the place (adcode) or, region-wide, the jurisdiction the alert is about")
    name_zh: str | None
    chain: str = Field(description="chain id, * for none")
    segment: str = Field(description="segment id, * for none")
    layers: str | None = Field(description="layers of its current findings, ';'-joined")
    rules: str | None = Field(description="rules of its current findings, ';'-joined")
    severity: Severity  # type: ignore[valid-type]
    status: Status  # type: ignore[valid-type]
    jurisdictions: str = Field(description="jurisdictions concerned, ';'-joined")
    parties: str = Field(description="every party (concerned or joined), ';'-joined")
    pending: str = Field(description="concerned parties that have not acknowledged yet, ';'-joined")
    owner: str | None = Field(description="suggested owner jurisdiction")
    assignee: str | None
    first_period: str
    last_period: str
    silenced_until: str | None = Field(description="end of its active silence (UTC), or null")
    inhibited_by: int | None = Field(description="the higher-level alert inhibiting it, or null")
    status_zh: str
    severity_zh: str


class AlertsPage(Paged):
    data: list[AlertRow]


class FindingOut(_Row):
    rule: str
    period: str
    severity: Severity  # type: ignore[valid-type]
    state: str
    first_value: float | None = Field(description="the value as first reported")
    value: float | None = Field(description="the value as last reported (revised when it differs)")
    revisions: int = Field(description="how many times the value was revised")
    evidence: Any = Field(description="the query spec listing the records behind the finding")


class EventOut(_Row):
    id: int
    at: str
    actor: str
    jurisdiction: str | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None


class PartyOut(_Row):
    jurisdiction: str
    concerned: bool = Field(
        description="among the jurisdictions concerned (false: joined as assignee or coordinator)"
    )
    acknowledged_by: str | None
    acknowledged_at: str | None
    assessment: str | None
    measures: str | None


class SilenceOut(_Row):
    id: int
    ends_at: str
    created_by: str
    reason: str | None
    ended_at: str | None


class AlertDetail(Envelope):
    alert: AlertRow
    findings: list[FindingOut]
    events: list[EventOut] = Field(description="the thread, oldest first")
    parties: list[PartyOut]
    silences: list[SilenceOut]


class EvidenceSum(BaseModel):
    kind: str = Field(description="the input kind of the records")
    attr: str | None = Field(description="the node attribute they make (null: the kind's records as such)")
    records: int = Field(description="records listed")
    value: float = Field(description="sum of the listed records' `value`")


class AlertEvidence(Envelope):
    alert: int = Field(description="the alert's id")
    rule: str = Field(description="the finding's rule")
    period: str = Field(description="the finding's period (2024, 2024Q2 or 2024-05)")
    type: str | None = Field(description="the rule type")
    indicator: str | None = Field(description="the catalogue indicator the rule judges, or null")
    value: float | None = Field(description="the finding's value as last reported")
    first_value: float | None = Field(description="the finding's value as first reported")
    threshold: float | None = Field(description="the rule's threshold")
    evidence: dict[str, Any] = Field(
        description="the query spec (kinds, attrs, place, period, chain, segment)"
    )
    columns: list[str] = Field(
        description="the records' columns, in order: kind, attr, place, year, value, ..."
    )
    limit: int
    truncated: bool = Field(description="more records lie behind the finding than `limit`")
    total: int = Field(description="records listed")
    sums: list[EvidenceSum] = Field(description="per kind and attribute: the listed records and their sum")
    data: list[dict[str, Any]] = Field(description="the records, read under your jurisdiction's scope")


class AlertAction(BaseModel):
    """What an action takes; each action reads the fields it needs."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=4000, description="a note for the thread (silence: the reason)")
    to: str | None = Field(None, max_length=64, description="assign: a user name or a jurisdiction code")
    assessment: str | None = Field(None, max_length=4000, description="note: your jurisdiction's assessment")
    measures: str | None = Field(None, max_length=4000, description="note: your jurisdiction's measures")
    until: str | None = Field(
        None,
        max_length=40,
        description="silence: a date (2025-06-30), a time (China time) or a duration (7d)",
    )
    as_jurisdiction: str | None = Field(
        None,
        max_length=10,
        description="act for a jurisdiction inside yours (joint handling); default: yours",
    )


# ---------------------------------------------------------------------------------------------- helpers
def _store(request: Request) -> AlertStore:
    return AlertStore(config.side_file(request.app.state.atlas.path, "alerts"))


async def _synthetic(atlas: Any) -> bool:
    try:
        return bool(await run_in_threadpool(atlas.synthetic))
    except NotBuiltError:  # alerts need no built layers to be read
        return False


def _answer(payload: dict) -> Response:
    return Response(render(payload), media_type="application/json", headers={"Cache-Control": "no-store"})


def _records(df: pd.DataFrame) -> Records:
    return Records(df.astype(object).where(df.notna(), None))


def _detail(store: AlertStore, uid: int, principal: Any) -> dict:
    try:
        d = store.detail(uid, principal=principal)
    except UnknownAlert:
        raise _missing(uid) from None
    findings = d["findings"].copy()
    findings["evidence"] = [_evidence(x) for x in findings["evidence"]]
    parties = d["parties"].copy()
    parties["concerned"] = parties["concerned"].astype(bool)
    return {
        "alert": d["alert"],
        "findings": _records(findings),
        "events": _records(d["events"]),
        "parties": _records(parties),
        "silences": _records(d["silences"]),
    }


def _missing(uid: int) -> HTTPException:
    """The same 404 whether the alert does not exist or is outside the reader's jurisdiction."""
    return not_found(f"no alert {uid} concerning your jurisdiction; GET /api/alerts?all=true lists them")


def _evidence(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# ---------------------------------------------------------------------------------------------- reading
@router.get("/alerts", response_model=AlertsPage, responses=ERROR_RESPONSES, summary="Alerts concerning you")
async def alerts_list(
    request: Request,
    atlas: AtlasDep,
    status: StatusesParam = None,
    severity: SeveritiesParam = None,
    jurisdiction: Annotated[
        str | None,
        Query(max_length=10, description="alerts concerning this jurisdiction (YRD, 320000, 320500)"),
    ] = None,
    period: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2])|Q[1-4])?$",
            description="alerts with a finding in this period: 2024, 2024-05 or 2024Q2",
        ),
    ] = None,
    level: Annotated[
        Literal["region", "province", "city"] | None, Query(description="alerts of this level of government")
    ] = None,
    layer: Annotated[
        str | None, Query(max_length=20, description="alerts with a finding on this layer")
    ] = None,
    unit: Annotated[str | None, Query(max_length=40, description="alerts about this unit (adcode)")] = None,
    all: Annotated[bool, Query(description="also inhibited and closed alerts")] = False,
    limit: LimitParam = 1000,
    offset: OffsetParam = 0,
) -> Response:
    """The alerts concerning the reader's jurisdiction, most severe and newest first, with the parties that
    have not acknowledged yet (``pending``) and any active silence. Inhibited and closed alerts only with
    ``all``."""
    who = principal_of(request.scope)
    df = await run_in_threadpool(
        _store(request).list,
        status=status,
        severity=severity,
        jurisdiction=jurisdiction,
        period=period,
        level=level,
        layer=layer,
        unit=unit,
        include_hidden=all,
        principal=who,
    )
    df = df.astype(object).where(df.notna(), None)
    return _answer({"synthetic": await _synthetic(atlas), **page(df, limit, offset)})


@router.get(
    "/alerts/{uid}",
    response_model=AlertDetail,
    responses=ERROR_RESPONSES,
    summary="One alert: findings, evidence, parties and thread",
)
async def alert_detail(request: Request, atlas: AtlasDep, uid: AlertId) -> Response:
    """The alert, its findings (value as first reported and as revised, the evidence query spec), the parties
    (who acknowledged, their assessments and measures), its silences and the thread of events."""
    body = await run_in_threadpool(_detail, _store(request), uid, principal_of(request.scope))
    return _answer({"synthetic": await _synthetic(atlas), **body})


def _finding(store: AlertStore, uid: int, principal: Any, rule: str | None, period: str | None) -> dict:
    """The finding of an alert the evidence is asked for: ``rule`` (and ``period``) or the alert's first one
    (latest period, most severe)."""
    try:
        findings = store.detail(uid, principal=principal)["findings"]
    except UnknownAlert:
        raise _missing(uid) from None
    hit = findings
    if rule is not None:
        hit = hit[hit["rule"] == rule]
    if period is not None:
        hit = hit[hit["period"].astype(str) == period]
    if hit.empty:
        have = ", ".join(f"{r} {p}" for r, p in zip(findings["rule"], findings["period"], strict=True))
        asked = " ".join(x for x in (rule, period) if x)
        raise not_found(f"alert {uid} has no finding {asked or 'at all'}; its findings: {have or 'none'}")
    row = hit.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}


def _evidence_answer(backend: Any, uid: int, f: dict, limit: int) -> dict:
    spec = _evidence(f["evidence"])
    if not isinstance(spec, dict):
        raise HTTPException(
            status_code=409,
            detail=f"alert {uid}: the finding {f['rule']} {f['period']} carries no evidence query spec",
        )
    try:
        df = evidence_records(backend, spec, limit=limit + 1)
    except ConfigError as e:
        raise HTTPException(
            status_code=409,
            detail=f"alert {uid}: the evidence of {f['rule']} {f['period']} cannot be listed: {e}",
        ) from None
    truncated = len(df) > limit
    df = df.head(limit)
    sums = []
    if len(df):
        g = df.assign(_a=df["attr"].astype(object).where(df["attr"].notna(), ""))
        for (kind, attr), part in g.groupby(["kind", "_a"], sort=False):
            sums.append(
                {
                    "kind": kind,
                    "attr": attr or None,
                    "records": len(part),
                    "value": float(pd.to_numeric(part["value"], errors="coerce").fillna(0).sum()),
                }
            )
    return {
        "alert": uid,
        "rule": f["rule"],
        "period": str(f["period"]),
        "type": f.get("type"),
        "indicator": f.get("indicator"),
        "value": f.get("value"),
        "first_value": f.get("first_value"),
        "threshold": f.get("threshold"),
        "evidence": spec,
        "columns": [str(c) for c in df.columns],
        "limit": limit,
        "truncated": truncated,
        "total": len(df),
        "sums": sums,
        "data": _records(df),
    }


@router.get(
    "/alerts/{uid}/evidence",
    response_model=AlertEvidence,
    responses=ERROR_RESPONSES,
    summary="The records behind an alert's finding",
)
async def alert_evidence(
    request: Request,
    atlas: AtlasDep,
    uid: AlertId,
    rule: Annotated[
        str | None,
        Query(max_length=80, description="the finding's rule (default: the alert's first finding)"),
    ] = None,
    period: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2])|Q[1-4])?$",
            description="the finding's period (default: the latest period of the rule's findings)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="records at most")] = 200,
) -> Response:
    """The finding's evidence query spec (``GET /api/alerts/{uid}`` shows it) run on the atlas's raw records
    (:func:`chainatlas.pipeline.monitor.evidence_records`), read under the reader's scope: a city's reader sees
    the records inside the city only, whatever the spec names. ``value`` of a record is what it adds to the
    attribute (an amount, 1, or a multi-party record's share); ``sums`` add them up per kind and attribute over
    the records listed (``truncated`` says when more lie behind). 404 for an alert outside the reader's
    jurisdiction or without that finding; 409 when the finding carries no spec the atlas can run, or the atlas
    is not built."""
    who = principal_of(request.scope)
    f = await run_in_threadpool(_finding, _store(request), uid, who, rule, period)
    body = await atlas.call(_evidence_answer, uid, f, limit)
    return _answer({"synthetic": await _synthetic(atlas), **body})


# ---------------------------------------------------------------------------------------------- acting
_ACTION_DOCS = {
    "ack": (
        "Acknowledge an alert for your jurisdiction",
        (
            "open → acknowledged at the first party's "
            "acknowledgement; later parties' acknowledgements are recorded without a change of status."
        ),
    ),
    "assign": (
        "Assign an alert",
        (
            "to a user name or a jurisdiction code (`to`; a jurisdiction joins the "
            "parties): acknowledged, assigned or in_handling → assigned."
        ),
    ),
    "handle": ("Start handling an alert", "acknowledged or assigned → in_handling."),
    "note": (
        "Add a note, an assessment and measures",
        (
            "in any status; `assessment` and `measures` are your "
            "jurisdiction's (joint handling), `note` goes to the thread."
        ),
    ),
    "resolve": ("Resolve an alert", "any active status → resolved; its silences end."),
    "close": ("Close a resolved alert", "resolved → closed."),
    "reopen": ("Reopen an alert", "resolved or closed → open; the parties acknowledge again."),
    "silence": (
        "Silence an alert",
        (
            "until `until` (a date, a time or a duration such as 7d; `note` is the "
            "reason): recorded and listed, not notified; ends when the alert resolves."
        ),
    ),
    "unsilence": ("End an alert's silences", "now."),
}


def _act(store: AlertStore, action: str, uid: int, principal: Any, fields: dict) -> dict:
    try:
        store.get(uid, principal=principal)
    except UnknownAlert:
        # an alert outside the reader's jurisdiction exists for them only as a refusal to act
        try:
            store.get(uid)
        except UnknownAlert:
            raise _missing(uid) from None
    try:
        store.act(action, uid, principal, **action_fields(fields, store.now()))
    except TransitionError as e:
        raise HTTPException(status_code=409, detail=e.reason) from None
    return _detail(store, uid, principal)


def _action_route(action: str) -> None:
    summary, what = _ACTION_DOCS[action]

    async def endpoint(
        request: Request,
        atlas: AtlasDep,
        uid: AlertId,
        body: Annotated[AlertAction | None, Body()] = None,
    ) -> Response:
        fields = body.model_dump(exclude_none=True) if body is not None else {}
        out = await run_in_threadpool(_act, _store(request), action, uid, principal_of(request.scope), fields)
        return _answer({"synthetic": await _synthetic(atlas), **out})

    endpoint.__doc__ = (
        f"{what}\n\nAnalysts and administrators of a jurisdiction concerned act (403 otherwise); a step the "
        "status does not allow is 409. Answers the alert as `GET /api/alerts/{uid}` does."
    )
    router.add_api_route(
        f"/alerts/{{uid}}/{action}",
        endpoint,
        methods=["POST"],
        response_model=AlertDetail,
        responses=ERROR_RESPONSES,
        summary=summary,
        name=f"alert_{action}",
    )


for _action in ACTIONS:
    _action_route(_action)
