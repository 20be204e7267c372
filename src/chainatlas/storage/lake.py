"""The atlas at rest for a cluster: Parquet datasets under one root, described by a manifest.

A *lake* is a directory (a local path in tests; any path Spark can read, ``hdfs://``, ``s3a://``, in production)
holding one Parquet dataset per table, partitioned by period::

    ROOT/_manifest/00000003.json       the committed state: every table's parts, schema and partitions
    ROOT/raw_trade/<part>/year=2023/…  a raw kind, one folder per year (NULL: __HIVE_DEFAULT_PARTITION__)
    ROOT/layer_edges/<part>/year=2023/…

Writers never change a part in place: a write adds a new part folder and a commit writes the next manifest
number (created exclusively, so two writers cannot both commit the same number). Readers read the highest
manifest, so a build that fails half-way leaves the last committed state. This is the copy-on-write scheme of
Delta Lake and Iceberg, cut down to what the build needs (no time travel, no concurrent writers); those formats
would bring a second dependency tree onto every cluster for little the build uses.

The DuckDB side — exporting raw records from an atlas into a lake and attaching the layers a cluster built —
is in this module too; the Spark side is :mod:`chainatlas.storage.spark`.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from chainatlas.errors import BackendError

if TYPE_CHECKING:
    from chainatlas.storage.duckdb import DuckDBBackend

__all__ = [
    "LAKE_INPUTS",
    "LakeTable",
    "Manifest",
    "attach_lake",
    "export_lake",
    "lake_inputs",
    "new_part",
    "partition_columns",
    "read_local_manifest",
]

MANIFEST_DIR = "_manifest"
#: tables besides the raw records that a build reads
LAKE_INPUTS = ("areas", "batch_years", "dirty_years", "builds")
#: the column a table is partitioned by, where it has it
PERIOD_COLUMN = "year"


@dataclass
class LakeTable:
    """One table: its part folders (relative to the root), Ibis schema (column → type) and partition columns."""

    parts: list[str]
    schema: dict[str, str]
    partition_by: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    version: int = 0
    tables: dict[str, LakeTable] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": 1,
                "version": self.version,
                "tables": {k: asdict(v) for k, v in self.tables.items()},
                "meta": self.meta,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        try:
            d = json.loads(text)
            if d.get("format") != 1:
                raise ValueError(f"format {d.get('format')!r}, expected 1")
            tables = {k: LakeTable(**v) for k, v in d["tables"].items()}
            return cls(int(d["version"]), tables, dict(d.get("meta", {})))
        except (ValueError, KeyError, TypeError) as e:
            raise BackendError(f"{where}: not a Chain Atlas lake manifest ({e})") from None

    def copy(self) -> Manifest:
        return Manifest.from_json(self.to_json(), "copy")

    @staticmethod
    def file_name(version: int) -> str:
        return f"{MANIFEST_DIR}/{version:08d}.json"


def new_part(name: str) -> str:
    """A fresh part folder of table ``name`` (relative to the root)."""
    return f"{name}/{uuid.uuid4().hex[:16]}"


def partition_columns(columns: Sequence[str]) -> list[str]:
    """How a table with ``columns`` is partitioned: by year where it has one besides (a list of years is not)."""
    return [PERIOD_COLUMN] if PERIOD_COLUMN in columns and len(columns) > 1 else []


def lake_inputs(names: Sequence[str]) -> list[str]:
    """Of the table names of an atlas, those a build reads: raw records (not their revisions) and LAKE_INPUTS."""
    return sorted(
        n for n in names if (n.startswith("raw_") and not n.endswith("_revisions")) or n in LAKE_INPUTS
    )


# ---- the DuckDB side: local lakes -----------------------------------------------------------------
def read_local_manifest(root: Path) -> Manifest:
    """The committed manifest of the lake at the local path ``root`` (an empty one for a new lake)."""
    files = sorted((root / MANIFEST_DIR).glob("*.json"))
    if not files:
        if root.exists() and any(root.iterdir()):
            raise BackendError(f"{root} is not empty and has no {MANIFEST_DIR}/: not a Chain Atlas lake")
        return Manifest()
    return Manifest.from_json(files[-1].read_text(encoding="utf-8"), str(files[-1]))


def _commit_local(root: Path, m: Manifest) -> None:
    m.version += 1
    path = root / Manifest.file_name(m.version)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:  # exclusive: a concurrent commit of this number fails
            f.write(m.to_json())
    except FileExistsError:
        raise BackendError(
            f"{root}: another writer committed version {m.version} meanwhile; run again"
        ) from None


def _drop_dead_parts(root: Path, before: Manifest, after: Manifest) -> None:
    """Delete the part folders the previous state had and the committed one no longer lists."""
    live = {p for t in after.tables.values() for p in t.parts}
    for t in before.tables.values():
        for p in t.parts:
            if p not in live:
                shutil.rmtree(root / p, ignore_errors=True)


def export_lake(backend: DuckDBBackend, root: Path, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Write the build's inputs of a DuckDB atlas (default: every raw table and LAKE_INPUTS) into the lake at
    ``root``, each table replacing its namesake, in one commit. Returns rows written per table."""
    root = Path(root)
    have = backend.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
    names = list(tables) if tables is not None else lake_inputs(have)
    before = read_local_manifest(root)
    m = before.copy()
    rows = {}
    for name in names:
        t = backend.table(name)
        part = new_part(name)
        out = root / part
        out.mkdir(parents=True)
        by = partition_columns(list(t.columns))
        # a partitioned COPY writes into a folder, a plain one into a file: either way the part is the folder
        target, options = (out, f", PARTITION_BY ({PERIOD_COLUMN})") if by else (out / "part-0.parquet", "")
        backend.con.execute(f"COPY \"{name}\" TO '{_quoted(target)}' (FORMAT parquet{options})")
        m.tables[name] = LakeTable([part], {c: str(d) for c, d in t.schema().items()}, by)
        rows[name] = int(backend.execute(t.count().as_table()).iloc[0, 0])
    meta = backend.sql("SELECT key, value FROM meta")
    m.meta.update({k: v for k, v in zip(meta["key"], meta["value"], strict=True) if k not in _ATLAS_OWN})
    _commit_local(root, m)
    _drop_dead_parts(root, before, m)
    return rows


