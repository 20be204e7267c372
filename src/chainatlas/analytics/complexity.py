"""Economic complexity and relatedness of places and chain segments.

Pure functions on a *place × item* matrix of activity (output, firms, patents or exports of each place in each
chain segment, industry or technology class): revealed comparative advantage, the economic complexity index of
places (ECI) and the complexity of items (PCI) by the eigenvector method, proximity between items, relatedness
density of each place to each item, and the missing but related items of every place — the segments a city
could most plausibly develop next (补链 candidates).

Contents
--------
:func:`rca`                    Balassa's revealed comparative advantage
:func:`complexity`             ECI / PCI (eigenvector method, equal to the limit of the method of reflections)
:func:`proximity`              minimum conditional probability of co-specialisation
:func:`relatedness_density`    density of a place's specialisations around each item
:func:`opportunities`          top missing related items per place
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import as_float_array, require_positive_int
from chainatlas.errors import ConfigError

__all__ = [
    "Complexity",
    "complexity",
    "opportunities",
    "proximity",
    "rca",
    "relatedness_density",
]


def rca(values: pd.DataFrame) -> pd.DataFrame:
    """Revealed comparative advantage (Balassa index) of every place in every item.

    Parameters
    ----------
    values : DataFrame
        Non-negative activity, index = places, columns = items (e.g. ``frame.pivot_table(index="adcode",
        columns="segment", values="revenue", aggfunc="sum", fill_value=0)``).

    Returns
    -------
    DataFrame
        RCA values, same labels; NaN for a place or item with zero total.

    Notes
    -----
    .. math:: RCA_{pi} = \\frac{X_{pi} / \\sum_{i'} X_{pi'}}{\\sum_{p'} X_{p'i} / \\sum_{p'i'} X_{p'i'}}

    :math:`RCA_{pi} \\ge 1`: item ``i`` weighs more in place ``p`` than in the whole region.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"ic": [8.0, 2.0], "bio": [2.0, 8.0]}, index=["sh", "hz"])
    >>> rca(x).round(2).values.tolist()
    [[1.6, 0.4], [0.4, 1.6]]

    References
    ----------
    .. [1] Balassa, B. (1965). Trade liberalisation and "revealed" comparative advantage. The Manchester School
       33(2), 99–123.
    """
    x = _matrix(values, "values")
    tot = x.sum()
    row = x.sum(axis=1, keepdims=True)
    col = x.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x / row) / (col / tot)
    r[~np.isfinite(r)] = np.nan
    return pd.DataFrame(r, index=values.index.copy(), columns=values.columns.copy())


@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class Complexity:
    """Economic complexity of places and items.

    Attributes
    ----------
    eci : Series
        Economic complexity index per place (standardised: mean 0, population s.d. 1); NaN for places without any
        specialisation.
    pci : Series
        Complexity per item, same standardisation; NaN for items no place specialises in.
    diversity : Series
        :math:`k_{p,0} = \\sum_i M_{pi}`, number of items a place specialises in.
    ubiquity : Series
        :math:`k_{i,0} = \\sum_p M_{pi}`, number of places specialised in an item.
    M : DataFrame
        The binary specialisation matrix used (0/1 integers).
    eigenvalue : float
        Second largest eigenvalue of :math:`\\tilde M`; close to 1 means nearly disconnected blocks of places
        (ECI then separates the blocks rather than ranking complexity).
    """

    eci: pd.Series
    pci: pd.Series
    diversity: pd.Series
    ubiquity: pd.Series
    M: pd.DataFrame
    eigenvalue: float


def complexity(values: pd.DataFrame, *, threshold: float = 1.0, binary: bool = False) -> Complexity:
    """ECI of places and PCI of items by the eigenvector method (Hausmann, Hidalgo et al. 2014).

    Parameters
    ----------
    values : DataFrame
        Place × item activity (RCA is computed) or, with ``binary=True``, a 0/1 specialisation matrix ``M``.
    threshold : float
        :math:`M_{pi} = 1` when :math:`RCA_{pi} \\ge` ``threshold``.
    binary : bool
        ``values`` is already ``M``.

    Returns
    -------
    Complexity

    Notes
    -----
    With :math:`k_p` the diversity and :math:`k_i` the ubiquity,

    .. math:: \\tilde M_{pp'} = \\sum_i \\frac{M_{pi} M_{p'i}}{k_p k_i}, \\qquad
              \\tilde M^{I}_{ii'} = \\sum_p \\frac{M_{pi} M_{pi'}}{k_i k_p}

    ECI is the eigenvector of :math:`\\tilde M` for its second largest eigenvalue (the largest, 1, has a constant
    eigenvector), standardised and signed to correlate positively with diversity; PCI is the same for
    :math:`\\tilde M^{I}`, signed to correlate positively with the average ECI of the places specialised in each
    item. This is the limit of Hidalgo & Hausmann's (2009) method of reflections,
    :math:`k_{p,N} = \\frac{1}{k_p}\\sum_i M_{pi} k_{i,N-1}`, whose standardised even iterates converge to the
    same vector (power iteration on :math:`\\tilde M` after removing the constant). Both matrices are similar to
    symmetric ones (:math:`D^{-1/2} M U^{-1} M^\\top D^{-1/2}`), so :func:`numpy.linalg.eigh` is used. Places
    with no specialisation and items nobody specialises in are left out of the eigenproblem (NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> M = pd.DataFrame([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], index=list("abcd"),
    ...                  columns=list("wxyz"))    # a nested ("triangular") specialisation matrix
    >>> c = complexity(M, binary=True)
    >>> c.eci.round(3).tolist(), c.pci.round(3).tolist()
    ([1.342, 0.447, -0.447, -1.342], [-1.342, -0.447, 0.447, 1.342])

    References
    ----------
    .. [1] Hidalgo, C. A. & Hausmann, R. (2009). The building blocks of economic complexity. PNAS 106(26),
       10570–10575.
    .. [2] Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A. & Yildirim, M. A. (2014). The Atlas
       of Economic Complexity. MIT Press, "Technical box" (eigenvector formulation).
    .. [3] Mealy, P., Farmer, J. D. & Teytelboym, A. (2019). Interpreting economic complexity. Science Advances
       5(1), eaau1705.
    """
    m_df = _binary(values, threshold, binary)
    m = m_df.to_numpy(dtype=float)
    kp = m.sum(axis=1)
    ki = m.sum(axis=0)
    rows, cols = kp > 0, ki > 0
    eci = np.full(len(kp), np.nan)
    pci = np.full(len(ki), np.nan)
    mm = m[np.ix_(rows, cols)]
    if mm.shape[0] < 2 or mm.shape[1] < 2:
        raise ConfigError(
            f"values: expected at least 2 places and 2 items with specialisations, got "
            f"{mm.shape[0]} and {mm.shape[1]}"
        )
    dp, di = mm.sum(axis=1), mm.sum(axis=0)
    s_place = (mm / np.sqrt(dp)[:, None]) @ (mm / di[None, :]).T / np.sqrt(dp)[None, :]
    vals, vecs = np.linalg.eigh((s_place + s_place.T) / 2)
    e = vecs[:, -2] / np.sqrt(dp)
    e = _standardise(e)
    if np.corrcoef(e, dp)[0, 1] < 0:
        e = -e
    s_item = (mm / np.sqrt(di)[None, :]).T @ (mm / dp[:, None]) / np.sqrt(di)[None, :]
    _, ivecs = np.linalg.eigh((s_item + s_item.T) / 2)
    q = _standardise(ivecs[:, -2] / np.sqrt(di))
    avg_eci = (mm.T @ e) / di
    if np.std(avg_eci) > 0 and np.corrcoef(q, avg_eci)[0, 1] < 0:
        q = -q
    eci[rows] = e
    pci[cols] = q
    return Complexity(
        eci=pd.Series(eci, index=m_df.index.copy(), name="eci"),
        pci=pd.Series(pci, index=m_df.columns.copy(), name="pci"),
        diversity=pd.Series(kp.astype(int), index=m_df.index.copy(), name="diversity"),
        ubiquity=pd.Series(ki.astype(int), index=m_df.columns.copy(), name="ubiquity"),
        M=m_df,
        eigenvalue=float(vals[-2]),
    )


def proximity(M: pd.DataFrame) -> pd.DataFrame:
    """Proximity between items: the minimum of the two conditional probabilities of co-specialisation.

    Parameters
    ----------
    M : DataFrame
        Binary place × item specialisation matrix (e.g. ``complexity(...).M`` or ``rca(x) >= 1``).

    Returns
    -------
    DataFrame
        Symmetric item × item matrix in [0, 1] with zero diagonal.

    Notes
    -----
    .. math:: \\varphi_{ij} = \\frac{\\sum_p M_{pi} M_{pj}}{\\max(k_i, k_j)} = \\min\\{P(M_i | M_j),
              P(M_j | M_i)\\}

    Examples
    --------
    >>> import pandas as pd
    >>> M = pd.DataFrame([[1, 1, 0], [1, 0, 1], [1, 1, 0]], columns=["x", "y", "z"])
    >>> proximity(M).round(3).values.tolist()
    [[0.0, 0.667, 0.333], [0.667, 0.0, 0.0], [0.333, 0.0, 0.0]]

    References
    ----------
    .. [1] Hidalgo, C. A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007). The product space conditions the
       development of nations. Science 317(5837), 482–487.
    """
    m = _binary(M, 1.0, True).to_numpy(dtype=float)
    k = m.sum(axis=0)
    co = m.T @ m
    denom = np.maximum(k[:, None], k[None, :])
    phi = np.divide(co, denom, out=np.zeros_like(co), where=denom > 0)
    np.fill_diagonal(phi, 0.0)
    return pd.DataFrame(phi, index=M.columns.copy(), columns=M.columns.copy())


def relatedness_density(M: pd.DataFrame, phi: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relatedness density of every place around every item.

    Parameters
    ----------
    M : DataFrame
        Binary place × item specialisation matrix.
    phi : DataFrame, optional
        Item proximity (default :func:`proximity` of ``M``); must cover ``M``'s items.

    Returns
    -------
    DataFrame
        Place × item density in [0, 1]; NaN for an item with no proximity to any other.

    Notes
    -----
    .. math:: \\omega_{pi} = \\frac{\\sum_{j \\ne i} M_{pj} \\varphi_{ij}}{\\sum_{j \\ne i} \\varphi_{ij}}

    the share of item ``i``'s neighbourhood in the item space that place ``p`` is already specialised in.

    Examples
    --------
    >>> import pandas as pd
    >>> M = pd.DataFrame([[1, 1, 0], [1, 0, 1], [1, 1, 0]], columns=["x", "y", "z"])
    >>> relatedness_density(M).round(3).values.tolist()
    [[0.667, 1.0, 1.0], [0.333, 1.0, 1.0], [0.667, 1.0, 1.0]]

    References
    ----------
    .. [1] Hidalgo, C. A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007). The product space conditions the
       development of nations. Science 317(5837), 482–487.
    .. [2] Hidalgo, C. A. et al. (2018). The principle of relatedness. Springer Proceedings in Complexity,
       451–457.
    """
    m_df = _binary(M, 1.0, True)
    if phi is None:
        phi = proximity(m_df)
    missing = [c for c in m_df.columns if c not in phi.index or c not in phi.columns]
    if missing:
        raise ConfigError(f"phi: items {list(missing)[:5]} of M are missing from the proximity matrix")
    p = as_float_array(phi.loc[m_df.columns, m_df.columns].to_numpy(), "phi", ndim=2, nonnegative=True)
    np.fill_diagonal(p, 0.0)
    m = m_df.to_numpy(dtype=float)
    denom = p.sum(axis=0)
    dens = np.divide(
        m @ p, denom[None, :], out=np.full((m.shape[0], p.shape[1]), np.nan), where=denom[None, :] > 0
    )
    return pd.DataFrame(dens, index=m_df.index.copy(), columns=m_df.columns.copy())


