"""Tests of the synthetic reference dataset generator (chainatlas.synth).

The small dataset of seed 0 is generated once per module; the calibration tests assert numbers measured on
it (the generator is deterministic, so they are exact for this seed; the margins leave room for tuning).
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainatlas import geo
from chainatlas.analytics.gravity import haversine_km
from chainatlas.errors import ConfigError
from chainatlas.geo import HUBS
from chainatlas.model.codes import (
    CREDIT_CODE_CHARSET,
    is_valid_credit_code,
    org_code_check_char,
    validate_credit_codes,
)
from chainatlas.model.kinds import KINDS
from chainatlas.model.taxonomy import load_taxonomy
from chainatlas.synth import SIZES, ZH_HEADER_KINDS, generate
from chainatlas.synth.credit_codes import make_credit_code, make_credit_codes


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict, float]:
    out = tmp_path_factory.mktemp("small")
    t0 = time.perf_counter()
    manifest = generate(out, "small", 0)
    return out, manifest, time.perf_counter() - t0


def read(d: Path, manifest: dict, kind: str) -> pd.DataFrame:
    """A written file as text, with canonical column names whatever the header language."""
    info = manifest["files"][kind]
    path = d / info["file"]
    if info["format"] == "parquet":
        return pd.read_parquet(path).astype("string").fillna("")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=info["encoding"])
    zh = {f.zh: f.name for f in KINDS[kind].fields}
    return df.rename(columns=zh)


def county_of_code(codes: pd.Series) -> pd.Series:
    """The registered county embedded in a synthetic credit code (characters 3-8)."""
    return codes.str.slice(2, 8)


def city_of_county(county: pd.Series) -> pd.Series:
    c = geo.places("county").set_index("adcode")["city_adcode"].astype(str)
    return county.map(c)


def split(s: pd.Series) -> pd.Series:
    return s.str.split(";")


# ------------------------------------------------------------------------------------------- the files


def test_small_generates_fast(small):
    _, manifest, seconds = small
    assert seconds < 3.0
    assert 1_800 <= manifest["rows"]["firms"] <= 2_200
    assert 18_000 <= manifest["total_records"] - manifest["rows"]["firms"] <= 24_000


def test_every_kind_written_with_manifest(small):
    d, manifest, _ = small
    assert set(manifest["files"]) == set(KINDS)
    for kind, info in manifest["files"].items():
        assert (d / info["file"]).exists()
        assert len(read(d, manifest, kind)) == manifest["rows"][kind] > 0
    on_disk = json.loads((d / "dataset.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["synthetic"] is True and manifest["size"] == "small" and manifest["seed"] == 0
    assert manifest["years"] == [2015, 2024]
    assert "虚构" in manifest["note_zh"] and "fictitious" in manifest["note_en"]


def test_headers_and_encodings(small):
    d, _, _ = small
    for kind, k in KINDS.items():
        raw = (d / f"{kind}.csv").read_bytes()
        if ZH_HEADER_KINDS.get(kind) == "gb18030":
            assert not raw.startswith(codecs.BOM_UTF8)
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            header = raw.decode("gb18030").splitlines()[0]
        else:
            assert raw.startswith(codecs.BOM_UTF8)
            header = raw.decode("utf-8-sig").splitlines()[0]
        expected = [f.zh if kind in ZH_HEADER_KINDS else f.name for f in k.fields]
        assert header.split(",") == expected, kind


def test_same_seed_gives_identical_bytes(small, tmp_path):
    d, manifest, _ = small
    generate(tmp_path, "small", 0)
    for name in [info["file"] for info in manifest["files"].values()] + ["dataset.json"]:
        assert (
            hashlib.sha256((tmp_path / name).read_bytes()).digest()
            == hashlib.sha256((d / name).read_bytes()).digest()
        ), name


def test_other_seed_differs(small, tmp_path):
    d, _, _ = small
    generate(tmp_path, "small", 1)
    assert (tmp_path / "firms.csv").read_bytes() != (d / "firms.csv").read_bytes()


def test_every_row_is_synthetic(small):
    d, manifest, _ = small
    for kind in KINDS:
        assert (read(d, manifest, kind)["synthetic"] == "1").all(), kind


# ------------------------------------------------------------------------------------------ consistency


def test_keys_unique(small):
    d, manifest, _ = small
    for kind, k in KINDS.items():
        df = read(d, manifest, kind)
        assert not df.duplicated(list(k.key)).any(), kind


def test_every_credit_code_valid(small):
    d, manifest, _ = small
    for kind, k in KINDS.items():
        df = read(d, manifest, kind)
        for f in k.fields:
            if f.rule == "credit_code" or f.name in ("applicant_codes", "institution_codes"):
                codes = df[f.name]
                codes = split(codes[codes != ""]).explode() if f.rule == "list" else codes[codes != ""]
                assert len(codes) and validate_credit_codes(codes).all(), (kind, f.name)
    firms = read(d, manifest, "firms")
    prefix = firms["credit_code"].str.slice(0, 2)
    assert (prefix[firms["entity_type"].isin(["university", "institute"])] == "12").all()
    assert (prefix[firms["entity_type"] == "firm"] == "91").all()


def test_every_referenced_entity_exists(small):
    d, manifest, _ = small
    firms = read(d, manifest, "firms")
    known = set(firms["credit_code"])
    names = dict(zip(firms["credit_code"], firms["name"]))
    is_firm = set(firms.loc[firms["entity_type"] == "firm", "credit_code"])
    for kind, k in KINDS.items():
        if kind == "firms":
            continue
        df = read(d, manifest, kind)
        for f in k.fields:
            if f.rule == "credit_code" or f.name in ("applicant_codes", "institution_codes"):
                codes = df[f.name]
                codes = split(codes).explode() if f.rule == "list" else codes
                assert set(codes[codes != ""]) <= known, (kind, f.name)
    for kind, code, name in [
        ("supply_links", "supplier_code", "supplier_name"),
        ("supply_links", "customer_code", "customer_name"),
        ("investments", "investee_code", "investee_name"),
        ("needs", "credit_code", "firm_name"),
    ]:
        df = read(d, manifest, kind)
        assert set(df[code]) <= is_firm, (kind, code)
        assert (df[code].map(names) == df[name]).all(), (kind, name)
    for kind in ("trade", "tax"):
        assert set(read(d, manifest, kind)["credit_code"]) <= is_firm
    transfers = read(d, manifest, "patent_transfers")
    assert set(transfers["patent_id"]) <= set(read(d, manifest, "patents")["patent_id"])


def test_party_lists_aligned(small):
    d, manifest, _ = small
    for kind in ("patents", "papers"):
        k = KINDS[kind]
        df = read(d, manifest, kind)
        n = split(df[k.party_lists[0]]).str.len()
        assert (n >= 1).all() and (n >= 2).any() and (n >= 3).any()
        names = dict(zip(read(d, manifest, "firms")["credit_code"], read(d, manifest, "firms")["name"]))
        for col in k.party_lists[1:]:
            given = df[col] != ""
            assert (split(df.loc[given, col]).str.len() == n[given]).all(), (kind, col)
        pairs = pd.DataFrame(
            {"name": split(df[k.party_lists[0]]).explode(), "code": split(df[k.party_lists[1]]).explode()}
        )
        assert (pairs["code"].map(names) == pairs["name"]).all()


def test_places_addresses_and_retired_codes(small):
    d, manifest, _ = small
    firms = read(d, manifest, "firms")
    counties = set(geo.places("county")["adcode"].astype(str))
    reg = county_of_code(firms["credit_code"])
    addr_only = firms["adcode"] == ""
    assert 0.03 < addr_only[firms["entity_type"] == "firm"].mean() < 0.08
    assert (firms.loc[addr_only, "address"] != "").all()
    current = firms["adcode"].isin(counties)
    retired = ~addr_only & ~current
    assert set(firms.loc[retired, "adcode"]) == set(manifest["calibration"]["retired_codes"])
    assert (firms.loc[current, "adcode"] == reg[current]).all()
    # the address geocoder finds the county of every address-only firm
    codes, _ = geo.resolve_addresses(firms.loc[addr_only, "address"])
    assert (codes.to_numpy() == reg[addr_only].to_numpy()).all()


def test_whole_dataset_loads_with_zero_errors(small):
    from chainatlas.ingest import parse_file

    d, manifest, _ = small
    for kind, info in manifest["files"].items():
        batch = parse_file(kind, d / info["file"])
        assert batch.errors == [], (kind, [str(e) for e in batch.errors[:5]])
    methods = parse_file("firms", d / "firms.csv").table["adcode_method"].value_counts()
    assert methods["address:county"] == manifest["calibration"]["address_only_firms"]
    assert methods["crosswalk"] == sum(manifest["calibration"]["retired_codes"].values())


def test_injected_errors_are_found(tmp_path):
    from chainatlas.ingest import parse_file

    manifest = generate(tmp_path, "small", 0, inject_errors=10)
    planned = {(i["file"], i["row"], i["column"]) for i in manifest["injected_errors"]}
    assert len(planned) == 10
    found = set()
    for kind, info in manifest["files"].items():
        found |= {(info["file"], e.row, e.column) for e in parse_file(kind, tmp_path / info["file"]).errors}
    assert found == planned


def test_parquet_output_loads(tmp_path):
    from chainatlas.ingest import parse_file

    manifest = generate(tmp_path, "small", 0, fmt="parquet")
    assert manifest["files"]["enclaves"] == {
        "file": "enclaves.parquet",
        "format": "parquet",
        "headers": "en",
        "encoding": None,
    }
    for kind in ("firms", "patents", "trade", "enclaves"):
        assert parse_file(kind, tmp_path / f"{kind}.parquet").errors == []


def test_bad_arguments():
    with pytest.raises(ConfigError, match="unknown dataset size"):
        generate("unused", "huge")
    with pytest.raises(ConfigError, match="seed"):
        generate("unused", "small", seed=-1)
    with pytest.raises(ConfigError, match="inject_errors"):
        generate("unused", "small", inject_errors=-1)
    assert set(SIZES) == {"small", "medium", "large", "xlarge"}
    big, bigger = SIZES["large"], SIZES["xlarge"]
    assert bigger["entities"]["firms"] == 2 * big["entities"]["firms"]
    assert all(bigger["records"][k] == 2 * v for k, v in big["records"].items())


# ------------------------------------------------------------------------------------------ calibration


def test_supply_links_decay_with_distance(small):
    d, manifest, _ = small
    links = read(d, manifest, "supply_links")
    a = city_of_county(county_of_code(links["supplier_code"]))
    b = city_of_county(county_of_code(links["customer_code"]))
    cities = geo.places("city").set_index("adcode")
    lon, lat = cities["lon"].to_numpy(float), cities["lat"].to_numpy(float)
    D = pd.DataFrame(
        haversine_km(lon[:, None], lat[:, None], lon, lat),
        index=cities.index,
        columns=cities.index,
    )
    counts = pd.crosstab(a, b).reindex(index=cities.index, columns=cities.index, fill_value=0).to_numpy()
    undirected = counts + counts.T
    i, j = np.triu_indices(len(cities), 1)
    r = np.corrcoef(np.log1p(undirected[i, j]), np.log(D.to_numpy()[i, j]))[0, 1]
    assert r < -0.3  # seed 0: -0.38 over all 820 unordered pairs of distinct cities (zeros included)
    assert 0.4 < (a == b).mean() < 0.8  # intra-city ties are common


def test_patents_concentrate_in_hubs(small):
    d, manifest, _ = small
    pat = read(d, manifest, "patents")
    first = pat["applicant_codes"].str.split(";").str[0]
    share = city_of_county(county_of_code(first)).isin(HUBS).mean()
    assert share > 0.5  # seed 0: 0.75


def test_shanghai_cooperates_mostly_with_hubs(small):
    d, manifest, _ = small
    pat = read(d, manifest, "patents")
    parties = split(pat["applicant_codes"]).explode()
    city = city_of_county(county_of_code(parties)).groupby(level=0).agg(set)
    with_sh = city[city.map(lambda s: "310100" in s and len(s - {"310100"}) > 0)]
    share = with_sh.map(lambda s: bool(s & set(HUBS[1:]))).mean()
    assert len(with_sh) >= 20
    assert 0.4 <= share <= 0.7  # seed 0: 0.53; the target rises from 0.46 (2015) to 0.595 (2024)


def test_segments_are_uneven_but_none_is_absent(small):
    """The documented calibration (calibration.SEGMENT_PLAN): thin, single-city and concentrated segments; no 断链."""
    d, manifest, _ = small
    tax = load_taxonomy()
    firms = read(d, manifest, "firms")
    firms = firms[firms["entity_type"] == "firm"].reset_index(drop=True)
    seg = tax.segments_for_industry(firms["industry_code"])
    seg["city"] = city_of_county(county_of_code(firms["credit_code"])).to_numpy()[seg["row"]]
    seg["label"] = seg["chain"] + ":" + seg["segment"]
    n_cities = seg.groupby("label")["city"].nunique()
    cal = manifest["calibration"]
    assert cal["absent_segments"] == []
    # every segment of the four chains has firms of its own (封装测试 too: its firms register under 3973)
    labels = set(tax.segments["chain"] + ":" + tax.segments["segment"])
    assert set(cal["segment_firms"]) == labels and min(cal["segment_firms"].values()) >= 3
    with_codes = set(seg["label"])
    assert labels - with_codes == {"ic:packaging_test"}
    assert n_cities[sorted(with_codes)].min() >= 1
    assert cal["single_city_segments"] == {"nev:intelligent": cal["single_city_segments"]["nev:intelligent"]}
    ((single, city),) = cal["single_city_segments"].items()
    assert city in {"310100", "320100", "330100", "340100", "320500", "320200", "330200", "320400", "340200"}
    assert n_cities[single] == 1 and set(seg.loc[seg["label"] == single, "city"]) == {city}
    # thin: few firms (≤ 1.5 % of the chain firms), exactly in their 3 or 4 strong cities
    assert set(cal["thin_segments"]) == {"ic:equipment", "ic:materials"}
    n_chain = sum(cal["segment_firms"].values())
    for label, cities in cal["thin_segments"].items():
        assert len(cities) == {"ic:equipment": 3, "ic:materials": 4}[label]
        assert set(seg.loc[seg["label"] == label, "city"]) == set(cities)
        assert 3 <= cal["segment_firms"][label] <= 0.015 * n_chain  # seed 0: 4 and 4 of 508
    # concentrated: most firms in their strong cities (85 % by design), counting only firms whose code maps to one
    # segment (6513 is EDA and algorithms, 3973 fabrication and AI compute: the other segment's firms dilute it)
    assert len(cal["concentrated_segments"]) == 9
    own = seg[seg.groupby("row")["label"].transform("size") == 1]
    share = {
        label: own.loc[own["label"] == label, "city"].isin(cities).mean()
        for label, cities in cal["concentrated_segments"].items()
        if (own["label"] == label).sum() >= 3
    }
    assert len(share) >= 4 and min(share.values()) >= 0.75, share  # seed 0: 5 segments, lowest 0.89
    assert n_cities.max() >= 12  # ... while broad segments spread over many cities


def test_choke_point_imports_come_from_few_countries(small):
    d, manifest, _ = small
    tax = load_taxonomy()
    trade = read(d, manifest, "trade")
    trade["value"] = trade["value"].astype(float)
    seg = tax.segments_for_hs(trade["hs_code"])
    rows = trade.iloc[seg["row"]].assign(label=(seg["chain"] + ":" + seg["segment"]).to_numpy())
    # products of one segment only (854231 processors are also 8542 integrated circuits, imported broadly)
    rows = rows[seg.groupby("row")["segment"].transform("size").to_numpy() == 1]
    imports = rows[rows["direction"] == "import"]
    cal = manifest["calibration"]
    assert set(cal["choke_segments"]) == {"ic:equipment", "ic:materials", "ai:compute", "nev:materials"}
    lead = {"ic:equipment": "JP", "ic:materials": "JP", "ai:compute": "TW"}
    for label in cal["choke_segments"]:
        partners = cal["choke_import_partners"][label]
        by = imports[imports["label"] == label].groupby("partner_country")["value"].sum()
        assert len(by) and set(by.index) <= set(partners), label  # only the profile's few partners
        if label in lead:
            assert by.idxmax() == lead[label] and by.max() / by.sum() > 0.4, label


def test_enclaves_and_tax_sharing(small):
    d, manifest, _ = small
    enc = read(d, manifest, "enclaves")
    eq = enc.drop_duplicates("enclave_id").set_index("enclave_id")[["origin_equity_pct", "host_equity_pct"]]
    eq = eq.astype(float)
    broken = eq[(eq["origin_equity_pct"] <= 50) | (eq["host_equity_pct"] < 30)]
    assert 20 <= len(eq) <= 40
    assert set(broken.index) == set(manifest["calibration"]["enclave_equity_rule_violations"]) != set()
    tax = read(d, manifest, "tax")
    shared = tax[tax["shared_to_adcode"] != ""]
    assert len(shared) and set(shared["agreement_id"].str.slice(3)) <= set(enc["enclave_id"])
    origin = enc.drop_duplicates("enclave_id").set_index("enclave_id")["origin_adcode"]
    assert (shared["agreement_id"].str.slice(3).map(origin) == shared["shared_to_adcode"]).all()


# ------------------------------------------------------------------------- cooperation ledgers (issue 15)
# The planted cases of the manifest's calibration["cooperation"], recomputed from the files by the rules of the
# contract (/work/notes/issue15_spec.md §3), so later helpers can rely on them. Numbers: seed 0, small.


def _num(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return df.assign(**{c: pd.to_numeric(df[c].replace("", None)) for c in cols})


@pytest.fixture(scope="module")
def coop(small) -> dict:
    d, manifest, _ = small
    enc = read(d, manifest, "enclaves")
    enc = _num(
        enc,
        [
            "origin_equity_pct",
            "host_equity_pct",
            "area_mu",
            "output",
            "tax",
            "investment",
            "land_quota_mu",
            "joint_fund",
            "origin_fund",
            "host_fund",
            "value_added",
            "energy_tce",
            "rd_spend",
            "employees",
        ],
    )
    enc["year"] = enc["period"].astype(int)
    terms = _num(
        read(d, manifest, "enclave_terms"),
        [
            "target_output",
            "target_tax",
            "land_quota_agreed_mu",
            "host_land_mu",
            "origin_min_equity_pct",
            "host_min_equity_pct",
            "origin_tax_share_pct",
            "term_years",
        ],
    ).set_index("enclave_id")
    return {
        "c": manifest["calibration"]["cooperation"],
        "enc": enc,
        "terms": terms,
        "holders": _num(read(d, manifest, "enclave_shareholders"), ["share_pct", "paid_in"]),
        "tax": _num(read(d, manifest, "tax"), ["tax_paid", "share_pct"]),
        "sharing": _num(read(d, manifest, "tax_sharing"), ["share_pct", "cap", "duration_years"]),
        "vouchers": _num(read(d, manifest, "vouchers"), ["face_value", "redeemed_value"]),
        "recognitions": read(d, manifest, "recognitions"),
    }


def test_cooperation_kinds_are_generated(small, coop):
    _, manifest, _ = small
    c, enc = coop["c"], coop["enc"]
    assert manifest["version"] == "1.4.0"
    rows = manifest["rows"]
    assert (rows["enclaves"], rows["enclave_terms"], rows["tax_sharing"], rows["recognitions"]) == (
        217,
        26,
        13,
        6,
    )
    assert (rows["enclave_shareholders"], rows["vouchers"]) == (566, 600)
    assert c["enclaves"] == enc["enclave_id"].nunique() == len(coop["terms"]) == 26
    # both directions (the small set adds two reverse enclaves) and every type
    assert c["reverse_enclaves"] == ["E025", "E026"]
    assert set(enc.loc[enc["enclave_id"].isin(c["reverse_enclaves"]), "direction"]) == {"reverse"}
    assert set(enc["direction"]) == {"forward", "reverse", ""} and set(enc["enclave_type"]) == {
        "industrial",
        "innovation",
        "poverty",
        "other",
        "",
    }
    # a blank type or direction only where planted (read as industrial / forward)
    assert set(enc.loc[enc["enclave_type"] == "", "enclave_id"]) == {c["mu"]["type_blank"]}
    assert set(enc.loc[enc["direction"] == "", "enclave_id"]) == {c["mu"]["direction_blank"]}
    assert c["mu"]["type_blank"] in c["enclave_types"]["industrial"]
    # the operating company is a park platform of the register; joint funding splits into the two sides' parts
    firms = read(*small[:2], "firms").set_index("credit_code")
    assert (firms.loc[enc["operator_code"], "entity_type"] == "platform").all()
    funded = enc[enc["joint_fund"].notna()]
    assert (
        len(funded)
        and (abs(funded["origin_fund"] + funded["host_fund"] - funded["joint_fund"]) < 0.011).all()
    )
    assert (funded["origin_fund"] > 0).all()


def test_planted_equity_cases(coop):
    c, enc, terms = coop["c"], coop["enc"], coop["terms"]
    eq = enc.drop_duplicates("enclave_id").set_index("enclave_id")
    o_min = terms["origin_min_equity_pct"].fillna(50.0)
    h_min = terms["host_min_equity_pct"].fillna(30.0)
    origin_control = sorted(eq.index[eq["origin_equity_pct"] <= o_min[eq.index]])
    host_min = sorted(eq.index[eq["host_equity_pct"] < h_min[eq.index]])
    assert origin_control == c["equity"]["origin_control"] == ["E009", "E014", "E020", "E023"]
    assert host_min == c["equity"]["host_min"] == ["E002", "E006", "E017", "E022"]
    assert c["equity"]["shares_sum"] == ["E001"]
    cases = c["equity"]["cases"]
    assert cases == {
        "host_exactly_30": "E025",
        "origin_exactly_50": "E014",
        "shares_over_100": "E001",
        "own_terms_host_min": "E006",
    }

    def at(e: str) -> tuple:
        return tuple(eq.loc[e, ["origin_equity_pct", "host_equity_pct"]])

    assert at("E025") == (70.0, 30.0) and "E025" not in host_min  # exactly 30 % passes
    assert at("E014") == (50.0, 50.0) and "E014" in origin_control  # control is more than 50 %
    assert at("E001") == (65.0, 40.0)
    assert at("E006") == (62.0, 33.0) and terms.loc["E006", "host_min_equity_pct"] == 35.0  # its own terms
    assert terms["host_min_equity_pct"].notna().sum() == 1
    # the default rule (飞出地控股, 飞入地 ≥ 30 %) breaks on the same enclaves but E006
    assert c["equity"]["origin_control"] + c["equity"]["host_min"] != []
    # shareholders: each side holds what the enclave row says
    h = coop["holders"]
    side = h.groupby(["enclave_id", "period", "side"])["share_pct"].sum().astype(float).unstack().fillna(0.0)
    rows = enc.set_index(["enclave_id", "period"])
    assert (side["origin"] == rows.loc[side.index, "origin_equity_pct"]).all()
    assert (side["host"] == rows.loc[side.index, "host_equity_pct"]).all()
    assert set(h.loc[h["paid_in"].isna(), "enclave_id"]) == {c["paid_in_blank"]} == {"E005"}


def test_planted_land_quota(coop):
    c, enc, terms = coop["c"], coop["enc"], coop["terms"]
    enc = enc.sort_values(["enclave_id", "year"])
    moved = enc.groupby("enclave_id")["land_quota_mu"].cumsum()
    needed = (enc["area_mu"] - terms.loc[enc["enclave_id"], "host_land_mu"].to_numpy()).clip(lower=0)
    short = enc.loc[needed - moved > 1e-6, "enclave_id"]
    assert set(short) == {c["land_quota"]["shortfall"]["enclave"]} == {"E004"}
    last = enc.assign(moved=moved, needed=needed).groupby("enclave_id").last()
    assert c["land_quota"]["shortfall"] == {
        "enclave": "E004",
        "year": 2024,
        "needed": 6322.0,
        "transferred": 3794.0,
        "agreed": 6340.0,
        "shortfall": 2528.0,
    }
    assert last.loc["E004", "needed"] - last.loc["E004", "moved"] == pytest.approx(2528.0)
    over = last.index[last["moved"] > terms.loc[last.index, "land_quota_agreed_mu"]]
    assert list(over) == [c["land_quota"]["over_agreed"]["enclave"]] == ["E026"]
    assert (last.loc["E026", "moved"], terms.loc["E026", "land_quota_agreed_mu"]) == (72.0, 56.5)


def test_planted_targets(coop):
    c, enc, terms = coop["c"], coop["enc"], coop["terms"]
    on = enc[enc["year"] >= terms.loc[enc["enclave_id"], "target_year"].astype(int).to_numpy()]
    for col, planted in (("output", "E017"), ("tax", "E012")):
        target = terms.loc[on["enclave_id"], f"target_{col}"].to_numpy()
        missed = on.loc[on[col] < target, "enclave_id"]
        assert set(missed) == {c["targets"][f"{col}_missed"]} == {planted}
        assert (
            on.loc[on["enclave_id"] == planted, col] < target[on["enclave_id"] == planted]
        ).all()  # every year


def test_planted_mu_leaders_and_laggards(coop):
    c, enc = coop["c"], coop["enc"]
    t = enc.assign(
        type=enc["enclave_type"].replace("", "industrial"),
        tax_per_mu=enc["tax"] / enc["area_mu"],
        va_per_mu=enc["value_added"] / enc["area_mu"],
        va_per_energy=enc["value_added"] / enc["energy_tce"],
        rd_intensity=enc["rd_spend"] / enc["output"],
        labour_productivity=enc["value_added"] / enc["employees"],
    )
    ind = ["tax_per_mu", "va_per_mu", "va_per_energy", "rd_intensity", "labour_productivity"]
    groups = 0
    for (typ, year), g in t.groupby(["type", "year"]):
        g = g.set_index("enclave_id")
        lead = c["mu"]["leaders"][typ][str(year)]
        if len(g) == 1:
            assert lead == g.index[0]
            continue
        groups += 1
        lag = c["mu"]["laggards"][typ][str(year)]
        for col in ind:
            v = g[col].dropna()
            assert v.idxmax() == lead and (v.drop(lead) < v[lead]).all(), (typ, year, col)
            assert v.idxmin() == lag and (v.drop(lag) > v[lag]).all(), (typ, year, col)
    assert groups == 29  # industrial and poverty in every year, innovation from 2016 (E005 alone in 2015)
    assert (
        c["mu"]["leaders"]["industrial"]["2024"] == "E011"
        and c["mu"]["laggards"]["industrial"]["2024"] == "E001"
    )
    assert c["mu"]["leaders"]["other"] == dict.fromkeys(
        map(str, range(2015, 2025)), "E016"
    )  # alone in its type
    assert c["mu"]["missing"] == [["E013", 2024, "energy_tce"]]
    assert enc["energy_tce"].isna().sum() == 1
    assert enc.loc[enc["energy_tce"].isna(), ["enclave_id", "year"]].values.tolist() == [["E013", 2024]]


def _in_force(plan: pd.Series, year: int) -> bool:
    start = int(plan["start_year"])
    end = start + int(plan["duration_years"]) - 1 if pd.notna(plan["duration_years"]) else 9999
    return start <= year <= end


def test_planted_tax_sharing(coop):
    """Agreed (from the arrangement) against realised (from the records) per agreement and year."""
    c, tax, sharing = coop["c"], coop["tax"], coop["sharing"]
    shared = tax[tax["agreement_id"] != ""]
    assert set(shared["agreement_id"]) == set(sharing["agreement_id"]) and len(sharing) == 13
    plans = sharing.set_index("agreement_id")
    origin = coop["enc"].drop_duplicates("enclave_id").set_index("enclave_id")
    assert (plans["sharing_adcode"] == origin.loc[plans["enclave_id"], "origin_adcode"].to_numpy()).all()
    assert (plans["collecting_adcode"] == origin.loc[plans["enclave_id"], "host_adcode"].to_numpy()).all()
    assert (shared["adcode"] == plans.loc[shared["agreement_id"], "collecting_adcode"].to_numpy()).all()
    assert (
        shared["shared_to_adcode"] == plans.loc[shared["agreement_id"], "sharing_adcode"].to_numpy()
    ).all()
    h = coop["holders"]
    paid = h.pivot_table(index=["enclave_id", "period"], columns="side", values="paid_in", aggfunc="sum")
    yearly = shared.assign(
        year=shared["period"].astype(int), realised=shared["tax_paid"] * shared["share_pct"] / 100
    )
    yearly = yearly.groupby(["agreement_id", "year"])[["tax_paid", "realised"]].sum()
    base = {
        a: yearly.loc[(a, int(p["base_year"])), "tax_paid"] for a, p in plans.iterrows() if p["base_year"]
    }
    status: dict[str, dict[int, str]] = {}
    agreed_of: dict[tuple[str, int], float] = {}
    for (a, year), r in yearly.iterrows():
        p = plans.loc[a]
        if p["basis"] == "increment":
            agreed = p["share_pct"] / 100 * max(0.0, r["tax_paid"] - base[a])
        elif p["basis"] == "capital":
            pp = paid.loc[(p["enclave_id"], str(year))]
            agreed = pp["origin"] / pp.sum() * r["tax_paid"]
        else:
            agreed = p["share_pct"] / 100 * r["tax_paid"]
        if pd.notna(p["cap"]):
            agreed = min(agreed, p["cap"])
        agreed_of[(a, year)] = agreed
        gap = r["realised"] - agreed
        st_ = (
            "outside_term"
            if not _in_force(p, year)
            else "ok"
            if abs(gap) <= 0.005 * max(agreed, 1e-9) + 1e-9
            else "under"
            if gap < 0
            else "over"
        )
        status.setdefault(a, {})[year] = st_
    ts = c["tax_sharing"]
    assert {a for a, s in status.items() if set(s.values()) == {"ok"}} == set(plans.index) - {
        ts[r]["agreement"] for r in ("under", "over", "outside_term")
    }
    for role in ("under", "over"):
        a = ts[role]["agreement"]
        assert [y for y, s in status[a].items() if s == role] == ts[role]["years"] == [2022, 2023, 2024]
    a = ts["outside_term"]["agreement"]
    assert ts["outside_term"] == {
        "agreement": "TS-E022",
        "start_year": 2016,
        "duration_years": 6,
        "end_year": 2021,
        "years": [2022, 2023, 2024],
    }
    assert [y for y, s in status[a].items() if s == "outside_term"] == [2022, 2023, 2024]
    assert plans.loc[a, "end_year"] == ""  # the end comes from start + duration − 1
    # the cap binds in the years its share of the tax is above it
    cap = ts["capped"]
    assert (cap["agreement"], cap["cap"], cap["binding_years"]) == (
        "TS-E003",
        25.26,
        [2021, 2022, 2023, 2024],
    )
    binding = [y for (a, y), r in yearly.iterrows() if a == "TS-E003" and 0.4 * r["tax_paid"] > 25.26]
    assert binding == cap["binding_years"]
    # the increment over a base year whose amount the records give (base_amount left blank)
    inc = ts["increment"]
    assert (inc["agreement"], inc["base_year"], inc["base_amount"]) == ("TS-E016", 2015, 2.44)
    assert plans.loc["TS-E016", "base_amount"] == "" and base["TS-E016"] == pytest.approx(2.44)
    assert plans.loc["TS-E016", "basis"] == "increment" and plans.loc["TS-E007", "basis"] == "capital"
    assert ts["capital"]["origin_paid_in_share_pct"]["2017"] == pytest.approx(76.1194)
    assert agreed_of[("TS-E007", 2017)] / yearly.loc[("TS-E007", 2017), "tax_paid"] == pytest.approx(
        0.761194, abs=1e-6
    )
    # the origin promised more than its agreement gives
    pu = ts["promise_unmet"]
    assert pu == {"enclave": "E002", "agreement": "TS-E002", "promised_pct": 60.0, "share_pct": 50.0}
    assert (
        coop["terms"].loc["E002", "origin_tax_share_pct"] == 60.0
        and plans.loc["TS-E002", "share_pct"] == 50.0
    )


def _under(codes: pd.Series, place: str) -> pd.Series:
    prefix = place[:2] if place.endswith("0000") else place[:4] if place.endswith("00") else place
    return codes.str.startswith(prefix)


def test_planted_voucher_flows(coop):
    c, v, rec = coop["c"]["vouchers"], coop["vouchers"], coop["recognitions"]
    done = v[v["redeemed"] != ""].copy()
    assert len(v) == c["vouchers"] == 600 and len(done) == c["redeemed"] == 467
    assert (v.loc[v["redeemed"] == "", ["provider_code", "redeem_mode"]] == "").all(axis=None)
    assert (
        done["redeem_mode"].value_counts().to_dict()
        == c["redeemed_by_mode"]
        == {"user": 250, "provider": 217}
    )
    assert done["redeemed_value"].isna().sum() > 0  # their weight is the face value
    assert (done["redeemed_value"].dropna() <= done.loc[done["redeemed_value"].notna(), "face_value"]).all()
    day = pd.to_datetime(done["redeemed"])
    cross = done["issuer_adcode"].str[:2] != done["provider_adcode"].str[:2]
    covered = pd.Series(False, index=done.index)
    effect = {}
    for r in rec.itertuples():
        between = cross & (
            (_under(done["issuer_adcode"], r.adcode_a) & _under(done["provider_adcode"], r.adcode_b))
            | (_under(done["issuer_adcode"], r.adcode_b) & _under(done["provider_adcode"], r.adcode_a))
        )
        start = pd.Timestamp(r.start)
        end = pd.Timestamp(r.end) if r.end else pd.Timestamp.max
        covered |= between & (day >= start) & (day <= end)
        year = pd.DateOffset(years=1)
        effect[(r.agreement_id, r.adcode_b)] = (
            int((between & (day >= start - year) & (day < start)).sum()),
            int((between & (day >= start) & (day < start + year)).sum()),
        )
    assert effect == {
        (e["agreement_id"], e["adcode_b"]): (e["before"], e["after"]) for e in c["recognition_effect"]
    }
    # 沪苏 (RC-2019-01): two unrecognised redemptions in the year before its start, 14 in the year after
    assert effect[("RC-2019-01", "320000")] == (2, 14)
    assert all(b == 0 for k, (b, _) in effect.items() if k[0] != "RC-2019-01")
    unrecognised = sorted(done.loc[cross & ~covered, "voucher_id"])
    assert (
        unrecognised
        == sorted(c["unrecognised"])
        == sorted(c["planted_before_start"] + c["planted_unrecognised"])
    )
    assert len(c["planted_before_start"]) == 2 and len(c["planted_unrecognised"]) == 3
    assert (cross & covered).sum() == c["cross_province_recognised"] == 220
    # every other redemption stays inside the issuing place
    home = done[~cross & ~covered]
    assert (
        home.apply(lambda r: _under(pd.Series([r["provider_adcode"]]), r["issuer_adcode"])[0], axis=1)
    ).all()


def test_volumes_grow(small):
    d, manifest, _ = small
    pat = read(d, manifest, "patents")
    years = pat["application_date"].str.slice(0, 4).astype(int).value_counts()
    assert years[2024] > 1.5 * years[2015]
    assert set(read(d, manifest, "tax")["period"].astype(int)) == set(range(2015, 2025))


@pytest.mark.slow
def test_medium_size_is_consistent(tmp_path):
    """Medium (≈ 50 000 entities, ≈ 600 000 records): sizes and the stronger distance decay."""
    manifest = generate(tmp_path, "medium", 0)
    assert 45_000 <= manifest["rows"]["firms"] <= 55_000
    assert 500_000 <= manifest["total_records"] - manifest["rows"]["firms"] <= 700_000
    links = read(tmp_path, manifest, "supply_links")
    a = city_of_county(county_of_code(links["supplier_code"]))
    b = city_of_county(county_of_code(links["customer_code"]))
    pairs = pd.DataFrame({"a": a, "b": b})[a != b].value_counts().rename("n").reset_index()
    cities = geo.places("city").set_index("adcode")
    lon, lat = cities["lon"].to_numpy(float), cities["lat"].to_numpy(float)
    D = pd.DataFrame(
        haversine_km(lon[:, None], lat[:, None], lon, lat),
        index=cities.index,
        columns=cities.index,
    )
    d = D.to_numpy()[cities.index.get_indexer(pairs["a"]), cities.index.get_indexer(pairs["b"])]
    assert np.corrcoef(np.log(pairs["n"]), np.log(d))[0, 1] < -0.4  # seed 0: -0.47 (pairs with links)


def test_codes_of_records_map_to_their_segment(small):
    """The IPC of a need and the HS code of a supply link belong to the chain segment written beside them."""
    d, manifest, _ = small
    tax = load_taxonomy()
    needs = read(d, manifest, "needs")
    m = tax.segments_for_ipc(needs["ipc"])
    m = m.merge(
        needs[["chain", "segment"]].reset_index(names="row"), on=["row", "chain"], suffixes=("", "_rec")
    )
    assert len(m) > 0.8 * len(needs) and (m["segment"] == m["segment_rec"]).all()
    links = read(d, manifest, "supply_links")
    links = links[(links["chain"] != "") & (links["hs_code"] != "")]
    m = tax.segments_for_hs(links["hs_code"].reset_index(drop=True))
    rec = links[["chain", "segment"]].reset_index(drop=True).reset_index(names="row")
    m = m.merge(rec, on=["row", "chain"], suffixes=("", "_rec"))
    assert len(m) == len(links) and (m["segment"] == m["segment_rec"]).all()


def test_no_record_predates_its_entities(small):
    d, manifest, _ = small
    firms = read(d, manifest, "firms")
    founded = pd.to_datetime(firms["founded"].replace("", None)).set_axis(firms["credit_code"])
    dated = [
        ("supply_links", "supplier_code", "period"),
        ("supply_links", "customer_code", "period"),
        ("tax", "credit_code", "period"),
        ("investments", "investor_code", "date"),
        ("investments", "investee_code", "date"),
        ("tech_contracts", "seller_code", "date"),
        ("tech_contracts", "buyer_code", "date"),
        ("services", "user_code", "date"),
        ("patent_transfers", "to_code", "date"),
        ("needs", "credit_code", "date"),
        ("alliances", "member_code", "joined"),
        ("patents", "applicant_codes", "application_date"),
        ("papers", "institution_codes", "pub_year"),
        ("vouchers", "holder_code", "issued"),
    ]
    for kind, code, when in dated:
        df = read(d, manifest, kind)
        codes = split(df[code]).explode() if code.endswith("s") else df[code]
        year = df[when].str.slice(0, 4).astype(int).reindex(codes.index).to_numpy()
        assert (founded.reindex(codes).dt.year.fillna(0).to_numpy() <= year).all(), (kind, code)
        if when in ("date", "application_date", "joined"):
            day = pd.to_datetime(df[when]).reindex(codes.index).to_numpy()
            assert (founded.reindex(codes).fillna(pd.Timestamp(0)).to_numpy() <= day).all(), (kind, code)


# ------------------------------------------------------------------------------------------ credit codes


@given(
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=2, max_size=2),
    st.from_regex(r"\A[0-9]{6}\Z"),
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=9, max_size=9),
)
def test_make_credit_code_is_valid(prefix, adcode, org):
    code = make_credit_code(prefix, adcode, org)
    assert code[:17] == prefix + adcode + org and is_valid_credit_code(code)


def test_make_credit_code_reproduces_a_real_code():
    assert make_credit_code("91", "440300", "192203821") == "914403001922038216"


def test_make_credit_code_rejects_bad_parts():
    with pytest.raises(ConfigError, match="adcode6"):
        make_credit_code("91", "4403", "192203821")
    with pytest.raises(ConfigError, match="GB 32100"):
        make_credit_code("9I", "440300", "192203821")


def test_make_credit_codes_vectorised():
    n = 20_000
    ad = np.where(np.arange(n) % 2 == 0, "310115", "320505")
    out = make_credit_codes("91", ad, np.arange(n))
    assert out.dtype == np.dtype("<U18") and len(set(out)) == n
    assert validate_credit_codes(pd.Series(out)).all()
    assert out[0][2:8] == "310115" and out[1][2:8] == "320505"
    # the organisation-code part carries a correct GB 11714 check character too
    assert all(org_code_check_char(c[8:16]) == c[16] for c in out[:500])
    # deterministic, and scramble=False gives the plain base-31 serial
    assert (make_credit_codes("91", ad, np.arange(n)) == out).all()
    plain = make_credit_codes("91", "310115", np.array([0, 1, 30, 31]), scramble=False)
    assert [c[8:16] for c in plain] == ["00000000", "00000001", "0000000Y", "00000010"]


def test_make_credit_codes_rejects_bad_input():
    with pytest.raises(ConfigError, match="six-digit"):
        make_credit_codes("91", np.array(["3101", "310115"]), np.arange(2))
    with pytest.raises(ConfigError, match="31\\^8"):
        make_credit_codes("91", "310115", np.array([31**8]))
    with pytest.raises(ConfigError, match="prefix2"):
        make_credit_codes("9S", "310115", np.arange(2))


# ------------------------------------------------------------------------- after load + build (seed 7)

CHAINS = ("ic", "bio", "nev", "ai")


@pytest.fixture(scope="module")
def presence(atlas_module) -> dict:
    from chainatlas.pipeline.chains import chain_presence

    return {c: chain_presence(atlas_module, c) for c in CHAINS}


@pytest.fixture(scope="module")
def atlas_module(built_db):
    """The session's built small atlas (conftest: seed 7, generated, loaded with ``load_dir`` and built)."""
    from chainatlas.storage.base import open_backend

    with open_backend(built_db, read_only=True) as b:
        yield b


