"""Statistical disclosure control of linked hierarchical tables: primary and secondary cell suppression with
an LP audit.

The atlas publishes magnitudes (tax paid, customs trade, firm revenue) per place × chain segment. Outside a
user's own jurisdiction, cells of confidential kinds may be shown only if no contributor's figure can be
recovered, or narrowed too far, from what is shown. This module builds the table of every cell of every
hierarchy level from per-entity contributions, finds the sensitive cells, chooses complementary suppressions
and proves the result with linear programming.

Contents
--------
:class:`Hierarchy`     one dimension: ``parent -> children`` partitions (overlapping parents allowed)
:class:`LinkedTable`   every cell (a node per dimension), its value, contributor count and top-n, and the
                       additive relations ``parent − Σ children = 0`` that link the cells
:func:`primary`        threshold rule (fewer than ``k`` contributors) and (n, p) dominance rule
:func:`audit`          LP feasibility interval ``[lo, hi]`` of each suppressed cell, as an attacker derives it
:func:`protect`        primary + secondary suppression, audited; returns a :class:`Protection`
:class:`Protection`    the pattern, its audit and parameters; ``published()`` and ``release()``
:func:`serve`          slices of one protected cube (never re-protected per slice, so differencing fails)
:func:`audit_slices`   the audit of what a holder of several slices can derive

Attacker model
--------------
The attacker knows the structure (every relation), that every cell is ``>= 0``, every published cell, and the
``known`` cells (e.g. all cells of the user's own jurisdiction) exactly. A sensitive cell of value ``v`` is
protected at level ``q`` when the interval of values consistent with all that covers ``[v(1−q), v(1+q)]``
(Hundepool et al. 2012, §4.2: feasibility interval and protection levels; here symmetric, ``q·v``). When the
``known`` cells alone already bound a cell more tightly (its *prior* interval, computed with every other cell
hidden), no release can undo that, so the requirement is capped by the prior: the release must not narrow the
cell beyond the protection level *or* beyond what the attacker knew before, whichever is wider.

Empty cells (no contributor) are never sensitive and are published, except that the secondary LP may use
one as a complement like any other cell (cheaply: it can only be imagined larger). Where emptiness is public
(a business register shows who operates where), say so: pass them as known (``known=table.value == 0``); they
are then never complements and the audit fixes them at 0.

Not modelled: contributors' insider knowledge of their own contribution beyond the dominance rule (e.g. two
single-contributor cells in one relation, each of which can deduce the other: Hundepool et al. §4.2.2), and
rounding or perturbation as alternatives to suppression.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics import _checks
from chainatlas.errors import AccessError, ConfigError

__all__ = [
    "Hierarchy",
    "LinkedTable",
    "Protection",
    "audit",
    "audit_slices",
    "primary",
    "protect",
    "serve",
]

#: column names a dimension may not take (they hold the cell statistics)
T = TypeVar("T")

RESERVED = (
    "entity",
    "value",
    "entities",
    "top",
    "status",
    "reason",
    "known",
    "suppressed",
    "sensitive",
    "lo",
    "hi",
    "prior_lo",
    "prior_hi",
    "req_lo",
    "req_hi",
    "ok",
)

#: the table is rescaled by a power of two (exact) so that its largest cell is just below 2**_SCALE_EXP: HiGHS's
#: absolute tolerances (1e-7) then sit 13 orders of magnitude below the largest cell, whatever the units
_SCALE_EXP = 20
#: a sensitive cell passes the audit if its bounds miss the requirement by at most _RTOL·v + _ATOL (scaled)
_RTOL = 1e-7
_ATOL = 1e-7
#: the secondary-suppression LPs ask for this much more than the requirement, so the audit passes clearly
_MARGIN = 1e-6

Cells = object  # a selection of cells: see :meth:`LinkedTable.select`


def _named(check: Callable[..., T], value: object, param: str, **kw: object) -> T:
    """Run a guard of :mod:`chainatlas.analytics._checks` so that its error also carries ``param`` (those
    guards only put the name in the message), for interfaces that show it as an option."""
    try:
        return check(value, param, **kw)
    except ConfigError as e:
        if e.param is not None:
            raise
        msg, prefix = str(e), f"{param}: "
        raise ConfigError(msg.removeprefix(prefix), param=param) from None


# ---------------------------------------------------------------------------------------------- model
@dataclass(frozen=True, eq=False)
class Hierarchy:
    """One dimension of a linked table: each aggregate node and the children that partition it.

    Parameters
    ----------
    children : mapping of str to list of str
        ``{parent: [child, ...]}``: the children's leaf sets must be disjoint and their union is the parent
        (``city = Σ its counties``, ``area = Σ its member counties``, ``chain = Σ its segments``). A node may
        be a child of several parents (overlapping aggregates: a county in its city and in a functional area);
        nodes that are nobody's parent are the leaves.

    Attributes
    ----------
    nodes : tuple of str
        Every node, parents and leaves, in depth-first order from the roots (parents that are nobody's child).
    leaves : tuple of str
        The nodes with no children, in the same order.
    members : dict of str to frozenset of str
        The leaves under each node (a leaf's set is itself).

    Raises
    ------
    ConfigError
        (param ``children``) for an empty or malformed mapping, a parent without children, a duplicate or
        self child, a cycle, or children that overlap (share a leaf) and so do not partition their parent.
    """

    children: Mapping[str, Sequence[str]]
    nodes: tuple[str, ...] = field(init=False)
    leaves: tuple[str, ...] = field(init=False)
    members: dict[str, frozenset[str]] = field(init=False, repr=False)
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        raw = self.children
        if not isinstance(raw, Mapping) or not raw:
            raise ConfigError(
                f"expected a non-empty mapping {{parent: [child, ...]}}, got {raw!r}", param="children"
            )
        norm: dict[str, tuple[str, ...]] = {}
        for parent, kids in raw.items():
            if not isinstance(parent, str) or not parent:
                raise ConfigError(
                    f"expected non-empty str node codes, got parent {parent!r}", param="children"
                )
            if isinstance(kids, (str, bytes)) or not isinstance(kids, Iterable):
                raise ConfigError(
                    f"[{parent!r}]: expected a list of child codes, got {type(kids).__name__} {kids!r}",
                    param="children",
                )
            kt = tuple(kids)
            if not kt:
                raise ConfigError(
                    f"[{parent!r}]: no children; list the children that partition the parent, or drop it",
                    param="children",
                )
            bad = [c for c in kt if not isinstance(c, str) or not c]
            if bad:
                raise ConfigError(
                    f"[{parent!r}]: expected non-empty str codes, got {bad[0]!r}", param="children"
                )
            if len(set(kt)) != len(kt):
                dup = sorted({c for c in kt if kt.count(c) > 1})
                raise ConfigError(f"[{parent!r}]: child(ren) listed twice: {dup}", param="children")
            if parent in kt:
                raise ConfigError(f"[{parent!r}]: a node cannot be its own child", param="children")
            norm[parent] = kt
        # leaf sets, with cycle detection (iterative depth-first search)
        leafsets: dict[str, frozenset[str]] = {}
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        for start in norm:
            if state.get(start) == 2:
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path = [start]
            state[start] = 1
            while stack:
                node, i = stack[-1]
                kids_ = norm.get(node, ())
                if i < len(kids_):
                    stack[-1] = (node, i + 1)
                    c = kids_[i]
                    if c not in norm:
                        leafsets[c] = frozenset((c,))
                        state[c] = 2
                    elif state.get(c) == 1:
                        cyc = [*path[path.index(c) :], c]
                        raise ConfigError(
                            f"cycle {' -> '.join(cyc)}; a hierarchy must be acyclic", param="children"
                        )
                    elif state.get(c) != 2:
                        state[c] = 1
                        stack.append((c, 0))
                        path.append(c)
                else:
                    stack.pop()
                    path.pop()
                    owner: dict[str, str] = {}
                    for c in kids_:
                        for leaf in leafsets[c]:
                            if leaf in owner:
                                raise ConfigError(
                                    f"[{node!r}]: children {owner[leaf]!r} and {c!r} both contain {leaf!r}; the "
                                    f"children of a parent must partition it (no leaf in two children)",
                                    param="children",
                                )
                            owner[leaf] = c
                    leafsets[node] = frozenset(owner)
                    state[node] = 2
        # depth-first order from the roots, children in the order given
        childs = {c for kt in norm.values() for c in kt}
        order: list[str] = []
        seen: set[str] = set()
        for root in (p for p in norm if p not in childs):
            todo = [root]
            while todo:
                node = todo.pop()
                if node in seen:
                    continue
                seen.add(node)
                order.append(node)
                todo.extend(reversed(norm.get(node, ())))
        object.__setattr__(self, "children", norm)
        object.__setattr__(self, "nodes", tuple(order))
        object.__setattr__(self, "leaves", tuple(x for x in order if x not in norm))
        object.__setattr__(self, "members", {x: leafsets[x] for x in order})
        object.__setattr__(self, "index", {x: i for i, x in enumerate(order)})

    @functools.cached_property
    def _overlap(self) -> np.ndarray:
        """``[i, j]``: whether nodes ``i`` and ``j`` share a leaf."""
        m = np.zeros((len(self.nodes), len(self.leaves)), dtype=np.float64)
        col = {x: j for j, x in enumerate(self.leaves)}
        for i, x in enumerate(self.nodes):
            m[i, [col[y] for y in self.members[x]]] = 1.0
        return (m @ m.T) > 0

    def _related(self) -> list[np.ndarray]:
        """Per node (by index), the indices of the nodes a protection path through it is likely to use: itself,
        its ancestors, its descendants, the children of each ancestor (its siblings at every level, through
        every overlapping parent) and every ancestor of a leaf under it. The last makes the path "add or
        remove a hypothetical contribution in a leaf under the cell" available, so without known cells the
        LP on the product of these sets is always feasible."""
        parents: dict[str, list[str]] = {x: [] for x in self.nodes}
        for parent, kids in self.children.items():
            for c in kids:
                parents[c].append(parent)
        below: dict[str, set[str]] = {}
        for x in self.nodes:
            below[x] = set()
            todo = list(self.children.get(x, ()))
            while todo:
                y = todo.pop()
                if y not in below[x]:
                    below[x].add(y)
                    todo.extend(self.children.get(y, ()))
        anc: dict[str, set[str]] = {}
        for x in self.nodes:
            anc[x] = set()
            todo = list(parents[x])
            while todo:
                y = todo.pop()
                if y not in anc[x]:
                    anc[x].add(y)
                    todo.extend(parents[y])
        out = []
        for x in self.nodes:
            near = {x} | anc[x] | below[x]
            for a in anc[x]:
                near.update(self.children[a])
            for leaf in self.members[x]:  # every aggregate a leaf under x is part of
                near.update(anc[leaf])
            out.append(np.array(sorted(self.index[y] for y in near), dtype=np.int64))
        return out

    def _ancestors(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR (indptr, node indices) of the nodes containing each node that is a leaf (row = node index;
        rows of parents are empty)."""
        inside: list[list[int]] = [[] for _ in self.nodes]
        for node, leaves in self.members.items():
            for leaf in leaves:
                inside[self.index[leaf]].append(self.index[node])
        indptr = np.zeros(len(self.nodes) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(x) for x in inside])
        return indptr, np.array([i for x in inside for i in sorted(x)], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class LinkedTable:
    """Every cell of a set of hierarchical dimensions, its statistics and the additive relations between cells.

    Build it with :meth:`from_contributions`. A cell is one node per dimension (leaves and aggregates alike);
    cells are numbered in C order of the node indices (``np.ravel_multi_index``), and every array below is
    aligned to that numbering and to the rows of :attr:`cells`.

    Attributes
    ----------
    dims : tuple of str
        Dimension names (the key columns of :attr:`cells`).
    hierarchies : tuple of Hierarchy
        One per dimension.
    n : int
        How many of the largest contributors ``top`` sums (the ``n`` of the (n, p) dominance rule).
    value, entities, top : ndarray
        Per cell: the sum of contributions under it; the number of distinct entities with a positive total
        in it; the sum of the ``n`` largest per-entity totals in it (read-only arrays).
    relations : scipy.sparse.csr_array
        One row per relation ``parent − Σ children = 0`` (for each partition of each dimension and each
        combination of the other dimensions' nodes), one column per cell; ``relations @ value ≈ 0``.
    """

    dims: tuple[str, ...]
    hierarchies: tuple[Hierarchy, ...]
    n: int
    value: np.ndarray
    entities: np.ndarray
    top: np.ndarray
    relations: sp.csr_array

    @classmethod
    def from_contributions(
        cls, contrib: pd.DataFrame, dims: Mapping[str, Hierarchy], *, n: int = 2
    ) -> LinkedTable:
        """Build the linked table of all cells from per-entity contributions.

        Parameters
        ----------
        contrib : DataFrame
            Columns ``entity`` (any hashable id), one column per dimension holding the *leaf* code, and
            ``value`` (finite, ``>= 0``). Several rows of one entity (in one or several leaves) are summed.
        dims : mapping of str to Hierarchy
            Dimension name → its hierarchy, in the order the cells are keyed.
        n : int
            Number of largest contributors summed into ``top`` (the dominance rule's ``n``).

        Returns
        -------
        LinkedTable

        Notes
        -----
        For a cell :math:`c = (c_1, …, c_D)` with leaf sets :math:`L(c_d)`, and entity totals
        :math:`t_{ec} = \\sum \\{ x_r : r \\text{ of entity } e, \\text{leaf}_d(r) \\in L(c_d)\\ \\forall d \\}`:

        .. math:: \\text{value}_c = \\sum_e t_{ec}, \\quad \\text{entities}_c = |\\{e : t_{ec} > 0\\}|, \\quad
                  \\text{top}_c = \\sum_{j \\le n} t_{(j)c}

        with :math:`t_{(1)c} \\ge t_{(2)c} \\ge …`. An entity present in several leaves under one cell counts
        once, with its total (the "holding" treatment of Hundepool et al. 2012, §4.2.1). Rows with value 0 add
        no contributor; a cell without contributions is a real zero cell (value 0, entities 0), which the
        rules of :func:`primary` treat as safe (an empty cell discloses no one's figure).

        Examples
        --------
        >>> import pandas as pd
        >>> place = Hierarchy({"T": ["a", "b"]})
        >>> c = pd.DataFrame({"entity": ["x", "y", "y"], "place": ["a", "a", "b"], "value": [1.0, 2.0, 3.0]})
        >>> t = LinkedTable.from_contributions(c, {"place": place}, n=1)
        >>> t.cells[["place", "value", "entities", "top"]].to_numpy().tolist()
        [['T', 6.0, 2, 5.0], ['a', 3.0, 2, 2.0], ['b', 3.0, 1, 3.0]]

        References
        ----------
        .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. Ch. 4.
        """
        contrib = _named(_checks.require_frame, contrib, "contrib")
        if not isinstance(dims, Mapping) or not dims:
            raise ConfigError("expected a non-empty mapping {name: Hierarchy}", param="dims")
        names = tuple(dims)
        for name in names:
            if not isinstance(name, str) or name in RESERVED:
                raise ConfigError(
                    f"dimension name {name!r} is not a str or is reserved ({list(RESERVED)})", param="dims"
                )
            if not isinstance(dims[name], Hierarchy):
                raise ConfigError(
                    f"[{name!r}]: expected a Hierarchy, got {type(dims[name]).__name__}", param="dims"
                )
        n = _named(_checks.require_positive_int, n, "n")
        _named(lambda f, p: _checks.require_columns(f, ["entity", *names, "value"], p), contrib, "contrib")
        hs = tuple(dims[name] for name in names)
        val = _named(
            _checks.as_float_array, contrib["value"].to_numpy(), "contrib['value']", ndim=1, nonnegative=True
        )
        ent, _ = pd.factorize(contrib["entity"], use_na_sentinel=True)
        if (ent < 0).any():
            raise ConfigError(
                f"missing entity id in row {int(np.flatnonzero(ent < 0)[0])}", param="contrib['entity']"
            )
        leaf_idx = []
        for name, h in zip(names, hs, strict=True):
            codes = contrib[name].to_numpy()
            idx = np.array([h.index.get(c, -1) if isinstance(c, str) else -1 for c in codes], dtype=np.int64)
            if (idx < 0).any():
                bad = codes[int(np.flatnonzero(idx < 0)[0])]
                raise ConfigError(
                    f"{bad!r} (row {int(np.flatnonzero(idx < 0)[0])}) is not a node of the {name!r} hierarchy; "
                    f"expected one of its leaves, e.g. {list(h.leaves[:3])}",
                    param=f"contrib[{name!r}]",
                )
            isleaf = np.array([h.nodes[i] not in h.children for i in idx], dtype=bool)
            if not isleaf.all():
                j = int(np.flatnonzero(~isleaf)[0])
                raise ConfigError(
                    f"{codes[j]!r} (row {j}) is an aggregate of the {name!r} hierarchy; contributions must be "
                    f"given at leaf level (aggregates are computed)",
                    param=f"contrib[{name!r}]",
                )
            leaf_idx.append(idx)
        shape = tuple(len(h.nodes) for h in hs)
        size = int(np.prod(shape))
        # expand every positive contribution to all the cells that contain its leaves
        keep = val > 0
        e, x = ent[keep].astype(np.int64), val[keep]
        cell = np.zeros(len(x), dtype=np.int64)
        src = np.arange(len(x))  # the contribution each expanded row comes from
        for d, h in enumerate(hs):
            indptr, nodes = h._ancestors()
            leaf = leaf_idx[d][keep][src]
            counts = indptr[leaf + 1] - indptr[leaf]
            rep = np.repeat(np.arange(len(src)), counts)
            offs = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
            cell = cell[rep] * shape[d] + nodes[np.repeat(indptr[leaf], counts) + offs]
            src = src[rep]
        e, x = e[src], x[src]
        n_ent = int(e.max()) + 1 if len(e) else 1
        key, inv = np.unique(cell * n_ent + e, return_inverse=True)
        tot = np.bincount(inv, weights=x, minlength=len(key))
        pc = key // n_ent
        value = np.bincount(pc, weights=tot, minlength=size).astype(np.float64)
        entities = np.bincount(pc, minlength=size).astype(np.int64)
        order = np.lexsort((-tot, pc))
        pcs, tots = pc[order], tot[order]
        rank = np.arange(len(pcs)) - np.searchsorted(pcs, pcs)
        top = np.bincount(pcs[rank < n], weights=tots[rank < n], minlength=size).astype(np.float64)
        top = np.where(entities <= n, value, np.minimum(top, value))
        for arr in (value, entities, top):
            arr.flags.writeable = False
        return cls(names, hs, n, value, entities, top, _relations(hs, shape))

    # ------------------------------------------------------------------------------------------ helpers
    @functools.cached_property
    def _csc(self) -> sp.csc_array:
        """The relations column-wise (cached)."""
        return sp.csc_array(self.relations)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of nodes per dimension."""
        return tuple(len(h.nodes) for h in self.hierarchies)

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(np.prod(self.shape))

    @property
    def keys(self) -> pd.DataFrame:
        """One row per cell: its node code per dimension (a new frame)."""
        return self._frame(np.arange(self.size), {})

    @property
    def cells(self) -> pd.DataFrame:
        """One row per cell: the key columns, ``value``, ``entities`` and ``top`` (a new frame)."""
        return self._frame(
            np.arange(self.size), {"value": self.value, "entities": self.entities, "top": self.top}
        )

    def _frame(self, ids: np.ndarray, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """A new frame of the cells ``ids``: key columns, then ``columns`` (arrays aligned to ``ids``, copied)."""
        idx = np.unravel_index(ids, self.shape)
        data: dict[str, object] = {
            d: np.asarray(h.nodes, dtype=object)[i]
            for d, h, i in zip(self.dims, self.hierarchies, idx, strict=True)
        }
        for name, col in columns.items():
            data[name] = np.array(col)
        return pd.DataFrame(data)

    def select(self, cells: Cells, param: str = "cells") -> np.ndarray:
        """Boolean mask over the cells of a selection.

        ``cells`` is ``None`` (no cell), a boolean array of length :attr:`size`, a DataFrame with the key
        columns, or an iterable of keys (a tuple with one code per dimension; a plain code for one dimension).
        Unknown keys raise :class:`ConfigError` naming ``param``.
        """
        mask = np.zeros(self.size, dtype=bool)
        if cells is None:
            return mask
        if isinstance(cells, (np.ndarray, pd.Series)) and cells.dtype == bool:
            arr = np.asarray(cells)
            if arr.shape != (self.size,):
                raise ConfigError(
                    f"a boolean mask must have one entry per cell ({self.size}), got shape {arr.shape}",
                    param=param,
                )
            return arr.copy()
        if isinstance(cells, pd.DataFrame):
            _named(lambda f, p: _checks.require_columns(f, self.dims, p), cells, param)
            rows: Iterable[tuple] = cells[list(self.dims)].itertuples(index=False, name=None)
        elif isinstance(cells, Iterable) and not isinstance(cells, (str, bytes)):
            rows = ((c,) if not isinstance(c, tuple) else c for c in cells)
        else:
            raise ConfigError(
                f"expected cell keys (tuples of node codes), a DataFrame with columns {list(self.dims)} or a "
                f"boolean mask, got {type(cells).__name__}",
                param=param,
            )
        for key in rows:
            mask[self.cell_id(key, param)] = True
        return mask

    def cell_id(self, key: tuple, param: str = "cells") -> int:
        """Number of the cell with node codes ``key`` (one per dimension)."""
        if len(key) != len(self.dims):
            raise ConfigError(
                f"cell key {key!r} must have one code per dimension {list(self.dims)}", param=param
            )
        idx = []
        for code, d, h in zip(key, self.dims, self.hierarchies, strict=True):
            i = h.index.get(code) if isinstance(code, str) else None
            if i is None:
                raise ConfigError(f"cell {key!r}: {code!r} is not a node of dimension {d!r}", param=param)
            idx.append(i)
        return int(np.ravel_multi_index(tuple(idx), self.shape))


def _relations(hs: tuple[Hierarchy, ...], shape: tuple[int, ...]) -> sp.csr_array:
    """Relations ``parent − Σ children = 0`` of every partition in every dimension, for every combination of
    the other dimensions' nodes; one row each, columns in cell order."""
    size = int(np.prod(shape))
    ids = np.arange(size).reshape(shape)
    rows, cols, vals = [], [], []
    r0 = 0
    for d, h in enumerate(hs):
        stride = int(np.prod(shape[d + 1 :]))
        base = np.take(ids, 0, axis=d).ravel()
        for parent, kids in h.children.items():
            members = [h.index[parent], *(h.index[c] for c in kids)]
            coef = np.array([1.0] + [-1.0] * len(kids))
            r = np.arange(r0, r0 + len(base))
            rows.append(np.repeat(r, len(members)))
            cols.append((base[:, None] + np.array(members)[None, :] * stride).ravel())
            vals.append(np.tile(coef, len(base)))
            r0 += len(base)
    if not rows:
        return sp.csr_array((0, size))
    return sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, size)
    )


