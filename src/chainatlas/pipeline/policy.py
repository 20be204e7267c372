"""Policy linkage over the atlas (政策, issue 16 item 2): the atlas's policies tagged to chains and segments, with the
evidence; coverage segments × places × years; overlaps where neighbouring places back one segment with competing
measures; gaps; the policies bearing on an alert; and the tagger's precision and recall on a labelled file.

Wiring only: the policies are read from the raw table ``raw_policies`` through :func:`chainatlas.pipeline.query.raw_frame`
and every number is computed by :mod:`chainatlas.analytics.policy`.

=====================  ==============================================================================================
function               answers
=====================  ==============================================================================================
:func:`tagged`         every policy of the atlas with its tags (evidence, confidence, source) and measures, remembered
                       per atlas state
:func:`policies`       the policies, filtered (words, chain, segment, place, level, years), with their tags in short
:func:`policy`         one policy: its text, every tag with the evidence sentences and terms, its measures
:func:`coverage`       policies per segment × place × year (place, city or province), with the places and segments
:func:`overlaps`       neighbouring places backing one segment at the same time with competing measures
:func:`gaps`           segments without a policy in a place over the years, and what backs them otherwise
:func:`for_alert`      the policies bearing on an alert: its place or a jurisdiction covering it, its chain or segment
:func:`evaluate`       precision, recall and F1 of the tagging on a labelled CSV/XLSX the user brings
=====================  ==============================================================================================

**Tags.** A policy's tags are what its title and text say (:func:`chainatlas.analytics.policy.tag_policies`,
source ``text``) together with the chains and segments its record declares (``chains``, ``segments``: source
``declared``; ``both`` when the text says so too). A declared tag has confidence 1 (the issuer says so); the text's
own confidence stays in ``text_confidence``. :func:`evaluate` scores the text alone.

**Places.** A policy counts where it was issued (``adcode``) at the level asked: ``place`` (as given), ``city`` or
``province`` (a municipality's districts roll up to it). Regional and national policies (level ``regional``,
``national``) belong to no place: they are counted apart as ``region``, and cover every place in
:func:`for_alert`.

**Remembered.** Tagging reads every policy's text (about 7 s for 10,000 on one core), so the tags are kept in memory
per atlas file and state — the number of policy rows and their batches — and reused by every reader and request
until policies are loaded again (:func:`tagged`).

**Scope.** Policies are public documents (``raw_policies`` is one of the read seam's public raw tables): every reader
sees every policy, read through the seam so that its rule applies. An alert is found only if the reader may see it
(the alert store's rule).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas import config, geo
from chainatlas.analytics import policy as pol
from chainatlas.analytics._places import MUNICIPALITIES, roll
from chainatlas.errors import ConfigError
from chainatlas.model.access import Principal
from chainatlas.model.kinds import KINDS
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.book import Book, book_of
from chainatlas.storage.base import Backend

__all__ = [
    "HEADERS",
    "LEVELS",
    "LEVEL_ZH",
    "LIST_COLUMNS",
    "MEASURE_ZH",
    "MIN_CONFIDENCE",
    "CoverageView",
    "Evaluation",
    "GapsView",
    "OverlapsView",
    "Tagged",
    "UnknownPolicy",
    "book",
    "coverage",
    "evaluate",
    "for_alert",
    "gaps",
    "overlaps",
    "policies",
    "policy",
    "synthetic",
    "tagged",
]

#: tags below this confidence are never kept (one mention of a term of one segment alone scores 0.5)
MIN_CONFIDENCE = 0.5
#: place levels of coverage, overlaps and gaps
LEVELS = pol.LEVELS
#: a policy's level of government as the input kind names it
LEVEL_ZH: dict[str, str] = dict(next(f for f in KINDS["policies"].fields if f.name == "level").choices or {})
#: levels whose policies belong to no place (counted as ``region``)
REGION_LEVELS = ("national", "regional")
#: the competing-measure categories of data/policy/aliases.yaml, in Chinese
MEASURE_ZH = {
    "subsidy": "资金补贴",
    "land": "用地与厂房",
    "tax": "税收优惠",
    "talent": "人才",
    "attraction": "招商引资",
    "fund": "产业基金",
    "procurement": "首台套与采购",
}
SOURCE_ZH = {"text": "正文识别", "declared": "文件申报", "both": "申报且正文识别"}
RELATION_ZH = {
    "neighbour": "相邻",
    "same_province": "同省",
    "same": "本地",
    "higher": "上级",
    "region": "区域",
}
#: a policy's record as the lists show it
_RECORD = ("policy_id", "title", "issuer", "adcode", "place_name", "level", "level_zh", "date", "year")
#: columns of :func:`policies`
LIST_COLUMNS = (
    *_RECORD,
    "labels",
    "labels_zh",
    "confidence",
    "measures",
    "excerpt",
    "synthetic",
)
#: Chinese headers of the files written for Excel (CSV, XLSX); JSON keeps the English keys
HEADERS = {
    "policy_id": "政策编号",
    "title": "标题",
    "issuer": "发文机关",
    "adcode": "地区代码",
    "place_name": "地区",
    "level": "层级代码",
    "level_zh": "层级",
    "date": "发布日期",
    "year": "年份",
    "labels": "标签",
    "labels_zh": "标签名称",
    "confidence": "置信度",
    "text_confidence": "正文置信度",
    "measures": "扶持措施",
    "measures_zh": "扶持措施名称",
    "excerpt": "摘要",
    "synthetic": "合成数据",
    "chain": "产业链代码",
    "segment": "环节代码",
    "label": "标签",
    "label_zh": "环节",
    "source": "来源",
    "terms": "命中词",
    "mentions": "提及次数",
    "in_title": "标题提及",
    "sentences": "证据句",
    "place": "地区代码",
    "policies": "政策数",
    "mean_confidence": "平均置信度",
    "place_a": "地区甲代码",
    "place_a_name": "地区甲",
    "place_b": "地区乙代码",
    "place_b_name": "地区乙",
    "policy_a": "政策甲",
    "title_a": "政策甲标题",
    "policy_b": "政策乙",
    "title_b": "政策乙标题",
    "year_a": "政策甲年份",
    "year_b": "政策乙年份",
    "relation": "关系代码",
    "relation_zh": "关系",
    "pairs": "重叠政策对数",
    "policies_a": "地区甲政策数",
    "policies_b": "地区乙政策数",
    "first_year": "起始年",
    "last_year": "最近年",
    "chain_policies": "整链政策数",
    "higher_policies": "上级政策数",
    "region_policies": "区域政策数",
    "segments": "环节数",
    "covered": "有政策的数",
    "share": "覆盖率",
    "places": "地区数",
    "truth": "标注标签",
    "predicted": "识别标签",
    "missed": "漏识别",
    "extra": "误识别",
}
_POLICY_COLUMNS = (
    "policy_id",
    "title",
    "issuer",
    "adcode",
    "level",
    "date",
    "chains",
    "segments",
    "text",
    "synthetic",
    "year",
    "batch_id",
    "row_number",
)


class UnknownPolicy(ConfigError):
    """No policy with this id: the API answers 404."""


# ================================================================================================ the tagger
@functools.lru_cache(maxsize=4)
def _tagger_of(chains_dir: str | None) -> pol.PolicyTagger:
    if not chains_dir:
        return pol.default_tagger()
    from chainatlas.model.taxonomy import atlas_taxonomy

    return pol.PolicyTagger(pol.build_dictionary(atlas_taxonomy()))


def _tagger() -> pol.PolicyTagger:
    """The tagger of the atlas's taxonomy: the shipped chains plus ``CHAINATLAS_CHAINS_DIR``, and the shipped
    aliases."""
    return _tagger_of(config.get("chains_dir") or None)


@functools.lru_cache(maxsize=4)
def _targets_of(chains_dir: str | None) -> pd.DataFrame:
    """Every target a tag can name: ``chain, segment, label, chain_zh, segment_zh, label_zh``, segments of a chain
    in the taxonomy's order, then the chain as a whole."""
    from chainatlas.model.taxonomy import atlas_taxonomy

    tax = atlas_taxonomy()
    t = _tagger_of(chains_dir).targets.copy()
    cz = dict(zip(tax.chains["id"], tax.chains["name_zh"], strict=True))
    segs = tax.segments
    sz = {(c, s): n for c, s, n in zip(segs["chain"], segs["segment"], segs["name_zh"], strict=True)}
    t["chain_zh"] = t["chain"].map(cz).fillna(t["chain"])
    t["segment_zh"] = [
        "整条产业链" if s == ALL else sz.get((c, s), s) for c, s in zip(t["chain"], t["segment"], strict=True)
    ]
    t["label_zh"] = [
        c if s == "整条产业链" else f"{c} · {s}" for c, s in zip(t["chain_zh"], t["segment_zh"], strict=True)
    ]
    return t.reset_index(drop=True)


