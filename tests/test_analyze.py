"""``chainatlas analyze`` (atlas data) and ``chainatlas calc`` (user tables), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas.cli import main
from chainatlas.pipeline import analyze as an

PERIOD = 2024


def _run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), prog_name="chainatlas", catch_exceptions=False)


def _analyze(built_db: Path, tmp_path: Path, topic: str, *args: str, fmt: str = "json") -> dict:
    out = tmp_path / f"{topic}.{fmt}"
    r = _run(
        "--db", str(built_db), "analyze", topic, "--period", str(PERIOD), *args, "-f", fmt, "-o", str(out)
    )
    assert r.exit_code == 0, r.output
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        doc["frame"] = pd.DataFrame(doc["data"])
        return doc
    side = json.loads(Path(str(out) + ".provenance.json").read_text(encoding="utf-8"))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    side["frame"] = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit": str})
    return side


def _check_provenance(doc: dict, topic: str, *, layer: str | None, scale: str) -> None:
    p = doc["provenance"]
    assert p["topic"] == topic and p["period"] == PERIOD and p["scale"] == scale and p["layer"] == layer
    assert p["chain"] == "*" and p["segment"] == "*"
    assert p["data_version"]["max_batch_id"] >= 1 and p["data_version"]["built_at"]
    assert p["synthetic"] is True
    assert isinstance(p["parameters"], dict)


# ------------------------------------------------------------------------------------------------ analyze
def test_analyze_network_csv(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "network", "--layer", "innovation", "--scale", "city", fmt="csv")
    _check_provenance(doc, "network", layer="innovation", scale="city")
    f = doc["frame"]
    assert {"unit", "name_zh", "pagerank", "betweenness", "degree"} <= set(f.columns)
    assert len(f) >= 2 and f["unit"].is_unique
    assert f["pagerank"].sum() == pytest.approx(1.0, abs=1e-9)
    assert doc["provenance"]["parameters"] == {"undirected": False, "weight": "n"}


def test_analyze_communities(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "communities", "--layer", "innovation", "--seed", "1")
    _check_provenance(doc, "communities", layer="innovation", scale="city")
    f, s = doc["frame"], doc["summary"]
    assert {"unit", "community", "province"} <= set(f.columns)
    assert f["community"].nunique() == s["n_communities"] >= 1
    assert 0 <= s["nmi_vs_province"] <= 1 and 0 <= s["crossing_share_province"] <= 1
    assert doc["provenance"]["parameters"]["seed"] == 1


def test_analyze_communities_rejects_province_scale(built_db: Path, tmp_path: Path) -> None:
    r = _run(
        "--db",
        str(built_db),
        "analyze",
        "communities",
        "--layer",
        "innovation",
        "--scale",
        "province",
        "-o",
        str(tmp_path / "c.csv"),
    )
    assert r.exit_code == 2 and "--scale" in r.output and "'city', 'county'" in r.output


def test_analyze_gravity(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "gravity", "--layer", "innovation", "--top", "5")
    _check_provenance(doc, "gravity", layer="innovation", scale="city")
    f = doc["frame"]
    assert 1 <= len(f) <= 5 and (f["gap"] > 0).all()
    assert f["gap"].is_monotonic_decreasing and (f["src"] != f["dst"]).all()
    assert doc["summary"]["mass_attribute"] in ("revenue", "firms")


def test_analyze_moran(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "moran", "--attr", "patents", "--permutations", "99")
    _check_provenance(doc, "moran", layer=None, scale="city")
    f, s = doc["frame"], doc["summary"]
    assert len(f) == 41 and s["n"] == 41  # the 41 prefecture cities
    assert set(f["cluster"]) <= {"HH", "LH", "LL", "HL", "ns"}
    assert -1 <= s["I"] <= 1 and s["EI"] == pytest.approx(-1 / 40)


def test_analyze_moran_unknown_attribute(built_db: Path, tmp_path: Path) -> None:
    r = _run("--db", str(built_db), "analyze", "moran", "--attr", "nope", "-o", str(tmp_path / "m.csv"))
    assert r.exit_code != 0 and "'nope'" in r.output and "patents" in r.output


def test_analyze_complexity(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "complexity", "--chain", "nev")
    p = doc["provenance"]
    assert p["chain"] == "nev" and p["period"] == PERIOD and p["data_version"]["max_batch_id"] >= 1
    f = doc["frame"]
    assert len(f) >= 2 and any(c.startswith("rca_") for c in f.columns)
    eci = f["eci"].dropna()
    assert eci.mean() == pytest.approx(0, abs=1e-9) and eci.std(ddof=0) == pytest.approx(1, abs=1e-9)
    assert set(doc["summary"]["pci"]) <= set(doc["summary"]["segments"])


def test_analyze_coupling(built_db: Path, tmp_path: Path) -> None:
    doc = _analyze(built_db, tmp_path, "coupling")
    _check_provenance(doc, "coupling", layer=None, scale="city")
    f, s = doc["frame"], doc["summary"]
    assert len(f) == 41
    for col in ("innovation", "industry", "C", "T", "D", "C_wang2021", "D_wang2021"):
        assert f[col].dropna().between(0, 1 + 1e-12).all(), col
    assert sum(s["innovation_weights"].values()) == pytest.approx(1)
    assert set(s["industry_weights"]) == {"revenue", "firms", "exports", "employees"}


def test_analyze_needs_layer(built_db: Path, tmp_path: Path) -> None:
    r = _run("--db", str(built_db), "analyze", "network", "-o", str(tmp_path / "n.csv"))
    assert r.exit_code != 0 and "--layer" in r.output


# ------------------------------------------------------------------------------------------------ calc
def _calc(tmp_path: Path, method: str, table: str, *args: str, name: str = "in.csv") -> dict:
    src = tmp_path / name
    src.write_text(table, encoding="utf-8")
    out = tmp_path / f"{method}.json"
    r = _run("calc", method, "--input", str(src), *args, "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["method"] == method and len(doc["provenance"]["data_version"]["sha256"]) == 64
    doc["frame"] = pd.DataFrame(doc["data"])
    return doc


def test_calc_leontief_miller_blair(tmp_path: Path) -> None:
    # Miller, R. E. & Blair, P. D. (2009). Input-Output Analysis, 2nd ed., Table 2.3 (two-sector example):
    # Z = [[150, 500], [200, 100]], x = [1000, 2000]  →  L = [[1.2541, 0.3300], [0.2640, 1.1221]]
    doc = _calc(tmp_path, "leontief", "sector,S1,S2,x\nS1,150,500,1000\nS2,200,100,2000\n")
    f = doc["frame"].set_index("sector")
    assert f.loc["S1", "A[S1]"] == pytest.approx(0.15) and f.loc["S1", "A[S2]"] == pytest.approx(0.25)
    assert f.loc["S1", "L[S1]"] == pytest.approx(1.2541, abs=1e-4)
    assert f.loc["S1", "L[S2]"] == pytest.approx(0.3300, abs=1e-4)
    assert f.loc["S2", "L[S1]"] == pytest.approx(0.2640, abs=1e-4)
    assert f.loc["S2", "L[S2]"] == pytest.approx(1.1221, abs=1e-4)


def test_calc_leontief_from_final_demand_matches(tmp_path: Path) -> None:
    # same table with final demand y = x - Z·1 = [350, 1700] (Miller & Blair 2009, Table 2.3)
    doc = _calc(tmp_path, "leontief", "sector,S1,S2,y\nS1,150,500,350\nS2,200,100,1700\n")
    f = doc["frame"].set_index("sector")
    assert f["x"].tolist() == pytest.approx([1000, 2000])
    assert f.loc["S1", "L[S1]"] == pytest.approx(1.2541, abs=1e-4)


def test_calc_centrality_krackhardt_kite(tmp_path: Path) -> None:
    g = nx.krackhardt_kite_graph()
    table = "src,dst\n" + "".join(f"n{a},n{b}\n" for a, b in g.edges())
    doc = _calc(tmp_path, "centrality", table, "--undirected")
    f = doc["frame"].set_index("node")
    expected = nx.betweenness_centrality(g)
    for v, b in expected.items():
        assert f.loc[f"n{v}", "betweenness"] == pytest.approx(b, abs=1e-9)
    # Krackhardt (1990) kite: Heather (node 7) is the broker, betweenness 0.389 (NetworkX test suite)
    assert f.loc["n7", "betweenness"] == pytest.approx(0.389, abs=1e-3)
    assert f["pagerank"].sum() == pytest.approx(1.0)
    assert doc["provenance"]["parameters"]["undirected"] is True


def test_calc_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "edges.csv"
    src.write_text("from,dst,weight\na,b,1\n", encoding="utf-8")
    r = _run("calc", "centrality", "--input", str(src), "-o", str(tmp_path / "out.csv"))
    assert r.exit_code != 0
    assert "edges.csv" in r.output and "'src'" in r.output and "expected an edge list" in r.output
    assert not (tmp_path / "out.csv").exists()


def test_calc_bad_number_names_row_and_column(tmp_path: Path) -> None:
    src = tmp_path / "io.csv"
    src.write_text("sector,S1,S2,x\nS1,150,lots,1000\nS2,200,100,2000\n", encoding="utf-8")
    r = _run("calc", "leontief", "--input", str(src), "-o", str(tmp_path / "out.csv"))
    assert r.exit_code != 0 and "io.csv" in r.output and "row 2" in r.output and "'S2'" in r.output


def test_calc_reads_xlsx_and_writes_csv_with_sidecar(tmp_path: Path) -> None:
    src = tmp_path / "io.xlsx"
    pd.DataFrame({"sector": ["S1", "S2"], "S1": [150, 200], "S2": [500, 100], "x": [1000, 2000]}).to_excel(
        src, index=False
    )
    out = tmp_path / "ghosh.csv"
    r = _run("calc", "ghosh", "--input", str(src), "-o", str(out))
    assert r.exit_code == 0, r.output
    f = pd.read_csv(out, encoding="utf-8-sig").set_index("sector")
    assert f.loc["S1", "B[S2]"] == pytest.approx(0.5)  # b_12 = z_12 / x_1 = 500 / 1000
    side = json.loads((tmp_path / "ghosh.csv.provenance.json").read_text(encoding="utf-8"))
    assert side["provenance"]["method"] == "ghosh" and side["provenance"]["data_version"]["input"] == str(src)


def _example(method: str) -> str:
    return an.METHODS[method].example_input


@pytest.mark.parametrize("method", list(an.METHODS))
def test_calc_help_shows_an_example_that_runs(method: str, tmp_path: Path) -> None:
    """Every registered method's --help shows its input and an example command, and that example runs."""
    m = an.METHODS[method]
    r = _run("calc", method, "--help")
    assert r.exit_code == 0
    assert "Input:" in r.output and f"chainatlas calc {method} --input table.csv" in r.output
    assert m.example_input.splitlines()[0] in r.output and " ".join(m.example_args) in r.output
    doc = _calc(tmp_path, method, m.example_input, *m.example_args)
    assert len(doc["frame"]) >= 1