# ---------------------------------------------------------------------------------------------- rules
def _check_kp(k: object, p: object) -> tuple[int, float]:
    kk = _named(_checks.require_positive_int, k, "k")
    try:
        pp = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"expected a percentage in (0, 100], got {p!r}", param="p") from None
    if not (0.0 < pp <= 100.0):
        raise ConfigError(f"expected a percentage in (0, 100], got {p!r}", param="p")
    return kk, pp


def _check_q(q: object) -> float:
    try:
        qq = float(q)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"expected a protection level in (0, 1], got {q!r}", param="q") from None
    if not (0.0 < qq <= 1.0):
        raise ConfigError(
            f"expected a protection level in (0, 1] (0.10 = ±10 % of the cell value), got {q!r}", param="q"
        )
    return qq


def _rule_codes(table: LinkedTable, k: int, p: float) -> np.ndarray:
    """0 = safe, 1 = threshold, 2 = dominance (threshold wins when both hold)."""
    thr = (table.entities > 0) & (table.entities < k)
    dom = (table.value > 0) & (table.top > p / 100.0 * table.value) if p < 100 else np.zeros(table.size, bool)
    return np.where(thr, 1, np.where(dom, 2, 0)).astype(np.int8)


_REASONS = np.array(["", "threshold", "dominance", "complement", "hidden"], dtype=object)