def _targets() -> pd.DataFrame:
    return _targets_of(config.get("chains_dir") or None)


def _check_target(chain: str | None, segment: str | None) -> None:
    """ConfigError naming ``chain`` or ``segment`` unless the taxonomy has them (``*`` or None: all)."""
    t = _targets()
    if chain in (None, ALL):
        if segment not in (None, ALL):
            raise ConfigError(
                f"环节需指定产业链 / a segment filter needs a chain (chain=ic&segment=design), got segment {segment!r}",
                param="segment",
            )
        return
    chains = list(dict.fromkeys(t["chain"]))
    if chain not in chains:
        raise ConfigError(
            f"未知产业链 / unknown chain {chain!r}; expected one of {', '.join(chains)} or * for all",
            param="chain",
        )
    if segment not in (None, ALL):
        ok = [s for c, s in zip(t["chain"], t["segment"], strict=True) if c == chain and s != ALL]
        if segment not in ok:
            raise ConfigError(
                f"{segment!r} 不是产业链 {chain} 的环节 / is not a segment of chain {chain!r}; expected one of "
                f"{', '.join(ok)} or * for the whole chain",
                param="segment",
            )


# ================================================================================================ reading and tagging
@dataclass(frozen=True)
class Tagged:
    """The atlas's policies and their tags (:func:`tagged`).

    Attributes
    ----------
    policies : DataFrame
        One row per policy (the last loaded row of an id): ``policy_id, title, issuer, adcode, level, date`` (ISO
        text), ``year``, ``text``, ``declared`` (tuple of the labels its record declares), ``synthetic``.
    tags : DataFrame
        :data:`chainatlas.analytics.policy.TAG_COLUMNS` with ``source`` (text, declared, both) and
        ``text_confidence`` (the text's own; NaN for a declared tag the text does not bear out); ``confidence`` is
        1 for a declared tag.
    measures : DataFrame
        :data:`chainatlas.analytics.policy.MEASURE_COLUMNS`: the competing measures each policy offers.
    synthetic : bool
        Any policy is synthetic.
    """

    policies: pd.DataFrame
    tags: pd.DataFrame
    measures: pd.DataFrame
    synthetic: bool


_CACHE: OrderedDict[tuple, Tagged] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 4


def _state(backend: Backend) -> tuple | None:
    """What the tags depend on: the atlas file, its policy rows and batches, the taxonomy folder and (should the
    read seam ever restrict policies) the reader's scope; None for an atlas without a file (not remembered)."""
    path = getattr(backend, "path", None)
    if not path:
        return None
    rows: tuple = (0,)
    if backend.has_table("raw_policies"):
        t = query.table(backend, "raw_policies")
        agg = t.aggregate(n=t.count(), lo=t.batch_id.min(), hi=t.batch_id.max(), k=t.batch_id.nunique())
        rows = tuple(None if pd.isna(v) else int(v) for v in backend.execute(agg).iloc[0])
    scope = query.current_scope().key if query.is_entity_table("raw_policies") else "*"
    return (str(Path(path).resolve()), rows, config.get("chains_dir") or None, scope)


def tagged(backend: Backend) -> Tagged:
    """Every policy of the atlas with its tags and measures, tagged once per atlas state and remembered (the last
    four states) for every reader and request; an atlas without policies gives empty tables."""
    key = _state(backend)
    if key is None:
        return _make(backend)
    with _LOCK:  # one tagging at a time: concurrent first requests wait for it instead of repeating it
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        out = _make(backend)
        _CACHE[key] = out
        while len(_CACHE) > _KEEP:
            _CACHE.popitem(last=False)
        return out


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out.eq(""), pd.NA)


