"""Industry alliances (产业联盟, issue 16): overlap between the alliances of a chain, fragmentation, clusters.

Pure functions over two tables: ``alliances`` (``alliance_id, chain`` and optionally ``alliance_name, level``
with ``level`` one of :data:`LEVELS`) and ``members`` (``alliance_id, member_name, member_adcode``: one row per
member, as in the ``alliances`` input kind; the member column may hold credit codes instead of names). When
``alliances`` is None it is read from ``members`` (which then needs the ``chain`` column).

The paper (潘秋晨 2023, 三(二) and 四(一)) finds that the four key chains (AI, IC, NEV, biomedicine) have alliances
at the level of the region, the G60 corridor, each province and city, which "lack a handle to connect each other",
and asks for 产业联盟集群 — clusters of alliances that share members and work.

Contents
--------
:func:`alliance_overlap`    Jaccard overlap of members for every pair of alliances of a chain
:func:`fragmentation`       the fragmentation index per chain and its three parts
:class:`Fragmentation`      the per-chain table and members' alliance counts
:func:`alliance_clusters`   connected components (or fast-greedy communities) of the alliance graph
:class:`AllianceClusters`   each alliance's cluster, the clusters' summary and the graph's edges
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import require_choice, require_columns, require_frame, require_positive_int
from chainatlas.analytics._places import roll
from chainatlas.errors import ConfigError

__all__ = [
    "CLUSTER_COLUMNS",
    "FRAGMENTATION_COLUMNS",
    "LEVELS",
    "OVERLAP_COLUMNS",
    "AllianceClusters",
    "Fragmentation",
    "alliance_clusters",
    "alliance_overlap",
    "fragmentation",
]

#: alliance levels, widest first
LEVELS = ("region", "corridor", "province", "city")
#: columns of :func:`alliance_overlap`
OVERLAP_COLUMNS = (
    "chain",
    "alliance_a",
    "alliance_b",
    "members_a",
    "members_b",
    "shared",
    "union",
    "jaccard",
)
#: columns of :attr:`Fragmentation.chains`
FRAGMENTATION_COLUMNS = (
    "chain",
    "alliances",
    "members",
    "shared_members",
    "shared_share",
    "mean_provinces",
    "mean_cities",
    "count_part",
    "sharing_part",
    "reach_part",
    "index",
    "levels",
)
#: columns of :attr:`AllianceClusters.clusters`
CLUSTER_COLUMNS = (
    "chain",
    "cluster",
    "alliances",
    "members",
    "shared_members",
    "provinces",
    "levels",
    "names",
)


def _tables(
    alliances: pd.DataFrame | None, members: pd.DataFrame, alliance: str, member: str, adcode: str, chain: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(alliances: alliance_id, chain, name, level; members: alliance_id, member, adcode)``, checked."""
    require_frame(members, "members")
    require_columns(members, [alliance, member], "members")
    if alliances is None:
        require_columns(members, [chain], "members")
        name_col = "alliance_name" if "alliance_name" in members.columns else None
        a = pd.DataFrame(
            {
                "alliance_id": members[alliance].to_numpy(),
                "chain": members[chain].to_numpy(),
                "name": members[name_col].to_numpy() if name_col else members[alliance].to_numpy(),
                "level": pd.NA,
            }
        )
        a = a.drop_duplicates("alliance_id")
    else:
        require_frame(alliances, "alliances")
        require_columns(alliances, [alliance, chain], "alliances")
        a = pd.DataFrame(
            {
                "alliance_id": alliances[alliance].to_numpy(),
                "chain": alliances[chain].to_numpy(),
                "name": (alliances["alliance_name"] if "alliance_name" in alliances.columns else alliances[alliance]).to_numpy(),
                "level": alliances["level"].to_numpy() if "level" in alliances.columns else pd.NA,
            }
        )  # fmt: skip
        dup = a.loc[a["alliance_id"].duplicated(), "alliance_id"].tolist()
        if dup:
            raise ConfigError(
                f"alliances: alliance ids must be unique; repeated: {dup[:5]}", param="alliances"
            )
        bad = sorted({str(v) for v in a["level"].dropna() if v not in LEVELS})
        if bad:
            raise ConfigError(
                f"alliances: unknown level(s) {bad}; expected one of {list(LEVELS)}", param="alliances"
            )
    m = pd.DataFrame(
        {
            "alliance_id": members[alliance].to_numpy(),
            "member": members[member].to_numpy(),
            "adcode": members[adcode].astype("string").str.strip().to_numpy()
            if adcode in members.columns
            else pd.NA,
        }
    )
    m = m.dropna(subset=["member"]).drop_duplicates(["alliance_id", "member"])
    unknown = sorted(set(m["alliance_id"]) - set(a["alliance_id"]), key=str)
    if unknown:
        raise ConfigError(
            f"members: alliance id(s) {unknown[:5]} are not in alliances; add them there or drop the members",
            param="members",
        )
    m = m.merge(a[["alliance_id", "chain"]], on="alliance_id")
    return a.reset_index(drop=True), m.reset_index(drop=True)


