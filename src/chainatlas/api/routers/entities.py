"""Entities (主体): firms, universities, institutes, platforms, service providers, funds."""

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
    PlaceParam,
    ScaleParam,
    SegmentParam,
)
from chainatlas.api.render import Records, not_found
from chainatlas.api.schemas import ERROR_RESPONSES, EntitiesPage, Entity
from chainatlas.errors import ConfigError
from chainatlas.model.kinds import ENTITY_TYPES
from chainatlas.model.layers import ALL
from chainatlas.pipeline import views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["entities"])


@router.get(
    "/entities",
    response_model=EntitiesPage,
    responses=ERROR_RESPONSES,
    summary="Entities, filtered and paged",
)
async def entities(
    request: Request,
    atlas: AtlasDep,
    scale: ScaleParam = "city",
    place: PlaceParam = None,
    type: Annotated[
        str | None,
        Query(
            max_length=40,
            description="entity type: " + ", ".join(f"{k} ({v})" for k, v in ENTITY_TYPES.items()),
        ),
    ] = None,
    chain: ChainParam = ALL,
    segment: SegmentParam = ALL,
    q: Annotated[str | None, Query(max_length=60, description="part of the name, or a credit code")] = None,
    limit: LimitParam = 100,
    offset: OffsetParam = 0,
) -> Response:
    """Entities of the register with their place at ``scale``; ``chain``/``segment`` keep the firms
    whose industry code maps to them. Largest (by employees) first."""
    if type is not None and type not in ENTITY_TYPES:
        raise ConfigError(f"type: unknown entity type {type!r}; expected one of {', '.join(ENTITY_TYPES)}")

    def run(b: Backend) -> dict:
        total, df = views.entities(
            b,
            scale=scale,
            place=place,
            entity_type=type,
            chain=chain,
            segment=segment,
            q=q,
            limit=limit,
            offset=offset,
        )
        return {"scale": scale, "total": total, "limit": limit, "offset": offset, "data": Records(df)}

    return await atlas.answer(request, locals(), run)


@router.get(
    "/entities/{entity_id}",
    response_model=Entity,
    responses=ERROR_RESPONSES,
    summary="One entity and its ties",
)
async def entity(request: Request, atlas: AtlasDep, entity_id: IdPath) -> Response:
    """The register row, chain segments, and per layer the entity's ties over all periods."""

    def run(b: Backend) -> dict:
        e = views.entity(b, entity_id)
        if e is None:
            raise not_found(f"no entity with credit code {entity_id!r}")
        return {"data": e}

    return await atlas.answer(request, locals(), run)
