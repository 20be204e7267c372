"""Spatial structure of one industrial chain: specialisation, concentration, completeness, import dependence.

Pure functions on a *place × segment* matrix of activity (firms, revenue, employees or patents of each place in
each segment of one chain) and on a table of trade by segment and partner region. Inputs are never modified.

Contents
--------
:func:`location_quotient`    LQ of every place in every segment
:func:`chain_completeness`   per segment: places present, 断链 (broken) / 单点 (single) / ok; completeness share
:func:`hhi`                  Herfindahl–Hirschman concentration of each segment across places
:func:`krugman`              Krugman specialisation index of each place
:func:`hoover`               Hoover localisation coefficient of each segment
:func:`import_dependence`    imports, exports, top partner share and net import ratio per segment
:func:`supplier_concentration` per segment: suppliers, supplier HHI and top-k shares, supplier-place HHI
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainatlas.analytics._checks import as_float_array, require_columns, require_frame
from chainatlas.errors import ConfigError

__all__ = [
    "Completeness",
    "chain_completeness",
    "hhi",
    "hoover",
    "import_dependence",
    "krugman",
    "location_quotient",
    "supplier_concentration",
]


def _matrix(values: object, param: str) -> np.ndarray:
    frame = require_frame(values, param)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ConfigError(f"{param}: expected a non-empty place × segment frame, got shape {frame.shape}")
    return as_float_array(frame.to_numpy(), param, ndim=2, nonnegative=True)


def _nan_to(arr: np.ndarray) -> np.ndarray:
    arr[~np.isfinite(arr)] = np.nan
    return arr


def location_quotient(
    values: pd.DataFrame,
    *,
    totals: pd.Series | Mapping | None = None,
    reference: pd.Series | Mapping | None = None,
    reference_total: float | None = None,
) -> pd.DataFrame:
    """Location quotient of every place (row) in every segment (column).

    Parameters
    ----------
    values : DataFrame
        Non-negative activity, index = places, columns = segments.
    totals : Series or mapping, optional
        Total activity :math:`x_i` of each place (e.g. all employment of the place, when ``values`` holds only
        some industries), by place; default the row sums of ``values``. Every place needs a positive total at
        least its row sum.
    reference : Series or mapping, optional
        Activity :math:`X_j` of each segment in the reference economy (e.g. the nation), by segment; default the
        column sums of ``values`` (the table itself is the reference).
    reference_total : float, optional
        Total activity :math:`X` of the reference economy (e.g. national employment of all industries); default
        the sum of ``reference`` when it is given, else the sum of the table. Must be at least the sum of
        ``reference``.

    Returns
    -------
    DataFrame
        LQ, same labels; NaN for a place or segment with zero total.

    Notes
    -----
    .. math:: LQ_{ij} = \\frac{x_{ij} / x_i}{X_j / X}

    with, by default, :math:`x_i = \\sum_j x_{ij}`, :math:`X_j = \\sum_i x_{ij}`, :math:`X = \\sum_{ij} x_{ij}`
    (the region of the table is its own reference). :math:`LQ_{ij} > 1`: segment ``j`` weighs more in place ``i``
    than in the reference. With the default reference the LQs of every segment, averaged with weights
    :math:`x_i / X` (the places' shares of all activity), equal 1; with an external reference they need not.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"design": [6.0, 2.0], "fab": [2.0, 6.0]}, index=["sh", "hf"])
    >>> location_quotient(x).values.tolist()
    [[1.5, 0.5], [0.5, 1.5]]

    The nation as the reference (Farhauer & Kröll's example as documented by R's REAT ``locq``):

    >>> one = pd.DataFrame({"i": [1714.0]}, index=["region"])
    >>> location_quotient(one, totals={"region": 79006}, reference={"i": 879213},
    ...                   reference_total=15593224).round(7).values.tolist()
    [[0.3847623]]

    References
    ----------
    .. [1] Isard, W. (1960). Methods of Regional Analysis. MIT Press, ch. 7.
    .. [2] Miller, M. M., Gibson, L. J. & Wright, N. G. (1991). Location quotient: a basic tool for economic
       development analysis. Economic Development Review 9(2), 65–68.
    .. [3] Farhauer, O. & Kröll, A. (2013). Standorttheorien: Regional- und Stadtökonomik in Theorie und Praxis.
       Springer; the worked example is that of R package REAT's ``locq`` (Wieland, T.).
    """
    x = _matrix(values, "values")
    xi = x.sum(axis=1)
    if totals is not None:
        xi = _by_label(totals, values.index, "totals", "place")
        short = xi < x.sum(axis=1) * (1 - 1e-12)
        if short.any():
            k = int(np.argmax(short))
            raise ConfigError(
                f"totals: the total of place {values.index[k]!r} ({xi[k]:g}) is below the sum of "
                f"its row in values ({x[k].sum():g}); give each place's total activity"
            )
    if reference is None:
        xj = x.sum(axis=0)
        big_x = x.sum() if reference_total is None else _positive(reference_total, "reference_total")
        if reference_total is not None and big_x < xj.sum() * (1 - 1e-12):
            raise ConfigError(f"reference_total: {big_x:g} is below the sum of the table ({xj.sum():g})")
    else:
        xj = _by_label(reference, values.columns, "reference", "segment")
        big_x = xj.sum() if reference_total is None else _positive(reference_total, "reference_total")
        if big_x < xj.sum() * (1 - 1e-12):
            raise ConfigError(
                f"reference_total: {big_x:g} is below the sum of reference ({xj.sum():g}); give the "
                f"total of the whole reference economy"
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (x / xi[:, None]) / (xj[None, :] / big_x)
    return pd.DataFrame(_nan_to(lq), index=values.index.copy(), columns=values.columns.copy())


def _by_label(v: object, labels: pd.Index, param: str, what: str) -> np.ndarray:
    series = pd.Series(dict(v)) if isinstance(v, Mapping) else v
    if not isinstance(series, pd.Series):
        raise ConfigError(f"{param}: expected a Series or mapping by {what}, got {type(v).__name__}")
    missing = [k for k in labels if k not in series.index]
    if missing:
        raise ConfigError(f"{param}: no value for {what}(s) {list(missing)[:5]}; give one for every {what}")
    if not series.index.is_unique:
        raise ConfigError(f"{param}: expected one value per {what}, the index has duplicates")
    return as_float_array(series.loc[list(labels)].to_numpy(), param, ndim=1, nonnegative=True)


def _positive(v: object, param: str) -> float:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{param}: expected a positive number, got {v!r}") from None
    if not (np.isfinite(f) and f > 0):
        raise ConfigError(f"{param}: expected a positive number, got {v!r}")
    return f


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare fields explicitly
class Completeness:
    """Completeness of a chain in a region.

    Attributes
    ----------
    table : DataFrame
        One row per segment (in the order given): ``n_places`` (places with a positive count), ``total``
        (summed count), ``status`` — ``'broken'`` (断链: no place), ``'single'`` (单点: one place),
        ``'ok'`` (two or more places).
    share : float
        Completeness share: segments not broken / all segments.
    broken : list
        Segments with no place (断链).
    single : list
        Segments held by a single place (single points of failure).
    """

    table: pd.DataFrame
    share: float
    broken: list
    single: list


def chain_completeness(presence: pd.DataFrame, segments: Sequence[str] | None = None) -> Completeness:
    """Which segments of a chain the region holds, and in how many places.

    Parameters
    ----------
    presence : DataFrame
        Non-negative counts (e.g. firms), index = places, columns = segments.
    segments : sequence of str, optional
        All segments of the chain in their order (e.g. by ``topo_order``). Segments missing from ``presence``
        count as broken. Default: the columns of ``presence``.

    Returns
    -------
    Completeness
        Per-segment table, completeness share, broken and single-point segments.

    Notes
    -----
    With :math:`n_j = |\\{i : x_{ij} > 0\\}|`, segment ``j`` is broken (断链) when :math:`n_j = 0`, a single
    point (单点) when :math:`n_j = 1` and ok otherwise; the completeness share is
    :math:`|\\{j : n_j > 0\\}| / J`.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"design": [3, 1], "fab": [0, 2], "equip": [0, 0]}, index=["sh", "wx"])
    >>> c = chain_completeness(p, ["equip", "design", "fab"])
    >>> c.table["status"].tolist(), c.share
    (['broken', 'ok', 'single'], 0.6666666666666666)

    References
    ----------
    .. [1] Gereffi, G. & Fernandez-Stark, K. (2016). Global Value Chain Analysis: A Primer (2nd ed.). Duke
       CGGC (mapping a chain's segments and the places that hold them).
    """
    frame = require_frame(presence, "presence")
    order = list(frame.columns) if segments is None else list(segments)
    if not order:
        raise ConfigError("segments: expected at least one segment, got none")
    if len(set(order)) != len(order):
        raise ConfigError(f"segments: expected unique segment names, got {order}")
    x = as_float_array(frame.to_numpy(), "presence", ndim=2, nonnegative=True)
    cols = {c: i for i, c in enumerate(frame.columns)}
    n_places, total = [], []
    for s in order:
        col = x[:, cols[s]] if s in cols else np.zeros(x.shape[0])
        n_places.append(int((col > 0).sum()))
        total.append(float(col.sum()))
    n = np.array(n_places)
    status = np.where(n == 0, "broken", np.where(n == 1, "single", "ok"))
    table = pd.DataFrame(
        {"n_places": n, "total": total, "status": status}, index=pd.Index(order, name="segment")
    )
    return Completeness(
        table=table,
        share=float((n > 0).mean()),
        broken=[s for s, k in zip(order, n) if k == 0],
        single=[s for s, k in zip(order, n) if k == 1],
    )


def hhi(shares: pd.DataFrame, *, normalized: bool = False) -> pd.Series:
    """Herfindahl–Hirschman index of each segment (column) across places (rows).

    Parameters
    ----------
    shares : DataFrame
        Non-negative shares or raw activity, index = places, columns = segments; each column is normalised to
        sum 1 first (so shares that already sum to 1 are used as they are).
    normalized : bool
        Return the normalised index :math:`H^* = (H - 1/N)/(1 - 1/N) \\in [0, 1]` instead of the raw
        :math:`H \\in [1/N, 1]`; ``N`` is the number of places (rows) of the table, *including* places with a
        zero share (as R's mathmodels ``HHI(x, scaled = TRUE)`` counts every element of ``x``). Pass only the
        places that could hold the activity. With ``N = 1`` the normalised index is undefined (0/0): NaN.

    Returns
    -------
    Series
        HHI per segment (name ``"hhi"``, or ``"hhi_normalized"``); NaN for a segment with zero total.

    Notes
    -----
    .. math:: H_j = \\sum_i s_{ij}^2, \\qquad s_{ij} = x_{ij} / \\sum_{i'} x_{i'j}, \\qquad
              H^*_j = \\frac{H_j - 1/N}{1 - 1/N}

    :math:`H = 1` when one place holds the whole segment; :math:`1/N` when all ``N`` places hold equal shares
    (then :math:`H^* = 0`). Shares are fractions, so the antitrust scale (percent shares, 0–10 000) is
    :math:`10^4 H`.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"design": [0.5, 0.5], "fab": [1.0, 0.0]}, index=["sh", "hf"])
    >>> hhi(s).tolist()
    [0.5, 1.0]
    >>> x = pd.DataFrame({"seg": [50.0, 30.0, 20.0]})   # mathmodels' HHI example
    >>> round(float(hhi(x)["seg"]), 6), round(float(hhi(x, normalized=True)["seg"]), 6)
    (0.38, 0.07)

    References
    ----------
    .. [1] Hirschman, A. O. (1964). The paternity of an index. American Economic Review 54(5), 761.
    .. [2] Rhoades, S. A. (1993). The Herfindahl–Hirschman index. Federal Reserve Bulletin 79, 188–189.
    .. [3] U.S. Department of Justice, Antitrust Division. Herfindahl–Hirschman Index
       (https://www.justice.gov/atr/herfindahl-hirschman-index): shares 30, 30, 20, 20 % give HHI 2 600.
    .. [4] Zhang, J. (2025). mathmodels, R package, ``HHI(x, scaled)`` (R/eval_regional.R),
       https://github.com/zhjx19/mathmodels.
    """
    x = _matrix(shares, "shares")
    with np.errstate(divide="ignore", invalid="ignore"):
        s = x / x.sum(axis=0, keepdims=True)
        h = (s**2).sum(axis=0)
    h[x.sum(axis=0) == 0] = np.nan
    if not normalized:
        return pd.Series(h, index=shares.columns.copy(), name="hhi")
    n = x.shape[0]
    hn = (h - 1.0 / n) / (1.0 - 1.0 / n) if n > 1 else np.full_like(h, np.nan)
    return pd.Series(hn, index=shares.columns.copy(), name="hhi_normalized")


def krugman(values: pd.DataFrame) -> pd.Series:
    """Krugman specialisation index of each place (row) over segments (columns).

    Parameters
    ----------
    values : DataFrame
        Non-negative activity, index = places, columns = segments.

    Returns
    -------
    Series
        Index per place in :math:`[0, 2)`; 0 = the place's mix equals the region's; NaN for a place with zero
        total.

    Notes
    -----
    .. math:: K_i = \\sum_j \\left| s_{ij} - s_j \\right|, \\quad s_{ij} = \\frac{x_{ij}}{\\sum_{j'} x_{ij'}},
              \\quad s_j = \\frac{\\sum_i x_{ij}}{\\sum_{ij} x_{ij}}

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"design": [6.0, 2.0], "fab": [2.0, 6.0]}, index=["sh", "hf"])
    >>> krugman(x).tolist()
    [0.5, 0.5]

    References
    ----------
    .. [1] Krugman, P. (1991). Geography and Trade. MIT Press, Appendix D.
    .. [2] Midelfart-Knarvik, K. H., Overman, H. G., Redding, S. J. & Venables, A. J. (2000). The location of
       European industry. European Commission Economic Papers 142.
    """
    x = _matrix(values, "values")
    with np.errstate(divide="ignore", invalid="ignore"):
        s_i = x / x.sum(axis=1, keepdims=True)
        s = x.sum(axis=0) / x.sum()
        k = np.abs(s_i - s).sum(axis=1)
    k[x.sum(axis=1) == 0] = np.nan
    return pd.Series(_nan_to(k), index=values.index.copy(), name="krugman")


def hoover(values: pd.DataFrame) -> pd.Series:
    """Hoover localisation coefficient of each segment (column) across places (rows).

    Parameters
    ----------
    values : DataFrame
        Non-negative activity, index = places, columns = segments.

    Returns
    -------
    Series
        Coefficient per segment in :math:`[0, 1)`; 0 = the segment is spread like all activity; NaN for a
        segment with zero total.

    Notes
    -----
    .. math:: H_j = \\tfrac12 \\sum_i |a_{ij} - b_i|, \\quad a_{ij} = \\frac{x_{ij}}{\\sum_{i'} x_{i'j}},
              \\quad b_i = \\frac{\\sum_j x_{ij}}{\\sum_{ij} x_{ij}}

    ``b`` is each place's share of the total activity of all segments given.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"design": [6.0, 2.0], "fab": [2.0, 6.0]}, index=["sh", "hf"])
    >>> hoover(x).tolist()
    [0.25, 0.25]

    References
    ----------
    .. [1] Hoover, E. M. (1936). The measurement of industrial localization. Review of Economics and
       Statistics 18(4), 162–171.
    """
    x = _matrix(values, "values")
    with np.errstate(divide="ignore", invalid="ignore"):
        a = x / x.sum(axis=0, keepdims=True)
        b = x.sum(axis=1, keepdims=True) / x.sum()
        h = 0.5 * np.abs(a - b).sum(axis=0)
    h[x.sum(axis=0) == 0] = np.nan
    return pd.Series(_nan_to(h), index=values.columns.copy(), name="hoover")


def import_dependence(trade: pd.DataFrame) -> pd.DataFrame:
    """Imports, exports and concentration of imports on partner regions, per segment.

    Parameters
    ----------
    trade : DataFrame
        Columns ``segment``, ``partner_region``, ``direction`` (``'import'`` or ``'export'``) and ``value``
        (non-negative); several rows per key are summed.

    Returns
    -------
    DataFrame
        Index ``segment``; columns ``imports``, ``exports``, ``top_import_region`` (region with the largest
        imports, None without imports), ``top_import_share`` (its share of the segment's imports),
        ``net_import_ratio``; NaN where a denominator is 0.

    Notes
    -----
    .. math:: \\text{top share}_j = \\max_r M_{jr} / \\sum_r M_{jr}, \\qquad
              \\text{net import ratio}_j = \\frac{M_j}{M_j + X_j}

    A net import ratio above 0.5 means the segment imports more than it exports; a top share near 1 means the
    imports come from one partner region (卡脖子 risk).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["fab", "fab", "fab"], "partner_region": ["JP", "US", "ASEAN"],
    ...                   "direction": ["import", "import", "export"], "value": [30.0, 10.0, 10.0]})
    >>> r = import_dependence(t)
    >>> r.loc["fab", ["imports", "exports", "top_import_share", "net_import_ratio"]].tolist()
    [40.0, 10.0, 0.75, 0.8]
    >>> r.loc["fab", "top_import_region"]
    'JP'

    References
    ----------
    .. [1] Hummels, D., Ishii, J. & Yi, K.-M. (2001). The nature and growth of vertical specialization in world
       trade. Journal of International Economics 54(1), 75–96.
    """
    frame = require_frame(trade, "trade")
    require_columns(frame, ["segment", "partner_region", "direction", "value"], "trade")
    bad = sorted(set(map(str, frame["direction"].dropna())) - {"import", "export"})
    if bad or frame["direction"].isna().any():
        raise ConfigError(f"trade: column 'direction' must be 'import' or 'export', found {bad or [None]}")
    value = as_float_array(frame["value"].to_numpy(), "trade['value']", ndim=1, nonnegative=True)
    t = pd.DataFrame(
        {
            "segment": frame["segment"].to_numpy(),
            "region": frame["partner_region"].to_numpy(),
            "direction": frame["direction"].to_numpy(),
            "value": value,
        }
    )
    segs = pd.Index(pd.unique(t["segment"]), name="segment")
    flows = t.pivot_table(index="segment", columns="direction", values="value", aggfunc="sum", fill_value=0.0)
    flows = flows.reindex(index=segs, columns=["import", "export"], fill_value=0.0)
    imp = t[t["direction"] == "import"].groupby(["segment", "region"])["value"].sum()
    imp = imp[imp > 0]
    best = dict(imp.groupby(level="segment").idxmax().items()) if len(imp) else {}
    top_region = pd.Series([best[s][1] if s in best else None for s in segs], index=segs, dtype=object)
    top_value = pd.Series([float(imp.loc[best[s]]) if s in best else np.nan for s in segs], index=segs)
    out = pd.DataFrame(
        {"imports": flows["import"].astype(float), "exports": flows["export"].astype(float)}, index=segs
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["top_import_region"] = top_region
        out["top_import_share"] = (top_value / out["imports"].where(out["imports"] > 0)).astype(float)
        both = out["imports"] + out["exports"]
        out["net_import_ratio"] = (out["imports"] / both.where(both > 0)).astype(float)
    return out


def supplier_concentration(links: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """How concentrated each segment's supply is: on few suppliers, and on few supplier places.

    Parameters
    ----------
    links : DataFrame
        One row per supply relation (or an aggregate of several): ``segment`` (what is supplied), ``supplier``
        (entity id), ``place`` (the supplier's place; may be missing) and ``value`` (non-negative).
    top : int
        ``k`` of the top-k concentration ratio.

    Returns
    -------
    DataFrame
        Index ``segment``; columns ``suppliers`` (with value > 0), ``value``, ``hhi_suppliers``, ``cr1``,
        ``cr{top}`` (share of the largest 1 and ``top`` suppliers), ``equivalent_suppliers`` (:math:`1/HHI`),
        ``places``, ``hhi_places`` and ``top_place`` with its share ``top_place_share`` (unplaced value counts as
        one unknown place).

    Notes
    -----
    .. math:: HHI_j = \\sum_f s_{fj}^2, \\quad s_{fj} = v_{fj} / \\sum_{f'} v_{f'j}, \\qquad
              CR_k = \\sum_{f \\in \\text{top } k} s_{fj}

    :math:`1/HHI` is the number of equal-sized suppliers that would give the same concentration. The U.S.
    merger guidelines (2023) call HHI above 0.18 highly concentrated; a segment whose supply rests on one or two
    firms, or on one city, is a single point of failure for the chain (the paper's 平战转换 concern).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["fab"] * 3 + ["pkg"] * 2, "supplier": ["a", "b", "c", "d", "e"],
    ...                   "place": ["sh", "sh", "wx", "nt", "nt"], "value": [6.0, 3.0, 1.0, 1.0, 1.0]})
    >>> r = supplier_concentration(t, top=2)
    >>> [round(float(v), 2) for v in r.loc["fab", ["suppliers", "hhi_suppliers", "cr1", "cr2", "hhi_places"]]]
    [3.0, 0.46, 0.6, 0.9, 0.82]
    >>> r.loc["fab", "top_place"]
    'sh'
    >>> float(r.loc["pkg", "equivalent_suppliers"])
    2.0

    References
    ----------
    .. [1] Rhoades, S. A. (1993). The Herfindahl–Hirschman index. Federal Reserve Bulletin 79, 188–189.
    .. [2] U.S. Department of Justice & FTC (2023). Merger Guidelines, section 2.1 (HHI thresholds).
    """
    frame = require_frame(links, "links")
    require_columns(frame, ["segment", "supplier", "place", "value"], "links")
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ConfigError(f"top: expected a positive integer, got {top!r}")
    value = as_float_array(frame["value"].to_numpy(), "links['value']", ndim=1, nonnegative=True)
    t = pd.DataFrame(
        {
            "segment": frame["segment"].to_numpy(),
            "supplier": frame["supplier"].to_numpy(),
            "place": frame["place"].fillna("?").to_numpy(),
            "value": value,
        }
    )
    t = t[t["value"] > 0]
    cols = [
        "suppliers",
        "value",
        "hhi_suppliers",
        "cr1",
        f"cr{top}",
        "equivalent_suppliers",
        "places",
        "hhi_places",
        "top_place",
        "top_place_share",
    ]
    if t.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="segment"))
    f = t.groupby(["segment", "supplier"], sort=False)["value"].sum().rename("v").reset_index()
    total = f.groupby("segment", sort=False)["v"].transform("sum")
    f["s"] = f["v"] / total
    f = f.sort_values(["segment", "s"], ascending=[True, False], kind="stable")
    f["rank"] = f.groupby("segment", sort=False).cumcount() + 1
    g = f.groupby("segment", sort=False)
    out = pd.DataFrame(
        {
            "suppliers": g.size(),
            "value": g["v"].sum(),
            "hhi_suppliers": g["s"].apply(lambda s: float((s**2).sum())),
            "cr1": f[f["rank"] == 1].set_index("segment")["s"],
            f"cr{top}": f[f["rank"] <= top].groupby("segment")["s"].sum(),
        }
    )
    out["equivalent_suppliers"] = 1.0 / out["hhi_suppliers"]
    pl = t.groupby(["segment", "place"], sort=False)["value"].sum().rename("v").reset_index()
    pl["s"] = pl["v"] / pl.groupby("segment", sort=False)["v"].transform("sum")
    pg = pl.groupby("segment", sort=False)
    best = pl.loc[pg["s"].idxmax()].set_index("segment")
    out["places"] = pg.size()
    out["hhi_places"] = pg["s"].apply(lambda s: float((s**2).sum()))
    out["top_place"] = best["place"]
    out["top_place_share"] = best["s"]
    out.index.name = "segment"
    return out[cols]
