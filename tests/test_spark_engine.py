"""The build runs on Apache Spark (local mode, the machine's Java 17) from the same Ibis definitions as on DuckDB.

The small synthetic atlas's build inputs go to a Parquet lake (written by DuckDB, so types and NULLs are exact);
one test body builds on each engine and every table the build writes must come out the same: every key, count,
string and NULL exactly, and sums of floats to 1e-9 relative — Spark and DuckDB add the same numbers in another
order, and floating-point addition is not associative.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas.cli import main
from chainatlas.errors import BackendError
from chainatlas.pipeline.build import BUILD_OUTPUTS, build
from chainatlas.pipeline.history import history_all
from chainatlas.storage.base import Backend, open_backend
from chainatlas.storage.lake import attach_lake, export_lake, lake_inputs, read_local_manifest

# py4j leaves its sockets to the JVM open until the session stops, and pandas' Arrow-backed strings make PySpark
# fall back from Arrow for small frames (it works, and says so): third-party noise of every Spark test
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:createDataFrame attempted Arrow optimization"),
]

TEST_CONF = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4"}


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory: pytest.TempPathFactory):
    """One local Spark session for the module; every SparkBackend opened meanwhile joins it."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no network here: keep the driver on loopback
    home = tmp_path_factory.mktemp("spark")
    builder = SparkSession.builder.master("local[2]").appName("chainatlas-test")
    for k, v in {**TEST_CONF, "spark.sql.warehouse.dir": str(home / "warehouse")}.items():
        builder = builder.config(k, v)
    spark = builder.config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


def _spark(root: Path) -> Backend:
    return open_backend(str(root), engine="spark", master="local[2]", conf=TEST_CONF)


def build_outputs(backend: Backend) -> dict[str, pd.DataFrame]:
    """The test body both engines run: a full build, then every table it wrote."""
    build(backend, full=True)
    return {n: backend.execute(backend.table(n)) for n in BUILD_OUTPUTS}


@pytest.fixture(scope="module")
def both_engines(built_db: Path, spark_session, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("engines")
    shutil.copy(built_db, tmp / "duck.duckdb")
    with open_backend(built_db, read_only=True) as b:
        have = b.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
        export_lake(b, tmp / "lake", lake_inputs(have))
    with open_backend(tmp / "duck.duckdb") as d:
        duck = build_outputs(d)
    with _spark(tmp / "lake") as s:
        spark = build_outputs(s)
    return duck, spark, tmp


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    """Same columns, rows and values: exact except floats, which may differ in the last bits of a sum."""
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), name
    floats = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    exact = [c for c in a.columns if c not in floats]
    a = a.sort_values(exact + floats).reset_index(drop=True)
    b = b.sort_values(exact + floats).reset_index(drop=True)
    for c in exact:
        assert (
            a[c].astype("string").fillna("<NA>").tolist() == b[c].astype("string").fillna("<NA>").tolist()
        ), f"{name}.{c}"
    for c in floats:
        np.testing.assert_allclose(
            a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, err_msg=f"{name}.{c}"
        )


def test_every_table_the_build_writes_is_the_same_on_spark_and_duckdb(both_engines):
    duck, spark, _ = both_engines
    # the small atlas builds 10 years into tens of thousands of rows: a comparison of empty tables proves nothing
    assert (
        len(duck["facts"]) > 10_000 and len(duck["layer_edges"]) > 50_000 and len(duck["node_attrs"]) > 50_000
    )
    for name in BUILD_OUTPUTS:
        if name == "builds":  # when each engine finished differs; what it built may not
            duck[name], spark[name] = (f.drop(columns="built_at") for f in (duck[name], spark[name]))
        assert_same_table(spark[name], duck[name], name)
        assert [str(t) for t in spark[name].dtypes] == [str(t) for t in duck[name].dtypes], name


