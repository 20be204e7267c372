"""The build of a DuckDB atlas run on Apache Spark: the same definitions, another engine.

Loading stays on DuckDB (validation, revisions and quarantine are per batch and small); the build, which grows
with every record ever loaded, is what outgrows one machine. :func:`build_on_spark` writes the atlas's build
inputs (and the layers it already has, so an incremental build keeps the other years) into a Parquet lake, runs
:func:`~chainatlas.pipeline.build.build` on a :class:`~chainatlas.storage.spark.SparkBackend` over it, and
attaches what the build wrote back into the atlas, all or nothing. On a cluster the lake is on shared storage
and the atlas only attaches (``chainatlas lake attach``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainatlas.pipeline.build import BUILD_OUTPUTS, LAYER_TABLES, BuildReport, Progress, build
from chainatlas.storage.base import Backend, open_backend
from chainatlas.storage.lake import attach_lake, export_lake, lake_inputs

__all__ = ["build_on_spark", "default_lake"]


def default_lake(db: Path) -> Path:
    """Where a Spark build of the atlas ``db`` keeps its lake while it runs: beside the database."""
    return db.with_name(db.name + ".lake")


def build_on_spark(
    duck: Any,
    *,
    lake: Path | None = None,
    master: str | None = None,
    conf: dict[str, str] | None = None,
    years: Sequence[int] | None = None,
    scales: Sequence[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the DuckDB atlas ``duck`` on Spark (``master``, settings ``conf``) through the lake ``lake``.

    Without ``lake`` a temporary one beside the database is used and removed afterwards; with it, the lake is
    kept (and reused by the next build). Arguments as :func:`~chainatlas.pipeline.build.build`.
    """
    root = Path(lake) if lake is not None else default_lake(duck.path)
    say = progress or (lambda step, i, n: None)
    clock = time.perf_counter()
    say("export", 0, 1)
    have = duck.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
    export_lake(duck, root, [*lake_inputs(have), *(n for n in LAYER_TABLES if n in have)])
    exported = time.perf_counter() - clock
    spark: Backend = open_backend(str(root), engine="spark", command="build", master=master, conf=conf)
    try:
        report = build(spark, years=years, scales=scales, full=full, progress=progress)
    finally:
        spark.close()
    clock = time.perf_counter()
    say("attach", 0, 1)
    if report.years:
        attach_lake(duck, root, [n for n in BUILD_OUTPUTS if spark.has_table(n)])
    if lake is None:
        shutil.rmtree(root, ignore_errors=True)
    report.seconds = {"export": exported, **report.seconds, "attach": time.perf_counter() - clock}
    return report
