"""Tests of chainatlas.analytics.networks.

Three kinds of evidence:
- published golden numbers (NetworkX's test suite: Florentine families and Krackhardt kite centralities; UCINET
  values of Burt's measures quoted in networkx/algorithms/tests/test_structuralholes.py), cited beside each;
- agreement with a NetworkX reference to 1e-9 on seeded random graphs, for every igraph / sparse implementation;
- properties and guards (inputs not mutated, errors name the parameter).
"""

from __future__ import annotations

import itertools
import math

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainatlas.analytics import networks as N
from chainatlas.errors import ConfigError

TOL = 1e-9


# ------------------------------------------------------------------------------------------------ helpers
def nx_to_edges(G: nx.Graph, weight: str | None = "weight") -> pd.DataFrame:
    rows = [(u, v, (d.get(weight, 1.0) if weight else 1.0)) for u, v, d in G.edges(data=True)]
    return pd.DataFrame(rows, columns=["src", "dst", "weight"])


def random_weighted(n: int, p: float, seed: int, directed: bool) -> nx.Graph:
    """G(n, p) with continuous weights (ties between path lengths have probability 0) and their lengths."""
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        w = float(rng.uniform(0.1, 10.0))
        G[u][v]["weight"] = w
        G[u][v]["distance"] = 1.0 / w
    return G


def as_series(d: dict) -> pd.Series:
    return pd.Series(d, dtype=float).sort_index()


def assert_close(ours: pd.Series, ref: dict | pd.Series, tol: float = TOL) -> None:
    ref_s = as_series(ref) if isinstance(ref, dict) else ref.sort_index()
    ours_s = ours.sort_index()
    assert list(ours_s.index) == list(ref_s.index)
    np.testing.assert_allclose(ours_s.to_numpy(), ref_s.to_numpy(), rtol=0, atol=tol, equal_nan=True)


GRAPHS = [(n, p, seed, directed) for (n, p, seed) in [(25, 0.15, 1), (40, 0.3, 2), (60, 0.08, 3)]
          for directed in (False, True)]


# ------------------------------------------------------------------------------------------------ golden
# NetworkX networkx/algorithms/centrality/tests/test_betweenness_centrality.py,
# TestBetweennessCentrality.test_florentine_families_graph (normalized, unweighted; 3 decimals):
FLORENTINE_BETWEENNESS = {
    "Acciaiuoli": 0.000, "Albizzi": 0.212, "Barbadori": 0.093, "Bischeri": 0.104, "Castellani": 0.055,
    "Ginori": 0.000, "Guadagni": 0.255, "Lamberteschi": 0.000, "Medici": 0.522, "Pazzi": 0.000,
    "Peruzzi": 0.022, "Ridolfi": 0.114, "Salviati": 0.143, "Strozzi": 0.103, "Tornabuoni": 0.092,
}
# NetworkX networkx/algorithms/centrality/tests/test_closeness_centrality.py,
# TestClosenessCentrality.test_florentine_families_closeness:
FLORENTINE_CLOSENESS = {
    "Acciaiuoli": 0.368, "Albizzi": 0.483, "Barbadori": 0.4375, "Bischeri": 0.400, "Castellani": 0.389,
    "Ginori": 0.333, "Guadagni": 0.467, "Lamberteschi": 0.326, "Medici": 0.560, "Pazzi": 0.286,
    "Peruzzi": 0.368, "Ridolfi": 0.500, "Salviati": 0.389, "Strozzi": 0.4375, "Tornabuoni": 0.483,
}
# same files, test_krackhardt_kite_graph_normalized and test_krackhardt_closeness:
KITE_BETWEENNESS = {0: 0.023, 1: 0.023, 2: 0.000, 3: 0.102, 4: 0.000, 5: 0.231, 6: 0.231, 7: 0.389, 8: 0.222,
                    9: 0.000}
KITE_CLOSENESS = {0: 0.529, 1: 0.529, 2: 0.500, 3: 0.600, 4: 0.500, 5: 0.643, 6: 0.643, 7: 0.600, 8: 0.429,
                  9: 0.310}


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


