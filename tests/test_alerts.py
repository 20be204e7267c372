"""Alerts (issue 13 items 4 and 5): recording check findings, the lifecycle, joint handling, inhibition, silences,
notifications and the exit status — on hand-built findings frames and a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import config
from chainatlas.cli import main
from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import Principal
from chainatlas.pipeline import monitor
from chainatlas.pipeline.alerts import (
    EXIT_NEW_ALERTS,
    exit_code,
    expiry,
    fingerprint,
    notify,
    record,
    record_sets,
)
from chainatlas.storage import audit
from chainatlas.storage.alerts import AlertStore, TransitionError, UnknownAlert

COLUMNS = monitor.COLUMNS  # what check() answers: the findings the store records


def finding(rule: str, unit: str = "320500", **kw) -> dict:
    """One row of `monitor.check`'s answer, with defaults."""
    row = {
        "rule": rule,
        "type": "threshold",
        "severity": "warning",
        "indicator": "firms",
        "metric": None,
        "unit": unit,
        "name_zh": {"320500": "苏州市", "330400": "嘉兴市", "320000": "江苏省"}.get(unit, unit),
        "chain": "*",
        "segment": "*",
        "layer": "industry",
        "period": 2024,
        "state": "firing",
        "opened": 2024,
        "value": 10.0,
        "measure": 10.0,
        "threshold": 20.0,
        "compared": None,
        "since": 2024,
        "owner": unit if len(unit) == 6 and unit.isdigit() else None,
        "jurisdictions": unit,
        "evidence": json.dumps({"table": "raw_firms", "where": {"adcode": unit}}),
    }
    row.update(kw)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


class Clock:
    """A clock the test moves by hand (no sleeping, no timing)."""

    def __init__(self) -> None:
        self.t = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> AlertStore:
    return AlertStore(config.side_file(tmp_path / "atlas.duckdb", "alerts"), clock=clock)


SZ = Principal("sz", "analyst", "320500")
JX = Principal("jx", "analyst", "330400")
HZ = Principal("hz", "analyst", "330100")
SZ_VIEWER = Principal("szv", "viewer", "320500")
JS = Principal("js", "admin", "320000")
REGION_ADMIN = Principal("region", "admin", "YRD")


def rec(store: AlertStore, df: pd.DataFrame, period=2024, level="city", jurisdiction="320500"):
    return record(store, df, level=level, jurisdiction=jurisdiction, period=period, actor="scheduler")


def only_id(store: AlertStore) -> int:
    df = store.list(include_hidden=True)
    assert len(df) == 1, df
    return int(df["id"].iloc[0])


# ---------------------------------------------------------------------------------------------- recording
def test_reading_creates_nothing(store):
    assert store.list().empty and store.runs().empty
    assert not store.path.exists()
    assert store.path.name == "atlas.duckdb.alerts.sqlite"


