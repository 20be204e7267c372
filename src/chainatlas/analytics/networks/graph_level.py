"""Whole-graph measures: density, Freeman degree centralization and :func:`graph_summary` (with reciprocity,
transitivity and components)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import igraph as ig
import numpy as np

from chainatlas.analytics._checks import require_choice
from chainatlas.analytics.networks._util import EdgesOrGraph, _require_graph, _weights_array
from chainatlas.analytics.networks.graph import _as_graph

__all__ = ["GraphSummary", "degree_centralization", "density", "graph_summary"]


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


def graph_summary(
    edges: EdgesOrGraph,
    directed: bool = True,
    *,
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
    nodes: Sequence[Hashable] | None = None,
) -> GraphSummary:
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
