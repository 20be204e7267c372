"""The Spark engine: the build's Ibis definitions run on Apache Spark over a Parquet lake.

The atlas is a lake (:mod:`chainatlas.storage.lake`): every table is a Parquet dataset under one root, which may
be any path Spark reads (a local folder, ``hdfs://``, ``s3a://``). Each committed table is registered as a Spark
temporary view of its name, so the pipeline's expressions (``backend.table(name)``) compile to Spark SQL
unchanged. Writes add part folders and a transaction commits them with the next manifest; a failed transaction
deletes its parts and the lake stays as it was.

Loading files (validation, revisions, quarantine) stays on DuckDB: ``chainatlas lake export`` writes an atlas's
raw records into a lake; a data centre may also land its records as Parquet in the same layout.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends.sql.datatypes import DuckDBType

from chainatlas import config
from chainatlas.errors import BackendError
from chainatlas.storage import schema
from chainatlas.storage.base import Backend, BatchResult
from chainatlas.storage.lake import MANIFEST_DIR, LakeTable, Manifest, new_part, partition_columns

__all__ = ["SPARK_DEFAULTS", "SparkBackend", "shuffle_partitions"]

SHUFFLE = "spark.sql.shuffle.partitions"

#: settings of a session this engine starts (a session that spark-submit started keeps its own)
SPARK_DEFAULTS = {
    # pandas frames (memtables: lookups, the linked register) cross to the JVM as Arrow, not row by row
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # DuckDB's TIMESTAMP is without time zone: keep Spark's reading of it independent of the machine's zone
    "spark.sql.session.timeZone": "UTC",
    # outputs are partitioned by year: replacing one table never touches another's partitions
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # the build reports its own steps; Spark's stage bars would interleave with them on the terminal
    "spark.ui.showConsoleProgress": "false",
}


def _uri(root: str, rel: str) -> str:
    return f"{root}/{rel}"


class SparkBackend(Backend):
    """An atlas held in a Parquet lake and computed by Spark.

    Parameters
    ----------
    path
        The lake's root: a local folder or any URI Spark reads and writes.
    master
        The Spark master (``local[2]``, ``spark://host:7077``, ``yarn``); default: the setting ``spark_master``.
        Ignored when a session already runs (under ``spark-submit``).
    conf
        Extra Spark settings for a session this backend starts (``spark.driver.memory`` and the like).
    """

    engine = "spark"

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        command: str = "",
        master: str | None = None,
        conf: dict[str, str] | None = None,
    ):
        from pyspark.sql import SparkSession

        self.root = str(path).rstrip("/")
        self.read_only = read_only
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        self._owns_session = SparkSession.getActiveSession() is None
        builder = SparkSession.builder.appName(f"chainatlas {command}".strip())
        master = master or config.get("spark_master")
        if master:
            builder = builder.master(master)
        settings = {**SPARK_DEFAULTS, **_conf_setting(), **(conf or {})}
        if (master or "").startswith("local") and "spark.driver.memory" not in settings:
            # in local mode every task runs in the driver's JVM, whose default heap (1 GB) is too small for a
            # build: give it the memory the DuckDB engine may use (setting memory_limit, "3GB" → "3g")
            settings["spark.driver.memory"] = _jvm_size(config.get("memory_limit"))
        for key, value in settings.items():
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()
        if self._owns_session:  # the build reports its steps; the JVM's INFO and WARN lines would bury them
            self.spark.sparkContext.setLogLevel("ERROR")
        # pandas' Arrow-backed strings make PySpark fall back from Arrow for a small lookup frame, which works
        # and is announced with a warning on every frame: the fallback is the known, correct path
        warnings.filterwarnings("ignore", "createDataFrame attempted Arrow optimization", UserWarning)
        self._ibis = ibis.pyspark.connect(self.spark)
        jvm: Any = self.spark._jvm  # the Hadoop file system API reaches every store Spark does (py4j)
        self._hpath = jvm.org.apache.hadoop.fs.Path
        self._fs = self._hpath(self.root).getFileSystem(self.spark._jsc.hadoopConfiguration())
        self._m = self._read_manifest()  # the state this process sees, committed or not
        if not self.spark.sparkContext.getConf().contains(SHUFFLE):  # nobody chose: size it to the lake
            root = self._hpath(self.root)  # a new lake has no folder yet: nothing to size it by
            lake_bytes = int(self._fs.getContentSummary(root).getLength()) if self._fs.exists(root) else 0
            self.spark.conf.set(
                SHUFFLE, str(shuffle_partitions(lake_bytes, self.spark.sparkContext.defaultParallelism))
            )
        self._committed = self._m.copy()
        self._in_tx = False
        self._written: list[str] = []  # parts written since the last commit
        self._views: set[str] = set()  # tables registered as views: on first use, each costs a file listing
        if not self._m.tables and not read_only:  # a new lake: every kind's raw table, empty, as in DuckDB
            for name, cols in schema.raw_tables().items():
                self._m.tables[name] = LakeTable([], {c: str(DuckDBType.from_string(t)) for c, t in cols})
            self._commit()

    # ---- the manifest ------------------------------------------------------------------------------
    def _read_manifest(self) -> Manifest:
        pattern = self._hpath(_uri(self.root, f"{MANIFEST_DIR}/*.json"))
        found = self._fs.globStatus(pattern) or []
        names = sorted(str(s.getPath().getName()) for s in found)
        if not names:
            if self.read_only:
                raise BackendError(
                    f"no Chain Atlas lake at {self.root}: write one with `chainatlas lake export {self.root}`"
                )
            return Manifest()
        where = _uri(self.root, f"{MANIFEST_DIR}/{names[-1]}")
        # through the file system API, not spark.read.text: a Spark job for one small file cost seconds
        stream = self._fs.open(self._hpath(where))
        try:
            jvm: Any = self.spark._jvm
            text = jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()
        return Manifest.from_json(text, where)

    def _commit(self) -> None:
        """Write the next manifest, then delete the parts the last committed state had and this one lacks."""
        self._m.version = self._committed.version + 1
        target = self._hpath(_uri(self.root, Manifest.file_name(self._m.version)))
        from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]

        try:
            out = self._fs.create(target, False)  # not overwriting: a concurrent commit of this number fails
        except Py4JJavaError as e:  # the JVM's FileAlreadyExistsException
            raise BackendError(
                f"{self.root}: another writer committed version {self._m.version} meanwhile ({e}); run again"
            ) from None
        try:
            out.write(bytearray(self._m.to_json().encode("utf-8")))
        finally:
            out.close()
        live = {p for t in self._m.tables.values() for p in t.parts}
        for t in self._committed.tables.values():
            for p in t.parts:
                if p not in live:
                    self._delete(p)
        self._committed, self._written = self._m.copy(), []

    def _delete(self, rel: str) -> None:
        self._fs.delete(self._hpath(_uri(self.root, rel)), True)

    # ---- tables as views ------------------------------------------------------------------------
    def _read(self, entry: LakeTable) -> Any:
        """The rows of a table's parts as one Spark DataFrame, in the manifest's columns and types."""
        from ibis.backends.pyspark.datatypes import PySparkSchema

        schema = PySparkSchema.from_ibis(ibis.schema(entry.schema))
        cols = list(entry.schema)  # partition columns come last from Parquet: restore the table's order
        frames = [
            self.spark.read.schema(schema).parquet(_uri(self.root, p)).select(*cols) for p in entry.parts
        ]
        if not frames:
            return self.spark.createDataFrame([], schema)
        return functools.reduce(lambda a, b: a.unionByName(b), frames)

    def _register(self, name: str) -> None:
        self._read(self._m.tables[name]).createOrReplaceTempView(name)
        self._views.add(name)

    def _frame(self, obj: ir.Table | pd.DataFrame) -> tuple[Any, dict[str, str]]:
        """The Spark DataFrame and Ibis schema of an expression or a pandas frame."""
        expr = ibis.memtable(obj) if isinstance(obj, pd.DataFrame) else obj
        # the PySpark backend's own route from an expression to a DataFrame (as in its create_table):
        # register the memtables the expression uses, then run its SQL
        self._ibis._run_pre_execute_hooks(expr)
        return self.spark.sql(self._ibis.compile(expr)), {c: str(d) for c, d in expr.schema().items()}

    def _write(
        self, name: str, obj: ir.Table | pd.DataFrame, schema: dict[str, str] | None = None
    ) -> LakeTable:
        if self.read_only:
            raise BackendError(f"the lake {self.root} is open read-only")
        if schema is not None:  # appending: the table's columns, in its order and types
            expr = ibis.memtable(obj) if isinstance(obj, pd.DataFrame) else obj
            obj = expr.select(**{c: expr[c].cast(t) for c, t in schema.items()})
        df, own = self._frame(obj)
        schema = schema or own
        by = partition_columns(list(schema))
        part = new_part(name)
        self._written.append(part)
        df.write.mode("errorifexists").partitionBy(*by).parquet(_uri(self.root, part))
        return LakeTable([part], schema, by)

    def _changed(self, name: str) -> None:
        self._register(name)
        if not self._in_tx:  # outside a transaction every write commits by itself, as in DuckDB
            self._commit()

    # ---- the Backend verbs ------------------------------------------------------------------------
    @property
    def ibis(self) -> Any:
        return self._ibis

    def table(self, name: str) -> ir.Table:
        if name not in self._views and name in self._m.tables:
            self._register(name)
        return self.ibis.table(name)

    def has_table(self, name: str) -> bool:
        return name in self._m.tables

    def replace_table(self, name: str, obj: Any) -> None:
        self._m.tables[name] = self._write(name, obj)
        self._changed(name)

    def insert(self, name: str, obj: Any) -> None:
        if name not in self._m.tables:
            raise BackendError(f"no table {name!r} in the lake {self.root}")
        entry = self._m.tables[name]
        entry.parts = [*entry.parts, *self._write(name, obj, entry.schema).parts]
        self._changed(name)

    def delete_in(self, name: str, **conditions: Sequence[Any]) -> None:
        """Copy-on-write: every part holding matching rows is rewritten without them."""
        if name not in self._m.tables or any(len(v) == 0 for v in conditions.values()):
            return
        from pyspark.sql import functions as F

        entry = self._m.tables[name]
        match = functools.reduce(lambda a, b: a & b, [F.col(c).isin(list(v)) for c, v in conditions.items()])
        kept = []
        for p in entry.parts:
            df = self._read(LakeTable([p], entry.schema, entry.partition_by))
            if df.filter(match).limit(1).count() == 0:
                kept.append(p)
                continue
            new = new_part(name)
            self._written.append(new)
            df.filter(~F.coalesce(match, F.lit(False))).write.mode("errorifexists").partitionBy(
                *entry.partition_by
            ).parquet(_uri(self.root, new))
            kept.append(new)
        entry.parts = kept
        self._changed(name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_tx:
            raise BackendError("a transaction is already open on this lake")
        self._in_tx, self._written = True, []
        try:
            yield
        except BaseException:
            for p in self._written:
                self._delete(p)
            self._m, self._written = self._committed.copy(), []
            for name in list(self._views):  # views on the rolled-back parts: back to the committed ones
                if name in self._m.tables:
                    self._register(name)
                else:
                    self.spark.catalog.dropTempView(name)
                    self._views.discard(name)
            raise
        finally:
            self._in_tx = False
        self._commit()

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return self._m.meta.get(key, default)

    def set_meta(self, key: str, value: str) -> None:
        self._m.meta[key] = value
        if not self._in_tx:
            self._commit()

    def load_batch(self, batch: Any, *, good_only: bool = False) -> BatchResult:
        raise BackendError(
            "loading files (validation, revisions, quarantine) runs on a DuckDB atlas: load them there and "
            f"write its raw records into the lake with `chainatlas --db ATLAS lake export {self.root}`"
        )

    def close(self) -> None:
        if self._owns_session:
            self.spark.stop()


def shuffle_partitions(lake_bytes: int, parallelism: int) -> int:
    """How many partitions a shuffle gets when no setting says: one per 4 MB of the lake's Parquet, at least
    two per core and at most Spark's own default of 200.

    Spark's 200 suits gigabytes: on a lake of a few megabytes each statement's shuffle writes and reads 200
    nearly empty blocks per task (the local build of ``small`` took 132.7 s with them, 119.5 s with 4). From
    800 MB of Parquet up (``large``, ``xlarge``) the count stays Spark's 200, the setting those builds were
    measured with; Spark's adaptive execution merges partitions that come out small. A cluster sets its own
    (README: about shuffle bytes / 200 MB).
    """
    return max(2 * parallelism, min(200, -(-lake_bytes // (4 * 2**20))))


def _jvm_size(text: str) -> str:
    """A DuckDB memory size (``3GB``, ``512MB``, ``2GiB``) as a JVM one, in megabytes (``3072m``)."""
    t = text.strip().upper().replace("IB", "B").replace(" ", "")
    for suffix, power in (("TB", 4), ("GB", 3), ("MB", 2), ("KB", 1)):
        number = t[: -len(suffix)]
        if t.endswith(suffix) and number.replace(".", "", 1).isdigit():
            return f"{max(1, round(float(number) * 1024**power / 2**20))}m"
    raise BackendError(f"setting CHAINATLAS_MEMORY_LIMIT: expected a size like 3GB or 512MB, got {text!r}")


def _conf_setting() -> dict[str, str]:
    """The ``spark_conf`` setting: ``key=value`` pairs separated by ``;``."""
    text = config.get("spark_conf") or ""
    pairs = [p.strip() for p in text.split(";") if p.strip()]
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise BackendError(
            f"setting CHAINATLAS_SPARK_CONF: expected key=value pairs separated by ';', got {bad[0]!r}"
        )
    return dict(p.split("=", 1) for p in pairs)
