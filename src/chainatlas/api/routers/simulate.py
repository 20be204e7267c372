"""情景模拟 (issue 14): run a supply-shock scenario (``POST /simulations``; the documented example to start from:
``GET /simulations/example``; a scenario file a planner wrote, read into JSON: ``POST /simulations/parse``), the
systemic-risk ranking (``GET /risk``) and the supply-chain emergency list
(``GET /emergency-list``), all from :mod:`chainatlas.pipeline.simulate` and :mod:`chainatlas.pipeline.emergency`.

**Synchronous, with a size guard.** A scenario runs inside the request: on the ``medium`` atlas (≈ 30 k firms in
the network) the example scenario's four variants over 26 weeks take a few seconds, far less than a job queue
would cost in state (a job store shared by the pooled read-only backends and the server's processes, results to
expire, a second request to fetch them). What could take long is refused up front with 413 and the CLI command
that runs it: more than :data:`MAX_CELLS` firm-steps (firms × steps × variants). At most one simulation runs at a
time (risk and the emergency list share its slot); another waits up to :data:`WAIT_SECONDS`, then gets 503 with
``Retry-After``.

**Scope.** The network is the whole region's whatever the reader may see; the answer holds aggregates (by segment,
place, province, chain, region) and firm-level rows only of firms inside the reader's jurisdiction (see
:mod:`chainatlas.pipeline.simulate`). ``POST /simulations`` changes nothing, but it is a POST (the scenario is a
JSON body), so it needs the CSRF header like every other one; it is never cached. Its answer names the reader's
``jurisdiction``, so that a page can say whose firms it lists. The risk ranking and the emergency list are cached
per build (the answer cache is dropped when the atlas changes).

**Scenario files.** ``POST /simulations/parse`` takes the bytes of a YAML file as ``chainatlas templates scenario``
writes it and a planner edits it (UTF-8 with or without BOM, or GBK/GB18030 as Windows Notepad saves it; any line
endings; at most :data:`MAX_FILE_BYTES`) and reads it as ``chainatlas simulate`` reads a file
(:func:`chainatlas.pipeline.scenario.read_scenario`: decoded as every user's text file, YAML aliases refused,
checked field by field): the answer is the scenario as JSON, the body
``POST /simulations`` takes (the shape of ``GET /simulations/example``'s ``scenario``), or a 400 naming the file,
the field (``shocks[1].weeks``) or the line and column of a YAML syntax error, and what was expected. It reads no
atlas: whether the places and firms exist is told when the scenario runs.
"""

from __future__ import annotations

import asyncio
from pathlib import PureWindowsPath
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from chainatlas.api.atlas import slot
from chainatlas.api.auth import principal_of
from chainatlas.api.cache import answer_key, send
from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import PeriodParam
from chainatlas.api.render import error_body, render, too_large
from chainatlas.api.schemas import ERROR_RESPONSES, Envelope, ErrorResponse
from chainatlas.errors import ConfigError, YamlError
from chainatlas.pipeline import emergency
from chainatlas.pipeline import simulate as sim
from chainatlas.pipeline.scenario import Scenario, example_scenario, parse_scenario, read_scenario
from chainatlas.pipeline.supply_network import cached_network
from chainatlas.storage.base import Backend

router = APIRouter(tags=["simulate"])

