"""Adding an input kind is one documented path: every kind has each piece of the checklist in
:mod:`chainatlas.model.kinds` (fixture, generator output, facts it feeds, README row)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chainatlas.ingest import parse_file
from chainatlas.model import kinds as kinds_module
from chainatlas.model.kinds import KINDS
from chainatlas.pipeline.facts import FEEDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


@pytest.fixture(scope="module")
def built_facts(built_db: Path) -> tuple[set[str], set[str]]:
    """Edge sources and node attributes present in the built test atlas."""
    from chainatlas.storage.base import open_backend

    with open_backend(built_db, read_only=True) as b:
        sources = set(b.execute(b.table("facts").select("source").distinct())["source"])
        attrs = set(b.execute(b.table("node_attrs").select("attr").distinct())["attr"])
    return sources, attrs


def test_the_checklist_is_in_the_kinds_module():
    doc = kinds_module.__doc__
    for step in ("Model row", "Template and rules", "Fixture", "Generator", "Facts", "README"):
        assert f"**{step}**" in doc


@pytest.mark.parametrize("kind", list(KINDS))
def test_kind_has_a_fixture_that_loads(kind, fixture_maker):
    path = FIXTURES / f"{kind}.csv"
    assert path.exists(), f"add rows for {kind} to ROWS in make_fixtures.py and run it"
    assert kind in fixture_maker.ROWS
    batch = parse_file(kind, path)
    assert batch.ok and batch.rows_read > 0, [str(e) for e in batch.errors]


@pytest.mark.parametrize("kind", list(KINDS))
def test_kind_is_generated(kind, demo_dir: Path):
    manifest = json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))
    assert kind in manifest["files"] and (demo_dir / manifest["files"][kind]["file"]).exists()
    assert manifest["rows"][kind] > 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_kind_feeds_at_least_one_fact(kind, built_facts):
    feeds = FEEDS[kind]
    assert feeds.edges or feeds.attrs, f"{kind} feeds neither an edge nor a node attribute"
    sources, attrs = built_facts
    for edge in feeds.edges:
        if edge.endswith(".*"):
            assert any(s.startswith(edge[:-1]) for s in sources), f"{kind}: no edge fact with source {edge}"
        else:
            assert edge in sources, f"{kind}: no edge fact with source {edge}"
    missing = set(feeds.attrs) - attrs
    assert not missing, f"{kind}: node attributes {sorted(missing)} not built"


def test_feeds_lists_exactly_the_kinds():
    assert set(FEEDS) == set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
def test_kind_has_a_readme_row(kind):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = re.search(r"输入类别：(.*?)。", readme, re.DOTALL)
    assert paragraph, "README.md lost its 输入类别：… paragraph"
    assert re.search(rf"(?<![a-z_]){kind}（", paragraph.group(1)), (
        f"add {kind}（中文名） to 输入类别 in README.md"
    )
