"""Sub-annual periods end to end (issue 13, item 1): records keep the grain they were reported at, the build
makes months and quarters of them, the query seam, the API and exports read them, and a late or corrected
batch replaces what it overlaps while the figure first reported stays on record.

The synthetic generator's customs lines (``trade``) are monthly, its tax yearly: the atlas of ``built_db`` has
months and quarters of ``imports`` and ``exports`` only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from chainatlas.errors import ConfigError
from chainatlas.ingest import parse_file
from chainatlas.model.access import Scope
from chainatlas.pipeline import query
from chainatlas.pipeline.build import build
from chainatlas.pipeline.history import indicator_history
from chainatlas.storage import schema
from chainatlas.storage.base import open_backend


def _region(atlas, attr: str, periods: list) -> pd.Series:
    f = query.attr_frame(atlas, scale="region", years=periods, attrs=[attr], by=("period",))
    return f.set_index("period")["value"]


def test_months_and_quarters_are_built_where_records_were_reported_for_them(atlas):
    months, quarters = query.periods(atlas, "month"), query.periods(atlas, "quarter")
    years = query.periods(atlas)
    assert (
        months[0] == f"{years[0]}-01" and months[-1] == f"{years[-1]}-12" and len(months) == 12 * len(years)
    )
    assert quarters == [f"{y}Q{q}" for y in years for q in range(1, 5)]
    assert query.sub_attrs(atlas) == [
        "exports",
        "imports",
    ]  # customs monthly; tax, patents... yearly or dated


@pytest.mark.parametrize("attr", ["imports", "exports"])
def test_a_years_months_and_quarters_each_sum_to_the_year(atlas, attr):
    year = query.periods(atlas)[-1]
    annual = _region(atlas, attr, [year]).iloc[0]
    months = _region(atlas, attr, [f"{year}-{m:02d}" for m in range(1, 13)])
    quarters = _region(atlas, attr, [f"{year}Q{q}" for q in range(1, 5)])
    assert annual > 0
    assert months.sum() == pytest.approx(annual, rel=1e-12)
    assert quarters.sum() == pytest.approx(annual, rel=1e-12)
    for q in range(1, 5):  # a quarter is its three months
        three = months[[f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]].sum()
        assert quarters[f"{year}Q{q}"] == pytest.approx(three, rel=1e-12)


def test_a_month_at_city_scale_equals_its_raw_records(atlas):
    """The month's imports of Suzhou equal the sum of the customs lines of firms registered there."""
    month = f"{query.periods(atlas)[-1]}-05"
    got = query.attr_frame(atlas, scale="city", period=month, attrs=["imports"])
    got = got.set_index("unit")["value"]
    want = atlas.sql(
        "SELECT substr(e.adcode, 1, 4) || '00' AS unit, sum(t.value) AS v FROM raw_trade t "
        "JOIN entities e ON e.entity_id = t.credit_code "
        "WHERE t.period = ? AND t.direction = 'import' AND length(e.adcode) = 6 AND e.adcode NOT LIKE '31%' "
        "GROUP BY 1",
        [month],
    )
    assert len(want) > 5
    for unit, value in zip(want["unit"], want["v"], strict=True):
        if unit in got.index:
            assert got[unit] == pytest.approx(value, rel=1e-9), unit


def test_period_keys_are_checked_and_kinds_not_mixed(atlas):
    assert query.latest(atlas, "2024-05") == "2024-05"
    assert query.latest(atlas, "2024") == 2024 and query.latest(atlas, 2024) == 2024
    assert query.latest(atlas, None, "quarter") == "2024Q4"
    with pytest.raises(ConfigError, match="period"):
        query.latest(atlas, "2024-13")
    with pytest.raises(ConfigError, match="not built"):
        query.latest(atlas, "2031-01")
    with pytest.raises(ConfigError, match="not both"):
        query.attr_frame(atlas, scale="city", years=[2024, "2024-05"])


def test_records_keep_the_grain_they_were_reported_at(atlas):
    grains = {
        k: sorted(atlas.sql(f"SELECT DISTINCT period_type FROM raw_{k}")["period_type"].tolist(), key=str)
        for k in ("trade", "tax", "patents", "experts")
    }
    assert grains == {"trade": ["month"], "tax": ["year"], "patents": ["day"], "experts": [None]}


def test_monthly_history_compares_a_month_with_the_month_a_year_before(atlas):
    h = indicator_history(atlas, indicator="imports", scale="city", periods="2024-05")
    f = query.attr_frame(
        atlas, scale="city", years=["2024-05", "2024-04", "2023-05"], attrs=["imports"], by=("unit", "period")
    ).pivot(index="unit", columns="period", values="value")
    f = f.fillna(0.0)  # a city without customs lines in a month the customs cover imported nothing
    row = h[h["unit"] == "320500"].iloc[0]
    assert row["period"] == "2024-05"
    assert row["value"] == pytest.approx(f.loc["320500", "2024-05"])
    assert row["prev_value"] == pytest.approx(f.loc["320500", "2024-04"])
    assert row["yoy_value"] == pytest.approx(f.loc["320500", "2023-05"])
    # an indicator with inputs no month holds is unknown, not 0
    firms = indicator_history(atlas, indicator="firms", scale="city", periods="2024-05")
    assert firms["value"].isna().all()


