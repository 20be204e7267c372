"""Network structure of the six layers (paper section 二): graphs, node metrics, cores, communities, multiplex.

Pure functions on pandas edge lists and :class:`igraph.Graph` objects. Nothing here opens a database or a file.

An *edge list* is a DataFrame with one row per tie record: a source column, a destination column and
(optionally) a weight column. :func:`build_graph` turns it into an igraph graph with integer vertex ids obtained by
:func:`pandas.factorize` (no Python loop over rows), drops self-loops, sums duplicate ties and stores the original
node ids in the vertex attribute ``name`` and the summed weights in the edge attribute ``weight``. Every metric
function takes that graph and returns a :class:`pandas.Series` indexed by node id (index name ``node``) or a small
frozen result object; :func:`node_metrics` returns all node metrics of one graph as one DataFrame.

Conventions (the same in every module of this package)
------------------------------------------------------
- Weights are tie *strengths* (flows, co-patents, contract values), never lengths. Where a metric needs path
  lengths (betweenness, closeness) the length of a tie is ``1 / weight`` (Newman 2001; Opsahl, Agneessens &
  Skvoretz 2010 with alpha = 1): strong ties are short. Pass ``weight=None`` for hop counts.
- Definitions follow NetworkX (normalisations, closeness of disconnected graphs, structural holes); every function
  has an agreement test against NetworkX in ``tests/analytics``.
- Directed graphs keep their direction where the metric has a directed definition; where it has none (clustering,
  structural holes, core–periphery) the documented undirected reduction is used.
- Anything random takes a ``seed`` and is reproducible.

Modules
-------
Every public name is re-exported here, so ``networks.pagerank`` is the same function as
``networks.centrality.pagerank``. Imports inside the package point down this list (``_util`` at the bottom);
no module imports this one.

==================  =====================================================================================
metrics             :func:`node_metrics`, :data:`NODE_METRIC_COLUMNS`: every node metric below in one frame
multiplex           :func:`layer_overlap`, :func:`participation_coefficient`, :func:`qap_correlation`
communities         :func:`leiden`, :func:`compare_partitions`, :func:`group_flows`, :func:`crossing_share`
cores               :func:`core_periphery`
graph_level         :func:`density`, :func:`degree_centralization`, :func:`graph_summary`
structural_holes    :func:`constraint`, :func:`effective_size`
cluster             :func:`clustering`
centrality          :func:`strength`, :func:`betweenness`, :func:`sampled_betweenness`, :func:`closeness`,
                    :func:`eigenvector`, :func:`pagerank`
graph               :func:`build_graph`, :func:`edge_frame`, :func:`adjacency_matrix`
_util               private helpers shared by several modules (weights, vertex index, sparse adjacency)
==================  =====================================================================================
"""

from __future__ import annotations

from chainatlas.analytics.networks.centrality import (
    betweenness,
    closeness,
    eigenvector,
    pagerank,
    sampled_betweenness,
    strength,
)
from chainatlas.analytics.networks.cluster import clustering
from chainatlas.analytics.networks.communities import (
    Communities,
    PartitionComparison,
    compare_partitions,
    crossing_share,
    group_flows,
    leiden,
)
from chainatlas.analytics.networks.cores import CorePeriphery, core_periphery
from chainatlas.analytics.networks.graph import adjacency_matrix, build_graph, edge_frame
from chainatlas.analytics.networks.graph_level import (
    GraphSummary,
    degree_centralization,
    density,
    graph_summary,
)
from chainatlas.analytics.networks.metrics import NODE_METRIC_COLUMNS, node_metrics
from chainatlas.analytics.networks.multiplex import (
    QAPResult,
    layer_overlap,
    participation_coefficient,
    qap_correlation,
)
from chainatlas.analytics.networks.structural_holes import constraint, effective_size

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
