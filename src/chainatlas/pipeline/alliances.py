"""Industry alliances over the atlas (产业联盟, issue 16): the alliances of a chain by level, the overlap of their
members, the fragmentation index per chain and the alliance clusters (产业联盟集群).

Wiring only: the raw table of the kind ``alliances`` (one row per member) is read through
:func:`chainatlas.pipeline.query.raw_frame` and every number is computed by :mod:`chainatlas.analytics.alliances`.

==========================  =====================================================================================
function                    answers
==========================  =====================================================================================
:func:`members`             the member rows the reader may see, each with its member key and place
:func:`alliances`           one row per alliance: level, chain, segment, members, the provinces and cities they
                            are in, the places (for the map) and how many of its members other alliances share
:func:`overlap`             member overlap (Jaccard) of every pair of alliances of a chain
:func:`fragmentation`       the fragmentation index per chain with its three parts
:func:`clusters`            alliances linked by shared members: each alliance's cluster, the clusters, the links
:func:`member_places`       members and alliances per city of a chain (the map)
==========================  =====================================================================================

**Members.** A member is its credit code when the row gives one, else its normalised name (``N:<name>``), so the same
firm written two ways in two rosters is one member.

**Levels.** An alliance's level, chain and segment are those of its rows; rows that disagree take the most common
value (a roster typed by hand). An alliance without a level is kept, its level unknown (``null``).

**Scope.** An alliance's roster is a public register: a reader with a jurisdiction sees every alliance with a member
inside it, with all its members (the overlap of two alliances needs both rosters), and the indices are computed over
the alliances the reader sees.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from chainatlas import geo
from chainatlas.analytics import alliances as al
from chainatlas.analytics._places import roll
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import ALLIANCE_LEVELS
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend

__all__ = [
    "ALLIANCE_COLUMNS",
    "LEVELS",
    "LEVEL_ZH",
    "METHODS",
    "alliances",
    "as_result",
    "check_chain",
    "clusters",
    "fragmentation",
    "member_places",
    "members",
    "overlap",
    "synthetic",
]

#: alliance levels, widest first (:data:`chainatlas.analytics.alliances.LEVELS`)
LEVELS = al.LEVELS
#: each level in Chinese (the kind's choices)
LEVEL_ZH = dict(ALLIANCE_LEVELS)
#: how clusters are found
METHODS = ("components", "communities")
#: columns of :func:`alliances`
ALLIANCE_COLUMNS = (
    "alliance_id",
    "alliance_name",
    "level",
    "level_zh",
    "chain",
    "segment",
    "members",
    "shared_members",
    "provinces",
    "cities",
    "places",
    "joined_first",
    "cluster",
)
_READ = (
    "alliance_id",
    "alliance_name",
    "level",
    "member_name",
    "member_code",
    "member_norm",
    "member_adcode",
    "role",
    "joined",
    "chain",
    "segment",
    "synthetic",
)
_MEMBER_COLUMNS = (
    "alliance_id",
    "alliance_name",
    "level",
    "chain",
    "segment",
    "member",
    "member_name",
    "member_code",
    "member_adcode",
    "city",
    "province",
    "role",
    "joined",
)


# ================================================================================================ reading
def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out.eq(""), pd.NA)


def _mode(s: pd.Series) -> Any:
    v = s.dropna()
    return v.mode().iloc[0] if len(v) else pd.NA


def _read(backend: Backend) -> pd.DataFrame:
    """Every member row the reader may see: those of the alliances with a member inside the reader's scope."""

    def make() -> pd.DataFrame:
        whole = query.raw_frame(backend, "raw_alliances", _READ, whole=True)
        mine = query.raw_frame(backend, "raw_alliances", ("alliance_id",), whole=False)
        seen = set(mine["alliance_id"].dropna())
        return whole[whole["alliance_id"].isin(seen)].reset_index(drop=True)

    return query.remember(backend, ("alliances_rows",), make)


