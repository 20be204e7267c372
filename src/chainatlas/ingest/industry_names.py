"""Industry names to GB/T 4754-2017 codes: suggestions with a confidence, for a user to review.

Real tables name industries in words (``集成电路设计``, ``新能源汽车``, ``苏州某某锂电池有限公司``), not codes.
:func:`suggest` proposes codes from the 1,972 official titles and the NBS derived classifications bundled with
Chain Atlas (战略性新兴产业, 数字经济核心产业, 高技术产业 …; see ``data/classifications/ATTRIBUTION.md``);
:func:`write_review` writes the suggestions as a file with an empty ``accept`` column that the user fills.

How a name is matched
---------------------
1. **Normalise** (:func:`normalize_industry_name`): NFKC (full-width → half-width), spaces and punctuation
   removed, company suffixes (有限公司, 股份, 集团 …) and trailing 等/行业/产业 dropped. A few abbreviations
   that no title uses (:data:`ALIASES`: 芯片, IC, 锂电, AI) are also written out, and the better of the two
   readings counts; the evidence says so (``(芯片=集成电路)``).
2. **Exact** — the normalised name equals a code's normalised title (a 大类's trailing 业 optional:
   ``汽车制造`` = 36 汽车制造业): confidence 1; or it equals an NBS category name that lists exactly one code,
   whole (``新能源汽车整车制造`` = 3612 新能源车整车制造 in 战略性新兴产业): confidence 0.9.
3. **Words** — every title and every NBS category name (the second and third level of each classification;
   the first, e.g. 新一代信息技术产业, spans hundreds of codes and says nothing) is a *phrase*, cut into
   character unigrams and bigrams and weighted by TF-IDF over all phrases (sublinear TF, smoothed IDF as in
   scikit-learn). A name's similarity to a phrase is the mean of their cosine and of the share of the name's
   weight that the phrase contains (a short keyword wholly inside a long title is good evidence, which the
   cosine alone under-rates). N-grams of the name that no phrase has count in the name's norm at the
   highest IDF, so nonsense that shares one common character with a title does not look like it. A title
   counts fully, an NBS category name 0.9 for the codes it lists whole and 0.75 for those it lists only in
   part (``*``). A code's score ``s`` is its best phrase's; below :data:`MIN_SCORE` it is not suggested.
4. **Level** — the 4-digit 小类 is preferred (it ranks first on a tie with its parent); when the best 小类
   are within 10 % of each other and share a 中类 (or else a 大类), that parent is added with their lowest
   score: the evidence points at the group, not one member.
5. **Confidence** ``c = s / (1 + Σ r_j⁶)``, summed over the *competing* codes ``j`` (neither an ancestor nor a
   descendant) with ``r_j = s_j / s ≥ ½``: a clear winner keeps its similarity, a tie between two unrelated
   codes (``集成电路`` → 3973 制造 or 6520 设计) halves it, a tie among fifteen (``生物医药``, an SEI
   category) leaves a fifteenth, and a generic word (``制造``) falls below :data:`MIN_CONFIDENCE` and gets
   no suggestion. Exact matches keep their confidence. Suggestions are ranked by confidence.

Why character n-grams and not a word segmenter (jieba): titles are short compounds of domain words that a
general dictionary splits inconsistently, and users write variants the standard does not (``新能源汽车`` for
the title's ``新能源车``; ``锂离子电池`` without ``制造``). Unigrams and bigrams match such variants without a
dictionary, need no extra dependency (jieba has had no release since 2020 and loads a 20 MB dictionary), and
their IDF already makes 制造/服务/其他 weak evidence.
Why TF-IDF and not BM25: phrases are 4–15 characters with term frequencies of one, where BM25's saturation
and length terms do nothing useful; cosine and coverage are bounded in [0, 1], which a confidence needs.
The TF-IDF is a few lines on scipy.sparse rather than scikit-learn, whose import alone costs ~3 s per
command and which is not a direct dependency.

Examples
--------
>>> df = suggest(["集成电路设计", "锂电池"], top=1)
>>> df[["name", "code", "title", "confidence"]].values.tolist()
[['集成电路设计', '6520', '集成电路设计', 1.0], ['锂电池', '3841', '锂离子电池制造', 0.693]]
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainatlas.errors import ConfigError, IngestError
from chainatlas.ingest.excel import safe_frame
from chainatlas.model.codes import gbt4754_codes, gbt4754_tags

__all__ = [
    "CONFIDENT",
    "REVIEW_COLUMNS",
    "SuggestSummary",
    "normalize_industry_name",
    "read_names",
    "suggest",
    "summarize",
    "write_review",
]

#: A top suggestion at or above this confidence may be accepted without review.
CONFIDENT = 0.8
#: Codes scoring below this similarity are not suggested at all.
MIN_SCORE = 0.3
#: How fast a rival's weight falls with its score ratio ``r``: ``r**6`` is 1 for a tie, 0.26 at 0.8, 0.05 at 0.6.
RIVAL_POWER = 6
#: Suggestions below this confidence are dropped (a generic word such as 制造 ties with hundreds of codes).
MIN_CONFIDENCE = 0.05
#: Weight of an NBS category name as evidence, for codes listed whole / in part (``*``).
TAG_WEIGHT = 0.9
TAG_WEIGHT_PARTIAL = 0.75
#: Best 小类 within this share of the top score count as one spread of evidence (roll-up).
SPREAD = 0.9
#: Weight of the TF-IDF cosine against the share of the name covered by a phrase.
MIX = 0.5
#: Abbreviations that no title uses, written out before matching (the name as given is matched too).
ALIASES = {"芯片": "集成电路", "IC": "集成电路", "锂电": "锂离子电", "AI": "人工智能"}
#: Columns of :func:`suggest` and of the review file, in order.
REVIEW_COLUMNS = ["name", "rank", "code", "title", "level", "confidence", "evidence", "accept"]

_CHUNK = 256
_LEVEL_NAMES = {2: "大类", 3: "中类", 4: "小类"}
_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|股份|等|行业|产业)+$")
_DROP = re.compile(r"[\W_]+")  # spaces, punctuation (、，（）…); letters and digits of any script stay


def normalize_industry_name(name: object) -> str:
    """The text a name is matched on: NFKC, no spaces or punctuation, no company suffix or trailing 等.

    >>> normalize_industry_name(" 集成电路设计（IC）等 ")
    '集成电路设计IC'
    >>> normalize_industry_name("苏州某某锂电池股份有限公司")
    '苏州某某锂电池'
    """
    if not isinstance(name, str):
        return ""
    text = _DROP.sub("", unicodedata.normalize("NFKC", name)).upper()
    stripped = _SUFFIX.sub("", text)
    return stripped if len(stripped) >= 2 else text


def _grams(text: str) -> list[str]:
    """Character unigrams and bigrams of a normalised text."""
    return list(text) + [text[i : i + 2] for i in range(len(text) - 1)]


def _expand(key: str) -> tuple[str, str]:
    """``key`` with the abbreviations of :data:`ALIASES` written out, and a note of what was replaced."""
    done = []
    for short, full in ALIASES.items():
        if short in key and full not in key:
            key = key.replace(short, full)
            done.append(f"{short}={full}")
    return key, ", ".join(done)


@dataclass(frozen=True)
class _Index:
    info: pd.DataFrame  # by code: name, level, key (normalised title)
    text: list[str]  # phrase text (normalised)
    source: list[str]  # "title" or "分类:类别"
    members: list[tuple[str, ...]]  # codes each phrase names
    weights: list[tuple[float, ...]]  # evidence weight per member
    vocab: dict[str, int]
    idf: np.ndarray
    idf_unknown: float
    D: Any  # phrases × grams TF-IDF, rows L2-normalised (scipy CSR)
    B: Any  # phrases × grams, 1 where the phrase has the gram
    exact: dict[str, tuple[str, float, str]]  # normalised text → (code, confidence, evidence)


def _tfidf(docs: list[list[str]], vocab: dict[str, int], idf: np.ndarray) -> Any:
    """Rows of sublinear TF × IDF (L2-normalised) for tokenised docs, over ``vocab``."""
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, grams in enumerate(docs):
        for g, n in pd.Series(grams, dtype=object).value_counts().items():
            rows.append(i)
            cols.append(vocab[g])
            vals.append((1 + np.log(n)) * idf[vocab[g]])
    M = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float64)
    norm = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    return sparse.diags(np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)) @ M


@lru_cache(maxsize=1)
def _index() -> _Index:
    codes = gbt4754_codes()
    codes = codes[codes["level"] >= 2].copy()
    # a 中类 without subdivisions appears as xxx and xxx0 with one name: keep the 小类
    four = codes.loc[codes["level"] == 4].set_index("code")["name"]
    dup = (codes["level"] == 3) & (codes["code"] + "0").map(four).eq(codes["name"])
    codes = codes[~dup].reset_index(drop=True)
    codes["key"] = codes["name"].map(normalize_industry_name)

    text: list[str] = []
    source: list[str] = []
    members: list[tuple[str, ...]] = []
    weights: list[tuple[float, ...]] = []
    exact: dict[str, tuple[str, float, str]] = {}
    for r in codes.itertuples(index=False):
        text.append(r.key)
        source.append("title")
        members.append((r.code,))
        weights.append((1.0,))
    tags = gbt4754_tags(None)
    known = set(codes["code"])
    for col in ("path_l2", "path_l3"):
        t = tags[tags[col].notna() & tags["gbt4754_code"].isin(known)]
        for (cn, name), g in t.groupby(["classification_cn", col], sort=True):
            # a code listed whole under any row of this category counts whole
            part = g.groupby("gbt4754_code")["partial"].all()
            key = normalize_industry_name(name)
            text.append(key)
            source.append(f"{cn}:{name}")
            members.append(tuple(part.index))
            weights.append(tuple(TAG_WEIGHT_PARTIAL if p else TAG_WEIGHT for p in part.to_numpy()))
            if len(part) == 1 and not part.iloc[0]:
                exact.setdefault(key, (str(part.index[0]), TAG_WEIGHT, f"exact {cn}:{name}"))
    # titles win over categories; the finest level wins among titles (652 and 6520 share a name)
    for r in codes.sort_values("level", ascending=False).itertuples(index=False):
        variants = [r.key] + (
            [r.key[:-1]] if r.level == 2 and r.key.endswith("业") and len(r.key) > 3 else []
        )
        for v in variants:
            if v not in exact or exact[v][1] < 1.0:
                exact[v] = (r.code, 1.0, f"exact title {r.name}")

    docs = [_grams(k) for k in text]
    vocab: dict[str, int] = {}
    for grams in docs:
        for g in grams:
            vocab.setdefault(g, len(vocab))
    df = np.zeros(len(vocab))
    for grams in docs:
        df[[vocab[g] for g in set(grams)]] += 1
    n = len(docs)
    idf = np.log((1 + n) / (1 + df)) + 1  # smoothed IDF, as scikit-learn's TfidfVectorizer
    D = _tfidf(docs, vocab, idf)
    B = (D > 0).astype(np.float64).tocsr()
    info = codes.set_index("code")[["name", "level", "key"]]
    return _Index(info, text, source, members, weights, vocab, idf, float(np.log(1 + n) + 1), D, B, exact)


def _query(idx: _Index, keys: Sequence[str]) -> Any:
    """Query rows over the phrase vocabulary, L2-normalised counting the n-grams no phrase has."""
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, key in enumerate(keys):
        counts = Counter(_grams(key))
        w = {
            g: (1 + np.log(n)) * (idx.idf[idx.vocab[g]] if g in idx.vocab else idx.idf_unknown)
            for g, n in counts.items()
        }
        norm = float(np.sqrt(sum(v * v for v in w.values())))
        for g, wg in w.items():
            if g in idx.vocab:
                rows.append(i)
                cols.append(idx.vocab[g])
                vals.append(wg / norm)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(keys), len(idx.vocab)), dtype=np.float64)


def _scores(idx: _Index, keys: Sequence[str]) -> np.ndarray:
    """names × phrases similarity: the mean of the TF-IDF cosine and the name's share covered by the phrase."""
    Q = _query(idx, keys)
    cos = (Q @ idx.D.T).toarray()
    cover = (Q.multiply(Q) @ idx.B.T).toarray()
    return MIX * cos + (1 - MIX) * cover


