"""The read seam's scope (issue 12 item 2): one mechanism restricts every entity-level read.

Counts are checked against plain SQL on the same file, so the test does not trust the mechanism it tests.
"""

from __future__ import annotations

import pytest

from chainatlas.model.access import Scope
from chainatlas.pipeline import query

PREFIXES = ["32", "3205", "31", "340104"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_register_and_tax_rows_are_those_placed_inside(atlas, prefix):
    with query.scoped(Scope(prefix)):
        firms = atlas.execute(query.table(atlas, "raw_firms").count().as_table()).iloc[0, 0]
        tax = atlas.execute(query.table(atlas, "raw_tax").select("adcode", "credit_code"))
        whole = atlas.execute(query.table(atlas, "raw_firms", whole=True).count().as_table()).iloc[0, 0]
    placed = atlas.sql(
        "SELECT count(*) FROM raw_firms r WHERE adcode LIKE ? OR credit_code IN "
        "(SELECT entity_id FROM entities WHERE adcode LIKE ?) OR name_norm IN (SELECT name_norm FROM entities "
        "WHERE adcode LIKE ? AND name_norm NOT IN (SELECT name_norm FROM entity_ambiguities))",
        [prefix + "%"] * 3,
    ).iloc[0, 0]
    assert firms == placed < whole
    inside = set(atlas.sql("SELECT entity_id FROM entities WHERE adcode LIKE ?", [prefix + "%"])["entity_id"])
    assert all(str(a).startswith(prefix) or c in inside for a, c in zip(tax["adcode"], tax["credit_code"]))


def test_important_records_show_only_when_every_party_is_inside(atlas):
    with query.scoped(Scope("3205")):
        facts = atlas.execute(query.table(atlas, "facts").select("src_adcode", "dst_adcode"))
        links = atlas.execute(query.table(atlas, "raw_supply_links").select("supplier_code", "customer_code"))
    assert len(facts) > 0 and facts.map(lambda a: a is None or str(a).startswith("3205")).all().all()
    place = dict(zip(*atlas.sql("SELECT entity_id, adcode FROM entities").T.values, strict=True))
    assert len(links) > 0
    for s, c in links.itertuples(index=False):
        assert str(place.get(s, "3205")).startswith("3205") and str(place.get(c, "3205")).startswith("3205")
    both = atlas.sql(
        "SELECT count(*) FROM raw_supply_links l JOIN entities a ON a.entity_id = l.supplier_code "
        "JOIN entities b ON b.entity_id = l.customer_code WHERE a.adcode LIKE '3205%' AND b.adcode LIKE '3205%'"
    ).iloc[0, 0]
    assert len(links) == both


def test_personal_columns_are_blank_without_the_right(atlas):
    with query.scoped(Scope("", personal=False)):
        names = atlas.execute(query.table(atlas, "raw_experts").select("name", "institution_name"))
    assert len(names) > 0 and names["name"].isna().all() and names["institution_name"].notna().any()
    with query.scoped(Scope("", personal=True)):
        assert atlas.execute(query.table(atlas, "raw_experts").select("name"))["name"].notna().all()


def test_outside_the_api_everything_is_read(atlas):
    assert query.current_scope().everything
    n = atlas.execute(query.table(atlas, "raw_firms").count().as_table()).iloc[0, 0]
    assert n == atlas.sql("SELECT count(*) FROM raw_firms").iloc[0, 0]
