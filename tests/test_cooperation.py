"""The cooperation ledgers as services (issue 15, /work/notes/issue15_spec.md §5): ledger, profile, rule checks and
the alerts they feed, tax sharing, vouchers, reviews, the command line and a real-shaped enclave file.

The atlas is ``chainatlas demo-data --size small`` (seed 0, the command's default), loaded and built. Its planted
cases are listed in the manifest's ``calibration.cooperation`` and recomputed from the files in
``tests/test_synth.py`` (seed 0): the numbers asserted here are those — E004 short of 2,528 亩 of land quota in 2024
(6,322 needed, 3,794 transferred), E014 at exactly 50/50 failing origin control, E025 at exactly 30 % passing the
host's floor, E006 under its own 35 % floor, E001's shares adding to 105 %, TS-E003's cap of 25.26 万元 binding in
2021–2024, the 沪苏 recognition RC-2019-01 with 2 cross-province redemptions in the year before its start and 14 in
the year after.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainatlas import config
from chainatlas.cli import main
from chainatlas.errors import AccessError, ConfigError
from chainatlas.model.access import Principal, Scope
from chainatlas.pipeline import cooperation as coop
from chainatlas.pipeline import query
from chainatlas.pipeline.build import build
from chainatlas.pipeline.load import load_dir
from chainatlas.storage import audit
from chainatlas.storage.alerts import AlertStore
from chainatlas.storage.base import open_backend
from chainatlas.storage.reviews import ReviewStore
from chainatlas.synth import generate

SZ = Principal("sz", "analyst", "320500")  # 苏州市
SQ = Principal("sq", "analyst", "321300")  # 宿迁市 (E011's host 沭阳县 321322)
HZ = Principal("hz", "analyst", "330100")  # 杭州市, a party of neither side of E011
VIEWER = Principal("szv", "viewer", "320500")


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The small demo dataset of seed 0 (``chainatlas demo-data --size small``) and its manifest."""
    out = tmp_path_factory.mktemp("coop_demo") / "small"
    manifest = generate(out, size="small", seed=0)
    return out, manifest


