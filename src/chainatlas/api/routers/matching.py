"""R&D-liaison matching (研发联络者, issue 16): ranked researchers for a need, needs for a researcher, and the lists
the 供需对接 page searches, all from :mod:`chainatlas.pipeline.matching`.

``GET /matching/needs/{uid}`` (researchers for a need), ``/matching/experts/{uid}`` (needs for a researcher) and
``/matching/text?text=…&place=…`` (a need typed in) rank and explain: every match carries its score and the parts
of it (text relevance, IPC/segment overlap, distance, past ties, voucher recognition) with the
words and codes shared. ``GET /matching/needs`` and ``GET /matching/experts`` list the two sides.

**Scope.** Needs are read under the reader's scope (a city reader sees its firms' needs and ranks researchers for
them); researchers are the region's shared register and are matched whoever reads, their names blanked for a reader
without personal data. Answers are cached per reader's scope until the atlas changes.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import OffsetParam
from chainatlas.api.render import Records, not_found
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope
from chainatlas.pipeline import matching as mp
from chainatlas.storage.base import Backend

router = APIRouter(tags=["matching"])

Uid = Annotated[str, Path(min_length=1, max_length=100, description="the need's or researcher's id")]
Top = Annotated[int, Query(ge=1, le=100, description="matches to return")]


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class MatchRow(_Row):
    query_id: str = Field(description="the need (or researcher) asked for; `text` for a typed-in need")
    rank: int
    profile_id: str = Field(description="the researcher (or need) matched")
    score: float = Field(description="the weighted sum of the parts below")
    text: float = Field(description="BM25 text relevance, scaled to the query's best (0–1)")
    codes: float = Field(description="IPC subclasses and chain:segment shared (0–1)")
    distance_km: float | None = Field(
        description="between the two places' centroids; null when one is unknown"
    )
    ties: float = Field(description="past co-operation: co-patents, transfers and technology contracts")
    voucher: bool | None = Field(
        description="innovation vouchers are honoured between the two provinces; null when a side's place is unknown"
    )
    shared_terms: list[str] = Field(description="the words both texts contain (the strongest first)")
    shared_codes: list[str] = Field(description="the IPC subclasses and chain:segment both carry")
    place: str | None = None
    lon: float | None = None
    lat: float | None = None


class MatchAnswer(Envelope):
    mode: Literal["need", "text", "expert"]
    query: dict = Field(
        description="what was asked: the need's or researcher's profile, or the text and place"
    )
    note: str | None = Field(description="why there is no match at all (nothing loaded to match against)")
    rows: list[MatchRow]


class SideRow(_Row):
    id: str
    segment: str | None
    segment_zh: str | None
    adcode: str | None
    place: str | None
    lon: float | None
    lat: float | None


class SideAnswer(Envelope):
    total: int
    rows: list[SideRow]


def _records(df: pd.DataFrame) -> Records:
    out = df.astype(object).where(df.notna(), None)
    for c in ("shared_terms", "shared_codes"):
        if c in out.columns:
            out[c] = [list(map(str, v)) if isinstance(v, list | tuple | np.ndarray) else [] for v in out[c]]
    return Records(out)


def _query_row(b: Backend, side: str, uid: str) -> dict:
    rows = mp.listing(b, side)
    one = rows[rows["id"] == uid]
    return {} if one.empty else {k: (None if pd.isna(v) else v) for k, v in one.iloc[0].items()}


def _answer(res: mp.Result, mode: str, asked: dict) -> dict:
    return {
        "mode": mode,
        "query": asked,
        "note": res.note,
        "rows": _records(res.rows),
        "synthetic": res.synthetic,
    }


def _known(b: Backend, side: str, uid: str) -> dict:
    """The profile asked for, or 404 when the reader may not see it."""
    asked = _query_row(b, side, uid)
    if not asked:
        what = "需求 need" if side == "needs" else "研究人员 researcher"
        raise not_found(f"没有{what} {uid!r}（或不在您的辖区内）; GET /api/matching/{side} lists them")
    return asked


@router.get(
    "/matching/needs/{uid}",
    response_model=MatchAnswer,
    responses=ERROR_RESPONSES,
    summary="需求匹配 / Researchers for a need, each match explained",
)
async def experts_for_need(request: Request, atlas: AtlasDep, uid: Uid, top: Top = 10) -> Response:
    """The researchers best matched to the need, best first; each row says why (score and parts, shared words and
    codes, distance, past ties, voucher). 404 for a need unknown or outside your jurisdiction."""

    def compute(b: Backend) -> dict:
        asked = _known(b, "needs", uid)
        return _answer(mp.for_needs(b, uid, top=top), "need", asked)

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/matching/experts/{uid}",
    response_model=MatchAnswer,
    responses=ERROR_RESPONSES,
    summary="研究人员匹配 / Needs for a researcher, each match explained",
)
async def needs_for_expert(request: Request, atlas: AtlasDep, uid: Uid, top: Top = 10) -> Response:
    """The needs you may see best matched to the researcher, best first, each explained. 404 for an unknown
    researcher."""

    def compute(b: Backend) -> dict:
        asked = _known(b, "experts", uid)
        return _answer(mp.for_expert(b, uid, top=top), "expert", asked)

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/matching/text",
    response_model=MatchAnswer,
    responses=ERROR_RESPONSES,
    summary="按文本匹配 / Researchers for a need typed in",
)
async def experts_for_text(
    request: Request,
    atlas: AtlasDep,
    text: Annotated[str, Query(min_length=1, max_length=500, description="the need as a user writes it")],
    place: Annotated[
        str | None, Query(max_length=40, description="where it is posted from: adcode or name (苏州市)")
    ] = None,
    top: Top = 10,
) -> Response:
    """A need typed in, matched on its words (and on distance and vouchers when ``place`` is given)."""

    def compute(b: Backend) -> dict:
        return _answer(mp.for_needs(b, text=text, place=place, top=top), "text", mp.asker(text, place))

    return await atlas.answer(request, locals(), compute)


def _side(side: str):  # type: ignore[no-untyped-def]
    async def listing(
        request: Request,
        atlas: AtlasDep,
        q: Annotated[str | None, Query(max_length=100, description="words that must all appear")] = None,
        segment: Annotated[
            str | None, Query(max_length=80, description="a chain (ic) or chain:segment (ic:design)")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="rows to return")] = 100,
        offset: OffsetParam = 0,
    ) -> Response:
        def compute(b: Backend) -> dict:
            rows = mp.listing(b, side, q=q, segment=segment)
            return {"total": len(rows), "rows": _records(rows.iloc[offset : offset + limit])}

        return await atlas.answer(request, locals(), compute)

    return listing


router.get(
    "/matching/needs",
    response_model=SideAnswer,
    responses=ERROR_RESPONSES,
    summary="技术需求 / The firms' technology needs you may see",
    description="Needs with their firm, segment, place, budget and date; `q` searches title, description and firm.",
)(_side("needs"))
router.get(
    "/matching/experts",
    response_model=SideAnswer,
    responses=ERROR_RESPONSES,
    summary="研究人员 / The region's researchers",
    description="Researchers with their institution, directions, segment and place; `q` searches those.",
)(_side("experts"))