def test_three_rules_on_one_place_and_segment_make_one_alert_and_a_rerun_adds_nothing(store, clock):
    df = frame(
        finding("few-firms", severity="warning", chain="ic", segment="design"),
        finding(
            "revenue-drop",
            type="change",
            indicator="revenue",
            severity="critical",
            value=-25.0,
            measure=-25.0,
            threshold=-20.0,
            compared=100.0,
            chain="ic",
            segment="design",
        ),
        finding(
            "odd-patents",
            type="outlier",
            indicator="patents",
            severity="info",
            value=3.0,
            measure=4.2,
            threshold=3.5,
            chain="ic",
            segment="design",
        ),
        # another segment of the same place: an alert of its own
        finding("few-firms", chain="ic", segment="fab"),
    )
    r1 = rec(store, df)
    assert (r1.new, r1.updated, r1.unchanged, r1.reopened, r1.resolved) == (2, 0, 0, 0, 0)
    lst = store.list()
    assert len(lst) == 2
    design = lst[lst["segment"] == "design"].iloc[0]
    # severity is the highest finding; the rules and layers of the group are listed
    assert design["severity"] == "critical" and design["status"] == "open"
    assert design["rules"] == "few-firms;odd-patents;revenue-drop"
    assert design["fingerprint"] == fingerprint("city", "320500", "320500", "ic", "design")
    d = store.detail(int(design["id"]))
    assert len(d["findings"]) == 3 and list(d["findings"]["rule"]) == [
        "revenue-drop",
        "few-firms",
        "odd-patents",
    ]
    assert d["findings"].set_index("rule").loc["revenue-drop", "first_value"] == -25.0
    assert list(d["events"]["action"]) == ["opened"]
    # the same findings again: nothing new, only last_seen moves
    clock.advance(hours=1)
    r2 = rec(store, df)
    assert (r2.new, r2.updated, r2.unchanged) == (0, 0, 2) and r2.alerts == ()
    d2 = store.detail(int(design["id"]))
    assert list(d2["events"]["action"]) == ["opened"]
    assert d2["alert"]["last_seen"] == "2025-06-01T09:00:00+00:00"
    assert d2["alert"]["opened_at"] == "2025-06-01T08:00:00+00:00"
    assert len(store.list()) == 2 and len(store.runs()) == 2


def test_a_revised_value_keeps_the_first_reported_one(store, clock):
    rec(store, frame(finding("few-firms", value=12.0), finding("odd", type="outlier", value=3.0)))
    aid = only_id(store)
    clock.advance(days=3)
    r = rec(store, frame(finding("few-firms", value=9.0), finding("odd", type="outlier", value=3.0)))
    assert (r.new, r.updated, r.unchanged) == (0, 1, 0)
    f = store.detail(aid)["findings"].set_index("rule")
    assert (f.loc["few-firms", "first_value"], f.loc["few-firms", "value"]) == (12.0, 9.0)
    assert (
        f.loc["few-firms", "revisions"] == 1
        and f.loc["few-firms", "revised_at"] == "2025-06-04T08:00:00+00:00"
    )
    assert (f.loc["odd", "first_value"], f.loc["odd", "value"], f.loc["odd", "revisions"]) == (3.0, 3.0, 0)
    ev = store.detail(aid)["events"]
    assert list(ev["action"]) == ["opened", "revised"]
    assert "12 → 9" in ev["note"].iloc[1] and "first reported 12" in ev["note"].iloc[1]
    # a second revision: still the first value kept
    rec(store, frame(finding("few-firms", value=8.0), finding("odd", type="outlier", value=3.0)))
    f = store.detail(aid)["findings"].set_index("rule")
    assert (
        f.loc["few-firms", "first_value"],
        f.loc["few-firms", "value"],
        f.loc["few-firms", "revisions"],
    ) == (
        12.0,
        8.0,
        2,
    )


def test_a_later_period_adds_findings_and_moves_the_alert(store):
    rec(store, frame(finding("few-firms", period="2024-05", value=12.0)), period="2024-05")
    aid = only_id(store)
    r = rec(
        store,
        frame(finding("few-firms", period="2024-06", value=11.0, severity="critical")),
        period="2024-06",
    )
    assert (r.new, r.updated) == (0, 1)
    a = store.get(aid)
    assert (a["first_period"], a["last_period"], a["severity"], a["period_kind"]) == (
        "2024-05",
        "2024-06",
        "critical",
        "month",
    )
    f = store.detail(aid)["findings"]
    assert list(zip(f["period"], f["value"], strict=True)) == [("2024-06", 11.0), ("2024-05", 12.0)]
    assert list(store.detail(aid)["events"]["action"]) == ["opened", "severity"]
    assert list(store.list(period="2024-05")["id"]) == [aid] and store.list(period="2024-07").empty