# networkx/algorithms/tests/test_structuralholes.py (values computed with UCINET and igraph, and by hand;
# undirected example from http://www.analytictech.com/connections/v20(1)/holes.htm, Borgatti 1997):
HOLES_D_EDGES = [(0, 1), (0, 2), (1, 0), (2, 1)]
HOLES_D_WEIGHTS = {(0, 1): 2, (0, 2): 2, (1, 0): 1, (2, 1): 1}
HOLES_G_WEIGHTS = {("A", "B"): 2, ("A", "F"): 3, ("A", "G"): 5, ("A", "E"): 2, ("E", "G"): 8, ("F", "G"): 3,
                   ("B", "G"): 4, ("B", "D"): 1, ("D", "G"): 3, ("G", "C"): 10}


def _holes_directed(weighted: bool) -> ig.Graph:
    e = pd.DataFrame([(u, v, HOLES_D_WEIGHTS[(u, v)] if weighted else 1.0) for u, v in HOLES_D_EDGES],
                     columns=["src", "dst", "weight"])
    return N.build_graph(e, directed=True)


def _holes_undirected(weighted: bool) -> ig.Graph:
    e = pd.DataFrame([(u, v, w if weighted else 1.0) for (u, v), w in HOLES_G_WEIGHTS.items()],
                     columns=["src", "dst", "weight"])
    return N.build_graph(e, directed=False)


def test_burt_directed_ucinet_values():
    c = N.constraint(_holes_directed(False))
    assert (c[0], c[1], c[2]) == pytest.approx((1.003, 1.003, 1.389), abs=1e-3)  # test_constraint_directed
    es = N.effective_size(_holes_directed(False))
    assert (es[0], es[1], es[2]) == pytest.approx((1.167, 1.167, 1.0), abs=1e-3)  # test_effective_size_directed
    c = N.constraint(_holes_directed(True))
    assert (c[0], c[1], c[2]) == pytest.approx((0.840, 1.143, 1.378), abs=1e-3)  # test_constraint_weighted_directed
    es = N.effective_size(_holes_directed(True))
    assert (es[0], es[1], es[2]) == pytest.approx((1.567, 1.083, 1.0), abs=1e-3)  # ..._weighted_directed


def test_burt_undirected_ucinet_values():
    c = N.constraint(_holes_undirected(False))
    assert (c["G"], c["A"], c["C"]) == pytest.approx((0.400, 0.595, 1.0), abs=1e-3)  # test_constraint_undirected
    es = N.effective_size(_holes_undirected(False))
    assert (es["G"], es["A"], es["C"]) == pytest.approx((4.67, 2.50, 1.0), abs=1e-2)  # ..._undirected_borgatti
    c = N.constraint(_holes_undirected(True))
    assert (c["G"], c["A"], c["C"]) == pytest.approx((0.299, 0.795, 1.0), abs=1e-3)  # ..._weighted_undirected
    es = N.effective_size(_holes_undirected(True))
    assert (es["G"], es["A"], es["C"]) == pytest.approx((5.47, 2.47, 1.0), abs=1e-2)  # ..._weighted_undirected


def test_burt_isolated_is_nan():
    # test_constraint_isolated / test_effective_size_isolated: undefined for isolated nodes
    e = pd.DataFrame([(u, v, w) for (u, v), w in HOLES_G_WEIGHTS.items()], columns=["src", "dst", "weight"])
    g = N.build_graph(e, directed=False, nodes=list("ABCDEFG") + ["Z"])
    assert math.isnan(N.constraint(g)["Z"]) and math.isnan(N.effective_size(g)["Z"])