def test_every_segment_of_the_four_chains_has_producers(presence, demo_dir):
    manifest = json.loads((demo_dir / "dataset.json").read_text(encoding="utf-8"))
    cal = manifest["calibration"]
    tax = load_taxonomy()
    for c in CHAINS:
        segs = presence[c].segments.set_index("segment")
        assert list(segs.index) and set(segs.index) == set(
            tax.segments.loc[tax.segments["chain"] == c, "segment"]
        )
        assert presence[c].broken == [] and (segs["status"] != "no_data").all(), c
        by_firms = segs[segs["basis"] == "firms"]
        # a segment reached only through a partial industry class (6513*) holds partial members only
        producers = by_firms["n_firms"] + by_firms["partial_firms"]
        assert (producers >= 3).all() and (by_firms["n_cities"] >= 1).all(), c
        # 单点 only where the calibration puts it
        assert presence[c].single == [k.split(":")[1] for k in cal["single_city_segments"] if k.startswith(c)]
    ic = presence["ic"].segments.set_index("segment")
    # thin, not broken: 半导体设备 and 材料 in their 3 and 4 strong cities
    assert ic.loc["equipment", "n_cities"] == 3 and ic.loc["materials", "n_cities"] == 4
    assert ic.loc["equipment", "n_firms"] <= 6 and ic.loc["materials", "n_firms"] <= 8
    assert ic.loc["design", "n_firms"] > 4 * ic.loc["equipment", "n_firms"]
    assert presence["nev"].single == ["intelligent"]
    (city,) = cal["single_city_segments"].values()
    cells = presence["nev"].cells
    assert set(cells.loc[(cells["segment"] == "intelligent") & (cells["firms"] > 0), "unit"]) == {city}


