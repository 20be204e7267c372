"""Naive pandas implementation of the layer build — the benchmark's baseline.

It computes the same edge facts as ``chainatlas.pipeline.facts.edge_facts`` and aggregates them to every scale
the straightforward way: merges and groupbys on in-memory frames, each fact joined to the units of each scale.
It is what one would write first in pandas; it is not used by the product. ``bench_core.py`` checks that its
layer totals (``sum(n)`` of the all-chains rows per layer and scale) equal the product's.

What it reproduces, source by source (every source of ``edge_facts``):

- the entity register from ``raw_firms``: the latest row per credit code, plus the rows without a code linked by
  name (:func:`chainatlas.model.names.link_named_entities`, itself pandas), and the names that identify one
  entity atlas-wide, in a city or in a province;
- the party resolution of ``Resolver``: by credit code, else by normalised name — the only entity with the name,
  else the only one in the record's city, else in its province, the places compatible (a record that has a code
  matches by name only an entity without one) — else the record's code, else ``N:<name>``; the place is the
  record's own adcode, else the entity's;
- symbiosis: flows (a zero volume is no tie; ``n`` = ``value`` = the volume; a symmetric flow between two places
  is half its volume each way) and alliance co-membership (undated members from the first loaded year);
- knowledge and innovation: paper and patent co-applicant pairs (2/(k(k-1)) each), university/institute–firm
  patents, patent transfers (main IPC, else the seller), technology contracts, open calls' tasks done and
  outcomes (winning team members → the posting place, ``n`` ÷ the team's size);
- industry and value: supply links (resolved by code, else name), investments (equity and funds: value),
  enclaves (output) and the origin's enclave funding, enclave operator equity, tax sharing;
- service: services and redeemed innovation vouchers.

Inputs: ``raw`` maps the table names of :data:`RAW_TABLES` to frames, plus ``_first_year`` (the first loaded
year). A table missing from ``raw`` contributes no facts (see :data:`NEWER_TABLES`): given only the first 13
tables (those of before open calls, vouchers and enclave equity), the ``symbiosis``, ``knowledge`` and
``industry`` layers still equal the product's, while ``innovation`` lacks the open calls, ``service`` the
vouchers and ``value`` the enclave equity. With every table of :data:`RAW_TABLES` all six layers equal the
product's row for row (checked on ``medium``, 2023–2024: every layer edge's ``n``, ``value`` and ``n_valued``).
Amounts unknown stay unknown (NaN, not 0), as in the product. Timing: the register and the names are derived
from ``raw_firms`` inside :func:`edge_facts`, which the product does in its ``reference`` step (not timed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chainatlas.model.layers import SCALES
from chainatlas.model.names import link_named_entities, place_keys

#: the tables the baseline reads (``raw_<kind>``); their frames come from the atlas as stored
RAW_TABLES = (
    "raw_firms",
    "raw_flows",
    "raw_alliances",
    "raw_papers_parties",
    "raw_patents_parties",
    "raw_patents",
    "raw_patent_transfers",
    "raw_tech_contracts",
    "raw_supply_links",
    "raw_investments",
    "raw_enclaves",
    "raw_services",
    "raw_tax",
    "raw_vouchers",
    "raw_enclave_shareholders",
    "raw_open_calls",
    "raw_open_call_bids",
    "raw_open_call_tasks",
    "raw_open_call_outcomes",
)
#: tables added to the product after the first version of this baseline: without them the sources they feed
#: (vouchers → service, enclave equity → value, open calls → innovation) are left out
NEWER_TABLES = RAW_TABLES[13:]
#: tables to pass whole when a benchmark limits the years (the product reads them whole: the register, alliance
#: members, the patents' IPC, the enclaves' latest host and operator, the calls and their teams); filter the facts
UNDATED_TABLES = (
    "raw_firms",
    "raw_alliances",
    "raw_patents",
    "raw_enclaves",
    "raw_open_calls",
    "raw_open_call_bids",
)

_ACADEMIC = ["university", "institute"]


# ----------------------------------------------------------------------------------------- the register


def _register(firms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The entities (``entity_id, name_norm, adcode, entity_type``) and the names that identify one of them."""
    f = firms.assign(entity_type=firms["entity_type"].fillna("firm"))
    cols = ["entity_id", "name_norm", "adcode", "entity_type"]
    coded = (
        f[f["credit_code"].notna()]
        .sort_values(["batch_id", "row_number"])
        .drop_duplicates("credit_code", keep="last")
        .rename(columns={"credit_code": "entity_id"})[cols]
    )
    named = f[f["credit_code"].isna() & f["name_norm"].notna()]
    if len(named):
        named = named.assign(order=named["batch_id"].astype("int64") * 10_000_000_000 + named["row_number"])
        named = named[["name_norm", "adcode", "entity_type", "order"]]
        match = coded[coded["name_norm"].isin(named["name_norm"])][["entity_id", "name_norm", "adcode"]]
        linked, _ = link_named_entities(named, match)
        ent = pd.concat([coded, linked[cols]], ignore_index=True)
    else:
        ent = coded.reset_index(drop=True)

    # names that identify one entity: atlas-wide, in a city (4 digits), in a province (2 digits)
    e = ent[ent["name_norm"].notna()]
    prov, city = place_keys(e["adcode"])
    e = e.assign(_pv=prov.to_numpy(), _ct=city.to_numpy())
    names = []
    for scope, key in (("name", None), ("city", "_ct"), ("prov", "_pv")):
        keys = ["name_norm"] + ([key] if key else [])
        src = e if key is None else e[e[key].notna()]
        g = src.groupby(keys, as_index=False).agg(
            _k=("entity_id", "count"),
            _n_eid=("entity_id", "max"),
            _n_adcode=("adcode", "max"),
            _n_type=("entity_type", "max"),
        )
        g = g[g["_k"] == 1]
        names.append(
            pd.DataFrame(
                {
                    "name_norm": g["name_norm"],
                    "scope": scope,
                    "place_key": g[key] if key else np.nan,
                    "_n_eid": g["_n_eid"],
                    "_n_adcode": g["_n_adcode"],
                    "_n_type": g["_n_type"],
                }
            )
        )
    return ent, pd.concat(names, ignore_index=True)


