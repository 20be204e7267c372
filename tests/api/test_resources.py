"""Every resource, filter and page, checked against its documented model and against the atlas itself."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook
from pydantic import BaseModel

from chainatlas.api import schemas as S
from chainatlas.ingest import template_doc
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import LAYERS, SCALES
from chainatlas.pipeline import query
from chainatlas.storage.base import open_backend


def ok(client, url: str, model: type[BaseModel] | None = None, **params) -> dict:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "synthetic" in body
    if model is not None:
        model.model_validate(body)
    return body


@pytest.fixture(scope="module")
def db(built_db):
    with open_backend(built_db, read_only=True) as b:
        yield b


# ---------------------------------------------------------------------------------------------- meta
def test_meta_says_synthetic_and_lists_what_is_built(client, db):
    m = ok(client, "/api/meta", S.Meta)
    assert m["synthetic"] is True
    assert m["dataset"]["synthetic"] is True
    assert m["periods"] == query.periods(db)
    assert [x["id"] for x in m["layers"]] == list(LAYERS)
    assert m["scales"] == list(SCALES)
    assert {k["kind"] for k in m["kinds"]} == set(KINDS)
    assert {c["id"] for c in m["chains"]} == {"ic", "bio", "nev", "ai"}
    assert m["versions"]["echarts"]
    # records placed only to a city are not county units: the meta says how many, per scale and level
    un = {(u["scale"], u["level"]): u["records"] for u in m["unallocated"]}
    assert un == {(r.scale, r.level): r.records for r in query.unallocated(db).itertuples()}
    assert un.get(("county", "city"), 0) > 0 and not any(s == "province" for s, _ in un)


def test_meta_serves_the_maps_default_view_which_the_prewarm_reads(client, db):
    from chainatlas.api.routers.meta import DEFAULT_VIEW
    from chainatlas.model.indicators import INDICATORS

    view = ok(client, "/api/meta", S.Meta)["default_view"]
    assert view["period"] == query.periods(db)[-1]
    assert view["scale"] in SCALES and view["indicator"] in INDICATORS
    assert view["layers"] and set(view["layers"]) <= set(LAYERS)
    assert view == DEFAULT_VIEW.document(query.periods(db))
    for path, params in DEFAULT_VIEW.requests(view["period"]):  # what the map asks for first, answered
        assert client.get(path, params=params).status_code == 200, (path, params)


def test_health(client, built_db):
    h = client.get("/api/health").json()
    assert h == {"synthetic": True, "status": "ok", "database": built_db.name, "exists": True}


def test_every_data_answer_says_synthetic(client, sweep):
    """Sweep every GET of the document with minimal parameters: each JSON answer carries the flag."""
    for path, r in sweep(client):
        assert r.status_code == 200, (path, r.text)
        if r.headers["content-type"].startswith("application/json"):
            assert isinstance(r.json()["synthetic"], bool), path
        else:
            assert r.headers["x-synthetic"] == "false", path


# ---------------------------------------------------------------------------------------------- geometry
@pytest.mark.parametrize(
    ("scale", "n"), [("city", 41), ("province", 4), ("county", 305), ("area", 4), ("region", 1)]
)
def test_geometry_of_every_scale(client, scale, n):
    fc = ok(client, "/api/geo", scale=scale)
    assert fc["type"] == "FeatureCollection" and fc["synthetic"] is False
    assert len(fc["features"]) == n
    for f in fc["features"]:
        assert f["properties"]["unit"] == f["properties"]["name"]
        assert f["properties"]["name_zh"] and f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    units = {r["unit"] for r in ok(client, "/api/places", scale=scale, proper=True)["data"]}
    assert {f["properties"]["unit"] for f in fc["features"]} == units


def test_geometry_is_cached_by_the_browser(client):
    r = client.get("/api/geo?scale=city", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age" in r.headers["cache-control"]
    again = client.get("/api/geo?scale=city", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_answers_carry_etags_and_compress(client):
    url = "/api/nodes?scale=county"
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert json.loads(raw.content) == r.json()
    assert client.get(url, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert r.num_bytes_downloaded < len(raw.content) / 3


# ---------------------------------------------------------------------------------------------- places
@pytest.mark.parametrize("scale", SCALES)
def test_places_of_every_scale(client, db, scale):
    body = ok(client, "/api/places", S.PlacesPage, scale=scale)
    assert body["scale"] == scale
    assert body["total"] == len(query.units(db, scale))
    assert [r["unit"] for r in body["data"]] == list(query.units(db, scale)["unit"])


def test_places_filter_and_page(client):
    allc = ok(client, "/api/places", scale="city", proper=True)
    assert allc["total"] == 41 and all(r["proper"] for r in allc["data"])
    hit = ok(client, "/api/places", scale="city", q="苏州")["data"]
    assert [r["unit"] for r in hit] == ["320500"]
    assert [r["unit"] for r in ok(client, "/api/places", scale="city", q="suzhou")["data"]] == [
        "320500",
        "341300",
    ]
    p1 = ok(client, "/api/places", scale="city", proper=True, limit=10, offset=0)
    p2 = ok(client, "/api/places", scale="city", proper=True, limit=10, offset=10)
    assert p1["total"] == p2["total"] == 41 and len(p1["data"]) == len(p2["data"]) == 10
    assert [r["unit"] for r in p1["data"] + p2["data"]] == [r["unit"] for r in allc["data"][:20]]


def test_areas(client):
    body = ok(client, "/api/areas", S.AreasList)
    ids = {a["area_id"]: a for a in body["data"]}
    assert set(ids) == {"g60", "hhy_bay", "hnhh_belt", "demo_zone"}
    assert "310117" in ids["g60"]["members"]


def test_place_profile_matches_nodes_and_edges(client, meta):
    year = meta["periods"][-1]
    p = ok(client, "/api/places/320500", S.PlaceProfile, scale="city", period=year)
    assert (p["name_zh"], p["period"]) == ("苏州市", year)
    nodes = ok(client, "/api/nodes", scale="city", period=year, place="320500")["data"][0]
    for ind in p["indicators"]:
        assert ind["value"] == pytest.approx(nodes.get(ind["attr"], 0.0))
        assert ind["rank"] is None or 1 <= ind["rank"] <= ind["of"] == 41
    for layer in LAYERS:
        e = ok(client, "/api/edges", layer=layer, scale="city", period=year, place="320500", limit=10000)[
            "data"
        ]
        out = sum(r["n"] for r in e if r["src"] == "320500" and r["dst"] != "320500")
        inn = sum(r["n"] for r in e if r["dst"] == "320500" and r["src"] != "320500")
        partners = {r["dst"] if r["src"] == "320500" else r["src"] for r in e} - {"320500"}
        t = p["layers"][layer]
        assert (t["n_out"], t["n_in"], t["partners"]) == (
            pytest.approx(out),
            pytest.approx(inn),
            len(partners),
        )
        assert [x["n"] for x in t["top"]] == sorted((x["n"] for x in t["top"]), reverse=True)
    assert {c["chain"] for c in p["chains"]} == {"ic", "bio", "nev", "ai"}


@pytest.mark.parametrize("scale", ["county", "province", "area", "region"])
def test_profiles_at_other_scales(client, scale):
    unit = ok(client, "/api/places", scale=scale, proper=True, limit=1)["data"][0]["unit"]
    p = ok(client, f"/api/places/{unit}", S.PlaceProfile, scale=scale)
    assert p["unit"] == unit and p["scale"] == scale


def test_profile_with_chain_filter(client):
    p = ok(client, "/api/places/310100", S.PlaceProfile, chain="ic", segment="design")
    assert (p["chain"], p["segment"]) == ("ic", "design")
    whole = ok(client, "/api/places/310100")
    firms = {i["attr"]: i["value"] for i in p["indicators"]}["firms"]
    assert firms <= {i["attr"]: i["value"] for i in whole["indicators"]}["firms"]


def test_compare_two_places_and_two_periods(client, meta):
    c = ok(client, "/api/compare", S.Compare, a="310100", b="320500")
    assert c["mode"] == "places" and (c["left"]["unit"], c["right"]["unit"]) == ("310100", "320500")
    first, last = meta["periods"][0], meta["periods"][-1]
    c2 = ok(client, "/api/compare", S.Compare, a="310100", period=last, period_b=first)
    assert c2["mode"] == "periods" and (c2["left"]["period"], c2["right"]["period"]) == (last, first)
    single = ok(client, "/api/places/310100", period=first)
    assert c2["right"]["indicators"] == single["indicators"]


# ---------------------------------------------------------------------------------------------- layers
def test_layers_list_their_sources(client):
    body = ok(client, "/api/layers", S.LayersList)
    assert [x["id"] for x in body["data"]] == list(LAYERS)
    srcs = {x["id"]: {s["source"] for s in x["sources"]} for x in body["data"]}
    assert "supply_links" in srcs["industry"] and "papers" in srcs["knowledge"]
    one = ok(client, "/api/layers/innovation", S.LayerDetail)
    assert one["zh"] == "创新网络"


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("scale", SCALES)
def test_edges_equal_the_query_layer(client, db, meta, layer, scale):
    year = meta["periods"][-1]
    body = ok(client, "/api/edges", S.EdgesPage, layer=layer, scale=scale, limit=10000)
    assert (body["layer"], body["scale"], body["period"]) == (layer, scale, year)
    want = query.edges(db, layer=layer, scale=scale, period=year)
    got = pd.DataFrame(body["data"], columns=["src", "dst", "n", "value"])
    assert body["total"] == len(want) == len(got)
    assert got["n"].sum() == pytest.approx(want["n"].sum())
    assert got["value"].sum() == pytest.approx(want["value"].sum())


def test_edges_every_period(client, db, meta):
    for year in meta["periods"]:
        body = ok(client, "/api/edges", layer="innovation", period=year, limit=10000)
        assert body["period"] == year
        assert body["total"] == len(query.edges(db, layer="innovation", scale="city", period=year))


def test_edges_paging_is_consistent(client):
    whole = ok(client, "/api/edges", layer="symbiosis", limit=10000)
    pages = []
    for off in range(0, whole["total"], 97):
        pages += ok(client, "/api/edges", layer="symbiosis", limit=97, offset=off)["data"]
    assert pages == whole["data"]
    assert ok(client, "/api/edges", layer="symbiosis", offset=whole["total"] + 5)["data"] == []
    assert [r["n"] for r in whole["data"]] == sorted((r["n"] for r in whole["data"]), reverse=True)


def test_edges_filters(client):
    base = {"layer": "industry", "limit": 10000}
    allrows = ok(client, "/api/edges", **base)["data"]
    place = ok(client, "/api/edges", place="310100", **base)["data"]
    assert place and all("310100" in (r["src"], r["dst"]) for r in place)
    assert len(place) == sum("310100" in (r["src"], r["dst"]) for r in allrows)
    no_loops = ok(client, "/api/edges", self_loops=False, **base)["data"]
    assert all(r["src"] != r["dst"] for r in no_loops)
    assert len(no_loops) == sum(r["src"] != r["dst"] for r in allrows)
    heavy = ok(client, "/api/edges", min_n=3, **base)["data"]
    assert all(r["n"] >= 3 for r in heavy) and len(heavy) == sum(r["n"] >= 3 for r in allrows)
    by_value = ok(client, "/api/edges", order="value", **base)["data"]
    assert [r["value"] for r in by_value] == sorted((r["value"] for r in by_value), reverse=True)
    one = ok(client, "/api/edges", source="supply_links", **base)["data"]
    two = ok(client, "/api/edges", source=["supply_links", "enclaves"], **base)["data"]
    assert 0 < sum(r["n"] for r in one) < sum(r["n"] for r in two) <= sum(r["n"] for r in allrows) + 1e-9


def test_edges_chain_total_is_the_sum_of_its_segments(client, meta):
    chains = {c["id"]: c for c in ok(client, "/api/chains")["data"]}
    total = ok(client, "/api/edges", layer="innovation", chain="ic", limit=10000)
    assert total["chain"] == "ic" and total["segment"] == "*"
    seg_sum = 0.0
    for s in chains["ic"]["segments"]:
        part = ok(client, "/api/edges", layer="innovation", chain="ic", segment=s["segment"], limit=10000)
        assert part["segment"] == s["segment"]
        seg_sum += sum(r["n"] for r in part["data"])
    assert seg_sum == pytest.approx(sum(r["n"] for r in total["data"]))


# ---------------------------------------------------------------------------------------------- indicators
def test_indicator_catalogue(client):
    body = ok(client, "/api/indicators", S.IndicatorsList)
    attrs = {i["attr"]: i for i in body["data"]}
    assert attrs["revenue"]["unit_zh"] == "万元" and attrs["patents"]["zh"] == "专利申请"


@pytest.mark.parametrize("scale", SCALES)
def test_nodes_equal_the_query(client, db, meta, scale):
    year = meta["periods"][-1]
    body = ok(client, "/api/nodes", S.NodesPage, scale=scale)
    want = query.nodes(db, scale=scale, period=year)
    assert body["total"] == len(want)
    got = pd.DataFrame(body["data"]).set_index("unit")
    for attr in body["attrs"]:
        assert got[attr].sum() == pytest.approx(want[attr].sum()), attr


def test_nodes_filters(client, meta):
    a = ok(client, "/api/nodes", attr=["firms", "patents"], period=meta["periods"][0])
    assert a["attrs"] == ["firms", "patents"] and a["period"] == meta["periods"][0]
    assert set(a["data"][0]) == {"unit", "name_zh", "name_en", "lon", "lat", "proper", "firms", "patents"}
    one = ok(client, "/api/nodes", place="320500")
    assert [r["unit"] for r in one["data"]] == ["320500"] and one["total"] == 1
    ic = {r["unit"]: r["firms"] for r in ok(client, "/api/nodes", chain="ic", attr="firms")["data"]}
    allf = {r["unit"]: r["firms"] for r in ok(client, "/api/nodes", attr="firms")["data"]}
    assert all(ic[u] <= allf[u] for u in ic) and sum(ic.values()) < sum(allf.values())
    page = ok(client, "/api/nodes", limit=5, offset=5)
    assert len(page["data"]) == 5 and page["total"] == 41  # the 41 cities: records known only to a province
    # are not a pseudo-city (issue 10); they count at province scale and are reported as unallocated below


def test_series_replays_every_period(client, meta):
    s = ok(client, "/api/indicators/patents/series", S.Series, place=["310100", "320500"])
    assert sorted({r["year"] for r in s["data"]}) == meta["periods"]
    for year in (meta["periods"][0], meta["periods"][-1]):
        nodes = {
            r["unit"]: r["patents"] for r in ok(client, "/api/nodes", period=year, attr="patents")["data"]
        }
        for r in s["data"]:
            if r["year"] == year:
                assert r["value"] == pytest.approx(nodes[r["unit"]])


# ---------------------------------------------------------------------------------------------- chains
def test_chains_and_segments_upstream_first(client):
    body = ok(client, "/api/chains", S.ChainsList)
    for c in body["data"]:
        orders = [s["topo_order"] for s in c["segments"]]
        assert orders == sorted(orders) and c["segments"]
    one = ok(client, "/api/chains/ic", S.ChainOne)["data"]
    assert one["name_zh"] == "集成电路"


def test_matrix_finds_the_broken_links_and_single_points_the_generator_planted(client, meta):
    """The synthetic dataset records which segments it left out or put in one city (its manifest)."""
    cal = meta["dataset"]["calibration"]
    for key in cal["absent_segments"]:
        chain, seg = key.split(":")
        m = ok(client, f"/api/chains/{chain}/matrix", S.Matrix)
        s = next(x for x in m["segments"] if x["segment"] == seg)
        assert s["status"] == "broken" and s["cities_present"] == 0 and s["lead_unit"] is None
    for key, city in cal["single_city_segments"].items():
        chain, seg = key.split(":")
        m = ok(client, f"/api/chains/{chain}/matrix", S.Matrix)
        s = next(x for x in m["segments"] if x["segment"] == seg)
        assert (s["status"], s["cities_present"], s["lead_unit"]) == ("single", 1, city)


@pytest.mark.parametrize("scale", ["city", "province", "area", "county"])
def test_matrix_cells_add_up(client, meta, scale):
    m = ok(client, "/api/chains/nev/matrix", S.Matrix, scale=scale)
    assert [s["topo_order"] for s in m["segments"]] == sorted(s["topo_order"] for s in m["segments"])
    for s in m["segments"]:
        cells = [c for c in m["cells"] if c["segment"] == s["segment"]]
        assert sum(c["firms"] for c in cells) == pytest.approx(s["firms"])
    nodes = ok(client, "/api/nodes", scale=scale, chain="nev", attr="firms")["data"]
    assert sum(s["firms"] for s in m["segments"]) == pytest.approx(sum(r["firms"] for r in nodes))


def test_sankey_conserves_flow_through_each_segment(client):
    for chain in ("ic", "bio", "nev", "ai"):
        s = ok(client, f"/api/chains/{chain}/sankey", S.Sankey)
        ids = {n["id"] for n in s["nodes"]}
        assert all(li["source"] in ids and li["target"] in ids for li in s["links"])
        for n in s["nodes"]:
            if n["column"] == 1:
                inflow = sum(li["value"] for li in s["links"] if li["target"] == n["id"])
                outflow = sum(li["value"] for li in s["links"] if li["source"] == n["id"])
                assert inflow == pytest.approx(outflow)
        assert len(s["stages"]) == len(ok(client, f"/api/chains/{chain}")["data"]["segments"])
    by_n = ok(client, "/api/chains/ic/sankey", weight="n", top=3)
    assert all(li["weight"] == li["n"] for li in by_n["links"])
    assert sum(n["column"] == 0 for n in by_n["nodes"]) <= 4  # 3 + "other"


# ---------------------------------------------------------------------------------------------- analytics
def test_analytics_catalogue(client):
    """The catalogue is the registry: every topic once, in its order, with its parameters and a path that answers."""
    from chainatlas.pipeline.analyze import TOPICS

    cat = ok(client, "/api/analytics", S.AnalyticsList)["data"]
    assert [x["id"] for x in cat] == list(TOPICS)
    for x in cat:
        t = TOPICS[x["id"]]
        assert x["zh"] == t.zh and x["en"] == t.en and x["path"] == f"/api/analytics/topics/{t.name}"
        assert [p["name"] for p in x["params"]] == [p.name for p in t.params if p.api]
    spec = client.get("/openapi.json").json()["paths"]
    for t in TOPICS.values():  # the route declares exactly the selection and the topic's own parameters
        declared = {q["name"] for q in spec[f"/api/analytics/topics/{t.name}"]["get"]["parameters"]}
        selection = {"scale", "period", "chain", "segment"} | ({"layer"} if t.layer != "none" else set())
        assert declared == selection | {p.name for p in t.params if p.api}, t.name


def test_topic_is_the_cli_result(client, built_db, tmp_path):
    """The API's topic answer equals `chainatlas analyze roles --area g60 -f json`, provenance aside."""
    from click.testing import CliRunner

    from chainatlas.cli import main

    api = ok(client, "/api/analytics/topics/roles", S.AnalysisResult, area="g60", period=2024)
    out = tmp_path / "roles.json"
    r = CliRunner().invoke(
        main,
        ["--db", str(built_db), "analyze", "roles", "--area", "g60", "--period", "2024", "-o", str(out)],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert api["data"] == cli["data"] and api["summary"] == cli["summary"]
    p = api["provenance"]
    assert p["topic"] == "roles" and p["parameters"]["area"] == "g60" and p["synthetic"] is True
    assert api["synthetic"] is True and api["summary"]["tiers"]["core"]


def test_topic_parameters_reach_the_analysis(client):
    io = ok(
        client, "/api/analytics/topics/io", S.AnalysisResult, chain="bio", extract="310100", how="backward"
    )
    assert (
        io["provenance"]["parameters"]["how"] == "backward"
        and io["summary"]["extraction"]["how"] == "backward"
    )
    g = ok(client, "/api/analytics/topics/gravity", S.AnalysisResult, layer="innovation", exponent=1.5)
    assert g["provenance"]["parameters"]["exponent"] == 1.5
    u = ok(client, "/api/analytics/topics/network", S.AnalysisResult, layer="innovation", undirected=True)
    assert u["summary"]["directed"] is False and u["provenance"]["parameters"]["undirected"] is True


def test_topic_qap_pair(client):
    q = ok(
        client,
        "/api/analytics/topics/qap",
        S.AnalysisResult,
        layer="innovation",
        other="industry",
        permutations=99,
    )
    assert (
        len(q["data"]) == 1 and -1 <= q["data"][0]["qap_r"] <= 1 and q["provenance"]["layer"] == "innovation"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_network_degrees_match_the_edges(client, layer):
    """The map's network view (the topic, undirected): each unit's degree is its number of distinct partners."""
    g = ok(client, "/api/analytics/topics/network", S.AnalysisResult, layer=layer, undirected=True)
    e = ok(client, "/api/edges", layer=layer, self_loops=False, limit=10000)["data"]
    partners: dict[str, set] = {}
    for r in e:
        partners.setdefault(r["src"], set()).add(r["dst"])
        partners.setdefault(r["dst"], set()).add(r["src"])
    assert {n["unit"]: n["degree"] for n in g["data"]} == {u: len(p) for u, p in partners.items()}
    assert {n["community"] for n in g["data"]} == set(range(g["summary"]["communities"]))
    assert sum(n["pagerank"] for n in g["data"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "options",
    [
        {"layer": "innovation", "undirected": True},
        {"layer": "innovation", "scale": "province", "weight": "value", "chain": "ic"},
        {"layer": "industry", "scale": "county", "period": 2020},
    ],
)
def test_network_view_is_analyze_network(client, db, options):
    """One network path: what the map's network page reads equals `chainatlas analyze network` with the same options."""
    from chainatlas.pipeline import analyze as an

    api = ok(client, "/api/analytics/topics/network", S.AnalysisResult, **options)
    sel = {k: options[k] for k in ("layer", "scale", "period", "chain") if k in options}
    lib = an.analyze(db, "network", **sel, parameters={k: v for k, v in options.items() if k not in sel})
    doc = an.document(lib)
    pd.testing.assert_frame_equal(pd.DataFrame(api["data"]), pd.DataFrame(doc["data"]), rtol=1e-9)
    assert set(api["summary"]) == set(doc["summary"])
    for k, v in doc["summary"].items():  # the API writes floats with 10 significant digits
        assert api["summary"][k] == (pytest.approx(v, rel=1e-9) if isinstance(v, float) else v), k


# ---------------------------------------------------------------------------------------------- entities
def test_entities_filters_and_pages(client, db):
    allf = ok(client, "/api/entities", S.EntitiesPage, limit=1)
    assert allf["total"] == len(db.execute(db.table("raw_firms")))
    sz = ok(client, "/api/entities", place="320500", limit=1000)
    assert sz["total"] > 0 and all(r["unit"] == "320500" for r in sz["data"])
    uni = ok(client, "/api/entities", type="university", limit=1000)
    assert uni["total"] > 0 and all(r["entity_type"] == "university" for r in uni["data"])
    ic = ok(client, "/api/entities", chain="ic", limit=1000)
    seg = ok(client, "/api/entities", chain="ic", segment="design", limit=1000)
    assert 0 < seg["total"] <= ic["total"] < allf["total"]
    name = sz["data"][0]["name"]
    assert any(r["name"] == name for r in ok(client, "/api/entities", q=name[:4], limit=1000)["data"])
    p1 = ok(client, "/api/entities", limit=7)
    p2 = ok(client, "/api/entities", limit=7, offset=7)
    assert not {r["credit_code"] for r in p1["data"]} & {r["credit_code"] for r in p2["data"]}


def test_entity_detail(client):
    code = ok(client, "/api/entities", chain="ic", limit=1)["data"][0]["credit_code"]
    e = ok(client, f"/api/entities/{code}", S.Entity)["data"]
    assert e["credit_code"] == code and set(e["layers"]) == set(LAYERS)
    assert {"chain": "ic"}.items() <= next(s for s in e["segments"] if s["chain"] == "ic").items()


# ---------------------------------------------------------------------------------------------- data
def test_templates_list(client):
    body = ok(client, "/api/templates", S.TemplatesList)
    assert [k["kind"] for k in body["data"]] == list(KINDS)
    en = ok(client, "/api/templates", lang="en")
    assert en["data"][0]["fields"][0]["column"] == "credit_code"


@pytest.mark.parametrize("kind", list(KINDS))
def test_template_downloads_are_the_documented_templates(client, kind):
    r = client.get(f"/api/templates/{kind}")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"] and r.headers["x-synthetic"] == "false"
    wb = load_workbook(io.BytesIO(r.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == [d["column"] for d in template_doc(kind, "zh")]
    csv = client.get(f"/api/templates/{kind}", params={"format": "csv", "lang": "en"})
    assert csv.content.startswith(b"\xef\xbb\xbf")
    assert csv.content[3:].decode("utf-8").splitlines()[0].split(",") == [
        d["column"] for d in template_doc(kind, "en")
    ]


def test_inventory(client, db):
    body = ok(client, "/api/inventory", S.InventoryPage)
    inv = query.inventory(db)
    assert body["total"] == len(inv) and [r["batch_id"] for r in body["data"]] == list(inv["batch_id"])
    assert all(r["synthetic"] is True for r in body["data"])
    firms = ok(client, "/api/inventory", kind="firms")
    assert firms["total"] == 1 and firms["data"][0]["kind"] == "firms"
    per = ok(client, "/api/inventory/periods", S.InventoryPage)
    n_patents = len(db.execute(db.table("raw_patents")))
    assert sum(r["rows"] for r in per["data"] if r["kind"] == "patents") == n_patents
    year = ok(client, "/api/inventory/periods", kind="patents", period=2020)["data"]
    assert [(r["kind"], r["year"]) for r in year] == [("patents", 2020)]
    summ = ok(client, "/api/inventory/summary", S.InventorySummary)
    assert summ["rows"] == sum(r["rows"] for r in per["data"]) == summ["synthetic_rows"]
    places = ok(client, "/api/inventory/places", S.InventoryPage, scale="city")
    assert places["total"] == 41 and "firms" in places["data"][0]