# ------------------------------------------------------------------------------------------------ agreement
@pytest.mark.parametrize(("n", "p", "seed", "directed"), GRAPHS)
def test_agreement_with_networkx(n, p, seed, directed):
    G = random_weighted(n, p, seed, directed)
    G.add_nodes_from(range(n))
    g = N.build_graph(nx_to_edges(G), directed=directed, nodes=list(range(n)))
    # betweenness, weighted (length 1/w) and hop-count
    assert_close(N.betweenness(g), nx.betweenness_centrality(G, weight="distance"))
    assert_close(N.betweenness(g, weight=None), nx.betweenness_centrality(G))
    assert_close(N.betweenness(g, normalized=False), nx.betweenness_centrality(G, weight="distance",
                                                                                normalized=False))
    # closeness: NetworkX measures incoming distance on digraphs, so "out" is NetworkX on the reverse
    assert_close(N.closeness(g, mode="in"), nx.closeness_centrality(G, distance="distance"))
    R = G.reverse() if directed else G
    assert_close(N.closeness(g, mode="out"), nx.closeness_centrality(R, distance="distance"))
    assert_close(N.closeness(g, mode="in", wf_improved=False),
                 nx.closeness_centrality(G, distance="distance", wf_improved=False))
    # PageRank: NetworkX with a tight tolerance
    assert_close(N.pagerank(g), nx.pagerank(G, weight="weight", tol=1e-13, max_iter=10_000))
    assert_close(N.pagerank(g, damping=0.6), nx.pagerank(G, alpha=0.6, weight="weight", tol=1e-13,
                                                          max_iter=10_000))
    # ... and from the edge list, without igraph (sparse power iteration)
    e = nx_to_edges(G)
    for alpha in (0.85, 0.6):
        ref = nx.pagerank(G, alpha=alpha, weight="weight", tol=1e-13, max_iter=10_000)
        assert_close(N.pagerank(e, damping=alpha, directed=directed, nodes=list(range(n))), ref)
    assert_close(N.pagerank(e, None, directed=directed, nodes=list(range(n))), nx.pagerank(G, weight=None,
                                                                                            tol=1e-13))
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


# ------------------------------------------------------------------------------------------------ build_graph
def test_build_graph_merges_and_drops():
    e = pd.DataFrame({"src": ["a", "b", "a", "c", "a", "b"], "dst": ["b", "a", "b", "c", "c", "c"],
                      "weight": [1.0, 2.0, 3.0, 5.0, 0.0, 4.0]})
    before = e.copy()
    g = N.build_graph(e, directed=True)
    pd.testing.assert_frame_equal(e, before)  # input untouched
    assert g.vs["name"] == ["a", "b", "c"]
    assert N.edge_frame(g).values.tolist() == [["a", "b", 4.0], ["b", "a", 2.0], ["b", "c", 4.0]]
    u = N.build_graph(e, directed=False)
    assert N.edge_frame(u).values.tolist() == [["a", "b", 6.0], ["b", "c", 4.0]]
    counted = N.build_graph(e, directed=False, weight=None)  # a record is a unit of weight
    assert N.edge_frame(counted).values.tolist() == [["a", "b", 3.0], ["a", "c", 1.0], ["b", "c", 1.0]]


def test_build_graph_nodes_order_and_isolates():
    e = pd.DataFrame({"src": ["320500"], "dst": ["310000"], "weight": [1.0]})
    g = N.build_graph(e, nodes=["310000", "320500", "330100"])
    assert g.vs["name"] == ["310000", "320500", "330100"]
    assert g.get_edgelist() == [(1, 0)]
    m = N.node_metrics(g)
    assert m.loc[2, "degree"] == 0 and m.loc[2, "strength"] == 0 and math.isnan(m.loc[2, "constraint"])


def test_build_graph_mixed_ids_and_custom_columns():
    e = pd.DataFrame({"from": [1, "x"], "to": ["x", 2], "n": [1, 2]})
    g = N.build_graph(e, src="from", dst="to", weight="n")
    assert sorted(map(str, g.vs["name"])) == ["1", "2", "x"]
    assert sum(g.es["weight"]) == 3.0


@pytest.mark.parametrize(("frame", "kwargs", "match"), [
    (pd.DataFrame({"a": [1], "b": [2]}), {}, r"edges: missing column\(s\) \['src', 'dst', 'weight'\]"),
    (pd.DataFrame({"src": [1, None], "dst": [2, 3], "weight": [1.0, 1.0]}), {}, "missing endpoint"),
    (pd.DataFrame({"src": [1], "dst": [2], "weight": [-1.0]}), {}, "non-negative"),
    (pd.DataFrame({"src": [1], "dst": [2], "weight": [np.inf]}), {}, "finite"),
    (pd.DataFrame({"src": [1], "dst": [2], "weight": ["x"]}), {}, "cannot be read"),
    (pd.DataFrame({"src": [1], "dst": [9], "weight": [1.0]}), {"nodes": [1, 2]}, "endpoint 9 is not in nodes"),
    (pd.DataFrame({"src": [1], "dst": [2], "weight": [1.0]}), {"nodes": [1, 2, 2]}, "unique"),
])
def test_build_graph_guards(frame, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        N.build_graph(frame, **kwargs)


def test_guards_name_parameters():
    g = ig.Graph.Ring(5)
    with pytest.raises(ConfigError, match="weight: the graph has no edge attribute 'weight'"):
        N.betweenness(g)
    with pytest.raises(ConfigError, match="g: expected an igraph.Graph"):
        N.strength(pd.DataFrame())
    with pytest.raises(ConfigError, match=r"edges: missing column\(s\)"):
        N.pagerank(pd.DataFrame())
    with pytest.raises(ConfigError, match="tol"):
        N.pagerank(pd.DataFrame({"src": [1], "dst": [2], "weight": [1.0]}), tol=0)
    with pytest.raises(ConfigError, match="damping"):
        N.pagerank(g, None, damping=1.0)
    with pytest.raises(ConfigError, match="mode"):
        N.closeness(g, None, mode="both")
    with pytest.raises(ConfigError, match="n_sources"):
        N.sampled_betweenness(g, 0, None)
    with pytest.raises(ConfigError, match="resolution"):
        N.leiden(g, None, resolution=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 100, allow_nan=False)),
                min_size=0, max_size=40),
       st.booleans())
