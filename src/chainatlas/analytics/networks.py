"""Network structure of the six layers (paper section 二): graphs, node metrics, cores, communities, multiplex.

Pure functions on pandas edge lists and :class:`igraph.Graph` objects. Nothing here opens a database or a file.

An *edge list* is a DataFrame with one row per tie record: a source column, a destination column and
(optionally) a weight column. :func:`build_graph` turns it into an igraph graph with integer vertex ids obtained by
:func:`pandas.factorize` (no Python loop over rows), drops self-loops, sums duplicate ties and stores the original
node ids in the vertex attribute ``name`` and the summed weights in the edge attribute ``weight``. Every metric
function takes that graph and returns a :class:`pandas.Series` indexed by node id (index name ``node``) or a small
frozen result object; :func:`node_metrics` returns all node metrics of one graph as one DataFrame.

Conventions (the same everywhere in this module)
------------------------------------------------
- Weights are tie *strengths* (flows, co-patents, contract values), never lengths. Where a metric needs path
  lengths (betweenness, closeness) the length of a tie is ``1 / weight`` (Newman 2001; Opsahl, Agneessens &
  Skvoretz 2010 with alpha = 1): strong ties are short. Pass ``weight=None`` for hop counts.
- Definitions follow NetworkX (normalisations, closeness of disconnected graphs, structural holes); every function
  has an agreement test against NetworkX in ``tests/analytics``.
- Directed graphs keep their direction where the metric has a directed definition; where it has none (clustering,
  structural holes, core–periphery) the documented undirected reduction is used.
- Anything random takes a ``seed`` and is reproducible.

Contents
--------
graphs        :func:`build_graph`, :func:`edge_frame`, :func:`adjacency_matrix`
node metrics  :func:`strength`, :func:`betweenness`, :func:`sampled_betweenness`, :func:`closeness`,
              :func:`eigenvector`, :func:`pagerank`, :func:`clustering`, :func:`constraint`,
              :func:`effective_size`, :func:`node_metrics`
graph level   :func:`density`, :func:`degree_centralization`, :func:`graph_summary`
cores         :func:`core_periphery`
communities   :func:`leiden`, :func:`compare_partitions`, :func:`group_flows`, :func:`crossing_share`
multiplex     :func:`layer_overlap`, :func:`participation_coefficient`, :func:`qap_correlation`
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics._checks import (
    as_float_array,
    as_square,
    require_choice,
    require_columns,
    require_frame,
    require_positive_int,
    require_probability,
)
from chainatlas.errors import ConfigError

__all__ = [
    "NODE_METRIC_COLUMNS",
    "Communities",
    "CorePeriphery",
    "GraphSummary",
    "PartitionComparison",
    "QAPResult",
    "adjacency_matrix",
    "betweenness",
    "build_graph",
    "closeness",
    "clustering",
    "compare_partitions",
    "constraint",
    "core_periphery",
    "crossing_share",
    "degree_centralization",
    "density",
    "edge_frame",
    "effective_size",
    "eigenvector",
    "graph_summary",
    "group_flows",
    "layer_overlap",
    "leiden",
    "node_metrics",
    "pagerank",
    "participation_coefficient",
    "qap_correlation",
    "sampled_betweenness",
    "strength",
]

EdgesOrGraph = pd.DataFrame | ig.Graph


# ================================================================================================ graphs
def build_graph(edges: pd.DataFrame, directed: bool = True, *, src: str = "src", dst: str = "dst",
                weight: str | None = "weight", nodes: Sequence[Hashable] | None = None) -> ig.Graph:
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


def _coded_ties(edges: pd.DataFrame, directed: bool, src: str, dst: str, weight: str | None,
                nodes: Sequence[Hashable] | None) -> tuple[list, sp.csr_matrix]:
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
        raise ConfigError(f"edges: missing endpoint in column {src!r} or {dst!r} at row {row!r}; "
                          f"drop or fill incomplete records before building the graph")
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
            raise ConfigError(f"edges: endpoint {unknown!r} is not in nodes; add it to nodes or drop its records")
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


def adjacency_matrix(edges: EdgesOrGraph, nodes: Sequence[Hashable] | None = None, *, directed: bool = True,
                     src: str = "src", dst: str = "dst", weight: str | None = "weight") -> pd.DataFrame:
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


# ================================================================================================ node metrics
def strength(g: ig.Graph, weight: str | None = "weight", *, mode: str = "all") -> pd.Series:
    """Weighted degree (strength) of every node.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute; ``None`` gives the plain degree.
    mode : {"all", "in", "out"}
        Incoming, outgoing or all ties (same for undirected graphs).

    Returns
    -------
    Series
        Float strength per node.

    Notes
    -----
    .. math:: s^{out}_i = \\sum_j w_{ij}, \\qquad s^{in}_i = \\sum_j w_{ji}, \\qquad s_i = s^{in}_i + s^{out}_i

    Examples
    --------
    >>> import pandas as pd
    >>> g = build_graph(pd.DataFrame({"src": ["a", "a"], "dst": ["b", "c"], "weight": [2.0, 3.0]}))
    >>> strength(g, mode="out").tolist()
    [5.0, 0.0, 0.0]

    References
    ----------
    .. [1] Barrat, A., Barthélemy, M., Pastor-Satorras, R. & Vespignani, A. (2004). The architecture of complex
       weighted networks. PNAS 101(11), 3747–3752.
    """
    _require_graph(g)
    require_choice(mode, ("all", "in", "out"), "mode")
    vals = g.strength(mode=mode, loops=False, weights=_weights(g, weight))
    return pd.Series(np.asarray(vals, dtype=float), index=_index(g), name=f"strength_{mode}")


def betweenness(g: ig.Graph, weight: str | None = "weight", *, normalized: bool = True) -> pd.Series:
    """Shortest-path betweenness centrality, ties of length ``1 / weight``.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Tie strength attribute; the path length of a tie is ``1 / weight``. ``None``: hop counts.
    normalized : bool
        Divide by the number of ordered (directed) or unordered (undirected) pairs not including the node, as
        NetworkX does.

    Returns
    -------
    Series
        Betweenness per node.

    Notes
    -----
    .. math:: b(v) = \\sum_{s \\ne v \\ne t} \\frac{\\sigma_{st}(v)}{\\sigma_{st}}

    over ordered pairs for directed graphs and unordered pairs for undirected graphs, where
    :math:`\\sigma_{st}` is the number of shortest ``s–t`` paths and :math:`\\sigma_{st}(v)` those through ``v``;
    normalised by :math:`(n-1)(n-2)` (directed) or :math:`(n-1)(n-2)/2` (undirected). Path length is
    :math:`\\sum 1/w_e` (Opsahl et al. 2010, alpha = 1). igraph's Brandes implementation treats two path lengths
    as equal within a relative tolerance of about 1e-10, NetworkX compares floats exactly; with integer weights
    whose reciprocals add up to equal lengths in different orders (1/3 + 1/6 vs 1/2) the two may count ties
    differently. Equal to NetworkX's ``betweenness_centrality(G, weight="distance")`` with ``distance = 1/w``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["a", "b"], "dst": ["b", "c"]})
    >>> betweenness(build_graph(e, directed=False, weight=None), weight=None).tolist()
    [0.0, 1.0, 0.0]

    References
    ----------
    .. [1] Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociology 25(2), 163–177.
    .. [2] Opsahl, T., Agneessens, F. & Skvoretz, J. (2010). Node centrality in weighted networks: generalizing
       degree and shortest paths. Social Networks 32(3), 245–251.
    .. [3] Newman, M. E. J. (2001). Scientific collaboration networks II. Phys. Rev. E 64, 016132.
    """
    _require_graph(g)
    n = g.vcount()
    b = np.asarray(g.betweenness(directed=True, weights=_lengths(g, weight)), dtype=float)
    if normalized:
        b = b * _betweenness_scale(n, g.is_directed())
    return pd.Series(b, index=_index(g), name="betweenness")


def sampled_betweenness(g: ig.Graph, n_sources: int = 1000, weight: str | None = "weight", *, seed: int = 0,
                        normalized: bool = True, n_jobs: int = 1) -> pd.Series:
    """Betweenness estimated from ``n_sources`` random source nodes (Brandes & Pich 2007).

    Parameters
    ----------
    g : igraph.Graph
    n_sources : int
        Number of source nodes ``k`` drawn uniformly without replacement; ``k >= n`` gives the exact value.
    weight : str or None
        As in :func:`betweenness`.
    seed : int
        Seed of :func:`numpy.random.default_rng` drawing the sources.
    normalized : bool
        As in :func:`betweenness`.
    n_jobs : int
        Threads; the sources are split among them and the partial sums added (the compiled search releases the
        GIL). Equal to the single-thread result up to floating-point summation order.

    Returns
    -------
    Series
        Unbiased estimate of :func:`betweenness` per node.

    Notes
    -----
    With :math:`\\delta_{s\\bullet}(v) = \\sum_t \\sigma_{st}(v)/\\sigma_{st}` the dependency of source ``s``
    on ``v`` and ``S`` the sample,

    .. math:: \\hat b(v) = \\frac{n}{k} \\, c \\sum_{s \\in S} \\delta_{s\\bullet}(v)

    with :math:`c = 1` (directed) or :math:`1/2` (undirected); :math:`E[\\hat b(v)] = b(v)`. The sum over ``S``
    is Brandes' single-source search and accumulation from each sampled source to all targets, compiled with
    Numba: Dijkstra with a 4-ary heap on lengths ``1/weight`` (breadth-first search for ``weight=None``), with
    NetworkX's exact rules for equally short paths, so it equals NetworkX's
    ``betweenness_centrality_subset(G, S, all nodes)`` for the same sources (igraph's C version, used before,
    compares lengths with a tolerance and took 2.6× as long on the benchmark graph). No path-length cutoff is
    applied: a cutoff gives a biased, local measure, not an estimate of betweenness. This is the estimator of
    NetworkX's ``betweenness_centrality(G, k=...)``; the sample differs (NetworkX draws with
    :class:`random.Random`). On the 100k-node / 500k-tie graph of ``bench/bench_networks.py``, 1,000 sources
    take 9–13 s weighted and 4.6–6 s unweighted with ``n_jobs=2`` (twice that in one thread).

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Ring(10)
    >>> est = sampled_betweenness(g, n_sources=10, weight=None)   # k = n: exact
    >>> bool(np.allclose(est, betweenness(g, weight=None)))
    True

    References
    ----------
    .. [1] Brandes, U. & Pich, C. (2007). Centrality estimation in large networks. Int. J. Bifurcation and Chaos
       17(7), 2303–2318.
    .. [2] Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociology 25(2), 163–177.
    """
    _require_graph(g)
    k = require_positive_int(n_sources, "n_sources")
    n = g.vcount()
    if k >= n:
        return betweenness(g, weight, normalized=normalized)
    jobs = require_positive_int(n_jobs, "n_jobs")
    sources = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
    lengths = _lengths(g, weight)
    e = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    tail, head = e[:, 0], e[:, 1]
    lens = np.ones(len(e)) if lengths is None else np.asarray(lengths, dtype=float)
    if not g.is_directed():
        tail, head, lens = np.concatenate([tail, head]), np.concatenate([head, tail]), np.concatenate([lens, lens])
    out = np.argsort(tail, kind="stable")
    small = np.int32 if max(n, len(tail)) < 2**31 else np.int64  # half the memory traffic of the search
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n))]).astype(small)
    kernel = _brandes_kernel()
    args = (indptr, head[out].astype(small), lens[out], lengths is not None)
    chunks = [c for c in np.array_split(sources, min(jobs, k)) if len(c)]
    if len(chunks) == 1:
        raw = kernel(*args, chunks[0])
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            raw = np.sum(list(pool.map(lambda c: kernel(*args, c), chunks)), axis=0)
    if not g.is_directed():
        raw = raw / 2.0  # each unordered pair was counted from both ends
    est = raw * (n / k)
    if normalized:
        est = est * _betweenness_scale(n, g.is_directed())
    return pd.Series(est, index=_index(g), name="betweenness")


def closeness(g: ig.Graph, weight: str | None = "weight", *, mode: str = "out",
              wf_improved: bool = True) -> pd.Series:
    """Closeness centrality with Wasserman–Faust scaling for disconnected graphs.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Tie strength; path length of a tie is ``1 / weight``. ``None``: hop counts.
    mode : {"out", "in", "all"}
        ``"out"``: distances *from* the node (how fast it reaches others, e.g. spills knowledge);
        ``"in"``: distances *to* the node (NetworkX's convention for directed graphs); ``"all"``: ignore direction.
    wf_improved : bool
        Scale by the share of other nodes reachable (Wasserman & Faust 1994), as NetworkX does by default.

    Returns
    -------
    Series
        Closeness per node; 0 for a node that reaches no other.

    Notes
    -----
    With :math:`R(u)` the nodes reachable from ``u`` (``u`` excluded), :math:`r = |R(u)|`:

    .. math:: C(u) = \\frac{r}{n - 1} \\cdot \\frac{r}{\\sum_{v \\in R(u)} d(u, v)}

    (without the first factor when ``wf_improved`` is false). ``mode="in"`` equals NetworkX's
    ``closeness_centrality(G, distance=...)``, ``mode="out"`` the same on ``G.reverse()``.

    Examples
    --------
    >>> import pandas as pd
    >>> g = build_graph(pd.DataFrame({"src": ["a", "b"], "dst": ["b", "c"]}), directed=False, weight=None)
    >>> closeness(g, weight=None).round(3).tolist()
    [0.667, 1.0, 0.667]

    References
    ----------
    .. [1] Freeman, L. C. (1979). Centrality in networks: I. Conceptual clarification. Social Networks 1, 215–239.
    .. [2] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press, p. 201.
    """
    _require_graph(g)
    require_choice(mode, ("out", "in", "all"), "mode")
    n = g.vcount()
    if n <= 1:
        return pd.Series(np.zeros(n), index=_index(g), name=f"closeness_{mode}")
    c = np.asarray(g.closeness(mode=mode, weights=_lengths(g, weight), normalized=True), dtype=float)
    c = np.nan_to_num(c, nan=0.0)
    if wf_improved:
        strong = "strong" if (g.is_directed() and mode != "all") else "weak"
        if not g.is_connected(mode=strong):
            reach = np.asarray(g.neighborhood_size(order=n, mode=mode), dtype=float) - 1.0
            c = c * reach / (n - 1)
    return pd.Series(c, index=_index(g), name=f"closeness_{mode}")


def eigenvector(g: ig.Graph, weight: str | None = "weight") -> pd.Series:
    """Eigenvector centrality on the largest (strongly) connected component, unit Euclidean norm.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute used as the adjacency entries.

    Returns
    -------
    Series
        Non-negative centralities with :math:`\\lVert x \\rVert_2 = 1`; 0 outside the largest component; NaN
        everywhere when the largest component is a single node (no ties, or a directed acyclic graph).

    Notes
    -----
    The Perron vector of the weighted adjacency matrix of the largest connected component (strongly connected
    for directed graphs), for directed graphs the *left* one (centrality comes from in-ties, NetworkX's
    convention):

    .. math:: \\lambda x_j = \\sum_i a_{ij} x_i

    On a disconnected graph the Perron vector of the whole matrix is either not unique or concentrated on
    whichever component has the largest eigenvalue (a two-city side component with one heavy tie can take all
    the centrality), and NetworkX refuses to compute it; restricting to the largest component keeps the measure
    defined, and a node outside it (e.g. a city without ties in a layer) scores 0. On a connected graph this is
    the usual eigenvector centrality and equals NetworkX's ``eigenvector_centrality_numpy``. For directed
    acyclic graphs the measure is degenerate; use :func:`pagerank`.

    Examples
    --------
    >>> import igraph as ig
    >>> eigenvector(ig.Graph.Ring(4), weight=None).round(3).tolist()
    [0.5, 0.5, 0.5, 0.5]
    >>> eigenvector(ig.Graph.Ring(3) + ig.Graph(1), weight=None).round(3).tolist()   # an isolate scores 0
    [0.577, 0.577, 0.577, 0.0]

    References
    ----------
    .. [1] Bonacich, P. (1987). Power and centrality: a family of measures. Am. J. Sociology 92(5), 1170–1182.
    .. [2] Newman, M. E. J. (2010). Networks: An Introduction. Oxford University Press, §7.2.
    """
    _require_graph(g)
    idx = _index(g)
    n = g.vcount()
    w = _weights(g, weight)
    out = np.zeros(n)
    mode = "strong" if g.is_directed() else "weak"
    comps = g.connected_components(mode=mode) if n else []
    members = max(comps, key=len) if n else []
    if len(members) < 2:
        return pd.Series(np.full(n, np.nan), index=idx, name="eigenvector")
    sub = g if len(members) == n else g.induced_subgraph(members)
    x = np.asarray(sub.eigenvector_centrality(directed=True, scale=True, weights=w), dtype=float)
    out[np.asarray(members)] = np.abs(x) / np.linalg.norm(x)
    return pd.Series(out, index=idx, name="eigenvector")


def pagerank(edges: EdgesOrGraph, weight: str | None = "weight", *, damping: float = 0.85, directed: bool = True,
             src: str = "src", dst: str = "dst", nodes: Sequence[Hashable] | None = None,
             tol: float = 1e-10) -> pd.Series:
    """PageRank with uniform teleportation, to an L1 error of at most ``tol`` (1e-10).

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
        A graph, or an edge list (see :func:`build_graph`), for which no igraph graph is built: the ranks are
        computed from the coded ties directly (the fast path for one metric on a big graph).
    weight : str or None
        Edge attribute (graph) or column (edge list); a random walker leaves ``i`` along ``i → j`` with
        probability :math:`w_{ij} / s^{out}_i`.
    damping : float
        Probability :math:`\\alpha` of following a tie, in [0, 1).
    directed, src, dst, nodes
        As in :func:`build_graph`; used for an edge list only.
    tol : float
        L1 error bound of the edge-list path (the graph path solves with PRPACK to a residual of 1e-10).

    Returns
    -------
    Series
        PageRank per node, summing to 1.

    Notes
    -----
    .. math:: p_j = \\alpha \\sum_i p_i \\frac{w_{ij}}{s^{out}_i} + \\alpha \\frac{\\sum_{i: s^{out}_i = 0} p_i}{n}
              + \\frac{1 - \\alpha}{n}

    (dangling nodes jump uniformly; undirected ties work both ways). For a graph, igraph's PRPACK solver
    (Gauss–Seidel on the strongly connected components) runs to a fixed tolerance of 1e-10 in the L1 norm. For an
    edge list, power iteration on the sparse transition matrix :math:`P^T` (CSR) stops once the L1 change
    :math:`\\delta_k = \\lVert p^{(k+1)} - p^{(k)} \\rVert_1` satisfies :math:`\\alpha \\delta_k / (1 - \\alpha) \\le`
    ``tol``; since the Google matrix contracts differences of distributions by :math:`\\alpha` in the L1 norm, this
    bounds the L1 distance to the exact vector by ``tol``. Both are far tighter than NetworkX's default
    (``tol=1e-6`` per node, i.e. an L1 error up to ``n * 1e-6``, which at a million nodes reorders the top of the
    ranking) and equal NetworkX's ``pagerank(G, alpha, tol=1e-13)`` to 1e-9. On the 1M-node / 5M-tie graph of
    ``bench/bench_networks.py`` the edge-list path takes 1.5–2 s in all (coding 0.5 s, CSR 0.3 s, 50
    iterations 0.8 s), against 3.8–4.8 s for :func:`build_graph` and PRPACK.

    Examples
    --------
    >>> import igraph as ig
    >>> pagerank(ig.Graph.Ring(4), weight=None).round(3).tolist()
    [0.25, 0.25, 0.25, 0.25]
    >>> e = pd.DataFrame({"src": ["a", "b", "c"], "dst": ["b", "c", "a"]})
    >>> pagerank(e, weight=None).round(3).tolist()
    [0.333, 0.333, 0.333]

    References
    ----------
    .. [1] Brin, S. & Page, L. (1998). The anatomy of a large-scale hypertextual Web search engine. Computer
       Networks and ISDN Systems 30, 107–117.
    .. [2] Gleich, D. F., Gray, A. P., Greif, C. & Lau, T. (2010). An inner-outer iteration for computing
       PageRank. SIAM J. Sci. Comput. 32(1), 349–371 (the PRPACK solvers).
    .. [3] Langville, A. N. & Meyer, C. D. (2006). Google's PageRank and Beyond. Princeton University Press,
       ch. 4 (power method and its convergence).
    """
    alpha = require_probability(damping, "damping", open_high=True)
    if not isinstance(edges, ig.Graph):
        if not (tol > 0 and math.isfinite(tol)):
            raise ConfigError(f"tol: expected a positive number, got {tol!r}")
        names, a = _coded_ties(edges, directed, src, dst, weight, nodes)
        if not directed:
            a = (a + a.T).tocsr()
        x = _pagerank_power(a, alpha, tol)
        return pd.Series(x, index=pd.Index(names, name="node"), name="pagerank")
    g = edges
    if g.vcount() == 0:
        return pd.Series([], dtype=float, name="pagerank")
    pr = g.pagerank(directed=True, damping=alpha, weights=_weights(g, weight), implementation="prpack")
    return pd.Series(np.asarray(pr, dtype=float), index=_index(g), name="pagerank")


def clustering(g: ig.Graph, weight: str | None = None) -> pd.Series:
    """Local clustering coefficient, binary or weighted (Onnela et al. 2005), ignoring direction.

    Parameters
    ----------
    g : igraph.Graph
        For a directed graph the ties are first made undirected, weights of ``i→j`` and ``j→i`` summed.
    weight : str or None
        ``None``: the Watts–Strogatz coefficient; otherwise Onnela's weighted coefficient.

    Returns
    -------
    Series
        Clustering per node, 0 for nodes with fewer than two neighbours.

    Notes
    -----
    Binary: :math:`c_i = 2 T_i / (k_i (k_i - 1))` with :math:`T_i` triangles through ``i``. Weighted, with
    :math:`\\hat w = w / \\max w`:

    .. math:: c_i = \\frac{1}{k_i (k_i - 1)} \\sum_{j,h} (\\hat w_{ij} \\hat w_{ih} \\hat w_{jh})^{1/3}
              = \\frac{[\\hat W^{1/3}]^3_{ii}}{k_i (k_i - 1)}

    Both equal NetworkX's ``clustering(G, weight=...)`` on the undirected graph.

    Examples
    --------
    >>> import igraph as ig
    >>> clustering(ig.Graph.Full(4)).tolist()
    [1.0, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks. Nature 393,
       440–442.
    .. [2] Onnela, J.-P., Saramäki, J., Kertész, J. & Kaski, K. (2005). Intensity and coherence of motifs in
       weighted complex networks. Phys. Rev. E 71, 065103.
    """
    _require_graph(g)
    idx = _index(g)
    if weight is None:
        ug = g.as_undirected(mode="collapse") if g.is_directed() else g
        c = np.asarray(ug.transitivity_local_undirected(mode="zero"), dtype=float)
        return pd.Series(c, index=idx, name="clustering")
    a = _csr(g, weight)
    c = _onnela((a + a.T).tocsr() if g.is_directed() else a)
    return pd.Series(c, index=idx, name="clustering_weighted")


def constraint(g: ig.Graph, weight: str | None = "weight") -> pd.Series:
    """Burt's constraint, NetworkX's definition (mutual weights, in- and out-neighbours).

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute; ``None``: every tie weighs 1.

    Returns
    -------
    Series
        Constraint per node; NaN for isolated nodes (undefined).

    Notes
    -----
    With mutual weights :math:`m_{ij} = a_{ij} + a_{ji}` and proportional strengths
    :math:`p_{ij} = m_{ij} / \\sum_{k \\in N(i)} m_{ik}`,

    .. math:: c_i = \\sum_{j \\in N(i)} \\Big(p_{ij} + \\sum_{q \\in N(i)} p_{iq} p_{qj}\\Big)^2

    where :math:`N(i)` are the in- and out-neighbours. Computed with sparse matrices as
    :math:`c = \\operatorname{rowsum}\\big(\\mathbb 1[M > 0] \\circ (P + P^2)^{\\circ 2}\\big)`.

    Examples
    --------
    >>> import igraph as ig
    >>> constraint(ig.Graph.Star(4), weight=None).round(3).tolist()
    [0.333, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.
    .. [2] Burt, R. S. (2004). Structural holes and good ideas. Am. J. Sociology 110(2), 349–399.
    """
    _require_graph(g)
    return pd.Series(_constraint_values(_mutual(_csr(g, weight))), index=_index(g), name="constraint")


def effective_size(g: ig.Graph, weight: str | None = "weight") -> pd.Series:
    """Burt's effective size of each node's ego network, NetworkX's definition.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute; ``None``: every tie weighs 1 (then Borgatti's :math:`n - 2t/n` for undirected graphs).

    Returns
    -------
    Series
        Effective size per node; NaN for isolated nodes.

    Notes
    -----
    With :math:`p_{ij}` as in :func:`constraint` and :math:`m^*_{jq} = m_{jq} / \\max_k m_{jk}`,

    .. math:: e_i = \\sum_{j \\in N(i)} \\Big(1 - \\sum_{q \\in N(i)} p_{iq} m^*_{jq}\\Big)

    Examples
    --------
    >>> import igraph as ig
    >>> effective_size(ig.Graph.Star(4), weight=None).tolist()
    [3.0, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.
    .. [2] Borgatti, S. P. (1997). Structural holes: unpacking Burt's redundancy measures. Connections 20(1),
       35–38.
    """
    _require_graph(g)
    return pd.Series(_effective_size_values(_mutual(_csr(g, weight))), index=_index(g), name="effective_size")


# ================================================================================================ graph level
def density(g: ig.Graph) -> float:
    """Share of possible ties present.

    Parameters
    ----------
    g : igraph.Graph
        A simple graph (as from :func:`build_graph`).

    Returns
    -------
    float
        :math:`m / (n(n-1))` (directed) or :math:`2m / (n(n-1))` (undirected); NaN for fewer than 2 nodes.

    Notes
    -----
    .. math:: \\Delta = \\frac{m}{n(n-1)} \\ \\text{(directed)}, \\qquad \\Delta = \\frac{2m}{n(n-1)} \\
              \\text{(undirected)}

    Examples
    --------
    >>> import igraph as ig
    >>> density(ig.Graph.Full(5))
    1.0

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press, §4.2.
    """
    _require_graph(g)
    n = g.vcount()
    if n < 2:
        return float("nan")
    pairs = n * (n - 1) if g.is_directed() else n * (n - 1) / 2
    return g.ecount() / pairs


def degree_centralization(g: ig.Graph, mode: str = "all") -> float:
    """Freeman's degree centralization of the graph.

    Parameters
    ----------
    g : igraph.Graph
    mode : {"all", "in", "out"}
        ``"all"`` uses the undirected graph (a tie in either direction), ``"in"``/``"out"`` the directed degrees.

    Returns
    -------
    float
        In [0, 1]: 1 for a star (all ties through one node), 0 when all degrees are equal; NaN for n < 3.

    Notes
    -----
    .. math:: C_D = \\frac{\\sum_i (k_{\\max} - k_i)}{\\max_{G'} \\sum_i (k'_{\\max} - k'_i)}

    The denominator is the value of the star: :math:`(n-1)(n-2)` undirected, :math:`(n-1)^2` for in- or
    out-degree.

    Examples
    --------
    >>> import igraph as ig
    >>> degree_centralization(ig.Graph.Star(5))
    1.0

    References
    ----------
    .. [1] Freeman, L. C. (1979). Centrality in networks: I. Conceptual clarification. Social Networks 1, 215–239.
    """
    _require_graph(g)
    require_choice(mode, ("all", "in", "out"), "mode")
    n = g.vcount()
    if n < 3:
        return float("nan")
    if mode == "all" or not g.is_directed():
        ug = g.as_undirected(mode="collapse") if g.is_directed() else g
        k = np.asarray(ug.degree(loops=False), dtype=float)
        denom = (n - 1) * (n - 2)
    else:
        k = np.asarray(g.degree(mode=mode, loops=False), dtype=float)
        denom = (n - 1) ** 2
    return float((k.max() - k).sum() / denom)


@dataclass(frozen=True)
class GraphSummary:
    """Whole-graph statistics of one layer at one scale and period.

    Attributes
    ----------
    n_nodes, n_edges : int
        Vertices and (merged) ties.
    directed : bool
    density : float
        See :func:`density`.
    total_weight, mean_weight : float
        Sum and mean of tie weights.
    degree_centralization : float
        Freeman, undirected degrees (see :func:`degree_centralization`).
    in_centralization, out_centralization : float
        Freeman on in- and out-degrees; NaN for undirected graphs.
    reciprocity : float
        Share of directed ties that are reciprocated; NaN for undirected graphs.
    transitivity : float
        Global clustering (3 × triangles / connected triples) of the undirected graph.
    n_components : int
        Weakly connected components.
    giant_share : float
        Share of nodes in the largest weak component.
    """

    n_nodes: int
    n_edges: int
    directed: bool
    density: float
    total_weight: float
    mean_weight: float
    degree_centralization: float
    in_centralization: float
    out_centralization: float
    reciprocity: float
    transitivity: float
    n_components: int
    giant_share: float


def graph_summary(edges: EdgesOrGraph, directed: bool = True, *, src: str = "src", dst: str = "dst",
                  weight: str | None = "weight", nodes: Sequence[Hashable] | None = None) -> GraphSummary:
    """Whole-graph statistics (density, centralization, reciprocity, transitivity, components).

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
        Edge list (built with :func:`build_graph` and the other arguments) or a graph (then they are ignored).
    directed, src, dst, weight, nodes
        As in :func:`build_graph`.

    Returns
    -------
    GraphSummary

    Notes
    -----
    Reciprocity :math:`= |\\{(i,j) \\in E: (j,i) \\in E\\}| / |E|`; transitivity
    :math:`= 3 \\times \\text{triangles} / \\text{connected triples}`. Other fields: see :func:`density` and
    :func:`degree_centralization`.

    Examples
    --------
    >>> import igraph as ig
    >>> s = graph_summary(ig.Graph.Star(5))
    >>> s.density, s.degree_centralization, s.n_components
    (0.4, 1.0, 1)

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press, §4.2, §5.3.
    """
    g = _as_graph(edges, directed, src, dst, weight, nodes)
    w = _weights_array(g, "weight" if "weight" in g.es.attributes() else None)
    comps = g.connected_components(mode="weak")
    sizes = comps.sizes() if g.vcount() else [0]
    n = g.vcount()
    return GraphSummary(
        n_nodes=n,
        n_edges=g.ecount(),
        directed=g.is_directed(),
        density=density(g),
        total_weight=float(w.sum()),
        mean_weight=float(w.mean()) if len(w) else float("nan"),
        degree_centralization=degree_centralization(g, "all"),
        in_centralization=degree_centralization(g, "in") if g.is_directed() else float("nan"),
        out_centralization=degree_centralization(g, "out") if g.is_directed() else float("nan"),
        reciprocity=float(g.reciprocity()) if (g.is_directed() and g.ecount()) else float("nan"),
        transitivity=float(g.transitivity_undirected(mode="zero")),
        n_components=len(comps) if n else 0,
        giant_share=max(sizes) / n if n else float("nan"),
    )


# ================================================================================================ core–periphery
@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class CorePeriphery:
    """Continuous coreness and a core/periphery split (Borgatti & Everett 1999).

    Attributes
    ----------
    coreness : Series
        Continuous coreness per node, non-negative, unit Euclidean norm.
    core : Series
        Boolean: the node is in the discrete core.
    core_size : int
        Number of core nodes (0 when the graph is too small to split, n < 4).
    fit_continuous : float
        Pearson correlation between :math:`a_{ij}` and :math:`c_i c_j` over pairs :math:`i \\ne j`.
    fit_discrete : float
        Pearson correlation between :math:`a_{ij}` and the ideal pattern (core–core 1, periphery–periphery 0,
        core–periphery cells excluded) for the chosen split.
    converged : bool
        False when the fit stopped at ``max_iter``: on star-like graphs the residual has no minimum (it keeps
        falling as the hub's :math:`c` grows and the others' shrink), and the unit-norm direction reached is
        reported.
    """

    coreness: pd.Series
    core: pd.Series
    core_size: int
    fit_continuous: float
    fit_discrete: float
    converged: bool = True


def core_periphery(g: ig.Graph, weight: str | None = "weight", *, max_iter: int = 1000,
                   tol: float = 1e-10) -> CorePeriphery:
    """Borgatti–Everett continuous coreness (minimum residual fit) and the best core/periphery split.

    Parameters
    ----------
    g : igraph.Graph
        Directed graphs are symmetrised, :math:`a_{ij} = (w_{ij} + w_{ji}) / 2`.
    weight : str or None
        Edge attribute; ``None`` for the binary model.
    max_iter : int
        Iteration cap for the coreness fit.
    tol : float
        Stop when the largest change of the (unit-norm) coreness vector is below ``tol``.

    Returns
    -------
    CorePeriphery

    Notes
    -----
    *Continuous model.* Coreness :math:`c` minimises :math:`\\sum_{i \\ne j} (a_{ij} - c_i c_j)^2`, the minimum
    residual form of Borgatti & Everett's continuous model (Boyd, Fitzgerald & Beck 2006), whose stationarity
    condition is

    .. math:: c_i = \\frac{\\sum_{j \\ne i} a_{ij} c_j}{\\sum_{j \\ne i} c_j^2},

    solved by Levenberg–Marquardt with the exact gradient and Hessian from scaled square-root strengths (the
    plain fixed-point iteration of that condition converges only sublinearly when a few heavy ties dominate);
    the reported ``coreness`` is :math:`c / \\lVert c \\rVert`, and ``fit_continuous`` is Borgatti &
    Everett's :math:`\\rho = \\operatorname{corr}(a_{ij}, c_i c_j)`.

    *Discrete split.* Nodes are ranked by coreness; for each core size :math:`k = 2, \\dots, n-2` the ideal
    pattern :math:`\\delta_{ij} = 1` (both in core), 0 (both in periphery), undefined otherwise, is correlated
    with :math:`a_{ij}` over the defined off-diagonal cells; the ``k`` with the largest correlation is the core
    (Borgatti & Everett's "core/periphery with missing off-diagonal blocks", evaluated along the coreness order,
    in :math:`O(n^2)` with prefix sums).

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Full(4) + ig.Graph(4)            # a 4-clique and 4 isolates ...
    >>> g.add_edges([(0, 4), (1, 5), (2, 6), (3, 7)])  # ... each attached to one clique member
    >>> cp = core_periphery(g, weight=None)
    >>> cp.core.tolist(), cp.core_size
    ([True, True, True, True, False, False, False, False], 4)

    References
    ----------
    .. [1] Borgatti, S. P. & Everett, M. G. (1999). Models of core/periphery structures. Social Networks 21(4),
       375–395.
    .. [2] Boyd, J. P., Fitzgerald, W. J. & Beck, R. J. (2006). Computing core/periphery structures and
       permutation tests for social relations data. Social Networks 28(2), 165–178.
    """
    _require_graph(g)
    max_iter = require_positive_int(max_iter, "max_iter")
    return _core_periphery_from(_csr(g, weight), g.is_directed(), _index(g), max_iter, tol)


def _core_periphery_from(a_sparse: sp.csr_matrix, directed: bool, idx: pd.Index, max_iter: int,
                         tol: float) -> CorePeriphery:
    n = a_sparse.shape[0]
    a = a_sparse.toarray()
    if directed:
        a = (a + a.T) / 2.0
    np.fill_diagonal(a, 0.0)
    c, converged = _coreness(a, max_iter, tol)
    off = ~np.eye(n, dtype=bool)
    fit_c = _corr(a[off], np.outer(c, c)[off]) if n >= 2 else float("nan")
    order = np.argsort(-c, kind="stable")
    k, fit_d = _best_split(a[np.ix_(order, order)])
    core = np.zeros(n, dtype=bool)
    core[order[:k]] = True
    return CorePeriphery(
        coreness=pd.Series(c, index=idx, name="coreness"),
        core=pd.Series(core, index=idx.copy(), name="core"),
        core_size=int(k),
        fit_continuous=fit_c,
        fit_discrete=fit_d,
        converged=converged,
    )


# ================================================================================================ communities
@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class Communities:
    """A Leiden partition.

    Attributes
    ----------
    membership : Series
        Community label per node, ``0`` the community with the largest total strength (then by size, then by
        smallest node index).
    n_communities : int
    objective : str
        ``"undirected"`` (modularity of the graph with ties made undirected, weights of both directions summed)
        or ``"directed"`` (Leicht & Newman's directed modularity).
    modularity : float
        Weighted modularity of the partition at resolution 1, for the ``objective``.
    modularity_directed : float
        Directed modularity of the same partition (NaN for an undirected graph), to compare objectives.
    quality : float
        Modularity at the requested ``resolution`` (the value optimised), same normalisation.
    resolution : float
    seed : int
    implementation : str
        ``"igraph"`` or ``"leidenalg"``.
    """

    membership: pd.Series
    n_communities: int
    objective: str
    modularity: float
    modularity_directed: float
    quality: float
    resolution: float
    seed: int
    implementation: str


def leiden(g: ig.Graph, weight: str | None = "weight", *, resolution: float = 1.0, seed: int = 0,
           n_iterations: int = 2, objective: str = "undirected", implementation: str | None = None) -> Communities:
    r"""Communities by the Leiden algorithm, modularity with a resolution parameter, seeded.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute (``None``: every tie weighs 1).
    resolution : float
        :math:`\gamma > 0`; 1 is plain modularity, larger values give smaller communities.
    seed : int
        Seed of the random number generator; the result is reproducible for a given seed and implementation.
    n_iterations : int
        Leiden iterations (default 2, as in both implementations); ``-1`` iterates until no improvement.
    objective : {"undirected", "directed"}
        ``"undirected"`` (default): for a directed graph the ties are first made undirected, weights of
        ``i→j`` and ``j→i`` summed, the usual reading of flow networks' communities; ``"directed"``: Leicht &
        Newman's directed modularity, optimised by leidenalg.
    implementation : {"igraph", "leidenalg"}, optional
        For the undirected objective: ``"igraph"`` (default) is the C implementation in igraph's core
        (``Graph.community_leiden``), seeded through a private :class:`random.Random` installed as igraph's
        generator for the duration of the call; ``"leidenalg"`` is Traag's reference package
        (``RBConfigurationVertexPartition``), seeded directly. The directed objective uses leidenalg only:
        igraph 1.0's new directed Leiden found much poorer partitions on a heavy-tailed test graph of
        1M nodes / 3.1M ties (directed modularity 0.25 in 30,976 communities, against 0.36 for leidenalg and
        0.35 for the undirected objective; 2 or 10 iterations alike).

    Returns
    -------
    Communities

    Notes
    -----
    Maximises

    .. math:: Q_\gamma = \frac{1}{2m} \sum_{ij} \Big(w_{ij} - \gamma \frac{s_i s_j}{2m}\Big) \delta(c_i, c_j)

    (undirected) or :math:`\frac1m \sum_{ij}(w_{ij} - \gamma s^{out}_i s^{in}_j / m)\,\delta(c_i, c_j)`
    (directed), the configuration null model of Reichardt & Bornholdt. Both implementations are Traag's
    algorithm; on the 1M-node / 5M-tie graph of ``bench/bench_networks.py`` igraph's took 18–23 s (undirected
    objective, modularity 0.515; NetworkX's Louvain 352 s, modularity 0.514) and leidenalg's 274 s (directed objective, 0.515) on a shared 2-core machine;
    on undirected graphs both reach the same modularity. Labels are renumbered by decreasing community
    strength so that they do not depend on internal ids. The igraph path sets igraph's process-wide random generator and
    restores Python's :mod:`random` module (igraph's default) afterwards; do not run it concurrently in
    threads with other randomised igraph calls.

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Full(4) + ig.Graph.Full(4)
    >>> g.add_edges([(0, 4)])
    >>> leiden(g, weight=None).membership.tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    >>> leiden(g, weight=None, implementation="leidenalg").membership.tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]

    References
    ----------
    .. [1] Traag, V. A., Waltman, L. & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
       well-connected communities. Scientific Reports 9, 5233.
    .. [2] Reichardt, J. & Bornholdt, S. (2006). Statistical mechanics of community detection. Phys. Rev. E 74,
       016110.
    .. [3] Leicht, E. A. & Newman, M. E. J. (2008). Community structure in directed networks. Phys. Rev. Lett.
       100, 118703.
    """
    _require_graph(g)
    require_choice(objective, ("undirected", "directed"), "objective")
    if implementation is None:
        implementation = "igraph" if objective == "undirected" else "leidenalg"
    require_choice(implementation, ("igraph", "leidenalg"), "implementation")
    if objective == "directed" and implementation == "igraph":
        raise ConfigError("implementation: the directed objective is optimised with 'leidenalg' only (igraph "
                          "1.0's directed Leiden gave much poorer partitions in the benchmark); pass "
                          "implementation='leidenalg' or objective='undirected'")
    gamma = float(resolution)
    if not (gamma > 0 and math.isfinite(gamma)):
        raise ConfigError(f"resolution: expected a positive number, got {resolution!r}")
    if isinstance(n_iterations, bool) or not isinstance(n_iterations, (int, np.integer)) or n_iterations == 0 \
            or n_iterations < -1:
        raise ConfigError(f"n_iterations: expected a positive integer or -1, got {n_iterations!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed: expected a non-negative integer, got {seed!r}")
    w = _weights(g, weight)
    work, ww = g, w
    if g.is_directed() and objective == "undirected":
        # i→j and j→i become two parallel undirected ties: the same modularity as one tie of weight w_ij + w_ji,
        # and igraph keeps the attribute list as it is instead of combining 5M weights in Python (2.8 s → 1.2 s)
        work = g.as_undirected(mode="each")
    if implementation == "leidenalg":
        import leidenalg  # imported only when asked for

        part = leidenalg.find_partition(work, leidenalg.RBConfigurationVertexPartition, weights=ww,
                                        resolution_parameter=gamma, n_iterations=int(n_iterations),
                                        seed=int(seed))
        raw = np.asarray(part.membership, dtype=np.int64)
    else:
        ig.set_random_number_generator(random.Random(int(seed)))
        try:
            cl = work.community_leiden(objective_function="modularity", weights=ww, resolution=gamma,
                                       n_iterations=int(n_iterations))
        finally:
            ig.set_random_number_generator(random)
        raw = np.asarray(cl.membership, dtype=np.int64)
    labels = _relabel(raw, np.asarray(g.strength(mode="all", weights=w), dtype=float))
    lab = labels.tolist()
    has_ties = g.ecount() > 0
    nan = float("nan")
    directed_obj = g.is_directed() and objective == "directed"
    q1 = float(work.modularity(lab, weights=ww, directed=directed_obj)) if has_ties else nan
    return Communities(
        membership=pd.Series(labels, index=_index(g), name="community"),
        n_communities=int(labels.max() + 1) if len(labels) else 0,
        objective=objective,
        modularity=q1,
        modularity_directed=float(g.modularity(lab, weights=w, directed=True))
        if (has_ties and g.is_directed()) else nan,
        quality=float(work.modularity(lab, weights=ww, resolution=gamma, directed=directed_obj))
        if (has_ties and gamma != 1.0) else q1,
        resolution=gamma,
        seed=int(seed),
        implementation=implementation,
    )


@dataclass(frozen=True)
class PartitionComparison:
    """Agreement between two partitions of the same nodes.

    Attributes
    ----------
    nmi : float
        Normalised mutual information (Danon et al. 2005; arithmetic-mean normalisation), in [0, 1].
    ari : float
        Adjusted Rand index (Hubert & Arabie 1985), 1 for identical partitions, about 0 for random ones.
    n_nodes : int
        Nodes compared.
    """

    nmi: float
    ari: float
    n_nodes: int


def compare_partitions(a: pd.Series | Sequence[Hashable], b: pd.Series | Sequence[Hashable]) -> PartitionComparison:
    """NMI and adjusted Rand index between two partitions (e.g. Leiden communities vs provinces).

    Parameters
    ----------
    a, b : Series or sequence
        Group labels. Two Series are aligned on their index (which must contain the same nodes); plain sequences
        must have the same length and order.

    Returns
    -------
    PartitionComparison

    Notes
    -----
    With :math:`n_{uv}` the contingency table, :math:`H` entropies and :math:`I` mutual information,

    .. math:: \\mathrm{NMI} = \\frac{2 I(A, B)}{H(A) + H(B)}, \\qquad
              \\mathrm{ARI} = \\frac{\\sum_{uv} \\binom{n_{uv}}{2} - E}{\\tfrac12 \\big[\\sum_u \\binom{a_u}{2}
              + \\sum_v \\binom{b_v}{2}\\big] - E}, \\quad
              E = \\frac{\\sum_u \\binom{a_u}{2} \\sum_v \\binom{b_v}{2}}{\\binom n2}

    computed by :func:`igraph.compare_communities`.

    Examples
    --------
    >>> r = compare_partitions([0, 0, 1, 1], ["x", "x", "y", "y"])
    >>> r.nmi, r.ari
    (1.0, 1.0)

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. & Arenas, A. (2005). Comparing community structure
       identification. J. Stat. Mech. P09008.
    .. [2] Hubert, L. & Arabie, P. (1985). Comparing partitions. J. Classification 2, 193–218.
    """
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if set(a.index) != set(b.index) or len(a) != len(b):
            raise ConfigError("a, b: expected two Series over the same nodes; their indexes differ "
                              f"({len(set(a.index) ^ set(b.index))} nodes in only one of them)")
        b = b.loc[a.index]
    va = pd.Series(list(a) if not isinstance(a, pd.Series) else a.to_numpy())
    vb = pd.Series(list(b) if not isinstance(b, pd.Series) else b.to_numpy())
    if len(va) != len(vb):
        raise ConfigError(f"a, b: expected partitions of the same length, got {len(va)} and {len(vb)}")
    if va.isna().any() or vb.isna().any():
        raise ConfigError("a, b: expected a group for every node, found missing labels")
    if len(va) == 0:
        raise ConfigError("a, b: expected at least one node")
    ca = pd.factorize(va)[0].tolist()
    cb = pd.factorize(vb)[0].tolist()
    nmi = ig.compare_communities(ca, cb, method="nmi")
    if max(ca) == 0 and max(cb) == 0:
        ari = 1.0  # both trivial: identical
    else:
        ari = ig.compare_communities(ca, cb, method="adjusted_rand")
    return PartitionComparison(nmi=float(nmi), ari=float(ari), n_nodes=len(ca))


def group_flows(edges: EdgesOrGraph, groups: pd.Series | dict, *, src: str = "src", dst: str = "dst",
                weight: str | None = "weight", directed: bool = True) -> pd.DataFrame:
    """Tie weight between and within groups of nodes (e.g. provinces, functional areas).

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
        Edge list or graph (self-loops are ignored, as in :func:`build_graph`).
    groups : Series or dict
        Group of every node (node id → group). Every endpoint must have a group.
    src, dst, weight : str
        Column names of an edge list.
    directed : bool
        False merges ``g→h`` and ``h→g`` (the pair is reported with the smaller group first).

    Returns
    -------
    DataFrame
        Columns ``src_group``, ``dst_group``, ``weight``, ``share`` (of the total), sorted by weight descending.

    Notes
    -----
    .. math:: F_{gh} = \\sum_{i \\in g, j \\in h, i \\ne j} w_{ij}

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["a", "a", "b"], "dst": ["b", "c", "c"], "weight": [1.0, 2.0, 3.0]})
    >>> group_flows(e, {"a": "P1", "b": "P1", "c": "P2"})[["src_group", "dst_group", "weight"]].values.tolist()
    [['P1', 'P2', 5.0], ['P1', 'P1', 1.0]]

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press, ch. 10
       (blockmodels: block densities and sums).
    """
    e = _edges_of(edges, src, dst, weight)
    gmap = pd.Series(groups) if isinstance(groups, dict) else groups
    if not isinstance(gmap, pd.Series):
        raise ConfigError(f"groups: expected a Series or dict node → group, got {type(groups).__name__}")
    gs = e["src"].map(gmap)
    gd = e["dst"].map(gmap)
    miss = gs.isna() | gd.isna()
    if miss.any():
        i = np.flatnonzero(miss.to_numpy())[0]
        node = _py(e["src"].iloc[i] if pd.isna(gs.iloc[i]) else e["dst"].iloc[i])
        raise ConfigError(f"groups: node {node!r} has no group; give every endpoint a group")
    frame = pd.DataFrame({"src_group": gs.to_numpy(), "dst_group": gd.to_numpy(), "weight": e["weight"].to_numpy()})
    if not directed:
        lo = frame[["src_group", "dst_group"]].astype(str).min(axis=1)
        swap = frame["src_group"].astype(str) != lo
        frame.loc[swap, ["src_group", "dst_group"]] = frame.loc[swap, ["dst_group", "src_group"]].to_numpy()
    out = frame.groupby(["src_group", "dst_group"], sort=True, as_index=False)["weight"].sum()
    total = out["weight"].sum()
    out["share"] = out["weight"] / total if total > 0 else np.nan
    return out.sort_values(["weight", "src_group", "dst_group"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def crossing_share(edges: EdgesOrGraph, groups: pd.Series | dict, *, src: str = "src", dst: str = "dst",
                   weight: str | None = "weight") -> float:
    """Share of tie weight between nodes of different groups (e.g. cross-province share of co-patents).

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
    groups : Series or dict
        Node id → group (province, community membership from :func:`leiden`, ...).
    src, dst, weight : str
        Column names of an edge list.

    Returns
    -------
    float
        In [0, 1]; NaN when the total weight is 0.

    Notes
    -----
    .. math:: X = \\frac{\\sum_{i \\ne j} w_{ij} [g_i \\ne g_j]}{\\sum_{i \\ne j} w_{ij}}

    Self-loops are excluded (see :func:`build_graph`).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["a", "a", "b"], "dst": ["b", "c", "c"], "weight": [1.0, 2.0, 3.0]})
    >>> crossing_share(e, {"a": "P1", "b": "P1", "c": "P2"})
    0.8333333333333334

    References
    ----------
    .. [1] Newman, M. E. J. (2010). Networks: An Introduction. Oxford University Press, §11.2 (cut size).
    """
    f = group_flows(edges, groups, src=src, dst=dst, weight=weight)
    total = f["weight"].sum()
    if total <= 0:
        return float("nan")
    return float(f.loc[f["src_group"] != f["dst_group"], "weight"].sum() / total)


# ================================================================================================ multiplex
def layer_overlap(edges: pd.DataFrame, directed: bool = True, *, layer: str = "layer", src: str = "src",
                  dst: str = "dst", weight: str | None = "weight") -> pd.DataFrame:
    """Pairwise overlap of layers: Jaccard index of tie sets and correlation of tie weights.

    Parameters
    ----------
    edges : DataFrame
        Long edge list with a layer column (e.g. the six networks of one scale and period).
    directed : bool
        Compare directed ties (``a→b`` differs from ``b→a``) or undirected ones.
    layer, src, dst, weight : str
        Column names.

    Returns
    -------
    DataFrame
        One row per unordered pair of layers (in order of first appearance): ``layer_a``, ``layer_b``, ``n_a``,
        ``n_b`` (ties), ``n_common``, ``jaccard``, ``weight_corr``.

    Notes
    -----
    With :math:`E_\\alpha` the tie set of layer :math:`\\alpha` (self-loops and zero weights dropped, duplicates
    merged),

    .. math:: J_{\\alpha\\beta} = \\frac{|E_\\alpha \\cap E_\\beta|}{|E_\\alpha \\cup E_\\beta|}

    and ``weight_corr`` is Pearson's correlation of :math:`w^\\alpha_{ij}` and :math:`w^\\beta_{ij}` over
    :math:`E_\\alpha \\cup E_\\beta`, a tie missing from a layer counting 0 (NaN when undefined). For the
    correlation over *all* node pairs with a significance test use :func:`qap_correlation`.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"layer": ["k", "k", "i"], "src": ["a", "b", "a"], "dst": ["b", "c", "b"],
    ...                   "weight": [1.0, 2.0, 5.0]})
    >>> layer_overlap(e)[["layer_a", "layer_b", "n_common", "jaccard"]].values.tolist()
    [['k', 'i', 1, 0.5]]

    References
    ----------
    .. [1] Bianconi, G. (2013). Statistical mechanics of multiplex networks: entropy and overlap. Phys. Rev. E
       87, 062806.
    .. [2] Battiston, F., Nicosia, V. & Latora, V. (2014). Structural measures for multiplex networks. Phys. Rev.
       E 89, 032804.
    """
    wide = _layer_wide(edges, directed, layer, src, dst, weight)
    rows = []
    for la, lb in combinations(list(wide.columns), 2):
        xa = wide[la].to_numpy()
        xb = wide[lb].to_numpy()
        pa, pb = xa > 0, xb > 0
        union = pa | pb
        common = int((pa & pb).sum())
        rows.append({
            "layer_a": la, "layer_b": lb, "n_a": int(pa.sum()), "n_b": int(pb.sum()), "n_common": common,
            "jaccard": common / int(union.sum()) if union.any() else float("nan"),
            "weight_corr": _corr(xa[union], xb[union]),
        })
    return pd.DataFrame(rows, columns=["layer_a", "layer_b", "n_a", "n_b", "n_common", "jaccard", "weight_corr"])


def participation_coefficient(edges: pd.DataFrame, directed: bool = True, *, layer: str = "layer",
                              src: str = "src", dst: str = "dst", weight: str | None = "weight",
                              weighted: bool = False, layers: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Multiplex participation coefficient of every node (Battiston, Nicosia & Latora 2014).

    Parameters
    ----------
    edges : DataFrame
        Long edge list with a layer column.
    directed : bool
        How ties are merged before counting (degree counts in- and out-ties either way).
    layer, src, dst, weight : str
        Column names.
    weighted : bool
        Use strengths instead of degrees.
    layers : sequence, optional
        The layers :math:`M` counts, including layers without ties (default: those present).

    Returns
    -------
    DataFrame
        Index ``node``; columns ``overlapping_degree`` (:math:`o_i`, or strength), one column per layer with the
        node's degree (strength) there, and ``participation`` (:math:`P_i`).

    Notes
    -----
    .. math:: P_i = \\frac{M}{M-1} \\Big[1 - \\sum_{\\alpha=1}^{M} \\Big(\\frac{k_i^{[\\alpha]}}{o_i}\\Big)^2\\Big],
              \\qquad o_i = \\sum_\\alpha k_i^{[\\alpha]}

    :math:`P_i = 1` when a node's ties are spread evenly over all layers, 0 when they are all in one layer.
    NaN when :math:`M < 2`.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"layer": ["k", "i"], "src": ["a", "a"], "dst": ["b", "c"]})
    >>> participation_coefficient(e, weight=None)["participation"].tolist()
    [1.0, 0.0, 0.0]

    References
    ----------
    .. [1] Battiston, F., Nicosia, V. & Latora, V. (2014). Structural measures for multiplex networks. Phys. Rev.
       E 89, 032804, eq. (13).
    """
    require_frame(edges, "edges")
    require_columns(edges, [layer], "edges")
    names = list(pd.unique(edges[layer])) if layers is None else list(layers)
    if layers is not None:
        extra = set(pd.unique(edges[layer])) - set(names)
        if extra:
            raise ConfigError(f"layers: edges has layers {sorted(map(str, extra))} not in layers")
    cols = {}
    for name in names:
        sub = edges[edges[layer] == name]
        if len(sub) == 0:
            cols[name] = pd.Series(dtype=float)
            continue
        g = build_graph(sub, directed, src=src, dst=dst, weight=weight)
        cols[name] = strength(g, "weight" if weighted else None, mode="all")
    k = pd.DataFrame(cols).fillna(0.0)
    k.index.name = "node"
    m = len(names)
    o = k.sum(axis=1)
    share = k.div(o.where(o > 0), axis=0)
    p = (m / (m - 1)) * (1.0 - (share ** 2).sum(axis=1, min_count=1)) if m >= 2 else pd.Series(np.nan, index=k.index)
    out = k.copy()
    out.insert(0, "overlapping_degree", o)
    out["participation"] = p.where(o > 0)
    return out


