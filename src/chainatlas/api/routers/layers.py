"""Layers and their edges: the six networks at any scale, period, chain and segment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import (
    ChainParam,
    IdPath,
    LayerParam,
    LimitParam,
    OffsetParam,
    PeriodParam,
    PlaceParam,
    ScaleParam,
    SegmentParam,
)
from chainatlas.api.render import Records, not_found, page
from chainatlas.api.schemas import ERROR_RESPONSES, EdgesPage, LayerDetail, LayersList
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["layers"])


def _layers(b: Backend) -> list[dict]:
    src = views.edge_sources(b) if b.has_table("layer_edges") else None
    out = []
    for layer in LAYERS.values():
        s = src[src["layer"] == layer.id] if src is not None else None
        out.append({**vars(layer), "sources": Records(s.reset_index(drop=True)) if s is not None else []})
    return out


@router.get("/layers", response_model=LayersList, responses=ERROR_RESPONSES, summary="The six network layers")
async def layers(request: Request, atlas: AtlasDep) -> Response:
    """共生 symbiosis, 知识 knowledge, 创新 innovation, 产业 industry, 服务 service, 价值 value — with the
    record sources that feed each (``flows.rail``, ``patents``, ``supply_links``, ...)."""
    return await atlas.answer(request, locals(), lambda b: {"data": _layers(b)})


@router.get("/layers/{layer}", response_model=LayerDetail, responses=ERROR_RESPONSES, summary="One layer")
async def layer(request: Request, atlas: AtlasDep, layer: IdPath) -> Response:
    """One layer with its sources."""
    if layer not in LAYERS:
        raise not_found(f"layer {layer!r} does not exist; layers: {', '.join(LAYERS)}")
    return await atlas.answer(request, locals(), lambda b: next(x for x in _layers(b) if x["id"] == layer))


@router.get("/edges", response_model=EdgesPage, responses=ERROR_RESPONSES, summary="Edges of one layer")
async def edges(
    request: Request,
    atlas: AtlasDep,
    layer: LayerParam,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    chain: ChainParam = ALL,
    segment: SegmentParam = ALL,
    place: PlaceParam = None,
    source: Annotated[
        list[str] | None, Query(description="only these record sources (see /api/layers); repeat for several")
    ] = None,
    min_n: Annotated[
        float, Query(ge=0, le=1e12, allow_inf_nan=False, description="drop edges with fewer records")
    ] = 0.0,
    self_loops: Annotated[bool, Query(description="include ties inside a unit")] = True,
    order: Annotated[
        Literal["n", "value"], Query(description="heaviest first by records (n) or amounts (value)")
    ] = "n",
    limit: LimitParam = 10_000,
    offset: OffsetParam = 0,
) -> Response:
    """Edges ``src → dst`` with record counts ``n`` and amounts ``value``, heaviest first.

    ``period`` defaults to the latest built year; ``chain=*`` is all chains, ``segment=*`` a chain's
    total. ``place`` keeps the edges that touch one unit.
    """
    srcs = tuple(sorted(source)) if source else None

    def run(b: Backend) -> dict:
        year, df = views.edge_table(
            b,
            layer=layer,
            scale=scale,
            period=period,
            chain=chain,
            segment=segment,
            place=place,
            sources=srcs,
            min_n=min_n,
            self_loops=self_loops,
            order=order,
        )
        return {
            "layer": layer,
            "scale": scale,
            "period": year,
            "chain": chain,
            "segment": segment,
            "place": place,
            **page(df, limit, offset),
        }

    return await atlas.answer(request, locals(), run)
