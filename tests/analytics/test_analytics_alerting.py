"""Alerting rules (analytics.alerting): each rule type fires on its case and not on its negative, hysteresis by
hand and against a plain loop, strict YAML validation, properties of pending and resolve."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainatlas.analytics import alerting
from chainatlas.analytics.alerting import (
    CONDITION_COLUMNS,
    RULE_TYPES,
    evaluate,
    evaluate_rules,
    hysteresis,
    modified_z,
    parse_rules,
)
from chainatlas.analytics.history import history
from chainatlas.errors import ConfigError


def _rule(**raw):
    """One rule parsed from a dict (level city, jurisdiction Hangzhou)."""
    raw = {"id": "r", "severity": "warning", **raw}
    return parse_rules({"level": "city", "jurisdiction": "330100", "rules": [raw]}).rules[0]


def _fired(result: pd.DataFrame) -> list[tuple]:
    return [tuple(x) for x in result.loc[result["condition"], ["unit", "period"]].to_numpy().tolist()]


def _long(series: dict[str, list], periods: list, column: str = "value") -> pd.DataFrame:
    rows = [(u, p, v) for u, vs in series.items() for p, v in zip(periods, vs, strict=True)]
    return pd.DataFrame(rows, columns=["unit", "period", column])


YEARS = [2020, 2021, 2022, 2023, 2024]
MONTHS = [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]


def test_module_doctests():
    result = doctest.testmod(alerting, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


# ------------------------------------------------------------------------------------------ rule types
def test_threshold_above_and_below():
    f = _long({"a": [5, 12, 11, 9, None], "b": [1, 2, 3, 4, 5]}, YEARS).astype({"value": float})
    above = evaluate(_rule(type="threshold", indicator="imports", above=10), f)
    assert list(above.columns) == ["rule", *CONDITION_COLUMNS]
    assert _fired(above) == [("a", 2021), ("a", 2022)]  # the NaN of a/2024 is unknown, not a breach
    below = evaluate(_rule(type="threshold", indicator="firms", below=2), f)
    assert _fired(below) == [("b", 2020)]
    # negative: a threshold no value crosses
    assert _fired(evaluate(_rule(type="threshold", indicator="imports", above=100), f)) == []


def test_change_period_on_period_and_year_on_year():
    # a falls 30 % from 2022 to 2023; b moves by at most 10 %
    h = history(_long({"a": [100, 100, 100, 70, 72], "b": [100, 110, 100, 105, 100]}, YEARS), direction="up")
    r = evaluate(_rule(type="change", indicator="revenue", below=-20), h)
    assert _fired(r) == [("a", 2023)]
    row = r[(r["unit"] == "a") & (r["period"] == 2023)].iloc[0]
    assert (row["measure"], row["threshold"], row["compared"], row["value"]) == (-30.0, -20.0, 100.0, 70.0)
    # year on year on months: a doubles in 2024-03 against 2023-03, the month before was the same level
    vals = [10.0] * 24
    vals[14] = 20.0  # 2024-03
    vals[13] = 20.0  # 2024-02 (so the month-on-month change of 2024-03 is 0)
    m = history(_long({"a": vals}, MONTHS), direction="up")
    yoy = evaluate(_rule(type="change", indicator="exports", basis="year", above=50), m)
    assert _fired(yoy) == [("a", "2024-02"), ("a", "2024-03")]
    pop = evaluate(_rule(type="change", indicator="exports", basis="period", above=50), m)
    assert _fired(pop) == [("a", "2024-02")]


def test_outlier_against_own_history():
    rng = np.random.default_rng(7)
    base = 100 + rng.normal(0, 2, size=24)
    a = base.copy()
    a[20] = 160.0  # a jump in 2024-09
    f = _long({"a": list(a), "b": list(base)}, MONTHS)
    r = evaluate(_rule(type="outlier", indicator="revenue", k=3.5, window=12), f)
    assert _fired(r) == [("a", "2024-09")]
    # the first three months have fewer than 3 earlier periods: no reference, no z
    assert r.loc[(r["unit"] == "a"), "measure"].iloc[:3].isna().all()
    # reference median of a/2024-09 is the median of the 12 months before
    row = r[(r["unit"] == "a") & (r["period"] == "2024-09")].iloc[0]
    assert row["compared"] == pytest.approx(np.median(a[8:20]))
    mad = np.median(np.abs(a[8:20] - np.median(a[8:20])))
    assert row["measure"] == pytest.approx(0.6745 * (160 - np.median(a[8:20])) / mad)
    # side=low ignores a jump up
    assert _fired(evaluate(_rule(type="outlier", indicator="revenue", side="low"), f)) == []


def test_outlier_against_peers_and_mad_zero():
    f = _long({u: [v] for u, v in zip("abcdef", [10, 11, 12, 13, 12, 40], strict=True)}, [2024])
    r = evaluate(_rule(type="outlier", indicator="firms", against="peers"), f)
    assert _fired(r) == [("f", 2024)]
    # MAD 0: four of six peers equal → no scale, no alert even for a far value
    g = _long({u: [v] for u, v in zip("abcdef", [10, 10, 10, 10, 11, 99], strict=True)}, [2024])
    r0 = evaluate(_rule(type="outlier", indicator="firms", against="peers"), g)
    assert _fired(r0) == [] and r0["measure"].isna().all()
    # a constant own history likewise
    h = _long({"a": [5.0] * 12 + [50.0]}, MONTHS[:13])
    assert _fired(evaluate(_rule(type="outlier", indicator="firms"), h)) == []


def test_modified_z_matches_iglewicz_hoaglin():
    x = np.array([2.0, 3.0, 3.0, 4.0, 20.0])
    med = np.median(x)
    mad = np.median(np.abs(x - med))  # |x - 3| = 1, 0, 0, 1, 17 → 1
    z = modified_z(x, np.full(5, med), np.full(5, mad))
    np.testing.assert_allclose(z, [-0.6745, 0.0, 0.0, 0.6745, 0.6745 * 17])


def test_concentration():
    f = pd.DataFrame(
        {
            "unit": ["fab"] * 3 + ["pkg"] * 4 + ["fab"] * 3,
            "period": [2023] * 7 + [2024] * 3,
            "member": ["s1", "s2", "s3", "s1", "s2", "s3", "s4", "s1", "s2", "s3"],
            "share": [50.0, 30.0, 20.0, 25, 25, 25, 25, 80.0, 10.0, 10.0],  # raw activity, normalised
        }
    )
    r = evaluate(_rule(type="concentration", above=0.4), f)
    assert _fired(r) == [("fab", 2024)]  # 0.66 > 0.4; fab/2023 is 0.38 (DOJ-style 50/30/20), pkg 0.25
    np.testing.assert_allclose(r["measure"], [0.38, 0.25, 0.66])
    np.testing.assert_allclose(r["compared"], [0.5, 0.25, 0.8])


def test_import_dependence_needs_both_conditions():
    f = pd.DataFrame(
        {
            "unit": ["fab", "pkg", "design", "test"],
            "period": [2024] * 4,
            "net_import_ratio": [0.8, 0.8, 0.3, np.nan],
            "top_import_share": [0.75, 0.3, 0.9, 0.9],
        }
    )
    r = evaluate(_rule(type="import_dependence", ratio_above=0.6, partner_above=0.5), f)
    assert _fired(r) == [("fab", 2024)]


def test_newly_broken_and_newly_single():
    f = _long(
        {
            "fab": ["ok", "single", "broken", "broken", "ok"],
            "pkg": ["broken", "broken", "broken", "单点", "断链"],
            "test": ["ok", "ok", "ok", "ok", "ok"],
        },
        YEARS,
        column="status",
    )
    broken = evaluate(_rule(type="newly_broken"), f)
    # pkg/2020 is broken but nothing is known before it: not "newly"
    assert _fired(broken) == [("fab", 2022), ("pkg", 2024)]
    single = evaluate(_rule(type="newly_single"), f)
    assert _fired(single) == [("fab", 2021), ("pkg", 2023)]
    # a gap: the period before is missing, so nothing is known to have changed
    gap = f[(f["unit"] == "fab") & (f["period"] != 2021)]
    assert _fired(evaluate(_rule(type="newly_single"), gap)) == []


def test_falling():
    f = _long({"L1": [0.5, 0.45, 0.30, 0.31, 0.0], "L2": [0.5, 0.5, 0.6, 0.55, 0.5]}, YEARS)
    r = evaluate(_rule(type="falling", metric="cross_border_linkage", pct=20), f)
    assert _fired(r) == [("L1", 2022), ("L1", 2024)]  # -33 % and -100 %; -10 % falls do not count
    row = r[(r["unit"] == "L1") & (r["period"] == 2022)].iloc[0]
    assert (row["compared"], row["threshold"]) == (0.45, -20.0)
    # pct 0: any fall (a coupling grade dropping by one step)
    grade = _long({"c": [3, 3, 2, 2, 4]}, YEARS)
    assert _fired(evaluate(_rule(type="falling", metric="coupling_grade", pct=0), grade)) == [("c", 2022)]


def test_every_registered_type_is_tested_here():
    assert set(RULE_TYPES) == {
        "threshold",
        "change",
        "outlier",
        "concentration",
        "import_dependence",
        "newly_broken",
        "newly_single",
        "falling",
    }


# ------------------------------------------------------------------------------------------ hysteresis
def _states(cond: list[int], pending: int, resolve: int) -> list[str]:
    c = pd.DataFrame({"unit": "a", "period": MONTHS[: len(cond)], "condition": [bool(x) for x in cond]})
    return hysteresis(c, pending=pending, resolve=resolve).states["state"].tolist()


def test_pending_two_resolve_two_by_hand():
    cond = [0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0]
    expected = [
        "inactive",
        "pending",  # one true period: not yet
        "inactive",  # broken run: pending aborted
        "pending",
        "firing",  # second consecutive true: opens
        "firing",
        "resolving",  # one clear period: still active
        "firing",  # back again: the same alert, no new episode
        "resolving",
        "resolved",  # second consecutive clear period
        "inactive",
        "pending",
        "firing",  # a second episode
        "resolving",
        "resolved",
    ]
    assert _states(cond, 2, 2) == expected
    c = pd.DataFrame({"unit": "a", "period": MONTHS[: len(cond)], "condition": [bool(x) for x in cond]})
    h = hysteresis(c, pending=2, resolve=2)
    assert h.episodes[["opened", "resolved"]].values.tolist() == [
        ["2023-05", "2023-10"],
        ["2024-01", "2024-03"],
    ]
    assert h.states["active"].tolist() == [s in ("firing", "resolving") for s in expected]


def test_still_open_at_the_end_and_units_independent():
    c = pd.DataFrame(
        {
            "unit": ["b", "b", "b", "a", "a", "a"],
            "period": [2022, 2023, 2024, 2024, 2022, 2023],  # unsorted on purpose
            "condition": [True, True, True, True, False, False],
        }
    )
    h = hysteresis(c, pending=2, resolve=1)
    assert h.states[["unit", "period", "state"]].values.tolist() == [
        ["a", 2022, "inactive"],
        ["a", 2023, "inactive"],
        ["a", 2024, "pending"],  # a's run does not continue b's
        ["b", 2022, "pending"],
        ["b", 2023, "firing"],
        ["b", 2024, "firing"],
    ]
    assert h.episodes.values.tolist() == [["b", 2023, None]]


def _loop(cond: list[bool], pending: int, resolve: int) -> list[str]:
    """The state machine written as the plain loop it is (reference for the vectorised one)."""
    out, active, trues, clears = [], False, 0, 0
    for c in cond:
        trues, clears = (trues + 1, 0) if c else (0, clears + 1)
        if active:
            if c:
                out.append("firing")
            elif clears >= resolve:
                active = False
                out.append("resolved")
            else:
                out.append("resolving")
        elif c and trues >= pending:
            active = True
            out.append("firing")
        else:
            out.append("pending" if c else "inactive")
    return out


conditions = st.lists(st.booleans(), min_size=0, max_size=24)  # 24 months


@settings(deadline=None, derandomize=True, max_examples=200)
@given(conditions, st.integers(1, 4), st.integers(1, 4))
def test_vectorised_equals_the_loop(cond, pending, resolve):
    if cond:
        assert _states([int(c) for c in cond], pending, resolve) == _loop(cond, pending, resolve)


@settings(deadline=None, derandomize=True, max_examples=100)
@given(st.lists(conditions, min_size=1, max_size=5), st.integers(1, 3), st.integers(1, 3))
def test_many_units_at_once_equal_one_at_a_time(series, pending, resolve):
    rows = [(u, MONTHS[i], c) for u, cs in enumerate(series) for i, c in enumerate(cs[:24])]
    c = pd.DataFrame(rows, columns=["unit", "period", "condition"])
    together = hysteresis(c, pending=pending, resolve=resolve).states
    for u, cs in enumerate(series):
        assert together.loc[together["unit"] == u, "state"].tolist() == _loop(cs[:24], pending, resolve)


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_pending_one_resolve_one_fires_exactly_on_the_condition(cond):
    c = pd.DataFrame({"unit": "a", "period": range(1990, 1990 + len(cond)), "condition": cond})
    s = hysteresis(c, pending=1, resolve=1).states
    assert (s["state"] == "firing").tolist() == cond


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.lists(st.booleans(), min_size=1, max_size=40), st.integers(1, 5), st.integers(1, 4))
def test_more_pending_never_adds_firing_periods(cond, pending, resolve):
    c = pd.DataFrame({"unit": "a", "period": range(1990, 1990 + len(cond)), "condition": cond})
    fewer = hysteresis(c, pending=pending, resolve=resolve).states["state"] == "firing"
    more = hysteresis(c, pending=pending + 1, resolve=resolve).states["state"] == "firing"
    assert not (more & ~fewer).any()


def test_hysteresis_rejects_duplicates_and_bad_counts():
    c = pd.DataFrame({"unit": ["a", "a"], "period": [2024, 2024], "condition": [True, False]})
    with pytest.raises(ConfigError, match="more than one row"):
        hysteresis(c)
    with pytest.raises(ConfigError, match="pending"):
        hysteresis(c.iloc[:1], pending=0)


def test_evaluate_rules_applies_each_rules_own_pending():
    rs = parse_rules(
        """
