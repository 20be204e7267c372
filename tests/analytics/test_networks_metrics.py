"""Tests of chainatlas.analytics.networks.metrics: node_metrics equals the single-metric functions and
NetworkX."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from networks_reference import assert_close, nx_to_edges, random_weighted

from chainatlas.analytics import networks as N


# ------------------------------------------------------------------------------------------------ node_metrics
@pytest.mark.parametrize("directed", [False, True])
def test_node_metrics_matches_functions(directed):
    G = random_weighted(41, 0.5, 9, directed)
    e = nx_to_edges(G)
    before = e.copy()
    m = N.node_metrics(e, directed=directed)
    pd.testing.assert_frame_equal(e, before)
    assert tuple(m.columns) == N.NODE_METRIC_COLUMNS and len(m) == 41
    g = N.build_graph(e, directed=directed)
    ms = m.set_index("node")
    assert_close(ms["betweenness"], N.betweenness(g))
    assert_close(ms["pagerank"], nx.pagerank(G, weight="weight", tol=1e-13, max_iter=10_000))
    assert_close(ms["constraint"], nx.constraint(G, weight="weight"))
    assert_close(ms["coreness"], N.core_periphery(g).coreness)
    if not directed:
        assert (m["degree_in"] == m["degree"]).all() and (m["strength_out"] == m["strength"]).all()
    else:
        assert (m["degree"] == m["degree_in"] + m["degree_out"]).all()
    assert m["pagerank"].sum() == pytest.approx(1.0)
