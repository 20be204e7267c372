"""Alliances and open calls through the API (issue 16 items 3–4), over real HTTP on a copy of the session's small
demo atlas (seed 7): the alliances of a chain by level with the map of their members, the fragmentation index,
the clusters, the calls with their progress and arcs, success rates and one call — for a whole-region reader and a
one-city reader; validation (422 and 400 naming the parameter) and 404. Every answer is held to its response model,
and its numbers to the services' and to the generator's manifest (``calibration.alliances`` and ``open_calls``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.alliances import (
    AlliancesAnswer,
    CallAnswer,
    CallsAnswer,
    ClustersAnswer,
    FragmentationAnswer,
    RatesAnswer,
)
from chainatlas.api.server import LocalServer
from chainatlas.storage.users import UserStore

#: (user, role, jurisdiction)
USERS = [("region", "viewer", "YRD"), ("sz", "analyst", "320500")]


@pytest.fixture(scope="module")
def served(built_db: Path, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    db = tmp_path_factory.mktemp("alliances_api") / "atlas.duckdb"
    shutil.copy(built_db, db)
    store = UserStore(config.side_file(db, "users"))
    keys = {name: store.add(name, role, jur) for name, role, jur in USERS}
    manifest = json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))["calibration"]
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield {"url": url, "keys": keys, "manifest": manifest}


def get(served: dict, path: str, user: str = "region", **params) -> httpx.Response:
    return httpx.get(
        served["url"] + path,
        params={k: v for k, v in params.items() if v is not None},
        headers={"X-API-Key": served["keys"][user]},
        timeout=120,
    )


def ok(served: dict, path: str, model, user: str = "region", **params) -> dict:
    r = get(served, path, user, **params)
    assert r.status_code == 200, r.text
    body = r.json()
    model.model_validate(body)
    assert body["synthetic"] is True
    return body


def test_the_alliances_of_a_chain_by_level(served):
    body = ok(served, "/api/alliances", AlliancesAnswer, chain="ic")
    rows = body["rows"]
    planted = served["manifest"]["alliances"]["ic"]
    assert len(rows) == planted["alliances"] and {r["chain"] for r in rows} == {"ic"}
    order = ["region", "corridor", "province", "city"]
    assert [r["level"] for r in rows] == sorted((r["level"] for r in rows), key=order.index)  # widest first
    assert {r["level_zh"] for r in rows} == {"区域", "走廊", "省级", "市级"}
    (frag,) = body["fragmentation"]
    assert (frag["members"], frag["shared_members"]) == (planted["members"], planted["shared_members"])
    assert frag["index"] == pytest.approx(frag["count_part"] * frag["sharing_part"] * frag["reach_part"])
    assert (
        sum(p["members"] for p in body["places"]) >= planted["members"]
    )  # a member counts in each city it is
    assert all(p["lon"] is not None for p in body["places"])
    city = ok(served, "/api/alliances", AlliancesAnswer, chain="ic", level="city")
    assert {r["level"] for r in city["rows"]} == {"city"} and len(city["rows"]) == 2


def test_fragmentation_and_clusters(served):
    body = ok(served, "/api/alliances/fragmentation", FragmentationAnswer)
    got = {r["chain"]: r for r in body["rows"]}
    for chain, x in served["manifest"]["alliances"].items():
        assert (got[chain]["alliances"], got[chain]["shared_members"]) == (
            x["alliances"],
            x["shared_members"],
        )
        assert got[chain]["shared_share"] == pytest.approx(x["shared_members"] / x["members"])
        assert got[chain]["levels"] == "region;corridor;province;city"
    c = ok(served, "/api/alliances/clusters", ClustersAnswer, chain="nev", method="communities")
    assert (
        c["method"] == "communities"
        and len(c["nodes"]) == served["manifest"]["alliances"]["nev"]["alliances"]
    )
    assert sum(x["alliances"] for x in c["clusters"]) == len(c["nodes"])
    assert all(link["shared"] >= 1 for link in c["links"])
    two = ok(served, "/api/alliances/clusters", ClustersAnswer, chain="nev", min_shared=2)
    assert all(link["shared"] >= 2 for link in two["links"]) and len(two["links"]) <= len(c["links"])


def test_the_calls_with_their_status_and_arcs(served):
    p = served["manifest"]["open_calls"]
    body = ok(served, "/api/opencalls", CallsAnswer)
    assert body["as_of"] == p["as_of"] == "2024-12-31"
    assert body["statuses"] == p["statuses"] and len(body["rows"]) == p["calls"]
    rows = {r["call_id"]: r for r in body["rows"]}
    cases = p["cases"]
    assert rows[cases["no_bids"]]["bids"] == 0 and rows[cases["no_bids"]]["cross_city"] is None
    assert rows[cases["joint_winners"]]["winning_bids"] == 2
    assert rows[cases["local_winner"]]["cross_city"] is False
    assert rows[cases["late"]]["late"] >= 1 and rows[cases["overdue"]]["overdue"] >= 1
    assert rows[cases["overdue"]]["status"] == "failed"
    # the arcs: one per call and city of its winning members, ending at the posting place
    for a in body["arcs"]:
        assert rows[a["call_id"]]["adcode"] == a["dst"] and a["members"] >= 1
    crossing = {a["call_id"] for a in body["arcs"] if not a["local"]}

    def city(code: str) -> str:  # a municipality whole, as the arcs' ends
        return code[:2] + "0000" if code.startswith("31") else code[:4] + "00"

    away = {
        k
        for k, r in rows.items()
        if any(c != city(r["adcode"]) for c in (r["team_places"] or "").split(";") if c)
    }
    assert crossing == away
    failed = ok(served, "/api/opencalls", CallsAnswer, status="failed")
    assert {r["status"] for r in failed["rows"]} == {"failed"} and len(failed["rows"]) == p["statuses"][
        "failed"
    ]
    js = ok(served, "/api/opencalls", CallsAnswer, place="江苏省")
    assert all(r["adcode"].startswith("32") for r in js["rows"])
    early = ok(served, "/api/opencalls", CallsAnswer, as_of="2020-12-31")
    assert early["as_of"] == "2020-12-31" and early["statuses"] != body["statuses"]


def test_success_rates(served):
    p = served["manifest"]["open_calls"]
    body = ok(served, "/api/opencalls/rates", RatesAnswer)
    s = p["statuses"]
    assert body["overall"] == pytest.approx(s["succeeded"] / (s["succeeded"] + s["failed"]))
    assert (
        sum(r["calls"] for r in body["by_segment"]) == sum(r["calls"] for r in body["by_place"]) == p["calls"]
    )
    for r in body["by_segment"]:
        assert r["decided"] == r["succeeded"] + r["failed"] and r["segment_zh"]
        if r["decided"]:
            assert r["success_rate"] == pytest.approx(r["succeeded"] / r["decided"])
        else:
            assert r["success_rate"] is None
    prov = ok(served, "/api/opencalls/rates", RatesAnswer, level="province")
    assert {r["place"] for r in prov["by_place"]} <= {"310000", "320000", "330000", "340000"}


def test_one_call(served):
    late = served["manifest"]["open_calls"]["cases"]["late"]
    body = ok(served, f"/api/opencalls/{late}", CallAnswer)
    assert body["call"]["call_id"] == late and body["call"]["status"] == "failed"
    states = [t["state"] for t in body["tasks"]]
    assert "late" in states and set(states) <= {"on_time", "late", "overdue", "pending"}
    assert all(t["days_late"] > 0 for t in body["tasks"] if t["state"] in ("late", "overdue"))
    assert any(b["winner"] for b in body["bids"]) and sum(b["lead"] for b in body["bids"]) == len(
        {b["bid_id"] for b in body["bids"]}
    )
    r = get(served, "/api/opencalls/JB19990001")
    assert r.status_code == 404 and "JB19990001" in r.json()["error"]["message"]


def test_a_one_city_reader(served):
    mine = ok(served, "/api/opencalls", CallsAnswer, user="sz")
    everything = ok(served, "/api/opencalls", CallsAnswer)
    ids = {r["call_id"] for r in mine["rows"]}
    assert 0 < len(ids) < len(everything["rows"])
    for cid in ids:  # posted in 苏州, or a bid member there (the call whole)
        one = ok(served, f"/api/opencalls/{cid}", CallAnswer, user="sz")
        inside = one["call"]["adcode"].startswith("3205") or any(
            str(b["member_adcode"] or "").startswith("3205") for b in one["bids"]
        )
        assert inside, cid
    outside = next(r["call_id"] for r in everything["rows"] if r["call_id"] not in ids)
    assert get(served, f"/api/opencalls/{outside}", "sz").status_code == 404
    a = ok(served, "/api/alliances", AlliancesAnswer, user="sz")
    assert 0 < len(a["rows"]) < len(ok(served, "/api/alliances", AlliancesAnswer)["rows"])


@pytest.mark.parametrize(
    ("path", "params", "status", "param"),
    [
        ("/api/alliances", {"level": "county"}, 422, "level"),
        ("/api/alliances", {"chain": "quantum"}, 400, "chain"),
        ("/api/alliances/clusters", {"min_shared": 0}, 422, "min_shared"),
        ("/api/opencalls", {"as_of": "2024-02-30"}, 400, "as_of"),
        ("/api/opencalls", {"segment": "design"}, 400, "segment"),
        ("/api/opencalls", {"chain": "ic", "segment": "nope"}, 400, "segment"),
        ("/api/opencalls", {"place": "火星市"}, 400, "place"),
        ("/api/opencalls", {"grace_days": -1}, 422, "grace_days"),
        ("/api/opencalls/rates", {"level": "county"}, 422, "level"),
    ],
)
def test_bad_parameters_are_named(served, path, params, status, param):
    r = get(served, path, **params)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert param in err["message"] or any(param in json.dumps(d) for d in err["details"]), err
