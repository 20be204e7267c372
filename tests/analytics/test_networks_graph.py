"""Tests of chainatlas.analytics.networks.graph: building graphs from edge lists (merging, dropping, node
order, guards, weight conservation) and the adjacency matrix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainatlas.analytics import networks as N
from chainatlas.errors import ConfigError


# ------------------------------------------------------------------------------------------------ build_graph
def test_build_graph_merges_and_drops():
    e = pd.DataFrame(
        {
            "src": ["a", "b", "a", "c", "a", "b"],
            "dst": ["b", "a", "b", "c", "c", "c"],
            "weight": [1.0, 2.0, 3.0, 5.0, 0.0, 4.0],
        }
    )
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


@pytest.mark.parametrize(
    ("frame", "kwargs", "match"),
    [
        (pd.DataFrame({"a": [1], "b": [2]}), {}, r"edges: missing column\(s\) \['src', 'dst', 'weight'\]"),
        (pd.DataFrame({"src": [1, None], "dst": [2, 3], "weight": [1.0, 1.0]}), {}, "missing endpoint"),
        (pd.DataFrame({"src": [1], "dst": [2], "weight": [-1.0]}), {}, "non-negative"),
        (pd.DataFrame({"src": [1], "dst": [2], "weight": [np.inf]}), {}, "finite"),
        (pd.DataFrame({"src": [1], "dst": [2], "weight": ["x"]}), {}, "cannot be read"),
        (
            pd.DataFrame({"src": [1], "dst": [9], "weight": [1.0]}),
            {"nodes": [1, 2]},
            "endpoint 9 is not in nodes",
        ),
        (pd.DataFrame({"src": [1], "dst": [2], "weight": [1.0]}), {"nodes": [1, 2, 2]}, "unique"),
    ],
)
def test_build_graph_guards(frame, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        N.build_graph(frame, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 100, allow_nan=False)),
        min_size=0,
        max_size=40,
    ),
    st.booleans(),
)
def test_build_graph_conserves_weight(rows, directed):
    e = (
        pd.DataFrame(rows, columns=["src", "dst", "weight"], dtype=object).astype(
            {"src": "int64", "dst": "int64", "weight": "float64"}
        )
        if rows
        else pd.DataFrame(
            {
                "src": pd.Series([], dtype="int64"),
                "dst": pd.Series([], dtype="int64"),
                "weight": pd.Series([], dtype="float64"),
            }
        )
    )
    g = N.build_graph(e, directed=directed)
    kept = e[(e["src"] != e["dst"]) & (e["weight"] > 0)]
    assert sum(g.es["weight"]) == pytest.approx(kept["weight"].sum())
    pairs = {(a, b) if directed else (min(a, b), max(a, b)) for a, b in zip(kept["src"], kept["dst"])}
    assert g.ecount() == len(pairs)
    assert g.is_simple() and g.is_directed() == directed


def test_adjacency_matrix_alignment():
    e = pd.DataFrame({"src": ["b", "a"], "dst": ["a", "c"], "weight": [2.0, 1.0]})
    a = N.adjacency_matrix(e, ["c", "b", "a", "z"])
    assert list(a.index) == ["c", "b", "a", "z"]
    assert (
        a.loc["b", "a"] == 2.0 and a.loc["a", "b"] == 0.0 and a.loc["a", "c"] == 1.0 and a.loc["z"].sum() == 0
    )
