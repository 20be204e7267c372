"""Chain taxonomy: chains (产业链), their segments (环节), the order between segments, and the concordance of each
segment to industry codes (GB/T 4754-2017), technology classes (IPC) and traded products (HS).

The taxonomy is data: one YAML file per chain in ``chainatlas/data/chains`` (the paper's four key chains) plus any
files a user passes to :func:`load_taxonomy` — the paper's 新赛道 are added this way, without touching code. The
file format and matching rules are described in ``data/chains/README.md``.

Example
-------
>>> tax = load_taxonomy()
>>> sorted(tax.chains["id"])
['ai', 'bio', 'ic', 'nev']
>>> tax.segments_for_industry(pd.Series(["3973", "2720"]))[["row", "chain", "segment"]].values.tolist()
[[0, 'ai', 'compute'], [0, 'ic', 'fabrication'], [1, 'bio', 'chemical_drugs']]
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from chainatlas.errors import TaxonomyError
from chainatlas.model import codes as _codes

__all__ = [
    "SYSTEMS",
    "Taxonomy",
    "atlas_taxonomy",
    "industry_segments",
    "load_taxonomy",
    "shipped_chain_files",
    "validate_chain_file",
]

SYSTEMS = ("gbt4754", "ipc", "hs")
"""Code systems a segment maps to, in the order they are listed in a chain file."""

_CHAIN_REQUIRED = ("id", "name_zh", "segments")
_CHAIN_OPTIONAL = ("name_en", "description", "source")
_SEGMENT_REQUIRED = ("id", "name_zh", "position")
_SEGMENT_OPTIONAL = ("name_en", "after", *SYSTEMS)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# a concordance IPC entry is a prefix: subclass, main group, or main group + leading subgroup digits
_IPC_PREFIX = re.compile(r"^([A-H]\d{2}[A-Z])(?:\s*(\d{1,4})(?:\s*/\s*(\d{1,6}))?)?$")
_HS_ENTRY = re.compile(r"^\d{2}(?:\d{2}){0,2}$")


# ---------------------------------------------------------------------------------------------------------------
# parsed form of one chain file


@dataclass
class _Segment:
    id: str
    name_zh: str
    name_en: str
    position: int
    after: list[str] | None
    # system → [(canonical code, partial, specificity, code as written)]
    codes: dict[str, list[tuple[str, bool, int, str]]] = field(default_factory=dict)


@dataclass
class _Chain:
    id: str
    name_zh: str
    name_en: str
    description: str
    source: str
    file: str
    shipped: bool
    segments: list[_Segment]
    edges: list[tuple[str, str]] = field(default_factory=list)
    topo: dict[str, int] = field(default_factory=dict)


class _Problems:
    """Collects rule violations of one file, each naming file, chain, segment, value and rule."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.chain = "?"
        self.items: list[str] = []

    def add(self, rule: str, value: object, hint: str, segment: str | None = None) -> None:
        where = f"{self.file}: chain {self.chain!r}" + (
            f", segment {segment!r}" if segment is not None else ""
        )
        self.items.append(f"{where}: {rule}: {value!r}. {hint[:1].upper()}{hint[1:]}")


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def _load_yaml(path: Path, problems: _Problems) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        problems.add("unreadable file", str(path), f"expected a UTF-8 YAML file ({e})")
        return None
    try:
        # BaseLoader reads every scalar as text: codes keep their leading zeros (YAML 1.1 would read 0711 as an
        # octal number) and no value silently turns into a bool or a float
        return yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as e:
        problems.add("invalid YAML", str(path.name), "fix the syntax: " + " ".join(str(e).split()))
        return None


def _as_list(v: Any) -> list[Any] | None:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, list):
        return v
    return None


@lru_cache(maxsize=1)
def _known() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    gb = _codes.gbt4754_codes()
    hs_all = frozenset(pd.concat([_codes.hs_codes(e)["hscode"] for e in _codes.HS_EDITIONS]))
    return frozenset(gb.loc[gb["level"] >= 2, "code"]), frozenset(gb.loc[gb["level"] == 1, "code"]), hs_all


