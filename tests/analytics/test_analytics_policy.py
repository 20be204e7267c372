"""Policy linkage: tagging with evidence, its precision and recall on a labelled sample, coverage, overlaps, gaps."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import policy as P
from chainatlas.errors import ConfigError
from chainatlas.model.taxonomy import load_taxonomy

LABELLED = Path(__file__).parents[1] / "fixtures" / "policies_labelled.csv"


def _tag(titles, texts=None, **kw):
    texts = texts if texts is not None else [""] * len(titles)
    pol = pd.DataFrame({"policy_id": [f"P{i}" for i in range(len(titles))], "title": titles, "text": texts})
    return P.tag_policies(pol, **kw)


def _row(tags, pid, label):
    r = tags[(tags["policy_id"] == pid) & (tags["label"] == label)]
    assert len(r) == 1, tags[["policy_id", "label"]].values.tolist()
    return r.iloc[0]


# ---------------------------------------------------------------------------------------------- aliases, dictionary


def test_shipped_aliases_name_only_segments_of_the_shipped_taxonomy():
    d = P.build_dictionary(load_taxonomy())
    assert d.skipped == ()
    # every segment and chain of the taxonomy is a target with at least one term
    assert len(d.targets) == 27 + 4
    have = set(zip(d.terms["chain"], d.terms["segment"], strict=True))
    assert set(zip(d.targets["chain"], d.targets["segment"], strict=True)) <= have
    # the brief's example: ic:fabrication gets 晶圆制造, 流片, 12英寸 from the aliases
    fab = set(d.terms.loc[(d.terms["chain"] == "ic") & (d.terms["segment"] == "fabrication"), "term"])
    assert {"晶圆制造", "流片", "12英寸"} <= fab
    # name parts: 智能芯片与算力硬件 → 智能芯片 (kept) and 算力硬件 (generic, dropped)
    ai = d.terms[d.terms["segment"] == "compute"]
    assert "智能芯片" in set(ai["term"]) and "算力硬件" not in set(ai["term"])
    # Latin terms are stored lower-case, as written in `written`
    assert d.terms.loc[d.terms["written"] == "EDA", "term"].tolist() == ["eda"]


def test_aliases_errors_and_skips():
    with pytest.raises(ConfigError, match="not valid YAML"):
        P.load_aliases("chains: [")
    with pytest.raises(ConfigError, match="unknown key"):
        P.load_aliases("chain: {}")
    with pytest.raises(ConfigError, match="list of terms"):
        P.load_aliases("chains: {ic: 芯片}")
    with pytest.raises(ConfigError, match=r"ic:fab'\]"):
        P.build_dictionary(load_taxonomy(), P.load_aliases("chains: {}\nsegments: {ic: {fab: [流片]}}"))
    a = P.load_aliases("chains: {space: [卫星]}\nsegments: {space: {launch: [火箭]}}")
    d = P.build_dictionary(load_taxonomy(), a)
    assert d.skipped == ("chains.space", "segments.space.launch")
    assert "卫星" not in set(d.terms["term"])


# ---------------------------------------------------------------------------------------------- matching


def test_longest_term_wins_and_overlapping_terms_both_count():
    r = _tag(["支持AI芯片研发", "推进动力电池回收"]).tags
    # AI芯片 (ai:compute) hides 芯片 (an ic term) and AI (an ai chain term) inside it
    assert r.loc[r["policy_id"] == "P0", "label"].tolist() == ["ai:compute"]
    assert _row(r, "P0", "ai:compute")["terms"] == ("AI芯片",)
    # 动力电池 (battery) and 电池回收 (aftermarket) overlap; both count, 动力电池回收 itself is an aftermarket term
    # and the longest at its start, so the aftermarket gets 动力电池回收, the battery nothing (it is inside)
    labels = set(r.loc[r["policy_id"] == "P1", "label"])
    assert labels == {"nev:aftermarket"}
    assert _row(r, "P1", "nev:aftermarket")["terms"] == ("动力电池回收",)
    r2 = _tag(["动力电池和电池回收"]).tags
    assert set(r2["label"]) == {"nev:battery", "nev:aftermarket"}


def test_latin_terms_are_whole_words_and_full_width_is_read_as_ascii():
    r = _tag(["媒体media平台建设", "支持ＥＤＡ工具国产化"]).tags
    assert r[r["policy_id"] == "P0"].empty  # eda inside media is no EDA
    row = _row(r, "P1", "ic:eda_ip")
    assert row["terms"] == ("ＥＤＡ工具",)  # the evidence quotes the original, full-width letters and all
    assert row["sentences"] == ("支持ＥＤＡ工具国产化",)


def test_keyword_scores_by_hand():
    tags = _tag(
        ["关于促进消费的意见", "关于晶圆制造的意见", "关于促进消费的意见"],
        ["支持晶圆代工。", "", "支持手术机器人研发。"],
        min_confidence=0.0,
    ).tags
    # one text mention of a term of one target: E = ln(1 + 1) → k = 1 − exp(−ln 2) = 1/2
    assert _row(tags, "P0", "ic:fabrication")["keyword_score"] == pytest.approx(0.5)
    # one title mention, title_weight 2: E = ln(1 + 2) → k = 1 − 1/3 = 2/3
    assert _row(tags, "P1", "ic:fabrication")["keyword_score"] == pytest.approx(2 / 3)
    assert _row(tags, "P1", "ic:fabrication")["in_title"]
    # 手术机器人 is listed under bio:devices and ai:devices_robots: E = ln 2 / 2 → k = 1 − 2^(−1/2) = 0.29289
    assert _row(tags, "P2", "bio:devices")["keyword_score"] == pytest.approx(1 - 2**-0.5)
    assert _row(tags, "P2", "ai:devices_robots")["keyword_score"] == pytest.approx(1 - 2**-0.5)
    # confidence = 1 − (1 − k)(1 − s) on every row
    c = 1 - (1 - tags["keyword_score"]) * (1 - tags["similarity"])
    assert np.allclose(tags["confidence"], c)
    assert ((tags["confidence"] > 0) & (tags["confidence"] <= 1)).all()


def _tiny_tagger() -> P.PolicyTagger:
    """Chain x with segments a (term 封装测试) and b (term 动力电池回收), no stop tokens."""
    terms = pd.DataFrame(
        {
            "term": ["封装测试", "动力电池回收"],
            "written": ["封装测试", "动力电池回收"],
            "chain": "x",
            "segment": ["a", "b"],
            "source": "segment_alias",
        }
    )
    targets = pd.DataFrame({"chain": "x", "segment": ["a", "b", "*"], "label": ["x:a", "x:b", "x"]})
    measures = pd.DataFrame({"term": ["补贴"], "category": ["subsidy"]})
    return P.PolicyTagger(P.KeywordDictionary(terms, targets, measures, frozenset()))


def test_similarity_by_hand_credits_parts_of_terms():
    tg = _tiny_tagger()
    # profiles: a = {封装测试, 封装, 测试} (the term and rjieba's words of it), b = {动力电池回收, 动力电池, 回收}.
    # Every token is in one profile (same IDF) once (same tf part) and a and b are equally long, so each token
    # weighs 1/3 of its profile.
    pol = pd.DataFrame({"policy_id": ["p"], "title": ["建设封装线和测试线"], "text": [""]})
    r = P.tag_policies(pol, tg, min_confidence=0.0)
    a = _row(r.tags, "p", "x:a")
    # no term is found (封装测试 is not written together) but 封装 and 测试 cover 2 of 3 tokens of a
    assert a["keyword_score"] == 0.0
    assert a["similarity"] == pytest.approx(2 / 3)
    assert a["confidence"] == pytest.approx(2 / 3)
    assert set(a["shared_tokens"]) == {"封装", "测试"}
    assert r.tags[r.tags["label"] == "x:b"].empty  # nothing of b
    # a text with the whole profile covers all of it
    full = P.tag_policies(pd.DataFrame({"policy_id": ["q"], "title": ["封装测试"]}), tg, text=None)
    assert _row(full.tags, "q", "x:a")["similarity"] == pytest.approx(1.0)


def test_chain_is_tagged_only_when_no_segment_is():
    tags = _tag(["关于促进集成电路产业发展的若干政策", "关于支持集成电路晶圆制造的若干政策"]).tags
    assert tags.loc[tags["policy_id"] == "P0", ["chain", "segment", "label"]].values.tolist() == [
        ["ic", "*", "ic"]
    ]
    assert tags.loc[tags["policy_id"] == "P1", "label"].tolist() == ["ic:fabrication"]


def test_evidence_and_measures():
    r = _tag(
        ["关于支持封装测试产业发展的若干措施"],
        ["对新建先进封装产线给予设备补贴；优先保障用地。支持引进人才。对芯片测试服务给予奖励。无关的一句。"],
        max_sentences=2,
    )
    row = _row(r.tags, "P0", "ic:packaging_test")
    # title (×2) 封装测试: ln 3; text 先进封装, 芯片测试: ln 2 each → E = ln 12, k = 11/12
    assert row["keyword_score"] == pytest.approx(11 / 12)
    assert row["terms"] == ("封装测试", "先进封装", "芯片测试")
    assert row["mentions"] == 3
    assert row["sentences"] == ("关于支持封装测试产业发展的若干措施", "对新建先进封装产线给予设备补贴；")
    m = r.measures
    assert m[["category", "terms"]].values.tolist() == [
        ["attraction", ("引进",)],
        ["land", ("用地",)],
        ["subsidy", ("补贴", "奖励")],
        ["talent", ("人才",)],
    ]


def test_tag_policies_leaves_input_alone_and_checks_arguments():
    pol = pd.DataFrame({"policy_id": ["a"], "title": ["集成电路"], "text": [None]})
    before = pol.copy()
    P.tag_policies(pol)
    pd.testing.assert_frame_equal(pol, before)
    with pytest.raises(ConfigError, match="missing column"):
        P.tag_policies(pol.drop(columns="title"))
    with pytest.raises(ConfigError, match="min_confidence"):
        P.tag_policies(pol, min_confidence=1.5)
    with pytest.raises(ConfigError, match="max_sentences"):
        P.tag_policies(pol, max_sentences=-1)


# ---------------------------------------------------------------------------------------------- precision and recall


def test_evaluate_tags_by_hand():
    tags = pd.DataFrame(
        {"policy_id": ["a", "a", "b", "x"], "label": ["ic:design", "ic:fabrication", "nev", "ai"]}
    )
    truth = pd.DataFrame(
        {"policy_id": ["a", "b", "c"], "labels": ["ic:design；ic:eda_ip", "nev:battery", ""]}
    )
    e = P.evaluate_tags(tags, truth)
    # predicted {design, fabrication}, {nev}, {}; true {design, eda_ip}, {nev:battery}, {} (x is not labelled)
    # tp 1 of 3 predicted, of 3 true
    assert (e.precision, e.recall) == pytest.approx((1 / 3, 1 / 3))
    # chains: predicted {ic}, {nev}; true {ic}, {nev} → all right
    assert (e.chain_precision, e.chain_recall, e.chain_f1) == (1.0, 1.0, 1.0)
    assert e.exact == pytest.approx(1 / 3) and e.policies == 3
    assert e.per_policy.loc[0, "missed"] == ("ic:eda_ip",) and e.per_policy.loc[0, "extra"] == (
        "ic:fabrication",
    )


def test_precision_and_recall_on_the_labelled_sample():
    """44 hand-written policy titles and abstracts (38 about the four chains, 6 about none), labelled by hand.

    The sample and the aliases have one author, so the figures are optimistic for policies written otherwise.
    """
    truth = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    assert len(truth) == 44 and (truth["labels"] == "").sum() == 6
    r = P.tag_policies(truth)
    e = P.evaluate_tags(r.tags, truth)
    print(
        f"\npolicy tagging on {e.policies} labelled policies: precision {e.precision:.3f}, recall {e.recall:.3f}, "
        f"F1 {e.f1:.3f}; chain level {e.chain_precision:.3f} / {e.chain_recall:.3f}; exact {e.exact:.3f}"
    )
    # 67 true labels, 67 predicted, 65 right: misses L08 ic:fabrication (功率器件产线 is no term) and
    # L11 nev:vehicle (年产量 alone); extras L02 ic:fabrication (流片 is a fabrication alias, the policy pays
    # design firms for it) and L37 bio:cro (临床试验 run by the drug firms themselves)
    assert (e.precision, e.recall) == pytest.approx((65 / 67, 65 / 67))
    assert (e.chain_precision, e.chain_recall) == (1.0, 1.0)
    assert e.exact == pytest.approx(40 / 44)
    assert sorted(e.per_policy.loc[e.per_policy["missed"] != (), "policy_id"]) == ["L08", "L11"]
    # policies about none of the chains get no tag
    none = truth.loc[truth["labels"] == "", "policy_id"]
    assert not r.tags["policy_id"].isin(none).any()


# ---------------------------------------------------------------------------------------------- coverage


def _tags(rows):
    return pd.DataFrame(rows, columns=["policy_id", "chain", "segment", "confidence"])


def test_coverage_counts_and_rolls_up():
    tags = _tags(
        [
            ("a", "ic", "design", 0.9),
            ("b", "ic", "design", 0.6),
            ("c", "ic", "design", 0.9),
            ("d", "ic", "design", 0.9),
            ("e", "ic", "*", 0.9),
        ]
    )
    pol = pd.DataFrame(
        {
            "policy_id": ["a", "b", "c", "d", "e"],
            "adcode": ["310115", "310104", "320505", "320500", "320000"],
            "date": ["2022-01-05", "2022-12-31", "2022-06-01", "2022-06-01", "2023-01-01"],
        }
    )
    cov = P.coverage(tags, pol, level="city")
    # Shanghai's districts roll up to 310000; 320505 to Suzhou 320500; the province's policy stays at 320000
    assert cov.cells[["segment", "place", "year", "policies"]].values.tolist() == [
        ["*", "320000", 2023, 1],
        ["design", "310000", 2022, 2],
        ["design", "320500", 2022, 2],
    ]
    prov = P.coverage(tags, pol, level="province", min_confidence=0.7)
    # b (0.6) left out: Shanghai 1 (a), Jiangsu 2 (c, d) in 2022
    got = prov.cells.loc[prov.cells["segment"] == "design", ["place", "policies"]].values.tolist()
    assert got == [["310000", 1], ["320000", 2]]
    segs = pd.DataFrame({"chain": "ic", "segment": ["design", "fabrication"]})
    m = cov.matrix((2022, 2022), segments=segs, places=["310000", "320500", "330100"])
    assert m.values.tolist() == [[2, 2, 0], [0, 0, 0]]


def test_coverage_checks_level_and_columns():
    tags = _tags([("a", "ic", "design", 0.9)])
    pol = pd.DataFrame({"policy_id": ["a"], "adcode": ["310115"], "date": [2022]})
    with pytest.raises(ConfigError, match="level"):
        P.coverage(tags, pol, level="county")
    with pytest.raises(ConfigError, match="missing column"):
        P.coverage(tags, pol.drop(columns="date"))
    assert P.coverage(tags, pol).cells["year"].tolist() == [2022]  # whole-number years are read as years


# ---------------------------------------------------------------------------------------------- overlaps


def test_overlaps_by_hand():
    tags = _tags(
        [
            ("sz", "ic", "design", 0.9),  # Suzhou 2022 subsidy
            ("wx", "ic", "design", 0.8),  # Wuxi 2023 subsidy: same province, adjacent year → overlap
            ("js", "ic", "design", 0.9),  # Jiangsu province 2022 subsidy: contains Suzhou, Wuxi → never
            ("hz", "ic", "design", 0.7),  # Hangzhou 2022 subsidy: neighbour of Suzhou via counties → overlap
            ("nj", "ic", "design", 0.9),  # Nanjing 2020 subsidy: same province but 2 years before → no
            ("hz2", "ic", "*", 0.9),  # whole chain, Hangzhou: meets only whole-chain tags
            ("sz2", "ic", "*", 0.9),  # whole chain, Suzhou 2022, land only → no shared measure with hz2
        ]
    )
    pol = pd.DataFrame(
        {
            "policy_id": ["sz", "wx", "js", "hz", "nj", "hz2", "sz2"],
            "adcode": ["320505", "320200", "320000", "330100", "320100", "330100", "320500"],
            "date": [2022, 2023, 2022, 2022, 2020, 2022, 2022],
        }
    )
    meas = pd.DataFrame(
        {
            "policy_id": ["sz", "sz", "wx", "js", "hz", "nj", "hz2", "sz2"],
            "category": ["subsidy", "land", "subsidy", "subsidy", "subsidy", "subsidy", "subsidy", "land"],
        }
    )
    # one county pair, Suzhou's 320509 – Hangzhou's 330110 (made up for the test): rolled up to Suzhou – Hangzhou
    adj = pd.DataFrame({"a": ["320509"], "b": ["330110"]})
    o = P.overlaps(tags, pol, meas, adj, level="city")
    got = o.pairs[["place_a", "place_b", "policy_a", "policy_b", "relation", "measures", "confidence"]]
    assert got.values.tolist() == [
        ["320200", "320500", "wx", "sz", "same_province", ("subsidy",), 0.8],
        ["320500", "330100", "sz", "hz", "neighbour", ("subsidy",), 0.7],
    ]
    s = o.summary.iloc[1]
    assert (s["pairs"], s["first_year"], s["last_year"]) == (1, 2022, 2022)
    # without same-province pairs only the neighbours remain; with window 0 Suzhou–Wuxi (2022/2023) goes too
    assert P.overlaps(tags, pol, meas, adj, level="city", same_province=False).pairs["policy_b"].tolist() == [
        "hz"
    ]
    assert P.overlaps(tags, pol, meas, adj, level="city", window=0).pairs["policy_a"].tolist() == ["sz"]
    # window 3 lets Nanjing 2020 meet Suzhou 2022 and Wuxi 2023
    w3 = P.overlaps(tags, pol, meas, adj, level="city", window=3).pairs
    assert sorted(w3.loc[w3["policy_a"] == "nj", "policy_b"]) == ["sz", "wx"]
    with pytest.raises(ConfigError, match="window"):
        P.overlaps(tags, pol, meas, adj, window=-1)


def test_overlaps_empty_when_nothing_competes():
    tags = _tags([("a", "ic", "design", 0.9)])
    pol = pd.DataFrame({"policy_id": ["a"], "adcode": ["320500"], "date": [2022]})
    meas = pd.DataFrame({"policy_id": ["a"], "category": ["subsidy"]})
    o = P.overlaps(tags, pol, meas)
    assert o.pairs.empty and list(o.pairs.columns) == list(P.OVERLAP_COLUMNS)


# ---------------------------------------------------------------------------------------------- gaps


def test_gaps_by_hand():
    tags = _tags(
        [
            ("a", "ic", "design", 0.9),  # Suzhou 2022
            ("b", "ic", "fabrication", 0.9),  # Jiangsu province 2023: higher for Suzhou's and Kunshan's gaps
            ("c", "ic", "*", 0.9),  # Kunshan whole chain 2022
            ("d", "ic", "fabrication", 0.9),  # Kunshan 2019: before the range → last_year
            ("e", "ic", "design", 0.9),  # Suzhou city 2023: higher for Kunshan (a county of Suzhou)
        ]
    )
    pol = pd.DataFrame(
        {
            "policy_id": ["a", "b", "c", "d", "e"],
            "adcode": ["320500", "320000", "320583", "320583", "320500"],
            "date": [2022, 2023, 2022, 2019, 2023],
        }
    )
    segs = pd.DataFrame({"chain": "ic", "segment": ["design", "fabrication"]})
    g = P.gaps(tags, pol, segs, ["320500", "320583"], years=(2021, 2023))
    assert g.table.values.tolist() == [
        # Kunshan design: 1 whole-chain policy (c); higher: Suzhou's a and e (city) → 2
        ["ic", "design", "320583", 1, 2, pd.NA],
        # Suzhou fabrication: province b → 1
        ["ic", "fabrication", "320500", 0, 1, pd.NA],
        # Kunshan fabrication: c; province b → 1; d in 2019
        ["ic", "fabrication", "320583", 1, 1, 2019],
    ]
    assert g.by_place[["place", "covered", "share"]].values.tolist() == [
        ["320500", 1, 0.5],
        ["320583", 0, 0.0],
    ]
    assert g.by_segment[["segment", "covered", "share"]].values.tolist() == [
        ["design", 1, 0.5],
        ["fabrication", 0, 0.0],
    ]
    with pytest.raises(ConfigError, match="years"):
        P.gaps(tags, pol, segs, ["320500"], years=(2023, 2021))
    # a taxonomy is accepted as the segments: 27 segments, 1 covered in Suzhou
    g2 = P.gaps(tags, pol, load_taxonomy(), ["320500"], years=(2021, 2023))
    assert len(g2.table) == 26 and math.isclose(g2.by_place["share"].iloc[0], 1 / 27)
