"""Places: units of every scale, functional areas, a place's profile, and side-by-side comparison."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import (
    ChainParam,
    IdPath,
    LimitParam,
    OffsetParam,
    PeriodParam,
    ScaleParam,
    SegmentParam,
)
from chainatlas.api.render import Records, not_found, page
from chainatlas.api.schemas import ERROR_RESPONSES, AreasList, Compare, PlaceProfile, PlacesPage
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query, views
from chainatlas.pipeline.areas import list_areas
from chainatlas.storage.base import Backend

router = APIRouter(tags=["places"])


@router.get("/places", response_model=PlacesPage, responses=ERROR_RESPONSES, summary="Units of a scale")
async def places(
    request: Request,
    atlas: AtlasDep,
    scale: ScaleParam = "city",
    q: Annotated[
        str | None, Query(max_length=40, description="part of a Chinese or English name, or an adcode prefix")
    ] = None,
    proper: Annotated[
        bool,
        Query(
            description="only units drawn on the map (leave out the "
            "province codes that stand for records placed no finer)"
        ),
    ] = False,
    limit: LimitParam = 1000,
    offset: OffsetParam = 0,
) -> Response:
    """Units with Chinese and English names and a label point (lon/lat), sorted by id. ``proper`` is false
    for the coarser codes a scale keeps for records placed only at that level."""

    def run(b: Backend) -> dict:
        df = views.places(b, scale)
        if proper:
            df = df[df["proper"]]
        if q:
            hit = (
                df["name_zh"].str.contains(q, regex=False)
                | df["name_en"].str.lower().str.contains(q.lower(), regex=False)
                | df["unit"].str.startswith(q)
            )
            df = df[hit.fillna(False)]
        return {"scale": scale, **page(df.reset_index(drop=True), limit, offset)}

    return await atlas.answer(request, locals(), run)


@router.get(
    "/places/{unit}",
    response_model=PlaceProfile,
    responses=ERROR_RESPONSES,
    summary="Profile of one place: indicators, top partners per layer, chain positions",
)
async def place(
    request: Request,
    atlas: AtlasDep,
    unit: IdPath,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    chain: ChainParam = ALL,
    segment: SegmentParam = ALL,
    top: Annotated[int, Query(ge=1, le=50, description="partners listed per layer")] = 5,
) -> Response:
    """What the map shows when a place is clicked.

    ``indicators``: value, rank among the units of the scale and share of the regional total;
    ``layers``: per network layer, partners, records out/in/internal and the ``top`` partners;
    ``chains``: the place's firms, revenue and patents in every chain segment.
    """

    def run(b: Backend) -> dict:
        if unit not in set(query.units(b, scale)["unit"]):
            raise not_found(
                f"place {unit!r} is not a unit of scale {scale!r}; list them at /api/places?scale={scale}"
            )
        return views.place_profile(
            b, scale=scale, unit=unit, period=period, chain=chain, segment=segment, top=top
        )

    return await atlas.answer(request, locals(), run)


@router.get("/areas", response_model=AreasList, responses=ERROR_RESPONSES, summary="Functional areas")
async def areas(request: Request, atlas: AtlasDep) -> Response:
    """Shipped functional areas (G60 科创走廊, 沪杭甬湾区, 沪宁杭合创新带, 一体化示范区) and the user's own."""
    return await atlas.answer(request, locals(), lambda b: {"data": Records(list_areas(b))})


@router.get(
    "/compare",
    response_model=Compare,
    responses=ERROR_RESPONSES,
    summary="Two places, or one place in two periods, side by side across the six layers",
)
async def compare(
    request: Request,
    atlas: AtlasDep,
    a: Annotated[str, Query(max_length=40, description="first place (unit id)")],
    b: Annotated[str | None, Query(max_length=40, description="second place")] = None,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    period_b: Annotated[
        int | None, Query(ge=1900, le=2100, description="second period (for one place over time)")
    ] = None,
    chain: ChainParam = ALL,
) -> Response:
    """Give ``b`` to compare two places in ``period``, or ``period_b`` to compare ``a`` in two periods."""

    def run(bk: Backend) -> dict:
        known = set(query.units(bk, scale)["unit"])
        for u in (a, b):
            if u is not None and u not in known:
                raise not_found(f"place {u!r} is not a unit of scale {scale!r}")
        return views.compare(bk, scale=scale, a=a, b=b, period=period, period_b=period_b, chain=chain)

    return await atlas.answer(request, locals(), run)
