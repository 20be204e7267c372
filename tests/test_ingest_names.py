"""Name matching keys (chainatlas.model.names)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainatlas.model.names import normalize_names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("苏州纳米科技有限公司", "苏州 纳米科技 有限公司"),
        ("杭州示例智能（集团）有限公司", "杭州示例智能(集团)有限公司"),
        ("杭州示例智能（集团）有限公司", "杭州示例智能集团有限公司"),
        ("阿里巴巴（中国）有限公司", "阿里巴巴（中国）有限责任公司"),  # two spellings of one legal form
        ("甲股份公司", "甲股份有限公司"),
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),  # full-width Latin
        ("上海·华虹宏力", "上海华虹宏力"),
        ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO LTD"),
        ("Acme Company Limited", "ACME Co., Ltd"),
        ("Acme Corporation", "ACME Corp."),
        ("甲\u200b公司", "甲公司"),  # zero-width space
        ("甲　公司", "甲公司"),  # ideographic space
    ],
)
def test_same_key(a, b):
    assert normalize_names(pd.Series([a])).iloc[0] == normalize_names(pd.Series([b])).iloc[0]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("甲有限公司", "甲股份有限公司"),  # different legal forms are different firms
        ("苏州纳米科技有限公司", "苏州纳米科技有限公司苏州分公司"),
        ("复旦大学", "浙江大学"),
    ],
)
def test_different_key(a, b):
    assert normalize_names(pd.Series([a])).iloc[0] != normalize_names(pd.Series([b])).iloc[0]


def test_missing_and_index_kept():
    s = pd.Series(["（）", None, "甲"], index=[10, 20, 30], name="n")
    out = normalize_names(s)
    assert out.index.tolist() == [10, 20, 30] and out.name == "n"
    assert pd.isna(out.iloc[0]) and pd.isna(out.iloc[1]) and out.iloc[2] == "甲"
    assert str(out.dtype) == "string"


def test_object_input():
    assert normalize_names(pd.Series(["A 公司", None], dtype=object)).tolist()[0] == "a公司"


@given(st.lists(st.text(max_size=30), max_size=20))
def test_idempotent_and_free_of_noise(values):
    once = normalize_names(pd.Series(values, dtype="string"))
    assert once.fillna("\x00").tolist() == normalize_names(once).fillna("\x00").tolist()
    for v in once.dropna():
        assert v == v.strip() and " " not in v and "(" not in v and v == v.lower()


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20))
def test_full_width_spelling_is_the_same_key(name):
    s = pd.Series([name + "有限公司", full_width(name) + "有限公司"])
    a, b = normalize_names(s).tolist()
    assert a == b


def test_validated_names_keep_their_spelling_and_share_a_key():
    """Stored names are as given (case, brackets); only the matching key is NFKC and lower case."""
    from chainatlas.ingest import validate

    frame = pd.DataFrame(
        {
            "credit_code": ["914403001922038216", "91110108551385082Q"],
            "name": ["ＡＣＭＥ（苏州）有限公司", "Acme(苏州)有限公司"],
            "adcode": ["320506", "320506"],
        },
        dtype="string[pyarrow]",
    )
    batch = validate("firms", frame, "firms.csv")
    assert batch.errors == []
    assert batch.table["name"].tolist() == ["ＡＣＭＥ（苏州）有限公司", "Acme(苏州)有限公司"]
    assert batch.table["name_norm"].tolist() == ["acme苏州有限公司", "acme苏州有限公司"]