def test_the_indicator_history_is_the_same_read_from_spark_and_from_duckdb(both_engines):
    """The monitoring history (every catalogue indicator per city with its changes, trend and ranks) reads the
    layers through the same Ibis queries on either engine."""
    _, _, tmp = both_engines
    with open_backend(tmp / "duck.duckdb", read_only=True) as d:
        duck = history_all(d, scale="city")
    with _spark(tmp / "lake") as s:
        spark = history_all(s, scale="city")
    # 41 cities × the catalogue, most of them valued: an empty history would compare equal too
    assert len(duck) >= 41 * 20 and duck["value"].notna().mean() > 0.5
    assert_same_table(spark, duck, "history_all")


def test_the_layers_a_spark_build_wrote_attach_to_a_duckdb_atlas_unchanged(both_engines, built_db: Path):
    _, _, tmp = both_engines
    target = tmp / "attached.duckdb"
    shutil.copy(built_db, target)
    with open_backend(target) as b:
        b.con.execute("DELETE FROM layer_edges")  # what the attach must bring back
        rows = attach_lake(b, tmp / "lake")
        assert rows["layer_edges"] > 50_000
        assert b.get_meta("taxonomy") is not None
    con = duckdb.connect(str(target), read_only=True)
    con.execute(f"ATTACH '{built_db}' AS ref (READ_ONLY)")
    for name in ("layer_edges", "node_attrs", "facts", "seg_lookup"):
        # the attached table has the DuckDB build's column types, in its order
        assert con.execute(f"DESCRIBE {name}").fetchall() == con.execute(f"DESCRIBE ref.{name}").fetchall()
        keys = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall() if r[1] != "DOUBLE"]
        cols = ", ".join(keys)
        missing = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM ref.{name} EXCEPT ALL SELECT {cols} FROM {name})"
        )
        assert missing.fetchone() == (0,), name


def test_attaching_a_table_the_lake_lacks_changes_nothing(both_engines, built_db: Path):
    _, _, tmp = both_engines
    target = tmp / "partial.duckdb"
    shutil.copy(built_db, target)
    with open_backend(target) as b:
        before = b.execute(b.table("layer_edges").count().as_table()).iloc[0, 0]
        with pytest.raises(BackendError, match=r"has no table\(s\) nope: build it first"):
            attach_lake(b, tmp / "lake", ["layer_edges", "nope"])
        assert b.execute(b.table("layer_edges").count().as_table()).iloc[0, 0] == before
        with pytest.raises(BackendError, match="has no _manifest/: not a Chain Atlas lake"):
            attach_lake(b, tmp)  # a folder of databases, not a lake
        (tmp / "empty").mkdir()
        with pytest.raises(BackendError, match="holds no Chain Atlas lake"):
            attach_lake(b, tmp / "empty")


def test_a_failed_transaction_on_the_lake_leaves_it_and_its_files_as_they_were(spark_session, tmp_path: Path):
    with _spark(tmp_path / "lake") as s:
        s.replace_table("t", pd.DataFrame({"year": [2020, 2021], "v": [1.0, 2.0]}))
        files = sorted(p for p in (tmp_path / "lake").rglob("*") if p.is_file())
        with pytest.raises(ZeroDivisionError), s.transaction():
            s.insert("t", pd.DataFrame({"year": [2022], "v": [3.0]}))
            s.delete_in("t", year=[2020])
            assert sorted(s.execute(s.table("t"))["year"]) == [
                2021,
                2022,
            ]  # the transaction sees its own writes
            _ = 1 / 0
        assert sorted(s.execute(s.table("t"))["year"]) == [2020, 2021]
    assert sorted(p for p in (tmp_path / "lake").rglob("*") if p.is_file()) == files
    with _spark(tmp_path / "lake") as s:  # and a new reader sees the committed state
        assert sorted(s.execute(s.table("t"))["v"]) == [1.0, 2.0]


