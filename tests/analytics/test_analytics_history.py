"""Indicator history (analytics.history): numbers computed by hand, NaN rules, period keys, ranks, properties."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import theilslopes

from chainatlas.analytics import history as history_module
from chainatlas.analytics.history import GROUP_COLUMNS, HISTORY_COLUMNS, history, previous_period, year_ago
from chainatlas.errors import ConfigError

YEARS = [2020, 2021, 2022, 2023, 2024]


def _frame(series: dict[str, list[float | None]], periods: list | None = None) -> pd.DataFrame:
    periods = periods or YEARS
    rows = [(u, p, v) for u, vs in series.items() for p, v in zip(periods, vs, strict=True)]
    return pd.DataFrame(rows, columns=["unit", "period", "value"]).astype({"value": float})


def _at(h: pd.DataFrame, unit: str, period: object) -> pd.Series:
    row = h[(h["unit"] == unit) & (h["period"] == period)]
    assert len(row) == 1
    return row.iloc[0]


# ------------------------------------------------------------------------------------------ hand numbers
def test_change_percent_and_yoy_by_hand():
    h = history(_frame({"a": [1, 2, 4, 3, 5]}), direction="up")
    r = _at(h, "a", 2024)
    assert (r["value"], r["prev_value"], r["change"]) == (5.0, 3.0, 2.0)
    assert r["change_pct"] == pytest.approx(200 / 3)  # (5 - 3) / 3
    # annual periods: the same period a year earlier is the previous period
    assert (r["yoy_value"], r["yoy_change"]) == (3.0, 2.0)
    assert r["yoy_pct"] == pytest.approx(200 / 3)
    r = _at(h, "a", 2023)
    assert (r["change"], r["change_pct"]) == (-1.0, -25.0)  # (3 - 4) / 4
    first = _at(h, "a", 2020)
    assert np.isnan(first["prev_value"]) and np.isnan(first["change"]) and np.isnan(first["change_pct"])


def test_theil_sen_slope_by_hand():
    """y = 1, 2, 4, 3, 5 at x = 0..4. The ten pairwise slopes (y_j - y_i) / (j - i) are
    1, 3/2, 2/3, 1, 2, 1/2, 1, -1, 1/2, 2; sorted -1, 1/2, 1/2, 2/3, 1, 1, 1, 3/2, 2, 2: median (1 + 1) / 2 = 1.
    Mean 3, so 33.3 % of the mean per period."""
    h = history(_frame({"a": [1, 2, 4, 3, 5]}), direction="up")
    r = _at(h, "a", 2024)
    assert r["trend_slope"] == pytest.approx(1.0)
    assert r["trend_pct"] == pytest.approx(100 / 3)
    assert r["trend_n"] == 5
    # 2023 reads 2019..2023, of which 2020..2023 have values (4 periods): y = 1, 2, 4, 3; slopes 1, 3/2, 2/3,
    # 2, 1/2, -1 → sorted -1, 1/2, 2/3, 1, 3/2, 2: median (2/3 + 1) / 2 = 5/6; mean 2.5
    r = _at(h, "a", 2023)
    assert (r["trend_slope"], r["trend_n"]) == (pytest.approx(5 / 6), 4)
    assert r["trend_pct"] == pytest.approx(100 * (5 / 6) / 2.5)
    # 2022: 1, 2, 4 → slopes 1, 3/2, 2: median 3/2 over 3 periods
    r = _at(h, "a", 2022)
    assert (r["trend_slope"], r["trend_n"]) == (pytest.approx(1.5), 3)
    # a window of 3 at 2024: 4, 3, 5 → slopes -1, 1/2, 2: median 1/2
    r = _at(history(_frame({"a": [1, 2, 4, 3, 5]}), direction="up", trend_window=3), "a", 2024)
    assert (r["trend_slope"], r["trend_n"]) == (pytest.approx(0.5), 3)


def test_trend_skips_unvalued_periods_and_uses_their_positions():
    """10, ?, 0, 4 at x = 0, 2, 3: slopes (0-10)/2 = -5, (4-10)/3 = -2, (4-0)/1 = 4 → median -2."""
    h = history(_frame({"b": [None, 10, None, 0, 4]}), direction="up")
    r = _at(h, "b", 2024)
    assert (r["trend_slope"], r["trend_n"]) == (pytest.approx(-2.0), 3)
    assert r["trend_slope"] == pytest.approx(theilslopes([10, 0, 4], [1, 3, 4]).slope)
    assert r["trend_pct"] == pytest.approx(100 * -2 / (14 / 3))


def test_fewer_than_three_valued_periods_give_nan_trend_not_zero():
    h = history(_frame({"a": [None, None, None, 7, 7], "b": [5, 5, 5, 5, 5]}), direction="up")
    r = _at(h, "a", 2024)
    assert np.isnan(r["trend_slope"]) and np.isnan(r["trend_pct"]) and r["trend_n"] == 2
    # a real flat series has slope 0 (computed, not a default)
    assert _at(h, "b", 2024)["trend_slope"] == 0.0


def test_missing_previous_period_gives_nan_change_not_a_change_from_zero():
    f = _frame({"a": [10, None, 5, 6, 7], "b": [1, 2, 3, 4, 5]})
    f = f[~((f["unit"] == "b") & (f["period"] == 2022))]  # no row at all
    h = history(f, direction="up")
    r = _at(h, "a", 2022)  # 2021 is NaN: no change, although 2020 has a value
    assert (
        r["value"] == 5 and np.isnan(r["prev_value"]) and np.isnan(r["change"]) and np.isnan(r["yoy_change"])
    )
    r = _at(h, "b", 2023)  # 2022 has no row
    assert r["value"] == 4 and np.isnan(r["change"]) and np.isnan(r["change_pct"])
    r = _at(h, "b", 2022)  # the missing row is reported, unknown
    assert np.isnan(r["value"]) and pd.isna(r["rank"])


def test_zero_base_gives_nan_percent_and_negative_base_keeps_the_sign():
    h = history(_frame({"z": [0, 4], "n": [-2, -1]}, [2023, 2024]), direction="up")
    z = _at(h, "z", 2024)
    assert z["change"] == 4 and np.isnan(z["change_pct"]) and np.isnan(z["yoy_pct"])
    n = _at(h, "n", 2024)
    assert (n["change"], n["change_pct"]) == (1.0, 50.0)  # up by 1 on |-2|


def test_zero_mean_gives_nan_trend_percent():
    h = history(_frame({"a": [-2, -1, 0, 1, 2]}), direction="up")
    r = _at(h, "a", 2024)
    assert r["trend_slope"] == 1.0 and np.isnan(r["trend_pct"])


# ------------------------------------------------------------------------------------------ period keys
@pytest.mark.parametrize(
    ("key", "prev", "ago"),
    [
        (2024, 2023, 2023),
        ("2024", "2023", "2023"),
        ("2024-05", "2024-04", "2023-05"),
        ("2024-01", "2023-12", "2023-01"),
        ("2024Q2", "2024Q1", "2023Q2"),
        ("2024Q1", "2023Q4", "2023Q1"),
    ],
)
def test_previous_and_year_ago_periods(key, prev, ago):
    assert previous_period(key) == prev
    assert year_ago(key) == ago


@pytest.mark.parametrize("bad", ["2024-13", "2024Q5", "24", "2024-5", "May 2024", 24, 2024.0, True, None])
def test_bad_period_key_names_the_parameter(bad):
    with pytest.raises(ConfigError) as e:
        year_ago(bad)
    assert e.value.param == "period"


def test_month_keys_year_ago_is_twelve_months_back():
    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    f = pd.DataFrame(
        {"unit": "a", "period": months, "value": np.arange(1.0, 25.0)}
    )  # 2023-01 = 1 ... 2024-12
    h = history(f, direction="up", periods=["2024-05", "2024-01"])
    assert h["period"].tolist() == ["2024-01", "2024-05"]
    may = _at(h, "a", "2024-05")  # value 17
    assert (may["value"], may["prev_value"], may["yoy_value"]) == (17.0, 16.0, 5.0)
    assert (may["change"], may["yoy_change"]) == (1.0, 12.0)
    assert may["yoy_pct"] == pytest.approx(240.0)  # 12 / 5
    jan = _at(h, "a", "2024-01")  # previous period crosses the year
    assert (jan["prev_value"], jan["yoy_value"]) == (12.0, 1.0)
    # trend over the 5 months to May: 13..17, slope 1 per month
    assert (may["trend_slope"], may["trend_n"]) == (1.0, 5)


def test_quarter_keys_year_ago_is_four_quarters_back():
    quarters = [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
    f = pd.DataFrame({"unit": "a", "period": quarters, "value": [10.0, 20, 30, 40, 11, 22, 33, 44]})
    h = history(f, direction="up")
    q2 = _at(h, "a", "2024Q2")
    assert (q2["prev_value"], q2["change"], q2["yoy_value"], q2["yoy_change"]) == (11.0, 11.0, 20.0, 2.0)
    assert q2["yoy_pct"] == pytest.approx(10.0)
    q1 = _at(h, "a", "2024Q1")
    assert (q1["prev_value"], q1["yoy_value"]) == (40.0, 10.0)


def test_string_years_and_int_years_agree():
    ints = history(_frame({"a": [1, 2, 4, 3, 5]}), direction="up")
    strs = history(_frame({"a": [1, 2, 4, 3, 5]}, [str(y) for y in YEARS]), direction="up")
    assert strs["period"].tolist() == [str(y) for y in YEARS]
    pd.testing.assert_frame_equal(ints.drop(columns="period"), strs.drop(columns="period"))


def test_reported_periods_still_read_earlier_ones():
    h = history(_frame({"a": [1, 2, 4, 3, 5]}), direction="up", periods=[2024])
    assert h["period"].tolist() == [2024]
    r = h.iloc[0]
    assert (r["prev_value"], r["trend_slope"], r["trend_n"]) == (3.0, 1.0, 5)


# ------------------------------------------------------------------------------------------ ranks
def test_ranks_with_ties_and_direction():
    f = pd.DataFrame({"unit": list("abcde"), "period": 2024, "value": [5.0, 5, 3, 1, None]})
    up = history(f, direction="up").set_index("unit")
    assert up["rank"].tolist()[:4] == [1, 1, 3, 4]  # ties share the minimum rank
    assert pd.isna(up.loc["e", "rank"]) and set(up["peers"]) == {4}
    down = history(f, direction="down").set_index("unit")
    assert down["rank"].tolist()[:4] == [3, 3, 2, 1]  # lower is better: d (1) is first
    assert pd.isna(down.loc["e", "rank"])
    assert str(up["rank"].dtype) == "Int64"


def test_ranks_within_peer_groups():
    f = pd.DataFrame({"unit": list("abcdef"), "period": 2024, "value": [5.0, 5, 3, 1, 8, None]})
    groups = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "y"}  # no group for nobody
    h = history(f, direction="down", peer_groups=groups).set_index("unit")
    assert h["group"].tolist() == ["x", "x", "x", "y", "y", "y"]
    assert h["rank_in_group"].tolist()[:5] == [2, 2, 1, 1, 2]
    assert h["group_size"].tolist()[:5] == [3, 3, 3, 2, 2]  # f has no value: not ranked, not counted
    assert pd.isna(h.loc["f", "rank_in_group"])
    assert h["rank"].tolist()[:5] == [3, 3, 2, 1, 5]
    partial = history(f, direction="up", peer_groups=pd.Series({"a": "x", "b": "x"}))
    assert partial["rank_in_group"].isna().sum() == 4 and partial["group_size"].isna().sum() == 4
    assert list(partial.columns) == [*HISTORY_COLUMNS, *GROUP_COLUMNS]


def test_ranks_are_per_period():
    f = _frame({"a": [1, 9], "b": [2, 1]}, [2023, 2024])
    h = history(f, direction="up")
    assert _at(h, "a", 2023)["rank"] == 2 and _at(h, "a", 2024)["rank"] == 1


# ------------------------------------------------------------------------------------------ contract
def test_input_is_not_mutated_and_columns_are_documented():
    f = _frame({"b": [3, 1, None, 4, 1], "a": [1, 2, 4, 3, 5]})
    groups = {"a": 1, "b": 1}
    before, gbefore = f.copy(), dict(groups)
    h = history(f, direction="up", peer_groups=groups)
    pd.testing.assert_frame_equal(f, before)
    assert groups == gbefore
    assert list(h.columns) == [*HISTORY_COLUMNS, *GROUP_COLUMNS]
    assert h["unit"].tolist() == ["a"] * 5 + ["b"] * 5  # sorted by unit, then period
    assert len(h) == 10


def test_empty_frame_gives_empty_result_with_the_columns():
    h = history(pd.DataFrame({"unit": [], "period": [], "value": []}), direction="up")
    assert h.empty and list(h.columns) == list(HISTORY_COLUMNS)


@pytest.mark.parametrize(
    ("kwargs", "frame", "param"),
    [
        ({"direction": "sideways"}, None, "direction"),
        ({"direction": "up", "trend_window": 2}, None, "trend_window"),
        ({"direction": "up"}, pd.DataFrame({"unit": ["a"], "value": [1.0]}), "frame"),
        ({"direction": "up"}, pd.DataFrame({"unit": ["a"], "period": ["2024-5"], "value": [1.0]}), "frame"),
        (
            {"direction": "up"},
            pd.DataFrame({"unit": ["a", "a"], "period": [2024, 2024], "value": [1.0, 2]}),
            "frame",
        ),
        (
            {"direction": "up"},
            pd.DataFrame({"unit": ["a", "a"], "period": [2024, "2024"], "value": [1.0, 2]}),
            "frame",
        ),
        (
            {"direction": "up"},
            pd.DataFrame({"unit": ["a", "a"], "period": [2024, "2024Q1"], "value": [1.0, 2]}),
            "frame",
        ),
        ({"direction": "up"}, pd.DataFrame({"unit": ["a"], "period": [2024], "value": [np.inf]}), "frame"),
        ({"direction": "up"}, pd.DataFrame({"unit": ["a"], "period": [2024], "value": ["many"]}), "frame"),
        ({"direction": "up"}, pd.DataFrame({"unit": [None], "period": [2024], "value": [1.0]}), "frame"),
        ({"direction": "up", "periods": ["2024-05"]}, None, "periods"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, frame, param):
    f = _frame({"a": [1, 2, 4, 3, 5]}) if frame is None else frame
    with pytest.raises(ConfigError, match=param):
        history(f, **kwargs)
    with pytest.raises(ConfigError, match="expected"):
        history("not a frame", direction="up")  # type: ignore[arg-type]


def test_docstring_examples_run():
    result = doctest.testmod(history_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_public_functions_documented():
    for name in history_module.__all__:
        obj = getattr(history_module, name)
        if callable(obj):
            for section in ("Parameters", "Returns", "Notes", "Examples", "References"):
                assert section in (obj.__doc__ or ""), f"{name}: missing {section}"


# ------------------------------------------------------------------------------------------ properties
values = st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=2, max_size=8)


@settings(deadline=None, derandomize=True, max_examples=60)
@given(
    st.lists(values, min_size=1, max_size=5), st.integers(-(10**6), 10**6), st.sampled_from(["up", "down"])
)
def test_rank_is_invariant_to_adding_a_constant(series, c, direction):
    n = min(len(s) for s in series)
    f = _frame({f"u{i}": s[:n] for i, s in enumerate(series)}, list(range(2000, 2000 + n)))
    a = history(f, direction=direction)
    b = history(f.assign(value=f["value"] + c), direction=direction)
    pd.testing.assert_series_equal(a["rank"], b["rank"])
    pd.testing.assert_series_equal(a["change"], b["change"])
    np.testing.assert_allclose(a["trend_slope"], b["trend_slope"], atol=1e-9)


@settings(deadline=None, derandomize=True, max_examples=60)
@given(st.lists(values, min_size=1, max_size=5), st.sampled_from(["up", "down"]))
def test_rank_counts_the_units_strictly_better(series, direction):
    n = min(len(s) for s in series)
    f = _frame({f"u{i}": s[:n] for i, s in enumerate(series)}, list(range(2000, 2000 + n)))
    h = history(f, direction=direction)
    for _, g in h.groupby("period"):
        v = g["value"].to_numpy()
        valued = v[~np.isnan(v)]
        for x, r, peers in zip(v, g["rank"], g["peers"], strict=True):
            assert peers == len(valued)
            if np.isnan(x):
                assert pd.isna(r)
            else:
                better = (valued > x) if direction == "up" else (valued < x)
                assert r == 1 + better.sum()


@settings(deadline=None, derandomize=True, max_examples=60)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=10))
def test_changes_telescope(series):
    f = _frame({"a": series}, list(range(2000, 2000 + len(series))))
    h = history(f, direction="up")
    total = h["change"].iloc[1:].sum()
    assert total == pytest.approx(series[-1] - series[0], abs=1e-6 * (1 + max(map(abs, series))))


@settings(deadline=None, derandomize=True, max_examples=40)
@given(
    st.lists(st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)), min_size=3, max_size=9),
    st.integers(3, 6),
)
def test_trend_is_the_median_of_pairwise_slopes(series, window):
    f = _frame({"a": series}, list(range(2000, 2000 + len(series))))
    last = history(f, direction="up", trend_window=window).iloc[-1]
    pts = [(x, y) for x, y in enumerate(series) if x >= len(series) - window and y is not None]
    assert last["trend_n"] == len(pts)
    if len(pts) < 3:
        assert np.isnan(last["trend_slope"])
    else:
        slopes = [(yj - yi) / (xj - xi) for (xi, yi), (xj, yj) in itertools.combinations(pts, 2)]
        assert last["trend_slope"] == pytest.approx(float(np.median(slopes)), abs=1e-9)


def test_without_a_trend_window_the_trend_is_left_out_and_the_rest_is_the_same():
    f = pd.DataFrame(
        {
            "unit": ["a"] * 5 + ["b"] * 5,
            "period": list(range(2020, 2025)) * 2,
            "value": [1, 2, 4, 8, 16, 5, 4, 3, 2, 1],
        }
    )
    full = history(f, direction="up")
    bare = history(f, direction="up", trend_window=None)
    assert bare["trend_slope"].isna().all() and (bare["trend_n"] == 0).all()
    keep = [c for c in full.columns if not c.startswith("trend_")]
    pd.testing.assert_frame_equal(full[keep], bare[keep])
    assert full["trend_slope"].notna().sum() == 6  # periods 3-5 of both units: the trend is there when asked
