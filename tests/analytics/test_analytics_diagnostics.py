"""The paper's diagnostics (analytics.diagnostics) and supplier concentration (analytics.chains), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chainatlas.analytics import chains as ch
from chainatlas.analytics import diagnostics as dg
from chainatlas.analytics.gravity import haversine_km
from chainatlas.errors import ConfigError


# ------------------------------------------------------------------------------------------------ node tiers
def test_tiers_follow_the_jumps_in_the_composite() -> None:
    # two indicators; scaled: a = (0, .1, .2, .5, .6, 1), b = (0, 0, .1, .5, .5, 1) → scores by hand
    x = pd.DataFrame({"a": [0, 1, 2, 5, 6, 10.0], "b": [0, 0, 1, 5, 5, 10.0]}, index=list("uvwxyz"))
    t = dg.node_tiers(x)
    assert t.loc["x", "score"] == pytest.approx(0.5) and t.loc["v", "score"] == pytest.approx(0.05)
    assert t["tier"].to_dict() == {
        "z": "core",
        "y": "key",
        "x": "key",
        "w": "auxiliary",
        "v": "auxiliary",
        "u": "auxiliary",
    }
    assert list(t["rank"]) == [1, 2, 3, 4, 5, 6] and t["tier_zh"].iloc[0] == "核心节点"


def test_tiers_weights_and_constant_columns() -> None:
    x = pd.DataFrame({"a": [0, 1, 9, 10.0], "c": [3, 3, 3, 3.0]}, index=list("pqrs"))
    t = dg.node_tiers(x, weights={"a": 3, "c": 1})
    assert t.loc["s", "score"] == pytest.approx(0.75)  # 3/4 · 1 + 1/4 · 0 (a constant column scores 0)
    assert t.loc["s", "c_scaled"] == 0.0
    two = dg.node_tiers(x, k=2)
    assert set(two["tier"]) == {"core", "auxiliary"} and list(two.loc[["r", "s"], "tier"]) == ["core", "core"]


def test_tiers_with_ties_in_the_scores() -> None:
    t = dg.node_tiers(pd.DataFrame({"a": [1.0, 1.0, 5.0, 5.0]}, index=list("abcd")))
    assert t["tier"].to_dict() == {"c": "core", "d": "core", "a": "auxiliary", "b": "auxiliary"}  # two values
    with pytest.raises(ConfigError, match="no variation"):
        dg.node_tiers(pd.DataFrame({"a": [0.0, 0.0, 0.0]}))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k": 4}, "k: expected 2 or 3"),
        ({"weights": {"a": -1}}, "weights: expected a non-negative weight"),
    ],
)
def test_tiers_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        dg.node_tiers(pd.DataFrame({"a": [1.0, 2, 3, 4]}), **kwargs)


def test_tiers_too_few_nodes() -> None:
    with pytest.raises(ConfigError, match="need at least k=3 nodes"):
        dg.node_tiers(pd.DataFrame({"a": [1.0, 2.0]}))


# ------------------------------------------------------------------------------------------------ practice modes
def test_practice_modes_by_hand() -> None:
    ties = pd.DataFrame(
        {
            "area": ["bay"] * 4 + ["cor"] * 4,
            "layer": ["industry", "knowledge"] * 4,
            "year": [2023, 2023, 2024, 2024] * 2,
            "n": [10, 2, 20, 2, 1, 3, 1, 9.0],
        }
    )
    region = pd.DataFrame(
        {"layer": ["industry", "knowledge"] * 2, "year": [2023, 2023, 2024, 2024], "n": [50, 20, 40, 30.0]}
    )
    layers, areas = dg.practice_modes(ties, region=region, expected={"bay": "bay_cycle", "cor": "bay_cycle"})
    row = layers.set_index(["area", "layer"])
    # 2024 shares: bay industry 20/40 = .5, knowledge 2/30 = 1/15; mean .28333 → intensities
    assert row.loc[("bay", "industry"), "share_of_region"] == pytest.approx(0.5)
    assert row.loc[("bay", "industry"), "intensity"] == pytest.approx(0.5 / ((0.5 + 1 / 15) / 2))
    assert row.loc[("cor", "knowledge"), "intensity"] == pytest.approx(0.3 / ((1 / 40 + 0.3) / 2))
    # growth: two years, e^(ln 21 − ln 11) − 1
    assert row.loc[("bay", "industry"), "growth"] == pytest.approx(21 / 11 - 1)
    a = areas.set_index("area")
    assert a.loc["bay", "mode"] == "bay_cycle" and a.loc["bay", "agrees"]
    assert a.loc["cor", "mode"] == "corridor" and not a.loc["cor", "agrees"]  # knowledge-led, paper says bay
    assert a.loc["bay", "score_corridor"] == pytest.approx(row.loc[("bay", "knowledge"), "intensity"])
    assert math.isnan(a.loc["bay", "score_open_network"])  # service and value layers absent
    for _, g in layers.groupby("area"):
        assert g["intensity"].mean() == pytest.approx(1.0)  # a location quotient across layers


def test_practice_modes_needs_rows() -> None:
    with pytest.raises(ConfigError, match="ties: no rows"):
        dg.practice_modes(pd.DataFrame(columns=["area", "layer", "year", "n"]))
    with pytest.raises(ConfigError, match="ties"):
        dg.practice_modes(pd.DataFrame({"area": ["a"], "layer": ["x"], "year": [2024]}))


# ------------------------------------------------------------------------------------------------ pairing
def test_pairing_by_hand() -> None:
    p = pd.DataFrame(
        {
            "unit": ["sh", "sz", "nt", "hz"],
            "innovation": [8.0, 0.0, 0.0, 2.0],
            "industry": [1.0, 4.0, 3.0, 2.0],
            "population": [25.0, 13.0, 8.0, 12.0],
            "lon": [121.47, 120.58, 120.89, 120.15],
            "lat": [31.23, 31.30, 31.98, 30.27],
        }
    )
    obs = pd.DataFrame({"src": ["sz", "sh", "hz"], "dst": ["sh", "hz", "nt"], "n": [4.0, 2.0, 1.0]})
    r = dg.pairing(p, obs).set_index(["src", "dst"])
    # shares a = (.8, 0, 0, .2), b = (.1, .4, .3, .2): innovation place sh; industry places sz, nt (hz: a = b)
    assert set(r.index) == {("sh", "sz"), ("sh", "nt")}
    assert r.loc[("sh", "sz"), "observed"] == 4.0 and r.loc[("sh", "nt"), "observed"] == 0.0
    # expected: R_ij + R_ji over all 6 unordered pairs scaled to the observed total 7
    a = {"sh": 0.8, "sz": 0.0, "nt": 0.0, "hz": 0.2}
    b = {"sh": 0.1, "sz": 0.4, "nt": 0.3, "hz": 0.2}
    g = {u: a[u] + b[u] for u in a}
    pop = dict(zip(p["unit"], p["population"]))
    xy = {u: (lo, la) for u, lo, la in zip(p["unit"], p["lon"], p["lat"])}

    def r2(i: str, j: str) -> float:
        d = float(haversine_km(*xy[i], *xy[j]))
        m = math.sqrt(pop[i] * g[i]) * math.sqrt(pop[j] * g[j]) / d**2
        return (g[i] / (g[i] + g[j]) + g[j] / (g[i] + g[j])) * m  # R_ij + R_ji

    units = list(a)
    total = sum(r2(i, j) for k, i in enumerate(units) for j in units[k + 1 :])
    want = r2("sh", "nt") * 7 / total
    assert r.loc[("sh", "nt"), "expected"] == pytest.approx(want, rel=1e-12)
    assert r.loc[("sh", "nt"), "gap"] == pytest.approx(want)
    assert r.loc[("sh", "sz"), "src_innovation_share"] == pytest.approx(0.8)
    assert r.loc[("sh", "sz"), "dst_industry_share"] == pytest.approx(0.4)
    assert list(dg.pairing(p, obs, top=1)["dst"]) == [r["gap"].idxmax()[1]]


def test_pairing_needs_two_places_and_observed_ties() -> None:
    p = pd.DataFrame(
        {
            "unit": ["a", "b", "c"],
            "innovation": [3.0, 0.0, 0.0],
            "industry": [2.0, 0.0, 0.0],
            "population": [1.0, 1.0, 1.0],
            "lon": [120.0, 121.0, 122.0],
            "lat": [30.0, 31.0, 32.0],
        }
    )
    with pytest.raises(ConfigError, match=r"only \['a'\] holds"):
        dg.pairing(p, pd.DataFrame({"src": ["a"], "dst": ["b"], "n": [1.0]}))
    p2 = p.assign(industry=[0.0, 2.0, 1.0])
    with pytest.raises(ConfigError, match="observed: no ties"):
        dg.pairing(p2, pd.DataFrame({"src": ["a"], "dst": ["a"], "n": [4.0]}))


def test_pairing_needs_both_sides() -> None:
    p = pd.DataFrame(
        {
            "unit": ["a", "b"],
            "innovation": [0.0, 0.0],
            "industry": [1.0, 2.0],
            "population": [1.0, 1.0],
            "lon": [120.0, 121.0],
            "lat": [30.0, 31.0],
        }
    )
    with pytest.raises(ConfigError, match="no innovation or no industry"):
        dg.pairing(p, pd.DataFrame(columns=["src", "dst", "n"]))


# ------------------------------------------------------------------------------------------------ suppliers
def test_supplier_concentration_by_hand() -> None:
    t = pd.DataFrame(
        {
            "segment": ["fab"] * 4 + ["pkg"],
            "supplier": ["a", "a", "b", "c", "d"],
            "place": ["sh", "sh", None, "wx", "nt"],
            "value": [2.0, 2.0, 4.0, 2.0, 0.0],
        }
    )
    r = ch.supplier_concentration(t, top=2)
    assert list(r.index) == ["fab"]  # pkg has no value
    fab = r.loc["fab"]
    assert fab["suppliers"] == 3 and fab["value"] == 10.0
    assert fab["hhi_suppliers"] == pytest.approx(0.4**2 + 0.4**2 + 0.2**2)
    assert fab["cr1"] == pytest.approx(0.4) and fab["cr2"] == pytest.approx(0.8)
    assert fab["places"] == 3 and fab["hhi_places"] == pytest.approx(0.36)  # sh .4, unknown .4, wx .2
    assert fab["equivalent_suppliers"] == pytest.approx(1 / 0.36)
    with pytest.raises(ConfigError, match="links\\['value'\\]"):
        ch.supplier_concentration(t.assign(value=-1.0))


def test_area_modes_cover_the_shipped_areas() -> None:
    from chainatlas import geo

    assert set(dg.AREA_MODES) == set(geo.default_areas()["area_id"])
    assert set(dg.AREA_MODES.values()) == set(dg.PRACTICE_MODES)  # one shipped area per mode of Table 1


def test_functions_by_hand() -> None:
    # shares a = (.6, .3, .1, 0), b = (.2, .3, .5, 0): o = .75, .5, 1/6, undefined
    f = dg.functions(
        pd.Series({"p": 6.0, "q": 3.0, "r": 1.0, "s": 0.0}),
        pd.Series({"p": 2.0, "q": 3.0, "r": 5.0, "s": 0.0}),
    )
    assert f["orientation"].iloc[:3].tolist() == pytest.approx([0.75, 0.5, 1 / 6])
    assert f["function"].tolist() == ["source", "conversion", "production", None]
    assert f.loc["r", "function_zh"] == "产业化"
    with pytest.raises(ConfigError, match="bands"):
        dg.functions(pd.Series([1.0]), pd.Series([1.0]), bands=(0.7, 0.3))


def test_hub_shares_by_hand() -> None:
    # hub a: 2020 ties a–b 2 (hub), a–x 2 → 0.5; 2021 a–b 1, x–a 3 (stored either way) → 0.25; 2022 none
    t = pd.DataFrame(
        {
            "year": [2020, 2020, 2021, 2021, 2021],
            "src": ["a", "x", "b", "x", "a"],
            "dst": ["b", "a", "a", "a", "a"],
            "n": [2.0, 2.0, 1.0, 3.0, 9.0],
        }
    )
    s, slope = dg.hub_shares(t, ["a", "b"], years=[2020, 2021, 2022])
    a = s[s["hub"] == "a"].set_index("year")
    assert a.loc[2020, "share"] == 0.5 and a.loc[2021, "share"] == 0.25  # the a–a loop is ignored
    assert a.loc[2021, "ties_total"] == 4.0 and math.isnan(a.loc[2022, "share"])
    assert slope["a"] == pytest.approx(-0.25) and slope["b"] == pytest.approx(0.0)  # b: 1.0 in both years
