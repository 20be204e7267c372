"""Data: input templates, uploads with their validation report (then loading), and the data inventory."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from chainatlas.api.auth import principal_of, require
from chainatlas.api.cache import answer_key, send
from chainatlas.api.deps import AtlasDep, UploadsDep
from chainatlas.api.params import IdPath, KindParam, LimitParam, OffsetParam, PeriodParam, ScaleParam
from chainatlas.api.render import Records, error_body, not_found, page, render, too_large
from chainatlas.api.schemas import (
    ERROR_RESPONSES,
    ErrorResponse,
    FileKind,
    InventoryPage,
    InventorySummary,
    LoadResult,
    TemplatesList,
    UploadErrors,
    UploadReport,
    UploadsList,
)
from chainatlas.api.uploads import Upload, UploadStore, now
from chainatlas.errors import ConfigError
from chainatlas.ingest import parse_file, template_doc, write_template
from chainatlas.ingest.templates import explain_error
from chainatlas.model.kinds import KINDS
from chainatlas.pipeline import query, views
from chainatlas.pipeline.load import FILE_SUFFIXES, ingest_files, kind_of_file, short_zh
from chainatlas.storage.base import Backend

router = APIRouter(tags=["data"])
_SHOWN_ERRORS = 200
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


# ---------------------------------------------------------------------------------------------- templates
def _template_info(kind: str, lang: str) -> dict:
    k = KINDS[kind]
    return {
        "kind": k.name,
        "zh": k.zh,
        "en": k.en,
        "help_zh": k.help_zh,
        "help_en": k.help_en,
        "key": list(k.key),
        "fields": template_doc(k, lang),
    }


@router.get("/templates", response_model=TemplatesList, summary="Input kinds and their documented columns")
async def templates(
    request: Request,
    atlas: AtlasDep,
    lang: Annotated[Literal["zh", "en"], Query(description="header language")] = "zh",
) -> Response:
    """Every input kind with its columns: header, rule in words, example, required."""
    body = atlas.cache.static(
        answer_key(request, locals()),
        lambda: render({"synthetic": False, "data": [_template_info(k, lang) for k in KINDS]}),
    )
    return send(request, body, max_age=3600)


@router.get(
    "/templates/{kind}",
    response_class=Response,
    responses={200: {"content": {_MEDIA["xlsx"]: {}, _MEDIA["csv"]: {}}}, **ERROR_RESPONSES},
    summary="Download a template file",
)
async def template_file(
    request: Request,
    atlas: AtlasDep,
    kind: IdPath,
    lang: Annotated[Literal["zh", "en"], Query(description="header language")] = "zh",
    format: Annotated[
        Literal["xlsx", "csv"],
        Query(description="xlsx: data and notes sheets; csv: header row, UTF-8 with BOM"),
    ] = "xlsx",
) -> Response:
    """An empty, documented template to fill in and upload (required columns are yellow in Excel).
    The header ``X-Synthetic: false`` says the file holds no atlas data."""
    if kind not in KINDS:
        raise not_found(f"no input kind {kind!r}; kinds: {', '.join(KINDS)}")

    def make() -> bytes:
        with tempfile.TemporaryDirectory() as d:
            p = write_template(kind, Path(d) / f"{kind}.{format}", lang=lang)
            return p.read_bytes()

    body = atlas.cache.static(answer_key(request, locals()), make)
    name = (
        f"{KINDS[kind].zh if lang == 'zh' else kind}_模板.{format}"
        if lang == "zh"
        else f"{kind}_template.{format}"
    )
    # a file has no JSON body to say it: the header does (templates hold no data)
    return Response(
        body.raw,
        media_type=_MEDIA[format],
        headers={
            "Content-Disposition": f"attachment; filename=\"{kind}.{format}\"; filename*=UTF-8''{quote(name)}",
            "X-Synthetic": "false",
        },
    )


# ---------------------------------------------------------------------------------------------- uploads
def _report(up: Upload, atlas_synthetic: bool) -> dict:
    return {
        "synthetic": atlas_synthetic,
        "id": up.id,
        "kind": up.kind,
        "filename": up.filename,
        "size": up.size,
        **up.report,
        "errors_total": up.errors_total,
        "errors": up.errors[:_SHOWN_ERRORS],
        "loaded": up.loaded,
    }


def _header_of(column: str, fields: dict[str, str]) -> str:
    """The header the file used for a field (or for each of a comma-joined key), else the column as given."""
    if column in fields:
        return fields[column]
    if "," in column:
        return ",".join(fields.get(c, c) for c in column.split(","))
    return column


def _in_words(kind: str, e: dict, fields: dict[str, str]) -> dict:
    """A row error with the file's own ``header`` and its rule and message in Chinese."""
    header = _header_of(str(e.get("column") or ""), fields)
    rule_zh, message_zh = explain_error(kind, e, header, "zh")
    return {**e, "header": header, "rule_zh": rule_zh, "message_zh": message_zh}