def test_unknown_parameter_is_an_error_naming_it(built_db: Path, tmp_path: Path) -> None:
    # the CLI offers only a topic's own options, and the library refuses one a topic does not take
    r = _run(
        "--db",
        str(built_db),
        "analyze",
        "network",
        "--layer",
        "innovation",
        "--attr",
        "x",
        "-o",
        str(tmp_path / "n.csv"),
    )
    assert r.exit_code == 2 and "--attr" in r.output and not (tmp_path / "n.csv").exists()
    from chainatlas.errors import ConfigError
    from chainatlas.storage.base import open_backend

    with open_backend(built_db, read_only=True) as b, pytest.raises(ConfigError) as e:
        an.analyze(b, "network", layer="innovation", attr="x")
    assert e.value.param == "attr" and str(e.value).startswith("attr: ") and "--" not in str(e.value)


def test_calc_extraction_loss(tmp_path: Path) -> None:
    doc = _calc(tmp_path, "extraction", _example("extraction"), "--sectors", "S1")
    s = doc["summary"]
    assert s["sectors"] == ["S1"] and s["how"] == "complete"
    assert 0 < s["loss_share"] <= 1 and s["loss"] >= 1000  # at least S1's own output (x1 = 1000) is lost


def test_calc_qap_unknown_layer(tmp_path: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_text(_example("qap"), encoding="utf-8")
    r = _run(
        "calc", "qap", "--input", str(src), "--x", "innovation", "--y", "value", "-o", str(tmp_path / "q.csv")
    )
    assert r.exit_code != 0 and "'value'" in r.output and "industry" in r.output


def _stl() -> tuple[Path, object, list[str], object]:
    """St Louis homicide rates HR8893 and stl.gal (shipped with libpysal; no download)."""
    import libpysal
    import numpy as np

    gal = Path(libpysal.examples.get_path("stl.gal"))
    f = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    try:
        y = np.array(f.by_col("HR8893"), dtype=float)
    finally:
        f.close()
    g = libpysal.io.open(str(gal))
    try:
        w = g.read()
    finally:
        g.close()
    return gal, y, [str(i) for i in w.id_order], w


@pytest.mark.parametrize("source", ["gal", "matrix"])
def test_calc_moran_with_the_users_weights_st_louis(tmp_path: Path, source: str) -> None:
    # esda's own test (esda/tests/test_moran.py, TestMoran.test_moran): St Louis HR8893 with stl.gal,
    # I = 0.24365582621771659; one-tailed normal p 0.00013573931385468807 (doubled for two tails)
    gal, y, ids, w = _stl()
    table = "id,value\n" + "".join(f"{i},{float(v)!r}\n" for i, v in zip(ids, y, strict=True))
    if source == "gal":
        args = ["--gal", str(gal)]
    else:
        m = pd.DataFrame(0.0, index=ids, columns=ids)
        for i, nb in w.neighbors.items():
            for j in nb:
                m.loc[str(i), str(j)] = 1.0
        mpath = tmp_path / "w.csv"
        m.rename_axis("id").reset_index().to_csv(mpath, index=False)
        args = ["--matrix", str(mpath)]
    doc = _calc(tmp_path, "moran", table, *args, "--permutations", "99")
    s = doc["summary"]
    assert s["I"] == pytest.approx(0.24365582621771659, rel=1e-12)
    assert s["p_norm"] == pytest.approx(2 * 0.00013573931385468807, rel=1e-9) and s["tails"] == 2
    one = _calc(tmp_path, "moran", table, *args, "--permutations", "99", "--one-tailed")
    assert one["summary"]["p_norm"] == pytest.approx(0.00013573931385468807, rel=1e-9)


def test_calc_moran_needs_exactly_one_weights_source(tmp_path: Path) -> None:
    src = tmp_path / "v.csv"
    src.write_text("id,value,lon,lat\na,1,120,30\nb,2,121,31\n", encoding="utf-8")
    gal, _, _, _ = _stl()
    r = _run(
        "calc", "moran", "--input", str(src), "--k", "1", "--gal", str(gal), "-o", str(tmp_path / "m.csv")
    )
    assert r.exit_code == 1 and "--k: moran needs one source of spatial weights" in r.output
    assert "got gal_file, k" in r.output and not (tmp_path / "m.csv").exists()


# ------------------------------------------------------------------------------------------------ calc: published
def test_calc_entropy_reproduces_mathmodels(tmp_path: Path) -> None:
    # mathmodels (Zhang, R package; docs/reference/entropy_weight.md, printed output):
    # entropy_weight(X = (x1: 3,5,2,7; x2: 10,20,15,25), index = c("+", "-"), epsilon = 0.002)$w
    doc = _calc(tmp_path, "entropy", *_example_of("entropy"))
    w = doc["summary"]["weights"]
    assert [w["x1"], w["x2"]] == pytest.approx([0.5452618, 0.4547382], abs=5e-8)
    # its score s = 100 (ε + (1 − 2ε) U) = 56.35354, 47.88215, 30.39461, 54.50808
    s = 100 * (0.002 + 0.996 * doc["frame"]["index"])
    assert s.tolist() == pytest.approx([56.35354, 47.88215, 30.39461, 54.50808], abs=5e-6)


def test_calc_lq_with_a_national_reference(tmp_path: Path) -> None:
    # mathmodels' LQ example (National 10000: 2000, 6000; Region_A 4000: 1000, 2000; Region_B 6000: 1000, 4000):
    # Region_A 1.25, 0.8333333; Region_B 0.8333333, 1.1111111
    f = _calc(tmp_path, "lq", *_example_of("lq"))["frame"].set_index("region")
    assert f.loc["Region_A", ["industry1", "industry2"]].tolist() == pytest.approx(
        [1.25, 0.8333333], abs=1e-7
    )
    assert f.loc["Region_B", ["industry1", "industry2"]].tolist() == pytest.approx(
        [0.8333333, 1.1111111], abs=1e-7
    )


def test_calc_hhi_raw_and_normalised(tmp_path: Path) -> None:
    # mathmodels: HHI(c(50, 30, 20)) = 0.38, and 0.07 with scaled = TRUE ((0.38 − 1/3)/(1 − 1/3))
    f = _calc(tmp_path, "hhi", *_example_of("hhi"))["frame"].set_index("segment")
    assert f.loc["seg", "hhi"] == pytest.approx(0.38) and f.loc["seg", "hhi_normalized"] == pytest.approx(
        0.07
    )


def test_calc_coordination_of_three_subsystems(tmp_path: Path) -> None:
    # mathmodels coupling_degree(df, id_cols = "ID") on its documented s1, s2, s3 (docs/reference/system_evaluation.md):
    # unit A: C = 0.571, T = 0.185, D = 0.325 (3 decimals as printed); the indices are given, one column each
    table = "ID,s1,s2,s3\nA,0.0162,0.2720,0.2655\nB,0.1782,0.6824,0.3721\n"
    doc = _calc(tmp_path, "coordination", table, "--indices", "s1,s2,s3")
    a = doc["frame"].set_index("ID").loc["A"]
    assert [a["C"], a["T"], a["D"]] == pytest.approx([0.571, 0.185, 0.325], abs=5e-4)
    # coupling_degree(df, c(0.4, 0.3, 0.3), id_cols = "ID", type = "adjusted"): A → C 0.447, T 0.168, D 0.274
    adj = (
        _calc(
            tmp_path,
            "coordination",
            table,
            "--indices",
            "s1,s2,s3",
            "--weights",
            "0.4,0.3,0.3",
            "--method",
            "wang2021",
        )["frame"]
        .set_index("ID")
        .loc["A"]
    )
    assert [adj["C"], adj["T"], adj["D"]] == pytest.approx([0.447, 0.168, 0.274], abs=5e-4)


def test_calc_leontief_new_final_demand(tmp_path: Path) -> None:
    # Miller & Blair (2009), section 2.3: with Z = [[150, 500], [200, 100]], x = (1000, 2000), the new final demand
    # f = (600, 1500) needs x = L f = (1247.5, 1841.6) (exactly (945, 1395) / 0.7575)
    f = _calc(tmp_path, "leontief-demand", *_example_of("leontief-demand"))["frame"].set_index("sector")
    assert f["x_new"].tolist() == pytest.approx([945 / 0.7575, 1395 / 0.7575], rel=1e-12)


def _example_of(method: str) -> tuple[str, ...]:
    m = an.METHODS[method]
    return (m.example_input, *m.example_args)
