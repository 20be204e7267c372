"""Export places, node attributes and layer edges for Excel, GIS and Gephi.

- CSV: UTF-8 with BOM so that Excel opens Chinese text correctly; text that a spreadsheet would run as a
  formula gets a leading ``'`` (:mod:`chainatlas.ingest.excel`; the atlas keeps the value as stored).
- GeoJSON: places as polygons (counties, cities, provinces) or points (areas, region); edges as
  LineStrings between the units' label points, with weights in the properties.
- GEXF / GraphML (via NetworkX): a directed graph with node names and coordinates, for Gephi.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd

from chainatlas import geo
from chainatlas.errors import ExportError, NotBuiltError
from chainatlas.ingest.excel import safe_frame
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = ["FORMATS", "WHATS", "export"]

FORMATS = ("csv", "geojson", "gexf", "graphml")
WHATS = ("places", "nodes", "edges")
_POLYGON_SCALES = {"county": "county", "city": "city", "province": "province"}


def _synthetic_note(backend: Backend) -> dict:
    info = query.dataset_info(backend)
    return {
        "synthetic": info["contains_synthetic"],
        "note": "含合成（虚构）数据 / contains synthetic data" if info["contains_synthetic"] else "",
    }


def export(
    backend: Backend,
    what: str,
    out: Path,
    *,
    fmt: str | None = None,
    layer: str | None = None,
    scale: str = "city",
    period: int | None = None,
    chain: str = ALL,
    segment: str = ALL,
) -> Path:
    """Write ``what`` (places|nodes|edges) to ``out``; the format defaults to the file's suffix."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if what not in WHATS:
        raise ExportError(f"export: unknown table {what!r}; expected one of {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise ExportError(f"--format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if what == "edges" and layer is None:
        raise ExportError("export edges: --layer is required (one of the six layers)")
    if what in ("nodes", "edges") and period is None:
        built = query.periods(backend)
        if not built:
            raise NotBuiltError("export: the atlas has no built periods yet; run `chainatlas build` first")
        period = built[-1]
    query.check_filters(layer, scale)
    units = query.units(backend, scale)
    out.parent.mkdir(parents=True, exist_ok=True)
    if what == "places":
        table = units
    elif what == "nodes":
        table = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    else:
        table = query.edges(backend, layer=layer, scale=scale, period=period, chain=chain, segment=segment)
    meta = {
        "what": what,
        "layer": layer,
        "scale": scale,
        "period": period,
        "chain": chain,
        "segment": segment,
        **_synthetic_note(backend),
    }
    if fmt == "csv":
        safe_frame(table).to_csv(out, index=False, encoding="utf-8-sig")
    elif fmt == "geojson":
        _write_geojson(what, table, units, scale, meta, out)
    else:
        g = _graph(
            table if what == "edges" else pd.DataFrame(columns=["src", "dst", "n", "value"]),
            units if what != "nodes" else table,
            meta,
        )
        (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(g, out)
    return out


def _write_geojson(
    what: str, table: pd.DataFrame, units: pd.DataFrame, scale: str, meta: dict, out: Path
) -> None:
    pts = units.set_index("unit")[["lon", "lat"]]
    feats = []
    if what == "edges":
        for r in table.itertuples(index=False):
            if r.src not in pts.index or r.dst not in pts.index:
                continue
            a, b = pts.loc[r.src], pts.loc[r.dst]
            # ties inside one unit are kept (they carry weight) as points, since a line needs two places
            geom = (
                {"type": "Point", "coordinates": [float(a.lon), float(a.lat)]}
                if r.src == r.dst
                else {
                    "type": "LineString",
                    "coordinates": [[float(a.lon), float(a.lat)], [float(b.lon), float(b.lat)]],
                }
            )
            feats.append(
                {
                    "type": "Feature",
                    "geometry": geom,
                    "properties": {
                        "src": r.src,
                        "dst": r.dst,
                        "loop": r.src == r.dst,
                        "n": float(r.n),
                        "value": float(r.value),
                    },
                }
            )
    else:
        props = table.set_index("unit")
        if scale in _POLYGON_SCALES:
            for f in geo.boundaries(_POLYGON_SCALES[scale])["features"]:
                code = f["properties"]["adcode"]
                if code in props.index:
                    row = props.loc[code]
                    f["properties"] = {"unit": code, **{k: _plain(v) for k, v in row.items()}}
                    feats.append(f)
        covered = {f["properties"]["unit"] for f in feats}
        for unit, row in props.iterrows():  # areas, region, and city-less leftovers as points
            if unit not in covered and pd.notna(row.get("lon")):
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
                        "properties": {"unit": unit, **{k: _plain(v) for k, v in row.items()}},
                    }
                )
    doc = {"type": "FeatureCollection", "features": feats, "chainatlas": meta}
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _plain(v: object) -> object:
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    if pd.isna(v):  # type: ignore[arg-type]
        return None
    return v.item() if hasattr(v, "item") else v


def _graph(edges: pd.DataFrame, nodes: pd.DataFrame, meta: dict) -> nx.DiGraph:
    g = nx.DiGraph(**{k: str(v) for k, v in meta.items() if v is not None})
    for row in nodes.to_dict("records"):
        attrs = {k: _plain(v) for k, v in row.items() if k != "unit" and _plain(v) is not None}
        g.add_node(row["unit"], label=str(row.get("name_zh", row["unit"])), **attrs)
    for r in edges.itertuples(index=False):
        g.add_edge(r.src, r.dst, weight=float(r.n), value=float(r.value))
    return g