def _validate(up: Upload) -> None:
    """Validate the upload: its report, and its errors written to its folder (the first kept in memory)."""
    batch = parse_file(up.kind, up.path)
    meta = batch.meta or {}
    # header → field as the file has it; errors name fields, the user knows the headers
    fields = {str(v): str(k) for k, v in (meta.get("header_map") or {}).items()}
    up.keep_errors(_in_words(up.kind, e.to_dict(), fields) for e in batch.errors)
    good = int(batch.good_mask.sum())
    report = {
        "ok": batch.ok,
        "rows_read": int(batch.rows_read),
        "rows_ok": good,
        "rows_bad": int(batch.rows_read) - good,
        "periods": sorted(int(y) for y in batch.periods),
        "columns": {str(k): str(v) for k, v in (meta.get("header_map") or {}).items()},
        "encoding": meta.get("encoding"),
        "format": meta.get("format"),
        # rows that load but look wrong (a self link, a future founding date): shown, never refused
        "warnings_total": len(batch.warnings),
        "warnings": [_in_words(up.kind, w.to_dict(), fields) for w in batch.warnings[:200]],
    }
    up.report = report


def _kind_from_name(filename: str) -> str | None:
    """The kind a file name says (firms.csv, patents_2023.xlsx, 专利.csv, 主体.csv, 主体_2023.csv), or None."""
    try:
        return kind_of_file(Path(filename))
    except ConfigError:
        return None


def recognised_kinds() -> list[dict]:
    """Every input kind with its Chinese and English names, the file names that say it and its headers."""
    return [
        {
            "kind": k.name,
            "zh": k.zh,
            "en": k.en,
            "files": [f"{k.name}.csv", f"{short_zh(k.zh)}.csv", f"{k.name}_2023.xlsx"],
            "headers_zh": [f.zh for f in k.fields],
            "headers_en": [f.name for f in k.fields],
        }
        for k in KINDS.values()
    ]


def _unknown_kind(reason: str) -> Response:
    """400 naming every kind with its file names (``details``): the page lists them in the user's language."""

    kinds = recognised_kinds()
    message = (
        f"{reason}. Recognised kinds (file name, e.g.): "
        + "; ".join(f"{k['kind']} {k['zh']} ({', '.join(k['files'])})" for k in kinds)
        + ". A name may also start with the kind and '_' (patents_2023.xlsx)."
    )
    return JSONResponse(status_code=400, content=error_body(400, "ConfigError", message, kinds))


async def _receive(request: Request, store: UploadStore, filename: str) -> tuple[str, Path, int]:
    uid, path = store.new_path(filename)
    size = 0
    with path.open("wb") as fh:
        async for chunk in request.stream():
            size += len(chunk)
            if size > store.MAX_BYTES:
                fh.close()
                store.discard(uid)
                raise too_large(
                    f"upload larger than {store.MAX_BYTES // 2**20} MB; load big files with "
                    f"`chainatlas ingest KIND FILE` instead"
                )
            fh.write(chunk)
    if size == 0:
        store.discard(uid)
        raise ConfigError("upload: the request body is empty; send the file's bytes as the body")
    return uid, path, size


@router.get("/upload-kind", response_model=FileKind, summary="The input kind a file name says")
async def upload_kind(
    filename: Annotated[
        str | None, Query(min_length=1, max_length=200, description="the file's name")
    ] = None,
) -> Response:
    """The kind an upload of ``filename`` would be read as (null when the name says none, or without a name),
    and every kind with the file names and headers recognised: asked before sending a file."""
    kind = _kind_from_name(filename) if filename else None
    body = {"synthetic": False, "kind": kind, "data": recognised_kinds()}
    return Response(render(body), media_type="application/json")