def test_build_graph_conserves_weight(rows, directed):
    e = pd.DataFrame(rows, columns=["src", "dst", "weight"], dtype=object).astype(
        {"src": "int64", "dst": "int64", "weight": "float64"}) if rows else pd.DataFrame(
        {"src": pd.Series([], dtype="int64"), "dst": pd.Series([], dtype="int64"),
         "weight": pd.Series([], dtype="float64")})
    g = N.build_graph(e, directed=directed)
    kept = e[(e["src"] != e["dst"]) & (e["weight"] > 0)]
    assert sum(g.es["weight"]) == pytest.approx(kept["weight"].sum())
    pairs = {(a, b) if directed else (min(a, b), max(a, b)) for a, b in zip(kept["src"], kept["dst"])}
    assert g.ecount() == len(pairs)
    assert g.is_simple() and g.is_directed() == directed


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
    e = pd.DataFrame({"src": ["a", "b", "c", "d"], "dst": ["b", "a", "a", "e"], "weight": [1.0, 2.0, 3.0, 4.0]})
    s = N.graph_summary(e)
    assert (s.n_nodes, s.n_edges, s.directed, s.n_components) == (5, 4, True, 2)
    assert s.density == pytest.approx(4 / 20) and s.total_weight == 10.0 and s.mean_weight == 2.5
    assert s.reciprocity == pytest.approx(0.5) and s.giant_share == pytest.approx(0.6)
    u = N.graph_summary(e, directed=False)
    assert math.isnan(u.reciprocity) and u.n_edges == 3


