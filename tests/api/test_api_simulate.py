"""情景模拟 over real HTTP (issue 14): ``POST /api/simulations``, ``GET /api/risk``, ``GET /api/emergency-list``.

The answers must be the library's (:mod:`chainatlas.pipeline.simulate`) on the same atlas, hold to their response
models, keep the one error shape, refuse a POST without the CSRF header, and give a reader with a jurisdiction the
region's aggregates but only its own firms.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml

from chainatlas import config
from chainatlas.api.app import create_app
from chainatlas.api.routers import simulate as router
from chainatlas.api.routers.simulate import EmergencyAnswer, RiskAnswer, SimulationAnswer
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer
from chainatlas.pipeline import emergency
from chainatlas.pipeline import scenario as scn
from chainatlas.pipeline import simulate as sim
from chainatlas.storage.users import UserStore

CSRF = {CSRF_HEADER: CSRF_VALUE}


def _scenario() -> dict:
    data = yaml.safe_load(scn.example_scenario())
    data["compare"] = data["compare"][:2]  # 准时制, 预防性库存
    return data


def test_a_posted_scenario_answers_what_the_library_computes(client: httpx.Client, atlas):
    r = client.post("/api/simulations", json=_scenario())
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = SimulationAnswer.model_validate(r.json())
    assert body.synthetic and body.scenario.variants == ["准时制", "预防性库存"]
    assert body.provenance["command"] == "simulate" and body.scenario.period == 2024
    mine = sim.run(atlas, scn.parse_scenario(_scenario()))
    got = {s.variant: s for s in body.summary}
    for row in mine.summary.itertuples(index=False):
        assert got[row.variant].loss == pytest.approx(row.loss, rel=1e-12)
        assert got[row.variant].direct == pytest.approx(row.direct, rel=1e-12)
        assert got[row.variant].peak_step == row.peak_step
    assert got["预防性库存"].loss < got["准时制"].loss
    assert len(body.series) == 2 * 26
    np.testing.assert_allclose([s["loss"] for s in body.series], mine.series["loss"], rtol=1e-12)


def test_a_post_needs_the_csrf_header(base_url: str):
    r = httpx.post(base_url + "/api/simulations", json=_scenario(), timeout=60)
    assert r.status_code == 403
    assert r.json()["error"]["type"] == "Forbidden" and CSRF_HEADER in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["shocks"][1].update(weeks=0), "shocks[1].weeks: expected a duration > 0"),
        (lambda d: d["shocks"][0].update(places=["火星"]), "shocks[0].places[0]: unknown place"),
        (lambda d: d.update(period=2031), "period: 2031 is not built"),
        (lambda d: d.update(horizon="long"), "horizon: expected a number of weeks"),
    ],
)
def test_a_wrong_field_is_a_400_naming_it(client: httpx.Client, change, message):
    data = _scenario()
    change(data)
    r = client.post("/api/simulations", json=data)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "ConfigError" and err["message"].startswith(message), err["message"]
    assert r.json()["synthetic"] is False


def test_a_scenario_too_big_for_a_request_is_a_413_pointing_to_the_cli(client: httpx.Client, monkeypatch):
    monkeypatch.setattr(router, "MAX_CELLS", 1000)
    r = client.post("/api/simulations", json=_scenario())
    assert r.status_code == 413
    assert "chainatlas simulate" in r.json()["error"]["message"]


def test_risk_and_the_emergency_list_answer_the_librarys(client: httpx.Client, atlas):
    r = client.get("/api/risk", params={"chain": "ic", "top": 5})
    assert r.status_code == 200, r.text
    body = RiskAnswer.model_validate(r.json())
    mine = emergency.risk(atlas, chain="ic", top=5)
    assert [f.firm for f in body.firms] == mine.firms["firm"].tolist()
    assert [f.rank for f in body.firms] == [1, 2, 3, 4, 5]
    np.testing.assert_allclose([f.esri for f in body.firms], mine.firms["esri"], rtol=1e-12)
    assert body.distribution["count"] == mine.distribution["count"]
    assert [s.segment for s in body.segments] == mine.segments["segment"].tolist()

    r = client.get("/api/emergency-list", params={"chain": "ic", "province": "江苏省"})
    assert r.status_code == 200, r.text
    e = EmergencyAnswer.model_validate(r.json())
    assert e.provinces == ["320000"]
    assert e.firms and all(f["province"] == "320000" for f in e.firms)
    full = emergency.risk(atlas, chain="ic")
    rank = dict(zip(full.firms["firm"], full.firms["rank"], strict=True))
    assert all(f["esri_rank"] == rank[f["firm"]] for f in e.firms)

    r = client.get("/api/risk", params={"chain": "nope"})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("chain: unknown chain")
    r = client.get("/api/emergency-list", params={"province": "320500"})
    assert r.status_code == 400 and "expected a province" in r.json()["error"]["message"]


@pytest.fixture(scope="module")
def suzhou(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    db = tmp_path_factory.mktemp("simulate_scope") / "atlas.duckdb"
    shutil.copy(built_db, db)
    users = UserStore(config.side_file(db, "users"))
    keys = {"region": users.add("region", "admin", "YRD"), "sz": users.add("sz", "analyst", "320500")}
    with LocalServer(create_app(db, prewarm=False)) as url:
        yield url, keys


def test_a_city_reader_gets_the_regions_aggregates_and_only_its_own_firms(suzhou):
    url, keys = suzhou

    def post(who: str) -> dict:
        r = httpx.post(
            url + "/api/simulations",
            json=_scenario(),
            headers={"X-API-Key": keys[who], **CSRF},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        return SimulationAnswer.model_validate(r.json()).model_dump()

    region, sz = post("region"), post("sz")
    assert sz["summary"] == region["summary"]
    assert sz["provinces"] == region["provinces"]
    assert sz["firms"] and all(f["adcode"].startswith("3205") for f in sz["firms"])
    assert any(not f["adcode"].startswith("3205") for f in region["firms"])
    for s in sz["substitutions"]:
        assert s["customer_place"].startswith("3205") and s["new_supplier_place"].startswith("3205")
    held = [p for p in sz["places"] if p["suppressed"]]
    assert held and all(p["loss"] is None and not p["unit"].startswith("3205") for p in held)
    assert not any(p["suppressed"] for p in region["places"])

    r = httpx.get(url + "/api/risk", params={"top": 20}, headers={"X-API-Key": keys["sz"]}, timeout=120)
    assert r.status_code == 200, r.text
    firms = r.json()["firms"]
    assert firms and all(f["adcode"].startswith("3205") for f in firms)
    whole = httpx.get(
        url + "/api/risk", params={"top": 10_000}, headers={"X-API-Key": keys["region"]}, timeout=120
    )
    ranks = {f["firm"]: f["rank"] for f in whole.json()["firms"]}
    assert all(ranks[f["firm"]] == f["rank"] for f in firms)
