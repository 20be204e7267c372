"""Core–periphery structure: Borgatti–Everett continuous coreness and the best discrete core/periphery split."""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainatlas.analytics._checks import require_positive_int
from chainatlas.analytics.networks._util import _corr, _csr, _index, _require_graph

__all__ = ["CorePeriphery", "core_periphery"]


@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class CorePeriphery:
    """Continuous coreness and a core/periphery split (Borgatti & Everett 1999).

    Attributes
    ----------
    coreness : Series
        Continuous coreness per node, non-negative, unit Euclidean norm.
    core : Series
        Boolean: the node is in the discrete core.
    core_size : int
        Number of core nodes (0 when the graph is too small to split, n < 4).
    fit_continuous : float
        Pearson correlation between :math:`a_{ij}` and :math:`c_i c_j` over pairs :math:`i \\ne j`.
    fit_discrete : float
        Pearson correlation between :math:`a_{ij}` and the ideal pattern (core–core 1, periphery–periphery 0,
        core–periphery cells excluded) for the chosen split.
    converged : bool
        False when the fit stopped at ``max_iter``: on star-like graphs the residual has no minimum (it keeps
        falling as the hub's :math:`c` grows and the others' shrink), and the unit-norm direction reached is
        reported.
    """

    coreness: pd.Series
    core: pd.Series
    core_size: int
    fit_continuous: float
    fit_discrete: float
    converged: bool = True


def core_periphery(
    g: ig.Graph, weight: str | None = "weight", *, max_iter: int = 1000, tol: float = 1e-10
) -> CorePeriphery:
    """Borgatti–Everett continuous coreness (minimum residual fit) and the best core/periphery split.

    Parameters
    ----------
    g : igraph.Graph
        Directed graphs are symmetrised, :math:`a_{ij} = (w_{ij} + w_{ji}) / 2`.
    weight : str or None
        Edge attribute; ``None`` for the binary model.
    max_iter : int
        Iteration cap for the coreness fit.
    tol : float
        Stop when the largest change of the (unit-norm) coreness vector is below ``tol``.

    Returns
    -------
    CorePeriphery

    Notes
    -----
    *Continuous model.* Coreness :math:`c` minimises :math:`\\sum_{i \\ne j} (a_{ij} - c_i c_j)^2`, the minimum
    residual form of Borgatti & Everett's continuous model (Boyd, Fitzgerald & Beck 2006), whose stationarity
    condition is

    .. math:: c_i = \\frac{\\sum_{j \\ne i} a_{ij} c_j}{\\sum_{j \\ne i} c_j^2},

    solved by Levenberg–Marquardt with the exact gradient and Hessian from scaled square-root strengths (the
    plain fixed-point iteration of that condition converges only sublinearly when a few heavy ties dominate);
    the reported ``coreness`` is :math:`c / \\lVert c \\rVert`, and ``fit_continuous`` is Borgatti &
    Everett's :math:`\\rho = \\operatorname{corr}(a_{ij}, c_i c_j)`.

    *Discrete split.* Nodes are ranked by coreness; for each core size :math:`k = 2, \\dots, n-2` the ideal
    pattern :math:`\\delta_{ij} = 1` (both in core), 0 (both in periphery), undefined otherwise, is correlated
    with :math:`a_{ij}` over the defined off-diagonal cells; the ``k`` with the largest correlation is the core
    (Borgatti & Everett's "core/periphery with missing off-diagonal blocks", evaluated along the coreness order,
    in :math:`O(n^2)` with prefix sums).

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Full(4) + ig.Graph(4)            # a 4-clique and 4 isolates ...
    >>> g.add_edges([(0, 4), (1, 5), (2, 6), (3, 7)])  # ... each attached to one clique member
    >>> cp = core_periphery(g, weight=None)
    >>> cp.core.tolist(), cp.core_size
    ([True, True, True, True, False, False, False, False], 4)

    References
    ----------
    .. [1] Borgatti, S. P. & Everett, M. G. (1999). Models of core/periphery structures. Social Networks 21(4),
       375–395.
    .. [2] Boyd, J. P., Fitzgerald, W. J. & Beck, R. J. (2006). Computing core/periphery structures and
       permutation tests for social relations data. Social Networks 28(2), 165–178.
    """
    _require_graph(g)
    max_iter = require_positive_int(max_iter, "max_iter")
    return _core_periphery_from(_csr(g, weight), g.is_directed(), _index(g), max_iter, tol)


