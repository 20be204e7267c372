"""Policy linkage through the API (issue 16 item 2), over real HTTP: the list, one policy with its evidence, coverage,
overlaps, gaps and the policies of an alert — on a hand-made atlas of five policies whose every count is read off
:data:`POLICIES` — for a whole-region reader and a reader of another city; validation (422, and 400 naming the
parameter), 404, no-store for the alert's policies. Then the same routes on the shared demo atlas, held to their
response models. 苏州 320500 borders 无锡 320200 and 嘉兴 330400 (``geo.boundaries('city')``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers.policy import (
    AlertPoliciesAnswer,
    CoverageAnswer,
    GapsAnswer,
    OverlapsAnswer,
    PoliciesPage,
    PolicyAnswer,
)
from chainatlas.api.server import LocalServer
from chainatlas.pipeline.alerts import record
from chainatlas.pipeline.load import ingest_files
from chainatlas.storage.alerts import AlertStore
from chainatlas.storage.base import open_backend
from chainatlas.storage.users import UserStore

#: SZ1 and WX1 back ic:design with subsidies a year apart (an overlap); JX1 backs it with land; WZ1 (吴中区, in 苏州)
#: backs batteries; RG1 is the G60 corridor's, no place's
POLICIES = [
    ("SZ1", "苏州市关于支持芯片设计产业发展的若干措施", "苏州市人民政府", "320500", "city", "2022-05-01", "对芯片设计企业给予研发补贴。"),
    ("WX1", "无锡市芯片设计产业扶持办法", "无锡市人民政府", "320200", "city", "2023-02-01", "对集成电路设计企业按投入给予奖励。"),
    ("JX1", "嘉兴市芯片设计产业用地保障办法", "嘉兴市人民政府", "330400", "city", "2022-07-01", "优先保障芯片设计项目用地。"),
    ("WZ1", "吴中区关于支持动力电池产业发展的若干政策", "苏州市吴中区人民政府", "320506", "county", "2022-08-01",
     "对动力电池项目给予设备补贴。"),
    ("RG1", "长三角G60科创走廊芯片设计协同发展方案", "长三角G60科创走廊联席会议办公室", "310117", "regional", "2023-03-01",
     "共建芯片设计公共服务平台。"),
]  # fmt: skip
USERS = [("region", "admin", "YRD"), ("hz", "analyst", "330100")]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, int]]:
    root = tmp_path_factory.mktemp("policy_api")
    src = root / "policies.csv"
    with src.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["policy_id", "title", "issuer", "adcode", "level", "date", "text"])
        w.writerows(POLICIES)
    db = root / "atlas.duckdb"
    with open_backend(db) as b:
        ingest_files(b, [("policies", src)])
    store = UserStore(config.side_file(db, "users"))
    keys = {n: store.add(n, role, jur) for n, role, jur in USERS}
    found = pd.DataFrame(
        [{"rule": "r", "severity": "warning", "unit": "320500", "period": 2023, "state": "firing",
          "chain": "ic", "segment": "design"}]
    )  # fmt: skip
    rep = record(AlertStore(config.side_file(db, "alerts")), found, level="city", jurisdiction="320500",
                 period=2023, actor="test")  # fmt: skip
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys, rep.alerts[0]["id"]


def get(served, path: str, user: str = "region", **params) -> httpx.Response:
    url, keys, _ = served
    return httpx.get(url + path, params=params, headers={"X-API-Key": keys[user]}, timeout=120)


def test_the_list_with_its_filters_and_pages(served):
    r = get(served, "/api/policies")
    assert r.status_code == 200, r.text
    body = PoliciesPage.model_validate(r.json())
    assert body.total == 5 and body.years == [2022, 2023]
    assert [x.policy_id for x in body.data] == ["RG1", "WX1", "WZ1", "JX1", "SZ1"]  # newest first
    sz = body.data[-1]
    assert (sz.labels, sz.labels_zh, sz.measures, sz.place_name) == (
        ["ic:design"],
        ["集成电路 · 芯片设计"],
        ["subsidy"],
        "苏州市",
    )
    page = get(served, "/api/policies", limit=2, offset=1).json()
    assert page["total"] == 5 and [x["policy_id"] for x in page["data"]] == ["WX1", "WZ1"]
    ids = lambda **kw: [x["policy_id"] for x in get(served, "/api/policies", **kw).json()["data"]]
    assert ids(chain="ic", place="江苏省") == ["WX1", "SZ1"]
    assert ids(chain="nev", segment="battery") == ["WZ1"] and ids(policy_level="regional") == ["RG1"]
    assert ids(q="用地") == ["JX1"] and ids(since="2023") == ["RG1", "WX1"]


def test_one_policy_with_the_evidence(served):
    r = get(served, "/api/policies/WZ1")
    assert r.status_code == 200, r.text
    d = PolicyAnswer.model_validate(r.json())
    (tag,) = d.tags
    assert (tag.label, tag.source, tag.terms, tag.in_title) == ("nev:battery", "text", ["动力电池"], True)
    assert tag.sentences == ["吴中区关于支持动力电池产业发展的若干政策", "对动力电池项目给予设备补贴。"]
    assert 0.5 <= tag.confidence <= 1 and tag.confidence == tag.text_confidence
    assert [(m.category, m.terms) for m in d.measures] == [("subsidy", ["补贴"])]
    r = get(served, "/api/policies/NOPE")
    assert r.status_code == 404 and "no policy 'NOPE'" in r.json()["error"]["message"]


def test_coverage_overlaps_and_gaps(served):
    r = get(served, "/api/policies/coverage", level="province")
    assert r.status_code == 200, r.text
    c = CoverageAnswer.model_validate(r.json())
    assert c.years == [2022, 2023] and c.available == [2022, 2023]
    cells = {(m.chain, m.segment, m.place): m.policies for m in c.matrix}
    # 江苏: 苏州 and 无锡 on design, 吴中区 on batteries; 浙江: 嘉兴; the G60 plan is the region's
    assert cells == {
        ("ic", "design", "320000"): 2,
        ("ic", "design", "330000"): 1,
        ("nev", "battery", "320000"): 1,
    }
    assert [(x.chain, x.segment, x.policies) for x in c.region] == [("ic", "design", 1)]
    assert {p.place: p.policies for p in c.places} == {"310000": 0, "320000": 3, "330000": 1, "340000": 0}
    r = get(served, "/api/policies/coverage", chain="ic")
    c = CoverageAnswer.model_validate(r.json())
    assert len(c.places) == 41 and len(c.segments) == 7 and sum(m.policies for m in c.matrix) == 3
    assert next(p for p in c.places if p.place == "310000").unit == "310100"

    o = OverlapsAnswer.model_validate(get(served, "/api/policies/overlaps").json())
    (s,) = o.summary
    assert (s.place_a, s.place_b, s.segment, s.pairs, s.measures, s.relation) == (
        "320200",
        "320500",
        "design",
        1,
        ["subsidy"],
        "neighbour",
    )
    assert o.pairs_total == 1 and (o.pairs[0].policy_a, o.pairs[0].policy_b) == ("WX1", "SZ1")
    assert OverlapsAnswer.model_validate(get(served, "/api/policies/overlaps", window=0).json()).summary == []

    g = GapsAnswer.model_validate(get(served, "/api/policies/gaps", level="province", chain="ic").json())
    assert len(g.gaps) == 4 * 6 - 2  # 江苏 and 浙江 cover design
    anhui = next(x for x in g.gaps if (x.place, x.segment) == ("340000", "design"))
    assert anhui.region_policies == 1 and anhui.place_name == "安徽省"
    assert {p.place: p.covered for p in g.by_place} == {"310000": 0, "320000": 1, "330000": 1, "340000": 0}


def test_the_policies_of_an_alert(served):
    _, _, alert = served
    r = get(served, f"/api/alerts/{alert}/policies")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    a = AlertPoliciesAnswer.model_validate(r.json())
    assert (a.alert.unit, a.alert.unit_name, a.alert.label_zh, a.total) == (
        "320500",
        "苏州市",
        "集成电路 · 芯片设计",
        2,
    )
    assert [(p.policy_id, p.relation, p.match) for p in a.policies] == [
        ("SZ1", "same", "segment"),
        ("RG1", "region", "segment"),
    ]
    assert a.policies[0].sentences == [
        "苏州市关于支持芯片设计产业发展的若干措施",
        "对芯片设计企业给予研发补贴。",
    ]
    # 杭州's reader is no party of 苏州's alert: not found, as the alert itself
    r = get(served, f"/api/alerts/{alert}/policies", user="hz")
    assert r.status_code == 404 and f"no alert {alert}" in r.json()["error"]["message"]
    assert get(served, "/api/alerts/99999/policies").status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/api/policies", {"chain": "quantum"}, 400, "chain: 未知产业链 / unknown chain 'quantum'"),
        ("/api/policies", {"segment": "design"}, 400, "segment: 环节需指定产业链"),
        (
            "/api/policies/coverage",
            {"chain": "ic", "since": "2024", "until": "2020"},
            400,
            "since: 起始年晚于截止年",
        ),
        (
            "/api/policies/overlaps",
            {"chain": "ic", "segment": "battery"},
            400,
            "is not a segment of chain 'ic'",
        ),
        ("/api/policies", {"place": "火星"}, 400, "place: unknown place '火星'"),
        ("/api/policies", {"since": "20x4"}, 422, "query.since"),
        ("/api/policies/gaps", {"min_confidence": "0.2"}, 422, "query.min_confidence"),
        ("/api/policies/gaps", {"level": "county"}, 422, "query.level"),
    ],
)
def test_a_bad_parameter_is_named(served, path, params, status, says):
    r = get(served, path, **params)
    assert r.status_code == status, r.text
    assert says in r.json()["error"]["message"]


def test_the_routes_on_the_demo_atlas(client):
    """The shared small synthetic atlas: every route answers its model; coverage and the list agree."""
    c = CoverageAnswer.model_validate(client.get("/api/policies/coverage").json())
    assert c.synthetic and c.years == [c.available[0], c.available[-1]]
    per_place = sum(p.policies for p in c.places)  # a policy has one place: distinct policies of places
    listed = client.get("/api/policies", params={"limit": 1}).json()["total"]
    regional = client.get("/api/policies", params={"policy_level": "regional", "limit": 1}).json()["total"]
    untagged = sum(
        not x["labels"] for x in client.get("/api/policies", params={"limit": 10000}).json()["data"]
    )
    assert per_place == listed - regional - untagged
    o = OverlapsAnswer.model_validate(client.get("/api/policies/overlaps").json())
    assert o.pairs_total == sum(s.pairs for s in o.summary) == len(o.pairs)
    g = GapsAnswer.model_validate(client.get("/api/policies/gaps", params={"chain": "ic"}).json())
    assert len(g.gaps) == sum(p.segments - p.covered for p in g.by_place)
    first = client.get("/api/policies", params={"limit": 1}).json()["data"][0]["policy_id"]
    PolicyAnswer.model_validate(client.get(f"/api/policies/{first}").json())