def _declared(chains: object, segments: object, known: set[tuple[str, str]]) -> tuple[str, ...]:
    """Labels a record declares: its segments (``ic:design``) and the chains none of whose segments it names."""

    def parts(v: object) -> list[str]:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return []
        return [p.strip() for p in str(v).replace("；", ";").split(";") if p.strip()]

    segs = [p for p in parts(segments) if tuple(p.split(":", 1)) in known]
    named = {p.split(":", 1)[0] for p in segs}
    whole = [c for c in parts(chains) if (c, ALL) in known and c not in named]
    return tuple(dict.fromkeys([*segs, *whole]))


def _read(backend: Backend) -> pd.DataFrame:
    raw = query.raw_frame(backend, "raw_policies", _POLICY_COLUMNS, whole=False)
    if len(raw):
        raw = raw.sort_values(["batch_id", "row_number"], kind="stable")
        raw = raw.drop_duplicates("policy_id", keep="last")
    dates = pd.to_datetime(raw["date"], errors="coerce")
    year = pd.to_numeric(raw["year"], errors="coerce").astype("Int64")
    year = year.fillna(dates.dt.year.astype("Int64"))
    t = _targets()
    known = set(zip(t["chain"], t["segment"], strict=True))
    out = pd.DataFrame(
        {
            "policy_id": _text(raw["policy_id"]).astype(object),
            "title": raw["title"].astype(object).where(raw["title"].notna(), ""),
            "issuer": raw["issuer"].astype(object),
            "adcode": _text(raw["adcode"]).astype(object),
            "level": _text(raw["level"]).astype(object),
            "date": [None if pd.isna(d) else d.date().isoformat() for d in dates],
            "year": year,
            "text": raw["text"].astype(object).where(raw["text"].notna(), ""),
            "declared": [_declared(c, s, known) for c, s in zip(raw["chains"], raw["segments"], strict=True)],
            "synthetic": raw["synthetic"].fillna(False).astype(bool),
        }
    )
    out = out[out["policy_id"].notna()]
    return out.sort_values(["policy_id"], kind="stable").reset_index(drop=True)