def primary(table: LinkedTable, *, k: int = 3, p: float = 85.0) -> pd.Series:
    """Primary sensitive cells: the threshold rule and the (n, p) dominance rule.

    Parameters
    ----------
    table : LinkedTable
        Its ``n`` is the dominance rule's ``n``.
    k : int
        Threshold: a cell with ``0 < entities < k`` is sensitive.
    p : float
        Dominance percentage in (0, 100]: a cell whose ``n`` largest contributors hold more than ``p`` % of its
        value is sensitive (``p = 100`` switches the rule off).

    Returns
    -------
    Series
        One entry per cell (aligned to ``table.cells``), named ``reason``: ``"threshold"``, ``"dominance"``
        or ``""`` (safe). A cell failing both rules is reported as ``"threshold"``.

    Notes
    -----
    Cell :math:`c` is sensitive when :math:`0 < N_c < k` (threshold) or :math:`x_{(1)} + … + x_{(n)} >
    \\frac{p}{100} X_c` (dominance), where :math:`x_{(j)}` are the per-entity totals in decreasing order and
    :math:`X_c` the cell value. Cells with value 0 and no contributor are safe and published. With
    :math:`N_c \\le n` the dominance rule always fires (for ``p < 100``).

    Examples
    --------
    >>> import pandas as pd
    >>> h = Hierarchy({"T": ["a", "b"]})
    >>> c = pd.DataFrame({"entity": list("xyzuvw"), "place": list("aaabbb"), "value": [90.0, 5, 5, 40, 30, 30]})
    >>> primary(LinkedTable.from_contributions(c, {"place": h}, n=1), k=3, p=85).tolist()
    ['', 'dominance', '']

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. §4.2.1, Table 4.1.
    """
    k, p = _check_kp(k, p)
    return pd.Series(_REASONS[_rule_codes(table, k, p)], name="reason", dtype=object)


