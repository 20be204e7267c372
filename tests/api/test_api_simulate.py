"""情景模拟 over real HTTP (issue 14): ``POST /api/simulations``, ``POST /api/simulations/parse``, ``GET /api/risk``,
``GET /api/emergency-list``.

The answers must be the library's (:mod:`chainatlas.pipeline.simulate`) on the same atlas, hold to their response
models, keep the one error shape, refuse a POST without the CSRF header, and give a reader with a jurisdiction the
region's aggregates but only its own firms (and say whose). A scenario file as a planner's editor saves it (UTF-8
with BOM and CRLF, GB18030) reads into the JSON ``POST /api/simulations`` takes; a file that is not a scenario is a
400 naming the file and the field, or the line and column of a YAML error.
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
    assert body.jurisdiction == "YRD"  # the single-user local mode reads the whole region


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
    assert (
        region["jurisdiction"] == "YRD" and sz["jurisdiction"] == "320500"
    )  # the page says whose firms it lists
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


# ---------------------------------------------------------------------------------------------- scenario files
def parse(client: httpx.Client, data: bytes, filename: str = "情景.yaml", **kw) -> httpx.Response:
    return client.post(
        "/api/simulations/parse",
        params={"filename": filename},
        content=data,
        headers={"Content-Type": "application/octet-stream", **kw.pop("headers", CSRF)},
        **kw,
    )


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


#: a scenario as a planner writes it by hand: Chinese names and comments
HANDWRITTEN = """# 苏州封控两周，比较准时制与预防性库存
name: 苏州封控两周
period: 2024
horizon: 8
step: week
shocks:
  - type: lockdown
    label: 苏州封控
    places: [苏州市]
    start: 1
    weeks: 2
    whitelist_share: 10
  - type: capacity
    places: ["330100"]
    chain: nev
    segment: battery
    lost: 30
    start: 2
    weeks: 1
settings:
  inventory_days: 10
  substitution: {enabled: true, radius_km: none}
compare:
  - name: 准时制
    settings: {inventory_days: 3}
  - name: 预防性库存
    settings: {inventory_days: 30}
