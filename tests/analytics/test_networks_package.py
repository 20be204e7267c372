"""Tests of the chainatlas.analytics.networks package as a whole: every public name re-exported, imports
pointing down the module order, guards that name the parameter."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import igraph as ig
import pandas as pd
import pytest

from chainatlas.analytics import networks as N
from chainatlas.errors import ConfigError


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


# modules of the package, lowest first: each may import only modules before it, never the package itself
ORDER = [
    "_util",
    "graph",
    "centrality",
    "cluster",
    "structural_holes",
    "graph_level",
    "cores",
    "communities",
    "multiplex",
    "metrics",
]


def test_every_public_name_is_re_exported():
    found = sorted(m.name for m in pkgutil.iter_modules(N.__path__))
    assert found == sorted(ORDER)
    public = {}
    for name in ORDER[1:]:
        module = importlib.import_module(f"{N.__name__}.{name}")
        for attr in module.__all__:
            assert attr not in public, f"{attr} is exported by both {public.get(attr)} and {name}"
            public[attr] = name
            assert getattr(N, attr) is getattr(module, attr)
    assert sorted(N.__all__) == sorted(public)


@pytest.mark.parametrize("name", ORDER)
def test_imports_point_down_the_module_order(name):
    module = importlib.import_module(f"{N.__name__}.{name}")
    below = set(ORDER[: ORDER.index(name)])
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.ImportFrom):
            continue
        assert node.level == 0, f"{name}: relative import; write chainatlas.analytics.networks.<module>"
        if node.module == "chainatlas.analytics":
            assert "networks" not in {a.name for a in node.names}, f"{name} imports the networks package"
        elif node.module.startswith(N.__name__):
            target = node.module.removeprefix(N.__name__).lstrip(".")
            assert target in below, f"{name} imports {node.module}; allowed: {sorted(below)}"
