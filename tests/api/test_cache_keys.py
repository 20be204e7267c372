"""Cached answers are keyed by the route and its validated parameters: two requests share an answer
exactly when they ask the same question.

Every cached GET of the OpenAPI document is exercised with every parameter it declares (values drawn
from the document's own schema), so a parameter added to a router later is covered without editing
this test. The atlas computation is replaced by a counter: each computed answer is unique, so two
requests get the same body only if they were served from the same cache entry (the answer cache or
the exact-URL fast path).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chainatlas.api.app import _ROUTERS as ROUTERS
from chainatlas.api.app import create_app
from chainatlas.api.render import render
from chainatlas.api.server import LocalServer
from chainatlas.model.indicators import INDICATORS

#: not cached by answer (uploads change under the same URL; health is live; upload-kind needs no database);
#: analytics has its own tests
SKIP = (
    "/api/health",
    "/api/uploads",
    "/api/upload-kind",
    "/api/analytics",
    "/api/alerts",
)  # alerts: never cached
#: never cached either (reviews change the ledger and an enclave's profile under the same URL), matched exactly
NEVER_CACHED = ("/api/enclaves", "/api/enclaves/{uid}")
#: values for strings the routers check against a catalogue (anything else: a small generic pool)
POOLS: dict[str, list[str]] = {
    "attr": list(INDICATORS)[:3],
    "type": ["firm", "university"],
    "kind": ["firms", "patents"],
    "chain": ["*", "ic", "bio"],
    "unit": ["310100", "320500"],
    "layer": ["industry", "innovation"],
    "period": ["2023", "2024"],  # the cooperation ledgers take a year; elsewhere a period such as 2024 too
    "year": ["2023", "2024"],
    "province": ["310000", "320000"],
    "uid": ["E001", "E004"],
}
GENERIC = ["*", "310100", "上海"]


def _schema_values(name: str, schema: dict) -> st.SearchStrategy:
    if "anyOf" in schema:
        return st.one_of([_schema_values(name, s) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        lo = schema.get("minimum", 0)
        return st.integers(lo, min(lo + 3, schema.get("maximum", lo + 3)))
    if kind == "number":
        return st.sampled_from([0.0, 0.5, 2.0])
    if kind == "array":
        return st.lists(_schema_values(name, schema["items"]), min_size=1, max_size=2)
    return st.sampled_from(POOLS.get(name, GENERIC))


def _cached_gets(spec: dict) -> dict[str, list[dict]]:
    return {
        path: ops["get"].get("parameters", [])
        for path, ops in spec["paths"].items()
        if "get" in ops and not path.startswith(SKIP) and path not in NEVER_CACHED
    }


@pytest.fixture(scope="module")
def counted(built_db: Path) -> Iterator[tuple[httpx.Client, dict]]:
    """An in-process application whose every computed answer is a new number."""
    app = create_app(built_db, prewarm=False)
    counter = itertools.count()
    app.state.atlas._compute = lambda fn: render({"synthetic": True, "answer": next(counter)})
    with LocalServer(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client, _cached_gets(app.openapi())


@st.composite
def requests(draw: st.DrawFn, gets: dict[str, list[dict]], path: str | None = None) -> tuple[str, dict, list]:
    """``(path template, validated arguments, query pairs)`` of one GET; optional parameters may be left out."""
    path = path or draw(st.sampled_from(sorted(gets)))
    args: dict[str, Any] = {}
    for p in gets[path]:
        schema = p["schema"]
        if p["in"] == "path" or p.get("required") or draw(st.booleans()):
            args[p["name"]] = draw(_schema_values(p["name"], schema))
        else:
            args[p["name"]] = schema.get("default")  # what FastAPI validates an absent parameter to
    return path, args, _query(gets[path], args)


def _query(params: list[dict], args: dict) -> list[tuple[str, str]]:
    out = []
    for p in params:
        v = args[p["name"]]
        if p["in"] != "query" or v is None or v == p["schema"].get("default"):
            continue  # absent or default: sending it or not is the same request
        for x in v if isinstance(v, list) else [v]:
            out.append((p["name"], str(x).lower() if isinstance(x, bool) else str(x)))
    return out


def _get(client: httpx.Client, gets: dict, req: tuple[str, dict, list]):
    path, args, pairs = req
    url = path.format(**{p["name"]: args[p["name"]] for p in gets[path] if p["in"] == "path"})
    r = client.get(url, params=pairs)
    assume(r.status_code == 200)  # a value a router refuses (404 for an unknown place) is no answer
    return r.content


_GETS = [
    r
    for module in ROUTERS
    for r in module.router.routes
    if "GET" in r.methods and not ("/api" + r.path).startswith(SKIP) and "/api" + r.path not in NEVER_CACHED
]
ROUTES = sorted("/api" + r.path for r in _GETS)


@pytest.mark.parametrize(
    "path", sorted("/api" + r.path for r in _GETS if r.dependant.query_params or r.dependant.path_params)
)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_requests_differing_in_any_parameter_never_share_an_answer(counted, path, data):
    client, gets = counted
    first = data.draw(requests(gets, path))
    p = data.draw(st.sampled_from(gets[path]))
    now = first[1][p["name"]]
    other = _schema_values(p["name"], p["schema"])
    if isinstance(now, list) and len(now) > 1:  # the same values in another order are another question
        other = st.one_of(other, st.just(now[::-1]))
    value = data.draw(other)
    assume(value != now and not (value is None and now == p["schema"].get("default")))
    args = {**first[1], p["name"]: value}
    second = (path, args, _query(gets[path], args))
    one, two = _get(client, gets, first), _get(client, gets, second)
    assert one != two, (p["name"], now, value)
    assert _get(client, gets, first) == one  # and the same request again is the same answer


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_two_routes_never_share_an_answer(counted, data):
    client, gets = counted
    a, b = data.draw(st.lists(st.sampled_from(ROUTES), min_size=2, max_size=2, unique=True))
    assert _get(client, gets, data.draw(requests(gets, a))) != _get(
        client, gets, data.draw(requests(gets, b))
    )


def test_the_order_of_repeated_values_is_part_of_the_question(counted):
    """``?attr=a&attr=b`` and ``?attr=b&attr=a`` are validated to different lists: not one answer (the exact-URL
    path must not sort them together)."""
    client, gets = counted
    lists = [
        (path, p)
        for path, params in gets.items()
        for p in params
        if "array" in {s.get("type") for s in p["schema"].get("anyOf", [p["schema"]])}
    ]
    assert {p["name"] for _, p in lists} >= {"source", "attr", "place"}
    for path, p in lists:
        pool = POOLS.get(p["name"], GENERIC)[:2]
        required = {q["name"]: POOLS.get(q["name"], GENERIC)[0] for q in gets[path] if q.get("required")}
        url = path.format(attr=POOLS["attr"][0])
        one = client.get(url, params=[*required.items(), *((p["name"], v) for v in pool)])
        two = client.get(url, params=[*required.items(), *((p["name"], v) for v in pool[::-1])])
        assert one.status_code == two.status_code == 200, (path, one.text)
        assert one.content != two.content, (path, p["name"])


def test_every_declared_parameter_is_part_of_the_key(counted):
    """No cached route leaves a parameter out of the test's reach (path and query both drawn)."""
    _, gets = counted
    assert "/api/edges" in gets and "/api/nodes" in gets and "/api/places/{unit}" in gets
    names = {p["name"] for p in gets["/api/edges"]}
    assert names >= {
        "layer",
        "scale",
        "period",
        "chain",
        "segment",
        "place",
        "source",
        "min_n",
        "self_loops",
        "order",
        "limit",
        "offset",
    }