@dataclass(frozen=True)
class QAPResult:
    """Quadratic assignment procedure test of the correlation of two relations.

    Attributes
    ----------
    r : float
        Pearson correlation of the off-diagonal cells.
    p_greater, p_less : float
        One-sided permutation p-values, :math:`(1 + \\#\\{r_\\pi \\ge r\\}) / (1 + P)` and the same with
        :math:`\\le`.
    p_two_sided : float
        :math:`(1 + \\#\\{|r_\\pi| \\ge |r|\\}) / (1 + P)`.
    n_permutations : int
    seed : int
    """

    r: float
    p_greater: float
    p_less: float
    p_two_sided: float
    n_permutations: int
    seed: int


def qap_correlation(x: np.ndarray | pd.DataFrame, y: np.ndarray | pd.DataFrame, *, n_permutations: int = 999,
                    seed: int = 0) -> QAPResult:
    """QAP correlation between two layers' matrices with a permutation p-value.

    Parameters
    ----------
    x, y : ndarray or DataFrame
        Square matrices of the same nodes (e.g. from :func:`adjacency_matrix` with the same ``nodes``). Two
        DataFrames are aligned on their labels. Diagonals are ignored.
    n_permutations : int
        Number of random node relabellings.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    QAPResult

    Notes
    -----
    .. math:: r = \\operatorname{corr}\\big(x_{ij}, y_{ij}\\big)_{i \\ne j}, \\qquad
              r_\\pi = \\operatorname{corr}\\big(x_{ij}, y_{\\pi(i)\\pi(j)}\\big)_{i \\ne j}

    Rows and columns of ``y`` are permuted together, which keeps the dependence among cells of the same node that
    invalidates the ordinary test for dyadic data. Because a permutation maps off-diagonal cells to off-diagonal
    cells, the mean and variance of ``y`` are unchanged and :math:`r_\\pi` is a centred dot product.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> a = rng.random((12, 12))
    >>> res = qap_correlation(a, a + 0.1 * rng.random((12, 12)), n_permutations=199)
    >>> bool(res.r > 0.9), res.p_greater
    (True, 0.005)

    References
    ----------
    .. [1] Krackhardt, D. (1987). QAP partialling as a test of spuriousness. Social Networks 9(2), 171–186.
    .. [2] Hubert, L. J. (1987). Assignment Methods in Combinatorial Data Analysis. Marcel Dekker.
    """
    if isinstance(x, pd.DataFrame) and isinstance(y, pd.DataFrame):
        if set(x.index) != set(y.index) or set(x.columns) != set(y.columns):
            raise ConfigError("x, y: expected matrices over the same nodes; their labels differ")
        y = y.loc[x.index, x.columns]
    xa = as_square(x, "x")
    ya = as_square(y, "y")
    if xa.shape != ya.shape:
        raise ConfigError(f"x, y: expected matrices of the same shape, got {xa.shape} and {ya.shape}")
    n_perm = require_positive_int(n_permutations, "n_permutations")
    n = xa.shape[0]
    if n < 3:
        raise ConfigError(f"x: expected at least 3 nodes for a QAP test, got {n}")
    off = ~np.eye(n, dtype=bool)
    xc = np.where(off, xa - xa[off].mean(), 0.0)
    yc = np.where(off, ya - ya[off].mean(), 0.0)
    denom = math.sqrt(float((xc ** 2).sum()) * float((yc ** 2).sum()))
    if denom == 0:
        raise ConfigError("x, y: a matrix is constant off the diagonal; the correlation is undefined")
    r = float((xc * yc).sum() / denom)
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n_perm, n)), axis=1)
    chunk = max(1, int(4_000_000 // (n * n)))
    r_perm = np.empty(n_perm)
    flat_x = xc.ravel()
    for start in range(0, n_perm, chunk):
        p = perms[start:start + chunk]
        yp = yc[p[:, :, None], p[:, None, :]].reshape(len(p), -1)
        r_perm[start:start + chunk] = yp @ flat_x / denom
    eps = 1e-12
    return QAPResult(
        r=r,
        p_greater=float((1 + np.sum(r_perm >= r - eps)) / (1 + n_perm)),
        p_less=float((1 + np.sum(r_perm <= r + eps)) / (1 + n_perm)),
        p_two_sided=float((1 + np.sum(np.abs(r_perm) >= abs(r) - eps)) / (1 + n_perm)),
        n_permutations=n_perm,
        seed=int(seed),
    )


# ================================================================================================ all at once
#: columns of :func:`node_metrics`, in order
NODE_METRIC_COLUMNS: tuple[str, ...] = (
    "node", "degree_in", "degree_out", "degree", "strength_in", "strength_out", "strength", "betweenness",
    "closeness_in", "closeness_out", "eigenvector", "pagerank", "clustering", "clustering_weighted",
    "constraint", "effective_size", "coreness", "core",
)


def node_metrics(edges: EdgesOrGraph, directed: bool = True, *, src: str = "src", dst: str = "dst",
                 weight: str | None = "weight", nodes: Sequence[Hashable] | None = None,
                 damping: float = 0.85) -> pd.DataFrame:
    """All node metrics of one (place-level) graph in one frame.

    Parameters
    ----------
    edges : DataFrame or igraph.Graph
        Edge list (see :func:`build_graph`) or a graph built by it (then ``directed``, ``src``, ``dst``,
        ``weight`` and ``nodes`` are ignored and the ``weight`` attribute is used).
    directed : bool
        Direction of the ties (supply links are directed, co-patents are not).
    src, dst, weight, nodes
        As in :func:`build_graph`.
    damping : float
        PageRank damping factor.

    Returns
    -------
    DataFrame
        One row per node, columns :data:`NODE_METRIC_COLUMNS`:

        ========================  ===========================================================================
        node                      node id
        degree_in/out, degree     number of partners (in, out, in + out; equal for undirected graphs)
        strength_in/out, strength summed tie weights, same split (:func:`strength`)
        betweenness               normalised, length ``1/weight`` (:func:`betweenness`)
        closeness_in/out          Wasserman–Faust closeness to / from the node (:func:`closeness`)
        eigenvector               unit-norm eigenvector centrality, in-ties, giant component (:func:`eigenvector`)
        pagerank                  weighted PageRank (:func:`pagerank`)
        clustering                binary local clustering, direction ignored (:func:`clustering`)
        clustering_weighted       Onnela weighted clustering (:func:`clustering`)
        constraint                Burt's constraint (:func:`constraint`)
        effective_size            Burt's effective size (:func:`effective_size`)
        coreness, core            continuous coreness and discrete core membership (:func:`core_periphery`)
        ========================  ===========================================================================

    Notes
    -----
    One graph build and one call per metric, each in C (igraph) or sparse matrix algebra; for a 41-node dense
    weighted graph it takes a few milliseconds, so all 6 layers × 5 scales × 10 periods run in about 1.5 s
    (``bench/bench_networks.py``). Formulas are in the functions listed above. Eigenvector centrality is
    computed on the largest (strongly) connected component, 0 elsewhere (see :func:`eigenvector`).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"src": ["上海", "上海", "苏州"], "dst": ["苏州", "杭州", "杭州"],
    ...                   "weight": [3.0, 2.0, 1.0]})
    >>> m = node_metrics(e, directed=False)
    >>> m[["node", "degree", "strength"]].values.tolist()
    [['上海', 2, 5.0], ['杭州', 2, 3.0], ['苏州', 2, 4.0]]

    References
    ----------
    .. [1] Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press.
    .. [2] See the References of each metric function.
    """
    g = _as_graph(edges, directed, src, dst, weight, nodes)
    wname = "weight" if "weight" in g.es.attributes() else None
    idx = _index(g)
    w = _weights(g, wname)
    lengths = _lengths(g, wname)
    n = g.vcount()
    a = _csr(g, wname)
    mw = _mutual(a)
    sym = (a + a.T).tocsr() if g.is_directed() else a
    cp = _core_periphery_from(a, g.is_directed(), idx, 1000, 1e-10)
    values = {
        "node": idx.to_numpy(),
        "degree_in": np.asarray(g.degree(mode="in", loops=False)),
        "degree_out": np.asarray(g.degree(mode="out", loops=False)),
        "degree": np.asarray(g.degree(mode="all", loops=False)),
        "strength_in": np.asarray(g.strength(mode="in", loops=False, weights=w), dtype=float),
        "strength_out": np.asarray(g.strength(mode="out", loops=False, weights=w), dtype=float),
        "strength": np.asarray(g.strength(mode="all", loops=False, weights=w), dtype=float),
        "betweenness": np.asarray(g.betweenness(directed=True, weights=lengths), dtype=float)
        * _betweenness_scale(n, g.is_directed()),
        "closeness_in": closeness(g, wname, mode="in").to_numpy(),
        "closeness_out": closeness(g, wname, mode="out").to_numpy(),
        "eigenvector": eigenvector(g, wname).to_numpy(),
        "pagerank": pagerank(g, wname, damping=damping).to_numpy(),
        "clustering": clustering(g, None).to_numpy(),
        "clustering_weighted": _onnela(sym),
        "constraint": _constraint_values(mw),
        "effective_size": _effective_size_values(mw),
        "coreness": cp.coreness.to_numpy(),
        "core": cp.core.to_numpy(),
    }
    return pd.DataFrame(values, columns=list(NODE_METRIC_COLUMNS))


# ================================================================================================ helpers
def _require_graph(g: object) -> None:
    if not isinstance(g, ig.Graph):
        raise ConfigError(f"g: expected an igraph.Graph (see build_graph), got {type(g).__name__}")


def _py(x: object) -> object:
    """NumPy scalar → Python scalar, so that messages show ``9``, not ``np.int64(9)``."""
    return x.item() if isinstance(x, np.generic) else x


def _as_graph(edges: EdgesOrGraph, directed: bool, src: str, dst: str, weight: str | None,
              nodes: Sequence[Hashable] | None) -> ig.Graph:
    if isinstance(edges, ig.Graph):
        return edges
    return build_graph(edges, directed, src=src, dst=dst, weight=weight, nodes=nodes)


def _index(g: ig.Graph) -> pd.Index:
    if "name" in g.vs.attributes():
        return pd.Index(g.vs["name"], name="node")
    return pd.RangeIndex(g.vcount(), name="node")


def _weights(g: ig.Graph, weight: str | None) -> str | None:
    """Checked edge attribute name for igraph's ``weights=`` (igraph reads it in C, no list round trip)."""
    if weight is None:
        return None
    if weight not in g.es.attributes():
        if g.ecount() == 0:
            return None
        raise ConfigError(f"weight: the graph has no edge attribute {weight!r} "
                          f"(it has {g.es.attributes()}); pass weight=None for an unweighted graph")
    return weight


def _weights_array(g: ig.Graph, weight: str | None) -> np.ndarray:
    w = _weights(g, weight)
    return np.ones(g.ecount()) if w is None else np.asarray(g.es[w], dtype=float)


def _lengths(g: ig.Graph, weight: str | None) -> list[float] | None:
    """Path length of each tie: 1 / weight."""
    w = _weights(g, weight)
    if w is None:
        return None
    arr = np.asarray(g.es[w], dtype=float)
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise ConfigError(f"weight: expected positive finite tie weights to use 1/{weight} as length; "
                          f"found {arr[(arr <= 0) | ~np.isfinite(arr)][0]!r}")
    return (1.0 / arr).tolist()


def _brandes_sources(indptr: np.ndarray, heads: np.ndarray, lengths: np.ndarray, weighted: bool,
                     sources: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled by numba
    """Sum of Brandes' single-source dependencies over ``sources`` (compiled by :func:`_brandes_kernel`).

    The ties of ``v`` are ``heads[indptr[v]:indptr[v+1]]`` with ``lengths`` in the same order. The search is
    NetworkX's (``_single_source_dijkstra_path_basic`` with a 4-ary heap, or its breadth-first search when not
    ``weighted``): ``v`` is a predecessor of ``w`` when it was settled before ``w`` and ``d(v) + l(v, w) == d(w)``
    in floating point, NetworkX's rule, and path counts add up over predecessors. The dependencies of
    ``_accumulate_basic`` are then pulled from the successors, latest settled first:
    :math:`\\delta(v) = \\sigma(v) \\sum_{w: v \\in P(w)} (1 + \\delta(w)) / \\sigma(w)`.
    """
    n = len(indptr) - 1
    acc = np.zeros(n)
    dist = np.full(n, np.inf)
    sigma = np.zeros(n)
    coeff = np.zeros(n)  # (1 + delta(w)) / sigma(w) once w is done
    pos = np.full(n, -1, dtype=np.int32)
    order = np.empty(n, dtype=np.int32)
    heap_d = np.empty(len(heads) + 1)
    heap_v = np.empty(len(heads) + 1, dtype=np.int32)
    for s in sources:
        settled = 0
        dist[s] = 0.0
        sigma[s] = 1.0
        if weighted:  # Dijkstra with a lazy 4-ary heap (stale entries skipped when popped)
            size = 1
            heap_d[0], heap_v[0] = 0.0, s
            while size:
                d, v = heap_d[0], heap_v[0]
                size -= 1
                ld, lv = heap_d[size], heap_v[size]
                i = 0
                while True:  # sift the last item down from the root
                    c = 4 * i + 1
                    if c >= size:
                        break
                    best, bd = c, heap_d[c]
                    for j in range(c + 1, min(c + 4, size)):
                        if heap_d[j] < bd:
                            best, bd = j, heap_d[j]
                    if bd < ld:
                        heap_d[i], heap_v[i] = bd, heap_v[best]
                        i = best
                    else:
                        break
                heap_d[i], heap_v[i] = ld, lv
                if pos[v] >= 0:
                    continue
                pos[v] = settled
                order[settled] = v
                settled += 1
                for e in range(indptr[v], indptr[v + 1]):
                    w = heads[e]
                    if pos[w] >= 0:
                        continue
                    vw = d + lengths[e]
                    if vw < dist[w]:
                        dist[w] = vw
                        sigma[w] = sigma[v]
                        i = size
                        size += 1
                        while i > 0:  # sift up
                            p = (i - 1) // 4
                            if heap_d[p] > vw:
                                heap_d[i], heap_v[i] = heap_d[p], heap_v[p]
                                i = p
                            else:
                                break
                        heap_d[i], heap_v[i] = vw, w
                    elif vw == dist[w]:
                        sigma[w] += sigma[v]
        else:  # breadth-first search
            order[0] = s
            pos[s] = 0
            settled = 1
            head = 0
            while head < settled:
                v = order[head]
                head += 1
                for e in range(indptr[v], indptr[v + 1]):
                    w = heads[e]
                    if pos[w] < 0:
                        pos[w] = settled
                        order[settled] = w
                        settled += 1
                        dist[w] = dist[v] + 1.0
                    if dist[w] == dist[v] + 1.0:
                        sigma[w] += sigma[v]
        for k in range(settled - 1, -1, -1):
            v = order[k]
            dv, pv = dist[v], pos[v]
            pulled = 0.0
            for e in range(indptr[v], indptr[v + 1]):
                w = heads[e]
                if pos[w] > pv and dv + lengths[e] == dist[w]:
                    pulled += coeff[w]
            delta = sigma[v] * pulled
            coeff[v] = (1.0 + delta) / sigma[v]
            if k > 0:
                acc[v] += delta
        for k in range(settled):  # reset what this source touched
            v = order[k]
            dist[v] = np.inf
            sigma[v] = 0.0
            coeff[v] = 0.0
            pos[v] = -1
    return acc


@functools.cache
def _brandes_kernel() -> Callable[..., np.ndarray]:
    """:func:`_brandes_sources` compiled by Numba (once per process; the machine code is cached on disk)."""
    try:
        import numba
    except ImportError as exc:  # a declared dependency; say how to get it back
        raise ConfigError("sampled_betweenness needs numba: pip install 'numba==0.68.1'") from exc
    return numba.njit(cache=True, nogil=True)(_brandes_sources)


def _pagerank_power(a: sp.csr_matrix, alpha: float, tol: float, max_iter: int = 100_000) -> np.ndarray:
    """Power iteration of PageRank on a weighted adjacency ``a`` until the L1 error bound is below ``tol``."""
    n = a.shape[0]
    if n == 0:
        return np.zeros(0)
    out = np.asarray(a.sum(axis=1)).ravel()
    dangling = out == 0
    pt = (_row_scale(a, _safe_inv(out))).T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = pt @ x
        new *= alpha
        new += (alpha * x[dangling].sum() + 1.0 - alpha) / n
        change = float(np.abs(new - x).sum())
        x = new
        if alpha * change <= tol * (1.0 - alpha):
            return x / x.sum()
    raise ConfigError(f"tol: PageRank did not reach an L1 error below {tol} in {max_iter} iterations; loosen tol")


def _betweenness_scale(n: int, directed: bool) -> float:
    if n <= 2:
        return 1.0
    return 1.0 / ((n - 1) * (n - 2)) if directed else 2.0 / ((n - 1) * (n - 2))


def _csr(g: ig.Graph, weight: str | None) -> sp.csr_matrix:
    """Weighted adjacency as CSR; symmetric for undirected graphs; duplicate edges summed."""
    n = g.vcount()
    e = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = _weights_array(g, weight)
    a = sp.csr_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n))
    if not g.is_directed():
        diag = a.diagonal()
        a = (a + a.T).tocsr()
        if diag.any():  # an undirected self-loop is one tie, not two
            a = (a - sp.diags(diag)).tocsr()
            a.eliminate_zeros()
    return a


def _mutual(a: sp.csr_matrix) -> sp.csr_matrix:
    """Mutual weights m_ij = a_ij + a_ji (NetworkX's convention, also for undirected graphs: 2 w_ij)."""
    m = (a + a.T).tocsr()
    diag = m.diagonal()
    if diag.any():
        m = (m - sp.diags(diag)).tocsr()
        m.eliminate_zeros()
    return m


def _constraint_values(mw: sp.csr_matrix) -> np.ndarray:
    rs = np.asarray(mw.sum(axis=1)).ravel()
    p = _row_scale(mw, _safe_inv(rs))
    local = (p + p @ p).tocsr()
    mask = mw.copy()
    mask.data = np.ones_like(mask.data)
    c = np.asarray(mask.multiply(local.multiply(local)).sum(axis=1)).ravel()
    c[rs == 0] = np.nan
    return c


def _effective_size_values(mw: sp.csr_matrix) -> np.ndarray:
    rs = np.asarray(mw.sum(axis=1)).ravel()
    rmax = np.asarray(mw.max(axis=1).todense()).ravel()
    p = _row_scale(mw, _safe_inv(rs))
    q = _row_scale(mw, _safe_inv(rmax))
    red = (p @ q.T).tocsr()
    mask = mw.copy()
    mask.data = np.ones_like(mask.data)
    deg = np.asarray(mask.sum(axis=1)).ravel()
    e = deg - np.asarray(mask.multiply(red).sum(axis=1)).ravel()
    e[rs == 0] = np.nan
    return e


def _row_scale(a: sp.csr_matrix, factors: np.ndarray) -> sp.csr_matrix:
    return sp.diags(factors) @ a


def _safe_inv(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x, dtype=float)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


def _onnela(a: sp.csr_matrix) -> np.ndarray:
    n = a.shape[0]
    if a.nnz == 0:
        return np.zeros(n)
    c = a.copy().astype(float).tocsr()
    c.setdiag(0.0)  # self-loops close no triangle
    c.eliminate_zeros()
    if c.nnz == 0:
        return np.zeros(n)
    c.data = np.cbrt(c.data / c.data.max())
    tri = np.asarray((c @ c).multiply(c).sum(axis=1)).ravel()
    k = np.diff(c.indptr).astype(float)
    denom = k * (k - 1)
    out = np.zeros(n)
    np.divide(tri, denom, out=out, where=denom > 0)
    return out


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    xc = x - x.mean()
    yc = y - y.mean()
    d = math.sqrt(float(xc @ xc) * float(yc @ yc))
    return float(xc @ yc / d) if d > 0 else float("nan")


def _coreness(a: np.ndarray, max_iter: int, tol: float) -> tuple[np.ndarray, bool]:
    """Minimum-residual coreness: argmin_c sum_{i != j} (a_ij - c_i c_j)^2 for symmetric ``a`` (zero diagonal).

    Levenberg–Marquardt on the exact gradient and Hessian (n × n), started from scaled square-root strengths.
    The plain fixed-point iteration c_i = sum_j a_ij c_j / sum_{j != i} c_j^2 converges only sublinearly when a
    few heavy ties dominate (a hub with c_hub >> c_j), which weighted flow data often have.
    """
    n = a.shape[0]
    s = a.sum(axis=1)
    if n == 0 or not (s > 0).any():
        return np.zeros(n), True
    off = ~np.eye(n, dtype=bool)

    def loss(c: np.ndarray) -> float:
        r = (a - np.outer(c, c))[off]
        return float(r @ r)

    # start: rank-1 scale of sqrt(strength), fitted in closed form along that direction
    c = np.sqrt(s)
    cc = np.outer(c, c)[off]
    c = c * (float(a[off] @ cc) / float(cc @ cc)) ** 0.25
    f = loss(c)
    mu = 1e-3 * float(np.abs(a).max() + 1e-300)
    for _ in range(max_iter):
        sq = float(c @ c) - c ** 2
        grad = -4.0 * (a @ c - c * sq)
        hess = -4.0 * a + 8.0 * np.outer(c, c)
        hess[np.diag_indices(n)] = 4.0 * sq
        scale = max(float(np.abs(c).max()), 1e-300)
        accepted = False
        for _inner in range(60):
            try:
                step = np.linalg.solve(hess + mu * np.eye(n), -grad)
            except np.linalg.LinAlgError:
                mu *= 10.0
                continue
            new = c + step
            f_new = loss(new)
            if f_new <= f:
                accepted = True
                c, f = new, f_new
                mu = max(mu / 3.0, 1e-12 * float(np.abs(hess).max() + 1e-300))
                break
            mu *= 4.0
        if not accepted or np.abs(step).max() <= tol * scale:
            converged = True
            break
    else:  # no minimum (star-like graphs): the residual still falls while c runs off along one direction
        converged = False
    c = np.abs(c)
    norm = float(np.linalg.norm(c))
    return (c / norm if norm > 0 else c), converged


def _best_split(b: np.ndarray) -> tuple[int, float]:
    """Best core size along the given order (b sorted by coreness, zero diagonal, symmetric)."""
    n = b.shape[0]
    if n < 4:
        return 0, float("nan")
    cs = b.cumsum(0).cumsum(1)
    cs2 = (b * b).cumsum(0).cumsum(1)
    rows = b.sum(axis=1).cumsum()
    rows2 = (b * b).sum(axis=1).cumsum()
    total, total2 = cs[-1, -1], cs2[-1, -1]
    k = np.arange(2, n - 1)
    cc = cs[k - 1, k - 1]
    cc2 = cs2[k - 1, k - 1]
    pp = total - 2 * rows[k - 1] + cc
    pp2 = total2 - 2 * rows2[k - 1] + cc2
    n1 = k * (k - 1.0)
    n0 = (n - k) * (n - k - 1.0)
    nn = n1 + n0
    mean = (cc + pp) / nn
    var_x = (cc2 + pp2) / nn - mean ** 2
    f1 = n1 / nn
    cov = cc / nn - mean * f1
    var_y = f1 * (1 - f1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(var_x * var_y)
    if not np.isfinite(r).any():
        return 0, float("nan")
    best = int(np.nanargmax(r))
    return int(k[best]), float(r[best])


def _relabel(labels: np.ndarray, node_strength: np.ndarray) -> np.ndarray:
    """Renumber communities: largest total strength first, then size, then smallest member index."""
    if len(labels) == 0:
        return labels
    uniq, inv = np.unique(labels, return_inverse=True)
    tot = np.bincount(inv, weights=node_strength)
    size = np.bincount(inv)
    first = np.full(len(uniq), len(labels))
    np.minimum.at(first, inv, np.arange(len(labels)))
    order = np.lexsort((first, -size, -tot))
    new = np.empty(len(uniq), dtype=np.int64)
    new[order] = np.arange(len(uniq))
    return new[inv]


def _edges_of(edges: EdgesOrGraph, src: str, dst: str, weight: str | None) -> pd.DataFrame:
    """Edge list with columns src, dst, weight (> 0, self-loops dropped) from a frame or a graph."""
    if isinstance(edges, ig.Graph):
        return edge_frame(edges, "weight" if "weight" in edges.es.attributes() else None)
    require_frame(edges, "edges")
    require_columns(edges, [src, dst, weight], "edges")
    w = np.ones(len(edges)) if weight is None else as_float_array(edges[weight].to_numpy(), f"edges[{weight!r}]",
                                                                   ndim=1, nonnegative=True)
    e = pd.DataFrame({"src": edges[src].to_numpy(), "dst": edges[dst].to_numpy(), "weight": w})
    if e["src"].isna().any() or e["dst"].isna().any():
        raise ConfigError(f"edges: missing endpoint in column {src!r} or {dst!r}")
    return e[(e["src"] != e["dst"]) & (e["weight"] > 0)].reset_index(drop=True)


def _layer_wide(edges: pd.DataFrame, directed: bool, layer: str, src: str, dst: str,
                weight: str | None) -> pd.DataFrame:
    """Tie × layer weight table (0 where a layer lacks the tie), self-loops and zero weights dropped."""
    require_frame(edges, "edges")
    require_columns(edges, [layer, src, dst, weight], "edges")
    if edges[layer].isna().any():
        raise ConfigError(f"edges: missing value in layer column {layer!r}")
    w = np.ones(len(edges)) if weight is None else as_float_array(edges[weight].to_numpy(), f"edges[{weight!r}]",
                                                                   ndim=1, nonnegative=True)
    s, d = edges[src].to_numpy(), edges[dst].to_numpy()
    if pd.isna(s).any() or pd.isna(d).any():
        raise ConfigError(f"edges: missing endpoint in column {src!r} or {dst!r}")
    codes, uniques = pd.factorize(np.concatenate([s, d]))
    m = len(s)
    a, b = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    keep = (a != b) & (w > 0)
    e = pd.DataFrame({"pair": (a * max(len(uniques), 1) + b)[keep], "layer": edges[layer].to_numpy()[keep],
                      "weight": w[keep]})
    order = list(pd.unique(edges[layer]))
    wide = e.pivot_table(index="pair", columns="layer", values="weight", aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=order, fill_value=0.0)
