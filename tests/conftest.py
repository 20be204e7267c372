"""Shared fixtures: one small synthetic atlas, generated, loaded and built through the real path."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

# No wall-clock deadlines anywhere: machines differ threefold in memory bandwidth and CI shares its cores.
settings.register_profile("chainatlas", deadline=None)
settings.load_profile("chainatlas")
# The API sweeps send thousands of requests a minute from one address: the tests' servers have no rate
# limit unless a test sets one (tests/api/test_security.py does).
os.environ.setdefault("CHAINATLAS_RATE_LIMIT", "0")

from chainatlas.pipeline.build import build
from chainatlas.pipeline.load import load_dir
from chainatlas.storage.base import open_backend
from chainatlas.synth import generate

SEED = 7
INGEST_FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


@pytest.fixture(scope="session")
def fixture_maker() -> ModuleType:
    """``tests/fixtures/ingest/make_fixtures.py``, the script that writes the committed ingest fixtures."""
    spec = importlib.util.spec_from_file_location(
        "make_ingest_fixtures", INGEST_FIXTURES / "make_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "small"
    generate(out, size="small", seed=SEED)
    return out


@pytest.fixture(scope="session")
def built_db(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a built atlas; tests open it read-only (or copy it to write)."""
    db = tmp_path_factory.mktemp("atlas") / "atlas.duckdb"
    with open_backend(db) as b:
        load_dir(b, demo_dir)
        build(b)
    return db


@pytest.fixture()
def atlas(built_db: Path):
    with open_backend(built_db, read_only=True) as b:
        yield b
