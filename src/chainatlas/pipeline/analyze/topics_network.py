"""Topics on the structure of the layers: node metrics, communities, multiplex participation, QAP between
layers, and the most central firms, universities and institutes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError, NotBuiltError
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.pipeline.analyze.shared import (
    layers_long,
    need_scale,
    participation,
    province_of,
    ties,
    zh_names,
)
from chainatlas.storage.base import Backend

__all__ = ["TOPICS"]


def network(
    backend: Backend, *, layer, scale, period, chain, segment, undirected=False, weight="n"
) -> tuple[pd.DataFrame, dict]:
    """Node metrics of one layer's place graph (:func:`chainatlas.analytics.networks.node_metrics`) with a
    Leiden community per unit (seed 0, on the undirected ties; 0 = the strongest community). Self-loops
    (ties inside a unit) are left out. The map's network view is this topic with ``undirected=True``."""
    from chainatlas.analytics import networks as nw

    e = ties(backend, layer, scale, period, chain, segment)
    e = e[e[weight] > 0]
    g = nw.build_graph(e, directed=not undirected, weight=weight)
    m = nw.node_metrics(g).rename(columns={"node": "unit"})
    parts = nw.leiden(nw.build_graph(e, directed=False, weight=weight), "weight", seed=0)
    m["community"] = m["unit"].map(parts.membership).astype("Int64")
    out = query.names(backend, scale).merge(m, on="unit", how="right")
    summary = dataclasses.asdict(nw.graph_summary(g))
    summary.update(
        directed=not undirected,
        weight=weight,
        n_core=int(m["core"].fillna(False).sum()),
        core_units=sorted(m.loc[m["core"].fillna(False).astype(bool), "unit"]),
        pagerank_sum=float(m["pagerank"].sum()),
        communities=parts.n_communities,
        modularity=float(parts.modularity),
    )
    return out.sort_values(["pagerank", "unit"], ascending=[False, True], ignore_index=True), summary


def communities(
    backend: Backend, *, layer, scale, period, chain, segment, weight="n", resolution=1.0, seed=0
) -> tuple[pd.DataFrame, dict]:
    from chainatlas.analytics import networks as nw

    need_scale(scale, ("city", "county"), "communities")
    e = ties(backend, layer, scale, period, chain, segment)
    g = nw.build_graph(e, directed=False, weight=weight)
    com = nw.leiden(g, "weight", resolution=resolution, seed=seed)
    memb = com.membership
    prov = province_of(list(memb.index)).reindex(memb.index)
    cmp_ = nw.compare_partitions(memb, prov)
    summary = {
        "n_communities": com.n_communities,
        "modularity": com.modularity,
        "quality": com.quality,
        "nmi_vs_province": cmp_.nmi,
        "ari_vs_province": cmp_.ari,
        "crossing_share_province": nw.crossing_share(e, prov.to_dict(), weight=weight),
        "crossing_share_community": nw.crossing_share(e, memb.to_dict(), weight=weight),
        "implementation": com.implementation,
    }
    data = pd.DataFrame(
        {"unit": memb.index.astype(str), "community": memb.to_numpy(), "province": prov.to_numpy()}
    )
    out = zh_names(backend, scale).merge(data, on="unit", how="right")
    return out.sort_values(["community", "unit"], ignore_index=True), summary


def multiplex(
    backend: Backend, *, scale, period, chain, segment, weight="n", undirected=False
) -> tuple[pd.DataFrame, dict]:
    """Per unit: degree in each layer, overlapping degree and participation; layer overlap in the summary."""
    directed = not undirected
    from chainatlas.analytics import networks as nw

    e = layers_long(backend, scale, period, chain, segment)
    data = participation(e, directed, weight, list(LAYERS))
    data.index.name = "unit"
    out = zh_names(backend, scale).merge(data.reset_index(), on="unit", how="right")
    overlap = nw.layer_overlap(e, directed, weight=weight)
    per_layer = {
        lay: dataclasses.asdict(nw.graph_summary(e[e["layer"] == lay], directed, weight=weight))
        for lay in LAYERS
        if (e["layer"] == lay).any()
    }
    summary = {
        "layers": list(LAYERS),
        "overlap": overlap.to_dict(orient="records"),
        "per_layer": per_layer,
        "mean_participation": float(out["participation"].mean()),
        "participation": "Battiston, Nicosia & Latora (2014); degree-based (participation) and "
        "strength-based (participation_strength)",
    }
    return out.sort_values("participation", ascending=False, ignore_index=True), summary


