"""Indicator history: every catalogue indicator per unit and period, with its change, trend and rank.

Wiring only: node attributes come through :func:`chainatlas.pipeline.query.attr_frame` (so the reader's scope and
disclosure control apply), each indicator is computed by its catalogue entry
(:data:`chainatlas.model.indicators.INDICATORS`) and the maths is :func:`chainatlas.analytics.history.history`.

**Zero or unknown.** The atlas stores a node attribute only where records exist: a unit without a row had no
record. Following the catalogue (``column``: "0 where absent"), such a unit counts 0 — but only in a period the
attribute's source covers, i.e. where the attribute has at least one row anywhere in the atlas (any unit, chain
or segment). In a period no record of the attribute reaches (a source loaded from 2018 on, say) every unit is
unknown (NaN), so no change is computed from a 0 that was never reported. A stored NULL (records without an
amount) and a figure withheld by disclosure control (``suppressed``) stay NaN too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from chainatlas import geo
from chainatlas.analytics.history import GROUP_COLUMNS, HISTORY_COLUMNS, history, period_ordinal
from chainatlas.errors import ConfigError
from chainatlas.model.indicators import INDICATORS, Indicator
from chainatlas.model.layers import ALL
from chainatlas.pipeline import query
from chainatlas.pipeline.analyze.result import Result, data_version, provenance
from chainatlas.pipeline.query import Period
from chainatlas.storage.base import Backend

__all__ = ["history_all", "history_result", "indicator_history", "peer_groups"]

#: the peer group of a unit besides its whole scale: the place one level up
GROUP_OF = {"county": "city_adcode", "city": "province_adcode"}


def peer_groups(scale: str) -> pd.Series | None:
    """unit → its city (county scale) or province (city scale) from the bundled geography; None otherwise."""
    query.check_filters(scale=scale)
    if scale not in GROUP_OF:
        return None
    p = geo.places(scale)
    return pd.Series(
        p[GROUP_OF[scale]].astype(object).to_numpy(), index=p["adcode"].astype(object).to_numpy()
    )


def _indicator(id: str) -> Indicator:
    if id not in INDICATORS:
        raise ConfigError(
            f"unknown indicator {id!r}; expected one of {', '.join(INDICATORS)}", param="indicator"
        )
    return INDICATORS[id]


def _place_units(scale: str, place: str | None, units: pd.Series) -> list[str] | None:
    """The units of ``scale`` that ``place`` names: itself, or the units inside a coarser place."""
    if place is None:
        return None
    place = str(place).strip()
    if place in set(units):
        return [place]
    if scale in ("county", "city"):
        p = geo.places()
        p = p[p["level"] == scale]
        inside = p.loc[(p["city_adcode"] == place) | (p["province_adcode"] == place), "adcode"]
        inside = [u for u in inside if u in set(units)]
        if inside:
            return inside
    raise ConfigError(
        f"{place!r} is not a {scale} unit nor a place containing {scale} units; "
        f"see `chainatlas export places --scale {scale} -o places.csv`",
        param="place",
    )


def _periods(backend: Backend, periods: Period | Sequence[Period] | None, grain: str) -> list[Period] | None:
    if periods is None:
        query.latest(backend, None, grain)  # NotBuiltError before the first build
        return None
    asked = [periods] if isinstance(periods, (int, np.integer, str)) else list(periods)
    keys = sorted({query.latest(backend, p) for p in asked}, key=lambda p: period_ordinal(p)[1])
    if any(grain_of(k) != grain for k in keys):
        raise ConfigError(
            f"periods {', '.join(map(str, keys))} are not all of one grain; expected only {grain}s",
            param="period",
        )
    return keys


def grain_of(period: Period) -> str:
    """``year``, ``quarter`` or ``month``: the grain of a period key."""
    return period_ordinal(period)[0]


def _covered(backend: Backend, attrs: list[str], built: list[Period]) -> set[tuple[str, Period]]:
    """(attr, period) pairs with at least one row in the atlas: the periods each attribute's source covers."""
    kw = {"years": built, "attrs": attrs, "by": ("attr", "period")}
    whole = query.attr_frame(backend, scale="region", **kw)
    parts = query.attr_frame(backend, scale="region", chain=None, segment=None, **kw)
    both = pd.concat([whole, parts], ignore_index=True)
    return set(zip(both["attr"], both["period"], strict=True))