# ---------------------------------------------------------------------------------------------- LP
def _scale(table: LinkedTable) -> float:
    """Power of two bringing the largest cell just below 2**_SCALE_EXP (exact in floating point)."""
    vmax = float(table.value.max()) if table.size else 0.0
    return math.ldexp(1.0, _SCALE_EXP - math.frexp(vmax)[1]) if vmax > 0 else 1.0


def _highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # keep the basis between solves (warm start)
    return h


class _Columns:
    """Columns ``cols`` of the relations (CSC), restricted to the rows they touch, rows renumbered; built with
    NumPy gathers (scipy's fancy indexing costs more than the small LPs it feeds)."""

    def __init__(self, Rc: sp.csc_array, cols: np.ndarray):
        start, counts = Rc.indptr[cols], Rc.indptr[cols + 1] - Rc.indptr[cols]
        self.indptr = np.zeros(len(cols) + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum(counts)
        pos = np.repeat(start - self.indptr[:-1], counts) + np.arange(self.indptr[-1])
        self.rows, self.index = np.unique(Rc.indices[pos], return_inverse=True)
        self.data = Rc.data[pos]
        self.counts = counts

    def matvec(self, v: np.ndarray) -> np.ndarray:
        """``A @ v`` for ``v`` aligned to the columns."""
        return np.bincount(
            self.index, weights=self.data * np.repeat(v, self.counts), minlength=len(self.rows)
        )


def _pass(
    h: highspy.Highs,
    indptr: np.ndarray,
    index: np.ndarray,
    data: np.ndarray,
    rlo: np.ndarray,
    rhi: np.ndarray,
    clo: np.ndarray,
    chi: np.ndarray,
    cost: np.ndarray,
) -> None:
    """Pass the LP ``min cost·x, rlo <= A x <= rhi, clo <= x <= chi`` (A column-wise) to ``h``."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(indptr) - 1
    lp.num_row_ = len(rlo)
    lp.col_cost_ = cost
    lp.col_lower_ = clo
    lp.col_upper_ = chi
    lp.row_lower_ = rlo
    lp.row_upper_ = rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = indptr.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = data.astype(np.float64)
    h.passModel(lp)


class _Bounds:
    """One HiGHS model of what the attacker knows, reused for every min / max (only the objective changes).

    Columns are the free cells (suppressed and not known); fixed cells are moved to the right-hand side, and
    rows without a free cell are dropped. The right-hand side is computed from the true values of the free
    cells (equal to minus the fixed part, up to rounding), so the true table is feasible by construction.
    Primal simplex: a change of objective keeps the previous optimal basis primal feasible (a warm start).
    """

    def __init__(self, Rc: sp.csc_array, x: np.ndarray, free: np.ndarray):
        self.x = x
        self.col = np.full(len(x), -1, dtype=np.int64)
        self.ids = np.flatnonzero(free)
        self.col[self.ids] = np.arange(len(self.ids))
        self.h: highspy.Highs | None = None
        self.last = -1
        if not len(self.ids):
            return
        A = _Columns(Rc, self.ids)
        rhs = A.matvec(x[self.ids])
        self.h = _highs()
        self.h.setOptionValue("simplex_strategy", 4)  # primal
        m = len(self.ids)
        _pass(
            self.h,
            A.indptr,
            A.index,
            A.data,
            rhs,
            rhs,
            np.zeros(m),
            np.full(m, highspy.kHighsInf),
            np.zeros(m),
        )

    def extreme(self, cell: int, maximize: bool) -> tuple[float, np.ndarray | None]:
        """Min or max of ``cell`` and a table attaining it, or for an unbounded max a ray (a direction along
        which every cell with a positive entry grows without bound); ``None`` when the cell is fixed.

        A fixed cell's extreme is its value; an unbounded max is ``inf``; a solve that fails twice gives NaN
        (the caller then fails the cell: an interval that cannot be certified is not protection).
        """
        j = int(self.col[cell])
        h = self.h
        if j < 0 or h is None:
            return float(self.x[cell]), None
        if self.last != j:
            if self.last >= 0:
                h.changeColCost(self.last, 0.0)
            h.changeColCost(j, 1.0)
            self.last = j
        h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
        for attempt in range(2):
            h.run()
            st = h.getModelStatus()
            if st == highspy.HighsModelStatus.kOptimal:
                sol = self.x.copy()
                sol[self.ids] = h.getSolution().col_value
                return float(h.getObjectiveValue()), sol
            if maximize and st in (
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                # the true table is feasible, so this is unbounded
                _, has, ray = h.getPrimalRay()  # type: ignore[attr-defined]
                out = np.zeros(len(self.x))
                if has:
                    out[self.ids] = ray
                return math.inf, out
            if attempt == 0:
                h.clearSolver()  # numerical trouble: once more from scratch
        return math.nan, None

    def intervals(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[min, max] of each of ``cells`` (a fixed cell's is its value).

        Two exact shortcuts save solves: a table of an earlier solve in which a cell is 0 proves its min is 0
        (cells are ``>= 0``), and a ray of an earlier unbounded max with a positive entry for a cell proves
        its max is infinite.
        """
        lo, hi = self.x[cells].copy(), self.x[cells].copy()
        zero = np.zeros(len(self.x), dtype=bool)
        unbounded = np.zeros(len(self.x), dtype=bool)
        for t, i in enumerate(cells.tolist()):
            if self.col[i] < 0:
                continue
            for maximize in (False, True):
                if (unbounded if maximize else zero)[i]:
                    v = math.inf if maximize else 0.0
                else:
                    v, w = self.extreme(i, maximize)
                    if w is not None and v == math.inf:
                        unbounded |= w > 1e-9 * max(float(w.max()), 1e-300)
                    elif w is not None:
                        zero |= w <= _ATOL
                (hi if maximize else lo)[t] = v
        return lo, hi


class _Complements:
    """The secondary-suppression LP for one sensitive cell and one direction.

    Variables: a change :math:`y_j = y^+_j − y^-_j` of each cell ``j`` of ``ids`` (cells not known to the
    attacker; every other cell keeps :math:`y_j = 0`), with :math:`y^+ \\ge 0` and :math:`0 \\le y^- \\le x_j`
    (the changed table stays non-negative). Constraints: :math:`R y = 0` (the changed table satisfies every
    relation). The target cell's change is fixed to the required protection (``+UPL`` or ``−LPL``); cost
    :math:`\\sum_j c_j (y^+_j + y^-_j)` with :math:`c_j = 0` for cells already suppressed. Every published cell
    with :math:`y_j \\ne 0` is then suppressed: ``x + y`` is a table the attacker cannot tell from the true
    one, so the target's interval reaches ``x_i ± PL``. Fixing more cells to 0 (a smaller ``ids``) keeps any
    solution valid, it only may make the LP infeasible or dearer.
    """

    def __init__(self, Rc: sp.csc_array, x: np.ndarray, ids: np.ndarray, cost: np.ndarray, supp: np.ndarray):
        self.ids = ids
        u = len(ids)
        self.u = u
        self.col = np.full(len(x), -1, dtype=np.int64)
        self.col[ids] = np.arange(u)
        A = _Columns(Rc, ids)
        self.x = x[ids]
        cst = np.where(supp[ids], 0.0, cost[ids])
        self.h = _highs()
        zero = np.zeros(len(A.rows))
        self.full = x
        upper = np.concatenate([np.full(u, highspy.kHighsInf), self.x])
        indptr = np.concatenate([A.indptr, A.indptr[-1] + A.indptr[1:]])  # [A, −A]
        index = np.concatenate([A.index, A.index])
        data = np.concatenate([A.data, -A.data])
        _pass(self.h, indptr, index, data, zero, zero, np.zeros(2 * u), upper, np.concatenate([cst, cst]))

    def suppressed(self, cells: np.ndarray) -> None:
        """Cells now suppressed cost nothing to use."""
        j = self.col[cells]
        j = j[j >= 0]
        if len(j):
            idx = np.concatenate([j, j + self.u]).astype(np.int32)
            self.h.changeColsCost(len(idx), idx, np.zeros(len(idx)))

    def solve(self, cell: int, change: float, retry: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
        """Cells (ids) that must move for ``cell`` to move by ``change``, and the changed table ``x + y``
        (``None`` if the LP is infeasible or failed; with ``retry`` a failed solve is repeated from scratch)."""
        j = int(self.col[cell])
        h = self.h
        idx = np.array([j, j + self.u], dtype=np.int32)
        fix = np.array([change, 0.0]) if change >= 0 else np.array([0.0, -change])
        h.changeColsBounds(2, idx, fix, fix)
        out = None
        for attempt in range(2 if retry else 1):
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                sol = np.asarray(h.getSolution().col_value)
                y = sol[: self.u] - sol[self.u :]
                moved = np.abs(y) > 1e-9 * abs(change) + 1e-12
                table = self.full.copy()
                table[self.ids] += y
                out = self.ids[moved], table
                break
            if attempt == 0:
                h.clearSolver()
        h.changeColsBounds(2, idx, np.zeros(2), np.array([highspy.kHighsInf, self.x[j]]))
        return out


@dataclass(frozen=True)
class _Req:
    """Prior interval (from the known cells alone) and required bounds per cell, scaled; NaN where no
    requirement (cells not sensitive, or known)."""

    prior_lo: np.ndarray
    prior_hi: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _requirements(table: LinkedTable, xs: np.ndarray, need: np.ndarray, known: np.ndarray, q: float) -> _Req:
    """The prior interval of each cell of ``need`` and its capped requirement.

    A cell that shares no leaf combination with any known cell has the prior ``[0, inf)`` exactly (scale its
    contributions to 0, or add one, and only cells sharing those leaves change); the others are solved.
    """
    prior_lo = np.where(need, 0.0, np.nan)
    prior_hi = np.where(need, math.inf, np.nan)
    if known.any() and need.any():
        ids = np.flatnonzero(need)
        ids = ids[_touches(table, ids, np.flatnonzero(known))]
        if len(ids):
            prior_lo[ids], prior_hi[ids] = _Bounds(table._csc, xs, ~known).intervals(ids)
    return _Req(prior_lo, prior_hi, np.maximum(xs * (1 - q), prior_lo), np.minimum(xs * (1 + q), prior_hi))


def _touches(table: LinkedTable, cells: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``cells``, whether it shares a leaf combination with one of ``others`` (in every dimension
    their nodes' leaf sets meet)."""
    a = np.unravel_index(cells, table.shape)
    b = np.unravel_index(others, table.shape)
    out = np.zeros(len(cells), dtype=bool)
    step = max(1, 2_000_000 // max(len(others), 1))
    for s in range(0, len(cells), step):
        meet = np.ones((min(step, len(cells) - s), len(others)), dtype=bool)
        for d, h in enumerate(table.hierarchies):
            meet &= h._overlap[a[d][s : s + step]][:, b[d]]
        out[s : s + step] = meet.any(axis=1)
    return out


def _tol(xs: np.ndarray) -> np.ndarray:
    return _RTOL * xs + _ATOL


def _audit_frame(
    table: LinkedTable,
    supp: np.ndarray,
    known: np.ndarray,
    sens: np.ndarray,
    q: float,
    *,
    rows: np.ndarray | None = None,
    req: _Req | None = None,
) -> pd.DataFrame:
    s = _scale(table)
    xs = table.value * s
    need = sens & ~known
    if req is None:
        req = _requirements(table, xs, need, known, q)
    if rows is None:
        rows = supp | sens
    ids = np.flatnonzero(rows)
    lo, hi = _Bounds(table._csc, xs, supp & ~known).intervals(ids)
    tol = _tol(xs[ids])
    with np.errstate(invalid="ignore"):
        passed = (lo <= req.lo[ids] + tol) & (hi >= req.hi[ids] - tol)
    out = table._frame(
        ids,
        {
            "value": table.value[ids],
            "suppressed": supp[ids],
            "sensitive": sens[ids],
            "known": known[ids],
            "lo": lo / s,
            "hi": hi / s,
            "prior_lo": req.prior_lo[ids] / s,
            "prior_hi": req.prior_hi[ids] / s,
            "req_lo": req.lo[ids] / s,
            "req_hi": req.hi[ids] / s,
            "ok": np.where(need[ids], passed, True),
        },
    )
    out.index = pd.Index(ids, name="cell")
    return out


def audit(
    table: LinkedTable,
    suppressed: Cells,
    *,
    known: Cells = None,
    sensitive: Cells = None,
    q: float = 0.10,
    k: int = 3,
    p: float = 85.0,
) -> pd.DataFrame:
    """Feasibility interval of every suppressed cell, as an attacker derives it by linear programming.

    Parameters
    ----------
    table : LinkedTable
    suppressed : cells
        The cells not published (any selection :meth:`LinkedTable.select` takes); every other cell is
        published with its value.
    known : cells, optional
        Cells the attacker knows exactly although suppressed (e.g. the user's own jurisdiction).
    sensitive : cells, optional
        Cells that need protection; default the primary cells of ``primary(table, k=k, p=p)``.
    q : float
        Protection level in (0, 1].
    k, p : int, float
        Rules for the default ``sensitive``.

    Returns
    -------
    DataFrame
        One row per cell that is suppressed or sensitive (index ``cell``, the cell number), with the key
        columns, ``value``, flags ``suppressed``, ``sensitive``, ``known``; the interval ``lo``, ``hi``; the
        ``prior_lo``, ``prior_hi`` interval from the known cells alone; the required ``req_lo``, ``req_hi``
        (sensitive cells only, else NaN) and ``ok``. A sensitive cell that is published has ``lo = hi = value``
        and fails (unless the known cells already pin it). Non-sensitive or known cells are always ok.

    Notes
    -----
    With :math:`R` the relations, :math:`P` the published and :math:`K` the known cells, for each suppressed
    cell :math:`i`

    .. math:: lo_i, hi_i = \\min / \\max \\; x_i \\quad \\text{s.t.} \\quad R x = 0,\\; x \\ge 0,\\;
              x_j = v_j \\; (j \\in P \\cup K)

    and a sensitive cell passes when :math:`lo_i \\le \\max(v_i(1-q), lo^0_i)` and
    :math:`hi_i \\ge \\min(v_i(1+q), hi^0_i)`, where :math:`[lo^0, hi^0]` is the same interval with every
    cell outside :math:`K` hidden (without known cells, :math:`[0, \\infty)`), up to a tolerance of
    :math:`10^{-7}(v_i + 2^{-20}\\max v)`. One HiGHS model is built (published and known cells moved to the
    right-hand side) and the up to :math:`2m` solves only change its objective, each warm-started from the
    previous basis (primal simplex). Two exact shortcuts skip solves: a cell that is 0 in an earlier optimal
    table has :math:`lo = 0`, and a cell with a positive entry in the ray of an earlier unbounded maximum has
    :math:`hi = \\infty`. The values are rescaled by a power of two so the largest cell is about
    :math:`2^{20}` (exact; HiGHS's absolute tolerances then suit any units).

    Examples
    --------
    The 3 × 2 table of Geurts (1992) shown in Hundepool et al. (2012, §4.2.2, Example 3), with its four
    inner cells of rows 1–2 suppressed; cell (1, 1) lies in [3, 6]:

    >>> import pandas as pd
    >>> r, c = Hierarchy({"T": ["1", "2", "3"]}), Hierarchy({"T": ["1", "2"]})
    >>> v = {("1", "1"): 4.0, ("1", "2"): 3.0, ("2", "1"): 2.0, ("2", "2"): 1.0, ("3", "1"): 3.0, ("3", "2"): 3.0}
    >>> df = pd.DataFrame([(f"e{i}", a, b, x) for i, ((a, b), x) in enumerate(v.items())],
    ...                   columns=["entity", "row", "col", "value"])
    >>> t = LinkedTable.from_contributions(df, {"row": r, "col": c})
    >>> a = audit(t, [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")], sensitive=[("1", "1")])
    >>> a[["row", "col", "lo", "hi", "ok"]].to_numpy().tolist()[0]
    ['1', '1', 3.0, 6.0, True]

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. §4.2.2.
    .. [2] Fischetti, M. and Salazar-González, J. J. (2000). Models and algorithms for optimizing cell
       suppression in tabular data with linear constraints. *JASA* 95(451), 916–928.
    """
    q = _check_q(q)
    supp = table.select(suppressed, "suppressed")
    kn = table.select(known, "known")
    if sensitive is None:
        kk, pp = _check_kp(k, p)
        sens = _rule_codes(table, kk, pp) > 0
    else:
        sens = table.select(sensitive, "sensitive")
    return _audit_frame(table, supp, kn, sens, q)


# ---------------------------------------------------------------------------------------------- protect
@dataclass(frozen=True, eq=False)
class Protection:
    """A suppression pattern of a linked table, its audit and the parameters that made it.

    Attributes
    ----------
    table : LinkedTable
    cells : DataFrame
        One row per cell: key columns, ``value``, ``entities``, ``top``, ``status`` (``published``,
        ``primary`` or ``secondary``), ``reason`` (``threshold``, ``dominance``, ``complement``, ``hidden``
        or empty) and ``known`` (the attacker knows it).
    audit : DataFrame
        The certificate: :func:`audit` rows of every sensitive (primary) cell on the final pattern. For the
        intervals of every suppressed cell call ``audit(table, protection.suppressed, known=...)``.
    k, n, p, q : int, int, float, float
        Threshold, dominance ``n`` and ``p`` (%), protection level.
    rounds : int
        Audit–repair rounds used by :func:`protect`.
    fallback : str
        ``""`` when the LP heuristic sufficed, else ``"relations"`` or ``"all"`` (see :func:`protect`).
    """

    table: LinkedTable
    cells: pd.DataFrame
    audit: pd.DataFrame
    k: int
    n: int
    p: float
    q: float
    rounds: int
    fallback: str

    @functools.cached_property
    def suppressed(self) -> np.ndarray:
        """Boolean mask of the suppressed cells (primary or secondary), aligned to ``cells`` (read-only)."""
        out = (self.cells["status"] != "published").to_numpy()
        out.flags.writeable = False
        return out

    @property
    def ok(self) -> bool:
        """Whether every sensitive cell passed the audit."""
        return bool(self.audit["ok"].all())

    def published(self) -> pd.DataFrame:
        """The cells as released: key columns, ``value`` (NaN when suppressed) and ``suppressed``."""
        supp = self.suppressed
        return self.table._frame(
            np.arange(self.table.size),
            {"value": np.where(supp, np.nan, self.table.value), "suppressed": supp},
        )

    def release(self) -> pd.DataFrame:
        """:meth:`published` if the audit passed, else raise :class:`~chainatlas.errors.AccessError`."""
        if not self.ok:
            bad = self.audit.loc[~self.audit["ok"], list(self.table.dims)].head(5)
            raise AccessError(
                f"release blocked: {int((~self.audit['ok']).sum())} sensitive cell(s) fail the disclosure audit "
                f"(e.g. {list(bad.itertuples(index=False, name=None))}); protect the table again"
            )
        return self.published()


def _cost(table: LinkedTable, cost: object) -> np.ndarray:
    if isinstance(cost, str):
        if cost == "value":
            c = table.value.astype(float)
        elif cost == "1+value":
            c = 1.0 + table.value
        else:
            raise ConfigError(f"expected 'value', '1+value' or an array of costs, got {cost!r}", param="cost")
    else:
        c = _named(_checks.as_float_array, cost, "cost", ndim=1, nonnegative=True)
        if len(c) != table.size:
            raise ConfigError(f"expected one cost per cell ({table.size}), got {len(c)}", param="cost")
    m = float(c.max()) if len(c) else 0.0
    return c / m if m > 0 else c


def protect(
    table: LinkedTable,
    *,
    k: int = 3,
    p: float = 85.0,
    q: float = 0.10,
    known: Cells = None,
    hidden: Cells = None,
    cost: Literal["value", "1+value"] | Sequence[float] | np.ndarray = "1+value",
    max_rounds: int = 3,
) -> Protection:
    """Primary and secondary cell suppression of a linked table, proven by the LP audit.

    Parameters
    ----------
    table : LinkedTable
    k, p : int, float
        Threshold and dominance rules (see :func:`primary`; the dominance ``n`` is ``table.n``).
    q : float
        Protection level in (0, 1]: each sensitive cell's feasible interval must cover ``[v(1−q), v(1+q)]``.
    known : cells, optional
        Cells the attacker knows exactly (e.g. the user's own jurisdiction): never used as complements, and
        the requirement is capped by what they already reveal (see the module notes). A known sensitive cell
        needs no protection from this attacker (it stays suppressed).
    hidden : cells, optional
        Cells that are never published (e.g. a city's remainder leaf of records placed to no county): they
        are suppressed from the start (status ``secondary``, reason ``hidden``, unless sensitive: then
        ``primary``) and so are free complements; a sensitive one is protected like any other.
    cost : {"1+value", "value"} or array
        Cost per unit of change of a published cell in the secondary LP (normalised to max 1); an array gives
        one non-negative cost per cell. ``"1+value"`` keeps empty cells from being free complements.
    max_rounds : int
        LP repair rounds before the fallbacks.

    Returns
    -------
    Protection
        Check ``ok`` (or call ``release()``, which raises if the audit failed).

    Notes
    -----
    Algorithm (a one-cell-at-a-time LP heuristic in the spirit of Kelly et al. 1992 and of the attacker
    subproblem of Fischetti & Salazar 2000):

    1. Primary cells (:func:`primary`) are suppressed.
    2. Check, for each sensitive cell not known, whether its interval reaches the requirement on the current
       pattern. *Witnesses* answer first: every LP solution is a table the attacker cannot exclude, and it
       stays one when more cells are suppressed, so the smallest and largest value each cell took in any of
       them are proven bounds; only when they do not suffice is the min or max solved (:func:`audit`'s LP).
    3. For each failing cell ``i`` (largest value first) and failing direction, solve the complement LP: the
       cheapest change :math:`y` with :math:`Ry = 0`, :math:`x + y \\ge 0`, :math:`y_j = 0` on known cells and
       :math:`y_i = \\pm PL_i` (the requirement plus a relative margin of :math:`10^{-6}`); suppressed cells
       cost 0, published ones ``c_j`` per unit of change. Every published cell with :math:`y_j \\ne 0` becomes
       a secondary suppression (and free from then on); ``x + y`` is a witness that ``i`` is now protected.
       The LP is first solved on the cells near ``i`` (each node related to ``i``'s: ancestors, descendants,
       siblings, and the aggregates of the leaves under it — small, built per cell); if that is infeasible,
       on the whole table (one model, warm-started).
    4. Repeat 2–3 on the cells still failing, up to ``max_rounds`` times; then suppress every unknown cell
       sharing a relation with a failing cell (``fallback = "relations"``); then every unknown cell
       (``fallback = "all"``).
    5. Certificate: exact LP intervals of every sensitive cell on the final pattern (``Protection.audit``).
       Should it disagree with the witnesses (numerical trouble), its failing cells go back to step 3.

    Guarantee: suppressing more cells only enlarges the attacker's feasible set, so intervals only widen and
    a cell once protected stays protected. Step 3 protects its cell whenever its LP is feasible, and the LP on
    the whole table is feasible because the requirement is capped by the prior (the prior bound is attained
    with every unknown cell free). So in exact arithmetic one round suffices; the later rounds and fallbacks
    only absorb floating-point trouble. With every unknown cell suppressed the audit *is* the prior, which
    passes, so the loop ends with a passing pattern; the certificate says so cell by cell, and ``release()``
    refuses a pattern whose certificate failed.

    Not optimal: finding the cheapest pattern is NP-hard (Kelly et al. 1992). The LP charges a cell per unit
    of change rather than once per suppression, the cells are protected one at a time in a fixed order, and
    the near-cell LP may miss a cheaper path through distant cells, so the pattern can contain complements an
    exact method would avoid (the tests show one).

    Examples
    --------
    >>> import pandas as pd
    >>> h = Hierarchy({"T": ["a", "b", "c"]})
    >>> rows = [("x", "a", 10.0), ("b0", "b", 20.0), ("b1", "b", 15.0), ("b2", "b", 15.0),
    ...         ("c0", "c", 15.0), ("c1", "c", 15.0), ("c2", "c", 10.0)]
    >>> t = LinkedTable.from_contributions(pd.DataFrame(rows, columns=["entity", "place", "value"]), {"place": h})
    >>> pr = protect(t)
    >>> pr.cells[["place", "status", "reason"]].to_numpy().tolist()
    [['T', 'published', ''], ['a', 'primary', 'threshold'], ['b', 'published', ''], ['c', 'secondary', 'complement']]
    >>> pr.audit[["place", "lo", "hi", "ok"]].round(6).to_numpy().tolist()
    [['a', 0.0, 50.0, True]]

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. Ch. 4.
    .. [2] Kelly, J. P., Golden, B. L. and Assad, A. A. (1992). Cell suppression: disclosure protection for
       sensitive tabular data. *Networks* 22(4), 397–417.
    .. [3] Fischetti, M. and Salazar-González, J. J. (2000). Models and algorithms for optimizing cell
       suppression in tabular data with linear constraints. *JASA* 95(451), 916–928.
    """
    k, p = _check_kp(k, p)
    q = _check_q(q)
    max_rounds = _named(_checks.require_positive_int, max_rounds, "max_rounds", minimum=0)
    kn = table.select(known, "known")
    c = _cost(table, cost)
    codes = _rule_codes(table, k, p)
    sens = codes > 0
    hid = table.select(hidden, "hidden")
    supp = sens | (hid & ~kn)
    s = _scale(table)
    xs = table.value * s
    need = sens & ~kn
    req = _requirements(table, xs, need, kn, q)
    tol = _tol(xs)
    # witnesses: the smallest and largest value of each cell seen in a table the attacker cannot exclude.
    # A table consistent with a pattern stays consistent with any larger pattern, so they stay valid.
    wlo, whi = xs.copy(), xs.copy()
    R = table.relations
    Rc = table._csc
    related = [h._related() for h in table.hierarchies]
    pending = np.flatnonzero(need)
    pending = pending[np.argsort(-xs[pending], kind="stable")]
    stages = ["lp"] * max_rounds + ["relations", "all"]
    comp: _Complements | None = None
    rounds, fallback = 0, ""
    certificate: pd.DataFrame | None = None
    certified = supp
    while True:
        # 1. which pending cells still fail, on the current pattern (witnesses first, LP when they don't tell)
        b: _Bounds | None = None
        failing: list[int] = []
        for i in pending.tolist():
            up = whi[i] < req.hi[i] - tol[i]
            down = wlo[i] > req.lo[i] + tol[i]
            for go, top in ((up, True), (down, False)):
                if go:
                    b = b or _Bounds(Rc, xs, supp & ~kn)
                    v, t = b.extreme(i, top)
                    if v == math.inf:
                        whi[i] = v
                    elif t is not None:
                        np.minimum(wlo, t, out=wlo)
                        np.maximum(whi, t, out=whi)
            if whi[i] < req.hi[i] - tol[i] or wlo[i] > req.lo[i] + tol[i]:
                failing.append(i)
        if not failing:
            # 2. the certificate: exact intervals of every sensitive cell on the final pattern
            certificate = _audit_frame(table, supp, kn, sens, q, rows=sens, req=req)
            certified = supp.copy()
            bad = certificate.index[~certificate["ok"].to_numpy()].to_numpy()
            if not len(bad) or rounds >= len(stages):
                break
            failing = bad.tolist()  # witnesses disagreed with the exact audit: distrust them
            wlo[bad], whi[bad] = xs[bad], xs[bad]
        if rounds >= len(stages):
            break
        # 3. repair
        stage = stages[rounds]
        rounds += 1
        pending = np.array(failing, dtype=np.int64)
        if stage == "lp":
            for i in failing:
                # ask for the requirement plus a margin, but never beyond the prior (the LP's feasible limit)
                gap_hi, gap_lo = req.hi[i] - xs[i], xs[i] - req.lo[i]
                for top, change in (
                    (True, min(gap_hi * (1 + _MARGIN) + _ATOL, req.prior_hi[i] - xs[i])),
                    (False, -min(gap_lo * (1 + _MARGIN) + _ATOL, xs[i] - req.prior_lo[i])),
                ):
                    if (whi[i] >= req.hi[i] - tol[i]) if top else (wlo[i] <= req.lo[i] + tol[i]):
                        continue
                    res = None
                    near = _near(table, related, i) & ~kn
                    if near.sum() <= table.size // 2:  # first the LP on the cells near i: small and fast
                        res = _Complements(Rc, xs, np.flatnonzero(near), c, supp).solve(
                            i, float(change), False
                        )
                    if res is None:
                        if comp is None:
                            comp = _Complements(Rc, xs, np.flatnonzero(~kn), c, supp)
                        res = comp.solve(i, float(change))
                    if res is None:  # LP failed (numerics): take the cell's relations at once
                        moved = np.flatnonzero(_neighbours(R, i) & ~kn)
                    else:
                        moved, t = res
                        np.minimum(wlo, t, out=wlo)
                        np.maximum(whi, t, out=whi)
                    new = moved[~supp[moved]]
                    supp[new] = True
                    if comp is not None:
                        comp.suppressed(new)
        elif stage == "relations":
            fallback = "relations"
            for i in failing:
                supp |= _neighbours(R, i) & ~kn
        else:
            fallback = "all"
            supp |= ~kn
    if certificate is None or not np.array_equal(certified, supp):
        certificate = _audit_frame(table, supp, kn, sens, q, rows=sens, req=req)
    status = np.where(sens, "primary", np.where(supp | hid, "secondary", "published"))
    reason = np.where(sens, codes, np.where(hid, 4, np.where(supp, 3, 0)))
    cells = table._frame(
        np.arange(table.size),
        {
            "value": table.value,
            "entities": table.entities,
            "top": table.top,
            "status": status,
            "reason": _REASONS[reason],
            "known": kn,
        },
    )
    return Protection(
        table=table,
        cells=cells,
        audit=certificate,
        k=k,
        n=table.n,
        p=p,
        q=q,
        rounds=rounds,
        fallback=fallback,
    )


def _near(table: LinkedTable, related: list[list[np.ndarray]], cell: int) -> np.ndarray:
    """Mask of the cells whose node in every dimension is related to the cell's (:meth:`Hierarchy._related`)."""
    idx = np.unravel_index(cell, table.shape)
    sets = [related[d][int(i)] for d, i in enumerate(idx)]
    mask = np.zeros(table.size, dtype=bool)
    mask[np.ravel_multi_index(np.meshgrid(*sets, indexing="ij"), table.shape).ravel()] = True
    return mask


def _neighbours(R: sp.csr_array, cell: int) -> np.ndarray:
    """Mask of the cells sharing a relation with ``cell`` (itself included)."""
    col = sp.csc_array(R[:, [cell]])
    rows = col.indices
    mask = np.zeros(R.shape[1], dtype=bool)
    if len(rows):
        mask[sp.csr_array(R[rows, :]).indices] = True
    mask[cell] = True
    return mask


# ---------------------------------------------------------------------------------------------- slices
def serve(protection: Protection, slices: Sequence[Cells]) -> list[pd.DataFrame]:
    """Slices of ONE protected cube, each taken from its single suppression pattern.

    Parameters
    ----------
    protection : Protection
        The protected cube; its audit must have passed (else :class:`~chainatlas.errors.AccessError`).
    slices : sequence of cells
        Each a selection of cells (e.g. one chain's segments in one city; the chain less one segment; two
        overlapping functional areas).

    Returns
    -------
    list of DataFrame
        Per slice, its rows of ``protection.published()`` (key columns, ``value`` with NaN where suppressed,
        ``suppressed``; index: the cell number), in cell order.

    Notes
    -----
    A slice is never protected on its own: a cell suppressed in the cube is suppressed in every slice. So
    whatever slices one user collects, the published cells they hold are a subset of the cube's published
    cells, and their feasible set contains the cube's: intervals can only be wider than in the cube's audit
    (:func:`audit_slices` checks it). Protecting each slice separately would break this (differencing).

    Examples
    --------
    >>> import pandas as pd
    >>> h = Hierarchy({"T": ["a", "b", "c"]})
    >>> rows = [("x", "a", 10.0), ("b0", "b", 20.0), ("b1", "b", 15.0), ("b2", "b", 15.0),
    ...         ("c0", "c", 15.0), ("c1", "c", 15.0), ("c2", "c", 10.0)]
    >>> pr = protect(LinkedTable.from_contributions(pd.DataFrame(rows, columns=["entity", "place", "value"]), {"place": h}))
    >>> [s["value"].round(6).tolist() for s in serve(pr, [["T", "a", "b"], ["b", "c"]])]
    [[100.0, nan, 50.0], [50.0, nan]]

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. Ch. 4.
    """
    pub = protection.release()
    if isinstance(slices, (str, bytes)) or not isinstance(slices, Sequence):
        raise ConfigError(f"expected a list of cell selections, got {type(slices).__name__}", param="slices")
    out = []
    for t, sl in enumerate(slices):
        mask = protection.table.select(sl, f"slices[{t}]")
        out.append(pub.loc[mask].copy())
    return out


def audit_slices(protection: Protection, slices: Sequence[Cells], *, known: Cells = None) -> pd.DataFrame:
    """What a holder of several served slices can derive about the sensitive cells.

    Parameters
    ----------
    protection : Protection
    slices : sequence of cells
        The slices the attacker holds (all of them, together).
    known : cells, optional
        Cells the attacker knows besides; default the ``known`` cells the protection was made for.

    Returns
    -------
    DataFrame
        :func:`audit` rows of the sensitive cells (same columns), where the published cells are exactly the
        published cells of the union of the slices; every relation of the cube is available to the attacker,
        the cells outside the slices are unknown.

    Notes
    -----
    The attacker's feasible set is
    :math:`\\{x \\ge 0: Rx = 0,\\ x_j = v_j \\ (j \\in ((\\cup_s S_s) \\cap P) \\cup K)\\}`,
    a superset of the cube's (fewer cells fixed), so every interval contains the cube's audited interval.

    Examples
    --------
    >>> import pandas as pd
    >>> h = Hierarchy({"T": ["a", "b", "c"]})
    >>> rows = [("x", "a", 10.0), ("b0", "b", 20.0), ("b1", "b", 15.0), ("b2", "b", 15.0),
    ...         ("c0", "c", 15.0), ("c1", "c", 15.0), ("c2", "c", 10.0)]
    >>> pr = protect(LinkedTable.from_contributions(pd.DataFrame(rows, columns=["entity", "place", "value"]), {"place": h}))
    >>> audit_slices(pr, [["T", "a", "b"], ["b", "c"]])[["place", "lo", "hi", "ok"]].round(6).to_numpy().tolist()
    [['a', 0.0, 50.0, True]]

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. §4.2.2.
    """
    table = protection.table
    if isinstance(slices, (str, bytes)) or not isinstance(slices, Sequence):
        raise ConfigError(f"expected a list of cell selections, got {type(slices).__name__}", param="slices")
    held = np.zeros(table.size, dtype=bool)
    for t, sl in enumerate(slices):
        held |= table.select(sl, f"slices[{t}]")
    shown = held & ~protection.suppressed
    kn = protection.cells["known"].to_numpy() if known is None else table.select(known, "known")
    sens = (protection.cells["status"] == "primary").to_numpy()
    return _audit_frame(table, ~shown, kn, sens, protection.q, rows=sens)
