"""The cooperation ledgers through the API (issue 15, /work/notes/issue15_spec.md §5), over real HTTP: the ledger,
an enclave's profile, the breaches, reviews, tax sharing and vouchers — for a whole-region reader, a one-city reader
and a reviewer of the wrong side; validation (422 and 400 naming the parameter), 404, CSRF and 403.

The server is the real application (uvicorn in a thread, as tests/api/conftest.py serves it) over the small demo
atlas of seed 0 (``chainatlas demo-data --size small``), whose planted cases tests/test_synth.py recomputes.
Every answer is held to its response model.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.cooperation import (
    BreachesAnswer,
    EnclavesAnswer,
    ProfileAnswer,
    ReviewAnswer,
    TaxSharingAnswer,
    VouchersAnswer,
)
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer
from chainatlas.pipeline.build import build
from chainatlas.pipeline.load import load_dir
from chainatlas.storage.base import open_backend
from chainatlas.storage.users import UserStore
from chainatlas.synth import generate

CSRF = {CSRF_HEADER: CSRF_VALUE}
#: (user, role, jurisdiction)
USERS = [
    ("region", "admin", "YRD"),
    ("sz", "analyst", "320500"),  # 苏州市: origin of E009, E010, E011 (昆山), E012
    ("szv", "viewer", "320500"),
    ("sq", "analyst", "321300"),  # 宿迁市: host of E009 (宿城区) and E011 (沭阳县)
    ("hz", "analyst", "330100"),  # 杭州市
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    root = tmp_path_factory.mktemp("coop_api")
    generate(root / "small", size="small", seed=0)
    db = root / "atlas.duckdb"
    with open_backend(db) as b:
        load_dir(b, root / "small")
        build(b)
    store = UserStore(config.side_file(db, "users"))
    keys = {name: store.add(name, role, jur) for name, role, jur in USERS}
    check = root / "check.duckdb"
    shutil.copy(db, check)
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys, check


def get(served, path: str, user: str = "region", **params) -> httpx.Response:
    url, keys, _ = served
    return httpx.get(url + path, params=params, headers={"X-API-Key": keys[user]}, timeout=120)


def post(served, path: str, body: dict, user: str = "region", csrf: bool = True) -> httpx.Response:
    url, keys, _ = served
    # without the CSRF header, as a page of another site would post it: no header and no key of ours
    headers = {"X-API-Key": keys[user], **CSRF} if csrf else {}
    return httpx.post(url + path, json=body, headers=headers, timeout=120)


def sql(db: Path, q: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(q).fetchall()


# ------------------------------------------------------------------------------------------------ the region
def test_the_region_reads_the_whole_ledger(served):
    r = get(served, "/api/enclaves")
    assert r.status_code == 200, r.text
    body = EnclavesAnswer.model_validate(r.json()).model_dump()
    assert body["synthetic"] is True and body["period"] == 2024 and body["periods"] == list(range(2015, 2025))
    assert body["settings"]["weights"]["tax_per_mu"] == 0.3 and body["settings"]["thresholds"]["A"] == 80.0
    rows = {x["enclave_id"]: x for x in r.json()["rows"]}
    assert len(rows) == 26
    e = rows["E004"]
    assert (e["origin_name"], e["host_name"], e["grade"], e["rank"], e["peers"]) == (
        "闵行区",
        "萧县",
        "A",
        1,
        5,
    )
    assert (e["needed_mu"], e["transferred_mu"], e["shortfall_mu"]) == (6322.0, 3794.0, 2528.0)
    assert e["breaches"] == ["land_quota"] and e["reviews"] == {"origin": None, "host": None}
    assert e["joint_fund"] is None  # not reported in 2024: null, never 0
    assert rows["E013"]["energy_tce"] is None and rows["E013"]["missing"] == "va_per_energy"
    assert rows["E014"]["breaches"] == ["origin_control"] and rows["E025"]["breaches"] == []
    # filters
    r = get(served, "/api/enclaves", period="2020", type="poverty", grade="A")
    assert r.status_code == 200 and {x["period"] for x in r.json()["rows"]} == {2020}
    assert all(x["enclave_type"] == "poverty" and x["grade"] == "A" for x in r.json()["rows"])
    js = get(served, "/api/enclaves", province="江苏省").json()["rows"]
    assert js and all("32" in (x["origin_adcode"][:2], x["host_adcode"][:2]) for x in js)


def test_breaches_tax_sharing_and_vouchers(served):
    r = get(served, "/api/enclaves/breaches")
    assert r.status_code == 200, r.text
    body = BreachesAnswer.model_validate(r.json())
    assert body.period == 2024 and body.synthetic
    rows = r.json()["rows"]
    assert len(rows) == 17
    land = next(x for x in rows if x["rule"] == "land_quota")
    assert (land["enclave_id"], land["value"], land["threshold"], land["gap"]) == (
        "E004",
        3794.0,
        6322.0,
        -2528.0,
    )
    assert land["jurisdictions"] == "310112;341322" and "2528 亩" in land["message"]
    every = get(served, "/api/enclaves/breaches", all="true").json()
    assert every["period"] is None and {x["period"] for x in every["rows"]} == set(range(2015, 2025))
    assert sorted(x["voucher_id"] for x in every["rows"] if x["kind"] == "voucher") == [
        "V2018000002",
        "V2019000002",
        "V2019000004",
        "V2021000001",
        "V2021000003",
    ]
    r = get(served, "/api/tax-sharing", period="2024")
    TaxSharingAnswer.model_validate(r.json())
    ts = {x["agreement_id"]: x for x in r.json()["rows"]}
    assert len(ts) == 13
    assert (ts["TS-E003"]["capped"], ts["TS-E003"]["cap_binding"], ts["TS-E003"]["status"]) == (
        25.26,
        True,
        "ok",
    )
    assert (ts["TS-E005"]["status"], ts["TS-E011"]["status"], ts["TS-E022"]["status"]) == (
        "under",
        "over",
        "outside_term",
    )
    r = get(served, "/api/vouchers")
    VouchersAnswer.model_validate(r.json())
    v = r.json()
    hs = next(x for x in v["effect"] if x["agreement_id"] == "RC-2019-01")
    assert (hs["before_count"], hs["after_count"], hs["count_ratio"], hs["end"]) == (2, 14, 7.0, None)
    assert sum(x["count"] for x in v["flows"]) == 467 and len(v["unrecognised"]) == 5
    one = get(served, "/api/vouchers", year="2022").json()
    assert one["year"] == 2022 and {x["year"] for x in one["flows"]} == {2022}
    assert sorted(x["voucher_id"] for x in one["unrecognised"]) == ["V2021000001", "V2021000003"]


def test_the_profile_and_404(served):
    r = get(served, "/api/enclaves/E004")
    assert r.status_code == 200, r.text
    p = ProfileAnswer.model_validate(r.json())
    assert p.synthetic and p.periods == list(range(2019, 2025)) and p.terms["land_quota_agreed_mu"] == 6340.0
    years = {y["period"]: y for y in p.years}
    assert years[2024]["shortfall_mu"] == 2528.0 and years[2024]["grade"] == "A"
    assert {x.rule for x in p.breaches} == {"land_quota"}
    t = get(served, "/api/enclaves/E003").json()["tax_sharing"]
    assert t[0]["agreement"]["agreement_id"] == "TS-E003" and len(t[0]["split"]) == 10
    r = get(served, "/api/enclaves/E999")
    assert r.status_code == 404
    err = r.json()
    assert (
        err["synthetic"] is False and err["error"]["type"] == "NotFound" and "E999" in err["error"]["message"]
    )


def test_validation_names_the_parameter(served):
    cases = [
        ("/api/enclaves", {"period": "2024Q2"}, 422, "query.period"),
        ("/api/enclaves", {"type": "science"}, 422, "query.type"),
        ("/api/enclaves", {"grade": "E"}, 422, "query.grade"),
        ("/api/enclaves", {"province": "火星"}, 400, "province:"),
        ("/api/enclaves", {"period": "2010"}, 400, "period: 2010 年没有飞地台账"),
        ("/api/enclaves/breaches", {"period": "2024", "all": "true"}, 400, "period:"),
        ("/api/tax-sharing", {"period": "24"}, 422, "query.period"),
        ("/api/vouchers", {"year": "2024-05"}, 422, "query.year"),
    ]
    for path, params, status, text in cases:
        r = get(served, path, **params)
        assert r.status_code == status, (path, params, r.text)
        assert text in r.json()["error"]["message"], (path, params, r.text)


# ------------------------------------------------------------------------------------------------ one city
def test_a_city_reader_sees_its_enclaves_as_origin_or_host(served):
    _, _, check = served
    inside = {
        r[0]
        for r in sql(
            check,
            "SELECT DISTINCT enclave_id FROM raw_enclaves WHERE origin_adcode LIKE '3205%' OR host_adcode LIKE "
            "'3205%'",
        )
    }
    assert inside == {"E009", "E010", "E011", "E012"}
    rows = get(served, "/api/enclaves", "sz").json()["rows"]
    assert {x["enclave_id"] for x in rows} == inside
    # the rank is the region's: E011 first of 16 industrial enclaves
    e011 = next(x for x in rows if x["enclave_id"] == "E011")
    assert (e011["rank"], e011["peers"]) == (1, 16)
    assert get(served, "/api/enclaves/E004", "sz").status_code == 404
    assert get(served, "/api/enclaves/E011", "sz").status_code == 200
    breaches = get(served, "/api/enclaves/breaches", "sz", all="true").json()["rows"]
    assert {x["enclave_id"] for x in breaches if x["enclave_id"]} <= inside
    assert {x["jurisdictions"] for x in breaches if x["kind"] == "voucher"} and all(
        "3205" in x["jurisdictions"] for x in breaches if x["kind"] == "voucher"
    )
    ts = get(served, "/api/tax-sharing", "sz").json()["rows"]
    assert {x["agreement_id"] for x in ts} == {"TS-E009", "TS-E011", "TS-E012"}
    # the host's city sees the same enclaves from the other side
    assert {x["enclave_id"] for x in get(served, "/api/enclaves", "sq").json()["rows"]} == {"E009", "E011"}
    v = get(served, "/api/vouchers", "hz").json()
    assert 0 < sum(x["count"] for x in v["flows"]) < 467


# ------------------------------------------------------------------------------------------------ reviews
def test_reviews_by_each_side_and_the_refusals(served):
    path = "/api/enclaves/E011/reviews"
    # a forged request (no CSRF header, no credential): refused before anything happens
    r = post(served, path, {"period": 2024, "side": "host", "decision": "approve"}, "sq", csrf=False)
    assert r.status_code == 403 and r.json()["error"]["details"] == [{"rule": "csrf-header"}]
    # a reviewer of the wrong side: Suzhou (the origin) may not review for the host
    r = post(served, path, {"period": 2024, "side": "host", "decision": "approve"}, "sz")
    assert r.status_code == 403 and "321322" in r.json()["error"]["message"]
    # a viewer reads only
    r = post(served, path, {"period": 2024, "side": "origin", "decision": "approve"}, "szv")
    assert r.status_code == 403 and "analyst or admin" in r.json()["error"]["message"]
    # Hangzhou is no party: the enclave is not found for it
    assert (
        post(served, path, {"period": 2024, "side": "origin", "decision": "approve"}, "hz").status_code == 404
    )
    # bad bodies name the field
    for body, where in (
        ({"period": 2024, "side": "left", "decision": "approve"}, "body.side"),
        ({"period": 2024, "side": "host", "decision": "maybe"}, "body.decision"),
        ({"period": 24, "side": "host", "decision": "approve"}, "body.period"),
        ({"period": 2024, "side": "host", "decision": "approve", "extra": 1}, "body.extra"),
        ({"period": 2024, "side": "host", "decision": "approve", "comment": "x" * 4001}, "body.comment"),
    ):
        r = post(served, path, body, "sq")
        assert r.status_code == 422 and where in r.json()["error"]["message"], (body, r.text)
    r = post(served, path, {"period": 2014, "side": "host", "decision": "approve"}, "sq")
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("period:")
    assert (
        post(
            served, "/api/enclaves/E999/reviews", {"period": 2024, "side": "host", "decision": "approve"}
        ).status_code
        == 404
    )
    # nothing was stored by the refusals
    ledger = {x["enclave_id"]: x for x in get(served, "/api/enclaves").json()["rows"]}
    assert ledger["E011"]["reviews"] == {"origin": None, "host": None}
    # each side reviews its own: the host approves, the origin approves — E011 leads its type: priority
    r = post(served, path, {"period": 2024, "side": "host", "decision": "approve", "comment": "同意"}, "sq")
    assert r.status_code == 200, r.text
    a = ReviewAnswer.model_validate(r.json())
    assert (a.reviewer, a.jurisdiction, a.place, a.priority, a.synthetic) == (
        "sq",
        "321300",
        "321322",
        False,
        True,
    )
    r = post(served, path, {"period": 2024, "side": "origin", "decision": "approve"}, "sz")
    assert r.status_code == 200 and r.json()["priority"] is True and r.json()["place"] == "320583"
    # the ledger and the profile show it at once (never cached)
    row = next(x for x in get(served, "/api/enclaves", "sq").json()["rows"] if x["enclave_id"] == "E011")
    assert (row["review_origin"], row["review_host"], row["priority"]) == ("approve", "approve", True)
    assert row["reviews"]["host"]["comment"] == "同意" and row["reviews"]["host"]["reviewer"] == "sq"
    # the origin changes its mind: the latest counts, the history keeps both
    r = post(
        served, path, {"period": 2024, "side": "origin", "decision": "reject", "comment": "产值下滑"}, "sz"
    )
    assert r.status_code == 200 and r.json()["priority"] is False
    p = get(served, "/api/enclaves/E011", "sz").json()
    assert [h["decision"] for h in p["reviews"]["history"]] == ["approve", "approve", "reject"]
    assert {(x["side"], x["decision"]) for x in p["reviews"]["latest"]} == {
        ("host", "approve"),
        ("origin", "reject"),
    }
    # the region's administrator reviews any side
    r = post(served, path, {"period": 2024, "side": "origin", "decision": "approve"}, "region")
    assert r.status_code == 200 and r.json()["jurisdiction"] == "YRD" and r.json()["priority"] is True


def test_the_routes_are_in_the_openapi_document(served):
    url, keys, _ = served
    spec = httpx.get(url + "/openapi.json", headers={"X-API-Key": keys["region"]}).json()
    for path in (
        "/api/enclaves",
        "/api/enclaves/breaches",
        "/api/enclaves/{uid}",
        "/api/enclaves/{uid}/reviews",
        "/api/tax-sharing",
        "/api/vouchers",
    ):
        assert path in spec["paths"], path
    op = spec["paths"]["/api/enclaves/{uid}/reviews"]["post"]
    assert "403" in op["responses"] and op["summary"].startswith("评审")
