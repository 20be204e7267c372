"""Load → build → query on a real DuckDB file: conservation, idempotence, atomicity, incremental builds."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from chainatlas.errors import ConfigError, IngestError
from chainatlas.ingest import parse_file
from chainatlas.model.layers import LAYERS, SCALES
from chainatlas.pipeline import query
from chainatlas.pipeline.areas import add_area
from chainatlas.pipeline.build import build
from chainatlas.pipeline.facts import Resolver, edge_facts, node_facts
from chainatlas.pipeline.load import ingest_files, load_dir
from chainatlas.storage.base import open_backend

PARTITIONS = ("county", "city", "province", "region")


def _df(b, sql: str) -> pd.DataFrame:
    return b.sql(sql)


def test_every_layer_is_built_at_every_scale_and_year(atlas):
    got = _df(atlas, "SELECT DISTINCT layer, scale, year FROM layer_edges WHERE chain = '*'")
    years = sorted(got["year"].unique())
    assert years == list(range(2015, 2025))
    have = set(map(tuple, got[["layer", "scale", "year"]].to_numpy().tolist()))
    missing = {(la, s, y) for la in LAYERS for s in SCALES for y in years} - have
    # only a layer whose records of a year are all known to the city (flows between cities) lacks county edges,
    # and then they are reported as unallocated at county scale, not dropped
    ua = _df(atlas, "SELECT DISTINCT layer, scale, year FROM unallocated WHERE what = 'edge'")
    reported = set(map(tuple, ua[["layer", "scale", "year"]].to_numpy().tolist()))
    assert {s for _, s, _ in missing} <= {"county"} and missing <= reported


@pytest.mark.parametrize("scale", PARTITIONS)
def test_layer_totals_equal_placed_record_totals(atlas, scale):
    """Conservation: intra-unit ties are loops, so a partition of places loses no weight; what a scale's units
    cannot hold (an end known only to a coarser level) is in ``unallocated``, so edges + unallocated = facts."""
    facts = _df(
        atlas,
        "SELECT layer, year, sum(n) n, sum(value) v FROM facts WHERE src_adcode IS NOT NULL "
        "AND dst_adcode IS NOT NULL GROUP BY ALL",
    )
    edges = _df(
        atlas,
        f"SELECT layer, year, sum(n) n, sum(value) v FROM (SELECT layer, year, n, value FROM layer_edges "
        f"WHERE scale = '{scale}' AND chain = '*' UNION ALL SELECT layer, year, records, value FROM unallocated "
        f"WHERE scale = '{scale}' AND what = 'edge' AND level <> 'none') GROUP BY ALL",
    )
    m = facts.merge(edges, on=["layer", "year"], suffixes=("_f", "_e"), how="outer")
    assert len(m) == 60
    np.testing.assert_allclose(m["n_e"], m["n_f"], rtol=1e-9)
    np.testing.assert_allclose(m["v_e"], m["v_f"], rtol=1e-9)


def test_layer_totals_equal_raw_record_totals(atlas):
    """The same totals from the raw tables: every supply row is one record; a flow counts as its volume."""
    raw = _df(
        atlas,
        "SELECT (SELECT sum(value) FROM raw_flows) flows, (SELECT sum(value) FROM raw_supply_links) sv, "
        "(SELECT count(*) FROM raw_supply_links) sn",
    )
    e = _df(
        atlas,
        "SELECT source, sum(n) n, sum(value) v FROM layer_edges WHERE scale = 'region' AND chain = '*' "
        "GROUP BY ALL",
    ).set_index("source")
    assert e.filter(like="flows.", axis=0)["n"].sum() == pytest.approx(raw["flows"].iloc[0], rel=1e-9)
    assert e.loc["supply_links", "n"] == raw["sn"].iloc[0]
    assert e.loc["supply_links", "v"] == pytest.approx(raw["sv"].iloc[0], rel=1e-9)


def test_joint_patents_count_once_in_total(atlas):
    """Fractional counting: a patent with k ≥ 2 applicants adds exactly 1 over its pairs."""
    joint = _df(
        atlas,
        "SELECT count(*) c FROM (SELECT record_id FROM raw_patents_parties GROUP BY 1 HAVING count(*) >= 2)",
    )["c"].iloc[0]
    n = _df(atlas, "SELECT sum(n) n FROM facts WHERE source = 'patents'")["n"].iloc[0]
    assert joint > 100
    assert n == pytest.approx(joint, rel=1e-9)


def test_area_scale_counts_records_inside_each_area(atlas):
    """Areas overlap, so per area: its internal ties equal the facts with both ends among its members."""
    units = _df(atlas, "SELECT adcode, unit FROM scale_units WHERE scale = 'area'")
    facts = _df(
        atlas,
        "SELECT layer, src_adcode, dst_adcode, n FROM facts WHERE year = 2022 AND "
        "src_adcode IS NOT NULL AND dst_adcode IS NOT NULL",
    )
    edges = _df(
        atlas,
        "SELECT layer, src, sum(n) n FROM layer_edges WHERE scale = 'area' AND year = 2022 "
        "AND chain = '*' AND src = dst GROUP BY ALL",
    )
    for area, members in units.groupby("unit")["adcode"]:
        inside = (
            facts[facts.src_adcode.isin(members) & facts.dst_adcode.isin(members)].groupby("layer")["n"].sum()
        )
        got = edges[edges.src == area].set_index("layer")["n"]
        pd.testing.assert_series_equal(got.sort_index(), inside.sort_index(), check_names=False, rtol=1e-9)


def test_chain_totals_are_the_sum_of_their_segments(atlas):
    e = _df(
        atlas,
        "SELECT chain, segment = '*' AS total, sum(n) n FROM layer_edges WHERE chain <> '*' "
        "AND scale = 'city' GROUP BY ALL",
    ).pivot(index="chain", columns="total", values="n")
    assert set(e.index) == {"ic", "bio", "nev", "ai"}
    np.testing.assert_allclose(e[True], e[False], rtol=1e-9)


@pytest.mark.parametrize("scale", PARTITIONS)
def test_node_attributes_conserve(atlas, scale):
    region = _df(
        atlas,
        "SELECT attr, year, sum(value) v FROM node_attrs WHERE scale = 'region' AND chain = '*' GROUP BY ALL",
    )
    here = _df(  # the scale's units plus what is known only to a coarser level (unallocated at this scale)
        atlas,
        f"SELECT attr, year, sum(v) v FROM (SELECT attr, year, value v FROM node_attrs WHERE scale = '{scale}' "
        f"AND chain = '*' UNION ALL SELECT item, year, value FROM unallocated WHERE scale = '{scale}' "
        "AND what = 'node' AND level <> 'none') GROUP BY ALL",
    )
    m = region.merge(here, on=["attr", "year"])
    assert len(m) == len(region) > 100
    np.testing.assert_allclose(m["v_x"], m["v_y"], rtol=1e-9)


def test_universities_are_the_real_list(atlas):
    """461 YRD institutions of the MoE list (geo SOURCE.md), counted in every year as a stock."""
    n = _df(
        atlas,
        "SELECT value FROM node_attrs WHERE attr = 'universities' AND scale = 'region' "
        "AND chain = '*' AND year = 2020",
    )["value"].iloc[0]
    assert n == 461


def test_query_edges_and_nodes(atlas):
    e = query.edges(atlas, layer="innovation", scale="city", period=2023)
    assert {"src", "dst", "n", "value"} <= set(e.columns)
    assert e["src"].str.fullmatch(r"3[1-4]\d{4}").all()
    nodes = query.nodes(atlas, scale="city", period=2023)
    assert len(nodes) >= 41
    assert nodes.set_index("unit").loc["310100", "name_zh"] == "上海市"
    assert query.dataset_info(atlas)["contains_synthetic"] is True
    with pytest.raises(ConfigError, match="^layer: unknown layer 'x'"):
        query.edges(atlas, layer="x", scale="city", period=2023)


@pytest.fixture()
def writable(built_db: Path, tmp_path: Path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(built_db, db)
    with open_backend(db) as b:
        yield b


def _counts(b) -> dict[str, int]:
    tables = b.sql("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw_%'")[
        "table_name"
    ]
    return {t: int(b.sql(f'SELECT count(*) c FROM "{t}"')["c"].iloc[0]) for t in tables}


def test_loading_the_same_folder_twice_changes_nothing(writable, demo_dir):
    before = _counts(writable)
    out = load_dir(writable, demo_dir)
    assert all(r.already_loaded for r in out.results)
    assert _counts(writable) == before


def test_same_rows_from_another_file_replace_not_duplicate(writable, demo_dir, tmp_path):
    copy = tmp_path / "flows_again.csv"
    src = pd.read_csv(demo_dir / "flows.csv", dtype=str, encoding="utf-8-sig")
    src["value"] = "1"  # corrected values for the same keys
    src.to_csv(copy, index=False)
    before = _counts(writable)
    [r] = ingest_files(writable, [("flows", copy)]).results
    assert r.rows_replaced == r.rows_loaded == len(src)
    after = _counts(writable)
    # the replaced rows are kept as revisions (what was first reported), nowhere else
    assert after.pop("raw_flows_revisions") - before.pop("raw_flows_revisions") == len(src)
    assert after == before
    assert writable.sql("SELECT sum(value) v FROM raw_flows")["v"].iloc[0] == len(src)


def test_reloaded_patents_replace_their_parties(writable, demo_dir, tmp_path):
    src = pd.read_csv(demo_dir / "patents.csv", dtype=str, encoding="utf-8-sig").head(30)
    path = tmp_path / "patents_again.csv"
    src.to_csv(path, index=False)
    before = _counts(writable)
    [r] = ingest_files(writable, [("patents", path)]).results
    assert r.rows_replaced == r.rows_loaded == len(src)
    after = _counts(writable)
    assert after.pop("raw_patents_revisions") - before.pop("raw_patents_revisions") == len(src)
    assert after == before
    ids = ", ".join(f"'{i}'" for i in src.iloc[:, 0])
    batches = writable.sql(f"SELECT DISTINCT batch_id FROM raw_patents_parties WHERE record_id IN ({ids})")
    assert batches["batch_id"].tolist() == [r.batch_id]


def test_files_of_one_kind_store_in_the_given_order(writable, demo_dir, tmp_path, monkeypatch):
    """A key in two files of one call ends with the later file's row, though files validate in parallel."""
    from chainatlas.pipeline import load

    def slow_first(kind, path, **kw):  # the first file finishes validating last
        if path.name == "flows_1.csv":
            time.sleep(0.5)
        return parse_file(kind, path, **kw)

    monkeypatch.setattr(load, "parse_file", slow_first)
    src = pd.read_csv(demo_dir / "flows.csv", dtype=str, encoding="utf-8-sig")
    files = []
    for value in ("1", "2", "3"):
        files.append(("flows", tmp_path / f"flows_{value}.csv"))
        src.assign(value=value).to_csv(files[-1][1], index=False)
    out = ingest_files(writable, files)
    assert [r.source_file for r in out.results] == ["flows_1.csv", "flows_2.csv", "flows_3.csv"]
    assert writable.sql("SELECT sum(value) v FROM raw_flows")["v"].iloc[0] == 3 * len(src)