def _shared_runs(key: str, text: str) -> list[str]:
    """The longest runs of ``key`` whose bigrams (or, alone, characters) also occur in ``text``."""
    bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
    covered = [False] * len(key)
    for i in range(len(key) - 1):
        if key[i : i + 2] in bigrams:
            covered[i] = covered[i + 1] = True
    runs, cur = [], ""
    for ch, c in zip(key, covered, strict=True):
        if c:
            cur += ch
        elif cur:
            runs.append(cur)
            cur = ""
    if cur:
        runs.append(cur)
    if not runs:
        runs = [ch for ch in dict.fromkeys(key) if ch in text]
    return runs


def _rank_one(idx: _Index, key: str, alt: str, note: str, sims: np.ndarray, top: int) -> list[dict[str, Any]]:
    """Suggestions for one normalised name (``alt``: with abbreviations written out), best first.

    ``sims`` has two rows: the similarities of ``key`` and of ``alt`` to every phrase.
    """
    info = idx.info
    score: dict[str, float] = {}
    why: dict[str, str] = {}
    fixed: dict[str, float] = {}  # exact matches: confidence not reduced by rivals
    for k, label in ((key, ""), (alt, f" ({note})" if note else "")):
        if k in idx.exact and (k == key or note):
            code, c_exact, ev = idx.exact[k]
            if c_exact > fixed.get(code, 0.0):
                fixed[code] = score[code] = c_exact
                why[code] = ev + label
    best = sims.argmax(axis=0)
    top_sims = sims.max(axis=0)
    for p in np.flatnonzero(top_sims >= MIN_SCORE):
        k, label = (alt, f" ({note})") if best[p] == 1 and note else (key, "")
        for code, w in zip(idx.members[p], idx.weights[p], strict=True):
            s = float(top_sims[p]) * w
            if s > score.get(code, 0.0) and code not in fixed:
                where = f"title {idx.text[p]}" if idx.source[p] == "title" else idx.source[p]
                if len(idx.members[p]) > 1:
                    where += f" ({len(idx.members[p])} codes)"
                if w == TAG_WEIGHT_PARTIAL:
                    where += " (part of the class)"
                score[code] = s
                why[code] = "+".join(_shared_runs(k, idx.text[p])) + " ~ " + where + label
    score = {c: s for c, s in score.items() if s >= MIN_SCORE}
    if not score:
        return []
    # roll up: the best 小类 close to each other and under one 中类 (or 大类)
    fine = {c: s for c, s in score.items() if len(c) == 4 and c not in fixed}
    if fine and not fixed:
        high = max(fine.values())
        spread = sorted(c for c, s in fine.items() if s >= SPREAD * high)
        if len(spread) >= 2:
            for width in (3, 2):
                parent = spread[0][:width]
                if parent in info.index and all(c.startswith(parent) for c in spread):
                    low = min(fine[c] for c in spread)
                    if low > score.get(parent, 0.0):
                        score[parent] = low
                        why[parent] = f"roll-up of {', '.join(spread)}: " + why[spread[0]]
                    break
    codes = list(score)
    sc = np.array([score[c] for c in codes])
    arr = np.array(codes, dtype=object)
    grid_a, grid_b = np.meshgrid(arr, arr, indexing="ij")
    related = np.char.startswith(grid_a.astype(str), grid_b.astype(str))
    related |= related.T  # i is j's ancestor or descendant (or itself)
    r = np.where(related, 0.0, sc[None, :] / sc[:, None])
    conf = sc / (1 + np.where(r >= 0.5, r**RIVAL_POWER, 0.0).sum(axis=1))
    for i, c in enumerate(codes):
        if c in fixed:
            conf[i] = fixed[c]
    keep = [i for i in range(len(codes)) if conf[i] >= MIN_CONFIDENCE]
    order = sorted(keep, key=lambda i: (-round(float(conf[i]), 9), -len(codes[i]), codes[i]))
    out = []
    for rank, i in enumerate(order[:top], start=1):
        c = codes[i]
        out.append(
            {
                "rank": rank,
                "code": c,
                "title": info.at[c, "name"],
                "level": _LEVEL_NAMES[int(info.at[c, "level"])],
                "confidence": round(float(conf[i]), 3),
                "evidence": why[c],
            }
        )
    return out


