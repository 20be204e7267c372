"""Analysis topics: one route per row of the registry (``/api/analytics/topics/{name}``), and the catalogue.

Each route declares exactly the parameters its topic takes (made from its
:class:`~chainatlas.pipeline.analyze.registry.Param` rows, with their bounds), so the OpenAPI document, the
validation and the cache key all follow the registry; a query parameter the topic does not take is refused
with a message naming it. The answer is the CLI's ``analyze TOPIC -f json``: provenance, summary, data.

Cost limits (measured on the ``medium`` atlas; the CLI has none of them):

- every number has both bounds: the registry's, else :data:`_OPEN_BOUND` (a seed or a threshold
  beyond them means nothing), and no float may be inf or NaN;
- permutation tests (``permutations``: QAP, Moran's I) cost about permutations × units² — 9,999
  permutations over the 305 counties took 32 s for Moran's I — so a request asks for at most
  ``api_permutation_budget`` of them (10^8: 999 permutations at county scale, about 3 s; the
  registry's 9,999 at city scale), else a 400 that names the largest allowed value;
- at most ``api_analyses`` topics are computed at once (answers already cached are served without
  waiting): the others wait up to :data:`WAIT_SECONDS`, then get a 503 with ``Retry-After``, so
  maps, lists and profiles stay quick whatever the analyses ask.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chainatlas import config
from chainatlas.api.deps import AtlasDep
from chainatlas.api.params import PeriodParam, SegmentParam
from chainatlas.api.schemas import AnalysisResult, AnalyticsList, ErrorResponse
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import analyze as an
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.registry import Param, Topic
from chainatlas.storage.base import Backend

router = APIRouter(tags=["analytics"])
_ERR = {400: {"model": ErrorResponse}, 409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
_SELECTION = ("layer", "scale", "period", "chain", "segment")
_TYPES: dict[str, Any] = {"int": int, "float": float, "str": str, "list": str, "bool": bool}
#: the upper bound of a number the registry leaves open (seeds, thresholds): 2^31 - 1
_OPEN_BOUND = 2_147_483_647
#: how long an analysis waits for a free slot before the client is told to come back
WAIT_SECONDS = 30.0
_slots: dict[int, asyncio.Semaphore] = {}


def _bounds(p: Param) -> dict[str, float]:
    """``ge``/``le`` of a numeric parameter as the API applies them (both always set)."""
    if p.type not in ("int", "float"):
        return {}
    return {
        "ge": p.ge if p.ge is not None else -_OPEN_BOUND,
        "le": p.le if p.le is not None else _OPEN_BOUND,
    }


def _catalogue() -> list[dict]:
    out = []
    for t in an.TOPICS.values():
        d = t.describe()
        for row, p in zip(d["params"], (p for p in t.params if p.api), strict=True):
            row.update(_bounds(p))
        out.append(d)
    return out


def _check_budget(b: Backend, t: Topic, scale: str, given: dict[str, Any]) -> None:
    """Refuse a permutation test bigger than ``api_permutation_budget`` (permutations × units²)."""
    p = next((p for p in t.params if p.name == "permutations"), None)
    if p is None:
        return
    n = len(query.names(b, scale))
    asked = given.get("permutations")
    asked = int(p.default if asked is None else asked)
    most = int(config.get("api_permutation_budget")) // max(n * n, 1)
    if asked > most:
        low = int(p.ge or 1)
        raise ConfigError(
            f"permutations: {asked} permutations over {n} units at {scale} scale is more than one API request "
            f"may compute (permutations × units² ≤ {config.get('api_permutation_budget')}); ask for at most "
            + (f"{most}" if most >= low else f"{low} at a coarser scale")
            + f", or run `chainatlas analyze {t.name} --permutations {asked}` on the command line",
            param="permutations",
        )


def _gate() -> asyncio.Semaphore:
    """The analyses' slots (one set per event loop: tests run several servers)."""
    loop = id(asyncio.get_running_loop())
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(max(1, int(config.get("api_analyses"))))
    return _slots[loop]


@router.get("/analytics", response_model=AnalyticsList, summary="Available analysis topics")
async def analytics(request: Request, atlas: AtlasDep) -> Response:
    """Every topic with its titles, the layer and chain it needs, the scales it works at, its parameters (type,
    default, bounds) and its path; the same registry makes the CLI's ``chainatlas analyze``."""
    return await atlas.answer(request, locals(), lambda b: {"data": _catalogue()})


