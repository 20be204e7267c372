"""Policy linkage (政策, issue 16): policies tagged to chains and segments, coverage, overlaps and gaps.

Pure functions over a table of policies — ``policy_id, title, issuer, adcode, level, date, text`` as in the
``policies`` input kind — and the chain taxonomy. The paper (潘秋晨 2023, 四(五)) asks that the atlas link the
chains "and the related science and industry policies"; 三(二) finds that places backing the same industries
compete far more than they co-operate (竞争远大于合作).

Contents
--------
:func:`load_aliases`       the shipped (or a given) ``data/policy/aliases.yaml``: extra keywords per chain and
                           segment, generic name parts, stop tokens and competing measures
:class:`Aliases`           that file, checked
:func:`build_dictionary`   the keyword dictionary: taxonomy names + aliases → (term, chain, segment)
:class:`KeywordDictionary` terms, measures and stop tokens
:class:`PolicyTagger`      the prepared matcher (one regular-expression trie, rjieba, a bm25s index)
:func:`default_tagger`     the tagger of the shipped taxonomy and aliases, built once
:func:`tag_policies`       policies → tags with confidence and evidence, and the measures each policy offers
:class:`PolicyTags`        those two tables
:func:`evaluate_tags`      precision, recall and F1 of tags against labelled policies
:class:`TagEvaluation`     those figures and the per-policy differences
:func:`coverage`           policies per segment × place × year, places rolled up to city or province
:class:`Coverage`          the cells, and :meth:`Coverage.matrix` segments × places
:func:`overlaps`           neighbouring or same-province places backing one segment with competing measures
:class:`Overlaps`          the policy pairs and their summary per place pair
:func:`gaps`               segments without a policy in a place over a range of years
:class:`Gaps`              the gaps with what backs them otherwise, and shares covered

A tag's segment is :data:`chainatlas.model.layers.ALL` (``"*"``) when it is the whole chain: a policy that names
a chain but none of its segments.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.sparse import csr_array

from chainatlas.analytics._checks import require_choice, require_columns, require_frame, require_probability
from chainatlas.analytics._places import LEVELS, MUNICIPALITIES, roll
from chainatlas.errors import ConfigError
from chainatlas.model.layers import ALL
from chainatlas.model.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "COVERAGE_COLUMNS",
    "GAP_COLUMNS",
    "LEVELS",
    "MEASURE_COLUMNS",
    "OVERLAP_COLUMNS",
    "TAG_COLUMNS",
    "Aliases",
    "Coverage",
    "Gaps",
    "KeywordDictionary",
    "Overlaps",
    "PolicyTagger",
    "PolicyTags",
    "TagEvaluation",
    "build_dictionary",
    "coverage",
    "default_tagger",
    "evaluate_tags",
    "gaps",
    "load_aliases",
    "overlaps",
    "tag_policies",
]

#: columns of :attr:`PolicyTags.tags`
TAG_COLUMNS = (
    "policy_id",
    "chain",
    "segment",
    "label",
    "confidence",
    "keyword_score",
    "similarity",
    "terms",
    "mentions",
    "in_title",
    "sentences",
    "shared_tokens",
)
#: columns of :attr:`PolicyTags.measures`
MEASURE_COLUMNS = ("policy_id", "category", "terms")
#: columns of :attr:`Coverage.cells`
COVERAGE_COLUMNS = ("chain", "segment", "place", "year", "policies", "mean_confidence")
#: columns of :attr:`Overlaps.pairs`
OVERLAP_COLUMNS = (
    "chain",
    "segment",
    "place_a",
    "place_b",
    "policy_a",
    "policy_b",
    "year_a",
    "year_b",
    "relation",
    "measures",
    "confidence",
)
#: columns of :attr:`Gaps.table`
GAP_COLUMNS = ("chain", "segment", "place", "chain_policies", "higher_policies", "last_year")

_SHIPPED = "aliases.yaml"
_SPLIT_NAME = re.compile(r"[与和、及,，/]")
_SENTENCE_END = re.compile(r"[。！？；;!?\n]")
_LATIN = re.compile(r"[0-9a-z]")


# ---------------------------------------------------------------------------------------------------------------
# the aliases file


@dataclass(frozen=True)
class Aliases:
    """The aliases file, checked (see ``data/policy/aliases.yaml`` for its sources).

    Attributes
    ----------
    chains : Mapping[str, tuple[str, ...]]
        Whole-chain terms per chain id (``ic`` → 集成电路, 半导体, ...).
    segments : Mapping[tuple[str, str], tuple[str, ...]]
        Extra terms per (chain, segment) (``("ic", "fabrication")`` → 晶圆制造, 流片, 12英寸, ...).
    generic : frozenset[str]
        Parts of segment names that are not keywords on their own (数据 of 基础软件、数据与云服务).
    stop_tokens : frozenset[str]
        Tokens left out of the text similarity.
    measures : Mapping[str, tuple[str, ...]]
        Competing-measure terms per category (``subsidy`` → 补贴, 奖励, ...).
    """

    chains: Mapping[str, tuple[str, ...]]
    segments: Mapping[tuple[str, str], tuple[str, ...]]
    generic: frozenset[str] = frozenset()
    stop_tokens: frozenset[str] = frozenset()
    measures: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _terms_list(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ConfigError(f"{where}: expected a list of terms, got {value!r}", param=name)
    out = tuple(str(v).strip() for v in value if str(v).strip())
    return out


def load_aliases(text: str | None = None, source: str | None = None) -> Aliases:
    """The aliases: the shipped ``data/policy/aliases.yaml``, or a given YAML text.

    Parameters
    ----------
    text : str, optional
        YAML text with the keys ``chains``, ``segments`` and optionally ``generic``, ``stop_tokens``,
        ``measures`` (the shipped file shows the layout); None reads the shipped file.
    source : str, optional
        The name errors give the file (default ``aliases.yaml``).

    Returns
    -------
    Aliases

    Raises
    ------
    ConfigError
        The text is not YAML, a key is unknown, or a list of terms is not a list of words.

    Notes
    -----
    Ids are checked against a taxonomy later, by :func:`build_dictionary`. The shipped file's comment names the
    documents its terms were chosen from (the State Council's IC, NEV and AI plans, MIIT's pharmaceutical plan,
    NBS 战略性新兴产业分类(2018)). It is read through :mod:`importlib.resources`, so it works from a wheel.

    Examples
    --------
    >>> a = load_aliases()
    >>> a.segments[("ic", "fabrication")][:3], a.chains["nev"][0]
    (('晶圆制造', '晶圆代工', '流片'), '新能源汽车')
    >>> load_aliases("chains: {ic: [芯片]}\\nsegments: {}").chains
    {'ic': ('芯片',)}

    References
    ----------
    .. [1] 国务院 (2020). 新时期促进集成电路产业和软件产业高质量发展的若干政策 (国发〔2020〕8号).
    .. [2] 国家统计局 (2018). 战略性新兴产业分类(2018) (国家统计局令第23号).
    """
    name = source or _SHIPPED
    if text is None:
        text = resources.files("chainatlas").joinpath("data", "policy", _SHIPPED).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: 不是有效的 YAML / not valid YAML: {exc}", param=name) from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{name}: expected a mapping with keys chains and segments", param=name)
    known = ("chains", "segments", "generic", "stop_tokens", "measures")
    unknown = [k for k in doc if k not in known]
    if unknown:
        raise ConfigError(f"{name}: unknown key(s) {unknown}; the keys are {list(known)}", param=name)
    chains_doc = doc.get("chains") or {}
    segs_doc = doc.get("segments") or {}
    measures_doc = doc.get("measures") or {}
    for key, value in (("chains", chains_doc), ("segments", segs_doc), ("measures", measures_doc)):
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: {key} must be a mapping, got {type(value).__name__}", param=name)
    chains = {str(c): _terms_list(v, f"{name}: chains.{c}", name) for c, v in chains_doc.items()}
    segments: dict[tuple[str, str], tuple[str, ...]] = {}
    for c, per in segs_doc.items():
        if not isinstance(per, dict):
            raise ConfigError(
                f"{name}: segments.{c} must map segment ids to lists of terms, got {per!r}", param=name
            )
        for s, v in per.items():
            segments[(str(c), str(s))] = _terms_list(v, f"{name}: segments.{c}.{s}", name)
    measures = {str(k): _terms_list(v, f"{name}: measures.{k}", name) for k, v in measures_doc.items()}
    return Aliases(
        chains=chains,
        segments=segments,
        generic=frozenset(_terms_list(doc.get("generic"), f"{name}: generic", name)),
        stop_tokens=frozenset(_terms_list(doc.get("stop_tokens"), f"{name}: stop_tokens", name)),
        measures=measures,
    )


# ---------------------------------------------------------------------------------------------------------------
# the dictionary


# full-width letters, digits, + and - (Ａ, １, ＋) → ASCII: one character for one, so positions in the normalised
# text are positions in the original (the evidence quotes the original); full-width punctuation (，；) stays
_FULLWIDTH_CHARS = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋－"
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in _FULLWIDTH_CHARS}
_HAS_FULLWIDTH = re.compile(f"[{_FULLWIDTH_CHARS}]")


def _norm(text: str) -> str:
    """Full-width ASCII forms to ASCII and Latin letters lower-cased, keeping the length of ``text``."""
    s = text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text
    low = s.lower()
    if len(low) != len(s):  # a letter whose lower case is longer (İ): keep it as it is
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in s)
    return low


@dataclass(frozen=True)
class KeywordDictionary:
    """What the tagger matches.

    Attributes
    ----------
    terms : DataFrame
        ``term`` (normalised: full-width forms as ASCII, lower case), ``written`` (as in the source), ``chain``, ``segment``
        (:data:`~chainatlas.model.layers.ALL` for whole-chain terms), ``source`` (``chain_name``,
        ``chain_alias``, ``segment_name``, ``segment_alias``); one row per (term, chain, segment).
    targets : DataFrame
        ``chain, segment, label`` of every target a tag can name, segments of a chain first, then its ``*``.
    measures : DataFrame
        ``term, category`` of the competing measures.
    stop_tokens : frozenset[str]
        Tokens the text similarity leaves out.
    skipped : tuple[str, ...]
        Alias entries for chains the taxonomy does not have (ignored).
    """

    terms: pd.DataFrame
    targets: pd.DataFrame
    measures: pd.DataFrame
    stop_tokens: frozenset[str]
    skipped: tuple[str, ...] = ()


def build_dictionary(taxonomy: Taxonomy, aliases: Aliases | None = None) -> KeywordDictionary:
    """The keyword dictionary of a taxonomy: chain and segment names plus the aliases.

    Parameters
    ----------
    taxonomy : Taxonomy
        Chains (``id, name_zh``) and segments (``chain, segment, name_zh``).
    aliases : Aliases, optional
        Extra terms; default :func:`load_aliases` (the shipped file).

    Returns
    -------
    KeywordDictionary

    Raises
    ------
    ConfigError
        The aliases name a segment that a chain of the taxonomy does not have.

    Notes
    -----
    Terms of a chain: its ``name_zh`` and its aliases. Terms of a segment: its ``name_zh``, the parts of it
    joined by 与/和/、/及 (智能芯片与算力硬件 → 智能芯片, 算力硬件) unless the aliases call them generic or they
    are a single character, and its aliases. Aliases of chains the taxonomy lacks are skipped (a user's
    taxonomy without the shipped chains still works); an unknown segment of a known chain is a typo and raises.

    Examples
    --------
    >>> d = build_dictionary(load_taxonomy())
    >>> t = d.terms
    >>> t.loc[t["term"] == "流片", ["chain", "segment", "source"]].values.tolist()
    [['ic', 'fabrication', 'segment_alias']]
    >>> sorted(t.loc[t["written"] == "智能芯片与算力硬件", "term"])
    ['智能芯片与算力硬件']
    >>> t.loc[t["term"] == "算力硬件"].empty  # a generic part
    True

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(五) (产业链创新链地图系统).
    """
    if not isinstance(taxonomy, Taxonomy):
        raise ConfigError(f"expected a Taxonomy, got {type(taxonomy).__name__}", param="taxonomy")
    a = aliases if aliases is not None else load_aliases()
    chains = dict(zip(taxonomy.chains["id"], taxonomy.chains["name_zh"], strict=True))
    segs = taxonomy.segments
    known = {(c, s) for c, s in zip(segs["chain"], segs["segment"], strict=True)}
    rows: list[tuple[str, str, str, str, str]] = []

    def add(written: str, chain: str, segment: str, source: str) -> None:
        w = written.strip()
        if len(w) >= 2:  # a single character is never specific enough
            rows.append((_norm(w), w, chain, segment, source))

    for cid, name in chains.items():
        add(name, cid, ALL, "chain_name")
        for term in a.chains.get(cid, ()):
            add(term, cid, ALL, "chain_alias")
    for c, s, name in zip(segs["chain"], segs["segment"], segs["name_zh"], strict=True):
        add(name, c, s, "segment_name")
        parts = [p.strip() for p in _SPLIT_NAME.split(name)]
        if len(parts) > 1:
            for p in parts:
                if len(p) >= 2 and p not in a.generic:
                    add(p, c, s, "segment_name")
    skipped = [f"chains.{c}" for c in a.chains if c not in chains]
    bad = []
    for (c, s), terms in a.segments.items():
        if c not in chains:
            skipped.append(f"segments.{c}.{s}")
            continue
        if (c, s) not in known:
            bad.append(f"{c}:{s}")
            continue
        for term in terms:
            add(term, c, s, "segment_alias")
    if bad:
        have = sorted(f"{c}:{s}" for c, s in known)
        raise ConfigError(
            f"aliases name segment(s) {bad} that the taxonomy does not have; its segments are {have}",
            param="aliases",
        )
    terms = pd.DataFrame(rows, columns=["term", "written", "chain", "segment", "source"])
    terms = terms.drop_duplicates(["term", "chain", "segment"]).reset_index(drop=True)
    target_rows = []
    for cid in chains:
        for s in segs.loc[segs["chain"] == cid, "segment"]:
            target_rows.append((cid, s, f"{cid}:{s}"))
        target_rows.append((cid, ALL, cid))
    targets = pd.DataFrame(target_rows, columns=["chain", "segment", "label"])
    measures = pd.DataFrame(
        [(_norm(t), cat) for cat, ts in a.measures.items() for t in ts], columns=["term", "category"]
    ).drop_duplicates()
    return KeywordDictionary(
        terms=terms,
        targets=targets,
        measures=measures.reset_index(drop=True),
        stop_tokens=frozenset(_norm(t) for t in a.stop_tokens),
        skipped=tuple(skipped),
    )


# ---------------------------------------------------------------------------------------------------------------
# the tagger


def _trie_regex(terms: Iterable[str]) -> re.Pattern[str]:
    """One regular expression matching any of ``terms``, the longest at each start (a character trie)."""
    root: dict[str, Any] = {}
    for t in terms:
        node = root
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = True

    def pattern(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch != ""]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(pattern(root) or "(?!)")


def _boundary_ok(low: str, s: int, e: int) -> bool:
    """A Latin term must not continue a Latin word (EDA in media, AI in chair)."""
    if s > 0 and _LATIN.match(low, s) and _LATIN.match(low, s - 1):
        return False
    return not (e < len(low) and _LATIN.match(low, e - 1) and _LATIN.match(low, e))


def _scan(regex: re.Pattern[str], low: str) -> list[tuple[int, int]]:
    """Spans of the terms in ``low``: the longest term at each start, overlapping ones kept, those inside a
    longer found term dropped."""
    found: list[tuple[int, int]] = []
    for m in regex.finditer(low):
        s, e = m.span()
        if _boundary_ok(low, s, e):
            found.append((s, e))
        for k in range(s + 1, e):  # a term starting inside this one that runs past its end (动力电池|回收)
            m2 = regex.match(low, k)
            if m2 is not None and m2.end() > e and _boundary_ok(low, k, m2.end()):
                found.append((k, m2.end()))
    found.sort(key=lambda x: (x[0], -x[1]))
    out = []
    max_end = -1
    for s, e in found:
        if e > max_end:
            out.append((s, e))
            max_end = e
    return out


class PolicyTagger:
    """The prepared matcher of a :class:`KeywordDictionary` (build once, tag many).

    Parameters
    ----------
    dictionary : KeywordDictionary
        From :func:`build_dictionary`.
    title_weight : float
        How many body mentions one mention in the title is worth (default 2).
    k1, b : float
        BM25 parameters of the text similarity (bm25s defaults 1.5 and 0.75).

    Notes
    -----
    Holds one regular expression over all terms (a character trie, so that one pass finds the longest term at
    every position), one over the measure terms, an rjieba tokenizer of its own with every term added to its
    dictionary (so terms come out whole), and the BM25 weights of the targets' profiles from bm25s. See
    :func:`tag_policies` for the scores.
    """

    def __init__(
        self, dictionary: KeywordDictionary, *, title_weight: float = 2.0, k1: float = 1.5, b: float = 0.75
    ) -> None:
        if not isinstance(dictionary, KeywordDictionary):
            raise ConfigError(
                f"expected a KeywordDictionary (from build_dictionary), got {type(dictionary).__name__}",
                param="dictionary",
            )
        if not (title_weight >= 0 and math.isfinite(title_weight)):
            raise ConfigError(f"expected a number >= 0, got {title_weight!r}", param="title_weight")
        self.dictionary = dictionary
        self.title_weight = float(title_weight)
        targets = dictionary.targets
        self.targets = targets
        index = {(c, s): i for i, (c, s) in enumerate(zip(targets["chain"], targets["segment"], strict=True))}
        self._chain_of = targets["chain"].to_numpy()
        self._is_chain = (targets["segment"] == ALL).to_numpy()
        term_targets: dict[str, list[int]] = {}
        for term, c, s in zip(
            dictionary.terms["term"], dictionary.terms["chain"], dictionary.terms["segment"], strict=True
        ):
            term_targets.setdefault(term, []).append(index[(c, s)])
        self._term_targets = term_targets
        self._regex = _trie_regex(term_targets)
        measure_cats: dict[str, list[str]] = {}
        for term, cat in zip(dictionary.measures["term"], dictionary.measures["category"], strict=True):
            measure_cats.setdefault(term, []).append(cat)
        self._measure_cats = measure_cats
        self._measure_regex = _trie_regex(measure_cats)
        self._build_similarity(k1, b)

    def _build_similarity(self, k1: float, b: float) -> None:
        try:
            import rjieba
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError("policy tagging needs rjieba: pip install 'rjieba==0.2.2'") from exc
        try:
            import bm25s  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError("policy tagging needs bm25s: pip install 'bm25s==0.3.16'") from exc
        jieba = rjieba.Jieba()
        self._jieba = jieba
        # a term's profile tokens: the term and its words in rjieba's own dictionary (碳化硅衬底 → 碳化硅, 衬底),
        # cut before the terms join the dictionary; a text's tokens (search mode) then hold both
        docs: list[list[str]] = [[] for _ in range(len(self.targets))]
        for term, ts in self._term_targets.items():
            words = [term, *jieba.cut(term, False)] if len(term) > 2 else [term]
            toks = [t for t in dict.fromkeys(words) if self._good(t)]
            for t in ts:
                docs[t] += toks
        for term in self._term_targets:
            jieba.add_word(term, None, None)
        vocab = sorted({tok for d in docs for tok in d})
        self._vocab = {tok: i for i, tok in enumerate(vocab)}
        self._vocab_list = vocab
        W = np.zeros((len(vocab), len(docs)))
        if vocab:
            retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
            retriever.index([d if d else [""] for d in docs], show_progress=False)
            for tok, i in self._vocab.items():
                W[i] = retriever.get_scores([tok])
        self._W = W
        self._ceiling = W.sum(axis=0)

    def _good(self, token: str) -> bool:
        """A token the similarity uses: two characters or more, not a stop token, not a number or punctuation."""
        return (
            len(token) >= 2
            and token not in self.dictionary.stop_tokens
            and not token.isdigit()
            and any(ch.isalnum() for ch in token)
        )

    def _tokens(self, low: str) -> list[str]:
        return [t for t in self._jieba.cut_for_search(low, False) if self._good(t)]

    def similarity(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """BM25 share of every target's profile that each (normalised) text covers, and each text's profile
        token ids (see :func:`tag_policies`, Notes)."""
        ids = []
        vocab = self._vocab
        keys = vocab.keys()
        cut = self._jieba.cut_for_search
        indptr = [0]
        for low in texts:
            # the profile vocabulary holds only tokens that pass _good, so no other filter is needed
            v = np.fromiter(sorted(vocab[t] for t in keys & set(cut(low, False))), dtype=np.int64)
            ids.append(v)
            indptr.append(indptr[-1] + len(v))
        X = csr_array(
            (np.ones(indptr[-1]), np.concatenate([np.zeros(0, np.int64), *ids]), np.asarray(indptr)),
            shape=(len(texts), len(vocab)),
        )
        S = np.asarray(X @ self._W) if len(vocab) else np.zeros((len(texts), len(self.targets)))
        with np.errstate(divide="ignore", invalid="ignore"):
            S = np.where(self._ceiling > 0, S / np.where(self._ceiling > 0, self._ceiling, 1.0), 0.0)
        return np.clip(S, 0.0, 1.0), ids


@functools.lru_cache(maxsize=1)
def default_tagger() -> PolicyTagger:
    """The tagger of the shipped taxonomy and aliases, built once per process.

    Parameters
    ----------
    None

    Returns
    -------
    PolicyTagger

    Notes
    -----
    Building it reads the four shipped chain files and ``aliases.yaml`` and loads rjieba's dictionary (about a
    second); later calls return the same object. Tag with a user's taxonomy through
    ``PolicyTagger(build_dictionary(taxonomy))``.

    Examples
    --------
    >>> default_tagger() is default_tagger()
    True
    >>> len(default_tagger().targets)  # 27 segments (ic 6, nev 8, ai 5, bio 8) + 4 chains
    31

    References
    ----------
    .. [1] rjieba, Python binding of jieba-rs: https://github.com/messense/rjieba-py
    """
    return PolicyTagger(build_dictionary(load_taxonomy()))


@dataclass(frozen=True)
class PolicyTags:
    """What :func:`tag_policies` found.

    Attributes
    ----------
    tags : DataFrame
        :data:`TAG_COLUMNS`, one row per (policy, target) at or above the confidence threshold:
        ``policy_id``; ``chain``; ``segment`` (``"*"`` for the whole chain); ``label`` (``ic:design`` or ``ic``);
        ``confidence`` in [0, 1]; its parts ``keyword_score`` and ``similarity``; the evidence: ``terms`` (the
        matched terms as written in the policy, strongest first), ``mentions`` (how often they occur),
        ``in_title``, ``sentences`` (up to ``max_sentences`` sentences holding them, the title first when it
        holds one) and ``shared_tokens`` (tokens shared with the target's profile, heaviest first).
    measures : DataFrame
        :data:`MEASURE_COLUMNS`: competing-measure categories a policy offers and the terms that say so.
    min_confidence : float
        The threshold used.
    """

    tags: pd.DataFrame
    measures: pd.DataFrame
    min_confidence: float


def _text_column(frame: pd.DataFrame, col: str | None) -> list[str]:
    if col is None or col not in frame.columns:
        return [""] * len(frame)
    return ["" if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in frame[col]]


def tag_policies(
    policies: pd.DataFrame,
    tagger: PolicyTagger | None = None,
    *,
    min_confidence: float = 0.5,
    max_sentences: int = 3,
    id: str = "policy_id",
    title: str = "title",
    text: str | None = "text",
) -> PolicyTags:
    """Tag policies to chains and segments, with a confidence and the evidence.

    Parameters
    ----------
    policies : DataFrame
        One row per policy: ``id`` and ``title`` columns, and ``text`` (full text or abstract) when there is
        one; other columns are ignored.
    tagger : PolicyTagger, optional
        Default :func:`default_tagger` (the shipped taxonomy and aliases).
    min_confidence : float
        Tags below it are dropped (default 0.5: one mention of a term that names one target alone).
    max_sentences : int
        Evidence sentences kept per tag.
    id, title, text : str
        Column names; ``text=None`` tags titles alone.

    Returns
    -------
    PolicyTags

    Raises
    ------
    ConfigError
        ``policies`` is not a DataFrame or lacks the ``id`` or ``title`` column; ``min_confidence`` is not in
        [0, 1].

    Notes
    -----
    Title and text are matched with full-width letters and digits read as ASCII and Latin letters lower-cased;
    the evidence quotes the original. A *term* is found where it occurs exactly
    (Latin terms as whole words); at each position the longest term counts, and a term inside a longer found
    term does not (芯片 in AI芯片), while overlapping terms both count (动力电池 and 电池回收 in 动力电池回收).

    For a target ``τ`` (a segment, or a chain as a whole) and a policy, with ``m_t`` = title mentions ×
    ``title_weight`` + text mentions of term ``t``, and ``n_t`` the number of targets that list ``t``::

        E_τ = Σ_{t of τ found} ln(1 + m_t) / n_t          keyword_score  k_τ = 1 − exp(−E_τ)

    so one text mention of a term of ``τ`` alone gives k = 0.5, one in the title 2/3, two different terms in the
    text 0.75. The *similarity* ``s_τ`` is the BM25 weight of the target's profile tokens that the policy's
    tokens (rjieba search mode, stop tokens and single characters left out) cover, divided by the weight of the
    whole profile: ``s_τ = Σ_{v ∈ policy ∩ profile(τ)} w(v, τ) / Σ_{v ∈ profile(τ)} w(v, τ)`` with ``w`` the
    Lucene BM25 weight of token ``v`` in the profile document of ``τ`` among all targets' profiles (bm25s). It
    lies in [0, 1] and credits parts of terms (晶圆 of 晶圆制造 in 晶圆代工线). The confidence is
    ``c_τ = 1 − (1 − k_τ)(1 − s_τ)``.

    A segment is tagged when ``c_τ ≥ min_confidence`` and ``c_τ > 0``. A chain as a whole pools the evidence of all its targets
    (``E`` summed, ``s`` the largest) and is tagged only when none of its segments is: a policy that names the
    chain but no segment.

    Examples
    --------
    >>> p = pd.DataFrame({"policy_id": ["P1", "P2"],
    ...                   "title": ["关于支持12英寸晶圆制造的若干政策", "关于促进文化旅游消费的若干措施"],
    ...                   "text": ["对新建晶圆代工生产线给予设备补贴。对企业人才给予安家补贴。", "发放消费券。"]})
    >>> r = tag_policies(p)
    >>> r.tags[["policy_id", "label", "terms", "in_title"]].values.tolist()
    [['P1', 'ic:fabrication', ('12英寸', '晶圆制造', '晶圆代工'), True]]
    >>> round(float(r.tags["keyword_score"].iloc[0]), 3)  # 1 − exp(−(ln 3 + ln 3 + ln 2))
    0.944
    >>> r.tags["sentences"].iloc[0][1]
    '对新建晶圆代工生产线给予设备补贴。'
    >>> r.measures[["policy_id", "category", "terms"]].values.tolist()
    [['P1', 'subsidy', ('补贴',)], ['P1', 'talent', ('人才', '安家')]]

    References
    ----------
    .. [1] Robertson, S. & Zaragoza, H. (2009). The probabilistic relevance framework: BM25 and beyond.
           Foundations and Trends in Information Retrieval 3(4), 333–389.
    .. [2] Lù, X. H. (2024). BM25S: orders of magnitude faster lexical search via eager sparse scoring.
           arXiv:2407.03618.
    """
    require_frame(policies, "policies")
    require_columns(policies, [id, title], "policies")
    threshold = require_probability(min_confidence, "min_confidence")
    if isinstance(max_sentences, bool) or not isinstance(max_sentences, int) or max_sentences < 0:
        raise ConfigError(f"expected an integer >= 0, got {max_sentences!r}", param="max_sentences")
    tg = tagger if tagger is not None else default_tagger()
    ids = policies[id].tolist()
    titles = _text_column(policies, title)
    bodies = _text_column(policies, text)
    low_titles = [_norm(t) for t in titles]
    low_bodies = [_norm(x) for x in bodies]
    S, token_ids = tg.similarity([t + "。" + x for t, x in zip(low_titles, low_bodies, strict=True)])
    tw = tg.title_weight
    n_targets = len(tg.targets)
    labels = tg.targets["label"].tolist()
    chains_t = tg.targets["chain"].tolist()
    segs_t = tg.targets["segment"].tolist()
    chain_members: dict[str, list[int]] = {}
    for i, c in enumerate(chains_t):
        chain_members.setdefault(c, []).append(i)
    n = len(ids)
    # pass 1: the terms of every policy, its keyword evidence E (policies × targets) and competing measures
    found: list[tuple[dict[int, dict[str, list[int]]], dict[str, str], dict[int, list[int]]]] = []
    E = np.zeros((n, n_targets))
    mrows: list[tuple[Any, str, tuple[str, ...]]] = []
    for r in range(n):
        ttl, body = titles[r], bodies[r]
        # counts[target][term] = [title mentions, text mentions]; shown[term] = as written; sent[target] = [k]
        counts: dict[int, dict[str, list[int]]] = {}
        shown: dict[str, str] = {}
        sent: dict[int, list[int]] = {}
        for where, src, low in ((0, ttl, low_titles[r]), (1, body, low_bodies[r])):
            if not src:
                continue
            spans = _scan(tg._regex, low)
            if not spans:
                continue
            ends = [m.end() for m in _SENTENCE_END.finditer(src)] if where == 1 else []
            for s, e in spans:
                term = low[s:e]
                shown.setdefault(term, src[s:e])
                k = bisect.bisect_right(ends, s) if where == 1 else -1
                for t in tg._term_targets[term]:
                    counts.setdefault(t, {}).setdefault(term, [0, 0])[where] += 1
                    lst = sent.setdefault(t, [])
                    if k not in lst:
                        lst.append(k)
        for t, per in counts.items():
            E[r, t] = sum(
                math.log1p(tw * a + b) / len(tg._term_targets[term]) for term, (a, b) in per.items()
            )
        found.append((counts, shown, sent))
        cats: dict[str, list[str]] = {}
        src = ttl + "。" + body
        low = low_titles[r] + "。" + low_bodies[r]
        for s, e in _scan(tg._measure_regex, low):
            for cat in tg._measure_cats[low[s:e]]:
                lst2 = cats.setdefault(cat, [])
                if src[s:e] not in lst2:
                    lst2.append(src[s:e])
        for cat in sorted(cats):
            mrows.append((ids[r], cat, tuple(cats[cat])))
    # scores, all policies at once; a chain's targets are contiguous, its own target last
    K = -np.expm1(-E)
    C = 1.0 - (1.0 - K) * (1.0 - S)
    seg_ok = (C >= threshold) & (C > 0) & ~tg._is_chain
    chain_names = list(chain_members)
    starts = np.array([chain_members[c][0] for c in chain_names], dtype=np.int64)
    chain_col = np.array([chain_members[c][-1] for c in chain_names], dtype=np.int64)
    E_c = np.add.reduceat(E, starts, axis=1) if n_targets else np.zeros((n, 0))
    S_c = np.maximum.reduceat(S, starts, axis=1) if n_targets else np.zeros((n, 0))
    K_c = -np.expm1(-E_c)
    C_c = 1.0 - (1.0 - K_c) * (1.0 - S_c)
    has_seg = np.add.reduceat(seg_ok.astype(np.int64), starts, axis=1) > 0 if n_targets else E_c > 0
    chain_ok = (C_c >= threshold) & (C_c > 0) & ~has_seg
    # pass 2: the evidence of the tagged
    rows: list[tuple[Any, ...]] = []
    for r in np.flatnonzero(seg_ok.any(axis=1) | chain_ok.any(axis=1)).tolist():
        counts, shown, sent = found[r]
        tagged: list[tuple[int, float, float, float, list[int]]] = []
        for j, c in enumerate(chain_names):
            members = chain_members[c]
            for i in members:
                if seg_ok[r, i]:
                    tagged.append((i, float(C[r, i]), float(K[r, i]), float(S[r, i]), [i]))
            if chain_ok[r, j]:
                tagged.append(
                    (int(chain_col[j]), float(C_c[r, j]), float(K_c[r, j]), float(S_c[r, j]), members)
                )
        for i, conf, kw, sim, pool in tagged:
            per_term: dict[str, list[int]] = {}
            order: list[int] = []
            for t in pool:
                for term, (a, b) in counts.get(t, {}).items():
                    agg = per_term.setdefault(term, [0, 0])
                    agg[0], agg[1] = max(agg[0], a), max(agg[1], b)
                for k in sent.get(t, []):
                    if k not in order:
                        order.append(k)
            terms = sorted(
                per_term,
                key=lambda term: (-math.log1p(tw * per_term[term][0] + per_term[term][1])
                                  / len(tg._term_targets[term])),
            )  # fmt: skip
            in_title = any(per_term[term][0] > 0 for term in terms)
            sentences = _sentences(titles[r], bodies[r], order, max_sentences)
            v = token_ids[r]
            w = tg._W[v][:, pool].max(axis=1) if len(v) else np.zeros(0)
            shared = tuple(tg._vocab_list[v[j]] for j in np.argsort(-w, kind="stable") if w[j] > 0)[:8]
            rows.append(
                (
                    ids[r],
                    chains_t[i],
                    segs_t[i],
                    labels[i],
                    conf,
                    kw,
                    sim,
                    tuple(shown[term] for term in terms),
                    int(sum(sum(per_term[term]) for term in terms)),
                    in_title,
                    sentences,
                    shared,
                )
            )
    tags = pd.DataFrame(rows, columns=list(TAG_COLUMNS))
    tags = tags.astype(
        {"confidence": float, "keyword_score": float, "similarity": float, "mentions": "int64"}
    )
    tags = tags.astype({"in_title": bool})
    return PolicyTags(tags, pd.DataFrame(mrows, columns=list(MEASURE_COLUMNS)), threshold)


def _sentences(title: str, body: str, order: list[int], limit: int) -> tuple[str, ...]:
    """Evidence sentences: ``-1`` is the title, ``k ≥ 0`` the k-th sentence of the body."""
    if limit == 0:
        return ()
    ends = [m.end() for m in _SENTENCE_END.finditer(body)]
    starts = [0, *ends]
    out: list[str] = []
    for k in sorted(order, key=lambda k: (k != -1, k)):
        if k == -1:
            s = title.strip()
        else:
            s = body[starts[k] : ends[k] if k < len(ends) else len(body)].strip()
        if s and s not in out:
            out.append(s if len(s) <= 200 else s[:199] + "…")
        if len(out) == limit:
            break
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class TagEvaluation:
    """Tags against labelled policies (:func:`evaluate_tags`).

    Attributes
    ----------
    precision, recall, f1 : float
        Micro-averaged over (policy, label) pairs; a label is ``chain:segment`` or ``chain`` (a whole-chain tag).
    chain_precision, chain_recall, chain_f1 : float
        The same with every label reduced to its chain.
    exact : float
        Share of policies whose predicted labels are exactly the true ones (no labels = none predicted).
    policies : int
        Labelled policies evaluated.
    per_policy : DataFrame
        ``policy_id, truth, predicted, missed, extra`` (tuples of labels, sorted).
    """

    precision: float
    recall: float
    f1: float
    chain_precision: float
    chain_recall: float
    chain_f1: float
    exact: float
    policies: int
    per_policy: pd.DataFrame


def _split_labels(value: object) -> frozenset[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    return frozenset(p.strip() for p in re.split(r"[;；,，\s]+", str(value)) if p.strip())


def _prf(tp: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_true if n_true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate_tags(
    tags: pd.DataFrame, truth: pd.DataFrame, *, id: str = "policy_id", labels: str = "labels"
) -> TagEvaluation:
    """Precision, recall and F1 of tags against labelled policies.

    Parameters
    ----------
    tags : DataFrame
        :attr:`PolicyTags.tags` (``policy_id`` and ``label`` are used).
    truth : DataFrame
        One row per labelled policy: ``id`` and ``labels`` — labels separated by ``;`` (``ic:design;ic``), empty
        for a policy about no chain.
    id, labels : str
        Column names of ``truth``.

    Returns
    -------
    TagEvaluation

    Raises
    ------
    ConfigError
        A frame or a column is missing.

    Notes
    -----
    With ``P_i`` and ``T_i`` the predicted and true label sets of policy ``i`` (tags of policies that are not
    in ``truth`` are ignored)::

        precision = Σ|P_i ∩ T_i| / Σ|P_i|      recall = Σ|P_i ∩ T_i| / Σ|T_i|      F1 = 2PR / (P + R)

    An empty denominator gives 1 (nothing predicted, nothing wrong). Chain figures map ``ic:design`` to ``ic``
    first.

    Examples
    --------
    >>> tags = pd.DataFrame({"policy_id": ["a", "a", "b"], "label": ["ic:design", "ic:fabrication", "nev"]})
    >>> truth = pd.DataFrame({"policy_id": ["a", "b", "c"], "labels": ["ic:design", "nev:battery", ""]})
    >>> e = evaluate_tags(tags, truth)
    >>> e.precision, e.recall, e.chain_precision, e.chain_recall, e.exact  # 1/3, 1/2; chains 2/2, 2/2; c only
    (0.3333333333333333, 0.5, 1.0, 1.0, 0.3333333333333333)

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval, §8.3 and
           §13.6 (micro-averaging). Cambridge University Press.
    """
    require_frame(tags, "tags")
    require_columns(tags, ["policy_id", "label"], "tags")
    require_frame(truth, "truth")
    require_columns(truth, [id, labels], "truth")
    pred: dict[Any, set[str]] = {}
    for pid, lab in zip(tags["policy_id"], tags["label"], strict=True):
        pred.setdefault(pid, set()).add(str(lab))
    rows = []
    tp = n_p = n_t = tpc = n_pc = n_tc = exact = 0
    for pid, lab in zip(truth[id], truth[labels], strict=True):
        T = set(_split_labels(lab))
        P = pred.get(pid, set())
        tp, n_p, n_t = tp + len(P & T), n_p + len(P), n_t + len(T)
        Pc = {x.split(":")[0] for x in P}
        Tc = {x.split(":")[0] for x in T}
        tpc, n_pc, n_tc = tpc + len(Pc & Tc), n_pc + len(Pc), n_tc + len(Tc)
        exact += P == T
        rows.append((pid, tuple(sorted(T)), tuple(sorted(P)), tuple(sorted(T - P)), tuple(sorted(P - T))))
    p, r, f = _prf(tp, n_p, n_t)
    pc, rc, fc = _prf(tpc, n_pc, n_tc)
    n = len(rows)
    per = pd.DataFrame(rows, columns=["policy_id", "truth", "predicted", "missed", "extra"])
    return TagEvaluation(p, r, f, pc, rc, fc, exact / n if n else 1.0, n, per)


# ---------------------------------------------------------------------------------------------------------------
# places, years


def _years(frame: pd.DataFrame, col: str) -> pd.Series:
    v = frame[col]
    if pd.api.types.is_integer_dtype(v):
        return v.astype("Int64")
    parsed = pd.to_datetime(v, errors="coerce", format="mixed")
    return parsed.dt.year.astype("Int64")


def _located(
    tags: pd.DataFrame,
    policies: pd.DataFrame,
    *,
    level: str,
    min_confidence: float,
    id: str,
    adcode: str,
    date: str,
) -> pd.DataFrame:
    """Tags joined to their policy's place (at ``level``), raw adcode and year; rows without either dropped."""
    require_frame(tags, "tags")
    require_columns(tags, ["policy_id", "chain", "segment", "confidence"], "tags")
    require_frame(policies, "policies")
    require_columns(policies, [id, adcode, date], "policies")
    require_choice(level, LEVELS, "level")
    conf = require_probability(min_confidence, "min_confidence")
    p = pd.DataFrame(
        {
            "policy_id": policies[id].to_numpy(),
            "adcode": policies[adcode].astype("string").str.strip().to_numpy(),
            "year": _years(policies, date).to_numpy(),
        }
    )
    p["place"] = roll(p["adcode"], level).to_numpy()
    t = tags.loc[tags["confidence"] >= conf, ["policy_id", "chain", "segment", "confidence"]]
    out = t.merge(p, on="policy_id", how="inner")
    return out.dropna(subset=["place", "year"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# coverage


@dataclass(frozen=True)
class Coverage:
    """Policies per segment × place × year (:func:`coverage`).

    Attributes
    ----------
    cells : DataFrame
        :data:`COVERAGE_COLUMNS`: ``policies`` = distinct policies tagged to (chain, segment) issued in
        ``place`` (at ``level``) in ``year``; ``mean_confidence`` of their tags. Only non-empty cells.
    level : str
        ``place``, ``city`` or ``province``.
    min_confidence : float
        Tags below it were left out.
    """

    cells: pd.DataFrame
    level: str
    min_confidence: float

    def matrix(
        self,
        years: tuple[int, int] | None = None,
        *,
        segments: pd.DataFrame | None = None,
        places: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Segments × places: policies in the ``years`` range (inclusive; default all), as a table indexed by
        (chain, segment) with one column per place; ``segments`` (``chain, segment``) and ``places`` add the
        empty rows and columns."""
        c = self.cells
        if years is not None:
            c = c[(c["year"] >= years[0]) & (c["year"] <= years[1])]
        m = c.pivot_table(
            index=["chain", "segment"], columns="place", values="policies", aggfunc="sum", fill_value=0
        )
        if segments is not None:
            m = m.reindex(pd.MultiIndex.from_frame(segments[["chain", "segment"]]), fill_value=0)
        if places is not None:
            m = m.reindex(columns=list(places), fill_value=0)
        m.columns.name = "place"
        return m.astype("int64")


def coverage(
    tags: pd.DataFrame,
    policies: pd.DataFrame,
    *,
    level: str = "place",
    min_confidence: float = 0.0,
    id: str = "policy_id",
    adcode: str = "adcode",
    date: str = "date",
) -> Coverage:
    """The coverage matrix: policies per segment × place × year.

    Parameters
    ----------
    tags : DataFrame
        :attr:`PolicyTags.tags` (``policy_id, chain, segment, confidence``).
    policies : DataFrame
        ``id``, ``adcode`` (the issuing jurisdiction) and ``date`` (a date, or a whole-number year).
    level : {"place", "city", "province"}
        Roll places up to their city or province (a municipality's districts roll up to the municipality).
    min_confidence : float
        Leave out tags below it.
    id, adcode, date : str
        Column names of ``policies``.

    Returns
    -------
    Coverage

    Raises
    ------
    ConfigError
        A column is missing or ``level`` is unknown.

    Notes
    -----
    ``policies(c, s, p, y) = |{i : i tagged (c, s), place_level(i) = p, year(i) = y}|``. A policy counts
    where it was issued: a province's policy is in the province's cell, not in its cities' (gaps reports it
    as ``higher_policies``). Whole-chain tags have segment ``"*"``. Policies without a place or a readable
    date are left out.

    Examples
    --------
    >>> tags = pd.DataFrame({"policy_id": ["a", "b", "b", "c"], "chain": "ic",
    ...                      "segment": ["design", "design", "fabrication", "design"], "confidence": 0.8})
    >>> pol = pd.DataFrame({"policy_id": ["a", "b", "c"], "adcode": ["320505", "320506", "320100"],
    ...                     "date": ["2022-03-01", "2022-07-01", "2023-01-01"]})
    >>> cov = coverage(tags, pol, level="city")
    >>> cov.cells[["segment", "place", "year", "policies"]].values.tolist()
    [['design', '320100', 2023, 1], ['design', '320500', 2022, 2], ['fabrication', '320500', 2022, 1]]
    >>> cov.matrix().values.tolist()  # rows design, fabrication; columns 320100, 320500
    [[1, 2], [0, 1]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(五).
    """
    loc = _located(
        tags, policies, level=level, min_confidence=min_confidence, id=id, adcode=adcode, date=date
    )
    g = loc.groupby(["chain", "segment", "place", "year"], sort=True)
    cells = g.agg(policies=("policy_id", "nunique"), mean_confidence=("confidence", "mean")).reset_index()
    cells = cells.astype({"place": str, "year": "int64", "policies": "int64"})
    return Coverage(cells[list(COVERAGE_COLUMNS)], level, float(min_confidence))


# ---------------------------------------------------------------------------------------------------------------
# overlaps


def _prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _nested(a: str, b: str) -> bool:
    return b.startswith(_prefix(a)) or a.startswith(_prefix(b))


@dataclass(frozen=True)
class Overlaps:
    """Competing policies of neighbouring places (:func:`overlaps`).

    Attributes
    ----------
    pairs : DataFrame
        :data:`OVERLAP_COLUMNS`, one row per overlapping pair of policies on a segment: places and policies
        ordered so that ``(place_a, policy_a) < (place_b, policy_b)``; ``relation`` = ``neighbour`` (the places
        are adjacent) or ``same_province``; ``measures`` = the competing-measure categories both offer;
        ``confidence`` = the smaller of the two tags' confidences.
    summary : DataFrame
        Per ``chain, segment, place_a, place_b``: ``pairs``, ``policies_a``, ``policies_b`` (distinct
        policies), ``first_year``, ``last_year``, ``measures`` (all shared categories), ``relation``.
    """

    pairs: pd.DataFrame
    summary: pd.DataFrame


def overlaps(
    tags: pd.DataFrame,
    policies: pd.DataFrame,
    measures: pd.DataFrame,
    adjacency: pd.DataFrame | None = None,
    *,
    level: str = "place",
    same_province: bool = True,
    window: int = 1,
    min_confidence: float = 0.0,
    id: str = "policy_id",
    adcode: str = "adcode",
    date: str = "date",
) -> Overlaps:
    """Overlaps: neighbouring or same-province places backing one segment at the same time with competing
    measures (the paper's 竞争远大于合作).

    Parameters
    ----------
    tags, measures : DataFrame
        :attr:`PolicyTags.tags` and :attr:`PolicyTags.measures`.
    policies : DataFrame
        ``id``, ``adcode``, ``date`` as in :func:`coverage`.
    adjacency : DataFrame, optional
        Pairs of neighbouring places, columns ``a, b`` (either order; any level at or below ``level``: pairs
        are rolled up to ``level``, so adjacent counties make their cities adjacent). None: no neighbours,
        only same-province pairs.
    level : {"place", "city", "province"}
        Place level of the comparison.
    same_province : bool
        Count places of one province as competitors even when not adjacent.
    window : int
        Largest difference of the two policies' years (default 1: the same or adjacent years).
    min_confidence : float
        Leave out tags below it.
    id, adcode, date : str
        Column names of ``policies``.

    Returns
    -------
    Overlaps

    Raises
    ------
    ConfigError
        A column is missing, ``level`` is unknown or ``window`` is negative.

    Notes
    -----
    Two policies ``i ≠ j`` overlap on a target (chain, segment) — a segment, or ``"*"`` for whole-chain tags,
    which meet only each other — when all of these hold:

    1. both are tagged to it with confidence ≥ ``min_confidence``;
    2. their places ``a ≠ b`` at ``level`` are not nested (a province's policy does not compete with its own
       cities', nor a city's with its counties'), and either ``{a, b}`` is in ``adjacency`` (``neighbour``) or,
       with ``same_province``, ``a`` and ``b`` are in the same province (``same_province``);
    3. ``|year(i) − year(j)| ≤ window``;
    4. they offer a competing measure of the same category: subsidies, land, tax, talent, attraction, funds or
       procurement (:attr:`PolicyTags.measures`) — two places paying for the same firms.

    Each unordered pair is reported once. Policies of one place never overlap each other.

    Examples
    --------
    >>> tags = pd.DataFrame({"policy_id": ["a", "b", "c", "d"], "chain": "ic", "segment": "design",
    ...                      "confidence": 0.9})
    >>> pol = pd.DataFrame({"policy_id": ["a", "b", "c", "d"], "adcode": ["320500", "320200", "320100", "330100"],
    ...                     "date": [2022, 2023, 2022, 2022]})
    >>> meas = pd.DataFrame({"policy_id": ["a", "b", "c", "d"], "category": ["subsidy", "subsidy", "land", "subsidy"],
    ...                      "terms": [("补贴",), ("奖励",), ("用地",), ("补贴",)]})
    >>> adj = pd.DataFrame({"a": ["320500", "330100"], "b": ["330100", "320100"]})
    >>> o = overlaps(tags, pol, meas, adj)
    >>> o.pairs[["policy_a", "policy_b", "relation", "measures"]].values.tolist()
    [['b', 'a', 'same_province', ('subsidy',)], ['a', 'd', 'neighbour', ('subsidy',)]]

    ``a``–``c`` share a province but not a measure; ``c``–``d`` are neighbours without a shared measure.

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 三(二) (承担转化和产业化功能的城市竞争远大于合作).
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 0:
        raise ConfigError(f"expected an integer >= 0, got {window!r}", param="window")
    loc = _located(
        tags, policies, level=level, min_confidence=min_confidence, id=id, adcode=adcode, date=date
    )
    require_frame(measures, "measures")
    require_columns(measures, ["policy_id", "category"], "measures")
    loc = loc.drop(columns="adcode")
    empty_pairs = pd.DataFrame({c: pd.Series(dtype=object) for c in OVERLAP_COLUMNS})
    summary_cols = ["chain", "segment", "place_a", "place_b", "pairs", "policies_a", "policies_b",
                    "first_year", "last_year", "measures", "relation"]  # fmt: skip
    empty = Overlaps(empty_pairs, pd.DataFrame({c: pd.Series(dtype=object) for c in summary_cols}))
    if loc.empty:
        return empty
    places = sorted(set(loc["place"]))
    # candidate place pairs (a < b): adjacency rolled up to the level, and same-province pairs
    rel: dict[tuple[str, str], str] = {}
    if adjacency is not None:
        require_frame(adjacency, "adjacency")
        require_columns(adjacency, ["a", "b"], "adjacency")
        ra = roll(adjacency["a"], level).tolist()
        rb = roll(adjacency["b"], level).tolist()
        for x, y in zip(ra, rb, strict=True):
            if pd.isna(x) or pd.isna(y) or x == y or _nested(x, y):
                continue
            rel[(min(x, y), max(x, y))] = "neighbour"
    if same_province:
        by_prov: dict[str, list[str]] = {}
        for p in places:
            by_prov.setdefault(p[:2], []).append(p)
        for ps in by_prov.values():
            for i, x in enumerate(ps):
                for y in ps[i + 1 :]:
                    if not _nested(x, y):
                        rel.setdefault((x, y), "same_province")
    if not rel:
        return empty
    pp = pd.DataFrame([(a, b, r) for (a, b), r in rel.items()], columns=["place_a", "place_b", "relation"])
    A = loc.rename(
        columns={"place": "place_a", "policy_id": "policy_a", "year": "year_a", "confidence": "ca"}
    )
    B = loc.rename(
        columns={"place": "place_b", "policy_id": "policy_b", "year": "year_b", "confidence": "cb"}
    )
    m = A.merge(pp, on="place_a").merge(B, on=["chain", "segment", "place_b"])
    m = m[(m["year_a"] - m["year_b"]).abs() <= window]
    if m.empty:
        return empty
    meas = measures[["policy_id", "category"]].drop_duplicates()
    ma = meas.rename(columns={"policy_id": "policy_a"})
    mb = meas.rename(columns={"policy_id": "policy_b"})
    key = ["chain", "segment", "place_a", "place_b", "policy_a", "policy_b"]
    shared = m[key].drop_duplicates().merge(ma, on="policy_a").merge(mb, on=["policy_b", "category"])
    if shared.empty:
        return empty
    cats = shared.groupby(key, sort=False)["category"].agg(lambda s: tuple(sorted(set(s)))).rename("measures")
    out = m.merge(cats.reset_index(), on=key)
    out["confidence"] = np.minimum(out["ca"].to_numpy(float), out["cb"].to_numpy(float))
    out = out.astype({"year_a": "int64", "year_b": "int64"})
    out = out.sort_values(["chain", "segment", "place_a", "place_b", "policy_a", "policy_b"], kind="stable")
    pairs = out[list(OVERLAP_COLUMNS)].reset_index(drop=True)
    g = pairs.groupby(["chain", "segment", "place_a", "place_b"], sort=True)
    summary = g.agg(
        pairs=("policy_a", "size"),
        policies_a=("policy_a", "nunique"),
        policies_b=("policy_b", "nunique"),
        first_year=("year_a", "min"),
        last_year=("year_a", "max"),
        relation=("relation", "first"),
    ).reset_index()
    years_b = g.agg(fb=("year_b", "min"), lb=("year_b", "max")).reset_index(drop=True)
    summary["first_year"] = np.minimum(summary["first_year"].to_numpy(), years_b["fb"].to_numpy())
    summary["last_year"] = np.maximum(summary["last_year"].to_numpy(), years_b["lb"].to_numpy())
    summary["measures"] = g["measures"].agg(lambda s: tuple(sorted({c for t in s for c in t}))).to_numpy()
    return Overlaps(pairs, summary[summary_cols])


# ---------------------------------------------------------------------------------------------------------------
# gaps


@dataclass(frozen=True)
class Gaps:
    """Segments without a policy (:func:`gaps`).

    Attributes
    ----------
    table : DataFrame
        :data:`GAP_COLUMNS`, one row per (chain, segment, place) with no policy in the years: what else backs
        it — ``chain_policies`` (whole-chain policies of the place in the years), ``higher_policies`` (policies
        on the segment by the enclosing city or province in the years) — and ``last_year``, the latest earlier
        year with a policy of the place on the segment (NA if none).
    by_place : DataFrame
        ``place, segments, covered, share``: segments with at least one policy, of all segments.
    by_segment : DataFrame
        ``chain, segment, places, covered, share``: places with at least one policy on it, of all places.
    years : tuple[int, int]
        The range, inclusive.
    """

    table: pd.DataFrame
    by_place: pd.DataFrame
    by_segment: pd.DataFrame
    years: tuple[int, int]


def gaps(
    tags: pd.DataFrame,
    policies: pd.DataFrame,
    segments: pd.DataFrame | Taxonomy,
    places: Sequence[str],
    *,
    years: tuple[int, int],
    level: str = "place",
    min_confidence: float = 0.0,
    id: str = "policy_id",
    adcode: str = "adcode",
    date: str = "date",
) -> Gaps:
    """Gaps: segments that a place has no policy on over a range of years.

    Parameters
    ----------
    tags, policies : DataFrame
        As in :func:`coverage`.
    segments : DataFrame or Taxonomy
        The segments to check (``chain, segment``; a taxonomy's ``segments``).
    places : sequence of str
        Adcodes at ``level`` to check.
    years : (int, int)
        First and last year, inclusive.
    level : {"place", "city", "province"}
        Level of ``places``; policies are rolled up to it.
    min_confidence : float
        Leave out tags below it.
    id, adcode, date : str
        Column names of ``policies``.

    Returns
    -------
    Gaps

    Raises
    ------
    ConfigError
        A column is missing, ``level`` is unknown, or ``years`` is not (first, last) with first ≤ last.

    Notes
    -----
    ``(c, s, p)`` is a gap when no policy tagged to segment ``(c, s)`` was issued in place ``p`` (at ``level``)
    in ``years``. A whole-chain policy does not fill a gap (it names no segment) but is counted in
    ``chain_policies``; policies of the enclosing city (for a county) or province (for a city or county) are
    counted in ``higher_policies``. ``share`` = covered / total.

    Examples
    --------
    >>> tags = pd.DataFrame({"policy_id": ["a", "b", "c"], "chain": "ic",
    ...                      "segment": ["design", "*", "fabrication"], "confidence": 0.9})
    >>> pol = pd.DataFrame({"policy_id": ["a", "b", "c"], "adcode": ["320500", "320200", "320000"],
    ...                     "date": [2022, 2022, 2023]})
    >>> segs = pd.DataFrame({"chain": "ic", "segment": ["design", "fabrication"]})
    >>> g = gaps(tags, pol, segs, ["320500", "320200"], years=(2022, 2023))
    >>> g.table.values.tolist()
    [['ic', 'design', '320200', 1, 0, <NA>], ['ic', 'fabrication', '320200', 1, 1, <NA>], ['ic', 'fabrication', '320500', 0, 1, <NA>]]
    >>> g.by_place[["place", "covered", "share"]].values.tolist()
    [['320200', 0, 0.0], ['320500', 1, 0.5]]

    References
    ----------
    .. [1] 潘秋晨 (2023). 长三角区域科技创新与产业联动合作机制研究, 四(五).
    """
    if isinstance(segments, Taxonomy):
        segments = segments.segments
    require_frame(segments, "segments")
    require_columns(segments, ["chain", "segment"], "segments")
    if (
        not isinstance(years, (tuple, list))
        or len(years) != 2
        or not all(isinstance(y, (int, np.integer)) and not isinstance(y, bool) for y in years)
        or years[0] > years[1]
    ):
        raise ConfigError(f"expected (first, last) whole-number years with first <= last, got {years!r}",
                          param="years")  # fmt: skip
    y0, y1 = int(years[0]), int(years[1])
    loc = _located(
        tags, policies, level=level, min_confidence=min_confidence, id=id, adcode=adcode, date=date
    )
    in_range = loc[(loc["year"] >= y0) & (loc["year"] <= y1)]
    segs = segments[["chain", "segment"]].drop_duplicates()
    segs = segs[segs["segment"] != ALL]
    place_list = [str(p) for p in dict.fromkeys(places)]
    grid = segs.merge(pd.DataFrame({"place": place_list}), how="cross")
    seg_counts = (
        in_range[in_range["segment"] != ALL].groupby(["chain", "segment", "place"])["policy_id"].nunique()
    )
    grid["n"] = (
        seg_counts.reindex(pd.MultiIndex.from_frame(grid[["chain", "segment", "place"]]), fill_value=0)
        .to_numpy()
        .astype("int64")
    )
    chain_counts = in_range[in_range["segment"] == ALL].groupby(["chain", "place"])["policy_id"].nunique()
    raw = in_range[in_range["segment"] != ALL].groupby(["chain", "segment", "adcode"])["policy_id"].nunique()
    raw_map = raw.to_dict()
    before = (
        loc[(loc["year"] < y0) & (loc["segment"] != ALL)].groupby(["chain", "segment", "place"])["year"].max()
    )
    before_map = before.to_dict()
    rows = []
    for c, s, p in grid.loc[grid["n"] == 0, ["chain", "segment", "place"]].itertuples(index=False):
        higher = []
        prov = p[:2] + "0000"
        city = p[:4] + "00"
        if p != prov:
            higher.append(prov)
        if not p.endswith("00") and p[:2] not in MUNICIPALITIES and city != p:
            higher.append(city)
        rows.append(
            (
                c,
                s,
                p,
                int(chain_counts.get((c, p), 0)),
                int(sum(raw_map.get((c, s, h), 0) for h in higher)),
                before_map.get((c, s, p), pd.NA),
            )
        )
    table = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
    table = table.astype({"chain_policies": "int64", "higher_policies": "int64", "last_year": "Int64"})
    table = table.sort_values(["chain", "segment", "place"], kind="stable").reset_index(drop=True)
    grid["covered"] = grid["n"] > 0
    bp = grid.groupby("place", sort=True).agg(segments=("covered", "size"), covered=("covered", "sum"))
    bp["share"] = bp["covered"] / bp["segments"]
    bs = grid.groupby(["chain", "segment"], sort=True).agg(
        places=("covered", "size"), covered=("covered", "sum")
    )
    bs["share"] = bs["covered"] / bs["places"]
    return Gaps(
        table,
        bp.reset_index().astype({"covered": "int64"}),
        bs.reset_index().astype({"covered": "int64"}),
        (y0, y1),
    )