def _canonical_code(system: str, raw: str, problems: _Problems, segment: str) -> tuple[str, bool, int] | None:
    """(canonical code, partial, specificity) of one concordance entry, or None after recording a problem."""
    gb, sections, hs_all = _known()
    if system == "gbt4754":
        partial = raw.endswith("*")
        code = raw.rstrip("*").strip()
        if code in sections:
            problems.add(
                "GB/T 4754 section letter",
                raw,
                "segments map to 大类 (2 digits) or finer codes; list those",
                segment,
            )
            return None
        if code not in gb:
            problems.add(
                "unknown GB/T 4754 code", raw,
                "expected a 2/3/4-digit GB/T 4754-2017 code (see chainatlas.model.codes.gbt4754_codes()), "
                "optionally with '*' for a partial class", segment,
            )  # fmt: skip
            return None
        return code, partial, len(code)
    if system == "ipc":
        m = _IPC_PREFIX.match(raw.upper().strip())
        if m is None:
            problems.add(
                "malformed IPC", raw,
                "expected a subclass ('G06N'), a main group ('H01L 21') or a group prefix ('H01L 21/67')", segment,
            )  # fmt: skip
            return None
        subclass, main, sub = m.groups()
        if main is None:
            return subclass, False, 1
        main = main.lstrip("0") or "0"
        if sub is not None:
            sub = sub[:2] + sub[2:].rstrip("0") if len(sub) > 2 else sub
        if sub is None or sub == "00":  # 'H01L 21/00' is the main group itself
            return f"{subclass} {main}", False, 2
        return f"{subclass} {main}/{sub}", False, 2 + len(sub)
    code = raw.replace(".", "").replace(" ", "")
    if not _HS_ENTRY.match(code) or code not in hs_all:
        problems.add(
            "unknown HS code",
            raw,
            "expected a 2/4/6-digit code of HS 2017 or HS 2022 (chainatlas.model.codes.hs_codes()); for an 8/10-digit "
            "tariff line list its 6-digit subheading",
            segment,
        )
        return None
    return code, False, len(code)


def _parse_segment(raw: Any, index: int, problems: _Problems) -> _Segment | None:
    if not isinstance(raw, dict):
        problems.add(
            "segment is not a mapping", raw, f"segment #{index + 1} must have keys {list(_SEGMENT_REQUIRED)}"
        )
        return None
    sid = _text(raw.get("id")) or f"#{index + 1}"
    for key in _SEGMENT_REQUIRED:
        if _text(raw.get(key)) == "":
            problems.add("missing key", key, f"every segment needs {list(_SEGMENT_REQUIRED)}", sid)
    for key in raw:
        if key not in _SEGMENT_REQUIRED + _SEGMENT_OPTIONAL:
            problems.add(
                "unknown key", key, f"segment keys are {list(_SEGMENT_REQUIRED + _SEGMENT_OPTIONAL)}", sid
            )
    if "id" in raw and _text(raw.get("id")) and not _ID.match(sid):
        problems.add(
            "bad segment id", sid, "use lower-case letters, digits and '_', starting with a letter", sid
        )
    position = 0
    if _text(raw.get("position")):
        try:
            position = int(_text(raw["position"]))
        except ValueError:
            problems.add(
                "bad position", raw["position"], "position must be a whole number (1 = most upstream)", sid
            )
    after = None
    if "after" in raw:
        after = _as_list(raw["after"])
        if after is None or not all(isinstance(a, str) for a in after):
            problems.add(
                "bad after",
                raw["after"],
                "after must be a list of segment ids, e.g. [design, materials]",
                sid,
            )
            after = []
        after = [a.strip() for a in after]
    seg = _Segment(sid, _text(raw.get("name_zh")), _text(raw.get("name_en")), position, after)
    for system in SYSTEMS:
        entries = _as_list(raw.get(system))
        if entries is None or not all(isinstance(e, str) for e in entries):
            problems.add(f"bad {system} list", raw.get(system), f"{system} must be a list of codes", sid)
            entries = []
        seen: dict[str, int] = {}
        out: list[tuple[str, bool, int, str]] = []
        for e in entries:
            parsed = _canonical_code(system, e.strip(), problems, sid)
            if parsed is None:
                continue
            code, partial, spec = parsed
            if code in seen:  # listed twice in one segment: keep one, and the full (non-partial) reading
                i = seen[code]
                out[i] = (code, out[i][1] and partial, spec, out[i][3])
                continue
            seen[code] = len(out)
            out.append((code, partial, spec, e.strip()))
        seg.codes[system] = out
    if not any(_as_list(raw.get(s)) for s in SYSTEMS):  # (codes written but invalid are reported above)
        problems.add(
            "no concordance",
            sid,
            f"a segment needs at least one code in {list(SYSTEMS)}, or it can match nothing",
            sid,
        )
    return seg