def members(backend: Backend, *, chain: str = ALL, level: str | None = None) -> pd.DataFrame:
    """The member rows the reader may see (``_MEMBER_COLUMNS``), of one chain and level when given.

    ``member`` is the member's key (its credit code, else ``N:`` + its normalised name); ``level``, ``chain`` and
    ``segment`` are the alliance's (the most common value among its rows); ``city`` and ``province`` the member's
    place rolled up (a municipality's districts: the municipality).
    """
    check_chain(backend, chain)
    _check_level(level)
    raw = _read(backend)
    if raw.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _MEMBER_COLUMNS})
    m = pd.DataFrame({c: _text(raw[c]) for c in _READ if c not in ("joined", "synthetic")})
    m["joined"] = pd.to_datetime(raw["joined"], errors="coerce")
    m = m.dropna(subset=["alliance_id", "member_name"])
    norm = m["member_norm"].fillna(m["member_name"])
    m["member"] = m["member_code"].fillna("N:" + norm)
    per = m.groupby("alliance_id", sort=False).agg(
        _name=("alliance_name", _mode),
        _level=("level", _mode),
        _chain=("chain", _mode),
        _seg=("segment", _mode),
    )
    m = m.join(per, on="alliance_id")
    m["alliance_name"], m["level"], m["chain"], m["segment"] = m["_name"], m["_level"], m["_chain"], m["_seg"]
    m["city"] = roll(m["member_adcode"], "city")
    m["province"] = roll(m["member_adcode"], "province")
    if chain != ALL:
        m = m[m["chain"] == chain]
    if level is not None:
        m = m[m["level"] == level]
    m = m.drop_duplicates(["alliance_id", "member"])
    return m[list(_MEMBER_COLUMNS)].sort_values(["alliance_id", "member"], ignore_index=True)


def _table(m: pd.DataFrame) -> pd.DataFrame:
    """One row per alliance of ``m``: ``alliance_id, alliance_name, chain, level`` (the analytics' ``alliances``)."""
    return m.drop_duplicates("alliance_id")[
        ["alliance_id", "alliance_name", "chain", "level", "segment"]
    ].astype(object)


