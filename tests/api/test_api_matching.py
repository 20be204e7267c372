"""R&D-liaison matching through the API (issue 16), over real HTTP on the small demo atlas (seed 7): researchers for
a need and needs for a researcher, each match explained; a need typed in; the lists the 供需对接 page searches;
404 and validation naming the parameter. Every answer is held to its response model.
"""

from __future__ import annotations

import httpx
import pytest

from chainatlas import geo
from chainatlas.api.routers.matching import MatchAnswer, SideAnswer

EXPLAINED = ("score", "text", "codes", "distance_km", "ties", "voucher", "shared_terms", "shared_codes")


def test_researchers_for_a_need_each_explained(client: httpx.Client):
    needs = SideAnswer.model_validate(client.get("/api/matching/needs", params={"limit": 5}).json())
    assert needs.synthetic and needs.total > 100 and len(needs.rows) == 5
    uid = needs.rows[0].id
    r = client.get(f"/api/matching/needs/{uid}", params={"top": 5})
    assert r.status_code == 200, r.text
    a = MatchAnswer.model_validate(r.json())
    assert a.synthetic and a.mode == "need" and a.query["id"] == uid and a.note is None
    assert [m.rank for m in a.rows] == [1, 2, 3, 4, 5]
    assert [m.score for m in a.rows] == sorted((m.score for m in a.rows), reverse=True)
    for m in a.rows:
        row = m.model_dump()
        assert all(k in row for k in EXPLAINED) and m.query_id == uid
        assert m.shared_terms or m.shared_codes or m.ties  # every match has a reason
    # the reverse: the best researcher's needs hold this need when it is among its top 100
    best = a.rows[0].profile_id
    back = MatchAnswer.model_validate(client.get(f"/api/matching/experts/{best}", params={"top": 100}).json())
    assert back.mode == "expert" and uid in {m.profile_id for m in back.rows}


def test_a_need_typed_in_and_the_lists(client: httpx.Client):
    r = client.get("/api/matching/text", params={"text": "晶圆制造工艺良率提升", "place": "无锡市"})
    a = MatchAnswer.model_validate(r.json())
    assert a.mode == "text" and a.rows and a.query["text"] == "晶圆制造工艺良率提升"
    assert (a.query["given_place"], a.query["adcode"], a.query["place"]) == ("无锡市", "320200", "无锡市")
    assert a.query["lon"] == pytest.approx(geo.place("320200")["lon"])  # the map's ★ on Wuxi
    assert all(m.distance_km is not None for m in a.rows if m.lon is not None)
    experts = SideAnswer.model_validate(
        client.get("/api/matching/experts", params={"segment": "ic", "limit": 1000}).json()
    )
    assert experts.total == len(experts.rows) > 0
    assert all(e.segment.startswith("ic:") for e in experts.rows)
    every = client.get("/api/matching/needs").json()["total"]
    chips = client.get("/api/matching/needs", params={"q": "芯片"}).json()
    assert 0 < chips["total"] < every
    both = client.get("/api/matching/needs", params={"q": "芯片 封装"}).json()  # every word must appear
    assert both["total"] <= chips["total"]


def test_unknown_ids_and_bad_parameters(client: httpx.Client):
    r = client.get("/api/matching/needs/N-NOPE")
    assert r.status_code == 404 and "N-NOPE" in r.json()["error"]["message"]
    r = client.get("/api/matching/experts/X-NOPE")
    assert r.status_code == 404
    r = client.get("/api/matching/text", params={"text": "芯片", "place": "火星"})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("place:")
    r = client.get("/api/matching/needs/N1", params={"top": 0})
    assert r.status_code == 422 and "query.top" in r.json()["error"]["message"]