def _values(
    backend: Backend, inds: Sequence[Indicator], *, scale: str, chain: str, segment: str, grain: str
) -> tuple[dict[str, pd.DataFrame], bool]:
    """Each indicator's long frame ``unit, period, value, suppressed`` over every unit of the scale and built
    period of ``grain`` (``suppressed``: an input withheld by disclosure control), and whether anything could be
    withheld. In months and quarters only the attributes reported for them (customs, tax...) are known; an
    indicator needing another stays unknown there."""
    attrs = sorted({a for i in inds for a in i.inputs})
    built = query.periods(backend, grain)
    units = query.units(backend, scale)["unit"].astype(object)
    long = query.attr_frame(
        backend,
        scale=scale,
        years=built,
        chain=chain,
        segment=segment,
        attrs=attrs,
        by=("unit", "attr", "period"),
    )
    long = long[query.proper(scale, long["unit"]) & long["unit"].isin(set(units))]
    masked = "suppressed" in long
    covered = _covered(backend, attrs, built)
    grid = pd.MultiIndex.from_product([units, built], names=["unit", "period"])
    years = grid.get_level_values("period")
    wide = pd.DataFrame(index=grid)
    held = pd.DataFrame(False, index=grid, columns=attrs)
    for a in attrs:
        rows = long[long["attr"] == a]
        at = pd.MultiIndex.from_arrays([rows["unit"], rows["period"]], names=["unit", "period"])
        col = pd.Series(rows["value"].to_numpy(dtype=float, na_value=np.nan), index=at).reindex(grid)
        absent = ~grid.isin(at)
        col[absent & np.array([(a, y) in covered for y in years])] = 0.0
        wide[a] = col
        if masked:
            held[a] = grid.isin(at[rows["suppressed"].fillna(False).astype(bool).to_numpy()])
    out = {}
    for ind in inds:
        parts = []
        for year in built:
            w = wide.xs(year, level="period")[list(ind.inputs)]
            v = pd.Series(ind.compute(w), index=w.index, dtype=float).replace([np.inf, -np.inf], np.nan)
            parts.append(pd.DataFrame({"unit": w.index.to_numpy(), "period": year, "value": v.to_numpy()}))
        frame = pd.concat(parts, ignore_index=True)
        sup = held[list(ind.inputs)].any(axis=1)
        frame["suppressed"] = sup.reindex(
            pd.MultiIndex.from_arrays([frame["unit"], frame["period"]])
        ).to_numpy()
        out[ind.id] = frame
    return out, masked


def _histories(
    backend: Backend,
    inds: Sequence[Indicator],
    *,
    scale: str,
    chain: str,
    segment: str,
    periods: Period | Sequence[Period] | None,
    place: str | None,
    trend_window: int | None,
    groups: bool,
    grain: str | None = None,
) -> pd.DataFrame:
    query.check_filters(scale=scale)
    query.check_chain(backend, chain, segment)
    if grain is None:
        first = (
            periods if isinstance(periods, (int, np.integer, str)) or periods is None else next(iter(periods))
        )
        grain = "year" if first is None else grain_of(query.period_key(first))
    report = _periods(backend, periods, grain)
    names = query.names(backend, scale)[["unit", "name_zh", "name_en"]].astype({"unit": object})
    keep = _place_units(scale, place, names["unit"])
    by_group = peer_groups(scale) if groups else None
    values, masked = _values(backend, inds, scale=scale, chain=chain, segment=segment, grain=grain)
    frames = []
    for ind in inds:
        h = history(
            values[ind.id][["unit", "period", "value"]],
            direction=ind.direction,
            periods=report,
            trend_window=trend_window,
            peer_groups=by_group,
        )
        h.insert(0, "indicator", ind.id)
        h.insert(1, "indicator_zh", ind.zh)
        h.insert(2, "direction", ind.direction)
        if masked:
            sup = values[ind.id].set_index(["unit", "period"])["suppressed"]
            h["suppressed"] = sup.reindex(pd.MultiIndex.from_arrays([h["unit"], h["period"]])).to_numpy()
        frames.append(h)
    out = pd.concat(frames, ignore_index=True)
    if keep is not None:
        out = out[out["unit"].isin(keep)]
    out = out.merge(names, on="unit", how="left")
    cols = ["indicator", "indicator_zh", "direction", "unit", "name_zh", "name_en", *HISTORY_COLUMNS[1:]]
    if by_group is not None:
        cols += GROUP_COLUMNS
    if masked:
        cols.append("suppressed")
    return out[cols].reset_index(drop=True)