def _resolve(
    df: pd.DataFrame,
    ent: pd.DataFrame,
    names: pd.DataFrame,
    code: str,
    adcode: str | None,
    norm: str | None,
    out: str,
) -> pd.DataFrame:
    """Add ``<out>_eid``, ``<out>_place`` and ``<out>_type`` to ``df`` (the rules of ``facts.Resolver``)."""
    reg = ent.rename(columns={"entity_id": "_eid", "adcode": "_e_adcode", "entity_type": "_e_type"})
    j = df.merge(reg[["_eid", "_e_adcode", "_e_type"]], left_on=code, right_on="_eid", how="left")
    own = j[adcode] if adcode else pd.Series(np.nan, index=j.index, dtype="str")
    if norm is None:
        eid, place, etype = j[code], own.fillna(j["_e_adcode"]), j["_e_type"]
        helpers = ["_eid", "_e_adcode", "_e_type"]
    else:
        pv, ct = place_keys(own)
        j = j.assign(_r_pv=pv.to_numpy(), _r_ct=ct.to_numpy())
        conds, helpers = [], ["_eid", "_e_adcode", "_e_type", "_r_pv", "_r_ct"]
        for scope, key in (("name", None), ("city", "_r_ct"), ("prov", "_r_pv")):
            nm = names[names["scope"] == scope]
            nm = nm.rename(columns={c: f"{c}_{scope}" for c in ("_n_eid", "_n_adcode", "_n_type")})
            nm = nm.rename(columns={"name_norm": "_nn", "place_key": "_pk"}).drop(columns="scope")
            if key is None:
                j = j.merge(nm.drop(columns="_pk"), left_on=norm, right_on="_nn", how="left")
            else:
                j = j.merge(nm, left_on=[norm, key], right_on=["_nn", "_pk"], how="left").drop(columns="_pk")
            j = j.drop(columns="_nn")
            ea, n_eid = j[f"_n_adcode_{scope}"], j[f"_n_eid_{scope}"]
            epv, ect = place_keys(ea)
            near = (j["_r_pv"] == epv) & (j["_r_ct"].isna() | ect.isna() | (j["_r_ct"] == ect))
            ok = n_eid.notna() & ((own.isna() | ea.isna() | near) if adcode else True)
            # a record with a code of its own matches by name only an entity that has none
            ok = ok & (j[code].isna() | n_eid.str.startswith("N:").fillna(False))
            conds.append((ok.fillna(False).astype(bool).to_numpy(), scope))
            helpers += [f"{c}_{scope}" for c in ("_n_eid", "_n_adcode", "_n_type")]

        def pick(col: str) -> pd.Series:
            choice = np.select(
                [c for c, _ in conds], [j[f"{col}_{s}"].to_numpy(object) for _, s in conds], None
            )
            return pd.Series(choice, index=j.index, dtype="str")

        eid = j["_eid"].fillna(pick("_n_eid")).fillna(j[code]).fillna("N:" + j[norm])
        place = (own if adcode else j["_e_adcode"]).fillna(j["_e_adcode"]).fillna(pick("_n_adcode"))
        etype = j["_e_type"].fillna(pick("_n_type"))
    j[f"{out}_eid"], j[f"{out}_place"], j[f"{out}_type"] = eid, place, etype
    return j.drop(columns=helpers)