def alliance_overlap(
    members: pd.DataFrame,
    alliances: pd.DataFrame | None = None,
    *,
    alliance: str = "alliance_id",
    member: str = "member_name",
    adcode: str = "member_adcode",
    chain: str = "chain",
) -> pd.DataFrame:
    """Member overlap of every pair of alliances of the same chain.

    Parameters
    ----------
    members : DataFrame
        One row per member: ``alliance``, ``member`` (and ``chain`` when ``alliances`` is None).
    alliances : DataFrame, optional
        One row per alliance: ``alliance``, ``chain``.
    alliance, member, adcode, chain : str
        Column names.

    Returns
    -------
    DataFrame
        :data:`OVERLAP_COLUMNS`, one row per unordered pair (``alliance_a < alliance_b``) of alliances of one
        chain, pairs without shared members included; sorted by chain and ids.

    Raises
    ------
    ConfigError
        A column is missing, an alliance id repeats, or a member's alliance is not in ``alliances``.

    Notes
    -----
    With ``M_a`` the member set of alliance ``a``: ``shared = |M_a ∩ M_b|``, ``union = |M_a ∪ M_b|`` and the
    Jaccard index ``J(a, b) = shared / union`` (0 when both are empty).

    Examples
    --------
    >>> m = pd.DataFrame({"alliance_id": ["A", "A", "A", "B", "B", "C"],
    ...                   "member_name": ["m1", "m2", "m3", "m3", "m4", "m5"], "chain": "ic"})
    >>> alliance_overlap(m)[["alliance_a", "alliance_b", "shared", "union", "jaccard"]].values.tolist()
    [['A', 'B', 1, 4, 0.25], ['A', 'C', 0, 4, 0.0], ['B', 'C', 0, 3, 0.0]]

    References
    ----------
    .. [1] Jaccard, P. (1912). The distribution of the flora in the alpine zone. New Phytologist 11(2), 37–50.
    """
    a, m = _tables(alliances, members, alliance, member, adcode, chain)
    sets = m.groupby("alliance_id")["member"].agg(frozenset).to_dict()
    rows = []
    for c, ids in a.groupby("chain", sort=True)["alliance_id"]:
        for x, y in itertools.combinations(sorted(ids, key=str), 2):
            sx, sy = sets.get(x, frozenset()), sets.get(y, frozenset())
            shared, union = len(sx & sy), len(sx | sy)
            rows.append((c, x, y, len(sx), len(sy), shared, union, shared / union if union else 0.0))
    out = pd.DataFrame(rows, columns=list(OVERLAP_COLUMNS))
    return out.astype({"members_a": "int64", "members_b": "int64", "shared": "int64", "union": "int64",
                       "jaccard": float})  # fmt: skip


@dataclass(frozen=True)
class Fragmentation:
    """The fragmentation index per chain (:func:`fragmentation`).

    Attributes
    ----------
    chains : DataFrame
        :data:`FRAGMENTATION_COLUMNS`: ``alliances`` N; ``members`` (distinct) and ``shared_members`` (in two
        alliances of the chain or more); ``shared_share`` S; ``mean_provinces`` P̄ and ``mean_cities``; the
        three parts ``count_part`` = 1 − 1/N, ``sharing_part`` = 1 − S, ``reach_part`` = 1/P̄; ``index`` F =
        their product; ``levels`` (sorted tuple of the alliances' levels).
    members : DataFrame
        ``chain, member, alliances``: in how many alliances of the chain each member is.
    """

    chains: pd.DataFrame
    members: pd.DataFrame