def _find_cycle(nodes: Sequence[str], upstream: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the `after` graph as [a, b, ..., a], or None."""
    state = dict.fromkeys(nodes, 0)  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in upstream.get(n, []):
            if m not in state:
                continue
            if state[m] == 1:
                cyc = stack[stack.index(m) :] + [m]
                return cyc[::-1]  # read it in flow direction: upstream → downstream
            if state[m] == 0 and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in nodes:
        if state[n] == 0 and (found := visit(n)):
            return found
    return None


def _parse_chain(path: Path, shipped: bool) -> tuple[_Chain | None, list[str]]:
    problems = _Problems(str(path) if not shipped else f"chains/{path.name}")
    doc = _load_yaml(path, problems)
    if doc is None:
        return None, problems.items
    if not isinstance(doc, dict):
        problems.add(
            "not a chain file", type(doc).__name__, f"expected a mapping with keys {list(_CHAIN_REQUIRED)}"
        )
        return None, problems.items
    cid = _text(doc.get("id"))
    problems.chain = cid or "?"
    for key in _CHAIN_REQUIRED:
        if key not in doc or (key != "segments" and _text(doc.get(key)) == ""):
            problems.add("missing key", key, f"a chain file needs {list(_CHAIN_REQUIRED)}")
    for key in doc:
        if key not in _CHAIN_REQUIRED + _CHAIN_OPTIONAL:
            problems.add("unknown key", key, f"chain keys are {list(_CHAIN_REQUIRED + _CHAIN_OPTIONAL)}")
    if cid and not _ID.match(cid):
        problems.add("bad chain id", cid, "use lower-case letters, digits and '_', starting with a letter")
    raw_segments = doc.get("segments")
    if not isinstance(raw_segments, list) or not raw_segments:
        if "segments" in doc:
            problems.add("no segments", raw_segments, "segments must be a non-empty list")
        return None, problems.items
    segments: list[_Segment] = []
    ids: set[str] = set()
    for i, raw in enumerate(raw_segments):
        seg = _parse_segment(raw, i, problems)
        if seg is None:
            continue
        if seg.id in ids:
            problems.add("duplicate segment id", seg.id, "segment ids must be unique within a chain", seg.id)
            continue
        ids.add(seg.id)
        segments.append(seg)

    # ambiguity: one code in two segments of this chain (a code more specific than another is fine)
    owner: dict[tuple[str, str], str] = {}
    for seg in segments:
        for system, entries in seg.codes.items():
            for code, _, _, written in entries:
                other = owner.setdefault((system, code), seg.id)
                if other != seg.id:
                    problems.add(
                        "ambiguous code", written,
                        f"the same {system} code is also listed in segment {other!r}; a code may map to one segment per chain "
                        "(list a more specific code in one of them instead)", seg.id,
                    )  # fmt: skip

    # order: explicit `after` edges, or (if no segment has `after`) stage p → next stage
    by_id = {s.id: s for s in segments}
    edges: list[tuple[str, str]] = []
    if any(s.after is not None for s in segments):
        for s in segments:
            for up in s.after or []:
                if up not in by_id:
                    problems.add(
                        "unknown after", up, f"after must name segments of this chain: {sorted(by_id)}", s.id
                    )
                elif (up, s.id) not in edges:
                    edges.append((up, s.id))
    else:
        stages = sorted({s.position for s in segments})
        for p, q in itertools.pairwise(stages):
            edges += [(u.id, d.id) for u in segments if u.position == p for d in segments if d.position == q]
    upstream: dict[str, list[str]] = {}
    for u, d in edges:
        upstream.setdefault(d, []).append(u)
    cycle = _find_cycle([s.id for s in segments], upstream)
    if cycle:
        problems.add(
            "cycle in segment order",
            " → ".join(cycle),
            "the `after` links must run one way, upstream → downstream",
            cycle[0],
        )
    else:
        for u, d in edges:
            if by_id[u].position >= by_id[d].position:
                problems.add(
                    "position order", f"{u} (position {by_id[u].position}) → {d} (position {by_id[d].position})",
                    "a segment must have a larger position than the segments it comes after", d,
                )  # fmt: skip
    if problems.items:
        return None, problems.items

    # topological order: Kahn's algorithm, ties broken by position, then file order
    rank = {s.id: (s.position, i) for i, s in enumerate(segments)}
    indeg = {s.id: 0 for s in segments}
    down: dict[str, list[str]] = {}
    for u, d in edges:
        indeg[d] += 1
        down.setdefault(u, []).append(d)
    heap = [(rank[n], n) for n, k in indeg.items() if k == 0]
    heapq.heapify(heap)
    topo: dict[str, int] = {}
    while heap:
        _, n = heapq.heappop(heap)
        topo[n] = len(topo) + 1
        for d in down.get(n, []):
            indeg[d] -= 1
            if indeg[d] == 0:
                heapq.heappush(heap, (rank[d], d))
    chain = _Chain(
        cid, _text(doc.get("name_zh")), _text(doc.get("name_en")), _text(doc.get("description")),
        _text(doc.get("source")), problems.file, shipped, segments, edges, topo,
    )  # fmt: skip
    return chain, []


# ---------------------------------------------------------------------------------------------------------------
# loading


def shipped_chain_files() -> list[Path]:
    """The chain files shipped with Chain Atlas (``chainatlas/data/chains/*.yaml``)."""
    folder = resources.files("chainatlas").joinpath("data", "chains")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".yml")))


@lru_cache(maxsize=1)
def _shipped() -> tuple[_Chain, ...]:
    chains, problems = [], []
    for path in shipped_chain_files():
        chain, errs = _parse_chain(path, shipped=True)
        problems += errs
        if chain is not None:
            chains.append(chain)
    if problems:  # a broken shipped file is a packaging bug, but say exactly what is wrong
        raise TaxonomyError(_summary(problems))
    return tuple(chains)


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml"))
        else:
            files.append(p)
    return files


def _summary(problems: list[str]) -> str:
    head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in chain files:"
    return "\n".join([head, *(f"  - {p}" for p in problems)])


def validate_chain_file(path: Path | str) -> list[str]:
    """Check one chain file as :func:`load_taxonomy` would load it next to the shipped chains.

    Returns
    -------
    list of str
        One message per problem (file, chain, segment, rule, value and how to fix it); empty when the file is
        valid. Used by ``chainatlas chains check FILE``.
    """
    path = Path(path)
    if not path.is_file():
        return [f"{path}: no such file: expected a chain YAML file"]
    shipped_paths = {p.resolve() for p in shipped_chain_files()}
    is_shipped = path.resolve() in shipped_paths
    chain, problems = _parse_chain(path, shipped=is_shipped)
    if chain is not None and not is_shipped:
        for other in _shipped():
            if other.id == chain.id:
                problems.append(_shadow_message(chain, other))
    return problems


def _shadow_message(chain: _Chain, other: _Chain) -> str:
    if other.shipped:
        return (
            f"{chain.file}: chain {chain.id!r}: duplicate chain id: {chain.id!r}. It shadows the shipped chain "
            f"{other.id!r} ({other.name_zh}, {other.file}); choose another id, or load with replace_shipped=True to "
            f"replace the shipped definition"
        )
    return (
        f"{chain.file}: chain {chain.id!r}: duplicate chain id: {chain.id!r}. Also defined in {other.file}; "
        f"chain ids must be unique"
    )


def load_taxonomy(paths: Sequence[Path | str] | None = None, *, replace_shipped: bool = False) -> Taxonomy:
    """Load the shipped chains plus user chain files.

    Parameters
    ----------
    paths : sequence of path, optional
        Chain YAML files, or folders whose ``*.yaml`` / ``*.yml`` files are all loaded (sorted by name).
    replace_shipped : bool, default False
        Let a user file replace the shipped chain with the same id (to edit a shipped concordance). Otherwise a
        user chain with a shipped chain's id is an error.

    Raises
    ------
    TaxonomyError
        Listing every problem found in every file (see ``data/chains/README.md`` for the rules): unknown GB/T 4754
        or HS code, malformed IPC, duplicate segment id, ``after`` naming an unknown segment, a cycle in the segment
        order, a segment without codes, a code in two segments of one chain, missing or unknown keys, duplicate
        chain ids.
    """
    chains: dict[str, _Chain] = {c.id: c for c in _shipped()}
    problems: list[str] = []
    for path in _expand(paths or []):
        if not path.is_file():
            problems.append(f"{path}: no such file: expected a chain YAML file or a folder of them")
            continue
        chain, errs = _parse_chain(path, shipped=False)
        problems += errs
        if chain is None:
            continue
        other = chains.get(chain.id)
        if other is not None and not (other.shipped and replace_shipped):
            problems.append(_shadow_message(chain, other))
            continue
        chains[chain.id] = chain
    if problems:
        raise TaxonomyError(_summary(problems))
    return Taxonomy._build(list(chains.values()))


# ---------------------------------------------------------------------------------------------------------------
# the taxonomy


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """Chains, segments, order and concordance, as tables.

    Attributes
    ----------
    chains : DataFrame
        ``id, name_zh, name_en, description, source, file, shipped``.
    segments : DataFrame
        ``chain, segment, name_zh, name_en, position, topo_order`` — ``topo_order`` (1 = most upstream) is a
        topological order of the ``after`` graph, ties broken by position then file order.
    order_edges : DataFrame
        ``chain, upstream, downstream``: the segment-order DAG.
    concordance : DataFrame
        ``chain, segment, system, code, partial, specificity``: ``system`` in ``gbt4754, ipc, hs``; ``code`` in
        canonical form (``"3973"``, ``"H01L 21/67"``, ``"8542"``); ``partial`` marks GB/T 4754 classes only
        part of which belongs (``*`` in the file); ``specificity`` ranks matches (more digits = more specific).

    The lookups return at most one segment per (input row, chain): the most specific concordance match.
    Treat the tables as read-only.
    """

    chains: pd.DataFrame
    segments: pd.DataFrame
    order_edges: pd.DataFrame
    concordance: pd.DataFrame

    @classmethod
    def _build(cls, chains: list[_Chain]) -> Taxonomy:
        chain_rows, seg_rows, edge_rows, conc_rows = [], [], [], []
        for c in chains:
            chain_rows.append((c.id, c.name_zh, c.name_en, c.description, c.source, c.file, c.shipped))
            for s in c.segments:
                seg_rows.append((c.id, s.id, s.name_zh, s.name_en, s.position, c.topo[s.id]))
                for system in SYSTEMS:
                    for code, partial, spec, _ in s.codes.get(system, []):
                        conc_rows.append((c.id, s.id, system, code, partial, spec))
            edge_rows += [(c.id, u, d) for u, d in c.edges]
        chains_df = pd.DataFrame(
            chain_rows, columns=["id", "name_zh", "name_en", "description", "source", "file", "shipped"]
        ).astype({"shipped": bool})
        segs = pd.DataFrame(
            seg_rows, columns=["chain", "segment", "name_zh", "name_en", "position", "topo_order"]
        )
        segs = segs.astype({"position": np.int64, "topo_order": np.int64})
        segs = segs.sort_values(["chain", "topo_order"], kind="stable").reset_index(drop=True)
        edges = pd.DataFrame(edge_rows, columns=["chain", "upstream", "downstream"])
        conc = pd.DataFrame(
            conc_rows, columns=["chain", "segment", "system", "code", "partial", "specificity"]
        )
        conc = conc.astype({"partial": bool, "specificity": np.int64})
        for df in (chains_df, segs, edges, conc):
            for col in df.columns:
                if df[col].dtype == object:
                    df[col] = df[col].astype("str")
        return cls(chains_df.sort_values("id").reset_index(drop=True), segs, edges, conc)

    # -- lookups ------------------------------------------------------------------------------------------------

    def _match(self, norm: pd.Series, system: str, keys: Any) -> pd.DataFrame:
        """Rows of ``norm`` (canonical codes, NA = no match) × most specific concordance entry per chain.

        ``keys(uniques, specificity)`` gives, for each distinct code, its key at that specificity (NA if the code
        is too short). Matching runs on distinct codes; rows are expanded with numpy at the end.
        """
        cols = ["row", "chain", "segment", "code", "partial"]
        conc = self.concordance[self.concordance["system"] == system]
        codes, uniques = pd.factorize(norm, use_na_sentinel=True)
        if conc.empty or len(uniques) == 0:
            return pd.DataFrame(
                {c: pd.Series(dtype=t) for c, t in zip(cols, ["int64", "str", "str", "str", bool])}
            )
        u = pd.Series(uniques, dtype="str")
        parts = []
        for spec in sorted(conc["specificity"].unique()):
            key = pd.Series(keys(u, int(spec)), dtype="str")
            cand = pd.DataFrame({"u": np.arange(len(u)), "code": key}).dropna()
            parts.append(cand.merge(conc[conc["specificity"] == spec], on="code"))
        m = pd.concat(parts, ignore_index=True)
        m = m.sort_values(["u", "chain", "specificity"], ascending=[True, True, False], kind="stable")
        m = m.drop_duplicates(["u", "chain"]).reset_index(drop=True)
        # expand: row r with distinct code k gets the block of matches of k (m is sorted by u)
        counts = np.bincount(m["u"].to_numpy(), minlength=len(u))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rows = np.flatnonzero(codes >= 0)
        k = codes[rows]
        rep = counts[k]
        total = int(rep.sum())
        within = np.arange(total) - np.repeat(np.cumsum(rep) - rep, rep)
        take = np.repeat(starts[k], rep) + within
        out = m.iloc[take][["chain", "segment", "code", "partial"]].reset_index(drop=True)
        out.insert(0, "row", np.repeat(rows, rep).astype(np.int64))
        return out

    def segments_for_industry(self, codes: pd.Series) -> pd.DataFrame:
        """Chain segments of firms by their GB/T 4754-2017 industry code.

        Parameters
        ----------
        codes : pandas.Series
            Industry codes as text (4-digit 小类, or 2/3-digit 大类/中类); ``"C3973"`` and full-width digits are
            cleaned first. Codes that are not GB/T 4754-2017 codes match nothing.

        Returns
        -------
        pandas.DataFrame
            ``row`` (0-based position in ``codes``), ``chain``, ``segment``, ``code`` (the concordance code that
            matched), ``partial``; at most one row per (row, chain). A code matches a concordance code equal to it
            or to its 大类/中类; the longest wins.
        """
        s = _codes._as_series(codes)
        norm = _codes.normalize_gbt4754(s)
        norm = norm.where(_codes.validate_gbt4754(norm))

        def keys(u: pd.Series, spec: int) -> pd.Series:
            return u.str.slice(0, spec).where(u.str.len() >= spec)

        return self._match(norm, "gbt4754", keys)

    def segments_for_ipc(self, ipc: pd.Series) -> pd.DataFrame:
        """Chain segments of patents by IPC symbol: the longest concordance prefix of the normalised symbol
        (subclass, main group, or leading subgroup digits). Columns as in :meth:`segments_for_industry`."""
        norm = _codes.normalize_ipc(_codes._as_series(ipc))

        def keys(u: pd.Series, spec: int) -> pd.Series:
            if spec == 1:
                return u.str.slice(0, 4)
            parts = u.str.split("/")
            group = parts.str[0]
            # .str[1] of lists that all lack a '/' is an all-NaN float Series: keep it text
            sub = parts.str[1].astype("string")
            if spec == 2:
                return group.where(sub.notna())
            n = spec - 2
            return (group + "/" + sub.str.slice(0, n)).where(sub.str.len() >= n)

        return self._match(norm, "ipc", keys)

    def segments_for_hs(self, hs: pd.Series) -> pd.DataFrame:
        """Chain segments of traded products by HS code (2-10 digits, separators ignored): the longest 2/4/6-digit
        concordance prefix. Columns as in :meth:`segments_for_industry`."""
        s = _codes._as_series(hs)
        norm = _codes._hs_digits(s).where(_codes.validate_hs(s))

        def keys(u: pd.Series, spec: int) -> pd.Series:
            return u.str.slice(0, spec).where(u.str.len() >= spec)

        return self._match(norm, "hs", keys)


def atlas_taxonomy() -> Taxonomy:
    """The taxonomy the atlas works with: shipped chains plus the user's folder ``CHAINATLAS_CHAINS_DIR``.

    This is how users add a chain (the paper's 新赛道) without touching code.
    """
    from chainatlas import config

    folder = config.get("chains_dir")
    return load_taxonomy([Path(folder)] if folder else None)


def industry_segments(chain: str) -> frozenset[str]:
    """Segments of ``chain`` that some GB/T 4754 code maps to, so that firms can be assigned to them.

    The others (e.g. ic 封装测试, whose industry code it shares with 晶圆制造) are reached only through patents
    and trade, so their presence in a place is judged by patents instead of firms.
    """
    from chainatlas import config

    return _industry_segments_for(config.get("chains_dir")).get(chain, frozenset())


@functools.lru_cache(maxsize=4)
def _industry_segments_for(chains_dir: str | None) -> dict[str, frozenset[str]]:
    c = atlas_taxonomy().concordance
    c = c[c["system"] == "gbt4754"]
    return {k: frozenset(g["segment"]) for k, g in c.groupby("chain")}