def test_bad_findings_are_refused_whole_and_change_nothing(store):
    with pytest.raises(ConfigError, match="lack columns"):
        rec(store, frame(finding("a")).drop(columns=["state"]))
    with pytest.raises(ConfigError, match=r"findings row 2: severity 'urgent'"):
        rec(store, frame(finding("a"), finding("b", severity="urgent")))
    with pytest.raises(ConfigError, match="rule 'a' appears twice"):
        rec(store, frame(finding("a"), finding("a")))
    with pytest.raises(ConfigError, match="'3205x' is not a jurisdiction"):
        rec(store, frame(finding("a", jurisdictions="3205x")))
    with pytest.raises(ConfigError, match="level"):
        record(store, frame(finding("a")), level="county", jurisdiction="320500", period=2024, actor="x")
    assert not store.path.exists()


# ---------------------------------------------------------------------------------------------- lifecycle
def test_every_lifecycle_transition_with_who_when_and_note(store, clock):
    rec(store, frame(finding("few-firms")))
    aid = only_id(store)
    steps = [
        ("ack", {}, "acknowledged"),
        ("assign", {"to": "wang.li"}, "assigned"),
        ("assign", {"to": "3205"}, "assigned"),  # reassigned, to a jurisdiction
        ("handle", {}, "in_handling"),
        ("resolve", {}, "resolved"),
        ("close", {}, "closed"),
        ("reopen", {}, "open"),
    ]
    for i, (action, extra, status) in enumerate(steps):
        clock.advance(minutes=1)
        row = store.act(action, aid, SZ, note=f"step {i}", **extra)
        assert row["status"] == status, action
    ev = store.detail(aid)["events"]
    assert list(ev["action"]) == ["opened", "ack", "assign", "assign", "handle", "resolve", "close", "reopen"]
    assert list(ev["from_status"][1:]) == [
        "open",
        "acknowledged",
        "assigned",
        "assigned",
        "in_handling",
        "resolved",
        "closed",
    ]
    assert list(ev["to_status"][1:]) == [s for _, _, s in steps]
    assert set(ev["actor"][1:]) == {"sz"} and set(ev["jurisdiction"][1:]) == {"320500"}
    assert ev["note"].iloc[1] == "step 0" and ev["note"].iloc[2] == "→ wang.li: step 1"
    assert list(ev["at"][1:4]) == [
        "2025-06-01T08:01:00+00:00",
        "2025-06-01T08:02:00+00:00",
        "2025-06-01T08:03:00+00:00",
    ]
    a = store.get(aid)
    assert a["assignee"] == "320500" and a["resolved_at"] is None and a["closed_at"] is None
    # closed alerts are hidden by default; reopened ones are listed again
    assert list(store.list()["id"]) == [aid]


def test_invalid_transitions_name_from_to_and_the_allowed_steps(store):
    rec(store, frame(finding("few-firms")))
    aid = only_id(store)
    with pytest.raises(TransitionError) as e:
        store.close(aid, SZ)
    msg = str(e.value)
    assert "open → closed (close) is not allowed" in msg
    assert (
        "ack → acknowledged" in msg and "resolve → resolved" in msg and "close →" not in msg.split("are")[1]
    )
    with pytest.raises(TransitionError, match="open → in_handling"):
        store.handle(aid, SZ)
    with pytest.raises(TransitionError, match="open → assigned"):
        store.assign(aid, SZ, "wang")
    with pytest.raises(TransitionError, match="open → open"):
        store.reopen(aid, SZ)
    store.ack(aid, SZ)
    with pytest.raises(ConfigError, match="^to: '990000' is not a jurisdiction"):
        store.assign(aid, SZ, "990000")
    assert store.get(aid)["status"] == "acknowledged" and store.get(aid)["assignee"] is None
    store.resolve(aid, SZ)
    with pytest.raises(TransitionError, match="resolved → acknowledged"):
        store.ack(aid, SZ)
    # a refused step changed nothing
    d = store.detail(aid)
    assert d["alert"]["status"] == "resolved" and list(d["events"]["action"]) == ["opened", "ack", "resolve"]
    with pytest.raises(UnknownAlert, match="no alert 99"):
        store.ack(99, SZ)
    with pytest.raises(ConfigError, match="unknown action 'escalate'"):
        store.act("escalate", aid, SZ)