level: province
jurisdiction: "330000"
rules:
  - {id: quick, type: threshold, severity: info, indicator: imports, above: 10}
  - {id: slow, type: threshold, severity: critical, indicator: imports, above: 10, pending: 3, resolve: 2}
"""
    )
    f = _long({"hz": [20, 20, 20, 5, 20, 5, 5]}, MONTHS[:7])
    h = evaluate_rules(rs, {"imports": f})
    ep = h.episodes[["rule", "unit", "opened", "resolved", "severity"]].values.tolist()
    assert ep == [
        ["quick", "hz", "2023-01", "2023-04", "info"],
        ["quick", "hz", "2023-05", "2023-06", "info"],
        ["slow", "hz", "2023-03", "2023-07", "critical"],
    ]
    with pytest.raises(ConfigError, match="no frame for rule 'quick'"):
        evaluate_rules(rs, {})


# ------------------------------------------------------------------------------------------ validation
BASE = {"id": "r7", "type": "threshold", "severity": "warning", "indicator": "imports", "above": 1}


@pytest.mark.parametrize(
    ("change", "param", "words"),
    [
        ({"type": "thresold"}, "rules[1].type", "unknown type 'thresold'"),
        ({"indicator": "import"}, "rules[1].indicator", "catalogue indicator"),
        ({"threshold": 5}, "rules[1].threshold", "unknown parameter 'threshold'"),
        ({"severity": "high"}, "rules[1].severity", "severity"),
        ({"pending": 0}, "rules[1].pending", "pending"),
        ({"resolve": 1.5}, "rules[1].resolve", "resolve"),
        ({"above": "1.0e9"}, "rules[1].above", "1.0e+9"),
        ({"above": True}, "rules[1].above", "finite number"),
        ({"below": 3}, "rules[1].below", "exactly one of ['above', 'below']"),
        ({"type": "outlier"}, "rules[1].above", "unknown parameter 'above'"),
        ({"type": "newly_broken", "above": None}, "rules[1].indicator", "reads no catalogue indicator"),
        (
            {"type": "concentration", "indicator": None, "above": None},
            "rules[1].above",
            "needs 'above'",
        ),
        ({"id": "r0"}, "rules[1].id", "used twice"),
    ],
)
def test_validation_names_rule_and_field(change, param, words):
    rule = {**BASE, **change}
    rule = {k: v for k, v in rule.items() if v is not None}
    first = {"id": "r0", "type": "newly_single", "severity": "info"}
    with pytest.raises(ConfigError) as err:
        parse_rules({"level": "city", "jurisdiction": "330100", "rules": [first, rule]})
    assert err.value.param == param
    assert words in str(err.value)
    if change.get("id") is None:
        assert "rule 'r7'" in str(err.value)


@pytest.mark.parametrize(
    ("data", "param"),
    [
        ({"level": "county", "jurisdiction": "330100", "rules": []}, "level"),
        ({"level": "city", "rules": []}, "jurisdiction"),
        ({"level": "city", "jurisdiction": "330100", "rules": {}}, "rules"),
        ({"level": "city", "jurisdiction": "330100", "rules": [], "extra": 1}, "extra"),
        ("level: [", "source"),
    ],
)
def test_validation_of_the_set(data, param):
    with pytest.raises(ConfigError) as err:
        parse_rules(data)
    assert err.value.param == param


def test_rule_set_from_yaml_keeps_everything():
    rs = parse_rules(
        """
