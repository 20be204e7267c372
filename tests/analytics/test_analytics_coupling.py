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
    x = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0],
            "b": [10.0, 10.0, 10.0, 50.0],
            "cost": [4.0, 3.0, 2.0, 1.0],
            "flat": [5.0, 5.0, 5.0, 5.0],
        },
        index=list("pqrs"),
    )
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
WANG_2008_ORIGINAL = [
    0.9989,
    0.9935,
    0.8868,
    0.9073,
    0.6821,
    0.8328,
    0.6816,
    0.7789,
    0.6871,
    0.6101,
    0.8017,
    0.7867,
    0.7191,
]
WANG_2008_MODIFIED = [
    0.9404,
    0.8660,
    0.5440,
    0.5769,
    0.3006,
    0.4780,
    0.3344,
    0.4171,
    0.3278,
    0.2700,
    0.4374,
    0.4196,
    0.3738,
]


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
    assert r["grade"].tolist()[1:] == [
        "极度失调",
        "极度失调",
        "严重失调",
        "濒临失调",
        "濒临失调",
        "勉强协调",
        "优质协调",
        "优质协调",
    ]
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


# ------------------------------------------------------------------------------------------------ golden: mathmodels
# Zhang, J. mathmodels (R package, https://github.com/zhjx19/mathmodels, commit 8bf5e8f), the rendered examples of
# its reference pages docs/reference/entropy_weight.md and docs/reference/system_evaluation.md (printed output).
MM_X = pd.DataFrame({"x1": [3.0, 5.0, 2.0, 7.0], "x2": [10.0, 20.0, 15.0, 25.0]})
MM_W = [0.5452618, 0.4547382]  # entropy_weight(X, c("+", "-"))$w, printed to 7 decimals
MM_S = [56.35354, 47.88215, 30.39461, 54.50808]  # entropy_weight(X, c("+", "-"))$s, printed to 5 decimals
MM_U = pd.DataFrame(
    {
        "s1": [0.0162, 0.1782, 0.5490, 0.6730, 0.0207, 0.9875],
        "s2": [0.2720, 0.6824, 0.0593, 0.4812, 0.8891, 0.5573],
        "s3": [0.2655, 0.3721, 0.5729, 0.9082, 0.2017, 0.8984],
    },
    index=list("ABCDEF"),
)
# coupling_degree(df, id_cols = "ID"): coupling, coord, coupling_coord (3 decimals as printed)
MM_STANDARD = [
    [0.571, 0.185, 0.325],
    [0.867, 0.411, 0.597],
    [0.674, 0.394, 0.515],
    [0.967, 0.687, 0.815],
    [0.418, 0.370, 0.393],
    [0.971, 0.814, 0.889],
]
# coupling_degree(df, c(0.4, 0.3, 0.3), id_cols = "ID", type = "adjusted")
MM_ADJUSTED = [
    [0.447, 0.168, 0.274],
    [0.501, 0.388, 0.440],
    [0.455, 0.409, 0.432],
    [0.669, 0.686, 0.678],
    [0.175, 0.336, 0.242],
    [0.715, 0.832, 0.771],
]


def test_entropy_weights_epsilon_reproduces_mathmodels():
    before = MM_X.copy()
    r = K.entropy_weights(MM_X, {"x2": "-"}, epsilon=0.002)
    pd.testing.assert_frame_equal(MM_X, before)
    assert r.weights.tolist() == pytest.approx(MM_W, abs=5e-8)
    # mathmodels' score s = 100 * sum_j w_j (eps + (1 - 2 eps) x'_ij) = 100 (eps + (1 - 2 eps) U)
    assert (100 * (0.002 + 0.996 * r.index)).tolist() == pytest.approx(MM_S, abs=5e-6)
    # the same with the numeric direction; the 0 ln 0 = 0 convention gives (slightly) different weights
    assert K.entropy_weights(MM_X, {"x2": -1}, epsilon=0.002).weights.tolist() == pytest.approx(
        MM_W, abs=5e-8
    )
    plain = K.entropy_weights(MM_X, {"x2": "cost"})
    assert plain.weights.tolist() != pytest.approx(MM_W, abs=5e-8)
    pd.testing.assert_frame_equal(
        plain.normalized, r.normalized
    )  # epsilon changes p_ij only, not x' in [0, 1]
    # benefit/cost directions: the cost indicator is min–max reversed
    assert r.normalized["x2"].tolist() == pytest.approx([1.0, 1 / 3, 2 / 3, 0.0])


