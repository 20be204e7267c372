"""Flows as they come (issue 10, item 4): named endpoints, volumes as weights, zero volumes, symmetric
flows, travel times as the gravity distance, and 4-digit prefecture codes in a distance matrix.

The files are small and shaped like real open data (rail and road links between prefectures, commuting
counts with district endpoints); every number below is worked out by hand from the rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import geo
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.ingest import parse_file
from chainatlas.ingest.places import resolve_place_names
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze import analyze
from chainatlas.pipeline.analyze.tables import read_distance
from chainatlas.pipeline.analyze.topics_space import _city_aliases
from chainatlas.pipeline.build import build
from chainatlas.pipeline.load import load_dir
from chainatlas.storage.base import open_backend
from chainatlas.synth.credit_codes import make_credit_code

SH, SZ, HZ, NJ = "310100", "320500", "330100", "320100"

#: rail and road links (symmetric, with travel times), commuting counts (directed, district endpoints)
FLOWS = """类型,起点,终点,期间,流量,通行时间（分钟）,双向
rail,上海,苏州市,2023,320,25,1
rail,上海市,杭州,2023,200,45,1
rail,苏州,杭州市,2023,0,70,1
rail,上海市浦东新区,江苏省苏州市吴中区,2023,10,45,0
rail,上海,南京,2022,80,999,1
road,苏州市,苏州市吴中区,2023,40,,1
commuting,3205,上海市浦东新区,2023,15000,,0
commuting,上海市浦东新区,江苏省苏州市吴中区,2023,5000,,0
commuting,南京,上海,2023,0,,0
"""

#: two firms in Shanghai, one in Suzhou, Hangzhou and Nanjing, so the gravity model has a mass (G = firms) in 2023
FIRMS = "统一社会信用代码,名称,行政区划代码,成立日期\n" + "".join(
    f"{make_credit_code('91', adcode, f'MA1FL0W{i:02d}')},{name},{adcode},{year}-01-01\n"
    for i, (name, adcode, year) in enumerate(
        [
            ("上海甲科技有限公司", "310115", 2010),
            ("上海乙科技有限公司", "310104", 2012),
            ("苏州甲科技有限公司", "320506", 2011),
            ("杭州甲科技有限公司", "330106", 2013),
            ("南京甲科技有限公司", "320106", 2014),
        ]
    )
)


# ------------------------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "adcode", "method"),
    [
        ("苏州", SZ, "name:city"),
        ("苏州市", SZ, "name:city"),
        ("宿州", "341300", "name:city"),
        ("上海", SH, "name:city"),  # the province is the city: one unit
        ("Shanghai", SH, "name:city"),
        ("上海市浦东新区", "310115", "name:county"),
        ("江苏省苏州市吴中区", "320506", "name:county"),
        ("江苏泰州", "321200", "name:city"),  # the province narrows Taizhou
        ("淮安", "320800", "name:city"),  # 淮安市 contains 淮安区: the outer unit, never a guess
        ("南京鼓楼", "320106", "name:county"),
        ("江苏省", "320000", "name:province"),
        ("苏州工业园区", SZ, "address:city"),  # no chain of names: the address geocoder places it
    ],
)
def test_place_names_resolve(name, adcode, method):
    r = resolve_place_names([name])[0]
    assert (r.adcode, r.method, r.problem) == (adcode, method, None)


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("Suzhou", ("320500", "341300")),  # 苏州 or 宿州
        ("Taizhou", ("321200", "331000")),  # 泰州 or 台州
        ("鼓楼区", ("320106", "320302")),  # Nanjing's or Xuzhou's
        ("普陀", ("310107", "330903")),
    ],
)
def test_ambiguous_names_are_reported_not_guessed(name, candidates):
    r = resolve_place_names([name])[0]
    assert r.adcode is None and r.method is None
    assert r.problem.startswith("ambiguous place name") and all(c in r.problem for c in candidates)


def test_unknown_name_stays_unresolved():
    assert resolve_place_names(["火星基地", "Atlantis", None])[1:] == resolve_place_names([None, None])


def test_flow_endpoints_may_be_names(tmp_path: Path):
    p = tmp_path / "flows.csv"
    p.write_text(FLOWS + "road,Suzhou,宿州,2023,10,,0\nroad,鼓楼区,南京,2023,3,,0\n", encoding="utf-8")
    batch = parse_file("flows", p)
    t = batch.table.set_index("row_number")
    assert (t.loc[2, "origin"], t.loc[2, "origin_method"]) == (SH, "name:city")
    assert (t.loc[5, "destination"], t.loc[5, "destination_method"]) == ("320506", "name:county")
    assert (t.loc[8, "origin"], t.loc[8, "origin_method"]) == (SZ, "padded")
    assert t.loc[2, "symmetric"] and not t.loc[5, "symmetric"]
    errors = [(e.row, e.column, e.value, e.rule) for e in batch.errors]
    assert errors == [(11, "origin", "Suzhou", "adcode"), (12, "origin", "鼓楼区", "adcode")]
    assert "341300" in batch.errors[0].message and "320302" in batch.errors[1].message


# ------------------------------------------------------------------------------------------- atlas
@pytest.fixture(scope="module")
def flows_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("flows_in")
    (d / "flows.csv").write_text(FLOWS, encoding="utf-8")
    (d / "firms.csv").write_text(FIRMS, encoding="utf-8")
    db = d.parent / f"{d.name}.duckdb"
    with open_backend(db) as b:
        load_dir(b, d)
        build(b)
    return db


def _edges(db: Path, period: int = 2023) -> dict[tuple[str, str], tuple[float, float]]:
    with open_backend(db, read_only=True) as b:
        e = query.edges(b, layer="symbiosis", scale="city", period=period)
    return {(r.src, r.dst): (r.n, r.value) for r in e.itertuples()}


def test_volume_is_the_weight_at_city_scale(flows_db: Path):
    assert _edges(flows_db) == {
        # rail 上海↔苏州 320 both ways (half each way) + rail 浦东→吴中 10 + commuting 浦东→吴中 5000
        (SH, SZ): (160 + 10 + 5000, 160 + 10 + 5000),
        # rail 上海↔苏州 half + commuting 3205→浦东 15000
        (SZ, SH): (160 + 15000, 160 + 15000),
        (SH, HZ): (100, 100),  # rail 上海↔杭州 200, half each way
        (HZ, SH): (100, 100),
        (SZ, SZ): (40, 40),  # a symmetric loop (road 苏州市 ↔ 吴中区) is one tie with its whole volume
        # zero volumes (rail 苏州↔杭州, commuting 南京→上海) make no tie
    }
    # the layer's total is the records' total volume: symmetric rows are split, not doubled
    assert sum(n for n, _ in _edges(flows_db).values()) == 320 + 200 + 10 + 40 + 15000 + 5000
    assert _edges(flows_db, 2022) == {(SH, NJ): (40, 40), (NJ, SH): (40, 40)}


def test_gexf_weight_is_the_volume(flows_db: Path, tmp_path: Path):
    import networkx as nx

    out = tmp_path / "sym.gexf"
    r = CliRunner().invoke(
        main,
        [
            "--db",
            str(flows_db),
            "export",
            "edges",
            "--layer",
            "symbiosis",
            "--period",
            "2023",
            "-o",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    g = nx.read_gexf(out)
    assert g.edges[SZ, SH]["weight"] == 15160.0


def _gravity(db: Path, **params) -> tuple[pd.DataFrame, dict]:
    with open_backend(db, read_only=True) as b:
        res = analyze(b, "gravity", layer="symbiosis", scale="city", period=2023, top=1000, **params)
    return res.data, res.summary


def test_gravity_distance_from_flow_travel_times(flows_db: Path):
    data, s = _gravity(flows_db, distance_from="flows:rail")
    # rail times of 2023 (the 2022 record's 999 min is another year): 上海–苏州 median(25, 45) = 35,
    # 上海–杭州 45, 苏州–杭州 70 (the zero-volume link still has a time); 南京 has no 2023 time
    assert (s["distance_year"], s["timed_pairs"], s["timed_cities"], s["distance_records"]) == (2023, 3, 3, 4)
    assert s["distance"].startswith("flows:rail: median travel time")
    observed = {frozenset((SH, SZ)): 5170 + 15160, frozenset((SH, HZ)): 200, frozenset((SZ, HZ)): 0}
    assert s["observed_total"] == sum(observed.values())
    # expected ∝ k·√(P G)·√(P G)/D² summed over both orders (k_ij + k_ji = 1), scaled to the observed total
    p = geo.places("city").set_index("adcode")["pop_2020"].astype(float)
    G = {SH: 2.0, SZ: 1.0, HZ: 1.0}  # firms
    D = {frozenset((SH, SZ)): 35.0, frozenset((SH, HZ)): 45.0, frozenset((SZ, HZ)): 70.0}
    raw = {k: (p[a] * G[a] * p[b] * G[b]) ** 0.5 / D[k] ** 2 for k in D for a, b in [sorted(k)]}
    expected = {k: v * s["observed_total"] / sum(raw.values()) for k, v in raw.items()}
    # the result lists the pairs with untapped linkage (expected above observed)
    untapped = {k for k in D if expected[k] > observed[k]}
    got = {frozenset((r.src, r.dst)): r for r in data.itertuples()}
    assert set(got) == untapped == {frozenset((SH, HZ)), frozenset((SZ, HZ))}
    for k in untapped:
        assert (got[k].observed, got[k].expected) == (observed[k], pytest.approx(expected[k]))


def test_gravity_distance_from_refuses_what_it_cannot_use(flows_db: Path):
    with pytest.raises(ConfigError, match="no logistics flows with a travel time"):
        _gravity(flows_db, distance_from="flows:logistics")
    with pytest.raises(ConfigError, match="expected one of flows:rail"):
        _gravity(flows_db, distance_from="rail")
    with pytest.raises(ConfigError, match="not both"):
        _gravity(flows_db, distance_from="flows:rail", distance_file="times.csv")


def test_distance_from_on_the_command_line(flows_db: Path, tmp_path: Path):
    out = tmp_path / "g.csv"
    r = CliRunner().invoke(
        main,
        [
            "--db",
            str(flows_db),
            "analyze",
            "gravity",
            "--layer",
            "symbiosis",
            "--period",
            "2023",
            "--distance-from",
            "flows:rail",
            "-o",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    assert set(pd.read_csv(out, encoding="utf-8-sig", dtype=str)["dst"]) == {HZ}


def _matrix(labels: list[str], codes: list[str]) -> pd.DataFrame:
    c = geo.places("city").set_index("adcode")
    lon, lat = c.loc[codes, "lon"].astype(float).to_numpy(), c.loc[codes, "lat"].astype(float).to_numpy()
    from chainatlas.analytics.gravity import haversine_km

    km = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]).round(1)
    return pd.DataFrame(km, index=labels, columns=labels)


def test_distance_matrix_takes_four_digit_codes(flows_db: Path, tmp_path: Path):
    codes = list(geo.places("city")["adcode"])
    four = [c[:4] for c in codes]
    assert "3205" in four and "3101" in four
    p4, p6 = tmp_path / "t4.csv", tmp_path / "t6.csv"
    _matrix(four, codes).rename_axis("id").reset_index().to_csv(p4, index=False)
    _matrix(codes, codes).rename_axis("id").reset_index().to_csv(p6, index=False)
    m = read_distance(p4, codes, _city_aliases())
    assert list(m.index) == codes and m.loc[SZ, SH] == m.loc[SH, SZ] > 0
    d4, s4 = _gravity(flows_db, distance_file=str(p4))
    d6, _ = _gravity(flows_db, distance_file=str(p6))
    pd.testing.assert_frame_equal(d4, d6)
    assert s4["distance"] == str(p4) and s4["n_places"] == 41


def test_an_atlas_from_before_symmetric_flows_is_migrated(tmp_path: Path):
    import duckdb

    from chainatlas.storage import schema

    db = tmp_path / "v2.duckdb"
    open_backend(db).close()
    con = duckdb.connect(str(db))  # raw_flows as schema version 2 made it: no symmetric column
    con.execute('ALTER TABLE raw_flows DROP COLUMN "symmetric"')
    con.execute(
        "INSERT INTO raw_flows (flow_type, origin, destination, period, value, year) "
        "VALUES ('rail', '310100', '320500', '2022', 5, 2022)"
    )
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    d = tmp_path / "in"
    d.mkdir()
    (d / "flows.csv").write_text(FLOWS, encoding="utf-8")
    with open_backend(db) as b:
        assert b.schema_version == schema.SCHEMA_VERSION >= 3
        load_dir(b, d)
        build(b)
    e = _edges(db, 2022)
    assert e[(SH, SZ)] == (5.0, 5.0)  # the old row, directed
    assert e[(SH, NJ)] == e[(NJ, SH)] == (40.0, 40.0)  # a new symmetric row
