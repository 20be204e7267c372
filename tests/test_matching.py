"""R&D-liaison matching over an atlas (issue 16): the services, the command line and a labelled file a user brings.

A hand-made atlas of two firms' needs and four researchers whose answers are known: the Suzhou firm's need for
power-device packaging reliability is the Nanjing packaging researcher's first (words, IPC H01L and the segment
shared), the Hefei power-device researcher's second (fewer words, H01L, one co-applied patent with the firm, and
vouchers honoured between Jiangsu and Anhui by a recognition); the battery researcher and the image-recognition
researcher share nothing with it and are not listed. Then the synthetic small atlas's labels.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import geo
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.model.codes import credit_code_check_char
from chainatlas.pipeline import matching as mp
from chainatlas.pipeline.build import build
from chainatlas.pipeline.load import load_dir
from chainatlas.storage.base import open_backend


def _code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + credit_code_check_char(body)


F1, F2 = _code("91320505MA1000001"), _code("91330106MA1000002")  # the Suzhou and Hangzhou firms
U1, U2, U3, U4 = (_code(f"12320000MB00000{i}{i}") for i in range(1, 5))  # the four institutions

FILES = {
    "firms.csv": f"""统一社会信用代码,名称,行政区划代码
{F1},苏州虎丘芯片封装有限公司,320505
{F2},杭州西湖电池材料有限公司,330106
{U1},东南大学,320102
{U2},浙江大学,330106
{U3},中国科学技术大学,340104
{U4},上海浦东智能研究院,310115
""",
    "experts.csv": f"""人员编号,姓名,所在机构,机构信用代码,行政区划代码,IPC分类号,产业链,环节,研究方向
X1,张一,东南大学,{U1},320102,H01L,ic,packaging_test,功率器件;封装;可靠性
X2,李二,浙江大学,{U2},330106,H01M,nev,battery,锂电池;正极材料
X3,王三,中国科学技术大学,{U3},340104,H01L,,,功率器件;驱动电路
X4,赵四,上海浦东智能研究院,{U4},310115,G06V,,,图像识别;算法
""",
    # N3: a firm known by name only, not in the register (its place, and so its vouchers, unknown)
    "needs.csv": f"""需求编号,企业信用代码,企业名称,需求名称,需求描述,IPC分类号,产业链,环节,发布日期,预算（万元）
N1,{F1},,车规级功率器件封装可靠性提升,,H01L,ic,packaging_test,2023-05-10,300
N2,{F2},,锂电池正极材料循环寿命,,H01M,nev,materials,2023-06-01,
N3,,未登记的某电池公司,正极材料改性,,,,,2023-07-01,
""",
    # the Suzhou firm and the Hefei university applied for a patent together: one past tie
    "patents.csv": f"""申请号,名称,申请日,IPC分类号,申请人,申请人信用代码
CN2021100000001,一种功率模块的散热结构,2021-03-01,H01L23/36,苏州虎丘芯片封装有限公司;中国科学技术大学,{F1};{U3}
""",
    "recognitions.csv": """互认协议编号,地区甲代码,地区乙代码,生效日期
