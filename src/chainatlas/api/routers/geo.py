"""Map geometry: the package's own GeoJSON of every scale (no tiles, no network)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chainatlas.api.cache import answer_key, send
from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import ScaleParam
from chainatlas.api.schemas import ErrorResponse
from chainatlas.pipeline import views

router = APIRouter(tags=["places"])

_GEOJSON = {"application/json": {"schema": {"type": "object", "description": "GeoJSON FeatureCollection"}}}


def _encode(fc: dict) -> bytes:
    # real geography: never synthetic, said at the top like every other answer
    return json.dumps({"synthetic": False, **fc}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.get(
    "/geo",
    response_class=Response,
    summary="Boundaries of the units of a scale (GeoJSON)",
    responses={200: {"content": _GEOJSON}, 422: {"model": ErrorResponse}},
)
async def boundaries(request: Request, atlas: AtlasDep, scale: ScaleParam = "city") -> Response:
    """Simplified real boundaries (GCJ-02 lon/lat), one feature per unit of ``scale``.

    Feature properties: ``unit`` (the id edges and indicators use), ``name`` (= unit), ``name_zh``,
    ``name_en``. Functional areas (``area``) and the region are the union of their members'
    polygons; areas may overlap. Sources: see ``chainatlas/data/geo/ATTRIBUTION.md``.
    """
    if scale == "area":  # user areas live in the atlas
        fc = await atlas.call(lambda b: views.boundaries("area", b))
        body = atlas.cache.static(answer_key(request, locals()), lambda: _encode(fc))
        atlas.cache.remember(request, body, 60)
        return send(request, body, max_age=60)
    body = atlas.cache.static(answer_key(request, locals()), lambda: _encode(views.boundaries(scale)))
    atlas.cache.remember(request, body, 86400)
    return send(request, body, max_age=86400)
