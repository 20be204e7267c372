"""R&D-liaison matching (研发联络者, issue 16): firms' technology needs ranked against researchers' profiles.

A *profile* is anything that can be matched: a researcher, a lab, an institute, a firm, or a technology need.
:class:`Profiles` holds one side as columns — text (titles, abstracts, keywords, a need's title and description),
codes (IPC subclasses such as ``H01L`` and chain segments such as ``ic:design``), a location and a province.
:func:`build_index` indexes one side, :func:`match` ranks it for every row of the other side, and
:func:`evaluate` scores a ranking against a labelled file. Nothing here knows which side is which: needs → experts
is ``match(build_index(experts), needs)``, experts → needs is ``match(build_index(needs), experts)``.

Contents
--------
:func:`tokenize`      Chinese text → search tokens (rjieba's search mode, lowercase, stopwords removed)
:func:`add_terms`     registers domain terms (segment names) so that the tokenizer keeps them whole
:class:`Profiles`     one side of the matching as columns (:meth:`Profiles.of` fills the optional ones)
:class:`Weights`      weights of the score's components and the distance scale
:class:`Ties`         past co-operation counts between queries and profiles
:func:`build_index`   BM25 (bm25s) over the tokenised texts plus the profiles' codes
:class:`Index`        what :func:`match` needs to rank and to explain
:func:`match`         candidates, the weighted score and the explanations of the top ``k`` per query
:class:`Matches`      the ranked rows as columns, with every component and explanation
:func:`evaluate`      precision@k, recall@k and MRR of any ranking against labelled answers
:class:`Evaluation`   those figures

The score
---------
For a query ``q`` and a profile ``p``::

    score = w_text · text + w_codes · codes + w_distance · exp(-d / radius_km)
            + w_ties · ties / (ties + 1) + w_voucher · voucher

- ``text = BM25(q, p) / Σ_{t ∈ q} idf(t)``: the Lucene BM25 of the query's distinct tokens (those the index
  knows) divided by its ceiling, the score of a profile that repeats every query token endlessly. It lies in
  [0, 1); a profile of average length that contains every query token once scores ``1 / (1 + k1)`` = 0.4. It is
  absolute, not divided by the query's best match, so a query whose best text match is weak lets codes and
  distance decide.
- ``codes = Σ_{c ∈ q ∩ p} idf(c) / Σ_{c ∈ q} idf(c)``: the share of the query's codes the profile has, each
  weighted by its IDF among the profiles (a rare IPC subclass says more than a segment shared by thousands).
- ``d``: great-circle distance in km; an unknown location on either side adds nothing (as if far away).
- ``ties``: past co-operation count (co-patents, transfers, projects) between the query's owner and the
  profile; one past tie is worth half the weight, three three quarters.
- ``voucher``: the two provinces honour each other's innovation vouchers (the same province always does;
  unknown provinces never).

Candidates: per query, the ``candidates`` profiles with the highest BM25, plus the ``candidates`` profiles
sharing a code with it that score highest (ties left out), plus every profile it has a tie with.
Only they are scored; the top ``k`` by score (ties in score broken by the profile's row) are returned. One Numba
kernel (compiled on first use, cached on disk) finds the candidates on numba's threads; the rest is numpy.

Default weights (:class:`Weights`): text 1, codes 0.3, distance 0.1 (radius 150 km), ties 0.2, voucher 0.05.
Text decides: a full match on codes (0.3) is worth less than a profile that has the query's tokens once
(0.4); a profile in the same city (≈ 0.09) beats one across the region (Shanghai–Hefei, 400 km: 0.007) only
when text and codes are close; a past tie and a voucher break near-ties. Measured on the synthetic bench
(``bench/bench_match.py``) and pinned by the tests.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.errors import ConfigError

__all__ = [
    "EARTH_RADIUS_KM",
    "EXPLANATION",
    "STOPWORDS",
    "Evaluation",
    "Index",
    "Matches",
    "Profiles",
    "Ties",
    "Weights",
    "add_terms",
    "build_index",
    "evaluate",
    "match",
    "tokenize",
]

#: mean Earth radius (IUGG), for great-circle distances
EARTH_RADIUS_KM = 6371.0088

#: Tokens :func:`tokenize` drops. Function words, plus the words of a *request* rather than of a topic
#: (技术, 研发, 合作, 需求, 寻求, 方面, 环节 …): nearly every need contains them, but IDF is computed over the
#: indexed side, where they may be rare — a profile that happens to say 技术合作 would then rank high for every
#: need (tested). Registered terms (:func:`add_terms`) are never dropped.
STOPWORDS = frozenset(
    # single-character function words (one string split at spaces reads better than a list literal)
    "的 地 得 了 着 过 和 与 及 或 等 在 对 于 为 以 之 其 并 而 从 向 将 把 被 由 是 有 也 又 就 都 所 该 此 这 那 "  # noqa: SIM905
    "各 每 中 上 下 内 "
    # multi-character function words and patent boilerplate
    "及其 以及 或者 并且 其中 其他 其它 以上 以下 一种 一个 一些 一类 这种 这些 那些 所述 基于 面向 关于 通过 用于 "
    "利用 采用 进行 实现 开展 提供 具有 包括 包含 相关 如何 以便 "
    # words of the request, not of its topic
    "需求 寻求 需要 希望 征集 方面 领域 合作 联合 研发 技术 开发 研究 环节 项目 企业 公司 单位 问题 方案 转让 技术转让 "
    "攻关 技术攻关 "
    # English function words
    "a an the of and or for to in on with by from at as is are be this that using based via".split()
)

#: conjunctions a segment name joins its parts with (智能芯片与算力硬件): :func:`add_terms` registers the parts
_JOINERS = re.compile(r"[\s、，,;；/|()（）：:。.]+|(?<=\w{2})[与和及](?=\w{2})")


# ------------------------------------------------------------------------------------------------ tokenizer
class _Tokenizer:
    """One rjieba instance of our own (the module-level one of rjieba is shared with other code)."""

    def __init__(self) -> None:
        self._jieba: Any = None
        self.terms: set[str] = set()

    @property
    def jieba(self) -> Any:
        if self._jieba is None:
            try:
                import rjieba
            except ImportError as exc:  # a declared dependency; say how to get it back
                raise ConfigError("matching needs rjieba: pip install 'rjieba==0.2.2'") from exc
            self._jieba = rjieba.Jieba()
        return self._jieba


_TOKENIZER = _Tokenizer()


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _keep(token: str) -> bool:
    if token in _TOKENIZER.terms:
        return True
    if token in STOPWORDS:
        return False
    if not any(ch.isalpha() for ch in token):  # punctuation, spaces, numbers (12, 3.5%)
        return False
    return not (len(token) == 1 and token.isascii())  # a lone latin letter


def tokenize(text: str) -> list[str]:
    """Cut Chinese (and English) text into the tokens the index and the queries share.

    Parameters
    ----------
    text : str
        Any text: a need's title and description, a researcher's keywords, paper titles.

    Returns
    -------
    list of str
        Tokens in text order, repeats kept (BM25 counts them).

    Notes
    -----
    1. NFKC (full-width → half-width) and lowercase.
    2. rjieba's *search mode* (``cut_for_search``, with HMM for words outside the dictionary): a long word is
       emitted whole *and* as the dictionary words inside it — ``高可靠性`` gives 可靠, 可靠性, 高可靠性 — so a
       need saying 高可靠性 finds a profile saying 可靠性, which the default mode (``cut``: 高可靠性 only) misses
       (tested). The sub-words it adds (半导 from 半导体) are rare and weighted by their IDF.
    3. Dropped: tokens without a letter (punctuation, spaces, numbers such as ``12`` or ``3.5%``), a lone latin
       letter, and :data:`STOPWORDS` — unless the token is a registered term (:func:`add_terms`).

    Examples
    --------
    >>> tokenize("车规级功率芯片封装可靠性提升")
    ['车规级', '功率', '芯片', '封装', '可靠', '可靠性', '提升']
    >>> tokenize("寻求12英寸晶圆清洗设备方面的技术合作（SiC）")
    ['英寸', '晶圆', '清洗', '设备', 'sic']

    References
    ----------
    .. [1] Sun, J. (2012–). jieba: Chinese text segmentation, https://github.com/fxsjy/jieba (search mode);
       rjieba binds its Rust port jieba-rs, https://github.com/messense/rjieba-py
    """
    if not isinstance(text, str):
        raise ConfigError(f"expected a string, got {type(text).__name__}", param="text")
    return [t for t in _TOKENIZER.jieba.cut_for_search(_normalise(text), True) if _keep(t)]


def add_terms(words: Iterable[str]) -> tuple[str, ...]:
    """Register domain terms (chain segment names, product names) so that :func:`tokenize` keeps them whole.

    Parameters
    ----------
    words : iterable of str
        Terms or segment names. A name is first split at punctuation and at a 与/和/及 between two parts of
        at least two characters each: ``智能芯片与算力硬件`` registers 智能芯片 and 算力硬件.

    Returns
    -------
    tuple of str
        The terms newly registered (normalised as :func:`tokenize` normalises text); a term registered before is
        not repeated — calling twice with the same words registers nothing the second time.

    Notes
    -----
    A term is added to the tokenizer's dictionary with the frequency that makes the segmenter keep it
    whole (jieba's ``suggest_freq``). The words the default segmenter would cut it into are added as well when
    the dictionary lacks them (晶圆 of 晶圆制造 is found only by the HMM), so that search mode emits the term
    *and* its parts: a profile saying 晶圆制造 still shares 晶圆 with a need saying 晶圆清洗. Terms of fewer than
    two characters are ignored. The tokenizer is shared by the process: register terms before
    :func:`build_index`, since queries are cut with the terms registered when :func:`match` runs.

    Examples
    --------
    >>> add_terms(["晶圆制造", "智能芯片与算力硬件"])
    ('晶圆制造', '智能芯片', '算力硬件')
    >>> add_terms(["晶圆制造"])
    ()
    >>> tokenize("12英寸晶圆制造工艺")
    ['英寸', '晶圆', '制造', '晶圆制造', '工艺']

    References
    ----------
    .. [1] jieba, "载入词典 / 调整词典": ``add_word`` and ``suggest_freq``, https://github.com/fxsjy/jieba
    """
    if isinstance(words, str):
        raise ConfigError("expected a list of terms, got one string", param="words")
    jieba = _TOKENIZER.jieba
    added: list[str] = []
    for word in words:
        if not isinstance(word, str):
            raise ConfigError(f"expected strings, got {word!r}", param="words")
        for part in _JOINERS.split(_normalise(word)):
            part = part.strip()
            if len(part) < 2 or part in _TOKENIZER.terms:
                continue
            for piece in jieba.cut(part, True):
                if len(piece) >= 2 and piece != part and not jieba.has_word(piece):
                    jieba.add_word(piece, None, None)
            jieba.add_word(part, None, None)
            _TOKENIZER.terms.add(part)
            added.append(part)
    return tuple(added)


# ------------------------------------------------------------------------------------------------ profiles
def _column(values: Any, name: str, n: int | None) -> np.ndarray:
    if isinstance(values, str):
        raise ConfigError("expected one value per row, got one string", param=name)
    if isinstance(values, np.ndarray):
        arr = values.astype(object)
    else:  # element by element: np.asarray would turn equal-length lists of codes into a 2-d array
        try:
            items = list(values)
        except TypeError:
            raise ConfigError(
                f"expected one value per row, got {type(values).__name__}", param=name
            ) from None
        arr = np.empty(len(items), dtype=object)
        for i, v in enumerate(items):
            arr[i] = v
    if arr.ndim != 1:
        raise ConfigError(f"expected one value per row, got shape {arr.shape}", param=name)
    if n is not None and arr.shape[0] != n:
        raise ConfigError(f"expected {n} values (one per id), got {arr.shape[0]}", param=name)
    return arr


def _strings(values: Any, name: str, n: int | None, *, blank: bool = True) -> np.ndarray:
    arr = _column(values, name, n).copy()
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            if not blank:
                raise ConfigError(f"row {i}: expected a text, got {v!r}", param=name)
            arr[i] = ""
        elif not isinstance(v, str):
            raise ConfigError(f"row {i}: expected a text, got {v!r}", param=name)
    return arr


@dataclass(frozen=True, eq=False)
class Profiles:
    """One side of the matching, as columns (build it with :meth:`of` to leave columns out).

    Attributes
    ----------
    ids : ndarray of str (object), (n,)
        Unique identifiers (expert_id, an institution's credit code, need_id).
    texts : list of str
        What is matched by words: a researcher's keywords and the titles (and abstracts) of their papers,
        patents, transfers and projects; a need's title and description. ``''`` when there is none.
    codes : list of frozenset of str
        IPC subclasses (``H01L``) and chain segments (``ic:design``), written the same way on both sides.
    lon, lat : ndarray of float, (n,)
        Location in degrees (WGS-84); NaN when unknown.
    province : ndarray of str (object), (n,)
        Two-digit province code (``'32'``) or ``''`` when unknown: innovation-voucher recognition.
    kind : ndarray of str (object), (n,)
        ``'expert'``, ``'university'``, ``'institute'``, ``'firm'``, ``'lab'``, ``'need'`` … (free labels).

    Examples
    --------
    >>> p = Profiles.of(["X1", "X2"], ["功率器件封装", "图像识别"], codes=[{"H01L"}, set()])
    >>> len(p), p.codes[0], p.province.tolist(), bool(np.isnan(p.lon[1]))
    (2, frozenset({'H01L'}), ['', ''], True)
    """

    ids: np.ndarray
    texts: list[str]
    codes: list[frozenset[str]]
    lon: np.ndarray
    lat: np.ndarray
    province: np.ndarray
    kind: np.ndarray

    def __post_init__(self) -> None:
        ids = _strings(self.ids, "ids", None, blank=False)
        n = len(ids)
        seen: dict[str, int] = {}
        for i, v in enumerate(ids):
            if v in seen:
                raise ConfigError(
                    f"rows {seen[v]} and {i}: duplicate id {v!r}; expected unique ids", param="ids"
                )
            seen[v] = i
        texts = _strings(self.texts, "texts", n).tolist()
        codes_in = _column(self.codes, "codes", n)
        codes: list[frozenset[str]] = []
        for i, c in enumerate(codes_in):
            if c is None or (isinstance(c, float) and math.isnan(c)):
                codes.append(frozenset())
                continue
            if isinstance(c, str) or not isinstance(c, Iterable):
                raise ConfigError(f"row {i}: expected a set of codes, got {c!r}", param="codes")
            cs = frozenset(c)
            if not all(isinstance(x, str) and x for x in cs):
                raise ConfigError(
                    f"row {i}: expected non-empty code strings, got {sorted(map(repr, cs))}", param="codes"
                )
            codes.append(cs)
        coords = []
        for name, limit in (("lon", 180.0), ("lat", 90.0)):
            try:
                a = np.array(self.lon if name == "lon" else self.lat, dtype=np.float64)
            except (TypeError, ValueError):
                raise ConfigError("expected numbers (NaN when unknown)", param=name) from None
            if a.ndim != 1 or a.shape[0] != n:
                raise ConfigError(f"expected {n} values (one per id), got shape {a.shape}", param=name)
            bad = np.isinf(a) | (np.abs(a) > limit)
            if bad.any():
                k = int(np.argmax(bad))
                raise ConfigError(
                    f"row {k}: expected degrees in [-{limit:g}, {limit:g}], got {a[k]!r}", param=name
                )
            coords.append(a)
        lon, lat = coords
        unknown = np.isnan(lon) | np.isnan(lat)
        lon[unknown] = lat[unknown] = np.nan
        province = _strings(self.province, "province", n)
        for i, v in enumerate(province):
            if v and not (len(v) == 2 and v.isdigit()):
                raise ConfigError(
                    f"row {i}: expected a 2-digit province code such as '32' or '', got {v!r}",
                    param="province",
                )
        kind = _strings(self.kind, "kind", n)
        for a in (ids, lon, lat, province, kind):
            a.setflags(write=False)
        for name, value in (
            ("ids", ids),
            ("texts", texts),
            ("codes", codes),
            ("lon", lon),
            ("lat", lat),
            ("province", province),
            ("kind", kind),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def of(
        cls,
        ids: Sequence[str] | np.ndarray,
        texts: Sequence[str] | np.ndarray,
        *,
        codes: Sequence[Iterable[str]] | None = None,
        lon: Sequence[float] | np.ndarray | None = None,
        lat: Sequence[float] | np.ndarray | None = None,
        province: Sequence[str] | np.ndarray | None = None,
        kind: Sequence[str] | np.ndarray | str | None = None,
    ) -> Profiles:
        """Profiles with the columns left out filled: no codes, unknown location and province, kind ``''``
        (or the one ``kind`` given for every row)."""
        n = len(ids)
        nan = np.full(n, np.nan)
        return cls(
            ids=np.asarray(ids, dtype=object),
            texts=list(texts),
            codes=[frozenset()] * n
            if codes is None
            else [frozenset(c) if c is not None else frozenset() for c in codes],
            lon=nan if lon is None else np.asarray(lon, dtype=np.float64),
            lat=nan.copy() if lat is None else np.asarray(lat, dtype=np.float64),
            province=np.full(n, "", dtype=object) if province is None else np.asarray(province, dtype=object),
            kind=np.full(n, kind or "", dtype=object)
            if kind is None or isinstance(kind, str)
            else np.asarray(kind, dtype=object),
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class Weights:
    """Weights of the score's components (see the module's docstring for the formula).

    Attributes
    ----------
    text, codes, distance, ties, voucher : float
        Weights (>= 0, not all 0) of BM25 relevance, code overlap, proximity ``exp(-d / radius_km)``, past ties
        ``c / (c + 1)`` and voucher recognition.
    radius_km : float
        Distance (> 0) at which proximity has fallen to 1/e: 150 km is Shanghai–Hangzhou (0.33 left),
        a district of the same city (20 km) keeps 0.87.
    """

    text: float = 1.0
    codes: float = 0.3
    distance: float = 0.1
    ties: float = 0.2
    voucher: float = 0.05
    radius_km: float = 150.0

    def __post_init__(self) -> None:
        for name in ("text", "codes", "distance", "ties", "voucher", "radius_km"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise ConfigError(f"expected a number, got {v!r}", param=f"weights.{name}")
            if not math.isfinite(v) or v < 0 or (name == "radius_km" and v <= 0):
                want = "> 0" if name == "radius_km" else ">= 0"
                raise ConfigError(f"expected a finite number {want}, got {v!r}", param=f"weights.{name}")
            object.__setattr__(self, name, float(v))
        if not any((self.text, self.codes, self.distance, self.ties, self.voucher)):
            raise ConfigError("expected at least one weight > 0, got all 0", param="weights")


@dataclass(frozen=True, eq=False)
class Ties:
    """Past co-operation between queries and profiles: ``counts[i]`` between ``query_ids[i]`` and
    ``profile_ids[i]`` (co-patents, transfers, joint projects of the query's owner with the profile).

    The ids are those of the queries and of the indexed profiles; pairs naming an id that is not in this
    match are ignored, repeated pairs are summed, and counts are numbers >= 0 (weights are fine).
    """

    query_ids: np.ndarray
    profile_ids: np.ndarray
    counts: np.ndarray

    def __post_init__(self) -> None:
        q = _strings(self.query_ids, "ties.query_ids", None, blank=False)
        p = _strings(self.profile_ids, "ties.profile_ids", len(q), blank=False)
        try:
            c = np.array(self.counts, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError("expected numbers >= 0", param="ties.counts") from None
        if c.ndim != 1 or c.shape[0] != len(q):
            raise ConfigError(
                f"expected {len(q)} counts (one per pair), got shape {c.shape}", param="ties.counts"
            )
        bad = ~np.isfinite(c) | (c < 0)
        if bad.any():
            k = int(np.argmax(bad))
            raise ConfigError(f"row {k}: expected a finite number >= 0, got {c[k]!r}", param="ties.counts")
        for name, a in (("query_ids", q), ("profile_ids", p), ("counts", c)):
            a.setflags(write=False)
            object.__setattr__(self, name, a)

    @classmethod
    def from_mapping(cls, counts: Mapping[tuple[str, str], float]) -> Ties:
        """Ties from ``{(query_id, profile_id): count}``."""
        keys = list(counts)
        for k in keys:
            if not (isinstance(k, tuple) and len(k) == 2):
                raise ConfigError(f"expected (query_id, profile_id) keys, got {k!r}", param="ties")
        return cls(
            np.array([k[0] for k in keys], dtype=object),
            np.array([k[1] for k in keys], dtype=object),
            np.array([counts[k] for k in keys], dtype=np.float64),
        )


# ------------------------------------------------------------------------------------------------ index
@dataclass(frozen=True, eq=False)
class Index:
    """The indexed side of a matching (made by :func:`build_index`; read-only).

    Attributes
    ----------
    profiles : Profiles
        What was indexed.
    vocab : ndarray of str (object), (V,)
        Token of each term id.
    idf : ndarray of float, (V,)
        Lucene IDF ``ln(1 + (N - df + 0.5) / (df + 0.5))`` of each term over the ``N`` profiles.
    term_ptr, term_doc, term_weight : ndarray
        BM25 postings by term (CSC, from bm25s): the profiles of term ``t`` are
        ``term_doc[term_ptr[t]:term_ptr[t + 1]]`` with their BM25 weights ``idf · tf / (tf + k1 (1 - b + b
        dl / avgdl))``.
    doc_terms : scipy.sparse.csr_matrix, (N, V)
        The same weights by profile (explanations).
    codes : ndarray of str (object), (C,)
        Code of each code id; ``code_idf`` its IDF over the profiles; ``code_ptr``, ``code_doc`` the profiles
        having each code (CSC); ``doc_codes`` (N, C) the same by profile.
    k1, b, avgdl : float
        BM25 parameters and the mean profile length in tokens.
    bm25 : bm25s.BM25
        The bm25s retriever the weights come from.
    """

    profiles: Profiles
    vocab: np.ndarray
    idf: np.ndarray
    term_ptr: np.ndarray
    term_doc: np.ndarray
    term_weight: np.ndarray
    doc_terms: sp.csr_matrix
    codes: np.ndarray
    code_idf: np.ndarray
    code_ptr: np.ndarray
    code_doc: np.ndarray
    doc_codes: sp.csr_matrix
    k1: float
    b: float
    avgdl: float
    bm25: Any
    term_id: dict[str, int] = field(repr=False)
    code_id: dict[str, int] = field(repr=False)
    rows: pd.Index = field(repr=False)

    def __len__(self) -> int:
        return len(self.profiles)


def _lucene_idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (df + 0.5))


def _code_matrix(codes: list[frozenset[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    """Rows × code ids, 1 where a row has the code (codes outside ``vocab`` are left out)."""
    indptr = [0]
    indices: list[int] = []
    for cs in codes:
        ids = sorted({vocab[c] for c in cs if c in vocab})
        indices += ids
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(codes), len(vocab)),
    )


def build_index(profiles: Profiles, *, k1: float = 1.5, b: float = 0.75) -> Index:
    """Index profiles for :func:`match`: BM25 over their tokenised texts and a sparse matrix of their codes.

    Parameters
    ----------
    profiles : Profiles
        The side to rank (experts for needs, needs for an expert); at least one row.
    k1 : float, default 1.5
        BM25 term-frequency saturation (> 0): bm25s's default.
    b : float, default 0.75
        BM25 length normalisation, in [0, 1].

    Returns
    -------
    Index

    Notes
    -----
    Texts are cut by :func:`tokenize`; the BM25 weights of every (profile, token) pair are computed once by
    bm25s (Lucene variant: ``idf = ln(1 + (N - df + 0.5)/(df + 0.5))``, ``w = idf · tf / (tf + k1 (1 - b + b ·
    dl / avgdl))``), so that a query's score against a profile is the sum of the weights of its distinct tokens.
    Codes get the same IDF. Register domain terms (:func:`add_terms`) before building: queries are cut with
    the same tokenizer.

    Examples
    --------
    >>> idx = build_index(Profiles.of(["A", "B"], ["功率器件封装", "图像识别算法"], codes=[{"H01L"}, {"G06V"}]))
    >>> idx.vocab.tolist(), idx.codes.tolist()
    (['功率', '器件', '封装', '图像', '识别', '图像识别', '算法'], ['G06V', 'H01L'])
    >>> round(float(idx.idf[0]), 4)  # ln(1 + (2 - 1 + 0.5) / (1 + 0.5)) = ln 2
    0.6931

    References
    ----------
    .. [1] Robertson, S. & Zaragoza, H. (2009). The probabilistic relevance framework: BM25 and beyond.
       Foundations and Trends in Information Retrieval 3(4), 333–389.
    .. [2] Lù, X. H. (2024). BM25S: orders of magnitude faster lexical search via eager sparse scoring.
       arXiv:2407.03618.
    """
    if not isinstance(profiles, Profiles):
        raise ConfigError(f"expected Profiles, got {type(profiles).__name__}", param="profiles")
    if not len(profiles):
        raise ConfigError("expected at least one profile to index, got none", param="profiles")
    for name, v, ok in (("k1", k1, lambda x: x > 0), ("b", b, lambda x: 0 <= x <= 1)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not ok(v):
            want = "> 0" if name == "k1" else "in [0, 1]"
            raise ConfigError(f"expected a number {want}, got {v!r}", param=name)
    n = len(profiles)
    term_id: dict[str, int] = {}
    docs = [[term_id.setdefault(t, len(term_id)) for t in tokenize(text)] for text in profiles.texts]
    vocab = np.empty(len(term_id), dtype=object)
    vocab[:] = list(term_id)
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
    avgdl = float(lengths.mean())
    retriever: Any = None
    if term_id:
        import bm25s  # type: ignore[import-untyped]

        retriever = bm25s.BM25(k1=k1, b=b, method="lucene", backend="numpy")
        retriever.index((docs, dict(term_id)), create_empty_token=False, show_progress=False)
        scores = retriever.scores
        # copies (the index's arrays are made read-only, bm25s's stay as they are), sorted by profile
        by_term = sp.csc_matrix(
            (
                np.array(scores["data"], dtype=np.float32),
                np.array(scores["indices"], dtype=np.int32),
                np.array(scores["indptr"], dtype=np.int64),
            ),
            shape=(n, len(vocab)),
        )
        by_term.sort_indices()
        ptr = by_term.indptr.astype(np.int64)
        doc = by_term.indices.astype(np.int32)
        weight = by_term.data.astype(np.float32)
    else:  # no profile has a token: nothing to match by text
        ptr, doc, weight = (
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.float32),
        )
    idf = _lucene_idf(np.diff(ptr).astype(np.float64), n)
    doc_terms = sp.csc_matrix((weight, doc, ptr), shape=(n, len(vocab))).tocsr()
    doc_terms.sort_indices()

    code_vocab = np.array(sorted({c for cs in profiles.codes for c in cs}), dtype=object)
    code_id = {c: i for i, c in enumerate(code_vocab)}
    doc_codes = _code_matrix(profiles.codes, code_id)
    by_code = doc_codes.tocsc()
    by_code.sort_indices()
    code_ptr = by_code.indptr.astype(np.int64)
    code_idf = _lucene_idf(np.diff(code_ptr).astype(np.float64), n)
    for a in (vocab, idf, ptr, doc, weight, code_vocab, code_idf, code_ptr):
        a.setflags(write=False)
    return Index(
        profiles=profiles,
        vocab=vocab,
        idf=idf,
        term_ptr=ptr,
        term_doc=doc,
        term_weight=weight,
        doc_terms=doc_terms,
        codes=code_vocab,
        code_idf=code_idf,
        code_ptr=code_ptr,
        code_doc=by_code.indices.astype(np.int32),
        doc_codes=doc_codes,
        k1=float(k1),
        b=float(b),
        avgdl=avgdl,
        bm25=retriever,
        term_id=term_id,
        code_id=code_id,
        rows=pd.Index(profiles.ids),
    )


# ------------------------------------------------------------------------------------------------ kernel
def _top(  # pragma: no cover - compiled by numba with the kernel
    idx: np.ndarray, vals: np.ndarray, n: int, c: int, out: np.ndarray, offset: int
) -> None:
    """Write the ``c`` entries of ``idx[:n]`` with the largest ``vals`` (ties: lowest index) to ``out[offset:]``."""
    if n <= c:
        for i in range(n):
            out[offset + i] = idx[i]
        return
    thr = np.partition(vals[:n].copy(), n - c)[n - c]
    cnt = 0
    for i in range(n):
        if vals[i] > thr:
            out[offset + cnt] = idx[i]
            cnt += 1
    need = c - cnt
    if need > 0:
        tied = np.empty(n - cnt, dtype=idx.dtype)
        m = 0
        for i in range(n):
            if vals[i] == thr:
                tied[m] = idx[i]
                m += 1
        tied = np.sort(tied[:m])
        for i in range(need):
            out[offset + cnt + i] = tied[i]


def _candidates_kernel(  # pragma: no cover - compiled by numba
    n_docs,
    c,
    n_chunks,
    q_tok_ptr,
    q_tok,
    term_ptr,
    term_doc,
    term_weight,
    q_code_ptr,
    q_code,
    code_ptr,
    code_doc,
    code_idf,
    q_code_norm,
    q_text_norm,
    w_text,
    w_codes,
    w_distance,
    w_voucher,
    radius_km,
    q_lat,
    q_lon,
    p_lat,
    p_lon,
    p_coslat,
    q_prov,
    p_prov,
    voucher,
    f_ptr,
    f_doc,
):
    """Per query: BM25 and code scores of every profile sharing a token or a code; the ``c`` best by BM25 and
    the ``c`` best code sharers by the score without ties (slots ``[0, c)`` and ``[c, 2c)``, -1 unused);
    the BM25 and code scores of the forced profiles (ties)."""
    nq = q_tok_ptr.shape[0] - 1
    out_doc = np.full((nq, 2 * c), -1, dtype=np.int32)
    out_text = np.zeros((nq, 2 * c), dtype=np.float64)
    out_code = np.zeros((nq, 2 * c), dtype=np.float64)
    f_text = np.zeros(f_doc.shape[0], dtype=np.float64)
    f_code = np.zeros(f_doc.shape[0], dtype=np.float64)
    size = (nq + n_chunks - 1) // n_chunks
    for ch in _prange(n_chunks):
        text = np.zeros(n_docs, dtype=np.float64)
        code = np.zeros(n_docs, dtype=np.float64)
        touched_t = np.empty(n_docs, dtype=np.int32)
        touched_c = np.empty(n_docs, dtype=np.int32)
        vals = np.empty(n_docs, dtype=np.float64)
        for q in range(ch * size, min(nq, (ch + 1) * size)):
            nt = 0
            for j in range(q_tok_ptr[q], q_tok_ptr[q + 1]):
                t = q_tok[j]
                for k in range(term_ptr[t], term_ptr[t + 1]):
                    d = term_doc[k]
                    if text[d] == 0.0:
                        touched_t[nt] = d
                        nt += 1
                    text[d] += term_weight[k]
            nc = 0
            for j in range(q_code_ptr[q], q_code_ptr[q + 1]):
                cc = q_code[j]
                w = code_idf[cc]
                for k in range(code_ptr[cc], code_ptr[cc + 1]):
                    d = code_doc[k]
                    if code[d] == 0.0:
                        touched_c[nc] = d
                        nc += 1
                    code[d] += w
            for i in range(nt):
                vals[i] = text[touched_t[i]]
            _top(touched_t, vals, nt, c, out_doc[q], 0)
            if nc > 0:
                qlat = q_lat[q]
                qlon = q_lon[q]
                qcos = math.cos(qlat)
                qp = q_prov[q]
                for i in range(nc):
                    d = touched_c[i]
                    key = w_codes * code[d] / q_code_norm[q]
                    if text[d] > 0.0:  # a code sharer that shares tokens too
                        key += w_text * text[d] / q_text_norm[q]
                    if w_distance > 0.0:
                        s1 = math.sin((p_lat[d] - qlat) * 0.5)
                        s2 = math.sin((p_lon[d] - qlon) * 0.5)
                        h = s1 * s1 + qcos * p_coslat[d] * s2 * s2
                        if not math.isnan(h):  # both locations known
                            dist = 2.0 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
                            key += w_distance * math.exp(-dist / radius_km)
                    pp = p_prov[d]
                    if qp >= 0 and pp >= 0 and voucher[qp, pp]:
                        key += w_voucher
                    vals[i] = key
                _top(touched_c, vals, nc, c, out_doc[q], c)
            for s in range(2 * c):
                d = out_doc[q, s]
                if d >= 0:
                    out_text[q, s] = text[d]
                    out_code[q, s] = code[d]
            for j in range(f_ptr[q], f_ptr[q + 1]):
                f_text[j] = text[f_doc[j]]
                f_code[j] = code[f_doc[j]]
            for i in range(nt):
                text[touched_t[i]] = 0.0
            for i in range(nc):
                code[touched_c[i]] = 0.0
    return out_doc, out_text, out_code, f_text, f_code


#: the kernel's parallel loop: ``range`` until numba compiles it, then ``numba.prange``
_prange = range


@functools.cache
def _kernel() -> Callable[..., Any]:
    """The candidate kernel compiled by Numba (once per process; the machine code is cached on disk)."""
    try:
        import numba
    except ImportError as exc:  # a declared dependency; say how to get it back
        raise ConfigError("matching needs numba: pip install 'numba==0.68.1'") from exc
    global _prange, _top
    _prange = numba.prange
    if not isinstance(_top, numba.core.registry.CPUDispatcher):
        _top = numba.njit(cache=True, nogil=True)(_top)
    compiled: Callable[..., Any] = numba.njit(cache=True, nogil=True, parallel=True)(_candidates_kernel)
    return compiled


def _threads() -> int:
    import numba

    return int(numba.get_num_threads())


# ------------------------------------------------------------------------------------------------ match
#: what every match carries besides its rank: the score, its parts and the evidence behind them
EXPLANATION = ("score", "text", "codes", "distance_km", "ties", "voucher", "shared_terms", "shared_codes")


@dataclass(frozen=True, eq=False)
class Matches:
    """Ranked matches as columns, one row per (query, profile), ordered by query then rank.

    Attributes
    ----------
    query, profile : ndarray of int
        Row of the query in the queries, row of the profile in the index.
    rank : ndarray of int
        1 … ``top_k`` within the query.
    score : ndarray of float
        The weighted sum (module docstring); always > 0.
    text, codes : ndarray of float
        The normalised text and code components, in [0, 1].
    distance_km : ndarray of float
        Great-circle distance; NaN when either location is unknown.
    ties : ndarray of float
        Past co-operation count (0 when none).
    voucher : ndarray of bool
        Whether the two provinces honour each other's innovation vouchers.
    shared_terms : list of list of str
        The query's tokens found in the profile, the one contributing most to BM25 first (empty when none).
    shared_codes : list of list of str
        The codes both have, the rarest (highest IDF) first (empty when none).
    weights : Weights
        The weights the score used.
    """

    query: np.ndarray
    profile: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    text: np.ndarray
    codes: np.ndarray
    distance_km: np.ndarray
    ties: np.ndarray
    voucher: np.ndarray
    shared_terms: list[list[str]]
    shared_codes: list[list[str]]
    weights: Weights

    def __len__(self) -> int:
        return int(self.query.shape[0])

    def frame(
        self,
        query_ids: Sequence[str] | np.ndarray | None = None,
        profile_ids: Sequence[str] | np.ndarray | None = None,
    ) -> pd.DataFrame:
        """The rows as a DataFrame; with the queries' and the profiles' ids (``queries.ids``,
        ``index.profiles.ids``) it adds ``query_id`` and ``profile_id``."""
        cols: dict[str, Any] = {"query": self.query, "profile": self.profile}
        if query_ids is not None:
            cols["query_id"] = np.asarray(query_ids, dtype=object)[self.query]
        if profile_ids is not None:
            cols["profile_id"] = np.asarray(profile_ids, dtype=object)[self.profile]
        for name in ("rank", *EXPLANATION):
            cols[name] = getattr(self, name)
        return pd.DataFrame(cols)


def _check_count(value: object, param: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"expected an integer >= {low}, got {value!r}", param=param)
    return int(value)


def _ptr(counts: Sequence[int] | np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _voucher_matrix(
    pairs: Collection[tuple[str, str]] | None, provinces: Iterable[str]
) -> tuple[dict[str, int], np.ndarray]:
    """Province → index and the symmetric recognition matrix (diagonal true)."""
    pairs_list: list[tuple[str, str]] = []
    if pairs is not None:
        if isinstance(pairs, (str, Mapping)) or not isinstance(pairs, Iterable):
            raise ConfigError(
                "expected a set of (province, province) pairs such as {('31', '32')}", param="voucher_ok"
            )
        for pr in pairs:
            if not (isinstance(pr, tuple) and len(pr) == 2 and all(isinstance(x, str) and x for x in pr)):
                raise ConfigError(
                    f"expected (province, province) pairs of codes such as ('31', '32'), got {pr!r}",
                    param="voucher_ok",
                )
            pairs_list.append(pr)
    names = sorted({p for p in provinces if p} | {x for pr in pairs_list for x in pr})
    pos = {p: i for i, p in enumerate(names)}
    mat = np.eye(len(names), dtype=np.bool_)
    for a, b in pairs_list:
        mat[pos[a], pos[b]] = mat[pos[b], pos[a]] = True
    return pos, mat


def _ties_by_query(
    ties: Ties | Mapping[tuple[str, str], float] | None, queries: Profiles, index: Index
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ties of every query as CSR (row pointers, profile rows, counts), repeated pairs summed."""
    nq = len(queries)
    if ties is None:
        return np.zeros(nq + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0)
    if isinstance(ties, Mapping):
        ties = Ties.from_mapping(ties)
    if not isinstance(ties, Ties):
        raise ConfigError(
            f"expected Ties or a mapping {{(query_id, profile_id): count}}, got {type(ties).__name__}",
            param="ties",
        )
    q = pd.Index(queries.ids).get_indexer(ties.query_ids)
    p = index.rows.get_indexer(ties.profile_ids)
    ok = (q >= 0) & (p >= 0) & (ties.counts > 0)
    key = q[ok].astype(np.int64) * len(index) + p[ok]
    uniq, inv = np.unique(key, return_inverse=True)
    counts = np.bincount(inv, weights=ties.counts[ok], minlength=len(uniq))
    qr = uniq // len(index)
    return _ptr(np.bincount(qr, minlength=nq)), (uniq % len(index)).astype(np.int32), counts


def _explain(
    rows_q: np.ndarray,
    rows_p: np.ndarray,
    query_matrix: sp.csr_matrix,
    doc_matrix: sp.csr_matrix,
    labels: np.ndarray,
    order_weight: np.ndarray | None,
) -> list[list[str]]:
    """For each (query, profile) pair the labels both rows have, the largest product (or ``order_weight``) first."""
    if not len(rows_q):
        return []
    both = query_matrix[rows_q].multiply(doc_matrix[rows_p]).tocsr()
    both.eliminate_zeros()
    both.sort_indices()
    row = np.repeat(np.arange(both.shape[0]), np.diff(both.indptr))
    weight = both.data if order_weight is None else order_weight[both.indices]
    order = np.lexsort((both.indices, -weight, row))
    names = labels[both.indices[order]]
    return [list(chunk) for chunk in np.split(names, both.indptr[1:-1])]


def match(
    index: Index,
    queries: Profiles,
    *,
    top_k: int = 10,
    weights: Weights | None = None,
    ties: Ties | Mapping[tuple[str, str], float] | None = None,
    voucher_ok: Collection[tuple[str, str]] | None = None,
    candidates: int = 200,
) -> Matches:
    """Rank the indexed profiles for every query and explain each match.

    Parameters
    ----------
    index : Index
        The side to rank, from :func:`build_index`.
    queries : Profiles
        The side asking (needs for experts, or an expert for needs).
    top_k : int, default 10
        Matches per query (>= 1); fewer when fewer profiles share a token, a code or a tie with it.
    weights : Weights, optional
        Weights of the components (``Weights()``).
    ties : Ties or mapping {(query_id, profile_id): count}, optional
        Past co-operation between each query's owner and profiles (pairs naming unknown ids are ignored).
    voucher_ok : set of (str, str), optional
        Province pairs whose innovation vouchers are honoured across the border, in either direction
        (``{('31', '32')}``: Shanghai and Jiangsu). The same province always is; without pairs, only it is.
    candidates : int, default 200
        Candidates per query and per route (BM25, code sharing), >= ``top_k``.

    Returns
    -------
    Matches
        Rows ordered by query then rank.

    Notes
    -----
    The score and its components are defined in the module's docstring. Candidates are the ``candidates``
    profiles with the highest BM25, the ``candidates`` code sharers highest on the score without its ties
    component, and every profile with a tie. A profile that is none of them shares no code with the query and
    has less BM25 than the ``candidates``-th: it can be in the top ``k`` only if distance and voucher (at most
    ``w_distance + w_voucher``) make up its lower text, which the bench measures (agreement with a full scan). Ties in score go to the lower profile row. Query tokens the index
    does not know are ignored, and so are query codes no profile has.

    Examples
    --------
    >>> experts = Profiles.of(
    ...     ["X1", "X2", "X3"],
    ...     ["功率半导体器件封装与可靠性", "锂电池正极材料", "功率器件驱动电路设计"],
    ...     codes=[{"H01L", "ic:packaging_test"}, {"H01M"}, {"H03K"}],
    ...     lon=[121.47, 118.80, 120.16], lat=[31.23, 32.06, 30.27], province=["31", "32", "33"],
    ... )
    >>> needs = Profiles.of(["N1"], ["车规级功率芯片封装可靠性提升"], codes=[{"H01L"}],
    ...                     lon=[120.62], lat=[31.30], province=["32"])
    >>> m = match(build_index(experts), needs, top_k=2)
    >>> experts.ids[m.profile].tolist(), m.shared_terms, m.shared_codes
    (['X1', 'X3'], [['封装', '可靠', '可靠性', '功率'], ['功率']], [['H01L'], []])
    >>> [round(float(x), 1) for x in m.distance_km]
    [81.2, 122.7]

    References
    ----------
    .. [1] Robertson, S. & Zaragoza, H. (2009). The probabilistic relevance framework: BM25 and beyond.
       Foundations and Trends in Information Retrieval 3(4), 333–389.
    .. [2] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(二): 研发联络者 and 创新券互认互通.
    """
    if not isinstance(index, Index):
        raise ConfigError(f"expected an Index from build_index, got {type(index).__name__}", param="index")
    if not isinstance(queries, Profiles):
        raise ConfigError(f"expected Profiles, got {type(queries).__name__}", param="queries")
    top_k = _check_count(top_k, "top_k", low=1)
    candidates = _check_count(candidates, "candidates", low=1)
    if candidates < top_k:
        raise ConfigError(f"expected candidates >= top_k ({top_k}), got {candidates}", param="candidates")
    w = Weights() if weights is None else weights
    if not isinstance(w, Weights):
        raise ConfigError(f"expected Weights, got {type(w).__name__}", param="weights")
    prov_pos, vmat = _voucher_matrix(voucher_ok, [*index.profiles.province, *queries.province])
    f_ptr, f_doc, f_count = _ties_by_query(ties, queries, index)

    nq, n = len(queries), len(index)
    # queries' distinct known tokens and codes
    q_terms = [
        sorted({index.term_id[t] for t in tokenize(text) if t in index.term_id}) for text in queries.texts
    ]
    q_tok_ptr = _ptr([len(t) for t in q_terms])
    q_tok = np.fromiter((t for ts in q_terms for t in ts), dtype=np.int32, count=int(q_tok_ptr[-1]))
    # Σ idf of each query's tokens (bincount, not reduceat: reduceat fails on trailing empty queries)
    q_of_tok = np.repeat(np.arange(nq), np.diff(q_tok_ptr))
    q_text_norm = np.bincount(q_of_tok, weights=index.idf[q_tok], minlength=nq)
    q_code_matrix = _code_matrix(queries.codes, index.code_id)
    q_code_norm = q_code_matrix @ index.code_idf
    q_term_matrix = sp.csr_matrix(
        (np.ones(len(q_tok)), q_tok.astype(np.int64), q_tok_ptr), shape=(nq, len(index.vocab))
    )
    p_lat, p_lon = np.radians(index.profiles.lat), np.radians(index.profiles.lon)
    q_lat, q_lon = np.radians(queries.lat), np.radians(queries.lon)
    p_prov = np.array([prov_pos.get(p, -1) for p in index.profiles.province], dtype=np.int64)
    q_prov = np.array([prov_pos.get(p, -1) for p in queries.province], dtype=np.int64)

    if nq:
        out_doc, out_text, out_code, f_text, f_code = _kernel()(
            n,
            candidates,
            max(1, min(nq, 4 * _threads())),
            q_tok_ptr,
            q_tok,
            index.term_ptr,
            index.term_doc,
            index.term_weight,
            q_code_matrix.indptr.astype(np.int64),
            q_code_matrix.indices.astype(np.int32),
            index.code_ptr,
            index.code_doc,
            index.code_idf,
            q_code_norm,
            q_text_norm,
            w.text,
            w.codes,
            w.distance,
            w.voucher,
            w.radius_km,
            q_lat,
            q_lon,
            p_lat,
            p_lon,
            np.cos(p_lat),
            q_prov,
            p_prov,
            vmat,
            f_ptr,
            f_doc,
        )
        slot = out_doc.ravel() >= 0
        qq = np.concatenate(
            [np.repeat(np.arange(nq), 2 * candidates)[slot], np.repeat(np.arange(nq), np.diff(f_ptr))]
        )
        pp = np.concatenate([out_doc.ravel()[slot], f_doc]).astype(np.int64)
        bm = np.concatenate([out_text.ravel()[slot], f_text])
        cs = np.concatenate([out_code.ravel()[slot], f_code])
        tc = np.concatenate([np.zeros(int(slot.sum())), f_count])
    else:
        qq = pp = np.zeros(0, dtype=np.int64)
        bm = cs = tc = np.zeros(0)
    # one row per (query, profile); a tie's count comes with its forced row
    key = qq * n + pp
    order = np.lexsort((-tc, key))
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    keep = order[first]
    qq, pp, bm, cs, tc = qq[keep], pp[keep], bm[keep], cs[keep], tc[keep]

    with np.errstate(divide="ignore", invalid="ignore"):
        text = np.where(q_text_norm[qq] > 0, bm / q_text_norm[qq], 0.0)
        codes = np.where(q_code_norm[qq] > 0, cs / q_code_norm[qq], 0.0)
    h = (
        np.sin((p_lat[pp] - q_lat[qq]) / 2) ** 2
        + np.cos(q_lat[qq]) * np.cos(p_lat[pp]) * np.sin((p_lon[pp] - q_lon[qq]) / 2) ** 2
    )
    dist = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    proximity = np.where(np.isnan(dist), 0.0, np.exp(-dist / w.radius_km))
    qp, pv = q_prov[qq], p_prov[pp]
    voucher = (
        (qp >= 0) & (pv >= 0) & vmat[np.maximum(qp, 0), np.maximum(pv, 0)]
        if len(vmat)
        else np.zeros(len(qq), dtype=bool)
    )
    score = (
        w.text * text
        + w.codes * codes
        + w.distance * proximity
        + w.ties * tc / (tc + 1)
        + w.voucher * voucher
    )

    positive = score > 0
    order = np.lexsort((pp[positive], -score[positive], qq[positive]))
    sel = np.flatnonzero(positive)[order]
    qs = qq[sel]
    start = np.searchsorted(qs, qs, side="left")
    rank = np.arange(len(qs)) - start + 1
    sel = sel[rank <= top_k]
    rank = rank[rank <= top_k]
    rq, rp = qq[sel], pp[sel]
    shared_terms = _explain(rq, rp, q_term_matrix, index.doc_terms, index.vocab, None)
    shared_codes = _explain(rq, rp, q_code_matrix, index.doc_codes, index.codes, index.code_idf)
    return Matches(
        query=rq,
        profile=rp,
        rank=rank.astype(np.int64),
        score=score[sel],
        text=text[sel],
        codes=codes[sel],
        distance_km=dist[sel],
        ties=tc[sel],
        voucher=voucher[sel],
        shared_terms=shared_terms,
        shared_codes=shared_codes,
        weights=w,
    )


# ------------------------------------------------------------------------------------------------ evaluate
@dataclass(frozen=True)
class Evaluation:
    """Ranking quality against labelled answers (:func:`evaluate`).

    Attributes
    ----------
    k : int
        The cut-off.
    precision_at_k, recall_at_k, mrr : float
        Means over the evaluated queries (each in [0, 1]).
    n_queries : int
        Queries evaluated: those with at least one labelled answer.
    n_unranked : int
        Of them, queries the ranking has no list for (counted as 0 in every mean).
    """

    k: int
    precision_at_k: float
    recall_at_k: float
    mrr: float
    n_queries: int
    n_unranked: int


def evaluate(ranked: Mapping[str, Sequence[str]], truth: Mapping[str, Collection[str]], k: int) -> Evaluation:
    """Precision@k, recall@k and mean reciprocal rank of rankings against labelled answers.

    Parameters
    ----------
    ranked : mapping query id → sequence of profile ids
        Each query's ranking, best first (a repeated id counts once, at its first place).
    truth : mapping query id → collection of profile ids
        The relevant profiles of each labelled query.
    k : int
        Cut-off (>= 1).

    Returns
    -------
    Evaluation

    Notes
    -----
    Over the queries of ``truth`` with at least one relevant profile (queries without any are skipped;
    rankings of queries absent from ``truth`` are ignored), with ``R`` the relevant set and ``top`` the first
    ``k`` of the ranking:

    - precision@k = |top ∩ R| / k (k even when the ranking is shorter),
    - recall@k = |top ∩ R| / |R|,
    - reciprocal rank = 1 / (position of the first relevant profile in ``top``), 0 when none is in it (MRR@k).

    A labelled query without a ranking scores 0 on all three and is counted in ``n_unranked``.

    Examples
    --------
    Query a: top-2 (x, y) holds one of its two answers, at rank 2 → P 1/2, R 1/2, RR 1/2. Query b: x at rank 1
    is its only answer → P 1/2, R 1, RR 1. Query c is labelled but not ranked → 0, 0, 0. Means over three
    queries: P = 1/3, R = 1/2, MRR = 1/2.

    >>> e = evaluate({"a": ["y", "x", "z"], "b": ["x", "w"]},
    ...              {"a": {"x", "z"}, "b": {"x"}, "c": {"q"}}, k=2)
    >>> round(e.precision_at_k, 4), e.recall_at_k, e.mrr, e.n_queries, e.n_unranked
    (0.3333, 0.5, 0.5, 3, 1)

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval, ch. 8.
    .. [2] Voorhees, E. M. (1999). The TREC-8 question answering track report (mean reciprocal rank).
    """
    k = _check_count(k, "k", low=1)
    for name, m in (("ranked", ranked), ("truth", truth)):
        if not isinstance(m, Mapping):
            raise ConfigError(
                f"expected a mapping of query id to profile ids, got {type(m).__name__}", param=name
            )
        for q, v in m.items():
            if isinstance(v, str) or not isinstance(v, Iterable):
                raise ConfigError(f"query {q!r}: expected a collection of profile ids, got {v!r}", param=name)
    p_sum = r_sum = rr_sum = 0.0
    n = unranked = 0
    for q, answers in truth.items():
        relevant = set(answers)
        if not relevant:
            continue
        n += 1
        if q not in ranked:
            unranked += 1
            continue
        top = list(dict.fromkeys(ranked[q]))[:k]
        hits = [i for i, x in enumerate(top) if x in relevant]
        p_sum += len(hits) / k
        r_sum += len(hits) / len(relevant)
        rr_sum += 1.0 / (hits[0] + 1) if hits else 0.0
    if n == 0:
        return Evaluation(k, 0.0, 0.0, 0.0, 0, 0)
    return Evaluation(k, p_sum / n, r_sum / n, rr_sum / n, n, unranked)
