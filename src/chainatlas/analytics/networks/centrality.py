"""Node centrality: strength, betweenness (exact and sampled), closeness, eigenvector centrality, PageRank."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Sequence

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics._checks import require_choice, require_positive_int, require_probability
from chainatlas.analytics.networks._util import (
    EdgesOrGraph,
    _index,
    _require_graph,
    _row_scale,
    _safe_inv,
    _weights,
)
from chainatlas.analytics.networks.graph import _coded_ties
from chainatlas.errors import ConfigError

__all__ = ["betweenness", "closeness", "eigenvector", "pagerank", "sampled_betweenness", "strength"]


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
    >>> from chainatlas.analytics.networks import build_graph
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
    >>> from chainatlas.analytics.networks import build_graph
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


def sampled_betweenness(
    g: ig.Graph,
    n_sources: int = 1000,
    weight: str | None = "weight",
    *,
    seed: int = 0,
    normalized: bool = True,
    n_jobs: int = 1,
) -> pd.Series:
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
    ``betweenness_centrality_subset(G, S, all nodes)`` for the same sources (igraph's C version compares
    lengths with a tolerance, see :func:`betweenness`). No path-length cutoff is applied: a cutoff gives a
    biased, local measure, not an estimate of betweenness. This is the estimator of NetworkX's
    ``betweenness_centrality(G, k=...)``; the sample differs (NetworkX draws with :class:`random.Random`).

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
        tail, head, lens = (
            np.concatenate([tail, head]),
            np.concatenate([head, tail]),
            np.concatenate([lens, lens]),
        )
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


def closeness(
    g: ig.Graph, weight: str | None = "weight", *, mode: str = "out", wf_improved: bool = True
) -> pd.Series:
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
    >>> from chainatlas.analytics.networks import build_graph
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


def pagerank(
    edges: EdgesOrGraph,
    weight: str | None = "weight",
    *,
    damping: float = 0.85,
    directed: bool = True,
    src: str = "src",
    dst: str = "dst",
    nodes: Sequence[Hashable] | None = None,
    tol: float = 1e-10,
) -> pd.Series:
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
    ranking) and equal NetworkX's ``pagerank(G, alpha, tol=1e-13)`` to 1e-9.

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


def _lengths(g: ig.Graph, weight: str | None) -> list[float] | None:
    """Path length of each tie: 1 / weight."""
    w = _weights(g, weight)
    if w is None:
        return None
    arr = np.asarray(g.es[w], dtype=float)
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise ConfigError(
            f"weight: expected positive finite tie weights to use 1/{weight} as length; "
            f"found {arr[(arr <= 0) | ~np.isfinite(arr)][0]!r}"
        )
    return (1.0 / arr).tolist()


def _betweenness_scale(n: int, directed: bool) -> float:
    if n <= 2:
        return 1.0
    return 1.0 / ((n - 1) * (n - 2)) if directed else 2.0 / ((n - 1) * (n - 2))


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
    raise ConfigError(
        f"tol: PageRank did not reach an L1 error below {tol} in {max_iter} iterations; loosen tol"
    )


def _brandes_sources(
    indptr: np.ndarray, heads: np.ndarray, lengths: np.ndarray, weighted: bool, sources: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled by numba
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
