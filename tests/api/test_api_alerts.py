"""Alerts through the API (issue 13 item 5), over real HTTP: the list scoped to the reader's jurisdiction, one
alert's findings and thread, the lifecycle actions, and the refusals (403 viewer or outsider, 404, 409, 422).

The server is the real application (uvicorn in a thread, as tests/api/conftest.py serves it) over an empty atlas:
alerts live in their own file beside it and need no built layers, so no atlas is generated for these tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.alerts import AlertDetail, AlertsPage
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer
from chainatlas.pipeline.alerts import record
from chainatlas.storage import audit
from chainatlas.storage.alerts import AlertStore
from chainatlas.storage.base import open_backend
from chainatlas.storage.users import UserStore

CSRF = {CSRF_HEADER: CSRF_VALUE}
#: (user, role, jurisdiction)
USERS = [
    ("region", "admin", "YRD"),
    ("sz", "analyst", "320500"),
    ("jx", "analyst", "330400"),
    ("hz", "analyst", "330100"),
    ("szv", "viewer", "320500"),
]


def _finding(rule: str, unit: str, jurisdictions: str, severity: str, value: float) -> dict:
    return {
        "rule": rule,
        "type": "falling" if rule == "linkage" else "threshold",
        "severity": severity,
        "indicator": None if rule == "linkage" else "firms",
        "metric": "linkage" if rule == "linkage" else None,
        "unit": unit,
        "name_zh": {"320500": "苏州市", "330100": "杭州市"}[unit],
        "chain": "*",
        "segment": "*",
        "layer": "industry",
        "period": 2024,
        "state": "firing",
        "opened": 2024,
        "value": value,
        "measure": value,
        "threshold": 20.0,
        "compared": None,
        "since": 2024,
        "owner": unit,
        "jurisdictions": jurisdictions,
        "evidence": json.dumps({"table": "raw_firms", "where": {"adcode": unit}}),
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, dict, Path]]:
    db = tmp_path_factory.mktemp("alerts_api") / "atlas.duckdb"
    open_backend(db).close()
    keys = {name: UserStore(config.side_file(db, "users")).add(name, role, jur) for name, role, jur in USERS}
    store = AlertStore(config.side_file(db, "alerts"))
    cross = pd.DataFrame(
        [
            _finding("linkage", "320500", "320500;330400", "critical", 0.12),
            _finding("few-firms", "320500", "320500", "warning", 12.0),
        ]
    )
    record(store, cross, level="region", jurisdiction="YRD", period=2024, actor="scheduler")
    # a revision of Suzhou's firms figure
    cross.loc[1, "value"] = 11.0
    record(store, cross, level="region", jurisdiction="YRD", period=2024, actor="scheduler")
    record(
        store,
        pd.DataFrame([_finding("few-firms", "330100", "330100", "warning", 5.0)]),
        level="province",
        jurisdiction="330000",
        period=2024,
        actor="scheduler",
    )
    ids = {r["unit"]: int(r["id"]) for r in store.list().to_dict("records")}
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys, ids, db


def call(url: str, method: str, path: str, key: str, **kw) -> httpx.Response:
    return httpx.request(method, url + path, headers={"X-API-Key": key, **CSRF}, timeout=60, **kw)


def assert_error(r: httpx.Response, status: int, kind: str, *words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"synthetic", "error"} and set(body["error"]) == {
        "status",
        "type",
        "message",
        "details",
    }
    assert (body["error"]["status"], body["error"]["type"]) == (status, kind)
    for w in words:
        assert w in body["error"]["message"], body["error"]["message"]


def test_the_list_holds_only_alerts_concerning_the_readers_jurisdiction(served):
    url, keys, _ids, _ = served
    seen = {}
    for name in ("region", "sz", "jx", "hz", "szv"):
        r = call(url, "GET", "/api/alerts", keys[name])
        assert r.status_code == 200, r.text
        body = AlertsPage.model_validate(r.json()).model_dump()
        assert body["synthetic"] is False and body["total"] == len(body["data"])
        seen[name] = {a["unit"] for a in body["data"]}
    assert seen == {
        "region": {"320500", "330100"},
        "sz": {"320500"},
        "jx": {"320500"},  # concerned by the cross-border alert
        "hz": {"330100"},
        "szv": {"320500"},
    }
    row = next(a for a in call(url, "GET", "/api/alerts", keys["sz"]).json()["data"])
    assert (row["severity"], row["status"], row["severity_zh"], row["status_zh"]) == (
        "critical",
        "open",
        "严重",
        "待确认",
    )
    assert row["pending"] == "320500;330400" and row["rules"] == "few-firms;linkage"
    # filters: severity and the jurisdiction concerned
    r = call(url, "GET", "/api/alerts", keys["region"], params={"severity": "warning"})
    assert [a["unit"] for a in r.json()["data"]] == ["330100"]
    r = call(url, "GET", "/api/alerts", keys["region"], params={"jurisdiction": "330000"})
    assert {a["unit"] for a in r.json()["data"]} == {"320500", "330100"}
    r = call(url, "GET", "/api/alerts", keys["region"], params={"jurisdiction": "320000", "period": "2024"})
    assert [a["unit"] for a in r.json()["data"]] == ["320500"]
    assert call(url, "GET", "/api/alerts", keys["region"], params={"period": "2023"}).json()["total"] == 0


def test_one_alert_shows_first_and_revised_values_evidence_and_thread(served):
    url, keys, ids, _ = served
    r = call(url, "GET", f"/api/alerts/{ids['320500']}", keys["jx"])
    assert r.status_code == 200, r.text
    body = AlertDetail.model_validate(r.json()).model_dump()
    f = {x["rule"]: x for x in body["findings"]}
    assert (f["few-firms"]["first_value"], f["few-firms"]["value"], f["few-firms"]["revisions"]) == (
        12.0,
        11.0,
        1,
    )
    assert f["linkage"]["evidence"] == {"table": "raw_firms", "where": {"adcode": "320500"}}
    assert [e["action"] for e in body["events"]][:2] == ["opened", "revised"]
    assert {p["jurisdiction"]: p["concerned"] for p in body["parties"]} == {"320500": True, "330400": True}
    assert r.headers["cache-control"] == "no-store"
    # outside the jurisdiction it does not exist; an unknown id neither
    assert_error(call(url, "GET", f"/api/alerts/{ids['320500']}", keys["hz"]), 404, "NotFound", "no alert")
    assert_error(call(url, "GET", "/api/alerts/9999", keys["region"]), 404, "NotFound", "no alert 9999")
    assert call(url, "GET", "/api/alerts/0", keys["region"]).status_code == 422


def test_joint_handling_through_the_api_and_the_refusals(served):
    url, keys, ids, db = served
    aid = ids["320500"]
    r = call(url, "POST", f"/api/alerts/{aid}/ack", keys["sz"], json={"note": "苏州已确认"})
    assert r.status_code == 200, r.text
    alert = AlertDetail.model_validate(r.json()).alert.model_dump()
    assert (alert["status"], alert["pending"]) == ("acknowledged", "330400")
    r = call(url, "POST", f"/api/alerts/{aid}/ack", keys["jx"])  # no body at all
    assert r.status_code == 200 and r.json()["alert"]["pending"] == ""
    r = call(
        url,
        "POST",
        f"/api/alerts/{aid}/note",
        keys["jx"],
        json={"note": "会商", "assessment": "嘉兴侧：承接转移", "measures": "共建园区"},
    )
    assert r.status_code == 200, r.text
    parties = {p["jurisdiction"]: p for p in r.json()["parties"]}
    assert (
        parties["330400"]["assessment"] == "嘉兴侧：承接转移" and parties["320500"]["acknowledged_by"] == "sz"
    )
    thread = [(e["actor"], e["jurisdiction"], e["action"]) for e in r.json()["events"]]
    assert thread[-3:] == [("sz", "320500", "ack"), ("jx", "330400", "ack"), ("jx", "330400", "note")]
    # refusals: a viewer of a party, a third jurisdiction, an invalid step, bad and missing fields
    assert_error(call(url, "POST", f"/api/alerts/{aid}/ack", keys["szv"]), 403, "AccessError", "viewer")
    assert_error(
        call(url, "POST", f"/api/alerts/{aid}/note", keys["hz"], json={"note": "x"}),
        403,
        "AccessError",
        "covers none",
    )
    assert_error(
        call(url, "POST", f"/api/alerts/{aid}/close", keys["sz"]),
        409,
        "Conflict",
        "acknowledged → closed (close) is not allowed",
        "assign → assigned",
    )
    assert_error(
        call(url, "POST", f"/api/alerts/{aid}/assign", keys["sz"], json={}), 400, "ConfigError", "to"
    )
    assert call(url, "POST", f"/api/alerts/{aid}/note", keys["sz"], json={"colour": "red"}).status_code == 422
    assert_error(call(url, "POST", "/api/alerts/9999/ack", keys["region"]), 404, "NotFound", "no alert 9999")
    # the whole lifecycle on, by Suzhou, with a silence that ends at resolve
    for action, body, status in [
        ("assign", {"to": "320500", "note": "苏州牵头"}, "assigned"),
        ("silence", {"until": "7d", "note": "会商期间"}, "assigned"),
        ("handle", {}, "in_handling"),
        ("resolve", {"note": "已处置"}, "resolved"),
        ("close", {}, "closed"),
        ("reopen", {}, "open"),
    ]:
        r = call(url, "POST", f"/api/alerts/{aid}/{action}", keys["sz"], json=body)
        assert r.status_code == 200, (action, r.text)
        assert r.json()["alert"]["status"] == status, action
    [silence] = r.json()["silences"]
    assert silence["end_reason"] == "alert resolved" and silence["reason"] == "会商期间"
    # every change is in the audit log, with its user
    changes = [
        (x["actor"], x["resource"], x["result"])
        for x in audit.read(config.side_file(db, "audit"), action="change")
    ]
    assert ("sz", f"POST /api/alerts/{aid}/ack", "ok 200") in changes
    assert ("jx", f"POST /api/alerts/{aid}/note", "ok 200") in changes
    assert ("sz", f"POST /api/alerts/{aid}/close", "error 409") in changes


def test_local_mode_reads_and_acts_as_the_local_administrator(tmp_path):
    db = tmp_path / "atlas.duckdb"
    store = AlertStore(config.side_file(db, "alerts"))
    record(
        store,
        pd.DataFrame([_finding("few-firms", "330100", "330100", "warning", 5.0)]),
        level="province",
        jurisdiction="330000",
        period=2024,
        actor="scheduler",
    )
    with LocalServer(create_app(db, prewarm=False)) as url, httpx.Client(base_url=url, headers=CSRF) as c:
        assert c.get("/api/alerts").json()["total"] == 1
        r = c.post("/api/alerts/1/ack")
        assert r.status_code == 200 and r.json()["alert"]["status"] == "acknowledged"
        assert r.json()["events"][-1]["actor"] == "local"
        # a state-changing request without the CSRF header is refused before it reaches the store
        assert httpx.post(f"{url}/api/alerts/1/resolve").status_code == 403
    assert store.get(1)["status"] == "acknowledged"