"""


def test_a_notepad_file_utf8_with_bom_and_crlf_reads_as_the_examples_json(client: httpx.Client):
    example = client.get("/api/simulations/example").json()
    data = crlf(example["yaml"]).encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    r = parse(client, data, filename="C:\\Users\\规划处\\情景.yaml")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = router.ParsedScenario.model_validate(r.json())
    assert body.file == "情景.yaml"  # the folders are not echoed
    assert body.scenario == example["scenario"]  # the shape GET /api/simulations/example gives
    assert (body.name, body.period, body.horizon, body.step, body.shocks) == (
        "沪苏封控四周",
        2024,
        26,
        "week",
        2,
    )
    assert body.variants == ["准时制", "预防性库存", "无互认池", "无替代"]
    assert body.synthetic is False


def test_a_gb18030_file_reads_as_the_same_scenario(client: httpx.Client):
    data = crlf(HANDWRITTEN).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8: the bytes of 苏州 in GBK
    r = parse(client, data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scenario"] == yaml.safe_load(HANDWRITTEN)
    assert body["scenario"]["shocks"][0]["places"] == ["苏州市"] and body["name"] == "苏州封控两周"
    assert body["scenario"]["settings"]["substitution"]["radius_km"] == "none"  # as written: the API reads it
    assert body["variants"] == ["准时制", "预防性库存"] and body["shocks"] == 2 and body["horizon"] == 8
    # the answer is a body POST /api/simulations takes as it is, and runs as the file's scenario
    mine = scn.parse_scenario(body["scenario"])
    assert mine == scn.parse_scenario(yaml.safe_load(HANDWRITTEN))
    assert mine.settings.radius_km is None and mine.shocks[1].lost == pytest.approx(0.30)


def test_a_yaml_syntax_error_names_the_file_line_and_column(client: httpx.Client):
    # line 4 opens a flow sequence that is never closed: line 5 is read inside it, up to its ":" (column 8)
    text = "name: 苏州\nperiod: 2024\nshocks:\n  - {type: lockdown, places: [苏州市\nhorizon: 8\n"
    r = parse(client, crlf(text).encode("utf-8"), filename="苏州.yaml")
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "ConfigError"
    assert err["message"].startswith("苏州.yaml: not valid YAML at line 5, column 8: "), err["message"]
    [d] = err["details"]
    assert (d["file"], d["line"], d["column"], d["field"]) == ("苏州.yaml", 5, 8, None)
    # a tab where YAML wants spaces (Notepad's Tab key), on line 3
    r = parse(client, b"name: x\nhorizon: 8\n\tstep: week\n")
    assert r.status_code == 400 and "at line 3, column 1" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("weeks: 2", "shocks[0].weeks", "shocks[0].weeks: expected a duration > 0, got 0"),
        ("whitelist_share: 10", "shocks[0].whitelist_shar", "shocks[0].whitelist_shar: unknown field"),
        ("horizon: 8", "horizon", "horizon: expected a number of weeks (a whole number) from 1 to 104"),
    ],
)
def test_a_wrong_field_is_a_400_naming_the_file_and_the_field(client: httpx.Client, change, field, message):
    wrong = {
        "weeks: 2": "weeks: 0",
        "whitelist_share: 10": "whitelist_shar: 10",
        "horizon: 8": "horizon: 8 weeks",
    }[change]
    r = parse(client, HANDWRITTEN.replace(change, wrong).encode("utf-8"), filename="苏州.yaml")
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "ConfigError" and err["message"].startswith(f"苏州.yaml: {message}"), err["message"]
    assert err["details"][0]["field"] == field and err["details"][0]["file"] == "苏州.yaml"


def test_aliases_empty_files_and_non_scenarios_are_refused(client: httpx.Client):
    bomb = "name: &a 苏州\nhorizon: 8\nshocks:\n  - {type: fail, chain: ic, label: *a}\n"
    r = parse(client, bomb.encode("utf-8"))
    err = r.json()["error"]
    assert r.status_code == 400 and "aliases (*name) are not accepted" in err["message"]
    assert "at line 4, column 36" in err["message"]  # the "*" of "*a"
    r = parse(client, "# 只有注释\n\n".encode())
    assert r.status_code == 400 and "holds no scenario" in r.json()["error"]["message"]
    r = parse(client, b"")
    assert r.status_code == 400 and "the request body is empty" in r.json()["error"]["message"]
    r = parse(client, b"- a list\n- not a scenario\n")
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith(
        "情景.yaml: expected a mapping of fields (name, description"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "horizon: 8\nshocks: " + "[" * 5000 + "]" * 5000,
            "not valid YAML: lists or mappings nested too deeply",
        ),
        (
            "horizon: 8\ndescription: 2024-02-30\n",
            "not valid YAML: a value cannot be read (day is out of range",
        ),
        (
            "horizon: 1" + "0" * 5000 + "\n",
            "not valid YAML: a value cannot be read (Exceeds the limit (4300 digits)",
        ),
        (
            "horizon: 1" + "0" * 400 + "\n",
            "horizon: expected a number of weeks (a whole number) from 1 to 104, got 1000",
        ),
    ],
)
def test_values_yaml_or_a_float_cannot_hold_are_a_400_not_a_crash(client: httpx.Client, text, message):
    r = parse(client, text.encode("utf-8"))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"].startswith(f"情景.yaml: {message}"), r.json()["error"]["message"]
    assert "set_int_max_str_digits" not in r.json()["error"]["message"]


def test_a_posted_number_too_long_for_a_float_is_a_400(client: httpx.Client):
    body = '{"horizon": 1' + "0" * 400 + "}"
    r = client.post("/api/simulations", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"].startswith(
        "horizon: expected a number of weeks (a whole number) from 1 to 104, got 1000"
    )


def test_parsing_a_file_needs_the_csrf_header(base_url: str):
    r = httpx.post(
        base_url + "/api/simulations/parse",
        params={"filename": "x.yaml"},
        content=HANDWRITTEN.encode("utf-8"),
        timeout=60,
    )
    assert r.status_code == 403
    assert r.json()["error"]["type"] == "Forbidden" and CSRF_HEADER in r.json()["error"]["message"]


def test_a_file_too_big_is_a_413_said_or_streamed(client: httpx.Client):
    big = (HANDWRITTEN + "# " + "长" * (router.MAX_FILE_BYTES // 3) + "\n").encode("utf-8")
    assert len(big) > router.MAX_FILE_BYTES
    r = parse(client, big)
    assert r.status_code == 413
    err = r.json()["error"]
    assert (
        err["message"].startswith("情景.yaml: larger than 512 kB") and "chainatlas simulate" in err["message"]
    )

    def chunks():  # no Content-Length: the limit holds while reading
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    r = client.post("/api/simulations/parse", params={"filename": "情景.yaml"}, content=chunks())
    assert r.status_code == 413 and "larger than 512 kB" in r.json()["error"]["message"]
    # just under the limit: read
    fits = (
        HANDWRITTEN + "# " + "x" * (router.MAX_FILE_BYTES - len(HANDWRITTEN.encode()) - 3) + "\n"
    ).encode()
    assert len(fits) == router.MAX_FILE_BYTES
    assert parse(client, fits).status_code == 200
