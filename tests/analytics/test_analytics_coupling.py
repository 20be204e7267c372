"""Tests of chainatlas.analytics.coupling (entropy weights, coupling coordination)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import coupling as K
from chainatlas.errors import ConfigError


# ------------------------------------------------------------------------------------------------ entropy
def test_entropy_weights_by_hand():
    x = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [10.0, 10.0, 10.0, 50.0], "cost": [4.0, 3.0, 2.0, 1.0],
                      "flat": [5.0, 5.0, 5.0, 5.0]}, index=list("pqrs"))
    before = x.copy()
    r = K.entropy_weights(x, {"cost": -1})
    pd.testing.assert_frame_equal(x, before)
    # hand computation of the published formulas
    m = 4

    def entropy(col):
        z = (col - col.min()) / (col.max() - col.min())
        p = z / z.sum()
        return -sum(v * math.log(v) for v in p if v > 0) / math.log(m)

    e = {"a": entropy(x["a"]), "b": entropy(x["b"]), "cost": entropy(-x["cost"]), "flat": 1.0}
    d = {k: 1 - v for k, v in e.items()}
    w = {k: v / sum(d.values()) for k, v in d.items()}
    assert r.entropy.to_dict() == pytest.approx(e)
    assert r.weights.to_dict() == pytest.approx(w)
    assert r.weights["flat"] == 0 and r.weights.sum() == pytest.approx(1.0)
    # a cost indicator is reversed: the unit with the lowest cost scores 1 on it
    assert r.normalized["cost"].tolist() == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert r.index.between(0, 1).all() and r.index.idxmax() == "s"
    # b: one unit differs -> concentrated information -> larger weight than the evenly spread a
    assert r.weights["b"] > r.weights["a"]


def test_entropy_weights_shift_and_guards():
    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    shifted = K.entropy_weights(x, shift=0.0001)
    assert np.isfinite(shifted.weights).all() and shifted.weights.sum() == pytest.approx(1)
    assert shifted.index.max() <= 1.0  # the index uses unshifted values, so it can feed coupling()
    assert K.coupling(pd.DataFrame({"a": shifted.index, "b": shifted.index}))["C"].notna().all()
    with pytest.raises(ConfigError, match=r"directions: \['z'\]"):
        K.entropy_weights(x, {"z": 1})
    with pytest.raises(ConfigError, match=r"\+1 \(benefit\) or -1"):
        K.entropy_weights(x, {"a": 2})
    with pytest.raises(ConfigError, match="undefined"):
        K.entropy_weights(pd.DataFrame({"a": [1.0, 1.0]}))


# ------------------------------------------------------------------------------------------------ coupling
def test_standard_coupling_two_and_three_subsystems():
    u = pd.DataFrame({"u1": [0.8, 0.2, 0.5, 0.0], "u2": [0.6, 0.9, 0.5, 0.0]})
    r = K.coupling(u)
    # C = 2 sqrt(U1 U2) / (U1 + U2), T = mean, D = sqrt(C T)
    assert r.loc[0, "C"] == pytest.approx(2 * math.sqrt(0.48) / 1.4)
    assert r.loc[2, "C"] == pytest.approx(1.0) and r.loc[2, "T"] == pytest.approx(0.5)
    assert r.loc[0, "D"] == pytest.approx(math.sqrt(r.loc[0, "C"] * 0.7))
    assert math.isnan(r.loc[3, "C"]) and pd.isna(r.loc[3, "grade"]) and pd.isna(r.loc[3, "level"])
    three = K.coupling(pd.DataFrame({"a": [0.2], "b": [0.4], "c": [0.8]}), weights=[0.5, 0.3, 0.2])
    assert three.loc[0, "C"] == pytest.approx(3 * (0.2 * 0.4 * 0.8 / 1.4**3) ** (1 / 3))
    assert three.loc[0, "T"] == pytest.approx(0.5 * 0.2 + 0.3 * 0.4 + 0.2 * 0.8)


def test_wang2021_corrected_coupling():
    u = pd.DataFrame({"u1": [0.8, 0.2, 0.5, 0.01], "u2": [0.6, 0.9, 0.5, 0.01]})
    r = K.coupling(u, method="wang2021")
    # two subsystems: C = sqrt((1 - |U1 - U2|) * Umin / Umax)
    assert r.loc[0, "C"] == pytest.approx(math.sqrt(0.8 * 0.6 / 0.8))
    assert r.loc[1, "C"] == pytest.approx(math.sqrt(0.3 * 0.2 / 0.9))
    assert r.loc[2, "C"] == pytest.approx(1.0) and r.loc[3, "C"] == pytest.approx(1.0)
    # three subsystems: [1 - sum|Ui - Uj| / (1 + 2)] * (prod Ui / max)^(1/2)
    three = K.coupling(pd.DataFrame({"a": [0.2], "b": [0.4], "c": [0.8]}), method="wang2021")
    spread = 1 - (0.2 + 0.6 + 0.4) / 3
    assert three.loc[0, "C"] == pytest.approx(math.sqrt(spread * (0.2 / 0.8 * 0.4 / 0.8 * 1.0) ** 0.5))
    # the correction spreads C: the standard C is >= the corrected one
    assert (K.coupling(u)["C"] >= r["C"] - 1e-12).all()


# Wang Shujia et al. (2021), 自然资源学报 36(3), Table 8, year 2008, 13 cities of Beijing–Tianjin–Hebei:
# C by the original model (first line) and by the modified model (second line), 4 decimals as printed.
WANG_2008_ORIGINAL = [0.9989, 0.9935, 0.8868, 0.9073, 0.6821, 0.8328, 0.6816, 0.7789, 0.6871, 0.6101, 0.8017,
                      0.7867, 0.7191]
WANG_2008_MODIFIED = [0.9404, 0.8660, 0.5440, 0.5769, 0.3006, 0.4780, 0.3344, 0.4171, 0.3278, 0.2700, 0.4374,
                      0.4196, 0.3738]


def test_wang2021_formula_consistent_with_published_table():
    """The paper prints C, not the indices U1, U2. For two subsystems the standard C fixes r = Umin/Umax and the
    corrected C then fixes |U1 - U2|, so each printed pair determines (Umin, Umax). A wrong corrected formula would
    generally give indices outside [0, 1] or inconsistent with the pair; with ours all 13 cities give indices in
    [0, 1], and recomputing both C values from them reproduces the table."""
    for c_orig, c_mod in zip(WANG_2008_ORIGINAL, WANG_2008_MODIFIED, strict=True):
        s = (1 - math.sqrt(1 - c_orig**2)) / c_orig  # 2s / (1 + s^2) = C_orig, s = sqrt(r) <= 1
        r = s * s
        d = 1 - c_mod**2 / r
        umax = d / (1 - r)
        umin = r * umax
        assert 0 < umin <= umax <= 1
        out = K.coupling(pd.DataFrame({"eco": [umin], "econ": [umax]}))
        mod = K.coupling(pd.DataFrame({"eco": [umin], "econ": [umax]}), method="wang2021")
        assert out.loc[0, "C"] == pytest.approx(c_orig, abs=5e-5)
        assert mod.loc[0, "C"] == pytest.approx(c_mod, abs=5e-5)


def test_grades_and_stages():
    d_targets = [0.0, 0.05, 0.1, 0.15, 0.45, 0.5, 0.55, 0.95, 1.0]
    # two equal indices u give C = 1 (both methods) and D = sqrt(u)
    u = pd.DataFrame({"a": [t**2 for t in d_targets], "b": [t**2 for t in d_targets]})
    r = K.coupling(u)
    assert r["D"].tolist()[1:] == pytest.approx(d_targets[1:])
    assert r["grade"].tolist()[1:] == ["极度失调", "极度失调", "严重失调", "濒临失调", "濒临失调", "勉强协调",
                                       "优质协调", "优质协调"]
    assert r["level"].tolist()[1:] == [1, 1, 2, 5, 5, 6, 10, 10]
    assert set(r["stage"].dropna()) == {"高水平耦合"}
    c = K.coupling(pd.DataFrame({"a": [0.1, 0.1, 0.1], "b": [0.9, 0.3, 0.1]}), method="wang2021")
    assert c["stage_en"].tolist()[-1] == "high-level coupling" and c["stage"].iloc[0] == "低水平耦合"


def test_coupling_guards_and_series_input():
    a = pd.Series([0.2, 0.4], index=["x", "y"], name="innovation")
    b = pd.Series([0.3, 0.5], index=["x", "y"], name="industry")
    r = K.coupling([a, b])
    assert list(r.index) == ["x", "y"]
    with pytest.raises(ConfigError, match="same units"):
        K.coupling([a, b.rename({"y": "z"})])
    with pytest.raises(ConfigError, match="above 1"):
        K.coupling(pd.DataFrame({"a": [2.0], "b": [0.5]}))
    with pytest.raises(ConfigError, match="at least 2 subsystems"):
        K.coupling(pd.DataFrame({"a": [0.2]}))
    with pytest.raises(ConfigError, match="summing to 1"):
        K.coupling(pd.DataFrame({"a": [0.2], "b": [0.3]}), weights=[0.5, 0.6])
    with pytest.raises(ConfigError, match="method"):
        K.coupling(pd.DataFrame({"a": [0.2], "b": [0.3]}), method="liao")