RC-1,320000,340000,2020-01-01
""",
}


def _km(a: str, b: str) -> float:
    """Great-circle distance between two places' centroids (haversine, R = 6371.0088 km)."""
    pa, pb = geo.place(a), geo.place(b)
    la1, lo1, la2, lo2 = map(math.radians, (pa["lat"], pa["lon"], pb["lat"], pb["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("match_files")
    for name, text in FILES.items():
        (d / name).write_text(text, encoding="utf-8")
    db = tmp_path_factory.mktemp("match_atlas") / "atlas.duckdb"
    with open_backend(db) as b:
        load_dir(b, d)
        build(b)
    return db


@pytest.fixture()
def b(hand: Path):
    with open_backend(hand, read_only=True) as backend:
        yield backend


def test_a_need_ranks_the_researchers_who_share_its_words_codes_and_ties(b):
    rows = mp.for_needs(b, "N1", top=5).rows
    assert rows["profile_id"].tolist() == ["X1", "X3"]  # X2 and X4 share no word, code or tie
    x1, x3 = rows.iloc[0], rows.iloc[1]
    assert set(x1["shared_codes"]) == {"H01L", "ic:packaging_test"}
    assert {"功率", "封装", "可靠性"} <= set(x1["shared_terms"])
    assert set(x3["shared_codes"]) == {"H01L"} and "功率" in set(x3["shared_terms"])
    assert (x1["ties"], x3["ties"]) == (0, 1)  # the co-applied patent
    assert bool(x1["voucher"]) and bool(x3["voucher"])  # same province; Jiangsu–Anhui recognised
    assert x1["distance_km"] == pytest.approx(_km("320505", "320102"), abs=0.1)
    assert x3["distance_km"] == pytest.approx(_km("320505", "340104"), abs=0.1)
    assert x1["score"] > x3["score"] > 0
    assert (x1["name"], x1["institution"], x1["segment_zh"], x1["place"]) == (
        "张一",
        "东南大学",
        "封装测试",
        "玄武区",
    )
    # every explanation field is there for every row
    assert set(mp.MATCH_COLUMNS) <= set(rows.columns) and rows[list(mp.MATCH_COLUMNS)].notna().all().all()


def test_vouchers_are_not_honoured_without_a_recognition(b):
    rows = mp.for_needs(b, text="功率器件封装", place="杭州市", top=5).rows.set_index("profile_id")
    assert bool(rows.loc["X1", "voucher"]) is False  # Zhejiang–Jiangsu: no recognition loaded
    assert rows.loc["X1", "distance_km"] == pytest.approx(_km("330100", "320102"), abs=0.1)
    assert mp.for_needs(b, "N2", top=5).rows["profile_id"].iloc[0] == "X2"
    # a need whose place is unknown: no distance, and vouchers unknown rather than refused
    n3 = mp.for_needs(b, "N3", top=5).rows
    assert n3["profile_id"].tolist() == ["X2"] and n3["distance_km"].isna().all()
    assert n3["voucher"].tolist() == [None]


def test_the_reverse_ranks_needs_for_a_researcher(b):
    rows = mp.for_expert(b, "X3", top=5).rows
    assert rows["profile_id"].tolist() == ["N1"]
    assert rows["ties"].iloc[0] == 1 and rows["title"].iloc[0] == "车规级功率器件封装可靠性提升"


def test_evaluation_on_a_users_labelled_file_in_gbk(b, tmp_path: Path):
    # X3 is the second for N1 (reciprocal rank 1/2); X2 the first for N2 (1): MRR 0.75
    f = tmp_path / "标注.csv"
    f.write_bytes("需求编号,人员编号\r\nN1,X3\r\nN2,X2\r\n".encode("gbk"))
    ev, missing = mp.evaluate(b, mp.read_truth(f), k=2)
    assert (ev.precision_at_k, ev.recall_at_k, ev.mrr, ev.n_queries, missing) == (0.5, 1.0, 0.75, 2, 0)
    # a labelled need the atlas does not hold counts as a miss and is reported
    f.write_bytes(b"need_id,expert_id\nN1,X1\nN9,X1\n")
    ev, missing = mp.evaluate(b, mp.read_truth(f), k=1)
    assert (ev.precision_at_k, ev.mrr, ev.n_queries, missing) == (0.5, 0.5, 2, 1)


def test_a_labelled_file_with_a_blank_id_names_the_row(tmp_path: Path):
    f = tmp_path / "truth.csv"
    f.write_text("需求编号,人员编号\nN1,X1\nN2,\n", encoding="utf-8-sig")
    with pytest.raises(ConfigError, match=r"truth\.csv:3 \[人员编号\]"):
        mp.read_truth(f)
    f.write_text("need,who\nN1,X1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="需求编号 and 人员编号"):
        mp.read_truth(f)


def test_unknown_ids_and_bad_top_are_named(b):
    with pytest.raises(ConfigError, match="unknown need 'N9'") as e:
        mp.for_needs(b, "N9")
    assert e.value.param == "need"
    with pytest.raises(ConfigError, match="unknown researcher 'X9'"):
        mp.for_expert(b, "X9")
    with pytest.raises(ConfigError, match="from 1 to 1000"):
        mp.for_needs(b, "N1", top=0)


def test_the_command_line(hand: Path, tmp_path: Path):
    run = CliRunner().invoke
    r = run(main, ["--db", str(hand), "match", "--need", "N1", "--top", "3", "-o", str(tmp_path / "m.csv")])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[1].startswith("  1. X1 张一 · 东南大学 · 封装测试 · 玄武区")
    assert "距离 174 公里" in lines[2] and "创新券可用" in lines[2]  # 虎丘区 → 玄武区
    assert set(lines[2].split("共同代码 ")[1].split(" ·")[0].split("、")) == {"H01L", "ic:packaging_test"}
    assert lines[3].startswith("  2. X3") and "既往合作 1 次" in lines[4]
    csv = pd.read_csv(tmp_path / "m.csv", encoding="utf-8-sig", dtype=str)
    assert csv["匹配对象编号"].iloc[0] == "X1"
    assert set(csv["共同代码"].iloc[0].split(";")) == {"H01L", "ic:packaging_test"}
    # a text that is no need's id is matched as a need typed in
    r = run(main, ["--db", str(hand), "match", "--need", "锂电池正极", "--place", "杭州"])
    assert r.exit_code == 0, r.output and "  1. X2 李二" in r.output
    truth = tmp_path / "t.csv"
    truth.write_text("need_id,expert_id\nN1,X3\nN2,X2\n", encoding="utf-8")
    r = run(main, ["--db", str(hand), "match", "evaluate", "--truth", str(truth), "--k", "2"])
    assert r.exit_code == 0, r.output
    assert "precision@2 0.500 · recall@2 1.000 · MRR 0.750 · 2 条需求 needs" in r.output
    r = run(main, ["--db", str(hand), "match", "--need", "N3"])
    assert r.exit_code == 0 and "创新券：地点不明" in r.output and "距离" not in r.output
    r = run(main, ["--db", str(hand), "match", "--need", "N1", "--expert", "X1"])
    assert r.exit_code == 2 and "one of them" in r.output
    r = run(main, ["--db", str(hand), "match", "--expert", "X9"])
    assert r.exit_code != 0 and "unknown researcher 'X9'" in r.output


def test_on_the_synthetic_labels(built_db: Path, demo_dir: Path):
    """The small demo's labels (experts of the need's segment on its technical object, ≈1.8 per need): each
    need's first relevant researcher is on average near the top (MRR 0.759 measured for seed 0)."""
    with open_backend(built_db, read_only=True) as b:
        ev, missing = mp.evaluate(b, mp.read_truth(demo_dir / "labels" / "match_truth.csv"), k=5)
        assert missing == 0 and ev.n_queries > 100
        assert ev.mrr > 0.7 and ev.recall_at_k > 0.75
        listed = mp.listing(b, "needs", segment="ic")
        assert len(listed) and listed["segment"].str.startswith("ic:").all()
