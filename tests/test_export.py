"""Exports read back by independent readers: pandas (CSV with BOM), shapely (GeoJSON), networkx (GEXF, GraphML)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import shape

from chainatlas.errors import ExportError, NotBuiltError
from chainatlas.pipeline import query
from chainatlas.pipeline.export import export
from chainatlas.storage.base import open_backend


def test_nodes_csv_has_bom_and_chinese_names(atlas, tmp_path: Path):
    out = export(atlas, "nodes", tmp_path / "nodes.csv", scale="city", period=2022)
    assert out.read_bytes()[:3] == b"\xef\xbb\xbf"
    df = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str})
    assert df.set_index("unit").loc["320500", "name_zh"] == "苏州市"
    api = query.nodes(atlas, scale="city", period=2022).set_index("unit")
    assert df.set_index("unit").loc["320500", "firms"] == api.loc["320500", "firms"]


def test_places_geojson_polygons_are_valid(atlas, tmp_path: Path):
    out = export(atlas, "places", tmp_path / "cities.geojson", scale="city")
    doc = json.loads(out.read_text(encoding="utf-8"))
    polys = [f for f in doc["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    assert len(polys) == 41
    assert all(shape(f["geometry"]).is_valid for f in polys)
    assert doc["chainatlas"]["synthetic"] is True


def test_edges_geojson_lines_match_edge_table(atlas, tmp_path: Path):
    out = export(atlas, "edges", tmp_path / "e.geojson", layer="industry", scale="city", period=2021)
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    edges = query.edges(atlas, layer="industry", scale="city", period=2021)
    assert len(feats) == len(edges) > 0
    lines = [shape(f["geometry"]) for f in feats if not f["properties"]["loop"]]
    assert lines and all(g.geom_type == "LineString" and g.is_valid and g.length > 0 for g in lines)
    loops = [f for f in feats if f["properties"]["loop"]]
    assert all(
        f["geometry"]["type"] == "Point" and f["properties"]["src"] == f["properties"]["dst"] for f in loops
    )
    assert sum(f["properties"]["n"] for f in feats) == pytest.approx(edges["n"].sum())


@pytest.mark.parametrize("fmt,reader", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_graph_formats_read_by_networkx(atlas, tmp_path: Path, fmt, reader):
    out = export(atlas, "edges", tmp_path / f"g.{fmt}", layer="innovation", scale="city", period=2023)
    g = reader(out)
    edges = query.edges(atlas, layer="innovation", scale="city", period=2023)
    assert g.number_of_edges() == len(edges)
    w = sum(d["weight"] for _, _, d in g.edges(data=True))
    assert w == pytest.approx(edges["n"].sum())
    assert g.nodes["310100"]["label"] == "上海市"


def test_export_errors_name_the_parameter(atlas, tmp_path: Path):
    with pytest.raises(ExportError, match="--layer is required"):
        export(atlas, "edges", tmp_path / "x.csv")
    with pytest.raises(ExportError, match="--format: unknown format 'xls'"):
        export(atlas, "nodes", tmp_path / "x.xls")


def test_export_before_a_build_is_a_state_not_a_bad_parameter(tmp_path: Path):
    with open_backend(tmp_path / "empty.duckdb") as b, pytest.raises(NotBuiltError, match="chainatlas build"):
        export(b, "nodes", tmp_path / "nodes.csv", scale="city")