# ------------------------------------------------------------------------------------------------ facts


def _edge(j: pd.DataFrame, layer, source, src, dst, sa, da, n, value, ck_type, ck) -> pd.DataFrame:
    """One edge fact per row of ``j``; arguments are columns of ``j`` or constants (``None`` = unknown)."""
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
            "value": np.nan if value is None else value,
            "ck_type": ck_type,
            "ck": ck,
        },
        index=j.index,
    ).astype({"n": "float64", "value": "float64"})


def _ipc_main(s: pd.Series) -> pd.Series:
    return s.str.split(";").str[0].str.strip()


def _explicit_or(t: pd.DataFrame, fallback_type: str, fallback: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The record's own ``chain:segment`` (``x``) when given, else the fallback key."""
    x = t["chain"].notna()
    return np.where(x, "x", fallback_type), (t["chain"] + ":" + t["segment"].fillna("")).where(x, fallback)


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


def _flows(fl: pd.DataFrame) -> list[pd.DataFrame]:
    fl = fl[fl["value"] > 0]
    two_way = fl["symmetric"].fillna(False).astype(bool) & (fl["origin"] != fl["destination"])
    w = fl["value"].where(~two_way, fl["value"] / 2.0)
    src = "flows." + fl["flow_type"]
    back = fl[two_way]
    return [
        _edge(fl, "symbiosis", src, fl.origin, fl.destination, fl.origin, fl.destination, w, w, "-", None),
        _edge(
            back,
            "symbiosis",
            src[two_way],
            back.destination,
            back.origin,
            back.destination,
            back.origin,
            w[two_way],
            w[two_way],
            "-",
            None,
        ),
    ]


def _open_calls(raw: dict, R) -> list[pd.DataFrame]:
    bids = R(raw["raw_open_call_bids"], "member_code", "member_adcode", "member_norm", "m")
    win = bids[bids["winner"].fillna(False).astype(bool)]
    win = win.groupby(["call_id", "m_eid"], as_index=False, dropna=False).agg(w_place=("m_place", "max"))
    k = win.groupby("call_id", as_index=False).size().rename(columns={"size": "k"})
    calls = raw["raw_open_calls"]
    calls = pd.DataFrame(
        {
            "call_id": calls["call_id"],
            "c_place": calls["adcode"],
            "c_ck": calls["chain"] + ":" + calls["segment"].fillna(""),
        }
    )
    team = win.merge(k, on="call_id").merge(calls, on="call_id")
    tk = raw["raw_open_call_tasks"]
    tk = tk[tk["done"].notna()]
    tk = pd.DataFrame({"call_id": tk["call_id"], "year": tk["year"], "_src": "open_call_tasks", "_n": 1.0})
    oc = raw["raw_open_call_outcomes"]
    oc = pd.DataFrame(
        {
            "call_id": oc["call_id"],
            "year": oc["year"],
            "_src": "open_call_outcomes." + oc["outcome_type"],
            "_n": oc["count"].fillna(1).astype(float),
        }
    )
    oc = oc[oc["_n"] > 0]
    out = []
    for t in (tk, oc):
        j = t.merge(team, on="call_id")
        out.append(
            _edge(
                j,
                "innovation",
                j["_src"],
                j["m_eid"],
                j["c_place"],
                j["w_place"],
                j["c_place"],
                j["_n"] / j["k"],
                None,
                "x",
                j["c_ck"],
            )
        )
    return out


def _latest_enclaves(en: pd.DataFrame) -> pd.DataFrame:
    """Each enclave's latest row (latest year, period, batch, row): its host place."""
    en = en.sort_values(["year", "period", "batch_id", "row_number"], ascending=False, na_position="last")
    return en.drop_duplicates("enclave_id")[["enclave_id", "host_adcode"]].rename(
        columns={"host_adcode": "_l_host"}
    )


def _enclave_equity(raw: dict, R) -> pd.DataFrame:
    en = raw["raw_enclaves"]
    by = en.groupby(["enclave_id", "year"])
    yearly = by.agg(
        _y_host=("host_adcode", "max"), _op_code=("operator_code", "max"), _op_norm=("operator_norm", "max")
    )
    yearly["_inv"] = by["investment"].sum(min_count=1)  # no investment reported: unknown, not 0
    yearly = yearly.reset_index()
    j = raw["raw_enclave_shareholders"].merge(yearly, on=["enclave_id", "year"], how="left")
    j = j.merge(_latest_enclaves(en), on="enclave_id", how="left")
    j["_host"] = j["_y_host"].fillna(j["_l_host"])
    j = R(j, "shareholder_code", "adcode", "shareholder_norm", "a")
    j = R(j, "_op_code", "_host", "_op_norm", "b")
    weight = j["paid_in"].fillna(j["share_pct"] * j["_inv"] / 100.0)
    return _edge(
        j,
        "value",
        "enclave_equity",
        j.a_eid,
        j.b_eid.fillna("enclave:" + j["enclave_id"]),
        j.a_place,
        j["_host"],
        1.0,
        weight,
        "-",
        None,
    )


def edge_facts(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All edge facts: ``layer, source, year, src, dst, src_adcode, dst_adcode, n, value, ck_type, ck``."""
    ent, names = _register(raw["raw_firms"])

    def R(df, code, adc, norm, out):
        return _resolve(df, ent, names, code, adc, norm, out)

    parts = []
    # symbiosis: flows, alliance co-membership
    parts += _flows(raw["raw_flows"])
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
            None,
            "x",
            ap["chain"] + ":",
        )
    )

    # knowledge: co-authored papers, university/institute–firm patents; innovation: joint patents
    pp = {}
    for kind in ("papers", "patents"):
        p = R(raw[f"raw_{kind}_parties"], "code", "adcode", "name_norm", "p")
        pp[kind] = _pairs(p)
    pa = pp["papers"]
    parts.append(
        _edge(pa, "knowledge", "papers", pa.a_eid, pa.b_eid, pa.a_place, pa.b_place, pa.n, None, "-", None)
    )
    pats = raw["raw_patents"][["patent_id", "ipc"]].rename(columns={"patent_id": "record_id"})
    pt = pp["patents"].merge(pats, on="record_id")
    pt["ck"] = _ipc_main(pt["ipc"])
    acad = pt.a_type.isin(_ACADEMIC) & (pt.b_type == "firm") | pt.b_type.isin(_ACADEMIC) & (
        pt.a_type == "firm"
    )
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
            None,
            "i",
            uf.ck,
        )
    )
    parts.append(
        _edge(pt, "innovation", "patents", pt.a_eid, pt.b_eid, pt.a_place, pt.b_place, pt.n, None, "i", pt.ck)
    )

    # innovation: patent transfers and licences, technology contracts, open calls
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
            tr["value"],
            np.where(has, "i", "e"),
            _ipc_main(tr["ipc"]).where(has, tr.a_eid),
        )
    )
    tc = R(raw["raw_tech_contracts"], "seller_code", "seller_adcode", "seller_norm", "a")
    tc = R(tc, "buyer_code", "buyer_adcode", "buyer_norm", "b")
    ckt, ck = _explicit_or(tc, "e", tc.a_eid)
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
            ckt,
            ck,
        )
    )
    if all(t in raw for t in NEWER_TABLES if "open_call" in t):
        parts += _open_calls(raw, R)

    # industry: supply links, branches and transfers, enclaves
    sl = R(raw["raw_supply_links"], "supplier_code", None, "supplier_norm", "a")
    sl = R(sl, "customer_code", None, "customer_norm", "b")
    x, h = sl["chain"].notna(), sl["hs_code"].notna()
    ckt = np.where(x, "x", np.where(h, "h", "e"))
    ck = (sl["chain"] + ":" + sl["segment"].fillna("")).where(x, sl["hs_code"].str[:6].where(h, sl.a_eid))
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
            ckt,
            ck,
        )
    )
    iv = R(raw["raw_investments"], "investor_code", None, "investor_norm", "a")
    iv = R(iv, "investee_code", None, "investee_norm", "b")
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
            iv["amount"],
            "e",
            iv.b_eid,
        )
    )
    en = raw["raw_enclaves"]
    o, hst = en["origin_adcode"], en["host_adcode"]
    parts.append(_edge(en, "industry", "enclaves", o, hst, o, hst, 1.0, en["output"], "-", None))

    # service: services, redeemed vouchers
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
    if "raw_vouchers" in raw:
        vo = raw["raw_vouchers"]
        vo = R(vo[vo["redeemed"].notna()], "provider_code", "provider_adcode", "provider_norm", "a")
        vo = R(vo, "holder_code", "holder_adcode", "holder_norm", "b")
        parts.append(
            _edge(
                vo,
                "service",
                "vouchers",
                vo.a_eid,
                vo.b_eid,
                vo.a_place,
                vo.b_place,
                1.0,
                vo["redeemed_value"].fillna(vo["face_value"]),
                "e",
                vo.b_eid,
            )
        )

    # value: the origin's enclave funding, enclave operator equity, tax sharing
    ef = en[en["origin_fund"].notna() & (en["origin_fund"] > 0)]
    o, hst = ef["origin_adcode"], ef["host_adcode"]
    parts.append(_edge(ef, "value", "enclave_funds", o, hst, o, hst, 1.0, ef["origin_fund"], "-", None))
    if "raw_enclave_shareholders" in raw:
        parts.append(_enclave_equity(raw, R))
    tx = raw["raw_tax"]
    tx = R(tx[tx["shared_to_adcode"].notna()], "credit_code", "adcode", "firm_norm", "a")
    to = tx["shared_to_adcode"]
    shared = tx["tax_paid"] * tx["share_pct"] / 100.0
    parts.append(_edge(tx, "value", "tax_sharing", tx.a_eid, to, tx.a_place, to, 1.0, shared, "e", tx.a_eid))

    facts = pd.concat(parts, ignore_index=True)
    return facts.astype({"year": "int16"})


# ------------------------------------------------------------------------------------------ aggregation


def _sum(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums of ``n``, ``value`` (NaN when no row had one, like SQL) and ``n_valued`` per ``keys``."""
    return df.groupby(keys, as_index=False, dropna=False)[["n", "value", "n_valued"]].sum(min_count=1)


def layer_edges(facts: pd.DataFrame, lookup: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Layer edges per ``layer, source, scale, year, chain, segment, partial, src, dst`` with ``n, value,
    n_valued``: every fact once under chain ``*`` and once per segment its key is assigned to, then the segment
    rows rolled up to ``segment = '*'`` per chain."""
    facts = facts[facts["src_adcode"].notna() & facts["dst_adcode"].notna()]
    facts = facts.assign(n_valued=facts["n"].where(facts["value"].notna(), 0.0)).drop(columns=["src", "dst"])
    star = facts.assign(chain="*", segment="*", partial=False)
    chained = facts[facts["ck"].notna()].merge(lookup, on=["ck_type", "ck"])
    chained["partial"] = chained["partial"].fillna(False).astype(bool)
    f = pd.concat([star, chained], ignore_index=True)
    out = []
    keys = ["layer", "source", "year", "chain", "segment", "partial", "src", "dst"]
    for scale in SCALES:
        u = units[units["scale"] == scale]
        j = f.merge(
            u[["adcode", "unit"]].rename(columns={"adcode": "src_adcode", "unit": "src"}), on="src_adcode"
        )
        j = j.merge(
            u[["adcode", "unit"]].rename(columns={"adcode": "dst_adcode", "unit": "dst"}), on="dst_adcode"
        )
        g = _sum(j, keys)
        tot = _sum(g[g["chain"] != "*"], [k for k in keys if k != "segment"])
        out += [g.assign(scale=scale), tot.assign(segment="*", scale=scale)]
    return pd.concat(out, ignore_index=True)