@pytest.fixture(scope="module")
def atlas_db(demo: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("coop_atlas") / "atlas.duckdb"
    with open_backend(db) as b:
        load_dir(b, demo[0])
        build(b)
    return db


@pytest.fixture()
def db(atlas_db: Path, tmp_path: Path) -> Path:
    """A private copy of the atlas (its reviews, alerts and settings beside it are the test's own)."""
    path = tmp_path / "atlas.duckdb"
    shutil.copy(atlas_db, path)
    return path


@pytest.fixture(scope="module")
def b(atlas_db: Path):
    with open_backend(atlas_db, read_only=True) as backend:
        yield backend


@pytest.fixture(scope="module")
def check_db(atlas_db: Path) -> Path:
    """A copy of the atlas read with plain DuckDB SQL (independent of the read seam; this process holds the atlas
    open with other settings)."""
    path = atlas_db.with_name("check.duckdb")
    shutil.copy(atlas_db, path)
    return path


@pytest.fixture(scope="module")
def planted(demo: tuple[Path, dict]) -> dict:
    return demo[1]["calibration"]["cooperation"]


def _sql(db: Path, q: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(q).fetchall()


# ------------------------------------------------------------------------------------------------ the ledger
def test_the_ledger_of_2024(b, planted):
    rows = coop.ledger(b, reviews=ReviewStore(Path("/nonexistent/reviews.sqlite")))
    assert list(rows.columns) == list(coop.LEDGER_COLUMNS)
    assert len(rows) == planted["enclaves"] == 26 and set(rows["period"]) == {2024}
    assert coop.periods(b) == list(range(2015, 2025))
    e = rows.set_index("enclave_id")
    # identity: places with names and centroids (闵行区 → 萧县), the types and directions as read
    r = e.loc["E004"]
    assert (r["origin_adcode"], r["origin_name"], r["host_adcode"], r["host_name"]) == (
        "310112",
        "闵行区",
        "341322",
        "萧县",
    )
    assert (r["origin_lon"], r["origin_lat"]) == pytest.approx((121.41889, 31.08718))
    assert (r["enclave_type"], r["enclave_type_zh"], r["direction"]) == ("innovation", "科创飞地", "forward")
    # the land quota of the planted shortfall: 6,322 亩 needed, 3,794 transferred, 2,528 short; agreed 6,340
    land = planted["land_quota"]["shortfall"]
    assert (r["needed_mu"], r["transferred_mu"], r["shortfall_mu"], r["agreed_mu"]) == pytest.approx(
        (land["needed"], land["transferred"], land["shortfall"], land["agreed"])
    )
    assert land["shortfall"] == 2528.0 and r["breaches"] == ["land_quota"]
    # 亩均 indicators from the row itself: tax 1,332,702.48 万元 over 7,809.7 亩
    assert r["tax_per_mu"] == pytest.approx(1_332_702.48 / 7_809.7)
    assert r["va_per_mu"] == pytest.approx(r["value_added"] / r["area_mu"])
    # E004 leads the five innovation enclaves: score = Σ w × the mid-rank percentile of being first of 5 (90)
    assert (r["rank"], r["peers"], r["grade"], r["leader"], r["score"]) == (
        1,
        5,
        "A",
        True,
        pytest.approx(90.0),
    )
    # the reverse enclaves and their direction
    assert set(e.index[e["direction"] == "reverse"]) == set(planted["reverse_enclaves"]) == {"E025", "E026"}
    # the blank type reads industrial, the blank direction forward
    assert e.loc[planted["mu"]["type_blank"], "enclave_type"] == "industrial"
    assert e.loc[planted["mu"]["direction_blank"], "direction"] == "forward"
    # no review yet: no priority
    assert not rows["priority"].any() and rows["review_origin"].isna().all()
    assert rows["synthetic"].all()


def test_mu_leaders_laggards_and_unknown_energy(b, planted):
    leaders = planted["mu"]["leaders"]
    rows = coop.ledger(b, period=2024)
    e = rows.set_index("enclave_id")
    for typ, by_year in leaders.items():
        lead = by_year["2024"]
        assert e.loc[lead, "rank"] == 1 and e.loc[lead, "leader"], typ
        assert (e["leader"] & (e["enclave_type"] == typ)).sum() == 1
    lag = planted["mu"]["laggards"]["industrial"]["2024"]
    assert (lag, e.loc[lag, "rank"], e.loc[lag, "peers"], e.loc[lag, "grade"]) == ("E001", 16, 16, "D")
    # first of the 16 industrial enclaves on all five: the mid-rank percentile (16 − ½)/16 = 96.875 on four, and
    # (15 − ½)/15 on energy, which E013 did not report: 0.85 × 96.875 + 0.15 × 96.667 = 96.84375, grade A
    assert e.loc["E011", "score"] == pytest.approx(0.85 * 96.875 + 0.15 * 100 * 14.5 / 15)
    assert e.loc["E011", "grade"] == "A"
    # 其他 has one enclave: alone, it sits at the 50th percentile and leads
    assert (e.loc["E016", "rank"], e.loc["E016", "peers"], e.loc["E016", "score"]) == (1, 1, 50.0)
    # the enclave-year without energy: unknown, not 0, and its weight renormalised over the other four
    assert planted["mu"]["missing"] == [["E013", 2024, "energy_tce"]]
    r = e.loc["E013"]
    assert np.isnan(r["energy_tce"]) and np.isnan(r["va_per_energy"]) and r["missing"] == "va_per_energy"
    # filters
    assert set(coop.ledger(b, type="poverty")["enclave_id"]) == set(planted["enclave_types"]["poverty"]) - {
        planted["mu"]["type_blank"]
    }
    assert set(coop.ledger(b, grade="A")["grade"]) == {"A"}
    js = coop.ledger(b, province="江苏省")
    assert all(
        o.startswith("32") or h.startswith("32") for o, h in zip(js["origin_adcode"], js["host_adcode"])
    )
    assert len(js) == len(coop.ledger(b, province="320000"))
    ranked = coop.rank(b, type="industrial")
    assert ranked["rank"].tolist() == list(range(1, 17)) and ranked["enclave_id"].iloc[0] == "E011"


def test_the_ledger_refuses_with_the_parameter_named(b):
    with pytest.raises(ConfigError) as e:
        coop.ledger(b, period=2010)
    assert e.value.param == "period" and "2015, 2016" in str(e.value)
    for kw, param in (
        ({"type": "science"}, "type"),
        ({"grade": "E"}, "grade"),
        ({"province": "火星"}, "province"),
    ):
        with pytest.raises(ConfigError) as e:
            coop.ledger(b, **kw)
        assert e.value.param == param
    with pytest.raises(ConfigError) as e:
        coop.ledger(b, period="2024Q2")
    assert e.value.param == "period"


# ------------------------------------------------------------------------------------------------ rules
def test_every_planted_breach_is_found_and_nothing_else(b, planted):
    rows = coop.check(b, period=2024)
    assert list(rows.columns) == list(coop.CHECK_COLUMNS) and set(rows["period"]) == {2024}
    breach = rows[rows["status"] == "breach"]

    def subjects(rule: str) -> list[str]:
        return sorted(breach.loc[breach["rule"] == rule, "enclave_id"])

    eq = planted["equity"]
    assert subjects("origin_control") == eq["origin_control"] == ["E009", "E014", "E020", "E023"]
    assert subjects("host_min") == eq["host_min"] == ["E002", "E006", "E017", "E022"]
    assert subjects("shares_sum") == eq["shares_sum"] == ["E001"]
    one = breach.set_index(["enclave_id", "rule"])
    # exactly 50 % is not control; exactly 30 % passes; E006 is held to its own 35 %
    assert one.loc[("E014", "origin_control"), ["value", "threshold"]].tolist() == [50.0, 50.0]
    assert "E025" not in set(breach["enclave_id"])
    assert one.loc[("E006", "host_min"), ["value", "threshold"]].tolist() == [33.0, 35.0]
    assert one.loc[("E001", "shares_sum"), "value"] == 105.0
    # land: E004 short 2,528 亩; E026 beyond its agreed 56.5 亩 with 72
    lq = one.loc[("E004", "land_quota")]
    assert (lq["value"], lq["threshold"], lq["gap"]) == (3794.0, 6322.0, -2528.0)
    assert "3794 亩" in lq["message"] and "2528 亩" in lq["message"]
    assert one.loc[("E026", "over_agreed"), ["value", "threshold"]].tolist() == [72.0, 56.5]
    # terms: E017 misses its output target, E012 its tax target; E002's origin gets 50 % of the promised 60 %
    assert subjects("target_output") == ["E017"] and subjects("target_tax") == ["E012"]
    assert one.loc[("E017", "target_output"), ["value", "threshold"]].tolist() == [488672.17, 610840.0]
    assert subjects("origin_tax_share") == [planted["tax_sharing"]["promise_unmet"]["enclave"]] == ["E002"]
    assert one.loc[("E002", "origin_tax_share"), ["value", "threshold"]].tolist() == pytest.approx(
        [50.0, 60.0]
    )
    # tax sharing: under, over, outside the term
    ts = planted["tax_sharing"]
    by_rule = dict(
        zip(
            breach.loc[breach["kind"] == "tax_sharing", "rule"],
            breach.loc[breach["kind"] == "tax_sharing", "agreement_id"],
        )
    )
    assert by_rule == {
        "tax_under": ts["under"]["agreement"],
        "tax_over": ts["over"]["agreement"],
        "tax_outside_term": ts["outside_term"]["agreement"],
    }
    assert breach["kind"].value_counts().to_dict() == {"equity": 9, "terms": 3, "tax_sharing": 3, "land": 2}
    assert set(rows["status"]) == {"breach"}  # nothing unknown in 2024
    # parties: origin and host; severities
    assert one.loc[("E004", "land_quota"), "jurisdictions"] == "310112;341322"
    assert one.loc[("E001", "shares_sum"), "severity"] == "critical"


def test_the_breaches_over_the_years(b, planted):
    rows = coop.check(b, every=True)
    breach = rows[rows["status"] == "breach"]
    years = lambda rule, who: sorted(
        breach.loc[
            (breach["rule"] == rule)
            & (breach[["enclave_id", "agreement_id", "voucher_id"]] == who).any(axis=1),
            "period",
        ]
    )
    assert years("target_output", "E017") == [2022, 2023, 2024]
    assert years("target_tax", "E012") == [2021, 2022, 2023, 2024]
    assert years("origin_tax_share", "E002") == list(range(2018, 2025))
    assert years("tax_under", "TS-E005") == planted["tax_sharing"]["under"]["years"] == [2022, 2023, 2024]
    assert years("tax_over", "TS-E011") == [2022, 2023, 2024]
    assert years("tax_outside_term", "TS-E022") == planted["tax_sharing"]["outside_term"]["years"]
    # E004 was short in every year of its life (2019–2024)
    assert years("land_quota", "E004") == list(range(2019, 2025))
    # the unrecognised cross-province voucher redemptions, each in the year it was redeemed
    vouchers = breach[breach["kind"] == "voucher"]
    assert sorted(vouchers["voucher_id"]) == sorted(planted["vouchers"]["unrecognised"])
    assert len(vouchers) == 5 and set(vouchers["rule"]) == {"unrecognised"}
    # years of an arrangement's term without any record are listed as unknown, not as breaches
    unknown = rows[rows["status"] == "unknown"]
    assert set(unknown["rule"]) == {"tax_no_records"}
    assert ("TS-E024", 2015) in set(zip(unknown["agreement_id"], unknown["period"]))


def test_tax_sharing_against_the_records(b, demo, planted):
    rows = coop.tax_sharing(b)
    ts = planted["tax_sharing"]
    assert rows["agreement_id"].nunique() == ts["agreements"] == 13
    by = rows.set_index(["agreement_id", "period"])
    # the cap binds from 2021: 40 % of the tax is above 25.26 万元, which is what the sharing side is owed
    cap = ts["capped"]
    binding = sorted(p for (a, p), r in by.iterrows() if a == cap["agreement"] and r["cap_binding"])
    assert binding == cap["binding_years"] == [2021, 2022, 2023, 2024]
    r = by.loc[("TS-E003", 2022)]
    assert (r["tax"], r["agreed_share"], r["capped"], r["status"]) == (
        pytest.approx(105.27),
        pytest.approx(0.4 * 105.27),
        25.26,
        "ok",
    )
    # the increment over the base year 2015, whose amount the records give (2.44 万元)
    inc = by.loc[("TS-E016", 2024)]
    assert inc["base"] == pytest.approx(ts["increment"]["base_amount"]) == pytest.approx(2.44)
    assert inc["agreed_share"] == pytest.approx(0.6 * (inc["tax"] - 2.44))
    # the capital basis: the origin side's paid-in share of the operator
    assert by.loc[("TS-E007", 2017), "share_pct"] == pytest.approx(76.1194, abs=1e-4)
    assert by.loc[("TS-E007", 2017), "status"] == "ok"
    # under: hand-computed from the tax file — Σ tax_paid of TS-E005's 2024 records × 40 % vs Σ tax_paid × share
    tax = pd.read_csv(demo[0] / "tax.csv", dtype={"period": str}, encoding="utf-8-sig")
    recs = tax[(tax["agreement_id"] == "TS-E005") & (tax["period"] == "2024")]
    agreed = 0.4 * recs["tax_paid"].sum()
    realised = (recs["tax_paid"] * recs["share_pct"] / 100).sum()
    r = by.loc[("TS-E005", 2024)]
    assert (r["capped"], r["realised"], r["status"]) == (
        pytest.approx(agreed),
        pytest.approx(realised),
        "under",
    )
    assert realised < agreed * 0.995
    # outside the term (2016 + 6 years − 1 = 2021): nothing agreed, everything shared is a gap
    out = by.loc[("TS-E022", 2023)]
    assert (out["in_term"], out["capped"], out["status"]) == (False, 0.0, "outside_term")
    assert set(coop.tax_sharing(b, period=2024)["period"]) == {2024}
    assert rows.loc[rows["agreement_id"] == "TS-E003", "collecting_name"].iloc[0] == "海宁市"


def test_voucher_flows_and_recognitions(b, planted):
    v = coop.vouchers(b)
    p = planted["vouchers"]
    effect = v.effect.set_index(["agreement_id", "adcode_b"])
    for e in p["recognition_effect"]:
        got = effect.loc[(e["agreement_id"], e["adcode_b"])]
        assert (got["before_count"], got["after_count"]) == (e["before"], e["after"])
    hs = effect.loc[("RC-2019-01", "320000")]
    assert (hs["before_count"], hs["after_count"], hs["count_ratio"]) == (2, 14, 7.0)
    assert (hs["adcode_a_name"], hs["adcode_b_name"], hs["start"]) == ("上海市", "江苏省", "2019-07-01")
    assert sorted(v.unrecognised["voucher_id"]) == sorted(p["unrecognised"])
    f = v.flows
    assert f["count"].sum() == p["redeemed"] == 467
    assert (f["by_user"].sum(), f["by_provider"].sum()) == (250, 217)
    cross = f[f["cross_province"].astype(bool)]
    assert cross.loc[cross["recognised"], "count"].sum() == p["cross_province_recognised"] == 220
    assert cross.loc[~cross["recognised"], "count"].sum() == 5
    one = coop.vouchers(b, year=2019)
    assert set(one.flows["year"]) == {2019} and len(one.effect) == len(v.effect)
    assert sorted(one.unrecognised["voucher_id"]) == ["V2019000002", "V2019000004"]


def test_the_profile_of_an_enclave(b, planted):
    p = coop.profile(b, "E004")
    assert p["periods"] == list(range(2019, 2025)) and p["identity"]["host_name"] == "萧县"
    assert p["terms"]["land_quota_agreed_mu"] == 6340.0 and p["terms"]["target_year"] == 2022
    years = {y["period"]: y for y in p["years"]}
    assert (years[2024]["shortfall_mu"], years[2024]["target_output"]) == (
        pytest.approx(2528.0),
        11_848_400.0,
    )
    assert years[2019]["grade"] == "A" and years[2019]["breaches"] == ["land_quota"]
    assert {b_["period"] for b_ in p["breaches"]} == set(range(2019, 2025))
    assert {(s["period"], s["side"]) for s in p["shareholders"]} >= {(2019, "origin"), (2019, "host")}
    assert p["side_shares"][0]["origin_equity_pct"] == 63.0
    json.dumps(p)  # JSON-safe
    t = coop.profile(b, "E003")["tax_sharing"]
    assert [a["agreement"]["agreement_id"] for a in t] == ["TS-E003"] and len(t[0]["split"]) == 10
    with pytest.raises(coop.UnknownEnclave):
        coop.profile(b, "E999")


# ------------------------------------------------------------------------------------------------ scope
def test_a_city_reader_sees_the_enclaves_where_it_is_origin_or_host(b, check_db):
    inside = {
        r[0]
        for r in _sql(
            check_db,
            "SELECT DISTINCT enclave_id FROM raw_enclaves WHERE origin_adcode LIKE '3213%' OR host_adcode LIKE '3213%'",
        )
    }
    assert inside == {"E009", "E011"}  # 苏州 → 宿城区, 昆山 → 沭阳县: Suqian is the host of both
    with query.scoped(Scope("3213")):
        rows = coop.ledger(b)
        assert set(rows["enclave_id"]) == inside
        # grades and ranks are the whole region's, whoever reads them
        assert rows.set_index("enclave_id").loc["E011", ["rank", "peers"]].tolist() == [1, 16]
        assert set(coop.check(b, every=True)["enclave_id"].dropna()) <= inside
        assert set(coop.tax_sharing(b)["agreement_id"]) == {"TS-E009", "TS-E011"}
        with pytest.raises(coop.UnknownEnclave):
            coop.profile(b, "E004")
        assert coop.profile(b, "E011")["identity"]["origin_name"] == "昆山市"
        v = coop.vouchers(b)
        assert v.flows["count"].sum() < 467
    with query.scoped(Scope("3205")):
        assert set(coop.ledger(b)["enclave_id"]) == {"E009", "E010", "E011", "E012"}
        # a voucher is seen when its issuer, holder or provider is inside
        v = coop.vouchers(b)
        n = _sql(
            check_db,
            "SELECT count(*) FROM raw_vouchers WHERE redeemed IS NOT NULL AND (issuer_adcode LIKE '3205%' OR "
            "provider_adcode LIKE '3205%' OR holder_adcode LIKE '3205%' OR holder_code IN (SELECT entity_id FROM "
            "entities WHERE adcode LIKE '3205%') OR provider_code IN (SELECT entity_id FROM entities WHERE adcode "
            "LIKE '3205%'))",
        )[0][0]
        assert v.flows["count"].sum() == n > 0


# ------------------------------------------------------------------------------------------------ reviews
def test_reviews_latest_counts_history_kept_priority_flagged(b, db):
    store = coop.reviews_store(db)
    # E011 leads the industrial enclaves of 2024: both sides' approval makes it a priority
    r = coop.review(b, db, "E011", period=2024, side="host", decision="approve", principal=SQ, comment="同意")
    assert (r["jurisdiction"], r["place"], r["approved_by_both"], r["priority"]) == (
        "321300",
        "321322",
        False,
        False,
    )
    r = coop.review(b, db, "E011", period=2024, side="origin", decision="reject", principal=SZ)
    assert r["place"] == "320583" and not r["priority"]
    r = coop.review(b, db, "E011", period=2024, side="origin", decision="approve", principal=SZ)
    assert (r["approved_by_both"], r["leader"], r["priority"]) == (True, True, True)
    rows = coop.ledger(b, reviews=store).set_index("enclave_id")
    assert (rows.loc["E011", "review_origin"], rows.loc["E011", "review_host"]) == ("approve", "approve")
    assert rows.loc["E011", "priority"] and rows["priority"].sum() == 1
    assert rows.loc["E011", "reviews"]["host"]["comment"] == "同意"
    # history kept, the latest per side counts
    assert store.history("E011")["decision"].tolist() == ["approve", "reject", "approve"]
    assert store.latest("E011", 2024)[["side", "decision"]].values.tolist() == [
        ["host", "approve"],
        ["origin", "approve"],
    ]
    # a later rejection takes the priority away
    coop.review(b, db, "E011", period=2024, side="host", decision="reject", principal=SQ)
    assert not coop.ledger(b, reviews=store).set_index("enclave_id").loc["E011", "priority"]
    # an approved enclave that does not lead is no priority
    coop.review(b, db, "E009", period=2024, side="origin", decision="approve", principal=SZ)
    r = coop.review(b, db, "E009", period=2024, side="host", decision="approve", principal=SQ)
    assert (r["approved_by_both"], r["leader"], r["priority"]) == (True, False, False)
    # the profile shows them
    p = coop.profile(b, "E011", reviews=store)
    assert len(p["reviews"]["history"]) == 4 and len(p["reviews"]["latest"]) == 2


def test_a_review_outside_the_sides_jurisdiction_is_refused_and_changes_nothing(b, db):
    store = coop.reviews_store(db)
    for who, side in ((SZ, "host"), (HZ, "origin"), (SQ, "origin"), (VIEWER, "origin")):
        with pytest.raises(AccessError):
            coop.review(b, db, "E011", period=2024, side=side, decision="approve", principal=who)
    assert not store.path.exists() or store.history().empty
    with pytest.raises(coop.UnknownEnclave):
        coop.review(b, db, "E999", period=2024, side="host", decision="approve", principal=SQ)
    with pytest.raises(ConfigError) as e:
        coop.review(b, db, "E011", period=2014, side="host", decision="approve", principal=SQ)
    assert e.value.param == "period" and "its years: 2017, 2018" in str(e.value)
    with pytest.raises(ConfigError) as e:
        coop.review(b, db, "E011", period=2024, side="host", decision="maybe", principal=SQ)
    assert e.value.param == "decision"
    with pytest.raises(ConfigError) as e:
        coop.review(
            b, db, "E011", period=2024, side="host", decision="approve", principal=SQ, comment="x" * 4001
        )
    assert e.value.param == "comment"
    # a region-wide user reviews any side; Chinese labels are read
    r = coop.review(
        b, db, "E011", period=2024, side="飞出地", decision="支持", principal=Principal("r", "admin", "YRD")
    )
    assert (r["side"], r["decision"], r["jurisdiction"]) == ("origin", "approve", "YRD")
    assert store.history()["id"].tolist() == [1]
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


# ------------------------------------------------------------------------------------------------ alerts
def test_breaches_become_alerts_and_resolve_when_gone(db):
    from chainatlas.pipeline.alerts import record

    with open_backend(db, read_only=True) as b:
        rep = coop.record_alerts(b, db, period=2024, actor="scheduler")
    assert (rep.findings, rep.new, rep.jurisdiction, rep.period) == (17, 17, coop.ALERT_RULE_SET, "2024")
    store = AlertStore(config.side_file(db, "alerts"))
    alerts = store.list(include_hidden=True)
    assert (
        len(alerts) == 17
        and set(alerts["level"]) == {"region"}
        and set(alerts["rule_set"]) == {"cooperation"}
    )
    one = alerts.set_index(["unit", "segment"])
    a = one.loc[("E004", "land_quota")]
    assert (a["rules"], a["severity"], a["jurisdictions"]) == (
        "cooperation.land_quota",
        "warning",
        "310112;341322",
    )
    assert one.loc[("E001", "shares_sum"), "severity"] == "critical"
    # an arrangement's breach is its enclave's alert; its parties the sharing and collecting places
    assert one.loc[("E005", "tax_under"), "jurisdictions"] == "310115;330482"
    # the evidence spec lists the enclave's records
    f = store.detail(int(a["id"]))["findings"]
    assert json.loads(f["evidence"].iloc[0]) == {"kinds": ["enclaves"], "place": "341322", "period": "2024"}
    # a Suzhou analyst sees the alerts of the enclaves Suzhou is a party to
    seen = store.list(principal=SZ)
    # 2024: E009's origin control, E011's tax shared over the agreed (昆山 shares), E012's tax target
    assert set(seen["unit"]) == {"E009", "E011", "E012"}
    # the same run again changes nothing; the monitor's own region set does not resolve them
    with open_backend(db, read_only=True) as b:
        again = coop.record_alerts(b, db, period=2024, actor="scheduler")
    assert (again.new, again.unchanged, again.resolved) == (0, 17, 0)
    record(
        store,
        pd.DataFrame(columns=["rule", "severity", "unit", "period", "state"]),
        level="region",
        jurisdiction="YRD",
        period=2024,
        actor="check",
    )
    assert (store.list()["status"] == "open").sum() == 17
    # E001's shares corrected (65 + 35): its alert resolves at the next run
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE raw_enclaves SET host_equity_pct = 35 WHERE enclave_id = 'E001'")
    with open_backend(db, read_only=True) as b:
        fixed = coop.record_alerts(b, db, period=2024, actor="scheduler")
    assert (fixed.resolved, fixed.unchanged) == (1, 16)
    status = store.list(include_hidden=True).set_index(["unit", "segment"])["status"]
    assert status[("E001", "shares_sum")] == "resolved"


# ------------------------------------------------------------------------------------------------ settings
def test_a_places_own_settings_replace_the_shipped_ones(db):
    path = coop.settings_file(db)
    path.parent.mkdir(parents=True)
    text = (
        "# 本地亩均评价：只看亩均税收\r\nweights:\r\n  tax_per_mu: 1\r\n  va_per_mu: 0\r\n  va_per_energy: 0\r\n"
        "  rd_intensity: 0\r\n  labour_productivity: 0\r\nthresholds: {A: 90, B: 60, C: 30}\r\n"
    )
    path.write_bytes(text.encode("gbk"))
    with open_backend(db, read_only=True) as b:
        rows = coop.ledger(b).set_index("enclave_id")
        assert coop.evaluation_settings(b) == {
            "weights": {
                "tax_per_mu": 1.0,
                "va_per_mu": 0.0,
                "va_per_energy": 0.0,
                "rd_intensity": 0.0,
                "labour_productivity": 0.0,
            },
            "thresholds": {"A": 90.0, "B": 60.0, "C": 30.0},
            "source": "mu_evaluation.yaml",
        }
    ind = rows[rows["enclave_type"] == "industrial"]
    # the rank is now the rank of tax per 亩 alone
    by_tax = ind["tax_per_mu"].rank(ascending=False, method="min").astype(int)
    assert (ind["rank"] == by_tax).all()
    # E013's missing energy no longer matters: no weight on it
    assert rows.loc["E013", "missing"] == ""
    path.write_text("weights: {tax_per_mu: 0.5}\nthresholds: {A: 90, B: 60, C: 30}\n", encoding="utf-8")
    with open_backend(db, read_only=True) as b, pytest.raises(ConfigError) as e:
        coop.ledger(b)
    assert e.value.param == "weights.va_per_mu" and "mu_evaluation.yaml" in str(e.value)


# ------------------------------------------------------------------------------------------------ a real file
#: an enclave file as a county's office keeps it in Excel and saves as CSV: GBK, CRLF, Chinese headers, places as
#: names, a blank type, blank amounts, a host known only by its province
REAL_SHAPED = (
    "飞地编号,飞地名称,飞出地代码,飞入地代码,期间,飞地类型,占地（亩）,产值（万元）,税收（万元）,增加值（万元）,"
    "综合能耗（吨标准煤）,研发投入（万元）,从业人员,飞出地持股（%）,飞入地持股（%）,用地指标调剂（亩）\r\n"
    "R01,沪皖合作示范园,上海市,安徽省,2023,,1200,50000,,15000,6000,,800,70,30,\r\n"
    "R01,沪皖合作示范园,上海市,安徽省,2024,,1300,60000,2600,18000,,900,950,,,\r\n"
    "R02,苏州宿迁工业园区,苏州市,宿迁市宿城区,2024,产业飞地,2000,,3000,,8000,500,,51,49,\r\n"
    "R03,甬莲山海协作园,宁波市,莲都区,2024,产业飞地,700,,,,,,,60,40,700\r\n"
)


def test_a_real_shaped_enclave_file_loads_and_unknowns_stay_unknown(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enclaves.csv").write_bytes(REAL_SHAPED.encode("gbk"))
    db = tmp_path / "real.duckdb"
    with open_backend(db) as b:
        load_dir(b, folder)
    with open_backend(db, read_only=True) as b:
        rows = coop.ledger(b).set_index("enclave_id")
        assert list(rows.index) == ["R01", "R02", "R03"] and coop.periods(b) == [2023, 2024]
        r = rows.loc["R01"]
        # 上海市 → 310100, 安徽省 → 340000 (the province: its name and centroid)
        assert (r["origin_adcode"], r["host_adcode"], r["host_name"]) == ("310100", "340000", "安徽省")
        assert r["host_lon"] == pytest.approx(117.2, abs=1.5)
        assert (r["enclave_type"], r["direction"]) == ("industrial", "forward")  # blank → industrial, forward
        # blank amounts are unknown, never 0, and so are the indicators made of them
        assert np.isnan(r["energy_tce"]) and np.isnan(r["va_per_energy"]) and np.isnan(r["origin_equity_pct"])
        assert r["tax_per_mu"] == pytest.approx(2.0) and r["missing"] == "va_per_energy"
        # the shares are unknown in 2024: the equity rule cannot be checked, listed as unknown (not passed); nor
        # can the land quota (no agreement says how much land the host gives, no transfer is recorded)
        assert r["breaches"] == [] and r["unknowns"] == ["host_min", "land_quota", "origin_control"]
        r2 = rows.loc["R02"]
        assert np.isnan(r2["output"]) and np.isnan(r2["rd_intensity"]) and np.isnan(r2["labour_productivity"])
        assert r2["host_name"] == "宿城区"
        # R03 reports no figure an indicator needs: no score, rank or grade (None, not NaN or 3.0), and its peers
        # are the 2 scored industrial enclaves; its 700 亩 transferred cover its 700 亩 area, so the land quota
        # needs no agreement to pass (not listed as unknown)
        r3 = rows.loc["R03"]
        assert (r3["rank"], r3["grade"], r3["peers"]) == (None, None, 2) and rows.loc["R01", "rank"] in (1, 2)
        assert isinstance(rows.loc["R01", "rank"], int) and r3["breaches"] == r3["unknowns"] == []
        # 2023: tax blank → tax per 亩 unknown
        old = coop.ledger(b, period=2023).set_index("enclave_id").loc["R01"]
        assert np.isnan(old["tax"]) and np.isnan(old["tax_per_mu"]) and old["breaches"] == []
        chk = coop.check(b, period=2024)
        assert set(zip(chk["enclave_id"], chk["rule"], chk["status"])) == {
            ("R01", "origin_control", "unknown"),
            ("R01", "host_min", "unknown"),
            ("R01", "land_quota", "unknown"),
            ("R02", "land_quota", "unknown"),
        }
        assert not rows["synthetic"].any()
    # the CSV for Excel writes an empty cell for the unknown, not 0
    out = tmp_path / "ledger.csv"
    r = CliRunner().invoke(main, ["--db", str(db), "enclaves", "list", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "— 万元" in r.output and "SYNTHETIC" not in r.output
    assert (
        "R03 甬莲山海协作园 · 产业飞地 · 宁波市 → 莲都区 · 产值 — 万元" in r.output and "等级 — ·" in r.output
    )
    r = CliRunner().invoke(main, ["--db", str(db), "enclaves", "rank"])
    assert r.exit_code == 0, r.output
    assert (
        "  — R03 甬莲山海协作园 · — · 得分 — · 亩均税收 — · 亩均增加值 — · 缺 亩均税收、亩均增加值"
        in r.output
    )
    assert "nan" not in r.output and ".0/2" not in r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False).set_index("飞地编号")
    assert table.loc["R01", "综合能耗（吨标准煤）"] == "" and table.loc["R01", "飞入地"] == "安徽省"
    assert table.loc["R01", "无法核对的规则"] == "host_min;land_quota;origin_control"
    # the reviews store goes into backups
    from chainatlas.storage.backup import backup, verify_backup

    with open_backend(db, read_only=True) as b:
        coop.review(b, db, "R02", period=2024, side="host", decision="approve", principal=SQ)
    m = backup(db, tmp_path / "bak")
    assert "reviews.sqlite" in m.files
    verify_backup(tmp_path / "bak", deep=True)


# ------------------------------------------------------------------------------------------------ command line
def _run(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args])


def test_cli_list_rank_show_and_files(db: Path, tmp_path: Path):
    r = _run(db, "enclaves", "list")
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("E004 "))
    assert "闵行区 → 萧县" in line and "等级 A (1/5)" in line and "用地指标调剂不足" in line
    assert "2024 年 26 块飞地" in r.output and "SYNTHETIC" in r.output
    r = _run(db, "enclaves", "list", "--type", "other", "-o", str(tmp_path / "other.json"))
    doc = json.loads((tmp_path / "other.json").read_text(encoding="utf-8"))
    assert [x["enclave_id"] for x in doc["ledger"]] == ["E016"] and doc["provenance"]["synthetic"] is True
    r = _run(db, "enclaves", "rank", "--type", "industrial", "-o", str(tmp_path / "rank.xlsx"))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1].startswith("  1/16 E011")
    ws = load_workbook(tmp_path / "rank.xlsx")["亩均评价"]
    assert [c.value for c in ws[1]][:4] == [
        "飞地类型代码",
        "飞地类型",
        "年度",
        "同类排名",
    ] and ws.max_row == 17
    r = _run(db, "enclaves", "show", "E004", "-o", str(tmp_path / "e004.json"))
    assert r.exit_code == 0, r.output
    assert "2024 · 22,610,505.61 (11,848,400)" in r.output and "3,794/6,322" in r.output
    p = json.loads((tmp_path / "e004.json").read_text(encoding="utf-8"))
    assert p["enclave_id"] == "E004" and len(p["years"]) == 6
    r = _run(db, "enclaves", "show", "E999")
    assert r.exit_code == 1 and "no enclave 'E999'" in r.output
    r = _run(db, "enclaves", "list", "--period", "2010")
    assert r.exit_code == 1 and "--period: 2010 年没有飞地台账" in r.output
    actions = [x["action"] for x in audit.read(config.side_file(db, "audit"))]
    assert actions.count("enclaves_list") == 2 and "enclaves_rank" in actions and "enclaves_show" in actions
    assert actions.count("export") == 3


def test_cli_check_exit_status_alerts_and_csv(db: Path, tmp_path: Path):
    out = tmp_path / "breaches.csv"
    r = _run(db, "enclaves", "check", "--alerts", "-o", str(out))
    assert r.exit_code == 3, r.output
    assert "2024 违规 用地指标 E004 · 用地指标调剂不足" in r.output
    assert "17 条违规" in r.output and "新增 17" in r.output
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert len(t) == 17 and list(t.columns[:4]) == ["类别", "规则", "规则名称", "状态"]
    assert AlertStore(config.side_file(db, "alerts")).list()["rule_set"].eq("cooperation").all()
    r = _run(db, "enclaves", "check", "--all")
    assert r.exit_code == 3 and "无法核对" in r.output
    r = _run(db, "enclaves", "check", "--all", "--alerts")
    assert r.exit_code == 1 and "--alerts" in r.output


def test_cli_export_review_tax_sharing_vouchers(db: Path, tmp_path: Path):
    r = _run(db, "enclaves", "export", "-o", str(tmp_path / "ledger.xlsx"))
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "ledger.xlsx")
    assert wb.sheetnames == list(coop.BOOK_SHEETS) == ["台账", "亩均评价", "违规", "税收分享", "创新券"]
    # rows + header: 26 enclaves, 217 enclave-years, every year's checks, 107 arrangement-years, flows + 6 effects
    assert (wb["台账"].max_row, wb["亩均评价"].max_row, wb["税收分享"].max_row) == (27, 218, 108)
    with open_backend(db, read_only=True) as b:
        assert wb["违规"].max_row == 1 + len(coop.check(b, every=True))
    kinds = [c.value for c in wb["创新券"]["A"][1:]]
    assert kinds.count("互认前后") == 6 and kinds[0] == "流向"
    # years and counts stay whole numbers beside the effect rows' blanks (2017, not 2017.0)
    head = [c.value for c in wb["创新券"][1]]
    first = [c.value for c in wb["创新券"][2]]
    year, count = first[head.index("年份")], first[head.index("兑付笔数")]
    assert isinstance(year, int) and isinstance(count, int) and 2015 <= year <= 2024
    assert wb["台账"]["A1"].value == "飞地编号"
    # reviews: for one government (--as-jurisdiction), refused outside the side's place
    r = _run(
        db,
        "enclaves",
        "review",
        "E011",
        "--period",
        "2024",
        "--side",
        "host",
        "--decision",
        "approve",
        "--as-jurisdiction",
        "321300",
    )
    assert r.exit_code == 0, r.output
    assert "飞入地 支持" in r.output and "优先保障 priority: 否" in r.output
    r = _run(
        db,
        "enclaves",
        "review",
        "E011",
        "--period",
        "2024",
        "--side",
        "origin",
        "--decision",
        "approve",
        "--as-jurisdiction",
        "3205",
        "--comment",
        "同意优先保障",
    )
    assert r.exit_code == 0 and "优先保障 priority: 是 ★" in r.output
    r = _run(
        db,
        "enclaves",
        "review",
        "E011",
        "--period",
        "2024",
        "--side",
        "origin",
        "--decision",
        "reject",
        "--as-jurisdiction",
        "330100",
    )
    assert r.exit_code == 1 and "330100" in r.output and "不能评审飞出地" in r.output
    assert len(coop.reviews_store(db).history()) == 2
    r = _run(db, "enclaves", "list")
    assert "E011 昆山沭阳产业合作园" in r.output and "★优先保障" in r.output
    reviews = [x for x in audit.read(config.side_file(db, "audit")) if x["action"] == "enclaves_review"]
    assert [x["parameters"]["as_jurisdiction"] for x in reviews] == ["321300", "320500"]
    # tax sharing and vouchers for Excel
    r = _run(db, "tax-sharing", "--period", "2024", "-o", str(tmp_path / "tax.csv"))
    assert r.exit_code == 0 and "TS-E003 2024 · 海宁市 → 徐汇区" in r.output and "封顶" in r.output
    t = pd.read_csv(tmp_path / "tax.csv", encoding="utf-8-sig")
    assert len(t) == 13 and "上限起作用" in t.columns
    r = _run(db, "vouchers", "-o", str(tmp_path / "v.csv"))
    assert r.exit_code == 0, r.output
    assert "互认 RC-2019-01 上海市 ⇄ 江苏省（2019-07-01 起）：前12个月 2 笔，后12个月 14 笔 ×7.0" in r.output
    assert (tmp_path / "v.effect.csv").exists() and (tmp_path / "v.unrecognised.csv").exists()
    assert len(pd.read_csv(tmp_path / "v.unrecognised.csv", encoding="utf-8-sig")) == 5