def _analytic(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(members, alliances)`` as :mod:`chainatlas.analytics.alliances` reads them (levels known or None)."""
    a = _table(m)
    a["level"] = a["level"].where(a["level"].isin(LEVELS), None)
    rows = pd.DataFrame(
        {
            "alliance_id": m["alliance_id"].astype(object),
            "member_name": m["member"].astype(object),
            "member_adcode": m["member_adcode"].astype(object).where(m["member_adcode"].notna(), None),
        }
    )
    return rows, a


# ================================================================================================ answers
def alliances(
    backend: Backend, *, chain: str = ALL, level: str | None = None, method: str = "components"
) -> pd.DataFrame:
    """One row per alliance the reader may see (:data:`ALLIANCE_COLUMNS`), widest level first, then by id.

    ``members`` distinct members; ``shared_members`` those also in another alliance of the same chain (any level);
    ``provinces`` and ``cities`` how many its members are in; ``places`` the cities (sorted, ``;``-joined);
    ``joined_first`` the earliest date a member joined (about when it was founded); ``cluster`` its alliance
    cluster (:func:`clusters` with ``method``, within its chain, over every level).
    """
    everything = members(backend, chain=chain)
    m = everything if level is None else members(backend, chain=chain, level=level)
    if m.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ALLIANCE_COLUMNS})
    times = everything.groupby(["chain", "member"])["alliance_id"].nunique().rename("_times").reset_index()
    mm = m.merge(times, on=["chain", "member"], how="left")
    g = mm.groupby("alliance_id", sort=False).agg(
        members=("member", "nunique"),
        shared_members=("_times", lambda s: int((s >= 2).sum())),
        provinces=("province", "nunique"),
        cities=("city", "nunique"),
        places=("city", lambda s: ";".join(sorted({str(x) for x in s.dropna()}))),
        joined_first=("joined", "min"),
    )
    out = _table(m).join(g, on="alliance_id")
    cl = clusters(backend, chain=chain, method=method).assignment.set_index("alliance_id")["cluster"]
    out["cluster"] = out["alliance_id"].map(cl)
    out["level_zh"] = out["level"].map(LEVEL_ZH)
    out["joined_first"] = out["joined_first"].dt.strftime("%Y-%m-%d")
    rank = out["level"].map({v: i for i, v in enumerate(LEVELS)}).fillna(len(LEVELS))
    out = out.assign(_rank=rank).sort_values(["chain", "_rank", "alliance_id"], ignore_index=True)
    return out[list(ALLIANCE_COLUMNS)]


def overlap(
    backend: Backend, *, chain: str = ALL, level: str | None = None, shared_only: bool = False
) -> pd.DataFrame:
    """Member overlap of every pair of alliances of a chain (:func:`chainatlas.analytics.alliances.alliance_overlap`),
    with the two alliances' names and levels; ``shared_only`` keeps the pairs that share a member."""
    m = members(backend, chain=chain, level=level)
    cols = [*al.OVERLAP_COLUMNS, "name_a", "name_b", "level_a", "level_b"]
    if m.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    rows, a = _analytic(m)
    out = al.alliance_overlap(rows, a)
    names = a.set_index("alliance_id")
    out["name_a"] = out["alliance_a"].map(names["alliance_name"])
    out["name_b"] = out["alliance_b"].map(names["alliance_name"])
    out["level_a"] = out["alliance_a"].map(names["level"])
    out["level_b"] = out["alliance_b"].map(names["level"])
    if shared_only:
        out = out[out["shared"] > 0].reset_index(drop=True)
    return out[cols]


def fragmentation(backend: Backend, *, chain: str = ALL) -> al.Fragmentation:
    """The fragmentation index per chain and its three parts
    (:func:`chainatlas.analytics.alliances.fragmentation`) over the alliances the reader sees; ``chains`` gains
    ``levels`` as a ``;``-joined text and the chain's Chinese name (``chain_zh``) when the atlas is built."""
    m = members(backend, chain=chain)
    if m.empty:
        empty = pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in (*al.FRAGMENTATION_COLUMNS, "chain_zh")}
        )
        return al.Fragmentation(empty, pd.DataFrame({"chain": [], "member": [], "alliances": []}))
    rows, a = _analytic(m)
    f = al.fragmentation(rows, a)
    chains = f.chains.copy()
    chains["levels"] = chains["levels"].map(lambda t: ";".join(t))
    chains["chain_zh"] = chains["chain"].map(_chain_names(backend))
    return al.Fragmentation(chains, f.members.rename(columns={"member_name": "member"}))


def clusters(
    backend: Backend,
    *,
    chain: str = ALL,
    method: str = "components",
    min_shared: int = 1,
    within_chain: bool = True,
) -> al.AllianceClusters:
    """Alliance clusters (:func:`chainatlas.analytics.alliances.alliance_clusters`) over every level of the
    alliances the reader sees; ``clusters.levels``, ``provinces`` and ``names`` are ``;``-joined texts and ``edges``
    gain the two alliances' names."""
    if method not in METHODS:
        raise ConfigError(
            f"聚类方法应为 {' 或 '.join(METHODS)} / expected method one of {list(METHODS)}, got {method!r}",
            param="method",
        )
    m = members(backend, chain=chain)
    if m.empty:
        none = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("alliance_id", "chain", "cluster")})
        return al.AllianceClusters(
            none,
            pd.DataFrame({c: pd.Series([], dtype=object) for c in al.CLUSTER_COLUMNS}),
            pd.DataFrame(
                {c: pd.Series([], dtype=object) for c in ("alliance_a", "alliance_b", "shared", "jaccard")}
            ),
            method,
        )
    rows, a = _analytic(m)
    c = al.alliance_clusters(rows, a, min_shared=min_shared, method=method, within_chain=within_chain)
    cl = c.clusters.copy()
    for col in ("levels", "provinces", "names"):
        cl[col] = cl[col].map(lambda t: ";".join(str(x) for x in t))
    names = a.set_index("alliance_id")["alliance_name"]
    edges = c.edges.assign(name_a=c.edges["alliance_a"].map(names), name_b=c.edges["alliance_b"].map(names))
    return al.AllianceClusters(c.assignment, cl, edges, c.method)


