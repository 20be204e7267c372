"""Tests for chainatlas.model.codes: credit codes, GB/T 4754, HS, IPC.

Countries are tested in test_geo.py, dates in test_ingest_dates.py, synthetic credit codes in test_synth.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainatlas.errors import ConfigError
from chainatlas.model import codes as C

# ---------------------------------------------------------------------------------------------------------------
# 统一社会信用代码

# Published codes of real companies, as shown in the national enterprise credit information publicity system
# (国家企业信用信息公示系统) and the companies' disclosures. Each also passes the independent GB 11714 check of its
# organisation-code part (characters 9-17), which confirms the transcription.
REAL_CODES = {
    "914403001922038216": "华为技术有限公司 (organisation code 19220382-1)",
    "91440300192317458F": "比亚迪股份有限公司 (SZ 002594; organisation code 19231745-8)",
    "91110108551385082Q": "小米科技有限责任公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司, 杭州",
    "91520000214434146R": "中航重机股份有限公司 (SH 600765)",
}

charset = st.sampled_from(C.CREDIT_CODE_CHARSET)
body17 = st.text(alphabet=C.CREDIT_CODE_CHARSET, min_size=17, max_size=17)


def test_weights_are_the_standard_table():
    # GB 32100-2015 Annex B lists these weights; they are 3^(i-1) mod 31
    assert C.CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(C.CREDIT_CODE_CHARSET) == 31 and not set("IOZSV") & set(C.CREDIT_CODE_CHARSET)


@pytest.mark.parametrize("code", sorted(REAL_CODES))
def test_real_published_codes_pass(code):
    assert C.credit_code_check_char(code[:17]) == code[17]
    assert C.is_valid_credit_code(code)
    assert C.org_code_check_char(code[8:16]) == code[16]


def test_validate_vectorised_on_real_codes_and_junk():
    s = pd.Series([*REAL_CODES, "914403001922038217", "91440300192203821", None, 914403001922038216, "ＡＢ"])
    assert C.validate_credit_codes(s).tolist() == [True] * 5 + [False, False, False, True, False]


def test_validate_keeps_index_and_name():
    s = pd.Series(list(REAL_CODES), index=list("abcde"), name="credit_code")
    out = C.validate_credit_codes(s)
    assert list(out.index) == list("abcde") and out.name == "credit_code" and out.dtype == bool


@pytest.mark.parametrize("code", sorted(REAL_CODES))
def test_every_single_substitution_is_detected(code):
    # 31 is prime and every weight is non-zero mod 31, so any one changed character changes the check sum
    for i in range(18):
        for c in C.CREDIT_CODE_CHARSET:
            if c != code[i]:
                assert not C.is_valid_credit_code(code[:i] + c + code[i + 1 :]), (i, c)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters_fail(letter):
    code = "914403001922038216"
    for i in (1, 10, 17):
        assert not C.is_valid_credit_code(code[:i] + letter + code[i + 1 :])


def test_lower_case_and_blanks_fail_but_normalize_repairs():
    raw = pd.Series(
        ["91440300192317458f", " 9144 0300 1923 1745 8F ", "９１４４０３００１９２３１７４５８Ｆ"]
    )
    assert not C.validate_credit_codes(raw).any()
    fixed = C.normalize_credit_codes(raw)
    assert fixed.tolist() == ["91440300192317458F"] * 3
    assert C.validate_credit_codes(fixed).all()


def test_administrative_part_must_be_digits():
    body = "91A403001922038"  # letter in characters 3-8
    code = body + "21"
    first17 = code[:17]
    assert not C.is_valid_credit_code(first17 + C.credit_code_check_char(first17))


@given(body17)
@settings(max_examples=300)
def test_check_char_round_trip(body):
    code = body + C.credit_code_check_char(body)
    ok = body[2:8].isdigit()
    assert C.is_valid_credit_code(code) == ok


@given(body17, st.integers(0, 15))
@settings(max_examples=300)
def test_adjacent_transposition_is_detected(body, i):
    # the 17 weights are distinct (3 is a primitive root mod 31), so swapping two different neighbours is caught
    body = body[:2] + "440300" + body[8:]
    code = body + C.credit_code_check_char(body)
    if code[i] != code[i + 1] and i + 1 < 17:
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        assert not C.is_valid_credit_code(swapped)


# ---------------------------------------------------------------------------------------------------------------
# GB/T 4754-2017


def test_gbt4754_counts_match_nbs():
    # SOURCE.md and NBS: 20 门类, 97 大类, 473 中类, 1,382 小类 in GB/T 4754-2017 with amendment No. 1
    counts = C.gbt4754_codes()["level_name"].value_counts().to_dict()
    assert counts == {"门类": 20, "大类": 97, "中类": 473, "小类": 1382}


def test_gbt4754_names_and_hierarchy():
    df = C.gbt4754_codes().set_index("code")
    assert df.loc["3973", "name"] == "集成电路制造"
    assert df.loc["3973", "parent_code"] == "397" and df.loc["397", "parent_code"] == "39"
    assert df.loc["39", "parent_code"] == "C" and pd.isna(df.loc["C", "parent_code"])
    assert df.loc["9231", "name"] == "监察委员会"  # added by the 2019 amendment


def test_is_and_validate_gbt4754():
    assert C.is_gbt4754("3973") and C.is_gbt4754("3973", level=4) and C.is_gbt4754("397", level="中类")
    assert not C.is_gbt4754("3970") and not C.is_gbt4754(3973) and C.is_gbt4754("C")
    s = pd.Series(["3973", "397", "39", "C", "3970", "C3973", None, ""])
    assert C.validate_gbt4754(s).tolist() == [True, True, True, False, False, False, False, False]
    assert C.validate_gbt4754(s, levels=[4]).tolist() == [True] + [False] * 7
    with pytest.raises(ConfigError, match="level"):
        C.validate_gbt4754(s, levels=[5])


def test_gbt4754_numeric_column_is_refused():
    with pytest.raises(ConfigError, match="leading"):
        C.validate_gbt4754(pd.Series([711, 3973]))
    assert not C.validate_gbt4754(pd.Series([np.nan, np.nan])).any()  # an empty column is fine


def test_normalize_gbt4754():
    s = pd.Series(["C3973", " 3973 ", "３９７３", "A3973", "c3612", None])
    assert C.normalize_gbt4754(s).tolist() == ["3973", "3973", "3973", "A3973", "3612", np.nan]


def test_gbt4754_from_2011():
    s = pd.Series(["0111", "3963", "6550", "0511", "0170", "6510", "0390", "9999", "39", None])
    code, method = C.gbt4754_from_2011(s)
    # 3963 集成电路制造 (2011) is 3973 in 2017; 6550 集成电路设计 (2011) is 6520 — 6550 means something else in 2017
    assert code.tolist() == ["0111", "3973", "6520", "0512", "017", "651", np.nan, np.nan, "39", np.nan]
    assert method.tolist() == [
        "exact", "crosswalk2011", "crosswalk2011", "crosswalk2011", "crosswalk2011", "crosswalk2011",
        np.nan, np.nan, "exact", np.nan,
    ]  # fmt: skip


def test_gbt4754_tags():
    sei = C.gbt4754_tags()
    assert set(sei["classification"]) == {"strategic_emerging"} and sei["partial"].dtype == bool
    ic = sei[sei["gbt4754_code"] == "3973"]
    assert (ic["path_l3"] == "集成电路制造").any()
    assert (sei.loc[sei["gbt4754_code"] == "3612", "path_l1"] == "新能源汽车产业").any()
    assert len(C.gbt4754_tags(None)) == 1786
    with pytest.raises(ConfigError, match="strategic_emerging"):
        C.gbt4754_tags("nope")


# ---------------------------------------------------------------------------------------------------------------
# HS


@pytest.mark.parametrize(("edition", "counts"), [("2017", (97, 1223, 5388)), ("2022", (97, 1229, 5613))])
def test_hs_counts(edition, counts):
    # SOURCE.md (UN Comtrade lists): chapters / headings / subheadings, Comtrade's 99 / 9999 / 999999 included
    df = C.hs_codes(edition)
    assert tuple(df["level"].value_counts().sort_index()) == counts
    assert "TOTAL" not in set(df["hscode"])


def test_hs_edition_guard():
    with pytest.raises(ConfigError, match="2017"):
        C.hs_codes("2012")


def test_validate_hs():
    s = pd.Series(
        [
            "85",
            "8542",
            "854231",
            "85423100",
            "8542310000",
            "8542.31",
            "880621",
            "854200",
            "8542310",
            "85x2",
            None,
            "",
        ]
    )
    assert C.validate_hs(s).tolist() == [
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]


def test_hs_2017_only_and_2022_only_codes_are_valid():
    # 8806 unmanned aircraft is new in HS 2022; 854140 (2017 photosensitive devices) was split in 2022
    assert "8806" not in set(C.hs_codes("2017")["hscode"]) and "854140" not in set(
        C.hs_codes("2022")["hscode"]
    )
    assert C.validate_hs(pd.Series(["8806", "854140"])).all()


def test_normalize_hs():
    assert C.normalize_hs(pd.Series(["8542.31.00", "85423100", "8542", "0101 21", "abc", None])).tolist() == [
        "854231", "854231", "8542", "010121", np.nan, np.nan,
    ]  # fmt: skip
    # a numeric column has lost the leading zero: HS codes have an even number of digits, so it is restored
    assert C.normalize_hs(pd.Series([10121, 85423100, np.nan])).tolist() == ["010121", "854231", np.nan]


# ---------------------------------------------------------------------------------------------------------------
# IPC


def test_ipc_pattern():
    for ok in ("H01L 21/02", "H01L21/02", "G06N", "G06N 3/08", "A61K 31/4045", "B60L 53/10"):
        assert C.IPC_PATTERN.match(ok), ok
    for bad in ("I01L", "H1L", "H01L 21", "H01L 21/2", "H01L 12345/02", "H01L 21/0203045"):
        assert not C.IPC_PATTERN.match(bad), bad


def test_normalize_ipc():
    s = pd.Series(
        ["H01L 21/02", "h01l21/02", "H01L  21 / 020", "H01L0021020000", "H01L0021000000", "G06N 3/08 (2006.01)",
         "G06N", "H01L 021/67", "B60L  53/80        20190101AFI20230412BHEP", "Z01L", "H01L 21", None]
    )  # fmt: skip
    assert C.normalize_ipc(s).tolist() == [
        "H01L 21/02", "H01L 21/02", "H01L 21/02", "H01L 21/02", "H01L 21/00", "G06N 3/08", "G06N", "H01L 21/67",
        "B60L 53/80", np.nan, np.nan, np.nan,
    ]  # fmt: skip
    assert C.validate_ipc(s).tolist() == [True] * 9 + [False] * 3
    assert C.ipc_subclass(s).tolist()[:3] == ["H01L"] * 3


@given(
    st.sampled_from("ABCDEFGH"), st.integers(1, 99), st.sampled_from("ABCDEFGHJKLMNPQ"), st.integers(1, 9999),
    st.from_regex(r"\A[0-9]{2}[0-9]{0,4}\Z"),
)  # fmt: skip
def test_normalize_ipc_is_idempotent(section, cls, sub, main, subgroup):
    sym = f"{section}{cls:02d}{sub}{main}/{subgroup}"
    once = C.normalize_ipc(pd.Series([sym]))
    assert once.notna().all()
    assert C.normalize_ipc(once).tolist() == once.tolist()


def test_normalize_key_text_is_the_one_key_normalisation():
    import pyarrow as pa

    arr = pa.array(
        ["cn２０２３１０１２３４５６.７ ", "\ufeffCN202310123456.7", "\u3000", None, "ａｂｃ（x）"]
    )
    assert C.normalize_key_text(arr).to_pylist() == [
        "CN202310123456.7",
        "CN202310123456.7",
        None,
        None,
        "ABC(X)",
    ]
    assert C.normalize_key_text(arr, upper=False).to_pylist()[4] == "abc(x)"
    same = pa.array(["CN1", None])
    assert C.normalize_key_text(same) is same  # nothing to change: no copy


@given(st.text(max_size=30))
def test_normalize_keys_is_idempotent_and_case_free(v):
    once = C.normalize_keys(pd.Series([v, v.lower(), v.upper()])).fillna("\x00").tolist()
    assert once == C.normalize_keys(pd.Series(once)).fillna("\x00").tolist()
    if v.isascii():
        assert once[0] == once[1] == once[2]