def suggest(names: Sequence[str], top: int = 3) -> pd.DataFrame:
    """Propose GB/T 4754-2017 codes for Chinese industry names and keywords.

    Parameters
    ----------
    names : sequence of str
        Industry names, keywords or firm names. Repeated names are matched once (first occurrence kept).
    top : int, default 3
        Suggestions per name, at most.

    Returns
    -------
    pandas.DataFrame
        :data:`REVIEW_COLUMNS`: ``name`` (as given), ``rank`` (1 = best), ``code``, ``title`` (the official
        title), ``level`` (大类/中类/小类), ``confidence`` in [0, 1] (non-increasing with ``rank``),
        ``evidence`` (``matched+runs ~ the title or NBS category matched``) and an empty ``accept``. A name
        with no code scoring at least :data:`MIN_SCORE` has one row with ``rank`` 0, no code and
        confidence 0
        (also when every candidate is below :data:`MIN_CONFIDENCE`).

    Raises
    ------
    ConfigError
        If ``top`` is not a positive integer.

    Notes
    -----
    The method (normalisation, TF-IDF on character n-grams, roll-up, confidence) is in the module docstring.
    Pure: reads only the bundled classification tables.
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ConfigError(f"expected a positive whole number of suggestions, got {top!r}", param="top")
    unique = list(dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()))
    rows: list[dict[str, Any]] = []
    if unique:
        idx = _index()
        keys = [normalize_industry_name(n) for n in unique]
        alts = [_expand(k) for k in keys]
        sims = sims_alt = np.empty((0, 0))
        for i, (name, key, (alt, note)) in enumerate(zip(unique, keys, alts, strict=True)):
            j = i % _CHUNK  # names × phrases is dense: score a chunk of names at a time
            if j == 0:
                sims = _scores(idx, keys[i : i + _CHUNK])
                sims_alt = _scores(idx, [a for a, _ in alts[i : i + _CHUNK]])
            pair = np.vstack([sims[j], sims_alt[j]])
            found = _rank_one(idx, key, alt, note, pair, int(top))
            if not found:
                found = [
                    {
                        "rank": 0,
                        "code": None,
                        "title": None,
                        "level": None,
                        "confidence": 0.0,
                        "evidence": "no title or category shares enough words",
                    }
                ]
            rows.extend({"name": name, **f, "accept": None} for f in found)
    df = pd.DataFrame(rows, columns=REVIEW_COLUMNS, dtype=object)  # text columns keep None, not NaN
    df["rank"] = df["rank"].astype("int64")
    df["confidence"] = df["confidence"].astype("float64")
    return df


@dataclass(frozen=True)
class SuggestSummary:
    """How the names fared: ``confident`` (top confidence ≥ :data:`CONFIDENT`), ``review`` (a suggestion,
    less sure), ``none`` (no suggestion); ``names`` is their sum."""

    names: int
    confident: int
    review: int
    none: int


def summarize(suggestions: pd.DataFrame) -> SuggestSummary:
    """Count names by the confidence of their top suggestion (a frame from :func:`suggest`)."""
    best = suggestions.groupby("name", sort=False)["confidence"].max()
    has = suggestions.groupby("name", sort=False)["code"].count() > 0
    confident = int(((best >= CONFIDENT) & has).sum())
    none = int((~has).sum())
    return SuggestSummary(len(best), confident, len(best) - confident - none, none)


def read_names(path: str | Path, column: str | None = None) -> list[str]:
    """The names in one column of a user's table (any format and encoding ``read_user_table`` reads).

    ``column`` defaults to the first column holding text other than digits (codes and numbers are skipped).
    Blank cells are dropped; order is kept.
    """
    from chainatlas.ingest.read import read_user_table

    frame, meta = read_user_table(path)
    if column is None:
        for c in frame.columns:
            v = frame[c].dropna().astype(str).str.strip()
            if (v != "").any() and (~v.str.fullmatch(r"[\d.,+\-\s]*")).any():
                column = c
                break
        if column is None:
            raise IngestError(f"{meta['file']}: no column holds text; name one with --column")
    elif column not in frame.columns:
        raise ConfigError(
            f"{meta['file']} has no column {column!r}; its columns are {list(frame.columns)}", param="column"
        )
    values = frame[column].dropna().astype(str).str.strip()
    return [v for v in values if v]


def write_review(suggestions: pd.DataFrame, path: str | Path) -> Path:
    """Write the review file: ``.csv`` in UTF-8 with BOM (Excel opens it as Chinese text) or ``.xlsx``.

    Codes stay text (``0111`` keeps its zero in the XLSX; in the CSV a spreadsheet may drop it on display, the
    file keeps it), and cells that a spreadsheet would run as formulas are quoted (:mod:`.excel`).
    """
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"expected a .csv or .xlsx file name, got {p.name!r}", param="output")
    if not p.parent.exists():
        raise ConfigError(f"folder {str(p.parent)!r} does not exist; create it first", param="output")
    out = safe_frame(suggestions[REVIEW_COLUMNS])
    if fmt == "csv":
        out.to_csv(p, index=False, encoding="utf-8-sig")
    else:
        out.to_excel(p, index=False, sheet_name="review")
    return p