@router.post(
    "/uploads",
    response_model=UploadReport,
    status_code=201,
    responses={**ERROR_RESPONSES, 413: {"model": ErrorResponse}},
    summary="Upload a file and get its validation report",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the file's bytes (CSV, TSV, XLSX or Parquet)",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload(
    request: Request,
    atlas: AtlasDep,
    store: UploadsDep,
    filename: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="the file's name; "
            "its suffix gives the format and, without kind, its stem the "
            "kind (firms.csv, patents_2023.xlsx)",
        ),
    ],
    kind: Annotated[str | None, Query(max_length=40, description="input kind (see /api/templates)")] = None,
) -> Response:
    """Validate every row without loading anything. The report names file, row, column, value, rule and
    message of each problem; load the file afterwards with ``POST /api/uploads/{id}/load``. An upload belongs
    to its user: nobody else sees, loads or discards it."""
    who = principal_of(request.scope)
    require(who, "upload")
    if Path(filename).suffix.lower() not in FILE_SUFFIXES:
        raise ConfigError(
            f"filename: {filename!r} has an unsupported suffix; expected one of {', '.join(FILE_SUFFIXES)}"
        )
    if kind is None:
        kind = _kind_from_name(filename)
        if kind is None:
            return _unknown_kind(
                f"filename: cannot tell the input kind from the file name {Path(filename).name!r}; "
                "choose the kind, or name the file after one"
            )
    elif kind not in KINDS:
        return _unknown_kind(f"kind: unknown input kind {kind!r}")
    uid, path, size = await _receive(request, store, filename)
    up = Upload(uid, kind, Path(filename).name, path, size, now(), owner=who.name)
    try:
        await run_in_threadpool(_validate, up)
    except BaseException:
        store.discard(uid)
        raise
    store.add(up)
    syn = await run_in_threadpool(atlas.synthetic)
    return Response(
        render(_report(up, syn)),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/api/uploads/{uid}"},
    )


@router.get("/uploads", response_model=UploadsList, summary="Uploads kept by this server")
async def uploads(request: Request, atlas: AtlasDep, store: UploadsDep) -> Response:
    """The user's files uploaded since the server started (the last 50 of all users), newest last."""
    who = principal_of(request.scope).name
    rows = [
        {
            "id": u.id,
            "kind": u.kind,
            "filename": u.filename,
            "size": u.size,
            "ok": u.report.get("ok"),
            "rows_read": u.report.get("rows_read"),
            "errors_total": u.errors_total,
            "loaded": u.loaded is not None,
        }
        for u in list(store.items.values())
        if u.owner == who
    ]
    syn = await run_in_threadpool(atlas.synthetic)
    return Response(render({"synthetic": syn, "data": rows}), media_type="application/json")


def _get(store: UploadStore, uid: str, request: Request) -> Upload:
    """The upload ``uid`` of the requesting user (another user's upload is not found, not forbidden: its
    existence is not theirs to know)."""
    up = store.get(uid)
    if up is None or up.owner != principal_of(request.scope).name:
        raise not_found(f"no upload {uid!r} (uploads are kept until the server stops); see /api/uploads")
    return up


@router.get(
    "/uploads/{uid}", response_model=UploadReport, responses=ERROR_RESPONSES, summary="An upload's report"
)
async def upload_report(request: Request, atlas: AtlasDep, store: UploadsDep, uid: IdPath) -> Response:
    """The validation report (first errors) and, once loaded, what was loaded."""
    up = _get(store, uid, request)
    syn = await run_in_threadpool(atlas.synthetic)
    return Response(render(_report(up, syn)), media_type="application/json")


@router.get(
    "/uploads/{uid}/errors",
    response_model=UploadErrors,
    responses=ERROR_RESPONSES,
    summary="Every validation error of an upload, paged",
)
async def upload_errors(
    request: Request,
    atlas: AtlasDep,
    store: UploadsDep,
    uid: IdPath,
    limit: LimitParam = 1000,
    offset: OffsetParam = 0,
) -> Response:
    """Row errors ordered by row then column (read from the upload's errors file beyond the first ones)."""
    up = _get(store, uid, request)
    data = await run_in_threadpool(up.error_page, limit, offset)
    syn = await run_in_threadpool(atlas.synthetic)
    return Response(
        render(
            {
                "synthetic": syn,
                "id": uid,
                "total": up.errors_total,
                "limit": limit,
                "offset": offset,
                "data": data,
            }
        ),
        media_type="application/json",
    )


@router.delete("/uploads/{uid}", status_code=204, responses=ERROR_RESPONSES, summary="Discard an upload")
async def upload_delete(request: Request, store: UploadsDep, uid: IdPath) -> Response:
    """Remove the uploaded file from the server."""
    _get(store, uid, request)
    store.remove(uid)
    return Response(status_code=204)


def _load(atlas_obj, up: Upload, quarantine: bool, build: bool) -> dict:
    from chainatlas.pipeline.build import build as run_build

    with atlas_obj.writer(f"chainatlas serve: upload {up.filename}") as w:
        out = ingest_files(w, [(up.kind, up.path)], quarantine=quarantine, reject_dir=up.path.parent)
        built = None
        if build and any(not r.already_loaded for r in out.results):
            rep = run_build(w)
            built = {
                "years": rep.years,
                "scales": rep.scales,
                "facts": rep.facts,
                "edges": rep.edges,
                "nodes": rep.nodes,
                "summary": rep.summary(),
            }
    batches = [
        {
            "batch_id": r.batch_id,
            "kind": r.kind,
            "source_file": r.source_file,
            "rows_loaded": r.rows_loaded,
            "rows_replaced": r.rows_replaced,
            "rows_rejected": r.rows_rejected,
            "already_loaded": r.already_loaded,
            "years": list(r.years),
        }
        for r in out.results
    ]
    return {"batches": batches, "rejected_rows": sum(r.rows_rejected for r in out.results), "build": built}