def fragmentation(
    members: pd.DataFrame,
    alliances: pd.DataFrame | None = None,
    *,
    alliance: str = "alliance_id",
    member: str = "member_name",
    adcode: str = "member_adcode",
    chain: str = "chain",
) -> Fragmentation:
    """How fragmented each chain's alliances are: many alliances, few shared members, each within few provinces.

    Parameters
    ----------
    members : DataFrame
        One row per member: ``alliance``, ``member``, ``adcode`` (the member's place; unknown allowed) and
        ``chain`` when ``alliances`` is None.
    alliances : DataFrame, optional
        One row per alliance: ``alliance``, ``chain``, optionally ``level``.
    alliance, member, adcode, chain : str
        Column names.

    Returns
    -------
    Fragmentation

    Raises
    ------
    ConfigError
        As :func:`alliance_overlap`, or an unknown level.

    Notes
    -----
    For a chain with ``N`` alliances::

        F = (1 − 1/N) · (1 − S) · 1/P̄

    - count part ``1 − 1/N``: 0 for a single alliance (nothing to fragment), towards 1 as alliances multiply;
    - sharing part ``1 − S``, with ``S`` the share of the chain's distinct members that belong to two or more of
      its alliances: 1 when no member links two alliances, 0 when every member does;
    - reach part ``1/P̄``, with ``P̄`` the mean over alliances of the number of distinct provinces (first two
      adcode digits) their members are in: 1 when every alliance stays inside one province, 1/4 when
      alliances span the four YRD provinces on average. Alliances without a member of known place are left
      out of the mean; if none is left, P̄ and F are NaN.

    ``F`` lies in [0, 1): 0 for one alliance, or when every member is shared; high for many alliances, each
    with its own members inside one province — the paper's "各方联盟缺乏联通彼此的抓手".

    Examples
    --------
    Three IC alliances: A (a province's, Suzhou, Nanjing and Wuxi members), B (Hefei's, with Wuxi's m3 also in
    A), C (the G60 corridor's: Songjiang, Hangzhou and Hefei members):

    >>> m = pd.DataFrame({
    ...     "alliance_id": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
    ...     "member_name": ["m1", "m2", "m3", "m3", "m4", "m5", "m6", "m7", "m8"],
    ...     "member_adcode": ["320500", "320100", "320200", "320200", "340100", "340100", "310117", "330100",
    ...                       "340100"], "chain": "ic"})
    >>> f = fragmentation(m).chains
    >>> f[["alliances", "members", "shared_members", "mean_provinces"]].iloc[0].tolist()  # P̄ = (1 + 2 + 3) / 3
    [3.0, 8.0, 1.0, 2.0]
    >>> f[["count_part", "sharing_part", "reach_part", "index"]].round(6).iloc[0].tolist()  # F = 7/24
    [0.666667, 0.875, 0.5, 0.291667]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 三(二) (四大行业组建了产业联盟 … 缺乏联通彼此、
           统筹工作的抓手) and 四(一) (产业联盟集群).
    """
    a, m = _tables(alliances, members, alliance, member, adcode, chain)
    m = m.assign(province=roll(m["adcode"], "province"), city=roll(m["adcode"], "city"))
    per_member = m.groupby(["chain", "member"], sort=True)["alliance_id"].nunique().rename("alliances")
    per_alliance = m.groupby("alliance_id").agg(provinces=("province", "nunique"), cities=("city", "nunique"))
    rows = []
    for c, g in a.groupby("chain", sort=True):
        n = len(g)
        pm = per_member.loc[c] if c in per_member.index.get_level_values(0) else pd.Series(dtype="int64")
        n_members = len(pm)
        shared = int((pm >= 2).sum())
        s = shared / n_members if n_members else 0.0
        pa = per_alliance.reindex(g["alliance_id"])
        known = pa[pa["provinces"] > 0]
        p_mean = float(known["provinces"].mean()) if len(known) else math.nan
        c_mean = float(known["cities"].mean()) if len(known) else math.nan
        count_part = 1.0 - 1.0 / n
        sharing_part = 1.0 - s
        reach_part = math.nan if math.isnan(p_mean) else 1.0 / p_mean
        levels = tuple(sorted({str(v) for v in g["level"].dropna()}, key=lambda v: LEVELS.index(v)))
        rows.append(
            (c, n, n_members, shared, s, p_mean, c_mean, count_part, sharing_part, reach_part,
             count_part * sharing_part * reach_part, levels)
        )  # fmt: skip
    chains = pd.DataFrame(rows, columns=list(FRAGMENTATION_COLUMNS))
    chains = chains.astype({"alliances": "int64", "members": "int64", "shared_members": "int64"})
    return Fragmentation(chains, per_member.reset_index())