def test_entropy_weights_epsilon_guards():
    with pytest.raises(ConfigError, match=r"epsilon: expected a number in \(0, 0.5\)"):
        K.entropy_weights(MM_X, epsilon=0.5)
    with pytest.raises(ConfigError, match="epsilon, shift: give one"):
        K.entropy_weights(MM_X, shift=1e-4, epsilon=0.002)
    with pytest.raises(ConfigError, match="directions: expected"):
        K.entropy_weights(MM_X, {"x1": "up"})


def test_coupling_three_subsystems_reproduces_mathmodels():
    std = K.coupling(MM_U)
    np.testing.assert_allclose(std[["C", "T", "D"]].to_numpy(), MM_STANDARD, atol=5e-4)
    adj = K.coupling(MM_U, weights=[0.4, 0.3, 0.3], method="wang2021")
    np.testing.assert_allclose(adj[["C", "T", "D"]].to_numpy(), MM_ADJUSTED, atol=5e-4)
    # general form n (prod U)^(1/n) / sum U equals the normative form; for n = 2 it is 2 sqrt(U1 U2) / (U1 + U2)
    u = MM_U.to_numpy()
    assert std["C"].to_numpy() == pytest.approx(3 * np.prod(u, axis=1) ** (1 / 3) / u.sum(axis=1))
    two = K.coupling(MM_U[["s1", "s2"]])
    assert two["C"].to_numpy() == pytest.approx(2 * np.sqrt(u[:, 0] * u[:, 1]) / (u[:, 0] + u[:, 1]))
    # 廖重斌's grades: D = 0.889 -> 良好协调 (0.8, 0.9]; 0.274 -> 中度失调 (0.2, 0.3]
    assert std.loc["F", "grade"] == "良好协调" and adj.loc["A", "grade"] == "中度失调"


def test_coordination_from_raw_indicators():
    x = pd.DataFrame(
        {
            "patents": [10.0, 40.0, 25.0, 5.0],
            "papers": [5.0, 9.0, 7.0, 6.0],
            "revenue": [300.0, 200.0, 500.0, 350.0],
            "pollution": [8.0, 2.0, 5.0, 4.0],
            "talent": [1.0, 3.0, 2.0, 2.0],
        },
        index=["宣城", "合肥", "苏州", "湖州"],
    )
    before = x.copy()
    groups = {"innovation": ["patents", "papers"], "industry": ["revenue", "pollution"], "talent": ["talent"]}
    r = K.coordination(
        x, groups, directions={"pollution": "-"}, weights={"innovation": 0.5, "industry": 0.3, "talent": 0.2}
    )
    pd.testing.assert_frame_equal(x, before)
    # each index is the entropy-weighted index of its own group
    inn = K.entropy_weights(x[["patents", "papers"]]).index
    ind = K.entropy_weights(x[["revenue", "pollution"]], {"pollution": -1}).index
    assert r.indices["innovation"].tolist() == pytest.approx(inn.tolist())
    assert r.indices["industry"].tolist() == pytest.approx(ind.tolist())
    expected = K.coupling(r.indices, weights=[0.5, 0.3, 0.2])
    pd.testing.assert_frame_equal(r.table[expected.columns], expected)
    assert list(r.table.columns[:3]) == ["innovation", "industry", "talent"]
    w = r.indicator_weights.groupby("subsystem")["weight"].sum()
    assert w.tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert r.indicator_weights.set_index("indicator").loc["pollution", "direction"] == -1
    assert r.subsystem_weights.tolist() == pytest.approx([0.5, 0.3, 0.2])
    # epsilon passes through to every group
    eps = K.coordination(x, groups, directions={"pollution": "-"}, epsilon=0.002)
    assert eps.indicator_weights["weight"].tolist() != pytest.approx(r.indicator_weights["weight"].tolist())


def test_coordination_guards():
    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    with pytest.raises(ConfigError, match="groups: expected a mapping of at least 2"):
        K.coordination(x, {"only": ["a", "b"]})
    with pytest.raises(ConfigError, match=r"groups: subsystem 'u2' names columns \['z'\]"):
        K.coordination(x, {"u1": ["a"], "u2": ["z"]})
    with pytest.raises(ConfigError, match="column 'a' is in both"):
        K.coordination(x, {"u1": ["a"], "u2": ["a", "b"]})
    with pytest.raises(ConfigError, match="directions"):
        K.coordination(x, {"u1": ["a"], "u2": ["b"]}, directions={"c": -1})
    with pytest.raises(ConfigError, match="weights: expected one weight per subsystem"):
        K.coordination(x, {"u1": ["a"], "u2": ["b"]}, weights={"u1": 1.0})