level: city
jurisdiction: "330100"
rules:
  - id: fab-imports
    type: import_dependence
    severity: critical
    ratio_above: 0.6
    partner_above: 0.5
    pending: 2
    resolve: 3
    owner: 市商务局
  - {id: hub-spill, type: falling, severity: warning, metric: hub_spillover_share, pct: 10}
  - {id: firms-odd, type: outlier, severity: info, indicator: firms, against: peers}
"""
    )
    a, b, c = rs.rules
    assert (rs.level, rs.jurisdiction) == ("city", "330100")
    assert (a.pending, a.resolve, a.owner, a.params) == (
        2,
        3,
        "市商务局",
        {"ratio_above": 0.6, "partner_above": 0.5},
    )
    assert b.params == {"metric": "hub_spillover_share", "pct": 10.0}
    assert c.params == {"k": 3.5, "against": "peers", "window": 12, "side": "both"}
    assert rs.rule("hub-spill") is b


def test_inputs_are_not_modified():
    f = _long({"a": [1.0, 50.0, 2.0]}, YEARS[:3])
    before = f.copy()
    evaluate(_rule(type="outlier", indicator="firms", against="peers"), f)
    evaluate(_rule(type="falling", metric="m", pct=1), f)
    pd.testing.assert_frame_equal(f, before)
