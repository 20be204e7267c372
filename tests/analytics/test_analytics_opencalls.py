"""Open calls (揭榜挂帅): progress and status, success rates, winning teams and outcome edges, by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from chainatlas.analytics import opencalls as O
from chainatlas.errors import ConfigError


def _calls():
    return pd.DataFrame(
        {
            "call_id": ["C1", "C2", "C3", "C4", "C5"],
            "adcode": ["340100", "340104", "320500", "310115", "320583"],
            "chain": ["ic", "ic", "ic", "ai", "ic"],
            "segment": ["equipment", "equipment", "design", "algorithms", "design"],
            "budget": [2000.0, 1000.0, 500.0, 800.0, 300.0],
            "date": ["2022-03-01"] * 5,
        }
    )


def _tasks():
    return pd.DataFrame(
        {
            "call_id": ["C1", "C1", "C2", "C2", "C3", "C4"],
            "task_id": [1, 2, 1, 2, 1, 1],
            "milestone": ["样机", "验收", "样机", "验收", "流片", "模型发布"],
            "due": ["2023-06-30", "2023-12-31", "2023-06-30", "2023-12-31", "2023-09-30", "2024-06-30"],
            "done": ["2023-06-30", "2024-01-05", "2023-05-01", None, "2023-09-01", "2024-05-01"],
        }
    )


def test_progress_by_hand():
    p = O.call_progress(_calls(), _tasks(), as_of="2024-03-01").set_index("call_id")
    # C1: task 1 on its due day (on time), task 2 five days late → failed, days_late 5
    assert p.loc["C1", ["done", "on_time", "late", "status", "days_late"]].tolist() == [2, 1, 1, "failed", 5]
    # C2: task 2 not done and due 2023-12-31 < as_of → overdue by 61 days (2024 is a leap year: 31 + 29 + 1)
    assert p.loc["C2", ["done", "overdue", "progress", "days_late", "status"]].tolist() == [
        1,
        1,
        0.5,
        61,
        "failed",
    ]
    # C3 done early → succeeded; C4 done on 2024-05-01, after as_of → not known yet: pending, open
    assert p.loc["C3", "status"] == "succeeded"
    assert p.loc["C4", ["done", "pending", "status"]].tolist() == [0, 1, "open"]
    assert p.loc["C4", "next_due"] == pd.Timestamp("2024-06-30")
    # C5 has no tasks
    assert p.loc["C5", "status"] == "no_tasks" and math.isnan(p.loc["C5", "progress"])
    # 7 days of grace: C1's 5-day delay is forgiven; C2's overdue task is still overdue
    g = O.call_progress(_calls(), _tasks(), as_of="2024-03-01", grace_days=7).set_index("call_id")
    assert g.loc["C1", "status"] == "succeeded" and g.loc["C2", "days_late"] == 61 - 7
    # later, C4 is done on time
    later = O.call_progress(_calls(), _tasks(), as_of="2024-12-31").set_index("call_id")
    assert later.loc["C4", "status"] == "succeeded"


def test_success_rates_by_segment_and_place():
    r = O.success_rates(_calls(), _tasks(), as_of="2024-03-01", level="city")
    seg = r.by_segment.set_index(["chain", "segment"])
    # ic:equipment: C1 failed, C2 failed → 0 of 2; ic:design: C3 succeeded, C5 no tasks → 1 of 1
    assert seg.loc[("ic", "equipment"), ["calls", "decided", "success_rate"]].tolist() == [2, 2, 0.0]
    assert seg.loc[("ic", "design"), ["calls", "succeeded", "no_tasks", "success_rate"]].tolist() == [
        2,
        1,
        1,
        1.0,
    ]
    assert (
        seg.loc[("ic", "design"), "budget"] == 800.0
        and seg.loc[("ic", "design"), "budget_succeeded"] == 500.0
    )
    # ai:algorithms: C4 open → nothing decided → rate unknown
    assert math.isnan(seg.loc[("ai", "algorithms"), "success_rate"])
    place = r.by_place.set_index("place")
    # Hefei 340100 (C1, C2 at 340104 rolled up): 0 of 2; Suzhou 320500 (C3; C5 at Kunshan 320583): 1 of 1;
    # Shanghai 310000 (C4 at Pudong): open
    assert place.loc["340100", ["calls", "success_rate"]].tolist() == [2, 0.0]
    assert place.loc["320500", ["calls", "success_rate"]].tolist() == [2, 1.0]
    assert place.loc["310000", "open"] == 1
    assert r.overall == pytest.approx(1 / 3)  # C3 of C1, C2, C3


def _bids():
    rows = [
        # C1: two bids; B1 wins: Hefei institute + USTC (Hefei) + a Shanghai university + a Suzhou firm
        ("C1", "B1", "中科院合肥物质院", "340111", True),
        ("C1", "B1", "中国科学技术大学", "340104", True),
        ("C1", "B1", "上海交通大学", "310112", True),
        ("C1", "B1", "苏州某设备公司", "320505", True),
        ("C1", "B2", "合肥某企业", "340102", False),
        # C3: one bid, a Suzhou + Nanjing team (two cities, one province)
        ("C3", "B3", "苏州某设计公司", "320506", "是"),
        ("C3", "B3", "东南大学", "320102", "是"),
        # C4: joint winners, both Shanghai (two districts: one city)
        ("C4", "B4", "复旦大学", "310110", 1),
        ("C4", "B5", "上海某AI公司", "310104", 1),
    ]
    return pd.DataFrame(rows, columns=["call_id", "bid_id", "member_name", "member_adcode", "winner"])


def test_winning_teams():
    t = O.winning_teams(_calls(), _bids()).set_index("bid_id")
    b1 = t.loc["B1"]
    assert b1["bids"] == 2 and b1["members"] == 4
    assert b1["places"] == ("310000", "320500", "340100")
    assert (b1["cities"], b1["provinces"], b1["cross_city"], b1["cross_province"]) == (3, 3, True, True)
    # two of four members are in Hefei (the posting city) → outside share 2/4
    assert (b1["host_members"], b1["outside_share"]) == (2, 0.5)
    b3 = t.loc["B3"]
    assert (b3["cities"], b3["provinces"], b3["cross_city"], b3["cross_province"]) == (2, 1, True, False)
    assert b3["host_members"] == 1  # the Suzhou firm; Nanjing is outside
    # joint winners of C4 are two rows; Shanghai's districts are one city
    assert not t.loc["B4", "cross_city"] and t.loc["B5", "places"] == ("310000",)
    assert "B2" not in t.index
    # at province level the Suzhou + Nanjing team is in one place
    assert O.winning_teams(_calls(), _bids(), level="province").set_index("bid_id").loc["B3", "places"] == (
        "320000",
    )


def test_outcome_edges_by_hand():
    outcomes = pd.DataFrame(
        {
            "call_id": ["C1", "C1", "C3", "C2"],
            "kind": ["patent", "product", "patent", "patent"],
            "count": [8, 1, 2, 5],
        }
    )
    prog = O.call_progress(_calls(), _tasks(), as_of="2024-03-01")
    e = O.outcome_edges(_calls(), _bids(), outcomes, progress=prog)
    got = e[["src", "dst", "kind", "weight", "calls", "progress"]].values.tolist()
    assert got == [
        # C1 (progress 1.0): 8 patents over 4 members → 2 each: Shanghai 2, Suzhou 2, Hefei 2 + 2 = 4; 1 product → ¼
        ["310000", "340100", "patent", 2.0, 1, 1.0],
        ["310000", "340100", "product", 0.25, 1, 1.0],
        # C3 (Suzhou, progress 1.0): 2 patents over 2 members → Nanjing 1, Suzhou 1
        ["320100", "320500", "patent", 1.0, 1, 1.0],
        ["320500", "320500", "patent", 1.0, 1, 1.0],
        ["320500", "340100", "patent", 2.0, 1, 1.0],
        ["320500", "340100", "product", 0.25, 1, 1.0],
        ["340100", "340100", "patent", 4.0, 1, 1.0],
        ["340100", "340100", "product", 0.5, 1, 1.0],
    ]  # C2 has no winner: its 5 patents give no edge
    assert set(e["layer"]) == {"innovation"} and set(e["chain"]) == {"ic"}
    # the weights of a call add up to its outcomes
    assert e["weight"].sum() == pytest.approx(8 + 1 + 2)
    with pytest.raises(ConfigError, match="unknown kind"):
        O.outcome_edges(_calls(), _bids(), outcomes.assign(kind="paper"))
    with pytest.raises(ConfigError, match="count"):
        O.outcome_edges(_calls(), _bids(), outcomes.assign(count=-1))


def test_checks_and_no_mutation():
    calls, tasks, bids = _calls(), _tasks(), _bids()
    c0, t0, b0 = calls.copy(), tasks.copy(), bids.copy()
    O.success_rates(calls, tasks, as_of="2024-03-01")
    O.winning_teams(calls, bids)
    pd.testing.assert_frame_equal(calls, c0)
    pd.testing.assert_frame_equal(tasks, t0)
    pd.testing.assert_frame_equal(bids, b0)
    with pytest.raises(ConfigError, match="not in calls"):
        O.call_progress(calls[calls["call_id"] != "C1"], tasks, as_of="2024-01-01")
    with pytest.raises(ConfigError, match="not a date"):
        O.call_progress(calls, tasks.assign(done="soon"), as_of="2024-01-01")
    with pytest.raises(ConfigError, match="due date"):
        O.call_progress(calls, tasks.assign(due=None), as_of="2024-01-01")
    with pytest.raises(ConfigError, match="grace_days"):
        O.call_progress(calls, tasks, as_of="2024-01-01", grace_days=-1)
    with pytest.raises(ConfigError, match="level"):
        O.success_rates(calls, tasks, as_of="2024-01-01", level="county")
