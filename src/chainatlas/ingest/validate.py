"""Validate a frame of one input kind against the contract in :mod:`chainatlas.model.kinds`.

:func:`validate` applies every rule of the kind to every row and returns a :class:`ValidatedBatch`:
the converted table, the exploded parties (patents and papers), and **all** the problems found, each a
:class:`~chainatlas.errors.RowError` naming file, spreadsheet row, column, value and rule. It never
raises for bad rows; the caller decides (a batch loads completely or not at all, see
:meth:`ValidatedBatch.raise_for_errors`). Nothing here touches storage.

Rule names used in ``RowError.rule``:

=================  =======================================================================
rule               raised when
=================  =======================================================================
required           a required cell is empty
credit_code        a credit code has a wrong length, letter or check digit
adcode             an administrative code is not a current YRD code (nor a retired one)
address            a required place is only given as an address that cannot be resolved
gbt4754            not a GB/T 4754-2017 code (nor a 2011 code with an equivalent)
hs, ipc, country   not an HS code / IPC symbol / ISO country code
date, period       cannot read the date / period
number             a number column holds text
negative amount    a ``nonneg`` amount is below 0
count, share       not a whole number >= 0 / not a percentage in [0, 100]
enum, flag         not one of the choices / not yes-no
chain, segment     not in the taxonomy (a segment also needs its chain)
one_of             none of a group of alternatives (e.g. adcode or address) is given
list               an empty name inside a party list (``甲;;乙``)
list length        a party list has a different number of items than the names list
parties            a party list names more parties than ``CHAINATLAS_MAX_PARTIES`` (default 100)
duplicate key      the key was already used by an earlier row (named in the message)
unknown column,    file-level (row 1): a column that is not a field, a required field with
missing column     no column; every row is then rejected (:func:`read_table` raises these,
                   with ``duplicate column`` and ``columns`` for ragged CSV rows, as IngestError)
=================  =======================================================================
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainatlas import config
from chainatlas.errors import ConfigError, IngestError, RowError
from chainatlas.ingest import rules
from chainatlas.ingest.read import IGNORED_HEADERS, ROW_INDEX, STRING, missing_columns, read_table
from chainatlas.ingest.rules import TEXT, Column, Failure, Mapped, Outcome, Uniques, materialize
from chainatlas.model.kinds import Field, Kind
from chainatlas.model.kinds import kind as get_kind
from chainatlas.model.names import normalize_names

__all__ = [
    "PLACEMENT_LEVELS",
    "ValidatedBatch",
    "max_parties",
    "parse_file",
    "placement",
    "placement_report",
    "validate",
    "write_rejects",
]

# Empty cells that the contract says default to a value (the kinds table states it in help_zh only).
_DEFAULTS: dict[tuple[str, str], str] = {("firms", "entity_type"): "firm"}

_NUMERIC_RULES = ("nonneg", "count", "share")
_CODE_CHECKS: dict[str, Callable[[Column, Field], Outcome]] = {
    "credit_code": rules.check_credit_code,
    "adcode": rules.check_adcode,
    "gbt4754": rules.check_gbt4754,
    "gbt4754_list": rules.check_gbt4754_list,
    "hs": rules.check_hs,
    "ipc_list": rules.check_ipc_list,
    "country": rules.check_country,
    "period": rules.check_period,
    "enum": rules.check_enum,
    "flag": rules.check_flag,
    "list": rules.check_list,
}


@dataclass
class ValidatedBatch:
    """The result of validating one file (or frame) of one input kind.

    Attributes
    ----------
    kind : str
        Input kind name.
    source_file : str
        Name used in error messages.
    sha256 : str
        SHA-256 of the file bytes (of the frame's contents when validated from a frame).
    rows_read : int
        Data rows in the input.
    table : pandas.DataFrame
        Every row (good or not) with every field of the kind, converted: text ``string``, dates
        ``datetime64[ms]``, amounts ``float64``, counts ``Int64``, flags ``bool``, enums as English
        values, periods as ``'2023'``/``'2023-05'``/``'2023Q2'``; cells that failed a check are missing.
        Plus ``row_number``, ``<adcode field>_method``, ``<prefix>_norm`` (``name_norm`` for firms)
        and ``year`` (Int16, the year of the kind's period field; all missing for undated kinds).
    parties : pandas.DataFrame or None
        For kinds with party lists (patents, papers): one row per record and party with ``record_id``,
        ``seq`` (0-based), ``n_parties``, ``name``, ``name_norm``, ``code``, ``adcode``,
        ``adcode_method``, ``address``, ``synthetic``, ``year`` and ``row_number``.
    errors : list of RowError
        Every problem found, ordered by row then column.
    rejects : pandas.DataFrame
        The original text of every bad row, with ``row_number`` and ``reason``.
    good_mask : numpy.ndarray
        True for rows without errors (aligned with ``table``).
    periods : set of int
        Years touched by the good rows.
    meta : dict
        What :func:`~chainatlas.ingest.read.read_table` reported (encoding, header map...).
    warnings : list of RowError
        Rows that load but look wrong (a supply link from a firm to itself, a founding date in the future):
        reported, never refused.
    """

    kind: str
    source_file: str
    sha256: str
    rows_read: int
    table: pd.DataFrame
    parties: pd.DataFrame | None
    errors: list[RowError]
    rejects: pd.DataFrame
    good_mask: np.ndarray
    periods: set[int]
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors

    @property
    def good(self) -> pd.DataFrame:
        """The rows without errors."""
        return self.table[self.good_mask]

    def raise_for_errors(self) -> None:
        """Raise :class:`IngestError` carrying every row error, if there is any."""
        if self.errors:
            bad = int((~self.good_mask).sum())
            raise IngestError(
                f"{self.source_file}: {len(self.errors)} errors in {bad} of {self.rows_read} rows "
                f"({self.kind}); nothing was loaded. Fix the rows listed (see the rejects file) and load "
                "the file again.",
                self.errors,
            )


# --------------------------------------------------------------------------- errors


class _Errors:
    """Collects failures as arrays and turns them into ordered ``RowError`` s at the end."""

    def __init__(self, file: str, row_numbers: np.ndarray, cols: dict[str, Column], order: dict[str, int]):
        self.file = file
        self.row_numbers = row_numbers
        self.cols = cols
        self.order = order
        self.failures: list[tuple[str, Failure]] = []
        self.file_level: list[RowError] = []

    def add(self, column: str, failure: Failure) -> None:
        if len(failure.rows):
            self.failures.append((failure.column or column, failure))

    def bad_mask(self, n: int) -> np.ndarray:
        bad = np.zeros(n, dtype=bool)
        if self.file_level:
            bad[:] = True
        for _, f in self.failures:
            bad[f.rows] = True
        return bad

    def row_errors(self) -> list[RowError]:
        out: list[tuple[int, int, RowError]] = []
        for column, f in self.failures:
            rows = self.row_numbers[f.rows].tolist()
            if f.values is not None:
                values = f.values
            elif column in self.cols:
                values = self.cols[column].given.take(pa.array(f.rows)).to_pylist()
            else:
                values = [""] * len(rows)
            messages = f.messages if isinstance(f.messages, list) else [f.messages] * len(rows)
            rank = self.order.get(column, len(self.order))
            out.extend(
                (r, rank, RowError(self.file, r, column, "" if v is None else str(v), f.rule, m))
                for r, v, m in zip(rows, values, messages, strict=True)
            )
        out.sort(key=lambda t: (t[0], t[1]))
        return self.file_level + [e for _, _, e in out]


# --------------------------------------------------------------------------- taxonomy


def _key(v: str) -> str:
    return unicodedata.normalize("NFKC", v).strip().lower()


class _TaxonomyIndex:
    """Chain and segment ids with their labels, for lookups by id or Chinese name (case-insensitive)."""

    _LABELS = ("zh", "name_zh", "name_en", "name", "label")

    def __init__(self, taxonomy: Any):
        chains = taxonomy.chains
        self.chain_ids = [str(c) for c in chains["id"]]
        self.chains: dict[str, str] = {}
        for col in ("id", *self._LABELS):
            if col in chains.columns:
                for cid, label in zip(chains["id"], chains[col], strict=True):
                    if isinstance(label, str):
                        self.chains.setdefault(_key(label), str(cid))
        segs = taxonomy.segments
        self.segment_ids: dict[str, list[str]] = defaultdict(list)
        self.segments: dict[str, dict[str, str]] = defaultdict(dict)
        for row in segs.to_dict("records"):
            chain, seg = str(row["chain"]), str(row["segment"])
            self.segment_ids[chain].append(seg)
            for col in ("segment", *self._LABELS):
                label = row.get(col)
                if isinstance(label, str):
                    self.segments[chain].setdefault(_key(label), seg)


def _check_chain(col: Column, f: Field, tax: _TaxonomyIndex) -> Outcome:
    u = col.uniques
    found = [tax.chains.get(_key(v)) for v in u.values.to_pylist()]
    bad = np.asarray([v is None for v in found], dtype=bool)
    failures = []
    if bad.any():
        failures.append(
            Failure(u.bad_rows(bad), "chain", f"unknown chain; expected one of: {', '.join(tax.chain_ids)}")
        )
    return Outcome(u.map(pa.array(found, type=TEXT), col), failures)


def _check_segment(col: Column, chain_col: Column, chain: pa.Array, tax: _TaxonomyIndex) -> Outcome:
    # Distinct (chain, segment) pairs; a chain that is itself invalid is reported once, on chain.
    pair = pc.binary_join_element_wise(pc.fill_null(chain, ""), col.text, pa.scalar("\x1f", TEXT))
    u = Uniques.of(pair)
    found: list[str | None] = []
    messages: list[str | None] = []
    for value in u.values.to_pylist():
        chain_id, seg = value.split("\x1f", 1)
        if not chain_id:
            found.append(None)
            messages.append("a segment needs its chain: fill the chain (产业链) column")
            continue
        hit = tax.segments.get(chain_id, {}).get(_key(seg))
        found.append(hit)
        messages.append(
            None
            if hit
            else f"unknown segment of chain {chain_id}; expected one of: "
            f"{', '.join(tax.segment_ids.get(chain_id, [])) or '(none defined)'}"
        )
    bad = np.asarray([m is not None for m in messages], dtype=bool)
    failures = []
    if bad.any():
        rows = u.bad_rows(bad)
        invalid_chain = rules.to_numpy(pc.and_(pc.is_valid(chain_col.text), pc.is_null(chain)))
        rows = rows[~invalid_chain[rows]]
        msg = np.asarray(messages + [None], dtype=object)
        failures.append(Failure(rows, "segment", msg[u.idx[rows]].tolist()))
    return Outcome(u.map(pa.array(found, type=TEXT)), failures)


def _taxonomy_for(k: Kind, cols: dict[str, Column], taxonomy: Any) -> _TaxonomyIndex | None:
    """Index the taxonomy, loading the default one only if some chain or segment is given."""
    if taxonomy is None:
        given = any(
            cols[f.name].raw.null_count < len(cols[f.name])
            for f in k.fields
            if f.rule in ("chain", "segment")
        )
        if not given:
            return None
        from chainatlas.model.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    return _TaxonomyIndex(taxonomy)


# --------------------------------------------------------------------------- helpers


def _row_numbers(frame: pd.DataFrame) -> np.ndarray:
    if frame.index.name == ROW_INDEX:
        return frame.index.to_numpy(dtype=np.int64)
    return np.arange(2, len(frame) + 2, dtype=np.int64)


def _address_field(k: Kind, adcode_field: str) -> str | None:
    """The address column that can stand in for an adcode column.

    ``adcode`` → ``address``, ``X_adcode`` → ``X_address``; None when the kind has no such column.
    """
    name = adcode_field[: -len("adcode")] + "address"
    return name if name in k.names else None


def _frame_hash(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, frame.columns)).encode())
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _normalize(col: Column) -> pa.Array:
    """``normalize_names`` on the distinct names only, broadcast to the rows.

    The keys are only stored, never checked again, so they are not re-encoded as distinct values.
    """
    u = col.uniques
    return u.take(rules.from_series(normalize_names(u.series())))


def _pandas(values: Any) -> Any:
    values = materialize(values)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pd.arrays.ArrowStringArray(
            values if pa.types.is_large_string(values.type) else values.cast(TEXT)
        )
    return values


def _key_ids(values: Any, col: Column) -> tuple[np.ndarray, int]:
    """Per-row ids (0 = missing) of a key column's normalised values, and how many ids there are."""
    if isinstance(values, Mapped):
        u = values.uniques
    elif isinstance(values, (pa.Array, pa.ChunkedArray)):
        u = col.uniques if values is col.text else Uniques.of(values)
    else:
        u = Uniques.of(rules.as_text(pd.Series(values)))
    return u.idx.astype(np.int64) + 1, len(u) + 1


# --------------------------------------------------------------------------- validate


def validate(
    kind: str | Kind,
    frame: pd.DataFrame,
    source_file: str | Path,
    *,
    taxonomy: Any = None,
    meta: dict[str, Any] | None = None,
) -> ValidatedBatch:
    """Check every row of ``frame`` against the rules of ``kind``.

    Parameters
    ----------
    kind : str or Kind
        The input kind.
    frame : pandas.DataFrame
        Columns named by field (as :func:`~chainatlas.ingest.read.read_table` returns them). Text
        columns are expected; numeric and datetime columns are accepted as they are. If the index is
        named ``row_number`` it gives the spreadsheet row numbers, otherwise rows count from 2.
    source_file : str or Path
        The file name to show in errors.
    taxonomy : Taxonomy, optional
        Chains and segments to check against; :func:`chainatlas.model.taxonomy.load_taxonomy` is used
        when a chain or segment is given and this is None.
    meta : dict, optional
        Reading metadata to carry over (its ``sha256`` is used when present).

    Returns
    -------
    ValidatedBatch
        Never raises for bad rows: see ``errors``, ``good_mask`` and ``rejects``.

    Notes
    -----
    Vectorised throughout: code columns are checked once per distinct value (Arrow dictionary encoding)
    and the verdicts broadcast back; columns already in canonical form are passed through without a copy.

    Examples
    --------
    >>> batch = validate("flows", frame, "flows.csv")          # doctest: +SKIP
    >>> batch.raise_for_errors()                                # doctest: +SKIP
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    file = str(source_file)
    meta = dict(meta or {})
    n = len(frame)
    row_numbers = _row_numbers(frame)
    cols: dict[str, Column] = {}
    native: dict[str, pd.Series] = {}
    for f in k.fields:
        if f.name in frame.columns:
            series = frame[f.name]
            if (
                (
                    f.rule in _NUMERIC_RULES
                    and pd.api.types.is_numeric_dtype(series)
                    and not pd.api.types.is_bool_dtype(series)
                )
                or f.rule == "date"
                and pd.api.types.is_datetime64_any_dtype(series)
            ):
                native[f.name] = series
            cols[f.name] = Column(rules.as_text(series), rules.fold_of(f, k))
        else:
            cols[f.name] = Column(pa.nulls(n, TEXT))
    err = _Errors(file, row_numbers, cols, {name: i for i, name in enumerate(k.names)})
    _file_level_checks(k, frame, file, err)

    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    years: Any = None
    tax: _TaxonomyIndex | None = None
    party_fields = set(k.party_lists)
    for f in k.fields:
        if f.name in party_fields or f.rule == "segment":
            continue
        col = cols[f.name]
        if f.rule == "text":
            outcome = Outcome(col.text)
        elif f.rule in _NUMERIC_RULES:
            outcome = rules.check_number(col, f, native.get(f.name))
        elif f.rule == "date":
            outcome = rules.check_date(col, f, native.get(f.name))
        elif f.rule == "chain":
            tax = tax or _taxonomy_for(k, cols, taxonomy)
            outcome = _check_chain(col, f, tax) if tax else Outcome(col.text)
        else:
            outcome = _CODE_CHECKS[f.rule](col, f)
        default = _DEFAULTS.get((k.name, f.name))
        if default is not None:
            # Only empty cells take the default; an invalid value stays missing (it has an error).
            outcome.values = pc.if_else(
                pa.array(col.is_null()), pa.scalar(default, TEXT), materialize(outcome.values)
            )
        for failure in outcome.failures:
            err.add(f.name, failure)
        out[f.name] = outcome.values
        year = outcome.extra.pop("year", None)
        if f.name == k.period_field:
            years = year
        extra.update(outcome.extra)

    for f in k.fields:
        if f.rule == "segment":
            tax = tax or _taxonomy_for(k, cols, taxonomy)
            chain = materialize(out["chain"]) if "chain" in out else pa.nulls(n, TEXT)
            chain_col = cols.get("chain", Column(pa.nulls(n, TEXT)))
            outcome = (
                _check_segment(cols[f.name], chain_col, chain, tax) if tax else Outcome(cols[f.name].text)
            )
            for failure in outcome.failures:
                err.add(f.name, failure)
            out[f.name] = outcome.values
        elif f.rule == "adcode":
            _resolve_from_address(k, f, cols, out, extra, err)

    _required(k, cols, set(map(str, frame.columns)), err)
    _one_of(k, cols, err)
    parties = _party_lists(k, cols, out, err) if k.party_lists else None

    for f in k.fields:
        if f.name.endswith("_name"):
            extra[f"{f.name[: -len('_name')]}_norm"] = _normalize(cols[f.name])
    if k.name == "firms":
        extra["name_norm"] = _normalize(cols["name"])

    _duplicate_keys(k, cols, out, err)
    _overlapping_periods(k, cols, out, err)

    table = pd.DataFrame({ROW_INDEX: row_numbers}, index=pd.RangeIndex(n))
    for name in k.names:
        table[name] = _pandas(out[name])
    for name, values in extra.items():
        table[name] = _pandas(values)
    if k.period_field is None:  # undated kinds (experts) still get the column, all missing
        years = pd.arrays.IntegerArray(np.zeros(n, np.int16), np.ones(n, bool))
    elif years is None:  # a date field
        years = pd.array(pd.DatetimeIndex(out[k.period_field]).year, dtype="Int16")
    table["year"] = years
    table["period_type"] = _period_types(k, table)

    bad = err.bad_mask(n)
    good = ~bad
    errors = err.row_errors()
    if parties is not None:
        pos = parties.pop("_pos").to_numpy()
        parties["synthetic"] = table["synthetic"].to_numpy()[pos]
        parties["year"] = table["year"].array.take(pos)
    periods = {int(y) for y in pd.unique(table["year"][good].dropna())}
    return ValidatedBatch(
        kind=k.name,
        source_file=file,
        sha256=meta.get("sha256") or _frame_hash(frame),
        rows_read=n,
        table=table,
        parties=parties,
        errors=errors,
        rejects=_rejects(frame, row_numbers, bad, errors),
        good_mask=good,
        periods=periods,
        meta=meta,
        warnings=_warnings(k, table, good, file),
    )


def _period_types(k: Kind, table: pd.DataFrame) -> pd.Series:
    """The grain each record was reported at: ``year``, ``quarter``, ``month`` (a period field's canonical text),
    ``day`` (a date field), missing for undated kinds and unreadable periods (as ``schema.period_type_sql``)."""
    if k.period_field is None:
        return pd.Series(pd.NA, index=table.index, dtype="string")
    v = table[k.period_field]
    if k.field(k.period_field).rule == "date":
        return pd.Series(np.where(v.isna(), None, "day"), index=table.index, dtype="string")
    text = v.astype("string")
    grain = np.select(
        [text.str.len().eq(4).fillna(False), text.str.contains("Q").fillna(False)],
        ["year", "quarter"],
        "month",
    )
    return pd.Series(np.where(text.isna(), None, grain), index=table.index, dtype="string")


#: pairs of fields naming the two ends of one tie: the same entity at both ends is suspicious
_SELF_PAIRS = (
    ("supplier_code", "customer_code"),
    ("investor_code", "investee_code"),
    ("from_code", "to_code"),
)


def _warnings(k: Kind, table: pd.DataFrame, good: np.ndarray, file: str) -> list[RowError]:
    """Good rows that look wrong: a tie from an entity to itself, a founding date after today."""
    out: list[RowError] = []
    rows = table["row_number"].to_numpy() if "row_number" in table else np.arange(2, len(table) + 2)
    for a, b in _SELF_PAIRS:
        if a in table and b in table:
            same = (table[a] == table[b]).fillna(False).to_numpy(dtype=bool) & good
            out += [
                RowError(
                    file,
                    int(r),
                    b,
                    str(v),
                    "self link",
                    f"the {a} and the {b} are the same entity: a tie from an entity to itself "
                    "(loaded as a loop inside its place)",
                )
                for r, v in zip(rows[same], table.loc[same, b], strict=True)
            ]
    if k.name == "firms" and "founded" in table:
        today = pd.Timestamp.today().normalize()
        future = (table["founded"] > today).fillna(False).to_numpy(dtype=bool) & good
        out += [
            RowError(
                file,
                int(r),
                "founded",
                str(v)[:10],
                "future date",
                "the founding date is after today; check the year",
            )
            for r, v in zip(rows[future], table.loc[future, "founded"], strict=True)
        ]
    return sorted(out, key=lambda e: (e.row, e.column))


def _file_level_checks(k: Kind, frame: pd.DataFrame, file: str, err: _Errors) -> None:
    for col in frame.columns:
        if col not in k.names and col not in IGNORED_HEADERS and col != ROW_INDEX:
            err.file_level.append(
                RowError(
                    file,
                    1,
                    str(col),
                    str(col),
                    "unknown column",
                    f"column {col!r} is not a field of {k.name} ({k.zh}); expected: {', '.join(k.names)}",
                )
            )
    err.file_level.extend(missing_columns(k, set(frame.columns), file))


def _resolve_from_address(
    k: Kind, f: Field, cols: dict[str, Column], out: dict[str, Any], extra: dict[str, Any], err: _Errors
) -> None:
    """Fill an empty adcode from its companion address; method ``address:county`` or ``address:city``."""
    companion = _address_field(k, f.name)
    if companion is None:
        return
    need = rules.flat(pc.and_(pc.is_null(cols[f.name].text), pc.is_valid(cols[companion].text)))
    if not pc.any(need).as_py():
        return
    codes, method = rules.resolve_addresses(rules.flat(cols[companion].text).filter(need))
    out[f.name] = pc.replace_with_mask(rules.flat(materialize(out[f.name])), need, codes)
    method_col = f"{f.name}_method"
    extra[method_col] = pc.replace_with_mask(rules.flat(materialize(extra[method_col])), need, method)
    if f.required:
        positions = np.flatnonzero(rules.to_numpy(need))
        unresolved = positions[~rules.to_numpy(pc.is_valid(codes))]
        err.add(
            companion,
            Failure(
                unresolved,
                "address",
                f"cannot place this address in a YRD county or city; give {f.name} ({f.zh}) instead",
            ),
        )


def _required(k: Kind, cols: dict[str, Column], present: set[str], err: _Errors) -> None:
    for f in k.fields:
        if not f.required or (k.name, f.name) in _DEFAULTS or f.name not in present:
            continue  # a missing column is one file-level error, not one per row
        missing = cols[f.name].is_null()
        companion = _address_field(k, f.name) if f.rule == "adcode" else None
        if companion is not None:
            missing &= cols[companion].is_null()
        err.add(
            f.name, Failure(np.flatnonzero(missing), "required", f"{f.name} ({f.zh}) is required but empty")
        )


def _one_of(k: Kind, cols: dict[str, Column], err: _Errors) -> None:
    for group in k.one_of:
        none = np.ones(len(cols[group[0]]), dtype=bool)
        for name in group:
            none &= cols[name].is_null()
        labels = " or ".join(f"{name} ({k.field(name).zh})" for name in group)
        err.add(
            "/".join(group),
            Failure(
                np.flatnonzero(none),
                "one_of",
                f"give at least one of {labels}",
                values=[""] * int(none.sum()),
            ),
        )


def _key_numbers(
    k: Kind, names: Sequence[str], cols: dict[str, Column], out: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Each row's key over ``names`` as one integer, which rows have a comparable key, and per name field the
    rows where its credit code is given (the name is then not compared)."""
    n = len(cols[k.key[0]])
    eligible = np.ones(n, dtype=bool)
    combined = np.zeros(n, dtype=np.int64)
    coded: dict[str, np.ndarray] = {}
    radix = 1
    for name in names:
        given = ~cols[name].is_null()
        ids, card = _key_ids(out[name], cols[name])
        code = _code_of_name(k, name)
        if code is not None and code in k.key:
            # a name identifies the record only where no credit code is given: with a code, the code decides
            coded[name] = ~cols[code].is_null()
            ids = np.where(coded[name], 0, ids)
        # Rows whose key is missing or invalid already have an error; they are not compared.
        eligible &= ~(given & (ids == 0))
        if k.field(name).required:
            eligible &= given
        if radix * card >= 1 << 62:  # the mixed-radix number would overflow: make ids dense first
            combined = pd.factorize(combined)[0].astype(np.int64)
            radix = int(combined.max()) + 1
        combined = combined * card + ids
        radix *= card
    return eligible, combined, coded


def _duplicate_keys(k: Kind, cols: dict[str, Column], out: dict[str, Any], err: _Errors) -> None:
    """Flag rows whose key (after normalisation: ``2023-5`` is ``2023-05``) an earlier row already used."""
    if len(cols[k.key[0]]) < 2:
        return
    eligible, combined, coded = _key_numbers(k, k.key, cols, out)
    positions = np.flatnonzero(eligible)
    keys = combined[positions]
    dup = pd.Series(keys).duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    _, first_index = np.unique(keys, return_index=True)  # first occurrence of each key
    first_of = dict(zip(keys[first_index].tolist(), positions[first_index].tolist(), strict=True))
    rows = positions[dup]
    taken = pa.array(rows)
    shown = [name for name in k.key if name not in coded or not coded[name][rows].all()]
    texts = [cols[name].given.take(taken).to_pylist() for name in shown]
    values = [" / ".join("" if v is None else v for v in vals) for vals in zip(*texts, strict=True)]
    keys_as = [_pandas(out[name]).take(rows).tolist() for name in shown]
    compared = [" / ".join("" if pd.isna(v) else str(v) for v in vals) for vals in zip(*keys_as, strict=True)]
    first_rows = err.row_numbers[[first_of[c] for c in combined[rows].tolist()]].tolist()
    messages = [
        f"same {', '.join(shown)} as row {r}"
        + (
            ""
            if c == v
            else f" (compared as {c}: case, full-width characters and blanks do not make another key)"
        )
        + f"; each {k.name} record must appear once (merge the rows or delete one)"
        for r, v, c in zip(first_rows, values, compared, strict=True)
    ]
    err.add(",".join(shown), Failure(rows, "duplicate key", messages, values=values))


def _overlapping_periods(k: Kind, cols: dict[str, Column], out: dict[str, Any], err: _Errors) -> None:
    """Flag rows whose period overlaps another row's of the same key in the file (``2024`` and ``2024-05``,
    ``2024Q2`` and ``2024-05``): the year's figure would count the month twice. Stored rows overlapping a new one
    are replaced instead (``storage``); inside one file nothing says which to keep."""
    pf = k.period_field
    if pf is None or pf not in k.key or k.field(pf).rule != "period" or len(cols[pf]) < 2:
        return
    eligible, combined, _ = _key_numbers(k, [f for f in k.key if f != pf], cols, out)
    period = pd.Series(_pandas(out[pf]), dtype="string")
    pos = np.flatnonzero(eligible & period.notna().to_numpy())
    if len(pos) < 2:
        return
    p = period.iloc[pos].to_numpy(dtype=object)
    q = [
        v[:4] + "Q" + (v[-1] if "Q" in v else str((int(v[5:7]) + 2) // 3)) if len(v) > 4 else None for v in p
    ]
    # every period with the coarser periods that contain it: a conflict is two rows sharing one of them where
    # one of the two rows is that period itself
    rows = pd.DataFrame({"pos": pos, "key": combined[pos], "label": p})
    anc = pd.concat(
        [
            rows.assign(anc=[v[:4] for v in p]),
            rows.assign(anc=q).dropna(subset=["anc"]),
            rows.assign(anc=p),
        ]
    ).drop_duplicates(["pos", "anc"])
    owner = anc[anc["label"] == anc["anc"]].drop_duplicates(["key", "anc"])[["key", "anc", "pos", "label"]]
    hit = anc.merge(owner, on=["key", "anc"], suffixes=("", "_o"))
    hit = hit[(hit["label"] != hit["label_o"])]
    if hit.empty:
        return
    # the later row of each overlapping pair is reported, naming the earlier one
    hit = hit.assign(later=hit[["pos", "pos_o"]].max(axis=1), earlier=hit[["pos", "pos_o"]].min(axis=1))
    hit = hit.sort_values(["later", "earlier"]).drop_duplicates("later")
    label = dict(zip(rows["pos"], rows["label"], strict=True))
    bad = hit["later"].to_numpy()
    messages = [
        f"period {label[a]} overlaps period {label[b]} of row {err.row_numbers[b]} for the same "
        f"{', '.join(f for f in k.key if f != pf)}; a year holds its quarters and months: give either the year "
        "or its parts, not both"
        for a, b in zip(hit["later"], hit["earlier"], strict=True)
    ]
    err.add(pf, Failure(bad, "overlapping periods", messages, values=[label[a] for a in bad]))


def _code_of_name(k: Kind, name: str) -> str | None:
    """The credit-code field that identifies the entity a name (or a firm's place) names (``name`` and
    ``adcode`` of firms → ``credit_code``, ``supplier_name`` → ``supplier_code``, ``firm_name`` →
    ``credit_code``), or None."""
    if name in ("name", "firm_name") or (k.name == "firms" and name == "adcode"):
        code = "credit_code"
    elif name.endswith("_name"):
        code = name[: -len("_name")] + "_code"
    else:
        return None
    return code if code in k.names and k.field(code).rule == "credit_code" else None


# --------------------------------------------------------------------------- placement

#: how precisely a record's place is known, finest first (see :func:`placement`)
PLACEMENT_LEVELS = ("county", "city", "province", "outside", "unplaced")


def placement(batch: ValidatedBatch, examples: int = 3) -> pd.DataFrame:
    """Where the good rows of ``batch`` are placed, per place column: the ingest placement report.

    Returns
    -------
    pandas.DataFrame
        One row per (``field``, ``level``) with ``rows`` and up to ``examples`` ``examples`` (the given code or
        address, '; '-joined) and ``methods`` (how the codes were found, e.g. ``exact``, ``padded``,
        ``address:province``). ``level``: ``county``, ``city`` (a 4-digit code, 苏州市, 上海 as a whole),
        ``province`` (江苏省, 320000: counted at province scale and above, unallocated below), ``outside`` (an
        address outside the YRD) or ``unplaced`` (no code, and no address that could be placed; such a row still
        loads and is placed from the entity register at build time where it names a registered entity). Party
        lists (patents, papers) report per party under the adcode list's name. Empty for kinds without a place
        column.
    """
    from chainatlas.geo import place_level

    k = get_kind(batch.kind)
    frames: list[tuple[str, pd.DataFrame]] = []
    good = batch.good
    for f in k.fields:
        if f.rule == "adcode" and f.name in good.columns:
            address = _address_field(k, f.name)
            shown = good[address].fillna(good[f.name]) if address else good[f.name]
            method = good[f"{f.name}_method"] if f"{f.name}_method" in good.columns else None
            frames.append((f.name, pd.DataFrame({"code": good[f.name], "method": method, "shown": shown})))
    if batch.parties is not None and k.party_lists:
        p = batch.parties[batch.parties["row_number"].isin(batch.table.loc[batch.good_mask, ROW_INDEX])]
        shown = p["address"].fillna(p["adcode"]) if "address" in p else p["adcode"]
        frames.append(
            (
                next(c for c in k.party_lists if c.endswith("_adcodes")),
                pd.DataFrame({"code": p["adcode"], "method": p["adcode_method"], "shown": shown}),
            )
        )
    rows = []
    for name, d in frames:
        level = place_level(d["code"].astype("string"))
        outside = d["method"].astype("string").eq("address:outside").fillna(False)
        level = level.mask(level.isna() & outside, "outside").fillna("unplaced")
        for lv in PLACEMENT_LEVELS:
            m = (level == lv).to_numpy()
            if not m.any():
                continue
            shown = d.loc[m, "shown"].dropna().astype(str).drop_duplicates().head(examples)
            rows.append(
                {
                    "field": name,
                    "level": lv,
                    "rows": int(m.sum()),
                    "examples": "; ".join(shown),
                    "methods": ", ".join(sorted(d.loc[m, "method"].dropna().astype(str).unique())),
                }
            )
    return pd.DataFrame(rows, columns=["field", "level", "rows", "examples", "methods"])


_LEVEL_ZH = {
    "county": "县区",
    "city": "城市",
    "province": "仅省",
    "outside": "长三角以外",
    "unplaced": "无法定位",
}


def placement_report(batch: ValidatedBatch) -> list[str]:
    """:func:`placement` as lines to print after an ingest (Chinese, then English)."""
    lines = []
    for field_name, g in placement(batch).groupby("field", sort=False):
        parts = [f"{_LEVEL_ZH[r.level]}/{r.level} {r.rows:,}" for r in g.itertuples()]
        lines.append(f"{batch.kind}.{field_name} 定位 placement: " + ", ".join(parts))
        for r in g.itertuples():
            if r.level in ("province", "outside", "unplaced") and r.examples:
                lines.append(f"  {r.level}: {r.examples}")
    return lines


# --------------------------------------------------------------------------- party lists


def max_parties() -> int:
    """The ``max_parties`` setting (``CHAINATLAS_MAX_PARTIES``) as a positive integer.

    Why a cap and why 100: the build ties every two parties of a record (``pipeline.facts``), k(k-1)/2 facts for
    k parties, so one patent with 2,000 applicants made 2 million facts. With fractional counting each of those
    ties weighs 2/(k(k-1)): above about 100 parties (4,950 ties) a tie weighs less than 0.0002 of a record, so
    such records add cost, not information (bibliometrics leaves hyperauthored papers out of collaboration
    networks for the same reason). Chinese patents list a handful of applicants; a list longer than 100 is far
    more often a merged or mis-split cell than a real record.
    """
    raw = config.get("max_parties")
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 2:
        raise ConfigError(
            f"CHAINATLAS_MAX_PARTIES must be a whole number >= 2, got {raw!r}; unset it for the default 100"
        )
    return value


def _party_lists(k: Kind, cols: dict[str, Column], out: dict[str, Any], err: _Errors) -> pd.DataFrame:
    """Split aligned party lists, check each item and return one row per (record, party)."""
    first, *companions = k.party_lists
    # Trailing separators after the last name ("甲;乙;") are a common slip, not an empty party.
    names_text = rules.flat(rules.clean_text(pc.utf8_rtrim(cols[first].text, characters=";；| \t")))
    items, lengths, offsets = rules.split_list(names_text)
    cap = max_parties()
    over = np.flatnonzero(lengths > cap)
    if len(over):
        label0 = k.field(first).zh
        err.add(
            first,
            Failure(
                over,
                "parties",
                [
                    f"{lengths[r]} parties in {first} ({label0}), more than the limit of {cap} "
                    f"(setting CHAINATLAS_MAX_PARTIES): a record with k parties makes k(k-1)/2 ties "
                    f"({lengths[r] * (lengths[r] - 1) // 2:,} here); check that the cell is one record, "
                    "split it, or raise CHAINATLAS_MAX_PARTIES"
                    for r in over
                ],
                values=[f"{lengths[r]} parties" for r in over],
            ),
        )
    parent = np.repeat(np.arange(len(lengths)), lengths)
    seq = np.arange(len(items)) - offsets[parent]
    empty = rules.to_numpy(pc.is_null(items))
    if empty.any():
        err.add(
            first,
            Failure(
                parent[empty],
                "list",
                [f"item {s + 1} of {first} is empty; remove the extra separator" for s in seq[empty]],
            ),
        )
    out[first] = _join_items(items, offsets, rules.to_numpy(pc.is_valid(names_text)))
    label = k.field(first).zh

    aligned: dict[str, pa.Array] = {}
    for comp in companions:
        text = rules.flat(cols[comp].text)
        c_items, c_len, c_off = rules.split_list(text)
        given = rules.to_numpy(pc.is_valid(text))
        mismatch = given & (c_len != lengths) & (lengths > 0)
        if mismatch.any():
            rows = np.flatnonzero(mismatch)
            err.add(
                comp,
                Failure(
                    rows,
                    "list length",
                    [
                        f"{c_len[r]} items but {first} ({label}) has {lengths[r]}; "
                        "give one value per party in the "
                        "same order, leaving an item empty (e.g. 'a;;c') where it is unknown"
                        for r in rows
                    ],
                ),
            )
        ok_row = given & ~mismatch
        pos = np.where(ok_row[parent], c_off[parent] + seq, -1)
        aligned[comp] = c_items.take(pa.array(pos, mask=pos < 0)) if len(pos) else pa.nulls(0, TEXT)
        out[comp] = _join_items(c_items, c_off, given)  # the table keeps the cleaned list text

    code = adcode = method = address = pa.nulls(len(items), TEXT)
    for comp, values in aligned.items():
        item_col = Column(values, "upper")  # codes: the key normalisation of rules.fold_of
        if comp.endswith("_codes"):
            outcome = rules.check_credit_code(item_col, Field(comp, k.field(comp).zh, "credit_code"))
            _add_item_failures(err, comp, outcome.failures, parent, seq, items, values)
            code = materialize(outcome.values)
        elif comp.endswith("_adcodes"):
            outcome = rules.check_adcode(item_col, Field(comp, k.field(comp).zh, "adcode"))
            _add_item_failures(err, comp, outcome.failures, parent, seq, items, values)
            adcode, method = materialize(outcome.values), materialize(outcome.extra[f"{comp}_method"])
        elif comp.endswith("_addresses"):
            address = values
    need = pc.and_(pc.is_null(adcode), pc.is_valid(address))
    if len(need) and pc.any(need).as_py():
        codes, how = rules.resolve_addresses(address.filter(need))
        adcode = pc.replace_with_mask(adcode, need, codes)
        method = pc.replace_with_mask(method, need, how)

    record = materialize(out[k.key[0]])
    return pd.DataFrame(
        {
            "record_id": _pandas(record.take(pa.array(parent, pa.int64()))),
            "seq": seq.astype(np.int32),
            "n_parties": lengths[parent].astype(np.int32),
            "name": _pandas(items),
            "name_norm": _pandas(_normalize(Column(items))),
            "code": _pandas(code),
            "adcode": _pandas(adcode),
            "adcode_method": _pandas(method),
            "address": _pandas(address),
            "row_number": err.row_numbers[parent],
            "_pos": parent,
        }
    )


def _join_items(items: pa.Array, offsets: np.ndarray, given: np.ndarray) -> pa.Array:
    """Cleaned list cells: trimmed items joined by ``;`` (empty items kept in place)."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pc.fill_null(items, ""))
    joined = pc.binary_join(lists, pa.scalar(";", TEXT))
    return pc.if_else(pa.array(given), joined, pa.scalar(None, TEXT))


def _add_item_failures(
    err: _Errors,
    column: str,
    failures: list[Failure],
    parent: np.ndarray,
    seq: np.ndarray,
    names: pa.Array,
    values: pa.Array,
) -> None:
    """Report failures of list items on their record's row, naming the party."""
    for f in failures:
        idx = f.rows
        who = names.take(pa.array(idx)).to_pylist()
        messages = f.messages if isinstance(f.messages, list) else [f.messages] * len(idx)
        err.add(
            column,
            Failure(
                parent[idx],
                f.rule,
                [
                    f"party {s + 1} ({w}): {m}"
                    for s, w, m in zip(seq[idx].tolist(), who, messages, strict=True)
                ],
                values=values.take(pa.array(idx)).to_pylist(),
            ),
        )


# --------------------------------------------------------------------------- rejects and files


def _rejects(
    frame: pd.DataFrame, row_numbers: np.ndarray, bad: np.ndarray, errors: list[RowError]
) -> pd.DataFrame:
    positions = np.flatnonzero(bad)
    cols = [c for c in frame.columns if c != ROW_INDEX]
    picked = frame.iloc[positions] if len(positions) else frame.iloc[:0]
    rejects = picked[cols].astype(STRING).reset_index(drop=True)
    reasons: dict[int, list[str]] = defaultdict(list)
    file_level = [f"{e.column}: {e.message}" for e in errors if e.row == 1]
    for e in errors:
        if e.row != 1:
            reasons[e.row].append(f"{e.column}: {e.message}")
    rows = row_numbers[positions]
    rejects.insert(0, ROW_INDEX, rows)
    rejects["reason"] = pd.array(
        ["; ".join(file_level + reasons.get(int(r), [])) for r in rows], dtype=STRING
    )
    return rejects


def parse_file(
    kind: str | Kind,
    path: str | Path,
    *,
    taxonomy: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ValidatedBatch:
    """Read and validate one file: :func:`~chainatlas.ingest.read.read_table` then :func:`validate`.

    Errors name the file by its name (not its full path).

    Raises
    ------
    IngestError
        Only for file-level problems (unreadable file, unknown or missing columns); row problems are
        returned in the batch.
    """
    k = get_kind(kind) if isinstance(kind, str) else kind
    frame, meta = read_table(path, k, progress=progress)
    return validate(k, frame, meta["file"], taxonomy=taxonomy, meta=meta)


def write_rejects(batch: ValidatedBatch, path: str | Path) -> Path:
    """Write the bad rows of ``batch`` as a UTF-8-BOM CSV that spreadsheets open directly.

    Columns: ``原因/reason``, ``行号/row``, then the original columns under their original headers.
    Fix the rows and load the file again: :func:`~chainatlas.ingest.read.read_table` ignores the two
    added columns. Text that a spreadsheet would run as a formula is written with a leading ``'``
    (:func:`chainatlas.ingest.excel.safe_frame`); plain numbers such as ``-12.5`` are written as they are.
    """
    from chainatlas.ingest.excel import safe_frame  # local: only this function writes a spreadsheet

    p = Path(path)
    header_of = {name: header for header, name in batch.meta.get("header_map", {}).items()}
    k = get_kind(batch.kind)
    rejects = batch.rejects
    data = rejects.drop(columns=[ROW_INDEX, "reason"])
    data.columns = [header_of.get(c, k.field(c).zh if c in k.names else c) for c in data.columns]
    data.insert(0, IGNORED_HEADERS[1], rejects[ROW_INDEX].to_numpy())
    data.insert(0, IGNORED_HEADERS[0], rejects["reason"])
    safe_frame(data).to_csv(p, index=False, encoding="utf-8-sig")
    return p
