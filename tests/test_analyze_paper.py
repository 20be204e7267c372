"""Multiplex, QAP and the paper's diagnostics (roles, modes, pairing) on the small synthetic atlas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from chainatlas import geo
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.model.layers import LAYERS
from chainatlas.pipeline import analyze as an
from chainatlas.pipeline import query

PERIOD = 2024


def _layer(atlas, layer: str, scale: str = "city") -> pd.DataFrame:
    e = query.edges(atlas, layer=layer, scale=scale, period=PERIOD)
    return e[(e["src"] != e["dst"]) & (e["n"] > 0)]


def test_network_summary_has_whole_graph_statistics(atlas) -> None:
    r = an.analyze(atlas, "network", layer="industry", period=PERIOD)
    e = _layer(atlas, "industry")
    n = len(set(e["src"]) | set(e["dst"]))
    assert r.summary["n_nodes"] == n and r.summary["n_edges"] == len(e)
    assert r.summary["density"] == pytest.approx(len(e) / (n * (n - 1)))  # directed, no loops
    assert r.summary["total_weight"] == pytest.approx(e["n"].sum())
    assert r.summary["n_core"] == len(r.summary["core_units"]) >= 1


def test_multiplex_participation_recomputed(atlas) -> None:
    r = an.analyze(atlas, "multiplex", period=PERIOD)
    d = r.data.set_index("unit")
    # degree of Shanghai in each layer: distinct partners over in- and out-ties, from the layer edges
    sh = "310100"
    deg = {}
    for lay in LAYERS:
        e = _layer(atlas, lay)
        pairs = set(map(tuple, e[["src", "dst"]].to_numpy()))  # directed ties, merged per ordered pair
        deg[lay] = sum(1 for s, t in pairs if s == sh) + sum(1 for s, t in pairs if t == sh)
        assert d.at[sh, f"degree_{lay}"] == deg[lay]
    o = sum(deg.values())
    want = 6 / 5 * (1 - sum((k / o) ** 2 for k in deg.values()))
    assert d.at[sh, "overlapping_degree"] == o and d.at[sh, "participation"] == pytest.approx(want)
    assert d["participation"].between(0, 1).all()
    assert len(r.summary["overlap"]) == 15 and set(r.summary["per_layer"]) == set(LAYERS)


def test_qap_pair_matches_a_direct_correlation(atlas) -> None:
    one = an.analyze(atlas, "qap", layer="innovation", other="industry", period=PERIOD, permutations=199)
    assert len(one.data) == 1 and one.provenance["layer"] == "innovation"
    units = sorted(
        set().union(*[set(_layer(atlas, lay)[["src", "dst"]].to_numpy().ravel()) for lay in LAYERS])
    )
    idx = {u: i for i, u in enumerate(units)}

    def matrix(layer: str) -> np.ndarray:
        m = np.zeros((len(units), len(units)))
        for s, t, w in _layer(atlas, layer)[["src", "dst", "n"]].itertuples(index=False):
            m[idx[s], idx[t]] += w
        return m[~np.eye(len(units), dtype=bool)]

    r = np.corrcoef(matrix("innovation"), matrix("industry"))[0, 1]
    row = one.data.iloc[0]
    assert row["qap_r"] == pytest.approx(r, abs=1e-12)
    assert 1 / 200 <= row["p_greater"] <= 1 and row["p_two_sided"] >= row["p_greater"] or row["qap_r"] < 0
    every = an.analyze(atlas, "qap", period=PERIOD, permutations=199)
    assert len(every.data) == 15
    again = every.data.set_index(["layer_a", "layer_b"]).loc[("innovation", "industry")]
    assert again["qap_r"] == pytest.approx(r)
    assert (
        abs(again["p_greater"] - row["p_greater"]) <= 1 / 200
    )  # same seed (sums may differ in the last bit)


def test_qap_other_without_layer(atlas) -> None:
    with pytest.raises(ConfigError, match="^layer: qap with other needs layer"):
        an.analyze(atlas, "qap", other="industry", period=PERIOD)


def test_roles_tiers_are_ordered_and_g60_is_its_nine_cities(atlas) -> None:
    r = an.analyze(atlas, "roles", period=PERIOD, area="g60")
    d = r.data
    # G60: 松江区 brings in 上海 at city scale, plus the eight other member cities
    assert sorted(d["unit"]) == sorted(
        ["310100", "330400", "330100", "330700", "320500", "330500", "341800", "340200", "340100"]
    )
    lo = {t: d.loc[d["tier"] == t, "score"].min() for t in ("core", "key", "auxiliary")}
    hi = {t: d.loc[d["tier"] == t, "score"].max() for t in ("core", "key", "auxiliary")}
    assert lo["core"] > hi["key"] > hi["auxiliary"] and lo["key"] > hi["auxiliary"]
    assert d["score"].max() <= 1 and d["score"].min() >= 0
    patents = query.nodes(atlas, scale="city", period=PERIOD, attrs=["patents"]).set_index("unit")["patents"]
    assert d.set_index("unit")["patents"].to_dict() == pytest.approx(patents.reindex(d["unit"]).to_dict())
    # the scaled patents column is (x - min) / (max - min) over the nine cities
    x = d["patents"]
    assert d["patents_scaled"].to_numpy() == pytest.approx(((x - x.min()) / (x.max() - x.min())).to_numpy())
    assert set(d["function"].dropna()) <= {"source", "conversion", "production"}
    from chainatlas.analytics.diagnostics import FUNCTIONS_ZH

    assert (d["function_zh"].dropna() == d["function"].dropna().map(FUNCTIONS_ZH)).all()
    assert r.summary["tiers"]["core"] and r.provenance["parameters"]["area"] == "g60"
    with pytest.raises(ConfigError, match="^area: unknown functional area 'nope'"):
        an.analyze(atlas, "roles", period=PERIOD, area="nope")


def test_modes_shares_against_the_layer_edges(atlas) -> None:
    r = an.analyze(atlas, "modes", period=PERIOD)
    d = r.data.set_index(["area", "layer"])
    last = max(query.periods(atlas))
    inside = query.edges(atlas, layer="industry", scale="area", period=last)
    inside = inside[inside["src"] == inside["dst"]].set_index("src")["n"]
    region = query.edges(atlas, layer="industry", scale="city", period=last)["n"].sum()  # conservation
    for area in ("g60", "hhy_bay"):
        assert d.at[(area, "industry"), "ties"] == pytest.approx(inside.get(area, 0.0))
        assert d.at[(area, "industry"), "share_of_region"] == pytest.approx(inside.get(area, 0.0) / region)
    areas = {a["area"]: a for a in r.summary["areas"]}
    assert set(areas) == {"g60", "hhy_bay", "hnhh_belt", "demo_zone"}
    assert areas["g60"]["paper_mode"] == "corridor" and areas["hhy_bay"]["paper_mode_zh"] == "湾区循环"
    for a in areas.values():
        scores = {m: a[f"score_{m}"] for m in ("bay_cycle", "corridor", "pan_network", "open_network")}
        assert a["mode"] == max(scores, key=lambda m: scores[m] if scores[m] is not None else -1)
        assert a["agrees"] == (a["mode"] == a["paper_mode"])
    assert r.summary["periods"] == query.periods(atlas)


def test_pairing_pairs_innovation_with_industry_places(atlas) -> None:
    r = an.analyze(atlas, "pairing", chain="ic", period=PERIOD, top=5)
    d = r.data
    assert not d.empty and (d.groupby("segment").size() <= 5).all() and (d["gap"] > 0).all()
    assert (d["src_innovation_share"] > d["src_industry_share"]).all()
    assert (d["dst_industry_share"] > d["dst_innovation_share"]).all()
    n_cities = len(geo.places("city"))
    assert (d["src_innovation_share"] >= 1 / n_cities).all() and (
        d["dst_industry_share"] >= 1 / n_cities
    ).all()
    seg = d["segment"].iloc[0]
    e = query.edges(atlas, layer="innovation", scale="city", period=PERIOD, chain="ic", segment=seg)
    for row in d[d["segment"] == seg].itertuples():
        both = e[
            ((e["src"] == row.src) & (e["dst"] == row.dst)) | ((e["src"] == row.dst) & (e["dst"] == row.src))
        ]
        assert row.observed == pytest.approx(both["n"].sum())
        assert row.gap == pytest.approx(row.expected - row.observed)
    with pytest.raises(ConfigError, match="^segment: 'nope' is not a segment of chain 'ic'"):
        an.analyze(atlas, "pairing", chain="ic", segment="nope", period=PERIOD)


def test_chains_supplier_concentration_against_raw_links(atlas) -> None:
    r = an.analyze(atlas, "chains", chain="ic", period=PERIOD)
    segs = r.summary["segments"]
    # independent: supply facts of the year whose chain assignment maps to an ic segment, in plain SQL
    raw = atlas.sql(
        "select l.segment, f.src as supplier, sum(f.value) as v from facts f join seg_lookup l "
        "on f.ck_type = l.ck_type and f.ck = l.ck where f.source = 'supply_links' and f.year = ? and l.chain = 'ic' "
        "group by all",
        [PERIOD],
    )
    assert not raw.empty
    for seg, g in raw.groupby("segment"):
        s = g["v"][g["v"] > 0] / g["v"][g["v"] > 0].sum()
        got = segs[seg]["suppliers"]
        assert got["suppliers"] == len(s) and got["hhi_suppliers"] == pytest.approx(float((s**2).sum()))
        assert got["cr1"] == pytest.approx(float(s.max()))
        assert got["value"] == pytest.approx(float(g["v"].sum()))


@pytest.mark.parametrize(
    "topic, args",
    [
        ("multiplex", []),
        ("qap", ["--layer", "knowledge", "--other", "innovation", "--permutations", "99"]),
        ("roles", ["--area", "hnhh_belt"]),
        ("modes", []),
        ("pairing", ["--chain", "bio", "--top", "3"]),
        ("path", ["--chain", "ic", "--max-lag", "2"]),
        ("io", ["--chain", "bio", "--extract", "上海市"]),
        ("actors", ["--layer", "knowledge", "--top", "5"]),
    ],
)
def test_cli(built_db: Path, tmp_path: Path, topic: str, args: list[str]) -> None:
    out = tmp_path / f"{topic}.json"
    res = CliRunner().invoke(
        main,
        ["--db", str(built_db), "analyze", topic, "--period", str(PERIOD), *args, "-o", str(out)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["topic"] == topic and doc["provenance"]["synthetic"] is True and doc["data"]


# ------------------------------------------------------------------------------------------------ travel times
def test_calc_gravity_with_a_travel_time_matrix(tmp_path: Path) -> None:
    places = tmp_path / "places.csv"
    places.write_text("id,population,gdp\n上海,2487,4.47\n苏州,1275,2.27\n杭州,1194,1.81\n", encoding="utf-8")
    times = tmp_path / "times.csv"
    times.write_text("id,上海,苏州,杭州\n上海,0,25,45\n苏州,25,0,70\n杭州,45,70,0\n", encoding="utf-8")
    r = an.calc("gravity", places, distance_file=str(times))
    row = r.data.set_index(["src", "dst"]).loc[("上海", "杭州")]
    # R_ij = G_i/(G_i+G_j) · √(P_i G_i) · √(P_j G_j) / t_ij²  with t = 45 minutes
    want = 4.47 / (4.47 + 1.81) * (2487 * 4.47) ** 0.5 * (1194 * 1.81) ** 0.5 / 45**2
    assert row["distance"] == 45 and row["gravity"] == pytest.approx(want, rel=1e-12)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,上海,苏州\n上海,0,25\n苏州,25,0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.csv: places \['杭州'\] have no row"):
        an.calc("gravity", places, distance_file=str(bad))


def test_analyze_gravity_with_travel_times_by_name(atlas, tmp_path: Path) -> None:
    from chainatlas.analytics.gravity import distance_matrix

    c = geo.places("city")
    d = distance_matrix(c.rename(columns={"adcode": "id"}), id="id") * 3.0  # any constant speed
    d.index = d.columns = list(c["name_zh"])  # by Chinese name
    f = tmp_path / "times.csv"
    d.rename_axis("城市").reset_index().to_csv(f, index=False, encoding="utf-8-sig")
    base = an.analyze(atlas, "gravity", layer="innovation", period=PERIOD, top=10)
    timed = an.analyze(atlas, "gravity", layer="innovation", period=PERIOD, top=10, distance_file=str(f))
    # a constant factor on every distance scales all R_ij alike, so the scaled expectation is unchanged
    assert timed.data[["src", "dst"]].equals(base.data[["src", "dst"]])
    assert timed.data["expected"].to_numpy() == pytest.approx(base.data["expected"].to_numpy(), rel=1e-9)
    assert timed.summary["distance"] == str(f) and timed.provenance["parameters"]["distance_file"] == str(f)
    import hashlib

    assert (
        timed.summary["distance_sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    )  # content, not only path


# ------------------------------------------------------------------------------------------------ 鸿沟 per segment
def test_coupling_gap_per_segment(atlas) -> None:
    r = an.analyze(atlas, "coupling", chain="bio", period=PERIOD)
    segs = r.summary["segments"]
    cities = set(geo.places("city")["adcode"])
    checked = 0
    for seg, v in segs.items():
        n = query.nodes(atlas, scale="city", period=PERIOD, chain="bio", segment=seg)
        n = n[n["unit"].isin(cities)]
        if "patents" not in n or "revenue" not in n or n["patents"].sum() <= 0 or n["revenue"].sum() <= 0:
            assert v["dissimilarity"] is None
            continue
        a, b = n["patents"] / n["patents"].sum(), n["revenue"] / n["revenue"].sum()
        assert v["dissimilarity"] == pytest.approx(0.5 * (a - b).abs().sum())  # Duncan & Duncan (1955)
        assert v["gap"] == pytest.approx(v["innovation_index"] - v["industry_index"])
        checked += 1
    assert checked >= 3


def test_dissimilarity_by_hand() -> None:
    from chainatlas.analytics.coupling import dissimilarity

    assert dissimilarity(pd.Series({"a": 1.0, "b": 1.0}), pd.Series({"b": 2.0, "c": 2.0})) == pytest.approx(
        0.5
    )
    assert dissimilarity([1.0, 0.0], [0.0, 3.0]) == 1.0 and dissimilarity([2.0, 2.0], [5.0, 5.0]) == 0.0
    with pytest.raises(ConfigError, match="positive totals"):
        dissimilarity([0.0, 0.0], [1.0, 1.0])


def test_calc_multiplex_and_tiers_by_hand(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(
        "src,dst,layer,weight\na,b,innovation,3\nb,c,innovation,1\na,b,industry,2\nc,a,industry,4\n",
        encoding="utf-8",
    )
    r = an.calc("multiplex", f).data.set_index("node")
    # a: innovation degree 1 (a→b), industry degree 2 (a→b, c→a): P = 2 (1 − (1/3)² − (2/3)²) = 8/9
    assert r.loc["a", "overlapping_degree"] == 3 and r.loc["a", "participation"] == pytest.approx(8 / 9)
    # strengths of a: innovation 3, industry 6 → 2 (1 − (1/3)² − (2/3)²) as well
    assert r.loc["a", "participation_strength"] == pytest.approx(8 / 9)
    assert r.loc["b", "participation"] == pytest.approx(2 * (1 - (2 / 3) ** 2 - (1 / 3) ** 2))
    t = tmp_path / "t.csv"
    t.write_text(
        "id,pagerank,patents\n上海,0.30,1500\n杭州,0.20,800\n苏州,0.18,700\n嘉兴,0.03,60\n宣城,0.02,10\n",
        encoding="utf-8",
    )
    tiers = an.calc("tiers", t).data.set_index("id")
    assert tiers.loc["上海", "tier"] == "core" and tiers.loc["宣城", "tier"] == "auxiliary"
    assert set(tiers.loc[["杭州", "苏州"], "tier"]) == {"key"}
    # score = mean of min–max scaled columns: 杭州 (0.18/0.28 + 790/1490) / 2
    assert tiers.loc["杭州", "score"] == pytest.approx((0.18 / 0.28 + 790 / 1490) / 2)


# ------------------------------------------------------------------------------------------------ actors
def test_actors_pagerank_matches_networkx_on_the_entity_graph(atlas) -> None:
    import networkx as nx

    r = an.analyze(atlas, "actors", layer="innovation", period=PERIOD, top=20)
    e = atlas.sql(
        "select src, dst, sum(n) as n from facts where layer = 'innovation' and year = ? and src <> dst "
        "and src <> coalesce(src_adcode, '') and dst <> coalesce(dst_adcode, '') group by all",
        [PERIOD],
    )
    g = nx.DiGraph()
    g.add_weighted_edges_from(e[["src", "dst", "n"]].itertuples(index=False), weight="n")
    pr = nx.pagerank(g, weight="n", tol=1e-13, max_iter=10_000)
    d = r.data
    assert r.summary["n_entities"] == g.number_of_nodes() and r.summary["n_ties"] == g.number_of_edges()
    for row in d.itertuples():
        assert row.pagerank == pytest.approx(pr[row.entity_id], abs=1e-9)
    # the 20 highest scores, in order (entities with equal PageRank may take either place among themselves)
    assert d["pagerank"].to_numpy() == pytest.approx(sorted(pr.values(), reverse=True)[:20], abs=1e-9)
    assert list(d["rank"]) == list(range(1, 21))
    firms = atlas.sql("select credit_code, name from raw_firms").set_index("credit_code")["name"]
    assert (d["name"] == d["entity_id"].map(firms)).all()  # names from the entity register


def test_actors_within_a_chain_and_needs_a_layer(atlas) -> None:
    whole = an.analyze(atlas, "actors", layer="industry", period=PERIOD, top=10_000)
    ic = an.analyze(atlas, "actors", layer="industry", period=PERIOD, chain="ic", top=10_000)
    assert 0 < ic.summary["n_ties"] < whole.summary["n_ties"]
    assert set(ic.data["entity_id"]) <= set(whole.data["entity_id"])
    assert ic.data["pagerank"].sum() == pytest.approx(1.0)  # every entity of the subgraph listed
    with pytest.raises(ConfigError, match="^layer: "):
        an.analyze(atlas, "actors", period=PERIOD)


# ------------------------------------------------------------------------------------------------ review fixes
def test_supplier_concentration_does_not_depend_on_the_scale(atlas) -> None:
    city = an.analyze(atlas, "chains", chain="nev", period=PERIOD).summary["segments"]
    area = an.analyze(atlas, "chains", chain="nev", period=PERIOD, scale="area").summary["segments"]
    for seg, v in city.items():
        a, c = area[seg]["suppliers"], v["suppliers"]
        assert a.get("value") == pytest.approx(c.get("value"))
        assert a.get("hhi_suppliers") == pytest.approx(
            c.get("hhi_suppliers"), rel=1e-12
        )  # summation order aside


def test_qap_skips_layers_without_ties_and_filters_by_layer(atlas) -> None:
    seg = an.analyze(atlas, "qap", chain="ic", segment="design", period=PERIOD, permutations=19)
    empty = set(seg.summary["empty_layers"])
    assert empty and not any(r.layer_a in empty or r.layer_b in empty for r in seg.data.itertuples())
    assert len(seg.data) + len(seg.summary["skipped_pairs"]) == 15
    one = an.analyze(atlas, "qap", layer="innovation", period=PERIOD, permutations=19)
    assert len(one.data) == 5 and all("innovation" in (r.layer_a, r.layer_b) for r in one.data.itertuples())
    und = an.analyze(
        atlas, "qap", layer="innovation", other="industry", period=PERIOD, permutations=19, undirected=True
    ).data.iloc[0]
    e = _layer(atlas, "innovation")
    pairs = {tuple(sorted(p)) for p in e[["src", "dst"]].to_numpy()}
    assert und["ties_a"] == len(pairs)  # each undirected tie once


def test_roles_within_a_chain_keeps_the_papers(atlas) -> None:
    r = an.analyze(atlas, "roles", chain="ic", period=PERIOD).data.set_index("unit")
    papers = query.nodes(atlas, scale="city", period=PERIOD, attrs=["papers"]).set_index("unit")["papers"]
    assert r["papers"].sum() > 0
    assert r["papers"].to_dict() == pytest.approx(papers.reindex(r.index).fillna(0.0).to_dict())


def test_pairing_skips_degenerate_segments_with_the_reason(atlas) -> None:
    r = an.analyze(atlas, "pairing", chain="bio", period=2015, top=5)
    assert r.summary["skipped_segments"] and all(r.summary["skipped_segments"].values())
    assert set(r.data["segment"]).isdisjoint(r.summary["skipped_segments"])


def test_travel_times_with_a_blank_diagonal(tmp_path: Path) -> None:
    places = tmp_path / "places.csv"
    places.write_text("id,population,gdp\nA,10,1\nB,20,2\n", encoding="utf-8")
    times = tmp_path / "times.csv"
    times.write_text("id,A,B\nA,,30\nB,30,\n", encoding="utf-8")
    r = an.calc("gravity", places, distance_file=str(times)).data
    assert set(r["distance"]) == {30.0}
