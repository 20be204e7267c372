"""All node metrics of one graph in one frame: :func:`node_metrics`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from chainatlas.analytics.networks._util import EdgesOrGraph, _csr, _index, _weights
from chainatlas.analytics.networks.centrality import betweenness, closeness, eigenvector, pagerank
from chainatlas.analytics.networks.cluster import _onnela, clustering
from chainatlas.analytics.networks.cores import _core_periphery_from
from chainatlas.analytics.networks.graph import _as_graph
from chainatlas.analytics.networks.structural_holes import _constraint_values, _effective_size_values, _mutual

__all__ = ["NODE_METRIC_COLUMNS", "node_metrics"]


#: columns of :func:`node_metrics`, in order
NODE_METRIC_COLUMNS: tuple[str, ...] = (
    "node",
    "degree_in",
    "degree_out",
    "degree",
    "strength_in",
    "strength_out",
    "strength",
    "betweenness",
    "closeness_in",
    "closeness_out",
    "eigenvector",
    "pagerank",
    "clustering",
    "clustering_weighted",
    "constraint",
    "effective_size",
    "coreness",
    "core",
)


def node_metrics(
    edges: EdgesOrGraph,
    directed: bool = True,
    *,
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
    nodes: Sequence[Hashable] | None = None,
    damping: float = 0.85,
) -> pd.DataFrame:
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
    One graph build and one call per metric, each in C (igraph) or sparse matrix algebra; the weighted adjacency
    and the mutual weights of Burt's measures are built once and shared. Formulas are in the functions listed
    above. Eigenvector centrality is computed on the largest (strongly) connected component, 0 elsewhere (see
    :func:`eigenvector`).

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
        "betweenness": betweenness(g, wname).to_numpy(),
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