#: the largest run answered in a request: firms × steps × variants (the example scenario on ``medium``: ≈ 3 M)
MAX_CELLS = 50_000_000
#: how long a request waits for the simulation slot before a 503
WAIT_SECONDS = 30.0
#: the largest scenario file ``POST /simulations/parse`` reads: a scenario is a page or two of text (the example:
#: 4 kB); 25,000 white-listed firms written by credit code still fit
MAX_FILE_BYTES = 512 * 1024
_slots: dict[int, asyncio.Semaphore] = {}
_RESPONSES: dict[int | str, dict] = {
    **ERROR_RESPONSES,
    413: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class VariantSummary(_Row):
    variant: str
    baseline: float = Field(description="the region's baseline output per step (万元)")
    loss: float = Field(description="output lost over the horizon (万元)")
    loss_share: float = Field(description="loss ÷ baseline over the horizon")
    direct: float = Field(description="direct loss: capacity the shocks removed (万元)")
    indirect: float = Field(description="indirect loss: loss − direct (万元)")
    indirect_ratio: float | None = Field(description="indirect ÷ direct")
    peak_loss_share: float = Field(description="the largest loss of one step, as a share of the baseline")
    peak_step: int
    recovered_step: int | None = Field(description="first step after the peak from which output stays ≥ 95 %")
    recovery_steps: int | None = Field(
        description="steps from the peak to recovery (null: not within the horizon)"
    )
    recovery_days: int | None
    substitutions: int = Field(description="switches to a new supplier")
    substituted: float = Field(description="value the new suppliers delivered (万元)")
    whitelisted: int = Field(description="white-listed firms (running during lockdowns)")


class ExampleScenario(Envelope):
    scenario: dict[str, Any] = Field(
        description="the documented example as JSON: a body `POST /simulations` takes as it is"
    )
    yaml: str = Field(description="the same scenario as the YAML file `chainatlas templates scenario` writes")


class ScenarioInfo(BaseModel):
    name: str
    period: int = Field(description="the year of the network")
    horizon: int
    step: str = Field(description="day or week")
    shocks: int
    variants: list[str]


class SimulationAnswer(Envelope):
    provenance: dict[str, Any]
    scenario: ScenarioInfo
    notes: list[str] = Field(description="what the reader should know: imputed values, firms left out...")
    seconds: float
    summary: list[VariantSummary] = Field(description="one row per variant")
    series: list[dict[str, Any]] = Field(
        description="per variant and step: baseline, output, loss, direct, indirect"
    )
    segments: list[dict[str, Any]] = Field(description="per variant, step and segment (chain:segment)")
    places: list[dict[str, Any]] = Field(
        description="per variant, step and place (adcode); `suppressed` places outside your jurisdiction with few "
        "firms (numbers null)"
    )
    provinces: list[dict[str, Any]]
    chains: list[dict[str, Any]] = Field(description="a firm counts in every chain it belongs to")
    firms: list[dict[str, Any]] = Field(description="the firms hit hardest inside your jurisdiction")
    substitutions: list[dict[str, Any]] = Field(
        description="switches naming only firms inside your jurisdiction"
    )
    whitelist: list[dict[str, Any]] = Field(
        description="white-listed firms inside your jurisdiction whose running kept others' output alive"
    )
    jurisdiction: str | None = Field(
        default=None,
        description="the reader's jurisdiction: YRD (the whole region: firm-level rows of every firm) or the "
        "province, city or county code whose firms alone the firm-level rows (firms, substitutions, whitelist) "
        "name; aggregates are the whole region's either way",
    )


class ParsedScenario(Envelope):
    file: str = Field(description="the file's name as sent (without folders)")
    scenario: dict[str, Any] = Field(
        description="the scenario as JSON: a body `POST /simulations` takes as it is (the shape of "
        "`GET /simulations/example`'s `scenario`); the file's comments are not kept"
    )
    name: str = Field(description="the scenario's name (its default when the file gives none)")
    period: int | None = Field(description="the year the file asks for (null: the latest built)")
    horizon: int
    step: str = Field(description="day or week")
    shocks: int
    variants: list[str] = Field(description="the policy variants the scenario runs side by side")


class RiskFirm(_Row):
    rank: int = Field(description="1 = the largest ESRI among the firms ranked (the whole region's)")
    firm: str
    name: str | None
    adcode: str | None
    province: str | None
    segment: str | None
    output: float = Field(description="baseline output, 万元 a year")
    output_share: float
    esri: float = Field(description="share of the region's output lost if the firm alone failed")


class RiskSegment(_Row):
    rank: int
    segment: str
    name: str | None
    firms: int
    output_share: float
    esri: float


class RiskAnswer(Envelope):
    provenance: dict[str, Any]
    period: int
    chain: str | None
    distribution: dict[str, Any] = Field(
        description="of every ranked firm's ESRI: quantiles, counts, histogram"
    )
    notes: list[str]
    firms: list[RiskFirm] = Field(description="ranked firms inside your jurisdiction")
    segments: list[RiskSegment]


class EmergencyAnswer(Envelope):
    provenance: dict[str, Any]
    period: int
    radius_km: float | None
    capacity_share: float
    provinces: list[str] = Field(
        description="the provinces with rows (one Excel sheet each in the CLI's list)"
    )
    notes: list[str]
    firms: list[dict[str, Any]] = Field(
        description="critical firms per chain: score, ESRI and its rank, betweenness, alternatives"
    )
    segments: list[dict[str, Any]] = Field(
        description="segments per chain and province, with spare capacity elsewhere"
    )


def _gate() -> asyncio.Semaphore:
    loop = id(asyncio.get_running_loop())
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(1)
    return _slots[loop]


def _simulate(b: Backend, scenario: Scenario) -> dict:
    built = cached_network(b, period=scenario.period)
    cells = built[0].n * scenario.horizon * len(scenario.variants)
    if cells > MAX_CELLS:
        raise too_large(
            f"the scenario would simulate {cells:,} firm-steps ({built[0].n:,} firms × {scenario.horizon} steps × "
            f"{len(scenario.variants)} variants), more than one request may ({MAX_CELLS:,}); run it with "
            "`chainatlas simulate SCENARIO.yaml -o result.json`"
        )
    result = sim.run(b, scenario, built=built)
    prov = sim.provenance(b, "simulate", scenario=scenario.raw, period=result.period)
    return {"provenance": prov, **result.document()}


@router.post(
    "/simulations",
    response_model=SimulationAnswer,
    responses=_RESPONSES,
    summary="Run a supply-shock scenario",
)
async def simulations(
    request: Request,
    atlas: AtlasDep,
    scenario: Annotated[
        dict[str, Any],
        Body(
            description="the scenario as JSON: the fields of the YAML file `chainatlas templates scenario` writes "
            "(period, horizon, step, shocks, settings, compare)",
            examples=[
                {
                    "horizon": 12,
                    "step": "week",
                    "shocks": [{"type": "lockdown", "places": ["320500"], "start": 1, "weeks": 4}],
                    "compare": [
                        {"name": "准时制", "settings": {"inventory_days": 3}},
                        {"name": "预防性库存", "settings": {"inventory_days": 30}},
                    ],
                }
            ],
        ),
    ],
) -> Response:
    """Run the scenario on the firm supply network of the atlas (synchronously; see the module notes) and answer
    as `chainatlas simulate -o result.json` writes: per variant the loss (direct, indirect), peak, recovery; per
    step by segment, place, province and chain; the firms hit hardest, the substitutions and the white-list firms
    that kept others alive, firm-level rows only inside your jurisdiction (named in `jurisdiction`). A field that
    is wrong is a 400 naming it (`shocks[1].weeks: ...`); a run too big for a request is a 413."""
    parsed = parse_scenario(scenario)
    async with slot(_gate(), WAIT_SECONDS, busy="another simulation is running"):
        body = await atlas.call(_simulate, parsed)
    body["jurisdiction"] = principal_of(request.scope).jurisdiction
    return Response(render(body), media_type="application/json", headers={"Cache-Control": "no-store"})


def _refused(name: str, message: str, **detail: Any) -> JSONResponse:
    """A 400 in the one error shape whose ``details`` say where in the file: field, or line and column."""
    info = {"file": name, "field": None, "line": None, "column": None, **detail, "message": message}
    return JSONResponse(status_code=400, content=error_body(400, "ConfigError", message, [info]))


def _read_scenario(data: bytes, name: str) -> dict | JSONResponse:
    """The bytes of a scenario file as the checked scenario's JSON (:class:`ParsedScenario`), or the 400."""
    try:
        parsed = read_scenario(data, name)
    except YamlError as e:
        return _refused(name, str(e), line=e.line, column=e.column)
    except ConfigError as e:
        return _refused(name, str(e), field=getattr(e.__cause__, "param", None))
    raw = parsed.raw
    return {
        "synthetic": False,
        "file": name,
        "scenario": raw,
        "name": parsed.name,
        "period": parsed.period,
        "horizon": parsed.horizon,
        "step": parsed.step,
        "shocks": len(parsed.shocks),
        "variants": [v.name for v in parsed.variants],
    }


@router.post(
    "/simulations/parse",
    response_model=ParsedScenario,
    responses={**ERROR_RESPONSES, 413: {"model": ErrorResponse}},
    summary="Read a scenario file (YAML) into the JSON of a scenario",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the file's bytes: YAML as `chainatlas templates scenario` writes it (UTF-8 with or "
            "without BOM, or GBK/GB18030; any line endings)",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def parse_file(
    request: Request,
    filename: Annotated[
        str, Query(min_length=1, max_length=200, description="the file's name, for the messages")
    ] = "scenario.yaml",
) -> Response:
    """Read a scenario file a planner wrote (the 情景模拟 page's 打开情景文件) and answer the scenario as JSON for
    `POST /simulations` (the shape of `GET /simulations/example`'s `scenario`), with what it holds (name, horizon,
    shocks, variants). Nothing is run or kept. A file that is not a scenario is a 400 whose message and `details`
    name the file and the field (`shocks[1].weeks`) or the line and column of a YAML syntax error, and what was
    expected; a file over 512 kB is a 413."""
    name = PureWindowsPath(filename).name or "scenario.yaml"  # no folders, whether "/" or "\\" separates them
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_FILE_BYTES:
        raise too_large(_too_big(name))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise too_large(_too_big(name))
        chunks.append(chunk)
    if size == 0:
        raise ConfigError(
            f"{name}: the request body is empty; send the file's bytes as the body", param="file"
        )
    answer = await run_in_threadpool(_read_scenario, b"".join(chunks), name)
    if isinstance(answer, JSONResponse):
        return answer
    return Response(render(answer), media_type="application/json", headers={"Cache-Control": "no-store"})


def _too_big(name: str) -> str:
    return (
        f"{name}: larger than {MAX_FILE_BYTES // 1024} kB, more than a scenario holds; run a file this big with "
        "`chainatlas simulate FILE`"
    )


@router.get(
    "/simulations/example",
    response_model=ExampleScenario,
    responses=ERROR_RESPONSES,
    summary="The documented example scenario",
)
async def simulation_example(request: Request, atlas: AtlasDep) -> Response:
    """The example scenario `chainatlas templates scenario` writes (it runs on the demo atlas as it is), as JSON
    for `POST /simulations` (the 情景模拟 page starts from it) and as the documented YAML text. Made from the
    package's file alone: the same for every atlas and reader."""

    def make() -> bytes:

        text = example_scenario()
        return render({"synthetic": False, "scenario": yaml.safe_load(text), "yaml": text})

    return send(request, atlas.cache.static(answer_key(request, locals()), make), max_age=3600)


ChainQuery = Annotated[
    str | None, Query(max_length=40, description="a chain id (default: every firm / chain)")
]


@router.get("/risk", response_model=RiskAnswer, responses=_RESPONSES, summary="Systemic-risk ranking (ESRI)")
async def risk(
    request: Request,
    atlas: AtlasDep,
    chain: ChainQuery = None,
    top: Annotated[
        int, Query(ge=1, le=10_000, description="firms listed (the highest ranked you may see)")
    ] = 100,
    period: PeriodParam = None,
) -> Response:
    """The economic systemic-risk index (Diem et al. 2022) of every firm (of `chain`): the share of the region's
    output lost if it alone failed; per segment the same for its firms together; the distribution; the ranked
    firms inside your jurisdiction (ranks are the whole region's). As `chainatlas risk -o risk.json`."""

    def run(b: Backend) -> dict:
        r = emergency.risk(b, period=period, chain=chain, top=top)
        return {
            "provenance": sim.provenance(b, "risk", chain=chain, period=r.period, top=top),
            **r.document(),
        }

    return await atlas.answer(request, locals(), run, gate=_gate(), wait=WAIT_SECONDS)


@router.get(
    "/emergency-list",
    response_model=EmergencyAnswer,
    responses=_RESPONSES,
    summary="The supply-chain emergency list (供应链关键部门联合清单)",
)
async def emergency_list(
    request: Request,
    atlas: AtlasDep,
    chain: ChainQuery = None,
    province: Annotated[
        str | None, Query(max_length=20, description="a province: 310000, 320000, 330000, 340000 or its name")
    ] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="critical firms per chain")] = 30,
    period: PeriodParam = None,
) -> Response:
    """Per chain the critical firms (by ESRI, betweenness in the chain's supply network and lack of in-region
    alternatives) and segments, each with its alternatives, firms inside your jurisdiction only; computed from
    the atlas's build and cached until the next one. The CLI's `chainatlas emergency-list -o 清单.xlsx` writes it
    with one sheet per province."""

    def run(b: Backend) -> dict:
        e = emergency.emergency_list(b, period=period, chain=chain, province=province, top=top)
        prov = sim.provenance(b, "emergency-list", chain=chain, province=province, period=e.period, top=top)
        return {"provenance": prov, **e.document()}

    return await atlas.answer(request, locals(), run, gate=_gate(), wait=WAIT_SECONDS)
