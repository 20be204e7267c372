"""Cooperation ledgers (issue 15): the enclave ledger with its 亩均 evaluation (``GET /enclaves``), an enclave's
profile (``GET /enclaves/{uid}``), the rule breaches (``GET /enclaves/breaches``), each side's review
(``POST /enclaves/{uid}/reviews``), tax-increment sharing (``GET /tax-sharing``) and innovation-voucher flows
(``GET /vouchers``), all from :mod:`chainatlas.pipeline.cooperation`.

**Scope.** Both governments of an enclave are its parties: a reader with a jurisdiction sees the enclaves whose
origin or host lies inside it (an enclave outside is not found: 404), the tax-sharing arrangements whose collecting
or sharing place lies inside, and the vouchers whose issuer, holder or provider lies inside. Grades and ranks are
the whole region's (among every enclave of the type and year), whoever reads them.

**Reviews.** ``POST /enclaves/{uid}/reviews`` records the reviewer's decision for one side (CSRF header, as every
POST); it is refused with 403 unless the reader is an analyst or administrator whose jurisdiction covers that
side's place in the year. The latest review of a side counts and earlier ones stay in the profile's history.
Answers that show reviews (the ledger and the profile) are never cached; the breaches, tax sharing and vouchers are
cached per reader's scope until the atlas changes.

The path parameter is named ``uid`` as the other resources with ids (an enclave id such as ``E004``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chainatlas.api.auth import principal_of
from chainatlas.api.deps import AtlasDep
from chainatlas.api.render import Records, not_found, render
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope, ErrorResponse
from chainatlas.model.kinds import ENCLAVE_TYPES
from chainatlas.pipeline import cooperation as coop
from chainatlas.storage.base import Backend

router = APIRouter(tags=["cooperation"])

EnclaveType = Literal[tuple(ENCLAVE_TYPES)]  # type: ignore[valid-type]
Grade = Literal["A", "B", "C", "D"]
#: a year (the ledgers are yearly)
YearParam = Annotated[
    str | None,
    Query(
        pattern=r"^(19|20|21)\d{2}$", description="year (2024); default: the latest year with enclave rows"
    ),
]
EnclaveId = Annotated[str, Path(min_length=1, max_length=100, description="the enclave's id (E004)")]
_WRITE_RESPONSES: dict[int | str, dict] = {**ERROR_RESPONSES, 403: {"model": ErrorResponse}}


# ---------------------------------------------------------------------------------------------- shapes
class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class SideReview(BaseModel):
    decision: Literal["approve", "reject"]
    decision_zh: str = Field(description="支持 or 不支持")
    reviewer: str
    jurisdiction: str | None = Field(description="the jurisdiction the reviewer reviewed as")
    comment: str | None
    at: str = Field(description="when (UTC, ISO 8601)")


class Reviews(BaseModel):
    origin: SideReview | None = Field(description="the origin's review that counts (its latest), or null")
    host: SideReview | None = Field(description="the host's review that counts (its latest), or null")


class LedgerRow(_Row):
    enclave_id: str
    enclave_name: str | None
    origin_adcode: str | None = Field(description="飞出地 (the place that sends industry or builds the park)")
    origin_name: str | None
    host_adcode: str | None = Field(description="飞入地 (the place the enclave lies in)")
    host_name: str | None
    origin_lon: float | None = Field(description="the origin's centroid (for the fly-out → fly-in arc)")
    origin_lat: float | None
    host_lon: float | None
    host_lat: float | None
    enclave_type: str = Field(
        description="industrial, innovation, poverty or other (a blank type reads industrial)"
    )
    enclave_type_zh: str | None
    direction: str = Field(description="forward 正向飞地 or reverse 逆向飞地")
    direction_zh: str | None
    established: str | None
    operator: str | None = Field(description="the operating company (运营公司)")
    operator_code: str | None
    period: int
    area_mu: float | None = Field(description="land area (亩); null when not reported (never 0 for unknown)")
    output: float | None = Field(description="产值 (万元)")
    tax: float | None = Field(description="税收 (万元)")
    value_added: float | None = Field(description="增加值 (万元)")
    energy_tce: float | None = Field(description="综合能耗 (吨标准煤)")
    rd_spend: float | None = Field(description="研发投入 (万元)")
    employees: float | None
    target_output: float | None = Field(
        description="the agreement's yearly output target (万元), from target_year"
    )
    target_tax: float | None
    target_year: int | None
    origin_tax_share_pct: float | None = Field(
        description="the share of the enclave's tax promised to the origin"
    )
    origin_tax: float | None = Field(
        description="tax the origin received through its sharing arrangements (万元)"
    )
    needed_mu: float | None = Field(description="land quota needed: max(0, area − the host's own land)")
    transferred_mu: float | None = Field(description="land quota transferred by the origin so far (亩)")
    agreed_mu: float | None
    shortfall_mu: float | None = Field(description="needed − transferred (> 0: short)")
    tax_per_mu: float | None = Field(description="亩均税收 (万元/亩)")
    va_per_mu: float | None = Field(description="亩均增加值 (万元/亩)")
    va_per_energy: float | None = Field(description="单位能耗增加值 (万元/吨标准煤)")
    rd_intensity: float | None = Field(description="R&D ÷ output (a share 0–1)")
    labour_productivity: float | None = Field(description="全员劳动生产率 (万元/人)")
    missing: str | None = Field(
        description="weighted indicators unknown, ';'-joined (their weight renormalised)"
    )
    score: float | None = Field(description="weighted percentile score 0–100 within type and year")
    rank: int | None = Field(
        description="rank within type and year among every enclave of the region (1 = best)"
    )
    peers: int | None = Field(description="scored enclaves of the type and year")
    grade: Grade | None  # type: ignore[valid-type]
    leader: bool = Field(description="first of its type and year")
    review_origin: Literal["approve", "reject"] | None
    review_host: Literal["approve", "reject"] | None
    reviews: Reviews
    priority: bool = Field(description="approved by both sides and leader of its type-year: priority support")
    breaches: list[str] = Field(description="rules breached this year (see GET /api/enclaves/breaches)")
    unknowns: list[str] = Field(description="rules that could not be checked this year")


class MuSettingsOut(BaseModel):
    weights: dict[str, float] = Field(description="indicator → weight (summing to 1)")
    thresholds: dict[str, float] = Field(
        description="grade A, B, C → the lowest percentile of the score earning it"
    )
    source: str = Field(description="the settings file: the shipped mu_evaluation.yaml or the atlas's own")


class EnclavesAnswer(Envelope):
    period: int | None = Field(description="the year shown (null: the atlas holds no enclave rows)")
    periods: list[int] = Field(description="years with enclave rows you may see, oldest first")
    settings: MuSettingsOut
    rows: list[LedgerRow]


class CheckRow(_Row):
    kind: Literal["equity", "land", "terms", "tax_sharing", "voucher"]
    rule: str = Field(
        description="origin_control, host_min, shares_sum, land_quota, over_agreed, target_output, ..."
    )
    rule_zh: str | None
    status: Literal["breach", "unknown"] = Field(
        description="breached, or cannot be checked (a figure is missing)"
    )
    severity: Literal["info", "warning", "critical"] = Field(description="the severity of its alert")
    enclave_id: str | None
    enclave_name: str | None
    agreement_id: str | None = Field(description="the tax-sharing arrangement (kind tax_sharing)")
    voucher_id: str | None = Field(description="the voucher (kind voucher)")
    period: int
    value: float | None = Field(description="the realised figure tested")
    threshold: float | None = Field(description="the rule's or the agreement's figure it was tested against")
    gap: float | None = Field(description="value − threshold")
    message: str = Field(description="中文 / English, with the numbers")
    origin_adcode: str | None = Field(
        description="the origin (tax sharing: the sharing place; voucher: the issuer)"
    )
    host_adcode: str | None = Field(
        description="the host (tax sharing: the collecting place; voucher: the provider)"
    )
    jurisdictions: str = Field(description="the places concerned, ';'-joined")


class BreachesAnswer(Envelope):
    period: int | None = Field(description="the year checked (null with all=true)")
    rows: list[CheckRow]


class ProfileAnswer(Envelope):
    enclave_id: str
    identity: dict[str, Any] = Field(
        description="as of its latest year: names, places, centroids, type, operator"
    )
    periods: list[int]
    terms: dict[str, Any] | None = Field(description="the enclave agreement (飞地协议), or null")
    shareholders: list[dict[str, Any]] = Field(description="the operator's shareholders per year")
    side_shares: list[dict[str, Any]] = Field(description="per year: each side's share and paid-in capital")
    years: list[dict[str, Any]] = Field(
        description="per year: agreed vs realised output and tax, land quota, 亩均 indicators, grade, reviews"
    )
    breaches: list[CheckRow] = Field(description="every year's breaches and unchecked rules")
    reviews: dict[str, list[dict[str, Any]]] = Field(
        description="history: every review, oldest first; latest: the one that counts per year and side"
    )
    tax_sharing: list[dict[str, Any]] = Field(
        description="its arrangements, each with `agreement` and `split`"
    )


class ReviewIn(BaseModel):
    """One side's review of an enclave's 亩均 evaluation in a year."""

    model_config = ConfigDict(extra="forbid")

    period: int = Field(ge=1900, le=2199, description="the year evaluated (2024)")
    side: Literal["origin", "host"] = Field(description="origin 飞出地 or host 飞入地")
    decision: Literal["approve", "reject"] = Field(description="approve 支持 or reject 不支持")
    comment: str | None = Field(None, max_length=4000, description="the review's comment")


class ReviewAnswer(Envelope):
    id: int
    enclave_id: str
    period: int
    side: Literal["origin", "host"]
    decision: Literal["approve", "reject"]
    comment: str | None
    reviewer: str
    jurisdiction: str | None = Field(description="the reviewer's jurisdiction")
    place: str | None = Field(description="the side's place in the year")
    at: str = Field(description="when (UTC, ISO 8601)")
    approved_by_both: bool
    leader: bool
    priority: bool = Field(description="approved by both sides and leader of its type-year")


class TaxSplitRow(_Row):
    agreement_id: str
    enclave_id: str | None
    enclave_name: str | None
    collecting_adcode: str | None = Field(description="征收地")
    collecting_name: str | None
    sharing_adcode: str | None = Field(description="分享地")
    sharing_name: str | None
    basis: Literal["increment", "total", "capital"]
    period: int
    in_term: bool
    tax: float | None = Field(description="Σ tax paid of the arrangement's records (万元)")
    base: float | None = Field(description="the base year's tax (increment basis)")
    share_pct: float | None
    agreed_share: float | None
    cap: float | None
    capped: float | None = Field(description="min(agreed_share, cap): what the sharing side is owed")
    cap_binding: bool | None
    realised: float | None = Field(description="Σ tax paid × share_pct / 100 of the records")
    gap: float | None = Field(description="realised − capped")
    status: Literal["ok", "under", "over", "outside_term", "no_records", "unknown"]
    message: str | None


class TaxSharingAnswer(Envelope):
    period: int | None = Field(description="the year (null: every year)")
    rows: list[TaxSplitRow]


class FlowRow(_Row):
    issuer_province: str | None
    issuer_province_name: str | None
    provider_province: str | None
    provider_province_name: str | None
    year: int
    cross_province: bool | None
    recognised: bool = Field(description="redeemed under a recognition in force")
    count: int
    value: float | None = Field(description="万元: redeemed value, else face value")
    by_user: int = Field(description="redeemed by the user firm (使用方兑付)")
    by_provider: int = Field(description="redeemed by the provider (服务方兑付)")


class EffectRow(_Row):
    agreement_id: str
    adcode_a: str
    adcode_a_name: str | None
    adcode_b: str
    adcode_b_name: str | None
    start: str | None
    end: str | None
    before_count: int = Field(description="redemptions between the two places in the 12 months before start")
    before_value: float
    after_count: int = Field(description="... in the 12 months from start")
    after_value: float
    count_ratio: float | None = Field(description="after ÷ before (null: none before)")
    value_ratio: float | None


class UnrecognisedRow(_Row):
    voucher_id: str
    issuer_adcode: str | None
    provider_adcode: str | None
    redeemed: str
    value: float | None
    redeem_mode: str | None
    rule: str
    status: str
    message: str


class VouchersAnswer(Envelope):
    year: int | None = Field(
        description="the year of the flows and unrecognised redemptions (null: every year)"
    )
    flows: list[FlowRow] = Field(description="per issuer province → provider province, year and recognition")
    effect: list[EffectRow] = Field(description="per recognition (互认互通): before and after its start")
    unrecognised: list[UnrecognisedRow] = Field(description="cross-province redemptions with no recognition")


# ---------------------------------------------------------------------------------------------- helpers
def _records(df: pd.DataFrame) -> Records:
    return Records(df.astype(object).where(df.notna(), None))


def _fresh(payload: dict) -> Response:
    """An answer never cached (it shows reviews, which change while the server runs)."""
    return Response(render(payload), media_type="application/json", headers={"Cache-Control": "no-store"})


def _year(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _missing(uid: str) -> Exception:
    return not_found(
        f"没有飞地 {uid}（或不在您的辖区内） / no enclave {uid!r} in your jurisdiction; GET /api/enclaves lists them"
    )


def _ledger(
    b: Backend, synthetic: bool, period: int | None, type: str | None, province: str | None, grade: str | None
) -> dict:
    rows = coop.ledger(b, period=period, type=type, province=province, grade=grade)
    years = coop.periods(b)
    year = int(rows["period"].iloc[0]) if len(rows) else (period or (years[-1] if years else None))
    return {
        "synthetic": synthetic,
        "period": year,
        "periods": years,
        "settings": coop.evaluation_settings(b),
        "rows": _records(rows),
    }


def _profile(b: Backend, synthetic: bool, uid: str) -> dict:
    try:
        p = coop.profile(b, uid)
    except coop.UnknownEnclave:
        raise _missing(uid) from None
    return {**p, "synthetic": synthetic}


# ---------------------------------------------------------------------------------------------- routes
@router.get(
    "/enclaves",
    response_model=EnclavesAnswer,
    responses=ERROR_RESPONSES,
    summary="飞地台账 / The enclave ledger of one year with its 亩均 evaluation",
)
async def enclaves_ledger(
    atlas: AtlasDep,
    period: YearParam = None,
    type: Annotated[
        EnclaveType | None,  # type: ignore[valid-type]
        Query(description="enclave type: " + ", ".join(f"{k} ({v})" for k, v in ENCLAVE_TYPES.items())),
    ] = None,
    province: Annotated[
        str | None,
        Query(
            max_length=40, description="origin or host in this place: 320000, 江苏省 (or a city code or name)"
        ),
    ] = None,
    grade: Annotated[Grade | None, Query(description="亩均 grade A, B, C or D")] = None,  # type: ignore[valid-type]
) -> Response:
    """One row per enclave you may see (its origin or host inside your jurisdiction) in the year: places with names
    and centroids (the map's fly-out → fly-in arcs), type and direction, the year's numbers (null when not
    reported, never 0), the agreement's targets, the land-quota balance, the 亩均 indicators, score, rank among
    every enclave of its type and year, grade A–D, leader, each side's review, ``priority`` (approved by both and
    leader) and the rules it breaches. ``settings`` are the weights and thresholds in force."""
    synthetic = await run_in_threadpool(atlas.synthetic)
    body = await atlas.call(_ledger, synthetic, _year(period), type, province, grade)
    return _fresh(body)


@router.get(
    "/enclaves/breaches",
    response_model=BreachesAnswer,
    responses=ERROR_RESPONSES,
    summary="违规 / Breaches of the equity, land-quota, terms, tax-sharing and voucher rules",
)
async def enclaves_breaches(
    request: Request,
    atlas: AtlasDep,
    period: YearParam = None,
    all: Annotated[bool, Query(description="every year instead of one")] = False,
) -> Response:
    """Every breached or uncheckable rule you may see in the year (or every year): the equity rule (the origin
    controls, more than 50 %; the host holds at least 30 %, or the agreement's own floors), the land quota
    transferred against what is needed and agreed, the agreement's targets and the origin's promised tax share,
    tax-sharing arrangements (under, over, outside the term) and cross-province voucher redemptions with no
    recognition; each with the numbers behind it and the places concerned."""
    if all and period is not None:
        from chainatlas.errors import ConfigError

        raise ConfigError("give period or all=true, not both", param="period")
    year = _year(period)

    def compute(b: Backend) -> dict:
        rows = coop.check(b, period=year, every=all)
        shown = None if all else (int(rows["period"].iloc[0]) if len(rows) else coop.latest_year(b, year))
        return {"period": shown, "rows": _records(rows)}

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/enclaves/{uid}",
    response_model=ProfileAnswer,
    responses=ERROR_RESPONSES,
    summary="飞地档案 / One enclave over the years",
)
async def enclave_profile(atlas: AtlasDep, uid: EnclaveId) -> Response:
    """The enclave's identity, agreement (飞地协议), operator's shareholders per year, agreed vs realised output and
    tax, land quota, the 亩均 indicators and grade per year, every year's breaches, the reviews (history and the
    ones that count) and its tax-sharing arrangements with their split. 404 for an id unknown or outside your
    jurisdiction."""
    synthetic = await run_in_threadpool(atlas.synthetic)
    return _fresh(await atlas.call(_profile, synthetic, uid))


@router.post(
    "/enclaves/{uid}/reviews",
    response_model=ReviewAnswer,
    responses=_WRITE_RESPONSES,
    summary="评审 / Record one side's review of an enclave's evaluation",
)
async def enclave_review(
    request: Request, atlas: AtlasDep, uid: EnclaveId, body: Annotated[ReviewIn, Body()]
) -> Response:
    """Record your decision (approve 支持 / reject 不支持) for one side (origin 飞出地 / host 飞入地) of the
    enclave's evaluation in a year, with a comment. Analysts and administrators whose jurisdiction covers that
    side's place review it (403 otherwise); the latest review of a side counts. Answers the review as stored and
    whether the enclave now has priority support (approved by both sides and leader of its type-year)."""
    principal = principal_of(request.scope)
    db = atlas.path  # the reviews live beside it: config.side_file(db, "reviews")

    def act(b: Backend) -> dict:
        try:
            out = coop.review(
                b,
                db,
                uid,
                period=body.period,
                side=body.side,
                decision=body.decision,
                comment=body.comment,
                principal=principal,
            )
        except coop.UnknownEnclave:
            raise _missing(uid) from None
        return {**out, "synthetic": atlas.synthetic(b)}

    return _fresh(await atlas.call(act))


@router.get(
    "/tax-sharing",
    response_model=TaxSharingAnswer,
    responses=ERROR_RESPONSES,
    summary="税收分享 / Agreed vs realised split of the tax-sharing arrangements",
)
async def tax_sharing(request: Request, atlas: AtlasDep, period: YearParam = None) -> Response:
    """ "Capital + tax" sharing (资本+税收): per arrangement you may see (collecting or sharing place inside your
    jurisdiction) and year, the tax of its records, the base (increment basis), the share, the agreed amount and
    its cap (``cap_binding``), the amount realised to the sharing place, the gap and the status."""
    year = _year(period)

    def compute(b: Backend) -> dict:
        return {"period": year, "rows": _records(coop.tax_sharing(b, period=year))}

    return await atlas.answer(request, locals(), compute)


@router.get(
    "/vouchers",
    response_model=VouchersAnswer,
    responses=ERROR_RESPONSES,
    summary="创新券 / Voucher flows across provinces and the effect of mutual recognitions",
)
async def voucher_flows(
    request: Request,
    atlas: AtlasDep,
    year: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20|21)\d{2}$", description="year of the flows and unrecognised redemptions (2024)"
        ),
    ] = None,
) -> Response:
    """Innovation vouchers (创新券) you may see (issuer, holder or provider inside your jurisdiction): flows per
    issuing province → provider province and year, by redemption mode; each mutual recognition's (互认互通)
    redemptions in the 12 months before and after its start; cross-province redemptions with no recognition in
    force."""
    y = _year(year)

    def compute(b: Backend) -> dict:
        v = coop.vouchers(b, year=y)
        return {
            "year": y,
            "flows": _records(v.flows),
            "effect": _records(v.effect),
            "unrecognised": _records(v.unrecognised),
        }

    return await atlas.answer(request, locals(), compute)