def _core_periphery_from(
    a_sparse: sp.csr_matrix, directed: bool, idx: pd.Index, max_iter: int, tol: float
) -> CorePeriphery:
    n = a_sparse.shape[0]
    a = a_sparse.toarray()
    if directed:
        a = (a + a.T) / 2.0
    np.fill_diagonal(a, 0.0)
    c, converged = _coreness(a, max_iter, tol)
    off = ~np.eye(n, dtype=bool)
    fit_c = _corr(a[off], np.outer(c, c)[off]) if n >= 2 else float("nan")
    order = np.argsort(-c, kind="stable")
    k, fit_d = _best_split(a[np.ix_(order, order)])
    core = np.zeros(n, dtype=bool)
    core[order[:k]] = True
    return CorePeriphery(
        coreness=pd.Series(c, index=idx, name="coreness"),
        core=pd.Series(core, index=idx.copy(), name="core"),
        core_size=int(k),
        fit_continuous=fit_c,
        fit_discrete=fit_d,
        converged=converged,
    )


def _coreness(a: np.ndarray, max_iter: int, tol: float) -> tuple[np.ndarray, bool]:
    """Minimum-residual coreness: argmin_c sum_{i != j} (a_ij - c_i c_j)^2 for symmetric ``a`` (zero diagonal).

    Levenberg–Marquardt on the exact gradient and Hessian (n × n), started from scaled square-root strengths.
    The plain fixed-point iteration c_i = sum_j a_ij c_j / sum_{j != i} c_j^2 converges only sublinearly when a
    few heavy ties dominate (a hub with c_hub >> c_j), which weighted flow data often have.
    """
    n = a.shape[0]
    s = a.sum(axis=1)
    if n == 0 or not (s > 0).any():
        return np.zeros(n), True
    off = ~np.eye(n, dtype=bool)

    def loss(c: np.ndarray) -> float:
        r = (a - np.outer(c, c))[off]
        return float(r @ r)

    # start: rank-1 scale of sqrt(strength), fitted in closed form along that direction
    c = np.sqrt(s)
    cc = np.outer(c, c)[off]
    c = c * (float(a[off] @ cc) / float(cc @ cc)) ** 0.25
    f = loss(c)
    mu = 1e-3 * float(np.abs(a).max() + 1e-300)
    for _ in range(max_iter):
        sq = float(c @ c) - c**2
        grad = -4.0 * (a @ c - c * sq)
        hess = -4.0 * a + 8.0 * np.outer(c, c)
        hess[np.diag_indices(n)] = 4.0 * sq
        scale = max(float(np.abs(c).max()), 1e-300)
        accepted = False
        for _inner in range(60):
            try:
                step = np.linalg.solve(hess + mu * np.eye(n), -grad)
            except np.linalg.LinAlgError:
                mu *= 10.0
                continue
            new = c + step
            f_new = loss(new)
            if f_new <= f:
                accepted = True
                c, f = new, f_new
                mu = max(mu / 3.0, 1e-12 * float(np.abs(hess).max() + 1e-300))
                break
            mu *= 4.0
        if not accepted or np.abs(step).max() <= tol * scale:
            converged = True
            break
    else:  # no minimum (star-like graphs): the residual still falls while c runs off along one direction
        converged = False
    c = np.abs(c)
    norm = float(np.linalg.norm(c))
    return (c / norm if norm > 0 else c), converged


def _best_split(b: np.ndarray) -> tuple[int, float]:
    """Best core size along the given order (b sorted by coreness, zero diagonal, symmetric)."""
    n = b.shape[0]
    if n < 4:
        return 0, float("nan")
    cs = b.cumsum(0).cumsum(1)
    cs2 = (b * b).cumsum(0).cumsum(1)
    rows = b.sum(axis=1).cumsum()
    rows2 = (b * b).sum(axis=1).cumsum()
    total, total2 = cs[-1, -1], cs2[-1, -1]
    k = np.arange(2, n - 1)
    cc = cs[k - 1, k - 1]
    cc2 = cs2[k - 1, k - 1]
    pp = total - 2 * rows[k - 1] + cc
    pp2 = total2 - 2 * rows2[k - 1] + cc2
    n1 = k * (k - 1.0)
    n0 = (n - k) * (n - k - 1.0)
    nn = n1 + n0
    mean = (cc + pp) / nn
    var_x = (cc2 + pp2) / nn - mean**2
    f1 = n1 / nn
    cov = cc / nn - mean * f1
    var_y = f1 * (1 - f1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(var_x * var_y)
    if not np.isfinite(r).any():
        return 0, float("nan")
    best = int(np.nanargmax(r))
    return int(k[best]), float(r[best])
