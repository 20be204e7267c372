"""Input–output maths: coefficients, Leontief and Ghosh inverses, linkages, hypothetical extraction.

Everything here starts with ``calc_`` (the pymrio convention) and is a pure function: it takes NumPy arrays or
pandas DataFrames/Series and returns a new object of the type it got, labels kept. Notation (Miller & Blair 2009):

=====  ==========================================================================================
``Z``  intermediate flows, ``n × n``, row = selling sector, column = buying sector
``y``  final demand, length ``n`` (or ``n × k`` categories, summed)
``x``  gross output, length ``n``
``v``  primary inputs (value added + imports), length ``n``: :math:`v_j = x_j - \\sum_i z_{ij}`
``A``  technical (input) coefficients :math:`a_{ij} = z_{ij} / x_j`
``L``  Leontief inverse :math:`(I - A)^{-1}`
``B``  allocation (output) coefficients :math:`b_{ij} = z_{ij} / x_i`
``G``  Ghosh inverse :math:`(I - B)^{-1}`
=====  ==========================================================================================

The demand-side model reads :math:`x = Ax + y \\Rightarrow x = Ly`; the supply-side (Ghosh) model
:math:`x' = x'B + v' \\Rightarrow x' = v'G`. A sector with zero output gets zero coefficients (no division by 0).
In a multi-regional table (rows and columns labelled ``(region, sector)``) a region is a set of sectors, so
:func:`calc_extraction` of all its labels measures the region's block.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import as_float_array, require_choice
from chainatlas.errors import ConfigError

__all__ = [
    "Extraction",
    "calc_A",
    "calc_B",
    "calc_G",
    "calc_L",
    "calc_Z",
    "calc_extraction",
    "calc_linkages",
    "calc_v",
    "calc_x",
    "calc_x_from_L",
    "calc_x_from_demand",
]

M = TypeVar("M", np.ndarray, pd.DataFrame)


def calc_x(Z: M, y: np.ndarray | pd.Series | pd.DataFrame) -> np.ndarray | pd.Series:
    """Gross output from intermediate flows and final demand.

    Parameters
    ----------
    Z : ndarray or DataFrame
        Intermediate flows, ``n × n``.
    y : ndarray, Series or DataFrame
        Final demand, length ``n`` or ``n × k`` (categories are summed).

    Returns
    -------
    ndarray or Series
        :math:`x` (a Series labelled like ``Z``'s rows when ``Z`` is a DataFrame).

    Notes
    -----
    .. math:: x_i = \\sum_j z_{ij} + y_i

    Examples
    --------
    >>> import numpy as np
    >>> calc_x(np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([350.0, 1700.0]))
    array([1000., 2000.])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis: Foundations and Extensions, 2nd ed.
       Cambridge University Press, eq. (2.1).
    """
    z = _square(Z, "Z")
    yy = _final_demand(y, z.shape[0])
    return _vector_like(Z, z.sum(axis=1) + yy, "x")


def calc_v(Z: M, x: np.ndarray | pd.Series) -> np.ndarray | pd.Series:
    """Primary inputs (value added plus imports) by column balance.

    Parameters
    ----------
    Z : ndarray or DataFrame
    x : ndarray or Series
        Gross output.

    Returns
    -------
    ndarray or Series
        :math:`v_j = x_j - \\sum_i z_{ij}`.

    Notes
    -----
    .. math:: v' = x' - i'Z

    Examples
    --------
    >>> import numpy as np
    >>> calc_v(np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([1000.0, 2000.0]))
    array([ 650., 1400.])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., Table 2.3.
    """
    z = _square(Z, "Z")
    xx = _vector(x, z.shape[0], "x")
    return _vector_like(Z, xx - z.sum(axis=0), "v")


def calc_A(Z: M, x: np.ndarray | pd.Series) -> M:
    """Technical coefficients :math:`A = Z \\hat x^{-1}`.

    Parameters
    ----------
    Z : ndarray or DataFrame
        Intermediate flows.
    x : ndarray or Series
        Gross output (non-negative).

    Returns
    -------
    ndarray or DataFrame
        ``A``, columns of zero-output sectors set to 0.

    Notes
    -----
    .. math:: a_{ij} = \\frac{z_{ij}}{x_j}

    Examples
    --------
    >>> import numpy as np
    >>> calc_A(np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([1000.0, 2000.0]))
    array([[0.15, 0.25],
           [0.2 , 0.05]])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., eq. (2.4), Table 2.4.
    """
    z = _square(Z, "Z")
    xx = _vector(x, z.shape[0], "x", nonnegative=True)
    return _like(Z, z * _inv(xx)[None, :])


def calc_Z(A: M, x: np.ndarray | pd.Series) -> M:
    """Intermediate flows from coefficients :math:`Z = A \\hat x`.

    Parameters
    ----------
    A : ndarray or DataFrame
    x : ndarray or Series

    Returns
    -------
    ndarray or DataFrame

    Notes
    -----
    .. math:: z_{ij} = a_{ij} x_j

    Examples
    --------
    >>> import numpy as np
    >>> calc_Z(np.array([[0.15, 0.25], [0.2, 0.05]]), np.array([1000.0, 2000.0]))
    array([[150., 500.],
           [200., 100.]])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., eq. (2.5).
    """
    a = _square(A, "A")
    xx = _vector(x, a.shape[0], "x", nonnegative=True)
    return _like(A, a * xx[None, :])


def calc_L(A: M) -> M:
    """Leontief inverse :math:`L = (I - A)^{-1}`.

    Parameters
    ----------
    A : ndarray or DataFrame
        Technical coefficients.

    Returns
    -------
    ndarray or DataFrame

    Raises
    ------
    ConfigError
        If :math:`I - A` is singular (the economy is not productive, e.g. a column of ``A`` sums to 1).

    Notes
    -----
    From :math:`x = Ax + y`, :math:`(I - A)x = y` and :math:`x = Ly`; :math:`l_{ij}` is the output of sector
    ``i`` needed, directly and indirectly, per unit of final demand for sector ``j``. Solved with
    :func:`numpy.linalg.solve` (LU), not by explicit inversion of a possibly ill-conditioned matrix.

    Examples
    --------
    >>> import numpy as np
    >>> calc_L(np.array([[0.15, 0.25], [0.2, 0.05]])).round(4)
    array([[1.2541, 0.33  ],
           [0.264 , 1.1221]])

    References
    ----------
    .. [1] Leontief, W. (1936). Quantitative input and output relations in the economic systems of the United
       States. Review of Economic Statistics 18(3), 105–125.
    .. [2] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., eq. (2.10), §2.3.
    """
    a = _square(A, "A")
    return _like(A, _inverse_of_i_minus(a, "A"))


def calc_x_from_L(L: M, y: np.ndarray | pd.Series | pd.DataFrame) -> np.ndarray | pd.Series:
    """Gross output required by final demand, :math:`x = Ly`.

    Parameters
    ----------
    L : ndarray or DataFrame
        Leontief inverse.
    y : ndarray, Series or DataFrame
        Final demand (categories summed).

    Returns
    -------
    ndarray or Series

    Notes
    -----
    .. math:: x = L y

    Examples
    --------
    >>> import numpy as np
    >>> L = calc_L(np.array([[0.15, 0.25], [0.2, 0.05]]))
    >>> calc_x_from_L(L, np.array([600.0, 1500.0])).round(1)   # Miller & Blair's new final demand
    array([1247.5, 1841.6])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., §2.3.
    """
    ll = _square(L, "L")
    return _vector_like(L, ll @ _final_demand(y, ll.shape[0]), "x")


def calc_x_from_demand(
    Z: M, x: np.ndarray | pd.Series, y: np.ndarray | pd.Series | pd.DataFrame
) -> np.ndarray | pd.Series:
    """Gross output required by a new final demand, from an observed table: :math:`x^{new} = L\\,y^{new}`.

    Parameters
    ----------
    Z : ndarray or DataFrame
        Observed intermediate flows, ``n × n``.
    x : ndarray or Series
        Observed gross output, length ``n`` (fixes the technical coefficients).
    y : ndarray, Series or DataFrame
        The new final demand, length ``n`` (or ``n × k`` categories, summed), in the order of ``Z``.

    Returns
    -------
    ndarray or Series
        New gross output (a Series labelled like ``Z`` when ``Z`` is a DataFrame).

    Notes
    -----
    The coefficients of the observed table are assumed fixed (the Leontief demand model):

    .. math:: A = Z \\hat{x}^{-1}, \\qquad L = (I - A)^{-1}, \\qquad x^{new} = L\\, y^{new}

    i.e. :func:`calc_A`, :func:`calc_L`, :func:`calc_x_from_L` in a row (pymrio's ``calc_x_from_L``). With the
    observed final demand it returns the observed ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[150.0, 500.0], [200.0, 100.0]])      # Miller & Blair (2009), Table 2.3
    >>> calc_x_from_demand(Z, np.array([1000.0, 2000.0]), np.array([600.0, 1500.0])).round(1)
    array([1247.5, 1841.6])

    References
    ----------
    .. [1] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis: Foundations and Extensions, 2nd ed.
       Cambridge University Press, §2.3 (numerical example with new final demand 600, 1500).
    .. [2] Stadler, K. (2021). Pymrio — a Python based multi-regional input-output analysis toolbox. Journal of
       Open Research Software 9(1), 8 (``calc_x_from_L``).
    """
    a = _square(Z, "Z")
    xx = _vector(x, a.shape[0], "x", nonnegative=True)
    A = a * _inv(xx)[None, :]
    ll = _inverse_of_i_minus(A, "A")
    return _vector_like(Z, ll @ _final_demand(y, a.shape[0]), "x")


def calc_B(Z: M, x: np.ndarray | pd.Series) -> M:
    """Allocation (output) coefficients :math:`B = \\hat x^{-1} Z` of the Ghosh model.

    Parameters
    ----------
    Z : ndarray or DataFrame
    x : ndarray or Series

    Returns
    -------
    ndarray or DataFrame
        ``B``, rows of zero-output sectors set to 0.

    Notes
    -----
    .. math:: b_{ij} = \\frac{z_{ij}}{x_i}

    the share of sector ``i``'s output sold to sector ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> calc_B(np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([1000.0, 2000.0]))
    array([[0.15, 0.5 ],
           [0.1 , 0.05]])

    References
    ----------
    .. [1] Ghosh, A. (1958). Input–output approach in an allocation system. Economica 25(97), 58–64.
    .. [2] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., eq. (12.1).
    """
    z = _square(Z, "Z")
    xx = _vector(x, z.shape[0], "x", nonnegative=True)
    return _like(Z, _inv(xx)[:, None] * z)


def calc_G(B: M) -> M:
    """Ghosh inverse :math:`G = (I - B)^{-1}`.

    Parameters
    ----------
    B : ndarray or DataFrame
        Allocation coefficients.

    Returns
    -------
    ndarray or DataFrame

    Notes
    -----
    :math:`x' = x'B + v' \\Rightarrow x' = v'G`; :math:`g_{ij}` is the output of sector ``j`` enabled,
    directly and indirectly, per unit of primary input in sector ``i``. Similar to the Leontief inverse,
    :math:`G = \\hat x^{-1} L \\hat x`.

    Examples
    --------
    >>> import numpy as np
    >>> calc_G(np.array([[0.15, 0.5], [0.1, 0.05]])).round(4)
    array([[1.2541, 0.6601],
           [0.132 , 1.1221]])

    References
    ----------
    .. [1] Ghosh, A. (1958). Input–output approach in an allocation system. Economica 25(97), 58–64.
    .. [2] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., eq. (12.5), (12.8).
    """
    b = _square(B, "B")
    return _like(B, _inverse_of_i_minus(b, "B"))


def calc_linkages(Z: M, x: np.ndarray | pd.Series) -> pd.DataFrame:
    """Backward and forward linkages, raw and Rasmussen-normalised, with key sectors.

    Parameters
    ----------
    Z : ndarray or DataFrame
        Intermediate flows.
    x : ndarray or Series
        Gross output.

    Returns
    -------
    DataFrame
        One row per sector (index = ``Z``'s labels or 0..n-1, name ``sector``):

        =====================  ======================================================================
        backward_direct        :math:`\\sum_i a_{ij}` (column sums of ``A``)
        backward_total         :math:`\\sum_i l_{ij}` (column sums of ``L``, output multiplier)
        forward_direct         :math:`\\sum_j b_{ij}` (row sums of ``B``)
        forward_total          :math:`\\sum_j g_{ij}` (row sums of the Ghosh inverse)
        backward_index         backward_total / mean: power of dispersion (影响力系数)
        forward_index          forward_total / mean (Ghosh-based, Miller & Blair's recommendation)
        sensitivity_index      :math:`\\sum_j l_{ij}` / mean: Rasmussen's sensitivity of dispersion
                               (感应度系数, Leontief-based, as most Chinese statistical yearbooks report)
        key_sector             backward_index > 1 and forward_index > 1
        =====================  ======================================================================

    Notes
    -----
    Rasmussen normalisation divides each total linkage by the average over sectors:

    .. math:: \\overline{BL}_j = \\frac{\\sum_i l_{ij}}{\\frac1n \\sum_{ij} l_{ij}}, \\qquad
              \\overline{FL}_i = \\frac{\\sum_j g_{ij}}{\\frac1n \\sum_{ij} g_{ij}}

    A sector above 1 in both is a key sector (Hirschman 1958). Row sums of ``L`` answer "how much must ``i``
    produce if every sector's final demand rises by one unit", which mixes the size of the other sectors into
    ``i``'s forward linkage; the Ghosh row sums are the cleaner forward measure (Miller & Blair 2009, §12.2), and
    both are given.

    Examples
    --------
    >>> import numpy as np
    >>> lk = calc_linkages(np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([1000.0, 2000.0]))
    >>> lk["backward_total"].round(4).tolist()
    [1.5182, 1.4521]

    References
    ----------
    .. [1] Rasmussen, P. N. (1957). Studies in Inter-Sectoral Relations. North-Holland.
    .. [2] Hirschman, A. O. (1958). The Strategy of Economic Development. Yale University Press.
    .. [3] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., §12.2.
    """
    z = _square(Z, "Z")
    xx = _vector(x, z.shape[0], "x", nonnegative=True)
    a = z * _inv(xx)[None, :]
    b = _inv(xx)[:, None] * z
    ll = _inverse_of_i_minus(a, "A")
    gg = _inverse_of_i_minus(b, "B")
    n = z.shape[0]
    bl, fl, sens = ll.sum(axis=0), gg.sum(axis=1), ll.sum(axis=1)
    out = pd.DataFrame(
        {
            "backward_direct": a.sum(axis=0),
            "backward_total": bl,
            "forward_direct": b.sum(axis=1),
            "forward_total": fl,
            "backward_index": bl / (bl.sum() / n),
            "forward_index": fl / (fl.sum() / n),
            "sensitivity_index": sens / (sens.sum() / n),
        },
        index=_labels(Z, n),
    )
    out["key_sector"] = (out["backward_index"] > 1) & (out["forward_index"] > 1)
    return out


@dataclass(frozen=True, eq=False)  # holds pandas objects: compare fields explicitly
class Extraction:
    """Result of a hypothetical extraction.

    Attributes
    ----------
    sectors : tuple
        Extracted sector labels (or positions).
    how : str
        ``"complete"``, ``"backward"``, ``"forward"`` or ``"links"`` (see :func:`calc_extraction`).
    x : Series
        Baseline gross output.
    x_extracted : Series
        Gross output after the extraction.
    loss : float
        :math:`\\sum_i (x_i - \\bar x_i)`.
    loss_share : float
        ``loss`` divided by total baseline output.
    loss_outside : float
        Part of ``loss`` in sectors not extracted (the spill-over to the rest of the economy).
    """

    sectors: tuple
    how: str
    x: pd.Series
    x_extracted: pd.Series
    loss: float
    loss_share: float
    loss_outside: float


def calc_extraction(
    Z: M, y: np.ndarray | pd.Series | pd.DataFrame, sectors: Iterable[Hashable], *, how: str = "complete"
) -> Extraction:
    """Hypothetical extraction of a sector, a set of sectors or a region's block.

    Parameters
    ----------
    Z : ndarray or DataFrame
        Intermediate flows. With a DataFrame, ``sectors`` are labels (e.g. every ``(region, sector)`` label of a
        region in a multi-regional table); with an array, positions.
    y : ndarray, Series or DataFrame
        Final demand (categories summed); gross output is :math:`x = Z i + y`.
    sectors : iterable
        Sectors to extract (at least one).
    how : {"complete", "backward", "forward", "links"}
        ``"complete"``: the sectors disappear (their rows, columns and final demand removed);
        ``"backward"``: they stop buying intermediate inputs (columns of ``A`` zeroed);
        ``"forward"``: they stop selling intermediate inputs (rows of ``B`` zeroed, Ghosh model);
        ``"links"``: the set trades nothing with the rest of the economy (the blocks :math:`A_{SR}` and
        :math:`A_{RS}` zeroed; for a region: its inter-regional intermediate trade).

    Returns
    -------
    Extraction

    Notes
    -----
    With :math:`\\bar A` the modified coefficients, :math:`\\bar x = (I - \\bar A)^{-1} \\bar y` (demand side)
    or :math:`\\bar x' = v'(I - \\bar B)^{-1}` (``"forward"``), and the linkage is the output lost,

    .. math:: T = i'x - i'\\bar x

    ``"backward"`` and ``"forward"`` are Dietzenbacher, van der Linden & Steenge's (1993) backward and forward
    linkages; ``"complete"`` is Miller & Lahr's (2001) total linkage; ``"links"`` the inter-block version of
    Dietzenbacher & van der Linden (1997).

    Examples
    --------
    >>> import numpy as np
    >>> Z, y = np.array([[150.0, 500.0], [200.0, 100.0]]), np.array([350.0, 1700.0])
    >>> e = calc_extraction(Z, y, [0])
    >>> round(e.loss, 2), e.x_extracted.round(2).tolist()
    (1210.53, [0.0, 1789.47])

    References
    ----------
    .. [1] Dietzenbacher, E., van der Linden, J. A. & Steenge, A. E. (1993). The regional extraction method:
       EC input–output comparisons. Economic Systems Research 5(2), 185–206.
    .. [2] Dietzenbacher, E. & van der Linden, J. A. (1997). Sectoral and spatial linkages in the EC production
       structure. Journal of Regional Science 37(2), 235–257.
    .. [3] Miller, R. E. & Lahr, M. L. (2001). A taxonomy of extractions. In Lahr & Miller (eds.), Regional
       Science Perspectives in Economic Analysis, Elsevier, 407–441.
    .. [4] Miller, R. E. & Blair, P. D. (2009). Input–Output Analysis, 2nd ed., §12.2.5.
    """
    require_choice(how, ("complete", "backward", "forward", "links"), "how")
    z = _square(Z, "Z")
    n = z.shape[0]
    yy = _final_demand(y, n)
    labels = _labels(Z, n)
    chosen = list(sectors)
    if not chosen:
        raise ConfigError("sectors: expected at least one sector to extract")
    if isinstance(Z, pd.DataFrame):
        pos = labels.get_indexer(chosen)
        if (pos < 0).any():
            missing = [s for s, p in zip(chosen, pos) if p < 0]
            raise ConfigError(f"sectors: {missing[:5]} are not labels of Z")
    else:
        pos = np.asarray(chosen)
        if pos.dtype.kind not in "iu" or (pos < 0).any() or (pos >= n).any():
            raise ConfigError(f"sectors: expected positions in 0..{n - 1}, got {chosen[:5]}")
    mask = np.zeros(n, dtype=bool)
    mask[pos] = True
    x = z.sum(axis=1) + yy
    a = z * _inv(x)[None, :]
    if how == "forward":
        b = _inv(x)[:, None] * z
        v = x - z.sum(axis=0)
        b[mask, :] = 0.0
        xbar = v @ _inverse_of_i_minus(b, "B")
    else:
        abar = a.copy()
        ybar = yy.copy()
        if how == "complete":
            abar[mask, :] = 0.0
            abar[:, mask] = 0.0
            ybar[mask] = 0.0
        elif how == "backward":
            abar[:, mask] = 0.0
        else:  # links
            abar[np.ix_(mask, ~mask)] = 0.0
            abar[np.ix_(~mask, mask)] = 0.0
        xbar = _inverse_of_i_minus(abar, "A") @ ybar
    loss = float(x.sum() - xbar.sum())
    return Extraction(
        sectors=tuple(chosen),
        how=how,
        x=pd.Series(x, index=labels, name="x"),
        x_extracted=pd.Series(xbar, index=labels.copy(), name="x_extracted"),
        loss=loss,
        loss_share=loss / float(x.sum()) if x.sum() > 0 else float("nan"),
        loss_outside=float((x - xbar)[~mask].sum()),
    )


# ---------------------------------------------------------------------------------------------- helpers
def _square(m: object, param: str) -> np.ndarray:
    if isinstance(m, pd.DataFrame):
        if m.shape[0] != m.shape[1]:
            raise ConfigError(f"{param}: expected a square matrix, got shape {m.shape}")
        if not m.index.equals(m.columns):
            raise ConfigError(f"{param}: expected the same sector labels on rows and columns")
        arr = as_float_array(m.to_numpy(), param, ndim=2)
    else:
        arr = as_float_array(m, param, ndim=2)
        if arr.shape[0] != arr.shape[1]:
            raise ConfigError(f"{param}: expected a square matrix, got shape {arr.shape}")
    return arr


def _vector(v: object, n: int, param: str, *, nonnegative: bool = False) -> np.ndarray:
    if isinstance(v, pd.DataFrame):
        if v.shape[1] != 1:
            raise ConfigError(f"{param}: expected one column, got {v.shape[1]}")
        v = v.iloc[:, 0]
    arr = as_float_array(
        v.to_numpy() if isinstance(v, pd.Series) else v, param, nonnegative=nonnegative
    ).ravel()
    if arr.shape[0] != n:
        raise ConfigError(f"{param}: expected {n} values (one per sector), got {arr.shape[0]}")
    return arr


def _final_demand(y: object, n: int) -> np.ndarray:
    arr = as_float_array(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y, "y")
    if arr.ndim == 2:
        if arr.shape[0] != n:
            raise ConfigError(f"y: expected {n} rows (one per sector), got {arr.shape[0]}")
        return arr.sum(axis=1)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ConfigError(f"y: expected {n} values (one per sector), got shape {arr.shape}")
    return arr


def _inv(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


def _inverse_of_i_minus(a: np.ndarray, param: str) -> np.ndarray:
    n = a.shape[0]
    eye = np.eye(n)
    try:
        out = np.linalg.solve(eye - a, eye)
    except np.linalg.LinAlgError:
        raise ConfigError(
            f"{param}: I - {param} is singular; the table is not productive (a column or row of "
            f"coefficients sums to 1?); check the flows and outputs"
        ) from None
    if not np.isfinite(out).all():
        raise ConfigError(f"{param}: the inverse of I - {param} is not finite; check the flows and outputs")
    return out


def _labels(m: object, n: int) -> pd.Index:
    if isinstance(m, pd.DataFrame):
        idx = m.index.copy()
        if idx.name is None and not isinstance(idx, pd.MultiIndex):
            idx.name = "sector"
        return idx
    return pd.RangeIndex(n, name="sector")


def _like(template: M, values: np.ndarray) -> M:
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(values, index=template.index.copy(), columns=template.columns.copy())
    return values


def _vector_like(template: object, values: np.ndarray, name: str) -> np.ndarray | pd.Series:
    if isinstance(template, pd.DataFrame):
        return pd.Series(values, index=template.index.copy(), name=name)
    return values