@router.post(
    "/uploads/{uid}/load",
    response_model=LoadResult,
    responses={**ERROR_RESPONSES, 403: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
    summary="Load a validated upload into the atlas (all rows or none)",
)
async def upload_load(
    request: Request,
    atlas: AtlasDep,
    store: UploadsDep,
    uid: IdPath,
    quarantine: Annotated[
        bool, Query(description="load the good rows and set the bad ones aside instead of refusing the file")
    ] = False,
    build: Annotated[bool, Query(description="rebuild the touched periods afterwards")] = True,
) -> Response:
    """Without ``quarantine`` a file with any bad row is refused (422, every row error in ``details``)
    and nothing changes. Loading the same file twice changes nothing. Only administrators load."""
    require(principal_of(request.scope), "load")
    up = _get(store, uid, request)
    result = await run_in_threadpool(_load, atlas, up, quarantine, build)
    up.loaded = result
    syn = await run_in_threadpool(atlas.synthetic)
    return Response(render({"synthetic": syn, "id": uid, **result}), media_type="application/json")


# ---------------------------------------------------------------------------------------------- inventory
@router.get(
    "/inventory",
    response_model=InventoryPage,
    responses=ERROR_RESPONSES,
    summary="Loaded batches with provenance and the synthetic flag",
)
async def inventory(
    request: Request,
    atlas: AtlasDep,
    kind: KindParam = None,
    limit: LimitParam = 1000,
    offset: OffsetParam = 0,
) -> Response:
    """One row per loaded batch: kind, source file, SHA-256, format, encoding, rows read/loaded/replaced/
    rejected, synthetic, loaded_at."""
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"kind: unknown input kind {kind!r}; expected one of {', '.join(KINDS)}")

    def run(b: Backend) -> dict:
        df = query.inventory(b)
        if kind:
            df = df[df["kind"] == kind]
        return page(df.reset_index(drop=True), limit, offset)

    return await atlas.answer(request, locals(), run)


@router.get("/inventory/summary", response_model=InventorySummary, summary="Totals of the data inventory")
async def inventory_summary(request: Request, atlas: AtlasDep) -> Response:
    """Batches, rows and synthetic rows, per kind, and the built periods."""

    def run(b: Backend) -> dict:
        per = views.inventory_periods(b)
        kinds = per.groupby("kind")[["rows", "synthetic_rows"]].sum().reset_index() if len(per) else per
        inv = query.inventory(b)
        return {
            "batches": len(inv),
            "rows": int(per["rows"].sum()) if len(per) else 0,
            "synthetic_rows": int(per["synthetic_rows"].sum()) if len(per) else 0,
            "kinds": Records(kinds),
            "periods": query.periods(b),
        }

    return await atlas.answer(request, locals(), run)


@router.get(
    "/inventory/periods",
    response_model=InventoryPage,
    responses=ERROR_RESPONSES,
    summary="Records per input kind and period",
)
async def inventory_periods(
    request: Request,
    atlas: AtlasDep,
    kind: KindParam = None,
    period: PeriodParam = None,
    limit: LimitParam = 10_000,
    offset: OffsetParam = 0,
) -> Response:
    """``kind, year, rows, synthetic_rows`` (year is null for undated stocks such as alliances)."""

    def run(b: Backend) -> dict:
        df = views.inventory_periods(b)
        if kind:
            df = df[df["kind"] == kind]
        if period is not None:
            df = df[df["year"] == period]
        return page(df.reset_index(drop=True), limit, offset)

    return await atlas.answer(request, locals(), run)


@router.get(
    "/inventory/places",
    response_model=InventoryPage,
    responses=ERROR_RESPONSES,
    summary="What is recorded in each place in one period",
)
async def inventory_places(
    request: Request,
    atlas: AtlasDep,
    scale: ScaleParam = "city",
    period: PeriodParam = None,
    limit: LimitParam = 10_000,
    offset: OffsetParam = 0,
) -> Response:
    """Per unit, the indicators built from the records placed there (firms, patents, papers, ...)."""

    def run(b: Backend) -> dict:
        df = views.inventory_places(b, scale=scale, period=period)
        return page(df, limit, offset)

    return await atlas.answer(request, locals(), run)