def _make(backend: Backend) -> Tagged:
    p = _read(backend)
    tagger = _tagger()
    r = pol.tag_policies(p[["policy_id", "title", "text"]], tagger, min_confidence=MIN_CONFIDENCE)
    tags = r.tags.copy()
    tags["text_confidence"] = tags["confidence"]
    tags["source"] = "text"
    # the declared labels: confirm a text tag (both) or add one of confidence 1 without evidence
    t = _targets().set_index("label")
    have = {(a, b): i for i, (a, b) in enumerate(zip(tags["policy_id"], tags["label"], strict=True))}
    extra = []
    for pid, labels in zip(p["policy_id"], p["declared"], strict=True):
        for lab in labels:
            i = have.get((pid, lab))
            if i is not None:
                tags.iat[i, tags.columns.get_loc("source")] = "both"
                tags.iat[i, tags.columns.get_loc("confidence")] = 1.0
                continue
            c, s = lab.split(":", 1) if ":" in lab else (lab, ALL)
            extra.append(
                {
                    "policy_id": pid,
                    "chain": c,
                    "segment": s,
                    "label": lab,
                    "confidence": 1.0,
                    "keyword_score": np.nan,
                    "similarity": np.nan,
                    "terms": (),
                    "mentions": 0,
                    "in_title": False,
                    "sentences": (),
                    "shared_tokens": (),
                    "text_confidence": np.nan,
                    "source": "declared",
                }
            )
    if extra:
        tags = pd.concat([tags, pd.DataFrame(extra, columns=tags.columns)], ignore_index=True)
    order = {lab: i for i, lab in enumerate(t.index)}
    tags["_o"] = tags["label"].map(order)
    tags = tags.sort_values(["policy_id", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    tags = tags.astype({"mentions": "int64", "in_title": bool, "confidence": float, "text_confidence": float})
    return Tagged(p, tags, r.measures, bool(p["synthetic"].any()) if len(p) else False)


def synthetic(backend: Backend) -> bool:
    """Whether the atlas's policies are synthetic."""
    return tagged(backend).synthetic


# ================================================================================================ checks
def _confidence(value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = float("nan")
    if not (MIN_CONFIDENCE <= v <= 1.0):
        raise ConfigError(
            f"置信度应在 {MIN_CONFIDENCE} 与 1 之间 / expected a confidence from {MIN_CONFIDENCE} to 1 (tags below "
            f"{MIN_CONFIDENCE} are never kept), got {value!r}",
            param="min_confidence",
        )
    return v


def _check_level(level: str, allowed: Sequence[str] = LEVELS) -> None:
    if level not in allowed:
        raise ConfigError(
            f"地区层级应为 {' / '.join(allowed)} / expected level one of {', '.join(allowed)}, got {level!r}",
            param="level",
        )


def _year(value: object, param: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) != 4:
        raise ConfigError(f"年份应为四位数字 / expected a year such as 2024, got {value!r}", param=param)
    return int(text)


def _range(p: pd.DataFrame, since: object, until: object) -> tuple[int, int] | None:
    """``(first, last)`` inclusive: the years asked, each defaulting to the first or last year with policies; None
    when there are no policies and no years were asked."""
    y0, y1 = _year(since, "since"), _year(until, "until")
    years = p["year"].dropna()
    lo = int(years.min()) if len(years) else None
    hi = int(years.max()) if len(years) else None
    first = y0 if y0 is not None else lo if lo is not None else y1
    last = y1 if y1 is not None else hi if hi is not None else y0
    if first is None or last is None:
        return None
    if first > last:
        raise ConfigError(
            f"起始年晚于截止年 / since {first} is after until {last}; expected since <= until", param="since"
        )
    return first, last


def _levels(level: str | None) -> str | None:
    if level is None or not str(level).strip():
        return None
    v = str(level).strip()
    by_zh = {zh: k for k, zh in LEVEL_ZH.items()}
    v = by_zh.get(v, v)
    if v not in LEVEL_ZH:
        listed = ", ".join(f"{k} ({zh})" for k, zh in LEVEL_ZH.items())
        raise ConfigError(
            f"政策层级 {level!r} 未知 / expected policy level one of {listed}, got {level!r}",
            param="policy_level",
        )
    return v


# ================================================================================================ places
@functools.lru_cache(maxsize=1)
def _place_table() -> pd.DataFrame:
    return geo.places().drop_duplicates("adcode").set_index("adcode")


def _place_rows(codes: Sequence[str], level: str) -> pd.DataFrame:
    """``place, unit, name_zh, name_en, lon, lat`` of place codes at ``level``; ``unit`` is the map's code of the
    scale (Shanghai's city 310100 for 310000 at city level)."""
    p = _place_table()
    rows = []
    for c in codes:
        unit = "310100" if level == "city" and c == "310000" else c
        r = p.loc[c] if c in p.index else None
        rows.append(
            {
                "place": c,
                "unit": unit,
                "name_zh": None if r is None else str(r["name_zh"]),
                "name_en": None if r is None else str(r["name_en"]),
                "lon": np.nan if r is None else float(r["lon"]),
                "lat": np.nan if r is None else float(r["lat"]),
            }
        )
    return pd.DataFrame(rows, columns=["place", "unit", "name_zh", "name_en", "lon", "lat"])


def _name(code: object) -> str | None:
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    p = _place_table()
    return str(p.at[code, "name_zh"]) if code in p.index else None


def _level_places(level: str, present: Sequence[str]) -> list[str]:
    """The places of a level: every city (41) or province (4) of the region; at ``place``, those that issued a
    policy."""
    if level == "place":
        return sorted(set(present))
    p = geo.places()
    codes = p.loc[p["level"] == level, "adcode"].astype(str)
    rolled = roll(pd.Series(list(codes)), level)
    return list(dict.fromkeys(rolled.tolist()))


@functools.lru_cache(maxsize=3)
def _adjacency(level: str) -> pd.DataFrame:
    """Neighbouring places (queen contiguity of the bundled boundaries, islands joined to the nearest place):
    cities or provinces; at ``place`` level counties, cities and provinces all together."""
    from chainatlas.analytics.spatial import contiguity_weights

    scales = {"city": ("city",), "province": ("province",), "place": ("county", "city", "province")}[level]
    pairs = []
    for s in scales:
        w = contiguity_weights(geo.boundaries(s))
        pairs += [(str(a), str(b)) for a, ns in w.neighbors.items() for b in ns if str(a) < str(b)]
    return pd.DataFrame(sorted(set(pairs)), columns=["a", "b"])


def _split_region(p: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Policies of places, and the regional and national ones."""
    reg = p["level"].isin(REGION_LEVELS)
    return p[~reg], p[reg]


def _tags(T: Tagged, *, chain: str | None, segment: str | None, min_confidence: float) -> pd.DataFrame:
    t = T.tags[T.tags["confidence"] >= min_confidence]
    if chain not in (None, ALL):
        t = t[t["chain"] == chain]
    if segment not in (None, ALL):
        t = t[t["segment"] == segment]
    return t


def _in_years(p: pd.DataFrame, years: tuple[int, int] | None) -> pd.DataFrame:
    if years is None:
        return p
    y = p["year"]
    return p[(y >= years[0]) & (y <= years[1])].copy()


# ================================================================================================ the list
def _summaries(T: Tagged, tags: pd.DataFrame) -> pd.DataFrame:
    """Per policy: ``labels`` and ``labels_zh`` (strongest first), ``confidence`` (the strongest), ``measures``."""
    names = _targets().set_index("label")["label_zh"]
    t = tags.sort_values(["policy_id", "confidence"], ascending=[True, False], kind="stable")
    g = t.groupby("policy_id", sort=False)
    out = pd.DataFrame(
        {
            "labels": g["label"].agg(tuple),
            "labels_zh": g["label"].agg(lambda s: tuple(names.get(x, x) for x in s)),
            "confidence": g["confidence"].max(),
        }
    )
    m = T.measures.groupby("policy_id")["category"].agg(lambda s: tuple(dict.fromkeys(s)))
    out["measures"] = m.reindex(out.index)
    return out


def policies(
    backend: Backend,
    *,
    q: str | None = None,
    chain: str | None = None,
    segment: str | None = None,
    place: str | None = None,
    level: str | None = None,
    since: object = None,
    until: object = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> pd.DataFrame:
    """The atlas's policies, newest first, with their tags in short.

    Parameters
    ----------
    q : str, optional
        Words (separated by spaces) that the title, issuer or text must all contain (letters in any case).
    chain, segment : str, optional
        Only policies tagged to the chain (any of its segments or the chain as a whole), or to the segment.
    place : str, optional
        Only policies issued in this place or inside it: an adcode (320000, 320500) or a name (苏州市).
    level : str, optional
        The policy's level of government: national, regional, provincial, city, county (or 国家, 区域, 省级, 市级,
        县级).
    since, until : int, optional
        Years issued, inclusive.
    min_confidence : float
        Tags below it are left out (and policies only they would match).

    Returns
    -------
    DataFrame
        :data:`LIST_COLUMNS`: ``labels`` / ``labels_zh`` (strongest first), ``confidence`` (the strongest tag's),
        ``measures`` (categories of :data:`MEASURE_ZH`), ``excerpt`` (the text's first 80 characters).
    """
    conf = _confidence(min_confidence)
    _check_target(chain, segment)
    lv = _levels(level)
    T = tagged(backend)
    p = T.policies
    years = _range(p, since, until) if (since is not None or until is not None) else None
    p = _in_years(p, years)
    if lv is not None:
        p = p[p["level"] == lv]
    if place is not None and str(place).strip():
        from chainatlas.pipeline.supply_network import place_prefix

        prefix = place_prefix(str(place), "place")[1]
        p = p[p["adcode"].astype("string").str.startswith(prefix).fillna(False).astype(bool)]
    if q is not None and str(q).strip():
        hay = (
            p["title"].astype(str) + "\n" + p["issuer"].astype(str) + "\n" + p["text"].astype(str)
        ).str.lower()
        keep = pd.Series(True, index=p.index)
        for word in str(q).lower().split():
            keep &= hay.str.contains(word, regex=False)
        p = p[keep]
    tags = _tags(T, chain=None, segment=None, min_confidence=conf)
    if chain not in (None, ALL):
        sel = _tags(T, chain=chain, segment=segment, min_confidence=conf)
        p = p[p["policy_id"].isin(set(sel["policy_id"]))]
    s = _summaries(T, tags[tags["policy_id"].isin(set(p["policy_id"]))])
    out = p.copy()
    for c in ("labels", "labels_zh", "measures"):
        col = s[c].reindex(out["policy_id"]).tolist()
        out[c] = [v if isinstance(v, tuple) else () for v in col]
    out["confidence"] = out["policy_id"].map(s["confidence"]).astype(float)
    out["place_name"] = [_name(a) for a in out["adcode"]]
    out["level_zh"] = out["level"].map(LEVEL_ZH)
    out["excerpt"] = [x[:80] + ("…" if len(x) > 80 else "") for x in out["text"]]
    out = out.sort_values(["date", "policy_id"], ascending=[False, True], kind="stable", na_position="last")
    return out[list(LIST_COLUMNS)].reset_index(drop=True)


def policy(backend: Backend, policy_id: str, *, min_confidence: float = MIN_CONFIDENCE) -> dict[str, Any]:
    """One policy: its record (with ``place_name``, ``level_zh``, ``declared``), ``text``, ``tags`` (strongest first:
    chain, segment, label, label_zh, confidence, text_confidence, keyword_score, similarity, source, source_zh, terms
    as written in the policy, mentions, in_title, the evidence ``sentences`` and ``shared_tokens``) and
    ``measures`` (category, category_zh, terms). UnknownPolicy for an id the atlas does not hold."""
    conf = _confidence(min_confidence)
    pid = str(policy_id).strip()
    T = tagged(backend)
    row = T.policies[T.policies["policy_id"] == pid]
    if not len(row):
        raise UnknownPolicy(
            f"没有政策 {pid} / no policy {pid!r} in the atlas; `chainatlas policy list` or GET /api/policies "
            "lists them"
        )
    r = row.iloc[0].to_dict()
    names = _targets().set_index("label")["label_zh"]
    tags = T.tags[(T.tags["policy_id"] == pid) & (T.tags["confidence"] >= conf)]
    tags = tags.sort_values("confidence", ascending=False, kind="stable").drop(columns="policy_id")
    tags = tags.assign(
        label_zh=tags["label"].map(lambda x: names.get(x, x)), source_zh=tags["source"].map(SOURCE_ZH)
    )
    m = T.measures[T.measures["policy_id"] == pid].drop(columns="policy_id")
    m = m.assign(category_zh=m["category"].map(MEASURE_ZH))
    from chainatlas.pipeline.book import frame_rows

    return {
        "policy_id": pid,
        "title": r["title"],
        "issuer": r["issuer"],
        "adcode": r["adcode"],
        "place_name": _name(r["adcode"]),
        "level": r["level"],
        "level_zh": LEVEL_ZH.get(r["level"]),
        "date": r["date"],
        "year": None if pd.isna(r["year"]) else int(r["year"]),
        "declared": list(r["declared"]),
        "text": r["text"],
        "tags": frame_rows(tags),
        "measures": frame_rows(m),
        "synthetic": bool(r["synthetic"]),
    }


# ================================================================================================ coverage
@dataclass(frozen=True)
class CoverageView:
    """The coverage matrix (:func:`coverage`).

    Attributes
    ----------
    level : str
        ``place``, ``city`` or ``province``.
    years : tuple or None
        The range counted, inclusive (None: the atlas has no policies).
    available : list of int
        Years with policies.
    segments : DataFrame
        The rows: ``chain, segment, label, chain_zh, segment_zh, label_zh, policies`` (distinct policies over the
        places and years), each chain's segments then the chain as a whole (``segment`` ``*``).
    places : DataFrame
        The columns: ``place, unit, name_zh, name_en, lon, lat, policies`` (distinct policies of the chain filter
        issued there in the years): every city or province of the region, or at ``place`` those that issued one.
    matrix : DataFrame
        ``chain, segment, place, policies`` over the years, non-empty cells only.
    cells : DataFrame
        ``chain, segment, place, year, policies, mean_confidence``: the same per year.
    region : DataFrame
        ``chain, segment, policies``: regional and national policies (no place) over the years.
    min_confidence : float
    """

    level: str
    years: tuple[int, int] | None
    available: list[int]
    segments: pd.DataFrame
    places: pd.DataFrame
    matrix: pd.DataFrame
    cells: pd.DataFrame
    region: pd.DataFrame
    min_confidence: float


def _segments(chain: str | None) -> pd.DataFrame:
    t = _targets()
    if chain not in (None, ALL):
        t = t[t["chain"] == chain]
    return t.reset_index(drop=True)


def _distinct(tags: pd.DataFrame, p: pd.DataFrame, by: str, level: str) -> pd.Series:
    """Distinct policies per ``place`` (at ``level``) or per ``label``."""
    if by == "place":
        placed = p.assign(place=roll(p["adcode"], level).to_numpy())
        m = placed[placed["policy_id"].isin(set(tags["policy_id"]))]
        return m.groupby("place")["policy_id"].nunique()
    t = tags[tags["policy_id"].isin(set(p["policy_id"]))]
    return t.groupby("label")["policy_id"].nunique()


def coverage(
    backend: Backend,
    *,
    level: str = "city",
    chain: str | None = None,
    since: object = None,
    until: object = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> CoverageView:
    """The coverage matrix: policies per segment × place × year.

    Parameters
    ----------
    level : {'city', 'province', 'place'}
        Places as cities (a county's policy counts for its city), provinces, or as issued.
    chain : str, optional
        One chain's segments (default: every chain).
    since, until : int, optional
        Years counted, inclusive (default: every year with policies).
    min_confidence : float
        Tags below it are left out.

    Returns
    -------
    CoverageView
        ``policies`` counts distinct policies: a policy issued in a place in a year and tagged to a segment counts
        once in that cell (:func:`chainatlas.analytics.policy.coverage`); regional and national policies are in
        ``region``.
    """
    _check_level(level)
    _check_target(chain, None)
    conf = _confidence(min_confidence)
    T = tagged(backend)
    years = _range(T.policies, since, until)
    inside = _in_years(T.policies, years)
    placed, regional = _split_region(inside)
    tags = _tags(T, chain=chain, segment=None, min_confidence=conf)
    cov = pol.coverage(tags, placed, level=level, min_confidence=conf)
    cells = cov.cells.reset_index(drop=True)
    matrix = cells.groupby(["chain", "segment", "place"], sort=True)["policies"].sum().reset_index()
    segs = _segments(chain)
    by_label = _distinct(tags, placed, "label", level)
    segs = segs.assign(policies=segs["label"].map(by_label).fillna(0).astype("int64"))
    tagged_here = placed[placed["policy_id"].isin(set(tags["policy_id"]))]
    present = sorted(set(roll(tagged_here["adcode"].dropna(), level)))
    codes = _level_places(level, present)
    codes += [c for c in present if c not in codes]  # a province's own column at city level, a place outside
    places = _place_rows(codes, level)
    places["policies"] = (
        places["place"].map(_distinct(tags, placed, "place", level)).fillna(0).astype("int64")
    )
    rt = tags[tags["policy_id"].isin(set(regional["policy_id"]))]
    region = (
        rt.groupby(["chain", "segment"], sort=True)["policy_id"].nunique().rename("policies").reset_index()
    )
    available = sorted(int(y) for y in T.policies["year"].dropna().unique())
    return CoverageView(level, years, available, segs, places, matrix, cells, region, conf)


# ================================================================================================ overlaps
@dataclass(frozen=True)
class OverlapsView:
    """Overlaps (:func:`overlaps`): ``pairs`` of policies and their ``summary`` per place pair and segment, with
    the places' names and centroids (``lon_a, lat_a, lon_b, lat_b``: the map's lines), the policies' titles, the
    segment's name and the shared measures in Chinese (``measures_zh``)."""

    level: str
    years: tuple[int, int] | None
    pairs: pd.DataFrame
    summary: pd.DataFrame
    window: int
    same_province: bool
    min_confidence: float


def _with_places(df: pd.DataFrame, level: str) -> pd.DataFrame:
    out = df.copy()
    for side in ("a", "b"):
        rows = _place_rows(list(out[f"place_{side}"].astype(str)), level)
        out[f"place_{side}_name"] = rows["name_zh"].to_numpy()
        out[f"unit_{side}"] = rows["unit"].to_numpy()
        out[f"lon_{side}"] = rows["lon"].to_numpy()
        out[f"lat_{side}"] = rows["lat"].to_numpy()
    names = _targets().set_index(["chain", "segment"])["label_zh"]
    out["label_zh"] = [names.get((c, s), s) for c, s in zip(out["chain"], out["segment"], strict=True)]
    out["measures_zh"] = out["measures"].map(lambda ms: tuple(MEASURE_ZH.get(m, m) for m in ms))
    out["relation_zh"] = out["relation"].map(RELATION_ZH)
    return out


def overlaps(
    backend: Backend,
    *,
    level: str = "city",
    chain: str | None = None,
    segment: str | None = None,
    since: object = None,
    until: object = None,
    window: int = 1,
    same_province: bool = False,
    min_confidence: float = MIN_CONFIDENCE,
) -> OverlapsView:
    """Neighbouring places backing one segment at about the same time with competing measures (the paper's
    竞争远大于合作).

    Two policies of two places overlap on a segment when both are tagged to it, the places are neighbours (queen
    contiguity of the bundled boundaries; with ``same_province`` also any two places of one province), neither
    place lies inside the other, their years differ by at most ``window`` and both offer a measure of the same
    category (subsidies, land, tax, talent, attraction, funds, procurement) — see
    :func:`chainatlas.analytics.policy.overlaps`. Regional and national policies belong to no place and never
    overlap. Only policies issued in the years ``since``–``until`` are compared.
    """
    _check_level(level)
    _check_target(chain, segment)
    conf = _confidence(min_confidence)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or not 0 <= window <= 10:
        raise ConfigError(
            f"年份窗口应为 0–10 的整数 / expected window a whole number of years from 0 to 10, got {window!r}",
            param="window",
        )
    T = tagged(backend)
    years = _range(T.policies, since, until)
    placed, _ = _split_region(_in_years(T.policies, years))
    tags = _tags(T, chain=chain, segment=segment, min_confidence=conf)
    o = pol.overlaps(
        tags,
        placed,
        T.measures,
        _adjacency(level),
        level=level,
        same_province=bool(same_province),
        window=int(window),
        min_confidence=conf,
    )
    pairs = _with_places(o.pairs, level)
    titles = T.policies.set_index("policy_id")["title"]
    pairs["title_a"] = pairs["policy_a"].map(titles)
    pairs["title_b"] = pairs["policy_b"].map(titles)
    summary = _with_places(o.summary, level)
    summary = summary.sort_values(["pairs", "chain", "segment"], ascending=[False, True, True], kind="stable")
    return OverlapsView(
        level, years, pairs.reset_index(drop=True), summary.reset_index(drop=True), int(window),
        bool(same_province), conf,
    )  # fmt: skip


# ================================================================================================ gaps
@dataclass(frozen=True)
class GapsView:
    """Gaps (:func:`gaps`): ``table`` — one row per segment and place without a policy, with its names and what
    backs it otherwise (``chain_policies``, ``higher_policies``, ``region_policies``, ``last_year``) —, ``by_place``
    (segments covered, share) and ``by_segment`` (places covered, share)."""

    level: str
    years: tuple[int, int] | None
    table: pd.DataFrame
    by_place: pd.DataFrame
    by_segment: pd.DataFrame
    min_confidence: float


def gaps(
    backend: Backend,
    *,
    level: str = "city",
    chain: str | None = None,
    since: object = None,
    until: object = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> GapsView:
    """Segments without a policy in a place over the years (every city or province of the region; at ``place``
    level the places that issued a policy), as :func:`chainatlas.analytics.policy.gaps` finds them, with the
    regional and national policies on the segment in the years (``region_policies``) beside the city's and
    province's (``higher_policies``)."""
    _check_level(level)
    _check_target(chain, None)
    conf = _confidence(min_confidence)
    T = tagged(backend)
    years = _range(T.policies, since, until)
    segs = _segments(chain)
    segs = segs[segs["segment"] != ALL]
    empty_cols = [*pol.GAP_COLUMNS, "place_name", "label_zh", "region_policies"]
    if years is None:
        e = pd.DataFrame({c: pd.Series(dtype=object) for c in empty_cols})
        return GapsView(level, None, e, pd.DataFrame(), pd.DataFrame(), conf)
    placed, regional = _split_region(T.policies)
    tags = _tags(T, chain=chain, segment=None, min_confidence=conf)
    present = sorted(set(roll(placed["adcode"].dropna(), level)))
    codes = _level_places(level, present)
    g = pol.gaps(
        tags, placed, segs[["chain", "segment"]], codes, years=years, level=level, min_confidence=conf
    )
    names = segs.set_index(["chain", "segment"])["label_zh"]
    table = g.table.copy()
    table["place_name"] = [_name(c) for c in table["place"]]
    table["label_zh"] = [names.get((c, s), s) for c, s in zip(table["chain"], table["segment"], strict=True)]
    rt = tags[tags["policy_id"].isin(set(_in_years(regional, years)["policy_id"]))]
    reg = rt.groupby(["chain", "segment"])["policy_id"].nunique()
    table["region_policies"] = [
        int(reg.get((c, s), 0)) for c, s in zip(table["chain"], table["segment"], strict=True)
    ]
    bp = g.by_place.copy()
    bp["place_name"] = [_name(c) for c in bp["place"]]
    bs = g.by_segment.copy()
    bs["label_zh"] = [names.get((c, s), s) for c, s in zip(bs["chain"], bs["segment"], strict=True)]
    # segments in the taxonomy's order (upstream first), as the matrix shows them
    rank = {k: i for i, k in enumerate(zip(segs["chain"], segs["segment"], strict=True))}
    table = table.assign(_o=[rank.get(k, -1) for k in zip(table["chain"], table["segment"], strict=True)])
    table = table.sort_values(["_o", "place"], kind="stable").drop(columns="_o").reset_index(drop=True)
    bs = bs.assign(_o=[rank.get(k, -1) for k in zip(bs["chain"], bs["segment"], strict=True)])
    bs = bs.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    return GapsView(level, years, table, bp, bs, conf)


# ================================================================================================ alerts
#: columns of :func:`for_alert`'s policies
ALERT_COLUMNS = (
    *_RECORD,
    "relation",
    "relation_zh",
    "match",
    "label",
    "label_zh",
    "confidence",
    "source",
    "terms",
    "sentences",
    "measures",
)


def _covering(unit: str) -> dict[str, str]:
    """The places whose policies bear on ``unit``: itself (``same``), and its city and province (``higher``); a
    municipality is its own city (Shanghai's 310100 is 310000).

    >>> _covering("320506")
    {'320506': 'same', '320500': 'higher', '320000': 'higher'}
    >>> _covering("310100")
    {'310000': 'same', '310100': 'same'}
    """
    u = "310000" if unit == "310100" else unit
    prov = u[:2] + "0000"
    if u == prov:
        out = {u: "same"}
    elif u.endswith("00"):
        out = {u: "same", prov: "higher"}
    else:
        city = prov if u[:2] in MUNICIPALITIES else u[:4] + "00"
        out = {u: "same", city: "higher", prov: "higher"}
    if "310000" in out:
        out["310100"] = out["310000"]
    return out


def for_alert(
    backend: Backend,
    alert_id: int,
    *,
    principal: Principal | None = None,
    store: Any = None,
    min_confidence: float = MIN_CONFIDENCE,
    limit: int = 50,
) -> dict[str, Any]:
    """The policies bearing on an alert: issued by its place or a jurisdiction covering it (its city, its province;
    regional and national policies cover every place; an alert on the whole region takes those alone) and tagged to
    what the alert is about — an alert on a segment takes policies on the segment (``match`` ``segment``) or on its
    chain as a whole (``chain``); an alert on a chain every tag of the chain (``chain``); an alert on no chain every
    tagged policy (``any``). A policy is listed once, with its best matching tag and that tag's evidence.

    Returns ``alert`` (id, unit, its name, chain, segment, level), ``total`` and ``policies`` (at most ``limit``,
    :data:`ALERT_COLUMNS`): the place's own first, then the higher ones, then the region's; within each, a segment
    match before a chain match, stronger tags and newer policies first. UnknownAlert (from the alert store) when there
    is no such alert or ``principal`` may not see it.
    """
    from chainatlas.storage.alerts import AlertStore

    conf = _confidence(min_confidence)
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or not 1 <= limit <= 10_000:
        raise ConfigError(
            f"条数应为 1–10000 的整数 / expected limit a whole number from 1 to 10000, got {limit!r}",
            param="limit",
        )
    if store is None:
        path = getattr(backend, "path", None)
        if not path:
            raise ConfigError(
                "图谱没有文件，因而没有预警库 / the atlas has no file, so no alert store beside it",
                param="alert_id",
            )
        store = AlertStore(config.side_file(path, "alerts"))
    a = store.get(int(alert_id), principal=principal)
    unit, chain, segment = str(a["unit"]), str(a["chain"] or ALL), str(a["segment"] or ALL)
    T = tagged(backend)
    p = T.policies
    rel = pd.Series("", index=p.index, dtype=object)
    rel[p["level"].isin(REGION_LEVELS)] = "region"
    if len(unit) == 6 and unit.isdigit():
        cover = _covering(unit)
        mapped = p["adcode"].map(cover)
        rel = rel.where(rel != "", mapped.fillna(""))
    p = p.assign(relation=rel)[rel != ""]
    t = T.tags[(T.tags["confidence"] >= conf) & T.tags["policy_id"].isin(set(p["policy_id"]))]
    if chain == ALL:
        t = t.assign(match="any")
    elif segment == ALL:
        t = t[t["chain"] == chain].assign(match="chain")
    else:
        t = t[(t["chain"] == chain) & t["segment"].isin([segment, ALL])]
        t = t.assign(match=np.where(t["segment"] == segment, "segment", "chain"))
    rank_match = {"segment": 0, "any": 0, "chain": 1}
    t = t.assign(_m=t["match"].map(rank_match))
    t = t.sort_values(["policy_id", "_m", "confidence"], ascending=[True, True, False], kind="stable")
    best = t.drop_duplicates("policy_id", keep="first")
    out = p.merge(best.drop(columns=["chain"]), on="policy_id", how="inner")
    names = _targets().set_index("label")["label_zh"]
    meas = T.measures.groupby("policy_id")["category"].agg(tuple)
    out["label_zh"] = out["label"].map(lambda x: names.get(x, x))
    out["relation_zh"] = out["relation"].map(RELATION_ZH)
    out["level_zh"] = out["level"].map(LEVEL_ZH)
    out["place_name"] = [_name(c) for c in out["adcode"]]
    out["measures"] = [meas.get(i, ()) for i in out["policy_id"]]
    out["_r"] = out["relation"].map({"same": 0, "higher": 1, "region": 2})
    out = out.sort_values(
        ["_r", "_m", "confidence", "date", "policy_id"],
        ascending=[True, True, False, False, True],
        kind="stable",
        na_position="last",
    )
    out = out[list(ALERT_COLUMNS)].reset_index(drop=True)
    return {
        "alert": {
            "id": int(a["id"]),
            "unit": unit,
            "unit_name": a.get("name_zh") or _name(unit),
            "chain": chain,
            "segment": segment,
            "label_zh": names.get(chain if segment == ALL else f"{chain}:{segment}", None)
            if chain != ALL
            else None,
            "level": a["level"],
        },
        "total": len(out),
        "policies": out.head(int(limit)),
        "synthetic": T.synthetic,
    }


# ================================================================================================ evaluation
@dataclass(frozen=True)
class Evaluation:
    """The tagging against a labelled file (:func:`evaluate`): :class:`chainatlas.analytics.policy.TagEvaluation`'s
    figures, the file, where the texts came from (``file`` or ``atlas``) and the threshold."""

    result: pol.TagEvaluation
    file: str
    texts: str
    min_confidence: float

    def summary(self) -> dict[str, Any]:
        r = self.result
        return {
            "file": self.file,
            "texts": self.texts,
            "policies": r.policies,
            "min_confidence": self.min_confidence,
            "precision": r.precision,
            "recall": r.recall,
            "f1": r.f1,
            "chain_precision": r.chain_precision,
            "chain_recall": r.chain_recall,
            "chain_f1": r.chain_f1,
            "exact": r.exact,
        }


#: the truth file's columns and the headers they may have
_TRUTH_HEADERS = {
    "policy_id": ("policy_id", "政策编号", "编号", "id"),
    "title": ("title", "标题", "政策标题", "名称"),
    "text": ("text", "正文", "全文", "内容"),
    "labels": ("labels", "标签", "标注", "标注标签", "真实标签", "正确标签", "label"),
}


def _truth_columns(frame: pd.DataFrame, file: str) -> dict[str, str]:
    found: dict[str, str] = {}
    lower = {str(c).strip().lower(): c for c in frame.columns}
    for key, names in _TRUTH_HEADERS.items():
        for n in names:
            if n.lower() in lower:
                found[key] = lower[n.lower()]
                break
    missing = [k for k in ("policy_id", "labels") if k not in found]
    if missing:
        want = "; ".join(f"{k}: {' / '.join(_TRUTH_HEADERS[k])}" for k in missing)
        raise ConfigError(
            f"{file}: 缺少列 / missing column(s) {missing} (expected headers {want}); the file's headers are "
            f"{[str(c) for c in frame.columns]}",
            param="truth",
        )
    return found


def evaluate(
    truth_file: str | Path,
    *,
    backend: Backend | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> Evaluation:
    """Precision, recall and F1 of the text tagging on a labelled file (CSV, XLSX, Parquet; any encoding ingest
    reads).

    The file has a row per policy: ``policy_id`` (政策编号) and ``labels`` (标签: ``chain:segment`` or ``chain``
    joined by ``;``, empty for a policy about no chain), and ``title`` (标题) and ``text`` (正文) — the headers of
    ``tests/fixtures/policies_labelled.csv``, English or Chinese. Without a title column the policies are the
    atlas's (``backend``), by id: the synthetic dataset's ``labels/policy_truth.csv`` is such a file. Only the text's
    tags count (a declared tag is not a prediction). ConfigError naming the file, row, column and value for a
    missing column, a blank or repeated id, a label the taxonomy does not have, or an id the atlas lacks.
    """
    from chainatlas.ingest.read import read_user_table

    conf = _confidence(min_confidence)
    path = Path(truth_file)
    frame, _ = read_user_table(path)
    cols = _truth_columns(frame, path.name)
    known = set(_targets()["label"])
    ids: list[str] = []
    seen: dict[str, int] = {}
    for i, v in enumerate(frame[cols["policy_id"]], start=2):
        pid = "" if v is None else str(v).strip()
        if pid.endswith(".0") and pid[:-2].isdigit():
            pid = pid[:-2]
        if not pid:
            raise ConfigError(
                f"{path.name} 第 {i} 行 / row {i}, column {cols['policy_id']}: 政策编号为空 / blank policy id",
                param="truth",
            )
        if pid in seen:
            raise ConfigError(
                f"{path.name} 第 {i} 行 / row {i}, column {cols['policy_id']}: 政策编号与第 {seen[pid]} 行重复 / "
                f"policy {pid!r} repeats row {seen[pid]}; expected one row per policy",
                param="truth",
            )
        seen[pid] = i
        ids.append(pid)
    labels = []
    for i, v in enumerate(frame[cols["labels"]], start=2):
        got = pol._split_labels(v)
        bad = sorted(x for x in got if x not in known)
        if bad:
            raise ConfigError(
                f"{path.name} 第 {i} 行 / row {i}, column {cols['labels']}: 未知标签 / unknown label(s) {bad} in "
                f"{v!r}; expected chain:segment or chain joined by ';', one of {', '.join(sorted(known))}",
                param="truth",
            )
        labels.append(";".join(sorted(got)))
    truth = pd.DataFrame({"policy_id": ids, "labels": labels})
    if "title" in cols:
        texts = pd.DataFrame(
            {
                "policy_id": ids,
                "title": ["" if v is None else str(v) for v in frame[cols["title"]]],
                "text": ["" if v is None else str(v) for v in frame[cols["text"]]] if "text" in cols else "",
            }
        )
        tags = pol.tag_policies(texts, _tagger(), min_confidence=conf).tags
        source = "file"
    else:
        if backend is None:
            raise ConfigError(
                f"{path.name}: 没有标题列，需读取图谱中的政策 / the file has no title column, so its policies are read "
                "from the atlas: give the atlas (--db), or add title (标题) and text (正文) columns",
                param="truth",
            )
        T = tagged(backend)
        have = set(T.policies["policy_id"])
        lost = [(i + 2, x) for i, x in enumerate(ids) if x not in have]
        if lost:
            shown = ", ".join(f"row {r} {x!r}" for r, x in lost[:5])
            raise ConfigError(
                f"{path.name}: {len(lost)} 个政策编号不在图谱中 / policy id(s) not in the atlas ({shown}"
                f"{' …' if len(lost) > 5 else ''}); load the policies first or give title and text columns",
                param="truth",
            )
        t = T.tags
        tags = t[t["source"].isin(["text", "both"]) & (t["text_confidence"] >= conf)]
        source = "atlas"
    return Evaluation(pol.evaluate_tags(tags, truth), path.name, source, conf)


# ================================================================================================ files
def book(name: str, key: str, table: pd.DataFrame, meta: dict[str, Any], synthetic: bool) -> Book:
    """One table for :func:`chainatlas.pipeline.simulate.write` (CSV/XLSX with :data:`HEADERS`, JSON)."""
    return book_of(name, key, table, meta, synthetic, HEADERS)
