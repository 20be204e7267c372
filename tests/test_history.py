"""Indicator history on the built small atlas: values as stored, ranks, peer groups, errors, the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import geo
from chainatlas.analytics.history import GROUP_COLUMNS, HISTORY_COLUMNS
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.model.access import Scope
from chainatlas.model.indicators import INDICATORS
from chainatlas.pipeline import query
from chainatlas.pipeline.history import history_all, indicator_history, peer_groups
from chainatlas.storage.base import open_backend

COLUMNS = [
    "indicator",
    "indicator_zh",
    "direction",
    "unit",
    "name_zh",
    "name_en",
    *HISTORY_COLUMNS[1:],
]


def _stored(atlas, attr: str, **sel) -> pd.Series:
    long = query.attr_frame(atlas, attrs=[attr], by=("unit", "year"), **sel)
    return long.set_index(["unit", "year"])["value"]


@pytest.mark.parametrize(("indicator", "chain"), [("revenue", "*"), ("patents", "*"), ("firms", "ic")])
def test_values_equal_the_stored_node_attributes(atlas, indicator, chain):
    h = indicator_history(atlas, indicator=indicator, scale="city", chain=chain)
    stored = _stored(atlas, indicator, scale="city", chain=chain)
    got = h.set_index(["unit", "period"])["value"]
    assert len(stored) > 20
    for key, v in stored.items():  # every stored (unit, period) pair
        assert got[key] == pytest.approx(v)
    # a unit without a row in a period the source covers had no record: 0 there
    absent = got.index.difference(stored.index)
    assert (got[absent] == 0).all()
    assert len(h) == 41 * len(query.periods(atlas))
    assert list(h.columns) == [*COLUMNS, *GROUP_COLUMNS]


def test_changes_read_the_previous_stored_value(atlas):
    h = indicator_history(atlas, indicator="employees", scale="city")
    stored = _stored(atlas, "employees", scale="city")
    for unit in ("310100", "320500", "340100"):
        r = h[(h["unit"] == unit) & (h["period"] == 2024)].iloc[0]
        now, before = stored[(unit, 2024)], stored[(unit, 2023)]
        assert r["value"] == pytest.approx(now)
        assert r["change"] == pytest.approx(now - before)
        assert r["change_pct"] == pytest.approx(100 * (now - before) / before)
        assert r["yoy_change"] == pytest.approx(r["change"])  # annual periods
        assert r["trend_n"] == 5 and np.isfinite(r["trend_slope"])


def test_ranks_at_city_scale_are_a_permutation_of_the_41_cities(atlas):
    h = indicator_history(atlas, indicator="employees", scale="city", periods=[2024])
    assert h["value"].notna().sum() == 41 and h["value"].is_unique
    assert sorted(h["rank"]) == list(range(1, 42))
    assert set(h["peers"]) == {41}
    best = h.loc[h["rank"] == 1, "value"].iloc[0]
    assert best == h["value"].max()  # direction up: most employees first
    # imports: less is better
    imp = indicator_history(atlas, indicator="imports", scale="city", periods=[2024])
    assert imp.loc[imp["rank"] == 1, "value"].iloc[0] == imp["value"].min()


def test_ranks_follow_the_rule_for_every_indicator(atlas):
    h = history_all(atlas, scale="city", period=2023)
    assert len(h) == len(INDICATORS) * 41
    assert list(h["indicator"].unique()) == list(INDICATORS)
    for (ind, _), g in h.groupby(["indicator", "period"]):
        up = INDICATORS[ind].direction == "up"
        v = g["value"].to_numpy()
        valued = v[~np.isnan(v)]
        for x, r in zip(v, g["rank"], strict=True):
            if np.isnan(x):
                assert pd.isna(r)
            else:
                assert r == 1 + ((valued > x) if up else (valued < x)).sum()


def test_all_equals_one_indicator_at_a_time(atlas):
    h = history_all(atlas, scale="city", period=2024, chain="ic")
    one = indicator_history(atlas, indicator="patents", scale="city", chain="ic", periods=2024)
    pd.testing.assert_frame_equal(h[h["indicator"] == "patents"].reset_index(drop=True), one)


def test_peer_groups_city_within_province(atlas):
    h = indicator_history(atlas, indicator="firms", scale="city", periods=[2024])
    assert h.groupby("group")["unit"].count().to_dict() == {
        "310000": 1,
        "320000": 13,
        "330000": 11,
        "340000": 16,
    }
    for _, g in h.groupby("group"):
        assert sorted(g["rank_in_group"]) == sorted(
            g["value"].rank(method="min", ascending=False).astype(int)
        )
        assert set(g["group_size"]) == {len(g)}
    groups = peer_groups("county")
    assert groups is not None and len(groups) == 305 and groups["320585"] == "320500"
    assert peer_groups("province") is None


def test_place_keeps_its_units_and_their_ranks_among_all_peers(atlas):
    full = indicator_history(atlas, indicator="revenue", scale="county", periods=[2024])
    suzhou = indicator_history(atlas, indicator="revenue", scale="county", periods=[2024], place="320500")
    counties = set(geo.places("county").query("city_adcode == '320500'")["adcode"])
    assert set(suzhou["unit"]) == counties
    assert set(suzhou["peers"]) == {305}
    expected = full[full["unit"].isin(counties)].reset_index(drop=True)
    pd.testing.assert_frame_equal(suzhou, expected)
    one = indicator_history(atlas, indicator="revenue", scale="county", periods=[2024], place="320585")
    assert one["unit"].tolist() == ["320585"] and one["name_zh"].tolist() == ["太仓市"]


def test_no_group_columns_when_asked_or_at_coarse_scales(atlas):
    assert list(indicator_history(atlas, indicator="firms", scale="province").columns) == COLUMNS
    assert list(indicator_history(atlas, indicator="firms", scale="city", groups=False).columns) == COLUMNS


def test_figures_withheld_outside_the_scope_are_unknown_not_ranked(atlas):
    """Read through query, the reader's scope applies: revenue of cities outside Suzhou's jurisdiction is
    withheld by disclosure control (NaN, ``suppressed``), never 0, and not ranked; firms are public."""
    with query.scoped(Scope(prefix="3205", personal=False)):
        h = history_all(atlas, scale="city", period=2024)
    rev = h[h["indicator"] == "revenue"]
    held = rev[rev["suppressed"]]
    assert len(held) > 0 and held["value"].isna().all() and held["rank"].isna().all()
    assert set(rev["peers"]) == {41 - len(held)}
    assert not rev.loc[rev["unit"] == "320500", "suppressed"].iloc[0]
    assert not h.loc[h["indicator"] == "firms", "suppressed"].any()
    assert (h["suppressed"] <= h["value"].isna()).all()
    assert "suppressed" not in indicator_history(atlas, indicator="revenue", scale="city").columns


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"indicator": "gdp", "scale": "city"}, "indicator"),
        ({"indicator": "firms", "scale": "town"}, "scale"),
        ({"indicator": "firms", "scale": "city", "chain": "steel"}, "chain"),
        ({"indicator": "firms", "scale": "city", "chain": "ic", "segment": "bakery"}, "segment"),
        ({"indicator": "firms", "scale": "city", "periods": [2030]}, "period"),
        ({"indicator": "firms", "scale": "city", "place": "999999"}, "place"),
        ({"indicator": "firms", "scale": "city", "place": "320585"}, "place"),  # a county, not a city
    ],
)
def test_errors_name_the_parameter(atlas, kwargs, param):
    with pytest.raises(ConfigError) as e:
        indicator_history(atlas, **kwargs)
    assert e.value.param == param


def test_a_period_the_source_does_not_cover_is_unknown_not_zero(built_db: Path, tmp_path: Path):
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM node_attrs WHERE attr = 'patents' AND year = 2015")
    con.close()
    with open_backend(db, read_only=True) as b:
        h = indicator_history(b, indicator="patents", scale="city")
        firms = indicator_history(b, indicator="firms", scale="city", periods=[2015])
    y15, y16 = h[h["period"] == 2015], h[h["period"] == 2016]
    assert y15["value"].isna().all() and y15["rank"].isna().all() and set(y15["peers"]) == {0}
    assert y16["change"].isna().all() and y16["prev_value"].isna().all()  # no change from a 0 never reported
    assert y16["value"].notna().all()
    assert firms["value"].notna().all()  # the other attributes keep 2015


def test_cli_writes_csv_for_excel_and_json(built_db: Path, tmp_path: Path):
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    out = tmp_path / "patents.csv"
    run = CliRunner().invoke
    r = run(
        main, ["--db", str(db), "history", "patents", "--scale", "city", "--place", "320000", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "wrote 130 rows" in r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str, "group": str})
    assert list(df.columns) == [*COLUMNS, *GROUP_COLUMNS]
    assert set(df["unit"]) == set(geo.places("city").query("province_adcode == '320000'")["adcode"])
    side = json.loads(out.with_name(out.name + ".provenance.json").read_text(encoding="utf-8"))
    assert side["provenance"]["topic"] == "history" and side["provenance"]["indicator"] == "patents"
    audit = (tmp_path / "atlas.duckdb.audit.jsonl").read_text(encoding="utf-8").splitlines()
    last = json.loads(audit[-1])
    assert last["action"] == "export" and last["parameters"]["indicator"] == "patents"

    js = tmp_path / "all.json"
    r = run(main, ["--db", str(db), "history", "--all", "--period", "2023", "-o", str(js)])
    assert r.exit_code == 0, r.output
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["provenance"]["period"] == 2023 and doc["summary"]["indicators"] == len(INDICATORS)
    assert len(doc["data"]) == len(INDICATORS) * 41 and {d["period"] for d in doc["data"]} == {2023}


@pytest.mark.parametrize(
    ("args", "status", "text"),
    [
        ([], 2, "give one INDICATOR or --all"),
        (["firms", "--all"], 2, "give one INDICATOR or --all"),
        (["gdp"], 2, "gdp"),
        (["firms", "--chain", "steel"], 1, "--chain: unknown chain"),
        (["firms", "--period", "2030"], 1, "--period: 2030 is not built"),
        (["firms", "--window", "2"], 2, "--window"),
    ],
)
def test_cli_errors(built_db: Path, tmp_path: Path, args, status, text):
    r = CliRunner().invoke(main, ["--db", str(built_db), "history", *args, "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == status, r.output
    assert text in r.output
    assert not (tmp_path / "x.csv").exists()