def test_top_actors_of_a_chain_industry_layer_are_its_firms(atlas_module, demo_dir):
    """No grain, leather or building-material firm among the top new-energy-vehicle actors."""
    from chainatlas.pipeline.analyze import analyze

    tax = load_taxonomy()
    firms = pd.read_csv(demo_dir / "firms.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    industry = firms.set_index("credit_code")["industry_code"]
    for c in CHAINS:
        r = analyze(atlas_module, "actors", layer="industry", chain=c, parameters={"top": 20})
        top = r.data
        assert list(top["rank"]) == list(range(1, 21)), c
        assert {"entity_id", "name", "entity_type", "pagerank"} <= set(top.columns)
        assert (top["entity_type"] == "firm").all() and top["in_register"].all(), c
        codes = industry.reindex(top["entity_id"]).reset_index(drop=True)
        mapped = tax.segments_for_industry(codes)
        in_chain = set(mapped.loc[mapped["chain"] == c, "row"])
        assert in_chain == set(range(20)), (c, top.loc[sorted(set(range(20)) - in_chain), "name"].tolist())


def test_a_kind_over_the_file_limit_is_split_and_loads_whole(tmp_path, monkeypatch):
    """A kind with more rows than MAX_FILE_ROWS goes into kind-1, kind-2, … (the loader caps one file at
    CHAINATLAS_MAX_ROWS); the parts hold the rows of the one file in order, injected errors name their part and
    row, and load-dir stores every row."""
    from chainatlas.ingest import parse_file
    from chainatlas.pipeline.load import load_dir
    from chainatlas.storage.base import open_backend

    gen = importlib.import_module(
        "chainatlas.synth.generate"
    )  # the module (the package exports the function)

    whole = generate(tmp_path / "one", "small", 0)
    monkeypatch.setattr(gen, "MAX_FILE_ROWS", 1000)
    over = {kind for kind, rows in whole["rows"].items() if rows > 1000}
    split = generate(tmp_path / "parts", "small", 0)
    n = whole["rows"]["supply_links"]
    k = -(-n // 1000)
    info = split["files"]["supply_links"]
    assert info["parts"] == [f"supply_links-{p}.csv" for p in range(1, k + 1)]
    assert info["file"] == "supply_links-1.csv"
    assert {kind for kind, f in split["files"].items() if "parts" in f} == over

    def text(d: Path, name: str) -> pd.DataFrame:
        return pd.read_csv(d / name, dtype=str, keep_default_na=False)

    sizes = [len(text(tmp_path / "parts", f)) for f in info["parts"]]
    assert sizes == [(p + 1) * n // k - p * n // k for p in range(k)]
    joined = pd.concat([text(tmp_path / "parts", f) for f in info["parts"]], ignore_index=True)
    pd.testing.assert_frame_equal(joined, text(tmp_path / "one", "supply_links.csv"))
    with open_backend(tmp_path / "a.duckdb") as b:
        load_dir(b, tmp_path / "parts")
        assert len(b.execute(b.table("raw_supply_links"))) == n

    # an injected error is reported by the loader in the part and at the row the manifest names
    bad = generate(tmp_path / "bad", "small", 0, inject_errors=10)
    planned = [i for i in bad["injected_errors"] if i["kind"] == "supply_links"]
    assert planned and all(i["file"].startswith("supply_links-") for i in planned)
    for i in planned:
        found = {(e.row, e.column) for e in parse_file("supply_links", tmp_path / "bad" / i["file"]).errors}
        assert (i["row"], i["column"]) in found


def test_match_truth_pairs_share_segment_and_object(small):
    """The labelled answers of matching: each pair's expert works in the need's segment on the need's technical
    object (the word between 寻求 and 方面 of the need's description, the second of the expert's keywords), and
    every such expert of a labelled need is listed."""
    d, manifest, _ = small
    info = manifest["calibration"]["match_truth"]
    truth = pd.read_csv(d / info["file"], dtype=str, encoding="utf-8-sig")
    assert list(truth.columns) == ["需求编号", "人员编号"] and len(truth) == info["pairs"] > 0
    needs = read(d, manifest, "needs").set_index("need_id")
    experts = read(d, manifest, "experts").set_index("expert_id")
    obj = needs["description"].str.extract(r"寻求(.+?)方面", expand=False)
    assert obj.notna().all()
    direction = experts["keywords"].str.split(";").str[1]
    pairs = truth.join(needs[["segment"]], on="需求编号").join(
        experts[["segment"]].assign(direction=direction).add_suffix("_x"), on="人员编号"
    )
    assert (pairs["segment"] == pairs["segment_x"]).all()
    assert (pairs["direction_x"] == obj.reindex(pairs["需求编号"]).to_numpy()).all()
    # complete: for the labelled needs, no expert of the same segment and object is missing
    labelled = needs.loc[truth["需求编号"].unique()]
    want = (
        labelled.assign(obj=obj)
        .reset_index()
        .merge(
            experts.assign(direction=direction).reset_index(),
            left_on=["segment", "obj"],
            right_on=["segment", "direction"],
        )
    )
    assert len(want) == len(truth) and truth["需求编号"].nunique() == info["needs"]