def _query(p: Param) -> tuple[Any, Any]:
    """(annotation, default) of one topic parameter as a query parameter."""
    if p.type == "bool":
        return Annotated[bool, Query(description=p.help)], False
    if p.type == "layer":
        kind: Any = Literal[tuple(LAYERS)]  # type: ignore[valid-type]
    elif p.choices:
        kind = Literal[p.choices]  # type: ignore[valid-type]
    else:
        kind = _TYPES[p.type]
    extra: dict[str, Any] = dict(_bounds(p))
    if p.type == "float":
        extra["allow_inf_nan"] = False
    if p.type in ("str", "list"):
        extra["max_length"] = 200
    default = f" (default {p.default})" if p.default is not None else ""
    return Annotated[kind | None, Query(description=p.help + default, **extra)], None


def _endpoint(t: Topic) -> Callable:
    params = [p for p in t.params if p.api]
    names = {*(n for n in _SELECTION if n != "layer" or t.layer != "none"), *(p.name for p in params)}

    async def endpoint(request: Request, atlas: AtlasDep, **kw: Any) -> Response:
        unknown = sorted(set(request.query_params) - names)
        if unknown:
            raise ConfigError(
                f"topic {t.name!r} takes no parameter {unknown[0]!r}; its parameters: "
                f"{', '.join(sorted(names))}",
                param=unknown[0],
            )
        sel = {k: kw[k] for k in _SELECTION if k in kw}
        given = {p.name: kw[p.name] for p in params}

        def run(b: Backend) -> dict:
            _check_budget(b, t, sel["scale"], given)
            # a degenerate selection (every place specialised, one unit) makes NaN statistics: they are
            # answered as null, not as a 500 (numpy's error state is per thread)
            with np.errstate(divide="ignore", invalid="ignore"):
                return {"topic": t.name, **an.document(an.analyze(b, t.name, **sel, parameters=given))}

        return await atlas.answer(request, {**kw, "request": request}, run, gate=_gate(), wait=WAIT_SECONDS)

    scales = tuple(t.scales or ("county", "city", "province", "area", "region"))
    sig = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("atlas", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=AtlasDep),
    ]

    def kw_only(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)

    layer_doc = Query(description="network layer: " + ", ".join(f"{k} ({v.zh})" for k, v in LAYERS.items()))
    if t.layer == "required":
        sig.append(kw_only("layer", Annotated[Literal[tuple(LAYERS)], layer_doc]))  # type: ignore[valid-type]
    elif t.layer == "optional":
        sig.append(kw_only("layer", Annotated[Literal[tuple(LAYERS)] | None, layer_doc], None))  # type: ignore[valid-type]
    default_scale = "city" if "city" in scales else scales[0]
    sig.append(
        kw_only(
            "scale",
            Annotated[Literal[scales], Query(description="aggregation scale")],  # type: ignore[valid-type]
            default_scale,
        )
    )
    sig += [
        kw_only("period", PeriodParam, None),
        kw_only(
            "chain",
            Annotated[
                str,
                Query(
                    max_length=40,
                    description="chain id"
                    + (" (required)" if t.chain == "required" else ", or * for all chains"),
                ),
            ],
            inspect.Parameter.empty if t.chain == "required" else ALL,
        ),
        kw_only("segment", SegmentParam, ALL),
    ]
    sig += [kw_only(p.name, *_query(p)) for p in params]
    endpoint.__signature__ = inspect.Signature(sig)  # type: ignore[attr-defined]
    endpoint.__name__ = f"topic_{t.name}"
    return endpoint


for _t in an.TOPICS.values():
    router.add_api_route(
        f"/analytics/topics/{_t.name}",
        _endpoint(_t),
        methods=["GET"],
        response_model=AnalysisResult,
        responses=_ERR,
        name=f"topic_{_t.name}",
        summary=f"{_t.zh} — {_t.en}",
        description=f"{_t.help[0].upper()}{_t.help[1:]}. The same result as `chainatlas "
        f"analyze {_t.name} -f json`: `provenance` (layer, scale, period, filters, "
        f"parameters, data version), `summary` and `data`.",
    )
