"""Data classification of every stored column: grade and whether it is personal information.

Grades follow the Data Security Law of the PRC (《数据安全法》, 2021, art. 21) and GB/T 43697-2024 (数据安全技术
数据分类分级规则): **core** (核心数据: bears on national security and the lifelines of the economy), **important**
(重要数据: harms public interest or the economy if leaked or tampered with) and **general** (一般数据). Personal
information is what identifies a natural person (《个人信息保护法》 art. 4).

How the atlas's data are graded, and why:

- firm-level customs declarations (``raw_trade``) are **core**: on the key chains they show which firms depend on
  which partner for which product — the 卡点 the monitoring looks for;
- firm-level tax, revenue, supply, investment and enclave finances (an enclave's ledger, its agreement, its operator's
  shareholders, tax-sharing agreements) are **important**, and so are the records that carry them once resolved
  (``facts``, and ``parties``: the party of every kind of record, customs and tax included, resolved to an entity);
- registers of firms, patents, papers, transfers, contracts, services, innovation vouchers and their mutual
  recognitions, policies, needs, alliances, open calls (揭榜挂帅: calls, teams, tasks, outcomes), and the built
  aggregates (layers, node attributes, lookups), are **general**: public registers or aggregates published under
  disclosure control;
- personal: researchers' names (``raw_experts.name``); everything else names organisations or places.

A test checks that every column of every table of a built atlas has a class here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GRADES", "ColumnClass", "classify", "personal_columns", "table_grade"]

GRADES: tuple[str, ...] = ("core", "important", "general")

#: grade of every column of a table unless listed in _COLUMNS
_TABLES: dict[str, str] = {
    "raw_trade": "core",
    "raw_tax": "important",
    "raw_supply_links": "important",
    "raw_investments": "important",
    "raw_enclaves": "important",
    "raw_enclave_terms": "important",
    "raw_enclave_shareholders": "important",
    "raw_tax_sharing": "important",
    "facts": "important",
    "parties": "important",
    "raw_firms": "general",
    "raw_patents": "general",
    "raw_patents_parties": "general",
    "raw_papers": "general",
    "raw_papers_parties": "general",
    "raw_patent_transfers": "general",
    "raw_tech_contracts": "general",
    "raw_services": "general",
    "raw_flows": "general",
    "raw_policies": "general",
    "raw_needs": "general",
    "raw_experts": "general",
    "raw_alliances": "general",
    "raw_vouchers": "general",
    "raw_recognitions": "general",
    "raw_open_calls": "general",
    "raw_open_call_bids": "general",
    "raw_open_call_tasks": "general",
    "raw_open_call_outcomes": "general",
    # the build's tables and the atlas's own bookkeeping
    "layer_edges": "general",
    "node_attrs": "general",
    "layer_edges_sub": "general",
    "node_attrs_sub": "general",
    "node_places": "general",
    "unallocated": "general",
    "entities": "general",
    "entity_names": "general",
    "entity_ambiguities": "general",
    "seg_lookup": "general",
    "scale_units": "general",
    "places": "general",
    "chains": "general",
    "segments": "general",
    "areas": "general",
    "builds": "general",
    "batches": "general",
    "batch_years": "general",
    "dirty_years": "general",
    "meta": "general",
}
# a replaced row keeps its grade (raw_trade_revisions is core)
_TABLES.update(
    {f"{t}_revisions": g for t, g in list(_TABLES.items()) if t.startswith("raw_") and "_parties" not in t}
)
#: columns graded apart from their table: (grade, personal)
_COLUMNS: dict[tuple[str, str], tuple[str, bool]] = {
    ("raw_experts", "name"): ("general", True),
    ("raw_experts_revisions", "name"): ("general", True),
    # a firm's revenue and employees in the register are business data; its name and place are public
    ("raw_firms", "registered_capital"): ("general", False),
    ("entities", "employees"): ("general", False),
}


@dataclass(frozen=True)
class ColumnClass:
    """The class of one stored column."""

    table: str
    column: str
    grade: str
    personal: bool


def table_grade(table: str) -> str:
    """The grade of a table's columns (KeyError for a table the classification does not know)."""
    return _TABLES[table]


def classify(table: str, column: str) -> ColumnClass:
    """The grade of ``table.column`` and whether it is personal (KeyError for an unknown table)."""
    grade, personal = _COLUMNS.get((table, column), (_TABLES[table], False))
    return ColumnClass(table, column, grade, personal)


def personal_columns(table: str) -> list[str]:
    """Columns of ``table`` holding personal information (shown only to roles that need them)."""
    return [c for (t, c), (_, personal) in _COLUMNS.items() if t == table and personal]
