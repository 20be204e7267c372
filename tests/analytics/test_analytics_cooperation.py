"""Cooperation ledgers (issue 15): the equity rule, land quota, agreement terms, 亩均效益 grades, tax sharing and
innovation-voucher flows, each against a table computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from chainatlas.analytics import cooperation as co
from chainatlas.errors import ConfigError

NaN = float("nan")


def _same(a, b) -> bool:
    """Equal numbers, NaN equal to NaN, <NA> to <NA> (for list comparisons of table columns)."""
    if a is pd.NA or b is pd.NA:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == pytest.approx(b, abs=1e-9)
    return a == b


def _rows_equal(got: list[list], want: list[list]) -> None:
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w) and all(_same(x, y) for x, y in zip(g, w, strict=True)), (g, w)


# ------------------------------------------------------------------------------------------------ equity
def _equity_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # id, origin %, host %, origin min, host min
            ("A", 70.0, 30.0, None, None),  # host exactly 30: passes; origin 70 > 50 controls
            ("B", 50.0, 50.0, None, None),  # origin exactly 50: not control (control means more than 50)
            ("C", 75.0, 25.0, None, None),  # host 25 < 30
            ("D", 45.0, 55.0, None, None),  # origin does not control (the other direction)
            ("E", None, 40.0, None, None),  # origin share unknown: listed unknown, not a breach
            ("F", 60.0, None, None, None),  # host share unknown
            ("G", 80.0, 30.0, None, None),  # 80 + 30 = 110 > 100
            ("H", 60.0, 40.0, 60.0, 35.0),  # agreement: origin must exceed 60 (60 fails), host >= 35 (40 ok)
            ("I", 70.0, 30.0 - 1e-12, None, None),  # float noise below 30 is not a breach
        ],
        columns=[
            "enclave_id",
            "origin_equity_pct",
            "host_equity_pct",
            "origin_min_equity_pct",
            "host_min_equity_pct",
        ],
    ).assign(period="2023")


def test_equity_rule_both_directions_and_the_boundaries():
    out = co.equity_breaches(_equity_frame())
    assert tuple(out.columns) == co.EQUITY_COLUMNS
    got = out[["enclave_id", "rule", "status", "value", "threshold"]].values.tolist()
    _rows_equal(
        got,
        [
            ["B", "origin_control", "breach", 50.0, 50.0],
            ["C", "host_min", "breach", 25.0, 30.0],
            ["D", "origin_control", "breach", 45.0, 50.0],
            ["E", "origin_control", "unknown", NaN, 50.0],
            ["F", "host_min", "unknown", NaN, 30.0],
            ["G", "shares_sum", "breach", 110.0, 100.0],
            ["H", "origin_control", "breach", 60.0, 60.0],
        ],
    )
    # the numbers behind each breach travel with it
    g = out[out["enclave_id"] == "G"].iloc[0]
    assert (g["origin_equity_pct"], g["host_equity_pct"], g["shares_sum"]) == (80.0, 30.0, 110.0)
    b = out[out["enclave_id"] == "B"].iloc[0]
    assert b["message"] == (
        "飞出地持股 50% 未超过 50%，飞出地未控股 / the origin holds 50 %, not more than 50 %: it does not "
        "control the operator"
    )


def test_equity_rule_refuses_shares_out_of_range_and_does_not_touch_its_input():
    frame = _equity_frame()
    before = frame.copy()
    co.equity_breaches(frame)
    pd.testing.assert_frame_equal(frame, before)
    bad = frame.assign(host_equity_pct=[30.0, 50.0, 125.0, 55.0, 40.0, 1.0, 30.0, 40.0, 30.0])
    with pytest.raises(ConfigError, match="row 2.*host_equity_pct.*125"):
        co.equity_breaches(bad)


def test_side_shares_sum_the_shareholders_and_feed_the_equity_rule():
    holders = pd.DataFrame(
        [
            ("E1", "2023", "origin", 40.0, 400.0),
            ("E1", "2023", "origin", 30.0, 300.0),
            ("E1", "2023", "host", 30.0, 300.0),  # 70 / 30: passes
            ("E2", "2023", "origin", 50.0, 500.0),
            ("E2", "2023", "host", 35.0, None),
            ("E2", "2023", "other", 15.0, 150.0),  # 50 / 35 / 15: origin does not control
            ("E3", "2023", "origin", 60.0, 600.0),
            ("E3", "2023", None, 40.0, 400.0),  # a shareholder of unknown side: every side unknown
        ],
        columns=["enclave_id", "period", "side", "share_pct", "paid_in"],
    )
    sides = co.side_shares(holders)
    got = sides[
        [
            "enclave_id",
            "origin_equity_pct",
            "host_equity_pct",
            "other_equity_pct",
            "total_equity_pct",
            "host_paid_in",
        ]
    ].values.tolist()
    _rows_equal(
        got,
        [
            ["E1", 70.0, 30.0, 0.0, 100.0, 300.0],
            ["E2", 50.0, 35.0, 15.0, 100.0, NaN],  # host paid-in unknown
            ["E3", NaN, NaN, NaN, 100.0, NaN],
        ],
    )
    out = co.equity_breaches(sides)
    _rows_equal(
        out[["enclave_id", "rule", "status"]].values.tolist(),
        [
            ["E2", "origin_control", "breach"],
            ["E3", "origin_control", "unknown"],
            ["E3", "host_min", "unknown"],
        ],
    )


# ------------------------------------------------------------------------------------------------ land
def _land_frame() -> pd.DataFrame:
    rows = [
        # id, year, origin, host, area, quota, host land, agreed
        ("L1", "2021", "330800", "330100", 100.0, 50.0, 20.0, 110.0),
        ("L1", "2022", "330800", "330100", 100.0, None, 20.0, 110.0),  # blank year after a transfer: none
        ("L1", "2023", "330800", "330100", 150.0, 70.0, 20.0, 110.0),
        ("L2", "2022", "330800", "330100", 60.0, 60.0, 0.0, 60.0),  # exactly balanced
        ("L2", "2023", "330800", "330100", 60.0, 0.0, 0.0, 60.0),
        ("L3", "2023", "330100", "330800", 30.0, 25.0, 10.0, None),  # the reverse direction, a surplus
        ("L4", "2023", "340100", "310100", 40.0, None, None, None),  # host land unknown: need unknown
        (
            "L5",
            "2023",
            "320500",
            "310100",
            50.0,
            None,
            60.0,
            None,
        ),  # host land covers the area: nothing needed
    ]
    cols = [
        "enclave_id",
        "period",
        "origin_adcode",
        "host_adcode",
        "area_mu",
        "land_quota_mu",
        "host_land_mu",
        "land_quota_agreed_mu",
    ]
    return pd.DataFrame(rows, columns=cols)


def test_land_balance_per_enclave():
    # needed = max(0, area − host land); transferred = Σ quota to the year; shortfall = needed − transferred
    # L1: needed 80, 80, 130; transferred 50, 50 (2022 blank = no transfer), 50 + 70 = 120;
    #     shortfall 30, 30, 10; over agreed 50 − 110 = −60, −60, 120 − 110 = 10
    # L2: needed 60, 60; transferred 60, 60; shortfall 0 (no breach); over agreed 0
    # L3: needed 30 − 10 = 20; transferred 25; shortfall −5 (a surplus)
    # L4: needed unknown; L5: needed max(0, 50 − 60) = 0, transferred unknown
    result = co.land_balance(_land_frame())
    e = result.enclaves
    assert tuple(e.columns) == co.LAND_COLUMNS
    got = e[["enclave_id", "period", "needed_mu", "transferred_mu", "shortfall_mu", "over_agreed_mu"]]
    _rows_equal(
        got.values.tolist(),
        [
            ["L1", "2021", 80.0, 50.0, 30.0, -60.0],
            ["L1", "2022", 80.0, 50.0, 30.0, -60.0],
            ["L1", "2023", 130.0, 120.0, 10.0, 10.0],
            ["L2", "2022", 60.0, 60.0, 0.0, 0.0],
            ["L2", "2023", 60.0, 60.0, 0.0, 0.0],
            ["L3", "2023", 20.0, 25.0, -5.0, NaN],
            ["L4", "2023", NaN, NaN, NaN, NaN],
            ["L5", "2023", 0.0, NaN, NaN, NaN],
        ],
    )
    b = result.breaches
    assert tuple(b.columns) == co.LAND_BREACH_COLUMNS
    _rows_equal(
        b[["enclave_id", "period", "rule", "status", "value", "threshold"]].values.tolist(),
        [
            ["L1", "2021", "land_quota", "breach", 50.0, 80.0],
            ["L1", "2022", "land_quota", "breach", 50.0, 80.0],
            ["L1", "2023", "land_quota", "breach", 120.0, 130.0],
            ["L1", "2023", "over_agreed", "breach", 120.0, 110.0],
            ["L4", "2023", "land_quota", "unknown", NaN, NaN],
        ],
    )
    assert b["message"].iloc[2] == (
        "累计调剂用地指标 120 亩，少于所需 130 亩（缺 10 亩） / 120 亩 of land quota transferred so far, short of "
        "the 130 亩 needed by 10 亩"
    )


def test_land_balance_transfers_covering_the_area_need_no_host_land():
    """The need is max(0, area − host land) ≤ area: with the host's land unknown, transfers of at least the area
    leave no shortfall (not listed); fewer stay unknown.

    C1: area 700, host land unknown, 700 transferred → need unknown, but 700 ≥ 700: not listed.
    C2: area 700, host land unknown, 699 transferred → the shortfall could be up to 1: unknown.
    """
    frame = pd.DataFrame(
        [("C1", "2024", "330200", "331102", 700.0, 700.0, None, None),
         ("C2", "2024", "330200", "331102", 700.0, 699.0, None, None)],
        columns=["enclave_id", "period", "origin_adcode", "host_adcode", "area_mu", "land_quota_mu",
                 "host_land_mu", "land_quota_agreed_mu"],
    )  # fmt: skip
    result = co.land_balance(frame)
    assert result.enclaves["needed_mu"].isna().all()
    assert result.breaches[["enclave_id", "rule", "status"]].values.tolist() == [
        ["C2", "land_quota", "unknown"]
    ]


def test_land_balance_per_pair_of_places():
    # (330800 → 330100): 2021 L1 only; 2022 and 2023 L1 + L2; the reverse pair (330100 → 330800) has L3
    # in 2023
    # 2022: area 100 + 60; needed 80 + 60; quota blank + 60 = 60; transferred 50 + 60; balance −30 + 0
    # 2023: area 150 + 60; needed 130 + 60; quota 70 + 0; transferred 120 + 60; balance −10 + 0;
    #       reverse transferred 25 (L3) → net 180 − 25 = 155; and the reverse pair's net 25 − 180 = −155
    pairs = co.land_balance(_land_frame()).pairs
    assert tuple(pairs.columns) == co.PAIR_COLUMNS
    got = pairs[list(co.PAIR_COLUMNS)].values.tolist()
    _rows_equal(
        got,
        [
            ["320500", "310100", "2023", 1, 1, 50.0, 0.0, NaN, NaN, NaN, 0.0, NaN],
            ["330100", "330800", "2023", 1, 0, 30.0, 20.0, 25.0, 25.0, 5.0, 180.0, -155.0],
            ["330800", "330100", "2021", 1, 0, 100.0, 80.0, 50.0, 50.0, -30.0, 0.0, 50.0],
            ["330800", "330100", "2022", 2, 0, 160.0, 140.0, 60.0, 110.0, -30.0, 0.0, 110.0],
            ["330800", "330100", "2023", 2, 0, 210.0, 190.0, 70.0, 180.0, -10.0, 25.0, 155.0],
            ["340100", "310100", "2023", 1, 1, 40.0, NaN, NaN, NaN, NaN, 0.0, NaN],
        ],
    )


def test_land_balance_refuses_duplicates_and_months():
    frame = _land_frame()
    with pytest.raises(ConfigError, match="more than once"):
        co.land_balance(pd.concat([frame, frame.iloc[[0]]]))
    with pytest.raises(ConfigError, match="expected a year"):
        co.land_balance(frame.iloc[[0]].assign(period="2023-05"))


# ------------------------------------------------------------------------------------------------ terms
def test_terms_targets_from_the_target_year_and_the_origins_tax_share():
    frame = pd.DataFrame(
        {
            "enclave_id": ["E1"] * 3,
            "period": ["2022", "2023", "2024"],
            "output": [50_000.0, 100_000.0, None],
            "tax": [3_000.0, 3_500.0, 4_200.0],
            "target_output": 100_000.0,
            "target_tax": 4_000.0,
            "target_year": "2023",
            "origin_tax_share_pct": 40.0,
            "origin_tax": [1_200.0, 1_400.0, 1_600.0],
        }
    )
    out = co.terms_breaches(frame)
    assert tuple(out.columns) == co.TERMS_COLUMNS
    # 2022: before the target year, nothing checked; origin 1200 / 3000 = 40 % ok
    # 2023: output 100000 = target: passes; tax 3500 < 4000; origin 1400 / 3500 = 40 % ok
    # 2024: output unknown; tax 4200 >= 4000; origin 1600 / 4200 = 38.0952 % < 40 (1600 < 0.995 × 1680)
    _rows_equal(
        out[["period", "rule", "status", "value", "threshold", "gap"]].values.tolist(),
        [
            ["2023", "target_tax", "breach", 3_500.0, 4_000.0, -500.0],
            ["2024", "target_output", "unknown", NaN, 100_000.0, NaN],
            ["2024", "origin_tax_share", "breach", 100 * 1600 / 4200, 40.0, 100 * 1600 / 4200 - 40],
        ],
    )
    assert out["target_year"].tolist() == [2023, 2023, 2023]


# ------------------------------------------------------------------------------------------------ 亩均效益
# Six enclaves of two types over two years. Inputs give round indicators:
#   tax_per_mu = tax / area, va_per_mu = VA / area, va_per_energy = VA / energy, rd_intensity = R&D / output,
#   labour_productivity = VA / employees
MU_ROWS = [
    # id, year, type, area, tax, VA, energy, R&D, output, employees
    # 2022 industrial           → tax/亩  VA/亩  VA/能耗  R&D   劳产率
    ("I1", "2022", "industrial", 100, 3000, 15000, 5000, 1500, 50000, 300),  # 30  150  3  .03  50
    ("I2", "2022", "industrial", 200, 4000, 20000, 4000, 500, 50000, 250),  #  20  100  5  .01  80
    ("I3", "2022", "industrial", 50, 2000, 4000, 2000, 800, 20000, 100),  #   40   80  2  .04  40
    ("I4", "2022", "industrial", 100, 1000, 6000, 1000, 400, 20000, 200),  #  10   60  6  .02  30
    # 2022 innovation
    ("N1", "2022", "innovation", 20, 400, 3000, 300, 1000, 10000, 50),  #     20  150 10  .10  60
    ("N2", "2022", "innovation", 10, 300, 1000, 200, 600, 4000, 40),  #       30  100  5  .15  25
    # 2023 industrial (I3's energy unknown)
    ("I1", "2023", "industrial", 100, 3500, 16000, 4000, 2000, 50000, 320),  # 35  160  4  .04  50
    ("I2", "2023", "industrial", 200, 5000, 24000, 4000, 1000, 50000, 240),  # 25  120  6  .02 100
    ("I3", "2023", "industrial", 50, 2500, 5000, None, 600, 20000, 100),  #    50  100  ?  .03  50
    ("I4", "2023", "industrial", 100, 500, 5000, 2500, 200, 20000, 125),  #    5   50  2  .01  40
    # 2023 innovation: identical except N2's R&D unknown → a tie
    ("N1", "2023", "innovation", 20, 500, 2000, 200, 500, 5000, 40),  #       25  100 10  .10  50
    ("N2", "2023", "innovation", 10, 250, 1000, 100, None, 2500, 20),  #      25  100 10   ?   50
]
MU_COLS = [
    "enclave_id",
    "period",
    "enclave_type",
    "area_mu",
    "tax",
    "value_added",
    "energy_tce",
    "rd_spend",
    "output",
    "employees",
]


def _mu_frame() -> pd.DataFrame:
    return pd.DataFrame(MU_ROWS, columns=MU_COLS)


def test_mu_indicators_hand_computed():
    ind = co.mu_indicators(_mu_frame())
    assert tuple(ind.columns) == co.MU_COLUMNS
    _rows_equal(
        ind[list(co.MU_INDICATORS)].values.tolist(),
        [
            [30, 150, 3, 0.03, 50],
            [20, 100, 5, 0.01, 80],
            [40, 80, 2, 0.04, 40],
            [10, 60, 6, 0.02, 30],
            [20, 150, 10, 0.10, 60],
            [30, 100, 5, 0.15, 25],
            [35, 160, 4, 0.04, 50],
            [25, 120, 6, 0.02, 100],
            [50, 100, NaN, 0.03, 50],
            [5, 50, 2, 0.01, 40],
            [25, 100, 10, 0.10, 50],
            [25, 100, 10, NaN, 50],
        ],
    )


def test_mu_indicators_unknown_is_never_zero():
    frame = pd.DataFrame(
        {
            "enclave_id": ["Z1", "Z2"],
            "period": ["2023", "2023"],
            "enclave_type": [None, "poverty"],  # blank type reads as industrial
            "area_mu": [0.0, 10.0],  # area 0: per-亩 indicators undefined
            "tax": [100.0, 0.0],  # a reported 0 tax is a real 0
            "value_added": [None, 50.0],
            "energy_tce": [10.0, 0.0],
            "rd_spend": [1.0, 2.0],
            "output": [10.0, None],
            "employees": [0, 5],
        }
    )
    ind = co.mu_indicators(frame)
    assert ind["enclave_type"].tolist() == ["industrial", "poverty"]
    _rows_equal(
        ind[list(co.MU_INDICATORS)].values.tolist(),
        [[NaN, NaN, NaN, 0.1, NaN], [0.0, 5.0, NaN, NaN, 10.0]],
    )
    with pytest.raises(ConfigError, match="enclave_type"):
        co.mu_indicators(frame.assign(enclave_type=["industrial", "harbour"]))
    with pytest.raises(ConfigError, match="more than once"):
        co.mu_indicators(frame.assign(enclave_id="Z1"))


def test_mu_grades_hand_computed_table():
    # Percentile rank within type and year: p = 100 (r − ½) / n with r the average rank among known values.
    # n = 4 → 12.5, 37.5, 62.5, 87.5; n = 3 → 16.667, 50, 83.333; n = 2 → 25, 75; n = 1 → 50.
    # Weights (shipped file): tax .30, VA/亩 .25, VA/能耗 .15, R&D .15, 劳产率 .15.
    #
    # 2022 industrial      tax   VA    能耗  R&D   劳产率   score
    #   I1                 62.5  87.5  37.5  62.5  62.5    18.75 + 21.875 + 5.625 + 9.375 + 9.375  = 65.0
    #   I2                 37.5  62.5  62.5  12.5  87.5    11.25 + 15.625 + 9.375 + 1.875 + 13.125 = 51.25
    #   I3                 87.5  37.5  12.5  87.5  37.5    26.25 + 9.375 + 1.875 + 13.125 + 5.625  = 56.25
    #   I4                 12.5  12.5  87.5  37.5  12.5    3.75 + 3.125 + 13.125 + 5.625 + 1.875   = 27.5
    #   ranks I1 1, I3 2, I2 3, I4 4; score percentiles 87.5 (A), 62.5 (B), 37.5 (C), 12.5 (D)
    # 2022 innovation (n = 2)
    #   N1                 25    75    75    25    75      7.5 + 18.75 + 11.25 + 3.75 + 11.25 = 52.5
    #   N2                 75    25    25    75    25      22.5 + 6.25 + 3.75 + 11.25 + 3.75  = 47.5
    #   N1 rank 1 (leader) with score percentile 75 → B; N2 25 → C: leading the type is not grade A
    # 2023 industrial (I3's energy unknown: n = 3 for VA/能耗; labour 50 tied for I1 and I3: ranks 2.5)
    #   I1                 62.5  87.5  50    87.5  50      18.75 + 21.875 + 7.5 + 13.125 + 7.5     = 68.75
    #   I2                 37.5  62.5  83.33 37.5  87.5    11.25 + 15.625 + 12.5 + 5.625 + 13.125  = 58.125
    #   I3                 87.5  37.5  —     62.5  50      (26.25 + 9.375 + 9.375 + 7.5) / .85     = 61.7647
    #   I4                 12.5  12.5  16.67 12.5  12.5    3.75 + 3.125 + 2.5 + 1.875 + 1.875      = 13.125
    #   ranks I1 1, I3 2, I2 3, I4 4 → A, B, C, D
    # 2023 innovation: every known indicator tied (N2's R&D unknown; N1's R&D alone → 50)
    #   N1 (.3 + .25 + .15 + .15 + .15) × 50 = 50; N2 (.85 × 50) / .85 = 50 → both rank 1, leaders, score
    #   percentile (1.5 − .5) / 2 = 50 → B
    out = co.mu_grades(co.mu_indicators(_mu_frame()))
    assert tuple(out.columns) == co.MU_GRADE_COLUMNS
    got = out[["enclave_id", "period", "score", "score_pct", "rank", "peers", "grade", "leader"]]
    _rows_equal(
        got.values.tolist(),
        [
            ["I1", "2022", 65.0, 87.5, 1, 4, "A", True],
            ["I2", "2022", 51.25, 37.5, 3, 4, "C", False],
            ["I3", "2022", 56.25, 62.5, 2, 4, "B", False],
            ["I4", "2022", 27.5, 12.5, 4, 4, "D", False],
            ["N1", "2022", 52.5, 75.0, 1, 2, "B", True],
            ["N2", "2022", 47.5, 25.0, 2, 2, "C", False],
            ["I1", "2023", 68.75, 87.5, 1, 4, "A", True],
            ["I2", "2023", 58.125, 37.5, 3, 4, "C", False],
            ["I3", "2023", 52.5 / 0.85, 62.5, 2, 4, "B", False],
            ["I4", "2023", 13.125, 12.5, 4, 4, "D", False],
            ["N1", "2023", 50.0, 50.0, 1, 2, "B", True],
            ["N2", "2023", 50.0, 50.0, 1, 2, "B", True],
        ],
    )
    i3 = out[(out["enclave_id"] == "I3") & (out["period"] == "2023")].iloc[0]
    assert i3["missing"] == "va_per_energy"
    assert i3["weight_used"] == pytest.approx(0.85)
    assert math.isnan(i3["va_per_energy_pct"])
    i2 = out[(out["enclave_id"] == "I2") & (out["period"] == "2023")].iloc[0]
    assert i2["va_per_energy_pct"] == pytest.approx(250 / 3)  # rank 3 of 3: (3 − ½) / 3
    assert i2["labour_productivity_pct"] == 87.5
    assert out.loc[out["enclave_id"] == "I1", "labour_productivity_pct"].tolist() == [62.5, 50.0]
    assert out["missing"].tolist().count("") == 10


def test_mu_grades_other_settings_and_an_enclave_with_nothing_known():
    ind = co.mu_indicators(_mu_frame())
    # tax per 亩 alone, A from the 60th percentile: 2022 industrial tax percentiles I1 62.5, I2 37.5, I3 87.5,
    # I4 12.5 → A, C, A, D with B at 40 and C at 20
    only_tax = {
        "weights": {
            "tax_per_mu": 1,
            "va_per_mu": 0,
            "va_per_energy": 0,
            "rd_intensity": 0,
            "labour_productivity": 0,
        },
        "thresholds": {"A": 60, "B": 40, "C": 20},
    }
    out = co.mu_grades(ind, only_tax)
    first = out.iloc[:4]
    assert first["grade"].tolist() == ["A", "C", "A", "D"]
    assert first["score"].tolist() == [62.5, 37.5, 87.5, 12.5]
    # a row with no known indicator has no score, rank or grade and is no peer
    blank = ind.iloc[:4].copy()
    blank.loc[3, list(co.MU_INDICATORS)] = np.nan
    out = co.mu_grades(blank)
    assert out["grade"].tolist()[3] is None
    assert out["rank"].isna().tolist() == [False, False, False, True]
    assert out["peers"].tolist() == [3, 3, 3, 3]
    # n = 3 per indicator (16.67, 50, 83.33): I1 .3·50 + .25·83.33 + .15·(50 + 50 + 50) = 58.33,
    # I2 .3·16.67 + .25·50 + .15·(83.33 + 16.67 + 83.33) = 45, I3 .3·83.33 + .25·16.67 + .15·(16.67 + 83.33
    # + 16.67) = 46.67
    _rows_equal([out["score"].tolist()], [[175 / 3, 45.0, 140 / 3, NaN]])
    assert out["leader"].tolist() == [True, False, False, False]
    assert out["missing"].iloc[3] == ";".join(co.MU_INDICATORS)


_positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
_value = st.one_of(st.none(), st.integers(min_value=1, max_value=1_000_000).map(float))


@st.composite
def _indicator_tables(draw):
    n = draw(st.integers(min_value=1, max_value=9))
    rows = []
    for i in range(n):
        rows.append(
            {
                "enclave_id": f"E{i}",
                "period": draw(st.sampled_from(["2022", "2023"])),
                "enclave_type": draw(st.sampled_from(["industrial", "innovation"])),
                **{name: draw(_value) for name in co.MU_INDICATORS},
            }
        )
    frame = pd.DataFrame(rows)
    return frame.astype({name: float for name in co.MU_INDICATORS})


@seed(15)
@settings(max_examples=150, deadline=None)
@given(_indicator_tables(), st.lists(_positive, min_size=5, max_size=5))
def test_grades_are_invariant_to_scaling_each_indicator(ind, factors):
    """Ranks ignore units: multiplying any indicator by a positive constant changes no percentile, score,
    rank, grade or leader (integer-valued indicators, so rounding cannot tie two different values)."""
    scaled = ind.copy()
    for name, c in zip(co.MU_INDICATORS, factors, strict=True):
        scaled[name] = scaled[name] * c
    a = co.mu_grades(ind)
    b = co.mu_grades(scaled)
    for column in ("score", "score_pct", "weight_used"):
        np.testing.assert_allclose(a[column].to_numpy(float), b[column].to_numpy(float), rtol=0, atol=1e-9)
    assert a["grade"].tolist() == b["grade"].tolist()
    assert a["rank"].tolist() == b["rank"].tolist()
    assert a["leader"].tolist() == b["leader"].tolist()
    scored = a["score"].dropna()
    assert ((scored >= 0) & (scored <= 100)).all()


@seed(16)
@settings(max_examples=100, deadline=None)
@given(_indicator_tables(), st.randoms(use_true_random=False))
def test_grades_do_not_depend_on_row_order(ind, rnd):
    order = list(range(len(ind)))
    rnd.shuffle(order)
    a = co.mu_grades(ind).set_index("enclave_id").sort_index()
    b = co.mu_grades(ind.iloc[order].reset_index(drop=True)).set_index("enclave_id").sort_index()
    assert a["grade"].tolist() == b["grade"].tolist()
    assert a["rank"].tolist() == b["rank"].tolist()
    np.testing.assert_allclose(a["score"].to_numpy(float), b["score"].to_numpy(float), atol=1e-9)


# ------------------------------------------------------------------------------------------------ settings
def test_shipped_settings():
    s = co.load_mu_settings()
    assert dict(s.weights) == {
        "tax_per_mu": 0.30,
        "va_per_mu": 0.25,
        "va_per_energy": 0.15,
        "rd_intensity": 0.15,
        "labour_productivity": 0.15,
    }
    assert max(s.weights, key=s.weights.get) == "tax_per_mu"  # Zhejiang weights tax per 亩 highest
    assert dict(s.thresholds) == {"A": 80.0, "B": 50.0, "C": 20.0}
    assert s.source == "mu_evaluation.yaml"


_GOOD = {
    "weights": {"tax_per_mu": 0.3, "va_per_mu": 0.25, "va_per_energy": 0.15, "rd_intensity": 0.15,
                "labour_productivity": 0.15},
    "thresholds": {"A": 80, "B": 50, "C": 20},
}  # fmt: skip


def _with(path: str, value) -> dict:
    out = {"weights": dict(_GOOD["weights"]), "thresholds": dict(_GOOD["thresholds"])}
    top, _, key = path.partition(".")
    if key:
        out[top][key] = value
    else:
        out[top] = value
    return out


@pytest.mark.parametrize(
    ("mapping", "param", "text"),
    [
        ({**_GOOD, "colour": "red"}, "colour", "unknown key colour = 'red'"),
        (_with("weights.emissions", 0.1), "weights.emissions", "unknown key weights.emissions = 0.1"),
        (_with("thresholds.E", 5), "thresholds.E", "unknown key thresholds.E = 5"),
        (_with("weights.tax_per_mu", -0.1), "weights.tax_per_mu", "weights.tax_per_mu = -0.1"),
        (_with("weights.tax_per_mu", True), "weights.tax_per_mu", "weights.tax_per_mu = True"),
        (_with("weights.tax_per_mu", "0.3"), "weights.tax_per_mu", "weights.tax_per_mu = '0.3'"),
        (_with("weights.tax_per_mu", 0.2), "weights", "add up to 0.9"),
        (_with("thresholds.B", 80), "thresholds.A", "thresholds.A = 80 must be above thresholds.B = 80"),
        (_with("thresholds.C", 60), "thresholds.B", "thresholds.B = 50 must be above thresholds.C = 60"),
        (_with("thresholds.A", 120), "thresholds.A", "thresholds.A = 120"),
        (_with("weights", [0.3]), "weights", "weights = [0.3]"),
    ],
)
def test_settings_refused_name_the_file_key_and_value(mapping, param, text):
    with pytest.raises(ConfigError) as err:
        co.parse_mu_settings(mapping, "my_place.yaml")
    assert err.value.param == param
    assert "my_place.yaml" in str(err.value)
    assert text in str(err.value)


def test_settings_missing_weight_and_bad_yaml():
    weights = dict(_GOOD["weights"])
    del weights["rd_intensity"]
    with pytest.raises(ConfigError, match="weights.rd_intensity is missing") as err:
        co.parse_mu_settings({**_GOOD, "weights": weights})
    assert err.value.param == "weights.rd_intensity"
    with pytest.raises(ConfigError, match="own.yaml.*not valid YAML"):
        co.load_mu_settings("weights: [", source="own.yaml")
    with pytest.raises(ConfigError, match="expected a mapping"):
        co.load_mu_settings("- 1\n- 2\n", source="own.yaml")
    text = (
        "weights: {tax_per_mu: 0.4, va_per_mu: 0.2, va_per_energy: 0.2, rd_intensity: 0.1, "
        "labour_productivity: 0.1}\nthresholds: {A: 90, B: 60, C: 30}\n"
    )
    s = co.load_mu_settings(text, source="own.yaml")
    assert s.weights["tax_per_mu"] == 0.4 and s.thresholds["C"] == 30.0 and s.source == "own.yaml"


# ------------------------------------------------------------------------------------------------ tax sharing
def _arrangements() -> pd.DataFrame:
    columns = ["agreement_id", "basis", "enclave_id", "sharing_adcode", "base_year", "base_amount",
               "share_pct", "cap", "start_year", "end_year", "duration_years"]  # fmt: skip
    rows = [
        # T1: 40 % of the increment over the 2020 tax (base from the records), capped at 300, 2021 + 3 years
        ("T1", "increment", None, None, "2020", None, 40.0, 300.0, "2021", None, 3),
        # T2: 30 % of all tax, from 2022, open-ended, no cap
        ("T2", "total", None, None, None, None, 30.0, None, "2022", None, None),
        # T3: the sharing place's paid-in share of the operator's capital, cap 550, 2022–2023
        ("T3", "capital", "E1", "330800", None, None, None, 550.0, "2022", "2023", None),
        # T4: 50 % of the increment over a stated base of 2000 (overrides the records), 2022–2023
        ("T4", "increment", None, None, "2020", 2000.0, 50.0, None, "2022", "2023", None),
    ]
    return pd.DataFrame(rows, columns=columns)


def _tax_table() -> pd.DataFrame:
    rows = [
        ("T1", "2020", 1000.0, 0.0),
        ("T1", "2021", 1500.0, 200.0),
        ("T1", "2022", 2000.0, 300.0),
        ("T1", "2023", 1800.0, 250.0),
        ("T1", "2024", 2500.0, 100.0),
        ("T2", "2022", 1000.0, 300.0),
        ("T2", "2024", 2000.0, 700.0),
        ("T3", "2022", 800.0, 600.0),
        ("T3", "2023", 1000.0, 750.0),
        ("T4", "2020", 500.0, 0.0),
        ("T4", "2022", 1800.0, 0.0),
        ("T4", "2023", 2600.0, 301.0),
    ]
    return pd.DataFrame(rows, columns=["agreement_id", "period", "tax", "realised"])


def _holders() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("E1", "2021", "衢州方", "330802", 60.0, 3000.0),
            ("E1", "2021", "杭州方", "330100", 40.0, 1000.0),  # paid-in 3000 / 4000 = 75 %
            ("E1", "2023", "衢州方", "330802", 50.0, 3000.0),
            ("E1", "2023", "杭州方", "330100", 50.0, 3000.0),  # 3000 / 6000 = 50 %
        ],
        columns=["enclave_id", "period", "shareholder_name", "adcode", "share_pct", "paid_in"],
    )


def test_tax_split_hand_computed():
    caps = co.capital_shares(_arrangements(), _holders())
    _rows_equal(caps.values.tolist(), [["T3", "2021", 75.0, "paid_in"], ["T3", "2023", 50.0, "paid_in"]])
    out = co.tax_split(_arrangements(), _tax_table(), caps)
    assert tuple(out.columns) == co.TAX_SPLIT_COLUMNS
    got = out[
        ["agreement_id", "period", "in_term", "base", "share_pct", "agreed_share", "capped", "cap_binding",
         "realised", "gap", "status"]
    ].values.tolist()  # fmt: skip
    _rows_equal(
        got,
        [
            # T1 base = the 2020 tax 1000; term 2021–2023 (start + 3 − 1); the base year before the term shares
            # nothing: nothing agreed, nothing shared → ok (not a breach)
            ["T1", "2020", False, 1000.0, 40.0, 0.0, 0.0, False, 0.0, 0.0, "ok"],
            # .4 × (1500 − 1000) = 200 under the cap of 300: realised 200 → ok
            ["T1", "2021", True, 1000.0, 40.0, 200.0, 200.0, False, 200.0, 0.0, "ok"],
            # .4 × (2000 − 1000) = 400 → capped at 300 (binding); realised 300 → ok
            ["T1", "2022", True, 1000.0, 40.0, 400.0, 300.0, True, 300.0, 0.0, "ok"],
            # .4 × (1800 − 1000) = 320 → capped 300; realised 250: gap −50 beyond 0.5 % × 300 = 1.5 → under
            ["T1", "2023", True, 1000.0, 40.0, 320.0, 300.0, True, 250.0, -50.0, "under"],
            # 2024 after the term: nothing agreed, 100 shared
            ["T1", "2024", False, 1000.0, 40.0, 0.0, 0.0, False, 100.0, 100.0, "outside_term"],
            # T2 30 % of the total: 2022 .3 × 1000 = 300 ok; 2023 in the open term but no records;
            # 2024 .3 × 2000 = 600, realised 700 → over by 100
            ["T2", "2022", True, NaN, 30.0, 300.0, 300.0, False, 300.0, 0.0, "ok"],
            ["T2", "2023", True, NaN, 30.0, NaN, NaN, pd.NA, NaN, NaN, "no_records"],
            ["T2", "2024", True, NaN, 30.0, 600.0, 600.0, False, 700.0, 100.0, "over"],
            # T3 capital: 2022 reads the 2021 shareholders (75 %): .75 × 800 = 600, cap 550 binds → 550,
            # realised 600 → over by 50; 2023 50 %: .5 × 1000 = 500 under the cap; realised 750 → over by 250
            ["T3", "2022", True, NaN, 75.0, 600.0, 550.0, True, 600.0, 50.0, "over"],
            ["T3", "2023", True, NaN, 50.0, 500.0, 500.0, False, 750.0, 250.0, "over"],
            # T4 stated base 2000 (not the 2020 records' 500): 2022 1800 < 2000 → 0 agreed, 0 realised ok;
            # 2023 .5 × (2600 − 2000) = 300, realised 301: gap 1 within 1.5 → ok
            ["T4", "2020", False, 2000.0, 50.0, 0.0, 0.0, False, 0.0, 0.0, "ok"],  # before the term, 0 shared
            ["T4", "2022", True, 2000.0, 50.0, 0.0, 0.0, False, 0.0, 0.0, "ok"],
            ["T4", "2023", True, 2000.0, 50.0, 300.0, 300.0, False, 301.0, 1.0, "ok"],
        ],
    )
    assert out["message"].iloc[3] == (
        "实际分享 250 万元，少于约定 300 万元 50 万元 / 250 万元 shared, 50 万元 less than the 300 万元 agreed"
    )
    assert (out.loc[out["status"] == "ok", "message"] == "").all()


def test_tax_split_outside_the_term_only_tax_shared_is_a_breach():
    """A base year before the term with nothing shared is no breach; tax shared outside the term is; a record
    outside the term whose share is unknown cannot be judged.

    T5: 50 % of all tax, 2021–2022. 2020 (base year, before the term): 0 shared → ok. 2021: .5 × 400 = 200 agreed,
    200 shared → ok. 2023 (after the term): 30 shared → outside_term, gap 30 − 0 = 30. 2024: share unknown → unknown.
    """
    arr = pd.DataFrame(
        [("T5", "total", 50.0, "2021", "2022")],
        columns=["agreement_id", "basis", "share_pct", "start_year", "end_year"],
    )
    tax = pd.DataFrame(
        [("T5", "2020", 300.0, 0.0), ("T5", "2021", 400.0, 200.0), ("T5", "2023", 500.0, 30.0),
         ("T5", "2024", 600.0, None)],
        columns=["agreement_id", "period", "tax", "realised"],
    )  # fmt: skip
    out = co.tax_split(arr, tax)
    _rows_equal(
        out[["period", "in_term", "capped", "realised", "gap", "status"]].values.tolist(),
        [
            ["2020", False, 0.0, 0.0, 0.0, "ok"],
            ["2021", True, 200.0, 200.0, 0.0, "ok"],
            ["2022", True, NaN, NaN, NaN, "no_records"],
            ["2023", False, 0.0, 30.0, 30.0, "outside_term"],
            ["2024", False, 0.0, NaN, NaN, "unknown"],
        ],
    )
    assert out["message"].iloc[0] == ""
    assert out["message"].iloc[3].startswith("协议期（2021–2022）外的分享记录，实际分享 30 万元")


def test_agreement_tax_from_records():
    records = pd.DataFrame(
        [
            ("T1", "2021", 900.0, 40.0),
            ("T1", "2021", 600.0, 40.0),  # 1500 paid, 600 realised
            ("T1", "2022", 2000.0, None),  # share unknown: realised unknown
            (None, "2022", 50.0, None),  # under no agreement: ignored
        ],
        columns=["agreement_id", "period", "tax_paid", "share_pct"],
    )
    _rows_equal(
        co.agreement_tax(records).values.tolist(),
        [["T1", "2021", 1500.0, 600.0, 2], ["T1", "2022", 2000.0, NaN, 1]],
    )


def test_tax_split_refusals():
    arr, tax = _arrangements(), _tax_table()
    with pytest.raises(ConfigError, match="capital_shares") as err:
        co.tax_split(arr, tax)
    assert err.value.param == "capital_shares"
    with pytest.raises(ConfigError, match="basis one of"):
        co.tax_split(arr.assign(basis="bonus"), tax)
    with pytest.raises(ConfigError, match="ends .2019. before it starts .2021."):
        co.tax_split(arr.iloc[[0]].assign(end_year="2019"), tax)
    with pytest.raises(ConfigError, match="more than once"):
        co.tax_split(pd.concat([arr.iloc[[0]], arr.iloc[[0]]]), tax)


@seed(17)
@settings(max_examples=200, deadline=None)
@given(
    basis=st.sampled_from(["increment", "total"]),
    share=st.floats(min_value=0, max_value=100),
    base=st.floats(min_value=0, max_value=1e6),
    cap=st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)),
    taxes=st.lists(st.floats(min_value=0, max_value=1e7), min_size=1, max_size=6),
)
def test_agreed_share_never_exceeds_the_cap_and_grows_with_tax(basis, share, base, cap, taxes):
    arr = pd.DataFrame(
        [
            {
                "agreement_id": "P",
                "basis": basis,
                "base_amount": base,
                "share_pct": share,
                "cap": cap,
                "start_year": "2000",
            }
        ]
    )
    ordered = sorted(taxes)
    table = pd.DataFrame(
        {
            "agreement_id": "P",
            "period": [str(2000 + i) for i in range(len(ordered))],
            "tax": ordered,
            "realised": 0.0,
        }
    )
    out = co.tax_split(arr, table)
    if cap is not None:
        assert (out["capped"] <= cap).all()
    assert (out["capped"] <= out["agreed_share"]).all()
    assert (out["agreed_share"] >= 0).all()
    # taxes rise year on year, so the agreed (and capped) shares never fall
    assert (out["agreed_share"].diff().dropna() >= -1e-9).all()
    assert (out["capped"].diff().dropna() >= -1e-9).all()
    assert (out["agreed_share"] <= share / 100 * out["tax"] + 1e-6).all()


# ------------------------------------------------------------------------------------------------ vouchers
def _vouchers() -> pd.DataFrame:
    rows = [
        # id, issuer, provider, redeemed, redeemed value, face value, mode
        (
            "V1",
            "330106",
            "310104",
            "2023-06-30",
            10.0,
            10.0,
            "user",
        ),  # the day before R1 starts: unrecognised
        ("V2", "330106", "310104", "2023-07-01", 20.0, 25.0, "provider"),  # the day R1 starts: recognised
        ("V3", "310115", "330212", "2023-12-01", None, 8.0, "user"),  # the other way; face value counts
        ("V4", "320506", "340104", "2022-06-01", 5.0, 5.0, "user"),  # counties under R2's cities
        ("V5", "320506", "340104", "2023-02-01", 6.0, 6.0, "user"),  # after R2 ended
        ("V6", "320506", "320102", "2023-03-01", 3.0, 3.0, None),  # within Jiangsu: no border
        ("V7", "330106", "340104", "2023-08-01", 4.0, 4.0, "user"),  # Zhejiang → Anhui: no recognition
        ("V8", "330106", "310104", None, None, 9.0, "user"),  # not redeemed
        ("V9", "330106", "310104", "2022-07-01", 7.0, 7.0, "user"),  # exactly 12 months before R1
        ("V10", "330106", "310104", "2024-07-01", 9.0, 9.0, "user"),  # exactly 12 months after: outside
    ]
    cols = [
        "voucher_id",
        "issuer_adcode",
        "provider_adcode",
        "redeemed",
        "redeemed_value",
        "face_value",
        "redeem_mode",
    ]
    return pd.DataFrame(rows, columns=cols)


def _recognitions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # R1 province level (浙江 330000 ↔ 上海 31), open-ended; R2 Suzhou ↔ Hefei cities, 2022 only
            ("R1", "330000", "31", "2023-07-01", None),
            ("R2", "320500", "3401", "2022-01-01", "2022-12-31"),
        ],
        columns=["agreement_id", "adcode_a", "adcode_b", "start", "end"],
    )


def test_voucher_flows_before_and_after_recognition():
    result = co.voucher_flows(_vouchers(), _recognitions())
    # R1: before [2022-07-01, 2023-07-01): V9 (7) and V1 (10) → 2, 17; after [2023-07-01, 2024-07-01): V2 (20)
    #     and V3 (8, the face value) → 2, 28; V10 on 2024-07-01 falls outside
    # R2: before [2021-01-01, 2022-01-01): none; after: V4 (5) → ratio undefined
    e = result.effect
    assert tuple(e.columns) == co.EFFECT_COLUMNS
    _rows_equal(
        e[
            [
                "agreement_id",
                "before_count",
                "before_value",
                "after_count",
                "after_value",
                "count_ratio",
                "value_ratio",
            ]
        ]
        .astype(object)
        .values.tolist(),
        [["R1", 2, 17.0, 2, 28.0, 1.0, 28 / 17], ["R2", 0, 0.0, 1, 5.0, NaN, NaN]],
    )
    assert e["start"].tolist() == [pd.Timestamp("2023-07-01"), pd.Timestamp("2022-01-01")]


def test_voucher_flows_per_province_pair_and_year():
    f = co.voucher_flows(_vouchers(), _recognitions()).flows
    assert tuple(f.columns) == co.FLOW_COLUMNS
    got = f.astype(object).values.tolist()
    _rows_equal(
        got,
        [
            # issuer, provider, year, cross, recognised, count, value, by user, by provider
            ["310000", "330000", 2023, True, True, 1, 8.0, 1, 0],  # V3
            ["320000", "320000", 2023, False, False, 1, 3.0, 0, 0],  # V6 (mode blank)
            ["320000", "340000", 2022, True, True, 1, 5.0, 1, 0],  # V4
            ["320000", "340000", 2023, True, False, 1, 6.0, 1, 0],  # V5
            ["330000", "310000", 2022, True, False, 1, 7.0, 1, 0],  # V9
            ["330000", "310000", 2023, True, False, 1, 10.0, 1, 0],  # V1
            ["330000", "310000", 2023, True, True, 1, 20.0, 0, 1],  # V2
            ["330000", "310000", 2024, True, True, 1, 9.0, 1, 0],  # V10
            ["330000", "340000", 2023, True, False, 1, 4.0, 1, 0],  # V7
        ],
    )


def test_unrecognised_cross_border_redemptions_are_listed():
    u = co.voucher_flows(_vouchers(), _recognitions()).unrecognised
    assert tuple(u.columns) == co.UNRECOGNISED_COLUMNS
    # V1 (day before R1), V5 (after R2 ended), V7 (no recognition Zhejiang–Anhui), V9 (a year before R1);
    # not V6 (same province) nor V8 (not redeemed)
    assert u["voucher_id"].tolist() == ["V1", "V5", "V7", "V9"]
    assert set(u["rule"]) == {"unrecognised"} and set(u["status"]) == {"breach"}
    assert u["message"].iloc[0] == (
        "创新券跨省兑付（330106 发券，310104 服务），兑付日 2023-06-30 无有效的互认协议 / voucher of 330106 "
        "redeemed with a provider in 310104 on 2023-06-30, across a provincial border with no recognition in "
        "force"
    )


def test_voucher_flows_refuse_bad_dates_codes_and_modes():
    with pytest.raises(ConfigError, match="expected a date"):
        co.voucher_flows(_vouchers().assign(redeemed="tomorrow"), _recognitions())
    with pytest.raises(ConfigError, match="2, 4 or 6 digits"):
        co.voucher_flows(_vouchers(), _recognitions().assign(adcode_b="3301X"))
    with pytest.raises(ConfigError, match="start is missing"):
        co.voucher_flows(_vouchers(), _recognitions().assign(start=None))
    with pytest.raises(ConfigError, match="redeem_mode"):
        co.voucher_flows(_vouchers().assign(redeem_mode="cash"), _recognitions())
