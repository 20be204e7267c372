"""Tests of chainatlas.analytics.networks.graph_level: density, Freeman centralization (by hand) and the
graph summary."""

from __future__ import annotations

import math

import igraph as ig
import pandas as pd
import pytest

from chainatlas.analytics import networks as N


# ------------------------------------------------------------------------------------------------ graph level
def test_degree_centralization_and_density():
    star = ig.Graph.Star(6)
    assert N.degree_centralization(star) == 1.0
    assert N.degree_centralization(ig.Graph.Full(6)) == 0.0
    assert N.degree_centralization(ig.Graph.Ring(6)) == 0.0
    out_star = ig.Graph.Star(6, mode="out")
    assert N.degree_centralization(out_star, "out") == 1.0  # hub out-degree 5: sum(5 - 0) * 5 / 5**2
    # in-degrees of an out-star: hub 0, leaves 1 -> sum(1 - k_i) = 1, over (n-1)^2 = 25
    assert N.degree_centralization(out_star, "in") == pytest.approx(1 / 25)
    # Freeman's formula by hand on a path of 4: degrees 1,2,2,1 -> (1+0+0+1)/((3)(2)) = 1/3
    assert N.degree_centralization(ig.Graph([(0, 1), (1, 2), (2, 3)])) == pytest.approx(1 / 3)
    assert math.isnan(N.density(ig.Graph(1)))


def test_graph_summary():
    e = pd.DataFrame(
        {"src": ["a", "b", "c", "d"], "dst": ["b", "a", "a", "e"], "weight": [1.0, 2.0, 3.0, 4.0]}
    )
    s = N.graph_summary(e)
    assert (s.n_nodes, s.n_edges, s.directed, s.n_components) == (5, 4, True, 2)
    assert s.density == pytest.approx(4 / 20) and s.total_weight == 10.0 and s.mean_weight == 2.5
    assert s.reciprocity == pytest.approx(0.5) and s.giant_share == pytest.approx(0.6)
    u = N.graph_summary(e, directed=False)
    assert math.isnan(u.reciprocity) and u.n_edges == 3
