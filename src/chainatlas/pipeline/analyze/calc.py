"""``calc`` methods: the analytics applied to a table the user brings (what researchers otherwise do by hand
in UCINET, Stata or Excel). Each adapter checks the table, calls one analytics function and returns
``(data, summary)``; its :class:`~.registry.Method` row says what it takes, with an example that runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from chainatlas.errors import ConfigError
from chainatlas.pipeline.analyze.registry import Method, Param
from chainatlas.pipeline.analyze.shared import coupling_frame, participation
from chainatlas.pipeline.analyze.tables import (
    edge_list,
    file_sha256,
    need,
    numeric,
    read_distance,
    square_io,
    wide,
)

__all__ = ["METHODS"]


def _calc_centrality(df: pd.DataFrame, path: Path, *, undirected: bool = False):
    from chainatlas.analytics import networks as nw

    e, w = edge_list(df, path)
    return nw.node_metrics(e, directed=not undirected, weight=w), {}


def _calc_leiden(df: pd.DataFrame, path: Path, *, resolution: float = 1.0, seed: int = 0):
    from chainatlas.analytics import networks as nw

    e, w = edge_list(df, path)
    g = nw.build_graph(e, directed=False, weight=w)
    com = nw.leiden(g, "weight" if w else None, resolution=resolution, seed=seed)
    data = pd.DataFrame({"node": com.membership.index, "community": com.membership.to_numpy()})
    return data, {"n_communities": com.n_communities, "modularity": com.modularity, "quality": com.quality}


def _calc_qap(
    df: pd.DataFrame,
    path: Path,
    *,
    x: str | None = None,
    y: str | None = None,
    undirected: bool = False,
    permutations: int = 999,
    seed: int = 0,
):
    from chainatlas.analytics import networks as nw

    e, w = edge_list(df, path, extra=["layer"])
    layers = sorted(map(str, e["layer"].unique()))
    for opt, name in (("x", x), ("y", y)):
        if not name:
            raise ConfigError(f"qap needs two layer names (x and y); {path} has layers {layers}", param=opt)
        if name not in layers:
            raise ConfigError(
                f"layer {name!r} is not in column 'layer' of {path}; it has {layers}", param=opt
            )
    nodes = sorted(set(map(str, e["src"])) | set(map(str, e["dst"])))
    e = e.assign(src=e["src"].astype(str), dst=e["dst"].astype(str))
    ax = nw.adjacency_matrix(e[e["layer"] == x], nodes, directed=not undirected, weight=w)
    ay = nw.adjacency_matrix(e[e["layer"] == y], nodes, directed=not undirected, weight=w)
    r = nw.qap_correlation(ax, ay, n_permutations=permutations, seed=seed)
    data = pd.DataFrame(
        [
            {
                "x": x,
                "y": y,
                "r": r.r,
                "p_greater": r.p_greater,
                "p_less": r.p_less,
                "p_two_sided": r.p_two_sided,
                "n_permutations": r.n_permutations,
                "n_nodes": len(nodes),
            }
        ]
    )
    return data, {}


def _calc_multiplex(df: pd.DataFrame, path: Path, *, undirected: bool = False):
    from chainatlas.analytics import networks as nw

    e, w = edge_list(df, path, extra=["layer"])
    e = e.assign(src=e["src"].astype(str), dst=e["dst"].astype(str), layer=e["layer"].astype(str))
    layers = list(pd.unique(e["layer"]))
    data = participation(e, not undirected, w, layers)
    overlap = nw.layer_overlap(e, not undirected, weight=w)
    return data.reset_index(), {"layers": layers, "overlap": overlap.to_dict(orient="records")}


def _calc_tiers(df: pd.DataFrame, path: Path):
    from chainatlas.analytics import diagnostics as dg

    need(df, path, ["id"], "an id column and numeric indicator columns")
    cols = [c for c in df.columns if c != "id"]
    if not cols:
        raise ConfigError(f"{path}: no indicator columns besides 'id'; expected e.g. id,pagerank,patents")
    t = dg.node_tiers(numeric(df, path, cols).set_index(df["id"].astype(str))[cols])
    return t.rename_axis("id").reset_index(), {
        "indicators": cols,
        "method": "min–max, equal weights, Fisher–Jenks",
    }


def _calc_gravity(df: pd.DataFrame, path: Path, *, exponent: float = 2.0, distance_file: str | None = None):
    from chainatlas.analytics import gravity as gv

    coords = [] if distance_file else ["lon", "lat"]
    need(
        df,
        path,
        ["id", "population", "gdp", *coords],
        f"one row per place: id,population,gdp{',lon,lat' if coords else ''}",
    )
    p = numeric(df, path, ["population", "gdp", *coords])
    p = p.assign(id=p["id"].astype(str).str.strip())
    if distance_file:
        d = read_distance(distance_file, list(p["id"]))
        p = p.assign(lon=0.0, lat=0.0)  # unused with a matrix
        return gv.gravity(p, id="id", distance=d, exponent=exponent), {
            "distance": str(distance_file),
            "distance_sha256": file_sha256(distance_file),
        }
    return gv.gravity(p, id="id", exponent=exponent), {"distance": "great-circle km"}


def _calc_leontief(df: pd.DataFrame, path: Path):
    from chainatlas.analytics import io

    Z, x, y = square_io(df, path)
    x = x if x is not None else io.calc_x(Z, y)
    A = io.calc_A(Z, x)
    L = io.calc_L(A)
    link = io.calc_linkages(Z, x)
    out = pd.concat([pd.Series(x, index=Z.index, name="x"), wide("A", A), wide("L", L), link], axis=1)
    return out.reset_index().rename(columns={"index": "sector"}), {"n_sectors": len(Z)}


def _calc_ghosh(df: pd.DataFrame, path: Path):
    from chainatlas.analytics import io

    Z, x, y = square_io(df, path)
    x = x if x is not None else io.calc_x(Z, y)
    B = io.calc_B(Z, x)
    G = io.calc_G(B)
    out = pd.concat([pd.Series(x, index=Z.index, name="x"), wide("B", B), wide("G", G)], axis=1)
    out["forward_direct"] = B.sum(axis=1)
    out["forward_total"] = G.sum(axis=1)
    return out.reset_index().rename(columns={"index": "sector"}), {"n_sectors": len(Z)}


def _calc_extraction(
    df: pd.DataFrame, path: Path, *, sectors: Sequence[str] | None = None, how: str = "complete"
):
    from chainatlas.analytics import io

    if not sectors:
        raise ConfigError("extraction needs the sectors to extract, e.g. S1", param="sectors")
    Z, x, y = square_io(df, path)
    unknown = [s for s in sectors if s not in Z.index]
    if unknown:
        raise ConfigError(f"{unknown} not among the sectors of {path}: {list(Z.index)}", param="sectors")
    if y is None:
        y = x - Z.sum(axis=1)
    r = io.calc_extraction(Z, y, list(sectors), how=how)
    data = pd.DataFrame({"x": r.x, "x_extracted": r.x_extracted})
    data["loss"] = data["x"] - data["x_extracted"]
    data.index.name = "sector"
    return data.reset_index(), {
        "sectors": list(r.sectors),
        "how": r.how,
        "loss": r.loss,
        "loss_share": r.loss_share,
        "loss_outside": r.loss_outside,
    }


def _calc_moran(
    df: pd.DataFrame,
    path: Path,
    *,
    geo_file: str | None = None,
    rook: bool = False,
    gal_file: str | None = None,
    matrix_file: str | None = None,
    k: int | None = None,
    id_field: str = "adcode",
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    one_tailed: bool = False,
    transformation: str = "r",
):
    from chainatlas.analytics import spatial as sp

    given = [
        n
        for n, v in (("geo_file", geo_file), ("gal_file", gal_file), ("matrix_file", matrix_file), ("k", k))
        if v
    ]
    if len(given) != 1:
        raise ConfigError(
            "moran needs one source of spatial weights: geo_file (GeoJSON polygons, queen or rook "
            "contiguity), gal_file (a GAL neighbour list), matrix_file (a square weights matrix) "
            f"or k (nearest neighbours, with lon,lat columns); got {', '.join(given) or 'none'}",
            param=given[1] if len(given) > 1 else "geo_file",
        )
    need(df, path, ["id", "value"], "one row per place: id,value (plus lon,lat with --k)")
    d = numeric(df, path, ["value"]).assign(id=df["id"].astype(str))
    if geo_file:
        gpath = Path(geo_file)
        try:
            fc = json.loads(gpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read {gpath} as GeoJSON ({e})", param="geo_file") from None
        feats = fc.get("features", []) if isinstance(fc, dict) else []
        if not feats or any(id_field not in (f.get("properties") or {}) for f in feats):
            raise ConfigError(
                f"{gpath}: expected a FeatureCollection whose features all have properties.{id_field}",
                param="geo_file",
            )
        for f in feats:
            f["properties"][id_field] = str(f["properties"][id_field])
        w = sp.contiguity_weights(fc, id_field=id_field, rook=rook)
        weights = f"{'rook' if rook else 'queen'} contiguity from {gpath.name}"
    elif gal_file:
        w = sp.gal_weights(gal_file)
        weights = f"GAL neighbour list {Path(gal_file).name} (sha256 {file_sha256(gal_file)[:12]})"
    elif matrix_file:
        w = sp.matrix_weights(read_distance(matrix_file, param="matrix_file"))
        weights = f"weights matrix {Path(matrix_file).name} (sha256 {file_sha256(matrix_file)[:12]})"
    else:
        need(df, path, ["lon", "lat"], "lon,lat columns for --k nearest-neighbour weights")
        d = numeric(d, path, ["lon", "lat"])
        w = sp.knn_weights(d, k=k, id="id")
        weights = f"{k} nearest neighbours (great circle)"
    y = d.drop_duplicates("id").set_index("id")["value"]
    missing = [i for i in w.id_order if i not in y.index]
    if missing:
        raise ConfigError(
            f"{path}: no value for places {missing[:5]} that are in the weights; expected one row per place"
        )
    y = y.reindex(w.id_order)
    g = sp.moran(
        y, w, permutations=permutations, seed=seed, transformation=transformation, two_tailed=not one_tailed
    )
    loc = sp.local_moran(
        y, w, permutations=max(int(permutations), 1), seed=seed, alpha=alpha, transformation=transformation
    )
    f = loc.frame.reset_index().rename(columns={"place": "id"})
    f.insert(1, "value", y.to_numpy())
    return f, {
        "I": g.I,
        "EI": g.EI,
        "z_norm": g.z_norm,
        "p_norm": g.p_norm,
        "z_rand": g.z_rand,
        "p_rand": g.p_rand,
        "p_sim": g.p_sim,
        "p_sim_two_tailed": g.p_sim_two_tailed,
        "tails": 1 if one_tailed else 2,
        "n": g.n,
        "weights": weights,
        "transformation": transformation,
        "clusters": {kk: int(v) for kk, v in loc.counts().items()},
    }


def _calc_complexity(df: pd.DataFrame, path: Path, *, threshold: float = 1.0):
    from chainatlas.analytics import complexity as cx

    label = df.columns[0]
    items = [c for c in df.columns if c != label]
    if not items:
        raise ConfigError(f"{path}: expected place ids in the first column and one column per product")
    num = numeric(df, path, items)
    values = pd.DataFrame(
        num[items].to_numpy(), index=pd.Index(num[label].astype(str), name=label), columns=items
    )
    res = cx.complexity(values, threshold=threshold)
    data = pd.DataFrame({"eci": res.eci, "diversity": res.diversity}).join(cx.rca(values).add_prefix("rca_"))
    data.index.name = label
    return data.reset_index(), {
        "pci": res.pci.to_dict(),
        "ubiquity": res.ubiquity.to_dict(),
        "eigenvalue": res.eigenvalue,
    }


def _calc_coupling(
    df: pd.DataFrame,
    path: Path,
    *,
    innovation: Sequence[str] | None = None,
    industry: Sequence[str] | None = None,
):
    if not innovation or not industry:
        raise ConfigError(
            "name the indicator columns of each subsystem, e.g. innovation=patents,papers "
            "and industry=revenue,firms",
            param="innovation" if not innovation else "industry",
        )
    need(df, path, [*innovation, *industry], "one row per unit with the indicator columns given")
    label = df.columns[0]
    num = numeric(df, path, [*innovation, *industry])
    table = num.set_index(num[label].astype(str))
    data, summary = coupling_frame(table, list(innovation), list(industry))
    data.index.name = label
    return data.reset_index(), summary


_UNDIRECTED = Param("undirected", "bool", False, "ties are undirected (co-patents, co-authorship)")
_SEED = Param("seed", "int", 0, "seed of the random permutations / partitions", ge=0)
_PERMUTATIONS = Param("permutations", "int", 999, "permutations of the test", ge=9, le=99_999)
_MULTIPLEX_INPUT = "a multiplex edge list src,dst,layer[,weight], one row per tie of one layer"
_MULTIPLEX_EXAMPLE = (
    "src,dst,layer,weight\na,b,innovation,3\nb,c,innovation,1\na,b,industry,2\nc,a,industry,4\n"
)
_IO_INPUT = (
    "a square transactions table Z (row i sells to column j), sector names in the first column, with "
    "gross output x or final demand y (x = Z·1 + y)"
)
_MB_2_3 = "sector,S1,S2,x\nS1,150,500,1000\nS2,200,100,2000\n"
_MILLER_BLAIR = "Miller & Blair (2009), Input-Output Analysis, 2nd ed., section 2.3 and Table 2.3"

METHODS: tuple[Method, ...] = (
    Method(
        "centrality",
        "节点中心性",
        "Node metrics of a graph",
        _calc_centrality,
        (_UNDIRECTED,),
        input="an edge list src,dst[,weight], one row per tie (weight 1 per row when absent)",
        output="one row per node: degree, strength, betweenness, closeness, eigenvector, PageRank, clustering, "
        "Burt's constraint and effective size, core–periphery",
        example_input="src,dst,weight\n上海,苏州,3\n上海,杭州,2\n苏州,杭州,1\n",
        reference="Freeman (1979); Brin & Page (1998); Burt (1992); Borgatti & Everett (1999)",
    ),
    Method(
        "leiden",
        "Leiden 社区",
        "Leiden communities",
        _calc_leiden,
        (Param("resolution", "float", 1.0, "Leiden resolution γ", ge=0.0, le=100.0), _SEED),
        input="an edge list src,dst[,weight] (ties taken as undirected)",
        output="node, community (0 = the community with the largest strength); modularity in the summary",
        example_input="src,dst,weight\na,b,5\nb,c,4\nc,a,3\nd,e,5\ne,f,4\nf,d,3\nc,d,1\n",
        example_args=("--resolution", "1.0", "--seed", "0"),
        reference="Traag, Waltman & van Eck (2019), Scientific Reports 9:5233",
    ),
    Method(
        "qap",
        "QAP 相关",
        "QAP correlation between two layers",
        _calc_qap,
        (
            Param("x", "str", None, "first layer name (column 'layer')"),
            Param("y", "str", None, "second layer name"),
            _UNDIRECTED,
            _PERMUTATIONS,
            _SEED,
        ),
        input=_MULTIPLEX_INPUT,
        output="one row: x, y, r, p_greater, p_less, p_two_sided, n_permutations, n_nodes",
        example_input=_MULTIPLEX_EXAMPLE,
        example_args=("--x", "innovation", "--y", "industry"),
        reference="Krackhardt (1988), Social Networks 10:359–381",
    ),
    Method(
        "multiplex",
        "多层网络参与",
        "Multiplex participation and layer overlap",
        _calc_multiplex,
        (_UNDIRECTED,),
        input=_MULTIPLEX_INPUT,
        output="one row per node: overlapping_degree, degree_<layer>, participation, strength_<layer>, "
        "participation_strength; the layer overlap (Jaccard, weight correlation) in the summary",
        example_input=_MULTIPLEX_EXAMPLE,
        reference="Battiston, Nicosia & Latora (2014), Phys. Rev. E 89:032804",
    ),
    Method(
        "gravity",
        "修正引力模型",
        "Modified gravity linkage",
        _calc_gravity,
        (
            Param("exponent", "float", 2.0, "distance decay β", ge=0.0, le=10.0),
            Param(
                "distance_file",
                "file",
                None,
                "square travel-time (or distance) matrix whose first column "
                "and header are the ids, used instead of great-circle km",
                flag="--distance",
            ),
        ),
        input="one row per place: id,population,gdp,lon,lat (lon, lat not needed with --distance)",
        output="one row per ordered pair: src, dst, k, mass_src, mass_dst, distance, gravity, share_src "
        "(R_ij = k_ij √(P_i G_i) √(P_j G_j) / D_ij^β, k_ij = G_i / (G_i + G_j))",
        example_input="id,population,gdp,lon,lat\n上海,2487,4.47,121.47,31.23\n苏州,1275,2.27,120.59,31.30\n"
        "杭州,1194,1.81,120.16,30.27\n",
        example_args=("--exponent", "2"),
        reference="Zipf (1946); 王淑佳等 (2021) modified gravity",
    ),
    Method(
        "leontief",
        "投入产出（Leontief）",
        "Leontief model",
        _calc_leontief,
        (),
        input=_IO_INPUT,
        output="one row per sector: x, A[j], L[j] for every sector j, linkages (backward_total = "
        "output multiplier, backward_index, forward_index, key_sector ...)",
        example_input=_MB_2_3,
        reference=_MILLER_BLAIR,
    ),
    Method(
        "ghosh",
        "供给侧模型（Ghosh）",
        "Ghosh (supply-side) model",
        _calc_ghosh,
        (),
        input=_IO_INPUT,
        output="one row per sector: x, B[j], G[j], forward_direct, forward_total",
        example_input=_MB_2_3,
        reference=_MILLER_BLAIR + ", section 12.1",
    ),
    Method(
        "extraction",
        "假设抽取法",
        "Hypothetical extraction",
        _calc_extraction,
        (
            Param("sectors", "list", None, "comma-separated sectors to extract"),
            Param(
                "how",
                "str",
                "complete",
                "what is extracted",
                choices=("complete", "backward", "forward", "links"),
            ),
        ),
        input=_IO_INPUT + "; y = x − Z·1 when only x is given",
        output="one row per sector: x, x_extracted, loss; total loss and loss share in the summary",
        example_input="sector,S1,S2,y\nS1,150,500,350\nS2,200,100,1700\n",
        example_args=("--sectors", "S1"),
        reference="Dietzenbacher, van der Linden & Steenge (1993); " + _MILLER_BLAIR + ", section 12.2",
    ),
    Method(
        "moran",
        "空间自相关",
        "Global and local Moran's I",
        _calc_moran,
        (
            Param(
                "geo_file",
                "file",
                None,
                "GeoJSON polygons: contiguity weights (queen unless --rook)",
                flag="--geo",
            ),
            Param("rook", "bool", False, "with --geo: rook contiguity (shared edges) instead of queen"),
            Param("gal_file", "file", None, "weights from a GAL neighbour list (GeoDa, PySAL)", flag="--gal"),
            Param(
                "matrix_file",
                "file",
                None,
                "weights from a square matrix table: ids in the first column and "
                "the header, w_ij in the cells (blank diagonal allowed)",
                flag="--matrix",
            ),
            Param("k", "int", None, "k nearest neighbours from lon,lat instead of polygons", ge=1, le=100),
            Param("id_field", "str", "adcode", "feature property holding the id (with --geo)"),
            Param(
                "transformation",
                "str",
                "r",
                "weights transformation: r row-standardised, b binary, d doubly "
                "standardised, v variance-stabilising, o as given",
                choices=("r", "b", "d", "v", "o"),
            ),
            Param("one_tailed", "bool", False, "one-tailed analytical p-values (default two-tailed)"),
            _PERMUTATIONS,
            _SEED,
            Param("alpha", "float", 0.05, "significance level of the local clusters", ge=0.0, le=1.0),
        ),
        input="one row per place: id,value (plus lon,lat with --k); weights from --geo, --gal, --matrix or --k",
        output="one row per place: id, value, Is, quadrant, p_sim, z_sim, cluster; global I with p_norm, "
        "p_rand, p_sim (one-tailed, esda's convention) and p_sim_two_tailed in the summary",
        example_input="id,value,lon,lat\na,1.0,120.0,30.0\nb,2.0,120.5,30.1\nc,8.0,121.0,30.2\n"
        "d,9.0,121.5,30.3\ne,3.0,120.2,30.9\n",
        example_args=("--k", "2", "--permutations", "99"),
        reference="Moran (1950); Anselin (1995), Geographical Analysis 27:93–115 (PySAL esda)",
    ),
    Method(
        "complexity",
        "经济复杂度",
        "Economic complexity: RCA, ECI, PCI",
        _calc_complexity,
        (Param("threshold", "float", 1.0, "M = 1 when RCA ≥ threshold", ge=0.0),),
        input="a place × product matrix of non-negative activity (exports, firms, revenue), place ids in the "
        "first column",
        output="one row per place: eci, diversity, rca_<product>; PCI and ubiquity in the summary",
        example_input="place,chips,cars,drugs\na,10,0,5\nb,0,8,1\nc,3,3,3\n",
        reference="Hidalgo & Hausmann (2009), PNAS 106:10570",
    ),
    Method(
        "coupling",
        "创新—产业耦合协调",
        "Coupling coordination of innovation and industry",
        _calc_coupling,
        (
            Param("innovation", "list", None, "comma-separated innovation indicator columns"),
            Param("industry", "list", None, "comma-separated industry indicator columns"),
        ),
        input="one row per unit (first column: id), indicator columns of both subsystems (benefit indicators)",
        output="one row per unit: innovation, industry (entropy-weight indices), C, T, D, grade, C_wang2021, "
        "D_wang2021, ...",
        example_input="city,patents,papers,revenue,firms\n上海,900,500,4000,300\n苏州,400,100,3500,280\n"
        "宣城,20,5,300,40\n",
        example_args=("--innovation", "patents,papers", "--industry", "revenue,firms"),
        reference="廖重斌 (1999); 王淑佳、孔伟、任亮、治丹丹、戴彬 (2021), 经济地理 41(9)",
    ),
    Method(
        "tiers",
        "节点层级",
        "Core / key / auxiliary tiers",
        _calc_tiers,
        (),
        input="one row per place: an id column and numeric indicators where more is more central",
        output="one row per place: the min–max scaled indicators, score (equal weights), tier (Fisher–Jenks "
        "into three classes), tier_zh, rank",
        example_input="id,pagerank,betweenness,patents\n上海,0.21,0.35,1500\n杭州,0.12,0.20,820\n"
        "苏州,0.10,0.12,640\n嘉兴,0.04,0.02,90\n宣城,0.02,0.00,15\n",
        reference="潘秋晨 (2023) 三(一); Jenks (1977)",
    ),
)
