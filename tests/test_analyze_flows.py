"""``path`` and ``io`` topics (pipeline.flows) on the small synthetic atlas, checked against the raw records.

Independent numbers come from SQL on the raw tables (``atlas.con``), not from ``facts``/``layer_edges``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainatlas.analytics import io, paths
from chainatlas.errors import ConfigError
from chainatlas.pipeline import analyze as an
from chainatlas.pipeline.analyze import topics_flows as flows

PERIOD = 2024
CHAIN = "bio"
DEST = [f"share_{d}" for d in paths.DESTINATIONS]


def _sql(atlas, q: str) -> pd.DataFrame:
    return atlas.con.execute(q).df()


def _path(atlas, scale: str = "city", chain: str = CHAIN, **kw):
    return flows.path(atlas, scale=scale, period=PERIOD, chain=chain, segment="*", **kw)


def _io(atlas, chain: str = CHAIN, **kw):
    return flows.io_topic(atlas, scale="city", period=PERIOD, chain=chain, segment="*", **kw)


# ================================================================================================ path
#: raw transfers of the chain in a year: main IPC of the patent → segment (every synthetic transfer has a patent)
RAW_TRANSFERS = """
    SELECT t.transfer_id, t.transfer_type, t.date, t.from_adcode, t.to_adcode, p.application_date, s.segment
    FROM raw_patent_transfers t
    JOIN raw_patents p USING (patent_id)
    JOIN seg_lookup s ON s.ck_type = 'i' AND s.ck = trim(split_part(p.ipc, ';', 1)) AND s.chain = '{chain}'
    WHERE {where}
