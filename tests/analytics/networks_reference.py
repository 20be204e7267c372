"""Reference helpers of the tests of chainatlas.analytics.networks: NetworkX graphs as edge lists, seeded
random weighted graphs and a Series comparison to 1e-9.

Imported by the test_networks_*.py files beside it (pytest puts this folder on sys.path: tests/ has no
__init__.py); not a test file itself.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

TOL = 1e-9


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