def opportunities(
    M: pd.DataFrame, density: pd.DataFrame | None = None, *, pci: pd.Series | None = None, n: int = 5
) -> pd.DataFrame:
    """The ``n`` most related items each place is *not* yet specialised in.

    Parameters
    ----------
    M : DataFrame
        Binary place × item specialisation matrix.
    density : DataFrame, optional
        Relatedness density (default :func:`relatedness_density` of ``M``).
    pci : Series, optional
        Item complexity to report (and break ties: more complex first).
    n : int
        Items per place.

    Returns
    -------
    DataFrame
        Columns ``place``, ``item``, ``density``, ``pci`` (NaN when not given), ``rank`` (1 = most related),
        ordered by place then rank.

    Notes
    -----
    For place ``p`` the candidates are :math:`\\{i : M_{pi} = 0\\}`, ranked by :math:`\\omega_{pi}` (descending),
    then PCI (descending), then item label. High density means the capabilities the item needs are largely
    present — the "principle of relatedness" (Hidalgo et al. 2018).

    Examples
    --------
    >>> import pandas as pd
    >>> M = pd.DataFrame([[1, 1, 0], [1, 0, 1], [1, 1, 0]], index=["a", "b", "c"], columns=["x", "y", "z"])
    >>> opportunities(M, n=1)[["place", "item", "density"]].values.tolist()
    [['a', 'z', 1.0], ['b', 'y', 1.0], ['c', 'z', 1.0]]

    References
    ----------
    .. [1] Hidalgo, C. A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007). The product space conditions the
       development of nations. Science 317(5837), 482–487.
    .. [2] Hidalgo, C. A. et al. (2018). The principle of relatedness. Springer Proceedings in Complexity,
       451–457.
    """
    n = require_positive_int(n, "n")
    m_df = _binary(M, 1.0, True)
    dens = relatedness_density(m_df) if density is None else density.loc[m_df.index, m_df.columns]
    long = dens.stack(future_stack=True).rename("density").reset_index()
    long.columns = ["place", "item", "density"]
    have = m_df.stack(future_stack=True).to_numpy() > 0
    long = long[~have].copy()
    long["pci"] = long["item"].map(pci) if pci is not None else np.nan
    long = long.sort_values(
        ["place", "density", "pci", "item"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="stable",
    )
    long["rank"] = long.groupby("place", sort=False).cumcount() + 1
    return long[long["rank"] <= n].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- helpers
def _matrix(values: object, param: str) -> np.ndarray:
    if not isinstance(values, pd.DataFrame):
        raise ConfigError(f"{param}: expected a place × item DataFrame, got {type(values).__name__}")
    if not values.index.is_unique or not values.columns.is_unique:
        raise ConfigError(f"{param}: expected unique place (index) and item (column) labels")
    return as_float_array(values.to_numpy(), param, ndim=2, nonnegative=True)


def _binary(values: pd.DataFrame, threshold: float, binary: bool) -> pd.DataFrame:
    x = _matrix(values, "values" if not binary else "M")
    if binary:
        if not np.isin(x, (0.0, 1.0)).all():
            raise ConfigError(
                "M: expected a 0/1 specialisation matrix (or pass activity values with binary=False)"
            )
        m = x.astype(int)
    else:
        r = rca(values).to_numpy()
        m = (np.nan_to_num(r, nan=0.0) >= threshold).astype(int)
    return pd.DataFrame(m, index=values.index.copy(), columns=values.columns.copy())


def _standardise(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else v - v.mean()
