"""Tests of chainatlas.analytics.gravity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import gravity as G
from chainatlas.errors import ConfigError


# ------------------------------------------------------------------------------------------------ haversine
def test_haversine_rosetta_code_golden():
    # Rosetta Code, task "Haversine formula": Nashville BNA (36.12, -86.67) to Los Angeles LAX (33.94, -118.40);
    # published: R = 6371.0 km -> 2886.44444283798329974715782394574671655 km,
    #            R = 6372.8 km -> 2887.25995060711033944886005029688505340 km
    assert G.haversine_km(-86.67, 36.12, -118.40, 33.94, radius=6371.0) == pytest.approx(
        2886.444442837983, abs=1e-9
    )
    assert G.haversine_km(-86.67, 36.12, -118.40, 33.94, radius=6372.8) == pytest.approx(
        2887.259950607110, abs=1e-9
    )


def test_haversine_properties():
    lon = np.array([121.47, 120.16, 118.80, 117.23])
    lat = np.array([31.23, 30.27, 32.06, 31.82])
    d = G.haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    assert d.shape == (4, 4) and np.allclose(d, d.T) and np.allclose(np.diag(d), 0)
    # a quarter of a great circle along the equator and along a meridian
    quarter = np.pi * G.EARTH_RADIUS_KM / 2
    assert G.haversine_km(0, 0, 90, 0) == pytest.approx(quarter)
    assert G.haversine_km(10, 0, 10, 90) == pytest.approx(quarter)
    # antipodes (clipping keeps arcsin defined)
    assert G.haversine_km(0, 0, 180, 0) == pytest.approx(2 * quarter)
    with pytest.raises(ConfigError, match="radius"):
        G.haversine_km(0, 0, 1, 1, radius=0)
    with pytest.raises(ConfigError, match="lat1"):
        G.haversine_km(0, np.nan, 1, 1)


def test_distance_matrix():
    p = pd.DataFrame(
        {
            "adcode": ["310000", "330100", "320100"],
            "lon": [121.47, 120.16, 118.80],
            "lat": [31.23, 30.27, 32.06],
        }
    )
    before = p.copy()
    d = G.distance_matrix(p)
    pd.testing.assert_frame_equal(p, before)
    assert list(d.index) == ["310000", "330100", "320100"] and d.index.name == "place"
    assert d.loc["310000", "330100"] == pytest.approx(G.haversine_km(121.47, 31.23, 120.16, 30.27))
    with pytest.raises(ConfigError, match="appears more than once"):
        G.distance_matrix(pd.concat([p, p.iloc[:1]]))


# ------------------------------------------------------------------------------------------------ gravity
def places_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adcode": ["a", "b", "c"],
            "population": [4.0, 1.0, 9.0],
            "gdp": [9.0, 1.0, 4.0],
            "lon": [120.0, 120.5, 121.0],
            "lat": [31.0, 31.2, 30.0],
        }
    )


def test_gravity_hand_computed():
    p = places_frame()
    d = pd.DataFrame([[0, 2, 4], [2, 0, 1], [4, 1, 0]], index=list("abc"), columns=list("abc"), dtype=float)
    r = G.gravity(p, distance=d).set_index(["src", "dst"])
    # masses sqrt(P G): a 6, b 1, c 6; k_ab = 9/10
    assert r.loc[("a", "b"), "k"] == pytest.approx(0.9)
    assert r.loc[("a", "b"), "gravity"] == pytest.approx(0.9 * 6 * 1 / 2**2)
    assert r.loc[("c", "a"), "gravity"] == pytest.approx(4 / 13 * 6 * 6 / 4**2)
    assert r.loc[("b", "c"), "gravity"] == pytest.approx(1 / 5 * 1 * 6 / 1**2)
    # k_ij + k_ji = 1, so R_ij + R_ji is the symmetric gravity sqrt(PiGi PjGj) / D^2
    for i, j in [("a", "b"), ("a", "c"), ("b", "c")]:
        assert r.loc[(i, j), "k"] + r.loc[(j, i), "k"] == pytest.approx(1.0)
        sym = r.loc[(i, j), "mass_src"] * r.loc[(i, j), "mass_dst"] / d.loc[i, j] ** 2
        assert r.loc[(i, j), "gravity"] + r.loc[(j, i), "gravity"] == pytest.approx(sym)
    # shares of each source sum to 1; sorted by gravity
    assert r.groupby(level="src")["share_src"].sum().to_numpy() == pytest.approx([1, 1, 1])
    assert r["gravity"].is_monotonic_decreasing
    # exponent 1 and the default great-circle distances
    r1 = G.gravity(p, distance=d, exponent=1).set_index(["src", "dst"])
    assert r1.loc[("a", "b"), "gravity"] == pytest.approx(0.9 * 6 / 2)
    rk = G.gravity(p).set_index(["src", "dst"])
    dk = G.distance_matrix(p)
    assert rk.loc[("a", "c"), "distance"] == pytest.approx(dk.loc["a", "c"])


def test_gravity_guards():
    p = places_frame()
    with pytest.raises(ConfigError, match=r"missing column\(s\) \['gdp'\]"):
        G.gravity(p.drop(columns="gdp"))
    same = p.copy()
    same.loc[1, ["lon", "lat"]] = same.loc[0, ["lon", "lat"]].to_numpy()
    with pytest.raises(ConfigError, match="'a' → 'b'"):
        G.gravity(same)
    neg = p.copy()
    neg.loc[0, "population"] = -1
    with pytest.raises(ConfigError, match="non-negative"):
        G.gravity(neg)
    d = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ConfigError, match=r"places \['c'\] are missing"):
        G.gravity(p, distance=d)


# ------------------------------------------------------------------------------------------------ gap
def test_linkage_gap_scaling_and_ranking():
    p = places_frame()
    exp = G.gravity(p)
    obs = pd.DataFrame(
        {"src": ["a", "c", "b", "a"], "dst": ["c", "a", "c", "a"], "weight": [5.0, 1.0, 2.0, 99.0]}
    )
    before = obs.copy()
    gap = G.linkage_gap(obs, exp)
    pd.testing.assert_frame_equal(obs, before)
    assert len(gap) == 3  # unordered pairs
    assert gap["expected"].sum() == pytest.approx(8.0) and gap["observed"].sum() == pytest.approx(8.0)
    assert gap["gap"].is_monotonic_decreasing and gap["rank"].tolist() == [1, 2, 3]
    row = gap.set_index(["src", "dst"]).loc[("a", "c")]
    sym = exp.set_index(["src", "dst"])["gravity"]
    total = sym.sum()
    assert row["expected"] == pytest.approx((sym[("a", "c")] + sym[("c", "a")]) * 8 / total)
    assert row["observed"] == 6.0
    directed = G.linkage_gap(obs, exp, directed=True)
    assert len(directed) == 6 and directed["expected"].sum() == pytest.approx(8.0)
    top = G.linkage_gap(obs, exp, top=1)
    assert len(top) == 1 and top.loc[0, "gap"] > 0
    assert (np.isfinite(gap["log_ratio"])).all()


def test_linkage_gap_guards():
    exp = G.gravity(places_frame())
    with pytest.raises(ConfigError, match=r"places \['z'\] are not in expected"):
        G.linkage_gap(pd.DataFrame({"src": ["a"], "dst": ["z"], "weight": [1.0]}), exp)
    with pytest.raises(ConfigError, match="top"):
        G.linkage_gap(pd.DataFrame({"src": ["a"], "dst": ["b"], "weight": [1.0]}), exp, top=0)
