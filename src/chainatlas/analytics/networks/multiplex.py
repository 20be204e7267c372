"""Multiplex measures across layers: tie overlap, participation coefficient and the QAP correlation test."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import (
    as_float_array,
    as_square,
    require_columns,
    require_frame,
    require_positive_int,
)
from chainatlas.analytics.networks._util import _corr
from chainatlas.analytics.networks.centrality import strength
from chainatlas.analytics.networks.graph import build_graph
from chainatlas.errors import ConfigError

__all__ = ["QAPResult", "layer_overlap", "participation_coefficient", "qap_correlation"]


def layer_overlap(
    edges: pd.DataFrame,
    directed: bool = True,
    *,
    layer: str = "layer",
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
) -> pd.DataFrame:
    """Pairwise overlap of layers: Jaccard index of tie sets and correlation of tie weights.

    Parameters
    ----------
    edges : DataFrame
        Long edge list with a layer column (e.g. the six networks of one scale and period).
    directed : bool
        Compare directed ties (``a→b`` differs from ``b→a``) or undirected ones.
    layer, src, dst, weight : str
        Column names.

    Returns
    -------
    DataFrame
        One row per unordered pair of layers (in order of first appearance): ``layer_a``, ``layer_b``, ``n_a``,
        ``n_b`` (ties), ``n_common``, ``jaccard``, ``weight_corr``.

    Notes
    -----
    With :math:`E_\\alpha` the tie set of layer :math:`\\alpha` (self-loops and zero weights dropped, duplicates
    merged),

    .. math:: J_{\\alpha\\beta} = \\frac{|E_\\alpha \\cap E_\\beta|}{|E_\\alpha \\cup E_\\beta|}

    and ``weight_corr`` is Pearson's correlation of :math:`w^\\alpha_{ij}` and :math:`w^\\beta_{ij}` over
    :math:`E_\\alpha \\cup E_\\beta`, a tie missing from a layer counting 0 (NaN when undefined). For the
    correlation over *all* node pairs with a significance test use :func:`qap_correlation`.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"layer": ["k", "k", "i"], "src": ["a", "b", "a"], "dst": ["b", "c", "b"],
    ...                   "weight": [1.0, 2.0, 5.0]})
    >>> layer_overlap(e)[["layer_a", "layer_b", "n_common", "jaccard"]].values.tolist()
    [['k', 'i', 1, 0.5]]

    References
    ----------
    .. [1] Bianconi, G. (2013). Statistical mechanics of multiplex networks: entropy and overlap. Phys. Rev. E
       87, 062806.
    .. [2] Battiston, F., Nicosia, V. & Latora, V. (2014). Structural measures for multiplex networks. Phys. Rev.
       E 89, 032804.
    """
    wide = _layer_wide(edges, directed, layer, src, dst, weight)
    rows = []
    for la, lb in combinations(list(wide.columns), 2):
        xa = wide[la].to_numpy()
        xb = wide[lb].to_numpy()
        pa, pb = xa > 0, xb > 0
        union = pa | pb
        common = int((pa & pb).sum())
        rows.append(
            {
                "layer_a": la,
                "layer_b": lb,
                "n_a": int(pa.sum()),
                "n_b": int(pb.sum()),
                "n_common": common,
                "jaccard": common / int(union.sum()) if union.any() else float("nan"),
                "weight_corr": _corr(xa[union], xb[union]),
            }
        )
    return pd.DataFrame(
        rows, columns=["layer_a", "layer_b", "n_a", "n_b", "n_common", "jaccard", "weight_corr"]
    )


def participation_coefficient(
    edges: pd.DataFrame,
    directed: bool = True,
    *,
    layer: str = "layer",
    src: str = "src",
    dst: str = "dst",
    weight: str | None = "weight",
    weighted: bool = False,
    layers: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Multiplex participation coefficient of every node (Battiston, Nicosia & Latora 2014).

    Parameters
    ----------
    edges : DataFrame
        Long edge list with a layer column.
    directed : bool
        How ties are merged before counting (degree counts in- and out-ties either way).
    layer, src, dst, weight : str
        Column names.
    weighted : bool
        Use strengths instead of degrees.
    layers : sequence, optional
        The layers :math:`M` counts, including layers without ties (default: those present).

    Returns
    -------
    DataFrame
        Index ``node``; columns ``overlapping_degree`` (:math:`o_i`, or strength), one column per layer with the
        node's degree (strength) there, and ``participation`` (:math:`P_i`).

    Notes
    -----
    .. math:: P_i = \\frac{M}{M-1} \\Big[1 - \\sum_{\\alpha=1}^{M} \\Big(\\frac{k_i^{[\\alpha]}}{o_i}\\Big)^2\\Big],
              \\qquad o_i = \\sum_\\alpha k_i^{[\\alpha]}

    :math:`P_i = 1` when a node's ties are spread evenly over all layers, 0 when they are all in one layer.
    NaN when :math:`M < 2`.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"layer": ["k", "i"], "src": ["a", "a"], "dst": ["b", "c"]})
    >>> participation_coefficient(e, weight=None)["participation"].tolist()
    [1.0, 0.0, 0.0]

    References
    ----------
    .. [1] Battiston, F., Nicosia, V. & Latora, V. (2014). Structural measures for multiplex networks. Phys. Rev.
       E 89, 032804, eq. (13).
    """
    require_frame(edges, "edges")
    require_columns(edges, [layer], "edges")
    names = list(pd.unique(edges[layer])) if layers is None else list(layers)
    if layers is not None:
        extra = set(pd.unique(edges[layer])) - set(names)
        if extra:
            raise ConfigError(f"layers: edges has layers {sorted(map(str, extra))} not in layers")
    cols = {}
    for name in names:
        sub = edges[edges[layer] == name]
        if len(sub) == 0:
            cols[name] = pd.Series(dtype=float)
            continue
        g = build_graph(sub, directed, src=src, dst=dst, weight=weight)
        cols[name] = strength(g, "weight" if weighted else None, mode="all")
    k = pd.DataFrame(cols).fillna(0.0)
    k.index.name = "node"
    m = len(names)
    o = k.sum(axis=1)
    share = k.div(o.where(o > 0), axis=0)
    p = (
        (m / (m - 1)) * (1.0 - (share**2).sum(axis=1, min_count=1))
        if m >= 2
        else pd.Series(np.nan, index=k.index)
    )
    out = k.copy()
    out.insert(0, "overlapping_degree", o)
    out["participation"] = p.where(o > 0)
    return out


