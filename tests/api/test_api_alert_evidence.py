"""The records behind an alert's finding (``GET /api/alerts/{uid}/evidence``, issue 13 item 6), over real HTTP.

The alerts are the default rule sets' own (``chainatlas/data/rules/*.yaml``) checked on a copy of the session's
small demo atlas for 2023 (:func:`chainatlas.pipeline.monitor.check_sets`) and recorded with
:func:`chainatlas.pipeline.alerts.record_sets` into the copy's alert store; the server is the real application.

- A threshold finding on a node attribute: Zhejiang's ``zj-few-firms`` (a city with fewer than 5 firms) fires
  for Quzhou (330800) in 2023 with 4 firms. Its evidence is the firm register's firms placed in Quzhou that exist
  by the end of 2023, each counting 1, so the records' values add up to the finding's value, which is also the
  built attribute ``/api/nodes`` serves.
- Scope: the region assigns a region-wide segment alert (customs imports of a chain segment across the whole
  region) to Suzhou, which joins its parties. Suzhou's reader then sees the alert, and of the records its
  evidence spec names (``place: YRD``) exactly the region's records that lie in Suzhou: the scope, not the spec,
  bounds what a reader gets.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.alerts import AlertEvidence
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer
from chainatlas.model.indicators import INDICATORS
from chainatlas.pipeline import monitor
from chainatlas.pipeline.alerts import record_sets
from chainatlas.storage.alerts import AlertStore
from chainatlas.storage.base import open_backend
from chainatlas.storage.users import UserStore

CSRF = {CSRF_HEADER: CSRF_VALUE}
PERIOD = 2023
#: (user, role, jurisdiction)
USERS = [("region", "admin", "YRD"), ("sz", "analyst", "320500")]


@pytest.fixture(scope="module")
def served(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    db = tmp_path_factory.mktemp("alert_evidence") / "atlas.duckdb"
    shutil.copy(built_db, db)
    sets = [rs for rs, _ in monitor.rule_sets()]
    with open_backend(db, read_only=True) as b:
        found = monitor.check_sets(b, sets, period=PERIOD)
    record_sets(
        AlertStore(config.side_file(db, "alerts")),
        found,
        sets,
        period=PERIOD,
        actor="scheduler",
    )
    keys = {name: UserStore(config.side_file(db, "users")).add(name, role, jur) for name, role, jur in USERS}
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys, db


def call(url: str, method: str, path: str, key: str, **kw) -> httpx.Response:
    return httpx.request(method, url + path, headers={"X-API-Key": key, **CSRF}, timeout=120, **kw)


def evidence(url: str, key: str, uid: int, **params) -> dict:
    r = call(url, "GET", f"/api/alerts/{uid}/evidence", key, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return AlertEvidence.model_validate(r.json()).model_dump()


def alerts(url: str, key: str, **params) -> list[dict]:
    r = call(url, "GET", "/api/alerts", key, params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_a_threshold_findings_records_add_up_to_its_value(served):
    url, keys, _ = served
    key = keys["region"]
    # the threshold findings on a node attribute (an indicator that is one built attribute)
    rows = [a for a in alerts(url, key) if "zj-few-firms" in a["rules"].split(";")]
    assert [a["unit"] for a in rows] == ["330800"]  # Quzhou: 4 firms by 2023, under the rule's 5
    uid = rows[0]["id"]
    [f] = call(url, "GET", f"/api/alerts/{uid}", key).json()["findings"]
    assert (f["type"], f["indicator"], f["threshold"], f["value"]) == ("threshold", "firms", 5.0, 4.0)
    assert INDICATORS["firms"].inputs == ("firms",)  # the indicator is the node attribute itself

    ev = evidence(url, key, uid, rule="zj-few-firms")
    assert (ev["alert"], ev["rule"], ev["period"], ev["type"], ev["indicator"]) == (
        uid,
        "zj-few-firms",
        "2023",
        "threshold",
        "firms",
    )
    assert ev["evidence"] == f["evidence"]
    assert ev["evidence"]["place"] == "330800" and ev["evidence"]["kinds"] == ["firms"]
    assert (ev["total"], ev["truncated"]) == (4, False) and len(ev["data"]) == 4
    assert ev["columns"][:5] == ["kind", "attr", "place", "year", "value"]
    # each firm of Quzhou existing by 2023 counts 1: the records add up to the finding's value
    assert all(r["kind"] == "firms" and r["attr"] == "firms" and r["value"] == 1.0 for r in ev["data"])
    assert all(r["place"].startswith("3308") and r["entity_type"] == "firm" for r in ev["data"])
    assert all(r["year"] <= PERIOD for r in ev["data"])
    assert ev["sums"] == [{"kind": "firms", "attr": "firms", "records": 4, "value": 4.0}]
    assert sum(r["value"] for r in ev["data"]) == f["value"] == 4.0
    # ... and to the built attribute the map shows for Quzhou in 2023
    nodes = call(url, "GET", "/api/nodes", key, params={"scale": "city", "period": PERIOD, "place": "330800"})
    assert [n["firms"] for n in nodes.json()["data"]] == [4]
    # the finding by default, a limit that truncates, and the refusals in the one error shape
    assert evidence(url, key, uid)["data"] == ev["data"]
    two = evidence(url, key, uid, limit=2)
    assert (two["total"], two["truncated"], two["sums"][0]["value"]) == (2, True, 2.0)
    assert two["data"] == ev["data"][:2]
    r = call(url, "GET", f"/api/alerts/{uid}/evidence", key, params={"rule": "no-such-rule"})
    assert r.status_code == 404 and "zj-few-firms 2023" in r.json()["error"]["message"]
    r = call(
        url, "GET", f"/api/alerts/{uid}/evidence", key, params={"rule": "zj-few-firms", "period": "2024"}
    )
    assert r.status_code == 404
    assert call(url, "GET", f"/api/alerts/{uid}/evidence", key, params={"period": "24"}).status_code == 422
    assert call(url, "GET", f"/api/alerts/{uid}/evidence", key, params={"limit": 0}).status_code == 422


def test_a_suzhou_reader_sees_only_suzhous_records(served):
    url, keys, _ = served
    region, sz = keys["region"], keys["sz"]
    # a region-wide segment alert whose records (the segment's customs) lie in Suzhou and elsewhere
    wide = None
    for a in alerts(url, region, level="region"):
        if a["unit"] != "YRD" or a["chain"] == "*" or "yrd-import-dependence" not in a["rules"].split(";"):
            continue
        ev = evidence(url, region, a["id"], rule="yrd-import-dependence", limit=1000)
        places = {r["place"][:4] for r in ev["data"]}
        if "3205" in places and len(places) > 1 and not ev["truncated"]:
            wide, whole = a, ev
            break
    assert wide is not None, "no region import-dependence alert with records in Suzhou and elsewhere"
    assert whole["evidence"]["place"] == "YRD" and whole["evidence"]["attrs"] == ["imports", "exports"]
    uid = wide["id"]
    # before Suzhou is a party, the alert does not exist for its reader
    assert uid not in {a["id"] for a in alerts(url, sz)}
    r = call(url, "GET", f"/api/alerts/{uid}/evidence", sz)
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"
    # the region acknowledges and assigns it to Suzhou, which joins its parties
    assert call(url, "POST", f"/api/alerts/{uid}/ack", region).status_code == 200
    r = call(url, "POST", f"/api/alerts/{uid}/assign", region, json={"to": "320500", "note": "请苏州核实"})
    assert r.status_code == 200, r.text
    assert "320500" in r.json()["alert"]["parties"].split(";")
    assert uid in {a["id"] for a in alerts(url, sz)}

    mine = evidence(url, sz, uid, rule="yrd-import-dependence", limit=1000)
    assert mine["evidence"] == whole["evidence"]  # the same spec, read under another scope
    assert not mine["truncated"] and 0 < mine["total"] < whole["total"]
    assert all(r["place"].startswith("3205") for r in mine["data"])

    def key(r: dict) -> tuple:
        return (r["kind"], r["attr"], r["batch_id"], r["row_number"])

    in_suzhou = [r for r in whole["data"] if r["place"].startswith("3205")]
    assert sorted(map(key, mine["data"])) == sorted(map(key, in_suzhou))
    # Suzhou's customs figures of the segment are the sums of its own records, as the region sees them
    for (kind, attr), got in {(x["kind"], x["attr"]): x for x in mine["sums"]}.items():
        theirs = [r for r in in_suzhou if (r["kind"], r["attr"]) == (kind, attr)]
        assert got["records"] == len(theirs) > 0
        assert got["value"] == pytest.approx(sum(r["value"] for r in theirs))
    assert sum(x["records"] for x in mine["sums"]) == len(in_suzhou)


def test_the_evidence_route_is_documented(served):
    url, keys, _ = served
    spec = httpx.get(url + "/openapi.json", headers={"X-API-Key": keys["region"]}).json()
    op = spec["paths"]["/api/alerts/{uid}/evidence"]["get"]
    assert op["summary"] == "The records behind an alert's finding"
    assert {p["name"] for p in op["parameters"]} == {"uid", "rule", "period", "limit"}
    assert all(p.get("description") for p in op["parameters"])
    for status in ("400", "404", "409", "422"):
        ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/ErrorResponse"
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AlertEvidence")
