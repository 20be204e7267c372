"""Tests of chainatlas.analytics.networks.centrality (and, in the NetworkX agreement test, of every
igraph / sparse node metric on the same seeded random graphs).

Evidence: published golden numbers (NetworkX's test suite: Florentine families and Krackhardt kite
centralities), cited beside each; agreement with a NetworkX reference to 1e-9 on seeded random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from networks_reference import TOL, assert_close, nx_to_edges, random_weighted

from chainatlas.analytics import networks as N

GRAPHS = [
    (n, p, seed, directed)
    for (n, p, seed) in [(25, 0.15, 1), (40, 0.3, 2), (60, 0.08, 3)]
    for directed in (False, True)
]


# ------------------------------------------------------------------------------------------------ golden
# NetworkX networkx/algorithms/centrality/tests/test_betweenness_centrality.py,
# TestBetweennessCentrality.test_florentine_families_graph (normalized, unweighted; 3 decimals):
FLORENTINE_BETWEENNESS = {
    "Acciaiuoli": 0.000,
    "Albizzi": 0.212,
    "Barbadori": 0.093,
    "Bischeri": 0.104,
    "Castellani": 0.055,
    "Ginori": 0.000,
    "Guadagni": 0.255,
    "Lamberteschi": 0.000,
    "Medici": 0.522,
    "Pazzi": 0.000,
    "Peruzzi": 0.022,
    "Ridolfi": 0.114,
    "Salviati": 0.143,
    "Strozzi": 0.103,
    "Tornabuoni": 0.092,
}
# NetworkX networkx/algorithms/centrality/tests/test_closeness_centrality.py,
# TestClosenessCentrality.test_florentine_families_closeness:
FLORENTINE_CLOSENESS = {
    "Acciaiuoli": 0.368,
    "Albizzi": 0.483,
    "Barbadori": 0.4375,
    "Bischeri": 0.400,
    "Castellani": 0.389,
    "Ginori": 0.333,
    "Guadagni": 0.467,
    "Lamberteschi": 0.326,
    "Medici": 0.560,
    "Pazzi": 0.286,
    "Peruzzi": 0.368,
    "Ridolfi": 0.500,
    "Salviati": 0.389,
    "Strozzi": 0.4375,
    "Tornabuoni": 0.483,
}
# same files, test_krackhardt_kite_graph_normalized and test_krackhardt_closeness:
KITE_BETWEENNESS = {
    0: 0.023,
    1: 0.023,
    2: 0.000,
    3: 0.102,
    4: 0.000,
    5: 0.231,
    6: 0.231,
    7: 0.389,
    8: 0.222,
    9: 0.000,
}
KITE_CLOSENESS = {
    0: 0.529,
    1: 0.529,
    2: 0.500,
    3: 0.600,
    4: 0.500,
    5: 0.643,
    6: 0.643,
    7: 0.600,
    8: 0.429,
    9: 0.310,
}


def test_florentine_families_published_and_networkx():
    G = nx.florentine_families_graph()
    g = N.build_graph(nx_to_edges(G, None), directed=False, weight=None)
    b = N.betweenness(g, weight=None)
    c = N.closeness(g, weight=None, mode="in")
    assert_close(b, FLORENTINE_BETWEENNESS, tol=1e-3)  # published, 3 decimals
    assert_close(c, FLORENTINE_CLOSENESS, tol=1e-3)
    assert b.idxmax() == "Medici" and b["Medici"] == pytest.approx(0.522, abs=1e-3)
    assert_close(b, nx.betweenness_centrality(G, normalized=True))  # to 1e-9
    assert_close(c, nx.closeness_centrality(G))
    assert_close(N.closeness(g, weight=None, mode="out"), nx.closeness_centrality(G))


def test_krackhardt_kite_published_and_networkx():
    G = nx.krackhardt_kite_graph()
    g = N.build_graph(nx_to_edges(G, None), directed=False, weight=None)
    assert_close(N.betweenness(g, weight=None), KITE_BETWEENNESS, tol=1e-3)
    assert_close(N.closeness(g, weight=None), KITE_CLOSENESS, tol=1e-3)
    assert_close(N.betweenness(g, weight=None), nx.betweenness_centrality(G))
    # unnormalised: published values (Krackhardt 1990 via NetworkX) are on ordered pairs, halved in the test
    raw = N.betweenness(g, weight=None, normalized=False)
    assert raw[7] == pytest.approx(28.0 / 2, abs=1e-3)
    assert raw[3] == pytest.approx(7.333 / 2, abs=1e-3)


# ------------------------------------------------------------------------------------------------ agreement
@pytest.mark.parametrize(("n", "p", "seed", "directed"), GRAPHS)
def test_agreement_with_networkx(n, p, seed, directed):
    G = random_weighted(n, p, seed, directed)
    G.add_nodes_from(range(n))
    g = N.build_graph(nx_to_edges(G), directed=directed, nodes=list(range(n)))
    # betweenness, weighted (length 1/w) and hop-count
    assert_close(N.betweenness(g), nx.betweenness_centrality(G, weight="distance"))
    assert_close(N.betweenness(g, weight=None), nx.betweenness_centrality(G))
    assert_close(
        N.betweenness(g, normalized=False), nx.betweenness_centrality(G, weight="distance", normalized=False)
    )
    # closeness: NetworkX measures incoming distance on digraphs, so "out" is NetworkX on the reverse
    assert_close(N.closeness(g, mode="in"), nx.closeness_centrality(G, distance="distance"))
    R = G.reverse() if directed else G
    assert_close(N.closeness(g, mode="out"), nx.closeness_centrality(R, distance="distance"))
    assert_close(
        N.closeness(g, mode="in", wf_improved=False),
        nx.closeness_centrality(G, distance="distance", wf_improved=False),
    )
    # PageRank: NetworkX with a tight tolerance
    assert_close(N.pagerank(g), nx.pagerank(G, weight="weight", tol=1e-13, max_iter=10_000))
    assert_close(
        N.pagerank(g, damping=0.6), nx.pagerank(G, alpha=0.6, weight="weight", tol=1e-13, max_iter=10_000)
    )
    # ... and from the edge list, without igraph (sparse power iteration)
    e = nx_to_edges(G)
    for alpha in (0.85, 0.6):
        ref = nx.pagerank(G, alpha=alpha, weight="weight", tol=1e-13, max_iter=10_000)
        assert_close(N.pagerank(e, damping=alpha, directed=directed, nodes=list(range(n))), ref)
    assert_close(
        N.pagerank(e, None, directed=directed, nodes=list(range(n))), nx.pagerank(G, weight=None, tol=1e-13)
    )
    # strength
    if directed:
        assert_close(N.strength(g, mode="in"), dict(G.in_degree(weight="weight")))
        assert_close(N.strength(g, mode="out"), dict(G.out_degree(weight="weight")))
    assert_close(N.strength(g), dict(G.degree(weight="weight")))
    # clustering on the undirected graph, weights of both directions summed
    U = nx.Graph()
    U.add_nodes_from(G)
    for u, v, d in G.edges(data=True):
        w = U[u][v]["weight"] + d["weight"] if U.has_edge(u, v) else d["weight"]
        U.add_edge(u, v, weight=w)
    assert_close(N.clustering(g), nx.clustering(U))
    assert_close(N.clustering(g, "weight"), nx.clustering(U, weight="weight"))
    # structural holes
    assert_close(N.constraint(g), nx.constraint(G, weight="weight"))
    # NetworkX 3.6's vectorised all-nodes path of effective_size divides by the row maxima along the wrong axis
    # for weighted/directed graphs (networkx/networkx PR #8906); its per-node path (nodes=...) is the reference
    assert_close(N.effective_size(g), nx.effective_size(G, nodes=list(G), weight="weight"))
    assert_close(N.constraint(g, None), nx.constraint(G))
    assert_close(N.effective_size(g, None), nx.effective_size(G, nodes=list(G)))
    # density
    assert N.density(g) == pytest.approx(nx.density(G), abs=TOL)


@pytest.mark.parametrize("directed", [False, True])
def test_eigenvector_agreement(directed):
    for seed in (4, 5, 6):
        G = random_weighted(35, 0.25, seed, directed)
        conn = nx.is_strongly_connected(G) if directed else nx.is_connected(G)
        assert conn  # eigenvector centrality is only meaningful for (strongly) connected graphs
        g = N.build_graph(nx_to_edges(G), directed=directed)
        ref = nx.eigenvector_centrality_numpy(G, weight="weight")
        assert_close(N.eigenvector(g), ref)
        assert np.linalg.norm(N.eigenvector(g)) == pytest.approx(1.0, abs=1e-12)


def test_eigenvector_disconnected_uses_giant_component():
    # a DAG has no strongly connected component with a tie: undefined
    g = N.build_graph(pd.DataFrame({"src": [0, 1], "dst": [1, 2], "weight": [1.0, 1.0]}))
    assert N.eigenvector(g).isna().all()
    # giant component + a heavy side pair + an isolate: NetworkX on the giant component, 0 elsewhere
    G = random_weighted(30, 0.2, 8, False)
    assert nx.is_connected(G)
    e = pd.concat([nx_to_edges(G), pd.DataFrame({"src": [100], "dst": [101], "weight": [1e6]})])
    g = N.build_graph(e, directed=False, nodes=[*range(30), 100, 101, 102])
    x = N.eigenvector(g)
    assert_close(x.loc[list(range(30))], nx.eigenvector_centrality_numpy(G, weight="weight"))
    assert (x.loc[[100, 101, 102]] == 0).all()


@pytest.mark.parametrize("directed", [False, True])
def test_sampled_betweenness(directed):
    G = random_weighted(80, 0.06, 11, directed)
    G.add_nodes_from(range(80))
    g = N.build_graph(nx_to_edges(G), directed=directed, nodes=list(range(80)))
    k = 20
    est = N.sampled_betweenness(g, k, seed=3, normalized=False)
    # the same sources as ours (numpy default_rng(3)), summed by NetworkX's subset betweenness, scaled by n/k
    sources = np.sort(np.random.default_rng(3).choice(80, size=k, replace=False)).tolist()
    ref = nx.betweenness_centrality_subset(G, sources, list(G), normalized=False, weight="distance")
    assert_close(est, {v: x * 80 / k for v, x in ref.items()})
    # k = n is the exact value; different seeds give different estimates; normalisation as for the exact value
    assert_close(N.sampled_betweenness(g, 80), N.betweenness(g))
    assert not np.allclose(est, N.sampled_betweenness(g, k, seed=4, normalized=False))
    scale = 1 / (79 * 78) if directed else 2 / (79 * 78)
    assert_close(N.sampled_betweenness(g, k, seed=3), est * scale)


@pytest.mark.parametrize("directed", [False, True])
def test_sampled_betweenness_counts_tied_shortest_paths_as_networkx(directed):
    # integer weights and hop counts on a small lattice: many equally short paths, so the path counts and the
    # predecessor rule (settled earlier, d(v) + l == d(w) exactly) must match NetworkX's, not just the distances
    G = nx.grid_2d_graph(6, 7)
    G = nx.convert_node_labels_to_integers(G.to_directed() if directed else G)
    rng = np.random.default_rng(5)
    for u, v in G.edges:
        w = float(rng.choice([1.0, 2.0, 4.0]))
        G[u][v]["weight"] = w
        G[u][v]["distance"] = 1.0 / w
    n, k = G.number_of_nodes(), 15
    g = N.build_graph(nx_to_edges(G), directed=directed, nodes=list(range(n)))
    sources = np.sort(np.random.default_rng(1).choice(n, size=k, replace=False)).tolist()
    for weight, nx_weight in [("weight", "distance"), (None, None)]:
        est = N.sampled_betweenness(g, k, weight, seed=1, normalized=False)
        ref = nx.betweenness_centrality_subset(G, sources, list(G), normalized=False, weight=nx_weight)
        assert_close(est, {v: x * n / k for v, x in ref.items()})


def test_sampled_betweenness_parallel_equals_serial():
    G = random_weighted(120, 0.05, 13, True)
    g = N.build_graph(nx_to_edges(G), directed=True)
    serial = N.sampled_betweenness(g, 40, seed=2)
    parallel = N.sampled_betweenness(g, 40, seed=2, n_jobs=2)
    np.testing.assert_allclose(parallel.to_numpy(), serial.to_numpy(), rtol=1e-12, atol=1e-15)
    assert list(parallel.index) == list(serial.index)


def test_sampled_betweenness_is_unbiased():
    G = random_weighted(40, 0.12, 12, False)
    g = N.build_graph(nx_to_edges(G), directed=False)
    exact = N.betweenness(g)
    mean = np.mean([N.sampled_betweenness(g, 8, seed=s).to_numpy() for s in range(400)], axis=0)
    assert np.abs(mean - exact.to_numpy()).max() < 0.1 * exact.max()


def test_closeness_disconnected_wasserman_faust():
    # two components: a path a-b-c and a pair d-e; WF scaling by reachable share (n - 1 = 4)
    e = pd.DataFrame({"src": ["a", "b", "d"], "dst": ["b", "c", "e"], "weight": [1.0, 1.0, 1.0]})
    g = N.build_graph(e, directed=False)
    c = N.closeness(g, weight=None)
    assert c["b"] == pytest.approx((2 / 4) * (2 / 2))
    assert c["d"] == pytest.approx((1 / 4) * (1 / 1))
    G = nx.Graph([("a", "b"), ("b", "c"), ("d", "e")])
    assert_close(c, nx.closeness_centrality(G))
    g2 = N.build_graph(e, directed=False, nodes=list("abcdez"))
    assert N.closeness(g2, weight=None)["z"] == 0.0
