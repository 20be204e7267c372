"""Views the map reads: place search fields."""

from __future__ import annotations

import re

from chainatlas import geo
from chainatlas.pipeline import views


def test_place_pinyin_follows_the_official_romanisation() -> None:
    """Type-ahead pinyin of every bundled place equals its English name's letters (the romanisation decides
    between readings: 长宁 Changning, 六合 Luhe, 乐清 Yueqing), with initials for short queries."""
    p = geo.places()
    for zh, en in zip(p["short_zh"].fillna(p["name_zh"]), p["name_en"], strict=True):
        full, initials = views._pinyin(zh, en)
        assert full == re.sub(r"[^a-z]", "", en.lower()), (zh, en, full)
        assert len(initials) == len(zh)
    assert views._pinyin("长宁", "Changning") == ("changning", "cn")
    assert views._pinyin("六合", "Luhe") == ("luhe", "lh")
    assert views._pinyin("吴江", "Wujiang") == ("wujiang", "wj")


def test_places_carry_their_city_and_province(atlas) -> None:
    d = views.places(atlas, "county").set_index("unit")
    assert d.loc["320583", ["city", "province", "initials"]].tolist() == ["320500", "320000", "ks"]  # 昆山市
    c = views.places(atlas, "city").set_index("unit")
    assert c["city"].isna().all() and c.loc["320500", "pinyin"] == "suzhou"
