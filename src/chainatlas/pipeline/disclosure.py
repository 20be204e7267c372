"""Disclosure control of confidential aggregates: which node-attribute cells a reader outside them may see.

Node attributes built from confidential records (:data:`~chainatlas.pipeline.facts.CONFIDENTIAL_ATTRS`: revenue
and tax paid from tax records, imports and exports from customs) are published to a reader whose jurisdiction is
not the whole region only under disclosure control: cells inside the jurisdiction are shown as they are (the
reader may see those firms' records anyway); cells outside it only when the protected pattern publishes them.

One **cube** per (attribute, year, chain) holds every cell the API can serve at any scale — counties, cities,
provinces, the region, functional areas — × the chain's segments and its total (for all chains, ``*``, places
only), built from per-entity contributions (:func:`~chainatlas.pipeline.facts.confidential_contributions`).
Records placed only to a city or a province sit in a hidden remainder leaf of it (``320500~``), which is never
published. The cube is protected once per reader's jurisdiction (the cells inside are ``known`` to the attacker,
so the pattern holds against what the reader knows), by
:func:`chainatlas.analytics.disclosure.protect`: threshold and (n, p) dominance rules, secondary suppression,
and the LP audit that blocks a release leaving any sensitive cell a narrower interval than required. Every slice
served — a map at one scale, a chain less one segment, two overlapping areas — comes from that one pattern, so
differencing two answers recovers nothing the audit did not already allow.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from chainatlas import config, geo
from chainatlas.model.access import Scope
from chainatlas.model.layers import ALL
from chainatlas.pipeline.facts import CONFIDENTIAL_ATTRS, confidential_contributions
from chainatlas.storage.base import Backend

__all__ = ["CONFIDENTIAL_ATTRS", "cube_protection", "mask", "settings"]

REGION_UNIT = "YRD"
_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 256


def settings() -> dict[str, float]:
    """The rules' parameters (settings ``disclosure_k``, ``_n``, ``_p``, ``_protection``)."""
    return {
        "k": int(config.get("disclosure_k")),
        "n": int(config.get("disclosure_n")),
        "p": float(config.get("disclosure_p")),
        "q": float(config.get("disclosure_protection")) / 100.0,
    }


def _leaf(adcode: str, level: str) -> str:
    if level == "county":
        return adcode
    if adcode in ("310000", "310100"):  # Shanghai: province and city at once
        return "310100~"
    return adcode + "~"


