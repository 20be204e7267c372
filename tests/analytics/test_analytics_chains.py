"""Chain structure indicators: hand-computed golden values and properties."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import chains as ch
from chainatlas.errors import ConfigError

# 3 places × 3 segments, total 40
#            design  fab  equip   row sum
#   sh           10    5      5        20
#   sz            0   10      0        10
#   hf            5    5      0        10
#   col sum      15   20      5        40
X = pd.DataFrame({"design": [10.0, 0.0, 5.0], "fab": [5.0, 10.0, 5.0], "equip": [5.0, 0.0, 0.0]},
                 index=["sh", "sz", "hf"])


def test_location_quotient_golden() -> None:
    lq = ch.location_quotient(X)
    # sh design: (10/20)/(15/40) = 0.5/0.375 = 4/3; sz fab: (10/10)/(20/40) = 2; sh equip: (5/20)/(5/40) = 2
    assert lq.loc["sh", "design"] == pytest.approx(4 / 3)
    assert lq.loc["sz", "fab"] == pytest.approx(2.0)
    assert lq.loc["sh", "equip"] == pytest.approx(2.0)
    assert lq.loc["hf", "equip"] == 0.0


def test_location_quotient_weighted_mean_is_one() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.integers(1, 50, size=(6, 4)).astype(float), columns=list("abcd"))
    w = x.sum(axis=1) / x.to_numpy().sum()  # places' shares of all activity
    lq = ch.location_quotient(x)
    assert lq.mul(w, axis=0).sum(axis=0).to_numpy() == pytest.approx(np.ones(4))


def test_location_quotient_zero_row_is_nan_and_input_untouched() -> None:
    x = pd.concat([X, pd.DataFrame({"design": [0.0], "fab": [0.0], "equip": [0.0]}, index=["wh"])])
    before = x.copy()
    lq = ch.location_quotient(x)
    assert lq.loc["wh"].isna().all()
    pd.testing.assert_frame_equal(x, before)


def test_hhi_golden_and_one_place() -> None:
    h = ch.hhi(X)
    # design: shares 10/15, 0, 5/15 → 4/9 + 1/9 = 5/9; fab: .25² + .5² + .25² = 0.375; equip: 1² = 1
    assert h["design"] == pytest.approx(5 / 9)
    assert h["fab"] == pytest.approx(0.375)
    assert h["equip"] == pytest.approx(1.0)
    one = pd.DataFrame({"a": [7.0], "b": [3.0]}, index=["only"])
    assert ch.hhi(one).tolist() == [1.0, 1.0]


def test_hhi_equal_shares_is_one_over_n() -> None:
    assert ch.hhi(pd.DataFrame({"a": [2.0] * 4})).iloc[0] == pytest.approx(0.25)


def test_krugman_golden() -> None:
    k = ch.krugman(X)
    # region mix s_j = (15, 20, 5)/40 = (.375, .5, .125)
    # sh: (.5, .25, .25) → .125 + .25 + .125 = .5
    # sz: (0, 1, 0)      → .375 + .5 + .125 = 1.0
    # hf: (.5, .5, 0)    → .125 + 0 + .125 = .25
    assert k.to_dict() == pytest.approx({"sh": 0.5, "sz": 1.0, "hf": 0.25})


def test_hoover_golden() -> None:
    h = ch.hoover(X)
    # b (places' share of all) = (.5, .25, .25)
    # design a = (2/3, 0, 1/3): ½(1/6 + 1/4 + 1/12) = ½ · 1/2 = .25
    # fab a = (.25, .5, .25):   ½(.25 + .25 + 0)     = .25
    # equip a = (1, 0, 0):      ½(.5 + .25 + .25)    = .5
    assert h.to_dict() == pytest.approx({"design": 0.25, "fab": 0.25, "equip": 0.5})


def test_hoover_zero_when_spread_like_all_activity() -> None:
    x = pd.DataFrame({"a": [2.0, 4.0], "b": [1.0, 2.0]})
    assert ch.hoover(x).tolist() == pytest.approx([0.0, 0.0])
    assert ch.krugman(x).tolist() == pytest.approx([0.0, 0.0])


def test_chain_completeness() -> None:
    c = ch.chain_completeness(X, ["eda", "design", "fab", "equip"])
    # eda missing from the frame → absent; design in 2 places, fab in 3, equip in 1 → 3 of 4 present
    assert c.table["status"].to_dict() == {"eda": "absent", "design": "present", "fab": "present",
                                           "equip": "single"}
    assert c.table["n_places"].tolist() == [0, 2, 3, 1]
    assert c.share == pytest.approx(0.75)
    assert c.absent == ["eda"] and c.single == ["equip"]


def test_chain_completeness_rejects_duplicate_segments() -> None:
    with pytest.raises(ConfigError, match="segments"):
        ch.chain_completeness(X, ["fab", "fab"])


def test_import_dependence_golden() -> None:
    t = pd.DataFrame({
        "segment": ["fab", "fab", "fab", "fab", "design"],
        "partner_region": ["JP", "JP", "KR", "US", "EU"],
        "direction": ["import", "import", "import", "export", "export"],
        "value": [20.0, 10.0, 10.0, 60.0, 5.0],
    })
    before = t.copy()
    r = ch.import_dependence(t)
    # fab: imports 20 + 10 + 10 = 40 (JP 30), exports 60 → top share 30/40 = .75, net ratio 40/100 = .4
    assert r.loc["fab", "imports"] == 40.0 and r.loc["fab", "exports"] == 60.0
    assert r.loc["fab", "top_import_region"] == "JP"
    assert r.loc["fab", "top_import_share"] == pytest.approx(0.75)
    assert r.loc["fab", "net_import_ratio"] == pytest.approx(0.4)
    # design: exports only → no top region, share NaN, net ratio 0/5 = 0
    assert r.loc["design", "top_import_region"] is None
    assert np.isnan(r.loc["design", "top_import_share"])
    assert r.loc["design", "net_import_ratio"] == 0.0
    pd.testing.assert_frame_equal(t, before)


def test_import_dependence_bad_direction_names_parameter() -> None:
    t = pd.DataFrame({"segment": ["a"], "partner_region": ["JP"], "direction": ["in"], "value": [1.0]})
    with pytest.raises(ConfigError, match="trade: column 'direction'"):
        ch.import_dependence(t)
    with pytest.raises(ConfigError, match="trade: missing column"):
        ch.import_dependence(t.drop(columns="value"))


@pytest.mark.parametrize("fn", [ch.location_quotient, ch.hhi, ch.krugman, ch.hoover])
def test_guards_name_the_parameter(fn) -> None:
    with pytest.raises(ConfigError, match="non-negative"):
        fn(pd.DataFrame({"a": [-1.0, 2.0]}))
    with pytest.raises(ConfigError, match="DataFrame"):
        fn([[1.0, 2.0]])


def test_docstrings() -> None:
    result = doctest.testmod(ch, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    for name in ch.__all__:
        obj = getattr(ch, name)
        if callable(obj) and not isinstance(obj, type):
            for section in ("Parameters", "Returns", "Notes", "Examples", "References"):
                assert section in (obj.__doc__ or ""), f"{name}: missing {section}"