@dataclass(frozen=True)
class QAPResult:
    """Quadratic assignment procedure test of the correlation of two relations.

    Attributes
    ----------
    r : float
        Pearson correlation of the off-diagonal cells.
    p_greater, p_less : float
        One-sided permutation p-values, :math:`(1 + \\#\\{r_\\pi \\ge r\\}) / (1 + P)` and the same with
        :math:`\\le`.
    p_two_sided : float
        :math:`(1 + \\#\\{|r_\\pi| \\ge |r|\\}) / (1 + P)`.
    n_permutations : int
    seed : int
    """

    r: float
    p_greater: float
    p_less: float
    p_two_sided: float
    n_permutations: int
    seed: int


def qap_correlation(
    x: np.ndarray | pd.DataFrame, y: np.ndarray | pd.DataFrame, *, n_permutations: int = 999, seed: int = 0
) -> QAPResult:
    """QAP correlation between two layers' matrices with a permutation p-value.

    Parameters
    ----------
    x, y : ndarray or DataFrame
        Square matrices of the same nodes (e.g. from :func:`adjacency_matrix` with the same ``nodes``). Two
        DataFrames are aligned on their labels. Diagonals are ignored.
    n_permutations : int
        Number of random node relabellings.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    QAPResult

    Notes
    -----
    .. math:: r = \\operatorname{corr}\\big(x_{ij}, y_{ij}\\big)_{i \\ne j}, \\qquad
              r_\\pi = \\operatorname{corr}\\big(x_{ij}, y_{\\pi(i)\\pi(j)}\\big)_{i \\ne j}

    Rows and columns of ``y`` are permuted together, which keeps the dependence among cells of the same node that
    invalidates the ordinary test for dyadic data. Because a permutation maps off-diagonal cells to off-diagonal
    cells, the mean and variance of ``y`` are unchanged and :math:`r_\\pi` is a centred dot product.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> a = rng.random((12, 12))
    >>> res = qap_correlation(a, a + 0.1 * rng.random((12, 12)), n_permutations=199)
    >>> bool(res.r > 0.9), res.p_greater
    (True, 0.005)

    References
    ----------
    .. [1] Krackhardt, D. (1987). QAP partialling as a test of spuriousness. Social Networks 9(2), 171–186.
    .. [2] Hubert, L. J. (1987). Assignment Methods in Combinatorial Data Analysis. Marcel Dekker.
    """
    if isinstance(x, pd.DataFrame) and isinstance(y, pd.DataFrame):
        if set(x.index) != set(y.index) or set(x.columns) != set(y.columns):
            raise ConfigError("x, y: expected matrices over the same nodes; their labels differ")
        y = y.loc[x.index, x.columns]
    xa = as_square(x, "x")
    ya = as_square(y, "y")
    if xa.shape != ya.shape:
        raise ConfigError(f"x, y: expected matrices of the same shape, got {xa.shape} and {ya.shape}")
    n_perm = require_positive_int(n_permutations, "n_permutations")
    n = xa.shape[0]
    if n < 3:
        raise ConfigError(f"x: expected at least 3 nodes for a QAP test, got {n}")
    off = ~np.eye(n, dtype=bool)
    xc = np.where(off, xa - xa[off].mean(), 0.0)
    yc = np.where(off, ya - ya[off].mean(), 0.0)
    denom = math.sqrt(float((xc**2).sum()) * float((yc**2).sum()))
    if denom == 0:
        raise ConfigError("x, y: a matrix is constant off the diagonal; the correlation is undefined")
    r = float((xc * yc).sum() / denom)
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n_perm, n)), axis=1)
    chunk = max(1, int(4_000_000 // (n * n)))
    r_perm = np.empty(n_perm)
    flat_x = xc.ravel()
    for start in range(0, n_perm, chunk):
        p = perms[start : start + chunk]
        yp = yc[p[:, :, None], p[:, None, :]].reshape(len(p), -1)
        r_perm[start : start + chunk] = yp @ flat_x / denom
    eps = 1e-12
    return QAPResult(
        r=r,
        p_greater=float((1 + np.sum(r_perm >= r - eps)) / (1 + n_perm)),
        p_less=float((1 + np.sum(r_perm <= r + eps)) / (1 + n_perm)),
        p_two_sided=float((1 + np.sum(np.abs(r_perm) >= abs(r) - eps)) / (1 + n_perm)),
        n_permutations=n_perm,
        seed=int(seed),
    )


def _layer_wide(
    edges: pd.DataFrame, directed: bool, layer: str, src: str, dst: str, weight: str | None
) -> pd.DataFrame:
    """Tie × layer weight table (0 where a layer lacks the tie), self-loops and zero weights dropped."""
    require_frame(edges, "edges")
    require_columns(edges, [layer, src, dst, weight], "edges")
    if edges[layer].isna().any():
        raise ConfigError(f"edges: missing value in layer column {layer!r}")
    w = (
        np.ones(len(edges))
        if weight is None
        else as_float_array(edges[weight].to_numpy(), f"edges[{weight!r}]", ndim=1, nonnegative=True)
    )
    s, d = edges[src].to_numpy(), edges[dst].to_numpy()
    if pd.isna(s).any() or pd.isna(d).any():
        raise ConfigError(f"edges: missing endpoint in column {src!r} or {dst!r}")
    codes, uniques = pd.factorize(np.concatenate([s, d]))
    m = len(s)
    a, b = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    keep = (a != b) & (w > 0)
    e = pd.DataFrame(
        {
            "pair": (a * max(len(uniques), 1) + b)[keep],
            "layer": edges[layer].to_numpy()[keep],
            "weight": w[keep],
        }
    )
    order = list(pd.unique(edges[layer]))
    wide = e.pivot_table(index="pair", columns="layer", values="weight", aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=order, fill_value=0.0)
