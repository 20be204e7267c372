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
