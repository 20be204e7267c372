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
X = pd.DataFrame(
    {"design": [10.0, 0.0, 5.0], "fab": [5.0, 10.0, 5.0], "equip": [5.0, 0.0, 0.0]}, index=["sh", "sz", "hf"]
)


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
    # eda missing from the frame → broken; design in 2 places, fab in 3, equip in 1 → 3 of 4 held
    assert c.table["status"].to_dict() == {"eda": "broken", "design": "ok", "fab": "ok", "equip": "single"}
    assert c.table["n_places"].tolist() == [0, 2, 3, 1]
    assert c.share == pytest.approx(0.75)
    assert c.broken == ["eda"] and c.single == ["equip"]


def test_chain_completeness_rejects_duplicate_segments() -> None:
    with pytest.raises(ConfigError, match="segments"):
        ch.chain_completeness(X, ["fab", "fab"])


def test_import_dependence_golden() -> None:
    t = pd.DataFrame(
        {
            "segment": ["fab", "fab", "fab", "fab", "design"],
            "partner_region": ["JP", "JP", "KR", "US", "EU"],
            "direction": ["import", "import", "import", "export", "export"],
            "value": [20.0, 10.0, 10.0, 60.0, 5.0],
        }
    )
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


# ------------------------------------------------------------------------------------------------ published golden
def test_location_quotient_national_reference_reat() -> None:
    # R package REAT, locq() documentation (Wieland): "Example from Farhauer/Kroell (2013):
    # locq (1714, 79006, 879213, 15593224) returns the location quotient (0.3847623)"
    # e_ij = 1714 (industry in region), e_j = 79006 (region), e_i = 879213 (industry, nation), e = 15593224 (nation)
    one = pd.DataFrame({"industry": [1714.0]}, index=["region"])
    lq = ch.location_quotient(
        one,
        totals=pd.Series({"region": 79006.0}),
        reference=pd.Series({"industry": 879213.0}),
        reference_total=15593224.0,
    )
    assert lq.loc["region", "industry"] == pytest.approx(0.3847623, abs=5e-8)


def test_location_quotient_national_row_mathmodels() -> None:
    # R package mathmodels (github.com/zhjx19/mathmodels), docs/reference/regional_economics.md, LQ() example:
    # national row total 10000, industry1 2000, industry2 6000; Region_A total 4000 (1000, 2000), Region_B 6000
    # (1000, 4000); printed LQ: A 1.2500000 0.8333333, B 0.8333333 1.1111111
    regions = pd.DataFrame(
        {"industry1": [1000.0, 1000.0], "industry2": [2000.0, 4000.0]}, index=["Region_A", "Region_B"]
    )
    before = regions.copy()
    lq = ch.location_quotient(
        regions,
        totals={"Region_A": 4000.0, "Region_B": 6000.0},
        reference={"industry1": 2000.0, "industry2": 6000.0},
        reference_total=10000.0,
    )
    pd.testing.assert_frame_equal(regions, before)
    np.testing.assert_allclose(lq.to_numpy(), [[1.2500000, 0.8333333], [0.8333333, 1.1111111]], atol=5e-8)
    # without the reference the table is its own reference (today's default, unchanged)
    pd.testing.assert_frame_equal(
        ch.location_quotient(regions),
        ch.location_quotient(regions, reference=regions.sum(), reference_total=None),
    )


def test_location_quotient_reference_guards() -> None:
    with pytest.raises(ConfigError, match=r"reference: no value for segment\(s\) \['fab'"):
        ch.location_quotient(X, reference={"design": 1.0, "equip": 1.0})
    with pytest.raises(ConfigError, match="reference_total: 10 is below the sum of reference"):
        ch.location_quotient(X, reference={"design": 10.0, "fab": 10.0, "equip": 10.0}, reference_total=10)
    with pytest.raises(ConfigError, match="totals: the total of place 'sh'"):
        ch.location_quotient(X, totals={"sh": 1.0, "sz": 100.0, "hf": 100.0})
    with pytest.raises(ConfigError, match="reference_total: expected a positive number"):
        ch.location_quotient(X, reference_total=0)


def test_hhi_published_examples() -> None:
    # U.S. DOJ Antitrust Division, "Herfindahl-Hirschman Index" page: four firms with shares 30, 30, 20, 20 %
    # -> HHI = 2,600 (on the percent scale, = 10^4 x the fraction scale)
    doj = pd.DataFrame({"market": [30.0, 30.0, 20.0, 20.0]})
    assert 1e4 * ch.hhi(doj)["market"] == pytest.approx(2600.0)
    # mathmodels, docs/reference/regional_economics.md: HHI(c(50, 30, 20)) -> 0.38; HHI(..., scaled = TRUE) -> 0.07
    mm = pd.DataFrame({"seg": [50.0, 30.0, 20.0]})
    assert ch.hhi(mm)["seg"] == pytest.approx(0.38)
    assert ch.hhi(mm, normalized=True)["seg"] == pytest.approx(0.07)


def test_hhi_normalized_definition_of_n() -> None:
    # N counts every place (row), including zero shares: [1, 0, 0] -> H = 1, H* = (1 - 1/3)/(1 - 1/3) = 1;
    # equal shares -> H* = 0; a single place -> undefined (NaN); zero total -> NaN
    x = pd.DataFrame(
        {"mono": [5.0, 0.0, 0.0], "even": [1.0, 1.0, 1.0], "two": [1.0, 1.0, 0.0], "none": [0.0, 0.0, 0.0]}
    )
    h = ch.hhi(x, normalized=True)
    assert h.name == "hhi_normalized"
    assert h["mono"] == pytest.approx(1.0) and h["even"] == pytest.approx(0.0)
    assert h["two"] == pytest.approx((0.5 - 1 / 3) / (1 - 1 / 3)) and np.isnan(h["none"])
    assert np.isnan(ch.hhi(pd.DataFrame({"a": [3.0]}), normalized=True)["a"])
    assert ch.hhi(x).name == "hhi"  # the default is unchanged