def test_joint_handling_by_suzhou_and_jiaxing_and_a_third_cannot(store, clock):
    cross = finding(
        "cross-border-drop",
        unit="320500",
        type="falling",
        indicator=None,
        metric="linkage",
        jurisdictions="320500;330400",
        owner="320500",
        severity="critical",
    )
    rec(store, frame(cross))
    aid = only_id(store)
    assert store.detail(aid)["alert"]["pending"] == "320500;330400"
    clock.advance(minutes=5)
    assert store.ack(aid, SZ, note="苏州已确认")["status"] == "acknowledged"
    assert store.detail(aid)["alert"]["pending"] == "330400"
    # the alert counts as acknowledged at the first acknowledgement; Jiaxing's is recorded without a change
    clock.advance(minutes=5)
    assert store.ack(aid, JX)["status"] == "acknowledged"
    assert store.detail(aid)["alert"]["pending"] == ""
    with pytest.raises(TransitionError, match="already acknowledged for 320500 by sz"):
        store.ack(aid, SZ)
    store.note(aid, SZ, "会商纪要", assessment="苏州侧：配套企业外迁", measures="走访重点企业")
    store.note(aid, JX, assessment="嘉兴侧：承接转移", measures="共建园区")
    parties = store.detail(aid)["parties"].set_index("jurisdiction")
    assert (
        parties.loc["320500", "acknowledged_by"] == "sz" and parties.loc["330400", "acknowledged_by"] == "jx"
    )
    assert parties.loc["320500", "acknowledged_at"] == "2025-06-01T08:05:00+00:00"
    assert parties.loc["320500", "assessment"] == "苏州侧：配套企业外迁"
    assert parties.loc["330400", "measures"] == "共建园区"
    # a third jurisdiction can neither act nor see; a viewer of a party sees but cannot act
    for action in ("ack", "note", "resolve"):
        with pytest.raises(AccessError, match="covers none of them"):
            store.act(action, aid, HZ, note="x")
    with pytest.raises(UnknownAlert):
        store.detail(aid, principal=HZ)
    assert store.list(principal=HZ).empty
    with pytest.raises(AccessError, match="viewer"):
        store.ack(aid, SZ_VIEWER)
    assert store.get(aid, principal=SZ_VIEWER)["id"] == aid
    # the province covers Suzhou: it joins as a coordinating party; Suzhou may not act as Jiaxing
    store.note(aid, JS, "省级协调", assessment="纳入省级跟踪")
    assert store.detail(aid)["parties"].set_index("jurisdiction").loc["320000", "concerned"] == 0
    with pytest.raises(AccessError, match="may not act as 330400"):
        store.ack(aid, SZ, as_jurisdiction="330400")
    # the thread stays with the alert: who, as which jurisdiction, what
    ev = store.detail(aid)["events"]
    assert list(zip(ev["actor"], ev["jurisdiction"], ev["action"], strict=True))[1:] == [
        ("sz", "320500", "ack"),
        ("jx", "330400", "ack"),
        ("sz", "320500", "note"),
        ("jx", "330400", "note"),
        ("js", "320000", "note"),
    ]
    assert ev["assessment"].iloc[3] == "苏州侧：配套企业外迁"
    # each sees it in their list, Hangzhou does not; the region sees everything
    for p in (SZ, JX, JS, REGION_ADMIN, SZ_VIEWER):
        assert list(store.list(principal=p)["id"]) == [aid], p.name
    assert list(store.list(jurisdiction="330000")["id"]) == [aid] and store.list(jurisdiction="340000").empty


