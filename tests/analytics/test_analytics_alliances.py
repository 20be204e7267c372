"""Alliances: member overlap, the fragmentation index (hand-computed) and alliance clusters."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chainatlas.analytics import alliances as A
from chainatlas.errors import ConfigError


def _three():
    """Three IC alliances and two NEV ones.

    ic: R (region level): m1 Shanghai 310115, m2 Suzhou 320505, m3 Hangzhou 330106, m4 Hefei 340104
        P (Jiangsu province): m2 Suzhou, m5 Nanjing 320102, m6 Wuxi 320211
        C (Hefei city): m4 Hefei, m7 Hefei 340111
    nev: N1 (G60 corridor): n1 Songjiang 310117, n2 Jiaxing 330402; N2 (Changzhou city): n3 320411, m2 Suzhou
    """
    alliances = pd.DataFrame(
        {
            "alliance_id": ["R", "P", "C", "N1", "N2"],
            "alliance_name": ["长三角集成电路产业链联盟", "江苏省集成电路产业联盟", "合肥集成电路产业联盟",
                              "G60新能源汽车产业联盟", "常州新能源汽车产业联盟"],
            "level": ["region", "province", "city", "corridor", "city"],
            "chain": ["ic", "ic", "ic", "nev", "nev"],
        }
    )  # fmt: skip
    members = pd.DataFrame(
        [
            ("R", "m1", "310115"),
            ("R", "m2", "320505"),
            ("R", "m3", "330106"),
            ("R", "m4", "340104"),
            ("P", "m2", "320505"),
            ("P", "m5", "320102"),
            ("P", "m6", "320211"),
            ("C", "m4", "340104"),
            ("C", "m7", "340111"),
            ("N1", "n1", "310117"),
            ("N1", "n2", "330402"),
            ("N2", "n3", "320411"),
            ("N2", "m2", "320505"),
        ],
        columns=["alliance_id", "member_name", "member_adcode"],
    )
    return alliances, members


def test_overlap_jaccard_by_hand():
    a, m = _three()
    o = A.alliance_overlap(m, a)
    got = o[["chain", "alliance_a", "alliance_b", "shared", "union", "jaccard"]].values.tolist()
    assert got == [
        ["ic", "C", "P", 0, 5, 0.0],  # {m4, m7} vs {m2, m5, m6}
        ["ic", "C", "R", 1, 5, 0.2],  # m4 shared; union {m1..m4, m7}
        ["ic", "P", "R", 1, 6, 1 / 6],  # m2 shared; union {m1..m6}
        ["nev", "N1", "N2", 0, 4, 0.0],  # m2 is in nev's N2 and ic's alliances: pairs stay within a chain
    ]


def test_fragmentation_index_by_hand():
    a, m = _three()
    f = A.fragmentation(m, a).chains.set_index("chain")
    ic = f.loc["ic"]
    # N = 3; distinct members m1..m7 = 7, shared m2 (R, P) and m4 (R, C) → S = 2/7
    # provinces: R {31, 32, 33, 34} = 4, P {32} = 1, C {34} = 1 → P̄ = 2
    # F = (1 − 1/3) · (1 − 2/7) · 1/2 = 2/3 · 5/7 · 1/2 = 5/21
    assert (ic["alliances"], ic["members"], ic["shared_members"]) == (3, 7, 2)
    assert ic["shared_share"] == pytest.approx(2 / 7)
    assert ic["mean_provinces"] == pytest.approx(2.0)
    # cities: R {310000 (Shanghai is one city), 3205, 3301, 3401} = 4, P {3205, 3201, 3202} = 3, C {3401} = 1
    assert ic["mean_cities"] == pytest.approx(8 / 3)
    assert (ic["count_part"], ic["sharing_part"], ic["reach_part"]) == pytest.approx((2 / 3, 5 / 7, 1 / 2))
    assert ic["index"] == pytest.approx(5 / 21)
    assert ic["levels"] == ("region", "province", "city")
    nev = f.loc["nev"]
    # N = 2, 4 members none shared within nev (m2 is shared with ic, not within nev) → S = 0
    # provinces: N1 {31, 33} = 2, N2 {32} = 1 → P̄ = 1.5; F = 1/2 · 1 · 2/3 = 1/3
    assert nev["index"] == pytest.approx(1 / 3)
    members = A.fragmentation(m, a).members
    assert members.loc[(members["chain"] == "ic") & (members["member"] == "m2"), "alliances"].item() == 2


def test_fragmentation_limits():
    # one alliance: nothing to fragment → 0
    one = pd.DataFrame({"alliance_id": "A", "member_name": ["x", "y"], "member_adcode": ["320500", "310000"],
                        "chain": "ai"})  # fmt: skip
    assert A.fragmentation(one).chains["index"].item() == 0.0
    # every member in both alliances → sharing part 0 → 0
    both = pd.DataFrame({"alliance_id": ["A", "A", "B", "B"], "member_name": ["x", "y", "x", "y"],
                         "member_adcode": "320500", "chain": "ai"})  # fmt: skip
    assert A.fragmentation(both).chains["index"].item() == 0.0
    # no member with a known place → P̄ and F unknown, not 0
    unknown = both.assign(member_adcode=None)
    row = A.fragmentation(unknown).chains.iloc[0]
    assert math.isnan(row["mean_provinces"]) and math.isnan(row["index"])
    # four alliances, own members, each in one province → F = (1 − 1/4) · 1 · 1 = 3/4
    apart = pd.DataFrame({"alliance_id": list("ABCD"), "member_name": list("wxyz"),
                          "member_adcode": ["310101", "320500", "330100", "340100"], "chain": "bio"})  # fmt: skip
    assert A.fragmentation(apart).chains["index"].item() == pytest.approx(0.75)


def test_components_and_min_shared():
    a, m = _three()
    c = A.alliance_clusters(m, a)
    # ic: R–P (m2) and R–C (m4) → one cluster of 3; nev: N1 and N2 apart
    assert c.assignment[["alliance_id", "cluster"]].values.tolist() == [
        ["C", "ic-1"],
        ["N1", "nev-1"],
        ["N2", "nev-2"],
        ["P", "ic-1"],
        ["R", "ic-1"],
    ]
    ic1 = c.clusters.set_index("cluster").loc["ic-1"]
    assert (ic1["alliances"], ic1["members"], ic1["shared_members"]) == (3, 7, 2)
    assert ic1["provinces"] == ("310000", "320000", "330000", "340000")
    assert ic1["levels"] == ("region", "province", "city")
    assert c.edges[["alliance_a", "alliance_b", "shared"]].values.tolist() == [["C", "R", 1], ["P", "R", 1]]
    # two shared members needed: no edge, every alliance alone
    c2 = A.alliance_clusters(m, a, min_shared=2)
    assert c2.edges.empty and c2.assignment["cluster"].nunique() == 5
    # across chains, m2 links ic's R and P with nev's N2: one cluster of 4 and N1 alone
    c3 = A.alliance_clusters(m, a, within_chain=False)
    assert c3.assignment.set_index("alliance_id")["cluster"].to_dict() == {
        "C": "all-1", "N1": "all-2", "N2": "all-1", "P": "all-1", "R": "all-1",
    }  # fmt: skip
    assert c3.clusters.loc[0, "chain"] == "ic|nev"


def test_communities_split_a_bridged_component():
    # two groups of three alliances, each pair inside a group sharing 2 members; one member bridges C and D
    rows = []
    for grp, (x, y, z) in (("g", "ABC"), ("h", "DEF")):
        for i, (p, q) in enumerate(((x, y), (y, z), (x, z))):
            rows += [(p, f"{grp}{i}a"), (q, f"{grp}{i}a"), (p, f"{grp}{i}b"), (q, f"{grp}{i}b")]
    rows += [("C", "bridge"), ("D", "bridge")]
    m = pd.DataFrame(rows, columns=["alliance_id", "member_name"]).assign(member_adcode="320500", chain="ai")
    comp = A.alliance_clusters(m)
    assert comp.assignment["cluster"].nunique() == 1  # connected through the bridge
    comm = A.alliance_clusters(m, method="communities")
    # modularity: the cut at the bridge (weight 1 of 13) beats one community
    assert comm.assignment.set_index("alliance_id")["cluster"].to_dict() == {
        "A": "ai-1", "B": "ai-1", "C": "ai-1", "D": "ai-2", "E": "ai-2", "F": "ai-2",
    }  # fmt: skip


def test_checks_and_no_mutation():
    a, m = _three()
    a0, m0 = a.copy(), m.copy()
    A.fragmentation(m, a)
    A.alliance_clusters(m, a, method="communities")
    pd.testing.assert_frame_equal(a, a0)
    pd.testing.assert_frame_equal(m, m0)
    with pytest.raises(ConfigError, match="unknown level"):
        A.fragmentation(m, a.assign(level="county"))
    with pytest.raises(ConfigError, match="not in alliances"):
        A.fragmentation(m, a[a["alliance_id"] != "C"])
    with pytest.raises(ConfigError, match="unique"):
        A.fragmentation(m, pd.concat([a, a.head(1)]))
    with pytest.raises(ConfigError, match="min_shared"):
        A.alliance_clusters(m, a, min_shared=0)
    with pytest.raises(ConfigError, match="method"):
        A.alliance_clusters(m, a, method="louvain")
    with pytest.raises(ConfigError, match="missing column"):
        A.fragmentation(m)  # no chain column and no alliances table