# ------------------------------------------------------------------------------------------------ core–periphery
def planted_core(n_core: int, n_per: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_core + n_per
    rows = []
    for i, j in itertools.combinations(range(n), 2):
        both = i < n_core and j < n_core
        one = (i < n_core) != (j < n_core)
        p = 0.95 if both else (0.35 if one else 0.03)
        if rng.random() < p:
            rows.append((i, j, 1.0))
    return pd.DataFrame(rows, columns=["src", "dst", "weight"])


def test_core_periphery_planted():
    e = planted_core(8, 25, 1)
    g = N.build_graph(e, directed=False, nodes=list(range(33)))
    cp = N.core_periphery(g, None)
    assert set(cp.core[cp.core].index) == set(range(8))
    assert cp.core_size == 8 and cp.fit_discrete > 0.5 and cp.fit_continuous > 0.5
    assert np.linalg.norm(cp.coreness) == pytest.approx(1.0)
    assert cp.coreness[:8].min() > cp.coreness[8:].max()


def test_core_periphery_is_least_squares_fit_and_best_split():
    from scipy.optimize import least_squares

    rng = np.random.default_rng(5)
    n = 15
    a = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    a = np.triu(a, 1)
    a = a + a.T
    rows = [(i, j, a[i, j]) for i in range(n) for j in range(i + 1, n) if a[i, j] > 0]
    g = N.build_graph(pd.DataFrame(rows, columns=["src", "dst", "weight"]), directed=False, nodes=list(range(n)))
    cp = N.core_periphery(g)
    off = ~np.eye(n, dtype=bool)
    # reference: direct nonlinear least squares of a_ij ~ c_i c_j over i != j
    fit = least_squares(lambda c: (a - np.outer(c, c))[off], x0=np.full(n, 0.5), xtol=1e-15, ftol=1e-15,
                        gtol=1e-15)
    ref = np.abs(fit.x) / np.linalg.norm(fit.x)
    np.testing.assert_allclose(cp.coreness.to_numpy(), ref, atol=1e-7)
    assert cp.fit_continuous == pytest.approx(np.corrcoef(a[off], np.outer(ref, ref)[off])[0, 1], abs=1e-7)
    # discrete split: brute force over k along the coreness order with explicit masks
    order = np.argsort(-cp.coreness.to_numpy(), kind="stable")
    best = (None, -np.inf)
    for k in range(2, n - 1):
        core = np.zeros(n, dtype=bool)
        core[order[:k]] = True
        cc = np.outer(core, core) & off
        pp = np.outer(~core, ~core) & off
        r = np.corrcoef(np.r_[a[cc], a[pp]], np.r_[np.ones(cc.sum()), np.zeros(pp.sum())])[0, 1]
        if r > best[1]:
            best = (k, r)
    assert cp.core_size == best[0] and cp.fit_discrete == pytest.approx(best[1], abs=1e-12)


def test_core_periphery_small_and_empty():
    cp = N.core_periphery(ig.Graph(3), None)
    assert cp.core_size == 0 and not cp.core.any() and (cp.coreness == 0).all()


# ------------------------------------------------------------------------------------------------ communities
@pytest.mark.parametrize("impl", ["igraph", "leidenalg"])
def test_leiden_planted_partition_reproducible(impl):
    G = nx.planted_partition_graph(4, 10, 0.8, 0.02, seed=1)
    e = nx_to_edges(G, None)
    g = N.build_graph(e, directed=False)
    c1 = N.leiden(g, seed=7, implementation=impl)
    c2 = N.leiden(g, seed=7, implementation=impl)
    pd.testing.assert_series_equal(c1.membership, c2.membership)
    truth = pd.Series({v: v // 10 for v in G}, name="block")
    cmp = N.compare_partitions(c1.membership, truth)
    assert c1.n_communities == 4 and cmp.nmi == pytest.approx(1.0) and cmp.ari == pytest.approx(1.0)
    # modularity agrees with NetworkX, at resolution 1 and at the requested resolution
    parts = [set(c1.membership[c1.membership == k].index) for k in range(c1.n_communities)]
    assert c1.modularity == pytest.approx(nx.community.modularity(G, parts, weight="weight"), abs=TOL)
    c3 = N.leiden(g, resolution=5.0, seed=7, implementation=impl)
    parts3 = [set(c3.membership[c3.membership == k].index) for k in range(c3.n_communities)]
    assert c3.n_communities > 4
    assert c3.quality == pytest.approx(nx.community.modularity(G, parts3, weight="weight", resolution=5.0),
                                       abs=TOL)


def test_leiden_seed_matters_and_rng_restored():
    import random

    G = random_weighted(300, 0.02, 22, False)
    g = N.build_graph(nx_to_edges(G), directed=False)
    runs = {tuple(N.leiden(g, seed=s).membership) for s in range(6)}
    assert len(runs) > 1  # the seed is used
    random.seed(123)
    expected = random.random()
    random.seed(123)
    N.leiden(g, seed=1)
    assert random.random() == expected  # the global random module was not advanced by the igraph run


def test_leiden_directed_objectives_match_networkx():
    G = random_weighted(40, 0.12, 21, True)
    g = N.build_graph(nx_to_edges(G), directed=True)
    # directed objective (leidenalg): Leicht-Newman directed modularity
    c = N.leiden(g, seed=1, objective="directed")
    parts = [set(c.membership[c.membership == k].index) for k in range(c.n_communities)]
    assert c.implementation == "leidenalg" and c.objective == "directed"
    assert c.modularity == pytest.approx(nx.community.modularity(G, parts, weight="weight"), abs=TOL)
    assert c.modularity_directed == pytest.approx(c.modularity, abs=TOL) and c.modularity > 0.2
    # undirected objective (default): modularity of the graph with both directions summed
    U = nx.Graph()
    for u, v, d in G.edges(data=True):
        U.add_edge(u, v, weight=U[u][v]["weight"] + d["weight"] if U.has_edge(u, v) else d["weight"])
    for impl in ("igraph", "leidenalg"):
        cu = N.leiden(g, seed=1, implementation=impl)
        parts = [set(cu.membership[cu.membership == k].index) for k in range(cu.n_communities)]
        assert cu.objective == "undirected" and cu.implementation == impl
        assert cu.modularity == pytest.approx(nx.community.modularity(U, parts, weight="weight"), abs=TOL)
        assert cu.modularity_directed == pytest.approx(nx.community.modularity(G, parts, weight="weight"),
                                                       abs=TOL)
    with pytest.raises(ConfigError, match="leidenalg' only"):
        N.leiden(g, objective="directed", implementation="igraph")


def test_compare_partitions_against_sklearn():
    import sklearn.metrics as sk  # installed with esda
    rng = np.random.default_rng(3)
    for _ in range(5):
        a = rng.integers(0, 4, 50)
        b = np.where(rng.random(50) < 0.7, a, rng.integers(0, 5, 50))
        r = N.compare_partitions(list(a), list(b))
        assert r.nmi == pytest.approx(sk.normalized_mutual_info_score(a, b), abs=TOL)
        assert r.ari == pytest.approx(sk.adjusted_rand_score(a, b), abs=TOL)


def test_compare_partitions_hand_example():
    # Hubert & Arabie (1985) ARI on a 2x2 table by hand: a = [0,0,1,1], b = [0,0,0,1]
    # sum C(n_uv,2) = C(2,2) = 1; sum C(a_u,2) = 2; sum C(b_v,2) = 3; E = 2*3/6 = 1 -> ARI = (1-1)/(2.5-1) = 0
    r = N.compare_partitions([0, 0, 1, 1], [0, 0, 0, 1])
    assert r.ari == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ConfigError, match="same nodes"):
        N.compare_partitions(pd.Series([1, 2], index=["a", "b"]), pd.Series([1, 2], index=["a", "c"]))


def test_group_flows_and_crossing_share():
    e = pd.DataFrame({"src": ["a", "a", "b", "c", "c"], "dst": ["b", "c", "c", "a", "c"],
                      "weight": [1.0, 2.0, 3.0, 4.0, 100.0]})
    groups = {"a": "P1", "b": "P1", "c": "P2"}
    f = N.group_flows(e, groups)
    assert f[["src_group", "dst_group", "weight"]].values.tolist() == [
        ["P1", "P2", 5.0], ["P2", "P1", 4.0], ["P1", "P1", 1.0]]
    assert f["share"].sum() == pytest.approx(1.0)
    u = N.group_flows(e, groups, directed=False)
    assert u[["src_group", "dst_group", "weight"]].values.tolist() == [["P1", "P2", 9.0], ["P1", "P1", 1.0]]
    assert N.crossing_share(e, groups) == pytest.approx(9 / 10)  # the self-loop c->c is not a tie
    g = N.build_graph(e)
    assert N.crossing_share(g, groups) == pytest.approx(9 / 10)
    with pytest.raises(ConfigError, match="node 'c' has no group"):
        N.crossing_share(e, {"a": "P1", "b": "P1"})


# ------------------------------------------------------------------------------------------------ multiplex
def test_layer_overlap():
    e = pd.DataFrame({
        "layer": ["k", "k", "k", "i", "i", "v"],
        "src": ["a", "b", "c", "b", "a", "a"],
        "dst": ["b", "c", "a", "a", "c", "b"],
        "weight": [1.0, 2.0, 3.0, 5.0, 1.0, 2.0],
    })
    d = N.layer_overlap(e, directed=True).set_index(["layer_a", "layer_b"])
    assert d.loc[("k", "i"), "n_common"] == 0 and d.loc[("k", "i"), "jaccard"] == 0.0
    assert d.loc[("k", "v"), "jaccard"] == pytest.approx(1 / 3)
    u = N.layer_overlap(e, directed=False).set_index(["layer_a", "layer_b"])
    # undirected: k = {ab:1, bc:2, ac:3}, i = {ab:5, ac:1}
    assert u.loc[("k", "i"), "jaccard"] == pytest.approx(2 / 3)
    assert u.loc[("k", "i"), "weight_corr"] == pytest.approx(np.corrcoef([1, 2, 3], [5, 0, 1])[0, 1])
    assert list(u.index) == [("k", "i"), ("k", "v"), ("i", "v")]


def test_participation_coefficient():
    e = pd.DataFrame({"layer": ["k", "i", "k", "i", "v"], "src": ["a", "a", "b", "c", "a"],
                      "dst": ["b", "c", "c", "b", "d"], "weight": [1.0, 1.0, 1.0, 1.0, 1.0]})
    p = N.participation_coefficient(e, directed=False, weight=None)
    # a: one tie in each of 3 layers -> 1; d: all in v -> 0; b: k=2 (a,c), i=1 (c) -> 3/2 (1 - 4/9 - 1/9)
    assert p.loc["a", "participation"] == pytest.approx(1.0)
    assert p.loc["d", "participation"] == pytest.approx(0.0)
    assert p.loc["b", "participation"] == pytest.approx(1.5 * (1 - 4 / 9 - 1 / 9))
    assert p.loc["b", "overlapping_degree"] == 3
    six = N.participation_coefficient(e, directed=False, weight=None, layers=list("kivxyz"))
    assert six.loc["a", "participation"] == pytest.approx(6 / 5 * (1 - 3 / 9))
    with pytest.raises(ConfigError, match="not in layers"):
        N.participation_coefficient(e, weight=None, layers=["k"])


def test_qap_correlation():
    rng = np.random.default_rng(0)
    n = 20
    x = rng.random((n, n))
    y = 0.5 * x + rng.random((n, n))
    res = N.qap_correlation(x, y, n_permutations=499, seed=1)
    off = ~np.eye(n, dtype=bool)
    assert res.r == pytest.approx(np.corrcoef(x[off], y[off])[0, 1], abs=1e-12)
    assert res.p_greater == pytest.approx(1 / 500) and res.p_two_sided == pytest.approx(1 / 500)
    # the vectorised permutations equal a plain loop over the same permutations
    perms = np.argsort(np.random.default_rng(5).random((50, n)), axis=1)
    naive = np.array([np.corrcoef(x[off], y[np.ix_(p, p)][off])[0, 1] for p in perms])
    res5 = N.qap_correlation(x, y, n_permutations=50, seed=5)
    assert res5.p_greater == pytest.approx((1 + np.sum(naive >= res5.r - 1e-12)) / 51)
    # independent relations: not significant; reproducible with the seed
    z = rng.random((n, n))
    r1 = N.qap_correlation(x, z, n_permutations=199, seed=2)
    assert r1 == N.qap_correlation(x, z, n_permutations=199, seed=2)
    assert r1.p_two_sided > 0.05
    # DataFrames are aligned on labels
    lab = [f"c{i}" for i in range(n)]
    X = pd.DataFrame(x, index=lab, columns=lab)
    Y = pd.DataFrame(y, index=lab, columns=lab).iloc[::-1, ::-1]
    assert N.qap_correlation(X, Y, n_permutations=9).r == pytest.approx(res.r)
    with pytest.raises(ConfigError, match="constant"):
        N.qap_correlation(x, np.ones((n, n)))


def test_adjacency_matrix_alignment():
    e = pd.DataFrame({"src": ["b", "a"], "dst": ["a", "c"], "weight": [2.0, 1.0]})
    a = N.adjacency_matrix(e, ["c", "b", "a", "z"])
    assert list(a.index) == ["c", "b", "a", "z"]
    assert a.loc["b", "a"] == 2.0 and a.loc["a", "b"] == 0.0 and a.loc["a", "c"] == 1.0 and a.loc["z"].sum() == 0


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


def test_core_periphery_on_a_star_like_graph_has_no_minimum_but_answers() -> None:
    """A weighted tree (hub 0): the residual has no minimiser, so the fit stops at max_iter on a direction."""
    e = pd.DataFrame({"src": ["0", "0", "0", "0", "2"], "dst": ["1", "2", "4", "7", "8"],
                      "weight": [2.0, 1.0, 8.83, 0.67, 1.67]})
    g = N.build_graph(e, directed=False, nodes=[str(i) for i in range(9)])
    cp = N.core_periphery(g, max_iter=200)
    assert not cp.converged
    assert cp.coreness.idxmax() == "0" and cp.coreness["0"] > 0.99  # the hub takes the whole direction
    assert cp.coreness[["3", "5", "6"]].tolist() == [0.0, 0.0, 0.0]  # isolates
    assert N.core_periphery(ig.Graph.Full(5), weight=None).converged
    m = N.node_metrics(g)  # and node_metrics no longer fails on such a graph
    assert m.set_index("node").loc["0", "coreness"] == pytest.approx(cp.coreness["0"], abs=1e-3)