def _place_hierarchy(backend: Backend) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``{parent: children}`` of the place dimension, and the leaf of every adcode."""
    places = geo.places()
    level = dict(zip(places["adcode"], places["level"], strict=True))
    leaf = {a: _leaf(a, lv) for a, lv in level.items()}
    children: dict[str, list[str]] = {REGION_UNIT: []}
    for r in places.itertuples(index=False):
        if r.level == "province":
            children[REGION_UNIT].append(r.adcode)
            children.setdefault(r.adcode, [])
            if r.adcode != "310000":
                children[r.adcode].append(r.adcode + "~")
        elif r.level == "city":
            children.setdefault(r.province_adcode, []).append(r.adcode)
            children.setdefault(r.adcode, []).append(r.adcode + "~")
        elif r.level == "county":
            children.setdefault(r.city_adcode, []).append(r.adcode)
    # functional areas: the leaves of the places they take in
    su = backend.table("scale_units")
    areas = backend.execute(su.filter(su.scale == "area").select("adcode", "unit"))
    for unit, g in areas.groupby("unit"):
        leaves = sorted({leaf[a] for a in g["adcode"] if a in leaf})
        if leaves:
            children[f"area:{unit}"] = leaves
    return children, leaf


def _contributions(backend: Backend, attr: str, year: int, chain: str, leaf: dict[str, str]) -> pd.DataFrame:
    # every record, whatever the reader's scope: what is computed here are aggregates, and the scope decides
    # only which of them are shown (this module reads the tables directly, below the read seam that uses it)
    c = confidential_contributions(backend.table, attr, [year])
    c = c.filter(c.adcode.notnull() & c.value.notnull() & c.entity.notnull())
    if chain != ALL:
        lk = backend.table("seg_lookup")
        lk = lk.filter((lk.chain == chain) & ~lk.partial.fill_null(False))
        c = c.join(lk, [c.ck_type == lk.ck_type, c.ck == lk.ck]).select(
            "entity", "adcode", "value", segment=lk.segment
        )
    else:
        c = c.select("entity", "adcode", "value")
    df = backend.execute(c)
    df["place"] = df["adcode"].map(leaf)
    return df[df["place"].notna()].drop(columns="adcode")


def cube_protection(backend: Backend, attr: str, year: int, chain: str, scope: Scope) -> pd.DataFrame:
    """The cells of one cube as a reader of ``scope`` may see them: ``place`` (a unit of any scale, areas as
    ``area:<id>``), ``segment`` (``*`` for the chain's total; absent for all chains), ``suppressed``.

    Cached per atlas file, generation of its data (the build's time), scope, attribute, year and chain.
    """
    from chainatlas.analytics import disclosure as sdc

    key = (str(getattr(backend, "path", "")), _built_at(backend), scope.key, attr, int(year), chain)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    children, leaf = _place_hierarchy(backend)
    contrib = _contributions(backend, attr, int(year), chain, leaf)
    dims: dict[str, Any] = {"place": sdc.Hierarchy(children)}
    if chain != ALL:
        st = backend.table("segments")
        segs = backend.execute(st.filter(st.chain == chain).select("segment"))["segment"].tolist()
        dims["segment"] = sdc.Hierarchy({ALL: segs})
        contrib = contrib[contrib["segment"].isin(segs)]
    s = settings()
    table = sdc.LinkedTable.from_contributions(contrib[["entity", *dims, "value"]], dims, n=s["n"])
    keys = table.keys
    hidden = keys["place"].str.endswith("~").to_numpy()
    inside = keys["place"].map(lambda p: _inside(p, children, scope.prefix)).to_numpy(dtype=bool)
    prot = sdc.protect(table, k=s["k"], p=s["p"], q=s["q"], known=inside, hidden=hidden)
    published = prot.release()  # raises AccessError if the audit did not pass: nothing is served then
    out = published.assign(suppressed=published["suppressed"] & ~inside)
    out = out[~hidden].drop(columns="value").reset_index(drop=True)
    with _LOCK:
        _CACHE[key] = out
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def _built_at(backend: Backend) -> str:
    if not backend.has_table("builds"):
        return ""
    b = backend.table("builds")
    return str(backend.execute(b.built_at.max().name("m").as_table())["m"].iloc[0])


def _inside(place: str, children: dict[str, list[str]], prefix: str) -> bool:
    """Whether a place node lies inside the jurisdiction (an area only if all of it does)."""
    if prefix == "":
        return True
    if place.startswith("area:"):
        return all(_inside(c, children, prefix) for c in children[place])
    if place == REGION_UNIT:
        return False
    return place.rstrip("~").startswith(prefix)


def mask(
    backend: Backend,
    frame: pd.DataFrame,
    *,
    scale: str,
    years: Sequence[int],
    chains: Sequence[str],
    segments: dict[str, Sequence[str]],
    scope: Scope,
) -> pd.DataFrame:
    """``frame`` (long node attributes with ``unit``, ``attr``, ``value``) with the value of every row that
    rests on a suppressed cell set to NaN and ``suppressed`` true. A row that sums several cells (years,
    chains or segments not in ``frame``'s columns) is suppressed when any of them is."""
    out = frame.copy()
    out["suppressed"] = False
    if "attr" not in out or "unit" not in out or scope.prefix == "":
        return out
    conf = out["attr"].isin(CONFIDENTIAL_ATTRS)
    if not conf.any():
        return out
    units = out["unit"].astype(str)
    places = ("area:" + units) if scale == "area" else units
    held = pd.Series(False, index=out.index)
    for attr in out.loc[conf, "attr"].unique():
        of_attr = out["attr"] == attr
        for y in years:
            of_year = of_attr & (out["year"] == y) if "year" in out else of_attr
            for ch in chains:
                rows = of_year & (out["chain"] == ch) if "chain" in out else of_year
                if not rows.any():
                    continue
                cells = cube_protection(backend, attr, int(y), ch, scope)
                sup = cells[cells["suppressed"]]
                if ch == ALL:
                    hit = places[rows].isin(set(sup["place"]))
                elif "segment" in out:
                    keys = set(sup["place"] + "|" + sup["segment"])
                    hit = (places[rows] + "|" + out.loc[rows, "segment"].astype(str)).isin(keys)
                else:  # rows summing several segments: withheld if any of them is
                    segs = set(segments.get(ch, [ALL]))
                    hit = places[rows].isin(set(sup.loc[sup["segment"].isin(segs), "place"]))
                held[hit.index[hit.to_numpy()]] = True
    out["suppressed"] = held
    out.loc[held, "value"] = float("nan")
    return out
