"""Naive pandas implementation of the layer build — the benchmark's baseline.

It computes the same edge facts as ``chainatlas.pipeline.facts.edge_facts`` (same sources, same
party resolution by code then unique normalised name, same fractional pair weights, same chain
assignment) and aggregates them to every scale the straightforward way: join each fact to the
units of each scale and group. It is what one would write first in pandas; it is not used by the
product. ``bench_core.py`` checks that its layer totals equal the product's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chainatlas.model.layers import SCALES


def _resolve(
    df: pd.DataFrame,
    firms: pd.DataFrame,
    names: pd.DataFrame,
    code: str,
    adcode: str | None,
    norm: str | None,
    out: str,
) -> pd.DataFrame:
    j = df.merge(
        firms.rename(columns={"entity_id": "_eid", "adcode": "_e_adcode", "entity_type": "_e_type"}),
        left_on=code,
        right_on="_eid",
        how="left",
    )
    place = j[adcode] if adcode else pd.Series(pd.NA, index=j.index, dtype="string")
    if norm is not None:
        j = j.merge(names, left_on=norm, right_on="name_norm", how="left", suffixes=("", "_n"))
        eid = j[code].fillna(j["_n_eid"]).fillna("N:" + j[norm].astype("string"))
        place = (j[adcode] if adcode else place).fillna(j["_e_adcode"]).fillna(j["_n_adcode"])
        etype = j["_e_type"].fillna(j["_n_type"])
    else:
        eid = j[code]
        place = place.fillna(j["_e_adcode"]) if adcode else j["_e_adcode"]
        etype = j["_e_type"]
    j[f"{out}_eid"], j[f"{out}_place"], j[f"{out}_type"] = eid, place, etype
    return j.drop(
        columns=[
            c
            for c in ("_eid", "_e_adcode", "_e_type", "name_norm", "_n_eid", "_n_adcode", "_n_type")
            if c in j.columns
        ]
    )


def _edge(j: pd.DataFrame, layer, source, src, dst, sa, da, n, value, ck_type, ck) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": layer,
            "source": source,
            "year": j["year"].to_numpy(),
            "src": src,
            "dst": dst,
            "src_adcode": sa,
            "dst_adcode": da,
            "n": n,
            "value": value,
            "ck_type": ck_type,
            "ck": ck,
        },
        index=j.index,
    )


def _ipc_main(s: pd.Series) -> pd.Series:
    return s.str.split(";").str[0].str.strip()


def _pairs(p: pd.DataFrame) -> pd.DataFrame:
    j = p.merge(p, on="record_id", suffixes=("", "_b"))
    j = j[j["seq"] < j["seq_b"]]
    k = j["n_parties"].astype(float)
    return pd.DataFrame(
        {
            "record_id": j["record_id"],
            "year": j["year"],
            "a_eid": j["p_eid"],
            "b_eid": j["p_eid_b"],
            "a_place": j["p_place"],
            "b_place": j["p_place_b"],
            "a_type": j["p_type"],
            "b_type": j["p_type_b"],
            "n": 2.0 / (k * (k - 1.0)),
        }
    )


def edge_facts(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    f = raw["raw_firms"]
    firms = pd.DataFrame(
        {"entity_id": f["credit_code"], "adcode": f["adcode"], "entity_type": f["entity_type"].fillna("firm")}
    )
    nn = (
        f.assign(entity_type=f["entity_type"].fillna("firm"))
        .groupby("name_norm")
        .agg(
            _c=("credit_code", "count"),
            _n_eid=("credit_code", "max"),
            _n_adcode=("adcode", "max"),
            _n_type=("entity_type", "max"),
        )
    )
    names = nn[nn["_c"] == 1].drop(columns="_c").reset_index()
    R = lambda df, code, adc, norm, out: _resolve(df, firms, names, code, adc, norm, out)
    parts = []
    fl = raw["raw_flows"]
    parts.append(
        _edge(
            fl,
            "symbiosis",
            "flows." + fl["flow_type"],
            fl["origin"],
            fl["destination"],
            fl["origin"],
            fl["destination"],
            1.0,
            fl["value"],
            "-",
            None,
        )
    )
    al = R(raw["raw_alliances"], "member_code", "member_adcode", "member_norm", "m")
    al["year"] = al["year"].fillna(int(raw["_first_year"]))
    ap = al.merge(al, on="alliance_id", suffixes=("", "_r"))
    ap = ap[ap["m_eid"] < ap["m_eid_r"]].copy()
    ap["year"] = np.maximum(ap["year"], ap["year_r"])
    parts.append(
        _edge(
            ap,
            "symbiosis",
            "alliances",
            ap["m_eid"],
            ap["m_eid_r"],
            ap["m_place"],
            ap["m_place_r"],
            1.0,
            0.0,
            "x",
            ap["chain"] + ":",
        )
    )
    pp = {}
    for kind in ("papers", "patents"):
        p = R(raw[f"raw_{kind}_parties"], "code", "adcode", "name_norm", "p")
        pp[kind] = _pairs(p)
    pa = pp["papers"]
    parts.append(
        _edge(pa, "knowledge", "papers", pa.a_eid, pa.b_eid, pa.a_place, pa.b_place, pa.n, 0.0, "-", None)
    )
    pats = raw["raw_patents"][["patent_id", "ipc"]].rename(columns={"patent_id": "record_id"})
    pt = pp["patents"].merge(pats, on="record_id")
    pt["ck"] = _ipc_main(pt["ipc"])
    acad = pt.a_type.isin(["university", "institute"]) & (pt.b_type == "firm") | pt.b_type.isin(
        ["university", "institute"]
    ) & (pt.a_type == "firm")
    uf = pt[acad]
    parts.append(
        _edge(
            uf,
            "knowledge",
            "patents.univ_firm",
            uf.a_eid,
            uf.b_eid,
            uf.a_place,
            uf.b_place,
            uf.n,
            0.0,
            "i",
            uf.ck,
        )
    )
    parts.append(
        _edge(pt, "innovation", "patents", pt.a_eid, pt.b_eid, pt.a_place, pt.b_place, pt.n, 0.0, "i", pt.ck)
    )
    tr = R(raw["raw_patent_transfers"], "from_code", "from_adcode", "from_norm", "a")
    tr = R(tr, "to_code", "to_adcode", "to_norm", "b").merge(
        pats.rename(columns={"record_id": "patent_id"}), on="patent_id", how="left"
    )
    has = tr["ipc"].notna()
    parts.append(
        _edge(
            tr,
            "innovation",
            "patent_transfers." + tr["transfer_type"],
            tr.a_eid,
            tr.b_eid,
            tr.a_place,
            tr.b_place,
            1.0,
            tr["value"].fillna(0.0),
            np.where(has, "i", "e"),
            _ipc_main(tr["ipc"]).where(has, tr.a_eid),
        )
    )
    tc = R(raw["raw_tech_contracts"], "seller_code", "seller_adcode", "seller_norm", "a")
    tc = R(tc, "buyer_code", "buyer_adcode", "buyer_norm", "b")
    x = tc["chain"].notna()
    parts.append(
        _edge(
            tc,
            "innovation",
            "tech_contracts." + tc["contract_type"],
            tc.a_eid,
            tc.b_eid,
            tc.a_place,
            tc.b_place,
            1.0,
            tc["value"],
            np.where(x, "x", "e"),
            (tc["chain"] + ":" + tc["segment"].fillna("")).where(x, tc.a_eid),
        )
    )
    sl = R(raw["raw_supply_links"], "supplier_code", None, None, "a")
    sl = R(sl, "customer_code", None, None, "b")
    x, h = sl["chain"].notna(), sl["hs_code"].notna()
    ck = np.where(
        x, sl["chain"] + ":" + sl["segment"].fillna(""), np.where(h, sl["hs_code"].str[:6], sl.a_eid)
    )
    parts.append(
        _edge(
            sl,
            "industry",
            "supply_links",
            sl.a_eid,
            sl.b_eid,
            sl.a_place,
            sl.b_place,
            1.0,
            sl["value"],
            np.where(x, "x", np.where(h, "h", "e")),
            ck,
        )
    )
    iv = R(raw["raw_investments"], "investor_code", None, None, "a")
    iv = R(iv, "investee_code", None, None, "b")
    parts.append(
        _edge(
            iv,
            np.where(iv["invest_type"].isin(["equity", "fund"]), "value", "industry"),
            "investments." + iv["invest_type"],
            iv.a_eid,
            iv.b_eid,
            iv.a_place,
            iv.b_place,
            1.0,
            iv["amount"].fillna(0.0),
            "e",
            iv.b_eid,
        )
    )
    en = raw["raw_enclaves"]
    parts.append(
        _edge(
            en,
            "industry",
            "enclaves",
            en["origin_adcode"],
            en["host_adcode"],
            en["origin_adcode"],
            en["host_adcode"],
            1.0,
            en["output"].fillna(0.0),
            "-",
            None,
        )
    )
    sv = R(raw["raw_services"], "provider_code", "provider_adcode", "provider_norm", "a")
    sv = R(sv, "user_code", "user_adcode", "user_norm", "b")
    parts.append(
        _edge(
            sv,
            "service",
            "services." + sv["service_type"],
            sv.a_eid,
            sv.b_eid,
            sv.a_place,
            sv.b_place,
            1.0,
            sv["value"],
            "e",
            sv.b_eid,
        )
    )
    tx = raw["raw_tax"]
    tx = R(tx[tx["shared_to_adcode"].notna()], "credit_code", "adcode", None, "a")
    parts.append(
        _edge(
            tx,
            "value",
            "tax_sharing",
            tx.a_eid,
            tx["shared_to_adcode"],
            tx.a_place,
            tx["shared_to_adcode"],
            1.0,
            tx["tax_paid"] * tx["share_pct"].fillna(0.0) / 100.0,
            "e",
            tx.a_eid,
        )
    )
    return pd.concat(parts, ignore_index=True)


def layer_edges(facts: pd.DataFrame, lookup: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    facts = facts[facts["src_adcode"].notna() & facts["dst_adcode"].notna()]
    star = facts.assign(chain="*", segment="*")
    chained = facts.merge(lookup, on=["ck_type", "ck"])
    f = pd.concat([star, chained], ignore_index=True).drop(columns=["src", "dst"])
    out = []
    keys = ["layer", "source", "year", "chain", "segment", "src", "dst"]
    for scale in SCALES:
        u = units[units["scale"] == scale]
        j = f.merge(
            u.rename(columns={"adcode": "src_adcode", "unit": "src"})[["src_adcode", "src"]], on="src_adcode"
        )
        j = j.merge(
            u.rename(columns={"adcode": "dst_adcode", "unit": "dst"})[["dst_adcode", "dst"]], on="dst_adcode"
        )
        g = j.groupby(keys, as_index=False)[["n", "value"]].sum()
        tot = (
            g[g["chain"] != "*"]
            .groupby([k for k in keys if k != "segment"], as_index=False)[["n", "value"]]
            .sum()
        )
        out += [g.assign(scale=scale), tot.assign(segment="*", scale=scale)]
    return pd.concat(out, ignore_index=True)
