"""Tests of chainatlas.analytics.paths (conversion rates, lags, destinations of transfers).

Golden numbers are worked by hand next to each case; quantiles follow Hyndman & Fan (1996) type 7
(R's and NumPy's default): for 1, 2, 3, 4 the first quartile is 1 + 0.75·(2 − 1) = 1.75.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import paths
from chainatlas.errors import ConfigError


def test_conversion_rate() -> None:
    got = paths.conversion_rate(np.array([4.0, 0.0, 5.0]), np.array([8.0, 3.0, 0.0]))
    assert got[:2].tolist() == [0.5, 0.0] and np.isnan(got[2])
    s = paths.conversion_rate(
        pd.Series([1.0, 2.0], index=["b", "a"]), pd.Series([4.0, 0.0], index=["a", "b"])
    )
    assert s["a"] == 0.5 and np.isnan(s["b"])  # aligned on the index, not by position
    with pytest.raises(ConfigError, match="num, den: expected the same length"):
        paths.conversion_rate(np.ones(2), np.ones(3))


def test_lag_distribution() -> None:
    # 0.5, 1, 2, 4, 7.5 years: mean 15/5 = 3, median 2, type-7 quartiles at positions 1 and 3 → 1 and 4
    got = paths.lag_distribution(pd.Series([4.0, 0.5, np.nan, 2.0, 7.5, 1.0]))
    assert got == {"n": 5, "mean": 3.0, "median": 2.0, "p25": 1.0, "p75": 4.0, "min": 0.5, "max": 7.5}
    assert paths.lag_distribution(np.array([]))["median"] is None


def test_best_lag_finds_a_known_lead() -> None:
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(5, 3, 12))
    y = np.r_[[0.0], 0.5 * x[:-1]] + 100.0  # y moves one year after x
    r = paths.best_lag(x, y, max_lag=3)
    assert r.lag == 1 and r.r == pytest.approx(1.0)
    assert r.n_points == {0: 11, 1: 10, 2: 9, 3: 8}
    assert r.r_by_lag[0] == pytest.approx(np.corrcoef(np.diff(x), np.diff(y))[0, 1])


def test_best_lag_hand_example_in_levels() -> None:
    # levels, k = 0: x = 1,2,3,4 (deviations −1.5,−0.5,0.5,1.5) vs y = 2,4,5,9 (−3,−1,0,4):
    # Σ dx·dy = 4.5 + 0.5 + 0 + 6 = 11, Σ dx² = 5, Σ dy² = 26 → r = 11 / √130 = 0.96476
    r = paths.best_lag([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 9.0], max_lag=0, difference=False)
    assert r.lag == 0 and r.r == pytest.approx(11 / np.sqrt(130))


def test_best_lag_undefined_and_errors() -> None:
    r = paths.best_lag(np.ones(6), np.arange(6.0))  # no variance in x: no correlation at any lag
    assert r.lag is None and r.r is None and set(r.r_by_lag.values()) == {None}
    short = paths.best_lag(np.arange(5.0) ** 2, np.arange(5.0) ** 3, max_lag=3)
    assert short.r_by_lag[1] is None and short.n_points[1] == 3  # 4 differences − 1 lead < min_points 4
    with pytest.raises(ConfigError, match="x, y: expected series over the same years"):
        paths.best_lag(np.ones(4), np.ones(5))
    with pytest.raises(ConfigError, match="max_lag: expected an integer >= 0"):
        paths.best_lag(np.ones(4), np.ones(4), max_lag=-1)


def test_best_lag_ties_go_to_the_shorter_lag() -> None:
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # period 2: r(0) = r(2) = 1
    assert paths.best_lag(x, x, max_lag=2, difference=False).lag == 0


def test_classify_destinations() -> None:
    src_c = pd.Series(["320500", "320500", "320500", "320500", "310100"], index=list("abcde"))
    src_p = pd.Series(["320000"] * 4 + ["310000"], index=list("abcde"))
    dst_c = pd.Series(["320500", "320200", None, "340100", None], index=list("abcde"))
    dst_p = pd.Series(["320000", "320000", "320000", "340000", None], index=list("abcde"))
    got = paths.classify_destinations(src_c, src_p, dst_c, dst_p)
    assert got.to_dict() == {
        "a": "same_city",
        "b": "same_province",
        "c": "same_province",
        "d": "other_yrd_province",
        "e": "outside_yrd",
    }
    with pytest.raises(ConfigError, match="aligned series"):
        paths.classify_destinations(src_c, src_p, dst_c[:2], dst_p)