# ---------------------------------------------------------------------------------------------- resolve and reopen
def test_auto_resolve_when_missing_and_reopen_when_the_condition_returns(store, clock):
    rec(store, frame(finding("few-firms"), finding("few-firms", unit="320582")))
    ids = dict(zip(store.list()["unit"], store.list()["id"], strict=True))
    store.ack(ids["320500"], SZ)
    store.silence(ids["320500"], SZ, until=clock.t + timedelta(days=30), reason="已知，处置中")
    # a run of an earlier period without them resolves nothing
    r = rec(store, frame(), period=2023)
    assert r.resolved == 0 and set(store.list()["status"]) == {"open", "acknowledged"}
    # a monthly run does not resolve yearly alerts
    assert rec(store, frame(), period="2024-12").resolved == 0
    clock.advance(days=1)
    r = rec(store, frame(finding("few-firms", unit="320582", period=2025)), period=2025)
    assert (r.resolved, r.resolved_ids, r.updated) == (1, (ids["320500"],), 1)
    d = store.detail(ids["320500"])
    assert d["alert"]["status"] == "resolved" and d["alert"]["resolved_at"] == "2025-06-02T08:00:00+00:00"
    assert list(d["events"]["action"])[-2:] == ["resolved by check", "silence_ended"]
    assert d["events"]["from_status"].iloc[-2] == "acknowledged"
    # the silence ended with the alert
    assert d["silences"]["end_reason"].iloc[0] == "alert resolved" and d["alert"]["silenced_until"] is None
    # the condition returns in a later period: reopened, the parties acknowledge again
    clock.advance(days=1)
    r = rec(
        store,
        frame(finding("few-firms", period=2026), finding("few-firms", unit="320582", period=2026)),
        period=2026,
    )
    assert (r.reopened, r.new, r.resolved) == (1, 0, 0)
    assert [(a["id"], a["change"]) for a in r.alerts] == [(ids["320500"], "reopened")]
    d = store.detail(ids["320500"])
    assert d["alert"]["status"] == "open" and d["alert"]["pending"] == "320500"
    assert d["events"]["action"].iloc[-1] == "reopened" and "2026" in d["events"]["note"].iloc[-1]
    assert exit_code(r, "warning") == EXIT_NEW_ALERTS


def test_a_hand_resolved_alert_reopens_only_in_a_later_period(store):
    rec(store, frame(finding("few-firms")))
    aid = only_id(store)
    store.ack(aid, SZ)
    store.resolve(aid, SZ, note="已处置")
    # re-running the same period: the findings are recorded, the human decision stands
    r = rec(store, frame(finding("few-firms")))
    assert (r.reopened, r.unchanged) == (0, 1) and store.get(aid)["status"] == "resolved"
    store.close(aid, SZ)
    r = rec(store, frame(finding("few-firms", period=2025)), period=2025)
    assert r.reopened == 1 and store.get(aid)["status"] == "open" and store.get(aid)["closed_at"] is None
    # only resolving (clearing within its hysteresis) does not reopen
    store.resolve(aid, SZ)
    r = rec(store, frame(finding("few-firms", period=2026, state="resolving")), period=2026)
    assert r.reopened == 0 and store.get(aid)["status"] == "resolved"


# ---------------------------------------------------------------------------------------------- inhibition
def segment_finding(unit: str, rule: str = "broken", **kw) -> dict:
    """A segment rule's finding: the segment in the jurisdiction ``unit`` (as `monitor.check` reports it)."""
    fields = {
        "type": "newly_broken",
        "indicator": None,
        "chain": "ic",
        "segment": "packaging",
        "value": 0.0,
        "measure": 0.0,
        "threshold": None,
        "jurisdictions": unit,
    }
    return finding(rule, unit=unit, **{**fields, **kw})


