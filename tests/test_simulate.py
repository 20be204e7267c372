"""平战转换 wiring (issue 14): the firm network read from the atlas, scenarios as data, runs and policy comparisons,
the systemic-risk ranking and the emergency list, on the session's small demo atlas (``built_db``, 2024).

Numbers are not typed in: the engine (:mod:`chainatlas.analytics.shock`, tested on hand-computed networks in its
own tests) is run again here on the very network the wiring built, with the shocks written by hand, and the
wiring's aggregates must equal what that run gives; the network must equal the raw records it comes from.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from chainatlas.analytics import shock
from chainatlas.cli import main
from chainatlas.errors import ConfigError
from chainatlas.model.access import Scope
from chainatlas.pipeline import emergency, query
from chainatlas.pipeline import scenario as scn
from chainatlas.pipeline import simulate as sim
from chainatlas.pipeline import supply_network as supply
from chainatlas.storage.base import open_backend

YEAR = 2024


@pytest.fixture(scope="module")
def built(built_db: Path):
    """The 2024 network of the demo atlas (engine network and labels), read once."""
    with open_backend(built_db, read_only=True) as b:
        yield supply.network(b, period=YEAR)


def _example() -> dict:
    return yaml.safe_load(scn.example_scenario())


# ---------------------------------------------------------------------------------------------- the network
def _raw(atlas, name: str):
    t = atlas.table(name)
    return atlas.execute(t.filter(t.year == YEAR))


def test_link_values_are_the_raw_supply_links_of_the_year(built, atlas):
    net, labels = built
    raw = _raw(atlas, "raw_supply_links")
    raw = (
        raw.groupby(["supplier_code", "customer_code"])
        .agg(value=("value", "sum"), valued=("value", "count"), n=("value", "size"))
        .reset_index()
    )
    # the demo's links all name registered firms by credit code and carry a value
    assert int(raw["valued"].sum()) == int(raw["n"].sum()) == 916
    firms = labels.firms["firm"].to_numpy()
    links = labels.links.assign(
        supplier_code=firms[labels.links["supplier"]], customer_code=firms[labels.links["customer"]]
    )
    both = raw.merge(links, on=["supplier_code", "customer_code"], how="outer", suffixes=("_raw", "_net"))
    assert len(both) == len(raw) == len(links) == net.m
    np.testing.assert_allclose(both["value_net"], both["value_raw"], rtol=1e-12)
    assert not links["imputed"].any()
    # the engine holds the same links per day
    assert np.isclose(net.in_value.sum() * 365, raw["value"].sum(), rtol=1e-12)


def test_output_is_revenue_else_the_links_and_never_below_sales(built, atlas):
    net, labels = built
    f = labels.firms
    rev = _raw(atlas, "raw_tax").groupby("credit_code")["revenue"].sum(min_count=1).reset_index()
    rev = f.merge(rev, left_on="firm", right_on="credit_code", how="left")
    known = rev["revenue_y"].notna().to_numpy()
    expected = np.maximum(
        np.nan_to_num(rev["revenue_y"].to_numpy(float)), np.maximum(f["sales"], f["purchases"] + f["imports"])
    )
    expected = np.where(known, expected, np.maximum(f["sales"], f["purchases"] + f["imports"]))
    np.testing.assert_allclose(f["output"], expected, rtol=1e-12)
    assert (f["output"] > 0).all()
    np.testing.assert_allclose(net.output * 365, f["output"], rtol=1e-12)
    assert (net.output >= net.sales * (1 - 1e-12)).all()
    assert int(f["raised"].sum()) == int((known & (np.nan_to_num(rev["revenue_y"]) < expected - 1e-9)).sum())


def test_a_blank_link_value_weighs_the_median_of_its_suppliers_segment(built, built_db: Path, tmp_path: Path):
    db = tmp_path / "blank.duckdb"
    shutil.copy(built_db, db)
    _, labels = built
    f, ln = labels.firms, labels.links
    seg = f["segment"].to_numpy(object)[ln["supplier"]]
    # blank three links of the most common supplier segment (as if the records had no amount)
    common = pd.Series(seg).dropna().value_counts().index[0]
    rows = ln[seg == common].head(3)
    pairs = [
        (f["firm"].iat[s], f["firm"].iat[c]) for s, c in zip(rows["supplier"], rows["customer"], strict=True)
    ]
    with duckdb.connect(str(db)) as con:
        for s, c in pairs:
            con.execute(
                "update facts set value = null where source = 'supply_links' and year = ? and src = ? and dst = ?",
                [YEAR, s, c],
            )
    with open_backend(db, read_only=True) as b:
        _, blank = supply.network(b, period=YEAR)
    valued = ln[(seg == common)].drop(rows.index)
    median = float(valued["value"].median())
    got = blank.links[blank.links["imputed"]]
    assert len(got) == 3
    np.testing.assert_allclose(got["value"], median, rtol=1e-12)
    assert any("3 links without a value" in n for n in blank.notes)


def test_every_firm_has_its_main_segment_and_all_its_chains(built):
    _, labels = built
    f = labels.firms
    m = labels.chains
    has = f["segment"].notna()
    keys = set(zip(m["firm"], m["chain"] + ":" + m["segment"], strict=True))
    assert all((i, s) in keys for i, s in zip(f.index[has], f["segment"][has], strict=True))
    assert set(m["firm"]) == set(f.index[has])


# ---------------------------------------------------------------------------------------------- scenarios
def test_the_example_scenario_runs_and_an_empty_shock_list_conserves_output(atlas, built, tmp_path: Path):
    r = CliRunner().invoke(main, ["templates", "scenario", "-o", str(tmp_path / "s.yaml")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.yaml").read_text(encoding="utf-8") == scn.example_scenario()
    scenario = scn.load_scenario(tmp_path / "s.yaml")
    res = sim.run(atlas, scenario, built=built)
    assert list(res.summary["variant"]) == ["准时制", "预防性库存", "无互认池", "无替代"]
    assert (res.summary["loss"] > 0).all() and res.synthetic
    quiet = _example() | {"shocks": []}
    calm = sim.run(atlas, scn.parse_scenario(quiet), built=built)
    s = calm.series
    assert np.allclose(s["output"], s["baseline"], rtol=1e-9, atol=0)
    assert (calm.summary["loss"].abs() <= 1e-9 * calm.summary["baseline"]).all()
    assert (calm.summary["substitutions"] == 0).all() and calm.substitutions.empty
    base = built[1].firms["output"].sum() / 365 * 7
    np.testing.assert_allclose(calm.summary["baseline"], base, rtol=1e-12)


def test_a_city_lockdown_hits_its_firms_directly_and_their_customers_indirectly(atlas, built):
    net, labels = built
    data = {
        "period": YEAR,
        "horizon": 8,
        "step": "week",
        "shocks": [{"type": "lockdown", "places": ["苏州市"], "start": 1, "weeks": 2}],
        "settings": {"inventory_days": 7, "substitution": False, "recovery": 0},
    }
    res = sim.run(atlas, scn.parse_scenario(data), built=built)
    # the same shock written by hand on the same network
    suzhou = np.flatnonzero(labels.firms["adcode"].fillna("").str.startswith("3205").to_numpy())
    run = shock.simulate(
        replace(net, inventory_days=np.full(net.n, 7.0), spare=np.zeros(net.n)),
        [shock.Shock("capacity", suzhou, start=1, end=3, capacity=0.0)],
        shock.Settings(steps=8, step_days=7, substitution=False, recovery_steps=0),
    )
    loss = run.baseline.sum() - run.output.sum(axis=1)
    np.testing.assert_allclose(res.series["loss"], loss, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(res.series["direct"], run.direct.sum(axis=1), rtol=1e-12, atol=1e-9)
    # direct: the whole of Suzhou's output in the closed weeks, nothing elsewhere
    weekly = labels.firms["output"].to_numpy()[suzhou].sum() / 365 * 7
    np.testing.assert_allclose(
        res.series["direct"], [0, weekly, weekly, 0, 0, 0, 0, 0], rtol=1e-12, atol=1e-9
    )
    pl = res.places
    outside = ~pl["unit"].str.startswith("3205")
    assert (pl.loc[outside, "direct"].abs() <= 1e-9).all()
    # their customers elsewhere lose indirectly, and only firms downstream or upstream of Suzhou lose at all
    ln = labels.links
    customers = np.setdiff1d(ln.loc[np.isin(ln["supplier"], suzhou), "customer"].to_numpy(), suzhou)
    firm_loss = run.loss.sum(axis=0)
    assert (firm_loss[customers] > 0).any()
    assert pl.loc[outside, "indirect"].sum() > 0
    np.testing.assert_allclose(
        pl.loc[outside & (pl["step"] == 3), "loss"].sum(),
        run.loss[3][~np.isin(np.arange(net.n), suzhou)].sum(),
        rtol=1e-9,
    )
    # in the summary: indirect = loss − direct, and the peak is in the closed weeks
    row = res.summary.iloc[0]
    assert row["peak_step"] in (1, 2, 3)
    assert np.isclose(row["indirect"], row["loss"] - row["direct"])


def test_policy_variants_differ_in_the_documented_direction(atlas, built):
    data = _example()
    data["compare"] = [
        {"name": "基准"},
        {"name": "准时制", "settings": {"inventory_days": 3}},
        {"name": "预防性库存", "settings": {"inventory_days": 30}},
        {"name": "无互认池", "pool": False},
        {"name": "无替代", "settings": {"substitution": False}},
    ]
    res = sim.run(atlas, scn.parse_scenario(data), built=built)
    s = res.summary.set_index("variant")
    # just in case loses less than the base (15 days), which loses less than just in time
    assert s.loc["预防性库存", "loss"] < s.loc["基准", "loss"] < s.loc["准时制", "loss"]
    assert s.loc["预防性库存", "indirect"] < s.loc["准时制", "indirect"]
    # the cross-province pool keeps more white-listed suppliers of Shanghai's and Suzhou's firms running
    assert s.loc["无互认池", "whitelisted"] < s.loc["基准", "whitelisted"]
    assert s.loc["无互认池", "direct"] > s.loc["基准", "direct"]
    # no substitution: no switches, and no less loss
    assert s.loc["无替代", "substitutions"] == 0 < s.loc["基准", "substitutions"]
    assert s.loc["无替代", "loss"] >= s.loc["基准", "loss"]
    # the same seed gives the same run
    again = sim.run(atlas, scn.parse_scenario(data).variant("基准"), built=built)
    assert again.summary.iloc[0]["loss"] == s.loc["基准", "loss"]


def test_import_and_capacity_shocks_bind_to_the_right_firms(atlas, built):
    _, labels = built
    imp = labels.imports
    tw = imp[imp["partner"] == "TW"].groupby("firm")["value"].sum()
    data = {
        "horizon": 4,
        "shocks": [
            {"type": "imports", "partner": "TW", "hs": ["85", "84"], "cut": 50, "start": 1, "weeks": 1},
            {"type": "capacity", "places": ["330100"], "chain": "ai", "lost": 40, "start": 0, "steps": 2},
            {"type": "fail", "chain": "ic", "segment": "materials", "start": 2},
        ],
    }
    sc = scn.parse_scenario(data)
    bound, white, _ = sim._bind(atlas, sc, sc.variants[0], labels)
    imports = [b for b in bound if b.kind == "imports"]
    hs = imp[(imp["partner"] == "TW") & imp["hs"].str.match(r"8[45]")].groupby("firm")["value"].sum()
    firms = np.concatenate([b.firms for b in imports])
    cuts = np.concatenate([b.cut for b in imports])
    assert set(firms) == set(hs.index) and set(firms) <= set(tw.index)
    total = labels.firms["imports"].to_numpy()
    np.testing.assert_allclose(cuts, 0.5 * hs.reindex(firms).to_numpy() / total[firms], rtol=1e-12)
    cap, fail = bound[-2], bound[-1]
    m = labels.chains
    ai_hz = set(m.loc[m["chain"] == "ai", "firm"]) & set(
        np.flatnonzero(labels.firms["adcode"].fillna("").str.startswith("3301"))
    )
    assert set(cap.firms) == ai_hz and cap.capacity == pytest.approx(0.6) and (cap.start, cap.end) == (0, 2)
    mat = set(m.loc[(m["chain"] == "ic") & (m["segment"] == "materials"), "firm"])
    assert set(fail.firms) == mat and fail.capacity == 0 and (fail.start, fail.end) == (2, 4)
    assert not white.any()


@pytest.mark.parametrize(
    ("change", "param", "says"),
    [
        (lambda d: d["shocks"][1].update(weeks=-2), "shocks[1].weeks", "expected a number of weeks"),
        (
            lambda d: d["shocks"][0].update(type="flood"),
            "shocks[0].type",
            "lockdown, imports, fail, capacity",
        ),
        (lambda d: d["shocks"][0].update(colour="red"), "shocks[0].colour", "unknown field"),
        (lambda d: d["shocks"][1].update(cut=150), "shocks[1].cut", "from 0 to 100"),
        (lambda d: d["shocks"][1].update(partner="XX"), "shocks[1].partner", "ISO 3166"),
        (lambda d: d["shocks"][0].update(start=26), "shocks[0].start", "from 0 to 25"),
        (lambda d: d["shocks"][0].update(days=3), "shocks[0].days", "one of weeks, days or steps"),
        (lambda d: d.update(step="month"), "step", "day, week"),
        (lambda d: d.pop("horizon"), "horizon", "missing"),
        (
            lambda d: d["settings"]["substitution"].update(radius_km="far"),
            "settings.substitution.radius_km",
            "km",
        ),
        (lambda d: d["compare"][1].update(name="准时制"), "compare[1].name", "names must differ"),
        (
            lambda d: d["compare"][1]["settings"].update(recovery=1.5),
            "compare[1].settings.recovery",
            "whole number",
        ),
    ],
)
def test_validation_errors_name_the_field(change, param, says):
    data = _example()
    change(data)
    with pytest.raises(ConfigError) as e:
        scn.parse_scenario(data)
    assert e.value.param == param and says in e.value.reason, str(e.value)


def test_errors_found_against_the_network_name_the_field_too(atlas, built, tmp_path: Path):
    for shock_, param in (
        ({"type": "lockdown", "places": ["上海市", "火星"]}, "shocks[0].places[1]"),
        ({"type": "lockdown", "places": ["Suzhou"]}, "shocks[0].places[0]"),
        ({"type": "fail", "firms": ["91000000000000000X"]}, "shocks[0].firms[0]"),
        ({"type": "fail", "chain": "ic", "segment": "nope"}, "shocks[0].segments[0]"),
    ):
        with pytest.raises(ConfigError) as e:
            sim.run(atlas, scn.parse_scenario({"horizon": 3, "shocks": [shock_]}), built=built)
        assert e.value.param == param, str(e.value)
    bad = {"horizon": 3, "settings": {"inventory_days": {"segments": {"ic:nope": 3}}}}
    with pytest.raises(ConfigError, match=r"settings.inventory_days.segments.ic:nope"):
        sim.run(atlas, scn.parse_scenario(bad), built=built)
    path = tmp_path / "bad.yaml"
    path.write_text("horizon: 4\nshocks:\n  - {type: lockdown, places: [苏州], weeks: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^bad.yaml: shocks\[0\].weeks: expected"):
        scn.load_scenario(path)
    r = CliRunner().invoke(main, ["--db", "unused.duckdb", "simulate", str(path)])
    assert r.exit_code == 1 and "bad.yaml: shocks[0].weeks: expected" in r.output


def test_a_scenario_saved_by_notepad_in_gbk_with_crlf_reads_as_the_utf8_one(tmp_path: Path):
    text = scn.example_scenario()
    (tmp_path / "gbk.yaml").write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    want = scn.parse_scenario(yaml.safe_load(text))
    assert scn.load_scenario(tmp_path / "gbk.yaml") == want
    assert scn.load_scenario(tmp_path / "bom.yaml") == want
    (tmp_path / "bin.yaml").write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(ConfigError, match=r"bin.yaml: cannot read the text") as e:
        scn.load_scenario(tmp_path / "bin.yaml")
    assert e.value.param is None  # the message leads with the file instead


def test_a_reader_with_a_jurisdiction_gets_the_regions_aggregates_and_only_its_own_firms(atlas, built):
    data = _example() | {"compare": [{"name": "基准"}]}
    whole = sim.run(atlas, scn.parse_scenario(data), built=built)
    with query.scoped(Scope("3205", personal=False)):
        mine = sim.run(atlas, scn.parse_scenario(data), built=built)
    pd.testing.assert_frame_equal(mine.summary, whole.summary)
    pd.testing.assert_frame_equal(mine.series, whole.series)
    pd.testing.assert_frame_equal(mine.provinces, whole.provinces)
    assert len(mine.firms) and mine.firms["adcode"].str.startswith("3205").all()
    assert mine.whitelist["adcode"].str.startswith("3205").all()
    for c in ("customer_place", "new_supplier_place"):
        assert mine.substitutions[c].str.startswith("3205").all()
    counts = built[1].firms["adcode"].value_counts()
    held = mine.places[mine.places["suppressed"]]
    assert len(held) and held["loss"].isna().all()
    assert all(not u.startswith("3205") and counts[u] < 3 for u in held["unit"])
    assert not mine.places.loc[mine.places["unit"].str.startswith("3205"), "suppressed"].any()


# ---------------------------------------------------------------------------------------------- risk and the list
def test_risk_ranks_the_engines_esri_and_the_emergency_list_keeps_its_ranks(
    built_db: Path, tmp_path: Path, built
):
    db = tmp_path / "atlas.duckdb"
    shutil.copy(built_db, db)
    run = CliRunner().invoke
    r = run(main, ["--db", str(db), "risk", "--chain", "ic", "-o", str(tmp_path / "risk.csv")])
    assert r.exit_code == 0, r.output
    risk = pd.read_csv(tmp_path / "risk.csv", encoding="utf-8-sig", dtype={"firm": str, "adcode": str})
    net, labels = built
    ic = np.unique(labels.chains.loc[labels.chains["chain"] == "ic", "firm"])
    # the index as documented: the loss share in week 13 after the firm stops, every firm holding 15 days of stock
    stocked = replace(net, inventory_days=np.full(net.n, 15.0))
    weekly = shock.Settings(steps=13, step_days=7)
    esri = shock.esri(stocked, ic, settings=weekly, inventories=True).esri
    assert (emergency.ESRI_WEEKS, emergency.ESRI_INVENTORY_DAYS) == (13, 15.0)
    expected = pd.Series(esri, index=labels.firms["firm"].to_numpy()[ic])
    np.testing.assert_allclose(risk["esri"], expected.reindex(risk["firm"]).to_numpy(), rtol=1e-12)
    assert list(risk["rank"]) == list(range(1, len(ic) + 1))
    assert (np.diff(risk["esri"]) <= 0).all()
    segs = pd.read_csv(tmp_path / "risk.segments.csv", encoding="utf-8-sig")
    assert set(segs["segment"]) == {
        "ic:" + s for s in labels.chains.loc[labels.chains["chain"] == "ic", "segment"]
    }

    r = run(main, ["--db", str(db), "emergency-list", "--chain", "ic", "-o", str(tmp_path / "清单.xlsx")])
    assert r.exit_code == 0, r.output
    sheets = pd.read_excel(
        tmp_path / "清单.xlsx", sheet_name=None, dtype={"信用代码": str, "省份代码": str}, engine="openpyxl"
    )
    firms = pd.concat([s for name, s in sheets.items() if name != "说明"], ignore_index=True)
    provinces = {"310000": "上海市", "320000": "江苏省", "330000": "浙江省", "340000": "安徽省"}
    have = sorted(set(firms["省份代码"]))
    assert list(sheets) == [provinces[p] for p in have] + ["说明"]
    for name, sheet in sheets.items():
        if name != "说明":
            assert (sheet["省份"] == name).all()
    rows = firms[firms["类型"] == "企业"]
    assert len(rows) == 30
    rank = dict(zip(risk["firm"], risk["rank"], strict=True))
    assert [rank[c] for c in rows["信用代码"]] == rows["ESRI排名"].tolist()
    # each firm's alternatives are firms of its segment within the radius
    assert rows["区域内替代企业数"].ge(0).all() and rows["替代产能覆盖率"].between(0, 1).all()
    seg_rows = firms[firms["类型"] == "环节"]
    assert set(seg_rows["环节"]) <= set(segs["segment"])
    audit = (db.parent / (db.name + ".audit.jsonl")).read_text(encoding="utf-8")
    assert audit.count('"action":"export"') == 2


def test_the_emergency_list_scores_betweenness_and_alternatives(atlas, built):
    import igraph as ig

    e = emergency.emergency_list(atlas, chain="ic", top=1000, radius_km=None, capacity_share=0.1)
    _, labels = built
    f = labels.firms
    m = labels.chains[labels.chains["chain"] == "ic"]
    ic = np.unique(m["firm"])
    pos = {int(i): k for k, i in enumerate(ic)}
    ln = labels.links[labels.links["supplier"].isin(ic) & labels.links["customer"].isin(ic)]
    g = ig.Graph(
        n=len(ic),
        edges=[(pos[s], pos[c]) for s, c in zip(ln["supplier"], ln["customer"], strict=True)],
        directed=True,
    )
    btw = pd.Series(
        np.asarray(g.betweenness()) / ((len(ic) - 1) * (len(ic) - 2)), index=f["firm"].to_numpy()[ic]
    )
    rows = e.firms.set_index("firm")
    assert len(rows) == len(ic)
    np.testing.assert_allclose(rows["betweenness"], btw.reindex(rows.index), rtol=1e-12)
    # without a radius every other firm of the segment with output is an alternative
    seg = m.drop_duplicates("firm").set_index("firm")["segment"]
    for code, row in rows.head(10).iterrows():
        i = int(np.flatnonzero(f["firm"].to_numpy() == code)[0])
        same = m.loc[(m["segment"] == seg[i]) & (m["firm"] != i), "firm"].unique()
        assert row["alternatives"] == len(same)
        spare = 0.1 * f["output"].to_numpy()[same].sum()
        assert row["coverage"] == pytest.approx(min(1.0, spare / f["output"].iat[i]))


def test_a_big_network_runs_aggregated_to_place_and_segment_with_the_same_totals(atlas, built, monkeypatch):
    data = _example() | {"compare": [{"name": "基准"}]}
    per_firm = sim.run(atlas, scn.parse_scenario(data), built=built)
    monkeypatch.setattr(sim, "AGGREGATE_ABOVE", 0)
    grouped = sim.run(atlas, scn.parse_scenario(data), built=built)
    pd.testing.assert_frame_equal(grouped.summary, per_firm.summary, rtol=1e-12)
    pd.testing.assert_frame_equal(grouped.series, per_firm.series, rtol=1e-12)
    for t in ("segments", "places", "provinces"):
        a = getattr(grouped, t).sort_values(["step", "unit"], ignore_index=True)
        b = getattr(per_firm, t).sort_values(["step", "unit"], ignore_index=True)
        pd.testing.assert_frame_equal(a, b, rtol=1e-9, atol=1e-9)
    assert grouped.firms.empty and len(per_firm.firms)
    assert any("aggregated to place × segment" in n for n in grouped.notes)
    pd.testing.assert_frame_equal(grouped.whitelist, per_firm.whitelist)
