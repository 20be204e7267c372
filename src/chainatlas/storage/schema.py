"""Table definitions of the atlas database, derived from the input-kind contract.

Types are written in the portable subset (VARCHAR, DOUBLE, BIGINT, INTEGER, SMALLINT, BOOLEAN,
DATE, TIMESTAMP) so the same definitions serve every engine. Migrations are numbered steps;
``SCHEMA_VERSION`` is the number of the last one.
"""

from __future__ import annotations

from chainatlas.model.kinds import KINDS, Field, Kind

__all__ = [
    "COOPERATION_KINDS",
    "MIGRATIONS",
    "OPEN_CALL_KINDS",
    "PARTY_TABLE",
    "REVISIONS_TABLE",
    "SCHEMA_VERSION",
    "party_columns",
    "period_type_sql",
    "raw_columns",
    "raw_tables",
    "revision_columns",
]

_RULE_TYPES = {
    "date": "DATE",
    "nonneg": "DOUBLE",
    "share": "DOUBLE",
    "count": "BIGINT",
    "flag": "BOOLEAN",
}

#: suffix of the table holding one row per party of a multi-party record (patents, papers)
PARTY_TABLE = "{table}_parties"


def _field_columns(kind: Kind, f: Field) -> list[tuple[str, str]]:
    cols = [(f.name, _RULE_TYPES.get(f.rule, "VARCHAR"))]
    if f.rule in ("adcode", "gbt4754"):
        cols.append((f"{f.name}_method", "VARCHAR"))
    if f.name.endswith("_name") and f.name[: -len("_name")] + "_code" in kind.names:
        cols.append((f"{f.name[: -len('_name')]}_norm", "VARCHAR"))
    elif f.name == "firm_name" and "credit_code" in kind.names:  # trade, tax, needs: the firm's name key
        cols.append(("firm_norm", "VARCHAR"))
    if kind.name == "firms" and f.name == "name":
        cols.append(("name_norm", "VARCHAR"))
    return cols


def raw_columns(kind: Kind) -> list[tuple[str, str]]:
    """Columns of ``raw_<kind>``: the fields, their derived columns, and provenance."""
    cols: list[tuple[str, str]] = []
    for f in kind.fields:
        cols.extend(_field_columns(kind, f))
    cols += [
        ("year", "SMALLINT"),
        ("period_type", "VARCHAR"),
        ("row_number", "BIGINT"),
        ("batch_id", "INTEGER"),
    ]
    return cols


#: the table keeping the rows a later batch replaced (``raw_trade`` → ``raw_trade_revisions``)
REVISIONS_TABLE = "{table}_revisions"


def revision_columns(kind: Kind) -> list[tuple[str, str]]:
    """Columns of ``raw_<kind>_revisions``: a replaced row as it was, the batch that replaced it and when."""
    return [*raw_columns(kind), ("replaced_by", "INTEGER"), ("replaced_at", "TIMESTAMP")]


def period_type_sql(kind: Kind) -> str:
    """SQL deriving a stored row's ``period_type`` from its period field (``year``, ``quarter``, ``month`` or
    ``day`` for a date; NULL for an undated kind): what :func:`chainatlas.ingest.validate` writes for new rows."""
    f = kind.period_field
    if f is None:
        return "NULL"
    if kind.field(f).rule == "date":
        return f"CASE WHEN \"{f}\" IS NULL THEN NULL ELSE 'day' END"
    return (
        f'CASE WHEN "{f}" IS NULL THEN NULL WHEN length("{f}") = 4 THEN \'year\' '
        f"WHEN \"{f}\" LIKE '%Q%' THEN 'quarter' ELSE 'month' END"
    )


def party_columns() -> list[tuple[str, str]]:
    """Columns of the party tables of patents and papers (one row per applicant/institution)."""
    return [
        ("record_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("n_parties", "INTEGER"),
        ("name", "VARCHAR"),
        ("name_norm", "VARCHAR"),
        ("code", "VARCHAR"),
        ("adcode", "VARCHAR"),
        ("adcode_method", "VARCHAR"),
        ("synthetic", "BOOLEAN"),
        ("year", "SMALLINT"),
        ("batch_id", "INTEGER"),
    ]


def _create(name: str, cols: list[tuple[str, str]]) -> str:
    body = ",\n  ".join(f'"{c}" {t}' for c, t in cols)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {body}\n)"


def _v1() -> list[str]:
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        _create(
            "batches",
            [
                ("batch_id", "INTEGER"),
                ("kind", "VARCHAR"),
                ("source_file", "VARCHAR"),
                ("sha256", "VARCHAR"),
                ("format", "VARCHAR"),
                ("encoding", "VARCHAR"),
                ("rows_read", "BIGINT"),
                ("rows_loaded", "BIGINT"),
                ("rows_replaced", "BIGINT"),
                ("rows_rejected", "BIGINT"),
                ("synthetic", "BOOLEAN"),
                ("loaded_at", "TIMESTAMP"),
            ],
        ),
        _create("batch_years", [("batch_id", "INTEGER"), ("year", "SMALLINT")]),
        # years whose layers must be rebuilt because a batch touched them
        _create("dirty_years", [("year", "SMALLINT")]),
        _create(
            "builds",
            [("year", "SMALLINT"), ("built_at", "TIMESTAMP"), ("facts", "BIGINT"), ("unplaced", "BIGINT")],
        ),
        _create(
            "areas",
            [
                ("area_id", "VARCHAR"),
                ("name_zh", "VARCHAR"),
                ("name_en", "VARCHAR"),
                ("kind", "VARCHAR"),
                ("source", "VARCHAR"),
                ("members", "VARCHAR"),
            ],
        ),
    ]
    stmts.extend(_create(name, cols) for name, cols in raw_tables().items())
    return stmts