def test_delete_in_rewrites_only_the_matching_rows_and_keeps_nulls(spark_session, tmp_path: Path):
    with _spark(tmp_path / "lake") as s:
        s.replace_table(
            "t", pd.DataFrame({"year": [2020, 2020, 2021], "scale": ["city", None, "city"], "n": [1, 2, 3]})
        )
        s.delete_in("t", year=[2020], scale=["city"])
        got = s.execute(s.table("t")).sort_values("n")
        assert got["n"].tolist() == [2, 3]  # the row with a NULL scale does not match scale IN ('city')
        s.delete_in("t", year=[])  # nothing named: nothing deleted
        assert len(s.execute(s.table("t"))) == 2
        with pytest.raises(BackendError, match="lake export"):
            s.load_batch(None)
    # the exported parts of the first state are gone once a commit no longer lists them
    m = read_local_manifest(tmp_path / "lake")
    assert sorted(p.name for p in (tmp_path / "lake" / "t").iterdir()) == sorted(
        p.split("/")[1] for p in m.tables["t"].parts
    )


def test_build_engine_spark_from_the_command_line_keeps_the_years_it_did_not_rebuild(
    built_db: Path, spark_session, tmp_path: Path
):
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    r = CliRunner().invoke(
        main, ["--db", str(db), "build", "--engine", "spark", "--master", "local[2]", "--periods", "2023"]
    )
    assert r.exit_code == 0, r.output
    assert "built years [2023]" in r.output
    assert not (tmp_path / "atlas.duckdb.lake").exists()  # the temporary lake is removed
    con = duckdb.connect(str(db), read_only=True)
    con.execute(f"ATTACH '{built_db}' AS ref (READ_ONLY)")
    per_year = "SELECT year, count(*) FROM {} GROUP BY year ORDER BY year"
    assert (
        con.execute(per_year.format("layer_edges")).fetchall()
        == con.execute(per_year.format("ref.layer_edges")).fetchall()
    )
    r = CliRunner().invoke(main, ["--db", str(db), "build", "--master", "local[2]"])
    assert r.exit_code == 2 and "--master and --lake are options of --engine spark" in r.output


def test_shuffle_partitions_follow_the_lake_unless_a_setting_chose(spark_session, tmp_path: Path):
    from chainatlas.storage.spark import shuffle_partitions

    mb = 2**20
    # one partition per 4 MB of Parquet, at least two per core, Spark's own 200 from 800 MB up
    assert [shuffle_partitions(b, 2) for b in (0, 3 * mb, 100 * mb, 799 * mb, 10 * 1024 * mb)] == [
        4,
        4,
        25,
        200,
        200,
    ]
    assert shuffle_partitions(3 * mb, 40) == 80  # a cluster of 40 cores keeps every core busy
    b = _spark(tmp_path / "lake")  # the module's session set 4: a choice this engine must not override
    try:
        assert b.spark.conf.get("spark.sql.shuffle.partitions") == "4"
    finally:
        b.close()


def test_spark_settings_are_read_and_checked(monkeypatch: pytest.MonkeyPatch):
    from chainatlas.storage.spark import _conf_setting, _jvm_size

    # the DuckDB engine's memory cap becomes the local driver's heap
    assert [_jvm_size(s) for s in ("3GB", "512MB", "2GiB", "1.5GB")] == ["3072m", "512m", "2048m", "1536m"]
    with pytest.raises(BackendError, match="expected a size like 3GB or 512MB, got 'lots'"):
        _jvm_size("lots")
    monkeypatch.setenv("CHAINATLAS_SPARK_CONF", "spark.driver.memory=8g; spark.sql.shuffle.partitions=800")
    assert _conf_setting() == {"spark.driver.memory": "8g", "spark.sql.shuffle.partitions": "800"}
    monkeypatch.setenv("CHAINATLAS_SPARK_CONF", "spark.driver.memory=8g;800")
    with pytest.raises(
        BackendError, match="CHAINATLAS_SPARK_CONF: expected key=value pairs separated by ';', got '800'"
    ):
        _conf_setting()
