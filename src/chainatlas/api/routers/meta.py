"""Meta: what the atlas holds (dataset, built periods, layers, scales, indicators) and a health check."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chainatlas.api.deps import AtlasDep
from chainatlas.api.render import Records
from chainatlas.api.schemas import ErrorResponse, Health, Meta
from chainatlas.errors import ChainAtlasError
from chainatlas.model.indicators import INDICATORS
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL, LAYERS, SCALES
from chainatlas.pipeline import query
from chainatlas.storage.base import Backend
from chainatlas.web import static_dir

router = APIRouter(tags=["meta"])


@dataclass(frozen=True)
class MapView:
    """What the map shows first. Served in ``/api/meta`` (``default_view``, with ``period`` = the latest
    built) for the UI, and read by the server's prewarm, so both ask for the same answers."""

    scale: str = "city"
    layers: tuple[str, ...] = ("innovation", "industry")
    indicator: str = "firms"
    chain: str = ALL
    segment: str = ALL
    weight: str = "n"
    top: int = 60
    self_loops: bool = False

    def document(self, periods: list[int]) -> dict:
        """The view as ``/api/meta`` serves it."""
        return {**asdict(self), "layers": list(self.layers), "period": periods[-1] if periods else None}

    def requests(self, period: int) -> list[tuple[str, dict]]:
        """The data the map page asks for in ``period``: ``(path, query parameters)``."""
        common = {"scale": self.scale, "period": period, "chain": self.chain, "segment": self.segment}
        return [
            ("/api/nodes", common),
            *(
                (
                    "/api/edges",
                    {
                        "layer": layer,
                        **common,
                        "self_loops": self.self_loops,
                        "order": self.weight,
                        "limit": self.top,
                    },
                )
                for layer in self.layers
            ),
        ]


DEFAULT_VIEW = MapView()


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
        segs = query.segments(b)
        for c in query.chains(b).itertuples():
            chains.append(
                {
                    "id": c.id,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "segments": int((segs["chain"] == c.id).sum()),
                }
            )
    periods = query.periods(b)
    return {
        "dataset": info,
        "periods": periods,
        # months and quarters where records were reported for them (customs, tax...), and the node attributes
        # those periods hold: the time slider's finer steps, and which indicators they can show
        "sub_periods": {g: query.periods(b, g) for g in ("quarter", "month")},
        "sub_attrs": query.sub_attrs(b),
        "default_view": DEFAULT_VIEW.document(periods),
        "layers": [vars(v) for v in LAYERS.values()],
        "scales": list(SCALES),
        "kinds": [{"kind": k.name, "zh": k.zh, "en": k.en} for k in KINDS.values()],
        "indicators": [i.describe() for i in INDICATORS.values()],
        "chains": chains,
        "versions": _versions(),
        # records placed only coarser than a scale: the map says how many it cannot draw at that scale
        "unallocated": Records(query.unallocated(b)),
        "ambiguous_names": len(query.ambiguous_names(b)),
    }


@router.get(
    "/meta",
    response_model=Meta,
    responses={503: {"model": ErrorResponse}},
    summary="Dataset, built periods, layers, scales, indicators, chains, the map's default view and the "
    "synthetic flag",
)
async def meta(request: Request, atlas: AtlasDep) -> Response:
    """What the atlas holds. ``synthetic`` is true when any loaded record is synthetic: show a banner.
    ``default_view`` is what the map shows first (its ``period`` is the latest built)."""
    return await atlas.answer(request, locals(), _meta)


@router.get("/health", response_model=Health, summary="Liveness and the atlas file's name")
def health(atlas: AtlasDep) -> dict:
    """Always 200 while the server runs; says whether the atlas file exists (and, when it does,
    whether it holds synthetic data). ``database`` is the file's name only: where it lives on the
    server is not a client's business."""
    try:
        synthetic = atlas.synthetic()
    except ChainAtlasError:
        synthetic = False
    return {
        "synthetic": synthetic,
        "status": "ok",
        "database": atlas.path.name,
        "exists": atlas.path.exists(),
    }