def raw_tables() -> dict[str, list[tuple[str, str]]]:
    """Every raw table of a new atlas (one per kind, and the party tables of patents and papers) → columns."""
    out = {}
    for k in KINDS.values():
        out[k.table] = raw_columns(k)
        if k.party_lists:
            out[PARTY_TABLE.format(table=k.table)] = party_columns()
    return out


def _rebuild(kind_name: str) -> list[str]:
    """Recreate ``raw_<kind>`` with the current columns in their order, keeping its rows (matched by name).

    A kind added after the atlas was made (issue 15's ``vouchers`` in an atlas of schema 4) has no table yet: it
    is created empty first, so every migration that rebuilds all kinds runs on an atlas of any age."""
    k = KINDS[kind_name]
    return _rebuild_table(k.table, raw_columns(k))


def _rebuild_table(table: str, cols: list[tuple[str, str]]) -> list[str]:
    new = f"{table}__v"
    return [
        _create(table, cols),
        f"DROP TABLE IF EXISTS {new}",
        _create(new, cols),
        f"INSERT INTO {new} BY NAME SELECT * FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE {new} RENAME TO {table}",
    ]


def _v2() -> list[str]:
    """Entities without a credit code (issue 10): trade and tax gain ``firm_name`` and ``firm_norm``, needs
    ``firm_norm`` (the name key a record without a code is matched on)."""
    return [stmt for name in ("trade", "tax", "needs") for stmt in _rebuild(name)]


def _v3() -> list[str]:
    """Flows as they come (issue 10): ``raw_flows`` gains ``symmetric`` (双向; existing rows read as directed)."""
    return _rebuild("flows")


def _v4() -> list[str]:
    """A firm's other industries (issue 10): ``raw_firms`` gains ``other_industry_codes`` (';'-joined codes)."""
    return _rebuild("firms")


def _v5() -> list[str]:
    """Sub-annual periods and revisions (issue 13): every raw table gains ``period_type`` (the grain its record
    was reported at), and a ``<table>_revisions`` table keeps each row a later batch replaced."""
    stmts: list[str] = []
    for k in KINDS.values():
        stmts += _rebuild(k.name)
        stmts.append(f"UPDATE {k.table} SET period_type = {period_type_sql(k)}")
        stmts.append(_create(REVISIONS_TABLE.format(table=k.table), revision_columns(k)))
    return stmts


def _widened_and_added(widened: str, added: tuple[str, ...]) -> list[str]:
    """``raw_<widened>`` and its revisions rebuilt with the kind's current columns (the new ones NULL in the rows
    kept), and the raw and revisions tables of the ``added`` kinds created."""
    k = KINDS[widened]
    stmts = _rebuild(widened)
    stmts += _rebuild_table(REVISIONS_TABLE.format(table=k.table), revision_columns(k))
    for name in added:
        c = KINDS[name]
        stmts.append(_create(c.table, raw_columns(c)))
        stmts.append(_create(REVISIONS_TABLE.format(table=c.table), revision_columns(c)))
    return stmts


#: the input kinds issue 15 (cooperation ledgers) added
COOPERATION_KINDS = ("enclave_terms", "enclave_shareholders", "tax_sharing", "vouchers", "recognitions")


def _v6() -> list[str]:
    """Cooperation ledgers (issue 15): ``raw_enclaves`` (and its revisions) gains the enclave's type, direction,
    operating company, land quota, joint funding and 亩均 inputs (NULL in the rows stored before), and the kinds
    ``enclave_terms``, ``enclave_shareholders``, ``tax_sharing``, ``vouchers`` and ``recognitions`` get their raw
    and revisions tables."""
    return _widened_and_added("enclaves", COOPERATION_KINDS)


#: the input kinds issue 16 (alliances and open calls, 揭榜挂帅) added
OPEN_CALL_KINDS = ("open_calls", "open_call_bids", "open_call_tasks", "open_call_outcomes")


def _v7() -> list[str]:
    """Alliances and open calls (issue 16): ``raw_alliances`` (and its revisions) gains ``level`` and ``segment``
    (NULL in the rows stored before: a level not stated), and the kinds ``open_calls``, ``open_call_bids``,
    ``open_call_tasks`` and ``open_call_outcomes`` get their raw and revisions tables."""
    return _widened_and_added("alliances", OPEN_CALL_KINDS)


#: migration number -> statements; applied in order inside one transaction
MIGRATIONS: dict[int, list[str]] = {1: _v1(), 2: _v2(), 3: _v3(), 4: _v4(), 5: _v5(), 6: _v6(), 7: _v7()}
SCHEMA_VERSION = max(MIGRATIONS)