def test_months_outside_a_readers_jurisdiction_withhold_customs(atlas):
    whole = query.attr_frame(atlas, scale="city", period="2024-05", attrs=["imports"]).set_index("unit")[
        "value"
    ]
    mine = whole[whole.index.str.startswith("32") & (whole > 0)].index[0]
    other = whole[~whole.index.str.startswith(mine[:4]) & (whole > 0)].index[0]
    with query.scoped(Scope(mine[:4], personal=False)):
        f = query.attr_frame(atlas, scale="city", period="2024-05", attrs=["imports"]).set_index("unit")
    assert not f.loc[mine, "suppressed"] and f.loc[mine, "value"] == whole[mine]
    assert f.loc[other, "suppressed"] and np.isnan(f.loc[other, "value"])


def _copy(built_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    return db


def _write(path: Path, frame: pd.DataFrame, encoding: str = "utf-8") -> Path:
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
    return path


def test_a_corrected_monthly_batch_replaces_and_keeps_the_first_report(built_db, tmp_path):
    """A customs month arrives, then a correction (GBK, CRLF, as WPS writes it): one row per key, the corrected
    value in the layers, the first-reported one in the revisions with the batch that replaced it."""
    db = _copy(built_db, tmp_path)
    cols = ["credit_code", "period", "hs_code", "partner_country", "direction", "value"]
    with open_backend(db) as b:
        t = b.table("raw_trade")
        rows = b.execute(
            t.filter((t.period == "2024-05") & (t.direction == "import")).order_by("credit_code")
        )
        rows = rows[cols].head(3).reset_index(drop=True)
        city = b.execute(b.table("entities").filter(b.table("entities").entity_id == rows["credit_code"][0]))
        unit = city["adcode"].iloc[0][:4] + "00"
        before = query.attr_frame(b, scale="city", period="2024-05", attrs=["imports"], units=[unit])["value"]
        fixed = rows.assign(value=rows["value"] + 1000.0)
        batch = parse_file("trade", _write(tmp_path / "customs-2024-05-fix.csv", fixed, "gbk"))
        with b.transaction():
            res = b.load_batch(batch)
        assert (res.rows_loaded, res.rows_replaced) == (3, 3)
        build(b)
        after = query.attr_frame(b, scale="city", period="2024-05", attrs=["imports"], units=[unit])["value"]
        same_city = rows["credit_code"].map(
            lambda c: (
                b.execute(b.table("entities").filter(b.table("entities").entity_id == c))["adcode"].iloc[0][
                    :4
                ]
                + "00"
            )
        )
        assert after.iloc[0] - before.iloc[0] == pytest.approx(1000.0 * (same_city == unit).sum())
        r = query.reported(b, "trade")
        r = b.execute(r.filter(r.credit_code.isin(list(rows["credit_code"])) & (r.period == "2024-05")))
        r = r[r["hs_code"].isin(rows["hs_code"])]
        cur, old = r[r["status"] == "current"], r[r["status"] == "replaced"]
        assert len(cur) == 3 and len(old) == 3
        assert sorted(old["value"]) == sorted(rows["value"])
        assert sorted(cur["value"]) == sorted(fixed["value"])
        assert set(old["replaced_by"]) == {res.batch_id}
        assert (old["loaded_at"] < cur["loaded_at"].max()).all()


def test_a_year_replaces_the_months_it_covers_and_a_month_the_year(built_db, tmp_path):
    """Overlapping grains converge: a corrected annual figure supersedes that year's monthly rows of the key,
    and a month then supersedes the annual row; a row of another year or key is untouched."""
    db = _copy(built_db, tmp_path)
    key = ["credit_code", "hs_code", "partner_country", "direction"]
    with open_backend(db) as b:
        t = b.table("raw_trade")
        y = t.filter(t.year == 2023)
        g = b.execute(y.group_by(key).aggregate(n=y.count()).order_by(key))
        one = g[g["n"] >= 2].iloc[0]
        n_before = b.execute(t.count().as_table()).iloc[0, 0]
        year_row = pd.DataFrame([{**{k: one[k] for k in key}, "period": "2023", "value": 5000.0}])
        with b.transaction():
            res = b.load_batch(parse_file("trade", _write(tmp_path / "annual.csv", year_row)))
        assert res.rows_replaced == int(one["n"])
        n_after = b.execute(t.count().as_table()).iloc[0, 0]
        assert n_after == n_before - int(one["n"]) + 1
        month_row = year_row.assign(period="2023-07", value=700.0)
        with b.transaction():
            res = b.load_batch(parse_file("trade", _write(tmp_path / "july.csv", month_row)))
        assert res.rows_replaced == 1
        mine = b.execute(t.filter(t.credit_code == one["credit_code"]).filter(t.hs_code == one["hs_code"]))
        mine = mine[
            (mine["partner_country"] == one["partner_country"]) & (mine["direction"] == one["direction"])
        ]
        assert mine.loc[mine["year"] == 2023, ["period", "value", "period_type"]].values.tolist() == [
            ["2023-07", 700.0, "month"]
        ]
        rev = b.execute(b.revisions("trade"))
        assert len(rev) == int(one["n"]) + 1  # the months, then the annual row


def test_a_schema_4_atlas_gains_period_types_and_revisions(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for stmt in schema.MIGRATIONS[1]:
        con.execute(stmt)
    cols = [c for c, _ in schema.raw_columns(schema.KINDS["trade"]) if c != "period_type"]
    con.execute("DROP TABLE raw_trade")
    con.execute(
        "CREATE TABLE raw_trade AS SELECT "
        + ", ".join(
            f"'2023-05'::VARCHAR AS {c}" if c == "period" else f"NULL::{t} AS {c}"
            for c, t in schema.raw_columns(schema.KINDS["trade"])
            if c in cols
        )
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '4')")
    con.close()
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION
        got = b.execute(b.table("raw_trade"))
        assert got["period_type"].tolist() == ["month"]
        assert [c for c, _ in schema.raw_columns(schema.KINDS["trade"])] == list(got.columns)
        assert b.has_table("raw_trade_revisions") and b.has_table("raw_patents_revisions")


def test_a_file_giving_a_year_and_its_months_for_one_key_is_refused(tmp_path):
    """Inside one file nothing says which to keep: 2024 with 2024-05, or 2023Q2 with 2023-05, is an error naming
    both rows; 2023-07 beside 2023Q2 is not."""
    path = tmp_path / "customs.csv"
    path.write_text(
        "企业信用代码,期间,商品编码,贸易伙伴国,进出口,金额（美元）\n"
        "91320682NN7B9Q0B4H,2024,880694,US,export,10\n"
        "91320682NN7B9Q0B4H,2024-05,880694,US,export,3\n"
        "91320682NN7B9Q0B4H,2023Q2,880694,US,export,3\n"
        "91320682NN7B9Q0B4H,2023-05,880694,US,export,3\n"
        "91320682NN7B9Q0B4H,2023-07,880694,US,export,3\n"
        "91320682NN7B9Q0B4H,2023-05,880694,JP,export,3\n",
        encoding="utf-8",
    )
    batch = parse_file("trade", path)
    errors = [e.to_dict() for e in batch.errors]
    assert [(e["row"], e["value"], e["rule"]) for e in errors] == [
        (3, "2024-05", "overlapping periods"),
        (5, "2023-05", "overlapping periods"),
    ]
    assert "overlaps period 2024 of row 2" in errors[0]["message"]
    assert "overlaps period 2023Q2 of row 4" in errors[1]["message"]


def test_real_shaped_customs_in_months_load_build_and_read(tmp_path):
    """A customs extract as a planner gets it: GBK with CRLF from WPS, firms named without credit codes (one known
    only to its province), months written 2024年5月 / 202407, partners named in Chinese, a blank amount. The year,
    its months and its quarter are built from it alone (no edge record), the blank stays unknown."""
    from chainatlas.pipeline.load import load_dir

    src = Path(__file__).parent / "fixtures" / "real_shaped"
    folder = tmp_path / "in"
    folder.mkdir()
    for f in src.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    (folder / "trade_2024.csv").write_bytes(
        (
            "企业名称,期间,商品编码,贸易伙伴国,进出口,金额（美元）\r\n"
            "东海封装测试有限公司,2024年5月,854231,日本,进口,12000\r\n"
            "东海封装测试有限公司,2024年6月,854231,日本,进口,\r\n"
            "东海封装测试有限公司,202407,854231,南韓,进口,8000.5\r\n"
        ).encode("gbk")
    )
    db = tmp_path / "atlas.duckdb"
    with open_backend(db) as b:
        load_dir(b, folder)
        build(b)
    with open_backend(db, read_only=True) as b:
        assert 2024 in query.periods(b)  # built though no edge record falls in it
        assert query.periods(b, "month") == ["2024-05", "2024-06", "2024-07"]
        assert query.periods(b, "quarter") == ["2024Q2", "2024Q3"]
        assert b.sql("SELECT DISTINCT partner_country FROM raw_trade ORDER BY 1")[
            "partner_country"
        ].tolist() == [
            "JP",
            "KR",
        ]
        f = query.attr_frame(
            b,
            scale="province",
            years=["2024-05", "2024-06", "2024-07"],
            attrs=["imports"],
            by=("unit", "period"),
        ).set_index("period")["value"]
        assert f["2024-05"] == 12000.0 and f["2024-07"] == 8000.5
        assert np.isnan(f["2024-06"])  # a blank amount is unknown, not 0
        q = query.attr_frame(b, scale="province", period="2024Q2", attrs=["imports"])["value"]
        assert q.tolist() == [12000.0]  # the known month of the quarter; the unknown one adds nothing
