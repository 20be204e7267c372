"""The committed fixtures: one file per input kind (plus encodings and formats) loads with no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainatlas.ingest import parse_file
from chainatlas.model.kinds import KINDS

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def test_every_kind_has_a_fixture():
    assert {p.stem for p in FIXTURES.glob("*.csv") if "_utf8" not in p.stem and "_gb" not in p.stem} == set(
        KINDS
    )


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".xlsx", ".parquet"))
)
def test_fixture_loads_cleanly(name):
    kind = next(k for k in sorted(KINDS, key=len, reverse=True) if name.startswith(k))
    batch = parse_file(kind, FIXTURES / name)
    assert batch.ok, [str(e) for e in batch.errors]
    assert batch.rows_read > 0 and batch.good_mask.all()
    assert batch.table["synthetic"].all()  # fixtures are made up and say so


def test_fixtures_are_what_the_script_writes(fixture_maker):
    for name, data in fixture_maker.expected_files().items():
        assert (FIXTURES / name).read_bytes() == data, f"{name}: run tests/fixtures/ingest/make_fixtures.py"
