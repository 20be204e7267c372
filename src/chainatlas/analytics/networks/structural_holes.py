"""Burt's structural holes: constraint and effective size of each node's ego network (NetworkX's definitions)."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics.networks._util import _csr, _index, _require_graph, _row_scale, _safe_inv

__all__ = ["constraint", "effective_size"]


def constraint(g: ig.Graph, weight: str | None = "weight") -> pd.Series:
    """Burt's constraint, NetworkX's definition (mutual weights, in- and out-neighbours).

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute; ``None``: every tie weighs 1.

    Returns
    -------
    Series
        Constraint per node; NaN for isolated nodes (undefined).

    Notes
    -----
    With mutual weights :math:`m_{ij} = a_{ij} + a_{ji}` and proportional strengths
    :math:`p_{ij} = m_{ij} / \\sum_{k \\in N(i)} m_{ik}`,

    .. math:: c_i = \\sum_{j \\in N(i)} \\Big(p_{ij} + \\sum_{q \\in N(i)} p_{iq} p_{qj}\\Big)^2

    where :math:`N(i)` are the in- and out-neighbours. Computed with sparse matrices as
    :math:`c = \\operatorname{rowsum}\\big(\\mathbb 1[M > 0] \\circ (P + P^2)^{\\circ 2}\\big)`.

    Examples
    --------
    >>> import igraph as ig
    >>> constraint(ig.Graph.Star(4), weight=None).round(3).tolist()
    [0.333, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.
    .. [2] Burt, R. S. (2004). Structural holes and good ideas. Am. J. Sociology 110(2), 349–399.
    """
    _require_graph(g)
    return pd.Series(_constraint_values(_mutual(_csr(g, weight))), index=_index(g), name="constraint")


def effective_size(g: ig.Graph, weight: str | None = "weight") -> pd.Series:
    """Burt's effective size of each node's ego network, NetworkX's definition.

    Parameters
    ----------
    g : igraph.Graph
    weight : str or None
        Edge attribute; ``None``: every tie weighs 1 (then Borgatti's :math:`n - 2t/n` for undirected graphs).

    Returns
    -------
    Series
        Effective size per node; NaN for isolated nodes.

    Notes
    -----
    With :math:`p_{ij}` as in :func:`constraint` and :math:`m^*_{jq} = m_{jq} / \\max_k m_{jk}`,

    .. math:: e_i = \\sum_{j \\in N(i)} \\Big(1 - \\sum_{q \\in N(i)} p_{iq} m^*_{jq}\\Big)

    Examples
    --------
    >>> import igraph as ig
    >>> effective_size(ig.Graph.Star(4), weight=None).tolist()
    [3.0, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.
    .. [2] Borgatti, S. P. (1997). Structural holes: unpacking Burt's redundancy measures. Connections 20(1),
       35–38.
    """
    _require_graph(g)
    return pd.Series(_effective_size_values(_mutual(_csr(g, weight))), index=_index(g), name="effective_size")


def _mutual(a: sp.csr_matrix) -> sp.csr_matrix:
    """Mutual weights m_ij = a_ij + a_ji (NetworkX's convention, also for undirected graphs: 2 w_ij)."""
    m = (a + a.T).tocsr()
    diag = m.diagonal()
    if diag.any():
        m = (m - sp.diags(diag)).tocsr()
        m.eliminate_zeros()
    return m


def _constraint_values(mw: sp.csr_matrix) -> np.ndarray:
    rs = np.asarray(mw.sum(axis=1)).ravel()
    p = _row_scale(mw, _safe_inv(rs))
    local = (p + p @ p).tocsr()
    mask = mw.copy()
    mask.data = np.ones_like(mask.data)
    c = np.asarray(mask.multiply(local.multiply(local)).sum(axis=1)).ravel()
    c[rs == 0] = np.nan
    return c


def _effective_size_values(mw: sp.csr_matrix) -> np.ndarray:
    rs = np.asarray(mw.sum(axis=1)).ravel()
    rmax = np.asarray(mw.max(axis=1).todense()).ravel()
    p = _row_scale(mw, _safe_inv(rs))
    q = _row_scale(mw, _safe_inv(rmax))
    red = (p @ q.T).tocsr()
    mask = mw.copy()
    mask.data = np.ones_like(mask.data)
    deg = np.asarray(mask.sum(axis=1)).ravel()
    e = deg - np.asarray(mask.multiply(red).sum(axis=1)).ravel()
    e[rs == 0] = np.nan
    return e
