"""Private helpers shared by the modules of :mod:`chainatlas.analytics.networks`: graph checks, vertex index,
weights as igraph reads them, the weighted adjacency as a sparse matrix, and small array helpers."""

from __future__ import annotations

import math

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.errors import ConfigError

#: what functions accepting "edges" take: an edge list (see build_graph) or a graph
EdgesOrGraph = pd.DataFrame | ig.Graph


def _require_graph(g: object) -> None:
    if not isinstance(g, ig.Graph):
        raise ConfigError(f"g: expected an igraph.Graph (see build_graph), got {type(g).__name__}")


def _py(x: object) -> object:
    """NumPy scalar → Python scalar, so that messages show ``9``, not ``np.int64(9)``."""
    return x.item() if isinstance(x, np.generic) else x


def _index(g: ig.Graph) -> pd.Index:
    if "name" in g.vs.attributes():
        return pd.Index(g.vs["name"], name="node")
    return pd.RangeIndex(g.vcount(), name="node")


def _weights(g: ig.Graph, weight: str | None) -> str | None:
    """Checked edge attribute name for igraph's ``weights=`` (igraph reads it in C, no list round trip)."""
    if weight is None:
        return None
    if weight not in g.es.attributes():
        if g.ecount() == 0:
            return None
        raise ConfigError(
            f"weight: the graph has no edge attribute {weight!r} "
            f"(it has {g.es.attributes()}); pass weight=None for an unweighted graph"
        )
    return weight


def _weights_array(g: ig.Graph, weight: str | None) -> np.ndarray:
    w = _weights(g, weight)
    return np.ones(g.ecount()) if w is None else np.asarray(g.es[w], dtype=float)


def _csr(g: ig.Graph, weight: str | None) -> sp.csr_matrix:
    """Weighted adjacency as CSR; symmetric for undirected graphs; duplicate edges summed."""
    n = g.vcount()
    e = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = _weights_array(g, weight)
    a = sp.csr_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n))
    if not g.is_directed():
        diag = a.diagonal()
        a = (a + a.T).tocsr()
        if diag.any():  # an undirected self-loop is one tie, not two
            a = (a - sp.diags(diag)).tocsr()
            a.eliminate_zeros()
    return a


def _row_scale(a: sp.csr_matrix, factors: np.ndarray) -> sp.csr_matrix:
    return sp.diags(factors) @ a


def _safe_inv(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x, dtype=float)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    xc = x - x.mean()
    yc = y - y.mean()
    d = math.sqrt(float(xc @ xc) * float(yc @ yc))
    return float(xc @ yc / d) if d > 0 else float("nan")