def test_a_province_alert_inhibits_its_cities_same_finding_and_not_another(store):
    # cities first: Suzhou and Wuxi see the segment broken; Suzhou also a concentration; Hangzhou too
    sz = rec(store, frame(segment_finding("320500")), jurisdiction="320500")
    rec(store, frame(segment_finding("320200")), jurisdiction="320200")
    rec(store, frame(segment_finding("330100")), jurisdiction="330100")
    rec(
        store,
        frame(segment_finding("320500", rule="hhi", type="concentration", value=0.4)),
        jurisdiction="320500",
        level="city",
        period=2024,
    )
    assert sz.inhibited == 0 and len(store.list()) == 3
    # the province sees the same finding for itself: its cities' repeats are inhibited
    prov = rec(store, frame(segment_finding("320000")), level="province", jurisdiction="320000")
    assert prov.new == 1 and prov.inhibited == 0
    pid = int(prov.alerts[0]["id"])
    everything = store.list(include_hidden=True).set_index("rule_set")
    assert everything.loc["320200", "inhibited_by"] == pid
    assert pd.isna(everything.loc["330100", "inhibited_by"])  # Zhejiang is not inside Jiangsu
    # Suzhou's alert holds a second finding (another rule type): it is not merely a repeat
    assert pd.isna(everything.loc["320500", "inhibited_by"])
    shown = store.list()
    assert set(shown["rule_set"]) == {"320000", "320500", "330100"}
    inhibited = int(everything.loc["320200", "id"])
    assert store.detail(inhibited)["events"]["action"].iloc[-1] == "inhibited"
    # a new city run while the province alert fires: stored inhibited, counted, not notified
    r = rec(store, frame(segment_finding("320200", period=2025)), period=2025, jurisdiction="320200")
    assert r.inhibited == 1 and r.notified == () and exit_code(r, "info") == 0
    # the province alert resolves: the city alert is shown again
    rec(store, frame(), level="province", jurisdiction="320000", period=2025)
    assert store.get(inhibited)["inhibited_by"] is None
    assert store.detail(inhibited)["events"]["action"].iloc[-1] == "uninhibited"
    assert inhibited in set(store.list()["id"])


def test_a_new_city_alert_under_a_firing_province_alert_is_inhibited_at_once(store):
    rec(store, frame(segment_finding("320000")), level="province", jurisdiction="320000")
    r = rec(store, frame(segment_finding("320500")), jurisdiction="320500")
    assert (r.new, r.inhibited) == (1, 1) and r.alerts[0]["inhibited_by"] is not None
    assert len(store.list()) == 1 and len(store.list(include_hidden=True)) == 2


# ---------------------------------------------------------------------------------------------- silences
def test_silence_expires_and_matcher_silences_suppress_notification_not_recording(store, clock):
    rec(store, frame(finding("few-firms")))
    aid = only_id(store)
    with pytest.raises(ConfigError, match="not after now"):
        store.silence(aid, SZ, until=clock.t - timedelta(minutes=1))
    store.silence(aid, SZ, until=expiry("7d", clock.t), reason="维修期")
    assert store.list()["silenced_until"].iloc[0] == "2025-06-08T08:00:00+00:00"
    clock.advance(days=7, seconds=1)
    assert store.list()["silenced_until"].iloc[0] is None  # expired
    # unsilence needs an active one
    with pytest.raises(TransitionError, match="no active silence"):
        store.unsilence(aid, SZ)
    store.silence(aid, SZ, until=expiry("1d", clock.t))
    assert store.unsilence(aid, SZ, note="恢复通知") == 1
    assert store.list()["silenced_until"].iloc[0] is None
    # a matcher silence: only region-wide, or on a unit inside the jurisdiction
    with pytest.raises(AccessError, match="must name a unit inside it"):
        store.silence(None, SZ, until=expiry("1d", clock.t), matcher={"type": "threshold"})
    with pytest.raises(ConfigError, match="unknown matcher labels"):
        store.silence(None, REGION_ADMIN, until=expiry("1d", clock.t), matcher={"colour": "red"})
    store.silence(None, SZ, until=expiry("2d", clock.t), matcher={"unit": "320583", "rule": "few-firms"})
    r = rec(store, frame(finding("few-firms"), finding("few-firms", unit="320583", severity="critical")))
    assert (r.new, r.silenced) == (1, 1) and r.notified == () and exit_code(r, "info") == 0
    assert r.alerts[0]["silenced"] is True and r.alerts[0]["unit"] == "320583"
    assert len(store.list()) == 2  # recorded and listed
    clock.advance(days=3)
    assert store.list()["silenced_until"].isna().all()