"""


def test_path_conserves_transfers_and_stages(atlas) -> None:
    data, s = _path(atlas)
    raw = _sql(atlas, RAW_TRANSFERS.format(chain=CHAIN, where=f"t.year = {PERIOD}"))
    assert len(raw) > 5  # enough records for the checks below to mean something
    assert s["transfers_unplaced"] == 0
    assert data["transfers_total"].sum() == pytest.approx(len(raw)) == s["totals"]["transfers_total"]
    assert data["licences"].sum() == (raw["transfer_type"] == "license").sum()
    by_seg = data.groupby("segment")["transfers_total"].sum()
    assert by_seg[by_seg > 0].to_dict() == pytest.approx(
        raw.groupby("segment").size().astype(float).to_dict()
    )
    # origin: the transferor's city (adcode → city of its county)
    cities = _sql(atlas, "SELECT adcode, unit FROM scale_units WHERE scale = 'city'").set_index("adcode")[
        "unit"
    ]
    by_city = raw["from_adcode"].map(cities).value_counts()
    got = data.groupby("unit")["transfers_total"].sum()
    assert got[got > 0].sort_index().to_dict() == pytest.approx(by_city.sort_index().astype(float).to_dict())
    # patents and firms per segment are the atlas's node attributes; papers are the place's (all fields)
    na = _sql(
        atlas,
        f"SELECT attr, sum(value) v FROM node_attrs WHERE scale = 'region' AND year = {PERIOD} AND "
        f"((chain = '{CHAIN}' AND segment = '*' AND attr IN ('patents', 'firms', 'exports')) "
        f"OR (chain = '*' AND segment = '*' AND attr = 'papers')) GROUP BY attr",
    ).set_index("attr")["v"]
    for stage in ("patents", "firms", "exports", "papers"):
        assert s["totals"][stage] == pytest.approx(na[stage])
    assert data.groupby("unit")["papers"].nunique().max() == 1  # same knowledge base in every segment
    assert "no field → chain concordance" in s["papers_note"]
    # conversion rates: row by row and region-wide
    row = data[(data["papers"] > 0) & (data["patents"] > 0)].iloc[0]
    assert row["patents_per_paper"] == pytest.approx(row["patents"] / row["papers"])
    assert np.isnan(data.loc[data["patents"] == 0, "transfers_per_patent"]).all()
    assert s["rates"]["transfers_per_patent"] == pytest.approx(len(raw) / na["patents"])
    assert s["rates"]["exports_per_firm"] == pytest.approx(na["exports"] / na["firms"])
    assert 0 <= s["rates"]["producer_share"] <= 1
    assert not data.duplicated(["segment", "unit"]).any() and data["name_zh"].notna().all()


def test_path_destination_shares(atlas) -> None:
    data, s = _path(atlas)
    moved = data[data["transfers_total"] > 0]
    assert moved[DEST].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert data.loc[data["transfers_total"] == 0, DEST].isna().all().all()
    assert sum(s["destinations"]["shares"].values()) == pytest.approx(1.0)
    # by hand from the raw adcodes: same city / same province / other YRD province / unknown
    raw = _sql(atlas, RAW_TRANSFERS.format(chain=CHAIN, where=f"t.year = {PERIOD}"))
    pl = _sql(atlas, "SELECT adcode, city_adcode, province_adcode FROM places").set_index("adcode")
    fc, fp = raw["from_adcode"].map(pl["city_adcode"]), raw["from_adcode"].map(pl["province_adcode"])
    tc, tp = raw["to_adcode"].map(pl["city_adcode"]), raw["to_adcode"].map(pl["province_adcode"])
    hand = {
        "same_city": (tc == fc).mean(),
        "same_province": ((tp == fp) & (tc != fc)).mean(),
        "other_yrd_province": (tp.notna() & (tp != fp)).mean(),
        "outside_yrd": tp.isna().mean(),
    }
    assert s["destinations"]["shares"] == pytest.approx(hand)
    top = s["destinations"]["top_destination_cities"][0]
    assert top["n"] == tc.value_counts().max()


def test_path_lags(atlas) -> None:
    _, s = _path(atlas)
    lag = s["lags"]["patents->transfers"]
    assert lag["method"].startswith("records")
    raw = _sql(atlas, RAW_TRANSFERS.format(chain=CHAIN, where=f"t.year <= {PERIOD}"))
    years = (pd.to_datetime(raw["date"]) - pd.to_datetime(raw["application_date"])).dt.days / 365.25
    assert lag["n"] == len(raw) and lag["median"] == pytest.approx(years.median())
    assert lag["mean"] == pytest.approx(years.mean()) and lag["p75"] == pytest.approx(years.quantile(0.75))
    for seg, g in years.groupby(raw["segment"]):
        assert lag["by_segment"][seg]["median"] == pytest.approx(g.median())
    # the stages that cannot be linked: lead of the region's yearly series (first differences)
    built = _sql(atlas, "SELECT year FROM builds ORDER BY year")["year"].astype(int).tolist()
    ser = _sql(
        atlas,
        f"SELECT attr, year, sum(value) v FROM node_attrs WHERE scale = 'region' AND "
        f"((chain = '{CHAIN}' AND segment = '*' AND attr = 'patents') OR "
        f"(chain = '*' AND segment = '*' AND attr = 'papers')) GROUP BY ALL",
    )
    ser = ser.pivot_table(index="year", columns="attr", values="v").reindex(built).fillna(0.0)
    pp = s["lags"]["papers->patents"]
    assert pp["method"].startswith("series") and pp["lag"] in (0, 1, 2, 3)
    dx, dy = np.diff(ser["papers"].to_numpy()), np.diff(ser["patents"].to_numpy())
    for k, r in pp["r_by_lag"].items():
        assert r == pytest.approx(np.corrcoef(dx[: len(dx) - k], dy[k:])[0, 1])
    assert pp["r"] == max(pp["r_by_lag"].values())
    assert {"transfers->firms", "firms->exports"} <= set(s["lags"])


def test_path_province_scale_adds_up(atlas) -> None:
    city, _ = _path(atlas)
    prov, s = _path(atlas, scale="province")
    assert set(prov["unit"]) <= {"310000", "320000", "330000", "340000"}
    assert prov["transfers_total"].sum() == pytest.approx(city["transfers_total"].sum())
    assert s["totals"]["patents"] == pytest.approx(_path(atlas)[1]["totals"]["patents"])


def test_path_errors(atlas) -> None:
    with pytest.raises(ConfigError, match="^chain: needs one chain"):
        _path(atlas, chain="*")
    with pytest.raises(ConfigError, match="^chain: unknown chain 'nope'"):
        _path(atlas, chain="nope")
    with pytest.raises(ConfigError, match="^scale: topic 'path' works at scale city or province"):
        _path(atlas, scale="county")


# ================================================================================================ io
#: raw supply links of the chain: supplier segment from the record (chain/segment, else HS-6, else the supplier's
#: industry), customer segment from the customer's industry; both must be in the chain
RAW_Z = f"""
    SELECT sum(l.value) v FROM raw_supply_links l
    LEFT JOIN seg_lookup h ON h.ck_type = 'h' AND h.ck = substr(l.hs_code, 1, 6) AND h.chain = '{CHAIN}'
    LEFT JOIN seg_lookup e ON e.ck_type = 'e' AND e.ck = l.supplier_code AND e.chain = '{CHAIN}'
    JOIN seg_lookup c ON c.ck_type = 'e' AND c.ck = l.customer_code AND c.chain = '{CHAIN}'
    WHERE l.year = {PERIOD} AND CASE WHEN l.chain IS NOT NULL THEN l.chain = '{CHAIN}'
                                     WHEN l.hs_code IS NOT NULL THEN h.segment IS NOT NULL
                                     ELSE e.segment IS NOT NULL END
