"""Indicator history: value, change, year-on-year change, trend and rank among peers, per unit and period.

Pure functions over a long frame ``unit, period, value`` (one indicator at one scale). A period key is a year
(``2024`` or ``"2024"``), a month (``"2024-05"``) or a quarter (``"2024Q2"``); one frame holds one kind.

Contents
--------
:func:`history`          per (unit, period): value, previous-period and year-ago change, Theil–Sen trend, rank
:func:`previous_period`  the period before a period key, in the same notation
:func:`year_ago`         the same period a year earlier, in the same notation
:data:`HISTORY_COLUMNS`  the columns :func:`history` returns (before the optional peer-group ones)

Unknown stays unknown: a missing or NaN value is never read as 0, so a change from or to it, a trend over too
few valued periods and the rank of an unvalued unit are all NaN (``<NA>`` in the integer columns).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import theilslopes

from chainatlas.analytics._checks import require_choice, require_columns, require_frame, require_positive_int
from chainatlas.errors import ConfigError

__all__ = ["GROUP_COLUMNS", "HISTORY_COLUMNS", "history", "period_ordinal", "previous_period", "year_ago"]

#: columns of :func:`history`'s result, in order
HISTORY_COLUMNS = (
    "unit",
    "period",
    "value",
    "prev_value",
    "change",
    "change_pct",
    "yoy_value",
    "yoy_change",
    "yoy_pct",
    "trend_slope",
    "trend_pct",
    "trend_n",
    "rank",
    "peers",
)
#: columns added when ``peer_groups`` is given
GROUP_COLUMNS = ("group", "rank_in_group", "group_size")

#: periods per year of each kind of period key
_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


# ------------------------------------------------------------------------------------------------ periods
def period_ordinal(period: object, param: str = "period") -> tuple[str, int]:
    """The kind and ordinal of a period key: the one grammar of periods of the package.

    Parameters
    ----------
    period : int or str
        A year (``2024`` or ``"2024"``), a month (``"2024-05"``) or a quarter (``"2024Q2"``).
    param : str
        The parameter named by the error for a key of none of these forms.

    Returns
    -------
    tuple of (str, int)
        ``("year" | "month" | "quarter", ordinal)``; consecutive periods of one kind have consecutive ordinals.

    Notes
    -----
    A year :math:`y` maps to :math:`y`, a month :math:`(y, m)` to :math:`12y + m - 1`, a quarter :math:`(y, q)` to
    :math:`4y + q - 1`.

    Examples
    --------
    >>> period_ordinal(2024), period_ordinal("2024-01"), period_ordinal("2024Q2")
    (('year', 2024), ('month', 24288), ('quarter', 8097))

    References
    ----------
    .. [1] ISO 8601-1:2019, Date and time — Representations for information interchange, 5.2.2.
    """
    if isinstance(period, (int, np.integer)) and not isinstance(period, (bool, np.bool_)):
        if 1000 <= int(period) <= 9999:
            return "year", int(period)
    elif isinstance(period, str):
        text = period.strip()
        if m := _YEAR.match(text):
            return "year", int(m[1])
        if m := _MONTH.match(text):
            return "month", int(m[1]) * 12 + int(m[2]) - 1
        if m := _QUARTER.match(text):
            return "quarter", int(m[1]) * 4 + int(m[2]) - 1
    raise ConfigError(
        f"expected a period key: a year (2024 or '2024'), a month ('2024-05') or a quarter ('2024Q2'), "
        f"got {period!r}",
        param=param,
    )


def _key(kind: str, ordinal: int, like: object) -> Any:
    """The period key of ``ordinal`` written like ``like`` (an int year stays an int)."""
    if kind == "year":
        return ordinal if not isinstance(like, str) else f"{ordinal:04d}"
    year, rest = divmod(ordinal, _PER_YEAR[kind])
    if kind == "month":
        return f"{year:04d}-{rest + 1:02d}"
    q = "q" if isinstance(like, str) and "q" in like else "Q"
    return f"{year:04d}{q}{rest + 1}"


def previous_period(period: int | str) -> int | str:
    """The period just before ``period``, written the same way.

    Parameters
    ----------
    period : int or str
        A year (``2024`` or ``"2024"``), a month (``"2024-05"``) or a quarter (``"2024Q2"``).

    Returns
    -------
    int or str
        The previous year, month or quarter, in the notation of ``period`` (an int year gives an int).

    Raises
    ------
    ConfigError
        If ``period`` is not one of the three notations (``param='period'``).

    Notes
    -----
    Each key is mapped to an ordinal that counts periods of its kind: a year :math:`y` to :math:`y`, a month
    :math:`(y, m)` to :math:`12y + m - 1`, a quarter :math:`(y, q)` to :math:`4y + q - 1`. The previous period
    is the key of ordinal :math:`o - 1`, so January's previous period is December of the year before.

    Examples
    --------
    >>> previous_period(2024), previous_period("2024-01"), previous_period("2024Q1")
    (2023, '2023-12', '2023Q4')

    References
    ----------
    .. [1] ISO 8601-1:2019, Date and time — Representations for information interchange, 5.2.2 (calendar
       year ``YYYY`` and month ``YYYY-MM``); quarters written ``YYYYQn`` as pandas' ``Period`` does.
    """
    kind, o = period_ordinal(period, "period")
    return _key(kind, o - 1, period)


def year_ago(period: int | str) -> int | str:
    """The same period a year before ``period``, written the same way.

    Parameters
    ----------
    period : int or str
        A year (``2024`` or ``"2024"``), a month (``"2024-05"``) or a quarter (``"2024Q2"``).

    Returns
    -------
    int or str
        The same month or quarter of the year before, or the year before (for a year it equals
        :func:`previous_period`).

    Raises
    ------
    ConfigError
        If ``period`` is not one of the three notations (``param='period'``).

    Notes
    -----
    With the ordinal :math:`o` of :func:`previous_period` and :math:`k` periods per year (1 for years, 4 for
    quarters, 12 for months) the year-ago period is the key of ordinal :math:`o - k`.

    Examples
    --------
    >>> year_ago(2024), year_ago("2024-05"), year_ago("2024Q2")
    (2023, '2023-05', '2023Q2')

    References
    ----------
    .. [1] ISO 8601-1:2019, Date and time — Representations for information interchange, 5.2.2.
    """
    kind, o = period_ordinal(period, "period")
    return _key(kind, o - _PER_YEAR[kind], period)


# ------------------------------------------------------------------------------------------------ history
def _values(frame: pd.DataFrame) -> np.ndarray:
    try:
        v = frame["value"].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    except (TypeError, ValueError):
        raise ConfigError(
            "expected numbers (NaN for unknown) in column 'value', got values that cannot be read as float",
            param="frame",
        ) from None
    if np.isinf(v).any():
        i = int(np.argwhere(np.isinf(v))[0][0])
        raise ConfigError(
            f"expected finite numbers or NaN in column 'value', found {v[i]!r} in row {i}", param="frame"
        )
    return v


def _pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``100 * num / |den|``, NaN where ``den`` is 0 or NaN (or so near 0 that the ratio overflows)."""
    with np.errstate(all="ignore"):
        out = 100.0 * num / np.abs(den)
    out[~np.isfinite(out) | ~np.isfinite(den) | (den == 0)] = np.nan
    return out


