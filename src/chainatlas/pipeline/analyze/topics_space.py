"""Topics on space: the modified gravity model against observed ties, and spatial autocorrelation."""

from __future__ import annotations

import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import need_scale, ties, zh_names
from chainatlas.pipeline.analyze.tables import file_sha256, read_distance
from chainatlas.storage.base import Backend

__all__ = ["TOPICS"]


def gravity(
    backend: Backend,
    *,
    layer,
    scale,
    period,
    chain,
    segment,
    weight="n",
    top=20,
    exponent=2.0,
    distance_file=None,
) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import gravity as gv

    need_scale(scale, ("city",), "gravity")
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    cities = geo.places("city")[["adcode", "pop_2020"]].rename(
        columns={"adcode": "unit", "pop_2020": "population"}
    )
    places = cities.merge(n, on="unit", how="left")
    mass = next((a for a in ("revenue", "firms") if a in places and places[a].fillna(0).sum() > 0), None)
    if mass is None:
        raise ConfigError(
            f"node attributes 'revenue' and 'firms' are both empty at scale {scale}, "
            f"period {period}, chain {chain!r}; nothing to use as G"
        )
    places = places.assign(population=places["population"].astype(float), G=places[mass].fillna(0.0))
    dist = None
    if distance_file:  # travel times by adcode or Chinese name
        c = geo.places("city")
        aliases = {**dict(zip(c["name_zh"], c["adcode"])), **dict(zip(c["short_zh"], c["adcode"]))}
        dist = read_distance(distance_file, list(places["unit"]), aliases)
    expected = gv.gravity(
        places, id="unit", population="population", gdp="G", exponent=exponent, distance=dist
    )
    e = ties(backend, layer, scale, period, chain, segment)
    e = e[e["src"].isin(cities["unit"]) & e["dst"].isin(cities["unit"])]
    gap = gv.linkage_gap(e, expected, directed=False, weight=weight, top=top)
    names = zh_names(backend, scale).set_index("unit")["name_zh"]
    gap.insert(1, "src_name", gap["src"].map(names))
    gap.insert(3, "dst_name", gap["dst"].map(names))
    return gap, {
        "mass_attribute": mass,
        "population": "pop_2020 (census, geo.places('city'))",
        "distance": str(distance_file) if distance_file else "great-circle km between centroids",
        "distance_sha256": file_sha256(distance_file) if distance_file else None,
        "observed_total": float(e[weight].sum()),
        "n_places": len(places),
    }


def moran(
    backend: Backend, *, scale, period, chain, segment, attr="patents", permutations=999, seed=0, alpha=0.05
) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import spatial as sp

    need_scale(scale, ("city", "county"), "moran")
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    attrs = [c for c in n.columns if c not in ("unit", "name_zh", "name_en", "lon", "lat")]
    if attr not in attrs:
        raise ConfigError(
            f"node attribute {attr!r} not found at scale {scale}, period {period}, "
            f"chain {chain!r}; available: {', '.join(sorted(attrs)) or 'none'}",
            param="attr",
        )
    w = sp.contiguity_weights(geo.boundaries(scale))
    full = n.set_index("unit")[attr]
    outside = full[~full.index.isin(w.id_order) & (full != 0)]  # records placed only above this level
    y = full.reindex(w.id_order).fillna(0.0).astype(float)
    g = sp.moran(y, w, permutations=permutations, seed=seed)
    loc = sp.local_moran(y, w, permutations=max(int(permutations), 1), seed=seed, alpha=alpha)
    f = loc.frame.reset_index().rename(columns={"place": "unit"})
    f.insert(1, "value", y.to_numpy())
    out = zh_names(backend, scale).merge(f, on="unit", how="right")
    summary = {
        "attr": attr,
        "I": g.I,
        "EI": g.EI,
        "z_norm": g.z_norm,
        "p_norm": g.p_norm,
        "p_sim": g.p_sim,
        "n": g.n,
        "weights": "queen contiguity of geo.boundaries, islands joined to nearest",
        "clusters": {k: int(v) for k, v in loc.counts().items()},
        "left_out_units": sorted(map(str, outside.index)),
        "left_out_total": float(outside.sum()),
    }
    return out, summary


TOPICS: tuple[Topic, ...] = (
    Topic(
        "gravity",
        "引力模型：联系潜力",
        "Gravity model: untapped linkage",
        gravity,
        layer="required",
        scales=("city",),
        params=(
            Param("weight", "str", "n", "tie weight: records (n) or amounts (value)", choices=("n", "value")),
            Param("top", "int", 20, "untapped pairs listed", ge=1, le=1000),
            Param("exponent", "float", 2.0, "distance decay β", ge=0.0, le=10.0),
            Param(
                "distance_file",
                "file",
                None,
                "square travel-time matrix (CSV/XLSX; first column and "
                "header = adcodes or names) instead of great-circle km",
                flag="--distance",
            ),
        ),
        help="observed layer ties against the modified gravity model (P = pop_2020, G = revenue, else firms): "
        "the city pairs with the most untapped linkage",
        example=("--layer", "innovation", "--top", "10"),
    ),
    Topic(
        "moran",
        "空间自相关（Moran's I）",
        "Spatial autocorrelation (Moran's I)",
        moran,
        scales=("city", "county"),
        params=(
            Param("attr", "str", "patents", "node attribute (indicator id)"),
            Param("permutations", "int", 999, "permutations of the test", ge=9, le=9999),
            Param("seed", "int", 0, "seed of the permutations", ge=0),
            Param("alpha", "float", 0.05, "significance level of the local clusters", ge=0.0, le=1.0),
        ),
        help="global and local Moran's I (PySAL esda) of an indicator over city or county polygons "
        "(queen contiguity)",
        example=("--attr", "patents", "--permutations", "99"),
    ),
)
