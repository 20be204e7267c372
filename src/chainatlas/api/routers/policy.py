"""Policy linkage (政策, issue 16): the policies with their tags (``GET /policies``), one policy with the evidence of
each tag (``GET /policies/{uid}``), the coverage matrix segments × places × years (``GET /policies/coverage``),
overlaps where neighbouring places back one segment with competing measures (``GET /policies/overlaps``), gaps
(``GET /policies/gaps``) and the policies bearing on an alert (``GET /alerts/{uid}/policies``), all from
:mod:`chainatlas.pipeline.policy`.

**Tags.** A tag is a chain and segment (or a chain as a whole, segment ``*``) read from the title and text — with the
terms found, the evidence sentences and a confidence in [0.5, 1] — or declared by the policy's record (confidence 1);
``source`` says which (text, declared, both).

**Scope and caching.** Policies are public documents: every reader sees every policy, and the answers are cached
until the atlas changes (per reader's scope, as every answer). The policies of an alert are never cached (alerts
change while the server runs) and an alert outside the reader's jurisdiction is not found (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from chainatlas.api.auth import principal_of
from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import LimitParam, OffsetParam
from chainatlas.api.render import Records, not_found, page, render
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope, Paged
from chainatlas.pipeline import policy as pp
from chainatlas.storage.base import Backend

router = APIRouter(tags=["policies"])

PlaceLevel = Literal["city", "province", "place"]
PolicyLevel = Literal[tuple(pp.LEVEL_ZH)]  # type: ignore[valid-type]
Source = Literal["text", "declared", "both"]
ChainQ = Annotated[
    str | None,
    Query(max_length=40, description="one chain (ic, nev, ai, bio, ...); default or *: every chain"),
]
SegmentQ = Annotated[
    str | None, Query(max_length=60, description="one segment of the chain (design, ...); default or *: all")
]
LevelQ = Annotated[
    PlaceLevel,
    Query(
        description="places as cities (a county's policy counts for its city), provinces, or as issued (place)"
    ),
]
SinceQ = Annotated[
    int | None,
    Query(ge=1900, le=2199, description="first year, inclusive (default: the first with policies)"),
]
UntilQ = Annotated[
    int | None,
    Query(ge=1900, le=2199, description="last year, inclusive (default: the last with policies)"),
]
#: the confidence steps a reader chooses from (tags below 0.5 are never kept; 1: declared by the record, or certain)
Confidence = Literal["0.5", "0.6", "0.7", "0.8", "0.9", "1.0"]
ConfidenceQ = Annotated[
    Confidence,
    Query(
        description="leave out tags below this confidence: 0.5 (every tag kept), 0.6, 0.7, 0.8, 0.9 or 1.0"
    ),
]
PolicyId = Annotated[str, Path(min_length=1, max_length=100, description="the policy's id (P2023000017)")]
AlertId = Annotated[int, Path(ge=1, le=2**53, description="the alert's id")]


# ---------------------------------------------------------------------------------------------- shapes
class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class PolicyRow(_Row):
    policy_id: str
    title: str
    issuer: str | None
    adcode: str | None = Field(description="the issuing jurisdiction")
    place_name: str | None
    level: str | None = Field(description="national, regional, provincial, city or county")
    level_zh: str | None
    date: str | None = Field(description="issued (ISO date)")
    year: int | None
    labels: list[str] = Field(description="tags, strongest first: chain:segment, or chain for a whole chain")
    labels_zh: list[str]
    confidence: float | None = Field(description="the strongest tag's confidence (null: no tag)")
    measures: list[str] = Field(description="competing measures offered: subsidy, land, tax, talent, ...")
    excerpt: str = Field(description="the text's first 80 characters")
    synthetic: bool


class PoliciesPage(Paged):
    years: list[int] = Field(description="years with policies, oldest first")
    data: list[PolicyRow]


class TagOut(_Row):
    chain: str
    segment: str = Field(description="a segment, or * for the chain as a whole")
    label: str
    label_zh: str
    confidence: float = Field(description="0.5–1; 1 for a tag the record declares")
    text_confidence: float | None = Field(
        description="the text's own confidence (null: not found in the text)"
    )
    keyword_score: float | None = Field(description="1 − exp(−Σ ln(1 + mentions) / targets of the term)")
    similarity: float | None = Field(description="BM25 share of the target's profile the text covers")
    source: Source
    source_zh: str
    terms: list[str] = Field(description="the terms found, as written in the policy, strongest first")
    mentions: int
    in_title: bool
    sentences: list[str] = Field(description="the evidence: sentences holding the terms, the title first")
    shared_tokens: list[str]


class MeasureOut(_Row):
    category: str
    category_zh: str | None
    terms: list[str]


class PolicyAnswer(Envelope):
    policy_id: str
    title: str
    issuer: str | None
    adcode: str | None
    place_name: str | None
    level: str | None
    level_zh: str | None
    date: str | None
    year: int | None
    declared: list[str] = Field(description="the chains and segments the record itself declares")
    text: str
    tags: list[TagOut]
    measures: list[MeasureOut]


class SegmentOut(_Row):
    chain: str
    segment: str
    label: str
    chain_zh: str
    segment_zh: str
    label_zh: str
    policies: int = Field(description="distinct policies of places on it in the years")


class PlaceOut(_Row):
    place: str = Field(description="the place's code at the level (Shanghai's city is 310000)")
    unit: str = Field(description="the map's unit of the scale (310100 for Shanghai's city)")
    name_zh: str | None
    name_en: str | None
    lon: float | None
    lat: float | None
    policies: int = Field(description="distinct policies issued there in the years (of the chain asked)")


class MatrixCell(_Row):
    chain: str
    segment: str
    place: str
    policies: int


class YearCell(MatrixCell):
    year: int
    mean_confidence: float


class RegionCell(_Row):
    chain: str
    segment: str
    policies: int = Field(description="regional and national policies on it in the years")


class CoverageAnswer(Envelope):
    level: PlaceLevel
    years: list[int] = Field(description="[first, last] counted (empty: no policies)")
    available: list[int] = Field(description="years with policies")
    min_confidence: float
    segments: list[SegmentOut] = Field(
        description="the rows: each chain's segments, then the chain as a whole (*)"
    )
    places: list[PlaceOut] = Field(description="the columns: every city or province, or the issuing places")
    matrix: list[MatrixCell] = Field(description="policies per segment and place over the years (non-empty)")
    cells: list[YearCell] = Field(description="the same per year")
    region: list[RegionCell]


class OverlapSummary(_Row):
    chain: str
    segment: str
    label_zh: str
    place_a: str
    place_a_name: str | None
    unit_a: str
    lon_a: float | None
    lat_a: float | None
    place_b: str
    place_b_name: str | None
    unit_b: str
    lon_b: float | None
    lat_b: float | None
    pairs: int = Field(description="pairs of competing policies")
    policies_a: int
    policies_b: int
    first_year: int
    last_year: int
    measures: list[str] = Field(description="the measure categories both sides offer")
    measures_zh: list[str]
    relation: Literal["neighbour", "same_province"]
    relation_zh: str


class OverlapPair(_Row):
    chain: str
    segment: str
    place_a: str
    place_b: str
    policy_a: str
    policy_b: str
    title_a: str | None
    title_b: str | None
    year_a: int
    year_b: int
    relation: Literal["neighbour", "same_province"]
    measures: list[str]
    confidence: float = Field(description="the smaller of the two tags' confidences")


class OverlapsAnswer(Envelope):
    level: PlaceLevel
    years: list[int]
    window: int
    same_province: bool
    min_confidence: float
    summary: list[OverlapSummary] = Field(description="per place pair and segment, most pairs first")
    pairs_total: int
    pairs: list[OverlapPair] = Field(description="the policy pairs (at most `limit`)")


class GapRow(_Row):
    chain: str
    segment: str
    label_zh: str
    place: str
    place_name: str | None
    chain_policies: int = Field(description="policies of the place on the whole chain in the years")
    higher_policies: int = Field(description="policies on the segment by the city or province above")
    region_policies: int = Field(description="regional and national policies on the segment")
    last_year: int | None = Field(description="the latest earlier year the place had a policy on it")


class PlaceShare(_Row):
    place: str
    place_name: str | None
    segments: int
    covered: int
    share: float


class SegmentShare(_Row):
    chain: str
    segment: str
    label_zh: str
    places: int
    covered: int
    share: float


class GapsAnswer(Envelope):
    level: PlaceLevel
    years: list[int]
    min_confidence: float
    gaps: list[GapRow]
    by_place: list[PlaceShare]
    by_segment: list[SegmentShare]


class AlertRef(BaseModel):
    id: int
    unit: str
    unit_name: str | None
    chain: str
    segment: str
    label_zh: str | None
    level: str


class AlertPolicy(_Row):
    policy_id: str
    title: str
    issuer: str | None
    adcode: str | None
    place_name: str | None
    level: str | None
    level_zh: str | None
    date: str | None
    year: int | None
    relation: Literal["same", "higher", "region"] = Field(
        description="issued by the alert's place, by a jurisdiction above it, or region-wide"
    )
    relation_zh: str
    match: Literal["segment", "chain", "any"] = Field(
        description="tagged to the alert's segment, to its chain (as a whole, or any segment for a chain alert)"
    )
    label: str
    label_zh: str
    confidence: float
    source: Source
    terms: list[str]
    sentences: list[str]
    measures: list[str]


class AlertPoliciesAnswer(Envelope):
    alert: AlertRef
    min_confidence: float
    total: int
    policies: list[AlertPolicy]


# ---------------------------------------------------------------------------------------------- helpers
def _records(df: pd.DataFrame) -> Records:
    return Records(df.astype(object).where(df.notna(), None))


def _view(level: str, chain: str | None, since: int | None, until: int | None, conf: str) -> dict[str, Any]:
    """The arguments every view of the matrix takes."""
    return {"level": level, "chain": chain, "since": since, "until": until, "min_confidence": float(conf)}


def _head(v: Any) -> dict[str, Any]:
    """What every view answers first: its level, the years counted and the threshold."""
    return {"level": v.level, "years": list(v.years or ()), "min_confidence": v.min_confidence}


# ---------------------------------------------------------------------------------------------- routes
@router.get(
    "/policies",
    response_model=PoliciesPage,
    responses=ERROR_RESPONSES,
    summary="政策 / The policies with their tags",
)
async def policies_list(
    request: Request,
    atlas: AtlasDep,
    q: Annotated[
        str | None, Query(max_length=200, description="words the title, issuer or text must all contain")
    ] = None,
    chain: ChainQ = None,
    segment: SegmentQ = None,
    place: Annotated[
        str | None, Query(max_length=40, description="issued in this place or inside it: 320000, 苏州市")
    ] = None,
    policy_level: Annotated[
        PolicyLevel | None,  # type: ignore[valid-type]
        Query(description="the policy's level: " + ", ".join(f"{k} ({v})" for k, v in pp.LEVEL_ZH.items())),
    ] = None,
    since: SinceQ = None,
    until: UntilQ = None,
    min_confidence: ConfidenceQ = "0.5",
    limit: LimitParam = 100,
    offset: OffsetParam = 0,
) -> Response:
    """The policies, newest first, with the chains and segments they are tagged to (strongest first), the
    strongest tag's confidence and the competing measures they offer; filtered by words, chain and segment, place
    (issued there or inside it), level of government and years. ``years`` lists the years with policies."""

    def compute(b: Backend) -> dict:
        rows = pp.policies(
            b,
            q=q,
            chain=chain,
            segment=segment,
            place=place,
            level=policy_level,
            since=since,
            until=until,
            min_confidence=float(min_confidence),
        )
        years = sorted(int(y) for y in pp.tagged(b).policies["year"].dropna().unique())
        return {**page(rows.astype(object).where(rows.notna(), None), limit, offset), "years": years}

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/policies/coverage",
    response_model=CoverageAnswer,
    responses=ERROR_RESPONSES,
    summary="覆盖矩阵 / Policies per segment × place × year",
)
async def policies_coverage(
    request: Request,
    atlas: AtlasDep,
    level: LevelQ = "city",
    chain: ChainQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    min_confidence: ConfidenceQ = "0.5",
) -> Response:
    """Distinct policies per segment (and chain as a whole) and place in the years, and per year: a policy counts
    where it was issued, rolled up to the level; regional and national policies are counted apart (``region``).
    ``places`` are every city (or province) of the region with the map's unit, centroid and total."""

    def compute(b: Backend) -> dict:
        v = pp.coverage(b, **_view(level, chain, since, until, min_confidence))
        return {
            **_head(v),
            "available": v.available,
            "segments": _records(v.segments),
            "places": _records(v.places),
            "matrix": _records(v.matrix),
            "cells": _records(v.cells),
            "region": _records(v.region),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/policies/overlaps",
    response_model=OverlapsAnswer,
    responses=ERROR_RESPONSES,
    summary="竞争性重叠 / Neighbours backing one segment with competing measures",
)
async def policies_overlaps(
    request: Request,
    atlas: AtlasDep,
    level: LevelQ = "city",
    chain: ChainQ = None,
    segment: SegmentQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    window: Annotated[
        int, Query(ge=0, le=10, description="years apart the two policies may be (0: the same year)")
    ] = 1,
    same_province: Annotated[
        bool, Query(description="also any two places of one province, neighbours or not")
    ] = False,
    min_confidence: ConfidenceQ = "0.5",
    limit: Annotated[int, Query(ge=1, le=10_000, description="policy pairs listed at most")] = 2000,
) -> Response:
    """Pairs of policies of neighbouring places (queen contiguity of the bundled boundaries) on the same segment,
    issued at most ``window`` years apart, both offering a measure of the same category (subsidies, land, tax,
    talent, attraction, funds, procurement): the paper's 竞争远大于合作. ``summary`` per place pair and segment with
    the places' centroids (the map's lines) and the shared measures."""

    def compute(b: Backend) -> dict:
        v = pp.overlaps(
            b,
            **_view(level, chain, since, until, min_confidence),
            segment=segment,
            window=window,
            same_province=same_province,
        )
        return {
            **_head(v),
            "window": v.window,
            "same_province": v.same_province,
            "summary": _records(v.summary),
            "pairs_total": len(v.pairs),
            "pairs": _records(v.pairs.head(limit)),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/policies/gaps",
    response_model=GapsAnswer,
    responses=ERROR_RESPONSES,
    summary="政策空白 / Segments without a policy in a place",
)
async def policies_gaps(
    request: Request,
    atlas: AtlasDep,
    level: LevelQ = "city",
    chain: ChainQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    min_confidence: ConfidenceQ = "0.5",
) -> Response:
    """Every segment a place (every city or province of the region; at ``place`` the issuing places) has no
    policy on in the years, with what backs it otherwise: policies on the whole chain, by the city or province
    above, regional and national ones; and the share of segments each place covers and of places each segment
    has."""

    def compute(b: Backend) -> dict:
        v = pp.gaps(b, **_view(level, chain, since, until, min_confidence))
        return {
            **_head(v),
            "gaps": _records(v.table),
            "by_place": _records(v.by_place),
            "by_segment": _records(v.by_segment),
        }

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/policies/{uid}",
    response_model=PolicyAnswer,
    responses=ERROR_RESPONSES,
    summary="政策详情 / One policy: its tags with the evidence",
)
async def policy_detail(
    request: Request, atlas: AtlasDep, uid: PolicyId, min_confidence: ConfidenceQ = "0.5"
) -> Response:
    """The policy's record and full text, every tag (strongest first) with its confidence, source, the terms found
    and the evidence sentences, and the competing measures it offers. 404 for an id the atlas does not hold."""

    def compute(b: Backend) -> dict[str, Any]:
        try:
            return pp.policy(b, uid, min_confidence=float(min_confidence))
        except pp.UnknownPolicy as e:
            raise not_found(str(e)) from None

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/alerts/{uid}/policies",
    response_model=AlertPoliciesAnswer,
    responses=ERROR_RESPONSES,
    summary="预警相关政策 / The policies bearing on an alert",
)
async def alert_policies(
    request: Request,
    atlas: AtlasDep,
    uid: AlertId,
    min_confidence: ConfidenceQ = "0.5",
    limit: Annotated[int, Query(ge=1, le=1000, description="policies listed at most")] = 50,
) -> Response:
    """Policies issued by the alert's place or a jurisdiction covering it (its city, its province; regional and
    national policies everywhere) and tagged to the alert's segment, its chain as a whole, or — for an alert on a
    chain — any of its segments: the place's own first, then the higher ones, segment matches before chain
    matches, each with its best tag's evidence. Never cached; 404 for an alert outside your jurisdiction."""
    from chainatlas.storage.alerts import UnknownAlert

    principal = principal_of(request.scope)  # type: ignore[arg-type]  # a Starlette scope is a mapping

    def compute(b: Backend) -> dict[str, Any]:
        try:
            out = pp.for_alert(b, uid, principal=principal, min_confidence=float(min_confidence), limit=limit)
        except UnknownAlert:
            raise not_found(
                f"no alert {uid} concerning your jurisdiction; GET /api/alerts?all=true lists them"
            ) from None
        return {**out, "policies": _records(out["policies"]), "min_confidence": float(min_confidence)}

    body = await atlas.call(compute)
    return Response(render(body), media_type="application/json", headers={"Cache-Control": "no-store"})
