"""``chainatlas alerts``: list, show and handle the alerts of periodic inspection (预警处置).

Alerts live in ``<db>.alerts.sqlite`` beside the atlas (:mod:`chainatlas.storage.alerts`) and may be handled
while the server runs. The command line acts as its local user (``cli:<os user>``, the audit log's actor) with
the whole region's rights; ``--as-jurisdiction CODE`` acts for one jurisdiction of a jointly handled alert
(在线协商: each party acknowledges and adds its assessment for itself). Every action is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from chainatlas import config
from chainatlas.cli.common import actor, record, save_result
from chainatlas.model.access import REGION, Principal
from chainatlas.storage.alerts import SEVERITIES, SEVERITY_ZH, STATUS_ZH, STATUSES, AlertStore

__all__ = ["alerts"]

_ACTION_ZH = {
    "ack": "已确认 / acknowledged",
    "assign": "已分派 / assigned",
    "handle": "处置中 / in handling",
    "note": "已记录 / noted",
    "resolve": "已解除 / resolved",
    "close": "已关闭 / closed",
    "reopen": "已重开 / reopened",
    "silence": "已静默 / silenced",
    "unsilence": "已取消静默 / unsilenced",
}


def _db(ctx: click.Context) -> Path:
    return config.db_path(ctx.find_root().obj["db"])


def _store(ctx: click.Context) -> AlertStore:
    return AlertStore(config.side_file(_db(ctx), "alerts"))


def _me() -> Principal:
    """The command line's principal: its local user, with the whole region's rights."""
    return Principal(actor(), "admin", REGION, local=True)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or v == ""


def _v(v: Any) -> str:
    if _blank(v):
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _headline(a: dict[str, Any]) -> str:
    where = a["unit"] + (f" {a['name_zh']}" if not _blank(a.get("name_zh")) else "")
    seg = "" if (a["chain"], a["segment"]) == ("*", "*") else f" · {a['chain']}/{a['segment']}"
    return (
        f"#{a['id']} [{SEVERITY_ZH[a['severity']]} {a['severity']}] {where}{seg} · "
        f"{STATUS_ZH[a['status']]} {a['status']}"
    )


def _done(
    ctx: click.Context, action: str, alert_id: int | None, before: str | None, after: dict, **params: Any
) -> None:
    pending = after.get("pending")
    moved = f" ({before} → {after['status']})" if before and before != after["status"] else ""
    click.echo(f"{_ACTION_ZH[action]}: {_headline(after)}{moved}")
    if pending:
        click.echo(f"  待确认 pending: {pending.replace(';', ', ')}")
    record(
        _db(ctx),
        f"alerts_{action}",
        resource=f"alert {alert_id}" if alert_id is not None else "alerts",
        parameters={k: v for k, v in params.items() if v is not None},
    )


def _as_option(f: Any) -> Any:
    return click.option(
        "--as-jurisdiction",
        "as_jurisdiction",
        default=None,
        metavar="CODE",
        help="act for this jurisdiction (joint handling 在线协商), e.g. 320500; default: the whole region",
    )(f)


def _note_option(f: Any) -> Any:
    return click.option("--note", default=None, help="a note for the thread / 备注")(f)


@click.group()
def alerts() -> None:
    """预警 Alerts of periodic inspection: list, show, ack, assign, handle, note, resolve, close, reopen,
    silence, unsilence.

    \b
    Lifecycle: open 待确认 → acknowledged 已确认 → assigned 已分派 → in_handling 处置中 → resolved 已解除
    → closed 已关闭; a resolved or closed alert reopens when its condition returns. An alert concerning several
    jurisdictions is handled jointly: each acknowledges for itself (--as-jurisdiction CODE) and adds its
    assessment and measures (note --assessment --measures); it counts as acknowledged at the first
    acknowledgement, and `show` lists who has not yet.
    """


# ---------------------------------------------------------------------------------------------- reading
@alerts.command("list")
@click.option("--status", multiple=True, type=click.Choice(STATUSES), help="keep this status (repeatable)")
@click.option(
    "--severity", multiple=True, type=click.Choice(SEVERITIES), help="keep this severity (repeatable)"
)
@click.option(
    "--jurisdiction", default=None, help="alerts concerning this jurisdiction (e.g. 320000, 320500)"
)
@click.option("--period", default=None, help="alerts with a finding in this period (2024, 2024-05, 2024Q2)")
@click.option(
    "--level", type=click.Choice(["region", "province", "city"]), default=None, help="of this level"
)
@click.option("--all", "include_hidden", is_flag=True, help="also inhibited and closed alerts")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write the list to a file: .csv (UTF-8 with BOM, for Excel) or .json",
)
@click.pass_context
def list_alerts(
    ctx: click.Context,
    status: tuple[str, ...],
    severity: tuple[str, ...],
    jurisdiction: str | None,
    period: str | None,
    level: str | None,
    include_hidden: bool,
    output: Path | None,
) -> None:
    """Alerts, most severe first (closed and inhibited ones only with --all)."""
    df = _store(ctx).list(
        status=status or None,
        severity=severity or None,
        jurisdiction=jurisdiction,
        period=period,
        level=level,
        include_hidden=include_hidden,
    )
    if output is not None:
        from chainatlas.pipeline.analyze.result import Result, provenance

        filters = {
            "status": list(status) or None,
            "severity": list(severity) or None,
            "jurisdiction": jurisdiction,
            "period": period,
            "level": level,
            "all": include_hidden,
        }
        result = Result(
            df,
            provenance(
                command="alerts list", store=config.side_file(_db(ctx), "alerts").name, filters=filters
            ),
            {"alerts": len(df), **df["severity"].value_counts().to_dict()},
        )
        path = save_result(result, output, None)
        record(_db(ctx), "export", resource=str(path), parameters={"alerts": "list"}, count=len(df))
        return
    if df.empty:
        click.echo("没有预警 / no alerts" + ("" if include_hidden else " (closed and inhibited ones: --all)"))
        return
    for a in df.to_dict("records"):
        extra = []
        if not _blank(a["pending"]):
            extra.append(f"待确认 pending {a['pending'].replace(';', ',')}")
        if not _blank(a["assignee"]):
            extra.append(f"→ {a['assignee']}")
        if not _blank(a["silenced_until"]):
            extra.append(f"静默至 silenced until {a['silenced_until']}")
        if not _blank(a["inhibited_by"]):
            extra.append(f"抑制 inhibited by #{int(a['inhibited_by'])}")
        rules = str(a["rules"] or "").replace(";", ",")
        click.echo(
            f"{_headline(a)} · {a['level']} {a['rule_set']} · {a['last_period']} · {rules}"
            + ("".join(f" · {x}" for x in extra))
        )
    click.echo(f"{len(df)} 条预警 / alerts", err=True)


@alerts.command("show")
@click.argument("alert_id", type=int, metavar="ID")
@click.pass_context
def show(ctx: click.Context, alert_id: int) -> None:
    """One alert: its findings (first reported and revised values), parties, silences and thread."""
    d = _store(ctx).detail(alert_id)
    a = d["alert"]
    click.echo(_headline(a))
    click.echo(
        f"  规则集 rule set: {a['level']} {a['rule_set']} · 期 periods {a['first_period']}–{a['last_period']} · "
        f"建议责任方 owner {_v(a['owner'])} · 分派 assignee {_v(a['assignee'])}"
        + (f" · 抑制 inhibited by #{int(a['inhibited_by'])}" if not _blank(a["inhibited_by"]) else "")
        + (f" · 静默至 silenced until {a['silenced_until']}" if a["silenced_until"] else "")
    )
    click.echo("发现 findings:")
    for f in d["findings"].to_dict("records"):
        revised = (
            f" (首报 first reported {_v(f['first_value'])}, 修订 revised {f['revisions']}× at {f['revised_at']})"
            if f["revisions"]
            else ""
        )
        what = "/".join(
            _v(x) for x in (f["type"], f["indicator"] if not _blank(f["indicator"]) else f["metric"])
        )
        click.echo(
            f"  {f['period']} {f['rule']} [{f['severity']}, {f['state']}] {what}: value {_v(f['value'])}{revised}; "
            f"measure {_v(f['measure'])} vs threshold {_v(f['threshold'])}, compared {_v(f['compared'])}"
            + (f"; evidence {f['evidence']}" if not _blank(f["evidence"]) else "")
        )
    click.echo("各方 parties:")
    for p in d["parties"].to_dict("records"):
        ack = (
            f"已确认 acknowledged by {p['acknowledged_by']} at {p['acknowledged_at']}"
            if not _blank(p["acknowledged_at"])
            else ("待确认 pending" if p["concerned"] else "—")
        )
        role = "" if p["concerned"] else " (joined)"
        click.echo(f"  {p['jurisdiction']}{role}: {ack}")
        if not _blank(p["assessment"]):
            click.echo(f"    研判 assessment: {p['assessment']}")
        if not _blank(p["measures"]):
            click.echo(f"    措施 measures: {p['measures']}")
    if len(d["silences"]):
        click.echo("静默 silences:")
        for s in d["silences"].to_dict("records"):
            end = f", ended {s['ended_at']} ({s['end_reason']})" if not _blank(s["ended_at"]) else ""
            click.echo(f"  #{s['id']} until {s['ends_at']} by {s['created_by']}: {_v(s['reason'])}{end}")
    click.echo("处置记录 thread:")
    for e in d["events"].to_dict("records"):
        before, after = ("" if _blank(e[k]) else e[k] for k in ("from_status", "to_status"))
        move = f" {before + ' ' if before else ''}→ {after}" if after and before != after else ""
        who = e["actor"] + (f"@{e['jurisdiction']}" if not _blank(e["jurisdiction"]) else "")
        text = "; ".join(
            x
            for x in (
                _v(e["note"]) if not _blank(e["note"]) else "",
                f"研判 assessment: {e['assessment']}" if not _blank(e["assessment"]) else "",
                f"措施 measures: {e['measures']}" if not _blank(e["measures"]) else "",
            )
            if x
        )
        click.echo(f"  {e['at']} {who} {e['action']}{move}" + (f": {text}" if text else ""))


# ---------------------------------------------------------------------------------------------- acting
def _simple(action: str, help_text: str) -> click.Command:
    @click.argument("alert_id", type=int, metavar="ID")
    @_note_option
    @_as_option
    @click.pass_context
    def command(ctx: click.Context, alert_id: int, note: str | None, as_jurisdiction: str | None) -> None:
        store = _store(ctx)
        before = store.get(alert_id)["status"]
        store.act(action, alert_id, _me(), note=note, as_jurisdiction=as_jurisdiction)
        after = store.detail(alert_id)["alert"]
        _done(ctx, action, alert_id, before, after, note=note, as_jurisdiction=as_jurisdiction)

    command.__doc__ = help_text
    return alerts.command(action)(command)


ack = _simple(
    "ack", "Acknowledge for your jurisdiction (the first acknowledgement makes the alert acknowledged)."
)
handle = _simple("handle", "Start handling (in_handling 处置中).")
resolve = _simple("resolve", "Resolve by hand (silences end; it reopens if the condition returns later).")
close = _simple("close", "Close a resolved alert.")
reopen = _simple("reopen", "Reopen a resolved or closed alert.")
unsilence = _simple("unsilence", "End the alert's silences now.")


@alerts.command("assign")
@click.argument("alert_id", type=int, metavar="ID")
@click.option(
    "--to", "to", required=True, metavar="USER|JURISDICTION", help="a user name or a jurisdiction code"
)
@_note_option
@_as_option
@click.pass_context
def assign(ctx: click.Context, alert_id: int, to: str, note: str | None, as_jurisdiction: str | None) -> None:
    """Assign to a user or a jurisdiction (a jurisdiction joins the alert's parties)."""
    store = _store(ctx)
    before = store.get(alert_id)["status"]
    store.assign(alert_id, _me(), to, note=note, as_jurisdiction=as_jurisdiction)
    _done(
        ctx,
        "assign",
        alert_id,
        before,
        store.detail(alert_id)["alert"],
        to=to,
        note=note,
        as_jurisdiction=as_jurisdiction,
    )


@alerts.command("note")
@click.argument("alert_id", type=int, metavar="ID")
@click.argument("text", required=False)
@click.option("--assessment", default=None, help="your jurisdiction's assessment / 研判")
@click.option("--measures", default=None, help="your jurisdiction's measures / 措施")
@_as_option
@click.pass_context
def note(
    ctx: click.Context,
    alert_id: int,
    text: str | None,
    assessment: str | None,
    measures: str | None,
    as_jurisdiction: str | None,
) -> None:
    """Add a note to the thread, and your jurisdiction's assessment and measures."""
    store = _store(ctx)
    store.note(
        alert_id, _me(), text, assessment=assessment, measures=measures, as_jurisdiction=as_jurisdiction
    )
    after = store.detail(alert_id)["alert"]
    _done(
        ctx,
        "note",
        alert_id,
        None,
        after,
        note=text,
        assessment=assessment,
        measures=measures,
        as_jurisdiction=as_jurisdiction,
    )


@alerts.command("silence")
@click.argument("alert_id", type=int, metavar="[ID]", required=False)
@click.option(
    "--until", default=None, help="until this date or time (2025-06-30, 2025-06-30T18:00; China time)"
)
@click.option("--for", "for_", default=None, metavar="DURATION", help="for this long: 12h, 7d, 2w")
@click.option(
    "--match",
    multiple=True,
    metavar="LABEL=VALUE",
    help="without ID: silence every alert matching (unit, chain, segment, rule, type, indicator, severity, level, "
    "rule_set); repeatable",
)
@click.option("--reason", default=None, help="why / 原因")
@_as_option
@click.pass_context
def silence(
    ctx: click.Context,
    alert_id: int | None,
    until: str | None,
    for_: str | None,
    match: tuple[str, ...],
    reason: str | None,
    as_jurisdiction: str | None,
) -> None:
    """Silence an alert (or every alert matching --match) until a time: still recorded and listed, not
    notified. An alert's silence ends when the alert resolves."""
    from chainatlas.pipeline.alerts import expiry

    if (until is None) == (for_ is None):
        raise click.UsageError("give one of --until DATE or --for DURATION")
    if (alert_id is None) == (not match):
        raise click.UsageError("give an alert ID or --match LABEL=VALUE, not both")
    matcher = {}
    for m in match:
        if "=" not in m:
            raise click.UsageError(f"--match {m!r}: expected LABEL=VALUE")
        k, v = m.split("=", 1)
        matcher[k.strip()] = v.strip()
    store = _store(ctx)
    ends = expiry(until or for_ or "", store.now())
    sid = store.silence(
        alert_id, _me(), until=ends, reason=reason, matcher=matcher or None, as_jurisdiction=as_jurisdiction
    )
    params = {
        "until": ends.isoformat(),
        "reason": reason,
        "match": matcher or None,
        "as_jurisdiction": as_jurisdiction,
    }
    if alert_id is not None:
        _done(ctx, "silence", alert_id, None, store.detail(alert_id)["alert"], **params)
    else:
        click.echo(f"已静默 / silenced: silence #{sid} for {matcher} until {ends.isoformat()}")
        record(
            _db(ctx),
            "alerts_silence",
            resource=f"silence {sid}",
            parameters={k: v for k, v in params.items() if v},
        )
