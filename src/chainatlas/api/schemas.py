"""Response shapes of the API, for the OpenAPI document and for tests that hold answers to them.

Routers return pre-serialised JSON (see :mod:`chainatlas.api.render`), so these models document the
answers rather than build them; ``tests/api`` validates every answer against its model.
Every answer has ``synthetic``: true when the atlas holds synthetic (made-up) records.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    status: int = Field(description="HTTP status code")
    type: str = Field(description="error class, e.g. ValidationError, NotFound, ConfigError")
    message: str = Field(description="what was wrong, where, what was expected and how to fix it")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="per-item problems (row errors of a file, fields)"
    )


class ErrorResponse(BaseModel):
    """The one shape of every error."""

    synthetic: bool = Field(False, description="errors carry no data")
    error: ErrorBody


class Envelope(BaseModel):
    synthetic: bool = Field(description="true when the atlas contains synthetic (made-up) records")


class Paged(Envelope):
    total: int = Field(description="rows matching the filters")
    limit: int
    offset: int


# ---------------------------------------------------------------------------------------------- meta
class LayerInfo(BaseModel):
    id: str
    zh: str
    en: str
    what: str


class IndicatorInfo(BaseModel):
    attr: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    group: str
    direction: Literal["up", "down"]
    inputs: list[str] = Field(description="the node attributes it is computed from")


class DefaultView(BaseModel):
    """What the map shows first (the server warms exactly these answers)."""

    scale: str
    period: int | None = Field(description="the latest built period (null before the first build)")
    layers: list[str] = Field(description="layers drawn as flow lines")
    indicator: str = Field(description="indicator of the choropleth")
    chain: str
    segment: str
    weight: Literal["n", "value"] = Field(description="edges weighed and ordered by records (n) or amounts")
    top: int = Field(description="heaviest edges drawn per layer (the edges' limit)")
    self_loops: bool = Field(description="whether ties inside a unit are drawn")


class Meta(Envelope):
    dataset: dict[str, Any]
    periods: list[int] = Field(description="built years, oldest first")
    sub_periods: dict[str, list[str]] = Field(
        description="built quarters and months (quarter: 2024Q2, month: 2024-05) where records were reported "
        "for them (customs, tax...), oldest first"
    )
    sub_attrs: list[str] = Field(description="node attributes the quarters and months hold")
    default_view: DefaultView
    layers: list[LayerInfo]
    scales: list[str]
    kinds: list[dict[str, Any]]
    indicators: list[IndicatorInfo]
    chains: list[dict[str, Any]]
    versions: dict[str, Any]
    unallocated: list[dict[str, Any]] = Field(
        description="records known only to a coarser level than a scale (scale, level, records): counted at their "
        "own level and above and in every total, never drawn as a unit of the finer scale"
    )
    ambiguous_names: int = Field(description="entity names the build did not merge (see `chainatlas info`)")


class Health(BaseModel):
    synthetic: bool
    status: str
    database: str = Field(description="the atlas file's name (never its folder)")
    exists: bool


# ---------------------------------------------------------------------------------------------- places
class PlaceRow(_Open):
    unit: str
    name_zh: str | None
    name_en: str | None
    lon: float | None
    lat: float | None
    proper: bool = Field(
        description="a unit of the scale itself (false: a coarser code standing for records placed no finer)"
    )
    city: str | None = Field(None, description="the city a county belongs to (null above county level)")
    province: str | None = Field(None, description="the province adcode")
    pinyin: str = Field("", description="pinyin of the short name without tones, for type-ahead (kunshan)")
    initials: str = Field("", description="pinyin initials of the short name (ks)")


class PlacesPage(Paged):
    scale: str
    data: list[PlaceRow]


class AreaRow(_Open):
    area_id: str
    name_zh: str
    name_en: str | None
    kind: str | None
    members: list[str]
    source_kind: str


class AreasList(Envelope):
    data: list[AreaRow]


class IndicatorValue(BaseModel):
    attr: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    value: float | None
    rank: int | None = Field(description="1 = largest among the units of the scale; null when zero")
    of: int
    share: float | None = Field(description="share of the regional total")


class Partner(BaseModel):
    unit: str
    name_zh: str | None
    name_en: str | None
    n: float
    n_out: float
    n_in: float
    value: float | None


class LayerTies(BaseModel):
    partners: int
    n_out: float
    n_in: float
    value_out: float
    value_in: float
    n_internal: float
    top: list[Partner]


class ChainSegmentPosition(BaseModel):
    segment: str
    name_zh: str
    name_en: str
    position: int
    firms: float
    revenue: float
    patents: float
    rank: int | None
    units_present: int


class ChainPosition(BaseModel):
    chain: str
    name_zh: str
    name_en: str
    segments_present: int
    segments: list[ChainSegmentPosition]


class PlaceProfile(Envelope):
    unit: str
    name_zh: str
    name_en: str
    lon: float
    lat: float
    scale: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    chain: str
    segment: str
    indicators: list[IndicatorValue]
    layers: dict[str, LayerTies]
    chains: list[ChainPosition]


class CompareSide(_Open):
    unit: str
    name_zh: str
    name_en: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    indicators: list[IndicatorValue]
    layers: dict[str, LayerTies]


class Compare(Envelope):
    mode: str = Field(description="places: two places in one period; periods: one place in two periods")
    left: CompareSide
    right: CompareSide
    shared_top_partners: dict[str, list[str]]


# ---------------------------------------------------------------------------------------------- layers
class SourceRow(BaseModel):
    layer: str
    source: str
    rows: int
    n: float


class LayerDetail(LayerInfo):
    sources: list[SourceRow]


class LayersList(Envelope):
    data: list[LayerDetail]


class EdgeRow(BaseModel):
    src: str
    dst: str
    src_name_zh: str | None
    src_name_en: str | None
    dst_name_zh: str | None
    dst_name_en: str | None
    n: float = Field(description="records (multi-party records count fractionally)")
    value: float | None = Field(
        description="amount in the unit of the sources (万元, flow volume, ...); null when no record had one"
    )


class EdgesPage(Paged):
    layer: str
    scale: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    chain: str
    segment: str
    place: str | None
    data: list[EdgeRow]


class NodeRow(_Open):
    """A unit with one field per indicator (see ``/api/indicators``)."""

    unit: str
    name_zh: str | None
    name_en: str | None
    lon: float | None
    lat: float | None


class NodesPage(Paged):
    scale: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    chain: str
    segment: str
    attrs: list[str]
    data: list[NodeRow]


class IndicatorsList(Envelope):
    data: list[IndicatorInfo]


class SeriesRow(BaseModel):
    year: int | str = Field(description="the period: a year, or a quarter (2024Q2) or month (2024-05)")
    unit: str
    value: float | None


class Series(Envelope):
    attr: str
    scale: str
    chain: str
    segment: str
    data: list[SeriesRow]


# ---------------------------------------------------------------------------------------------- chains
class SegmentInfo(_Open):
    chain: str
    segment: str
    name_zh: str
    name_en: str
    position: int
    topo_order: int


class ChainInfo(_Open):
    id: str
    name_zh: str
    name_en: str
    segments: list[SegmentInfo]


class ChainsList(Envelope):
    data: list[ChainInfo]


class ChainOne(Envelope):
    data: ChainInfo


class MatrixSegment(_Open):
    segment: str
    name_zh: str
    name_en: str
    position: int
    status: str = Field(
        description="broken (断链: no city has it), single (单点: one city only, or one firm) or ok"
    )
    basis: str = Field(
        description="what presence is judged by: firms, or patents for segments without industry codes"
    )
    cities_present: int
    units_present: int
    lead_unit: str | None


class Matrix(Envelope):
    chain: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    scale: str
    segments: list[MatrixSegment]
    units: list[dict[str, Any]]
    cells: list[dict[str, Any]]


class SankeyNode(_Open):
    id: str
    column: int
    name_zh: str
    name_en: str


class SankeyLink(BaseModel):
    source: str
    target: str
    n: float
    value: float | None
    weight: float


class Sankey(Envelope):
    chain: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    scale: str
    weight: str
    nodes: list[SankeyNode]
    links: list[SankeyLink]
    stages: list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------- analytics
class NetworkNode(BaseModel):
    unit: str
    name_zh: str | None
    name_en: str | None
    lon: float
    lat: float
    degree: int
    strength: float
    pagerank: float
    betweenness: float
    coreness: float | None
    core: bool | None
    community: int


class NetworkEdge(BaseModel):
    src: str
    dst: str
    n: float
    value: float | None
    weight: float


class Network(Envelope):
    layer: str
    scale: str
    period: int | str = Field(description="year (2024), or month (2024-05) or quarter (2024Q2)")
    chain: str
    segment: str
    weight: str
    communities: int
    modularity: float | None
    density: float
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class AnalyticsList(Envelope):
    data: list[dict[str, Any]]


class AnalysisResult(Envelope):
    topic: str
    provenance: dict[str, Any] = Field(
        description="what the result was computed from (see `chainatlas analyze`)"
    )
    summary: dict[str, Any]
    data: list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------- entities
class EntityRow(_Open):
    credit_code: str
    name: str
    entity_type: str
    adcode: str | None
    unit: str | None


class EntitiesPage(Paged):
    scale: str
    data: list[EntityRow]


class Entity(Envelope):
    data: dict[str, Any]


# ---------------------------------------------------------------------------------------------- data
class TemplateField(_Open):
    column: str
    name: str
    required: bool
    rule: str
    rule_text: str


class TemplateInfo(BaseModel):
    kind: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    key: list[str]
    fields: list[TemplateField]


class TemplatesList(Envelope):
    data: list[TemplateInfo]


class RowErrorOut(BaseModel):
    file: str
    row: int
    column: str = Field(description="the field (or, for a header problem, the header)")
    value: str | None
    rule: str
    message: str
    header: str | None = Field(
        None, description="the column's header as the file has it (e.g. 统一社会信用代码)"
    )
    rule_zh: str | None = Field(None, description="the rule in Chinese")
    message_zh: str | None = Field(None, description="the problem in Chinese, naming the file's header")


class KnownKind(BaseModel):
    """An input kind an upload is recognised as (the ``details`` of an unknown-kind error)."""

    kind: str
    zh: str
    en: str
    files: list[str] = Field(description="file names that say the kind, e.g. firms.csv, 主体.csv")
    headers_zh: list[str]
    headers_en: list[str]


class FileKind(Envelope):
    kind: str | None = Field(description="the kind the file name says, or null")
    data: list[KnownKind] = Field(description="every kind with the file names and headers recognised")


class UploadReport(Envelope):
    id: str
    kind: str
    filename: str
    size: int
    ok: bool = Field(description="true when every row passed validation")
    rows_read: int
    rows_ok: int
    rows_bad: int
    errors_total: int
    errors: list[RowErrorOut] = Field(description="the first errors (page through /errors for all)")
    periods: list[int]
    columns: dict[str, str] = Field(description="file header → field")
    encoding: str | None
    format: str | None
    warnings_total: int = Field(0, description="rows that load but look wrong (self links, future dates)")
    warnings: list[RowErrorOut] = Field(default_factory=list, description="the first of them")
    loaded: dict[str, Any] | None


class UploadErrors(Paged):
    id: str
    data: list[RowErrorOut]


class UploadsList(Envelope):
    data: list[dict[str, Any]]


class LoadResult(Envelope):
    id: str
    batches: list[dict[str, Any]]
    rejected_rows: int
    build: dict[str, Any] | None


class InventoryPage(Paged):
    data: list[dict[str, Any]]


class InventorySummary(Envelope):
    batches: int
    rows: int
    synthetic_rows: int
    kinds: list[dict[str, Any]]
    periods: list[int]


#: error answers documented on every route; each status carries the one error shape
ERROR_RESPONSES: dict[int | str, dict] = {s: {"model": ErrorResponse} for s in (400, 404, 409, 422)}


class SignedInUser(BaseModel):
    name: str
    role: str = Field(description="admin, analyst or viewer")
    jurisdiction: str | None = Field(description="YRD (the whole region) or a province, city or county code")
    personal: bool = Field(default=False, description="whether personal data (researchers' names) is shown")


class LoginToken(BaseModel):
    access_token: str
    token_type: str = Field(description="bearer")
    expires_in: int = Field(description="seconds the token stays valid")
    user: SignedInUser


class AuthStatus(Envelope):
    mode: str = Field(description="local (no users: single-user mode on this machine) or users")
    user: SignedInUser | None