def test_expiry_reads_durations_dates_and_times_in_china_time():
    start = datetime(2025, 6, 1, tzinfo=UTC)
    assert expiry("12h", start) == start + timedelta(hours=12)
    assert expiry("2w", start) == start + timedelta(weeks=2)
    assert expiry("2025-06-30", start) == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    assert expiry("2025-06-30T18:00", start) == datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
    assert expiry("2025-06-30T18:00+00:00", start) == datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
    for bad in ("soon", "0d", "7y", "2025-13-01"):
        with pytest.raises(ConfigError, match="until"):
            expiry(bad, start)


# ---------------------------------------------------------------------------------------------- exit status
def test_exit_code_by_severity_of_new_or_reopened_alerts(store):
    r = rec(store, frame(finding("few-firms", severity="warning")))
    assert exit_code(r, "info") == 3 and exit_code(r, "warning") == 3 and exit_code(r, "critical") == 0
    assert exit_code(r, None) == 0
    assert exit_code(rec(store, frame(finding("few-firms", severity="warning")))) == 0  # nothing new
    with pytest.raises(ConfigError, match="unknown severity 'high'"):
        exit_code(r, "high")


# ---------------------------------------------------------------------------------------------- notify
class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"body": json.loads(body), "type": self.headers["Content-Type"]})
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def hook() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_notify_posts_to_a_real_webhook_and_writes_one_file_per_run(store, tmp_path, hook):
    url, handler = hook
    r = rec(store, frame(finding("few-firms", severity="critical"), finding("x", unit="320582")))
    done = notify(r, webhook=url, directory=tmp_path / "out")
    assert done == [str(tmp_path / "out" / f"alerts-run-{r.run_id:06d}.json"), url]
    [got] = handler.received
    assert got["type"] == "application/json"
    body = got["body"]
    assert body["counts"]["new"] == 2 and body["level"] == "city" and body["period"] == "2024"
    assert [a["severity"] for a in body["alerts"]] == ["critical", "warning"]
    assert body["alerts"][0]["name_zh"] == "苏州市"
    assert json.loads((tmp_path / "out" / f"alerts-run-{r.run_id:06d}.json").read_text("utf-8")) == body
    # a run with nothing to tell: a file, no POST
    r2 = rec(store, frame(finding("few-firms", severity="critical"), finding("x", unit="320582")))
    assert notify(r2, webhook=url, directory=tmp_path / "out") == [
        str(tmp_path / "out" / f"alerts-run-{r2.run_id:06d}.json")
    ]
    assert len(handler.received) == 1
    # a failing webhook names the URL and the status
    handler.status = 500
    r3 = rec(store, frame(), period=2025)
    assert r3.resolved == 2
    with pytest.raises(ConfigError, match=rf"POST {url} answered 500"):
        notify(r3, webhook=url)
    with pytest.raises(ConfigError, match="not an http"):
        notify(r3, webhook="ftp://x")