#: meta keys that describe the DuckDB file itself, never taken from a lake
_ATLAS_OWN = ("schema_version", "created_at")


def _quoted(p: Path) -> str:
    return str(p).replace("'", "''")


def attach_lake(backend: DuckDBBackend, root: Path, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Copy the tables ``tables`` of the lake at ``root`` (default: all but the raw records — the layers a
    cluster built and the build's bookkeeping) into the DuckDB atlas, all or nothing, with the column types
    the lake recorded, and the lake's metadata with them. Returns rows per table."""
    root = Path(root)
    m = read_local_manifest(root)
    if not m.tables:
        raise BackendError(f"{root} holds no Chain Atlas lake (no {MANIFEST_DIR}/): nothing to attach")
    if tables is None:
        tables = [n for n in m.tables if not n.startswith("raw_") and n != "areas"]
    missing = [n for n in tables if n not in m.tables]
    if missing:
        raise BackendError(f"the lake {root} has no table(s) {', '.join(missing)}: build it first")
    rows = {}
    with backend.transaction():
        for name in tables:
            entry = m.tables[name]
            schema = ibis.schema(entry.schema)
            files = [str(f) for p in entry.parts for f in sorted((root / p).rglob("*.parquet"))]
            if files:
                src: Any = backend.ibis.read_parquet(files, hive_partitioning=True, union_by_name=True)
                src = src.select(**{c: src[c].cast(d) for c, d in schema.items()})
                backend.replace_table(name, src)
            else:  # a table without rows has no Parquet file (Spark writes none): its schema is the manifest's
                backend.ibis.create_table(name, schema=schema, overwrite=True)
            rows[name] = int(backend.execute(backend.table(name).count().as_table()).iloc[0, 0])
        for key, value in m.meta.items():
            if key not in _ATLAS_OWN:
                backend.set_meta(key, value)
    return rows
