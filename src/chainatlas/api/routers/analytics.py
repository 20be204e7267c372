"""Analytics results. For now the network structure of a layer; more results join this catalogue."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep, ChainParam, LayerParam, PeriodParam, ScaleParam, SegmentParam
from chainatlas.api.schemas import AnalyticsList, ErrorResponse, Network
from chainatlas.model.layers import ALL
from chainatlas.pipeline import views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["analytics"])
_ERR = {400: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}

CATALOGUE = [
    {"id": "network", "zh": "网络结构：中心性与社区", "en": "Network structure: centrality and communities",
     "path": "/api/analytics/network"},
]


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
