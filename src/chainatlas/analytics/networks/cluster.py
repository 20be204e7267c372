"""Local clustering coefficients: Watts–Strogatz (binary) and Onnela et al. (weighted)."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics.networks._util import _csr, _index, _require_graph

__all__ = ["clustering"]


def clustering(g: ig.Graph, weight: str | None = None) -> pd.Series:
    """Local clustering coefficient, binary or weighted (Onnela et al. 2005), ignoring direction.

    Parameters
    ----------
    g : igraph.Graph
        For a directed graph the ties are first made undirected, weights of ``i→j`` and ``j→i`` summed.
    weight : str or None
        ``None``: the Watts–Strogatz coefficient; otherwise Onnela's weighted coefficient.

    Returns
    -------
    Series
        Clustering per node, 0 for nodes with fewer than two neighbours.

    Notes
    -----
    Binary: :math:`c_i = 2 T_i / (k_i (k_i - 1))` with :math:`T_i` triangles through ``i``. Weighted, with
    :math:`\\hat w = w / \\max w`:

    .. math:: c_i = \\frac{1}{k_i (k_i - 1)} \\sum_{j,h} (\\hat w_{ij} \\hat w_{ih} \\hat w_{jh})^{1/3}
              = \\frac{[\\hat W^{1/3}]^3_{ii}}{k_i (k_i - 1)}

    Both equal NetworkX's ``clustering(G, weight=...)`` on the undirected graph.

    Examples
    --------
    >>> import igraph as ig
    >>> clustering(ig.Graph.Full(4)).tolist()
    [1.0, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks. Nature 393,
       440–442.
    .. [2] Onnela, J.-P., Saramäki, J., Kertész, J. & Kaski, K. (2005). Intensity and coherence of motifs in
       weighted complex networks. Phys. Rev. E 71, 065103.
    """
    _require_graph(g)
    idx = _index(g)
    if weight is None:
        ug = g.as_undirected(mode="collapse") if g.is_directed() else g
        c = np.asarray(ug.transitivity_local_undirected(mode="zero"), dtype=float)
        return pd.Series(c, index=idx, name="clustering")
    a = _csr(g, weight)
    c = _onnela((a + a.T).tocsr() if g.is_directed() else a)
    return pd.Series(c, index=idx, name="clustering_weighted")


def _onnela(a: sp.csr_matrix) -> np.ndarray:
    n = a.shape[0]
    if a.nnz == 0:
        return np.zeros(n)
    c = a.copy().astype(float).tocsr()
    c.setdiag(0.0)  # self-loops close no triangle
    c.eliminate_zeros()
    if c.nnz == 0:
        return np.zeros(n)
    c.data = np.cbrt(c.data / c.data.max())
    tri = np.asarray((c @ c).multiply(c).sum(axis=1)).ravel()
    k = np.diff(c.indptr).astype(float)
    denom = k * (k - 1)
    out = np.zeros(n)
    np.divide(tri, denom, out=out, where=denom > 0)
    return out
