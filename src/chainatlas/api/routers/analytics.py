"""Analytics results: the map-ready network of a layer, and every ``chainatlas analyze`` topic as JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep, ChainParam, LayerParam, PeriodParam, ScaleParam, SegmentParam
from chainatlas.api.schemas import AnalysisResult, AnalyticsList, ErrorResponse, Network
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import analyze as an
from chainatlas.pipeline import views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["analytics"])
_ERR = {400: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}

CATALOGUE = [
    {"id": "network", "zh": "网络结构：中心性与社区", "en": "Network structure: centrality and communities",
     "path": "/api/analytics/network"},
    *({"id": f"topic:{t}", "topic": t, "zh": zh, "en": en, "path": f"/api/analytics/topics/{t}"}
      for t, (zh, en) in an.TOPIC_TITLES.items()),
]
Topic = Literal[tuple(an.TOPICS)]  # type: ignore[valid-type]
OptLayer = Annotated[Literal[tuple(LAYERS)] | None, Query(description="layer (network, communities, gravity, "  # type: ignore[valid-type]
                                                           "qap)")]


@router.get("/analytics", response_model=AnalyticsList, summary="Available analytics results")
async def analytics(request: Request, atlas: AtlasDep) -> Response:
    """The analyses the API serves, each with its path."""
    return await atlas.respond(request, ("analytics",), lambda b: {"data": CATALOGUE})


@router.get("/analytics/network", response_model=Network, responses=_ERR,
            summary="A layer's place graph with centralities and communities")
async def network(request: Request, atlas: AtlasDep, layer: LayerParam, scale: ScaleParam = "city",
                  period: PeriodParam = None, chain: ChainParam = ALL, segment: SegmentParam = ALL,
                  weight: Annotated[Literal["n", "value"], Query(description="edge weight: n (records) or "
                                                                 "value (amounts)")] = "n") -> Response:
    """Undirected, self-loops dropped. Nodes: degree, strength, PageRank, betweenness (tie length
    1/weight), coreness and core membership, and a Leiden community (seed 0; 0 is the strongest);
    the graph's modularity and density. Computed by ``chainatlas.analytics.networks``."""

    def run(b: Backend) -> dict:
        return views.network(b, layer=layer, scale=scale, period=period, chain=chain, segment=segment,
                             weight=weight)

    return await atlas.respond(request, ("network", layer, scale, period, chain, segment, weight), run)


@router.get("/analytics/topics/{topic}", response_model=AnalysisResult, responses=_ERR,
            summary="One analysis topic on the atlas (as `chainatlas analyze TOPIC`)")
async def topic(request: Request, atlas: AtlasDep, topic: Topic, layer: OptLayer = None,
                scale: ScaleParam = "city", period: PeriodParam = None, chain: ChainParam = ALL,
                segment: SegmentParam = ALL,
                other: OptLayer = None,
                area: Annotated[str | None, Query(max_length=40, description="roles: functional area id")] = None,
                extract: Annotated[str | None, Query(max_length=80, description="io: place, segment or "
                                                                               "place:segment")] = None,
                attr: Annotated[str | None, Query(max_length=40, description="moran, complexity: attribute")] = None,
                top: Annotated[int | None, Query(ge=1, le=1000, description="rows kept per group")] = None,
                permutations: Annotated[int | None, Query(ge=9, le=9999, description="qap, moran")] = None,
                seed: Annotated[int | None, Query(ge=0, description="seed of anything random")] = None,
                resolution: Annotated[float | None, Query(gt=0, le=100, description="communities: Leiden γ")] = None,
                exponent: Annotated[float | None, Query(gt=0, le=10, description="gravity, pairing: distance "
                                                                                  "decay β")] = None,
                how: Annotated[Literal["complete", "backward", "forward", "links"] | None,
                               Query(description="io: what is extracted")] = None,
                max_lag: Annotated[int | None, Query(ge=0, le=5, description="path: longest lead tried")] = None,
                undirected: Annotated[bool, Query(description="network, multiplex, qap: ignore direction")] = False,
                weight: Annotated[Literal["n", "value"], Query(description="tie weight")] = "n") -> Response:
    """The same result as the CLI's ``analyze`` with ``-f json``: ``provenance`` (layer, scale, period,
    filters, parameters, data version), ``summary`` and ``data`` (one record per unit, pair or sector)."""
    params = dict(other=other, area=area, extract=extract, attr=attr, top=top, permutations=permutations, seed=seed,
                  resolution=resolution, exponent=exponent, how=how, max_lag=max_lag, directed=not undirected,
                  weight=weight)

    def run(b: Backend) -> dict:
        r = an.analyze(b, topic, layer=layer, scale=scale, period=period, chain=chain, segment=segment, **params)
        return {"topic": topic, **an.document(r)}

    key = ("topic", topic, layer, scale, period, chain, segment, *params.values())
    return await atlas.respond(request, key, run)