@dataclass(frozen=True)
class AllianceClusters:
    """Alliance clusters (:func:`alliance_clusters`).

    Attributes
    ----------
    assignment : DataFrame
        ``alliance_id, chain, cluster``: the cluster of every alliance (``ic-1``, ``ic-2``, ... numbered by size,
        then first id; ``all-1``, ... when clusters may cross chains).
    clusters : DataFrame
        :data:`CLUSTER_COLUMNS`: per cluster, its alliances (count), distinct members, members in two of its
        alliances or more, provinces its members are in, levels and alliance names (sorted tuples).
    edges : DataFrame
        ``alliance_a, alliance_b, shared, jaccard``: the graph, one row per pair sharing ≥ ``min_shared``
        members.
    method : str
        ``components`` or ``communities``.
    """

    assignment: pd.DataFrame
    clusters: pd.DataFrame
    edges: pd.DataFrame
    method: str


def alliance_clusters(
    members: pd.DataFrame,
    alliances: pd.DataFrame | None = None,
    *,
    min_shared: int = 1,
    method: str = "components",
    within_chain: bool = True,
    alliance: str = "alliance_id",
    member: str = "member_name",
    adcode: str = "member_adcode",
    chain: str = "chain",
) -> AllianceClusters:
    """Alliance clusters (产业联盟集群): groups of alliances linked by shared members.

    Parameters
    ----------
    members, alliances : DataFrame
        As in :func:`fragmentation`.
    min_shared : int
        Members two alliances must share to be linked (default 1).
    method : {"components", "communities"}
        ``components``: connected components of the graph (alliances reachable through shared members).
        ``communities``: igraph's fast-greedy modularity communities on the graph weighted by shared members,
        which splits a component whose parts are linked by few members; deterministic.
    within_chain : bool
        Link only alliances of the same chain (default); False lets a member in an IC and an AI alliance link
        them.
    alliance, member, adcode, chain : str
        Column names.

    Returns
    -------
    AllianceClusters

    Raises
    ------
    ConfigError
        As :func:`alliance_overlap`; ``min_shared`` < 1; unknown ``method``.

    Notes
    -----
    The graph has a node per alliance and an edge ``(a, b)`` of weight ``|M_a ∩ M_b|`` when that is at least
    ``min_shared``. An alliance without such an edge is a cluster of its own. Fast-greedy (Clauset, Newman and
    Moore 2004) merges communities greedily by modularity gain and cuts the dendrogram at the largest
    modularity; it uses no random numbers.

    Examples
    --------
    >>> m = pd.DataFrame({"alliance_id": ["A", "A", "B", "B", "C", "D"],
    ...                   "member_name": ["m1", "m2", "m2", "m3", "m3", "m9"], "chain": "ic"})
    >>> c = alliance_clusters(m)
    >>> c.assignment[["alliance_id", "cluster"]].values.tolist()  # A–B–C chained by m2 and m3; D alone
    [['A', 'ic-1'], ['B', 'ic-1'], ['C', 'ic-1'], ['D', 'ic-2']]
    >>> c.clusters[["cluster", "alliances", "members", "shared_members"]].values.tolist()
    [['ic-1', 3, 3, 2], ['ic-2', 1, 1, 0]]

    References
    ----------
    .. [1] Clauset, A., Newman, M. E. J. & Moore, C. (2004). Finding community structure in very large networks.
           Physical Review E 70, 066111.
    .. [2] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(一) (打造若干"产业联盟集群").
    """
    k = require_positive_int(min_shared, "min_shared")
    require_choice(method, ("components", "communities"), "method")
    a, m = _tables(alliances, members, alliance, member, adcode, chain)
    ids = sorted(a["alliance_id"], key=str)
    pos = {x: i for i, x in enumerate(ids)}
    chain_of = dict(zip(a["alliance_id"], a["chain"], strict=True))
    # edges from members in several alliances
    by_member: dict[object, list[object]] = {}
    keys = zip(m["chain"], m["member"], m["alliance_id"], strict=True)
    for c, mem, aid in keys:
        by_member.setdefault((c, mem) if within_chain else mem, []).append(aid)
    shared: dict[tuple[object, object], int] = {}
    for aids in by_member.values():
        for x, y in itertools.combinations(sorted(set(aids), key=str), 2):
            shared[(x, y)] = shared.get((x, y), 0) + 1
    sizes = m.groupby("alliance_id")["member"].nunique().to_dict()
    erows = [
        (x, y, n, n / (sizes[x] + sizes[y] - n)) for (x, y), n in sorted(shared.items(), key=str) if n >= k
    ]
    edges = pd.DataFrame(erows, columns=["alliance_a", "alliance_b", "shared", "jaccard"])
    edges = edges.astype({"shared": "int64", "jaccard": float})
    membership = (
        _components(len(ids), edges, pos) if method == "components" else _communities(len(ids), edges, pos)
    )
    # name clusters: per group (chain or all), by size desc then first id
    groups: dict[int, list[object]] = {}
    for x in ids:
        groups.setdefault(membership[pos[x]], []).append(x)
    scope = (lambda x: chain_of[x]) if within_chain else (lambda x: "all")
    ordered = sorted(groups.values(), key=lambda g: (scope(g[0]), -len(g), str(g[0])))
    label: dict[object, str] = {}
    counter: dict[str, int] = {}
    for g in ordered:
        sc = scope(g[0])
        counter[sc] = counter.get(sc, 0) + 1
        for x in g:
            label[x] = f"{sc}-{counter[sc]}"
    assignment = pd.DataFrame(
        {"alliance_id": ids, "chain": [chain_of[x] for x in ids], "cluster": [label[x] for x in ids]}
    )
    mm = m.assign(cluster=m["alliance_id"].map(label), province=roll(m["adcode"], "province"))
    names = dict(zip(a["alliance_id"], a["name"], strict=True))
    levels = dict(zip(a["alliance_id"], a["level"], strict=True))
    rows = []
    for g in ordered:
        cl = label[g[0]]
        sub = mm[mm["cluster"] == cl]
        counts = sub.groupby("member")["alliance_id"].nunique()
        rows.append(
            (
                scope(g[0]) if within_chain else "|".join(sorted({str(chain_of[x]) for x in g})),
                cl,
                len(g),
                int(sub["member"].nunique()),
                int((counts >= 2).sum()),
                tuple(sorted(str(p) for p in sub["province"].dropna().unique())),
                tuple(
                    sorted(
                        {str(levels[x]) for x in g if not pd.isna(levels[x])}, key=lambda v: LEVELS.index(v)
                    )
                ),
                tuple(sorted(str(names[x]) for x in g)),
            )
        )
    clusters = pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))
    clusters = clusters.astype({"alliances": "int64", "members": "int64", "shared_members": "int64"})
    return AllianceClusters(assignment, clusters, edges, method)


def _components(n: int, edges: pd.DataFrame, pos: dict[object, int]) -> np.ndarray:
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    r = np.array([pos[x] for x in edges["alliance_a"]], dtype=np.int64)
    c = np.array([pos[x] for x in edges["alliance_b"]], dtype=np.int64)
    g = coo_array((np.ones(len(r)), (r, c)), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels


def _communities(n: int, edges: pd.DataFrame, pos: dict[object, int]) -> np.ndarray:
    import igraph as ig

    pairs = [(pos[x], pos[y]) for x, y in zip(edges["alliance_a"], edges["alliance_b"], strict=True)]
    if not pairs:
        return np.arange(n)
    g = ig.Graph(n=n, edges=pairs)
    dendrogram = g.community_fastgreedy(weights=edges["shared"].astype(float).tolist())
    return np.asarray(dendrogram.as_clustering().membership)
