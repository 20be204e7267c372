"""Graphs from edge lists: :func:`build_graph`, its inverse :func:`edge_frame`, and :func:`adjacency_matrix`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics._checks import as_float_array, require_columns, require_frame
from chainatlas.analytics.networks._util import (
    EdgesOrGraph,
    _csr,
    _index,
    _py,
    _require_graph,
    _weights_array,
)
from chainatlas.errors import ConfigError

__all__ = ["adjacency_matrix", "build_graph", "edge_frame"]


def build_graph(
    edges: pd.DataFrame,
    directed: bool = True,
    *,
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
    nodes: Sequence[Hashable] | None = None,
) -> ig.Graph:
    """Build an igraph graph from an edge list, vectorised.

    Parameters
    ----------
    edges : DataFrame
        One row per tie record. Not modified.
    directed : bool
        Keep the direction ``src → dst``. For an undirected graph the rows ``a→b`` and ``b→a`` are the same tie.
    src, dst : str
        Names of the endpoint columns. Ids may be of any hashable type (adcodes, credit codes, integers).
    weight : str or None
        Name of the weight column (finite, ``>= 0``). ``None``: every row weighs 1, so the weight of a tie is its
        number of records.
    nodes : sequence, optional
        Vertex ids in the order wanted, including isolated nodes (e.g. the 41 YRD cities). Every endpoint must
        be in it. Default: the endpoints, sorted when they are mutually comparable.

    Returns
    -------
    igraph.Graph
        Simple graph (no self-loops, no parallel ties): vertex attribute ``name`` holds the node ids, edge
        attribute ``weight`` the summed weight of the records of each tie. Edges are ordered by
        ``(source, target)`` vertex index.

    Raises
    ------
    ConfigError
        Missing column, missing endpoint, endpoint not in ``nodes``, duplicate ``nodes``, weight not finite or
        negative.

    Notes
    -----
    Ids are coded with :func:`pandas.factorize` over ``concat(src, dst)``; duplicate ties ``(code(src),
    code(dst))`` (for undirected graphs the smaller code first) are merged and their weights summed by SciPy's
    COO → CSR conversion, which also sorts them:

    .. math:: w_{ij} = \\sum_{r:\\ (s_r, d_r) = (i, j)} w_r

    Self-loops (a tie of a place with itself, e.g. intra-city flows) are dropped because none of the metrics here
    is defined with them; records of weight 0 are not ties and are dropped too. Keep intra-unit totals as a node
    attribute if needed.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["上海", "苏州", "上海", "杭州"], "dst": ["苏州", "上海", "苏州", "杭州"],
    ...                   "weight": [2.0, 1.0, 3.0, 9.0]})
    >>> g = build_graph(e, directed=False)
    >>> g.vs["name"], g.es["weight"]
    (['上海', '杭州', '苏州'], [6.0])

    References
    ----------
    .. [1] Csardi, G. & Nepusz, T. (2006). The igraph software package for complex network research.
       InterJournal Complex Systems 1695.
    """
    names, a = _coded_ties(edges, directed, src, dst, weight, nodes)
    n = len(names)
    g = ig.Graph(n=n, directed=bool(directed))
    if a.nnz:
        # GraphBase.add_edges iterates a 2-column int64 array in C; it is faster than the Graph(edges=...)
        # constructor, which turns a NumPy array into a Python list first in the abi3 wheels.
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.indptr))
        g.add_edges(np.column_stack([rows, a.indices.astype(np.int64)]))
    g.vs["name"] = names
    g.es["weight"] = a.data.tolist()
    return g


def edge_frame(g: ig.Graph, weight: str | None = "weight") -> pd.DataFrame:
    """Return the ties of ``g`` as an edge list with columns ``src``, ``dst``, ``weight``.

    Parameters
    ----------
    g : igraph.Graph
        A graph, e.g. from :func:`build_graph`.
    weight : str or None
        Edge attribute to report as ``weight``; ``None`` gives 1 per tie.

    Returns
    -------
    DataFrame
        One row per edge in edge-id order, endpoints given by vertex ``name`` when present.

    Notes
    -----
    The inverse of :func:`build_graph` for simple graphs: ``build_graph(edge_frame(g))`` has the same ties.

    Examples
    --------
    >>> import igraph as ig
    >>> edge_frame(ig.Graph([(0, 1), (1, 2)]), weight=None)
       src  dst  weight
    0    0    1     1.0
    1    1    2     1.0

    References
    ----------
    .. [1] Csardi, G. & Nepusz, T. (2006). The igraph software package. InterJournal Complex Systems 1695.
    """
    _require_graph(g)
    e = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    names = _index(g).to_numpy()
    return pd.DataFrame({"src": names[e[:, 0]], "dst": names[e[:, 1]], "weight": _weights_array(g, weight)})


def adjacency_matrix(
    edges: EdgesOrGraph,
    nodes: Sequence[Hashable] | None = None,
    *,
    directed: bool = True,
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
) -> pd.DataFrame:
    """Dense weighted adjacency matrix aligned on ``nodes`` (rows = source, columns = target).

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
        Edge list (see :func:`build_graph`) or graph.
    nodes : sequence, optional
        Row/column order; nodes without ties get zero rows. Default: all endpoints, sorted.
    directed : bool
        For an undirected result the matrix is symmetric: :math:`a_{ij} = a_{ji} = w_{\\{i,j\\}}`.
    src, dst, weight : str
        Column names (ignored for a graph, whose ``weight`` attribute is used).

    Returns
    -------
    DataFrame
        ``n × n`` float matrix with zero diagonal, index and columns named ``node``.

    Notes
    -----
    Meant for small place-level graphs (a 41 × 41 city matrix for :func:`qap_correlation`); memory is
    :math:`8 n^2` bytes.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["a", "b"], "dst": ["b", "c"], "weight": [2.0, 1.0]})
    >>> adjacency_matrix(e, directed=False).to_numpy().tolist()
    [[0.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]]

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press, ch. 3.
    """
    if isinstance(edges, ig.Graph):
        g = edges
        if nodes is not None:
            g = build_graph(edge_frame(g), directed=g.is_directed(), nodes=nodes)
    else:
        g = build_graph(edges, directed=directed, src=src, dst=dst, weight=weight, nodes=nodes)
    a = _csr(g, "weight").toarray()
    idx = _index(g)
    return pd.DataFrame(a, index=idx, columns=idx.copy())


def _coded_ties(
    edges: pd.DataFrame,
    directed: bool,
    src: str,
    dst: str,
    weight: str | None,
    nodes: Sequence[Hashable] | None,
) -> tuple[list, sp.csr_matrix]:
    """Node ids and the merged tie weights of an edge list (see :func:`build_graph`).

    Returns the ids in vertex order and an ``n × n`` CSR matrix with sorted indices, one entry per tie (duplicates
    summed, self-loops and zero weights dropped); for ``directed=False`` each tie is stored once, above the
    diagonal. This is all :func:`build_graph` and the edge-list path of :func:`pagerank` need.
    """
    require_frame(edges, "edges")
    require_columns(edges, [src, dst, weight], "edges")
    s = edges[src].to_numpy()
    d = edges[dst].to_numpy()
    m = len(s)
    bad = pd.isna(s) | pd.isna(d)
    if bad.any():
        row = edges.index[np.flatnonzero(bad)[0]]
        raise ConfigError(
            f"edges: missing endpoint in column {src!r} or {dst!r} at row {row!r}; "
            f"drop or fill incomplete records before building the graph"
        )
    if weight is None:
        w = np.ones(m)
    else:
        w = as_float_array(edges[weight].to_numpy(), f"edges[{weight!r}]", ndim=1, nonnegative=True)
    both = np.concatenate([s, d])
    if nodes is None:
        try:
            codes, uniques = pd.factorize(both, sort=True)
        except TypeError:  # mutually incomparable ids (e.g. int and str): keep order of first appearance
            codes, uniques = pd.factorize(both, sort=False)
        names = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
    else:
        index = pd.Index(list(nodes))
        if index.hasnans:
            raise ConfigError("nodes: expected node ids, found a missing value")
        if not index.is_unique:
            dup = _py(index[index.duplicated()][0])
            raise ConfigError(f"nodes: expected unique node ids, {dup!r} appears more than once")
        codes = index.get_indexer(both)
        if (codes < 0).any():
            unknown = _py(both[np.flatnonzero(codes < 0)[0]])
            raise ConfigError(
                f"edges: endpoint {unknown!r} is not in nodes; add it to nodes or drop its records"
            )
        names = index.tolist()
    n = len(names)
    cs, cd = codes[:m], codes[m:]
    keep = (cs != cd) & (w > 0)
    cs, cd, w = cs[keep], cd[keep], w[keep]
    if not directed:
        cs, cd = np.minimum(cs, cd), np.maximum(cs, cd)
    a = sp.csr_matrix((w, (cs, cd)), shape=(n, n))  # sums duplicates, sorts indices
    a.sum_duplicates()
    return names, a


def _as_graph(
    edges: EdgesOrGraph,
    directed: bool,
    src: str,
    dst: str,
    weight: str | None,
    nodes: Sequence[Hashable] | None,
) -> ig.Graph:
    if isinstance(edges, ig.Graph):
        return edges
    return build_graph(edges, directed, src=src, dst=dst, weight=weight, nodes=nodes)
