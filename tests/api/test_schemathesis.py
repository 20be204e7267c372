"""Schemathesis over ``/openapi.json``: thousands of generated requests against the real served app.

Every operation of the OpenAPI document gets :data:`EXAMPLES` generated cases (valid and invalid
parameters, bodies and paths, plus schemathesis's coverage phase of boundary values), with a fixed
seed, against a read-only server over the shared small atlas. Each answer must be no 5xx, carry a
documented status code and content type, and match the documented response schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chainatlas.api.app import create_app
from chainatlas.api.security import CSRF_HEADER, CSRF_VALUE
from chainatlas.api.server import LocalServer

#: generated cases per operation: with the coverage phase and the other methods of each path about 5,400
#: requests over 48 operations, in about 1.5 minutes on 2 cores
EXAMPLES = 60
SEED = 20240917
#: what every state-changing request must carry (see chainatlas.api.security)
CSRF = {CSRF_HEADER: CSRF_VALUE}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(built_db: Path) -> Iterator[str]:
    """A read-only server over the small atlas (uploads are validated, never loaded): its base URL."""
    with LocalServer(create_app(built_db, read_only=True, prewarm=False)) as url:
        yield url


#: the document the server serves (it does not depend on the atlas; the test checks they are equal)
schema = schemathesis.openapi.from_dict(create_app(Path("unused.duckdb"), prewarm=False).openapi())
schema.config.generation.update(database="none")


def test_the_fuzzed_document_is_the_served_one(served: str) -> None:
    assert httpx.get(f"{served}/openapi.json").json() == schema.raw_schema


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@hypothesis.seed(SEED)
def test_generated_requests_get_no_server_error_and_match_the_schema(case, served: str) -> None:
    case.call_and_validate(base_url=served, checks=CHECKS, timeout=120, headers=CSRF)
    CASES.append(case.operation.label)


#: every case sent, by operation (filled by the test above; pytest runs a module's tests in order)
CASES: list[str] = []


def test_at_least_5000_cases_were_sent() -> None:
    """The fuzzing above really sent what the README says (issue 12: at least 5,000 cases)."""
    assert len(CASES) >= 5000, len(CASES)
    operations = sum(
        m in ("get", "post", "put", "patch", "delete")
        for ops in schema.raw_schema["paths"].values()
        for m in ops
    )
    assert len(set(CASES)) == operations  # every operation was exercised
