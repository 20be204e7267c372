"""The query parameters the routers share, validated by FastAPI (``Annotated`` with ``Query``).

A router declares ``layer: LayerParam`` and receives a value already checked against the layers of
:mod:`chainatlas.model.layers`; a bad value is a 422 in the one error shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import AfterValidator

from chainatlas.model.layers import LAYERS, SCALES

__all__ = [
    "MAX_OFFSET",
    "ChainParam",
    "IdPath",
    "KindParam",
    "Layer",
    "LayerParam",
    "LimitParam",
    "OffsetParam",
    "PeriodParam",
    "PlaceParam",
    "Scale",
    "ScaleParam",
    "SegmentParam",
]

Layer = Literal[tuple(LAYERS)]  # type: ignore[valid-type]
Scale = Literal[tuple(SCALES)]  # type: ignore[valid-type]

LayerParam = Annotated[
    Layer, Query(description="network layer: " + ", ".join(f"{k} ({v.zh})" for k, v in LAYERS.items()))
]
ScaleParam = Annotated[
    Scale, Query(description="aggregation scale: county | city | province | area (functional areas) | region")
]


def _period_key(value: str | None) -> int | str | None:
    """A year as ``int`` (what the annual layers are keyed by); a month or a quarter stays text."""
    return int(value) if value is not None and len(value) == 4 else value


PeriodParam = Annotated[
    str | None,
    Query(
        pattern=r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2])|Q[1-4])?$",
        description="year (2024), month (2024-05) or quarter (2024Q2); default: the latest built year",
    ),
    AfterValidator(_period_key),
]
ChainParam = Annotated[str, Query(max_length=40, description="chain id (ic, bio, nev, ai, ...) or * for all")]
SegmentParam = Annotated[
    str, Query(max_length=60, description="segment id of the chain, or * for the chain total")
]
PlaceParam = Annotated[
    str | None,
    Query(
        max_length=40, description="a unit id of the scale (adcode, area id or YRD); keeps rows touching it"
    ),
]
#: the largest offset a page may start at: beyond any table the atlas holds, and far inside the 64-bit
#: integers the database takes (an offset of 2^63 used to reach DuckDB and fail there with a 500)
MAX_OFFSET = 1_000_000_000
#: a page holds at most 10,000 rows (the largest default page; the UI asks for at most 1,200): a whole register
#: cannot be taken in one request
LimitParam = Annotated[int, Query(ge=1, le=10_000, description="page size")]
OffsetParam = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
#: an id in a path (chain, layer, unit, attribute, entity, upload, kind): no id of the atlas is longer
IdPath = Annotated[str, Path(min_length=1, max_length=100)]
KindParam = Annotated[
    str | None, Query(max_length=40, description="only this input kind (see /api/templates)")
]
