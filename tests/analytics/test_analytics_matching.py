"""R&D-liaison matching (chainatlas.analytics.matching): tokenizer, BM25, the score's components, the
explanations, both directions, evaluation and parameter checks, on small Chinese examples computed by hand.

Lucene BM25 with k1 = 1.5, b = 0.75 throughout: idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
w(t, p) = idf · tf / (tf + K), K = k1 · (1 - b + b · dl / avgdl). Great-circle distances use R = 6371.0088 km,
so one degree of latitude along a meridian is R · π / 180 = 111.19508 km.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainatlas.analytics import matching
from chainatlas.analytics.matching import (
    Evaluation,
    Index,
    Matches,
    Profiles,
    Ties,
    Weights,
    add_terms,
    build_index,
    evaluate,
    match,
    tokenize,
)
from chainatlas.errors import ConfigError
from chainatlas.model.taxonomy import atlas_taxonomy

LN_1_6 = math.log(1.6)  # idf of a token in 2 of 3 profiles: ln(1 + (3 - 2 + 0.5) / (2 + 0.5))
LN_8_3 = math.log(8 / 3)  # idf of a token in 1 of 3 profiles: ln(1 + (3 - 1 + 0.5) / (1 + 0.5))
DEGREE_KM = 6371.0088 * math.pi / 180  # 111.19508 km


@pytest.fixture(autouse=True)
def fresh_tokenizer(monkeypatch):
    """Each test gets its own tokenizer: add_terms changes the process-wide one (and the doctests register
    terms of their own)."""
    monkeypatch.setattr(matching, "_TOKENIZER", matching._Tokenizer())


def ranked_ids(m: Matches, queries: Profiles, index: Index) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for q, p in zip(m.query, m.profile, strict=True):
        out.setdefault(str(queries.ids[q]), []).append(str(index.profiles.ids[p]))
    return out


# ------------------------------------------------------------------------------------------------ tokenizer
def test_tokenize_drops_stopwords_numbers_and_punctuation():
    # 寻求 / 方面 / 的 / 技术 / 合作 are stopwords, "12" has no letter, （ ） are punctuation
    assert tokenize("寻求12英寸晶圆清洗设备方面的技术合作（碳化硅）") == [
        "英寸", "晶圆", "清洗", "设备", "碳化", "化硅", "碳化硅"
    ]  # fmt: skip
    # a text of request words only leaves nothing to match on
    assert tokenize("寻求技术合作研发需求") == []
    assert tokenize("的了和与") == []


def test_tokenize_nfkc_and_lowercase():
    # full-width ＳｉＣ and Ｈ２ become half-width, then lowercase: sic, h2
    assert tokenize("ＳｉＣ功率器件") == ["sic", "功率", "器件"]
    assert tokenize("Ｈ２燃料") == ["h2", "燃料"]
    # a lone latin letter is dropped, "5G" keeps its letter
    assert tokenize("5G通信模组 a") == ["5g", "通信", "模组"]


def test_tokenize_search_mode_emits_the_words_inside_a_long_word():
    # 高可靠性 whole and the dictionary words in it: a need saying 高可靠性 shares 可靠性 with a profile
    assert tokenize("高可靠性封装") == ["可靠", "可靠性", "高可靠性", "封装"]


def test_add_terms_keeps_segment_names_whole():
    names = list(atlas_taxonomy().segments.name_zh)
    assert "研发外包服务" in names and "EDA工具与IP核" in names and "封装测试" in names
    # before: the jieba dictionary cuts the names
    assert tokenize("研发外包服务") == ["外", "包", "服务"]
    assert tokenize("封装测试") == ["封装", "测试"]
    added = add_terms(names)
    # names joined by 与 are registered as their two parts, normalised (EDA → eda)
    assert {"研发外包服务", "封装测试", "eda工具", "ip核", "智能芯片", "算力硬件"} <= set(added)
    assert "EDA工具与IP核" not in added
    # after: the whole term and its parts; 研发 is a stopword, yet the registered term containing it is kept
    assert tokenize("研发外包服务") == ["外包", "服务", "研发外包服务"]
    assert tokenize("封装测试") == ["封装", "测试", "封装测试"]
    assert tokenize("ＥＤＡ工具与IP核") == ["工具", "eda", "eda工具", "ip", "ip核"]
    # registering again adds nothing
    assert add_terms(names) == ()


def test_add_terms_ignores_short_parts_and_checks_its_input():
    assert add_terms(["芯", "电池回收"]) == ("电池回收",)  # one character: ignored
    with pytest.raises(ConfigError) as e:
        add_terms("电池回收")
    assert e.value.param == "words"
    with pytest.raises(ConfigError) as e:
        add_terms(["电池", 3])
    assert e.value.param == "words"
    with pytest.raises(ConfigError) as e:
        tokenize(None)
    assert e.value.param == "text"


# ------------------------------------------------------------------------------------------------ BM25
def test_bm25_matches_a_hand_computation_of_lucene_bm25():
    # A: 功率 芯片 封装 (dl 3), B: 功率 功率 电池 (dl 3), C: 图像 识别 (dl 2); N = 3, avgdl = 8/3
    profiles = Profiles.of(["A", "B", "C"], ["功率 芯片 封装", "功率 功率 电池", "图像 识别"])
    idx = build_index(profiles)
    assert idx.vocab.tolist() == ["功率", "芯片", "封装", "电池", "图像", "识别"]
    assert idx.avgdl == pytest.approx(8 / 3)
    # idf(功率) = ln(1 + 1.5/2.5) = ln 1.6 = 0.470004; every other token is in one profile: ln(8/3) = 0.980829
    np.testing.assert_allclose(idx.idf, [LN_1_6, LN_8_3, LN_8_3, LN_8_3, LN_8_3, LN_8_3])
    # K(A) = K(B) = 1.5 (0.25 + 0.75 · 3 / (8/3)) = 1.640625
    # w(功率, A) = ln 1.6 · 1 / 2.640625 = 0.177987; w(功率, B) = ln 1.6 · 2 / 3.640625 = 0.258199
    dense = idx.doc_terms.toarray()
    assert dense[0, 0] == pytest.approx(LN_1_6 / 2.640625, rel=1e-6)
    assert dense[1, 0] == pytest.approx(LN_1_6 * 2 / 3.640625, rel=1e-6)

    # query 功率封装 → 功率, 封装; ceiling Σ idf = ln 1.6 + ln(8/3) = 1.450833
    m = match(idx, Profiles.of(["q"], ["功率封装"]))
    assert ranked_ids(m, Profiles.of(["q"], ["功率封装"]), idx) == {"q": ["A", "B"]}  # C shares nothing
    # BM25(A) = (ln 1.6 + ln 8/3) / 2.640625 = 0.549428 → text = 1 / 2.640625 = 64/169 = 0.378698
    # BM25(B) = ln 1.6 · 2 / 3.640625 = 0.258199 → text = 0.258199 / 1.450833 = 0.177966
    np.testing.assert_allclose(m.text, [64 / 169, 0.25819941864143414 / 1.4508328822574619], rtol=1e-6)
    # with the default weights and nothing else known, score = text
    np.testing.assert_allclose(m.score, m.text)
    # the same numbers as bm25s's own scorer on the token ids of 功率 and 封装
    np.testing.assert_allclose(
        idx.bm25.get_scores([0, 2]), [0.5494278370679145, 0.25819941864143414, 0], rtol=1e-6
    )


def test_bm25_with_other_k1_and_b():
    # b = 0: no length normalisation, K = k1 = 2; w(功率, B) = ln 1.6 · 2 / (2 + 2) = ln 1.6 / 2
    idx = build_index(
        Profiles.of(["A", "B", "C"], ["功率 芯片 封装", "功率 功率 电池", "图像 识别"]), k1=2.0, b=0.0
    )
    assert idx.doc_terms[1, 0] == pytest.approx(LN_1_6 / 2, rel=1e-6)
    assert idx.doc_terms[0, 0] == pytest.approx(LN_1_6 / 3, rel=1e-6)  # tf 1: ln 1.6 · 1 / (1 + 2)


# ------------------------------------------------------------------------------------------------ ranking
def test_the_expert_sharing_the_needs_terms_ranks_first():
    experts = Profiles.of(
        ["X1", "X2", "X3"], ["图像识别算法", "锂电池正极材料", "电机控制器设计"], kind="expert"
    )
    needs = Profiles.of(["N1"], ["锂电池正极材料烧结工艺"])
    m = match(build_index(experts), needs)
    # only X2 shares tokens (锂电 电池 锂电池 正极 材料; 烧结 工艺 are unknown to the index) and it has every
    # known one once: text = 1 / (1 + K); dl 5, avgdl (4 + 5 + 4) / 3 = 13/3, K = 1.5 (0.25 + 0.75 · 15/13)
    # = 1.673077 → text = 0.374101
    assert experts.ids[m.profile].tolist() == ["X2"]
    k = 1.5 * (0.25 + 0.75 * 5 / (13 / 3))
    assert m.text[0] == pytest.approx(1 / (1 + k), rel=1e-6)
    assert m.shared_terms == [["锂电", "电池", "锂电池", "正极", "材料"]]


def test_request_words_do_not_match():
    # 技术合作 is in every need; a profile saying it must not match a need on it
    experts = Profiles.of(["X1", "X2"], ["技术合作平台建设", "锂电池正极材料"])
    needs = Profiles.of(["N1"], ["寻求锂电池正极材料技术合作"])
    m = match(build_index(experts), needs)
    assert experts.ids[m.profile].tolist() == ["X2"]


def test_high_reliability_finds_reliability():
    # 高可靠性 → 可靠 可靠性 高可靠性: the profile saying 可靠性测试 shares 可靠 and 可靠性
    experts = Profiles.of(["X1", "X2"], ["可靠性测试", "图像识别"])
    m = match(build_index(experts), Profiles.of(["N1"], ["高可靠性封装"]))
    assert experts.ids[m.profile].tolist() == ["X1"]
    assert m.shared_terms == [["可靠", "可靠性"]]  # same idf and tf: in token-id order


def test_codes_break_ties_in_text():
    # identical texts → identical BM25; X2 (the later row, which would lose a tie in score) has the code
    experts = Profiles.of(["X1", "X2"], ["功率器件封装", "功率器件封装"], codes=[{"H01M"}, {"H01L"}])
    needs = Profiles.of(["N1"], ["功率器件封装可靠性"], codes=[{"H01L"}])
    m = match(build_index(experts), needs)
    assert experts.ids[m.profile].tolist() == ["X2", "X1"]
    # H01L is the need's only code: codes = 1 for X2, 0 for X1; score difference 0.3 · 1
    assert m.codes.tolist() == [1.0, 0.0]
    assert m.score[0] - m.score[1] == pytest.approx(0.3)
    assert m.shared_codes == [["H01L"], []]


def test_same_city_beats_far_when_text_is_equal():
    # the need at (120°E, 31°N); X1 three degrees north (333.585 km), X2 0.1° north (11.120 km)
    experts = Profiles.of(["X1", "X2"], ["锂电池回收", "锂电池回收"], lon=[120.0, 120.0], lat=[34.0, 31.1])
    needs = Profiles.of(["N1"], ["锂电池回收工艺"], lon=[120.0], lat=[31.0])
    m = match(build_index(experts), needs)
    assert experts.ids[m.profile].tolist() == ["X2", "X1"]
    np.testing.assert_allclose(m.distance_km, [0.1 * DEGREE_KM, 3 * DEGREE_KM], rtol=1e-9)
    # 0.1 · (exp(-11.1195 / 150) - exp(-333.585 / 150)) = 0.1 · (0.928544 - 0.108179) = 0.082036
    assert m.score[0] - m.score[1] == pytest.approx(0.08203647401039815, rel=1e-9)


def test_unknown_location_adds_nothing():
    experts = Profiles.of(["X1", "X2"], ["锂电池回收", "锂电池回收"], lon=[np.nan, 120.0], lat=[np.nan, 31.0])
    m = match(build_index(experts), Profiles.of(["N1"], ["锂电池"]))  # the need's location unknown
    assert np.isnan(m.distance_km).all()
    assert m.score[0] == pytest.approx(m.score[1])  # ties in score go to the lower row
    assert m.profile.tolist() == [0, 1]


def test_a_past_tie_ranks_first_and_brings_its_profile():
    experts = Profiles.of(["X1", "X2", "X3"], ["锂电池回收", "锂电池回收", "图像识别"])
    needs = Profiles.of(["N1"], ["锂电池回收"])
    m = match(build_index(experts), needs, ties={("N1", "X2"): 1, ("N1", "X3"): 3, ("N9", "X1"): 5})
    # X2: same text as X1 plus 0.2 · 1/2 = 0.1; X3 shares nothing but has 3 ties: 0.2 · 3/4 = 0.15;
    # (N9, X1) names no query and is ignored
    assert experts.ids[m.profile].tolist() == ["X2", "X1", "X3"]
    assert m.ties.tolist() == [1.0, 0.0, 3.0]
    assert m.score[0] - m.score[1] == pytest.approx(0.1)
    assert m.score[2] == pytest.approx(0.15)
    # the same with a Ties object; repeated pairs are summed (1 + 2 = 3)
    t = Ties(np.array(["N1", "N1", "N1"]), np.array(["X2", "X3", "X3"]), np.array([1, 1, 2]))
    m2 = match(build_index(experts), needs, ties=t)
    assert m2.ties.tolist() == [1.0, 0.0, 3.0]


def test_voucher_eligibility():
    # no locations; the need in Jiangsu (32); X1 in Anhui (34), X2 in Shanghai (31), X3 in Jiangsu
    experts = Profiles.of(["X1", "X2", "X3"], ["锂电池回收"] * 3, province=["34", "31", "32"])
    needs = Profiles.of(["N1"], ["锂电池回收"], province=["32"])
    idx = build_index(experts)
    # Shanghai and Jiangsu honour each other's vouchers: X2 and X3 get 0.05, X1 not
    m = match(idx, needs, voucher_ok={("31", "32")})
    assert experts.ids[m.profile].tolist() == ["X2", "X3", "X1"]  # equal scores → lower row first
    assert m.voucher.tolist() == [True, True, False]
    assert m.score[0] - m.score[2] == pytest.approx(0.05)
    # without pairs only the same province: X3
    m = match(idx, needs)
    assert experts.ids[m.profile].tolist() == ["X3", "X1", "X2"]
    assert m.voucher.tolist() == [True, False, False]
    # an unknown province never is
    m = match(idx, Profiles.of(["N1"], ["锂电池回收"]), voucher_ok={("31", "32")})
    assert not m.voucher.any()


# ------------------------------------------------------------------------------------------------ explanations
def test_every_explanation_field():
    # three experts, N = 3: X1 碳化 化硅 碳化硅 功率 器件 封装 (dl 6), X2 锂电 电池 锂电池 正极 材料 (dl 5),
    # X3 功率 器件 驱动 电路 (dl 4); avgdl = 5
    experts = Profiles.of(
        ["X1", "X2", "X3"],
        ["碳化硅功率器件封装", "锂电池正极材料", "功率器件驱动电路"],
        codes=[{"H01L", "ic:packaging_test"}, {"H01M"}, {"H01L", "H03K"}],
        lon=[120.0, 120.0, np.nan],
        lat=[32.0, 30.0, np.nan],
        province=["32", "33", ""],
    )
    needs = Profiles.of(
        ["N1"],
        ["碳化硅功率器件高可靠性封装"],
        codes=[{"H01L", "H03K", "ic:packaging_test"}],
        lon=[120.0],
        lat=[31.0],
        province=["31"],
    )
    idx = build_index(experts)
    m = match(idx, needs, ties={("N1", "X1"): 3, ("N1", "X2"): 1}, voucher_ok={("31", "32")})
    assert experts.ids[m.profile].tolist() == ["X1", "X3", "X2"]
    assert m.rank.tolist() == [1, 2, 3] and m.query.tolist() == [0, 0, 0]

    # text. X1 has every query token the index knows (可靠 可靠性 高可靠性 are unknown), each once:
    # text = 1 / (1 + K), K = 1.5 (0.25 + 0.75 · 6/5) = 1.725 → 0.366972.
    # X3 has 功率 and 器件 (idf ln 1.6 each), K = 1.5 (0.25 + 0.75 · 4/5) = 1.275:
    # text = 2 ln 1.6 / 2.275 / (4 ln(8/3) + 2 ln 1.6) = 0.084961
    x3_text = 2 * LN_1_6 / 2.275 / (4 * LN_8_3 + 2 * LN_1_6)
    np.testing.assert_allclose(m.text, [1 / 2.725, x3_text, 0.0], rtol=1e-6)
    # shared terms: by BM25 weight; in X1 the rare tokens (idf ln 8/3) before 功率 and 器件 (ln 1.6)
    assert m.shared_terms == [["碳化", "化硅", "碳化硅", "封装", "功率", "器件"], ["功率", "器件"], []]

    # codes: idf(H01L) = ln 1.6 (2 of 3), idf(H03K) = idf(ic:packaging_test) = ln(8/3);
    # X1 and X3 each have H01L and one rare code: (ln 1.6 + ln 8/3) / (ln 1.6 + 2 ln 8/3) = 0.596642
    codes = (LN_1_6 + LN_8_3) / (LN_1_6 + 2 * LN_8_3)
    np.testing.assert_allclose(m.codes, [codes, codes, 0.0])
    assert m.shared_codes == [["ic:packaging_test", "H01L"], ["H03K", "H01L"], []]  # rarest first

    # distance: one degree of latitude each way; X3's location is unknown
    np.testing.assert_allclose(m.distance_km[[0, 2]], [DEGREE_KM, DEGREE_KM], rtol=1e-9)
    assert np.isnan(m.distance_km[1])
    # ties and voucher (31–32 honoured; X2 in 33, X3 unknown)
    assert m.ties.tolist() == [3.0, 0.0, 1.0]
    assert m.voucher.tolist() == [True, False, False]

    # score = text + 0.3 codes + 0.1 exp(-d/150) + 0.2 c/(c+1) + 0.05 voucher
    prox = math.exp(-DEGREE_KM / 150)  # 0.476494
    expected = [
        1 / 2.725 + 0.3 * codes + 0.1 * prox + 0.2 * 3 / 4 + 0.05,  # 0.793614
        x3_text + 0.3 * codes,  # 0.263954
        0.1 * prox + 0.2 * 1 / 2,  # 0.147649
    ]
    np.testing.assert_allclose(m.score, expected, rtol=1e-6)
    assert m.weights == Weights()

    frame = m.frame(needs.ids, experts.ids)
    assert frame.columns.tolist() == [
        "query", "profile", "query_id", "profile_id", "rank", "score", "text", "codes", "distance_km", "ties",
        "voucher", "shared_terms", "shared_codes",
    ]  # fmt: skip
    assert frame.profile_id.tolist() == ["X1", "X3", "X2"]
    assert frame.query_id.tolist() == ["N1"] * 3
    assert frame.shared_codes.iloc[0] == ["ic:packaging_test", "H01L"]


def test_weights_change_the_order():
    # X1 has every need token (dl 5), X2 three of them (dl 3) and the need's code; N = 2, avgdl 4.
    # idf: 锂电 电池 锂电池 in both: ln(1 + 0.5/2.5) = ln 1.2; 正极 材料 in X1 only: ln(1 + 1.5/1.5) = ln 2
    # X1: K = 1.5 (0.25 + 0.75 · 5/4) = 1.78125 → text = 1 / 2.78125 = 0.359551, codes 0
    # X2: K = 1.5 (0.25 + 0.75 · 3/4) = 1.21875 → text = 3 ln 1.2 / 2.21875 / (3 ln 1.2 + 2 ln 2) = 0.127508,
    #     codes 1
    experts = Profiles.of(["X1", "X2"], ["锂电池正极材料", "锂电池"], codes=[set(), {"H01M"}])
    needs = Profiles.of(["N1"], ["锂电池正极材料"], codes=[{"H01M"}])
    idx = build_index(experts)
    x2_text = 3 * math.log(1.2) / 2.21875 / (3 * math.log(1.2) + 2 * math.log(2))
    # default weights: X2 0.127508 + 0.3 = 0.427508 beats X1 0.359551
    m = match(idx, needs)
    assert experts.ids[m.profile].tolist() == ["X2", "X1"]
    np.testing.assert_allclose(m.score, [x2_text + 0.3, 1 / 2.78125], rtol=1e-6)
    # without codes, text decides: X1 0.359551, X2 0.127508
    m = match(idx, needs, weights=Weights(codes=0.0))
    assert experts.ids[m.profile].tolist() == ["X1", "X2"]
    # without text, only codes: X2 0.3, X1 scores 0 and is left out
    m = match(idx, needs, weights=Weights(text=0.0))
    assert experts.ids[m.profile].tolist() == ["X2"]
    assert m.score.tolist() == [0.3]


# ------------------------------------------------------------------------------------------------ directions
def test_reverse_direction_needs_for_an_expert():
    needs = Profiles.of(
        ["N1", "N2", "N3"],
        ["寻求锂电池正极材料烧结工艺合作", "图像识别算法优化", "锂电池回收"],
        codes=[{"H01M"}, {"G06V"}, {"H01M"}],
        kind="need",
    )
    expert = Profiles.of(["X1"], ["锂电池正极材料"], codes=[{"H01M"}], kind="expert")
    m = match(build_index(needs), expert, top_k=5)
    # N1 has all five expert tokens, N3 锂电 电池 锂电池; N2 nothing and no code
    assert needs.ids[m.profile].tolist() == ["N1", "N3"]
    assert m.shared_terms[0] == ["正极", "材料", "锂电", "电池", "锂电池"]  # idf ln(8/3) before ln 1.6
    assert m.shared_codes == [["H01M"], ["H01M"]]
    # and the forward direction ranks X1 first for N1 with the same functions
    forward = match(build_index(expert), needs)
    assert ranked_ids(forward, needs, build_index(expert)) == {"N1": ["X1"], "N3": ["X1"]}


def test_queries_without_known_tokens_anywhere_in_the_batch():
    # regression: the last queries know no token of the index (np.add.reduceat failed on them)
    experts = Profiles.of(["X1", "X2"], ["功率器件封装", "图像识别"])
    needs = Profiles.of(["N1", "N2", "N3"], ["功率封装", "量子通信", ""])
    m = match(build_index(experts), needs)
    assert ranked_ids(m, needs, build_index(experts)) == {"N1": ["X1"]}
    assert len(match(build_index(experts), Profiles.of([], []))) == 0


def test_top_k_and_candidates_cut():
    experts = Profiles.of([f"X{i}" for i in range(6)], ["锂电池"] * 3 + ["锂电池正极"] * 3)
    needs = Profiles.of(["N1"], ["锂电池正极"])
    idx = build_index(experts)
    m = match(idx, needs, top_k=2)
    assert experts.ids[m.profile].tolist() == ["X3", "X4"]
    assert m.rank.tolist() == [1, 2]
    # two candidates per route: the two best by BM25 (X3, X4) are the only ones scored
    assert experts.ids[match(idx, needs, top_k=2, candidates=2).profile].tolist() == ["X3", "X4"]


# ------------------------------------------------------------------------------------------------ reference
WORDS = ["功率", "芯片", "封装", "电池", "材料", "算法", "图像", "电机", "正极", "测试"]
CODES = ["H01L", "H01M", "G06V", "H02K"]


def reference(
    index: Index, queries: Profiles, w: Weights, ties: dict, voucher_ok: set
) -> list[dict[int, float]]:
    """The score of the module's docstring, profile by profile in pure Python, of every profile sharing a
    token, a code or a tie with each query (profile row → score, scores > 0 only)."""
    docs = [tokenize(t) for t in index.profiles.texts]
    n = len(docs)
    avgdl = sum(map(len, docs)) / n
    df: dict[str, int] = {}
    for d in docs:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    cdf: dict[str, int] = {}
    for cs in index.profiles.codes:
        for c in cs:
            cdf[c] = cdf.get(c, 0) + 1

    def idf(x: int) -> float:
        return math.log(1 + (n - x + 0.5) / (x + 0.5))

    out = []
    for qi, (qid, text) in enumerate(zip(queries.ids, queries.texts, strict=True)):
        qt = {t for t in tokenize(text) if t in df}
        qc = {c for c in queries.codes[qi] if c in cdf}
        tnorm = sum(idf(df[t]) for t in qt)
        cnorm = sum(idf(cdf[c]) for c in qc)
        rows: dict[int, float] = {}
        for p in range(n):
            pid = index.profiles.ids[p]
            tie = ties.get((qid, pid), 0)
            shared = qt & set(docs[p])
            shared_c = qc & index.profiles.codes[p]
            if not shared and not shared_c and not tie:
                continue
            bm = 0.0
            if shared:  # (avgdl > 0 then)
                k = 1.5 * (0.25 + 0.75 * len(docs[p]) / avgdl)
                bm = sum(idf(df[t]) * docs[p].count(t) / (docs[p].count(t) + k) for t in shared)
            text = bm / tnorm if tnorm else 0.0
            codes = sum(idf(cdf[c]) for c in shared_c) / cnorm if cnorm else 0.0
            lat1, lon1 = math.radians(queries.lat[qi]), math.radians(queries.lon[qi])
            lat2, lon2 = math.radians(index.profiles.lat[p]), math.radians(index.profiles.lon[p])
            h = (
                math.sin((lat2 - lat1) / 2) ** 2
                + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
            )
            prox = (
                0.0
                if math.isnan(h)
                else math.exp(-2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h))) / w.radius_km)
            )
            a, b = queries.province[qi], index.profiles.province[p]
            voucher = bool(a and b and (a == b or (a, b) in voucher_ok or (b, a) in voucher_ok))
            score = (
                w.text * text
                + w.codes * codes
                + w.distance * prox
                + w.ties * tie / (tie + 1)
                + w.voucher * voucher
            )
            if score > 0:
                rows[p] = score
        out.append(rows)
    return out


profile_rows = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS), max_size=6),
        st.sets(st.sampled_from(CODES), max_size=2),
        st.one_of(st.none(), st.tuples(st.floats(115, 123), st.floats(28, 35))),
        st.sampled_from(["", "31", "32", "33"]),
    ),
    min_size=1,
    max_size=12,
)


def profiles_of(prefix: str, rows) -> Profiles:
    return Profiles.of(
        [f"{prefix}{i}" for i in range(len(rows))],
        [" ".join(r[0]) for r in rows],
        codes=[r[1] for r in rows],
        lon=[np.nan if r[2] is None else r[2][0] for r in rows],
        lat=[np.nan if r[2] is None else r[2][1] for r in rows],
        province=[r[3] for r in rows],
    )


TEXT_ONLY = Weights(text=1.0, codes=0.0, distance=0.0, ties=0.0, voucher=0.0)


@settings(
    deadline=None,
    max_examples=80,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    experts=profile_rows,
    needs=profile_rows,
    tie_pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(1, 4)), max_size=4),
    top_k=st.integers(1, 5),
    cut=st.booleans(),
)
def test_match_agrees_with_a_pure_python_full_scan(experts, needs, tie_pairs, top_k, cut):
    e, q = profiles_of("X", experts), profiles_of("N", needs)
    ties = {(f"N{a}", f"X{b}"): c for a, b, c in tie_pairs}
    voucher_ok = {("31", "32")}
    idx = build_index(e)
    if cut:
        # text only with candidates = top_k: the kernel's BM25 cut must keep exactly the k best
        w = TEXT_ONLY
        m = match(idx, q, top_k=top_k, weights=w, ties=ties, voucher_ok=voucher_ok, candidates=top_k)
    else:
        # candidates >= the number of profiles: every sharer is scored, as in the full scan
        w = Weights()
        m = match(idx, q, top_k=top_k, ties=ties, voucher_ok=voucher_ok, candidates=max(top_k, len(e)))
    want = reference(idx, q, w, ties, voucher_ok)
    for qi, scores in enumerate(want):
        sel = m.query == qi
        # the top-k scores are the reference's k best (BM25 weights are float32: rtol 1e-5)
        best = sorted(scores.values(), reverse=True)[:top_k]
        np.testing.assert_allclose(m.score[sel], best, rtol=1e-5)
        # and each returned profile has that score in the reference (which profile wins an exact tie may
        # differ by rounding)
        for p, s in zip(m.profile[sel], m.score[sel], strict=True):
            assert scores[int(p)] == pytest.approx(s, rel=1e-5)
        assert m.rank[sel].tolist() == list(range(1, len(best) + 1))


# ------------------------------------------------------------------------------------------------ evaluate
def test_evaluate_by_hand():
    ranked = {"n1": ["a", "b", "c"], "n2": ["d", "e", "f"], "n3": ["g", "g", "h"], "n9": ["z"]}
    truth = {"n1": {"b", "x"}, "n2": {"d", "e", "f", "y"}, "n3": {"h"}, "n4": set()}
    e = evaluate(ranked, truth, k=3)
    # n1: top a b c, b at rank 2 → P 1/3, R 1/2, RR 1/2
    # n2: d e f all relevant → P 1, R 3/4, RR 1
    # n3: g counted once → top g h, h at rank 2 → P 1/3, R 1, RR 1/2
    # n4 has no answers (skipped), n9 is not labelled (ignored)
    # P = (1/3 + 1 + 1/3)/3 = 5/9, R = (1/2 + 3/4 + 1)/3 = 3/4, MRR = (1/2 + 1 + 1/2)/3 = 2/3
    assert e == Evaluation(k=3, precision_at_k=pytest.approx(5 / 9), recall_at_k=pytest.approx(3 / 4),
                           mrr=pytest.approx(2 / 3), n_queries=3, n_unranked=0)  # fmt: skip
    # k = 1: n1 a ✗, n2 d ✓, n3 g ✗ → P = 1/3, R = (0 + 1/4 + 0)/3 = 1/12, MRR = 1/3
    e1 = evaluate(ranked, truth, k=1)
    assert (e1.precision_at_k, e1.recall_at_k, e1.mrr) == pytest.approx((1 / 3, 1 / 12, 1 / 3))
    # nothing labelled: zeros
    assert evaluate(ranked, {}, k=2) == Evaluation(2, 0.0, 0.0, 0.0, 0, 0)


def test_evaluate_a_match():
    experts = Profiles.of(["X1", "X2", "X3"], ["图像识别算法", "锂电池正极材料", "锂电池回收"])
    needs = Profiles.of(["N1", "N2"], ["锂电池正极材料", "图像识别"])
    idx = build_index(experts)
    ranked = ranked_ids(match(idx, needs), needs, idx)
    assert ranked == {"N1": ["X2", "X3"], "N2": ["X1"]}
    # N1's answer X3 is second → RR 1/2, P@2 1/2, R 1; N2's X1 first → RR 1, P@2 1/2, R 1
    e = evaluate(ranked, {"N1": {"X3"}, "N2": {"X1"}}, k=2)
    assert (e.precision_at_k, e.recall_at_k, e.mrr) == pytest.approx((0.5, 1.0, 0.75))


# ------------------------------------------------------------------------------------------------ parameters
def _experts():
    return Profiles.of(["X1", "X2"], ["功率器件封装", "图像识别"])


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: match(build_index(_experts()), _experts(), top_k=0), "top_k"),
        (lambda: match(build_index(_experts()), _experts(), top_k=1.5), "top_k"),
        (lambda: match(build_index(_experts()), _experts(), top_k=5, candidates=4), "candidates"),
        (lambda: match(build_index(_experts()), _experts(), weights={"text": 1}), "weights"),
        (lambda: match(_experts(), _experts()), "index"),
        (lambda: match(build_index(_experts()), ["功率"]), "queries"),
        (lambda: match(build_index(_experts()), _experts(), ties=[("X1", "X2")]), "ties"),
        (lambda: match(build_index(_experts()), _experts(), ties={("X1", "X2"): -1}), "ties.counts"),
        (lambda: match(build_index(_experts()), _experts(), ties={"X1": 1}), "ties"),
        (lambda: match(build_index(_experts()), _experts(), voucher_ok="31-32"), "voucher_ok"),
        (lambda: match(build_index(_experts()), _experts(), voucher_ok={("31",)}), "voucher_ok"),
        (lambda: Weights(text=-1), "weights.text"),
        (lambda: Weights(codes=float("nan")), "weights.codes"),
        (lambda: Weights(radius_km=0), "weights.radius_km"),
        (lambda: Weights(voucher=True), "weights.voucher"),
        (lambda: Weights(0, 0, 0, 0, 0), "weights"),
        (lambda: build_index(_experts(), k1=0), "k1"),
        (lambda: build_index(_experts(), b=1.5), "b"),
        (lambda: build_index(Profiles.of([], [])), "profiles"),
        (lambda: build_index(["功率"]), "profiles"),
        (lambda: Profiles.of(["X1", "X1"], ["a", "b"]), "ids"),
        (lambda: Profiles.of(["X1", None], ["a", "b"]), "ids"),
        (lambda: Profiles.of(["X1"], ["a", "b"]), "texts"),
        (lambda: Profiles.of(["X1"], [3]), "texts"),
        (lambda: Profiles(np.array(["X1"]), ["a"], ["H01L"], [1.0], [1.0], [""], [""]), "codes"),
        (lambda: Profiles.of(["X1"], ["a"], lon=[120.0], lat=[95.0]), "lat"),
        (lambda: Profiles.of(["X1"], ["a"], lon=[200.0], lat=[30.0]), "lon"),
        (lambda: Profiles.of(["X1"], ["a"], province=["JS"]), "province"),
        (lambda: evaluate({}, {}, k=0), "k"),
        (lambda: evaluate({"a": "x"}, {}, k=1), "ranked"),
        (lambda: evaluate({}, {"a": "x"}, k=1), "truth"),
        (lambda: evaluate([], {}, k=1), "ranked"),
    ],
)
def test_bad_parameters_raise_config_error_naming_the_parameter(call, param):
    with pytest.raises(ConfigError) as e:
        call()
    assert e.value.param == param
    assert str(e.value).startswith(f"{param}: ")


def test_profiles_accept_lists_of_codes_and_do_not_change_inputs():
    # equal-length lists of codes stay one set per row (np.asarray would make a 2-d array of them)
    lon = np.array([120.0, np.nan])
    lat = np.array([31.0, 30.0])
    p = Profiles(np.array(["X1", "X2"]), ["功率", "电池"], [["H01L"], ["H01M"]], lon, lat, ["", ""], ["", ""])
    assert p.codes == [frozenset({"H01L"}), frozenset({"H01M"})]
    # X2's latitude is unknown once its longitude is, in the profile but not in the caller's array
    assert np.isnan(p.lat[1]) and lat[1] == 30.0
    assert not p.lat.flags.writeable


# ------------------------------------------------------------------------------------------------ determinism
def test_deterministic_across_runs_and_threads():
    rng = np.random.default_rng(16)
    n = 300
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(1, 6))) for _ in range(n)]
    experts = Profiles.of(
        [f"X{i}" for i in range(n)],
        texts,
        codes=[set(rng.choice(CODES, size=rng.integers(0, 3), replace=False)) for _ in range(n)],
        lon=rng.uniform(115, 123, n),
        lat=rng.uniform(28, 35, n),
        province=rng.choice(["31", "32", "33", "34"], n),
    )
    needs = Profiles.of(
        [f"N{i}" for i in range(40)],
        [" ".join(rng.choice(WORDS, size=3)) for _ in range(40)],
        codes=[{str(rng.choice(CODES))} for _ in range(40)],
        lon=rng.uniform(115, 123, 40),
        lat=rng.uniform(28, 35, 40),
        province=rng.choice(["31", "32", "33", "34"], 40),
    )
    runs = []
    before = numba.get_num_threads()
    try:
        for threads in (1, before, before):
            numba.set_num_threads(threads)
            m = match(build_index(experts), needs, top_k=10, candidates=20, voucher_ok={("31", "32")})
            runs.append(m)
    finally:
        numba.set_num_threads(before)
    first = runs[0]
    assert len(first) == 40 * 10
    for other in runs[1:]:
        for name in ("query", "profile", "rank", "score", "text", "codes", "distance_km", "ties", "voucher"):
            np.testing.assert_array_equal(getattr(first, name), getattr(other, name))
        assert first.shared_terms == other.shared_terms and first.shared_codes == other.shared_codes