def member_places(backend: Backend, *, chain: str = ALL, level: str | None = None) -> pd.DataFrame:
    """Per city (a municipality whole) with members of a chain's alliances: ``adcode, name, lon, lat, members,
    alliances`` and ``levels`` (``;``-joined), most members first — the map of where the alliances are."""
    m = members(backend, chain=chain, level=level)
    cols = ["adcode", "name", "lon", "lat", "members", "alliances", "levels"]
    m = m.dropna(subset=["city"])
    if m.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    g = m.groupby("city").agg(
        members=("member", "nunique"),
        alliances=("alliance_id", "nunique"),
        levels=("level", lambda s: ";".join(sorted({str(x) for x in s.dropna()}, key=_level_rank))),
    )
    g = g.reset_index().rename(columns={"city": "adcode"})
    g[["name", "lon", "lat"]] = geo.locate(g["adcode"])
    return g.sort_values(["members", "adcode"], ascending=[False, True], ignore_index=True)[cols]


def synthetic(backend: Backend) -> bool:
    """Whether the alliance rows the reader sees hold synthetic ones."""
    raw = _read(backend)
    return bool(raw["synthetic"].fillna(False).astype(bool).any()) if len(raw) else False


# ================================================================================================ checks
def check_chain(backend: Backend, chain: str) -> None:
    """ConfigError naming ``chain`` unless it is ``*`` or a chain of the atlas (of the shipped taxonomy before the
    first build)."""
    if chain == ALL:
        return
    if backend.has_table("segments"):
        query.check_chain(backend, chain)
        return
    from chainatlas.model.taxonomy import load_taxonomy

    ids = sorted(load_taxonomy().chains["id"])
    if chain not in ids:
        raise ConfigError(
            f"没有产业链 {chain!r} / unknown chain {chain!r}; expected one of {', '.join(ids)} or * for all chains",
            param="chain",
        )


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        expected = ", ".join(f"{v} ({LEVEL_ZH[v]})" for v in LEVELS)
        raise ConfigError(
            f"联盟层级应为 {expected} / expected level one of: {expected}; got {level!r}", param="level"
        )


def _level_rank(v: str) -> int:
    return LEVELS.index(v) if v in LEVELS else len(LEVELS)


def _chain_names(backend: Backend) -> dict[str, str]:
    if backend.has_table("chains"):
        c = query.chains(backend)
        return dict(zip(c["id"], c["name_zh"], strict=True))
    from chainatlas.model.taxonomy import load_taxonomy

    c = load_taxonomy().chains
    return dict(zip(c["id"], c["name_zh"], strict=True))


def as_result(
    backend: Backend,
    command: str,
    data: pd.DataFrame,
    *,
    synthetic: bool,
    summary: dict | None = None,
    **parameters: Any,
) -> Any:
    """A table of this module or :mod:`chainatlas.pipeline.opencalls` as an analysis result (its provenance: the
    command, parameters, the atlas's data version, synthetic) for :func:`chainatlas.pipeline.analyze.write`."""
    from chainatlas.pipeline.analyze.result import Result, data_version, provenance

    prov = provenance(
        command=command, parameters=parameters, data_version=data_version(backend), synthetic=synthetic
    )
    return Result(data.reset_index(drop=True), prov, summary or {})
