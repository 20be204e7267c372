"""The innovation → industry path: conversion rates, time lags and where transferred patents go.

Pure functions on arrays and Series for the ``path`` topic (paper → patent → transfer/licence → producing firm →
export). Stages are counted per place and year; a *conversion rate* is the ratio of two consecutive stages, a
*lag* the time from one stage to the next, either measured on linked records (a patent's application date and
the date it was transferred) or, where the records cannot be linked one by one, estimated as the lead that
maximises the correlation of two yearly series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import as_float_array, require_positive_int
from chainatlas.errors import ConfigError

__all__ = [
    "DESTINATIONS",
    "LagCorrelation",
    "best_lag",
    "classify_destinations",
    "conversion_rate",
    "lag_distribution",
]

#: destination classes of a transfer, from nearest to farthest
DESTINATIONS = ("same_city", "same_province", "other_yrd_province", "outside_yrd")


def conversion_rate(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray | pd.Series:
    """Ratio of two consecutive stages, NaN where the earlier stage is zero.

    Parameters
    ----------
    num, den : ndarray or Series
        Later and earlier stage (same length; Series are aligned on their index).

    Returns
    -------
    ndarray or Series
        :math:`r = num / den`, NaN where ``den`` is 0 (a rate of nothing is undefined, not 0 or ∞).

    Notes
    -----
    .. math:: r_i = \\frac{s_{k+1,i}}{s_{k,i}}, \\quad s_{k,i} > 0

    Examples
    --------
    >>> conversion_rate(np.array([3.0, 1.0, 0.0]), np.array([6.0, 0.0, 2.0]))
    array([0.5, nan, 0. ])

    References
    ----------
    .. [1] OECD (2013). Commercialising Public Research: New Trends and Strategies, ch. 2 (indicators of
       knowledge transfer as ratios of successive outputs).
    """
    if isinstance(num, pd.Series) or isinstance(den, pd.Series):
        n, d = pd.Series(num, dtype=float), pd.Series(den, dtype=float)
        return n / d.where(d != 0)
    n = as_float_array(num, "num", ndim=1)
    d = as_float_array(den, "den", ndim=1)
    if n.shape != d.shape:
        raise ConfigError(f"num, den: expected the same length, got {n.shape[0]} and {d.shape[0]}")
    out = np.full(n.shape, np.nan)
    np.divide(n, d, out=out, where=d != 0)
    return out


def lag_distribution(lags: np.ndarray | pd.Series) -> dict:
    """Summary of record-level lags (e.g. years from patent application to transfer).

    Parameters
    ----------
    lags : ndarray or Series
        One lag per linked record (NaN ignored).

    Returns
    -------
    dict
        ``n``, ``mean``, ``median``, ``p25``, ``p75``, ``min``, ``max`` (None when there are no lags).

    Notes
    -----
    Quantiles by linear interpolation between order statistics (Hyndman & Fan 1996, type 7, NumPy's default).

    Examples
    --------
    >>> lag_distribution(np.array([1.0, 2.0, 3.0, 4.0]))
    {'n': 4, 'mean': 2.5, 'median': 2.5, 'p25': 1.75, 'p75': 3.25, 'min': 1.0, 'max': 4.0}

    References
    ----------
    .. [1] Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages. The American
       Statistician 50(4), 361–365.
    """
    v = as_float_array(lags, "lags", ndim=1, allow_nan=True)
    v = v[~np.isnan(v)]
    if not len(v):
        return {"n": 0, **dict.fromkeys(("mean", "median", "p25", "p75", "min", "max"))}
    q25, q50, q75 = np.quantile(v, [0.25, 0.5, 0.75])
    return {
        "n": len(v),
        "mean": float(v.mean()),
        "median": float(q50),
        "p25": float(q25),
        "p75": float(q75),
        "min": float(v.min()),
        "max": float(v.max()),
    }


@dataclass(frozen=True)
class LagCorrelation:
    """Lead of one yearly series over another.

    Attributes
    ----------
    lag : int or None
        The ``k`` with the highest correlation (None when no lag has enough points or variance).
    r : float or None
        That correlation.
    r_by_lag : dict
        ``k → r`` for every lag tried (None where undefined).
    n_points : dict
        ``k → `` number of year pairs used.
    """

    lag: int | None
    r: float | None
    r_by_lag: dict
    n_points: dict


def best_lag(
    x: np.ndarray | pd.Series,
    y: np.ndarray | pd.Series,
    *,
    max_lag: int = 3,
    difference: bool = True,
    min_points: int = 4,
) -> LagCorrelation:
    """The lead ``k`` (0..max_lag years) at which series ``x`` best predicts ``y``.

    Parameters
    ----------
    x, y : ndarray or Series
        Yearly series of the earlier and the later stage over the same consecutive years.
    max_lag : int
        Largest lead tried.
    difference : bool
        Correlate first differences (year-on-year changes) rather than levels, so that two series that merely
        both grow do not look related at every lag.
    min_points : int
        Fewest year pairs for a correlation to count.

    Returns
    -------
    LagCorrelation

    Notes
    -----
    .. math:: r_k = \\operatorname{corr}(x_t, y_{t+k}), \\qquad k^* = \\arg\\max_{0 \\le k \\le K} r_k

    the sample cross-correlation of the (differenced) series; ties go to the shorter lag.

    Examples
    --------
    >>> x = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 8.0, 7.0, 9.0])
    >>> y = np.concatenate([[0.0, 0.0], 2 * x[:-2]])      # y follows x two years later
    >>> r = best_lag(x, y)
    >>> r.lag, round(r.r, 6)
    (2, 1.0)

    References
    ----------
    .. [1] Box, G. E. P., Jenkins, G. M., Reinsel, G. C. & Ljung, G. M. (2015). Time Series Analysis, 5th ed.,
       Wiley, §12.1 (the cross-correlation function).
    """
    xs = as_float_array(x, "x", ndim=1)
    ys = as_float_array(y, "y", ndim=1)
    if xs.shape != ys.shape:
        raise ConfigError(f"x, y: expected series over the same years, got lengths {len(xs)} and {len(ys)}")
    k_max = require_positive_int(max_lag, "max_lag", minimum=0)
    m = require_positive_int(min_points, "min_points", minimum=3)
    if difference:
        xs, ys = np.diff(xs), np.diff(ys)
    r_by, n_by = {}, {}
    for k in range(k_max + 1):
        a, b = xs[: len(xs) - k], ys[k:]
        n_by[k] = len(a)
        ok = len(a) >= m and a.std() > 0 and b.std() > 0
        r_by[k] = float(np.corrcoef(a, b)[0, 1]) if ok else None
    valid = {k: r for k, r in r_by.items() if r is not None}
    best = max(valid, key=lambda k: (valid[k], -k)) if valid else None
    return LagCorrelation(best, valid.get(best) if best is not None else None, r_by, n_by)


def classify_destinations(
    src_city: pd.Series, src_province: pd.Series, dst_city: pd.Series, dst_province: pd.Series
) -> pd.Series:
    """Where a transfer goes, seen from its origin: same city, same province, another YRD province, outside.

    Parameters
    ----------
    src_city, src_province, dst_city, dst_province : Series
        Codes of the origin's and destination's city and province (aligned); a missing destination province
        means the destination is unknown or outside the Yangtze River Delta.

    Returns
    -------
    Series
        One of :data:`DESTINATIONS` per record.

    Notes
    -----
    Classes are nested: ``same_city`` ⊂ same province; ``same_province`` is another city of the origin's
    province (or an unknown city in it); ``other_yrd_province`` one of the other three; ``outside_yrd`` no
    known YRD place.

    Examples
    --------
    >>> s = classify_destinations(pd.Series(["320500"] * 4), pd.Series(["320000"] * 4),
    ...                           pd.Series(["320500", "320100", "330100", None]),
    ...                           pd.Series(["320000", "320000", "330000", None]))
    >>> s.tolist()
    ['same_city', 'same_province', 'other_yrd_province', 'outside_yrd']

    References
    ----------
    .. [1] Mowery, D. C. & Ziedonis, A. A. (2015). Markets versus spillovers in outflows of university research.
       Research Policy 44(1), 50–66 (geographic reach of licensed university patents).
    """
    sc, sp, dc, dp = (
        pd.Series(s, dtype=object).reset_index(drop=True)
        for s in (src_city, src_province, dst_city, dst_province)
    )
    if not len(sc) == len(sp) == len(dc) == len(dp):
        raise ConfigError(
            "src_city, src_province, dst_city, dst_province: expected aligned series of one length"
        )
    out = np.select(
        [dp.isna(), dp != sp, dc.notna() & (dc == sc)],
        ["outside_yrd", "other_yrd_province", "same_city"],
        "same_province",
    )
    return pd.Series(out, index=getattr(src_city, "index", None), name="destination")