"""


def test_io_table_from_raw_links(atlas) -> None:
    tab = flows.io_table(atlas, chain=CHAIN, scale="city", period=PERIOD)
    Z, x = tab.Z, tab.x
    assert float(Z.to_numpy().sum()) == pytest.approx(float(_sql(atlas, RAW_Z)["v"].iloc[0]))
    assert Z.index.equals(Z.columns) and (Z.to_numpy() >= 0).all()
    assert (x >= tab.revenue).all() and (x >= Z.sum(axis=1)).all() and (x >= Z.sum(axis=0)).all()
    assert tab.raised.sum() == (x > tab.revenue).sum()
    rev = _sql(
        atlas,
        f"SELECT sum(value) v FROM node_attrs WHERE scale = 'city' AND year = {PERIOD} AND "
        f"chain = '{CHAIN}' AND segment <> '*' AND attr = 'revenue'",
    )["v"].iloc[0]
    assert tab.revenue.sum() == pytest.approx(rev)


def test_io_leontief_ghosh_and_linkages(atlas) -> None:
    data, s = _io(atlas)
    tab = flows.io_table(atlas, chain=CHAIN, scale="city", period=PERIOD)
    Z, x = tab.Z.to_numpy(), tab.x.to_numpy()
    n = len(x)
    A = Z / x[None, :]
    L = np.linalg.inv(np.eye(n) - A)
    assert (np.eye(n) - A) @ io.calc_L(io.calc_A(tab.Z, tab.x)).to_numpy() == pytest.approx(
        np.eye(n), abs=1e-9
    )
    y = x - Z.sum(axis=1)
    assert L @ y == pytest.approx(x, rel=1e-9)
    B = Z / x[:, None]
    G = np.linalg.inv(np.eye(n) - B)
    v = x - Z.sum(axis=0)
    assert v @ G == pytest.approx(x, rel=1e-9)  # Ghosh: x' = v'G
    assert s["n_sectors"] == n == len(data) and s["total_Z"] == pytest.approx(Z.sum())
    assert data["backward_total"].to_numpy() == pytest.approx(L.sum(axis=0))
    assert data["forward_total"].to_numpy() == pytest.approx(G.sum(axis=1))
    assert data["backward_index"].mean() == pytest.approx(1.0)  # Rasmussen: normalised by the mean
    assert data["forward_index"].mean() == pytest.approx(1.0)
    key = (data["backward_index"] > 1) & (data["forward_index"] > 1)
    assert (data["key_sector"] == key).all() and s["n_key_sectors"] == key.sum()
    assert s["n_x_raised"] == data["x_raised"].sum() and "raised for" in s["aggregation"]
    assert data["name_zh"].notna().all() and not data.duplicated(["unit", "segment"]).any()


@pytest.mark.parametrize("kind", ["place", "segment", "place:segment"])
def test_io_extraction(atlas, kind: str) -> None:
    tab = flows.io_table(atlas, chain=CHAIN, scale="city", period=PERIOD)
    big_unit, big_seg = tab.x.idxmax()
    extract = {"place": big_unit, "segment": big_seg, "place:segment": f"{big_unit}:{big_seg}"}[kind]
    data, s = _io(atlas, extract=extract)
    e = s["extraction"]
    labels = list(tab.x.index)
    gone = np.array(
        [
            (kind == "place" and u == big_unit)
            or (kind == "segment" and g == big_seg)
            or (u, g) == (big_unit, big_seg)
            for u, g in labels
        ]
    )
    assert sorted(e["sectors"]) == sorted(f"{u}:{g}" for (u, g), m in zip(labels, gone) if m)
    # direct recomputation: the extracted sectors vanish (rows, columns and final demand)
    Z, x = tab.Z.to_numpy(), tab.x.to_numpy()
    A = Z / x[None, :]
    keep = ~gone
    y = x - Z.sum(axis=1)
    xbar = np.linalg.solve(np.eye(keep.sum()) - A[np.ix_(keep, keep)], y[keep])
    assert e["loss"] == pytest.approx(x.sum() - xbar.sum())
    assert e["loss_share"] == pytest.approx(e["loss"] / x.sum())
    assert e["loss_outside"] == pytest.approx((x[keep] - xbar).sum())
    assert data["loss"].to_numpy() == pytest.approx(data["x"] - data["x_extracted"])
    assert data["loss"].sum() == pytest.approx(e["loss"])
    losers = [t["loss"] for t in e["top_losers"]]
    assert losers == sorted(losers, reverse=True) and all(v > 0 for v in losers)


def test_io_errors(atlas) -> None:
    with pytest.raises(ConfigError, match="^chain: needs one chain"):
        _io(atlas, chain="*")
    with pytest.raises(ConfigError, match="^extract: 'nowhere' matches no sector"):
        _io(atlas, extract="nowhere")
    with pytest.raises(ConfigError, match="^scale: topic 'io' works at scale city or province"):
        flows.io_topic(atlas, scale="region", period=PERIOD, chain=CHAIN, segment="*")


def test_records_with_a_chain_but_no_segment_make_no_unnamed_sector(built_db, demo_dir, tmp_path) -> None:
    """A supply link tagged only 'bio' (no segment) counts in the chain total, not as a sector of its own."""
    import shutil

    from chainatlas.pipeline.build import build
    from chainatlas.pipeline.load import ingest_files
    from chainatlas.storage.base import open_backend

    db = tmp_path / "copy.duckdb"
    shutil.copy(built_db, db)
    src = pd.read_csv(demo_dir / "supply_links.csv", dtype=str, encoding="utf-8-sig")
    rows = src[src["chain"] == "bio"].head(20).copy()
    rows["period"], rows["segment"], rows["hs_code"] = "2024", None, None
    rows["supplier_code"] = rows["supplier_code"].to_numpy()[::-1]  # new (supplier, customer, period) keys
    rows = rows.drop_duplicates(["supplier_code", "customer_code"])
    path = tmp_path / "supply_links_chain_only.csv"
    rows.to_csv(path, index=False)
    with open_backend(db) as b:
        ingest_files(b, [("supply_links", path)])
        build(b)
        added = b.sql("SELECT count(*) AS c FROM facts WHERE source = 'supply_links' AND ck = 'bio:'")[
            "c"
        ].iloc[0]
        assert added == len(rows)  # the links are in the atlas, assigned to the chain only
        tab = flows.io_table(b, chain="bio", scale="city", period=2024)
        assert "" not in set(tab.Z.index.get_level_values(-1)) | set(tab.Z.columns.get_level_values(-1))
        sup = an.analyze(b, "chains", chain="bio", period=2024).summary["segments"]
        assert "" not in sup
