"""Chains and segments, the chain × place matrix (broken links, single points) and the innovation path."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import IdPath, PeriodParam, ScaleParam
from chainatlas.api.render import not_found
from chainatlas.api.schemas import ERROR_RESPONSES, ChainOne, ChainsList, Matrix, Sankey
from chainatlas.pipeline import query, views
from chainatlas.storage.base import Backend

router = APIRouter(tags=["chains"])


def _chains(b: Backend) -> list[dict]:
    segs = query.segments(b).sort_values(["chain", "topo_order"])
    out = []
    for c in query.chains(b).to_dict("records"):
        s = segs[segs["chain"] == c["id"]]
        out.append({**c, "segments": s.to_dict("records")})
    return out


def _need_chain(b: Backend, chain: str) -> None:
    ids = set(query.chains(b)["id"])
    if chain not in ids:
        raise not_found(f"chain {chain!r} does not exist; chains: {', '.join(sorted(ids))}")


@router.get(
    "/chains", response_model=ChainsList, responses=ERROR_RESPONSES, summary="Chains and their segments"
)
async def chains(request: Request, atlas: AtlasDep) -> Response:
    """Every chain with its segments upstream first (``topo_order``), from the chain taxonomy."""
    return await atlas.answer(request, locals(), lambda b: {"data": _chains(b)})


@router.get("/chains/{chain}", response_model=ChainOne, responses=ERROR_RESPONSES, summary="One chain")
async def chain(request: Request, atlas: AtlasDep, chain: IdPath) -> Response:
    """One chain with its segments."""

    def run(b: Backend) -> dict:
        _need_chain(b, chain)
        return {"data": next(c for c in _chains(b) if c["id"] == chain)}

    return await atlas.answer(request, locals(), run)


@router.get(
    "/chains/{chain}/matrix",
    response_model=Matrix,
    responses=ERROR_RESPONSES,
    summary="Segments × places: presence, strength, innovation; broken links and single points",
)
async def matrix(
    request: Request, atlas: AtlasDep, chain: IdPath, scale: ScaleParam = "city", period: PeriodParam = None
) -> Response:
    """Cells give firms (presence), employees and revenue (strength) and patents (innovation) of each
    segment in each unit. ``status`` of a segment: ``broken`` (断链: no city of the region has it),
    ``single`` (单点: one city only, or one firm) or ``ok``, judged at city scale; ``choke`` (卡点) marks
    a segment that depends on imports concentrated on one partner."""

    def run(b: Backend) -> dict:
        _need_chain(b, chain)
        return views.chain_matrix(b, chain=chain, scale=scale, period=period)

    return await atlas.answer(request, locals(), run)


@router.get(
    "/chains/{chain}/sankey",
    response_model=Sankey,
    responses=ERROR_RESPONSES,
    summary="Innovation → industry path: where technology is made → segment → where it is used",
)
async def sankey(
    request: Request,
    atlas: AtlasDep,
    chain: IdPath,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    weight: Annotated[
        Literal["value", "n"], Query(description="value: amounts in 万元; n: records")
    ] = "value",
    top: Annotated[int, Query(ge=1, le=60, description="units shown per side")] = 12,
) -> Response:
    """Technology transfers and contracts of the chain's segments, from the selling unit (创新地) through
    the segment to the buying unit (产业地); ``stages`` lists patents → transfers → firms → revenue →
    exports per segment."""

    def run(b: Backend) -> dict:
        _need_chain(b, chain)
        return views.chain_sankey(b, chain=chain, scale=scale, period=period, weight=weight, top=top)

    return await atlas.answer(request, locals(), run)