def qap(
    backend: Backend,
    *,
    layer,
    scale,
    period,
    chain,
    segment,
    other=None,
    weight="n",
    undirected=False,
    permutations=999,
    seed=0,
) -> tuple[pd.DataFrame, dict]:
    """QAP correlation, tie overlap and weight correlation between layers (one pair, or every pair)."""
    directed = not undirected
    from itertools import combinations

    from chainatlas.analytics import networks as nw

    if other is not None:
        query.check_filters(layer=other)
        if layer is None:
            raise ConfigError(
                "qap with other needs layer too, e.g. layer=innovation, other=industry", param="layer"
            )
    e = layers_long(backend, scale, period, chain, segment)
    units = sorted(set(e["src"]) | set(e["dst"]))
    mats = {
        lay: nw.adjacency_matrix(e[e["layer"] == lay], units, directed=directed, weight=weight)
        for lay in LAYERS
    }
    empty = [lay for lay in LAYERS if not (mats[lay].to_numpy() > 0).any()]
    if other:
        pairs = [(layer, other)]
        for lay in pairs[0]:
            if lay in empty:
                raise ConfigError(
                    f"layer {lay!r} has no ties between distinct units at scale "
                    f"{scale}, period {period}, chain {chain!r}, segment {segment!r}"
                )
    else:
        pairs = [p for p in combinations(LAYERS, 2) if layer is None or layer in p]
    skipped = [p for p in pairs if p[0] in empty or p[1] in empty]
    pairs = [p for p in pairs if p not in skipped]
    if not pairs:
        raise ConfigError(
            f"qap: fewer than two layers have ties at scale {scale}, period {period}, chain "
            f"{chain!r}, segment {segment!r} (empty: {', '.join(empty)})"
        )
    overlap = nw.layer_overlap(e, directed, weight=weight).set_index(["layer_a", "layer_b"])

    def n_ties(m: pd.DataFrame) -> int:
        a = m.to_numpy() > 0
        return int(a.sum() if directed else np.triu(a, 1).sum())

    rows = []
    for a, b in pairs:
        q = nw.qap_correlation(mats[a], mats[b], n_permutations=int(permutations), seed=int(seed))
        ov = (
            overlap.loc[(a, b)]
            if (a, b) in overlap.index
            else (overlap.loc[(b, a)] if (b, a) in overlap.index else None)
        )
        rows.append(
            {
                "layer_a": a,
                "layer_b": b,
                "qap_r": q.r,
                "p_greater": q.p_greater,
                "p_less": q.p_less,
                "p_two_sided": q.p_two_sided,
                "jaccard": float(ov["jaccard"]) if ov is not None else np.nan,
                "weight_corr": float(ov["weight_corr"]) if ov is not None else np.nan,
                "ties_a": n_ties(mats[a]),
                "ties_b": n_ties(mats[b]),
            }
        )
    data = pd.DataFrame(rows).sort_values("qap_r", ascending=False, ignore_index=True)
    return data, {
        "n_units": len(units),
        "permutations": int(permutations),
        "seed": int(seed),
        "skipped_pairs": [f"{a}–{b}" for a, b in skipped],
        "empty_layers": empty,
        "method": "QAP (Krackhardt 1988): Pearson r of off-diagonal cells, node relabelling test",
    }


def actors(
    backend: Backend, *, layer, scale, period, chain, segment, weight="n", undirected=False, top=100
) -> tuple[pd.DataFrame, dict]:
    """The most central firms, universities and institutes of one layer: PageRank on the entity-level graph."""
    directed = not undirected
    from chainatlas.analytics import networks as nw

    if not backend.has_table("facts"):
        raise NotBuiltError("the atlas has no built layers yet; run `chainatlas build` first")
    f = query.table(backend, "facts")
    # entity-level facts only: place-level records (flows, enclaves, tax sharing) carry adcodes as their ends
    f = f.filter(
        (f.layer == layer)
        & (f.year == int(period))
        & f.src.notnull()
        & f.dst.notnull()
        & (f.src != f.dst)
        & (f.src != f.src_adcode.fill_null(""))
        & (f.dst != f.dst_adcode.fill_null(""))
    )
    if chain != ALL:
        query.chain_segments(backend, chain)
        k = query.table(backend, "seg_lookup")
        k = (
            k.filter(k.chain == chain)
            if segment == ALL
            else k.filter((k.chain == chain) & (k.segment == segment))
        )
        k = k.select("ck_type", "ck").distinct()
        f = f.semi_join(k, (f.ck_type == k.ck_type) & (f.ck == k.ck))
    g = f.group_by(["src", "dst"]).aggregate(n=f.n.sum(), value=f.value.sum())
    e = backend.execute(g)
    e = e[e[weight] > 0]
    if e.empty:
        raise ConfigError(
            f"no {layer} ties between entities in {period} for chain {chain!r}, segment {segment!r}"
        )
    pr = nw.pagerank(e, weight, directed=directed).rename("pagerank")
    out_s = e.groupby("src")[weight].sum().rename("strength_out")
    in_s = e.groupby("dst")[weight].sum().rename("strength_in")
    deg = pd.concat([e["src"], e["dst"]]).value_counts().rename("ties")
    m = pd.concat([pr, out_s, in_s, deg], axis=1).fillna(0.0)
    m.index.name = "entity_id"
    m = (
        m.reset_index()
        .sort_values(["pagerank", "ties", "entity_id"], ascending=[False, False, True], kind="stable")
        .head(int(top))
        .reset_index(drop=True)
    )
    m.insert(0, "rank", np.arange(1, len(m) + 1))
    ent = query.table(backend, "entities")
    info = backend.execute(
        ent.filter(ent.entity_id.isin(list(m["entity_id"]))).select(
            "entity_id", "name", "entity_type", "adcode"
        )
    )
    m = m.merge(info, on="entity_id", how="left")
    m["in_register"] = m["entity_id"].isin(info["entity_id"])
    unnamed = m["name"].isna() & m["entity_id"].str.startswith("N:")
    m.loc[unnamed, "name"] = m.loc[unnamed, "entity_id"].str.removeprefix("N:")  # matched by name only
    city = query.unit_of(backend, "city")
    m["city"] = m["adcode"].map(city)
    m["city_name"] = m["city"].map(zh_names(backend, "city").set_index("unit")["name_zh"])
    cols = [
        "rank",
        "entity_id",
        "name",
        "entity_type",
        "in_register",
        "city",
        "city_name",
        "pagerank",
        "ties",
        "strength_out",
        "strength_in",
    ]
    nodes = int(pd.concat([e["src"], e["dst"]]).nunique())
    return m[cols], {
        "n_entities": nodes,
        "n_ties": len(e),
        "weight": weight,
        "directed": directed,
        "pagerank": "damping 0.85, L1 error ≤ 1e-10 (analytics.networks.pagerank on the edge table)",
        "not_in_register": int((~m["in_register"]).sum()),
        "note": "entities are the firms, universities and institutes of the edge records; those whose credit code "
        "is not in the entity register (in_register false) have no name or type"
        + ("; the names are synthetic" if query.dataset_info(backend)["contains_synthetic"] else ""),
    }


