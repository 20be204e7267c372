"""Node indicators: every unit's attributes (firms, patents, revenue, ...) and their time series."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import (
    ChainParam,
    IdPath,
    LimitParam,
    OffsetParam,
    PeriodParam,
    PlaceParam,
    ScaleParam,
    SegmentParam,
)
from chainatlas.api.render import Records, not_found, page
from chainatlas.api.schemas import ERROR_RESPONSES, IndicatorsList, NodesPage, Series
from chainatlas.errors import ConfigError
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.layers import ALL
from chainatlas.pipeline import views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["indicators"])


def _check_attrs(attrs: list[str] | None) -> tuple[str, ...] | None:
    if not attrs:
        return None
    bad = [a for a in attrs if a not in INDICATORS]
    if bad:
        raise ConfigError(f"attr: unknown indicator(s) {bad}; expected some of {', '.join(INDICATORS)}")
    return tuple(attrs)


@router.get("/indicators", response_model=IndicatorsList, summary="The indicator catalogue")
async def indicators(request: Request, atlas: AtlasDep) -> Response:
    """Every node indicator with its Chinese and English name and unit (for legends and tooltips)."""
    return await atlas.answer(
        request, locals(), lambda b: {"data": [i.describe() for i in INDICATORS.values()]}
    )


@router.get("/nodes", response_model=NodesPage, responses=ERROR_RESPONSES, summary="Indicators of every unit")
async def nodes(
    request: Request,
    atlas: AtlasDep,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    chain: ChainParam = ALL,
    segment: SegmentParam = ALL,
    place: PlaceParam = None,
    attr: Annotated[
        list[str] | None, Query(description="only these indicators; repeat for several (default all)")
    ] = None,
    limit: LimitParam = 10_000,
    offset: OffsetParam = 0,
) -> Response:
    """One row per unit with one field per indicator (the choropleth's data), zero where nothing was recorded."""
    attrs = _check_attrs(attr)

    def run(b: Backend) -> dict:
        year, df = views.node_table(
            b, scale=scale, period=period, chain=chain, segment=segment, attrs=attrs, place=place
        )
        cols = [c for c in df.columns if c in INDICATORS]
        return {
            "scale": scale,
            "period": year,
            "chain": chain,
            "segment": segment,
            "attrs": cols,
            **page(df, limit, offset),
        }

    return await atlas.answer(request, locals(), run)


@router.get(
    "/indicators/{attr}/series",
    response_model=Series,
    responses=ERROR_RESPONSES,
    summary="One indicator over every built period",
)
async def series(
    request: Request,
    atlas: AtlasDep,
    attr: IdPath,
    scale: ScaleParam = "city",
    chain: ChainParam = ALL,
    segment: SegmentParam = ALL,
    place: Annotated[list[str] | None, Query(description="units (repeat); default all")] = None,
    grain: Annotated[
        Literal["year", "quarter", "month"], Query(description="the periods: years, quarters or months")
    ] = "year",
) -> Response:
    """``year, unit, value`` for every built period of ``grain`` (0 where nothing was recorded): the time
    slider's replay. ``year`` holds the period (2024, 2024Q2 or 2024-05)."""
    if attr not in INDICATORS:
        raise not_found(f"indicator {attr!r} does not exist; indicators: {', '.join(INDICATORS)}")
    places = tuple(place) if place else None

    def run(b: Backend) -> dict:
        df = views.indicator_series(
            b, attr=attr, scale=scale, chain=chain, segment=segment, places=places, grain=grain
        )
        return {"attr": attr, "scale": scale, "chain": chain, "segment": segment, "data": Records(df)}

    return await atlas.answer(request, locals(), run)
