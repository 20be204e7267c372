"""Industry names to GB/T 4754-2017 codes (``chainatlas.ingest.industry_names``, ``chainatlas codes suggest``).

Expected codes are the official titles of GB/T 4754-2017 (国家统计局, 国民经济行业分类, with 第1号修改单 2019)
and of the NBS 战略性新兴产业分类(2018) as bundled in ``data/classifications`` (see ATTRIBUTION.md):
6520 集成电路设计, 3973 集成电路制造, 3841 锂离子电池制造, 3612 新能源车整车制造 (SEI category
新能源汽车整车制造), 651 软件开发 / 6513 应用软件开发, 3491 工业机器人制造, 3974 显示器件制造,
36 汽车制造业.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas.cli.codes import codes
from chainatlas.errors import ConfigError
from chainatlas.ingest.industry_names import (
    CONFIDENT,
    REVIEW_COLUMNS,
    normalize_industry_name,
    read_names,
    suggest,
    summarize,
    write_review,
)
from chainatlas.model.codes import is_gbt4754

# name → the official code it must get at rank 1 (a prefix: 651x accepts 651 and its 小类)
KNOWN = {
    "集成电路设计": "6520",  # exact title
    "锂离子电池制造": "3841",  # exact title
    "新能源汽车整车制造": "3612",  # exact SEI category naming 3612 alone
    "软件开发": "651",  # exact title of the 中类
    "集成电路制造": "3973",  # exact title
    "汽车制造": "36",  # 汽车制造业 without 业
    "芯片设计": "6520",  # 芯片 written out as 集成电路
    "锂离子电池": "3841",  # keyword inside the title
    "锂电池": "3841",  # 锂电 written out
    "新能源汽车": "3612",  # keyword inside the SEI category
    "应用软件": "6513",
    "工业机器人": "3491",
    "服务机器人": "3964",  # 服务消费机器人制造
    "显示器件": "3974",
    "半导体分立器件": "3972",
    "化学药品制剂": "2720",
    "汽车零部件": "3670",
    "苏州某某集成电路设计有限公司": "6520",  # a firm name: suffix stripped, place words unmatched
    "生物药品": "276",  # 生物药品制品制造
    "风力发电": "4415",
    "太阳能发电": "4416",
    "互联网数据服务": "6450",
    "信息系统集成服务": "6531",
    "光伏设备": "3825",  # 光伏设备及元器件制造
    "电池": "384",  # 电池制造 (中类)
    "汽车整车": "361",  # 汽车整车制造 (中类) over 3611/3612
    "医疗器械": "358",  # 医疗仪器设备及器械制造
    "电子元件": "398",  # 电子元件及电子专用材料制造
    "纺织服装": "18",  # 纺织服装、服饰业
}
# nonsense, and words so generic (制造, 服务) that hundreds of titles tie: no suggestion
NONSENSE = ["量子波动速读", "哈哈哈", "今天天气很好", "制造", "服务"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return suggest([*KNOWN, *NONSENSE], top=3)


def test_top_suggestion_is_the_official_code(table: pd.DataFrame) -> None:
    first = table[table["rank"] == 1].set_index("name")["code"]
    wrong = {n: first.get(n) for n, code in KNOWN.items() if not str(first.get(n)).startswith(code)}
    assert wrong == {}
    assert all(is_gbt4754(c) for c in table["code"].dropna())


def test_exact_titles_have_confidence_one_and_exact_categories_point_nine(table: pd.DataFrame) -> None:
    first = table[table["rank"] == 1].set_index("name")
    for name in ("集成电路设计", "锂离子电池制造", "软件开发", "集成电路制造", "汽车制造"):
        assert first.at[name, "confidence"] == 1.0
        assert first.at[name, "evidence"].startswith("exact title")
    assert first.at["新能源汽车整车制造", "confidence"] == 0.9
    assert first.at["新能源汽车整车制造", "title"] == "新能源车整车制造"
    assert first.at["芯片设计", "evidence"] == "exact title 集成电路设计 (芯片=集成电路)"


def test_ranks_and_confidence_ordering(table: pd.DataFrame) -> None:
    assert list(table.columns) == REVIEW_COLUMNS
    for name, g in table.groupby("name", sort=False):
        if name in NONSENSE:
            continue
        assert g["rank"].tolist() == list(range(1, len(g) + 1)) and 1 <= len(g) <= 3
        conf = g["confidence"].to_numpy()
        assert ((conf >= 0) & (conf <= 1)).all()
        assert (conf[:-1] >= conf[1:]).all(), name
        assert g["code"].is_unique
    assert table["accept"].isna().all()


def test_a_tie_between_unrelated_codes_is_not_confident() -> None:
    # 集成电路 alone: 3973 制造 and 6520 设计 are both in the words; neither may be accepted unreviewed
    df = suggest(["集成电路"], top=2)
    assert set(df["code"]) == {"3973", "6520"}
    assert df["confidence"].max() < CONFIDENT
    # while the exact title leaves its rival far behind
    exact = suggest(["集成电路设计"], top=2)
    assert exact["code"].tolist() == ["6520", "3973"]
    assert exact["confidence"].iloc[1] < 0.5


def test_keyword_scores_rank_the_containing_title_above_the_parent() -> None:
    df = suggest(["锂离子电池"], top=3)
    assert df["code"].iloc[0] == "3841"
    assert 0.5 < df["confidence"].iloc[0] < 1.0  # good evidence, but not a title: worth a look


def test_evidence_spread_over_one_group_rolls_up_to_the_parent() -> None:
    # 汽车整车 is in 3611 汽柴油车整车制造 and 3612 新能源车整车制造 alike: the 中类 361 汽车整车制造 leads
    df = suggest(["汽车整车"], top=3)
    assert df["code"].iloc[0] == "361"
    assert df["level"].iloc[0] == "中类"
    assert set(df["code"].iloc[1:]) <= {"3611", "3612"}


def test_nonsense_gets_no_suggestion(table: pd.DataFrame) -> None:
    rows = table[table["name"].isin(NONSENSE)]
    assert len(rows) == len(NONSENSE)
    assert (rows["rank"] == 0).all() and rows["code"].isna().all() and (rows["confidence"] == 0).all()


def test_summary_counts(table: pd.DataFrame) -> None:
    s = summarize(table)
    assert s.names == len(KNOWN) + len(NONSENSE)
    assert s.none == len(NONSENSE)
    first = table[table["rank"] == 1]
    assert s.confident == int((first["confidence"] >= CONFIDENT).sum())
    assert s.confident >= 15  # the exact titles and categories, and clear keywords (显示器件 0.975)
    assert s.confident + s.review + s.none == s.names


def test_normalisation() -> None:
    assert normalize_industry_name("集成电路设计") == normalize_industry_name("  集成电路设计 ")
    assert normalize_industry_name("ＩＣ设计（集团）股份有限公司") == "IC设计"
    assert normalize_industry_name("软件开发等") == "软件开发"
    assert normalize_industry_name("集团") == "集团"  # nothing left: kept as it was
    assert normalize_industry_name(None) == ""


def test_duplicates_blanks_and_bad_top() -> None:
    df = suggest(["软件开发", "软件开发", " ", None], top=1)  # type: ignore[list-item]
    assert df["name"].tolist() == ["软件开发"]
    assert suggest([], top=3).empty
    with pytest.raises(ConfigError, match="top"):
        suggest(["软件开发"], top=0)


def test_review_file_has_a_bom_and_round_trips(table: pd.DataFrame, tmp_path) -> None:
    path = write_review(table, tmp_path / "review.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # UTF-8 BOM: Excel reads it as UTF-8
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == REVIEW_COLUMNS
    assert back["code"].tolist() == table["code"].fillna("").tolist()  # codes stay text ("0111" keeps its 0)
    assert back["name"].tolist() == table["name"].tolist()
    assert back["rank"].astype(int).tolist() == table["rank"].tolist()
    assert (back["accept"] == "").all()
    xlsx = write_review(table, tmp_path / "review.xlsx")
    xb = pd.read_excel(xlsx, dtype=str, engine="openpyxl")
    assert xb["code"].dropna().tolist() == table["code"].dropna().tolist()
    with pytest.raises(ConfigError, match="output"):
        write_review(table, tmp_path / "review.json")


def test_read_names_from_a_gb18030_file(tmp_path) -> None:
    f = tmp_path / "firms.csv"
    f.write_bytes("企业,代码,行业\n甲,1,集成电路设计\n乙,2,\n丙,3,锂电池\n".encode("gb18030"))
    assert read_names(f, "行业") == ["集成电路设计", "锂电池"]
    assert read_names(f) == ["甲", "乙", "丙"]  # the first text column
    with pytest.raises(ConfigError, match="no column 'industry'"):
        read_names(f, "industry")


def test_cli_suggest_writes_the_review_file(tmp_path) -> None:
    f = tmp_path / "names.csv"
    f.write_text("行业\n集成电路设计\n新能源汽车整车制造\n哈哈哈\n", encoding="utf-8")
    out = tmp_path / "review.csv"
    r = CliRunner().invoke(codes, ["suggest", str(f), "--column", "行业", "--top", "2", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "3 names: 2 with a confident top suggestion (≥ 0.8), 0 to review, 1 with none" in r.output
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert back.loc[back["rank"] == "1", "code"].tolist() == ["6520", "3612"]

    r = CliRunner().invoke(codes, ["suggest", "--name", "软件开发", "--top", "1"])
    assert r.exit_code == 0 and r.output.startswith("软件开发\t1\t651\t软件开发\t中类\t1.000")
    r = CliRunner().invoke(codes, ["suggest"])
    assert r.exit_code == 2 and "--name" in r.output