def _shift(V: np.ndarray, k: int) -> np.ndarray:
    """Columns moved ``k`` to the right (the value ``k`` periods earlier), NaN where there is none."""
    out = np.full_like(V, np.nan)
    if k < V.shape[1]:
        out[:, k:] = V[:, : V.shape[1] - k]
    return out


def _trend(V: np.ndarray, cols: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theil–Sen slope, slope as % of the mean, and the periods used, over the ``window`` periods up to each
    column of ``cols``."""
    n_units = V.shape[0]
    slope = np.full((n_units, len(cols)), np.nan)
    mean = np.full((n_units, len(cols)), np.nan)
    used = np.zeros((n_units, len(cols)), dtype=np.int64)
    for j, c in enumerate(cols):
        lo = max(0, c - window + 1)
        x_all = np.arange(lo, c + 1, dtype=np.float64)
        block = V[:, lo : c + 1]
        ok = np.isfinite(block)
        used[:, j] = ok.sum(axis=1)
        for i in np.flatnonzero(used[:, j] >= 3):
            y, x = block[i, ok[i]], x_all[ok[i]]
            slope[i, j] = theilslopes(y, x).slope
            mean[i, j] = y.mean()
    return slope, _pct(slope, mean), used


def _ranks(values: pd.Series, direction: str, by: list[pd.Series]) -> pd.Series:
    """Rank 1 = best (highest for ``up``, lowest for ``down``) within each group of ``by``, ties their minimum
    rank; NaN for a NaN value or a NaN group."""
    rank = values.groupby(by, dropna=True).rank(method="min", ascending=direction == "down")
    return rank.reindex(values.index)


def history(
    frame: pd.DataFrame,
    *,
    direction: Literal["up", "down"],
    periods: Sequence[int | str] | None = None,
    trend_window: int | None = 5,
    peer_groups: Mapping[Hashable, Hashable] | pd.Series | None = None,
) -> pd.DataFrame:
    """Each unit's value per period with its change, year-ago change, trend and rank among its peers.

    Parameters
    ----------
    frame : DataFrame
        Long, one row per (unit, period) at most: ``unit``, ``period`` (period keys of one kind: years as int
        or ``'YYYY'``, months ``'YYYY-MM'`` or quarters ``'YYYYQn'``), ``value`` (NaN for unknown). The units
        of the frame are the peers: give every unit of the scale, with 0 where the value is known to be 0.
    direction : {'up', 'down'}
        Which way is better: ``up`` ranks the highest value 1, ``down`` the lowest.
    periods : sequence of period keys, optional
        The periods to report (default: every period in ``frame``). Earlier periods of ``frame`` still count
        for the change, year-ago change and trend of the reported ones.
    trend_window : int or None, default 5
        The trend of period :math:`t` reads the ``trend_window`` periods :math:`t - n + 1, \\dots, t` (at
        least 3); None leaves the trend out (NaN, ``trend_n`` 0), for callers that do not read it.
    peer_groups : mapping or Series, optional
        unit → group id (a county's city, a city's province): adds ``group``, ``rank_in_group`` and
        ``group_size``. A unit without a group gets ``<NA>`` there.

    Returns
    -------
    DataFrame
        One row per unit of ``frame`` and reported period, sorted by unit and period, with the columns of
        :data:`HISTORY_COLUMNS` (then :data:`GROUP_COLUMNS`):

        - ``value``; ``prev_value``, ``change``, ``change_pct`` (on the previous period);
        - ``yoy_value``, ``yoy_change``, ``yoy_pct`` (on the same period a year earlier);
        - ``trend_slope`` (per period), ``trend_pct`` (% of the window's mean per period), ``trend_n``
          (valued periods in the window);
        - ``rank`` (1 = best) and ``peers`` (units ranked in that period); ``rank_in_group`` and
          ``group_size`` (units ranked in the group) likewise within the unit's group.

        Counts and ranks are nullable integers (``Int64``). A reported period absent from ``frame`` gives
        NaN values.

    Raises
    ------
    ConfigError
        Naming the parameter: ``frame`` not a DataFrame, without the three columns, with a period key of
        another notation, mixed kinds of period, non-numeric or infinite values, or a (unit, period) given
        twice; ``direction`` not up/down; ``periods`` of another kind than the frame's; ``trend_window``
        below 3.

    Notes
    -----
    Periods are numbered by an ordinal :math:`o` (year :math:`y`; month :math:`12y + m - 1`; quarter
    :math:`4y + q - 1`), so the previous period of :math:`t` is :math:`t - 1` and the year-ago period is
    :math:`t - k` with :math:`k` = 1, 4 or 12 periods a year (:func:`year_ago`); for years the two are the
    same. A period that is not in ``frame``, or a NaN value, is unknown — never 0. With :math:`v_t` the value
    and :math:`p = v_{t-1}`, :math:`a = v_{t-k}`:

    .. math::

        \\Delta_t = v_t - p, \\qquad \\%\\Delta_t = 100\\,\\frac{v_t - p}{|p|}, \\qquad
        \\Delta^{yoy}_t = v_t - a, \\qquad \\%\\Delta^{yoy}_t = 100\\,\\frac{v_t - a}{|a|}

    NaN when either value is unknown, and the percentages are NaN when the base is 0 (division by zero is not
    a number; a change from 0 is shown by ``change``). Dividing by :math:`|p|` keeps the sign of the change for
    a negative base. The changes telescope: :math:`\\sum_{s=t_0+1}^{t} \\Delta_s = v_t - v_{t_0}` over a run
    of valued periods.

    The trend is the Theil–Sen estimator over the valued periods :math:`S` of the window
    :math:`\\{t-n+1, \\dots, t\\}` (``trend_n`` :math:`= |S|`): the median of the pairwise slopes
    :math:`b = \\operatorname{median}_{i<j \\in S} (v_j - v_i) / (j - i)` (``scipy.stats.theilslopes``), in
    units of the indicator per period; robust to one outlying period in five. ``trend_pct`` is
    :math:`100\\,b / |\\bar v_S|`, the growth per period relative to the window's mean (NaN when the mean is 0).
    With fewer than 3 valued periods the trend is NaN, not 0.

    The rank of unit :math:`u` in period :math:`t` among the units :math:`P_t` valued in :math:`t` is
    :math:`r = 1 + |\\{w \\in P_t : v_w \\succ v_u\\}|` where :math:`\\succ` is ``>`` for ``up`` and ``<`` for
    ``down``: tied units share the best (minimum) rank, so ranks are 1..``peers`` with gaps after ties.
    Adding a constant to every value leaves ranks unchanged.

    Examples
    --------
    Unit ``a`` reads 1, 2, 4, 3, 5: in 2024 it rose by 2 on 3 (66.7 %), and the median of its ten pairwise
    slopes is 1 per year. Unit ``b`` has no 2024 value, so no change and no rank; its trend reads its four
    valued years 10, 10, 0, 4 (pairwise slopes 0, -5, -2, -10, -3, 4: median -2.5). Its 2023 change from 0
    has no percentage.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"unit": ["a"] * 5 + ["b"] * 5, "period": [2020, 2021, 2022, 2023, 2024] * 2,
    ...                   "value": [1, 2, 4, 3, 5, 10, 10, 0, 4, None]})
    >>> h = history(f, direction="up")
    >>> h.loc[h["period"] == 2024, ["unit", "value", "change", "change_pct", "trend_slope", "trend_n", "rank"]]
      unit  value  change  change_pct  trend_slope  trend_n  rank
    4    a    5.0     2.0   66.666667          1.0        5     1
    9    b    NaN     NaN         NaN         -2.5        4  <NA>
    >>> h.loc[(h["unit"] == "b") & (h["period"] == 2023), ["change", "change_pct"]].to_numpy().tolist()
    [[4.0, nan]]

    References
    ----------
    .. [1] Theil, H. (1950). A rank-invariant method of linear and polynomial regression analysis, I–III.
       Proc. Koninklijke Nederlandse Akademie van Wetenschappen 53, 386–392, 521–525, 1397–1412.
    .. [2] Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau. JASA 63(324),
       1379–1389.
    .. [3] Eurostat (2013). Handbook on quarterly national accounts, ch. 3: period-on-period and year-on-year
       rates of change.
    """
    require_frame(frame, "frame")
    require_columns(frame, ["unit", "period", "value"], "frame")
    require_choice(direction, ("up", "down"), "direction")
    window = None if trend_window is None else require_positive_int(trend_window, "trend_window", minimum=3)
    values = _values(frame)
    if frame["unit"].isna().any():
        raise ConfigError(
            f"column 'unit' is empty in row {int(np.flatnonzero(frame['unit'].isna())[0])}", param="frame"
        )

    # period keys → (kind, ordinal); one kind per frame
    keys = pd.unique(frame["period"].to_numpy(dtype=object))
    parsed = {k: period_ordinal(k, "frame") for k in keys}
    kinds = {kind for kind, _ in parsed.values()}
    if len(kinds) > 1:
        raise ConfigError(f"expected periods of one kind, got {', '.join(sorted(kinds))}", param="frame")
    asked = None if periods is None else [(p, *period_ordinal(p, "periods")) for p in periods]
    if asked is not None:
        other = {kind for _, kind, _ in asked} - kinds
        if kinds and other:
            raise ConfigError(
                f"expected {next(iter(kinds))} periods like the frame's, got {', '.join(sorted(other))}",
                param="periods",
            )
        kinds |= {kind for _, kind, _ in asked}
        if len(kinds) > 1:
            raise ConfigError(
                f"expected periods of one kind, got {', '.join(sorted(kinds))}", param="periods"
            )
    kind = next(iter(kinds), "year")

    ordinal = frame["period"].map(lambda k: parsed[k][1]).to_numpy(dtype=np.int64)
    unit = frame["unit"].to_numpy(dtype=object)
    dup = pd.DataFrame({"u": unit, "o": ordinal}).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ConfigError(
            f"unit {unit[i]!r} has more than one row for period {frame['period'].iloc[i]!r} (row {i}); "
            "expected one value per unit and period",
            param="frame",
        )

    # reported periods: (ordinal, key as written)
    written: dict[int, Any] = {}
    for k, (_, o) in parsed.items():
        written.setdefault(o, k)
    if asked is None:
        report = sorted(written.items())
    else:
        report = sorted({o: p for p, _, o in reversed(asked)}.items())

    units = list(pd.unique(unit))
    try:
        units = sorted(units)
    except TypeError:  # units of mixed types: keep their order of appearance
        pass
    columns = [*HISTORY_COLUMNS, *(GROUP_COLUMNS if peer_groups is not None else ())]
    if not units or not report:
        return _empty(columns)

    # one row per unit, one column per period ordinal from the earliest to the latest needed
    lo = min(min(written, default=report[0][0]), report[0][0])
    hi = max(max(written, default=report[-1][0]), report[-1][0])
    row = pd.Index(units).get_indexer(unit)
    V = np.full((len(units), hi - lo + 1), np.nan)
    V[row, ordinal - lo] = values
    cols = np.array([o - lo for o, _ in report], dtype=np.int64)

    P = _shift(V, 1)[:, cols]
    A = _shift(V, _PER_YEAR[kind])[:, cols]
    X = V[:, cols]
    if window is None:
        slope, slope_pct, used = (
            np.full(X.shape, np.nan),
            np.full(X.shape, np.nan),
            np.zeros(X.shape, np.int64),
        )
    else:
        slope, slope_pct, used = _trend(V, cols, window)

    n_units, n_rep = len(units), len(cols)
    out = pd.DataFrame(
        {
            "unit": np.repeat(np.array(units, dtype=object), n_rep),
            "period": pd.Series([k for _, k in report] * n_units, dtype=object),
            "value": X.ravel(),
            "prev_value": P.ravel(),
            "change": (X - P).ravel(),
            "change_pct": _pct(X - P, P).ravel(),
            "yoy_value": A.ravel(),
            "yoy_change": (X - A).ravel(),
            "yoy_pct": _pct(X - A, A).ravel(),
            "trend_slope": slope.ravel(),
            "trend_pct": slope_pct.ravel(),
            "trend_n": pd.array(used.ravel(), dtype="Int64"),
        }
    )
    if frame["unit"].dtype != object:
        out["unit"] = out["unit"].astype(frame["unit"].dtype)
    if all(isinstance(k, (int, np.integer)) for _, k in report):
        out["period"] = out["period"].astype(np.int64)
    rep = pd.Series(np.tile(np.arange(n_rep), n_units))
    ranked = out["value"].notna().astype(np.int64)
    out["rank"] = _ranks(out["value"], direction, [rep]).astype("Int64")
    out["peers"] = ranked.groupby(rep).transform("sum").astype("Int64")
    if peer_groups is not None:
        groups = (
            peer_groups if isinstance(peer_groups, pd.Series) else pd.Series(dict(peer_groups), dtype=object)
        )
        g = out["unit"].map(groups).astype(object)
        out["group"] = g.where(g.notna(), None)
        out["rank_in_group"] = _ranks(out["value"], direction, [rep, g]).astype("Int64")
        size = ranked.groupby([rep, g], dropna=True).transform("sum").reindex(out.index)
        out["group_size"] = size.astype("Int64")
    return out[columns]


def _empty(columns: list[str]) -> pd.DataFrame:
    ints = {"trend_n", "rank", "peers", "rank_in_group", "group_size"}
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype="Int64" if c in ints else object if c in ("unit", "period", "group") else float
            )
            for c in columns
        }
    )