WEIGHT = Param(
    "weight",
    "str",
    "n",
    "tie weight: number of records (n) or summed amounts (value)",
    choices=("n", "value"),
)
UNDIRECTED = Param(
    "undirected",
    "bool",
    False,
    "treat ties as undirected (both directions summed): for co-patents, co-authorship",
)
SEED = Param("seed", "int", 0, "seed of anything random", ge=0)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "network",
        "网络结构：节点中心性与整网指标",
        "Network structure: node metrics and whole-graph statistics",
        network,
        layer="required",
        params=(UNDIRECTED, WEIGHT),
        help="node metrics (degree, strength, betweenness, closeness, eigenvector, PageRank, clustering, "
        "Burt's constraint and effective size, core–periphery) of one layer's graph, a Leiden community "
        "per unit, and whole-graph statistics (density, Freeman centralisation, reciprocity, transitivity). "
        "Ties are directed as recorded (supplier → customer, transferor → transferee, origin → destination; a "
        "flow marked symmetric counts half each way); co-patents and co-authorship carry no direction, so add "
        "--undirected for them",
        example=("--layer", "innovation", "--scale", "city", "--undirected"),
    ),
    Topic(
        "communities",
        "社区与行政边界",
        "Communities against provincial borders",
        communities,
        layer="required",
        scales=("city", "county"),
        params=(WEIGHT, Param("resolution", "float", 1.0, "Leiden resolution γ", ge=0.01, le=100.0), SEED),
        help="Leiden communities (fixed seed) against the provinces: NMI, ARI and the share of tie weight "
        "crossing a border (“行政区让位于功能区”)",
        example=("--layer", "innovation"),
    ),
    Topic(
        "multiplex",
        "六网叠加：多层参与与层间重叠",
        "Multiplex: participation and layer overlap",
        multiplex,
        params=(WEIGHT, UNDIRECTED),
        help="per unit: degree and strength in each of the six layers and the multiplex participation "
        "coefficient (Battiston et al. 2014); layer overlap (Jaccard, weight correlation) in the summary",
        reads=("*",),
    ),
    Topic(
        "qap",
        "层间 QAP 相关",
        "QAP correlation between layers",
        qap,
        layer="optional",
        params=(
            Param(
                "other", "layer", None, "the second layer (default: every pair with --layer, or all pairs)"
            ),
            WEIGHT,
            UNDIRECTED,
            Param("permutations", "int", 999, "permutations of the QAP test", ge=9, le=9999),
            SEED,
        ),
        help="QAP correlation (Krackhardt 1988, permutation p-values) of every pair of layers, the pairs of "
        "--layer, or --layer with --other; layers without ties are skipped (listed in the summary)",
        reads=("*",),
    ),
    Topic(
        "actors",
        "核心主体：企业、高校、院所的网络中心性",
        "Central actors: PageRank of firms, universities, institutes",
        actors,
        layer="required",
        params=(WEIGHT, UNDIRECTED, Param("top", "int", 100, "entities listed", ge=1, le=10_000)),
        help="the most central firms, universities and institutes of one layer (PageRank on the entity-level "
        "graph, strengths, ties), optionally within one chain / segment",
        example=("--layer", "innovation", "--top", "20"),
    ),
)
