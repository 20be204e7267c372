"""The build definitions are engine-neutral: the same Ibis expressions run on PySpark (local mode).

The raw tables of the small synthetic atlas are handed to a real Spark session as Parquet (written
by DuckDB, so types and NULLs are exact); the edge facts and the aggregation to scales computed by
Spark must equal DuckDB's. This is the proof that the pipeline can move to a cluster unchanged.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import ibis
import numpy as np
import pytest

from chainatlas.pipeline.build import aggregate_edges, aggregate_nodes
from chainatlas.pipeline.facts import edge_facts, node_facts

# py4j leaves sockets to the JVM open and pyspark's toPandas uses a keyword pandas 3 deprecates:
# both are third-party noise, not our code
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore:The copy keyword is deprecated",
)

YEARS = [2019, 2023]


@pytest.fixture(scope="module")
def spark_con(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from pyspark.sql import SparkSession

    from chainatlas.storage.base import open_backend

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no network here: keep the driver on loopback
    pq = tmp_path_factory.mktemp("parquet")
    with open_backend(built_db, read_only=True) as b:
        names = b.sql("SELECT table_name FROM information_schema.tables")["table_name"]
        for n in names:
            b.con.execute(f"COPY \"{n}\" TO '{pq / n}.parquet' (FORMAT parquet)")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("chainatlas-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={pq}")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for n in names:
        spark.read.parquet(str(pq / f"{n}.parquet")).createOrReplaceTempView(n)
    yield ibis.pyspark.connect(spark)
    spark.stop()
    shutil.rmtree(pq, ignore_errors=True)


def _sorted(df, keys):
    return df.sort_values(keys).reset_index(drop=True)


def test_edge_facts_equal_on_spark_and_duckdb(spark_con, atlas):
    keys = ["layer", "source", "year", "src", "dst", "n", "value"]
    s = _sorted(spark_con.execute(edge_facts(spark_con.table, YEARS, min_year=2015))[keys], keys)
    d = _sorted(atlas.execute(edge_facts(atlas.table, YEARS, min_year=2015))[keys], keys)
    assert len(s) == len(d) > 1000
    assert (
        s[["layer", "source", "src", "dst"]].to_numpy() == d[["layer", "source", "src", "dst"]].to_numpy()
    ).all()
    np.testing.assert_allclose(s["n"].to_numpy(float), d["n"].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(s["value"].to_numpy(float), d["value"].to_numpy(float), rtol=1e-9)


def test_aggregation_to_scales_equal_on_spark_and_duckdb(spark_con, atlas):
    keys = ["layer", "source", "scale", "year", "chain", "segment", "partial", "src", "dst"]
    args = lambda t: (
        t("facts").filter(t("facts").year.isin(YEARS)),
        t("seg_lookup"),
        t("scale_units"),
        ["city", "area"],
    )
    s = _sorted(spark_con.execute(aggregate_edges(*args(spark_con.table))), keys)
    d = _sorted(atlas.execute(aggregate_edges(*args(atlas.table))), keys)
    assert len(s) == len(d) > 1000
    np.testing.assert_allclose(s["n"].to_numpy(float), d["n"].to_numpy(float), rtol=1e-9)


def test_node_attributes_equal_on_spark_and_duckdb(spark_con, atlas):
    def run(con):
        t = con.table
        nf = node_facts(t, YEARS, min_year=2015)
        agg = aggregate_nodes(nf, t("seg_lookup"), t("scale_units"), ["province"])
        return _sorted(con.execute(agg), ["attr", "scale", "year", "chain", "segment", "unit"])

    s, d = run(spark_con), run(atlas)
    assert len(s) == len(d) > 100
    np.testing.assert_allclose(s["value"].to_numpy(float), d["value"].to_numpy(float), rtol=1e-9)
