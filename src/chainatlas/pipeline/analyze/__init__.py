"""Analyses as services: topics on the atlas's own data (:func:`analyze`) and methods on a table the user
brings (:func:`calc`), each with its provenance.

Wiring only: data come from :mod:`chainatlas.pipeline.query` (or the user's file), the maths from
:mod:`chainatlas.analytics`. Topics are grouped by theme (``topics_network``, ``topics_space``,
``topics_chains``, ``topics_paper``, ``topics_flows``), calc methods in ``calc`` and ``calc_indices``; every one
is a row of :data:`TOPICS` or :data:`METHODS` (see :mod:`.registry`), from which the CLI, the API and the
README tables are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL, LAYERS
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze import calc as _calc_methods
from chainatlas.pipeline.analyze import (
    calc_indices,
    topics_chains,
    topics_flows,
    topics_network,
    topics_paper,
    topics_space,
)
from chainatlas.pipeline.analyze.registry import Method, Param, Topic, check_params
from chainatlas.pipeline.analyze.result import Result, data_version, document, jsonable, provenance, write
from chainatlas.pipeline.analyze.tables import read_table
from chainatlas.storage.base import Backend

__all__ = [
    "METHODS",
    "TOPICS",
    "Method",
    "Param",
    "Result",
    "Topic",
    "analyze",
    "calc",
    "data_version",
    "document",
    "method",
    "topic",
    "write",
]


def _rows(modules: tuple, attr: str) -> dict:
    rows = {r.name: r for m in modules for r in getattr(m, attr)}
    assert len(rows) == sum(len(getattr(m, attr)) for m in modules), f"a {attr} name is registered twice"
    return rows


#: every atlas topic, by name, in the order catalogues show them
TOPICS: dict[str, Topic] = _rows(
    (topics_network, topics_space, topics_chains, topics_paper, topics_flows), "TOPICS"
)
#: every calc method, by name
METHODS: dict[str, Method] = _rows((_calc_methods, calc_indices), "METHODS")


def topic(name: str) -> Topic:
    """The topic ``name``; ConfigError naming the known ones otherwise."""
    if name not in TOPICS:
        raise ConfigError(f"unknown topic {name!r}; expected one of {', '.join(TOPICS)}", param="topic")
    return TOPICS[name]


def method(name: str) -> Method:
    """The calc method ``name``; ConfigError naming the known ones otherwise."""
    if name not in METHODS:
        raise ConfigError(f"unknown method {name!r}; expected one of {', '.join(METHODS)}", param="method")
    return METHODS[name]


def analyze(
    backend: Backend,
    name: str,
    *,
    layer: str | None = None,
    scale: str = "city",
    period: int | None = None,
    chain: str = ALL,
    segment: str = ALL,
    parameters: Mapping[str, Any] | None = None,
    **more: Any,
) -> Result:
    """Run topic ``name`` on the atlas's data and return it with its provenance.

    ``parameters`` (or keyword arguments) are the topic's own (see ``TOPICS[name].params``); one it does not
    take is an error naming it. ``period`` defaults to the latest built one.
    """
    t = topic(name)
    given = {**(parameters or {}), **more}
    query.check_filters(scale=scale)
    if t.scales and scale not in t.scales:
        raise ConfigError(
            f"topic {name!r} works at scale {' or '.join(t.scales)}, got {scale!r}", param="scale"
        )
    if t.layer == "required" and not layer:
        raise ConfigError(f"topic {name!r} needs a layer, e.g. innovation", param="layer")
    if t.layer == "none" and layer:
        raise ConfigError(f"topic {name!r} reads every layer; it takes no layer", param="layer")
    query.check_filters(layer=layer)
    if t.chain == "required" and chain == ALL:
        raise ConfigError(
            f"topic {name!r} needs one chain, e.g. ic; see `chainatlas chains list`", param="chain"
        )
    year = query.latest(backend, period)
    query.check_chain(backend, chain, segment)
    used = check_params(f"topic {name!r}", t.params, given)
    one_layer = {} if t.layer == "none" else {"layer": layer}
    data, summary = t.fn(backend, **one_layer, scale=scale, period=year, chain=chain, segment=segment, **used)
    summary["coverage"], warnings = _coverage(backend, t, layer, year, used)
    coarse = query.unallocated(backend, year)
    coarse = coarse[(coarse["scale"] == scale) & (coarse["records"] > 0)]
    if len(coarse):
        levels = ", ".join(
            f"{int(r.records):,} known only to the {r.level}"
            if r.level != "none"
            else f"{int(r.records):,} without a place"
            for r in coarse.itertuples()
        )
        warnings.append(
            f"records not in any {scale} unit in {year}: {levels}; they count at their own level and "
            "above (see `chainatlas info`)"
        )
    summary["warnings"] = [*summary.get("warnings", []), *warnings]
    info = query.dataset_info(backend)
    prov = provenance(
        topic=name,
        layer=layer,
        scale=scale,
        period=year,
        chain=chain,
        segment=segment,
        parameters=used,
        data_version=data_version(backend),
        synthetic=bool(info.get("synthetic") or info.get("contains_synthetic")),
        source="atlas",
    )
    return Result(data.reset_index(drop=True), prov, jsonable(summary))


#: below this share of records with a place at both ends, a result says how much it leaves out
PLACED_WARNING = 0.95


def _coverage(
    backend: Backend, t: Topic, layer: str | None, period: int, used: dict
) -> tuple[dict, list[str]]:
    """The coverage of a topic's inputs and the warnings it calls for (never an error: the topic itself
    refuses what it cannot compute)."""
    layers = sorted(
        {
            x
            for r in t.reads
            for x in ((layer,) if r == "layer" else LAYERS if r == "*" else (r,))
            if x and not x.startswith("attr:")
        }
    )
    attrs = [
        str(used[r[6:]]) if r.startswith("attr:@") else r.removeprefix("attr:")
        for r in t.reads
        if r.startswith("attr:")
    ]
    cov = query.coverage(backend, layers=layers, attrs=attrs)
    warnings = []
    for key, c in cov.items():
        if t.trend and len(c["periods"]) < 2:
            warnings.append(
                f"{key}: this topic reads change over time, but only {len(c['periods'])} period(s) "
                f"have data ({', '.join(map(str, c['periods'])) or 'none'}): trends and growth are "
                "not meaningful"
            )
        if not t.trend and period not in c["periods"]:
            warnings.append(
                f"{key}: no data in period {period}; periods with data: "
                f"{', '.join(map(str, c['periods'])) or 'none'}"
            )
        share = c.get("placed_share")
        if share is not None and share < PLACED_WARNING:
            warnings.append(
                f"{key}: {1 - share:.0%} of the records have no place at one end and are left out"
            )
    return cov, warnings


def calc(name: str, input: Path | str, parameters: Mapping[str, Any] | None = None, **more: Any) -> Result:
    """Run calc method ``name`` on the user's table at ``input`` (CSV/TSV/XLSX/Parquet); see :data:`METHODS`."""
    m = method(name)
    path = Path(input)
    used = check_params(f"method {name!r}", m.params, {**(parameters or {}), **more})
    df, digest = read_table(path)
    data, summary = m.fn(df, path, **used)
    prov = provenance(
        method=name,
        layer=None,
        scale=None,
        period=None,
        chain=None,
        segment=None,
        parameters=used,
        data_version={"input": str(path), "sha256": digest, "rows": len(df)},
        synthetic=None,
        source="user table",
    )
    return Result(data.reset_index(drop=True), prov, jsonable(summary))