def test_one_bad_row_at_the_end_of_100k_loads_nothing(writable, tmp_path):
    firms = writable.sql("SELECT credit_code FROM raw_firms WHERE entity_type = 'firm' LIMIT 400")[
        "credit_code"
    ]
    rng = np.random.default_rng(0)
    n = 100_000
    i = np.arange(n)
    df = pd.DataFrame(
        {
            "supplier_code": firms.to_numpy()[i % 400],
            "customer_code": firms.to_numpy()[(i // 400) % 400],
            "period": (2015 + (i // 160_000)).astype(str),
            "value": rng.gamma(2, 100, n).round(2).astype(str),
            "hs_code": "854231",
        }
    )
    df = df.drop_duplicates(["supplier_code", "customer_code"]).reset_index(drop=True)
    df.loc[len(df) - 1, "value"] = "-5"
    path = tmp_path / "supply_links.csv"
    df.to_csv(path, index=False)
    before = _counts(writable)
    with pytest.raises(IngestError) as e:
        ingest_files(writable, [("supply_links", path)])
    assert len(e.value.errors) == 1
    err = e.value.errors[0]
    assert (err.row, err.column, err.value) == (len(df) + 1, "value", "-5")
    assert _counts(writable) == before


def test_quarantine_loads_good_rows_and_writes_rejects(writable, demo_dir, tmp_path):
    src = pd.read_csv(demo_dir / "services.csv", dtype=str, encoding="utf-8-sig").head(50)
    src["service_id"] = "Q" + src["service_id"]
    src.loc[3, "date"] = "2023-13-45"
    path = tmp_path / "services.csv"
    src.to_csv(path, index=False)
    out = ingest_files(writable, [("services", path)], quarantine=True)
    assert out.results[0].rows_loaded == 49
    rejects = pd.read_csv(out.rejects[out.results[0].source_file], encoding="utf-8-sig", dtype=str)
    assert len(rejects) == 1
    assert "date" in rejects.iloc[0].to_string()


def test_new_period_rebuilds_only_that_period(writable, demo_dir, tmp_path):
    built = writable.sql("SELECT year, built_at FROM builds ORDER BY year").set_index("year")["built_at"]
    flows = pd.read_csv(demo_dir / "flows.csv", dtype=str, encoding="utf-8-sig")
    new = flows[flows["period"] == "2024"].copy()
    new["value"] = "7"
    path = tmp_path / "flows_2024.csv"
    new.to_csv(path, index=False)
    ingest_files(writable, [("flows", path)])
    report = build(writable)
    assert report.years == [2024]
    after = writable.sql("SELECT year, built_at FROM builds ORDER BY year").set_index("year")["built_at"]
    assert (after.drop(2024) == built.drop(2024)).all()
    assert after[2024] > built[2024]
    v = writable.sql(
        "SELECT sum(value) v FROM layer_edges WHERE scale='region' AND chain='*' AND year=2024 "
        "AND source LIKE 'flows.%'"
    )["v"].iloc[0]
    assert v == 7 * len(new)


def test_user_area_appears_after_build(writable):
    add_area(writable, "my_belt", "测试走廊", ["320500", "310117"], name_en="Test belt")
    report = build(writable)
    assert report.years == list(range(2015, 2025))
    units = writable.sql("SELECT DISTINCT src FROM layer_edges WHERE scale = 'area'")["src"]
    assert "my_belt" in set(units)


def test_periods_and_scales_are_checked(writable):
    with pytest.raises(ConfigError, match="^periods: no loaded records for \\[1999\\]"):
        build(writable, years=[1999])
    with pytest.raises(ConfigError, match="^scales: unknown scale"):
        build(writable, scales=["planet"])


def test_user_chain_from_chains_dir_is_built(writable, tmp_path, monkeypatch):
    """A new chain (the paper's 新赛道) is a YAML file in CHAINATLAS_CHAINS_DIR; no code changes."""
    d = tmp_path / "chains"
    d.mkdir()
    (d / "lae.yaml").write_text(
        "id: lae\nname_zh: 低空经济\nname_en: Low-altitude economy\ndescription: 无人机与通用航空\n"
        "source: test\nsegments:\n"
        "  - id: aircraft\n    name_zh: 航空器制造\n    name_en: Aircraft\n    position: 1\n"
        "    gbt4754: ['3741', '3749']\n    hs: ['8806']\n"
        "  - id: equipment\n    name_zh: 航空相关设备\n    name_en: Equipment\n    position: 2\n"
        "    after: [aircraft]\n    gbt4754: ['3744']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHAINATLAS_CHAINS_DIR", str(d))
    build(writable, full=True, scales=["region"])
    chains = writable.sql("SELECT id FROM chains")["id"]
    assert "lae" in set(chains)
    segs = writable.sql("SELECT segment FROM segments WHERE chain = 'lae' ORDER BY topo_order")["segment"]
    assert list(segs) == ["aircraft", "equipment"]


def test_a_bad_file_after_good_ones_rolls_back_the_whole_call(writable, demo_dir, tmp_path):
    """Files are stored as they finish validating; one bad file still leaves the database as it was."""
    good = []
    for kind in ("services", "needs"):
        src = pd.read_csv(demo_dir / f"{kind}.csv", dtype=str, encoding="utf-8-sig").head(200)
        key = src.columns[0]
        src[key] = "R" + src[key]  # new keys: these rows would be added
        path = tmp_path / f"{kind}.csv"
        src.to_csv(path, index=False)
        good.append((kind, path))
    bad = pd.read_csv(demo_dir / "experts.csv", dtype=str, encoding="utf-8-sig").head(5000)
    bad.loc[len(bad) - 1, bad.columns[0]] = None  # a missing key on the last row
    bad_path = tmp_path / "experts.csv"
    bad.to_csv(bad_path, index=False)
    before = _counts(writable)
    batches = len(writable.sql("SELECT * FROM batches"))
    with pytest.raises(IngestError) as e:
        ingest_files(writable, [*good, ("experts", bad_path)])
    assert {err.file for err in e.value.errors} == {"experts.csv"}
    assert _counts(writable) == before and len(writable.sql("SELECT * FROM batches")) == batches
    out = ingest_files(writable, good)  # the good files alone load
    assert out.rows_loaded == 400


@pytest.mark.parametrize("bigger", ["needs_1.csv", "needs_2.csv"])
def test_load_dir_same_kind_later_name_wins_whatever_the_sizes(writable, demo_dir, tmp_path, bigger):
    src = pd.read_csv(demo_dir / "needs.csv", dtype=str, encoding="utf-8-sig")
    key = src.columns[0]
    one = src.head(3).copy()
    one[key] = ["W1", "W2", "W3"]
    folder = tmp_path / "two"
    folder.mkdir()
    first, second = one.assign(title="第一版"), one.head(1).assign(title="第二版")
    pad = src.iloc[3:2003].copy()  # make one of the two files much bigger
    pad[key] = "P" + pad[key]
    (first if bigger == "needs_1.csv" else second).pipe(lambda d: pd.concat([d, pad])).to_csv(
        folder / bigger, index=False
    )
    other = "needs_2.csv" if bigger == "needs_1.csv" else "needs_1.csv"
    (second if bigger == "needs_1.csv" else first).to_csv(folder / other, index=False)
    load_dir(writable, folder)
    got = writable.sql(f"SELECT {key}, title FROM raw_needs WHERE {key} IN ('W1', 'W2', 'W3') ORDER BY 1")
    assert got["title"].tolist() == ["第二版", "第一版", "第一版"]  # needs_2 replaced W1 of needs_1


def test_a_header_only_file_is_a_no_op_that_records_nothing(tmp_path):
    """A blank template loads nothing and leaves no batch behind (no empty batch, no period marked dirty)."""
    src = tmp_path / "firms.csv"
    src.write_text(
        Path("tests/fixtures/ingest/firms.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    with open_backend(tmp_path / "a.duckdb") as b:
        out = ingest_files(b, [("firms", src)])
        assert [(r.batch_id, r.rows_loaded) for r in out.results] == [(None, 0)]
        assert len(query.inventory(b)) == 0


def test_quarantine_makes_the_reject_folder_it_is_given(tmp_path):
    rows = Path("tests/fixtures/ingest/firms.csv").read_text(encoding="utf-8").splitlines()
    src = tmp_path / "firms.csv"
    src.write_text(
        "\n".join([*rows, rows[1].replace(rows[1].split(",")[0], "NOT-A-CODE", 1)]) + "\n", encoding="utf-8"
    )
    folder = tmp_path / "new" / "rejects"
    with open_backend(tmp_path / "a.duckdb") as b:
        out = ingest_files(b, [("firms", src)], quarantine=True, reject_dir=folder)
    assert out.rejects and (folder / "firms.csv.rejects.csv").exists()


def test_adding_a_chain_rebuilds_every_period_without_full(writable, tmp_path, monkeypatch):
    """A chain added between builds reaches every built period's layers with a plain `build` (the taxonomy's
    fingerprint changed), not only after `build --full`."""
    build(writable)  # up to date: nothing dirty
    assert build(writable).years == []
    d = tmp_path / "chains"
    d.mkdir()
    (d / "auto.yaml").write_text(
        "id: auto\nname_zh: 汽车\nname_en: Cars\nsource: test\nsegments:\n"
        "  - id: parts\n    name_zh: 零部件\n    name_en: Parts\n    position: 1\n    gbt4754: ['3670']\n"
        "  - id: assembly\n    name_zh: 整车\n    name_en: Assembly\n    position: 2\n    after: [parts]\n"
        "    gbt4754: ['3611', '3612']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHAINATLAS_CHAINS_DIR", str(d))
    from chainatlas.model import taxonomy

    taxonomy._industry_segments_for.cache_clear()
    report = build(writable)
    assert report.years == query.periods(writable)
    n = writable.sql("SELECT count(*) AS n FROM node_attrs WHERE chain = 'auto' AND attr = 'firms'")[
        "n"
    ].iloc[0]
    assert n > 0
    assert build(writable).years == []  # and then it is up to date again


def test_a_partial_class_counts_its_firms_apart(tmp_path):
    """A firm whose code belongs only partly to a segment ("2770*" in bio 医疗器械, "6513*" in ic EDA) is a partial
    member: firms_partial / employees_partial / revenue_partial, never firms; the statuses rest on full members."""
    from chainatlas.pipeline.chains import chain_presence

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "firms.csv").write_text(
        "统一社会信用代码,名称,行政区划代码,行业代码,成立日期,从业人员\n"
        "91320506MA1MXQ0B2F,苏州某医疗器械有限公司,320506,3581,2015-06-01,100\n"  # full member of bio:devices
        "91330106MA27WL5K6D,苏州某卫生材料有限公司,320506,2770,2015-06-01,40\n"  # partial (2770*)
        "91340104MA2TR8UX1F,合肥某软件有限公司,340104,6513,2015-06-01,7\n",  # partial in ic:eda_ip only
        encoding="utf-8",
    )
    (folder / "tax.csv").write_text(
        "企业信用代码,期间,营业收入（万元）,纳税额（万元）\n"
        "91320506MA1MXQ0B2F,2023,1000,50\n91330106MA27WL5K6D,2023,300,15\n",
        encoding="utf-8",
    )
    (folder / "supply_links.csv").write_text(
        "供应商名称,客户名称,期间,交易额\n苏州某卫生材料有限公司,苏州某医疗器械有限公司,2023,80\n",
        encoding="utf-8",
    )
    with open_backend(tmp_path / "a.duckdb") as b:
        load_dir(b, folder)
        build(b)
        lk = b.sql("SELECT ck, partial FROM seg_lookup WHERE ck_type = 'e' AND chain = 'bio'")
        assert dict(zip(lk["ck"], lk["partial"], strict=True)) == {
            "91320506MA1MXQ0B2F": False,
            "91330106MA27WL5K6D": True,
        }
        assert not b.sql("SELECT partial FROM seg_lookup WHERE ck_type <> 'e'")["partial"].any()
        na = b.sql(
            "SELECT chain, segment, attr, value FROM node_attrs WHERE scale = 'region' AND year = 2023 "
            "AND chain IN ('bio', 'ic', '*')"
        )
        v = {(r.chain, r.segment, r.attr): r.value for r in na.itertuples()}
        dev = {a: v.get(("bio", "devices", a)) for a in ("firms", "firms_partial", "employees")}
        assert dev == {"firms": 1.0, "firms_partial": 1.0, "employees": 100.0}
        assert v[("bio", "devices", "employees_partial")] == 40.0
        assert (
            v[("bio", "devices", "revenue")] == 1000.0 and v[("bio", "devices", "revenue_partial")] == 300.0
        )
        assert v[("*", "*", "firms")] == 3.0 and v[("*", "*", "revenue")] == 1300.0  # totals unchanged
        assert ("ic", "eda_ip", "firms") not in v and v[("ic", "eda_ip", "firms_partial")] == 1.0
        assert v[("ic", "*", "firms_partial")] == 1.0 and ("ic", "*", "firms") not in v
    with open_backend(tmp_path / "a.duckdb", read_only=True) as b:
        bio = chain_presence(b, "bio", 2023).segments.set_index("segment").loc["devices"]
        assert (bio["firms"], bio["partial_firms"], bio["n_firms"]) == (1.0, 1.0, 1.0)
        assert not bio["partial_only"] and bio["status"] == "single" and bio["single_by"] == "city"
        ic = chain_presence(b, "ic", 2023).segments.set_index("segment")
        eda = ic.loc["eda_ip"]
        assert (eda["firms"], eda["partial_firms"], eda["n_firms"]) == (0.0, 1.0, 0.0)
        assert eda["partial_only"] and eda["status"] == "single" and eda["n_cities"] == 1
        assert ic.loc["design", "status"] == "broken" and not ic.loc["design", "partial_only"]


def test_kind_of_file_takes_english_and_chinese_names():
    from chainatlas.pipeline.load import kind_of_file

    names = {
        "firms.csv": "firms",
        "主体.csv": "firms",
        "主体_2023.xlsx": "firms",
        "专利.csv": "patents",
        "专利转让许可.csv": "patent_transfers",
        "patent_transfers_2023.csv": "patent_transfers",
    }
    assert {n: kind_of_file(Path(n)) for n in names} == names
    with pytest.raises(ConfigError, match="cannot tell the input kind"):
        kind_of_file(Path("数据.csv"))


def test_codes_the_register_lacks_or_names_otherwise_are_reported(tmp_path):
    """A supply link may name a firm the register does not hold, or give a registered code under another name: the
    build says how many (the tie still counts; the register's name is used)."""
    from chainatlas.pipeline.build import register_mismatches

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy("tests/fixtures/ingest/firms.csv", folder / "firms.csv")
    (folder / "supply_links.csv").write_text(
        "供应商信用代码,供应商名称,客户信用代码,客户名称,期间,交易额\n"
        "91320506MA1MXQ0B2F,苏州纳米科技有限公司,91330106MA27WL5K6D,杭州另一个名字有限公司,2023,10\n"
        "91320506MA1MXQ0B2F,苏州纳米科技有限公司,91340104MA2TR8UX1F,合肥示例新能源有限公司,2023,5\n",
        encoding="utf-8",
    )
    with open_backend(tmp_path / "a.duckdb") as b:
        load_dir(b, folder)
        report = build(b)
        m = register_mismatches(b).set_index("field")
    # 91340104MA2TR8UX1F is not in the fixture register; 91330106MA27WL5K6D is, as 杭州示例智能（集团）有限公司
    assert m.loc["customer_code", ["records", "unregistered", "renamed"]].tolist() == [2, 1, 1]
    assert m.loc["supplier_code", ["unregistered", "renamed"]].tolist() == [0, 0]
    assert (report.unregistered, report.renamed) == (1, 1)
    assert any("not in the firm register: 1" in line for line in report.notes())


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal as multisets of rows: text columns exactly, floats to 1e-12 (sums in another order)."""
    floats = [c for c in a.columns if a[c].dtype.kind == "f"]
    keys = [c for c in a.columns if c not in floats]
    a = a.sort_values(keys + floats, na_position="first").reset_index(drop=True)
    b = b[list(a.columns)].sort_values(keys + floats, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(a[keys], b[keys])
    for c in floats:
        np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, equal_nan=True)


def test_parties_resolved_once_give_the_facts_of_resolving_each_kind_on_its_own(atlas):
    """The build resolves every party once (``parties``) and each kind of record looks its parties up there;
    resolving each kind's parties on its own (the :class:`Resolver` without the table) gives the same edge and
    node facts, and every key those ask for is in the table."""
    t = atlas.table
    years = sorted(atlas.execute(t("builds").select("year"))["year"].astype(int).tolist())
    first = int(atlas.execute(t("batch_years").aggregate(y=lambda r: r.year.min()))["y"].iloc[0])
    alone = Resolver(t)
    _same_rows(atlas.execute(edge_facts(t, years, first, alone)), atlas.execute(t("facts")))
    nodes_alone = atlas.execute(node_facts(t, years, first, alone))
    assert len(nodes_alone) > 10_000
    _same_rows(nodes_alone, atlas.execute(node_facts(t, years, first, Resolver(t, t("parties")))))
    keys = ibis.union(*alone.keys, distinct=True)
    p = t("parties")
    missing = keys.anti_join(p, [keys[c].identical_to(p[c]) for c in ("code", "adcode", "norm")])
    assert atlas.execute(missing.count().as_table()).iloc[0, 0] == 0
    parties = atlas.execute(p)
    assert len(parties) == atlas.execute(keys.count().as_table()).iloc[0, 0]  # one row per key
    # every kind of key: with a code (with and without a name), and a name only (the demo's 25 enclave operators)
    assert (parties.code.notna() & parties.norm.notna()).sum() > 1000
    assert (parties.code.notna() & parties.norm.isna()).sum() > 100
    assert (parties.code.isna() & parties.eid.str.startswith("N:")).sum() >= 20
