"""Data classification (issue 12 item 7): every stored column of a built atlas has a grade and a personal flag."""

from __future__ import annotations

from chainatlas.model.classification import GRADES, classify, personal_columns


def test_every_column_of_a_built_atlas_is_classified(atlas):
    tables = atlas.sql("SELECT table_name, column_name FROM information_schema.columns ORDER BY ALL")
    assert len(tables) > 200
    grades = {}
    for t, c in tables.itertuples(index=False):
        k = classify(t, c)  # KeyError names a table nobody classified
        assert k.grade in GRADES
        grades.setdefault(k.grade, set()).add(t)
    assert grades["core"] == {"raw_trade", "raw_trade_revisions"}  # a customs line replaced stays core
    assert {"raw_tax", "raw_supply_links", "facts"} <= grades["important"]
    assert personal_columns("raw_experts") == ["name"] and classify("raw_experts", "name").personal
    assert not classify("raw_firms", "name").personal
