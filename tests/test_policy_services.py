"""Policy linkage as services (issue 16 item 2): the atlas's policies tagged, listed and shown with the evidence;
coverage, overlaps and gaps; the policies bearing on an alert; the tagging's precision and recall on a labelled file;
the command line; and the synthetic dataset's policy texts against their labels.

The small atlas here is made by hand: nine policies whose texts name one segment each (or none), issued in places
whose neighbours are known from the bundled boundaries (苏州 320500 borders 无锡 320200 and 嘉兴 330400, not 杭州
330100 or 常州 320400: ``geo.boundaries('city')``). Every count below is read off the table in :func:`POLICIES`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainatlas import config
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.model.access import Principal
from chainatlas.pipeline import policy as pp
from chainatlas.pipeline.alerts import record
from chainatlas.pipeline.load import ingest_files
from chainatlas.storage.alerts import AlertStore, UnknownAlert
from chainatlas.storage.base import open_backend
from chainatlas.synth.policy_text import segment_terms

#: (id, title, issuer, adcode, level, date, chains, segments, text) — the tags each should get, and why:
#: SZ1 ic:design (芯片设计; declared too: source both) · WX1 ic:design (集成电路设计) · HZ1 ic:design · JX1 ic:design ·
#: CZ1 ic:design · WZ1 nev:battery (动力电池, 吴中区 inside 苏州) · JS1 nev as a whole (新能源汽车, no segment) ·
#: RG1 ic:design (regional: no place) · SH1 none in its text, bio declared by the record
POLICIES = [
    ("SZ1", "苏州市关于支持芯片设计产业发展的若干措施", "苏州市人民政府", "320500", "city", "2022-05-01", "ic", "ic:design",
     "对芯片设计企业给予研发补贴。"),
    ("WX1", "无锡市芯片设计产业扶持办法", "无锡市人民政府", "320200", "city", "2023-02-01", "", "",
     "对集成电路设计企业按投入给予奖励。"),
    ("HZ1", "杭州市支持芯片设计发展的意见", "杭州市人民政府", "330100", "city", "2022-06-01", "", "",
     "对芯片设计企业给予补贴。"),
    ("JX1", "嘉兴市芯片设计产业用地保障办法", "嘉兴市人民政府", "330400", "city", "2022-07-01", "", "",
     "优先保障芯片设计项目用地。"),
    ("CZ1", "常州市芯片设计扶持政策", "常州市人民政府", "320400", "city", "2019-01-01", "", "",
     "对芯片设计企业给予补贴。"),
    ("WZ1", "吴中区关于支持动力电池产业发展的若干政策", "苏州市吴中区人民政府", "320506", "county", "2022-08-01", "", "",
     "对动力电池项目给予设备补贴。"),
    ("JS1", "江苏省新能源汽车产业发展行动方案", "江苏省人民政府", "320000", "provincial", "2022-01-10", "", "",
     "推动新能源汽车产业高质量发展，落实税收优惠。"),
    ("RG1", "长三角G60科创走廊芯片设计协同发展方案", "长三角G60科创走廊联席会议办公室", "310117", "regional",
     "2023-03-01", "", "", "共建芯片设计公共服务平台。"),
    ("SH1", "上海市关于促进文化旅游消费的若干措施", "上海市人民政府", "310000", "provincial", "2021-04-01", "bio", "",
     "发放消费券。"),
]  # fmt: skip
COLUMNS = ["policy_id", "title", "issuer", "adcode", "level", "date", "chains", "segments", "text"]


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("policy_atlas")
    path = root / "atlas.duckdb"
    with open_backend(path) as b:
        ingest_files(b, [("policies", _write(root / "policies.csv", COLUMNS, POLICIES))])
    return path


@pytest.fixture(scope="module")
def b(db: Path):
    with open_backend(db, read_only=True) as backend:
        yield backend


def labels(T: pp.Tagged) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {p: set() for p in T.policies["policy_id"]}
    for pid, lab in zip(T.tags["policy_id"], T.tags["label"], strict=True):
        out[pid].add(lab)
    return out


# ------------------------------------------------------------------------------------------------ tagging
def test_every_policy_is_tagged_with_its_segment_and_the_declared_ones(b):
    T = pp.tagged(b)
    assert labels(T) == {
        "SZ1": {"ic:design"},
        "WX1": {"ic:design"},
        "HZ1": {"ic:design"},
        "JX1": {"ic:design"},
        "CZ1": {"ic:design"},
        "WZ1": {"nev:battery"},
        "JS1": {"nev"},
        "RG1": {"ic:design"},
        "SH1": {"bio"},
    }
    t = T.tags.set_index(["policy_id", "label"])
    # declared and in the text: confidence 1, the text's own kept; declared only: 1 and no evidence
    assert (
        t.loc[("SZ1", "ic:design"), "source"] == "both" and t.loc[("SZ1", "ic:design"), "confidence"] == 1.0
    )
    assert 0.5 <= t.loc[("SZ1", "ic:design"), "text_confidence"] < 1.0
    sh = t.loc[("SH1", "bio")]
    assert sh["source"] == "declared" and sh["confidence"] == 1.0 and pd.isna(sh["text_confidence"])
    assert sh["sentences"] == () and sh["terms"] == ()
    # the text's tags: evidence sentences and terms as written
    wx = t.loc[("WX1", "ic:design")]
    # 芯片设计 in the title weighs twice a mention in the text: it comes first, and the title is the first evidence
    assert wx["source"] == "text" and wx["terms"] == ("芯片设计", "集成电路设计") and wx["in_title"]
    assert wx["sentences"] == ("无锡市芯片设计产业扶持办法", "对集成电路设计企业按投入给予奖励。")
    m = T.measures.set_index("policy_id")["category"]
    assert m["SZ1"] == "subsidy" and m["JX1"] == "land" and m["JS1"] == "tax" and "RG1" not in m.index


def test_the_tags_are_remembered_per_atlas_state(db: Path, tmp_path: Path):
    with open_backend(db, read_only=True) as one, open_backend(db, read_only=True) as two:
        assert pp.tagged(one) is pp.tagged(two)  # the same file and rows: tagged once for every connection
    copy = tmp_path / "atlas.duckdb"
    copy.write_bytes(db.read_bytes())
    more = [
        (
            "NB1",
            "宁波市关于支持晶圆制造的若干政策",
            "宁波市人民政府",
            "330200",
            "city",
            "2023-05-01",
            "",
            "",
            "对晶圆代工给予补贴。",
        )
    ]
    with open_backend(copy) as w:
        before = pp.tagged(w)
        ingest_files(w, [("policies", _write(tmp_path / "more.csv", COLUMNS, more))])
        after = pp.tagged(w)
    assert before is not after and len(before.policies) == 9 and len(after.policies) == 10
    assert set(after.tags.loc[after.tags["policy_id"] == "NB1", "label"]) == {"ic:fabrication"}


# ------------------------------------------------------------------------------------------------ the list
def test_the_list_filters_by_words_chain_segment_place_level_and_years(b):
    rows = pp.policies(b)
    assert list(rows.columns) == list(pp.LIST_COLUMNS)
    # newest first: RG1 2023-03-01, WX1 2023-02-01, WZ1 2022-08-01, ...
    assert rows["policy_id"].tolist()[:3] == ["RG1", "WX1", "WZ1"] and len(rows) == 9
    r = rows.set_index("policy_id")
    assert r.loc["SZ1", "labels"] == ("ic:design",) and r.loc["SZ1", "labels_zh"] == ("集成电路 · 芯片设计",)
    assert r.loc["SZ1", "place_name"] == "苏州市" and r.loc["SZ1", "level_zh"] == "市级"
    assert r.loc["SZ1", "measures"] == ("subsidy",) and r.loc["RG1", "measures"] == ()
    ids = lambda **kw: sorted(pp.policies(b, **kw)["policy_id"])
    assert ids(chain="ic") == ["CZ1", "HZ1", "JX1", "RG1", "SZ1", "WX1"]
    assert ids(chain="nev") == ["JS1", "WZ1"] and ids(chain="nev", segment="battery") == ["WZ1"]
    assert ids(place="苏州市") == ["SZ1", "WZ1"] and ids(place="320000") == [
        "CZ1",
        "JS1",
        "SZ1",
        "WX1",
        "WZ1",
    ]
    assert ids(level="省级") == ["JS1", "SH1"] and ids(level="county") == ["WZ1"]
    assert ids(since=2023) == ["RG1", "WX1"] and ids(until="2021") == ["CZ1", "SH1"]
    assert ids(q="补贴") == ["CZ1", "HZ1", "SZ1", "WZ1"] and ids(q="芯片设计 用地") == ["JX1"]
    assert ids(q="g60") == ["RG1"]  # Latin letters in any case


@pytest.mark.parametrize(
    ("kw", "param", "says"),
    [
        ({"chain": "quantum"}, "chain", "expected one of ai, bio, ic, nev"),
        ({"segment": "design"}, "segment", "needs a chain"),
        ({"chain": "ic", "segment": "battery"}, "segment", "is not a segment of chain 'ic'"),
        ({"since": 2024, "until": 2020}, "since", "since 2024 is after until 2020"),
        ({"since": "20x4"}, "since", "expected a year such as 2024, got '20x4'"),
        ({"min_confidence": 0.3}, "min_confidence", "from 0.5 to 1"),
        ({"level": "township"}, "policy_level", "national (国家)"),
        ({"place": "火星"}, "place", "unknown place '火星'"),
    ],
)
def test_a_bad_filter_names_its_parameter(b, kw, param, says):
    with pytest.raises(ConfigError) as e:
        pp.policies(b, **kw)
    assert e.value.param == param and says in str(e.value)


def test_one_policy_with_its_evidence(b):
    d = pp.policy(b, "WZ1")
    assert (d["title"], d["place_name"], d["level_zh"], d["date"], d["year"]) == (
        "吴中区关于支持动力电池产业发展的若干政策",
        "吴中区",
        "县级",
        "2022-08-01",
        2022,
    )
    (tag,) = d["tags"]
    assert tag["label"] == "nev:battery" and tag["label_zh"] == "新能源汽车 · 动力电池"
    assert tag["source"] == "text" and tag["source_zh"] == "正文识别" and tag["in_title"] is True
    assert (
        tag["terms"] == ["动力电池"] and tag["mentions"] == 2
    )  # once in the title (×2 weight counts once here)
    assert tag["sentences"] == ["吴中区关于支持动力电池产业发展的若干政策", "对动力电池项目给予设备补贴。"]
    assert d["measures"] == [{"category": "subsidy", "terms": ["补贴"], "category_zh": "资金补贴"}]
    with pytest.raises(pp.UnknownPolicy, match="no policy 'NOPE'"):
        pp.policy(b, "NOPE")


# ------------------------------------------------------------------------------------------------ coverage
def test_coverage_counts_policies_where_they_were_issued(b):
    v = pp.coverage(b, chain="ic")
    assert v.years == (2019, 2023) and v.available == [2019, 2021, 2022, 2023]
    m = {(r.segment, r.place): r.policies for r in v.matrix.itertuples()}
    # five cities issued one ic:design policy each; the regional one is no place's
    assert m == {("design", c): 1 for c in ("320500", "320200", "330100", "330400", "320400")}
    assert v.region.to_dict("records") == [{"chain": "ic", "segment": "design", "policies": 1}]
    segs = v.segments.set_index("label")["policies"]
    assert segs["ic:design"] == 5 and segs["ic:fabrication"] == 0 and segs["ic"] == 0
    assert (
        v.segments["label"].tolist()[-1] == "ic" and len(v.segments) == 7
    )  # 6 segments, then the whole chain
    places = v.places.set_index("place")
    assert len(places) == 41 and places.loc["310000", "unit"] == "310100"  # Shanghai's city on the map
    assert places.loc["320500", ["name_zh", "policies"]].tolist() == ["苏州市", 1]
    # every chain, by province: 江苏 design 3 (苏州, 无锡, 常州), battery 1 (吴中区), nev as a whole 1 (省)
    v = pp.coverage(b, level="province")
    m = {(r.chain, r.segment, r.place): r.policies for r in v.matrix.itertuples()}
    assert m == {
        ("ic", "design", "320000"): 3,
        ("ic", "design", "330000"): 2,
        ("nev", "battery", "320000"): 1,
        ("nev", "*", "320000"): 1,
        ("bio", "*", "310000"): 1,
    }
    assert v.places.set_index("place")["policies"].to_dict() == {
        "310000": 1,
        "320000": 5,
        "330000": 2,
        "340000": 0,
    }
    # the years narrow it: 2022 alone keeps 苏州, 杭州, 嘉兴 (and 吴中区, 江苏省)
    v = pp.coverage(b, level="province", since=2022, until=2022)
    assert {(r.segment, r.place): r.policies for r in v.matrix.itertuples() if r.chain == "ic"} == {
        ("design", "320000"): 1,
        ("design", "330000"): 2,
    }


# ------------------------------------------------------------------------------------------------ overlaps
def test_overlaps_are_neighbours_with_a_shared_measure_within_a_year(b):
    v = pp.overlaps(b)
    # 苏州 (2022, 补贴) and 无锡 (2023, 奖励): neighbours, one year apart, both subsidies. 嘉兴 borders 苏州 but offers
    # land; 杭州 borders neither; 常州's 2019 policy is four years before 无锡's; 吴中区 lies inside 苏州
    (r,) = v.summary.to_dict("records")
    assert (r["place_a"], r["place_b"], r["chain"], r["segment"], r["pairs"]) == (
        "320200",
        "320500",
        "ic",
        "design",
        1,
    )
    assert (r["first_year"], r["last_year"], r["measures"], r["relation"]) == (
        2022,
        2023,
        ("subsidy",),
        "neighbour",
    )
    assert (r["place_a_name"], r["place_b_name"], r["measures_zh"], r["relation_zh"]) == (
        "无锡市",
        "苏州市",
        ("资金补贴",),
        "相邻",
    )
    assert (r["lon_b"], r["lat_b"]) == pytest.approx((120.66041, 31.38144))  # 苏州's centroid (geo.places)
    (p,) = v.pairs.to_dict("records")
    assert (p["policy_a"], p["policy_b"], p["title_b"]) == (
        "WX1",
        "SZ1",
        "苏州市关于支持芯片设计产业发展的若干措施",
    )
    assert pp.overlaps(b, window=0).summary.empty  # 2022 and 2023 are not the same year
    assert pp.overlaps(b, since=2023).summary.empty  # 苏州's policy is of 2022
    assert len(pp.overlaps(b, same_province=True).summary) == 1  # 常州 is in 江苏 but years apart
    assert pp.overlaps(b, chain="nev").summary.empty
    with pytest.raises(ConfigError, match="window"):
        pp.overlaps(b, window=-1)


# ------------------------------------------------------------------------------------------------ gaps
def test_gaps_list_segments_a_place_has_no_policy_on(b):
    v = pp.gaps(b, level="province", chain="ic")
    # 4 provinces × 6 segments = 24 cells; 江苏 and 浙江 cover design → 22 gaps
    assert v.years == (2019, 2023) and len(v.table) == 22
    t = v.table.set_index(["segment", "place"])
    assert ("design", "320000") not in t.index and ("design", "330000") not in t.index
    assert t.loc[("design", "340000"), "region_policies"] == 1  # the G60 plan backs design everywhere
    assert t.loc[("design", "340000"), "label_zh"] == "集成电路 · 芯片设计"
    assert t.loc[("fabrication", "310000"), "region_policies"] == 0
    bp = v.by_place.set_index("place")
    assert bp.loc["320000", ["covered", "segments"]].tolist() == [1, 6] and bp.loc["340000", "covered"] == 0
    # cities: 41 × 6 = 246 cells, 5 covered; 吴中区's battery policy fills 苏州's battery cell
    v = pp.gaps(b, chain="nev")
    assert len(v.table) == 41 * 8 - 1
    t = v.table.set_index(["segment", "place"])
    assert ("battery", "320500") not in t.index
    assert (
        t.loc[("battery", "320200"), "higher_policies"] == 0
    )  # 江苏's plan is on the chain, not on batteries
    assert t.loc[("vehicle", "320200"), "chain_policies"] == 0
    assert len(pp.gaps(b, chain="ic").table) == 41 * 6 - 5


# ------------------------------------------------------------------------------------------------ alerts
@pytest.fixture()
def alerts(db: Path, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    copy = tmp_path / "atlas.duckdb"
    copy.write_bytes(db.read_bytes())
    store = AlertStore(config.side_file(copy, "alerts"))
    found = pd.DataFrame(
        [
            {"rule": "r", "severity": "warning", "unit": "320506", "period": 2023, "state": "firing",
             "chain": "nev", "segment": "battery"},
            {"rule": "r", "severity": "warning", "unit": "320500", "period": 2023, "state": "firing",
             "chain": "ic", "segment": "design"},
            {"rule": "r", "severity": "warning", "unit": "320200", "period": 2023, "state": "firing"},
        ]
    )  # fmt: skip
    rep = record(store, found, level="province", jurisdiction="320000", period=2023, actor="test")
    return copy, {f"{a['unit']}:{a['chain']}:{a['segment']}": a["id"] for a in rep.alerts}


def test_an_alert_gets_the_policies_of_its_place_and_above(alerts):
    path, ids = alerts
    with open_backend(path, read_only=True) as b:
        out = pp.for_alert(b, ids["320506:nev:battery"])
        assert out["alert"]["unit_name"] == "吴中区" and out["alert"]["label_zh"] == "新能源汽车 · 动力电池"
        rows = out["policies"]
        # its own battery policy, then 江苏's plan on the chain as a whole; 苏州's design policy is another chain
        assert rows[["policy_id", "relation", "match", "label"]].values.tolist() == [
            ["WZ1", "same", "segment", "nev:battery"],
            ["JS1", "higher", "chain", "nev"],
        ]
        assert rows.loc[0, "sentences"] == (
            "吴中区关于支持动力电池产业发展的若干政策",
            "对动力电池项目给予设备补贴。",
        )
        out = pp.for_alert(b, ids["320500:ic:design"])
        assert out["policies"][["policy_id", "relation"]].values.tolist() == [
            ["SZ1", "same"],
            ["RG1", "region"],
        ]
        # no chain: every tagged policy of 无锡, 江苏 and the region
        out = pp.for_alert(b, ids["320200:*:*"])
        assert out["policies"][["policy_id", "relation", "match"]].values.tolist() == [
            ["WX1", "same", "any"],
            ["JS1", "higher", "any"],
            ["RG1", "region", "any"],
        ]
        assert out["total"] == 3 and len(pp.for_alert(b, ids["320200:*:*"], limit=1)["policies"]) == 1
        # a reader of 杭州 may not see 江苏's alert
        with pytest.raises(UnknownAlert):
            pp.for_alert(b, ids["320500:ic:design"], principal=Principal("hz", "analyst", "330100"))
        assert (
            len(
                pp.for_alert(b, ids["320500:ic:design"], principal=Principal("sz", "viewer", "320500"))[
                    "policies"
                ]
            )
            == 2
        )


# ------------------------------------------------------------------------------------------------ evaluation
TRUTH = [
    ("E1", "关于支持晶圆制造的若干政策", "对晶圆代工企业给予补贴。", "ic:fabrication"),
    ("E2", "关于支持动力电池回收利用的措施", "鼓励梯次利用。", "nev:aftermarket"),
    ("E3", "关于促进文化旅游消费的若干措施", "发放消费券。", ""),
    ("E4", "关于加快人工智能发展的意见", "支持大模型研发，推动智能网联汽车示范。", "ai:algorithms"),
]


def test_evaluation_on_a_labelled_file_with_chinese_headers(tmp_path: Path):
    f = _write(tmp_path / "truth.csv", ["政策编号", "标题", "正文", "标签"], TRUTH)
    e = pp.evaluate(f)
    r = e.result
    # predicted: E1 fabrication, E2 aftermarket, E4 algorithms and nev:intelligent (智能网联汽车) → 3 of 4 right, 3 of 3 found
    assert (r.precision, r.recall, r.exact, r.policies) == (0.75, 1.0, 0.75, 4)
    assert (r.chain_precision, r.chain_recall) == (0.75, 1.0)
    assert r.per_policy.set_index("policy_id").loc["E4", "extra"] == ("nev:intelligent",)
    assert e.texts == "file" and e.summary()["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_evaluation_of_the_atlas_policies_counts_the_text_alone(b, tmp_path: Path):
    f = _write(
        tmp_path / "truth.csv",
        ["policy_id", "labels"],
        [("SZ1", "ic:design"), ("WZ1", "nev:battery"), ("SH1", "")],
    )
    e = pp.evaluate(f, backend=b)
    # SH1's bio is only declared by its record: no prediction, as its label says
    assert e.texts == "atlas" and (e.result.precision, e.result.recall, e.result.exact) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("header", "rows", "says"),
    [
        (["政策编号", "标题"], [("A", "x")], "missing column(s) ['labels']"),
        (
            ["政策编号", "标题", "标签"],
            [("A", "x", "ic:design"), ("A", "y", "")],
            "row 3, column 政策编号: 政策编号与第 2 行重复 / policy 'A' repeats row 2",
        ),
        (["政策编号", "标题", "标签"], [("", "x", "ic:design")], "row 2, column 政策编号: 政策编号为空"),
        (
            ["政策编号", "标题", "标签"],
            [("A", "x", "ic:design;ic:cpu")],
            "row 2, column 标签: 未知标签 / unknown label(s) ['ic:cpu']",
        ),
        (["政策编号", "标签"], [("ZZ9", "ic")], "row 2 'ZZ9'"),
    ],
)
def test_a_bad_truth_file_names_the_row_column_and_value(b, tmp_path: Path, header, rows, says):
    f = _write(tmp_path / "bad.csv", header, rows)
    with pytest.raises(ConfigError) as e:
        pp.evaluate(f, backend=b)
    assert "bad.csv" in str(e.value) and says in str(e.value)


def test_the_labelled_sample_of_real_policies(tmp_path: Path):
    """tests/fixtures/policies_labelled.csv (44 policies, 67 labels, written from real documents' wording): 65 of 67
    predicted labels right and 65 of 67 true ones found at the default threshold 0.5."""
    e = pp.evaluate(Path(__file__).parent / "fixtures" / "policies_labelled.csv")
    r = e.result
    per = r.per_policy
    predicted = sum(len(x) for x in per["predicted"])
    truth = sum(len(x) for x in per["truth"])
    assert (predicted, truth, r.policies) == (67, 67, 44)
    assert (r.precision, r.recall) == (65 / 67, 65 / 67) and (r.chain_precision, r.chain_recall) == (1.0, 1.0)


# ------------------------------------------------------------------------------------------------ synthetic
PASSING = re.compile(
    r"(?:加强与(.+?)等相关领域的衔接|探索与(.+?)企业开展交流合作|关注(.+?)等领域的发展动态)。"
)


def test_the_synthetic_policies_against_their_labels(atlas, demo_dir: Path):
    """The demo's ``labels/policy_truth.csv``: every backed segment and second chain is found (recall 1), and the
    extra tags are exactly the segments mentioned once in passing — counted here from the texts' passing sentences
    (加强与……的衔接, 探索与……交流合作, 关注……发展动态) and the segments' words (synth/policy_text.py)."""
    truth = pd.read_csv(demo_dir / "labels" / "policy_truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["政策编号", "标签"]
    e = pp.evaluate(demo_dir / "labels" / "policy_truth.csv", backend=atlas)
    assert e.texts == "atlas" and e.result.policies == len(truth) == 150 and e.result.recall == 1.0
    word_of = {w: s for s, words in segment_terms().items() for w in words}
    text = pp.tagged(atlas).policies.set_index("policy_id")["text"]
    expected_extra = 0
    n_true = 0
    for pid, lab in zip(truth["政策编号"], truth["标签"], strict=True):
        own = {x for x in lab.split(";") if x}
        passing = {word_of[next(g for g in m.groups() if g)] for m in PASSING.finditer(text[pid])}
        expected_extra += len(passing - own)
        n_true += len(own)
    assert e.result.precision == pytest.approx(n_true / (n_true + expected_extra))


# ------------------------------------------------------------------------------------------------ command line
def test_the_command_line(db: Path, tmp_path: Path):
    run = CliRunner()
    r = run.invoke(main, ["--db", str(db), "policy", "list", "--chain", "nev"])
    assert r.exit_code == 0, r.output
    assert (
        "WZ1 2022-08-01 苏州市吴中区人民政府《吴中区关于支持动力电池产业发展的若干政策》 → 新能源汽车 · 动力电池"
        in r.output
    )
    r = run.invoke(main, ["--db", str(db), "policy", "show", "SZ1"])
    assert r.exit_code == 0 and "集成电路 · 芯片设计 (ic:design) 置信度 1.00 · 申报且正文识别" in r.output
    assert "“对芯片设计企业给予研发补贴。”" in r.output
    out = tmp_path / "coverage.xlsx"
    r = run.invoke(main, ["--db", str(db), "policy", "coverage", "--level", "province", "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["覆盖矩阵", "逐年", "区域政策"]
    rows = list(wb["覆盖矩阵"].values)
    assert rows[0][:3] == ("产业链代码", "环节代码", "环节") and "江苏省 320000" in rows[0]
    design = next(r for r in rows if r[:2] == ("ic", "design"))
    assert design[rows[0].index("江苏省 320000")] == 3 and design[rows[0].index("浙江省 330000")] == 2
    csv_out = tmp_path / "overlaps.csv"
    r = run.invoke(main, ["--db", str(db), "policy", "overlaps", "-o", str(csv_out)])
    assert (
        r.exit_code == 0
        and "无锡市 ↔ 苏州市 · 集成电路 · 芯片设计 · 1 对政策 · 2022–2023 · 资金补贴 · 相邻" in r.output
    )
    head = csv_out.read_bytes()[:3]
    assert head == b"\xef\xbb\xbf" and "地区甲" in csv_out.read_text(encoding="utf-8-sig").splitlines()[0]
    r = run.invoke(main, ["--db", str(db), "policy", "gaps", "--level", "province", "--chain", "ic"])
    assert r.exit_code == 0 and "江苏省: 1/6 个环节有政策（16.7%）" in r.output
    truth = _write(tmp_path / "truth.csv", ["政策编号", "标题", "正文", "标签"], TRUTH)
    r = run.invoke(main, ["--db", str(db), "policy", "evaluate", "--truth", str(truth)])
    assert r.exit_code == 0 and "准确率 precision 75.0% · 召回率 recall 100.0%" in r.output
    r = run.invoke(main, ["--db", str(db), "policy", "list", "--chain", "quantum"])
    assert r.exit_code == 1 and "--chain: 未知产业链 / unknown chain 'quantum'" in r.output
