"""Tests of chainatlas.analytics.networks.structural_holes: Burt's constraint and effective size against the
UCINET values quoted in networkx/algorithms/tests/test_structuralholes.py."""

from __future__ import annotations

import math

import igraph as ig
import pandas as pd
import pytest

from chainatlas.analytics import networks as N

# networkx/algorithms/tests/test_structuralholes.py (values computed with UCINET and igraph, and by hand;
# undirected example from http://www.analytictech.com/connections/v20(1)/holes.htm, Borgatti 1997):
HOLES_D_EDGES = [(0, 1), (0, 2), (1, 0), (2, 1)]
HOLES_D_WEIGHTS = {(0, 1): 2, (0, 2): 2, (1, 0): 1, (2, 1): 1}
HOLES_G_WEIGHTS = {
    ("A", "B"): 2,
    ("A", "F"): 3,
    ("A", "G"): 5,
    ("A", "E"): 2,
    ("E", "G"): 8,
    ("F", "G"): 3,
    ("B", "G"): 4,
    ("B", "D"): 1,
    ("D", "G"): 3,
    ("G", "C"): 10,
}


def _holes_directed(weighted: bool) -> ig.Graph:
    e = pd.DataFrame(
        [(u, v, HOLES_D_WEIGHTS[(u, v)] if weighted else 1.0) for u, v in HOLES_D_EDGES],
        columns=["src", "dst", "weight"],
    )
    return N.build_graph(e, directed=True)


def _holes_undirected(weighted: bool) -> ig.Graph:
    e = pd.DataFrame(
        [(u, v, w if weighted else 1.0) for (u, v), w in HOLES_G_WEIGHTS.items()],
        columns=["src", "dst", "weight"],
    )
    return N.build_graph(e, directed=False)


def test_burt_directed_ucinet_values():
    c = N.constraint(_holes_directed(False))
    assert (c[0], c[1], c[2]) == pytest.approx((1.003, 1.003, 1.389), abs=1e-3)  # test_constraint_directed
    es = N.effective_size(_holes_directed(False))
    assert (es[0], es[1], es[2]) == pytest.approx(
        (1.167, 1.167, 1.0), abs=1e-3
    )  # test_effective_size_directed
    c = N.constraint(_holes_directed(True))
    assert (c[0], c[1], c[2]) == pytest.approx(
        (0.840, 1.143, 1.378), abs=1e-3
    )  # test_constraint_weighted_directed
    es = N.effective_size(_holes_directed(True))
    assert (es[0], es[1], es[2]) == pytest.approx((1.567, 1.083, 1.0), abs=1e-3)  # ..._weighted_directed


def test_burt_undirected_ucinet_values():
    c = N.constraint(_holes_undirected(False))
    assert (c["G"], c["A"], c["C"]) == pytest.approx(
        (0.400, 0.595, 1.0), abs=1e-3
    )  # test_constraint_undirected
    es = N.effective_size(_holes_undirected(False))
    assert (es["G"], es["A"], es["C"]) == pytest.approx(
        (4.67, 2.50, 1.0), abs=1e-2
    )  # ..._undirected_borgatti
    c = N.constraint(_holes_undirected(True))
    assert (c["G"], c["A"], c["C"]) == pytest.approx((0.299, 0.795, 1.0), abs=1e-3)  # ..._weighted_undirected
    es = N.effective_size(_holes_undirected(True))
    assert (es["G"], es["A"], es["C"]) == pytest.approx(
        (5.47, 2.47, 1.0), abs=1e-2
    )  # ..._weighted_undirected


def test_burt_isolated_is_nan():
    # test_constraint_isolated / test_effective_size_isolated: undefined for isolated nodes
    e = pd.DataFrame([(u, v, w) for (u, v), w in HOLES_G_WEIGHTS.items()], columns=["src", "dst", "weight"])
    g = N.build_graph(e, directed=False, nodes=list("ABCDEFG") + ["Z"])
    assert math.isnan(N.constraint(g)["Z"]) and math.isnan(N.effective_size(g)["Z"])
