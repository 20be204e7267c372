"""Meta: what the atlas holds (dataset, built periods, layers, scales, indicators) and a health check."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.schemas import ErrorResponse, Health, Meta
from chainatlas.errors import ChainAtlasError
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import LAYERS, SCALES
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend
from chainatlas.web import static_dir

router = APIRouter(tags=["meta"])


def _versions() -> dict:
    try:
        v = version("chainatlas")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        v = "unknown"
    out = {"chainatlas": v}
    p = static_dir() / "vendor" / "versions.json"
    if p.exists():
        out.update(json.loads(p.read_text(encoding="utf-8")))
    return out


def _meta(b: Backend) -> dict:
    info = query.dataset_info(b)
    chains = []
    if b.has_table("chains"):
        segs = b.execute(b.table("segments"))
        for c in b.execute(b.table("chains").select("id", "name_zh", "name_en")).itertuples():
            chains.append({"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en,
                           "segments": int((segs["chain"] == c.id).sum())})
    return {
        "dataset": info, "periods": query.periods(b), "layers": [vars(v) for v in LAYERS.values()],
        "scales": list(SCALES),
        "kinds": [{"kind": k.name, "zh": k.zh, "en": k.en} for k in KINDS.values()],
        "indicators": [i.describe() for i in INDICATORS.values()], "chains": chains, "versions": _versions(),
    }


@router.get("/meta", response_model=Meta, responses={503: {"model": ErrorResponse}},
            summary="Dataset, built periods, layers, scales, indicators, chains and the synthetic flag")
async def meta(request: Request, atlas: AtlasDep) -> Response:
    """What the atlas holds. ``synthetic`` is true when any loaded record is synthetic: show a banner."""
    return await atlas.respond(request, ("meta",), _meta)


@router.get("/health", response_model=Health, summary="Liveness and the database path")
def health(atlas: AtlasDep) -> dict:
    """Always 200 while the server runs; says whether the atlas file exists (and, when it does,
    whether it holds synthetic data)."""
    try:
        synthetic = atlas.synthetic()
    except ChainAtlasError:
        synthetic = False
    return {"synthetic": synthetic, "status": "ok", "database": str(atlas.path), "exists": atlas.path.exists()}