def indicator_history(
    backend: Backend,
    *,
    indicator: str,
    scale: str,
    chain: str = ALL,
    segment: str = ALL,
    periods: Period | Sequence[Period] | None = None,
    place: str | None = None,
    trend_window: int | None = 5,
    groups: bool = True,
    grain: str | None = None,
) -> pd.DataFrame:
    """One catalogue indicator's history for every unit of ``scale`` (or those of ``place``).

    Parameters
    ----------
    indicator : str
        A catalogue id (:data:`~chainatlas.model.indicators.INDICATORS`).
    scale : str
        county, city, province, area or region; the peers of a unit are all units of the scale.
    chain, segment : str
        Chain and segment (``*`` for all).
    periods : int, str or a sequence of them, optional
        Built periods to report (default every built one of ``grain``); changes and trends still read earlier
        periods. Years (``2024``), or months (``"2024-05"``) or quarters (``"2024Q2"``), not mixed.
    place : str, optional
        Report only this unit, or the units of the scale inside this city or province; ranks are still among
        all units of the scale.
    trend_window : int or None
        Periods the Theil–Sen trend reads (at least 3); None: no trend (the alert rules do not read it).
    groups : bool
        At county and city scale, also rank within the unit's city or province (``group``, ``rank_in_group``,
        ``group_size``).
    grain : {'year', 'quarter', 'month'}, optional
        The series read when ``periods`` is None (default ``year``); otherwise the grain of ``periods``. The
        change on the same period a year earlier compares a month with the month a year before.

    Returns
    -------
    DataFrame
        ``indicator, indicator_zh, direction, unit, name_zh, name_en`` and the columns of
        :func:`chainatlas.analytics.history.history` (``period`` the year, month or quarter), then the group columns, and
        ``suppressed`` when the reader's scope withholds figures. Sorted by unit and period.

    Raises
    ------
    ConfigError
        Unknown ``indicator``, ``scale``, ``chain``, ``segment``, ``place``; a ``period`` not built;
        ``trend_window`` below 3.
    NotBuiltError
        Before the first build.
    """
    ind = _indicator(indicator)
    return _histories(
        backend,
        [ind],
        scale=scale,
        chain=chain,
        segment=segment,
        periods=periods,
        place=place,
        trend_window=trend_window,
        groups=groups,
        grain=grain,
    )


def history_all(
    backend: Backend,
    *,
    scale: str,
    period: Period | None = None,
    chain: str = ALL,
    segment: str = ALL,
    place: str | None = None,
    trend_window: int | None = 5,
    groups: bool = True,
) -> pd.DataFrame:
    """Every catalogue indicator for one period (default the latest built), long: one row per indicator and
    unit, with the columns of :func:`indicator_history`, indicators in catalogue order."""
    query.check_filters(scale=scale)
    year = query.latest(backend, period)
    return _histories(
        backend,
        list(INDICATORS.values()),
        scale=scale,
        chain=chain,
        segment=segment,
        periods=[year],
        place=place,
        trend_window=trend_window,
        groups=groups,
    )


def history_result(
    backend: Backend,
    *,
    indicator: str | None,
    scale: str,
    period: Period | None = None,
    chain: str = ALL,
    segment: str = ALL,
    place: str | None = None,
    trend_window: int | None = 5,
    groups: bool = True,
) -> Result:
    """The history as a :class:`~chainatlas.pipeline.analyze.Result` with its provenance, for
    :func:`~chainatlas.pipeline.analyze.write`: one ``indicator`` (every built period, or only ``period``), or
    with ``indicator=None`` every indicator for ``period`` (default the latest)."""
    if indicator is None:
        period = query.latest(backend, period)
        data = history_all(
            backend,
            scale=scale,
            period=period,
            chain=chain,
            segment=segment,
            place=place,
            trend_window=trend_window,
            groups=groups,
        )
    else:
        data = indicator_history(
            backend,
            indicator=indicator,
            scale=scale,
            chain=chain,
            segment=segment,
            periods=period,
            place=place,
            trend_window=trend_window,
            groups=groups,
        )
    info = query.dataset_info(backend)
    prov = provenance(
        topic="history",
        indicator=indicator or "*",
        layer=None,
        scale=scale,
        period=period,
        chain=chain,
        segment=segment,
        parameters={"place": place, "trend_window": trend_window, "groups": groups},
        data_version=data_version(backend),
        synthetic=bool(info.get("synthetic") or info.get("contains_synthetic")),
        source="atlas",
    )
    summary = {
        "indicators": int(data["indicator"].nunique()),
        "units": int(data["unit"].nunique()),
        "periods": sorted(data["period"].unique().tolist(), key=lambda p: period_ordinal(p)[1]),
    }
    return Result(data, prov, summary)