# ---------------------------------------------------------------------------------------------- store file
def test_the_store_is_one_wal_sqlite_file_with_the_documented_tables(store):
    rec(store, frame(finding("few-firms")))
    con = sqlite3.connect(store.path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alerts", "findings", "events", "parties", "silences", "runs", "settings"} <= tables
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchone()[0] == "1"
    con.close()


# ---------------------------------------------------------------------------------------------- command line
def test_cli_list_show_act_jointly_and_export_csv(tmp_path):
    db = tmp_path / "atlas.duckdb"
    store = AlertStore(config.side_file(db, "alerts"))
    rec(store, frame(finding("cross", jurisdictions="320500;330400", value=12.0, severity="critical")))
    rec(store, frame(finding("cross", jurisdictions="320500;330400", value=9.5, severity="critical")))
    aid = only_id(store)
    run = CliRunner().invoke

    def cli(*args: str):
        r = run(main, ["--db", str(db), "alerts", *args], prog_name="chainatlas")
        return r

    r = cli("list")
    assert r.exit_code == 0, r.output
    assert f"#{aid} [严重 critical] 320500 苏州市" in r.output and "待确认 pending 320500,330400" in r.output
    r = cli("ack", str(aid), "--as-jurisdiction", "320500", "--note", "苏州已确认")
    assert r.exit_code == 0, r.output
    assert "已确认 / acknowledged" in r.output and "(open → acknowledged)" in r.output
    assert "待确认 pending: 330400" in r.output
    r = cli("ack", str(aid), "--as-jurisdiction", "330400")
    assert r.exit_code == 0 and "pending" not in r.output
    r = cli(
        "note",
        str(aid),
        "会商",
        "--as-jurisdiction",
        "330400",
        "--assessment",
        "承接转移",
        "--measures",
        "共建园区",
    )
    assert r.exit_code == 0, r.output
    r = cli("close", str(aid))
    assert (
        r.exit_code == 1 and "错误 / error: alert 1: acknowledged → closed (close) is not allowed" in r.output
    )
    r = cli("silence", str(aid), "--for", "7d", "--reason", "会商期间")
    assert r.exit_code == 0 and "已静默 / silenced" in r.output, r.output
    r = cli("show", str(aid))
    assert r.exit_code == 0, r.output
    assert "value 9.5 (首报 first reported 12, 修订 revised 1×" in r.output
    assert "330400: 已确认 acknowledged by cli:" in r.output and "研判 assessment: 承接转移" in r.output
    assert "措施 measures: 共建园区" in r.output and "静默至 silenced until" in r.output
    assert "@330400 note" in r.output and "revised" in r.output
    out = tmp_path / "alerts.csv"
    r = cli("list", "-o", str(out))
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(back["id"]) == [str(aid)] and back["status"].iloc[0] == "acknowledged"
    # every action went to the audit log, with the command line's actor
    actions = [r["action"] for r in audit.read(config.side_file(db, "audit"))]
    assert actions == ["alerts_ack", "alerts_ack", "alerts_note", "alerts_silence", "export"]
    r = cli("silence", str(aid))
    assert r.exit_code == 2 and "--until DATE or --for DURATION" in r.output


@pytest.mark.parametrize(
    "cmd",
    [
        ("alerts",),
        *[
            ("alerts", c)
            for c in ("list", "show", "ack", "assign", "handle", "note", "resolve", "close", "reopen")
        ],
        ("alerts", "silence"),
        ("alerts", "unsilence"),
    ],
)
def test_every_alerts_command_has_help(cmd):
    r = CliRunner().invoke(main, [*cmd, "--help"], prog_name="chainatlas")
    assert r.exit_code == 0 and r.output.startswith(f"Usage: chainatlas {' '.join(cmd)}"), r.output


def test_record_sets_records_each_rule_set_of_a_combined_check(store):
    """`monitor.check_sets` answers several rule sets in one frame: each is recorded for itself, and a set with
    no findings resolves its alerts."""
    from types import SimpleNamespace as RS

    sets = [RS(level="province", jurisdiction="320000"), RS(level="city", jurisdiction="320500")]
    both = frame(finding("few-firms", unit="320200"), finding("few-firms", unit="320582")).assign(
        set_level=["province", "city"], set_jurisdiction=["320000", "320500"]
    )
    reports = record_sets(store, both, sets, period=2024, actor="cron")
    assert [(r.level, r.jurisdiction, r.new) for r in reports] == [
        ("province", "320000", 1),
        ("city", "320500", 1),
    ]
    assert exit_code(reports, "warning") == EXIT_NEW_ALERTS
    later = record_sets(store, both.iloc[:1].assign(period=2025), sets, period=2025, actor="cron")
    assert [(r.updated, r.resolved) for r in later] == [(1, 0), (0, 1)] and exit_code(later) == 0
    assert store.list(status=["resolved"])["unit"].tolist() == ["320582"]
