"""R&D-liaison matching over the atlas (研发联络者, issue 16): firms' technology needs against researchers.

Wiring only: the profiles are read from the raw tables and every score is computed by
:mod:`chainatlas.analytics.matching`.

======================  ===========================================================================================
function                answers
======================  ===========================================================================================
:func:`experts`         the researchers' profiles: their research directions and segment, enriched with the titles
                        of their institution's patents and papers in their IPC subclasses (the atlas does not know
                        inventors by name), IPC subclasses, place, province
:func:`needs`           the needs' profiles: title and description, IPC, segment, the posting firm's place
:func:`for_needs`       ranked experts for needs (by id, or for a free text), each match explained
:func:`for_expert`      the reverse: ranked needs for one researcher
:func:`evaluate`        precision@k, recall@k and MRR of the ranking on a labelled file (``need_id, expert_id``)
======================  ===========================================================================================

**Ties.** Past co-operation between a need's firm and a researcher's institution: patents they applied for
together, patents transferred between them and technology contracts between them, counted over all years.

**Vouchers.** Two provinces honour each other's innovation vouchers when a mutual recognition (``recognitions``)
joins a place of each; the same province always does.

**Scope.** Researchers are the region's shared register for matching and are read whole (a need in Suzhou is
matched with a researcher in Hefei whoever reads it), their names blanked for a reader without personal data;
needs are read under the reader's scope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.analytics import matching as mt
from chainatlas.errors import ConfigError
from chainatlas.ingest.read import read_user_table
from chainatlas.model.codes import ipc_subclass
from chainatlas.model.taxonomy import atlas_taxonomy
from chainatlas.pipeline import query
from chainatlas.pipeline.book import Book, book_of
from chainatlas.storage.base import Backend

__all__ = [
    "HEADERS",
    "MATCH_COLUMNS",
    "Profiles",
    "Result",
    "asker",
    "book",
    "evaluate",
    "experts",
    "for_expert",
    "for_needs",
    "is_need",
    "listing",
    "needs",
    "read_truth",
    "synthetic",
]

#: titles of the institution's patents and papers added to a researcher's profile (the most recent first)
TITLES_PER_EXPERT = 20
#: how many times a researcher's own research directions count against one title of the institution's
KEYWORD_WEIGHT = 3
#: the columns of a result table, in order
MATCH_COLUMNS = ("query_id", "rank", "profile_id", *mt.EXPLANATION)
_SPLIT = re.compile(r"[;；|]")
#: the headers a labelled file may use: the need's and the relevant researcher's ids
_TRUTH_HEADERS = {
    "需求编号": "q", "need_id": "q", "query": "q", "query_id": "q",
    "人员编号": "p", "expert_id": "p", "relevant": "p", "profile_id": "p",
}  # fmt: skip


@dataclass(frozen=True)
class Profiles:
    """A side of the matching as the analytics take it (``profiles``) with what the tables show beside it
    (``info``: one row per profile, in the same order: name, institution or firm, segment, place …)."""

    profiles: mt.Profiles
    info: pd.DataFrame
    #: codes of the entities behind the profiles (the expert's institution, the need's firm), for ties
    owner: np.ndarray
    synthetic: bool


@dataclass(frozen=True)
class Result:
    """Ranked matches (``rows``: :data:`MATCH_COLUMNS` plus the profile's ``info`` columns), whether the profiles
    are synthetic, and why there is none when the atlas holds nothing to match against."""

    rows: pd.DataFrame
    synthetic: bool
    #: why there is no match at all (the atlas holds nothing to match against), else None
    note: str | None = None


def _ipc_items(ipc: pd.Series) -> pd.DataFrame:
    """``row, sub``: the IPC subclass of each item of each row's IPC list (one pass over all items)."""
    items = ipc.astype(object).where(ipc.notna(), "").astype(str).str.split(r"[;；|]", regex=True).explode()
    items = items.str.strip()
    items = items[items != ""]
    sub = ipc_subclass(items.astype(object))
    out = pd.DataFrame({"row": items.index.to_numpy(), "sub": sub.to_numpy()}).dropna().drop_duplicates()
    return out


def _codes(ipc: pd.Series, chain: pd.Series, segment: pd.Series) -> list[frozenset[str]]:
    """IPC subclasses and ``chain:segment`` of each row (positions 0…n−1), written alike on both sides."""
    ipc = ipc.reset_index(drop=True)
    subs = _ipc_items(ipc).groupby("row")["sub"].agg(list).reindex(range(len(ipc)))
    out = []
    for sb, c, s in zip(subs.tolist(), chain.tolist(), segment.tolist(), strict=True):
        codes = set(sb) if isinstance(sb, list) else set()
        if isinstance(c, str) and c and isinstance(s, str) and s:
            codes.add(f"{c}:{s}")
        out.append(frozenset(codes))
    return out


def _segment_names() -> dict[str, str]:
    """``chain:segment`` → Chinese name of every segment of the atlas's taxonomy."""
    t = atlas_taxonomy().segments
    return {f"{c}:{s}": z for c, s, z in zip(t["chain"], t["segment"], t["name_zh"], strict=True)}


def _text(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if isinstance(p, str) and p.strip())


def _institution_titles(backend: Backend, inst: pd.DataFrame) -> pd.Series:
    """Per expert (positions of ``inst``: ``institution_code`` and ``ipc``), the titles of the institution's patents
    in the expert's IPC subclasses and of its papers (they carry no IPC), the most recent first, at most
    :data:`TITLES_PER_EXPERT`, joined by spaces."""
    n = len(inst)
    codes = set(inst["institution_code"].dropna())
    empty = pd.Series("", index=range(n), dtype=object)
    if not codes:
        return empty
    parts = []
    for name, col, ipc in (
        ("raw_patents", "applicant_codes", "ipc"),
        ("raw_papers", "institution_codes", None),
    ):
        t = query.raw_frame(backend, name, ["title", col, "year", *([ipc] if ipc else [])], whole=True)
        if not len(t):
            continue
        t = t.assign(code=t[col].astype(str).str.split(r"[;；|]", regex=True)).explode("code")
        t = t[t["code"].isin(codes)].reset_index(drop=True)
        if ipc:
            first = (
                t[ipc].astype(object).where(t[ipc].notna(), "").astype(str).str.split(r"[;；|]", regex=True)
            )
            t["sub"] = ipc_subclass(first.str[0].str.strip().astype(object)).to_numpy()
        else:
            t["sub"] = "*"
        parts.append(t[["code", "sub", "title", "year"]])
    if not parts:
        return empty
    titles = pd.concat(parts, ignore_index=True).dropna(subset=["title", "sub"])
    who = inst.reset_index(drop=True)
    wants = _ipc_items(who["ipc"]).assign(
        code=lambda d: who["institution_code"].to_numpy()[d["row"].to_numpy()]
    )
    papers = pd.DataFrame({"row": np.arange(n), "code": who["institution_code"].to_numpy(), "sub": "*"})
    m = pd.concat([wants, papers], ignore_index=True).dropna().merge(titles, on=["code", "sub"])
    m = m.sort_values(["row", "year", "title"], ascending=[True, False, True], kind="stable")
    m = m[m.groupby("row").cumcount() < TITLES_PER_EXPERT]
    joined = m.groupby("row")["title"].agg(lambda x: " ".join(map(str, x)))
    return joined.reindex(range(n)).fillna("").astype(object)


def experts(backend: Backend) -> Profiles:
    """The researchers' profiles (see the module docstring); an atlas without experts has none."""
    cols = ["expert_id", "name", "institution_name", "institution_code", "adcode", "ipc", "chain", "segment",
            "keywords", "synthetic"]  # fmt: skip
    df = query.raw_frame(backend, "raw_experts", cols, whole=True).reset_index(drop=True)
    df = df.drop_duplicates("expert_id", keep="last").reset_index(drop=True)
    seg = _segment_names()
    label = (df["chain"].astype(str) + ":" + df["segment"].astype(str)).map(seg)
    codes = _codes(df["ipc"], df["chain"], df["segment"])
    titles = _institution_titles(backend, df)
    # the researcher's own directions count KEYWORD_WEIGHT times (BM25F-style field weight by repetition): the
    # institution's titles are many and about all its researchers
    texts = [
        _text(
            *([k.replace(";", " ").replace("；", " ")] * KEYWORD_WEIGHT if isinstance(k, str) else []), s, t
        )
        for k, s, t in zip(df["keywords"], label, titles, strict=True)
    ]
    where = geo.locate(df["adcode"])
    prov = df["adcode"].astype(str).str.slice(0, 2).where(df["adcode"].notna(), "")
    profiles = mt.Profiles(
        ids=df["expert_id"].astype(object).to_numpy(),
        texts=texts,
        codes=codes,
        lon=where["lon"].to_numpy(dtype=float),
        lat=where["lat"].to_numpy(dtype=float),
        province=prov.to_numpy(dtype=object),
        kind=np.full(len(df), "expert", dtype=object),
    )
    info = pd.DataFrame(
        {
            "name": df["name"],
            "institution": df["institution_name"],
            "segment": df["chain"].astype(str) + ":" + df["segment"].astype(str),
            "segment_zh": label,
            "adcode": df["adcode"],
            "place": where["name"],
            "lon": where["lon"],
            "lat": where["lat"],
            "keywords": df["keywords"],
        }
    )
    synthetic = bool(df["synthetic"].fillna(False).astype(bool).any()) if len(df) else False
    return Profiles(profiles, info, df["institution_code"].astype(object).to_numpy(), synthetic)


def needs(backend: Backend, ids: Sequence[str] | None = None) -> Profiles:
    """The needs' profiles (all, or those of ``ids`` in that order); the firm's place is its entity's."""
    cols = ["need_id", "credit_code", "firm_name", "firm_norm", "title", "description", "ipc", "chain", "segment",
            "date", "budget", "synthetic"]  # fmt: skip
    df = query.raw_frame(backend, "raw_needs", cols, whole=False).drop_duplicates("need_id", keep="last")
    if ids is not None:
        df = df.set_index("need_id")
        missing = [i for i in ids if i not in df.index]
        if missing:
            raise ConfigError(
                f"unknown need {missing[0]!r}: expected a need_id of the loaded needs (chainatlas ingest needs …)",
                param="need",
            )
        df = df.loc[list(ids)].reset_index()
    df = df.reset_index(drop=True)
    ent = (
        query.raw_frame(backend, "entities", ["entity_id", "name_norm", "adcode"], whole=True)
        if backend.has_table("entities")
        else pd.DataFrame(columns=["entity_id", "name_norm", "adcode"])
    )
    by_code = ent.dropna(subset=["entity_id"]).drop_duplicates("entity_id").set_index("entity_id")["adcode"]
    by_name = ent.dropna(subset=["name_norm"]).drop_duplicates("name_norm").set_index("name_norm")["adcode"]
    adcode = df["credit_code"].map(by_code).fillna(df["firm_norm"].map(by_name))
    where = geo.locate(adcode)
    seg = _segment_names()
    label = (df["chain"].astype(str) + ":" + df["segment"].astype(str)).map(seg)
    profiles = mt.Profiles(
        ids=df["need_id"].astype(object).to_numpy(),
        texts=[_text(t, d) for t, d in zip(df["title"], df["description"], strict=True)],
        codes=_codes(df["ipc"], df["chain"], df["segment"]),
        lon=where["lon"].to_numpy(dtype=float),
        lat=where["lat"].to_numpy(dtype=float),
        province=adcode.astype(str).str.slice(0, 2).where(adcode.notna(), "").to_numpy(dtype=object),
        kind=np.full(len(df), "need", dtype=object),
    )
    info = pd.DataFrame(
        {
            "title": df["title"],
            "firm": df["firm_name"],
            "segment": df["chain"].astype(str) + ":" + df["segment"].astype(str),
            "segment_zh": label,
            "adcode": adcode,
            "place": where["name"],
            "lon": where["lon"],
            "lat": where["lat"],
            "budget": df["budget"],
            "date": df["date"],
        }
    )
    owner = df["credit_code"].fillna(df["firm_norm"]).astype(object).to_numpy()
    synthetic = bool(df["synthetic"].fillna(False).astype(bool).any()) if len(df) else False
    return Profiles(profiles, info, owner, synthetic)


def _free_text(text: str, place: str | None = None) -> Profiles:
    """A need typed in by the user: its words, and its place when given (no codes, no firm)."""
    from chainatlas.pipeline.supply_network import place_prefix

    if not isinstance(text, str) or not text.strip():
        raise ConfigError("expected a need id or the text of a need, got an empty text", param="need")
    code = place_prefix(place, "place")[0] if place else None
    where = geo.locate(pd.Series([code], dtype=object))
    info = pd.DataFrame({"title": [text], "adcode": [code], "place": where["name"].to_numpy(),
                         "lon": where["lon"].to_numpy(), "lat": where["lat"].to_numpy()})  # fmt: skip
    p = mt.Profiles.of(
        ["text"],
        [text],
        lon=where["lon"].to_numpy(dtype=float),
        lat=where["lat"].to_numpy(dtype=float),
        province=[code[:2] if code else ""],
        kind="need",
    )
    return Profiles(p, info, np.array([None], dtype=object), False)


def _pairs(backend: Backend) -> pd.DataFrame:
    """Past co-operation between entities (by code, both orders): ``a, b, count`` over co-patents, transfers and
    technology contracts."""
    rows = []
    pat = query.raw_frame(backend, "raw_patents", ["applicant_codes"], whole=True)
    if len(pat):
        lists = pat["applicant_codes"].dropna().astype(str).str.split(r"[;；|]", regex=True)
        lists = lists[lists.str.len() > 1]
        for items in lists:  # co-applied patents are a few percent of all
            items = sorted({x for x in items if x})
            rows += [(a, b) for i, a in enumerate(items) for b in items[i + 1 :]]
    for name, a, b in (
        ("raw_patent_transfers", "from_code", "to_code"),
        ("raw_tech_contracts", "seller_code", "buyer_code"),
    ):
        t = query.raw_frame(backend, name, [a, b], whole=True).dropna()
        rows += list(zip(t[a].astype(str), t[b].astype(str), strict=True))
    if not rows:
        return pd.DataFrame({"a": [], "b": [], "count": []})
    df = pd.DataFrame(rows, columns=["a", "b"])
    both = pd.concat([df, df.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
    return both.groupby(["a", "b"], as_index=False).size().rename(columns={"size": "count"})


def _ties(backend: Backend, queries: Profiles, index_side: Profiles) -> mt.Ties | None:
    pairs = query.remember(backend, ("matching", "pairs"), lambda: _pairs(backend))
    q = pd.DataFrame({"query_id": queries.profiles.ids, "a": queries.owner}).dropna()
    p = pd.DataFrame({"profile_id": index_side.profiles.ids, "b": index_side.owner}).dropna()
    if pairs.empty or q.empty or p.empty:
        return None
    m = q.merge(pairs, on="a").merge(p, on="b")
    if m.empty:
        return None
    return mt.Ties(
        m["query_id"].to_numpy(dtype=object),
        m["profile_id"].to_numpy(dtype=object),
        m["count"].to_numpy(float),
    )


def _vouchers(backend: Backend) -> set[tuple[str, str]]:
    """Province pairs joined by a mutual recognition of innovation vouchers."""
    r = query.raw_frame(backend, "raw_recognitions", ["adcode_a", "adcode_b"], whole=True).dropna()
    return {(str(a)[:2], str(b)[:2]) for a, b in zip(r["adcode_a"], r["adcode_b"], strict=True)}


def _experts(backend: Backend) -> Profiles:
    return query.remember(backend, ("matching", "experts"), lambda: experts(backend))


def _all_needs(backend: Backend) -> Profiles:
    return query.remember(backend, ("matching", "needs"), lambda: needs(backend))


def _index(backend: Backend, key: str, side: Profiles) -> mt.Index:
    """The index of a whole side, built once per open read-only atlas (the API's): a request ranks, it does not
    re-read the patents."""
    mt.add_terms(_segment_names().values())
    return query.remember(backend, ("matching", "index", key), lambda: mt.build_index(side.profiles))


def _run(
    backend: Backend, queries: Profiles, side: Profiles, key: str, top: int, weights: mt.Weights | None
) -> Result:
    if len(side.profiles) == 0:  # nothing to rank: no match, and the reason
        what = (
            "研究人员 researchers (chainatlas ingest experts …)"
            if key == "experts"
            else "需求 needs (chainatlas ingest needs …)"
        )
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in [*MATCH_COLUMNS, *side.info.columns]})
        return Result(empty, side.synthetic or queries.synthetic, f"图谱中没有{what}")
    found = mt.match(
        _index(backend, key, side),
        queries.profiles,
        top_k=top,
        weights=weights,
        ties=_ties(backend, queries, side),
        voucher_ok=query.remember(backend, ("matching", "vouchers"), lambda: _vouchers(backend)),
    )
    rows = found.frame(queries.profiles.ids, side.profiles.ids)
    rows = rows[[*MATCH_COLUMNS]].reset_index(drop=True)
    rows = rows.round({"score": 4, "text": 4, "codes": 4, "distance_km": 1})
    # a side whose province is unknown (a firm known by name only, a need typed in without its place) may or may not
    # be honoured: unknown, not "no" (it scored as no)
    unknown = (queries.profiles.province[found.query] == "") | (side.profiles.province[found.profile] == "")
    rows["voucher"] = rows["voucher"].astype(object).where(~unknown, None)
    extra = side.info.iloc[found.profile].reset_index(drop=True)
    return Result(pd.concat([rows, extra], axis=1), side.synthetic or queries.synthetic)


def _check_top(top: object) -> int:
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or not 1 <= int(top) <= 1000:
        raise ConfigError(f"expected a whole number from 1 to 1000, got {top!r}", param="top")
    return int(top)


def for_needs(
    backend: Backend,
    need: str | Sequence[str] | None = None,
    *,
    text: str | None = None,
    place: str | None = None,
    top: int = 10,
    weights: mt.Weights | None = None,
) -> Result:
    """Ranked researchers for one need (its id), several (ids), every need (None), or a free ``text`` (posted
    from ``place``, an adcode or a name, when given: distance and voucher recognition then count)."""
    top = _check_top(top)
    if text is not None:
        queries = _free_text(text, place)
    else:
        queries = needs(backend, [need] if isinstance(need, str) else need)
    return _run(backend, queries, _experts(backend), "experts", top, weights)


def asker(text: str, place: str | None = None) -> dict[str, Any]:
    """A typed-in need as the answer shows what was asked: its text, the place as given, and the place resolved
    (``adcode``, name, centroid) when given."""
    row = _free_text(text, place).info.iloc[0]
    return {
        "text": text,
        "given_place": place,
        **{k: (None if pd.isna(v) else v) for k, v in row.drop("title").items()},
    }


def is_need(backend: Backend, value: str) -> bool:
    """Whether ``value`` is the id of a loaded need the reader may see (else the CLI takes it as a need's text)."""
    ids = query.remember(
        backend,
        ("matching", "need_ids"),
        lambda: set(query.raw_frame(backend, "raw_needs", ["need_id"], whole=False)["need_id"].dropna()),
    )
    return value.strip() in ids


def for_expert(backend: Backend, expert: str, *, top: int = 10, weights: mt.Weights | None = None) -> Result:
    """Ranked needs for one researcher (the reverse of :func:`for_needs`)."""
    top = _check_top(top)
    side = _experts(backend)
    at = np.flatnonzero(side.profiles.ids == expert)
    if not at.size:
        raise ConfigError(
            f"unknown researcher {expert!r}: expected an expert_id of the loaded experts", param="expert"
        )
    i = int(at[0])
    one = Profiles(
        mt.Profiles(
            ids=side.profiles.ids[[i]],
            texts=[side.profiles.texts[i]],
            codes=[side.profiles.codes[i]],
            lon=side.profiles.lon[[i]],
            lat=side.profiles.lat[[i]],
            province=side.profiles.province[[i]],
            kind=side.profiles.kind[[i]],
        ),
        side.info.iloc[[i]].reset_index(drop=True),
        side.owner[[i]],
        side.synthetic,
    )
    return _run(backend, one, _all_needs(backend), "needs", top, weights)


def read_truth(path: str | Path) -> dict[str, set[str]]:
    """A labelled file (CSV or Excel, UTF-8 or GBK) of ``need_id, expert_id`` pairs — headers ``需求编号, 人员编号``
    or ``need_id, expert_id`` (also ``query, relevant``) — as ``{need: {experts}}``."""
    df, _meta = read_user_table(Path(path))
    df = df.rename(columns=lambda c: _TRUTH_HEADERS.get(str(c).strip().lower(), c))
    if "q" not in df.columns or "p" not in df.columns:
        raise ConfigError(
            f"{path}: expected the columns 需求编号 and 人员编号 (or need_id and expert_id), got {list(df.columns)}",
            param="truth",
        )
    out: dict[str, set[str]] = {}
    for row, (q, p) in enumerate(zip(df["q"], df["p"], strict=True), start=2):
        q, p = _id_text(q), _id_text(p)
        if not q or not p:
            col = "需求编号" if not q else "人员编号"
            raise ConfigError(
                f"{path}:{row} [{col}]: a need id and an expert id are both required, got {q!r}, {p!r}",
                param="truth",
            )
        out.setdefault(q, set()).add(p)
    return out


def _id_text(v: object) -> str:
    """An id as text: Excel may store 1001 as a number (1001.0), a blank cell as NaN."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def evaluate(
    backend: Backend, truth: dict[str, set[str]], *, k: int = 5, weights: mt.Weights | None = None
) -> tuple[mt.Evaluation, int]:
    """Precision@k, recall@k and MRR of the ranking of the labelled needs, and how many labelled needs the atlas
    does not hold (scored 0)."""
    k = _check_top(k)
    loaded = set(query.raw_frame(backend, "raw_needs", ["need_id"], whole=False)["need_id"].dropna())
    known = [q for q in truth if q in loaded]
    ranked: dict[str, list[str]] = {}
    if known:
        res = for_needs(backend, known, top=k, weights=weights).rows
        for q, g in res.groupby("query_id", sort=False):
            ranked[str(q)] = g.sort_values("rank")["profile_id"].astype(str).tolist()
    return mt.evaluate(ranked, truth, k), len(truth) - len(known)


#: the Chinese headers of a matches table written for Excel
HEADERS = {
    "query_id": "查询编号",
    "precision_at_k": "前k名准确率",
    "recall_at_k": "前k名召回率",
    "mrr": "平均倒数排名",
    "needs": "评测需求数",
    "unranked": "无匹配需求数",
    "not_in_atlas": "图谱中没有的需求数",
    "rank": "名次",
    "profile_id": "匹配对象编号",
    "score": "综合得分",
    "text": "文本相关度",
    "codes": "IPC与环节重合",
    "distance_km": "距离（公里）",
    "ties": "既往合作（次）",
    "voucher": "创新券可跨省使用",
    "shared_terms": "共同词",
    "shared_codes": "共同代码",
    "name": "姓名",
    "institution": "所在机构",
    "title": "需求名称",
    "firm": "企业",
    "segment": "环节代码",
    "segment_zh": "环节",
    "adcode": "地区代码",
    "place": "地区",
    "lon": "经度",
    "lat": "纬度",
    "keywords": "研究方向",
    "budget": "预算（万元）",
    "date": "发布日期",
}


def book(result: Result, meta: dict[str, Any]) -> Book:
    """A result as a book for :func:`chainatlas.pipeline.simulate.write` (CSV/XLSX with Chinese headers, JSON)."""
    return book_of("匹配结果", "matches", result.rows, meta, result.synthetic, HEADERS)


def synthetic(backend: Backend) -> bool:
    """Whether the researchers or needs the matching reads are synthetic."""
    return _experts(backend).synthetic or _all_needs(backend).synthetic


def listing(backend: Backend, side: str, *, q: str | None = None, segment: str | None = None) -> pd.DataFrame:
    """The needs or researchers (``side``) the reader may see for the page's lists: ``id`` and the profile's
    ``info``, filtered by words in its text (``q``, every word must appear) and by ``chain`` or
    ``chain:segment``."""
    if side not in ("needs", "experts"):
        raise ConfigError(f"expected needs or experts, got {side!r}", param="side")
    p = _all_needs(backend) if side == "needs" else _experts(backend)
    df = p.info.assign(id=p.profiles.ids)
    keep = np.ones(len(df), dtype=bool)
    if segment:
        seg = df["segment"].astype(str)
        keep &= (seg == segment) | seg.str.startswith(segment + ":")
    if q and q.strip():
        # a need's own words (title and description); a researcher's directions, not the institution's titles
        own = p.profiles.texts if side == "needs" else [""] * len(df)
        fields = (
            ["firm", "segment_zh"] if side == "needs" else ["name", "institution", "keywords", "segment_zh"]
        )
        text = pd.Series(own, index=df.index, dtype=object).astype(str)
        for f in fields:
            text = text + " " + df[f].fillna("").astype(str)
        for word in q.split():
            keep &= text.str.contains(word, regex=False).to_numpy()
    return df[keep][["id", *p.info.columns]].reset_index(drop=True)
