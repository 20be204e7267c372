"""Topics on space: the modified gravity model against observed ties, and spatial autocorrelation."""

from __future__ import annotations

import pandas as pd

from chainatlas import geo
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import KINDS
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import disclosed, need_scale, ties, zh_names
from chainatlas.pipeline.analyze.tables import file_sha256, read_distance
from chainatlas.storage.base import Backend

__all__ = ["TOPICS"]

#: ``--distance-from`` values: the travel times of one loaded flow type
FLOW_DISTANCES = tuple(f"flows:{t}" for t in KINDS["flows"].field("flow_type").choices)


def _city_aliases() -> dict[str, str]:
    """Spellings of a prefecture in a distance matrix → its adcode: 苏州市, 苏州, 3205, 320500000000 (as ingest
    reads codes), and Shanghai's province codes 31 / 310000."""
    c = geo.places("city")
    out = {**dict(zip(c["name_zh"], c["adcode"])), **dict(zip(c["short_zh"], c["adcode"]))}
    out.update({a[:4]: a for a in c["adcode"]})
    out.update({a + "000000": a for a in c["adcode"]})
    out.update({"31": "310100", "310000": "310100"})
    return out


def _flow_times(backend: Backend, spec: str, period: int) -> tuple[pd.DataFrame, set[frozenset], dict]:
    """City × city travel times (minutes) from loaded flows of one type, for ``--distance-from flows:<type>``.

    The records of ``period`` (else of the nearest year that has times, the latest before it first), mapped to
    their city (county endpoints included; records placed only at a province are left out), both directions
    pooled: the median time per unordered city pair. Returns the matrix over the cities with a time (pairs
    without one hold a placeholder 1.0 that the caller drops), the set of timed pairs and a summary.
    """
    flow_type = spec.split(":", 1)[1] if spec.startswith("flows:") else ""
    if f"flows:{flow_type}" not in FLOW_DISTANCES:
        raise ConfigError(
            f"--distance-from: expected one of {', '.join(FLOW_DISTANCES)}, got {spec!r}",
            param="distance_from",
        )
    raw = query.table(backend, "raw_flows")
    raw = raw.filter((raw.flow_type == flow_type) & raw.travel_time_min.notnull() & (raw.travel_time_min > 0))
    r = backend.execute(raw.select("origin", "destination", "year", "travel_time_min"))
    if r.empty:
        raise ConfigError(
            f"--distance-from {spec}: no {flow_type} flows with a travel time (通行时间（分钟）) are loaded; "
            f"load a flows file with that column, or give a matrix with --distance",
            param="distance_from",
        )
    years = sorted({int(y) for y in r["year"].dropna()})
    before = [y for y in years if y <= period]
    year = max(before) if before else min(years)
    r = r[r["year"] == year]
    city = query.unit_of(backend, "city")
    real = set(geo.places("city")["adcode"])
    a, b = r["origin"].map(city), r["destination"].map(city)
    keep = (a.isin(real) & b.isin(real) & (a != b)).to_numpy()
    pairs = pd.DataFrame(
        {
            "a": [min(x, y) for x, y in zip(a[keep], b[keep], strict=True)],
            "b": [max(x, y) for x, y in zip(a[keep], b[keep], strict=True)],
            "t": r["travel_time_min"].to_numpy(dtype=float)[keep],
        }
    )
    if pairs.empty:
        raise ConfigError(
            f"--distance-from {spec}: the {flow_type} travel times of {year} join no two distinct cities",
            param="distance_from",
        )
    med = pairs.groupby(["a", "b"])["t"].median()
    ids = sorted(set(med.index.get_level_values(0)) | set(med.index.get_level_values(1)))
    m = pd.DataFrame(1.0, index=ids, columns=ids)
    for (x, y), t in med.items():
        m.loc[x, y] = m.loc[y, x] = float(t)
    summary = {
        "distance": f"{spec}: median travel time (minutes) per city pair, flows of {year}",
        "distance_year": year,
        "distance_records": int(keep.sum()),
        "distance_records_left_out": int((~keep).sum()),
        "timed_pairs": len(med),
        "timed_cities": len(ids),
    }
    return m, {frozenset(p) for p in med.index}, summary


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
    distance_from=None,
) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import gravity as gv

    need_scale(scale, ("city",), "gravity")
    if distance_file and distance_from:
        raise ConfigError(
            "give either --distance (a travel-time matrix file) or --distance-from (the travel times of loaded "
            "flows), not both",
            param="distance_from",
        )
    n = query.nodes(backend, scale=scale, period=period, chain=chain, segment=segment)
    cities = geo.places("city")[["adcode", "pop_2020"]].rename(
        columns={"adcode": "unit", "pop_2020": "population"}
    )
    places = cities.merge(n, on="unit", how="left")
    disclosed(n, ["revenue"], "gravity")
    mass = next((a for a in ("revenue", "firms") if a in places and places[a].fillna(0).sum() > 0), None)
    if mass is None:
        raise ConfigError(
            f"node attributes 'revenue' and 'firms' are both empty at scale {scale}, "
            f"period {period}, chain {chain!r}; nothing to use as G"
        )
    places = places.assign(population=places["population"].astype(float), G=places[mass].fillna(0.0))
    dist, timed = None, None
    from_flows: dict = {}
    if distance_file:  # travel times by adcode (4 or 6 digits) or Chinese name
        dist = read_distance(distance_file, list(places["unit"]), _city_aliases())
    elif distance_from:
        dist, timed, from_flows = _flow_times(backend, distance_from, period)
        places = places[places["unit"].isin(dist.index)].reset_index(drop=True)
    expected = gv.gravity(
        places, id="unit", population="population", gdp="G", exponent=exponent, distance=dist
    )
    if timed is not None:  # only the city pairs with a travel time are compared
        pair = [frozenset(p) for p in zip(expected["src"], expected["dst"], strict=True)]
        expected = expected[[p in timed for p in pair]].reset_index(drop=True)
    e = ties(backend, layer, scale, period, chain, segment)
    e = e[e["src"].isin(places["unit"]) & e["dst"].isin(places["unit"])]
    if timed is not None:
        e = e[[frozenset(p) in timed for p in zip(e["src"], e["dst"], strict=True)]]
    gap = gv.linkage_gap(e, expected, directed=False, weight=weight, top=top)
    names = zh_names(backend, scale).set_index("unit")["name_zh"]
    gap.insert(1, "src_name", gap["src"].map(names))
    gap.insert(3, "dst_name", gap["dst"].map(names))
    return gap, {
        "mass_attribute": mass,
        "population": "pop_2020 (census, geo.places('city'))",
        "distance": str(distance_file)
        if distance_file
        else from_flows.get("distance", "great-circle km between centroids"),
        "distance_sha256": file_sha256(distance_file) if distance_file else None,
        **{k: v for k, v in from_flows.items() if k != "distance"},
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
    disclosed(n, [attr], "moran")
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
                "header = adcodes (3205 or 320500) or names) instead of great-circle km",
                flag="--distance",
            ),
            Param(
                "distance_from",
                "str",
                None,
                "travel times of loaded flows of one type (median minutes per city pair) instead of "
                "great-circle km; only pairs with a time are compared",
                choices=FLOW_DISTANCES,
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
        reads=("attr:@attr",),
    ),
)
