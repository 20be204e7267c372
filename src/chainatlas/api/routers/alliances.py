"""Alliances and open calls (issue 16): a chain's alliances by level with the map of their members
(``GET /alliances``), the fragmentation index per chain (``GET /alliances/fragmentation``), the alliance clusters
(``GET /alliances/clusters``), the open calls (揭榜挂帅) with their progress, status and winning teams' arcs
(``GET /opencalls``), their success rates (``GET /opencalls/rates``) and one call (``GET /opencalls/{uid}``), all from
:mod:`chainatlas.pipeline.alliances` and :mod:`chainatlas.pipeline.opencalls`.

**Scope.** A reader with a jurisdiction sees the alliances with a member inside it (each with all its members) and
the calls posted inside it or with a bid member inside it (each whole); the indices and rates are computed over what
the reader sees. A call outside is not found (404). Answers are cached per reader's scope until the atlas changes.

**As of.** A call's status depends on the date it is taken at (``as_of``; default the last day of the latest year with
an open-call record); every answer says which date it used.

The path parameter is named ``uid`` as the other resources with ids (a call id such as ``JB20230001``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from chainatlas.api.deps import AtlasDep
from chainatlas.api.render import Records, not_found
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope
from chainatlas.pipeline import alliances as al
from chainatlas.pipeline import opencalls as oc
from chainatlas.storage.base import Backend

router = APIRouter(tags=["alliances"])

Level = Literal["region", "corridor", "province", "city"]
PlaceLevel = Literal["place", "city", "province"]
Status = Literal["succeeded", "failed", "open", "no_tasks"]
ChainParam = Annotated[
    str, Query(min_length=1, max_length=40, description="chain id (ic, ai, nev, bio) or * for every chain")
]
AsOf = Annotated[
    str | None,
    Query(
        max_length=20,
        description="judge the calls on this date (2024-12-31); default: the last day of the latest year with an "
        "open-call record",
    ),
]
Grace = Annotated[
    int, Query(ge=0, le=3650, description="days after its due date a task still counts as on time")
]
CallId = Annotated[str, Path(min_length=1, max_length=100, description="the call's id (JB20230001)")]


# ---------------------------------------------------------------------------------------------- shapes
class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class AllianceRow(_Row):
    alliance_id: str
    alliance_name: str | None
    level: str | None = Field(description="region, corridor, province or city (null: not stated)")
    level_zh: str | None = Field(description="区域, 走廊, 省级 or 市级")
    chain: str | None
    segment: str | None
    members: int
    shared_members: int = Field(description="its members also in another alliance of the chain (any level)")
    provinces: int = Field(description="provinces its members are in")
    cities: int
    places: str = Field(description="the cities its members are in, ';'-joined")
    joined_first: str | None = Field(description="the earliest date a member joined")
    cluster: str | None = Field(description="its alliance cluster (GET /api/alliances/clusters)")


class PlaceRow(_Row):
    adcode: str = Field(description="a city (a municipality whole)")
    name: str | None
    lon: float | None
    lat: float | None
    members: int
    alliances: int
    levels: str = Field(description="the levels of the alliances there, ';'-joined")


class FragmentationRow(_Row):
    chain: str
    chain_zh: str | None
    alliances: int = Field(description="N")
    members: int = Field(description="distinct members of the chain's alliances")
    shared_members: int = Field(description="members in two of its alliances or more")
    shared_share: float = Field(description="S = shared_members / members")
    mean_provinces: float | None = Field(description="P̄: mean provinces an alliance's members are in")
    mean_cities: float | None
    count_part: float = Field(description="1 − 1/N")
    sharing_part: float = Field(description="1 − S")
    reach_part: float | None = Field(description="1/P̄")
    index: float | None = Field(description="F = count_part × sharing_part × reach_part, in [0, 1)")
    levels: str = Field(description="the levels of its alliances, widest first, ';'-joined")


class AlliancesAnswer(Envelope):
    chain: str
    level: str | None
    rows: list[AllianceRow] = Field(description="one row per alliance, widest level first")
    fragmentation: list[FragmentationRow] = Field(
        description="the chain's (every chain's) fragmentation index"
    )
    places: list[PlaceRow] = Field(description="members and alliances per city (the map)")


class FragmentationAnswer(Envelope):
    chain: str
    rows: list[FragmentationRow]


class ClusterRow(_Row):
    chain: str
    cluster: str
    alliances: int
    members: int
    shared_members: int
    provinces: str = Field(description="';'-joined province codes")
    levels: str
    names: str = Field(description="its alliances' names, ';'-joined")


class ClusterNode(_Row):
    alliance_id: str
    chain: str | None
    cluster: str


class ClusterLink(_Row):
    alliance_a: str
    alliance_b: str
    shared: int = Field(description="members the two share")
    jaccard: float
    name_a: str | None
    name_b: str | None


class ClustersAnswer(Envelope):
    chain: str
    method: Literal["components", "communities"]
    clusters: list[ClusterRow]
    nodes: list[ClusterNode] = Field(
        description="every alliance with its cluster (see GET /api/alliances for more)"
    )
    links: list[ClusterLink] = Field(description="pairs of alliances sharing at least min_shared members")


class CallRow(_Row):
    call_id: str
    title: str | None
    adcode: str | None = Field(description="the posting jurisdiction (发榜地)")
    place_name: str | None
    lon: float | None
    lat: float | None
    chain: str | None
    segment: str | None
    budget: float | None = Field(description="万元; null when unknown (never 0)")
    posted: str | None
    due: str | None
    bids: int
    winning_bids: int
    team_members: int
    team_places: str | None = Field(description="the winning team's cities, ';'-joined")
    team_place_names: str | None = Field(description="their names, ';'-joined")
    cross_city: bool | None
    cross_province: bool | None
    tasks: int
    done: int
    on_time: int
    late: int
    overdue: int
    pending: int
    progress: float | None = Field(description="done ÷ tasks (null without tasks)")
    on_time_share: float | None
    days_late: int
    next_due: str | None
    status: Status
    status_zh: str
    patents: int
    transfers: int
    products: int


class ArcRow(_Row):
    call_id: str
    src: str = Field(description="a winning member's city")
    dst: str = Field(description="the posting place")
    members: int
    local: bool = Field(description="the member is in the posting city")
    status: str
    src_lon: float | None
    src_lat: float | None
    dst_lon: float | None
    dst_lat: float | None


class CallsAnswer(Envelope):
    as_of: str = Field(description="the date the statuses are taken at")
    statuses: dict[str, int] = Field(description="calls per status")
    rows: list[CallRow]
    arcs: list[ArcRow] = Field(description="winning members' cities → posting place, per call (the map)")


class RateRow(_Row):
    calls: int
    succeeded: int
    failed: int
    open: int
    no_tasks: int
    decided: int
    success_rate: float | None = Field(description="succeeded ÷ decided (null: none decided)")
    budget: float | None
    budget_succeeded: float | None


class RatesAnswer(Envelope):
    as_of: str
    chain: str
    level: PlaceLevel
    overall: float | None = Field(description="succeeded ÷ decided over every call")
    by_segment: list[RateRow] = Field(description="per chain and segment (segment_zh its name)")
    by_place: list[RateRow] = Field(description="per posting place at level (name, lon, lat)")


class CallAnswer(Envelope):
    as_of: str
    call: dict = Field(description="the call's row as in GET /api/opencalls, with its description")
    bids: list[dict] = Field(
        description="every member of every bid: lead, winner, city, in the posting place"
    )
    tasks: list[dict] = Field(
        description="its tasks: due, done, state (on_time, late, overdue, pending), days late"
    )
    outcomes: list[dict] = Field(description="patents, transfers, products")
    team: list[dict] = Field(description="its winning team(s): places, cross-city, members outside")
    ties: list[dict] = Field(description="outcome and task ties: winning members' places → posting place")


# ---------------------------------------------------------------------------------------------- helpers
def _records(df: pd.DataFrame) -> Records:
    return Records(df.astype(object).where(df.notna(), None))


def _missing(uid: str) -> Exception:
    return not_found(
        f"没有榜单 {uid}（或不在您的辖区内） / no open call {uid!r} in your jurisdiction; GET /api/opencalls lists them"
    )


# ---------------------------------------------------------------------------------------------- alliances
@router.get(
    "/alliances",
    response_model=AlliancesAnswer,
    responses=ERROR_RESPONSES,
    summary="产业联盟 / The alliances of a chain by level, with the map of their members",
)
async def alliances_list(
    request: Request,
    atlas: AtlasDep,
    chain: ChainParam = "*",
    level: Annotated[Level | None, Query(description="one level: region, corridor, province, city")] = None,
    method: Annotated[
        Literal["components", "communities"], Query(description="how the `cluster` column is found")
    ] = "components",
) -> Response:
    """One row per alliance you may see (a member inside your jurisdiction): level, members, members shared with
    other alliances of its chain, the provinces and cities its members are in, its cluster; the chain's
    fragmentation index; members and alliances per city for the map."""

    def compute(b: Backend) -> dict:
        return {
            "chain": chain,
            "level": level,
            "rows": _records(al.alliances(b, chain=chain, level=level, method=method)),
            "fragmentation": _records(al.fragmentation(b, chain=chain).chains),
            "places": _records(al.member_places(b, chain=chain, level=level)),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/alliances/fragmentation",
    response_model=FragmentationAnswer,
    responses=ERROR_RESPONSES,
    summary="碎片化指数 / The fragmentation index per chain and its three parts",
)
async def alliances_fragmentation(request: Request, atlas: AtlasDep, chain: ChainParam = "*") -> Response:
    """Per chain: F = (1 − 1/N) · (1 − S) · 1/P̄ with N its alliances, S the share of its members in two alliances or
    more and P̄ the mean number of provinces an alliance's members are in; 0 for one alliance or every member
    shared, towards 1 for many alliances each with its own members inside one province (the paper's alliances
    that "lack a handle to connect each other")."""

    def compute(b: Backend) -> dict:
        return {"chain": chain, "rows": _records(al.fragmentation(b, chain=chain).chains)}

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/alliances/clusters",
    response_model=ClustersAnswer,
    responses=ERROR_RESPONSES,
    summary="联盟集群 / Alliances linked by shared members, grouped",
)
async def alliances_clusters(
    request: Request,
    atlas: AtlasDep,
    chain: ChainParam = "*",
    method: Annotated[
        Literal["components", "communities"],
        Query(
            description="components: reachable through shared members; communities: fast-greedy modularity"
        ),
    ] = "components",
    min_shared: Annotated[
        int, Query(ge=1, le=1000, description="members two alliances must share to link")
    ] = 1,
    across_chains: Annotated[
        bool, Query(description="let a member of two chains' alliances link them")
    ] = False,
) -> Response:
    """The alliance graph (a node per alliance, a link per pair sharing at least ``min_shared`` members) and its
    clusters (产业联盟集群) with their alliances, members, shared members, provinces and levels."""

    def compute(b: Backend) -> dict:
        c = al.clusters(b, chain=chain, method=method, min_shared=min_shared, within_chain=not across_chains)
        return {
            "chain": chain,
            "method": c.method,
            "clusters": _records(c.clusters),
            "nodes": _records(c.assignment),
            "links": _records(c.edges),
        }

    return await atlas.answer(request, locals(), compute)


# ---------------------------------------------------------------------------------------------- open calls
@router.get(
    "/opencalls",
    response_model=CallsAnswer,
    responses=ERROR_RESPONSES,
    summary="揭榜挂帅 / The open calls with progress, status and the winning teams on the map",
)
async def opencalls_list(
    request: Request,
    atlas: AtlasDep,
    chain: ChainParam = "*",
    segment: Annotated[
        str | None, Query(max_length=40, description="a segment of the chain (design)")
    ] = None,
    status: Annotated[Status | None, Query(description="succeeded, failed, open or no_tasks")] = None,
    place: Annotated[
        str | None, Query(max_length=40, description="posted in this place: 320000, 江苏省, 3205, 苏州市")
    ] = None,
    as_of: AsOf = None,
    grace_days: Grace = 0,
) -> Response:
    """The calls you may see (posted inside your jurisdiction, or with a bid member inside it), newest first: the
    posting place with its centroid, segment, budget (万元), dates, bids, the winning team (members, cities,
    cross-city), progress (tasks done, on time, late, overdue, pending), status and outcomes; ``arcs`` from the
    winning members' cities to the posting place."""

    def compute(b: Backend) -> dict:
        when = oc.as_of_date(b, as_of)
        rows = oc.calls(
            b, chain=chain, segment=segment, status=status, place=place, as_of=when, grace_days=grace_days
        )
        arcs = oc.arcs(b, rows)
        counts = rows["status"].value_counts().to_dict() if len(rows) else {}
        return {
            "as_of": f"{when:%Y-%m-%d}",
            "statuses": {s: int(counts.get(s, 0)) for s in oc.STATUSES},
            "rows": _records(rows),
            "arcs": _records(arcs),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/opencalls/rates",
    response_model=RatesAnswer,
    responses=ERROR_RESPONSES,
    summary="成功率 / Success rates of the open calls by segment and posting place",
)
async def opencalls_rates(
    request: Request,
    atlas: AtlasDep,
    chain: ChainParam = "*",
    level: Annotated[
        PlaceLevel, Query(description="posting places rolled up: place, city, province")
    ] = "city",
    as_of: AsOf = None,
    grace_days: Grace = 0,
) -> Response:
    """Success rate = succeeded ÷ decided (succeeded + failed) by chain segment and by posting place; open calls and
    calls without tasks are counted but not judged; the budget of all calls and of those that succeeded."""

    def compute(b: Backend) -> dict:
        when = oc.as_of_date(b, as_of)
        r = oc.rates(b, chain=chain, level=level, as_of=when, grace_days=grace_days)
        return {
            "as_of": f"{when:%Y-%m-%d}",
            "chain": chain,
            "level": level,
            "overall": None if pd.isna(r.overall) else float(r.overall),
            "by_segment": _records(r.by_segment),
            "by_place": _records(r.by_place),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/opencalls/{uid}",
    response_model=CallAnswer,
    responses=ERROR_RESPONSES,
    summary="一个榜单 / One open call: bids, tasks, outcomes, team",
)
async def opencall(
    request: Request, atlas: AtlasDep, uid: CallId, as_of: AsOf = None, grace_days: Grace = 0
) -> Response:
    """One call you may see: its row (as in GET /api/opencalls, with the description), every member of every bid
    (lead, winner, city), its tasks each with its state as of the date, its outcomes, its winning team and its
    ties. 404 for an id unknown or outside your jurisdiction."""

    def compute(b: Backend) -> dict:
        try:
            d = oc.call(b, uid, as_of=as_of, grace_days=grace_days)
        except oc.UnknownCall:
            raise _missing(uid) from None
        call = {
            k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v) for k, v in d["call"].items()
        }
        return {
            "as_of": d["as_of"],
            "call": call,
            **{k: _records(d[k]) for k in ("bids", "tasks", "outcomes", "team", "ties")},
        }

    return await atlas.answer(request, locals(), compute)
